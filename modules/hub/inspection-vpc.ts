/**
 * The egress hub's inspection VPC: per AZ (keyed by AZ name) a Transit Gateway attachment subnet,
 * a firewall subnet and a NAT (public) subnet, each with its own route table; the VPC's attachment
 * to the hub's Transit Gateway with appliance mode on; one Network Firewall (one endpoint per AZ)
 * whose HOME_NET is every spoke's range.
 *
 * One AZ's path (AWS's centralized egress with Network Firewall, inspection before NAT so the
 * firewall sees the spokes' own source addresses and applies each spoke's allowlist to it):
 *   spoke -> TGW -> attachment subnet (AZ x) --0.0.0.0/0--> firewall endpoint (x)
 *     -> firewall subnet (x) --0.0.0.0/0--> NAT gateway (x) -> NAT subnet (x) --0.0.0.0/0--> IGW
 *   IGW -> NAT gateway (x) -> NAT subnet (x) --spoke range--> firewall endpoint (x)
 *     -> firewall subnet (x) --spoke range--> TGW (its attachment ENI in x) -> spoke
 * Routing never crosses AZs; the Transit Gateway keeps both directions of a flow on one AZ of this
 * attachment because appliance mode is on ("Enabling appliance mode ensures that the transit gateway
 * continues to use the same Availability Zone for the VPC attachment over the lifetime of a flow":
 * Network Firewall Developer Guide, "Transit gateway attachment configuration"). Without it, the
 * reply could enter through another AZ's firewall endpoint, which has no state for the flow and drops it.
 */
import { Construct } from "constructs";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Ec2TransitGatewayRoute } from "@cdktf/provider-aws/lib/ec2-transit-gateway-route";
import { Ec2TransitGatewayRouteTableAssociation } from "@cdktf/provider-aws/lib/ec2-transit-gateway-route-table-association";
import { Ec2TransitGatewayVpcAttachment } from "@cdktf/provider-aws/lib/ec2-transit-gateway-vpc-attachment";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { ITerraformDependable } from "cdktf";
import { LaneSubnet } from "../network/az-lane";
import { InspectedVpcLogging } from "../network/inspected-vpc";
import { FirewallOptions, InspectionFirewall, ScopedAllowlist } from "../network/firewall";
import { VpcFlowLogs } from "../network/flow-logs";
import { waive } from "../guardrails";
import { HubLaneCidrs, HubTier, planHubLanes } from "./hub-plan";
import { lanesOrPlan } from "../network/subnet-plan";

/** The default inspection VPC CIDR: a /23, the smallest the hub plan takes (8 AZs x 3 /28s). */
export const DEFAULT_HUB_VPC_CIDR = "100.64.0.0/23";

/** A spoke range the inspection VPC routes back to the Transit Gateway (construct ids come from `name` and the CIDR). */
export interface SpokeRange {
  /** The spoke's name (letters, digits, "-"). */
  readonly name: string;
  /** Its CIDRs. */
  readonly cidrs: ReadonlyArray<string>;
}

/** Construct id of a route to `cidr` of spoke `name`: stable whatever else is configured. */
export function spokeRouteId(name: string, cidr: string): string {
  return `spoke-${name}-${cidr.replace(/[./]/g, "-")}`;
}

export interface HubLaneProps {
  readonly availabilityZone: string;
  readonly cidrs: HubLaneCidrs;
  readonly vpcId: string;
  readonly namePrefix: string;
  readonly internetGatewayId: string;
  readonly internetGatewayDependency: ITerraformDependable;
}

/**
 * One AZ of the inspection VPC: attachment, firewall and NAT subnet (each with its own route table),
 * the NAT gateway and its Elastic IP. Routes come in `route` (after the firewall and the attachment
 * exist), all to this AZ's own firewall endpoint and NAT gateway.
 */
export class HubLane extends Construct {
  readonly availabilityZone: string;
  readonly cidrs: HubLaneCidrs;
  readonly attachment: LaneSubnet;
  readonly firewall: LaneSubnet;
  readonly nat: LaneSubnet;
  readonly natEip: Eip;
  readonly natGateway: NatGateway;
  /** Every route of the lane, for tests and for what must wait for the lane. */
  readonly routes: Route[] = [];

