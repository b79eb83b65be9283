// The cdktf CLI as the npm scripts run it (npm run synth / diff / deploy / destroy): the pinned
// cdktf-cli from node_modules, with everything that would call the internet switched off. Set here
// rather than in package.json ("CHECKPOINT_DISABLE=1 cdktf synth") because that syntax works in
// POSIX shells only; npm runs scripts with cmd.exe on Windows.
//
// - CHECKPOINT_DISABLE: HashiCorp's checkpoint service. cdktf-cli sends its telemetry through it
//   (@cdktf/commons, checkpoint.js) and terraform asks it for newer versions. Synth needs no network;
//   without this every offline synth printed `getaddrinfo ENOTFOUND checkpoint-api.hashicorp.com`.
// - DISABLE_VERSION_CHECK: cdktf-cli's own check for a newer cdktf on npm (the version is pinned).
// - CI=1, for `synth` with output to a file or pipe only: cdktf's progress spinner then prints its
//   final state once instead of one line per frame (~90 lines per run in a log). Not for deploy or
//   destroy, whose approval prompt must stay interactive, and not in a terminal, where the spinner
//   redraws in place.
// - SAGEMAKER_ANFW_REPORT_FILE: main.ts writes the config problems and guardrail violations there
//   instead of to stderr, and they are printed here, once, after cdktf ends: cdktf prints a failing
//   app's stderr twice (as it comes, and again under "Command output on stderr").
"use strict";
const { spawnSync } = require("node:child_process");
const { existsSync, mkdtempSync, readFileSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { dirname, join } = require("node:path");

const cli = join(dirname(require.resolve("cdktf-cli/package.json")), "bundle", "bin", "cdktf");
const args = process.argv.slice(2);
const env = { ...process.env, CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "1" };
if (args[0] === "synth" && !process.stdout.isTTY && env.CI === undefined) env.CI = "1";

const reportDir = mkdtempSync(join(tmpdir(), "sagemaker-anfw-"));
env.SAGEMAKER_ANFW_REPORT_FILE = join(reportDir, "report.txt");

const r = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit", env });
if (existsSync(env.SAGEMAKER_ANFW_REPORT_FILE)) process.stderr.write(`\n${readFileSync(env.SAGEMAKER_ANFW_REPORT_FILE, "utf8")}`);
rmSync(reportDir, { recursive: true, force: true });
if (r.error) throw r.error;
// Ended by a signal (Ctrl-C): end the same way, so npm and shells see it.
if (r.signal) process.kill(process.pid, r.signal);
process.exit(r.status ?? 1);
