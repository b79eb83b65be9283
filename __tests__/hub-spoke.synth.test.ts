/**
 * Synth-level tests of a hub spoke's network (modules/hub SpokeNetwork, composed as a network stack
 * will: support/hub-stacks.ts): no NAT gateway, Elastic IP or internet gateway; every workload
 * subnet's only route is 0.0.0.0/0 to the hub's Transit Gateway (given by ID) and the attachment
 * subnets have none; the VPC endpoints and data perimeter on the workload subnets; the hub's shared
 * DNS rule group after the spoke's own names, failing closed; the published contract mapping every
 * AZ to its own workload subnet. Expected values are this file's inputs. Checks that can fail are
 * shown failing on broken copies.
 */
import { planLanes } from "../modules/network/subnet-plan";
import { Testing } from "cdktf";
import { NetworkStack } from "../stacks/network-stack";
import { envFrom, Json, referencedAddress, resourcesOf, synthJson, TEST_ACCOUNT } from "./support/synth";
import { spokeStack } from "./support/hub-stacks";

const AZS = ["us-east-1c", "us-east-1a"];
const TGW = "tgw-0123456789abcdef0";
const SHARED_DNS = "rslvr-frg-0123456789abcdef";
const CONTRACT = "/proj/dev/network/contract";
const VPC_CIDR = "10.10.0.0/16";

const json = synthJson(spokeStack({ name: "proj-dev", accountId: "111122223333", region: "us-east-1", availabilityZones: AZS, vpcCidr: VPC_CIDR, transitGatewayId: TGW, sharedDnsRuleGroupId: SHARED_DNS, contractParameter: CONTRACT }));
const copy = (j: Json): Json => JSON.parse(JSON.stringify(j));

function resources(j: Json): Map<string, Json> {
  const m = new Map<string, Json>();
  for (const [type, rs] of Object.entries<Json>(j.resource ?? {})) for (const [name, body] of Object.entries<Json>(rs)) m.set(`${type}.${name}`, body);
  return m;
}

/** Problems: any internet path of the spoke's own, or a route other than workload 0.0.0.0/0 -> the hub's gateway. */
function egressProblems(j: Json): string[] {
  const problems: string[] = [];
  for (const type of ["aws_nat_gateway", "aws_eip", "aws_internet_gateway", "aws_egress_only_internet_gateway", "aws_vpc_peering_connection"]) {
    if (resourcesOf(j, type).length > 0) problems.push(`has ${type}`);
  }
  const all = resources(j);
  const subnetOfTable = new Map(resourcesOf(j, "aws_route_table_association").map(([, a]) => [referencedAddress(a.route_table_id)!, all.get(referencedAddress(a.subnet_id)!)!]));
  const defaults = new Map<string, number>();
  for (const [name, r] of resourcesOf(j, "aws_route")) {
    const subnet = subnetOfTable.get(referencedAddress(r.route_table_id)!);
    const targets = ["gateway_id", "nat_gateway_id", "vpc_endpoint_id", "transit_gateway_id", "network_interface_id", "vpc_peering_connection_id"].filter((k) => r[k] !== undefined);
    if (subnet?.tags.Tier !== "workload" || r.destination_cidr_block !== "0.0.0.0/0" || targets.join() !== "transit_gateway_id" || r.transit_gateway_id !== TGW) {
      problems.push(`route ${name} (${subnet?.tags.Tier} ${subnet?.availability_zone}): ${r.destination_cidr_block} -> ${targets.map((t) => `${t}=${r[t]}`).join(", ")}`);
      continue;
    }
    defaults.set(subnet.availability_zone, (defaults.get(subnet.availability_zone) ?? 0) + 1);
  }
  for (const az of AZS) if (defaults.get(az) !== 1) problems.push(`${az}: ${defaults.get(az) ?? 0} workload default routes to the hub`);
  return problems;
}

