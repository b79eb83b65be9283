/**
 * Plans synthesized stacks with the REAL hashicorp/aws provider, offline: what `npm run preview`
 * is made of, and what the real-provider tests use (__tests__/support/real-plan.ts re-exports it).
 *
 * - withRealProvider: a copy of a synthesized stack whose provider talks to the AWS stub
 *   (./aws-stub) with fake static keys, and whose backend is gone (implicit local backend, state
 *   passed per command).
 * - plan / tryPlan: `plan -out` + `show -json`.
 * - deployedState: a plausible "already applied" state built from the create plan, with typed,
 *   deterministic fakes for every unknown, folded until a `plan -refresh=false` is clean.
 * - withRealProviderModules / planModules / deployedStates: several stacks as modules of one root,
 *   planned by one terraform process and split back per stack (modulePlan).
 * - summarize: a plan's non-no-op changes.
 *
 * Terraform runs here are ASYNC (child_process.spawn): the stub lives in this process, so a
 * spawnSync would block the event loop and the provider would wait forever for its answers.
 * (`ensureInit` from ./terraform is sync and is reused: init does not configure the provider.)
 *
 * Runs may go through a result cache (the tests install one, see ./runtime): its key includes the
 * fingerprint of the stub a dir talks to, and a hit replays the stub calls the original run made,
 * so tests that check which AWS APIs a plan called see the same calls either way. The preview
 * itself runs without one.
 */
import { hex, uuidOf } from "./fakes";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, createWriteStream } from "node:fs";
import { basename, join } from "node:path";
import { AwsStub, regionAbbrev, STUBS, StubCall } from "./aws-stub";
import { previewRuntime, systemTmpdir } from "./runtime";
import { ensureInit, pluginMirror, terraformBinary, terraformEnv } from "./terraform";

export type Json = Record<string, any>;

/* ------------------------------------------------------------------------------------------ */
/* Timings                                                                                     */
/* ------------------------------------------------------------------------------------------ */

export interface Timing {
  readonly op: string;
  readonly ms: number;
  readonly detail?: string;
}

const TIMINGS: Timing[] = [];

/** Every timed operation of this process so far (init, plan, show, schema, convergence rounds). */
export function realPlanTimings(): ReadonlyArray<Timing> {
  return TIMINGS;
}

async function timedAsync<T>(op: string, detail: string | undefined, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await f();
  } finally {
    TIMINGS.push({ op, ms: Date.now() - t0, detail });
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Deterministic fakes                                                                         */
/* ------------------------------------------------------------------------------------------ */



function byteOf(seed: string): number {
  return parseInt(hex(seed, 2), 16);
}
/* ------------------------------------------------------------------------------------------ */
/* Running terraform asynchronously                                                            */
/* ------------------------------------------------------------------------------------------ */

export interface RunResult {
  readonly code: number;
  /** stdout + stderr, runs of white space folded to one space (as ./terraform's helper does). */
  readonly output: string;
  readonly stdout: string;
}

/**
 * The environment of a real-provider run: nothing of the caller's AWS set-up reaches it (AWS_*,
 * including per-service AWS_ENDPOINT_URL_<SERVICE> that would beat AWS_ENDPOINT_URL; the provider's
 * older TF_AWS_<SERVICE>_ENDPOINT; shared config and credentials files, whose
 * ignore_configure_endpoint_urls could turn AWS_ENDPOINT_URL off), so the stub is the only AWS.
 */
export function realProviderEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|TF_VAR_|TF_AWS_)/.test(k)) env[k] = v;
  return {
    ...terraformEnv(env),
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    NO_PROXY: [process.env.NO_PROXY, "127.0.0.1", "localhost"].filter(Boolean).join(","),
  };
}

/** The stub `dir` talks to (see STUB_URL_FILE; undefined for a dir without one). */
function stubOf(dir: string): { url: string; calls: StubCall[]; fingerprint: string } | undefined {
  const url = stubUrlOf(dir);
  const stub = url ? STUBS.get(url) : undefined;
  if (url && !stub) throw new Error(`${dir} talks to ${url}, which is not a live stub of this process`);
  return stub && url ? { url, ...stub } : undefined;
}

function stubUrlOf(dir: string): string | undefined {
  const file = join(dir, STUB_URL_FILE);
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}

/**
 * `compute` through the runtime's result cache when one is installed (the tests', see ./runtime),
 * keyed by `dir`'s configuration, `args` and its stub; the stub calls made by a miss are stored
 * with the result and replayed into the stub on a hit. Without a cache (the preview), `compute`.
 */
async function cachedRun<T extends { code: number }>(kind: string, dir: string, args: string[], compute: () => Promise<T>): Promise<T> {
  const cache = previewRuntime().cache;
  if (!cache) return compute();
  const stub = stubOf(dir);
  const before = stub?.calls.length ?? 0;
  let missed = false;
  const { stubCalls, ...result } = await cache<T & { stubCalls?: StubCall[] }>({ kind, dir, args, stubUrl: stub?.url, stubFingerprint: stub?.fingerprint }, async () => {
    missed = true;
    const value = await compute();
    return { ...value, stubCalls: stub ? stub.calls.slice(before) : [] };
  });
  if (stub && !missed) stub.calls.push(...(stubCalls ?? []));
  return result as unknown as T;
}

/**
 * Runs terraform without blocking the event loop (the stub must keep answering), through the
 * result cache (which decides what it may answer: commands that only read and report) when no
 * stdoutFile is asked.
 */
