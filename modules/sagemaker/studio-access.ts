/**
 * Who may open Studio from where: an IAM policy for the *people's* roles (not created here: those
 * roles belong to the organization's identity setup), limiting sagemaker:CreatePresignedDomainUrl
 * for this domain's user profiles to given networks. Following the SageMaker Developer Guide,
 * "Limit access to Studio by IP address": an allow with IpAddress aws:SourceIp, and a deny with
 * NotIpAddress so another policy's broader allow cannot open it from elsewhere. aws:SourceIp is
 * absent when the call comes through a VPC endpoint, so such calls are denied too; SageMaker also
 * checks this policy on every request of the Studio session, so people who reach Studio through
 * the `studio` interface endpoint (private connectivity) cannot use it: leave allowedSourceCidrs
 * empty for them.
 */
import { Construct } from "constructs";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { AccountContext } from "../aws/account-context";

export interface StudioAccessProps {
  /** The account of the domain. Required. */
  readonly account: AccountContext;
  /** The Studio domain whose user profiles the policy covers. Required. */
  readonly domainId: string;
  /** IPv4 CIDRs people may open Studio from (at least one). Required. */
  readonly sourceCidrs: ReadonlyArray<string>;
}

export function presignedUrlPolicy(scope: Construct, id: string, props: StudioAccessProps): DataAwsIamPolicyDocument {
  if (props.sourceCidrs.length === 0) throw new Error("presignedUrlPolicy needs at least one source CIDR");
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: [
      {
        sid: "OpenStudioOfThisDomainFromAllowedNetworks",
        actions: ["sagemaker:CreatePresignedDomainUrl"],
        resources: [props.account.arn("sagemaker", `user-profile/${props.domainId}/*`)],
        condition: [{ test: "IpAddress", variable: "aws:SourceIp", values: [...props.sourceCidrs] }],
      },
      {
        sid: "DenyOpeningStudioFromElsewhere",
        effect: "Deny",
        actions: ["sagemaker:CreatePresignedDomainUrl"],
        // This domain's profiles only: two environments' policies on one role must not block each other.
        resources: [props.account.arn("sagemaker", `user-profile/${props.domainId}/*`)],
        condition: [{ test: "NotIpAddress", variable: "aws:SourceIp", values: [...props.sourceCidrs] }],
      },
    ],
  });
}
