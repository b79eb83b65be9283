/**
 * Reads config/<environment>.json files, validates them and resolves the defaults that depend on
 * other fields (AZs from the region, the subnet plan). Every problem becomes one line
 * "<file>: <field>: <what is wrong>" (JSON syntax errors "<file>:<line>:<column>: ...") in a single
 * ConfigError, thrown before any stack exists. Every problem of every file is reported in one run:
 * fields are parsed one by one, and the rules between fields run on whatever parsed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import type { z } from "zod";
import { ConfigFile, ConfigFileObject, crossFieldIssues, interfaceServiceOf, resolvedAzs, SAGEMAKER_NAME, SAGEMAKER_NAME_RULE } from "./schema";
import { checkNames, notebookInstanceName } from "./naming";
import { parseFieldwise, parsedAt } from "./parse-fields";
import { readJson, stripBom } from "./json-source";
import { parseSuricataRules } from "./suricata";
import { expandAllowlist } from "./allowlist";
import { nameCollisions } from "./collisions";
import { configWarnings, writtenIssues } from "./intent";
import { vpcCidrOverlaps } from "./ranges";
import { HubConfig, hubIssues, hubModeWrittenIssues, HUBS_FOLDER, loadHubs, withHubSharedAllowlists } from "./hubs";
import { LaneCidrs, planLanes } from "../network/subnet-plan";
import { PROJECT_RULE_SID_RANGE } from "../network/firewall";
import { LIFECYCLE_SCRIPT_MAX_BASE64, SINGLE_PEM_CERTIFICATE } from "../sagemaker/trusted-ca";

/** Lifecycle scripts as AWS wants them: base64 of the file's bytes. */
export interface NotebookLifecycle {
  readonly onCreate?: string;
  readonly onStart?: string;
}

export interface NotebookConfig extends Omit<ConfigFile["notebook"], "lifecycle"> {
  readonly lifecycle?: NotebookLifecycle;
}

/** AWS limit on each lifecycle script, counted in base64 characters. */
export { LIFECYCLE_SCRIPT_MAX_BASE64 };

export interface FirewallConfig extends Omit<ConfigFile["firewall"], "suricataRulesFile" | "allowedDomains" | "tlsInspection"> {
  /** TLS inspection, with the CA certificate's PEM read from caCertificateFile. */
  readonly tlsInspection?: { readonly certificateAuthorityArn: string; readonly caCertificatePem: string };
  /** The allowlist's domains (Network Firewall targets), in configured order, presets expanded, each once. */
  readonly allowedDomains: ReadonlyArray<string>;
  /**
   * Shared-hosting entries of the allowlist, domain => the acknowledgement's reason: the entry's
   * own, or for a name a preset brings, the preset's ('preset "github": ...').
   */
  readonly sharedHostingAcknowledged: Readonly<Record<string, string>>;
  /** The presets the allowlist lists, in order, preset => the names it brought (synth log). */
  readonly allowlistPresets: Readonly<Record<string, ReadonlyArray<string>>>;
  /** Contents of firewall.suricataRulesFile, if set. */
  readonly suricataRules?: string;
}

export interface VpcEndpointsConfig extends Omit<ConfigFile["vpcEndpoints"], "interfaceServices"> {
  /** Interface endpoint services by short name, in configured order. */
  readonly interfaceServices: ReadonlyArray<string>;
  /** Services missing from KNOWN_INTERFACE_SERVICES, short name => the acknowledgement's reason. */
  readonly unlistedServicesAcknowledged: Readonly<Record<string, string>>;
}

