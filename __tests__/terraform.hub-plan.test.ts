/**
 * Layer 5 for the egress hub: plans by the real hashicorp/aws 5.100.0 provider, offline (the AWS
 * stub, as the hub's account 333333333333), of the example's hub (`examples/hub/config`, synthesized
 * as `npm run synth` does) against a deployed state of it, with -refresh=false, the way
 * `npm run preview` plans a pull request:
 *
 * - adding a spoke (a third environment file): attached (step 3 of the deploy order) it creates only
 *   that spoke's resources on the hub (its allowlist group, its return routes in the inspection VPC,
 *   the accepter, the association, its route and its blackhole) and updates the policy (and the
 *   groups whose HOME_NET covers every spoke) in place; not yet attached (step 1) it creates no
 *   accepter, association or gateway route;
 * - removing a spoke: only that spoke's resources are deleted, the rest updated in place;
 * - nothing else is replaced or deleted: the firewall, the gateway, its route tables, the share, the
 *   inspection VPC and its subnets, the NAT gateways keep their identity;
 * - the plan review of those plans (scripts/plan-review, what `npm run preview` posts) lists the new
 *   spoke's gateway routes and accepter among the egress-path changes to read, and flags the deletion
 *   of a removed spoke's accepter as the end of that spoke's egress.
 *
 * A spoke's resources are recognised by the values the plan gives them (its CIDR, its attachment
 * ID, its name), written out here from the example's files and the added file, not taken from the
 * code under test. All changes are planned by one terraform plan (planModules).
 */
import { spawnSync } from "node:child_process";
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { reviewPlan } from "../scripts/plan-review/review";
import { Json } from "./support/synth";
import { scratchDir } from "./support/scratch";
import { AwsStub, deployedState, DeployedState, planModules, removeDirs, runTerraform, startAwsStub, withRealProvider } from "./support/real-plan";
import { describeWithTerraform } from "./support/terraform";

const ROOT = join(__dirname, "..");
const EXAMPLE = join(ROOT, "examples", "hub", "config");
const HUB_ACCOUNT = "333333333333";
const TGW = "tgw-0a1b2c3d4e5f60718";
const TEAM_A = { cidr: "10.10.0.0/16", attachment: "tgw-attach-0a1b2c3d4e5f60718" };
const TEAM_B = { cidr: "10.20.0.0/16" };
// The added spoke: a second environment of team-a's account (an account the hub's share names).
const TEAM_C = { cidr: "10.30.0.0/16", attachment: "tgw-attach-0c0c0c0c0c0c0c0c0", domain: "huggingface.co" };
const teamC = (attached: boolean) => ({
  projectName: "sagemaker-hub-demo",
  accountId: "111111111111",
  region: "us-east-1",
  availabilityZones: ["us-east-1a", "us-east-1b"],
  vpcCidr: TEAM_C.cidr,
  egress: { mode: "hub", hub: "central", transitGatewayId: TGW, ...(attached ? { attachmentId: TEAM_C.attachment } : {}) },
  firewall: { allowedDomains: [TEAM_C.domain] },
});

/** The example's config dir, changed by `change`, synthesized by scripts/run-main.cjs; returns the hub stack's dir. */
function synthHub(label: string, change: (configDir: string) => void): string {
  const base = scratchDir(`hub-plan-${label}`);
  const configDir = join(base, "config");
  cpSync(EXAMPLE, configDir, { recursive: true });
  change(configDir);
  const outdir = join(base, "cdktf.out");
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "run-main.cjs")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, SAGEMAKER_ANFW_CONFIG_DIR: configDir, CDKTF_OUTDIR: outdir } });
  if (r.status !== 0) throw new Error(`synth of ${label} failed: ${r.stderr}`);
  return join(outdir, "stacks", "central-inspection");
}

const write = (file: string, json: unknown) => (dir: string) => writeFileSync(join(dir, file), JSON.stringify(json, null, 2));
const remove = (file: string) => (dir: string) => rmSync(join(dir, file));

