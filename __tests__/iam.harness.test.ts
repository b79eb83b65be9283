/**
 * Proves the IAM evaluation harness (support/iam.ts) on the Studio stack: the rendered documents,
 * a few decisions it must get right, and that each of those decisions flips on a deliberately broken
 * copy of the policy it depends on (so the scenario would catch that breakage). Also proves that the
 * action / condition-key check finds misspellings.
 *
 * The stacks come from the synth helpers: the Studio stack and its network stack of an inline
 * config, rendered together so the network contract the Studio stack reads from SSM resolves to
 * the network's own fakes.
 */
import { TerraformStack } from "cdktf";
import {
  brokenCopy,
  bySid,
  Decision,
  IamPolicy,
  IamStatement,
  Json,
  PolicyUseKind,
  RenderedPolicy,
  RenderedStack,
  renderPolicies,
  simulate,
  SimRequest,
  unknownActionsAndConditionKeys,
} from "./support/iam";
import { studioStack, synthJson } from "./support/synth";

// ----- the stacks under test -----

/** The Studio stack and every stack of its app (its network stack), by stack name. */
function loadStacks(): { stacks: Record<string, Json>; source: string } {
  const studio = studioStack({});
  const all = [studio, ...studio.node.scope!.node.children.filter((c): c is TerraformStack => TerraformStack.isStack(c) && c !== studio)];
  const stacks: Record<string, Json> = Object.fromEntries(all.map((st) => [st.node.id, synthJson(st)]));
  return { stacks, source: `synthJson of ${Object.keys(stacks).join(" + ")}` };
}

const { stacks, source } = loadStacks();
const stack = renderPolicies(stacks);

/** The one resource of `type` whose config satisfies `pred` (fails loudly otherwise). */
function theOne(s: RenderedStack, type: string, what: string, pred: (address: string, cfg: Json) => boolean): string {
  const hits = s.addressesOf(type).filter((a) => pred(a, s.config(a)!));
  if (hits.length !== 1) throw new Error(`${what}: expected one ${type}, found ${hits.length} (${hits.join(", ")}) in ${source}`);
  return hits[0];
}

const docText = (s: RenderedStack, kind: PolicyUseKind, target: string) => JSON.stringify(s.usesOf(kind, target).map((d) => d.document));

/** The resources the scenarios need, found by what they are rather than by construct name. */
function parts(s: RenderedStack) {
  const executionRole = theOne(s, "aws_iam_role", "execution role", (a, c) => docText(s, "trust-policy", a).includes('"sagemaker.amazonaws.com"') && String(c.name).endsWith("-sagemaker-studio"));
  const flowLogsRole = theOne(s, "aws_iam_role", "flow-logs role", (a) => docText(s, "trust-policy", a).includes('"vpc-flow-logs.amazonaws.com"'));
  const dataBucket = theOne(s, "aws_s3_bucket", "data bucket", (a) => s.fakeOf(a, "bucket").endsWith("-data"));
  const logBucket = theOne(s, "aws_s3_bucket", "access-log bucket", (a) => docText(s, "bucket-policy", a).includes('"logging.s3.amazonaws.com"'));
  const s3Endpoint = theOne(s, "aws_vpc_endpoint", "S3 gateway endpoint", (_, c) => c.vpc_endpoint_type === "Gateway" && /\.s3$/.test(c.service_name));
  const logsKey = theOne(s, "aws_kms_key", "key of the log groups", (a) => /"logs\.[a-z0-9-]+\.amazonaws\.com"/.test(docText(s, "key-policy", a)));
  const s3Key = theOne(s, "aws_kms_key", "key of the buckets", (a) => /"s3\.[a-z0-9-]+\.amazonaws\.com"/.test(docText(s, "key-policy", a)));
  const roleArn = s.fakeOf(executionRole, "arn");
  const role = { arn: roleArn, identityPolicies: s.identityPoliciesOfRole(executionRole) };
  const endpoint = { id: s.fakeOf(s3Endpoint, "id"), policy: s.endpointPolicyOf(s3Endpoint) };
  return { executionRole, flowLogsRole, dataBucket, logBucket, s3Endpoint, logsKey, s3Key, roleArn, role, endpoint };
}

