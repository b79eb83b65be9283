/**
 * A content-addressed cache of terraform results for the terraform test layers (validate,
 * `terraform test`, real-provider plans): what makes a warm `npm test` fast.
 *
 * Why it is sound: the runs it answers (plan without -out, validate, test: see cacheableCommand)
 * read only their inputs and write nothing another step reads, and the harness makes them
 * deterministic (fixed fake values, a stub with fixed answers). The key is a SHA-256 of
 * - the toolchain: `terraform version` and the provider package files of the mirror (path, size,
 *   mtime), or "registry" without a mirror;
 * - the harness: every file of __tests__/support/ and scripts/preview/ (the stub's behaviour and
 *   how runs are made);
 * - the run: every configuration file of its directory (stub URLs folded to one placeholder, as the
 *   port is random), its arguments, the content of any file an argument names, the TF_* environment
 *   variables, and the fingerprint of the AWS stub it talks to (account, region, zones, services,
 *   parameters).
 * Change any of them and the run is made again. Nothing is shared between machines: the cache lives
 * in node_modules/.cache (a clean `npm ci`, as in CI, starts cold).
 *
 * TF_RESULTS_CACHE=off makes every run for real; TF_RESULTS_CACHE_DIR moves the cache.
 * Runs killed or timed out (code -1) are never stored; other failures are (an expected plan error is a
 * result), so a flaky failure repeats until an input changes or the cache is cleared
 * (`rm -rf node_modules/.cache/sagemaker-anfw`).
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

/** Every file of __tests__/support/ (this file included) and of scripts/preview/ (the stub, the runs). */
export function harnessFingerprint(): string {
  if (harness) return harness;
  const h = createHash("sha256");
  for (const dir of [SUPPORT_DIR, join(PROJECT_ROOT, "scripts", "preview")]) {
    for (const f of filesUnder(dir, () => false)) h.update(relative(PROJECT_ROOT, join(dir, f))).update("\0").update(readFileSync(join(dir, f))).update("\0");
  }
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

/**
 * Arguments with file names replaced by the files' content: any argument (`-flag=<file>` or a
 * positional `<file>`, absolute or relative to `dir`) that names an existing file stands for its
 * content, so two runs with the same state or plan file content share a key, and a changed file
 * never hits. The two-word form `-state <file>` is refused (it would hide the file from the key).
 */
export function normalizedArgs(dir: string, args: ReadonlyArray<string>): string[] {
  const fileContent = (value: string): string | undefined => {
    const path = value.startsWith("/") ? value : join(dir, value);
    return value !== "" && existsSync(path) && statSync(path).isFile() ? `<content ${sha(readFileSync(path))}>` : undefined;
  };
  return args.map((a, i) => {
    if (/^-(state|state-out|backup|out|var-file|plugin-dir|chdir)$/.test(a)) {
      throw new Error(`${a} ${args[i + 1] ?? ""}: write -flag=value, so the result cache can key the file's content`);
    }
    const m = /^(-[a-z-]+)=(.*)$/.exec(a);
    if (m) {
      const [, flag, value] = m;
      const content = fileContent(value);
      if (content) return `${flag}=${content}`;
      return value.startsWith("/") ? `${flag}=<missing>` : a;
    }
    if (a.startsWith("-")) return a;
    return fileContent(a) ?? (a.startsWith("/") ? "<missing>" : a);
  });
}

/** Environment variables that change what terraform does (TF_CLI_ARGS*, TF_VAR_*, TF_LOG, ...). */
const HARNESS_SET = new Set(["TF_CLI_CONFIG_FILE", "TF_PLUGIN_MIRROR", "TF_RESULTS_CACHE", "TF_RESULTS_CACHE_DIR", "TF_IN_AUTOMATION", "TF_INPUT"]);
export function terraformEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env)
      .filter(([k, v]) => k.startsWith("TF_") && !HARNESS_SET.has(k) && v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  ) as Record<string, string>;
}

/**
 * Whether a terraform command's result may come from the cache: commands that only read their
 * inputs and report (plan without -out, validate, test). Anything that writes state or files
 * another step reads (apply, import, state, refresh, plan -out, show of a plan file) always runs.
 */
export function cacheableCommand(args: ReadonlyArray<string>): boolean {
  const [command] = args;
  if (command === "validate" || command === "test") return true;
  if (command === "plan") return !args.some((a) => /^-(out|state-out|backup)(=|$)/.test(a));
  return false;
}

export interface CacheKeyParts {
  readonly toolchain: string;
  readonly kind: string;
  readonly dir: string;
  readonly args: ReadonlyArray<string>;
  readonly stub?: string;
}

export function cacheKey(parts: CacheKeyParts): string {
  return sha(JSON.stringify({ harness: harnessFingerprint(), env: terraformEnvironment(), ...parts }));
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

/** The stored result of `key`, counting the lookup as a hit or a miss. */
function counted<T>(key: string): T | undefined {
  const hit = readResult<T>(key);
  if (hit) resultCacheStats.hits++;
  else resultCacheStats.misses++;
  return hit;
}

export function lookup<T extends { code: number }>(key: string, run: () => T): T {
  const hit = counted<T>(key);
  if (hit) return hit;
  const value = run();
  writeResult(key, value);
  return value;
}

export async function lookupAsync<T extends { code: number }>(key: string, run: () => Promise<T>): Promise<T> {
  const hit = counted<T>(key);
  if (hit) return hit;
  const value = await run();
  writeResult(key, value);
  return value;
}
