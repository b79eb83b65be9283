/**
 * Imported by terraform.real-plan.test.ts (not a test file of its own): one jest worker runs both in
 * turn, against one deployed environment (sharedEnvironment), and this file's changes are planned in
 * the same batch as that file's (DeployedEnvironment.scenario).
 *
 * The plan review (`npm run plan-review`) on real plans: made offline by the real hashicorp/aws
 * provider against a synthesized deployed environment (support/plan-scenarios.ts). Each review is
 * checked for what a reviewer must learn from it and must not be told, with expected values taken
 * from the deployed state, the changed configuration or the README, never from the renderer.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { reviewPlan, Review, COMMENT_LIMIT } from "../scripts/plan-review/review";
import { runPlan } from "../scripts/plan-review/cli";
import { ACCOUNT, NEW_AZ_SUBNET, sharedEnvironment, synthEnvironment, ZONES } from "./support/plan-scenarios";
import { azs, Json } from "./support/synth";
import { realProviderEnv, removeDirs, startAwsStub, stateInstances, withRealProvider } from "./support/real-plan";
import { describeWithTerraform, terraformCliConfig } from "./support/terraform";
import { scratchDir } from "./support/scratch";

const BASE = { availabilityZones: azs("us-east-1", "abc") };
/** The review of a scenario's plan; PLAN_REVIEW_EXAMPLES=<dir> also writes it there (for the README's excerpts). */
const review = (stack: string, p: { json: Json; text?: string }, label?: string): Review => {
  const r = reviewPlan({ stack, plan: p.json, planText: p.text, exitCode: 2, sha: "f".repeat(40) });
  if (process.env.PLAN_REVIEW_EXAMPLES && label) writeFileSync(join(process.env.PLAN_REVIEW_EXAMPLES, `${label}.md`), r.markdown);
  return r;
};

/** The unit prices of docs/cost.md (us-east-1, per hour unless said), read from its "Cost per AZ" table. */
function readmePrices(): Record<string, number> {
  const section = readFileSync(join(__dirname, "..", "docs", "cost.md"), "utf8");
  const price = (row: string) => {
    const m = new RegExp(`\\| ${row}[^|]*\\| \\$([0-9.]+) / hour`).exec(section);
    if (!m) throw new Error(`docs/cost.md's table has no row ${row}`);
    return Number(m[1]);
  };
  const perAz = /\| \*\*per AZ\*\* \| \| \*\*\$([0-9.]+)\*\* \|/.exec(section);
  return { nat: price("NAT gateway"), ip: price("Elastic IP"), fw: price("Network Firewall endpoint"), eni: price("interface endpoints"), perAz: Number(perAz![1]) };
}
const month = (perHour: number, n = 1) => Math.round(perHour * 730 * n * 100) / 100;