export function runTerraform(dir: string, args: string[], opts: { stdoutFile?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  if (opts.stdoutFile) return spawnTerraform(dir, args, opts);
  return cachedRun("run", dir, args, () => spawnTerraform(dir, args, opts));
}

function spawnTerraform(dir: string, args: string[], opts: { stdoutFile?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  try {
    ensureInit(dir);
  } catch (e) {
    return Promise.reject(e);
  }
  const bin = terraformBinary();
  if (!bin) return Promise.reject(new Error("terraform is not installed"));
  return new Promise((resolve, reject) => {
    const url = stubUrlOf(dir);
    const env = { ...realProviderEnv(), ...(url ? { AWS_ENDPOINT_URL: url } : {}) };
    const child = spawn(bin, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const file = opts.stdoutFile ? createWriteStream(opts.stdoutFile) : undefined;
    child.stdout.on("data", (c: Buffer) => (file ? file.write(c) : out.push(c)));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const finish = () => {
        const stdout = Buffer.concat(out).toString("utf8");
        const stderr = Buffer.concat(err).toString("utf8");
        resolve({ code: code ?? -1, stdout, output: `${stdout}${stderr}`.replace(/\s+/g, " ") });
      };
      if (file) file.end(finish);
      else finish();
    });
  });
}

/* ------------------------------------------------------------------------------------------ */
/* 2. A stack copy wired to the stub                                                           */
/* ------------------------------------------------------------------------------------------ */

export interface RealProviderOptions {
  /**
   * The stack's provider allowed_account_ids: "keep" (default), "drop", or a replacement list.
   * NB with skip_requesting_account_id the provider knows no account ID (see skipRequestingAccountId).
   */
  readonly allowedAccountIds?: "keep" | "drop" | ReadonlyArray<string>;
  /** Keep the stack's assume_role blocks (default false: removed, an offline plan cannot assume a role). */
  readonly keepAssumeRole?: boolean;
  /**
   * skip_requesting_account_id. Default: true, unless the (resulting) provider has
   * allowed_account_ids, in which case the provider must ask STS (the stub) for the account, or it
   * refuses to start (it checks "" against the allowed list).
   */
  readonly skipRequestingAccountId?: boolean;
  /** More provider arguments for the override (e.g. { max_retries: 1 }). */
  readonly provider?: Readonly<Record<string, unknown>>;
  /** Label of the temp dir. */
  readonly label?: string;
  /** Extra files to write into the copy (name -> content), e.g. a probe .tf.json. */
  readonly files?: Readonly<Record<string, string>>;
}

/**
 * Where a copy keeps the URL of its stub. runTerraform passes it as AWS_ENDPOINT_URL, the AWS SDK's
 * endpoint for every service, so any call a plan makes (stubbed or not) reaches the stub and is
 * recorded. Not an `endpoints` block in the provider override: the provider validates that block's
 * 300-odd service attributes in each ConfigureProvider, which cost about 5 s of CPU per provider
 * configuration per plan (a network plan, measured alone: about 8 s with the block, 4.5 s without).
 * Not a .tf file, so terraform ignores it; the result cache keys it like configuration (its URL
 * folded, as ports differ between runs). A terraform command run by hand in such a dir needs
 * AWS_ENDPOINT_URL=$(cat aws-stub-url.txt), or it would try real AWS with the fake keys.
 */
export const STUB_URL_FILE = "aws-stub-url.txt";

export const OVERRIDE_FILE = "zz_real_provider_override.tf.json";

/**
 * Copies a synthesized stack dir (with its cdk.tf.json) to a fresh temp dir, removes its backend
 * (and assume_role unless kept), writes the provider override (fake static keys, skip flags) and
 * the stub's URL (STUB_URL_FILE). No init: spawnTerraform inits on a result-cache miss. Returns the
 * new dir.
 */
export function withRealProvider(stackDir: string, stub: Pick<AwsStub, "url">, opts: RealProviderOptions = {}): string {
  const dir = previewRuntime().tempDir(opts.label ?? "real-plan");
  copyForRealProvider(stackDir, dir, opts);
  writeFileSync(join(dir, STUB_URL_FILE), stub.url);
  // No init here: a run that the result cache answers never needs one (spawnTerraform inits).
  return dir;
}

/**
 * Like withRealProvider, for several stacks planned by ONE terraform process: each stack is copied
 * (and rewired the same way) to modules/<name> of a fresh root that calls them all, with addresses
 * under module.<name> and outputs as root outputs <name>__<output>. Returns the root.
 *
 * The stacks' provider configurations move to the root (hoistProviders), one root configuration
 * for each distinct configuration, passed to the modules by `providers`: terraform starts a
 * provider process per configuration and per graph walk (about 0.5 s of CPU each), so ten copies
 * of one stack with their own configurations cost more than their plans (measured: five network
 * changes in one root, 17.9 CPU-s with their own configurations, 11.5 CPU-s hoisted; 4 CPU-s each
 * planned on its own). The configuration is unchanged: the stack's block merged with the
 * override's arguments, as terraform merges an override file. modulePlan maps each module's part
 * of the plan back to the stack's own; terraform.real-plan compares such parts with the stacks' own
 * plans.
 */
export function withRealProviderModules(stacks: ReadonlyArray<{ name: string; stackDir: string }>, stub: Pick<AwsStub, "url">, opts: RealProviderOptions = {}): string {
  const root = previewRuntime().tempDir(opts.label ?? "real-plan-modules");
  // Every stack output again as a root output "<stack>__<output>", declared sensitive where the stack
  // declares it: Terraform checks only root outputs for sensitive values that are not declared so
  // ("Output refers to sensitive values"), which a stack planned as its own root would fail.
  const output: Json = {};
  const module: Json = {};
  const hoisted: Json[] = [];
  const aliasOf = new Map<string, string>();
  let requiredAws: Json | undefined;
  for (const { name, stackDir } of stacks) {
    if (module[name]) throw new Error(`two stacks named ${name}`);
    const dir = join(root, "modules", name);
    copyForRealProvider(stackDir, dir, opts);
    const stack: Json = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
    requiredAws ??= ([] as Json[]).concat(stack.terraform ?? []).map((t) => t.required_providers?.aws).find(Boolean);
    for (const [o, body] of Object.entries<Json>(stack.output ?? {})) {
      output[`${name}__${o}`] = { value: `\${module.${name}.${o}}`, ...(body.sensitive ? { sensitive: true } : {}) };
    }
    module[name] = { source: `./modules/${name}`, providers: hoistProviders(dir, hoisted, aliasOf) };
  }
  const terraform = requiredAws ? { required_providers: { aws: { source: requiredAws.source, version: requiredAws.version } } } : undefined;
  writeFileSync(join(root, "main.tf.json"), JSON.stringify({ ...(terraform ? { terraform } : {}), provider: { aws: hoisted }, module, output }, null, 2));
  writeFileSync(join(root, STUB_URL_FILE), stub.url);
  return root;
}

/**
 * Moves a module copy's aws provider blocks (merged with its override file) to the root: each
 * distinct configuration becomes one root block with alias p<N> (`hoisted` and `aliasOf` are shared
 * by a root's modules); the module declares its own aliases as configuration_aliases. Returns the
 * module call's `providers` map ("aws" -> "aws.p0", "aws.account-check" -> "aws.p1").
 */
function hoistProviders(dir: string, hoisted: Json[], aliasOf: Map<string, string>): Record<string, string> {
  const mainFile = join(dir, "cdk.tf.json");
  const overrideFile = join(dir, OVERRIDE_FILE);
  const main: Json = JSON.parse(readFileSync(mainFile, "utf8"));
  const overrides: Json[] = JSON.parse(readFileSync(overrideFile, "utf8")).provider.aws;
  const passed: Record<string, string> = {};
  const aliases: string[] = [];
  for (const block of ([] as Json[]).concat(main.provider?.aws ?? [])) {
    const override = overrides.find((o) => o.alias === block.alias);
    if (!override) throw new Error(`${dir}: no override for provider aws${block.alias ? `.${block.alias}` : ""}`);
    // An override file's arguments replace the block's (terraform's merge of *_override files).
    const { alias, ...config } = { ...block, ...override };
    const key = JSON.stringify(config);
    let rootAlias = aliasOf.get(key);
    if (!rootAlias) {
      rootAlias = `p${aliasOf.size}`;
      aliasOf.set(key, rootAlias);
      hoisted.push({ alias: rootAlias, ...config });
    }
    const local = alias ? `aws.${alias}` : "aws";
    passed[local] = `aws.${rootAlias}`;
    if (alias) aliases.push(local);
  }
  delete main.provider.aws;
  if (Object.keys(main.provider).length === 0) delete main.provider;
  for (const t of ([] as Json[]).concat(main.terraform ?? [])) {
    if (t.required_providers?.aws) t.required_providers.aws.configuration_aliases = aliases;
  }
  writeFileSync(mainFile, JSON.stringify(main, null, 2));
  rmSync(overrideFile);
  return passed;
}

/** The `providers` map of each module call of a withRealProviderModules root. */
function moduleProviders(root: string): Record<string, Record<string, string>> {
  const main: Json = JSON.parse(readFileSync(join(root, "main.tf.json"), "utf8"));
  return Object.fromEntries(Object.entries<Json>(main.module).map(([name, call]) => [name, call.providers ?? {}]));
}

/**
 * One state for a withRealProviderModules root from each module's own state (a stack's deployed
 * state, or none): resources under module.<name>, their dependencies likewise, their provider the
 * root configuration the module is passed, outputs as the root's <name>__<output>. Written to
 * `path`, with a lineage derived from the content (the result cache keys the file's content).
 */
export function mergeModuleStates(root: string, states: Readonly<Record<string, string | undefined>>, path: string): string {
  const providers = moduleProviders(root);
  const merged: Json = { version: 4, terraform_version: "1.11.4", serial: 1, lineage: "", outputs: {}, resources: [], check_results: null };
  for (const [name, statePath] of Object.entries(states)) {
    if (!providers[name]) throw new Error(`${root} calls no module ${name}`);
    if (!statePath) continue;
    const state = readState(statePath);
    const prefix = `module.${name}`;
    for (const [o, v] of Object.entries<Json>(state.outputs ?? {})) merged.outputs[`${name}__${o}`] = v;
    for (const r of state.resources ?? []) {
      if (r.module) throw new Error(`${statePath}: ${r.module} (a stack's state has only root resources)`);
      const m = /^provider\["([^"]+)"\](?:\.(.+))?$/.exec(r.provider);
      const passed = m && providers[name][m[2] ? `aws.${m[2]}` : "aws"];
      if (!m || !passed) throw new Error(`${statePath}: no root provider for ${r.provider}`);
      merged.resources.push({
        ...r,
        module: prefix,
        provider: `provider["${m[1]}"].${passed.replace(/^aws\./, "")}`,
        instances: r.instances.map((i: Json) => (i.dependencies ? { ...i, dependencies: i.dependencies.map((d: string) => `${prefix}.${d}`) } : i)),
      });
    }
  }
  merged.lineage = uuidOf(`lineage/${createHash("sha256").update(JSON.stringify(merged)).digest("hex")}`);
  writeFileSync(path, JSON.stringify(merged, null, 2));
  return path;
}

/**
 * Module `name`'s part of a withRealProviderModules root's plan JSON, as terraform's plan JSON of
 * that stack as a root: its resource changes, output changes, prior state and planned values
 * without the module prefix, and its configuration with the provider configurations it is passed
 * under its own names. Left out, as nothing reads them: checks, and relevant_attributes (which
 * in the batch also lists what the root's re-exported outputs read).
 */
