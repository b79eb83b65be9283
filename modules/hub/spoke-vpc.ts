/**
 * A spoke of an egress hub: the environment's VPC without an internet path of its own. Per AZ
 * (keyed by AZ name) a workload subnet and a Transit Gateway attachment subnet, each with its own
 * route table; the VPC's attachment to the hub's Transit Gateway (given by ID: the hub shares it
 * through RAM, this stack creates the attachment in the spoke's account, the hub's stack accepts
 * it in the hub's account); the workload subnets' 0.0.0.0/0 -> the Transit Gateway once the
 * attachment can carry traffic (SpokeAttachmentState). No NAT gateway,
 * Elastic IP or internet gateway: the hub's firewall is the only way out.
 *
 * It has the surface the network stack composes the rest from (InspectedVpc's: `vpc`, `lanes[az]
 * .workload`, `byAz`), so the VPC endpoints, the data perimeter, the DNS Firewall association and
 * the published network contract are built on it as on a local-egress network, and the Studio and
 * notebook stacks need no change.
 */
import { Construct } from "constructs";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Ec2TransitGatewayVpcAttachment } from "@cdktf/provider-aws/lib/ec2-transit-gateway-vpc-attachment";
import { Route } from "@cdktf/provider-aws/lib/route";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import type { AccountContext } from "../aws/account-context";
import { LaneSubnet } from "../network/az-lane";
import { DEFAULT_VPC_CIDR } from "../network/inspected-vpc";
import { VpcFlowLogs } from "../network/flow-logs";
import { waive } from "../guardrails";
import { planSpokeLanes, SpokeLaneCidrs, SpokeTier } from "./hub-plan";
import { lanesOrPlan } from "../network/subnet-plan";

export interface SpokeVpcLogging {
  /** The account and region (the flow-log role's trust names them). Required. */
  readonly account: AccountContext;
  /** Customer managed key of the VPC flow-log group. Required. */
  readonly kmsKeyArn: string;
  /** Days the flow logs are kept. Default 365. */
  readonly retentionDays?: number;
  /** The flow logs' log group. Default `/aws/vpc-flow-logs/<namePrefix>`. */
  readonly flowLogGroupName?: string;
  /** The flow-logs role's name. Default `<namePrefix>-<region>-flow-logs`. */
  readonly flowLogRoleName?: string;
}

export interface SpokeVpcProps {
  /** Prefix of every name and Name tag ("<project>-<environment>"). Required. */
  readonly namePrefix: string;
  /** The VPC's CIDR (no overlap with the hub's other spokes). Default "10.2.0.0/16" (as a local-egress network). */
  readonly vpcCidr?: string;
  /** The AZs, each with a lane of the spoke plan (planSpokeLanes; letters a-h). Give this or `lanes`. */
  readonly availabilityZones?: ReadonlyArray<string>;
  /** Workload and attachment CIDRs keyed by AZ name, for a plan of your own. Give this or `availabilityZones`. */
  readonly lanes?: Readonly<Record<string, SpokeLaneCidrs>>;
  /** The hub's Transit Gateway (shared with this account through RAM). Required. */
  readonly transitGatewayId: string;
  /**
   * Where the attachment stands, which decides whether the workload subnets' 0.0.0.0/0 -> gateway
   * routes exist yet. Required (there is no safe default: see SpokeAttachmentState).
   */
  readonly attachmentState: SpokeAttachmentState;
  /** The account, key, log names and retention of the flow logs. Required. */
  readonly logging: SpokeVpcLogging;
}

/**
 * Where a spoke's attachment stands (docs/hub.md, "Deploy order"):
 * - "same-account": the gateway is in this VPC's own account, so AWS accepts the attachment itself
 *   and the routes are created with it;
 * - "awaiting-hub": the gateway is another account's (shared through RAM) and the hub has not been
 *   told to accept the attachment (no egress.attachmentId). The attachment is pendingAcceptance
 *   until the hub's accepter runs, and CreateRoute to a shared gateway fails with
 *   InvalidTransitGatewayID.NotFound until then (hashicorp/terraform-provider-aws#10025; the route's
 *   create retries only within its timeout, internal/service/ec2/vpc_route.go): the workload subnets
 *   get no default route yet, and the first deploy succeeds;
 * - "accepted-by-hub": another account's gateway, and the hub's config names the attachment (the
 *   hub's deploy accepts it before this stack is deployed again): the routes are created.
 */
export type SpokeAttachmentState = "same-account" | "awaiting-hub" | "accepted-by-hub";

/** One AZ of a spoke: the workload subnet (default route to the Transit Gateway) and the attachment subnet (local routes only). */
export class SpokeLane extends Construct {
  readonly availabilityZone: string;
  readonly cidrs: SpokeLaneCidrs;
  /** SageMaker ENIs and VPC endpoint ENIs; 0.0.0.0/0 -> the Transit Gateway. */
  readonly workload: LaneSubnet;
  /** The Transit Gateway attachment's ENI. Only the VPC's local route: what arrives from the gateway is delivered inside the VPC. */
  readonly attachment: LaneSubnet;
  /** The workload subnet's default route (set by SpokeVpc once the attachment can carry traffic; absent while it awaits the hub). */
  defaultRoute?: Route;

