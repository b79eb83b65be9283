/**
 * npm run preview -- [--base REF | --base-synth DIR] [--head-synth DIR] [--out FILE] [--plans DIR] [--fail-on destructive]
 *
 * What the working tree's change does, offline: its stacks (synthesized with the working tree's
 * config dir, SAGEMAKER_ANFW_CONFIG_DIR or config/) are planned by the real AWS provider with
 * -refresh=false against a deployed state synthesized from a base, with a local AWS stub as the
 * only AWS (no credentials, no AWS call), and reviewed as the pull-request workflow reviews real
 * plans: replacements, deletions, egress and perimeter changes, cost (docs/preview.md).
 *
 * --base REF         the base: a git ref (checked out into a temporary git worktree and synthesized
 *                    there with its own code and config; node_modules is this tree's, by symlink).
 *                    Default: the merge base of HEAD with origin's default branch (origin/main), or
 *                    with main when there is no remote.
 * --base-synth DIR   the base: a saved synth output directory (a cdktf.out with manifest.json).
 * --head-synth DIR   plan this synth output instead of synthesizing the working tree.
 * --out FILE         write the review there instead of to stdout.
 * --plans DIR        also write each stack's plan as `npm run plan-review -- --dir DIR` reads it
 *                    (<stack>.json, .txt, .exit) and DIR/removed.json (stacks no longer
 *                    synthesized): the pull-request workflow's gate reviews them with the base
 *                    branch's scripts (docs/ci-cd.md).
 * --fail-on destructive
 *                    exit 3 when a stack deletes or replaces anything (or a stack is removed).
 * --help             this text.
 *
 * The provider: a filesystem mirror (TF_PLUGIN_MIRROR, or /opt/tf-plugins and the like), else your
 * terraform CLI configuration, else the registry (downloaded once into a plugin cache).
 * Exit code: 0 reviewed (whatever it shows), 1 a plan failed (its review shows the error),
 * 2 the preview could not run (bad option, synth failed, no terraform), 3 --fail-on destructive.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { baseLabel, checkoutBase, configDirFor, defaultBase, HeadPlans, openBase, planAgainst, renderPreview, synthesizeTree } from "./preview";
import { previewRuntime, removePreviewTempDirs } from "./runtime";
import { terraformBinary } from "./terraform";

export interface PreviewArgs {
  readonly help: boolean;
  readonly base?: string;
  readonly baseSynth?: string;
  readonly headSynth?: string;
  readonly out?: string;
  readonly plans?: string;
  readonly failOnDestructive: boolean;
}

export class UsageError extends Error {}

export function parsePreviewArgs(argv: ReadonlyArray<string>): PreviewArgs {
  const args: { -readonly [K in keyof PreviewArgs]: PreviewArgs[K] } = { help: false, failOnDestructive: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value (see npm run preview -- --help)`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") args.help = true;
    else if (a === "--base") args.base = value(i++, a);
    else if (a === "--base-synth") args.baseSynth = value(i++, a);
    else if (a === "--head-synth") args.headSynth = value(i++, a);
    else if (a === "--out") args.out = value(i++, a);
    else if (a === "--plans") args.plans = value(i++, a);
    else if (a === "--fail-on") {
      const v = value(i++, a);
      if (v !== "destructive") throw new UsageError(`--fail-on ${v}: the only condition is "destructive"`);
      args.failOnDestructive = true;
    } else throw new UsageError(`unknown argument ${a} (see npm run preview -- --help)`);
  }
  if (args.base && args.baseSynth) throw new UsageError("--base and --base-synth both name the base: give one");
  return args;
}

export function usage(): string {
  return readFileSync(__filename, "utf8").split("*/")[0].replace(/^\/\*\*?|^ \* ?/gm, "").trim() + "\n";
}

const log = (line: string) => process.stderr.write(`preview: ${line}\n`);

/** The repository the working tree belongs to (this script's). */
const REPO = resolve(__dirname, "..", "..");

