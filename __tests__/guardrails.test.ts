/**
 * The guardrails: every rule fires on a resource that breaks it and stays quiet on ours; the
 * aspect fails synth naming the resource and the rule; waivers are per resource, need a reason,
 * and show up in the synth output.
 */
import { AnnotationMetadataEntryType, App, Aspects, TerraformStack, Testing } from "cdktf";
import { IConstruct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { NetworkfirewallRuleGroup } from "@cdktf/provider-aws/lib/networkfirewall-rule-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Guardrails, GuardrailViolation, RULES, synthWithGuardrails, waive } from "../modules/guardrails";
import { StackView } from "../modules/guardrails/stack-view";
import { azs, Json, networkStack, notebookStack, policyStatements as statementsOf, resourcesOf, studioStack, withNotebook } from "./support/synth";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Our stacks' JSON, unsynthesized by the aspect (toTerraform), to mutate per rule. The network
 * stack holds the VPC, firewall, logs, endpoints, buckets and their keys; the workload stacks
 * their security groups, execution role and SageMaker resources (and the notebook its volume key).
 */
const network = networkStack(withNotebook({}));
const studio = studioStack({});
const notebook = notebookStack({});
const networkJson: Json = JSON.parse(JSON.stringify(network.toTerraform()));
const studioJson: Json = JSON.parse(JSON.stringify(studio.toTerraform()));
const notebookJson: Json = JSON.parse(JSON.stringify(notebook.toTerraform()));

const rule = (id: string) => {
  const r = RULES.find((x) => x.id === id);
  if (!r) throw new Error(`no rule ${id}`);
  return r;
};

/** The first resource of `type` whose address name matches `prefix`. */
function first(json: Json, type: string, prefix = ""): [string, Json] {
  const found = resourcesOf(json, type).find(([n]) => n.startsWith(prefix));
  if (!found) throw new Error(`no ${type} ${prefix}`);
  return found;
}

function dropCompanion(json: Json, type: string): void {
  delete json.resource[type];
}

/** [rule, stack JSON, mutation that breaks the rule, the resource type the finding must be on]. */
const CASES: Array<[string, Json, (j: Json) => void, string]> = [
  ["NFW_LOGGING", networkJson, (j) => dropCompanion(j, "aws_networkfirewall_logging_configuration"), "aws_networkfirewall_firewall"],
  ["NFW_CUSTOMER_KMS", networkJson, (j) => delete first(j, "aws_networkfirewall_rule_group")[1].encryption_configuration, "aws_networkfirewall_rule_group"],
  ["NFW_DEFAULT_DENY", networkJson, (j) => (first(j, "aws_networkfirewall_firewall_policy")[1].firewall_policy.stateless_fragment_default_actions = ["aws:pass"]), "aws_networkfirewall_firewall_policy"],
  ["NFW_DEFAULT_DENY", networkJson, (j) => delete first(j, "aws_networkfirewall_firewall_policy")[1].firewall_policy.stateful_default_actions, "aws_networkfirewall_firewall_policy"],
  // only the alert twin of the application-layer default: it logs, nothing is dropped
  ["NFW_DEFAULT_DENY", networkJson, (j) => (first(j, "aws_networkfirewall_firewall_policy")[1].firewall_policy.stateful_default_actions = ["aws:alert_established_app_layer_to_server"]), "aws_networkfirewall_firewall_policy"],
  ["NFW_DEFAULT_DENY", networkJson, (j) => (first(j, "aws_networkfirewall_firewall_policy")[1].firewall_policy.stateful_default_actions = ["aws:alert_strict", "aws:alert_established"]), "aws_networkfirewall_firewall_policy"],
  ["VPC_FLOW_LOGS", networkJson, (j) => dropCompanion(j, "aws_flow_log"), "aws_vpc"],
  ["VPC_DEFAULT_SG_CLOSED", networkJson, (j) => (first(j, "aws_default_security_group")[1].egress = [{ protocol: "-1", cidr_blocks: ["0.0.0.0/0"] }]), "aws_vpc"],
  ["NO_FIREWALL_BYPASS", networkJson, (j) => (j.resource.aws_egress_only_internet_gateway = { eigw: { vpc_id: "${aws_vpc.x.id}" } }), "aws_egress_only_internet_gateway"],
  ["NO_FIREWALL_BYPASS", networkJson, (j) => (first(j, "aws_vpc")[1].assign_generated_ipv6_cidr_block = true), "aws_vpc"],
  // the workload subnet's default route straight to the internet gateway, around NAT and firewall
  ["NO_FIREWALL_BYPASS", networkJson, (j) => {
    const [, route] = resourcesOf(j, "aws_route").find(([n]) => n.includes("_workload_default-route"))!;
    const [igw] = first(j, "aws_internet_gateway");
    delete route.nat_gateway_id;
    route.gateway_id = `\${aws_internet_gateway.${igw}.id}`;
  }, "aws_route"],
  ["NO_FIREWALL_BYPASS", networkJson, (j) => (resourcesOf(j, "aws_route").find(([n]) => n.includes("_nat_default-route"))![1].transit_gateway_id = "tgw-0123456789abcdef0"), "aws_route"],
  ["NFW_NO_SHARED_HOSTING", networkJson, (j) => first(j, "aws_networkfirewall_rule_group", "network_inspection_domain-allowlist")[1].rule_group.rules_source.rules_source_list.targets.push(".amazonaws.com"), "aws_networkfirewall_rule_group"],
  ["NO_FIREWALL_BYPASS", networkJson, (j) => (first(j, "aws_route_table")[1].route = [{ cidr_block: "10.9.0.0/16", vpc_peering_connection_id: "pcx-0123456789abcdef0" }]), "aws_route_table"],
  ["NO_FIREWALL_BYPASS", networkJson, (j) => (resourcesOf(j, "aws_route").find(([n]) => n.includes("_workload_default-route"))![1].network_interface_id = "eni-0123456789abcdef0"), "aws_route"],
  ["SG_NO_HTTP_TO_INTERNET", studioJson, (j) => (j.resource.aws_security_group_rule = { http: { type: "egress", security_group_id: "sg-1", protocol: "tcp", from_port: 80, to_port: 80, cidr_blocks: ["10.0.0.0/8"], ipv6_cidr_blocks: ["::/0"], description: "x" } }), "aws_security_group_rule"],
  ["POLICY_EVALUABLE", studioJson, (j) => (Object.values<Json>(j.data.aws_iam_policy_document)[0].source_policy_documents = ["${var.more}"]), "aws_iam_policy_document"],
  ["VPC_ENDPOINT_POLICY", networkJson, (j) => delete resourcesOf(j, "aws_vpc_endpoint").find(([, e]) => e.vpc_endpoint_type === "Interface")![1].policy, "aws_vpc_endpoint"],
  ["DNS_FIREWALL", networkJson, (j) => dropCompanion(j, "aws_route53_resolver_firewall_rule_group_association"), "aws_vpc"],
  ["DNS_FIREWALL", networkJson, (j) => (first(j, "aws_route53_resolver_firewall_config")[1].firewall_fail_open = "ENABLED"), "aws_vpc"],
  ["SG_NO_HTTP_TO_INTERNET", studioJson, (j) => Object.assign(first(j, "aws_vpc_security_group_egress_rule", "studio_egress-443")[1], { from_port: 80, to_port: 80 }), "aws_vpc_security_group_egress_rule"],
  ["SG_NO_HTTP_TO_INTERNET", notebookJson, (j) => {
    const [, rule] = resourcesOf(j, "aws_vpc_security_group_egress_rule").find(([, r]) => r.from_port === 80)!;
    delete rule.prefix_list_id;
    rule.cidr_ipv4 = "0.0.0.0/0";
  }, "aws_vpc_security_group_egress_rule"],
  ["SUBNET_NO_PUBLIC_IP", networkJson, (j) => (first(j, "aws_subnet")[1].map_public_ip_on_launch = true), "aws_subnet"],
  ["LOG_GROUP_KMS_RETENTION", networkJson, (j) => delete first(j, "aws_cloudwatch_log_group")[1].kms_key_id, "aws_cloudwatch_log_group"],
  ["LOG_GROUP_KMS_RETENTION", networkJson, (j) => (first(j, "aws_cloudwatch_log_group")[1].retention_in_days = 90), "aws_cloudwatch_log_group"],
  ["SG_DESCRIPTIONS", studioJson, (j) => delete first(j, "aws_vpc_security_group_egress_rule")[1].description, "aws_vpc_security_group_egress_rule"],
  ["SG_DESCRIPTIONS", studioJson, (j) => delete first(j, "aws_security_group")[1].description, "aws_security_group"],
  ["SG_DESCRIPTIONS", networkJson, (j) => delete first(j, "aws_security_group", "endpoints")[1].description, "aws_security_group"],
  ["SG_NO_INGRESS_FROM_ANYWHERE", studioJson, (j) => (first(j, "aws_vpc_security_group_ingress_rule")[1].cidr_ipv4 = "0.0.0.0/0"), "aws_vpc_security_group_ingress_rule"],
  // The workload's ingress rule on the network's endpoint security group.
  ["SG_NO_INGRESS_FROM_ANYWHERE", notebookJson, (j) => (first(j, "aws_vpc_security_group_ingress_rule", "endpoint-ingress")[1].cidr_ipv4 = "0.0.0.0/0"), "aws_vpc_security_group_ingress_rule"],
  // The endpoint security group itself, in the network stack.
  ["SG_NO_INGRESS_FROM_ANYWHERE", networkJson, (j) => (first(j, "aws_security_group", "endpoints")[1].ingress = [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"], description: "https" }]), "aws_security_group"],
  ["SG_NO_INGRESS_FROM_ANYWHERE", studioJson, (j) => (first(j, "aws_security_group")[1].ingress = [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"], description: "ssh" }]), "aws_security_group"],
  ["SG_NO_ALL_TRAFFIC_EGRESS", studioJson, (j) => Object.assign(first(j, "aws_vpc_security_group_egress_rule", "studio_egress-443")[1], { ip_protocol: "-1", from_port: undefined, to_port: undefined }), "aws_vpc_security_group_egress_rule"],
  ["S3_PUBLIC_ACCESS_BLOCKED", networkJson, (j) => (first(j, "aws_s3_bucket_public_access_block", "data-bucket")[1].restrict_public_buckets = false), "aws_s3_bucket"],
  ["S3_PUBLIC_ACCESS_BLOCKED", networkJson, (j) => (first(j, "aws_s3_bucket_public_access_block", "notebook-bucket")[1].block_public_policy = false), "aws_s3_bucket"],
  ["S3_OWNER_ENFORCED", networkJson, (j) => (first(j, "aws_s3_bucket_ownership_controls", "data-bucket")[1].rule = { object_ownership: "ObjectWriter" }), "aws_s3_bucket"],
  ["S3_VERSIONING", networkJson, (j) => (first(j, "aws_s3_bucket_versioning", "models-bucket")[1].versioning_configuration = { status: "Suspended" }), "aws_s3_bucket"],
  ["S3_KMS_ENCRYPTION", networkJson, (j) => (first(j, "aws_s3_bucket_server_side_encryption_configuration", "data-bucket")[1].rule = [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }]), "aws_s3_bucket"],
  ["S3_ACCESS_LOGGING", networkJson, (j) => delete j.resource.aws_s3_bucket_logging[first(j, "aws_s3_bucket_logging", "data-bucket")[0]], "aws_s3_bucket"],
  ["S3_ABORT_INCOMPLETE_UPLOADS", networkJson, (j) => dropCompanion(j, "aws_s3_bucket_lifecycle_configuration"), "aws_s3_bucket"],
  ["S3_TLS_ONLY", networkJson, (j) => {
    const doc = statementsOf(j, first(j, "aws_s3_bucket_policy", "data-bucket")[1].policy);
    doc.splice(doc.findIndex((s) => s.sid === "DenyInsecureTransport"), 1);
  }, "aws_s3_bucket"],
  // Bypasses of the first guardrails (egress-perimeter issue): a deny narrowed to one action, or to
  // one principal, or to the objects only, no longer counts as TLS-only.
  ...(["narrowed-action", "narrowed-principal", "objects-only"] as const).map((how): [string, Json, (j: Json) => void, string] => [
    "S3_TLS_ONLY",
    networkJson,
    (j) => {
      const deny = statementsOf(j, first(j, "aws_s3_bucket_policy", "data-bucket")[1].policy).find((s) => s.sid === "DenyInsecureTransport")!;
      if (how === "narrowed-action") deny.actions = ["s3:GetObject"];
      if (how === "narrowed-principal") deny.principals = [{ type: "AWS", identifiers: ["arn:aws:iam::111122223333:role/x"] }];
      if (how === "objects-only") deny.resources = deny.resources.filter((r: string) => r.endsWith("/*"));
    },
    "aws_s3_bucket",
  ]),
  // A policy the rules cannot read (jsonencode with Action "*") used to pass every rule.
  ["POLICY_EVALUABLE", studioJson, (j) => (first(j, "aws_iam_policy")[1].policy = '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Action" = "*", "Resource" = "*"}]})}'), "aws_iam_policy"],
  ["POLICY_EVALUABLE", networkJson, (j) => (first(j, "aws_vpc_endpoint")[1].policy = "${var.any_policy}"), "aws_vpc_endpoint"],
  ["IAM_NO_WILDCARD_ACTIONS", studioJson, (j) => statementsOf(j, first(j, "aws_iam_policy")[1].policy).push({ sid: "AllBut", not_actions: ["iam:*"], resources: ["arn:aws:s3:::x"] }), "aws_iam_policy"],
  ["KMS_ROTATION_AND_POLICY", networkJson, (j) => (first(j, "aws_kms_key")[1].enable_key_rotation = false), "aws_kms_key"],
  ["KMS_ROTATION_AND_POLICY", networkJson, (j) => delete first(j, "aws_kms_key")[1].policy, "aws_kms_key"],
  // The notebook's own volume key, in the notebook stack.
  ["KMS_ROTATION_AND_POLICY", notebookJson, (j) => (first(j, "aws_kms_key", "notebook-key")[1].enable_key_rotation = false), "aws_kms_key"],
  ["IAM_NO_WILDCARD_ACTIONS", studioJson, (j) => statementsOf(j, first(j, "aws_iam_policy")[1].policy)[0].actions.push("s3:*"), "aws_iam_policy"],
  ["IAM_NO_WILDCARD_ACTIONS", notebookJson, (j) => statementsOf(j, first(j, "aws_iam_policy")[1].policy)[0].actions.push("sagemaker:*"), "aws_iam_policy"],
  ["IAM_NO_WILDCARD_ACTIONS", networkJson, (j) => statementsOf(j, first(j, "aws_iam_role_policy")[1].policy)[0].actions.push("logs:Put*"), "aws_iam_role_policy"],
  ["IAM_NO_UNBOUND_STAR_WRITES", studioJson, (j) => statementsOf(j, first(j, "aws_iam_policy")[1].policy).push({ sid: "Bad", actions: ["iam:CreateRole"], resources: ["*"] }), "aws_iam_policy"],
  // A write that looks like a read by its name (the Service Authorization Reference says Write).
  ["IAM_NO_UNBOUND_STAR_WRITES", studioJson, (j) => statementsOf(j, first(j, "aws_iam_policy")[1].policy).push({ sid: "Bad", actions: ["cloudwatch:QueryTraces"], resources: ["*"] }), "aws_iam_policy"],
  ["IAM_NO_UNBOUND_STAR_WRITES", studioJson, (j) => delete statementsOf(j, first(j, "aws_iam_policy")[1].policy).find((s) => s.sid === "CloudWatchMetricsWriteSageMakerNamespaces")!.condition, "aws_iam_policy"],
  ["IAM_NO_ADMIN_POLICIES", studioJson, (j) => (first(j, "aws_iam_role_policy_attachment")[1].policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"), "aws_iam_role_policy_attachment"],
  ["SAGEMAKER_NOTEBOOK_LOCKED_DOWN", notebookJson, (j) => (first(j, "aws_sagemaker_notebook_instance")[1].direct_internet_access = "Enabled"), "aws_sagemaker_notebook_instance"],
  ["SAGEMAKER_NOTEBOOK_LOCKED_DOWN", notebookJson, (j) => (first(j, "aws_sagemaker_notebook_instance")[1].root_access = "Enabled"), "aws_sagemaker_notebook_instance"],
  ["SAGEMAKER_NOTEBOOK_LOCKED_DOWN", notebookJson, (j) => delete first(j, "aws_sagemaker_notebook_instance")[1].instance_metadata_service_configuration, "aws_sagemaker_notebook_instance"],
  ["SAGEMAKER_DOMAIN_VPC_ONLY", studioJson, (j) => (first(j, "aws_sagemaker_domain")[1].app_network_access_type = "PublicInternetOnly"), "aws_sagemaker_domain"],
];

describe("each rule fires on a broken copy of our stack, on the resource to fix", () => {
  test.each(CASES.map(([id, json, mutate, type], i) => [`${id} #${i}`, id, json, mutate, type] as const))("%s", (_label, id, json, mutate, type) => {
    expect(rule(id).check(new StackView(json)).filter((f) => !f.resource.path.includes("access-log-bucket"))).toEqual([]);
    const broken: Json = JSON.parse(JSON.stringify(json));
    mutate(broken);
    const findings = rule(id).check(new StackView(broken));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.map((f) => f.resource.type)).toContain(type);
  });

  test.each([
    ["drop_established_app_layer_to_server", ["aws:drop_established_app_layer_to_server", "aws:alert_established_app_layer_to_server"]],
    ["drop_established_app_layer", ["aws:drop_established_app_layer", "aws:alert_established_app_layer"]],
    ["drop_established", ["aws:drop_established", "aws:alert_established"]],
  ])("NFW_DEFAULT_DENY accepts the policy of firewall.statefulDefaultAction %s", (action, expected) => {
    const json: Json = JSON.parse(JSON.stringify(networkStack({ firewall: { statefulDefaultAction: action } }).toTerraform()));
    expect(first(json, "aws_networkfirewall_firewall_policy")[1].firewall_policy.stateful_default_actions).toEqual(expected);
    expect(rule("NFW_DEFAULT_DENY").check(new StackView(json))).toEqual([]);
  });

  test.each([["aws:drop_strict"], ["aws:drop_established"], ["aws:drop_established_app_layer"], ["aws:drop_established_app_layer_to_server"]])(
    "NFW_DEFAULT_DENY accepts %s as the only default action, and nothing that merely resembles it",
    (drop) => {
      const withDefaults = (actions: string[]) => {
        const json: Json = JSON.parse(JSON.stringify(networkJson));
        first(json, "aws_networkfirewall_firewall_policy")[1].firewall_policy.stateful_default_actions = actions;
        return rule("NFW_DEFAULT_DENY").check(new StackView(json)).map((f) => f.message);
      };
      expect(withDefaults([drop])).toEqual([]);
      for (const lookalike of [drop.replace("drop", "alert"), `${drop}_x`, drop.toUpperCase()]) {
        expect({ lookalike, messages: withDefaults([lookalike]) }).toEqual({ lookalike, messages: [expect.stringMatching(/^no stateful default drop/)] });
      }
    },
  );

  test("every rule has at least one case", () => {
    expect(new Set(CASES.map(([id]) => id))).toEqual(new Set(RULES.map((r) => r.id)));
  });
});

describe("our stacks pass, with exactly the documented waivers", () => {
  // The guardrails' INFO lines only: the network stack also logs its allowlist (by preset) as INFO.
  const waiverLines = (stack: TerraformStack) =>
    stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.INFO).map((m) => String(m.data)))
      .filter((line) => line.startsWith("guardrail "));

  const fixtures = join(__dirname, "fixtures");
  const oneAz = { availabilityZones: ["us-east-1a"], storage: { adminRoleArns: ["arn:aws:iam::123456789012:role/Admin"] }, vpcEndpoints: { allowJumpStartRead: true } };
  const sixAzs = { availabilityZones: azs("us-east-1", "abcdef"), notebook: { lifecycle: { onStart: "on-start.sh" } }, firewall: { suricataRulesFile: "rules.suricata" } };

  // The access-log bucket (and so its two waivers) lives in the network stack.
  test.each([
    ["network, Studio only, 3 AZs", () => networkStack({})],
    ["network, 1 AZ, admin roles, JumpStart", () => networkStack(oneAz)],
    ["network, both workloads, 6 AZs, lifecycle and Suricata rules", () => networkStack(withNotebook(sixAzs), fixtures)],
    ["network, notebook only, preventDestroy off", () => networkStack(withNotebook({ studio: { enabled: false }, storage: { preventDestroy: false } }))],
  ])("%s: the access-log bucket's two waivers", (_label, make) => {
    const stack = make();
    // runValidations: the guardrails run as the stack's validation (after all aspects)
    expect(() => Testing.synth(stack, true)).not.toThrow();
    const lines = waiverLines(stack);
    expect(lines).toHaveLength(2);
    expect(lines).toEqual([
      expect.stringMatching(/^guardrail waived: \[S3_KMS_ENCRYPTION\] aws_s3_bucket\.access-log-bucket_[0-9A-F]+ \(.*\/access-log-bucket\/bucket\): S3 delivers server access logs only to/),
      expect.stringMatching(/^guardrail waived: \[S3_ACCESS_LOGGING\] aws_s3_bucket\.access-log-bucket_[0-9A-F]+ .*: this is the access-log bucket/),
    ]);
  });

  test.each([
    ["Studio, 3 AZs", () => studioStack({})],
    ["Studio, 1 AZ, admin roles, JumpStart", () => studioStack(oneAz)],
    ["notebook, 6 AZs, lifecycle and Suricata rules", () => notebookStack(sixAzs, fixtures)],
    ["notebook only (Studio disabled)", () => notebookStack({ studio: { enabled: false } })],
  ])("%s: no waivers", (_label, make) => {
    const stack = make();
    // runValidations: the guardrails run as the stack's validation (after all aspects)
    expect(() => Testing.synth(stack, true)).not.toThrow();
    expect(waiverLines(stack)).toEqual([]);
  });
});

describe("the aspect", () => {
  /** A stack with one open security group rule and no other resources. */
  function openStack(waiveIt?: string) {
    const stack = new TerraformStack(Testing.app(), "bad");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const sg = new SecurityGroup(stack, "sg", { name: "open", description: "test group", vpcId: "vpc-123" });
    const rule = new VpcSecurityGroupIngressRule(stack, "ssh-from-anywhere", {
      securityGroupId: sg.id,
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: "tcp",
      fromPort: 22,
      toPort: 22,
      description: "ssh",
    });
    if (waiveIt) waive(rule, "SG_NO_INGRESS_FROM_ANYWHERE", waiveIt);
    const lines: string[] = [];
    Aspects.of(stack).add(new Guardrails({ report: (l) => lines.push(l) }));
    return { stack, lines };
  }

  test("fails synth naming the rule, the resource address and its construct path", () => {
    const { stack } = openStack();
    let error: unknown;
    try {
      Testing.synth(stack);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GuardrailViolation);
    expect((error as Error).message).toMatch(
      /Guardrails failed for stack bad \(1 violation\):\n {2}\[SG_NO_INGRESS_FROM_ANYWHERE\] aws_vpc_security_group_ingress_rule\.ssh-from-anywhere \(bad\/ssh-from-anywhere\): ingress from anywhere/,
    );
  });

  test("a waiver with a reason lets synth pass and is printed", () => {
    const { stack, lines } = openStack("bastion for the incident-response runbook, closed by SCP outside office hours");
    expect(() => Testing.synth(stack)).not.toThrow();
    expect(lines).toEqual([
      "guardrail waived: [SG_NO_INGRESS_FROM_ANYWHERE] aws_vpc_security_group_ingress_rule.ssh-from-anywhere (bad/ssh-from-anywhere): bastion for the incident-response runbook, closed by SCP outside office hours",
    ]);
  });

  test("a waiver no rule needs is reported", () => {
    const stack = new TerraformStack(Testing.app(), "fine");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const bucket = new S3Bucket(stack, "b", { bucket: "x" });
    waive(bucket, "SUBNET_NO_PUBLIC_IP", "a waiver that does not apply to this resource");
    const lines: string[] = [];
    Aspects.of(stack).add(new Guardrails({ rules: RULES.filter((r) => r.id === "SUBNET_NO_PUBLIC_IP"), report: (l) => lines.push(l) }));
    expect(() => Testing.synth(stack)).not.toThrow();
    expect(lines).toEqual(["guardrail waiver not needed: [SUBNET_NO_PUBLIC_IP] fine/b: the rule passes without it; remove the waiver"]);
  });

  test("waivers need a known rule, a real reason, and a single resource", () => {
    const { stack } = openStack();
    const rule = stack.node.findChild("ssh-from-anywhere") as VpcSecurityGroupIngressRule;
    expect(() => waive(rule, "NO_SUCH_RULE", "a long enough reason for the test")).toThrow(/unknown guardrail rule "NO_SUCH_RULE"/);
    expect(() => waive(rule, "SG_NO_INGRESS_FROM_ANYWHERE", "because")).toThrow(/needs a written reason/);
    expect(() => waive(stack as never, "SG_NO_INGRESS_FROM_ANYWHERE", "a long enough reason for the test")).toThrow(/single resource/);
  });
});

/** Adds an aspect doing `edit` to every construct, synthesizes with validations; the GuardrailViolation thrown, if any. */
function violationAfter(stack: TerraformStack, edit: (node: IConstruct) => void): GuardrailViolation | undefined {
  Aspects.of(stack).add({ visit: edit });
  try {
    Testing.synth(stack, true);
  } catch (e) {
    if (e instanceof GuardrailViolation) return e;
    throw e;
  }
  return undefined;
}

describe("waivers per finding", () => {
  test("an acknowledged shared-hosting entry is waived for that entry only: another one added in code still fails", () => {
    const reason = "Kaggle dataset downloads are GCS signed URLs; accepted by the data-protection office";
    const stack = networkStack({ firewall: { allowedDomains: ["api.kaggle.com", { domain: "storage.googleapis.com", acknowledgeSharedHosting: reason }] } });
    expect(() => Testing.synth(stack, true)).not.toThrow();
    const waived = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.INFO).map((m) => String(m.data)));
    expect(waived).toContainEqual(expect.stringMatching(/guardrail waived: \[NFW_NO_SHARED_HOSTING\] .*: acknowledged in config\/test\.json: Kaggle dataset downloads/));

    const sneaky = networkStack({ firewall: { allowedDomains: ["api.kaggle.com", { domain: "storage.googleapis.com", acknowledgeSharedHosting: reason }] } });
    const error = violationAfter(sneaky, (node) => {
      if (node instanceof NetworkfirewallRuleGroup && node.node.id === "domain-allowlist") {
        node.addOverride("rule_group.rules_source.rules_source_list.targets", ["api.kaggle.com", "storage.googleapis.com", ".cloudfront.net"]);
      }
    });
    expect(error?.findings.map((f) => f.message)).toEqual([expect.stringMatching(/"\.cloudfront\.net" is under cloudfront\.net/)]);
  });
});

describe("synthWithGuardrails (what main.ts runs): every stack's violations in one report", () => {
  test("a network and a Studio stack of one app, each broken: one error naming both", () => {
    const studio = studioStack({});
    const app = studio.node.root as App;
    for (const stack of app.node.children.filter((c): c is TerraformStack => c instanceof TerraformStack)) {
      Aspects.of(stack).add({
        visit: (node) => {
          if (node instanceof Subnet) node.mapPublicIpOnLaunch = true;
          if (node instanceof VpcSecurityGroupEgressRule && node.node.id.endsWith("egress-443")) node.fromPort = 80;
        },
      });
    }
    let error: unknown;
    try {
      synthWithGuardrails(app);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GuardrailViolation);
    const message = (error as Error).message;
    expect(message).toMatch(/Guardrails failed for stack test-network \(\d+ violations?\):\n {2}\[SUBNET_NO_PUBLIC_IP\]/);
    expect(message).toMatch(/Guardrails failed for stack test-studio \(\d+ violations?\):\n {2}\[SG_NO_HTTP_TO_INTERNET\]/);
  });

  test("an app whose stacks pass synthesizes", () => {
    const studio = studioStack({});
    expect(() => synthWithGuardrails(studio.node.root as App)).not.toThrow();
  });
});

describe("each stack is checked when it is synthesized on its own", () => {
  test("a broken Studio stack fails even when only it is synthesized", () => {
    const error = violationAfter(studioStack({}), (node) => {
      if (node instanceof VpcSecurityGroupEgressRule && node.node.id.endsWith("egress-443")) node.fromPort = 80;
    });
    expect(error?.message).toMatch(/Guardrails failed for stack test-studio \(\d+ violations?\):\n {2}\[SG_NO_HTTP_TO_INTERNET\]/);
  });
});

describe("the guardrails run after every aspect", () => {
  test("an aspect added after them that makes every subnet public is caught", () => {
    const error = violationAfter(networkStack({}), (node) => {
      if (node instanceof Subnet) node.mapPublicIpOnLaunch = true;
    });
    expect(error?.message).toMatch(/\[SUBNET_NO_PUBLIC_IP\] aws_subnet\./);
  });
});

test("docs/security.md's table lists every rule exactly as the code defines it", () => {
  const readme = readFileSync(join(__dirname, "..", "docs", "security.md"), "utf8");
  for (const r of RULES) expect(readme).toContain(`| \`${r.id}\` | ${r.requires} | ${r.protects} |`);
});
