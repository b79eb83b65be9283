/**
 * `<hub>-inspection`: a regional egress hub (modules/hub, EgressHub) in its own stack, account and
 * provider: the Transit Gateway and its RAM share, the inspection VPC with one firewall policy
 * holding every spoke's allowlist, the shared DNS Firewall rule group, and the hub side of each
 * spoke (the accepter of its attachment, its association, its routes).
 *
 * A thin composition from typed props: the hub's config schema, main.ts wiring and backend come
 * with the config session of issue 24 (docs/hub.md, "Not built yet"). Like every environment stack
 * it pins the provider to the hub's account (allowed_account_ids, plus the account check that names
 * the hub), attaches the guardrails and encrypts the firewall and the logs with its own key.
 */
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { AwsAccount } from "../modules/aws";
import { Guardrails } from "../modules/guardrails";
import { CustomerKey, keyUseThrough } from "../modules/kms/customer-key";
import { cloudWatchLogsKeyUse } from "../modules/logging/encrypted-log-group";
import { EgressHub, EgressHubProps } from "../modules/hub";
import { ACCOUNT_CHECK_ALIAS } from "./aws-provider";
import { REQUIRED_TERRAFORM_VERSION } from "./environment-stack";

export interface HubStackProps {
  /** The hub's name: prefix of every resource name, and the stack's (`<name>-inspection`). Required. */
  readonly name: string;
  /** The hub's account (12 digits): the provider refuses credentials of any other. Required. */
  readonly accountId: string;
  /** The hub's region. Required. */
  readonly region: string;
  /** A role to assume in the hub's account for the deployment. Default: the caller's credentials. */
  readonly assumeRoleArn?: string;
  /** Tags on every taggable resource (besides Hub, Stack, ManagedBy). Default none. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Days the firewall, flow and DNS query logs are kept. Default 365. */
  readonly logRetentionDays?: number;
  /**
   * Terraform refuses any plan that destroys the Transit Gateway, the inspection VPC's attachment,
   * the hub's key or its log groups (lifecycle prevent_destroy). Default true.
   */
  readonly preventDestroy?: boolean;
  /** The hub: AZs, CIDR, spokes, allowlists, share, firewall options (EgressHubProps without names and logging). Required. */
  readonly hub: Omit<EgressHubProps, "namePrefix" | "logging">;
}

export class HubStack extends TerraformStack {
  readonly account: AwsAccount;
  readonly key: CustomerKey;
  readonly hub: EgressHub;

  constructor(scope: Construct, props: HubStackProps) {
    super(scope, `${props.name}-inspection`);
    this.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
    const keep = props.preventDestroy ?? true;
    const assumeRole = props.assumeRoleArn ? [{ roleArn: props.assumeRoleArn, sessionName: `${props.name}-inspection` }] : undefined;
    new AwsProvider(this, "aws", {
      region: props.region,
      allowedAccountIds: [props.accountId],
      assumeRole,
      defaultTags: [{ tags: { ...props.tags, Hub: props.name, Stack: "inspection", ManagedBy: "cdktf" } }],
    });
    Guardrails.attachTo(this);
    this.account = new AwsAccount(this, "account", props.region, {
      accountId: props.accountId,
      label: `Egress hub "${props.name}"`,
      provider: new AwsProvider(this, "aws-account-check", { alias: ACCOUNT_CHECK_ALIAS, region: props.region, assumeRole }),
    });
    this.key = new CustomerKey(this, "hub-key", {
      account: this.account,
      aliasName: `${props.name}-hub`,
      description: `Encrypts the Network Firewall configuration and the logs of egress hub ${props.name}`,
      usage: [cloudWatchLogsKeyUse(this.account), ...keyUseThrough("NetworkFirewall", this.account, ["network-firewall"])],
      preventDestroy: keep,
    });
    this.hub = new EgressHub(this, "hub", {
      ...props.hub,
      namePrefix: props.name,
      logging: { account: this.account, kmsKeyArn: this.key.arn, retentionDays: props.logRetentionDays },
    });

    if (keep) protectFromDestroy(this.hub);

    const { hub } = this;
    new TerraformOutput(this, "transit_gateway_id", { description: "The hub's Transit Gateway: each spoke's network stack attaches to it", value: hub.gateway.transitGateway.id });
    new TerraformOutput(this, "resource_share_arn", { description: "The RAM share of the Transit Gateway (and DNS rule group)", value: hub.share.share.arn });
    new TerraformOutput(this, "dns_firewall_rule_group_id", { description: "The shared DNS Firewall rule group a spoke may associate", value: hub.dnsFirewall.ruleGroup.id });
    new TerraformOutput(this, "firewall_endpoint_ids", { description: "AZ name => Network Firewall endpoint ID, from the firewall's sync_states", value: hub.network.inspection.endpointIdsByAz.expression });
    new TerraformOutput(this, "nat_public_ips", { description: "Egress IPs per AZ of every spoke, for allowlists on the far side", value: hub.network.byAz((l) => l.natEip.publicIp) });
  }
}

/**
 * prevent_destroy on what the whole organisation's egress stands on: the gateway (every spoke's
 * attachment, route table and route dies with it), the inspection VPC's attachment (the spokes'
 * only way to the firewall), and every log group of the hub (firewall alert and flow logs, VPC flow
 * logs, DNS query logs: the egress record of every spoke). A moved construct, a changed
 * replace-forcing argument or a `destroy` would otherwise delete them in one apply. The key is
 * protected through its own prop. A spoke's own resources on the hub (accepter, association,
 * routes, allowlist group) stay unprotected: removing a spoke must still plan.
 */
function protectFromDestroy(hub: EgressHub): void {
  const logGroups = hub.node.findAll().filter((c): c is CloudwatchLogGroup => c instanceof CloudwatchLogGroup);
  for (const resource of [hub.gateway.transitGateway, hub.network.attachment, ...logGroups]) resource.lifecycle = { ...resource.lifecycle, preventDestroy: true };
}

/**
 * What an environment's network stack needs to be a spoke of a hub instead of having local egress
 * (SpokeNetwork in place of InspectedVpc, ServiceEndpoints and DnsFirewall): the config session
 * maps an environment's egress setting to this.
 */
export interface SpokeEgressProps {
  /** The hub's name (for messages and the hub's allowlist group names). Required. */
  readonly hubName: string;
  /** The hub's Transit Gateway ID (the hub stack's transit_gateway_id output). Required. */
  readonly transitGatewayId: string;
  /** The hub's shared DNS Firewall rule group ID, to associate instead of the spoke's own group. Default: the spoke's own. */
  readonly sharedDnsRuleGroupId?: string;
}
