/**
 * Entry point: validates every config/<environment>.json, then synthesizes each environment's
 * stacks (<env>-network, then <env>-studio and <env>-notebook as enabled). Validation runs to completion before the App exists, so a bad config writes no JSON.
 * During synth the guardrails check every stack (after its aspects); any violation, of any stack,
 * is reported together and stops synth with exit 1. A failed synth removes the previous output's
 * stacks and manifest (removePreviousOutput).
 */
import { App } from "cdktf";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadAllEnvironments } from "./modules/config/load";
import { GuardrailViolation, synthWithGuardrails } from "./modules/guardrails";
import { environmentStacks } from "./stacks/environment";

function main(): void {
  const configDir = process.env.SAGEMAKER_ANFW_CONFIG_DIR ?? join(__dirname, "config");
  let environments;
  try {
    environments = loadAllEnvironments(configDir);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`Invalid configuration, nothing was synthesized:\n${e.message}\n`);
    removePreviousOutput();
    process.exit(1);
  }

  const app = new App();
  for (const env of environments) environmentStacks(app, env);
  try {
    // Every stack's guardrail violations in one report.
    synthWithGuardrails(app);
  } catch (e) {
    // A security rule is broken: say which resources and rules, without a stack trace.
    if (!(e instanceof GuardrailViolation)) throw e;
    process.stderr.write(`${e.message}\n`);
    removePreviousOutput();
    process.exit(1);
  }
}

/**
 * A failed synth removes the previous run's stacks and manifest: `cdktf synth` leaves its output
 * directory alone when the app fails, and an older cdktf.out/stacks would look current to
 * `terraform plan`, `npm run diagram` or a reviewer. (With guardrail violations, cdktf has already
 * written this run's stacks, which must not be deployed either.) Only what cdktf writes there is
 * removed, so an output directory given as "." cannot take anything else with it.
 */
function removePreviousOutput(): void {
  // The App's own default: CDKTF_OUTDIR (set by cdktf synth), else cdktf.out in the working directory.
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const stale = ["stacks", "manifest.json"].map((entry) => join(outdir, entry)).filter((path) => existsSync(path));
  for (const path of stale) rmSync(path, { recursive: true, force: true });
  if (stale.length) process.stderr.write(`Removed the previous synth output (${stale.join(", ")}) so it is not mistaken for this run's.\n`);
}

try {
  main();
} catch (e) {
  // An unexpected error stops synth too: the previous output must not look current either.
  removePreviousOutput();
  throw e;
}
