/**
 * Layer 5: plans by the real hashicorp/aws 5.100.0 provider, offline. AWS is a stub on 127.0.0.1
 * (STS GetCallerIdentity, EC2 DescribeAvailabilityZones / DescribeVpcEndpointServices, SSM
 * GetParameter); "deployed" states are synthesized from create plans and converged with
 * `plan -refresh=false`. The real provider decides what an update, a replacement or a no-op is,
 * which neither the JSON nor the mock provider can show.
 *
 * - Every stack of an environment plans; the workloads read the contract the converged network
 *   state published (the real jsonencode output, served by the stub's SSM).
 * - Plan-time checks: a contract without the notebook's AZ, or no contract at all, stops a
 *   workload's plan with its message (the network's own checks are in terraform.real-plan-configs).
 * - Against the deployed state: reordering AZs plans nothing; adding an AZ only creates (that AZ's
 *   resources) and updates in place; dropping an AZ only deletes that AZ's resources and updates
 *   in place; changing the allowlist only updates in place; no AZ change touches the notebook, the
 *   domain or a user profile. Upgrading a network 0bb1f3d deployed (its state built from today's
 *   stack with that commit's firewall) creates the refusals group and updates the hygiene group and
 *   the policy in place, replacing nothing. Upgrading every stack 71acc53 deployed (before issue 22;
 *   fixtures/upgrade-71acc53) deletes only the UI endpoints and replaces nothing; it creates each
 *   profile's JupyterLab lifecycle config and the notebook's on-start one (the SDK's owner tag) and
 *   updates the profiles and the instance in place, never the domain. These changes, and
 *   the plan review's, are planned together: each changed stack a module of one root, against its
 *   deployed state (planModules), whose plan JSON is split back into each stack's.
 */
import { azs, Json } from "./support/synth";
import { ACCOUNT, editedContract, editStack, sharedEnvironment, synthEnvironment, ZONES } from "./support/plan-scenarios";
// The plan review's tests on real plans run in this file's worker: they plan their changes against
// the same deployed environment, in the same batch as this file's (DeployedEnvironment.scenario).
import "./terraform.plan-review.cases";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AwsStubOptions,
  ChangeSummary,
  expectFailingPlan,
  mergeModuleStates,
  outputChanges,
  removeDirs,
  runTerraform,
  startAwsStub,
  stateInstances,
  summarize,
  tryPlan,
  withRealProvider,
  withRealProviderModules,
} from "./support/real-plan";
import { describeWithTerraform } from "./support/terraform";

const BASE = { availabilityZones: azs("us-east-1", "abc") };
const created: string[] = [];
const env = sharedEnvironment();

/** "aws_subnet.network_us-east-1d_workload_subnet_ABC" -> "us-east-1d", or undefined. */
const azOf = (address: string) => /(us-east-1[a-f])/.exec(address)?.[1];
const byAction = (changes: ChangeSummary[], action: string) => changes.filter((c) => c.actions.includes(action)).map((c) => c.address);

/** A plan of `stackDir` against a stub made from `stubOptions`, expected to fail; returns terraform's output. */
const failingPlan = (stubOptions: AwsStubOptions, stackDir: string, label: string) => expectFailingPlan(stubOptions, stackDir, label, created);

afterAll(async () => {
  await env.close();
  removeDirs(...created);
});

/**
 * The firewall as 0bb1f3d deployed it, written out here (never taken from the code under test): the
 * protocol-hygiene rules of that commit's PROTOCOL_HYGIENE_RULES, one a line with a final newline as
 * the group's rules_string held them (`git show 0bb1f3d:modules/network/firewall.ts`), its policy's
 * default actions and description, and no refusals group.
 */
const HYGIENE_RULES_0BB1F3D = readFileSync(join(__dirname, "fixtures", "protocol-hygiene-0bb1f3d.rules"), "utf8");
const DEFAULT_ACTIONS_0BB1F3D = ["aws:drop_established", "aws:alert_established"];
const POLICY_DESCRIPTION_0BB1F3D = "All traffic to the stateful engine; strict order; drop established flows nothing allowed";

/**
 * Turns the current network stack back into the one 0bb1f3d synthesized. Those are the only
 * differences between the two synthesized network stacks for this environment's config (compared
 * when this was written); each edit throws if its resource is not where expected, so a rename
 * fails here instead of deploying something else.
 */
function asDeployedBy0bb1f3d(json: Json): void {
  const groups: Json = json.resource.aws_networkfirewall_rule_group;
  const groupNamed = (suffix: string) => {
    const keys = Object.keys(groups).filter((k) => groups[k].name.endsWith(suffix));
    if (keys.length !== 1) throw new Error(`expected one rule group named *${suffix}, found ${keys.length}`);
    return keys[0];
  };
  const refusals = groupNamed("-refusals");
  delete groups[refusals];
  groups[groupNamed("-protocol-hygiene")].rule_group.rules_source.rules_string = HYGIENE_RULES_0BB1F3D;
  const policies = Object.values<Json>(json.resource.aws_networkfirewall_firewall_policy);
  if (policies.length !== 1) throw new Error(`expected one firewall policy, found ${policies.length}`);
  const [policy] = policies;
  policy.description = POLICY_DESCRIPTION_0BB1F3D;
  policy.firewall_policy.stateful_default_actions = DEFAULT_ACTIONS_0BB1F3D;
  const references: Json[] = policy.firewall_policy.stateful_rule_group_reference;
  const kept = references.filter((r) => r.resource_arn !== `\${aws_networkfirewall_rule_group.${refusals}.arn}`);
  if (kept.length !== references.length - 1) throw new Error("the policy does not reference the refusals group once");
  policy.firewall_policy.stateful_rule_group_reference = kept;
}

