/**
 * npm run bench writes its results where they do not dirty the working tree, unless asked to
 * record them (bench/paths.ts); the benchmark itself is never run by tests (it takes minutes).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parseBenchArgs, resultBase } from "../bench/paths";

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
