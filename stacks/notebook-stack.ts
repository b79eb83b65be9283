/**
 * `<environment>-notebook`: a SageMaker notebook instance in the workload subnet of one explicitly
 * configured AZ (an instance cannot move, so its AZ never follows the order of the AZ list), with
 * its own execution role and volume key. Its bucket lives in the network stack.
 */
import { Annotations, TerraformOutput } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import { kmsAliasName, notebookInstanceName, stackName } from "../modules/config/naming";
import { CustomerKey, keyUseThrough } from "../modules/kms/customer-key";
import { addressesOf, jobPolicyParts, ownerTagOptOutWarning, sageMakerReadStatements, workloadStatements } from "../modules/sagemaker/execution-role";
import { imageRegistryAccounts } from "../modules/sagemaker/image-registries";
import { notebookOnStart } from "../modules/sagemaker/trusted-ca";
import { sdkDefaultsAsRoot } from "../modules/sagemaker/sdk-defaults";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { sageMakerUiEndpoint } from "../modules/endpoints/service-endpoints";
import { SecureNotebookInstance } from "../modules/sagemaker/notebook-instance";
import { NetworkStack, uiEndpointWarning } from "./network-stack";
import { WorkloadStack } from "./workload";

export function notebookStackName(env: Pick<EnvironmentConfig, "environment">): string {
  return stackName(env, "notebook");
}

/** Services through which the notebook's ML storage volume and job volumes use their key. */
const NOTEBOOK_VOLUME_SERVICES = ["sagemaker", "ec2"];

export class NotebookStack extends WorkloadStack {
  readonly notebook: SecureNotebookInstance;
  readonly volumeKey: CustomerKey;
  /** The `notebook` interface endpoint (admits this instance only), with notebook.uiEndpoint. */
  readonly notebookEndpoint?: VpcEndpoint;

  constructor(network: NetworkStack, env: EnvironmentConfig) {
    const az = env.notebook.availabilityZone;
    if (az === undefined) throw new Error(`${env.sourceFile}: notebook.availabilityZone is required when the notebook is enabled`);
    super(network, env, "notebook", {
      roleDescription: `SageMaker notebook instance execution role of ${env.projectName}-${env.environment}`,
      availabilityZones: [az],
      buckets: ["notebook"],
      keys: ["s3"],
    });
    const { account, contract, role } = this;

    // The instance's volume dies with the instance, so its key may die with this stack.
    this.volumeKey = new CustomerKey(this, "notebook-key", {
      account,
      aliasName: kmsAliasName(env, "notebook-storage"),
      description: `Encrypts the notebook instance volume and job volumes of ${this.prefix}`,
      usage: keyUseThrough("SageMakerVolumes", account, NOTEBOOK_VOLUME_SERVICES),
    });

    const name = notebookInstanceName(env);
    const subnetId = contract.workloadSubnetId(az);
    this.notebook = new SecureNotebookInstance(this, "notebook", {
      name,
      namePrefix: this.prefix,
      vpcId: contract.vpcId,
      subnetId,
      kmsKeyArn: this.volumeKey.arn,
      executionRoleArn: role.arn,
      instanceType: env.notebook.instanceType,
      volumeSizeGb: env.notebook.volumeSizeGb,
      // On every start (the root volume is rebuilt then): with TLS inspection, trust the firewall's
      // CA; the SageMaker SDK's admin defaults, so what it creates carries the role's owner tag
      // (requireOwnerTag refuses creates without it); then notebook.lifecycle.onStart.
      lifecycle: {
        ...env.notebook.lifecycle,
        onStart: notebookOnStart({ caPem: env.firewall.tlsInspection?.caCertificatePem, rootLines: sdkDefaultsAsRoot(role.name), userScriptBase64: env.notebook.lifecycle?.onStart }),
      },
      endpoints: this.endpointIngress,
      s3PrefixListId: contract.s3PrefixListId,
    });

    const bucket = contract.bucket("notebook");
    const permissions = role.attachPolicies({
      workload: workloadStatements({
        account,
        executionRoleArn: role.arn,
        bucketArns: [bucket.arn],
        kmsKeyArns: [contract.keyArn("s3"), this.volumeKey.arn],
        kmsViaServices: ["s3", ...NOTEBOOK_VOLUME_SERVICES],
        vpcId: contract.vpcId,
        ecrImageAccounts: imageRegistryAccounts({ region: env.region, accountId: env.accountId, sagemakerImages: env.vpcEndpoints.sagemakerImages, extraAccounts: env.vpcEndpoints.ecrImageAccounts }),
      }),
      read: sageMakerReadStatements(),
      ...jobPolicyParts({ account, subnetIds: [subnetId], securityGroupIds: [this.jobsSecurityGroup.id], volumeKmsKeyArn: this.volumeKey.arn, owner: role.name, requireOwnerTag: env.notebook.requireOwnerTag }),
    });
    // The lifecycle scripts run as the role at creation: not before its policies are attached.
    this.notebook.instance.addOverride("depends_on", addressesOf(permissions));
    if (!env.notebook.requireOwnerTag) Annotations.of(role.role).addWarning(ownerTagOptOutWarning(env.sourceFile, "notebook"));

    // Only for people on VPN or Direct Connect (notebook.uiEndpoint); the network's DNS firewall
    // then allows this instance's name (known at synth, so it is there, not here).
    if (env.notebook.uiEndpoint) {
      // In the notebook's AZ: the instance is there, and so is its only way in.
      this.notebookEndpoint = sageMakerUiEndpoint(this, "notebook-endpoint", {
        account,
        service: "notebook",
        namePrefix: this.prefix,
        vpcId: contract.vpcId,
        subnetIds: [subnetId],
        securityGroupId: contract.endpointSecurityGroupId,
        only: this.notebook.instance.arn,
      });
      Annotations.of(this.notebookEndpoint).addWarning(uiEndpointWarning(env.sourceFile, "notebook"));
    }

    new TerraformOutput(this, "notebook_instance_name", { description: "Name of the notebook instance", value: this.notebook.instance.name });
    new TerraformOutput(this, "notebook_availability_zone", { description: "The AZ the instance runs in (notebook.availabilityZone)", value: az });
    new TerraformOutput(this, "notebook_subnet_id", { description: "The workload subnet of that AZ, from the network contract", value: subnetId });
    new TerraformOutput(this, "notebook_security_group_id", { description: "ID of the instance's own security group", value: this.notebook.securityGroup.id });
    new TerraformOutput(this, "notebook_bucket_name", { description: "The notebook's bucket (in the network stack)", value: bucket.name });
    new TerraformOutput(this, "kms_key_arns", {
      description: "ARNs of the keys the notebook uses: s3 (the buckets', from the network contract) and notebook_storage (its volume)",
      value: { s3: contract.keyArn("s3"), notebook_storage: this.volumeKey.arn },
    });
    new TerraformOutput(this, "notebook_presigned_url_command", {
      description: "Run (with credentials allowed to call sagemaker:CreatePresignedNotebookInstanceUrl) to open Jupyter",
      value: `aws sagemaker create-presigned-notebook-instance-url --region ${env.region} --notebook-instance-name ${name} --query AuthorizedUrl --output text`,
    });
  }
}
