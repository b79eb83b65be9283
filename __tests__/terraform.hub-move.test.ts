/**
 * Moving an environment between local egress and an egress hub (issue 24 C; docs/hub.md, "Moving an
 * environment between local egress and a hub"), planned by the real hashicorp/aws provider against a
 * deployed state, offline (the AWS stub; states synthesized from create plans, see
 * scripts/preview/real-plan.ts).
 *
 * Two environments with Studio and the notebook (in us-east-1b), 3 AZs: one deployed with local
 * egress, one deployed as a hub spoke. Against the first, the spoke's config is planned (local ->
 * hub); against the second, the local config (hub -> local); each for the network, Studio and notebook
 * stacks. What a move may delete is decided here from the deployed state alone (resource types, the
 * subnets' Tier tags, which route table a route or association belongs to), never from the code
 * under test: local -> hub deletes exactly the local egress path (NAT gateways, EIPs, internet
 * gateway, firewall and its policy, rule groups and logging, firewall and NAT subnets, their and the
 * edge route tables, routes and associations, and the firewall's two log groups, which the
 * procedure keeps with `terraform state rm`); hub -> local deletes exactly the spoke's attachment and
 * its subnets, route tables and associations. Nothing else is deleted or replaced, the VPC, the
 * workload subnets, the endpoints, their security group, the keys, the buckets and the published
 * contract plan no change, the workload subnets' default routes change target in place, and the
 * Studio and notebook stacks plan nothing. A broken copy (a workload subnet whose construct ID, and
 * so its address, differs in the spoke) is caught by the same check.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { azs, Json } from "./support/synth";
import { DeployedEnvironment, Kind, synthEnvironment } from "./support/plan-scenarios";
import { removeDirs, summarize, tryPlan, withRealProvider } from "./support/real-plan";
import { describeWithTerraform } from "./support/terraform";

const TGW = "tgw-0a1b2c3d4e5f60718";
const LOCAL = { availabilityZones: azs("us-east-1", "abc") };
// The config of the procedure's route-switching deploy (step 5): attachmentId is set by then (step 3),
// and the workload routes to the gateway exist only with it (another account's gateway: the routes
// wait for the hub's acceptance, stacks/network-stack.ts spokeAttachmentState).
const HUB = { ...LOCAL, egress: { mode: "hub", hub: "central", transitGatewayId: TGW, attachmentId: "tgw-attach-0123456789abcdef0" } };
const KINDS: Kind[] = ["network", "studio", "notebook"];
const AZ_COUNT = 3;

/** Deployed with local egress; the spoke's config is planned against it. */
const local = new DeployedEnvironment(LOCAL);
/** Deployed as a hub spoke; the local config is planned against it. */
const spoke = new DeployedEnvironment(HUB);
const toHub = Object.fromEntries(KINDS.map((k) => [k, local.scenario(k, HUB, { label: `to-hub-${k}` })])) as Record<Kind, () => Promise<Json>>;
const toLocal = Object.fromEntries(KINDS.map((k) => [k, spoke.scenario(k, LOCAL, { label: `to-local-${k}` })])) as Record<Kind, () => Promise<Json>>;

/**
 * The broken copy: the spoke's us-east-1a workload subnet under another address, as a changed
 * construct ID (or path) gives it; every reference to it follows, as cdktf's would.
 */
let renamedSubnet = "";
const toHubBroken = local.scenario("network", HUB, {
  label: "to-hub-broken",
  edit: (json) => {
    const subnets: Json = json.resource.aws_subnet;
    const name = Object.keys(subnets).find((n) => subnets[n].availability_zone === "us-east-1a" && subnets[n].tags.Tier === "workload")!;
    renamedSubnet = `aws_subnet.${name}`;
    subnets[`${name}_moved`] = subnets[name];
    delete subnets[name];
    // References are `${aws_subnet.<name>.id}` and, inside the contract's jsonencode, `aws_subnet.<name>.id`.
    const text = JSON.stringify(json).split(`aws_subnet.${name}.`).join(`aws_subnet.${name}_moved.`);
    Object.assign(json, JSON.parse(text));
  },
});

const created: string[] = [];
afterAll(async () => {
  await local.close();
  await spoke.close();
  removeDirs(...created);
});

interface Resource {
  readonly address: string;
  readonly type: string;
  readonly values: Json;
}

/** The managed resources of a plan's prior state (the deployed state). */
const priorResources = (plan: Json): Resource[] => (plan.prior_state?.values?.root_module?.resources ?? []).filter((r: Json) => r.mode === "managed");

