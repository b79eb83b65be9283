/**
 * Config validation: every class of bad input stops with one message naming the file, the field
 * and the problem. Good input resolves the documented defaults.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, EnvironmentConfig, loadAllEnvironments, parseEnvironment } from "../modules/config/load";
import { scratchDir } from "./support/scratch";
import { problemsOf as problemsOfExactly } from "./support/config-problems";
import { configJsonSchema } from "../modules/config/json-schema";

const FILE = "config/qa.json";

/** The example account ID of the AWS documentation; every config below deploys there unless it names an account. */
const ACCOUNT = "111122223333";
/** Another account, also from the AWS documentation's examples. */
const OTHER_ACCOUNT = "444455556666";

type Raw = Record<string, unknown>;

/** `raw` with the required accountId added, unless it names one (even as undefined). */
function withAccount(raw: Raw): Raw {
  return "accountId" in raw ? raw : { accountId: ACCOUNT, ...raw };
}

/** Parses `raw` (plus accountId) as config/qa.json would be. */
function parse(raw: Raw, file = FILE, baseDir?: string): EnvironmentConfig {
  return parseEnvironment(withAccount(raw), file, baseDir);
}

/** The problems for `raw` (plus accountId), or fails the test if it is accepted. */
function problemsOf(raw: Raw, file = FILE, baseDir?: string): string[] {
  return problemsOfExactly(withAccount(raw), file, baseDir);
}

/** Exactly one problem, on `field`, whose text matches `what`. */
function expectOneProblem(raw: Raw, field: string, what: RegExp, baseDir?: string): void {
  const problems = problemsOf(raw, FILE, baseDir);
  expect(problems).toHaveLength(1);
  expect(problems[0].startsWith(`${FILE}: ${field}: `)).toBe(true);
  expect(problems[0]).toMatch(what);
}

