/**
 * A customer managed KMS key with rotation on and an explicit key policy in which every
 * cryptographic use goes through a named AWS service.
 *
 * - "AllowAccountAdministration": the account (i.e. IAM policies in this account) may administer
 *   the key: describe, read its policy, tag, rotate, schedule deletion... but not use it. A key
 *   policy that names no administrator could never be changed again (AWS calls such a key
 *   unmanageable), so this statement is always there; it grants no cryptographic action and no
 *   kms:CreateGrant, so an identity policy alone can never let anyone call kms:Decrypt directly.
 * - Use statements (from the caller): principals of this account whose IAM policies allow it may
 *   use the key only when the request comes through one of the listed services (kms:ViaService,
 *   set by AWS on requests a service makes on a principal's behalf), and service principals
 *   (CloudWatch Logs) only for this account's resources.
 * Because no statement names a role, keys can live in the network stack and serve roles that
 * workload stacks create later, without a dependency cycle.
 */
import { Construct } from "constructs";
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { AccountContext } from "../aws/account-context";

export interface CustomerKeyProps {
  /** The account whose IAM administers the key (the key policy's administration statement). Required. */
  readonly account: AccountContext;
  /** "alias/<name>" is created for it (unique per account and region). Required. */
  readonly aliasName: string;
  /** The key's description: say what it protects. Default `Customer managed key alias/<aliasName>`. */
  readonly description?: string;
  /**
   * Statements granting use of the key (keyUseThrough, cloudWatchLogsKeyUse); the administration
   * statement is added here. Required: a key nobody may use protects nothing.
   */
  readonly usage: DataAwsIamPolicyDocumentStatement[];
  /**
   * Refuse any plan that destroys the key (Terraform `prevent_destroy`). For keys that protect
   * data that outlives the stack (buckets, the Studio home EFS): destroying the key would make that
   * data unreadable once the deletion window ends. Default false.
   */
  readonly preventDestroy?: boolean;
}

/**
 * Everything but cryptographic use and grants: AWS's "key administrators" statement. Reading the
 * key (Describe/Get/List) is here, so Terraform can refresh the key from anywhere.
 */
export const KEY_ADMIN_ACTIONS = [
  "kms:CreateAlias",
  "kms:UpdateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListAliases",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:EnableKey",
  "kms:DisableKey",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:RotateKeyOnDemand",
  "kms:UpdateKeyDescription",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:RevokeGrant",
  "kms:RetireGrant",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
];

export class CustomerKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, props: CustomerKeyProps) {
    super(scope, id);
    const policy = new DataAwsIamPolicyDocument(this, "policy", {
      statement: [
        {
          sid: "AllowAccountAdministration",
          principals: [{ type: "AWS", identifiers: [props.account.rootArn] }],
          actions: KEY_ADMIN_ACTIONS,
          resources: ["*"], // in a key policy "*" means this key
        },
        ...props.usage,
      ],
    });
    this.key = new KmsKey(this, "key", {
      description: props.description ?? `Customer managed key alias/${props.aliasName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policy.json,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.alias = new KmsAlias(this, "alias", { name: `alias/${props.aliasName}`, targetKeyId: this.key.keyId });
  }

  get arn(): string {
    return this.key.arn;
  }
}

/** Data-key actions a principal needs to encrypt and decrypt with a key (no administration). */
export const KEY_USE_ACTIONS = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:DescribeKey",
];

/**
 * Key-policy statement: principals of this account whose IAM policies allow it may use the key,
 * but only through `services` ("s3" -> kms:ViaService s3.<region>.<dns suffix>).
 */
export function useThroughServices(sid: string, account: AccountContext, services: ReadonlyArray<string>): DataAwsIamPolicyDocumentStatement {
  return {
    sid,
    principals: [{ type: "AWS", identifiers: [account.rootArn] }],
    actions: KEY_USE_ACTIONS,
    resources: ["*"],
    condition: [
      { test: "StringEquals", variable: "kms:CallerAccount", values: [account.accountId] },
      { test: "StringEquals", variable: "kms:ViaService", values: services.map((s) => account.viaService(s)) },
    ],
  };
}

/**
 * Key-policy statement: principals of this account may let `services` create grants on the key
 * (the EBS and EFS volumes SageMaker and Network Firewall create). Bound by kms:ViaService, so
 * nobody can create a grant directly (and so give themselves direct use of the key). Not bound by
 * kms:GrantIsForAWSResource: AWS sets it only for some integrated services, and SageMaker is
 * reported not to be among them (aws/sagemaker-python-sdk pull request 683 removed it from the
 * SDK's key policy for that reason), so it could break job and domain volumes; kms:ViaService is
 * the stricter bound anyway.
 */
export function grantsThroughServices(sid: string, account: AccountContext, services: ReadonlyArray<string>): DataAwsIamPolicyDocumentStatement {
  return {
    sid,
    principals: [{ type: "AWS", identifiers: [account.rootArn] }],
    actions: ["kms:CreateGrant"],
    resources: ["*"],
    condition: [
      { test: "StringEquals", variable: "kms:CallerAccount", values: [account.accountId] },
      { test: "StringEquals", variable: "kms:ViaService", values: services.map((s) => account.viaService(s)) },
    ],
  };
}

/** The key-policy statements for using a key through `services`, grants included. */
export function keyUseThrough(sidPrefix: string, account: AccountContext, services: ReadonlyArray<string>): DataAwsIamPolicyDocumentStatement[] {
  return [useThroughServices(`AllowUseThrough${sidPrefix}`, account, services), grantsThroughServices(`AllowGrantsThrough${sidPrefix}`, account, services)];
}
