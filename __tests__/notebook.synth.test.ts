/**
 * Synth tests of the notebook-instance stack: the hardened instance, its placement, its own
 * security group and role, what the network stack holds for it, and coexistence with the Studio
 * stack of the same environment.
 */
import { Testing, TerraformStack } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NetworkStack } from "../stacks/network-stack";
import { NotebookStack } from "../stacks/notebook-stack";
import { StudioStack } from "../stacks/studio-stack";
import { azs, envFrom, Json, notebookStack, resourcesOf, synthJson, one, policyStatements, withNotebook } from "./support/synth";

const FIXTURES = join(__dirname, "fixtures");

const stack = notebookStack({});
const json = synthJson(stack);
const net = synthJson(stack.dependencies[0] as TerraformStack);
const [, instance] = one(json, "aws_sagemaker_notebook_instance");
const contractLocal = Object.keys(json.locals)[0];
const fromContract = (path: string) => `\${local.${contractLocal}.${path}}`;

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

test("in the workload subnet of the configured AZ, looked up by AZ name (never by list position)", () => {
  expect(instance.subnet_id).toBe(fromContract(`workload_subnet_ids["us-east-1a"]`));
  const reordered = synthJson(notebookStack({ availabilityZones: azs("us-east-1", "bca"), notebook: { availabilityZone: "us-east-1c" } }));
  const [, moved] = one(reordered, "aws_sagemaker_notebook_instance");
  expect(moved.subnet_id).toMatch(/workload_subnet_ids\["us-east-1c"\]\}$/);
  // The contract's precondition (on the role) makes the plan fail if the network has no subnet there.
  const [, role] = resourcesOf(reordered, "aws_iam_role").find(([n]) => n.startsWith("execution-role"))!;
  expect(role.lifecycle.precondition.map((c: Json) => c.condition).join("\n")).toContain('"us-east-1c"');
});

test("reordering, adding or removing other AZs leaves the notebook stack byte-identical", () => {
  const base = synthJson(notebookStack({ availabilityZones: azs("us-east-1", "abc"), notebook: { availabilityZone: "us-east-1b" } }));
  for (const letters of ["cba", "bd", "abcdef", "b"]) {
    const other = synthJson(notebookStack({ availabilityZones: azs("us-east-1", letters), notebook: { availabilityZone: "us-east-1b" } }));
    expect(other.resource).toEqual(base.resource);
    expect(other.data).toEqual(base.data);
  }
});

test("its own security group: no inbound, outbound HTTPS, HTTP only to S3's prefix list (yum), admitted by the endpoints", () => {
  expect(instance.security_groups).toHaveLength(1);
  const sg = instance.security_groups[0];
  expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.security_group_id === sg)).toEqual([]);
  const egress = resourcesOf(json, "aws_vpc_security_group_egress_rule").filter(([, r]) => r.security_group_id === sg);
  expect(egress.map(([, r]) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4 ?? r.prefix_list_id]).sort()).toEqual([
    ["tcp", 443, 443, "0.0.0.0/0"],
    ["tcp", 80, 80, fromContract("s3_prefix_list_id")],
  ]);
  const toEndpoints = resourcesOf(json, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.referenced_security_group_id === sg);
  expect(toEndpoints.map(([, r]) => [r.security_group_id, r.from_port, r.to_port])).toEqual([[fromContract("endpoint_security_group_id"), 443, 443]]);
});

test("its own least-privilege execution role, scoped to the notebook's bucket and keys", () => {
  const [roleName, role] = resourcesOf(json, "aws_iam_role").find(([n]) => n.startsWith("execution-role"))!;
  expect(instance.role_arn).toBe(`\${aws_iam_role.${roleName}.arn}`);
  const statements = resourcesOf(json, "aws_iam_policy").flatMap(([, p]) => policyStatements(json, p.policy));
  const bucket = fromContract("buckets.notebook.arn");
  expect(statements.find((s) => s.sid === "S3StackBuckets")!.resources).toEqual([bucket, `${bucket}/*`]);
  const [volumeKey] = resourcesOf(json, "aws_kms_key").find(([n]) => n.startsWith("notebook-key"))!;
  const jobs = statements.find((s) => s.sid === "JobsOnlyInThisVpcEncrypted")!;
  expect(jobs.condition).toContainEqual({ test: "ForAllValues:StringEquals", variable: "sagemaker:VpcSubnets", values: [fromContract(`workload_subnet_ids["us-east-1a"]`)] });
  expect(jobs.condition).toContainEqual({ test: "StringEquals", variable: "sagemaker:VolumeKmsKeyArn", values: [`\${aws_kms_key.${volumeKey}.arn}`] });
  expect(statements.map((s) => s.sid)).not.toContain("StudioAppsAndSpacesOfThisDomain");
  expect(role.name).toBe("sagemaker-studio-anfw-test-us-east-1-sagemaker-notebook");
});

test("the notebook's bucket lives in the network stack, protected from destroy; its volume key in the notebook stack", () => {
  const [, bucket] = resourcesOf(net, "aws_s3_bucket").find(([n]) => n.startsWith("notebook-bucket"))!;
  expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
  expect(resourcesOf(json, "aws_s3_bucket")).toEqual([]);
  // The volume dies with the instance, so its key may go with the stack: no protection needed.
  expect(resourcesOf(json, "aws_kms_key").map(([n]) => n)).toEqual([expect.stringMatching(/^notebook-key/)]);
});

