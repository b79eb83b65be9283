/** What every stack of an environment starts with: provider, backend, guardrails, account check. */
import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import { StackKind, stackName } from "../modules/config/naming";
import { AwsAccount } from "../modules/aws";
import { Guardrails } from "../modules/guardrails";
import { accountCheckProviderFor, awsProviderFor } from "./aws-provider";
import { configureBackend } from "./backend";

export abstract class EnvironmentStack extends TerraformStack {
  readonly account: AwsAccount;

  protected constructor(scope: Construct, readonly env: EnvironmentConfig, readonly kind: StackKind) {
    super(scope, stackName(env, kind));
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
