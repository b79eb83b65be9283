/**
 * Synth tests of the hardening that config drives (protections, retention, Suricata rules) and of
 * the log plumbing the guardrails only check for presence.
 */
import { join } from "node:path";
import { Json, policyStatements as statements, resourcesOf, networkStack, synthJson } from "./support/synth";

const FIXTURES = join(__dirname, "fixtures");
const json = synthJson(networkStack({}));

describe("Network Firewall", () => {
  const [fwName, firewall] = resourcesOf(json, "aws_networkfirewall_firewall")[0];
  const [networkKey] = resourcesOf(json, "aws_kms_key").find(([n]) => n.startsWith("network-key"))!;

  test("firewall, policy and rule groups are encrypted with the stack's network key", () => {
    for (const type of ["aws_networkfirewall_firewall", "aws_networkfirewall_firewall_policy", "aws_networkfirewall_rule_group"]) {
      for (const [, r] of resourcesOf(json, type)) {
        expect(r.encryption_configuration).toEqual({ type: "CUSTOMER_KMS", key_id: `\${aws_kms_key.${networkKey}.arn}` });
      }
    }
  });

  test("protections are off by default and follow config", () => {
    expect(firewall).toMatchObject({ delete_protection: false, firewall_policy_change_protection: false, subnet_change_protection: false });
    const prod = synthJson(networkStack({ firewall: { deleteProtection: true, policyChangeProtection: true, subnetChangeProtection: true } }));
    expect(resourcesOf(prod, "aws_networkfirewall_firewall")[0][1]).toMatchObject({
      delete_protection: true,
      firewall_policy_change_protection: true,
      subnet_change_protection: true,
    });
  });

  test("alert and flow logs go to their own encrypted log groups under /aws/vendedlogs/, kept per config", () => {
    const [[, logging]] = resourcesOf(json, "aws_networkfirewall_logging_configuration");
    expect(logging.firewall_arn).toBe(`\${aws_networkfirewall_firewall.${fwName}.arn}`);
    const groups = new Map(resourcesOf(json, "aws_cloudwatch_log_group").map(([n, g]) => [`\${aws_cloudwatch_log_group.${n}.name}`, g]));
    const destinations = logging.logging_configuration.log_destination_config.map((d: Json) => [d.log_type, d.log_destination_type, groups.get(d.log_destination.logGroup)?.name]);
    expect(destinations).toEqual([
      ["ALERT", "CloudWatchLogs", "/aws/vendedlogs/network-firewall/sagemaker-studio-anfw-test/alert"],
      ["FLOW", "CloudWatchLogs", "/aws/vendedlogs/network-firewall/sagemaker-studio-anfw-test/flow"],
    ]);
    for (const [, g] of groups) expect(g).toMatchObject({ retention_in_days: 365, kms_key_id: `\${aws_kms_key.${networkKey}.arn}` });

    const longer = synthJson(networkStack({ logging: { retentionDays: 2557 } }));
    for (const [, g] of resourcesOf(longer, "aws_cloudwatch_log_group")) expect(g.retention_in_days).toBe(2557);
  });

  test("the network key lets CloudWatch Logs use it for this account's log groups only", () => {
    const [, key] = resourcesOf(json, "aws_kms_key").find(([n]) => n.startsWith("network-key"))!;
    const logs = statements(json, key.policy).find((s) => s.sid === "AllowCloudWatchLogsOfThisAccount")!;
    expect(logs.principals).toEqual([{ type: "Service", identifiers: [expect.stringMatching(/^logs\.us-east-1\./)] }]);
    expect(logs.condition).toEqual([{ test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: [expect.stringMatching(/:logs:us-east-1:.*:log-group:\*$/)] }]);
  });

  test("Suricata rules from a file become a strict-order group evaluated before hygiene, the allowlist and the refusals", () => {
    const withRules = synthJson(networkStack({ firewall: { suricataRulesFile: "rules.suricata", suricataRuleGroupCapacity: 50 } }, FIXTURES));
    const groups = Object.fromEntries(resourcesOf(withRules, "aws_networkfirewall_rule_group").map(([n, g]) => [g.name, { n, g }]));
    const suricata = groups["sagemaker-studio-anfw-test-suricata"];
    expect(suricata.g.capacity).toBe(50);
    expect(suricata.g.rule_group.rules_source.rules_string).toMatch(/^# test fixture/);
    expect(suricata.g.rule_group.stateful_rule_options).toEqual({ rule_order: "STRICT_ORDER" });
    const [[, policy]] = resourcesOf(withRules, "aws_networkfirewall_firewall_policy");
    expect(policy.firewall_policy.stateful_rule_group_reference).toEqual([
      { resource_arn: `\${aws_networkfirewall_rule_group.${suricata.n}.arn}`, priority: 100 },
      { resource_arn: `\${aws_networkfirewall_rule_group.${groups["sagemaker-studio-anfw-test-protocol-hygiene"].n}.arn}`, priority: 150 },
      { resource_arn: `\${aws_networkfirewall_rule_group.${groups["sagemaker-studio-anfw-test-domain-allowlist"].n}.arn}`, priority: 200 },
      { resource_arn: `\${aws_networkfirewall_rule_group.${groups["sagemaker-studio-anfw-test-refusals"].n}.arn}`, priority: 300 },
    ]);
  });

  test("firewall.protocolHygiene: false leaves the allowlist and, after it, the refusals in the policy", () => {
    const without = synthJson(networkStack({ firewall: { protocolHygiene: false } }));
    const groups = Object.fromEntries(resourcesOf(without, "aws_networkfirewall_rule_group").map(([n, g]) => [g.name, n]));
    expect(Object.keys(groups)).toEqual(["sagemaker-studio-anfw-test-domain-allowlist", "sagemaker-studio-anfw-test-refusals"]);
    const [[, policy]] = resourcesOf(without, "aws_networkfirewall_firewall_policy");
    expect(policy.firewall_policy.stateful_rule_group_reference).toEqual([
      { resource_arn: `\${aws_networkfirewall_rule_group.${groups["sagemaker-studio-anfw-test-domain-allowlist"]}.arn}`, priority: 200 },
      { resource_arn: `\${aws_networkfirewall_rule_group.${groups["sagemaker-studio-anfw-test-refusals"]}.arn}`, priority: 300 },
    ]);
  });
});

describe("VPC flow logs", () => {
  const [[, flowLog]] = resourcesOf(json, "aws_flow_log");
  const [roleName, role] = resourcesOf(json, "aws_iam_role").find(([n]) => n.startsWith("network_flow-logs"))!;

  test("all traffic, to an encrypted log group, through a dedicated role", () => {
    const [vpc] = resourcesOf(json, "aws_vpc")[0];
    expect(flowLog).toMatchObject({ vpc_id: `\${aws_vpc.${vpc}.id}`, traffic_type: "ALL", log_destination_type: "cloud-watch-logs", iam_role_arn: `\${aws_iam_role.${roleName}.arn}` });
    expect(role.name).toBe("sagemaker-studio-anfw-test-us-east-1-flow-logs");
  });

  test("only this account's flow-logs service can assume the role, which may write only its log group", () => {
    const [trust] = statements(json, role.assume_role_policy);
    expect(trust.principals).toEqual([{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }]);
    expect(trust.condition.map((c: Json) => c.variable)).toEqual(["aws:SourceAccount", "aws:SourceArn"]);
    const [[, policy]] = resourcesOf(json, "aws_iam_role_policy");
    const [write] = statements(json, policy.policy);
    expect(write.resources).toEqual([flowLog.log_destination, `${flowLog.log_destination}:log-stream:*`]);
  });
});

describe("S3 access logs", () => {
  const buckets = Object.fromEntries(resourcesOf(json, "aws_s3_bucket").map(([n, b]) => [n.replace(/_[0-9A-F]+$/, ""), { n, b }]));
  const logBucket = buckets["access-log-bucket"];
  const ref = (n: string) => `\${aws_s3_bucket.${n}.id}`;

  test("data and models buckets log to the stack's access-log bucket under their own prefix", () => {
    const logging = resourcesOf(json, "aws_s3_bucket_logging").map(([, l]) => [l.bucket, l.target_bucket]);
    expect(logging.sort()).toEqual([
      [ref(buckets["data-bucket"].n), ref(logBucket.n)],
      [ref(buckets["models-bucket"].n), ref(logBucket.n)],
    ].sort());
  });

  test("the access-log bucket is SSE-S3 (the only kind S3 delivers logs to) and expires logs after the retention", () => {
    const [, sse] = resourcesOf(json, "aws_s3_bucket_server_side_encryption_configuration").find(([, e]) => e.bucket === ref(logBucket.n))!;
    expect(sse.rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }]);
    const [, lifecycle] = resourcesOf(json, "aws_s3_bucket_lifecycle_configuration").find(([, l]) => l.bucket === ref(logBucket.n))!;
    expect(lifecycle.rule.map((r: Json) => r.id)).toEqual(["abort-incomplete-multipart-uploads", "expire-after-retention"]);
    expect(lifecycle.rule[1].expiration).toEqual([{ days: 365 }]);
  });

  test("only S3 log delivery for this account's source buckets may write to it", () => {
    const [, policy] = resourcesOf(json, "aws_s3_bucket_policy").find(([, p]) => p.bucket === ref(logBucket.n))!;
    const delivery = statements(json, policy.policy).find((s) => s.sid === "AllowServerAccessLogDelivery")!;
    expect(delivery.principals).toEqual([{ type: "Service", identifiers: ["logging.s3.amazonaws.com"] }]);
    expect(delivery.actions).toEqual(["s3:PutObject"]);
    expect(delivery.condition[1]).toEqual({
      test: "ArnLike",
      variable: "aws:SourceArn",
      values: [`\${aws_s3_bucket.${buckets["data-bucket"].n}.arn}`, `\${aws_s3_bucket.${buckets["models-bucket"].n}.arn}`],
    });
  });

  test("data buckets never expire objects; every bucket aborts incomplete uploads after 7 days", () => {
    for (const [, l] of resourcesOf(json, "aws_s3_bucket_lifecycle_configuration")) {
      expect(l.rule[0]).toMatchObject({ id: "abort-incomplete-multipart-uploads", abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] });
      if (l.bucket !== ref(logBucket.n)) expect(l.rule).toHaveLength(1);
    }
  });
});
