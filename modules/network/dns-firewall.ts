/**
 * Route 53 Resolver DNS Firewall on a VPC: the workloads may resolve only allowlisted names.
 *
 * Why: queries to the VPC resolver (the .2 address) are resolved recursively by AWS. No firewall
 * endpoint, security group or flow log sees them, so without this a notebook can send data out
 * in DNS queries to a name server its owner controls (DNS tunnelling), whatever Network Firewall
 * allows.
 *
 * - One rule group, two rules: ALLOW the allowed names (priority 100), then BLOCK everything else
 *   ("*") with NXDOMAIN (priority 200), or only ALERT on it in `alert` mode, for rollout.
 * - The ALLOW rule trusts redirection: an allowed name's CNAME chain (pypi.org's CDN, the VPC
 *   endpoints' regional names) resolves without listing every CDN name, and only the owner of the
 *   allowed name controls where it points.
 * - Fails closed: if DNS Firewall cannot evaluate a query (service impairment) the query is
 *   blocked (`firewall_fail_open = DISABLED`, the resolver firewall config of the VPC).
 * - The association is mutation-protected (optional, on by default): nobody can detach or
 *   re-prioritise it without first turning protection off, which is a visible, separate change.
 * - Every query is logged (Resolver query logging) to a KMS-encrypted CloudWatch log group.
 *
 * Names the VPC's own resolution needs are passed in by the caller (the interface endpoints'
 * private DNS names as AWS reports them, S3 names, EC2 internal names): see the network stack.
 */
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Route53ResolverFirewallConfig } from "@cdktf/provider-aws/lib/route53-resolver-firewall-config";
import { Route53ResolverFirewallDomainList } from "@cdktf/provider-aws/lib/route53-resolver-firewall-domain-list";
import { Route53ResolverFirewallRule } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule";
import { Route53ResolverFirewallRuleGroup } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule-group";
import { Route53ResolverFirewallRuleGroupAssociation } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule-group-association";
import { Route53ResolverQueryLogConfig } from "@cdktf/provider-aws/lib/route53-resolver-query-log-config";
import { Route53ResolverQueryLogConfigAssociation } from "@cdktf/provider-aws/lib/route53-resolver-query-log-config-association";
import { encryptedLogGroup, LogSettings } from "../logging/encrypted-log-group";

/** `block`: names off the list get NXDOMAIN. `alert`: they resolve, and each query is flagged in the log. */
export type DnsFirewallMode = "block" | "alert";

export interface DnsFirewallProps {
  /** The VPC whose resolver is filtered. Required. */
  readonly vpcId: string;
  /** Prefix of every name (rule group, domain lists, association, query log config). Required. */
  readonly namePrefix: string;
  /**
   * Names the VPC may resolve, in DNS Firewall's form: "host.example.com" (that name) or
   * "*.example.com" (every name below example.com, not example.com itself). Known at synth.
   * Required (may be empty when `allowedDomainListsAtPlan` is not); dnsFirewallDomains converts
   * Network Firewall targets, vpcResolutionNames adds what the VPC's own resolution needs.
   */
  readonly allowedDomains: ReadonlyArray<string>;
  /**
   * More allowed names, known only at plan time (e.g. `private_dns_names` of
   * aws_vpc_endpoint_service data sources), as Terraform list tokens. Empty strings are dropped.
   * Default: none.
   */
  readonly allowedDomainListsAtPlan?: ReadonlyArray<string[]>;
  /**
   * `block` (names off the list get NXDOMAIN) or `alert` (they resolve and are flagged in the
   * query log: roll out in alert mode first, then block). Default `block`.
   */
  readonly mode?: DnsFirewallMode;
  /**
   * Protect the association from being detached or re-prioritised. Default true. Turn off (and
   * apply) before destroying the VPC.
   */
  readonly mutationProtection?: boolean;
  /** Priority of the rule group on the VPC, 100-9900; lower runs first. Default 101 (just after any rule group at 100). */
  readonly associationPriority?: number;
  /**
   * The query log group's key (required: queries name every host the workloads look up), retention
   * (default 365 days) and name (default `/aws/vendedlogs/route53resolver/<namePrefix>`).
   */
  readonly queryLog: DnsQueryLogSettings;
}

/** The DNS query log group: LogSettings plus its name. */
export interface DnsQueryLogSettings extends LogSettings {
  /** The log group's name. Default `/aws/vendedlogs/route53resolver/<namePrefix>` (vended logs, like the firewall's). */
  readonly logGroupName?: string;
}

/** Rule priorities inside the group: the allowlist, then everything else. */
export const DNS_ALLOW_PRIORITY = 100;
export const DNS_DEFAULT_PRIORITY = 200;

/**
 * Network Firewall domain targets to DNS Firewall domains: "host.example.com" stays;
 * ".example.com" (the domain and its subdomains) becomes "example.com" and "*.example.com".
 */
export function dnsFirewallDomains(networkFirewallTargets: ReadonlyArray<string>): string[] {
  const out = networkFirewallTargets.flatMap((d) => (d.startsWith(".") ? [d.slice(1), `*${d}`] : [d]));
  return [...new Set(out)];
}

