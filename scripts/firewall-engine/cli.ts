/**
 * npm run firewall-engine: replays the packet catalogue against each synthesized network stack's
 * firewall policy (cdktf.out/stacks/*-network, so run `npm run synth` first) through a real
 * Suricata, and prints what happens to each flow. With --readme, renders the README's table from
 * the README's example environment instead. Needs Suricata (README, Tests).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { suricataBinary } from "./engine";
import { evaluate } from "./evaluate";
import { readmeTable, renderTable, renderTableIntoReadme, subjectOf } from "./table";

const root = join(__dirname, "..", "..");
const args = process.argv.slice(2);
if (args.includes("--help") || args.some((a) => !["--readme", "--help"].includes(a))) {
  process.stdout.write("usage: npm run firewall-engine [-- --readme]\n  replays the packet catalogue through Suricata against cdktf.out/stacks/*-network (npm run synth first);\n  --readme renders the README's per-flow table from scripts/readme-diagrams/dev.json\n");
  process.exit(args.includes("--help") ? 0 : 2);
}
try {
  const { version } = suricataBinary();
  if (args.includes("--readme")) {
    const file = join(root, "README.md");
    writeFileSync(file, renderTableIntoReadme(readFileSync(file, "utf8"), readmeTable()));
    process.stdout.write(`rendered the per-flow firewall table into README.md (Suricata ${version})\n`);
  } else {
    const stacksDir = join(root, "cdktf.out", "stacks");
    const networks = existsSync(stacksDir) ? readdirSync(stacksDir).filter((s) => s.endsWith("-network")).sort() : [];
    if (networks.length === 0) throw new Error("no cdktf.out/stacks/*-network: run `npm run synth` first");
    for (const stack of networks) {
      const json = JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8"));
      process.stdout.write(`\n## ${stack} (Suricata ${version}, Network Firewall's strict order emulated)\n\n${renderTable(evaluate(json, subjectOf(json)))}\n`);
    }
  }
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
