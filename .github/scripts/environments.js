// What the workflows need to know of what they plan and deploy, in one place for pull-request.yml and
// deploy.yml. A target is an environment (config/<name>.json: its stacks <name>-network, -studio,
// -notebook) or a hub (config/hubs/<name>.json: its stack <name>-inspection, docs/hub.md), named
// `hub:<name>`. The prefix keeps a hub apart from an environment of the same name (both are allowed:
// their stacks differ) in the role maps AWS_PLAN_ROLES / AWS_DEPLOY_ROLES, in the jobs' names and in
// the review gate; `:` is in no environment or hub name (modules/config: [a-z][a-z0-9-]*).
//   node .github/scripts/environments.js                 the environments, as a JSON list
//   node .github/scripts/environments.js hubs            the hubs, as targets (hub:<name>), a JSON list
//   node .github/scripts/environments.js targets         hubs first, then environments (what pull requests plan)
//   node .github/scripts/environments.js region TARGET   TARGET's region, from its synthesized stack
//   node .github/scripts/environments.js stacks TARGET   TARGET's synthesized stacks, one a line, in apply order
//   node .github/scripts/environments.js artifact TARGET TARGET as an artifact and directory name (no `:`)
// `hubs`, `targets` and the environments take --only "a b": keep only the targets named (deploy.yml's
// workflow_dispatch input), refusing a name that is no target.
// Unit-tested in __tests__/workflows.test.ts.
const fs = require("node:fs");
const path = require("node:path");

const HUB = "hub:";
/** The hubs' folder in the config directory (modules/config/hubs.ts HUBS_FOLDER). */
const HUBS_FOLDER = "hubs";

function jsonNames(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith(".json"))
    .map((f) => f.name.slice(0, -5))
    .sort();
}

/** Every config/<name>.json is an environment (the config loader refuses any other file there). */
function environmentNames(root = ".") {
  return jsonNames(path.join(root, "config"));
}

/** Every config/hubs/<name>.json is a hub, as the target `hub:<name>`. */
function hubTargets(root = ".") {
  return jsonNames(path.join(root, "config", HUBS_FOLDER)).map((n) => HUB + n);
}

/**
 * What a pull request plans: hubs first, then the environments. Order matters only to a reader (the
 * plans are independent); deploy.yml applies the hubs in a job of their own before the environments.
 */
function targets(root = ".") {
  return [...hubTargets(root), ...environmentNames(root)];
}

/** `list` restricted to the names in `only` (space or comma separated; empty: all). Unknown names throw. */
function select(list, only, all = list) {
  const wanted = String(only || "")
    .split(/[\s,]+/)
    .filter(Boolean);
  if (!wanted.length) return list;
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length) throw new Error(`no target ${unknown.join(", ")} (targets: ${all.join(", ")})`);
  return list.filter((t) => wanted.includes(t));
}

const isHub = (target) => target.startsWith(HUB);
const nameOf = (target) => (isHub(target) ? target.slice(HUB.length) : target);

/** TARGET's stacks as `npm run synth` wrote them, in apply order (a network before the workloads that read its contract). */
function stacksOf(target, root = ".") {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "cdktf.out", "manifest.json"), "utf8"));
  const name = nameOf(target);
  const wanted = isHub(target) ? [`${name}-inspection`] : ["network", "studio", "notebook"].map((s) => `${name}-${s}`);
  // An environment may have none yet: a spoke waiting for its hub's deploy (docs/hub.md, deploy order).
  return wanted.filter((s) => manifest.stacks[s]);
}

/** The region of the default (unaliased) aws provider of TARGET's first stack (a network or a hub) in cdktf.out. */
function regionOf(target, root = ".") {
  const stack = isHub(target) ? `${nameOf(target)}-inspection` : `${target}-network`;
  const tf = JSON.parse(fs.readFileSync(path.join(root, "cdktf.out", "stacks", stack, "cdk.tf.json"), "utf8"));
  return [].concat(tf.provider.aws).find((p) => !p.alias).region;
}

/** TARGET as an artifact and directory name: artifact names may not hold `:`; `_` is in no target name. */
function artifactOf(target) {
  return isHub(target) ? `hub_${nameOf(target)}` : target;
}

/** The target an artifact name stands for (artifactOf's inverse). */
function targetOfArtifact(artifact) {
  return artifact.startsWith("hub_") ? HUB + artifact.slice(4) : artifact;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const o = args.indexOf("--only");
  const only = o >= 0 ? args.splice(o, 2)[1] : "";
  const [command, target] = args;
  const all = targets();
  if (command === "region") console.log(regionOf(target));
  else if (command === "stacks") console.log(stacksOf(target).join("\n"));
  else if (command === "artifact") console.log(artifactOf(target));
  else if (command === "hubs") console.log(JSON.stringify(select(hubTargets(), only, all)));
  else if (command === "targets") console.log(JSON.stringify(select(all, only, all)));
  else console.log(JSON.stringify(select(environmentNames(), only, all)));
}

module.exports = { environmentNames, hubTargets, targets, select, stacksOf, regionOf, artifactOf, targetOfArtifact, isHub, HUB };
