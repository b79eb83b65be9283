/**
 * The SageMaker execution role and its least-privilege policy: the seed's restricted policy with
 * every resource scoped to this stack (buckets, keys, log groups, repositories, the domain's apps
 * and spaces) and every write on "*" either removed or bound by a condition.
 */
import { Construct } from "constructs";
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { AccountContext } from "../aws/account-context";

export interface ExecutionRoleProps {
  /** The account (part of the role's policies' ARNs). Required. */
  readonly account: AccountContext;
  /** The role's name; IAM names are account-global, so include the region. Its policies are `<roleName>-<part>`. Required. */
  readonly roleName: string;
  /** The role's description. Default `SageMaker execution role <roleName>`. */
  readonly description?: string;
  /** Extra tags on the role (e.g. the user profile it belongs to). Default: none. */
  readonly tags?: Readonly<Record<string, string>>;
}

export class SageMakerExecutionRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, private readonly props: ExecutionRoleProps) {
    super(scope, id);
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [
        {
          sid: "SageMakerAssumesRole",
          principals: [{ type: "Service", identifiers: ["sagemaker.amazonaws.com"] }],
          actions: ["sts:AssumeRole"],
        },
      ],
    });
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      description: props.description ?? `SageMaker execution role ${props.roleName}`,
      assumeRolePolicy: trust.json,
      maxSessionDuration: 3600,
      ...(props.tags ? { tags: { ...props.tags } } : {}),
    });
  }

  get arn(): string {
    return this.role.arn;
  }

  /**
   * Attaches one customer managed policy per part ("<role name>-<part>"), made of that part's
   * statements. Why parts: IAM caps a managed policy at 6,144 characters (without white space)
   * and the role's whole policy is larger (every subnet, group and key of the job conditions), so
   * it is split by concern; each part's rendered size is checked by the tests for the largest AZ
   * count. Returns the attachments: what SageMaker resources that start work with the role (a
   * notebook's lifecycle script, a domain's apps) depend on, so they never run before the role
   * may act.
   */
  attachPolicies(parts: Readonly<Record<string, DataAwsIamPolicyDocumentStatement[]>>): IamRolePolicyAttachment[] {
    return Object.entries(parts).map(([part, statements]) => {
      const document = new DataAwsIamPolicyDocument(this, `policy-document-${part}`, { statement: statements });
      const policy = new IamPolicy(this, `policy-${part}`, {
        name: `${this.props.roleName}-${part}`,
        description: `Least-privilege permissions of ${this.props.roleName}: ${part}`,
        policy: document.json,
      });
      return new IamRolePolicyAttachment(this, `policy-attachment-${part}`, { role: this.role.name, policyArn: policy.arn });
    });
  }
}

/** `depends_on` addresses of attachments, for resources made by modules that take no dependsOn prop. */
export function addressesOf(attachments: ReadonlyArray<IamRolePolicyAttachment>): string[] {
  return attachments.map((a) => `${a.terraformResourceType}.${a.friendlyUniqueId}`);
}

/** What Studio, notebooks and the SageMaker Python SDK read to show and follow their work. */
export const SAGEMAKER_READ_ACTIONS = [
  "sagemaker:DescribeApp",
  "sagemaker:DescribeAppImageConfig",
  "sagemaker:DescribeDomain",
  "sagemaker:DescribeEndpoint",
  "sagemaker:DescribeEndpointConfig",
  "sagemaker:DescribeExperiment",
  "sagemaker:DescribeHyperParameterTuningJob",
  "sagemaker:DescribeImage",
  "sagemaker:DescribeImageVersion",
  "sagemaker:DescribeModel",
  "sagemaker:DescribeModelPackage",
  "sagemaker:DescribeModelPackageGroup",
  "sagemaker:DescribeNotebookInstance",
  "sagemaker:DescribePipeline",
  "sagemaker:DescribePipelineExecution",
  "sagemaker:DescribeProcessingJob",
  "sagemaker:DescribeSpace",
  "sagemaker:DescribeStudioLifecycleConfig",
  "sagemaker:DescribeTrainingJob",
  "sagemaker:DescribeTransformJob",
  "sagemaker:DescribeTrial",
  "sagemaker:DescribeTrialComponent",
  "sagemaker:DescribeUserProfile",
  "sagemaker:ListAppImageConfigs",
  "sagemaker:ListApps",
  "sagemaker:ListDomains",
  "sagemaker:ListEndpointConfigs",
  "sagemaker:ListEndpoints",
  "sagemaker:ListExperiments",
  "sagemaker:ListHyperParameterTuningJobs",
  "sagemaker:ListImageVersions",
  "sagemaker:ListImages",
  "sagemaker:ListModelPackageGroups",
  "sagemaker:ListModelPackages",
  "sagemaker:ListModels",
  "sagemaker:ListNotebookInstances",
  "sagemaker:ListPipelineExecutions",
  "sagemaker:ListPipelines",
  "sagemaker:ListProcessingJobs",
  "sagemaker:ListSpaces",
  "sagemaker:ListStudioLifecycleConfigs",
  "sagemaker:ListTags",
  "sagemaker:ListTrainingJobs",
  "sagemaker:ListTransformJobs",
  "sagemaker:ListTrialComponents",
  "sagemaker:ListTrials",
  "sagemaker:ListUserProfiles",
  "sagemaker:Search",
];

