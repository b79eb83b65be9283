/**
 * Synth tests of the notebook-instance stack: the hardened instance, its placement, its own
 * security group and role, the shared endpoint module, and coexistence with the Studio stack.
 */
import { Testing } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnvironment } from "../modules/config/load";
import { NotebookStack } from "../stacks/notebook-stack";
import { StudioStack } from "../stacks/studio-stack";
import { azs, Json, notebookStack, resourcesOf, synthJson, one, policyStatements } from "./support/synth";

const FIXTURES = join(__dirname, "fixtures");

const json = synthJson(notebookStack({}));
const [, instance] = one(json, "aws_sagemaker_notebook_instance");
const subnets = new Map(resourcesOf(json, "aws_subnet").map(([n, s]) => [`\${aws_subnet.${n}.id}`, s]));

test("no direct internet access, no root, IMDSv2 only, volume encrypted with the stack's own customer key", () => {
  expect(instance).toMatchObject({
    direct_internet_access: "Disabled",
    root_access: "Disabled",
    instance_metadata_service_configuration: { minimum_instance_metadata_service_version: "2" },
    instance_type: "ml.t3.medium",
    volume_size: 20,
    name: "sagemaker-studio-anfw-test-notebook",
  });
  const [keyName, key] = resourcesOf(json, "aws_kms_key").find(([n]) => n.startsWith("notebook-key"))!;
  expect(instance.kms_key_id).toBe(`\${aws_kms_key.${keyName}.arn}`);
  expect(key.enable_key_rotation).toBe(true);
});

test("in the workload subnet of the first AZ by default, and of the configured AZ otherwise", () => {
  expect(subnets.get(instance.subnet_id)).toMatchObject({ availability_zone: "us-east-1a", tags: { Tier: "workload" } });
  const other = synthJson(notebookStack({ availabilityZones: azs("us-east-1", "bca"), notebook: { availabilityZone: "us-east-1c" } }));
  const [, moved] = one(other, "aws_sagemaker_notebook_instance");
  const otherSubnets = new Map(resourcesOf(other, "aws_subnet").map(([n, s]) => [`\${aws_subnet.${n}.id}`, s]));
  expect(otherSubnets.get(moved.subnet_id)).toMatchObject({ availability_zone: "us-east-1c", tags: { Tier: "workload" } });
});

test("its own security group: no inbound, outbound HTTPS/HTTP only, and admitted by the endpoints", () => {
  expect(instance.security_groups).toHaveLength(1);
  const sg = instance.security_groups[0];
  expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.security_group_id === sg)).toEqual([]);
  const egress = resourcesOf(json, "aws_vpc_security_group_egress_rule").filter(([, r]) => r.security_group_id === sg);
  expect(egress.map(([, r]) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4]).sort()).toEqual([
    ["tcp", 443, 443, "0.0.0.0/0"],
    ["tcp", 80, 80, "0.0.0.0/0"],
  ]);
  const toEndpoints = resourcesOf(json, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.referenced_security_group_id === sg);
  expect(toEndpoints.map(([, r]) => [r.from_port, r.to_port])).toEqual([[443, 443]]);
});

test("its own least-privilege execution role, scoped to the notebook stack's bucket and keys", () => {
  const [roleName, role] = resourcesOf(json, "aws_iam_role").find(([n]) => n.startsWith("execution-role"))!;
  expect(instance.role_arn).toBe(`\${aws_iam_role.${roleName}.arn}`);
  const [, policy] = one(json, "aws_iam_policy");
  const statements = policyStatements(json, policy.policy);
  const [bucketName] = resourcesOf(json, "aws_s3_bucket").find(([n]) => n.startsWith("notebook-bucket"))!;
  expect(statements.find((s) => s.sid === "S3StackBuckets")!.resources).toEqual([`\${aws_s3_bucket.${bucketName}.arn}`, `\${aws_s3_bucket.${bucketName}.arn}/*`]);
  expect(statements.map((s) => s.sid)).not.toContain("StudioAppsAndSpacesOfThisDomain");
  expect(role.name).toBe("sagemaker-studio-anfw-test-us-east-1-sagemaker-notebook");
});

