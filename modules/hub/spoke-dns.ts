/**
 * DNS Firewall of a hub spoke that uses the hub's shared rule group (shared through RAM) instead of
 * a rule group of its own (DnsFirewall). The shared group allows the hub's shared names and blocks
 * (or alerts on) everything else; names only this spoke needs (its interface endpoints' private DNS
 * names, its notebook's UI name, its allowlist in DNS form) are allowed by this spoke's own ALLOW
 * group, associated just before it. As with DnsFirewall: fails closed, every query logged to an
 * encrypted log group, the shared group's association mutation-protected by default.
 *
 * Priorities: a workload stack's DnsAllowance (100, DNS_WORKLOAD_ALLOW_PRIORITY) first, then this
 * spoke's names (101, where a local-egress network's group is), then the shared group (102).
 * DNS Firewall runs a VPC's groups from the lowest priority up and an ALLOW ends the evaluation
 * (Route 53 Developer Guide, "How Route 53 Resolver DNS Firewall works").
 */
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Route53ResolverFirewallConfig } from "@cdktf/provider-aws/lib/route53-resolver-firewall-config";
import { Route53ResolverFirewallDomainList } from "@cdktf/provider-aws/lib/route53-resolver-firewall-domain-list";
import { Route53ResolverFirewallRule } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule";
import { Route53ResolverFirewallRuleGroup } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule-group";
import { Route53ResolverFirewallRuleGroupAssociation } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule-group-association";
import { allowedDomainsOf, allowGroup, DNS_FIREWALL_ASSOCIATION_PRIORITY, DnsQueryLogSettings, failClosedWithQueryLog } from "../network/dns-firewall";

/** This spoke's own ALLOW group: where a local-egress network's group sits. */
export const SPOKE_DNS_ALLOW_PRIORITY = DNS_FIREWALL_ASSOCIATION_PRIORITY;
/** The hub's shared group (its last rule blocks everything else): after the spoke's own names. */
export const SHARED_DNS_GROUP_PRIORITY = DNS_FIREWALL_ASSOCIATION_PRIORITY + 1;

export interface SpokeDnsFirewallProps {
  /** The spoke VPC. Required. */
  readonly vpcId: string;
  /** Prefix of the names (domain list, rule group, associations, query log). Required. */
  readonly namePrefix: string;
  /** The hub's shared DNS Firewall rule group ID (EgressHub.dnsFirewall.ruleGroup.id, shared through RAM). Required. */
  readonly sharedRuleGroupId: string;
  /** Names only this spoke resolves, DNS Firewall's form, known at synth. Required (may be empty when `allowedDomainListsAtPlan` is not). */
  readonly allowedDomains: ReadonlyArray<string>;
  /** More names known at plan time (the endpoint services' private_dns_names), as list tokens. Default none. */
  readonly allowedDomainListsAtPlan?: ReadonlyArray<string[]>;
  /** Protect the shared group's association from detachment. Default true. */
  readonly mutationProtection?: boolean;
  /** The query log's key, retention and name (default `/aws/vendedlogs/route53resolver/<namePrefix>`). Required. */
  readonly queryLog: DnsQueryLogSettings;
}

export class SpokeDnsFirewall extends Construct {
  readonly allowed: Route53ResolverFirewallDomainList;
  readonly ruleGroup: Route53ResolverFirewallRuleGroup;
  readonly allowRule: Route53ResolverFirewallRule;
  readonly ownAssociation: Route53ResolverFirewallRuleGroupAssociation;
  readonly sharedAssociation: Route53ResolverFirewallRuleGroupAssociation;
  readonly config: Route53ResolverFirewallConfig;
  readonly queryLogGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: SpokeDnsFirewallProps) {
    super(scope, id);
    if (props.allowedDomains.length === 0 && !props.allowedDomainListsAtPlan?.length) throw new Error("SpokeDnsFirewall: the spoke's own names are empty (its interface endpoints at least)");
    // The same names and addresses as a local-egress network's group (DnsFirewall), without its blocking rule.
    const allow = allowGroup(this, "allowed", { list: `${props.namePrefix}-allowed`, group: `${props.namePrefix}-dns-allowlist` }, allowedDomainsOf(props.allowedDomains, props.allowedDomainListsAtPlan));
    this.allowed = allow.domainList;
    this.ruleGroup = allow.ruleGroup;
    this.allowRule = allow.rule;
    this.ownAssociation = new Route53ResolverFirewallRuleGroupAssociation(this, "association", {
      name: `${props.namePrefix}-dns-allowlist`,
      firewallRuleGroupId: this.ruleGroup.id,
      vpcId: props.vpcId,
      priority: SPOKE_DNS_ALLOW_PRIORITY,
      mutationProtection: "DISABLED",
      dependsOn: [this.allowRule],
    });
    this.sharedAssociation = new Route53ResolverFirewallRuleGroupAssociation(this, "shared-association", {
      name: `${props.namePrefix}-dns-shared`,
      firewallRuleGroupId: props.sharedRuleGroupId,
      vpcId: props.vpcId,
      priority: SHARED_DNS_GROUP_PRIORITY,
      mutationProtection: props.mutationProtection === false ? "DISABLED" : "ENABLED",
      // The spoke's own names first, or the shared group would block them for a moment.
      dependsOn: [this.ownAssociation],
    });
    ({ config: this.config, queryLogGroup: this.queryLogGroup } = failClosedWithQueryLog(this, props.vpcId, props.namePrefix, props.queryLog));
  }
}
