/**
 * The terraform layers for the egress hub and a spoke:
 * - `terraform validate` of a synthesized hub stack and spoke network against the real provider
 *   schema (hashicorp/aws 5.100.0, offline), as child modules of one root (one schema load), plus a
 *   broken copy of each that must fail;
 * - `terraform test` with the mock provider on the hub: with the firewall's sync_states in another
 *   order than the AZs, every route to a firewall endpoint (attachment subnets, NAT subnets' return
 *   routes) holds its own AZ's endpoint ID in the plan, every firewall subnet's NAT route its own
 *   AZ's NAT gateway, and the endpoint map output has one entry per AZ; a copy with one NAT subnet's
 *   return route through another AZ's endpoint fails.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { HubStack } from "../stacks/hub-stack";
import { Json, readStackJson, resourcesOf, synthToDir, TEST_ACCOUNT } from "./support/synth";
import { describeWithTerraform, tempDir, terraform } from "./support/terraform";
import { MockSyncState, routingTest } from "./support/routing-tftest";
import { usingModule } from "./support/tftest";
import { spokeStack } from "./support/hub-stacks";

const AZS = ["us-east-1b", "us-east-1a", "us-east-1c"];
// AWS reports the endpoints in yet another order.
const SYNC_STATES: MockSyncState[] = [
  { availabilityZone: "us-east-1c", endpointId: "vpce-0ccccccccccccccc3" },
  { availabilityZone: "us-east-1a", endpointId: "vpce-0aaaaaaaaaaaaaaa1" },
  { availabilityZone: "us-east-1b", endpointId: "vpce-0bbbbbbbbbbbbbbb2" },
];

const hubDir = synthToDir(
  new HubStack(Testing.app(), {
    name: "egress-use1",
    // The mock provider's caller identity, so the account check passes.
    accountId: TEST_ACCOUNT,
    region: "us-east-1",
    hub: {
      availabilityZones: AZS,
      share: { accountIds: ["555566667777", "222233334444"] },
      spokes: [
        { name: "alpha", cidrs: ["10.10.0.0/16"], accountId: "555566667777", attachmentId: "tgw-attach-0aaaaaaaaaaaaaaa1", allowedDomains: ["pypi.org"] },
        { name: "beta", cidrs: ["10.20.0.0/16", "10.21.0.0/16"], accountId: "222233334444", attachmentId: "tgw-attach-0bbbbbbbbbbbbbbb2", allowedDomains: ["huggingface.co"] },
      ],
    },
  }),
);
const hubJson = readStackJson(hubDir);
// A spoke with its own DNS Firewall (the shared-group variant is in hub-spoke.synth.test.ts).
const spokeDir = synthToDir(spokeStack({ name: "proj-dev", accountId: "111122223333", region: "us-east-1", availabilityZones: ["us-east-1a", "us-east-1b"], vpcCidr: "10.10.0.0/16", transitGatewayId: "tgw-0123456789abcdef0", contractParameter: "/proj/dev/network/contract" }));

/** Copies each stack to modules/<name> of a fresh root (backend dropped, `edit` applied), runs one `terraform validate -json`. */
function validate(modules: ReadonlyArray<{ name: string; dir: string; edit?: (json: Json) => void }>): { code: number; diagnostics: Json[] } {
  const root = tempDir("hub-validate");
  for (const m of modules) {
    cpSync(m.dir, join(root, "modules", m.name), { recursive: true });
    const file = join(root, "modules", m.name, "cdk.tf.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    for (const t of ([] as Json[]).concat(json.terraform ?? [])) delete t.backend;
    m.edit?.(json);
    writeFileSync(file, JSON.stringify(json));
  }
  writeFileSync(join(root, "main.tf.json"), JSON.stringify({ module: Object.fromEntries(modules.map((m) => [m.name, { source: `./modules/${m.name}` }])) }));
  const r = terraform(root, ["validate", "-json"], { providerServer: true });
  return { code: r.code, diagnostics: JSON.parse(r.stdout).diagnostics ?? [] };
}

/**
 * The mock provider's overrides give most resources only an ID; the hub's RAM associations and
 * DNS association validate ARNs, so the shared resources get well-formed mock ARNs.
 */
function withArns(hcl: string): string {
  const arns: Record<string, string> = {
    aws_ec2_transit_gateway: "arn:aws:ec2:us-east-1:444455556666:transit-gateway/tgw-0123456789abcdef0",
    aws_route53_resolver_firewall_rule_group: "arn:aws:route53resolver:us-east-1:444455556666:firewall-rule-group/rslvr-frg-0123456789abcdef",
    aws_ram_resource_share: "arn:aws:ram:us-east-1:444455556666:resource-share/00000000-0000-0000-0000-000000000000",
  };
  return hcl.replace(/target {10}= ([a-z0-9_]+)\.([^\s]+)\n  override_during = plan\n  values = \{\n/g, (block, type: string) => (arns[type] ? `${block}    arn = ${JSON.stringify(arns[type])}\n` : block));
}

describeWithTerraform("hub: terraform layers", () => {
  test("validate: the hub stack and a spoke network have no diagnostics", () => {
    const r = validate([
      { name: "hub", dir: hubDir },
      { name: "spoke", dir: spokeDir },
    ]);
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
  });

  test("validate fails on a broken copy (an argument the Transit Gateway attachment does not have)", () => {
    const r = validate([{ name: "hub", dir: hubDir, edit: (json) => (Object.values<Json>(json.resource.aws_ec2_transit_gateway_vpc_attachment)[0].appliance_mode = "enable") }]);
    expect(r.code).not.toBe(0);
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: "error", detail: expect.stringContaining('"appliance_mode"') })]);
  });

  test("mock plan: every endpoint route of the hub resolves to its own AZ's endpoint from sync_states; a cross-AZ copy fails", () => {
    const good = routingTest(hubJson, SYNC_STATES);
    // Per AZ: the attachment subnet's default route and the NAT subnet's return route per spoke CIDR (3 CIDRs).
    expect(good.endpointRoutes).toBe(AZS.length * (1 + 3));
    // + the firewall subnet -> NAT route per AZ, + the endpoint map output.
    expect(good.assertions).toBe(AZS.length * (1 + 3 + 1) + 1);
    const broken: Json = JSON.parse(JSON.stringify(hubJson));
    delete broken.terraform?.backend;
    const [, route] = resourcesOf(broken, "aws_route").find(([n, r]) => n.includes("us-east-1a_nat") && r.destination_cidr_block === "10.20.0.0/16")!;
    route.vpc_endpoint_id = route.vpc_endpoint_id.replace('["us-east-1a"]', '["us-east-1c"]');
    mkdirSync(join(hubDir, "broken"), { recursive: true });
    writeFileSync(join(hubDir, "broken", "cdk.tf.json"), JSON.stringify(broken));
    mkdirSync(join(hubDir, "tests"), { recursive: true });
    writeFileSync(join(hubDir, "tests", "routing.tftest.hcl"), withArns(good.hcl));
    writeFileSync(join(hubDir, "tests", "broken.tftest.hcl"), usingModule(withArns(routingTest(broken, SYNC_STATES).hcl), "./broken"));

    const run = terraform(hubDir, ["test", "-json"], { providerServer: true });
    const messages = run.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Json);
    const status = (file: string) => messages.filter((m) => m["@testfile"] === `tests/${file}` && m.type === "test_file" && m.test_file?.progress === "complete").map((m) => m.test_file.status);
    const text = (file: string) => messages.filter((m) => m["@testfile"] === `tests/${file}`).map((m) => [m["@message"], m.diagnostic?.detail].filter(Boolean).join(": ")).join("\n");
    if (status("routing.tftest.hcl")[0] !== "pass") throw new Error(text("routing.tftest.hcl"));
    expect(status("routing.tftest.hcl")).toEqual(["pass"]);
    expect(status("broken.tftest.hcl")).toEqual(["fail"]);
    expect(text("broken.tftest.hcl")).toMatch(/must use that AZ's firewall endpoint, got vpce-0ccccccccccccccc3/);
  });
});
