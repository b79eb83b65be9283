/**
 * docs/cost.md's "Local egress or an egress hub" comparison, generated from a price table, never
 * written by hand: the monthly fixed cost of N environments with local egress (each its own NAT
 * gateways, Elastic IPs, firewall endpoints and interface endpoints per AZ) against the same N as
 * spokes of one hub (the hub's NAT gateways, Elastic IPs and firewall endpoints per AZ and its
 * Transit Gateway attachment; each spoke's attachment and its own interface endpoints), for 1, 5
 * and 20 environments in 2 and 3 AZs, the per-GB charges of each path, and the number of
 * allowlists one hub's policy holds. `npx tsx scripts/hub-cost.ts --write` renders it into
 * COST_DOC; __tests__/cost-hub.test.ts checks the page holds what this renders.
 *
 * The hourly prices the plan review already uses are its (scripts/plan-review/cost.ts UNIT_PRICES,
 * checked against docs/cost.md's "Cost per AZ" table by the plan-review tests); the others are
 * here, each with where it was read and when, or a statement that the stored material did not
 * have it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_INTERFACE_SERVICES } from "../modules/endpoints/service-endpoints";
import { MAX_STATEFUL_GROUPS_PER_POLICY } from "../modules/network/firewall";
import { HOURS_PER_MONTH, UNIT_PRICES } from "./plan-review/cost";

export const COST_DOC = "docs/cost.md";
export const HUB_COST_START = "<!-- hub-cost:start -->";
export const HUB_COST_END = "<!-- hub-cost:end -->";

export interface Price {
  readonly usd: number;
  readonly unit: string;
  /** Where the number was read, with the date; or why it is carried over unverified. */
  readonly source: string;
}

/** The prices the comparison adds to the plan review's (us-east-1 list prices). */
export const HUB_PRICES = {
  transitGatewayAttachmentHour: {
    usd: 0.05,
    unit: "per attachment-hour",
    source:
      "https://aws.amazon.com/transit-gateway/pricing/ (its pricing example, for US East (Ohio): \"$0.05 per VPC attachment\", as transcribed from the page on 2026-09-20 by api-evangelist/amazon-transit-gateway; the page's region table renders dynamically, so us-east-1's own row was not in the stored copy)",
  },
  transitGatewayPerGb: {
    usd: 0.02,
    unit: "per GB sent to the gateway",
    source: "https://aws.amazon.com/transit-gateway/pricing/ (same example: \"$0.02 per GB\" data processing; read as above)",
  },
  natGatewayPerGb: {
    usd: 0.045,
    unit: "per GB processed",
    source: "https://aws.amazon.com/vpc/pricing/ (NAT gateway example for US East (Ohio): \"$0.045 per hour\" and \"$0.045 per GB\", as transcribed from the page on 2026-09-20 by api-evangelist/amazon-vpc)",
  },
  firewallPerGb: {
    usd: 0.065,
    unit: "per GB processed",
    source: "not in the stored material (https://aws.amazon.com/network-firewall/pricing/ was not found): docs/cost.md's earlier record (2026-11-23), unverified",
  },
  interfaceEndpointPerGb: {
    usd: 0.01,
    unit: "per GB processed (first PB a month in a region)",
    source: "https://aws.amazon.com/privatelink/pricing/ (billing per endpoint per AZ-hour and per GB; the $0.01 tier read from a copy of that page, not from aws.amazon.com itself)",
  },
} as const satisfies Record<string, Price>;

/** Where the plan review's hourly prices stand against the stored material. */
export const UNIT_PRICE_SOURCES: Readonly<Record<keyof typeof UNIT_PRICES, string>> = {
  natGateway: "https://aws.amazon.com/vpc/pricing/ (\"$0.045 per hour\", as above)",
  publicIpv4: "not re-read here: docs/cost.md's earlier record (2026-11-23)",
  firewallEndpoint: "not in the stored material (https://aws.amazon.com/network-firewall/pricing/ was not found): docs/cost.md's earlier record (2026-11-23), unverified",
  interfaceEndpointEni: "https://aws.amazon.com/privatelink/pricing/ says it bills each endpoint per AZ-hour; the stored copy does not show the hourly rate: docs/cost.md's earlier record (2026-11-23)",
  kmsKeyMonthly: "not used in this comparison",
};

export const ENVIRONMENT_COUNTS = [1, 5, 20] as const;
export const AZ_COUNTS = [2, 3] as const;
/** Interface endpoints each environment keeps, local or spoke: the default list. */
export const INTERFACE_ENDPOINTS = DEFAULT_INTERFACE_SERVICES.length;

const month = (perHour: number) => perHour * HOURS_PER_MONTH;
const cents = (v: number) => Math.round(v * 100) / 100;

