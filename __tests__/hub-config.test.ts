/**
 * Egress hubs in config (issue 24, docs/hub.md): config/hubs/<hub>.json and an environment's
 * `egress`. Each class of mistake is refused with the file, the field, the problem and the fix, all
 * problems of all files in one run; each class has a valid neighbour (the base directory) that
 * loads. Accounts, regions, AZs and ranges are written out here, not read from the code under test.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadAllEnvironments, loadConfig } from "../modules/config/load";
import { scratchDir } from "./support/scratch";
import { Testing } from "cdktf";
import { NetworkStack } from "../stacks/network-stack";
import { Json, resourcesOf, synthJson } from "./support/synth";

type Raw = Record<string, unknown>;
const HUB_ACCOUNT = "333333333333";
const A = "111111111111";
const B = "222222222222";

const hub = (over: Raw = {}): Raw => ({
  accountId: HUB_ACCOUNT,
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  vpcCidr: "100.64.0.0/23",
  share: { accountIds: [A, B] },
  ...over,
});
const spoke = (accountId: string, vpcCidr: string, over: Raw = {}, egress: Raw = {}): Raw => ({
  accountId,
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  vpcCidr,
  egress: { mode: "hub", hub: "central", transitGatewayId: "tgw-0123456789abcdef0", ...egress },
  ...over,
});

/** A config directory of `files` (path => JSON), labelled relative to itself in messages. */
function dirOf(files: Record<string, Raw>): string {
  const dir = scratchDir("hub-config");
  mkdirSync(join(dir, "hubs"));
  for (const [path, raw] of Object.entries(files)) writeFileSync(join(dir, path), JSON.stringify(raw, null, 2));
  return dir;
}

const BASE = { "hubs/central.json": hub(), "team-a.json": spoke(A, "10.10.0.0/16"), "team-b.json": spoke(B, "10.20.0.0/16") };

