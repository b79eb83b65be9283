/**
 * Statement-level differences between two versions of an IAM-style policy (identity, trust,
 * bucket, key, endpoint and log resource policies all share the grammar), for the plan review.
 *
 * A reviewer wants "this statement now also allows s3:PutObject on *", not two JSON blobs. Statements
 * are matched by Sid (every policy this project writes names its statements); unnamed ones by
 * content. For each matched pair the review lists what was added to and removed from its actions,
 * resources, principals and conditions, and says whether the change widens access.
 */

export type Json = Record<string, any>;

/** A statement in a canonical form: every list sorted, principals and conditions flattened to strings. */
export interface NormalStatement {
  readonly sid?: string;
  readonly effect: string;
  /** "Action", "NotAction", "Resource", ... -> sorted values; "(known after apply)" where unknown. */
  readonly fields: Readonly<Record<string, string[]>>;
  /** "StringEquals aws:SourceVpc" -> sorted values. */
  readonly conditions: Readonly<Record<string, string[]>>;
}

export const UNKNOWN = "(known after apply)";

const LIST_FIELDS = ["Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal"] as const;

const list = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

function principals(p: unknown): string[] {
  if (p === undefined || p === null) return [];
  if (p === "*") return ["*"];
  if (typeof p !== "object") return [String(p)];
  // IAM reads {"AWS": "*"} as "*" (everyone).
  return Object.entries(p as Json).flatMap(([type, ids]) => list(ids).map((id) => (type === "AWS" && id === "*" ? "*" : `${type}:${id}`)));
}

/** A statement of a policy document (IAM JSON) in canonical form. */
export function normalizeStatement(s: Json): NormalStatement {
  const fields: Record<string, string[]> = {};
  for (const f of LIST_FIELDS) {
    const values = f === "Principal" || f === "NotPrincipal" ? principals(s[f]) : list(s[f]);
    if (values.length) fields[f] = [...new Set(values)].sort();
  }
  const conditions: Record<string, string[]> = {};
  for (const [op, byKey] of Object.entries((s.Condition ?? {}) as Json)) {
    for (const [key, values] of Object.entries(byKey as Json)) conditions[`${op} ${key}`] = [...new Set(list(values))].sort();
  }
  return { sid: s.Sid || undefined, effect: String(s.Effect ?? "Allow"), fields, conditions };
}

/** The statements of a policy JSON string; undefined when it is not a readable policy. */
export function parsePolicy(text: unknown): NormalStatement[] | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  try {
    const doc = JSON.parse(text);
    const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    return statements.map(normalizeStatement);
  } catch {
    return undefined;
  }
}

/**
 * The statements of an aws_iam_policy_document data source's `statement` blocks (its planned
 * inputs), for when the rendered JSON is known only after apply; unknown values show as UNKNOWN.
 */
export function statementsOfDocument(blocks: unknown, unknown: unknown): NormalStatement[] {
  const u = (Array.isArray(unknown) ? unknown : []) as Json[];
  return ((Array.isArray(blocks) ? blocks : []) as Json[]).map((b, i) => {
    const bu = (u[i] ?? {}) as Json;
    const values = (v: unknown, vu: unknown): string[] => {
      if (vu === true) return [UNKNOWN];
      const arr = (Array.isArray(v) ? v : []) as unknown[];
      const au = (Array.isArray(vu) ? vu : []) as unknown[];
      return arr.map((x, j) => (au[j] === true || x === null ? UNKNOWN : String(x)));
    };
    const fields: Record<string, string[]> = {};
    const put = (name: string, v: string[]) => {
      if (v.length) fields[name] = [...new Set(v)].sort();
    };
    put("Action", values(b.actions, bu.actions));
    put("NotAction", values(b.not_actions, bu.not_actions));
    put("Resource", values(b.resources, bu.resources));
    put("NotResource", values(b.not_resources, bu.not_resources));
    const principalsOf = (ps: unknown, pu: unknown) =>
      ((Array.isArray(ps) ? ps : []) as Json[]).flatMap((p, k) => {
        const ids = values(p.identifiers, ((Array.isArray(pu) ? pu : []) as Json[])[k]?.identifiers);
        return ids.map((id) => ((p.type === "*" || p.type === "AWS") && id === "*" ? "*" : `${p.type}:${id}`));
      });
    put("Principal", principalsOf(b.principals, bu.principals));
    put("NotPrincipal", principalsOf(b.not_principals, bu.not_principals));
    const conditions: Record<string, string[]> = {};
    ((Array.isArray(b.condition) ? b.condition : []) as Json[]).forEach((c, k) => {
      const cu = ((Array.isArray(bu.condition) ? bu.condition : []) as Json[])[k] ?? {};
      conditions[`${c.test} ${c.variable}`] = [...new Set(values(c.values, cu.values))].sort();
    });
    return { sid: b.sid || undefined, effect: String(b.effect ?? "Allow"), fields, conditions };
  });
}

