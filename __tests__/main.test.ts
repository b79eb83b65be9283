/**
 * The app entry point as users run it (`cdktf synth` runs `tsx main.ts`): a bad config exits
 * non-zero with the file/field message and writes nothing; good configs synthesize one set of
 * stacks per environment file.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./support/terraform";

const ROOT = join(__dirname, "..");

/** Runs main.ts with tsx (what tests and developers run) or through scripts/run-main.cjs (what cdktf runs). */
function runMain(configs: Record<string, unknown>, via: "tsx" | "cdktf-runner" = "tsx") {
  const dir = tempDir("main");
  const configDir = join(dir, "config");
  mkdirSync(configDir);
  for (const [file, body] of Object.entries(configs)) {
    writeFileSync(join(configDir, file), typeof body === "string" ? body : JSON.stringify(body));
  }
  const outdir = join(dir, "cdktf.out");
  const args = via === "tsx" ? [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "main.ts")] : [join(ROOT, "scripts", "run-main.cjs")];
  const r = spawnSync(process.execPath, args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, SAGEMAKER_ANFW_CONFIG_DIR: configDir, CDKTF_OUTDIR: outdir },
  });
  return { code: r.status, stderr: r.stderr, outdir };
}

test("a bad config stops synth with one message per problem and writes no JSON", () => {
  const r = runMain({ "dev.json": {}, "prod.json": { availabilityZones: ["us-east-1a", "us-east-1a"], vpcCidr: "10.2.0.0/24" } });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("Invalid configuration, nothing was synthesized:");
  expect(r.stderr).toContain('prod.json: availabilityZones[1]: "us-east-1a" is listed twice');
  expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  expect(existsSync(r.outdir)).toBe(false);
});

test("every config file becomes its environment's stacks", () => {
  const r = runMain({ "dev.json": {}, "prod.json": { region: "eu-west-1", vpcCidr: "10.20.0.0/16" } });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(readdirSync(join(r.outdir, "stacks")).sort()).toEqual(["dev-notebook", "dev-studio", "prod-notebook", "prod-studio"]);
});

test("cdktf's app command (the esbuild bundle runner) writes byte-identical stacks", () => {
  const configs = { "dev.json": { availabilityZones: ["us-east-1b", "us-east-1a"] } };
  const direct = runMain(configs, "tsx");
  const bundled = runMain(configs, "cdktf-runner");
  expect(bundled.stderr).toBe("");
  expect(bundled.code).toBe(0);
  const read = (outdir: string, stack: string) =>
    readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8").replace(new RegExp(outdir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g"), "<outdir>");
  for (const stack of ["dev-studio", "dev-notebook"]) expect(read(bundled.outdir, stack)).toBe(read(direct.outdir, stack));
});

test("cdktf.json runs the bundle runner", () => {
  expect(JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")).app).toBe("node scripts/run-main.cjs");
});

test("the bundle runner rebuilds when an input changes, even to the same size", () => {
  const dir = tempDir("runner");
  const entry = join(dir, "runner-probe.ts");
  const run = () => spawnSync(process.execPath, [join(ROOT, "scripts", "run-main.cjs"), entry], { encoding: "utf8" }).stdout.trim();
  writeFileSync(entry, 'const word: string = "one";\nconsole.log(word);\n');
  expect(run()).toBe("one");
  expect(run()).toBe("one"); // from the cached bundle
  writeFileSync(entry, 'const word: string = "two";\nconsole.log(word);\n');
  expect(run()).toBe("two");
  // The probe's cache entries are this test's own litter.
  const cache = join(ROOT, "node_modules", ".cache", "sagemaker-anfw");
  for (const f of readdirSync(cache).filter((f) => f.startsWith("runner-probe-"))) rmSync(join(cache, f));
});
