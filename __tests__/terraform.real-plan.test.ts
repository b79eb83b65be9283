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
 *   domain or a user profile.
 */
import { azs } from "./support/synth";
import { ACCOUNT, editedContract, NEW_AZ_SUBNET, synthEnvironment, ZONES } from "./support/plan-scenarios";
// The plan review's tests on real plans run in this file's worker, sharing its deployed environment
// through the terraform result cache (see there).
import "./terraform.plan-review.cases";
import {
  AwsStub,
  AwsStubOptions,
  ChangeSummary,
  expectFailingPlan,
  deployedState,
  DeployedState,
  planAgainst,
  removeDirs,
  runTerraform,
  startAwsStub,
  summarize,
  withRealProvider,
} from "./support/real-plan";
import { describeWithTerraform } from "./support/terraform";


const BASE = { availabilityZones: azs("us-east-1", "abc") };
const created: string[] = [];
function realDir(stackDir: string, stub: AwsStub, label: string): string {
  const dir = withRealProvider(stackDir, stub, { label });
  created.push(dir);
  return dir;
}

/** "aws_subnet.network_us-east-1d_workload_subnet_ABC" -> "us-east-1d", or undefined. */
const azOf = (address: string) => /(us-east-1[a-f])/.exec(address)?.[1];
const byAction = (changes: ChangeSummary[], action: string) => changes.filter((c) => c.actions.includes(action)).map((c) => c.address);

/** A plan of `stackDir` against a stub made from `stubOptions`, expected to fail; returns terraform's output. */
const failingPlan = (stubOptions: AwsStubOptions, stackDir: string, label: string) => expectFailingPlan(stubOptions, stackDir, label, created);