/**
 * Names a VPC's own resolution needs beyond the interface endpoints' private DNS names (which the
 * caller takes from AWS at plan time):
 * - S3 through the gateway endpoint: the regional endpoint, virtual-hosted bucket names (also
 *   dual-stack), and the legacy global names some SDKs still use (the endpoint policy, not DNS,
 *   limits which buckets);
 * - EC2's internal host names (`ip-10-0-0-1.ec2.internal` in us-east-1,
 *   `ip-10-0-0-1.<region>.compute.internal` elsewhere), which the instances' own tooling resolves;
 * - with `amazonLinuxRepositories`: the Amazon Linux 2 yum mirror list host
 *   (`amazonlinux.<region>.amazonaws.com`, an S3-hosted name; its mirrors are dual-stack S3 names).
 * `dnsSuffix` is the partition's ("amazonaws.com").
 */
export function vpcResolutionNames(region: string, options: { amazonLinuxRepositories?: boolean; dnsSuffix?: string } = {}): string[] {
  const dnsSuffix = options.dnsSuffix ?? "amazonaws.com";
  const internal = region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`;
  return [
    `s3.${region}.${dnsSuffix}`,
    `*.s3.${region}.${dnsSuffix}`,
    `s3.dualstack.${region}.${dnsSuffix}`,
    `*.s3.dualstack.${region}.${dnsSuffix}`,
    `s3.${dnsSuffix}`,
    `*.s3.${dnsSuffix}`,
    internal,
    `*.${internal}`,
    ...(options.amazonLinuxRepositories ? [`amazonlinux.${region}.${dnsSuffix}`] : []),
  ];
}

export class DnsFirewall extends Construct {
  readonly allowed: Route53ResolverFirewallDomainList;
  readonly everything: Route53ResolverFirewallDomainList;
  readonly ruleGroup: Route53ResolverFirewallRuleGroup;
  readonly allowRule: Route53ResolverFirewallRule;
  readonly defaultRule: Route53ResolverFirewallRule;
  readonly association: Route53ResolverFirewallRuleGroupAssociation;
  readonly config: Route53ResolverFirewallConfig;
  readonly queryLogGroup: CloudwatchLogGroup;
  readonly queryLogConfig: Route53ResolverQueryLogConfig;

  constructor(scope: Construct, id: string, props: DnsFirewallProps) {
    super(scope, id);
    const mode = props.mode ?? "block";
    const priority = props.associationPriority ?? 101;
    if (!Number.isInteger(priority) || priority < 100 || priority > 9900) throw new Error(`associationPriority must be an integer from 100 to 9900, got ${priority}`);
    if (props.allowedDomains.length === 0 && !props.allowedDomainListsAtPlan?.length) throw new Error("a DNS firewall needs at least one allowed domain");

    const atPlan = props.allowedDomainListsAtPlan ?? [];
    const domains = atPlan.length === 0 ? [...props.allowedDomains] : Fn.distinct(Fn.compact(Fn.concat([[...props.allowedDomains], ...atPlan])));
    this.allowed = new Route53ResolverFirewallDomainList(this, "allowed", { name: `${props.namePrefix}-allowed`, domains });
    this.everything = new Route53ResolverFirewallDomainList(this, "everything", { name: `${props.namePrefix}-everything`, domains: ["*"] });

    this.ruleGroup = new Route53ResolverFirewallRuleGroup(this, "rule-group", { name: `${props.namePrefix}-dns-allowlist` });
    this.allowRule = new Route53ResolverFirewallRule(this, "allow", {
      name: "allow-listed",
      firewallRuleGroupId: this.ruleGroup.id,
      firewallDomainListId: this.allowed.id,
      priority: DNS_ALLOW_PRIORITY,
      action: "ALLOW",
      firewallDomainRedirectionAction: "TRUST_REDIRECTION_DOMAIN",
    });
    this.defaultRule = new Route53ResolverFirewallRule(this, "default", {
      name: mode === "block" ? "block-everything-else" : "alert-everything-else",
      firewallRuleGroupId: this.ruleGroup.id,
      firewallDomainListId: this.everything.id,
      priority: DNS_DEFAULT_PRIORITY,
      ...(mode === "block" ? { action: "BLOCK", blockResponse: "NXDOMAIN" } : { action: "ALERT" }),
    });
    this.association = new Route53ResolverFirewallRuleGroupAssociation(this, "association", {
      name: `${props.namePrefix}-dns-allowlist`,
      firewallRuleGroupId: this.ruleGroup.id,
      vpcId: props.vpcId,
      priority,
      mutationProtection: props.mutationProtection === false ? "DISABLED" : "ENABLED",
      // The rules must exist before queries are filtered, or the VPC would briefly resolve nothing
      // (block) or everything (no rule yet).
      dependsOn: [this.allowRule, this.defaultRule],
    });
    this.config = new Route53ResolverFirewallConfig(this, "config", { resourceId: props.vpcId, firewallFailOpen: "DISABLED" });

    this.queryLogGroup = encryptedLogGroup(this, "query-log-group", props.queryLog.logGroupName ?? `/aws/vendedlogs/route53resolver/${props.namePrefix}`, props.queryLog);
    this.queryLogConfig = new Route53ResolverQueryLogConfig(this, "query-log", {
      name: `${props.namePrefix}-dns-queries`,
      destinationArn: this.queryLogGroup.arn,
    });
    new Route53ResolverQueryLogConfigAssociation(this, "query-log-association", {
      resolverQueryLogConfigId: this.queryLogConfig.id,
      resourceId: props.vpcId,
    });
  }
}
