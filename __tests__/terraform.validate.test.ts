/**
 * Layer 2: `terraform validate` of every synthesized stack against the real AWS provider schema
 * (hashicorp/aws 5.100.0, offline from the mirror): the Studio and notebook stacks of every
 * config/*.json environment, plus the 1-AZ and 6-AZ extremes.
 */
import { Testing } from "cdktf";
import { join } from "node:path";
import { loadAllEnvironments } from "../modules/config/load";
import { NotebookStack } from "../stacks/notebook-stack";
import { StudioStack } from "../stacks/studio-stack";
import { azs, envFrom, synthToDir } from "./support/synth";
import { describeWithTerraform, terraform, terraformInit } from "./support/terraform";

const shipped = loadAllEnvironments(join(__dirname, "..", "config"));
const extremes = [
  envFrom({ availabilityZones: azs("us-east-1", "a") }, "config/one-az.json"),
  envFrom({ region: "us-east-1", availabilityZones: azs("us-east-1", "abcdef") }, "config/six-az.json"),
];

describeWithTerraform("terraform validate", () => {
  test.each([...shipped, ...extremes].map((env) => [env.sourceFile, env] as const))("%s: every stack is valid", (_file, env) => {
    const app = Testing.app();
    for (const stack of [new StudioStack(app, env), new NotebookStack(app, env)]) {
      const dir = synthToDir(stack);
      terraformInit(dir);
      const r = terraform(dir, ["validate", "-json"]);
      const result = JSON.parse(r.output.slice(r.output.indexOf("{")));
      expect({ stack: stack.node.id, diagnostics: result.diagnostics }).toEqual({ stack: stack.node.id, diagnostics: [] });
      expect(r.code).toBe(0);
    }
  });
});
