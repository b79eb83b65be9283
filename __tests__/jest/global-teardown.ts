/**
 * jest globalTeardown: the run's temp dir (global-setup.ts) must be empty, bar the caches tools
 * keep there by design; anything else is a test's leak and fails the run, named. The dir is
 * removed either way.
 */
import { readdirSync, rmSync } from "node:fs";

/** tsx keeps its compile cache in TMPDIR/tsx-<uid> by design (main.test.ts and others run tsx). */
const TOOL_CACHES = [/^tsx-\d+$/];

/** Removes the run's temp dir `dir`; throws naming what the tests left in it. */
export function removeRunTmpdir(dir: string): void {
  const leaked = readdirSync(dir)
    .filter((entry) => !TOOL_CACHES.some((re) => re.test(entry)))
    .sort();
  rmSync(dir, { recursive: true, force: true });
  if (leaked.length) {
    throw new Error(
      `the tests left ${leaked.length} entr${leaked.length === 1 ? "y" : "ies"} in their temp dir (now removed): ${leaked.join(", ")}. ` +
        "Make temp dirs with scratchDir()/tempDir() (__tests__/support/scratch.ts: removed after the test file) or remove them in afterAll/finally.",
    );
  }
}

export default function globalTeardown(): void {
  const dir = process.env.SAGEMAKER_ANFW_TEST_RUN_TMPDIR;
  if (dir) removeRunTmpdir(dir);
}
