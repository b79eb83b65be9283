/**
 * Layer 3: `terraform test` with the mock AWS provider, on the network stack with its AZs listed
 * out of order. Proves what the JSON alone cannot:
 * - routing: with the firewall's sync_states in yet another order, in the plan every NAT-subnet
 *   route and IGW edge route holds its own AZ's endpoint ID, every workload route its own AZ's NAT
 *   gateway, and the map output has one entry per AZ;
 * - placement: every interface endpoint uses exactly one workload subnet per AZ, the S3 gateway
 *   endpoint exactly the workload route tables, and the published contract maps each AZ to its
 *   own workload subnet (what the Studio domain and the notebook use).
 * Broken copies of the stack prove the tests can fail.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Json, networkStack, readStackJson, resourcesOf, synthToDir, withNotebook } from "./support/synth";
import { MockSyncState, routingTest } from "./support/routing-tftest";
import { GeneratedTest, usingModule } from "./support/tftest";
import { placementTest } from "./support/placement-tftest";
import { notebookPathTest } from "./support/notebook-tftest";
import { dnsAndPolicyTest } from "./support/dns-tftest";
import { describeWithTerraform, terraform } from "./support/terraform";

// Configured order b, c, a; AWS reports c, a, b; endpoint IDs sort in yet another order.
const AZS = ["us-east-1b", "us-east-1c", "us-east-1a"];
const SYNC_STATES: MockSyncState[] = [
  { availabilityZone: "us-east-1c", endpointId: "vpce-0aaaaaaaaaaaaaaa3" },
  { availabilityZone: "us-east-1a", endpointId: "vpce-0cccccccccccccc1" },
  { availabilityZone: "us-east-1b", endpointId: "vpce-0bbbbbbbbbbbbbbb2" },
];

/** What one test file of the suite did: its final status and its part of terraform's output. */
interface FileResult {
  readonly passed: boolean;
  /** The final status of each run of the file. */
  readonly runs: string[];
  /** Terraform's messages about the file (status lines, diagnostics with their details), one a line. */
  readonly output: string;
}

/**
 * Every case of this file in ONE `terraform test` process. Terraform loads the AWS provider's
 * schema once per process (about 2 s of CPU) and starts provider plugins for every walk, so a
 * process per case cost about 7 s (with a mock apply and its teardown), where one more file in a
 * shared process costs about 1 s (a plan: support/tftest.ts). The network stack under test is the
 * root configuration; every other configuration (the notebook variant, each broken copy) is a
 * directory under it, which its test file's run plans through `module { source = "./<dir>" }`.
 * Files run one after another, each on its own, so a failing file never affects another. Cases are
 * added while jest collects the tests; the process runs at the first result asked for, through the
 * result cache (the digest covers the whole directory, test files and copies included).
 */
class MockPlanSuite {
  private readonly files = new Set<string>();
  /** terraform's -json messages, one a line of its stdout (once the suite has run). */
  private messages?: Json[];

  constructor(readonly root: string) {}

  /** Writes `json` (backend dropped: only a root configuration has one) to `<root>/<label>`; returns the module source. */
  configuration(label: string, json: Json): string {
    const copy: Json = JSON.parse(JSON.stringify(json));
    delete copy.terraform?.backend;
    mkdirSync(join(this.root, label), { recursive: true });
    writeFileSync(join(this.root, label, "cdk.tf.json"), JSON.stringify(copy, null, 2));
    return `./${label}`;
  }

  /** Adds `tests/<file>`, run against `moduleSource` (default: the root stack). */
  add(file: string, test: GeneratedTest, moduleSource?: string): () => FileResult {
    if (this.messages) throw new Error(`${file}: added after the suite ran`);
    if (this.files.has(file)) throw new Error(`${file}: added twice`);
    this.files.add(file);
    mkdirSync(join(this.root, "tests"), { recursive: true });
    writeFileSync(join(this.root, "tests", file), moduleSource ? usingModule(test.hcl, moduleSource) : test.hcl);
    return () => this.result(file);
  }

  private result(file: string): FileResult {
    // -json: every message names its test file (the text output prints diagnostics on stderr,
    // apart from the file they belong to).
    if (!this.messages) {
      const run = terraform(this.root, ["test", "-json"], { providerServer: true });
      this.messages = run.stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Json);
      if (this.messages.length === 0) throw new Error(`terraform test printed no JSON messages: ${run.output}`);
    }
    const path = `tests/${file}`;
    const messages = this.messages.filter((m) => m["@testfile"] === path);
    const status = messages.filter((m) => m.type === "test_file" && m.test_file?.progress === "complete").map((m) => m.test_file.status);
    if (status.length !== 1) throw new Error(`${path}: no final status in terraform's output: ${JSON.stringify(this.messages)}`);
    const text = messages.map((m) => [m["@message"], m.diagnostic?.detail].filter(Boolean).join(": "));
    const runs = messages.filter((m) => m.type === "test_run" && m.test_run?.progress === "complete").map((m) => m.test_run.status);
    return { passed: status[0] === "pass", runs, output: text.join("\n") };
  }
}

