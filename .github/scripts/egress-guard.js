// The egress-path guard: deploy.yml refuses to apply a stack whose plan deletes (or replaces) a
// resource an egress path hangs on, unless the run was dispatched by a person who names that stack in
// its `egress-changes-done` input; review-gate says so on the pull request (plan-comment.js).
//
// Why: a merged move between local egress and a hub (docs/hub.md, "Moving an environment") planned as
// a whole stack switches the routes before the other path is ready, and removing a spoke from a hub
// deletes its attachment (the accepter's delete calls DeleteTransitGatewayVpcAttachment:
// hashicorp/terraform-provider-aws internal/service/ec2, resourceTransitGatewayVPCAttachmentAccepterDelete).
// Both need manual steps first (the targeted create, the state rm, the accepter) and a pipeline cannot
// know they were done: a person says so by dispatching the deploy, after the production approval.
//
// Guarded: the local path's firewall and internet gateway (a local -> hub move deletes them: the NAT
// gateways alone go with a removed AZ's lane, judged by the pull request's gate and not guarded here),
// a spoke's attachment (hub -> local, or its replacement), the hub's accepter of a spoke's attachment,
// the hub's gateway and its inspection attachment. Unit-tested in __tests__/workflows.test.ts.
//   node .github/scripts/egress-guard.js STACK PLAN_JSON   (`terraform show -json` of the saved plan)
//     env CONFIRMED: the stacks a person confirmed (space or comma separated). Exit 1 when refused.
const fs = require("node:fs");

const GUARDED = {
  aws_networkfirewall_firewall: "the firewall of the local egress path",
  aws_internet_gateway: "the internet gateway of the local egress path",
  aws_ec2_transit_gateway_vpc_attachment: "a VPC's attachment to the hub's Transit Gateway",
  aws_ec2_transit_gateway_vpc_attachment_accepter: "the hub's accepter of a spoke's attachment (the attachment is deleted with it)",
  aws_ec2_transit_gateway: "the hub's Transit Gateway (every spoke's path)",
  // A spoke in the hub's own account has no accepter (AWS accepts it): removing it from the hub
  // deletes its association with the spokes' route table, which cuts its egress all the same.
  aws_ec2_transit_gateway_route_table_association: "an attachment's association with the hub's route table (a same-account spoke's path)",
};

/**
 * A firewall deleted while its delete protection is on: DeleteFirewall refuses it (API reference,
 * DeleteFirewall: "requires the firewall's DeleteProtection flag to be FALSE"), so the apply would stop
 * half-way, after the routes switched. Refused even when confirmed: turn the protection off first, in
 * an apply of its own (docs/hub.md, moving an environment).
 */
function protectedFirewallDeletes(plan) {
  return (plan.resource_changes || [])
    .filter((rc) => rc.mode === "managed" && rc.type === "aws_networkfirewall_firewall" && (rc.change.actions || []).includes("delete") && rc.change.before && (rc.change.before.delete_protection === true || rc.change.before.subnet_change_protection === true))
    .map((rc) => rc.address);
}

/** The guarded deletes and replaces of a plan (`terraform show -json`): [{ action, address, type, what }]. */
function cutsOfPlan(plan) {
  return (plan.resource_changes || [])
    .filter((rc) => rc.mode === "managed" && GUARDED[rc.type] && (rc.change.actions || []).includes("delete"))
    .map((rc) => ({ action: rc.change.actions.includes("create") ? "replace" : "delete", address: rc.address, type: rc.type, what: GUARDED[rc.type] }));
}

/** The same from a review summary's `destructive` list ("delete <address>", "replace <address>": scripts/plan-review/cli.ts). */
function cutsOfSummary(destructive) {
  return (destructive || [])
    .map((d) => /^(delete|replace) (([a-z0-9_]+)\.\S+)$/.exec(d))
    .filter((m) => m && GUARDED[m[3]])
    .map((m) => ({ action: m[1], address: m[2], type: m[3], what: GUARDED[m[3]] }));
}

const listOf = (s) =>
  String(s || "")
    .split(/[\s,]+/)
    .filter(Boolean);

/** Whether `stack`'s plan may be applied: nothing guarded is cut, or a person confirmed this stack. */
function guard({ stack, plan, confirmed }) {
  const cuts = cutsOfPlan(plan);
  const protectedDeletes = protectedFirewallDeletes(plan);
  return { stack, cuts, protectedDeletes, refused: protectedDeletes.length > 0 || (cuts.length > 0 && !listOf(confirmed).includes(stack)) };
}

/** The refusal, as the deploy job's error annotation says it. */
function refusal(stack, cuts) {
  return (
    `${stack}: the plan deletes an egress path (${cuts.map((c) => `${c.action} ${c.address}: ${c.what}`).join("; ")}). ` +
    `Not applied: do the manual steps first (docs/hub.md, "Moving an environment between local egress and a hub"; docs/ci-cd.md), ` +
    `then run the deploy workflow by hand with egress-changes-done: ${stack}`
  );
}

if (require.main === module) {
  const [stack, file] = process.argv.slice(2);
  const r = guard({ stack, plan: JSON.parse(fs.readFileSync(file, "utf8")), confirmed: process.env.CONFIRMED });
  if (r.protectedDeletes.length) {
    console.log(`::error::${stack}: the plan deletes ${r.protectedDeletes.join(", ")} while its delete or subnet change protection is on: AWS refuses the delete half-way through the apply. Turn firewall.deleteProtection and firewall.subnetChangeProtection off in an apply of its own first (docs/hub.md, moving an environment)`);
    process.exitCode = 1;
  } else if (r.refused) {
    console.log(`::error::${refusal(stack, r.cuts)}`);
    process.exitCode = 1;
  } else if (r.cuts.length) console.log(`::notice::${stack}: egress path change confirmed by the dispatch (${r.cuts.map((c) => `${c.action} ${c.address}`).join(", ")})`);
}

module.exports = { GUARDED, cutsOfPlan, cutsOfSummary, guard, protectedFirewallDeletes, refusal };
