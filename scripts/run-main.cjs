// The app command cdktf runs (cdktf.json "app"): bundles main.ts (or the entry file given as the
// first argument; the benchmark's empty app uses the same runner) and everything it imports into one
// CommonJS file with esbuild, then runs it. Measured in bench/README.md: a bundle starts in a
// fraction of the time tsx needs to transpile and resolve ~150 modules one by one, and its output
// is byte-identical (__tests__/main.test.ts). The bundle is rebuilt only when one of its inputs
// changed (esbuild's metafile lists them), so an unchanged project pays only for running it.
"use strict";
const { buildSync } = require("esbuild");
const { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");

const { basename, resolve } = require("node:path");

const root = join(__dirname, "..");
const entry = resolve(process.argv[2] || join(root, "main.ts"));
const cacheDir = join(root, "node_modules", ".cache", "sagemaker-anfw");
const name = basename(entry).replace(/\.ts$/, "");
const bundle = join(cacheDir, `${name}.cjs`);
const metafile = join(cacheDir, `${name}.meta.json`);

function upToDate() {
  if (!existsSync(bundle) || !existsSync(metafile)) return false;
  const built = statSync(bundle).mtimeMs;
  const inputs = Object.keys(JSON.parse(readFileSync(metafile, "utf8")).inputs);
  return inputs.every((input) => {
    const file = join(root, input);
    return existsSync(file) && statSync(file).mtimeMs <= built;
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
    metafile: true,
    logLevel: "warning",
  });
  writeFileSync(metafile, JSON.stringify(result.metafile));
}

// main.ts finds config/ next to itself; the bundle lives elsewhere, so say where it is.
process.env.SAGEMAKER_ANFW_CONFIG_DIR = process.env.SAGEMAKER_ANFW_CONFIG_DIR || join(root, "config");
require(bundle);
