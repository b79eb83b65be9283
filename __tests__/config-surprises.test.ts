/**
 * Config that cannot deploy something surprising (issue 23, B): each class of mistake that used to
 * pass silently is refused with the file, the field, the problem and the fix, or, where a user may
 * mean it, accepted with a warning that names the consequence. Each class also shows a valid
 * neighbour passing. Expected ranges, names and services are written out from their sources (RFCs,
 * the AWS documentation, the README), not read from the code under test.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { AnnotationMetadataEntryType, Testing } from "cdktf";
import { ConfigError, loadAllEnvironments, parseEnvironment } from "../modules/config/load";
import { problemsOf as problemsOfExactly } from "./support/config-problems";
import { scratchDir } from "./support/scratch";
import { networkStack } from "./support/synth";

const FILE = "config/qa.json";
const ACCOUNT = "111122223333";
const OTHER_ACCOUNT = "444455556666";
type Raw = Record<string, unknown>;

const withAccount = (raw: Raw): Raw => ({ accountId: ACCOUNT, ...raw });
const problemsOf = (raw: Raw) => problemsOfExactly(withAccount(raw), FILE);
const warningsOf = (raw: Raw) => [...parseEnvironment(withAccount(raw), FILE).warnings];

/** Exactly one problem, on `field`, whose text contains every one of `parts` (the problem and the fix). */
function expectRefused(raw: Raw, field: string, ...parts: string[]): string {
  const problems = problemsOf(raw);
  expect(problems).toHaveLength(1);
  expect(problems[0].startsWith(`${FILE}: ${field}: `)).toBe(true);
  for (const part of parts) expect(problems[0]).toContain(part);
  return problems[0];
}

/** Accepted, with exactly one warning, on `field`, containing every one of `parts` (the consequence). */
function expectWarned(raw: Raw, field: string, ...parts: string[]): void {
  const warnings = warningsOf(raw);
  expect(warnings).toHaveLength(1);
  expect(warnings[0].startsWith(`${FILE}: ${field}: `)).toBe(true);
  for (const part of parts) expect(warnings[0]).toContain(part);
}

const expectClean = (raw: Raw) => expect(warningsOf(raw)).toEqual([]);

describe("vpcCidr: private ranges pass, unusable ones are refused, public ones warn", () => {
  test.each(["10.0.0.0/16", "172.16.0.0/16", "172.31.0.0/16", "192.168.0.0/16", "100.64.0.0/16", "100.127.0.0/16"])("%s (RFC 1918 / RFC 6598) is accepted without a warning", (vpcCidr) => {
    expectClean({ vpcCidr });
  });

  test.each([
    ["8.8.0.0/16", "65,536"],
    ["203.0.0.0/16", "65,536"],
    ["100.128.0.0/16", "65,536"], // just past RFC 6598's 100.64.0.0/10
  ])("public %s: accepted (an organisation may own it) with a warning that those internet addresses become unreachable", (vpcCidr, count) => {
    expectWarned({ vpcCidr }, "vpcCidr", `${vpcCidr} is not private address space`, `the ${count} internet addresses of ${vpcCidr} become unreachable from the VPC`, 'e.g. "10.2.0.0/16"');
  });

  test.each([
    ["169.254.0.0/16", "169.254.169.254"],
    ["127.0.0.0/16", "loopback"],
    ["0.0.0.0/16", "not a routable network"],
    ["224.0.0.0/16", "multicast"],
    ["240.0.0.0/16", "reserved"],
  ])("%s is refused: no VPC can work there", (vpcCidr, what) => {
    expectRefused({ vpcCidr }, "vpcCidr", what, 'use a private range, e.g. "10.2.0.0/16"');
  });

  test.each(["172.17.0.0/16", "172.17.128.0/17"])("%s overlaps Docker's bridge (172.17.0.0/16), which AWS says conflicts with SageMaker", (vpcCidr) => {
    expectRefused({ vpcCidr }, "vpcCidr", "172.17.0.0/16", "SageMaker", 'e.g. "172.18.0.0/16"');
  });
});

