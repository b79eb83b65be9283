/**
 * The plan review's parts that need no plan: statement-level policy diffs (whose "widens" verdicts
 * are checked against IAM's own evaluation, by iam-simulate), the stack order of --run, the CLI's
 * handling of a directory of plans, and the README's cost table, which the review's cost model
 * must agree with.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { diffPolicies, parsePolicy } from "../scripts/plan-review/policy-diff";
import { planOrder, reviewDirectory, stacksOfEnvironment } from "../scripts/plan-review/cli";
import { HOURS_PER_MONTH, UNIT_PRICES } from "../scripts/plan-review/cost";
import { domainCovers, isPublicCidr, KNOWN_TYPES, leafChanges, reviewPlan } from "../scripts/plan-review/review";
import { IamPolicy, simulate } from "./support/iam";
import { scratchDir } from "./support/scratch";

const ROLE = "arn:aws:iam::111122223333:role/app";
const BUCKET = "arn:aws:s3:::data";

const policy = (...Statement: IamPolicy["Statement"]): IamPolicy => ({ Version: "2012-10-17", Statement });
const diff = (a: IamPolicy, b: IamPolicy) => diffPolicies(parsePolicy(JSON.stringify(a))!, parsePolicy(JSON.stringify(b))!);
const decision = async (p: IamPolicy, action: string, resource: string, context: Record<string, string> = {}) =>
  (await simulate({ principal: { arn: ROLE, identityPolicies: [{ name: "p", policy: p }] }, action, resource: { arn: resource, account: "111122223333" }, context })).decision;

describe("policy diffs", () => {
  const read = policy({ Sid: "Read", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${BUCKET}/*`], Condition: { StringEquals: { "aws:SourceVpc": ["vpc-1"] } } });

  test("the same statements in another order or spelling are no change", () => {
    const respelled = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Sid: "Read", Resource: `${BUCKET}/*`, Action: "s3:GetObject", Condition: { StringEquals: { "aws:SourceVpc": "vpc-1" } } }] };
    expect(diffPolicies(parsePolicy(JSON.stringify(read))!, parsePolicy(JSON.stringify(respelled))!)).toEqual([]);
  });

  test("a removed condition widens, and IAM agrees: a request it used to refuse is now allowed", async () => {
    const after = policy({ Sid: "Read", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${BUCKET}/*`] });
    const [c] = diff(read, after);
    expect(c.widens).toEqual(["condition StringEquals aws:SourceVpc removed"]);
    expect(await decision(read, "s3:GetObject", `${BUCKET}/x`, { "aws:SourceVpc": "vpc-2" })).toBe("ImplicitlyDenied");
    expect(await decision(after, "s3:GetObject", `${BUCKET}/x`, { "aws:SourceVpc": "vpc-2" })).toBe("Allowed");
  });

  test("an added action widens; an added condition does not (IAM: the old request is refused now)", async () => {
    const more = policy({ ...read.Statement[0], Action: ["s3:GetObject", "s3:PutObject"] });
    expect(diff(read, more)[0].widens).toEqual(["Action added: s3:PutObject"]);
    expect(await decision(more, "s3:PutObject", `${BUCKET}/x`, { "aws:SourceVpc": "vpc-1" })).toBe("Allowed");
    const stricter = policy({ ...read.Statement[0], Condition: { ...read.Statement[0].Condition, Bool: { "aws:SecureTransport": ["true"] } } });
    expect(diff(read, stricter)[0].widens).toEqual([]);
    expect(await decision(stricter, "s3:GetObject", `${BUCKET}/x`, { "aws:SourceVpc": "vpc-1", "aws:SecureTransport": "false" })).toBe("ImplicitlyDenied");
  });

  test("an added resource widens, unless it only places work in the network (a subnet, a security group)", () => {
    const wild = policy({ ...read.Statement[0], Resource: [`${BUCKET}/*`, "*"] });
    expect(diff(read, wild)[0].widens).toEqual(["Resource added: *"]);
    const named = policy({ ...read.Statement[0], Resource: [`${BUCKET}/*`, "arn:aws:s3:::other/key"] });
    expect(diff(read, named)[0].widens).toEqual(["Resource added: arn:aws:s3:::other/key"]);
    const subnets = (ids: string[]) => policy({ Sid: "Jobs", Effect: "Allow", Action: ["sagemaker:CreateTrainingJob"], Resource: ids.map((i) => `arn:aws:ec2:us-east-1:111122223333:subnet/${i}`) });
    const [c] = diff(subnets(["subnet-a"]), subnets(["subnet-a", "subnet-d"]));
    expect(c.fields.Resource).toEqual({ added: ["arn:aws:ec2:us-east-1:111122223333:subnet/subnet-d"], removed: [] });
    expect(c.widens).toEqual([]);
  });

  test("a value added to a condition widens (another account), except a subnet for SageMaker's VPC keys", () => {
    const perimeter = (accounts: string[]) => policy({ Sid: "P", Effect: "Allow", Principal: "*", Action: ["s3:GetObject"], Resource: ["*"], Condition: { StringEquals: { "aws:PrincipalAccount": accounts } } });
    expect(diff(perimeter(["111122223333"]), perimeter(["111122223333", "999999999999"]))[0].widens).toEqual(["condition StringEquals aws:PrincipalAccount now matches more (999999999999)"]);
    const jobs = (subnets: string[]) => policy({ Sid: "J", Effect: "Allow", Action: ["sagemaker:CreateTrainingJob"], Resource: ["*"], Condition: { "ForAllValues:StringEquals": { "sagemaker:VpcSubnets": subnets } } });
    expect(diff(jobs(["subnet-a"]), jobs(["subnet-a", "subnet-d"]))[0].widens).toEqual([]);
  });

  test("a Deny that is removed or covers less widens (IAM: the request is allowed again)", async () => {
    const allowAll = { Sid: "All", Effect: "Allow" as const, Action: ["s3:*"], Resource: ["*"] };
    const denied = policy(allowAll, { Sid: "NoDelete", Effect: "Deny", Action: ["s3:DeleteObject", "s3:DeleteBucket"], Resource: ["*"] });
    const narrower = policy(allowAll, { Sid: "NoDelete", Effect: "Deny", Action: ["s3:DeleteBucket"], Resource: ["*"] });
    expect(diff(denied, narrower)[0].widens).toEqual(["Deny no longer covers Action: s3:DeleteObject"]);
    expect(await decision(denied, "s3:DeleteObject", `${BUCKET}/x`)).toBe("ExplicitlyDenied");
    expect(await decision(narrower, "s3:DeleteObject", `${BUCKET}/x`)).toBe("Allowed");
    expect(diff(denied, policy(allowAll)).map((c) => c.widens)).toEqual([["Deny statement NoDelete removed"]]);
  });

  test("an added Allow statement widens; principals compare as IAM reads them ('*' is {AWS: '*'})", () => {
    expect(diff(read, policy(read.Statement[0], { Sid: "New", Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["*"] })).map((c) => c.widens)).toEqual([["new Allow statement New: kms:Decrypt"]]);
    const star = policy({ Sid: "P", Effect: "Allow", Principal: "*", Action: ["s3:GetObject"], Resource: [`${BUCKET}/*`] });
    const awsStar = policy({ Sid: "P", Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetObject"], Resource: [`${BUCKET}/*`] });
    expect(diff(star, awsStar)).toEqual([]);
  });
});

describe("policy diffs: negations", () => {
  const base = { Sid: "S", Effect: "Allow" as const, Action: ["s3:GetObject"], Resource: [`${BUCKET}/*`] };

  test("Action turned into NotAction in an Allow widens (IAM: an action it never allowed is allowed now)", async () => {
    const after = policy({ Sid: "S", Effect: "Allow", NotAction: ["iam:*"], Resource: [`${BUCKET}/*`] });
    expect(diff(policy(base), after)[0].widens).toEqual(["now allows everything except Action: iam:*"]);
    expect(await decision(policy(base), "s3:DeleteObject", `${BUCKET}/x`)).toBe("ImplicitlyDenied");
    expect(await decision(after, "s3:DeleteObject", `${BUCKET}/x`)).toBe("Allowed");
  });

  test("a Deny with a negated condition widens when it lists more exemptions, not fewer (IAM agrees)", async () => {
    const allow = { Sid: "All", Effect: "Allow" as const, Action: ["s3:GetObject"], Resource: ["*"] };
    const deny = (vpces: string[]) => policy(allow, { Sid: "OnlyOurEndpoint", Effect: "Deny", Action: ["s3:*"], Resource: ["*"], Condition: { StringNotEquals: { "aws:SourceVpce": vpces } } });
    const [more] = diff(deny(["vpce-1"]), deny(["vpce-1", "vpce-attacker"]));
    expect(more.widens).toEqual(["Deny condition StringNotEquals aws:SourceVpce matches less (now also excludes vpce-attacker)"]);
    expect(await decision(deny(["vpce-1"]), "s3:GetObject", `${BUCKET}/x`, { "aws:SourceVpce": "vpce-attacker" })).toBe("ExplicitlyDenied");
    expect(await decision(deny(["vpce-1", "vpce-attacker"]), "s3:GetObject", `${BUCKET}/x`, { "aws:SourceVpce": "vpce-attacker" })).toBe("Allowed");
    const [fewer] = diff(deny(["vpce-1", "vpce-2"]), deny(["vpce-1"]));
    expect(fewer.widens).toEqual([]);
  });

  test("an Allow with a negated condition widens when it excludes less", () => {
    const allow = (ips: string[]) => policy({ ...base, Condition: { NotIpAddress: { "aws:SourceIp": ips } } });
    expect(diff(allow(["203.0.113.0/24", "198.51.100.0/24"]), allow(["203.0.113.0/24"]))[0].widens).toEqual(["condition NotIpAddress aws:SourceIp now matches more (no longer excludes 198.51.100.0/24)"]);
    expect(diff(allow(["203.0.113.0/24"]), allow(["203.0.113.0/24", "198.51.100.0/24"]))[0].widens).toEqual([]);
  });
});

test("leaf changes name the nested path and never show a sensitive value", () => {
  const leaves = leafChanges({ a: [{ x: 1, y: "s3cr3t" }] }, { a: [{ x: 2, y: "n3w" }] }, { a: [{}] }, { a: [{ y: true }] }, { a: [{ y: true }] }, "attr");
  expect(leaves.map((l) => [l.path, l.sensitive])).toEqual([
    ["attr.a.0.x", false],
    ["attr.a.0.y", true],
  ]);
  expect(JSON.stringify(leaves.filter((l) => l.sensitive))).not.toMatch(/s3cr3t|n3w/);
});

describe("plan-review CLI", () => {
  const manifest = {
    stacks: {
      "dev-studio": { dependencies: ["dev-network"], workingDirectory: "stacks/dev-studio" },
      "dev-network": { dependencies: [], workingDirectory: "stacks/dev-network" },
      "dev-notebook": { dependencies: ["dev-network"], workingDirectory: "stacks/dev-notebook" },
      "dev-eu-network": { dependencies: [], workingDirectory: "stacks/dev-eu-network" },
      "prod-network": { dependencies: [], workingDirectory: "stacks/prod-network" },
    },
  };

  test("plans networks before the workloads that read their contract, and an environment's stacks only", () => {
    const order = planOrder(manifest, stacksOfEnvironment(manifest, "dev"));
    expect(order).toEqual(["dev-network", "dev-notebook", "dev-studio"]);
    expect(planOrder(manifest, ["dev-studio"])).toEqual(["dev-studio"]);
    expect(planOrder(manifest).indexOf("dev-network")).toBeLessThan(planOrder(manifest).indexOf("dev-studio"));
    expect(() => planOrder(manifest, ["qa-network"])).toThrow(/no stack qa-network in cdktf.out/);
    expect(() => stacksOfEnvironment(manifest, "qa")).toThrow(/config\/qa.json/);
  });

  test("a failed plan gets a review that says so, with terraform's error, and counts as failed", () => {
    const dir = scratchDir("plan-review-dir");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "dev-network.exit"), "1");
    writeFileSync(join(dir, "dev-network.txt"), "Error: creating EC2 VPC: UnauthorizedOperation");
    writeFileSync(join(dir, "dev-studio.json"), JSON.stringify({ resource_changes: [], output_changes: {} }));
    writeFileSync(join(dir, "dev-studio.exit"), "0");
    const reviews = reviewDirectory(dir, "abc");
    expect(reviews.map((r) => [r.stack, r.verdict])).toEqual([
      ["dev-network", "needs attention"],
      ["dev-studio", "no changes"],
    ]);
    const md = readFileSync(join(dir, "dev-network.md"), "utf8");
    expect(md).toContain("plan failed");
    expect(md).toContain("UnauthorizedOperation");
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
    expect(summary.stacks["dev-network"].failed).toBe(true);
    expect(summary.stacks["dev-studio"].failed).toBe(false);
    expect(existsSync(join(dir, "dev-studio.md"))).toBe(true);
  });
});

test("the review's unit prices are docs/cost.md's cost table's", () => {
  const section = readFileSync(join(__dirname, "..", "docs", "cost.md"), "utf8");
  expect(section).toMatch(/^# Cost per AZ/);
  const rows = [...section.matchAll(/^\| ([^|]+) \| \$([0-9.]+) \/ hour(?: each)? \| \$([0-9.]+) \|/gm)].map((m) => [m[1].trim(), Number(m[2]), Number(m[3])] as const);
  const byName = (prefix: string) => rows.find(([name]) => name.startsWith(prefix));
  expect(byName("NAT gateway")?.[1]).toBe(UNIT_PRICES.natGateway);
  expect(byName("Elastic IP")?.[1]).toBe(UNIT_PRICES.publicIpv4);
  expect(byName("Network Firewall endpoint")?.[1]).toBe(UNIT_PRICES.firewallEndpoint);
  expect(byName("interface endpoints")?.[1]).toBe(UNIT_PRICES.interfaceEndpointEni);
  // The table's monthly column is its hourly column times the hours the review uses.
  expect(byName("NAT gateway")?.[2]).toBeCloseTo(UNIT_PRICES.natGateway * HOURS_PER_MONTH, 2);
  expect(section).toMatch(/three KMS keys[^.]*\(\$1\/month each\)/);
  expect(UNIT_PRICES.kmsKeyMonthly).toBe(1);
});

test("the review knows every resource type the project creates (else its creates would be flagged as foreign)", () => {
  const root = join(__dirname, "..");
  const files = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
  const types = new Set<string>();
  for (const f of [...files("modules"), ...files("stacks")])
    for (const m of readFileSync(join(root, f), "utf8").matchAll(/@cdktf\/provider-aws\/lib\/([a-z0-9-]+)/g))
      if (!m[1].startsWith("data-") && m[1] !== "provider") types.add(`aws_${m[1].replace(/-/g, "_")}`);
  expect(types.size).toBeGreaterThan(40);
  expect([...types].filter((t) => !KNOWN_TYPES.has(t))).toEqual([]);
});

test("public address ranges are the internet, private ones are not", () => {
  for (const c of ["0.0.0.0/0", "128.0.0.0/1", "8.8.8.0/24", "10.0.0.0/7", "::/0", "2001:db8::/32"]) expect({ c, pub: isPublicCidr(c) }).toEqual({ c, pub: true });
  for (const c of ["10.2.0.0/16", "172.16.0.0/12", "192.168.1.0/24", "100.64.0.0/10", "fd00::/8"]) expect({ c, pub: isPublicCidr(c) }).toEqual({ c, pub: false });
});

test("a list entry covers another by AWS's matching rules (a removed name still allowed is no loss of access)", () => {
  // Network Firewall (RulesSourceList Targets): "abc.example.com" matches only itself; ".example.com"
  // matches example.com and all its subdomains. Route 53 Resolver DNS Firewall: "*.example.com"
  // matches the subdomains of example.com, not example.com itself.
  const cases: Array<[string, string, boolean]> = [
    ["files.pythonhosted.org", "files.pythonhosted.org", true],
    ["pythonhosted.org", "files.pythonhosted.org", false],
    [".pythonhosted.org", "files.pythonhosted.org", true],
    [".pythonhosted.org", "pythonhosted.org", true],
    [".pythonhosted.org", "a.b.pythonhosted.org", true],
    [".pythonhosted.org", "notpythonhosted.org", false],
    [".pythonhosted.org", ".files.pythonhosted.org", true],
    [".files.pythonhosted.org", ".pythonhosted.org", false],
    ["*.pythonhosted.org", "files.pythonhosted.org", true],
    ["*.pythonhosted.org", "pythonhosted.org", false],
    ["*.pythonhosted.org", ".pythonhosted.org", false],
    [".pythonhosted.org", "*.pythonhosted.org", true],
    ["*.pythonhosted.org", "*.files.pythonhosted.org", true],
    ["*.pythonhosted.org", ".files.pythonhosted.org", true],
    ["*.example.com", "*.pythonhosted.org", false],
  ];
  for (const [entry, name, covers] of cases) expect({ entry, name, covers: domainCovers(entry, name) }).toEqual({ entry, name, covers });
});

// A plan holds expanded names only: a preset added or removed in config shows as its names, and
// the review labels names that belong to a preset and says why a preset's shared hosting is there.
describe("allowlist presets in the review", () => {
  const ADDRESS = "aws_networkfirewall_rule_group.network_inspection_domain-allowlist_0123ABCD";
  const ruleGroup = (targets: string[]) => ({
    name: "p-dev-domain-allowlist",
    rule_group: [{ rules_source: [{ rules_source_list: [{ generated_rules_type: "ALLOWLIST", target_types: ["HTTP_HOST", "TLS_SNI"], targets }] }] }],
  });
  /** The review of one update of the allowlist rule group from `before` to `after`. */
  const reviewOf = (before: string[], after: string[]) =>
    reviewPlan({
      stack: "dev-network",
      exitCode: 2,
      plan: {
        resource_changes: [
          { address: ADDRESS, mode: "managed", type: "aws_networkfirewall_rule_group", name: "network_inspection_domain-allowlist_0123ABCD", change: { actions: ["update"], before: ruleGroup(before), after: ruleGroup(after), after_unknown: {} } },
        ],
        prior_state: { values: { root_module: { resources: [{ mode: "managed", address: ADDRESS, values: ruleGroup(before) }] } } },
      },
    }).markdown;

  test("a preset swapped for another shows each as its names, labelled with the preset", () => {
    // { "preset": "pip" } replaced by { "preset": "github" }; www.kaggle.com stays.
    const md = reviewOf(
      ["www.kaggle.com", "pypi.org", "files.pythonhosted.org"],
      ["www.kaggle.com", "github.com", "codeload.github.com", "objects.githubusercontent.com", "raw.githubusercontent.com", "github-cloud.githubusercontent.com"],
    );
    expect(md).toContain("firewall allowlist: ➕ `codeload.github.com`, `github-cloud.githubusercontent.com`, `github.com`, `objects.githubusercontent.com`, `raw.githubusercontent.com`");
    expect(md).toContain("firewall allowlist: ➖ `files.pythonhosted.org`, `pypi.org`");
    expect(md).toContain(
      "firewall allowlist, by preset: github ➕ all its names: `codeload.github.com`, `github-cloud.githubusercontent.com`, `github.com`, `objects.githubusercontent.com`, `raw.githubusercontent.com`; pip ➖ all its names: `files.pythonhosted.org`, `pypi.org`",
    );
    expect(md).not.toContain("`www.kaggle.com`"); // unchanged, and in no preset
  });

  test("shared hosting a preset brings is a change to read, with the preset's reason", () => {
    const md = reviewOf(["pypi.org"], ["pypi.org", "raw.githubusercontent.com"]);
    const toRead = md.split("### ⚠️ To read")[1].split("###")[0];
    expect(toRead).toMatch(/shared hosting opened \(anyone can publish there\): `raw\.githubusercontent\.com` \(preset github: .{20,}\)/);
    expect(md).toContain("firewall allowlist, by preset: github ➕ `raw.githubusercontent.com`");
  });

  test("shared hosting no preset brings is flagged as acknowledged in the config; names in no preset get no label", () => {
    const md = reviewOf(["pypi.org"], ["pypi.org", "storage.googleapis.com", "api.kaggle.com"]);
    expect(md).toMatch(/shared hosting opened \(anyone can publish there\): `storage\.googleapis\.com` \(acknowledged in the config file\)/);
    expect(md).not.toContain("by preset");
  });
});

