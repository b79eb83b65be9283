/**
 * The plan review: one Markdown comment per stack from `terraform show -json` of its plan, written
 * for a network-security reviewer who has a minute. Destructive changes first, with what they mean
 * for users; then the changes grouped by concern and by AZ lane; policies as statement diffs; the
 * allowlists as domains; "known after apply" values this project's design produces, explained;
 * the fixed monthly cost delta; the full plan collapsed. Pure: no I/O (see cli.ts).
 */
import { costDelta, costHeadline, CostDelta, dollars, referencedSubnets } from "./cost";
import { diffPolicies, Json, NormalStatement, parsePolicy, renderStatementChanges, statementsOfDocument, describeStatement, StatementChange } from "./policy-diff";
import { ALLOWLIST_PRESET_NAMES, ALLOWLIST_PRESETS } from "../../modules/network/allowlist-presets";
import { sharedHostingProblem } from "../../modules/config/shared-hosting";
import { SAGEMAKER_IMAGE_REGISTRIES } from "../../modules/sagemaker/sagemaker-image-registries";
import { OWNER_TAG_KEY } from "../../modules/sagemaker/execution-role";

/**
 * The AWS accounts that own SageMaker's images in any region (the SageMaker Python SDK's table the
 * project keeps): an Allow of ECR pulls whose aws:ResourceAccount names them lets jobs pull AWS's
 * images, not another customer's, so it gets a line under the resource, not a finding about a
 * foreign account (imagePullAccounts). Anywhere else (a principal, a trust policy, another action)
 * such an account is flagged like any other.
 */
const SAGEMAKER_IMAGE_ACCOUNTS = new Set(Object.values(SAGEMAKER_IMAGE_REGISTRIES).flatMap((byAccount) => Object.keys(byAccount)));

/** GitHub refuses comments over 65,536 characters. */
export const COMMENT_LIMIT = 65536;

export type Verdict = "no changes" | "safe additions" | "needs attention";
export type Action = "create" | "update" | "replace" | "delete";

export interface Finding {
  /** attention: a reviewer must look; info: worth knowing; benign: explained and expected. */
  readonly level: "attention" | "info" | "benign";
  readonly text: string;
  /** Benign findings that repeat once per route or endpoint, folded into one line with a count. */
  readonly fold?: { readonly kind: "firewall-route"; readonly endpointId: string } | { readonly kind: "endpoint-subnets" };
}

export interface Item {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly action: Action;
  readonly concern: Concern;
  readonly az?: string;
  readonly lines: string[];
  readonly findings: Finding[];
  /** For deletes and replacements: what it means for users and their data. */
  readonly consequence?: string;
  readonly stateful: boolean;
}

export type Concern = "egress" | "allowlist" | "firewall" | "endpoints" | "sg" | "iam" | "data" | "sagemaker" | "other";

const CONCERN_TITLES: Record<Concern, string> = {
  egress: "Egress paths (routes, NAT, firewall endpoints), by AZ lane",
  allowlist: "Allowlist and DNS firewall",
  firewall: "Firewall rules and policy",
  endpoints: "VPC endpoints and their policies",
  sg: "Security groups",
  iam: "IAM",
  data: "Data, keys and logs",
  sagemaker: "SageMaker",
  other: "Other",
};

export interface Review {
  readonly stack: string;
  readonly verdict: Verdict;
  readonly counts: Record<Action, number>;
  /** Deletes and replacements (of anything), the ones the pull-request gate asks approval for. */
  readonly destructive: Item[];
  readonly items: Item[];
  readonly cost: CostDelta;
  /** Why the verdict is "needs attention" (empty otherwise). */
  readonly reasons: string[];
  /** The plan failed (no plan JSON, or terraform's exit code 1). */
  readonly failed: boolean;
  readonly markdown: string;
}

export interface ReviewInput {
  readonly stack: string;
  /** `terraform show -json <planfile>`; undefined when the plan failed. */
  readonly plan?: Json;
  /** The human-readable plan (`terraform show <planfile>`, or the failed plan's output). */
  readonly planText?: string;
  /** terraform plan -detailed-exitcode: 0 no changes, 1 error, 2 changes. */
  readonly exitCode?: number;
  /** Commit the plan is of (shown in the headline; the CLI's summary.json records it for the gate). */
  readonly sha?: string;
}

/* ------------------------------------------------------------------------------------------ */
/* Classification                                                                              */
/* ------------------------------------------------------------------------------------------ */

const AZ = /([a-z]{2}(?:-gov)?-[a-z]+-\d[a-z])(?![a-z0-9])/;

export function actionOf(actions: string[]): Action | "no-op" | "read" {
  if (actions.includes("delete") && actions.includes("create")) return "replace";
  if (actions.includes("create")) return "create";
  if (actions.includes("delete")) return "delete";
  if (actions.includes("update")) return "update";
  if (actions.includes("read")) return "read";
  return "no-op";
}

/** "network_us-east-1d_nat-gateway_BCA7B759" -> "network_us-east-1d_nat-gateway" (cdktf's hash suffix off). */
export const displayName = (name: string) => name.replace(/_[0-9A-F]{8}$/, "");

function concernOf(rc: Json): Concern {
  const t: string = rc.type;
  const v = rc.change.after ?? rc.change.before ?? {};
  if (t === "aws_networkfirewall_rule_group" && v.rule_group?.[0]?.rules_source?.[0]?.rules_source_list?.length) return "allowlist";
  if (t.startsWith("aws_route53_resolver_firewall")) return "allowlist";
  if (/^aws_(route|route_table|route_table_association|default_route_table|main_route_table_association|nat_gateway|eip|internet_gateway|egress_only_internet_gateway|networkfirewall_firewall|subnet|vpc|vpc_ipv4_cidr_block_association)$/.test(t)) return "egress";
  // An egress hub (docs/hub.md): the gateway, its routes, attachments and accepters are the path to the
  // hub's firewall; the RAM share decides which accounts may attach to it.
  if (t.startsWith("aws_ec2_transit_gateway") || t.startsWith("aws_ram_")) return "egress";
  if (t.startsWith("aws_networkfirewall_")) return "firewall";
  if (t.includes("security_group")) return "sg";
  if (t.startsWith("aws_vpc_endpoint")) return "endpoints";
  if (t.startsWith("aws_iam_")) return "iam";
  if (/^aws_(s3_|kms_|cloudwatch_log|flow_log|route53_resolver_query_log)/.test(t)) return "data";
  if (t.startsWith("aws_sagemaker_")) return "sagemaker";
  return "other";
}

/**
 * A SageMaker execution role: its trust policy lets SageMaker assume it (modules/sagemaker/execution-role.ts).
 * Its name is the owner tag value of the work it creates (jobPolicyParts' `owner`: the stacks pass the role's name).
 */
function isExecutionRole(v: Json): boolean {
  return (parsePolicy(v.assume_role_policy) ?? []).some((s) => s.effect === "Allow" && (s.fields.Principal ?? []).includes("Service:sagemaker.amazonaws.com"));
}

/**
 * What deleting an IAM role means. Deleted (a removed Studio user profile takes its role with it): the
 * work it owns (jobs, models, endpoint configs, endpoints, pipelines tagged OWNER_TAG_KEY = its name)
 * stays, but every other role's policy only lets a role stop, change or delete work tagged with its own
 * name (jobPolicyParts: ManageOwnWorkOnly, ManageOwnPipelinesOnly), so only administrators (or a role
 * created later under the same name, whose policies name the same owner) can manage it. Replaced: the
 * same name comes back with a new unique ID.
 */
function roleConsequence(v: Json, action: Action): string {
  const name = code(v.name ?? "?");
  if (action !== "delete") return `the role ${name} is re-created: sessions using it fail until then, and anything that trusts it by ARN must be updated`;
  const owned = isExecutionRole(v)
    ? `; **the training, processing, tuning and transform jobs, models, endpoint configs, endpoints and pipelines it created (tagged ${code(`${OWNER_TAG_KEY}`)} = ${name}) stay, and can be stopped, changed or deleted only by administrators** (or by a role of the same name created later): running endpoints keep running and billing, so stop what must not outlive it before the apply`
    : "";
  return `the role ${name} is **deleted**: sessions using it fail, and anything that names it (trust policies, resource policies, SageMaker resources run as it) loses it${owned}`;
}

