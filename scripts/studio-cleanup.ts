/**
 * npm run studio-cleanup -- --env <environment> [--apply] [--config-dir config] [--wait-seconds 900]
 *
 * Before `cdktf destroy <env>-studio`: deletes the apps and spaces that users created in the
 * environment's Studio domain, which the AWS provider does not delete and which make deleting the
 * user profiles and the domain fail (ResourceInUse). Runs outside Terraform, with the AWS CLI and
 * the caller's credentials (sagemaker:ListDomains, ListApps, ListSpaces, DeleteApp, DeleteSpace).
 *
 * Dry run by default: prints what it would delete and changes nothing. With --apply it deletes
 * every app (users' and spaces'), waits until AWS reports them deleted, then deletes the spaces.
 * Users' home directories are on the domain's EFS volume, which the domain retains: deleting apps
 * and spaces does not delete them.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { loadEnvironment } from "../modules/config/load";
import { studioDomainName } from "../modules/config/naming";

interface Options {
  env: string;
  apply: boolean;
  configDir: string;
  waitSeconds: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { env: "", apply: false, configDir: "config", waitSeconds: 900 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--apply") opts.apply = true;
    else if (a === "--env") opts.env = argv[++i] ?? "";
    else if (a === "--config-dir") opts.configDir = argv[++i] ?? "";
    else if (a === "--wait-seconds") opts.waitSeconds = Number(argv[++i]);
    else throw new Error(`unknown argument "${a}" (use --env <environment> [--apply] [--config-dir dir] [--wait-seconds n])`);
  }
  if (!opts.env) throw new Error("--env <environment> is required (the name of a config/<environment>.json)");
  if (!Number.isFinite(opts.waitSeconds) || opts.waitSeconds < 0) throw new Error("--wait-seconds must be a number of seconds");
  return opts;
}

type Json = Record<string, any>;

function aws(region: string, args: string[]): Json {
  const out = execFileSync("aws", [...args, "--region", region, "--output", "json"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return out.trim() ? JSON.parse(out) : {};
}

interface App {
  readonly AppType: string;
  readonly AppName: string;
  readonly Status: string;
  readonly UserProfileName?: string;
  readonly SpaceName?: string;
}

const GONE = new Set(["Deleted", "Deleting"]);

function liveApps(region: string, domainId: string): App[] {
  return ((aws(region, ["sagemaker", "list-apps", "--domain-id-equals", domainId]).Apps ?? []) as App[]).filter((a) => !GONE.has(a.Status));
}

function deleteAppArgs(domainId: string, app: App): string[] {
  const owner = app.SpaceName ? ["--space-name", app.SpaceName] : ["--user-profile-name", app.UserProfileName ?? ""];
  return ["sagemaker", "delete-app", "--domain-id", domainId, ...owner, "--app-type", app.AppType, "--app-name", app.AppName];
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function main(argv: string[]): number {
  const opts = parseArgs(argv);
  const env = loadEnvironment(join(opts.configDir, `${opts.env}.json`));
  const region = env.region;
  const name = studioDomainName(env);
  const domains = ((aws(region, ["sagemaker", "list-domains"]).Domains ?? []) as Json[]).filter((d) => d.DomainName === name);
  if (domains.length === 0) {
    console.log(`No Studio domain named ${name} in ${region}: nothing to clean up.`);
    return 0;
  }
  const domainId = domains[0].DomainId as string;
  const apps = liveApps(region, domainId);
  const spaces = ((aws(region, ["sagemaker", "list-spaces", "--domain-id-equals", domainId]).Spaces ?? []) as Json[]).filter((s) => !GONE.has(s.Status));
  const mode = opts.apply ? "Deleting" : "Dry run (nothing is changed; add --apply to delete)";
  console.log(`${mode}: domain ${name} (${domainId}) in ${region}: ${apps.length} app(s), ${spaces.length} space(s).`);
  for (const app of apps) {
    const args = deleteAppArgs(domainId, app);
    console.log(`  aws ${args.join(" ")} --region ${region}`);
    if (opts.apply) aws(region, args);
  }
  if (opts.apply && apps.length > 0) {
    // A space cannot be deleted while its apps exist; wait for AWS to finish deleting them.
    const deadline = Date.now() + opts.waitSeconds * 1000;
    let left = liveApps(region, domainId);
    while (left.length > 0 && Date.now() < deadline) {
      sleep(10_000);
      left = liveApps(region, domainId);
    }
    if (left.length > 0) {
      console.error(`Still deleting ${left.length} app(s) after ${opts.waitSeconds} s; run again later.`);
      return 1;
    }
  }
  for (const space of spaces) {
    const args = ["sagemaker", "delete-space", "--domain-id", domainId, "--space-name", space.SpaceName as string];
    console.log(`  aws ${args.join(" ")} --region ${region}`);
    if (opts.apply) aws(region, args);
  }
  console.log(opts.apply ? `Done. Now: npm run destroy -- ${env.environment}-studio` : "Dry run finished: nothing was deleted.");
  return 0;
}

if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}
