// Pull-request plan comments and the destructive-change gate, run by .github/workflows/pull-request.yml
// through actions/github-script; unit-tested in __tests__/workflows.test.ts.
//
// - postPlanComments: one comment per stack, the review `npm run plan-review` wrote (plans/<stack>.md),
//   replacing the stack's earlier comment (deleted, then created anew: never edited).
// - reviewGate: fails while the head commit's plan summaries (written by the base branch's review
//   scripts from the plan jobs' artifacts) show a failed plan, or a delete or replace that no one with
//   write access other than the author has approved for that commit; labels the pull request.
// - previewGate: the same rule where no credentialed plan ran (no plan roles, or a fork's run, which
//   gets no secrets): on the preview job's plans (`npm run preview -- --plans`), reviewed by the base
//   branch's scripts, its removed stacks and its `--fail-on destructive` exit code.
const fs = require("node:fs");
const path = require("node:path");
const { targetOfArtifact } = require("./environments.js");
const { cutsOfSummary } = require("./egress-guard.js");

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
 * The review summaries under `root` (one dir per target, as download-artifact lays out the plan
 * jobs' artifacts: <root>/plans-<artifact>/summary.json, written by `npm run plan-review` of the
 * base branch's scripts; a hub's artifact is hub_<name>: environments.js artifactOf). Returns
 * target (an environment, or hub:<name>) -> summary.
 */
