/**
 * The default subnet plan: which CIDR each AZ's firewall, NAT and workload subnet gets.
 *
 * Design rule: an AZ's blocks are a function of that AZ's *letter* only, never of its position in
 * the configured list. Adding, removing or reordering AZs therefore leaves every other AZ's CIDRs
 * (and so its subnets, route tables and routes) byte-identical in the plan.
 *
 * Layout for a VPC of prefix /p (p = 16..19), slot = AZ letter index (a=0 ... h=7):
 *
 *   first half of the VPC      workload subnets, one /(p+4) per slot    (a /16 gives /20 = 4091 IPs)
 *   block 8 of 16 (/(p+4))     "infrastructure" block:
 *       /28 number slot         firewall subnet of that AZ
 *       /28 number 8 + slot     NAT subnet of that AZ
 *   blocks 9..15               unallocated, left for future tiers
 *
 * Workload subnets are big because SageMaker Studio needs 2-4 IPs per user plus interface
 * endpoint ENIs; firewall and NAT subnets hold one ENI each, and /28 is the smallest subnet AWS
 * allows (and the size AWS recommends for Network Firewall subnets).
 *
 * Any tier of any AZ can be overridden; overrides are checked for alignment, containment in the
 * VPC, AWS subnet size limits and overlap with every other subnet, planned or overridden. A VPC
 * outside AWS's /16-/28 is refused whatever the overrides; one smaller than the plan's /19 gets
 * one message listing every subnet that needs an override.
 */
import { Cidr, cidrSubnet, contains, overlaps, parseCidr, prefixOf } from "./cidr";

export const TIERS = ["firewall", "nat", "workload"] as const;
export type Tier = (typeof TIERS)[number];
export type LaneCidrs = Readonly<Record<Tier, string>>;
export type LaneOverrides = Partial<Record<Tier, string>>;

/** One problem, located by the config path of the value that caused it. */
export interface PlanIssue {
  /** Where, as config paths name it: ["vpcCidr"], ["availabilityZones", 2], ["subnetCidrs", "<az>", "<tier>"]. */
  readonly path: ReadonlyArray<string | number>;
  /** What is wrong, and what would fix it. */
  readonly message: string;
}

export interface PlanInput {
  /** The VPC's IPv4 CIDR; the default plan needs /16 to /19. Required. */
  readonly vpcCidr: string;
  /** The AZ names to plan a lane for; a default lane needs an AZ letter a-h. Required. */
  readonly availabilityZones: ReadonlyArray<string>;
  /** Per-AZ, per-tier CIDRs that replace the plan's (inside the VPC, /16 to /28, overlapping nothing). Default: none. */
  readonly overrides?: Readonly<Record<string, LaneOverrides>>;
}

export interface PlanResult {
  /** Keyed by AZ name, in the order the AZs were configured. Empty when there are issues. */
  readonly lanes: Readonly<Record<string, LaneCidrs>>;
  /** Every problem found (all of them, not the first); empty when the plan holds. */
  readonly issues: ReadonlyArray<PlanIssue>;
}

export const SLOT_LETTERS = "abcdefgh";
/** The plan is defined for VPC prefixes /16 (the largest AWS allows) to /19. */
export const PLAN_MIN_PREFIX = 16;
export const PLAN_MAX_PREFIX = 19;
/** AWS subnet size limits. */
export const SUBNET_MIN_PREFIX = 16;
export const SUBNET_MAX_PREFIX = 28;

const WORKLOAD_NEWBITS = 4;
const INFRA_BLOCK = 8; // the /(p+4) block right after the eight workload blocks
const INFRA_SUBNET_PREFIX = 28;
const NAT_OFFSET = SLOT_LETTERS.length;

/** Slot of an AZ, from its trailing letter ("us-east-1c" -> 2); undefined beyond "h". */
export function slotOf(az: string): number | undefined {
  const i = SLOT_LETTERS.indexOf(az.slice(-1));
  return i < 0 ? undefined : i;
}