  constructor(scope: Construct, props: { availabilityZone: string; cidrs: SpokeLaneCidrs; vpcId: string; namePrefix: string }) {
    super(scope, props.availabilityZone);
    this.availabilityZone = props.availabilityZone;
    this.cidrs = props.cidrs;
    const subnet = (tier: SpokeTier) => new LaneSubnet(this, tier, { availabilityZone: props.availabilityZone, cidrBlock: props.cidrs[tier], vpcId: props.vpcId, namePrefix: props.namePrefix });
    this.workload = subnet("workload");
    this.attachment = subnet("attachment");
  }
}

export class SpokeVpc extends Construct {
  readonly vpc: Vpc;
  readonly vpcCidr: string;
  readonly attachment: Ec2TransitGatewayVpcAttachment;
  /** Whether the workload subnets route 0.0.0.0/0 to the gateway (false while the attachment awaits the hub). */
  readonly routesToGateway: boolean;
  readonly flowLogs: VpcFlowLogs;
  /** Lanes keyed by AZ name, in the order given. */
  readonly lanes: Readonly<Record<string, SpokeLane>>;

  constructor(scope: Construct, id: string, props: SpokeVpcProps) {
    super(scope, id);
    const vpcCidr = props.vpcCidr ?? DEFAULT_VPC_CIDR;
    this.vpcCidr = vpcCidr;
    const planned = lanesOrPlan<SpokeLaneCidrs>("SpokeVpc", props, vpcCidr, planSpokeLanes);
    const azs = Object.keys(planned);
    if (azs.length === 0) throw new Error("SpokeVpc needs at least one AZ");
    const prefix = props.namePrefix;

    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: vpcCidr,
      // Interface endpoints with private DNS (SageMaker, STS, ...) need both.
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: prefix },
    });
    new DefaultSecurityGroup(this, "default-security-group", { vpcId: this.vpc.id, ingress: [], egress: [], tags: { Name: `${prefix}-default-deny-all` } });

    const lanes: Record<string, SpokeLane> = {};
    for (const az of azs) lanes[az] = new SpokeLane(this, { availabilityZone: az, cidrs: planned[az], vpcId: this.vpc.id, namePrefix: prefix });
    this.lanes = lanes;

    this.attachment = new Ec2TransitGatewayVpcAttachment(this, "tgw-attachment", {
      transitGatewayId: props.transitGatewayId,
      vpcId: this.vpc.id,
      subnetIds: azs.map((az) => lanes[az].attachment.subnet.id),
      dnsSupport: "enable",
      // Only the inspection VPC's attachment needs appliance mode (a spoke holds no stateful appliance).
      applianceModeSupport: "disable",
      // transit_gateway_default_route_table_{association,propagation}: with a gateway of another
      // account they are left out: the provider cannot set them on a RAM-shared gateway, its Read
      // reports true for them whatever AWS holds, so false would plan a change forever; the hub's
      // accepter sets them (false). With the gateway in this account they are false, as the gateway
      // has no default tables (transit-gateway.ts): the provider then reads them back as false
      // (internal/service/ec2/transitgateway_vpc_attachment.go, Read), and says so in the plan.
      ...(props.attachmentState === "same-account" ? { transitGatewayDefaultRouteTableAssociation: false, transitGatewayDefaultRouteTablePropagation: false } : {}),
      tags: { Name: `${prefix}-spoke` },
    });

    // Only once the attachment can carry traffic (SpokeAttachmentState): a route to a shared
    // gateway whose attachment is still pending acceptance fails, and so would the first deploy.
    this.routesToGateway = props.attachmentState !== "awaiting-hub";
    if (this.routesToGateway) {
      for (const az of azs) {
        const route = lanes[az].workload.defaultRoute({ transitGatewayId: props.transitGatewayId }, { dependsOn: [this.attachment] });
        waive(
          route,
          "NO_FIREWALL_BYPASS",
          "egress hub spoke: 0.0.0.0/0 goes to the hub's Transit Gateway, whose spoke route table sends it only to the inspection VPC's firewall (modules/hub); this VPC has no internet gateway",
        );
        lanes[az].defaultRoute = route;
      }
    }

    this.flowLogs = new VpcFlowLogs(this, "flow-logs", {
      account: props.logging.account,
      vpcId: this.vpc.id,
      logGroupName: props.logging.flowLogGroupName ?? `/aws/vpc-flow-logs/${prefix}`,
      roleName: props.logging.flowLogRoleName ?? `${prefix}-${props.logging.account.region}-flow-logs`,
      logs: { kmsKeyArn: props.logging.kmsKeyArn, retentionDays: props.logging.retentionDays },
    });
  }

  /** AZ name => value, for outputs and for other modules (endpoints, SageMaker). */
  byAz<T>(pick: (lane: SpokeLane) => T): Record<string, T> {
    return Object.fromEntries(Object.entries(this.lanes).map(([az, lane]) => [az, pick(lane)]));
  }
}
