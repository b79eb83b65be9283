/**
 * Regional egress hubs in config (issue 24, docs/hub.md): config/hubs/<hub>.json describes a hub
 * (its account, region, AZs, CIDR, who its Transit Gateway is shared with, an optional shared
 * allowlist); an environment becomes one of its spokes with `egress: { "mode": "hub", "hub": "<hub>" }`.
 *
 * Hubs live in a folder of their own so that every *.json next to them stays an environment and
 * existing config directories read exactly as before. A hub file is validated like an environment
 * file (every problem, "<file>: <field>: <problem and fix>"), and then the rules between files run:
 * the hub an environment names exists, shares its region, covers its AZs and shares its gateway with
 * its account, and no two ranges on one hub overlap (a Transit Gateway cannot route to both).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { z } from "zod";
import { BackendSection, ConfigFileObject, CrossFieldIssue, FirewallSection, HUB_NAME, LoggingSection, MAX_AZS, REGION, unsupportedPartitionProblem } from "./schema";
import { azNameProblem } from "./az-names";
import { expandAllowlist } from "./allowlist";
import { vpcCidrFinding } from "./ranges";
import { parseFieldwise, parsedAt } from "./parse-fields";
import { readJson, stripBom } from "./json-source";
import { overlaps, parseCidr } from "../network/cidr";
import { DEFAULT_RULE_GROUP_CAPACITY, MAX_POLICY_STATEFUL_CAPACITY, MAX_STATEFUL_GROUPS_PER_POLICY } from "../network/firewall";
import { HUB_FIXED_GROUP_CAPACITY, hubAllowlists } from "../hub/egress-hub";
import { planHubLanes } from "../hub/hub-plan";
import { DEFAULT_HUB_VPC_CIDR } from "../hub/inspection-vpc";
import { sharePrincipals } from "../hub/transit-gateway";

/** Where hub files live, inside the config directory. */
export const HUBS_FOLDER = "hubs";

const ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export const HubShareSection = z
  .strictObject({
    organizationArn: z
      .string()
      .regex(/^arn:aws:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/, 'must be an organization ARN such as "arn:aws:organizations::111122223333:organization/o-exampleorgid"')
      .optional()
      .describe("Share with every account of this organisation (and no principal outside it)"),
    organizationalUnitArns: z
      .array(z.string().regex(/^arn:aws:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, "must be an OU ARN (arn:aws:organizations::<account>:ou/o-.../ou-...)"))
      .optional()
      .describe("Share with the accounts of these organisational units"),
    accountIds: z
      .array(z.string().regex(/^\d{12}$/, "must be a 12-digit account ID"))
      .optional()
      .describe("Share with these accounts only (each spoke's account must be listed, unless an organisation or OU is given)"),
    allowExternalPrincipals: z
      .boolean()
      .optional()
      .describe("Accounts-only shares: let accountIds outside the organisation accept the share (each must accept the invitation). Default false"),
  })
  .describe("Who the Transit Gateway (and the DNS Firewall rule group) is shared with through AWS RAM: an organisation, OUs or accounts");

