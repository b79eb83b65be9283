/**
 * The Route 53 Resolver DNS Firewall: the construct alone (props in, resources out) and as the
 * network stack uses it (the allowlist, the VPC's own names, the endpoints' private DNS names).
 */
import { Testing } from "cdktf";
import { DnsFirewall, DnsFirewallProps, dnsFirewallDomains, vpcResolutionNames } from "../modules/network/dns-firewall";
import { parseEnvironment } from "../modules/config/load";
import { Json, networkStack, one, resourcesOf, synthJson, TEST_ACCOUNT } from "./support/synth";

const PROPS: DnsFirewallProps = {
  vpcId: "vpc-0123456789abcdef0",
  namePrefix: "p-test",
  allowedDomains: ["pypi.org", "*.example.com"],
  queryLog: { logGroupName: "/aws/vendedlogs/route53resolver/p-test", kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k", retentionDays: 365 },
};

function bare(props: Partial<DnsFirewallProps> = {}): Json {
  return JSON.parse(Testing.synthScope((scope) => new DnsFirewall(scope, "dns", { ...PROPS, ...props })));
}

/** "${aws_x.name.id}" -> "aws_x.name". */
const ref = (expr: string) => /^\$\{([a-z0-9_]+\.[^.}]+)\.[a-z_]+\}$/.exec(expr)?.[1];

describe("DnsFirewall (construct)", () => {
  const json = bare();
  const rules: Json[] = resourcesOf(json, "aws_route53_resolver_firewall_rule").map(([n, r]) => ({ address: `aws_route53_resolver_firewall_rule.${n}`, ...r }));
  const lists = new Map(resourcesOf(json, "aws_route53_resolver_firewall_domain_list").map(([n, l]) => [`aws_route53_resolver_firewall_domain_list.${n}`, l]));
  const allow = rules.find((r) => r.action === "ALLOW")!;
  const fallback = rules.find((r) => r.action !== "ALLOW")!;

  test("allows the listed names first, then answers NXDOMAIN for every other name", () => {
    expect(rules).toHaveLength(2);
    expect(lists.get(ref(allow.firewall_domain_list_id)!)!.domains).toEqual(["pypi.org", "*.example.com"]);
    expect(lists.get(ref(fallback.firewall_domain_list_id)!)!.domains).toEqual(["*"]);
    expect(fallback).toMatchObject({ action: "BLOCK", block_response: "NXDOMAIN" });
    // DNS Firewall evaluates a group's rules from the lowest priority number up.
    expect(allow.priority).toBeLessThan(fallback.priority);
    expect(ref(allow.firewall_rule_group_id)).toBe(ref(fallback.firewall_rule_group_id));
    // An allowed name's CNAME chain (CDNs, regional endpoint names) resolves.
    expect(allow.firewall_domain_redirection_action).toBe("TRUST_REDIRECTION_DOMAIN");
  });

  test("the rule group is associated with the VPC, mutation-protected, after its rules exist", () => {
    const [, association] = one(json, "aws_route53_resolver_firewall_rule_group_association");
    expect(association).toMatchObject({ vpc_id: PROPS.vpcId, mutation_protection: "ENABLED", priority: 101 });
    expect(ref(association.firewall_rule_group_id)).toBe(ref(allow.firewall_rule_group_id));
    expect(association.depends_on.sort()).toEqual([allow.address, fallback.address].sort());
  });

  test("fails closed: the VPC's resolver firewall config has fail-open disabled", () => {
    const [, config] = one(json, "aws_route53_resolver_firewall_config");
    expect(config).toEqual(expect.objectContaining({ resource_id: PROPS.vpcId, firewall_fail_open: "DISABLED" }));
  });

  test("every query of the VPC is logged to a KMS-encrypted log group with the retention given", () => {
    const [groupName, group] = one(json, "aws_cloudwatch_log_group");
    expect(group).toMatchObject({ name: PROPS.queryLog.logGroupName, kms_key_id: PROPS.queryLog.kmsKeyArn, retention_in_days: 365 });
    const [configName, config] = one(json, "aws_route53_resolver_query_log_config");
    expect(config.destination_arn).toBe(`\${aws_cloudwatch_log_group.${groupName}.arn}`);
    const [, association] = one(json, "aws_route53_resolver_query_log_config_association");
    expect(association).toEqual(expect.objectContaining({ resource_id: PROPS.vpcId, resolver_query_log_config_id: `\${aws_route53_resolver_query_log_config.${configName}.id}` }));
  });

  test("alert mode resolves every name and flags those off the list; protection can be turned off", () => {
    const j = bare({ mode: "alert", mutationProtection: false });
    const fallbackRule = resourcesOf(j, "aws_route53_resolver_firewall_rule").map(([, r]) => r).find((r) => r.action !== "ALLOW")!;
    expect(fallbackRule.action).toBe("ALERT");
    expect(fallbackRule.block_response).toBeUndefined();
    expect(one(j, "aws_route53_resolver_firewall_rule_group_association")[1].mutation_protection).toBe("DISABLED");
  });

  test("refuses an association priority outside 100-9900 and an empty allowlist", () => {
    expect(() => bare({ associationPriority: 99 })).toThrow(/100 to 9900/);
    expect(() => bare({ allowedDomains: [] })).toThrow(/at least one allowed domain/);
  });
});

