/**
 * Tests leave no temporary directories behind: what a test file makes through scratchDir() and
 * what cdktf's Testing makes is removed after the file (support/setup.ts), and the run's end
 * (jest/global-teardown.ts) fails on anything else left in the run's temp dir.
 */
import { Testing, TerraformStack } from "cdktf";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeRunTmpdir } from "./jest/global-teardown";
import { removeScratchDirs, scratchDir } from "./support/scratch";

test("the tests run in a temp dir of their own, not the machine's", () => {
  expect(process.env.SAGEMAKER_ANFW_TEST_RUN_TMPDIR).toBeDefined();
  expect(tmpdir()).toBe(process.env.SAGEMAKER_ANFW_TEST_RUN_TMPDIR);
  expect(tmpdir()).not.toBe(process.env.SAGEMAKER_ANFW_SYSTEM_TMPDIR);
});

test("scratch dirs and cdktf's Testing output dirs are removed after the file", () => {
  const mine = scratchDir("probe");
  const app = Testing.app();
  const synthesized = Testing.fullSynth(new TerraformStack(app, "probe"));
  for (const dir of [mine, app.outdir, synthesized]) expect(existsSync(dir)).toBe(true);
  removeScratchDirs(); // what support/setup.ts runs after each file
  for (const dir of [mine, app.outdir, synthesized]) expect(existsSync(dir)).toBe(false);
});

describe("the end of the run", () => {
  // Outside the run's temp dir: these stand for one.
  const fakeRunDir = () => mkdtempSync(join(process.env.SAGEMAKER_ANFW_SYSTEM_TMPDIR!, "sagemaker-anfw-teardown-probe-"));

  test("fails naming what a test left, and removes it", () => {
    const dir = fakeRunDir();
    mkdirSync(join(dir, "sagemaker-anfw-main-abc123"));
    mkdirSync(join(dir, "tsx-0"));
    expect(() => removeRunTmpdir(dir)).toThrow(/left 1 entry .*: sagemaker-anfw-main-abc123\. /);
    expect(existsSync(dir)).toBe(false);
  });

  test("passes when only tsx's compile cache is there", () => {
    const dir = fakeRunDir();
    mkdirSync(join(dir, "tsx-0"));
    expect(() => removeRunTmpdir(dir)).not.toThrow();
    expect(existsSync(dir)).toBe(false);
  });
});
