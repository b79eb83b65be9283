/**
 * The account, partition and region a stack deploys into, resolved by Terraform (data sources),
 * so nothing at synth needs credentials. ARNs are built with the partition so the same code works
 * in aws, aws-us-gov and aws-cn.
 */
import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import type { AccountContext } from "./account-context";

/** The account a stack must deploy into, and how to name it in the error when it does not. */
export interface ExpectedAccount {
  /** The 12-digit account the credentials must belong to. Required. */
  readonly accountId: string;
  /** E.g. 'environment "dev" (config/dev.json)'. */
  readonly label: string;
  /**
   * Provider configuration that reads the caller identity. Give one without allowed_account_ids,
   * so the check still runs (and names both accounts) when that list refuses the credentials.
   */
  readonly provider?: TerraformProvider;
}

/** The stack's account and partition as Terraform data sources; `expected` adds the account check. */
export class AwsAccount extends Construct implements AccountContext {
  readonly accountId: string;
  readonly partition: string;
  /** DNS suffix of service endpoints ("amazonaws.com", "amazonaws.com.cn"). */
  readonly dnsSuffix: string;

  constructor(scope: Construct, id: string, readonly region: string, expected?: ExpectedAccount) {
    super(scope, id);
    const caller = new DataAwsCallerIdentity(this, "caller", {
      provider: expected?.provider,
      // Belt and braces with the provider's allowed_account_ids: this one names the environment and
      // both accounts, and holds even where the provider's own check is skipped.
      lifecycle: expected
        ? {
            postcondition: [
              {
                condition: `\${self.account_id == "${expected.accountId}"}`,
                errorMessage: `${expected.label} deploys to AWS account ${expected.accountId}, but these credentials are for account \${self.account_id}. Nothing was changed: use credentials (or assumeRoleArn) for account ${expected.accountId}.`,
              },
            ],
          }
        : undefined,
    });
    this.accountId = caller.accountId;
    const partition = new DataAwsPartition(this, "partition");
    this.partition = partition.partition;
    this.dnsSuffix = partition.dnsSuffix;
  }

  /** arn:<partition>:<service>:<region>:<account>:<resource>; pass region "" for global services. */
  arn(service: string, resource: string, region: string = this.region): string {
    return `arn:${this.partition}:${service}:${region}:${this.accountId}:${resource}`;
  }

  get rootArn(): string {
    return `arn:${this.partition}:iam::${this.accountId}:root`;
  }

  /** "s3.us-east-1.amazonaws.com": the value of kms:ViaService for that service. */
  viaService(service: string): string {
    return `${service}.${this.region}.${this.dnsSuffix}`;
  }
}