export function modulePlan(planJson: Json, root: string, name: string): Json {
  // A module the root or the plan does not have would look like a stack without changes.
  const passed = moduleProviders(root)[name];
  if (!passed) throw new Error(`${root} calls no module ${name}`);
  if (planJson.no_changes) return noChanges();
  if (!planJson.configuration?.root_module?.module_calls?.[name]) throw new Error(`the plan of ${root} has no module ${name}`);
  const prefix = `module.${name}`;
  const strip = (address: string) => (address.startsWith(`${prefix}.`) ? address.slice(prefix.length + 1) : address);
  const own = (changes: Json[] | undefined) =>
    changes?.filter((c) => c.module_address === prefix).map(({ module_address: _m, ...c }) => ({ ...c, address: strip(c.address), ...(c.previous_address ? { previous_address: strip(c.previous_address) } : {}) }));
  const renamed = (outputs: Json | undefined) => outputs && Object.fromEntries(Object.entries(outputs).filter(([k]) => k.startsWith(`${name}__`)).map(([k, v]) => [k.slice(name.length + 2), v]));
  const values = (v: Json | undefined) => {
    if (!v) return v;
    const mine = (v.root_module?.child_modules ?? []).find((m: Json) => m.address === prefix);
    if (mine?.child_modules?.length) throw new Error(`${prefix} has modules of its own`);
    const resource = (r: Json) => ({ ...r, address: strip(r.address), ...(r.depends_on ? { depends_on: r.depends_on.map(strip) } : {}) });
    return { outputs: renamed(v.outputs) ?? {}, root_module: { resources: (mine?.resources ?? []).map(resource) } };
  };
  // Root provider configuration key ("aws.p0") -> the module's own name for it ("aws").
  const localKey = new Map(Object.entries(passed).map(([local, rootKey]) => [rootKey, local]));
  const config = planJson.configuration;
  const moduleConfig: Json | undefined = config?.root_module?.module_calls?.[name]?.module;
  const providerConfig = Object.entries<Json>(config?.provider_config ?? {})
    .filter(([k]) => localKey.has(k))
    .map(([k, { alias: _a, ...p }]) => {
      const local = localKey.get(k)!;
      return [local, local.includes(".") ? { ...p, alias: local.slice(local.indexOf(".") + 1) } : p];
    });
  const configuration = config && {
    provider_config: Object.fromEntries(providerConfig),
    root_module: moduleConfig && { ...moduleConfig, resources: (moduleConfig.resources ?? []).map((r: Json) => ({ ...r, provider_config_key: localKey.get(r.provider_config_key) ?? r.provider_config_key })) },
  };
  const { checks: _c, relevant_attributes: _r, ...rest } = planJson;
  return {
    ...rest,
    resource_changes: own(planJson.resource_changes) ?? [],
    ...(planJson.resource_drift ? { resource_drift: own(planJson.resource_drift) } : {}),
    output_changes: renamed(planJson.output_changes) ?? {},
    ...(planJson.prior_state ? { prior_state: { ...planJson.prior_state, values: values(planJson.prior_state.values) } } : {}),
    ...(planJson.planned_values ? { planned_values: values(planJson.planned_values) } : {}),
    ...(configuration ? { configuration } : {}),
  };
}

/**
 * Each stack of `stacks`, against its own state (or none), planned with `-refresh=false` by ONE
 * terraform plan of a withRealProviderModules root; returns each stack's plan JSON (modulePlan),
 * by name. The root is pushed to `opts.dirs` for removal.
 */
export async function planModules(
  stacks: ReadonlyArray<{ name: string; stackDir: string; statePath?: string }>,
  stub: Pick<AwsStub, "url">,
  opts: { label: string; dirs: string[] },
): Promise<Record<string, Json>> {
  const root = withRealProviderModules(stacks, stub, { label: opts.label });
  opts.dirs.push(root);
  return planModulesRoot(root, Object.fromEntries(stacks.map((s) => [s.name, s.statePath])), { refresh: false, statePath: join(root, "modules.tfstate") });
}

/** One plan of a withRealProviderModules root against each module's state (merged into `statePath`), split per module. */
async function planModulesRoot(root: string, states: Readonly<Record<string, string | undefined>>, opts: { refresh: boolean; statePath: string }): Promise<Record<string, Json>> {
  const json = await plan(root, { refresh: opts.refresh, state: mergeModuleStates(root, states, opts.statePath) });
  return Object.fromEntries(Object.keys(states).map((name) => [name, modulePlan(json, root, name)]));
}

/** The copy and rewiring of withRealProvider, into `dir`. */
function copyForRealProvider(stackDir: string, dir: string, opts: RealProviderOptions): void {
  cpSync(stackDir, dir, {
    recursive: true,
    filter: (src) => {
      const b = basename(src);
      return b !== ".terraform" && !b.endsWith(".tfstate") && !b.endsWith(".tfstate.backup") && !b.endsWith(".tfplan");
    },
  });
  const mainFile = join(dir, "cdk.tf.json");
  if (!existsSync(mainFile)) throw new Error(`${stackDir} has no cdk.tf.json`);
  const main: Json = JSON.parse(readFileSync(mainFile, "utf8"));

  // The backend: deleted, so the implicit local backend applies and every command names its state.
  for (const t of ([] as Json[]).concat(main.terraform ?? [])) {
    delete t.backend;
    delete t.cloud;
  }
  const providers: Json[] = ([] as Json[]).concat(main.provider?.aws ?? [{}]);
  const overrides: Json[] = [];
  for (const p of providers) {
    if (!opts.keepAssumeRole) {
      delete p.assume_role;
      delete p.assume_role_with_web_identity;
    }
    const o: Json = {};
    if (p.alias) o.alias = p.alias;
    if (opts.allowedAccountIds === "drop") delete p.allowed_account_ids;
    else if (Array.isArray(opts.allowedAccountIds)) o.allowed_account_ids = [...opts.allowedAccountIds];
    const allowed = o.allowed_account_ids ?? p.allowed_account_ids;
    const hasAllowed = Array.isArray(allowed) ? allowed.length > 0 : allowed !== undefined;
    Object.assign(o, {
      access_key: "AKIAPLANSTUB00000000",
      secret_key: "plan-stub-secret-key-not-a-real-secret",
      token: null,
      profile: null,
      shared_config_files: null,
      shared_credentials_files: null,
      skip_credentials_validation: true,
      skip_requesting_account_id: opts.skipRequestingAccountId ?? !hasAllowed,
      skip_metadata_api_check: "true",
      skip_region_validation: true,
      max_retries: 1,
      ...(opts.provider ?? {}),
    });
    overrides.push(o);
  }
  main.provider = { ...(main.provider ?? {}), aws: providers };
  writeFileSync(mainFile, JSON.stringify(main, null, 2));
  writeFileSync(join(dir, OVERRIDE_FILE), JSON.stringify({ provider: { aws: overrides } }, null, 2));
  for (const [name, content] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), content);
}

/* ------------------------------------------------------------------------------------------ */
/* 3. plan                                                                                     */
/* ------------------------------------------------------------------------------------------ */

export interface PlanOptions {
  /** Default true (terraform's default). */
  readonly refresh?: boolean;
  /** State file to plan against; default: none (an empty state). */
  readonly state?: string;
  /** Also render the saved plan as text (`terraform show`, what the plan review posts), in PlanResult.text. */
  readonly text?: boolean;
}

export interface PlanResult extends RunResult {
  /**
   * `terraform show -json` of the saved plan, when the plan succeeded with changes; when terraform
   * found none (exit 0 under -detailed-exitcode), noChanges() instead, without a `show`.
   */
  readonly json?: Json;
  /** `terraform show` of the saved plan (with PlanOptions.text, when the plan succeeded with changes). */
  readonly text?: string;
}

/**
 * The plan JSON of a plan terraform reported as empty (`-detailed-exitcode` 0: no resource change,
 * data source read or root output change, so nothing `summarize` or `outputChanges` would list).
 * Saves the `show -json` (a process that loads the provider schema) of every clean convergence
 * round and every "plans no change" scenario.
 */
export const noChanges = (): Json => ({ resource_changes: [], output_changes: {}, no_changes: true });

let planNo = 0;

