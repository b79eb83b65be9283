/**
 * npm run firewall-engine: replays the packet catalogue against each synthesized network stack's
 * firewall policy (cdktf.out/stacks/*-network, so run `npm run synth` first) through a real
 * Suricata, and prints what happens to each flow; for each egress hub (cdktf.out/stacks/*-inspection)
 * it prints the matrix of hub.ts: each spoke range's flows to each allowlist's names. With --docs, renders docs/egress-perimeter.md's
 * table from the docs' example environment instead (--readme: its old name, still accepted). Needs
 * Suricata (docs/testing.md, layer 6).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { suricataBinary } from "./engine";
import { evaluate } from "./evaluate";
import { evaluateHub, isHubStack, renderHubMatrix } from "./hub";
import { readmeTable, renderTable, renderTableIntoReadme, subjectOf, TABLE_DOC } from "./table";

const root = join(__dirname, "..", "..");
const args = process.argv.slice(2);
if (args.includes("--help") || args.some((a) => !["--docs", "--readme", "--help"].includes(a))) {
  process.stdout.write(`usage: npm run firewall-engine [-- --docs]\n  replays the packet catalogue through Suricata against cdktf.out/stacks/*-network, and each hub's\n  per-spoke matrix against cdktf.out/stacks/*-inspection (npm run synth first);\n  --docs renders the per-flow table of ${TABLE_DOC} from scripts/readme-diagrams/dev.json\n`);
  process.exit(args.includes("--help") ? 0 : 2);
}
try {
  const { version } = suricataBinary();
  if (args.includes("--docs") || args.includes("--readme")) {
    const file = join(root, TABLE_DOC);
    writeFileSync(file, renderTableIntoReadme(readFileSync(file, "utf8"), readmeTable()));
    process.stdout.write(`rendered the per-flow firewall table into ${TABLE_DOC} (Suricata ${version})\n`);
  } else {
    // Where main.ts wrote them: CDKTF_OUTDIR (as main.ts reads it), else cdktf.out.
    const stacksDir = join(process.env.CDKTF_OUTDIR ? resolve(process.env.CDKTF_OUTDIR) : join(root, "cdktf.out"), "stacks");
    const stacks = existsSync(stacksDir) ? readdirSync(stacksDir).filter((s) => s.endsWith("-network") || s.endsWith("-inspection")).sort() : [];
    if (stacks.length === 0) throw new Error("no cdktf.out/stacks/*-network or *-inspection: run `npm run synth` first");
    for (const stack of stacks) {
      const json = JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8"));
      // A hub spoke's network stack has no firewall (the hub inspects it): nothing to replay there.
      if (!json.resource?.aws_networkfirewall_firewall_policy) {
        process.stdout.write(`\n## ${stack}: no firewall policy (an egress hub spoke: see its hub's -inspection stack)\n`);
        continue;
      }
      if (isHubStack(json)) {
        const { subject, evaluation } = evaluateHub(json);
        process.stdout.write(`\n## ${stack} (egress hub; Suricata ${version}, Network Firewall's strict order emulated)\n\nFrom an address in each range to a name of each allowlist:\n\n${renderHubMatrix(subject, evaluation)}\n`);
        continue;
      }
      process.stdout.write(`\n## ${stack} (Suricata ${version}, Network Firewall's strict order emulated)\n\n${renderTable(evaluate(json, subjectOf(json)))}\n`);
    }
  }
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
