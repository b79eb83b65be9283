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
 * private DNS names as AWS reports them, and vpcResolutionNameSources: S3, EC2 internal names,
 * each with its source): see the network stack. Names only a workload stack knows (a Studio
 * domain's ID) are allowed by that stack's own DnsAllowance group, which runs first.
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

/**
 * The config's default mode (dnsFirewall.mode): block, so DNS tunnelling is closed unless someone
 * chooses otherwise, and an environment deployed in block mode never turns to alert on an upgrade.
 * The names below are what AWS documents, not what a deployed SageMaker was seen to resolve; in
 * block mode a missing one fails Studio apps, jobs or yum with NXDOMAIN, in alert mode it is one
 * ALERT line in the query log: a new platform may start in alert mode (docs/egress-perimeter.md,
 * DNS rollout), which leaves DNS tunnelling open (Network Firewall refuses every connection off the
 * allowlist either way) and says so at every synth.
 */
export const DEFAULT_DNS_FIREWALL_MODE: DnsFirewallMode = "block";

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
   * query log: roll out in alert mode first, then block). Default `block` (the config's default is
   * DEFAULT_DNS_FIREWALL_MODE, alert, for rollout).
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

/** The association priority of the network's rule group (the allowlist, then block or alert). */
export const DNS_FIREWALL_ASSOCIATION_PRIORITY = 101;
/**
 * The association priority of a workload's own ALLOW group (DnsAllowance): before the network's
 * group, whose last rule blocks every other name. DNS Firewall runs a VPC's groups from the lowest
 * priority up and an ALLOW ends the evaluation (Route 53 Developer Guide, "How Route 53 Resolver
 * DNS Firewall works"; rule actions).
 */
export const DNS_WORKLOAD_ALLOW_PRIORITY = 100;

/** A name the DNS firewall allows, why, and where AWS (or the client) documents it. */
export interface SourcedName {
  /** In DNS Firewall's form: "host.example.com" or "*.example.com". */
  readonly name: string;
  readonly why: string;
  readonly source: string;
}

/**
 * Network Firewall domain targets to DNS Firewall domains: "host.example.com" stays;
 * ".example.com" (the domain and its subdomains) becomes "example.com" and "*.example.com".
 */
export function dnsFirewallDomains(networkFirewallTargets: ReadonlyArray<string>): string[] {
  const out = networkFirewallTargets.flatMap((d) => (d.startsWith(".") ? [d.slice(1), `*${d}`] : [d]));
  return [...new Set(out)];
}

/**
 * Names a VPC's own resolution needs beyond the allowlist and the interface endpoints' private DNS
 * names (which the caller takes from AWS at plan time: aws_vpc_endpoint_service.private_dns_names,
 * AWS PrivateLink Guide, "Access an AWS service using an interface VPC endpoint", private DNS),
 * each with its source. Only names a connection from the VPC can use are here: an AWS name that
 * no endpoint serves (sts.amazonaws.com, Amazon Q's codewhisperer.<region>.amazonaws.com, ...)
 * would go out through NAT, where Network Firewall refuses it, so resolving it only changes the
 * error. `dnsSuffix` is the partition's ("amazonaws.com").
 * - `amazonLinuxRepositories`: notebook instances (Amazon Linux 2) run yum against the regional
 *   repositories in S3;
 * - `studioHomeEfs`: Studio mounts the domain's home EFS, whose mount targets are in the VPC.
 */
