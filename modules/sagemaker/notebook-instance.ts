/**
 * A SageMaker notebook instance that can only reach the network through the VPC: no direct
 * internet access (its only ENI is in our workload subnet, so the internet is reached through
 * that AZ's NAT gateway and firewall endpoint), no root access, IMDSv2 only, its volume encrypted
 * with a customer key, its own security group (no inbound; outbound web only), and an optional
 * lifecycle configuration.
 *
 * AWS treats name, subnet, security groups, KMS key and direct internet access as immutable:
 * changing any of them (e.g. notebook.availabilityZone) replaces the instance and its volume.
 */
import { Construct } from "constructs";
import { SagemakerNotebookInstance } from "@cdktf/provider-aws/lib/sagemaker-notebook-instance";
import { SagemakerNotebookInstanceLifecycleConfiguration } from "@cdktf/provider-aws/lib/sagemaker-notebook-instance-lifecycle-configuration";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import type { EndpointClients } from "../endpoints/endpoint-clients";
import { allowWebEgress } from "./web-egress";

/** The notebook instance type by default: the smallest general-purpose type, enough for notebooks that send work to jobs. */
export const DEFAULT_NOTEBOOK_INSTANCE_TYPE = "ml.t3.medium";
/** The ML storage volume's size by default, in GB. */
export const DEFAULT_NOTEBOOK_VOLUME_SIZE_GB = 20;

export interface NotebookInstanceProps {
  /** The instance's name (1-63 of letters, digits, hyphens; unique per account and region); replaces the instance when changed. Default `namePrefix`. */
  readonly name?: string;
  /** Prefix of the security group's name (`<namePrefix>-instance`). Required. */
  readonly namePrefix: string;
  /** The VPC. Required. */
  readonly vpcId: string;
  /**
   * The workload subnet the instance's only ENI goes in: it decides the AZ, and the instance
   * reaches the internet only through that AZ's NAT gateway and firewall endpoint. Required.
   */
  readonly subnetId: string;
  /** Customer key for the instance's ML storage volume. Required. */
  readonly kmsKeyArn: string;
  /** The execution role the instance runs as. Required. */
  readonly executionRoleArn: string;
  /** `ml.<family>.<size>`. Default "ml.t3.medium" (DEFAULT_NOTEBOOK_INSTANCE_TYPE). */
  readonly instanceType?: string;
  /** The ML storage volume's size, 5 to 16384 GB. Default 20 (DEFAULT_NOTEBOOK_VOLUME_SIZE_GB). */
  readonly volumeSizeGb?: number;
  /** Base64 script bodies, as AWS takes them (each at most 16384 characters). Default: none. */
  readonly lifecycle?: { readonly onCreate?: string; readonly onStart?: string };
  /** The interface endpoints, told to admit HTTPS from the instance's group. Required. */
  readonly endpoints: EndpointClients;
  /**
   * S3's managed prefix list (the S3 gateway endpoint's `prefixListId`): the only HTTP
   * destination, because yum reads the Amazon Linux repositories, which live in S3, over HTTP.
   * Required.
   */
  readonly s3PrefixListId: string;
}

export class SecureNotebookInstance extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly instance: SagemakerNotebookInstance;
  readonly lifecycleConfiguration?: SagemakerNotebookInstanceLifecycleConfiguration;

  constructor(scope: Construct, id: string, props: NotebookInstanceProps) {
    super(scope, id);
    const name = props.name ?? props.namePrefix;
    const volumeSizeGb = props.volumeSizeGb ?? DEFAULT_NOTEBOOK_VOLUME_SIZE_GB;
    if (!Number.isInteger(volumeSizeGb) || volumeSizeGb < 5 || volumeSizeGb > 16384) throw new Error(`volumeSizeGb must be an integer from 5 to 16384, got ${volumeSizeGb}`);
    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${props.namePrefix}-instance`,
      description: `Notebook instance ${name}: no inbound; outbound HTTPS, and HTTP to S3 only`,
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-instance` },
    });
    allowWebEgress(this, this.securityGroup, "", { httpToPrefixListId: props.s3PrefixListId });
    props.endpoints.allowHttpsFrom("notebook-instance", this.securityGroup.id, `HTTPS from notebook instance ${name}`);

    if (props.lifecycle) {
      this.lifecycleConfiguration = new SagemakerNotebookInstanceLifecycleConfiguration(this, "lifecycle", {
        name, // its own namespace: may equal the instance name
        onCreate: props.lifecycle.onCreate,
        onStart: props.lifecycle.onStart,
      });
    }

    this.instance = new SagemakerNotebookInstance(this, "instance", {
      name,
      roleArn: props.executionRoleArn,
      instanceType: props.instanceType ?? DEFAULT_NOTEBOOK_INSTANCE_TYPE,
      volumeSize: volumeSizeGb,
      subnetId: props.subnetId,
      securityGroups: [this.securityGroup.id],
      directInternetAccess: "Disabled",
      rootAccess: "Disabled",
      instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: "2" },
      kmsKeyId: props.kmsKeyArn,
      lifecycleConfigName: this.lifecycleConfiguration?.name,
    });
  }
}