/** The policy document behind a use (e.g. the bucket policy of a bucket; "identity": the role's only identity document). */
/** The one document of `kind` for `target`; for a role's identity policies (several), the one `pick` selects. */
function docOf(s: RenderedStack, kind: PolicyUseKind | "identity", target: string, pick: (doc: RenderedPolicy) => boolean = () => true): RenderedPolicy {
  const hits =
    kind === "identity"
      ? s.all().filter((d) => s.identityPoliciesOfRole(target).some((p) => p.name === d.address) && pick(d))
      : s.usesOf(kind, target);
  if (hits.length !== 1) throw new Error(`${kind} of ${target}: ${hits.length} documents`);
  return hits[0];
}

/** A deep copy of the stacks with one policy document's raw statements edited. */
function broken(edit: (s: RenderedStack) => { doc: RenderedPolicy; change: (statements: Json[]) => void }): RenderedStack {
  const { doc, change } = edit(stack);
  return brokenCopy(stacks, doc, change);
}


/** The kms:EncryptionContext:aws:logs:arn condition block of a key policy's statements. */
function encryptionContextCondition(statements: Json[]): Json {
  for (const st of statements) for (const c of st.condition ?? []) if (/^kms:EncryptionContext:aws:logs:arn$/i.test(c.variable)) return c;
  throw new Error("no kms:EncryptionContext:aws:logs:arn condition");
}

const dropSid = (sid: string) => (statements: Json[]) => {
  statements.splice(statements.indexOf(bySid(statements, sid)), 1);
};

const timings: number[] = [];
async function decide(req: SimRequest): Promise<{ decision: Decision; explanation: string }> {
  const t = process.hrtime.bigint();
  const r = await simulate(req);
  timings.push(Number(process.hrtime.bigint() - t) / 1e6);
  return r;
}

afterAll(() => {
  if (!timings.length) return;
  const sorted = [...timings].sort((a, b) => a - b);
  const sum = sorted.reduce((x, y) => x + y, 0);
  process.stdout.write(
    `iam harness (${source}): ${timings.length} simulations, total ${sum.toFixed(0)} ms, median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms\n`,
  );
});

// ----- rendering -----

describe("renderPolicies", () => {
  const p = parts(stack);

  test("every reference resolves; fakes are built from the referenced resource's config and map back", () => {
    expect(stack.unresolved).toEqual([]);
    const bucket = stack.fakeOf(p.dataBucket, "bucket");
    expect(bucket).toMatch(new RegExp(`^sagemaker-studio-anfw-[a-z]+-${stack.accountId}-${stack.region}-data$`));
    expect(stack.fakeOf(p.dataBucket, "arn")).toBe(`arn:aws:s3:::${bucket}`);
    expect(p.roleArn).toBe(`arn:aws:iam::111122223333:role/${stack.config(p.executionRole)!.name}`);
    expect(stack.fakeOf(p.logsKey, "arn")).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(p.endpoint.id).toMatch(/^vpce-[0-9a-f]{17}$/);
    expect(stack.fakeOf(stack.addressesOf("aws_sagemaker_domain")[0], "id")).toMatch(/^d-[a-z0-9]{12}$/);
    for (const [address, attr] of [
      [p.dataBucket, "arn"],
      [p.executionRole, "arn"],
      [p.s3Endpoint, "id"],
      [p.logsKey, "arn"],
    ]) {
      expect(stack.addressOfFake(stack.fakeOf(address, attr))).toEqual({ address, attr });
    }
    // Different renderings with other fakes
    const other = renderPolicies(stacks, { accountId: "444455556666" });
    expect(other.fakeOf(p.dataBucket, "arn")).toContain("-444455556666-");
  });

  test("IAM JSON: wildcard principal, service principals, conditions grouped by operator then key", () => {
    const bucketPolicy = stack.bucketPolicyOf(p.dataBucket);
    const deny = bucketPolicy.Statement.find((s) => s.Sid === "DenyInsecureTransport")!;
    expect(deny).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Action: ["s3:*"],
      Resource: [stack.fakeOf(p.dataBucket, "arn"), `${stack.fakeOf(p.dataBucket, "arn")}/*`],
      Principal: "*",
      Condition: { Bool: { "aws:SecureTransport": ["false"] } },
    });
    const logDelivery = stack.bucketPolicyOf(p.logBucket).Statement.find((s) => s.Principal !== "*")!;
    expect(logDelivery.Principal).toEqual({ Service: ["logging.s3.amazonaws.com"] });
    expect(Object.keys(logDelivery.Condition!).sort()).toEqual(["ArnLike", "StringEquals"]);
    expect(logDelivery.Condition!.StringEquals).toEqual({ "aws:SourceAccount": ["111122223333"] });
    expect(stack.trustPolicyOf(p.executionRole).Statement[0].Principal).toEqual({ Service: ["sagemaker.amazonaws.com"] });
    expect(JSON.stringify(stack.all().map((d) => d.document))).not.toContain("${");
  });

  test("where each document is used", () => {
    expect(stack.identityPoliciesOfRole(p.executionRole).length).toBeGreaterThanOrEqual(1);
    expect(stack.identityPoliciesOfRole(p.flowLogsRole)).toHaveLength(1);
    expect(stack.keyPolicyOf(p.s3Key).Statement.map((s) => s.Sid)).toContain("AllowAccountAdministration");
    expect(stack.endpointPolicyOf(p.s3Endpoint).Statement.length).toBeGreaterThan(0);
    // every document has a consumer (none is synthesized for nothing)
    expect(stack.all().filter((d) => d.usedBy.length === 0).map((d) => d.address)).toEqual([]);
    expect(() => stack.bucketPolicyOf(stack.address(p.executionRole))).toThrow(/0 bucket-policy documents/);
  });
});