export async function runPreview(args: PreviewArgs, repo = REPO): Promise<{ code: number; markdown?: string }> {
  if (args.help) return { code: 0, markdown: usage() };
  if (!terraformBinary()) throw new UsageError("terraform not found on PATH (or TERRAFORM_BIN): install terraform 1.11");
  const cleanups: Array<() => void> = [];
  try {
    const notes: string[] = [];
    let baseOut: string;
    let label: string;
    if (args.baseSynth) {
      baseOut = resolve(args.baseSynth);
      label = `the synth output \`${args.baseSynth}\``;
    } else {
      const merge = args.base ? undefined : defaultBase(repo);
      const ref = args.base ?? merge!.commit;
      const tree = checkoutBase(repo, ref);
      cleanups.push(tree.remove);
      const config = configDirFor(repo, tree.dir);
      if (config.shared) notes.push(`SAGEMAKER_ANFW_CONFIG_DIR (${config.dir}) is outside the repository: the base was synthesized with the same config as the working tree, so only code changes show.`);
      const lock = (dir: string) => (existsSync(join(dir, "package-lock.json")) ? readFileSync(join(dir, "package-lock.json"), "utf8") : "");
      if (lock(tree.dir) !== lock(repo))
        notes.push("The base's package-lock.json differs from the working tree's: the base was synthesized with the working tree's node_modules (an older lock file cannot be installed offline), so a dependency change shows as the base's too.");
      baseOut = join(previewRuntime().tempDir("preview-base-synth"), "out");
      log(`synthesizing the base ${ref} (${tree.commit.slice(0, 12)})`);
      synthesizeTree(tree.dir, baseOut, config.dir);
      label = baseLabel(tree.commit, args.base, merge?.branch);
    }
    let headOut: string;
    if (args.headSynth) headOut = resolve(args.headSynth);
    else {
      headOut = join(previewRuntime().tempDir("preview-head-synth"), "out");
      log("synthesizing the working tree");
      synthesizeTree(repo, headOut, configDirFor(repo, repo).dir);
    }
    // The base's deployed states are built as planAgainst needs them: only for the stacks it plans.
    const base = openBase(baseOut);
    try {
      log("planning the working tree against the base's deployed state (real provider, local AWS stub)");
      const head = await planAgainst(base, headOut);
      const sha = spawnSync("git", ["-C", repo, "rev-parse", "HEAD"], { encoding: "utf8" }).stdout?.trim() || undefined;
      const report = renderPreview(head, { base: label, sha, notes });
      if (args.plans) writePlans(head, args.plans);
      const code = report.failed ? 1 : args.failOnDestructive && report.destructive ? 3 : 0;
      return { code, markdown: report.markdown };
    } finally {
      await base.close();
    }
  } finally {
    for (const c of cleanups.reverse()) c();
  }
}

/**
 * Each stack's plan as `npm run plan-review -- --dir` reads it (scripts/plan-review/cli.ts
 * reviewDirectory: <stack>.json, <stack>.txt, <stack>.exit), and removed.json: the stacks the base
 * has and the head no longer synthesizes, which no plan shows (the gate counts them as destructive,
 * as --fail-on destructive does).
 */
export function writePlans(head: HeadPlans, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const s of head.stacks) {
    if (s.plan) writeFileSync(join(dir, `${s.stack}.json`), JSON.stringify(s.plan));
    writeFileSync(join(dir, `${s.stack}.txt`), s.text ?? "");
    writeFileSync(join(dir, `${s.stack}.exit`), String(s.exitCode));
  }
  writeFileSync(join(dir, "removed.json"), JSON.stringify(head.removed));
}

export async function main(argv: ReadonlyArray<string>): Promise<number> {
  try {
    const args = parsePreviewArgs(argv);
    const { code, markdown } = await runPreview(args);
    if (markdown !== undefined) {
      if (args.out && !args.help) {
        mkdirSync(dirname(resolve(args.out)), { recursive: true });
        writeFileSync(args.out, markdown);
        log(`review written to ${args.out}`);
      } else process.stdout.write(markdown);
    }
    return code;
  } catch (e) {
    process.stderr.write(`preview: ${e instanceof UsageError ? e.message : (e as Error).stack ?? e}\n`);
    return 2;
  } finally {
    removePreviewTempDirs();
  }
}

if (require.main === module) {
  // Temp dirs go on Ctrl-C too.
  process.once("SIGINT", () => {
    removePreviewTempDirs();
    process.exit(130);
  });
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