function problemsOf(files: Record<string, Raw>): string[] {
  const dir = dirOf(files);
  try {
    loadConfig(dir, dir);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error("config was accepted");
}

/** Exactly one problem, at `file: field: `, containing every part (the problem and the fix). */
function expectRefused(files: Record<string, Raw>, at: string, ...parts: string[]): void {
  const problems = problemsOf(files);
  expect(problems).toHaveLength(1);
  expect(problems[0].startsWith(`${at}: `)).toBe(true);
  for (const part of parts) expect(problems[0]).toContain(part);
}

describe("a hub and its spokes load", () => {
  test("the base directory: one hub, two spokes in two accounts", () => {
    const dir = dirOf(BASE);
    const { environments, hubs } = loadConfig(dir, dir);
    expect(hubs.map((h) => [h.name, h.accountId, h.region, h.sourceFile])).toEqual([["central", HUB_ACCOUNT, "eu-west-1", "hubs/central.json"]]);
    expect(hubs[0].spokeToSpoke).toBe("none");
    expect(environments.map((e) => [e.environment, e.egress])).toEqual([
      ["team-a", { mode: "hub", hub: "central", transitGatewayId: "tgw-0123456789abcdef0", sharedAllowlist: false }],
      ["team-b", { mode: "hub", hub: "central", transitGatewayId: "tgw-0123456789abcdef0", sharedAllowlist: false }],
    ]);
  });

  test("existing environments without egress are local, and a directory without hubs/ has no hubs", () => {
    const { environments, hubs } = loadConfig(join(__dirname, "..", "config"));
    expect(hubs).toEqual([]);
    expect(environments.length).toBeGreaterThan(0);
    for (const env of environments) expect(env.egress).toEqual({ mode: "local" });
  });

  test("a hub shared with the organisation covers any account; a spoke in the hub's own account needs no share", () => {
    const dir = dirOf({
      "hubs/central.json": hub({ share: { organizationArn: "arn:aws:organizations::999999999999:organization/o-abcdefghij" } }),
      "team-a.json": spoke("444444444444", "10.10.0.0/16"),
      "team-b.json": spoke(HUB_ACCOUNT, "10.20.0.0/16"),
    });
    expect(loadConfig(dir, dir).environments).toHaveLength(2);
  });
});

describe("an environment's egress is checked against its hub", () => {
  test("the hub named exists", () => {
    expectRefused({ ...BASE, "team-b.json": spoke(B, "10.20.0.0/16", {}, { hub: "centrl" }) }, "team-b.json: egress.hub", '"centrl" is not a hub', "hubs/centrl.json", '"central"');
  });

  test("the environment's region is the hub's", () => {
    expectRefused(
      { ...BASE, "team-b.json": spoke(B, "10.20.0.0/16", { region: "eu-central-1", availabilityZones: ["eu-central-1a"] }) },
      "team-b.json: region",
      '"eu-central-1" is not hub central\'s region "eu-west-1"',
      "deploy this environment to eu-west-1",
    );
  });

  test("the environment's AZs are among the hub's", () => {
    expectRefused(
      { ...BASE, "team-b.json": spoke(B, "10.20.0.0/16", { availabilityZones: ["eu-west-1a", "eu-west-1c"] }) },
      "team-b.json: availabilityZones",
      '"eu-west-1c" is not among hub central\'s availabilityZones',
      "add it to the hub's availabilityZones",
    );
  });

  test("the environment's account is one the hub shares with", () => {
    expectRefused({ ...BASE, "hubs/central.json": hub({ share: { accountIds: [A] } }) }, "team-b.json: accountId", `${B} is not an account hub central shares`, "share.accountIds");
  });

  test("no two spokes of a hub overlap, across accounts and files", () => {
    expectRefused({ ...BASE, "team-b.json": spoke(B, "10.10.128.0/17") }, "team-b.json: vpcCidr", "10.10.128.0/17 overlaps team-a.json's vpcCidr 10.10.0.0/16", "both on hub central");
  });

  test("no spoke overlaps the hub's own range", () => {
    expectRefused({ ...BASE, "team-b.json": spoke(B, "100.64.0.0/16") }, "team-b.json: vpcCidr", "overlaps hub central's own vpcCidr 100.64.0.0/23");
  });

  test("two spokes of different hubs may share a range", () => {
    const dir = dirOf({ ...BASE, "hubs/other.json": hub({ vpcCidr: "100.64.2.0/23" }), "team-b.json": spoke(B, "10.10.0.0/16", {}, { hub: "other" }) });
    expect(loadConfig(dir, dir).hubs.map((h) => h.name)).toEqual(["central", "other"]);
  });

  test("the shared allowlist exists when a spoke asks for it", () => {
    expectRefused({ ...BASE, "team-b.json": spoke(B, "10.20.0.0/16", {}, { sharedAllowlist: true }) }, "team-b.json: egress.sharedAllowlist", "has no sharedAllowlist");
  });

  test("attachmentId needs transitGatewayId first", () => {
    expectRefused(
      { ...BASE, "team-b.json": spoke(B, "10.20.0.0/16", {}, { transitGatewayId: undefined, attachmentId: "tgw-attach-0123456789abcdef0" }) },
      "team-b.json: egress.attachmentId",
      "set transitGatewayId",
    );
  });

  test("IDs of the wrong kind are refused with what they should be", () => {
    expectRefused({ ...BASE, "team-b.json": spoke(B, "10.20.0.0/16", {}, { transitGatewayId: "tgw-attach-0123456789abcdef0" }) }, "team-b.json: egress.transitGatewayId", "must be a Transit Gateway ID");
  });

  test("local-network fields written in a hub spoke are refused (the hub's firewall would silently ignore them)", () => {
    const problems = problemsOf({
      ...BASE,
      "team-b.json": spoke(B, "10.20.0.0/16", { firewall: { protocolHygiene: false, statefulDefaultAction: "drop_established" }, subnetCidrs: { "eu-west-1a": { workload: "10.20.0.0/20" } } }),
    });
    expect(problems.map((p) => p.split(": ").slice(0, 2).join(": ")).sort()).toEqual(["team-b.json: firewall.protocolHygiene", "team-b.json: firewall.statefulDefaultAction", "team-b.json: subnetCidrs"]);
    for (const p of problems) expect(p).toContain('egress.mode "local"');
  });

  test("too many spokes for one policy's 20 stateful rule groups", () => {
    const files: Record<string, Raw> = { "hubs/central.json": hub({ share: { accountIds: [A] } }) };
    // 19 spokes + hygiene + refusals = 21 groups.
    for (let i = 0; i < 19; i++) files[`team-${i}.json`] = spoke(A, `10.${i}.0.0/16`, { projectName: `p${i}` });
    const problems = problemsOf(files);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^hubs\/central\.json: \(spokes\): 19 environments use hub central .* 21 stateful rule groups; Network Firewall allows 20 per policy .*second hub/);
  });
});

