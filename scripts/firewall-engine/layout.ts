/**
 * A synthesized network stack's Network Firewall policy, laid out as Network Firewall runs it:
 * the stateful rule groups in policy priority order (strict order: "rule groups are evaluated by
 * order of priority, starting from the lowest number, and the rules in each rule group are
 * processed in the order in which they're defined"), each group's rule variables, domain-list
 * groups converted into the Suricata rules AWS generates for them, then the policy's stateful
 * default actions, which AWS "appends as rules that evaluate last".
 *
 * Read from the JSON `npm run synth` writes, so what is tested is what would be deployed.
 */

type Json = Record<string, any>;

/** One rule in the policy's strict order. */
export interface LaidOutRule {
  /** The rule group's Terraform name, or "default action". */
  readonly group: string;
  /** Where the rule comes from: a rules string, the rules AWS generates for a domain list, or a default action. */
  readonly source: "rules" | "domain list" | "default action";
  /** The rule as Suricata reads it: variables of its group substituted, `sid` as in its group. */
  readonly text: string;
  readonly action: "pass" | "drop" | "reject" | "alert";
  /** Whether a match writes an alert log line (false for `noalert` and default drops without their alert twin). */
  readonly logged: boolean;
  readonly sid: number;
  readonly msg: string;
}

export interface LaidOutPolicy {
  readonly policyName: string;
  /** Each stateful rule group as written (variables unsubstituted), for loading it on its own. */
  readonly groups: ReadonlyArray<{
    readonly name: string;
    /** The rule group's own name (its `name` attribute, as the console and the logs show it). */
    readonly ruleGroupName: string;
    readonly priority: number;
    readonly source: "rules" | "domain list";
    readonly rules: ReadonlyArray<string>;
    /** The group's rule variables, HOME_NET as Network Firewall resolves it (see `resolvedHomeNet`). */
    readonly variables: Readonly<Record<string, string>>;
    /** The CIDRs of HOME_NET for this group, and where they come from. */
    readonly homeNet: ReadonlyArray<string>;
    readonly homeNetFrom: HomeNetSource;
  }>;
  readonly defaultActions: ReadonlyArray<string>;
  /** Every rule, default actions last, in the order Network Firewall evaluates them. */
  readonly rules: ReadonlyArray<LaidOutRule>;
}

/** The address of a Terraform reference like "${aws_networkfirewall_rule_group.x.arn}". */
function referencedGroup(arn: string): string {
  const m = /^\$\{aws_networkfirewall_rule_group\.([^.]+)\.arn\}$/.exec(arn);
  if (!m) throw new Error(`rule group reference "${arn}" is not a rule group of this stack`);
  return m[1];
}

