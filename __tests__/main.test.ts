/**
 * The app entry point as users run it (`cdktf synth` runs it through scripts/run-main.cjs): a bad
 * config exits non-zero with the file/field message, writes nothing and removes the previous run's
 * stacks; good configs synthesize, per
 * environment file, `<env>-network` and the enabled workload stacks (`<env>-studio`,
 * `<env>-notebook`), each workload deployed after its environment's network.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./support/terraform";

const ROOT = join(__dirname, "..");

/** AWS's documentation example accounts: each environment deploys to its own. */
const DEV_ACCOUNT = "111122223333";
const PROD_ACCOUNT = "444455556666";

/**
 * Runs main.ts through scripts/run-main.cjs (what `cdktf synth` runs: a cached esbuild bundle, about
 * 0.6 s a run) or with tsx (what developers may run by hand: about 1.4 s warm, 3 s cold); the two
 * are checked to write byte-identical stacks below.
 */
function runMain(configs: Record<string, unknown>, via: "tsx" | "cdktf-runner" = "cdktf-runner", dir = tempDir("main")) {
  const configDir = join(dir, "config");
  rmSync(configDir, { recursive: true, force: true });
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

/** The stack directories synth wrote. */
const stacksIn = (outdir: string) => readdirSync(join(outdir, "stacks")).sort();

/** Stack name => the stacks it depends on, from cdktf.out/manifest.json (what `cdktf deploy` orders by). */
function dependenciesIn(outdir: string): Record<string, string[]> {
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  return Object.fromEntries(Object.entries(manifest.stacks as Record<string, { dependencies: string[] }>).map(([name, s]) => [name, [...s.dependencies].sort()]));
}

test("a bad config stops synth with one message per problem and writes no JSON", () => {
  const r = runMain({
    "dev.json": { accountId: DEV_ACCOUNT },
    "prod.json": { accountId: PROD_ACCOUNT, availabilityZones: ["us-east-1a", "us-east-1a"], vpcCidr: "10.2.0.0/24" },
  });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("Invalid configuration, nothing was synthesized:");
  expect(r.stderr).toContain('prod.json: availabilityZones[1]: "us-east-1a" is listed twice');
  expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  expect(r.stderr).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m); // nor one of the bundle's frames (the runner's bundle has no source map)
  expect(existsSync(r.outdir)).toBe(false);
});

test.each([
  ["without accountId", { "dev.json": { accountId: DEV_ACCOUNT }, "prod.json": {} }, /prod\.json: accountId: /],
  ["with no workload enabled", { "dev.json": { accountId: DEV_ACCOUNT, studio: { enabled: false } } }, /dev\.json: studio\.enabled: no workload is enabled/],
  [
    "with the notebook enabled but no AZ for it",
    { "dev.json": { accountId: DEV_ACCOUNT, notebook: { enabled: true } } },
    /dev\.json: notebook\.availabilityZone: required/,
  ],
])("a config %s stops synth naming the file and field, and writes no JSON", (_label, configs, message) => {
  const r = runMain(configs);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("Invalid configuration, nothing was synthesized:");
  expect(r.stderr).toMatch(message);
  expect(existsSync(r.outdir)).toBe(false);
});