describe("Studio needs the SageMaker API and runtime endpoints", () => {
  test("Studio with interfaceServices that leave both out is refused, naming both and the fix", () => {
    expectRefused(
      { vpcEndpoints: { interfaceServices: ["sts", "logs"] } },
      "vpcEndpoints.interfaceServices",
      '"sagemaker.api" and "sagemaker.runtime", which Studio needs',
      'Add "sagemaker.api" and "sagemaker.runtime" to the list, or set studio.enabled to false',
    );
  });

  test("one of them left out: that one is named", () => {
    const p = expectRefused({ vpcEndpoints: { interfaceServices: ["sts", "sagemaker.api-fips", "sagemaker.runtime"] } }, "vpcEndpoints.interfaceServices", 'leaves out "sagemaker.api",');
    expect(p).not.toContain('"sagemaker.runtime",');
  });

  test("the default list, and a short list with both, pass without a warning", () => {
    expectClean({});
    expectClean({ vpcEndpoints: { interfaceServices: ["sagemaker.api", "sagemaker.runtime", "sts"] } });
  });

  test("a notebook-only environment may leave them out, with a warning that the SDK in the notebook cannot reach SageMaker", () => {
    expectWarned(
      { studio: { enabled: false }, notebook: { enabled: true, availabilityZone: "us-east-1a" }, vpcEndpoints: { interfaceServices: ["sts"] } },
      "vpcEndpoints.interfaceServices",
      'leaves out "sagemaker.api"',
      "cannot create or describe jobs",
    );
  });

  test("leaving out sts warns that the SDK's sessions time out", () => {
    expectWarned({ vpcEndpoints: { interfaceServices: ["sagemaker.api", "sagemaker.runtime"] } }, "vpcEndpoints.interfaceServices", 'leaves out "sts"', "times out");
  });
});

describe("studio.allowedSourceCidrs: ranges that restrict nothing or never match", () => {
  test('"0.0.0.0/0" is refused: the policy would restrict nothing', () => {
    expectRefused({ studio: { allowedSourceCidrs: ["0.0.0.0/0"] } }, "studio.allowedSourceCidrs[0]", "0.0.0.0/0 admits every IPv4 address", "restricts nothing", 'e.g. "203.0.113.0/24"');
  });

  test.each([["0.0.0.0/1", "2,147,483,648"], ["64.0.0.0/7", "33,554,432"]])("%s (larger than any /8 ever assigned) is refused", (cidr, count) => {
    expectRefused({ studio: { allowedSourceCidrs: [cidr] } }, "studio.allowedSourceCidrs[0]", `${count} addresses`, "restricts nothing");
  });

  test.each([["10.0.0.0/8", "10.0.0.0/8"], ["192.168.1.0/24", "192.168.0.0/16"], ["100.64.0.0/16", "100.64.0.0/10"], ["169.254.0.0/16", "169.254.0.0/16"]])(
    "%s is refused: aws:SourceIp is the public address, so a private range never matches",
    (cidr, block) => {
      expectRefused({ studio: { allowedSourceCidrs: [cidr] } }, "studio.allowedSourceCidrs[0]", `(${block})`, "never matches", "studio.uiEndpoint");
    },
  );

  test("a /12 of public space is accepted with a warning naming how many addresses it admits", () => {
    expectWarned({ studio: { allowedSourceCidrs: ["20.0.0.0/12"] } }, "studio.allowedSourceCidrs[0]", "1,048,576 addresses", "can open Studio");
  });

  test("an office range is accepted without a warning", () => {
    expectClean({ studio: { allowedSourceCidrs: ["198.51.100.0/24", "203.0.113.0/28"] } });
  });

  test("an entry inside another is refused as redundant, at the inner entry", () => {
    expectRefused({ studio: { allowedSourceCidrs: ["203.0.113.0/24", "203.0.113.64/26"] } }, "studio.allowedSourceCidrs[1]", '"203.0.113.64/26" is inside "203.0.113.0/24"', "remove it");
  });

  test("with Studio disabled the list does nothing, and is refused", () => {
    expectRefused(
      { studio: { enabled: false, allowedSourceCidrs: ["203.0.113.0/24"] }, notebook: { enabled: true, availabilityZone: "us-east-1a" } },
      "studio.allowedSourceCidrs",
      "has no effect while studio.enabled is false",
    );
  });

  test("with studio.uiEndpoint, a warning that people coming through the endpoint are refused", () => {
    const warnings = warningsOf({ studio: { uiEndpoint: true, allowedSourceCidrs: ["203.0.113.0/24"] } });
    expect(warnings).toEqual([expect.stringMatching(/^config\/qa\.json: studio\.allowedSourceCidrs: with studio\.uiEndpoint on: .*through the studio endpoint are refused/)]);
  });
});