/** plan -out + show -json; never throws on a failing plan (see code/output). Cached as one result. */
export async function tryPlan(dir: string, opts: PlanOptions = {}): Promise<PlanResult> {
  const n = ++planNo;
  const planFile = join(dir, `rp-${n}.tfplan`);
  const state = opts.state ?? join(dir, "rp-empty.tfstate");
  if (opts.state === undefined && existsSync(state)) rmSync(state);
  const args = ["plan", "-input=false", "-lock=false", "-no-color", "-detailed-exitcode", `-state=${state}`];
  if (opts.refresh === false) args.push("-refresh=false");
  const label = `${basename(dir)}${opts.refresh === false ? " -refresh=false" : ""}`;
  let ran = false;
  const result = await cachedRun<PlanResult>(opts.text ? "plan+show+text" : "plan+show", dir, args, async () => {
    ran = true;
    const run = await timedAsync("plan", label, () => spawnTerraform(dir, [...args, `-out=${planFile}`]));
    // -detailed-exitcode: 0 no changes, 1 error, 2 changes.
    if (run.code === 0) {
      rmSync(planFile, { force: true });
      return { ...run, json: noChanges() };
    }
    if (run.code !== 2) return run;
    const r = { ...run, code: 0 };
    const jsonFile = join(dir, `rp-${n}.plan.json`);
    const [s, t] = await Promise.all([
      timedAsync("show -json", basename(dir), () => spawnTerraform(dir, ["show", "-json", "-no-color", planFile], { stdoutFile: jsonFile })),
      opts.text ? spawnTerraform(dir, ["show", "-no-color", planFile]) : undefined,
    ]);
    if (s.code !== 0) return { ...s, output: `${r.output} ${s.output}` };
    if (t && t.code !== 0) return { ...t, output: `${r.output} ${t.output}` };
    const json = JSON.parse(readFileSync(jsonFile, "utf8"));
    rmSync(jsonFile);
    rmSync(planFile);
    return { ...r, json, ...(t ? { text: t.stdout } : {}) };
  });
  if (!ran) TIMINGS.push({ op: "plan+show (cached)", ms: 0, detail: label });
  return result;
}

/** plan -out + show -json, parsed; throws with terraform's output when the plan fails. */
export async function plan(dir: string, opts: PlanOptions = {}): Promise<Json> {
  const r = await tryPlan(dir, opts);
  if (r.code !== 0 || !r.json) throw new Error(`terraform plan failed in ${dir} (exit ${r.code}): ${r.output}`);
  return r.json;
}

/* ------------------------------------------------------------------------------------------ */
/* 5. summarize                                                                                */
/* ------------------------------------------------------------------------------------------ */

export interface ChangeSummary {
  readonly address: string;
  readonly actions: ReadonlyArray<string>;
}

/** Non-no-op resource changes (managed and data reads) of a plan JSON. */
export function summarize(planJson: Json): ChangeSummary[] {
  return (planJson.resource_changes ?? [])
    .filter((rc: Json) => !(rc.change.actions.length === 1 && rc.change.actions[0] === "no-op"))
    .map((rc: Json) => ({ address: rc.address, actions: rc.change.actions }));
}

/** Non-no-op output changes of a plan JSON. */
export function outputChanges(planJson: Json): ChangeSummary[] {
  return Object.entries(planJson.output_changes ?? {})
    .filter(([, c]: [string, any]) => !(c.actions.length === 1 && c.actions[0] === "no-op"))
    .map(([name, c]: [string, any]) => ({ address: `output.${name}`, actions: c.actions }));
}

/* ------------------------------------------------------------------------------------------ */
/* Provider schema (types + schema versions), cached per process and on disk                   */
/* ------------------------------------------------------------------------------------------ */

/** cty type JSON: "string" | ["list", T] | ["object", {..}] ... */
type CtyType = string | [string, any] | [string, any, any];

interface ResourceSchema {
  readonly version: number;
  readonly type: CtyType;
}

const schemaCache = new Map<string, Record<string, ResourceSchema>>();

function blockType(block: Json): CtyType {
  const attrs: Record<string, CtyType> = {};
  for (const [k, a] of Object.entries<any>(block.attributes ?? {})) attrs[k] = a.type ?? nestedType(a.nested_type);
  for (const [k, b] of Object.entries<any>(block.block_types ?? {})) {
    const t = blockType(b.block);
    attrs[k] = b.nesting_mode === "list" ? ["list", t] : b.nesting_mode === "set" ? ["set", t] : b.nesting_mode === "map" ? ["map", t] : t;
  }
  return ["object", attrs];
}

function nestedType(n: Json | undefined): CtyType {
  if (!n) return "dynamic";
  const t = blockType({ attributes: n.attributes });
  return n.nesting_mode === "list" ? ["list", t] : n.nesting_mode === "set" ? ["set", t] : n.nesting_mode === "map" ? ["map", t] : t;
}

function awsProviderVersion(dir: string): string {
  const lock = join(dir, ".terraform.lock.hcl");
  const text = existsSync(lock) ? readFileSync(lock, "utf8") : "";
  const locked = /provider "registry\.terraform\.io\/hashicorp\/aws" \{\s*version\s*=\s*"([^"]+)"/.exec(text)?.[1];
  if (locked) return locked;
  // Not initialised (its runs came from the result cache): the mirror's only version, if it has one.
  const mirror = pluginMirror();
  const versions = mirror && existsSync(join(mirror, "registry.terraform.io/hashicorp/aws")) ? readdirSync(join(mirror, "registry.terraform.io/hashicorp/aws")).filter((v) => /^\d/.test(v)) : [];
  return versions.length === 1 ? versions[0] : "unknown";
}

