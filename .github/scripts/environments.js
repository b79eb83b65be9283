// What the workflows need to know of the environments, in one place for pull-request.yml and deploy.yml.
//   node .github/scripts/environments.js              the environments, as a JSON list (config/<name>.json)
//   node .github/scripts/environments.js region ENV   ENV's region, from its synthesized network stack
// Unit-tested in __tests__/workflows.test.ts.
const fs = require("node:fs");
const path = require("node:path");

/** Every config/<name>.json is an environment (the config loader refuses any other file there). */
function environmentNames(root = ".") {
  return fs
    .readdirSync(path.join(root, "config"))
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** The region of the default (unaliased) aws provider of ENV's network stack in cdktf.out. */
function regionOf(env, root = ".") {
  const stack = JSON.parse(fs.readFileSync(path.join(root, "cdktf.out", "stacks", `${env}-network`, "cdk.tf.json"), "utf8"));
  return [].concat(stack.provider.aws).find((p) => !p.alias).region;
}

if (require.main === module) {
  const [command, env] = process.argv.slice(2);
  console.log(command === "region" ? regionOf(env) : JSON.stringify(environmentNames()));
}

module.exports = { environmentNames, regionOf };