  constructor(scope: Construct, props: HubLaneProps) {
    super(scope, props.availabilityZone);
    this.availabilityZone = props.availabilityZone;
    this.cidrs = props.cidrs;
    const subnet = (tier: HubTier) => new LaneSubnet(this, tier, { availabilityZone: props.availabilityZone, cidrBlock: props.cidrs[tier], vpcId: props.vpcId, namePrefix: props.namePrefix });
    this.attachment = subnet("attachment");
    this.firewall = subnet("firewall");
    this.nat = subnet("nat");
    const name = `${props.namePrefix}-nat-${props.availabilityZone}`;
    this.natEip = new Eip(this, "nat-eip", { domain: "vpc", tags: { Name: name }, dependsOn: [props.internetGatewayDependency] });
    this.natGateway = new NatGateway(this, "nat-gateway", {
      allocationId: this.natEip.allocationId,
      subnetId: this.nat.subnet.id,
      connectivityType: "public",
      tags: { Name: name },
      dependsOn: [props.internetGatewayDependency],
    });
    const natDefault = this.nat.defaultRoute({ gatewayId: props.internetGatewayId });
    waive(
      natDefault,
      "NO_FIREWALL_BYPASS",
      "egress hub, inspection before NAT: the NAT subnet receives only what this AZ's firewall endpoint passed (the firewall subnet's default route), so the firewall sees the spokes' source addresses",
    );
    this.routes.push(natDefault, this.firewall.defaultRoute({ natGatewayId: this.natGateway.id }));
  }

  /**
   * The routes through this AZ's firewall endpoint: attachment subnet 0.0.0.0/0 -> endpoint; per
   * spoke CIDR, NAT subnet -> endpoint (the return path) and firewall subnet -> the Transit Gateway.
   */
  route(firewallEndpointId: string, transitGatewayId: string, attachment: ITerraformDependable, spokes: ReadonlyArray<SpokeRange>): void {
    this.routes.push(this.attachment.defaultRoute({ vpcEndpointId: firewallEndpointId }));
    for (const spoke of spokes) {
      for (const cidr of spoke.cidrs) {
        const id = spokeRouteId(spoke.name, cidr);
        this.routes.push(this.nat.route(id, cidr, { vpcEndpointId: firewallEndpointId }));
        // A route to the Transit Gateway needs the VPC attached to it first.
        const back = this.firewall.route(id, cidr, { transitGatewayId }, { dependsOn: [attachment] });
        waive(back, "NO_FIREWALL_BYPASS", "egress hub: the route back to a spoke, after this AZ's firewall endpoint; the spoke's own range only, never 0.0.0.0/0");
        this.routes.push(back);
      }
    }
  }
}

export interface InspectionVpcProps {
  /** Prefix of every name and Name tag ("<hub>"). Required. */
  readonly namePrefix: string;
  /** The VPC's CIDR (/16../23, not overlapping any spoke). Default "100.64.0.0/23" (DEFAULT_HUB_VPC_CIDR). */
  readonly vpcCidr?: string;
  /** The AZs, each with a lane of the hub plan (planHubLanes; AZ letters a-h). Give this or `lanes`. */
  readonly availabilityZones?: ReadonlyArray<string>;
  /** Subnet CIDRs keyed by AZ name, for a plan of your own. Give this or `availabilityZones`. */
  readonly lanes?: Readonly<Record<string, HubLaneCidrs>>;
  /** The hub's Transit Gateway. Required. */
  readonly transitGatewayId: string;
  /** The spokes' ranges: HOME_NET of the firewall and the routes back to the Transit Gateway. Required, at least one. */
  readonly spokes: ReadonlyArray<SpokeRange>;
  /**
   * The firewall's names, rules and protection (FirewallOptions), without the single allowlist:
   * `allowlists` are the scoped ones. Default names from `namePrefix` as InspectedVpc's.
   */
  readonly firewall?: Omit<FirewallOptions, "allowedDomains" | "allowlistRuleGroupName" | "allowlistCapacity">;
  /** The allowlists, each for its own sources (ScopedAllowlist). Required, at least one. */
  readonly allowlists: ReadonlyArray<ScopedAllowlist>;
  /** The account, key, log names and retention (as InspectedVpc's). Required. */
  readonly logging: InspectedVpcLogging;
}

export class InspectionVpc extends Construct {
  readonly vpc: Vpc;
  readonly vpcCidr: string;
  readonly internetGateway: InternetGateway;
  readonly inspection: InspectionFirewall;
  readonly flowLogs: VpcFlowLogs;
  /** The VPC's attachment to the hub's Transit Gateway (appliance mode on). */
  readonly attachment: Ec2TransitGatewayVpcAttachment;
  /** Lanes keyed by AZ name, in the order given. */
  readonly lanes: Readonly<Record<string, HubLane>>;

