/**
 * Synth-level tests of the environment's network stack (`<env>-network`): per-AZ resource counts,
 * every route staying in its own AZ, the endpoint map built from sync_states, AZ-keyed stability,
 * the plan-time availability checks, the retained data (prevent_destroy) and the published contract.
 */
import "cdktf/lib/testing/adapters/jest"; // types of the cdktf matchers (installed by support/setup.ts)
import { AnnotationMetadataEntryType, Testing } from "cdktf";
import { azs, Json, networkStack, policyStatements, referencedAddress, resourcesOf, synthJson, withNotebook } from "./support/synth";
import { parseSuricataRules } from "../modules/config/suricata";
import { PROTOCOL_HYGIENE_RULES, protocolHygieneRules, REFUSAL_RULES, refusalRules } from "../modules/network/firewall";

const REGION = "us-east-1";

function synthFor(letters: string, extra: Record<string, unknown> = {}): Json {
  return synthJson(networkStack({ region: REGION, availabilityZones: azs(REGION, letters), ...extra }));
}

/** Resource body by "type.name" address. */
function byAddress(json: Json): Map<string, Json> {
  const m = new Map<string, Json>();
  for (const [type, resources] of Object.entries(json.resource as Json)) {
    for (const [name, body] of Object.entries(resources as Json)) m.set(`${type}.${name}`, body as Json);
  }
  return m;
}

/**
 * The AZ each route serves, derived only from the JSON's references:
 * route -> route table -> associated subnet -> its availability_zone. Edge routes (route table
 * associated with a gateway) serve the AZ of the subnet whose CIDR is their destination.
 */
function routeAzs(json: Json) {
  const resources = byAddress(json);
  const subnetOfTable = new Map<string, string>();
  const edgeTables = new Set<string>();
  for (const [, a] of resourcesOf(json, "aws_route_table_association")) {
    const table = referencedAddress(a.route_table_id)!;
    if (a.subnet_id) subnetOfTable.set(table, referencedAddress(a.subnet_id)!);
    if (a.gateway_id) edgeTables.add(table);
  }
  const subnetByCidr = new Map(resourcesOf(json, "aws_subnet").map(([name, s]) => [s.cidr_block, `aws_subnet.${name}`]));
  return resourcesOf(json, "aws_route").map(([name, route]) => {
    const table = referencedAddress(route.route_table_id)!;
    const edge = edgeTables.has(table);
    const subnet = edge ? subnetByCidr.get(route.destination_cidr_block) : subnetOfTable.get(table);
    expect(subnet).toBeDefined();
    return { name, route, edge, subnet: subnet!, az: resources.get(subnet!)!.availability_zone as string, resources };
  });
}

/** The one HCL list literal `setsubtract([...], self.<attr>)` names in a postcondition, as an array. */
function listCheckedAgainst(condition: string, attr: string): string[] {
  const m = new RegExp(`^\\$\\{length\\(setsubtract\\((\\[[^\\]]*\\]), self\\.${attr}\\)\\) == 0\\}$`).exec(condition);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]) as string[];
}

/** Workload subnet address ("aws_subnet.x") per AZ, from the subnets' own AZ and Tier tag. */
function workloadSubnetsByAz(json: Json): Record<string, string> {
  return Object.fromEntries(
    resourcesOf(json, "aws_subnet")
      .filter(([, s]) => s.tags.Tier === "workload")
      .map(([name, s]) => [s.availability_zone as string, `aws_subnet.${name}`]),
  );
}

/** The contract parameter (by its published name) and its workload_subnet_ids, AZ -> "aws_subnet.x". */
function contractSubnets(json: Json): Record<string, string> {
  const params = resourcesOf(json, "aws_ssm_parameter").filter(([, p]) => p.name === "/sagemaker-studio-anfw/test/network/contract");
  expect(params).toHaveLength(1);
  const [[, param]] = params;
  expect(param.type).toBe("String");
  expect(param.value).toMatch(/^\$\{jsonencode\(\{.*\}\)\}$/s);
  const body = /"workload_subnet_ids" = \{([^}]*)\}/.exec(param.value);
  expect(body).not.toBeNull();
  return Object.fromEntries([...body![1].matchAll(/"([^"]+)" = ([a-z0-9_]+\.[^.\s,}]+)\.id/g)].map((m) => [m[1], m[2]]));
}

