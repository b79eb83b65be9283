/**
 * AWS's size limits on the synthesized policies, for the largest environment (6 AZs, both
 * workloads). A plan cannot show these: CreatePolicy / PutBucketPolicy / PutKeyPolicy /
 * CreateVpcEndpoint refuse an oversized document only at apply. Documents are rendered with
 * values of real length (subnet-<17 hex>, key ARNs, ...), by the IAM layer's renderer.
 *
 * Limits (IAM User Guide, "IAM and AWS STS quotas": managed policy 6,144 characters, role trust
 * policy 2,048 by default, white space not counted; Amazon S3 User Guide, "Bucket policies": 20 KB;
 * AWS KMS Developer Guide, "Key policies": 32 KB; AWS PrivateLink Guide, "Endpoint policies":
 * 20,480 characters, white space counted).
 */
import { Testing } from "cdktf";
import { environmentStacks } from "../stacks/environment";
import { distinctAddresses, PolicyUseKind, renderPolicies } from "./support/iam";
import { azs, envFrom, synthJson, withNotebook } from "./support/synth";

const LIMITS: Partial<Record<PolicyUseKind, { max: number; countsWhiteSpace: boolean }>> = {
  "managed-policy": { max: 6144, countsWhiteSpace: false },
  "trust-policy": { max: 2048, countsWhiteSpace: false },
  "bucket-policy": { max: 20 * 1024, countsWhiteSpace: true },
  "key-policy": { max: 32 * 1024, countsWhiteSpace: true },
  "endpoint-policy": { max: 20480, countsWhiteSpace: true },
};

const env = envFrom(withNotebook({ availabilityZones: azs("us-east-1", "abcdef"), storage: { adminRoleArns: ["arn:aws:iam::111122223333:role/a-long-break-glass-administrator-role-name"] } }));
const stacks = environmentStacks(Testing.app(), env);
const R = renderPolicies(distinctAddresses(Object.fromEntries(stacks.map((s) => [s.node.id, synthJson(s)]))));

/** JSON as AWS stores what Terraform sends (aws_iam_policy_document's compact JSON). */
const sizeOf = (doc: unknown, countsWhiteSpace: boolean) => (countsWhiteSpace ? JSON.stringify(doc).length : JSON.stringify(doc).replace(/\s+/g, "").length);

describe("policy sizes within AWS's limits (6 AZs, Studio and notebook)", () => {
  const measured = R.all().flatMap((p) =>
    p.usedBy
      .filter((u) => LIMITS[u.kind])
      .map((u) => ({ address: `${p.stack}:${p.source}`, kind: u.kind, size: sizeOf(p.document, LIMITS[u.kind]!.countsWhiteSpace), max: LIMITS[u.kind]!.max })),
  );

  test("every managed, trust, bucket, key and endpoint policy is measured", () => {
    const kinds = new Set(measured.map((m) => m.kind));
    expect([...kinds].sort()).toEqual(Object.keys(LIMITS).sort());
    // both execution roles' managed policies
    expect(measured.filter((m) => m.kind === "managed-policy").length).toBeGreaterThanOrEqual(5);
  });

  test("none is over its limit", () => {
    const over = measured.filter((m) => m.size > m.max).map((m) => `${m.address} (${m.kind}): ${m.size} > ${m.max}`);
    expect(over).toEqual([]);
  });

  test("can fail: the execution role's parts as one managed policy would be over 6,144 characters", () => {
    // the domain default role's four parts: workload, read, studio, jobs (each user role has four of its own)
    const defaultRole = (address: string) => address.includes("execution-role_policy-document-");
    const studioParts = measured.filter((m) => m.kind === "managed-policy" && m.address.startsWith("test-studio:") && defaultRole(m.address));
    expect(studioParts.length).toBe(5); // workload, read, studio, jobs, ownership
    const whole = R.all()
      .filter((p) => p.stack === "test-studio" && defaultRole(p.source) && p.usedBy.some((u) => u.kind === "managed-policy"))
      .flatMap((p) => p.document.Statement);
    expect(sizeOf({ Version: "2012-10-17", Statement: whole }, false)).toBeGreaterThan(6144);
  });
});