export interface ListDiff {
  readonly added: string[];
  readonly removed: string[];
}

export interface StatementChange {
  readonly sid?: string;
  readonly effect: string;
  /** "added" and "removed" statements carry their whole content in `after`/`before`. */
  readonly kind: "added" | "removed" | "changed";
  readonly before?: NormalStatement;
  readonly after?: NormalStatement;
  /** For "changed": per field ("Action", "Condition StringEquals aws:SourceVpc", "Effect"). */
  readonly fields: Readonly<Record<string, ListDiff>>;
  /** Why this change gives someone more access than before (empty when it does not). */
  readonly widens: string[];
}

function diffList(a: string[] = [], b: string[] = []): ListDiff {
  return { added: b.filter((x) => !a.includes(x)), removed: a.filter((x) => !b.includes(x)) };
}

const canonical = (s: NormalStatement) => JSON.stringify({ e: s.effect, f: s.fields, c: s.conditions });

/**
 * Condition keys whose added values only place resources in this network (a new AZ's subnet): listed,
 * not called widening. Any other added value (an account, an endpoint, a bucket) widens.
 */
export const BENIGN_VALUE_KEYS = new Set(["sagemaker:VpcSubnets", "sagemaker:VpcSecurityGroupIds", "ec2:Subnet", "ec2:SecurityGroupID"]);

/** ARNs of subnets, security groups and network interfaces: adding one places, it does not widen. */
export const NETWORK_PLACEMENT_ARN = /^arn:aws[\w-]*:ec2:[^:]*:\d{12}:(subnet|security-group|network-interface)\/[\w-]+$/;

/** A value that matches more than one thing ("*", "s3:*", "arn:...:bucket/*"). */
export const isWildcard = (v: string) => v.includes("*") || v.includes("?");

/** Why a whole added Allow statement (or a removed Deny) widens access. */
function wholeStatementWidens(s: NormalStatement, kind: "added" | "removed"): string[] {
  if (kind === "added" && s.effect === "Allow") {
    const what = [...(s.fields.Action ?? []), ...(s.fields.NotAction ?? []).map((a) => `everything but ${a}`)].join(", ");
    return [`new Allow statement${s.sid ? ` ${s.sid}` : ""}: ${what || "(no actions)"}`];
  }
  if (kind === "removed" && s.effect === "Deny") return [`Deny statement${s.sid ? ` ${s.sid}` : ""} removed`];
  return [];
}

/**
 * Why a changed statement widens access. For Allow: more actions or principals, a wildcard
 * resource, a condition removed or given a wildcard value. A specific ARN or condition value
 * added (e.g. a new AZ's subnet) is listed but not called widening: it names one more thing of
 * the kind the statement already allowed. For Deny: the mirror image.
 */
