import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { EndpointClients } from "../endpoints/endpoint-clients";
import { allowWebEgress } from "./web-egress";

export interface PrivateGroupProps {
  /** The security group's name (and Name tag). Required. */
  readonly name: string;
  /** The security group's description: who its members are (the guardrails require one). Required. */
  readonly description: string;
  /** The VPC. Required. */
  readonly vpcId: string;
  /** What the TCP traffic within the group is for (the self rules' description). Required. */
  readonly selfTraffic: string;
  /** The interface endpoints, told to admit HTTPS from the group. Required. */
  readonly endpoints: EndpointClients;
  /** Names the endpoints' ingress rule for this group; unique among the endpoints' clients. Required. */
  readonly endpointClientId: string;
}

/**
 * A security group whose members reach each other over TCP and nothing else inside the VPC: it
 * admits TCP only from itself, sends TCP to itself, HTTPS/HTTP out (endpoints; the internet only
 * through NAT and the firewall's allowlist), and is registered with the interface endpoints.
 * Studio user profiles (JupyterServer <-> KernelGateway) and training jobs (distributed training
 * between containers) need exactly this.
 */
export function privateGroup(scope: Construct, id: string, props: PrivateGroupProps): SecurityGroup {
  const sg = new SecurityGroup(scope, id, {
    name: props.name,
    description: props.description,
    vpcId: props.vpcId,
    tags: { Name: props.name },
  });
  // Both directions: with egress restricted, members also need leave to send to each other.
  const self = {
    securityGroupId: sg.id,
    referencedSecurityGroupId: sg.id,
    ipProtocol: "tcp",
    fromPort: 0,
    toPort: 65535,
    description: props.selfTraffic,
  };
  new VpcSecurityGroupIngressRule(scope, `${id}-ingress-self`, self);
  new VpcSecurityGroupEgressRule(scope, `${id}-egress-self`, self);
  allowWebEgress(scope, sg, `${id}-`);
  props.endpoints.allowHttpsFrom(props.endpointClientId, sg.id, `HTTPS from ${props.name}`);
  return sg;
}
