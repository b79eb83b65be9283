/**
 * Policy-as-code guardrails: checks each stack's synthesized Terraform against RULES and fails
 * synth, naming every offending resource and rule, before that stack's JSON is written.
 *
 * Attach with `Guardrails.attachTo(stack)`: the check is a construct validation, which cdktf runs
 * after every aspect of the stack (an aspect added later, e.g. one that makes subnets public,
 * cannot slip past it). Used as an Aspect (`Aspects.of(stack).add(new Guardrails())`) it only
 * sees what aspects added before it did. A rule can be waived only on one resource, with a written reason; every waiver used is
 * recorded as a cdktf annotation (printed by `cdktf synth` as INFO), and a waiver no rule needed
 * as a warning, so stale waivers do not pile up.
 */
import { IConstruct } from "constructs";
import { Annotations, App, IAspect, TerraformDataSource, TerraformResource, TerraformStack } from "cdktf";
import { Finding, Rule, RULE_IDS, RULES } from "./rules";
import { StackView } from "./stack-view";

export { RULES } from "./rules";
export type { Rule, Finding } from "./rules";

const WAIVER_METADATA = "guardrails:waiver";
export const MIN_WAIVER_REASON_LENGTH = 20;

interface Waiver {
  readonly ruleId: string;
  readonly reason: string;
  /** Only findings whose message contains this text (one finding), or all of the rule's on the resource. */
  readonly finding?: string;
}

/**
 * Waives `ruleId` for this one resource; with `finding`, only for the findings whose message
 * contains that text (e.g. one allowlist entry), so a later, different finding of the same rule on
 * the same resource is not covered. The reason is required, shown at every synth, and should say
 * why the rule cannot hold here, not that it is inconvenient.
 */
export function waive(resource: TerraformResource | TerraformDataSource, ruleId: string, reason: string, options: { finding?: string } = {}): void {
  if (!(resource instanceof TerraformResource || resource instanceof TerraformDataSource)) {
    throw new Error("guardrail waivers apply to a single resource, not to a construct that groups several");
  }
  if (!RULE_IDS.has(ruleId)) throw new Error(`unknown guardrail rule "${ruleId}" (known: ${[...RULE_IDS].join(", ")})`);
  if (reason.trim().length < MIN_WAIVER_REASON_LENGTH) {
    throw new Error(`a waiver of ${ruleId} on ${resource.node.path} needs a written reason (at least ${MIN_WAIVER_REASON_LENGTH} characters)`);
  }
  resource.node.addMetadata(WAIVER_METADATA, { ruleId, reason: reason.trim(), ...(options.finding ? { finding: options.finding } : {}) } satisfies Waiver);
}

function waiversOf(node: IConstruct): Waiver[] {
  return node.node.metadata.filter((m) => m.type === WAIVER_METADATA).map((m) => m.data as Waiver);
}

/** One finding no waiver covers. */
export interface Violation {
  /** The stack's name. */
  readonly stack: string;
  /** The rule it breaks, e.g. "S3_VERSIONING". */
  readonly ruleId: string;
  /** The resource's Terraform address. */
  readonly address: string;
  /** The resource's construct path (where a waiver would go). */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
}

/** A failed check: every violation of every stack checked (one block per stack). */
export class GuardrailViolation extends Error {
  readonly findings: ReadonlyArray<Violation>;

  constructor(violations: ReadonlyArray<Violation>) {
    const stacks = [...new Set(violations.map((v) => v.stack))];
    super(
      stacks
        .map((stack) => {
          const own = violations.filter((v) => v.stack === stack);
          return (
            `Guardrails failed for stack ${stack} (${own.length} violation${own.length === 1 ? "" : "s"}):\n` +
            own.map((f) => `  [${f.ruleId}] ${f.address} (${f.path}): ${f.message}`).join("\n")
          );
        })
        .join("\n") + `\nFix the resource, or waive the rule on that one resource with waive(resource, "<RULE>", "<reason>") (docs/security.md, "Waivers").`,
    );
    this.findings = violations;
    this.name = "GuardrailViolation";
  }

  /** The first stack's name (compatibility with one-stack callers). */
  get stack(): string {
    return this.findings[0]?.stack ?? "";
  }
}

