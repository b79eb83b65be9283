/**
 * Private access to AWS services from the workload subnets, shared by every stack:
 * - an S3 gateway endpoint on every workload route table, with a policy that names the buckets
 *   the workloads may use (the data-perimeter half of the seed's S3 design);
 * - one interface endpoint per configured service, with private DNS, with an ENI in the workload
 *   subnet of every AZ (so losing an AZ does not lose AWS API access), behind a security group
 *   that admits nothing until a workload stack registers its security groups (EndpointIngress).
 */
import { Construct } from "constructs";
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement, DataAwsIamPolicyDocumentStatementCondition } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcEndpointRouteTableAssociation } from "@cdktf/provider-aws/lib/vpc-endpoint-route-table-association";
import { EndpointClients, EndpointIngress } from "./endpoint-clients";
import type { AccountContext } from "../aws/account-context";

/** "sts" -> com.amazonaws.<region>.sts; SageMaker's "notebook" and "studio" live under aws.sagemaker. */
export function interfaceServiceName(service: string, region: string): string {
  return service === "notebook" || service === "studio" ? `aws.sagemaker.${region}.${service}` : `com.amazonaws.${region}.${service}`;
}

/** What the S3 gateway endpoint's policy admits. */
export interface S3EndpointAccess {
  /**
   * Buckets the perimeter's principals may read and write through the endpoint; every other
   * bucket is refused (AWS-owned ones below aside). Required, at least one: the data perimeter has
   * no sensible default.
   */
  readonly bucketArns: ReadonlyArray<string>;
  /**
   * Let the perimeter's principals read JumpStart's AWS-owned cache bucket
   * (`jumpstart-cache-prod-<region>`). Default false: only if the workloads use JumpStart.
   */
  readonly allowJumpStartRead?: boolean;
  /**
   * Read access to the Amazon Linux package repositories, which live in S3 and are therefore
   * reached through this endpoint: notebook instances (Amazon Linux 2) need it for `yum`.
   * Default false (Studio does not need it).
   */
  readonly allowAmazonLinuxRepos?: boolean;
}

/**
 * Who may act through the endpoints (the data perimeter): this account's principals on this
 * account's resources, or the AWS Organization's when `organizationId` is set.
 */
export interface EndpointPerimeter {
  /** AWS Organization ID ("o-..."): admit the organization's principals and resources instead of only this account's. Default: none. */
  readonly organizationId?: string;
  /**
   * Registry accounts whose images this account's principals may pull through the ECR endpoints,
   * besides the perimeter's own: SageMaker pulls a job's image with the job's execution role, so
   * jobs with SageMaker's own images need the region's SageMaker image accounts here
   * (imageRegistryAccounts in modules/sagemaker/image-registries.ts). Default: none.
   */
  readonly ecrImageAccounts?: ReadonlyArray<string>;
}

/**
 * The interface endpoints ServiceEndpoints creates by default: the seed solution's, less the
 * SageMaker UI endpoints (`studio`, `notebook`: see sageMakerUiEndpoint). What SageMaker
 * workloads in a VPC without direct internet access call: the SageMaker API and runtime, STS, SSM,
 * CloudWatch metrics and logs, ECR (images), Service Catalog (SageMaker projects).
 */
export const DEFAULT_INTERFACE_SERVICES: ReadonlyArray<string> = ["sagemaker.api", "sagemaker.runtime", "sts", "ssm", "monitoring", "logs", "ecr.dkr", "ecr.api", "servicecatalog"];

export interface ServiceEndpointsProps {
  /** The account and region: endpoint service names and the perimeter's conditions are built from them. Required. */
  readonly account: AccountContext;
  /** Prefix of the security group's name and the endpoints' Name tags. Required. */
  readonly namePrefix: string;
  /** The VPC. Required. */
  readonly vpcId: string;
  /** One workload subnet per AZ: every interface endpoint gets an ENI in each, so losing an AZ keeps AWS API access. Required. */
  readonly subnetIds: ReadonlyArray<string>;
  /**
   * The workload route tables, keyed by AZ name, which get the S3 prefix-list route. Each is a
   * separate association resource keyed by AZ, not the endpoint's route_table_ids: adding an AZ
   * then creates one association instead of updating the endpoint, and the bucket policies, which
   * name the endpoint, stay known at plan time (Terraform defers reading a policy document that
   * depends on a resource with pending changes, which would show every bucket policy as changing).
   */
  readonly routeTableIdsByAz: Readonly<Record<string, string>>;
  /**
   * Short names of the interface endpoint services ("sts" -> com.amazonaws.<region>.sts); not
   * `s3` (a gateway endpoint, always created) nor `studio`/`notebook` (sageMakerUiEndpoint).
   * Default DEFAULT_INTERFACE_SERVICES.
   */
  readonly interfaceServices?: ReadonlyArray<string>;
  /** The buckets the S3 gateway endpoint admits. Required. */
  readonly s3: S3EndpointAccess;
  /** Whose principals and resources the endpoint policies admit. Default: this account only, no other image accounts. */
  readonly perimeter?: EndpointPerimeter;
}

