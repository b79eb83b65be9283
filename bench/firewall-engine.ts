/**
 * The firewall engine layer's cost, for npm run bench: Suricata loading the README example's
 * laid-out policy and running the whole packet catalogue on it, timed and its peak memory read with
 * GNU time (`/usr/bin/time -f "%e %M"`). `--runs N` (default 1): Suricata runs N times on the same
 * policy and packets, one JSON line each: {"seconds", "maxRssKiB", "rules", "packets", "flows"}.
 *
 * The policy and the catalogue are built once per process: what is measured is Suricata alone (its
 * own seconds and peak memory, read by GNU time), and building them (a synth of the README example,
 * about 1.7 s) in a new process for every run was most of this benchmark's time.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCatalogue, catalogueSpecs } from "../scripts/firewall-engine/catalogue";
import { prepareRun, suricataBinary } from "../scripts/firewall-engine/engine";
import { clientAddressIn } from "../scripts/firewall-engine/evaluate";
import { layOutPolicy } from "../scripts/firewall-engine/layout";
import { readmeNetworkStack, subjectOf } from "../scripts/firewall-engine/table";

const stack = readmeNetworkStack();
const policy = layOutPolicy(stack);
const client = clientAddressIn(policy);
const catalogue = buildCatalogue(catalogueSpecs({ client, ...subjectOf(stack) }), client);
const runsArg = process.argv.indexOf("--runs");
const runs = runsArg < 0 ? 1 : Number(process.argv[runsArg + 1]);
if (!Number.isInteger(runs) || runs < 1) throw new Error("usage: tsx bench/firewall-engine.ts [--runs <n>]");
const packets = catalogue.flows.reduce((n, f) => n + f.packets.length, 0);
for (let i = 0; i < runs; i++) {
  // A fresh output dir per run: Suricata writes its logs there, and each run starts as the first did.
  const dir = mkdtempSync(join(tmpdir(), "bench-fw-engine-"));
  try {
    const run = spawnSync("/usr/bin/time", ["-f", "%e %M", suricataBinary().path, ...prepareRun(policy, catalogue.pcap, dir)], { encoding: "utf8" });
    const last = run.stderr.trim().split("\n").pop() ?? "";
    const m = /^([\d.]+) (\d+)$/.exec(last);
    if (run.status !== 0 || !m) throw new Error(`suricata under /usr/bin/time failed (${run.status}): ${run.stderr}`);
    process.stdout.write(`${JSON.stringify({ seconds: Number(m[1]), maxRssKiB: Number(m[2]), rules: policy.rules.length, packets, flows: catalogue.flows.length })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
