/**
 * The allowlist presets themselves (modules/network/allowlist-presets.ts): every preset is sourced,
 * every name is an entry the config itself would accept (run through the config's own validator,
 * with the preset's shared-hosting names acknowledged and no others), and the names the sources
 * show are there. The expected names below are written from the sources, not read from the code.
 */
import { ALLOWLIST_PRESETS, ALLOWLIST_PRESET_NAMES } from "../modules/network/allowlist-presets";
import { parseEnvironment } from "../modules/config/load";
import { problemsOf } from "./support/config-problems";

const ACCOUNT = "111122223333";
const presets = Object.entries(ALLOWLIST_PRESETS);

describe("every preset", () => {
  test("the names list and the record agree, and there are presets", () => {
    expect([...ALLOWLIST_PRESET_NAMES].sort()).toEqual(Object.keys(ALLOWLIST_PRESETS).sort());
    expect(presets.length).toBeGreaterThanOrEqual(4);
  });

  test.each(presets)("%s: says what it is for and who uses it, and has sources, each a URL or a repository file, each saying what it shows", (_name, preset) => {
    expect(preset.description.length).toBeGreaterThan(10);
    expect(preset.client.length).toBeGreaterThan(2);
    expect(preset.sources.length).toBeGreaterThan(0);
    for (const s of preset.sources) {
      expect(s.url !== undefined ? /^https:\/\/[^\s]+$/.test(s.url) : /^[\w.-]+\/[\w.-]+$/.test(s.repo ?? "") && (s.path ?? "").length > 0).toBe(true);
      expect(s.shows.length).toBeGreaterThan(10);
    }
  });

  test.each(presets)("%s: every name is named by one of its sources", (_name, preset) => {
    const shown = preset.sources.map((s) => s.shows).join("\n");
    for (const name of preset.names) expect({ name, sourced: new RegExp(`(^|[^a-z0-9.-])${name.replace(/\./g, "\\.")}($|[^a-z0-9-])`).test(shown) }).toEqual({ name, sourced: true });
  });

  test.each(presets)("%s: exact names, each once, and every shared-hosting reason is about one of its names", (_name, preset) => {
    expect(preset.names.length).toBeGreaterThan(0);
    expect(new Set(preset.names).size).toBe(preset.names.length);
    for (const name of preset.names) expect(name.startsWith(".")).toBe(false);
    for (const name of Object.keys(preset.sharedHosting ?? {})) expect(preset.names).toContain(name);
  });

  // The config's own validator decides: the names as a user would write them, the preset's
  // shared-hosting names acknowledged with its reasons, must be accepted...
  test.each(presets)("%s: its names, written as entries, pass the config's validation (shared hosting acknowledged with the preset's reason)", (_name, preset) => {
    const entries = preset.names.map((d) => (preset.sharedHosting?.[d] !== undefined ? { domain: d, acknowledgeSharedHosting: preset.sharedHosting[d] } : d));
    const env = parseEnvironment({ accountId: ACCOUNT, firewall: { allowedDomains: entries } }, "config/qa.json");
    expect(env.firewall.allowedDomains).toEqual([...preset.names]);
  });

  // ...and written as plain names, exactly the ones the preset marks as shared hosting must be
  // refused: a shared-hosting name the preset forgot to mark, or a mark on a name that is not
  // shared hosting, fails here.
  test.each(presets)("%s: the names it marks as shared hosting are exactly those the config refuses unacknowledged", (_name, preset) => {
    const marked = Object.keys(preset.sharedHosting ?? {});
    const plain = { accountId: ACCOUNT, firewall: { allowedDomains: [...preset.names] } };
    if (marked.length === 0) {
      expect(() => parseEnvironment(plain, "config/qa.json")).not.toThrow();
      return;
    }
    const refused = problemsOf(plain).map((p) => preset.names[Number(/allowedDomains\[(\d+)\]/.exec(p)?.[1])]);
    expect(refused.sort()).toEqual([...marked].sort());
  });
});

