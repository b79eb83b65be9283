/**
 * npm run diagram:
 * - after `npm run synth`, writes cdktf.out/diagrams/<stack>.mmd for every stack of config/ (one
 *   diagram per stack: each environment's network, Studio and notebook stacks; a workload drawn on
 *   the network stack whose contract it reads);
 * - renders the docs' stacks (README_STACKS) between their markers in DIAGRAMS_DOC
 *   (docs/architecture.md), from the docs' own example environment (scripts/readme-diagrams/dev.json; see readme-diagrams.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DIAGRAMS_DOC, diagramsForStacks, README_STACKS, renderIntoReadme } from "./diagram-lib";
import { README_CONFIG, readmeDiagrams } from "./readme-diagrams";

const root = join(__dirname, "..");
const stacksDir = join(root, "cdktf.out", "stacks");
if (!existsSync(stacksDir)) {
  process.stderr.write("no cdktf.out/stacks: run `npm run synth` first (npm run diagram does)\n");
  process.exit(1);
}
const outDir = join(root, "cdktf.out", "diagrams");
mkdirSync(outDir, { recursive: true });

const stacks = Object.fromEntries(
  readdirSync(stacksDir)
    .sort()
    .map((stack) => [stack, JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8"))]),
);
for (const [stack, mermaid] of Object.entries(diagramsForStacks(stacks))) {
  writeFileSync(join(outDir, `${stack}.mmd`), `${mermaid}\n`);
  process.stdout.write(`wrote cdktf.out/diagrams/${stack}.mmd (from cdktf.out/stacks/${stack}, your config/)\n`);
}

const diagrams = readmeDiagrams();
let doc = readFileSync(join(root, DIAGRAMS_DOC), "utf8");
for (const stack of README_STACKS) doc = renderIntoReadme(doc, stack, diagrams[stack]);
writeFileSync(join(root, DIAGRAMS_DOC), doc);
process.stdout.write(`rendered ${README_STACKS.join(", ")} of ${README_CONFIG} into ${DIAGRAMS_DOC}\n`);