export interface Comparison {
  readonly environments: number;
  readonly azs: number;
  readonly local: number;
  readonly hub: number;
  /** The hub's share: its NAT gateways, EIPs and firewall endpoints, and its own attachment. */
  readonly hubShared: number;
  /** Internet traffic a month (GB, all environments) at which the hub's extra per-GB charge uses up its fixed saving; undefined when the hub saves nothing. */
  readonly breakEvenGb?: number;
}

/** Monthly fixed cost of `n` environments in `z` AZs, local and behind one hub. */
export function compare(n: number, z: number): Comparison {
  const egressPerAz = month(UNIT_PRICES.natGateway) + month(UNIT_PRICES.publicIpv4) + month(UNIT_PRICES.firewallEndpoint);
  const endpointsPerEnv = z * INTERFACE_ENDPOINTS * month(UNIT_PRICES.interfaceEndpointEni);
  const attachment = month(HUB_PRICES.transitGatewayAttachmentHour.usd);
  const local = n * (z * egressPerAz + endpointsPerEnv);
  const hubShared = z * egressPerAz + attachment;
  const hub = hubShared + n * (attachment + endpointsPerEnv);
  const saving = local - hub;
  return { environments: n, azs: z, local: cents(local), hub: cents(hub), hubShared: cents(hubShared), breakEvenGb: saving > 0 ? Math.floor(saving / HUB_PRICES.transitGatewayPerGb.usd) : undefined };
}

/** The smallest number of environments for which the hub's fixed cost is below local egress's. */
export function hubPaysFrom(z: number): number {
  for (let n = 1; n < 1000; n++) if (compare(n, z).hub < compare(n, z).local) return n;
  throw new Error("the hub never pays: check the prices");
}

/**
 * Allowlists one hub policy holds: its stateful rule groups minus hygiene and refusals. A shared
 * list takes none from an environment: an environment always has a list of its own, and the shared
 * names join its group (modules/hub/egress-hub.ts, hubAllowlists: one group per source).
 */
export function allowlistsPerHub(): number {
  return MAX_STATEFUL_GROUPS_PER_POLICY - 2;
}

/**
 * What the service-chaining discount would take off the difference: the NAT gateway hours local
 * egress pays beyond the hub's ((n - 1) x AZs NAT gateways). AWS discounts a NAT gateway's hours and
 * GB processed one-for-one against Network Firewall charges when the two are chained (docs/cost.md,
 * "Cost per AZ"); both layouts chain every NAT gateway, so per GB the discount is the same in both,
 * and per hour it removes more from local egress, which has more NAT gateways. The Network Firewall
 * pricing page was not in the stored material, so the discount is not modelled, only bounded.
 */
export function chainingDiscountGap(n: number, z: number): number {
  return cents((n - 1) * z * month(UNIT_PRICES.natGateway));
}