function changedStatementWidens(effect: string, fields: Record<string, ListDiff>, before: NormalStatement, after: NormalStatement): string[] {
  const out: string[] = [];
  const allow = effect === "Allow";
  for (const [field, d] of Object.entries(fields)) {
    if (field.startsWith("Condition ")) {
      const key = field.slice("Condition ".length);
      // Negated operators (StringNotEquals, ArnNotLike, NotIpAddress...) match what is NOT listed:
      // listing more values makes them match less.
      const negated = /^(?:ForAllValues:|ForAnyValue:)?(?:String|Arn)Not|^(?:ForAllValues:|ForAnyValue:)?NotIpAddress/.test(key);
      const gone = before.conditions[key] !== undefined && after.conditions[key] === undefined;
      const born = before.conditions[key] === undefined && after.conditions[key] !== undefined;
      const matchesMore = negated ? d.removed.length > 0 : d.added.some((v) => isWildcard(v) || v === UNKNOWN || !BENIGN_VALUE_KEYS.has(key.replace(/^\S+ /, "")));
      const matchesLess = negated ? d.added.length > 0 : d.removed.length > 0;
      // An ...IfExists operator made strict on the same key ("StringEqualsIfExists k" to
      // "StringEquals k"): IfExists also matches when the key is absent from the request (IAM User
      // Guide, "Condition operators": "...IfExists condition operators": "If the key is not present,
      // evaluate the condition element as true"), so the strict form matches less, unless it now lists
      // more values (fewer, for a negated operator).
      const strict = key.replace(/IfExists(?= )/, "");
      const madeStrict =
        strict !== key && gone && after.conditions[strict] !== undefined &&
        (negated ? before.conditions[key].every((v) => after.conditions[strict].includes(v)) : after.conditions[strict].every((v) => before.conditions[key].includes(v)));
      if (allow && madeStrict) continue;
      if (allow && gone) out.push(`condition ${key} removed`);
      else if (allow && !born && matchesMore) out.push(`condition ${key} now matches more (${negated ? `no longer excludes ${d.removed.join(", ")}` : d.added.join(", ")})`);
      else if (!allow && born) out.push(`Deny now only applies when ${key} matches`);
      else if (!allow && !gone && matchesLess) out.push(`Deny condition ${key} matches less (${negated ? `now also excludes ${d.added.join(", ")}` : `no longer ${d.removed.join(", ")}`})`);
      continue;
    }
    const positive = field === "Action" || field === "Resource" || field === "Principal";
    const negative = field === "NotAction" || field === "NotResource" || field === "NotPrincipal";
    if (allow) {
      if ((field === "Action" || field === "Principal") && d.added.length) out.push(`${field} added: ${d.added.join(", ")}`);
      const wider = d.added.filter((v) => isWildcard(v) || v === UNKNOWN || !NETWORK_PLACEMENT_ARN.test(v));
      if (field === "Resource" && wider.length) out.push(`Resource added: ${wider.join(", ")}`);
      // Action -> NotAction (or Resource -> NotResource): "everything except" is almost always wider.
      if (negative && before.fields[field] === undefined && after.fields[field] !== undefined) out.push(`now allows everything except ${field.slice(3)}: ${d.added.join(", ")}`);
      else if (negative && d.removed.length) out.push(`${field} exception removed: ${d.removed.join(", ")}`);
    } else {
      if (positive && d.removed.length) out.push(`Deny no longer covers ${field}: ${d.removed.join(", ")}`);
      if (negative && d.added.length) out.push(`Deny now exempts ${field}: ${d.added.join(", ")}`);
    }
  }
  return out;
}