describe("defaults", () => {
  test("a file with only accountId gives the seed's defaults, made multi-AZ", () => {
    const env = parseEnvironment({ accountId: ACCOUNT }, FILE);
    expect(env.environment).toBe("qa");
    expect(env.accountId).toBe(ACCOUNT);
    expect(env.assumeRoleArn).toBeUndefined();
    expect(env.projectName).toBe("sagemaker-studio-anfw");
    expect(env.region).toBe("us-east-1");
    expect(env.availabilityZones).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    expect(env.vpcCidr).toBe("10.2.0.0/16");
    // exact names only (issue: no suffix that covers shared hosting by default)
    expect(env.firewall.allowedDomains).toEqual(["pypi.org", "files.pythonhosted.org", "repo.anaconda.com", "conda.anaconda.org", "api.kaggle.com", "www.kaggle.com"]);
    expect(env.firewall.allowedDomains.filter((d) => d.startsWith("."))).toEqual([]);
    expect(Object.keys(env.lanes)).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
  });

  test("default AZs follow the region", () => {
    expect(parse({ region: "eu-west-1" }).availabilityZones).toEqual(["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
  });
});

describe("CIDRs", () => {
  test.each([
    ["10.2.0.0/33", /not a valid IPv4 CIDR/],
    ["10.2.0.0", /not an IPv4 CIDR block/],
    ["300.2.0.0/16", /not a valid IPv4 CIDR/],
    ["10.2.1.0/16", /host bits set; the network address of that block is 10\.2\.0\.0\/16/],
  ])("malformed vpcCidr %s", (vpcCidr, what) => {
    expectOneProblem({ vpcCidr }, "vpcCidr", what);
  });

  test("a VPC too small for the plan", () => {
    expectOneProblem({ vpcCidr: "10.2.0.0/20", availabilityZones: ["us-east-1a"] }, "vpcCidr", /\/20 is too small for the default subnet plan \(it needs \/16 to \/19\); use a bigger vpcCidr, or set subnetCidrs for every subnet the plan would place: us-east-1a \(firewall, nat, workload\)/);
  });

  test("a VPC larger than AWS allows", () => {
    expectOneProblem({ vpcCidr: "10.0.0.0/8", availabilityZones: ["us-east-1a"] }, "vpcCidr", /larger than AWS allows/);
  });

  test("an override that overlaps another AZ's planned subnet", () => {
    // us-east-1a's planned workload subnet is 10.2.0.0/20.
    expectOneProblem(
      { subnetCidrs: { "us-east-1b": { workload: "10.2.8.0/21" } } },
      "subnetCidrs.us-east-1b.workload",
      /10\.2\.8\.0\/21 \(us-east-1b workload\) overlaps 10\.2\.0\.0\/20 \(us-east-1a workload\)/,
    );
  });

  test("overrides that overlap each other", () => {
    const problems = problemsOf({
      availabilityZones: ["us-east-1a"],
      subnetCidrs: { "us-east-1a": { firewall: "10.2.200.0/28", nat: "10.2.200.0/28" } },
    });
    expect(problems).toEqual([expect.stringMatching(/^config\/qa\.json: subnetCidrs\.us-east-1a\.(firewall|nat): .*overlaps/)]);
  });

  test("an override outside the VPC", () => {
    expectOneProblem({ subnetCidrs: { "us-east-1a": { nat: "10.3.0.0/28" } } }, "subnetCidrs.us-east-1a.nat", /not inside vpcCidr 10\.2\.0\.0\/16/);
  });

  test("an override smaller than AWS allows", () => {
    expectOneProblem({ subnetCidrs: { "us-east-1a": { firewall: "10.2.200.0/29" } } }, "subnetCidrs.us-east-1a.firewall", /\/29 is smaller than AWS allows for a subnet \(\/16 to \/28, inside vpcCidr\)/);
  });

  test("an override for an AZ that is not configured", () => {
    expectOneProblem({ subnetCidrs: { "us-east-1d": { nat: "10.2.200.0/28" } } }, "subnetCidrs.us-east-1d", /not one of availabilityZones/);
  });

  test("a small VPC works when every subnet is given", () => {
    const env = parse({
      vpcCidr: "10.9.0.0/24",
      availabilityZones: ["us-east-1a"],
      subnetCidrs: { "us-east-1a": { firewall: "10.9.0.0/28", nat: "10.9.0.16/28", workload: "10.9.0.128/25" } },
    });
    expect(env.lanes["us-east-1a"]).toEqual({ firewall: "10.9.0.0/28", nat: "10.9.0.16/28", workload: "10.9.0.128/25" });
  });
});

describe("availability zones", () => {
  test("duplicated", () => {
    expectOneProblem({ availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1a"] }, "availabilityZones[2]", /listed twice \(also at availabilityZones\[0\]\)/);
  });
  test("empty", () => {
    expectOneProblem({ availabilityZones: [] }, "availabilityZones", /at least one AZ/);
  });
  test("too many", () => {
    expectOneProblem({ availabilityZones: [..."abcdefg"].map((l) => `us-east-1${l}`) }, "availabilityZones", /more than 6/);
  });
  test("outside the region", () => {
    expectOneProblem({ availabilityZones: ["us-east-1a", "us-west-2b"] }, "availabilityZones[1]", /"us-west-2b" is not an AZ of region "us-east-1"/);
  });
  test("a letter the default plan has no slot for", () => {
    expectOneProblem({ availabilityZones: ["us-east-1z"] }, "availabilityZones[0]", /slots for AZ letters a-h only; set subnetCidrs\.us-east-1z/);
  });
});

describe("firewall allowlist", () => {
  test.each([
    ["*.example.com", /no "\*" wildcard/],
    ["Example.com", /must be lowercase/],
    [".com", /bare top-level domain/],
    ["exa mple.com", /invalid label "exa mple"/],
    ["-bad.example.com", /invalid label "-bad"/],
    ["example.com.", /must not end with a dot/],
    ["10.0.0.1", /looks like an IP address/],
  ])("rejects %s", (domain, what) => {
    expectOneProblem({ firewall: { allowedDomains: [".kaggle.com", domain] } }, "firewall.allowedDomains[1]", what);
  });

  test("accepts exact names and leading-dot wildcards", () => {
    const env = parse({ firewall: { allowedDomains: ["pypi.org", ".pythonhosted.org"] } });
    expect(env.firewall.allowedDomains).toEqual(["pypi.org", ".pythonhosted.org"]);
  });

  test("duplicates", () => {
    expectOneProblem({ firewall: { allowedDomains: ["pypi.org", "pypi.org"] } }, "firewall.allowedDomains[1]", /listed twice/);
  });

  test("empty", () => {
    expectOneProblem({ firewall: { allowedDomains: [] } }, "firewall.allowedDomains", /at least one domain/);
  });

  // Shared hosting: names anyone can rent (Public Suffix List private domains, and the project's
  // list of zones above them and of tunnels the PSL does not carry). Expected zones are written
  // here from the providers' own documentation, not read from the code.
  test.each([
    [".amazonaws.com", /under amazonaws\.com, where anyone can rent a name/],
    ["s3.amazonaws.com", /under amazonaws\.com/],
    ["my-bucket.s3.eu-west-1.amazonaws.com", /under amazonaws\.com/],
    ["abc123.execute-api.us-east-1.amazonaws.com", /under amazonaws\.com/],
    [".cloudfront.net", /under cloudfront\.net/],
    ["storage.googleapis.com", /under googleapis\.com/],
    ["someone.github.io", /under github\.io/],
    ["raw.githubusercontent.com", /under githubusercontent\.com/],
    ["x.azurewebsites.net", /under azurewebsites\.net/],
    ["x.blob.core.windows.net", /under windows\.net/],
    ["x.herokuapp.com", /under herokuapp\.com/],
    ["webhook.site", /under webhook\.site/],
    [".windows.net", /under windows\.net/],
    ["myapp.pythonanywhere.com", /Public Suffix List, private domains/],
  ])("refuses %s on shared hosting unless acknowledged, saying how to acknowledge", (domain, what) => {
    expectOneProblem({ firewall: { allowedDomains: ["pypi.org", domain] } }, "firewall.allowedDomains[1]", what);
    expectOneProblem({ firewall: { allowedDomains: ["pypi.org", domain] } }, "firewall.allowedDomains[1]", /"acknowledgeSharedHosting"/);
  });

  test("a wildcard above a shared zone is refused for what it covers; a bare public suffix for being one", () => {
    expectOneProblem({ firewall: { allowedDomains: [".goog"] } }, "firewall.allowedDomains[0]", /bare top-level domain/);
    expectOneProblem({ firewall: { allowedDomains: [".azure.com"] } }, "firewall.allowedDomains[0]", /covers cloudapp\.azure\.com/);
    expectOneProblem({ firewall: { allowedDomains: [".core.windows.net"] } }, "firewall.allowedDomains[0]", /under windows\.net/);
  });

  test("an acknowledged shared-hosting entry is accepted and its reason kept", () => {
    const reason = "Kaggle dataset downloads are GCS signed URLs; accepted by the data-protection office, ticket SEC-42";
    const env = parse({ firewall: { allowedDomains: ["api.kaggle.com", { domain: "storage.googleapis.com", acknowledgeSharedHosting: reason }] } });
    expect(env.firewall.allowedDomains).toEqual(["api.kaggle.com", "storage.googleapis.com"]);
    expect(env.firewall.sharedHostingAcknowledged).toEqual({ "storage.googleapis.com": reason });
  });

  test("an acknowledgement needs a reason, and is refused on a name that is not shared hosting", () => {
    expectOneProblem({ firewall: { allowedDomains: [{ domain: "storage.googleapis.com", acknowledgeSharedHosting: "ok" }] } }, "firewall.allowedDomains[0].acknowledgeSharedHosting", /must say why/);
    expectOneProblem({ firewall: { allowedDomains: [{ domain: "pypi.org", acknowledgeSharedHosting: "we need this for some reason or other" }] } }, "firewall.allowedDomains[0].acknowledgeSharedHosting", /not on shared hosting/);
  });

  test("exact names of package indexes and Kaggle are not shared hosting", () => {
    const env = parse({ firewall: { allowedDomains: ["pypi.org", "files.pythonhosted.org", "repo.anaconda.com", "conda.anaconda.org", "api.kaggle.com", "www.kaggle.com", ".kaggle.com"] } });
    expect(env.firewall.allowedDomains).toHaveLength(7);
  });

  test("studio.allowedSourceCidrs must be CIDR blocks without host bits", () => {
    expectOneProblem({ studio: { allowedSourceCidrs: ["203.0.113.0/24", "203.0.113.7/24"] } }, "studio.allowedSourceCidrs[1]", /IPv4 CIDR block without host bits/);
    expect(parse({ studio: { allowedSourceCidrs: ["203.0.113.0/24"] } }).studio.allowedSourceCidrs).toEqual(["203.0.113.0/24"]);
  });

  test("more domains than the rule group capacity holds", () => {
    expectOneProblem({ firewall: { allowedDomains: ["a.example.com", "b.example.com"], ruleGroupCapacity: 3 } }, "firewall.ruleGroupCapacity", /2 domains need a capacity of at least 4/);
  });
});

// Presets ({ "preset": "pip" }) are expanded when the config is loaded. The names expected here
// are the tools' own (pip's index.py, conda's constants.py, GitHub's docs), written out, not read
// from modules/network/allowlist-presets.ts.
describe("firewall allowlist presets", () => {
  test("a preset's names take its place in the list, next to plain names; the presets used are kept for the synth log", () => {
    const env = parse({ firewall: { allowedDomains: ["www.kaggle.com", { preset: "pip" }, "api.kaggle.com", { preset: "conda" }] } });
    expect(env.firewall.allowedDomains).toEqual(["www.kaggle.com", "pypi.org", "files.pythonhosted.org", "api.kaggle.com", "repo.anaconda.com", "conda.anaconda.org"]);
    expect(env.firewall.allowlistPresets).toEqual({ pip: ["pypi.org", "files.pythonhosted.org"], conda: ["repo.anaconda.com", "conda.anaconda.org"] });
    expect(env.firewall.sharedHostingAcknowledged).toEqual({});
  });

  test("huggingface brings the Hub and the hosts its downloads redirect to", () => {
    const env = parse({ firewall: { allowedDomains: [{ preset: "huggingface" }] } });
    expect(env.firewall.allowedDomains).toEqual(expect.arrayContaining(["huggingface.co", "transfer.xethub.hf.co", "cas-server.xethub.hf.co", "us.aws.cdn.hf.co", "cdn-lfs-us-1.hf.co"]));
  });

  test("a plain name a preset also brings is kept once, where it first appears, and is no error", () => {
    const env = parse({ firewall: { allowedDomains: ["files.pythonhosted.org", { preset: "pip" }, "pypi.org"] } });
    expect(env.firewall.allowedDomains).toEqual(["files.pythonhosted.org", "pypi.org"]);
  });

  test("a name the user lists twice is still an error with a preset in the list; so is a preset listed twice", () => {
    expectOneProblem({ firewall: { allowedDomains: ["pypi.org", { preset: "pip" }, "pypi.org"] } }, "firewall.allowedDomains[2]", /"pypi\.org" is listed twice \(also at \[0\]\)/);
    expectOneProblem({ firewall: { allowedDomains: [{ preset: "pip" }, "www.kaggle.com", { preset: "pip" }] } }, "firewall.allowedDomains[2]", /preset "pip" is listed twice \(also at \[0\]\)/);
  });

  test("an unknown preset is refused with the known ones, and the closest one when it looks like a typo", () => {
    const [typo, other] = problemsOf({ firewall: { allowedDomains: [{ preset: "hugginface" }, { preset: "npm" }] } });
    expect(typo.startsWith(`${FILE}: firewall.allowedDomains[0].preset: `)).toBe(true);
    expect(typo).toMatch(/"hugginface" is not a preset \(did you mean "huggingface"\?\); the presets are "conda", "github", "huggingface", "pip"/);
    expect(other.startsWith(`${FILE}: firewall.allowedDomains[1].preset: `)).toBe(true);
    expect(other).toMatch(/"npm" is not a preset; the presets are "conda", "github", "huggingface", "pip"/);
  });

  test("a preset entry is a strict object whose name is a string", () => {
    expectOneProblem({ firewall: { allowedDomains: [{ preset: "pip", acknowledgeSharedHosting: "we trust the index of the Python world" }] } }, "firewall.allowedDomains[0].acknowledgeSharedHosting", /unknown key/);
    expectOneProblem({ firewall: { allowedDomains: [{ preset: 3 }] } }, "firewall.allowedDomains[0].preset", /expected string/);
  });

  test("github's shared-hosting names are acknowledged with the preset's reason, as a user's acknowledgement would be", () => {
    const env = parse({ firewall: { allowedDomains: [{ preset: "github" }] } });
    expect(env.firewall.allowedDomains).toEqual(expect.arrayContaining(["github.com", "codeload.github.com", "raw.githubusercontent.com", "objects.githubusercontent.com", "github-cloud.githubusercontent.com"]));
    expect(Object.keys(env.firewall.sharedHostingAcknowledged).sort()).toEqual(["github-cloud.githubusercontent.com", "objects.githubusercontent.com", "raw.githubusercontent.com"]);
    for (const reason of Object.values(env.firewall.sharedHostingAcknowledged)) expect(reason).toMatch(/^preset "github": .{20,}/);
  });

  test("a user's own acknowledgement of a name a preset also brings is kept as the reason", () => {
    const own = "raw install scripts of the team's own repositories; accepted by the platform owner, ticket SEC-7";
    const env = parse({ firewall: { allowedDomains: [{ preset: "github" }, { domain: "raw.githubusercontent.com", acknowledgeSharedHosting: own }] } });
    expect(env.firewall.sharedHostingAcknowledged["raw.githubusercontent.com"]).toBe(own);
    expect(env.firewall.allowedDomains.filter((d) => d === "raw.githubusercontent.com")).toHaveLength(1);
  });

  test("a plain shared-hosting name is still refused next to the preset that brings it, and the message names the preset", () => {
    expectOneProblem({ firewall: { allowedDomains: [{ preset: "github" }, "raw.githubusercontent.com"] } }, "firewall.allowedDomains[1]", /under githubusercontent\.com.*\{ "preset": "github" \}/);
  });

  test("the capacity check counts a preset's names", () => {
    expectOneProblem({ firewall: { allowedDomains: [{ preset: "pip" }], ruleGroupCapacity: 3 } }, "firewall.ruleGroupCapacity", /2 domains need a capacity of at least 4/);
    expectOneProblem({ firewall: { allowedDomains: [{ preset: "pip" }, { preset: "conda" }, "pypi.org"], ruleGroupCapacity: 7 } }, "firewall.ruleGroupCapacity", /4 domains need a capacity of at least 8/);
  });
});

describe("names AWS would reject", () => {
  test.each([
    ["Sagemaker", /lowercase letters/],
    ["my_project", /lowercase letters/],
    ["project-", /not ending with a hyphen/],
    ["1project", /starting with a letter/],
  ])("projectName %s", (projectName, what) => {
    expectOneProblem({ projectName }, "projectName", what);
  });

  test("a projectName that makes S3 bucket names longer than 63", () => {
    // "<29 chars>-qa-<12 digits>-us-east-1-notebook" is 29 + 3 + 13 + 10 + 9 = 64 characters
    expectOneProblem({ projectName: "a-long-project-name-for-s3-xx" }, "projectName", /-notebook" would be 64 characters .* the S3 limit is 63/);
  });

  test("a projectName that makes IAM role names longer than 64", () => {
    // "<39 chars>-qa-us-east-1-sagemaker-notebook" is 39 + 3 + 10 + 19 = 71 characters
    const problems = problemsOf({ projectName: "a-project-name-long-enough-to-break-iam" });
    expect(problems).toContainEqual(expect.stringMatching(/^config\/qa\.json: projectName: IAM role names .* would be 71 characters; IAM allows 64$/));
  });

  test("a reserved S3 prefix", () => {
    expectOneProblem({ projectName: "sthree-data" }, "projectName", /prefix S3 reserves/);
  });

  test("an environment file name that cannot be part of resource names", () => {
    const problems = problemsOf({}, "config/Prod_EU.json");
    expect(problems).toEqual([expect.stringMatching(/^config\/Prod_EU\.json: file name: environment "Prod_EU" must be/)]);
  });
});

describe("studio, storage and endpoint sections", () => {
  test("defaults", () => {
    const env = parse({});
    expect(env.studio.userProfiles).toEqual(["anfw-user-profile"]);
    expect(env.studio.domainName).toBeUndefined(); // the stack uses <projectName>-<environment>
    expect(env.storage.adminRoleArns).toEqual([]);
    expect(env.vpcEndpoints.allowJumpStartRead).toBe(false);
    // the seed's interface endpoints but its notebook UI endpoint; no SageMaker UI endpoint by default
    expect([...env.vpcEndpoints.interfaceServices].sort()).toEqual(["ecr.api", "ecr.dkr", "logs", "monitoring", "sagemaker.api", "sagemaker.runtime", "servicecatalog", "ssm", "sts"]);
    expect(env.studio.uiEndpoint).toBe(false);
  });
  test.each([
    [{ studio: { userProfiles: ["alice", "alice"] } }, "studio.userProfiles[1]", /listed twice/],
    [{ studio: { userProfiles: ["alice_smith"] } }, "studio.userProfiles[0]", /1-63 letters, digits and hyphens/],
    [{ studio: { userProfiles: [] } }, "studio.userProfiles", /at least one user profile/],
    [{ studio: { domainName: "-research" } }, "studio.domainName", /starting and ending with a letter or digit/],
    [{ storage: { adminRoleArns: ["arn:aws:iam::123456789012:role/*"] } }, "storage.adminRoleArns[0]", /IAM role ARN.*\(no wildcards\)/],
    [{ storage: { adminRoleArns: ["arn:aws:iam::123456789012:user/bob"] } }, "storage.adminRoleArns[0]", /IAM role ARN/],
    [{ vpcEndpoints: { interfaceServices: ["sts", "s3"] } }, "vpcEndpoints.interfaceServices[1]", /always deployed as a gateway endpoint/],
    [{ vpcEndpoints: { interfaceServices: ["sts", "sts"] } }, "vpcEndpoints.interfaceServices[1]", /listed twice/],
    [{ vpcEndpoints: { interfaceServices: ["com.amazonaws.us-east-1.sts"] } }, "vpcEndpoints.interfaceServices[0]", /service short name/],
    [{ vpcEndpoints: { allowJumpStartRead: "yes" } }, "vpcEndpoints.allowJumpStartRead", /expected boolean/],
    // the SageMaker UI endpoints are opt-in per workload, never an interface service
    [{ vpcEndpoints: { interfaceServices: ["sts", "studio"] } }, "vpcEndpoints.interfaceServices[1]", /"studio" .*is not configured here.*set studio\.uiEndpoint: true/],
    [{ vpcEndpoints: { interfaceServices: ["notebook"] } }, "vpcEndpoints.interfaceServices[0]", /"notebook" .*set notebook\.uiEndpoint: true.*every notebook instance of every account/],
    [{ vpcEndpoints: { interfaceServices: [{ service: "studio", acknowledgeUnlisted: "AWS documents it" }] } }, "vpcEndpoints.interfaceServices[0].service", /studio\.uiEndpoint/],
    [{ studio: { uiEndpoint: "yes" } }, "studio.uiEndpoint", /expected boolean/],
    [{ studio: { enabled: false, uiEndpoint: true }, notebook: { enabled: true, availabilityZone: "us-east-1a" } }, "studio.uiEndpoint", /has no effect while studio\.enabled is false/],
    [{ notebook: { enabled: false, uiEndpoint: true } }, "notebook.uiEndpoint", /has no effect while notebook\.enabled is false/],
  ])("rejects %j", (raw, field, what) => {
    expectOneProblem(raw, field, what);
  });
});

describe("notebook section", () => {
  const fixtures = join(__dirname, "fixtures");

  test("defaults: disabled, ml.t3.medium, 20 GB, no AZ (never taken from the list's order), no lifecycle", () => {
    const env = parse({ availabilityZones: ["us-east-1c", "us-east-1a"] });
    expect(env.notebook).toEqual({ enabled: false, instanceType: "ml.t3.medium", volumeSizeGb: 20, uiEndpoint: false, requireOwnerTag: true });
    expect(env.notebook.availabilityZone).toBeUndefined();
    expect(env.notebook.name).toBeUndefined();
    expect(env.notebook.lifecycle).toBeUndefined();
  });

  const rejections: Array<[Raw, string, RegExp]> = [
    [{ notebook: { instanceType: "t3.medium" } }, "notebook.instanceType", /SageMaker ML instance type/],
    [{ notebook: { volumeSizeGb: 4 } }, "notebook.volumeSizeGb", /at least 5/],
    [{ notebook: { volumeSizeGb: 16385 } }, "notebook.volumeSizeGb", /at most 16384/],
    [{ notebook: { volumeSizeGb: 20.5 } }, "notebook.volumeSizeGb", /expected int/],
    [{ notebook: { availabilityZone: "us-east-1d" } }, "notebook.availabilityZone", /not one of availabilityZones \(us-east-1a, us-east-1b, us-east-1c\)/],
    [{ notebook: { name: "my_notebook" } }, "notebook.name", /1-63 letters/],
    [{ notebook: { lifecycle: {} } }, "notebook.lifecycle", /give onCreate, onStart or both/],
    [{ notebook: { lifecycle: { onStart: "missing.sh" } } }, "notebook.lifecycle.onStart", /cannot read "missing.sh" .*ENOENT/],
    [{ notebook: { lifecycle: { onCreate: "empty.sh" } } }, "notebook.lifecycle.onCreate", /"empty.sh" is empty/],
    [{ notebook: { lifecycle: { onStart: "too-long.sh" } } }, "notebook.lifecycle.onStart", /is 16388 characters in base64; AWS allows 16384/],
  ];
  test.each(rejections)("rejects %j (notebook disabled)", (raw, field, what) => {
    // Disabled in so many words: a section without "enabled" is a problem of its own (see "settings that would do nothing").
    expectOneProblem({ ...raw, notebook: { enabled: false, ...(raw.notebook as Raw) } }, field, what, fixtures);
  });
  test.each(rejections)("rejects %j (notebook enabled)", (raw, field, what) => {
    const notebook = { enabled: true, availabilityZone: "us-east-1a", ...(raw.notebook as Raw) };
    expectOneProblem({ ...raw, notebook }, field, what, fixtures);
  });

  test.each([
    [undefined, ["us-east-1a", "us-east-1b", "us-east-1c"]],
    [["us-east-1c", "us-east-1a"], ["us-east-1c", "us-east-1a"]],
  ])("enabled without an AZ is one problem on notebook.availabilityZone (availabilityZones %j)", (availabilityZones, names) => {
    const raw: Raw = availabilityZones === undefined ? {} : { availabilityZones };
    const problems = problemsOf({ ...raw, notebook: { enabled: true } });
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${FILE}: notebook.availabilityZone: `)).toBe(true);
    expect(problems[0]).toMatch(/required/);
    for (const az of names) expect(problems[0]).toContain(az);
  });

  test.each([
    [["us-east-1a", "us-east-1b", "us-east-1c"], "us-east-1b"],
    [["us-east-1c", "us-east-1a"], "us-east-1a"],
    [["us-east-1c", "us-east-1a"], "us-east-1c"],
    [["us-east-1f"], "us-east-1f"],
  ])("enabled: availabilityZones %j, notebook in %s", (availabilityZones, availabilityZone) => {
    const env = parse({ availabilityZones, notebook: { enabled: true, availabilityZone } });
    expect(env.notebook.enabled).toBe(true);
    expect(env.notebook.availabilityZone).toBe(availabilityZone);
    expect(env.availabilityZones).toEqual(availabilityZones);
  });

  test("enabled with the AZ of the default list", () => {
    expect(parse({ notebook: { enabled: true, availabilityZone: "us-east-1c" } }).notebook.availabilityZone).toBe("us-east-1c");
  });

  test.each([
    [{ availabilityZones: ["us-east-1a", "us-east-1b"] }, "us-east-1c"],
    [{}, "us-east-1d"],
    [{}, "us-west-2a"],
    [{ region: "eu-west-1" }, "us-east-1a"],
  ])("enabled with an AZ outside availabilityZones: %j, %s", (raw, availabilityZone) => {
    expectOneProblem({ ...raw, notebook: { enabled: true, availabilityZone } }, "notebook.availabilityZone", new RegExp(`"${availabilityZone}" is not one of availabilityZones`));
  });

  test("a default notebook name that would break SageMaker's 63-character limit", () => {
    // 40 + "-" + 20 + "-notebook" = 70 characters (the bucket-name check fires too)
    const problems = problemsOf({ projectName: "p".repeat(40) }, `config/${"e".repeat(20)}.json`);
    expect(problems).toContainEqual(expect.stringMatching(/notebook\.name: the default name "p{40}-e{20}-notebook" must be 1-63/));
  });
});

describe("firewall hardening and logging settings", () => {
  const fixtures = join(__dirname, "fixtures");
  test("defaults: protections off, 365-day logs, no Suricata rules", () => {
    const env = parse({});
    expect(env.firewall).toMatchObject({ deleteProtection: false, policyChangeProtection: false, subnetChangeProtection: false, suricataRuleGroupCapacity: 100 });
    expect(env.firewall.suricataRules).toBeUndefined();
    expect(env.logging.retentionDays).toBe(365);
  });
  test('statefulDefaultAction: "drop_established_app_layer_to_server" by default; each of the three is kept as written', () => {
    expect(parse({}).firewall.statefulDefaultAction).toBe("drop_established_app_layer_to_server");
    expect(parse({ firewall: { protocolHygiene: false } }).firewall.statefulDefaultAction).toBe("drop_established_app_layer_to_server");
    for (const action of ["drop_established_app_layer_to_server", "drop_established_app_layer", "drop_established"]) {
      expect(parse({ firewall: { statefulDefaultAction: action } }).firewall.statefulDefaultAction).toBe(action);
    }
  });
  test.each([["drop_strict"], ["aws:drop_established"], ["DROP_ESTABLISHED"], [""], [3], [null]])("statefulDefaultAction %j: one problem naming the three values and the default", (value) => {
    const problems = problemsOf({ firewall: { statefulDefaultAction: value } });
    expect(problems).toEqual([
      `${FILE}: firewall.statefulDefaultAction: ${JSON.stringify(value)} is not a stateful default action; use one of "drop_established_app_layer_to_server", "drop_established_app_layer", "drop_established" (default "drop_established_app_layer_to_server")`,
    ]);
  });
  test("a bad statefulDefaultAction does not hide the file's other problems", () => {
    const problems = problemsOf({ firewall: { statefulDefaultAction: "drop", deleteProtection: "yes" }, vpcCidr: "10.2.0.0/33" });
    expect(problems.map((p) => p.split(": ")[1]).sort()).toEqual(["firewall.deleteProtection", "firewall.statefulDefaultAction", "vpcCidr"]);
  });
  test("a Suricata rules file is read relative to the config file", () => {
    const env = parse({ firewall: { suricataRulesFile: "rules.suricata" } }, FILE, fixtures);
    expect(env.firewall.suricataRules).toMatch(/^# test fixture/);
  });
  test.each([
    [{ logging: { retentionDays: 30 } }, "logging.retentionDays", /must be one of CloudWatch Logs' values of a year or more: 365, 400/],
    [{ logging: { retentionDays: 500 } }, "logging.retentionDays", /must be one of/],
    [{ firewall: { deleteProtection: "yes" } }, "firewall.deleteProtection", /expected boolean/],
    [{ firewall: { suricataRulesFile: "nope.rules" } }, "firewall.suricataRulesFile", /cannot read "nope.rules"/],
    [{ firewall: { suricataRulesFile: "comments-only.suricata" } }, "firewall.suricataRulesFile", /has no rules/],
    [{ firewall: { suricataRulesFile: "too-many.suricata" } }, "firewall.suricataRuleGroupCapacity", /101 rules need a capacity of at least 101/],
  ])("rejects %j", (raw, field, what) => {
    expectOneProblem(raw, field, what, fixtures);
  });
});

describe("accountId", () => {
  test("missing: one problem, saying it is required", () => {
    const problems = problemsOfExactly({});
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${FILE}: accountId: `)).toBe(true);
    expect(problems[0]).toMatch(/\brequired\b/);
  });

  test("missing: reported alongside the file's other field-level errors", () => {
    const problems = problemsOfExactly({ projectName: "Sagemaker", region: "moon-1", vpcCidr: 10, firewall: { deleteProtection: "yes" } });
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^config\/qa\.json: accountId: .*\brequired\b/),
        expect.stringMatching(/^config\/qa\.json: projectName: .*lowercase letters/),
        expect.stringMatching(/^config\/qa\.json: region: must be an AWS region name/),
        expect.stringMatching(/^config\/qa\.json: vpcCidr: .*expected string/),
        expect.stringMatching(/^config\/qa\.json: firewall\.deleteProtection: .*expected boolean/),
      ]),
    );
  });

  test("missing, with a bad file name too: both reported", () => {
    const problems = problemsOfExactly({}, "config/Prod_EU.json");
    expect(problems).toHaveLength(2);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^config\/Prod_EU\.json: file name: /),
        expect.stringMatching(/^config\/Prod_EU\.json: accountId: .*\brequired\b/),
      ]),
    );
  });

  test.each([
    ["11112222333"], // 11 digits
    ["1111222233334"], // 13 digits
    ["1111-2222-3333"], // as the console displays it
    [" 111122223333"],
    ["111122223333 "],
    ["11112222333O"], // letter O for a zero
    ["arn:aws:iam::111122223333:root"],
    [""],
  ])("not 12 digits: %j", (accountId) => {
    expectOneProblem({ accountId }, "accountId", /12-digit/);
  });

  test.each([[111122223333], [null], [true]])("not a string: %j", (accountId) => {
    expectOneProblem({ accountId }, "accountId", /must be a string of 12 digits/);
  });

  test("a leading-zero ID is accepted and kept as written", () => {
    expect(parse({ accountId: "012345678901" }).accountId).toBe("012345678901");
    expect(parse({ accountId: "000000000000" }).accountId).toBe("000000000000");
  });
});

