/**
 * npm run bench: synth and test speed against the floor, on this machine, in one run.
 *
 *   floor        `cdktf synth` of an empty cdktf TypeScript app (bench/empty-app.ts), run by the same
 *                toolchain as ours: cdktf-cli, then scripts/run-main.cjs (esbuild bundle + node)
 *   synth N AZs  `cdktf synth` of this project on one environment with N AZs (both stacks), N = 1, 3, 6
 *   app only     the same two apps run directly (node scripts/run-main.cjs), without cdktf-cli
 *   npm test     the whole test command, cold (an empty terraform result cache and jest cache and a
 *                full type-check, as a clean clone in CI has) and warm (the caches that cold run
 *                filled: see __tests__/support/result-cache.ts)
 *
 * Each is run several times (BENCH_RUNS, default 7; BENCH_TEST_RUNS, default 2 warm runs after 1
 * cold run; BENCH_SKIP_TEST=1 to skip npm test); median, min, max and spread are reported, with ratios to the floor and the
 * targets checked. Also: resource counts per AZ count (linearity) and the deploy critical path.
 * Progress goes to stderr as it runs (bench/progress.ts): a line per benchmark, and one every 30 s
 * during an `npm test` run.
 * Results go to node_modules/.cache/sagemaker-anfw/bench/<date>-<host>.json and .md, or with
 * `npm run bench -- --record` to bench/results/ (to commit); `--dry-run` only says where (bench/paths.ts).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, tmpdir, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { criticalPath, dependencyGraph, typicalMinutes } from "../scripts/graph-lib";
import { BenchArgs, parseBenchArgs, resultBase } from "./paths";
import { finishedTestFiles, HEARTBEAT_SECONDS, Progress } from "./progress";

const ROOT = join(__dirname, "..");
const RUNNER = join(ROOT, "scripts", "run-main.cjs");
const CDKTF = join(ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TEST_RUNS = Number(process.env.BENCH_TEST_RUNS ?? 2);
const TARGET_SYNTH_RATIO = 1.3;
const TARGET_TEST_SECONDS = 60;
/** The cold run is what CI's test step does (.ci/run), which must finish within 5 minutes on 2 cores (issue 23). */
const TARGET_TEST_COLD_SECONDS = 300;
/** The firewall engine layer: Suricata running the README example's policy on the whole catalogue. */
const TARGET_ENGINE_SECONDS = 2;
const TARGET_ENGINE_MIB = 256;
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

interface Stats {
  readonly runs: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / median */
  readonly spread: number;
}

function stats(runs: number[]): Stats {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { runs, median, min: sorted[0], max: sorted[sorted.length - 1], spread: (sorted[sorted.length - 1] - sorted[0]) / median };
}

