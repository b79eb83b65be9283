import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";

export interface WebEgressOptions {
  /**
   * Also HTTP (port 80), but only to this managed prefix list (e.g. S3's, reached through the
   * gateway endpoint). Default: no HTTP at all.
   */
  readonly httpToPrefixListId?: string;
}

/**
 * The only outbound traffic SageMaker workloads get beyond their own group: HTTPS, which reaches
 * the VPC endpoints and, through the NAT gateway, the firewall's allowlist (the firewall, not the
 * security group, decides where to). HTTP only where something needs it: notebook instances'
 * yum reads the Amazon Linux repositories over HTTP from S3 (through the gateway endpoint, never
 * the internet). Studio, jobs and pip/conda/Kaggle use HTTPS only.
 */
export function allowWebEgress(scope: Construct, sg: SecurityGroup, idPrefix = "", options: WebEgressOptions = {}): void {
  new VpcSecurityGroupEgressRule(scope, `${idPrefix}egress-443`, {
    securityGroupId: sg.id,
    cidrIpv4: "0.0.0.0/0",
    ipProtocol: "tcp",
    fromPort: 443,
    toPort: 443,
    description: "HTTPS to VPC endpoints, and to allowlisted internet domains through NAT and Network Firewall",
  });
  if (options.httpToPrefixListId !== undefined) {
    new VpcSecurityGroupEgressRule(scope, `${idPrefix}egress-80`, {
      securityGroupId: sg.id,
      prefixListId: options.httpToPrefixListId,
      ipProtocol: "tcp",
      fromPort: 80,
      toPort: 80,
      description: "HTTP to S3 through the gateway endpoint only (Amazon Linux package repositories)",
    });
  }
}
