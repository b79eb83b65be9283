/**
 * The docs' diagrams (docs/architecture.md) and per-flow firewall table (docs/egress-perimeter.md)
 * are drawn from an example environment of their own, scripts/readme-diagrams/dev.json (named for
 * where they were first shown), not from config/: editing or renaming your environments then never
 * makes the docs (or the tests that keep them current) stale. `npm run diagram` renders the diagrams
 * into docs/architecture.md; __tests__/diagram.test.ts checks the page holds what this renders.
 */
import { App } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { loadAllEnvironments } from "../modules/config/load";
import { synthWithGuardrails } from "../modules/guardrails";
import { environmentStacks } from "../stacks/environment";
import { diagramsForStacks, README_STACKS } from "./diagram-lib";

const ROOT = join(__dirname, "..");
export const README_CONFIG_DIR = join(__dirname, "readme-diagrams");
/** The example config, as the docs and the script's output name it. */
export const README_CONFIG = relative(ROOT, join(README_CONFIG_DIR, "dev.json"));

/** README_STACKS' diagrams, from the example config synthesized as `npm run synth` would (in a temp dir). */
export function readmeDiagrams(): Record<string, string> {
  const outdir = mkdtempSync(join(tmpdir(), "sagemaker-anfw-readme-diagrams-"));
  try {
    const app = new App({ outdir });
    const stacks = loadAllEnvironments(README_CONFIG_DIR, ROOT).flatMap((env) => environmentStacks(app, env));
    synthWithGuardrails(app);
    const json = Object.fromEntries(stacks.map((s) => [s.node.id, JSON.parse(readFileSync(join(outdir, "stacks", s.node.id, "cdk.tf.json"), "utf8"))]));
    const diagrams = diagramsForStacks(json);
    for (const stack of README_STACKS) if (diagrams[stack] === undefined) throw new Error(`README_STACKS names ${stack}, which ${README_CONFIG} does not synthesize`);
    return Object.fromEntries(README_STACKS.map((stack) => [stack, diagrams[stack]]));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
