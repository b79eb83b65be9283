/**
 * The operator script run before destroying a Studio stack. A space's files are on its own EBS
 * volume, which DeleteSpace deletes, so the script must delete no space unless the operator names
 * it. The AWS CLI is replaced by a fake SageMaker API on PATH that serves a canned account, records
 * every call, and behaves as AWS does where it matters: DeleteApp and DeleteSpace return while the
 * app or space is still Deleting, and DeleteSpace is refused while the space has an app that is not
 * Deleted yet.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./support/terraform";

const ROOT = join(__dirname, "..");

const FAKE_AWS = `#!/usr/bin/env node
const fs = require("fs");
const state = JSON.parse(fs.readFileSync(process.env.FAKE_AWS_STATE, "utf8"));
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_AWS_LOG, JSON.stringify(args) + "\\n");
const arg = (flag) => args[args.indexOf(flag) + 1];
const save = () => fs.writeFileSync(process.env.FAKE_AWS_STATE, JSON.stringify(state));
const fail = (msg) => { console.error(msg); process.exit(254); };
const out = (o) => console.log(JSON.stringify(o));
const domain = args.includes("--domain-id-equals") ? arg("--domain-id-equals") : arg("--domain-id");
const inDomain = (x) => x.DomainId === domain;
switch (args[1]) {
  case "list-domains": out({ Domains: state.domains }); break;
  case "list-apps": {
    out({ Apps: state.apps.filter(inDomain).map((a) => ({ DomainId: a.DomainId, UserProfileName: a.UserProfileName, SpaceName: a.SpaceName, AppType: a.AppType, AppName: a.AppName, Status: a.Status })) });
    // An app reported as Deleting once is Deleted by the next call.
    for (const a of state.apps) if (a.Status === "Deleting") a.Status = "Deleted";
    save(); break;
  }
  case "list-spaces": {
    out({ Spaces: state.spaces.filter(inDomain).map((s) => ({ DomainId: s.DomainId, SpaceName: s.SpaceName, Status: s.Status })) });
    state.spaces = state.spaces.filter((s) => s.Status !== "Deleting");
    save(); break;
  }
  case "describe-space": {
    const s = state.spaces.find((x) => inDomain(x) && x.SpaceName === arg("--space-name"));
    if (!s) fail("ResourceNotFound: space " + arg("--space-name"));
    out(s); break;
  }
  case "delete-app": {
    const app = state.apps.find((a) => inDomain(a) && a.AppName === arg("--app-name") && a.AppType === arg("--app-type") && (a.SpaceName ? a.SpaceName === arg("--space-name") : a.UserProfileName === arg("--user-profile-name")));
    if (!app || app.Status === "Deleted") fail("ResourceNotFound: app");
    app.Status = "Deleting"; save(); break;
  }
  case "delete-space": {
    const s = state.spaces.find((x) => inDomain(x) && x.SpaceName === arg("--space-name"));
    if (!s) fail("ResourceNotFound: space");
    if (state.apps.some((a) => inDomain(a) && a.SpaceName === s.SpaceName && a.Status !== "Deleted")) fail("ResourceInUse: space has apps");
    s.Status = "Deleting"; save(); break;
  }
  default: console.error("unexpected call " + args.join(" ")); process.exit(255);
}
`;

const DOMAIN = "d-abc123";
const OTHER = "d-other";
const initialState = () => ({
  domains: [
    { DomainName: "other-domain", DomainId: OTHER },
    { DomainName: "sagemaker-studio-anfw-qa", DomainId: DOMAIN },
  ],
  apps: [
    { DomainId: DOMAIN, UserProfileName: "alice", AppType: "JupyterServer", AppName: "default", Status: "InService" },
    { DomainId: DOMAIN, SpaceName: "alice-lab", AppType: "JupyterLab", AppName: "default", Status: "InService" },
    { DomainId: DOMAIN, UserProfileName: "bob", AppType: "KernelGateway", AppName: "old", Status: "Deleted" },
    { DomainId: OTHER, UserProfileName: "carol", AppType: "JupyterServer", AppName: "default", Status: "InService" },
  ],
  spaces: [
    {
      DomainId: DOMAIN, SpaceName: "alice-lab", Status: "InService",
      OwnershipSettings: { OwnerUserProfileName: "alice" }, SpaceSharingSettings: { SharingType: "Private" },
      SpaceSettings: { AppType: "JupyterLab", SpaceStorageSettings: { EbsStorageSettings: { EbsVolumeSizeInGb: 5 } } },
    },
    {
      DomainId: DOMAIN, SpaceName: "team-code", Status: "InService",
      OwnershipSettings: { OwnerUserProfileName: "bob" }, SpaceSharingSettings: { SharingType: "Shared" },
      SpaceSettings: { AppType: "CodeEditor", SpaceStorageSettings: { EbsStorageSettings: { EbsVolumeSizeInGb: 50 } } },
    },
    { DomainId: OTHER, SpaceName: "their-space", Status: "InService", SpaceSettings: { AppType: "JupyterLab" } },
  ],
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every call the fake AWS CLI received, in order. */
  calls: string[][];
  /** The delete-* calls, without the trailing --region/--output. */
  deletes: string[][];
  /** The fake account after the run. */
  state: ReturnType<typeof initialState>;
}

