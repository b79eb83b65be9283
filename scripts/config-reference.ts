/**
 * The configuration reference of docs/configuration.md, generated from the config's JSON schema
 * (modules/config/json-schema.ts, itself generated from the zod schema), never written by hand:
 * one row per field with its default, its type and limits, and the schema's description.
 * `npm run schema` writes it together with config.schema.json (scripts/write-schema.ts);
 * __tests__/docs.test.ts checks the page holds what this renders, and that `help` lists
 * exactly configFieldPaths().
 */
import { configJsonSchema } from "../modules/config/json-schema";

type Json = Record<string, any>;

export const REFERENCE_DOC = "docs/configuration.md";
export const REFERENCE_START = "<!-- config-reference:start -->";
export const REFERENCE_END = "<!-- config-reference:end -->";

/** One documented field: `firewall.allowedDomains`, `subnetCidrs.<az>.nat`, `backend.bucket`, ... */
export interface FieldRow {
  path: string;
  /** Holds other fields (an object with properties, or a choice of such objects): not a value of its own. */
  container: boolean;
  required: boolean;
  default?: unknown;
  type: string;
  description: string;
}

/** Where the sections the schema's descriptions cite by their README names now live. */
const SECTION_LINKS: Record<string, string> = {
  '"Egress perimeter", DNS rollout': "[DNS rollout](egress-perimeter.md#dns-rollout)",
  '"Egress perimeter"': "[egress perimeter](egress-perimeter.md)",
  '"Data perimeter"': "[data perimeter](egress-perimeter.md#data-perimeter)",
  '"AWS APIs"': "[AWS APIs](egress-perimeter.md#aws-apis-through-interface-endpoints)",
  '"Users control only their own work"': "[users control only their own work](threat-model.md#users-control-only-their-own-work)",
  "TLS inspection": "[TLS inspection](egress-perimeter.md#tls-inspection-optional)",
};