const SCENARIOS = {
  "add-attached": write("team-c.json", teamC(true)),
  "add-pending": write("team-c.json", teamC(false)),
  "remove-attached": remove("team-a.json"),
  "remove-pending": remove("team-b.json"),
} as const;
type Scenario = keyof typeof SCENARIOS;

const created: string[] = [];
let stub: AwsStub;
let deployed: DeployedState;
let plans: Record<Scenario, Json>;
let deployedDir: string;

beforeAll(async () => {
  stub = await startAwsStub({ accountId: HUB_ACCOUNT, region: "us-east-1" });
  const dir = withRealProvider(synthHub("base", () => undefined), stub, { label: "hub-deployed" });
  deployedDir = dir;
  created.push(dir);
  deployed = await deployedState(dir, stub);
  const stacks = (Object.keys(SCENARIOS) as Scenario[]).map((name) => ({ name, stackDir: synthHub(name, SCENARIOS[name]), statePath: deployed.statePath }));
  plans = (await planModules(stacks, stub, { label: "hub-scenarios", dirs: created })) as Record<Scenario, Json>;
}, 600_000);

afterAll(async () => {
  await stub?.close();
  removeDirs(...created);
});

const changes = (p: Json): Json[] => (p.resource_changes as Json[]).filter((rc) => rc.mode === "managed" && !(rc.change.actions.length === 1 && rc.change.actions[0] === "no-op"));
const withAction = (p: Json, action: string) => changes(p).filter((rc) => rc.change.actions.join("+") === action);
const ofType = (list: Json[], type: string) => list.filter((rc) => rc.type === type);
/** HOME_NET of a rule group's values (plan JSON's nested blocks are lists). */
const homeNet = (v: Json): string[] => v.rule_group[0].rule_variables[0].ip_sets.find((s: Json) => s.key === "HOME_NET").ip_set[0].definition;
/** Whether a planned resource is one spoke's: its address names the spoke (resources are named after its file) or its values hold its range or its attachment, and they hold no other spoke's range. */
const belongsTo = (rc: Json, spoke: string, own: ReadonlyArray<string>, others: ReadonlyArray<string>) => {
  const text = `${rc.address} ${JSON.stringify(rc.change.after ?? {})} ${JSON.stringify(rc.change.before ?? {})}`;
  return (rc.address.includes(spoke) || own.some((o) => text.includes(o))) && !others.some((o) => text.includes(o));
};
/** "aws_route.hub_network_us-east-1b_nat_..." -> "us-east-1b" */
const azOf = (address: string) => /(us-east-1[a-f])/.exec(address)?.[1];
const HUB_AZS = ["us-east-1a", "us-east-1b", "us-east-1c"];

// What keeps its identity whatever the spokes: the hub's firewall, gateway and its tables, the share,
// the inspection VPC and its lanes, the hub's key. Each must be in the plan, and unchanged.
const KEPT = [
  "aws_networkfirewall_firewall",
  "aws_ec2_transit_gateway",
  "aws_ec2_transit_gateway_route_table",
  "aws_ec2_transit_gateway_vpc_attachment",
  "aws_ram_resource_share",
  "aws_ram_resource_association",
  "aws_ram_principal_association",
  "aws_vpc",
  "aws_subnet",
  "aws_route_table",
  "aws_nat_gateway",
  "aws_eip",
  "aws_internet_gateway",
  "aws_kms_key",
  "aws_route53_resolver_firewall_rule_group",
];