export interface WorkloadPermissions {
  /** The account: log groups, repositories and the VPC are this account's. Required. */
  readonly account: AccountContext;
  /** The role being granted: iam:PassRole of itself only, only to SageMaker. Required. */
  readonly executionRoleArn: string;
  /** The buckets the role may read and write (objects and listing). Required. */
  readonly bucketArns: ReadonlyArray<string>;
  /** The keys the role may use, only through `kmsViaServices`. Required. */
  readonly kmsKeyArns: ReadonlyArray<string>;
  /**
   * Services through which the role may use those keys ("s3", "sagemaker", ...). The key policies
   * enforce the same per key; here it keeps the identity policy from claiming more.
   */
  readonly kmsViaServices: ReadonlyArray<string>;
  /** The VPC the role may create and delete network interfaces in. Required. */
  readonly vpcId: string;
  /** Registry accounts, besides this one, whose images the role may pull. Default: none. */
  readonly ecrImageAccounts?: ReadonlyArray<string>;
}

/** Permissions every SageMaker workload of this project needs (Studio and notebook instances). */
export function workloadStatements(p: WorkloadPermissions): DataAwsIamPolicyDocumentStatement[] {
  const { account } = p;
  const logGroups = account.arn("logs", "log-group:/aws/sagemaker/*");
  const ownRepositories = account.arn("ecr", "repository/*sagemaker*");
  return [
    {
      sid: "CloudWatchLogsOfSageMaker",
      actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents"],
      resources: [logGroups, `${logGroups}:log-stream:*`],
    },
    {
      sid: "CloudWatchMetricsRead",
      actions: ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics", "cloudwatch:DescribeAlarms"],
      resources: ["*"], // these actions have no resource-level permissions
    },
    {
      sid: "CloudWatchMetricsWriteSageMakerNamespaces",
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      condition: [{ test: "StringLike", variable: "cloudwatch:namespace", values: ["/aws/sagemaker/*"] }],
    },
    {
      sid: "KmsUseThroughServicesOnly",
      actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
      resources: [...p.kmsKeyArns],
      condition: [{ test: "StringEquals", variable: "kms:ViaService", values: p.kmsViaServices.map((svc) => account.viaService(svc)) }],
    },
    {
      // Only services may create grants (see grantsThroughServices in modules/kms).
      sid: "KmsGrantsThroughServicesOnly",
      actions: ["kms:CreateGrant"],
      resources: [...p.kmsKeyArns],
      condition: [{ test: "StringEquals", variable: "kms:ViaService", values: p.kmsViaServices.map((svc) => account.viaService(svc)) }],
    },
    {
      sid: "S3StackBuckets",
      actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      resources: [...p.bucketArns, ...p.bucketArns.map((b) => `${b}/*`)],
    },
    {
      sid: "EcrAuthorizationToken",
      actions: ["ecr:GetAuthorizationToken"],
      resources: ["*"], // GetAuthorizationToken has no resource-level permissions
    },
    {
      // This account's repositories and the configured image accounts' only (the seed allowed
      // "*sagemaker*" repositories of any account: anyone can name a repository that way).
      // SageMaker pulls its own images for jobs and apps with its service identity, not this role.
      sid: "EcrPullImages",
      actions: ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability"],
      resources: [account.accountId, ...(p.ecrImageAccounts ?? [])].map((acct) => `arn:${account.partition}:ecr:${account.region}:${acct}:repository/*`),
    },
    {
      // The seed also allowed ecr:SetRepositoryPolicy (permissions management): dropped.
      sid: "EcrPushOwnSageMakerImages",
      actions: ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:BatchDeleteImage"],
      resources: [ownRepositories],
    },
    {
      sid: "PassOnlyThisRoleOnlyToSageMaker",
      actions: ["iam:PassRole"],
      resources: [p.executionRoleArn],
      condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["sagemaker.amazonaws.com"] }],
    },
    {
      // Explicit, not "sagemaker:Describe*"/"List*": a wildcard would also grant read actions
      // AWS adds later, which a security review has not seen.
      sid: "SageMakerRead",
      actions: SAGEMAKER_READ_ACTIONS,
      resources: ["*"],
    },
    {
      sid: "VpcNetworkInterfacesInThisVpc",
      actions: ["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"],
      resources: ["*"],
      condition: [{ test: "ArnEqualsIfExists", variable: "ec2:Vpc", values: [account.arn("ec2", `vpc/${p.vpcId}`)] }],
    },
    {
      sid: "VpcDescribe",
      actions: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcEndpoints"],
      resources: ["*"], // Describe* actions have no resource-level permissions
    },
  ];
}

