/** What every stack of an environment starts with: provider, backend, guardrails, account check. */
import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import { StackKind, stackName } from "../modules/config/naming";
import { AwsAccount } from "../modules/aws";
import { Guardrails } from "../modules/guardrails";
import { accountCheckProviderFor, awsProviderFor } from "./aws-provider";
import { configureBackend } from "./backend";

/**
 * The Terraform versions every stack declares (docs/operations.md, "Deploy"): 1.10 for the S3 backend's lock
 * file (use_lockfile).
 */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.10";

export abstract class EnvironmentStack extends TerraformStack {
  readonly account: AwsAccount;

  protected constructor(scope: Construct, readonly env: EnvironmentConfig, readonly kind: StackKind) {
    super(scope, stackName(env, kind));
    // `terraform plan` in cdktf.out/stacks/<stack> with an older terraform then stops with this
    // requirement instead of failing on the first feature it lacks. The aws provider's constraint
    // comes with the provider bindings: exactly the hashicorp/aws release they were generated from
    // (5.100.0 for @cdktf/provider-aws 20.1.0), the one every test layer runs against.
    this.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
    awsProviderFor(this, env, kind);
    configureBackend(this, env);
    // Every stack is checked against the security rules at synth, after every aspect; a violation
    // stops synth.
    Guardrails.attachTo(this);
    this.account = new AwsAccount(this, "account", env.region, {
      accountId: env.accountId,
      label: `Environment "${env.environment}" (${env.sourceFile})`,
      provider: accountCheckProviderFor(this, env, kind),
    });
  }
}
