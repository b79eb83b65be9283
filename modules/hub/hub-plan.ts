/**
 * Subnet plans of the egress hub's inspection VPC and of a spoke VPC, on the same rule as the
 * environment network's plan (modules/network/subnet-plan.ts): an AZ's subnets are a function of
 * its *letter* only, so adding, removing or reordering AZs never moves another AZ's subnets.
 *
 * Inspection VPC, prefix /p (16..23), slot = AZ letter index (a=0 ... h=7), /28 blocks from the start:
 *   /28 number slot         Transit Gateway attachment subnet of that AZ
 *   /28 number 8 + slot     firewall subnet of that AZ
 *   /28 number 16 + slot    NAT (public) subnet of that AZ
 * Each holds one or two ENIs (the attachment's, the firewall endpoint's, the NAT gateway's); /28 is
 * the smallest subnet AWS allows and the size AWS recommends for Transit Gateway attachment
 * subnets and firewall subnets (Amazon VPC Transit Gateways, "Transit gateway design best
 * practices"; Network Firewall Developer Guide, subnets). 24 /28s need a /23: nothing else lives in
 * the inspection VPC, so a small CIDR keeps the organisation's address space for spokes.
 *
 * Spoke VPC (/16../19): the workload subnet is the environment plan's own (planLanes), so an
 * environment keeps its workload subnets' CIDRs when it moves between local egress and the hub;
 * the attachment subnet is /28 number 16 + slot of the plan's infrastructure block, which the local
 * plan leaves free (its firewall and NAT subnets are /28 numbers slot and 8 + slot there), so both
 * layouts can exist side by side while an environment moves.
 */
import { cidrSubnet, contains, overlaps, parseCidr, prefixOf } from "../network/cidr";
import { PlanIssue, planLanes, slotOf, SLOT_LETTERS } from "../network/subnet-plan";

export const HUB_TIERS = ["attachment", "firewall", "nat"] as const;
export type HubTier = (typeof HUB_TIERS)[number];
/** An inspection VPC lane's three subnet CIDRs. */
export type HubLaneCidrs = Readonly<Record<HubTier, string>>;

export const SPOKE_TIERS = ["workload", "attachment"] as const;
export type SpokeTier = (typeof SPOKE_TIERS)[number];
/** A spoke VPC lane's two subnet CIDRs. */
export type SpokeLaneCidrs = Readonly<Record<SpokeTier, string>>;

/** The inspection VPC's plan is defined for /16 to /23 (24 /28 subnets need a /23). */
export const HUB_PLAN_MIN_PREFIX = 16;
export const HUB_PLAN_MAX_PREFIX = 23;
const HUB_SUBNET_PREFIX = 28;
const HUB_TIER_OFFSET: Readonly<Record<HubTier, number>> = { attachment: 0, firewall: SLOT_LETTERS.length, nat: 2 * SLOT_LETTERS.length };

export interface LanePlan<C> {
  /** Keyed by AZ name, in the order the AZs were given. Empty when there are issues. */
  readonly lanes: Readonly<Record<string, C>>;
  /** Every problem found; empty when the plan holds. */
  readonly issues: ReadonlyArray<PlanIssue>;
}

