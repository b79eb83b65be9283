/**
 * A hub's policy (the `<hub>-inspection` stack) through the engine: one firewall, several sources.
 * Each domain-list group of the policy is an allowlist for the sources of its own HOME_NET (a
 * spoke's range, or the spokes that share the hub's list; layout.ts resolves HOME_NET as Network
 * Firewall does). The matrix replays, from an address in every range any group names and from an
 * address of the firewall's own VPC (in no spoke), one TLS and one HTTP flow to a name of every
 * group, plus the probes the hygiene rules are about (DNS over UDP, ICMP, an IP literal as SNI).
 * Sources and names are read from the policy, so `npm run firewall-engine` shows any hub; the tests
 * state what each cell must be from the config they synthesize.
 */
import { CatalogueSpec, catalogueSpecs, nameSpecs } from "./catalogue";
import { Evaluation, FlowResult, addressIn, evaluateSources } from "./evaluate";
import { firewallVpcCidrs, layOutPolicy } from "./layout";

type Json = Record<string, any>;

/** Flows of the catalogue each source also runs: what hygiene and the refusals judge, whatever the name. */
export const HUB_PROBES = ["dns-udp", "icmp", "tls-ip-literal", "not-tls-on-443"] as const;

export interface HubSource {
  /** A label: the range, and the groups whose HOME_NET holds it (or "firewall VPC"). */
  readonly source: string;
  readonly cidr: string;
  readonly client: string;
}

export interface HubSubject {
  readonly sources: ReadonlyArray<HubSource>;
  /** One name per domain-list group (its first exact name), with the group's name. */
  readonly names: ReadonlyArray<{ readonly name: string; readonly group: string }>;
}

/** Whether a stack holds a hub's firewall: a Transit Gateway and a policy. */
export function isHubStack(stack: Json): boolean {
  return Object.keys(stack.resource?.aws_ec2_transit_gateway ?? {}).length > 0 && Object.keys(stack.resource?.aws_networkfirewall_firewall_policy ?? {}).length > 0;
}

/** The sources and names of a hub's policy (see the file comment). */
export function hubSubject(stack: Json): HubSubject {
  const policy = layOutPolicy(stack);
  const lists = policy.groups.filter((g) => g.source === "domain list");
  if (lists.length === 0) throw new Error(`${policy.policyName} has no domain-list rule group`);
  const groupsOf = new Map<string, string[]>();
  for (const g of lists) for (const c of g.homeNet) groupsOf.set(c, [...(groupsOf.get(c) ?? []), g.ruleGroupName]);
  const sources: HubSource[] = [...groupsOf].map(([cidr, groups]) => ({ source: `${cidr} (${groups.join(", ")})`, cidr, client: addressIn(cidr, 20) }));
  for (const cidr of firewallVpcCidrs(stack)) if (!groupsOf.has(cidr)) sources.push({ source: `${cidr} (firewall VPC, in no spoke)`, cidr, client: addressIn(cidr, 20) });
  const names: Array<{ name: string; group: string }> = [];
  for (const g of lists) {
    const group = Object.values<Json>(stack.resource.aws_networkfirewall_rule_group).find((r) => r.name === g.ruleGroupName);
    const targets: string[] = group?.rule_group?.rules_source?.rules_source_list?.targets ?? [];
    const name = targets.find((t) => !t.startsWith(".")) ?? targets.map((t) => `files${t}`)[0];
    if (name && !names.some((n) => n.name === name)) names.push({ name, group: g.ruleGroupName });
  }
  return { sources, names };
}

/** Every source's flows: TLS and HTTP to each name (`<source>/tls:<name>`, `<source>/http:<name>`) and the probes (`<source>/<probe>`). */
export function hubSpecs(subject: HubSubject, denied = "example.net"): Array<{ source: string; client: string; specs: CatalogueSpec[] }> {
  return subject.sources.map((s) => {
    const probes = catalogueSpecs({ client: s.client, allowed: subject.names[0].name, denied }).filter((spec) => (HUB_PROBES as readonly string[]).includes(spec.id));
    return { source: s.source, client: s.client, specs: [...nameSpecs(subject.names.map((n) => n.name), s.client), ...probes] };
  });
}

/** The hub's matrix, evaluated in one Suricata run. */
export function evaluateHub(stack: Json): { subject: HubSubject; evaluation: Evaluation } {
  const subject = hubSubject(stack);
  return { subject, evaluation: evaluateSources(stack, hubSpecs(subject)) };
}

function cell(r: FlowResult | undefined): string {
  if (!r) return "?";
  return r.outcome === "passed" ? "passed" : r.outcome === "not decided" ? "**forwarded (not decided)**" : r.outcome;
}

/** A row per source, a column per name (TLS / HTTP) and per probe. */
export function renderHubMatrix(subject: HubSubject, e: Evaluation): string {
  const head = ["from \\ to", ...subject.names.map((n) => `${n.name} (${n.group}) TLS / HTTP`), ...HUB_PROBES];
  const rows = subject.sources.map((s) => {
    const r = (id: string) => e.results.get(`${s.source}/${id}`);
    return [s.source, ...subject.names.map((n) => `${cell(r(`tls:${n.name}`))} / ${cell(r(`http:${n.name}`))}`), ...HUB_PROBES.map((p) => cell(r(p)))];
  });
  return [head, head.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}
