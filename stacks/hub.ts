/**
 * A hub's stack from config, as main.ts builds it: `<hub>-inspection` (HubStack) with the hub side
 * of every environment whose egress names the hub (config/hubs/<hub>.json, docs/hub.md).
 *
 * Each spoke is named after its environment file (unique in a config directory), its HOME_NET is
 * its vpcCidr, its allowlist its firewall.allowedDomains. Its attachment is accepted, associated and
 * routed only once its egress.attachmentId is set (the cross-account deploy order); a spoke in the
 * hub's own account is accepted by AWS itself, so it gets no accepter. Spokes still waiting for a
 * step of that order are named in synth warnings on this stack, with the step to take.
 */
import { Annotations, App } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import { HubConfig, spokesOf } from "../modules/config/hubs";
import type { HubSpoke } from "../modules/hub";
import { waive } from "../modules/guardrails";
import { HubStack } from "./hub-stack";
import { configureBackend } from "./backend";

/** Default S3 key prefix and Terraform Cloud workspace prefix of hub stacks' state. */
export const HUB_STATE_PREFIX = "egress-hub";

export function hubStack(app: App, hub: HubConfig, environments: ReadonlyArray<EnvironmentConfig>): HubStack {
  const spokes = spokesOf(hub, environments);
  const stack = new HubStack(app, {
    name: hub.name,
    accountId: hub.accountId,
    region: hub.region,
    assumeRoleArn: hub.assumeRoleArn,
    tags: hub.tags,
    logRetentionDays: hub.logging.retentionDays,
    preventDestroy: hub.preventDestroy,
    hub: {
      vpcCidr: hub.vpcCidr,
      availabilityZones: hub.availabilityZones,
      spokes: spokes.map((env) => hubSpoke(hub, env)),
      sharedAllowlist: hub.sharedAllowlist ? { allowedDomains: hub.sharedAllowlist.allowedDomains, capacity: hub.sharedAllowlist.capacity } : undefined,
      spokeToSpoke: hub.spokeToSpoke,
      share: hub.share,
      shareDnsRuleGroup: hub.shareDnsRuleGroup,
      amazonSideAsn: hub.amazonSideAsn,
    },
  });
  configureBackend(stack, { backend: hub.backend, projectName: HUB_STATE_PREFIX, region: hub.region });

  // Acknowledged shared-hosting entries are waived on the group that holds them, per entry, as a
  // local network does (stacks/network-stack.ts).
  const groups = stack.hub.network.inspection.allowlists;
  const acknowledged: Array<[string, Readonly<Record<string, string>>, string]> = [
    ...spokes.map((env): [string, Readonly<Record<string, string>>, string] => [`spoke-${env.environment}`, env.firewall.sharedHostingAcknowledged, env.sourceFile]),
    ...(hub.sharedAllowlist ? [["shared", hub.sharedAllowlist.sharedHostingAcknowledged, hub.sourceFile] as [string, Readonly<Record<string, string>>, string]] : []),
  ];
  for (const [key, entries, file] of acknowledged) {
    const group = groups[key];
    if (!group) continue;
    for (const [domain, reason] of Object.entries(entries)) waive(group, "NFW_NO_SHARED_HOSTING", `shared hosting "${domain}": acknowledged in ${file}: ${reason}`, { finding: `"${domain}"` });
  }

  if (!hub.preventDestroy) {
    Annotations.of(stack).addWarning(
      `${hub.sourceFile}: preventDestroy is false: a plan may destroy the Transit Gateway, the inspection VPC's attachment, the hub's key and its log groups; ` +
        `applied, every spoke's egress stops and the hub's firewall, flow and DNS logs are deleted. Keep it true unless you are removing the hub on purpose`,
    );
  }
  for (const env of spokes) {
    const pending = pendingStep(hub, env);
    if (pending) Annotations.of(stack).addWarning(pending);
  }
  return stack;
}

/** The hub side of one environment. */
function hubSpoke(hub: HubConfig, env: EnvironmentConfig): HubSpoke {
  const egress = env.egress.mode === "hub" ? env.egress : undefined;
  return {
    name: env.environment,
    cidrs: [env.vpcCidr],
    accountId: env.accountId,
    attachmentId: egress?.attachmentId,
    // An attachment in the gateway's own account is accepted by AWS; another account's needs the hub's accepter.
    accept: env.accountId !== hub.accountId,
    allowedDomains: env.firewall.allowedDomains,
    allowlistCapacity: env.firewall.ruleGroupCapacity,
    sharedAllowlist: egress?.sharedAllowlist,
  };
}

/** The deploy step a spoke still waits for (docs/hub.md, "Deploy order"), as a synth warning; undefined when attached. */
function pendingStep(hub: HubConfig, env: EnvironmentConfig): string | undefined {
  if (env.egress.mode !== "hub") return undefined;
  if (env.egress.transitGatewayId === undefined) {
    return (
      `${env.sourceFile}: egress.transitGatewayId is not set: ${env.environment}'s stacks are not synthesized, and its workloads have no network yet. ` +
      `Deploy ${hub.name}-inspection, then set egress.transitGatewayId to its transit_gateway_id output`
    );
  }
  if (env.egress.attachmentId === undefined) {
    return (
      `${env.sourceFile}: egress.attachmentId is not set: hub ${hub.name} declares ${env.environment} (its allowlist and return routes in the VPC) but attaches nothing, so its workloads reach nothing outside their VPC. ` +
      `Deploy ${env.environment}-network, set egress.attachmentId to its transit_gateway_attachment_id output, deploy ${hub.name}-inspection again` +
      // In another account the network's routes wait for the acceptance (stacks/network-stack.ts, spokeAttachmentState).
      (env.accountId === hub.accountId ? "" : `, then ${env.environment}-network again (its routes to the gateway)`)
    );
  }
  return undefined;
}
