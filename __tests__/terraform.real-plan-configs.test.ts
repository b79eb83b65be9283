/**
 * Layer 5, breadth: every stack of a dev-like and a production-like environment (the settings
 * config/dev.json and config/prod.json ship with, built here so that editing config/ never changes
 * a test) plans with the real hashicorp/aws provider against the AWS stub, in that environment's
 * account and region. The workload stacks
 * read a contract as the network would publish it for that environment (IDs are placeholders; the
 * deployed-state tests in terraform.real-plan.test.ts use the network's real published value).
 *
 * Plan-time checks of the network stack, each stopping the plan with its message: credentials for
 * another account, an AZ that is not available, an interface endpoint service not offered in an AZ.
 */
import { Testing } from "cdktf";
import { networkContractParameterName } from "../modules/config/naming";
import { environmentStacks } from "../stacks/environment";
import { azs, envFrom, synthToDir } from "./support/synth";
import { AwsStubOptions, expectFailingPlan, Json, plan, removeDirs, startAwsStub, withRealProviderModules } from "./support/real-plan";
import { ACCOUNT, synthEnvironment, ZONES } from "./support/plan-scenarios";
import { describeWithTerraform } from "./support/terraform";

const DOMAINS = ["pypi.org", "files.pythonhosted.org", "repo.anaconda.com", "conda.anaconda.org", "api.kaggle.com", "www.kaggle.com"];
const environments = [
  // Both workloads, 3 AZs, the notebook in the first.
  envFrom(
    { accountId: "111111111111", availabilityZones: azs("us-east-1", "abc"), firewall: { allowedDomains: DOMAINS }, notebook: { enabled: true, availabilityZone: "us-east-1a" } },
    "config/dev.json",
  ),
  // Studio only, every protection on, longer log retention, another account and VPC range.
  envFrom(
    {
      accountId: "222222222222",
      availabilityZones: azs("us-east-1", "abc"),
      vpcCidr: "10.3.0.0/16",
      firewall: { allowedDomains: DOMAINS, deleteProtection: true, policyChangeProtection: true, subnetChangeProtection: true },
      logging: { retentionDays: 731 },
    },
    "config/prod.json",
  ),
];

/** A contract with every AZ, bucket and key an environment's workloads may ask for. */
function contractFor(env: (typeof environments)[number]): string {
  const arn = (svc: string, res: string) => `arn:aws:${svc}:${env.region}:${env.accountId}:${res}`;
  const bucket = (suffix: string) => ({ name: `${env.projectName}-${env.environment}-${suffix}`, arn: `arn:aws:s3:::${env.projectName}-${env.environment}-${suffix}` });
  return JSON.stringify({
    version: 1,
    vpc_id: "vpc-0aaaaaaaaaaaaaaaa",
    workload_subnet_ids: Object.fromEntries(env.availabilityZones.map((az, i) => [az, `subnet-0${String(i).repeat(16)}`])),
    endpoint_security_group_id: "sg-0eeeeeeeeeeeeeeee",
    s3_endpoint_id: "vpce-0ffffffffffffffff",
    s3_prefix_list_id: "pl-63a5400a",
    key_arns: { s3: arn("kms", "key/11111111-1111-1111-1111-111111111111"), studio_storage: arn("kms", "key/22222222-2222-2222-2222-222222222222") },
    buckets: { data: bucket("data"), models: bucket("models"), notebook: bucket("notebook") },
  });
}

describeWithTerraform("real provider: every stack of a dev-like and a production-like environment plans", () => {
  const dirs: string[] = [];
  afterAll(() => removeDirs(...dirs));

  // One plan per environment, its stacks as child modules of one root (withRealProviderModules).
  test.each(environments.map((env) => [env.sourceFile, env] as const))("%s", async (_file, env) => {
    const stub = await startAwsStub({
      accountId: env.accountId,
      region: env.region,
      zones: env.availabilityZones,
      parameters: { [networkContractParameterName(env)]: contractFor(env) },
    });
    try {
      const stacks = environmentStacks(Testing.app(), env);
      const root = withRealProviderModules(stacks.map((stack) => ({ name: stack.node.id, stackDir: synthToDir(stack) })), stub, { label: env.environment });
      dirs.push(root);
      const changes = (await plan(root)).resource_changes as Json[];
      for (const stack of stacks) {
        const own = changes.filter((c) => c.module_address === `module.${stack.node.id}`).filter((c) => c.change.actions.join() !== "no-op");
        expect({ stack: stack.node.id, nothingButCreates: own.every((c) => c.change.actions.join() === "create" || c.change.actions.join() === "read") }).toEqual({
          stack: stack.node.id,
          nothingButCreates: true,
        });
        expect(own.filter((c) => c.change.actions.join() === "create").length).toBeGreaterThan(stack.kind === "network" ? 100 : 10);
      }
      // Every change belongs to one of the stacks.
      expect(changes.filter((c) => !stacks.some((stack) => c.module_address === `module.${stack.node.id}`))).toEqual([]);
      expect(stub.unexpected()).toEqual([]);
    } finally {
      await stub.close();
    }
  });
});

describeWithTerraform("real provider: plan-time checks", () => {
  const base = synthEnvironment({ availabilityZones: azs("us-east-1", "abc") });
  const created: string[] = [];
  const failingPlan = (stubOptions: AwsStubOptions, stackDir: string, label: string) => expectFailingPlan(stubOptions, stackDir, label, created);
  afterAll(() => removeDirs(...created));

  test("credentials for another account stop the plan, naming the environment and both accounts", async () => {
    const output = await failingPlan({ accountId: "999999999999", zones: ZONES }, base.network, "wrong-account");
    // The provider's allowed_account_ids refuses the credentials; the account check (read with the
    // same credentials through a provider configuration without that list) says which
    // environment expected which account.
    expect(output).toContain("AWS account ID not allowed: 999999999999");
    expect(output).toContain(`Environment "test" (config/test.json) deploys to AWS account ${ACCOUNT}, but these credentials are for account 999999999999`);
  });

  test("an AZ that is not available in the account stops the plan, naming it", async () => {
    const output = await failingPlan({ accountId: ACCOUNT, zones: azs("us-east-1", "ab") }, base.network, "missing-az");
    expect(output).toContain("availabilityZones in config/test.json: us-east-1c is not an available Availability Zone of us-east-1");
  });

  test("an interface endpoint service not offered in an AZ stops the plan, naming service and AZ", async () => {
    // (the SageMaker UI services, which AWS offers in fewer AZs, are opt-in: studio.uiEndpoint; their message is a synth test's)
    const output = await failingPlan({ accountId: ACCOUNT, zones: ZONES, services: { "com.amazonaws.us-east-1.sagemaker.api": azs("us-east-1", "abdef") } }, base.network, "missing-service");
    expect(output).toContain('vpcEndpoints.interfaceServices "sagemaker.api" (com.amazonaws.us-east-1.sagemaker.api) is not offered in us-east-1c');
  });
});
