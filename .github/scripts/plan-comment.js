// Pull-request plan comments and the destructive-change gate, run by .github/workflows/pull-request.yml
// through actions/github-script; unit-tested in __tests__/workflows.test.ts.
//
// - postPlanComments: one comment per stack, the review `npm run plan-review` wrote (plans/<stack>.md),
//   replacing the stack's earlier comment (deleted, then created anew: never edited).
// - reviewGate: fails while the head commit's reviews (read back from this workflow's own, unedited
//   comments) delete or replace anything and no maintainer other than the author has approved that
//   commit; labels the pull request so reviewers see it in the list.
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
    // A new comment each time, never an edit: the gate trusts only comments nobody has edited
    // (people with write access can edit the workflow's comments too).
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
 * [{ stack, destructive, edited }] of the reviews of commit `sha` among `comments`. A comment edited
 * after the workflow wrote it (updated_at differs from created_at) is marked: the gate does not trust it.
 */
function reviewsOf(comments, sha) {
  const out = [];
  for (const c of comments) {
    if (!c.body || !isOurs(c)) continue;
    const stack = /^<!-- terraform-plan:(.+?) -->/.exec(c.body);
    const gate = /<!-- plan-review sha:(\S+) destructive:(true|false) -->/.exec(c.body);
    const edited = Boolean(c.updated_at && c.created_at && c.updated_at !== c.created_at);
    if (stack && gate && gate[1] === sha) out.push({ stack: stack[1], destructive: gate[2] === "true", edited });
  }
  return out;
}

/** Whose approval counts: people (not bots) who own, belong to or collaborate on the repository. */
const APPROVER_ASSOCIATIONS = ["OWNER", "MEMBER", "COLLABORATOR"];

/** Logins whose latest review state is an approval of commit `sha`, the author excepted. */
function approversOf(reviews, sha, author) {
  const latest = new Map();
  for (const r of reviews) {
    if (!r.user || r.user.login === author || r.user.type !== "User" || !APPROVER_ASSOCIATIONS.includes(r.author_association)) continue;
    if (["APPROVED", "CHANGES_REQUESTED", "DISMISSED"].includes(r.state)) latest.set(r.user.login, r);
  }
  return [...latest.values()].filter((r) => r.state === "APPROVED" && r.commit_id === sha).map((r) => r.user.login);
}

/**
 * The gate. Passes when the head commit's plans delete and replace nothing, or when someone other
 * than the author approved that very commit after seeing them; fails otherwise (and when the head
 * commit has no reviews yet). A new push needs a new approval.
 */
async function reviewGate({ github, context, core }) {
  const pr = context.payload.pull_request;
  const sha = pr.head.sha;
  const { owner, repo } = context.repo;
  const issue_number = pr.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const reviewed = reviewsOf(comments, sha);
  if (!reviewed.length) {
    core.setFailed(`No plan review for commit ${sha} yet: the plan job posts one per stack.`);
    return { destructive: [], approvers: [] };
  }
  const edited = reviewed.filter((r) => r.edited).map((r) => r.stack);
  if (edited.length) {
    core.setFailed(`The plan review comments of ${edited.join(", ")} were edited after the workflow posted them; re-run the pull-request workflow to post them again.`);
    return { destructive: [], approvers: [] };
  }
  const destructive = reviewed.filter((r) => r.destructive).map((r) => r.stack).sort();
  const labelled = (pr.labels || []).some((l) => l.name === DESTRUCTIVE_LABEL);
  try {
    if (destructive.length && !labelled) await github.rest.issues.addLabels({ owner, repo, issue_number, labels: [DESTRUCTIVE_LABEL] });
    if (!destructive.length && labelled) await github.rest.issues.removeLabel({ owner, repo, issue_number, name: DESTRUCTIVE_LABEL });
  } catch (e) {
    core.warning(`could not update the "${DESTRUCTIVE_LABEL}" label: ${e.message}`);
  }
  if (!destructive.length) {
    core.info(`The plans of ${sha} delete and replace nothing.`);
    return { destructive, approvers: [] };
  }
  const reviews = await github.paginate(github.rest.pulls.listReviews, { owner, repo, pull_number: issue_number, per_page: 100 });
  const approvers = approversOf(reviews, sha, pr.user.login);
  if (approvers.length) core.notice(`Destructive changes in ${destructive.join(", ")}, approved for ${sha} by ${approvers.join(", ")}.`);
  else
    core.setFailed(
      `Destructive changes in ${destructive.join(", ")} (see their plan comments). An approving review of commit ${sha} by a maintainer (owner, member or collaborator) other than the author lets this check pass.`,
    );
  return { destructive, approvers };
}

module.exports = { postPlanComments, reviewGate, reviewsOf, approversOf, marker, DESTRUCTIVE_LABEL, APPROVER_ASSOCIATIONS };