describe("the presets' names, from their sources", () => {
  test("pip: PyPI's index and files host (pip, src/pip/_internal/models/index.py)", () => {
    expect([...ALLOWLIST_PRESETS.pip.names].sort()).toEqual(["files.pythonhosted.org", "pypi.org"]);
    expect(ALLOWLIST_PRESETS.pip.sharedHosting).toBeUndefined();
  });

  test("conda: the defaults channel host and the channel alias (conda, conda/base/constants.py)", () => {
    expect([...ALLOWLIST_PRESETS.conda.names].sort()).toEqual(["conda.anaconda.org", "repo.anaconda.com"]);
  });

  test("huggingface: the Hub and every host of hub-docs' 'Downloading behind a proxy or firewall' table, none on shared hosting", () => {
    const hubDocsTable = [
      "huggingface.co",
      "cas-server.xethub.hf.co",
      "cas-server.xethub-eu.hf.co",
      "transfer.xethub.hf.co",
      "transfer.xethub-eu.hf.co",
      "us.aws.cdn.hf.co",
      "us.gcp.cdn.hf.co",
      "cdn-lfs-us-1.hf.co",
      "cdn-lfs-eu-1.hf.co",
    ];
    expect(ALLOWLIST_PRESETS.huggingface.names).toEqual(expect.arrayContaining(hubDocsTable));
    // Not named by the Hub docs, huggingface_hub or meta.json when the preset was written.
    expect(ALLOWLIST_PRESETS.huggingface.names).not.toContain("cas-bridge.xethub.hf.co");
    expect(ALLOWLIST_PRESETS.huggingface.sharedHosting).toBeUndefined();
    expect(ALLOWLIST_PRESETS.huggingface.sources.some((s) => s.url === "https://huggingface.co/.well-known/meta.json")).toBe(true);
  });

  test("github: clone and fetch, Git LFS objects, archives and raw files, as github/docs' runner doc and Copilot allowlist list them; every githubusercontent.com host carries its acknowledgement", () => {
    expect([...ALLOWLIST_PRESETS.github.names].sort()).toEqual([
      "codeload.github.com",
      "github-cloud.githubusercontent.com",
      "github.com",
      "objects.githubusercontent.com",
      "raw.githubusercontent.com",
    ]);
    // githubusercontent.com is in the Public Suffix List's private section: shared hosting.
    expect(Object.keys(ALLOWLIST_PRESETS.github.sharedHosting ?? {}).sort()).toEqual([
      "github-cloud.githubusercontent.com",
      "objects.githubusercontent.com",
      "raw.githubusercontent.com",
    ]);
  });

  test("github: names no GitHub documentation shows for these clients stay out, and the preset does not promise release downloads", () => {
    // release-assets: where release downloads are seen redirecting, named by no GitHub doc read;
    // lfs.github.com: Copilot's list, no purpose given; the S3 name: its bucket is not in the SNI.
    for (const name of ["release-assets.githubusercontent.com", "lfs.github.com", "github-cloud.s3.amazonaws.com", "api.github.com"]) {
      expect(ALLOWLIST_PRESETS.github.names).not.toContain(name);
    }
    expect(ALLOWLIST_PRESETS.github.description).toMatch(/not release downloads, which may redirect to a host the preset does not include/);
    expect(ALLOWLIST_PRESETS.github.client).not.toMatch(/release/);
  });

  test("github: the runner doc is quoted under its own headings (objects.githubusercontent.com is listed for runner version updates, not release downloads)", () => {
    const runnerDoc = ALLOWLIST_PRESETS.github.sources.find((s) => s.path === "data/reusables/actions/runner-essential-communications.md");
    expect(runnerDoc?.shows).toContain('"Needed for runner version updates": objects.githubusercontent.com');
    expect(runnerDoc?.shows).toContain('"Needed for Git Large File Storage": github-cloud.githubusercontent.com');
    expect(runnerDoc?.shows).not.toMatch(/release downloads/);
  });
});