/** Types that exist only for local egress (AWS's NAT gateway pattern and Network Firewall). */
const LOCAL_EGRESS_TYPES = new Set([
  "aws_nat_gateway",
  "aws_eip",
  "aws_internet_gateway",
  "aws_networkfirewall_firewall",
  "aws_networkfirewall_firewall_policy",
  "aws_networkfirewall_rule_group",
  "aws_networkfirewall_logging_configuration",
]);

/**
 * The addresses of `resources` that make up a path: the subnets of `tiers` (their Tier tag), the
 * route tables of those subnets and any `extraTable` (by Name), every route and association of those
 * tables, and resources of `types`.
 */
function pathOf(resources: Resource[], tiers: string[], types: Set<string>, extraTable: (name: string) => boolean = () => false): Set<string> {
  const subnetIds = new Set(resources.filter((r) => r.type === "aws_subnet" && tiers.includes(r.values.tags?.Tier)).map((r) => r.values.id));
  const tableOfSubnet = new Set(resources.filter((r) => r.type === "aws_route_table_association" && subnetIds.has(r.values.subnet_id)).map((r) => r.values.route_table_id));
  const tables = new Set(resources.filter((r) => r.type === "aws_route_table" && (tableOfSubnet.has(r.values.id) || extraTable(r.values.tags?.Name ?? ""))).map((r) => r.values.id));
  return new Set(
    resources
      .filter(
        (r) =>
          types.has(r.type) ||
          (r.type === "aws_subnet" && subnetIds.has(r.values.id)) ||
          (r.type === "aws_route_table" && tables.has(r.values.id)) ||
          ((r.type === "aws_route" || r.type === "aws_route_table_association") && tables.has(r.values.route_table_id)),
      )
      .map((r) => r.address),
  );
}

/** The local egress path of a deployed local network (see the file's comment), by address. */
const localEgressOf = (plan: Json): Set<string> => pathOf(priorResources(plan), ["firewall", "nat"], LOCAL_EGRESS_TYPES, (name) => name.endsWith("-igw-edge"));
/** The firewall's log groups of a deployed local network: data (its alert and flow logs). */
const firewallLogGroupsOf = (plan: Json): string[] =>
  priorResources(plan)
    .filter((r) => r.type === "aws_cloudwatch_log_group" && r.values.name.startsWith("/aws/vendedlogs/network-firewall/"))
    .map((r) => r.address)
    .sort();
/** A deployed spoke's own way to the hub: its attachment and the attachment subnets' path. */
const spokePathOf = (plan: Json): Set<string> => pathOf(priorResources(plan), ["attachment"], new Set(["aws_ec2_transit_gateway_vpc_attachment"]));

const withAction = (plan: Json, action: string) =>
  summarize(plan)
    .filter((c) => c.actions.includes(action))
    .map((c) => c.address)
    .sort();
/** The in-place updates of a plan, by address. */
const inPlace = (plan: Json) => withAction(plan, "update");
/** The updates a move may make: each workload subnet's default route (by its table's Tier tag) and the network key (by its alias). */
function inPlaceExpected(plan: Json): string[] {
  const prior = priorResources(plan);
  const workloadTables = new Set(prior.filter((r) => r.type === "aws_route_table" && r.values.tags?.Tier === "workload").map((r) => r.values.id));
  const routes = prior.filter((r) => r.type === "aws_route" && workloadTables.has(r.values.route_table_id) && r.values.destination_cidr_block === "0.0.0.0/0");
  const networkKeyId = prior.find((r) => r.type === "aws_kms_alias" && r.values.name.endsWith("-network"))?.values.target_key_id;
  const key = prior.filter((r) => r.type === "aws_kms_key" && r.values.key_id === networkKeyId);
  expect([routes.length, key.length]).toEqual([AZ_COUNT, 1]);
  return [...routes, ...key].map((r) => r.address).sort();
}
const replaced = (plan: Json) => summarize(plan).filter((c) => c.actions.includes("delete") && c.actions.includes("create"));
const change = (plan: Json, address: string): Json => plan.resource_changes.find((c: Json) => c.address === address);

/** What the workloads hold or read, in a deployed network (by type, or the workload subnets and route tables by tag). */
function heldByWorkloads(plan: Json): string[] {
  return priorResources(plan)
    .filter(
      (r) =>
        ["aws_vpc", "aws_vpc_endpoint", "aws_security_group", "aws_kms_alias", "aws_s3_bucket", "aws_ssm_parameter", "aws_route53_resolver_firewall_rule_group_association"].includes(r.type) ||
        (["aws_subnet", "aws_route_table"].includes(r.type) && r.values.tags?.Tier === "workload"),
    )
    .map((r) => r.address)
    .sort();
}