describeWithTerraform("real provider: an environment deployed, then changed", () => {
  let stub: AwsStub;
  let network: DeployedState;
  let networkDir: string;
  const base = synthEnvironment(BASE);
  const planNetwork = async (raw: Record<string, unknown>, label: string) =>
    summarize(await planAgainst(realDir(synthEnvironment(raw).network, stub, label), network.statePath));

  beforeAll(async () => {
    stub = await startAwsStub({ accountId: ACCOUNT, zones: ZONES });
    networkDir = realDir(base.network, stub, "network");
    network = await deployedState(networkDir, stub);
  });
  afterAll(async () => {
    await stub?.close();
    removeDirs(...created);
  });

  test("the network converges to a state that plans no change, and plans call only the stubbed AWS APIs", () => {
    expect(network.residual).toEqual([]);
    expect(network.converged).toBe(true);
    expect(stub.unexpected()).toEqual([]);
    expect(new Set(stub.calls.map((c) => c.action))).toEqual(new Set(["GetCallerIdentity", "GetUser", "DescribeAvailabilityZones", "DescribeVpcEndpointServices"]));
  });

  test("reordering the AZs plans no change at all", async () => {
    expect(await planNetwork({ availabilityZones: azs("us-east-1", "cab") }, "reorder")).toEqual([]);
  });

  test("adding an AZ only creates that AZ's resources and updates others in place", async () => {
    const changes = await planNetwork({ availabilityZones: azs("us-east-1", "abcd") }, "add-az");
    expect(byAction(changes, "delete")).toEqual([]);
    const creates = byAction(changes, "create");
    expect(creates.length).toBeGreaterThan(10); // 3 subnets, 3 route tables, EIP, NAT, routes...
    expect(creates.filter((a) => azOf(a) !== "us-east-1d")).toEqual([]);
    // In place: what spans every AZ (firewall mapping, endpoints, contract) and the existing AZs'
    // firewall routes (their endpoint map entry is "known after apply" while the mapping changes).
    for (const a of byAction(changes, "update")) expect(a).toMatch(/^aws_(networkfirewall_firewall|vpc_endpoint|ssm_parameter|route)\./);
  });

  test("dropping an AZ only deletes that AZ's resources", async () => {
    const changes = await planNetwork({ availabilityZones: azs("us-east-1", "ab") }, "drop-az");
    expect(byAction(changes, "create")).toEqual([]);
    const deletes = byAction(changes, "delete");
    expect(deletes.length).toBeGreaterThan(10);
    expect(deletes.filter((a) => azOf(a) !== "us-east-1c")).toEqual([]);
    for (const a of byAction(changes, "update")) expect(a).toMatch(/^aws_(networkfirewall_firewall|vpc_endpoint|ssm_parameter|route)\./);
  });

  test("changing the allowlist updates, in place, the allowlist rule group and the DNS firewall's domain list, nothing else", async () => {
    // A name added, two removed, one widened to a wildcard: the plan review's allowlist scenario
    // (terraform.plan-review.cases) changes the list the same way, so the result cache answers one
    // of the two plans.
    const allowedDomains = ["pypi.org", ".pythonhosted.org", "www.kaggle.com", "api.kaggle.com", "huggingface.co"];
    const changes = await planNetwork({ ...BASE, firewall: { allowedDomains } }, "allowlist");
    expect(changes).toEqual([
      { address: expect.stringMatching(/^aws_networkfirewall_rule_group\.network_inspection_domain-allowlist_/), actions: ["update"] },
      { address: expect.stringMatching(/^aws_route53_resolver_firewall_domain_list\.dns-firewall_allowed_/), actions: ["update"] },
    ]);
  });

  test("storage.preventDestroy (default on) refuses a plan that destroys the network and its data", async () => {
    const r = await runTerraform(networkDir, ["plan", "-destroy", "-refresh=false", "-input=false", "-lock=false", "-no-color", `-state=${network.statePath}`]);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/Instance cannot be destroyed/);
    expect(r.output).toMatch(/aws_s3_bucket\.data-bucket/);
    expect(r.output).toMatch(/aws_kms_key\.s3-key/);
  });

  describe("workloads on the deployed network", () => {
    let studio: DeployedState;
    let notebook: DeployedState;
    let contractStub: AwsStub;
    const workloadDirs: Record<string, string> = {};

    beforeAll(async () => {
      // The contract the deployed network published, plus a subnet in us-east-1d: what the network
      // publishes once an AZ is added (the workloads are planned after the network is deployed).
      const parameters = editedContract(network.statePath, (c) => (c.workload_subnet_ids["us-east-1d"] = NEW_AZ_SUBNET));
      contractStub = await startAwsStub({ accountId: ACCOUNT, zones: ZONES, parameters });
      workloadDirs.studio = realDir(base.studio, contractStub, "studio");
      workloadDirs.notebook = realDir(base.notebook, contractStub, "notebook");
      studio = await deployedState(workloadDirs.studio, contractStub);
      notebook = await deployedState(workloadDirs.notebook, contractStub);
    });
    afterAll(() => contractStub?.close());

    test("both plan against the published contract and converge, calling only the stubbed AWS APIs", () => {
      expect(studio.residual).toEqual([]);
      expect(notebook.residual).toEqual([]);
      expect(contractStub.unexpected()).toEqual([]);
      expect(contractStub.calls.map((c) => c.action)).toContain("GetParametersByPath");
    });

    test("reordering or adding AZs never changes the notebook, and only updates Studio's role policy in place", async () => {
      for (const [letters, label] of [
        ["cab", "reorder"],
        ["abcd", "add"],
      ] as const) {
        const dirs = synthEnvironment({ availabilityZones: azs("us-east-1", letters) });
        const nb = summarize(await planAgainst(realDir(dirs.notebook, contractStub, `nb-${label}`), notebook.statePath));
        expect({ label, changes: nb }).toEqual({ label, changes: [] });
        const st = summarize(await planAgainst(realDir(dirs.studio, contractStub, `st-${label}`), studio.statePath));
        // Reorder: nothing. Add: the jobs policy of each execution role (the domain default and each
        // user's) names the new AZ's subnet (the domain ignores subnet_ids, see "Known provider limitations").
        expect({ label, changes: st }).toEqual({
          label,
          changes:
            label === "reorder"
              ? []
              : [
                  { address: expect.stringMatching(/^aws_iam_policy\.execution-role_policy-jobs_/), actions: ["update"] },
                  { address: expect.stringMatching(/^aws_iam_policy\.user-role-anfw-user-profile_policy-jobs_/), actions: ["update"] },
                  // the studio endpoint gets an ENI in the new AZ
                  { address: expect.stringMatching(/^aws_vpc_endpoint\.studio-endpoint/), actions: ["update"] },
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
        const dir = realDir(base.notebook, stub, "nb-destroy-orphan");
        const r = await runTerraform(dir, ["plan", "-destroy", "-refresh=false", "-input=false", "-lock=false", "-no-color", `-state=${notebook.statePath}`]);
        expect(r.output).not.toMatch(/Error/);
        expect(r.code).toBe(0);
        expect(r.output).toMatch(/Plan: 0 to add, 0 to change, \d+ to destroy/);
      } finally {
        await stub.close();
      }
    });

    test("a contract without the notebook's AZ stops the notebook's plan with a message", async () => {
      const parameters = editedContract(network.statePath, (c) => delete c.workload_subnet_ids["us-east-1b"]);
      const output = await failingPlan({ accountId: ACCOUNT, zones: ZONES, parameters }, base.notebook, "nb-no-az");
      expect(output).toContain("has no workload subnet in us-east-1b: deploy test-network with the same config first");
    });
  });
});
