/**
 * The multi-AZ inspected VPC: a VPC whose internet traffic leaves through a NAT gateway and an
 * AWS Network Firewall endpoint in every AZ (the seed solution's single-AZ design, repeated per AZ).
 *
 * Shared: VPC (DNS on), internet gateway and its edge route table, the firewall (one endpoint per
 * AZ), and the default security group with every rule removed. Per AZ: an AzLane keyed by AZ name.
 */
import { Construct } from "constructs";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { AzLane } from "./az-lane";
import { AwsAccount } from "../aws/account";
import { FirewallProtection, InspectionFirewall } from "./firewall";
import { VpcFlowLogs } from "./flow-logs";
import { LaneCidrs } from "./subnet-plan";

export interface InspectedVpcProps {
  /** Prefix of Name tags. */
  readonly namePrefix: string;
  readonly vpcCidr: string;
  /** Subnet CIDRs keyed by AZ name; one lane is built per key. */
  readonly lanes: Readonly<Record<string, LaneCidrs>>;
  readonly firewall: {
    readonly firewallName: string;
    readonly policyName: string;
    readonly allowlistRuleGroupName: string;
    readonly allowedDomains: ReadonlyArray<string>;
    readonly allowlistCapacity: number;
    readonly suricata?: { readonly ruleGroupName: string; readonly rules: string; readonly capacity: number };
    /** See InspectionFirewallProps.protocolHygiene (default: on). */
    readonly protocolHygiene?: { readonly enabled?: boolean; readonly ruleGroupName?: string };
    /** See InspectionFirewallProps.tlsInspection (default: none). */
    readonly tlsInspection?: { readonly name: string; readonly certificateAuthorityArn: string };
    readonly protection: FirewallProtection;
  };
  /** Logs (firewall alert/flow, VPC flow) and the firewall's encryption. */
  readonly logging: {
    readonly account: AwsAccount;
    /** Encrypts the firewall, its policy and rule groups, and the network's log groups. */
    readonly kmsKeyArn: string;
    readonly retentionDays: number;
    readonly firewallLogGroupPrefix: string;
    readonly flowLogGroupName: string;
    readonly flowLogRoleName: string;
  };
}

export class InspectedVpc extends Construct {
  readonly vpc: Vpc;
  readonly internetGateway: InternetGateway;
  readonly edgeRouteTable: RouteTable;
  readonly inspection: InspectionFirewall;
  readonly flowLogs: VpcFlowLogs;
  /** Lanes keyed by AZ name, in configured order. */
  readonly lanes: Readonly<Record<string, AzLane>>;

  constructor(scope: Construct, id: string, props: InspectedVpcProps) {
    super(scope, id);
    const azs = Object.keys(props.lanes);
    if (azs.length === 0) throw new Error("InspectedVpc needs at least one AZ");

    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: props.vpcCidr,
      // Interface endpoints with private DNS (SageMaker, STS, ...) need both.
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: props.namePrefix },
    });

    // Adopting the default SG with no rule blocks removes AWS's allow-all rules, so anything
    // launched without an explicit SG can talk to nothing.
    new DefaultSecurityGroup(this, "default-security-group", {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: { Name: `${props.namePrefix}-default-deny-all` },
    });

    this.internetGateway = new InternetGateway(this, "internet-gateway", {
      vpcId: this.vpc.id,
      tags: { Name: props.namePrefix },
    });

    const lanes: Record<string, AzLane> = {};
    for (const az of azs) {
      lanes[az] = new AzLane(this, {
        availabilityZone: az,
        cidrs: props.lanes[az],
        vpcId: this.vpc.id,
        internetGatewayId: this.internetGateway.id,
        internetGatewayDependency: this.internetGateway,
        namePrefix: props.namePrefix,
      });
    }
    this.lanes = lanes;

    const logs = { kmsKeyArn: props.logging.kmsKeyArn, retentionDays: props.logging.retentionDays };
    this.inspection = new InspectionFirewall(this, "inspection", {
      ...props.firewall,
      vpcId: this.vpc.id,
      subnetIdsByAz: Object.fromEntries(azs.map((az) => [az, lanes[az].firewall.subnet.id])),
      homeNet: [props.vpcCidr],
      kmsKeyArn: props.logging.kmsKeyArn,
      logGroupPrefix: props.logging.firewallLogGroupPrefix,
      logs,
    });

    this.flowLogs = new VpcFlowLogs(this, "flow-logs", {
      account: props.logging.account,
      vpcId: this.vpc.id,
      logGroupName: props.logging.flowLogGroupName,
      roleName: props.logging.flowLogRoleName,
      logs,
    });

    // Ingress routing: traffic arriving at the internet gateway for a NAT subnet goes back
    // through that AZ's firewall endpoint (one route per lane, added by the lane).
    this.edgeRouteTable = new RouteTable(this, "igw-edge-route-table", {
      vpcId: this.vpc.id,
      tags: { Name: `${props.namePrefix}-igw-edge` },
    });
    new RouteTableAssociation(this, "igw-edge-association", {
      gatewayId: this.internetGateway.id,
      routeTableId: this.edgeRouteTable.id,
    });

    for (const az of azs) lanes[az].inspectThrough(this.inspection.endpointId(az), this.edgeRouteTable);
  }

  /** AZ name => value, for outputs and for other modules (endpoints, SageMaker). */
  byAz<T>(pick: (lane: AzLane) => T): Record<string, T> {
    return Object.fromEntries(Object.entries(this.lanes).map(([az, lane]) => [az, pick(lane)]));
  }
}
