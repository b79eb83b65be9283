/**
 * What the modules need to know about the account and region they deploy into. An interface, so
 * constructs depend on it rather than on the AwsAccount construct: AwsAccount (Terraform data
 * sources, no credentials at synth) implements it, and a caller that already knows its account
 * can pass a plain object.
 */
export interface AccountContext {
  /** The 12-digit account ID, or a Terraform expression that resolves to it. */
  readonly accountId: string;
  /** The ARN partition ("aws", "aws-cn", "aws-us-gov"), or a Terraform expression for it. */
  readonly partition: string;
  /** The region name ("us-east-1"); a literal, because names and AZ checks are built from it at synth. */
  readonly region: string;
  /** DNS suffix of service endpoints ("amazonaws.com", "amazonaws.com.cn"). */
  readonly dnsSuffix: string;
  /** arn:<partition>:<service>:<region>:<account>:<resource>; pass region "" for global services. */
  arn(service: string, resource: string, region?: string): string;
  /** arn:<partition>:iam::<account>:root: the account as a policy principal. */
  readonly rootArn: string;
  /** "s3.us-east-1.amazonaws.com": the value of kms:ViaService for that service. */
  viaService(service: string): string;
}
