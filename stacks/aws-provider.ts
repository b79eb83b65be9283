import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { EnvironmentConfig } from "../modules/config/load";

/**
 * The AWS provider for one environment. default_tags put Project/Environment/Stack on every
 * taggable resource, so cost and ownership are visible without per-resource tag code.
 */
export function awsProviderFor(scope: Construct, env: EnvironmentConfig, stackKind: string): AwsProvider {
  return new AwsProvider(scope, "aws", {
    region: env.region,
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