test("deleting the Studio domain or a profile says spaces' EBS volumes go and ~/user-default-efs is left behind", () => {
  // New-Studio spaces keep /home/sagemaker-user on their own EBS volume; only ~/user-default-efs is on the retained home EFS.
  const del = (type: string, name: string, values: Record<string, unknown>) => ({ address: `${type}.${name}`, mode: "managed", type, name, change: { actions: ["delete"], before: values, after: null, after_unknown: {} } });
  const md = reviewPlan({
    stack: "dev-studio",
    exitCode: 2,
    plan: { resource_changes: [del("aws_sagemaker_domain", "domain", { domain_name: "d" }), del("aws_sagemaker_user_profile", "alice", { user_profile_name: "alice" })] },
  }).markdown;
  const line = (type: string) => md.split("\n").find((l) => l.includes(`\`${type}\``)) ?? "";
  expect(line("aws_sagemaker_domain")).toMatch(/EBS volume/);
  expect(line("aws_sagemaker_domain")).toContain("~/user-default-efs");
  expect(line("aws_sagemaker_user_profile")).toMatch(/`alice`'s private spaces \(each with its EBS volume\)/);
  expect(md).not.toMatch(/home director(y|ies) .*orphaned/);
});

/** The review of a plan that updates one resource from `before` to `after`, in an environment of account 111122223333. */
function reviewOfUpdate(stack: string, type: string, name: string, before: Record<string, unknown>, after: Record<string, unknown>) {
  const address = `${type}.${name}`;
  return reviewPlan({
    stack,
    exitCode: 2,
    plan: {
      configuration: { provider_config: { aws: { expressions: { allowed_account_ids: { constant_value: ["111122223333"] } } } } },
      resource_changes: [{ address, mode: "managed", type, name, change: { actions: ["update"], before, after, after_unknown: {} } }],
      prior_state: { values: { root_module: { resources: [{ mode: "managed", address, values: before }] } } },
    },
  });
}

/** One resource change as terraform's plan JSON writes it. */
function rc(type: string, name: string, actions: string[], before: Record<string, unknown> | null, after: Record<string, unknown> | null) {
  return { address: `${type}.${name}`, mode: "managed", type, name, change: { actions, before, after, after_unknown: {} } };
}

/** The review of `changes` to a deployed `stack` (`deployed` in its state) in `account`. */
function reviewOfChanges(stack: string, account: string, deployed: string, changes: ReturnType<typeof rc>[]) {
  return reviewPlan({
    stack,
    exitCode: 2,
    plan: {
      configuration: { provider_config: { aws: { expressions: { allowed_account_ids: { constant_value: [account] } } } } },
      resource_changes: changes,
      prior_state: { values: { root_module: { resources: [{ mode: "managed", address: deployed, values: {} }] } } },
    },
  });
}

/** A review's "To read" section. */
const toRead = (md: string) => (md.split("### ⚠️ To read")[1] ?? "").split("\n### ")[0];

test("a policy naming SageMaker's image registry accounts says so under the resource; another foreign account needs attention", () => {
  const doc = (accounts: string[]) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "EcrPullImages", Effect: "Allow", Action: ["ecr:BatchGetImage"], Resource: "*", Condition: { StringEquals: { "aws:ResourceAccount": accounts } } }],
    });
  const policy = (accounts: string[]) => ({ name: "p-dev-jobs", policy: doc(accounts) });
  const review = reviewOfUpdate("dev-studio", "aws_iam_policy", "jobs", policy(["111122223333"]), policy(["111122223333", "763104351884", "210987654321"]));
  const toRead = review.markdown.split("### ⚠️ To read")[1] ?? "";
  // us-east-1's deep learning containers account (SageMaker Python SDK, image_uri_config/pytorch.json)
  expect(review.markdown).toMatch(/names 1 of SageMaker's image registry accounts \(`763104351884`/);
  expect(toRead).toContain("names account `210987654321`, not this environment's");
  expect(toRead).not.toContain("names account `763104351884`");
});

