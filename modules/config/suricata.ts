/**
 * A small checker for the Suricata rules a user supplies (firewall.suricataRulesFile), so that a
 * malformed rule stops synth with its line number instead of failing the rule group's apply after
 * the network is half built (AWS reports only the first bad rule, without a line).
 *
 * It reads the rule language's structure, not its semantics: action, header, options, the rules'
 * IDs, and the Suricata features AWS Network Firewall refuses. (No maintained npm package parses
 * Suricata rules; this covers what the config needs.) Sources: Suricata 7 "Rules format"
 * (https://docs.suricata.io/en/suricata-7.0.0/rules/intro.html); AWS Network Firewall Developer
 * Guide, "Limitations and caveats for stateful rules" and "Signature ID uniqueness".
 *
 *   action protocol src_addr src_port -> dst_addr dst_port (keyword:value; keyword; ...)
 *
 * One rule per line (the Network Firewall rules string is one rule per line); blank lines and
 * lines starting with "#" are ignored.
 */

export interface SuricataOption {
  readonly keyword: string;
  /** The value as written (quotes and escapes kept), if the option has one. */
  readonly value?: string;
}

export interface SuricataRule {
  /** 1-based line in the file. */
  readonly line: number;
  readonly action: string;
  readonly protocol: string;
  readonly options: ReadonlyArray<SuricataOption>;
  readonly sid?: number;
}

export interface SuricataProblem {
  readonly line: number;
  readonly message: string;
}

/** The actions Network Firewall's stateful rule groups take (AWS: "Rules actions except for pass, drop, reject, and alert" are not supported). */
export const SUPPORTED_ACTIONS = ["pass", "drop", "reject", "alert"] as const;
/** Suricata actions Network Firewall refuses in these rule groups. */
const OTHER_SURICATA_ACTIONS = ["rejectsrc", "rejectdst", "rejectboth", "accept", "config"];

/** Suricata 7 protocol keywords (rules/intro, "Protocol"; app-layer protocols). */
const PROTOCOLS = new Set([
  "ip", "ipv4", "ipv6", "tcp", "udp", "icmp", "icmpv4", "icmpv6", "pkthdr", "tcp-pkt", "tcp-stream",
  "http", "http1", "http2", "ftp", "ftp-data", "tls", "smb", "dcerpc", "dns", "dhcp", "ssh", "smtp", "imap",
  "nfs", "ntp", "tftp", "krb5", "ikev2", "snmp", "sip", "rfb", "mqtt", "rdp", "modbus", "dnp3", "enip",
  "quic", "bittorrent-dht", "pgsql", "telnet", "websocket", "ldap", "doh2", "sctp",
]);
/** Protocols Network Firewall does not support (AWS: "Limitations and caveats for stateful rules"). */
const UNSUPPORTED_PROTOCOLS: Readonly<Record<string, string>> = { sctp: "SCTP", ikev2: "IKEv2", enip: "ENIP/CIP" };

/** Option keywords Network Firewall refuses (AWS: datasets, IP reputation, Lua, thresholding, file keywords). */
const UNSUPPORTED_KEYWORDS: Readonly<Record<string, string>> = {
  dataset: "datasets",
  datarep: "datasets",
  iprep: "IP reputation",
  lua: "Lua scripting",
  luajit: "Lua scripting",
  threshold: "thresholding",
  detection_filter: "thresholding",
  filestore: "file extraction",
  filename: "file keywords",
  fileext: "file keywords",
  filemagic: "file keywords",
  filemd5: "file keywords",
  filesha1: "file keywords",
  filesha256: "file keywords",
  filesize: "file keywords",
  "file.name": "file keywords",
  "file.magic": "file keywords",
  "file.data": "file keywords",
};

/** AWS: "In payload keywords, the pcre keyword is only allowed with content, tls.sni, http.host, and dns.query keywords." */
const PCRE_COMPANIONS = ["content", "tls.sni", "http.host", "dns.query"];

/** Largest sid Suricata takes (an unsigned 32-bit number). */
const MAX_SID = 4294967295;

const VARIABLE = /^\$[A-Za-z_][A-Za-z0-9_]*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(\/([12]?\d|3[0-2]))?$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(\/(12[0-8]|1[01]\d|[1-9]?\d))?$/;
const PORT = /^(\d{1,5})$/;

class RuleError extends Error {}

