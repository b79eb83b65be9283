/**
 * Where `npm run bench` writes its results. By default under node_modules/.cache (ignored by git), so
 * a benchmark run never dirties the working tree; `--record` writes them to bench/results/ to be
 * committed, as the measurements the README and bench/README.md cite.
 */
import { join } from "node:path";

export interface BenchArgs {
  /** Write to bench/results/ (to commit) instead of the cache dir. */
  readonly record: boolean;
  /** Print where the results would go and stop, measuring nothing. */
  readonly dryRun: boolean;
}

export const USAGE = "usage: npm run bench [-- --record] [--dry-run]";

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const unknown = argv.filter((a) => a !== "--record" && a !== "--dry-run");
  if (unknown.length) throw new Error(`unknown argument${unknown.length > 1 ? "s" : ""} ${unknown.join(" ")}; ${USAGE}`);
  return { record: argv.includes("--record"), dryRun: argv.includes("--dry-run") };
}

/**
 * The results' path without extension (`.json` and `.md` are written): `<dir>/<YYYY-MM-DD>-<host>`,
 * the host name reduced to letters, digits and hyphens.
 */
export function resultBase(root: string, args: Pick<BenchArgs, "record">, isoDate: string, host: string): string {
  const dir = args.record ? join(root, "bench", "results") : join(root, "node_modules", ".cache", "sagemaker-anfw", "bench");
  return join(dir, `${isoDate.slice(0, 10)}-${host.replace(/[^A-Za-z0-9-]/g, "_")}`);
}