export function vpcResolutionNameSources(
  region: string,
  options: { amazonLinuxRepositories?: boolean; studioHomeEfs?: boolean; dnsSuffix?: string } = {},
): SourcedName[] {
  const sfx = options.dnsSuffix ?? "amazonaws.com";
  const internal = region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`;
  const s3Hosting = 'Amazon S3 User Guide, "Virtual hosting of buckets" (bucket.s3.<region>.amazonaws.com) and "Regional and Zonal endpoints"';
  const s3Why = "S3 through the gateway endpoint (which serves S3's public names; its policy, not DNS, limits the buckets): data, models, job channels, ECR image layers";
  return [
    { name: `s3.${region}.${sfx}`, why: s3Why, source: s3Hosting },
    { name: `*.s3.${region}.${sfx}`, why: `${s3Why} (virtual-hosted bucket names, e.g. ECR's prod-${region}-starport-layer-bucket)`, source: `${s3Hosting}; Amazon ECR User Guide, "Amazon ECR interface VPC endpoints" (the S3 gateway endpoint and the layer bucket)` },
    { name: `s3.dualstack.${region}.${sfx}`, why: "S3 dual-stack names, which SDKs configured for dual-stack and the Amazon Linux repositories use", source: 'Amazon S3 User Guide, "Using Amazon S3 dual-stack endpoints"' },
    { name: `*.s3.dualstack.${region}.${sfx}`, why: "virtual-hosted dual-stack bucket names (Amazon Linux 2's mirrors: amazonlinux-2-repos-<region>.s3.dualstack.<region>.amazonaws.com)", source: 'Amazon S3 User Guide, "Using Amazon S3 dual-stack endpoints"' },
    { name: `s3.${sfx}`, why: "S3's legacy global name, which tools without a region still use (served by the gateway endpoint in us-east-1 only; elsewhere refused at the firewall)", source: 'Amazon S3 User Guide, "Virtual hosting of buckets" (legacy global endpoint)' },
    { name: `*.s3.${sfx}`, why: "legacy global virtual-hosted bucket names (bucket.s3.amazonaws.com)", source: 'Amazon S3 User Guide, "Virtual hosting of buckets" (legacy global endpoint)' },
    { name: internal, why: "EC2's internal domain of the region", source: 'Amazon EC2 User Guide, "Amazon EC2 instance hostname types" (ip-<address>.ec2.internal in us-east-1, ip-<address>.<region>.compute.internal elsewhere)' },
    { name: `*.${internal}`, why: "instances' and ENIs' own host names, which notebook instances and job containers resolve (hostname -f, distributed training peers)", source: 'Amazon EC2 User Guide, "Amazon EC2 instance hostname types"' },
    ...(options.amazonLinuxRepositories
      ? [{ name: `amazonlinux.${region}.${sfx}`, why: "Amazon Linux 2's yum mirror list host (notebook instances); the mirrors are dual-stack S3 names", source: 'AWS re:Post Knowledge Center, "How do I update yum or install packages without internet access on my EC2 instances running Amazon Linux 2?" (S3 gateway endpoint, amazonlinux.<region>.amazonaws.com)' }]
      : []),
    ...(options.studioHomeEfs
      ? [{ name: `*.efs.${region}.${sfx}`, why: "the Studio domain's home EFS (mounted at ~/user-default-efs), reached by its mount targets in the workload subnets", source: 'Amazon EFS User Guide, "Mounting EFS file systems using DNS names" (file-system-id.efs.<region>.amazonaws.com, <az>.file-system-id.efs.<region>.amazonaws.com); SageMaker AI Developer Guide, EFS auto-mounting in Studio' }]
      : []),
  ];
}

/** The names of vpcResolutionNameSources, each once. */
export function vpcResolutionNames(region: string, options: { amazonLinuxRepositories?: boolean; studioHomeEfs?: boolean; dnsSuffix?: string } = {}): string[] {
  return [...new Set(vpcResolutionNameSources(region, options).map((n) => n.name))];
}

/**
 * The names under which a Studio domain's UI is served, for the DNS firewall when the `studio`
 * interface endpoint (private DNS for *.studio.<region>.sagemaker.aws) exists. `domainId` may be a
 * Terraform token. Not covered: a space's own address (DescribeSpace's Url), which carries a
 * per-space identifier instead of the domain ID, so it cannot be allowed by this domain's name.
 */
export function studioUiNames(domainId: string, region: string): SourcedName[] {
  return [
    {
      name: `${domainId}.studio.${region}.sagemaker.aws`,
      why: "the domain's Studio address (Studio Classic, the presigned URL's host)",
      source: 'SageMaker AI Developer Guide, "Connect to Studio through an interface VPC endpoint" (CreatePresignedDomainUrl returns https://<domain-id>.studio.<region>.sagemaker.aws/auth?token=...)',
    },
    {
      name: `studio-${domainId}.studio.${region}.sagemaker.aws`,
      why: "the domain's Studio (new Studio UI) address",
      source: "aws/sagemaker-python-sdk v3, sagemaker-train common_utils/metrics_visualizer.py, get_studio_url (https://studio-{domain_id}.studio.{region}.sagemaker.aws/...)",
    },
  ];
}

