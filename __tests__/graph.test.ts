/**
 * The deploy dependency graph: the critical-path helper itself, and that SageMaker never waits for
 * the firewall or NAT gateways. In the per-environment layout the firewall, NAT gateways and routes
 * live in `<env>-network` only; the Studio and notebook stacks hold none of them and reach the
 * network only through the published contract (one SSM parameter data source) and cdktf's stack
 * dependency (the network stack is deployed first, as a whole).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Testing } from "cdktf";
import { criticalPath, dependencyGraph, transitiveDependencies } from "../scripts/graph-lib";
import { NetworkStack } from "../stacks/network-stack";
import { NotebookStack } from "../stacks/notebook-stack";
import { StudioStack } from "../stacks/studio-stack";
import { envFrom, Json, resourcesOf, synthJson, withNotebook } from "./support/synth";

const EGRESS_TYPES = /^aws_(networkfirewall_[a-z_]+|nat_gateway|eip|route|route_table|route_table_association|internet_gateway|subnet|vpc)$/;
const EGRESS = /^aws_(networkfirewall_firewall|nat_gateway|eip|route)\./;
const CONTRACT = "/sagemaker-studio-anfw/test/network/contract";

function waitsFor(json: Json, type: string): string[] {
  const graph = dependencyGraph(json);
  return resourcesOf(json, type).flatMap(([name]) => [...transitiveDependencies(graph, `${type}.${name}`)].filter((d) => EGRESS.test(d)));
}

/** An environment's stacks, built as main.ts builds them: one App, the network first. */
function environment(raw: Record<string, unknown>, baseDir?: string) {
  const env = envFrom(raw, undefined, baseDir);
  const network = new NetworkStack(Testing.app(), env);
  const studio = env.studio.enabled ? new StudioStack(network, env) : undefined;
  const notebook = env.notebook.enabled ? new NotebookStack(network, env) : undefined;
  return { network, studio, notebook };
}

test("the critical path follows references, depends_on and locals, and weights", () => {
  const json: Json = {
    locals: { m: "${aws_b.b.id}" },
    resource: {
      aws_a: { a: {} },
      aws_b: { b: { x: "${aws_a.a.id}" } },
      aws_c: { c: { y: "${local.m}", depends_on: ["aws_d.d"] } },
      aws_d: { d: {} },
    },
  };
  const graph = dependencyGraph(json);
  expect([...graph.get("aws_c.c")!].sort()).toEqual(["aws_b.b", "aws_d.d"]);
  expect(criticalPath(graph)).toEqual({ path: ["aws_a.a", "aws_b.b", "aws_c.c"], total: 3 });
  expect(criticalPath(graph, (a) => (a === "aws_d.d" ? 10 : 1)).path).toEqual(["aws_d.d", "aws_c.c"]);
});

describe.each([
  ["Studio", {}, undefined, ["studio"]],
  ["Studio and a notebook without lifecycle scripts", withNotebook({}), undefined, ["studio", "notebook"]],
  [
    "a notebook with lifecycle scripts",
    withNotebook({ studio: { enabled: false }, notebook: { lifecycle: { onStart: "on-start.sh" } } }, "us-east-1b"),
    join(__dirname, "fixtures"),
    ["notebook"],
  ],
])("%s", (_label, raw, baseDir, kinds) => {
  const { network, studio, notebook } = environment(raw as Record<string, unknown>, baseDir as string | undefined);
  const workloads = [studio, notebook].filter((s): s is StudioStack | NotebookStack => s !== undefined);
  const networkJson = synthJson(network);

  test("the network stack holds the egress path and no SageMaker", () => {
    expect(resourcesOf(networkJson, "aws_networkfirewall_firewall")).toHaveLength(1);
    expect(resourcesOf(networkJson, "aws_nat_gateway").length).toBeGreaterThan(0);
    expect(Object.keys(networkJson.resource).filter((t) => t.startsWith("aws_sagemaker_"))).toEqual([]);
    expect(network.dependencies).toEqual([]);
  });

  test("the workload stacks have no firewall, NAT, route or subnet at all", () => {
    expect(workloads.map((w) => w.kind)).toEqual(kinds);
    for (const stack of workloads) expect(Object.keys(synthJson(stack).resource).filter((t) => EGRESS_TYPES.test(t))).toEqual([]);
  });

  test("SageMaker resources do not wait for the firewall, NAT gateways or routes", () => {
    for (const stack of workloads) {
      const json = synthJson(stack);
      for (const type of ["aws_sagemaker_domain", "aws_sagemaker_user_profile", "aws_sagemaker_notebook_instance"]) {
        expect(waitsFor(json, type)).toEqual([]);
      }
      // (the lifecycle case really has its lifecycle configuration)
      if (String(_label).includes("with lifecycle")) {
        expect(resourcesOf(json, "aws_sagemaker_notebook_instance_lifecycle_configuration")).toHaveLength(1);
      }
      // The notebook instance no longer lists the lane's egress routes in depends_on: they are in
      // another stack, which is deployed first.
      for (const [, instance] of resourcesOf(json, "aws_sagemaker_notebook_instance")) {
        for (const d of (instance.depends_on ?? []) as string[]) expect(d).not.toMatch(EGRESS);
      }
    }
  });

  test("each workload reaches the network only through the contract parameter and the stack dependency", () => {
    for (const stack of workloads) {
      const json = synthJson(stack);
      // cdktf's stack dependency: the network is deployed before (and destroyed after) the workload.
      expect(stack.dependencies).toEqual([network]);
      // No cross-stack references (they would compile to terraform_remote_state) and no lookups of
      // network resources: the only data source that reads what the network made is the contract.
      expect(Object.keys(json.data).sort()).toEqual(["aws_caller_identity", "aws_iam_policy_document", "aws_partition", "aws_ssm_parameters_by_path"]);
      const parameters = Object.entries(json.data.aws_ssm_parameters_by_path as Json);
      expect(parameters.map(([, p]) => `${p.path}/contract`)).toEqual([CONTRACT]);
      expect(JSON.stringify(json)).not.toContain("terraform_remote_state");
      // Every edge of the graph stays inside this stack's JSON.
      const graph = dependencyGraph(json);
      for (const [address, deps] of graph) {
        for (const d of deps) expect({ address, dependsOn: d, known: graph.has(d) }).toEqual({ address, dependsOn: d, known: true });
      }
      // And what SageMaker needs from the network (VPC, subnets) comes through that parameter.
      const contract = `data.aws_ssm_parameters_by_path.${parameters[0][0]}`;
      for (const type of ["aws_sagemaker_domain", "aws_sagemaker_notebook_instance"]) {
        for (const [name] of resourcesOf(json, type)) expect(transitiveDependencies(graph, `${type}.${name}`)).toContain(contract);
      }
    }
  });

  test("the synthesized manifest records the dependency cdktf deploys by", () => {
    const app = network.node.scope as App;
    app.synth();
    const manifest = JSON.parse(readFileSync(join(app.outdir, "manifest.json"), "utf8"));
    for (const stack of workloads) expect(manifest.stacks[stack.node.id].dependencies).toEqual([network.node.id]);
    expect(manifest.stacks[network.node.id].dependencies).toEqual([]);
  });
});

// Dropped with the per-environment layout: "a notebook with lifecycle scripts waits for its own
// AZ's egress path, and only that". The egress routes now live in the network stack, which cdktf
// deploys first and as a whole, so by the time the notebook stack is applied every AZ's path
// exists; the notebook instance no longer depends_on them (asserted above: the notebook stack
// holds no egress resources and its instance waits for none).
