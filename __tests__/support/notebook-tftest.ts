/**
 * Writes a `terraform test` file proving, in a mock plan of the network stack, the whole path
 * out of the subnet a notebook in `notebookAz` gets (the contract's workload_subnet_ids[az], which
 * the notebook stack uses): it is a workload subnet in that AZ; that subnet's default route goes to
 * a NAT gateway in the same AZ; the NAT subnet's default route and the IGW edge route back to it
 * both use that AZ's firewall endpoint (from the mocked sync_states). Every hop is followed by
 * Terraform from the applied values; the harness only lists the resources to search.
 */
import { Json, resourcesOf } from "./synth";
import { Assertions, expectedEndpoints, GeneratedTest, hcl, MockSyncState, tftestFile } from "./tftest";

const list = (json: Json, type: string, where: (body: Json) => boolean = () => true) =>
  `[${resourcesOf(json, type)
    .filter(([, b]) => where(b))
    .map(([n]) => `${type}.${n}`)
    .join(", ")}]`;

export function notebookPathTest(json: Json, syncStates: ReadonlyArray<MockSyncState>, notebookAz: string): GeneratedTest {
  const [contract] = resourcesOf(json, "aws_ssm_parameter").find(([, p]) => String(p.name).endsWith("/network/contract"))!;
  const NB_SUBNET = `jsondecode(aws_ssm_parameter.${contract}.value).workload_subnet_ids[${hcl(notebookAz)}]`;
  const SUBNETS = list(json, "aws_subnet");
  const ASSOCS = list(json, "aws_route_table_association", (a) => Boolean(a.subnet_id));
  const ROUTES = list(json, "aws_route");
  const NATS = list(json, "aws_nat_gateway");
  const expected = expectedEndpoints(syncStates);

  // Each hop binds the value it looks up once (`[for v in [value] : body][0]`, HCL's "let"): an
  // expression in a `for` condition is evaluated again for every element, so nesting the hops
  // directly made each assertion cost seconds (ROUTES x ASSOCS x NATS x ROUTES... evaluations).
  let bound = 0;
  const withValue = (value: string, body: (v: string) => string) => {
    const v = `v${bound++}`;
    return `[for ${v} in [${value}] : ${body(v)}][0]`;
  };
  const subnetAttr = (attr: string, id: string) => withValue(id, (v) => `one([for s in ${SUBNETS} : s.${attr} if s.id == ${v}])`);
  const tableOf = (subnetId: string) => withValue(subnetId, (v) => `one([for a in ${ASSOCS} : a.route_table_id if a.subnet_id == ${v}])`);
  const defaultRouteAttr = (attr: string, table: string) =>
    withValue(table, (v) => `one([for r in ${ROUTES} : r.${attr} if r.route_table_id == ${v} && r.destination_cidr_block == "0.0.0.0/0"])`);

  const nbAz = subnetAttr("availability_zone", `${NB_SUBNET}`);
  const natId = defaultRouteAttr("nat_gateway_id", tableOf(`${NB_SUBNET}`));
  const natSubnet = withValue(natId, (v) => `one([for n in ${NATS} : n.subnet_id if n.id == ${v}])`);
  const natAz = subnetAttr("availability_zone", natSubnet);
  const natEgressEndpoint = defaultRouteAttr("vpc_endpoint_id", tableOf(natSubnet));
  const edgeReturnEndpoint = withValue(subnetAttr("cidr_block", natSubnet), (v) => `one([for r in ${ROUTES} : r.vpc_endpoint_id if r.destination_cidr_block == ${v}])`);

  const asserts = new Assertions();
  asserts.add(`${nbAz} == ${hcl(notebookAz)} && ${subnetAttr('tags["Tier"]', `${NB_SUBNET}`)} == "workload"`, `the notebook must be in the workload subnet of ${notebookAz}`);
  asserts.add(`${natAz} == ${nbAz}`, "the notebook subnet's default route must use the NAT gateway of the notebook's AZ");
  asserts.add(`${natEgressEndpoint} == ${expected}[${nbAz}]`, "that NAT subnet must send internet traffic to the notebook AZ's firewall endpoint");
  asserts.add(`${edgeReturnEndpoint} == ${expected}[${nbAz}]`, "return traffic to that NAT subnet must come through the notebook AZ's firewall endpoint");
  return tftestFile("notebook-tftest.ts", "notebook_reaches_the_internet_only_through_its_own_az", json, syncStates, asserts);
}