/**
 * The name under which a notebook instance's Jupyter is served, for the DNS firewall when the
 * `notebook` interface endpoint exists: the instance name, lowercased, as DescribeNotebookInstance's
 * Url shows it.
 */
export function notebookUiNames(instanceName: string, region: string): SourcedName[] {
  return [
    {
      name: `${instanceName.toLowerCase()}.notebook.${region}.sagemaker.aws`,
      why: "the notebook instance's Jupyter address",
      source:
        'SageMaker AI Developer Guide, "Connect to a notebook instance through a VPC interface endpoint" (DescribeNotebookInstance Url "mynotebookinstance.notebook.us-west-2.sagemaker.aws" for myNotebookInstance)',
    },
  ];
}

/** A domain list, a rule group and the group's one ALLOW rule for that list (allowGroup). */
export interface AllowGroup {
  readonly domainList: Route53ResolverFirewallDomainList;
  readonly ruleGroup: Route53ResolverFirewallRuleGroup;
  readonly rule: Route53ResolverFirewallRule;
}

/**
 * The ALLOW half every DNS Firewall group here shares (DnsFirewall, DnsAllowance, a hub spoke's
 * SpokeDnsFirewall): `domains` in a list `listId` named `listName`, a rule group `groupName` whose
 * rule "allow-listed" (DNS_ALLOW_PRIORITY) allows the list. Created in `scope` under the IDs
 * `listId`, "rule-group" and "allow", so callers keep their Terraform addresses.
 */
export function allowGroup(scope: Construct, listId: string, names: { readonly list: string; readonly group: string }, domains: string[]): AllowGroup {
  const domainList = new Route53ResolverFirewallDomainList(scope, listId, { name: names.list, domains });
  const ruleGroup = new Route53ResolverFirewallRuleGroup(scope, "rule-group", { name: names.group });
  const rule = new Route53ResolverFirewallRule(scope, "allow", {
    name: "allow-listed",
    firewallRuleGroupId: ruleGroup.id,
    firewallDomainListId: domainList.id,
    priority: DNS_ALLOW_PRIORITY,
    action: "ALLOW",
    // A name answered through a redirection (CNAME, e.g. an endpoint's private hosted zone) stays allowed when AWS redirects it.
    firewallDomainRedirectionAction: "TRUST_REDIRECTION_DOMAIN",
  });
  return { domainList, ruleGroup, rule };
}

/** The names known at synth and the lists known at plan time as one domains value (a token when there are lists). */
export function allowedDomainsOf(known: ReadonlyArray<string>, atPlan: ReadonlyArray<string[]> = []): string[] {
  return atPlan.length === 0 ? [...known] : Fn.distinct(Fn.compact(Fn.concat([[...known], ...atPlan])));
}

/** What every VPC with a DNS Firewall here gets: it fails closed, and every query is logged to an encrypted log group. */
export interface FailClosedQueryLog {
  readonly config: Route53ResolverFirewallConfig;
  readonly queryLogGroup: CloudwatchLogGroup;
  readonly queryLogConfig: Route53ResolverQueryLogConfig;
}

/**
 * DNS Firewall fails closed on `vpcId` (queries are not answered while the firewall cannot judge
 * them) and its queries go to an encrypted log group (default `/aws/vendedlogs/route53resolver/<namePrefix>`),
 * created in `scope` under the IDs "config", "query-log-group", "query-log" and "query-log-association".
 */
export function failClosedWithQueryLog(scope: Construct, vpcId: string, namePrefix: string, queryLog: DnsQueryLogSettings): FailClosedQueryLog {
  const config = new Route53ResolverFirewallConfig(scope, "config", { resourceId: vpcId, firewallFailOpen: "DISABLED" });
  const queryLogGroup = encryptedLogGroup(scope, "query-log-group", queryLog.logGroupName ?? `/aws/vendedlogs/route53resolver/${namePrefix}`, queryLog);
  const queryLogConfig = new Route53ResolverQueryLogConfig(scope, "query-log", { name: `${namePrefix}-dns-queries`, destinationArn: queryLogGroup.arn });
  new Route53ResolverQueryLogConfigAssociation(scope, "query-log-association", { resolverQueryLogConfigId: queryLogConfig.id, resourceId: vpcId });
  return { config, queryLogGroup, queryLogConfig };
}

