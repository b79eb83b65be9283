/**
 * npm run studio-cleanup -- --env <environment> [--stop-apps] [--delete-space <name>]...
 *                           [--delete-all-spaces --confirm-domain <domain id>] [--apply]
 *
 * Before `npm run destroy -- <env>-studio`: SageMaker refuses to delete a user profile or a domain
 * while it has apps or spaces (ResourceInUse), and the AWS provider deletes neither. Runs outside
 * Terraform, with the AWS CLI and the caller's credentials (sagemaker:ListDomains, ListApps,
 * ListSpaces, DescribeSpace; DeleteApp, DeleteSpace for what it is told to delete).
 *
 * Why spaces are never deleted by default: in a new-Studio domain (what CreateDomain makes unless
 * told otherwise, and what this project makes), JupyterLab and Code Editor keep /home/sagemaker-user
 * on the space's own EBS volume; only ~/user-default-efs, in private spaces, is on the domain's home
 * EFS that the domain retains (SageMaker developer guide, "Amazon EFS auto-mounting in Studio").
 * Deleting a space deletes its volume and every file on it that the user did not save elsewhere. So
 * without an explicit choice the script lists every space (owner, app type, status, EBS size) and
 * exits 1 saying what to do; each space to delete is named (--delete-space, repeatable) or all are,
 * with --delete-all-spaces and the domain's id repeated as a confirmation. Deleting an app stops it
 * and deletes no volume (--stop-apps deletes every app; a space named for deletion loses its apps
 * first, since a space with apps cannot be deleted).
 *
 * Dry run unless --apply: prints the AWS CLI commands it would run and changes nothing. Every name
 * is checked against the domain's spaces before anything is deleted, so a typo deletes nothing.
 * Exit 0: nothing is left in the domain that blocks destroying the Studio stack; 1: something is
 * (a dry run, spaces or apps kept, or deletions still in progress): the message says what; 2: wrong
 * arguments, an unknown space, a wrong confirmation or a failed AWS call.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { loadEnvironment } from "../modules/config/load";
import { studioDomainName } from "../modules/config/naming";

const USAGE = `Usage: npm run studio-cleanup -- --env <environment> [options]

Before destroying <environment>-studio: lists the Studio domain's spaces and apps and deletes only
what it is told to. A space's files (/home/sagemaker-user in JupyterLab and Code Editor) are on the
space's own EBS volume: deleting the space deletes them. Only ~/user-default-efs (private spaces) is
on the home EFS volume that outlives the domain.

  --env <environment>          config/<environment>.json names the domain and region (required)
  --stop-apps                  delete every app (users' and spaces'): stops them, deletes no volume
  --delete-space <name>        delete this space, its apps first, and its EBS volume (repeatable)
  --delete-all-spaces          delete every space of the domain and their EBS volumes; needs
  --confirm-domain <id>          the domain's id (d-...), as the listing prints it
  --apply                      do it; without it nothing is changed (dry run)
  --config-dir <dir>           where the environment files are (default config)
  --wait-seconds <n>           how long --apply waits for deletions to finish (default 900)
  --poll-seconds <n>           how often it checks while waiting (default 10)
  --help                       this text

With no option it lists and exits 1 while anything is left that blocks the destroy.
Exit: 0 nothing left that blocks destroying the Studio stack; 1 something is left (the message says
what to do); 2 wrong arguments, an unknown space, a wrong confirmation, or a failed AWS call.`;

/** A refusal that changes nothing: exit 2 with the message (and the usage when it is about arguments). */
class UsageError extends Error {}

