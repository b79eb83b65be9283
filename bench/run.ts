/**
 * npm run bench: synth and test speed against the floor, on this machine, in one run.
 *
 *   floor        an empty cdktf TypeScript app (bench/empty-app.ts), same toolchain as main.ts
 *   synth N AZs  main.ts on one environment with N AZs (both stacks), N = 1, 3, 6
 *   npm test     the whole test command
 *
 * Each is run several times (BENCH_RUNS, default 7; BENCH_TEST_RUNS, default 2; BENCH_SKIP_TEST=1
 * to skip npm test); median, min, max and spread are reported, with ratios to the floor and the
 * targets checked. Also: resource counts per AZ count (linearity) and the deploy critical path.
 * Results go to bench/results/<date>-<host>.json and .md.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, hostname, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { criticalPath, dependencyGraph, typicalMinutes } from "../scripts/graph-lib";

const ROOT = join(__dirname, "..");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TEST_RUNS = Number(process.env.BENCH_TEST_RUNS ?? 2);
const TARGET_SYNTH_RATIO = 1.3;
const TARGET_TEST_SECONDS = 60;

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

/** Wall-clock seconds of one run of `args` under node; throws if it fails. */
function timeNode(args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr}`);
  return seconds;
}

function configWith(azCount: number): string {
  const dir = mkdtempSync(join(tmpdir(), `bench-config-${azCount}-`));
  const letters = "abcdef".slice(0, azCount);
  writeFileSync(join(dir, "bench.json"), JSON.stringify({ availabilityZones: [...letters].map((l) => `us-east-1${l}`) }));
  return dir;
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

function main(): void {
  const outBase = mkdtempSync(join(tmpdir(), "bench-out-"));
  // One warm-up each, so the first measured run does not pay for cold file caches.
  const floorArgs = [TSX, join(ROOT, "bench", "empty-app.ts")];
  timeNode(floorArgs, { CDKTF_OUTDIR: join(outBase, "floor") });
  const floor = stats(Array.from({ length: RUNS }, (_, i) => timeNode(floorArgs, { CDKTF_OUTDIR: join(outBase, `floor-${i}`) })));

  const synth: Record<number, Stats & { resources: number; ratio: number }> = {};
  for (const azs of [1, 3, 6]) {
    const config = configWith(azs);
    const env = (i: number) => ({ SAGEMAKER_ANFW_CONFIG_DIR: config, CDKTF_OUTDIR: join(outBase, `synth-${azs}-${i}`) });
    timeNode([TSX, join(ROOT, "main.ts")], env(-1));
    const s = stats(Array.from({ length: RUNS }, (_, i) => timeNode([TSX, join(ROOT, "main.ts")], env(i))));
    synth[azs] = { ...s, resources: resourceCount(join(outBase, `synth-${azs}-0`)), ratio: s.median / floor.median };
  }

  let test: Stats | undefined;
  if (process.env.BENCH_SKIP_TEST !== "1") {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    test = stats(
      Array.from({ length: TEST_RUNS }, () => {
        const start = process.hrtime.bigint();
        const r = spawnSync(npm, ["test", "--silent"], { cwd: ROOT, encoding: "utf8", env: process.env });
        if (r.status !== 0) throw new Error(`npm test failed:\n${r.stdout}\n${r.stderr}`);
        return Number(process.hrtime.bigint() - start) / 1e9;
      }),
    );
  }

  // Deploy critical path of the 3-AZ stacks.
  const paths = readdirSync(join(outBase, "synth-3-0", "stacks")).map((stack) => {
    const graph = dependencyGraph(JSON.parse(readFileSync(join(outBase, "synth-3-0", "stacks", stack, "cdk.tf.json"), "utf8")));
    return { stack, longestChain: criticalPath(graph), byTypicalMinutes: criticalPath(graph, typicalMinutes) };
  });

  // Linearity: equal resources per added AZ between 1->3 and 3->6; time per added AZ within 50%.
  const perAz13 = (synth[3].resources - synth[1].resources) / 2;
  const perAz36 = (synth[6].resources - synth[3].resources) / 3;
  const timePerAz13 = (synth[3].median - synth[1].median) / 2;
  const timePerAz36 = (synth[6].median - synth[3].median) / 3;
  const targets = {
    synth3AzWithin1_3xFloor: synth[3].ratio <= TARGET_SYNTH_RATIO,
    resourcesLinearInAzs: perAz13 === perAz36,
    synthTimeLinearInAzs: Math.abs(timePerAz36 - timePerAz13) <= 0.5 * Math.max(Math.abs(timePerAz13), Math.abs(timePerAz36), 0.01),
    npmTestWithin60s: test ? test.median <= TARGET_TEST_SECONDS : undefined,
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
  const result = { date, machine, runs: RUNS, testRuns: TEST_RUNS, floor, synth, test, linearity: { perAz13, perAz36, timePerAz13, timePerAz36 }, targets, criticalPaths: paths };

  const lines = [
    `# Benchmark ${date.slice(0, 10)} on ${machine.host} (${machine.cpus} cores, ${machine.memoryGiB} GiB, node ${machine.node})`,
    "",
    "| measurement | median | min | max | spread | ratio to floor |",
    "| --- | --- | --- | --- | --- | --- |",
    `| floor: empty cdktf app | ${fmt(floor.median)} | ${fmt(floor.min)} | ${fmt(floor.max)} | ${(floor.spread * 100).toFixed(0)}% | 1.00 |`,
    ...[1, 3, 6].map(
      (n) =>
        `| synth, ${n} AZ${n > 1 ? "s" : ""} (${synth[n].resources} resources) | ${fmt(synth[n].median)} | ${fmt(synth[n].min)} | ${fmt(synth[n].max)} | ${(synth[n].spread * 100).toFixed(0)}% | ${synth[n].ratio.toFixed(2)} |`,
    ),
    ...(test ? [`| npm test | ${fmt(test.median)} | ${fmt(test.min)} | ${fmt(test.max)} | ${(test.spread * 100).toFixed(0)}% | |`] : []),
    "",
    `Resources per added AZ: ${perAz13} (1 to 3 AZs), ${perAz36} (3 to 6). Synth time per added AZ: ${fmt(timePerAz13)}, ${fmt(timePerAz36)}.`,
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
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  const base = join(ROOT, "bench", "results", `${date.slice(0, 10)}-${machine.host.replace(/[^A-Za-z0-9-]/g, "_")}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.md`, `${lines.join("\n")}\n`);
  process.stdout.write(`${lines.join("\n")}\n\nwrote ${base}.json and .md\n`);
}

main();
