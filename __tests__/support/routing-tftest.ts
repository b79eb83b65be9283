/**
 * Writes a `terraform test` file that proves, in the Terraform engine with the mock AWS provider,
 * that every firewall route resolves to the endpoint of its own AZ.
 *
 * The harness only finds *which* resources to compare, by following references in the
 * synthesized JSON (route -> route table -> association -> subnet). Every value is compared by
 * Terraform in the plan: endpoint IDs come from the mocked sync_states below, and each route's AZ
 * is read from the subnet it serves, so nothing expected is copied from the code under test.
 */
import { Json, referencedAddress, resourcesOf } from "./synth";
import { Assertions, expectedEndpoints, GeneratedTest, MockSyncState, tftestFile } from "./tftest";

export type { MockSyncState } from "./tftest";

export interface RoutingTest extends GeneratedTest {
  readonly endpointRoutes: number;
}

export function routingTest(json: Json, syncStates: ReadonlyArray<MockSyncState>): RoutingTest {
  const subnets = resourcesOf(json, "aws_subnet").map(([n]) => `aws_subnet.${n}`);
  const nats = resourcesOf(json, "aws_nat_gateway").map(([n]) => `aws_nat_gateway.${n}`);
  const expected = expectedEndpoints(syncStates);

  const associationOfTable = new Map<string, [string, Json]>();
  for (const [name, a] of resourcesOf(json, "aws_route_table_association")) {
    associationOfTable.set(referencedAddress(a.route_table_id)!, [`aws_route_table_association.${name}`, a]);
  }
  /** Terraform expression: the AZ of the subnet whose `attr` equals `value`. */
  const azOfSubnetWhere = (attr: string, value: string) =>
    `one([for s in [${subnets.join(", ")}] : s.availability_zone if s.${attr} == ${value}])`;

  const asserts = new Assertions();
  const assert = (condition: string, message: string) => asserts.add(condition, message);

  let endpointRoutes = 0;
  for (const [name, route] of resourcesOf(json, "aws_route")) {
    const r = `aws_route.${name}`;
    const table = referencedAddress(route.route_table_id);
    const assoc = table && associationOfTable.get(table);
    if (!assoc) throw new Error(`${r}: its route table has no association`);
    const [assocAddress, assocBody] = assoc;
    const tableCheck = `${r}.route_table_id == ${assocAddress}.route_table_id`;

    if (assocBody.gateway_id) {
      // IGW edge route: serves the AZ of the subnet it routes back to.
      if (!route.vpc_endpoint_id) throw new Error(`${r}: edge route without a firewall endpoint target`);
      endpointRoutes++;
      const az = azOfSubnetWhere("cidr_block", `${r}.destination_cidr_block`);
      assert(
        `${tableCheck} && ${assocAddress}.gateway_id != null && ${r}.vpc_endpoint_id == ${expected}[${az}]`,
        `edge route ${name} back to the NAT subnet in \${${az}} must use that AZ's firewall endpoint, got \${${r}.vpc_endpoint_id}`,
      );
      continue;
    }
    const subnet = referencedAddress(assocBody.subnet_id)!;
    const own = `${subnet}.availability_zone`;
    const inTable = `${tableCheck} && ${assocAddress}.subnet_id == ${subnet}.id`;
    if (route.vpc_endpoint_id) {
      endpointRoutes++;
      assert(
        `${inTable} && ${r}.vpc_endpoint_id == ${expected}[${own}]`,
        `route ${name} of the subnet in \${${own}} must use that AZ's firewall endpoint, got \${${r}.vpc_endpoint_id}`,
      );
    } else if (route.nat_gateway_id) {
      const natSubnetId = `one([for n in [${nats.join(", ")}] : n.subnet_id if n.id == ${r}.nat_gateway_id])`;
      assert(
        `${inTable} && ${azOfSubnetWhere("id", natSubnetId)} == ${own}`,
        `route ${name} of the subnet in \${${own}} must use the NAT gateway of that AZ`,
      );
    }
  }

  const azList = syncStates.map((s) => s.availabilityZone);
  assert(
    `length(output.firewall_endpoint_ids) == ${azList.length} && alltrue([for az, id in output.firewall_endpoint_ids : id == ${expected}[az]])`,
    "firewall_endpoint_ids must have exactly one entry per AZ, each that AZ's endpoint",
  );

  const file = tftestFile("routing-tftest.ts", "every_az_routes_through_its_own_nat_and_firewall_endpoint", json, syncStates, asserts);
  return { ...file, endpointRoutes };
}
