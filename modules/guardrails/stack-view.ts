/**
 * A read-only view of one stack's synthesized Terraform JSON for the guardrail rules: resources
 * by type with their addresses and construct paths, reference tests, and the statements behind a
 * `${data.aws_iam_policy_document.x.json}` reference.
 */

export type Json = Record<string, any>;

export interface ResourceView {
  /** The Terraform type, e.g. "aws_s3_bucket". */
  readonly type: string;
  /** The Terraform name (cdktf's unique id), e.g. "data-bucket_bucket_1234". */
  readonly name: string;
  /** "aws_s3_bucket.data-bucket_bucket_1234" */
  readonly address: string;
  /** Construct path, e.g. "dev-studio/data-bucket/bucket". */
  readonly path: string;
  /** The resource's arguments as synthesized (snake_case keys). */
  readonly body: Json;
}

export class StackView {
  constructor(readonly json: Json) {}

  resources(type: string): ResourceView[] {
    return Object.entries((this.json.resource ?? {})[type] ?? {}).map(([name, body]) => ({
      type,
      name,
      address: `${type}.${name}`,
      path: String((body as Json)["//"]?.metadata?.path ?? `${type}.${name}`),
      body: body as Json,
    }));
  }

  /** Resources of `type` with an attribute that references `target` (e.g. a bucket's id). */
  referencing(type: string, attribute: string, target: ResourceView): ResourceView[] {
    return this.resources(type).filter((r) => refersTo(r.body[attribute], target));
  }

  /** Statements of the policy document a `${data.aws_iam_policy_document.x.json}` value names. */
  policyStatements(value: unknown): Json[] | undefined {
    if (typeof value !== "string") return undefined;
    const m = /^\$\{data\.aws_iam_policy_document\.([^.}]+)\.json\}$/.exec(value);
    if (!m) return undefined;
    const statements = this.json.data?.aws_iam_policy_document?.[m[1]]?.statement;
    return Array.isArray(statements) ? statements : undefined;
  }
}

/** Whether a (possibly nested) attribute value contains a reference to `target`. */
export function refersTo(value: unknown, target: ResourceView): boolean {
  const needle = `${target.address}.`;
  return JSON.stringify(value ?? null).includes(needle);
}

export const asList = <T>(v: T | T[] | undefined | null): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
