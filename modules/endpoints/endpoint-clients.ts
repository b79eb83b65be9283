/**
 * Who may reach the interface VPC endpoints. The endpoints' security group belongs to the network
 * stack; each workload stack registers its own security groups with `allowHttpsFrom`, which adds
 * one ingress rule (a resource of the workload's stack) to that group. Destroying a workload
 * removes exactly its rules.
 */
import { Construct } from "constructs";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";

/**
 * What workload constructs need from the endpoints: a way to be let in. ServiceEndpoints (same
 * stack) and EndpointIngress (another stack, by the group's ID) implement it.
 */
export interface EndpointClients {
  /** Admits HTTPS from `sourceSecurityGroupId` to every interface endpoint. `id` names the rule. */
  allowHttpsFrom(id: string, sourceSecurityGroupId: string, description: string): void;
}

export interface EndpointIngressProps {
  /** The interface endpoints' security group (e.g. from the network contract). Required. */
  readonly endpointSecurityGroupId: string;
}

export class EndpointIngress extends Construct implements EndpointClients {
  private readonly ids = new Set<string>();

  constructor(scope: Construct, id: string, private readonly props: EndpointIngressProps) {
    super(scope, id);
  }

  allowHttpsFrom(id: string, sourceSecurityGroupId: string, description: string): void {
    if (this.ids.has(id)) throw new Error(`endpoint client "${id}" is registered twice`);
    this.ids.add(id);
    new VpcSecurityGroupIngressRule(this, `https-from-${id}`, {
      securityGroupId: this.props.endpointSecurityGroupId,
      referencedSecurityGroupId: sourceSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      description,
    });
  }
}
