/**
 * What both workload stacks build on: the network contract (read from the network stack's SSM
 * parameter and checked at plan time), the endpoint ingress their security groups register with,
 * the execution role, and a security group for the training and processing jobs the role may
 * start. Deploy order: cdktf deploys `<env>-network` before a workload (stack dependency).
 */
import { TerraformOutput } from "cdktf";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import type { EnvironmentConfig } from "../modules/config/load";
import { executionRoleName, networkContractParameterName, stackName, stackPrefix, WorkloadKind } from "../modules/config/naming";
import { NetworkContract } from "../modules/contract/network-contract";
import { EndpointIngress } from "../modules/endpoints/endpoint-clients";
import { SageMakerExecutionRole } from "../modules/sagemaker/execution-role";
import { privateGroup } from "../modules/sagemaker/private-group";
import { EnvironmentStack } from "./environment-stack";
import type { NetworkStack } from "./network-stack";

export interface WorkloadOptions {
  readonly roleDescription: string;
  /** AZs whose workload subnets this workload uses (the contract must have them). */
  readonly availabilityZones: ReadonlyArray<string>;
  readonly buckets: ReadonlyArray<string>;
  readonly keys: ReadonlyArray<string>;
}

export abstract class WorkloadStack extends EnvironmentStack {
  readonly prefix: string;
  readonly contract: NetworkContract;
  readonly endpointIngress: EndpointIngress;
  readonly role: SageMakerExecutionRole;
  readonly jobsSecurityGroup: SecurityGroup;

  protected constructor(network: NetworkStack, env: EnvironmentConfig, kind: WorkloadKind, opts: WorkloadOptions) {
    super(network.node.scope!, env, kind);
    // cdktf deploys the network first and destroys it last.
    this.addDependency(network);
    this.prefix = stackPrefix(env, kind);
    this.contract = new NetworkContract(this, "network-contract", {
      parameterName: networkContractParameterName(env),
      networkStackName: stackName(env, "network"),
      availabilityZones: opts.availabilityZones,
      buckets: opts.buckets,
      keys: opts.keys,
    });
    this.endpointIngress = new EndpointIngress(this, "endpoint-ingress", { endpointSecurityGroupId: this.contract.endpointSecurityGroupId });
    this.role = new SageMakerExecutionRole(this, "execution-role", {
      account: this.account,
      roleName: executionRoleName(env, kind),
      description: opts.roleDescription,
    });
    // The contract's checks run on the role: the first resource every plan of this stack creates or keeps.
    this.role.role.addOverride(
      "lifecycle.precondition",
      this.contract.preconditions.map((c) => ({ condition: c.condition, error_message: c.errorMessage })),
    );
    this.jobsSecurityGroup = privateGroup(this, "jobs-security-group", {
      name: `${this.prefix}-jobs`,
      description: `SageMaker training, processing and tuning jobs and models of ${this.prefix}: reachable only from each other`,
      vpcId: this.contract.vpcId,
      selfTraffic: "TCP between the containers of a distributed job",
      endpoints: this.endpointIngress,
      endpointClientId: "jobs",
    });
    new TerraformOutput(this, "execution_role_arn", { description: "ARN of this workload's SageMaker execution role", value: this.role.arn });
    new TerraformOutput(this, "jobs_security_group_id", {
      description: "The only security group jobs and models may use (pass it as security_group_ids)",
      value: this.jobsSecurityGroup.id,
    });
  }
}
