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

  /** The role's name as configured (known at synth; jobStatements' `owner`). */
  get name(): string {
    return this.props.roleName;
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

/**
 * What Studio's home page and its panes (MLflow, model cards, JumpStart hubs, HyperPod clusters,
 * spaces, apps, pipelines, experiments, jobs, models, endpoints, feature groups, projects, ...),
 * notebooks and the SageMaker Python SDK read to show and follow work. Source: the AWS managed
 * policy AmazonSageMakerReadOnly (AWS Managed Policy Reference Guide, v11: "sagemaker:Describe*",
 * "sagemaker:List*", GetSearchSuggestions, Search, ...), written
 * out action by action for the features Studio shows, each checked against the Service
 * Authorization Reference (iam-data) by the IAM tests. Read-only: none of them changes anything.
 */
export const SAGEMAKER_READ_ACTIONS = [
  "sagemaker:DescribeAction",
  "sagemaker:DescribeAlgorithm",
  "sagemaker:DescribeApp",
  "sagemaker:DescribeAppImageConfig",
  "sagemaker:DescribeArtifact",
  "sagemaker:DescribeAutoMLJob",
  "sagemaker:DescribeAutoMLJobV2",
  "sagemaker:DescribeCluster",
  "sagemaker:DescribeClusterNode",
  "sagemaker:DescribeCodeRepository",
  "sagemaker:DescribeCompilationJob",
  "sagemaker:DescribeDataQualityJobDefinition",
  "sagemaker:DescribeContext",
  "sagemaker:DescribeDomain",
  "sagemaker:DescribeEndpoint",
  "sagemaker:DescribeEndpointConfig",
  "sagemaker:DescribeExperiment",
  "sagemaker:DescribeFeatureGroup",
  "sagemaker:DescribeFeatureMetadata",
  "sagemaker:DescribeHub",
  "sagemaker:DescribeHubContent",
  "sagemaker:DescribeHyperParameterTuningJob",
  "sagemaker:DescribeImage",
  "sagemaker:DescribeImageVersion",
  "sagemaker:DescribeInferenceComponent",
  "sagemaker:DescribeInferenceRecommendationsJob",
  "sagemaker:DescribeLabelingJob",
  "sagemaker:DescribeLineageGroup",
  "sagemaker:DescribeMlflowApp",
  "sagemaker:DescribeMlflowTrackingServer",
  "sagemaker:DescribeModel",
  "sagemaker:DescribeModelBiasJobDefinition",
  "sagemaker:DescribeModelCard",
  "sagemaker:DescribeModelCardExportJob",
  "sagemaker:DescribeModelExplainabilityJobDefinition",
  "sagemaker:DescribeModelPackage",
  "sagemaker:DescribeModelPackageGroup",
  "sagemaker:DescribeModelQualityJobDefinition",
  "sagemaker:DescribeMonitoringSchedule",
  "sagemaker:DescribeNotebookInstance",
  "sagemaker:DescribeNotebookInstanceLifecycleConfig",
  "sagemaker:DescribeOptimizationJob",
  "sagemaker:DescribePartnerApp",
  "sagemaker:DescribePipeline",
  "sagemaker:DescribePipelineDefinitionForExecution",
  "sagemaker:DescribePipelineExecution",
  "sagemaker:DescribeProcessingJob",
  "sagemaker:DescribeProject",
  "sagemaker:DescribeSpace",
  "sagemaker:DescribeStudioLifecycleConfig",
  "sagemaker:DescribeTrainingJob",
  "sagemaker:DescribeTrainingPlan",
  "sagemaker:DescribeTransformJob",
  "sagemaker:DescribeTrial",
  "sagemaker:DescribeTrialComponent",
  "sagemaker:DescribeUserProfile",
  "sagemaker:GetSearchSuggestions",
  "sagemaker:ListActions",
  "sagemaker:ListAlgorithms",
  "sagemaker:ListAliases",
  "sagemaker:ListAppImageConfigs",
  "sagemaker:ListApps",
  "sagemaker:ListArtifacts",
  "sagemaker:ListAssociations",
  "sagemaker:ListAutoMLJobs",
  "sagemaker:ListCandidatesForAutoMLJob",
  "sagemaker:ListClusterNodes",
  "sagemaker:ListClusterSchedulerConfigs",
  "sagemaker:ListClusters",
  "sagemaker:ListCodeRepositories",
  "sagemaker:ListCompilationJobs",
  "sagemaker:ListComputeQuotas",
  "sagemaker:ListContexts",
  "sagemaker:ListDataQualityJobDefinitions",
  "sagemaker:ListDomains",
  "sagemaker:ListEndpointConfigs",
  "sagemaker:ListEndpoints",
  "sagemaker:ListExperiments",
  "sagemaker:ListFeatureGroups",
  "sagemaker:ListHubContentVersions",
  "sagemaker:ListHubContents",
  "sagemaker:ListHubs",
  "sagemaker:ListHyperParameterTuningJobs",
  "sagemaker:ListImageVersions",
  "sagemaker:ListImages",
  "sagemaker:ListInferenceComponents",
  "sagemaker:ListInferenceExperiments",
  "sagemaker:ListInferenceRecommendationsJobs",
  "sagemaker:ListLabelingJobs",
  "sagemaker:ListLineageGroups",
  "sagemaker:ListMlflowApps",
  "sagemaker:ListMlflowTrackingServers",
  "sagemaker:ListModelCardExportJobs",
  "sagemaker:ListModelCardVersions",
  "sagemaker:ListModelCards",
  "sagemaker:ListModelMetadata",
  "sagemaker:ListModelPackageGroups",
  "sagemaker:ListModelPackages",
  "sagemaker:ListModelQualityJobDefinitions",
  "sagemaker:ListModels",
  "sagemaker:ListMonitoringAlerts",
  "sagemaker:ListMonitoringExecutions",
  "sagemaker:ListMonitoringSchedules",
  "sagemaker:ListNotebookInstanceLifecycleConfigs",
  "sagemaker:ListNotebookInstances",
  "sagemaker:ListOptimizationJobs",
  "sagemaker:ListPartnerApps",
  "sagemaker:ListPipelineExecutionSteps",
  "sagemaker:ListPipelineExecutions",
  "sagemaker:ListPipelineParametersForExecution",
  "sagemaker:ListPipelineVersions",
  "sagemaker:ListPipelines",
  "sagemaker:ListProcessingJobs",
  "sagemaker:ListProjects",
  "sagemaker:ListSpaces",
  "sagemaker:ListStudioLifecycleConfigs",
  "sagemaker:ListTags",
  "sagemaker:ListTrainingJobs",
  "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
  "sagemaker:ListTrainingPlans",
  "sagemaker:ListTransformJobs",
  "sagemaker:ListTrialComponents",
  "sagemaker:ListTrials",
  "sagemaker:ListUserProfiles",
  "sagemaker:ListWorkforces",
  "sagemaker:ListWorkteams",
  "sagemaker:Search",
  // Studio's lineage view and the SDK's LineageQuery (the guardrail pane of model cards follows
  // lineage), and the Experiments charts (run metrics): both read-only, in AmazonSageMakerReadOnly.
  "sagemaker:QueryLineage",
  "sagemaker:BatchGetMetrics",
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
  /**
   * Registry accounts, besides this one, whose images the role may pull: the region's SageMaker
   * image accounts (imageRegistryAccounts) and any others you trust. Default: none, which refuses
   * jobs with SageMaker's own images.
   */
  readonly ecrImageAccounts?: ReadonlyArray<string>;
}

/**
 * Reading SageMaker's metadata (SAGEMAKER_READ_ACTIONS), in a part of its own (it alone is about
 * 5,000 characters of the 6,144 a managed policy may have). On "*", every user's and the whole
 * account's: Studio's lists, the SDK's waiters (fit() polls DescribeTrainingJob) and ListTags
 * (which the SDK calls on what it created) show names, states and settings, never data, and many of
 * these List calls have no resource to scope to. Who may change a job or model is decided by the
 * owner tag (jobStatements), not by what a user can see.
 */
export function sageMakerReadStatements(): DataAwsIamPolicyDocumentStatement[] {
  return [
    {
      // Explicit, not "sagemaker:Describe*"/"List*": a wildcard would also grant read actions
      // AWS adds later, which a security review has not seen.
      sid: "SageMakerRead",
      actions: [...SAGEMAKER_READ_ACTIONS],
      resources: ["*"],
    },
  ];
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
      // SageMaker pulls a job's or model's image with this role (AWS, "SageMaker execution roles":
      // CreateTrainingJob's role needs these three ECR actions), SageMaker's own images included:
      // so this account's repositories plus the registry accounts given (by default the region's
      // SageMaker image accounts, from the SDK's table: image-registries.ts). Any other account
      // stays refused (the seed allowed "*sagemaker*" repositories of any account: anyone can name
      // a repository that way). Studio's own app images (SageMaker Distribution in JupyterLab) are
      // pulled by SageMaker, not with this role; custom app images are pulled with it.
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
  /**
   * This role's owner tag value (OWNER_TAG_KEY): what it creates must carry it, and it may stop,
   * change or delete only what carries it. Use the role's name (unique in the account, and what
   * `sagemaker.get_execution_role()` ends with). Required.
   */
  readonly owner: string;
  /**
   * Refuse creates without the owner tag, so every job, model, endpoint and pipeline is isolated to
   * its creator. Default true: the SageMaker Python SDK adds the tag from the defaults file the
   * apps' lifecycle scripts write (sdk-defaults.ts). False allows untagged creates, and untagged
   * work is then manageable by every role of the environment (ownerTagOptOutWarning); tagged work
   * is always its owner's only, and pipelines always need the tag.
   */
  readonly requireOwnerTag?: boolean;
}

/** The synth warning of `<service>.requireOwnerTag: false`, naming its consequence. */
export function ownerTagOptOutWarning(sourceFile: string, service: "studio" | "notebook"): string {
  return (
    `${sourceFile}: ${service}.requireOwnerTag is false: training, processing, tuning and transform jobs, models, endpoint configs and endpoints created without ` +
    `the owner tag (${OWNER_TAG_KEY}) are allowed, and every user of the environment can stop, change and delete them (pipelines still need the tag). ` +
    `Remove the setting to refuse untagged creates (docs/threat-model.md, "Users control only their own work")`
  );
}

/**
 * The tag that says which role created a job, model, endpoint (config) or pipeline. Set on create
 * (the request must carry it with the creator's value), checked on every stop, update and delete.
 */
export const OWNER_TAG_KEY = "sagemaker-anfw:owner";

/** The jobs that take a VPC config, and their resource types. */
const VPC_JOBS: ReadonlyArray<[string, string]> = [
  ["sagemaker:CreateTrainingJob", "training-job"],
  ["sagemaker:CreateProcessingJob", "processing-job"],
  ["sagemaker:CreateHyperParameterTuningJob", "hyper-parameter-tuning-job"],
];

/** What a role may do to what it created (Service Authorization Reference: each acts on the resource type whose ARN it is given). */
export const OWN_WORK_ACTIONS: ReadonlyArray<string> = [
  "sagemaker:StopTrainingJob",
  "sagemaker:UpdateTrainingJob",
  "sagemaker:StopProcessingJob",
  "sagemaker:StopHyperParameterTuningJob",
  "sagemaker:StopTransformJob",
  "sagemaker:DeleteModel",
  "sagemaker:DeleteEndpointConfig",
  "sagemaker:UpdateEndpoint",
  "sagemaker:UpdateEndpointWeightsAndCapacities",
  "sagemaker:DeleteEndpoint",
  "sagemaker:InvokeEndpoint",
  "sagemaker:InvokeEndpointAsync",
  "sagemaker:InvokeEndpointWithResponseStream",
];

/**
 * A pipeline runs its steps as the pipeline's role, so changing or starting someone else's would
 * act with their permissions: these need the owner tag whatever requireOwnerTag says, and so does
 * creating a pipeline.
 */
export const OWN_PIPELINE_ACTIONS: ReadonlyArray<string> = ["sagemaker:UpdatePipeline", "sagemaker:DeletePipeline", "sagemaker:StartPipelineExecution"];

/** Every create that must carry the owner tag. */
const OWNED_CREATES: ReadonlyArray<string> = [
  ...VPC_JOBS.map(([action]) => action),
  "sagemaker:CreateTransformJob",
  "sagemaker:CreateModel",
  "sagemaker:CreateEndpointConfig",
  "sagemaker:CreateEndpoint",
  "sagemaker:CreatePipeline",
];

/**
 * Training, processing, tuning and transform jobs, models, endpoint configs, endpoints and
 * pipelines: created only inside this environment's VPC and only with the role's owner tag, and
 * stopped, changed or deleted only by the role that created them.
 *
 * VPC: SageMaker's condition keys carry the request's VPC config, volume key and encryption flag,
 * so a request without them (a missing key fails StringEquals and the Null checks) is implicitly
 * denied, and the explicit deny below holds even if another policy grants more.
 * - Jobs with a VPC config: every subnet and security group must be ours (ForAllValues, and the
 *   Null checks make an empty list fail), the volume encrypted with our key, and traffic between
 *   training containers encrypted.
 * - Models: the same subnets and security groups (a model's VPC config is what its endpoints and
 *   transform jobs run in).
 * - Transform jobs take their network from the model; the request only carries the volume key.
 *
 * Ownership (AWS, "Controlling access using tags" for SageMaker: aws:RequestTag on create,
 * aws:ResourceTag on use; sagemaker:TaggingAction is set when AddTags is authorized as part of a
 * create): a create may carry OWNER_TAG_KEY only with `owner` (someone else's name is refused),
 * AddTags is allowed only inside a create, and OWN_WORK_ACTIONS only on resources tagged with
 * `owner`. With `requireOwnerTag` (the default), a create without the tag is refused too; with it
 * false, untagged creates are allowed. In both modes untagged resources (made before the upgrade, or
 * by principals outside the environment's roles) stay manageable by every role of the environment
 * (`aws:ResourceTag ...IfExists`), so an upgrade locks nobody out of running work. Pipelines always
 * need the tag (OWN_PIPELINE_ACTIONS: they run as their role). A role may re-add tags to its own
 * tagged work (never another owner). Reading stays account-wide (sageMakerReadStatements).
 */
export function jobStatements(p: JobPermissions): DataAwsIamPolicyDocumentStatement[] {
  const parts = jobPolicyParts(p);
  return [...parts.jobs, ...parts.ownership];
}

/** Sids of jobStatements that are about ownership (tags), kept in a policy part of their own. */
const OWNERSHIP_SIDS = new Set(["DeployOwnEndpointConfigs", "TagOwnWorkOnCreateOnly", "RetagOwnWork", "ManageOwnWorkOnly", "ManageOwnPipelinesOnly", "DenyUntaggedCreates", "DenyOwnerTagChanges", "DenyOwnerTagRemoval"]);

/**
 * jobStatements as two policy parts, `jobs` (what may be created, where) and `ownership` (who may
 * tag, stop, change and delete what): together they are over IAM's 6,144-character managed policy
 * limit (ExecutionRole.attachPolicies).
 */
export function jobPolicyParts(p: JobPermissions): { jobs: DataAwsIamPolicyDocumentStatement[]; ownership: DataAwsIamPolicyDocumentStatement[] } {
  const all = allJobStatements(p);
  return { jobs: all.filter((st) => !OWNERSHIP_SIDS.has(st.sid ?? "")), ownership: all.filter((st) => OWNERSHIP_SIDS.has(st.sid ?? "")) };
}

function allJobStatements(p: JobPermissions): DataAwsIamPolicyDocumentStatement[] {
  const { account } = p;
  const inVpc: DataAwsIamPolicyDocumentStatement["condition"] = [
    { test: "ForAllValues:StringEquals", variable: "sagemaker:VpcSubnets", values: [...p.subnetIds] },
    { test: "Null", variable: "sagemaker:VpcSubnets", values: ["false"] },
    { test: "ForAllValues:StringEquals", variable: "sagemaker:VpcSecurityGroupIds", values: [...p.securityGroupIds] },
    { test: "Null", variable: "sagemaker:VpcSecurityGroupIds", values: ["false"] },
  ];
  const strict = p.requireOwnerTag !== false;
  const taggedByMe = { test: strict ? "StringEquals" : "StringEqualsIfExists", variable: `aws:RequestTag/${OWNER_TAG_KEY}`, values: [p.owner] };
  // On use, in both modes: work with the owner tag is its owner's only; work without it stays every
  // role's. With requireOwnerTag no role of the environment can create untagged work, so what is
  // untagged was made before the owner tag existed (an upgrade) or by principals outside these
  // roles: refusing it to everyone would leave running endpoints and jobs that only an
  // administrator could stop, invoke or delete (review of issue 22).
  const mine = { test: "StringEqualsIfExists", variable: `aws:ResourceTag/${OWNER_TAG_KEY}`, values: [p.owner] };
  // Whatever requireOwnerTag says: pipelines (they run as their role), and tag edits on existing work.
  const alwaysTaggedByMe = { test: "StringEquals", variable: `aws:RequestTag/${OWNER_TAG_KEY}`, values: [p.owner] };
  const alwaysMine = { test: "StringEquals", variable: `aws:ResourceTag/${OWNER_TAG_KEY}`, values: [p.owner] };
  const arn = (type: string) => account.arn("sagemaker", `${type}/*`);
  const jobArns = VPC_JOBS.map(([, type]) => arn(type));
  const owned = [...jobArns, arn("transform-job"), arn("model"), arn("endpoint-config"), arn("endpoint"), arn("pipeline")];
  return [
    {
      sid: "JobsOnlyInThisVpcEncrypted",
      actions: VPC_JOBS.map(([action]) => action),
      resources: jobArns,
      condition: [
        ...inVpc,
        { test: "StringEquals", variable: "sagemaker:VolumeKmsKeyArn", values: [p.volumeKmsKeyArn] },
        { test: "Bool", variable: "sagemaker:InterContainerTrafficEncryption", values: ["true"] },
        taggedByMe,
      ],
    },
    {
      sid: "ModelsOnlyInThisVpc",
      actions: ["sagemaker:CreateModel"],
      resources: [arn("model")],
      condition: [...inVpc, taggedByMe],
    },
    {
      sid: "TransformJobsEncrypted",
      actions: ["sagemaker:CreateTransformJob"],
      resources: [arn("transform-job")],
      condition: [{ test: "StringEquals", variable: "sagemaker:VolumeKmsKeyArn", values: [p.volumeKmsKeyArn] }, taggedByMe],
    },
    {
      // Endpoints run in their models' VPC config (the models above); the volume key is not
      // required, as instance types with local NVMe storage refuse one.
      sid: "EndpointConfigsTaggedOnCreate",
      actions: ["sagemaker:CreateEndpointConfig"],
      resources: [arn("endpoint-config")],
      condition: [taggedByMe],
    },
    {
      // Not on endpoint-config/*: CreateEndpoint acts on the config it deploys too, which must be
      // this role's own (next statement), not merely named in a request tagged as ours.
      sid: "EndpointsTaggedOnCreate",
      actions: ["sagemaker:CreateEndpoint"],
      resources: [arn("endpoint")],
      condition: [taggedByMe],
    },
    {
      sid: "PipelinesTaggedOnCreate",
      actions: ["sagemaker:CreatePipeline"],
      resources: [arn("pipeline")],
      condition: [alwaysTaggedByMe],
    },
    {
      // CreateEndpoint and UpdateEndpoint also act on the endpoint config they deploy: only one
      // of this role's own.
      sid: "DeployOwnEndpointConfigs",
      actions: ["sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"],
      resources: [arn("endpoint-config")],
      condition: [mine],
    },
    {
      // Tags only as part of creating one of these (sagemaker:TaggingAction is set then), and only
      // with this role's owner value: never on an existing job, model, endpoint or pipeline.
      sid: "TagOwnWorkOnCreateOnly",
      actions: ["sagemaker:AddTags"],
      resources: owned,
      condition: [{ test: "Null", variable: "sagemaker:TaggingAction", values: ["false"] }, taggedByMe],
    },
    {
      // Tags on this role's own tagged work after its create (the SDK's pipeline.upsert() re-adds
      // its tags), never changing the owner (the owner tag may only be given this role's value).
      sid: "RetagOwnWork",
      actions: ["sagemaker:AddTags"],
      resources: owned,
      condition: [alwaysMine, { test: "StringEqualsIfExists", variable: `aws:RequestTag/${OWNER_TAG_KEY}`, values: [p.owner] }],
    },
    {
      sid: "ManageOwnWorkOnly",
      actions: [...OWN_WORK_ACTIONS],
      resources: owned,
      condition: [mine],
    },
    {
      sid: "ManageOwnPipelinesOnly",
      actions: [...OWN_PIPELINE_ACTIONS],
      resources: [arn("pipeline")],
      condition: [alwaysMine],
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
    // Defence in depth, with requireOwnerTag (the default): nothing this role creates goes untagged, whatever
    // else is attached to the role.
    ...(strict
      ? [
          {
            sid: "DenyUntaggedCreates",
            effect: "Deny",
            actions: [...OWNED_CREATES],
            resources: ["*"],
            condition: [{ test: "Null", variable: `aws:RequestTag/${OWNER_TAG_KEY}`, values: ["true"] }],
          },
        ]
      : []),
    {
      // The owner tag is never given another role's value on an existing resource (AddTags
      // outside a create has no sagemaker:TaggingAction) nor removed (DeleteTags).
      sid: "DenyOwnerTagChanges",
      effect: "Deny",
      actions: ["sagemaker:AddTags"],
      resources: ["*"],
      condition: [
        { test: "ForAnyValue:StringEquals", variable: "aws:TagKeys", values: [OWNER_TAG_KEY] },
        { test: "Null", variable: "sagemaker:TaggingAction", values: ["true"] },
        { test: "StringNotEquals", variable: `aws:RequestTag/${OWNER_TAG_KEY}`, values: [p.owner] },
      ],
    },
    {
      sid: "DenyOwnerTagRemoval",
      effect: "Deny",
      actions: ["sagemaker:DeleteTags"],
      resources: ["*"],
      condition: [{ test: "ForAnyValue:StringEquals", variable: "aws:TagKeys", values: [OWNER_TAG_KEY] }],
    },
  ];
}