/** Runs the script against a fresh fake account (asynchronously, so the runs of this file overlap). */
async function run(args: string[], initial = initialState()): Promise<Run> {
  const dir = tempDir("cleanup");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "aws"), FAKE_AWS);
  chmodSync(join(bin, "aws"), 0o755);
  const configDir = join(dir, "config");
  mkdirSync(configDir);
  writeFileSync(join(configDir, "qa.json"), JSON.stringify({ accountId: "111122223333", region: "eu-west-1" }));
  const stateFile = join(dir, "state.json");
  writeFileSync(stateFile, JSON.stringify(initial));
  const log = join(dir, "calls.log");
  writeFileSync(log, "");
  const child = spawn(
    process.execPath,
    [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "scripts", "studio-cleanup.ts"), "--env", "qa", "--config-dir", configDir, "--poll-seconds", "0", "--wait-seconds", "30", ...args],
    { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_AWS_STATE: stateFile, FAKE_AWS_LOG: log } },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const calls = readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[]);
  const state = JSON.parse(readFileSync(stateFile, "utf8"));
  rmSync(dir, { recursive: true, force: true });
  const deletes = calls.filter((c) => c[1].startsWith("delete-")).map((c) => c.slice(0, c.indexOf("--region")));
  return { code, stdout, stderr, calls, deletes, state };
}

const spacesIn = (state: ReturnType<typeof initialState>, domain: string) => state.spaces.filter((s) => s.DomainId === domain).map((s) => s.SpaceName);
const appStatus = (state: ReturnType<typeof initialState>, domain: string, owner: string) =>
  state.apps.find((a) => a.DomainId === domain && ((a as { SpaceName?: string }).SpaceName ?? (a as { UserProfileName?: string }).UserProfileName) === owner)?.Status;

