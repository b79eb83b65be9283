/**
 * Layer 3: `terraform test` with the mock AWS provider, on the network stack with its AZs listed
 * out of order. Proves what the JSON alone cannot:
 * - routing: with the firewall's sync_states in yet another order, after apply every NAT-subnet
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
import { GeneratedTest } from "./support/tftest";
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

function writeTest(dir: string, file: string, text: string): void {
  mkdirSync(join(dir, "tests"), { recursive: true });
  writeFileSync(join(dir, "tests", file), text);
}

function runTest(dir: string, file: string) {
  return terraform(dir, ["test", `-filter=tests/${file}`]);
}

/** Writes the test file `generate(json)` makes into `dir`/tests and runs just that file. */
function runGenerated<T extends GeneratedTest>(file: string, generate: (json: Json) => T) {
  return (dir: string, json: Json) => {
    const t = generate(json);
    writeTest(dir, file, t.hcl);
    return { t, result: runTest(dir, file) };
  };
}

/** A copy of a synthesized stack, beside it, with one edit to its JSON (terraform() initialises it when a run is not cached). */
function brokenCopy(dir: string, json: Json, label: string, edit: (json: Json) => void): { dir: string; json: Json } {
  const copy: Json = JSON.parse(JSON.stringify(json));
  edit(copy);
  const brokenDir = join(dir, "..", label);
  mkdirSync(brokenDir, { recursive: true });
  writeFileSync(join(brokenDir, "cdk.tf.json"), JSON.stringify(copy, null, 2));
  return { dir: brokenDir, json: copy };
}

describeWithTerraform("terraform test (mock provider)", () => {
  // `terraform test` destroys what it applied at the end, which prevent_destroy would refuse.
  const dir = synthToDir(networkStack({ availabilityZones: AZS, storage: { preventDestroy: false } }));
  const json = readStackJson(dir);

  describe("routing: each AZ through its own NAT gateway and firewall endpoint", () => {
    const routing = runGenerated("routing.tftest.hcl", (j) => routingTest(j, SYNC_STATES));

    test("every firewall route and the endpoint map resolve per AZ, whatever order sync_states comes in", () => {
      const { t, result } = routing(dir, json);
      expect(t.endpointRoutes).toBe(2 * AZS.length); // NAT subnet egress + IGW edge return, per AZ
      expect(t.assertions).toBe(3 * AZS.length + 1); // + the workload -> NAT route per AZ, + the map output
      expect(result.output).toMatch(/1 passed, 0 failed/);
      expect(result.code).toBe(0);
    });

    test("it fails when one AZ's NAT route points at another AZ's endpoint", () => {
      const broken = brokenCopy(dir, json, "broken-cross-az", (copy) => {
        const [, route] = resourcesOf(copy, "aws_route").find(([n]) => n.includes("us-east-1a_nat_default-route"))!;
        route.vpc_endpoint_id = route.vpc_endpoint_id.replace('["us-east-1a"]', '["us-east-1b"]');
      });
      const { result } = routing(broken.dir, broken.json);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/must use that AZ's firewall endpoint, got vpce-0bbbbbbbbbbbbbbb2/);
    });

    test("it fails on the seed solution's positional lookup (first endpoint for every AZ)", () => {
      const broken = brokenCopy(dir, json, "broken-positional", (copy) => {
        const [[name]] = resourcesOf(copy, "aws_networkfirewall_firewall");
        for (const [, route] of resourcesOf(copy, "aws_route")) {
          if (route.vpc_endpoint_id) {
            route.vpc_endpoint_id = `\${tolist(aws_networkfirewall_firewall.${name}.firewall_status[0].sync_states)[0].attachment[0].endpoint_id}`;
          }
        }
      });
      const { result } = routing(broken.dir, broken.json);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/must use that AZ's firewall endpoint/);
    });
  });

  describe("placement: the endpoints and the contract span one workload subnet per AZ", () => {
    const placement = runGenerated("placement.tftest.hcl", (j) => placementTest(j, SYNC_STATES));

    test("the contract's subnets, the network's 9 interface endpoints and the S3 gateway endpoint", () => {
      const { t, result } = placement(dir, json);
      expect(t.assertions).toBe(2 + 9 + 1);
      expect(result.output).toMatch(/1 passed, 0 failed/);
      expect(result.code).toBe(0);
    });

    test("it fails when the contract publishes a NAT subnet instead of a workload subnet", () => {
      const broken = brokenCopy(dir, json, "broken-contract-subnet", (copy) => {
        const [, param] = resourcesOf(copy, "aws_ssm_parameter").find(([, p]) => p.name.endsWith("/network/contract"))!;
        const [workload] = resourcesOf(copy, "aws_subnet").find(([n]) => n.includes("us-east-1a_workload_subnet"))!;
        const [natSubnet] = resourcesOf(copy, "aws_subnet").find(([n]) => n.includes("us-east-1a_nat_subnet"))!;
        param.value = param.value.replace(`aws_subnet.${workload}.id`, `aws_subnet.${natSubnet}.id`);
      });
      const { result } = placement(broken.dir, broken.json);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/the contract's workload subnets must use exactly one workload subnet in each of/);
    });

    test("it fails when the contract maps an AZ to another AZ's subnet", () => {
      const broken = brokenCopy(dir, json, "broken-contract-az", (copy) => {
        const [, param] = resourcesOf(copy, "aws_ssm_parameter").find(([, p]) => p.name.endsWith("/network/contract"))!;
        const [a] = resourcesOf(copy, "aws_subnet").find(([n]) => n.includes("us-east-1a_workload_subnet"))!;
        const [b] = resourcesOf(copy, "aws_subnet").find(([n]) => n.includes("us-east-1b_workload_subnet"))!;
        param.value = param.value.replace(`aws_subnet.${a}.id`, "SWAP").replace(`aws_subnet.${b}.id`, `aws_subnet.${a}.id`).replace("SWAP", `aws_subnet.${b}.id`);
      });
      const { result } = placement(broken.dir, broken.json);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/the contract must map every AZ to a subnet in that same AZ/);
    });
  });
});

