/**
 * AWS Network Firewall for the inspected VPC: one firewall with one endpoint per AZ, its policy,
 * the domain allowlist rule group, optional Suricata rules, encryption with a customer key, and
 * alert and flow logs to encrypted CloudWatch log groups.
 *
 * The AZ -> endpoint ID map is plain Terraform over the firewall's own attribute
 *   { for s in firewall_status[0].sync_states : s.availability_zone => s.attachment[0].endpoint_id }
 * AWS returns sync_states (and the EndpointIds the seed solution indexed by position) in no
 * particular order, so routes must look endpoints up by AZ name, never by position. No custom
 * resource, Lambda or SDK call is needed.
 *
 * Policy: every packet goes to the stateful engine (fragments too; the seed passed them), which
 * evaluates rule groups in STRICT_ORDER: the user's Suricata rules first, then the allowlist, and
 * finally drops (and alerts on) every established flow nothing passed. The TCP handshake itself is
 * let through so the engine can see the TLS SNI / HTTP Host it filters on.
 */
import { Construct } from "constructs";
import { TerraformIterator, TerraformLocal, Token, propertyAccess } from "cdktf";
import { NetworkfirewallFirewall } from "@cdktf/provider-aws/lib/networkfirewall-firewall";
import { NetworkfirewallFirewallPolicy } from "@cdktf/provider-aws/lib/networkfirewall-firewall-policy";
import { NetworkfirewallLoggingConfiguration } from "@cdktf/provider-aws/lib/networkfirewall-logging-configuration";
import { NetworkfirewallRuleGroup, NetworkfirewallRuleGroupRuleGroupRulesSource } from "@cdktf/provider-aws/lib/networkfirewall-rule-group";
import { encryptedLogGroup, LogSettings } from "../logging/encrypted-log-group";

export interface FirewallProtection {
  readonly deleteProtection: boolean;
  readonly policyChangeProtection: boolean;
  readonly subnetChangeProtection: boolean;
}

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
  /** Extra rules in Suricata format, evaluated before the allowlist. */
  readonly suricata?: { readonly ruleGroupName: string; readonly rules: string; readonly capacity: number };
  readonly protection: FirewallProtection;
  /** Customer key for the firewall, policy and rule groups. */
  readonly kmsKeyArn: string;
  /** Where the alert and flow log groups go ("<prefix>/alert", "<prefix>/flow"). */
  readonly logGroupPrefix: string;
  readonly logs: LogSettings;
}

/** Rule group priorities in the strict-order policy: user rules before the allowlist. */
const SURICATA_PRIORITY = 100;
const ALLOWLIST_PRIORITY = 200;

export class InspectionFirewall extends Construct {
  readonly firewall: NetworkfirewallFirewall;
  readonly policy: NetworkfirewallFirewallPolicy;
  readonly allowlist: NetworkfirewallRuleGroup;
  readonly suricata?: NetworkfirewallRuleGroup;
  readonly logging: NetworkfirewallLoggingConfiguration;
  /** Terraform map expression: AZ name => firewall endpoint ID. */
  readonly endpointIdsByAz: TerraformLocal;
  private readonly azs: ReadonlySet<string>;

  constructor(scope: Construct, id: string, props: InspectionFirewallProps) {
    super(scope, id);
    this.azs = new Set(Object.keys(props.subnetIdsByAz));
    const encryptionConfiguration = { type: "CUSTOMER_KMS", keyId: props.kmsKeyArn };
    /** A strict-order stateful group with HOME_NET set; the groups differ only in their rules. */
    const statefulGroup = (ruleGroupId: string, name: string, description: string, capacity: number, rulesSource: NetworkfirewallRuleGroupRuleGroupRulesSource) =>
      new NetworkfirewallRuleGroup(this, ruleGroupId, {
        name,
        description,
        type: "STATEFUL",
        capacity,
        encryptionConfiguration,
        ruleGroup: {
          ruleVariables: { ipSets: [{ key: "HOME_NET", ipSet: { definition: [...props.homeNet] } }] },
          rulesSource,
          statefulRuleOptions: { ruleOrder: "STRICT_ORDER" },
        },
      });

    this.allowlist = statefulGroup(
      "domain-allowlist",
      props.allowlistRuleGroupName,
      "Domains the workloads may reach over HTTP (Host header) and HTTPS (TLS SNI)",
      props.allowlistCapacity,
      { rulesSourceList: { generatedRulesType: "ALLOWLIST", targetTypes: ["HTTP_HOST", "TLS_SNI"], targets: [...props.allowedDomains] } },
    );
    if (props.suricata) {
      this.suricata = statefulGroup(
        "suricata-rules",
        props.suricata.ruleGroupName,
        "User-supplied Suricata rules, evaluated before the domain allowlist",
        props.suricata.capacity,
        { rulesString: props.suricata.rules },
      );
    }

    const references = [
      ...(this.suricata ? [{ resourceArn: this.suricata.arn, priority: SURICATA_PRIORITY }] : []),
      { resourceArn: this.allowlist.arn, priority: ALLOWLIST_PRIORITY },
    ];
    this.policy = new NetworkfirewallFirewallPolicy(this, "policy", {
      name: props.policyName,
      description: "All traffic to the stateful engine; strict order; drop established flows nothing allowed",
      encryptionConfiguration,
      firewallPolicy: {
        statelessDefaultActions: ["aws:forward_to_sfe"],
        statelessFragmentDefaultActions: ["aws:forward_to_sfe"],
        statefulEngineOptions: { ruleOrder: "STRICT_ORDER", streamExceptionPolicy: "DROP" },
        statefulDefaultActions: ["aws:drop_established", "aws:alert_established"],
        statefulRuleGroupReference: references,
      },
    });

    this.firewall = new NetworkfirewallFirewall(this, "firewall", {
      name: props.firewallName,
      description: "Inspects all internet traffic of the VPC, one endpoint per AZ",
      vpcId: props.vpcId,
      firewallPolicyArn: this.policy.arn,
      encryptionConfiguration,
      deleteProtection: props.protection.deleteProtection,
      firewallPolicyChangeProtection: props.protection.policyChangeProtection,
      subnetChangeProtection: props.protection.subnetChangeProtection,
      // subnet_mapping is a set: adding or removing an AZ is an in-place update of the firewall.
      subnetMapping: Object.values(props.subnetIdsByAz).map((subnetId) => ({ subnetId })),
    });

    const logGroups = (["alert", "flow"] as const).map((type) => ({
      type,
      group: encryptedLogGroup(this, `${type}-log-group`, `${props.logGroupPrefix}/${type}`, props.logs),
    }));
    this.logging = new NetworkfirewallLoggingConfiguration(this, "logging", {
      firewallArn: this.firewall.arn,
      loggingConfiguration: {
        logDestinationConfig: logGroups.map(({ type, group }) => ({
          logType: type.toUpperCase(),
          logDestinationType: "CloudWatchLogs",
          logDestination: { logGroup: group.name },
        })),
      },
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