describe("assumeRoleArn", () => {
  test.each([
    [`arn:aws:iam::${ACCOUNT}:role/Deployer`],
    [`arn:aws:iam::${ACCOUNT}:role/ops/deploy/Deployer`], // a role path
    [`arn:aws:iam::${ACCOUNT}:role/Deploy+=,.@_-Role`], // every character IAM allows in a role name
  ])("in the environment's account: %s", (assumeRoleArn) => {
    expect(parse({ assumeRoleArn }).assumeRoleArn).toBe(assumeRoleArn);
  });

  test("in the environment's account, another partition: refused (the aws partition only)", () => {
    expectOneProblem({ assumeRoleArn: `arn:aws-us-gov:iam::${ACCOUNT}:role/Deployer` }, "assumeRoleArn", /must be an ARN of the aws partition/);
  });

  test.each([
    [`arn:aws:iam::${OTHER_ACCOUNT}:role/Deployer`],
    [`arn:aws:iam::${OTHER_ACCOUNT}:role/${ACCOUNT}`], // the name is the env's account ID
    [`arn:aws:iam::${OTHER_ACCOUNT}:role/deploy-${ACCOUNT}`],
    [`arn:aws:iam::${OTHER_ACCOUNT}:role/${ACCOUNT}/Deployer`], // ... or its path
  ])("in another account: %s", (assumeRoleArn) => {
    const problems = problemsOf({ assumeRoleArn });
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${FILE}: assumeRoleArn: `)).toBe(true);
    expect(problems[0]).toContain(ACCOUNT);
  });

  test("the message names the account the file gives", () => {
    const problems = problemsOf({ accountId: OTHER_ACCOUNT, assumeRoleArn: `arn:aws:iam::${ACCOUNT}:role/Deployer` });
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${FILE}: assumeRoleArn: `)).toBe(true);
    expect(problems[0]).toContain(OTHER_ACCOUNT);
  });

  test.each([
    [`arn:aws:iam::${ACCOUNT}:user/deployer`],
    [`arn:aws:iam::${ACCOUNT}:root`],
    [`arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/session`],
    [`arn:aws:iam::${ACCOUNT}:role/*`],
    [`arn:aws:iam::${ACCOUNT}:role/Deploy*`],
    [`arn:aws:iam::${ACCOUNT}:role/Deploy?r`],
    ["arn:aws:iam::*:role/Deployer"],
    ["*"],
    ["Deployer"],
    ["role/Deployer"],
    [""],
  ])("not a role ARN: %j", (assumeRoleArn) => {
    expectOneProblem({ assumeRoleArn }, "assumeRoleArn", /IAM role ARN/);
  });
});

