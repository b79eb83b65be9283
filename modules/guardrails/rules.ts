/**
 * The guardrail rules: what IaC security scanners check for the resource types this project uses,
 * expressed over the synthesized JSON so they see exactly what Terraform will apply.
 *
 * A rule returns findings, each on the resource a reviewer would fix (and on which a waiver would
 * be written). Rules that require a companion resource (a flow log for a VPC, a logging
 * configuration for a firewall, a lifecycle rule for a bucket) report on the resource that lacks it.
 */
import { asList, Json, ResourceView, StackView } from "./stack-view";
import { sharedHostingProblem } from "../config/shared-hosting";

export interface Finding {
  readonly resource: ResourceView;
  readonly message: string;
}

export interface Rule {
  readonly id: string;
  /** What it requires, one line (README security table). */
  readonly requires: string;
  /** What it protects against, one line (README security table). */
  readonly protects: string;
  check(stack: StackView): Finding[];
}

const ANYWHERE = new Set(["0.0.0.0/0", "::/0"]);
// Reads by name prefix, plus named reads without one. Not "Query" in general: cloudwatch:QueryTraces
// is a Write in the Service Authorization Reference; sagemaker:QueryLineage is a List action.
const READ_ACTION = /^[a-z0-9-]+:(Get|List|Describe|Search|BatchGet)|^sagemaker:QueryLineage$/;
const ADMIN_POLICIES = /:policy\/(AdministratorAccess|IAMFullAccess|PowerUserAccess)$/;
export const MIN_LOG_RETENTION_DAYS = 365;
/**
 * Network Firewall's stateful default actions that drop what no rule passed (the developer guide's
 * "stateful default actions": drop strict, drop established, and the application-layer drops, which
 * wait for the TLS ClientHello or HTTP request headers before dropping, in both directions or towards
 * the server only). The alert actions only log.
 */
const DEFAULT_DROP_ACTIONS: ReadonlyArray<string> = ["aws:drop_strict", "aws:drop_established", "aws:drop_established_app_layer", "aws:drop_established_app_layer_to_server"];

/** One finding per resource of `type` for which `problem` returns a message. */
function each(stack: StackView, type: string, problem: (r: ResourceView) => string | undefined): Finding[] {
  return stack
    .resources(type)
    .map((resource) => ({ resource, message: problem(resource) }))
    .filter((f): f is Finding => f.message !== undefined);
}

/** The messages whose condition is true, joined; undefined when none is. */
function failing(checks: ReadonlyArray<readonly [boolean, string]>): string | undefined {
  const messages = checks.filter(([bad]) => bad).map(([, message]) => message);
  return messages.length ? messages.join("; ") : undefined;
}

/** Companion check: every `type` resource needs a `companion` resource whose `attribute` references it. */
function needsCompanion(stack: StackView, type: string, companion: string, attribute: string, ok: (c: Json) => boolean, message: string): Finding[] {
  return each(stack, type, (r) => (stack.referencing(companion, attribute, r).some((c) => ok(c.body)) ? undefined : message));
}

/** Security group rules in all three shapes Terraform has, normalised. */
function securityGroupRules(stack: StackView): Array<{ resource: ResourceView; direction: "ingress" | "egress"; rule: Json }> {
  const out: Array<{ resource: ResourceView; direction: "ingress" | "egress"; rule: Json }> = [];
  for (const r of stack.resources("aws_vpc_security_group_ingress_rule")) out.push({ resource: r, direction: "ingress", rule: r.body });
  for (const r of stack.resources("aws_vpc_security_group_egress_rule")) out.push({ resource: r, direction: "egress", rule: r.body });
  for (const r of stack.resources("aws_security_group_rule")) {
    // One normalised rule per CIDR (IPv4 and IPv6), so a second block cannot hide behind the first.
    for (const cidr of [...asList<string>(r.body.cidr_blocks), ...asList<string>(r.body.ipv6_cidr_blocks), undefined]) {
      out.push({ resource: r, direction: r.body.type, rule: { ...r.body, ip_protocol: r.body.protocol, cidr_ipv4: cidr } });
    }
  }
  for (const r of [...stack.resources("aws_security_group"), ...stack.resources("aws_default_security_group")]) {
    for (const direction of ["ingress", "egress"] as const) {
      for (const rule of asList<Json>(r.body[direction])) {
        for (const cidr of [...asList<string>(rule.cidr_blocks), ...asList<string>(rule.ipv6_cidr_blocks), undefined]) {
          out.push({ resource: r, direction, rule: { ...rule, ip_protocol: rule.protocol, cidr_ipv4: cidr } });
        }
      }
    }
  }
  return out;
}