function escapeContent(name: string): string {
  return name.replace(/[;"\\|]/g, (c) => `|${c.charCodeAt(0).toString(16).padStart(2, "0")}|`);
}

/** How a domain list's generated rules are laid out (see `domainListRules`). */
export interface LayoutOptions {
  /**
   * Also generate the drop rules AWS documents for an ALLOWLIST domain list after its pass rules
   * (the Developer Guide's "Stateful rules examples: domain list rules": `drop tls $HOME_NET any ->
   * $EXTERNAL_NET any (msg:"not matching any TLS allowlisted FQDNs"; ssl_state:client_hello;
   * flow:to_server, established; ...)` and `drop http ... (http.header_names; content:"|0d 0a|";
   * startswith; msg:"not matching any HTTP allowlisted FQDNs"; ...)`). Our reference notes say strict
   * order generates none; the guide's "Stateful domain list rule groups" says "For Allow, traffic of
   * the specified protocol type that doesn't match the domain specifications is denied". Laying a
   * policy out both ways shows whether its verdicts depend on that question. Default false.
   */
  readonly domainListDrops?: boolean;
}

/**
 * The pass rules AWS generates for an ALLOWLIST domain list in a strict-order group, per the
 * developer guide's "domain list rules" examples: exact names `startswith; endswith` (TLS with
 * `nocase`), ".example.com" entries `dotprefix; ... endswith` (the domain and its subdomains).
 * By default no drop rules (our reference notes: strict order generates none, the policy's default
 * action drops); with `domainListDrops`, the documented drops follow the passes (LayoutOptions).
 */
export function domainListRules(list: Json, options: LayoutOptions = {}): string[] {
  if (list.generated_rules_type !== "ALLOWLIST") throw new Error(`generated_rules_type ${list.generated_rules_type} is not emulated (only ALLOWLIST)`);
  const types: string[] = list.target_types;
  const targets: string[] = list.targets;
  const rules: string[] = [];
  let sid = 1;
  if (types.includes("TLS_SNI")) {
    for (const t of targets) {
      const match = t.startsWith(".") ? `dotprefix; content:"${escapeContent(t)}"; nocase; endswith;` : `content:"${escapeContent(t)}"; startswith; nocase; endswith;`;
      rules.push(`pass tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni; ${match} msg:"matching TLS allowlisted FQDNs"; flow:to_server, established; sid:${sid++}; rev:1;)`);
    }
  }
  if (types.includes("HTTP_HOST")) {
    for (const t of targets) {
      const match = t.startsWith(".") ? `dotprefix; content:"${escapeContent(t)}"; endswith;` : `content:"${escapeContent(t)}"; startswith; endswith;`;
      rules.push(`pass http $HOME_NET any -> $EXTERNAL_NET any (http.host; ${match} msg:"matching HTTP allowlisted FQDNs"; flow:to_server, established; sid:${sid++}; rev:1;)`);
    }
  }
  if (options.domainListDrops) {
    if (types.includes("HTTP_HOST")) rules.push(`drop http $HOME_NET any -> $EXTERNAL_NET any (http.header_names; content:"|0d 0a|"; startswith; msg:"not matching any HTTP allowlisted FQDNs"; flow:to_server, established; sid:${sid++}; rev:1;)`);
    if (types.includes("TLS_SNI")) rules.push(`drop tls $HOME_NET any -> $EXTERNAL_NET any (msg:"not matching any TLS allowlisted FQDNs"; ssl_state:client_hello; flow:to_server, established; sid:${sid++}; rev:1;)`);
  }
  return rules;
}

/**
 * Default actions as rules evaluated after every group. Network Firewall does not publish them as
 * Suricata text; these follow what AWS documents for each (developer guide, stateful default
 * actions; AWS Security Services best practices, firewall policy configuration):
 * - aws:drop_established: every packet of an established flow (Suricata's `flow:established`: the
 *   handshake itself is not) that no rule decided.
 * - aws:drop_established_app_layer(_to_server): waits "until it has seen enough application-layer
 *   data (such as the TLS SNI field in the Client Hello)": a TLS flow is dropped at its complete
 *   ClientHello, an HTTP flow once its request headers are read, a flow of another protocol once
 *   Suricata has recognised it (or given up: `failed`). Bytes Suricata cannot place yet are let
 *   through while it waits; the policy's own rules must bound that (REFUSAL_RULES).
 *   `_to_server` drops only client-to-server packets; the bidirectional form drops the server's
 *   packets of an established flow too.
 * - aws:drop_strict: every packet, handshake included.
 */
export function defaultActionRules(actions: ReadonlyArray<string>): Array<{ text: string; logged: boolean }> {
  const drops = actions.filter((a) => a.startsWith("aws:drop_"));
  const alerts = actions.filter((a) => a.startsWith("aws:alert_"));
  if (drops.length > 1) throw new Error(`more than one default drop action: ${drops.join(", ")}`);
  const known = new Set([
    "aws:drop_strict",
    "aws:drop_established",
    "aws:drop_established_app_layer",
    "aws:drop_established_app_layer_to_server",
    "aws:alert_strict",
    "aws:alert_established",
    "aws:alert_established_app_layer",
    "aws:alert_established_app_layer_to_server",
  ]);
  for (const a of actions) if (!known.has(a)) throw new Error(`unknown stateful default action ${a}`);
  const drop = drops[0];
  // The drop logs when its alert twin is set (AWS appends `noalert` otherwise).
  const logged = drop !== undefined && alerts.includes(drop.replace("aws:drop_", "aws:alert_"));
  const msg = (what: string) => `msg:"default action ${drop}: ${what}";`;
  let sid = 1;
  const rule = (header: string, options: string) => ({ text: `drop ${header} (${options} sid:${sid++}; rev:1;)`, logged });
  switch (drop) {
    case undefined:
      return [];
    case "aws:drop_strict":
      return [rule("ip any any -> any any", msg("any packet"))];
    case "aws:drop_established":
      return [rule("ip any any -> any any", `${msg("established flow")} flow:established;`)];
    case "aws:drop_established_app_layer":
    case "aws:drop_established_app_layer_to_server": {
      const toServer = [
        rule("tls any any -> any any", `${msg("TLS, ClientHello read")} flow:established,to_server; ssl_state:client_hello;`),
        rule("http any any -> any any", `${msg("HTTP, request headers read")} flow:established,to_server; http.header_names; content:"|0d 0a|"; startswith;`),
        rule("tcp any any -> any any", `${msg("TCP, another protocol")} flow:established,to_server; app-layer-protocol:!tls; app-layer-protocol:!http;`),
        rule("udp any any -> any any", `${msg("UDP")} flow:established,to_server;`),
        rule("icmp any any -> any any", `${msg("ICMP")} flow:established,to_server;`),
      ];
      if (drop === "aws:drop_established_app_layer_to_server") return toServer;
      // Both directions: the server's data too (its bare ACKs carry nothing to judge and pass).
      return [...toServer, rule("ip any any -> any any", `${msg("server to client")} flow:established,to_client; dsize:>0;`)];
    }
    default:
      throw new Error(`default action ${drop} is not emulated`);
  }
}

function parseRuleHead(text: string): { action: LaidOutRule["action"]; sid: number; msg: string } {
  const action = text.split(/\s+/, 1)[0];
  if (!["pass", "drop", "reject", "alert"].includes(action)) throw new Error(`rule action "${action}" is not one Network Firewall takes: ${text}`);
  const sid = /[(;]\s*sid\s*:\s*(\d+)\s*;/.exec(text);
  if (!sid) throw new Error(`rule without sid: ${text}`);
  return { action: action as LaidOutRule["action"], sid: Number(sid[1]), msg: /msg\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1] ?? "" };
}

/** `$NAME` replaced by the group's variable, longest names first; EXTERNAL_NET defaults to !HOME_NET as in Suricata. */
function substitute(rule: string, variables: Readonly<Record<string, string>>): string {
  const all: Record<string, string> = { ...variables };
  if (all.HOME_NET !== undefined && all.EXTERNAL_NET === undefined) all.EXTERNAL_NET = `!${all.HOME_NET}`;
  const names = Object.keys(all).sort((a, b) => b.length - a.length);
  let out = rule;
  for (const n of names) out = out.split(`$${n}`).join(all[n]);
  const left = /\$[A-Za-z_][A-Za-z0-9_]*/.exec(out);
  if (left) throw new Error(`rule uses ${left[0]}, which its rule group does not define: ${rule}`);
  return out;
}

/** A Terraform JSON block: an object, or a list of one (both are valid synth output). */
const block = (v: unknown): Json | undefined => (Array.isArray(v) ? v[0] : (v as Json | undefined));
const list = (v: unknown): Json[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v as Json]);

function ipSetsOf(ruleVariables: unknown): Record<string, string[]> {
  const sets: Record<string, string[]> = {};
  for (const s of list(block(ruleVariables)?.ip_sets)) sets[s.key] = [...block(s.ip_set)!.definition];
  return sets;
}

function groupVariables(ruleGroup: Json): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(ipSetsOf(ruleGroup.rule_variables))) vars[k] = `[${v.join(",")}]`;
  for (const s of list(block(ruleGroup.rule_variables)?.port_sets)) vars[s.key] = `[${block(s.port_set)!.definition.join(",")}]`;
  return vars;
}