/**
 * What a Studio execution role may do with the domain's apps and spaces.
 * - With `owner` (a user profile's own role): that user's apps (`app/<domain>/<profile>/...`), the
 *   spaces it owns and their apps (`sagemaker:OwnerUserProfileArn`), and shared spaces, so one
 *   user's apps cannot stop, start or change another user's private apps and spaces.
 * - Without (the domain's default role, which shared spaces run as): only apps in shared spaces
 *   (`sagemaker:SpaceSharingType` = Shared).
 * Only a space's owner may create, change or delete it, shared or private (AWS's
 * "SMStudioRestrictSpacesToOwnerUserProfile" pattern).
 */
export function studioStatements(account: AccountContext, domainId: string, owner?: { readonly profileName: string }): DataAwsIamPolicyDocumentStatement[] {
  const apps = account.arn("sagemaker", `app/${domainId}/*`);
  const spaces = account.arn("sagemaker", `space/${domainId}/*`);
  const spaceActions = ["sagemaker:CreateApp", "sagemaker:DeleteApp", "sagemaker:CreateSpace", "sagemaker:UpdateSpace", "sagemaker:DeleteSpace"];
  // Shared spaces: anyone may run apps in them; only their owner may change or delete them (below).
  const sharedSpaces: DataAwsIamPolicyDocumentStatement = {
    sid: "AppsInSharedSpacesOfThisDomain",
    actions: ["sagemaker:CreateApp", "sagemaker:DeleteApp"],
    resources: [apps],
    condition: [{ test: "StringEquals", variable: "sagemaker:SpaceSharingType", values: ["Shared"] }],
  };
  // Tags only as part of creating an app or space (sagemaker:TaggingAction is set then), never on
  // someone else's existing app or space.
  const tags: DataAwsIamPolicyDocumentStatement = {
    sid: "TagOnCreateOnly",
    actions: ["sagemaker:AddTags"],
    resources: [apps, spaces],
    condition: [{ test: "Null", variable: "sagemaker:TaggingAction", values: ["false"] }],
  };
  if (!owner) return [sharedSpaces, tags];
  const ownApps = account.arn("sagemaker", `app/${domainId}/${owner.profileName}/*`);
  return [
    {
      // Apps on the profile's own path (Studio Classic); not a space that happens to carry the
      // profile's name (a space's apps carry its owner, checked in the next statement).
      sid: "OwnAppsOfThisProfile",
      actions: ["sagemaker:CreateApp", "sagemaker:DeleteApp"],
      resources: [ownApps],
      condition: [{ test: "Null", variable: "sagemaker:OwnerUserProfileArn", values: ["true"] }],
    },
    {
      sid: "OwnSpacesAndTheirApps",
      actions: spaceActions,
      resources: [apps, spaces],
      condition: [{ test: "ArnEquals", variable: "sagemaker:OwnerUserProfileArn", values: [account.arn("sagemaker", `user-profile/${domainId}/${owner.profileName}`)] }],
    },
    sharedSpaces,
    tags,
  ];
}