function readSummaries(root) {
  const out = {};
  if (!fs.existsSync(root)) return out;
  for (const d of fs.readdirSync(root)) {
    const m = /^plans-(.+)$/.exec(d);
    const file = path.join(root, d, "summary.json");
    if (m && fs.existsSync(file)) out[targetOfArtifact(m[1])] = JSON.parse(fs.readFileSync(file, "utf8"));
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
 * The stacks among `summaries`' whose plans cut an egress path (egress-guard.js): stack -> the cuts.
 * deploy.yml will not apply them unless dispatched by a person naming them, so the gate says so.
 */
function egressCutsOf(stacks) {
  return Object.fromEntries(
    Object.entries(stacks)
      .map(([stack, v]) => [stack, cutsOfSummary(v.destructive)])
      .filter(([, cuts]) => cuts.length),
  );
}

/**
 * The gate, on the summaries the trusted review step wrote for the head commit (never on comments,
 * which people with write access can edit or delete). `environments` are the targets the plan jobs
 * ran for (environments and hubs, hub:<name>: environments.js). Fails when a target has no summary, a
 * summary is of another commit, a plan failed, or a plan deletes or replaces something and no one
 * with write access other than the author approved this very commit. A new push needs a new approval.
 */
async function reviewGate({ github, context, core, root, environments }) {
  const sha = context.payload.pull_request.head.sha;
  const summaries = readSummaries(root);
  const problems = [];
  if (!environments.length) problems.push("no environment was planned");
  for (const env of environments) {
    const s = summaries[env];
    if (!s) problems.push(`no plan review of ${env.startsWith("hub:") ? "hub" : "environment"} ${env}`);
    else if (s.sha !== sha) problems.push(`the plan review of ${env} is of commit ${s.sha}, not ${sha}`);
    else for (const [stack, v] of Object.entries(s.stacks)) if (v.failed) problems.push(`the plan of ${stack} failed`);
  }
  if (problems.length) {
    core.setFailed(`${problems.join("; ")}.`);
    return { destructive: [], approvers: [], problems };
  }
  const stacks = Object.fromEntries(Object.values(summaries).flatMap((s) => Object.entries(s.stacks)));
  const destructive = Object.entries(stacks)
    .filter(([, v]) => v.destructive.length)
    .map(([stack]) => stack)
    .sort();
  return { ...(await approvalGate({ github, context, core, destructive, egress: egressCutsOf(stacks), where: "their plan comments" })), problems };
}

/**
 * The approval rule both gates apply to `destructive` (stacks, or what stands for them): labels the
 * pull request; passes when nothing is destructive or someone with write access other than the author
 * approved the head commit; fails otherwise. `egress` (stack -> the egress paths its plan cuts) is said
 * either way, as a warning: approved or not, deploy.yml will not apply those stacks on the merge.
 */
async function approvalGate({ github, context, core, destructive, where, egress = {} }) {
  const pr = context.payload.pull_request;
  const sha = pr.head.sha;
  const { owner, repo } = context.repo;
  const issue_number = pr.number;
  const labelled = (pr.labels || []).some((l) => l.name === DESTRUCTIVE_LABEL);
  try {
    if (destructive.length && !labelled) await github.rest.issues.addLabels({ owner, repo, issue_number, labels: [DESTRUCTIVE_LABEL] });
    if (!destructive.length && labelled) await github.rest.issues.removeLabel({ owner, repo, issue_number, name: DESTRUCTIVE_LABEL });
  } catch (e) {
    core.warning(`could not update the "${DESTRUCTIVE_LABEL}" label: ${e.message}`);
  }
  const cut = Object.keys(egress).sort();
  const egressNote = cut.length
    ? ` ${cut.join(", ")} cut${cut.length === 1 ? "s" : ""} an egress path (${cut.flatMap((s) => egress[s].map((c) => `${c.action} ${c.address}`)).join(", ")}): the merge's deploy will not apply ${cut.length === 1 ? "it" : "them"}; do the move's manual steps, then run the deploy workflow by hand with egress-changes-done naming ${cut.length === 1 ? "it" : "them"} (docs/hub.md, "Moving an environment"; docs/ci-cd.md).`
    : "";
  if (egressNote) core.warning(egressNote.trim());
  if (!destructive.length) {
    core.info(`The plans of ${sha} delete and replace nothing.`);
    return { destructive, approvers: [] };
  }
  const reviews = await github.paginate(github.rest.pulls.listReviews, { owner, repo, pull_number: issue_number, per_page: 100 });
  const approvers = await approversOf(github, { owner, repo }, reviews, sha, pr.user.login);
  if (approvers.length) core.notice(`Destructive changes in ${destructive.join(", ")}, approved for ${sha} by ${approvers.join(", ")}.${egressNote}`);
  else
    core.setFailed(
      `Destructive changes in ${destructive.join(", ")} (see ${where}). An approving review of commit ${sha} by someone with write access other than the author lets this check pass.${egressNote}`,
    );
  return { destructive, approvers, egress: cut };
}

/** npm run preview's exit codes (scripts/preview/cli.ts): 0 reviewed, 1 a plan failed, 2 could not run, 3 --fail-on destructive. */
const PREVIEW_EXIT = { 0: "reviewed", 1: "a plan of the preview failed", 2: "the preview could not run", 3: "destructive" };

/**
 * The gate where no credentialed plan ran, on the preview job's artifact under `dir` (as
 * download-artifact lays it out): `exit` (the preview's exit code with --fail-on destructive),
 * `plans/<stack>.{json,txt,exit}` and `plans/removed.json` (stacks the base has and the head no
 * longer synthesizes), and `plans/summary.json`, written by the base branch's `npm run plan-review`
 * in the gate job, so a pull request cannot change how its preview is judged. Destructive: a stack
 * the base branch's review finds deleting or replacing, a removed stack, or, if neither names one,
 * the preview's own exit code 3. Fails on a missing or failed preview, or a summary of another commit;
 * then the same approval rule as reviewGate.
 */
async function previewGate({ github, context, core, dir }) {
  const sha = context.payload.pull_request.head.sha;
  const read = (f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : undefined);
  const problems = [];
  const exitText = read("exit");
  const exit = exitText === undefined ? undefined : Number(exitText.trim());
  const summaryText = read(path.join("plans", "summary.json"));
  const summary = summaryText ? JSON.parse(summaryText) : undefined;
  const removed = JSON.parse(read(path.join("plans", "removed.json")) || "[]");
  if (exit === undefined) problems.push("no preview of this commit (the preview job's artifact has no exit code)");
  else if (exit !== 0 && exit !== 3) problems.push(`${PREVIEW_EXIT[exit] || `the preview exited ${exit}`} (see the preview job)`);
  if (!summary) problems.push("no review of the preview's plans");
  else if (summary.sha !== sha) problems.push(`the review of the preview is of commit ${summary.sha}, not ${sha}`);
  else for (const [stack, v] of Object.entries(summary.stacks)) if (v.failed) problems.push(`the preview's plan of ${stack} failed`);
  if (problems.length) {
    core.setFailed(`${problems.join("; ")}.`);
    return { destructive: [], approvers: [], problems };
  }
  const destructive = [
    ...Object.entries(summary.stacks)
      .filter(([, v]) => v.destructive.length)
      .map(([stack]) => stack),
    ...removed.map((stack) => `${stack} (removed)`),
  ].sort();
  if (exit === 3 && !destructive.length) destructive.push("the preview (npm run preview --fail-on destructive exited 3)");
  return { ...(await approvalGate({ github, context, core, destructive, egress: egressCutsOf(summary.stacks), where: "the preview comment" })), problems };
}

/**
 * For review-gate.yml: the latest pull-request.yml run of the head commit, finished, with every
 * plan job successful; its id and environments (from its "plan (<env>)" jobs). Without plan roles
 * (`credentialed` false), its preview job must have succeeded instead, and `preview` is true. Fails
 * the step and returns null otherwise (that run's own review-gate job reports when it ends).
 */
async function planRunOf({ github, context, core, credentialed = true }) {
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
  if (!credentialed) {
    // No plan roles (or a fork's run, which gets no secrets): the preview is what the gate judges.
    const preview = jobs.find((j) => j.name === "preview");
    if (!preview || preview.conclusion !== "success") {
      core.setFailed(`The preview of commit ${sha} did not succeed (${preview ? preview.conclusion : "no preview job"}).`);
      return null;
    }
    return { id: run.id, environments: [], preview: true };
  }
  const plans = jobs.filter((j) => /^plan \((.+)\)$/.test(j.name));
  const failed = plans.filter((j) => j.conclusion !== "success").map((j) => j.name);
  if (failed.length) {
    core.setFailed(`Plans of commit ${sha} did not succeed: ${failed.join(", ")}.`);
    return null;
  }
  return { id: run.id, environments: plans.map((j) => /^plan \((.+)\)$/.exec(j.name)[1]).sort() };
}

/** Posts every review under `root` (<root>/plans-<artifact>/<stack>.md). */
async function postAllPlanComments({ github, context, root }) {
  const stacks = [];
  if (!fs.existsSync(root)) return stacks;
  for (const d of fs.readdirSync(root).sort()) if (d.startsWith("plans-")) stacks.push(...(await postPlanComments({ github, context, dir: path.join(root, d) })));
  return stacks;
}

module.exports = { postPlanComments, postAllPlanComments, reviewGate, previewGate, approvalGate, planRunOf, readSummaries, approversOf, egressCutsOf, marker, DESTRUCTIVE_LABEL, APPROVER_PERMISSIONS };
