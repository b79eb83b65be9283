/**
 * npm run diagram: Mermaid drawn from the synthesized JSON, one diagram per stack (network, Studio,
 * notebook; a workload drawn on its network), and the README's copies kept current.
 */
import { Testing, TerraformStack } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { environmentStacks } from "../stacks/environment";
import { NetworkStack } from "../stacks/network-stack";
import { NotebookStack } from "../stacks/notebook-stack";
import { StudioStack } from "../stacks/studio-stack";
import { DIAGRAMS_DOC, diagramsForStacks, mermaidForStack, README_STACKS, renderIntoReadme } from "../scripts/diagram-lib";
import { README_CONFIG, readmeDiagrams } from "../scripts/readme-diagrams";
import { azs, envFrom, Json, networkStack, notebookStack, resourcesOf, synthJson, withNotebook } from "./support/synth";

const node = (tier: string, az: string) => `${tier}_${az.replace(/-/g, "_")}`;

/** An environment's stacks in one App, as main.ts builds them, synthesized. */
function environment(raw: Record<string, unknown>, file?: string): { network: Json; studio?: Json; notebook?: Json } {
  const env = envFrom(raw, file);
  const network = new NetworkStack(Testing.app(), env);
  return {
    network: synthJson(network),
    studio: env.studio.enabled ? synthJson(new StudioStack(network, env)) : undefined,
    notebook: env.notebook.enabled ? synthJson(new NotebookStack(network, env)) : undefined,
  };
}

/** The four route arrows of every AZ's inspected path. */
function expectLanes(mermaid: string, letters: string): void {
  for (const az of azs("us-east-1", letters)) {
    expect(mermaid).toContain(`subgraph az_${az.replace(/-/g, "_")}["${az}"]`);
    expect(mermaid).toContain(`${node("workload", az)} -->|"0.0.0.0/0 to NAT gateway"| ${node("nat", az)}`);
    expect(mermaid).toContain(`${node("nat", az)} -->|"0.0.0.0/0 to firewall endpoint"| ${node("firewall", az)}`);
    expect(mermaid).toContain(`${node("firewall", az)} -->|"0.0.0.0/0 to IGW"| igw`);
    expect(mermaid).toMatch(new RegExp(`igw -->\\|"10\\.2\\.128\\.\\d+/28 to firewall endpoint"\\| ${node("firewall", az)}`));
  }
  expect(mermaid.match(/-->\|/g)).toHaveLength(4 * letters.length);
}

