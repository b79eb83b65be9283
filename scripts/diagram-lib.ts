/**
 * Mermaid diagrams of a synthesized stack, drawn from its Terraform JSON alone: every AZ lane with
 * its subnets and CIDRs, each route table's routes as arrows to the target they name (NAT gateway,
 * firewall endpoint by AZ key, internet gateway), the IGW edge routes back, and where SageMaker sits.
 * Nothing here knows how the stack was built, so the picture shows what Terraform will apply.
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

export function mermaidForStack(json: Json): string {
  const subnets = new Map<string, { az: string; tier: string; cidr: string; node: string }>();
  for (const [name, s] of entries(json, "aws_subnet")) {
    const tier = String(s.tags?.Tier ?? "subnet");
    subnets.set(`aws_subnet.${name}`, { az: s.availability_zone, tier, cidr: s.cidr_block, node: id(`${tier}_${s.availability_zone}`) });
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

  const lines = ["flowchart TB", '  internet(("Internet"))', '  igw["Internet gateway<br/>+ edge route table"]', "  igw <--> internet"];
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

  const workloadAttach = (node: string, label: string, subnetRefs: string[]) => {
    lines.push(`  ${node}[["${label}"]]`);
    for (const s of subnetRefs.map((x) => subnets.get(x)?.node).filter(Boolean).sort()) lines.push(`  ${node} -.- ${s}`);
  };
  for (const [, d] of entries(json, "aws_sagemaker_domain")) {
    workloadAttach("studio", `SageMaker Studio domain (${d.app_network_access_type})`, (d.subnet_ids ?? []).map((x: string) => ref(x)!));
  }
  for (const [, n] of entries(json, "aws_sagemaker_notebook_instance")) {
    workloadAttach("notebook", `SageMaker notebook instance ${n.instance_type}`, [ref(n.subnet_id)!]);
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

/** Replaces the block between `<!-- diagram:<stack>:start -->` and `...:end -->` in `readme`. */
export function renderIntoReadme(readme: string, stack: string, mermaid: string): string {
  const start = `<!-- diagram:${stack}:start -->`;
  const end = `<!-- diagram:${stack}:end -->`;
  const block = `${start}\n\`\`\`mermaid\n${mermaid}\n\`\`\`\n${end}`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README has no ${start} ... ${end} markers`);
  return readme.slice(0, from) + block + readme.slice(to + end.length);
}

/** The stacks whose diagrams the README shows. */
export const README_STACKS = ["dev-studio", "dev-notebook"];