/** The file's one run passed. */
function expectPassed(result: FileResult): void {
  expect(result.runs).toEqual(["pass"]);
  expect(result.passed).toBe(true);
}

/** The file's one run failed its assertions (not an error), with messages matching every pattern. */
function expectFailed(result: FileResult, ...patterns: RegExp[]): void {
  expect(result.passed).toBe(false);
  expect(result.runs).toEqual(["fail"]);
  for (const p of patterns) expect(result.output).toMatch(p);
}

/** A copy of `json` with one edit. */
function edited(json: Json, edit: (json: Json) => void): Json {
  const copy: Json = JSON.parse(JSON.stringify(json));
  edit(copy);
  return copy;
}

// The stacks keep their default prevent_destroy: the runs only plan, so the tests destroy nothing.
const networkDir = synthToDir(networkStack({ availabilityZones: AZS }));
const networkJson = readStackJson(networkDir);
const suite = new MockPlanSuite(networkDir);

describeWithTerraform("terraform test (mock provider)", () => {
  describe("routing: each AZ through its own NAT gateway and firewall endpoint", () => {
    const good = routingTest(networkJson, SYNC_STATES);
    const routing = suite.add("routing.tftest.hcl", good);
    const crossAz = edited(networkJson, (copy) => {
      const [, route] = resourcesOf(copy, "aws_route").find(([n]) => n.includes("us-east-1a_nat_default-route"))!;
      route.vpc_endpoint_id = route.vpc_endpoint_id.replace('["us-east-1a"]', '["us-east-1b"]');
    });
    const brokenCrossAz = suite.add("broken-cross-az.tftest.hcl", routingTest(crossAz, SYNC_STATES), suite.configuration("broken-cross-az", crossAz));
    const positional = edited(networkJson, (copy) => {
      const [[name]] = resourcesOf(copy, "aws_networkfirewall_firewall");
      for (const [, route] of resourcesOf(copy, "aws_route")) {
        if (route.vpc_endpoint_id) {
          route.vpc_endpoint_id = `\${tolist(aws_networkfirewall_firewall.${name}.firewall_status[0].sync_states)[0].attachment[0].endpoint_id}`;
        }
      }
    });
    const brokenPositional = suite.add("broken-positional.tftest.hcl", routingTest(positional, SYNC_STATES), suite.configuration("broken-positional", positional));

    test("every firewall route and the endpoint map resolve per AZ, whatever order sync_states comes in", () => {
      expect(good.endpointRoutes).toBe(2 * AZS.length); // NAT subnet egress + IGW edge return, per AZ
      expect(good.assertions).toBe(3 * AZS.length + 1); // + the workload -> NAT route per AZ, + the map output
      expectPassed(routing());
    });

    test("it fails when one AZ's NAT route points at another AZ's endpoint", () => {
      expectFailed(brokenCrossAz(), /must use that AZ's firewall endpoint, got vpce-0bbbbbbbbbbbbbbb2/);
    });

    test("it fails on the seed solution's positional lookup (first endpoint for every AZ)", () => {
      expectFailed(brokenPositional(), /must use that AZ's firewall endpoint/);
    });
  });

  describe("placement: the endpoints and the contract span one workload subnet per AZ", () => {
    const good = placementTest(networkJson, SYNC_STATES);
    const placement = suite.add("placement.tftest.hcl", good);
    const contract = (copy: Json) => resourcesOf(copy, "aws_ssm_parameter").find(([, p]) => p.name.endsWith("/network/contract"))![1];
    const subnet = (copy: Json, part: string) => resourcesOf(copy, "aws_subnet").find(([n]) => n.includes(part))![0];
    const natSubnetInContract = edited(networkJson, (copy) => {
      const param = contract(copy);
      param.value = param.value.replace(`aws_subnet.${subnet(copy, "us-east-1a_workload_subnet")}.id`, `aws_subnet.${subnet(copy, "us-east-1a_nat_subnet")}.id`);
    });
    const brokenSubnet = suite.add(
      "broken-contract-subnet.tftest.hcl",
      placementTest(natSubnetInContract, SYNC_STATES),
      suite.configuration("broken-contract-subnet", natSubnetInContract),
    );
    const swappedAzs = edited(networkJson, (copy) => {
      const param = contract(copy);
      const [a, b] = [subnet(copy, "us-east-1a_workload_subnet"), subnet(copy, "us-east-1b_workload_subnet")];
      param.value = param.value.replace(`aws_subnet.${a}.id`, "SWAP").replace(`aws_subnet.${b}.id`, `aws_subnet.${a}.id`).replace("SWAP", `aws_subnet.${b}.id`);
    });
    const brokenAz = suite.add("broken-contract-az.tftest.hcl", placementTest(swappedAzs, SYNC_STATES), suite.configuration("broken-contract-az", swappedAzs));

    test("the contract's subnets, the network's 9 interface endpoints and the S3 gateway endpoint", () => {
      expect(good.assertions).toBe(2 + 9 + 1);
      expectPassed(placement());
    });

    test("it fails when the contract publishes a NAT subnet instead of a workload subnet", () => {
      expectFailed(brokenSubnet(), /the contract's workload subnets must use exactly one workload subnet in each of/);
    });

    test("it fails when the contract maps an AZ to another AZ's subnet", () => {
      expectFailed(brokenAz(), /the contract must map every AZ to a subnet in that same AZ/);
    });
  });
});

describeWithTerraform("terraform test (mock provider): DNS firewall and firewall policy wiring", () => {
  const good = dnsAndPolicyTest(networkJson, SYNC_STATES);
  const dns = suite.add("dns.tftest.hcl", good);
  const dnsBroken = edited(networkJson, (copy) => {
    for (const [, r] of resourcesOf(copy, "aws_route53_resolver_firewall_rule")) r.priority = r.action === "ALLOW" ? 300 : r.priority;
    for (const [, c] of resourcesOf(copy, "aws_route53_resolver_firewall_config")) c.firewall_fail_open = "ENABLED";
  });
  const brokenDns = suite.add("broken-dns.tftest.hcl", dnsAndPolicyTest(dnsBroken, SYNC_STATES), suite.configuration("broken-dns", dnsBroken));
  const policyOrder = edited(networkJson, (copy) => {
    const [, policy] = resourcesOf(copy, "aws_networkfirewall_firewall_policy")[0];
    for (const ref of policy.firewall_policy.stateful_rule_group_reference) ref.priority = ref.priority === 150 ? 250 : ref.priority;
  });
  const brokenOrder = suite.add("broken-policy-order.tftest.hcl", dnsAndPolicyTest(policyOrder, SYNC_STATES), suite.configuration("broken-policy-order", policyOrder));

  test("the DNS firewall is on this VPC, allow before NXDOMAIN, fail-closed, logged; hygiene before the allowlist", () => {
    expect(good.assertions).toBe(8);
    expectPassed(dns());
  });

  test("it fails when the block-everything rule comes first, or the VPC fails open", () => {
    expectFailed(brokenDns(), /the first rule evaluated must allow the allowed names/, /must fail closed/);
  });

  test("it fails when the allowlist is evaluated before protocol hygiene", () => {
    expectFailed(brokenOrder(), /protocol hygiene must be evaluated before the domain allowlist/);
  });
});

describeWithTerraform("terraform test (mock provider): the notebook's way out", () => {
  // The notebook goes in the middle AZ of the list, so "the first AZ" or "position 0" would fail.
  const NOTEBOOK_AZ = "us-east-1c";
  const json = readStackJson(synthToDir(networkStack(withNotebook({ availabilityZones: AZS }, NOTEBOOK_AZ))));
  const good = notebookPathTest(json, SYNC_STATES, NOTEBOOK_AZ);
  const notebook = suite.add("notebook.tftest.hcl", good, suite.configuration("notebook-network", json));
  const otherNat = edited(json, (copy) => {
    const [, route] = resourcesOf(copy, "aws_route").find(([n]) => n.includes(`${NOTEBOOK_AZ}_workload_default-route`))!;
    const [nat] = resourcesOf(copy, "aws_nat_gateway").find(([n]) => n.includes("us-east-1b_nat-gateway"))!;
    route.nat_gateway_id = `\${aws_nat_gateway.${nat}.id}`;
  });
  const brokenNat = suite.add("broken-notebook-nat.tftest.hcl", notebookPathTest(otherNat, SYNC_STATES, NOTEBOOK_AZ), suite.configuration("broken-notebook-nat", otherNat));

  test("the subnet the contract gives the notebook's AZ routes to that AZ's NAT gateway and firewall endpoint, both ways", () => {
    expect(good.assertions).toBe(4);
    expectPassed(notebook());
  });

  test("it fails when the notebook's workload route uses another AZ's NAT gateway", () => {
    expectFailed(brokenNat(), /must use the NAT gateway of the notebook's AZ/);
  });
});
