/**
 * docs/cost.md's "Local egress or an egress hub" (issue 24 E): the generated part is what
 * scripts/hub-cost.ts renders (a stale page fails), its prices agree with the rest of the page, each
 * price names its source, and a few cells hold the sums worked out here by hand from the page's own
 * "Cost per AZ" prices (never from the generator).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COST_DOC, HUB_COST_END, HUB_COST_START, HUB_PRICES, UNIT_PRICE_SOURCES, allowlistsPerHub, chainingDiscountGap, compare, hubPaysFrom, renderHubCost } from "../scripts/hub-cost";

const ROOT = join(__dirname, "..");
const page = readFileSync(join(ROOT, COST_DOC), "utf8");
const part = (p: string) => p.slice(p.indexOf(HUB_COST_START) + HUB_COST_START.length, p.indexOf(HUB_COST_END)).trim();
const rendered = renderHubCost();

test("the page holds what scripts/hub-cost.ts renders (npx tsx scripts/hub-cost.ts --write), and a stale copy is caught", () => {
  expect(COST_DOC).toBe("docs/cost.md");
  expect(page.indexOf(HUB_COST_START)).toBeGreaterThan(0);
  expect(part(page)).toBe(rendered);
  const stale = page.replace("$854.10", "$850.00");
  expect(stale).not.toBe(page);
  expect(part(stale)).not.toBe(rendered);
});

test("cells worked out by hand from the page's Cost per AZ prices", () => {
  // Local, per environment and AZ: 32.85 NAT + 3.65 EIP + 288.35 firewall + 9 x 7.30 endpoints = 390.55.
  // Hub, per AZ: 32.85 + 3.65 + 288.35 = 324.85, plus the inspection attachment 0.05 x 730 = 36.50;
  // per spoke: its attachment 36.50 plus 9 x 7.30 endpoints per AZ.
  expect([compare(1, 2).local, compare(1, 2).hub]).toEqual([781.1, 854.1]); // 2 x 390.55; 2 x 324.85 + 36.50 + 36.50 + 2 x 65.70
  expect([compare(20, 3).local, compare(20, 3).hub]).toEqual([23433, 5683.05]); // 60 x 390.55; 3 x 324.85 + 36.50 + 20 x (36.50 + 3 x 65.70)
  expect(compare(1, 2).breakEvenGb).toBeUndefined();
  expect([hubPaysFrom(2), hubPaysFrom(3)]).toEqual([2, 2]);
  expect(rendered).toContain("| 20 | 3 | $23,433.00 | $5,683.05 |");
});

test("the per-GB prices are the ones the page's Cost per AZ section states", () => {
  const traffic = /Traffic adds \$([0-9.]+)\/GB \(NAT\), \$([0-9.]+)\/GB \(firewall\) and \$([0-9.]+)\/GB \(interface endpoints\)/.exec(page);
  expect(traffic).not.toBeNull();
  expect([HUB_PRICES.natGatewayPerGb.usd, HUB_PRICES.firewallPerGb.usd, HUB_PRICES.interfaceEndpointPerGb.usd]).toEqual(traffic!.slice(1).map(Number));
});

test("every price names where it was read, or says the stored material did not have it", () => {
  for (const [name, p] of Object.entries(HUB_PRICES)) expect({ name, ok: /https:\/\/aws\.amazon\.com\/|not in the stored material/.test(p.source) }).toEqual({ name, ok: true });
  for (const [name, s] of Object.entries(UNIT_PRICE_SOURCES)) expect({ name, ok: s.length > 10 }).toEqual({ name, ok: true });
  expect(rendered).toMatch(/\| Network Firewall endpoint \| \$0\.395 \| per hour \| not in the stored material/);
});

test("allowlists per hub agree with docs/hub.md (18, with or without a shared list: 20 groups minus hygiene and refusals)", () => {
  const hub = readFileSync(join(ROOT, "docs", "hub.md"), "utf8");
  const m = /leaves (\d+) allowlists per hub, with or without a shared list/.exec(hub);
  expect(m).not.toBeNull();
  expect([allowlistsPerHub(), Number(m![1])]).toEqual([18, 18]);
  expect(rendered).toContain("18 environments (20 stateful rule groups per policy, minus protocol hygiene and refusals), with or without the hub's shared list");
});

test("the service-chaining discount's bound next to the table, worked out by hand: (n - 1) x AZs NAT gateways x $32.85", () => {
  // 4 x 2 x 32.85 = 262.80; 19 x 3 x 32.85 = 1,872.45; one environment: nothing.
  expect([chainingDiscountGap(5, 2), chainingDiscountGap(20, 3), chainingDiscountGap(1, 3)]).toEqual([262.8, 1872.45, 0]);
  const table = rendered.indexOf("| --- | --- | --- | --- | --- | --- |");
  const note = rendered.indexOf("The service-chaining discount is left out of both columns");
  expect(note).toBeGreaterThan(table);
  expect(rendered.slice(note)).toMatch(/^The service-chaining discount[^\n]*overstated[^\n]*\$262\.80 for 5 environments in 2 AZs, \$1,872\.45 for 20 in 3 AZs/);
});

test("the quotas table names the VPC route-table quota with its source: each spoke range adds a route to every NAT-subnet and firewall-subnet table", () => {
  const row = page.split("\n").find((l) => l.startsWith("| routes per VPC route table"));
  expect(row).toMatch(/500, adjustable up to 1,000.*L-93826ACB.*NAT-subnet table.*firewall-subnet table.*amazon-vpc-limits\.html/);
});