describe.each([
  ["1 AZ", "a"],
  ["3 AZs", "abc"],
  ["6 AZs", "abcdef"],
])("%s", (_label, letters) => {
  const n = letters.length;
  const json = synthFor(letters);
  const count = (type: string) => resourcesOf(json, type).length;

  test("one lane per AZ plus the shared resources", () => {
    expect(count("aws_vpc")).toBe(1);
    expect(count("aws_internet_gateway")).toBe(1);
    expect(count("aws_networkfirewall_firewall")).toBe(1);
    expect(count("aws_subnet")).toBe(3 * n);
    expect(count("aws_route_table")).toBe(3 * n + 1); // + the IGW edge route table
    expect(count("aws_route_table_association")).toBe(3 * n + 1);
    expect(count("aws_route")).toBe(4 * n); // 3 default routes + 1 edge return route per AZ
    expect(count("aws_nat_gateway")).toBe(n);
    expect(count("aws_eip")).toBe(n);
    const [, firewall] = resourcesOf(json, "aws_networkfirewall_firewall")[0];
    expect(firewall.subnet_mapping).toHaveLength(n);
  });

  test("every AZ has exactly one firewall, NAT and workload subnet", () => {
    const tiers = resourcesOf(json, "aws_subnet").map(([, s]) => `${s.availability_zone}/${s.tags.Tier}`);
    expect(tiers.sort()).toEqual(azs(REGION, letters).flatMap((a) => [`${a}/firewall`, `${a}/nat`, `${a}/workload`]).sort());
  });

  test("every route's target is in the route's own AZ", () => {
    const routes = routeAzs(json);
    for (const { route, az, edge, subnet, resources } of routes) {
      const tier = resources.get(subnet)!.tags.Tier;
      if (route.nat_gateway_id) {
        // workload -> the NAT gateway in the same AZ
        expect(tier).toBe("workload");
        const nat = resources.get(referencedAddress(route.nat_gateway_id)!)!;
        expect(resources.get(referencedAddress(nat.subnet_id)!)!.availability_zone).toBe(az);
      } else if (route.vpc_endpoint_id) {
        // NAT subnet egress and IGW edge return -> the firewall endpoint of the same AZ
        expect(tier).toBe("nat");
        expect(route.vpc_endpoint_id).toMatch(new RegExp(`^\\$\\{local\\.[^\\[]+\\["${az}"\\]\\}$`));
      } else {
        // firewall subnet -> internet gateway
        expect(edge).toBe(false);
        expect(tier).toBe("firewall");
        expect(referencedAddress(route.gateway_id)).toMatch(/^aws_internet_gateway\./);
      }
      if (!edge) expect(route.destination_cidr_block).toBe("0.0.0.0/0");
    }
    expect(routes.filter((r) => r.edge)).toHaveLength(n);
    expect(new Set(routes.filter((r) => r.route.vpc_endpoint_id && !r.edge).map((r) => r.az)).size).toBe(n);
  });

  test("plan-time checks: a postcondition that every configured AZ is available", () => {
    const zones = Object.values((json.data?.aws_availability_zones ?? {}) as Json);
    expect(zones).toHaveLength(1);
    const [check] = zones;
    expect(check.state).toBe("available");
    expect(check.lifecycle.postcondition).toHaveLength(1);
    const [post] = check.lifecycle.postcondition;
    expect(listCheckedAgainst(post.condition, "names").sort()).toEqual(azs(REGION, letters).sort());
    expect(post.error_message).toContain("config/test.json");
  });

  test("plan-time checks: a postcondition for every interface endpoint's service in every AZ", () => {
    // every configured interface service; no SageMaker UI service by default (studio.uiEndpoint, notebook.uiEndpoint are off)
    const interfaceServices = resourcesOf(json, "aws_vpc_endpoint")
      .filter(([, e]) => e.vpc_endpoint_type === "Interface")
      .map(([, e]) => e.service_name as string);
    expect(interfaceServices.filter((s) => s.startsWith("aws.sagemaker."))).toEqual([]);
    const checks = Object.values((json.data?.aws_vpc_endpoint_service ?? {}) as Json);
    expect(checks.map((c) => c.service_name).sort()).toEqual([...interfaceServices].sort());
    for (const check of checks) {
      expect(check.service_type).toBe("Interface");
      expect(check.lifecycle.postcondition).toHaveLength(1);
      const [post] = check.lifecycle.postcondition;
      expect(listCheckedAgainst(post.condition, "availability_zones").sort()).toEqual(azs(REGION, letters).sort());
      expect(post.error_message).toContain(check.service_name);
    }
    // Nothing in the checks' arguments is computed, so Terraform reads them (and fails) at plan time.
    for (const check of [...checks, ...Object.values((json.data?.aws_availability_zones ?? {}) as Json)]) {
      const { lifecycle: _lifecycle, ...args } = check;
      expect(JSON.stringify(args)).not.toContain("${");
    }
  });

  test("the published contract holds every AZ's workload subnet", () => {
    const expected = workloadSubnetsByAz(json);
    expect(Object.keys(expected).sort()).toEqual(azs(REGION, letters).sort());
    expect(contractSubnets(json)).toEqual(expected);
  });
});

