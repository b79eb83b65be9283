/**
 * What both SageMaker stacks build before their own workload: the inspected network, the
 * execution role, the S3 key and buckets, and the VPC endpoints, wired the same way:
 * network -> role -> S3 key -> buckets -> endpoints (S3 policy names the buckets) ->
 * bucket policies (name the S3 endpoint) -> SSM parameters and outputs.
 */
import { Aspects, TerraformOutput, TerraformStack } from "cdktf";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import type { EnvironmentConfig } from "../modules/config/load";
import { BucketSuffix, bucketName, executionRoleName, kmsAliasName, ssmParameterName, StackKind, stackPrefix } from "../modules/config/naming";
import { AwsAccount } from "../modules/aws";
import { ServiceEndpoints } from "../modules/endpoints/service-endpoints";
import { CustomerKey, useThroughServices } from "../modules/kms/customer-key";
import { InspectedVpc } from "../modules/network";
import { SageMakerExecutionRole } from "../modules/sagemaker/execution-role";
import { cloudWatchLogsKeyUse } from "../modules/logging/encrypted-log-group";
import { SecureBucket } from "../modules/storage/secure-bucket";
import { Guardrails, waive } from "../modules/guardrails";
import { awsProviderFor } from "./aws-provider";
import { configureBackend } from "./backend";
import { inspectedNetwork, networkOutputs } from "./inspected-network";

export interface Foundation<S extends BucketSuffix> {
  readonly prefix: string;
  readonly account: AwsAccount;
  readonly network: InspectedVpc;
  readonly role: SageMakerExecutionRole;
  readonly s3Key: CustomerKey;
  readonly networkKey: CustomerKey;
  readonly buckets: Readonly<Record<S, SecureBucket>>;
  readonly accessLogBucket: SecureBucket;
  readonly endpoints: ServiceEndpoints;
}

export interface FoundationOptions<S extends BucketSuffix> {
  readonly kind: StackKind;
  readonly roleDescription: string;
  readonly bucketSuffixes: ReadonlyArray<S>;
  /** Suffix of the bucket that receives the other buckets' server access logs. */
  readonly accessLogBucketSuffix: BucketSuffix;
  readonly interfaceServices: ReadonlyArray<string>;
  /** Let the S3 endpoint serve the Amazon Linux package repositories (notebook instances). */
  readonly amazonLinuxRepos?: boolean;
}

export function buildFoundation<S extends BucketSuffix>(scope: TerraformStack, env: EnvironmentConfig, opts: FoundationOptions<S>): Foundation<S> {
  awsProviderFor(scope, env, opts.kind);
  configureBackend(scope, env);
  // Every stack is checked against the security rules at synth; a violation stops synth.
  Aspects.of(scope).add(new Guardrails());
  const prefix = stackPrefix(env, opts.kind);
  const account = new AwsAccount(scope, "account", env.region);
  const networkKey = new CustomerKey(scope, "network-key", {
    account,
    aliasName: kmsAliasName(env, opts.kind, "network"),
    description: `Encrypts the Network Firewall configuration and the network logs of ${prefix}`,
    usage: [cloudWatchLogsKeyUse(account)],
  });
  const network = inspectedNetwork(scope, env, opts.kind, account, networkKey.arn);

  const role = new SageMakerExecutionRole(scope, "execution-role", {
    account,
    roleName: executionRoleName(env, opts.kind),
    description: opts.roleDescription,
  });

  const s3Key = new CustomerKey(scope, "s3-key", {
    account,
    aliasName: kmsAliasName(env, opts.kind, "s3"),
    description: `Encrypts the S3 buckets of ${prefix}`,
    usage: [useThroughServices("AllowUseThroughS3", account, [role.arn, ...env.storage.adminRoleArns], ["s3"])],
  });
  const accessLogBucket = new SecureBucket(scope, "access-log-bucket", {
    bucketName: bucketName(env, account.accountId, opts.accessLogBucketSuffix),
    expireAfterDays: env.logging.retentionDays,
  });
  waive(accessLogBucket.bucket, "S3_KMS_ENCRYPTION", "S3 delivers server access logs only to buckets encrypted with SSE-S3 (AES256), not SSE-KMS");
  waive(accessLogBucket.bucket, "S3_ACCESS_LOGGING", "this is the access-log bucket; logging it into itself would log every log delivery, forever");
  const buckets = Object.fromEntries(
    opts.bucketSuffixes.map((suffix) => [
      suffix,
      new SecureBucket(scope, `${suffix}-bucket`, {
        bucketName: bucketName(env, account.accountId, suffix),
        kmsKeyArn: s3Key.arn,
        accessLogsTo: accessLogBucket,
      }),
    ]),
  ) as Record<S, SecureBucket>;
  const bucketArns = Object.values<SecureBucket>(buckets).map((b) => b.arn);
  accessLogBucket.acceptAccessLogsFrom(account, bucketArns);

  const workload = Object.values(network.lanes).map((l) => l.workload);
  const endpoints = new ServiceEndpoints(scope, "endpoints", {
    account,
    namePrefix: prefix,
    vpcId: network.vpc.id,
    subnetIds: workload.map((w) => w.subnet.id),
    routeTableIds: workload.map((w) => w.routeTable.id),
    interfaceServices: opts.interfaceServices,
    s3: { bucketArns, allowJumpStartRead: env.vpcEndpoints.allowJumpStartRead, allowAmazonLinuxRepos: opts.amazonLinuxRepos },
  });
  for (const bucket of Object.values<SecureBucket>(buckets)) {
    bucket.restrictToVpcEndpoint(endpoints.s3Gateway.id, env.storage.adminRoleArns);
  }

  // The seed published these two IDs in SSM for other tooling (e.g. notebooks writing bucket
  // policies); kept, under a per-environment, per-stack path.
  for (const [name, value, description] of [
    ["s3-endpoint-id", endpoints.s3Gateway.id, "ID of the S3 gateway endpoint this stack's buckets require"],
    ["s3-kms-key-arn", s3Key.arn, "ARN of the KMS key that encrypts this stack's buckets"],
  ] as const) {
    new SsmParameter(scope, `parameter-${name}`, { name: ssmParameterName(env, opts.kind, name), type: "String", value, description });
  }

  networkOutputs(scope, network);
  new TerraformOutput(scope, "execution_role_arn", { value: role.arn });
  new TerraformOutput(scope, "s3_vpc_endpoint_id", { value: endpoints.s3Gateway.id });
  new TerraformOutput(scope, "bucket_names", {
    value: {
      ...Object.fromEntries(Object.entries<SecureBucket>(buckets).map(([suffix, b]) => [suffix, b.name])),
      access_logs: accessLogBucket.name,
    },
  });

  return { prefix, account, network, role, s3Key, networkKey, buckets, accessLogBucket, endpoints };
}
