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

/**
 * One tier's subnet of an AZ lane, with its own route table (associated) and at most one default
 * route. Created by AzLane; exported because AzLane's `firewall`, `nat` and `workload` are of this type.
 */
export class LaneSubnet extends Construct {
  /** The subnet (no public IPs on launch). */
  readonly subnet: Subnet;
  /** The subnet's own route table. */
  readonly routeTable: RouteTable;

  constructor(scope: Construct, tier: Tier, props: AzLaneProps) {
    super(scope, tier);
    const name = `${props.namePrefix}-${tier}-${props.availabilityZone}`;
    this.subnet = new Subnet(this, "subnet", {
      vpcId: props.vpcId,
      availabilityZone: props.availabilityZone,
      cidrBlock: props.cidrs[tier],
      // No tier is public: even the NAT subnet reaches the internet only through the firewall.
      mapPublicIpOnLaunch: false,
      tags: { Name: name, Tier: tier },
    });
    this.routeTable = new RouteTable(this, "route-table", { vpcId: props.vpcId, tags: { Name: name, Tier: tier } });
    new RouteTableAssociation(this, "association", { subnetId: this.subnet.id, routeTableId: this.routeTable.id });
  }

  /** Exactly one target: an internet gateway, a NAT gateway or a firewall endpoint. */
  defaultRoute(target: Pick<RouteConfig, "gatewayId" | "natGatewayId" | "vpcEndpointId">): Route {
    return new Route(this, "default-route", {
      routeTableId: this.routeTable.id,
      destinationCidrBlock: ANYWHERE,
      ...target,
    });
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

    this.firewall = new LaneSubnet(this, "firewall", props);
    this.nat = new LaneSubnet(this, "nat", props);
    this.workload = new LaneSubnet(this, "workload", props);

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
