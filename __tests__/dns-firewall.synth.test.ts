/**
 * The Route 53 Resolver DNS Firewall: the construct alone (props in, resources out) and as the
 * network stack uses it (the allowlist, the VPC's own names, the endpoints' private DNS names).
 */
import { AnnotationMetadataEntryType, Testing } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DnsAllowance, DnsFirewall, DnsFirewallProps, dnsFirewallDomains, vpcResolutionNames, vpcResolutionNameSources } from "../modules/network/dns-firewall";
import { parseEnvironment } from "../modules/config/load";
import { envFrom, Json, networkStack, one, resourcesOf, synthJson, TEST_ACCOUNT, withNotebook } from "./support/synth";

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

  test("every name the VPC's own resolution needs carries why and an AWS (or client) source", () => {
    for (const region of ["us-east-1", "eu-west-1"]) {
      const sourced = vpcResolutionNameSources(region, { amazonLinuxRepositories: true, studioHomeEfs: true });
      expect(sourced.length).toBeGreaterThan(8);
      for (const n of sourced) {
        expect({ name: n.name, why: n.why.length > 20 }).toEqual({ name: n.name, why: true });
        // a document and where in it (a quoted page title) or a file of a client's source
        expect({ name: n.name, source: /(User Guide|Developer Guide|Knowledge Center).*"[^"]+"|\.py\b/.test(n.source) }).toEqual({ name: n.name, source: true });
      }
      expect(vpcResolutionNames(region, { amazonLinuxRepositories: true, studioHomeEfs: true })).toEqual([...new Set(sourced.map((n) => n.name))]);
    }
  });

  test("the home EFS's names only with Studio, the yum mirror list host only with the notebook", () => {
    expect(vpcResolutionNames("eu-west-1")).not.toContain("*.efs.eu-west-1.amazonaws.com");
    expect(vpcResolutionNames("eu-west-1", { studioHomeEfs: true })).toContain("*.efs.eu-west-1.amazonaws.com");
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

describe("DnsAllowance (a workload's own names, before the network's group)", () => {
  const allowance = (props: Partial<ConstructorParameters<typeof DnsAllowance>[2]> = {}) =>
    JSON.parse(Testing.synthScope((scope) => new DnsAllowance(scope, "ui", { vpcId: "vpc-1", name: "p-studio-ui", domains: ["d-1.studio.us-east-1.sagemaker.aws"], ...props })));

  test("one ALLOW rule on its names, associated before the network's group (priority 101), unprotected", () => {
    const j = allowance();
    expect(one(j, "aws_route53_resolver_firewall_domain_list")[1].domains).toEqual(["d-1.studio.us-east-1.sagemaker.aws"]);
    expect(resourcesOf(j, "aws_route53_resolver_firewall_rule").map(([, r]) => r.action)).toEqual(["ALLOW"]);
    expect(one(j, "aws_route53_resolver_firewall_rule_group_association")[1]).toMatchObject({ vpc_id: "vpc-1", priority: 100, mutation_protection: "DISABLED" });
  });

  test("refuses a priority at or after the network's group (whose last rule blocks everything else) and an empty list", () => {
    expect(() => allowance({ priority: 101 })).toThrow(/100 to 100/);
    expect(() => allowance({ priority: 99 })).toThrow(/100 to 100/);
    expect(() => allowance({ domains: [] })).toThrow(/at least one name/);
  });
});

describe("the network stack's DNS firewall allows exactly the allowlist and the sourced names", () => {
  /** The names the network's list holds at synth, and the endpoint services whose private DNS names it adds at plan time. */
  function allowedOf(raw: Record<string, unknown>): { names: string[]; atPlan: string[] } {
    const j = synthJson(networkStack(raw));
    const [, list] = resourcesOf(j, "aws_route53_resolver_firewall_domain_list").find(([, l]) => JSON.stringify(l.domains) !== '["*"]')!;
    const expr = String(list.domains);
    const atPlan = [...expr.matchAll(/data\.aws_vpc_endpoint_service\.([^.]+)\.private_dns_names/g)].map((m) => j.data.aws_vpc_endpoint_service[m[1]].service_name as string);
    // ${distinct(compact(concat([<names>], data...)))}: the literal list is the synth-time names
    const names = JSON.parse(/concat\((\[[^\]]*\])/.exec(expr)![1]) as string[];
    return { names, atPlan };
  }

  test("Studio, us-east-1: the allowlist, S3, EC2 internal names, the home EFS; the endpoints' names at plan; nothing else", () => {
    const { names, atPlan } = allowedOf({ firewall: { allowedDomains: ["pypi.org", ".example.org"] } });
    // written out from the sources (S3 User Guide, EC2 User Guide, EFS User Guide), not taken from the code
    expect([...names].sort()).toEqual(
      [
        "pypi.org",
        "example.org",
        "*.example.org",
        "s3.us-east-1.amazonaws.com",
        "*.s3.us-east-1.amazonaws.com",
        "s3.dualstack.us-east-1.amazonaws.com",
        "*.s3.dualstack.us-east-1.amazonaws.com",
        "s3.amazonaws.com",
        "*.s3.amazonaws.com",
        "ec2.internal",
        "*.ec2.internal",
        "*.efs.us-east-1.amazonaws.com",
      ].sort(),
    );
    expect([...atPlan].sort()).toEqual(
      ["sagemaker.api", "sagemaker.runtime", "sts", "ssm", "monitoring", "logs", "ecr.dkr", "ecr.api", "servicecatalog"].map((s) => `com.amazonaws.us-east-1.${s}`).sort(),
    );
  });

  test("every synth-time name is the allowlist's or a sourced one, in every shape of environment", () => {
    for (const raw of [{}, withNotebook({ region: "eu-west-1", studio: { enabled: false } }), withNotebook({ studio: { uiEndpoint: true }, notebook: { uiEndpoint: true } })]) {
      const env = envFrom(raw);
      const sourced = new Set(
        vpcResolutionNameSources(env.region, { amazonLinuxRepositories: true, studioHomeEfs: true })
          .map((n) => n.name)
          .concat(env.notebook.uiEndpoint ? [`${env.projectName}-${env.environment}-notebook.notebook.${env.region}.sagemaker.aws`] : []),
      );
      const allowlist = new Set(dnsFirewallDomains(env.firewall.allowedDomains));
      const { names, atPlan } = allowedOf(raw);
      expect(names.filter((n) => !sourced.has(n) && !allowlist.has(n))).toEqual([]);
      expect(atPlan.filter((s) => s.startsWith("aws.sagemaker."))).toEqual([]);
    }
  });

  test("eu-west-1 with the notebook only: its region's names, the yum mirror list host, no EFS", () => {
    const { names } = allowedOf(withNotebook({ region: "eu-west-1", studio: { enabled: false } }));
    expect(names).toEqual(expect.arrayContaining(["*.eu-west-1.compute.internal", "amazonlinux.eu-west-1.amazonaws.com", "*.s3.dualstack.eu-west-1.amazonaws.com"]));
    expect(names.join(" ")).not.toMatch(/us-east-1|ec2\.internal|\.efs\./);
  });
});

describe("dnsFirewall.mode: block by default, alert for a rollout", () => {
  const warnings = (stack: ReturnType<typeof networkStack>) =>
    stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data)));
  const defaultStack = networkStack({});
  const alertStack = networkStack({ dnsFirewall: { mode: "alert" } });
  const fallbackAction = (j: Json) => resourcesOf(j, "aws_route53_resolver_firewall_rule").map(([, r]) => r).find((r) => r.action !== "ALLOW")!.action;

  test("the config's default is block: names off the list get NXDOMAIN, without a warning (an upgrade never turns blocking off)", () => {
    expect(envFrom({}).dnsFirewall.mode).toBe("block");
    expect(fallbackAction(synthJson(defaultStack))).toBe("BLOCK");
    expect(warnings(defaultStack)).toEqual([]);
  });

  test('"alert" resolves names off the list and flags them, with a warning naming the file, the field and what stays open', () => {
    expect(fallbackAction(synthJson(alertStack))).toBe("ALERT");
    expect(warnings(alertStack)).toEqual([expect.stringMatching(/^config\/test\.json: dnsFirewall\.mode is "alert".*DNS tunnelling.*set dnsFirewall\.mode to "block"/)]);
  });

  describe("the docs' rollout says what the code does", () => {
    const perimeter = readFileSync(join(__dirname, "..", "docs", "egress-perimeter.md"), "utf8");
    const readme = readFileSync(join(__dirname, "..", "docs", "configuration.md"), "utf8");
    const rollout = perimeter.slice(perimeter.indexOf("## DNS rollout"), perimeter.indexOf("## Data perimeter"));

    test("the config table gives the default the schema gives", () => {
      expect(readme).toMatch(new RegExp(`\\| \`dnsFirewall\\.mode\` \\| \`"${envFrom({}).dnsFirewall.mode}"\``));
    });

    test("its Logs Insights query filters on the action the alert rule writes, in the log group the firewall logs to", () => {
      expect(rollout.length).toBeGreaterThan(200);
      const query = /```\n([\s\S]*?)```/.exec(rollout)![1];
      expect(query).toContain(`filter firewall_rule_action = "${fallbackAction(synthJson(alertStack))}"`);
      const [, group] = resourcesOf(synthJson(alertStack), "aws_cloudwatch_log_group").find(([, g]) => g.name.includes("route53resolver"))!;
      expect(rollout).toContain(String(group.name).replace("sagemaker-studio-anfw-test", "<project>-<env>"));
      // switching is an in-place update of one rule: the same rule, other action
      expect(rollout).toMatch(/in place/);
    });
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
