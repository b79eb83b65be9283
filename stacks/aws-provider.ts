import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { EnvironmentConfig } from "../modules/config/load";
import type { StackKind } from "../modules/config/naming";

/**
 * The AWS provider for one environment.
 * - allowed_account_ids: the provider refuses credentials for any account but the environment's
 *   own, before it reads or changes anything (dev and prod usually live in different accounts).
 * - assume_role: the environment's deploy role, when the config names one.
 * - default_tags put Project/Environment/Stack on every taggable resource, so cost and ownership
 *   are visible without per-resource tag code.
 */
export function awsProviderFor(scope: Construct, env: EnvironmentConfig, stackKind: StackKind): AwsProvider {
  const assumeRole = env.assumeRoleArn ? [{ roleArn: env.assumeRoleArn, sessionName: `${env.projectName}-${env.environment}-${stackKind}` }] : undefined;
  return new AwsProvider(scope, "aws", {
    region: env.region,
    allowedAccountIds: [env.accountId],
    assumeRole,
    defaultTags: [
      {
        tags: {
          ...env.tags,
          Project: env.projectName,
          Environment: env.environment,
          Stack: stackKind,
          ManagedBy: "cdktf",
        },
      },
    ],
  });
}

/** Alias of the provider that reads only the caller's identity, for the account check. */
export const ACCOUNT_CHECK_ALIAS = "account-check";

/**
 * The same credentials without allowed_account_ids. The provider's own refusal names only the
 * account it got ("AWS account ID not allowed: <id>"); Terraform still reads the caller identity
 * through this configuration, whose postcondition adds which environment expected which account.
 * It is used for nothing else.
 */
export function accountCheckProviderFor(scope: Construct, env: EnvironmentConfig, stackKind: StackKind): AwsProvider {
  return new AwsProvider(scope, "aws-account-check", {
    alias: ACCOUNT_CHECK_ALIAS,
    region: env.region,
    assumeRole: env.assumeRoleArn ? [{ roleArn: env.assumeRoleArn, sessionName: `${env.projectName}-${env.environment}-${stackKind}` }] : undefined,
  });
}