/** Resource types of the dir's aws provider: schema version and cty type (cached on disk per provider version). */
export async function awsResourceSchemas(dir: string): Promise<Record<string, ResourceSchema>> {
  const version = awsProviderVersion(dir);
  const cached = schemaCache.get(version);
  if (cached) return cached;
  const file = join(systemTmpdir(), "sagemaker-anfw-terraform", `aws-${version}-resource-types.json`);
  let types: Record<string, ResourceSchema>;
  if (version !== "unknown" && existsSync(file)) {
    types = JSON.parse(readFileSync(file, "utf8"));
  } else {
    const raw = join(dir, `rp-schema-${process.pid}.json`);
    const r = await timedAsync("providers schema -json", version, () => runTerraform(dir, ["providers", "schema", "-json"], { stdoutFile: raw }));
    if (r.code !== 0) throw new Error(`terraform providers schema failed in ${dir}: ${r.output}`);
    const all = JSON.parse(readFileSync(raw, "utf8"));
    rmSync(raw);
    const aws = Object.entries<any>(all.provider_schemas ?? {}).find(([k]) => k.endsWith("/hashicorp/aws"))?.[1];
    if (!aws) throw new Error("no hashicorp/aws schema");
    types = {};
    for (const [t, s] of Object.entries<any>(aws.resource_schemas)) types[t] = { version: s.version ?? 0, type: blockType(s.block) };
    if (version !== "unknown") {
      const tmp = `${file}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify(types));
      renameSync(tmp, file); // atomic: parallel jest workers may race
    }
  }
  schemaCache.set(version, types);
  return types;
}

/* ------------------------------------------------------------------------------------------ */
/* 4. deployedState                                                                            */
/* ------------------------------------------------------------------------------------------ */

interface FakeContext {
  readonly address: string;
  readonly resourceType: string;
  readonly region: string;
  readonly account: string;
  /** Known values of the instance (the plan's `after`). */
  readonly known: Json;
}

const ID_PREFIX: Record<string, string> = {
  aws_vpc: "vpc",
  aws_subnet: "subnet",
  aws_route_table: "rtb",
  aws_default_route_table: "rtb",
  aws_internet_gateway: "igw",
  aws_egress_only_internet_gateway: "eigw",
  aws_nat_gateway: "nat",
  aws_eip: "eipalloc",
  aws_security_group: "sg",
  aws_default_security_group: "sg",
  aws_vpc_endpoint: "vpce",
  aws_vpc_security_group_ingress_rule: "sgr",
  aws_vpc_security_group_egress_rule: "sgr",
  aws_route_table_association: "rtbassoc",
  aws_flow_log: "fl",
  aws_network_acl: "acl",
  aws_default_network_acl: "acl",
  aws_network_interface: "eni",
  aws_vpc_dhcp_options: "dopt",
  aws_ec2_managed_prefix_list: "pl",
  aws_instance: "i",
  aws_vpc_endpoint_service: "vpce-svc",
};

const ATTR_ID_PREFIX: Record<string, string> = {
  vpc_id: "vpc",
  subnet_id: "subnet",
  route_table_id: "rtb",
  default_route_table_id: "rtb",
  main_route_table_id: "rtb",
  default_network_acl_id: "acl",
  default_security_group_id: "sg",
  security_group_id: "sg",
  security_group_id_for_domain_boundary: "sg",
  dhcp_options_id: "dopt",
  network_interface_id: "eni",
  allocation_id: "eipalloc",
  association_id: "eipassoc",
  gateway_id: "igw",
  internet_gateway_id: "igw",
  nat_gateway_id: "nat",
  vpc_endpoint_id: "vpce",
  endpoint_id: "vpce",
  security_group_rule_id: "sgr",
  prefix_list_id: "pl",
  home_efs_file_system_id: "fs",
  service_id: "vpce-svc",
};

/** Types whose ID is their name-like argument. */
const NAME_ID: Record<string, string> = {
  aws_iam_role: "name",
  aws_iam_instance_profile: "name",
  aws_cloudwatch_log_group: "name",
  aws_kms_alias: "name",
  aws_ssm_parameter: "name",
  aws_s3_bucket: "bucket",
  aws_s3_bucket_policy: "bucket",
  aws_s3_bucket_public_access_block: "bucket",
  aws_s3_bucket_ownership_controls: "bucket",
  aws_s3_bucket_versioning: "bucket",
  aws_s3_bucket_server_side_encryption_configuration: "bucket",
  aws_s3_bucket_lifecycle_configuration: "bucket",
  aws_s3_bucket_logging: "bucket",
  aws_sagemaker_notebook_instance: "name",
  aws_sagemaker_notebook_instance_lifecycle_configuration: "name",
};

/** Types whose ID is their ARN. */
const ARN_ID = new Set([
  "aws_iam_policy",
  "aws_networkfirewall_firewall",
  "aws_networkfirewall_firewall_policy",
  "aws_networkfirewall_rule_group",
  "aws_sagemaker_user_profile",
  "aws_sagemaker_space",
  "aws_sns_topic",
]);

function fakeId(ctx: FakeContext): string {
  const t = ctx.resourceType;
  const k = ctx.known;
  const h = hex(ctx.address, 16);
  if (ID_PREFIX[t]) return `${ID_PREFIX[t]}-0${h}`;
  if (t === "aws_kms_key") return uuidOf(ctx.address);
  if (NAME_ID[t] && typeof k[NAME_ID[t]] === "string") return k[NAME_ID[t]];
  if (ARN_ID.has(t)) return fakeArn(ctx);
  if (t === "aws_networkfirewall_logging_configuration" && typeof k.firewall_arn === "string") return k.firewall_arn;
  if (t === "aws_sagemaker_domain") return `d-${hex(ctx.address, 12)}`;
  if (t === "aws_route") return `r-rtb-0${h}${parseInt(hex(ctx.address, 8), 16)}`;
  if (t === "aws_iam_role_policy" && typeof k.role === "string" && typeof k.name === "string") return `${k.role}:${k.name}`;
  if (t === "aws_iam_role_policy_attachment") return `${typeof k.role === "string" ? k.role : "role"}-${hex(ctx.address, 26)}`;
  if (t === "aws_security_group_rule") return `sgrule-${parseInt(hex(ctx.address, 8), 16)}`;
  return `${t.replace(/^aws_/, "").replace(/_/g, "-")}-${h}`;
}

function fakeArn(ctx: FakeContext): string {
  const { region: r, account: a, resourceType: t, known: k } = ctx;
  const name = (v: unknown, fallback: string) => (typeof v === "string" ? v : fallback);
  const short = `fake-${hex(ctx.address, 8)}`;
  switch (t) {
    case "aws_iam_role":
      return `arn:aws:iam::${a}:role${name(k.path, "/")}${name(k.name, short)}`;
    case "aws_iam_policy":
      return `arn:aws:iam::${a}:policy${name(k.path, "/")}${name(k.name, short)}`;
    case "aws_iam_instance_profile":
      return `arn:aws:iam::${a}:instance-profile${name(k.path, "/")}${name(k.name, short)}`;
    case "aws_cloudwatch_log_group":
      return `arn:aws:logs:${r}:${a}:log-group:${name(k.name, short)}`;
    case "aws_kms_key":
      return `arn:aws:kms:${r}:${a}:key/${uuidOf(ctx.address)}`;
    case "aws_kms_alias":
      return `arn:aws:kms:${r}:${a}:${name(k.name, `alias/${short}`)}`;
    case "aws_s3_bucket":
      return `arn:aws:s3:::${name(k.bucket, short)}`;
    case "aws_ssm_parameter":
      return `arn:aws:ssm:${r}:${a}:parameter/${name(k.name, short).replace(/^\//, "")}`;
    case "aws_networkfirewall_firewall":
      return `arn:aws:network-firewall:${r}:${a}:firewall/${name(k.name, short)}`;
    case "aws_networkfirewall_firewall_policy":
      return `arn:aws:network-firewall:${r}:${a}:firewall-policy/${name(k.name, short)}`;
    case "aws_networkfirewall_rule_group":
      return `arn:aws:network-firewall:${r}:${a}:${k.type === "STATELESS" ? "stateless" : "stateful"}-rulegroup/${name(k.name, short)}`;
    case "aws_sagemaker_domain":
      return `arn:aws:sagemaker:${r}:${a}:domain/${fakeId(ctx)}`;
    case "aws_sagemaker_user_profile":
      return `arn:aws:sagemaker:${r}:${a}:user-profile/${name(k.domain_id, "d-fake")}/${name(k.user_profile_name, short)}`;
    case "aws_sagemaker_studio_lifecycle_config":
      // AWS's format: the name is the ARN's last part (what the Studio domain's check compares)
      return `arn:aws:sagemaker:${r}:${a}:studio-lifecycle-config/${name(k.studio_lifecycle_config_name, short)}`;
    case "aws_sns_topic":
      return `arn:aws:sns:${r}:${a}:${name(k.name, short)}`;
  }
  if (ID_PREFIX[t] || t.startsWith("aws_vpc") || t.startsWith("aws_ec2")) {
    const kind = t.replace(/^aws_(ec2_)?/, "").replace(/_/g, "-");
    return `arn:aws:ec2:${r}:${a}:${kind}/${fakeId(ctx)}`;
  }
  const service = t.split("_")[1] ?? "fake";
  return `arn:aws:${service}:${r}:${a}:${t.replace(/^aws_[a-z0-9]+_?/, "") || "resource"}/${fakeId(ctx)}`;
}

function fakeString(path: ReadonlyArray<string | number>, ctx: FakeContext): string {
  const names = path.filter((p): p is string => typeof p === "string");
  const attr = names[names.length - 1] ?? "";
  const top = path.length === 1;
  const seed = `${ctx.address}/${path.join("/")}`;
  const h = hex(seed, 16);
  if (top && attr === "id") return fakeId(ctx);
  if (top && attr === "arn") return fakeArn(ctx);
  if (top && attr === "key_id" && ctx.resourceType === "aws_kms_key") return uuidOf(ctx.address);
  if (attr === "owner_id" || attr === "account_id") return ctx.account;
  if (attr === "region") return ctx.region;
  if (attr === "network_border_group") return ctx.region;
  if (attr === "availability_zone") return `${ctx.region}a`;
  if (attr === "availability_zone_id") return `${regionAbbrev(ctx.region)}-az1`;
  if (attr === "key_id" || attr === "kms_key_id") return uuidOf(seed);
  if (ATTR_ID_PREFIX[attr]) return `${ATTR_ID_PREFIX[attr]}-0${h}`;
  if (attr.endsWith("_arn")) return `arn:aws:${ctx.resourceType.split("_")[1] ?? "fake"}:${ctx.region}:${ctx.account}:fake/${h}`;
  if (attr === "public_ip" || attr === "carrier_ip" || attr === "customer_owned_ip") return `203.0.113.${byteOf(seed)}`;
  if (attr === "private_ip") return `10.255.${byteOf(`${seed}1`)}.${byteOf(`${seed}2`)}`;
  if (attr === "public_dns") return `ec2-203-0-113-${byteOf(seed)}.compute-1.amazonaws.com`;
  if (attr === "private_dns") return `ip-10-255-0-${byteOf(seed)}.ec2.internal`;
  if (attr === "unique_id") return `AROA${h.toUpperCase()}0`;
  if (/(^|_)(date|time)$/.test(attr) || attr === "last_modified" || attr === "create_date") return "2024-01-01T00:00:00Z";
  if (attr === "bucket_domain_name") return `${ctx.known.bucket ?? "bucket"}.s3.amazonaws.com`;
  if (attr === "bucket_regional_domain_name") return `${ctx.known.bucket ?? "bucket"}.s3.${ctx.region}.amazonaws.com`;
  if (attr === "hosted_zone_id") return "Z3AQBSTGFYJSTF";
  if (attr === "url") return `https://${fakeId(ctx)}.studio.${ctx.region}.sagemaker.aws`;
  if (attr === "domain" && ctx.resourceType === "aws_eip") return "vpc";
  if (attr === "etag") return h;
  return `fake-${h}`;
}

/** A value of `type` whose strings are deterministic fakes. */
function fakeOf(type: CtyType, path: ReadonlyArray<string | number>, ctx: FakeContext): unknown {
  if (type === "string") return fakeString(path, ctx);
  if (type === "number") return 0;
  if (type === "bool") return false;
  if (!Array.isArray(type)) return null;
  const [kind, inner] = type;
  if (kind === "list" || kind === "set" || kind === "tuple") return [];
  if (kind === "map") return {};
  if (kind === "object") {
    const o: Json = {};
    for (const [k, t] of Object.entries<CtyType>(inner)) o[k] = fakeOf(t, [...path, k], ctx);
    return o;
  }
  return null;
}

function elemType(type: CtyType | undefined): CtyType | undefined {
  return Array.isArray(type) && (type[0] === "list" || type[0] === "set" || type[0] === "map") ? type[1] : undefined;
}

function attrTypes(type: CtyType | undefined): Record<string, CtyType> | undefined {
  return Array.isArray(type) && type[0] === "object" ? type[1] : undefined;
}

/**
 * `after` with every unknown (per `unknown`, the plan's after_unknown) replaced by the prior value
 * at the same path when there is one, else by a typed fake. `filled` collects the paths replaced.
 */
function fillUnknowns(
  after: unknown,
  unknown: unknown,
  prior: unknown,
  type: CtyType | undefined,
  path: Array<string | number>,
  ctx: FakeContext,
  filled: string[],
): unknown {
  if (unknown === true) {
    filled.push(path.join("."));
    return prior !== undefined ? prior : type ? fakeOf(type, path, ctx) : null;
  }
  if (Array.isArray(after) || Array.isArray(unknown)) {
    const a = Array.isArray(after) ? after : [];
    const u = Array.isArray(unknown) ? unknown : [];
    const p = Array.isArray(prior) ? prior : [];
    const n = Math.max(a.length, u.length);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(fillUnknowns(a[i] ?? null, u[i], p[i], elemType(type), [...path, i], ctx, filled));
    return out;
  }
  const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null;
  if (isObj(after) || isObj(unknown)) {
    const a = isObj(after) ? after : {};
    const u = isObj(unknown) ? unknown : {};
    const p = isObj(prior) ? prior : {};
    const attrs = attrTypes(type);
    const keys = new Set([...Object.keys(attrs ?? {}), ...Object.keys(a), ...Object.keys(u)]);
    const out: Json = {};
    for (const k of keys) {
      const t = attrs ? attrs[k] : elemType(type);
      out[k] = fillUnknowns(k in a ? a[k] : null, u[k], p[k], t, [...path, k], ctx, filled);
    }
    return out;
  }
  return after === undefined ? null : after;
}

export interface StateInstance {
  index_key?: string | number;
  schema_version: number;
  attributes: Json;
  sensitive_attributes: unknown[];
  dependencies?: string[];
}

export interface StateResource {
  module?: string;
  mode: "managed";
  type: string;
  name: string;
  provider: string;
  instances: StateInstance[];
}

export interface Residual {
  readonly address: string;
  readonly actions: ReadonlyArray<string>;
  /** Top-level attributes whose planned value differs from the state ("(known after apply)" when unknown). */
  readonly attributes: ReadonlyArray<string>;
  readonly diff: Readonly<Record<string, { before: unknown; after: unknown }>>;
  readonly replacePaths?: unknown;
}

export interface DeployedStateOptions {
  /** Fold rounds after the create plan (default 6). */
  readonly rounds?: number;
  /** Where to write the state (default <dir>/deployed.tfstate). */
  readonly statePath?: string;
  /** Called after each round's plan with that plan's non-no-op changes. */
  readonly onRound?: (round: number, changes: ReadonlyArray<Residual>) => void;
  /**
   * Makes the plans instead of `plan` in `dir`: the create plan (no state, refresh) when given no
   * state, a round's plan (-refresh=false) against `statePath` otherwise (see deployedStates).
   */
  readonly planner?: (statePath?: string) => Promise<Json>;
  /**
   * Start from a deployed state with a plan of `dir` against it applied, instead of from a create
   * plan against an empty state: the plan's creates and replacements get fakes as a create plan's
   * do, its updates keep the state's values where the plan does not know them, its deletes go; the
   * rounds then fold what that leaves unresolved. (What the preview's working tree would publish
   * once applied, without converging it from scratch.) `createPlan` is then that plan.
   */
  readonly applied?: { readonly statePath: string; readonly plan: Json };
}

export interface DeployedState {
  readonly statePath: string;
  /** `plan -refresh=false` runs against the built state (the last one is the clean or residual plan). */
  readonly rounds: number;
  readonly converged: boolean;
  /** Non-no-op resource changes of the last plan. */
  readonly residual: ReadonlyArray<Residual>;
  /** Non-no-op output changes of the last plan. */
  readonly outputResidual: ReadonlyArray<ChangeSummary>;
  /** Per round: how many resource changes were not no-ops. */
  readonly changesPerRound: ReadonlyArray<number>;
  readonly lastPlan: Json;
  /** The create plan the state was first built from (what a fresh deploy plans). */
  readonly createPlan: Json;
  readonly ms: number;
}

interface InstanceEntry {
  key: string; // address
  module?: string;
  type: string;
  name: string;
  index?: string | number;
  provider: string;
  schemaVersion: number;
  attributes: Json;
  /** Paths that were unknown when last folded. */
  filled: string[];
  /** State v4 sensitive_attributes (from the plan's after_sensitive). */
  sensitive: unknown[];
  dependencies: string[];
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Json)[k])]));
  return v;
}

