/**
 * VPC flow logs (all traffic, 1-minute aggregation) to an encrypted CloudWatch log group, written
 * by a role only the flow-logs service of this account can assume, allowed only that log group.
 */
import { Construct } from "constructs";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { AccountContext } from "../aws/account-context";
import { encryptedLogGroup, LogSettings } from "../logging/encrypted-log-group";

export interface VpcFlowLogsProps {
  /** The account: the role's trust admits only this account's flow logs (confused-deputy protection). Required. */
  readonly account: AccountContext;
  /** The VPC whose traffic (all of it: accepted and rejected) is logged. Required. */
  readonly vpcId: string;
  /** The log group's name. Required (InspectedVpc defaults it to `/aws/vpc-flow-logs/<namePrefix>`). */
  readonly logGroupName: string;
  /** The IAM role's name; IAM names are account-global, so include the region. Required. */
  readonly roleName: string;
  /** Key and retention of the log group (retention default 365 days). Required: the key has no default. */
  readonly logs: LogSettings;
}

export class VpcFlowLogs extends Construct {
  readonly flowLog: FlowLog;

  constructor(scope: Construct, id: string, props: VpcFlowLogsProps) {
    super(scope, id);
    const { account } = props;
    const logGroup = encryptedLogGroup(this, "log-group", props.logGroupName, props.logs);

    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [
        {
          sid: "FlowLogsOfThisAccount",
          principals: [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }],
          actions: ["sts:AssumeRole"],
          // Confused-deputy protection: only flow logs of this account.
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
            { test: "ArnLike", variable: "aws:SourceArn", values: [account.arn("ec2", "vpc-flow-log/*")] },
          ],
        },
      ],
    });
    const role = new IamRole(this, "role", {
      name: props.roleName,
      description: "Writes this VPC's flow logs to its log group",
      assumeRolePolicy: trust.json,
    });
    const write = new DataAwsIamPolicyDocument(this, "write", {
      statement: [
        {
          sid: "WriteThisLogGroup",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          resources: [logGroup.arn, `${logGroup.arn}:log-stream:*`],
        },
      ],
    });
    new IamRolePolicy(this, "role-policy", { name: "write-flow-logs", role: role.id, policy: write.json });

    this.flowLog = new FlowLog(this, "flow-log", {
      vpcId: props.vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
    });
  }
}
