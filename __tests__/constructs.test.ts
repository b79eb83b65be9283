/**
 * Each construct of the library on its own, in a bare TerraformStack (no app, no config, no
 * guardrails unless the test adds them), imported through the public entry point only: props in,
 * resources out. Expected values come from the props given, the defaults the props' TSDoc
 * documents, and AWS's rules, not from the code. One synth per describe.
 *
 * Also: the entry point's public API names no type it does not export, and does not pull in the
 * app's config schema (zod).
 */
import { Testing, TerraformStack } from "cdktf";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { join } from "node:path";
import * as ts from "typescript";
import {
  AccountContext,
  AvailabilityChecks,
  AwsAccount,
  AzLane,
  CustomerKey,
  DnsFirewall,
  EndpointClients,
  EndpointIngress,
  GuardrailViolation,
  Guardrails,
  InspectedVpc,
  InspectionFirewall,
  NetworkContract,
  PublishedNetworkContract,
  SageMakerExecutionRole,
  SecureBucket,
  SecureNotebookInstance,
  ServiceEndpoints,
  StudioDomain,
  VpcFlowLogs,
  sageMakerUiEndpoint,
} from "../modules/index";

type Json = Record<string, any>;

const REGION = "eu-west-1";
const ACCOUNT_ID = "111122223333";
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/11111111-2222-3333-4444-555555555555`;
/** A plain object, not the AwsAccount construct: the constructs need only the AccountContext interface. */
const ACCOUNT: AccountContext = {
  accountId: ACCOUNT_ID,
  partition: "aws",
  region: REGION,
  dnsSuffix: "amazonaws.com",
  rootArn: `arn:aws:iam::${ACCOUNT_ID}:root`,
  arn: (service, resource, region = REGION) => `arn:aws:${service}:${region}:${ACCOUNT_ID}:${resource}`,
  viaService: (service) => `${service}.${REGION}.amazonaws.com`,
};

/** Builds one bare stack and returns its Terraform JSON. */
function synth(build: (stack: TerraformStack) => void): Json {
  const stack = new TerraformStack(Testing.app(), "test");
  build(stack);
  return JSON.parse(Testing.synth(stack));
}

function resources(json: Json, type: string): Json[] {
  return Object.values((json.resource ?? {})[type] ?? {});
}

function only(json: Json, type: string): Json {
  const all = resources(json, type);
  expect(all).toHaveLength(1);
  return all[0];
}

/** The resource or data source a "${type.name.attr}" reference names. */
function target(json: Json, reference: string): Json {
  const m = /^\$\{(data\.)?([a-z0-9_]+)\.([^.}]+)\.[a-z_]+\}$/.exec(reference);
  expect(m).not.toBeNull();
  const [, data, type, name] = m!;
  const found = (data ? json.data : json.resource)?.[type]?.[name];
  expect(found).toBeDefined();
  return found;
}

/** An EndpointClients that records what registers with it, in place of real endpoints. */
function recordingEndpoints(): EndpointClients & { clients: Array<{ id: string; sg: string }> } {
  const clients: Array<{ id: string; sg: string }> = [];
  return { clients, allowHttpsFrom: (id, sg) => void clients.push({ id, sg }) };
}

describe("InspectedVpc with two AZs and every default", () => {
  const azs = [`${REGION}a`, `${REGION}b`];
  let json: Json;
  beforeAll(() => {
    json = synth((stack) => new InspectedVpc(stack, "network", { namePrefix: "acme-dev", availabilityZones: azs, logging: { account: ACCOUNT, kmsKeyArn: KEY } }));
  });

  test("a VPC of the default CIDR 10.2.0.0/16 with DNS support and host names (private DNS of interface endpoints)", () => {
    expect(only(json, "aws_vpc")).toMatchObject({ cidr_block: "10.2.0.0/16", enable_dns_support: true, enable_dns_hostnames: true });
  });

  test("the default subnet plan: per AZ letter a workload /20 and firewall and NAT /28s, none with public IPs", () => {
    const subnets = resources(json, "aws_subnet").map((s) => [s.availability_zone, s.tags.Tier, s.cidr_block, s.map_public_ip_on_launch]);
    // README "Subnet plan" for 10.2.0.0/16: slot a=0, b=1.
    expect(subnets.sort()).toEqual(
      [
        [azs[0], "firewall", "10.2.128.0/28", false],
        [azs[0], "nat", "10.2.128.128/28", false],
        [azs[0], "workload", "10.2.0.0/20", false],
        [azs[1], "firewall", "10.2.128.16/28", false],
        [azs[1], "nat", "10.2.128.144/28", false],
        [azs[1], "workload", "10.2.16.0/20", false],
      ].sort(),
    );
  });

  test("one NAT gateway per AZ, each with its own Elastic IP, in that AZ's NAT subnet", () => {
    const nats = resources(json, "aws_nat_gateway");
    expect(nats).toHaveLength(2);
    const placed = nats.map((n) => target(json, n.subnet_id)).map((s) => [s.availability_zone, s.tags.Tier]);
    expect(placed.sort()).toEqual([[azs[0], "nat"], [azs[1], "nat"]]);
    expect(new Set(nats.map((n) => n.allocation_id)).size).toBe(2);
    expect(resources(json, "aws_eip")).toHaveLength(2);
  });

  test("each AZ's workload traffic goes to its own NAT gateway, the NAT subnet's to the firewall endpoint of its AZ", () => {
    const defaults = resources(json, "aws_route").filter((r) => r.destination_cidr_block === "0.0.0.0/0");
    const subnetOf = (routeTableRef: string) => resources(json, "aws_route_table_association").find((a) => a.route_table_id === routeTableRef)!;
    for (const route of defaults.filter((r) => r.nat_gateway_id)) {
      const from = target(json, subnetOf(route.route_table_id).subnet_id);
      const via = target(json, target(json, route.nat_gateway_id).subnet_id);
      expect([from.tags.Tier, from.availability_zone]).toEqual(["workload", via.availability_zone]);
    }
    const toFirewall = defaults.filter((r) => r.vpc_endpoint_id);
    expect(toFirewall.map((r) => target(json, subnetOf(r.route_table_id).subnet_id).tags.Tier)).toEqual(["nat", "nat"]);
    // The endpoint is looked up by AZ name in the firewall's own AZ -> endpoint map, never by position.
    for (const r of toFirewall) {
      const az = target(json, subnetOf(r.route_table_id).subnet_id).availability_zone;
      expect(r.vpc_endpoint_id).toMatch(new RegExp(`^\\$\\{local\\.[^\\[]+\\["${az}"\\]\\}$`));
    }
  });

  test("the internet gateway's edge route table sends each NAT subnet's return traffic to that AZ's firewall endpoint", () => {
    const edge = resources(json, "aws_route_table_association").filter((a) => a.gateway_id);
    expect(edge).toHaveLength(1);
    const returns = resources(json, "aws_route").filter((r) => r.route_table_id === edge[0].route_table_id);
    expect(returns.map((r) => r.destination_cidr_block).sort()).toEqual(["10.2.128.128/28", "10.2.128.144/28"]);
    for (const r of returns) {
      const natSubnet = resources(json, "aws_subnet").find((s) => s.cidr_block === r.destination_cidr_block)!;
      expect(r.vpc_endpoint_id).toContain(`["${natSubnet.availability_zone}"]`);
    }
  });

  test("firewall defaults: names from namePrefix (the refusals' from the firewall's name), the documented allowlist and capacity, hygiene and refusals on, protection off, the given key", () => {
    const firewall = only(json, "aws_networkfirewall_firewall");
    expect(firewall).toMatchObject({ name: "acme-dev-firewall", delete_protection: false, firewall_policy_change_protection: false, subnet_change_protection: false });
    expect(firewall.encryption_configuration).toEqual({ key_id: KEY, type: "CUSTOMER_KMS" });
    expect(firewall.subnet_mapping.map((m: Json) => target(json, m.subnet_id)).map((s: Json) => [s.availability_zone, s.tags.Tier]).sort()).toEqual([
      [azs[0], "firewall"],
      [azs[1], "firewall"],
    ]);
    expect(only(json, "aws_networkfirewall_firewall_policy").name).toBe("acme-dev-firewall-policy");
    const groups = Object.fromEntries(resources(json, "aws_networkfirewall_rule_group").map((g) => [g.name, g]));
    expect(Object.keys(groups).sort()).toEqual(["acme-dev-domain-allowlist", "acme-dev-firewall-refusals", "acme-dev-protocol-hygiene"]);
    const allowlist = groups["acme-dev-domain-allowlist"];
    expect(allowlist.capacity).toBe(100);
    expect(allowlist.rule_group.rules_source.rules_source_list.targets).toEqual(["pypi.org", "files.pythonhosted.org", "repo.anaconda.com", "conda.anaconda.org", "api.kaggle.com", "www.kaggle.com"]);
    expect(allowlist.rule_group.rule_variables.ip_sets[0].ip_set.definition).toEqual(["10.2.0.0/16"]);
  });

  test("log groups: default names from namePrefix, encrypted with the given key, kept 365 days; the flow-log role's default name carries the region", () => {
    const groups = resources(json, "aws_cloudwatch_log_group");
    expect(groups.map((g) => g.name).sort()).toEqual(["/aws/vendedlogs/network-firewall/acme-dev/alert", "/aws/vendedlogs/network-firewall/acme-dev/flow", "/aws/vpc-flow-logs/acme-dev"]);
    for (const g of groups) expect(g).toMatchObject({ kms_key_id: KEY, retention_in_days: 365 });
    expect(only(json, "aws_iam_role").name).toBe(`acme-dev-${REGION}-flow-logs`);
    expect(only(json, "aws_flow_log")).toMatchObject({ traffic_type: "ALL", log_destination_type: "cloud-watch-logs" });
  });

  test("props that cannot make a network are refused at construction", () => {
    const logging = { account: ACCOUNT, kmsKeyArn: KEY };
    const build = (props: Partial<ConstructorParameters<typeof InspectedVpc>[2]>) => () =>
      new InspectedVpc(new TerraformStack(Testing.app(), "x"), "n", { namePrefix: "p", logging, ...props });
    expect(build({})).toThrow(/at least one AZ/);
    expect(build({ availabilityZones: azs, lanes: {} })).toThrow(/not both/);
    // The plan has slots for AZ letters a-h only; a /20 VPC is too small for it.
    expect(build({ availabilityZones: [`${REGION}z`] })).toThrow(/eu-west-1z/);
    expect(build({ availabilityZones: azs, vpcCidr: "10.0.0.0/20" })).toThrow(/\/16 to \/19/);
  });
});

describe("InspectedVpc with explicit lanes and firewall options", () => {
  let json: Json;
  beforeAll(() => {
    json = synth(
      (stack) =>
        new InspectedVpc(stack, "network", {
          namePrefix: "acme-prod",
          vpcCidr: "172.16.0.0/16",
          lanes: { [`${REGION}c`]: { firewall: "172.16.255.0/28", nat: "172.16.255.16/28", workload: "172.16.0.0/18" } },
          firewall: {
            allowedDomains: [".example.com"],
            allowlistCapacity: 10,
            protection: { deleteProtection: true, subnetChangeProtection: true },
            protocolHygiene: { enabled: false },
            tlsInspection: { certificateAuthorityArn: `arn:aws:acm:${REGION}:${ACCOUNT_ID}:certificate/ca` },
          },
          logging: { account: ACCOUNT, kmsKeyArn: KEY, retentionDays: 731 },
        }),
    );
  });

  test("one lane on the given CIDRs", () => {
    expect(resources(json, "aws_subnet").map((s) => [s.tags.Tier, s.cidr_block]).sort()).toEqual([
      ["firewall", "172.16.255.0/28"],
      ["nat", "172.16.255.16/28"],
      ["workload", "172.16.0.0/18"],
    ]);
    expect(resources(json, "aws_nat_gateway")).toHaveLength(1);
  });

  test("the firewall options reach the firewall: protection, allowlist, no hygiene group, TLS inspection on a '-tls' policy", () => {
    expect(only(json, "aws_networkfirewall_firewall")).toMatchObject({ delete_protection: true, subnet_change_protection: true, firewall_policy_change_protection: false });
    expect(resources(json, "aws_networkfirewall_rule_group").map((g) => g.name).sort()).toEqual(["acme-prod-domain-allowlist", "acme-prod-firewall-refusals"]);
    const group = resources(json, "aws_networkfirewall_rule_group").find((g) => g.name === "acme-prod-domain-allowlist")!;
    expect(group).toMatchObject({ name: "acme-prod-domain-allowlist", capacity: 10 });
    expect(group.rule_group.rules_source.rules_source_list.targets).toEqual([".example.com"]);
    expect(only(json, "aws_networkfirewall_tls_inspection_configuration").name).toBe("acme-prod-tls-inspection");
    expect(only(json, "aws_networkfirewall_firewall_policy").name).toBe("acme-prod-firewall-policy-tls");
    for (const g of resources(json, "aws_cloudwatch_log_group")) expect(g.retention_in_days).toBe(731);
  });
});

describe("InspectionFirewall on its own", () => {
  let json: Json;
  beforeAll(() => {
    json = synth(
      (stack) =>
        new InspectionFirewall(stack, "fw", { firewallName: "edge", vpcId: "vpc-1", subnetIdsByAz: { [`${REGION}a`]: "subnet-a" }, homeNet: ["10.9.0.0/16"], kmsKeyArn: KEY, suricata: { rules: "drop ip any any -> any any (sid:1;)" } }),
    );
  });

  test("names default from firewallName; logs under /aws/vendedlogs/network-firewall/<firewallName> with the firewall's key", () => {
    expect(only(json, "aws_networkfirewall_firewall")).toMatchObject({ name: "edge", vpc_id: "vpc-1", subnet_mapping: [{ subnet_id: "subnet-a" }] });
    expect(only(json, "aws_networkfirewall_firewall_policy").name).toBe("edge-policy");
    expect(resources(json, "aws_networkfirewall_rule_group").map((g) => [g.name, g.capacity]).sort()).toEqual([
      ["edge-domain-allowlist", 100],
      ["edge-protocol-hygiene", 100],
      ["edge-refusals", 100],
      ["edge-suricata", 100],
    ]);
    // the documented default: AWS's "application drop established (server-directed only)", with its alert twin
    expect(only(json, "aws_networkfirewall_firewall_policy").firewall_policy.stateful_default_actions).toEqual([
      "aws:drop_established_app_layer_to_server",
      "aws:alert_established_app_layer_to_server",
    ]);
    expect(resources(json, "aws_cloudwatch_log_group").map((g) => [g.name, g.kms_key_id, g.retention_in_days]).sort()).toEqual([
      ["/aws/vendedlogs/network-firewall/edge/alert", KEY, 365],
      ["/aws/vendedlogs/network-firewall/edge/flow", KEY, 365],
    ]);
  });

  test.each([
    ["drop_established_app_layer", ["aws:drop_established_app_layer", "aws:alert_established_app_layer"]],
    ["drop_established", ["aws:drop_established", "aws:alert_established"]],
  ] as const)("statefulDefaultAction %s sets the policy's default actions; refusals off leaves the allowlist last", (statefulDefaultAction, expected) => {
    const own = synth(
      (stack) =>
        new InspectionFirewall(stack, "fw", { firewallName: "edge", vpcId: "vpc-1", subnetIdsByAz: { [`${REGION}a`]: "subnet-a" }, homeNet: ["10.9.0.0/16"], kmsKeyArn: KEY, statefulDefaultAction, refusals: { enabled: false } }),
    );
    const policy = only(own, "aws_networkfirewall_firewall_policy");
    expect(policy.firewall_policy.stateful_default_actions).toEqual(expected);
    expect(resources(own, "aws_networkfirewall_rule_group").map((g) => g.name).sort()).toEqual(["edge-domain-allowlist", "edge-protocol-hygiene"]);
    expect(policy.firewall_policy.stateful_rule_group_reference.map((r: Json) => r.priority)).toEqual([150, 200]);
  });

  test("an allowlist larger than half its capacity is refused (each domain takes an HTTP_HOST and a TLS_SNI rule)", () => {
    const domains = Array.from({ length: 51 }, (_, i) => `host${i}.example.com`);
    expect(() => new InspectionFirewall(new TerraformStack(Testing.app(), "x"), "fw", { firewallName: "f", vpcId: "v", subnetIdsByAz: { a: "s" }, homeNet: ["10.0.0.0/16"], kmsKeyArn: KEY, allowedDomains: domains })).toThrow(
      /allowlistCapacity 100 is below 2 x 51/,
    );
  });
});

describe("AzLane on its own", () => {
  let json: Json;
  let lane: AzLane;
  beforeAll(() => {
    json = synth((stack) => {
      const edge = new RouteTable(stack, "edge", { vpcId: "vpc-1" });
      lane = new AzLane(stack, { availabilityZone: `${REGION}b`, cidrs: { firewall: "10.0.255.0/28", nat: "10.0.255.16/28", workload: "10.0.0.0/20" }, vpcId: "vpc-1", internetGatewayId: "igw-1", internetGatewayDependency: edge, namePrefix: "lane" });
      lane.inspectThrough("vpce-fw-b", edge);
    });
  });

  test("three subnets in the AZ, each with its own associated route table", () => {
    expect(resources(json, "aws_subnet").map((s) => [s.tags.Name, s.cidr_block, s.availability_zone]).sort()).toEqual([
      ["lane-firewall-eu-west-1b", "10.0.255.0/28", `${REGION}b`],
      ["lane-nat-eu-west-1b", "10.0.255.16/28", `${REGION}b`],
      ["lane-workload-eu-west-1b", "10.0.0.0/20", `${REGION}b`],
    ]);
    expect(resources(json, "aws_route_table_association")).toHaveLength(3);
    expect(lane.workload.subnet).toBeDefined(); // a LaneSubnet, typed through the entry point
  });

  test("egress path: firewall subnet to the internet gateway, NAT subnet to the firewall endpoint, and the return route for the NAT subnet", () => {
    const routes = resources(json, "aws_route").map((r) => [r.destination_cidr_block, r.gateway_id ?? r.nat_gateway_id ?? r.vpc_endpoint_id]);
    expect(routes).toEqual(expect.arrayContaining([["0.0.0.0/0", "igw-1"], ["0.0.0.0/0", "vpce-fw-b"], ["10.0.255.16/28", "vpce-fw-b"]]));
    expect(lane.egressPath).toHaveLength(4);
  });
});

describe("VpcFlowLogs, DnsFirewall and AvailabilityChecks with minimal props", () => {
  let json: Json;
  beforeAll(() => {
    json = synth((stack) => {
      new VpcFlowLogs(stack, "flow", { account: ACCOUNT, vpcId: "vpc-1", logGroupName: "/flow/x", roleName: "x-flow", logs: { kmsKeyArn: KEY } });
      new DnsFirewall(stack, "dns", { vpcId: "vpc-1", namePrefix: "acme", allowedDomains: ["pypi.org"], queryLog: { kmsKeyArn: KEY } });
      new AvailabilityChecks(stack, "checks", { region: REGION, availabilityZones: [`${REGION}a`], interfaceServices: { sts: `com.amazonaws.${REGION}.sts` } });
    });
  });

  test("flow logs: all traffic to the named group (365 days), written by a role only the flow-logs service may assume", () => {
    const flowLog = only(json, "aws_flow_log");
    expect(flowLog).toMatchObject({ vpc_id: "vpc-1", traffic_type: "ALL" });
    expect(target(json, flowLog.log_destination)).toMatchObject({ name: "/flow/x", kms_key_id: KEY, retention_in_days: 365 });
    const role = only(json, "aws_iam_role");
    expect(role.name).toBe("x-flow");
    const trust = target(json, role.assume_role_policy);
    expect(trust.statement.map((s: Json) => s.principals[0].identifiers)).toEqual([["vpc-flow-logs.amazonaws.com"]]);
  });

  test("DNS firewall defaults: block with NXDOMAIN, mutation-protected association at priority 101, fail closed, queries logged 365 days", () => {
    const rules = Object.fromEntries(resources(json, "aws_route53_resolver_firewall_rule").map((r) => [r.action, r]));
    expect(rules.BLOCK).toMatchObject({ block_response: "NXDOMAIN" });
    expect(rules.ALLOW.priority).toBeLessThan(rules.BLOCK.priority);
    expect(only(json, "aws_route53_resolver_firewall_rule_group_association")).toMatchObject({ vpc_id: "vpc-1", priority: 101, mutation_protection: "ENABLED" });
    expect(only(json, "aws_route53_resolver_firewall_config")).toMatchObject({ resource_id: "vpc-1", firewall_fail_open: "DISABLED" });
    const queryLog = resources(json, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/vendedlogs/route53resolver/acme");
    expect(queryLog).toMatchObject({ kms_key_id: KEY, retention_in_days: 365 });
  });

  test("availability checks read the region's available AZs and each endpoint service, and name 'availabilityZones' by default", () => {
    const zones = Object.values(json.data.aws_availability_zones) as Json[];
    expect(zones).toHaveLength(1);
    expect(zones[0].state).toBe("available");
    expect(zones[0].lifecycle.postcondition[0].error_message).toMatch(/^availabilityZones: /);
    expect((Object.values(json.data.aws_vpc_endpoint_service) as Json[]).map((s) => [s.service_name, s.service_type])).toEqual([[`com.amazonaws.${REGION}.sts`, "Interface"]]);
  });
});

describe("ServiceEndpoints and EndpointIngress", () => {
  let json: Json;
  beforeAll(() => {
    json = synth((stack) => {
      const endpoints = new ServiceEndpoints(stack, "endpoints", {
        account: ACCOUNT,
        namePrefix: "acme",
        vpcId: "vpc-1",
        subnetIds: ["subnet-a", "subnet-b"],
        routeTableIdsByAz: { [`${REGION}a`]: "rtb-a", [`${REGION}b`]: "rtb-b" },
        s3: { bucketArns: ["arn:aws:s3:::acme-data"] },
      });
      endpoints.allowHttpsFrom("workload", "sg-workload", "HTTPS from the workload");
      new EndpointIngress(stack, "ingress", { endpointSecurityGroupId: "sg-endpoints" }).allowHttpsFrom("other", "sg-other", "HTTPS from another stack's workload");
    });
  });

  test("the nine default interface endpoints, each with private DNS, an ENI in every given subnet, the endpoints' group and a policy", () => {
    const interfaces = resources(json, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface");
    const services = ["sagemaker.api", "sagemaker.runtime", "sts", "ssm", "monitoring", "logs", "ecr.dkr", "ecr.api", "servicecatalog"];
    expect(interfaces.map((e) => e.service_name).sort()).toEqual(services.map((s) => `com.amazonaws.${REGION}.${s}`).sort());
    for (const e of interfaces) {
      expect(e).toMatchObject({ vpc_id: "vpc-1", private_dns_enabled: true, subnet_ids: ["subnet-a", "subnet-b"] });
      expect(e.policy).toBeDefined();
    }
  });

  test("an S3 gateway endpoint with a policy, on every given route table", () => {
    const gateway = resources(json, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Gateway");
    expect(gateway.map((e) => e.service_name)).toEqual([`com.amazonaws.${REGION}.s3`]);
    expect(gateway[0].policy).toBeDefined();
    expect(resources(json, "aws_vpc_endpoint_route_table_association").map((a) => a.route_table_id).sort()).toEqual(["rtb-a", "rtb-b"]);
  });

  test("HTTPS ingress only from the registered groups: to the endpoints' own group, and to the given group in another stack", () => {
    const group = only(json, "aws_security_group");
    expect(group.ingress ?? []).toEqual([]);
    const rules = resources(json, "aws_vpc_security_group_ingress_rule").map((r) => [r.referenced_security_group_id, r.ip_protocol, r.from_port, r.to_port]);
    expect(rules).toHaveLength(2);
    expect(rules).toContainEqual(["sg-workload", "tcp", 443, 443]);
    expect(rules).toContainEqual(["sg-other", "tcp", 443, 443]);
    const ownGroupRule = resources(json, "aws_vpc_security_group_ingress_rule").find((r) => r.referenced_security_group_id === "sg-workload")!;
    expect(target(json, ownGroupRule.security_group_id)).toBe(group);
  });

  test("the SageMaker UI endpoints are refused here (their policies belong with the domain or instance)", () => {
    const props = { account: ACCOUNT, namePrefix: "x", vpcId: "v", subnetIds: [], routeTableIdsByAz: {}, s3: { bucketArns: ["arn:aws:s3:::b"] }, interfaceServices: ["studio"] };
    expect(() => new ServiceEndpoints(new TerraformStack(Testing.app(), "x"), "e", props)).toThrow(/studio/);
  });
});

describe("CustomerKey, SecureBucket and SageMakerExecutionRole", () => {
  let json: Json;
  beforeAll(() => {
    json = synth((stack) => {
      new CustomerKey(stack, "plain-key", { account: ACCOUNT, aliasName: "acme-logs", usage: [] });
      const kept = new CustomerKey(stack, "kept-key", { account: ACCOUNT, aliasName: "acme-s3", description: "S3 data", usage: [], preventDestroy: true });
      new SecureBucket(stack, "bucket", { bucketName: "acme-data", kmsKeyArn: kept.arn });
      new SageMakerExecutionRole(stack, "role", { account: ACCOUNT, roleName: "acme-sagemaker" }).attachPolicies({
        read: [{ sid: "Read", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::acme-data/*"] }],
      });
    });
  });

  test("keys rotate, wait 30 days before deletion, and get their alias; the description defaults to the alias, prevent_destroy only when asked", () => {
    const keys = Object.fromEntries(resources(json, "aws_kms_key").map((k) => [k.description, k]));
    expect(Object.keys(keys).sort()).toEqual(["Customer managed key alias/acme-logs", "S3 data"]);
    for (const k of Object.values(keys)) expect(k).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(keys["S3 data"].lifecycle).toEqual({ prevent_destroy: true });
    expect(keys["Customer managed key alias/acme-logs"].lifecycle).toBeUndefined();
    expect(resources(json, "aws_kms_alias").map((a) => a.name).sort()).toEqual(["alias/acme-logs", "alias/acme-s3"]);
  });

  test("the bucket: SSE-KMS with the given key, versioned, owner-enforced, all public access blocked, not force-destroyed", () => {
    expect(only(json, "aws_s3_bucket")).toMatchObject({ bucket: "acme-data", force_destroy: false });
    const sse = only(json, "aws_s3_bucket_server_side_encryption_configuration").rule[0];
    expect(sse.apply_server_side_encryption_by_default.sse_algorithm).toBe("aws:kms");
    expect(target(json, sse.apply_server_side_encryption_by_default.kms_master_key_id).description).toBe("S3 data");
    expect(only(json, "aws_s3_bucket_versioning").versioning_configuration.status).toBe("Enabled");
    expect(only(json, "aws_s3_bucket_ownership_controls").rule.object_ownership).toBe("BucketOwnerEnforced");
    expect(only(json, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  });

  test("the execution role: assumed by SageMaker only, default description, one managed policy per part named <role>-<part>", () => {
    const role = only(json, "aws_iam_role");
    expect(role).toMatchObject({ name: "acme-sagemaker", description: "SageMaker execution role acme-sagemaker" });
    expect(target(json, role.assume_role_policy).statement.map((s: Json) => s.principals[0].identifiers)).toEqual([["sagemaker.amazonaws.com"]]);
    expect(only(json, "aws_iam_policy").name).toBe("acme-sagemaker-read");
    expect(only(json, "aws_iam_role_policy_attachment").role).toContain("aws_iam_role.");
  });
});

describe("StudioDomain with an EndpointClients that only records", () => {
  let json: Json;
  let endpoints: ReturnType<typeof recordingEndpoints>;
  beforeAll(() => {
    endpoints = recordingEndpoints();
    json = synth((stack) => {
      const common = { vpcId: "vpc-1", subnetIds: ["subnet-a", "subnet-b"], kmsKeyArn: KEY, executionRoleArn: "arn:aws:iam::111122223333:role/shared", endpoints };
      new StudioDomain(stack, "bare", { ...common, namePrefix: "acme-bare" });
      new StudioDomain(stack, "team", { ...common, namePrefix: "acme-team", domainName: "team-studio", userProfiles: ["alice", "bob"], executionRoleArnOf: (p) => `arn:aws:iam::111122223333:role/${p}` });
    });
  });

  test("VpcOnly domains on the given subnets and key; the name defaults to namePrefix", () => {
    const domains: Record<string, Json> = Object.fromEntries(resources(json, "aws_sagemaker_domain").map((d) => [d.domain_name, d]));
    expect(Object.keys(domains).sort()).toEqual(["acme-bare", "team-studio"]);
    for (const d of Object.values(domains)) {
      expect(d).toMatchObject({ auth_mode: "IAM", app_network_access_type: "VpcOnly", vpc_id: "vpc-1", subnet_ids: ["subnet-a", "subnet-b"], kms_key_id: KEY });
      expect(d.default_user_settings.execution_role).toBe("arn:aws:iam::111122223333:role/shared");
    }
  });

  test("no user profiles by default; each given profile has its own role and a security group of its own", () => {
    const profiles = resources(json, "aws_sagemaker_user_profile");
    expect(profiles.map((p) => [p.user_profile_name, p.user_settings.execution_role]).sort()).toEqual([
      ["alice", "arn:aws:iam::111122223333:role/alice"],
      ["bob", "arn:aws:iam::111122223333:role/bob"],
    ]);
    const groups = profiles.map((p) => p.user_settings.security_groups[0]);
    expect(new Set(groups).size).toBe(2);
  });

  test("every group it makes registers with the endpoints: the two domains' default groups and each profile's", () => {
    expect(resources(json, "aws_security_group")).toHaveLength(4);
    expect(endpoints.clients).toHaveLength(4);
    expect(new Set(endpoints.clients.map((c) => c.sg)).size).toBe(4);
  });
});

describe("SecureNotebookInstance with an EndpointClients that only records, and its UI endpoint", () => {
  let json: Json;
  let endpoints: ReturnType<typeof recordingEndpoints>;
  beforeAll(() => {
    endpoints = recordingEndpoints();
    json = synth((stack) => {
      const notebook = new SecureNotebookInstance(stack, "notebook", {
        namePrefix: "acme-notebook",
        vpcId: "vpc-1",
        subnetId: "subnet-a",
        kmsKeyArn: KEY,
        executionRoleArn: "arn:aws:iam::111122223333:role/nb",
        endpoints,
        s3PrefixListId: "pl-s3",
      });
      sageMakerUiEndpoint(stack, "ui", { account: ACCOUNT, service: "notebook", namePrefix: "acme", vpcId: "vpc-1", subnetIds: ["subnet-a"], securityGroupId: "sg-endpoints", only: notebook.instance.arn });
    });
  });

  test("defaults: named namePrefix, ml.t3.medium, 20 GB; no internet access of its own, no root, IMDSv2 only, in the given subnet", () => {
    expect(only(json, "aws_sagemaker_notebook_instance")).toMatchObject({
      name: "acme-notebook",
      instance_type: "ml.t3.medium",
      volume_size: 20,
      subnet_id: "subnet-a",
      direct_internet_access: "Disabled",
      root_access: "Disabled",
      kms_key_id: KEY,
      instance_metadata_service_configuration: { minimum_instance_metadata_service_version: "2" },
    });
  });

  test("its group sends HTTPS anywhere (the firewall decides where) and HTTP only to S3's prefix list; no inbound", () => {
    expect(resources(json, "aws_vpc_security_group_ingress_rule")).toEqual([]);
    const egress = resources(json, "aws_vpc_security_group_egress_rule").map((r) => [r.from_port, r.cidr_ipv4 ?? r.prefix_list_id]);
    expect(egress.sort()).toEqual([
      [443, "0.0.0.0/0"],
      [80, "pl-s3"],
    ]);
    // Its one group is registered with the endpoints.
    expect(resources(json, "aws_security_group")).toHaveLength(1);
    expect(endpoints.clients).toHaveLength(1);
  });

  test("the notebook UI endpoint: aws.sagemaker.<region>.notebook, in the given subnet and group", () => {
    const ui = only(json, "aws_vpc_endpoint");
    expect(ui).toMatchObject({ service_name: `aws.sagemaker.${REGION}.notebook`, vpc_endpoint_type: "Interface", subnet_ids: ["subnet-a"], security_group_ids: ["sg-endpoints"] });
  });

  test("a volume size SageMaker does not allow (5 to 16384 GB) is refused", () => {
    const props = { namePrefix: "x", vpcId: "v", subnetId: "s", kmsKeyArn: KEY, executionRoleArn: "r", endpoints: recordingEndpoints(), s3PrefixListId: "pl", volumeSizeGb: 4 };
    expect(() => new SecureNotebookInstance(new TerraformStack(Testing.app(), "x"), "n", props)).toThrow(/5 to 16384/);
  });
});

describe("the network contract, published and read", () => {
  let json: Json;
  let reader: NetworkContract;
  beforeAll(() => {
    json = synth((stack) => {
      new PublishedNetworkContract(stack, "published", {
        parameterName: "/acme/dev/network/contract",
        values: { vpcId: "vpc-1", workloadSubnetIds: { a: "subnet-a" }, endpointSecurityGroupId: "sg-e", s3EndpointId: "vpce-s3", s3PrefixListId: "pl-s3", keyArns: { s3: KEY }, buckets: {} },
      });
      reader = new NetworkContract(stack, "read", { parameterName: "/acme/dev/network/contract", networkStackName: "dev-network", availabilityZones: ["a"] });
    });
  });

  test("one String SSM parameter holds the contract; the reader lists the parameters under its path", () => {
    expect(only(json, "aws_ssm_parameter")).toMatchObject({ name: "/acme/dev/network/contract", type: "String" });
    const byPath = Object.values(json.data.aws_ssm_parameters_by_path) as Json[];
    expect(byPath.map((d) => d.path)).toEqual(["/acme/dev/network"]);
  });

  test("the reader's preconditions name the network stack to deploy first", () => {
    expect(reader.preconditions.length).toBeGreaterThan(0);
    for (const c of reader.preconditions) expect(c.errorMessage).toContain("dev-network");
  });
});

describe("AwsAccount and Guardrails in a bare stack", () => {
  test("AwsAccount reads account and partition from Terraform (no credentials at synth) and checks the expected account", () => {
    const json = synth((stack) => new AwsAccount(stack, "account", REGION, { accountId: ACCOUNT_ID, label: "the test" }));
    const caller = Object.values(json.data.aws_caller_identity) as Json[];
    expect(caller).toHaveLength(1);
    expect(caller[0].lifecycle.postcondition[0].condition).toContain(ACCOUNT_ID);
    expect(Object.keys(json.data.aws_partition)).toHaveLength(1);
  });

  test("Guardrails attached to a stack stop synth on a bucket without the protections", () => {
    const stack = new TerraformStack(Testing.app(), "unsafe");
    Guardrails.attachTo(stack);
    new S3Bucket(stack, "naked", { bucket: "naked" });
    expect(() => Testing.synth(stack, true)).toThrow(GuardrailViolation);
  });
});

describe("the entry point's public API", () => {
  let exportNames: string[];
  let unexported: string[];
  let programFiles: string[];
  beforeAll(() => {
    ({ exportNames, unexported, programFiles } = publicApi(join(__dirname, "..")));
  });

  test("names no type it does not export (every prop and public field can be typed from the package)", () => {
    // The check reads the emitted declarations; it must have resolved them to see anything at all.
    expect(exportNames).toEqual(expect.arrayContaining(["InspectedVpc", "LaneSubnet", "StudioDomain", "UserProfileGroup", "SecureNotebookInstance", "EndpointClients", "AccountContext"]));
    expect(unexported).toEqual([]);
  });

  test("does not include the app's config schema, loader or naming, nor zod", () => {
    expect(programFiles.filter((f) => /\/modules\/config\/(?!shared-hosting\.ts$)/.test(f) || /\/node_modules\/zod\//.test(f))).toEqual([]);
  });
});

/**
 * Emits the .d.ts of the library build (tsconfig.build.json) in memory, then checks that every
 * type the entry point's exports refer to (props, public fields, parameters, return types, base
 * types) is itself exported from the entry point, or comes from another package. Declarations,
 * not sources, because they spell out inferred types too.
 */
function publicApi(root: string): { exportNames: string[]; unexported: string[]; programFiles: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.build.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  })!;
  const outDir = join(root, ".api-check"); // never written: the host below keeps the files in memory
  const emitted = new Map<string, string>();
  const program = ts.createProgram(config.fileNames, { ...config.options, outDir, declaration: true, emitDeclarationOnly: true, noEmit: false });
  program.emit(undefined, (file, text) => emitted.set(file, text));
  const programFiles = program.getSourceFiles().map((f) => f.fileName);

  const host = ts.createCompilerHost({});
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (f) => emitted.has(f) || ts.sys.fileExists(f);
  host.directoryExists = (d) => d === outDir || d.startsWith(`${outDir}/`) || ts.sys.directoryExists(d);
  host.readFile = (f) => emitted.get(f) ?? ts.sys.readFile(f);
  host.getSourceFile = (f, lang) => (emitted.has(f) ? ts.createSourceFile(f, emitted.get(f)!, lang) : getSourceFile(f, lang));
  const entry = join(outDir, "index.d.ts");
  const dts = ts.createProgram([entry], { skipLibCheck: true, types: [], module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 }, host);
  const checker = dts.getTypeChecker();
  const resolve = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(dts.getSourceFile(entry)!)!).map(resolve);
  const exported = new Set(exports);

  const unexported = new Set<string>();
  const visit = (owner: string, node: ts.Node): void => {
    let name: ts.Node | undefined;
    if (ts.isTypeReferenceNode(node)) name = node.typeName;
    else if (ts.isExpressionWithTypeArguments(node)) name = node.expression;
    else if (ts.isTypeQueryNode(node)) name = node.exprName;
    else if (ts.isImportTypeNode(node)) name = node.qualifier;
    if (name) {
      const symbol = checker.getSymbolAtLocation(ts.isQualifiedName(name) ? name.right : name);
      const declared = symbol && resolve(symbol);
      const file = declared?.declarations?.[0]?.getSourceFile().fileName;
      if (declared && file?.startsWith(outDir) && !(declared.flags & ts.SymbolFlags.TypeParameter) && !exported.has(declared)) unexported.add(`${owner} -> ${declared.name}`);
    }
    ts.forEachChild(node, (child) => visit(owner, child));
  };
  for (const symbol of exports) for (const declaration of symbol.declarations ?? []) visit(symbol.name, declaration);
  return { exportNames: exports.map((s) => s.name), unexported: [...unexported].sort(), programFiles };
}
