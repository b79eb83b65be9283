/**
 * Layer 3: `terraform test` with the mock AWS provider. The firewall's sync_states are overridden
 * in an order unrelated to the configured AZ list; after apply every NAT-subnet route and every
 * IGW edge route must hold the endpoint ID of its own AZ, and the map output one entry per AZ.
 * Two deliberately broken copies of the stack prove the test can fail.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Json, readStackJson, resourcesOf, studioStack, synthToDir } from "./support/synth";
import { MockSyncState, routingTest } from "./support/routing-tftest";
import { describeWithTerraform, terraform, terraformInit } from "./support/terraform";

// Configured order b, c, a; AWS reports c, a, b; endpoint IDs sort in yet another order.
const AZS = ["us-east-1b", "us-east-1c", "us-east-1a"];
const SYNC_STATES: MockSyncState[] = [
  { availabilityZone: "us-east-1c", endpointId: "vpce-0aaaaaaaaaaaaaaa3" },
  { availabilityZone: "us-east-1a", endpointId: "vpce-0cccccccccccccc1" },
  { availabilityZone: "us-east-1b", endpointId: "vpce-0bbbbbbbbbbbbbbb2" },
];

function runRoutingTest(dir: string, json: Json) {
  const test = routingTest(json, SYNC_STATES);
  mkdirSync(join(dir, "tests"), { recursive: true });
  writeFileSync(join(dir, "tests", "routing.tftest.hcl"), test.hcl);
  return { test, result: terraform(dir, ["test"]) };
}

describeWithTerraform("terraform test (mock provider): routes resolve to their own AZ's endpoint", () => {
  const dir = synthToDir(studioStack({ availabilityZones: AZS }));
  const json = readStackJson(dir);
  beforeAll(() => terraformInit(dir));

  test("every firewall route and the endpoint map resolve per AZ, whatever order sync_states comes in", () => {
    const { test: t, result } = runRoutingTest(dir, json);
    expect(t.endpointRoutes).toBe(2 * AZS.length); // NAT subnet egress + IGW edge return, per AZ
    expect(t.assertions).toBe(3 * AZS.length + 1); // + the workload -> NAT route per AZ, + the map output
    expect(result.output).toMatch(/1 passed, 0 failed/);
    expect(result.code).toBe(0);
  });

  /** A copy of the stack with one edit to its JSON, run through the same test. */
  function brokenCopy(label: string, edit: (json: Json) => void) {
    const copy: Json = JSON.parse(JSON.stringify(json));
    edit(copy);
    const brokenDir = join(dir, "..", `${label}`);
    mkdirSync(brokenDir, { recursive: true });
    writeFileSync(join(brokenDir, "cdk.tf.json"), JSON.stringify(copy, null, 2));
    terraformInit(brokenDir);
    return runRoutingTest(brokenDir, copy).result;
  }

  test("it fails when one AZ's NAT route points at another AZ's endpoint", () => {
    const result = brokenCopy("broken-cross-az", (copy) => {
      const [, route] = resourcesOf(copy, "aws_route").find(([n]) => n.includes("us-east-1a_nat_default-route"))!;
      route.vpc_endpoint_id = route.vpc_endpoint_id.replace('["us-east-1a"]', '["us-east-1b"]');
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/must use that AZ's firewall endpoint, got vpce-0bbbbbbbbbbbbbbb2/);
  });

  test("it fails on the seed solution's positional lookup (first endpoint for every AZ)", () => {
    const result = brokenCopy("broken-positional", (copy) => {
      const [[name]] = resourcesOf(copy, "aws_networkfirewall_firewall");
      for (const [, route] of resourcesOf(copy, "aws_route")) {
        if (route.vpc_endpoint_id) {
          route.vpc_endpoint_id = `\${tolist(aws_networkfirewall_firewall.${name}.firewall_status[0].sync_states)[0].attachment[0].endpoint_id}`;
        }
      }
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/must use that AZ's firewall endpoint/);
  });
});