test("a SageMaker image account anywhere but as the source of ECR pulls (here: trusted to assume a role) needs attention like any other", () => {
  const trust = (principals: string[]) => ({
    name: "p-dev-role",
    assume_role_policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: principals } }] }),
  });
  const md = reviewOfUpdate("dev-studio", "aws_iam_role", "r", trust(["arn:aws:iam::111122223333:root"]), trust(["arn:aws:iam::111122223333:root", "arn:aws:iam::763104351884:root"])).markdown;
  expect(md.split("### ⚠️ To read")[1] ?? "").toContain("names account `763104351884`, not this environment's");
  expect(md).not.toContain("SageMaker's image registry accounts");
});

test("a DNS firewall rule that stops blocking (dnsFirewall.mode block to alert) says DNS tunnelling is open again", () => {
  const rule = (action: string) => ({ name: "p-dev-dns-fallback", action, block_response: action === "BLOCK" ? "NXDOMAIN" : null, priority: 200 });
  const review = (from: string, to: string) => reviewOfUpdate("dev-network", "aws_route53_resolver_firewall_rule", "fallback", rule(from), rule(to)).markdown;
  expect(review("BLOCK", "ALERT").split("### ⚠️ To read")[1] ?? "").toMatch(/stops blocking \(BLOCK to ALERT\).*DNS tunnelling/);
  expect(review("ALERT", "BLOCK")).not.toContain("stops blocking");
});

