/**
 * npm run bench writes its results where they do not dirty the working tree, unless asked to
 * record them (bench/paths.ts), and says what it is doing as it goes (bench/progress.ts); the
 * benchmark itself is never run by tests (it takes minutes); its Suricata part is, in bench.engine.test.ts.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parseBenchArgs, resultBase } from "../bench/paths";
import { finishedTestFiles, Progress } from "../bench/progress";
import { scratchDir } from "./support/scratch";

const ROOT = join(__dirname, "..");
const ignored = readFileSync(join(ROOT, ".gitignore"), "utf8").split("\n").map((l) => l.trim());

test("by default the results go under node_modules/, which git ignores", () => {
  const base = relative(ROOT, resultBase(ROOT, parseBenchArgs([]), "2030-01-02T03:04:05.000Z", "build box.local"));
  expect(base.split(sep)[0]).toBe("node_modules");
  expect(ignored).toContain("node_modules/");
  expect(base.endsWith(`${sep}2030-01-02-build_box_local`)).toBe(true);
});

test("--record writes them to bench/results/, which git does not ignore", () => {
  const base = relative(ROOT, resultBase(ROOT, parseBenchArgs(["--record"]), "2030-01-02T03:04:05.000Z", "vm"));
  expect(base).toBe(join("bench", "results", "2030-01-02-vm"));
  expect(ignored.filter((l) => /^\/?bench\b/.test(l))).toEqual([]);
});

test("an unknown argument is refused", () => {
  expect(() => parseBenchArgs(["--recrod"])).toThrow(/unknown argument --recrod; usage: npm run bench/);
});

test("--dry-run says where the results would go and measures nothing", () => {
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "bench", "run.ts"), "--record", "--dry-run"], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^would write bench\/results\/\d{4}-\d{2}-\d{2}-[A-Za-z0-9_-]+\.json and \.md\n$/);
});

describe("progress while the benchmark runs (it used to print nothing until the end, for minutes)", () => {
  test("each benchmark prints a numbered line when it starts and when it ends, with the time since the start", () => {
    const lines: string[] = [];
    let now = 1_000_000;
    const progress = new Progress(11, (l) => lines.push(l), () => now);
    progress.begin("cdktf synth, 3 AZs", "1 warm-up + 7 runs");
    now += 83_000;
    progress.end("cdktf synth, 3 AZs", "2.982 s", 83);
    progress.begin("npm test, cold", "1 run, minutes");
    now += 30_000;
    progress.still("npm test, cold", "4 test files done");
    expect(lines).toEqual([
      "[bench 1/11 0:00] cdktf synth, 3 AZs: 1 warm-up + 7 runs",
      "[bench 1/11 1:23]   cdktf synth, 3 AZs: median 2.982 s (1:23 in all)",
      "[bench 2/11 1:23] npm test, cold: 1 run, minutes",
      "[bench 2/11 1:53]   npm test, cold: 4 test files done",
    ]);
  });

  test("the test files done are counted from what jest itself prints (a real jest run of two files, one failing)", () => {
    const dir = scratchDir("bench-jest-output");
    writeFileSync(join(dir, "a.test.js"), 'test("passes", () => expect(1).toBe(1));\n');
    writeFileSync(join(dir, "b.test.js"), 'test("fails", () => expect(1).toBe(2));\n');
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "jest", "bin", "jest.js"), "--rootDir", dir, "--config", "{}", "--ci", "--no-cache", "--watchman=false", `--cacheDirectory=${join(dir, "cache")}`], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(1); // b fails
    expect(finishedTestFiles(r.stderr)).toBe(2);
    expect(finishedTestFiles("")).toBe(0);
  });
});
