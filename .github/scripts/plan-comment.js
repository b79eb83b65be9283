// Posts one pull-request comment per stack with its `terraform plan` summary, updating the
// stack's earlier comment instead of adding a new one on every push. Used by
// .github/workflows/pull-request.yml through actions/github-script; unit-tested in __tests__/.
const fs = require("node:fs");
const path = require("node:path");

/** GitHub's comment limit is 65,536 characters; keep the plan's tail, where the summary is. */
const MAX_PLAN_CHARS = 60000;

function marker(stack) {
  return `<!-- terraform-plan:${stack} -->`;
}

/** The one-line summary of a plan: "Plan: 3 to add, ...", "No changes.", or the failure. */
function summarize(planText, exitCode) {
  if (exitCode === 1) return "plan failed";
  const line = planText.split("\n").find((l) => /^(Plan: \d+ to add|No changes\.)/.test(l.trim()));
  return line ? line.trim() : "no summary line in the plan output";
}

/** The comment body for one stack. `exitCode` is terraform plan -detailed-exitcode's (0, 1 or 2). */
function commentBody(stack, planText, exitCode) {
  const icon = exitCode === 1 ? "❌" : exitCode === 2 ? "📝" : "✅";
  const tail = planText.length > MAX_PLAN_CHARS ? `…(first ${planText.length - MAX_PLAN_CHARS} characters cut)\n${planText.slice(-MAX_PLAN_CHARS)}` : planText;
  return [
    marker(stack),
    `### ${icon} \`${stack}\`: ${summarize(planText, exitCode)}`,
    "",
    "<details><summary>terraform plan</summary>",
    "",
    "```",
    tail.replace(/```/g, "`\u200b``"),
    "```",
    "</details>",
  ].join("\n");
}

/** Reads plans/<stack>.txt and plans/<stack>.exit, and creates or updates each stack's comment. */
async function postPlanComments({ github, context, dir }) {
  const stacks = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".txt") && !f.endsWith(".init.txt"))
    .map((f) => f.slice(0, -4))
    .sort();
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const existing = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  for (const stack of stacks) {
    const planText = fs.readFileSync(path.join(dir, `${stack}.txt`), "utf8");
    const exitCode = Number(fs.readFileSync(path.join(dir, `${stack}.exit`), "utf8").trim());
    const body = commentBody(stack, planText, exitCode);
    const previous = existing.find((c) => c.body && c.body.startsWith(marker(stack)));
    if (previous) await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
    else await github.rest.issues.createComment({ owner, repo, issue_number, body });
  }
  return stacks;
}

module.exports = { commentBody, summarize, postPlanComments, marker };