/** Plan-JSON `configuration` provider keys per resource address ("aws" / "aws.alias"), root module only. */
function providerKeys(planJson: Json): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of planJson.configuration?.root_module?.resources ?? []) out.set(r.address, r.provider_config_key ?? "aws");
  return out;
}

function dependenciesOf(planJson: Json): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of planJson.configuration?.root_module?.resources ?? []) {
    const refs = new Set<string>();
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v as Json)) {
          if (k === "references" && Array.isArray(x)) {
            for (const ref of x) {
              const m = /^((?:data\.)?aws_[a-z0-9_]+\.[^.[\]]+)$/.exec(ref);
              if (m && !m[1].startsWith("data.")) refs.add(m[1]);
            }
          } else walk(x);
        }
      }
    };
    walk(r.expressions);
    walk(r.depends_on ? { references: r.depends_on } : undefined);
    out.set(r.address, [...refs].sort());
  }
  return out;
}

function providerAddress(key: string): string {
  const [name, alias] = key.split(".");
  const base = `provider["registry.terraform.io/hashicorp/${name}"]`;
  return alias ? `${base}.${alias}` : base;
}

/** `${type.name.attr}` (a pure reference to a managed resource's top-level attribute). */
const PURE_REF = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/;
/** `${local.name["key"]}` */
const LOCAL_INDEX = /^\$\{local\.([A-Za-z0-9_-]+)\["([^"]+)"\]\}$/;
/** A local `{ for ... in ...aws_networkfirewall_firewall.X.firewall_status[0].sync_states ... : availability_zone => attachment[0].endpoint_id }` */
const SYNC_STATES_MAP =
  /^\$\{\{\s*for\s.*aws_networkfirewall_firewall\.([A-Za-z0-9_-]+)\.firewall_status\[0\]\.sync_states.*:\s*\w+\.availability_zone\s*=>\s*\w+\.attachment\[0\]\.endpoint_id\s*\}\}$/s;

/**
 * The value a configuration string stands for, if it is one this harness can evaluate from the
 * state being built: a pure reference `${type.name.attr}`, or `${local.m["az"]}` where local.m is
 * the stacks' map of firewall endpoint IDs by AZ (from firewall_status[0].sync_states).
 */
function evaluateSimple(expr: string, entries: Map<string, InstanceEntry>, config: Json): unknown {
  const r = PURE_REF.exec(expr);
  if (r) {
    if (["data", "local", "var", "module"].includes(r[1])) return undefined;
    return entries.get(`${r[1]}.${r[2]}`)?.attributes[r[3]];
  }
  const l = LOCAL_INDEX.exec(expr);
  if (l) {
    const local = config.locals?.[l[1]];
    const m = typeof local === "string" ? SYNC_STATES_MAP.exec(local) : null;
    if (!m) return undefined;
    const fw = entries.get(`aws_networkfirewall_firewall.${m[1]}`);
    const states: Json[] = fw?.attributes.firewall_status?.[0]?.sync_states ?? [];
    return states.find((s) => s.availability_zone === l[2])?.attachment?.[0]?.endpoint_id;
  }
  return undefined;
}

/**
 * Round-0 help for convergence: where an unknown value's configuration is something
 * evaluateSimple understands (or a list of such), take it from the state being built (fakes
 * included), so the first fold already agrees with what the next plan evaluates. Special values
 * (SPECIAL) are recomputed in between, since they read resolved attributes (subnet_mapping).
 */
