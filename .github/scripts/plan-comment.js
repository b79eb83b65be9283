// Pull-request plan comments and the destructive-change gate, run by .github/workflows/pull-request.yml
// through actions/github-script; unit-tested in __tests__/workflows.test.ts.
//
// - postPlanComments: one comment per stack, the review `npm run plan-review` wrote (plans/<stack>.md),
//   replacing the stack's earlier comment (deleted, then created anew: never edited).
// - reviewGate: fails while the head commit's plan summaries (written by the base branch's review
//   scripts from the plan jobs' artifacts) show a failed plan, or a delete or replace that no one with
//   write access other than the author has approved for that commit; labels the pull request.
const fs = require("node:fs");
const path = require("node:path");

/** The label the gate puts on pull requests whose plans delete or replace something. */
const DESTRUCTIVE_LABEL = "plan: destructive";
/** GitHub's comment limit. */
const COMMENT_LIMIT = 65536;

function marker(stack) {
  return `<!-- terraform-plan:${stack} -->`;
}

/** Reads plans/<stack>.md and creates or updates each stack's comment. Returns the stacks. */
async function postPlanComments({ github, context, dir }) {
  const stacks = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .map((f) => f.slice(0, -3))
    .sort();
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const existing = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  for (const stack of stacks) {
    let body = fs.readFileSync(path.join(dir, `${stack}.md`), "utf8");
    if (!body.startsWith(marker(stack))) throw new Error(`${stack}.md does not start with its marker: not written by npm run plan-review`);
    if (body.length > COMMENT_LIMIT) body = body.slice(0, COMMENT_LIMIT - 40) + "\n\n…(cut at GitHub's limit)";
    // A new comment each time (deleting the old), so the newest review sits at the end of the thread.
    for (const previous of existing.filter((c) => c.body && c.body.startsWith(marker(stack)) && isOurs(c)))
      await github.rest.issues.deleteComment({ owner, repo, comment_id: previous.id });
    await github.rest.issues.createComment({ owner, repo, issue_number, body });
  }
  return stacks;
}

/** Comments this workflow wrote (the Actions token's bot); anyone else's copy of a marker is ignored. */
function isOurs(comment) {
  return comment.user && comment.user.login === "github-actions[bot]";
}

/**
 * The review summaries under `root` (one dir per environment, as download-artifact lays out the
 * plan jobs' artifacts: <root>/plans-<env>/summary.json, written by `npm run plan-review` of the
 * base branch's scripts). Returns env -> summary.
 */
function readSummaries(root) {
  const out = {};
  if (!fs.existsSync(root)) return out;
  for (const d of fs.readdirSync(root)) {
    const m = /^plans-(.+)$/.exec(d);
    const file = path.join(root, d, "summary.json");
    if (m && fs.existsSync(file)) out[m[1]] = JSON.parse(fs.readFileSync(file, "utf8"));
  }
  return out;
}

/** Permissions whose approval counts: people who can push to the repository. */
const APPROVER_PERMISSIONS = ["admin", "write"]; // the API reports maintain as write

/**
 * Logins whose latest review state is an approval of commit `sha`: people (not bots), not the author,
 * with write permission or more (asked of the API: an organization member may have read access only).
 */
async function approversOf(github, { owner, repo }, reviews, sha, author) {
  const latest = new Map();
  for (const r of reviews) {
    if (!r.user || r.user.login === author || r.user.type !== "User") continue;
    if (["APPROVED", "CHANGES_REQUESTED", "DISMISSED"].includes(r.state)) latest.set(r.user.login, r);
  }
  const out = [];
  for (const r of latest.values()) {
    if (r.state !== "APPROVED" || r.commit_id !== sha) continue;
    const { data } = await github.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: r.user.login });
    if (APPROVER_PERMISSIONS.includes(data.permission)) out.push(r.user.login);
  }
  return out.sort();
}

/**
 * The gate, on the summaries the trusted review step wrote for the head commit (never on comments,
 * which people with write access can edit or delete). Fails when an environment has no summary, a
 * summary is of another commit, a plan failed, or a plan deletes or replaces something and no one
 * with write access other than the author approved this very commit. A new push needs a new approval.
 */