export interface DnsAllowanceProps {
  /** The VPC. Required. */
  readonly vpcId: string;
  /** Name of the domain list, rule group and association. Required. */
  readonly name: string;
  /** The names to allow, DNS Firewall's form; may hold Terraform tokens. Required, at least one. */
  readonly domains: ReadonlyArray<string>;
  /**
   * Association priority; must be lower than the priority of the group whose last rule blocks
   * (the network's, DNS_FIREWALL_ASSOCIATION_PRIORITY). Default DNS_WORKLOAD_ALLOW_PRIORITY.
   */
  readonly priority?: number;
}

/**
 * A rule group of one ALLOW rule on the VPC, owned by the stack whose resource the names belong
 * to (the Studio stack, whose domain ID the network stack cannot know): those names resolve
 * before the network's group blocks (or alerts on) everything off its list, and they go when the
 * stack is destroyed. It allows only; it can never widen what the network's group blocks beyond
 * its own names. Not mutation-protected: detaching it only narrows what resolves, and a protected
 * association would stop the workload stack's destroy.
 */
export class DnsAllowance extends Construct {
  readonly domainList: Route53ResolverFirewallDomainList;
  readonly ruleGroup: Route53ResolverFirewallRuleGroup;
  readonly rule: Route53ResolverFirewallRule;
  readonly association: Route53ResolverFirewallRuleGroupAssociation;

  constructor(scope: Construct, id: string, props: DnsAllowanceProps) {
    super(scope, id);
    const priority = props.priority ?? DNS_WORKLOAD_ALLOW_PRIORITY;
    if (!Number.isInteger(priority) || priority < 100 || priority >= DNS_FIREWALL_ASSOCIATION_PRIORITY) {
      throw new Error(`priority must be an integer from 100 to ${DNS_FIREWALL_ASSOCIATION_PRIORITY - 1} (before the network's group), got ${priority}`);
    }
    if (props.domains.length === 0) throw new Error("a DNS allowance needs at least one name");
    // The endpoint's private hosted zone answers these names; a redirection stays AWS's.
    ({ domainList: this.domainList, ruleGroup: this.ruleGroup, rule: this.rule } = allowGroup(this, "names", { list: props.name, group: props.name }, [...props.domains]));
    this.association = new Route53ResolverFirewallRuleGroupAssociation(this, "association", {
      name: props.name,
      firewallRuleGroupId: this.ruleGroup.id,
      vpcId: props.vpcId,
      priority,
      mutationProtection: "DISABLED",
      dependsOn: [this.rule],
    });
  }
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
    const priority = props.associationPriority ?? DNS_FIREWALL_ASSOCIATION_PRIORITY;
    if (!Number.isInteger(priority) || priority < 100 || priority > 9900) throw new Error(`associationPriority must be an integer from 100 to 9900, got ${priority}`);
    if (props.allowedDomains.length === 0 && !props.allowedDomainListsAtPlan?.length) throw new Error("a DNS firewall needs at least one allowed domain");

    const allow = allowGroup(this, "allowed", { list: `${props.namePrefix}-allowed`, group: `${props.namePrefix}-dns-allowlist` }, allowedDomainsOf(props.allowedDomains, props.allowedDomainListsAtPlan));
    this.allowed = allow.domainList;
    this.everything = new Route53ResolverFirewallDomainList(this, "everything", { name: `${props.namePrefix}-everything`, domains: ["*"] });
    this.ruleGroup = allow.ruleGroup;
    this.allowRule = allow.rule;
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
    ({ config: this.config, queryLogGroup: this.queryLogGroup, queryLogConfig: this.queryLogConfig } = failClosedWithQueryLog(this, props.vpcId, props.namePrefix, props.queryLog));
  }
}