function plannedCidr(vpc: Cidr, slot: number, tier: Tier): Cidr {
  if (tier === "workload") return cidrSubnet(vpc, WORKLOAD_NEWBITS, slot);
  const infra = cidrSubnet(vpc, WORKLOAD_NEWBITS, INFRA_BLOCK);
  const newbits = INFRA_SUBNET_PREFIX - prefixOf(infra);
  return cidrSubnet(infra, newbits, tier === "firewall" ? slot : NAT_OFFSET + slot);
}

/** VPC CIDR sizes AWS allows (Amazon VPC User Guide, "VPC CIDR blocks": /16 to /28). */
export const VPC_MIN_PREFIX = 16;
export const VPC_MAX_PREFIX = 28;

/**
 * The lanes a VPC construct builds (InspectedVpc, the hub's InspectionVpc and SpokeVpc): `given.lanes`
 * as they are, or `plan`'s lanes for `given.availabilityZones` in `vpcCidr`, never both. A plan
 * problem throws, every issue in one message prefixed with `owner`.
 */
export function lanesOrPlan<C>(
  owner: string,
  given: { readonly lanes?: Readonly<Record<string, C>>; readonly availabilityZones?: ReadonlyArray<string> },
  vpcCidr: string,
  plan: (input: { vpcCidr: string; availabilityZones: ReadonlyArray<string> }) => { readonly lanes: Readonly<Record<string, C>>; readonly issues: ReadonlyArray<PlanIssue> },
): Readonly<Record<string, C>> {
  if (given.lanes && given.availabilityZones) throw new Error(`${owner}: give availabilityZones or lanes, not both`);
  if (given.lanes) return given.lanes;
  const planned = plan({ vpcCidr, availabilityZones: given.availabilityZones ?? [] });
  if (planned.issues.length > 0) throw new Error(`${owner}: ${planned.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return planned.lanes;
}

/** "us-east-1a (firewall, nat, workload), us-east-1b (nat)". */
function describeMissing(missing: ReadonlyArray<{ az: string; tier: Tier }>): string {
  const byAz = new Map<string, Tier[]>();
  for (const m of missing) byAz.set(m.az, [...(byAz.get(m.az) ?? []), m.tier]);
  return [...byAz].map(([az, tiers]) => `${az} (${tiers.join(", ")})`).join(", ");
}

export function planLanes(input: PlanInput): PlanResult {
  const issues: PlanIssue[] = [];
  const vpc = parseCidr(input.vpcCidr);
  if (typeof vpc === "string") return { lanes: {}, issues: [{ path: ["vpcCidr"], message: vpc }] };
  const vpcPrefix = prefixOf(vpc);
  // Outside AWS's limits no subnet override can help: say so, and only so, for the VPC.
  const vpcAllowed = vpcPrefix >= VPC_MIN_PREFIX && vpcPrefix <= VPC_MAX_PREFIX;
  if (!vpcAllowed) {
    issues.push({
      path: ["vpcCidr"],
      message:
        `/${vpcPrefix} is ${vpcPrefix < VPC_MIN_PREFIX ? "larger" : "smaller"} than AWS allows for a VPC (/${VPC_MIN_PREFIX} to /${VPC_MAX_PREFIX}); ` +
        `use a /${PLAN_MIN_PREFIX} to /${PLAN_MAX_PREFIX} for the default subnet plan` +
        (vpcPrefix < VPC_MIN_PREFIX ? ` (e.g. ${vpc.getFirst()}/${VPC_MIN_PREFIX})` : ""),
    });
  }
  const planFits = vpcPrefix >= PLAN_MIN_PREFIX && vpcPrefix <= PLAN_MAX_PREFIX;

  const placed: Array<{ az: string; tier: Tier; cidr: Cidr; path: ReadonlyArray<string | number> }> = [];
  const overrides = input.overrides ?? {};
  /** Tiers the default plan cannot place and nothing overrides: one message lists them all. */
  const tooSmall: Array<{ az: string; tier: Tier }> = [];

  input.availabilityZones.forEach((az, index) => {
    const own = overrides[az] ?? {};
    const unslotted: Tier[] = [];
    for (const tier of TIERS) {
      const override = own[tier];
      if (override !== undefined) {
        const path = ["subnetCidrs", az, tier];
        const cidr = parseCidr(override);
        if (typeof cidr === "string") {
          issues.push({ path, message: cidr });
          continue;
        }
        const prefix = prefixOf(cidr);
        if (prefix < SUBNET_MIN_PREFIX || prefix > SUBNET_MAX_PREFIX) {
          issues.push({
            path,
            message: `/${prefix} is ${prefix < SUBNET_MIN_PREFIX ? "larger" : "smaller"} than AWS allows for a subnet (/${SUBNET_MIN_PREFIX} to /${SUBNET_MAX_PREFIX}, inside vpcCidr)`,
          });
          continue;
        }
        if (!vpcAllowed) continue; // containment in a VPC AWS refuses says nothing
        if (!contains(vpc, cidr)) {
          issues.push({ path, message: `${override} is not inside vpcCidr ${input.vpcCidr}` });
          continue;
        }
        placed.push({ az, tier, cidr, path });
        continue;
      }
      // No override: the default plan must be able to place this tier.
      if (!vpcAllowed) continue;
      if (!planFits) {
        tooSmall.push({ az, tier });
        continue;
      }
      const slot = slotOf(az);
      if (slot === undefined) {
        unslotted.push(tier);
        continue;
      }
      placed.push({ az, tier, cidr: plannedCidr(vpc, slot, tier), path: ["subnetCidrs", az, tier] });
    }
    if (unslotted.length > 0) {
      issues.push({
        path: ["availabilityZones", index],
        message:
          `the default subnet plan has slots for AZ letters ${SLOT_LETTERS[0]}-${SLOT_LETTERS.slice(-1)} only; ` +
          `set subnetCidrs.${az}.${unslotted.length === 1 ? unslotted[0] : `{${unslotted.join(", ")}}`} for "${az}"`,
      });
    }
  });
  if (tooSmall.length > 0) {
    issues.push({
      path: ["vpcCidr"],
      message:
        `/${vpcPrefix} is too small for the default subnet plan (it needs /${PLAN_MIN_PREFIX} to /${PLAN_MAX_PREFIX}); ` +
        `use a bigger vpcCidr, or set subnetCidrs for every subnet the plan would place: ${describeMissing(tooSmall)} ` +
        `(each /${SUBNET_MIN_PREFIX} to /${SUBNET_MAX_PREFIX}, inside ${input.vpcCidr}, not overlapping)`,
    });
  }

  for (const az of Object.keys(overrides)) {
    if (!input.availabilityZones.includes(az)) {
      issues.push({ path: ["subnetCidrs", az], message: `"${az}" is not one of availabilityZones` });
    }
  }

  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) {
      const a = placed[i];
      const b = placed[j];
      if (overlaps(a.cidr, b.cidr)) {
        const [later, earlier] = overrides[b.az]?.[b.tier] !== undefined ? [b, a] : [a, b];
        issues.push({
          path: later.path,
          message:
            `${later.cidr.toCidrString()} (${later.az} ${later.tier}) overlaps ` +
            `${earlier.cidr.toCidrString()} (${earlier.az} ${earlier.tier})`,
        });
      }
    }
  }

  if (issues.length > 0) return { lanes: {}, issues };
  const lanes: Record<string, Record<Tier, string>> = {};
  for (const p of placed) {
    lanes[p.az] ??= { firewall: "", nat: "", workload: "" };
    lanes[p.az][p.tier] = p.cidr.toCidrString();
  }
  return { lanes, issues };
}