/** A hub file's fields and their own rules; `hubCrossFieldIssues` holds the rules between fields. */
export const HubFileObject = z.strictObject({
  $schema: z.string().optional().describe("Path to a JSON schema, for editors"),
  accountId: z
    .string({ error: (iss) => (iss.input === undefined ? 'required: the 12-digit AWS account the hub deploys to, e.g. "111122223333"' : "must be a string of 12 digits") })
    .regex(/^\d{12}$/, 'must be the 12-digit AWS account the hub deploys to, e.g. "111122223333"')
    .describe("AWS account of the hub (the network or egress account): the provider refuses credentials for any other"),
  assumeRoleArn: z.string().regex(ROLE_ARN, 'must be an IAM role ARN like "arn:aws:iam::123456789012:role/Deployer"').optional().describe("Role the AWS provider assumes for the hub"),
  region: z
    .string({ error: (iss) => (iss.input === undefined ? 'required: the hub\'s region, e.g. "eu-west-1" (a hub serves spokes of its own region only)' : "must be a string") })
    .regex(REGION, 'must be an AWS region name such as "us-east-1"')
    .refine((r) => unsupportedPartitionProblem(r) === undefined, { error: (iss) => unsupportedPartitionProblem(String(iss.input)) })
    .describe("The hub's region: every spoke must be in it"),
  availabilityZones: z
    .array(z.string(), { error: (iss) => (iss.input === undefined ? "required: the AZ names of the hub's inspection lanes (they must cover every spoke's AZs)" : "must be a list of AZ names") })
    .min(1, "must list at least one AZ")
    .max(MAX_AZS, `lists more than ${MAX_AZS} AZs`)
    .describe("The AZs of the inspection VPC (a firewall endpoint and NAT gateway each); they must cover every spoke's availabilityZones"),
  vpcCidr: z.string().default(DEFAULT_HUB_VPC_CIDR).describe("The inspection VPC's CIDR, /16 to /23 (a /23 holds every lane); no spoke may overlap it"),
  share: HubShareSection,
  sharedAllowlist: z
    .strictObject({
      allowedDomains: FirewallSection.shape.allowedDomains.unwrap().describe("Domains every spoke with egress.sharedAllowlist may reach (the environment allowlist's form)"),
      ruleGroupCapacity: z.number().int().min(1).max(30000).default(100).describe("Capacity of the shared allowlist's rule group (2 per domain; fixed at creation)"),
    })
    .optional()
    .describe("An allowlist several spokes share (one rule group whose HOME_NET is their CIDRs)"),
  spokeToSpoke: z
    .enum(["none", "through-firewall"])
    .default("none")
    .describe('"none": a spoke cannot reach another (blackholes in the spokes\' route table). "through-firewall": it can, through the firewall, which judges it like internet traffic'),
  shareDnsRuleGroup: z.boolean().default(true).describe("Share the hub's DNS Firewall rule group with the Transit Gateway, for spokes that set egress.dnsRuleGroupId"),
  amazonSideAsn: z
    .number()
    .int()
    .refine((a) => (a >= 64512 && a <= 65534) || (a >= 4200000000 && a <= 4294967294), "must be a private ASN (64512-65534 or 4200000000-4294967294)")
    .optional()
    .describe("The Transit Gateway's BGP ASN. Default AWS's (64512)"),
  logging: LoggingSection.prefault({}),
  backend: BackendSection.default({ type: "local" }),
  tags: ConfigFileObject.shape.tags,
  preventDestroy: z
    .boolean()
    .default(true)
    .describe(
      "Terraform refuses any plan that destroys the Transit Gateway, the inspection VPC's attachment, the hub's KMS key or its log groups " +
        "(lifecycle prevent_destroy; as an environment's storage.preventDestroy). Every spoke's egress depends on the first two, the logs are the " +
        "organisation's egress record. Turn off only to remove the hub on purpose",
    ),
});

export type HubFile = z.output<typeof HubFileObject>;

export interface HubConfig extends Omit<HubFile, "$schema" | "sharedAllowlist"> {
  /** From the file name: config/hubs/central.json -> "central". */
  readonly name: string;
  /** The file as the user would name it, for messages. */
  readonly sourceFile: string;
  /** The shared allowlist with presets expanded (Network Firewall targets) and its acknowledged shared-hosting entries. */
  readonly sharedAllowlist?: { readonly allowedDomains: ReadonlyArray<string>; readonly capacity: number; readonly sharedHostingAcknowledged: Readonly<Record<string, string>> };
}

/** What the rules between files read of an environment. */
export interface SpokeCandidate {
  readonly sourceFile: string;
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  readonly availabilityZones: ReadonlyArray<string>;
  readonly vpcCidr: string;
  readonly egress: z.output<typeof ConfigFileObject>["egress"];
  /** The environment's allowlist (presets expanded) and its group's capacity: its group on the hub. */
  readonly firewall: { readonly allowedDomains: ReadonlyArray<string>; readonly ruleGroupCapacity: number };
}