test("network stack: each AZ is a lane with its three subnets and the four routes of the inspected path, and no SageMaker", () => {
  const letters = "bac";
  const mermaid = mermaidForStack(synthJson(networkStack({ availabilityZones: azs("us-east-1", letters) })));
  expectLanes(mermaid, letters);
  expect(mermaid).toMatch(/endpoints\[\("VPC endpoints: \d+ interface \(an ENI per AZ\), 1 S3 gateway"\)\]/);
  expect(mermaid).not.toMatch(/studio|notebook\[\[/);
});

test("the picture follows the JSON: a route pointed at another AZ is drawn that way", () => {
  const json: Json = synthJson(networkStack({}));
  const [, route] = resourcesOf(json, "aws_route").find(([n]) => n.includes("us-east-1a_nat_default-route"))!;
  route.vpc_endpoint_id = route.vpc_endpoint_id.replace('["us-east-1a"]', '["us-east-1c"]');
  expect(mermaidForStack(json)).toContain(`${node("nat", "us-east-1a")} -->|"0.0.0.0/0 to firewall endpoint"| ${node("firewall", "us-east-1c")}`);
});

test("Studio stack: the domain in every AZ's workload subnet; on its network, the lanes drawn beneath", () => {
  const letters = "bac";
  const { network, studio } = environment({ availabilityZones: azs("us-east-1", letters) });
  const alone = mermaidForStack(studio!);
  const onNetwork = mermaidForStack(studio!, { network });
  for (const mermaid of [alone, onNetwork]) {
    expect(mermaid).toContain('studio[["SageMaker Studio domain (VpcOnly)"]]');
    for (const az of azs("us-east-1", letters)) expect(mermaid).toContain(`studio -.- ${node("workload", az)}`);
  }
  // Alone it holds no route (the Studio stack has none) and names its subnets through the contract.
  expect(alone).not.toContain("-->|");
  expect(alone).not.toContain("igw");
  expect(alone).toContain(`${node("workload", "us-east-1a")}["workload subnet (from the network contract)`);
  expectLanes(onNetwork, letters);
  expect(onNetwork).not.toContain("network contract");
});

test("notebook stack: the instance in its configured AZ's workload subnet", () => {
  const mermaid = mermaidForStack(synthJson(notebookStack({ notebook: { availabilityZone: "us-east-1b" } })));
  expect(mermaid).toContain('notebook[["SageMaker notebook instance ml.t3.medium"]]');
  expect(mermaid).toContain(`notebook -.- ${node("workload", "us-east-1b")}`);
  expect(mermaid).not.toContain(`notebook -.- ${node("workload", "us-east-1a")}`);
});

test("the picture follows the JSON: a workload's subnet is the one the network's contract publishes for its AZ", () => {
  const { network, notebook } = environment(withNotebook({ studio: { enabled: false } }, "us-east-1b"));
  const subnet = (az: string) => resourcesOf(network, "aws_subnet").find(([, s]) => s.availability_zone === az && s.tags.Tier === "workload")![0];
  expect(mermaidForStack(notebook!, { network })).toContain(`notebook -.- ${node("workload", "us-east-1b")}`);
  // Point the contract's us-east-1b entry at us-east-1c's subnet: the notebook is drawn there.
  const [, parameter] = resourcesOf(network, "aws_ssm_parameter").find(([, p]) => p.name.endsWith("/network/contract"))!;
  parameter.value = parameter.value.replace(`"us-east-1b" = aws_subnet.${subnet("us-east-1b")}.id`, `"us-east-1b" = aws_subnet.${subnet("us-east-1c")}.id`);
  const moved = mermaidForStack(notebook!, { network });
  expect(moved).toContain(`notebook -.- ${node("workload", "us-east-1c")}`);
  expect(moved).not.toContain(`notebook -.- ${node("workload", "us-east-1b")}`);
});

test("a workload is never drawn on a network whose contract it does not read", () => {
  const dev = environment({});
  const other = environment({}, "config/other.json");
  expect(() => mermaidForStack(dev.studio!, { network: other.network })).toThrow(/publishes .*other.*, but the stack reads .*test/);
  expect(() => diagramsForStacks({ "test-studio": dev.studio! })).toThrow(/no stack of this app publishes/);
});

test("npm run diagram draws one diagram per stack of every environment, each workload on its own environment's network", () => {
  const app = Testing.app();
  const environments = [
    envFrom(withNotebook({}), "config/dev.json"),
    envFrom({ vpcCidr: "10.3.0.0/16" }, "config/prod.json"),
    envFrom(withNotebook({ vpcCidr: "10.4.0.0/16", studio: { enabled: false } }), "config/lab.json"),
  ];
  const stacks: TerraformStack[] = environments.flatMap((env) => environmentStacks(app, env));
  const json = Object.fromEntries(stacks.map((s) => [s.node.id, synthJson(s)]));
  const diagrams = diagramsForStacks(json);
  expect(Object.keys(diagrams).sort()).toEqual(["dev-network", "dev-notebook", "dev-studio", "lab-network", "lab-notebook", "prod-network", "prod-studio"]);
  for (const [name, mermaid] of Object.entries(diagrams)) {
    const env = name.replace(/-(network|studio|notebook)$/, "");
    if (name.endsWith("-network")) expect(mermaid).toBe(mermaidForStack(json[name]));
    else expect(mermaid).toBe(mermaidForStack(json[name], { network: json[`${env}-network`] }));
  }
});

describe("the docs' diagrams (docs/architecture.md)", () => {
  expect(DIAGRAMS_DOC).toBe("docs/architecture.md"); // where the README's links send readers for them
  const readme = readFileSync(join(__dirname, "..", DIAGRAMS_DOC), "utf8");
  let diagrams: Record<string, string>;
  beforeAll(() => {
    diagrams = readmeDiagrams();
  });

  test("are the current ones for the docs' example environment (run `npm run diagram` after changes)", () => {
    expect(README_STACKS.length).toBeGreaterThan(0);
    for (const name of README_STACKS) {
      expect(diagrams[name]).toBeDefined();
      expect(renderIntoReadme(readme, name, diagrams[name])).toBe(readme);
    }
  });

  test("come from a config outside config/, which the page names", () => {
    expect(README_CONFIG).not.toMatch(/^config[\\/]/);
    expect(readme).toContain(`\`${README_CONFIG}\``);
  });
});
