/**
 * CloudWatch log groups that are KMS-encrypted and kept for a bounded, configurable time, and the
 * key-policy statement CloudWatch Logs needs to use a customer key for them.
 */
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { AccountContext } from "../aws/account-context";
import { KEY_USE_ACTIONS } from "../kms/customer-key";

/**
 * Default retention of every log group the modules create: a year, the least the guardrails
 * accept (LOG_GROUP_KMS_RETENTION): evidence outlives most investigations, and logs are not kept
 * (and paid for) forever.
 */
export const DEFAULT_LOG_RETENTION_DAYS = 365;

/** How a log group is protected and how long it keeps its events. */
export interface LogSettings {
  /**
   * The customer managed KMS key that encrypts the log group. Required: its key policy must let
   * CloudWatch Logs use it (see cloudWatchLogsKeyUse).
   */
  readonly kmsKeyArn: string;
  /**
   * Days CloudWatch Logs keeps events; one of its allowed values (365, 400, 545, 731, 1096, 1827,
   * 2192, 2557, 2922, 3288, 3653 for a year or more). Default 365 (DEFAULT_LOG_RETENTION_DAYS).
   */
  readonly retentionDays?: number;
}

/** A CloudWatch log group encrypted with `settings.kmsKeyArn` and kept `settings.retentionDays`. */
export function encryptedLogGroup(scope: Construct, id: string, name: string, settings: LogSettings): CloudwatchLogGroup {
  return new CloudwatchLogGroup(scope, id, {
    name,
    kmsKeyId: settings.kmsKeyArn,
    retentionInDays: settings.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
  });
}

/**
 * Key-policy statement: CloudWatch Logs in this region may use the key, only for this account's
 * log groups (the encryption context CloudWatch Logs sends names the log group).
 */
export function cloudWatchLogsKeyUse(account: AccountContext): DataAwsIamPolicyDocumentStatement {
  return {
    sid: "AllowCloudWatchLogsOfThisAccount",
    principals: [{ type: "Service", identifiers: [account.viaService("logs")] }],
    actions: KEY_USE_ACTIONS,
    resources: ["*"],
    condition: [{ test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: [account.arn("logs", "log-group:*")] }],
  };
}
