import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";

/**
 * The only outbound traffic SageMaker workloads get beyond their own group: HTTPS and HTTP. HTTPS
 * reaches the VPC endpoints; both reach the internet only through the NAT gateway and the
 * firewall's domain allowlist, so the firewall, not the security group, decides where to.
 */
export function allowWebEgress(scope: Construct, sg: SecurityGroup, idPrefix = ""): void {
  for (const [port, what] of [
    [443, "HTTPS to VPC endpoints, and to allowlisted internet domains through NAT and Network Firewall"],
    [80, "HTTP to allowlisted internet domains through NAT and Network Firewall"],
  ] as const) {
    new VpcSecurityGroupEgressRule(scope, `${idPrefix}egress-${port}`, {
      securityGroupId: sg.id,
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      description: what,
    });
  }
}
