/**
 * The terraform result cache (support/result-cache.ts) may only answer a run whose every input is
 * the same: these tests change one input at a time and expect a different key, and check that a
 * hit never runs the computation, that TF_RESULTS_CACHE=off always does, and that killed runs are
 * never stored.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheableCommand, cacheKey, dirDigest, lookup, normalizedArgs, resultCacheStats } from "./support/result-cache";
import { scratchDir } from "./support/scratch";

/** A temp dir holding `files` (removed after this file: support/scratch.ts). */
function dirWith(files: Record<string, string>): string {
  const dir = scratchDir("cache-test");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

// As withRealProvider writes a copy: the stub's URL in its own file (support/real-plan.ts, STUB_URL_FILE).
const CONFIG = { "cdk.tf.json": '{"resource":{}}', "zz_real_provider_override.tf.json": '{"provider":{"aws":[{"access_key":"k"}]}}', "aws-stub-url.txt": "http://127.0.0.1:4001", "tests/a.tftest.hcl": "run {}" };
const key = (dir: string, args: string[] = ["plan"], stub = "stub-a", placeholders = ["http://127.0.0.1:4001"]) =>
  cacheKey({ toolchain: "tc", kind: "run", dir: dirDigest(dir, placeholders), args: normalizedArgs(dir, args), stub });

let previousDir: string | undefined;
let previousMode: string | undefined;
beforeAll(() => {
  previousDir = process.env.TF_RESULTS_CACHE_DIR;
  previousMode = process.env.TF_RESULTS_CACHE;
  process.env.TF_RESULTS_CACHE_DIR = dirWith({});
  delete process.env.TF_RESULTS_CACHE;
});
afterAll(() => {
  for (const [name, value] of [["TF_RESULTS_CACHE_DIR", previousDir], ["TF_RESULTS_CACHE", previousMode]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe("result cache keys", () => {
  const base = key(dirWith(CONFIG));

  test("the same configuration in another directory, talking to a stub on another port, has the same key", () => {
    const moved = dirWith({ ...CONFIG, "aws-stub-url.txt": "http://127.0.0.1:5999" });
    expect(key(moved, ["plan"], "stub-a", ["http://127.0.0.1:5999"])).toBe(base);
  });

  test("what terraform writes (working dir, lock file, states, plans, scratch files) is not an input", () => {
    const dir = dirWith({ ...CONFIG, ".terraform/x": "1", ".terraform.lock.hcl": "lock", "deployed.tfstate": "{}", "rp-1.tfplan": "zip", "rp-1.plan.json": "{}" });
    expect(key(dir)).toBe(base);
  });

  test.each([
    ["one byte of the configuration", () => key(dirWith({ ...CONFIG, "cdk.tf.json": '{"resource":{ }}' }))],
    ["a test file", () => key(dirWith({ ...CONFIG, "tests/a.tftest.hcl": "run { }" }))],
    ["another file", () => key(dirWith({ ...CONFIG, "extra.tf.json": "{}" }))],
    ["the arguments", () => key(dirWith(CONFIG), ["plan", "-refresh=false"])],
    ["the stub's fingerprint", () => key(dirWith(CONFIG), ["plan"], "stub-b")],
    ["the stub's URL not being folded (another endpoint)", () => key(dirWith(CONFIG), ["plan"], "stub-a", [])],
  ])("changes with %s", (_what, other) => {
    expect(other()).not.toBe(base);
  });

  test("a -state= argument stands for the state's content, not its path", () => {
    const dir = dirWith(CONFIG);
    const states = dirWith({ "a.tfstate": '{"serial":1}', "b.tfstate": '{"serial":1}', "c.tfstate": '{"serial":2}' });
    const withState = (f: string) => key(dir, ["plan", `-state=${join(states, f)}`]);
    expect(withState("a.tfstate")).toBe(withState("b.tfstate"));
    expect(withState("c.tfstate")).not.toBe(withState("a.tfstate"));
    expect(withState("missing.tfstate")).not.toBe(withState("a.tfstate"));
  });

  test("a plan file given by position, or a state given relative to the run dir, stands for its content", () => {
    const dir = dirWith({ ...CONFIG, "a.tfplan": "plan-1", "b.tfplan": "plan-1", "c.tfplan": "plan-2", "s.tfstate": "{}", "t.tfstate": "{}", "u.tfstate": '{"x":1}' });
    expect(key(dir, ["show", "-json", "a.tfplan"])).toBe(key(dir, ["show", "-json", join(dir, "b.tfplan")]));
    expect(key(dir, ["show", "-json", "c.tfplan"])).not.toBe(key(dir, ["show", "-json", "a.tfplan"]));
    expect(key(dir, ["plan", "-state=s.tfstate"])).toBe(key(dir, ["plan", "-state=t.tfstate"]));
    expect(key(dir, ["plan", "-state=u.tfstate"])).not.toBe(key(dir, ["plan", "-state=s.tfstate"]));
  });

  test("the two-word form of a file flag is refused (it would keep the file out of the key)", () => {
    expect(() => normalizedArgs("/x", ["plan", "-state", "s.tfstate"])).toThrow(/write -flag=value/);
  });

  test("TF_* environment variables are part of the key (e.g. TF_CLI_ARGS_plan=-refresh=false)", () => {
    const dir = dirWith(CONFIG);
    const before = key(dir);
    process.env.TF_CLI_ARGS_plan = "-refresh=false";
    try {
      expect(key(dir)).not.toBe(before);
    } finally {
      delete process.env.TF_CLI_ARGS_plan;
    }
    expect(key(dir)).toBe(before);
  });

  test("only commands that read and report are answered from the cache", () => {
    expect(cacheableCommand(["plan", "-refresh=false"])).toBe(true);
    expect(cacheableCommand(["validate", "-json"])).toBe(true);
    expect(cacheableCommand(["test", "-filter=tests/x.tftest.hcl"])).toBe(true);
    for (const args of [["plan", "-out=x.tfplan"], ["apply", "x.tfplan"], ["show", "-json", "x.tfplan"], ["import", "a.b", "id"], ["state", "list"], ["init"], ["refresh"]]) {
      expect({ args, cacheable: cacheableCommand(args) }).toEqual({ args, cacheable: false });
    }
  });

  test("the toolchain and the kind of run are part of the key", () => {
    const dir = dirWith(CONFIG);
    const parts = { kind: "run", dir: dirDigest(dir), args: ["plan"] };
    expect(cacheKey({ ...parts, toolchain: "tc" })).not.toBe(cacheKey({ ...parts, toolchain: "tc2" }));
    expect(cacheKey({ ...parts, toolchain: "tc" })).not.toBe(cacheKey({ ...parts, toolchain: "tc", kind: "sync" }));
  });
});

describe("result cache lookups", () => {
  test("a hit returns the stored result without running; a miss runs and stores", () => {
    const k = key(dirWith({ "cdk.tf.json": "lookup-1" }));
    let runs = 0;
    const run = () => ({ code: 0, output: `run ${++runs}` });
    const hits = resultCacheStats.hits;
    expect(lookup(k, run)).toEqual({ code: 0, output: "run 1" });
    expect(lookup(k, run)).toEqual({ code: 0, output: "run 1" });
    expect(runs).toBe(1);
    expect(resultCacheStats.hits).toBe(hits + 1);
  });

  test("failing runs are stored (an expected plan failure is a result), killed runs are not", () => {
    const failing = key(dirWith({ "cdk.tf.json": "lookup-2" }));
    let runs = 0;
    lookup(failing, () => ({ code: 1, output: `error ${++runs}` }));
    expect(lookup(failing, () => ({ code: 1, output: `error ${++runs}` }))).toEqual({ code: 1, output: "error 1" });
    const killed = key(dirWith({ "cdk.tf.json": "lookup-3" }));
    lookup(killed, () => ({ code: -1, output: `killed ${++runs}` }));
    expect(lookup(killed, () => ({ code: -1, output: `killed ${++runs}` }))).toEqual({ code: -1, output: "killed 3" });
  });

  test("TF_RESULTS_CACHE=off runs every time", () => {
    const k = key(dirWith({ "cdk.tf.json": "lookup-4" }));
    let runs = 0;
    const run = () => ({ code: 0, output: `run ${++runs}` });
    process.env.TF_RESULTS_CACHE = "off";
    try {
      lookup(k, run);
      expect(lookup(k, run)).toEqual({ code: 0, output: "run 2" });
    } finally {
      delete process.env.TF_RESULTS_CACHE;
    }
  });
});