async function reviewGate({ github, context, core, root, environments }) {
  const pr = context.payload.pull_request;
  const sha = pr.head.sha;
  const { owner, repo } = context.repo;
  const issue_number = pr.number;
  const summaries = readSummaries(root);
  const problems = [];
  if (!environments.length) problems.push("no environment was planned");
  for (const env of environments) {
    const s = summaries[env];
    if (!s) problems.push(`no plan review of environment ${env}`);
    else if (s.sha !== sha) problems.push(`the plan review of ${env} is of commit ${s.sha}, not ${sha}`);
    else for (const [stack, v] of Object.entries(s.stacks)) if (v.failed) problems.push(`the plan of ${stack} failed`);
  }
  if (problems.length) {
    core.setFailed(`${problems.join("; ")}.`);
    return { destructive: [], approvers: [], problems };
  }
  const destructive = Object.values(summaries)
    .flatMap((s) => Object.entries(s.stacks))
    .filter(([, v]) => v.destructive.length)
    .map(([stack]) => stack)
    .sort();
  const labelled = (pr.labels || []).some((l) => l.name === DESTRUCTIVE_LABEL);
  try {
    if (destructive.length && !labelled) await github.rest.issues.addLabels({ owner, repo, issue_number, labels: [DESTRUCTIVE_LABEL] });
    if (!destructive.length && labelled) await github.rest.issues.removeLabel({ owner, repo, issue_number, name: DESTRUCTIVE_LABEL });
  } catch (e) {
    core.warning(`could not update the "${DESTRUCTIVE_LABEL}" label: ${e.message}`);
  }
  if (!destructive.length) {
    core.info(`The plans of ${sha} delete and replace nothing.`);
    return { destructive, approvers: [], problems };
  }
  const reviews = await github.paginate(github.rest.pulls.listReviews, { owner, repo, pull_number: issue_number, per_page: 100 });
  const approvers = await approversOf(github, { owner, repo }, reviews, sha, pr.user.login);
  if (approvers.length) core.notice(`Destructive changes in ${destructive.join(", ")}, approved for ${sha} by ${approvers.join(", ")}.`);
  else
    core.setFailed(
      `Destructive changes in ${destructive.join(", ")} (see their plan comments). An approving review of commit ${sha} by someone with write access other than the author lets this check pass.`,
    );
  return { destructive, approvers, problems };
}

/**
 * For review-gate.yml: the latest pull-request.yml run of the head commit, finished, with every
 * plan job successful; its id and environments (from its "plan (<env>)" jobs). Fails the step and
 * returns null otherwise (that run's own review-gate job reports when it ends).
 */
async function planRunOf({ github, context, core }) {
  const sha = context.payload.pull_request.head.sha;
  const { owner, repo } = context.repo;
  const { data } = await github.rest.actions.listWorkflowRuns({ owner, repo, workflow_id: "pull-request.yml", head_sha: sha, event: "pull_request", per_page: 50 });
  const run = [...data.workflow_runs].sort((a, b) => b.run_number - a.run_number)[0];
  if (!run) {
    core.setFailed(`No pull-request run of commit ${sha} yet.`);
    return null;
  }
  if (run.status !== "completed") {
    core.setFailed(`The pull-request run of commit ${sha} is ${run.status}; its own review-gate job reports when it ends.`);
    return null;
  }
  const jobs = await github.paginate(github.rest.actions.listJobsForWorkflowRun, { owner, repo, run_id: run.id, filter: "latest", per_page: 100 });
  const plans = jobs.filter((j) => /^plan \((.+)\)$/.test(j.name));
  const failed = plans.filter((j) => j.conclusion !== "success").map((j) => j.name);
  if (failed.length) {
    core.setFailed(`Plans of commit ${sha} did not succeed: ${failed.join(", ")}.`);
    return null;
  }
  return { id: run.id, environments: plans.map((j) => /^plan \((.+)\)$/.exec(j.name)[1]).sort() };
}

/** Posts every review under `root` (<root>/plans-<env>/<stack>.md). */
async function postAllPlanComments({ github, context, root }) {
  const stacks = [];
  if (!fs.existsSync(root)) return stacks;
  for (const d of fs.readdirSync(root).sort()) if (d.startsWith("plans-")) stacks.push(...(await postPlanComments({ github, context, dir: path.join(root, d) })));
  return stacks;
}

module.exports = { postPlanComments, postAllPlanComments, reviewGate, planRunOf, readSummaries, approversOf, marker, DESTRUCTIVE_LABEL, APPROVER_PERMISSIONS };