// ----- decisions, each with the broken copy that must flip it -----

interface Scenario {
  name: string;
  expected: Decision;
  /** The Sid the explanation must name (for denials by an explicit statement). */
  because?: RegExp;
  request: (s: RenderedStack) => SimRequest;
  /** A broken copy of the stack on which this scenario must NOT get `expected`. */
  breakage: (s: RenderedStack) => { doc: RenderedPolicy; change: (statements: Json[]) => void };
}

const scenarios: Scenario[] = [
  {
    name: "data bucket: the execution role's s3:GetObject outside the S3 endpoint is explicitly denied",
    expected: "ExplicitlyDenied",
    because: /DenyDataAccessOutsideVpcEndpoint/,
    request: (s) => {
      const p = parts(s);
      return { principal: p.role, action: "s3:GetObject", resource: { arn: `${s.fakeOf(p.dataBucket, "arn")}/train.csv` }, resourcePolicy: s.bucketPolicyOf(p.dataBucket) };
    },
    breakage: (s) => ({ doc: docOf(s, "bucket-policy", parts(s).dataBucket), change: dropSid("DenyDataAccessOutsideVpcEndpoint") }),
  },
  {
    name: "data bucket: from another VPC endpoint (same policy) it is denied too",
    expected: "ExplicitlyDenied",
    because: /DenyDataAccessOutsideVpcEndpoint/,
    request: (s) => {
      const p = parts(s);
      return {
        principal: p.role,
        action: "s3:PutObject",
        resource: { arn: `${s.fakeOf(p.dataBucket, "arn")}/x` },
        resourcePolicy: s.bucketPolicyOf(p.dataBucket),
        endpoint: { id: "vpce-0123456789abcdef0", policy: p.endpoint.policy },
      };
    },
    breakage: (s) => ({
      doc: docOf(s, "bucket-policy", parts(s).dataBucket),
      change: (st) => {
        bySid(st, "DenyDataAccessOutsideVpcEndpoint").condition[0].test = "StringNotLike";
        bySid(st, "DenyDataAccessOutsideVpcEndpoint").condition[0].values = ["vpce-*"];
      },
    }),
  },
  {
    name: "data bucket: the execution role's s3:GetObject through the S3 endpoint is allowed",
    expected: "Allowed",
    request: (s) => {
      const p = parts(s);
      return { principal: p.role, action: "s3:GetObject", resource: { arn: `${s.fakeOf(p.dataBucket, "arn")}/train.csv` }, resourcePolicy: s.bucketPolicyOf(p.dataBucket), endpoint: p.endpoint };
    },
    // the endpoint policy no longer lists the data bucket's objects
    breakage: (s) => ({
      doc: docOf(s, "endpoint-policy", parts(s).s3Endpoint),
      change: (st) => {
        const allow = st.find((x) => (x.resources ?? []).some((r: string) => r.includes(parts(s).dataBucket)))!;
        allow.resources = allow.resources.filter((r: string) => !r.includes(`${parts(s).dataBucket}.arn}/*`));
      },
    }),
  },
  {
    name: "DenyInsecureTransport: aws:SecureTransport=false is explicitly denied even through the endpoint",
    expected: "ExplicitlyDenied",
    because: /DenyInsecureTransport/,
    request: (s) => {
      const p = parts(s);
      return {
        principal: p.role,
        action: "s3:GetObject",
        resource: { arn: `${s.fakeOf(p.dataBucket, "arn")}/train.csv` },
        resourcePolicy: s.bucketPolicyOf(p.dataBucket),
        endpoint: p.endpoint,
        context: { "aws:SecureTransport": "false" },
      };
    },
    breakage: (s) => ({ doc: docOf(s, "bucket-policy", parts(s).dataBucket), change: dropSid("DenyInsecureTransport") }),
  },
  {
    name: "DenyInsecureTransport: even the log-delivery service is denied over plain HTTP on the log bucket",
    expected: "ExplicitlyDenied",
    because: /DenyInsecureTransport/,
    request: (s) => {
      const p = parts(s);
      return {
        principal: { service: "logging.s3.amazonaws.com", sourceAccount: s.accountId, sourceArn: s.fakeOf(p.dataBucket, "arn") },
        action: "s3:PutObject",
        resource: { arn: `${s.fakeOf(p.logBucket, "arn")}/x`, account: s.accountId },
        resourcePolicy: s.bucketPolicyOf(p.logBucket),
        context: { "aws:SecureTransport": "false" },
      };
    },
    breakage: (s) => ({ doc: docOf(s, "bucket-policy", parts(s).logBucket), change: (st) => (bySid(st, "DenyInsecureTransport").condition[0].values = ["true"]) }),
  },
  {
    name: "the execution role may not iam:PassRole itself to ec2.amazonaws.com",
    expected: "ImplicitlyDenied",
    request: (s) => {
      const p = parts(s);
      return { principal: p.role, action: "iam:PassRole", resource: { arn: p.roleArn }, context: { "iam:PassedToService": "ec2.amazonaws.com" } };
    },
    breakage: (s) => ({
      doc: docOf(s, "identity", parts(s).executionRole, (d) => d.document.Statement.some((st) => [st.Action].flat().includes("iam:PassRole"))),
      change: (st) => (st.find((x) => (x.actions ?? []).includes("iam:PassRole"))!.condition = undefined),
    }),
  },
  {
    name: "the execution role may iam:PassRole itself to sagemaker.amazonaws.com",
    expected: "Allowed",
    request: (s) => {
      const p = parts(s);
      return { principal: p.role, action: "iam:PassRole", resource: { arn: p.roleArn }, context: { "iam:PassedToService": "sagemaker.amazonaws.com" } };
    },
    breakage: (s) => ({
      doc: docOf(s, "identity", parts(s).executionRole, (d) => d.document.Statement.some((st) => [st.Action].flat().includes("iam:PassRole"))),
      change: (st) => (st.find((x) => (x.actions ?? []).includes("iam:PassRole"))!.condition[0].values = ["sagemaker.amazonaws.com.cn"]),
    }),
  },
  {
    name: "sagemaker.amazonaws.com may assume the execution role",
    expected: "Allowed",
    request: (s) => {
      const p = parts(s);
      return { principal: { service: "sagemaker.amazonaws.com" }, action: "sts:AssumeRole", resource: { arn: p.roleArn, account: s.accountId }, resourcePolicy: s.trustPolicyOf(p.executionRole) };
    },
    // the trust now wants another source account
    breakage: (s) => ({
      doc: docOf(s, "trust-policy", parts(s).executionRole),
      change: (st) => (st[0].condition = [...(st[0].condition ?? []), { test: "StringEquals", variable: "aws:SourceAccount", values: ["999988887777"] }]),
    }),
  },
  {
    name: "vpc-flow-logs.amazonaws.com may assume the flow-logs role for a flow log of this account",
    expected: "Allowed",
    request: (s) => {
      const p = parts(s);
      return {
        principal: { service: "vpc-flow-logs.amazonaws.com", sourceAccount: s.accountId, sourceArn: `arn:aws:ec2:${s.region}:${s.accountId}:vpc-flow-log/fl-0123456789abcdef0` },
        action: "sts:AssumeRole",
        resource: { arn: s.fakeOf(p.flowLogsRole, "arn"), account: s.accountId },
        resourcePolicy: s.trustPolicyOf(p.flowLogsRole),
      };
    },
    breakage: (s) => ({ doc: docOf(s, "trust-policy", parts(s).flowLogsRole), change: (st) => (st[0].condition.find((c: Json) => c.variable === "aws:SourceArn").values = ["arn:aws:ec2:*:*:vpc-flow-log/fl-other"]) }),
  },
  {
    name: "vpc-flow-logs.amazonaws.com acting for another account (confused deputy) may not assume the flow-logs role",
    expected: "ImplicitlyDenied",
    request: (s) => {
      const p = parts(s);
      return {
        principal: { service: "vpc-flow-logs.amazonaws.com", sourceAccount: "999988887777", sourceArn: `arn:aws:ec2:${s.region}:999988887777:vpc-flow-log/fl-0123456789abcdef0` },
        action: "sts:AssumeRole",
        resource: { arn: s.fakeOf(p.flowLogsRole, "arn"), account: s.accountId },
        resourcePolicy: s.trustPolicyOf(p.flowLogsRole),
      };
    },
    breakage: (s) => ({ doc: docOf(s, "trust-policy", parts(s).flowLogsRole), change: (st) => (st[0].condition = undefined) }),
  },
  {
    name: "logs.<region>.amazonaws.com may use the log key for a log group of this account",
    expected: "Allowed",
    request: (s) => {
      const p = parts(s);
      return {
        principal: { service: `logs.${s.region}.amazonaws.com` },
        action: "kms:GenerateDataKey",
        resource: { arn: s.fakeOf(p.logsKey, "arn"), account: s.accountId },
        resourcePolicy: s.keyPolicyOf(p.logsKey),
        context: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${s.region}:${s.accountId}:log-group:/aws/vpc-flow-logs/x` },
      };
    },
    breakage: (s) => ({
      doc: docOf(s, "key-policy", parts(s).logsKey),
      change: (st) => (encryptionContextCondition(st).values = ["arn:aws:logs:eu-west-1:*:log-group:*"]),
    }),
  },
  {
    name: "logs.<region>.amazonaws.com may not use the log key for another account's log group",
    expected: "ImplicitlyDenied",
    request: (s) => {
      const p = parts(s);
      return {
        principal: { service: `logs.${s.region}.amazonaws.com` },
        action: "kms:Decrypt",
        resource: { arn: s.fakeOf(p.logsKey, "arn"), account: s.accountId },
        resourcePolicy: s.keyPolicyOf(p.logsKey),
        context: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${s.region}:999988887777:log-group:stolen` },
      };
    },
    breakage: (s) => ({ doc: docOf(s, "key-policy", parts(s).logsKey), change: (st) => {
        const grant = st.find((x) => (x.condition ?? []).includes(encryptionContextCondition(st)))!;
        grant.condition = grant.condition.filter((c: Json) => c !== encryptionContextCondition(st));
      },
    }),
  },
  {
    name: "logging.s3.amazonaws.com may deliver access logs of the data bucket",
    expected: "Allowed",
    request: (s) => {
      const p = parts(s);
      return {
        principal: { service: "logging.s3.amazonaws.com", sourceAccount: s.accountId, sourceArn: s.fakeOf(p.dataBucket, "arn") },
        action: "s3:PutObject",
        resource: { arn: `${s.fakeOf(p.logBucket, "arn")}/data/2026-01-15-12-00-00-ABCDEF`, account: s.accountId },
        resourcePolicy: s.bucketPolicyOf(p.logBucket),
      };
    },
    breakage: (s) => ({
      doc: docOf(s, "bucket-policy", parts(s).logBucket),
      change: (st) => (st.find((x) => (x.principals ?? []).some((q: Json) => q.type === "Service"))!.condition.find((c: Json) => c.variable === "aws:SourceArn").test = "ArnNotLike"),
    }),
  },
  {
    name: "logging.s3.amazonaws.com may not write logs of a foreign bucket into the log bucket",
    expected: "ImplicitlyDenied",
    request: (s) => {
      const p = parts(s);
      return {
        principal: { service: "logging.s3.amazonaws.com", sourceAccount: s.accountId, sourceArn: "arn:aws:s3:::someone-elses-bucket" },
        action: "s3:PutObject",
        resource: { arn: `${s.fakeOf(p.logBucket, "arn")}/x`, account: s.accountId },
        resourcePolicy: s.bucketPolicyOf(p.logBucket),
      };
    },
    breakage: (s) => ({
      doc: docOf(s, "bucket-policy", parts(s).logBucket),
      change: (st) => {
        const delivery = st.find((x) => (x.principals ?? []).some((q: Json) => q.type === "Service"))!;
        delivery.condition = delivery.condition.filter((c: Json) => c.variable !== "aws:SourceArn");
      },
    }),
  },
  {
    name: "the execution role may decrypt with the bucket key when S3 calls KMS for it",
    expected: "Allowed",
    request: (s) => {
      const p = parts(s);
      return {
        principal: p.role,
        action: "kms:Decrypt",
        resource: { arn: s.fakeOf(p.s3Key, "arn") },
        resourcePolicy: s.keyPolicyOf(p.s3Key),
        viaService: `s3.${s.region}.amazonaws.com`,
      };
    },
    // The key policy names another region's S3 (and delegates nothing unconditionally to IAM).
    breakage: (s) => ({
      doc: docOf(s, "key-policy", parts(s).s3Key),
      change: (st) => {
        st.splice(0, st.length, ...st.filter((x) => !(x.actions ?? []).includes("kms:*")));
        for (const x of st) for (const c of x.condition ?? []) if (c.variable === "kms:ViaService") c.values = ["s3.eu-west-1.amazonaws.com"];
      },
    }),
  },
];