describe("studio-cleanup", () => {
  let listing: Run, applyOnly: Run, one: Run, typo: Run, all: Run, wrongDomain: Run, unconfirmed: Run, stopOnly: Run, dryDelete: Run, help: Run, twoDomains: Run;
  /** Domain names are not unique: a second domain of the environment's name. */
  const withTwin = () => {
    const st = initialState();
    return { ...st, domains: [...st.domains, { DomainName: "sagemaker-studio-anfw-qa", DomainId: "d-twin00000000" }] };
  };
  beforeAll(async () => {
    [listing, applyOnly, one, typo, all, wrongDomain, unconfirmed, stopOnly, dryDelete, help, twoDomains] = await Promise.all([
      run([]),
      run(["--apply"]),
      run(["--delete-space", "alice-lab", "--apply"]),
      run(["--delete-space", "alice-lab", "--delete-space", "team-cod", "--apply"]),
      run(["--delete-all-spaces", "--confirm-domain", DOMAIN, "--stop-apps", "--apply"]),
      run(["--delete-all-spaces", "--confirm-domain", OTHER, "--apply"]),
      run(["--delete-all-spaces", "--apply"]),
      run(["--stop-apps", "--apply"]),
      run(["--delete-space", "team-code"]),
      run(["--help"]),
      run(["--delete-space", "alice-lab", "--apply"], withTwin()),
    ]);
  });

  test("two domains of the environment's name: refused, naming both ids, nothing listed or deleted", () => {
    expect(twoDomains.code).toBe(2);
    expect(twoDomains.deletes).toEqual([]);
    expect(twoDomains.stderr).toContain("2 Studio domains are named sagemaker-studio-anfw-qa");
    expect(twoDomains.stderr).toContain("d-twin00000000");
  });

  test("by default: lists each space with owner, app type, status and EBS size, deletes nothing, exits 1 saying what to do", () => {
    expect(listing.code).toBe(1);
    expect(listing.deletes).toEqual([]);
    expect(listing.state).toEqual(initialState());
    const row = (space: string) => listing.stdout.split("\n").find((l) => l.trim().startsWith(space)) ?? "";
    for (const cell of ["alice (private)", "JupyterLab", "InService", "5 GB"]) expect(row("alice-lab")).toContain(cell);
    for (const cell of ["shared (owner bob)", "CodeEditor", "InService", "50 GB"]) expect(row("team-code")).toContain(cell);
    expect(listing.stdout).not.toContain("their-space");
    expect(listing.stderr).toContain("--delete-space <name>");
    expect(listing.stderr).toContain(`--confirm-domain ${DOMAIN}`);
    expect(listing.stderr).toContain("~/user-default-efs");
    expect(listing.stderr).toContain("S3 data bucket");
  });

  test("--apply alone deletes no space and no app", () => {
    expect(applyOnly.code).toBe(1);
    expect(applyOnly.deletes).toEqual([]);
    expect(applyOnly.state).toEqual(initialState());
  });

  test("--delete-space deletes exactly that space, after its apps are deleted; the other space and the user's app stay", () => {
    expect(one.code).toBe(1); // team-code and alice's own app still block the destroy
    expect(one.deletes).toEqual([
      ["sagemaker", "delete-app", "--domain-id", DOMAIN, "--space-name", "alice-lab", "--app-type", "JupyterLab", "--app-name", "default"],
      ["sagemaker", "delete-space", "--domain-id", DOMAIN, "--space-name", "alice-lab"],
    ]);
    expect(spacesIn(one.state, DOMAIN)).toEqual(["team-code"]);
    expect(appStatus(one.state, DOMAIN, "alice")).toBe("InService");
    expect(one.stderr).toContain("team-code");
  });

  test("a space name that does not exist fails before anything is deleted", () => {
    expect(typo.code).toBe(2);
    expect(typo.deletes).toEqual([]);
    expect(typo.state).toEqual(initialState());
    expect(typo.stderr).toContain('"team-cod"');
    expect(typo.stderr).toContain("nothing was deleted");
  });

  test("--delete-all-spaces with the domain's id and --stop-apps empties only this domain, then exits 0", () => {
    expect(all.code).toBe(0);
    const spaceOf = (c: string[]) => (c.includes("--space-name") ? c[c.indexOf("--space-name") + 1] : "");
    const ops = all.deletes.map((c) => `${c[1]} ${spaceOf(c)}`);
    expect(all.deletes.filter((c) => c[1] === "delete-space").map(spaceOf).sort()).toEqual(["alice-lab", "team-code"]);
    expect(all.deletes.filter((c) => c[1] === "delete-app")).toHaveLength(2); // alice's own app and alice-lab's
    expect(ops.indexOf("delete-space alice-lab")).toBeGreaterThan(ops.indexOf("delete-app alice-lab"));
    for (const c of all.deletes) expect(c[c.indexOf("--domain-id") + 1]).toBe(DOMAIN);
    expect(spacesIn(all.state, DOMAIN)).toEqual([]);
    expect(spacesIn(all.state, OTHER)).toEqual(["their-space"]);
    expect(appStatus(all.state, OTHER, "carol")).toBe("InService");
    expect(all.stdout).toContain("npm run destroy -- qa-studio");
  });

  test("--delete-all-spaces needs this domain's id: another id, or none, deletes nothing", () => {
    expect(wrongDomain.code).toBe(2);
    expect(wrongDomain.deletes).toEqual([]);
    expect(wrongDomain.stderr).toContain(DOMAIN);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.calls).toEqual([]); // refused before any AWS call
    expect(unconfirmed.stderr).toContain("--confirm-domain");
  });

  test("--stop-apps deletes apps only: no space (no volume) is deleted", () => {
    expect(stopOnly.code).toBe(1);
    expect(stopOnly.deletes.map((c) => c[1])).toEqual(["delete-app", "delete-app"]);
    expect(spacesIn(stopOnly.state, DOMAIN)).toEqual(["alice-lab", "team-code"]);
    expect(appStatus(stopOnly.state, DOMAIN, "alice-lab")).toBe("Deleted");
  });

  test("dry run with a named space prints the command, deletes nothing, exits 1", () => {
    expect(dryDelete.code).toBe(1);
    expect(dryDelete.deletes).toEqual([]);
    expect(dryDelete.state).toEqual(initialState());
    expect(dryDelete.stdout).toContain(`aws sagemaker delete-space --domain-id ${DOMAIN} --space-name team-code --region eu-west-1`);
    expect(dryDelete.stderr).toContain("--apply");
  });

  test("every call names the environment's region", () => {
    const calls = [listing, one, all, stopOnly].flatMap((r) => r.calls);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c[c.indexOf("--region") + 1]).toBe("eu-west-1");
  });

  test("--help prints the usage and calls nothing", () => {
    expect(help.code).toBe(0);
    expect(help.calls).toEqual([]);
    for (const flag of ["--delete-space", "--delete-all-spaces", "--confirm-domain", "--stop-apps", "--apply"]) expect(help.stdout).toContain(flag);
  });

  test("a missing --env is refused with a usage message", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "scripts", "studio-cleanup.ts")], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--env <environment> is required");
  });
});

