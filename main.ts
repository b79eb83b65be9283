/**
 * Entry point: validates every config/<environment>.json and config/hubs/<hub>.json, then synthesizes
 * each hub's <hub>-inspection stack and each environment's stacks (<env>-network, then <env>-studio
 * and <env>-notebook as enabled). Validation runs to completion before the App exists, so a bad config writes no JSON.
 * During synth the guardrails check every stack (after its aspects); any violation, of any stack,
 * is reported together and stops synth with exit 1. A failed synth removes the previous output's
 * stacks and manifest (removePreviousOutput).
 */
import { App } from "cdktf";
import { appendFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, configErrorReport, loadConfig } from "./modules/config/load";
import { GuardrailViolation, synthWithGuardrails } from "./modules/guardrails";
import { environmentStacks } from "./stacks/environment";
import { hubStack } from "./stacks/hub";

function main(): void {
  const configDir = process.env.SAGEMAKER_ANFW_CONFIG_DIR ?? join(__dirname, "config");
  let config;
  try {
    config = loadConfig(configDir);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    fail(configErrorReport(e));
  }

  const app = new App();
  for (const hub of config.hubs) hubStack(app, hub, config.environments);
  for (const env of config.environments) environmentStacks(app, env, config.hubs);
  try {
    // Every stack's guardrail violations in one report.
    synthWithGuardrails(app);
  } catch (e) {
    // A security rule is broken: say which resources and rules, without a stack trace.
    if (!(e instanceof GuardrailViolation)) throw e;
    fail(`${e.message}\n`);
  }
}

/** Stops synth with exit 1: the report for the user, and no previous output left to look current. */
function fail(text: string): never {
  report(text);
  removePreviousOutput();
  process.exit(1);
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
  if (stale.length) report(`Removed the previous synth output (${stale.join(", ")}) so it is not mistaken for this run's.\n`);
}

/**
 * What the user must read (the config problems, the guardrail violations), on stderr; or, when
 * scripts/cdktf.cjs runs cdktf (npm run synth/diff/deploy/destroy), into the file it names, which
 * it prints once cdktf has finished. cdktf prints a failing app's stderr twice (as it comes, then
 * again under "Command output on stderr"), so the report would otherwise be read twice.
 */
function report(text: string): void {
  const file = process.env.SAGEMAKER_ANFW_REPORT_FILE;
  if (file) appendFileSync(file, text);
  else process.stderr.write(text);
}

try {
  main();
} catch (e) {
  // An unexpected error stops synth too: the previous output must not look current either.
  removePreviousOutput();
  throw e;
}
