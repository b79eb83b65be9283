/**
 * The notebook-instance variant of one environment: the same foundation as the Studio stack (its
 * own inspected multi-AZ network, role, bucket and endpoints, in its own Terraform state), with a
 * SageMaker notebook instance in the workload subnet of one configured AZ instead of a domain.
 */
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import { kmsAliasName, notebookInstanceName } from "../modules/config/naming";
import { CustomerKey, grantsForAwsResources, useThroughServices } from "../modules/kms/customer-key";
import { workloadStatements } from "../modules/sagemaker/execution-role";
import { SecureNotebookInstance } from "../modules/sagemaker/notebook-instance";
import { buildFoundation, Foundation } from "./foundation";

export function notebookStackName(env: Pick<EnvironmentConfig, "environment">): string {
  return `${env.environment}-notebook`;
}

/** Endpoints only Studio uses; the rest of the configured list serves notebooks too. */
const STUDIO_ONLY_ENDPOINTS = new Set(["studio"]);

export class NotebookStack extends TerraformStack {
  readonly foundation: Foundation<"notebook">;
  readonly notebook: SecureNotebookInstance;

  constructor(scope: Construct, env: EnvironmentConfig) {
    super(scope, notebookStackName(env));
    const f = buildFoundation(this, env, {
      kind: "notebook",
      roleDescription: `SageMaker notebook instance execution role of ${env.projectName}-${env.environment}`,
      accessLogBucketSuffix: "nb-logs",
      bucketSuffixes: ["notebook"],
      interfaceServices: env.vpcEndpoints.interfaceServices.filter((s) => !STUDIO_ONLY_ENDPOINTS.has(s)),
      amazonLinuxRepos: true,
    });
    this.foundation = f;
    const { account, network, role } = f;
    const az = env.notebook.availabilityZone;
    const lane = network.lanes[az];

    const volumeKey = new CustomerKey(this, "notebook-key", {
      account,
      aliasName: kmsAliasName(env, "notebook", "storage"),
      description: `Encrypts the notebook instance volume of ${f.prefix}`,
      usage: [
        useThroughServices("AllowUseForNotebookVolume", account, [role.arn], ["sagemaker", "ec2"]),
        grantsForAwsResources("AllowGrantsForNotebookVolume", [role.arn]),
      ],
    });

    const name = notebookInstanceName(env);
    this.notebook = new SecureNotebookInstance(this, "notebook", {
      name,
      namePrefix: f.prefix,
      vpcId: network.vpc.id,
      subnetId: lane.workload.subnet.id,
      kmsKeyArn: volumeKey.arn,
      executionRoleArn: role.arn,
      instanceType: env.notebook.instanceType,
      volumeSizeGb: env.notebook.volumeSizeGb,
      lifecycle: env.notebook.lifecycle,
      endpoints: f.endpoints,
      waitFor: lane.egressPath,
    });

    role.attachPolicy(
      workloadStatements({
        account,
        executionRoleArn: role.arn,
        bucketArns: [f.buckets.notebook.arn],
        kmsKeyArns: [f.s3Key.arn, volumeKey.arn],
        vpcId: network.vpc.id,
      }),
    );

    new TerraformOutput(this, "notebook_instance_name", { value: this.notebook.instance.name });
    new TerraformOutput(this, "notebook_availability_zone", { value: az });
    new TerraformOutput(this, "notebook_subnet_id", { value: lane.workload.subnet.id });
    new TerraformOutput(this, "notebook_security_group_id", { value: this.notebook.securityGroup.id });
    new TerraformOutput(this, "kms_key_arns", { value: { s3: f.s3Key.arn, notebook_storage: volumeKey.arn } });
    new TerraformOutput(this, "notebook_presigned_url_command", {
      description: "Run (with credentials allowed to call sagemaker:CreatePresignedNotebookInstanceUrl) to open Jupyter",
      value: `aws sagemaker create-presigned-notebook-instance-url --region ${env.region} --notebook-instance-name ${name} --query AuthorizedUrl --output text`,
    });
  }
}
