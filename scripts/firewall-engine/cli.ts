/**
 * npm run firewall-engine: replays the packet catalogue against each synthesized network stack's
 * firewall policy (cdktf.out/stacks/*-network, so run `npm run synth` first) through a real
 * Suricata, and prints what happens to each flow. With --docs, renders docs/egress-perimeter.md's
 * table from the docs' example environment instead (--readme: its old name, still accepted). Needs
 * Suricata (docs/testing.md, layer 6).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { suricataBinary } from "./engine";
import { evaluate } from "./evaluate";
import { readmeTable, renderTable, renderTableIntoReadme, subjectOf, TABLE_DOC } from "./table";

const root = join(__dirname, "..", "..");
const args = process.argv.slice(2);
if (args.includes("--help") || args.some((a) => !["--docs", "--readme", "--help"].includes(a))) {
  process.stdout.write(`usage: npm run firewall-engine [-- --docs]\n  replays the packet catalogue through Suricata against cdktf.out/stacks/*-network (npm run synth first);\n  --docs renders the per-flow table of ${TABLE_DOC} from scripts/readme-diagrams/dev.json\n`);
  process.exit(args.includes("--help") ? 0 : 2);
}
try {
  const { version } = suricataBinary();
  if (args.includes("--docs") || args.includes("--readme")) {
    const file = join(root, TABLE_DOC);
    writeFileSync(file, renderTableIntoReadme(readFileSync(file, "utf8"), readmeTable()));
    process.stdout.write(`rendered the per-flow firewall table into ${TABLE_DOC} (Suricata ${version})\n`);
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
