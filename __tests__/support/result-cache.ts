/**
 * A content-addressed cache of terraform results for the terraform test layers (validate,
 * `terraform test`, real-provider plans): what makes a warm `npm test` fast.
 *
 * Why it is sound: a terraform run here is a pure function of its inputs. The key is a SHA-256 of
 * - the toolchain: `terraform version` and the provider package files of the mirror (path, size,
 *   mtime), or "registry" without a mirror;
 * - the harness: every file of __tests__/support/ (the stub's behaviour and how runs are made);
 * - the run: every configuration file of its directory (stub URLs folded to one placeholder, as the
 *   port is random), its arguments, the content of any state file an argument names, and the
 *   fingerprint of the AWS stub it talks to (account, region, zones, services, parameters).
 * Change any of them and the run is made again. Nothing is shared between machines: the cache lives
 * in node_modules/.cache (a clean `npm ci`, as in CI, starts cold).
 *
 * TF_RESULTS_CACHE=off makes every run for real; TF_RESULTS_CACHE_DIR moves the cache.
 * Runs killed or timed out (code -1) are never stored.
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

export type Json = Record<string, any>;

const SUPPORT_DIR = __dirname;
const PROJECT_ROOT = join(__dirname, "..", "..");

export function resultCacheEnabled(): boolean {
  return !/^(off|0|false|no)$/i.test(process.env.TF_RESULTS_CACHE ?? "");
}

export function resultCacheDir(): string {
  return process.env.TF_RESULTS_CACHE_DIR ?? join(PROJECT_ROOT, "node_modules", ".cache", "sagemaker-anfw", "terraform-results");
}

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** Files under `dir` (relative paths, sorted), skipping what `skip` names. */
function filesUnder(dir: string, skip: (name: string, rel: string) => boolean, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    const rel = relative(base, full);
    if (skip(e.name, rel)) continue;
    if (e.isDirectory()) out.push(...filesUnder(full, skip, base));
    else if (e.isFile() || e.isSymbolicLink()) out.push(rel);
  }
  return out.sort();
}

let toolchain: string | undefined;

/** `terraform version` + the mirror's provider package files (path, size, mtime); once per process. */
export function toolchainFingerprint(terraformBin: string, mirror: string | undefined): string {
  if (toolchain) return toolchain;
  const version = execFileSync(terraformBin, ["version", "-json"], { encoding: "utf8" });
  const providers = mirror && existsSync(mirror)
    ? filesUnder(mirror, () => false).map((f) => {
        const s = statSync(join(mirror, f));
        return `${f} ${s.size} ${s.mtimeMs}`;
      })
    : ["registry"];
  toolchain = sha(JSON.stringify({ version, mirror, providers }));
  return toolchain;
}

let harness: string | undefined;

/** Every file of __tests__/support/ (this file included). */
export function harnessFingerprint(): string {
  if (harness) return harness;
  const h = createHash("sha256");
  for (const f of filesUnder(SUPPORT_DIR, () => false)) h.update(f).update("\0").update(readFileSync(join(SUPPORT_DIR, f))).update("\0");
  harness = h.digest("hex");
  return harness;
}

/** Outputs of runs, not inputs: terraform's working data, states, plans and the harness's scratch files. */
const NOT_INPUT = (name: string) =>
  name === ".terraform" || name === ".terraform.lock.hcl" || /\.tfstate(\.backup)?$/.test(name) || name.endsWith(".tfplan") || name.startsWith("rp-");

/** Digest of a run directory's configuration; `placeholders` are folded to "<stub>" first. */
export function dirDigest(dir: string, placeholders: ReadonlyArray<string> = []): string {
  const h = createHash("sha256");
  for (const f of filesUnder(dir, (name) => NOT_INPUT(name))) {
    let text = readFileSync(join(dir, f), "utf8");
    for (const p of placeholders) text = text.split(p).join("<stub>");
    h.update(f).update("\0").update(text).update("\0");
  }
  return h.digest("hex");
}

/** Arguments with paths made position-independent: a `-state=<file>` names the file's content. */
export function normalizedArgs(dir: string, args: ReadonlyArray<string>): string[] {
  return args.map((a) => {
    const m = /^(-[a-z-]+)=(.*)$/.exec(a);
    if (!m) return a.startsWith(dir) ? `<dir>${a.slice(dir.length)}` : a;
    const [, flag, value] = m;
    if (value.startsWith("/") || value.startsWith(dir)) {
      return existsSync(value) && statSync(value).isFile() ? `${flag}=<content ${sha(readFileSync(value))}>` : `${flag}=<missing>`;
    }
    return a;
  });
}

export interface CacheKeyParts {
  readonly toolchain: string;
  readonly kind: string;
  readonly dir: string;
  readonly args: ReadonlyArray<string>;
  readonly stub?: string;
}

export function cacheKey(parts: CacheKeyParts): string {
  return sha(JSON.stringify({ harness: harnessFingerprint(), ...parts }));
}

function entryPath(key: string): string {
  return join(resultCacheDir(), key.slice(0, 2), `${key}.json`);
}

/** The stored result of `key`, or undefined (also when the cache is off). */
export function readResult<T>(key: string): T | undefined {
  if (!resultCacheEnabled()) return undefined;
  const file = entryPath(key);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined; // a torn write from a killed run: treat as a miss
  }
}

/** Stores `value` under `key` (atomically: jest workers may race), unless the cache is off. */
export function writeResult(key: string, value: { code: number }): void {
  if (!resultCacheEnabled() || value.code === -1) return;
  const file = entryPath(key);
  mkdirSync(join(file, ".."), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, file);
}

/** Counts of this process's lookups, for the benchmark and the cache's own tests. */
export const resultCacheStats = { hits: 0, misses: 0 };

export function lookup<T extends { code: number }>(key: string, run: () => T): T {
  const hit = readResult<T>(key);
  if (hit) {
    resultCacheStats.hits++;
    return hit;
  }
  resultCacheStats.misses++;
  const value = run();
  writeResult(key, value);
  return value;
}

export async function lookupAsync<T extends { code: number }>(key: string, run: () => Promise<T>): Promise<T> {
  const hit = readResult<T>(key);
  if (hit) {
    resultCacheStats.hits++;
    return hit;
  }
  resultCacheStats.misses++;
  const value = await run();
  writeResult(key, value);
  return value;
}
