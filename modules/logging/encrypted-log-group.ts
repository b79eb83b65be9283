/**
 * CloudWatch log groups that are KMS-encrypted and kept for a bounded, configurable time, and the
 * key-policy statement CloudWatch Logs needs to use a customer key for them.
 */
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { AwsAccount } from "../aws/account";
import { KEY_USE_ACTIONS } from "../kms/customer-key";

export interface LogSettings {
  readonly kmsKeyArn: string;
  readonly retentionDays: number;
}

export function encryptedLogGroup(scope: Construct, id: string, name: string, settings: LogSettings): CloudwatchLogGroup {
  return new CloudwatchLogGroup(scope, id, {
    name,
    kmsKeyId: settings.kmsKeyArn,
    retentionInDays: settings.retentionDays,
  });
}

/**
 * Key-policy statement: CloudWatch Logs in this region may use the key, only for this account's
 * log groups (the encryption context CloudWatch Logs sends names the log group).
 */
export function cloudWatchLogsKeyUse(account: AwsAccount): DataAwsIamPolicyDocumentStatement {
  return {
    sid: "AllowCloudWatchLogsOfThisAccount",
    principals: [{ type: "Service", identifiers: [account.viaService("logs")] }],
    actions: KEY_USE_ACTIONS,
    resources: ["*"],
    condition: [{ test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: [account.arn("logs", "log-group:*")] }],
  };
}
