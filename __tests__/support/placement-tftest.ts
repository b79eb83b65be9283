/**
 * Writes a `terraform test` file proving, in a mock plan, where the network stack puts things:
 * every interface endpoint sits in exactly one workload subnet per AZ, the S3 gateway endpoint is
 * on exactly the workload subnets' route tables, and the published contract maps every AZ to that
 * AZ's own workload subnet (which is where the workload stacks put the domain and the notebook). Which subnet is a workload
 * subnet and which AZ it is in are read by Terraform from the subnets themselves; the expected AZ
 * list is the test's input.
 */
import { Json, resourcesOf } from "./synth";
import { Assertions, GeneratedTest, hcl, MockSyncState, tftestFile } from "./tftest";

export function placementTest(json: Json, syncStates: ReadonlyArray<MockSyncState>): GeneratedTest {
  const expectedAzs = syncStates.map((s) => s.availabilityZone);
  const subnets = `[${resourcesOf(json, "aws_subnet").map(([n]) => `aws_subnet.${n}`).join(", ")}]`;
  const workloadIds = `[for s in ${subnets} : s.id if s.tags["Tier"] == "workload"]`;
  // Compared as one string: in HCL a list never equals a tuple literal.
  const azs = hcl([...expectedAzs].sort().join(","));
  const asserts = new Assertions();

  /** `ids` (a set of subnet IDs) is exactly the workload subnets, one per expected AZ. */
  const oneWorkloadSubnetPerAz = (ids: string, what: string) =>
    asserts.add(
      `length(${ids}) == ${expectedAzs.length} && alltrue([for id in ${ids} : contains(${workloadIds}, id)]) && ` +
        `join(",", sort(distinct([for s in ${subnets} : s.availability_zone if contains(${ids}, s.id)]))) == ${azs}`,
      `${what} must use exactly one workload subnet in each of ${expectedAzs.join(", ")}`,
    );

  const [contract] = resourcesOf(json, "aws_ssm_parameter").find(([, p]) => String(p.name).endsWith("/network/contract"))!;
  const published = `jsondecode(aws_ssm_parameter.${contract}.value).workload_subnet_ids`;
  oneWorkloadSubnetPerAz(`values(${published})`, "the contract's workload subnets");
  asserts.add(
    `alltrue([for az, id in ${published} : one([for s in ${subnets} : s.availability_zone if s.id == id]) == az])`,
    "the contract must map every AZ to a subnet in that same AZ",
  );

  const subnetAssociations = `[${resourcesOf(json, "aws_route_table_association")
    .filter(([, a]) => a.subnet_id)
    .map(([a]) => `aws_route_table_association.${a}`)
    .join(", ")}]`;
  // The S3 gateway endpoint's route tables: one association resource per AZ.
  const endpointAssociations = `[${resourcesOf(json, "aws_vpc_endpoint_route_table_association")
    .map(([a]) => `aws_vpc_endpoint_route_table_association.${a}`)
    .join(", ")}]`;
  const gatewayTables = (endpoint: string) => `[for a in ${endpointAssociations} : a.route_table_id if a.vpc_endpoint_id == ${endpoint}.id]`;
  for (const [name, e] of resourcesOf(json, "aws_vpc_endpoint")) {
    const endpoint = `aws_vpc_endpoint.${name}`;
    if (e.vpc_endpoint_type === "Interface") {
      oneWorkloadSubnetPerAz(`${endpoint}.subnet_ids`, `interface endpoint ${e.service_name}`);
    } else {
      asserts.add(
        `toset(${gatewayTables(endpoint)}) == toset([for a in ${subnetAssociations} : a.route_table_id if contains(${workloadIds}, a.subnet_id)]) && length(${gatewayTables(endpoint)}) == ${expectedAzs.length}`,
        "the S3 gateway endpoint must be on exactly the workload subnets' route tables, one per AZ",
      );
    }
  }
  return tftestFile("placement-tftest.ts", "endpoints_and_contract_span_one_workload_subnet_per_az", json, syncStates, asserts);
}