/** The statement-level changes from `before` to `after` (either may be empty: a created or deleted policy). */
export function diffPolicies(before: NormalStatement[], after: NormalStatement[]): StatementChange[] {
  const changes: StatementChange[] = [];
  const unmatchedAfter = [...after];
  const take = (pred: (s: NormalStatement) => boolean) => {
    const i = unmatchedAfter.findIndex(pred);
    return i < 0 ? undefined : unmatchedAfter.splice(i, 1)[0];
  };
  const unmatchedBefore: NormalStatement[] = [];
  for (const b of before) {
    const same = take((a) => canonical(a) === canonical(b) && a.sid === b.sid);
    if (same) continue;
    const bySid = b.sid ? take((a) => a.sid === b.sid) : undefined;
    if (!bySid) {
      unmatchedBefore.push(b);
      continue;
    }
    const fields: Record<string, ListDiff> = {};
    if (b.effect !== bySid.effect) fields.Effect = { added: [bySid.effect], removed: [b.effect] };
    for (const f of new Set([...Object.keys(b.fields), ...Object.keys(bySid.fields)])) {
      const d = diffList(b.fields[f], bySid.fields[f]);
      if (d.added.length || d.removed.length) fields[f] = d;
    }
    for (const c of new Set([...Object.keys(b.conditions), ...Object.keys(bySid.conditions)])) {
      const d = diffList(b.conditions[c], bySid.conditions[c]);
      if (d.added.length || d.removed.length || (b.conditions[c] === undefined) !== (bySid.conditions[c] === undefined)) fields[`Condition ${c}`] = d;
    }
    const widens =
      b.effect !== bySid.effect
        ? bySid.effect === "Allow"
          ? [`statement ${b.sid} turned from Deny into Allow`]
          : []
        : changedStatementWidens(bySid.effect, fields, b, bySid);
    changes.push({ sid: b.sid, effect: bySid.effect, kind: "changed", before: b, after: bySid, fields, widens });
  }
  // Unnamed statements whose content changed cannot be paired reliably: shown removed and added.
  for (const b of unmatchedBefore) changes.push({ sid: b.sid, effect: b.effect, kind: "removed", before: b, fields: {}, widens: wholeStatementWidens(b, "removed") });
  for (const a of unmatchedAfter) changes.push({ sid: a.sid, effect: a.effect, kind: "added", after: a, fields: {}, widens: wholeStatementWidens(a, "added") });
  return changes;
}

const code = (v: string) => "`" + v.replace(/`/g, "'") + "`";
const codes = (vs: string[], max = 12) => (vs.length > max ? [...vs.slice(0, max).map(code), `… ${vs.length - max} more`] : vs.map(code)).join(", ");

/** One statement's content, one line: "Allow `s3:GetObject` on `arn:...` for `AWS:...` when ...". */
export function describeStatement(s: NormalStatement): string {
  const f = s.fields;
  const parts = [`**${s.effect}**`];
  if (f.Action) parts.push(codes(f.Action));
  if (f.NotAction) parts.push(`every action except ${codes(f.NotAction)}`);
  if (f.Resource) parts.push(`on ${codes(f.Resource, 6)}`);
  if (f.NotResource) parts.push(`on everything except ${codes(f.NotResource, 6)}`);
  if (f.Principal) parts.push(`to ${codes(f.Principal, 6)}`);
  if (f.NotPrincipal) parts.push(`to everyone except ${codes(f.NotPrincipal, 6)}`);
  const conds = Object.entries(s.conditions).map(([k, v]) => `${code(k)} = ${codes(v, 4)}`);
  if (conds.length) parts.push(`when ${conds.join(" and ")}`);
  return parts.join(" ");
}

/** Markdown bullet lines for a list of statement changes. */
export function renderStatementChanges(changes: StatementChange[]): string[] {
  const lines: string[] = [];
  for (const c of changes) {
    const name = c.sid ? `\`${c.sid}\`` : "(unnamed statement)";
    const flag = c.widens.length ? " ⚠️ **widens**" : "";
    if (c.kind === "added") lines.push(`  - ➕ ${name}${flag}: ${describeStatement(c.after!)}`);
    else if (c.kind === "removed") lines.push(`  - ➖ ${name}${flag}: ${describeStatement(c.before!)}`);
    else {
      lines.push(`  - ✏️ ${name} (${c.effect})${flag}:`);
      for (const [field, d] of Object.entries(c.fields)) {
        const bits = [];
        if (d.added.length) bits.push(`+ ${codes(d.added)}`);
        if (d.removed.length) bits.push(`− ${codes(d.removed)}`);
        if (!bits.length) bits.push(field.startsWith("Condition ") ? "(added or removed)" : "(changed)");
        lines.push(`    - ${field}: ${bits.join("; ")}`);
      }
    }
    for (const w of c.widens) lines.push(`    - ⚠️ ${w}`);
  }
  return lines;
}
