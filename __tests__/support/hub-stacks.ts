/**
 * A hub spoke's network, composed in a test stack the way a network stack will compose it once the
 * config wires hub egress (SpokeNetwork in place of InspectedVpc, ServiceEndpoints and DnsFirewall;
 * the keys and the published contract as the network stack builds them). Used by the hub's synth
 * and terraform tests.
 */
import { Construct } from "constructs";
import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AwsAccount } from "../../modules/aws";
import { Guardrails } from "../../modules/guardrails";
import { CustomerKey, keyUseThrough } from "../../modules/kms/customer-key";
import { cloudWatchLogsKeyUse } from "../../modules/logging/encrypted-log-group";
import { PublishedNetworkContract } from "../../modules/contract/network-contract";
import { SpokeAttachmentState, SpokeNetwork } from "../../modules/hub";
import { vpcResolutionNames } from "../../modules/network";
import { ACCOUNT_CHECK_ALIAS } from "../../stacks/aws-provider";

export interface SpokeStackOptions {
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly availabilityZones: ReadonlyArray<string>;
  readonly vpcCidr: string;
  readonly transitGatewayId: string;
  /** Default "accepted-by-hub" (the routes exist). */
  readonly attachmentState?: SpokeAttachmentState;
  readonly sharedDnsRuleGroupId?: string;
  readonly contractParameter: string;
}

export class SpokeTestStack extends TerraformStack {
  readonly spoke: SpokeNetwork;

  constructor(scope: Construct, o: SpokeStackOptions) {
    super(scope, `${o.name}-network`);
    new AwsProvider(this, "aws", { region: o.region, allowedAccountIds: [o.accountId] });
    Guardrails.attachTo(this);
    const account = new AwsAccount(this, "account", o.region, {
      accountId: o.accountId,
      label: `spoke ${o.name}`,
      provider: new AwsProvider(this, "aws-account-check", { alias: ACCOUNT_CHECK_ALIAS, region: o.region }),
    });
    const key = new CustomerKey(this, "network-key", { account, aliasName: `${o.name}-network`, usage: [cloudWatchLogsKeyUse(account), ...keyUseThrough("S3", account, ["s3"])] });
    this.spoke = new SpokeNetwork(this, "spoke", {
      namePrefix: o.name,
      vpcCidr: o.vpcCidr,
      availabilityZones: o.availabilityZones,
      transitGatewayId: o.transitGatewayId,
      attachmentState: o.attachmentState ?? "accepted-by-hub",
      logging: { account, kmsKeyArn: key.arn },
      endpoints: { s3: { bucketArns: [`arn:aws:s3:::${o.name}-data`] } },
      dns: { allowedDomains: ["pypi.org", ...vpcResolutionNames(o.region)], sharedRuleGroupId: o.sharedDnsRuleGroupId, queryLog: { kmsKeyArn: key.arn } },
    });
    new PublishedNetworkContract(this, "contract", {
      parameterName: o.contractParameter,
      values: { ...this.spoke.contract, keyArns: { s3: key.arn }, buckets: { data: { name: `${o.name}-data`, arn: `arn:aws:s3:::${o.name}-data` } } },
    });
  }
}

export function spokeStack(o: SpokeStackOptions): SpokeTestStack {
  return new SpokeTestStack(Testing.app(), o);
}
