/**
 * The deploy dependency graph: the critical-path helper itself, and that SageMaker waits for the
 * firewall and NAT gateways only where it must (a notebook lifecycle script needs the internet at
 * creation; a Studio domain or user profile does not).
 */
import { join } from "node:path";
import { criticalPath, dependencyGraph, transitiveDependencies } from "../scripts/graph-lib";
import { Json, notebookStack, resourcesOf, studioStack, synthJson } from "./support/synth";

const EGRESS = /^aws_(networkfirewall_firewall|nat_gateway|eip|route)\./;

function waitsFor(json: Json, type: string): string[] {
  const graph = dependencyGraph(json);
  return resourcesOf(json, type).flatMap(([name]) => [...transitiveDependencies(graph, `${type}.${name}`)].filter((d) => EGRESS.test(d)));
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

test("the Studio domain and user profiles do not wait for the firewall, NAT gateways or routes", () => {
  const json = synthJson(studioStack({}));
  expect(waitsFor(json, "aws_sagemaker_domain")).toEqual([]);
  expect(waitsFor(json, "aws_sagemaker_user_profile")).toEqual([]);
});

test("a notebook without lifecycle scripts does not wait for them either", () => {
  expect(waitsFor(synthJson(notebookStack({})), "aws_sagemaker_notebook_instance")).toEqual([]);
});

test("a notebook with lifecycle scripts waits for its own AZ's egress path, and only that", () => {
  const json = synthJson(notebookStack({ notebook: { availabilityZone: "us-east-1b", lifecycle: { onStart: "on-start.sh" } } }, join(__dirname, "fixtures")));
  const waits = waitsFor(json, "aws_sagemaker_notebook_instance");
  expect(waits).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_networkfirewall_firewall\./), expect.stringMatching(/^aws_nat_gateway\.network_us-east-1b_/)]));
  expect(waits.filter((d) => /_us-east-1[ac]_/.test(d))).toEqual([]);
});
