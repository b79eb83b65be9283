/**
 * `npm run preview`: what a change does, offline. The working tree's stacks are planned by the real
 * AWS provider against a deployed state synthesized from a base (a git ref, or a saved synth
 * output), with the AWS stub (./aws-stub) as the only AWS, and reviewed as the pull-request
 * workflow reviews real plans (scripts/plan-review/review.ts).
 *
 * The base's "deployed" state is what the tests plan against too (./real-plan, deployedState): its
 * stacks' create plans with typed, deterministic fakes for every value only AWS knows, folded until
 * a `plan -refresh=false` is clean. Stacks are deployed in dependency order: a stack's stub serves
 * the SSM parameters its dependencies' states publish (the network's contract for the workloads).
 * The working tree's stacks are then planned with `-refresh=false` against those states; a stack
 * other stacks read (the network) is also "applied" when its plan changes what it publishes (its
 * plan folded into its base state, then converged), so its dependants are planned against the
 * contract it would publish, as they would be planned after the network's apply. The fakes are seeded by resource address, so what both sides have shares
 * its IDs. A stack the working tree synthesizes as the base does, reading what the base's stacks
 * publish, is reported as planning no change without a plan, and the base's stacks are deployed
 * only as the stacks planned need them (planAgainst), so an unchanged tree previews in seconds.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { reviewPlan, Review } from "../plan-review/review";
import { AwsStub, startAwsStub } from "./aws-stub";
import { deployedState, deployedStates, Json, noChanges, ssmParametersOf, tryPlan, withRealProvider } from "./real-plan";
import { previewRuntime } from "./runtime";

/** cdktf.out/manifest.json, the parts read here. */
export interface Manifest {
  readonly stacks: Record<string, { readonly dependencies?: string[]; readonly workingDirectory: string }>;
}

export function readManifest(outdir: string): Manifest {
  const file = join(outdir, "manifest.json");
  if (!existsSync(file)) throw new Error(`${file} not found: not a synth output directory (cdktf.out)`);
  return JSON.parse(readFileSync(file, "utf8"));
}

const stackJson = (outdir: string, manifest: Manifest, stack: string): Json =>
  JSON.parse(readFileSync(join(outdir, manifest.stacks[stack].workingDirectory, "cdk.tf.json"), "utf8"));

/** Stacks by level: level 0 depends on no stack of the manifest, level n on stacks of lower levels. */
export function stackLevels(manifest: Manifest): string[][] {
  const names = Object.keys(manifest.stacks).sort();
  const level = new Map<string, number>();
  const visit = (n: string, path: string[]): number => {
    if (level.has(n)) return level.get(n)!;
    if (path.includes(n)) throw new Error(`stack dependency cycle: ${[...path, n].join(" -> ")}`);
    const deps = (manifest.stacks[n].dependencies ?? []).filter((d) => manifest.stacks[d]);
    const l = deps.length ? Math.max(...deps.map((d) => visit(d, [...path, n]))) + 1 : 0;
    level.set(n, l);
    return l;
  };
  names.forEach((n) => visit(n, []));
  const out: string[][] = [];
  for (const n of names) (out[level.get(n)!] ??= []).push(n);
  return out.filter(Boolean);
}

/* ------------------------------------------------------------------------------------------ */
/* Synthesizing a tree, and the base's tree                                                    */
/* ------------------------------------------------------------------------------------------ */

/**
 * Synthesizes the app of the source tree `root` into `outdir` (a fresh dir) with config dir
 * `configDir`: its own scripts/run-main.cjs when it has one (what `npm run synth` runs), else the
 * cdktf CLI of its node_modules. Throws with the synth's report when it fails.
 */
