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

export interface NotebookInstanceProps {
  readonly name: string;
  readonly namePrefix: string;
  readonly vpcId: string;
  readonly subnetId: string;
  readonly kmsKeyArn: string;
  readonly executionRoleArn: string;
  readonly instanceType: string;
  readonly volumeSizeGb: number;
  /** Base64 script bodies, as AWS takes them. */
  readonly lifecycle?: { readonly onCreate?: string; readonly onStart?: string };
  readonly endpoints: EndpointClients;
  /** S3's managed prefix list: the only HTTP destination (yum's Amazon Linux repositories live in S3). */
  readonly s3PrefixListId: string;
}

export class SecureNotebookInstance extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly instance: SagemakerNotebookInstance;
  readonly lifecycleConfiguration?: SagemakerNotebookInstanceLifecycleConfiguration;

  constructor(scope: Construct, id: string, props: NotebookInstanceProps) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${props.namePrefix}-instance`,
      description: `Notebook instance ${props.name}: no inbound; outbound HTTPS, and HTTP to S3 only`,
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-instance` },
    });
    allowWebEgress(this, this.securityGroup, "", { httpToPrefixListId: props.s3PrefixListId });
    props.endpoints.allowHttpsFrom("notebook-instance", this.securityGroup.id, `HTTPS from notebook instance ${props.name}`);

    if (props.lifecycle) {
      this.lifecycleConfiguration = new SagemakerNotebookInstanceLifecycleConfiguration(this, "lifecycle", {
        name: props.name, // its own namespace: may equal the instance name
        onCreate: props.lifecycle.onCreate,
        onStart: props.lifecycle.onStart,
      });
    }

    this.instance = new SagemakerNotebookInstance(this, "instance", {
      name: props.name,
      roleArn: props.executionRoleArn,
      instanceType: props.instanceType,
      volumeSize: props.volumeSizeGb,
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
