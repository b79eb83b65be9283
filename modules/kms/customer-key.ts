/**
 * A customer managed KMS key with rotation on and an explicit key policy.
 *
 * The policy always keeps the account's own administrative access ("AllowAccountAdministration":
 * the account root, i.e. IAM policies in this account decide who administers the key), because a
 * key policy that names no administrator can never be changed again: AWS calls such a key
 * unmanageable. Who may *use* the key is listed by the caller, per principal and service.
 */
import { Construct } from "constructs";
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsAccount } from "../aws/account";

export interface CustomerKeyProps {
  readonly account: AwsAccount;
  /** "alias/<name>" is created for it. */
  readonly aliasName: string;
  readonly description: string;
  /** Statements granting use of the key; the administration statement is added here. */
  readonly usage: DataAwsIamPolicyDocumentStatement[];
}

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
          actions: ["kms:*"],
          resources: ["*"], // in a key policy "*" means this key
        },
        ...props.usage,
      ],
    });
    this.key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policy.json,
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

/** Key-policy statement: `principalArns` may use the key, but only through `services`. */
export function useThroughServices(sid: string, account: AwsAccount, principalArns: ReadonlyArray<string>, services: ReadonlyArray<string>): DataAwsIamPolicyDocumentStatement {
  return {
    sid,
    principals: [{ type: "AWS", identifiers: [...principalArns] }],
    actions: KEY_USE_ACTIONS,
    resources: ["*"],
    condition: [{ test: "StringEquals", variable: "kms:ViaService", values: services.map((s) => account.viaService(s)) }],
  };
}

/** Key-policy statement: `principalArns` may create grants, only for AWS resources (EBS, EFS). */
export function grantsForAwsResources(sid: string, principalArns: ReadonlyArray<string>): DataAwsIamPolicyDocumentStatement {
  return {
    sid,
    principals: [{ type: "AWS", identifiers: [...principalArns] }],
    actions: ["kms:CreateGrant"],
    resources: ["*"],
    condition: [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
  };
}