/** What deleting (or replacing) a resource of each type means for users. Stateful ones hold data. */
const CONSEQUENCES: Record<string, { stateful: boolean; text: (v: Json, action: Action) => string }> = {
  aws_sagemaker_domain: {
    stateful: true,
    text: () =>
      "**every space's EBS volume goes with it, and users' `~/user-default-efs` folders are orphaned**: every user profile, space and app of the domain must be deleted first, and a space's home directory is its own EBS volume; a new domain gets a new home EFS volume (the old one is retained but no longer mounted)",
  },
  aws_sagemaker_user_profile: {
    stateful: true,
    text: (v) => `**user \`${v.user_profile_name ?? "?"}\`'s private spaces (each with its EBS volume) must be deleted first, and the user's \`~/user-default-efs\` folder is orphaned** (a new profile gets a new folder on the domain's EFS volume); the user's apps are deleted`,
  },
  aws_sagemaker_space: { stateful: true, text: (v) => `**the space \`${v.space_name ?? "?"}\` and its storage volume are deleted**` },
  aws_sagemaker_notebook_instance: {
    stateful: true,
    text: (v) => `**the notebook's ML storage volume is lost** (\`${v.name ?? "?"}\`: everything under /home/ec2-user/SageMaker not pushed to git or copied to S3)`,
  },
  aws_s3_bucket: { stateful: true, text: (v) => `**the bucket \`${v.bucket ?? "?"}\` is deleted with every object and version in it** (storage.preventDestroy refuses this unless turned off)` },
  aws_kms_key: {
    stateful: true,
    text: (v) =>
      `**the key is scheduled for deletion** (${v.deletion_window_in_days ?? 30} days; \`aws kms cancel-key-deletion\` until then): afterwards everything encrypted under it is unreadable (${v.description ?? "no description"})`,
  },
  aws_cloudwatch_log_group: { stateful: true, text: (v) => `**the logs in \`${v.name ?? "?"}\` are deleted** (export what you must keep first)` },
  aws_efs_file_system: { stateful: true, text: () => "**the file system and its data are deleted**" },
  aws_networkfirewall_firewall: {
    stateful: false,
    text: () => "**egress of every AZ stops** until the new firewall's endpoints are up and the routes point at them (several minutes)",
  },
  aws_nat_gateway: { stateful: false, text: (v) => `egress from its AZ stops${v.public_ip ? `; its public IP ${v.public_ip} goes with its Elastic IP` : ""}` },
  aws_eip: { stateful: false, text: (v) => `the public IPv4 address${v.public_ip ? ` ${v.public_ip}` : ""} is released: it cannot be got back; tell anyone who allowlists it` },
  aws_subnet: { stateful: false, text: () => "fails while anything still has a network interface in it (SageMaker apps, the notebook, endpoint ENIs, Studio's EFS mount target)" },
  aws_route53_resolver_firewall_rule_group_association: {
    stateful: false,
    text: () => "DNS filtering of the VPC stops until it is re-created (with mutation protection on, AWS refuses this: turn it off first)",
  },
  aws_flow_log: { stateful: false, text: () => "flow logging of the VPC stops until it is re-created" },
  aws_iam_role: { stateful: false, text: roleConsequence },
  aws_sagemaker_studio_lifecycle_config: {
    stateful: false,
    text: (v) => `the lifecycle config ${code(v.studio_lifecycle_config_name ?? "?")} is deleted: AWS refuses while a running app uses it (see "To read")`,
  },
  aws_ssm_parameter: { stateful: false, text: (v) => `\`${v.name ?? "?"}\` is unpublished: stacks that read it cannot plan until it is back` },
  aws_route: { stateful: false, text: (v) => `traffic of its route table to ${v.destination_cidr_block ?? v.destination_ipv6_cidr_block ?? v.destination_prefix_list_id ?? "?"} loses this path` },
  aws_ec2_transit_gateway: { stateful: false, text: () => "**egress of every spoke of the hub stops**: every attachment, route table and route goes with the gateway" },
  aws_ec2_transit_gateway_vpc_attachment: { stateful: false, text: () => "**the VPC loses its path to the hub**: its egress stops until it is re-attached and accepted again" },
  aws_ec2_transit_gateway_vpc_attachment_accepter: { stateful: false, text: (v) => `**the spoke's attachment${v.transit_gateway_attachment_id ? ` ${v.transit_gateway_attachment_id}` : ""} is deleted**: that spoke's egress stops` },
  aws_ec2_transit_gateway_route: { stateful: false, text: (v) => `traffic of the gateway's route table to ${v.destination_cidr_block ?? "?"} loses this path${v.blackhole ? " (a blackhole: that range becomes reachable if another route covers it)" : ""}` },
  aws_ec2_transit_gateway_route_table_association: { stateful: false, text: () => "the attachment is in no route table: it carries no traffic" },
  aws_ram_principal_association: { stateful: false, text: (v) => `\`${v.principal ?? "?"}\` loses the share: it cannot create new attachments (existing ones stay)` },
  aws_route_table_association: { stateful: false, text: () => "the subnet falls back to the VPC's main route table" },
  aws_s3_bucket_public_access_block: { stateful: false, text: () => "the bucket's public access block is lifted" },
  aws_s3_bucket_policy: { stateful: false, text: () => "the bucket policy's denies (TLS only, VPC only) are lifted" },
  aws_networkfirewall_logging_configuration: { stateful: false, text: () => "the firewall stops logging flows and alerts" },
  aws_networkfirewall_rule_group: { stateful: false, text: (v) => `the rules of \`${v.name ?? "?"}\` leave the firewall` },
  aws_networkfirewall_firewall_policy: { stateful: false, text: () => "the firewall loses its policy: every rule it applies" },
  aws_route53_resolver_firewall_rule: { stateful: false, text: (v) => `the DNS firewall rule \`${v.name ?? "?"}\` (${v.action ?? "?"}) goes` },
  aws_route53_resolver_firewall_rule_group: { stateful: false, text: () => "the DNS firewall's rules go" },
  aws_route53_resolver_query_log_config_association: { stateful: false, text: () => "DNS query logging of the VPC stops" },
  aws_vpc_endpoint: { stateful: false, text: (v) => `private access to \`${v.service_name ?? "?"}\` stops until it is re-created (its traffic does not fall back to the internet: the firewall allowlist does not name AWS APIs)` },
};

/* ------------------------------------------------------------------------------------------ */
/* Attribute-level differences                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** Attributes whose changes are the provider's bookkeeping, never a reviewer's concern. */
const NOISE = new Set(["tags_all", "id", "arn", "timeouts", "firewall_status", "update_token", "dns_entry", "network_interface_ids", "cidr_blocks", "owner_id", "state"]);

const short = (v: unknown, n = 120) => {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s === undefined ? "null" : s.length > n ? `${s.slice(0, n)}…` : s;
};

/** Top-level attributes an update changes (known or unknown after apply), bookkeeping excepted. */
function changedAttributes(rc: Json): string[] {
  const b = (rc.change.before ?? {}) as Json;
  const a = (rc.change.after ?? {}) as Json;
  const u = (rc.change.after_unknown ?? {}) as Json;
  return [...new Set([...Object.keys(b), ...Object.keys(a), ...Object.keys(u)])].filter((k) => {
    if (NOISE.has(k)) return false;
    if (u[k] === true) return true;
    // A nested unknown inside an otherwise equal block (e.g. computed sub-attributes) is no change.
    return JSON.stringify(b[k] ?? null) !== JSON.stringify(a[k] ?? null) && !(a[k] === undefined && b[k] === undefined);
  });
}

