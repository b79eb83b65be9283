/**
 * `npm run preview` (scripts/preview): the working tree's stacks planned by the real AWS provider
 * against a deployed state synthesized from a base, offline, and reviewed as the pull-request
 * workflow reviews real plans. One base (2 AZs, Studio) is synthesized once for the file and its
 * stacks deployed as the scenarios need them (planAgainst deploys only what it plans); each
 * scenario synthesizes a changed config with the product's own synth (the same config path, so an
 * unchanged stack synthesizes byte for byte as the base's) and plans it against that base: nothing
 * changed, the AZs reordered, one AZ swapped for another (an AZ added and one dropped in one head,
 * which changes the network's contract), an allowlist edit, TLS inspection turned on. What each must
 * show comes from the AWS behaviour the real-plan tests establish in detail (terraform.real-plan:
 * adding, dropping, reordering AZs and the allowlist, per resource; Studio with TLS inspection) and
 * from the config change itself, never from the preview's renderer.
 *
 * Also here: the CLI's --help and options, --plans, the git-ref base (a commit made in a temporary
 * clone, an environment removed in its working tree), and `plan-review --run` after a failed `terraform init` (issue 23, E).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Review } from "../scripts/plan-review/review";
import { runPlan } from "../scripts/plan-review/cli";
import { parsePreviewArgs, runPreview, UsageError, usage, writePlans } from "../scripts/preview/cli";
import { baseLabel, DeployedBase, HeadPlans, openBase, planAgainst, PreviewReport, readManifest, renderPreview, synthesizeTree } from "../scripts/preview/preview";
import { deployedState, Json, realProviderEnv, ssmParametersOf, startAwsStub, tryPlan, withRealProvider } from "./support/real-plan";
import { scratchDir } from "./support/scratch";
import { describeWithTerraform, terraformCliConfig } from "./support/terraform";

const REPO = join(__dirname, "..");
const ACCOUNT = "111122223333";
const ENV = "pv";
const zones = (letters: string) => [...letters].map((l) => `us-east-1${l}`);
const BASE = {
  accountId: ACCOUNT,
  region: "us-east-1",
  availabilityZones: zones("ab"),
  vpcCidr: "10.2.0.0/16",
  firewall: { allowedDomains: [{ preset: "pip" }] },
};
const CA_PEM = join(__dirname, "fixtures", "inspection-ca.pem");
const TLS = { certificateAuthorityArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`, caCertificateFile: "inspection-ca.pem" };

/** Writes `raw` as config/pv.json (with the CA fixture beside it) under `root`; returns the config dir. */
function writeConfig(root: string, raw: Record<string, unknown>): string {
  const dir = join(root, "config");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${ENV}.json`), JSON.stringify(raw, null, 2));
  copyFileSync(CA_PEM, join(dir, "inspection-ca.pem"));
  return dir;
}

let configRoot: string | undefined;

/**
 * This tree's app synthesized (by the product's synth) with `raw` as its only config. The config
 * is always at the same path (it appears in the stacks' messages), as in a working tree.
 */
function synthOf(raw: Record<string, unknown>, label: string): string {
  const out = join(scratchDir(`preview-${label}`), "out");
  synthesizeTree(REPO, out, writeConfig((configRoot ??= scratchDir("preview-config")), raw));
  return out;
}

const reviewOf = (report: PreviewReport, kind: "network" | "studio"): Review => {
  const r = report.reviews.find((x) => x.stack === `${ENV}-${kind}`);
  if (!r) throw new Error(`no review of ${ENV}-${kind}: ${report.reviews.map((x) => x.stack).join(", ")}`);
  return r;
};
const typesOf = (r: Review, action: string) => [...new Set(r.items.filter((i) => i.action === action).map((i) => i.type))].sort();

test("--help prints the usage (options, base, exit codes) and exits 0 without terraform or git", async () => {
  const r = spawnSync(process.execPath, [join(REPO, "node_modules", "tsx", "dist", "cli.mjs"), join(REPO, "scripts", "preview", "cli.ts"), "--help"], { encoding: "utf8", env: { ...process.env, PATH: "" } });
  expect(r.status).toBe(0);
  for (const option of ["--base REF", "--base-synth DIR", "--out FILE", "--fail-on destructive", "merge base"]) expect(r.stdout).toContain(option);
  expect(r.stdout).toMatch(/Exit code: 0 reviewed/);
  expect((await runPreview(parsePreviewArgs(["--help"]))).markdown).toBe(usage());
  // The usage line names every option the text below it describes (--help aside).
  const [line, ...rest] = usage().split("\n");
  const described = rest.map((l) => /^(--[a-z-]+)/.exec(l)?.[1]).filter((o): o is string => !!o && o !== "--help");
  expect(described.length).toBeGreaterThanOrEqual(6);
  expect(described.filter((o) => !line.includes(o))).toEqual([]);
});

test("the header names the base: the ref given, or the merge base and its branch, each with its short SHA", () => {
  const sha = "0123456789abcdef0123456789abcdef01234567";
  const header = (base: string) => renderPreview({ stacks: [], removed: [] }, { base }).markdown.split("\n").find((l) => l.startsWith("Planned with")) ?? "";
  expect(header(baseLabel(sha, undefined, "origin/main"))).toContain("**the merge base of HEAD and `origin/main` (commit `0123456789ab`)**");
  expect(header(baseLabel(sha, "v0.3.0"))).toContain("**`v0.3.0` (commit `0123456789ab`)**");
  expect(header(baseLabel(sha, undefined, "origin/main"))).not.toContain("`the merge base`");
});

test("options: unknown ones, missing values, two bases and other --fail-on conditions are usage errors", () => {
  expect(parsePreviewArgs(["--base", "v1.2.0", "--out", "p.md", "--fail-on", "destructive"])).toEqual({ help: false, base: "v1.2.0", out: "p.md", failOnDestructive: true });
  expect(parsePreviewArgs(["--plans", "preview/plans"])).toEqual({ help: false, plans: "preview/plans", failOnDestructive: false });
  for (const bad of [["--bogus"], ["--base"], ["--base", "a", "--base-synth", "b"], ["--fail-on", "changes"], ["--out", "--base"], ["--plans"]]) {
    expect(() => parsePreviewArgs(bad)).toThrow(UsageError);
  }
});

describeWithTerraform("npm run preview against one base", () => {
  let base: DeployedBase;
  const reports: Record<string, PreviewReport> = {};
  const heads: Record<string, HeadPlans> = {};
  const outdirs: Record<string, string> = {};
  const preview = async (label: string, raw: Record<string, unknown>): Promise<PreviewReport> =>
    (reports[label] ??= renderPreview((heads[label] = await planAgainst(base, (outdirs[label] = synthOf(raw, label)))), { base: "the test's base" }));
  const allStacks = [`${ENV}-network`, `${ENV}-studio`];

  beforeAll(() => {
    base = openBase(synthOf(BASE, "base"));
  });
  afterAll(() => base?.close());

  test("nothing changed: the review says no changes, for every stack, and nothing is destructive; no stack needed a plan or a deployed state", async () => {
    const r = await preview("same", BASE);
    expect(r.markdown).toContain("**No changes**");
    expect(r.reviews.map((x) => [x.stack, x.verdict])).toEqual([
      [`${ENV}-network`, "no changes"],
      [`${ENV}-studio`, "no changes"],
    ]);
    expect(r.destructive || r.failed).toBe(false);
    // Both stacks synthesize as the base's: their plans would be their base states' last convergence
    // round (clean: see "the base converged" below), so none is made.
    expect(Object.keys(base.stacks)).toEqual([]);
  });

  test("it says what it cannot know: drift, real IDs, what only AWS decides, data sources answered by the stub", async () => {
    const md = (await preview("same", BASE)).markdown;
    for (const phrase of ["**Drift**", "**Real IDs", "**What only AWS decides**", "**Data sources** are answered by a local stub", "no AWS call was made"]) expect(md).toContain(phrase);
  });

  test("AZs reordered: no resource changes in any stack (the network plans no change at all), nothing destructive", async () => {
    const r = await preview("reordered", { ...BASE, availabilityZones: zones("ba") });
    expect(r.reviews.flatMap((x) => x.items.map((i) => `${x.stack}: ${i.action} ${i.address}`))).toEqual([]);
    expect(reviewOf(r, "network").verdict).toBe("no changes");
    expect(r.destructive || r.failed).toBe(false);
  });

  test("an AZ swapped for another (us-east-1b dropped, us-east-1c added: the network's contract changes): the network creates only c's lane and deletes only b's, replaces nothing, and the review calls it destructive; Studio, planned against the contract the network would publish, only updates IAM policies in place (not the domain)", async () => {
    const r = await preview("swapped", { ...BASE, availabilityZones: zones("ac") });
    const network = reviewOf(r, "network");
    expect(network.counts.replace).toBe(0);
    expect(network.counts.create).toBeGreaterThan(0);
    expect(network.counts.delete).toBeGreaterThan(0);
    expect([...new Set(network.items.filter((i) => i.action === "create" && i.az).map((i) => i.az))]).toEqual(["us-east-1c"]);
    expect([...new Set(network.items.filter((i) => i.action === "delete" && i.az).map((i) => i.az))]).toEqual(["us-east-1b"]);
    expect(network.items.filter((i) => i.action === "create" && i.type === "aws_subnet").length).toBeGreaterThan(0);
    expect(network.items.filter((i) => i.type === "aws_nat_gateway").map((i) => `${i.action} ${i.az}`).sort()).toEqual(["create us-east-1c", "delete us-east-1b"]);
    expect(network.cost.azsAdded).toEqual(["us-east-1c"]);
    expect(network.markdown).toContain("Destructive changes");
    expect(r.destructive).toBe(true);
    const studio = reviewOf(r, "studio");
    expect(studio.counts.replace + studio.counts.delete + studio.counts.create).toBe(0);
    expect(studio.items.filter((i) => i.action === "update").length).toBeGreaterThan(0);
    expect(studio.items.filter((i) => !i.type.startsWith("aws_iam_")).map((i) => `${i.action} ${i.address}`)).toEqual([]);
  });

  test("the swapped network is 'applied' by folding its plan into its base state and converging that: it publishes exactly what converging it from scratch publishes, so Studio is planned against the same contract", async () => {
    await preview("swapped", { ...BASE, availabilityZones: zones("ac") });
    const network = `${ENV}-network`;
    const head = join(outdirs.swapped, readManifest(outdirs.swapped).stacks[network].workingDirectory);
    const deployed = base.stacks[network].statePath;
    // The stub the preview plans the network against (its account and region, every AZ a-f, no parameters).
    const stub = await startAwsStub({ accountId: ACCOUNT, region: "us-east-1", zones: zones("abcdef"), parameters: {} });
    try {
      const dir = withRealProvider(head, stub, { label: "swap-applied" });
      const plan = await tryPlan(dir, { refresh: false, state: deployed, text: true });
      const applied = await deployedState(dir, stub, { applied: { statePath: deployed, plan: plan.json! } });
      const scratch = await deployedState(withRealProvider(head, stub, { label: "swap-scratch" }), stub);
      expect({ applied: applied.converged, scratch: scratch.converged }).toEqual({ applied: true, scratch: true });
      const contract = (params: Record<string, string>) => Object.entries(params).find(([n]) => n.endsWith("/network/contract"))![1];
      expect(contract(ssmParametersOf(applied.statePath))).not.toBe(contract(base.stacks[network].parameters));
      expect(ssmParametersOf(applied.statePath)).toEqual(ssmParametersOf(scratch.statePath));
    } finally {
      await stub.close();
    }
  });

  test("an allowlist edit: the allowlist's rule group and the DNS firewall's domain list update in place and the review names the added domain; nothing else; --plans writes each stack's plan as the gate reads it", async () => {
    const r = await preview("allowlist", { ...BASE, firewall: { allowedDomains: [{ preset: "pip" }, "huggingface.co"] } });
    const network = reviewOf(r, "network");
    expect(network.counts.create + network.counts.replace + network.counts.delete).toBe(0);
    expect(typesOf(network, "update")).toEqual(["aws_networkfirewall_rule_group", "aws_route53_resolver_firewall_domain_list"]);
    expect(network.markdown).toContain("huggingface.co");
    expect(network.items.some((i) => i.concern === "allowlist")).toBe(true);
    expect(reviewOf(r, "studio").verdict).toBe("no changes");
    // --plans: what npm run plan-review --dir reads (the gate reviews them with the base branch's scripts).
    const plans = scratchDir("preview-plans");
    writePlans(heads.allowlist, plans);
    expect(readFileSync(join(plans, "pv-network.exit"), "utf8")).toBe("2");
    expect(JSON.parse(readFileSync(join(plans, "pv-network.json"), "utf8")).resource_changes.filter((c: Json) => c.change.actions.join() === "update").length).toBe(2);
    expect(readFileSync(join(plans, "pv-network.txt"), "utf8")).toMatch(/Plan: 0 to add, 2 to change, 0 to destroy\./);
    expect(readFileSync(join(plans, "pv-studio.exit"), "utf8")).toBe("0");
    expect(JSON.parse(readFileSync(join(plans, "pv-studio.json"), "utf8"))).toEqual({ resource_changes: [], output_changes: {}, no_changes: true });
    expect(JSON.parse(readFileSync(join(plans, "removed.json"), "utf8"))).toEqual([]);
  });

  test("TLS inspection turned on: the network creates its TLS inspection configuration and REPLACES the firewall policy (the provider forces a new policy for a TLS inspection configuration); Studio's plan stops with the procedure, and the review shows it failed", async () => {
    const r = await preview("tls", { ...BASE, firewall: { ...BASE.firewall, tlsInspection: TLS } });
    const network = reviewOf(r, "network");
    expect(typesOf(network, "create")).toContain("aws_networkfirewall_tls_inspection_configuration");
    expect(network.destructive.map((i) => `${i.action} ${i.type}`)).toEqual(["replace aws_networkfirewall_firewall_policy"]);
    const studio = reviewOf(r, "studio");
    expect(studio.failed).toBe(true);
    expect(studio.markdown).toMatch(/-target/);
    expect(r.failed).toBe(true);
  });

  test("the base converged: every stack of it has a deployed state that plans no change (why an unchanged stack needs no plan), and the network publishes its contract", async () => {
    await base.deploy(allStacks);
    expect(Object.keys(base.stacks).sort()).toEqual(allStacks);
    for (const s of Object.values(base.stacks)) expect(s.converged).toBe(true);
    expect(Object.keys(base.stacks[`${ENV}-network`].parameters).some((n) => n.endsWith("/network/contract"))).toBe(true);
  });
});

describeWithTerraform("npm run preview with a git base", () => {
  test("the default base of a repository without a remote is main's merge base: an environment removed from the working tree's config is reported as no longer synthesized (destructive: exit 3 with --fail-on destructive, listed in removed.json), the unchanged one as no changes, and the worktree is removed", async () => {
    // A clone of this repository (its committed code) whose config/ is the file's base and a second environment, committed.
    const repo = join(scratchDir("preview-repo"), "repo");
    execFileSync("git", ["clone", "-q", "--shared", "--no-checkout", REPO, repo]);
    const git = (...args: string[]) => execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { encoding: "utf8" });
    git("remote", "remove", "origin");
    git("checkout", "-q", "-B", "main", "HEAD");
    symlinkSync(join(REPO, "node_modules"), join(repo, "node_modules"), "dir");
    git("rm", "-q", "-r", "config");
    writeConfig(repo, BASE);
    writeFileSync(join(repo, "config", "pw.json"), JSON.stringify({ ...BASE, vpcCidr: "10.3.0.0/16" }, null, 2));
    git("add", "config");
    git("commit", "-q", "-m", "base");
    const committed = git("rev-parse", "HEAD").trim();
    rmSync(join(repo, "config", "pw.json")); // uncommitted
    const saved = process.env.SAGEMAKER_ANFW_CONFIG_DIR;
    delete process.env.SAGEMAKER_ANFW_CONFIG_DIR;
    try {
      const plans = scratchDir("preview-plans");
      const r = await runPreview(parsePreviewArgs(["--fail-on", "destructive", "--plans", plans]), repo);
      expect(r.code).toBe(3);
      // The clone has no remote: the base is the merge base with its main (the commit made above).
      expect(r.markdown).toContain(`the merge base of HEAD and \`main\` (commit \`${committed.slice(0, 12)}\`)`);
      expect(r.markdown).toContain("**Stacks that change**: `pw-network` (removed), `pw-studio` (removed).");
      for (const stack of ["pw-network", "pw-studio"]) expect(r.markdown).toContain(`## 🛑 \`${stack}\`: no longer synthesized`);
      expect(JSON.parse(readFileSync(join(plans, "removed.json"), "utf8"))).toEqual(["pw-network", "pw-studio"]);
      for (const stack of ["pv-network", "pv-studio"]) {
        expect({ stack, exit: readFileSync(join(plans, `${stack}.exit`), "utf8") }).toEqual({ stack, exit: "0" });
        expect(r.markdown).toContain(`\`${stack}\`: no changes`);
      }
    } finally {
      if (saved !== undefined) process.env.SAGEMAKER_ANFW_CONFIG_DIR = saved;
    }
    expect(git("worktree", "list").trim().split("\n")).toHaveLength(1);
  });
});

