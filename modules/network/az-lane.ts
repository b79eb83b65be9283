/**
 * One Availability Zone's lane of the inspected VPC: firewall subnet, NAT subnet (EIP + NAT
 * gateway) and workload subnet, each with its own route table. Everything here is scoped under
 * the AZ's name, so lanes are independent: adding or removing one AZ never touches another's.
 *
 * Egress:  workload -> this AZ's NAT gateway -> this AZ's firewall endpoint -> internet gateway
 * Return:  internet gateway -> (edge route table) this AZ's firewall endpoint -> NAT -> workload
 * Routing never crosses AZs, so traffic stays symmetric through one firewall endpoint and an AZ
 * outage only takes down its own lane.
 */
import { Construct } from "constructs";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route, RouteConfig } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { ITerraformDependable } from "cdktf";
import { LaneCidrs, Tier } from "./subnet-plan";

export const ANYWHERE = "0.0.0.0/0";

export interface AzLaneProps {
  /** The AZ's name ("us-east-1a"): the construct's id and the key of everything in the lane. Required. */
  readonly availabilityZone: string;
  /** The lane's three subnet CIDRs (see planLanes). Required: a subnet cannot move once created. */
  readonly cidrs: LaneCidrs;
  /** The VPC the subnets and route tables belong to. Required. */
  readonly vpcId: string;
  /** The internet gateway the firewall subnet's default route points to. Required. */
  readonly internetGatewayId: string;
  /** The NAT gateway needs the internet gateway attached before it can be created. Required. */
  readonly internetGatewayDependency: ITerraformDependable;
  /** Prefix of the Name tags ("<prefix>-<tier>-<az>", "<prefix>-nat-<az>"). Required. */
  readonly namePrefix: string;
}

/** What one lane subnet needs: its AZ, CIDR, VPC and the prefix of its Name tag. */
export interface LaneSubnetProps {
  /** The AZ's name ("us-east-1a"). Required. */
  readonly availabilityZone: string;
  /** The subnet's CIDR. Required: a subnet cannot move once created. */
  readonly cidrBlock: string;
  /** The VPC the subnet and its route table belong to. Required. */
  readonly vpcId: string;
  /** Prefix of the Name tag ("<prefix>-<tier>-<az>"). Required. */
  readonly namePrefix: string;
}

/** Where a lane route goes: exactly one of an internet gateway, NAT gateway, firewall endpoint or transit gateway. */
export type LaneRouteTarget = Pick<RouteConfig, "gatewayId" | "natGatewayId" | "vpcEndpointId" | "transitGatewayId">;

/**
 * One tier's subnet of an AZ lane, with its own route table (associated) and at most one default
 * route. Created by AzLane (tiers firewall, nat, workload) and by the hub's lanes (attachment,
 * firewall, nat; modules/hub); exported because AzLane's `firewall`, `nat` and `workload` are of
 * this type. The tier names the construct and tags the subnet (`Tier`), which the tests read.
 */
export class LaneSubnet extends Construct {
  /** The subnet (no public IPs on launch). */
  readonly subnet: Subnet;
  /** The subnet's own route table. */
  readonly routeTable: RouteTable;

  constructor(scope: Construct, tier: string, props: LaneSubnetProps) {
    super(scope, tier);
    const name = `${props.namePrefix}-${tier}-${props.availabilityZone}`;
    this.subnet = new Subnet(this, "subnet", {
      vpcId: props.vpcId,
      availabilityZone: props.availabilityZone,
      cidrBlock: props.cidrBlock,
      // No tier is public: even the NAT subnet reaches the internet only through the firewall.
      mapPublicIpOnLaunch: false,
      tags: { Name: name, Tier: tier },
    });
    this.routeTable = new RouteTable(this, "route-table", { vpcId: props.vpcId, tags: { Name: name, Tier: tier } });
    new RouteTableAssociation(this, "association", { subnetId: this.subnet.id, routeTableId: this.routeTable.id });
  }

  /** Exactly one target: an internet gateway, a NAT gateway, a firewall endpoint or a transit gateway. */
  defaultRoute(target: LaneRouteTarget, options: Pick<RouteConfig, "dependsOn"> = {}): Route {
    return this.route("default-route", ANYWHERE, target, options);
  }

  /** A route of this subnet's table to `destination` (construct id `id`), with exactly one target. */
  route(id: string, destination: string, target: LaneRouteTarget, options: Pick<RouteConfig, "dependsOn"> = {}): Route {
    const targets = Object.values(target).filter((t) => t !== undefined);
    if (targets.length !== 1) throw new Error(`route ${id} of ${this.node.path} needs exactly one target, got ${targets.length}`);
    return new Route(this, id, { routeTableId: this.routeTable.id, destinationCidrBlock: destination, ...target, ...options });
  }
}

export class AzLane extends Construct {
  readonly availabilityZone: string;
  readonly cidrs: LaneCidrs;
  /** The firewall subnet (the firewall's endpoint in this AZ); default route to the internet gateway. */
  readonly firewall: LaneSubnet;
  /** The NAT subnet (the NAT gateway); default route to this AZ's firewall endpoint. */
  readonly nat: LaneSubnet;
  /** The workload subnet (SageMaker ENIs, VPC endpoint ENIs); default route to this AZ's NAT gateway. */
  readonly workload: LaneSubnet;
  readonly natGateway: NatGateway;
  readonly natEip: Eip;
  /** The routes that make up this lane's way to the internet, for whatever must wait for it. */
  readonly egressPath: Route[] = [];

  constructor(scope: Construct, props: AzLaneProps) {
    super(scope, props.availabilityZone);
    this.availabilityZone = props.availabilityZone;
    this.cidrs = props.cidrs;

    const subnet = (tier: Tier) =>
      new LaneSubnet(this, tier, { availabilityZone: props.availabilityZone, cidrBlock: props.cidrs[tier], vpcId: props.vpcId, namePrefix: props.namePrefix });
    this.firewall = subnet("firewall");
    this.nat = subnet("nat");
    this.workload = subnet("workload");

    this.natEip = new Eip(this, "nat-eip", {
      domain: "vpc",
      tags: { Name: `${props.namePrefix}-nat-${props.availabilityZone}` },
      dependsOn: [props.internetGatewayDependency],
    });
    this.natGateway = new NatGateway(this, "nat-gateway", {
      allocationId: this.natEip.allocationId,
      subnetId: this.nat.subnet.id,
      connectivityType: "public",
      tags: { Name: `${props.namePrefix}-nat-${props.availabilityZone}` },
      dependsOn: [props.internetGatewayDependency],
    });

    this.egressPath.push(
      this.firewall.defaultRoute({ gatewayId: props.internetGatewayId }),
      this.workload.defaultRoute({ natGatewayId: this.natGateway.id }),
    );
  }

  /**
   * Sends this lane's internet traffic through `firewallEndpointId` in both directions: the NAT
   * subnet's default route, and on the internet gateway's edge route table the route back to
   * this lane's NAT subnet.
   */
  inspectThrough(firewallEndpointId: string, edgeRouteTable: RouteTable): void {
    this.egressPath.push(
      this.nat.defaultRoute({ vpcEndpointId: firewallEndpointId }),
      new Route(this, "edge-return-route", {
        routeTableId: edgeRouteTable.id,
        destinationCidrBlock: this.cidrs.nat,
        vpcEndpointId: firewallEndpointId,
      }),
    );
  }
}