describe("egress hub changes in the review (docs/hub.md)", () => {
  // A hub's plan, written out as terraform's plan JSON shapes it: a spoke's accepter, its route and
  // its blackhole in the gateway's tables (created), and another spoke's accepter (deleted).
  const accepter = (attachment: string, spoke: string, account: string) => ({
    transit_gateway_attachment_id: attachment,
    transit_gateway_default_route_table_association: false,
    transit_gateway_default_route_table_propagation: false,
    tags: { Name: `central-${spoke}`, Spoke: spoke, SpokeAccount: account },
  });
  // A deployed hub: its gateway is in the state.
  const hubPlan = (changes: ReturnType<typeof rc>[]) => reviewOfChanges("central-inspection", "333333333333", "aws_ec2_transit_gateway.hub_tgw", changes);

  test("a spoke's accepter and its route are changes to read, naming the spoke, its account, its attachment and range; its blackhole is not", () => {
    const r = hubPlan([
      rc("aws_ec2_transit_gateway_vpc_attachment_accepter", "hub_spoke-team-c_accepter_9BA7CC98", ["create"], null, accepter("tgw-attach-0c0c0c0c0c0c0c0c0", "team-c", "444455556666")),
      rc("aws_ec2_transit_gateway_route", "hub_spoke-team-c_route_B1AB99F7", ["create"], null, { destination_cidr_block: "10.30.0.0/16", blackhole: false }),
      rc("aws_ec2_transit_gateway_route", "hub_spoke-team-c_blackhole_9692278E", ["create"], null, { destination_cidr_block: "10.31.0.0/16", blackhole: true }),
    ]);
    const text = toRead(r.markdown);
    expect(text).toContain("accepts the attachment `tgw-attach-0c0c0c0c0c0c0c0c0` of spoke `team-c` (account `444455556666`)");
    expect(text).toContain("carries `10.30.0.0/16` to an attachment");
    expect(text).not.toContain("10.31.0.0/16");
    expect(r.items.map((i) => i.concern)).toEqual(["egress", "egress", "egress"]);
    expect(r.verdict).toBe("needs attention");
  });

  test("deleting a spoke's accepter says its attachment goes with it and its egress stops, among the destructive changes and the changes to read", () => {
    const r = hubPlan([rc("aws_ec2_transit_gateway_vpc_attachment_accepter", "hub_spoke-team-a_accepter_DDD3ADA6", ["delete"], accepter("tgw-attach-0a0a0a0a0a0a0a0a0", "team-a", "111111111111"), null)]);
    expect(toRead(r.markdown)).toContain("**the attachment `tgw-attach-0a0a0a0a0a0a0a0a0` of spoke `team-a` (account `111111111111`) is deleted with it** and that spoke's egress stops");
    expect(r.destructive.map((i) => i.type)).toEqual(["aws_ec2_transit_gateway_vpc_attachment_accepter"]);
    expect(r.reasons).toEqual(expect.arrayContaining(["1 other resource(s) deleted or replaced"]));
  });

  test("a route deleted, or an accepter updated in place (its tags), is not read as a new path", () => {
    const r = hubPlan([
      rc("aws_ec2_transit_gateway_route", "hub_spoke-team-a_route_0CECA244", ["delete"], { destination_cidr_block: "10.10.0.0/16", blackhole: false }, null),
      rc("aws_ec2_transit_gateway_vpc_attachment_accepter", "hub_spoke-team-b_accepter_1", ["update"], accepter("tgw-attach-0b0b", "team-b", "222222222222"), { ...accepter("tgw-attach-0b0b", "team-b", "222222222222"), tags: { Owner: "x" } }),
    ]);
    expect(toRead(r.markdown)).not.toMatch(/carries|accepts the attachment|is deleted with it/);
  });
});

