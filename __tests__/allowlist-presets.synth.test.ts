/**
 * Allowlist presets as synthesized: the Network Firewall allowlist and the DNS firewall carry the
 * expanded names, a preset's shared-hosting names pass the guardrail with the preset's reason, and
 * the synth log shows the allowlist by preset. Expected names are the tools' own, written out.
 */
import { AnnotationMetadataEntryType, Testing } from "cdktf";
import { Json, networkStack, resourcesOf } from "./support/synth";

const ALLOWED = ["www.kaggle.com", { preset: "pip" }, { preset: "github" }];
const stack = networkStack({ firewall: { allowedDomains: ALLOWED } });
// With validations: the guardrails run, and a shared-hosting name not waived would throw here.
const json: Json = JSON.parse(Testing.synth(stack, true));

/** The INFO annotations of the stack (what `cdktf synth` prints as INFO). */
const infos = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.INFO).map((m) => String(m.data)));

describe("a config with presets, synthesized", () => {
  test("the allowlist rule group's targets are the plain and the expanded names, in config order", () => {
    const lists = resourcesOf(json, "aws_networkfirewall_rule_group")
      .map(([, g]) => g.rule_group?.rules_source?.rules_source_list)
      .filter((l) => l !== undefined);
    expect(lists).toHaveLength(1);
    expect(lists[0].targets).toEqual([
      "www.kaggle.com",
      "pypi.org",
      "files.pythonhosted.org",
      "github.com",
      "codeload.github.com",
      "objects.githubusercontent.com",
      "raw.githubusercontent.com",
      "github-cloud.githubusercontent.com",
    ]);
  });

  test("the DNS firewall allows the same names", () => {
    const [, allowed] = resourcesOf(json, "aws_route53_resolver_firewall_domain_list").find(([, l]) => JSON.stringify(l.domains) !== '["*"]')!;
    for (const d of ["www.kaggle.com", "pypi.org", "files.pythonhosted.org", "github.com", "codeload.github.com", "objects.githubusercontent.com", "raw.githubusercontent.com", "github-cloud.githubusercontent.com"]) {
      expect(allowed.domains).toContain(`"${d}"`);
    }
  });

  test("the preset's shared-hosting names pass the guardrail, each waived with the preset's name and reason", () => {
    // The guardrails ran in the synth above (a violation would have thrown) and used these waivers.
    const waived = infos.filter((l) => l.startsWith("guardrail waived: [NFW_NO_SHARED_HOSTING]"));
    expect(waived).toHaveLength(3);
    for (const line of waived) expect(line).toMatch(/: acknowledged in config\/test\.json: preset "github": .{20,}/);
  });

  test("each waiver's log line names the domain it accepts (the rule group's address alone does not say which entry)", () => {
    const waived = infos.filter((l) => l.startsWith("guardrail waived: [NFW_NO_SHARED_HOSTING]"));
    const named = waived.map((l) => /shared hosting "([^"]+)": acknowledged in /.exec(l)?.[1]);
    expect(named.sort()).toEqual(["github-cloud.githubusercontent.com", "objects.githubusercontent.com", "raw.githubusercontent.com"]);
  });

  test("the synth log shows the allowlist by preset, with the shared hosting a preset brings and why", () => {
    const summary = infos.filter((l) => l.startsWith("allowlist of config/test.json"));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatch(/^allowlist of config\/test\.json, 8 names: /);
    expect(summary[0]).toContain('preset "pip": pypi.org, files.pythonhosted.org');
    expect(summary[0]).toMatch(
      /preset "github": github\.com, codeload\.github\.com, objects\.githubusercontent\.com, raw\.githubusercontent\.com, github-cloud\.githubusercontent\.com; shared hosting objects\.githubusercontent\.com \(.{20,}\); shared hosting raw\.githubusercontent\.com \(.{20,}\); shared hosting github-cloud\.githubusercontent\.com \(.{20,}\)/,
    );
    expect(summary[0]).toMatch(/listed: www\.kaggle\.com$/);
  });
});
