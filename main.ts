/**
 * Entry point: validates every config/<environment>.json, then synthesizes each environment's
 * stacks (<env>-network, then <env>-studio and <env>-notebook as enabled). Validation runs to completion before the App exists, so a bad config writes no JSON.
 * During synth the guardrails check every stack (after its aspects); any violation, of any stack,
 * is reported together and stops synth with exit 1.
 */
import { App } from "cdktf";
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
    process.exit(1);
  }
}

main();