describe("SageMaker changes that interrupt users or fail the apply", () => {
  // Plan JSON as terraform writes it: resource_changes with actions, before, after; a deployed stack
  // (something in prior_state), in account 111122223333.
  const review = (changes: ReturnType<typeof rc>[]) => reviewOfChanges("dev-studio", "111122223333", "aws_sagemaker_domain.d", changes);
  const destructiveSection = (md: string) => (md.split("### 🛑 Destructive changes")[1] ?? "").split("\n### ")[0];

  test("a notebook instance updated in place is stopped and started again (provider 5.100.0); a tags-only update is not", () => {
    const nb = (extra: Record<string, unknown>) => ({ name: "p-dev-notebook", instance_type: "ml.t3.medium", volume_size: 50, tags: { Team: "a" }, ...extra });
    const resized = toRead(review([rc("aws_sagemaker_notebook_instance", "notebook", ["update"], nb({}), nb({ instance_type: "ml.m5.xlarge" }))]).markdown);
    expect(resized).toMatch(/`p-dev-notebook`.*stopped.*`instance_type`.*started again if it was running.*kernels end.*volume.*kept/);
    const retagged = toRead(review([rc("aws_sagemaker_notebook_instance", "notebook", ["update"], nb({}), nb({ tags: { Team: "b" } }))]).markdown);
    expect(retagged).not.toMatch(/stopped/);
  });

  test("a deleted execution role says deleted (not re-created), and that what it owns is left to administrators", () => {
    const trust = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });
    const role = (name: string, service = "sagemaker.amazonaws.com") => ({ name, assume_role_policy: trust(service) });
    const deleted = destructiveSection(review([rc("aws_iam_role", "alice_role", ["delete"], role("p-dev-alice-us-east-1"), null)]).markdown);
    expect(deleted).toMatch(/`p-dev-alice-us-east-1` is \*\*deleted\*\*/);
    expect(deleted).not.toMatch(/re-created/);
    // The owner tag the execution role's policies key ownership on (modules/sagemaker/execution-role.ts).
    expect(deleted).toContain("`sagemaker-anfw:owner` = `p-dev-alice-us-east-1`");
    expect(deleted).toMatch(/only by administrators\*\* \(or by a role of the same name created later\)/);
    // A role SageMaker does not assume owns no work; a replaced role is re-created.
    const other = destructiveSection(review([rc("aws_iam_role", "flow", ["delete"], role("p-dev-flow-logs", "vpc-flow-logs.amazonaws.com"), null)]).markdown);
    expect(other).toMatch(/`p-dev-flow-logs` is \*\*deleted\*\*/);
    expect(other).not.toContain("sagemaker-anfw:owner");
    const replaced = destructiveSection(review([rc("aws_iam_role", "alice_role", ["delete", "create"], role("p-dev-alice-us-east-1"), role("p-dev-alice-us-east-1"))]).markdown);
    expect(replaced).toMatch(/re-created/);
  });

  test("deleting a Studio lifecycle config says the apply fails while apps use it, and what to do", () => {
    const lc = (name: string) => ({ studio_lifecycle_config_name: name, studio_lifecycle_config_app_type: "JupyterLab" });
    const deleted = review([rc("aws_sagemaker_studio_lifecycle_config", "user-lifecycle-alice-0a1b2c3d", ["delete"], lc("p-dev-alice-0a1b2c3d"), null)]).markdown;
    expect(toRead(deleted)).toMatch(/`p-dev-alice-0a1b2c3d` \*\*fails while a running app uses it\*\*.*next apply deletes it.*stop their JupyterLab spaces/);
    expect(destructiveSection(deleted)).not.toMatch(/hold no data/);
    // create_before_destroy: the old side of the replacement is left deposed.
    const replaced = review([rc("aws_sagemaker_studio_lifecycle_config", "trusted-ca", ["create", "delete"], lc("p-dev-trusted-ca"), lc("p-dev-trusted-ca"))]).markdown;
    expect(toRead(replaced)).toMatch(/`p-dev-trusted-ca` \*\*fails while a running app uses it\*\*.*left deposed/);
  });

  test("a policy that first refuses untagged creates (Sid DenyUntaggedCreates) tells users to restart; not when already there or for a new role", () => {
    const doc = (...sids: string[]) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: sids.map((Sid) => ({ Sid, Effect: Sid.startsWith("Deny") ? "Deny" : "Allow", Action: ["sagemaker:CreateTrainingJob"], Resource: "*", Condition: { Null: { "aws:RequestTag/sagemaker-anfw:owner": "true" } } })),
      });
    const policy = (sids: string[]) => ({ name: "p-dev-alice-us-east-1-ownership", policy: doc(...sids) });
    const restart = /starts refusing creates without the owner tag.*restart.*\*\*Tell users to restart\*\*/;
    // The upgrade: the ownership part is created for an existing role.
    expect(toRead(review([rc("aws_iam_policy", "ownership", ["create"], null, policy(["ManageOwnWorkOnly", "DenyUntaggedCreates"]))]).markdown)).toMatch(restart);
    // An update that adds the statement (requireOwnerTag turned back on).
    expect(toRead(review([rc("aws_iam_policy", "ownership", ["update"], policy(["ManageOwnWorkOnly"]), policy(["ManageOwnWorkOnly", "DenyUntaggedCreates"]))]).markdown)).toMatch(restart);
    // Already enforced: its conditions change, nothing new for running apps.
    const before = policy(["DenyUntaggedCreates"]);
    const after = { ...before, policy: before.policy.replace('"true"', '"false"') };
    expect(review([rc("aws_iam_policy", "ownership", ["update"], before, after)]).markdown).not.toMatch(/Tell users to restart/);
    // A new user's role and its policy: no app runs with it yet.
    const newRole = rc("aws_iam_role", "bob_role", ["create"], null, { name: "p-dev-bob-us-east-1" });
    expect(review([newRole, rc("aws_iam_policy", "bob_ownership", ["create"], null, { ...policy(["DenyUntaggedCreates"]), name: "p-dev-bob-us-east-1-ownership" })]).markdown).not.toMatch(/Tell users to restart/);
  });
});

