/**
 * Mermaid diagrams of synthesized stacks, drawn from their Terraform JSON alone: every AZ lane with
 * its subnets and CIDRs, each route table's routes as arrows to the target they name (NAT gateway,
 * firewall endpoint by AZ key, internet gateway), the IGW edge routes back, and where SageMaker sits.
 * Nothing here knows how the stacks were built, so the picture shows what Terraform will apply.
 *
 * One diagram per stack. An environment's network stack (`<env>-network`) holds the lanes, routes
 * and endpoints. A workload stack (`<env>-studio`, `<env>-notebook`) holds SageMaker and names its
 * subnets only through the network contract (`workload_subnet_ids["<az>"]` of the SSM parameter it
 * reads); given its network stack's JSON, it is drawn on that network's lanes, each contract key
 * resolved through the subnet the network publishes under it. Without one, the contract's subnets
 * are drawn as placeholders.
 */
type Json = Record<string, any>;

const entries = (json: Json, type: string): Array<[string, Json]> => Object.entries(json.resource?.[type] ?? {});
const ref = (expr: unknown): string | undefined => (typeof expr === "string" ? /^\$\{([a-z0-9_]+\.[^.}]+)\.[a-z_]+\}$/.exec(expr)?.[1] : undefined);
const id = (text: string) => text.replace(/[^A-Za-z0-9]/g, "_");

const TIER_LABEL: Record<string, string> = { workload: "workload subnet", nat: "NAT subnet", firewall: "firewall subnet" };
const TIER_HOSTS: Record<string, string> = {
  workload: "SageMaker ENIs, VPC endpoint ENIs",
  nat: "NAT gateway + Elastic IP",
  firewall: "Network Firewall endpoint",
};

/** `workload_subnet_ids["<az>"]` in a workload stack's expression: the AZ key into the contract. */
const contractAz = (expr: unknown): string | undefined =>
  typeof expr === "string" ? /\.workload_subnet_ids\["([^"]+)"\]\}$/.exec(expr)?.[1] : undefined;

/**
 * Name of the contract parameter a workload stack reads, if any: it lists the parameters under a
 * path (data aws_ssm_parameters_by_path) and picks "<path>/contract" (modules/contract).
 */
export function contractReadBy(json: Json): string | undefined {
  const paths = Object.values((json.data?.aws_ssm_parameters_by_path ?? {}) as Json).map((p) => p.path as string);
  if (paths.length > 1) throw new Error(`a stack reading ${paths.length} SSM parameter paths (${paths.join(", ")}): which one holds the network contract?`);
  return paths.length === 1 ? `${paths[0]}/contract` : undefined;
}

/** The contract parameter a network stack publishes: its name and AZ -> "aws_subnet.x" of its workload subnets. */
export function contractPublishedBy(json: Json): { name: string; workloadSubnets: Map<string, string> } | undefined {
  for (const [, p] of entries(json, "aws_ssm_parameter")) {
    const body = typeof p.value === "string" ? /"workload_subnet_ids" = \{([^}]*)\}/.exec(p.value) : null;
    if (!body) continue;
    return {
      name: p.name,
      workloadSubnets: new Map([...body[1].matchAll(/"([^"]+)" = (aws_subnet\.[^.\s,}]+)\.id/g)].map((m) => [m[1], m[2]])),
    };
  }
  return undefined;
}

export interface DiagramContext {
  /** The network stack a workload stack reads its contract from: its lanes are drawn under the workload. */
  readonly network?: Json;
}