function resolveReferences(
  entries: Map<string, InstanceEntry>,
  config: Json,
  unknownMasks: Map<string, unknown>,
  specials: () => boolean,
): void {
  for (let pass = 0; pass < 6; pass++) {
    let changed = specials();
    for (const e of entries.values()) {
      const cfg = config.resource?.[e.type]?.[e.name];
      const mask = unknownMasks.get(e.key);
      if (!cfg || !mask || e.index !== undefined) continue;
      const set = (holder: Json | unknown[], key: string | number, v: unknown) => {
        if (v !== undefined && v !== null && !deepEqual(v, (holder as any)[key])) {
          (holder as any)[key] = v;
          changed = true;
        }
      };
      const walk = (c: unknown, holder: Json | unknown[], key: string | number, m: unknown) => {
        if (!m) return;
        const cur = (holder as any)[key];
        if (m === true) {
          if (typeof c === "string") set(holder, key, evaluateSimple(c, entries, config));
          else if (Array.isArray(c) && c.every((x) => typeof x === "string")) {
            const vs = c.map((x) => (PURE_REF.test(x) || LOCAL_INDEX.test(x) ? evaluateSimple(x, entries, config) : x.includes("${") ? undefined : x));
            if (vs.every((v) => typeof v === "string")) set(holder, key, vs);
          }
          return;
        }
        if (cur === null || cur === undefined) return;
        const cList = Array.isArray(c) ? c : c && typeof c === "object" ? [c] : undefined;
        if (Array.isArray(cur) && cList && Array.isArray(m)) {
          cur.forEach((_, i) => walk(cList[i], cur, i, m[i]));
        } else if (typeof cur === "object" && !Array.isArray(cur) && c && typeof c === "object" && !Array.isArray(c) && typeof m === "object") {
          for (const k of Object.keys(c as Json)) if (k !== "//") walk((c as Json)[k], cur as Json, k, (m as Json)[k]);
        }
      };
      for (const k of Object.keys(cfg)) {
        if (["//", "lifecycle", "depends_on", "provider", "count", "for_each"].includes(k)) continue;
        walk(cfg[k], e.attributes, k, (mask as Json)[k]);
      }
    }
    if (!changed) return;
  }
}

/**
 * Values computed by AWS that the stacks read structurally: filled from the state, not by type.
 * Called when the attribute was unknown in the plan being folded.
 */
const SPECIAL: Record<string, Record<string, (e: InstanceEntry, entries: Map<string, InstanceEntry>, type: CtyType | undefined, ctx: FakeContext) => unknown>> = {
  aws_networkfirewall_firewall: {
    // One sync state per subnet mapping: its subnet's AZ and an endpoint ID, as AWS reports them.
    firewall_status: (e, entries, type, ctx) => {
      const statusType = elemType(type);
      const syncType = elemType(attrTypes(statusType)?.sync_states);
      const attachType = elemType(attrTypes(syncType)?.attachment);
      const subnets = [...entries.values()].filter((x) => x.type === "aws_subnet");
      const syncStates = ((e.attributes.subnet_mapping ?? []) as Json[]).map((m, i) => {
        const subnet = subnets.find((s) => s.attributes.id === m.subnet_id);
        const az = subnet?.attributes.availability_zone ?? `${ctx.region}${"abcdefghij"[i] ?? "a"}`;
        const attachment = {
          ...(attachType ? (fakeOf(attachType, ["firewall_status", 0, "sync_states", i, "attachment", 0], ctx) as Json) : {}),
          endpoint_id: `vpce-0${hex(`${e.key}/${az}`, 16)}`,
          subnet_id: m.subnet_id,
        };
        if ("status" in attachment) attachment.status = "READY";
        return {
          ...(syncType ? (fakeOf(syncType, ["firewall_status", 0, "sync_states", i], ctx) as Json) : {}),
          availability_zone: az,
          attachment: [attachment],
        };
      });
      return [{ ...(statusType ? (fakeOf(statusType, ["firewall_status", 0], ctx) as Json) : {}), sync_states: syncStates }];
    },
  },
};

/**
 * after_sensitive (true / nested objects and arrays of marks) -> state v4 sensitive_attributes
 * paths. Without them terraform plans an "update" whose only change is sensitivity.
 */
function sensitivePaths(marks: unknown, path: Json[] = [], out: Json[][] = []): Json[][] {
  if (marks === true) out.push(path);
  else if (Array.isArray(marks)) marks.forEach((m, i) => sensitivePaths(m, [...path, { type: "index", value: { value: i, type: "number" } }], out));
  else if (marks && typeof marks === "object")
    for (const [k, m] of Object.entries(marks)) sensitivePaths(m, [...path, { type: "get_attr", value: k }], out);
  return out;
}

function outputType(v: unknown): CtyType {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return ["tuple", v.map(outputType)];
  if (v && typeof v === "object") return ["object", Object.fromEntries(Object.entries(v).map(([k, x]) => [k, outputType(x)]))];
  return "dynamic";
}

function writeState(path: string, entries: Map<string, InstanceEntry>, serial: number, lineage: string, outputs: Json): void {
  const groups = new Map<string, StateResource>();
  for (const e of entries.values()) {
    const gk = `${e.module ?? ""}|${e.type}|${e.name}`;
    let g = groups.get(gk);
    if (!g) {
      g = { ...(e.module ? { module: e.module } : {}), mode: "managed", type: e.type, name: e.name, provider: e.provider, instances: [] };
      groups.set(gk, g);
    }
    g.instances.push({
      ...(e.index !== undefined ? { index_key: e.index } : {}),
      schema_version: e.schemaVersion,
      attributes: e.attributes,
      sensitive_attributes: e.sensitive,
      ...(e.dependencies.length ? { dependencies: e.dependencies } : {}),
    });
  }
  const state = {
    version: 4,
    terraform_version: "1.11.4",
    serial,
    lineage,
    outputs,
    resources: [...groups.values()],
    check_results: null,
  };
  writeFileSync(path, JSON.stringify(state, null, 2));
}

function residualsOf(planJson: Json): Residual[] {
  return (planJson.resource_changes ?? [])
    .filter((rc: Json) => rc.mode === "managed" && !(rc.change.actions.length === 1 && rc.change.actions[0] === "no-op"))
    .map((rc: Json) => {
      const before = rc.change.before ?? {};
      const after = rc.change.after ?? {};
      const unk = rc.change.after_unknown ?? {};
      const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unk)]);
      const diff: Record<string, { before: unknown; after: unknown }> = {};
      for (const k of [...keys].sort()) {
        const unknownHere = JSON.stringify(unk[k] ?? false).includes("true");
        if (unknownHere || !deepEqual(before[k], after[k])) {
          diff[k] = { before: before[k], after: unknownHere ? "(known after apply)" : after[k] };
        }
      }
      return {
        address: rc.address,
        actions: rc.change.actions,
        attributes: Object.keys(diff),
        diff,
        ...(rc.change.replace_paths ? { replacePaths: rc.change.replace_paths } : {}),
      };
    });
}

/**
 * Builds a state in which `dir`'s config looks applied: create plan -> typed deterministic fakes
 * for unknowns -> `plan -refresh=false` and fold, until clean or `rounds` plans.
 */