describe("spoke egress", () => {
  test("no NAT gateway, Elastic IP or internet gateway; each AZ's workload subnet routes 0.0.0.0/0 to the hub's gateway, nothing else routes", () => {
    expect(egressProblems(json)).toEqual([]);
  });

  test("the check fails on a spoke with an internet gateway route of its own", () => {
    const broken = copy(json);
    broken.resource.aws_internet_gateway = { igw: { vpc_id: "${aws_vpc.x.id}" } };
    const [name, r] = Object.entries<Json>(broken.resource.aws_route)[0];
    delete r.transit_gateway_id;
    r.gateway_id = "${aws_internet_gateway.igw.id}";
    expect(egressProblems(broken)).toEqual(expect.arrayContaining(["has aws_internet_gateway", expect.stringMatching(new RegExp(`^route ${name} \\(workload .*gateway_id=`))]));
  });

  test("per AZ one workload and one attachment subnet; the workload CIDRs are the local-egress plan's (an environment keeps them when it moves)", () => {
    const subnets = resourcesOf(json, "aws_subnet").map(([, s]) => s);
    expect(subnets.map((s) => `${s.availability_zone}/${s.tags.Tier}`).sort()).toEqual(AZS.flatMap((az) => [`${az}/workload`, `${az}/attachment`]).sort());
    const local = planLanes({ vpcCidr: VPC_CIDR, availabilityZones: AZS }).lanes;
    for (const s of subnets.filter((s) => s.tags.Tier === "workload")) expect(s.cidr_block).toBe(local[s.availability_zone].workload);
    // The attachment subnets overlap none of the local layout's subnets (both may exist while an environment moves).
    const localCidrs = Object.values(local).flatMap((l) => Object.values(l));
    for (const s of subnets.filter((s) => s.tags.Tier === "attachment")) expect(localCidrs).not.toContain(s.cidr_block);
  });

  test("the attachment: to the given gateway, one attachment subnet per AZ, not configuring the shared gateway's default tables", () => {
    const [[, a], ...rest] = resourcesOf(json, "aws_ec2_transit_gateway_vpc_attachment");
    expect(rest).toEqual([]);
    expect(a.transit_gateway_id).toBe(TGW);
    const all = resources(json);
    expect(a.subnet_ids.map((id: string) => all.get(referencedAddress(id)!)!).map((s: Json) => `${s.availability_zone}/${s.tags.Tier}`).sort()).toEqual(AZS.map((az) => `${az}/attachment`).sort());
    expect(a.transit_gateway_default_route_table_association).toBeUndefined();
    expect(a.transit_gateway_default_route_table_propagation).toBeUndefined();
  });
});

describe("what the workloads keep", () => {
  const all = resources(json);
  const workloadSubnet = (az: string) => resourcesOf(json, "aws_subnet").find(([, s]) => s.availability_zone === az && s.tags.Tier === "workload")![0];

  test("interface endpoints on exactly the workload subnets; the S3 gateway on the workload route tables, with policies (the perimeter)", () => {
    const endpoints = resourcesOf(json, "aws_vpc_endpoint");
    expect(endpoints.length).toBeGreaterThan(1);
    for (const [, e] of endpoints) {
      expect(e.policy ?? resourcesOf(json, "aws_vpc_endpoint_policy").length).toBeTruthy();
      if (e.vpc_endpoint_type === "Interface") expect(e.subnet_ids.map((id: string) => referencedAddress(id)).sort()).toEqual(AZS.map((az) => `aws_subnet.${workloadSubnet(az)}`).sort());
    }
    const tables = resourcesOf(json, "aws_vpc_endpoint_route_table_association").map(([, a]) => referencedAddress(a.route_table_id)!);
    const associations = new Map(resourcesOf(json, "aws_route_table_association").map(([, a]) => [referencedAddress(a.route_table_id)!, referencedAddress(a.subnet_id)!]));
    expect(tables.map((t) => associations.get(t)).sort()).toEqual(AZS.map((az) => `aws_subnet.${workloadSubnet(az)}`).sort());
  });

  test("DNS: the spoke's own names first, then the hub's shared group (blocking the rest), failing closed", () => {
    const assoc = resourcesOf(json, "aws_route53_resolver_firewall_rule_group_association").map(([, a]) => a);
    const shared = assoc.find((a) => a.firewall_rule_group_id === SHARED_DNS)!;
    const own = assoc.filter((a) => a !== shared);
    expect(own).toHaveLength(1);
    expect(own[0].priority).toBeLessThan(shared.priority);
    expect(shared.mutation_protection).toBe("ENABLED");
    const [[, config]] = resourcesOf(json, "aws_route53_resolver_firewall_config");
    expect(config.firewall_fail_open).toBe("DISABLED");
    const ownGroup = referencedAddress(own[0].firewall_rule_group_id)!;
    const rules = resourcesOf(json, "aws_route53_resolver_firewall_rule").filter(([, r]) => referencedAddress(r.firewall_rule_group_id) === ownGroup);
    expect(rules.map(([, r]) => r.action)).toEqual(["ALLOW"]);
  });

  test("the published contract maps every AZ to that AZ's own workload subnet", () => {
    const [[, param]] = resourcesOf(json, "aws_ssm_parameter").filter(([, p]) => p.name === CONTRACT);
    const body = /"workload_subnet_ids" = \{([^}]*)\}/.exec(param.value)!;
    const published = Object.fromEntries([...body[1].matchAll(/"([^"]+)" = (aws_subnet\.[^.\s,}]+)\.id/g)].map((m) => [m[1], m[2]]));
    expect(Object.keys(published).sort()).toEqual([...AZS].sort());
    for (const [az, subnet] of Object.entries(published)) expect(all.get(subnet)!.availability_zone).toBe(az);
    for (const field of ["vpc_id", "endpoint_security_group_id", "s3_endpoint_id", "s3_prefix_list_id"]) expect(param.value).toContain(`"${field}" =`);
  });
});