const usd = (v: number) => `$${v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const rate = (v: number) => `$${v}`;

/** The generated part of COST_DOC. */
export function renderHubCost(): string {
  const rows = AZ_COUNTS.flatMap((z) =>
    ENVIRONMENT_COUNTS.map((n) => {
      const c = compare(n, z);
      const diff = c.local - c.hub;
      return `| ${n} | ${z} | ${usd(c.local)} | ${usd(c.hub)} | ${diff >= 0 ? "" : "−"}${usd(Math.abs(cents(diff)))} ${diff >= 0 ? "less with the hub" : "more with the hub"} | ${c.breakEvenGb === undefined ? "—" : `${c.breakEvenGb.toLocaleString("en-US")} GB`} |`;
    }),
  );
  const perGbLocal = cents(HUB_PRICES.natGatewayPerGb.usd + HUB_PRICES.firewallPerGb.usd);
  const perGbHub = cents(perGbLocal + HUB_PRICES.transitGatewayPerGb.usd);
  const prices: Array<[string, number, string, string]> = [
    ["NAT gateway", UNIT_PRICES.natGateway, "per hour", UNIT_PRICE_SOURCES.natGateway],
    ["public IPv4 address (the NAT gateway's Elastic IP)", UNIT_PRICES.publicIpv4, "per hour", UNIT_PRICE_SOURCES.publicIpv4],
    ["Network Firewall endpoint", UNIT_PRICES.firewallEndpoint, "per hour", UNIT_PRICE_SOURCES.firewallEndpoint],
    ["interface endpoint, per AZ", UNIT_PRICES.interfaceEndpointEni, "per hour", UNIT_PRICE_SOURCES.interfaceEndpointEni],
    ["Transit Gateway attachment", HUB_PRICES.transitGatewayAttachmentHour.usd, HUB_PRICES.transitGatewayAttachmentHour.unit, HUB_PRICES.transitGatewayAttachmentHour.source],
    ["Transit Gateway data processing", HUB_PRICES.transitGatewayPerGb.usd, HUB_PRICES.transitGatewayPerGb.unit, HUB_PRICES.transitGatewayPerGb.source],
    ["NAT gateway data processing", HUB_PRICES.natGatewayPerGb.usd, HUB_PRICES.natGatewayPerGb.unit, HUB_PRICES.natGatewayPerGb.source],
    ["Network Firewall data processing", HUB_PRICES.firewallPerGb.usd, HUB_PRICES.firewallPerGb.unit, HUB_PRICES.firewallPerGb.source],
    ["interface endpoint data processing", HUB_PRICES.interfaceEndpointPerGb.usd, HUB_PRICES.interfaceEndpointPerGb.unit, HUB_PRICES.interfaceEndpointPerGb.source],
  ];
  return [
    `Monthly fixed cost before traffic (${HOURS_PER_MONTH} hours), us-east-1 list prices, NAT and firewall discounts for service chaining not subtracted (an upper bound, as above). Local: per environment and AZ a NAT gateway, its Elastic IP, a firewall endpoint and ${INTERFACE_ENDPOINTS} interface endpoints (the default list). Hub: per AZ one NAT gateway, its Elastic IP and one firewall endpoint, plus the inspection VPC's Transit Gateway attachment; per environment its own attachment (billed to the spoke's account) and its ${INTERFACE_ENDPOINTS} interface endpoints per AZ (a spoke keeps its endpoints and data perimeter). DNS Firewall, logs and KMS keys are left out of both.`,
    "",
    `| environments | AZs | local egress | one hub | difference | internet traffic a month at which the hub's ${rate(HUB_PRICES.transitGatewayPerGb.usd)}/GB uses up the difference |`,
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `The service-chaining discount is left out of both columns, and it would shrink the difference: with it, local egress's NAT gateway hours (one per environment and AZ) and the hub's (one per AZ) are each offset against firewall charges, so the hub's saving is overstated by up to the NAT gateway hours local egress pays beyond the hub's, (environments − 1) × AZs × ${usd(month(UNIT_PRICES.natGateway))} a month: ${usd(chainingDiscountGap(5, 2))} for 5 environments in 2 AZs, ${usd(chainingDiscountGap(20, 3))} for 20 in 3 AZs. Per GB the discount is the same in both (every NAT gateway is chained to a firewall).`,
    "",
    `The hub costs less in fixed cost from ${hubPaysFrom(2)} environments in 2 AZs and from ${hubPaysFrom(3)} in 3 AZs. Per GB of internet traffic, local egress pays ${rate(HUB_PRICES.natGatewayPerGb.usd)} (NAT) + ${rate(HUB_PRICES.firewallPerGb.usd)} (firewall) = ${rate(perGbLocal)}; the hub adds the Transit Gateway's ${rate(HUB_PRICES.transitGatewayPerGb.usd)} (each GB is sent to the gateway once: by the spoke on the way out, by the inspection VPC on the way back), ${rate(perGbHub)}. Interface endpoint traffic (${rate(HUB_PRICES.interfaceEndpointPerGb.usd)}/GB) is the same in both: it stays in the spoke.`,
    "",
    `Allowlists one hub's policy holds: ${allowlistsPerHub()} environments (${MAX_STATEFUL_GROUPS_PER_POLICY} stateful rule groups per policy, minus protocol hygiene and refusals), with or without the hub's shared list: an environment always has a list of its own, and the shared names join its group (one group per source, [hub.md](hub.md#per-spoke-allowlists-in-one-policy)).`,
    "",
    "| price | USD | unit | source |",
    "| --- | --- | --- | --- |",
    ...prices.map(([item, v, unit, source]) => `| ${item} | ${rate(v)} | ${unit} | ${source} |`),
  ].join("\n");
}

export function renderHubCostInto(page: string, part: string): string {
  const from = page.indexOf(HUB_COST_START);
  const to = page.indexOf(HUB_COST_END);
  if (from < 0 || to < from) throw new Error(`${COST_DOC} has no ${HUB_COST_START} ... ${HUB_COST_END} markers`);
  return `${page.slice(0, from)}${HUB_COST_START}\n${part}\n${page.slice(to)}`;
}

if (require.main === module) {
  const file = join(__dirname, "..", COST_DOC);
  if (process.argv.includes("--write")) {
    writeFileSync(file, renderHubCostInto(readFileSync(file, "utf8"), renderHubCost()));
    process.stdout.write(`rendered the hub cost comparison into ${COST_DOC}\n`);
  } else process.stdout.write(`${renderHubCost()}\n`);
}