/** Image pulls (ECR API reference: what `docker pull` calls after GetAuthorizationToken). */
const ECR_PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"];

/**
 * Also an EndpointClients: a workload in the same stack passes it as `endpoints` and its security
 * groups are admitted (workloads in other stacks use an EndpointIngress on the group's ID).
 */
export class ServiceEndpoints extends Construct implements EndpointClients {
  /** The interface endpoints' security group: no rule of its own; each client adds HTTPS ingress. */
  readonly securityGroup: SecurityGroup;
  readonly s3Gateway: VpcEndpoint;
  /** Interface endpoints keyed by service short name. */
  readonly interfaces: Readonly<Record<string, VpcEndpoint>>;
  private ingress?: EndpointIngress;

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

    const perimeter = props.perimeter ?? {};
    const interfaceServices = props.interfaceServices ?? DEFAULT_INTERFACE_SERVICES;
    const ui = interfaceServices.filter((svc) => SAGEMAKER_UI_SERVICES.includes(svc));
    if (ui.length) throw new Error(`${ui.join(", ")}: create with sageMakerUiEndpoint in the workload stack, whose policy can name the domain or instance`);
    const interfaces: Record<string, VpcEndpoint> = {};
    for (const service of interfaceServices) {
      const policy = new DataAwsIamPolicyDocument(this, `interface-${service}-policy`, { statement: interfaceEndpointStatements(service, account, perimeter) });
      interfaces[service] = new VpcEndpoint(this, `interface-${service}`, {
        vpcId: props.vpcId,
        serviceName: interfaceServiceName(service, account.region),
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: [...props.subnetIds],
        securityGroupIds: [this.securityGroup.id],
        // AWS's default endpoint policy allows everything, with anyone's credentials: replaced.
        policy: policy.json,
        tags: { Name: `${props.namePrefix}-${service}` },
      });
    }
    this.interfaces = interfaces;