const code = (v: string) => "`" + String(v).replace(/`/g, "'") + "`";

export interface Leaf {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly unknown: boolean;
  readonly sensitive: boolean;
}

/**
 * The leaves that differ between two values of an attribute ("rule_group.0.rules_source.0.x"), so
 * a change deep inside a block is shown, not two truncated blobs. Sensitive values are never shown.
 */
export function leafChanges(before: unknown, after: unknown, unknown: unknown, sb: unknown, sa: unknown, path: string, out: Leaf[] = []): Leaf[] {
  if (sb === true || sa === true) {
    if (unknown === true || JSON.stringify(before) !== JSON.stringify(after)) out.push({ path, before: undefined, after: undefined, unknown: unknown === true, sensitive: true });
    return out;
  }
  if (unknown === true) {
    out.push({ path, before, after: undefined, unknown: true, sensitive: false });
    return out;
  }
  const obj = (v: unknown) => v !== null && typeof v === "object";
  if (obj(before) && obj(after) && Array.isArray(before) === Array.isArray(after)) {
    const b = before as Json;
    const a = after as Json;
    const keys = Array.isArray(before) ? [...Array(Math.max((before as unknown[]).length, (after as unknown[]).length)).keys()].map(String) : [...new Set([...Object.keys(b), ...Object.keys(a)])];
    const sub = (x: unknown, k: string) => (obj(x) ? (x as Json)[k] : undefined);
    for (const k of keys) leafChanges(b[k], a[k], sub(unknown, k), sub(sb, k), sub(sa, k), `${path}.${k}`, out);
    return out;
  }
  if (JSON.stringify(before ?? null) !== JSON.stringify(after ?? null)) out.push({ path, before, after, unknown: false, sensitive: false });
  return out;
}

const leafText = (l: Leaf) =>
  l.sensitive ? `${l.path}: (sensitive value changes)` : `${l.path}: ${code(short(l.before))} → ${l.unknown ? "(known after apply)" : code(short(l.after))}`;

/* ------------------------------------------------------------------------------------------ */
/* Analyzers: each explains some attributes of a change and says what it means                */
/* ------------------------------------------------------------------------------------------ */

interface Ctx {
  readonly configs: Map<string, Json>;
  readonly dataChanges: Map<string, Json>;
  readonly priorData: Map<string, Json>;
  /** The firewall's subnet mapping changes in this plan (so its endpoint map is recomputed). */
  readonly firewallMappingChanges: boolean;
  /** The environment's accounts (the provider's allowed_account_ids). */
  readonly accounts: Set<string>;
  /** Names of the IAM roles this plan creates (new roles: no app runs with them yet). */
  readonly createdRoles: Set<string>;
}

/** What an attribute's configuration expression references ("aws_subnet.x", "local.y[...]"), known at plan time. */
const referencesOf = (ctx: Ctx, rc: Json, attr: string): string[] => ctx.configs.get(rc.address)?.expressions?.[attr]?.references ?? [];

interface Analysis {
  lines: string[];
  findings: Finding[];
  /** Attributes this analysis explained (the rest are listed as plain changes). */
  claimed: Set<string>;
}

const POLICY_ATTRIBUTES: Record<string, string[]> = {
  aws_iam_policy: ["policy"],
  aws_iam_role_policy: ["policy"],
  aws_iam_user_policy: ["policy"],
  aws_iam_group_policy: ["policy"],
  aws_iam_role: ["assume_role_policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_kms_key: ["policy"],
  aws_kms_key_policy: ["policy"],
  aws_vpc_endpoint: ["policy"],
  aws_vpc_endpoint_policy: ["policy"],
  aws_cloudwatch_log_resource_policy: ["policy_document"],
  aws_sagemaker_model_package_group_policy: ["resource_policy"],
};

/** The statements of a policy attribute before and after, with the data source's inputs when the JSON is unknown. */
function policyVersions(rc: Json, attr: string, ctx: Ctx): { before?: NormalStatement[]; after?: NormalStatement[]; via?: string } {
  const action = actionOf(rc.change.actions);
  const before = action === "create" ? [] : parsePolicy(rc.change.before?.[attr]);
  if (action === "delete") return { before, after: [] };
  if (rc.change.after_unknown?.[attr] !== true) return { before, after: parsePolicy(rc.change.after?.[attr]) ?? [] };
  // Known after apply: read the planned statements of the aws_iam_policy_document it renders.
  const doc = referencesOf(ctx, rc, attr).find((r) => /^data\.aws_iam_policy_document\.[^.]+$/.test(r));
  const change = doc ? ctx.dataChanges.get(doc) : undefined;
  if (!doc || !change) return { before };
  const priorDoc = ctx.priorData.get(doc);
  return {
    before: before ?? parsePolicy(priorDoc?.json),
    after: statementsOfDocument(change.change.after?.statement, change.change.after_unknown?.statement),
    via: doc,
  };
}

/**
 * Statements a created policy grants that are broad enough to name even on a fresh deploy: every
 * action (or a whole service) on every resource without conditions, or, in a bucket or key policy,
 * anyone without conditions. Endpoint policies are exempt from the "anyone" rule: their principal
 * is whoever calls from inside the VPC, and "*" with conditions is the data-perimeter pattern.
 */
function broadGrants(type: string, statements: NormalStatement[]): string[] {
  const out: string[] = [];
  const PERIMETER = /^(aws:(PrincipalAccount|PrincipalOrgID|PrincipalOrgPaths|PrincipalArn|PrincipalIsAWSService|SourceVpce|SourceVpc|SourceAccount|SourceArn|PrincipalServiceName|CalledVia)|kms:(ViaService|CallerAccount))$/;
  for (const s of statements) {
    if (s.effect !== "Allow") continue;
    const actions = s.fields.Action ?? [];
    const everyResource = (s.fields.Resource ?? []).includes("*") || !!s.fields.NotResource;
    const name = s.sid ?? "a statement";
    const resourcePolicy = !!(s.fields.Principal || s.fields.NotPrincipal);
    // A condition does not make "every action on every resource" narrow in an identity policy
    // (aws:SecureTransport is always true on the console); in resource policies the perimeter keys do.
    const perimeter = Object.entries(s.conditions).some(([k, vs]) => PERIMETER.test(k.replace(/^\S+ /, "")) && !vs.some((v) => v === "*"));
    if (resourcePolicy && perimeter) continue;
    if (everyResource && (actions.includes("*") || s.fields.NotAction)) out.push(`${name} allows every action on every resource`);
    else if (everyResource && actions.some((a) => a.includes("*"))) out.push(`${name} allows ${actions.filter((a) => a.includes("*")).join(", ")} on every resource`);
    // Passing or assuming any role is a path to every permission in the account.
    const escalation = actions.filter((a) => /^(iam:PassRole|sts:AssumeRole)$/i.test(a));
    if (everyResource && escalation.length) out.push(`${name} allows ${escalation.join(", ")} on every resource`);
    if (!type.startsWith("aws_vpc_endpoint") && (s.fields.Principal ?? []).includes("*") && !perimeter) out.push(`${name} allows anyone without a condition on the caller's account, organization or network`);
  }
  return out;
}

/** aws_iam_role's inline_policy blocks, by name, as statement diffs. */
function analyzeInlinePolicies(rc: Json, a: Analysis): void {
  if (rc.type !== "aws_iam_role") return;
  const byName = (v: Json | null | undefined) => new Map<string, string>(((v?.inline_policy ?? []) as Json[]).filter((p) => p.name || p.policy).map((p) => [String(p.name ?? ""), String(p.policy ?? "")]));
  const action = actionOf(rc.change.actions);
  const before = action === "create" ? new Map<string, string>() : byName(rc.change.before);
  const after = action === "delete" ? new Map<string, string>() : byName(rc.change.after);
  if (!before.size && !after.size) return;
  a.claimed.add("inline_policy");
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const b = parsePolicy(before.get(name)) ?? [];
    const af = parsePolicy(after.get(name)) ?? [];
    const changes = diffPolicies(b, af);
    if (!changes.length) continue;
    a.lines.push(`- inline policy ${code(name)}:`, ...renderStatementChanges(changes));
    // An inline policy added to a role widens it, also on create (it is not the managed-policy pattern this project uses).
    for (const c of changes) for (const w of c.widens) a.findings.push({ level: "attention", text: `inline policy ${code(name)} of ${code(displayName(rc.name))} widens: ${w}` });
  }
}

/** AWS managed policies that grant (nearly) everything in the account or in a whole service. */
const BROAD_MANAGED = /^arn:aws[\w-]*:iam::aws:policy\/(?:.*\/)?(AdministratorAccess|PowerUserAccess|IAMFullAccess|[A-Za-z0-9]+FullAccess)$/;

/** Creates and updates a fresh deploy never has, that open something whole. */
function analyzeDangerous(rc: Json, ctx: Ctx, a: Analysis): void {
  const action = actionOf(rc.change.actions);
  if (action === "delete") return;
  const v = (rc.change.after ?? {}) as Json;
  const refs = (attr: string) => referencesOf(ctx, rc, attr);
  const name = code(displayName(rc.name));
  if (/^aws_iam_(role|user|group)_policy_attachment$/.test(rc.type) && BROAD_MANAGED.test(String(v.policy_arn ?? "")))
    a.findings.push({ level: "attention", text: `${name} attaches the AWS managed policy ${code(v.policy_arn)}` });
  if (rc.type === "aws_iam_role")
    for (const arn of (v.managed_policy_arns ?? []) as string[]) if (BROAD_MANAGED.test(arn)) a.findings.push({ level: "attention", text: `${name} has the AWS managed policy ${code(arn)}` });
  if (rc.type === "aws_route") {
    const dest = v.destination_cidr_block ?? v.destination_ipv6_cidr_block;
    const toIgw = String(v.gateway_id ?? "").startsWith("igw-") || refs("gateway_id").some((r) => r.startsWith("aws_internet_gateway."));
    // In this design only the firewall subnets' route tables reach the internet gateway directly.
    const firewallTable = refs("route_table_id").some((r) => /firewall/.test(r));
    if (toIgw && !firewallTable)
      a.findings.push({ level: "attention", text: `${name} sends ${dest ?? "traffic"} straight to the internet gateway from a route table that is not a firewall subnet's: **that path bypasses the firewall**` });
    // The targets of this design: a firewall endpoint (from the firewall's endpoint map), a NAT gateway, the IGW.
    // A hub spoke's default route goes to the hub's Transit Gateway, behind which the hub's firewall sits (docs/hub.md).
    const toTgw = !!v.transit_gateway_id || refs("transit_gateway_id").length > 0;
    const known = !!v.nat_gateway_id || refs("nat_gateway_id").length > 0 || firewallEndpointRef(refs("vpc_endpoint_id")) || toIgw || toTgw;
    if ((action === "create" || action === "replace") && !known)
      a.findings.push({ level: "attention", text: `${name} routes ${dest ?? "?"} to a target that is neither a firewall endpoint, a NAT gateway nor the internet gateway` });
  }
  if (rc.type === "aws_security_group") {
    for (const dir of ["ingress", "egress"] as const) {
      const before = JSON.stringify((rc.change.before ?? {})[dir] ?? []);
      for (const r of (v[dir] ?? []) as Json[]) {
        if (before.includes(JSON.stringify(r))) continue;
        const cidrs = [...(r.cidr_blocks ?? []), ...(r.ipv6_cidr_blocks ?? [])];
        if (!cidrs.some((c: string) => isPublicCidr(c))) continue;
        const text = `${dir} ${r.protocol} ${r.from_port}-${r.to_port} ${dir === "ingress" ? "from" : "to"} ${cidrs.join(", ")}`;
        a.claimed.add(dir);
        a.lines.push(`- ➕ ${text}`);
        if (dir === "ingress") a.findings.push({ level: "attention", text: `security group rule **opened to the internet**: ${text} (${name})` });
        else if (!(String(r.protocol) === "tcp" && r.from_port === 443 && r.to_port === 443)) a.findings.push({ level: "attention", text: `security group ${name} allows ${text}` });
      }
    }
  }
  if (action === "create" && !KNOWN_TYPES.has(rc.type))
    a.findings.push({ level: "attention", text: `creates ${code(rc.type)} ${name}, a resource type this project does not create: read it in the full plan` });
  if (rc.type === "aws_sagemaker_notebook_instance") {
    if (v.direct_internet_access === "Enabled") a.findings.push({ level: "attention", text: `${name} has direct internet access: **its traffic bypasses the VPC and the firewall**` });
    if (v.root_access === "Enabled") a.findings.push({ level: "attention", text: `${name} gives its users root access` });
  }
  if (rc.type === "aws_sagemaker_domain" && v.app_network_access_type && v.app_network_access_type !== "VpcOnly")
    a.findings.push({ level: "attention", text: `${name} uses ${code(v.app_network_access_type)}: **Studio apps reach the internet without the firewall**` });
  if (rc.type === "aws_route_table" && ((v.route ?? []) as unknown[]).length)
    a.findings.push({ level: "attention", text: `${name} has inline routes (this project uses aws_route resources only): ${short(v.route, 200)}` });
  if (rc.type === "aws_vpc_endpoint" && (v.policy === null || v.policy === "") && rc.change.after_unknown?.policy !== true)
    a.findings.push({ level: "attention", text: `${name} (${code(v.service_name ?? "?")}) has no endpoint policy: full access to the service through it` });
  if (rc.type === "aws_s3_bucket_public_access_block") {
    const off = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].filter((k) => v[k] === false);
    if (off.length) a.findings.push({ level: "attention", text: `public access block of ${name} has ${off.map(code).join(", ")} off: the bucket can be made public` });
  }
}

/** Accounts named only as the aws:ResourceAccount of Allow statements granting nothing but ECR pulls. */
function imagePullAccounts(statements: NormalStatement[]): Set<string> {
  const pulls = new Set(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]);
  const out = new Set<string>();
  for (const st of statements) {
    const actions = st.fields.Action ?? [];
    if (st.effect !== "Allow" || st.fields.Principal?.some((p) => /\d{12}/.test(p)) || !actions.length || !actions.every((a) => pulls.has(a))) continue;
    for (const [key, values] of Object.entries(st.conditions)) if (/aws:ResourceAccount$/.test(key)) for (const v of values) out.add(v);
  }
  // An account also named elsewhere (a principal, another statement's condition) is not only a pull source.
  for (const st of statements) {
    const actions = st.fields.Action ?? [];
    if (st.effect === "Allow" && actions.length && actions.every((a) => pulls.has(a)) && !st.fields.Principal?.some((p) => /\d{12}/.test(p))) continue;
    for (const acct of foreignAccounts([st], new Set(["-"]))) out.delete(acct);
  }
  return out;
}

/** Account IDs a policy's principals or account conditions name that are not the environment's. */
function foreignAccounts(statements: NormalStatement[], accounts: Set<string>): string[] {
  if (!accounts.size) return [];
  const found = new Set<string>();
  for (const st of statements) {
    for (const p of [...(st.fields.Principal ?? []), ...(st.fields.NotPrincipal ?? [])]) {
      const m = /^AWS:(?:arn:aws[\w-]*:(?:iam|sts)::)?(\d{12})\b/.exec(p);
      if (m) found.add(m[1]);
    }
    for (const [key, values] of Object.entries(st.conditions))
      if (/aws:(Principal|Resource|Source)Account$/.test(key)) for (const v of values) if (/^\d{12}$/.test(v)) found.add(v);
  }
  return [...found].filter((x) => !accounts.has(x)).sort();
}