describe("public suffixes in the allowlist: no acknowledgement makes them acceptable", () => {
  const reason = "the UK team needs every .co.uk site, approved by the CISO (ticket SEC-1)";

  test.each([".co.uk", "co.uk", ".gov.uk", ".act.edu.au"])("%s acknowledged as shared hosting is still refused, without suggesting an acknowledgement", (domain) => {
    const p = expectRefused({ firewall: { allowedDomains: ["pypi.org", { domain, acknowledgeSharedHosting: reason }] } }, "firewall.allowedDomains[1]", "is a public suffix", "list the exact names you need");
    expect(p).not.toContain("acknowledgeSharedHosting");
  });

  test("a plain public suffix is refused the same way", () => {
    const p = expectRefused({ firewall: { allowedDomains: ["pypi.org", ".co.uk"] } }, "firewall.allowedDomains[1]", '".co.uk" is a public suffix', 'e.g. "www.example.co.uk"');
    expect(p).not.toContain("acknowledgeSharedHosting");
  });

  test("a name under a public suffix is an ordinary name; an acknowledged shared-hosting zone stays acceptable", () => {
    const env = parseEnvironment(
      withAccount({ firewall: { allowedDomains: ["www.example.co.uk", ".example.gov.uk", { domain: ".cloudfront.net", acknowledgeSharedHosting: "our CDN, accepted by the platform security team" }] } }),
      FILE,
    );
    expect(env.firewall.allowedDomains).toEqual(["www.example.co.uk", ".example.gov.uk", ".cloudfront.net"]);
  });
});

describe("a notebook section without enabled", () => {
  test("is refused: the notebook defaults to off, so its settings would deploy nothing", () => {
    expectRefused(
      { notebook: { availabilityZone: "us-east-1a", instanceType: "ml.m5.large" } },
      "notebook.enabled",
      "sets availabilityZone, instanceType but not enabled",
      "no notebook would be deployed",
      'Add "enabled": true to deploy it, or "enabled": false',
    );
  });

  test('with "enabled": true it deploys; with "enabled": false the settings are kept for later; an empty section is the default', () => {
    expect(parseEnvironment(withAccount({ notebook: { enabled: true, availabilityZone: "us-east-1a" } }), FILE).notebook.enabled).toBe(true);
    expect(parseEnvironment(withAccount({ notebook: { enabled: false, availabilityZone: "us-east-1a" } }), FILE).notebook.enabled).toBe(false);
    expect(parseEnvironment(withAccount({ notebook: {} }), FILE).notebook.enabled).toBe(false);
  });

  test("a studio section without enabled deploys Studio, as its settings say (studio.enabled defaults to true)", () => {
    expect(parseEnvironment(withAccount({ studio: { userProfiles: ["alice"] } }), FILE).studio.enabled).toBe(true);
  });
});

