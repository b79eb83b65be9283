/** The pieces every stack of this project shares: the inspected network from config, and its outputs. */
import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import {
  domainAllowlistRuleGroupName,
  firewallLogGroupPrefix,
  firewallName,
  firewallPolicyName,
  flowLogGroupName,
  flowLogRoleName,
  StackKind,
  stackPrefix,
  suricataRuleGroupName,
} from "../modules/config/naming";
import { AwsAccount } from "../modules/aws";
import { InspectedVpc } from "../modules/network";

/** The inspected network from config; `kmsKeyArn` encrypts the firewall and the network's logs. */
export function inspectedNetwork(scope: Construct, env: EnvironmentConfig, kind: StackKind, account: AwsAccount, kmsKeyArn: string): InspectedVpc {
  const fw = env.firewall;
  return new InspectedVpc(scope, "network", {
    namePrefix: stackPrefix(env, kind),
    vpcCidr: env.vpcCidr,
    lanes: env.lanes,
    firewall: {
      firewallName: firewallName(env, kind),
      policyName: firewallPolicyName(env, kind),
      allowlistRuleGroupName: domainAllowlistRuleGroupName(env, kind),
      allowedDomains: fw.allowedDomains,
      allowlistCapacity: fw.ruleGroupCapacity,
      suricata:
        fw.suricataRules === undefined
          ? undefined
          : { ruleGroupName: suricataRuleGroupName(env, kind), rules: fw.suricataRules, capacity: fw.suricataRuleGroupCapacity },
      protection: {
        deleteProtection: fw.deleteProtection,
        policyChangeProtection: fw.policyChangeProtection,
        subnetChangeProtection: fw.subnetChangeProtection,
      },
    },
    logging: {
      account,
      kmsKeyArn,
      retentionDays: env.logging.retentionDays,
      firewallLogGroupPrefix: firewallLogGroupPrefix(env, kind),
      flowLogGroupName: flowLogGroupName(env, kind),
      flowLogRoleName: flowLogRoleName(env, kind),
    },
  });
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
  new TerraformOutput(scope, "subnet_cidrs", { value: network.byAz((l) => l.cidrs) });
  new TerraformOutput(scope, "igw_edge_route_table_id", { value: network.edgeRouteTable.id });
  new TerraformOutput(scope, "nat_gateway_ids", { value: network.byAz((l) => l.natGateway.id) });
  new TerraformOutput(scope, "nat_public_ips", {
    description: "Egress IPs per AZ, for allowlists on the far side",
    value: network.byAz((l) => l.natEip.publicIp),
  });
}