function analyzePolicies(rc: Json, ctx: Ctx, a: Analysis): void {
  for (const attr of POLICY_ATTRIBUTES[rc.type] ?? []) {
    const action = actionOf(rc.change.actions);
    const changed = action !== "update" || rc.change.after_unknown?.[attr] === true || JSON.stringify(rc.change.before?.[attr]) !== JSON.stringify(rc.change.after?.[attr]);
    if (!changed) continue;
    a.claimed.add(attr);
    const { before, after, via } = policyVersions(rc, attr, ctx);
    const label = attr === "assume_role_policy" ? "trust policy" : "policy";
    ownerTagEnforcementStarts(rc, before, after, ctx, a);
    if (after === undefined || before === undefined) {
      a.lines.push(`- ${label}: known after apply${via ? "" : " (its document is not in the plan)"}`);
      if (action === "update") a.findings.push({ level: "attention", text: `${label} of ${code(rc.address)} changes to a value known only after apply` });
      continue;
    }
    const added = foreignAccounts(after, ctx.accounts).filter((acct) => !foreignAccounts(before, ctx.accounts).includes(acct));
    const pulls = imagePullAccounts(after);
    const isImageSource = (acct: string) => SAGEMAKER_IMAGE_ACCOUNTS.has(acct) && pulls.has(acct);
    for (const acct of added.filter((x) => !isImageSource(x))) {
      a.findings.push({ level: "attention", text: `${label} of ${code(displayName(rc.name))} names account ${code(acct)}, not this environment's (${[...ctx.accounts].join(", ") || "unknown"})` });
    }
    const sagemaker = added.filter(isImageSource);
    if (sagemaker.length) a.lines.push(`- ${label} names ${sagemaker.length} of SageMaker's image registry accounts (${sagemaker.map(code).join(", ")}; the SageMaker Python SDK's image table): jobs may pull AWS's images`);
    if (action === "create" || action === "delete") {
      a.lines.push(`- ${label}: ${after.length || before.length} statement(s)${action === "create" && via ? " (rendered at apply)" : ""}`);
      for (const s of action === "create" ? after : before) a.lines.push(`  - ${code(s.sid ?? "(unnamed)")}: ${describeStatement(s)}`);
      if (action === "create") for (const g of broadGrants(rc.type, after)) a.findings.push({ level: "attention", text: `${code(rc.address)} ${label}: ${g}` });
      continue;
    }
    const changes: StatementChange[] = diffPolicies(before, after);
    if (!changes.length) {
      a.lines.push(`- ${label}: same statements (formatting or order only)`);
      continue;
    }
    a.lines.push(`- ${label}${via ? ` (planned from ${code(via)}; parts known after apply are marked)` : ""}:`);
    a.lines.push(...renderStatementChanges(changes));
    for (const c of changes) for (const w of c.widens) a.findings.push({ level: "attention", text: `${label} of ${code(displayName(rc.name))} widens: ${w}` });
    const narrowOnly = changes.every((c) => !c.widens.length);
    if (narrowOnly) a.findings.push({ level: "info", text: `${label} of ${code(displayName(rc.name))} changes without widening access` });
  }
}

/** The Sid of the statement that refuses creates without the owner tag (execution-role.ts jobPolicyParts; stable while its conditions change). */
export const OWNER_TAG_DENY_SID = "DenyUntaggedCreates";

/**
 * A policy that starts refusing untagged creates (OWNER_TAG_DENY_SID among its new statements). The
 * SageMaker Python SDK adds the owner tag from its defaults file (modules/sagemaker/sdk-defaults.ts),
 * which a lifecycle script writes when a JupyterLab app or a notebook instance starts: apps and
 * kernels already running have no file, so their creates are refused until they restart. Not said
 * of a policy of a role this plan creates (its name is `<role>-<part>`, ExecutionRole.attachPolicies):
 * nothing runs with a new role yet.
 */
function ownerTagEnforcementStarts(rc: Json, before: NormalStatement[] | undefined, after: NormalStatement[] | undefined, ctx: Ctx, a: Analysis): void {
  const has = (list: NormalStatement[] | undefined) => (list ?? []).some((st) => st.sid === OWNER_TAG_DENY_SID && st.effect === "Deny");
  if (!has(after) || before === undefined || has(before)) return;
  const v = (rc.change.after ?? {}) as Json;
  const owner = [v.role, v.name].find((n): n is string => typeof n === "string" && n.length > 0);
  if (owner && [...ctx.createdRoles].some((role) => owner === role || owner.startsWith(`${role}-`))) return;
  a.findings.push({
    level: "attention",
    text:
      `${code(v.name ?? displayName(rc.name))} starts refusing creates without the owner tag ${code(OWNER_TAG_KEY)} (${code(OWNER_TAG_DENY_SID)}): running JupyterLab apps and notebook kernels get the SDK defaults file that adds the tag only when they restart, ` +
      `so until then their training, processing and transform jobs, models, endpoints and pipelines are refused (AccessDenied). **Tell users to restart**: Studio users stop and start their JupyterLab spaces; ` +
      `a notebook instance is stopped and started (its on-start script writes the file; this apply does that itself if it updates the instance)`,
  });
}

/** "tcp 443 → 0.0.0.0/0" for the one-rule security group resources. */
function describeRule(v: Json, direction: "ingress" | "egress"): string {
  const proto = v.ip_protocol === "-1" ? "all traffic" : `${v.ip_protocol} ${v.from_port === v.to_port ? v.from_port : `${v.from_port}-${v.to_port}`}`;
  const peer = v.cidr_ipv4 ?? v.cidr_ipv6 ?? v.prefix_list_id ?? (v.referenced_security_group_id ? `security group ${v.referenced_security_group_id}` : "(its own group)");
  return `${direction} ${proto} ${direction === "ingress" ? "from" : "to"} ${peer}${v.description ? ` (${v.description})` : ""}`;
}

/** A CIDR reaching beyond private address space (0.0.0.0/1 counts as much as 0.0.0.0/0). */
export function isPublicCidr(cidr: string): boolean {
  const c = String(cidr);
  if (c.includes(":")) return !/^f[cd]/i.test(c);
  const m = /^(\d+)\.(\d+)\.\d+\.\d+\/(\d+)$/.exec(c);
  if (!m) return true; // unreadable: assume the worst
  const [a, b, len] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const inside = (ok: boolean, minLen: number) => ok && len >= minLen;
  return !(inside(a === 10, 8) || inside(a === 172 && b >= 16 && b <= 31, 12) || inside(a === 192 && b === 168, 16) || inside(a === 100 && b >= 64 && b <= 127, 10));
}

/** The resource types this project creates (modules/, stacks/); a create of any other type needs reading. */
export const KNOWN_TYPES = new Set(
  "aws_cloudwatch_log_group aws_cloudwatch_log_resource_policy aws_default_security_group aws_ec2_transit_gateway aws_ec2_transit_gateway_route aws_ec2_transit_gateway_route_table aws_ec2_transit_gateway_route_table_association aws_ec2_transit_gateway_vpc_attachment aws_ec2_transit_gateway_vpc_attachment_accepter aws_eip aws_flow_log aws_iam_policy aws_iam_role aws_iam_role_policy aws_iam_role_policy_attachment aws_internet_gateway aws_kms_alias aws_kms_key aws_nat_gateway aws_networkfirewall_firewall aws_networkfirewall_firewall_policy aws_networkfirewall_logging_configuration aws_networkfirewall_rule_group aws_networkfirewall_tls_inspection_configuration aws_ram_principal_association aws_ram_resource_association aws_ram_resource_share aws_route aws_route_table aws_route_table_association aws_route53_resolver_firewall_config aws_route53_resolver_firewall_domain_list aws_route53_resolver_firewall_rule aws_route53_resolver_firewall_rule_group aws_route53_resolver_firewall_rule_group_association aws_route53_resolver_query_log_config aws_route53_resolver_query_log_config_association aws_s3_bucket aws_s3_bucket_lifecycle_configuration aws_s3_bucket_logging aws_s3_bucket_ownership_controls aws_s3_bucket_policy aws_s3_bucket_public_access_block aws_s3_bucket_server_side_encryption_configuration aws_s3_bucket_versioning aws_sagemaker_domain aws_sagemaker_notebook_instance aws_sagemaker_notebook_instance_lifecycle_configuration aws_sagemaker_studio_lifecycle_config aws_sagemaker_user_profile aws_security_group aws_ssm_parameter aws_subnet aws_vpc aws_vpc_endpoint aws_vpc_endpoint_route_table_association aws_vpc_security_group_egress_rule aws_vpc_security_group_ingress_rule".split(
    " ",
  ),
);

