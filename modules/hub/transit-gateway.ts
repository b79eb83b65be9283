/**
 * The egress hub's Transit Gateway, its two route tables and its RAM share.
 *
 * Routing is explicit, never implicit: the default route table association and propagation are
 * off, so an attachment carries no traffic until this project associates it with a route table,
 * and every route in the plan is a static route a reviewer can read.
 * - `spokes` route table: every spoke attachment is associated with it. 0.0.0.0/0 -> the
 *   inspection VPC's attachment; each spoke's CIDR and the inspection VPC's own CIDR ->
 *   blackhole (no spoke-to-spoke path, no path to the hub's NAT gateways' private addresses),
 *   unless spoke-to-spoke traffic is configured to go through the firewall.
 * - `inspection` route table: the inspection VPC's attachment is associated with it. Each spoke's
 *   CIDR -> that spoke's attachment (the return path, after the firewall).
 *
 * auto_accept_shared_attachments is off: an account the Transit Gateway is shared with can
 * request an attachment, but nothing is attached until the hub's own plan creates an
 * aws_ec2_transit_gateway_vpc_attachment_accepter for it. With auto-accept on, any principal of
 * the share (every account of the organisation) could attach a VPC of any CIDR and the hub's
 * reviewers would never see it in a plan; with default association off it would carry no traffic,
 * but it would still be attached to the organisation's egress router, and removing it would be a
 * manual AWS call. Off, each spoke is one reviewed accepter in the hub's plan.
 */
import { Construct } from "constructs";
import { Ec2TransitGateway } from "@cdktf/provider-aws/lib/ec2-transit-gateway";
import { Ec2TransitGatewayRouteTable } from "@cdktf/provider-aws/lib/ec2-transit-gateway-route-table";
import { RamPrincipalAssociation } from "@cdktf/provider-aws/lib/ram-principal-association";
import { RamResourceAssociation } from "@cdktf/provider-aws/lib/ram-resource-association";
import { RamResourceShare } from "@cdktf/provider-aws/lib/ram-resource-share";

export interface HubTransitGatewayProps {
  /** Prefix of the Name tags ("<prefix>-tgw", "<prefix>-spokes", "<prefix>-inspection"). Required. */
  readonly namePrefix: string;
  /** The gateway's private BGP ASN (64512-65534 or 4200000000-4294967294). Default AWS's (64512). */
  readonly amazonSideAsn?: number;
  /** The gateway's description. Default "Egress hub <namePrefix>: spokes to the inspection VPC". */
  readonly description?: string;
}

export class HubTransitGateway extends Construct {
  readonly transitGateway: Ec2TransitGateway;
  /** The route table every spoke attachment is associated with. */
  readonly spokeRouteTable: Ec2TransitGatewayRouteTable;
  /** The route table the inspection VPC's attachment is associated with. */
  readonly inspectionRouteTable: Ec2TransitGatewayRouteTable;

  constructor(scope: Construct, id: string, props: HubTransitGatewayProps) {
    super(scope, id);
    const asn = props.amazonSideAsn;
    if (asn !== undefined && !((asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294))) {
      throw new Error(`amazonSideAsn ${asn} is not a private ASN (64512-65534 or 4200000000-4294967294)`);
    }
    this.transitGateway = new Ec2TransitGateway(this, "transit-gateway", {
      description: props.description ?? `Egress hub ${props.namePrefix}: spokes to the inspection VPC`,
      ...(asn !== undefined ? { amazonSideAsn: asn } : {}),
      // See the file comment: nothing is attached or routed unless this project's plan says so.
      autoAcceptSharedAttachments: "disable",
      defaultRouteTableAssociation: "disable",
      defaultRouteTablePropagation: "disable",
      // Spokes resolve the interface endpoints' names of their own VPC; DNS support lets a VPC
      // resolve public names of attached VPCs' resources to private addresses (AWS default).
      dnsSupport: "enable",
      multicastSupport: "disable",
      // Security groups of one spoke never name another's (spokes do not talk to each other).
      securityGroupReferencingSupport: "disable",
      tags: { Name: `${props.namePrefix}-tgw` },
    });
    this.spokeRouteTable = new Ec2TransitGatewayRouteTable(this, "spoke-route-table", {
      transitGatewayId: this.transitGateway.id,
      tags: { Name: `${props.namePrefix}-spokes` },
    });
    this.inspectionRouteTable = new Ec2TransitGatewayRouteTable(this, "inspection-route-table", {
      transitGatewayId: this.transitGateway.id,
      tags: { Name: `${props.namePrefix}-inspection` },
    });
  }
}