/** Apps being synthesized by synthWithGuardrails, and the violations their stacks reported. */
const COLLECTORS = new WeakMap<IConstruct, Violation[]>();

/**
 * `app.synth()` with every stack's guardrail violations reported together: each stack is checked
 * after its aspects as usual, nothing stops at the first failing stack, and at the end one
 * GuardrailViolation names every violation of every stack. (The JSON of the stacks is written
 * as cdktf goes; a failed run's output must not be used.)
 */
export function synthWithGuardrails(app: App): void {
  const violations: Violation[] = [];
  COLLECTORS.set(app, violations);
  try {
    app.synth();
  } finally {
    COLLECTORS.delete(app);
  }
  if (violations.length > 0) throw new GuardrailViolation(violations);
}

export interface GuardrailsOptions {
  /** The rules to check. Default RULES, all of them. */
  readonly rules?: ReadonlyArray<Rule>;
  /**
   * Also send waiver lines here (tests collect them). They are always recorded as cdktf
   * annotations, which `cdktf synth` (npm run synth) prints.
   */
  readonly report?: (line: string) => void;
}

export class Guardrails implements IAspect {
  private readonly rules: ReadonlyArray<Rule>;
  private readonly report: (line: string) => void;

  constructor(options: GuardrailsOptions = {}) {
    this.rules = options.rules ?? RULES;
    this.report = options.report ?? (() => undefined);
  }

  /**
   * Checks `stack` when cdktf validates it, after all its aspects have run; a violation throws
   * GuardrailViolation out of `app.synth()`.
   */
  static attachTo(stack: TerraformStack, options: GuardrailsOptions = {}): void {
    const guardrails = new Guardrails(options);
    // By default each stack's check throws (a synth of one stack validates only that one, so a
    // report deferred to "the last stack" could stay silent). Under synthWithGuardrails the
    // violations are collected instead, and reported for every stack once the app is synthesized.
    stack.node.addValidation({
      validate: () => {
        const collector = COLLECTORS.get(stack.node.root);
        if (collector) collector.push(...guardrails.violations(stack));
        else guardrails.check(stack);
        return [];
      },
    });
  }

  visit(node: IConstruct): void {
    // Aspects visit every construct; the rules need the whole stack, so act once, at the stack.
    if (node instanceof TerraformStack) this.check(node);
  }

  /** Throws GuardrailViolation when `stack` breaks a rule no waiver covers. */
  check(stack: TerraformStack): void {
    const violations = this.violations(stack);
    if (violations.length > 0) throw new GuardrailViolation(violations);
  }

  /** The violations of `stack` (waived findings are reported as INFO, unneeded waivers as warnings). */
  violations(stack: TerraformStack): Violation[] {
    const view = new StackView(stack.toTerraform());
    const byPath = new Map(stack.node.findAll().map((c) => [c.node.path, c] as const));

    const violations: Violation[] = [];
    const used = new Set<string>();
    for (const rule of this.rules) {
      for (const finding of rule.check(view) as Finding[]) {
        const { resource, message } = finding;
        const construct = byPath.get(resource.path);
        const waiver = construct && waiversOf(construct).find((w) => w.ruleId === rule.id && (w.finding === undefined || message.includes(w.finding)));
        if (waiver && construct) {
          used.add(`${resource.path}\u0000${rule.id}\u0000${waiver.finding ?? ""}`);
          const line = `guardrail waived: [${rule.id}] ${resource.address} (${resource.path}): ${waiver.reason}`;
          this.report(line);
          Annotations.of(construct).addInfo(line);
        } else {
          violations.push({ stack: stack.node.id, ruleId: rule.id, address: resource.address, path: resource.path, message });
        }
      }
    }
    const checked = new Set(this.rules.map((r) => r.id));
    for (const [path, construct] of byPath) {
      for (const w of waiversOf(construct)) {
        if (checked.has(w.ruleId) && !used.has(`${path}\u0000${w.ruleId}\u0000${w.finding ?? ""}`)) {
          const what = w.finding ? ` (finding "${w.finding}")` : "";
          const line = `guardrail waiver not needed: [${w.ruleId}] ${path}${what}: the rule passes without it; remove the waiver`;
          this.report(line);
          Annotations.of(construct).addWarning(line);
        }
      }
    }
    return violations;
  }
}