export interface JobPermissions {
  /** The account whose jobs and models these are. Required. */
  readonly account: AccountContext;
  /** The workload subnets jobs and models must run in (every AZ's). Required. */
  readonly subnetIds: ReadonlyArray<string>;
  /** The security groups jobs and models must use. Required. */
  readonly securityGroupIds: ReadonlyArray<string>;
  /** The key that must encrypt the jobs' ML storage volumes (its ARN, not an alias). Required. */
  readonly volumeKmsKeyArn: string;
}

/** The jobs that take a VPC config, and their resource types. */
const VPC_JOBS: ReadonlyArray<[string, string]> = [
  ["sagemaker:CreateTrainingJob", "training-job"],
  ["sagemaker:CreateProcessingJob", "processing-job"],
  ["sagemaker:CreateHyperParameterTuningJob", "hyper-parameter-tuning-job"],
];

/**
 * Training, processing, tuning and transform jobs and models, only inside this environment's
 * VPC: SageMaker's condition keys carry the request's VPC config, volume key and encryption flag,
 * so a request without them (a missing key fails StringEquals and the Null checks) is implicitly
 * denied, and the explicit deny below holds even if another policy grants more.
 *
 * - Jobs with a VPC config: every subnet and security group must be ours (ForAllValues, and the
 *   Null checks make an empty list fail), the volume encrypted with our key, and traffic between
 *   training containers encrypted.
 * - Models: the same subnets and security groups (a model's VPC config is what its endpoints and
 *   transform jobs run in).
 * - Transform jobs take their network from the model; the request only carries the volume key.
 */
export function jobStatements(p: JobPermissions): DataAwsIamPolicyDocumentStatement[] {
  const { account } = p;
  const inVpc: DataAwsIamPolicyDocumentStatement["condition"] = [
    { test: "ForAllValues:StringEquals", variable: "sagemaker:VpcSubnets", values: [...p.subnetIds] },
    { test: "Null", variable: "sagemaker:VpcSubnets", values: ["false"] },
    { test: "ForAllValues:StringEquals", variable: "sagemaker:VpcSecurityGroupIds", values: [...p.securityGroupIds] },
    { test: "Null", variable: "sagemaker:VpcSecurityGroupIds", values: ["false"] },
  ];
  const jobArns = [...VPC_JOBS.map(([, type]) => account.arn("sagemaker", `${type}/*`))];
  return [
    {
      sid: "JobsOnlyInThisVpcEncrypted",
      actions: VPC_JOBS.map(([action]) => action),
      resources: jobArns,
      condition: [
        ...inVpc,
        { test: "StringEquals", variable: "sagemaker:VolumeKmsKeyArn", values: [p.volumeKmsKeyArn] },
        { test: "Bool", variable: "sagemaker:InterContainerTrafficEncryption", values: ["true"] },
      ],
    },
    {
      sid: "ModelsOnlyInThisVpc",
      actions: ["sagemaker:CreateModel"],
      resources: [account.arn("sagemaker", "model/*")],
      condition: inVpc,
    },
    {
      sid: "TransformJobsEncrypted",
      actions: ["sagemaker:CreateTransformJob"],
      resources: [account.arn("sagemaker", "transform-job/*")],
      condition: [{ test: "StringEquals", variable: "sagemaker:VolumeKmsKeyArn", values: [p.volumeKmsKeyArn] }],
    },
    {
      // The SageMaker SDK tags what it creates; tags on anything else stay out of reach.
      sid: "TagOwnJobsAndModels",
      actions: ["sagemaker:AddTags"],
      resources: [...jobArns, account.arn("sagemaker", "model/*"), account.arn("sagemaker", "transform-job/*")],
    },
    {
      sid: "StopAndReadOwnJobs",
      actions: ["sagemaker:StopTrainingJob", "sagemaker:StopProcessingJob", "sagemaker:StopHyperParameterTuningJob", "sagemaker:StopTransformJob", "sagemaker:DeleteModel"],
      resources: [...jobArns, account.arn("sagemaker", "model/*"), account.arn("sagemaker", "transform-job/*")],
    },
    {
      // Defence in depth: even if another policy on this role granted job creation, no job or
      // model without a VPC config can be created with it.
      sid: "DenyJobsOutsideTheVpc",
      effect: "Deny",
      actions: ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob", "sagemaker:CreateModel", "sagemaker:CreateHyperParameterTuningJob"],
      resources: ["*"],
      condition: [{ test: "Null", variable: "sagemaker:VpcSubnets", values: ["true"] }],
    },
  ];
}
