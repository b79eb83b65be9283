/**
 * npm run plan-review -- [--run] [--env NAME] [--dir DIR] [--sha SHA] [STACK ...]
 *
 * Writes one Markdown review per stack (DIR/<stack>.md, default DIR = plans) from the plans in DIR:
 * <stack>.json (`terraform show -json <planfile>`), and optionally <stack>.txt (`terraform show
 * <planfile>`, shown collapsed) and <stack>.exit (terraform plan -detailed-exitcode: 1 = failed).
 * Also DIR/summary.json: per stack its verdict, counts, whether it deletes or replaces anything.
 *
 * --run      plan first, in cdktf.out/stacks/<stack> (after `npm run synth`): terraform init if
 *            needed, plan -lock=false -out, show -json, show; stacks in dependency order
 *            (networks before the workloads that read their contract). Default stacks: all, or
 *            those of --env NAME (the environment's config file name).
 * --sha SHA  the commit the plans are of (the pull-request gate reads it back); default: $GITHUB_SHA
 *            or `git rev-parse HEAD`.
 * Exit code: 1 when a plan failed (its review says so), 0 otherwise.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { reviewPlan, Review } from "./review";

export interface Manifest {
  readonly stacks: Record<string, { readonly dependencies?: string[]; readonly workingDirectory: string }>;
}

/** `wanted` (default: every stack) in dependency order, dependencies first; ties by name. */
export function planOrder(manifest: Manifest, wanted?: ReadonlyArray<string>): string[] {
  const names = Object.keys(manifest.stacks).sort();
  for (const w of wanted ?? []) if (!manifest.stacks[w]) throw new Error(`no stack ${w} in cdktf.out (stacks: ${names.join(", ")}); run npm run synth first`);
  const set = new Set(wanted?.length ? wanted : names);
  const out: string[] = [];
  const visit = (n: string, path: string[]) => {
    if (out.includes(n)) return;
    if (path.includes(n)) throw new Error(`stack dependency cycle: ${[...path, n].join(" -> ")}`);
    for (const d of [...(manifest.stacks[n]?.dependencies ?? [])].sort()) if (set.has(d)) visit(d, [...path, n]);
    out.push(n);
  };
  for (const n of names) if (set.has(n)) visit(n, []);
  return out;
}