describeWithTerraform("real provider: the example's hub deployed, then a spoke added or removed", () => {
  test("the deployed hub converges: planned again, it changes nothing", () => {
    expect({ converged: deployed.converged, residual: deployed.residual }).toEqual({ converged: true, residual: [] });
  });

  // preventDestroy (default true): `destroy` (or a renamed resource) cannot take the gateway, the
  // inspection attachment, the key or the logs with it; Terraform refuses the whole plan. It stops at
  // the first protected instances its destroy walk meets, the ones that depend on the others (the log
  // groups on the key, the inspection attachment on the gateway), so the gateway and the key are not
  // named here; hub.synth.test.ts shows that they carry prevent_destroy.
  const refusals = (output: string) => [...output.matchAll(/Resource (aws_[a-z0-9_]+)\.\S+ has lifecycle\.prevent_destroy/g)].map((m) => m[1]);
  test("the hub's protection refuses a plan that destroys it: the inspection VPC's attachment and the log groups are named", async () => {
    const r = await runTerraform(deployedDir, ["plan", "-destroy", "-refresh=false", "-input=false", "-lock=false", "-no-color", `-state=${deployed.statePath}`]);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/Instance cannot be destroyed/);
    expect(new Set(refusals(r.output))).toEqual(new Set(["aws_ec2_transit_gateway_vpc_attachment", "aws_cloudwatch_log_group"]));
  });

  test.each(Object.keys(SCENARIOS))("%s: nothing is replaced, and the firewall, gateway, route tables, share and inspection VPC are untouched", (scenario) => {
    const p = plans[scenario as Scenario];
    expect(changes(p).filter((rc) => rc.change.actions.includes("delete") && rc.change.actions.includes("create")).map((rc) => rc.address)).toEqual([]);
    for (const type of KEPT) {
      const all = (p.resource_changes as Json[]).filter((rc) => rc.mode === "managed" && rc.type === type);
      expect({ type, present: all.length > 0 }).toEqual({ type, present: true });
      expect({ type, changed: all.filter((rc) => rc.change.actions.join() !== "no-op").map((rc) => rc.address) }).toEqual({ type, changed: [] });
    }
    // In place, only the policy and the rule groups (the added or removed spoke's range in or out of HOME_NET, a group in or out of the policy).
    expect([...new Set(withAction(p, "update").map((rc) => rc.type))].sort()).toEqual(["aws_networkfirewall_firewall_policy", "aws_networkfirewall_rule_group"]);
  });

  test("adding an attached spoke creates only its resources: its allowlist for its range, its return routes in every AZ, the accepter, the association, its route and its blackhole", () => {
    const p = plans["add-attached"];
    const created = withAction(p, "create");
    expect(created.filter((rc) => !belongsTo(rc, "team-c", [TEAM_C.cidr, TEAM_C.attachment], [TEAM_A.cidr, TEAM_B.cidr])).map((rc) => rc.address)).toEqual([]);
    expect(withAction(p, "delete")).toEqual([]);
    const [accepter, ...moreAccepters] = ofType(created, "aws_ec2_transit_gateway_vpc_attachment_accepter");
    expect(moreAccepters).toEqual([]);
    expect(accepter.change.after).toMatchObject({ transit_gateway_attachment_id: TEAM_C.attachment, tags: { SpokeAccount: "111111111111" } });
    expect(ofType(created, "aws_ec2_transit_gateway_route_table_association")).toHaveLength(1);
    const tgwRoutes = ofType(created, "aws_ec2_transit_gateway_route").map((rc) => [rc.change.after.destination_cidr_block, rc.change.after.blackhole]);
    expect(tgwRoutes.sort()).toEqual([
      [TEAM_C.cidr, false],
      [TEAM_C.cidr, true],
    ]);
    const [group, ...moreGroups] = ofType(created, "aws_networkfirewall_rule_group");
    expect(moreGroups).toEqual([]);
    expect(homeNet(group.change.after)).toEqual([TEAM_C.cidr]);
    expect(group.change.after.rule_group[0].rules_source[0].rules_source_list[0].targets).toEqual([TEAM_C.domain]);
    // Return routes for the range in each of the hub's AZs: one to that AZ's firewall endpoint (the
    // NAT subnet's) and one to the gateway (the firewall subnet's).
    const vpcRoutes = ofType(created, "aws_route");
    for (const rc of vpcRoutes) expect(rc.change.after.destination_cidr_block).toBe(TEAM_C.cidr);
    for (const az of HUB_AZS) {
      const here = vpcRoutes.filter((rc) => azOf(rc.address) === az).map((rc) => (rc.change.after.transit_gateway_id ? "gateway" : rc.change.after_unknown?.vpc_endpoint_id || rc.change.after.vpc_endpoint_id ? "endpoint" : "?"));
      expect({ az, targets: here.sort() }).toEqual({ az, targets: ["endpoint", "gateway"] });
    }
    expect(vpcRoutes).toHaveLength(2 * HUB_AZS.length);
  });

  test("the groups every spoke shares (hygiene, refusals) take the new range in place, and the policy references the new group", () => {
    const p = plans["add-attached"];
    const groups = ofType(withAction(p, "update"), "aws_networkfirewall_rule_group");
    expect(groups.length).toBeGreaterThan(0);
    for (const rc of groups) {
      expect(homeNet(rc.change.before)).not.toContain(TEAM_C.cidr);
      expect(homeNet(rc.change.after)).toEqual(expect.arrayContaining([TEAM_A.cidr, TEAM_B.cidr, TEAM_C.cidr]));
    }
    const [policy] = ofType(withAction(p, "update"), "aws_networkfirewall_firewall_policy");
    const refs = (v: Json) => v.firewall_policy[0].stateful_rule_group_reference.length;
    expect(refs(policy.change.after)).toBe(refs(policy.change.before) + 1);
  });

  test("adding a spoke that is not attached yet (step 1) declares its allowlist, blackhole and return routes, but no accepter, association or route to it", () => {
    const p = plans["add-pending"];
    const created = withAction(p, "create");
    expect(created.filter((rc) => !belongsTo(rc, "team-c", [TEAM_C.cidr], [TEAM_A.cidr, TEAM_B.cidr])).map((rc) => rc.address)).toEqual([]);
    expect(ofType(created, "aws_ec2_transit_gateway_vpc_attachment_accepter")).toEqual([]);
    expect(ofType(created, "aws_ec2_transit_gateway_route_table_association")).toEqual([]);
    expect(ofType(created, "aws_ec2_transit_gateway_route").map((rc) => [rc.change.after.destination_cidr_block, rc.change.after.blackhole])).toEqual([[TEAM_C.cidr, true]]);
    expect(ofType(created, "aws_networkfirewall_rule_group").map((rc) => homeNet(rc.change.after))).toEqual([[TEAM_C.cidr]]);
  });

  test("removing an attached spoke deletes only its resources: the accepter of its attachment, the association, its routes, its blackhole, its allowlist", () => {
    const p = plans["remove-attached"];
    const deleted = withAction(p, "delete");
    expect(deleted.filter((rc) => !belongsTo(rc, "team-a", [TEAM_A.cidr, TEAM_A.attachment], [TEAM_B.cidr])).map((rc) => rc.address)).toEqual([]);
    expect(withAction(p, "create")).toEqual([]);
    expect(ofType(deleted, "aws_ec2_transit_gateway_vpc_attachment_accepter").map((rc) => rc.change.before.transit_gateway_attachment_id)).toEqual([TEAM_A.attachment]);
    expect(ofType(deleted, "aws_ec2_transit_gateway_route_table_association")).toHaveLength(1);
    expect(ofType(deleted, "aws_ec2_transit_gateway_route").map((rc) => rc.change.before.destination_cidr_block)).toEqual([TEAM_A.cidr, TEAM_A.cidr]);
    expect(ofType(deleted, "aws_route").map((rc) => rc.change.before.destination_cidr_block)).toEqual(Array(2 * HUB_AZS.length).fill(TEAM_A.cidr));
    expect(ofType(deleted, "aws_networkfirewall_rule_group").map((rc) => homeNet(rc.change.before))).toEqual([[TEAM_A.cidr]]);
    // The ranges that stay keep their groups: every updated group still covers team-b, none team-a.
    for (const rc of ofType(withAction(p, "update"), "aws_networkfirewall_rule_group")) {
      expect(homeNet(rc.change.after)).toContain(TEAM_B.cidr);
      expect(homeNet(rc.change.after)).not.toContain(TEAM_A.cidr);
    }
  });

  test("removing the spoke that shares the hub's allowlist deletes only its own resources: its one allowlist group held the shared names too", () => {
    const p = plans["remove-pending"];
    const deleted = withAction(p, "delete");
    expect(deleted.filter((rc) => !belongsTo(rc, "team-b", [TEAM_B.cidr], [TEAM_A.cidr])).map((rc) => rc.address)).toEqual([]);
    expect(withAction(p, "create")).toEqual([]);
    // team-b was never accepted: nothing of the gateway but its blackhole.
    expect(ofType(deleted, "aws_ec2_transit_gateway_vpc_attachment_accepter")).toEqual([]);
    expect(ofType(deleted, "aws_ec2_transit_gateway_route").map((rc) => [rc.change.before.destination_cidr_block, rc.change.before.blackhole])).toEqual([[TEAM_B.cidr, true]]);
    // team-b (its own list and the shared one) had one group, for its range alone; no shared group
    // existed (every spoke of the example has a list of its own: one group per source, docs/hub.md).
    expect(ofType(deleted, "aws_networkfirewall_rule_group").map((rc) => homeNet(rc.change.before))).toEqual([[TEAM_B.cidr]]);
  });
});

