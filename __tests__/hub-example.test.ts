/**
 * examples/hub/config/ (a hub and two spoke environments in two accounts) as users synthesize it:
 * `SAGEMAKER_ANFW_CONFIG_DIR=examples/hub/config npm run synth` runs main.ts through
 * scripts/run-main.cjs, which this file runs once. Accounts, IDs, ranges and names below are
 * written out from the example's files (what a reviewer reads there), not taken from the code.
 *
 * The example is the middle of the cross-account deploy order (docs/hub.md): team-a is attached
 * (transitGatewayId and attachmentId set), team-b has its gateway ID but is not accepted yet.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Json, readStackJson, referencedAddress, resourcesOf } from "./support/synth";
import { scratchDir } from "./support/scratch";

const ROOT = join(__dirname, "..");
const TGW = "tgw-0a1b2c3d4e5f60718";
const TEAM_A_ATTACHMENT = "tgw-attach-0a1b2c3d4e5f60718";

const outdir = join(scratchDir("hub-example"), "cdktf.out");
const run = spawnSync(process.execPath, [join(ROOT, "scripts", "run-main.cjs")], {
  cwd: ROOT,
  encoding: "utf8",
  env: { ...process.env, SAGEMAKER_ANFW_CONFIG_DIR: join(ROOT, "examples", "hub", "config"), CDKTF_OUTDIR: outdir },
});
const stack = (name: string): Json => readStackJson(join(outdir, "stacks", name));
const types = (j: Json): string[] => Object.keys(j.resource ?? {});

test("synthesizes: the hub's stack and every stack of both environments", () => {
  expect({ code: run.status, stderr: run.status === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });
  expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["central-inspection", "team-a-network", "team-a-studio", "team-b-network", "team-b-notebook", "team-b-studio"]);
});

describe("central-inspection", () => {
  const hub = () => stack("central-inspection");

  test("deploys to the hub's account only", () => {
    expect(hub().provider.aws.find((p: Json) => p.alias === undefined).allowed_account_ids).toEqual(["333333333333"]);
  });

  test("shares the gateway with exactly the two spoke accounts, inside the organisation", () => {
    expect(resourcesOf(hub(), "aws_ram_principal_association").map(([, r]) => r.principal).sort()).toEqual(["111111111111", "222222222222"]);
    const [[, share]] = resourcesOf(hub(), "aws_ram_resource_share");
    expect(share.allow_external_principals).toBe(false);
  });

  test("accepts, associates and routes team-a only (team-b has no attachment ID yet)", () => {
    const accepters = resourcesOf(hub(), "aws_ec2_transit_gateway_vpc_attachment_accepter").map(([, r]) => r);
    expect(accepters.map((a) => [a.transit_gateway_attachment_id, a.tags.SpokeAccount])).toEqual([[TEAM_A_ATTACHMENT, "111111111111"]]);
    const routes = resourcesOf(hub(), "aws_ec2_transit_gateway_route").map(([, r]) => r);
    const toSpokes = routes.filter((r) => r.transit_gateway_attachment_id !== undefined && r.destination_cidr_block !== "0.0.0.0/0");
    expect(toSpokes.map((r) => r.destination_cidr_block)).toEqual(["10.10.0.0/16"]);
    // team-b is still walled off from team-a: both ranges are blackholes in the spokes' table.
    expect(routes.filter((r) => r.blackhole).map((r) => r.destination_cidr_block).sort()).toEqual(["10.10.0.0/16", "10.20.0.0/16", "100.64.0.0/23"]);
  });

  test("each environment's allowlist for its own range only; the shared one for team-b, which asked for it", () => {
    const j = hub();
    const all = new Map<string, Json>(resourcesOf(j, "aws_networkfirewall_rule_group").map(([name, r]) => [`aws_networkfirewall_rule_group.${name}`, r]));
    const [[, policy]] = resourcesOf(j, "aws_networkfirewall_firewall_policy");
    const lists = policy.firewall_policy.stateful_rule_group_reference
      .map((r: Json) => all.get(referencedAddress(r.resource_arn)!)!)
      .filter((g: Json) => g.rule_group.rules_source.rules_source_list)
      .map((g: Json) => [g.rule_group.rule_variables.ip_sets.find((s: Json) => s.key === "HOME_NET").ip_set.definition, g.rule_group.rules_source.rules_source_list.targets]);
    const passedFor = (cidr: string) => [...new Set(lists.filter(([home]: [string[]]) => home.includes(cidr)).flatMap(([, t]: [string[], string[]]) => t))];
    expect(passedFor("10.10.0.0/16").sort()).toEqual(["api.kaggle.com", "www.kaggle.com"]);
    const teamB = passedFor("10.20.0.0/16");
    expect(teamB).toEqual(expect.arrayContaining(["pypi.org", "files.pythonhosted.org", "repo.anaconda.com", "conda.anaconda.org"]));
    expect(teamB).not.toContain("api.kaggle.com");
  });
});

describe("the spokes' network stacks", () => {
  test.each([
    ["team-a-network", "111111111111"],
    ["team-b-network", "222222222222"],
  ])("%s: no NAT gateway, Elastic IP, internet gateway or firewall; attached to the hub's gateway; the workloads' contract published", (name, account) => {
    const j = stack(name);
    expect(j.provider.aws.find((p: Json) => p.alias === undefined).allowed_account_ids).toEqual([account]);
    for (const t of ["aws_nat_gateway", "aws_eip", "aws_internet_gateway", "aws_networkfirewall_firewall"]) expect(types(j)).not.toContain(t);
    expect(resourcesOf(j, "aws_ec2_transit_gateway_vpc_attachment").map(([, r]) => r.transit_gateway_id)).toEqual([TGW]);
    expect(Object.keys(j.output)).toEqual(expect.arrayContaining(["transit_gateway_attachment_id", "network_contract_parameter"]));
    expect(resourcesOf(j, "aws_ssm_parameter").map(([, r]) => r.name)).toContain(`/sagemaker-hub-demo/${name.replace(/-network$/, "")}/network/contract`);
  });

  // team-a's attachment is accepted (attachmentId set): one 0.0.0.0/0 -> the hub's gateway per AZ.
  // team-b's, in another account than the hub's and not yet named to the hub, is pending acceptance:
  // a route to the shared gateway would fail its first deploy, so it has none yet (docs/hub.md, deploy order).
  test.each([
    ["team-a-network", ["us-east-1a", "us-east-1b"]],
    ["team-b-network", []],
  ])("%s: a workload default route to the hub's gateway in exactly these AZs: %j", (name, expected) => {
    const j = stack(name);
    const subnets = new Map(resourcesOf(j, "aws_subnet").map(([n, s]) => [`aws_subnet.${n}`, s]));
    const subnetOfTable = new Map(resourcesOf(j, "aws_route_table_association").map(([, a]) => [referencedAddress(a.route_table_id)!, subnets.get(referencedAddress(a.subnet_id)!)!]));
    const defaults = resourcesOf(j, "aws_route").filter(([, r]) => r.destination_cidr_block === "0.0.0.0/0").map(([, r]) => r);
    for (const r of defaults) expect(r.transit_gateway_id).toBe(TGW);
    expect(defaults.map((r) => `${subnetOfTable.get(referencedAddress(r.route_table_id)!)!.availability_zone}/${subnetOfTable.get(referencedAddress(r.route_table_id)!)!.tags.Tier}`).sort()).toEqual(expected.map((az) => `${az}/workload`));
  });

  test("team-b's network, Studio and notebook stacks each warn that its attachment awaits the hub, with the steps; team-a's stacks do not", () => {
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
    const warnings = (name: string): string[] => (manifest.stacks[name].annotations ?? []).filter((a: Json) => a.level === "@cdktf/warn").map((a: Json) => a.message);
    for (const name of ["team-b-network", "team-b-studio", "team-b-notebook"]) {
      expect(warnings(name)).toEqual([expect.stringMatching(/^examples\/hub\/config\/team-b\.json: egress\.attachmentId is not set: .*deploy central-inspection .*then deploy team-b-network again/)]);
    }
    for (const name of ["team-a-network", "team-a-studio"]) expect(warnings(name)).toEqual([]);
  });

  test("team-b associates the hub's shared DNS rule group; team-a keeps a DNS firewall of its own", () => {
    const assoc = (name: string) => resourcesOf(stack(name), "aws_route53_resolver_firewall_rule_group_association").map(([, r]) => r.firewall_rule_group_id);
    expect(assoc("team-b-network")).toContain("rslvr-frg-0a1b2c3d4e5f6071");
    expect(assoc("team-a-network")).not.toContain("rslvr-frg-0a1b2c3d4e5f6071");
    expect(assoc("team-a-network")).toHaveLength(1);
  });
});
