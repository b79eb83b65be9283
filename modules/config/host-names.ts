/**
 * Fields that take a host name (firewall.allowedDomains, backend.hostname) are often given what a
 * browser or pip shows instead: "https://pypi.org/simple", "pypi.org:443", "pypi.org/simple". The
 * label rules would only say `invalid label "https://pypi"`; this says what the field takes and
 * which host name the user most likely meant.
 */

/** The host a URL-shaped value names, lowercased, or undefined when nothing host-like is left. */
function hostOf(value: string): string | undefined {
  let rest = value.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  rest = rest.replace(/^[^@/]*@/, ""); // user:password@
  rest = rest.split(/[/?#]/)[0];
  rest = rest.replace(/:\d*$/, ""); // :443
  rest = rest.toLowerCase();
  return /^\.?[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(rest) ? rest : undefined;
}

/**
 * Why `value` is not a bare host name but a URL, a host with a port or path, or a name with spaces
 * around it, with the host name to write; undefined when it has none of these shapes (the field's
 * own rules then judge it). `example` is the field's usual example ("pypi.org").
 */
export function urlShapeProblem(value: string, example: string): string | undefined {
  const parts: string[] = [];
  if (value !== value.trim()) parts.push("spaces around it");
  const v = value.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(v);
  if (scheme) parts.push(`a scheme ("${scheme[1]}://")`);
  const afterScheme = scheme ? v.slice(scheme[0].length) : v;
  if (/^[^@/]*@/.test(afterScheme)) parts.push("a user name");
  const authority = afterScheme.replace(/^[^@/]*@/, "").split(/[/?#]/)[0];
  if (/:\d*$/.test(authority)) parts.push(`a port ("${authority.slice(authority.lastIndexOf(":"))}")`);
  if (/[/?#]/.test(afterScheme.replace(/^[^@/]*@/, ""))) parts.push("a path");
  if (parts.length === 0) return undefined;
  const listed = parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}` : parts[0];
  return `"${value}" has ${listed}: host names only, e.g. "${hostOf(v) ?? example}"`;
}
