/** npm run diagram: Mermaid drawn from the synthesized JSON, and the README's copies kept current. */
import { Testing } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadAllEnvironments } from "../modules/config/load";
import { NotebookStack } from "../stacks/notebook-stack";
import { StudioStack } from "../stacks/studio-stack";
import { mermaidForStack, README_STACKS, renderIntoReadme } from "../scripts/diagram-lib";
import { azs, Json, notebookStack, resourcesOf, studioStack, synthJson } from "./support/synth";

const node = (tier: string, az: string) => `${tier}_${az.replace(/-/g, "_")}`;

test("each AZ is a lane with its three subnets and the four routes of the inspected path", () => {
  const letters = "bac";
  const mermaid = mermaidForStack(synthJson(studioStack({ availabilityZones: azs("us-east-1", letters) })));
  for (const az of azs("us-east-1", letters)) {
    expect(mermaid).toContain(`subgraph az_${az.replace(/-/g, "_")}["${az}"]`);
    expect(mermaid).toContain(`${node("workload", az)} -->|"0.0.0.0/0 to NAT gateway"| ${node("nat", az)}`);
    expect(mermaid).toContain(`${node("nat", az)} -->|"0.0.0.0/0 to firewall endpoint"| ${node("firewall", az)}`);
    expect(mermaid).toContain(`${node("firewall", az)} -->|"0.0.0.0/0 to IGW"| igw`);
    expect(mermaid).toMatch(new RegExp(`igw -->\\|"10\\.2\\.128\\.\\d+/28 to firewall endpoint"\\| ${node("firewall", az)}`));
    expect(mermaid).toContain(`studio -.- ${node("workload", az)}`);
  }
  expect(mermaid.match(/-->\|/g)).toHaveLength(4 * letters.length);
});

test("the picture follows the JSON: a route pointed at another AZ is drawn that way", () => {
  const json: Json = synthJson(studioStack({}));
  const [, route] = resourcesOf(json, "aws_route").find(([n]) => n.includes("us-east-1a_nat_default-route"))!;
  route.vpc_endpoint_id = route.vpc_endpoint_id.replace('["us-east-1a"]', '["us-east-1c"]');
  expect(mermaidForStack(json)).toContain(`${node("nat", "us-east-1a")} -->|"0.0.0.0/0 to firewall endpoint"| ${node("firewall", "us-east-1c")}`);
});

test("the notebook stack shows the instance in its configured AZ's workload subnet", () => {
  const mermaid = mermaidForStack(synthJson(notebookStack({ notebook: { availabilityZone: "us-east-1b" } })));
  expect(mermaid).toContain("notebook[[\"SageMaker notebook instance ml.t3.medium\"]]");
  expect(mermaid).toContain(`notebook -.- ${node("workload", "us-east-1b")}`);
  expect(mermaid).not.toContain(`notebook -.- ${node("workload", "us-east-1a")}`);
});

test("the README's diagrams are the current ones for config/ (run `npm run diagram` after changes)", () => {
  const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
  const app = Testing.app();
  const stacks = loadAllEnvironments(join(__dirname, "..", "config")).flatMap((env) => [new StudioStack(app, env), new NotebookStack(app, env)]);
  for (const name of README_STACKS) {
    const stack = stacks.find((s) => s.node.id === name)!;
    expect(renderIntoReadme(readme, name, mermaidForStack(JSON.parse(Testing.synth(stack))))).toBe(readme);
  }
});