/** The rules between a hub file's fields, on the fields that parsed. */
export function hubCrossFieldIssues(cfg: HubFile, ok: (path: string) => boolean = () => true): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  const add = (path: ReadonlyArray<string | number>, message: string) => issues.push({ path, message });
  let azsOk = ok("availabilityZones") && ok("region");
  if (azsOk) {
    const seen = new Map<string, number>();
    cfg.availabilityZones.forEach((az, i) => {
      const problem = azNameProblem(az, cfg.region);
      const first = seen.get(az);
      if (problem) add(["availabilityZones", i], problem);
      else if (first !== undefined) add(["availabilityZones", i], `"${az}" is listed twice (also at availabilityZones[${first}])`);
      if (problem || first !== undefined) azsOk = false;
      seen.set(az, i);
    });
  }
  if (ok("vpcCidr")) {
    const finding = vpcCidrFinding(cfg.vpcCidr);
    if (finding?.severity === "error") add(["vpcCidr"], finding.message);
    else if (azsOk) for (const issue of planHubLanes({ vpcCidr: cfg.vpcCidr, availabilityZones: cfg.availabilityZones }).issues) add(issue.path, issue.message);
  }
  if (ok("share")) {
    try {
      sharePrincipals(cfg.share);
    } catch (e) {
      add(["share"], `${(e as Error).message.replace(/^hub share: /, "")}: give share.organizationArn, share.organizationalUnitArns or share.accountIds (each once)`);
    }
  }
  if (ok("assumeRoleArn") && ok("accountId") && cfg.assumeRoleArn !== undefined && cfg.assumeRoleArn.split(":")[4] !== cfg.accountId) {
    add(["assumeRoleArn"], `names a role outside accountId ${cfg.accountId}; the provider would then be refused by allowed_account_ids`);
  }
  if (ok("sharedAllowlist") && cfg.sharedAllowlist) {
    const domains = expandAllowlist(cfg.sharedAllowlist.allowedDomains).domains.length;
    if (domains * 2 > cfg.sharedAllowlist.ruleGroupCapacity) add(["sharedAllowlist", "ruleGroupCapacity"], `${domains} domains need a capacity of at least ${domains * 2}`);
  }
  return issues;
}

/**
 * Fields of an environment file that only the local network uses, written in a file whose egress
 * is a hub: the hub's firewall (config/hubs/<hub>.json) is the one that would need them, so they
 * would silently do nothing. Read from the file as written (their defaults are harmless).
 */
export function hubModeWrittenIssues(raw: unknown): CrossFieldIssue[] {
  const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const file = obj(raw);
  const egress = obj(file?.egress);
  if (!file || egress?.mode !== "hub") return [];
  const issues: CrossFieldIssue[] = [];
  const firewall = obj(file.firewall) ?? {};
  const localOnly = ["suricataRulesFile", "suricataRuleGroupCapacity", "tlsInspection", "protocolHygiene", "statefulDefaultAction", "deleteProtection", "policyChangeProtection", "subnetChangeProtection"];
  for (const key of localOnly.filter((k) => k in firewall)) {
    issues.push({
      path: ["firewall", key],
      message: `has no effect with egress.mode "hub": the hub's firewall inspects this environment's traffic (only firewall.allowedDomains and firewall.ruleGroupCapacity become its rule group for this environment); remove it, or use egress.mode "local"`,
    });
  }
  const dns = obj(file.dnsFirewall) ?? {};
  if (egress.dnsRuleGroupId !== undefined && "mode" in dns) {
    issues.push({ path: ["dnsFirewall", "mode"], message: "has no effect with egress.dnsRuleGroupId: the hub's shared rule group blocks what this environment's own names do not allow; remove it, or remove egress.dnsRuleGroupId" });
  }
  return issues;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => `${[...issue.path, k].join(".")}: unknown key (check the spelling; see docs/hub.md)`).join("\n");
  const where = issue.path.length > 0 ? issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("") : "(top level)";
  return `${where}: ${issue.message}`;
}

