#!/usr/bin/env node
// The release rules of docs/releasing.md, in one place for the release workflow and the tests.
//
//   node scripts/release-check.cjs
//       package.json's version is released in CHANGELOG.md: it has a heading "## [<version>] - <date>"
//       and the only heading above it is "## [Unreleased]". npm test runs this rule
//       (__tests__/release.test.ts), so a version bump without its CHANGELOG section fails before it
//       is tagged.
//   node scripts/release-check.cjs --tag v1.2.3 [--repository owner/name]
//       also what a release needs (.github/workflows/release.yml runs this before installing anything):
//       the tag is "v" + that version, its CHANGELOG section is not empty, and package.json's
//       repository.url is the GitHub repository publishing it (npm refuses a provenance statement
//       whose repository differs from package.json's, but only after the whole test run).
//
// Plain Node.js with no dependency: the workflow runs it before `npm ci`. Exit 0 with nothing printed,
// or 1 with one problem per line.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

// Semantic Versioning 2.0.0's core and pre-release (build metadata is not part of an npm version).
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?$/;
const HEADING = /^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?[ \t]*$/;

/** The second-level headings of a Keep a Changelog file, in order, with their line numbers and section text. */
function changelogSections(text) {
  const lines = text.split(/\r?\n/);
  const sections = [];
  lines.forEach((line, i) => {
    if (!line.startsWith("## ")) return;
    const m = HEADING.exec(line);
    sections.push({ line: i + 1, raw: line, name: m ? m[1] : undefined, date: m ? m[2] : undefined, body: [] });
  });
  sections.forEach((s, k) => {
    const end = k + 1 < sections.length ? sections[k + 1].line - 1 : lines.length;
    s.body = lines.slice(s.line, end);
  });
  return sections;
}

/** -1, 0 or 1, by Semantic Versioning's precedence (2.0.0, section 11). */
function compareVersions(a, b) {
  const pa = SEMVER.exec(a);
  const pb = SEMVER.exec(b);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return Math.sign(d);
  }
  if (!pa[4] || !pb[4]) return pa[4] ? -1 : pb[4] ? 1 : 0;
  const xa = pa[4].split(".");
  const xb = pb[4].split(".");
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    if (xa[i] === undefined) return -1;
    if (xb[i] === undefined) return 1;
    const na = /^\d+$/.test(xa[i]);
    const nb = /^\d+$/.test(xb[i]);
    if (na && nb && Number(xa[i]) !== Number(xb[i])) return Math.sign(Number(xa[i]) - Number(xb[i]));
    if (na !== nb) return na ? -1 : 1;
    if (!na && xa[i] !== xb[i]) return xa[i] < xb[i] ? -1 : 1;
  }
  return 0;
}

/**
 * Problems with `version` (package.json's) against the CHANGELOG `text`: the rule npm test enforces.
 * Why "Unreleased" may sit above it: changes land there between releases; a released heading above
 * package.json's version would mean a version was written up but package.json never bumped to it
 * (or was bumped back).
 */
function versionProblems(version, text) {
  const problems = [];
  if (!SEMVER.test(version)) problems.push(`package.json version "${version}" is not a semantic version (MAJOR.MINOR.PATCH)`);
  const sections = changelogSections(text);
  for (const s of sections) {
    if (s.name === undefined) problems.push(`CHANGELOG.md line ${s.line}: "${s.raw}" is not "## [Unreleased]" or "## [MAJOR.MINOR.PATCH] - YYYY-MM-DD"`);
    else if (s.name === "Unreleased") {
      if (s.date) problems.push(`CHANGELOG.md line ${s.line}: "Unreleased" has a date; a released section is "## [<version>] - <date>"`);
      if (s !== sections[0]) problems.push(`CHANGELOG.md line ${s.line}: "Unreleased" must be the first section`);
    } else if (!SEMVER.test(s.name)) problems.push(`CHANGELOG.md line ${s.line}: "${s.name}" is not a semantic version`);
    else if (!s.date) problems.push(`CHANGELOG.md line ${s.line}: ${s.name} has no release date ("## [${s.name}] - YYYY-MM-DD")`);
  }
  const released = sections.filter((s) => s.name !== undefined && s.name !== "Unreleased" && SEMVER.test(s.name));
  for (let i = 1; i < released.length; i++) {
    if (compareVersions(released[i - 1].name, released[i].name) <= 0) {
      problems.push(`CHANGELOG.md line ${released[i - 1].line}: ${released[i - 1].name} is listed above ${released[i].name} but is not newer (newest first)`);
    }
  }
  if (!SEMVER.test(version)) return problems;
  const own = sections.findIndex((s) => s.name === version);
  if (own < 0) {
    problems.push(`CHANGELOG.md has no section "## [${version}] - YYYY-MM-DD" for package.json's version: rename "## [Unreleased]" to it when releasing (docs/releasing.md)`);
  } else {
    const above = sections.slice(0, own).filter((s) => s.name !== "Unreleased");
    if (above.length > 0) {
      problems.push(`CHANGELOG.md has ${above.map((s) => s.raw.slice(3)).join(", ")} above package.json's version ${version}: bump package.json's version to the newest release`);
    }
  }
  return problems;
}

/** Problems with releasing `tag`: the version rule, the tag, a non-empty section, the repository. */
function releaseProblems({ tag, pkg, changelog, repository }) {
  const problems = versionProblems(pkg.version, changelog);
  if (tag !== `v${pkg.version}`) problems.push(`tag "${tag}" is not "v${pkg.version}" (package.json's version)`);
  if (SEMVER.exec(pkg.version)?.[4]) problems.push(`${pkg.version} is a pre-release: the release workflow publishes releases only (docs/releasing.md)`);
  const section = changelogSections(changelog).find((s) => s.name === pkg.version);
  if (section && !section.body.some((l) => /^\s*[-*] \S/.test(l))) problems.push(`CHANGELOG.md's section for ${pkg.version} lists no change`);
  if (pkg.private) problems.push("package.json is private: npm refuses to publish it");
  if (repository !== undefined) {
    const url = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
    const want = `https://github.com/${repository}`;
    const normal = String(url ?? "").replace(/^git\+/, "").replace(/\.git$/, "");
    if (normal !== want) {
      problems.push(`package.json repository.url is ${url ? `"${url}"` : "missing"}; npm's provenance check needs "git+${want}.git" (docs/releasing.md, first release)`);
    }
  }
  return problems;
}

function main(argv, root) {
  const arg = (flag) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const unknown = argv.filter((a, i) => !["--tag", "--repository"].includes(a) && !["--tag", "--repository"].includes(argv[i - 1]));
  if (unknown.length > 0 || (argv.includes("--tag") && !arg("--tag")) || (argv.includes("--repository") && !arg("--repository"))) {
    console.error("usage: node scripts/release-check.cjs [--tag v<version> [--repository <owner>/<name>]]");
    return 2;
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const changelog = fs.readFileSync(path.join(root, "CHANGELOG.md"), "utf8");
  const tag = arg("--tag");
  const problems = tag === undefined ? versionProblems(pkg.version, changelog) : releaseProblems({ tag, pkg, changelog, repository: arg("--repository") });
  for (const p of problems) console.error(p);
  return problems.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2), path.join(__dirname, ".."));

module.exports = { changelogSections, compareVersions, versionProblems, releaseProblems, main };