  constructor(scope: Construct, id: string, props: InspectionVpcProps) {
    super(scope, id);
    const vpcCidr = props.vpcCidr ?? DEFAULT_HUB_VPC_CIDR;
    this.vpcCidr = vpcCidr;
    const planned = lanesOrPlan<HubLaneCidrs>("InspectionVpc", props, vpcCidr, planHubLanes);
    const azs = Object.keys(planned);
    if (azs.length === 0) throw new Error("InspectionVpc needs at least one AZ");
    if (props.spokes.length === 0) throw new Error("InspectionVpc needs at least one spoke (HOME_NET would be empty)");
    const prefix = props.namePrefix;

    this.vpc = new Vpc(this, "vpc", { cidrBlock: vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: { Name: prefix } });
    new DefaultSecurityGroup(this, "default-security-group", { vpcId: this.vpc.id, ingress: [], egress: [], tags: { Name: `${prefix}-default-deny-all` } });
    this.internetGateway = new InternetGateway(this, "internet-gateway", { vpcId: this.vpc.id, tags: { Name: prefix } });

    const lanes: Record<string, HubLane> = {};
    for (const az of azs) {
      lanes[az] = new HubLane(this, {
        availabilityZone: az,
        cidrs: planned[az],
        vpcId: this.vpc.id,
        namePrefix: prefix,
        internetGatewayId: this.internetGateway.id,
        internetGatewayDependency: this.internetGateway,
      });
    }
    this.lanes = lanes;

    this.attachment = new Ec2TransitGatewayVpcAttachment(this, "tgw-attachment", {
      transitGatewayId: props.transitGatewayId,
      vpcId: this.vpc.id,
      subnetIds: azs.map((az) => lanes[az].attachment.subnet.id),
      // Both directions of a flow through one AZ's firewall endpoint (see the file comment).
      applianceModeSupport: "enable",
      dnsSupport: "enable",
      // Same account as the gateway: associated explicitly with the inspection route table (EgressHub).
      transitGatewayDefaultRouteTableAssociation: false,
      transitGatewayDefaultRouteTablePropagation: false,
      tags: { Name: `${prefix}-inspection` },
    });

    const { logging } = props;
    const logs = { kmsKeyArn: logging.kmsKeyArn, retentionDays: logging.retentionDays };
    const fw = props.firewall ?? {};
    const homeNet = [...new Set(props.spokes.flatMap((s) => s.cidrs))];
    this.inspection = new InspectionFirewall(this, "inspection", {
      ...fw,
      firewallName: fw.firewallName ?? `${prefix}-firewall`,
      suricata: fw.suricata && { ...fw.suricata, ruleGroupName: fw.suricata.ruleGroupName ?? `${prefix}-suricata` },
      // Spokes send from addresses the hub only knows by their declared ranges: refuse the rest.
      protocolHygiene: { refuseOtherSources: true, ...fw.protocolHygiene, ruleGroupName: fw.protocolHygiene?.ruleGroupName ?? `${prefix}-protocol-hygiene` },
      tlsInspection: fw.tlsInspection && { ...fw.tlsInspection, name: fw.tlsInspection.name ?? `${prefix}-tls-inspection` },
      vpcId: this.vpc.id,
      subnetIdsByAz: Object.fromEntries(azs.map((az) => [az, lanes[az].firewall.subnet.id])),
      // Inspection before NAT: the firewall sees the spokes' addresses, so HOME_NET is every spoke's range.
      homeNet,
      scopedAllowlists: props.allowlists,
      kmsKeyArn: logging.kmsKeyArn,
      logGroupPrefix: logging.firewallLogGroupPrefix ?? `/aws/vendedlogs/network-firewall/${prefix}`,
      logs,
    });

    this.flowLogs = new VpcFlowLogs(this, "flow-logs", {
      account: logging.account,
      vpcId: this.vpc.id,
      logGroupName: logging.flowLogGroupName ?? `/aws/vpc-flow-logs/${prefix}`,
      roleName: logging.flowLogRoleName ?? `${prefix}-${logging.account.region}-flow-logs`,
      logs,
    });

    for (const az of azs) lanes[az].route(this.inspection.endpointId(az), props.transitGatewayId, this.attachment, props.spokes);
  }

  /** AZ name => value. */
  byAz<T>(pick: (lane: HubLane) => T): Record<string, T> {
    return Object.fromEntries(Object.entries(this.lanes).map(([az, lane]) => [az, pick(lane)]));
  }
}

/** Associates `attachmentId` with `routeTableId` (exported for EgressHub; keyed by the caller's id). */
export function associate(scope: Construct, id: string, attachmentId: string, routeTableId: string): Ec2TransitGatewayRouteTableAssociation {
  return new Ec2TransitGatewayRouteTableAssociation(scope, id, { transitGatewayAttachmentId: attachmentId, transitGatewayRouteTableId: routeTableId });
}

/** A static Transit Gateway route: to an attachment, or a blackhole. */
export function tgwRoute(scope: Construct, id: string, routeTableId: string, destination: string, target: { attachmentId: string } | { blackhole: true }): Ec2TransitGatewayRoute {
  return new Ec2TransitGatewayRoute(scope, id, {
    transitGatewayRouteTableId: routeTableId,
    destinationCidrBlock: destination,
    ...("blackhole" in target ? { blackhole: true } : { transitGatewayAttachmentId: target.attachmentId }),
  });
}
