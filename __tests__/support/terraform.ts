/**
 * Runs the real `terraform` CLI against synthesized stacks, offline, for the test layers: the
 * product's runner (scripts/preview/terraform.ts: binary, provider mirror, CLI config, init),
 * plus what only the tests need: a synchronous run through the result cache, the provider server,
 * describeWithTerraform. Importing this installs the tests' runtime into the product's machinery
 * (scripts/preview/runtime.ts): scratch dirs removed after each test file, and the result cache.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { setPreviewRuntime } from "../../scripts/preview/runtime";
import { ensureInit, pluginMirror, terraformBinary, terraformEnv } from "../../scripts/preview/terraform";
import { cacheableCommand, cacheKey, dirDigest, lookup, lookupAsync, normalizedArgs, toolchainFingerprint } from "./result-cache";
import { scratchDir } from "./scratch";

export { ensureInit, pluginMirror, TERRAFORM_GOGC, terraformBinary, terraformCliConfig, terraformEnv, terraformInit } from "../../scripts/preview/terraform";

setPreviewRuntime({
  tempDir: scratchDir,
  // The result cache answers only runs that read and report (cacheableCommand); the key is the one
  // the sync runs below use, plus the stub's fingerprint (its URL folded out of the dir's digest).
  cache: (parts, compute) => {
    if (!cacheableCommand(parts.args)) return compute();
    const key = cacheKey({ toolchain: toolchain(), kind: parts.kind, dir: dirDigest(parts.dir, parts.stubUrl ? [parts.stubUrl] : []), args: normalizedArgs(parts.dir, parts.args), stub: parts.stubFingerprint });
    return lookupAsync(key, compute);
  },
});

export interface TerraformResult {
  readonly code: number;
  /** stdout + stderr, with runs of white space folded to one space (terraform wraps messages). */
  readonly output: string;
  /** stdout as terraform wrote it (what `-json` output is parsed from). */
  readonly stdout: string;
}

function rawTerraform(dir: string, args: string[], opts: TerraformOptions = {}): TerraformResult {
  const bin = terraformBinary();
  if (!bin) throw new Error("terraform is not installed");
  const server = opts.providerServer ? providerServer(dir) : undefined;
  const env = { ...terraformEnv(), ...(server ? { TF_REATTACH_PROVIDERS: server.reattach } : {}) };
  const r = spawnSync(bin, [...args, "-no-color"], { cwd: dir, encoding: "utf8", env, timeout: 300_000 });
  const stdout = r.stdout ?? "";
  const output = `${stdout}${r.stderr ?? ""}`.replace(/\s+/g, " ");
  // A server that died under the run is the harness's failure, not the configuration's: thrown, so
  // the result cache never keeps it as the run's result.
  if (server && r.status !== 0 && exited(server.pid)) throw new Error(`the provider server died under terraform ${args[0]} in ${dir}: ${output}`);
  return { code: r.status ?? -1, output, stdout };
}

/** The toolchain part of every result-cache key (terraform version + provider packages). */
export function toolchain(): string {
  const bin = terraformBinary();
  if (!bin) throw new Error("terraform is not installed");
  return toolchainFingerprint(bin, pluginMirror());
}

/**
 * `terraform <args> -no-color` in `dir`, through the result cache (./result-cache): a run with the
 * same toolchain, harness, configuration and arguments returns the stored result. On a miss the
 * dir is initialised first when it has not been (see ensureInit).
 */
export function terraform(dir: string, args: string[], opts: TerraformOptions = {}): TerraformResult {
  if (opts.providerServer) assertConfiguresNoProvider(dir, args);
  if (!cacheableCommand(args)) {
    ensureInit(dir);
    return rawTerraform(dir, args, opts);
  }
  // The provider server changes how terraform reaches the provider, not what it does: not in the key.
  const key = cacheKey({ toolchain: toolchain(), kind: "sync", dir: dirDigest(dir), args: normalizedArgs(dir, args) });
  return lookup(key, () => {
    ensureInit(dir);
    return rawTerraform(dir, args, opts);
  });
}

