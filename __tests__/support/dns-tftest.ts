/**
 * Writes a `terraform test` file proving, in a mock plan, that the network's filters are wired
 * as the README says: the DNS firewall's rule group is associated with this VPC (mutation-protected),
 * its allow rule is evaluated before the rule that blocks every other name with NXDOMAIN, the VPC's
 * resolver firewall config fails closed, every query is logged to the log group; and the Network
 * Firewall policy the firewall uses evaluates protocol hygiene before the domain allowlist.
 *
 * Rule groups get distinct mock ARNs (override values) so a swapped reference is visible. What
 * the assertions expect (actions, NXDOMAIN, DISABLED, the order) is the README's contract, written
 * here, not read from the stack.
 */
import { Json, resourcesOf } from "./synth";
import { Assertions, GeneratedTest, hcl, MockSyncState, tftestFile } from "./tftest";

export function dnsAndPolicyTest(json: Json, syncStates: ReadonlyArray<MockSyncState>): GeneratedTest {
  const only = (type: string) => {
    const all = resourcesOf(json, type);
    if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
    return `${type}.${all[0][0]}`;
  };
  const vpc = only("aws_vpc");
  const association = only("aws_route53_resolver_firewall_rule_group_association");
  const config = only("aws_route53_resolver_firewall_config");
  const queryLogAssociation = only("aws_route53_resolver_query_log_config_association");
  const queryLog = only("aws_route53_resolver_query_log_config");
  const rules = `[${resourcesOf(json, "aws_route53_resolver_firewall_rule").map(([n]) => `aws_route53_resolver_firewall_rule.${n}`).join(", ")}]`;
  const lists = `[${resourcesOf(json, "aws_route53_resolver_firewall_domain_list").map(([n]) => `aws_route53_resolver_firewall_domain_list.${n}`).join(", ")}]`;
  const groupRules = `[for r in ${rules} : r if r.firewall_rule_group_id == ${association}.firewall_rule_group_id]`;
  const first = `one([for r in ${groupRules} : r if r.priority == min([for x in ${groupRules} : x.priority]...)])`;
  const last = `one([for r in ${groupRules} : r if r.priority == max([for x in ${groupRules} : x.priority]...)])`;
  const domainsOf = (rule: string) => `one([for l in ${lists} : l.domains if l.id == ${rule}.firewall_domain_list_id])`;

  const asserts = new Assertions();
  asserts.add(`${association}.vpc_id == ${vpc}.id && ${association}.mutation_protection == "ENABLED"`, "the DNS firewall rule group must be associated with this VPC, mutation-protected");
  asserts.add(`length(${groupRules}) == 2`, "the associated rule group must hold the allow rule and the default rule");
  asserts.add(
    `${first}.action == "ALLOW" && !contains(tolist(${domainsOf(first)}), "*")`,
    "the first rule evaluated must allow the allowed names (not everything)",
  );
  asserts.add(
    `${last}.action == "BLOCK" && ${last}.block_response == "NXDOMAIN" && tolist(${domainsOf(last)}) == tolist(["*"])`,
    "the last rule must answer NXDOMAIN for every other name",
  );
  asserts.add(`${config}.resource_id == ${vpc}.id && ${config}.firewall_fail_open == "DISABLED"`, "the VPC's DNS firewall must fail closed");
  asserts.add(
    `${queryLogAssociation}.resource_id == ${vpc}.id && ${queryLogAssociation}.resolver_query_log_config_id == ${queryLog}.id`,
    "every query of the VPC must be logged",
  );

  // Network Firewall: the policy the firewall uses evaluates protocol hygiene before the allowlist.
  const groups = resourcesOf(json, "aws_networkfirewall_rule_group");
  const group = (suffix: string) => {
    const hit = groups.find(([, g]) => String(g.name).endsWith(suffix));
    if (!hit) throw new Error(`no rule group named *${suffix}`);
    return `aws_networkfirewall_rule_group.${hit[0]}`;
  };
  const firewall = only("aws_networkfirewall_firewall");
  const policy = only("aws_networkfirewall_firewall_policy");
  const priorityOf = (g: string) => `one([for r in ${policy}.firewall_policy[0].stateful_rule_group_reference : r.priority if r.resource_arn == ${g}.arn])`;
  asserts.add(`${firewall}.firewall_policy_arn == ${policy}.arn`, "the firewall must use this policy");
  asserts.add(
    `${priorityOf(group("-protocol-hygiene"))} < ${priorityOf(group("-domain-allowlist"))}`,
    "protocol hygiene must be evaluated before the domain allowlist",
  );

  // Distinct ARNs per rule group (the mock provider's default would make every group look alike).
  const arns = new Map(groups.map(([name, g]) => [`aws_networkfirewall_rule_group.${name}`, { arn: hcl(`arn:aws:network-firewall:us-east-1:123456789012:stateful-rulegroup/${g.name}`) }]));
  return tftestFile("dns-tftest.ts", "dns_firewall_and_rule_group_order", json, syncStates, asserts, arns);
}
