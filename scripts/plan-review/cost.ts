/**
 * The fixed-cost model of docs/cost.md ("Cost per AZ"), applied to a plan: what the change adds to or
 * removes from the monthly bill before traffic. The unit prices are that page's (us-east-1 list
 * prices, 730 hours); a test reads its table and checks these agree with it.
 */
import { Json } from "./policy-diff";

export const HOURS_PER_MONTH = 730;

/** USD per hour (per month for KMS keys), as in docs/cost.md's table. */
export const UNIT_PRICES = {
  natGateway: 0.045,
  publicIpv4: 0.005,
  firewallEndpoint: 0.395,
  interfaceEndpointEni: 0.01,
  kmsKeyMonthly: 1,
} as const;

export interface CostLine {
  readonly item: string;
  /** Units added (negative: removed). */
  readonly count: number;
  readonly monthly: number;
}

export interface CostDelta {
  readonly lines: CostLine[];
  readonly monthly: number;
  /** AZ lanes the plan adds and removes (their workload subnets are created / deleted). */
  readonly azsAdded: string[];
  readonly azsRemoved: string[];
}

const monthly = (perHour: number) => Math.round(perHour * HOURS_PER_MONTH * 100) / 100;

const isCreate = (a: string[]) => a.includes("create") && !a.includes("delete");
const isDelete = (a: string[]) => a.includes("delete") && !a.includes("create");

/** Subnets an interface endpoint's config references (known even when the IDs are not). */
export function referencedSubnets(config: Json | undefined): number | undefined {
  const refs: string[] = config?.expressions?.subnet_ids?.references ?? [];
  const subnets = new Set(refs.filter((r) => /^aws_subnet\.[^.]+$/.test(r)));
  return subnets.size || undefined;
}

function endpointEnis(values: Json | null | undefined): number {
  if (!values || values.vpc_endpoint_type !== "Interface") return 0;
  return Array.isArray(values.subnet_ids) ? values.subnet_ids.length : 0;
}

/** The monthly fixed-cost change of a plan (resource_changes + configuration of `terraform show -json`). */
export function costDelta(plan: Json): CostDelta {
  const configs = new Map<string, Json>(((plan.configuration?.root_module?.resources ?? []) as Json[]).map((r) => [r.address, r]));
  const counts = { nat: 0, eip: 0, fw: 0, eni: 0, kms: 0 };
  const azsAdded: string[] = [];
  const azsRemoved: string[] = [];
  for (const rc of (plan.resource_changes ?? []) as Json[]) {
    if (rc.mode !== "managed") continue;
    const a: string[] = rc.change.actions;
    const sign = isCreate(a) ? 1 : isDelete(a) ? -1 : 0;
    const before = rc.change.before as Json | null;
    const after = rc.change.after as Json | null;
    switch (rc.type) {
      case "aws_nat_gateway":
        counts.nat += sign;
        break;
      case "aws_eip":
        counts.eip += sign;
        break;
      case "aws_kms_key":
        counts.kms += sign;
        break;
      case "aws_networkfirewall_firewall": {
        const n = (v: Json | null) => (Array.isArray(v?.subnet_mapping) ? v!.subnet_mapping.length : 0);
        counts.fw += (isDelete(a) ? 0 : n(after)) - (isCreate(a) ? 0 : n(before));
        break;
      }
      case "aws_vpc_endpoint": {
        const unknownSubnets = rc.change.after_unknown?.subnet_ids === true;
        const afterCount = isDelete(a) ? 0 : unknownSubnets ? (referencedSubnets(configs.get(rc.address)) ?? endpointEnis(before)) : endpointEnis(after);
        const type = (after ?? before)?.vpc_endpoint_type;
        if (type === "Interface") counts.eni += afterCount - (isCreate(a) ? 0 : endpointEnis(before));
        break;
      }
      case "aws_subnet": {
        // A lane is its workload subnet (every lane has exactly one).
        const v = after ?? before;
        if (!/workload/.test(rc.address) || !v?.availability_zone) break;
        if (sign > 0) azsAdded.push(v.availability_zone);
        if (sign < 0) azsRemoved.push(v.availability_zone);
        break;
      }
    }
  }
  const lines: CostLine[] = [
    { item: "NAT gateway", count: counts.nat, monthly: counts.nat * monthly(UNIT_PRICES.natGateway) },
    { item: "Elastic IP (public IPv4)", count: counts.eip, monthly: counts.eip * monthly(UNIT_PRICES.publicIpv4) },
    { item: "Network Firewall endpoint", count: counts.fw, monthly: counts.fw * monthly(UNIT_PRICES.firewallEndpoint) },
    { item: "interface endpoint ENI", count: counts.eni, monthly: counts.eni * monthly(UNIT_PRICES.interfaceEndpointEni) },
    { item: "KMS key", count: counts.kms, monthly: counts.kms * UNIT_PRICES.kmsKeyMonthly },
  ].filter((l) => l.count !== 0);
  const total = Math.round(lines.reduce((s, l) => s + l.monthly, 0) * 100) / 100;
  return { lines, monthly: total, azsAdded: azsAdded.sort(), azsRemoved: azsRemoved.sort() };
}

export const dollars = (v: number) => `${v < 0 ? "−" : "+"}$${Math.abs(v).toFixed(2)}`;

/**
 * "+1 AZ (us-east-1d): +$390.55/month network fixed cost". Only docs/cost.md's model (NAT, public IPv4,
 * firewall endpoints, interface endpoint ENIs, KMS keys): instance types, storage and traffic are not priced.
 */
export function costHeadline(d: CostDelta): string {
  if (!d.lines.length) return "no change to the network's fixed monthly cost";
  const azs = [
    d.azsAdded.length ? `+${d.azsAdded.length} AZ (${d.azsAdded.join(", ")})` : "",
    d.azsRemoved.length ? `−${d.azsRemoved.length} AZ (${d.azsRemoved.join(", ")})` : "",
  ].filter(Boolean);
  return `${azs.length ? `${azs.join(", ")}: ` : ""}**${dollars(d.monthly)}/month** network fixed cost`;
}