export interface TerraformOptions {
  /**
   * Attach terraform to the test file's aws provider server (providerServer) instead of letting it
   * start the provider itself. Only for runs that configure no aws provider: `validate` (it
   * validates provider configurations, it never configures one) and `terraform test` files whose
   * every aws provider is a mock_provider (a mock's ConfigureProvider does nothing; the real one
   * only gives its schema and validates). A plan or apply
   * with real provider configurations must not: ConfigureProvider sets one configuration for the
   * whole server, so two configurations in one plan (a stack's default and its account-check
   * alias) would overwrite each other (measured: tags_all changes planned on every resource).
   */
  readonly providerServer?: boolean;
}

/* ------------------------------------------------------------------------------------------ */
/* The aws provider, served once per test file                                                 */
/* ------------------------------------------------------------------------------------------ */

interface ProviderServer {
  readonly child: ChildProcess;
  /** TF_REATTACH_PROVIDERS */
  readonly reattach: string;
  /** The provider's own process (a child of the watchdog shell). */
  readonly pid: number;
}
const servers = new Map<string, ProviderServer>();

/**
 * The aws provider binary `dir` is initialised with, started once per test file in the provider's
 * debug mode (`-debug`: it serves and prints how to attach, TF_REATTACH_PROVIDERS) and stopped
 * after the file (stopProviderServers, support/setup.ts). Terraform otherwise starts the provider,
 * a 700 MB binary, for every provider configuration and graph walk: 45 times in the mock-plan
 * suite's `terraform test`, which went from about 23 to 10 CPU-seconds (terraform plus the server)
 * attached. Undefined (terraform starts its own) when `dir` has no aws provider installed or there
 * is no /bin/sh.
 *
 * A debug-mode provider never exits by itself, so it runs under a watchdog shell that kills it
 * when its stdin (a pipe from this jest worker) closes: when the file ends (stopProviderServers
 * closes it) or when the worker dies, however it dies. Its unix socket goes to a scratch dir (the
 * provider leaves it behind). A server found dead is started again.
 */
function providerServer(dir: string): ProviderServer | undefined {
  const root = join(dir, ".terraform", "providers", "registry.terraform.io", "hashicorp", "aws");
  if (!existsSync(root) || !existsSync("/bin/sh")) return undefined;
  const binaries = readdirSync(root).flatMap((version) =>
    readdirSync(join(root, version)).flatMap((platform) => readdirSync(join(root, version, platform)).filter((f) => f.startsWith("terraform-provider-aws")).map((f) => join(root, version, platform, f))),
  );
  if (binaries.length !== 1) return undefined;
  const binary = realpathSync(binaries[0]);
  const running = servers.get(binary);
  if (running && !exited(running.pid)) return running;
  if (running) stopServer(running);
  const sockets = scratchDir("provider-server");
  const log = join(sockets, "server.log");
  const fd = openSync(log, "w");
  // terraform's environment without AWS or TF settings (the server is never configured; GOGC kept).
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(terraformEnv())) if (!/^(AWS_|TF_)/.test(k)) env[k] = v;
  const watchdog = 'trap "" TERM; "$0" -debug & p=$!; cat > /dev/null; kill $p; wait $p';
  const child = spawn("/bin/sh", ["-c", watchdog, binary], { env: { ...env, TMPDIR: sockets }, stdio: ["pipe", fd, fd] });
  closeSync(fd);
  // terraform() is synchronous: wait for the line (a fraction of a second) without the event loop.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(readFileSync(log, "utf8"));
    if (m) {
      const pid = Number(Object.values<{ Pid: number }>(JSON.parse(m[1]))[0]?.Pid);
      const server = { child, reattach: m[1], pid };
      servers.set(binary, server);
      return server;
    }
    if (Date.now() > deadline || exited(child.pid)) {
      child.stdin?.end();
      throw new Error(`the aws provider did not start in debug mode: ${readFileSync(log, "utf8")}`);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
}