export interface EnvironmentConfig extends Omit<ConfigFile, "availabilityZones" | "$schema" | "notebook" | "firewall" | "vpcEndpoints"> {
  /** From the file name: config/dev.json -> "dev". */
  readonly environment: string;
  /** The file as the user would name it, for messages. */
  readonly sourceFile: string;
  readonly availabilityZones: ReadonlyArray<string>;
  /** Subnet CIDRs per AZ, keyed by AZ name, in configured order. */
  readonly lanes: Readonly<Record<string, LaneCidrs>>;
  readonly notebook: NotebookConfig;
  readonly firewall: FirewallConfig;
  readonly vpcEndpoints: VpcEndpointsConfig;
  /**
   * With egress.mode "hub" and egress.sharedAllowlist: the hub's sharedAllowlist (Network Firewall
   * targets, presets expanded), from config/hubs/<hub>.json, set by loadConfig (withHubSharedAllowlists).
   * The network stack's own DNS Firewall must resolve these names too, or the hub's firewall would
   * pass names the spoke cannot resolve. Undefined otherwise.
   */
  readonly hubSharedAllowlist?: ReadonlyArray<string>;
  /**
   * Settings accepted that a reviewer should know the consequence of, each
   * "<file>: <field>: <consequence>" (modules/config/intent.ts); printed by synth as warnings.
   */
  readonly warnings: ReadonlyArray<string>;
}

export class ConfigError extends Error {
  constructor(readonly problems: ReadonlyArray<string>) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

/**
 * The report a user sees: the problems, each once, then a one-line summary naming how many
 * problems in which files. (main.ts and scripts/check-config.ts print it.)
 */
export function configErrorReport(e: ConfigError): string {
  const files = [...new Set(e.problems.map((p) => /^(.*?)(?::\d+:\d+)?: /.exec(p)?.[1] ?? "").filter((f) => f !== ""))];
  const count = e.problems.length;
  const where = files.length > 0 ? ` in ${files.length === 1 ? files[0] : `${files.length} files (${files.join(", ")})`}` : "";
  return (
    `Invalid configuration, nothing was synthesized:\n${e.problems.join("\n")}\n` +
    `${count} configuration problem${count === 1 ? "" : "s"}${where}; fix ${count === 1 ? "it" : "them"} and run again.\n`
  );
}

const ENVIRONMENT = /^[a-z][a-z0-9-]{0,19}$/;

/** zod path -> "firewall.allowedDomains[2]". */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "invalid_union") {
    // No option's type matched: say which types would have.
    const expected = [...new Set(issue.errors.flatMap((errs) => errs.filter((e) => e.code === "invalid_type" && e.path.length === 0).map((e) => (e as { expected: string }).expected)))];
    const where = issue.path.length > 0 ? formatPath(issue.path) : "(top level)";
    // An object no object option accepted ({ "preset": 3 }): the option it came closest to (the
    // fewest problems, none with its type) says what is wrong inside it, at the inner field.
    const inner = issue.errors.filter((errs) => !errs.some((e) => e.code === "invalid_type" && e.path.length === 0)).sort((a, b) => a.length - b.length);
    if (inner.length > 0 && (inner.length === 1 || inner[0].length < inner[1].length)) {
      return inner[0].flatMap((e) => describeIssue({ ...e, path: [...issue.path, ...e.path] } as z.core.$ZodIssue));
    }
    if (expected.length > 0) return [`${where}: must be ${expected.map((t) => (t === "object" ? "an object" : `a ${t}`)).join(" or ")}`];
  }
  if (issue.code === "invalid_key") {
    // A bad record key (e.g. a tag key): report the key's own problem at the key's path.
    return issue.issues.map((inner) => `${formatPath(issue.path)}: ${inner.message}`);
  }
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key (check the spelling; see config.schema.json)`);
  }
  const where = issue.path.length > 0 ? formatPath(issue.path) : "(top level)";
  return [`${where}: ${issue.message}`];
}

/** Reads a file named in the config (relative to `baseDir`); pushes a problem and returns undefined if unusable. */
function readReferencedFile(path: string, baseDir: string, field: string, problems: string[]): Buffer | undefined {
  const full = resolve(baseDir, path);
  try {
    const content = readFileSync(full);
    if (content.length > 0) return content;
    problems.push(`${field}: "${path}" is empty`);
  } catch (e) {
    problems.push(`${field}: cannot read "${path}" (looked in ${relative(process.cwd(), full) || path}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return undefined;
}

