/**
 * An S3 bucket for ML data or logs: encryption at rest (SSE-KMS with a customer key and S3 Bucket
 * Keys, or SSE-S3 where AWS allows nothing else), versioning, all public access blocked, ACLs
 * disabled (bucket owner enforced), incomplete multipart uploads aborted, optional server access
 * logging, and one bucket policy that always refuses non-TLS requests and gains statements from
 * `restrictToVpcEndpoint` and `acceptAccessLogsFrom`.
 *
 * Lock-out: the VPC-only deny covers *object data* (reading, writing, deleting objects and their
 * versions, listing versions and uploads), never bucket management and never s3:ListBucket. The
 * AWS provider refreshes every aws_s3_bucket with HeadBucket, which S3 authorizes as
 * s3:ListBucket, and treats a 403 as an error: denying it outside the VPC would fail every later
 * plan, apply and destroy run from a laptop or CI. So listing object *keys* stays governed by IAM
 * alone; object *contents* only move through the VPC endpoint. Roles in `adminRoleArns` are
 * exempt from the VPC-only deny (break-glass data access); they still need TLS and their own IAM
 * permissions.
 */
import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import type { AccountContext } from "../aws/account-context";

/**
 * Object data actions: what the VPC-endpoint-only rule guards. s3:ListBucket is deliberately not
 * here (HeadBucket, see above); the version and upload listings are.
 */
export const S3_DATA_ACTIONS = [
  "s3:GetObject*",
  "s3:PutObject*",
  "s3:DeleteObject*",
  "s3:ListBucketVersions",
  "s3:ListBucketMultipartUploads",
  "s3:ListMultipartUploadParts",
  "s3:AbortMultipartUpload",
  "s3:RestoreObject",
  "s3:ReplicateObject",
];

const EVERYONE = [{ type: "*", identifiers: ["*"] }];

/** Incomplete multipart uploads cost storage and are never visible; a week is ample to finish one. */
export const ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS = 7;

export interface SecureBucketProps {
  /** The bucket's name (globally unique: include account and region). Required. */
  readonly bucketName: string;
  /**
   * Customer key for SSE-KMS. Default: none, and the bucket uses SSE-S3, which only S3 server access
   * log buckets need (S3 delivers access logs to SSE-S3 buckets only); the guardrails require a
   * customer key on every other bucket.
   */
  readonly kmsKeyArn?: string;
  /** Server access logging into this bucket, under "<bucket name>/". Default: none (the guardrails require it, but for the log bucket). */
  readonly accessLogsTo?: SecureBucket;
  /** Delete objects (and noncurrent versions after a day) after this many days: for log buckets. Default: kept forever. */
  readonly expireAfterDays?: number;
  /**
   * Refuse any plan that destroys the bucket (Terraform `prevent_destroy`). Default false.
   */
  readonly preventDestroy?: boolean;
  /**
   * Let `terraform destroy` empty the bucket first. Only for buckets nobody's data lives in (the
   * access-log bucket, which S3 keeps writing to, so it is never empty). Default false.
   */
  readonly forceDestroy?: boolean;
}

export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly policy: S3BucketPolicy;
  private readonly statements: DataAwsIamPolicyDocumentStatement[] = [];

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      // Never let `terraform destroy` empty a bucket of users' data.
      forceDestroy: props.forceDestroy ?? false,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    const bucket = this.bucket.id;
    new S3BucketOwnershipControls(this, "ownership", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } });
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, "versioning", { bucket, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket,
      rule: [
        props.kmsKeyArn
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });

    const rules: S3BucketLifecycleConfigurationRule[] = [
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: [{}],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS }],
      },
    ];
    if (props.expireAfterDays !== undefined) {
      rules.push({
        id: "expire-after-retention",
        status: "Enabled",
        filter: [{}],
        expiration: [{ days: props.expireAfterDays }],
        noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
      });
    }
    new S3BucketLifecycleConfiguration(this, "lifecycle", { bucket, rule: rules });

    if (props.accessLogsTo) {
      new S3BucketLoggingA(this, "access-logging", {
        bucket,
        targetBucket: props.accessLogsTo.bucket.id,
        targetPrefix: `${props.bucketName}/`,
      });
    }

    const resources = [this.bucket.arn, `${this.bucket.arn}/*`];
    this.statements.push({
      sid: "DenyInsecureTransport",
      effect: "Deny",
      principals: EVERYONE,
      actions: ["s3:*"],
      resources,
      condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    });
    const document = new DataAwsIamPolicyDocument(this, "policy-document", {
      // Read at synth, after every restrictTo/accept call has added its statement.
      statement: Lazy.anyValue({ produce: () => this.statements }) as unknown as DataAwsIamPolicyDocumentStatement[],
    });
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket,
      policy: document.json,
      // S3 rejects a policy while the public access block is being changed.
      dependsOn: [publicAccessBlock],
    });
  }

  get arn(): string {
    return this.bucket.arn;
  }

  get name(): string {
    return this.bucket.bucket;
  }

  /** Denies data access that does not come through `s3EndpointId`, except to `adminRoleArns`. */
  restrictToVpcEndpoint(s3EndpointId: string, adminRoleArns: ReadonlyArray<string>): void {
    const condition: DataAwsIamPolicyDocumentStatement["condition"] = [
      { test: "StringNotEquals", variable: "aws:sourceVpce", values: [s3EndpointId] },
    ];
    if (adminRoleArns.length > 0) condition.push({ test: "ArnNotLike", variable: "aws:PrincipalArn", values: [...adminRoleArns] });
    this.statements.push({
      sid: "DenyDataAccessOutsideVpcEndpoint",
      effect: "Deny",
      principals: EVERYONE,
      actions: S3_DATA_ACTIONS,
      resources: [this.bucket.arn, `${this.bucket.arn}/*`],
      condition,
    });
  }

  /** Lets S3's log delivery service write server access logs of `sourceBucketArns` (this account's only). */
  acceptAccessLogsFrom(account: AccountContext, sourceBucketArns: ReadonlyArray<string>): void {
    this.statements.push({
      sid: "AllowServerAccessLogDelivery",
      principals: [{ type: "Service", identifiers: ["logging.s3.amazonaws.com"] }],
      actions: ["s3:PutObject"],
      resources: [`${this.bucket.arn}/*`],
      condition: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
        { test: "ArnLike", variable: "aws:SourceArn", values: [...sourceBucketArns] },
      ],
    });
  }
}