describeWithTerraform("the plan review of those plans (what npm run preview posts)", () => {
  const review = (s: Scenario) => reviewPlan({ stack: "central-inspection", plan: plans[s], exitCode: 2 });
  const section = (md: string, heading: string) => (md.split(heading)[1] ?? "").split("\n### ")[0];

  test("adding a spoke: its accepter and its gateway route are changes to read, listed with its routes among the egress paths; nothing destructive", () => {
    const r = review("add-attached");
    const toRead = section(r.markdown, "### ⚠️ To read");
    expect(toRead).toContain(`accepts the attachment \`${TEAM_C.attachment}\` of spoke \`team-c\` (account \`111111111111\`)`);
    expect(toRead).toContain(`the gateway's route table carries \`${TEAM_C.cidr}\` to an attachment`);
    // The blackhole only walls the new range off from the other spokes: listed, not a change to read.
    expect(toRead.match(/route table carries/g)).toHaveLength(1);
    const egress = r.items.filter((i) => i.concern === "egress").map((i) => i.type);
    expect(egress).toEqual(expect.arrayContaining(["aws_ec2_transit_gateway_vpc_attachment_accepter", "aws_ec2_transit_gateway_route", "aws_ec2_transit_gateway_route_table_association", "aws_route"]));
    expect(r.destructive).toEqual([]);
    expect(r.verdict).toBe("needs attention");
  });

  test("removing an attached spoke: the accepter's deletion is flagged as deleting the spoke's attachment and stopping its egress", () => {
    const r = review("remove-attached");
    expect(section(r.markdown, "### ⚠️ To read")).toContain(`**the attachment \`${TEAM_A.attachment}\` of spoke \`team-a\` (account \`111111111111\`) is deleted with it** and that spoke's egress stops`);
    expect(section(r.markdown, "### 🛑 Destructive changes")).toContain(`**the spoke's attachment ${TEAM_A.attachment} is deleted**`);
    expect(r.destructive.map((i) => i.type)).toContain("aws_ec2_transit_gateway_vpc_attachment_accepter");
    expect(r.destructive.filter((i) => i.stateful)).toEqual([]);
  });

  test("removing a spoke that was never accepted flags no attachment", () => {
    const r = review("remove-pending");
    expect(r.markdown).not.toMatch(/attachment .* is deleted/);
    expect(r.destructive.map((i) => i.type)).not.toContain("aws_ec2_transit_gateway_vpc_attachment_accepter");
  });
});
