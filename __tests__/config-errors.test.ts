/**
 * How configuration errors reach the user: every problem of every file in one run (a bad field
 * does not hide a cross-field problem), each printed once with a summary, JSON syntax errors and
 * duplicate keys with their line, name collisions between environment files, the subnet plan's
 * advice, unknown interface endpoint services, user Suricata rules, and regions outside the aws
 * partition. Every config file is written by the test into its own scratch directory.
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, configErrorReport, EnvironmentConfig, loadAllEnvironments, parseEnvironment } from "../modules/config/load";
import { readJson } from "../modules/config/json-source";
import { parseSuricataRules } from "../modules/config/suricata";
import { scratchDir } from "./support/scratch";
import { problemsOf } from "./support/config-problems";

const ROOT = join(__dirname, "..");
const FILE = "config/qa.json";
/** AWS's documentation example accounts. */
const ACCOUNT = "111122223333";
const OTHER_ACCOUNT = "444455556666";

type Raw = Record<string, unknown>;


/** A config directory holding `files` (name => JSON value, or text written as is). */
function configDir(files: Record<string, unknown>): string {
  const dir = scratchDir("config-errors");
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), typeof body === "string" ? body : JSON.stringify(body, null, 2));
  return dir;
}

/** The problems of loading `dir` (file names relative to it), or fails if it loads. */
function loadProblems(dir: string): string[] {
  try {
    loadAllEnvironments(dir, dir);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error("the config directory was accepted");
}

describe("a bad field does not hide the other problems", () => {
  test("a field of the wrong type and a cross-field problem are both reported", () => {
    const problems = problemsOf({ accountId: ACCOUNT, firewall: { ruleGroupCapacity: "100" }, studio: { enabled: false } });
    expect(problems).toEqual([
      expect.stringMatching(/^config\/qa\.json: firewall\.ruleGroupCapacity: .*expected number/),
      "config/qa.json: studio.enabled: no workload is enabled: set studio.enabled or notebook.enabled to true",
    ]);
  });

  test("problems in several sections and between fields, all in one run", () => {
    const problems = problemsOf({
      accountId: "12345", // bad on its own
      assumeRoleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Deployer`, // checked against accountId: skipped, accountId failed
      availabilityZones: ["us-east-1a", "us-east-1a"], // listed twice
      notebook: { enabled: true, volumeSizeGb: 2 }, // too small; and no availabilityZone
      firewall: { allowedDomains: ["*.example.com"] }, // a domain's own rule
      tags: { "aws:owner": "me" },
    });
    expect(problems.map((p) => p.split(": ")[1]).sort()).toEqual(
      ["accountId", "availabilityZones[1]", "firewall.allowedDomains[0]", "notebook.availabilityZone", "notebook.volumeSizeGb", "tags.aws:owner"].sort(),
    );
  });

  test("an unknown key is reported and the rules between fields still run", () => {
    const problems = problemsOf({ accountId: ACCOUNT, studio: { enabled: false, colour: "blue" } });
    expect(problems).toEqual([
      "config/qa.json: studio.colour: unknown key (check the spelling; see config.schema.json)",
      "config/qa.json: studio.enabled: no workload is enabled: set studio.enabled or notebook.enabled to true",
    ]);
  });

  test("a rule never runs on a field that failed, so it adds no follow-on message", () => {
    // availabilityZones fails on its own (empty): the notebook's AZ is not then "not one of" them,
    // and the subnet plan (keyed by AZ) is not run.
    const problems = problemsOf({ accountId: ACCOUNT, availabilityZones: [], notebook: { enabled: true, availabilityZone: "us-east-1a" } });
    expect(problems).toEqual(["config/qa.json: availabilityZones: must list at least one AZ"]);
  });

  test("allowlist presets: an unknown preset, a preset listed twice and a bad entry are reported with the rest, each at its entry", () => {
    const problems = problemsOf({
      accountId: ACCOUNT,
      firewall: { allowedDomains: [{ preset: "pipp" }, { preset: "conda" }, { preset: "conda" }, "*.example.com"] },
      studio: { enabled: false },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^config\/qa\.json: firewall\.allowedDomains\[0\]\.preset: "pipp" is not a preset \(did you mean "pip"\?\); the presets are /),
      expect.stringMatching(/^config\/qa\.json: firewall\.allowedDomains\[3\]: "\*\.example\.com": Network Firewall has no "\*" wildcard/),
      'config/qa.json: firewall.allowedDomains[2]: preset "conda" is listed twice (also at [1])',
      "config/qa.json: studio.enabled: no workload is enabled: set studio.enabled or notebook.enabled to true",
    ]);
  });

  test("a value no union option accepts says which types would do", () => {
    expect(problemsOf({ accountId: ACCOUNT, firewall: { allowedDomains: [42] } })).toEqual(["config/qa.json: firewall.allowedDomains[0]: must be a string or an object"]);
  });
});

describe("the report is printed once, with a summary", () => {
  test("configErrorReport: header, each problem once, then a line counting problems and files", () => {
    const report = configErrorReport(new ConfigError(["config/a.json: region: bad", "config/b.json:3:7: unexpected \"}\"", "config/a.json: vpcCidr: bad"]));
    expect(report).toBe(
      "Invalid configuration, nothing was synthesized:\n" +
        "config/a.json: region: bad\n" +
        'config/b.json:3:7: unexpected "}"\n' +
        "config/a.json: vpcCidr: bad\n" +
        "3 configuration problems in 2 files (config/a.json, config/b.json); fix them and run again.\n",
    );
    expect(configErrorReport(new ConfigError(["config/a.json: region: bad"]))).toMatch(/\n1 configuration problem in config\/a\.json; fix it and run again\.\n$/);
  });

  // What users run: npm run synth = node scripts/cdktf.cjs synth, which runs the cdktf CLI, which
  // runs main.ts. cdktf repeats a failing app's stderr; the report must still appear once.
  test("npm run synth with a bad config: each problem once, the summary, exit code 1, no output", () => {
    const dir = configDir({
      "dev.json": { accountId: ACCOUNT, region: "cn-north-1" },
      "prod.json": { accountId: OTHER_ACCOUNT, vpcCidr: "10.0.0.0/8" },
    });
    const outdir = join(scratchDir("config-errors-out"), "cdktf.out");
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "cdktf.cjs"), "synth", "--output", outdir], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, SAGEMAKER_ANFW_CONFIG_DIR: dir, CI: "1" },
    });
    const all = `${r.stdout}\n${r.stderr}`;
    expect(r.status).toBe(1);
    const count = (text: string) => all.split(text).length - 1;
    expect(count("Invalid configuration, nothing was synthesized:")).toBe(1);
    expect(count('dev.json: region: "cn-north-1" is in AWS China')).toBe(1);
    expect(count("prod.json: vpcCidr: /8 is larger than AWS allows for a VPC")).toBe(1);
    expect(count("2 configuration problems in 2 files")).toBe(1);
    expect(existsSync(outdir)).toBe(false); // nothing was written
  });
});

describe("JSON", () => {
  test("a syntax error names file, line and column", () => {
    const text = ['{', '  "accountId": "111122223333",', '  "region": "us-east-1"', '  "vpcCidr": "10.2.0.0/16"', "}"].join("\n");
    // The missing comma: "vpcCidr" starts line 4, column 3.
    expect(loadProblems(configDir({ "dev.json": text }))).toEqual(['dev.json:4:3: expected \',\' or \'}\' after the value of "region", found "\\""']);
  });

  test.each([
    ['{\n  "a": 1,\n}', "3:1", /trailing comma before '}'/],
    ["{\n  // note\n}", "2:3", /comments are not allowed/],
    ["{'accountId': 1}", "1:2", /double quotes/],
    ['{"a": 01}', "1:7", /invalid number "01"/],
    ['{"a": "x', "1:7", /unterminated string/],
    ['{"a": "tab\there"}', "1:11", /control character U\+0009/],
    ["", "1:1", /the file is empty/],
    ['{"a": 1} {"b": 2}', "1:10", /after the end of the JSON value/],
  ])("%j: line:column %s", (text, where, what) => {
    const problems = loadProblems(configDir({ "dev.json": text }));
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`dev.json:${where}: `)).toBe(true);
    expect(problems[0]).toMatch(what);
  });

  test("a UTF-8 byte-order mark at the start is accepted", () => {
    const dir = configDir({ "dev.json": `\uFEFF${JSON.stringify({ accountId: ACCOUNT })}` });
    expect(loadAllEnvironments(dir, dir).map((e) => e.accountId)).toEqual([ACCOUNT]);
  });

  test("duplicate keys are refused, each with its object's path and both lines, with the file's other problems", () => {
    const text = [
      "{",
      '  "accountId": "111122223333",',
      '  "firewall": {',
      '    "deleteProtection": true,',
      '    "deleteProtection": false',
      "  },",
      '  "region": "moon-1",',
      '  "accountId": "111122223333"',
      "}",
    ].join("\n");
    expect(loadProblems(configDir({ "dev.json": text }))).toEqual([
      'dev.json:5:5: firewall: duplicate key "deleteProtection" (first at line 4): JSON readers keep only the last one, so the other is silently lost; remove one',
      'dev.json:8:3: (top level): duplicate key "accountId" (first at line 2): JSON readers keep only the last one, so the other is silently lost; remove one',
      expect.stringMatching(/^dev\.json: region: must be an AWS region name/),
    ]);
  });

  test('a file named "*.JSON" is refused with the name to use; its lowercase twin is still read', () => {
    const dir = configDir({ "qa.JSON": { accountId: ACCOUNT }, "dev.Json": { accountId: ACCOUNT }, "dev.json": { accountId: ACCOUNT, region: "moon-1" } });
    expect(loadProblems(dir)).toEqual([
      'dev.Json: file name: only files ending in lowercase ".json" are read as environments; rename it to "dev.json" (but "dev.json" exists too: merge the two)',
      'qa.JSON: file name: only files ending in lowercase ".json" are read as environments; rename it to "qa.json"',
      expect.stringMatching(/^dev\.json: region: /),
    ]);
  });

  test("a config directory that does not exist is a config error, not a crash", () => {
    expect(() => loadAllEnvironments(join(scratchDir("config-errors"), "missing"), "/")).toThrow(/cannot read the config directory: ENOENT/);
  });

  // JSON.parse is the reference: the reader must accept exactly what it accepts and return the same.
  const VALID = [
    "{}",
    "[]",
    ' \t\r\n{ "a" : [ 1 , -0 , 0.5 , -12.5e+3 , 1E-5 , 1e308 , 123456789012345678901234567890 ] }\r\n',
    '{"s": "\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/\\b\\f\\r", "raw": "é😀\u007f", "lone": "\\ud800"}',
    '{"__proto__": {"x": 1}, "constructor": 2}',
    '{"nested": {"deep": [[[{"k": null}]], true, false]}}',
    '"just a string"',
    "42",
    JSON.stringify({ accountId: ACCOUNT, firewall: { allowedDomains: ["pypi.org", { domain: "x.s3.amazonaws.com", acknowledgeSharedHosting: "why" }] } }, null, 4),
  ];
  test.each(VALID)("accepts what JSON.parse accepts, with the same value: %j", (text) => {
    const r = readJson(text);
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual(JSON.parse(text));
    expect(JSON.stringify(r.value)).toBe(JSON.stringify(JSON.parse(text)));
    if (text.includes("__proto__")) expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
  });

  const INVALID = ["", " ", "{", "}", "[1,]", '{"a":1,}', "{'a':1}", '{"a" 1}', '{"a":1 "b":2}', "01", "1.", ".5", "+1", "-", "1e", "0x10", "NaN", "Infinity", "tru", "nul", '"abc', '"a\\x"', '"\\u12"', '"a\tb"', "[1 2]", "{}{}", "// c\n{}", "/* */{}", '{"a":1}x', "\uFEFF{}", "[", "[1", '{"a":', "undefined", '{"a":-}'];
  test.each(INVALID)("refuses what JSON.parse refuses: %j", (text) => {
    expect(() => JSON.parse(text)).toThrow();
    const r = readJson(text);
    expect(r.value).toBeUndefined();
    expect(r.problems).toHaveLength(1);
  });
});

describe("resource names that collide between environment files", () => {
  test('"a-b" + "c" and "a" + "b-c" in one account and region are refused, naming both files and a name', () => {
    const dir = configDir({ "c.json": { accountId: ACCOUNT, projectName: "a-b" }, "b-c.json": { accountId: ACCOUNT, projectName: "a", vpcCidr: "10.3.0.0/16" } });
    const problems = loadProblems(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^c\.json: projectName: AWS names collide with b-c\.json \(both deploy to account 111122223333, region us-east-1\): both would create the Network Firewall "a-b-c-firewall" and \d+ more names; /);
  });

  test("the same names in another region or another account do not collide", () => {
    const dir = configDir({
      "c.json": { accountId: ACCOUNT, projectName: "a-b" },
      "b-c.json": { accountId: ACCOUNT, projectName: "a", region: "eu-west-1" },
      "d.json": { accountId: ACCOUNT, projectName: "x", vpcCidr: "10.3.0.0/16" }, // c.json's default range is taken in this account and region
      "x-d.json": { accountId: OTHER_ACCOUNT, projectName: "x" }, // "x-d" + ... differs anyway; and another account
      "e.json": { accountId: OTHER_ACCOUNT, projectName: "x-d", vpcCidr: "10.3.0.0/16" }, // "x-d-e" vs x-d.json's "x-x-d": no clash
    });
    expect(loadAllEnvironments(dir, dir).map((e) => e.environment).sort()).toEqual(["b-c", "c", "d", "e", "x-d"]);
  });

  test("two notebooks given the same name in one account and region are refused on notebook.name", () => {
    const notebook = (az: string) => ({ enabled: true, availabilityZone: az, name: "shared-notebook" });
    const dir = configDir({
      "dev.json": { accountId: ACCOUNT, notebook: notebook("us-east-1a") },
      "test.json": { accountId: ACCOUNT, vpcCidr: "10.3.0.0/16", notebook: notebook("us-east-1b") },
    });
    expect(loadProblems(dir)).toEqual([
      'test.json: notebook.name: AWS names collide with dev.json (both deploy to account 111122223333, region us-east-1): both would create the notebook instance "shared-notebook"; change notebook.name in one of them',
    ]);
  });
});

describe("the VPC and the subnet plan", () => {
  const problems = (raw: Raw) => problemsOf({ accountId: ACCOUNT, ...raw });

  test("a VPC too small for the plan: one message listing every subnet that needs an override", () => {
    const p = problems({ vpcCidr: "10.9.0.0/24", availabilityZones: ["us-east-1a", "us-east-1b"], subnetCidrs: { "us-east-1a": { firewall: "10.9.0.0/28" } } });
    expect(p).toEqual([
      "config/qa.json: vpcCidr: /24 is too small for the default subnet plan (it needs /16 to /19); use a bigger vpcCidr, or set subnetCidrs for every subnet " +
        "the plan would place: us-east-1a (nat, workload), us-east-1b (firewall, nat, workload) (each /16 to /28, inside 10.9.0.0/24, not overlapping)",
    ]);
  });

  test("once every listed override is given, the small VPC is accepted", () => {
    const env: EnvironmentConfig = parseEnvironment(
      {
        accountId: ACCOUNT,
        vpcCidr: "10.9.0.0/24",
        availabilityZones: ["us-east-1a", "us-east-1b"],
        subnetCidrs: {
          "us-east-1a": { firewall: "10.9.0.0/28", nat: "10.9.0.16/28", workload: "10.9.0.64/26" },
          "us-east-1b": { firewall: "10.9.0.32/28", nat: "10.9.0.48/28", workload: "10.9.0.128/26" },
        },
      },
      FILE,
    );
    expect(env.lanes["us-east-1b"]).toEqual({ firewall: "10.9.0.32/28", nat: "10.9.0.48/28", workload: "10.9.0.128/26" });
  });

  test("a VPC larger than AWS allows is refused even when every subnet is given, and no override is suggested", () => {
    const p = problems({
      vpcCidr: "10.0.0.0/8",
      availabilityZones: ["us-east-1a"],
      subnetCidrs: { "us-east-1a": { firewall: "10.0.0.0/28", nat: "10.0.0.16/28", workload: "10.1.0.0/20" } },
    });
    expect(p).toEqual(["config/qa.json: vpcCidr: /8 is larger than AWS allows for a VPC (/16 to /28); use a /16 to /19 for the default subnet plan (e.g. 10.0.0.0/16)"]);
  });

  test("a VPC smaller than AWS allows is refused", () => {
    expect(problems({ vpcCidr: "10.9.0.0/29", availabilityZones: ["us-east-1a"] })).toEqual([
      "config/qa.json: vpcCidr: /29 is smaller than AWS allows for a VPC (/16 to /28); use a /16 to /19 for the default subnet plan",
    ]);
  });

  test("subnets larger than AWS allows are refused with the sizes AWS takes", () => {
    const p = problems({ vpcCidr: "10.0.0.0/16", availabilityZones: ["us-east-1a"], subnetCidrs: { "us-east-1a": { workload: "10.0.0.0/15" } } });
    expect(p).toEqual(["config/qa.json: subnetCidrs.us-east-1a.workload: /15 is larger than AWS allows for a subnet (/16 to /28, inside vpcCidr)"]);
  });

  test("an AZ letter beyond the plan's slots lists every tier it needs", () => {
    expect(problems({ availabilityZones: ["us-east-1a", "us-east-1j"], subnetCidrs: { "us-east-1j": { nat: "10.2.200.0/28" } } })).toEqual([
      'config/qa.json: availabilityZones[1]: the default subnet plan has slots for AZ letters a-h only; set subnetCidrs.us-east-1j.{firewall, workload} for "us-east-1j"',
    ]);
  });
});

describe("interface endpoint services", () => {
  // Studio needs sagemaker.api and sagemaker.runtime (tested in config-surprises.test.ts); these cases are about the names alone.
  const endpoints = (interfaceServices: unknown[]) => ({ accountId: ACCOUNT, vpcEndpoints: { interfaceServices: [...interfaceServices, "sagemaker.api", "sagemaker.runtime"] } });

  test("a typo is refused with the name it probably meant", () => {
    const p = problemsOf(endpoints(["sts", "sagemaker-api"]));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^config\/qa\.json: vpcEndpoints\.interfaceServices\[1\]: "sagemaker-api" is not a known interface endpoint service \(did you mean "sagemaker\.api"\?\)/);
  });

  test("an unlisted name says how to acknowledge it and where the list is", () => {
    const [p] = problemsOf(endpoints(["kendra"]));
    expect(p).toContain('{ "service": "kendra", "acknowledgeUnlisted": "<why, e.g. where AWS documents it>" }');
    expect(p).toContain("KNOWN_INTERFACE_SERVICES in modules/endpoints/known-services.ts");
  });

  test("an acknowledged unlisted service is accepted, as its short name", () => {
    const env = parseEnvironment(endpoints(["sts", { service: "kendra", acknowledgeUnlisted: "Kendra search from notebooks (PrivateLink guide)" }]), FILE);
    expect(env.vpcEndpoints.interfaceServices).toEqual(["sts", "kendra", "sagemaker.api", "sagemaker.runtime"]);
    expect(env.vpcEndpoints.unlistedServicesAcknowledged).toEqual({ kendra: "Kendra search from notebooks (PrivateLink guide)" });
  });

  test.each([
    [[{ service: "sts", acknowledgeUnlisted: "because we want it" }], "vpcEndpoints.interfaceServices[0].acknowledgeUnlisted", /"sts" is a known service: write it as a plain string/],
    [[{ service: "kendra", acknowledgeUnlisted: "x" }], "vpcEndpoints.interfaceServices[0].acknowledgeUnlisted", /at least 10 characters/],
    [[{ service: "kendra", acknowledgeUnlisted: "search from notebooks" }, "sts", { service: "kendra", acknowledgeUnlisted: "listed twice on purpose" }], "vpcEndpoints.interfaceServices[2]", /"kendra" is listed twice \(also at \[0\]\)/],
    [["s3"], "vpcEndpoints.interfaceServices[0]", /always deployed as a gateway endpoint/],
    [["com.amazonaws.us-east-1.sts"], "vpcEndpoints.interfaceServices[0]", /not the full service name/],
  ])("refuses %j", (services, field, what) => {
    const p = problemsOf(endpoints(services));
    expect(p).toHaveLength(1);
    expect(p[0].startsWith(`${FILE}: ${field}: `)).toBe(true);
    expect(p[0]).toMatch(what);
  });

  test("the default list and every SageMaker-relevant service named in the README are known", () => {
    const env = parseEnvironment(endpoints(["sagemaker.featurestore-runtime", "sagemaker.metrics", "bedrock-runtime", "codeartifact.repositories", "ssmmessages"]), FILE);
    expect(env.vpcEndpoints.unlistedServicesAcknowledged).toEqual({});
    expect(parseEnvironment({ accountId: ACCOUNT }, FILE).vpcEndpoints.interfaceServices).toContain("sagemaker.api");
  });
});

describe("regions and ARNs outside the aws partition are refused", () => {
  test.each([
    ["cn-north-1", /AWS China \(partition aws-cn\)/],
    ["us-gov-west-1", /AWS GovCloud \(US\) \(partition aws-us-gov\)/],
    ["us-iso-east-1", /ISO\) partition \(partition aws-iso\)/],
    ["us-isob-east-1", /partition aws-iso-b/],
  ])("%s", (region, what) => {
    const p = problemsOf({ accountId: ACCOUNT, region });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^config\/qa\.json: region: /);
    expect(p[0]).toMatch(what);
    expect(p[0]).toMatch(/supports the aws partition only/);
  });

  test("ARNs of other partitions", () => {
    const p = problemsOf({
      accountId: ACCOUNT,
      storage: { adminRoleArns: [`arn:aws-cn:iam::${ACCOUNT}:role/Admin`] },
      firewall: { tlsInspection: { certificateAuthorityArn: `arn:aws-us-gov:acm:us-east-1:${ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012`, caCertificateFile: "ca.pem" } },
    });
    expect(p.map((m) => m.split(": ").slice(1, 3).join(": ")).sort()).toEqual([
      'firewall.tlsInspection.certificateAuthorityArn: must be an ARN of the aws partition ("arn:aws:...")',
      'storage.adminRoleArns[0]: must be an ARN of the aws partition ("arn:aws:...")',
    ]);
  });
});

describe("Suricata rules", () => {
  const none = () => undefined;

  test.each([
    'drop tcp $HOME_NET any -> $EXTERNAL_NET 22 (msg:"no outbound ssh"; sid:1000001; rev:1;)',
    'alert tls any any <> [10.0.0.0/8, !10.1.0.0/16] [443,8443] (msg:"a \\"quoted\\" word\\; and a semicolon"; tls.sni; content:"example.com"; nocase; sid:1;)',
    "pass udp 192.0.2.1 1024: -> any :1023 (sid:4294967295;)",
    "reject http $HOME_NET ![80,443] -> any 1000:2000 (flow:to_server,established; http.host; content:\"x\"; sid:7; rev:2;)",
    "alert ip 2001:db8::/32 any -> any any (msg:\"v6\"; sid:8;)",
  ])("accepts %s", (rule) => {
    const r = parseSuricataRules(rule, none);
    expect(r.problems).toEqual([]);
    expect(r.rules).toHaveLength(1);
  });

  test.each([
    ['log tcp any any -> any any (sid:1;)', /"log" is not a rule action/],
    ['rejectboth tcp any any -> any any (sid:1;)', /not supported by Network Firewall stateful rule groups/],
    ['alert tcp any any -> any (sid:1;)', /the header has 6 parts; it needs 7/],
    ['alert tpc any any -> any any (sid:1;)', /"tpc" is not a Suricata protocol/],
    ['alert sctp any any -> any any (sid:1;)', /does not support the SCTP protocol/],
    ['alert tcp any any <- any any (sid:1;)', /direction "<-" must be "->" or "<>"/],
    ['alert tcp 10.0.0.300 any -> any any (sid:1;)', /source address "10\.0\.0\.300" is not an address/],
    ['alert tcp any 70000 -> any any (sid:1;)', /source port "70000" is not a port/],
    ['alert tcp any any -> any 2000:1000 (sid:1;)', /first port is greater than its last/],
    ['alert tcp any any -> [10.0.0.0/8 any any (sid:1;)', /unclosed "\["/],
    ['alert tcp any any -> any any (msg:"no sid";)', /no "sid"/],
    ['alert tcp any any -> any any (msg:"x"; sid:abc;)', /sid "abc" must be a whole number/],
    ['alert tcp any any -> any any (sid:1; sid:2;)', /"sid" is given 2 times/],
    ['alert tcp any any -> any any (msg:"unterminated; sid:1;)', /";" inside the quoted value must be escaped/],
    ['alert tcp any any -> any any (msg:"x" sid:1)', /not terminated with ";"|expected/],
    ['alert tcp any any -> any any (sid:1; rev:x;)', /rev "x" must be a whole number/],
    ['alert tcp any any -> any any (iprep:src,BadHosts,>,50; sid:1;)', /does not support IP reputation/],
    ['alert tcp any any -> any any sid:1;', /no options/],
    ['alert tcp any any -> any any (pcre:"/^x/"; sid:1;)', /Network Firewall takes pcre only in a rule that also has content, tls\.sni, http\.host, dns\.query/],
    ['alert tcp any any -> any any (sid:1;) extra', /must end the rule with "\)"/],
  ])("refuses %s", (rule, what) => {
    const r = parseSuricataRules(rule, none);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].line).toBe(1);
    expect(r.problems[0].message).toMatch(what);
  });

  test("a rules file: every bad rule reported with its line, in one run, alongside the file's other problems", () => {
    const dir = scratchDir("config-errors-rules");
    writeFileSync(
      join(dir, "rules.suricata"),
      [
        "# egress extras",
        'drop tcp $HOME_NET any -> $EXTERNAL_NET 22 (msg:"ssh"; sid:1000001;)',
        "",
        'drop tcp $HOME_NET any -> $EXTERNAL_NET 23 (msg:"telnet"; sid:1000001;)', // sid reused
        'alert tls $HOME_NET any -> any any (msg:"mine"; sid:9100001;)', // a protocol-hygiene sid
        'block tcp any any -> any any (sid:5;)', // no such action
        'alert tcp any any -> any any (msg:"x";)', // no sid
      ].join("\n"),
    );
    const p = problemsOf({ accountId: ACCOUNT, region: "moon-1", firewall: { suricataRulesFile: "rules.suricata" } }, FILE, dir);
    const rules = 'config/qa.json: firewall.suricataRulesFile: "rules.suricata"';
    expect(p).toEqual([
      expect.stringMatching(/^config\/qa\.json: region: must be an AWS region name/),
      `${rules} line 4: sid 1000001 is also used on line 2; Network Firewall needs unique sids in a rule group`,
      `${rules} line 5: sid 9100001 is reserved for the project's protocol-hygiene rules (sids 9100001-9100099, modules/network/firewall.ts); choose another, so alert logs name one rule per sid`,
      `${rules} line 6: "block" is not a rule action (pass, drop, reject, alert)`,
      `${rules} line 7: no "sid": every rule needs a numeric ID, e.g. sid:1000001;`,
    ]);
  });

  test("continuation lines are refused: the rules string is one rule per line", () => {
    const r = parseSuricataRules('alert tcp any any -> any any (msg:"x"; \\\n sid:1;)', none);
    expect(r.problems[0]).toEqual({ line: 1, message: 'ends with "\\": continuation lines are not supported; write each rule on one line' });
  });
});
