/**
 * The operator script run before destroying a Studio stack: dry run by default, and with --apply
 * it deletes every live app (users' and spaces'), waits for them, then the spaces, in the domain
 * named by the environment's config. The AWS CLI is replaced by a fake on PATH that serves a
 * canned account and records every call.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./support/terraform";

const ROOT = join(__dirname, "..");

// A fake `aws`: answers list-domains/list-apps/list-spaces from a state file, marks deletions.
const FAKE_AWS = `#!/usr/bin/env node
const fs = require("fs");
const state = JSON.parse(fs.readFileSync(process.env.FAKE_AWS_STATE, "utf8"));
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_AWS_LOG, JSON.stringify(args) + "\\n");
const arg = (flag) => args[args.indexOf(flag) + 1];
const save = () => fs.writeFileSync(process.env.FAKE_AWS_STATE, JSON.stringify(state));
switch (args[1]) {
  case "list-domains": console.log(JSON.stringify({ Domains: state.domains })); break;
  case "list-apps": console.log(JSON.stringify({ Apps: state.apps.filter((a) => a.DomainId === arg("--domain-id-equals")) })); break;
  case "list-spaces": console.log(JSON.stringify({ Spaces: state.spaces.filter((s) => s.DomainId === arg("--domain-id-equals")) })); break;
  case "delete-app": {
    const app = state.apps.find((a) => a.AppName === arg("--app-name") && a.AppType === arg("--app-type"));
    if (!app) { console.error("ResourceNotFound"); process.exit(254); }
    app.Status = "Deleted"; save(); break;
  }
  case "delete-space": {
    if (state.apps.some((a) => a.SpaceName === arg("--space-name") && a.Status !== "Deleted")) { console.error("ResourceInUse: space has apps"); process.exit(254); }
    state.spaces = state.spaces.filter((s) => s.SpaceName !== arg("--space-name")); save(); break;
  }
  default: console.error("unexpected call " + args.join(" ")); process.exit(255);
}
`;

const DOMAIN = "d-abc123";
const initialState = () => ({
  domains: [
    { DomainName: "other-domain", DomainId: "d-other" },
    { DomainName: "sagemaker-studio-anfw-qa", DomainId: DOMAIN },
  ],
  apps: [
    { DomainId: DOMAIN, UserProfileName: "alice", AppType: "JupyterServer", AppName: "default", Status: "InService" },
    { DomainId: DOMAIN, SpaceName: "team-space", AppType: "JupyterLab", AppName: "default", Status: "InService" },
    { DomainId: DOMAIN, UserProfileName: "bob", AppType: "KernelGateway", AppName: "old", Status: "Deleted" },
    { DomainId: "d-other", UserProfileName: "carol", AppType: "JupyterServer", AppName: "default", Status: "InService" },
  ],
  spaces: [
    { DomainId: DOMAIN, SpaceName: "team-space", Status: "InService" },
    { DomainId: "d-other", SpaceName: "their-space", Status: "InService" },
  ],
});

function run(apply: boolean) {
  const dir = tempDir("cleanup");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "aws"), FAKE_AWS);
  chmodSync(join(bin, "aws"), 0o755);
  const configDir = join(dir, "config");
  mkdirSync(configDir);
  writeFileSync(join(configDir, "qa.json"), JSON.stringify({ accountId: "111122223333", region: "eu-west-1" }));
  const stateFile = join(dir, "state.json");
  writeFileSync(stateFile, JSON.stringify(initialState()));
  const log = join(dir, "calls.log");
  writeFileSync(log, "");
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "scripts", "studio-cleanup.ts"), "--env", "qa", "--config-dir", configDir, ...(apply ? ["--apply"] : [])],
    { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_AWS_STATE: stateFile, FAKE_AWS_LOG: log } },
  );
  const calls = readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[]);
  const state = JSON.parse(readFileSync(stateFile, "utf8"));
  rmSync(dir, { recursive: true, force: true });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls, state };
}

describe("studio-cleanup", () => {
  const dry = run(false);
  const applied = run(true);

  test("dry run: lists the domain's live apps and spaces, deletes nothing", () => {
    expect(dry.code).toBe(0);
    expect(dry.calls.map((c) => c[1])).toEqual(["list-domains", "list-apps", "list-spaces"]);
    expect(dry.stdout).toContain("Dry run");
    expect(dry.stdout).toContain("1 space(s)");
    expect(dry.stdout).toContain("2 app(s)");
    expect(dry.state).toEqual(initialState());
  });

  test("every call names the environment's region", () => {
    for (const c of [...dry.calls, ...applied.calls]) expect(c[c.indexOf("--region") + 1]).toBe("eu-west-1");
  });

  test("--apply deletes the user's and the space's apps, then the space, only in this domain", () => {
    expect(applied.code).toBe(0);
    const deletes = applied.calls.filter((c) => c[1].startsWith("delete-"));
    expect(deletes.map((c) => c.slice(0, c.indexOf("--region")))).toEqual([
      ["sagemaker", "delete-app", "--domain-id", DOMAIN, "--user-profile-name", "alice", "--app-type", "JupyterServer", "--app-name", "default"],
      ["sagemaker", "delete-app", "--domain-id", DOMAIN, "--space-name", "team-space", "--app-type", "JupyterLab", "--app-name", "default"],
      ["sagemaker", "delete-space", "--domain-id", DOMAIN, "--space-name", "team-space"],
    ]);
    expect(applied.state.spaces).toEqual([{ DomainId: "d-other", SpaceName: "their-space", Status: "InService" }]);
    expect(applied.state.apps.find((a: { DomainId: string }) => a.DomainId === "d-other").Status).toBe("InService");
  });

  test("a missing --env is refused with a usage message", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "scripts", "studio-cleanup.ts")], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--env <environment> is required");
  });
});
