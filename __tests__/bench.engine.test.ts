/**
 * The firewall engine part of `npm run bench` (bench/firewall-engine.ts), run for real: it needs
 * Suricata, so it sits with the engine layer ("engine" in its name keeps it out of `npm run
 * test:unit`, which needs neither terraform nor Suricata).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..");

test("the firewall engine benchmark builds the policy once and runs Suricata --runs times", () => {
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "bench", "firewall-engine.ts"), "--runs", "2"], { cwd: ROOT, encoding: "utf8" });
  expect(r.status).toBe(0);
  const runs = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  expect(runs).toHaveLength(2);
  for (const run of runs) expect(run).toEqual({ seconds: expect.any(Number), maxRssKiB: expect.any(Number), rules: runs[0].rules, packets: runs[0].packets, flows: runs[0].flows });
  expect(runs[0].rules).toBeGreaterThan(0);
  expect(runs[0].maxRssKiB).toBeGreaterThan(0);
});