/** Validates one parsed hub file. Throws the problems as a list (the caller collects every file's). */
export function parseHub(raw: unknown, sourceFile: string): { hub?: HubConfig; problems: string[] } {
  const name = basename(sourceFile).replace(/\.json$/, "");
  const problems: string[] = [];
  if (!HUB_NAME.test(name)) problems.push(`${sourceFile}: file name: hub "${name}" must be 1-20 lowercase letters, digits or hyphens, starting with a letter`);
  const parsed = parseFieldwise(HubFileObject, raw);
  const seen = new Set<string>();
  for (const issue of parsed.issues) {
    const text = describe(issue);
    const key = text.split(":")[0];
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(...text.split("\n").map((m) => `${sourceFile}: ${m}`));
  }
  const ok = (path: string) => parsedAt(parsed.failed, path);
  const cfg = (parsed.value ?? {}) as HubFile;
  for (const issue of hubCrossFieldIssues(cfg, ok)) problems.push(`${sourceFile}: ${issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("")}: ${issue.message}`);
  if (problems.length > 0) return { problems };
  const { $schema: _schema, sharedAllowlist, ...rest } = cfg;
  const expanded = sharedAllowlist ? expandAllowlist(sharedAllowlist.allowedDomains) : undefined;
  return {
    problems,
    hub: {
      ...rest,
      name,
      sourceFile,
      ...(sharedAllowlist && expanded
        ? { sharedAllowlist: { allowedDomains: expanded.domains, capacity: sharedAllowlist.ruleGroupCapacity, sharedHostingAcknowledged: expanded.sharedHostingAcknowledged } }
        : {}),
    },
  };
}