describe("allowlist to DNS Firewall names", () => {
  test('".example.com" (domain and subdomains) becomes the name and "*." below it; exact names stay exact', () => {
    expect(dnsFirewallDomains(["pypi.org", ".example.com", "files.pythonhosted.org"])).toEqual(["pypi.org", "example.com", "*.example.com", "files.pythonhosted.org"]);
  });

  test("the VPC's own names: S3 through the gateway endpoint and EC2 internal host names", () => {
    expect(vpcResolutionNames("us-east-1")).toEqual(
      expect.arrayContaining(["s3.us-east-1.amazonaws.com", "*.s3.us-east-1.amazonaws.com", "ec2.internal", "*.ec2.internal"]),
    );
    expect(vpcResolutionNames("eu-west-1")).toEqual(expect.arrayContaining(["*.s3.eu-west-1.amazonaws.com", "*.eu-west-1.compute.internal"]));
    // yum on Amazon Linux 2: the mirror list host, then dual-stack S3 names
    expect(vpcResolutionNames("eu-west-1")).not.toContain("amazonlinux.eu-west-1.amazonaws.com");
    expect(vpcResolutionNames("eu-west-1", { amazonLinuxRepositories: true })).toEqual(
      expect.arrayContaining(["amazonlinux.eu-west-1.amazonaws.com", "*.s3.dualstack.eu-west-1.amazonaws.com"]),
    );
  });
});

describe("the network stack's DNS firewall", () => {
  const json = synthJson(networkStack({ firewall: { allowedDomains: ["pypi.org", ".kaggle.com"] }, dnsFirewall: { mode: "alert" } }));
  const [, allowed] = resourcesOf(json, "aws_route53_resolver_firewall_domain_list").find(([, l]) => JSON.stringify(l.domains) !== '["*"]')!;

  test("allows the allowlist, the VPC's own names and every interface endpoint's private DNS names (as AWS reports them)", () => {
    const expr: string = allowed.domains;
    for (const d of ["pypi.org", "kaggle.com", "*.kaggle.com", "*.s3.us-east-1.amazonaws.com", "*.ec2.internal"]) expect(expr).toContain(`"${d}"`);
    const services = Object.keys(json.data.aws_vpc_endpoint_service);
    expect(services.length).toBeGreaterThan(5);
    for (const s of services) expect(expr).toContain(`data.aws_vpc_endpoint_service.${s}.private_dns_names`);
    // nothing broader than what was asked for
    expect(expr).not.toContain('"*.amazonaws.com"');
  });

  test("is on the network's VPC, in the configured mode, logging to a log group under the network key", () => {
    const [vpc] = resourcesOf(json, "aws_vpc")[0];
    expect(one(json, "aws_route53_resolver_firewall_rule_group_association")[1].vpc_id).toBe(`\${aws_vpc.${vpc}.id}`);
    expect(resourcesOf(json, "aws_route53_resolver_firewall_rule").some(([, r]) => r.action === "ALERT")).toBe(true);
    const [, group] = resourcesOf(json, "aws_cloudwatch_log_group").find(([, g]) => g.name.includes("route53resolver"))!;
    const [key] = resourcesOf(json, "aws_kms_key").find(([n]) => n.startsWith("network-key"))!;
    expect(group.kms_key_id).toBe(`\${aws_kms_key.${key}.arn}`);
  });

  test("with the notebook, the yum mirror list host is allowed", () => {
    const withNb = synthJson(networkStack({ notebook: { enabled: true, availabilityZone: "us-east-1a" } }));
    const [, list] = resourcesOf(withNb, "aws_route53_resolver_firewall_domain_list").find(([, l]) => JSON.stringify(l.domains) !== '["*"]')!;
    expect(list.domains).toContain('"amazonlinux.us-east-1.amazonaws.com"');
    expect(allowed.domains).not.toContain("amazonlinux.");
  });

  test("config: an unknown mode is refused, naming the file and field", () => {
    expect(() => parseEnvironment({ accountId: TEST_ACCOUNT, dnsFirewall: { mode: "deny" } }, "config/test.json")).toThrow(/config\/test\.json: dnsFirewall\.mode/);
  });
});
