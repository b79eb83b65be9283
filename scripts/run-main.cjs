// The app command cdktf runs (cdktf.json "app"): bundles main.ts (or the entry file given as the
// first argument; the benchmark's empty app uses the same runner) and everything it imports into one
// CommonJS file with esbuild, then runs it. Measured in bench/README.md: a bundle starts in a
// fraction of the time tsx needs to transpile and resolve ~150 modules one by one, and its output
// is byte-identical (__tests__/main.test.ts).
//
// The bundle is rebuilt unless every input esbuild read (its metafile lists them) has the same
// modification time and size as when it was built, and package-lock.json the same content: npm
// gives every installed file the same fixed timestamp, so an upgraded dependency shows only in the
// lock file (and usually in sizes), never in times.
"use strict";
const { buildSync } = require("esbuild");
const { createHash } = require("node:crypto");
const { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const { basename, join, resolve } = require("node:path");

const root = join(__dirname, "..");
const entry = resolve(process.argv[2] || join(root, "main.ts"));
const cacheDir = join(root, "node_modules", ".cache", "sagemaker-anfw");
// One cache entry per entry file (by full path: two files of the same name must not share one).
const name = `${basename(entry).replace(/\.ts$/, "")}-${createHash("sha256").update(entry).digest("hex").slice(0, 12)}`;
const bundle = join(cacheDir, `${name}.cjs`);
const stamp = join(cacheDir, `${name}.inputs.json`);

function lockHash() {
  const lock = join(root, "package-lock.json");
  return existsSync(lock) ? createHash("sha256").update(readFileSync(lock)).digest("hex") : "";
}

function fingerprint(file) {
  const s = statSync(join(root, file));
  return [s.mtimeMs, s.size];
}

function upToDate() {
  if (!existsSync(bundle) || !existsSync(stamp)) return false;
  let recorded;
  try {
    recorded = JSON.parse(readFileSync(stamp, "utf8"));
  } catch {
    return false; // unreadable: rebuild
  }
  if (recorded.lock !== lockHash()) return false;
  return Object.entries(recorded.inputs).every(([file, [mtime, size]]) => {
    if (!existsSync(join(root, file))) return false;
    const [m, s] = fingerprint(file);
    return m === mtime && s === size;
  });
}

if (!upToDate()) {
  mkdirSync(cacheDir, { recursive: true });
  const result = buildSync({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile: bundle,
    write: false,
    metafile: true,
    logLevel: "warning",
  });
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((file) => [file, fingerprint(file)]));
  // Two processes may build at once (jest workers, a synth beside the tests): each writes its own
  // temp file and renames it into place, bundle first, so a reader never sees half a file and a
  // stamp never describes a bundle that is not there yet.
  const replace = (file, contents) => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, contents);
    renameSync(tmp, file);
  };
  replace(bundle, result.outputFiles[0].contents);
  replace(stamp, JSON.stringify({ lock: lockHash(), inputs }));
}

// main.ts finds config/ next to itself; the bundle lives elsewhere, so say where it is.
process.env.SAGEMAKER_ANFW_CONFIG_DIR = process.env.SAGEMAKER_ANFW_CONFIG_DIR || join(root, "config");
require(bundle);