/** Splits a header into tokens, keeping "[...]" groups (which may hold spaces) whole. */
function headerTokens(header: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of header) {
    if (c === "[") depth++;
    if (c === "]") depth--;
    if (depth < 0) throw new RuleError(`unbalanced "]" in the header`);
    if (/\s/.test(c) && depth === 0) {
      if (current) tokens.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  if (depth > 0) throw new RuleError(`unclosed "[" in the header`);
  if (current) tokens.push(current);
  return tokens;
}

/** The elements of a group "[a, b, [c, d]]" (one level), or [token] for a single element. */
function groupElements(token: string, what: string): string[] {
  if (!token.startsWith("[")) return [token];
  if (!token.endsWith("]")) throw new RuleError(`${what} "${token}": a "[" group must end with "]"`);
  const inner = token.slice(1, -1);
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of inner) {
    if (c === "[") depth++;
    if (c === "]") depth--;
    if (c === "," && depth === 0) {
      out.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  out.push(current.trim());
  if (out.some((e) => e === "")) throw new RuleError(`${what} "${token}" has an empty element`);
  return out;
}

function checkAddress(token: string, what: string): void {
  for (const raw of groupElements(token, what)) {
    const e = raw.startsWith("!") ? raw.slice(1) : raw;
    if (e.startsWith("[")) {
      checkAddress(e, what);
      continue;
    }
    if (e === "any" && raw === e) continue;
    if (VARIABLE.test(e) || IPV4.test(e) || IPV6.test(e)) continue;
    throw new RuleError(`${what} "${raw}" is not an address: write any, $HOME_NET, an IP address or CIDR (10.0.0.0/8), a "!" negation or a [list]`);
  }
}

function checkPort(token: string, what: string): void {
  for (const raw of groupElements(token, what)) {
    const e = raw.startsWith("!") ? raw.slice(1) : raw;
    if (e.startsWith("[")) {
      checkPort(e, what);
      continue;
    }
    if (e === "any" && raw === e) continue;
    if (VARIABLE.test(e)) continue;
    const range = e.split(":");
    const ok =
      range.length <= 2 &&
      range.every((p, i) => (p === "" ? range.length === 2 && range.some((q, j) => j !== i && q !== "") : PORT.test(p) && Number(p) <= 65535));
    if (!ok) throw new RuleError(`${what} "${raw}" is not a port: write any, a number 0-65535, a range 1024:65535, a "!" negation or a [list]`);
    if (range.length === 2 && range[0] !== "" && range[1] !== "" && Number(range[0]) > Number(range[1])) {
      throw new RuleError(`${what} "${raw}": the range's first port is greater than its last`);
    }
  }
}

/**
 * Splits the text between the rule's parentheses into options. Values may be quoted; ";", '"' and
 * "\" in a value are escaped with "\" (Suricata: "must be escaped when used in a rule option value").
 */
function parseOptions(body: string): SuricataOption[] {
  const options: SuricataOption[] = [];
  let i = 0;
  const n = body.length;
  while (i < n) {
    while (i < n && /\s/.test(body[i])) i++;
    if (i >= n) break;
    const keywordMatch = /^[A-Za-z0-9_.-]+/.exec(body.slice(i));
    if (!keywordMatch) throw new RuleError(`expected an option keyword at "${body.slice(i, i + 20)}"`);
    const keyword = keywordMatch[0];
    i += keyword.length;
    while (i < n && body[i] === " ") i++;
    if (body[i] === ";") {
      options.push({ keyword });
      i++;
      continue;
    }
    if (body[i] !== ":") {
      throw new RuleError(i >= n ? `option "${keyword}" is not terminated with ";"` : `option "${keyword}": expected ":" or ";" after the keyword, found "${body[i]}"`);
    }
    i++;
    const start = i;
    let quoted = false;
    let quoteStart = -1;
    for (;;) {
      if (i >= n) {
        if (quoted) throw new RuleError(`option "${keyword}": the quoted value starting at "${body.slice(quoteStart, quoteStart + 20)}" is not closed (escape quotes inside it as \\")`);
        throw new RuleError(`option "${keyword}" is not terminated with ";"`);
      }
      const c = body[i];
      if (c === "\\") {
        if (i + 1 >= n) throw new RuleError(`option "${keyword}": the value ends with a lone "\\"`);
        i += 2;
        continue;
      }
      if (c === '"') {
        if (!quoted) quoteStart = i;
        quoted = !quoted;
      } else if (c === ";") {
        if (quoted) throw new RuleError(`option "${keyword}": ";" inside the quoted value must be escaped as \\;`);
        break;
      }
      i++;
    }
    const value = body.slice(start, i).trim();
    if (value === "") throw new RuleError(`option "${keyword}" has ":" but no value`);
    options.push({ keyword, value });
    i++; // the ";"
  }
  return options;
}

/** Parses one rule line; throws RuleError with what is wrong. */
function parseRule(text: string, line: number): SuricataRule {
  const open = text.indexOf("(");
  if (open < 0) throw new RuleError('no options: a rule ends with "(...; sid:<number>;)"');
  if (!text.trimEnd().endsWith(")")) throw new RuleError('the options must end the rule with ")"');
  const tokens = headerTokens(text.slice(0, open));
  const body = text.trimEnd().slice(open + 1, -1);

  const [action, protocol, srcAddr, srcPort, direction, dstAddr, dstPort, ...extra] = tokens;
  if (!(SUPPORTED_ACTIONS as ReadonlyArray<string>).includes(action)) {
    if (OTHER_SURICATA_ACTIONS.includes(action)) {
      throw new RuleError(`action "${action}" is not supported by Network Firewall stateful rule groups (they take ${SUPPORTED_ACTIONS.join(", ")})`);
    }
    throw new RuleError(`"${action}" is not a rule action (${SUPPORTED_ACTIONS.join(", ")})`);
  }
  if (tokens.length < 7) {
    throw new RuleError(`the header has ${tokens.length} parts; it needs 7: action protocol source_address source_port -> destination_address destination_port`);
  }
  if (extra.length > 0) throw new RuleError(`unexpected "${extra.join(" ")}" after the destination port, before "("`);
  if (!PROTOCOLS.has(protocol)) throw new RuleError(`"${protocol}" is not a Suricata protocol (e.g. tcp, udp, icmp, ip, http, tls, dns)`);
  if (protocol in UNSUPPORTED_PROTOCOLS) throw new RuleError(`Network Firewall does not support the ${UNSUPPORTED_PROTOCOLS[protocol]} protocol`);
  checkAddress(srcAddr, "source address");
  checkPort(srcPort, "source port");
  if (direction !== "->" && direction !== "<>") throw new RuleError(`direction "${direction}" must be "->" or "<>"`);
  checkAddress(dstAddr, "destination address");
  checkPort(dstPort, "destination port");

  const options = parseOptions(body);
  for (const o of options) {
    const feature = UNSUPPORTED_KEYWORDS[o.keyword];
    if (feature) throw new RuleError(`option "${o.keyword}": Network Firewall does not support ${feature}`);
  }
  if (options.some((o) => o.keyword === "pcre") && !options.some((o) => PCRE_COMPANIONS.includes(o.keyword))) {
    throw new RuleError(`option "pcre": Network Firewall takes pcre only in a rule that also has ${PCRE_COMPANIONS.join(", ")}; add a content match (or match on tls.sni, http.host, dns.query)`);
  }
  const sids = options.filter((o) => o.keyword === "sid");
  if (sids.length === 0) throw new RuleError('no "sid": every rule needs a numeric ID, e.g. sid:1000001;');
  if (sids.length > 1) throw new RuleError(`"sid" is given ${sids.length} times`);
  const sidText = sids[0].value ?? "";
  if (!/^\d+$/.test(sidText) || Number(sidText) < 1 || Number(sidText) > MAX_SID) {
    throw new RuleError(`sid "${sidText}" must be a whole number from 1 to ${MAX_SID}`);
  }
  const rev = options.find((o) => o.keyword === "rev");
  if (rev && !/^\d+$/.test(rev.value ?? "")) throw new RuleError(`rev "${rev.value ?? ""}" must be a whole number`);
  return { line, action, protocol, options, sid: Number(sidText) };
}

export interface ParsedRules {
  readonly rules: ReadonlyArray<SuricataRule>;
  readonly problems: ReadonlyArray<SuricataProblem>;
}

/**
 * Every rule of `text`, and every problem: each bad rule, and each sid used twice or taken by
 * `reserved` (the project's own rules: sid => what uses it, or undefined).
 */
export function parseSuricataRules(text: string, reserved: (sid: number) => string | undefined = () => undefined): ParsedRules {
  const rules: SuricataRule[] = [];
  const problems: SuricataProblem[] = [];
  const sidLines = new Map<number, number>();
  text.split("\n").forEach((rawLine, index) => {
    const line = index + 1;
    const body = rawLine.replace(/\r$/, "").trim();
    if (body === "" || body.startsWith("#")) return;
    if (body.endsWith("\\")) {
      problems.push({ line, message: 'ends with "\\": continuation lines are not supported; write each rule on one line' });
      return;
    }
    try {
      const rule = parseRule(body, line);
      rules.push(rule);
      const sid = rule.sid!;
      const first = sidLines.get(sid);
      if (first !== undefined) problems.push({ line, message: `sid ${sid} is also used on line ${first}; Network Firewall needs unique sids in a rule group` });
      else sidLines.set(sid, line);
      const owner = reserved(sid);
      if (owner !== undefined) problems.push({ line, message: `sid ${sid} is reserved for ${owner}; choose another, so alert logs name one rule per sid` });
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      problems.push({ line, message: e.message });
    }
  });
  return { rules, problems };
}
