/**
 * An S3 bucket for ML data: SSE-KMS with a customer key (S3 Bucket Key on, to cut KMS calls),
 * versioning, all public access blocked, ACLs disabled (bucket owner enforced), and a bucket
 * policy that (1) refuses non-TLS requests and (2) refuses data access that does not come through
 * the VPC's S3 gateway endpoint (the seed's design).
 *
 * Lock-out: the VPC-only deny covers *data* actions (objects and listings), not bucket
 * management, so whoever deploys can always read and replace this policy with Terraform from
 * outside the VPC. Roles in `adminRoleArns` are exempt from the VPC-only deny (break-glass data
 * access); they still need TLS and their own IAM permissions.
 */
import { Construct } from "constructs";
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";

/** Object and listing actions: what the VPC-endpoint-only rule guards. */
export const S3_DATA_ACTIONS = [
  "s3:GetObject*",
  "s3:PutObject*",
  "s3:DeleteObject*",
  "s3:ListBucket*",
  "s3:ListMultipartUploadParts",
  "s3:AbortMultipartUpload",
  "s3:RestoreObject",
];

const EVERYONE = [{ type: "*", identifiers: ["*"] }];

export interface SecureBucketProps {
  readonly bucketName: string;
  readonly kmsKeyArn: string;
}

export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  private readonly publicAccessBlock: S3BucketPublicAccessBlock;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      // Never let `terraform destroy` empty a bucket of users' data.
      forceDestroy: false,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn },
          bucketKeyEnabled: true,
        },
      ],
    });
  }

  get arn(): string {
    return this.bucket.arn;
  }

  get name(): string {
    return this.bucket.bucket;
  }

  /** Adds the bucket policy: TLS only, data access only through `s3EndpointId` (or an admin role). */
  restrictToVpcEndpoint(s3EndpointId: string, adminRoleArns: ReadonlyArray<string>): S3BucketPolicy {
    const resources = [this.bucket.arn, `${this.bucket.arn}/*`];
    const outsideEndpoint: DataAwsIamPolicyDocumentStatement["condition"] = [
      { test: "StringNotEquals", variable: "aws:sourceVpce", values: [s3EndpointId] },
    ];
    if (adminRoleArns.length > 0) {
      outsideEndpoint.push({ test: "ArnNotLike", variable: "aws:PrincipalArn", values: [...adminRoleArns] });
    }
    const policy = new DataAwsIamPolicyDocument(this, "policy-document", {
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: EVERYONE,
          actions: ["s3:*"],
          resources,
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
        {
          sid: "DenyDataAccessOutsideVpcEndpoint",
          effect: "Deny",
          principals: EVERYONE,
          actions: S3_DATA_ACTIONS,
          resources,
          condition: outsideEndpoint,
        },
      ],
    });
    return new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: policy.json,
      // S3 rejects a policy while the public access block is being changed.
      dependsOn: [this.publicAccessBlock],
    });
  }
}