describe("the notebook interface endpoint: only with notebook.uiEndpoint", () => {
  // a mixed-case name: SageMaker serves the instance under its lowercased name
  const uiStack = notebookStack({ notebook: { uiEndpoint: true, availabilityZone: "us-east-1b", name: "Research-Notebook" } });
  const ui = synthJson(uiStack);
  const uiNet = synthJson(uiStack.dependencies[0] as TerraformStack);
  const uiContract = `\${local.${Object.keys(ui.locals)[0]}`;
  const allowedNames = (j: Json) => resourcesOf(j, "aws_route53_resolver_firewall_domain_list").flatMap(([, l]) => (typeof l.domains === "string" ? [l.domains] : l.domains) as string[]);

  test("by default there is none, and the DNS firewall allows no notebook UI name", () => {
    expect(resourcesOf(json, "aws_vpc_endpoint")).toEqual([]);
    expect(JSON.stringify(allowedNames(net))).not.toContain("sagemaker.aws");
    expect(Object.values((net.data?.aws_vpc_endpoint_service ?? {}) as Json).map((d) => (d as Json).service_name)).not.toContain("aws.sagemaker.us-east-1.notebook");
  });

  test("in the notebook's AZ, admitting this instance only", () => {
    const [instanceName] = one(ui, "aws_sagemaker_notebook_instance");
    const [, endpoint] = one(ui, "aws_vpc_endpoint");
    expect(endpoint).toMatchObject({ service_name: "aws.sagemaker.us-east-1.notebook", private_dns_enabled: true, subnet_ids: [`${uiContract}.workload_subnet_ids["us-east-1b"]}`] });
    expect(endpoint.security_group_ids).toEqual([`${uiContract}.endpoint_security_group_id}`]);
    expect(policyStatements(ui, endpoint.policy)).toEqual([
      // the instance's ARN as SageMaker reports it (names may be mixed case; ARNs are not)
      expect.objectContaining({ actions: ["sagemaker:CreatePresignedNotebookInstanceUrl"], resources: [`\${aws_sagemaker_notebook_instance.${instanceName}.arn}`] }),
    ]);
  });

  test("the DNS firewall allows this instance's name (lowercased, as DescribeNotebookInstance's Url shows it) and no other notebook name", () => {
    // SageMaker AI Developer Guide, "Connect to a notebook instance through a VPC interface endpoint":
    // myNotebookInstance is served at mynotebookinstance.notebook.us-west-2.sagemaker.aws
    const names = allowedNames(uiNet).join(" ");
    expect(names).toContain('"research-notebook.notebook.us-east-1.sagemaker.aws"');
    expect(names.match(/[a-z0-9*-]+\.notebook\.us-east-1\.sagemaker\.aws/g)).toEqual(["research-notebook.notebook.us-east-1.sagemaker.aws"]);
  });
});

test("the S3 endpoint also serves the Amazon Linux package repositories, read-only (yum on the instance)", () => {
  const [, gateway] = resourcesOf(net, "aws_vpc_endpoint").find(([, e]) => e.vpc_endpoint_type === "Gateway")!;
  const repos = policyStatements(net, gateway.policy).find((s) => s.sid === "AllowAmazonLinuxRepositories")!;
  expect(repos.actions).toEqual(["s3:GetObject"]);
  expect(repos.resources).toEqual([expect.stringMatching(/:s3:::amazonlinux\.us-east-1\.amazonaws\.com\/\*$/), expect.stringMatching(/:s3:::amazonlinux-2-repos-us-east-1\/\*$/)]);
});

test("the instance (whose lifecycle scripts run as the role) waits for the role's policy attachment", () => {
  const attachments = resourcesOf(json, "aws_iam_role_policy_attachment").map(([n]) => `aws_iam_role_policy_attachment.${n}`);
  expect(attachments).toHaveLength(resourcesOf(json, "aws_iam_policy").length);
  expect([...instance.depends_on].sort()).toEqual(attachments.sort());
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
  const env = envFrom(withNotebook({}));
  const app = Testing.app();
  const network = new NetworkStack(app, env);
  const stacks = [network, new StudioStack(network, env), new NotebookStack(network, env)];
  const [, studio, notebook] = stacks.map((s) => synthJson(s));

  test("separate stacks, so separate Terraform state; both workloads depend on the one network", () => {
    expect(stacks.map((s) => s.node.id)).toEqual(["test-network", "test-studio", "test-notebook"]);
    expect(stacks.slice(1).map((s) => s.dependencies.map((d) => d.node.id))).toEqual([["test-network"], ["test-network"]]);
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
      aws_security_group: "name",
      aws_sagemaker_domain: "domain_name",
      aws_sagemaker_notebook_instance: "name",
    };
    const names = (j: Json) => Object.entries(UNIQUE).flatMap(([type, attr]) => resourcesOf(j, type).map(([, r]) => `${type}:${r[attr]}`));
    const a = names(studio);
    const b = names(notebook);
    expect(a.length).toBeGreaterThan(4);
    expect(b.length).toBeGreaterThan(4);
    expect(a.filter((n) => b.includes(n))).toEqual([]);
  });
});