/** The inspection VPC's lanes for `availabilityZones` (AZ letters a-h) in `vpcCidr` (/16../23). */
export function planHubLanes(input: { vpcCidr: string; availabilityZones: ReadonlyArray<string> }): LanePlan<HubLaneCidrs> {
  const vpc = parseCidr(input.vpcCidr);
  if (typeof vpc === "string") return { lanes: {}, issues: [{ path: ["vpcCidr"], message: vpc }] };
  const p = prefixOf(vpc);
  if (p < HUB_PLAN_MIN_PREFIX || p > HUB_PLAN_MAX_PREFIX) {
    return { lanes: {}, issues: [{ path: ["vpcCidr"], message: `/${p} does not fit the inspection VPC's plan: use a /${HUB_PLAN_MIN_PREFIX} to /${HUB_PLAN_MAX_PREFIX} (a /23 is enough)` }] };
  }
  const issues: PlanIssue[] = [];
  const lanes: Record<string, HubLaneCidrs> = {};
  input.availabilityZones.forEach((az, index) => {
    const slot = slotOf(az);
    if (slot === undefined) {
      issues.push({ path: ["availabilityZones", index], message: `the hub's subnet plan has slots for AZ letters ${SLOT_LETTERS[0]}-${SLOT_LETTERS.slice(-1)} only; "${az}" has none` });
      return;
    }
    if (lanes[az]) {
      issues.push({ path: ["availabilityZones", index], message: `"${az}" is listed twice` });
      return;
    }
    const cidr = (tier: HubTier) => cidrSubnet(vpc, HUB_SUBNET_PREFIX - p, HUB_TIER_OFFSET[tier] + slot).toCidrString();
    lanes[az] = { attachment: cidr("attachment"), firewall: cidr("firewall"), nat: cidr("nat") };
  });
  return issues.length > 0 ? { lanes: {}, issues } : { lanes, issues };
}

/** /28 number of a spoke's attachment subnet in the environment plan's infrastructure block. */
const SPOKE_ATTACHMENT_OFFSET = 2 * SLOT_LETTERS.length;

/**
 * A spoke VPC's lanes: the environment plan's workload subnet (planLanes, so it is the same CIDR
 * the environment has with local egress) and an attachment /28 the local plan leaves free.
 */
export function planSpokeLanes(input: { vpcCidr: string; availabilityZones: ReadonlyArray<string> }): LanePlan<SpokeLaneCidrs> {
  const plan = planLanes(input);
  if (plan.issues.length > 0) return { lanes: {}, issues: plan.issues };
  const vpc = parseCidr(input.vpcCidr);
  if (typeof vpc === "string") return { lanes: {}, issues: [{ path: ["vpcCidr"], message: vpc }] };
  // The plan's infrastructure block: the /(p+4) right after the eight workload blocks (subnet-plan.ts).
  const infra = cidrSubnet(vpc, 4, 8);
  const lanes: Record<string, SpokeLaneCidrs> = {};
  for (const [az, cidrs] of Object.entries(plan.lanes)) {
    const slot = slotOf(az)!;
    lanes[az] = { workload: cidrs.workload, attachment: cidrSubnet(infra, HUB_SUBNET_PREFIX - prefixOf(infra), SPOKE_ATTACHMENT_OFFSET + slot).toCidrString() };
  }
  return { lanes, issues: [] };
}

/** A named set of CIDRs (a spoke's ranges, the hub VPC's). */
export interface NamedRanges {
  readonly name: string;
  readonly cidrs: ReadonlyArray<string>;
}

/**
 * Problems with ranges that share one Transit Gateway: each must parse, and no two may overlap
 * (AWS: "A transit gateway doesn't support routing between VPCs with identical CIDRs, or if a CIDR
 * in a range overlaps a CIDR in an attached VPC", Amazon VPC Transit Gateways, VPC attachments;
 * and the firewall could no longer tell whose allowlist a source address falls under).
 */
export function rangeIssues(sets: ReadonlyArray<NamedRanges>): string[] {
  const issues: string[] = [];
  const parsed: Array<{ name: string; text: string; cidr: Exclude<ReturnType<typeof parseCidr>, string> }> = [];
  for (const s of sets) {
    if (s.cidrs.length === 0) issues.push(`${s.name} has no CIDR`);
    for (const text of s.cidrs) {
      const cidr = parseCidr(text);
      if (typeof cidr === "string") issues.push(`${s.name}: ${cidr}`);
      else parsed.push({ name: s.name, text, cidr });
    }
  }
  for (let i = 0; i < parsed.length; i++) {
    for (let j = i + 1; j < parsed.length; j++) {
      const [a, b] = [parsed[i], parsed[j]];
      if (overlaps(a.cidr, b.cidr)) {
        const how = contains(a.cidr, b.cidr) || contains(b.cidr, a.cidr) ? "contains or is inside" : "overlaps";
        issues.push(`${b.name} ${b.text} ${how} ${a.name} ${a.text}`);
      }
    }
  }
  return issues;
}
