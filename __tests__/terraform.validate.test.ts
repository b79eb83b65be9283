/**
 * Layer 2: `terraform validate` of every synthesized stack against the real AWS provider schema
 * (hashicorp/aws 5.100.0, offline from the mirror): every stack (network, Studio, notebook) of
 * each environment these tests build, plus the 1-AZ and 6-AZ extremes and the optional features
 * (TLS inspection, allowedSourceCidrs).
 */
import { Testing } from "cdktf";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { environmentStacks } from "../stacks/environment";
import { azs, envFrom, Json, synthToDir, withNotebook } from "./support/synth";
import { describeWithTerraform, tempDir, terraform } from "./support/terraform";

const environments = [
  envFrom(withNotebook({ availabilityZones: azs("us-east-1", "a") }), "config/one-az.json"),
  envFrom(withNotebook({ region: "eu-west-1", availabilityZones: azs("eu-west-1", "abc") }, "eu-west-1b"), "config/three-az.json"),
  envFrom(withNotebook({ region: "us-east-1", availabilityZones: azs("us-east-1", "abcdef"), storage: { preventDestroy: false } }, "us-east-1f"), "config/six-az.json"),
  envFrom({ studio: { enabled: false }, notebook: { enabled: true, availabilityZone: "us-east-1b" }, assumeRoleArn: "arn:aws:iam::111122223333:role/Deployer" }, "config/nbonly.json"),
  // TLS inspection: the firewall's TLS configuration, Studio's lifecycle configuration, the notebook's CA script
  envFrom(
    withNotebook({
      firewall: { tlsInspection: { certificateAuthorityArn: "arn:aws:acm:us-east-1:111122223333:certificate/11111111-2222-3333-4444-555555555555", caCertificateFile: "inspection-ca.pem" } },
      studio: { allowedSourceCidrs: ["203.0.113.0/24"] },
    }),
    "config/tls.json",
    join(__dirname, "fixtures"),
  ),
];

interface Validation {
  readonly code: number;
  readonly diagnostics: ReadonlyArray<Json>;
}

/**
 * Copies each stack dir to modules/<name> of a fresh root (backend dropped, then `edit` if given),
 * calls them all from that root, and runs `terraform validate -json` there once.
 */