/** A description with its `README, "<section>"` citations turned into links to the page that has the section now. */
export function linkedDescription(text: string): string {
  const cited = Object.keys(SECTION_LINKS).sort((a, b) => b.length - a.length);
  let out = text.replace(/README, ("[^"]+"(?:, [A-Z][A-Za-z ]+)?|[A-Z][A-Za-z ]+)/g, (whole, section: string) => {
    const key = cited.find((k) => section.startsWith(k));
    if (key === undefined) throw new Error(`the schema cites ${whole}, which scripts/config-reference.ts does not know: add where that section lives now to SECTION_LINKS`);
    return `${SECTION_LINKS[key]}${section.slice(key.length)}`;
  });
  // "the seed README's ..." is the seed solution's README, not ours.
  if (/(?<!seed )README(?!'s statement)/.test(out.replace(/\]\([^)]*\)/g, ""))) throw new Error(`a schema description names the README in a way scripts/config-reference.ts cannot link: ${text}`);
  out = out.replace(/\|/g, "\\|").replace(/\n/g, " ");
  return out;
}

const SAFE_INT = 9007199254740991;

function typeOf(node: Json): string {
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((v: unknown) => `\`${JSON.stringify(v)}\``).join(" \\| ");
  const alternatives = node.anyOf ?? node.oneOf;
  if (alternatives) return alternatives.map((a: Json) => typeOf(a)).join(" or ");
  const limits: string[] = [];
  if (node.minimum !== undefined && node.minimum > -SAFE_INT) limits.push(`≥ ${node.minimum}`);
  if (node.maximum !== undefined && node.maximum < SAFE_INT) limits.push(`≤ ${node.maximum}`);
  if (node.minLength !== undefined) limits.push(`length ≥ ${node.minLength}`);
  if (node.maxLength !== undefined) limits.push(`length ≤ ${node.maxLength}`);
  if (node.minItems !== undefined) limits.push(`≥ ${node.minItems} item${node.minItems === 1 ? "" : "s"}`);
  if (node.maxItems !== undefined) limits.push(`≤ ${node.maxItems} items`);
  const suffix = limits.length ? ` (${limits.join(", ")})` : "";
  switch (node.type) {
    case "array":
      return `list of ${node.items ? typeOf(node.items) : "values"}${suffix}`;
    case "object":
      if (node.properties) {
        const keys = Object.keys(node.properties).map((k) => (node.required?.includes(k) ? k : `${k}?`));
        return `{ ${keys.map((k) => `\`${k}\``).join(", ")} }`;
      }
      return `map of ${node.additionalProperties && typeof node.additionalProperties === "object" ? typeOf(node.additionalProperties) : "values"}`;
    default:
      return `${node.type ?? "value"}${suffix}`;
  }
}

/** Every field of the config file, in schema order: containers, then the fields they hold. */
export function configFields(schema: Json = JSON.parse(configJsonSchema())): FieldRow[] {
  const rows: FieldRow[] = [];
  const visit = (path: string, node: Json, required: boolean) => {
    const variants: Json[] | undefined = (node.oneOf ?? node.anyOf)?.filter((v: Json) => v.type === "object" && v.properties);
    const record = node.type === "object" && !node.properties && node.additionalProperties?.properties ? node.additionalProperties : undefined;
    const container = Boolean(node.properties) || Boolean(variants?.length) || Boolean(record);
    rows.push({ path, container, required, default: node.default, type: variants?.length ? "one of the objects below" : record ? `map from ${path === "subnetCidrs" ? "AZ name" : "name"} to the object below` : typeOf(node), description: node.description ?? "" });
    if (node.properties) for (const [k, v] of Object.entries<Json>(node.properties)) visit(`${path}.${k}`, v, Boolean(node.required?.includes(k)));
    if (record) visit(`${path}.${path === "subnetCidrs" ? "<az>" : "<name>"}`, record, false);
    if (variants?.length) {
      // A choice of objects (backend): each field once, with the variants it belongs to.
      const byField = new Map<string, { node: Json; in: string[]; required: boolean }>();
      for (const variant of variants) {
        const tag = Object.entries<Json>(variant.properties).find(([, v]) => v.const !== undefined)?.[1].const;
        for (const [k, v] of Object.entries<Json>(variant.properties)) {
          const seen = byField.get(k);
          const req = Boolean(variant.required?.includes(k));
          if (seen) {
            seen.in.push(String(tag));
            if (v.const !== undefined) seen.node = { enum: [...(seen.node.enum ?? [seen.node.const]), v.const] };
          } else byField.set(k, { node: v.const !== undefined ? { enum: [v.const] } : v, in: [String(tag)], required: req });
        }
      }
      for (const [k, f] of byField) {
        const only = f.in.length < variants.length ? `(${f.in.map((t) => `\`${t}\``).join(", ")} only) ` : "";
        const variantDescriptions = k === "type" ? variants.map((v) => `\`${JSON.stringify(Object.values<Json>(v.properties).find((p) => p.const !== undefined)?.const)}\`: ${v.description ?? ""}`).join("; ") : "";
        rows.push({ path: `${path}.${k}`, container: false, required: f.required, default: f.node.default, type: typeOf(f.node), description: `${only}${f.node.description ?? variantDescriptions}` });
      }
    }
  };
  for (const [k, v] of Object.entries<Json>(schema.properties)) visit(k, v, Boolean(schema.required?.includes(k)));
  return rows;
}

/** The fields that hold a value (every field but containers): what `help` must list. */
export function configFieldPaths(schema?: Json): string[] {
  return configFields(schema)
    .filter((r) => !r.container)
    .map((r) => r.path);
}

function defaultText(r: FieldRow): string {
  if (r.default !== undefined) return `\`${JSON.stringify(r.default).replace(/,/g, ", ").replace(/\|/g, "\\|")}\``;
  return r.required ? "**required**" : "none";
}

/** The reference table, as docs/configuration.md holds it between its markers. */
export function configReference(schema?: Json): string {
  const rows = configFields(schema).map((r) => `| \`${r.path}\` | ${defaultText(r)} | ${r.type} | ${linkedDescription(r.description)} |`);
  return ["| field | default | type and limits | what it does |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

export function renderReferenceInto(doc: string, table: string): string {
  const from = doc.indexOf(REFERENCE_START);
  const to = doc.indexOf(REFERENCE_END);
  if (from < 0 || to < from) throw new Error(`${REFERENCE_DOC} has no ${REFERENCE_START} ... ${REFERENCE_END} markers`);
  return `${doc.slice(0, from)}${REFERENCE_START}\n${table}\n${doc.slice(to)}`;
}
