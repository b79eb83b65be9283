/**
 * A regional egress hub: the Transit Gateway (HubTransitGateway), its RAM share (HubShare), the
 * inspection VPC (InspectionVpc) with one firewall policy holding every spoke's allowlist, the
 * shared DNS Firewall rule group, and the hub side of every spoke: the acceptance of its
 * attachment, its association with the spokes' route table, and its routes.
 *
 * Per-spoke allowlists (hubAllowlists): each spoke with `allowedDomains` gets its own domain-list
 * rule group whose HOME_NET is that spoke's CIDRs only, holding its names and, with
 * `sharedAllowlist`, the shared names too; the shared group's HOME_NET holds only the spokes on the
 * shared list with no list of their own. So a name on spoke A's list is never passed for spoke B's
 * addresses, and no address is in two allowlist groups. The firewall's hygiene and refusal groups
 * apply to every spoke.
 *
 * Deploy order for a spoke in another account: the hub (gateway, share) -> the spoke's network
 * stack (its attachment, pending acceptance) -> the hub again with the spoke's `attachmentId`
 * (accepter, association, routes). Until then the spoke is declared (HOME_NET, allowlist, VPC
 * routes) but attached to nothing.
 */
import { Construct } from "constructs";
import { Ec2TransitGatewayVpcAttachmentAccepter } from "@cdktf/provider-aws/lib/ec2-transit-gateway-vpc-attachment-accepter";
import { DnsFirewall, DnsFirewallMode, dnsFirewallDomains, vpcResolutionNames } from "../network/dns-firewall";
import { InspectedVpcLogging } from "../network/inspected-vpc";
import { allowlistOverlaps, DEFAULT_RULE_GROUP_CAPACITY, FirewallOptions, MAX_POLICY_STATEFUL_CAPACITY, ScopedAllowlist } from "../network/firewall";
import { HubShare, HubTransitGateway, SharePrincipals } from "./transit-gateway";
import { associate, DEFAULT_HUB_VPC_CIDR, InspectionVpc, spokeRouteId, tgwRoute } from "./inspection-vpc";
import { rangeIssues } from "./hub-plan";

/** One spoke the hub serves. */
export interface HubSpoke {
  /** The spoke's name: ids, rule group names and Name tags (lower-case letters, digits, "-"; e.g. "<project>-<environment>"). Required. */
  readonly name: string;
  /** The spoke VPC's CIDRs: its HOME_NET and the routes back to it. Required; no overlap with another spoke or the hub. */
  readonly cidrs: ReadonlyArray<string>;
  /** The account the spoke VPC is in (checked against the share's accounts when it names accounts). Required. */
  readonly accountId: string;
  /**
   * The spoke's Transit Gateway VPC attachment, created by the spoke's network stack (its output).
   * Default: none yet: the hub declares the spoke but attaches and routes nothing at the gateway.
   */
  readonly attachmentId?: string;
  /**
   * Accept the attachment (aws_ec2_transit_gateway_vpc_attachment_accepter in the hub's account):
   * needed for an attachment from another account. Set false for a spoke in the hub's own account,
   * whose attachment AWS accepts by itself. Default true.
   */
  readonly accept?: boolean;
  /** Domains only this spoke may reach (FirewallOptions.allowedDomains form). Default: none (then `sharedAllowlist` must be on). */
  readonly allowedDomains?: ReadonlyArray<string>;
  /** Capacity of the spoke's allowlist group (at least 2 x its domains, the shared ones included when it shares; fixed at creation). Default 100. */
  readonly allowlistCapacity?: number;
  /** The spoke may also reach the hub's shared allowlist (its names join the spoke's own group, or the spoke joins the shared group if it has no list). Default false. */
  readonly sharedAllowlist?: boolean;
}