/** The stacks of environment `env` (config/<env>.json): "<env>-network", "<env>-studio", ... */
export function stacksOfEnvironment(manifest: Manifest, env: string): string[] {
  const own = Object.keys(manifest.stacks).filter((s) => s.startsWith(`${env}-`) && /^(network|studio|notebook)$/.test(s.slice(env.length + 1)));
  if (!own.length) throw new Error(`no stacks of environment ${env} in cdktf.out; is config/${env}.json there, and did npm run synth run?`);
  return own;
}

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs terraform without blocking the event loop (tests answer its AWS calls from this process). */
function terraform(cwd: string, args: string[]): Promise<Ran> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn("terraform", args, { cwd, env: { ...process.env, TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}

/** Terraform's ways of saying a dir needs (another) `terraform init`. */
const INIT_NEEDED = /Inconsistent dependency lock file|Required plugins are not installed|Backend initialization required|Module not installed|Missing required provider|run:\s+terraform init/i;

/** Plans `stack` into dir/<stack>.{tfplan,json,txt,exit}; returns plan's -detailed-exitcode. */
export async function runPlan(outdir: string, stack: string, workingDirectory: string, dir: string): Promise<number> {
  const cwd = join(outdir, workingDirectory);
  const fail = (text: string) => {
    writeFileSync(join(dir, `${stack}.exit`), "1");
    writeFileSync(join(dir, `${stack}.txt`), text);
    return 1;
  };
  const init = async () => {
    const r = await terraform(cwd, ["init", "-input=false", "-no-color"]);
    return r.code === 0 ? undefined : `terraform init failed in ${cwd} (exit ${r.code}):\n${r.stdout}\n${r.stderr}`;
  };
  // A failed init can leave .terraform behind (the backend's settings) without a lock file or
  // providers: a dir counts as initialised only with both.
  if (!existsSync(join(cwd, ".terraform")) || !existsSync(join(cwd, ".terraform.lock.hcl"))) {
    const failed = await init();
    if (failed) return fail(failed);
  }
  const planFile = resolve(dir, `${stack}.tfplan`);
  // -lock=false: a review must never block an apply.
  const planArgs = ["plan", "-input=false", "-no-color", "-lock=false", "-detailed-exitcode", `-out=${planFile}`];
  let plan = await terraform(cwd, planArgs);
  // Terraform says the dir needs `terraform init` (a half-done one, a backend or module changed
  // since): initialise once and plan again, rather than putting that message in the review.
  if (plan.code === 1 && INIT_NEEDED.test(`${plan.stdout}\n${plan.stderr}`)) {
    const failed = await init();
    if (failed) return fail(failed);
    plan = await terraform(cwd, planArgs);
  }
  if (plan.code === 1) return fail(`${plan.stdout}\n${plan.stderr}`);
  // The two renderings only read the plan file: made side by side (each loads the provider schema).
  const [json, text] = await Promise.all([terraform(cwd, ["show", "-json", "-no-color", planFile]), terraform(cwd, ["show", "-no-color", planFile])]);
  if (json.code !== 0 || text.code !== 0) return fail(`terraform show failed:\n${json.stderr}\n${text.stderr}`);
  writeFileSync(join(dir, `${stack}.json`), json.stdout);
  writeFileSync(join(dir, `${stack}.txt`), text.stdout);
  writeFileSync(join(dir, `${stack}.exit`), String(plan.code));
  return plan.code;
}

/** Reviews every DIR/<stack>.json (and failed plans with only a .exit), writing .md files and summary.json. */
export function reviewDirectory(dir: string, sha?: string, order?: string[]): Review[] {
  const stacks = new Set<string>();
  for (const f of readdirSync(dir)) {
    const m = /^(.+)\.(json|exit)$/.exec(f);
    if (m && m[1] !== "summary") stacks.add(m[1]);
  }
  const ordered = [...(order ?? []).filter((s) => stacks.has(s)), ...[...stacks].filter((s) => !order?.includes(s)).sort()];
  const reviews: Review[] = [];
  for (const stack of ordered) {
    const read = (ext: string) => (existsSync(join(dir, `${stack}.${ext}`)) ? readFileSync(join(dir, `${stack}.${ext}`), "utf8") : undefined);
    const exitText = read("exit");
    const exitCode = exitText === undefined ? undefined : Number(exitText.trim());
    const json = read("json");
    const review = reviewPlan({ stack, plan: json && exitCode !== 1 ? JSON.parse(json) : undefined, planText: read("txt"), exitCode: json ? exitCode : 1, sha });
    writeFileSync(join(dir, `${stack}.md`), review.markdown);
    reviews.push(review);
  }
  const summary = Object.fromEntries(
    reviews.map((r) => [r.stack, { verdict: r.verdict, failed: r.failed, destructive: r.destructive.map((i) => `${i.action} ${i.address}`), counts: r.counts, monthlyCostDelta: r.cost.monthly }]),
  );
  writeFileSync(join(dir, "summary.json"), JSON.stringify({ sha, stacks: summary }, null, 2));
  return reviews;
}

function gitSha(): string | undefined {
  if (process.env.GITHUB_SHA) return process.env.GITHUB_SHA;
  const r = spawnSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export async function main(argv: string[]): Promise<number> {
  let run = false;
  let dir = "plans";
  let sha: string | undefined;
  let env: string | undefined;
  const stacks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--run") run = true;
    else if (a === "--dir") dir = argv[++i];
    else if (a === "--sha") sha = argv[++i];
    else if (a === "--env") env = argv[++i];
    else if (a === "--help" || a === "-h") {
      process.stdout.write(readFileSync(__filename, "utf8").split("*/")[0].replace(/^\/\*\*?|^ \* ?/gm, "") + "\n");
      return 0;
    } else if (a.startsWith("-")) throw new Error(`unknown option ${a} (see npm run plan-review -- --help)`);
    else stacks.push(a);
  }
  mkdirSync(dir, { recursive: true });
  const outdir = "cdktf.out";
  let order: string[] | undefined;
  if (run || env || stacks.length) {
    const manifestFile = join(outdir, "manifest.json");
    if (!existsSync(manifestFile)) throw new Error(`${manifestFile} not found: run npm run synth first`);
    const manifest: Manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    order = planOrder(manifest, env ? stacksOfEnvironment(manifest, env).filter((s) => !stacks.length || stacks.includes(s)) : stacks);
    if (run)
      for (const s of order) {
        process.stderr.write(`plan-review: planning ${s}\n`);
        await runPlan(outdir, s, manifest.stacks[s].workingDirectory, dir);
      }
  }
  const reviews = reviewDirectory(dir, sha ?? gitSha(), order).filter((r) => !order || order.includes(r.stack));
  for (const r of reviews) process.stdout.write(`${r.stack}: ${r.verdict}${r.reasons.length ? ` (${r.reasons.join("; ")})` : ""} -> ${join(dir, `${r.stack}.md`)}\n`);
  if (!reviews.length) process.stdout.write(`no plans in ${dir}/ (expected <stack>.json from terraform show -json; or use --run)\n`);
  return reviews.some((r) => r.failed) ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`plan-review: ${(e as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
