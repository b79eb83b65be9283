/** Backends from config: local by default, Terraform Cloud per stack, S3 with native locking. */
import { TerraformStack } from "cdktf";
import { Json, networkStack, notebookStack, studioStack, synthJson, TEST_ACCOUNT } from "./support/synth";
import { ConfigError, parseEnvironment } from "../modules/config/load";

const backendOf = (json: Json) => json.terraform.backend ?? json.terraform.cloud;

/** The three stacks of the test environment ("test", from config/test.json), each built from `raw`. */
const STACKS: ReadonlyArray<[string, (raw: Record<string, unknown>) => TerraformStack]> = [
  ["test-network", networkStack],
  ["test-studio", studioStack],
  ["test-notebook", notebookStack],
];

test("stacks are named <environment>-network, -studio and -notebook", () => {
  for (const [name, make] of STACKS) expect(make({}).node.id).toBe(name);
});

test("local state by default, in the project folder, with no machine-specific path, one file per stack", () => {
  for (const [name, make] of STACKS) {
    expect(synthJson(make({})).terraform.backend).toEqual({ local: { path: `../../../terraform.${name}.tfstate` } });
  }
});

test("Terraform Cloud: one named workspace per stack, optional project, no token in the JSON", () => {
  const cloud = { type: "cloud", organization: "acme-ml", project: "SageMaker" };
  const studio = synthJson(studioStack({ backend: cloud }));
  expect(studio.terraform.cloud).toEqual({
    hostname: "app.terraform.io",
    organization: "acme-ml",
    workspaces: { name: "sagemaker-studio-anfw-test-studio", project: "SageMaker" },
  });
  expect(synthJson(networkStack({ backend: cloud })).terraform.cloud.workspaces.name).toBe("sagemaker-studio-anfw-test-network");
  expect(synthJson(notebookStack({ backend: { ...cloud, workspacePrefix: "ml-" } })).terraform.cloud.workspaces.name).toBe("ml-test-notebook");
  expect(synthJson(networkStack({ backend: { ...cloud, workspacePrefix: "ml-" } })).terraform.cloud.workspaces.name).toBe("ml-test-network");
  expect(JSON.stringify(studio.terraform)).not.toMatch(/token/i);
});

test("S3: encrypted, S3-native lock file, one key per stack", () => {
  const backend = { type: "s3", bucket: "acme-tf-state", kmsKeyId: "arn:aws:kms:us-east-1:123456789012:alias/tf-state" };
  for (const [name, make] of STACKS) {
    expect(backendOf(synthJson(make({ backend })))).toEqual({
      s3: {
        bucket: "acme-tf-state",
        key: `sagemaker-studio-anfw/${name}.tfstate`,
        region: "us-east-1",
        encrypt: true,
        kms_key_id: "arn:aws:kms:us-east-1:123456789012:alias/tf-state",
        use_lockfile: true,
      },
    });
  }
});

test.each([
  [{ type: "cloud" }, "backend.organization", /expected string/],
  [{ type: "cloud", organization: "acme ml" }, "backend.organization", /letters, digits/],
  [{ type: "s3", bucket: "Not_A_Bucket" }, "backend.bucket", /S3 bucket name/],
  [{ type: "s3", bucket: "acme-tf-state", dynamodbTable: "locks" }, "backend.dynamodbTable", /unknown key/],
  [{ type: "consul" }, "backend.type", /Expected 'local' \| 'cloud' \| 's3'/],
])("rejects backend %j", (backend, field, what) => {
  try {
    parseEnvironment({ accountId: TEST_ACCOUNT, backend }, "config/qa.json");
    throw new Error("accepted");
  } catch (e) {
    const problems = (e as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`config/qa.json: ${field}: `)).toBe(true);
    expect(problems[0]).toMatch(what);
  }
});