/** The route's endpoint comes from the firewall's per-AZ endpoint map (read from its sync_states). */
const firewallEndpointRef = (refs: string[]) => refs.some((r) => r.startsWith("aws_networkfirewall_firewall.") || /^local\.[^[]*endpoint-ids-by-az/.test(r));

function analyzeSecurityGroupRule(rc: Json, a: Analysis): void {
  const m = /^aws_vpc_security_group_(ingress|egress)_rule$/.exec(rc.type);
  const legacy = rc.type === "aws_security_group_rule";
  if (!m && !legacy) return;
  const action = actionOf(rc.change.actions);
  const describe = (v: Json) => (legacy ? legacyRules(v) : [[describeRule(v, m![1] as "ingress" | "egress"), [v.cidr_ipv4, v.cidr_ipv6], m![1], v.from_port, v.to_port, v.ip_protocol] as const]);
  for (const k of Object.keys(rc.change.after ?? rc.change.before ?? {})) a.claimed.add(k);
  const before = action === "create" ? [] : describe(rc.change.before ?? {});
  const after = action === "delete" ? [] : describe(rc.change.after ?? {});
  for (const [text] of before) if (!after.some(([t]) => t === text)) a.lines.push(`- ➖ ${text}`);
  for (const [text, cidrs, direction, from, to, proto] of after) {
    if (before.some(([t]) => t === text)) continue;
    a.lines.push(`- ➕ ${text}`);
    const toInternet = (cidrs as unknown[]).some((c) => c !== null && c !== undefined && isPublicCidr(String(c)));
    if (!toInternet) continue;
    if (direction === "ingress") a.findings.push({ level: "attention", text: `security group rule **opened to the internet**: ${text}` });
    else if (!(proto === "tcp" && from === 443 && to === 443))
      a.findings.push({ level: "attention", text: `security group rule allows ${text}: only HTTPS leaves through the firewall's allowlist; anything else to the internet is dropped there or bypasses the design` });
    else a.findings.push({ level: "info", text: `HTTPS to anywhere (${code(displayName(rc.name))}): the firewall's allowlist decides what is reachable` });
  }
}

function legacyRules(v: Json): Array<readonly [string, unknown[], string, unknown, unknown, unknown]> {
  const cidrs = [...(v.cidr_blocks ?? []), ...(v.ipv6_cidr_blocks ?? [])];
  const rule = { ...v, cidr_ipv4: cidrs.join(", ") || undefined, ip_protocol: v.protocol };
  return [[describeRule(rule, v.type), cidrs, v.type, v.from_port, v.to_port, v.protocol === "6" ? "tcp" : v.protocol]];
}

function domainsOf(v: Json | null | undefined): string[] | undefined {
  if (!v) return undefined;
  if (Array.isArray(v.domains)) return v.domains;
  const list = v.rule_group?.[0]?.rules_source?.[0]?.rules_source_list?.[0];
  return list ? list.targets : undefined;
}

/**
 * Whether the list entry `entry` allows every name the list entry `name` allows, by AWS's matching
 * rules. Network Firewall domain lists (RulesSourceList Targets): "abc.example.com" matches only
 * abc.example.com; ".example.com" matches example.com and all its subdomains. Route 53 Resolver DNS
 * Firewall domain lists: "*.example.com" matches the subdomains of example.com, not example.com.
 */
export function domainCovers(entry: string, name: string): boolean {
  if (entry === name) return true;
  const scope = (e: string) => (e.startsWith(".") ? { base: e.slice(1), apex: true } : e.startsWith("*.") ? { base: e.slice(2), apex: false } : undefined);
  const under = (n: string, base: string) => n.endsWith(`.${base}`);
  const outer = scope(entry);
  if (!outer) return false; // an exact name allows only itself
  const inner = scope(name);
  if (!inner) return (outer.apex && name === outer.base) || under(name, outer.base);
  // A wildcard `name`: its base (when it includes it) and every subdomain must be inside `entry`.
  if (inner.base === outer.base) return outer.apex || !inner.apex;
  return under(inner.base, outer.base);
}

/**
 * The changed names that are a preset's, by preset: "pip ➕ `pypi.org`". A plan holds names only, so
 * this says which preset carries a name, not whether the config listed the preset or the name.
 */
export function presetLabels(added: ReadonlyArray<string>, removed: ReadonlyArray<string>): string | undefined {
  const parts = ALLOWLIST_PRESET_NAMES.flatMap((p) => {
    const names = ALLOWLIST_PRESETS[p].names;
    const side = (list: ReadonlyArray<string>, sign: string) => {
      const mine = list.filter((d) => names.includes(d));
      if (!mine.length) return [];
      return [`${sign} ${mine.length === names.length ? "all its names: " : ""}${mine.map(code).join(", ")}`];
    };
    const changes = [...side(added, "➕"), ...side(removed, "➖")];
    return changes.length ? [`${p} ${changes.join(" ")}`] : [];
  });
  return parts.length ? parts.join("; ") : undefined;
}

/** Added names on shared hosting, each with the reason of the preset that accepts it, if one does. */
function sharedHostingAdded(added: ReadonlyArray<string>): string[] {
  return added
    .filter((d) => sharedHostingProblem(d) !== undefined)
    .map((d) => {
      const preset = ALLOWLIST_PRESET_NAMES.find((p) => ALLOWLIST_PRESETS[p].sharedHosting?.[d] !== undefined);
      return preset ? `${code(d)} (preset ${preset}: ${ALLOWLIST_PRESETS[preset].sharedHosting![d]})` : `${code(d)} (acknowledged in the config file)`;
    });
}

function analyzeDomainLists(rc: Json, a: Analysis): void {
  if (rc.type !== "aws_networkfirewall_rule_group" && rc.type !== "aws_route53_resolver_firewall_domain_list") return;
  const action = actionOf(rc.change.actions);
  const before = action === "create" ? [] : domainsOf(rc.change.before);
  const afterUnknown = rc.type === "aws_route53_resolver_firewall_domain_list" ? rc.change.after_unknown?.domains === true : false;
  const after = action === "delete" ? [] : afterUnknown ? undefined : domainsOf(rc.change.after);
  if (before === undefined && after === undefined) return;
  // Only the domains are explained here; anything else in the rule group (generated_rules_type,
  // target_types, rule variables) is listed as a plain change that needs reading.
  a.claimed.add(rc.type === "aws_networkfirewall_rule_group" ? "rule_group.0.rules_source.0.rules_source_list.0.targets" : "domains");
  const list = rc.type === "aws_networkfirewall_rule_group" ? "firewall allowlist" : `DNS firewall list ${code(rc.change.after?.name ?? rc.change.before?.name ?? displayName(rc.name))}`;
  const generated = (rc.change.after ?? rc.change.before)?.rule_group?.[0]?.rules_source?.[0]?.rules_source_list?.[0]?.generated_rules_type;
  if (after === undefined) {
    a.lines.push(`- ${list}: known after apply (the endpoints' private DNS names, read from AWS at apply)`);
    return;
  }
  const added = after.filter((d) => !(before ?? []).includes(d)).sort();
  const removed = (before ?? []).filter((d) => !after.includes(d)).sort();
  const byPreset = presetLabels(added, removed);
  // Only the Network Firewall allowlist: the DNS list also holds S3's own names, on shared hosting by design.
  const shared = rc.type === "aws_networkfirewall_rule_group" ? sharedHostingAdded(added) : [];
  if (action === "create") {
    a.lines.push(`- ${list}${generated ? ` (${generated})` : ""}: ${after.length} domain(s): ${after.map(code).join(", ")}`);
    if (byPreset) a.lines.push(`- ${list}, by preset: ${byPreset}`);
    if (shared.length) a.lines.push(`- ${list}: shared hosting: ${shared.join("; ")}`);
    return;
  }
  if (added.length) a.lines.push(`- ${list}: ➕ ${added.map(code).join(", ")}`);
  if (removed.length) a.lines.push(`- ${list}: ➖ ${removed.map(code).join(", ")}`);
  if (byPreset) a.lines.push(`- ${list}, by preset: ${byPreset}`);
  const isAllow = rc.type === "aws_networkfirewall_rule_group" ? generated !== "DENYLIST" : /allow/i.test(rc.change.after?.name ?? rc.name);
  if (isAllow && added.length) a.findings.push({ level: "attention", text: `egress opened: ${list} allows ${added.map(code).join(", ")}` });
  if (isAllow && shared.length) a.findings.push({ level: "attention", text: `shared hosting opened (anyone can publish there): ${shared.join("; ")}` });
  // A removed entry that another entry of the new list still matches (a name widened to its
  // domain's wildcard) is no loss of access.
  const coveredBy = new Map(removed.map((d) => [d, after.find((e) => domainCovers(e, d))]));
  const kept = removed.filter((d) => coveredBy.get(d) !== undefined);
  const lost = removed.filter((d) => coveredBy.get(d) === undefined);
  if (isAllow && kept.length) a.lines.push(`- ${list}: still allowed: ${kept.map((d) => `${code(d)} (through ${code(coveredBy.get(d)!)})`).join(", ")}`);
  if (isAllow && lost.length) a.findings.push({ level: "attention", text: `${list} no longer allows ${lost.map(code).join(", ")}: users who rely on them lose access` });
  if (!isAllow && (added.length || removed.length)) a.findings.push({ level: "attention", text: `${list} changes` });
}

function analyzeSuricata(rc: Json, a: Analysis): void {
  if (rc.type !== "aws_networkfirewall_rule_group") return;
  const rules = (v: Json | null) => (v?.rule_group?.[0]?.rules_source?.[0]?.rules_string as string | undefined)?.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const action = actionOf(rc.change.actions);
  const before = action === "create" ? [] : rules(rc.change.before);
  const after = action === "delete" ? [] : rules(rc.change.after);
  if (!before && !after) return;
  a.claimed.add("rule_group.0.rules_source.0.rules_string");
  const added = (after ?? []).filter((r) => !(before ?? []).includes(r));
  const removed = (before ?? []).filter((r) => !(after ?? []).includes(r));
  if (action === "create") {
    a.lines.push(`- ${after?.length ?? 0} Suricata rule(s) (in the full plan)`);
    return;
  }
  for (const r of removed) a.lines.push(`- ➖ \`${r}\``);
  for (const r of added) a.lines.push(`- ➕ \`${r}\``);
  if (added.length || removed.length) a.findings.push({ level: "attention", text: `firewall rules change in ${code(displayName(rc.name))}: ${added.length} added, ${removed.length} removed` });
}

function analyzeFirewall(rc: Json, a: Analysis): void {
  if (rc.type !== "aws_networkfirewall_firewall") return;
  const action = actionOf(rc.change.actions);
  if (action !== "update") return;
  a.claimed.add("firewall_status");
  const b = rc.change.before?.subnet_mapping ?? [];
  const after = rc.change.after?.subnet_mapping ?? [];
  if (b.length !== after.length || rc.change.after_unknown?.subnet_mapping) {
    a.claimed.add("subnet_mapping");
    const delta = after.length - b.length;
    a.lines.push(`- subnet mapping: ${b.length} → ${after.length} AZ endpoints (${delta >= 0 ? "+" : ""}${delta}); existing endpoints stay`);
    a.findings.push({ level: "benign", text: `the firewall ${delta >= 0 ? "gets an endpoint in each new AZ" : "loses the removed AZs' endpoints"}; the others keep their IDs` });
  }
}

function analyzeRoute(rc: Json, ctx: Ctx, a: Analysis): void {
  if (rc.type !== "aws_route") return;
  const v = (rc.change.after ?? rc.change.before ?? {}) as Json;
  const dest = v.destination_cidr_block ?? v.destination_ipv6_cidr_block ?? v.destination_prefix_list_id ?? "?";
  const refs = referencesOf(ctx, rc, "vpc_endpoint_id");
  const label = (k: string) => (k === "vpc_endpoint_id" && firewallEndpointRef(refs) ? "firewall endpoint" : k.replace(/_id$/, "").replace(/_/g, " "));
  const target = (x: Json | null | undefined, u?: Json) => {
    for (const k of ["vpc_endpoint_id", "nat_gateway_id", "gateway_id", "transit_gateway_id", "network_interface_id", "vpc_peering_connection_id", "egress_only_gateway_id"])
      if (u?.[k] === true) return `${label(k)} (known after apply)`;
      else if (x?.[k]) return `${label(k)} ${x[k]}`;
    return "?";
  };
  const action = actionOf(rc.change.actions);
  if (action === "create") a.lines.push(`- route ${dest} → ${target(rc.change.after, rc.change.after_unknown)}`);
  if (action === "delete") a.lines.push(`- route ${dest} → ${target(rc.change.before)}`);
  if (action !== "update") return;
  const unknownEndpoint = rc.change.after_unknown?.vpc_endpoint_id === true && rc.change.before?.vpc_endpoint_id;
  const changed = changedAttributes(rc);
  for (const k of changed) a.claimed.add(k);
  if (unknownEndpoint && ctx.firewallMappingChanges && changed.every((k) => k === "vpc_endpoint_id") && firewallEndpointRef(refs)) {
    a.lines.push(`- route ${dest} → firewall endpoint: known after apply, will be ${code(rc.change.before.vpc_endpoint_id)} again`);
    a.findings.push({
      level: "benign",
      fold: { kind: "firewall-route", endpointId: rc.change.before.vpc_endpoint_id },
      text: `firewall route ${dest} in ${code(displayName(rc.name))} is "known after apply": the firewall's endpoint map is recomputed from \`firewall_status[0].sync_states\` because its subnet mapping changes (hashicorp/terraform-provider-aws#16759); this AZ keeps its endpoint, so the route resolves to ${code(rc.change.before.vpc_endpoint_id)} again`,
    });
    return;
  }
  a.lines.push(`- route ${dest}: ${target(rc.change.before)} → ${target(rc.change.after, rc.change.after_unknown)}`);
  a.findings.push({ level: "attention", text: `egress route ${dest} of ${code(displayName(rc.name))} changes target` });
}

function analyzeEndpoint(rc: Json, ctx: Ctx, a: Analysis): void {
  if (rc.type !== "aws_vpc_endpoint") return;
  const action = actionOf(rc.change.actions);
  const v = (rc.change.after ?? rc.change.before ?? {}) as Json;
  if (action === "create") a.lines.push(`- ${code(v.service_name ?? "?")} (${v.vpc_endpoint_type ?? "?"}${v.private_dns_enabled ? ", private DNS" : ""})`);
  if (action !== "update") return;
  if (rc.change.after_unknown?.subnet_ids === true || JSON.stringify(rc.change.before?.subnet_ids) !== JSON.stringify(rc.change.after?.subnet_ids)) {
    a.claimed.add("subnet_ids");
    const before = (rc.change.before?.subnet_ids ?? []).length;
    const after = rc.change.after_unknown?.subnet_ids === true ? (referencedSubnets(ctx.configs.get(rc.address)) ?? 0) : (rc.change.after?.subnet_ids ?? []).length;
    a.lines.push(`- ${code(v.service_name ?? "?")}: subnets ${before} → ${after || "?"}${rc.change.after_unknown?.subnet_ids === true ? " (a new subnet's ID is known after apply)" : ""}`);
    const how = after === before ? "moves its network interface to the new subnet" : after > before ? "adds a network interface per added AZ" : "removes the network interface of each removed AZ";
    // Moving the one interface of a single-AZ endpoint is said as it is; AZs added or removed fold into one line.
    a.findings.push({ level: "benign", text: `${code(v.service_name ?? displayName(rc.name))} ${how}; the endpoint and its DNS name stay`, ...(after === before ? {} : { fold: { kind: "endpoint-subnets" as const } }) });
  }
  if (rc.change.before?.private_dns_enabled !== rc.change.after?.private_dns_enabled && rc.change.after_unknown?.private_dns_enabled !== true) {
    a.claimed.add("private_dns_enabled");
    a.lines.push(`- private DNS: ${rc.change.before?.private_dns_enabled} → ${rc.change.after?.private_dns_enabled}`);
    a.findings.push({ level: "attention", text: `private DNS of ${code(v.service_name)} changes: calls to the service's public name ${rc.change.after?.private_dns_enabled ? "now stay in the VPC" : "no longer resolve to the endpoint and go to the firewall, which drops them"}` });
  }
}

function analyzeContract(rc: Json, a: Analysis): void {
  if (rc.type !== "aws_ssm_parameter" || actionOf(rc.change.actions) !== "update") return;
  const name: string = rc.change.before?.name ?? "";
  if (!name.endsWith("/network/contract")) return;
  for (const k of ["value", "insecure_value", "version"]) a.claimed.add(k);
  a.lines.push(`- ${code(name)}: republished${rc.change.after_unknown?.value ? " (value known after apply: it holds the new resources' IDs)" : ""}`);
  a.findings.push({ level: "benign", text: `the network contract ${code(name)} is republished; the workload stacks read it on their next plan (plan them after this apply)` });
}

function analyzeTags(rc: Json, a: Analysis): void {
  if (actionOf(rc.change.actions) !== "update") return;
  const changed = changedAttributes(rc);
  if (changed.includes("tags")) {
    a.claimed.add("tags");
    a.lines.push(`- tags: ${short(rc.change.before?.tags)} → ${short(rc.change.after?.tags)}`);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Items                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/** A DNS firewall rule that stops blocking (dnsFirewall.mode "block" to "alert"): names off the list resolve again. */
function analyzeDnsRuleAction(rc: Json, a: Analysis): void {
  if (rc.type !== "aws_route53_resolver_firewall_rule" || actionOf(rc.change.actions) !== "update") return;
  const before = rc.change.before?.action;
  const after = rc.change.after?.action;
  if (before === "BLOCK" && after !== "BLOCK") {
    a.findings.push({ level: "attention", text: `DNS firewall rule ${code(displayName(rc.name))} stops blocking (${before} to ${after ?? "?"}): names off the DNS allowlist resolve, so data can leave in DNS queries (DNS tunnelling)` });
  }
}

/**
 * An egress hub's side of a spoke (docs/hub.md). Accepting an attachment is where another account's
 * VPC starts sending its traffic through the hub, and a gateway route to an attachment is where a
 * range starts to be carried: both are read, naming the spoke, its account and its range. Deleting
 * an accepter deletes the attachment itself (the provider's accepter delete calls
 * DeleteTransitGatewayVpcAttachment: hashicorp/terraform-provider-aws,
 * internal/service/ec2/transitgateway_vpc_attachment_accepter.go), so that spoke's egress stops.
 */
function analyzeHubSpoke(rc: Json, a: Analysis): void {
  const action = actionOf(rc.change.actions);
  const v = ((action === "delete" ? rc.change.before : rc.change.after) ?? {}) as Json;
  const name = code(displayName(rc.name));
  if (rc.type === "aws_ec2_transit_gateway_vpc_attachment_accepter") {
    const attachment = v.transit_gateway_attachment_id ? ` ${code(v.transit_gateway_attachment_id)}` : "";
    const account = v.tags?.SpokeAccount ?? v.vpc_owner_id;
    const spoke = `${v.tags?.Spoke ? `spoke ${code(v.tags.Spoke)}` : "a spoke"}${account ? ` (account ${code(account)})` : ""}`;
    if (action === "create")
      a.findings.push({ level: "attention", text: `${name} accepts the attachment${attachment} of ${spoke}: that VPC's traffic enters the hub, judged by its allowlist` });
    if (action === "delete" || action === "replace")
      a.findings.push({ level: "attention", text: `${name} is deleted: **the attachment${attachment} of ${spoke} is deleted with it** and that spoke's egress stops` });
  }
  if (rc.type === "aws_ec2_transit_gateway_route" && (action === "create" || action === "replace") && !v.blackhole)
    a.findings.push({ level: "attention", text: `${name}: the gateway's route table carries ${code(v.destination_cidr_block ?? "?")} to an attachment` });
}

/**
 * The hub's settings that keep every path reviewed and symmetric (docs/hub.md, "Accepting spokes" and
 * "Appliance mode"), read by name when one turns the unsafe way, in place or (the gateway's default
 * route table settings: the provider forces a new gateway when one goes from disable to enable, by
 * hashicorp/terraform-provider-aws internal/service/ec2/transitgateway_.go CustomizeDiff) by replacement:
 *
 * - `appliance_mode_support` enable -> disable on an attachment: only the inspection VPC's has it on
 *   (modules/hub/inspection-vpc.ts); without it the gateway may send a flow's reply through another
 *   AZ's firewall endpoint, which holds no state for the flow and drops it.
 * - `auto_accept_shared_attachments` -> enable on the gateway: an account the share reaches attaches
 *   a VPC of any range with no accepter in the hub's plan to review.
 * - `default_route_table_association` / `_propagation` -> enable: attachments are associated with, or
 *   propagate their ranges into, the gateway's default table without a reviewed association or route.
 * - `allow_external_principals` -> true on the RAM share: accounts outside the organisation can be
 *   given the gateway (and the shared DNS rule group).
 *
 * A create with the unsafe value is read too (a new hub with auto-accept on is as open as a changed one).
 */
function analyzeHubSettings(rc: Json, a: Analysis): void {
  const action = actionOf(rc.change.actions);
  if (action !== "create" && action !== "update" && action !== "replace") return;
  const before = (action === "create" ? {} : (rc.change.before ?? {})) as Json;
  const after = (rc.change.after ?? {}) as Json;
  const name = code(displayName(rc.name));
  // Turned to `bad` by this change: from anything else (a create has no before).
  const turns = (k: string, bad: unknown) => after[k] === bad && before[k] !== bad;
  const claim = (k: string) => {
    a.claimed.add(k);
    a.lines.push(`- ${k}: ${short(action === "create" ? "(new)" : before[k])} → ${short(after[k])}`);
  };
  // The inspection VPC's attachment (Name tag "<hub>-inspection") created without appliance mode is as
  // broken as one turned off; a spoke's attachment needs none, so its create says nothing.
  const inspectionCreatedWithout = action === "create" && /-inspection$/.test(String(after.tags?.Name ?? "")) && after.appliance_mode_support !== "enable";
  if (rc.type === "aws_ec2_transit_gateway_vpc_attachment" && ((before.appliance_mode_support === "enable" && after.appliance_mode_support !== "enable") || inspectionCreatedWithout)) {
    claim("appliance_mode_support");
    const which = /-inspection$/.test(String(after.tags?.Name ?? before.tags?.Name ?? "")) ? " (the inspection VPC's attachment)" : "";
    a.findings.push({
      level: "attention",
      text: `${name}${which}: **appliance mode is turned off**: the gateway may send a flow's replies through another AZ's firewall endpoint, which holds no state for the flow and drops them (asymmetric routing: connections through the hub fail)`,
    });
  }
  if (rc.type === "aws_ec2_transit_gateway") {
    if (turns("auto_accept_shared_attachments", "enable")) {
      claim("auto_accept_shared_attachments");
      a.findings.push({
        level: "attention",
        text: `${name}: **auto-accept of shared attachments is turned on**: any account the share reaches can attach a VPC of any range without a reviewed accepter in the hub's plan`,
      });
    }
    for (const k of ["default_route_table_association", "default_route_table_propagation"]) {
      if (!turns(k, "enable")) continue;
      claim(k);
      const what = k.endsWith("association") ? "every new attachment is associated with the gateway's default route table" : "every new attachment propagates its ranges into the gateway's default route table";
      a.findings.push({ level: "attention", text: `${name}: **${code(k)} is turned on**: ${what}, routed without a reviewed association or route` });
    }
  }
  if (rc.type === "aws_ram_resource_share" && turns("allow_external_principals", true)) {
    claim("allow_external_principals");
    a.findings.push({
      level: "attention",
      text: `${name}: **the share allows external principals**: accounts outside the organisation can be given the hub's gateway${after.name ? ` (share ${code(after.name)})` : ""}`,
    });
  }
}

/**
 * SageMaker changes that interrupt users though nothing is replaced.
 *
 * - A notebook instance updated in place (anything but its tags): hashicorp/aws 5.100.0,
 *   internal/service/sagemaker/notebook_instance.go resourceNotebookInstanceUpdate, stops a running
 *   instance (StopNotebookInstance), calls UpdateNotebookInstance, and starts it again
 *   (StartNotebookInstance) only if it was InService; a tags-only update just retags it. The ML
 *   storage volume is kept across a stop; running kernels and what they hold in memory are not.
 * - A Studio lifecycle config deleted (also the old one of a replacement): AWS refuses while an app
 *   runs with it (SageMaker API reference, DeleteStudioLifecycleConfig: "there must be no running apps
 *   using the Lifecycle Configuration"), so the apply fails there. Replaced with create_before_destroy
 *   (stacks/studio-stack.ts userLifecycleConfig) the new config is in use by then and the old one is
 *   left deposed; deleted outright, it stays in the state. Either way the next apply deletes it again.
 */
function analyzeSageMakerDisruption(rc: Json, a: Analysis): void {
  const action = actionOf(rc.change.actions);
  const name = code(displayName(rc.name));
  if (rc.type === "aws_sagemaker_notebook_instance" && action === "update") {
    const changed = changedAttributes(rc).filter((k) => k !== "tags");
    if (changed.length)
      a.findings.push({
        level: "attention",
        text: `the notebook instance ${code(rc.change.before?.name ?? displayName(rc.name))} (${name}) is **stopped for this update** (${changed.map(code).join(", ")}) and started again if it was running: running kernels end and unsaved work in them is lost; the ML storage volume (/home/ec2-user/SageMaker) is kept. Tell its users before the apply`,
      });
  }
  if (rc.type === "aws_sagemaker_studio_lifecycle_config" && (action === "delete" || action === "replace")) {
    const v = (rc.change.before ?? {}) as Json;
    const lc = code(v.studio_lifecycle_config_name ?? displayName(rc.name));
    const createdFirst = action === "replace" && rc.change.actions[0] === "create";
    const after = createdFirst
      ? "the new config is created first and the old one is left deposed in the state"
      : action === "replace"
        ? "the new config is not created until the old one is deleted"
        : "the config stays in the state";
    a.findings.push({
      level: "attention",
      text:
        `deleting the lifecycle config ${lc} **fails while a running app uses it** (AWS DeleteStudioLifecycleConfig: "there must be no running apps using the Lifecycle Configuration"), and the apply with it: ${after}, and the next apply deletes it. ` +
        `Before applying, ask users to stop their JupyterLab spaces (or stop their apps: \`aws sagemaker delete-app\`), or apply, have them restart their spaces, and apply again`,
    });
  }
}

function itemOf(rc: Json, ctx: Ctx): Item | undefined {
  const action = actionOf(rc.change.actions);
  if (rc.mode !== "managed" || action === "no-op" || action === "read") return undefined;
  const a: Analysis = { lines: [], findings: [], claimed: new Set() };
  analyzePolicies(rc, ctx, a);
  analyzeSecurityGroupRule(rc, a);
  analyzeInlinePolicies(rc, a);
  analyzeDangerous(rc, ctx, a);
  analyzeDomainLists(rc, a);
  analyzeSuricata(rc, a);
  analyzeFirewall(rc, a);
  analyzeRoute(rc, ctx, a);
  analyzeEndpoint(rc, ctx, a);
  analyzeContract(rc, a);
  analyzeTags(rc, a);
  analyzeDnsRuleAction(rc, a);
  analyzeHubSpoke(rc, a);
  analyzeHubSettings(rc, a);
  analyzeSageMakerDisruption(rc, a);
  if (action === "update" || action === "replace") {
    const replacePaths = ((rc.change.replace_paths ?? []) as unknown[][]).map((p) => String(p[0]));
    const claimed = [...a.claimed];
    for (const k of changedAttributes(rc)) {
      if (a.claimed.has(k)) continue;
      const leaves = leafChanges(rc.change.before?.[k], rc.change.after?.[k], rc.change.after_unknown?.[k], rc.change.before_sensitive?.[k], rc.change.after_sensitive?.[k], k).filter(
        (l) => !claimed.some((c) => l.path === c || l.path.startsWith(`${c}.`)),
      );
      if (!leaves.length) continue;
      const forces = replacePaths.includes(k) ? " **(forces replacement)**" : "";
      for (const l of leaves.slice(0, 12)) a.lines.push(`- ${leafText(l)}${forces}`);
      if (leaves.length > 12) a.lines.push(`- … ${leaves.length - 12} more changes in ${k} (see the full plan)`);
      if (action === "update") a.findings.push({ level: "attention", text: `${code(displayName(rc.name))}: ${leaves.slice(0, 3).map((l) => l.path).join(", ")}${leaves.length > 3 ? ", …" : ""} change in place` });
    }
  }
  const v = (rc.change.after ?? rc.change.before ?? {}) as Json;
  const values = action === "delete" || action === "replace" ? ((rc.change.before ?? {}) as Json) : v;
  const consequence = action === "delete" || action === "replace" ? CONSEQUENCES[rc.type] : undefined;
  const az = AZ.exec(rc.address)?.[1] ?? (typeof v.availability_zone === "string" ? v.availability_zone : undefined);
  return {
    address: rc.address,
    type: rc.type,
    name: displayName(rc.name),
    action,
    concern: concernOf(rc),
    az,
    lines: a.lines,
    findings: a.findings,
    consequence: consequence ? consequence.text(values, action) : action === "delete" || action === "replace" ? "holds no data; check what depends on it in the full plan" : undefined,
    stateful: consequence?.stateful ?? false,
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Markdown                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** The first line of a stack's comment: the workflow finds and replaces its earlier comment by it. */
export const marker = (stack: string) => `<!-- terraform-plan:${stack} -->`;

const ICON: Record<Action, string> = { create: "➕", update: "✏️", replace: "♻️", delete: "➖" };
const VERDICT_ICON: Record<Verdict, string> = { "no changes": "✅", "safe additions": "🟢", "needs attention": "⚠️" };

function itemHeading(i: Item): string {
  const reason = i.action === "replace" ? " (replace)" : "";
  return `${ICON[i.action]} \`${i.type}\` **${i.name}**${reason}`;
}

/** Lines of a section, cut at `max` items with a pointer to the full plan. */
function itemLines(items: Item[], max: number): string[] {
  const out: string[] = [];
  for (const i of items.slice(0, max)) {
    out.push(`- ${itemHeading(i)}`);
    for (const l of i.lines) out.push(`  ${l}`);
  }
  if (items.length > max) out.push(`- … and ${items.length - max} more (see the full plan)`);
  return out;
}

function egressSection(items: Item[], max: number): string[] {
  const byAz = new Map<string, Item[]>();
  for (const i of items) byAz.set(i.az ?? "all AZs", [...(byAz.get(i.az ?? "all AZs") ?? []), i]);
  const out: string[] = [];
  for (const az of [...byAz.keys()].sort((x, y) => (x === "all AZs" ? -1 : y === "all AZs" ? 1 : x.localeCompare(y)))) {
    const list = byAz.get(az)!;
    const counts = (["create", "update", "replace", "delete"] as Action[]).map((k) => [k, list.filter((i) => i.action === k).length] as const).filter(([, n]) => n);
    out.push(`**${az}** (${counts.map(([k, n]) => `${n} ${k}`).join(", ")})`, "");
    out.push(...itemLines(list, max), "");
  }
  return out;
}

function verdictOf(items: Item[], outputsChange: boolean, emptyState: boolean): { verdict: Verdict; reasons: string[] } {
  if (!items.length && !outputsChange) return { verdict: "no changes", reasons: [] };
  const reasons: string[] = [];
  if (emptyState && items.some((i) => i.action === "create")) reasons.push("planned against an empty state: everything shows as new, so read it all (a first deploy), or the plan did not read the deployed state");
  const stateful = items.filter((i) => (i.action === "delete" || i.action === "replace") && i.stateful);
  const other = items.filter((i) => (i.action === "delete" || i.action === "replace") && !i.stateful);
  if (stateful.length) reasons.push(`${stateful.length} resource(s) holding data deleted or replaced`);
  if (other.length) reasons.push(`${other.length} other resource(s) deleted or replaced`);
  const attention = items.flatMap((i) => i.findings.filter((f) => f.level === "attention"));
  if (attention.length) reasons.push(`${attention.length} change(s) to read (below)`);
  return { verdict: reasons.length ? "needs attention" : "safe additions", reasons };
}

/** Renders the review of one stack's plan. */
export function reviewPlan(input: ReviewInput): Review {
  const { stack } = input;
  const counts: Record<Action, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  if (!input.plan || input.exitCode === 1) {
    const text = (input.planText ?? "").slice(-(COMMENT_LIMIT - 2000));
    const markdown = [marker(stack), `## ❌ \`${stack}\`: plan failed`, "", "```", text.replace(/```/g, "`\u200b``"), "```"].join("\n");
    return { stack, verdict: "needs attention", counts, destructive: [], items: [], cost: { lines: [], monthly: 0, azsAdded: [], azsRemoved: [] }, reasons: ["the plan failed"], failed: true, markdown };
  }
  const plan = input.plan;
  const rcs = (plan.resource_changes ?? []) as Json[];
  const ctx: Ctx = {
    configs: new Map(((plan.configuration?.root_module?.resources ?? []) as Json[]).map((r) => [r.address, r])),
    dataChanges: new Map(rcs.filter((r) => r.mode === "data").map((r) => [r.address, r])),
    priorData: new Map(((plan.prior_state?.values?.root_module?.resources ?? []) as Json[]).filter((r) => r.mode === "data").map((r) => [r.address, r.values])),
    accounts: new Set(
      (([] as Json[]).concat(plan.configuration?.provider_config?.aws ?? []) as Json[]).flatMap((p) => (p?.expressions?.allowed_account_ids?.constant_value ?? []) as string[]),
    ),
    createdRoles: new Set(rcs.filter((r) => r.type === "aws_iam_role" && actionOf(r.change.actions) === "create" && typeof r.change.after?.name === "string").map((r) => r.change.after.name as string)),
    firewallMappingChanges: rcs.some(
      (r) => r.type === "aws_networkfirewall_firewall" && actionOf(r.change.actions) === "update" && (r.change.after_unknown?.subnet_mapping || JSON.stringify(r.change.before?.subnet_mapping) !== JSON.stringify(r.change.after?.subnet_mapping)),
    ),
  };
  const items = rcs.map((rc) => itemOf(rc, ctx)).filter((i): i is Item => !!i);
  for (const i of items) counts[i.action]++;
  const outputChanges = Object.entries((plan.output_changes ?? {}) as Json).filter(([, c]) => !(c.actions.length === 1 && c.actions[0] === "no-op"));
  const emptyState = !((plan.prior_state?.values?.root_module?.resources ?? []) as Json[]).some((r) => r.mode === "managed");
  const { verdict, reasons } = verdictOf(items, outputChanges.length > 0, emptyState);
  const destructive = items.filter((i) => i.action === "delete" || i.action === "replace");
  const cost = costDelta(plan);

  const render = (max: number, planChars: number): string => {
    const out: string[] = [marker(stack)];
    out.push(`## ${VERDICT_ICON[verdict]} \`${stack}\`: ${verdict}`, "");
    const countLine = `**${counts.create} to add, ${counts.update} to change, ${counts.replace} to replace, ${counts.delete} to destroy**${outputChanges.length ? ` · ${outputChanges.length} output(s) change` : ""}`;
    out.push(`${countLine} · ${costHeadline(cost)}${input.sha ? ` · commit \`${input.sha.slice(0, 12)}\`` : ""}`, "");
    if (reasons.length) out.push(`Why: ${reasons.join("; ")}.`, "");
    if (emptyState && counts.create > 0)
      out.push("ℹ️ Planned against an **empty state**: every resource shows as new. If this stack is already deployed, this plan did not read its state (a local backend on a CI runner, a changed backend key or workspace?) and shows nothing of what would change.", "");
    if (destructive.length) {
      out.push("### 🛑 Destructive changes", "");
      const ordered = [...destructive.filter((i) => i.stateful), ...destructive.filter((i) => !i.stateful)];
      if (cost.azsRemoved.length)
        out.push(`- ⚠️ **AZ lane removed: ${cost.azsRemoved.join(", ")}**. Before this apply, move a notebook out of it and remove its subnet from the Studio domain (\`aws sagemaker update-domain\`; docs/provider-limitations.md), or deleting the subnet fails`);
      // One line per kind of resource and lane: an AZ removal deletes a dozen resources of a few kinds.
      const groups = new Map<string, Item[]>();
      for (const i of ordered) {
        const key = i.stateful ? i.address : `${i.action} ${i.type} ${i.az ?? "all AZs"} ${CONSEQUENCES[i.type] ? i.consequence : ""}`;
        groups.set(key, [...(groups.get(key) ?? []), i]);
      }
      const plain = new Map<string, string[]>();
      const groupList = [...groups.values()];
      if (groupList.length > max * 2) out.push(`- (${groupList.length - max * 2} more kinds of deletes and replacements: see the full plan)`);
      for (const list of groupList.slice(0, max * 2)) {
        const i = list[0];
        if (i.stateful || CONSEQUENCES[i.type]) {
          const forced = i.action === "replace" ? replaceReason(rcs.find((r) => r.address === i.address)!) : "";
          const what = list.length > 1 ? `${list.length}× \`${i.type}\` (${list.map((x) => x.name).join(", ")})` : `\`${i.type}\` ${i.name}`;
          out.push(`- ${i.stateful ? "🛑" : "⚠️"} **${i.action}** ${what}${i.az ? ` in ${i.az}` : ""}: ${i.consequence}${forced}`);
        } else plain.set(i.az ?? "all AZs", [...(plain.get(i.az ?? "all AZs") ?? []), `${list.length}× ${i.action} ${i.type}`]);
      }
      for (const [az, kinds] of [...plain].slice(0, max)) out.push(`- ${az}: ${kinds.slice(0, max).join(", ")} (hold no data)`);
      out.push("");
    }
    const attention = items.flatMap((i) => i.findings.filter((f) => f.level === "attention").map((f) => f.text));
    if (attention.length) {
      out.push("### ⚠️ To read", "", ...[...new Set(attention)].slice(0, max * 2).map((t) => `- ${t}`), "");
    }
    const benign = items.flatMap((i) => i.findings.filter((f) => f.level === "benign"));
    if (benign.length) {
      out.push("### Known after apply and expected (explained)", "", ...summarizeBenign(benign).slice(0, max * 2).map((t) => `- ${t}`), "");
    }
    for (const concern of Object.keys(CONCERN_TITLES) as Concern[]) {
      const list = items.filter((i) => i.concern === concern);
      if (!list.length) continue;
      out.push(`### ${CONCERN_TITLES[concern]}`, "");
      out.push(...(concern === "egress" ? egressSection(list, max) : itemLines(list, max)), "");
    }
    if (outputChanges.length) out.push("### Outputs", "", ...outputChanges.slice(0, max).map(([name, c]) => `- ${c.actions.join("+")} \`${name}\``), ...(outputChanges.length > max ? [`- … ${outputChanges.length - max} more`] : []), "");
    if (cost.lines.length) {
      out.push("### Fixed monthly cost (docs/cost.md; before traffic)", "", "| item | change | per month |", "| --- | --- | --- |");
      for (const l of cost.lines) out.push(`| ${l.item} | ${l.count > 0 ? "+" : ""}${l.count} | ${dollars(l.monthly)} |`);
      out.push(`| **total** | | **${dollars(cost.monthly)}** |`, "");
    }
    const planText = input.planText ?? "";
    if (planText) {
      const cut = planText.length > planChars ? `…(the first ${planText.length - planChars} characters are cut; the workflow's artifact holds the whole plan)\n${planChars > 0 ? planText.slice(-planChars) : ""}` : planText;
      out.push("<details><summary>Full plan</summary>", "", "```", cut.replace(/```/g, "`\u200b``"), "```", "</details>");
    }
    return out.join("\n");
  };

  // Fit GitHub's limit: first cut the full plan, then the per-section item lists.
  let markdown = render(60, Number.MAX_SAFE_INTEGER);
  for (const max of [60, 25, 10, 3]) {
    if (markdown.length <= COMMENT_LIMIT) break;
    let room = COMMENT_LIMIT - render(max, 0).length;
    markdown = render(max, Math.max(0, room));
    // The cut notice and escaped fences add a little: shrink by the overshoot until it fits.
    while (markdown.length > COMMENT_LIMIT && room > 0) {
      room = Math.max(0, room - (markdown.length - COMMENT_LIMIT) - 64);
      markdown = render(max, room);
    }
  }
  if (markdown.length > COMMENT_LIMIT) {
    // Only with thousands of changes: keep the head (verdict, destructive changes, what to read) and say so.
    const notice = "\n\n…(the review is cut here at GitHub's comment limit; `npm run plan-review` writes the whole review, and the workflow's artifact holds it)";
    markdown = markdown.slice(0, COMMENT_LIMIT - notice.length) + notice;
  }
  return { stack, verdict, counts, destructive, items, cost, reasons, failed: false, markdown };
}

function replaceReason(rc: Json): string {
  const paths = ((rc.change.replace_paths ?? []) as unknown[][]).map((p) => p.join("."));
  return paths.length ? `. Forced by a change of ${paths.map(code).join(", ")}` : "";
}

/** Folds repeated explanations (one per route, one per endpoint) into one line with a count. */
function summarizeBenign(findings: Finding[]): string[] {
  const routes = findings.flatMap((f) => (f.fold?.kind === "firewall-route" ? [f.fold.endpointId] : []));
  const endpoints = findings.filter((f) => f.fold?.kind === "endpoint-subnets").length;
  const out = [...new Set(findings.filter((f) => !f.fold).map((f) => f.text))];
  if (routes.length) {
    out.push(
      `${routes.length} firewall route(s) of the existing AZs show \`vpc_endpoint_id\` "known after apply": the firewall's per-AZ endpoint map is recomputed from \`firewall_status[0].sync_states\` because its subnet mapping changes (hashicorp/terraform-provider-aws#16759). Each existing AZ keeps its endpoint, so each route resolves to the ID it has now (${[...new Set(routes)].map(code).join(", ")}); the apply rewrites it with the same target.`,
    );
  }
  if (endpoints) out.push(`${endpoints} interface endpoint(s) change subnets in place: one network interface per added or removed AZ; the endpoints, their DNS names and policies stay.`);
  return out;
}