/**
 * The network stack of a spoke environment, from its config, at each point of the deploy order
 * (docs/hub.md): the workload routes to the gateway exist only once the attachment can carry
 * traffic. Each config synthesized once.
 */
describe("the network stack's routes follow the attachment's acceptance", () => {
  const HUB_ACCOUNT = "999988887777";
  const egress = { mode: "hub", hub: "central", transitGatewayId: TGW };
  const build = (extra: Record<string, unknown>, hubAccountId: string) => {
    const stack = new NetworkStack(Testing.app(), envFrom({ region: "us-east-1", availabilityZones: AZS, vpcCidr: VPC_CIDR, egress: { ...egress, ...extra } }), { hubAccountId });
    const warnings = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data)));
    return { json: synthJson(stack), warnings };
  };
  const cases = {
    // Another account's gateway, the hub not yet told: pendingAcceptance, CreateRoute would fail.
    pending: build({}, HUB_ACCOUNT),
    // The hub's config names the attachment (it accepts it before the network is deployed again).
    accepted: build({ attachmentId: "tgw-attach-0123456789abcdef0" }, HUB_ACCOUNT),
    // The hub's own account: AWS accepts the attachment as it is created.
    sameAccount: build({}, TEST_ACCOUNT),
  };
  /** "AZ/Tier" of each subnet whose table routes 0.0.0.0/0 to the hub's gateway. */
  const gatewayDefaults = (j: Json): string[] => {
    const all = resources(j);
    const subnetOfTable = new Map(resourcesOf(j, "aws_route_table_association").map(([, a]) => [referencedAddress(a.route_table_id)!, all.get(referencedAddress(a.subnet_id)!)!]));
    return resourcesOf(j, "aws_route")
      .filter(([, r]) => r.transit_gateway_id === TGW && r.destination_cidr_block === "0.0.0.0/0")
      .map(([, r]) => subnetOfTable.get(referencedAddress(r.route_table_id)!)!)
      .map((s) => `${s.availability_zone}/${s.tags.Tier}`)
      .sort();
  };
  const attachment = (j: Json): Json => resourcesOf(j, "aws_ec2_transit_gateway_vpc_attachment")[0][1];
  const everyWorkload = AZS.map((az) => `${az}/workload`).sort();

  test("pending acceptance in another account: the attachment, but no route to the gateway, and a warning that says what is pending and the steps", () => {
    expect(attachment(cases.pending.json).transit_gateway_id).toBe(TGW);
    expect(gatewayDefaults(cases.pending.json)).toEqual([]);
    expect(cases.pending.warnings).toEqual([
      expect.stringMatching(/^config\/test\.json: egress\.attachmentId is not set: .*no 0\.0\.0\.0\/0 route to hub central.*set egress\.attachmentId.*deploy central-inspection.*deploy test-network again/),
    ]);
  });

  test("with egress.attachmentId, or in the hub's own account: every AZ's workload subnet routes 0.0.0.0/0 to the gateway, and no warning", () => {
    expect(gatewayDefaults(cases.accepted.json)).toEqual(everyWorkload);
    expect(gatewayDefaults(cases.sameAccount.json)).toEqual(everyWorkload);
    expect(cases.accepted.warnings.filter((w) => w.includes("attachmentId"))).toEqual([]);
    expect(cases.sameAccount.warnings.filter((w) => w.includes("attachmentId"))).toEqual([]);
  });

  test("the default-table arguments: false in the hub's own account (what the provider reads back there), left out with another account's gateway (its Read reports true)", () => {
    const args = (j: Json) => [attachment(j).transit_gateway_default_route_table_association, attachment(j).transit_gateway_default_route_table_propagation];
    expect(args(cases.sameAccount.json)).toEqual([false, false]);
    expect(args(cases.pending.json)).toEqual([undefined, undefined]);
    expect(args(cases.accepted.json)).toEqual([undefined, undefined]);
  });
});
