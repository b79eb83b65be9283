/**
 * AWS Network Firewall for the inspected VPC: one firewall with one endpoint per AZ, its policy,
 * and the domain allowlist rule group.
 *
 * The AZ -> endpoint ID map is plain Terraform over the firewall's own attribute
 *   { for s in firewall_status[0].sync_states : s.availability_zone => s.attachment[0].endpoint_id }
 * AWS returns sync_states (and the EndpointIds the seed solution indexed by position) in no
 * particular order, so routes must look endpoints up by AZ name, never by position. No custom
 * resource, Lambda or SDK call is needed.
 */
import { Construct } from "constructs";
import { TerraformIterator, TerraformLocal, Token, propertyAccess } from "cdktf";
import { NetworkfirewallFirewall } from "@cdktf/provider-aws/lib/networkfirewall-firewall";
import { NetworkfirewallFirewallPolicy } from "@cdktf/provider-aws/lib/networkfirewall-firewall-policy";
import { NetworkfirewallRuleGroup } from "@cdktf/provider-aws/lib/networkfirewall-rule-group";

export interface InspectionFirewallProps {
  readonly firewallName: string;
  readonly policyName: string;
  readonly allowlistRuleGroupName: string;
  readonly vpcId: string;
  /** Firewall subnet ID per AZ name: one endpoint is created in each. */
  readonly subnetIdsByAz: Readonly<Record<string, string>>;
  /** HOME_NET for the stateful rules: the traffic the allowlist applies to (the VPC CIDR). */
  readonly homeNet: ReadonlyArray<string>;
  readonly allowedDomains: ReadonlyArray<string>;
  readonly allowlistCapacity: number;
}

export class InspectionFirewall extends Construct {
  readonly firewall: NetworkfirewallFirewall;
  readonly policy: NetworkfirewallFirewallPolicy;
  readonly allowlist: NetworkfirewallRuleGroup;
  /** Terraform map expression: AZ name => firewall endpoint ID. */
  readonly endpointIdsByAz: TerraformLocal;
  private readonly azs: ReadonlySet<string>;

  constructor(scope: Construct, id: string, props: InspectionFirewallProps) {
    super(scope, id);
    this.azs = new Set(Object.keys(props.subnetIdsByAz));

    this.allowlist = new NetworkfirewallRuleGroup(this, "domain-allowlist", {
      name: props.allowlistRuleGroupName,
      description: "Domains the workloads may reach over HTTP (Host header) and HTTPS (TLS SNI)",
      type: "STATEFUL",
      capacity: props.allowlistCapacity,
      ruleGroup: {
        ruleVariables: { ipSets: [{ key: "HOME_NET", ipSet: { definition: [...props.homeNet] } }] },
        rulesSource: {
          rulesSourceList: {
            generatedRulesType: "ALLOWLIST",
            targetTypes: ["HTTP_HOST", "TLS_SNI"],
            targets: [...props.allowedDomains],
          },
        },
      },
    });

    this.policy = new NetworkfirewallFirewallPolicy(this, "policy", {
      name: props.policyName,
      description: "Send all traffic to the stateful engine, which allows only the domain allowlist",
      firewallPolicy: {
        // Fragments too: the seed passed them uninspected ("aws:pass"), a hole in the allowlist.
        statelessDefaultActions: ["aws:forward_to_sfe"],
        statelessFragmentDefaultActions: ["aws:forward_to_sfe"],
        statefulRuleGroupReference: [{ resourceArn: this.allowlist.arn }],
      },
    });

    this.firewall = new NetworkfirewallFirewall(this, "firewall", {
      name: props.firewallName,
      description: "Inspects all internet traffic of the VPC, one endpoint per AZ",
      vpcId: props.vpcId,
      firewallPolicyArn: this.policy.arn,
      // subnet_mapping is a set: adding or removing an AZ is an in-place update of the firewall.
      subnetMapping: Object.values(props.subnetIdsByAz).map((subnetId) => ({ subnetId })),
    });

    this.endpointIdsByAz = new TerraformLocal(
      this,
      "endpoint-ids-by-az",
      TerraformIterator.fromList(this.firewall.firewallStatus.get(0).syncStates).forExpressionForMap(
        "val.availability_zone",
        "val.attachment[0].endpoint_id",
      ),
    );
  }

  /** `local.<map>["<az>"]`: fails the plan loudly (no silent null route) if AWS has no endpoint there. */
  endpointId(az: string): string {
    if (!this.azs.has(az)) throw new Error(`the firewall has no subnet mapping in ${az}`);
    return Token.asString(propertyAccess(this.endpointIdsByAz.expression, [az]));
  }
}