describe("host-name fields take host names only", () => {
  test.each([
    ["https://pypi.org/simple", 'has a scheme ("https://") and a path'],
    ["pypi.org:443", 'has a port (":443")'],
    ["pypi.org/simple", "has a path"],
    ["HTTPS://PyPI.org:443/simple/", 'has a scheme ("HTTPS://"), a port (":443") and a path'],
    [" pypi.org", "has spaces around it"],
  ])("firewall.allowedDomains %j", (entry, shape) => {
    expectRefused({ firewall: { allowedDomains: ["files.pythonhosted.org", entry] } }, "firewall.allowedDomains[1]", shape, 'host names only, e.g. "pypi.org"');
  });

  test("the host named is the one written, and an acknowledged entry gets the same message", () => {
    expectRefused(
      { firewall: { allowedDomains: [{ domain: "https://storage.googleapis.com/kaggle-data", acknowledgeSharedHosting: "Kaggle dataset downloads, accepted by security" }] } },
      "firewall.allowedDomains[0]",
      'host names only, e.g. "storage.googleapis.com"',
    );
  });

  test("backend.hostname", () => {
    expectRefused({ backend: { type: "cloud", organization: "acme", hostname: "https://app.terraform.io/" } }, "backend.hostname", 'host names only, e.g. "app.terraform.io"');
    expect(parseEnvironment(withAccount({ backend: { type: "cloud", organization: "acme", hostname: "tfe.example.com" } }), FILE).backend).toMatchObject({ hostname: "tfe.example.com" });
  });

  test("pypi.org is accepted", () => {
    expect(parseEnvironment(withAccount({ firewall: { allowedDomains: ["pypi.org"] } }), FILE).firewall.allowedDomains).toEqual(["pypi.org"]);
  });
});