function validateAsModules(modules: ReadonlyArray<{ name: string; stackDir: string; edit?: (json: Json) => void }>): Validation {
  const root = tempDir("validate");
  for (const { name, stackDir, edit } of modules) {
    cpSync(stackDir, join(root, "modules", name), { recursive: true });
    const file = join(root, "modules", name, "cdk.tf.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    for (const t of ([] as Json[]).concat(json.terraform ?? [])) delete t.backend;
    edit?.(json);
    writeFileSync(file, JSON.stringify(json));
  }
  writeFileSync(join(root, "main.tf.json"), JSON.stringify({ module: Object.fromEntries(modules.map(({ name }) => [name, { source: `./modules/${name}` }])) }, null, 2));
  const r = terraform(root, ["validate", "-json"], { providerServer: true });
  const result = JSON.parse(r.stdout);
  return { code: r.code, diagnostics: result.diagnostics ?? [] };
}

interface Batch extends Validation {
  /** module directory -> [environment source file, stack id] */
  readonly modules: ReadonlyMap<string, readonly [string, string]>;
}

/**
 * Every stack of every environment, as child modules of one root module (backend blocks dropped:
 * validate never reads them, and they are not allowed outside a root module), validated by one
 * `terraform validate`: one provider schema load instead of one per stack, which is most of a
 * validate's time. Each stack keeps its own provider configurations, so they are validated too.
 * A diagnostic names the file it is about (modules/env<N>-<stack id>/cdk.tf.json, N the index in
 * `environments`).
 */
function validateAll(): Batch {
  const modules = new Map<string, readonly [string, string]>();
  const stacks: Array<{ name: string; stackDir: string }> = [];
  environments.forEach((env, e) => {
    for (const stack of environmentStacks(Testing.app(), env)) {
      const name = `env${e}-${stack.node.id}`;
      stacks.push({ name, stackDir: synthToDir(stack) });
      modules.set(join("modules", name), [env.sourceFile, stack.node.id]);
    }
  });
  return { ...validateAsModules(stacks), modules };
}

describeWithTerraform("terraform validate", () => {
  let batch: Batch;
  beforeAll(() => {
    batch = validateAll();
  });

  test("one validate of every stack of every environment succeeds", () => {
    expect(batch.diagnostics).toEqual([]);
    expect(batch.code).toBe(0);
  });

  // The network and each enabled workload (only config/nbonly.json turns Studio off).
  const expected = (file: string) => (file === "config/nbonly.json" ? ["network", "notebook"] : ["network", "notebook", "studio"]);
  test.each(environments.map((env) => [env.sourceFile] as const))("%s: every stack is in it and has no diagnostics", (file) => {
    const stacks = [...batch.modules].filter(([, [f]]) => f === file);
    expect(stacks.map(([, [, id]]) => id.slice(id.lastIndexOf("-") + 1)).sort()).toEqual(expected(file));
    for (const [dir, [, id]] of stacks) {
      const own = batch.diagnostics.filter((d) => String(d.range?.filename ?? "").startsWith(`${dir}/`));
      expect({ stack: id, diagnostics: own }).toEqual({ stack: id, diagnostics: [] });
    }
  });

  test("it fails, naming the stack's file, on a resource or a provider configuration argument the provider does not know", () => {
    // Checks that can fail: two broken copies of a stack side by side, one with an unknown resource
    // argument, one with an unknown provider argument (a provider error hides the errors of that
    // module's resources, hence two modules).
    const [stack] = environmentStacks(Testing.app(), environments[0]);
    const stackDir = synthToDir(stack);
    const r = validateAsModules([
      { name: "broken-resource", stackDir, edit: (json) => (Object.values<Json>(json.resource.aws_vpc)[0].not_an_argument = true) },
      { name: "broken-provider", stackDir, edit: (json) => (json.provider.aws[0].not_a_provider_argument = true) },
    ]);
    expect(r.code).not.toBe(0);
    const problem = (module: string, argument: string) =>
      expect.objectContaining({
        severity: "error",
        summary: "Extraneous JSON object property",
        detail: expect.stringContaining(`"${argument}"`),
        range: expect.objectContaining({ filename: `modules/${module}/cdk.tf.json` }),
      });
    expect(r.diagnostics).toEqual(expect.arrayContaining([problem("broken-resource", "not_an_argument"), problem("broken-provider", "not_a_provider_argument")]));
    expect(r.diagnostics).toHaveLength(2);
  });
});

describe("the provider server (validate and mock-provider tests only)", () => {
  test("is refused for a command that configures providers, and for a test file with a real aws provider", () => {
    const dir = tempDir("provider-server-guard");
    expect(() => terraform(dir, ["plan"], { providerServer: true })).toThrow(/for validate and test, not plan/);
    writeFileSync(join(dir, "real.tftest.hcl"), 'provider "aws" {\n  region = "us-east-1"\n}\nrun "x" {\n  command = plan\n}\n');
    expect(() => terraform(dir, ["test"], { providerServer: true })).toThrow(/real.tftest.hcl configures a real aws provider/);
    // Mocks, but not the configuration's alias: terraform would configure the real provider for it.
    writeFileSync(join(dir, "real.tftest.hcl"), 'mock_provider "aws" {\n  override_during = plan\n}\nrun "x" {\n  command = plan\n}\n');
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ provider: { aws: [{ region: "us-east-1" }, { alias: "account-check", region: "us-east-1" }] } }));
    expect(() => terraform(dir, ["test"], { providerServer: true })).toThrow(/does not mock aws.account-check/);
  });
});