describe("policy diffs: an ...IfExists condition made strict", () => {
  // requireOwnerTag's default (modules/sagemaker/execution-role.ts): StringEqualsIfExists on the
  // request's owner tag became StringEquals; the upgrade's preview called it "widens" on every role.
  const stmt = (op: string, values: string[]) => policy({ Sid: "Jobs", Effect: "Allow", Action: ["sagemaker:CreateTrainingJob"], Resource: ["*"], Condition: { [op]: { "aws:RequestTag/owner": values } } });

  test("StringEqualsIfExists to StringEquals with the same values does not widen (IAM: a request without the tag is refused now)", async () => {
    const [c] = diff(stmt("StringEqualsIfExists", ["alice"]), stmt("StringEquals", ["alice"]));
    expect(c.widens).toEqual([]);
    const arn = "arn:aws:sagemaker:us-east-1:111122223333:training-job/x";
    expect(await decision(stmt("StringEqualsIfExists", ["alice"]), "sagemaker:CreateTrainingJob", arn)).toBe("Allowed");
    expect(await decision(stmt("StringEquals", ["alice"]), "sagemaker:CreateTrainingJob", arn)).toBe("ImplicitlyDenied");
  });

  test("made strict but with another value, or the IfExists dropped with nothing in its place, still widens", () => {
    expect(diff(stmt("StringEqualsIfExists", ["alice"]), stmt("StringEquals", ["alice", "bob"]))[0].widens).toEqual(["condition StringEqualsIfExists aws:RequestTag/owner removed"]);
    const none = policy({ Sid: "Jobs", Effect: "Allow", Action: ["sagemaker:CreateTrainingJob"], Resource: ["*"] });
    expect(diff(stmt("StringEqualsIfExists", ["alice"]), none)[0].widens).toEqual(["condition StringEqualsIfExists aws:RequestTag/owner removed"]);
  });
});