describeWithTerraform("plan review of real plans", () => {
  // The environment terraform.real-plan.test.ts plans its changes against too (and closes). Each
  // change is registered while jest collects the tests, and planned with all the others in one
  // terraform plan the first time one is asked for (DeployedEnvironment.scenario).
  const env = sharedEnvironment();
  const prices = readmePrices();
  beforeAll(() => env.deploy());

  describe("a fresh deploy", () => {
    const reviews: Record<string, Review> = {};
    beforeAll(async () => {
      for (const kind of ["network", "studio", "notebook"] as const) reviews[kind] = reviewPlan({ stack: `test-${kind}`, plan: await env.freshPlan(kind), exitCode: 2 });
    });

    test("needs reading in full, and says why: planned against an empty state; nothing else to flag", () => {
      for (const r of Object.values(reviews)) {
        expect({ stack: r.stack, verdict: r.verdict, reasons: r.reasons }).toEqual({ stack: r.stack, verdict: "needs attention", reasons: [expect.stringMatching(/^planned against an empty state/)] });
        expect(r.counts.update + r.counts.replace + r.counts.delete).toBe(0);
        expect(r.markdown).toContain("Planned against an **empty state**");
        expect(r.markdown).not.toContain("Destructive changes");
        expect(r.markdown).not.toContain("To read");
      }
    });

    test("the network's review lists the allowlist's domains and costs three AZs at the README's prices", () => {
      const md = reviews.network.markdown;
      for (const d of ["pypi.org", "files.pythonhosted.org", "repo.anaconda.com"]) expect(md).toContain(`\`${d}\``);
      const interfaceEndpoints = Object.keys(JSON.parse(readFileSync(join(synthEnvironment(BASE).network, "cdk.tf.json"), "utf8")).resource.aws_vpc_endpoint).length - 1; // minus the S3 gateway
      const expected = month(prices.nat, 3) + month(prices.ip, 3) + month(prices.fw, 3) + month(prices.eni, 3 * interfaceEndpoints) + 3; // + 3 KMS keys at $1
      expect(reviews.network.cost.monthly).toBeCloseTo(expected, 2);
      expect(md).toContain(`**+$${expected.toFixed(2)}/month**`);
    });

    test("created policies are listed statement by statement, without calling the data perimeter 'broad'", () => {
      expect(reviews.network.markdown).toMatch(/`PerimeterPrincipalsOnPerimeterResources`: \*\*Allow\*\*/);
      expect(reviews.network.markdown).toMatch(/`AwsServicePrincipals`: \*\*Allow\*\* `\*` on `\*`/);
    });
  });

  describe("adding an AZ", () => {
    let network: Review;
    let studio: Review;
    const raw = { availabilityZones: azs("us-east-1", "abcd") };
    const networkPlan = env.scenario("network", raw, { label: "rv-add-az" });
    const studioPlan = env.scenario("studio", raw, { label: "rv-add-az-studio" });
    beforeAll(async () => {
      network = review("test-network", { json: await networkPlan() }, "rv-add-az");
      studio = review("test-studio", { json: await studioPlan() }, "rv-add-az-studio");
    });

    test("is 'safe additions', with the new lane's resources under us-east-1d", () => {
      expect(network.verdict).toBe("safe additions");
      expect(network.destructive).toEqual([]);
      expect(network.markdown).toMatch(/\*\*us-east-1d\*\* \(\d+ create\)/);
      expect(network.markdown).toContain("+1 AZ (us-east-1d)");
    });

    test("explains the existing AZs' firewall routes shown 'known after apply', naming the endpoint each keeps", () => {
      const firewall = Object.values(stateInstances(env.states.network!.statePath, "aws_networkfirewall_firewall"))[0];
      const endpoints = firewall.firewall_status[0].sync_states.map((s: Json) => s.attachment[0].endpoint_id) as string[];
      expect(endpoints).toHaveLength(3);
      const explained = network.markdown.slice(network.markdown.indexOf("### Known after apply"), network.markdown.indexOf("### Egress paths"));
      expect(explained).toContain("hashicorp/terraform-provider-aws#16759");
      for (const id of endpoints) expect(explained).toContain(id);
      expect(network.markdown).not.toMatch(/To read[\s\S]*egress route/);
    });

    test("costs one AZ at the README's per-AZ price, across the network and Studio stacks", () => {
      expect(network.cost.monthly + studio.cost.monthly).toBeCloseTo(prices.perAz, 2);
      expect(studio.verdict).toBe("safe additions");
    });

    test("shows the Studio jobs policies' new subnet as a statement-level change, not a JSON blob", () => {
      expect(studio.markdown).toMatch(new RegExp("✏️ `JobsOnlyInThisVpcEncrypted` \\(Allow\\):\n\\s+- Condition ForAllValues:StringEquals sagemaker:VpcSubnets: \\+ `" + NEW_AZ_SUBNET + "`"));
      expect(studio.markdown).not.toContain("widens");
      expect(studio.markdown.slice(0, studio.markdown.indexOf("<details>"))).not.toContain('"Statement"');
    });
  });

  const dropAz = env.scenario("network", { availabilityZones: azs("us-east-1", "ab") }, { label: "rv-drop-az" });
  test("dropping an AZ is destructive: the lane, its public IP released, the subnets' precondition", async () => {
    const r = review("test-network", { json: await dropAz() }, "rv-drop-az");
    expect(r.verdict).toBe("needs attention");
    const eip = Object.entries(stateInstances(env.states.network!.statePath, "aws_eip")).find(([a]) => a.includes("us-east-1c"))![1];
    const destructive = r.markdown.slice(r.markdown.indexOf("### 🛑 Destructive changes"), r.markdown.indexOf("### Known after apply"));
    expect(destructive).toContain("AZ lane removed: us-east-1c");
    expect(destructive).toContain(`public IPv4 address ${eip.public_ip} is released`);
    expect(destructive).toMatch(/3× `aws_subnet`/);
    expect(destructive).not.toContain("🛑 **delete**"); // nothing holding data
    expect(r.destructive.every((i) => i.az === "us-east-1c")).toBe(true);
    expect(r.markdown).toContain("−1 AZ (us-east-1c)");
  });

  // conda's two removed, huggingface.co added, files.pythonhosted.org widened to the wildcard .pythonhosted.org
  const allowedDomains = ["pypi.org", ".pythonhosted.org", "www.kaggle.com", "api.kaggle.com", "huggingface.co"];
  const allowlist = env.scenario("network", { ...BASE, firewall: { allowedDomains } }, { label: "rv-allowlist" });
  test("allowlist changes show as added and removed domains, and opening egress needs attention", async () => {
    const r = review("test-network", { json: await allowlist() }, "rv-allowlist");
    expect(r.verdict).toBe("needs attention");
    expect(r.counts).toEqual({ create: 0, update: 2, replace: 0, delete: 0 });
    expect(r.markdown).toContain("firewall allowlist: ➕ `.pythonhosted.org`, `huggingface.co`");
    expect(r.markdown).toContain("firewall allowlist: ➖ `conda.anaconda.org`, `files.pythonhosted.org`, `repo.anaconda.com`");
    // The wildcard opens every subdomain where one name was allowed: egress opened, like a new name.
    expect(r.markdown).toMatch(/egress opened: firewall allowlist allows `\.pythonhosted\.org`, `huggingface\.co`/);
    expect(r.markdown).toMatch(/DNS firewall list `[^`]+`: ➕ `\*\.pythonhosted\.org`, `huggingface\.co`, `pythonhosted\.org`/);
    // files.pythonhosted.org left the list but is still allowed, through the wildcard: no lost access.
    expect(r.markdown).toContain("firewall allowlist: still allowed: `files.pythonhosted.org` (through `.pythonhosted.org`)");
    expect(r.markdown).toMatch(/DNS firewall list `[^`]+`: still allowed: `files\.pythonhosted\.org` \(through `\*\.pythonhosted\.org`\)/);
    expect(r.markdown).toMatch(/firewall allowlist no longer allows `conda\.anaconda\.org`, `repo\.anaconda\.com`: users who rely on them lose access/);
    expect(r.markdown).not.toMatch(/no longer allows [^\n]*files\.pythonhosted\.org/);
    expect(r.markdown).not.toContain("Destructive changes");
    expect(r.markdown).not.toContain("`pypi.org`"); // unchanged domains are not news
  });

  const notebookMoved = env.scenario("notebook", BASE, { notebookAz: "us-east-1c", label: "rv-nb-replace" });
  test("moving the notebook to another AZ replaces it, and the review says its volume is lost and why", async () => {
    const r = review("test-notebook", { json: await notebookMoved() }, "rv-nb-replace");
    expect(r.verdict).toBe("needs attention");
    expect(r.destructive.map((i) => `${i.action} ${i.type}`)).toEqual(["replace aws_sagemaker_notebook_instance"]);
    const first = r.markdown.indexOf("### 🛑 Destructive changes");
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(r.markdown.indexOf("### ", first + 5) === -1 ? Infinity : r.markdown.indexOf("### ", first + 5));
    expect(r.markdown).toMatch(/🛑 \*\*replace\*\* `aws_sagemaker_notebook_instance`.*ML storage volume is lost.*Forced by a change of `subnet_id`/);
  });

  const iamWidened = env.scenario("studio", BASE, {
    label: "rv-iam-widen",
    edit: (json) => {
      const docs = json.data.aws_iam_policy_document as Record<string, Json>;
      const workload = Object.entries(docs).find(([k]) => k.startsWith("execution-role_policy-document-workload"))![1];
      workload.statement.push({ sid: "DebugEverything", effect: "Allow", actions: ["s3:*"], resources: ["*"] });
      const first = workload.statement[0];
      first.actions = [...first.actions, "iam:PassRole"];
      const role = Object.keys(json.resource.aws_iam_role).find((k) => k.startsWith("execution-role"))!;
      json.resource.aws_iam_role_policy_attachment["admin"] = { role: `\${aws_iam_role.${role}.name}`, policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" };
    },
  });
  test("an IAM policy that widens is flagged, statement by statement", async () => {
    const r = review("test-studio", { json: await iamWidened() }, "rv-iam-widen");
    expect(r.verdict).toBe("needs attention");
    const toRead = r.markdown.slice(r.markdown.indexOf("### ⚠️ To read"));
    expect(toRead).toMatch(/widens: new Allow statement DebugEverything: s3:\*/);
    expect(toRead).toMatch(/widens: Action added: iam:PassRole/);
    expect(toRead).toContain("`admin` attaches the AWS managed policy `arn:aws:iam::aws:policy/AdministratorAccess`");
    expect(r.markdown).toMatch(/➕ `DebugEverything` ⚠️ \*\*widens\*\*: \*\*Allow\*\* `s3:\*` on `\*`/);
    expect(r.markdown.slice(0, r.markdown.indexOf("<details>"))).not.toContain('"Statement"'); // no JSON blob
  });

  const sgOpened = env.scenario("notebook", BASE, {
    label: "rv-sg-open",
    edit: (json) => {
      const sg = Object.keys(json.resource.aws_security_group).find((k) => k.startsWith("notebook_security-group"))!;
      json.resource.aws_vpc_security_group_ingress_rule["debug-ssh"] = { security_group_id: `\${aws_security_group.${sg}.id}`, cidr_ipv4: "0.0.0.0/0", from_port: 22, to_port: 22, ip_protocol: "tcp", description: "debug" };
      // Half the internet is the internet.
      json.resource.aws_vpc_security_group_ingress_rule["debug-half"] = { security_group_id: `\${aws_security_group.${sg}.id}`, cidr_ipv4: "128.0.0.0/1", ip_protocol: "-1", description: "half" };
    },
  });
  test("a security-group rule opened to the internet is flagged as such", async () => {
    const r = review("test-notebook", { json: await sgOpened() }, "rv-sg-open");
    expect(r.verdict).toBe("needs attention");
    expect(r.counts).toEqual({ create: 2, update: 0, replace: 0, delete: 0 });
    expect(r.markdown).toContain("security group rule **opened to the internet**: ingress tcp 22 from 0.0.0.0/0 (debug)");
    expect(r.markdown).toContain("security group rule **opened to the internet**: ingress all traffic from 128.0.0.0/1 (half)");
  });

  const bypass = env.scenario("network", BASE, {
    label: "rv-network-bypass",
    edit: (json) => {
      const groups = json.resource.aws_networkfirewall_rule_group as Record<string, Json>;
      const allowlist = Object.entries(groups).find(([k]) => k.includes("allowlist"))![1];
      allowlist.rule_group.rules_source.rules_source_list.generated_rules_type = "DENYLIST";
      const table = Object.keys(json.resource.aws_route_table).find((k) => k.startsWith("network_us-east-1a_workload_route-table"))!;
      const igw = Object.keys(json.resource.aws_internet_gateway)[0];
      json.resource.aws_route["shortcut"] = { route_table_id: `\${aws_route_table.${table}.id}`, destination_cidr_block: "198.51.100.0/24", gateway_id: `\${aws_internet_gateway.${igw}.id}` };
      const pab = Object.entries(json.resource.aws_s3_bucket_public_access_block as Record<string, Json>).find(([k]) => k.startsWith("data-bucket"))![1];
      pab.block_public_policy = false;
      // An existing AZ's default route repointed from the firewall to another endpoint.
      const nat = Object.entries(json.resource.aws_route as Record<string, Json>).find(([k]) => k.startsWith("network_us-east-1b_nat_default-route"))![1];
      nat.vpc_endpoint_id = "vpce-0a77ac4e700000000";
    },
  });
  test("a denylist flip, a route around the firewall and a lifted public access block each need attention", async () => {
    const r = review("test-network", { json: await bypass() }, "rv-network-bypass");
    expect(r.verdict).toBe("needs attention");
    const toRead = r.markdown.slice(r.markdown.indexOf("### ⚠️ To read"), r.markdown.indexOf("### ", r.markdown.indexOf("### ⚠️ To read") + 5));
    expect(toRead).toMatch(/domain-allowlist`: rule_group\.0\.rules_source\.0\.rules_source_list\.0\.generated_rules_type change in place/);
    expect(r.markdown).toContain("rule_group.0.rules_source.0.rules_source_list.0.generated_rules_type: `ALLOWLIST` → `DENYLIST`");
    expect(toRead).toMatch(/`shortcut` sends 198\.51\.100\.0\/24 straight to the internet gateway .*bypasses the firewall/);
    expect(toRead).toMatch(/public access block of `data-bucket_public-access-block` has `block_public_policy` off/);
    expect(toRead).toMatch(/egress route 0\.0\.0\.0\/0 of `network_us-east-1b_nat_default-route` changes target/);
    expect(r.markdown).toContain("vpce-0a77ac4e700000000");
  });

  test("every review fits a GitHub comment, the full plan collapsed at its end", async () => {
    const plan = await env.change("network", { availabilityZones: azs("us-east-1", "abcdef") }, { label: "rv-add-3-az", text: true });
    const r = review("test-network", plan);
    expect(r.markdown.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(r.markdown).toMatch(/<details><summary>Full plan<\/summary>[\s\S]*Plan: \d+ to add, \d+ to change, 0 to destroy\.[\s\S]*```\n<\/details>$/);
    const huge = reviewPlan({ stack: "x", plan: plan.json, planText: "y".repeat(200000), exitCode: 2 });
    expect(huge.markdown.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(huge.markdown).toMatch(/the first \d+ characters are cut/);
  });

  test("npm run plan-review --run's plan step writes the plan JSON, text and exit code terraform gives", async () => {
    const stub = await startAwsStub({ accountId: ACCOUNT, zones: ZONES });
    const dir = withRealProvider(synthEnvironment(BASE).network, stub, { label: "rv-cli" });
    const out = scratchDir("plan-review-cli");
    // runPlan starts terraform with this process's environment: for the test, the environment every
    // real-provider run gets (no AWS set-up of the caller's), the stub as the endpoint of every service.
    const saved = { ...process.env };
    const env: NodeJS.ProcessEnv = { ...realProviderEnv(), TF_CLI_CONFIG_FILE: terraformCliConfig(), AWS_ENDPOINT_URL: stub.url };
    try {
      for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
      Object.assign(process.env, env);
      const code = await runPlan(dirname(dir), "test-network", basename(dir), out);
      expect(code).toBe(2); // -detailed-exitcode: changes
      expect(readFileSync(join(out, "test-network.exit"), "utf8")).toBe("2");
      const json = JSON.parse(readFileSync(join(out, "test-network.json"), "utf8"));
      expect(json.resource_changes.length).toBeGreaterThan(100);
      expect(readFileSync(join(out, "test-network.txt"), "utf8")).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy\./);
      expect(existsSync(join(out, "test-network.tfplan"))).toBe(true);
      // It planned against the stub, and asked nothing the stub does not answer.
      expect(stub.calls.map((c) => c.action)).toEqual(expect.arrayContaining(["GetCallerIdentity", "DescribeAvailabilityZones", "DescribeVpcEndpointServices"]));
      expect(stub.unexpected()).toEqual([]);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      await stub.close();
      removeDirs(dir);
    }
  });
});
