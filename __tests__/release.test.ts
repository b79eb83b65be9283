/**
 * The release rules (scripts/release-check.cjs, docs/releasing.md): package.json's version is the
 * newest release in CHANGELOG.md, with only "Unreleased" above it; a release tag is "v" + that
 * version; and the package, no longer private, cannot be published from a laptop by accident.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir } from "./support/scratch";

const ROOT = join(__dirname, "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compareVersions, versionProblems, releaseProblems } = require("../scripts/release-check.cjs");

const CHANGELOG = `# Changelog

## [Unreleased]

### Added

- something new

## [0.2.0] - 2027-01-15

### Changed

- something changed

## [0.1.0] - 2026-11-24

### Added

- the first release
`;

/** Runs the check as the workflow does, on a copy of the project's two files with `edit` applied. */
function checkCopy(edit: (pkg: Record<string, any>, changelog: string) => string, args: string[] = []) {
  const dir = scratchDir("release-check");
  mkdirSync(join(dir, "scripts"));
  cpSync(join(ROOT, "scripts", "release-check.cjs"), join(dir, "scripts", "release-check.cjs"));
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const changelog = edit(pkg, readFileSync(join(ROOT, "CHANGELOG.md"), "utf8"));
  writeFileSync(join(dir, "package.json"), JSON.stringify(pkg));
  writeFileSync(join(dir, "CHANGELOG.md"), changelog);
  return spawnSync(process.execPath, [join(dir, "scripts", "release-check.cjs"), ...args], { encoding: "utf8" });
}

describe("this project's package.json and CHANGELOG.md", () => {
  test("package.json's version is the newest release in CHANGELOG.md (only Unreleased above it)", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "release-check.cjs")], { encoding: "utf8" });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  });

  test("the check fails when package.json is bumped without its CHANGELOG section, or left behind a released one", () => {
    const bumped = checkCopy((pkg, text) => {
      pkg.version = "9.9.9";
      return text;
    });
    expect(bumped.status).toBe(1);
    expect(bumped.stderr).toContain('no section "## [9.9.9] - YYYY-MM-DD"');
    const behind = checkCopy((_pkg, text) => text.replace("## [Unreleased]", "## [Unreleased]\n\n## [99.0.0] - 2099-01-01\n\n- later"));
    expect(behind.status).toBe(1);
    expect(behind.stderr).toContain("above package.json's version");
  });

  test("the package is not private, and publishing it from outside the release workflow is refused before anything is sent", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.private).toBeUndefined();
    // publishConfig.provenance: npm needs the CI's OIDC identity to sign the provenance statement, so a
    // plain `npm publish` on a workstation stops with EUSAGE. The registry is a closed local port: had
    // npm got as far as uploading, it would fail with ECONNREFUSED instead. (npm first reads the
    // package's registry document, which fails and is ignored; --fetch-retries=0 skips its retries.)
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(npm_|CI$|GITHUB_|GITLAB_|ACTIONS_)/i.test(k) || /^npm_config_(cache|userconfig)$/i.test(k)),
    );
    const r = spawnSync("npm", ["publish", "--ignore-scripts", "--fetch-retries=0", "--registry", "http://127.0.0.1:9/", "--//127.0.0.1:9/:_authToken=not-a-token"], { cwd: ROOT, encoding: "utf8", env });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/EUSAGE[\s\S]*provenance generation not supported/);
    expect(r.stderr).not.toMatch(/ECONNREFUSED/);
  });
});

