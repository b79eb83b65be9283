/**
 * Every physical name this project gives an AWS resource is built here, so that config
 * validation can check the *resulting* names against AWS's rules before anything is synthesized.
 */

/** Longest AWS account ID; the real one is only known to Terraform, so budget for the maximum. */
const ACCOUNT_ID_LENGTH = 12;

export interface NameParts {
  readonly projectName: string;
  readonly environment: string;
  readonly region: string;
}

/** "<project>-<environment>": unique per environment, so several can share an account. */
export function namePrefix(p: NameParts): string {
  return `${p.projectName}-${p.environment}`;
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

/** Per-stack IAM role (and policy) name; IAM names are account-global, hence the region. */
export function executionRoleName(p: NameParts, stackKind: string): string {
  return `${namePrefix(p)}-${p.region}-sagemaker-${stackKind}`;
}

/** The longest stack kind, for the IAM name length check. */
export const STACK_KINDS = ["studio", "notebook"] as const;

export function kmsAliasName(p: NameParts, purpose: string): string {
  return `${namePrefix(p)}-${purpose}`;
}

export function studioDomainName(p: NameParts & { readonly studio: { readonly domainName?: string } }): string {
  return p.studio.domainName ?? namePrefix(p);
}

/** Bucket suffixes the stacks use; the longest one sets the length budget. */
export const BUCKET_SUFFIXES = ["data", "models", "access-logs"] as const;

/**
 * Bucket names are global, so they carry account and region: "<prefix>-<account>-<region>-<suffix>".
 * `accountId` is a Terraform expression at synth; validation passes a 12-character placeholder.
 */
export function bucketName(p: NameParts, accountId: string, suffix: (typeof BUCKET_SUFFIXES)[number]): string {
  return `${namePrefix(p)}-${accountId}-${p.region}-${suffix}`;
}

export interface NameRuleViolation {
  readonly field: "projectName" | "environment";
  readonly message: string;
}

/** Network Firewall names: 1-128 of [A-Za-z0-9-]. */
const FIREWALL_NAME = /^[a-zA-Z0-9-]{1,128}$/;

/**
 * Checks the names built from `p` against the AWS naming rules of every resource type that uses
 * them. The S3 rules are the strictest: 3-63 chars of [a-z0-9.-], start and end alphanumeric, and
 * some reserved prefixes. (projectName's pattern already excludes "--", so "xn--" cannot occur.)
 */
export function checkNames(p: NameParts): NameRuleViolation[] {
  const out: NameRuleViolation[] = [];
  for (const name of [firewallName(p), firewallPolicyName(p), domainAllowlistRuleGroupName(p)]) {
    if (!FIREWALL_NAME.test(name)) {
      out.push({ field: "projectName", message: `Network Firewall name "${name}" would break AWS's 1-128 [A-Za-z0-9-] rule` });
    }
  }
  const longestKind = STACK_KINDS.reduce((a, b) => (a.length >= b.length ? a : b));
  const role = executionRoleName(p, longestKind);
  if (role.length > 64) {
    out.push({
      field: "projectName",
      message: `IAM role names "<projectName>-<environment>-<region>-sagemaker-${longestKind}" would be ${role.length} characters; IAM allows 64`,
    });
  }
  const placeholder = "0".repeat(ACCOUNT_ID_LENGTH);
  const longest = BUCKET_SUFFIXES.reduce((a, b) => (a.length >= b.length ? a : b));
  const bucket = bucketName(p, placeholder, longest);
  if (bucket.length > 63) {
    const over = bucket.length - 63;
    out.push({
      field: "projectName",
      message:
        `S3 bucket names "<projectName>-<environment>-<account>-<region>-${longest}" would be ${bucket.length} ` +
        `characters for region ${p.region}; the S3 limit is 63, so shorten projectName or the environment file name by ${over}`,
    });
  }
  if (p.projectName.startsWith("sthree-") || p.projectName.startsWith("amzn-s3-demo-")) {
    out.push({ field: "projectName", message: "must not start with a prefix S3 reserves (sthree-, amzn-s3-demo-)" });
  }
  return out;
}