interface Options {
  env: string;
  apply: boolean;
  help: boolean;
  stopApps: boolean;
  deleteSpaces: string[];
  deleteAllSpaces: boolean;
  confirmDomain?: string;
  configDir: string;
  waitSeconds: number;
  pollSeconds: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { env: "", apply: false, help: false, stopApps: false, deleteSpaces: [], deleteAllSpaces: false, configDir: "config", waitSeconds: 900, pollSeconds: 10 };
  // --help wins wherever it is, even after an incomplete or wrong option (`--env --help`, or a typo
  // next to it): someone asking for the usage gets it and exit 0, never an argument error.
  if (argv.some((a) => a === "--help" || a === "-h")) return { ...opts, help: true };
  const problems: string[] = [];
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith("--")) {
      problems.push(`${flag} needs a value`);
      return "";
    }
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--apply") opts.apply = true;
    else if (a === "--stop-apps") opts.stopApps = true;
    else if (a === "--delete-all-spaces") opts.deleteAllSpaces = true;
    else if (a === "--delete-space") opts.deleteSpaces.push(value(++i, a));
    else if (a === "--confirm-domain") opts.confirmDomain = value(++i, a);
    else if (a === "--env") opts.env = value(++i, a);
    else if (a === "--config-dir") opts.configDir = value(++i, a);
    else if (a === "--wait-seconds") opts.waitSeconds = Number(value(++i, a));
    else if (a === "--poll-seconds") opts.pollSeconds = Number(value(++i, a));
    else problems.push(`unknown argument "${a}"`);
  }
  if (!opts.env) problems.push("--env <environment> is required (the name of a config/<environment>.json)");
  if (!Number.isFinite(opts.waitSeconds) || opts.waitSeconds < 0) problems.push("--wait-seconds must be a number of seconds");
  if (!Number.isFinite(opts.pollSeconds) || opts.pollSeconds < 0) problems.push("--poll-seconds must be a number of seconds");
  if (opts.deleteAllSpaces && opts.deleteSpaces.length > 0) problems.push("use either --delete-space <name> or --delete-all-spaces, not both");
  if (opts.deleteAllSpaces && opts.confirmDomain === undefined) problems.push("--delete-all-spaces needs --confirm-domain <domain id> (the d-... id the listing prints)");
  if (!opts.deleteAllSpaces && opts.confirmDomain !== undefined) problems.push("--confirm-domain only confirms --delete-all-spaces");
  if (problems.length > 0) throw new UsageError(`${problems.join("\n")}\n\n${USAGE}`);
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

interface Space {
  readonly name: string;
  readonly status: string;
  /** "alice (private)", "shared (owner bob)", or "shared" for a space with no owner (Studio Classic). */
  readonly owner: string;
  readonly appType: string;
  /** EBS volume size in GiB; undefined when DescribeSpace reports none (a Studio Classic space). */
  readonly ebsGb?: number;
}

/** An app that still exists for SageMaker (a space or profile with it cannot be deleted). */
const appExists = (a: App): boolean => a.Status !== "Deleted";
/** An app DeleteApp can still be called on. */
const appDeletable = (a: App): boolean => a.Status !== "Deleted" && a.Status !== "Deleting";

function listApps(region: string, domainId: string): App[] {
  return (aws(region, ["sagemaker", "list-apps", "--domain-id-equals", domainId]).Apps ?? []) as App[];
}

function listSpaceNames(region: string, domainId: string): Json[] {
  return (aws(region, ["sagemaker", "list-spaces", "--domain-id-equals", domainId]).Spaces ?? []) as Json[];
}

function describeSpace(region: string, domainId: string, summary: Json): Space {
  const d = aws(region, ["sagemaker", "describe-space", "--domain-id", domainId, "--space-name", summary.SpaceName]);
  const ownerProfile: string | undefined = d.OwnershipSettings?.OwnerUserProfileName;
  const sharing: string | undefined = d.SpaceSharingSettings?.SharingType;
  const owner = sharing === "Private" && ownerProfile ? `${ownerProfile} (private)` : ownerProfile ? `shared (owner ${ownerProfile})` : "shared";
  const size = d.SpaceSettings?.SpaceStorageSettings?.EbsStorageSettings?.EbsVolumeSizeInGb;
  return {
    name: summary.SpaceName,
    status: d.Status ?? summary.Status ?? "?",
    owner,
    appType: d.SpaceSettings?.AppType ?? "-",
    ebsGb: typeof size === "number" ? size : undefined,
  };
}

