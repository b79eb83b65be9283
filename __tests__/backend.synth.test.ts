/** Backends from config: local by default, Terraform Cloud per stack, S3 with native locking. */
import { Json, notebookStack, studioStack, synthJson } from "./support/synth";
import { ConfigError, parseEnvironment } from "../modules/config/load";

const backendOf = (json: Json) => json.terraform.backend ?? json.terraform.cloud;

test("local state by default, in the project folder, with no machine-specific path", () => {
  expect(synthJson(studioStack({})).terraform.backend).toEqual({ local: { path: "../../../terraform.test-studio.tfstate" } });
  expect(synthJson(notebookStack({})).terraform.backend).toEqual({ local: { path: "../../../terraform.test-notebook.tfstate" } });
});

test("Terraform Cloud: one named workspace per stack, optional project, no token in the JSON", () => {
  const cloud = { type: "cloud", organization: "acme-ml", project: "SageMaker" };
  const studio = synthJson(studioStack({ backend: cloud }));
  expect(studio.terraform.cloud).toEqual({
    hostname: "app.terraform.io",
    organization: "acme-ml",
    workspaces: { name: "sagemaker-studio-anfw-test-studio", project: "SageMaker" },
  });
  expect(synthJson(notebookStack({ backend: { ...cloud, workspacePrefix: "ml-" } })).terraform.cloud.workspaces.name).toBe("ml-test-notebook");
  expect(JSON.stringify(studio.terraform)).not.toMatch(/token/i);
});

test("S3: encrypted, S3-native lock file, one key per stack", () => {
  const s3 = synthJson(studioStack({ backend: { type: "s3", bucket: "acme-tf-state", kmsKeyId: "arn:aws:kms:us-east-1:123456789012:alias/tf-state" } }));
  expect(backendOf(s3)).toEqual({
    s3: {
      bucket: "acme-tf-state",
      key: "sagemaker-studio-anfw/test-studio.tfstate",
      region: "us-east-1",
      encrypt: true,
      kms_key_id: "arn:aws:kms:us-east-1:123456789012:alias/tf-state",
      use_lockfile: true,
    },
  });
});

test.each([
  [{ type: "cloud" }, "backend.organization", /expected string/],
  [{ type: "cloud", organization: "acme ml" }, "backend.organization", /letters, digits/],
  [{ type: "s3", bucket: "Not_A_Bucket" }, "backend.bucket", /S3 bucket name/],
  [{ type: "s3", bucket: "acme-tf-state", dynamodbTable: "locks" }, "backend.dynamodbTable", /unknown key/],
  [{ type: "consul" }, "backend.type", /Expected 'local' \| 'cloud' \| 's3'/],
])("rejects backend %j", (backend, field, what) => {
  try {
    parseEnvironment({ backend }, "config/qa.json");
    throw new Error("accepted");
  } catch (e) {
    const problems = (e as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`config/qa.json: ${field}: `)).toBe(true);
    expect(problems[0]).toMatch(what);
  }
});
