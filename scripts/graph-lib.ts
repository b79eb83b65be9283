/**
 * The dependency graph Terraform will build from a synthesized stack: an edge from every resource
 * (or data source) to each resource, data source or local it references or lists in depends_on.
 * Locals are followed through to what they reference. Used for the deploy critical path in
 * `npm run bench` and for tests that Studio does not wait on the firewall or NAT gateways.
 */
type Json = Record<string, any>;

const ADDRESS = /\b(data\.[a-z0-9_]+\.[A-Za-z0-9_-]+|local\.[A-Za-z0-9_-]+|aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)/g;

export type Graph = ReadonlyMap<string, ReadonlySet<string>>;

/** Every `${...}` interpolation in `text`, braces inside it (object literals) included. */
function interpolations(text: string): string[] {
  const out: string[] = [];
  for (let start = text.indexOf("${"); start >= 0; start = text.indexOf("${", start + 2)) {
    let depth = 0;
    let end = start + 1;
    for (; end < text.length; end++) {
      if (text[end] === "{") depth++;
      else if (text[end] === "}" && --depth === 0) break;
    }
    out.push(text.slice(start, end + 1));
  }
  return out;
}

function referencesIn(value: unknown): Set<string> {
  const out = new Set<string>();
  const text = JSON.stringify(value ?? null);
  for (const expr of interpolations(text)) for (const a of expr.match(ADDRESS) ?? []) out.add(a);
  return out;
}

export function dependencyGraph(json: Json): Graph {
  const locals = new Map<string, Set<string>>();
  for (const [name, value] of Object.entries(json.locals ?? {})) locals.set(`local.${name}`, referencesIn(value));
  /** Replaces locals by what they reference, transitively. */
  const resolve = (refs: Set<string>, seen = new Set<string>()): Set<string> => {
    const out = new Set<string>();
    for (const r of refs) {
      if (!r.startsWith("local.")) out.add(r);
      else if (!seen.has(r)) {
        seen.add(r);
        for (const x of resolve(locals.get(r) ?? new Set(), seen)) out.add(x);
      }
    }
    return out;
  };

  const graph = new Map<string, Set<string>>();
  const add = (address: string, body: Json) => {
    const { depends_on: dependsOn, "//": _meta, ...rest } = body;
    const refs = referencesIn(rest);
    for (const d of (dependsOn ?? []) as string[]) refs.add(d);
    refs.delete(address);
    graph.set(address, resolve(refs));
  };
  for (const [type, resources] of Object.entries(json.resource ?? {})) {
    for (const [name, body] of Object.entries(resources as Json)) add(`${type}.${name}`, body as Json);
  }
  for (const [type, sources] of Object.entries(json.data ?? {})) {
    for (const [name, body] of Object.entries(sources as Json)) add(`data.${type}.${name}`, body as Json);
  }
  return graph;
}

/** Everything `address` waits for before Terraform can create it. */
export function transitiveDependencies(graph: Graph, address: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(graph.get(address) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (out.has(next)) continue;
    out.add(next);
    stack.push(...(graph.get(next) ?? []));
  }
  return out;
}

/**
 * The longest chain of dependent resources (data sources count as zero-cost steps), optionally
 * weighted by `cost(address)` (e.g. typical creation minutes); returns the chain, first created first.
 */
export function criticalPath(graph: Graph, cost: (address: string) => number = (a) => (a.startsWith("data.") ? 0 : 1)): { path: string[]; total: number } {
  const memo = new Map<string, { path: string[]; total: number }>();
  const longest = (address: string): { path: string[]; total: number } => {
    const known = memo.get(address);
    if (known) return known;
    let best = { path: [] as string[], total: 0 };
    for (const dep of graph.get(address) ?? []) {
      const candidate = longest(dep);
      if (candidate.total > best.total) best = candidate;
    }
    const result = { path: [...best.path, address], total: best.total + cost(address) };
    memo.set(address, result);
    return result;
  };
  let best = { path: [] as string[], total: 0 };
  for (const address of graph.keys()) {
    const candidate = longest(address);
    if (candidate.total > best.total) best = candidate;
  }
  return best;
}

/**
 * Rough creation times in minutes for the slow resource types (AWS documentation and provider
 * default timeouts put these in the minutes; everything else is seconds, counted as 0.1).
 */
export const TYPICAL_CREATE_MINUTES: Readonly<Record<string, number>> = {
  aws_networkfirewall_firewall: 10,
  aws_nat_gateway: 2,
  aws_sagemaker_domain: 5,
  aws_sagemaker_user_profile: 1,
  aws_sagemaker_notebook_instance: 6,
  aws_vpc_endpoint: 2,
};

export function typicalMinutes(address: string): number {
  if (address.startsWith("data.")) return 0;
  return TYPICAL_CREATE_MINUTES[address.split(".")[0]] ?? 0.1;
}