describe("allowlist groups on a hub: one per environment, holding the shared names when it shares", () => {
  const SHARED = ["pypi.org", "files.pythonhosted.org"];
  const sharingHub = hub({ sharedAllowlist: { allowedDomains: SHARED } });
  const sharingSpoke = (firewall: Raw) => spoke(B, "10.20.0.0/16", { firewall }, { sharedAllowlist: true });

  test("a sharing environment's capacity must hold its own and the shared names: 2 own + 2 shared need 8", () => {
    expectRefused(
      { ...BASE, "hubs/central.json": sharingHub, "team-b.json": sharingSpoke({ allowedDomains: ["api.kaggle.com", "www.kaggle.com"], ruleGroupCapacity: 4 }) },
      "team-b.json: firewall.ruleGroupCapacity",
      "hub central",
      "hubs/central.json",
      "at least 8",
      "remove egress.sharedAllowlist",
    );
    // The valid neighbour: capacity 8; and a name on both lists counts once (3 names: 6).
    for (const firewall of [{ allowedDomains: ["api.kaggle.com", "www.kaggle.com"], ruleGroupCapacity: 8 }, { allowedDomains: ["api.kaggle.com", "pypi.org"], ruleGroupCapacity: 6 }]) {
      const dir = dirOf({ ...BASE, "hubs/central.json": sharingHub, "team-b.json": sharingSpoke(firewall) });
      expect(loadConfig(dir, dir).environments.map((e) => e.environment)).toEqual(["team-a", "team-b"]);
    }
  });

  test("groups are counted as the hub builds them: 18 environments on the shared list fill the policy exactly (18 + hygiene + refusals = 20), no group for the shared list", () => {
    const files: Record<string, Raw> = { "hubs/central.json": hub({ share: { accountIds: [A] }, sharedAllowlist: { allowedDomains: SHARED } }) };
    for (let i = 0; i < 18; i++) files[`team-${i}.json`] = spoke(A, `10.${i}.0.0/16`, { projectName: `p${i}` }, { sharedAllowlist: true });
    const dir = dirOf(files);
    expect(loadConfig(dir, dir).environments).toHaveLength(18);
  });

  test("the policy's stateful rule capacity: the groups' capacities plus 200 for hygiene and refusals may not pass 30,000", () => {
    const big = (capacity: number) => ({ ...BASE, "team-a.json": spoke(A, "10.10.0.0/16", { firewall: { ruleGroupCapacity: capacity } }), "team-b.json": spoke(B, "10.20.0.0/16", { firewall: { ruleGroupCapacity: capacity } }) });
    expectRefused(big(15000), "hubs/central.json: (spokes)", "reserve 30200 stateful rules", "30000 per policy", "second hub");
    const dir = dirOf(big(14900));
    expect(loadConfig(dir, dir).environments).toHaveLength(2);
  });

  test("loadConfig gives a sharing environment the hub's shared names (what its DNS Firewall must resolve); others get none", () => {
    const dir = dirOf({ ...BASE, "hubs/central.json": sharingHub, "team-b.json": sharingSpoke({ allowedDomains: ["api.kaggle.com"] }) });
    const envs = loadConfig(dir, dir).environments;
    expect(envs.map((e) => [e.environment, e.hubSharedAllowlist])).toEqual([
      ["team-a", undefined],
      ["team-b", SHARED],
    ]);
  });
});