describe("the SageMaker UI endpoint services, when configured, are checked at plan time where their endpoints go", () => {
  const json = synthFor("abc", withNotebook({ studio: { uiEndpoint: true }, notebook: { uiEndpoint: true, availabilityZone: "us-east-1b" } }));
  const checks = Object.values((json.data?.aws_vpc_endpoint_service ?? {}) as Json);
  const check = (name: string) => checks.find((c) => c.service_name === name)!;

  test("studio in every AZ, the notebook in its own AZ only, each message naming the field that asked for it", () => {
    const studio = check("aws.sagemaker.us-east-1.studio").lifecycle.postcondition[0];
    expect(listCheckedAgainst(studio.condition, "availability_zones").sort()).toEqual(azs(REGION, "abc"));
    expect(studio.error_message).toMatch(/^studio\.uiEndpoint \(aws\.sagemaker\.us-east-1\.studio\) is not offered in .*turn studio\.uiEndpoint off/);
    const notebook = check("aws.sagemaker.us-east-1.notebook").lifecycle.postcondition[0];
    expect(listCheckedAgainst(notebook.condition, "availability_zones")).toEqual(["us-east-1b"]);
    expect(notebook.error_message).toMatch(/^notebook\.uiEndpoint .*Remove that AZ from notebook\.availabilityZone in config\/test\.json or turn notebook\.uiEndpoint off/);
  });

  test("the network stack never creates them (they live in the workload stacks)", () => {
    expect(resourcesOf(json, "aws_vpc_endpoint").filter(([, e]) => String(e.service_name).startsWith("aws.sagemaker."))).toEqual([]);
  });
});