export async function deployedState(dir: string, stub: Pick<AwsStub, "accountId" | "region">, opts: DeployedStateOptions = {}): Promise<DeployedState> {
  const t0 = Date.now();
  const maxRounds = opts.rounds ?? 6;
  const statePath = opts.statePath ?? join(dir, "deployed.tfstate");
  const schemas = await awsResourceSchemas(dir);
  const config: Json = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
  const region: string = ([] as Json[]).concat(config.provider?.aws ?? [])[0]?.region ?? stub.region;
  const lineage = uuidOf(`lineage/${createHash("sha256").update(JSON.stringify(config)).digest("hex")}`);
  const entries = new Map<string, InstanceEntry>();
  const changesPerRound: number[] = [];

  if (opts.applied) {
    for (const r of readState(opts.applied.statePath).resources ?? []) {
      if (r.mode !== "managed") continue;
      for (const i of r.instances) {
        const idx = i.index_key === undefined ? "" : typeof i.index_key === "number" ? `[${i.index_key}]` : `[${JSON.stringify(i.index_key)}]`;
        const key = `${r.module ? `${r.module}.` : ""}${r.type}.${r.name}${idx}`;
        entries.set(key, {
          key,
          module: r.module,
          type: r.type,
          name: r.name,
          index: i.index_key,
          provider: r.provider,
          schemaVersion: i.schema_version,
          attributes: i.attributes,
          filled: [],
          sensitive: i.sensitive_attributes ?? [],
          dependencies: i.dependencies ?? [],
        });
      }
    }
  }

  const fold = (planJson: Json, first: boolean) => {
    const keys = providerKeys(planJson);
    const deps = dependenciesOf(planJson);
    const masks = new Map<string, unknown>();
    const specials: Array<[InstanceEntry, string, FakeContext]> = [];
    for (const rc of planJson.resource_changes ?? []) {
      if (rc.mode !== "managed") continue;
      const actions: string[] = rc.change.actions;
      if (actions.length === 1 && actions[0] === "no-op") continue;
      if (actions.length === 1 && actions[0] === "delete") {
        entries.delete(rc.address);
        continue;
      }
      const schema = schemas[rc.type];
      if (!schema) throw new Error(`no schema for ${rc.type}`);
      // Applying a plan to a deployed state: what it creates (or replaces) is new, as in a create plan.
      const prior = opts.applied && first && actions.includes("create") ? undefined : entries.get(rc.address);
      const ctx: FakeContext = { address: rc.address, resourceType: rc.type, region, account: stub.accountId, known: rc.change.after ?? {} };
      const filled: string[] = [];
      const attributes = fillUnknowns(rc.change.after ?? {}, rc.change.after_unknown ?? {}, prior?.attributes, schema.type, [], ctx, filled) as Json;
      const configAddress = rc.address.replace(/\[[^\]]*\]$/, "");
      const entry: InstanceEntry = {
        key: rc.address,
        module: rc.module_address,
        type: rc.type,
        name: rc.name,
        index: rc.index,
        provider: providerAddress(keys.get(configAddress) ?? "aws"),
        schemaVersion: schema.version,
        attributes,
        filled,
        sensitive: sensitivePaths(rc.change.after_sensitive),
        dependencies: deps.get(configAddress) ?? prior?.dependencies ?? [],
      };
      entries.set(rc.address, entry);
      masks.set(rc.address, rc.change.after_unknown ?? {});
      for (const attr of Object.keys(SPECIAL[rc.type] ?? {})) {
        if (rc.change.after_unknown?.[attr] === true) specials.push([entry, attr, ctx]);
      }
    }
    const runSpecials = () => {
      let changed = false;
      for (const [e, attr, ctx] of specials) {
        const v = SPECIAL[e.type][attr](e, entries, attrTypes(schemas[e.type].type)?.[attr], ctx);
        if (!deepEqual(v, e.attributes[attr])) {
          e.attributes[attr] = v;
          changed = true;
        }
      }
      return changed;
    };
    if (first) resolveReferences(entries, config, masks, runSpecials);
    else runSpecials();
  };

  const outputsOf = (planJson: Json): Json => {
    const out: Json = {};
    for (const [name, c] of Object.entries<any>(planJson.output_changes ?? {})) {
      if (c.actions.includes("delete") && c.actions.length === 1) continue;
      if (JSON.stringify(c.after_unknown ?? false).includes("true")) continue;
      out[name] = { value: c.after, type: outputType(c.after), ...(c.after_sensitive === true ? { sensitive: true } : {}) };
    }
    return out;
  };

  const create = opts.applied ? opts.applied.plan : await (opts.planner ? opts.planner() : plan(dir, { refresh: true }));
  fold(create, true);
  let serial = 1;
  writeState(statePath, entries, serial, lineage, outputsOf(create));

  let last = create;
  let rounds = 0;
  let converged = false;
  while (rounds < maxRounds) {
    rounds++;
    const r0 = Date.now();
    last = await (opts.planner ? opts.planner(statePath) : plan(dir, { refresh: false, state: statePath }));
    const changes = (last.resource_changes ?? []).filter(
      (rc: Json) => rc.mode === "managed" && !(rc.change.actions.length === 1 && rc.change.actions[0] === "no-op"),
    );
    changesPerRound.push(changes.length);
    opts.onRound?.(rounds, residualsOf(last));
    const outs = outputsOf(last);
    const outputDrift = outputChanges(last).length > 0;
    if (changes.length === 0 && !outputDrift) {
      converged = true;
      TIMINGS.push({ op: "convergence round", ms: Date.now() - r0, detail: `${rounds} (clean)` });
      break;
    }
    fold(last, false);
    writeState(statePath, entries, ++serial, lineage, outs);
    TIMINGS.push({ op: "convergence round", ms: Date.now() - r0, detail: `${rounds} (${changes.length} changes)` });
  }
  return {
    statePath,
    rounds,
    converged,
    residual: residualsOf(last),
    outputResidual: outputChanges(last),
    changesPerRound,
    lastPlan: last,
    createPlan: create,
    ms: Date.now() - t0,
  };
}

/**
 * deployedState of several stacks (real-provider copies, as withRealProvider makes them) that talk
 * to one stub, in lockstep: each round's plans of all of them are ONE terraform plan of a
 * withRealProviderModules root against their states merged (mergeModuleStates), split back per
 * stack (modulePlan), so two stacks cost one plan and one show a round instead of two of each.
 * Each stack folds its own part exactly as alone; one that has converged takes part with its final
 * state (planning no change) until all have. terraform.real-plan checks that a stack's part of such
 * a plan is the plan terraform makes of it on its own (for a change with creates and updates, and
 * one with deletes), and that each state so built plans no change on its own.
 */
export async function deployedStates(dirs: Readonly<Record<string, string>>, stub: AwsStub, opts: { label: string; dirs: string[] }): Promise<Record<string, DeployedState>> {
  const names = Object.keys(dirs);
  const root = withRealProviderModules(
    names.map((name) => ({ name, stackDir: dirs[name] })),
    stub,
    { label: opts.label },
  );
  opts.dirs.push(root);
  const waiting = new Map<string, { statePath?: string; resolve: (json: Json) => void; reject: (e: unknown) => void }>();
  const lastState = new Map<string, string | undefined>();
  const finished = new Set<string>();
  let round = 0;
  const flush = () => {
    const active = names.filter((n) => !finished.has(n));
    if (active.length === 0 || !active.every((n) => waiting.has(n))) return;
    const batch = new Map(waiting);
    waiting.clear();
    const states = Object.fromEntries(names.map((n) => [n, batch.get(n)?.statePath ?? lastState.get(n)]));
    const create = [...batch.values()].every((b) => b.statePath === undefined);
    // Any failure (merging the states, the plan, a split) reaches every stack of the batch.
    planModulesRoot(root, states, { refresh: create, statePath: join(root, `round-${round++}.tfstate`) }).then(
      (plans) => batch.forEach((b, n) => b.resolve(plans[n])),
      (e) => batch.forEach((b) => b.reject(e)),
    );
  };
  // One stack failing stops the others at their next plan (not left planning in dirs that the
  // caller's clean-up removes); its error is the one thrown.
  class Stopped extends Error {}
  let failed = false;
  const planner = (name: string) => (statePath?: string) =>
    new Promise<Json>((resolve, reject) => {
      if (failed) return reject(new Stopped(`${name}: another stack's convergence failed`));
      waiting.set(name, { statePath, resolve, reject });
      lastState.set(name, statePath);
      flush();
    });
  const settled = await Promise.allSettled(
    names.map((name) =>
      deployedState(dirs[name], stub, { planner: planner(name) })
        .catch((e) => {
          failed = true;
          for (const w of waiting.values()) w.reject(new Stopped("another stack's convergence failed"));
          waiting.clear();
          throw e;
        })
        .finally(() => {
          finished.add(name);
          flush();
        }),
    ),
  );
  const errors = settled.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
  if (errors.length) throw errors.find((e) => !(e instanceof Stopped)) ?? errors[0];
  return Object.fromEntries(names.map((n, i) => [n, (settled[i] as PromiseFulfilledResult<DeployedState>).value]));
}

/** Deletes temp dirs made by withRealProvider (and anything else given). */
export function removeDirs(...dirs: Array<string | undefined>): void {
  for (const d of dirs) if (d && existsSync(d)) rmSync(d, { recursive: true, force: true });
}

/** A state file (v4) as JSON. */
export function readState(statePath: string): Json {
  return JSON.parse(readFileSync(statePath, "utf8"));
}

/** Attributes of every managed instance of `type` in a state, keyed by address. */
export function stateInstances(statePath: string, type: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const r of readState(statePath).resources ?? []) {
    if (r.mode !== "managed" || r.type !== type) continue;
    for (const i of r.instances) {
      const idx = i.index_key === undefined ? "" : typeof i.index_key === "number" ? `[${i.index_key}]` : `[${JSON.stringify(i.index_key)}]`;
      out[`${r.module ? `${r.module}.` : ""}${r.type}.${r.name}${idx}`] = i.attributes;
    }
  }
  return out;
}

/** name -> value of the aws_ssm_parameter resources of a state (to serve them from a stub to a consumer stack). */
export function ssmParametersOf(statePath: string): Record<string, string> {
  return Object.fromEntries(Object.values(stateInstances(statePath, "aws_ssm_parameter")).map((a) => [a.name, a.value ?? a.insecure_value]));
}
