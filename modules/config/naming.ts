/**
 * Every physical name this project gives an AWS resource is built here, so that config
 * validation can check the *resulting* names against AWS's rules before anything is synthesized.
 *
 * Uniqueness: names that AWS requires unique per account and region (firewalls, policies, rule
 * groups, KMS aliases, SSM parameters, notebook instances, Studio domains) carry the project and
 * the environment (workload names also the workload), so several environments can share an
 * account. IAM names are account-global, so they carry the region too; S3 bucket
 * names are global, so they carry account and region.
 */
import { createHash } from "node:crypto";

/** Longest AWS account ID; the real one is only known to Terraform, so budget for the maximum. */
const ACCOUNT_ID_LENGTH = 12;

export interface NameParts {
  readonly projectName: string;
  readonly environment: string;
  readonly region: string;
}

/** One network stack per environment, and the workload stacks built on it. */
export const STACK_KINDS = ["network", "studio", "notebook"] as const;
export type StackKind = (typeof STACK_KINDS)[number];
export const WORKLOAD_KINDS = ["studio", "notebook"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** "<environment>-<kind>": the cdktf stack name (and the Terraform state's name). */
export function stackName(p: Pick<NameParts, "environment">, kind: StackKind): string {
  return `${p.environment}-${kind}`;
}

/** "<project>-<environment>": the prefix of every name the environment's network stack gives. */
export function namePrefix(p: NameParts): string {
  return `${p.projectName}-${p.environment}`;
}

/** "<project>-<environment>-<kind>": the prefix of every name a workload stack gives. */
export function stackPrefix(p: NameParts, kind: WorkloadKind): string {
  return `${namePrefix(p)}-${kind}`;
}

export function firewallName(p: NameParts): string {
  return `${namePrefix(p)}-firewall`;
}

export function firewallPolicyName(p: NameParts): string {
  return `${namePrefix(p)}-firewall-policy`;
}

export function domainAllowlistRuleGroupName(p: NameParts): string {
  return `${namePrefix(p)}-domain-allowlist`;
}

export function protocolHygieneRuleGroupName(p: NameParts): string {
  return `${namePrefix(p)}-protocol-hygiene`;
}

export function refusalsRuleGroupName(p: NameParts): string {
  return `${namePrefix(p)}-refusals`;
}

export function suricataRuleGroupName(p: NameParts): string {
  return `${namePrefix(p)}-suricata`;
}

/** Log groups of the firewall; "/aws/vendedlogs/" keeps AWS's log-delivery resource policy small. */
export function firewallLogGroupPrefix(p: NameParts): string {
  return `/aws/vendedlogs/network-firewall/${namePrefix(p)}`;
}

/** Route 53 Resolver query logs (vended logs, like the firewall's). */
export function dnsQueryLogGroupName(p: NameParts): string {
  return `/aws/vendedlogs/route53resolver/${namePrefix(p)}`;
}

export function flowLogGroupName(p: NameParts): string {
  return `/aws/vpc-flow-logs/${namePrefix(p)}`;
}

/** IAM role the VPC flow-logs service assumes; IAM names are account-global, hence the region. */
export function flowLogRoleName(p: NameParts): string {
  return `${namePrefix(p)}-${p.region}-flow-logs`;
}

/** Per-workload IAM role (and policy) name. */
export function executionRoleName(p: NameParts, kind: WorkloadKind): string {
  return `${namePrefix(p)}-${p.region}-sagemaker-${kind}`;
}

/**
 * The execution role of one Studio user profile. Profile names (up to 63 characters) do not fit
 * IAM's 64-character role names beside the prefix, so the name carries a short hash of the
 * profile (the role is tagged and described with the profile's name); checkNames bounds its length.
 */
export function userExecutionRoleName(p: NameParts, profile: string): string {
  return `${namePrefix(p)}-${p.region}-studio-u-${createHash("sha256").update(profile).digest("hex").slice(0, 9)}`;
}

/** Alias name without the "alias/" prefix: "<project>-<environment>-<purpose>". */
export function kmsAliasName(p: NameParts, purpose: "network" | "s3" | "studio-storage" | "notebook-storage"): string {
  return `${namePrefix(p)}-${purpose}`;
}

/** SSM parameters the network stack publishes: "/<project>/<environment>/network/<name>". */
export function ssmParameterName(p: NameParts, name: string): string {
  return `/${p.projectName}/${p.environment}/network/${name}`;
}

/** The one parameter a workload stack reads: everything it needs from the network stack, as JSON. */
export function networkContractParameterName(p: NameParts): string {
  return ssmParameterName(p, "contract");
}

export function studioDomainName(p: NameParts & { readonly studio: { readonly domainName?: string } }): string {
  return p.studio.domainName ?? namePrefix(p);
}

export function notebookInstanceName(p: NameParts & { readonly notebook: { readonly name?: string } }): string {
  return p.notebook.name ?? stackPrefix(p, "notebook");
}

/** Bucket suffixes (the network stack holds every bucket); the longest sets the name budget. */
export const BUCKET_SUFFIXES = ["data", "models", "logs", "notebook"] as const;
export type BucketSuffix = (typeof BUCKET_SUFFIXES)[number];

/**
 * "<project>-<environment>-<account>-<region>-<suffix>".
 * `accountId` is a Terraform expression at synth; validation passes a 12-character placeholder.
 */
export function bucketName(p: NameParts, accountId: string, suffix: BucketSuffix): string {
  return `${namePrefix(p)}-${accountId}-${p.region}-${suffix}`;
}

export interface NameRuleViolation {
  readonly field: "projectName" | "environment";
  readonly message: string;
}

/** Network Firewall names: 1-128 of [A-Za-z0-9-]. */
const FIREWALL_NAME = /^[a-zA-Z0-9-]{1,128}$/;

const longest = <T extends string>(list: ReadonlyArray<T>): T => list.reduce((a, b) => (a.length >= b.length ? a : b));

/**
 * Checks the names built from `p` against the AWS naming rules of every resource type that uses
 * them. The S3 rules are the strictest: 3-63 chars of [a-z0-9.-], start and end alphanumeric, and
 * some reserved prefixes. (projectName's pattern already excludes "--", so "xn--" cannot occur.)
 */
export function checkNames(p: NameParts): NameRuleViolation[] {
  const out: NameRuleViolation[] = [];
  const kind = longest(WORKLOAD_KINDS);
  for (const name of [firewallName(p), firewallPolicyName(p), domainAllowlistRuleGroupName(p)]) {
    if (!FIREWALL_NAME.test(name)) {
      out.push({ field: "projectName", message: `Network Firewall name "${name}" would break AWS's 1-128 [A-Za-z0-9-] rule` });
    }
  }
  for (const [role, pattern] of [
    [executionRoleName(p, kind), `<projectName>-<environment>-<region>-sagemaker-${kind}`],
    [flowLogRoleName(p), `<projectName>-<environment>-<region>-flow-logs`],
    [userExecutionRoleName(p, "profile"), `<projectName>-<environment>-<region>-studio-u-<9 hex>`],
  ]) {
    if (role.length > 64) {
      out.push({ field: "projectName", message: `IAM role names "${pattern}" would be ${role.length} characters; IAM allows 64` });
    }
  }
  const suffix = longest(BUCKET_SUFFIXES);
  const bucket = bucketName(p, "0".repeat(ACCOUNT_ID_LENGTH), suffix);
  if (bucket.length > 63) {
    out.push({
      field: "projectName",
      message:
        `S3 bucket names "<projectName>-<environment>-<account>-<region>-${suffix}" would be ${bucket.length} ` +
        `characters for region ${p.region}; the S3 limit is 63, so shorten projectName or the environment file name by ${bucket.length - 63}`,
    });
  }
  if (p.projectName.startsWith("sthree-") || p.projectName.startsWith("amzn-s3-demo-")) {
    out.push({ field: "projectName", message: "must not start with a prefix S3 reserves (sthree-, amzn-s3-demo-)" });
  }
  return out;
}