describeWithTerraform("terraform test (mock provider): DNS firewall and firewall policy wiring", () => {
  const dir = synthToDir(networkStack({ availabilityZones: AZS, storage: { preventDestroy: false } }));
  const json = readStackJson(dir);
  const run = runGenerated("dns.tftest.hcl", (j) => dnsAndPolicyTest(j, SYNC_STATES));

  test("the DNS firewall is on this VPC, allow before NXDOMAIN, fail-closed, logged; hygiene before the allowlist", () => {
    const { t, result } = run(dir, json);
    expect(t.assertions).toBe(8);
    expect(result.output).toMatch(/1 passed, 0 failed/);
    expect(result.code).toBe(0);
  });

  test("it fails when the block-everything rule comes first, or the VPC fails open", () => {
    const broken = brokenCopy(dir, json, "broken-dns", (copy) => {
      for (const [, r] of resourcesOf(copy, "aws_route53_resolver_firewall_rule")) r.priority = r.action === "ALLOW" ? 300 : r.priority;
      for (const [, c] of resourcesOf(copy, "aws_route53_resolver_firewall_config")) c.firewall_fail_open = "ENABLED";
    });
    const { result } = run(broken.dir, broken.json);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/the first rule evaluated must allow the allowed names/);
    expect(result.output).toMatch(/must fail closed/);
  });

  test("it fails when the allowlist is evaluated before protocol hygiene", () => {
    const broken = brokenCopy(dir, json, "broken-policy-order", (copy) => {
      const [, policy] = resourcesOf(copy, "aws_networkfirewall_firewall_policy")[0];
      for (const ref of policy.firewall_policy.stateful_rule_group_reference) ref.priority = ref.priority === 150 ? 250 : ref.priority;
    });
    const { result } = run(broken.dir, broken.json);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/protocol hygiene must be evaluated before the domain allowlist/);
  });
});

describeWithTerraform("terraform test (mock provider): the notebook's way out", () => {
  // The notebook goes in the middle AZ of the list, so "the first AZ" or "position 0" would fail.
  const NOTEBOOK_AZ = "us-east-1c";
  const dir = synthToDir(networkStack(withNotebook({ availabilityZones: AZS, storage: { preventDestroy: false } }, NOTEBOOK_AZ)));
  const json = readStackJson(dir);

  const run = runGenerated("notebook.tftest.hcl", (j) => notebookPathTest(j, SYNC_STATES, NOTEBOOK_AZ));

  test("the subnet the contract gives the notebook's AZ routes to that AZ's NAT gateway and firewall endpoint, both ways", () => {
    const { t, result } = run(dir, json);
    expect(t.assertions).toBe(4);
    expect(result.output).toMatch(/1 passed, 0 failed/);
    expect(result.code).toBe(0);
  });

  test("it fails when the notebook's workload route uses another AZ's NAT gateway", () => {
    const broken = brokenCopy(dir, json, "broken-notebook-nat", (copy) => {
      const [, route] = resourcesOf(copy, "aws_route").find(([n]) => n.includes(`${NOTEBOOK_AZ}_workload_default-route`))!;
      const [otherNat] = resourcesOf(copy, "aws_nat_gateway").find(([n]) => n.includes("us-east-1b_nat-gateway"))!;
      route.nat_gateway_id = `\${aws_nat_gateway.${otherNat}.id}`;
    });
    const { result } = run(broken.dir, broken.json);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/must use the NAT gateway of the notebook's AZ/);
  });
});
