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
  return new AwsProvider(scope, "aws", {
    region: env.region,
    allowedAccountIds: [env.accountId],
    assumeRole: env.assumeRoleArn ? [{ roleArn: env.assumeRoleArn, sessionName: `${env.projectName}-${env.environment}-${stackKind}` }] : undefined,
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