export function mermaidForStack(stackJson: Json, context: DiagramContext = {}): string {
  const reads = contractReadBy(stackJson);
  const published = context.network ? contractPublishedBy(context.network) : undefined;
  if (context.network && (!reads || !published || published.name !== reads)) {
    throw new Error(`the network given publishes ${published?.name ?? "no contract"}, but the stack reads ${reads ?? "none"}`);
  }
  // Lanes, routes and endpoints come from the network (the stack itself, or the one it is drawn on).
  const json = context.network ?? stackJson;
  const subnets = new Map<string, { az: string; tier: string; cidr: string; node: string }>();
  for (const [name, s] of entries(json, "aws_subnet")) {
    const tier = String(s.tags?.Tier ?? "subnet");
    subnets.set(`aws_subnet.${name}`, { az: s.availability_zone, tier, cidr: s.cidr_block, node: id(`${tier}_${s.availability_zone}`) });
  }
  /** A workload's subnet expression -> subnet key: a resource of its own, or the contract's subnet for an AZ. */
  const subnetOf = (expr: unknown): string | undefined => {
    const own = ref(expr);
    if (own) return own;
    const az = contractAz(expr);
    if (az === undefined) return undefined;
    const resolved = published?.workloadSubnets.get(az);
    if (resolved) return resolved;
    // Not drawn on a network (or the network publishes no subnet for the AZ): a placeholder.
    const key = `contract:${az}`;
    const cidr = published ? "(MISSING from the network contract)" : "(from the network contract)";
    if (!subnets.has(key)) subnets.set(key, { az, tier: "workload", cidr, node: id(`workload_${az}`) });
    return key;
  };
  const workloads: Array<{ node: string; label: string; subnetKeys: string[] }> = [];
  for (const [, d] of entries(stackJson, "aws_sagemaker_domain")) {
    const keys = ((d.subnet_ids ?? []) as unknown[]).map(subnetOf).filter((x): x is string => x !== undefined);
    workloads.push({ node: "studio", label: `SageMaker Studio domain (${d.app_network_access_type})`, subnetKeys: keys });
  }
  for (const [, n] of entries(stackJson, "aws_sagemaker_notebook_instance")) {
    const keys = [subnetOf(n.subnet_id)].filter((x): x is string => x !== undefined);
    workloads.push({ node: "notebook", label: `SageMaker notebook instance ${n.instance_type}`, subnetKeys: keys });
  }

  const azs = [...new Set([...subnets.values()].map((s) => s.az))].sort();
  const tableToSubnet = new Map<string, string>();
  const edgeTables = new Set<string>();
  for (const [, a] of entries(json, "aws_route_table_association")) {
    const table = ref(a.route_table_id);
    if (!table) continue;
    if (a.subnet_id) tableToSubnet.set(table, ref(a.subnet_id)!);
    if (a.gateway_id) edgeTables.add(table);
  }
  const natSubnet = new Map(entries(json, "aws_nat_gateway").map(([n, g]) => [`aws_nat_gateway.${n}`, ref(g.subnet_id)!]));
  const firewallNodeOfAz = (az: string) => [...subnets.values()].find((s) => s.az === az && s.tier === "firewall")?.node;

  const lines = ["flowchart TB"];
  if (entries(json, "aws_internet_gateway").length > 0) {
    lines.push('  internet(("Internet"))', '  igw["Internet gateway<br/>+ edge route table"]', "  igw <--> internet");
  }
  for (const az of azs) {
    lines.push(`  subgraph ${id(`az_${az}`)}["${az}"]`, "    direction TB");
    for (const tier of ["firewall", "nat", "workload"]) {
      const s = [...subnets.values()].find((x) => x.az === az && x.tier === tier);
      if (s) lines.push(`    ${s.node}["${TIER_LABEL[tier] ?? tier} ${s.cidr}<br/>${TIER_HOSTS[tier] ?? ""}"]`);
    }
    lines.push("  end");
  }

  const arrows: string[] = [];
  for (const [, r] of entries(json, "aws_route")) {
    const table = ref(r.route_table_id)!;
    const endpointAz = typeof r.vpc_endpoint_id === "string" ? /\["([^"]+)"\]\}$/.exec(r.vpc_endpoint_id)?.[1] : undefined;
    const target = r.nat_gateway_id
      ? subnets.get(natSubnet.get(ref(r.nat_gateway_id)!)!)?.node
      : endpointAz
        ? firewallNodeOfAz(endpointAz)
        : ref(r.gateway_id)?.startsWith("aws_internet_gateway.")
          ? "igw"
          : undefined;
    if (!target) continue;
    const from = edgeTables.has(table) ? "igw" : subnets.get(tableToSubnet.get(table)!)?.node;
    if (!from) continue;
    const via = r.vpc_endpoint_id ? "firewall endpoint" : r.nat_gateway_id ? "NAT gateway" : "IGW";
    arrows.push(`  ${from} -->|"${r.destination_cidr_block} to ${via}"| ${target}`);
  }
  lines.push(...arrows.sort());

  for (const w of workloads) {
    lines.push(`  ${w.node}[["${w.label}"]]`);
    for (const s of w.subnetKeys.map((x) => subnets.get(x)?.node).filter(Boolean).sort()) lines.push(`  ${w.node} -.- ${s}`);
  }
  const interfaces = entries(json, "aws_vpc_endpoint").filter(([, e]) => e.vpc_endpoint_type === "Interface").length;
  const gateways = entries(json, "aws_vpc_endpoint").filter(([, e]) => e.vpc_endpoint_type === "Gateway").length;
  if (interfaces + gateways > 0) {
    lines.push(`  endpoints[("VPC endpoints: ${interfaces} interface (an ENI per AZ), ${gateways} S3 gateway")]`);
    for (const az of azs) {
      const wl = [...subnets.values()].find((s) => s.az === az && s.tier === "workload");
      if (wl) lines.push(`  ${wl.node} -.- endpoints`);
    }
  }
  return lines.join("\n");
}

/** Replaces the block between `<!-- diagram:<stack>:start -->` and `...:end -->` in `readme` (the text of DIAGRAMS_DOC). */
export function renderIntoReadme(readme: string, stack: string, mermaid: string): string {
  const start = `<!-- diagram:${stack}:start -->`;
  const end = `<!-- diagram:${stack}:end -->`;
  const block = `${start}\n\`\`\`mermaid\n${mermaid}\n\`\`\`\n${end}`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${DIAGRAMS_DOC} has no ${start} ... ${end} markers`);
  return readme.slice(0, from) + block + readme.slice(to + end.length);
}

/**
 * One diagram per stack of a synthesized app (stack name -> its Terraform JSON): each workload
 * stack drawn on the network stack that publishes the contract it reads.
 */
export function diagramsForStacks(stacks: Readonly<Record<string, Json>>): Record<string, string> {
  const publishers = new Map<string, Json>();
  for (const json of Object.values(stacks)) {
    const published = contractPublishedBy(json);
    if (published) publishers.set(published.name, json);
  }
  const out: Record<string, string> = {};
  for (const name of Object.keys(stacks).sort()) {
    const reads = contractReadBy(stacks[name]);
    if (reads !== undefined && !publishers.has(reads)) throw new Error(`${name} reads ${reads}, which no stack of this app publishes`);
    out[name] = mermaidForStack(stacks[name], { network: reads === undefined ? undefined : publishers.get(reads) });
  }
  return out;
}

/**
 * The stacks whose diagrams the docs show (DIAGRAMS_DOC): each workload of the docs' example environment
 * (scripts/readme-diagrams/dev.json, see readme-diagrams.ts), drawn on its network.
 */
export const README_STACKS = ["dev-studio", "dev-notebook"];
/** The page that shows README_STACKS' diagrams, between their markers (relative to the project root). */
export const DIAGRAMS_DOC = "docs/architecture.md";