describe("workloads", () => {
  test("defaults: Studio on, notebook off", () => {
    const env = parse({});
    expect(env.studio.enabled).toBe(true);
    expect(env.notebook.enabled).toBe(false);
  });

  test("notebook only", () => {
    const env = parse({ studio: { enabled: false }, notebook: { enabled: true, availabilityZone: "us-east-1b" } });
    expect(env.studio.enabled).toBe(false);
    expect(env.notebook.enabled).toBe(true);
    expect(env.notebook.availabilityZone).toBe("us-east-1b");
  });

  test("both", () => {
    const env = parse({ studio: { enabled: true }, notebook: { enabled: true, availabilityZone: "us-east-1a" } });
    expect(env.studio.enabled).toBe(true);
    expect(env.notebook.enabled).toBe(true);
  });

  test.each([
    [{ studio: { enabled: false } }],
    [{ studio: { enabled: false }, notebook: { enabled: false } }],
    [{ studio: { enabled: false }, notebook: { enabled: false, availabilityZone: "us-east-1a" } }],
  ])("none enabled: %j", (raw) => {
    expectOneProblem(raw, "studio.enabled", /no workload is enabled/);
  });

  test.each([
    [{ studio: { enabled: "true" } }, "studio.enabled"],
    [{ studio: { enabled: 1 } }, "studio.enabled"],
    [{ notebook: { enabled: "yes", availabilityZone: "us-east-1a" } }, "notebook.enabled"],
    [{ notebook: { enabled: null } }, "notebook.enabled"],
  ])("non-boolean enabled: %j", (raw, field) => {
    expectOneProblem(raw, field, /expected boolean/);
  });
});