/** Wall-clock seconds of one run of `args` under node in `cwd`; throws if it fails. */
function timeNode(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env }, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr}`);
  return seconds;
}

/** Temp dirs of this run, removed when it ends (see main). */
const scratch: string[] = [];
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

function configWith(azCount: number): string {
  const dir = scratchDir(`bench-config-${azCount}-`);
  const letters = "abcdef".slice(0, azCount);
  // Every stack: the network, Studio and the notebook.
  writeFileSync(
    join(dir, "bench.json"),
    JSON.stringify({ accountId: "111122223333", availabilityZones: [...letters].map((l) => `us-east-1${l}`), notebook: { enabled: true, availabilityZone: "us-east-1a" } }),
  );
  return dir;
}

/** A scratch cdktf project whose app is the empty app, run by the same runner as ours. */
function emptyProject(): string {
  const dir = scratchDir("bench-empty-project-");
  writeFileSync(
    join(dir, "cdktf.json"),
    JSON.stringify({ language: "typescript", app: `node ${RUNNER} ${join(ROOT, "bench", "empty-app.ts")}`, sendCrashReports: "false", terraformProviders: [], terraformModules: [], context: {} }),
  );
  return dir;
}

/** Median-of-RUNS seconds of `run(i)`, after one warm-up run (which also builds the bundle); reported as it goes. */
function measure(progress: Progress, what: string, run: (i: number) => number): Stats {
  const start = Date.now();
  progress.begin(what, `1 warm-up + ${RUNS} runs`);
  run(-1);
  const s = stats(Array.from({ length: RUNS }, (_, i) => run(i)));
  progress.end(what, fmt(s.median), (Date.now() - start) / 1000);
  return s;
}

function resourceCount(outdir: string): number {
  let count = 0;
  for (const stack of readdirSync(join(outdir, "stacks"))) {
    const json = JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
    for (const byName of Object.values<Record<string, unknown>>(json.resource ?? {})) count += Object.keys(byName).length;
  }
  return count;
}

const fmt = (s: number) => `${s.toFixed(3)} s`;

/**
 * One `npm test` run, timed; while it runs, a progress line every HEARTBEAT_SECONDS with the test
 * files jest has finished (spawned, not spawnSync, so the benchmark can report while it waits).
 */
function timeNpmTest(progress: Progress, what: string, cacheDirectory: string, env: NodeJS.ProcessEnv): Promise<number> {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(npm, ["test", "--silent", "--", `--cacheDirectory=${cacheDirectory}`], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const heartbeat = setInterval(() => progress.still(what, `${finishedTestFiles(stderr)} test files done`), HEARTBEAT_SECONDS * 1000);
    child.on("error", (e) => {
      clearInterval(heartbeat);
      reject(e);
    });
    child.on("close", (code) => {
      clearInterval(heartbeat);
      if (code !== 0) reject(new Error(`npm test failed:\n${stdout}\n${stderr}`));
      else resolve(Number(process.hrtime.bigint() - start) / 1e9);
    });
  });
}

async function bench(args: BenchArgs): Promise<void> {
  const skipTest = process.env.BENCH_SKIP_TEST === "1";
  // floor, floor app, synth and app for 1/3/6 AZs, the engine; then npm test cold and warm.
  const progress = new Progress(9 + (skipTest ? 0 : 2));
  const outBase = scratchDir("bench-out-");
  const empty = emptyProject();
  const emptyApp = [RUNNER, join(ROOT, "bench", "empty-app.ts")];
  const floor = measure(progress, "floor: cdktf synth of an empty app", (i) => timeNode([CDKTF, "synth", "--output", join(outBase, `floor-${i}`)], {}, empty));
  const floorApp = measure(progress, "app only: empty app", (i) => timeNode(emptyApp, { CDKTF_OUTDIR: join(outBase, `floor-app-${i}`) }));

  const synth: Record<number, Stats & { resources: number; ratio: number }> = {};
  const app: Record<number, Stats & { ratio: number }> = {};
  for (const azs of [1, 3, 6]) {
    const config = configWith(azs);
    const azLabel = `${azs} AZ${azs > 1 ? "s" : ""}`;
    const s = measure(progress, `cdktf synth, ${azLabel}`, (i) => timeNode([CDKTF, "synth", "--output", join(outBase, `synth-${azs}-${i}`)], { SAGEMAKER_ANFW_CONFIG_DIR: config }));
    synth[azs] = { ...s, resources: resourceCount(join(outBase, `synth-${azs}-0`)), ratio: s.median / floor.median };
    const a = measure(progress, `app only, ${azLabel}`, (i) => timeNode([RUNNER], { SAGEMAKER_ANFW_CONFIG_DIR: config, CDKTF_OUTDIR: join(outBase, `app-${azs}-${i}`) }));
    app[azs] = { ...a, ratio: a.median / floorApp.median };
  }

  // The firewall engine layer (bench/firewall-engine.ts): Suricata's own seconds and peak memory,
  // RUNS Suricata runs on a policy and catalogue built once.
  const engineStart = Date.now();
  progress.begin("firewall engine: Suricata on the packet catalogue", `${RUNS} runs`);
  const r = spawnSync(process.execPath, [TSX, join(ROOT, "bench", "firewall-engine.ts"), "--runs", String(RUNS)], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench/firewall-engine.ts failed:\n${r.stderr}`);
  const engineRuns = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { seconds: number; maxRssKiB: number; rules: number; packets: number; flows: number });
  const engine = { ...stats(engineRuns.map((e) => e.seconds)), maxRssMiB: Math.max(...engineRuns.map((e) => e.maxRssKiB)) / 1024, ...engineRuns[0] };
  progress.end("firewall engine", fmt(engine.median), (Date.now() - engineStart) / 1000);

  let test: Stats | undefined;
  let testCold: Stats | undefined;
  if (!skipTest) {
    // A terraform result cache and a jest cache of the benchmark's own: the first run starts both
    // empty (cold, as in a clean clone: no recorded test durations, no transformed files, and a
    // full type-check, its incremental state removed), the others find them filled (warm). The
    // project's usual caches are left alone, apart from the type-check's state.
    const resultCache = scratchDir("bench-tf-results-");
    const jestCache = scratchDir("bench-jest-cache-");
    rmSync(join(ROOT, "node_modules", ".cache", "sagemaker-anfw", "typecheck.tsbuildinfo"), { force: true });
    const env = { TF_RESULTS_CACHE: "on", TF_RESULTS_CACHE_DIR: resultCache };
    progress.begin("npm test, cold (empty caches, full type-check)", "1 run, minutes");
    const cold = await timeNpmTest(progress, "npm test, cold", jestCache, env);
    testCold = stats([cold]);
    progress.end("npm test, cold", fmt(cold), cold);
    const warmStart = Date.now();
    progress.begin("npm test, warm", `${TEST_RUNS} runs`);
    const warm: number[] = [];
    for (let i = 0; i < TEST_RUNS; i++) warm.push(await timeNpmTest(progress, `npm test, warm run ${i + 1}`, jestCache, env));
    test = stats(warm);
    progress.end("npm test, warm", fmt(test.median), (Date.now() - warmStart) / 1000);
  }

  // Deploy critical path of the 3-AZ stacks.
  const paths = readdirSync(join(outBase, "synth-3-0", "stacks")).map((stack) => {
    const graph = dependencyGraph(JSON.parse(readFileSync(join(outBase, "synth-3-0", "stacks", stack, "cdk.tf.json"), "utf8")));
    return { stack, longestChain: criticalPath(graph), byTypicalMinutes: criticalPath(graph, typicalMinutes) };
  });

  // Linearity. Resources: the same count per added AZ from 1 to 3 as from 3 to 6. Time (app only,
  // cdktf-cli's own start-up noise would drown it): the 6-AZ median may exceed the straight line
  // through the 1- and 3-AZ medians by no more than the 6-AZ runs' own spread (max - min).
  const perAz13 = (synth[3].resources - synth[1].resources) / 2;
  const perAz36 = (synth[6].resources - synth[3].resources) / 3;
  const timePerAz13 = (app[3].median - app[1].median) / 2;
  const timePerAz36 = (app[6].median - app[3].median) / 3;
  const predicted6 = app[3].median + 3 * timePerAz13;
  const targets = {
    synth3AzWithin1_3xFloor: synth[3].ratio <= TARGET_SYNTH_RATIO,
    resourcesLinearInAzs: perAz13 === perAz36,
    synthTimeLinearInAzs: app[6].median - predicted6 <= app[6].max - app[6].min,
    npmTestWarmWithin60s: test ? test.median <= TARGET_TEST_SECONDS : undefined,
    npmTestColdWithin5min: testCold ? testCold.median <= TARGET_TEST_COLD_SECONDS : undefined,
    firewallEngineWithin2s: engine.median <= TARGET_ENGINE_SECONDS,
    firewallEngineWithin256MiB: engine.maxRssMiB <= TARGET_ENGINE_MIB,
  };

  const machine = {
    host: hostname(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    terraform: (() => {
      try {
        return execFileSync("terraform", ["version"], { encoding: "utf8" }).split("\n")[0];
      } catch {
        return "not found";
      }
    })(),
  };
  const date = new Date().toISOString();
  const result = { date, machine, runs: RUNS, testRuns: TEST_RUNS, floor, synth, floorApp, app, test, testCold, engine, linearity: { perAz13, perAz36, timePerAz13, timePerAz36, predicted6 }, targets, criticalPaths: paths };

  const lines = [
    `# Benchmark ${date.slice(0, 10)} on ${machine.host} (${machine.cpus} cores, ${machine.memoryGiB} GiB, node ${machine.node})`,
    "",
    "| measurement | median | min | max | spread | ratio to floor |",
    "| --- | --- | --- | --- | --- | --- |",
    `| floor: cdktf synth, empty app | ${fmt(floor.median)} | ${fmt(floor.min)} | ${fmt(floor.max)} | ${(floor.spread * 100).toFixed(0)}% | 1.00 |`,
    ...[1, 3, 6].map(
      (n) =>
        `| cdktf synth, ${n} AZ${n > 1 ? "s" : ""} (${synth[n].resources} resources) | ${fmt(synth[n].median)} | ${fmt(synth[n].min)} | ${fmt(synth[n].max)} | ${(synth[n].spread * 100).toFixed(0)}% | ${synth[n].ratio.toFixed(2)} |`,
    ),
    `| app only: empty app | ${fmt(floorApp.median)} | ${fmt(floorApp.min)} | ${fmt(floorApp.max)} | ${(floorApp.spread * 100).toFixed(0)}% | 1.00 |`,
    ...[1, 3, 6].map(
      (n) =>
        `| app only, ${n} AZ${n > 1 ? "s" : ""} | ${fmt(app[n].median)} | ${fmt(app[n].min)} | ${fmt(app[n].max)} | ${(app[n].spread * 100).toFixed(0)}% | ${app[n].ratio.toFixed(2)} |`,
    ),
    ...(testCold ? [`| npm test, cold (empty terraform result and jest caches, full type-check) | ${fmt(testCold.median)} | ${fmt(testCold.min)} | ${fmt(testCold.max)} | | |`] : []),
    ...(test ? [`| npm test, warm | ${fmt(test.median)} | ${fmt(test.min)} | ${fmt(test.max)} | ${(test.spread * 100).toFixed(0)}% | |`] : []),
    `| firewall engine: Suricata, ${engine.rules} rules, ${engine.flows} flows (${engine.packets} packets); peak ${engine.maxRssMiB.toFixed(0)} MiB | ${fmt(engine.median)} | ${fmt(engine.min)} | ${fmt(engine.max)} | ${(engine.spread * 100).toFixed(0)}% | |`,
    "",
    `Resources per added AZ: ${perAz13} (1 to 3 AZs), ${perAz36} (3 to 6). App time per added AZ: ${fmt(timePerAz13)}, ${fmt(timePerAz36)} ` +
      `(6 AZs: ${fmt(app[6].median)} against ${fmt(predicted6)} on the 1-3 AZ line, runs spread ${fmt(app[6].max - app[6].min)}).`,
    "",
    "Targets:",
    ...Object.entries(targets).map(([k, v]) => `- ${k}: ${v === undefined ? "not measured" : v ? "met" : "NOT met"}`),
    "",
    "Deploy critical paths (3 AZs):",
    ...paths.flatMap((p) => [
      `- ${p.stack}: longest chain ${p.longestChain.path.length} resources: ${p.longestChain.path.join(" -> ")}`,
      `  by typical creation minutes (${p.byTypicalMinutes.total.toFixed(1)} min): ${p.byTypicalMinutes.path.join(" -> ")}`,
    ]),
  ];
  const base = resultBase(ROOT, args, date, machine.host);
  mkdirSync(dirname(base), { recursive: true });
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.md`, `${lines.join("\n")}\n`);
  process.stdout.write(`${lines.join("\n")}\n\nwrote ${relative(ROOT, base)}.json and .md${args.record ? "" : " (npm run bench -- --record writes them to bench/results/)"}\n`);
}

async function main(): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  if (args.dryRun) {
    process.stdout.write(`would write ${relative(ROOT, resultBase(ROOT, args, new Date().toISOString(), hostname()))}.json and .md\n`);
    return;
  }
  try {
    await bench(args);
  } finally {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
