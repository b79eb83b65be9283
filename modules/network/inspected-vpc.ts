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
import type { AccountContext } from "../aws/account-context";
import { FirewallOptions, InspectionFirewall } from "./firewall";
import { VpcFlowLogs } from "./flow-logs";
import { LaneCidrs, lanesOrPlan, planLanes } from "./subnet-plan";

/** The default VPC CIDR (the seed solution's): a /16, which the default subnet plan fits 8 AZs into. */
export const DEFAULT_VPC_CIDR = "10.2.0.0/16";

/** Where the network's logs go and how they are protected. */
export interface InspectedVpcLogging {
  /** The account and region (AwsAccount, or any AccountContext): the flow-log role's trust names them. Required. */
  readonly account: AccountContext;
  /**
   * Customer managed KMS key that encrypts the firewall, its policy and rule groups, and the
   * network's log groups. Required: its policy must let Network Firewall (through the service) and
   * CloudWatch Logs use it (keyUseThrough, cloudWatchLogsKeyUse).
   */
  readonly kmsKeyArn: string;
  /** Days the firewall's alert and flow logs and the VPC flow logs are kept. Default 365. */
  readonly retentionDays?: number;
  /** Prefix of the firewall's log groups ("<prefix>/alert", "<prefix>/flow"). Default `/aws/vendedlogs/network-firewall/<namePrefix>`. */
  readonly firewallLogGroupPrefix?: string;
  /** The VPC flow logs' log group. Default `/aws/vpc-flow-logs/<namePrefix>`. */
  readonly flowLogGroupName?: string;
  /** The IAM role the flow-logs service assumes (IAM names are account-global). Default `<namePrefix>-<region>-flow-logs`. */
  readonly flowLogRoleName?: string;
}

export interface InspectedVpcProps {
  /**
   * Prefix of every name and Name tag (e.g. "<project>-<environment>"). Required: names of
   * firewalls, policies and roles must be unique per account (and region), so two networks in one
   * account need different prefixes.
   */
  readonly namePrefix: string;
  /** The VPC's IPv4 CIDR, without host bits. Default "10.2.0.0/16" (DEFAULT_VPC_CIDR). */
  readonly vpcCidr?: string;
  /**
   * The AZs to build a lane in, with subnets from the default subnet plan (planLanes: an AZ's
   * subnets depend on its letter only, so adding or removing an AZ never moves another's). The plan
   * needs a VPC of /16 to /19 and AZ letters a-h. Give this or `lanes`, not both.
   */
  readonly availabilityZones?: ReadonlyArray<string>;
  /**
   * Subnet CIDRs keyed by AZ name, one lane per key, for a plan of your own (or planLanes with
   * overrides). Give this or `availabilityZones`, not both.
   */
  readonly lanes?: Readonly<Record<string, LaneCidrs>>;
  /**
   * The firewall's domain allowlist, optional rules, names and protection. Default: every
   * FirewallOptions default, with names from `namePrefix`: firewall `<namePrefix>-firewall`,
   * policy `<namePrefix>-firewall-policy`, rule groups `<namePrefix>-domain-allowlist`,
   * `<namePrefix>-protocol-hygiene`, `<namePrefix>-suricata`, TLS inspection configuration
   * `<namePrefix>-tls-inspection`.
   */
  readonly firewall?: FirewallOptions;
  /** The account, the key that encrypts the firewall and the logs, and the logs' names and retention. Required. */
  readonly logging: InspectedVpcLogging;
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
    const vpcCidr = props.vpcCidr ?? DEFAULT_VPC_CIDR;
    const planned = lanesOrPlan<LaneCidrs>("InspectedVpc", props, vpcCidr, planLanes);
    const azs = Object.keys(planned);
    if (azs.length === 0) throw new Error("InspectedVpc needs at least one AZ");
    const prefix = props.namePrefix;

    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: vpcCidr,
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
        cidrs: planned[az],
        vpcId: this.vpc.id,
        internetGatewayId: this.internetGateway.id,
        internetGatewayDependency: this.internetGateway,
        namePrefix: props.namePrefix,
      });
    }
    this.lanes = lanes;

    const { logging } = props;
    const logs = { kmsKeyArn: logging.kmsKeyArn, retentionDays: logging.retentionDays };
    const fw = props.firewall ?? {};
    this.inspection = new InspectionFirewall(this, "inspection", {
      ...fw,
      firewallName: fw.firewallName ?? `${prefix}-firewall`,
      allowlistRuleGroupName: fw.allowlistRuleGroupName ?? `${prefix}-domain-allowlist`,
      suricata: fw.suricata && { ...fw.suricata, ruleGroupName: fw.suricata.ruleGroupName ?? `${prefix}-suricata` },
      protocolHygiene: { ...fw.protocolHygiene, ruleGroupName: fw.protocolHygiene?.ruleGroupName ?? `${prefix}-protocol-hygiene` },
      tlsInspection: fw.tlsInspection && { ...fw.tlsInspection, name: fw.tlsInspection.name ?? `${prefix}-tls-inspection` },
      vpcId: this.vpc.id,
      subnetIdsByAz: Object.fromEntries(azs.map((az) => [az, lanes[az].firewall.subnet.id])),
      homeNet: [vpcCidr],
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