/** Who the share is for: an organisation, organisational units, or accounts. */
export interface SharePrincipals {
  /**
   * The organisation's ARN (arn:aws:organizations::<management account>:organization/o-...).
   * With it the share admits no principal outside the organisation (allow_external_principals false).
   */
  readonly organizationArn?: string;
  /** OU ARNs (arn:aws:organizations::<account>:ou/o-.../ou-...); inside the organisation. Default none. */
  readonly organizationalUnitArns?: ReadonlyArray<string>;
  /** 12-digit account IDs. Default none. */
  readonly accountIds?: ReadonlyArray<string>;
  /**
   * Let the share reach accounts outside the organisation (each must accept the invitation). Only
   * with `accountIds` and no organisation or OU. Default false: RAM then shares only inside the
   * organisation, and needs sharing with AWS Organizations enabled in RAM.
   */
  readonly allowExternalPrincipals?: boolean;
}

export interface HubShareProps {
  /** The share's name. Required. */
  readonly name: string;
  /** ARNs of the shared resources (the Transit Gateway, the DNS Firewall rule group). Required, at least one. */
  readonly resourceArns: Readonly<Record<string, string>>;
  /** Who may use them. Required: at least one principal. */
  readonly principals: SharePrincipals;
}

const ORG_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;
const OU_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ACCOUNT_ID = /^\d{12}$/;

/** The principals as RAM takes them, checked; throws on a malformed one or a share open wider than asked. */
export function sharePrincipals(p: SharePrincipals): { principals: string[]; allowExternalPrincipals: boolean } {
  const problems: string[] = [];
  if (p.organizationArn !== undefined && !ORG_ARN.test(p.organizationArn)) problems.push(`"${p.organizationArn}" is not an organization ARN (arn:aws:organizations::<account>:organization/o-...)`);
  for (const ou of p.organizationalUnitArns ?? []) if (!OU_ARN.test(ou)) problems.push(`"${ou}" is not an OU ARN`);
  for (const a of p.accountIds ?? []) if (!ACCOUNT_ID.test(a)) problems.push(`"${a}" is not a 12-digit account ID`);
  const principals = [...(p.organizationArn ? [p.organizationArn] : []), ...(p.organizationalUnitArns ?? []), ...(p.accountIds ?? [])];
  if (principals.length === 0) problems.push("the share needs an organization, an OU or an account");
  if (new Set(principals).size !== principals.length) problems.push("a principal is listed twice");
  const inOrganization = p.organizationArn !== undefined || (p.organizationalUnitArns ?? []).length > 0;
  if (p.allowExternalPrincipals && inOrganization) problems.push("allowExternalPrincipals is for account-only shares: a share with an organization or OU stays inside it");
  if (problems.length > 0) throw new Error(`hub share: ${problems.join("; ")}`);
  return { principals, allowExternalPrincipals: p.allowExternalPrincipals === true };
}

/**
 * A RAM share of the hub's resources with exactly the configured principals: one principal
 * association per principal, one resource association per resource (keyed, so adding one never
 * replaces another). RAM shares a Transit Gateway so that other accounts can attach their VPCs to
 * it (AWS RAM User Guide, "Shareable AWS resources": ec2:TransitGateway; Amazon VPC Transit
 * Gateways, "Sharing a transit gateway"), and a Route 53 Resolver DNS Firewall rule group so other
 * accounts can associate it with their VPCs (route53resolver:FirewallRuleGroup).
 */
export class HubShare extends Construct {
  readonly share: RamResourceShare;
  readonly principals: ReadonlyArray<string>;

  constructor(scope: Construct, id: string, props: HubShareProps) {
    super(scope, id);
    const { principals, allowExternalPrincipals } = sharePrincipals(props.principals);
    if (Object.keys(props.resourceArns).length === 0) throw new Error("hub share: nothing to share");
    this.principals = principals;
    this.share = new RamResourceShare(this, "share", { name: props.name, allowExternalPrincipals, tags: { Name: props.name } });
    for (const [key, arn] of Object.entries(props.resourceArns)) {
      new RamResourceAssociation(this, `resource-${key}`, { resourceArn: arn, resourceShareArn: this.share.arn });
    }
    for (const principal of principals) {
      new RamPrincipalAssociation(this, `principal-${principal.replace(/[^A-Za-z0-9-]/g, "-")}`, { principal, resourceShareArn: this.share.arn });
    }
  }
}