/** Lifecycle scripts as AWS takes them (base64), checked against AWS's size limit. */
function readLifecycle(
  lifecycle: ConfigFile["notebook"]["lifecycle"],
  baseDir: string,
  problems: string[],
  sourceFile: string,
): NotebookLifecycle | undefined {
  if (!lifecycle) return undefined;
  if (!lifecycle.onCreate && !lifecycle.onStart) {
    problems.push(`${sourceFile}: notebook.lifecycle: give onCreate, onStart or both`);
    return undefined;
  }
  const out: { onCreate?: string; onStart?: string } = {};
  for (const key of ["onCreate", "onStart"] as const) {
    const path = lifecycle[key];
    if (path === undefined) continue;
    const field = `${sourceFile}: notebook.lifecycle.${key}`;
    const base64 = readReferencedFile(path, baseDir, field, problems)?.toString("base64");
    if (base64 === undefined) continue;
    if (base64.length > LIFECYCLE_SCRIPT_MAX_BASE64) {
      problems.push(`${field}: "${path}" is ${base64.length} characters in base64; AWS allows ${LIFECYCLE_SCRIPT_MAX_BASE64} (about 12 KB of script)`);
      continue;
    }
    out[key] = base64;
  }
  return out;
}

/** AWS limit on a rule group's rules string. */
export const SURICATA_RULES_MAX = 2_000_000;

/** The Suricata rules file, checked against AWS's size limit and the configured capacity. */
/** The CA certificate file of firewall.tlsInspection, as PEM (one certificate). */
function readTlsInspection(firewall: ConfigFile["firewall"], baseDir: string, problems: string[], sourceFile: string): FirewallConfig["tlsInspection"] {
  const tls = firewall.tlsInspection;
  if (tls === undefined) return undefined;
  const field = `${sourceFile}: firewall.tlsInspection.caCertificateFile`;
  const pem = readReferencedFile(tls.caCertificateFile, baseDir, field, problems)?.toString("utf8").trim();
  if (pem === undefined) return undefined;
  if (!SINGLE_PEM_CERTIFICATE.test(pem)) {
    problems.push(`${field}: "${tls.caCertificateFile}" must hold exactly one PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----) and nothing else`);
    return undefined;
  }
  return { certificateAuthorityArn: tls.certificateAuthorityArn, caCertificatePem: `${pem}\n` };
}

/** The project's own Suricata rules (hygiene and refusals) own a sid range; a user's rule may not reuse one. */
function reservedSid(sid: number): string | undefined {
  const [first, last] = PROJECT_RULE_SID_RANGE;
  if (sid >= first && sid <= last) {
    return `the project's protocol-hygiene rules (sids ${first}-${last}, modules/network/firewall.ts)`;
  }
  return undefined;
}

/**
 * The Suricata rules file: every rule parsed (modules/config/suricata.ts), every bad rule reported
 * with its line, then AWS's size limit and the configured capacity.
 */
function readSuricataRules(firewall: ConfigFile["firewall"], baseDir: string, problems: string[], sourceFile: string): string | undefined {
  if (firewall.suricataRulesFile === undefined) return undefined;
  const field = `${sourceFile}: firewall.suricataRulesFile`;
  const rules = readReferencedFile(firewall.suricataRulesFile, baseDir, field, problems)?.toString("utf8");
  if (rules === undefined) return undefined;
  if (rules.length > SURICATA_RULES_MAX) {
    problems.push(`${field}: "${firewall.suricataRulesFile}" has ${rules.length} characters; AWS allows ${SURICATA_RULES_MAX}`);
    return undefined;
  }
  const text = stripBom(rules);
  const parsed = parseSuricataRules(text, reservedSid);
  for (const p of parsed.problems) problems.push(`${field}: "${firewall.suricataRulesFile}" line ${p.line}: ${p.message}`);
  // Each rule costs at least one unit of capacity (AWS's stateful capacity rule).
  const count = text.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#")).length;
  if (count === 0) {
    problems.push(`${field}: "${firewall.suricataRulesFile}" has no rules (only blank lines and comments)`);
    return undefined;
  }
  if (count > firewall.suricataRuleGroupCapacity) {
    problems.push(`${sourceFile}: firewall.suricataRuleGroupCapacity: ${count} rules need a capacity of at least ${count}`);
    return undefined;
  }
  return parsed.problems.length === 0 ? text : undefined;
}

