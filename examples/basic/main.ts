// The inspected two-AZ network and one hardened notebook instance in one stack, from the library's
// public entry point only. Build and synthesize with `npm run synth` (writes cdktf.out/).
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  addressesOf, AwsAccount, cloudWatchLogsKeyUse, CustomerKey, DnsFirewall, dnsFirewallDomains, DEFAULT_ALLOWED_DOMAINS, Guardrails, InspectedVpc,
  keyUseThrough, SageMakerExecutionRole, sageMakerReadStatements, SecureBucket, SecureNotebookInstance, ServiceEndpoints, vpcResolutionNames, waive, workloadStatements,
} from "sagemaker-studio-anfw";

const region = "us-east-1";
const prefix = "anfw-example";
const app = new App();
const stack = new TerraformStack(app, "basic");
new AwsProvider(stack, "aws", { region });
Guardrails.attachTo(stack); // synth fails on any security rule the stack breaks
const account = new AwsAccount(stack, "account", region);

// Network: VPC, per-AZ firewall/NAT/workload subnets (default subnet plan), Network Firewall, DNS firewall.
const networkKey = new CustomerKey(stack, "network-key", {
  account, aliasName: `${prefix}-network`,
  usage: [cloudWatchLogsKeyUse(account), ...keyUseThrough("NetworkFirewall", account, ["network-firewall"])],
});
const network = new InspectedVpc(stack, "network", { namePrefix: prefix, availabilityZones: [`${region}a`, `${region}b`], logging: { account, kmsKeyArn: networkKey.arn } });
new DnsFirewall(stack, "dns-firewall", {
  vpcId: network.vpc.id, namePrefix: prefix, queryLog: { kmsKeyArn: networkKey.arn },
  allowedDomains: [...dnsFirewallDomains(DEFAULT_ALLOWED_DOMAINS), ...vpcResolutionNames(region, { amazonLinuxRepositories: true })],
});

// Data: the notebook's bucket (SSE-KMS, reachable only through the S3 endpoint) and its access-log bucket.
const s3Key = new CustomerKey(stack, "s3-key", { account, aliasName: `${prefix}-s3`, usage: keyUseThrough("S3", account, ["s3"]) });
const logs = new SecureBucket(stack, "access-logs", { bucketName: `${prefix}-${account.accountId}-logs`, expireAfterDays: 365, forceDestroy: true });
waive(logs.bucket, "S3_KMS_ENCRYPTION", "S3 delivers server access logs only to SSE-S3 buckets");
waive(logs.bucket, "S3_ACCESS_LOGGING", "this is the access-log bucket itself");
const data = new SecureBucket(stack, "data", { bucketName: `${prefix}-${account.accountId}-data`, kmsKeyArn: s3Key.arn, accessLogsTo: logs });
logs.acceptAccessLogsFrom(account, [data.arn]);
const lanes = Object.values(network.lanes);
const endpoints = new ServiceEndpoints(stack, "endpoints", {
  account, namePrefix: prefix, vpcId: network.vpc.id, subnetIds: lanes.map((l) => l.workload.subnet.id),
  routeTableIdsByAz: network.byAz((l) => l.workload.routeTable.id), s3: { bucketArns: [data.arn], allowAmazonLinuxRepos: true },
});
data.restrictToVpcEndpoint(endpoints.s3Gateway.id, []);

// Workload: a notebook instance in AZ a, its role (least privilege) and volume key.
const volumeKey = new CustomerKey(stack, "notebook-key", { account, aliasName: `${prefix}-notebook`, usage: keyUseThrough("Volumes", account, ["sagemaker", "ec2"]) });
const role = new SageMakerExecutionRole(stack, "notebook-role", { account, roleName: `${prefix}-${region}-notebook` });
const permissions = role.attachPolicies({
  workload: workloadStatements({ account, executionRoleArn: role.arn, bucketArns: [data.arn], kmsKeyArns: [s3Key.arn, volumeKey.arn], kmsViaServices: ["s3", "sagemaker", "ec2"], vpcId: network.vpc.id }),
  read: sageMakerReadStatements(),
});
const notebook = new SecureNotebookInstance(stack, "notebook", {
  namePrefix: `${prefix}-notebook`, vpcId: network.vpc.id, subnetId: network.lanes[`${region}a`].workload.subnet.id,
  kmsKeyArn: volumeKey.arn, executionRoleArn: role.arn, endpoints, s3PrefixListId: endpoints.s3Gateway.prefixListId,
});
notebook.instance.addOverride("depends_on", addressesOf(permissions)); // the role may act before the instance starts

app.synth();