describe("decisions", () => {
  test.each(scenarios.map((s) => [s.name, s] as const))("%s", async (_, scenario) => {
    const result = await decide(scenario.request(stack));
    expect({ decision: result.decision, explanation: result.explanation }).toEqual({ decision: scenario.expected, explanation: expect.any(String) });
    if (scenario.because) expect(result.explanation).toMatch(scenario.because);

    const onBroken = await decide(scenario.request(broken(scenario.breakage)));
    expect(onBroken.decision).not.toBe(scenario.expected);
  });

  test("kms:EncryptionContext:<key>, which iam-simulate alone drops, is re-admitted and decides", async () => {
    const p = parts(stack);
    const key = "kms:EncryptionContext:aws:logs:arn";
    const req = (logGroupAccount: string): SimRequest => ({
      principal: { service: `logs.${stack.region}.amazonaws.com` },
      action: "kms:Encrypt",
      resource: { arn: stack.fakeOf(p.logsKey, "arn"), account: stack.accountId },
      resourcePolicy: stack.keyPolicyOf(p.logsKey),
      context: { [key]: `arn:aws:logs:${stack.region}:${logGroupAccount}:log-group:g` },
    });
    const ours = await simulate(req(stack.accountId));
    expect([ours.decision, ours.readmittedContextKeys, ours.ignoredContextKeys]).toEqual(["Allowed", [key], []]);
    expect((await simulate(req("999988887777"))).decision).toBe("ImplicitlyDenied");
  });

  test("a failure says why, an endpoint policy needs the request to come through an endpoint", async () => {
    const p = parts(stack);
    const r = await simulate({ principal: p.role, action: "iam:PassRole", resource: { arn: p.roleArn }, context: { "iam:PassedToService": "ec2.amazonaws.com" } });
    expect(r.explanation).toMatch(/No applicable Allow in identity policies/);
    await expect(
      simulate({ principal: p.role, action: "s3:GetObject", resource: { arn: `${stack.fakeOf(p.dataBucket, "arn")}/x` }, endpointPolicy: p.endpoint.policy }),
    ).rejects.toThrow(/through the endpoint/);
    await expect(simulate({ principal: p.role, action: "s3:GetObjekt", resource: { arn: `${stack.fakeOf(p.dataBucket, "arn")}/x` } })).rejects.toThrow(/invalid.action/);
  });
});

