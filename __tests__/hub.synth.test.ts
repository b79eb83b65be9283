/**
 * Synth-level tests of the egress hub (stacks/hub-stack.ts, modules/hub): every route of every AZ
 * lane of the inspection VPC, followed through the JSON's own references (route -> route table ->
 * association -> subnet -> its AZ and Tier tag; NAT gateway -> its subnet; endpoint -> the
 * sync_states map keyed by AZ); appliance mode; the Transit Gateway's route tables; the RAM share's
 * principals; each spoke's allowlist group and its HOME_NET. Expected values are this file's inputs
 * (AZs, spoke CIDRs, domains, principals), never read from the code under test. Each check is a
 * function returning problems, run on the synthesized JSON (no problem) and on a broken copy (the
 * problem it must find).
 */
import { TerraformStack, Testing } from "cdktf";
import { HubStack, HubStackProps } from "../stacks/hub-stack";
import { sharePrincipals } from "../modules/hub/transit-gateway";
import { InspectionFirewall } from "../modules/network/firewall";
import { planHubLanes, planSpokeLanes, rangeIssues } from "../modules/hub/hub-plan";
import { Json, referencedAddress, resourcesOf, synthJson } from "./support/synth";

const HUB_ACCOUNT = "444455556666";
const ORG = "arn:aws:organizations::999988887777:organization/o-abcdef1234";
// Out of order on purpose: lanes are keyed by AZ name, never by position.
const AZS = ["us-east-1b", "us-east-1c", "us-east-1a"];
const HUB_CIDR = "100.64.0.0/23";
const SPOKES = {
  alpha: { cidrs: ["10.10.0.0/16"], account: "111122223333", attachment: "tgw-attach-0aaaaaaaaaaaaaaa1", domains: ["pypi.org", "files.pythonhosted.org"] },
  beta: { cidrs: ["10.20.0.0/16", "10.21.0.0/16"], account: "222233334444", attachment: "tgw-attach-0bbbbbbbbbbbbbbb2", domains: ["huggingface.co"] },
  // In the hub's own account: AWS accepts its attachment itself.
  gamma: { cidrs: ["10.30.0.0/16"], account: HUB_ACCOUNT, attachment: "tgw-attach-0ccccccccccccccc3", domains: [] as string[] },
  // Declared, not attached yet (its network stack has not run).
  delta: { cidrs: ["10.40.0.0/16"], account: "333344445555", attachment: undefined, domains: ["repo.anaconda.com"] },
};
const SHARED = ["conda.anaconda.org"];
const SHARING = new Set(["beta", "gamma"]);
const ALL_SPOKE_CIDRS = Object.values(SPOKES).flatMap((s) => s.cidrs);

const HUB_PROPS: HubStackProps = {
  name: "egress-use1",
  accountId: HUB_ACCOUNT,
  region: "us-east-1",
  hub: {
    vpcCidr: HUB_CIDR,
    availabilityZones: AZS,
    share: { organizationArn: ORG },
    sharedAllowlist: { allowedDomains: SHARED },
    spokes: Object.entries(SPOKES).map(([name, s]) => ({
      name,
      cidrs: s.cidrs,
      accountId: s.account,
      attachmentId: s.attachment,
      accept: s.account !== HUB_ACCOUNT,
      allowedDomains: s.domains.length ? s.domains : undefined,
      sharedAllowlist: SHARING.has(name),
    })),
  },
};

const json = synthJson(new HubStack(Testing.app(), HUB_PROPS));

/** "type.name" -> body. */
function resources(j: Json): Map<string, Json> {
  const m = new Map<string, Json>();
  for (const [type, rs] of Object.entries<Json>(j.resource ?? {})) for (const [name, body] of Object.entries<Json>(rs)) m.set(`${type}.${name}`, body);
  return m;
}
const copy = (j: Json): Json => JSON.parse(JSON.stringify(j));

interface RouteInfo {
  readonly name: string;
  readonly route: Json;
  readonly az: string;
  readonly tier: string;
}