export interface EgressHubProps {
  /** Prefix of every name ("<hub>"). Required; names of firewalls, policies, roles are per account and region. */
  readonly namePrefix: string;
  /** The inspection VPC's CIDR (/16../23). Default "100.64.0.0/23". */
  readonly vpcCidr?: string;
  /** The hub's AZs (letters a-h): a lane of the hub plan each. Required, at least one; cover the spokes' AZs. */
  readonly availabilityZones: ReadonlyArray<string>;
  /** The spokes. Required, at least one (HOME_NET may not be empty). */
  readonly spokes: ReadonlyArray<HubSpoke>;
  /** The allowlist shared by the spokes with `sharedAllowlist`. Default: none. */
  readonly sharedAllowlist?: { readonly allowedDomains: ReadonlyArray<string>; readonly capacity?: number };
  /**
   * Traffic from one spoke to another: "none" (each spoke's CIDR is a blackhole in the spokes'
   * route table) or "through-firewall" (it goes through the inspection VPC like internet traffic,
   * and the policy judges it). Default "none".
   */
  readonly spokeToSpoke?: "none" | "through-firewall";
  /** Who the Transit Gateway (and the DNS rule group) is shared with. Required. */
  readonly share: SharePrincipals;
  /** Share the hub's DNS Firewall rule group too (spokes may associate it instead of their own). Default true. */
  readonly shareDnsRuleGroup?: boolean;
  /** The hub VPC's DNS Firewall (whose rule group is the shared one): mode and mutation protection. Default block, protected. */
  readonly dnsFirewall?: { readonly mode?: DnsFirewallMode; readonly mutationProtection?: boolean };
  /** Firewall names, Suricata rules, hygiene, refusals, default action, TLS inspection, protection. Default: InspectedVpc's defaults. */
  readonly firewall?: Omit<FirewallOptions, "allowedDomains" | "allowlistRuleGroupName" | "allowlistCapacity">;
  /** The account, key, log names and retention. Required. */
  readonly logging: InspectedVpcLogging;
  /** The Transit Gateway's ASN. Default AWS's. */
  readonly amazonSideAsn?: number;
  /**
   * The account's "stateful rules per firewall policy" quota (adjustable; default 30,000, AWS Network
   * Firewall quotas): synth fails when the groups' capacities add up to more. Default 30,000.
   */
  readonly policyRuleCapacityQuota?: number;
}

/**
 * The allowlist groups of a hub's policy, one per source (also what the config check counts,
 * modules/config/hubs.ts):
 * - a spoke with `allowedDomains`: `<prefix>-<spoke>-allowlist`, HOME_NET its CIDRs, holding its
 *   own names and, with `sharedAllowlist`, the shared names after them (each name once);
 * - `<prefix>-shared-allowlist`: HOME_NET the CIDRs of the spokes with `sharedAllowlist` and no list
 *   of their own; only when there is such a spoke.
 * A spoke on the shared list that has its own list is not in the shared group: one source in two
 * ALLOWLIST groups would be passed by their union only if Network Firewall generates no drop rules
 * for a domain list in strict order, which its Developer Guide leaves in doubt ("For Allow, traffic
 * of the specified protocol type that doesn't match the domain specifications is denied",
 * "Stateful domain list rule groups"). With one group per source the verdict does not depend on it.
 */
export function hubAllowlists(
  prefix: string,
  spokes: ReadonlyArray<Pick<HubSpoke, "name" | "cidrs" | "allowedDomains" | "allowlistCapacity" | "sharedAllowlist">>,
  shared?: EgressHubProps["sharedAllowlist"],
): ScopedAllowlist[] {
  const sharedOnly = spokes.filter((s) => s.sharedAllowlist && !s.allowedDomains?.length);
  return [
    ...(shared && sharedOnly.length > 0
      ? [{ key: "shared", ruleGroupName: `${prefix}-shared-allowlist`, homeNet: sharedOnly.flatMap((s) => s.cidrs), allowedDomains: shared.allowedDomains, capacity: shared.capacity }]
      : []),
    ...spokes
      .filter((s) => s.allowedDomains?.length)
      .map((s) => ({
        key: `spoke-${s.name}`,
        ruleGroupName: `${prefix}-${s.name}-allowlist`,
        homeNet: s.cidrs,
        allowedDomains: [...new Set([...s.allowedDomains!, ...(s.sharedAllowlist && shared ? shared.allowedDomains : [])])],
        capacity: s.allowlistCapacity,
      })),
  ];
}