describe("studio-cleanup --help, as the README and help document it", () => {
  /** The child's environment without the npm_* variables of an enclosing `npm test` (they would configure the inner npm). */
  const cleanEnv = (extra: NodeJS.ProcessEnv) => ({
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_") || ["npm_config_cache", "npm_config_userconfig"].includes(k.toLowerCase()))),
    ...extra,
  });

  /** `npm run -s studio-cleanup -- <args>` in the project, with the fake AWS CLI on PATH recording any call. */
  function npmRun(args: string[]) {
    const dir = tempDir("cleanup-help");
    try {
      mkdirSync(join(dir, "bin"));
      writeFileSync(join(dir, "bin", "aws"), FAKE_AWS);
      chmodSync(join(dir, "bin", "aws"), 0o755);
      writeFileSync(join(dir, "state.json"), JSON.stringify(initialState()));
      writeFileSync(join(dir, "calls.log"), "");
      const r = spawnSync("npm", ["run", "-s", "studio-cleanup", "--", ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: cleanEnv({ PATH: `${join(dir, "bin")}:${process.env.PATH}`, FAKE_AWS_STATE: join(dir, "state.json"), FAKE_AWS_LOG: join(dir, "calls.log") }),
      });
      return { ...r, calls: readFileSync(join(dir, "calls.log"), "utf8") };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // Issue 23: `npm run studio-cleanup -- --help` must print the usage and exit 0, with no --env, no
  // config file and no AWS call; so must --help after an option missing its value or a typo.
  test.each([[["--help"]], [["-h"]], [["--env", "--help"]], [["--delete-spcae", "x", "--help"]]])("npm run studio-cleanup -- %j prints the usage and exits 0", (args) => {
    const r = npmRun(args);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(/^Usage: npm run studio-cleanup -- --env <environment> \[options\]\n/);
    for (const flag of ["--env", "--delete-space", "--delete-all-spaces", "--confirm-domain", "--stop-apps", "--apply", "--help"]) expect(r.stdout).toContain(`  ${flag}`);
    expect(r.calls).toBe("");
  });
});