describe("AZ and region names as people mistype them", () => {
  test("an upper-case AZ letter: AZ names are lower case, with the name to write", () => {
    expectRefused({ region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1B"] }, "availabilityZones[1]", 'AZ names are lower case; write "eu-west-1b"');
    expectRefused({ notebook: { enabled: true, availabilityZone: "us-east-1A" } }, "notebook.availabilityZone", 'AZ names are lower case; write "us-east-1a"');
  });

  test("an AZ ID is told apart from an AZ name", () => {
    expectRefused({ availabilityZones: ["use1-az1"] }, "availabilityZones[0]", "is an AZ ID; write the AZ name", '"us-east-1a"');
  });

  test("the letter alone", () => {
    expectRefused({ availabilityZones: ["us-east-1a", "b"] }, "availabilityZones[1]", 'write the region and the letter, e.g. "us-east-1b"');
  });

  test("an upper-case region", () => {
    expectRefused({ region: "EU-WEST-1" }, "region", 'region names are lower case; write "eu-west-1"');
  });

  test("lower-case names pass", () => {
    expect(parseEnvironment(withAccount({ region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"] }), FILE).availabilityZones).toEqual(["eu-west-1a", "eu-west-1b"]);
  });
});

describe("ranges two environments must keep apart", () => {
  function load(files: Record<string, Raw>): string[] {
    const dir = scratchDir("config-surprises");
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(body));
    try {
      loadAllEnvironments(dir, dir);
      return [];
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return [...(e as ConfigError).problems];
    }
  }

  test("overlapping vpcCidr in one account and region is refused on the later file, with a free range of that size", () => {
    const problems = load({
      "dev.json": { accountId: ACCOUNT, vpcCidr: "10.2.0.0/16" },
      "qa.json": { accountId: ACCOUNT, vpcCidr: "10.2.128.0/17", projectName: "other" },
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^qa\.json: vpcCidr: 10\.2\.128\.0\/17 overlaps dev\.json's vpcCidr 10\.2\.0\.0\/16 \(both in account 111122223333, region us-east-1\)/);
    expect(problems[0]).toContain("could never be peered");
    // 10.0.0.0/17 is the first /17 of 10.0.0.0/8 that neither environment uses.
    expect(problems[0]).toMatch(/give one of them a range no other environment uses, e\.g\. "10\.0\.0\.0\/17"$/);
  });

  test("the default range twice (two files that both leave vpcCidr out) is refused too", () => {
    expect(load({ "a.json": { accountId: ACCOUNT }, "b.json": { accountId: ACCOUNT, projectName: "other" } })).toEqual([expect.stringMatching(/^b\.json: vpcCidr: 10\.2\.0\.0\/16 overlaps a\.json's/)]);
  });

  test("the same range in another account or another region, or distinct ranges, pass", () => {
    expect(
      load({
        "a.json": { accountId: ACCOUNT },
        "b.json": { accountId: OTHER_ACCOUNT },
        "c.json": { accountId: ACCOUNT, region: "eu-west-1" },
        "d.json": { accountId: ACCOUNT, vpcCidr: "10.3.0.0/16" },
      }),
    ).toEqual([]);
  });
});

describe("other settings that would silently do nothing, or that AWS or the project would override", () => {
  test("a Suricata capacity without a Suricata rules file", () => {
    expectRefused({ firewall: { suricataRuleGroupCapacity: 500 } }, "firewall.suricataRuleGroupCapacity", "has no effect without firewall.suricataRulesFile");
  });

  test("the environment's own account in ecrImageAccounts", () => {
    expectRefused({ vpcEndpoints: { ecrImageAccounts: [OTHER_ACCOUNT, ACCOUNT] } }, "vpcEndpoints.ecrImageAccounts[1]", "this environment's own account", "remove it");
    expect(parseEnvironment(withAccount({ vpcEndpoints: { ecrImageAccounts: [OTHER_ACCOUNT] } }), FILE).vpcEndpoints.ecrImageAccounts).toEqual([OTHER_ACCOUNT]);
  });

  test("a tag the project sets on every resource would be replaced by the project's value", () => {
    expectRefused({ tags: { Project: "ml" } }, "tags.Project", "yours would silently not be applied; choose another key");
    expectRefused({ tags: { "sagemaker-anfw:owner": "alice" } }, "tags.sagemaker-anfw:owner", "the project's own tags");
    expect(parseEnvironment(withAccount({ tags: { CostCenter: "1234", project: "ml" } }), FILE).tags).toEqual({ CostCenter: "1234", project: "ml" });
  });
});

test("every class in one file: all problems at once, each at its field", () => {
  const problems = problemsOf({
    vpcCidr: "169.254.0.0/16",
    availabilityZones: ["us-east-1A"],
    studio: { allowedSourceCidrs: ["0.0.0.0/0"] },
    vpcEndpoints: { interfaceServices: ["sts"] },
    firewall: { allowedDomains: ["https://pypi.org/simple", { domain: ".co.uk", acknowledgeSharedHosting: "needed by the UK team, accepted by security" }] },
    notebook: { instanceType: "ml.t3.large" },
  });
  expect(problems.map((p) => p.split(": ")[1]).sort()).toEqual(
    ["availabilityZones[0]", "firewall.allowedDomains[0]", "firewall.allowedDomains[1]", "notebook.enabled", "studio.allowedSourceCidrs[0]", "vpcCidr", "vpcEndpoints.interfaceServices"].sort(),
  );
});

describe("warnings reach the synth log", () => {
  // One synth for the file: a public VPC range and a /12 source range, both accepted.
  const stack = networkStack({ vpcCidr: "8.8.0.0/16", studio: { allowedSourceCidrs: ["20.0.0.0/12"] } });
  Testing.synth(stack);
  const warnings = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data)));

  test("each config warning is a WARN annotation of the network stack, with file and field", () => {
    expect(warnings).toContainEqual(expect.stringMatching(/^config\/test\.json: vpcCidr: 8\.8\.0\.0\/16 is not private address space/));
    expect(warnings).toContainEqual(expect.stringMatching(/^config\/test\.json: studio\.allowedSourceCidrs\[0\]: 20\.0\.0\.0\/12 admits 1,048,576 addresses/));
  });
});

describe("acknowledgeSharedHosting: the reason, as text", () => {
  test("true (a checkbox, not a reason) is refused with what to write, not the schema's type message", () => {
    const message = expectRefused(
      { firewall: { allowedDomains: ["pypi.org", { domain: ".cloudfront.net", acknowledgeSharedHosting: true }] } },
      "firewall.allowedDomains[1].acknowledgeSharedHosting",
      "why this shared-hosting name is needed and who accepted the risk",
    );
    expect(message).not.toMatch(/expected string, received/);
  });
});
