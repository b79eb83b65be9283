/**
 * The SageMaker Studio stack of one environment, a thin composition of modules:
 * network (multi-AZ inspected VPC) -> keys and execution role -> buckets -> VPC endpoints ->
 * bucket policies (which name the S3 endpoint) -> Studio domain and user profiles -> the role's
 * policy (which names the domain's apps and spaces).
 */
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import { bucketName, executionRoleName, kmsAliasName, ssmParameterName, stackPrefix, studioDomainName } from "../modules/config/naming";
import { AwsAccount } from "../modules/aws";
import { ServiceEndpoints } from "../modules/endpoints/service-endpoints";
import { CustomerKey, grantsForAwsResources, useThroughServices } from "../modules/kms/customer-key";
import { InspectedVpc } from "../modules/network";
import { SageMakerExecutionRole, studioStatements, workloadStatements } from "../modules/sagemaker/execution-role";
import { StudioDomain } from "../modules/sagemaker/studio-domain";
import { SecureBucket } from "../modules/storage/secure-bucket";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { awsProviderFor } from "./aws-provider";
import { inspectedNetwork, networkOutputs } from "./inspected-network";

export function studioStackName(env: Pick<EnvironmentConfig, "environment">): string {
  return `${env.environment}-studio`;
}

export class StudioStack extends TerraformStack {
  readonly network: InspectedVpc;
  readonly endpoints: ServiceEndpoints;
  readonly studio: StudioDomain;
  readonly buckets: Readonly<Record<"data" | "models", SecureBucket>>;

  constructor(scope: Construct, env: EnvironmentConfig) {
    super(scope, studioStackName(env));
    awsProviderFor(this, env, "studio");
    const prefix = stackPrefix(env, "studio");
    const account = new AwsAccount(this, "account", env.region);
    this.network = inspectedNetwork(this, env, "studio");

    const role = new SageMakerExecutionRole(this, "execution-role", {
      account,
      roleName: executionRoleName(env, "studio"),
      description: `SageMaker Studio execution role of ${prefix}`,
    });
    const s3Key = new CustomerKey(this, "s3-key", {
      account,
      aliasName: kmsAliasName(env, "studio", "s3"),
      description: `Encrypts the data and models buckets of ${prefix}`,
      usage: [useThroughServices("AllowUseThroughS3", account, [role.arn, ...env.storage.adminRoleArns], ["s3"])],
    });
    const studioKey = new CustomerKey(this, "studio-key", {
      account,
      aliasName: kmsAliasName(env, "studio", "storage"),
      description: `Encrypts the Studio home EFS volume and app EBS volumes of ${prefix}`,
      usage: [
        useThroughServices("AllowUseForStudioVolumes", account, [role.arn], ["sagemaker", "elasticfilesystem", "ec2"]),
        grantsForAwsResources("AllowGrantsForStudioVolumes", [role.arn]),
      ],
    });

    this.buckets = {
      data: new SecureBucket(this, "data-bucket", { bucketName: bucketName(env, account.accountId, "data"), kmsKeyArn: s3Key.arn }),
      models: new SecureBucket(this, "models-bucket", { bucketName: bucketName(env, account.accountId, "models"), kmsKeyArn: s3Key.arn }),
    };
    const bucketArns = Object.values(this.buckets).map((b) => b.arn);

    const workloadLanes = Object.values(this.network.lanes).map((l) => l.workload);
    this.endpoints = new ServiceEndpoints(this, "endpoints", {
      account,
      namePrefix: prefix,
      vpcId: this.network.vpc.id,
      subnetIds: workloadLanes.map((w) => w.subnet.id),
      routeTableIds: workloadLanes.map((w) => w.routeTable.id),
      interfaceServices: env.vpcEndpoints.interfaceServices,
      s3: { bucketArns, allowJumpStartRead: env.vpcEndpoints.allowJumpStartRead },
    });
    for (const bucket of Object.values(this.buckets)) {
      bucket.restrictToVpcEndpoint(this.endpoints.s3Gateway.id, env.storage.adminRoleArns);
    }

    this.studio = new StudioDomain(this, "studio", {
      domainName: studioDomainName(env),
      namePrefix: prefix,
      vpcId: this.network.vpc.id,
      subnetIds: workloadLanes.map((w) => w.subnet.id),
      kmsKeyArn: studioKey.arn,
      executionRoleArn: role.arn,
      userProfiles: env.studio.userProfiles,
      endpoints: this.endpoints,
    });

    role.attachPolicy([
      ...workloadStatements({
        account,
        executionRoleArn: role.arn,
        bucketArns,
        kmsKeyArns: [s3Key.arn, studioKey.arn],
        vpcId: this.network.vpc.id,
      }),
      ...studioStatements(account, this.studio.domain.id),
    ]);

    // The seed published these two IDs in SSM for other tooling (e.g. notebooks writing bucket
    // policies); kept, under a per-environment path.
    for (const [name, value, description] of [
      ["s3-endpoint-id", this.endpoints.s3Gateway.id, "ID of the S3 gateway endpoint the data and models buckets require"],
      ["s3-kms-key-arn", s3Key.arn, "ARN of the KMS key that encrypts the data and models buckets"],
    ] as const) {
      new SsmParameter(this, `parameter-${name}`, { name: ssmParameterName(env, "studio", name), type: "String", value, description });
    }

    networkOutputs(this, this.network);
    new TerraformOutput(this, "studio_domain_id", { value: this.studio.domain.id });
    new TerraformOutput(this, "kms_key_arns", { value: { s3: s3Key.arn, studio_storage: studioKey.arn } });
    new TerraformOutput(this, "studio_security_group_ids", {
      description: "The domain's default group and each user profile's own group",
      value: {
        domain: this.studio.domainSecurityGroup.id,
        user_profiles: Object.fromEntries(Object.entries(this.studio.userProfiles).map(([n, p]) => [n, p.securityGroup.id])),
      },
    });
    new TerraformOutput(this, "studio_user_profile_names", { value: [...env.studio.userProfiles] });
    new TerraformOutput(this, "data_bucket_name", { value: this.buckets.data.name });
    new TerraformOutput(this, "models_bucket_name", { value: this.buckets.models.name });
    new TerraformOutput(this, "execution_role_arn", { value: role.arn });
    new TerraformOutput(this, "s3_vpc_endpoint_id", { value: this.endpoints.s3Gateway.id });
    new TerraformOutput(this, "studio_presigned_url_commands", {
      description: "Run one (with credentials allowed to call sagemaker:CreatePresignedDomainUrl) to open Studio as that user",
      value: Object.fromEntries(
        env.studio.userProfiles.map((name) => [
          name,
          `aws sagemaker create-presigned-domain-url --region ${env.region} --domain-id ${this.studio.domain.id} --user-profile-name ${name} --query AuthorizedUrl --output text`,
        ]),
      ),
    });
  }
}
