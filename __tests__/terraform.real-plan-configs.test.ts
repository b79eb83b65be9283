/**
 * Layer 5, breadth: every stack of a dev-like and a production-like environment (the settings
 * config/dev.json and config/prod.json ship with, built here so that editing config/ never changes
 * a test) plans with the real hashicorp/aws provider against the AWS stub, in that environment's
 * account and region. The workload stacks
 * read a contract as the network would publish it for that environment (IDs are placeholders; the
 * deployed-state tests in terraform.real-plan.test.ts use the network's real published value).
 */
import { Testing } from "cdktf";
import { networkContractParameterName } from "../modules/config/naming";
import { environmentStacks } from "../stacks/environment";
import { azs, envFrom, synthToDir } from "./support/synth";
import { plan, removeDirs, startAwsStub, summarize, withRealProvider } from "./support/real-plan";
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

  test.each(environments.map((env) => [env.sourceFile, env] as const))("%s", async (_file, env) => {
    const stub = await startAwsStub({
      accountId: env.accountId,
      region: env.region,
      zones: env.availabilityZones,
      parameters: { [networkContractParameterName(env)]: contractFor(env) },
    });
    try {
      for (const stack of environmentStacks(Testing.app(), env)) {
        const dir = withRealProvider(synthToDir(stack), stub, { label: stack.node.id });
        dirs.push(dir);
        const changes = summarize(await plan(dir));
        expect({ stack: stack.node.id, nothingButCreates: changes.every((c) => c.actions.join() === "create" || c.actions.join() === "read") }).toEqual({
          stack: stack.node.id,
          nothingButCreates: true,
        });
        expect(changes.filter((c) => c.actions.join() === "create").length).toBeGreaterThan(stack.kind === "network" ? 100 : 10);
      }
      expect(stub.unexpected()).toEqual([]);
    } finally {
      await stub.close();
    }
  });
});
