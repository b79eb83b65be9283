/**
 * Private access to AWS services from the workload subnets, shared by every stack:
 * - an S3 gateway endpoint on every workload route table, with a policy that names the buckets
 *   the workloads may use (the data-perimeter half of the seed's S3 design);
 * - one interface endpoint per configured service, with private DNS, with an ENI in the workload
 *   subnet of every AZ (so losing an AZ does not lose AWS API access), behind a security group
 *   that admits nothing until a workload stack registers its security groups (EndpointIngress).
 */
import { Construct } from "constructs";
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcEndpointRouteTableAssociation } from "@cdktf/provider-aws/lib/vpc-endpoint-route-table-association";
import { AwsAccount } from "../aws/account";

/** "sts" -> com.amazonaws.<region>.sts; SageMaker's "notebook" and "studio" live under aws.sagemaker. */
export function interfaceServiceName(service: string, region: string): string {
  return service === "notebook" || service === "studio" ? `aws.sagemaker.${region}.${service}` : `com.amazonaws.${region}.${service}`;
}

export interface S3EndpointAccess {
  /** Buckets the workloads may read and write through the endpoint. */
  readonly bucketArns: ReadonlyArray<string>;
  /** The seed README's optional statement for SageMaker JumpStart's public objects. */
  readonly allowJumpStartRead: boolean;
  /**
   * Read access to the Amazon Linux package repositories, which live in S3 and are therefore
   * reached through this endpoint: notebook instances (Amazon Linux 2) need it for `yum`.
   */
  readonly allowAmazonLinuxRepos?: boolean;
}

export interface ServiceEndpointsProps {
  readonly account: AwsAccount;
  readonly namePrefix: string;
  readonly vpcId: string;
  /** One workload subnet per AZ. */
  readonly subnetIds: ReadonlyArray<string>;
  /**
   * The workload route tables, keyed by AZ name, which get the S3 prefix-list route. Each is a
   * separate association resource keyed by AZ, not the endpoint's route_table_ids: adding an AZ
   * then creates one association instead of updating the endpoint, and the bucket policies, which
   * name the endpoint, stay known at plan time (Terraform defers reading a policy document that
   * depends on a resource with pending changes, which would show every bucket policy as changing).
   */
  readonly routeTableIdsByAz: Readonly<Record<string, string>>;
  readonly interfaceServices: ReadonlyArray<string>;
  readonly s3: S3EndpointAccess;
}

export class ServiceEndpoints extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly s3Gateway: VpcEndpoint;
  /** Interface endpoints keyed by service short name. */
  readonly interfaces: Readonly<Record<string, VpcEndpoint>>;

  constructor(scope: Construct, id: string, props: ServiceEndpointsProps) {
    super(scope, id);
    const { account } = props;

    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${props.namePrefix}-vpc-endpoints`,
      description: "Interface VPC endpoints: HTTPS from the SageMaker security groups only",
      vpcId: props.vpcId,
      // No egress rules: endpoints only answer. (Terraform removes AWS's default allow-all egress.)
      tags: { Name: `${props.namePrefix}-vpc-endpoints` },
    });

    const interfaces: Record<string, VpcEndpoint> = {};
    for (const service of props.interfaceServices) {
      interfaces[service] = new VpcEndpoint(this, `interface-${service}`, {
        vpcId: props.vpcId,
        serviceName: interfaceServiceName(service, account.region),
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: [...props.subnetIds],
        securityGroupIds: [this.securityGroup.id],
        tags: { Name: `${props.namePrefix}-${service}` },
      });
    }
    this.interfaces = interfaces;

    const objects = props.s3.bucketArns.map((arn) => `${arn}/*`);
    const statements: DataAwsIamPolicyDocumentStatement[] = [
      {
        sid: "AllowWorkloadBuckets",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: [
          "s3:GetObject",
          "s3:PutObject",
          "s3:DeleteObject",
          "s3:ListBucket",
          "s3:GetBucketLocation",
          "s3:ListMultipartUploadParts",
          "s3:AbortMultipartUpload",
        ],
        resources: [...props.s3.bucketArns, ...objects],
      },
      {
        // ECR stores image layers in this AWS-owned bucket; without it `docker pull` through the
        // ecr.dkr endpoint fails (ECR "Amazon S3 gateway endpoint" requirements).
        sid: "AllowEcrImageLayers",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:GetObject"],
        resources: [`arn:${account.partition}:s3:::prod-${account.region}-starport-layer-bucket/*`],
      },
    ];
    if (props.s3.allowAmazonLinuxRepos) {
      statements.push({
        sid: "AllowAmazonLinuxRepositories",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:GetObject"],
        resources: [`arn:${account.partition}:s3:::amazonlinux.${account.region}.amazonaws.com/*`, `arn:${account.partition}:s3:::amazonlinux-2-repos-${account.region}/*`],
      });
    }
    if (props.s3.allowJumpStartRead) {
      statements.push({
        sid: "AllowJumpStartRead",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:GetObject"],
        resources: ["*"],
        condition: [{ test: "StringEqualsIgnoreCase", variable: "s3:ExistingObjectTag/SageMaker", values: ["true"] }],
      });
    }
    this.s3Gateway = new VpcEndpoint(this, "s3-gateway", {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${account.region}.s3`,
      // The bucket policies of the data buckets name this endpoint's ID.
      vpcEndpointType: "Gateway",
      policy: new DataAwsIamPolicyDocument(this, "s3-gateway-policy", { statement: statements }).json,
      tags: { Name: `${props.namePrefix}-s3` },
    });
    for (const [az, routeTableId] of Object.entries(props.routeTableIdsByAz)) {
      new VpcEndpointRouteTableAssociation(this, `s3-gateway-${az}`, { vpcEndpointId: this.s3Gateway.id, routeTableId });
    }
  }
}