describe("the version rule", () => {
  test("Semantic Versioning's own precedence example orders as the specification lists it", () => {
    // semver.org 2.0.0, section 11: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta <
    // 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0; and 1.0.0 < 2.0.0 < 2.1.0 < 2.1.1.
    const ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1"];
    for (let i = 1; i < ordered.length; i++) expect([ordered[i - 1], ordered[i], compareVersions(ordered[i - 1], ordered[i])]).toEqual([ordered[i - 1], ordered[i], -1]);
    expect(compareVersions("0.10.0", "0.9.0")).toBe(1); // numerically, not as text
  });

  test("the newest release with Unreleased above it passes; an older one, a missing one or a bad heading fails", () => {
    expect(versionProblems("0.2.0", CHANGELOG)).toEqual([]);
    expect(versionProblems("0.2.0", CHANGELOG.replace(/## \[Unreleased\][\s\S]*?(?=## \[0\.2\.0\])/, ""))).toEqual([]);
    expect(versionProblems("0.1.0", CHANGELOG).join("\n")).toMatch(/\[0\.2\.0\] - 2027-01-15 above package.json's version 0\.1\.0/);
    expect(versionProblems("0.3.0", CHANGELOG).join("\n")).toMatch(/no section "## \[0\.3\.0\]/);
    expect(versionProblems("0.2", CHANGELOG).join("\n")).toMatch(/not a semantic version/);
    expect(versionProblems("0.2.0", CHANGELOG.replace("## [0.2.0] - 2027-01-15", "## [0.2.0]")).join("\n")).toMatch(/0\.2\.0 has no release date/);
    expect(versionProblems("0.2.0", CHANGELOG.replace("## [0.2.0] - 2027-01-15", "## 0.2.0 (2027-01-15)")).join("\n")).toMatch(/line 9: .* is not "## \[Unreleased\]"/);
    expect(versionProblems("0.2.0", CHANGELOG.replace("## [0.1.0]", "## [0.3.0]")).join("\n")).toMatch(/0\.2\.0 is listed above 0\.3\.0 but is not newer/);
    const unreleasedLower = CHANGELOG.replace("## [Unreleased]\n", "").replace("## [0.1.0]", "## [Unreleased]\n\n## [0.1.0]");
    expect(versionProblems("0.2.0", unreleasedLower).join("\n")).toMatch(/"Unreleased" must be the first section/);
  });
});

describe("a release", () => {
  const pkg = { name: "sagemaker-studio-anfw", version: "0.2.0", repository: { type: "git", url: "git+https://github.com/acme/sagemaker-studio-anfw.git" } };
  const release = (over: Record<string, unknown> = {}) => releaseProblems({ tag: "v0.2.0", pkg, changelog: CHANGELOG, repository: "acme/sagemaker-studio-anfw", ...over });

  test("the tag of package.json's version, with its CHANGELOG section, from the repository package.json names, passes", () => {
    expect(release()).toEqual([]);
  });

  test("a tag of another version, an empty section, another repository, a private package or a pre-release fails", () => {
    expect(release({ tag: "v0.2.1" })).toEqual(['tag "v0.2.1" is not "v0.2.0" (package.json\'s version)']);
    expect(release({ tag: "0.2.0" }).join()).toMatch(/not "v0\.2\.0"/);
    expect(release({ changelog: CHANGELOG.replace("- something changed", "") })).toEqual(["CHANGELOG.md's section for 0.2.0 lists no change"]);
    expect(release({ repository: "someone/fork" }).join()).toMatch(/repository\.url is "git\+https:\/\/github\.com\/acme\/sagemaker-studio-anfw\.git"; .*"git\+https:\/\/github\.com\/someone\/fork\.git"/);
    expect(release({ pkg: { ...pkg, repository: undefined } }).join()).toMatch(/repository\.url is missing/);
    expect(release({ pkg: { ...pkg, private: true } }).join()).toMatch(/private/);
    const rc = { ...pkg, version: "0.3.0-rc.1" };
    expect(release({ pkg: rc, tag: "v0.3.0-rc.1", changelog: CHANGELOG.replace("## [Unreleased]", "## [Unreleased]\n\n## [0.3.0-rc.1] - 2027-02-01\n\n- a candidate") })).toEqual([
      "0.3.0-rc.1 is a pre-release: the release workflow publishes releases only (docs/releasing.md)",
    ]);
  });

  test("the command line: --tag checks the release, a wrong argument is a usage error", () => {
    const tagged = checkCopy((p, text) => {
      p.repository = { type: "git", url: "git+https://github.com/acme/x.git" };
      return text;
    }, ["--tag", "v0.0.1", "--repository", "acme/x"]);
    expect(tagged.status).toBe(1);
    expect(tagged.stderr).toMatch(/tag "v0\.0\.1" is not "v\d+\.\d+\.\d+"/);
    expect(checkCopy((_p, t) => t, ["--tagg", "v1.0.0"]).status).toBe(2);
  });
});