/** Where a group's HOME_NET comes from: its own rule variable, the policy's variables, or the firewall's VPC. */
export type HomeNetSource = "rule group" | "policy variables" | "firewall VPC";

/**
 * HOME_NET of one stateful rule group as Network Firewall resolves it, in this order:
 * 1. the group's own HOME_NET rule variable ("(Optional) HOME_NET rule group variable – Used to
 *    expand the local network definition beyond the CIDR range of the VPC where you deploy Network
 *    Firewall": Developer Guide, "Stateful domain list rule groups in AWS Network Firewall",
 *    https://docs.aws.amazon.com/network-firewall/latest/developerguide/stateful-rule-groups-domain-names.html);
 * 2. else the policy's HOME_NET ("Policy variables affect all rule groups that don't already define
 *    HOME_NET": Developer Guide, "Troubleshooting rules", read at
 *    https://docs.amazonaws.cn/en_us/network-firewall/latest/developerguide/troubleshooting-rules.md);
 * 3. else the CIDR of the VPC the firewall is deployed in ("By default, Network Firewall domain list
 *    inspection only includes traffic coming from the VPC where you deploy the firewall": API
 *    Reference, RulesSourceList; "If you don't override HOME_NET with your own CIDRs, Network
 *    Firewall by default uses the CIDR of your inspection VPC": API Reference, PolicyVariables).
 * EXTERNAL_NET is then the group's negation of that HOME_NET (`substitute`), as the Troubleshooting
 * page says ("the value of EXTERNAL_NET in the rule group is the negation of the HOME_NET value").
 * A domain list's generated rules use $HOME_NET as their source, so a domain-list group passes
 * traffic of the sources in its resolved HOME_NET only: what the hub's per-spoke allowlists rest on.
 */
