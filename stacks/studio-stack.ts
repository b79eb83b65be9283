/**
 * The SageMaker Studio stack of one environment: the shared foundation (network, role, data and
 * models buckets, endpoints), then the Studio storage key, the VpcOnly domain with its user
 * profiles, and the role's policy, which names the domain's apps and spaces.
 */
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import { kmsAliasName, studioDomainName } from "../modules/config/naming";
import { CustomerKey, grantsForAwsResources, useThroughServices } from "../modules/kms/customer-key";
import { studioStatements, workloadStatements } from "../modules/sagemaker/execution-role";
import { StudioDomain } from "../modules/sagemaker/studio-domain";
import { buildFoundation, Foundation } from "./foundation";

export function studioStackName(env: Pick<EnvironmentConfig, "environment">): string {
  return `${env.environment}-studio`;
}

export class StudioStack extends TerraformStack {
  readonly foundation: Foundation<"data" | "models">;
  readonly studio: StudioDomain;

  constructor(scope: Construct, env: EnvironmentConfig) {
    super(scope, studioStackName(env));
    const f = buildFoundation(this, env, {
      kind: "studio",
      roleDescription: `SageMaker Studio execution role of ${env.projectName}-${env.environment}`,
      accessLogBucketSuffix: "logs",
      bucketSuffixes: ["data", "models"],
      interfaceServices: env.vpcEndpoints.interfaceServices,
    });
    this.foundation = f;
    const { account, network, role } = f;

    const studioKey = new CustomerKey(this, "studio-key", {
      account,
      aliasName: kmsAliasName(env, "studio", "storage"),
      description: `Encrypts the Studio home EFS volume and app EBS volumes of ${f.prefix}`,
      usage: [
        useThroughServices("AllowUseForStudioVolumes", account, [role.arn], ["sagemaker", "elasticfilesystem", "ec2"]),
        grantsForAwsResources("AllowGrantsForStudioVolumes", [role.arn]),
      ],
    });

    const workloadSubnets = Object.values(network.lanes).map((l) => l.workload.subnet.id);
    this.studio = new StudioDomain(this, "studio", {
      domainName: studioDomainName(env),
      namePrefix: f.prefix,
      vpcId: network.vpc.id,
      subnetIds: workloadSubnets,
      kmsKeyArn: studioKey.arn,
      executionRoleArn: role.arn,
      userProfiles: env.studio.userProfiles,
      endpoints: f.endpoints,
    });

    role.attachPolicy([
      ...workloadStatements({
        account,
        executionRoleArn: role.arn,
        bucketArns: Object.values(f.buckets).map((b) => b.arn),
        kmsKeyArns: [f.s3Key.arn, studioKey.arn],
        vpcId: network.vpc.id,
      }),
      ...studioStatements(account, this.studio.domain.id),
    ]);

    new TerraformOutput(this, "studio_domain_id", { value: this.studio.domain.id });
    new TerraformOutput(this, "studio_user_profile_names", { value: [...env.studio.userProfiles] });
    new TerraformOutput(this, "data_bucket_name", { value: f.buckets.data.name });
    new TerraformOutput(this, "models_bucket_name", { value: f.buckets.models.name });
    new TerraformOutput(this, "kms_key_arns", { value: { s3: f.s3Key.arn, studio_storage: studioKey.arn } });
    new TerraformOutput(this, "studio_security_group_ids", {
      description: "The domain's default group and each user profile's own group",
      value: {
        domain: this.studio.domainSecurityGroup.id,
        user_profiles: Object.fromEntries(Object.entries(this.studio.userProfiles).map(([n, p]) => [n, p.securityGroup.id])),
      },
    });
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
