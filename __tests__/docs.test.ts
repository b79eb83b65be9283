/**
 * The documentation's own promises: the README stays short and keeps its set-up commands, every
 * relative link in README.md and docs/*.md reaches a file (and, with #anchor, a heading of it),
 * the docs index lists every page, the configuration reference is the one the schema generates, and
 * `help` lists every config field and every npm script, and says truthfully what test:unit runs.
 * Expected values are the docs' and package.json's, never the generator's own output.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { configFieldPaths, configReference, linkedDescription, REFERENCE_DOC, renderReferenceInto } from "../scripts/config-reference";

const ROOT = join(__dirname, "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const DOCS = readdirSync(join(ROOT, "docs"))
  .filter((f) => f.endsWith(".md"))
  .sort()
  .map((f) => `docs/${f}`);
const PAGES = ["README.md", ...DOCS];


/** Text outside fenced code blocks (links and headings inside them are examples, not the page's). */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "");
}

/** GitHub's heading anchors: lowercase, punctuation dropped (hyphens and underscores kept), each space a hyphen; repeats get -1, -2, ... */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .trim()
      .replace(/ /g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** Broken relative links of a page (`file` relative to the root), given a reader of the other pages. */
export function brokenLinks(file: string, markdown: string, readPage: (path: string) => string | undefined): string[] {
  const broken: string[] = [];
  for (const [, target] of prose(markdown).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
    const [path, anchor] = target.split("#");
    const resolved = path === "" ? file : normalize(join(dirname(file), path)).replace(/\\/g, "/");
    const text = readPage(resolved);
    if (text === undefined) {
      broken.push(`${file}: ${target}: no file ${resolved}`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith(".md") && !anchorsOf(text).has(anchor)) broken.push(`${file}: ${target}: ${resolved} has no heading #${anchor}`);
  }
  return broken;
}

const readIfExists = (path: string): string | undefined => {
  const full = join(ROOT, path);
  if (!existsSync(full)) return undefined;
  return path.endsWith(".md") ? readFileSync(full, "utf8") : "";
};

describe("the README", () => {
  const readme = read("README.md");

  test("is at most 250 lines", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(250);
  });

  test("keeps the two set-up commands (.ci/run runs the first)", () => {
    const setup = readme.slice(readme.indexOf("## Set-up"), readme.indexOf("\n## ", readme.indexOf("## Set-up") + 1));
    expect(setup).toMatch(/^npm ci && npm run synth +# synthesize every stack with the defaults/m);
    expect(setup).toMatch(/^npm test +# type-check and run every test layer/m);
  });
});

describe("links", () => {
  test("GitHub's anchors for the kinds of heading these pages use", () => {
    const anchors = anchorsOf("# Egress perimeter\n## What the firewall does to each flow\n## TLS inspection (optional)\n### `dev-studio`\n## Where users' work lives\n```\n## not a heading\n```\n## Speed, and the terraform result cache\n## Presets\n## Presets\n");
    expect([...anchors]).toEqual(["egress-perimeter", "what-the-firewall-does-to-each-flow", "tls-inspection-optional", "dev-studio", "where-users-work-lives", "speed-and-the-terraform-result-cache", "presets", "presets-1"]);
  });

  test("the check finds a missing file and a missing heading, and passes a good link", () => {
    const pages: Record<string, string> = { "docs/a.md": "# A\n## Good part\n", "docs/b.md": "" };
    const found = brokenLinks("docs/b.md", "[x](a.md#good-part) [y](a.md#bad-part) [z](missing.md) [w](https://example.com) [v](../README.md)\n```\n[in code](nowhere.md)\n```", (p) => (p === "README.md" ? "# R\n" : pages[p]));
    expect(found).toEqual(["docs/b.md: a.md#bad-part: docs/a.md has no heading #bad-part", "docs/b.md: missing.md: no file docs/missing.md"]);
  });

  test.each(PAGES)("every relative link in %s resolves to a file and, with an #anchor, to a heading", (page) => {
    expect(brokenLinks(page, read(page), readIfExists)).toEqual([]);
  });

  test("the docs index links every page of docs/, and the README links the index", () => {
    const index = read("docs/README.md");
    for (const page of DOCS.filter((p) => p !== "docs/README.md")) expect(index).toContain(`](${relative("docs", page)})`);
    expect(read("README.md")).toContain("](docs/README.md)");
  });
});

describe("the configuration reference (docs/configuration.md)", () => {
  test("is the one the schema generates (run `npm run schema` after schema changes)", () => {
    const doc = read(REFERENCE_DOC);
    expect(doc).toContain("<!-- config-reference:start -->\n| field | default |");
    expect(renderReferenceInto(doc, configReference())).toBe(doc);
  });

  test("gives the required field and the defaults the schema's users rely on", () => {
    const doc = read(REFERENCE_DOC);
    expect(doc).toContain("| `accountId` | **required** |");
    expect(doc).toContain('| `region` | `"us-east-1"` |');
    expect(doc).toContain('| `dnsFirewall.mode` | `"block"` |');
    expect(doc).toContain("| `storage.preventDestroy` | `true` |");
  });

  test("links the sections the schema cites by their README names, and refuses one it does not know", () => {
    expect(linkedDescription('then set "block" (README, "Egress perimeter", DNS rollout)')).toBe('then set "block" ([DNS rollout](egress-perimeter.md#dns-rollout))');
    expect(linkedDescription("Add the seed README's statement")).toBe("Add the seed README's statement");
    expect(() => linkedDescription('(README, "Somewhere else")')).toThrow(/does not know/);
  });
});

describe("help", () => {
  const help = read("help");
  const scripts: Record<string, string> = JSON.parse(read("package.json")).scripts;

  test("lists every config field the schema has, and no other", () => {
    const block = help.slice(help.indexOf("    Fields ("), help.indexOf("\n    Errors:"));
    expect(block.length).toBeGreaterThan(100);
    const listed = block
      .split("\n")
      .slice(1)
      .join(" ")
      .replace(/\([^)]*\)/g, "")
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean);
    expect([...listed].sort()).toEqual([...configFieldPaths()].sort());
    for (const field of ["accountId", "dnsFirewall.mode", "logging.retentionDays", "tags"]) expect(listed).toContain(field);
  });

  test("names every npm script, and every `npm run` it names exists", () => {
    const lifecycle: Record<string, string> = { test: "npm test", prepack: "npm pack", prepare: "npm ci", prepublishOnly: "npm publish", version: "npm version" };
    for (const name of Object.keys(scripts)) expect({ name, named: help.includes(lifecycle[name] ?? `npm run ${name}`) }).toEqual({ name, named: true });
    for (const [, name] of help.matchAll(/npm run ([a-z][\w-]*(?::[a-z][\w-]*)?)/g)) expect({ name, exists: name in scripts }).toEqual({ name, exists: true });
  });

  test("the testing page names every test file (so a new layer's tests are never undocumented)", () => {
    const page = read("docs/testing.md");
    const files = readdirSync(join(ROOT, "__tests__")).filter((f) => f.endsWith(".test.ts")).map((f) => f.replace(/\.test\.ts$/, ""));
    expect(files.length).toBeGreaterThan(20);
    expect(files.filter((f) => !page.includes(`\`${f}\``))).toEqual([]);
  });

  test("says which files test:unit runs that need terraform (the ones its patterns leave in)", () => {
    const patterns = /--testPathIgnorePatterns ((?:[^\s-][^\s]* ?)+)/.exec(scripts["test:unit"])?.[1].trim().split(/\s+/) ?? [];
    expect(patterns.length).toBeGreaterThan(0);
    const files = readdirSync(join(ROOT, "__tests__")).filter((f) => f.endsWith(".test.ts") && !patterns.some((p) => new RegExp(p).test(`__tests__/${f}`)));
    const needTerraform = files.filter((f) => /^import [^;]*\bdescribeWithTerraform\b[^;]*from "\.\/support\/terraform"/m.test(read(`__tests__/${f}`))).map((f) => f.replace(/\.test\.ts$/, ""));
    const entry = help.slice(help.indexOf("npm run test:unit"), help.indexOf("\n\n", help.indexOf("npm run test:unit")));
    for (const f of needTerraform) expect(entry).toContain(f);
    if (needTerraform.length === 0) expect(entry).toMatch(/no terraform/i);
    else expect(entry).toMatch(/terraform only for/);
    expect(read("docs/testing.md")).toContain(`only ${needTerraform.map((f) => `\`${f}\``).join(", ")}`);
  });
});
