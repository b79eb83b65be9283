/**
 * Runs the real `terraform` CLI against synthesized stacks, offline.
 *
 * Provider source: a filesystem mirror when one exists (TF_PLUGIN_MIRROR, else the usual places
 * machine images put `tf-plugins`), otherwise the public registry. The CLI config is written to a
 * temp dir and passed through TF_CLI_CONFIG_FILE, with a plugin cache per jest worker so each
 * `terraform init` links the provider instead of copying 600+ MB.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { cacheableCommand, cacheKey, dirDigest, lookup, normalizedArgs, toolchainFingerprint } from "./result-cache";
import { scratchDir, systemTmpdir } from "./scratch";

const MIRROR_CANDIDATES = ["/opt/tf-plugins", "/usr/local/share/tf-plugins", "/usr/share/tf-plugins", "/tf-plugins"];

export function terraformBinary(): string | undefined {
  const explicit = process.env.TERRAFORM_BIN;
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "terraform");
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function pluginMirror(): string | undefined {
  const explicit = process.env.TF_PLUGIN_MIRROR;
  if (explicit) return explicit;
  return MIRROR_CANDIDATES.find((d) => existsSync(join(d, "registry.terraform.io")));
}

let cliConfig: string | undefined;

/** Writes (once per process) the CLI config and returns its path. */
export function terraformCliConfig(): string {
  if (cliConfig) return cliConfig;
  // Kept across test runs on purpose (the machine's temp dir, not the run's): see scratch.ts.
  const root = join(systemTmpdir(), "sagemaker-anfw-terraform");
  // One plugin cache per jest worker: Terraform does not make its plugin cache safe for concurrent
  // `terraform init`s, and two workers sharing one left a run with a dangling provider link.
  const worker = process.env.JEST_WORKER_ID ?? "0";
  const cache = join(root, `plugin-cache-${worker}`);
  mkdirSync(cache, { recursive: true });
  const mirror = pluginMirror();
  const installation = mirror
    ? `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
`
    : "";
  const file = join(root, `${mirror ? "mirror" : "registry"}-${worker}.tfrc`);
  writeFileSync(file, `${installation}plugin_cache_dir = ${JSON.stringify(cache)}\n`);
  cliConfig = file;
  return file;
}

/**
 * GOGC for terraform and the provider plugins it starts (they inherit its environment), unless the
 * caller set one: 400 (Go's default is 100) cut the CPU of a real-provider test file by about a
 * fifth (33 to 25 CPU-seconds for terraform.real-plan-configs) for about 20% more peak memory (1.6 to
 * 1.9 GB across its terraform processes). Most of a terraform run here is the AWS provider building
 * and decoding its 1,500-resource schema, which allocates a lot of short-lived memory.
 */
export const TERRAFORM_GOGC = process.env.GOGC ?? "400";

/** `base` plus what every terraform run of the tests sets: the CLI config, automation mode, no checkpoint, GOGC. */
export function terraformEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    TF_CLI_CONFIG_FILE: terraformCliConfig(),
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    TF_INPUT: "0",
    GOGC: TERRAFORM_GOGC,
  };
}

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

/** `terraform init -backend=false`; throws with terraform's output on failure. */
export function terraformInit(dir: string): void {
  const r = rawTerraform(dir, ["init", "-backend=false", "-input=false"]);
  if (r.code !== 0) throw new Error(`terraform init failed in ${dir}: ${r.output}`);
}

/** Initialises `dir` unless it already is (init is only needed when a run is not in the result cache). */
export function ensureInit(dir: string): void {
  if (existsSync(join(dir, ".terraform.lock.hcl"))) return;
  const requirements = providerRequirements(dir);
  if (requirements) seedFromTemplate(dir, requirements);
  else terraformInit(dir);
}

/**
 * The provider requirements of a plain configuration dir (only `.tf.json` files and the harness's
 * own files, no module calls, no test files), as canonical JSON; undefined for anything else.
 */
function providerRequirements(dir: string): string | undefined {
  const required: Record<string, unknown> = {};
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() || e.name.endsWith(".tf") || e.name.endsWith(".tftest.hcl")) return undefined;
    if (!e.name.endsWith(".tf.json")) continue;
    const json = JSON.parse(readFileSync(join(dir, e.name), "utf8"));
    if (json.module) return undefined;
    for (const t of ([] as Array<Record<string, any>>).concat(json.terraform ?? [])) Object.assign(required, t.required_providers ?? {});
  }
  return Object.keys(required).length > 0 ? JSON.stringify(Object.entries(required).sort(([a], [b]) => a.localeCompare(b))) : undefined;
}

const templates = new Map<string, string>();

/**
 * Gives `dir` the lock file and provider links of a template dir with the same provider
 * requirements, initialised once per test file, instead of a `terraform init` of its own (about
 * 0.5 s each, over 40 dirs in a cold run). What init would write for such a dir is exactly that:
 * no modules, no backend (the harness removes it), the same providers from the same plugin cache.
 * Terraform checks the lock file against the config and the installed packages on every command,
 * so a seed that does not fit fails loudly.
 */
function seedFromTemplate(dir: string, requirements: string): void {
  let template = templates.get(requirements);
  if (!template || !existsSync(join(template, ".terraform.lock.hcl"))) {
    template = scratchDir("init-template");
    const required_providers = Object.fromEntries(JSON.parse(requirements) as Array<[string, unknown]>);
    writeFileSync(join(template, "main.tf.json"), JSON.stringify({ terraform: { required_providers } }));
    terraformInit(template);
    templates.set(requirements, template);
  }
  copyFileSync(join(template, ".terraform.lock.hcl"), join(dir, ".terraform.lock.hcl"));
  mkdirSync(join(dir, ".terraform"), { recursive: true });
  symlinkSync(join(template, ".terraform", "providers"), join(dir, ".terraform", "providers"));
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
