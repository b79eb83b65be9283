/**
 * The SageMaker Studio stack of one environment. Thin composition: provider, the inspected
 * multi-AZ network, and outputs. (The Studio domain and its storage build on this network.)
 */
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import { domainAllowlistRuleGroupName, firewallName, firewallPolicyName, namePrefix } from "../modules/config/naming";
import { InspectedVpc } from "../modules/network";
import { awsProviderFor } from "./aws-provider";

export function studioStackName(env: Pick<EnvironmentConfig, "environment">): string {
  return `${env.environment}-studio`;
}

export class StudioStack extends TerraformStack {
  readonly network: InspectedVpc;

  constructor(scope: Construct, env: EnvironmentConfig) {
    super(scope, studioStackName(env));
    awsProviderFor(this, env, "studio");

    this.network = new InspectedVpc(this, "network", {
      namePrefix: namePrefix(env),
      vpcCidr: env.vpcCidr,
      lanes: env.lanes,
      firewall: {
        firewallName: firewallName(env),
        policyName: firewallPolicyName(env),
        allowlistRuleGroupName: domainAllowlistRuleGroupName(env),
        allowedDomains: env.firewall.allowedDomains,
        allowlistCapacity: env.firewall.ruleGroupCapacity,
      },
    });

    networkOutputs(this, this.network);
  }
}

/** Outputs every stack built on the inspected network exposes, all keyed by AZ name. */
export function networkOutputs(scope: Construct, network: InspectedVpc): void {
  new TerraformOutput(scope, "vpc_id", { value: network.vpc.id });
  new TerraformOutput(scope, "firewall_arn", { value: network.inspection.firewall.arn });
  new TerraformOutput(scope, "firewall_endpoint_ids", {
    description: "AZ name => Network Firewall endpoint ID, from the firewall's sync_states",
    value: network.inspection.endpointIdsByAz.expression,
  });
  new TerraformOutput(scope, "workload_subnet_ids", { value: network.byAz((l) => l.workload.subnet.id) });
  new TerraformOutput(scope, "nat_gateway_ids", { value: network.byAz((l) => l.natGateway.id) });
  new TerraformOutput(scope, "nat_public_ips", {
    description: "Egress IPs per AZ, for allowlists on the far side",
    value: network.byAz((l) => l.natEip.publicIp),
  });
}