describe("a failed synth leaves no older output that looks current", () => {
  /** A project dir holding a previous run's output: a stack, its JSON and the manifest naming it. */
  function projectWithOldOutput(): string {
    const dir = tempDir("main");
    mkdirSync(join(dir, "cdktf.out", "stacks", "old-network"), { recursive: true });
    writeFileSync(join(dir, "cdktf.out", "stacks", "old-network", "cdk.tf.json"), "{}");
    writeFileSync(join(dir, "cdktf.out", "manifest.json"), JSON.stringify({ stacks: { "old-network": { dependencies: [] } } }));
    return dir;
  }

  test.each(["tsx", "cdktf-runner"] as const)("a bad config removes the previous stacks and manifest (%s)", (via) => {
    const dir = projectWithOldOutput();
    const r = runMain({ "dev.json": { accountId: DEV_ACCOUNT, vpcCidr: "nope" } }, via, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("dev.json: vpcCidr: ");
    expect(r.stderr).toContain("Removed the previous synth output");
    expect(existsSync(join(r.outdir, "stacks"))).toBe(false);
    expect(existsSync(join(r.outdir, "manifest.json"))).toBe(false);
  });

  test("the next good synth in that project writes its stacks as usual", () => {
    const dir = projectWithOldOutput();
    expect(runMain({ "dev.json": { accountId: DEV_ACCOUNT, vpcCidr: "nope" } }, "cdktf-runner", dir).code).toBe(1);
    const r = runMain({ "dev.json": { accountId: DEV_ACCOUNT } }, "cdktf-runner", dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(stacksIn(r.outdir)).toEqual(["dev-network", "dev-studio"]);
    expect(Object.keys(dependenciesIn(r.outdir)).sort()).toEqual(["dev-network", "dev-studio"]);
  });
});

test("every config file becomes its network stack and its enabled workload stacks, each after its own network", () => {
  const r = runMain({
    // Studio only (the default)
    "dev.json": { accountId: DEV_ACCOUNT },
    // both workloads
    "prod.json": { accountId: PROD_ACCOUNT, region: "eu-west-1", vpcCidr: "10.20.0.0/16", notebook: { enabled: true, availabilityZone: "eu-west-1b" } },
    // notebook only
    "lab.json": { accountId: DEV_ACCOUNT, vpcCidr: "10.30.0.0/16", studio: { enabled: false }, notebook: { enabled: true, availabilityZone: "us-east-1c" } },
  });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(stacksIn(r.outdir)).toEqual(["dev-network", "dev-studio", "lab-network", "lab-notebook", "prod-network", "prod-notebook", "prod-studio"]);
  expect(dependenciesIn(r.outdir)).toEqual({
    "dev-network": [],
    "dev-studio": ["dev-network"],
    "lab-network": [],
    "lab-notebook": ["lab-network"],
    "prod-network": [],
    "prod-notebook": ["prod-network"],
    "prod-studio": ["prod-network"],
  });
});

test("each environment's stacks accept only that environment's account", () => {
  const r = runMain({
    "dev.json": { accountId: DEV_ACCOUNT, notebook: { enabled: true, availabilityZone: "us-east-1a" } },
    "prod.json": { accountId: PROD_ACCOUNT, vpcCidr: "10.20.0.0/16" },
  });
  expect(r.code).toBe(0);
  const stacks = stacksIn(r.outdir);
  expect(stacks).toEqual(["dev-network", "dev-notebook", "dev-studio", "prod-network", "prod-studio"]);
  for (const stack of stacks) {
    const json = JSON.parse(readFileSync(join(r.outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
    const account = stack.startsWith("dev-") ? DEV_ACCOUNT : PROD_ACCOUNT;
    expect(json.provider.aws.map((p: { allowed_account_ids: string[] }) => p.allowed_account_ids)).toEqual([[account]]);
  }
});

test("cdktf's app command (the esbuild bundle runner) writes byte-identical stacks", () => {
  const configs = { "dev.json": { accountId: DEV_ACCOUNT, availabilityZones: ["us-east-1b", "us-east-1a"], notebook: { enabled: true, availabilityZone: "us-east-1a" } } };
  const direct = runMain(configs, "tsx");
  const bundled = runMain(configs, "cdktf-runner");
  expect(bundled.stderr).toBe("");
  expect(bundled.code).toBe(0);
  const read = (outdir: string, stack: string) =>
    readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8").replace(new RegExp(outdir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g"), "<outdir>");
  expect(stacksIn(bundled.outdir)).toEqual(["dev-network", "dev-notebook", "dev-studio"]);
  expect(stacksIn(direct.outdir)).toEqual(stacksIn(bundled.outdir));
  for (const stack of stacksIn(direct.outdir)) expect(read(bundled.outdir, stack)).toBe(read(direct.outdir, stack));
  expect(dependenciesIn(bundled.outdir)).toEqual(dependenciesIn(direct.outdir));
});

test("cdktf.json runs the bundle runner", () => {
  expect(JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")).app).toBe("node scripts/run-main.cjs");
});

test("the bundle runner rebuilds when an input changes, even to the same size", () => {
  const dir = tempDir("runner");
  const entry = join(dir, "runner-probe.ts");
  const run = () => spawnSync(process.execPath, [join(ROOT, "scripts", "run-main.cjs"), entry], { encoding: "utf8" }).stdout.trim();
  const cache = join(ROOT, "node_modules", ".cache", "sagemaker-anfw");
  try {
    writeFileSync(entry, 'const word: string = "one";\nconsole.log(word);\n');
    expect(run()).toBe("one");
    expect(run()).toBe("one"); // from the cached bundle
    writeFileSync(entry, 'const word: string = "two";\nconsole.log(word);\n');
    expect(run()).toBe("two");
  } finally {
    // The probe's cache entries are this test's own litter, also when it fails.
    if (existsSync(cache)) for (const f of readdirSync(cache).filter((f) => f.startsWith("runner-probe-"))) rmSync(join(cache, f));
  }
});