describeWithTerraform("real provider: an environment deployed, then changed", () => {
  const base = synthEnvironment(BASE);
  // Changes of the network's config, planned against its deployed state (with the plan review's,
  // in one terraform plan: DeployedEnvironment.scenario); each gives its plan JSON.
  const networkChange = (raw: Record<string, unknown>, label: string) => env.scenario("network", raw, { label });
  const reordered = networkChange({ availabilityZones: azs("us-east-1", "cab") }, "reorder");
  const azAdded = networkChange({ availabilityZones: azs("us-east-1", "abcd") }, "add-az");
  const azDropped = networkChange({ availabilityZones: azs("us-east-1", "ab") }, "drop-az");
  // A name added, two removed, one widened to a wildcard: the plan review's allowlist change
  // (terraform.plan-review.cases), so the batch plans it once.
  const allowlistChanged = networkChange({ ...BASE, firewall: { allowedDomains: ["pypi.org", ".pythonhosted.org", "www.kaggle.com", "api.kaggle.com", "huggingface.co"] } }, "allowlist");
  // Back from the default application-layer action to the drop of every established packet.
  const defaultActionChanged = networkChange({ ...BASE, firewall: { statefulDefaultAction: "drop_established" } }, "default-action");
  // The DNS firewall from its default, block, to alert (a rollout on a new platform).
  const dnsAlert = networkChange({ ...BASE, dnsFirewall: { mode: "alert" } }, "dns-alert");
  // The upgrade from 0bb1f3d: the current network stack planned against the state its previous
  // firewall deployed (DeployedEnvironment.scenario's deployedEdit), in the same batch.
  const upgradeFrom0bb1f3d = env.scenario("network", BASE, { label: "upgrade-from-0bb1f3d", deployedEdit: asDeployedBy0bb1f3d });

  // Two changes also planned on their own, to check the batch against: the plan review's
  // every-review-fits change (planned on its own there, for its text: the result cache answers),
  // which creates and updates; and dropping an AZ, which deletes resources that only the state names.
  const alone = [
    { raw: { availabilityZones: azs("us-east-1", "abcdef") }, label: "add-3-az", text: true, minChanges: 40 },
    { raw: { availabilityZones: azs("us-east-1", "ab") }, label: "drop-az", text: false, minChanges: 10 },
  ].map((c) => ({ ...c, inBatch: networkChange(c.raw, `${c.label}-batched`) }));

  beforeAll(() => env.deploy());

  test.each(alone.map((c) => [c.label, c] as const))("%s: a stack's part of the batched plan is the plan terraform makes of that stack on its own", async (_label, c) => {
    // Same change, same state: once as its own root, once split out of the batch. Everything a
    // review or a summary reads must be the same.
    const own = (await env.change("network", c.raw, { label: `${c.label}-alone`, text: c.text })).json;
    const inBatch = await c.inBatch();
    const parts = (p: Json) => ({
      resource_changes: p.resource_changes,
      output_changes: p.output_changes,
      prior_state: p.prior_state.values,
      planned_values: p.planned_values,
      provider_config: p.configuration.provider_config,
      root_module: p.configuration.root_module,
    });
    expect(summarize(inBatch).length).toBeGreaterThan(c.minChanges);
    expect(parts(inBatch)).toEqual(parts(own));
  });

  test("in the batch's state, a stack's resources name the root provider configuration that is the stack's own default one", () => {
    // Plan JSON does not say which configuration a delete uses (only the provider's name), so this is
    // checked on the merged state: the configuration must be the one with the network's default tags
    // and account list, not its account-check one.
    const root = withRealProviderModules([{ name: "net", stackDir: base.network }], env.stubs.workloads, { label: "providers" });
    created.push(root);
    const merged = JSON.parse(readFileSync(mergeModuleStates(root, { net: env.states.network!.statePath }, join(root, "merged.tfstate")), "utf8"));
    const blocks = JSON.parse(readFileSync(join(root, "main.tf.json"), "utf8")).provider.aws as Json[];
    const own = blocks.filter((b) => b.default_tags?.[0]?.tags?.Stack === "network" && b.allowed_account_ids?.[0] === ACCOUNT);
    expect(own).toHaveLength(1);
    const providers = new Set(merged.resources.map((r: Json) => r.provider));
    expect([...providers]).toEqual([`provider["registry.terraform.io/hashicorp/aws"].${own[0].alias}`]);
    expect(merged.resources.length).toBeGreaterThan(100);
    expect(merged.resources.every((r: Json) => r.module === "module.net")).toBe(true);
  });

  test("the network converges to a state that plans no change, and plans call only the stubbed AWS APIs", () => {
    const network = env.states.network!;
    expect(network.residual).toEqual([]);
    expect(network.converged).toBe(true);
    const stub = env.stubs.network;
    expect(stub.unexpected()).toEqual([]);
    expect(new Set(stub.calls.map((c) => c.action))).toEqual(new Set(["GetCallerIdentity", "GetUser", "DescribeAvailabilityZones", "DescribeVpcEndpointServices"]));
  });

  test("reordering the AZs plans no change at all", async () => {
    const json = await reordered();
    expect([...summarize(json), ...outputChanges(json)]).toEqual([]);
    // nor a move (a no-op with a previous address, which -detailed-exitcode counts as a change)
    expect(json.resource_changes.filter((c: Json) => c.previous_address)).toEqual([]);
  });

  test("adding an AZ only creates that AZ's resources and updates others in place", async () => {
    const changes = summarize(await azAdded());
    expect(byAction(changes, "delete")).toEqual([]);
    const creates = byAction(changes, "create");
    expect(creates.length).toBeGreaterThan(10); // 3 subnets, 3 route tables, EIP, NAT, routes...
    expect(creates.filter((a) => azOf(a) !== "us-east-1d")).toEqual([]);
    // In place: what spans every AZ (firewall mapping, endpoints, contract) and the existing AZs'
    // firewall routes (their endpoint map entry is "known after apply" while the mapping changes).
    for (const a of byAction(changes, "update")) expect(a).toMatch(/^aws_(networkfirewall_firewall|vpc_endpoint|ssm_parameter|route)\./);
  });

  test("dropping an AZ only deletes that AZ's resources", async () => {
    const changes = summarize(await azDropped());
    expect(byAction(changes, "create")).toEqual([]);
    const deletes = byAction(changes, "delete");
    expect(deletes.length).toBeGreaterThan(10);
    expect(deletes.filter((a) => azOf(a) !== "us-east-1c")).toEqual([]);
    for (const a of byAction(changes, "update")) expect(a).toMatch(/^aws_(networkfirewall_firewall|vpc_endpoint|ssm_parameter|route)\./);
  });

  test("changing the allowlist updates, in place, the allowlist rule group and the DNS firewall's domain list, nothing else", async () => {
    expect(summarize(await allowlistChanged())).toEqual([
      { address: expect.stringMatching(/^aws_networkfirewall_rule_group\.network_inspection_domain-allowlist_/), actions: ["update"] },
      { address: expect.stringMatching(/^aws_route53_resolver_firewall_domain_list\.dns-firewall_allowed_/), actions: ["update"] },
    ]);
  });

  test("dnsFirewall.mode block -> alert updates one DNS firewall rule in place (BLOCK to ALERT); nothing else changes", async () => {
    const json = await dnsAlert();
    expect(summarize(json)).toEqual([{ address: expect.stringMatching(/^aws_route53_resolver_firewall_rule\./), actions: ["update"] }]);
    const [rule] = json.resource_changes.filter((c: Json) => c.type === "aws_route53_resolver_firewall_rule" && c.change.actions.includes("update"));
    expect({ before: rule.change.before.action, after: rule.change.after.action }).toEqual({ before: "BLOCK", after: "ALERT" });
    expect(outputChanges(json)).toEqual([]);
  });

  test("changing firewall.statefulDefaultAction updates the firewall policy in place; the firewall and everything else stay", async () => {
    // Provider source (hashicorp/terraform-provider-aws, internal/service/networkfirewall/firewall_policy.go):
    // firewall_policy.stateful_default_actions is a schema.TypeSet of TypeString, Optional, with no
    // ForceNew and no ValidateFunc (only AWS judges the values, at apply), and Update sends the whole
    // policy with UpdateFirewallPolicy. The policy is replaced only for a new `name` (ForceNew) or a
    // changed stateful_engine_options.rule_order (CustomizeDiff forceNewIfNotRuleOrderDefault).
    // Read at hashicorp@d49c1aa (4.x) and in a 5.x copy on the SDK v2 client (the fork
    // max-ts0gt/terraform-provider-aws@381c59d); the v5.100.0 tag itself was not readable offline,
    // so this plan, by the 5.100.0 binary, is the evidence for that version.
    const json = await defaultActionChanged();
    expect(summarize(json)).toEqual([{ address: expect.stringMatching(/^aws_networkfirewall_firewall_policy\.network_inspection_policy_/), actions: ["update"] }]);
    expect(outputChanges(json)).toEqual([]);
    const [policy] = json.resource_changes.filter((c: Json) => c.type === "aws_networkfirewall_firewall_policy");
    const actionsOf = (v: Json) => [...v.firewall_policy[0].stateful_default_actions].sort();
    expect({ before: actionsOf(policy.change.before), after: actionsOf(policy.change.after) }).toEqual({
      before: ["aws:alert_established_app_layer_to_server", "aws:drop_established_app_layer_to_server"],
      after: ["aws:alert_established", "aws:drop_established"],
    });
    // nothing else of the policy moves: same name, rule groups, engine options. (The deployed state
    // holds "" for the unset tls_inspection_configuration_arn, where the plan says null: the SDK
    // treats the two alike, and that state converged to a plan without changes.)
    const rest = (v: Json) => JSON.parse(JSON.stringify({ ...v, firewall_policy: [{ ...v.firewall_policy[0], stateful_default_actions: undefined }] }, (_k, x) => (x === "" ? null : x)));
    expect(rest(policy.change.after)).toEqual(rest(policy.change.before));
    const [firewall] = json.resource_changes.filter((c: Json) => c.type === "aws_networkfirewall_firewall");
    expect(firewall.change.actions).toEqual(["no-op"]);
  });

  describe("upgrading a network deployed by 0bb1f3d", () => {
    // Users upgrading must see a plan that adds the refusals group and updates in place: a
    // replaced rule group or policy would be recreated under the running firewall. Whether a
    // change of rules_string, description or default actions forces a replacement is the
    // provider's to decide, so the real 5.100.0 provider plans it here (the policy's schema is read
    // in the default-action test's comment above).
    const STATE_0BB1F3D = () => env.editedDeployments["upgrade-from-0bb1f3d"]!;

    test("the state 0bb1f3d deployed converges, and is that version's firewall (no refusals group, its rules and default actions)", () => {
      const deployed = STATE_0BB1F3D();
      expect({ residual: deployed.residual, converged: deployed.converged }).toEqual({ residual: [], converged: true });
      const groups = Object.values(stateInstances(deployed.statePath, "aws_networkfirewall_rule_group")).map((g) => g.name).sort();
      expect(groups).toEqual(["sagemaker-studio-anfw-test-domain-allowlist", "sagemaker-studio-anfw-test-protocol-hygiene"]);
      const [policy] = Object.values(stateInstances(deployed.statePath, "aws_networkfirewall_firewall_policy"));
      expect([...policy.firewall_policy[0].stateful_default_actions].sort()).toEqual(["aws:alert_established", "aws:drop_established"]);
      expect(policy.description).toBe(POLICY_DESCRIPTION_0BB1F3D);
    });

    test("plans one create (the refusals group) and two in-place updates (the hygiene group, the policy); nothing replaced or destroyed", async () => {
      const json = await upgradeFrom0bb1f3d();
      const changes = summarize(json).sort((a, b) => a.address.localeCompare(b.address));
      expect(changes).toEqual([
        { address: expect.stringMatching(/^aws_networkfirewall_firewall_policy\.network_inspection_policy_/), actions: ["update"] },
        { address: expect.stringMatching(/^aws_networkfirewall_rule_group\.network_inspection_protocol-hygiene_/), actions: ["update"] },
        { address: expect.stringMatching(/^aws_networkfirewall_rule_group\.network_inspection_refusals_/), actions: ["create"] },
      ]);
      // Stated again for what users fear most: no delete (a replace is a delete and a create) and
      // no forced replacement anywhere, and the outputs (the firewall's ARN among them) stay.
      expect(json.resource_changes.filter((c: Json) => c.change.actions.includes("delete") || c.action_reason?.startsWith("replace"))).toEqual([]);
      expect(outputChanges(json)).toEqual([]);
      const actionsOf = (type: string) => json.resource_changes.filter((c: Json) => c.type === type).map((c: Json) => c.change.actions);
      expect({
        firewall: actionsOf("aws_networkfirewall_firewall"),
        logging: actionsOf("aws_networkfirewall_logging_configuration"),
      }).toEqual({ firewall: [["no-op"]], logging: [["no-op"]] });
    });

    test("the refusals group is created as <project>-<env>-refusals", async () => {
      const json = await upgradeFrom0bb1f3d();
      const [created] = json.resource_changes.filter((c: Json) => c.change.actions.includes("create"));
      expect({ name: created.change.after.name, type: created.change.after.type, capacity: created.change.after.capacity }).toEqual({
        name: "sagemaker-studio-anfw-test-refusals",
        type: "STATEFUL",
        capacity: 100,
      });
    });

    test("the hygiene group's update changes its rules_string only, from 0bb1f3d's rules", async () => {
      const json = await upgradeFrom0bb1f3d();
      const [hygiene] = json.resource_changes.filter((c: Json) => /protocol-hygiene/.test(c.address));
      const rules = (v: Json) => v.rule_group[0].rules_source[0].rules_string;
      // Before: what 0bb1f3d deployed. After: today's rules, whatever they are (their content is
      // firewall.engine's to test); what matters here is that only they change, in place.
      expect(rules(hygiene.change.before)).toBe(HYGIENE_RULES_0BB1F3D);
      expect(rules(hygiene.change.after)).not.toBe(HYGIENE_RULES_0BB1F3D);
      const withoutRules = (v: Json) => ({ ...v, rule_group: [{ ...v.rule_group[0], rules_source: [{ ...v.rule_group[0].rules_source[0], rules_string: undefined }] }] });
      expect(withoutRules(hygiene.change.after)).toEqual(withoutRules(hygiene.change.before));
    });

    test("the policy's update changes its description, default actions and rule group references (the refusals group added at 300), nothing else", async () => {
      const json = await upgradeFrom0bb1f3d();
      const [policy] = json.resource_changes.filter((c: Json) => c.type === "aws_networkfirewall_firewall_policy");
      const { before, after } = policy.change;
      expect({ before: before.description, after: after.description }).toEqual({
        before: POLICY_DESCRIPTION_0BB1F3D,
        after: "All traffic to the stateful engine; strict order; reset what the allowlist did not pass; drop established flows nothing decided",
      });
      const actionsOf = (v: Json) => [...v.firewall_policy[0].stateful_default_actions].sort();
      expect({ before: actionsOf(before), after: actionsOf(after) }).toEqual({
        before: ["aws:alert_established", "aws:drop_established"],
        after: ["aws:alert_established_app_layer_to_server", "aws:drop_established_app_layer_to_server"],
      });
      // The deployed references keep their ARNs; the new one's ARN is known only once the group exists.
      const priorities = (v: Json) => v.firewall_policy[0].stateful_rule_group_reference.map((r: Json) => r.priority).sort();
      expect({ before: priorities(before), after: priorities(after) }).toEqual({ before: [150, 200], after: [150, 200, 300] });
      const arnsBefore = before.firewall_policy[0].stateful_rule_group_reference.map((r: Json) => r.resource_arn);
      const arnsAfter = after.firewall_policy[0].stateful_rule_group_reference.map((r: Json) => r.resource_arn).filter((a: unknown) => a !== undefined && a !== null);
      expect(arnsAfter.sort()).toEqual(arnsBefore.sort());
      // The rest of the policy (name, engine options, stateless defaults, encryption) does not move;
      // "" and null alike for the unset tls_inspection_configuration_arn (see the default-action test).
      const rest = (v: Json) =>
        JSON.parse(
          JSON.stringify(
            { ...v, description: undefined, firewall_policy: [{ ...v.firewall_policy[0], stateful_default_actions: undefined, stateful_rule_group_reference: undefined }] },
            (_k, x) => (x === "" ? null : x),
          ),
        );
      expect(rest(after)).toEqual(rest(before));
    });
  });

  test("storage.preventDestroy (default on) refuses a plan that destroys the network and its data", async () => {
    const r = await runTerraform(env.deployedDir("network"), ["plan", "-destroy", "-refresh=false", "-input=false", "-lock=false", "-no-color", `-state=${env.states.network!.statePath}`]);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/Instance cannot be destroyed/);
    expect(r.output).toMatch(/aws_s3_bucket\.data-bucket/);
    expect(r.output).toMatch(/aws_kms_key\.s3-key/);
  });

  describe("workloads on the deployed network", () => {
    // The workloads were deployed against the contract the deployed network published, plus a
    // subnet in us-east-1d: what the network publishes once an AZ is added (the workloads are
    // planned after the network is deployed).
    const workloadChanges = (["cab", "abcd"] as const).map((letters) => {
      const raw = { availabilityZones: azs("us-east-1", letters) };
      const label = letters === "cab" ? "reorder" : "add";
      return { label, notebook: env.scenario("notebook", raw, { label: `nb-${label}` }), studio: env.scenario("studio", raw, { label: `st-${label}` }) };
    });

    test("both plan against the published contract and converge, calling only the stubbed AWS APIs", () => {
      expect(env.states.studio!.residual).toEqual([]);
      expect(env.states.notebook!.residual).toEqual([]);
      expect(env.stubs.workloads.unexpected()).toEqual([]);
      expect(env.stubs.workloads.calls.map((c) => c.action)).toContain("GetParametersByPath");
    });

    test.each(["studio", "notebook"] as const)("%s's deployed state (converged in lockstep with the other) plans no change on its own", async (kind) => {
      const r = await tryPlan(env.deployedDir(kind), { refresh: false, state: env.states[kind]!.statePath });
      expect({ code: r.code, noChanges: r.json?.no_changes }).toEqual({ code: 0, noChanges: true });
    });

    test("reordering or adding AZs never changes the notebook, and only updates Studio's role policy in place", async () => {
      for (const { label, notebook, studio } of workloadChanges) {
        expect({ label, changes: summarize(await notebook()) }).toEqual({ label, changes: [] });
        // Reorder: nothing. Add: the jobs policy of each execution role (the domain default and each
        // user's) names the new AZ's subnet (the domain ignores subnet_ids, see "Known provider limitations").
        expect({ label, changes: summarize(await studio()) }).toEqual({
          label,
          changes:
            label === "reorder"
              ? []
              : [
                  { address: expect.stringMatching(/^aws_iam_policy\.execution-role_policy-jobs_/), actions: ["update"] },
                  { address: expect.stringMatching(/^aws_iam_policy\.user-role-anfw-user-profile_policy-jobs_/), actions: ["update"] },
                  // (no studio endpoint by default: studio.uiEndpoint)
                ],
        });
      }
    });

    test("without a deployed network, a workload's plan stops with 'deploy test-network first'", async () => {
      const output = await failingPlan({ accountId: ACCOUNT, zones: ZONES, parameters: {} }, base.studio, "st-no-network");
      expect(output).toContain("/sagemaker-studio-anfw/test/network/contract is missing or not a version 1 network contract: deploy test-network");
      // Only that message: the placeholders keep every reference to the contract valid.
      expect(output).not.toContain("Unsupported attribute");
      expect(output.match(/Error:/g)).toHaveLength(1);
    });

    test("a workload can still be destroyed after its network is gone", async () => {
      const stub = await startAwsStub({ accountId: ACCOUNT, zones: ZONES, parameters: {} });
      try {
        const dir = withRealProvider(base.notebook, stub, { label: "nb-destroy-orphan" });
        created.push(dir);
        const r = await runTerraform(dir, ["plan", "-destroy", "-refresh=false", "-input=false", "-lock=false", "-no-color", `-state=${env.states.notebook!.statePath}`]);
        expect(r.output).not.toMatch(/Error/);
        expect(r.code).toBe(0);
        expect(r.output).toMatch(/Plan: 0 to add, 0 to change, \d+ to destroy/);
      } finally {
        await stub.close();
      }
    });

    test("a contract without the notebook's AZ stops the notebook's plan with a message", async () => {
      const parameters = editedContract(env.states.network!.statePath, (c) => delete c.workload_subnet_ids["us-east-1b"]);
      const output = await failingPlan({ accountId: ACCOUNT, zones: ZONES, parameters }, base.notebook, "nb-no-az");
      expect(output).toContain("has no workload subnet in us-east-1b: deploy test-network with the same config first");
    });
  });

  describe("the Studio domain on hashicorp/aws 5.100.0: no change the config allows plans an update of it", () => {
    // The provider's resourceDomainUpdate (internal/service/sagemaker/domain.go, 5.x) sends
    // UpdateDomain for any change but tags, always with AppNetworkAccessType and never with VpcId
    // or SubnetIds, which AWS refuses for a VpcOnly domain (provider issue #45528, reported on
    // 5.100.0). So every change a deployed environment's config allows must leave the domain
    // a no-op: the domain then ignores its subnets and JupyterLab defaults, and a change of the
    // latter stops the plan with the procedure (StudioDomain's postcondition).
    const FIXTURES = join(__dirname, "fixtures");
    const TLS = { certificateAuthorityArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`, caCertificateFile: join(FIXTURES, "inspection-ca.pem") };
    const TLS_ON = { ...BASE, firewall: { tlsInspection: TLS } };
    const domainChanges = (json: Json) =>
      json.resource_changes.filter((c: Json) => c.type === "aws_sagemaker_domain" && !(c.change.actions.length === 1 && c.change.actions[0] === "no-op")).map((c: Json) => c.change.actions);
    const studioChange = (raw: Record<string, unknown>, label: string) => env.scenario("studio", raw, { label });
    const batched = {
      "a user profile added": studioChange({ ...BASE, studio: { userProfiles: ["anfw-user-profile", "alice"] } }, "st-profile-added"),
      // (at least one profile is required) anfw-user-profile removed, alice added
      "a user profile removed": studioChange({ ...BASE, studio: { userProfiles: ["alice"] } }, "st-profile-removed"),
      "the allowlist changed": studioChange({ ...BASE, firewall: { allowedDomains: ["pypi.org", "huggingface.co"] } }, "st-allowlist"),
      "the DNS firewall in alert mode": studioChange({ ...BASE, dnsFirewall: { mode: "alert" } }, "st-dns-alert"),
      "the AZs reordered": studioChange({ availabilityZones: azs("us-east-1", "cab") }, "st-reorder"),
      "an AZ added": studioChange({ availabilityZones: azs("us-east-1", "abcd") }, "st-add"),
      "an AZ dropped": studioChange({ availabilityZones: azs("us-east-1", "ab") }, "st-drop-az"),
    };
    // A Studio deployed with TLS inspection on (its own deployed state: the base stack replaced by
    // the TLS one), then a user profile added.
    const tlsDeployed = "st-tls-deployed";
    const tlsStudio = () => readFileSync(join(synthEnvironment(TLS_ON).studio, "cdk.tf.json"), "utf8");
    const onTlsDeployed = env.scenario("studio", { ...TLS_ON, studio: { userProfiles: ["anfw-user-profile", "alice"] } }, {
      label: tlsDeployed,
      deployedEdit: (json) => {
        const tls = JSON.parse(tlsStudio());
        for (const k of Object.keys(json)) delete json[k];
        Object.assign(json, tls);
      },
    });
    const TLS_STATE = () => env.editedDeployments[tlsDeployed]!.statePath;
    /** The deployed CA's lifecycle config (the domain's default), not a profile's own. */
    const trustedCaConfig = () => {
      const cas = Object.entries(stateInstances(TLS_STATE(), "aws_sagemaker_studio_lifecycle_config")).filter(([a]) => a.includes(".trusted-ca-"));
      expect(cas).toHaveLength(1);
      return cas[0][1];
    };

    /** The Studio stack of `raw`, its cdk.tf.json edited by `edit`, planned alone against `statePath`. */
    const planStudio = async (raw: Record<string, unknown>, statePath: string, label: string, edit?: (json: Json) => void) => {
      const stackDir = synthEnvironment(raw).studio;
      if (edit) editStack(stackDir, edit);
      const dir = withRealProvider(stackDir, env.stubs.workloads, { label });
      created.push(dir);
      return tryPlan(dir, { refresh: false, state: statePath });
    };

    test.each(Object.entries(batched))("%s: the domain is not updated", async (_label, planned) => {
      const json = await planned();
      expect(domainChanges(json)).toEqual([]);
    });

    test("adding and removing user profiles creates and deletes only those profiles and their own resources", async () => {
      const added = summarize(await batched["a user profile added"]());
      expect(byAction(added, "delete")).toEqual([]);
      expect(added.some((c) => c.address.startsWith("aws_sagemaker_user_profile.") && c.actions.includes("create"))).toBe(true);
      const removed = summarize(await batched["a user profile removed"]());
      const profiles = (action: string) => byAction(removed, action).filter((a) => a.startsWith("aws_sagemaker_user_profile."));
      expect({ deleted: profiles("delete").length, created: profiles("create").length }).toEqual({ deleted: 1, created: 1 });
      // nothing but the two profiles' own resources (their roles, groups, policies) is created or deleted
      for (const a of [...byAction(removed, "delete"), ...byAction(removed, "create")]) expect(a).toMatch(/anfw-user-profile|alice/);
    });

    test("a Studio deployed with TLS inspection converges, with the CA's lifecycle config as the domain's default", () => {
      const deployed = env.editedDeployments[tlsDeployed]!;
      expect({ residual: deployed.residual, converged: deployed.converged }).toEqual({ residual: [], converged: true });
      const lc = trustedCaConfig();
      const [domain] = Object.values(stateInstances(TLS_STATE(), "aws_sagemaker_domain"));
      for (const settings of [domain.default_user_settings[0], domain.default_space_settings[0]]) {
        expect(settings.jupyter_lab_app_settings[0].lifecycle_config_arns).toEqual([lc.arn]);
        expect(settings.jupyter_lab_app_settings[0].default_resource_spec[0].lifecycle_config_arn).toBe(lc.arn);
      }
      // Each profile runs its own config instead (the SDK's owner tag, and the CA: an app runs one).
      const configs = stateInstances(TLS_STATE(), "aws_sagemaker_studio_lifecycle_config");
      const profiles = Object.values(stateInstances(TLS_STATE(), "aws_sagemaker_user_profile"));
      expect(profiles.length).toBeGreaterThan(0);
      for (const p of profiles) {
        const [arn] = p.user_settings[0].jupyter_lab_app_settings[0].lifecycle_config_arns;
        expect(p.user_settings[0].jupyter_lab_app_settings[0].default_resource_spec[0].lifecycle_config_arn).toBe(arn);
        const [address, own] = Object.entries(configs).find(([, c]) => c.arn === arn)!;
        expect(address).toMatch(new RegExp(`^aws_sagemaker_studio_lifecycle_config\\.user-lifecycle-${p.user_profile_name}-[0-9a-f]{8}$`));
        expect(Buffer.from(own.studio_lifecycle_config_content, "base64").toString("utf8")).toContain("BEGIN CERTIFICATE");
      }
    });

    test("with TLS inspection on, adding a user profile leaves the domain alone", async () => {
      const json = await onTlsDeployed();
      expect(domainChanges(json)).toEqual([]);
      expect(summarize(json).some((c) => c.address.startsWith("aws_sagemaker_user_profile.") && c.actions.includes("create"))).toBe(true);
    });

    describe("TLS inspection turned on, turned off, or its CA changed: the plan stops with the procedure, changing nothing", () => {
      // Each would change the domain's default lifecycle config, which 5.100.0 cannot apply; and AWS
      // refuses to delete a lifecycle config the domain still names.
      const expectStopped = (r: { code: number; output: string }) => {
        expect(r.code).not.toBe(0);
        expect(r.output).toContain("hashicorp/aws 5.100.0 cannot update a VpcOnly domain (provider issue #45528), so this plan changes nothing");
        expect(r.output).toMatch(/aws sagemaker update-domain --domain-id d-[0-9a-f]+ --default-user-settings/);
        // only that error
        expect(r.output.match(/Error:/g)).toHaveLength(1);
      };

      test("turned on: first create the new lifecycle config alone (-target), then update-domain with its ARN", async () => {
        const r = await planStudio(TLS_ON, env.states.studio!.statePath, "st-tls-on");
        expectStopped(r);
        expect(r.output).toContain("runs the JupyterLab lifecycle config(s) [] by default");
        expect(r.output).toMatch(/terraform -chdir=cdktf\.out\/stacks\/test-studio apply -target=aws_sagemaker_studio_lifecycle_config\.trusted-ca-[0-9a-f]{8}/);
        expect(r.output).toMatch(new RegExp(`"LifecycleConfigArns":\\["arn:aws:sagemaker:us-east-1:${ACCOUNT}:studio-lifecycle-config/sagemaker-studio-anfw-test-studio-trusted-ca-[0-9a-f]{8}"\\]`));
      });

      test("turned off: update-domain to no lifecycle config, then deploy (which deletes it)", async () => {
        const r = await planStudio(BASE, TLS_STATE(), "st-tls-off");
        expectStopped(r);
        expect(r.output).toContain(`"LifecycleConfigArns":[]`);
        expect(r.output).not.toContain("-target=");
      });

      test("a new CA: a lifecycle config of its own, named after its script's digest, next to the old one", async () => {
        const dir = mkdtempSync(join(tmpdir(), "ca-"));
        // Another certificate (its format is all the config checks): one base64 character changed.
        const pem = readFileSync(join(FIXTURES, "inspection-ca.pem"), "utf8").replace(/(-----\n[A-Za-z0-9+/]{10})([A-Za-z0-9+/])/, (_m, head: string, c: string) => `${head}${c === "A" ? "B" : "A"}`);
        writeFileSync(join(dir, "ca.pem"), pem);
        created.push(dir);
        const r = await planStudio({ ...BASE, firewall: { tlsInspection: { ...TLS, caCertificateFile: join(dir, "ca.pem") } } }, TLS_STATE(), "st-tls-new-ca");
        expectStopped(r);
        const lc = trustedCaConfig();
        expect(r.output).toContain(`runs the JupyterLab lifecycle config(s) ["${lc.studio_lifecycle_config_name}"] by default`);
        const wanted = /-target=aws_sagemaker_studio_lifecycle_config\.(trusted-ca-[0-9a-f]{8})/.exec(r.output)?.[1];
        expect(wanted).toBeDefined();
        expect(`sagemaker-studio-anfw-test-studio-${wanted}`).not.toBe(lc.studio_lifecycle_config_name);
      });
    });

    describe("AWS's image fields next to the lifecycle config (provider issue #39894)", () => {
      // After CreateDomain, AWS returns the JupyterLab default resource spec with the image it chose
      // (the values of the report); the configuration never sets them.
      const withAwsImage = () => {
        const state = JSON.parse(readFileSync(TLS_STATE(), "utf8"));
        const [domain] = state.resources.filter((r: Json) => r.type === "aws_sagemaker_domain");
        const attrs = domain.instances[0].attributes;
        const profiles = state.resources.filter((r: Json) => r.type === "aws_sagemaker_user_profile").map((r: Json) => r.instances[0].attributes.user_settings[0]);
        expect(profiles.length).toBeGreaterThan(0);
        // The domain's defaults, and (UpdateUserProfile and CreateUserProfile answer alike) each profile's own.
        // Code Editor's default resource spec is the same API type next to its lifecycle config (profiles only).
        const specs = [attrs.default_user_settings[0], attrs.default_space_settings[0], ...profiles].map((s: Json) => s.jupyter_lab_app_settings[0].default_resource_spec[0]);
        specs.push(...profiles.map((s: Json) => s.code_editor_app_settings[0].default_resource_spec[0]));
        for (const spec of specs) {
          Object.assign(spec, {
            sagemaker_image_arn: "arn:aws:sagemaker:us-east-1:885854791233:image/sagemaker-distribution-cpu",
            sagemaker_image_version_alias: "2.0.0",
          });
        }
        const path = join(mkdtempSync(join(tmpdir(), "state-")), "aws-filled.tfstate");
        writeFileSync(path, JSON.stringify(state));
        created.push(join(path, ".."));
        return path;
      };

      test("plan no change", async () => {
        const r = await planStudio(TLS_ON, withAwsImage(), "st-aws-image");
        expect({ code: r.code, noChanges: r.json?.no_changes }).toEqual({ code: 0, noChanges: true });
      });

      test("(without the domain's ignore_changes on its JupyterLab defaults, the same plan would update the domain: the case is real)", async () => {
        const r = await planStudio(TLS_ON, withAwsImage(), "st-aws-image-broken", (json) => {
          for (const d of Object.values<Json>(json.resource.aws_sagemaker_domain)) d.lifecycle.ignore_changes = ["subnet_ids"];
        });
        expect(r.json && domainChanges(r.json)).toEqual([["update"]]);
      });

      test("(without the profiles' ignore_changes on those image fields, the same plan would update every profile: the case is real)", async () => {
        const r = await planStudio(TLS_ON, withAwsImage(), "st-aws-image-profiles-broken", (json) => {
          for (const p of Object.values<Json>(json.resource.aws_sagemaker_user_profile)) delete p.lifecycle;
        });
        const profiles = r.json?.resource_changes.filter((c: Json) => c.type === "aws_sagemaker_user_profile").map((c: Json) => c.change.actions);
        expect(profiles).toEqual([["update"]]);
      });
    });
  });

  describe("upgrading an environment 71acc53 deployed (before issue 22) to today's stacks", () => {
    // The deployed states are built from the stacks 71acc53 synthesized for this file's BASE config
    // (fixtures/upgrade-71acc53, made by that commit's own code: see its README), never from the code
    // under test; today's stacks for the same config are planned against them, in the same batch.
    const UPGRADE = join(__dirname, "fixtures", "upgrade-71acc53");
    const as71acc53 = (kind: "network" | "studio" | "notebook") => (json: Json) => {
      const old = JSON.parse(readFileSync(join(UPGRADE, `${kind}.cdk.tf.json`), "utf8"));
      for (const k of Object.keys(json)) delete json[k];
      Object.assign(json, old);
    };
    const upgrade = {
      network: env.scenario("network", BASE, { label: "upgrade-71acc53-network", deployedEdit: as71acc53("network") }),
      studio: env.scenario("studio", BASE, { label: "upgrade-71acc53-studio", deployedEdit: as71acc53("studio") }),
      notebook: env.scenario("notebook", BASE, { label: "upgrade-71acc53-notebook", deployedEdit: as71acc53("notebook") }),
    };
    // What holds data or identity: deleting or replacing any of these loses users' work, keys, or
    // the ARNs that policies and users' tags name.
    const KEPT = /^aws_(sagemaker_domain|sagemaker_user_profile|sagemaker_notebook_instance|sagemaker_space|s3_bucket|kms_key|kms_alias|iam_role|efs_file_system|vpc|subnet|networkfirewall_firewall|cloudwatch_log_group)$/;
    const sorted = (json: Json) => summarize(json).sort((a, b) => a.address.localeCompare(b.address));
    /** Each role's policy changes, as [address prefix, action], for `sorted`'s order (by address). */
    const policyParts = (role: string): Array<[string, string]> => [
      [`aws_iam_policy.${role}_policy-jobs_`, "update"],
      [`aws_iam_policy.${role}_policy-ownership_`, "create"],
      [`aws_iam_policy.${role}_policy-read_`, "create"],
      [`aws_iam_policy.${role}_policy-workload_`, "update"],
      [`aws_iam_role_policy_attachment.${role}_policy-attachment-ownership_`, "create"],
      [`aws_iam_role_policy_attachment.${role}_policy-attachment-read_`, "create"],
    ];
    const expectedChanges = (parts: Array<[string, string]>) =>
      [...parts].sort(([a], [b]) => a.localeCompare(b)).map(([prefix, action]) => ({ address: expect.stringMatching(new RegExp(`^${prefix.replace(/\./g, "\\.")}`)), actions: [action] }));
    const actionsOf = (json: Json, type: string) => json.resource_changes.filter((c: Json) => c.type === type).map((c: Json) => c.change.actions);

    test.each(["network", "studio", "notebook"] as const)("%s: 71acc53's stack converges, and the upgrade deletes or replaces nothing that holds data or identity", async (kind) => {
      expect(env.editedDeployments[`upgrade-71acc53-${kind}`]!.residual).toEqual([]);
      const json = await upgrade[kind]();
      const kept = json.resource_changes.filter((c: Json) => KEPT.test(c.type));
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.filter((c: Json) => c.change.actions.includes("delete"))).toEqual([]);
      // Nothing anywhere is replaced (a replace is a delete and a create).
      expect(json.resource_changes.filter((c: Json) => c.action_reason?.startsWith("replace") || (c.change.actions.includes("create") && c.change.actions.includes("delete")))).toEqual([]);
    });

    test("Studio: the UI endpoint is destroyed (opt-in now: studio.uiEndpoint); each role's jobs and workload policies update in place, its read and ownership parts are created and attached; the profile's own JupyterLab and Code Editor lifecycle configs are created and the profile updated in place to run them; the domain is not updated", async () => {
      const json = await upgrade.studio();
      expect(sorted(json)).toEqual(
        expectedChanges([
          ...policyParts("execution-role"),
          ...policyParts("user-role-anfw-user-profile"),
          ["aws_sagemaker_studio_lifecycle_config.user-code-editor-lifecycle-anfw-user-profile-", "create"],
          ["aws_sagemaker_studio_lifecycle_config.user-lifecycle-anfw-user-profile-", "create"],
          ["aws_sagemaker_user_profile.studio_anfw-user-profile_", "update"],
          ["aws_vpc_endpoint.studio-endpoint", "delete"],
        ]),
      );
      // No TLS inspection in BASE: no lifecycle config of the domain's, so its postcondition has nothing to stop on.
      expect(actionsOf(json, "aws_sagemaker_domain")).toEqual([["no-op"]]);
      const [profile] = json.resource_changes.filter((c: Json) => c.type === "aws_sagemaker_user_profile");
      // The profile's JupyterLab settings are all that changes: nothing else of the profile, and the lifecycle config is the new one.
      const { jupyter_lab_app_settings: before, code_editor_app_settings: ceBefore, ...restBefore } = profile.change.before.user_settings[0];
      const { jupyter_lab_app_settings: after, code_editor_app_settings: ceAfter, ...restAfter } = profile.change.after.user_settings[0];
      // (an unset optional string is "" in the state and null in the plan: the provider reads them as one)
      const unset = (o: Json) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === "" ? null : v]));
      expect({ before, ceBefore, restAfter: unset(restAfter) }).toEqual({ before: [], ceBefore: [], restAfter: unset(restBefore) });
      expect(after).toHaveLength(1);
      expect(ceAfter).toHaveLength(1);
    });

    test("notebook: the UI endpoint is destroyed (opt-in now: notebook.uiEndpoint); the role's jobs and workload policies update in place, its read and ownership parts are created and attached; an on-start lifecycle config is created and the instance updated in place to run it", async () => {
      const json = await upgrade.notebook();
      expect(sorted(json)).toEqual(
        expectedChanges([
          ...policyParts("execution-role"),
          ["aws_sagemaker_notebook_instance.notebook_instance_", "update"],
          ["aws_sagemaker_notebook_instance_lifecycle_configuration.notebook_lifecycle_", "create"],
          ["aws_vpc_endpoint.notebook-endpoint", "delete"],
        ]),
      );
    });

    test("network: five in-place updates (the firewall's hygiene and refusals groups' rules, the DNS allowlist, the ECR endpoints' policies); nothing created or deleted, no output changed", async () => {
      const json = await upgrade.network();
      expect(sorted(json)).toEqual(
        expectedChanges([
          ["aws_networkfirewall_rule_group.network_inspection_protocol-hygiene_", "update"],
          ["aws_networkfirewall_rule_group.network_inspection_refusals_", "update"],
          ["aws_route53_resolver_firewall_domain_list.dns-firewall_allowed_", "update"],
          ["aws_vpc_endpoint.endpoints_interface-ecrapi_", "update"],
          ["aws_vpc_endpoint.endpoints_interface-ecrdkr_", "update"],
        ]),
      );
      expect(outputChanges(json)).toEqual([]);
    });
  });
});

