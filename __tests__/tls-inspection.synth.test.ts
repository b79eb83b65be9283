/**
 * Optional TLS inspection (firewall.tlsInspection): the firewall's TLS inspection configuration and
 * policy, and the CA delivered to Studio's JupyterLab apps and spaces and to the notebook instance.
 * The CA file is a test fixture (a self-signed certificate); its text is what must arrive.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { environmentStacks } from "../stacks/environment";
import { ConfigError, parseEnvironment } from "../modules/config/load";
import { envFrom, Json, one, resourcesOf, synthJson, TEST_ACCOUNT, withNotebook } from "./support/synth";

const FIXTURES = join(__dirname, "fixtures");
const PEM = readFileSync(join(FIXTURES, "inspection-ca.pem"), "utf8").trim();
const CA_ARN = `arn:aws:acm:us-east-1:${TEST_ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`;
const TLS = { certificateAuthorityArn: CA_ARN, caCertificateFile: "inspection-ca.pem" };

const stacks = environmentStacks(
  Testing.app(),
  envFrom(withNotebook({ firewall: { tlsInspection: TLS }, notebook: { lifecycle: { onStart: "on-start.sh" } } }), "config/test.json", FIXTURES),
);
const [network, studio, notebook] = ["network", "studio", "notebook"].map((k) => synthJson(stacks.find((s) => s.kind === k)!)) as Json[];
const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

describe("the firewall inspects the workloads' HTTPS", () => {
  const [tlsName, tls] = one(network, "aws_networkfirewall_tls_inspection_configuration");
  const server = tls.tls_inspection_configuration[0].server_certificate_configuration[0];

  test("with the configured CA, refusing revoked server certificates, for the VPC's traffic to port 443", () => {
    expect(server.certificate_authority_arn).toBe(CA_ARN);
    expect(server.check_certificate_revocation_status).toEqual([{ revoked_status_action: "REJECT", unknown_status_action: "PASS" }]);
    expect(server.scope).toEqual([
      expect.objectContaining({
        protocols: [6],
        source: [{ address_definition: "10.2.0.0/16" }],
        destination: [{ address_definition: "0.0.0.0/0" }],
        destination_ports: [{ from_port: 443, to_port: 443 }],
      }),
    ]);
    const [key] = resourcesOf(network, "aws_kms_key").find(([n]) => n.startsWith("network-key"))!;
    expect(tls.encryption_configuration).toEqual([{ key_id: `\${aws_kms_key.${key}.arn}`, type: "CUSTOMER_KMS" }]);
  });

  test("the firewall policy uses it; a policy of its own name, created before the old one goes (AWS adds TLS inspection only to new policies)", () => {
    const [, policy] = one(network, "aws_networkfirewall_firewall_policy");
    expect(policy.firewall_policy.tls_inspection_configuration_arn).toBe(`\${aws_networkfirewall_tls_inspection_configuration.${tlsName}.arn}`);
    expect(policy.name).toMatch(/-tls$/);
    expect(policy.lifecycle).toEqual({ create_before_destroy: true });
  });

  test("protocol hygiene lets decrypted HTTPS (HTTP on 443) through to the allowlist", () => {
    const [, hygiene] = resourcesOf(network, "aws_networkfirewall_rule_group").find(([, g]) => g.name.endsWith("-protocol-hygiene"))!;
    const rules: string = hygiene.rule_group.rules_source.rules_string;
    expect(rules).toMatch(/reject http \$HOME_NET any -> any !\[80,443\] /);
    expect(rules).not.toMatch(/app-layer-protocol:!tls/);
  });

  test("off by default", () => {
    const plain = synthJson(environmentStacks(Testing.app(), envFrom({})).find((s) => s.kind === "network")!);
    expect(resourcesOf(plain, "aws_networkfirewall_tls_inspection_configuration")).toEqual([]);
    expect(one(plain, "aws_networkfirewall_firewall_policy")[1].firewall_policy.tls_inspection_configuration_arn).toBeUndefined();
  });
});

describe("the workloads trust the inspection CA", () => {
  test("Studio: a JupyterLab lifecycle configuration with the CA, the default of every user and space", () => {
    // The domain's default (shared spaces, and any profile without its own) installs the CA.
    const [, domain] = one(studio, "aws_sagemaker_domain");
    const domainLc = domain.default_user_settings.jupyter_lab_app_settings.default_resource_spec.lifecycle_config_arn;
    const lcName = /^\$\{aws_sagemaker_studio_lifecycle_config\.([^.]+)\.arn\}$/.exec(domainLc)![1];
    const lc = resourcesOf(studio, "aws_sagemaker_studio_lifecycle_config").find(([n]) => n === lcName)![1];
    expect(lc.studio_lifecycle_config_app_type).toBe("JupyterLab");
    const script = decode(lc.studio_lifecycle_config_content);
    expect(script).toContain(PEM);
    expect(script).toMatch(/REQUESTS_CA_BUNDLE/);
    const arn = `\${aws_sagemaker_studio_lifecycle_config.${lcName}.arn}`;
    for (const settings of [domain.default_user_settings, domain.default_space_settings]) {
      expect(settings.jupyter_lab_app_settings).toEqual({ lifecycle_config_arns: [arn], default_resource_spec: { lifecycle_config_arn: arn } });
    }
    // Each user profile runs a lifecycle config of its own (the SDK defaults with its owner), which
    // replaces the domain's: every one of them must install the CA too.
    const profiles = resourcesOf(studio, "aws_sagemaker_user_profile");
    expect(profiles.length).toBeGreaterThan(0);
    for (const [, profile] of profiles) {
      const own = profile.user_settings.jupyter_lab_app_settings?.default_resource_spec?.lifecycle_config_arn;
      const ownName = /^\$\{aws_sagemaker_studio_lifecycle_config\.([^.]+)\.arn\}$/.exec(own)![1];
      const ownLc = resourcesOf(studio, "aws_sagemaker_studio_lifecycle_config").find(([n]) => n === ownName)![1];
      expect(decode(ownLc.studio_lifecycle_config_content)).toContain(PEM);
    }
  });

  test("notebook: the CA installed for ec2-user on every start, then the configured on-start script", () => {
    const [, lc] = one(notebook, "aws_sagemaker_notebook_instance_lifecycle_configuration");
    const script = decode(lc.on_start);
    expect(script).toContain(PEM);
    expect(script).toMatch(/sudo -u ec2-user/);
    expect(script).toMatch(/update-ca-trust extract/); // root's own tools trust it too
    // the configured script runs as it would on its own (not under our set -e)
    expect(script.lastIndexOf("set +e")).toBeLessThan(script.indexOf(readFileSync(join(FIXTURES, "on-start.sh"), "utf8").replace(/^#!.*\n/, "").trim()));
    const userScript = readFileSync(join(FIXTURES, "on-start.sh"), "utf8").replace(/^#!.*\n/, "").trim();
    expect(script.indexOf(userScript)).toBeGreaterThan(script.indexOf(PEM));
  });
});

describe("config", () => {
  const problemsOf = (tls: Record<string, unknown>) => {
    try {
      parseEnvironment({ accountId: TEST_ACCOUNT, firewall: { tlsInspection: tls } }, "config/test.json", FIXTURES);
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };

  test("a certificate ARN of another account or region is refused", () => {
    expect(problemsOf({ ...TLS, certificateAuthorityArn: CA_ARN.replace("us-east-1", "eu-west-1") })).toEqual([
      expect.stringMatching(/^config\/test\.json: firewall\.tlsInspection\.certificateAuthorityArn: must be a certificate in this environment's region and account/),
    ]);
    expect(problemsOf({ ...TLS, certificateAuthorityArn: "arn:aws:iam::111122223333:role/x" })).toEqual([expect.stringMatching(/must be an ACM certificate ARN/)]);
  });

  test("the CA file must hold one PEM certificate", () => {
    expect(problemsOf({ ...TLS, caCertificateFile: "not-a-cert.pem" })).toEqual([expect.stringMatching(/caCertificateFile: "not-a-cert\.pem" must hold exactly one PEM certificate/)]);
    expect(problemsOf({ ...TLS, caCertificateFile: "missing.pem" })).toEqual([expect.stringMatching(/caCertificateFile/)]);
  });
});