/** Closes the watchdog's stdin: it kills the provider and exits. */
function stopServer(server: ProviderServer): void {
  server.child.stdin?.end();
}

/** Stops the test file's provider servers (support/setup.ts, before its scratch dirs go). */
export function stopProviderServers(): void {
  for (const server of servers.values()) stopServer(server);
  servers.clear();
}

/**
 * Refuses a provider-server run that could configure a provider: only `validate`, and `test` when
 * every test file of `dir` mocks (mock_provider) the default aws provider configuration and every
 * alias that a configuration file under `dir` declares, and configures no real one.
 */
function assertConfiguresNoProvider(dir: string, args: ReadonlyArray<string>): void {
  if (args[0] === "validate") return;
  if (args[0] !== "test") throw new Error(`providerServer is for validate and test, not ${args[0]}`);
  const files = (d: string, suffix: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === ".terraform" ? [] : files(join(d, e.name), suffix)) : e.name.endsWith(suffix) ? [join(d, e.name)] : []));
  const needed = new Set(["aws"]);
  for (const file of files(dir, ".tf.json")) {
    for (const block of ([] as Array<{ alias?: string }>).concat(JSON.parse(readFileSync(file, "utf8")).provider?.aws ?? [])) if (block.alias) needed.add(`aws.${block.alias}`);
  }
  for (const file of files(dir, ".tf")) if (/provider\s+"?aws"?\s*\{/.test(readFileSync(file, "utf8"))) throw new Error(`${file}: HCL provider blocks are not checked here`);
  for (const file of files(dir, ".tftest.hcl")) {
    const text = readFileSync(file, "utf8");
    if (/^\s*provider\s+"?aws"?\s*\{/m.test(text)) throw new Error(`${file} configures a real aws provider: not for the provider server`);
    // mock_provider "aws" { followed by its alias line, if any (as support/tftest.ts writes them).
    const mocked = new Set([...text.matchAll(/mock_provider\s+"?aws"?\s*\{\s*(?:alias\s*=\s*"([^"]+)")?/g)].map((m) => (m[1] ? `aws.${m[1]}` : "aws")));
    const missing = [...needed].filter((p) => !mocked.has(p));
    if (missing.length) throw new Error(`${file} does not mock ${missing.join(", ")}: the real provider would be configured`);
  }
}

/**
 * Whether process `pid` has exited: gone, or a zombie (not reaped yet: the event loop is blocked
 * while terraform() waits). Without /proc it cannot tell, and says no.
 */
function exited(pid: number | undefined): boolean {
  if (pid === undefined) return true;
  if (!existsSync("/proc/self/stat")) return false;
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z") ?? false;
  } catch {
    return true;
  }
}

/** A fresh temp dir, removed after the test file (support/scratch.ts). */
export function tempDir(label: string): string {
  return scratchDir(label);
}

export function terraformVersion(): string {
  const bin = terraformBinary();
  return bin ? execFileSync(bin, ["version"], { encoding: "utf8" }).split("\n")[0] : "terraform not found";
}

/**
 * `describe` for the terraform layers. On a machine without terraform each such block fails with
 * how to get it, instead of being skipped: a layer that skips when its tool is missing would let a
 * run pass without having tested anything. (`npm run test:unit` leaves these files out.)
 */
export const describeWithTerraform: jest.Describe = (() => {
  if (terraformBinary()) return describe;
  const failing = (name: string) =>
    describe(name, () => {
      test("terraform is installed", () => {
        throw new Error("terraform not found on PATH (or TERRAFORM_BIN): install terraform 1.11 (README, Tests); `npm run test:unit` runs the layers that need none");
      });
    });
  return Object.assign(failing, { each: () => failing, only: failing, skip: describe.skip }) as unknown as jest.Describe;
})();
