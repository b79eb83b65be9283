/**
 * npm run diagram: after `npm run synth`, writes cdktf.out/diagrams/<stack>.mmd for every stack and
 * renders the README's stacks (README_STACKS) between their markers in README.md.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mermaidForStack, README_STACKS, renderIntoReadme } from "./diagram-lib";

const root = join(__dirname, "..");
const stacksDir = join(root, "cdktf.out", "stacks");
if (!existsSync(stacksDir)) {
  process.stderr.write("no cdktf.out/stacks: run `npm run synth` first (npm run diagram does)\n");
  process.exit(1);
}
const outDir = join(root, "cdktf.out", "diagrams");
mkdirSync(outDir, { recursive: true });

let readme = readFileSync(join(root, "README.md"), "utf8");
for (const stack of readdirSync(stacksDir).sort()) {
  const mermaid = mermaidForStack(JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8")));
  writeFileSync(join(outDir, `${stack}.mmd`), `${mermaid}\n`);
  if (README_STACKS.includes(stack)) readme = renderIntoReadme(readme, stack, mermaid);
  process.stdout.write(`wrote cdktf.out/diagrams/${stack}.mmd\n`);
}
writeFileSync(join(root, "README.md"), readme);
process.stdout.write(`rendered ${README_STACKS.join(", ")} into README.md\n`);