describeWithTerraform("npm run plan-review --run after a failed terraform init", () => {
  test("initialises again instead of writing 'Inconsistent dependency lock file' into the review", async () => {
    // A stack whose init failed after writing its backend (.terraform/terraform.tfstate), as an init
    // that cannot install the provider leaves it; no lock file.
    const outdir = scratchDir("plan-review-init");
    const stack = join(outdir, "stacks", "s");
    mkdirSync(stack, { recursive: true });
    writeFileSync(
      join(stack, "cdk.tf.json"),
      JSON.stringify({ terraform: { backend: { local: { path: "s.tfstate" } }, required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } }, output: { x: { value: 1 } } }),
    );
    const badConfig = join(outdir, "bad.tfrc");
    mkdirSync(join(outdir, "empty-mirror"));
    writeFileSync(badConfig, `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(join(outdir, "empty-mirror"))}\n    include = ["registry.terraform.io/*/*"]\n  }\n}\n`);
    const env = realProviderEnv();
    const failed = spawnSync("terraform", ["init", "-input=false", "-no-color"], { cwd: stack, env: { ...env, TF_CLI_CONFIG_FILE: badConfig }, encoding: "utf8" });
    expect(failed.status).not.toBe(0);
    expect(existsSync(join(stack, ".terraform"))).toBe(true);
    expect(existsSync(join(stack, ".terraform.lock.hcl"))).toBe(false);

    const plans = scratchDir("plan-review-init-plans");
    const saved = process.env.TF_CLI_CONFIG_FILE;
    process.env.TF_CLI_CONFIG_FILE = terraformCliConfig();
    try {
      const code = await runPlan(outdir, "s", join("stacks", "s"), plans);
      const text = readFileSync(join(plans, "s.txt"), "utf8");
      expect(text).not.toContain("Inconsistent dependency lock file");
      expect(code).toBe(2);
      expect(readFileSync(join(plans, "s.exit"), "utf8")).toBe("2");
    } finally {
      if (saved === undefined) delete process.env.TF_CLI_CONFIG_FILE;
      else process.env.TF_CLI_CONFIG_FILE = saved;
    }
  });
});