/** Every VPC route with the AZ and Tier of the subnet whose table holds it (from the JSON's references). */
function routesOf(j: Json): RouteInfo[] {
  const all = resources(j);
  const subnetOfTable = new Map<string, string>();
  for (const [, a] of resourcesOf(j, "aws_route_table_association")) subnetOfTable.set(referencedAddress(a.route_table_id)!, referencedAddress(a.subnet_id)!);
  return resourcesOf(j, "aws_route").map(([name, route]) => {
    const subnet = all.get(subnetOfTable.get(referencedAddress(route.route_table_id)!) ?? "");
    if (!subnet) throw new Error(`route ${name}: its table is associated with no subnet`);
    return { name, route, az: subnet.availability_zone, tier: subnet.tags.Tier };
  });
}

/** The endpoint map's AZ key in a route's `vpc_endpoint_id` (`${local.<map>["<az>"]}`), if it is the sync_states map. */
function endpointAz(j: Json, value: unknown): string | undefined {
  const m = /^\$\{local\.([A-Za-z0-9_-]+)\["([^"]+)"\]\}$/.exec(String(value));
  if (!m) return undefined;
  const expr = String(j.locals?.[m[1]] ?? "");
  return /firewall_status\[0\]\.sync_states/.test(expr) && /availability_zone/.test(expr) ? m[2] : undefined;
}

/**
 * Problems with the inspection VPC's routes: per AZ and tier exactly the routes of docs/hub.md,
 * every target in the route's own AZ, and nothing around the firewall.
 */
function routeProblems(j: Json): string[] {
  const problems: string[] = [];
  const all = resources(j);
  const igws = new Set(resourcesOf(j, "aws_internet_gateway").map(([n]) => `aws_internet_gateway.${n}`));
  const tgws = new Set(resourcesOf(j, "aws_ec2_transit_gateway").map(([n]) => `aws_ec2_transit_gateway.${n}`));
  const natAz = (ref: unknown) => {
    const nat = all.get(referencedAddress(ref) ?? "");
    const subnet = nat && all.get(referencedAddress(nat.subnet_id) ?? "");
    return subnet ? `${subnet.availability_zone}/${subnet.tags.Tier}` : undefined;
  };
  const seen = new Map<string, string[]>();
  for (const { name, route, az, tier } of routesOf(j)) {
    const dest = route.destination_cidr_block;
    const target = route.gateway_id ? "igw" : route.nat_gateway_id ? "nat" : route.vpc_endpoint_id ? "endpoint" : route.transit_gateway_id ? "tgw" : "other";
    const key = `${az}/${tier}`;
    seen.set(key, [...(seen.get(key) ?? []), `${dest}->${target}`]);
    if (target === "igw" && !igws.has(referencedAddress(route.gateway_id)!)) problems.push(`${name}: gateway is not the internet gateway`);
    if (target === "tgw" && !tgws.has(referencedAddress(route.transit_gateway_id)!)) problems.push(`${name}: not the hub's transit gateway`);
    if (target === "endpoint" && endpointAz(j, route.vpc_endpoint_id) !== az) problems.push(`${name} (${key}): firewall endpoint of ${endpointAz(j, route.vpc_endpoint_id) ?? "no AZ"}, not of ${az}`);
    if (target === "nat" && natAz(route.nat_gateway_id) !== `${az}/nat`) problems.push(`${name} (${key}): NAT gateway in ${natAz(route.nat_gateway_id)}, not in ${az}/nat`);
    if (tier === "attachment" && target !== "endpoint") problems.push(`${name}: the attachment subnet routes to ${target}, around the firewall`);
  }
  const expected: Record<string, string[]> = {
    attachment: ["0.0.0.0/0->endpoint"],
    firewall: ["0.0.0.0/0->nat", ...ALL_SPOKE_CIDRS.map((c) => `${c}->tgw`)],
    nat: ["0.0.0.0/0->igw", ...ALL_SPOKE_CIDRS.map((c) => `${c}->endpoint`)],
  };
  for (const az of AZS) {
    for (const [tier, want] of Object.entries(expected)) {
      const got = (seen.get(`${az}/${tier}`) ?? []).sort();
      if (JSON.stringify(got) !== JSON.stringify([...want].sort())) problems.push(`${az}/${tier}: routes ${JSON.stringify(got)}, expected ${JSON.stringify([...want].sort())}`);
      seen.delete(`${az}/${tier}`);
    }
  }
  for (const key of seen.keys()) problems.push(`routes in ${key}, which is no lane subnet of the hub`);
  return problems;
}

