/**
 * Layer 2 for the egress hub's example: `terraform validate` of every stack that
 * `SAGEMAKER_ANFW_CONFIG_DIR=examples/hub/config npm run synth` writes (the hub's
 * `central-inspection`, and each spoke's network and workload stacks, two accounts), against the real
 * provider schema (hashicorp/aws 5.100.0, offline from the mirror). As terraform.validate.test.ts
 * does for the foundation's stacks: every stack a child module of one root, one `validate` (one
 * provider schema load), each stack with its own provider configurations. hub.terraform.test.ts
 * validates a hub and a spoke built in a test; this file validates what users synthesize from the
 * config, through the wiring (main.ts, stacks/hub.ts, stacks/network-stack.ts).
 */
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Json } from "./support/synth";
import { scratchDir } from "./support/scratch";
import { describeWithTerraform, tempDir, terraform } from "./support/terraform";

const ROOT = join(__dirname, "..");
const outdir = join(scratchDir("hub-validate"), "cdktf.out");
// Synthesized once for the file, as users do (scripts/run-main.cjs is what `npm run synth` runs).
const run = spawnSync(process.execPath, [join(ROOT, "scripts", "run-main.cjs")], {
  cwd: ROOT,
  encoding: "utf8",
  env: { ...process.env, SAGEMAKER_ANFW_CONFIG_DIR: join(ROOT, "examples", "hub", "config"), CDKTF_OUTDIR: outdir },
});
const stackDir = (name: string) => join(outdir, "stacks", name);

// Written out from the example's files (a hub file, team-a.json with Studio, team-b.json with Studio
// and a notebook), not taken from the code: the stacks a reviewer expects the example to deploy.
const EXPECTED_STACKS = ["central-inspection", "team-a-network", "team-a-studio", "team-b-network", "team-b-notebook", "team-b-studio"];

/** Each stack copied to modules/<name> of a fresh root (backend dropped, `edit` applied); one `terraform validate -json`. */
function validate(modules: ReadonlyArray<{ name: string; edit?: (json: Json) => void }>): { code: number; diagnostics: Json[] } {
  const root = tempDir("hub-example-validate");
  for (const m of modules) {
    cpSync(stackDir(m.name), join(root, "modules", m.name), { recursive: true });
    const file = join(root, "modules", m.name, "cdk.tf.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    // A backend block is not allowed outside a root module, and validate never reads it.
    for (const t of ([] as Json[]).concat(json.terraform ?? [])) delete t.backend;
    m.edit?.(json);
    writeFileSync(file, JSON.stringify(json));
  }
  writeFileSync(join(root, "main.tf.json"), JSON.stringify({ module: Object.fromEntries(modules.map(({ name }) => [name, { source: `./modules/${name}` }])) }, null, 2));
  const r = terraform(root, ["validate", "-json"], { providerServer: true });
  return { code: r.code, diagnostics: JSON.parse(r.stdout).diagnostics ?? [] };
}

describeWithTerraform("terraform validate: examples/hub/config", () => {
  let result: { code: number; diagnostics: Json[] };
  beforeAll(() => {
    expect({ code: run.status, stderr: run.status === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });
    result = validate(readdirSync(join(outdir, "stacks")).map((name) => ({ name })));
  });

  test("synth writes the hub's stack and every stack of both spokes", () => {
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(EXPECTED_STACKS);
  });

  test("one validate of all of them succeeds, with no diagnostic for any stack", () => {
    // Per stack first, so a failure names the stack.
    for (const name of EXPECTED_STACKS) {
      const own = result.diagnostics.filter((d) => String(d.range?.filename ?? "").startsWith(`modules/${name}/`));
      expect({ stack: name, diagnostics: own }).toEqual({ stack: name, diagnostics: [] });
    }
    expect(result.diagnostics).toEqual([]);
    expect(result.code).toBe(0);
  });

  test("it fails, naming the file, on an argument the provider does not know on the hub's accepter or a spoke's attachment", () => {
    // Checks that can fail: the same stacks with one unknown argument on the hub side of a spoke and
    // one on the spoke side of the attachment (the two halves of the cross-account handshake).
    const r = validate([
      { name: "central-inspection", edit: (json) => (Object.values<Json>(json.resource.aws_ec2_transit_gateway_vpc_attachment_accepter)[0].not_an_argument = true) },
      { name: "team-b-network", edit: (json) => (Object.values<Json>(json.resource.aws_ec2_transit_gateway_vpc_attachment)[0].not_an_argument = true) },
    ]);
    expect(r.code).not.toBe(0);
    const problem = (module: string) =>
      expect.objectContaining({
        severity: "error",
        summary: "Extraneous JSON object property",
        detail: expect.stringContaining('"not_an_argument"'),
        range: expect.objectContaining({ filename: `modules/${module}/cdk.tf.json` }),
      });
    expect(r.diagnostics).toEqual(expect.arrayContaining([problem("central-inspection"), problem("team-b-network")]));
    expect(r.diagnostics).toHaveLength(2);
  });
});