export function synthesizeTree(root: string, outdir: string, configDir: string): void {
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir, SAGEMAKER_ANFW_CONFIG_DIR: configDir, CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "1", CI: "1" };
  delete env.SAGEMAKER_ANFW_REPORT_FILE;
  const runMain = join(root, "scripts", "run-main.cjs");
  const r = existsSync(runMain)
    ? spawnSync(process.execPath, [runMain], { cwd: root, env, encoding: "utf8", timeout: 600_000 })
    : spawnSync(process.execPath, [join(root, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf"), "synth", "--output", outdir], { cwd: root, env, encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0 || !existsSync(join(outdir, "manifest.json"))) {
    throw new Error(`synth of ${root} failed (exit ${r.status ?? r.signal}):\n${`${r.stdout ?? ""}${r.stderr ?? ""}`.trim()}`);
  }
}

function git(repo: string, args: string[]): { code: number; out: string } {
  const r = spawnSync("git", ["-C", repo, ...args], { encoding: "utf8" });
  return { code: r.status ?? 1, out: `${r.stdout ?? ""}${r.status === 0 ? "" : r.stderr ?? ""}`.trim() };
}

/**
 * The default base: the merge base of HEAD with the default branch (origin's HEAD, else
 * origin/main), or with the local `main` when there is no such remote branch.
 */
export function defaultBaseRef(repo: string): string {
  return defaultBase(repo).commit;
}

/** defaultBaseRef with the branch it is the merge base with (the review's header names both). */
export function defaultBase(repo: string): { commit: string; branch: string } {
  const originHead = git(repo, ["symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD"]);
  const candidates = [originHead.code === 0 ? originHead.out : undefined, "origin/main", "main"].filter((c): c is string => !!c);
  for (const branch of candidates) {
    if (git(repo, ["rev-parse", "--verify", "-q", `${branch}^{commit}`]).code !== 0) continue;
    const base = git(repo, ["merge-base", "HEAD", branch]);
    if (base.code === 0) return { commit: base.out, branch };
  }
  throw new Error(`no default base: neither origin/main nor main exists in ${repo}; give --base <ref> or --base-synth <dir>`);
}

/**
 * The base as the review's header names it: the ref given, or the merge base and the branch it is
 * taken with, and the commit's short SHA (what a reader can `git show`).
 */
export function baseLabel(commit: string, given?: string, branch?: string): string {
  const short = `commit \`${commit.slice(0, 12)}\``;
  return given ? `\`${given}\` (${short})` : `the merge base of HEAD and \`${branch ?? "main"}\` (${short})`;
}

export interface BaseTree {
  readonly dir: string;
  readonly commit: string;
  remove(): void;
}

/**
 * A temporary git worktree of `ref` (detached). Its node_modules is a symlink to `repo`'s: `npm ci`
 * of an older lock file is not possible offline, so the base is synthesized with today's
 * dependencies (a base whose package-lock.json differs is reported by the caller).
 */
export function checkoutBase(repo: string, ref: string): BaseTree {
  const commit = git(repo, ["rev-parse", "--verify", "-q", `${ref}^{commit}`]);
  if (commit.code !== 0) throw new Error(`base ${ref} is not a commit of ${repo}`);
  const dir = join(previewRuntime().tempDir("preview-base"), "tree");
  const add = git(repo, ["worktree", "add", "--detach", dir, commit.out]);
  if (add.code !== 0) throw new Error(`git worktree add of ${ref} failed: ${add.out}`);
  if (existsSync(join(repo, "node_modules"))) symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
  return {
    dir,
    commit: commit.out,
    remove: () => {
      git(repo, ["worktree", "remove", "--force", dir]);
      rmSync(dir, { recursive: true, force: true });
      git(repo, ["worktree", "prune"]);
    },
  };
}

/**
 * The config dir for the tree at `tree` of the repository at `repo`: SAGEMAKER_ANFW_CONFIG_DIR
 * (relative to the working directory) or config/; one inside the repository is taken from `tree`
 * (the base's own config), one outside it is the same dir for both sides.
 */
export function configDirFor(repo: string, tree: string, setting = process.env.SAGEMAKER_ANFW_CONFIG_DIR): { dir: string; shared: boolean } {
  const abs = setting ? resolve(setting) : join(repo, "config");
  const rel = relative(repo, abs);
  if (rel.startsWith("..") || isAbsolute(rel)) return { dir: abs, shared: true };
  return { dir: join(tree, rel), shared: false };
}

/* ------------------------------------------------------------------------------------------ */
/* Deploying the base, planning the working tree                                               */
/* ------------------------------------------------------------------------------------------ */

/** The account and region a stack's default aws provider deploys to (its stub answers as them). */
function targetOf(json: Json): { accountId: string; region: string } {
  const provider = ([] as Json[]).concat(json.provider?.aws ?? [])[0] ?? {};
  const accountId = ([] as string[]).concat(provider.allowed_account_ids ?? [])[0] ?? "111122223333";
  return { accountId, region: provider.region ?? "us-east-1" };
}

/** AZ letters the stub offers in every region: AWS's largest regions have six. */
const ZONE_LETTERS = "abcdef";

interface StubSet {
  get(accountId: string, region: string, parameters: Record<string, string>): Promise<AwsStub>;
  close(): Promise<void>;
}

function stubSet(): StubSet {
  const stubs = new Map<string, Promise<AwsStub>>();
  return {
    get: (accountId, region, parameters) => {
      const key = JSON.stringify([accountId, region, Object.entries(parameters).sort()]);
      let stub = stubs.get(key);
      if (!stub) stubs.set(key, (stub = startAwsStub({ accountId, region, zones: [...ZONE_LETTERS].map((l) => `${region}${l}`), parameters })));
      return stub;
    },
    close: async () => {
      await Promise.all([...stubs.values()].map(async (s) => (await s).close()));
      stubs.clear();
    },
  };
}

export interface BaseStack {
  readonly statePath: string;
  /** The SSM parameters its deployed state publishes. */
  readonly parameters: Record<string, string>;
  readonly converged: boolean;
}

export interface DeployedBase {
  readonly outdir: string;
  readonly manifest: Manifest;
  /** The stacks deployed so far (by `deploy`), each with its deployed state. */
  readonly stacks: Record<string, BaseStack>;
  /** Deploys these stacks of the base and the stacks they read, unless deployed already. */
  deploy(stacks: ReadonlyArray<string>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Converges `stacks` of `outdir` (real-provider copies) level by level, each against a stub that
 * serves the SSM parameters of its dependencies (from `published`, filled in as levels converge).
 */
async function converge(outdir: string, manifest: Manifest, stacks: ReadonlyArray<string>, stubs: StubSet, published: Record<string, Record<string, string>>, label: string) {
  const out: Record<string, BaseStack> = {};
  for (const level of stackLevels(manifest)) {
    const mine = level.filter((s) => stacks.includes(s));
    // One lockstep convergence per stub: stacks that see the same AWS are planned by one terraform.
    const groups = new Map<AwsStub, Record<string, string>>();
    for (const stack of mine) {
      const json = stackJson(outdir, manifest, stack);
      const { accountId, region } = targetOf(json);
      const parameters = Object.assign({}, ...(manifest.stacks[stack].dependencies ?? []).map((d) => published[d] ?? {}));
      const stub = await stubs.get(accountId, region, parameters);
      const dirs = groups.get(stub) ?? {};
      dirs[stack] = withRealProvider(join(outdir, manifest.stacks[stack].workingDirectory), stub, { label: `${label}-${stack}` });
      groups.set(stub, dirs);
    }
    const results = await Promise.all([...groups].map(([stub, dirs]) => deployedStates(dirs, stub, { label, dirs: [] })));
    for (const states of results) {
      for (const [stack, state] of Object.entries(states)) {
        const parameters = ssmParametersOf(state.statePath);
        out[stack] = { statePath: state.statePath, parameters, converged: state.converged };
        published[stack] = parameters;
      }
    }
  }
  return out;
}

/**
 * The base of the synth output `outdir`, none of its stacks deployed yet: `deploy` builds the
 * deployed states of the stacks asked for (and of the stacks they read, for the parameters they
 * publish), once each. planAgainst deploys only the stacks it plans.
 */
export function openBase(outdir: string): DeployedBase {
  const manifest = readManifest(outdir);
  const stubs = stubSet();
  const stacks: Record<string, BaseStack> = {};
  let queue: Promise<unknown> = Promise.resolve();
  const deployOnce = async (names: ReadonlyArray<string>) => {
    const wanted = new Set<string>();
    const add = (n: string) => {
      if (wanted.has(n) || !manifest.stacks[n]) return;
      wanted.add(n);
      (manifest.stacks[n].dependencies ?? []).forEach(add);
    };
    names.forEach(add);
    const missing = [...wanted].filter((n) => !stacks[n]);
    if (missing.length === 0) return;
    const published = Object.fromEntries(Object.entries(stacks).map(([n, s]) => [n, s.parameters]));
    Object.assign(stacks, await converge(outdir, manifest, missing, stubs, published, "base"));
  };
  return {
    outdir,
    manifest,
    stacks,
    // One deployment at a time, so two callers never converge the same stack twice.
    deploy: (names) => {
      const run = queue.then(() => deployOnce(names));
      queue = run.catch(() => undefined);
      return run;
    },
    close: () => stubs.close(),
  };
}

/** Builds the deployed state of every stack of the synth output `outdir`. */
export async function deployBase(outdir: string): Promise<DeployedBase> {
  const base = openBase(outdir);
  try {
    await base.deploy(Object.keys(base.manifest.stacks));
    return base;
  } catch (e) {
    await base.close();
    throw e;
  }
}

/**
 * A digest of what a stack's plan reads from its synth output: the files of its dir that
 * withRealProvider copies (everything but .terraform, states and plans) and the stacks it depends on.
 */
function stackDigest(outdir: string, manifest: Manifest, stack: string): string {
  const root = join(outdir, manifest.stacks[stack].workingDirectory);
  const hash = createHash("sha256").update(JSON.stringify([...(manifest.stacks[stack].dependencies ?? [])].sort()));
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const b = e.name;
      if (b === ".terraform" || b.endsWith(".tfstate") || b.endsWith(".tfstate.backup") || b.endsWith(".tfplan")) continue;
      const full = join(dir, b);
      if (e.isDirectory()) walk(full);
      else hash.update(`\0${relative(root, full)}\0`).update(readFileSync(full));
    }
  };
  walk(root);
  return hash.digest("hex");
}

export interface StackPreview {
  readonly stack: string;
  /** terraform plan -detailed-exitcode: 0 no changes, 1 failed, 2 changes. */
  readonly exitCode: number;
  readonly plan?: Json;
  /** `terraform show` of the plan, or terraform's output when it failed. */
  readonly text?: string;
  /** Whether the base has the stack (a stack the base lacks is planned against an empty state). */
  readonly inBase: boolean;
}

export interface HeadPlans {
  readonly stacks: StackPreview[];
  /** Stacks the base has and the working tree no longer synthesizes: their resources stay deployed. */
  readonly removed: string[];
}

const sameParameters = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

/**
 * Plans every stack of the synth output `outdir` against `base` (-refresh=false), deploying the
 * base's stacks it plans (base.deploy).
 *
 * A stack the working tree synthesizes exactly as the base does (the same files, the same
 * dependencies), whose dependencies publish what the base's do, is not planned: its plan would be
 * the last round of its base state's convergence (the same configuration against the same state and
 * the same stub answers), which is clean; it is reported as planning no change, as terraform would,
 * and its base state is not built unless a stack that reads it is planned.
 */
export async function planAgainst(base: DeployedBase, outdir: string): Promise<HeadPlans> {
  const manifest = readManifest(outdir);
  const stubs = stubSet();
  try {
    // What a stack others read publishes once applied, where it differs from its base state's: the
    // working tree's plan of it changes one of its SSM parameters (the network's contract, with a
    // new AZ's subnets), so it is converged as the working tree has it, and its dependants are
    // planned against what it would publish.
    const republished: Record<string, Record<string, string>> = {};
    const publishedBy = (d: string) => republished[d] ?? base.stacks[d]?.parameters ?? {};
    const read = new Set(Object.values(manifest.stacks).flatMap((s) => s.dependencies ?? []));
    const unchanged = (stack: string) =>
      !!base.manifest.stacks[stack] &&
      stackDigest(base.outdir, base.manifest, stack) === stackDigest(outdir, manifest, stack) &&
      (manifest.stacks[stack].dependencies ?? []).every((d) => manifest.stacks[d] && !republished[d]);
    const previews: StackPreview[] = [];
    // Each planned stack's real-provider copy and the stub it was planned against.
    const planDirs: Record<string, { dir: string; stub: AwsStub }> = {};
    for (const level of stackLevels(manifest)) {
      const skipped = new Set(level.filter(unchanged));
      const toPlan = level.filter((s) => !skipped.has(s));
      await base.deploy(toPlan);
      const planned = await Promise.all(
        level.map(async (stack): Promise<StackPreview> => {
          if (skipped.has(stack)) return { stack, exitCode: 0, plan: noChanges(), text: undefined, inBase: true };
          const json = stackJson(outdir, manifest, stack);
          const { accountId, region } = targetOf(json);
          const parameters = Object.assign({}, ...(manifest.stacks[stack].dependencies ?? []).map(publishedBy));
          const stub = await stubs.get(accountId, region, parameters);
          const dir = withRealProvider(join(outdir, manifest.stacks[stack].workingDirectory), stub, { label: `head-${stack}` });
          planDirs[stack] = { dir, stub };
          const state = base.stacks[stack]?.statePath;
          const r = await tryPlan(dir, { refresh: false, state, text: true });
          const exitCode = r.code !== 0 || !r.json ? 1 : r.json.no_changes ? 0 : 2;
          return { stack, exitCode, plan: exitCode === 1 ? undefined : r.json, text: exitCode === 1 ? r.output : r.text, inBase: !!state };
        }),
      );
      previews.push(...planned);
      const publishes = (p: StackPreview) =>
        !p.inBase || (p.plan?.resource_changes ?? []).some((rc: Json) => rc.mode === "managed" && rc.type === "aws_ssm_parameter" && rc.change.actions.join() !== "no-op");
      const toApply = planned.filter((p) => read.has(p.stack) && p.exitCode === 2 && publishes(p)).map((p) => p.stack);
      // A stack the base has is "applied" by applying its plan to its base state (deployedState's
      // `applied`: only what the plan changes is folded, in the copy it was planned in); a new one is
      // converged from scratch.
      const isNew = toApply.filter((s) => !base.stacks[s]);
      const published = Object.fromEntries([...new Set(isNew.flatMap((s) => manifest.stacks[s].dependencies ?? []))].map((d) => [d, publishedBy(d)]));
      const applied: Record<string, { parameters: Record<string, string> }> = isNew.length ? await converge(outdir, manifest, isNew, stubs, published, "head") : {};
      await Promise.all(
        planned
          .filter((p) => toApply.includes(p.stack) && base.stacks[p.stack])
          .map(async (p) => {
            const { dir, stub } = planDirs[p.stack];
            const state = await deployedState(dir, stub, { applied: { statePath: base.stacks[p.stack].statePath, plan: p.plan! } });
            applied[p.stack] = { parameters: ssmParametersOf(state.statePath) };
          }),
      );
      for (const [s, v] of Object.entries(applied)) if (!base.stacks[s] || !sameParameters(v.parameters, base.stacks[s].parameters)) republished[s] = v.parameters;
    }
    const removed = Object.keys(base.manifest.stacks).filter((s) => !manifest.stacks[s]).sort();
    return { stacks: previews, removed };
  } finally {
    await stubs.close();
  }
}

/* ------------------------------------------------------------------------------------------ */
/* The review                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/** What a preview cannot know: printed at the top of every preview (docs/preview.md explains each). */
export const CANNOT_KNOW = [
  "**Drift**: the deployed state is synthesized from the base, not read from AWS; changes made outside Terraform (console, another tool, a failed apply) do not show.",
  "**Real IDs and computed values**: every value only AWS knows (IDs, ARNs, endpoint IDs, IP addresses) is a deterministic fake, so the plan text shows fakes where the real plan shows real values.",
  "**What only AWS decides**: quotas, service availability per AZ, permissions, whether a name is taken, and API-side validation happen at apply; a clean preview is not a successful apply.",
  "**Data sources** are answered by a local stub: every AZ `a`–`f` of the region is available, every VPC endpoint service is offered in every AZ, the caller is the config's account, and SSM returns only what the base's stacks publish.",
];

/** The first line of every preview: the pull-request workflow replaces its earlier comment by it. */
export const PREVIEW_MARKER = "<!-- sagemaker-anfw-preview -->";

export interface PreviewReport {
  readonly markdown: string;
  readonly reviews: Review[];
  readonly failed: boolean;
  readonly destructive: boolean;
}

/** The preview's markdown: a header (base, what it cannot know), then each stack's review as the pull-request workflow posts it. */
export function renderPreview(head: HeadPlans, opts: { base: string; sha?: string; notes?: ReadonlyArray<string> }): PreviewReport {
  const reviews = head.stacks.map((s) => reviewPlan({ stack: s.stack, plan: s.plan, planText: s.text, exitCode: s.exitCode, sha: opts.sha }));
  const changedStacks = reviews.filter((r) => r.verdict !== "no changes").map((r) => r.stack);
  const out = [
    PREVIEW_MARKER,
    "# Preview: what this change does (offline)",
    "",
    `Planned with the real AWS provider and \`-refresh=false\` against a deployed state synthesized from **${opts.base}**; no AWS call was made.`,
    "",
    changedStacks.length === 0 && head.removed.length === 0
      ? "**No changes**: every stack plans no change against the base."
      : `**Stacks that change**: ${[...changedStacks.map((s) => `\`${s}\``), ...head.removed.map((s) => `\`${s}\` (removed)`)].join(", ")}.`,
    "",
    ...(opts.notes ?? []).flatMap((n) => [`ℹ️ ${n}`, ""]),
    "<details><summary>What a preview cannot know</summary>",
    "",
    ...CANNOT_KNOW.map((c) => `- ${c}`),
    "",
    "</details>",
    "",
    ...head.removed.flatMap((s) => [
      `## 🛑 \`${s}\`: no longer synthesized`,
      "",
      `The working tree no longer has stack \`${s}\`: nothing plans its deletion, so its resources stay deployed (and billed) until \`npm run destroy -- ${s}\` is run against the base's code.`,
      "",
    ]),
    ...reviews.map((r) => r.markdown),
  ];
  return {
    markdown: `${out.join("\n").trimEnd()}\n`,
    reviews,
    failed: reviews.some((r) => r.failed),
    destructive: head.removed.length > 0 || reviews.some((r) => r.destructive.length > 0),
  };
}
