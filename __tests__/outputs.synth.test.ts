/**
 * What every stack's generated configuration promises its users: each output says what it is
 * (`description`, shown by `terraform output` and in Terraform Cloud), and the configuration
 * declares the Terraform and provider versions it needs, as docs/operations.md and docs/architecture.md state them, so an older
 * terraform or another provider release stops at `init` instead of failing somewhere later.
 */
import { Testing } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { environmentStacks } from "../stacks/environment";
import { envFrom, Json, synthJson, withNotebook } from "./support/synth";

const doc = (page: string) => readFileSync(join(__dirname, "..", "docs", page), "utf8");
/** "Terraform >= 1.10" in docs/operations.md's "Deploy". */
const DEPLOY = doc("operations.md").split("\n## Deploy\n")[1] ?? "";
const README_TERRAFORM = /Terraform (>= \d+\.\d+)\b/.exec(DEPLOY)?.[1];
/** "(= `hashicorp/aws` 5.100.0)" in docs/architecture.md's "Pinned toolchain". */
const TOOLCHAIN = doc("architecture.md").split("\n## Pinned toolchain\n")[1] ?? "";
const README_AWS_PROVIDER = /`hashicorp\/aws` (\d+\.\d+\.\d+)/.exec(TOOLCHAIN)?.[1];

/** Every stack of every kind: Studio (with the optional policy output), notebook, and a notebook-only environment. */
function allStacks(): Record<string, Json> {
  const environments = [
    envFrom(withNotebook({ studio: { allowedSourceCidrs: ["192.0.2.0/24"] } }), "config/both.json"),
    envFrom(withNotebook({ studio: { enabled: false }, backend: { type: "s3", bucket: "state-bucket" } }), "config/nbonly.json"),
  ];
  return Object.fromEntries(environments.flatMap((env) => environmentStacks(Testing.app(), env)).map((stack) => [stack.node.id, synthJson(stack)]));
}

/** Outputs of a stack's JSON whose description is missing or blank. */
function undescribedOutputs(json: Json): string[] {
  return Object.entries<Json>(json.output ?? {})
    .filter(([, output]) => typeof output.description !== "string" || output.description.trim() === "")
    .map(([name]) => name);
}

let stacks: Record<string, Json>;
beforeAll(() => {
  stacks = allStacks();
});

test("the stacks under test are every kind, with their optional outputs", () => {
  expect(Object.keys(stacks).sort()).toEqual(["both-network", "both-notebook", "both-studio", "nbonly-network", "nbonly-notebook"]);
  expect(Object.keys(stacks["both-studio"].output)).toContain("studio_presigned_url_policy_json");
});

test("every output of every stack has a description", () => {
  for (const [name, json] of Object.entries(stacks)) {
    expect(Object.keys(json.output ?? {}).length).toBeGreaterThan(0);
    expect({ stack: name, undescribed: undescribedOutputs(json) }).toEqual({ stack: name, undescribed: [] });
  }
});

test("the description check finds an output without one", () => {
  const broken: Json = JSON.parse(JSON.stringify(stacks["both-network"]));
  delete broken.output.vpc_id.description;
  broken.output.firewall_arn.description = " ";
  expect(undescribedOutputs(broken)).toEqual(["firewall_arn", "vpc_id"]);
});

test("every stack requires the Terraform version docs/operations.md states", () => {
  expect(README_TERRAFORM).toBe(">= 1.10");
  for (const [name, json] of Object.entries(stacks)) expect({ stack: name, required: json.terraform.required_version }).toEqual({ stack: name, required: README_TERRAFORM });
});

test("every stack pins the hashicorp/aws release docs/architecture.md names, and every provider it uses has a constraint", () => {
  expect(README_AWS_PROVIDER).toBeDefined();
  for (const [name, json] of Object.entries(stacks)) {
    const required: Record<string, { source: string; version?: string }> = json.terraform.required_providers;
    expect({ stack: name, aws: required.aws }).toEqual({ stack: name, aws: { source: "aws", version: README_AWS_PROVIDER } });
    for (const provider of Object.keys(json.provider ?? {})) expect({ stack: name, provider, version: required[provider]?.version }).toEqual({ stack: name, provider, version: expect.any(String) });
  }
});