describe("inspection VPC lanes", () => {
  test("per AZ exactly one attachment, firewall and NAT subnet; one NAT gateway and EIP per AZ in its NAT subnet", () => {
    const tiers = resourcesOf(json, "aws_subnet").map(([, s]) => `${s.availability_zone}/${s.tags.Tier}`).sort();
    expect(tiers).toEqual(AZS.flatMap((az) => [`${az}/attachment`, `${az}/firewall`, `${az}/nat`]).sort());
    expect(resourcesOf(json, "aws_subnet").every(([, s]) => s.map_public_ip_on_launch === false)).toBe(true);
    const all = resources(json);
    const natSubnets = resourcesOf(json, "aws_nat_gateway").map(([, n]) => all.get(referencedAddress(n.subnet_id)!)!);
    expect(natSubnets.map((s) => `${s.availability_zone}/${s.tags.Tier}`).sort()).toEqual(AZS.map((az) => `${az}/nat`).sort());
    expect(resourcesOf(json, "aws_eip")).toHaveLength(AZS.length);
  });

  test("every route of every lane: symmetric, in its own AZ, nothing around the firewall", () => {
    expect(routeProblems(json)).toEqual([]);
  });

  test("the route check fails on a NAT subnet's return route through another AZ's endpoint", () => {
    const broken = copy(json);
    const [name, route] = Object.entries<Json>(broken.resource.aws_route).find(([, r]) => r.destination_cidr_block === "10.10.0.0/16" && r.vpc_endpoint_id)!;
    const other = AZS.find((az) => !String(route.vpc_endpoint_id).includes(`"${az}"`))!;
    route.vpc_endpoint_id = String(route.vpc_endpoint_id).replace(/\["[^"]+"\]/, `["${other}"]`);
    expect(routeProblems(broken)).toEqual([expect.stringMatching(new RegExp(`^${name} \\(.*/nat\\): firewall endpoint of ${other}, not of `))]);
  });

  test("the route check fails on an attachment subnet routed to the NAT gateway (around the firewall)", () => {
    const broken = copy(json);
    const info = routesOf(broken).find((r) => r.tier === "attachment")!;
    const nat = resourcesOf(broken, "aws_nat_gateway")[0][0];
    delete broken.resource.aws_route[info.name].vpc_endpoint_id;
    broken.resource.aws_route[info.name].nat_gateway_id = `\${aws_nat_gateway.${nat}.id}`;
    expect(routeProblems(broken)).toEqual(expect.arrayContaining([`${info.name}: the attachment subnet routes to nat, around the firewall`]));
  });

  test("the firewall has one subnet mapping per AZ, the firewall subnets", () => {
    const [[, fw]] = resourcesOf(json, "aws_networkfirewall_firewall");
    const all = resources(json);
    const mapped = fw.subnet_mapping.map((m: Json) => all.get(referencedAddress(m.subnet_id)!)!).map((s: Json) => `${s.availability_zone}/${s.tags.Tier}`);
    expect(mapped.sort()).toEqual(AZS.map((az) => `${az}/firewall`).sort());
  });
});

describe("Transit Gateway", () => {
  const all = resources(json);
  const [[tgwName, tgw]] = resourcesOf(json, "aws_ec2_transit_gateway");
  const vpcAttachments = resourcesOf(json, "aws_ec2_transit_gateway_vpc_attachment");

  test("explicit routing only: no default route table association or propagation, no auto-accept, DNS support on", () => {
    expect(tgw).toMatchObject({ default_route_table_association: "disable", default_route_table_propagation: "disable", auto_accept_shared_attachments: "disable", dns_support: "enable" });
  });

  test("the inspection VPC's attachment: appliance mode on, one attachment subnet per AZ", () => {
    expect(vpcAttachments).toHaveLength(1);
    const [[, a]] = vpcAttachments;
    expect(a.appliance_mode_support).toBe("enable");
    expect(referencedAddress(a.transit_gateway_id)).toBe(`aws_ec2_transit_gateway.${tgwName}`);
    const subnets = a.subnet_ids.map((id: string) => all.get(referencedAddress(id)!)!);
    expect(subnets.map((s: Json) => `${s.availability_zone}/${s.tags.Tier}`).sort()).toEqual(AZS.map((az) => `${az}/attachment`).sort());
  });

  /** The routes of the TGW route table `table` ("aws_ec2_transit_gateway_route_table.x") as "dest->target". */
  const tableRoutes = (j: Json, table: string) =>
    resourcesOf(j, "aws_ec2_transit_gateway_route")
      .filter(([, r]) => referencedAddress(r.transit_gateway_route_table_id) === table)
      .map(([, r]) => `${r.destination_cidr_block}->${r.blackhole ? "blackhole" : (referencedAddress(r.transit_gateway_attachment_id) ?? r.transit_gateway_attachment_id)}`)
      .sort();
  /** The table each attachment is associated with: attachment (address or literal ID) -> table address. */
  const associations = new Map(resourcesOf(json, "aws_ec2_transit_gateway_route_table_association").map(([, a]) => [referencedAddress(a.transit_gateway_attachment_id) ?? a.transit_gateway_attachment_id, referencedAddress(a.transit_gateway_route_table_id)!]));
  const inspectionAttachment = `aws_ec2_transit_gateway_vpc_attachment.${vpcAttachments[0][0]}`;
  const inspectionTable = associations.get(inspectionAttachment)!;
  /** Spoke name -> how the hub refers to its attachment (its accepter, or the literal ID in the hub's account). */
  const accepterOf = (name: string) => resourcesOf(json, "aws_ec2_transit_gateway_vpc_attachment_accepter").find(([, a]) => a.transit_gateway_attachment_id === SPOKES[name as keyof typeof SPOKES].attachment);
  const spokeRef = (name: string) => {
    const acc = accepterOf(name);
    return acc ? `aws_ec2_transit_gateway_vpc_attachment_accepter.${acc[0]}` : SPOKES[name as keyof typeof SPOKES].attachment!;
  };

  test("every attached spoke is associated with one table, the spokes' table, which is not the inspection table", () => {
    const attached = Object.keys(SPOKES).filter((n) => SPOKES[n as keyof typeof SPOKES].attachment);
    const tables = new Set(attached.map((n) => associations.get(spokeRef(n))));
    expect(tables.size).toBe(1);
    expect([...tables][0]).toBeDefined();
    expect([...tables][0]).not.toBe(inspectionTable);
    expect(associations.size).toBe(attached.length + 1);
  });

  test("spokes' table: 0.0.0.0/0 to the inspection attachment; every spoke range and the hub VPC a blackhole (no spoke-to-spoke path)", () => {
    const spokeTable = associations.get(spokeRef("alpha"))!;
    expect(tableRoutes(json, spokeTable)).toEqual([`0.0.0.0/0->${inspectionAttachment}`, ...[...ALL_SPOKE_CIDRS, HUB_CIDR].map((c) => `${c}->blackhole`)].sort());
  });

  test("inspection table: each attached spoke's ranges to that spoke's attachment, nothing else", () => {
    const want = Object.entries(SPOKES)
      .filter(([, s]) => s.attachment)
      .flatMap(([n, s]) => s.cidrs.map((c) => `${c}->${spokeRef(n)}`));
    expect(tableRoutes(json, inspectionTable)).toEqual(want.sort());
  });

  test("an accepter for each attached spoke of another account, none for the hub's own account or an unattached spoke", () => {
    const accepted = resourcesOf(json, "aws_ec2_transit_gateway_vpc_attachment_accepter").map(([, a]) => a);
    expect(accepted.map((a) => a.transit_gateway_attachment_id).sort()).toEqual([SPOKES.alpha.attachment, SPOKES.beta.attachment].sort());
    for (const a of accepted) expect(a).toMatchObject({ transit_gateway_default_route_table_association: false, transit_gateway_default_route_table_propagation: false });
  });
});

describe("RAM share", () => {
  test("shared only with the configured organisation, no external principals; the Transit Gateway and the DNS rule group", () => {
    const [[shareName, share]] = resourcesOf(json, "aws_ram_resource_share");
    expect(share.allow_external_principals).toBe(false);
    const principals = resourcesOf(json, "aws_ram_principal_association");
    expect(principals.map(([, p]) => p.principal)).toEqual([ORG]);
    for (const [, p] of principals) expect(referencedAddress(p.resource_share_arn)).toBe(`aws_ram_resource_share.${shareName}`);
    const shared = resourcesOf(json, "aws_ram_resource_association").map(([, r]) => referencedAddress(r.resource_arn)!.split(".")[0]);
    expect(shared.sort()).toEqual(["aws_ec2_transit_gateway", "aws_route53_resolver_firewall_rule_group"]);
  });

  test("principals are checked: accounts only, external only when asked, never with an organisation", () => {
    expect(sharePrincipals({ accountIds: ["111122223333"] })).toEqual({ principals: ["111122223333"], allowExternalPrincipals: false });
    expect(() => sharePrincipals({ organizationArn: ORG, allowExternalPrincipals: true })).toThrow(/stays inside it/);
    expect(() => sharePrincipals({ accountIds: ["12345"] })).toThrow(/not a 12-digit account ID/);
    expect(() => sharePrincipals({})).toThrow(/needs an organization/);
  });
});

/** Allowlist groups as { homeNet, targets }, from the policy's references (the domain-list groups). */
function allowlistGroups(j: Json): Array<{ name: string; homeNet: string[]; targets: string[] }> {
  const [[, policy]] = resourcesOf(j, "aws_networkfirewall_firewall_policy");
  const all = resources(j);
  return policy.firewall_policy.stateful_rule_group_reference
    .map((r: Json) => all.get(referencedAddress(r.resource_arn)!)!)
    .filter((g: Json) => g.rule_group.rules_source.rules_source_list)
    .map((g: Json) => ({
      name: g.name,
      homeNet: g.rule_group.rule_variables.ip_sets.find((s: Json) => s.key === "HOME_NET").ip_set.definition,
      targets: g.rule_group.rules_source.rules_source_list.targets,
    }));
}

/** For each spoke, the names some allowlist group passes for its first address: the union of the groups whose HOME_NET holds it. */
function namesPassedFor(j: Json, cidr: string): string[] {
  return [...new Set(allowlistGroups(j).filter((g) => g.homeNet.includes(cidr)).flatMap((g) => g.targets))].sort();
}

/** Problems: a spoke passed a name that is neither its own nor (when it shares) the shared list's. */
function allowlistProblems(j: Json): string[] {
  const problems: string[] = [];
  for (const [name, s] of Object.entries(SPOKES)) {
    const want = [...new Set([...s.domains, ...(SHARING.has(name) ? SHARED : [])])].sort();
    for (const cidr of s.cidrs) {
      const got = namesPassedFor(j, cidr);
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`spoke ${name} (${cidr}) is passed ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  }
  return problems;
}

describe("per-spoke allowlists in one policy", () => {
  test("each spoke is passed exactly its own names (and the shared ones when it shares): one spoke's name is never open to another", () => {
    expect(allowlistProblems(json)).toEqual([]);
  });

  test("one group per source: a spoke with its own list has one group (HOME_NET exactly its CIDRs) holding its names and, when it shares, the shared ones; the shared group holds only the sharing spokes without a list", () => {
    const groups = allowlistGroups(json);
    for (const [name, s] of Object.entries(SPOKES).filter(([, s]) => s.domains.length)) {
      const want = [...s.domains, ...(SHARING.has(name) ? SHARED : [])];
      expect({ name, targets: groups.filter((g) => JSON.stringify([...g.homeNet].sort()) === JSON.stringify([...s.cidrs].sort())).map((g) => g.targets) }).toEqual({ name, targets: [want] });
    }
    const shared = groups.filter((g) => JSON.stringify(g.targets) === JSON.stringify(SHARED));
    expect(shared.map((g) => [...g.homeNet].sort())).toEqual([Object.entries(SPOKES).filter(([n, s]) => SHARING.has(n) && !s.domains.length).flatMap(([, s]) => s.cidrs).sort()]);
    // No CIDR of any spoke is in two allowlist groups.
    for (const cidr of ALL_SPOKE_CIDRS) expect({ cidr, groups: groups.filter((g) => g.homeNet.includes(cidr)).length }).toEqual({ cidr, groups: 1 });
  });

  test("the firewall refuses two allowlist groups whose HOME_NETs share a source, naming both and the fix", () => {
    const base = { firewallName: "fw", vpcId: "vpc-1", subnetIdsByAz: { "us-east-1a": "subnet-1" }, homeNet: ["10.0.0.0/8"], kmsKeyArn: "arn:aws:kms:us-east-1:444455556666:key/k" };
    const lists = (second: string[]) => [
      { key: "shared", ruleGroupName: "h-shared", homeNet: ["10.20.0.0/16"], allowedDomains: ["conda.anaconda.org"] },
      { key: "spoke-beta", ruleGroupName: "h-beta", homeNet: second, allowedDomains: ["huggingface.co"] },
    ];
    expect(() => new InspectionFirewall(new TerraformStack(Testing.app(), "x"), "fw", { ...base, scopedAllowlists: lists(["10.20.128.0/17"]) })).toThrow(
      /allowlists "shared" \(HOME_NET 10\.20\.0\.0\/16\) and "spoke-beta" \(HOME_NET 10\.20\.128\.0\/17\) hold the same sources: a source may be in one ALLOWLIST group only.*one group holding every name/,
    );
    expect(() => new InspectionFirewall(new TerraformStack(Testing.app(), "x"), "fw", { ...base, scopedAllowlists: lists(["10.21.0.0/16"]) })).not.toThrow();
  });

  test("the check fails when a spoke's group HOME_NET also holds another spoke", () => {
    const broken = copy(json);
    const group = Object.values<Json>(broken.resource.aws_networkfirewall_rule_group).find((g) => g.rule_group.rules_source.rules_source_list?.targets.includes("huggingface.co"))!;
    group.rule_group.rule_variables.ip_sets[0].ip_set.definition.push("10.10.0.0/16");
    expect(allowlistProblems(broken)).toEqual([expect.stringContaining("spoke alpha (10.10.0.0/16) is passed")]);
  });

  test("the hygiene and refusal groups apply to every spoke (HOME_NET = every spoke range)", () => {
    const [[, policy]] = resourcesOf(json, "aws_networkfirewall_firewall_policy");
    const all = resources(json);
    const rulesGroups = policy.firewall_policy.stateful_rule_group_reference.map((r: Json) => all.get(referencedAddress(r.resource_arn)!)!).filter((g: Json) => g.rule_group.rules_source.rules_string);
    expect(rulesGroups.length).toBeGreaterThanOrEqual(2);
    for (const g of rulesGroups) expect([...g.rule_group.rule_variables.ip_sets[0].ip_set.definition].sort()).toEqual([...ALL_SPOKE_CIDRS].sort());
  });
});

describe("plans and checks of the hub module", () => {
  test("hub lanes: an AZ's subnets depend on its letter only", () => {
    const three = planHubLanes({ vpcCidr: HUB_CIDR, availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"] });
    const one = planHubLanes({ vpcCidr: HUB_CIDR, availabilityZones: ["us-east-1b"] });
    expect(one.lanes["us-east-1b"]).toEqual(three.lanes["us-east-1b"]);
    expect(planHubLanes({ vpcCidr: "100.64.0.0/24", availabilityZones: ["us-east-1a"] }).issues[0].message).toMatch(/\/24 does not fit/);
  });

  test("spoke lanes keep a local network's workload subnet and put the attachment where the local plan has nothing", () => {
    const { lanes } = planSpokeLanes({ vpcCidr: "10.2.0.0/16", availabilityZones: ["us-east-1a"] });
    // The local plan (subnet-plan.ts: workload /20 at the letter slot, then the infrastructure /20 with firewall /28s at slot, NAT at 8 + slot): workload 10.2.0.0/20, firewall 10.2.128.0/28, NAT 10.2.128.128/28.
    expect(lanes["us-east-1a"]).toEqual({ workload: "10.2.0.0/20", attachment: "10.2.129.0/28" });
  });

  test("overlapping ranges are refused, naming both", () => {
    expect(rangeIssues([{ name: "spoke a", cidrs: ["10.0.0.0/16"] }, { name: "spoke b", cidrs: ["10.0.128.0/17"] }])).toEqual(["spoke b 10.0.128.0/17 contains or is inside spoke a 10.0.0.0/16"]);
    expect(() => new HubStack(Testing.app(), { ...HUB_PROPS, hub: { ...HUB_PROPS.hub, vpcCidr: "10.10.0.0/23" } })).toThrow(/spoke alpha 10.10.0.0\/16 contains or is inside the hub VPC/);
  });
});

describe("protection against destroy (preventDestroy, default true)", () => {
  // What every spoke's egress and the organisation's egress record stand on; found by type and
  // values here, not by the code's construct IDs.
  const protectedAddresses = (j: Json): string[] =>
    [...resources(j)].filter(([, r]) => r.lifecycle?.prevent_destroy === true).map(([address]) => address.split(".")[0] === "aws_ec2_transit_gateway_vpc_attachment" ? `${address.split(".")[0]}(appliance ${r(j, address).appliance_mode_support})` : address.split(".")[0]).sort();
  const r = (j: Json, address: string) => resources(j).get(address)!;
  const logGroups = resourcesOf(json, "aws_cloudwatch_log_group").length;
  const unprotected = synthJson(new HubStack(Testing.app(), { ...HUB_PROPS, preventDestroy: false }));

  test("the gateway, the inspection VPC's attachment, the hub's key and every log group (firewall, flow, DNS query) refuse destroy; nothing else does", () => {
    expect(logGroups).toBeGreaterThanOrEqual(4);
    expect(protectedAddresses(json)).toEqual(
      ["aws_ec2_transit_gateway", "aws_ec2_transit_gateway_vpc_attachment(appliance enable)", "aws_kms_key", ...Array(logGroups).fill("aws_cloudwatch_log_group")].sort(),
    );
  });

  test("a spoke's resources on the hub stay unprotected, so removing a spoke still plans", () => {
    for (const type of ["aws_ec2_transit_gateway_vpc_attachment_accepter", "aws_ec2_transit_gateway_route", "aws_ec2_transit_gateway_route_table_association", "aws_networkfirewall_rule_group", "aws_route"]) {
      for (const [name, body] of resourcesOf(json, type)) expect([name, body.lifecycle?.prevent_destroy]).toEqual([name, undefined]);
    }
  });

  test("preventDestroy false protects nothing", () => {
    expect(protectedAddresses(unprotected)).toEqual([]);
  });
});
