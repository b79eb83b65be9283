/**
 * Plans synthesized stacks with the REAL hashicorp/aws provider against the AWS stub, offline: the
 * product's machinery (scripts/preview/real-plan.ts and aws-stub.ts, what `npm run preview` runs),
 * with the tests' runtime installed by ./terraform (scratch dirs, the result cache), plus the one
 * helper that asserts.
 */
import { AwsStubOptions, startAwsStub } from "../../scripts/preview/aws-stub";
import { tryPlan, withRealProvider } from "../../scripts/preview/real-plan";
import "./terraform";

export * from "../../scripts/preview/aws-stub";
export * from "../../scripts/preview/real-plan";

/**
 * A plan of a real-provider copy of `stackDir` against a stub made from `stubOptions`, which must
 * fail (asserted); returns terraform's output. The copy is pushed to `dirs` for removal.
 */
export async function expectFailingPlan(stubOptions: AwsStubOptions, stackDir: string, label: string, dirs: string[]): Promise<string> {
  const stub = await startAwsStub(stubOptions);
  try {
    const dir = withRealProvider(stackDir, stub, { label });
    dirs.push(dir);
    const r = await tryPlan(dir);
    expect(r.code).not.toBe(0);
    expect(r.json).toBeUndefined();
    return r.output;
  } finally {
    await stub.close();
  }
}
