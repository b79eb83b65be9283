/** Helpers to build stacks from inline configs and read their synthesized JSON. */
import { Testing, TerraformStack } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentConfig, parseEnvironment } from "../../modules/config/load";
import { StackView } from "../../modules/guardrails/stack-view";
import { NetworkStack } from "../../stacks/network-stack";
import { NotebookStack } from "../../stacks/notebook-stack";
import { StudioStack } from "../../stacks/studio-stack";

export type Json = Record<string, any>;

/** The account every test config deploys to unless it says otherwise. */
export const TEST_ACCOUNT = "111122223333";

/** Parses a config as config/test.json would be; `accountId` defaults to TEST_ACCOUNT. */
export function envFrom(raw: Record<string, unknown>, file = "config/test.json", baseDir?: string): EnvironmentConfig {
  return parseEnvironment({ accountId: TEST_ACCOUNT, ...raw }, file, baseDir);
}

export function azs(region: string, letters: string): string[] {
  return [...letters].map((l) => `${region}${l}`);
}

/** The network stack of a config, in an app of its own. */
export function networkStack(raw: Record<string, unknown>, baseDir?: string): NetworkStack {
  return new NetworkStack(Testing.app(), envFrom(raw, undefined, baseDir));
}

/** The Studio stack of a config, on its network stack (same app). */
export function studioStack(raw: Record<string, unknown>, baseDir?: string): StudioStack {
  const env = envFrom(raw, undefined, baseDir);
  return new StudioStack(new NetworkStack(Testing.app(), env), env);
}

/** A config with the notebook enabled in `az` (default: the region's "a"), merged into `raw.notebook`. */
export function withNotebook(raw: Record<string, unknown>, az?: string): Record<string, unknown> {
  const notebook = (raw.notebook ?? {}) as Record<string, unknown>;
  const region = (raw.region as string | undefined) ?? "us-east-1";
  return { ...raw, notebook: { enabled: true, availabilityZone: az ?? `${region}a`, ...notebook } };
}

/** The notebook stack of a config (notebook enabled in the region's "a" unless `raw` says otherwise). */
export function notebookStack(raw: Record<string, unknown>, baseDir?: string): NotebookStack {
  const env = envFrom(withNotebook(raw), undefined, baseDir);
  return new NotebookStack(new NetworkStack(Testing.app(), env), env);
}

/** The stack's Terraform JSON as an object. */
export function synthJson(stack: TerraformStack): Json {
  return JSON.parse(Testing.synth(stack));
}

/** Writes the full stack (cdk.tf.json) to disk and returns the stack's directory. */
export function synthToDir(stack: TerraformStack): string {
  const out = Testing.fullSynth(stack);
  return join(out, "stacks", stack.node.id);
}

export function readStackJson(dir: string): Json {
  return JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
}

/** All resources of a type as [address-name, body] pairs. */
export function resourcesOf(json: Json, type: string): Array<[string, Json]> {
  return Object.entries((json.resource ?? {})[type] ?? {});
}

/** The single resource of `type` (fails the test if there are none or several). */
export function one(json: Json, type: string): [string, Json] {
  const all = resourcesOf(json, type);
  expect(all).toHaveLength(1);
  return all[0];
}

/**
 * Statements of the aws_iam_policy_document a `${data.aws_iam_policy_document.x.json}` value names
 * (the guardrails' own lookup); fails the test if the value is not such a reference.
 */
export function policyStatements(json: Json, ref: unknown): Json[] {
  const statements = new StackView(json).policyStatements(ref);
  expect(statements).toBeDefined();
  return statements!;
}

/** "${aws_subnet.x.id}" -> "aws_subnet.x" (the referenced resource), or undefined. */
export function referencedAddress(expr: unknown): string | undefined {
  if (typeof expr !== "string") return undefined;
  const m = /^\$\{([a-z0-9_]+\.[^.}]+)\.[a-z_]+\}$/.exec(expr);
  return m?.[1];
}