describeWithTerraform("real provider: moving an environment between local egress and a hub", () => {
  beforeAll(() => Promise.all([local.deploy(), spoke.deploy()]));

  describe("local -> hub", () => {
    test("the network deletes exactly the local egress path and its firewall's log groups, and replaces nothing", async () => {
      const plan = await toHub.network();
      expect(replaced(plan)).toEqual([]);
      const egress = localEgressOf(plan);
      const logs = firewallLogGroupsOf(plan);
      // Per AZ: NAT gateway, EIP, 2 subnets, 2 tables, 2 associations, 3 routes (firewall, NAT, edge return);
      // once: internet gateway, edge table and association, firewall, policy, 3 rule groups, logging.
      expect(egress.size).toBe(11 * AZ_COUNT + 9);
      expect(logs).toHaveLength(2);
      expect(withAction(plan, "delete")).toEqual([...egress, ...logs].sort());
    });

    test("it creates only the attachment, and per AZ the attachment subnet, its route table and association", async () => {
      const plan = await toHub.network();
      const creates = withAction(plan, "create").map((a) => change(plan, a));
      expect(creates.filter((c) => c.type === "aws_ec2_transit_gateway_vpc_attachment").map((c) => c.change.after.transit_gateway_id)).toEqual([TGW]);
      const subnets = creates.filter((c) => c.type === "aws_subnet");
      expect(subnets.map((c) => [c.change.after.tags.Tier, c.change.after.availability_zone]).sort()).toEqual(LOCAL.availabilityZones.map((az) => ["attachment", az]));
      expect(creates.filter((c) => c.type === "aws_route_table").map((c) => c.change.after.tags.Tier)).toEqual(Array(AZ_COUNT).fill("attachment"));
      expect(creates.filter((c) => c.type === "aws_route_table_association")).toHaveLength(AZ_COUNT);
      expect(creates).toHaveLength(1 + 3 * AZ_COUNT);
    });

    test("each workload subnet's default route changes target in place, from its AZ's NAT gateway to the Transit Gateway", async () => {
      const plan = await toHub.network();
      const workloadTables = new Set(priorResources(plan).filter((r) => r.type === "aws_route_table" && r.values.tags?.Tier === "workload").map((r) => r.values.id));
      const routes = plan.resource_changes.filter((c: Json) => c.type === "aws_route" && workloadTables.has(c.change.before?.route_table_id));
      expect(routes).toHaveLength(AZ_COUNT);
      for (const r of routes) {
        expect(r.change.actions).toEqual(["update"]);
        expect(r.change.before.destination_cidr_block).toBe("0.0.0.0/0");
        expect(r.change.before.transit_gateway_id).toBeFalsy();
        expect(r.change.before.nat_gateway_id).toMatch(/^nat-/);
        expect(r.change.after).toMatchObject({ destination_cidr_block: "0.0.0.0/0", transit_gateway_id: TGW });
      }
    });

    test("what the workloads hold or read plans no change: VPC, workload subnets and route tables, endpoints, security groups, buckets, key aliases, the contract", async () => {
      const plan = await toHub.network();
      const held = heldByWorkloads(plan);
      expect(held.length).toBeGreaterThan(25);
      expect(held.map((a) => [a, change(plan, a)?.change.actions ?? ["no-op"]])).toEqual(held.map((a) => [a, ["no-op"]]));
    });

    test("in place, only the workload subnets' default routes and the network key (its description and policy: no firewall uses it any more) change", async () => {
      const plan = await toHub.network();
      expect(inPlace(plan)).toEqual(inPlaceExpected(plan));
    });

    test.each(["studio", "notebook"] as const)("the %s stack plans no change", async (kind) => {
      expect(summarize(await toHub[kind]())).toEqual([]);
    });

    test("the check fails on a broken copy: a workload subnet under another address is deleted and created", async () => {
      const plan = await toHubBroken();
      const egress = localEgressOf(plan);
      const unexpected = withAction(plan, "delete").filter((a) => !egress.has(a) && !firewallLogGroupsOf(plan).includes(a));
      expect(renamedSubnet).toMatch(/^aws_subnet\./);
      // The subnet, and its route table association (subnet_id forces a new one).
      const subnetId = priorResources(plan).find((r) => r.address === renamedSubnet)!.values.id;
      const association = priorResources(plan).filter((r) => r.type === "aws_route_table_association" && r.values.subnet_id === subnetId).map((r) => r.address);
      expect(association).toHaveLength(1);
      expect(unexpected).toEqual([...association, renamedSubnet].sort());
      expect(withAction(plan, "create")).toContain(`${renamedSubnet}_moved`);
    });

    test("with the firewall's log groups removed from the state first (the procedure's `terraform state rm`), the move deletes no log group", async () => {
      // The deployed state without the two groups, as `terraform state rm` leaves it; the spoke's
      // network planned against it on its own.
      const before = await toHub.network();
      const logs = new Set(firewallLogGroupsOf(before));
      const statePath = local.states.network!.statePath;
      const state = JSON.parse(readFileSync(statePath, "utf8"));
      const kept = state.resources.filter((r: Json) => !logs.has(`${r.type}.${r.name}`));
      expect(kept).toHaveLength(state.resources.length - 2);
      const edited = join(local.deployedDir("network"), "without-firewall-logs.tfstate");
      writeFileSync(edited, JSON.stringify({ ...state, serial: state.serial + 1, resources: kept }));
      const dir = withRealProvider(synthEnvironment(HUB).network, local.stubs.workloads, { label: "to-hub-state-rm" });
      created.push(dir);
      const r = await tryPlan(dir, { refresh: false, state: edited });
      expect(r.json).toBeDefined();
      const deletes = withAction(r.json!, "delete");
      expect(deletes.filter((a) => a.startsWith("aws_cloudwatch_log_group."))).toEqual([]);
      expect(deletes).toEqual([...localEgressOf(before)].sort());
    });
  });

  describe("hub -> local", () => {
    test("the network deletes exactly the spoke's attachment and its attachment subnets' path, and replaces nothing", async () => {
      const plan = await toLocal.network();
      expect(replaced(plan)).toEqual([]);
      const path = spokePathOf(plan);
      // The attachment; per AZ the attachment subnet, its table and association.
      expect(path.size).toBe(1 + 3 * AZ_COUNT);
      expect(withAction(plan, "delete")).toEqual([...path].sort());
    });

    test("it creates the local egress path: per AZ a NAT gateway and EIP behind a firewall endpoint, the internet gateway, the firewall and its logs", async () => {
      const plan = await toLocal.network();
      const creates = withAction(plan, "create").map((a) => change(plan, a));
      const count = (type: string) => creates.filter((c) => c.type === type).length;
      expect([count("aws_nat_gateway"), count("aws_eip"), count("aws_internet_gateway"), count("aws_networkfirewall_firewall")]).toEqual([AZ_COUNT, AZ_COUNT, 1, 1]);
      expect(creates.filter((c) => c.type === "aws_subnet").map((c) => c.change.after.tags.Tier).sort()).toEqual([...Array(AZ_COUNT).fill("firewall"), ...Array(AZ_COUNT).fill("nat")]);
      expect(creates.filter((c) => c.type === "aws_cloudwatch_log_group").map((c) => c.change.after.name.startsWith("/aws/vendedlogs/network-firewall/"))).toEqual([true, true]);
    });

    test("each workload subnet's default route changes target in place, from the Transit Gateway to its AZ's NAT gateway", async () => {
      const plan = await toLocal.network();
      const workloadTables = new Set(priorResources(plan).filter((r) => r.type === "aws_route_table" && r.values.tags?.Tier === "workload").map((r) => r.values.id));
      const routes = plan.resource_changes.filter((c: Json) => c.type === "aws_route" && workloadTables.has(c.change.before?.route_table_id));
      expect(routes).toHaveLength(AZ_COUNT);
      for (const r of routes) {
        expect(r.change.actions).toEqual(["update"]);
        expect(r.change.before).toMatchObject({ destination_cidr_block: "0.0.0.0/0", transit_gateway_id: TGW });
        expect(r.change.before.nat_gateway_id).toBeFalsy();
        // The NAT gateway is created by the same apply: its ID is known only then.
        expect(r.change.after_unknown.nat_gateway_id).toBe(true);
        expect(r.change.after.transit_gateway_id).toBeNull();
      }
    });

    test("what the workloads hold or read plans no change", async () => {
      const plan = await toLocal.network();
      const held = heldByWorkloads(plan);
      expect(held.length).toBeGreaterThan(25);
      expect(held.map((a) => [a, change(plan, a)?.change.actions ?? ["no-op"]])).toEqual(held.map((a) => [a, ["no-op"]]));
    });

    test("in place, only the workload subnets' default routes and the network key (its policy lets Network Firewall use it again) change", async () => {
      const plan = await toLocal.network();
      expect(inPlace(plan)).toEqual(inPlaceExpected(plan));
    });

    test.each(["studio", "notebook"] as const)("the %s stack plans no change", async (kind) => {
      expect(summarize(await toLocal[kind]())).toEqual([]);
    });
  });
});