describe("a sharing spoke's own DNS Firewall (no egress.dnsRuleGroupId) resolves the hub's shared names", () => {
  const dir = dirOf({
    ...BASE,
    "hubs/central.json": hub({ sharedAllowlist: { allowedDomains: ["pypi.org", ".pythonhosted.org"] } }),
    "team-b.json": spoke(B, "10.20.0.0/16", { projectName: "proj", firewall: { allowedDomains: ["api.kaggle.com"] } }, { sharedAllowlist: true }),
  });
  const env = loadConfig(dir, dir).environments.find((e) => e.environment === "team-b")!;
  const json = synthJson(new NetworkStack(Testing.app(), env));
  /** The names a domain list holds at synth: a list, or the literal list a `${distinct(compact(concat([...], <plan-time endpoint names>)))}` starts with. */
  const literalDomains = (domains: string[] | string): string[] => (typeof domains === "string" ? JSON.parse(/concat\((\[[^\]]*\])/.exec(domains)?.[1] ?? "[]") : domains);
  /** Names (in DNS Firewall's form) missing from every DNS Firewall domain list of the stack. */
  const missing = (j: Json, names: string[]) => {
    const listed = new Set(resourcesOf(j, "aws_route53_resolver_firewall_domain_list").flatMap(([, l]) => literalDomains(l.domains)));
    return names.filter((n) => !listed.has(n));
  };
  // The hub's names in DNS form: an exact name as is, ".x" as x and *.x; and the spoke's own.
  const WANT = ["pypi.org", "pythonhosted.org", "*.pythonhosted.org", "api.kaggle.com"];

  test("its domain list holds its own names and the shared ones", () => {
    expect(missing(json, WANT)).toEqual([]);
  });

  test("the check fails on a copy whose list lacks the shared names", () => {
    const broken = JSON.parse(JSON.stringify(json));
    for (const [, l] of resourcesOf(broken, "aws_route53_resolver_firewall_domain_list")) l.domains = literalDomains(l.domains).filter((d: string) => !d.includes("pypi") && !d.includes("pythonhosted"));
    expect(missing(broken, WANT)).toEqual(["pypi.org", "pythonhosted.org", "*.pythonhosted.org"]);
  });

  test("an environment given without its hub's shared names is refused at synth rather than resolving NXDOMAIN for them", () => {
    expect(() => new NetworkStack(Testing.app(), { ...env, hubSharedAllowlist: undefined })).toThrow(/egress\.sharedAllowlist is on, but the hub's shared allowlist was not given.*loadConfig.*hubs\/central\.json/);
  });
});

describe("a hub file is validated like an environment file", () => {
  test("every problem of the hub file at once, each with its field", () => {
    const problems = problemsOf({
      ...BASE,
      "hubs/central.json": hub({ accountId: "3333", availabilityZones: ["eu-west-1a", "us-east-1b"], vpcCidr: "100.64.0.0/25", share: {}, spokeToSpoke: "open", extra: 1 }),
    });
    const fields = problems.map((p) => p.split(": ")[1]);
    expect(fields.sort()).toEqual(["accountId", "availabilityZones[1]", "extra", "share", "spokeToSpoke"].sort());
    for (const p of problems) expect(p.startsWith("hubs/central.json: ")).toBe(true);
  });

  test("the inspection VPC's range fits its plan (/16 to /23)", () => {
    expectRefused({ ...BASE, "hubs/central.json": hub({ vpcCidr: "100.64.0.0/25" }) }, "hubs/central.json: vpcCidr", "/25", "/23");
  });

  test("a hub file that does not validate: its spokes are not also told the hub is missing", () => {
    const problems = problemsOf({ ...BASE, "hubs/central.json": hub({ region: "EU-WEST-1" }) });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^hubs\/central\.json: region: /);
  });

  test("loadAllEnvironments (the tools' entry) runs the hub rules too", () => {
    const dir = dirOf({ ...BASE, "team-b.json": spoke(B, "10.20.0.0/16", {}, { hub: "nowhere" }) });
    expect(() => loadAllEnvironments(dir, dir)).toThrow(/team-b\.json: egress\.hub: "nowhere" is not a hub/);
  });
});

test("a hub no environment uses is refused (its firewall's HOME_NET would be empty)", () => {
  expectRefused({ ...BASE, "hubs/spare.json": hub({ vpcCidr: "100.64.2.0/23" }) }, "hubs/spare.json: (spokes)", "no environment uses hub spare", '"hub": "spare"');
});
