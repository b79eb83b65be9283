/**
 * Layer 2: `terraform validate` of every synthesized stack against the real AWS provider schema
 * (hashicorp/aws 5.100.0, offline from the mirror): every stack (network, Studio, notebook) of
 * each environment these tests build, plus the 1-AZ and 6-AZ extremes and the optional features
 * (TLS inspection, allowedSourceCidrs).
 */
import { Testing } from "cdktf";
import { join } from "node:path";
import { environmentStacks } from "../stacks/environment";
import { azs, envFrom, synthToDir, withNotebook } from "./support/synth";
import { describeWithTerraform, terraform } from "./support/terraform";

const environments = [
  envFrom(withNotebook({ availabilityZones: azs("us-east-1", "a") }), "config/one-az.json"),
  envFrom(withNotebook({ region: "eu-west-1", availabilityZones: azs("eu-west-1", "abc") }, "eu-west-1b"), "config/three-az.json"),
  envFrom(withNotebook({ region: "us-east-1", availabilityZones: azs("us-east-1", "abcdef"), storage: { preventDestroy: false } }, "us-east-1f"), "config/six-az.json"),
  envFrom({ studio: { enabled: false }, notebook: { enabled: true, availabilityZone: "us-east-1b" }, assumeRoleArn: "arn:aws:iam::111122223333:role/Deployer" }, "config/nbonly.json"),
  // TLS inspection: the firewall's TLS configuration, Studio's lifecycle configuration, the notebook's CA script
  envFrom(
    withNotebook({
      firewall: { tlsInspection: { certificateAuthorityArn: "arn:aws:acm:us-east-1:111122223333:certificate/11111111-2222-3333-4444-555555555555", caCertificateFile: "inspection-ca.pem" } },
      studio: { allowedSourceCidrs: ["203.0.113.0/24"] },
    }),
    "config/tls.json",
    join(__dirname, "fixtures"),
  ),
];

describeWithTerraform("terraform validate", () => {
  test.each(environments.map((env) => [env.sourceFile, env] as const))("%s: every stack is valid", (_file, env) => {
    const app = Testing.app();
    for (const stack of environmentStacks(app, env)) {
      const dir = synthToDir(stack);
      const r = terraform(dir, ["validate", "-json"]);
      const result = JSON.parse(r.output.slice(r.output.indexOf("{")));
      expect({ stack: stack.node.id, diagnostics: result.diagnostics }).toEqual({ stack: stack.node.id, diagnostics: [] });
      expect(r.code).toBe(0);
    }
  });
});
