/**
 * Reads config/<environment>.json files, validates them and resolves the defaults that depend on
 * other fields (AZs from the region, the subnet plan). Every problem becomes one line
 * "<file>: <field>: <what is wrong>" in a single ConfigError, thrown before any stack exists.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { z } from "zod";
import { ConfigFile, ConfigFileSchema, DEFAULTS } from "./schema";
import { checkNames } from "./naming";
import { LaneCidrs, planLanes } from "../network/subnet-plan";

export interface EnvironmentConfig extends Omit<ConfigFile, "availabilityZones" | "$schema"> {
  /** From the file name: config/dev.json -> "dev". */
  readonly environment: string;
  /** The file as the user would name it, for messages. */
  readonly sourceFile: string;
  readonly availabilityZones: ReadonlyArray<string>;
  /** Subnet CIDRs per AZ, keyed by AZ name, in configured order. */
  readonly lanes: Readonly<Record<string, LaneCidrs>>;
}

export class ConfigError extends Error {
  constructor(readonly problems: ReadonlyArray<string>) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

const ENVIRONMENT = /^[a-z][a-z0-9-]{0,19}$/;

/** zod path -> "firewall.allowedDomains[2]". */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
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

/** Validates already-parsed JSON. `sourceFile` only labels messages and names the environment. */
export function parseEnvironment(raw: unknown, sourceFile: string): EnvironmentConfig {
  const environment = basename(sourceFile).replace(/\.json$/, "");
  const problems: string[] = [];
  const environmentOk = ENVIRONMENT.test(environment);
  if (!environmentOk) {
    problems.push(
      `${sourceFile}: file name: environment "${environment}" must be 1-20 lowercase letters, digits or hyphens, starting with a letter`,
    );
  }
  const parsed = ConfigFileSchema.safeParse(raw);
  if (!parsed.success) {
    // One message per field: zod may report a follow-on check (e.g. max length) on a value whose
    // type was already wrong.
    const seen = new Set<string>();
    for (const issue of parsed.error.issues) {
      const key = formatPath(issue.path);
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push(...describeIssue(issue).map((m) => `${sourceFile}: ${m}`));
    }
    throw new ConfigError(problems);
  }
  const { $schema: _ignored, ...cfg } = parsed.data;
  // Names are built from the environment too; with a bad file name they would only echo that error.
  if (environmentOk) {
    for (const v of checkNames({ projectName: cfg.projectName, environment, region: cfg.region })) {
      problems.push(`${sourceFile}: ${v.field}: ${v.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const availabilityZones = cfg.availabilityZones ?? DEFAULTS.azLetters.map((l) => `${cfg.region}${l}`);
  // Already validated in the schema's superRefine; this second call only resolves the CIDRs.
  const { lanes } = planLanes({ vpcCidr: cfg.vpcCidr, availabilityZones, overrides: cfg.subnetCidrs });
  return { ...cfg, environment, sourceFile, availabilityZones, lanes };
}

export function loadEnvironment(file: string, cwd = process.cwd()): EnvironmentConfig {
  const label = relative(cwd, file) || file;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError([`${label}: cannot be read as JSON: ${(e as Error).message}`]);
  }
  return parseEnvironment(raw, label);
}

/**
 * Loads every config/*.json. All files are validated before any is used, and all their problems
 * are reported together, so one run shows everything to fix.
 */
export function loadAllEnvironments(dir: string, cwd = process.cwd()): EnvironmentConfig[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  if (files.length === 0) throw new ConfigError([`${relative(cwd, dir) || dir}: no <environment>.json config files`]);
  const problems: string[] = [];
  const envs: EnvironmentConfig[] = [];
  for (const f of files) {
    try {
      envs.push(loadEnvironment(join(dir, f), cwd));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return envs;
}
