/**
 * Finds and runs the real `terraform` CLI for the preview and the tests, offline when it can.
 *
 * Provider source: a filesystem mirror when one exists (TF_PLUGIN_MIRROR, else the usual places
 * machine images put `tf-plugins`; `terraform providers mirror <dir>` makes one). Without one, the
 * user's own CLI configuration when there is one (TF_CLI_CONFIG_FILE or ~/.terraformrc: their
 * network mirror, their plugin cache), else the public registry with a plugin cache kept in the
 * machine's temp dir, so only the first run downloads the provider. The plugin cache is per jest
 * worker (JEST_WORKER_ID) so each `terraform init` links the provider instead of copying 600+ MB.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { previewRuntime, systemTmpdir } from "./runtime";

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

let cliConfig: string | null | undefined;

/**
 * The CLI config every terraform run here gets (TF_CLI_CONFIG_FILE), written once per process;
 * undefined when the user's own applies (no mirror, and TF_CLI_CONFIG_FILE or ~/.terraformrc set).
 */
export function terraformCliConfig(): string | undefined {
  if (cliConfig !== undefined) return cliConfig ?? undefined;
  const mirror = pluginMirror();
  const own = process.env.TF_CLI_CONFIG_FILE;
  if (!mirror && ((own && existsSync(own)) || existsSync(join(homedir(), ".terraformrc")))) {
    cliConfig = null;
    return undefined;
  }
  // Kept across runs on purpose (the machine's temp dir, not a run's).
  const root = join(systemTmpdir(), "sagemaker-anfw-terraform");
  // One plugin cache per jest worker: Terraform does not make its plugin cache safe for concurrent
  // `terraform init`s, and two workers sharing one left a run with a dangling provider link.
  const worker = process.env.JEST_WORKER_ID ?? "0";
  const cache = join(root, `plugin-cache-${worker}`);
  mkdirSync(cache, { recursive: true });
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

/** `base` plus what every terraform run here sets: the CLI config, automation mode, no checkpoint, GOGC. */
export function terraformEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const config = terraformCliConfig();
  return {
    ...base,
    ...(config ? { TF_CLI_CONFIG_FILE: config } : {}),
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    TF_INPUT: "0",
    GOGC: TERRAFORM_GOGC,
  };
}

/** `terraform init -backend=false`; throws with terraform's output on failure. */
export function terraformInit(dir: string): void {
  const bin = terraformBinary();
  if (!bin) throw new Error("terraform is not installed (or not on PATH; TERRAFORM_BIN names it)");
  const r = spawnSync(bin, ["init", "-backend=false", "-input=false", "-no-color"], { cwd: dir, encoding: "utf8", env: terraformEnv(), timeout: 300_000 });
  if (r.status !== 0) throw new Error(`terraform init failed in ${dir}: ${`${r.stdout ?? ""}${r.stderr ?? ""}`.replace(/\s+/g, " ")}`);
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
 * requirements, initialised once per process, instead of a `terraform init` of its own (about
 * 0.5 s each, over 40 dirs in a cold run). What init would write for such a dir is exactly that:
 * no modules, no backend (the harness removes it), the same providers from the same plugin cache.
 * Terraform checks the lock file against the config and the installed packages on every command,
 * so a seed that does not fit fails loudly.
 */
function seedFromTemplate(dir: string, requirements: string): void {
  let template = templates.get(requirements);
  if (!template || !existsSync(join(template, ".terraform.lock.hcl"))) {
    template = previewRuntime().tempDir("init-template");
    const required_providers = Object.fromEntries(JSON.parse(requirements) as Array<[string, unknown]>);
    writeFileSync(join(template, "main.tf.json"), JSON.stringify({ terraform: { required_providers } }));
    terraformInit(template);
    templates.set(requirements, template);
  }
  copyFileSync(join(template, ".terraform.lock.hcl"), join(dir, ".terraform.lock.hcl"));
  mkdirSync(join(dir, ".terraform"), { recursive: true });
  symlinkSync(join(template, ".terraform", "providers"), join(dir, ".terraform", "providers"));
}