describe("storage.preventDestroy", () => {
  test("defaults to true", () => {
    expect(parse({}).storage.preventDestroy).toBe(true);
  });
  test("defaults to true when storage is present without it", () => {
    const adminRoleArns = [`arn:aws:iam::${ACCOUNT}:role/DataAdmin`];
    const env = parse({ storage: { adminRoleArns } });
    expect(env.storage.preventDestroy).toBe(true);
    expect(env.storage.adminRoleArns).toEqual(adminRoleArns);
    expect(parse({ storage: {} }).storage.preventDestroy).toBe(true);
  });
  test("false is accepted", () => {
    expect(parse({ storage: { preventDestroy: false } }).storage.preventDestroy).toBe(false);
  });
  test("true is accepted", () => {
    expect(parse({ storage: { preventDestroy: true } }).storage.preventDestroy).toBe(true);
  });
  test.each([["false"], [0], [null]])("non-boolean %j is rejected", (preventDestroy) => {
    expectOneProblem({ storage: { preventDestroy } }, "storage.preventDestroy", /expected boolean/);
  });
});

describe("shape", () => {
  test("unknown top-level key", () => {
    expectOneProblem({ vpcCIDR: "10.2.0.0/16" }, "vpcCIDR", /unknown key/);
  });
  test("unknown nested key", () => {
    expectOneProblem({ firewall: { allowedDomain: ["pypi.org"] } }, "firewall.allowedDomain", /unknown key/);
  });
  test("unknown key in a subnet override", () => {
    expectOneProblem({ subnetCidrs: { "us-east-1a": { private: "10.2.0.0/20" } } }, "subnetCidrs.us-east-1a.private", /unknown key/);
  });
  test("wrong types", () => {
    expectOneProblem({ vpcCidr: 10 }, "vpcCidr", /expected string/);
    expectOneProblem({ availabilityZones: "us-east-1a" }, "availabilityZones", /expected array/);
    expectOneProblem({ firewall: { ruleGroupCapacity: "100" } }, "firewall.ruleGroupCapacity", /expected number/);
  });
  test("reserved tag keys", () => {
    expectOneProblem({ tags: { "aws:owner": "me" } }, "tags.aws:owner", /reserved by AWS/);
  });
  test("a file that is not JSON names the file", () => {
    const dir = scratchDir("config");
    writeFileSync(join(dir, "bad.json"), `{ "accountId": "${ACCOUNT}", not json`);
    // line 1, column 32: where "not" starts
    expect(() => loadAllEnvironments(dir, dir)).toThrow(/^bad\.json:1:32: unexpected "n": property names must be strings in double quotes$/);
  });
  test("all files' problems are reported together", () => {
    const dir = scratchDir("config");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "one.json"), JSON.stringify({ accountId: ACCOUNT, vpcCidr: "nope" }));
    writeFileSync(join(dir, "two.json"), JSON.stringify({ accountId: ACCOUNT, region: "moon-1" }));
    try {
      loadAllEnvironments(dir, dir);
      throw new Error("accepted");
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([
        expect.stringMatching(/^one\.json: vpcCidr: /),
        expect.stringMatching(/^two\.json: region: must be an AWS region name/),
      ]);
    }
  });
});

