/**
 * The per-flow table of docs/egress-perimeter.md ("What the firewall does to each flow"), rendered
 * from the engine layer's results on the docs' example environment (scripts/readme-diagrams/dev.json),
 * never written by hand. `npm run firewall-engine -- --docs` renders it into TABLE_DOC;
 * __tests__/firewall.engine.test.ts checks the page holds what this renders.
 */
import { App } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAllEnvironments } from "../../modules/config/load";
import { synthWithGuardrails } from "../../modules/guardrails";
import { environmentStacks } from "../../stacks/environment";
import { README_CONFIG_DIR } from "../readme-diagrams";
import { Evaluation, FlowResult, evaluate } from "./evaluate";

type Json = Record<string, any>;
const ROOT = join(__dirname, "..", "..");

export const TABLE_START = "<!-- firewall-engine:table:start -->";
export const TABLE_END = "<!-- firewall-engine:table:end -->";
/** The page that holds the table between TABLE_START and TABLE_END (relative to the project root). */
export const TABLE_DOC = "docs/egress-perimeter.md";

/** The names a network stack's allowlist gives the catalogue: its first exact name and first ".domain" entry. */
export function subjectOf(stack: Json, denied = "example.net"): { allowed: string; allowedDomain?: string; denied: string } {
  const targets: string[] = Object.values<Json>(stack.resource.aws_networkfirewall_rule_group)
    .map((g) => g.rule_group.rules_source.rules_source_list?.targets)
    .find((t) => t !== undefined);
  if (!targets) throw new Error("the stack has no domain-list rule group");
  const allowed = targets.find((t) => !t.startsWith("."));
  if (!allowed) throw new Error("the allowlist has no exact name for the catalogue's allowed flows");
  if (targets.some((t) => t === denied || (t.startsWith(".") && (`.${denied}`.endsWith(t))))) throw new Error(`${denied} is on the allowlist; choose another name for the denied flows`);
  return { allowed, allowedDomain: targets.find((t) => t.startsWith(".")), denied };
}

/** The README example's network stack, synthesized as `npm run synth` would (in a temp dir). */
export function readmeNetworkStack(): Json {
  const outdir = mkdtempSync(join(tmpdir(), "sagemaker-anfw-firewall-table-"));
  try {
    const app = new App({ outdir });
    const stacks = loadAllEnvironments(README_CONFIG_DIR, ROOT).flatMap((env) => environmentStacks(app, env));
    synthWithGuardrails(app);
    const network = stacks.find((s) => s.node.id.endsWith("-network"));
    if (!network) throw new Error("the README example synthesizes no network stack");
    return JSON.parse(readFileSync(join(outdir, "stacks", network.node.id, "cdk.tf.json"), "utf8"));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function outcomeText(r: FlowResult): string {
  const at = r.decidedOn ? ` at ${r.decidedOn.replace(/-/g, " ")}` : "";
  switch (r.outcome) {
    case "passed":
      return `passed${at}`;
    case "reset":
      return `**reset**${at}`;
    case "dropped":
      return `**dropped**${at}`;
    default:
      return "not decided: forwarded";
  }
}

function ruleText(r: FlowResult): string {
  if (!r.rule) return "";
  if (r.rule.source === "default action") return `default action (${r.rule.msg.replace(/^default action /, "")})`;
  if (r.rule.source === "domain list") return "allowlist (a pass rule AWS generates from it)";
  return `${r.rule.sid} ${r.rule.msg}`;
}

function logText(r: FlowResult): string {
  if (r.logs.length === 0) return "nothing";
  return r.logs.map((l) => `${l.rule.source === "default action" ? "default" : l.rule.sid}${l.name !== undefined ? ` \`${l.name}\`` : ""}`).join(", ");
}

/** The table for an evaluation, a row per flow in catalogue order. */
export function renderTable(e: Evaluation): string {
  const rows = e.catalogue.flows.map((f) => {
    const r = e.results.get(f.id)!;
    return `| ${f.title} | ${outcomeText(r)} | ${ruleText(r)} | ${logText(r)} |`;
  });
  return ["| flow | what the firewall does | deciding rule | alert log (sid, name) |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** TABLE_DOC's table: the catalogue on the docs example's network stack. */
export function readmeTable(): string {
  const stack = readmeNetworkStack();
  return renderTable(evaluate(stack, subjectOf(stack)));
}

export function renderTableIntoReadme(readme: string, table: string): string {
  const from = readme.indexOf(TABLE_START);
  const to = readme.indexOf(TABLE_END);
  if (from < 0 || to < from) throw new Error(`${TABLE_DOC} has no ${TABLE_START} ... ${TABLE_END} markers`);
  return `${readme.slice(0, from)}${TABLE_START}\n${table}\n${readme.slice(to)}`;
}