    const objects = props.s3.bucketArns.map((arn) => `${arn}/*`);
    const statements: DataAwsIamPolicyDocumentStatement[] = [
      {
        // Only the perimeter's principals: another account's credentials cannot write our data
        // out, nor use our buckets, through this endpoint.
        sid: "AllowWorkloadBuckets",
        principals: [{ type: "*", identifiers: ["*"] }],
        condition: [principalCondition(account, perimeter)],
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
      // The seed allowed any bucket's objects tagged SageMaker=true: anyone can tag objects in a
      // bucket of their own. Only JumpStart's AWS-owned cache buckets, and only for our principals
      // (AWS data-perimeter-policy-examples, "service_owned_resources": jumpstart-cache-prod-<region>).
      statements.push({
        sid: "AllowJumpStartRead",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:GetObject", "s3:ListBucket"],
        resources: [`arn:${account.partition}:s3:::jumpstart-cache-prod-${account.region}`, `arn:${account.partition}:s3:::jumpstart-cache-prod-${account.region}/*`],
        condition: [principalCondition(account, perimeter)],
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

  /** Admits HTTPS from `sourceSecurityGroupId` to every interface endpoint (a rule in this stack, under this construct). */
  allowHttpsFrom(id: string, sourceSecurityGroupId: string, description: string): void {
    this.ingress ??= new EndpointIngress(this, "ingress", { endpointSecurityGroupId: this.securityGroup.id });
    this.ingress.allowHttpsFrom(id, sourceSecurityGroupId, description);
  }
}

/** aws:PrincipalAccount = this account, or aws:PrincipalOrgID = the organization. */
function principalCondition(account: AccountContext, perimeter: EndpointPerimeter): DataAwsIamPolicyDocumentStatementCondition {
  return perimeter.organizationId
    ? { test: "StringEquals", variable: "aws:PrincipalOrgID", values: [perimeter.organizationId] }
    : { test: "StringEquals", variable: "aws:PrincipalAccount", values: [account.accountId] };
}

/** aws:ResourceAccount = this account, or aws:ResourceOrgID = the organization. */
function resourceCondition(account: AccountContext, perimeter: EndpointPerimeter): DataAwsIamPolicyDocumentStatementCondition {
  return perimeter.organizationId
    ? { test: "StringEquals", variable: "aws:ResourceOrgID", values: [perimeter.organizationId] }
    : { test: "StringEquals", variable: "aws:ResourceAccount", values: [account.accountId] };
}

/**
 * The endpoint policy of an interface endpoint (the data perimeter, after AWS's
 * data-perimeter-policy-examples): only the perimeter's principals acting on the perimeter's
 * resources, plus AWS service principals, plus what each service needs beyond that:
 * - ecr.api / ecr.dkr: image pulls from the configured image accounts;
 * - ssm: AWS's public parameters (arn:...:ssm:<region>::parameter/aws/...).
 * Not for the SageMaker UI services (SAGEMAKER_UI_SERVICES): see sageMakerUiEndpoint.
 */
export function interfaceEndpointStatements(service: string, account: AccountContext, perimeter: EndpointPerimeter): DataAwsIamPolicyDocumentStatement[] {
  const anyone = [{ type: "*", identifiers: ["*"] }];
  const principal = principalCondition(account, perimeter);
  const statements: DataAwsIamPolicyDocumentStatement[] = [
    { sid: "PerimeterPrincipalsOnPerimeterResources", principals: anyone, actions: ["*"], resources: ["*"], condition: [principal, resourceCondition(account, perimeter)] },
    { sid: "AwsServicePrincipals", principals: anyone, actions: ["*"], resources: ["*"], condition: [{ test: "Bool", variable: "aws:PrincipalIsAWSService", values: ["true"] }] },
  ];
  if ((service === "ecr.api" || service === "ecr.dkr") && (perimeter.ecrImageAccounts ?? []).length > 0) {
    statements.push({
      sid: "PullFromImageAccounts",
      principals: anyone,
      actions: ECR_PULL_ACTIONS,
      resources: ["*"],
      condition: [principal, { test: "StringEquals", variable: "aws:ResourceAccount", values: [...perimeter.ecrImageAccounts!] }],
    });
  }
  if (service === "ssm") {
    statements.push({
      sid: "AwsPublicParameters",
      principals: anyone,
      actions: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
      resources: [`arn:${account.partition}:ssm:${account.region}::parameter/aws/*`],
      condition: [principal],
    });
  }
  return statements;
}

/** The SageMaker UI endpoint services: each lives in the stack of what it serves (sageMakerUiEndpoint). */
export const SAGEMAKER_UI_SERVICES: ReadonlyArray<string> = ["studio", "notebook"];

export interface SageMakerUiEndpointProps {
  /** The account and region: the policy names the domain's apps or the instance by ARN. Required. */
  readonly account: AccountContext;
  /** "studio" (aws.sagemaker.<region>.studio) or "notebook" (aws.sagemaker.<region>.notebook). Required. */
  readonly service: "studio" | "notebook";
  /** Prefix of the endpoint's Name tag (`<namePrefix>-<service>`). Required. */
  readonly namePrefix: string;
  /** The VPC. Required. */
  readonly vpcId: string;
  /** Subnets of the endpoint's ENIs (Studio: every AZ's; a notebook: its own AZ's). Required. */
  readonly subnetIds: ReadonlyArray<string>;
  /** The interface endpoints' security group (ServiceEndpoints.securityGroup, or the contract's). Required. */
  readonly securityGroupId: string;
  /**
   * What may be reached through it: the Studio domain's ID (apps of that domain only), or the
   * notebook instance's ARN (that instance only; its ARN, as SageMaker writes it, not the name).
   * Required.
   */
  readonly only: string;
}

/**
 * The `studio` or `notebook` interface endpoint, in the workload stack that owns the domain or the
 * instance, so its policy can name exactly that domain (sagemaker:CreateApp on app/<domain>/...)
 * or that instance (sagemaker:CreatePresignedNotebookInstanceUrl, which SageMaker checks on every
 * request through the endpoint). Created before them in the network stack, it could only name the
 * account.
 */
export function sageMakerUiEndpoint(scope: Construct, id: string, props: SageMakerUiEndpointProps): VpcEndpoint {
  const { account } = props;
  const arn = (resource: string) => `arn:${account.partition}:sagemaker:${account.region}:${account.accountId}:${resource}`;
  const statement: DataAwsIamPolicyDocumentStatement =
    props.service === "studio"
      ? { sid: "ThisStudioDomainOnly", principals: [{ type: "*", identifiers: ["*"] }], actions: ["sagemaker:CreateApp"], resources: [arn(`app/${props.only}/*`)] }
      : {
          sid: "ThisNotebookInstanceOnly",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["sagemaker:CreatePresignedNotebookInstanceUrl"],
          resources: [props.only],
        };
  return new VpcEndpoint(scope, id, {
    vpcId: props.vpcId,
    serviceName: interfaceServiceName(props.service, account.region),
    vpcEndpointType: "Interface",
    privateDnsEnabled: true,
    subnetIds: [...props.subnetIds],
    securityGroupIds: [props.securityGroupId],
    policy: new DataAwsIamPolicyDocument(scope, `${id}-policy`, { statement: [statement] }).json,
    tags: { Name: `${props.namePrefix}-${props.service}` },
  });
}