describe("egress hub settings turned the unsafe way (docs/plan-review.md)", () => {
  // Plan JSON as terraform shapes it; the attribute names are the provider's (hashicorp/aws 5.100.0:
  // aws_ec2_transit_gateway, aws_ec2_transit_gateway_vpc_attachment, aws_ram_resource_share).
  const review = (...changes: ReturnType<typeof rc>[]) => reviewOfChanges("central-inspection", "333333333333", "aws_ec2_transit_gateway.hub_tgw", changes);
  const gateway = { auto_accept_shared_attachments: "disable", default_route_table_association: "disable", default_route_table_propagation: "disable", dns_support: "enable" };
  const inspection = { appliance_mode_support: "enable", dns_support: "enable", tags: { Name: "central-inspection" } };

  test("appliance mode turned off on the inspection attachment: replies through another AZ's endpoint are dropped", () => {
    const r = review(rc("aws_ec2_transit_gateway_vpc_attachment", "hub_network_tgw-attachment_1", ["update"], inspection, { ...inspection, appliance_mode_support: "disable" }));
    const text = toRead(r.markdown);
    expect(text).toMatch(/the inspection VPC's attachment\): \*\*appliance mode is turned off\*\*/);
    expect(text).toMatch(/another AZ's firewall endpoint.*drops them \(asymmetric/);
    // Said once, by name: not also as a generic "change in place".
    expect(text).not.toContain("change in place");
    expect(r.verdict).toBe("needs attention");
  });

  test("the inspection attachment created without appliance mode is said too (a new hub), a spoke's is not", () => {
    const text = toRead(review(rc("aws_ec2_transit_gateway_vpc_attachment", "hub_network_tgw-attachment_1", ["create"], null, { ...inspection, appliance_mode_support: "disable" })).markdown);
    expect(text).toMatch(/the inspection VPC's attachment\): \*\*appliance mode is turned off\*\*/);
  });

  test("auto-accept of shared attachments turned on: any account in the share attaches without a reviewed accepter", () => {
    const text = toRead(review(rc("aws_ec2_transit_gateway", "hub_tgw_transit-gateway_1", ["update"], gateway, { ...gateway, auto_accept_shared_attachments: "enable" })).markdown);
    expect(text).toMatch(/\*\*auto-accept of shared attachments is turned on\*\*: any account the share reaches can attach a VPC of any range without a reviewed accepter/);
  });

  test("default route table association or propagation turned on (a replacement of the gateway, by the provider): attachments routed without review", () => {
    for (const k of ["default_route_table_association", "default_route_table_propagation"]) {
      const text = toRead(review(rc("aws_ec2_transit_gateway", "hub_tgw_transit-gateway_1", ["delete", "create"], gateway, { ...gateway, [k]: "enable" })).markdown);
      expect({ k, said: new RegExp(`\\*\\*\`${k}\` is turned on\\*\\*: every new attachment .*routed without a reviewed association or route`).test(text) }).toEqual({ k, said: true });
    }
  });

  test("the RAM share's allow_external_principals turning true: accounts outside the organisation", () => {
    const share = { name: "central-tgw", allow_external_principals: false };
    const text = toRead(review(rc("aws_ram_resource_share", "hub_share_share_1", ["update"], share, { ...share, allow_external_principals: true })).markdown);
    expect(text).toMatch(/\*\*the share allows external principals\*\*: accounts outside the organisation can be given the hub's gateway \(share `central-tgw`\)/);
  });

  test("the safe way round says none of it: appliance mode turned on, auto-accept and the defaults turned off, the share closed; a spoke's attachment created without appliance mode", () => {
    const md = review(
      rc("aws_ec2_transit_gateway_vpc_attachment", "hub_network_tgw-attachment_1", ["update"], { ...inspection, appliance_mode_support: "disable" }, inspection),
      rc("aws_ec2_transit_gateway", "hub_tgw_transit-gateway_1", ["update"], { auto_accept_shared_attachments: "enable", default_route_table_association: "enable", default_route_table_propagation: "enable" }, gateway),
      rc("aws_ram_resource_share", "hub_share_share_1", ["update"], { name: "s", allow_external_principals: true }, { name: "s", allow_external_principals: false }),
      rc("aws_ec2_transit_gateway_vpc_attachment", "network_tgw-attachment_2", ["create"], null, { appliance_mode_support: "disable", tags: { Name: "dev-spoke" } }),
    ).markdown;
    expect(md).not.toMatch(/appliance mode is turned off|auto-accept of shared attachments is turned on|is turned on\*\*: every new attachment|allows external principals/);
  });
});