// ----- actions and condition keys -----

describe("unknownActionsAndConditionKeys", () => {
  test("the stack's policies use only real actions and condition keys", async () => {
    expect(await unknownActionsAndConditionKeys(stack)).toEqual([]);
  });

  test("templated keys and wildcards that exist are accepted", async () => {
    const ok: IamPolicy = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:Get*Tagging", "kms:Decrypt", "ec2:Describe*"],
          Resource: ["*"],
          Condition: {
            StringEquals: { "s3:ExistingObjectTag/classification": ["public"], "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::b"], "aws:PrincipalTag/team": ["ml"] },
            "ForAnyValue:StringLike": { "aws:TagKeys": ["x*"] },
            BoolIfExists: { "aws:MultiFactorAuthPresent": ["true"] },
          },
        },
      ],
    };
    expect(await unknownActionsAndConditionKeys({ ok })).toEqual([]);
  });

  test("finds a misspelled action, wildcard, service, condition key and operator in a broken copy of a policy", async () => {
    const p = parts(stack);
    const copy = broken((s) => ({
      doc: docOf(s, "bucket-policy", p.dataBucket),
      change: (st) => {
        const deny = bySid(st, "DenyDataAccessOutsideVpcEndpoint");
        deny.actions = [...deny.actions, "s3:GetObjekt", "s3:GetObjekt*", "s4:GetObject"];
        deny.condition[0].variable = "aws:SourceVpcee";
        deny.condition.push({ test: "StringEqualz", variable: "kms:EncryptionContex:aws:logs:arn", values: ["x"] });
      },
    }));
    const problems = await unknownActionsAndConditionKeys(copy);
    expect(problems.map((x) => [x.kind, x.value, x.sid]).sort()).toEqual(
      [
        ["action", "s3:GetObjekt", "DenyDataAccessOutsideVpcEndpoint"],
        ["action", "s3:GetObjekt*", "DenyDataAccessOutsideVpcEndpoint"],
        ["service", "s4:GetObject", "DenyDataAccessOutsideVpcEndpoint"],
        ["condition-key", "aws:SourceVpcee", "DenyDataAccessOutsideVpcEndpoint"],
        ["condition-key", "kms:EncryptionContex:aws:logs:arn", "DenyDataAccessOutsideVpcEndpoint"],
        ["condition-operator", "StringEqualz", "DenyDataAccessOutsideVpcEndpoint"],
      ].sort(),
    );
    expect(new Set(problems.map((x) => x.policy))).toEqual(new Set([docOf(stack, "bucket-policy", p.dataBucket).address]));
  });

  test("with applicability, a real service key on actions that do not support it is reported", async () => {
    const wrong: Record<string, IamPolicy> = {
      wrong: {
        Version: "2012-10-17",
        Statement: [{ Sid: "X", Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["*"], Condition: { StringEquals: { "s3:ExistingObjectTag/a": ["b"] } } } as IamStatement],
      },
    };
    expect(await unknownActionsAndConditionKeys(wrong)).toEqual([]);
    expect((await unknownActionsAndConditionKeys(wrong, { applicability: true })).map((x) => x.kind)).toEqual(["condition-key-not-applicable"]);
    expect(await unknownActionsAndConditionKeys(stack, { applicability: true })).toEqual([]);
  });
});
