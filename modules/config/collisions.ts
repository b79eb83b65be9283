/**
 * Two environment files must not give AWS resources the same names in one account and region:
 * the second apply would fail on "already exists" (firewalls, KMS aliases, notebook instances), or,
 * worse for S3 and IAM, Terraform would meet the other environment's resources. Names are built
 * from projectName and the environment (naming.ts), so "a-b" + "c" and "a" + "b-c" both make
 * "a-b-c-firewall". Every name below carries the account or the region or is scoped to them, so
 * only environments of the same account and region can collide.
 *
 * Studio domain names are left out: SageMaker does not require them to be unique.
 */
import {
  bucketName,
  BUCKET_SUFFIXES,
  dnsQueryLogGroupName,
  domainAllowlistRuleGroupName,
  executionRoleName,
  firewallLogGroupPrefix,
  firewallName,
  firewallPolicyName,
  flowLogGroupName,
  flowLogRoleName,
  kmsAliasName,
  NameParts,
  networkContractParameterName,
  notebookInstanceName,
  protocolHygieneRuleGroupName,
  suricataRuleGroupName,
  userExecutionRoleName,
} from "./naming";

/** What an environment's names are built from. */
export interface NamedEnvironment extends NameParts {
  readonly sourceFile: string;
  readonly accountId: string;
  readonly studio: { readonly enabled: boolean; readonly userProfiles: ReadonlyArray<string> };
  readonly notebook: { readonly enabled: boolean; readonly name?: string };
}

interface ResourceName {
  readonly kind: string;
  readonly name: string;
  /** The config field that decides the name. */
  readonly field: string;
}

/** The names an environment gives resources whose names are unique per account (and region). */
export function resourceNames(env: NamedEnvironment): ResourceName[] {
  const prefixed = (kind: string, name: string): ResourceName => ({ kind, name, field: "projectName" });
  const names: ResourceName[] = [
    prefixed("Network Firewall", firewallName(env)),
    prefixed("firewall policy", firewallPolicyName(env)),
    prefixed("rule group", domainAllowlistRuleGroupName(env)),
    prefixed("rule group", protocolHygieneRuleGroupName(env)),
    prefixed("rule group", suricataRuleGroupName(env)),
    prefixed("log group", `${firewallLogGroupPrefix(env)}/alert`),
    prefixed("log group", dnsQueryLogGroupName(env)),
    prefixed("log group", flowLogGroupName(env)),
    prefixed("IAM role", flowLogRoleName(env)),
    prefixed("KMS alias", kmsAliasName(env, "network")),
    prefixed("KMS alias", kmsAliasName(env, "s3")),
    prefixed("KMS alias", kmsAliasName(env, "studio-storage")),
    prefixed("SSM parameter", networkContractParameterName(env)),
    ...BUCKET_SUFFIXES.map((suffix) => prefixed("S3 bucket", bucketName(env, env.accountId, suffix))),
  ];
  if (env.studio.enabled) {
    names.push(prefixed("IAM role", executionRoleName(env, "studio")));
    for (const profile of env.studio.userProfiles) names.push(prefixed("IAM role", userExecutionRoleName(env, profile)));
  }
  if (env.notebook.enabled) {
    names.push(prefixed("IAM role", executionRoleName(env, "notebook")));
    names.push(prefixed("KMS alias", kmsAliasName(env, "notebook-storage")));
    names.push({ kind: "notebook instance", name: notebookInstanceName(env), field: env.notebook.name === undefined ? "projectName" : "notebook.name" });
  }
  return names;
}

/** One problem per file and field: "<file>: <field>: <problem>". */
export function nameCollisions(envs: ReadonlyArray<NamedEnvironment>): string[] {
  const problems: string[] = [];
  const named = envs.map((env) => ({ env, names: resourceNames(env) }));
  for (let j = 0; j < named.length; j++) {
    const later = named[j];
    for (let i = 0; i < j; i++) {
      const earlier = named[i];
      if (earlier.env.accountId !== later.env.accountId || earlier.env.region !== later.env.region) continue;
      const taken = new Map(earlier.names.map((n) => [`${n.kind}\n${n.name}`, n]));
      const clashes = later.names.filter((n) => taken.has(`${n.kind}\n${n.name}`));
      const byField = new Map<string, ResourceName[]>();
      for (const c of clashes) byField.set(c.field, [...(byField.get(c.field) ?? []), c]);
      for (const [field, list] of byField) {
        const first = list[0];
        const more = list.length > 1 ? ` and ${list.length - 1} more name${list.length > 2 ? "s" : ""}` : "";
        const fix = field === "notebook.name" ? "change notebook.name in one of them" : "change projectName in one of them, or rename one file";
        problems.push(
          `${later.env.sourceFile}: ${field}: AWS names collide with ${earlier.env.sourceFile} (both deploy to account ${later.env.accountId}, region ${later.env.region}): ` +
            `both would create the ${first.kind} "${first.name}"${more}; ${fix}`,
        );
      }
    }
  }
  return problems;
}