/**
 * Validates already-parsed JSON. `sourceFile` labels messages and names the environment;
 * `baseDir` is where relative paths in the config (lifecycle scripts) are resolved.
 * `earlier` are problems found before (e.g. duplicate keys), reported with this file's others.
 */
export function parseEnvironment(raw: unknown, sourceFile: string, baseDir = dirname(sourceFile), earlier: ReadonlyArray<string> = []): EnvironmentConfig {
  const environment = basename(sourceFile).replace(/\.json$/, "");
  const problems: string[] = [...earlier];
  const environmentOk = ENVIRONMENT.test(environment);
  if (!environmentOk) {
    problems.push(
      `${sourceFile}: file name: environment "${environment}" must be 1-20 lowercase letters, digits or hyphens, starting with a letter`,
    );
  }
  const parsed = parseFieldwise(ConfigFileObject, raw);
  // One message per field: zod may report a follow-on check (e.g. max length) on a value whose
  // type was already wrong.
  const seen = new Set<string>();
  for (const issue of parsed.issues) {
    const key = formatPath(issue.path);
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(...describeIssue(issue).map((m) => `${sourceFile}: ${m}`));
  }
  const ok = (path: string) => parsedAt(parsed.failed, path);
  // Fields that failed are missing here; every rule below reads only fields that parsed (ok).
  const cfg = (parsed.value ?? {}) as ConfigFile;
  for (const issue of [...crossFieldIssues(cfg, ok), ...writtenIssues(raw), ...hubModeWrittenIssues(raw)]) problems.push(`${sourceFile}: ${formatPath(issue.path)}: ${issue.message}`);

  const lifecycle = ok("notebook.lifecycle") ? readLifecycle(cfg.notebook.lifecycle, baseDir, problems, sourceFile) : undefined;
  const suricataRules =
    ok("firewall.suricataRulesFile") && ok("firewall.suricataRuleGroupCapacity") ? readSuricataRules(cfg.firewall, baseDir, problems, sourceFile) : undefined;
  const tlsInspection = ok("firewall.tlsInspection") ? readTlsInspection(cfg.firewall, baseDir, problems, sourceFile) : undefined;
  // Names are built from the environment too; with a bad file name they would only echo that error.
  if (environmentOk && ok("projectName") && ok("region")) {
    for (const v of checkNames({ projectName: cfg.projectName, environment, region: cfg.region })) {
      problems.push(`${sourceFile}: ${v.field}: ${v.message}`);
    }
    if (ok("notebook.name")) {
      const notebookName = notebookInstanceName({ projectName: cfg.projectName, environment, region: cfg.region, notebook: cfg.notebook });
      if (cfg.notebook.name === undefined && !SAGEMAKER_NAME.test(notebookName)) {
        problems.push(`${sourceFile}: notebook.name: the default name "${notebookName}" ${SAGEMAKER_NAME_RULE}; set notebook.name`);
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const { $schema: _ignored, notebook, firewall, vpcEndpoints, ...rest } = cfg;
  const availabilityZones = resolvedAzs(rest);
  // Already validated by crossFieldIssues; this second call only resolves the CIDRs.
  const { lanes } = planLanes({ vpcCidr: rest.vpcCidr, availabilityZones, overrides: rest.subnetCidrs });
  const notebookConfig: NotebookConfig = { ...notebook, lifecycle };
  const { suricataRulesFile: _path, allowedDomains: entries, tlsInspection: _tls, ...firewallSettings } = firewall;
  const { domains: allowedDomains, sharedHostingAcknowledged, presets: allowlistPresets } = expandAllowlist(entries);
  const { interfaceServices: services, ...endpointSettings } = vpcEndpoints;
  const warnings = configWarnings(cfg).map((w) => `${sourceFile}: ${formatPath(w.path)}: ${w.message}`);
  return {
    ...rest,
    warnings,
    environment,
    sourceFile,
    availabilityZones,
    lanes,
    notebook: notebookConfig,
    firewall: { ...firewallSettings, allowedDomains, sharedHostingAcknowledged, allowlistPresets, suricataRules, ...(tlsInspection ? { tlsInspection } : {}) },
    vpcEndpoints: {
      ...endpointSettings,
      interfaceServices: services.map(interfaceServiceOf),
      unlistedServicesAcknowledged: Object.fromEntries(services.flatMap((e) => (typeof e === "string" ? [] : [[e.service, e.acknowledgeUnlisted]]))),
    },
  };
}

/** "<file>:<line>:<column>": where an editor jumps to. */
const at = (label: string, p: { line: number; column: number }) => `${label}:${p.line}:${p.column}`;

export function loadEnvironment(file: string, cwd = process.cwd()): EnvironmentConfig {
  const label = relative(cwd, file) || file;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError([`${label}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  const json = readJson(stripBom(text));
  if (json.value === undefined) {
    // A syntax error: nothing after it can be read.
    throw new ConfigError(json.problems.map((p) => `${at(label, p)}: ${p.message}`));
  }
  const duplicates = json.problems.map((p) => `${at(label, p)}: ${p.path || "(top level)"}: ${p.message}`);
  return parseEnvironment(json.value, label, dirname(file), duplicates);
}

/**
 * Loads every config/*.json. All files are validated before any is used, and all their problems
 * are reported together, so one run shows everything to fix. Files whose extension is ".json" in
 * another case are refused rather than read: on a case-sensitive file system "dev.JSON" and
 * "dev.json" could both exist and name one environment twice.
 */
export function loadAllEnvironments(dir: string, cwd = process.cwd()): EnvironmentConfig[] {
  return loadConfig(dir, cwd).environments;
}

/**
 * Every environment file and every hub file (<dir>/hubs/<hub>.json, modules/config/hubs.ts) of a
 * config directory, with the rules between them; all problems of all files in one ConfigError.
 */
export function loadConfig(dir: string, cwd = process.cwd()): { environments: EnvironmentConfig[]; hubs: HubConfig[] } {
  const dirLabel = relative(cwd, dir) || dir;
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (e) {
    throw new ConfigError([`${dirLabel}: cannot read the config directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  const files = entries.filter((f) => f.endsWith(".json"));
  const problems: string[] = [];
  for (const f of entries.filter((f) => /\.json$/i.test(f) && !f.endsWith(".json"))) {
    const renamed = `${f.slice(0, -".json".length)}.json`;
    problems.push(
      `${relative(cwd, join(dir, f)) || f}: file name: only files ending in lowercase ".json" are read as environments; rename it to "${renamed}"` +
        (files.includes(renamed) ? ` (but "${renamed}" exists too: merge the two)` : ""),
    );
  }
  if (files.length === 0 && problems.length === 0) throw new ConfigError([`${dirLabel}: no <environment>.json config files`]);
  const envs: EnvironmentConfig[] = [];
  for (const f of files) {
    try {
      envs.push(loadEnvironment(join(dir, f), cwd));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  problems.push(...nameCollisions(envs), ...vpcCidrOverlaps(envs));
  const hubs = loadHubs(dir, cwd);
  const failedHubs = hubs.problems.map((p) => /(?:^|\/)([^/:]+)\.json:/.exec(p)?.[1]).filter((n): n is string => n !== undefined);
  problems.push(...hubs.problems, ...hubIssues(hubs.hubs, envs, relative(cwd, join(dir, HUBS_FOLDER)) || HUBS_FOLDER, failedHubs));
  if (problems.length > 0) throw new ConfigError(problems);
  return { environments: withHubSharedAllowlists(envs, hubs.hubs), hubs: hubs.hubs };
}
