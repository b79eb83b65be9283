/**
 * Seed parity: every resource type the single-AZ CloudFormation solution deploys
 * (../shared/reference/seed-solution-inventory.md, section 2) has its counterpart in a 1-AZ
 * environment with Studio, at least as many times; route and subnet counts scale per AZ. The seed
 * is one deployment, so its counterpart is the environment's network and Studio stacks together
 * (synthesized from one App, their resources unioned). The table is the inventory's, typed in
 * here, with the Terraform type chosen for each CloudFormation type.
 */
import { Testing } from "cdktf";
import { NetworkStack } from "../stacks/network-stack";
import { StudioStack } from "../stacks/studio-stack";
import { NotebookStack } from "../stacks/notebook-stack";
import { envFrom, Json, resourcesOf, synthJson } from "./support/synth";

/** [CloudFormation type, seed count, Terraform type(s) that deploy it]. Nested stacks have no counterpart. */
const SEED: Array<[string, number, string[]]> = [
  // The seed's 11 include its notebook UI endpoint (aws.sagemaker.<region>.notebook), which is
  // opt-in here (notebook.uiEndpoint, in the notebook stack): with private DNS it reaches every
  // notebook instance of every account past the firewall. The other 10 are all here.
  ["AWS::EC2::VPCEndpoint", 10, ["aws_vpc_endpoint"]],
  ["AWS::EC2::RouteTable", 4, ["aws_route_table"]],
  ["AWS::EC2::Route", 4, ["aws_route"]],
  ["AWS::EC2::Subnet", 3, ["aws_subnet"]],
  ["AWS::EC2::SubnetRouteTableAssociation", 3, ["aws_route_table_association"]],
  ["AWS::EC2::SecurityGroup", 2, ["aws_security_group"]],
  ["AWS::KMS::Key", 2, ["aws_kms_key"]],
  ["AWS::KMS::Alias", 2, ["aws_kms_alias"]],
  ["AWS::S3::Bucket", 2, ["aws_s3_bucket"]],
  ["AWS::S3::BucketPolicy", 2, ["aws_s3_bucket_policy"]],
  ["AWS::SSM::Parameter", 2, ["aws_ssm_parameter"]],
  ["AWS::EC2::VPC", 1, ["aws_vpc"]],
  ["AWS::EC2::InternetGateway", 1, ["aws_internet_gateway"]],
  ["AWS::EC2::VPCGatewayAttachment", 1, ["aws_internet_gateway"]], // vpc_id on the gateway attaches it
  ["AWS::EC2::GatewayRouteTableAssociation", 1, ["aws_route_table_association"]],
  ["AWS::EC2::EIP", 1, ["aws_eip"]],
  ["AWS::EC2::NatGateway", 1, ["aws_nat_gateway"]],
  ["AWS::EC2::SecurityGroupIngress", 1, ["aws_vpc_security_group_ingress_rule"]],
  ["AWS::NetworkFirewall::RuleGroup", 1, ["aws_networkfirewall_rule_group"]],
  ["AWS::NetworkFirewall::FirewallPolicy", 1, ["aws_networkfirewall_firewall_policy"]],
  ["AWS::NetworkFirewall::Firewall", 1, ["aws_networkfirewall_firewall"]],
  ["AWS::IAM::ManagedPolicy", 1, ["aws_iam_policy"]],
  ["AWS::IAM::Role", 1, ["aws_iam_role"]],
  ["AWS::SageMaker::Domain", 1, ["aws_sagemaker_domain"]],
  ["AWS::SageMaker::UserProfile", 1, ["aws_sagemaker_user_profile"]],
];

const env = envFrom({ availabilityZones: ["us-east-1a"] });
const network = new NetworkStack(Testing.app(), env);
const studio = new StudioStack(network, env);
const stacks: Record<string, Json> = { network: synthJson(network), studio: synthJson(studio) };

/** One JSON with the resources of both stacks, addresses prefixed by the stack so none collide. */
const json: Json = { resource: {} };
for (const [stack, stackJson] of Object.entries(stacks)) {
  for (const [type, resources] of Object.entries((stackJson.resource ?? {}) as Json)) {
    for (const [name, body] of Object.entries(resources as Json)) (json.resource[type] ??= {})[`${stack}/${name}`] = body;
  }
}
const count = (types: string[]) => types.reduce((n, t) => n + resourcesOf(json, t).length, 0);

test("both stacks are of the same environment, in one App, Studio deployed after the network", () => {
  expect(studio.node.scope).toBe(network.node.scope);
  expect(studio.dependencies).toContain(network);
  expect(Object.keys(stacks.network.resource).length).toBeGreaterThan(0);
  expect(Object.keys(stacks.studio.resource).length).toBeGreaterThan(0);
});

test.each(SEED)("%s (seed: %i) has its counterpart", (_cfn, seedCount, types) => {
  expect(count(types)).toBeGreaterThanOrEqual(seedCount);
});

test("the seed's interface endpoint services are all there, by service name", () => {
  const services = resourcesOf(json, "aws_vpc_endpoint").map(([, e]) => e.service_name.replace("us-east-1", "<region>"));
  for (const s of ["sagemaker.api", "sagemaker.runtime", "sts", "ssm", "monitoring", "logs", "ecr.dkr", "ecr.api", "servicecatalog", "s3"]) {
    expect(services).toContain(`com.amazonaws.<region>.${s}`);
  }
  // the seed's notebook UI endpoint: only with notebook.uiEndpoint, in the notebook stack (its policy names the instance)
  const notebookStack = (uiEndpoint: boolean) => {
    const nbEnv = { ...env, notebook: { ...env.notebook, enabled: true, availabilityZone: "us-east-1a", uiEndpoint } };
    return synthJson(new NotebookStack(new NetworkStack(Testing.app(), nbEnv), nbEnv));
  };
  expect(resourcesOf(notebookStack(false), "aws_vpc_endpoint")).toEqual([]);
  expect(resourcesOf(notebookStack(true), "aws_vpc_endpoint").map(([, e]) => e.service_name)).toEqual(["aws.sagemaker.us-east-1.notebook"]);
});

test("the seed's routes, one lane: workload -> NAT, NAT -> firewall, firewall -> IGW, IGW edge -> firewall", () => {
  const routes = resourcesOf(json, "aws_route").map(([, r]) => [r.destination_cidr_block, r.nat_gateway_id ? "nat" : r.vpc_endpoint_id ? "firewall" : "igw"]);
  expect(routes.sort()).toEqual(
    [
      ["0.0.0.0/0", "nat"],
      ["0.0.0.0/0", "firewall"],
      ["0.0.0.0/0", "igw"],
      ["10.2.128.128/28", "firewall"],
    ].sort(),
  );
});
