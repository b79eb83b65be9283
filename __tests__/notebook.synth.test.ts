/**
 * Synth tests of the notebook-instance stack: the hardened instance, its placement, its own
 * security group and role, what the network stack holds for it, and coexistence with the Studio
 * stack of the same environment.
 */
import { AnnotationMetadataEntryType, Testing, TerraformStack } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NetworkStack } from "../stacks/network-stack";
import { NotebookStack } from "../stacks/notebook-stack";
import { StudioStack } from "../stacks/studio-stack";
import { azs, envFrom, Json, notebookStack, resourcesOf, synthJson, one, policyStatements, TEST_ACCOUNT, withNotebook } from "./support/synth";

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

/** The YAML documents a script writes through `cat > <path> <<'<DELIM>'` heredocs, by path. */
function heredocFiles(script: string): Record<string, string> {
  return Object.fromEntries([...script.matchAll(/cat > (\S+) <<'(\w+)'\n([\s\S]*?)\n\2\n/g)].map((m) => [m[1], m[3]]));
}
// js-yaml is in node_modules (a dependency of jest's coverage tooling); the SDK reads the file with PyYAML's safe_load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml: { load(s: string): Json } = require("js-yaml");
const onStartOf = (j: Json) => Buffer.from(one(j, "aws_sagemaker_notebook_instance_lifecycle_configuration")[1].on_start, "base64").toString("utf8");
const OWNER = "sagemaker-anfw:owner";
/** Where the SageMaker SDK reads tags from its defaults file (aws/sagemaker-python-sdk, config_schema.py), and what each covers. */
const SDK_TAG_PATHS = [
  ["TrainingJob"],
  ["ProcessingJob"],
  ["TransformJob"],
  ["Model"],
  ["EndpointConfig"],
  ["Endpoint"],
  ["Pipeline"],
  ["PythonSDK", "Modules", "RemoteFunction"],
];

describe("the on-start script: the SageMaker SDK tags what it creates with the role's owner tag", () => {
  const [, role] = resourcesOf(json, "aws_iam_role").find(([n]) => n.startsWith("execution-role"))!;
  const script = onStartOf(json);
  const files = heredocFiles(script);

  test("without any lifecycle config in the config, the instance still runs one on every start (no on-create)", () => {
    const [lcName, lc] = one(json, "aws_sagemaker_notebook_instance_lifecycle_configuration");
    expect(lc.on_create).toBeUndefined();
    expect(instance.lifecycle_config_name).toBe(`\${aws_sagemaker_notebook_instance_lifecycle_configuration.${lcName}.name}`);
    expect(script.startsWith("#!/bin/bash\nset -e\n")).toBe(true);
  });

  test("it writes the SDK's admin defaults file (/etc/xdg/sagemaker/config.yaml, platformdirs' site_config_dir on Linux), schema version 1.0, nothing else at the top", () => {
    expect(Object.keys(files)).toEqual(["/etc/xdg/sagemaker/config.yaml"]);
    const config = yaml.load(files["/etc/xdg/sagemaker/config.yaml"]);
    expect(Object.keys(config).sort()).toEqual(["SageMaker", "SchemaVersion"]);
    expect(config.SchemaVersion).toBe("1.0");
  });

  test.each(SDK_TAG_PATHS.map((p) => [p.join(".")]))("SageMaker.%s: Tags is exactly the owner tag with the role's name", (path) => {
    const config = yaml.load(files["/etc/xdg/sagemaker/config.yaml"]);
    const entity = path.split(".").reduce((node: Json, k: string) => node?.[k], config.SageMaker);
    expect(entity).toEqual({ Tags: [{ Key: OWNER, Value: role.name }] });
  });

  test("no entity the defaults file tags is outside that list (the SDK refuses the whole file on a key its schema lacks)", () => {
    const config = yaml.load(files["/etc/xdg/sagemaker/config.yaml"]);
    const leaves: string[] = [];
    const walk = (node: Json, path: string[]) => {
      if ("Tags" in node) leaves.push(path.join("."));
      else for (const [k, v] of Object.entries<Json>(node)) walk(v, [...path, k]);
    };
    walk(config.SageMaker, []);
    expect(leaves.sort()).toEqual(SDK_TAG_PATHS.map((p) => p.join(".")).sort());
  });

  test("a lifecycle script from config (relative to the config file) runs after the defaults are written, its own failures not stopping the start", () => {
    const withScript = synthJson(notebookStack({ notebook: { lifecycle: { onStart: "on-start.sh" } } }, FIXTURES));
    const [lcName, lc] = one(withScript, "aws_sagemaker_notebook_instance_lifecycle_configuration");
    const full = onStartOf(withScript);
    const own = readFileSync(join(FIXTURES, "on-start.sh"), "utf8").replace(/^#!.*\n/, "");
    expect(full.endsWith(own)).toBe(true);
    const defaults = full.indexOf("/etc/xdg/sagemaker/config.yaml");
    expect(defaults).toBeGreaterThan(0);
    expect(full.indexOf("\nset +e\n")).toBeGreaterThan(defaults);
    expect(full.indexOf(own)).toBeGreaterThan(full.indexOf("\nset +e\n"));
    expect(lc.on_create).toBeUndefined();
    expect(one(withScript, "aws_sagemaker_notebook_instance")[1].lifecycle_config_name).toBe(`\${aws_sagemaker_notebook_instance_lifecycle_configuration.${lcName}.name}`);
  });

  test("with TLS inspection the CA is installed first, then the same defaults", () => {
    const TLS = { certificateAuthorityArn: `arn:aws:acm:us-east-1:${TEST_ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`, caCertificateFile: "inspection-ca.pem" };
    const tls = onStartOf(synthJson(notebookStack({ firewall: { tlsInspection: TLS } }, FIXTURES)));
    const pem = readFileSync(join(FIXTURES, "inspection-ca.pem"), "utf8").trim();
    expect(tls.indexOf(pem)).toBeGreaterThan(0);
    expect(tls.indexOf("/etc/xdg/sagemaker/config.yaml")).toBeGreaterThan(tls.indexOf("update-ca-trust extract"));
    expect(heredocFiles(tls)["/etc/xdg/sagemaker/config.yaml"]).toBe(files["/etc/xdg/sagemaker/config.yaml"]);
  });
});

describe("requireOwnerTag: on by default; false is warned at synth with its consequence", () => {
  const warnings = (stack: ReturnType<typeof notebookStack>) =>
    stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data)));
  const ownership = (j: Json) => Object.values<Json>(j.data.aws_iam_policy_document).flatMap((d) => d.statement ?? []).map((st: Json) => st.sid);

  test("by default: untagged creates are denied (DenyUntaggedCreates), and no warning", () => {
    expect(ownership(json)).toContain("DenyUntaggedCreates");
    expect(warnings(stack).filter((w) => w.includes("requireOwnerTag"))).toEqual([]);
  });

  test("notebook.requireOwnerTag: false: no such deny, and a warning that untagged work is manageable by every user", () => {
    const open = notebookStack({ notebook: { requireOwnerTag: false } });
    expect(ownership(synthJson(open))).not.toContain("DenyUntaggedCreates");
    expect(warnings(open)).toEqual([expect.stringMatching(/notebook\.requireOwnerTag is false: .*every user of the environment can stop, change and delete them/)]);
  });
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
