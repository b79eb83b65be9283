/**
 * The firewall engine layer's cost, for npm run bench: Suricata loading the README example's
 * laid-out policy and running the whole packet catalogue on it, timed and its peak memory read with
 * GNU time (`/usr/bin/time -f "%e %M"`). Prints one JSON line: {"seconds", "maxRssKiB", "rules", "packets", "flows"}.
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
const dir = mkdtempSync(join(tmpdir(), "bench-fw-engine-"));
try {
  const run = spawnSync("/usr/bin/time", ["-f", "%e %M", suricataBinary().path, ...prepareRun(policy, catalogue.pcap, dir)], { encoding: "utf8" });
  const last = run.stderr.trim().split("\n").pop() ?? "";
  const m = /^([\d.]+) (\d+)$/.exec(last);
  if (run.status !== 0 || !m) throw new Error(`suricata under /usr/bin/time failed (${run.status}): ${run.stderr}`);
  const packets = catalogue.flows.reduce((n, f) => n + f.packets.length, 0);
  process.stdout.write(`${JSON.stringify({ seconds: Number(m[1]), maxRssKiB: Number(m[2]), rules: policy.rules.length, packets, flows: catalogue.flows.length })}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