const opensTo = (rule: Json) => ANYWHERE.has(rule.cidr_ipv4) || ANYWHERE.has(rule.cidr_ipv6);
const allProtocols = (rule: Json) => ["-1", "all", -1].includes(rule.ip_protocol);

/** Identity policies (attached to roles/users/groups) with their statements. */
function identityPolicies(stack: StackView): Array<{ resource: ResourceView; statements: Json[] }> {
  const out: Array<{ resource: ResourceView; statements: Json[] }> = [];
  for (const type of ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"]) {
    for (const r of stack.resources(type)) out.push({ resource: r, statements: statementsOf(stack, r.body.policy) ?? [] });
  }
  for (const r of stack.resources("aws_iam_role")) {
    for (const inline of asList<Json>(r.body.inline_policy)) out.push({ resource: r, statements: statementsOf(stack, inline.policy) ?? [] });
  }
  return out;
}

/**
 * Statements of a policy given as a policy-document reference or as literal JSON; undefined when
 * the guardrails cannot read it (a Terraform expression such as jsonencode(...), a reference to
 * something else): the POLICY_EVALUABLE rule then fails it, so no rule passes a policy unread.
 */
function statementsOf(stack: StackView, policy: unknown): Json[] | undefined {
  const fromDocument = stack.policyStatements(policy);
  if (fromDocument) return fromDocument;
  if (typeof policy === "string" && policy.trim().startsWith("{") && !policy.includes("${")) {
    try {
      // Literal JSON uses IAM's own keys; normalise to the document's.
      return asList<Json>(JSON.parse(policy).Statement).map((s) => ({
        sid: s.Sid,
        effect: s.Effect,
        actions: asList(s.Action),
        not_actions: asList(s.NotAction),
        resources: asList(s.Resource),
        condition: s.Condition,
      }));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Every policy of the stack (identity, bucket, key, endpoint, trust) with where it is. */
function allPolicies(stack: StackView): Array<{ resource: ResourceView; attribute: string; policy: unknown }> {
  const where: Array<[string, string]> = [
    ["aws_iam_policy", "policy"],
    ["aws_iam_role_policy", "policy"],
    ["aws_iam_user_policy", "policy"],
    ["aws_iam_group_policy", "policy"],
    ["aws_iam_role", "assume_role_policy"],
    ["aws_s3_bucket_policy", "policy"],
    ["aws_kms_key", "policy"],
    ["aws_kms_key_policy", "policy"],
    ["aws_vpc_endpoint", "policy"],
    ["aws_vpc_endpoint_policy", "policy"],
  ];
  const out: Array<{ resource: ResourceView; attribute: string; policy: unknown }> = [];
  for (const [type, attribute] of where) {
    for (const r of stack.resources(type)) if (r.body[attribute] !== undefined) out.push({ resource: r, attribute, policy: r.body[attribute] });
  }
  for (const r of stack.resources("aws_iam_role")) {
    for (const inline of asList<Json>(r.body.inline_policy)) out.push({ resource: r, attribute: "inline_policy", policy: inline.policy });
  }
  return out;
}

const allows = (s: Json) => (s.effect ?? "Allow") === "Allow";

export const RULES: ReadonlyArray<Rule> = [
  {
    id: "POLICY_EVALUABLE",
    requires: "every IAM, trust, bucket, key and endpoint policy is an aws_iam_policy_document or literal JSON the guardrails can read",
    protects: "a policy the other rules cannot read passing them unchecked (e.g. jsonencode() with Action \"*\")",
    check: (s) => [
      ...allPolicies(s)
        .filter(({ policy }) => statementsOf(s, policy) === undefined)
        .map(({ resource, attribute }) => ({ resource, message: `${attribute} cannot be evaluated: build it with aws_iam_policy_document` })),
      // Statements merged in from other documents are not read by the rules.
      ...Object.entries<Json>(s.json.data?.aws_iam_policy_document ?? {})
        .filter(([, d]) => d.source_policy_documents !== undefined || d.override_policy_documents !== undefined)
        .map(([name, d]) => ({
          resource: { type: "aws_iam_policy_document", name, address: `data.aws_iam_policy_document.${name}`, path: String(d["//"]?.metadata?.path ?? name), body: d },
          message: "merges source_policy_documents/override_policy_documents, which the rules cannot read",
        })),
    ],
  },
  {
    id: "NFW_LOGGING",
    requires: "Network Firewall sends ALERT and FLOW logs to CloudWatch Logs",
    protects: "blind spots: blocked and allowed connections leave no trace for investigation",
    check: (s) =>
      each(s, "aws_networkfirewall_firewall", (fw) => {
        const types = new Set(
          s
            .referencing("aws_networkfirewall_logging_configuration", "firewall_arn", fw)
            .flatMap((l) => asList<Json>(l.body.logging_configuration?.log_destination_config))
            .filter((d) => d.log_destination_type === "CloudWatchLogs")
            .map((d) => d.log_type),
        );
        const missing = ["ALERT", "FLOW"].filter((t) => !types.has(t));
        return missing.length ? `no ${missing.join(" or ")} logs to CloudWatch Logs` : undefined;
      }),
  },
  {
    id: "NFW_CUSTOMER_KMS",
    requires: "the firewall, its policy and rule groups are encrypted with a customer managed KMS key",
    protects: "firewall configuration readable under an AWS-owned key outside the account's key policies",
    check: (s) =>
      ["aws_networkfirewall_firewall", "aws_networkfirewall_firewall_policy", "aws_networkfirewall_rule_group"].flatMap((type) =>
        each(s, type, (r) => {
          const e = asList<Json>(r.body.encryption_configuration)[0];
          return e?.type === "CUSTOMER_KMS" && e.key_id ? undefined : "not encrypted with a customer managed KMS key";
        }),
      ),
  },
  {
    id: "NFW_DEFAULT_DENY",
    requires: "every packet (fragments too) reaches the stateful engine, which uses strict order and drops established flows no rule passed",
    protects: "traffic to domains outside the allowlist, and fragments slipping past inspection",
    check: (s) =>
      each(s, "aws_networkfirewall_firewall_policy", (p) => {
        const fp = p.body.firewall_policy ?? {};
        return failing([
          [JSON.stringify(fp.stateless_default_actions) !== '["aws:forward_to_sfe"]', "stateless default action is not aws:forward_to_sfe"],
          [JSON.stringify(fp.stateless_fragment_default_actions) !== '["aws:forward_to_sfe"]', "fragments are not forwarded to the stateful engine"],
          [fp.stateful_engine_options?.rule_order !== "STRICT_ORDER", "stateful rule order is not STRICT_ORDER"],
          [
            !asList<string>(fp.stateful_default_actions).some((a) => DEFAULT_DROP_ACTIONS.includes(a)),
            `no stateful default drop (one of ${DEFAULT_DROP_ACTIONS.join(", ")})`,
          ],
        ]);
      }),
  },
  {
    id: "VPC_FLOW_LOGS",
    requires: "every VPC has flow logs (all traffic)",
    protects: "no record of who talked to whom inside the VPC",
    check: (s) => needsCompanion(s, "aws_vpc", "aws_flow_log", "vpc_id", (f) => f.traffic_type === "ALL", "has no flow log of ALL traffic"),
  },
  {
    id: "VPC_DEFAULT_SG_CLOSED",
    requires: "every VPC's default security group is managed with no rules",
    protects: "resources launched without an explicit group getting AWS's allow-all default",
    check: (s) =>
      needsCompanion(
        s,
        "aws_vpc",
        "aws_default_security_group",
        "vpc_id",
        (g) => asList(g.ingress).length === 0 && asList(g.egress).length === 0,
        "its default security group is not managed with empty ingress and egress",
      ),
  },
  {
    id: "SUBNET_NO_PUBLIC_IP",
    requires: "no subnet maps public IPs on launch",
    protects: "instances or ENIs reachable from the internet by accident",
    check: (s) => each(s, "aws_subnet", (r) => (r.body.map_public_ip_on_launch === true ? "maps public IPs on launch" : undefined)),
  },
  {
    id: "NO_FIREWALL_BYPASS",
    requires: "no IPv6 path, egress-only gateway, peering, transit or VPN route, and internet-gateway routes only from the firewall's own subnets",
    protects: "a way out of the VPC that Network Firewall never sees",
    check: (s) => {
      const firewallSubnets = s.resources("aws_networkfirewall_firewall").map((f) => JSON.stringify(f.body.subnet_mapping ?? []));
      const tablesOfFirewallSubnets = new Set(
        s
          .resources("aws_route_table_association")
          .filter((a) => a.body.subnet_id && firewallSubnets.some((m) => m.includes(String(a.body.subnet_id))))
          .map((a) => String(a.body.route_table_id)),
      );
      const toIgw = (r: Json) => s.resources("aws_internet_gateway").some((g) => JSON.stringify(r.gateway_id ?? "").includes(`${g.address}.`));
      const toVpn = (r: Json) => s.resources("aws_vpn_gateway").some((g) => JSON.stringify(r.gateway_id ?? "").includes(`${g.address}.`));
      const routeProblems = (r: Json, tableRef: string) =>
        failing([
          [r.destination_ipv6_cidr_block !== undefined || r.ipv6_cidr_block !== undefined, "routes IPv6"],
          [
            ["transit_gateway_id", "vpc_peering_connection_id", "core_network_arn", "carrier_gateway_id", "local_gateway_id", "egress_only_gateway_id", "network_interface_id"].some(
              (k) => r[k] !== undefined && r[k] !== "",
            ) || toVpn(r),
            "routes to a peering, transit, VPN, network interface or other gateway",
          ],
          [toIgw(r) && !tablesOfFirewallSubnets.has(tableRef), "routes to the internet gateway from a subnet that is not the firewall's"],
        ]);
      return [
        ...each(s, "aws_egress_only_internet_gateway", () => "an egress-only internet gateway lets IPv6 traffic out around the firewall"),
        ...each(s, "aws_vpc_ipv6_cidr_block_association", () => "adds an IPv6 CIDR: IPv6 paths are not inspected here"),
        ...each(s, "aws_vpn_gateway_route_propagation", () => "propagates VPN routes around the firewall"),
        ...each(s, "aws_vpc", (v) => (v.body.assign_generated_ipv6_cidr_block === true || v.body.ipv6_cidr_block ? "has an IPv6 CIDR: IPv6 paths are not inspected here" : undefined)),
        ...each(s, "aws_route", (r) => routeProblems(r.body, String(r.body.route_table_id))),
        // Inline route blocks of route tables (the other way Terraform writes routes).
        ...[...s.resources("aws_route_table"), ...s.resources("aws_default_route_table")].flatMap((t) =>
          asList<Json>(t.body.route)
            .map((r) => routeProblems(r, `\${${t.address}.id}`))
            .filter((m): m is string => m !== undefined)
            .map((message) => ({ resource: t, message: `inline route: ${message}` })),
        ),
      ];
    },
  },
  {
    id: "NFW_NO_SHARED_HOSTING",
    requires: "no domain-list target of a Network Firewall rule group is on shared hosting (a name anyone can rent), unless waived for that entry",
    protects: "data leaving to any customer of a shared host (buckets, CDNs, API gateways, pages, tunnels)",
    check: (s) =>
      s.resources("aws_networkfirewall_rule_group").flatMap((g) =>
        asList<string>(g.body.rule_group?.rules_source?.rules_source_list?.targets)
          .map((t) => sharedHostingProblem(t))
          .filter((m): m is string => m !== undefined)
          .map((message) => ({ resource: g, message })),
      ),
  },
  {
    id: "VPC_ENDPOINT_POLICY",
    requires: "every VPC endpoint has an endpoint policy",
    protects: "AWS's default endpoint policy (full access, anyone's credentials) turning an endpoint into a way out",
    check: (s) =>
      each(s, "aws_vpc_endpoint", (e) => (e.body.policy !== undefined || s.referencing("aws_vpc_endpoint_policy", "vpc_endpoint_id", e).length > 0 ? undefined : "has no endpoint policy (AWS's default allows everything)")),
  },
  {
    id: "DNS_FIREWALL",
    requires: "every VPC has a Route 53 Resolver DNS Firewall rule group associated and fails closed",
    protects: "data leaving in DNS queries the VPC resolver answers recursively",
    check: (s) =>
      each(s, "aws_vpc", (v) =>
        failing([
          [s.referencing("aws_route53_resolver_firewall_rule_group_association", "vpc_id", v).length === 0, "no DNS firewall rule group is associated"],
          [!s.referencing("aws_route53_resolver_firewall_config", "resource_id", v).some((c) => c.body.firewall_fail_open === "DISABLED"), "its DNS firewall does not fail closed"],
        ]),
      ),
  },
  {
    id: "SG_NO_HTTP_TO_INTERNET",
    requires: "no security group sends port 80 to 0.0.0.0/0 or ::/0 (HTTP only to named destinations such as a prefix list)",
    protects: "clear-text traffic to the internet, and a second web port to hide traffic on",
    check: (s) =>
      securityGroupRules(s)
        .filter(({ direction, rule }) => direction === "egress" && opensTo(rule) && (allProtocols(rule) || (Number(rule.from_port) <= 80 && Number(rule.to_port) >= 80)))
        .map(({ resource }) => ({ resource, message: "egress on port 80 to anywhere" })),
  },
  {
    id: "LOG_GROUP_KMS_RETENTION",
    requires: `every CloudWatch log group is KMS-encrypted and kept at least ${MIN_LOG_RETENTION_DAYS} days (not forever)`,
    protects: "log contents under AWS-owned keys; evidence expiring before an investigation; unbounded cost",
    check: (s) =>
      each(s, "aws_cloudwatch_log_group", (r) => {
        const days = r.body.retention_in_days;
        return failing([
          [!r.body.kms_key_id, "not KMS-encrypted"],
          [typeof days !== "number" || days < MIN_LOG_RETENTION_DAYS, `retention ${days ?? "never expires"} (need >= ${MIN_LOG_RETENTION_DAYS} days)`],
        ]);
      }),
  },
  {
    id: "SG_DESCRIPTIONS",
    requires: "every security group and every rule has a description",
    protects: "rules nobody can explain at review or audit time",
    check: (s) => {
      const groups = [...s.resources("aws_security_group")]
        .filter((g) => !g.body.description || g.body.description === "Managed by Terraform")
        .map((resource) => ({ resource, message: "security group has no description" }));
      const rules = securityGroupRules(s)
        .filter(({ rule }) => !rule.description)
        .map(({ resource, direction }) => ({ resource, message: `${direction} rule has no description` }));
      return [...groups, ...rules];
    },
  },
  {
    id: "SG_NO_INGRESS_FROM_ANYWHERE",
    requires: "no security group admits traffic from 0.0.0.0/0 or ::/0",
    protects: "workloads exposed to the internet",
    check: (s) =>
      securityGroupRules(s)
        .filter(({ direction, rule }) => direction === "ingress" && opensTo(rule))
        .map(({ resource }) => ({ resource, message: "ingress from anywhere (0.0.0.0/0 or ::/0)" })),
  },
  {
    id: "SG_NO_ALL_TRAFFIC_EGRESS",
    requires: "no security group sends all protocols and ports to 0.0.0.0/0 or ::/0",
    protects: "exfiltration over arbitrary ports and protocols",
    check: (s) =>
      securityGroupRules(s)
        .filter(({ direction, rule }) => direction === "egress" && opensTo(rule) && allProtocols(rule))
        .map(({ resource }) => ({ resource, message: "all-traffic egress to anywhere" })),
  },
  {
    id: "S3_PUBLIC_ACCESS_BLOCKED",
    requires: "every bucket blocks all four kinds of public access",
    protects: "public buckets through ACLs or policies",
    check: (s) =>
      needsCompanion(
        s,
        "aws_s3_bucket",
        "aws_s3_bucket_public_access_block",
        "bucket",
        (b) => b.block_public_acls === true && b.block_public_policy === true && b.ignore_public_acls === true && b.restrict_public_buckets === true,
        "public access is not fully blocked",
      ),
  },
  {
    id: "S3_OWNER_ENFORCED",
    requires: "every bucket disables ACLs (BucketOwnerEnforced)",
    protects: "objects owned, and shareable, by other accounts",
    check: (s) =>
      needsCompanion(s, "aws_s3_bucket", "aws_s3_bucket_ownership_controls", "bucket", (o) => asList<Json>(o.rule)[0]?.object_ownership === "BucketOwnerEnforced", "ACLs are not disabled (BucketOwnerEnforced)"),
  },
  {
    id: "S3_VERSIONING",
    requires: "every bucket keeps versions",
    protects: "silent loss of data to overwrites and deletes",
    check: (s) =>
      needsCompanion(s, "aws_s3_bucket", "aws_s3_bucket_versioning", "bucket", (v) => asList<Json>(v.versioning_configuration)[0]?.status === "Enabled", "versioning is not enabled"),
  },
  {
    id: "S3_KMS_ENCRYPTION",
    requires: "every bucket encrypts with a customer managed KMS key (SSE-KMS)",
    protects: "data readable by anyone with S3 access, without a key policy in the way",
    check: (s) =>
      needsCompanion(
        s,
        "aws_s3_bucket",
        "aws_s3_bucket_server_side_encryption_configuration",
        "bucket",
        (e) => asList<Json>(e.rule).some((r) => asList<Json>(r.apply_server_side_encryption_by_default)[0]?.sse_algorithm?.startsWith("aws:kms") && asList<Json>(r.apply_server_side_encryption_by_default)[0]?.kms_master_key_id),
        "not encrypted with a customer managed KMS key",
      ),
  },
  {
    id: "S3_ACCESS_LOGGING",
    requires: "every bucket writes server access logs",
    protects: "no record of who read or changed data",
    check: (s) => needsCompanion(s, "aws_s3_bucket", "aws_s3_bucket_logging", "bucket", (l) => Boolean(l.target_bucket), "no server access logging"),
  },
  {
    id: "S3_ABORT_INCOMPLETE_UPLOADS",
    requires: "every bucket aborts incomplete multipart uploads",
    protects: "invisible, ever-growing storage cost",
    check: (s) =>
      needsCompanion(
        s,
        "aws_s3_bucket",
        "aws_s3_bucket_lifecycle_configuration",
        "bucket",
        (l) => asList<Json>(l.rule).some((r) => r.status === "Enabled" && asList<Json>(r.abort_incomplete_multipart_upload).length > 0),
        "no lifecycle rule aborts incomplete multipart uploads",
      ),
  },
  {
    id: "S3_TLS_ONLY",
    requires: "every bucket policy denies every principal every S3 action on the bucket and its objects without TLS",
    protects: "data in transit in clear text",
    check: (s) =>
      each(s, "aws_s3_bucket", (b) => {
        const arn = `\${${b.address}.arn}`;
        const denies = s.referencing("aws_s3_bucket_policy", "bucket", b).some((p) =>
          asList<Json>(s.policyStatements(p.body.policy)).some((st) => {
            const everyone = asList<Json>(st.principals).some((pr) => asList(pr.identifiers).includes("*") && ["*", "AWS"].includes(pr.type));
            const everything = asList<string>(st.actions).some((a) => a === "s3:*" || a === "*");
            const resources = asList<string>(st.resources);
            const whole = resources.includes(arn) && resources.includes(`${arn}/*`);
            const noTls = asList<Json>(st.condition).some((c) => c.test === "Bool" && c.variable === "aws:SecureTransport" && asList(c.values).includes("false"));
            return st.effect === "Deny" && everyone && everything && whole && noTls;
          }),
        );
        return denies ? undefined : "no bucket policy statement denies every principal s3:* on the bucket and its objects without TLS";
      }),
  },
  {
    id: "KMS_ROTATION_AND_POLICY",
    requires: "every KMS key rotates yearly and has an explicit key policy",
    protects: "long-lived key material; keys governed by an implicit default policy",
    check: (s) =>
      each(s, "aws_kms_key", (k) =>
        failing([
          [k.body.enable_key_rotation !== true, "rotation is off"],
          [!k.body.policy, "no explicit key policy"],
        ]),
      ),
  },
  {
    id: "IAM_NO_WILDCARD_ACTIONS",
    requires: 'identity policies name every action they allow (no "*", "service:*" or "service:Prefix*")',
    protects: "permissions growing silently as AWS adds actions",
    check: (s) =>
      identityPolicies(s).flatMap(({ resource, statements }) =>
        statements
          .filter(allows)
          .flatMap((st) => [
            ...asList<string>(st.actions)
              .filter((a) => a.includes("*"))
              .map((a) => ({ resource, message: `statement ${st.sid ?? "(no sid)"} allows wildcard action ${a}` })),
            // "everything except": as open-ended as "*"
            ...(asList(st.not_actions).length ? [{ resource, message: `statement ${st.sid ?? "(no sid)"} allows by NotAction` }] : []),
          ]),
      ),
  },
  {
    id: "IAM_NO_UNBOUND_STAR_WRITES",
    requires: 'identity policies allow write or permissions-management actions on resource "*" only under a condition',
    protects: "a role that can change or delete anything of a kind in the account",
    check: (s) =>
      identityPolicies(s).flatMap(({ resource, statements }) =>
        statements
          .filter((st) => allows(st) && asList(st.resources).includes("*") && asList(st.condition).length === 0)
          .flatMap((st) =>
            asList<string>(st.actions)
              .filter((a) => !READ_ACTION.test(a))
              .map((a) => ({ resource, message: `statement ${st.sid ?? "(no sid)"} allows ${a} on "*" without a condition` })),
          ),
      ),
  },
  {
    id: "IAM_NO_ADMIN_POLICIES",
    requires: "no AdministratorAccess, IAMFullAccess or PowerUserAccess managed policy is attached",
    protects: "full account or IAM takeover through one role",
    check: (s) => [
      ...each(s, "aws_iam_role_policy_attachment", (a) => (ADMIN_POLICIES.test(String(a.body.policy_arn)) ? `attaches ${a.body.policy_arn}` : undefined)),
      ...each(s, "aws_iam_role", (r) => {
        const bad = asList<string>(r.body.managed_policy_arns).filter((arn) => ADMIN_POLICIES.test(arn));
        return bad.length ? `attaches ${bad.join(", ")}` : undefined;
      }),
    ],
  },
  {
    id: "SAGEMAKER_NOTEBOOK_LOCKED_DOWN",
    requires: "notebook instances: no direct internet access, no root, IMDSv2 only, customer KMS key, in a VPC subnet",
    protects: "notebooks bypassing the firewall, root escalation, credential theft via IMDSv1, unencrypted volumes",
    check: (s) =>
      each(s, "aws_sagemaker_notebook_instance", ({ body: b }) =>
        failing([
          [b.direct_internet_access !== "Disabled", "direct internet access is not Disabled"],
          [b.root_access !== "Disabled", "root access is not Disabled"],
          [asList<Json>(b.instance_metadata_service_configuration)[0]?.minimum_instance_metadata_service_version !== "2", "IMDSv1 allowed"],
          [!b.kms_key_id, "volume not encrypted with a customer KMS key"],
          [!b.subnet_id, "not in a VPC subnet"],
        ]),
      ),
  },
  {
    id: "SAGEMAKER_DOMAIN_VPC_ONLY",
    requires: "Studio domains run VpcOnly with a customer KMS key",
    protects: "Studio traffic leaving through SageMaker's own internet path, around the firewall",
    check: (s) =>
      each(s, "aws_sagemaker_domain", ({ body: d }) =>
        failing([
          [d.app_network_access_type !== "VpcOnly", "app_network_access_type is not VpcOnly"],
          [!d.kms_key_id, "no customer KMS key"],
        ]),
      ),
  },
];

export const RULE_IDS: ReadonlySet<string> = new Set(RULES.map((r) => r.id));