test("config.schema.json is generated from the zod schema and up to date (npm run schema)", () => {
  const committed = readFileSync(join(__dirname, "..", "config.schema.json"), "utf8");
  expect(committed).toBe(configJsonSchema());
  const schema = JSON.parse(committed);
  expect(schema.additionalProperties).toBe(false);
  expect(Object.keys(schema.properties)).toEqual(
    expect.arrayContaining(["projectName", "accountId", "assumeRoleArn", "region", "availabilityZones", "vpcCidr", "firewall", "subnetCidrs"]),
  );
  expect(schema.required).toContain("accountId");
  // Editors check the pattern as JSON Schema does: an ECMA-262 regex with the "u" flag, unanchored.
  const accountId = new RegExp(schema.properties.accountId.pattern, "u");
  for (const ok of [ACCOUNT, "012345678901"]) expect(accountId.test(ok)).toBe(true);
  for (const bad of ["11112222333", "1111222233334", "1111-2222-3333", ` ${ACCOUNT}`, "11112222333O", `arn:aws:iam::${ACCOUNT}:root`, ""]) {
    expect(accountId.test(bad)).toBe(false);
  }
  expect(schema.properties.accountId.type).toBe("string");
  // Editors complete preset names: the allowlist's preset entry lists them.
  const presetEntry = schema.properties.firewall.properties.allowedDomains.items.anyOf.find((o: { properties?: Record<string, unknown> }) => o.properties?.preset);
  expect(presetEntry.properties.preset.enum).toEqual(expect.arrayContaining(["pip", "conda", "huggingface", "github"]));
  expect(presetEntry.additionalProperties).toBe(false);
  expect(schema.properties.assumeRoleArn.type).toBe("string");
  const assumeRoleArn = new RegExp(schema.properties.assumeRoleArn.pattern, "u");
  expect(assumeRoleArn.test(`arn:aws:iam::${ACCOUNT}:role/Deployer`)).toBe(true);
  for (const bad of [`arn:aws:iam::${ACCOUNT}:user/deployer`, `arn:aws:iam::${ACCOUNT}:role/*`, "Deployer"]) expect(assumeRoleArn.test(bad)).toBe(false);
  expect(schema.properties.studio.properties.enabled.default).toBe(true);
  expect(schema.properties.notebook.properties.enabled.default).toBe(false);
  expect(schema.properties.storage.properties.preventDestroy.default).toBe(true);
});