function deleteAppArgs(domainId: string, app: App): string[] {
  const owner = app.SpaceName ? ["--space-name", app.SpaceName] : ["--user-profile-name", app.UserProfileName ?? ""];
  return ["sagemaker", "delete-app", "--domain-id", domainId, ...owner, "--app-type", app.AppType, "--app-name", app.AppName];
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `  ${r.map((cell, c) => cell.padEnd(widths[c])).join("  ")}`.trimEnd());
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const KEEP_WORK = `Before a space is deleted, its user keeps what matters: push code to git, copy data and results to the environment's S3 data bucket, or copy files into ~/user-default-efs (private spaces only; that folder is on the home EFS volume, which outlives the domain).`;

export function main(argv: string[]): number {
  const opts = parseArgs(argv);
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const env = loadEnvironment(join(opts.configDir, `${opts.env}.json`));
  const region = env.region;
  const name = studioDomainName(env);
  const domains = ((aws(region, ["sagemaker", "list-domains"]).Domains ?? []) as Json[]).filter((d) => d.DomainName === name);
  if (domains.length === 0) {
    console.log(`No Studio domain named ${name} in ${region}: nothing to clean up.`);
    return 0;
  }
  if (domains.length > 1) {
    // Domain names are not unique: listing (or, with --delete-space, acting on) the wrong one must not happen.
    console.error(`${domains.length} Studio domains are named ${name} in ${region} (${domains.map((d) => d.DomainId).join(", ")}): clean up by hand with the AWS CLI, naming the domain id`);
    return 2;
  }
  const domainId = domains[0].DomainId as string;
  const apps = listApps(region, domainId).filter(appExists);
  const spaces = listSpaceNames(region, domainId).map((s) => describeSpace(region, domainId, s));

  console.log(`Studio domain ${name} (${domainId}) in ${region}: ${spaces.length} space(s), ${apps.length} app(s).`);
  if (spaces.length > 0) {
    console.log("Spaces (each keeps /home/sagemaker-user on its own EBS volume; deleting a space deletes that volume):");
    const appsOf = (space: string) => apps.filter((a) => a.SpaceName === space).map((a) => `${a.AppType}/${a.AppName} ${a.Status}`).join(", ") || "-";
    for (const line of table([["space", "owner", "app type", "status", "EBS volume", "apps"], ...spaces.map((s) => [s.name, s.owner, s.appType, s.status, s.ebsGb === undefined ? "none reported" : `${s.ebsGb} GB`, appsOf(s.name)])])) console.log(line);
  }
  const profileApps = apps.filter((a) => !a.SpaceName);
  if (profileApps.length > 0) {
    console.log("Apps of user profiles (outside spaces):");
    for (const line of table([["user profile", "app", "status"], ...profileApps.map((a) => [a.UserProfileName ?? "?", `${a.AppType}/${a.AppName}`, a.Status])])) console.log(line);
  }

  // Every name is checked before anything is deleted: a typo must not delete some spaces and not others.
  const known = new Set(spaces.map((s) => s.name));
  const unknown = opts.deleteSpaces.filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw new UsageError(`No space named ${unknown.map((s) => `"${s}"`).join(", ")} in domain ${domainId}: nothing was deleted. Its spaces: ${[...known].join(", ") || "none"}.`);
  }
  if (opts.deleteAllSpaces && opts.confirmDomain !== domainId) {
    throw new UsageError(`--confirm-domain "${opts.confirmDomain}" is not this environment's domain (${domainId}): nothing was deleted.`);
  }
  const doomed = new Set(opts.deleteAllSpaces ? spaces.map((s) => s.name) : opts.deleteSpaces);
  const appsToDelete = apps.filter(appDeletable).filter((a) => opts.stopApps || (a.SpaceName !== undefined && doomed.has(a.SpaceName)));
  const spacesToDelete = spaces.filter((s) => doomed.has(s.name) && s.status !== "Deleting");

  if (appsToDelete.length + spacesToDelete.length > 0) {
    console.log(opts.apply ? "Deleting:" : "Dry run: nothing is changed; with --apply these would run:");
    for (const app of appsToDelete) {
      const args = deleteAppArgs(domainId, app);
      console.log(`  aws ${args.join(" ")} --region ${region}`);
      if (opts.apply) aws(region, args);
    }
    if (opts.apply && appsToDelete.length > 0 && spacesToDelete.length > 0) {
      // A space cannot be deleted while its apps exist (Deleting counts): wait until AWS reports them deleted.
      const left = waitFor(opts, () => listApps(region, domainId).filter((a) => appExists(a) && a.SpaceName !== undefined && doomed.has(a.SpaceName)));
      if (left.length > 0) {
        console.error(`Still deleting ${left.length} app(s) of the spaces to delete after ${opts.waitSeconds} s; no space was deleted. Run the same command again later.`);
        return 1;
      }
    }
    for (const space of spacesToDelete) {
      const args = ["sagemaker", "delete-space", "--domain-id", domainId, "--space-name", space.name];
      console.log(`  aws ${args.join(" ")} --region ${region}   # deletes its ${space.ebsGb === undefined ? "" : `${space.ebsGb} GB `}EBS volume`);
      if (opts.apply) aws(region, args);
    }
  }

  // With --apply, wait for what was deleted to be gone (DeleteApp and DeleteSpace return before it
  // is), but not for what was kept: that would only wait out --wait-seconds.
  let stillDeleting: string[] = [];
  if (opts.apply && appsToDelete.length + spacesToDelete.length > 0) {
    const deletedApps = new Set(appsToDelete.map((a) => `${a.SpaceName ?? a.UserProfileName}/${a.AppType}/${a.AppName}`));
    const deletedSpaces = new Set(spacesToDelete.map((s) => s.name));
    stillDeleting = waitFor(opts, () => [
      ...listApps(region, domainId).filter((a) => appExists(a) && deletedApps.has(`${a.SpaceName ?? a.UserProfileName}/${a.AppType}/${a.AppName}`)).map((a) => `app ${a.AppType}/${a.AppName}`),
      ...listSpaceNames(region, domainId).filter((s) => deletedSpaces.has(s.SpaceName)).map((s) => `space ${s.SpaceName}`),
    ]);
  }
  // What still blocks destroying the Studio stack: after --apply, whatever the domain still has; in a
  // dry run, whatever this run would not delete (and, until --apply, what it would).
  const remaining = opts.apply
    ? listApps(region, domainId).filter(appExists).length + listSpaceNames(region, domainId).length
    : apps.length + spaces.length;
  if (remaining === 0) {
    console.log(`Nothing left in the domain that blocks the destroy. Now: npm run destroy -- ${env.environment}-studio`);
    return 0;
  }
  const todo: string[] = [];
  if (!opts.apply && appsToDelete.length + spacesToDelete.length > 0) todo.push("Dry run finished: nothing was deleted. Run the same command with --apply to do it.");
  if (stillDeleting.length > 0) todo.push(`Still being deleted after ${opts.waitSeconds} s: ${stillDeleting.join(", ")}. Run the same command again later.`);
  const keptSpaces = spaces.filter((s) => !doomed.has(s.name) && s.status !== "Deleting");
  if (keptSpaces.length > 0) {
    todo.push(
      `${keptSpaces.length} space(s) kept (${keptSpaces.map((s) => s.name).join(", ")}): while a space exists SageMaker refuses to delete its user profile and the domain (ResourceInUse), so destroying ${env.environment}-studio fails. No space is deleted unless you name it.`,
      KEEP_WORK,
      `Then name the spaces to delete: --delete-space <name> (repeatable), or all of them with --delete-all-spaces --confirm-domain ${domainId}; add --apply to do it.`,
    );
  }
  const keptApps = apps.filter((a) => appDeletable(a) && !appsToDelete.includes(a));
  if (keptApps.length > 0) todo.push(`${keptApps.length} app(s) kept: --stop-apps deletes them (that stops them and deletes no volume).`);
  for (const line of todo) console.error(line);
  return 1;
}

/** Polls `pending` until it returns nothing or --wait-seconds pass; returns what is still pending. */
function waitFor<T>(opts: Options, pending: () => T[]): T[] {
  const deadline = Date.now() + opts.waitSeconds * 1000;
  let left = pending();
  while (left.length > 0 && Date.now() < deadline) {
    sleep(Math.min(opts.pollSeconds * 1000, Math.max(0, deadline - Date.now())));
    left = pending();
  }
  return left;
}

if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}
