/**
 * Temporary directories of a test file, removed after it (support/setup.ts: afterAll), whether
 * its tests passed or not. Everything made through here, and every output dir cdktf's Testing
 * makes, is registered; jest/global-teardown.ts then fails the run if anything else was left in the
 * run's temp dir (see there).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dirs = new Set<string>();

/** A fresh temp dir `sagemaker-anfw-<label>-XXXXXX`, removed after this test file. */
export function scratchDir(label: string): string {
  return removeAfterFile(mkdtempSync(join(tmpdir(), `sagemaker-anfw-${label}-`)));
}

/** Registers `dir` (made by someone else, e.g. cdktf's Testing) for removal after this test file. */
export function removeAfterFile(dir: string): string {
  dirs.add(dir);
  return dir;
}

/** Removes every registered dir (support/setup.ts runs it after each test file). */
export function removeScratchDirs(): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/**
 * The machine's temp dir, for what the tests keep across runs on purpose (terraform's plugin caches
 * and CLI config, the provider's resource-type table). A test run's own temp dir is a fresh one
 * (jest/global-setup.ts sets TMPDIR), removed at its end.
 */
export function systemTmpdir(): string {
  return process.env.SAGEMAKER_ANFW_SYSTEM_TMPDIR ?? tmpdir();
}
