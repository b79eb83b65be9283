/**
 * SageMaker Studio in VpcOnly mode on the workload subnets of every AZ, with one security group
 * per user profile.
 *
 * Isolation (the seed's VPC-only guidance): "create a distinct security group for each user
 * profile and add inbound access from that same security group; do not reuse a domain-level
 * security group" that admits itself, or every app in the domain could reach every other user's
 * apps without authentication. So:
 * - each profile's group admits TCP only from itself (JupyterServer <-> KernelGateway need
 *   8192-65535 within the group; we allow all TCP within it) and may send TCP to itself;
 * - the domain-level group (used only where no profile group applies) admits nothing;
 * - all groups may send HTTPS/HTTP out: to the VPC endpoints, and to the internet, which only
 *   happens through the NAT gateway and the firewall's domain allowlist.
 * SageMaker adds its own NFS security groups for the home EFS volume.
 */
import { Construct } from "constructs";
import { SagemakerDomain } from "@cdktf/provider-aws/lib/sagemaker-domain";
import { SagemakerUserProfile } from "@cdktf/provider-aws/lib/sagemaker-user-profile";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import type { EndpointClients } from "../endpoints/endpoint-clients";
import { privateGroup } from "./private-group";
import { allowWebEgress } from "./web-egress";

export interface StudioDomainProps {
  /** The domain's name (1-63 of letters, digits, hyphens; unique per account and region). Default `namePrefix`. */
  readonly domainName?: string;
  /** Prefix of the security groups' names (`<namePrefix>-domain`, `<namePrefix>-user-<profile>`). Required. */
  readonly namePrefix: string;
  /** The VPC the domain's apps run in (VpcOnly: no SageMaker-managed internet access). Required. */
  readonly vpcId: string;
  /** The workload subnet of every AZ. Required. */
  readonly subnetIds: ReadonlyArray<string>;
  /** Customer key for the home EFS volume and the apps' EBS volumes. Required. */
  readonly kmsKeyArn: string;
  /** The domain's default execution role (default user and shared-space settings). Required. */
  readonly executionRoleArn: string;
  /**
   * Each user profile's own execution role, so one user's apps cannot manage another's (see
   * studioStatements). Default: every profile uses `executionRoleArn`.
   */
  readonly executionRoleArnOf?: (profile: string) => string;
  /**
   * User profile names (1-63 of letters, digits, hyphens), each with its own security group.
   * Default: none (profiles can be added later without replacing the domain).
   */
  readonly userProfiles?: ReadonlyArray<string>;
  /** A JupyterLab lifecycle configuration every app and space runs by default (e.g. trusting a CA). Default: none. */
  readonly jupyterLabLifecycleConfigArn?: string;
  /**
   * The interface endpoints, told to admit HTTPS from every group made here: ServiceEndpoints in
   * the same stack, an EndpointIngress in another. Required (without it the apps cannot reach AWS
   * APIs).
   */
  readonly endpoints: EndpointClients;
}

/**
 * One user profile of the domain and its own security group (TCP only within the group; HTTPS
 * out; registered with the endpoints). Created by StudioDomain for each of `userProfiles`.
 */
export class UserProfileGroup extends Construct {
  /** The profile's own security group: its apps reach each other, nobody else's. */
  readonly securityGroup: SecurityGroup;
  readonly profile: SagemakerUserProfile;

  /** `name` is the profile's name (and the construct's id); `domainId` the domain it belongs to. */
  constructor(scope: Construct, name: string, props: StudioDomainProps, domainId: string) {
    super(scope, name);
    this.securityGroup = privateGroup(this, "security-group", {
      name: `${props.namePrefix}-user-${name}`,
      description: `Studio apps of user profile ${name}: reachable only from its own apps`,
      vpcId: props.vpcId,
      selfTraffic: `TCP between ${name}'s own Studio apps (JupyterServer and KernelGateway)`,
      endpoints: props.endpoints,
      endpointClientId: `studio-user-${name}`,
    });

    this.profile = new SagemakerUserProfile(this, "profile", {
      domainId,
      userProfileName: name,
      userSettings: { executionRole: props.executionRoleArnOf?.(name) ?? props.executionRoleArn, securityGroups: [this.securityGroup.id] },
    });
  }
}

export class StudioDomain extends Construct {
  readonly domain: SagemakerDomain;
  readonly domainSecurityGroup: SecurityGroup;
  /** Keyed by profile name. */
  readonly userProfiles: Readonly<Record<string, UserProfileGroup>>;

  constructor(scope: Construct, id: string, props: StudioDomainProps) {
    super(scope, id);

    this.domainSecurityGroup = new SecurityGroup(this, "domain-security-group", {
      name: `${props.namePrefix}-domain`,
      description: "Studio domain default: no inbound; outbound web only (user profiles have their own groups)",
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-domain` },
    });
    allowWebEgress(this, this.domainSecurityGroup);
    props.endpoints.allowHttpsFrom("studio-domain", this.domainSecurityGroup.id, "HTTPS from the Studio domain default security group");

    const lc = props.jupyterLabLifecycleConfigArn;
    const jupyterLab = lc ? { jupyterLabAppSettings: { lifecycleConfigArns: [lc], defaultResourceSpec: { lifecycleConfigArn: lc } } } : {};
    this.domain = new SagemakerDomain(this, "domain", {
      domainName: props.domainName ?? props.namePrefix,
      authMode: "IAM",
      appNetworkAccessType: "VpcOnly",
      vpcId: props.vpcId,
      subnetIds: [...props.subnetIds],
      kmsKeyId: props.kmsKeyArn,
      defaultUserSettings: {
        executionRole: props.executionRoleArn,
        securityGroups: [this.domainSecurityGroup.id],
        ...jupyterLab,
      },
      defaultSpaceSettings: {
        executionRole: props.executionRoleArn,
        securityGroups: [this.domainSecurityGroup.id],
        ...jupyterLab,
      },
      // Users' home directories survive a destroy or a replacement of the domain.
      retentionPolicy: { homeEfsFileSystem: "Retain" },
      lifecycle: {
        // hashicorp/aws 5.100 marks subnet_ids ForceNew (provider issue #48778): adding an AZ
        // would replace the domain and all its profiles. Extend the domain's subnets with
        // `aws sagemaker update-domain` instead (README, "Adding an AZ").
        ignoreChanges: ["subnet_ids"],
      },
    });

    const profiles: Record<string, UserProfileGroup> = {};
    for (const name of props.userProfiles ?? []) profiles[name] = new UserProfileGroup(this, name, props, this.domain.id);
    this.userProfiles = profiles;
  }
}