test("the same endpoint module as Studio, without the Studio-only UI endpoint", () => {
  const services = resourcesOf(json, "aws_vpc_endpoint").map(([, e]) => e.service_name);
  expect(services).toContain("com.amazonaws.us-east-1.s3");
  expect(services).toContain("aws.sagemaker.us-east-1.notebook");
  expect(services).toContain("com.amazonaws.us-east-1.sagemaker.api");
  expect(services).not.toContain("aws.sagemaker.us-east-1.studio");
  expect(services).toHaveLength(11); // S3 gateway + the 10 non-Studio interface endpoints
});

test("the S3 endpoint also serves the Amazon Linux package repositories, read-only (yum on the instance)", () => {
  const [, gateway] = resourcesOf(json, "aws_vpc_endpoint").find(([, e]) => e.vpc_endpoint_type === "Gateway")!;
  const repos = policyStatements(json, gateway.policy).find((s) => s.sid === "AllowAmazonLinuxRepositories")!;
  expect(repos.actions).toEqual(["s3:GetObject"]);
  expect(repos.resources).toEqual([expect.stringMatching(/:s3:::amazonlinux\.us-east-1\.amazonaws\.com\/\*$/), expect.stringMatching(/:s3:::amazonlinux-2-repos-us-east-1\/\*$/)]);
});

test("no lifecycle configuration unless configured", () => {
  expect(resourcesOf(json, "aws_sagemaker_notebook_instance_lifecycle_configuration")).toEqual([]);
  expect(instance.lifecycle_config_name).toBeUndefined();
});

test("a lifecycle script from config (relative to the config file) becomes the instance's lifecycle configuration", () => {
  const withScript = synthJson(notebookStack({ notebook: { lifecycle: { onStart: "on-start.sh" } } }, FIXTURES));
  const [lcName, lc] = one(withScript, "aws_sagemaker_notebook_instance_lifecycle_configuration");
  expect(Buffer.from(lc.on_start, "base64").toString()).toBe(readFileSync(join(FIXTURES, "on-start.sh"), "utf8"));
  expect(lc.on_create).toBeUndefined();
  expect(one(withScript, "aws_sagemaker_notebook_instance")[1].lifecycle_config_name).toBe(
    `\${aws_sagemaker_notebook_instance_lifecycle_configuration.${lcName}.name}`,
  );
});

test("instance type, volume size and name from config", () => {
  const custom = synthJson(notebookStack({ notebook: { instanceType: "ml.m5.xlarge", volumeSizeGb: 100, name: "research-nb" } }));
  expect(one(custom, "aws_sagemaker_notebook_instance")[1]).toMatchObject({ instance_type: "ml.m5.xlarge", volume_size: 100, name: "research-nb" });
});

describe("side by side with the Studio stack of the same environment", () => {
  const env = parseEnvironment({}, "config/test.json");
  const app = Testing.app();
  const stacks = [new StudioStack(app, env), new NotebookStack(app, env)];
  const [studio, notebook] = stacks.map((s) => synthJson(s));

  test("separate stacks, so separate Terraform state", () => {
    expect(stacks.map((s) => s.node.id)).toEqual(["test-studio", "test-notebook"]);
  });

  test("no account- or region-unique name is used by both", () => {
    /** Names AWS requires unique per account/region (or globally), by resource type. */
    const UNIQUE: Record<string, string> = {
      aws_networkfirewall_firewall: "name",
      aws_networkfirewall_firewall_policy: "name",
      aws_networkfirewall_rule_group: "name",
      aws_kms_alias: "name",
      aws_iam_role: "name",
      aws_iam_policy: "name",
      aws_ssm_parameter: "name",
      aws_s3_bucket: "bucket",
      aws_sagemaker_domain: "domain_name",
      aws_sagemaker_notebook_instance: "name",
    };
    const names = (j: Json) => Object.entries(UNIQUE).flatMap(([type, attr]) => resourcesOf(j, type).map(([, r]) => `${type}:${r[attr]}`));
    const a = names(studio);
    const b = names(notebook);
    expect(a.length).toBeGreaterThan(10);
    expect(b.length).toBeGreaterThan(10);
    expect(a.filter((n) => b.includes(n))).toEqual([]);
  });
});
