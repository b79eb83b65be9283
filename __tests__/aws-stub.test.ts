/**
 * The AWS stub the real-provider plans talk to (support/real-plan.ts), over HTTP without
 * terraform: SSM answers and errors in the provider's JSON shapes, and calls it does not implement
 * are refused and recorded so a plan test can fail on them.
 */
import { AwsStub, startAwsStub } from "./support/real-plan";

const REGION = "us-east-1";

describe("AWS stub (HTTP, no terraform)", () => {
  let stub: AwsStub;
  beforeAll(async () => {
    stub = await startAwsStub({ parameters: { "/p/one": "1" } });
  });
  afterAll(() => stub.close());

  async function post(headers: Record<string, string>, body: string) {
    const r = await fetch(stub.url, { method: "POST", headers, body });
    return { status: r.status, text: await r.text() };
  }
  const sign = (service: string) => `AWS4-HMAC-SHA256 Credential=AKIA/20250101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`;

  test("answers SSM GetParameter, ParameterNotFound in the JSON error shape, and records unknown actions", async () => {
    const ssm = (name: string) =>
      post({ authorization: sign("ssm"), "x-amz-target": "AmazonSSM.GetParameter", "content-type": "application/x-amz-json-1.1" }, JSON.stringify({ Name: name }));
    const found = await ssm("/p/one");
    expect(found.status).toBe(200);
    expect(JSON.parse(found.text).Parameter).toMatchObject({ Name: "/p/one", Value: "1", Type: "String", Version: 1, ARN: `arn:aws:ssm:${REGION}:111122223333:parameter/p/one` });
    const missing = await ssm("/p/none");
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text).__type).toBe("ParameterNotFound");

    const other = await post({ authorization: sign("iam"), "content-type": "application/x-www-form-urlencoded" }, "Action=ListRoles&Version=2010-05-08");
    expect(other.status).toBe(400);
    expect(other.text).toMatch(/iam ListRoles is not stubbed/);
    expect(stub.unexpected()).toEqual([expect.objectContaining({ service: "iam", action: "ListRoles", status: 400 })]);
  });
});