const SPOKE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,40}[a-z0-9])?$/;
/** Capacity of the hygiene and refusal groups (fixed in InspectionFirewall). */
export const HUB_FIXED_GROUP_CAPACITY = 100;

export class EgressHub extends Construct {
  readonly gateway: HubTransitGateway;
  readonly network: InspectionVpc;
  readonly dnsFirewall: DnsFirewall;
  readonly share: HubShare;
  /** The accepter of each spoke with an attachment from another account, by spoke name. */
  readonly accepters: Readonly<Record<string, Ec2TransitGatewayVpcAttachmentAccepter>>;

  constructor(scope: Construct, id: string, props: EgressHubProps) {
    super(scope, id);
    const prefix = props.namePrefix;
    const spokes = props.spokes;
    const problems: string[] = [];
    if (spokes.length === 0) problems.push("a hub needs at least one spoke");
    const names = new Set<string>();
    for (const s of spokes) {
      if (!SPOKE_NAME.test(s.name)) problems.push(`spoke name "${s.name}" must be 1-42 lower-case letters, digits and "-"`);
      if (names.has(s.name)) problems.push(`two spokes are named "${s.name}"`);
      names.add(s.name);
      if (!/^\d{12}$/.test(s.accountId)) problems.push(`spoke ${s.name}: accountId "${s.accountId}" is not a 12-digit account ID`);
      if (!s.allowedDomains?.length && !s.sharedAllowlist) problems.push(`spoke ${s.name} has no allowlist: give allowedDomains, or sharedAllowlist: true`);
      if (s.sharedAllowlist && !props.sharedAllowlist) problems.push(`spoke ${s.name} uses the shared allowlist, which is not configured`);
      const accounts = props.share.accountIds;
      const orgWide = props.share.organizationArn !== undefined || (props.share.organizationalUnitArns ?? []).length > 0;
      if (!orgWide && accounts && s.accept !== false && !accounts.includes(s.accountId)) problems.push(`spoke ${s.name}'s account ${s.accountId} is not one the Transit Gateway is shared with`);
    }
    problems.push(...rangeIssues([{ name: "the hub VPC", cidrs: [props.vpcCidr ?? DEFAULT_HUB_VPC_CIDR] }, ...spokes.map((s) => ({ name: `spoke ${s.name}`, cidrs: s.cidrs }))]));
    if (problems.length > 0) throw new Error(`EgressHub ${prefix}: ${problems.join("; ")}`);

    const allowlists = hubAllowlists(prefix, spokes, props.sharedAllowlist);
    // Never one source in two allowlist groups (ScopedAllowlist): true by construction while spoke
    // ranges do not overlap (checked above); checked again here so that a change to hubAllowlists
    // cannot bring it back unnoticed (InspectionFirewall refuses it too).
    const overlap = allowlistOverlaps(allowlists);
    if (overlap.length > 0) throw new Error(`EgressHub ${prefix}: ${overlap.join("; ")}`);
    const fw = props.firewall ?? {};
    const capacity =
      allowlists.reduce((sum, a) => sum + (a.capacity ?? DEFAULT_RULE_GROUP_CAPACITY), 0) +
      (fw.protocolHygiene?.enabled === false ? 0 : HUB_FIXED_GROUP_CAPACITY) +
      (fw.refusals?.enabled === false ? 0 : HUB_FIXED_GROUP_CAPACITY) +
      (fw.suricata ? (fw.suricata.capacity ?? DEFAULT_RULE_GROUP_CAPACITY) : 0);
    const quota = props.policyRuleCapacityQuota ?? MAX_POLICY_STATEFUL_CAPACITY;
    if (capacity > quota) {
      throw new Error(`EgressHub ${prefix}: the policy's rule groups reserve ${capacity} stateful rules, over the quota of ${quota} per policy (AWS Network Firewall quotas, adjustable): lower capacities, raise the quota (policyRuleCapacityQuota), or split the spokes over two hubs`);
    }

    this.gateway = new HubTransitGateway(this, "tgw", { namePrefix: prefix, amazonSideAsn: props.amazonSideAsn });
    const tgwId = this.gateway.transitGateway.id;

    this.network = new InspectionVpc(this, "network", {
      namePrefix: prefix,
      vpcCidr: props.vpcCidr,
      availabilityZones: props.availabilityZones,
      transitGatewayId: tgwId,
      spokes: spokes.map((s) => ({ name: s.name, cidrs: s.cidrs })),
      firewall: props.firewall,
      allowlists,
      logging: props.logging,
    });

    // The inspection attachment: associated with the inspection route table; the spokes' default route.
    associate(this, "inspection-association", this.network.attachment.id, this.gateway.inspectionRouteTable.id);
    tgwRoute(this, "spokes-default-route", this.gateway.spokeRouteTable.id, "0.0.0.0/0", { attachmentId: this.network.attachment.id });
    // Spokes never reach the inspection VPC's own addresses (NAT gateways, firewall and attachment ENIs).
    tgwRoute(this, "spokes-hub-blackhole", this.gateway.spokeRouteTable.id, this.network.vpcCidr, { blackhole: true });

    const accepters: Record<string, Ec2TransitGatewayVpcAttachmentAccepter> = {};
    for (const spoke of spokes) {
      const scope = new Construct(this, `spoke-${spoke.name}`);
      if (props.spokeToSpoke !== "through-firewall") {
        for (const cidr of spoke.cidrs) tgwRoute(scope, `blackhole-${spokeRouteId(spoke.name, cidr)}`, this.gateway.spokeRouteTable.id, cidr, { blackhole: true });
      }
      if (spoke.attachmentId === undefined) continue;
      let attachmentId = spoke.attachmentId;
      if (spoke.accept !== false) {
        const accepter = new Ec2TransitGatewayVpcAttachmentAccepter(scope, "accepter", {
          transitGatewayAttachmentId: spoke.attachmentId,
          // The gateway has no default route table: the association below is the only one.
          transitGatewayDefaultRouteTableAssociation: false,
          transitGatewayDefaultRouteTablePropagation: false,
          tags: { Name: `${prefix}-${spoke.name}`, Spoke: spoke.name, SpokeAccount: spoke.accountId },
        });
        accepters[spoke.name] = accepter;
        attachmentId = accepter.id;
      }
      associate(scope, "association", attachmentId, this.gateway.spokeRouteTable.id);
      for (const cidr of spoke.cidrs) tgwRoute(scope, spokeRouteId(spoke.name, cidr), this.gateway.inspectionRouteTable.id, cidr, { attachmentId });
    }
    this.accepters = accepters;

    // The hub VPC's DNS Firewall: its rule group is the one spokes may associate instead of their
    // own. It allows only the shared allowlist's names and the names every VPC of the region
    // resolves (S3, EC2 internal); a spoke adds its own endpoints' names ahead of it (DnsAllowance).
    this.dnsFirewall = new DnsFirewall(this, "dns-firewall", {
      vpcId: this.network.vpc.id,
      namePrefix: prefix,
      allowedDomains: [...new Set([...dnsFirewallDomains(props.sharedAllowlist?.allowedDomains ?? []), ...vpcResolutionNames(props.logging.account.region)])],
      mode: props.dnsFirewall?.mode,
      mutationProtection: props.dnsFirewall?.mutationProtection,
      queryLog: { kmsKeyArn: props.logging.kmsKeyArn, retentionDays: props.logging.retentionDays },
    });

    this.share = new HubShare(this, "share", {
      name: `${prefix}-egress-hub`,
      resourceArns: {
        "transit-gateway": this.gateway.transitGateway.arn,
        ...(props.shareDnsRuleGroup === false ? {} : { "dns-rule-group": this.dnsFirewall.ruleGroup.arn }),
      },
      principals: props.share,
    });
  }
}
