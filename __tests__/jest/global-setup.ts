/**
 * jest globalSetup: the test run gets a temp dir of its own, and every test worker and every
 * process the tests start inherits it as TMPDIR (TMP and TEMP on Windows). global-teardown.ts
 * fails the run if anything is left in it: a leak is then this run's, never a concurrent run's
 * or another program's, as a before/after listing of the machine's temp dir could not tell.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function globalSetup(): void {
  const system = process.env.SAGEMAKER_ANFW_SYSTEM_TMPDIR ?? tmpdir();
  const run = mkdtempSync(join(system, "sagemaker-anfw-jest-"));
  process.env.SAGEMAKER_ANFW_SYSTEM_TMPDIR = system;
  process.env.SAGEMAKER_ANFW_TEST_RUN_TMPDIR = run;
  process.env.TMPDIR = run;
  process.env.TMP = run;
  process.env.TEMP = run;
}
