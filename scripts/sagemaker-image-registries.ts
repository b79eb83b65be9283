/**
 * Generates modules/sagemaker/sagemaker-image-registries.ts, the per-region table of the ECR
 * registry accounts that hold SageMaker's own images, from the SageMaker Python SDK's image URI
 * configuration (one JSON file per framework or algorithm, each with `registries: { <region>:
 * <account> }` next to a `repository`, at whatever depth the file nests its versions and scopes).
 *
 *   npx tsx scripts/sagemaker-image-registries.ts --sdk <dir of the SDK's *.json> \
 *     --commit <40-hex commit of aws/sagemaker-python-sdk> --path <the folder's path in that repository>
 *
 * The SDK is read from a checkout you provide; nothing of it is committed here, only the table.
 * Only regions this project's config accepts are kept (the schema's region rule, aws partition):
 * China, GovCloud, ISO and sovereign-cloud regions are dropped.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { partitionOf, REGION } from "../modules/config/schema";

/** One family: an SDK file (its name is the `framework` argument of sagemaker.image_uris.retrieve). */
export interface FamilySource {
  /** The file's path in the SDK repository. */
  readonly file: string;
  readonly commit: string;
  /** ECR repository names the file points at. */
  readonly repositories: ReadonlyArray<string>;
  /** region -> registry accounts (usually one; legacy images of some frameworks live in a second). */
  readonly registries: Readonly<Record<string, ReadonlyArray<string>>>;
}

export interface ImageRegistryTable {
  readonly source: { readonly repository: string; readonly commit: string; readonly path: string };
  readonly families: Readonly<Record<string, FamilySource>>;
  /** region -> registry account -> families it serves there. */
  readonly regions: Readonly<Record<string, Readonly<Record<string, ReadonlyArray<string>>>>>;
}

/** Whether this project's config accepts the region (schema rule, aws partition only). */
export function acceptedRegion(region: string): boolean {
  return REGION.test(region) && partitionOf(region) === "aws";
}

/** Every `registries` object (with its sibling `repository`) anywhere in one SDK file. */
function collect(json: unknown, into: { registries: Map<string, Set<string>>; repositories: Set<string> }): void {
  if (Array.isArray(json)) {
    for (const v of json) collect(v, into);
    return;
  }
  if (json === null || typeof json !== "object") return;
  const o = json as Record<string, unknown>;
  const reg = o.registries;
  if (reg && typeof reg === "object" && !Array.isArray(reg)) {
    for (const [region, account] of Object.entries(reg as Record<string, unknown>)) {
      if (typeof account !== "string" || !/^\d{12}$/.test(account)) throw new Error(`registries.${region}: "${String(account)}" is not a 12-digit account`);
      if (!into.registries.has(region)) into.registries.set(region, new Set());
      into.registries.get(region)!.add(account);
    }
    if (typeof o.repository === "string") into.repositories.add(o.repository);
  }
  for (const v of Object.values(o)) collect(v, into);
}

/** The table from the SDK's files (`files`: file name -> parsed JSON). Files without registries are skipped. */
export function buildTable(files: Readonly<Record<string, unknown>>, source: ImageRegistryTable["source"]): ImageRegistryTable {
  const families: Record<string, FamilySource> = {};
  const regions: Record<string, Record<string, string[]>> = {};
  for (const name of Object.keys(files).sort()) {
    const family = basename(name, ".json");
    const found = { registries: new Map<string, Set<string>>(), repositories: new Set<string>() };
    collect(files[name], found);
    const kept = [...found.registries.entries()].filter(([region]) => acceptedRegion(region)).sort(([a], [b]) => a.localeCompare(b));
    if (!kept.length) continue;
    families[family] = {
      file: `${source.path}/${family}.json`,
      commit: source.commit,
      repositories: [...found.repositories].sort(),
      registries: Object.fromEntries(kept.map(([region, accounts]) => [region, [...accounts].sort()])),
    };
    for (const [region, accounts] of kept) {
      for (const account of accounts) ((regions[region] ??= {})[account] ??= []).push(family);
    }
  }
  const sortedRegions = Object.fromEntries(
    Object.keys(regions)
      .sort()
      .map((r) => [r, Object.fromEntries(Object.keys(regions[r]).sort().map((a) => [a, regions[r][a].sort()]))]),
  );
  return { source, families, regions: sortedRegions };
}

/** The TypeScript module committed to the project. */
export function renderModule(table: ImageRegistryTable): string {
  const families = Object.entries(table.families).map(
    ([name, f]) => `  ${JSON.stringify(name)}: { file: ${JSON.stringify(f.file)}, commit: ${JSON.stringify(f.commit)}, repositories: ${JSON.stringify(f.repositories)} },`,
  );
  const regions = Object.entries(table.regions).map(
    ([region, accounts]) => `  ${JSON.stringify(region)}: {\n${Object.entries(accounts).map(([a, fams]) => `    ${JSON.stringify(a)}: ${JSON.stringify(fams)},`).join("\n")}\n  },`,
  );
  return [
    "/**",
    " * GENERATED by scripts/sagemaker-image-registries.ts from the SageMaker Python SDK's image URI",
    ` * configuration (${table.source.repository} at ${table.source.commit}, ${table.source.path}/*.json).`,
    " * Do not edit: run the script on a newer SDK checkout instead (docs/egress-perimeter.md, \"Data perimeter\").",
    " */",
    "",
    "/** Where the table comes from. */",
    `export const SAGEMAKER_IMAGE_SOURCE = ${JSON.stringify(table.source)} as const;`,
    "",
    "/** Each family (an SDK file; its name is `framework` in sagemaker.image_uris.retrieve): its source file, commit and repositories. */",
    "export const SAGEMAKER_IMAGE_FAMILY_SOURCES: Readonly<Record<string, { readonly file: string; readonly commit: string; readonly repositories: ReadonlyArray<string> }>> = {",
    ...families,
    "};",
    "",
    "/** region -> SageMaker-owned registry account -> the families whose images it holds in that region. */",
    "export const SAGEMAKER_IMAGE_REGISTRIES: Readonly<Record<string, Readonly<Record<string, ReadonlyArray<string>>>>> = {",
    ...regions,
    "};",
    "",
  ].join("\n");
}

function main(argv: string[]): void {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0 || !argv[i + 1]) throw new Error(`--${name} is required (see the comment at the top of this script)`);
    return argv[i + 1];
  };
  const dir = arg("sdk");
  const commit = arg("commit");
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error("--commit must be the SDK's 40-hex commit");
  const path = arg("path").replace(/\/+$/, "");
  const outIndex = argv.indexOf("--out");
  const out = outIndex >= 0 ? argv[outIndex + 1] : join(__dirname, "..", "modules", "sagemaker", "sagemaker-image-registries.ts");
  const files = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => [f, JSON.parse(readFileSync(join(dir, f), "utf8")) as unknown]),
  );
  const table = buildTable(files, { repository: "aws/sagemaker-python-sdk", commit, path });
  writeFileSync(out, renderModule(table));
  process.stdout.write(`wrote ${out}: ${Object.keys(table.families).length} families, ${Object.keys(table.regions).length} regions\n`);
}

if (require.main === module) main(process.argv.slice(2));