describe("3-AZ network details", () => {
  const synthesized = Testing.synth(networkStack({ region: REGION }));
  const json: Json = JSON.parse(synthesized);
  const [firewallName] = resourcesOf(json, "aws_networkfirewall_firewall")[0];

  test("the AZ -> endpoint map is a for-expression over the firewall's sync_states", () => {
    const locals = Object.values(json.locals as Record<string, string>);
    const map = locals.find((l) => l.includes("sync_states"));
    expect(map).toBeDefined();
    const compact = map!.replace(/\s+/g, " ");
    expect(compact).toContain(`aws_networkfirewall_firewall.${firewallName}.firewall_status[0].sync_states`);
    expect(compact).toMatch(/: val\.availability_zone => val\.attachment\[0\]\.endpoint_id \}/);
    // and the routes and the output use that map, not a positional lookup
    expect(JSON.stringify(json)).not.toMatch(/sync_states\[\d\]|endpoint_ids\[\d\]/);
    expect(json.output.firewall_endpoint_ids.value).toMatch(/^\$\{local\.[^}]+\}$/);
  });

  test("VPC has DNS support and hostnames on", () => {
    expect(synthesized).toHaveResourceWithProperties({ tfResourceType: "aws_vpc" }, { cidr_block: "10.2.0.0/16", enable_dns_support: true, enable_dns_hostnames: true });
  });

  test("the default security group is adopted with no rules", () => {
    const [[, sg]] = resourcesOf(json, "aws_default_security_group");
    expect(sg.ingress).toEqual([]);
    expect(sg.egress).toEqual([]);
  });

  test("no subnet maps public IPs", () => {
    for (const [, s] of resourcesOf(json, "aws_subnet")) expect(s.map_public_ip_on_launch).toBe(false);
  });

  test("the internet gateway's edge route table is associated with the gateway", () => {
    const edge = resourcesOf(json, "aws_route_table_association").filter(([, a]) => a.gateway_id);
    expect(edge).toHaveLength(1);
    expect(referencedAddress(edge[0][1].gateway_id)).toMatch(/^aws_internet_gateway\./);
  });

  test("NAT gateways and their EIPs wait for the internet gateway", () => {
    for (const type of ["aws_nat_gateway", "aws_eip"]) {
      for (const [, r] of resourcesOf(json, type)) expect(r.depends_on).toEqual([expect.stringMatching(/^aws_internet_gateway\./)]);
    }
  });

  test("firewall policy forwards all stateless traffic, fragments included, to protocol hygiene, then the allowlist, then the refusals", () => {
    const [[, policy]] = resourcesOf(json, "aws_networkfirewall_firewall_policy");
    const groupNamed = (suffix: string) => resourcesOf(json, "aws_networkfirewall_rule_group").find(([, g]) => g.name.endsWith(suffix))![0];
    expect(policy.firewall_policy.stateless_default_actions).toEqual(["aws:forward_to_sfe"]);
    expect(policy.firewall_policy.stateless_fragment_default_actions).toEqual(["aws:forward_to_sfe"]);
    // strict order: the lower priority is evaluated first
    expect(policy.firewall_policy.stateful_rule_group_reference).toEqual([
      { resource_arn: `\${aws_networkfirewall_rule_group.${groupNamed("-protocol-hygiene")}.arn}`, priority: 150 },
      { resource_arn: `\${aws_networkfirewall_rule_group.${groupNamed("-domain-allowlist")}.arn}`, priority: 200 },
      { resource_arn: `\${aws_networkfirewall_rule_group.${groupNamed("-test-refusals")}.arn}`, priority: 300 },
    ]);
  });

  test("protocol hygiene: logs every ClientHello and HTTP request, then refuses tunnels, IP literals, protocol/port mismatches, UDP and ICMP", () => {
    const [, group] = resourcesOf(json, "aws_networkfirewall_rule_group").find(([, g]) => g.name.endsWith("-protocol-hygiene"))!;
    const rules: string[] = group.rule_group.rules_source.rules_string.trim().split("\n");
    const has = (re: RegExp) => expect({ rule: rules.find((r) => re.test(r)) ?? "missing", re: String(re) }).toEqual({ rule: expect.stringMatching(re), re: String(re) });
    // alert (logs, does not stop evaluation) before anything decides
    expect(rules.slice(0, 2).every((r) => r.startsWith("alert "))).toBe(true);
    // every ClientHello and every request, whatever its name (none, no dot, an IP literal): keyed on
    // the ClientHello being complete and the request's headers being read, not on the name's shape
    has(/^alert tls \$HOME_NET any -> any any \(.*flow:to_server; ssl_state:client_hello; sid:9100001; rev:2;\)$/);
    has(/^alert http \$HOME_NET any -> any any \(.*flow:to_server; http\.header_names; content:"\|0d 0a\|"; startswith; sid:9100002; rev:2;\)$/);
    expect(rules.slice(0, 2).join("\n")).not.toMatch(/tls\.sni|http\.host/);
    has(/^reject http .*http\.method; content:"CONNECT"/);
    has(/^reject tls .*tls\.sni; pcre:/);
    has(/^reject http .*http\.host; pcre:/);
    has(/^reject tls \$HOME_NET any -> any !443 /);
    has(/^reject tcp \$HOME_NET any -> any 443 .*app-layer-protocol:!tls/);
    has(/^reject http \$HOME_NET any -> any !80 /);
    has(/^reject tcp \$HOME_NET any -> any 80 .*app-layer-protocol:!http/);
    has(/^drop udp \$HOME_NET any -> any /);
    has(/^drop icmp \$HOME_NET any -> any /);
    // Suricata leaves bytes it cannot place "unknown", which app-layer-protocol:! never matches: the
    // first bytes of the client's stream must be a TLS record (0x16 0x03) on 443, a request line on 80
    // (a TLS handshake record starts 0x16 0x03; a method's first letter is A-Z, 65-90)
    has(/^reject tcp \$HOME_NET any -> any 443 \(.*flow:established,to_server,only_stream;.* content:!"\|16\|"; depth:1;.* sid:9100012;/);
    has(/^reject tcp \$HOME_NET any -> any 443 \(.*flow:established,to_server,only_stream;.* content:"\|16\|"; depth:1; byte_test:1,!=,3,1;.* sid:9100015;/);
    has(/^reject tcp \$HOME_NET any -> any 80 \(.*flow:established,to_server,only_stream;.* byte_test:1,<,65,0;.* sid:9100013;/);
    has(/^reject tcp \$HOME_NET any -> any 80 \(.*flow:established,to_server,only_stream;.* byte_test:1,>,90,0;.* sid:9100016;/);
    // a first TLS record longer than a ClientHello; requests other than HTTP/1.1 (they may have no header)
    has(/^reject tcp \$HOME_NET any -> any 443 \(.*content:"\|16 03\|"; depth:2; byte_test:2,>,8192,3;.* sid:9100014;/);
    has(/^reject http \$HOME_NET any -> any any \(.*http\.request_line; content:!"HTTP\/1\.1"; endswith;.* sid:9100017;/);
    const sids = rules.map((r) => /sid:(\d+);/.exec(r)?.[1]);
    expect(new Set(sids).size).toBe(rules.length);
    expect(sids.every((sid) => Number(sid) >= 9100001 && Number(sid) <= 9100099)).toBe(true);
    expect(group.rule_group.stateful_rule_options).toEqual({ rule_order: "STRICT_ORDER" });
  });

  test("refusals, after the allowlist: a TCP reset for TLS and HTTP it did not pass, and for flows with no allowed name after 16 KB", () => {
    const groups = resourcesOf(json, "aws_networkfirewall_rule_group").filter(([, g]) => g.name.endsWith("-refusals"));
    expect(groups.map(([, g]) => g.name)).toEqual(["sagemaker-studio-anfw-test-refusals"]);
    const [[address, group]] = groups;
    expect(group).toMatchObject({
      type: "STATEFUL",
      capacity: 100,
      encryption_configuration: { type: "CUSTOMER_KMS", key_id: expect.stringMatching(/^\$\{aws_kms_key\.network-key_[0-9A-F]+\.arn\}$/) },
      rule_group: {
        stateful_rule_options: { rule_order: "STRICT_ORDER" },
        rule_variables: { ip_sets: [{ key: "HOME_NET", ip_set: { definition: ["10.2.0.0/16"] } }] },
      },
    });
    // evaluated after the allowlist (strict order: the lower priority first), so it sees only what the allowlist did not pass
    const [[, policy]] = resourcesOf(json, "aws_networkfirewall_firewall_policy");
    const priorityOf = (ref: string) => policy.firewall_policy.stateful_rule_group_reference.find((r: Json) => r.resource_arn === `\${${ref}.arn}`)?.priority;
    const allowlist = resourcesOf(json, "aws_networkfirewall_rule_group").find(([, g]) => g.name.endsWith("-domain-allowlist"))![0];
    expect({ allowlist: priorityOf(`aws_networkfirewall_rule_group.${allowlist}`), refusals: priorityOf(`aws_networkfirewall_rule_group.${address}`) }).toEqual({ allowlist: 200, refusals: 300 });
    const rules: string[] = group.rule_group.rules_source.rules_string.trim().split("\n");
    expect(rules).toEqual([
      // a complete ClientHello (its SNI read) that no allowlist rule passed
      expect.stringMatching(/^reject tls \$HOME_NET any -> any any \(.*flow:to_server; ssl_state:client_hello; sid:9100050; rev:1;\)$/),
      // an HTTP request whose headers are read (its Host known) that no allowlist rule passed
      expect.stringMatching(/^reject http \$HOME_NET any -> any any \(.*flow:to_server; http\.header_names; content:"\|0d 0a\|"; startswith; sid:9100051; rev:1;\)$/),
      // the bound on what the application-layer default lets through while it waits for a name
      expect.stringMatching(/^reject tcp \$HOME_NET any -> any any \(.*flow:established,to_server; stream_size:client,>,16384; sid:9100052; rev:1;\)$/),
      // server data on a flow nothing passed (the server-directed default never drops the server's packets);
      // counted by the stream, so a keepalive probe's old byte is not data
      expect.stringMatching(/^reject tcp any any -> \$HOME_NET any \(.*flow:established,to_client; stream_size:server,>,1; sid:9100053; rev:1;\)$/),
      // the end of an HTTP request without any header line (no Host, no "headers read" for the rules above)
      expect.stringMatching(/^reject tcp \$HOME_NET any -> any any \(.*flow:established,to_server,only_stream; app-layer-protocol:http; content:"\|0d 0a 0d 0a\|"; sid:9100054; rev:1;\)$/),
    ]);
  });

  test("strict rule order, and by default what nothing decided is dropped (and alerted) once its application layer is read, towards the server", () => {
    const [[, policy]] = resourcesOf(json, "aws_networkfirewall_firewall_policy");
    expect(policy.firewall_policy.stateful_engine_options).toEqual({ rule_order: "STRICT_ORDER", stream_exception_policy: "DROP" });
    expect(policy.firewall_policy.stateful_default_actions).toEqual(["aws:drop_established_app_layer_to_server", "aws:alert_established_app_layer_to_server"]);
    for (const [, group] of resourcesOf(json, "aws_networkfirewall_rule_group")) {
      expect(group.rule_group.stateful_rule_options).toEqual({ rule_order: "STRICT_ORDER" });
    }
  });

  test("the allowlist rule group covers HTTP Host and TLS SNI for the configured domains, HOME_NET = VPC", () => {
    expect(synthesized).toHaveResourceWithProperties(
      { tfResourceType: "aws_networkfirewall_rule_group" },
      {
        type: "STATEFUL",
        capacity: 100,
        name: "sagemaker-studio-anfw-test-domain-allowlist",
        rule_group: {
          stateful_rule_options: { rule_order: "STRICT_ORDER" },
          rule_variables: { ip_sets: [{ key: "HOME_NET", ip_set: { definition: ["10.2.0.0/16"] } }] },
          rules_source: {
            rules_source_list: {
              generated_rules_type: "ALLOWLIST",
              target_types: ["HTTP_HOST", "TLS_SNI"],
              targets: ["pypi.org", "files.pythonhosted.org", "repo.anaconda.com", "conda.anaconda.org", "api.kaggle.com", "www.kaggle.com"],
            },
          },
        },
      },
    );
  });

  test("no custom resources of any kind", () => {
    const text = JSON.stringify(json);
    for (const forbidden of ["null_resource", "local-exec", "provisioner", "aws_lambda", "aws_cloudformation_stack", "terraform_data"]) {
      expect(text).not.toContain(forbidden);
    }
    expect(Object.keys(json.data ?? {})).not.toContain("external");
  });
});

test("the project's own Suricata rules pass the checker users' rules go through (AWS's caveats included: pcre only beside content or a sticky buffer)", () => {
  for (const rules of [PROTOCOL_HYGIENE_RULES, protocolHygieneRules(true), REFUSAL_RULES, refusalRules(true)]) {
    const parsed = parseSuricataRules(rules.join("\n"));
    expect(parsed.problems).toEqual([]);
    expect(parsed.rules).toHaveLength(rules.length);
  }
});

describe("firewall.statefulDefaultAction", () => {
  const warningsOf = (stack: ReturnType<typeof networkStack>) =>
    stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => ({ path: c.node.path, text: String(m.data) })));

  // AWS's names, written out here (Network Firewall developer guide, stateful default actions)
  test.each([
    [{}, ["aws:drop_established_app_layer_to_server", "aws:alert_established_app_layer_to_server"]],
    [{ statefulDefaultAction: "drop_established_app_layer_to_server" }, ["aws:drop_established_app_layer_to_server", "aws:alert_established_app_layer_to_server"]],
    [{ statefulDefaultAction: "drop_established_app_layer" }, ["aws:drop_established_app_layer", "aws:alert_established_app_layer"]],
    [{ statefulDefaultAction: "drop_established" }, ["aws:drop_established", "aws:alert_established"]],
  ])("%j: the policy's stateful default actions are the drop and its alert twin %j", (firewall, expected) => {
    const json = synthJson(networkStack({ region: REGION, firewall }));
    const [[, policy]] = resourcesOf(json, "aws_networkfirewall_firewall_policy");
    expect(policy.firewall_policy.stateful_default_actions).toEqual(expected);
    // nothing else of the policy depends on it: the same name, rule groups and engine options
    expect(policy.name).toBe("sagemaker-studio-anfw-test-firewall-policy");
    expect(policy.firewall_policy.stateful_rule_group_reference.map((r: Json) => r.priority)).toEqual([150, 200, 300]);
  });

  test('"drop_established" warns at synth, on the policy, naming the file, the field and what breaks; the other actions do not', () => {
    // block mode: the DNS firewall's alert-mode warning is tested with the DNS firewall
    const legacy = networkStack({ region: REGION, firewall: { statefulDefaultAction: "drop_established" }, dnsFirewall: { mode: "block" } });
    expect(warningsOf(legacy)).toEqual([
      {
        path: "test-network/network/inspection/policy",
        text: expect.stringMatching(/^config\/test\.json: firewall\.statefulDefaultAction: "drop_established" .*ClientHello split over two TCP segments.*OpenSSL 3\.5.*before the firewall reads its SNI: pip, conda and git .*fail even for allowed names/),
      },
    ]);
    for (const firewall of [{}, { statefulDefaultAction: "drop_established_app_layer" }, { statefulDefaultAction: "drop_established_app_layer_to_server" }]) {
      expect({ firewall, warnings: warningsOf(networkStack({ region: REGION, firewall, dnsFirewall: { mode: "block" } })) }).toEqual({ firewall, warnings: [] });
    }
  });
});

describe("adding, removing or reordering AZs leaves the other AZs' resources byte-identical", () => {
  /** Every resource of the AZ's lane (construct path network/<az>/...), keyed by its address. */
  function laneResources(json: Json, az: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [address, body] of byAddress(json)) {
      if (address.includes(`.network_${az}_`)) out.set(address, JSON.stringify(body));
    }
    return out;
  }

  const base = synthFor("abc");
  test.each([
    ["reordered", "cab"],
    ["one removed", "ac"],
    ["one added", "abcd"],
    ["one added in front", "fabc"],
  ])("%s (%s)", (_label, letters) => {
    const changed = synthFor(letters);
    const common = [..."abc"].filter((l) => letters.includes(l)).map((l) => `${REGION}${l}`);
    for (const az of common) {
      const before = laneResources(base, az);
      // 3 subnets, 3 route tables, 3 associations, 3 default routes, the edge return route, EIP, NAT
      expect(before.size).toBe(15);
      expect(laneResources(changed, az)).toEqual(before);
    }
  });
});

describe("retained data: storage.preventDestroy (default on)", () => {
  // Studio (default) and the notebook enabled: data, models, notebook and the access-log bucket.
  const cfg = withNotebook({ region: REGION });
  const kept = synthJson(networkStack(cfg));
  const released = synthJson(networkStack({ ...cfg, storage: { preventDestroy: false } }));

  /** The key behind alias/<prefix>-<purpose>, found through the alias's target_key_id. */
  function keyByAlias(json: Json, purpose: string): Json {
    const aliases = resourcesOf(json, "aws_kms_alias").filter(([, a]) => a.name === `alias/sagemaker-studio-anfw-test-${purpose}`);
    expect(aliases).toHaveLength(1);
    const address = referencedAddress(aliases[0][1].target_key_id)!;
    expect(address).toMatch(/^aws_kms_key\./);
    return json.resource.aws_kms_key[address.split(".")[1]];
  }

  /** The bucket every other bucket's server access logs go to. */
  function accessLogBucket(json: Json): string {
    const targets = new Set(resourcesOf(json, "aws_s3_bucket_logging").map(([, l]) => referencedAddress(l.target_bucket)));
    expect(targets.size).toBe(1);
    return [...targets][0]!.split(".")[1];
  }

  test("all four buckets are there", () => {
    expect(resourcesOf(kept, "aws_s3_bucket").map(([, b]) => (b.bucket as string).split("-").pop()).sort()).toEqual(["data", "logs", "models", "notebook"]);
  });

  test("by default every bucket and the S3 and Studio-storage keys carry prevent_destroy", () => {
    for (const [, bucket] of resourcesOf(kept, "aws_s3_bucket")) expect(bucket.lifecycle?.prevent_destroy).toBe(true);
    for (const purpose of ["s3", "studio-storage"]) expect(keyByAlias(kept, purpose).lifecycle?.prevent_destroy).toBe(true);
  });

  test("with storage.preventDestroy false, none of them does", () => {
    expect(resourcesOf(released, "aws_s3_bucket")).toHaveLength(4);
    for (const [, bucket] of resourcesOf(released, "aws_s3_bucket")) expect(bucket.lifecycle?.prevent_destroy).toBeFalsy();
    for (const purpose of ["s3", "studio-storage"]) expect(keyByAlias(released, purpose).lifecycle?.prevent_destroy).toBeFalsy();
  });

  test("only the access-log bucket may be emptied by destroy, and only when preventDestroy is false", () => {
    for (const [json, logsForceDestroy] of [
      [kept, false],
      [released, true],
    ] as const) {
      const logs = accessLogBucket(json);
      for (const [name, bucket] of resourcesOf(json, "aws_s3_bucket")) {
        expect({ name, force_destroy: bucket.force_destroy }).toEqual({ name, force_destroy: name === logs ? logsForceDestroy : false });
      }
    }
  });
});

describe("bucket policies: the VPC-endpoint-only deny never locks out HeadBucket", () => {
  const json = synthJson(networkStack(withNotebook({ region: REGION })));

  /** IAM action matching: case-insensitive, `*` and `?` wildcards. */
  const matches = (pattern: string, action: string) =>
    new RegExp(`^${pattern.split("*").map((p) => p.split("?").map((x) => x.replace(/[.+^${}()|[\]\\]/g, "\\$&")).join(".")).join(".*")}$`, "i").test(action);
  const covers = (statement: Json, action: string): boolean =>
    statement.not_actions
      ? !(statement.not_actions as string[]).some((p) => matches(p, action))
      : ((statement.actions ?? []) as string[]).some((p) => matches(p, action));
  const isVpcEndpointDeny = (statement: Json) =>
    statement.effect === "Deny" && ((statement.condition ?? []) as Json[]).some((c) => /^aws:sourcevpce?$/i.test(c.variable));

  test("the matcher itself", () => {
    expect(covers({ actions: ["s3:GetObject*"] }, "s3:GetObject")).toBe(true);
    expect(covers({ actions: ["s3:List*"] }, "s3:ListBucket")).toBe(true);
    expect(covers({ actions: ["s3:ListBucketVersions"] }, "s3:ListBucket")).toBe(false);
    expect(covers({ not_actions: ["s3:PutObject"] }, "s3:ListBucket")).toBe(true);
  });

  test("every data bucket has the deny; it covers object reads and writes but not s3:ListBucket", () => {
    const buckets = new Map(resourcesOf(json, "aws_s3_bucket").map(([name, b]) => [`aws_s3_bucket.${name}`, b.bucket as string]));
    const withDeny: string[] = [];
    for (const [, policy] of resourcesOf(json, "aws_s3_bucket_policy")) {
      const denies = policyStatements(json, policy.policy).filter(isVpcEndpointDeny);
      if (denies.length > 0) withDeny.push(buckets.get(referencedAddress(policy.bucket)!)!.split("-").pop()!);
      for (const deny of denies) {
        expect(covers(deny, "s3:ListBucket")).toBe(false);
        for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) expect(covers(deny, action)).toBe(true);
      }
    }
    expect(withDeny.sort()).toEqual(["data", "models", "notebook"]);
  });
});