/** Reads and validates <configDir>/hubs/*.json (none when the folder does not exist). */
export function loadHubs(configDir: string, cwd = process.cwd()): { hubs: HubConfig[]; problems: string[] } {
  const dir = join(configDir, HUBS_FOLDER);
  if (!existsSync(dir)) return { hubs: [], problems: [] };
  const hubs: HubConfig[] = [];
  const problems: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const label = relative(cwd, join(dir, f)) || f;
    if (!f.endsWith(".json")) {
      if (/\.json$/i.test(f)) problems.push(`${label}: file name: only files ending in lowercase ".json" are read as hubs; rename it to "${f.slice(0, -5)}.json"`);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(join(dir, f), "utf8");
    } catch (e) {
      problems.push(`${label}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    const json = readJson(stripBom(text));
    if (json.value === undefined) {
      problems.push(...json.problems.map((p) => `${label}:${p.line}:${p.column}: ${p.message}`));
      continue;
    }
    problems.push(...json.problems.map((p) => `${label}:${p.line}:${p.column}: ${p.path || "(top level)"}: ${p.message}`));
    const result = parseHub(json.value, label);
    problems.push(...result.problems);
    if (result.hub) hubs.push(result.hub);
  }
  return { hubs, problems };
}

/** The environments whose egress is `hub`, by hub name. */
export function spokesOf<E extends SpokeCandidate>(hub: Pick<HubConfig, "name">, envs: ReadonlyArray<E>): E[] {
  return envs.filter((e) => e.egress.mode === "hub" && e.egress.hub === hub.name);
}

/**
 * Each environment on a hub's shared list, given that list (`hubSharedAllowlist`): the hub's
 * firewall passes those names for it, so its network stack's DNS Firewall must resolve them too
 * (stacks/network-stack.ts, networkDnsNames). Run after hubIssues found no problem.
 */
export function withHubSharedAllowlists<E extends SpokeCandidate>(envs: ReadonlyArray<E>, hubs: ReadonlyArray<HubConfig>): Array<E & { readonly hubSharedAllowlist?: ReadonlyArray<string> }> {
  return envs.map((env) => {
    if (env.egress.mode !== "hub" || !env.egress.sharedAllowlist) return env;
    const hub = hubs.find((h) => h.name === (env.egress.mode === "hub" ? env.egress.hub : undefined));
    return hub?.sharedAllowlist ? { ...env, hubSharedAllowlist: hub.sharedAllowlist.allowedDomains } : env;
  });
}

/**
 * The rules between hub files and environment files. `hubsDir` names the folder in messages;
 * `failedHubs` are hub files that exist but did not validate (an environment naming one is not
 * told the hub is missing).
 */
export function hubIssues(hubs: ReadonlyArray<HubConfig>, envs: ReadonlyArray<SpokeCandidate>, hubsDir: string, failedHubs: ReadonlyArray<string> = []): string[] {
  const problems: string[] = [];
  const byName = new Map(hubs.map((h) => [h.name, h]));
  for (const env of envs) {
    if (env.egress.mode !== "hub") continue;
    const egress = env.egress;
    const hub = byName.get(egress.hub);
    if (!hub) {
      if (failedHubs.includes(egress.hub)) continue;
      const known = hubs.length > 0 ? `the hubs are ${hubs.map((h) => `"${h.name}"`).join(", ")}` : "there are none";
      problems.push(`${env.sourceFile}: egress.hub: "${egress.hub}" is not a hub: there is no ${join(hubsDir, `${egress.hub}.json`)} (${known}); add that file, name an existing hub, or use egress.mode "local"`);
      continue;
    }
    if (env.region !== hub.region) {
      problems.push(
        `${env.sourceFile}: region: "${env.region}" is not hub ${hub.name}'s region "${hub.region}" (${hub.sourceFile}): a Transit Gateway attaches VPCs of its own region only; ` +
          `deploy this environment to ${hub.region}, or use a hub in ${env.region}`,
      );
    } else {
      const uncovered = env.availabilityZones.filter((az) => !hub.availabilityZones.includes(az));
      if (uncovered.length > 0) {
        problems.push(
          `${env.sourceFile}: availabilityZones: ${uncovered.map((a) => `"${a}"`).join(", ")} ${uncovered.length === 1 ? "is" : "are"} not among hub ${hub.name}'s availabilityZones (${hub.sourceFile}: ${hub.availabilityZones.join(", ")}): ` +
            "that AZ's traffic would be inspected in another AZ's lane and stop when that AZ fails; add it to the hub's availabilityZones, or remove it here",
        );
      }
    }
    const share = hub.share;
    const orgWide = share.organizationArn !== undefined || (share.organizationalUnitArns ?? []).length > 0;
    if (!orgWide && env.accountId !== hub.accountId && !(share.accountIds ?? []).includes(env.accountId)) {
      problems.push(
        `${env.sourceFile}: accountId: ${env.accountId} is not an account hub ${hub.name} shares its Transit Gateway with (${hub.sourceFile}: share.accountIds): ` +
          "the attachment could never be created; add the account to the hub's share.accountIds, or share with the organisation (share.organizationArn)",
      );
    }
    if (egress.sharedAllowlist && !hub.sharedAllowlist) {
      problems.push(`${env.sourceFile}: egress.sharedAllowlist: hub ${hub.name} has no sharedAllowlist (${hub.sourceFile}); add one there, or remove egress.sharedAllowlist`);
    }
    if (egress.dnsRuleGroupId !== undefined && !hub.shareDnsRuleGroup) {
      problems.push(`${env.sourceFile}: egress.dnsRuleGroupId: hub ${hub.name} does not share its DNS Firewall rule group (${hub.sourceFile}: shareDnsRuleGroup is false); remove egress.dnsRuleGroupId, or set shareDnsRuleGroup to true`);
    }
  }

  for (const hub of hubs) {
    const spokes = spokesOf(hub, envs);
    if (spokes.length === 0) {
      // The firewall's HOME_NET would be empty: a hub serves at least one environment.
      problems.push(`${hub.sourceFile}: (spokes): no environment uses hub ${hub.name}: set "egress": { "mode": "hub", "hub": "${hub.name}" } in an environment file, or remove this file`);
      continue;
    }
    // The allowlist groups exactly as EgressHub builds them (hubAllowlists: one per source; an
    // environment always has a list of its own, so one per spoke, holding the shared names too when
    // it shares), plus the hygiene and refusal groups, in one policy.
    const allowlists = hubAllowlists(
      hub.name,
      spokes.map((s) => ({ name: s.environment, cidrs: [s.vpcCidr], allowedDomains: s.firewall.allowedDomains, allowlistCapacity: s.firewall.ruleGroupCapacity, sharedAllowlist: s.egress.mode === "hub" && s.egress.sharedAllowlist })),
      hub.sharedAllowlist,
    );
    const groups = allowlists.length + 2;
    if (groups > MAX_STATEFUL_GROUPS_PER_POLICY) {
      problems.push(
        `${hub.sourceFile}: (spokes): ${spokes.length} environments use hub ${hub.name} (${spokes.map((s) => s.sourceFile).join(", ")}): with ${allowlists.length} allowlist rule groups (one per environment), the policy would hold ${groups} stateful rule groups; ` +
          `Network Firewall allows ${MAX_STATEFUL_GROUPS_PER_POLICY} per policy (not adjustable): move some environments to a second hub`,
      );
    }
    // A sharing environment's group holds the shared names too: its capacity must cover both
    // (its own names alone are checked with the environment file).
    for (const env of spokes) {
      if (env.egress.mode !== "hub" || !env.egress.sharedAllowlist || !hub.sharedAllowlist) continue;
      const own = env.firewall.allowedDomains.length;
      const group = allowlists.find((a) => a.key === `spoke-${env.environment}`);
      const needed = 2 * (group?.allowedDomains.length ?? 0);
      if (own * 2 <= env.firewall.ruleGroupCapacity && needed > env.firewall.ruleGroupCapacity) {
        problems.push(
          `${env.sourceFile}: firewall.ruleGroupCapacity: ${env.firewall.ruleGroupCapacity} is too small for this environment's allowlist group on hub ${hub.name}: with egress.sharedAllowlist it holds its ${own} domains and ` +
            `the ${needed / 2 - own} other names of the hub's sharedAllowlist (${hub.sourceFile}), ${needed / 2} domains of 2 rules each; set firewall.ruleGroupCapacity to at least ${needed} ` +
            "(AWS fixes a group's capacity at creation: a change replaces the group, so leave room for the shared list to grow), or remove egress.sharedAllowlist",
        );
      }
    }
    const reserved = allowlists.reduce((sum, a) => sum + (a.capacity ?? DEFAULT_RULE_GROUP_CAPACITY), 0) + 2 * HUB_FIXED_GROUP_CAPACITY;
    if (reserved > MAX_POLICY_STATEFUL_CAPACITY) {
      problems.push(
        `${hub.sourceFile}: (spokes): the rule groups of hub ${hub.name}'s policy reserve ${reserved} stateful rules (each environment's firewall.ruleGroupCapacity, the shared list's, and ${2 * HUB_FIXED_GROUP_CAPACITY} for hygiene and refusals), ` +
          `over Network Firewall's ${MAX_POLICY_STATEFUL_CAPACITY} per policy: synth of the hub would fail; lower firewall.ruleGroupCapacity where it exceeds twice the domains, or move some environments to a second hub`,
      );
    }
    // Every range on one gateway: the hub VPC first, then the spokes in file order.
    const ranges = [
      { sourceFile: hub.sourceFile, cidr: hub.vpcCidr, env: undefined as SpokeCandidate | undefined },
      ...spokes.map((s) => ({ sourceFile: s.sourceFile, cidr: s.vpcCidr, env: s as SpokeCandidate | undefined })),
    ].map((r) => ({ ...r, parsed: parseCidr(r.cidr) }));
    for (let j = 1; j < ranges.length; j++) {
      const later = ranges[j];
      if (typeof later.parsed === "string") continue;
      for (let i = 0; i < j; i++) {
        const earlier = ranges[i];
        if (typeof earlier.parsed === "string" || !overlaps(earlier.parsed, later.parsed)) continue;
        // Two environments in one account and region: already refused by vpcCidrOverlaps (ranges.ts).
        if (earlier.env && later.env && earlier.env.accountId === later.env.accountId && earlier.env.region === later.env.region) continue;
        const what = earlier.env ? `${earlier.sourceFile}'s vpcCidr ${earlier.cidr}` : `hub ${hub.name}'s own vpcCidr ${earlier.cidr} (${hub.sourceFile})`;
        problems.push(
          `${later.sourceFile}: vpcCidr: ${later.cidr} overlaps ${what}, both on hub ${hub.name}: a Transit Gateway cannot route to two attached VPCs whose ranges overlap, ` +
            `and a VPC's range cannot change later; give this environment a range no other spoke of ${hub.name} and not the hub uses`,
        );
        break;
      }
    }
  }
  return problems;
}