export function resolvedHomeNet(ruleGroup: Json, policy: Json, stack: Json): { cidrs: string[]; from: HomeNetSource } {
  const own = ipSetsOf(ruleGroup.rule_variables).HOME_NET;
  if (own) return { cidrs: own, from: "rule group" };
  // The policy's rule_variables is a list of {key, ip_set} (no ip_sets wrapper: provider schema of
  // aws_networkfirewall_firewall_policy, policy_variables.rule_variables).
  const policyHome = list(block(block(policy.firewall_policy)?.policy_variables)?.rule_variables).find((v) => v.key === "HOME_NET");
  const fromPolicy = policyHome ? [...block(policyHome.ip_set)!.definition] : undefined;
  if (fromPolicy) return { cidrs: fromPolicy, from: "policy variables" };
  return { cidrs: firewallVpcCidrs(stack), from: "firewall VPC" };
}

/** The CIDR of the VPC the stack's firewall is deployed in (its vpc_id must reference an aws_vpc of the stack). */
export function firewallVpcCidrs(stack: Json): string[] {
  const firewalls = Object.values<Json>(stack.resource?.aws_networkfirewall_firewall ?? {});
  if (firewalls.length !== 1) throw new Error(`cannot tell the firewall's VPC: expected one aws_networkfirewall_firewall, found ${firewalls.length}`);
  const m = /^\$\{aws_vpc\.([^.]+)\.id\}$/.exec(String(firewalls[0].vpc_id));
  const vpc = m ? stack.resource?.aws_vpc?.[m[1]] : undefined;
  if (!vpc?.cidr_block) throw new Error(`cannot tell the firewall's VPC CIDR from vpc_id "${firewalls[0].vpc_id}" (a group without HOME_NET defaults to it)`);
  // Secondary CIDRs (aws_vpc_ipv4_cidr_block_association) are not read: the project's VPCs have none.
  return [vpc.cidr_block];
}

/** The stack's one firewall policy, laid out. */
export function layOutPolicy(stack: Json, options: LayoutOptions = {}): LaidOutPolicy {
  const policies = Object.values<Json>(stack.resource?.aws_networkfirewall_firewall_policy ?? {});
  if (policies.length !== 1) throw new Error(`expected one aws_networkfirewall_firewall_policy, found ${policies.length}`);
  const policy = policies[0];
  const fp = policy.firewall_policy;
  if (fp.stateful_engine_options?.rule_order !== "STRICT_ORDER") throw new Error("only STRICT_ORDER policies are laid out");
  const groupsByName: Record<string, Json> = stack.resource?.aws_networkfirewall_rule_group ?? {};
  const references = [...(fp.stateful_rule_group_reference ?? [])].sort((a: Json, b: Json) => a.priority - b.priority);
  const groups = references.map((ref: Json) => {
    const name = referencedGroup(ref.resource_arn);
    const group = groupsByName[name];
    if (!group) throw new Error(`the policy references rule group ${name}, which the stack does not define`);
    if (group.type !== "STATEFUL") throw new Error(`rule group ${name} is not STATEFUL`);
    const source = group.rule_group.rules_source;
    const rules = source.rules_string !== undefined ? String(source.rules_string).split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#")) : domainListRules(block(source.rules_source_list)!, options);
    const home = resolvedHomeNet(group.rule_group, policy, stack);
    return {
      name,
      ruleGroupName: String(group.name ?? name),
      priority: ref.priority as number,
      rules,
      variables: { ...groupVariables(group.rule_group), HOME_NET: `[${home.cidrs.join(",")}]` },
      homeNet: home.cidrs,
      homeNetFrom: home.from,
      source: source.rules_string !== undefined ? ("rules" as const) : ("domain list" as const),
    };
  });
  const rules: LaidOutRule[] = groups.flatMap((g) =>
    g.rules.map((r) => {
      const head = parseRuleHead(r);
      return { group: g.name, source: g.source, text: substitute(r, g.variables), logged: !/[(;]\s*noalert\s*;/.test(r), ...head };
    }),
  );
  const defaultActions: string[] = fp.stateful_default_actions ?? [];
  for (const d of defaultActionRules(defaultActions)) rules.push({ group: "default action", source: "default action", text: d.text, logged: d.logged, ...parseRuleHead(d.text) });
  return { policyName: policy.name, groups, defaultActions, rules };
}
