/**
 * What differs between the preview run by a user and the same machinery run by the tests: where
 * temp dirs go (and when they are removed), and whether terraform results may come from a cache.
 * The preview uses the defaults (temp dirs removed by removePreviewTempDirs when it ends, no
 * cache); __tests__/support/terraform.ts installs the tests' scratch dirs (removed after each test
 * file) and their content-addressed result cache (__tests__/support/result-cache.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CachedRunParts {
  /** What kind of result ("plan+show", "run", ...): part of the key. */
  readonly kind: string;
  readonly dir: string;
  readonly args: ReadonlyArray<string>;
  /** The URL of the AWS stub the dir talks to (folded out of the key: ports differ between runs). */
  readonly stubUrl?: string;
  /** What the stub answers (account, region, zones, services, parameters): part of the key. */
  readonly stubFingerprint?: string;
}

export interface PreviewRuntime {
  /** A fresh temp dir labelled `label`. */
  tempDir(label: string): string;
  /** A result cache: `compute`'s stored result for the same inputs, or `compute()` (stored). */
  cache?: <T extends { code: number }>(parts: CachedRunParts, compute: () => Promise<T>) => Promise<T>;
}

const made = new Set<string>();

const DEFAULT: PreviewRuntime = {
  tempDir(label: string): string {
    const dir = mkdtempSync(join(tmpdir(), `sagemaker-anfw-${label}-`));
    made.add(dir);
    return dir;
  },
};

let current: PreviewRuntime = DEFAULT;

export function previewRuntime(): PreviewRuntime {
  return current;
}

/** Replaces the runtime (the tests' support does, once, on import). */
export function setPreviewRuntime(runtime: PreviewRuntime): void {
  current = runtime;
}

/** Removes the temp dirs the default runtime made (the preview calls it when it ends, however it ends). */
export function removePreviewTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

/**
 * The machine's temp dir, for what is kept across runs on purpose (terraform's plugin cache and CLI
 * config, the provider's resource-type table). The tests point SAGEMAKER_ANFW_SYSTEM_TMPDIR at it
 * while their own TMPDIR is a per-run dir (__tests__/jest/global-setup.ts).
 */
export function systemTmpdir(): string {
  return process.env.SAGEMAKER_ANFW_SYSTEM_TMPDIR ?? tmpdir();
}
