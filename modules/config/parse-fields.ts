/**
 * Field-by-field parsing of a config file, so that one bad field does not hide the rest.
 *
 * zod checks a whole object at once, and runs an object's refinements only when every field in it
 * parsed: a mistyped `accountId` used to hide "no workload is enabled". Here each field of each
 * section is parsed on its own; what parsed is kept, what failed is recorded by path, and the
 * caller runs the cross-field rules on the parts that parsed (schema.ts, crossFieldIssues).
 */
import { z } from "zod";

export interface FieldwiseResult {
  /** The parsed value, with every field that failed left out. */
  readonly value: unknown;
  /** zod's issues, with paths from the file's top level. */
  readonly issues: ReadonlyArray<z.core.$ZodIssue>;
  /** Paths ("firewall.allowedDomains") of the fields that failed. */
  readonly failed: ReadonlyArray<string>;
}

const WRAPPERS = new Set(["optional", "default", "prefault", "nullable"]);

/** The object schema under optional/default/prefault wrappers, if that is what `schema` is. */
function objectUnder(schema: z.ZodType): z.ZodObject | undefined {
  let s = schema as z.ZodType & { _zod: { def: { type: string; innerType?: z.ZodType } } };
  while (WRAPPERS.has(s._zod.def.type) && s._zod.def.innerType) s = s._zod.def.innerType as typeof s;
  return s instanceof z.ZodObject ? s : undefined;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const dotted = (path: ReadonlyArray<PropertyKey>) => path.map(String).join(".");

/**
 * Parses `raw` with `schema`, descending into object schemas (through their wrappers) so that each
 * field is parsed on its own. An object's own refinements, if any, run only when all its fields
 * parsed (as zod would).
 */
export function parseFieldwise(schema: z.ZodType, raw: unknown, path: ReadonlyArray<PropertyKey> = []): FieldwiseResult {
  const object = objectUnder(schema);
  if (object === undefined || !isPlainObject(raw)) {
    // A leaf, or a value of the wrong type (or absent: wrappers supply defaults): zod decides.
    const r = schema.safeParse(raw);
    if (r.success) return { value: r.data, issues: [], failed: [] };
    return { value: undefined, issues: r.error.issues.map((i) => ({ ...i, path: [...path, ...i.path] })), failed: [dotted(path)] };
  }
  const shape = object.shape as Record<string, z.ZodType>;
  const value: Record<string, unknown> = {};
  const issues: z.core.$ZodIssue[] = [];
  const failed: string[] = [];
  const unknown = Object.keys(raw).filter((k) => !Object.prototype.hasOwnProperty.call(shape, k));
  // Strict objects refuse unknown keys; that is a problem of its own, not of the known fields.
  if (unknown.length > 0 && object._zod.def.catchall?._zod.def.type === "never") {
    issues.push({ code: "unrecognized_keys", keys: unknown, path: [...path], message: `Unrecognized key(s): ${unknown.join(", ")}`, input: raw } as z.core.$ZodIssue);
  }
  for (const [key, fieldSchema] of Object.entries(shape)) {
    const r = parseFieldwise(fieldSchema, raw[key], [...path, key]);
    issues.push(...r.issues);
    failed.push(...r.failed);
    if (r.value !== undefined) value[key] = r.value;
  }
  if (failed.length === 0 && issues.length === 0 && (object._zod.def.checks?.length ?? 0) > 0) {
    // The object's own refinements, over the whole object as zod runs them.
    const whole = object.safeParse(raw);
    if (!whole.success) {
      return { value, issues: whole.error.issues.map((i) => ({ ...i, path: [...path, ...i.path] })), failed: [dotted(path)] };
    }
  }
  return { value, issues, failed };
}

/** Whether the field at `path` (dotted) parsed: no failure at it, inside it, or at a section holding it. */
export function parsedAt(failed: ReadonlyArray<string>, path: string): boolean {
  return !failed.some((f) => f === "" || f === path || path.startsWith(`${f}.`) || f.startsWith(`${path}.`));
}
