/**
 * The default subnet plan: CIDRs depend on the AZ letter only, never on list position, and never
 * overlap. Expected values below are the plan as documented in the README, not read off the code.
 */
import { IPv4CidrRange } from "ip-num";
import { planLanes, SLOT_LETTERS, TIERS } from "../modules/network/subnet-plan";

const az = (l: string) => `us-east-1${l}`;

function lanesFor(letters: string, vpcCidr = "10.2.0.0/16") {
  const result = planLanes({ vpcCidr, availabilityZones: [...letters].map(az) });
  expect(result.issues).toEqual([]);
  return result.lanes;
}

test("documented default plan for a /16", () => {
  expect(lanesFor("abc")).toEqual({
    "us-east-1a": { workload: "10.2.0.0/20", firewall: "10.2.128.0/28", nat: "10.2.128.128/28" },
    "us-east-1b": { workload: "10.2.16.0/20", firewall: "10.2.128.16/28", nat: "10.2.128.144/28" },
    "us-east-1c": { workload: "10.2.32.0/20", firewall: "10.2.128.32/28", nat: "10.2.128.160/28" },
  });
});

test("the last slot (h) of the smallest planned VPC (/19)", () => {
  expect(lanesFor("h", "10.8.32.0/19")["us-east-1h"]).toEqual({
    workload: "10.8.46.0/23",
    firewall: "10.8.48.112/28",
    nat: "10.8.48.240/28",
  });
});

test("an AZ's CIDRs are the same whatever other AZs are listed, and in whatever order", () => {
  const alone = Object.fromEntries([...SLOT_LETTERS].map((l) => [az(l), lanesFor(l)[az(l)]]));
  for (const letters of ["abc", "cba", "bca", "ac", "abcdef", "fedcba", "dh", "hgfedcba".slice(0, 6)]) {
    const lanes = lanesFor(letters);
    expect(Object.keys(lanes)).toEqual([...letters].map(az)); // configured order is kept
    for (const l of letters) expect(lanes[az(l)]).toEqual(alone[az(l)]);
  }
});

test.each(["10.2.0.0/16", "172.16.0.0/17", "192.168.0.0/18", "10.8.32.0/19"])(
  "all 8 slots x 3 tiers of %s are disjoint, inside the VPC, and workload subnets are the largest",
  (vpcCidr) => {
    const lanes = lanesFor(SLOT_LETTERS, vpcCidr);
    const vpc = IPv4CidrRange.fromCidr(vpcCidr);
    const all = Object.values(lanes).flatMap((lane) => TIERS.map((t) => IPv4CidrRange.fromCidr(lane[t])));
    expect(all).toHaveLength(24);
    for (const [i, a] of all.entries()) {
      expect(vpc.contains(a)).toBe(true);
      for (const b of all.slice(i + 1)) expect(a.isOverlapping(b)).toBe(false);
    }
    for (const lane of Object.values(lanes)) {
      expect(lane.firewall.endsWith("/28")).toBe(true);
      expect(lane.nat.endsWith("/28")).toBe(true);
      const workloadIps = IPv4CidrRange.fromCidr(lane.workload).getSize();
      expect(workloadIps).toBeGreaterThanOrEqual(512n); // >= 100 Studio users at 4 IPs each, per AZ
    }
  },
);

test("an override replaces only its own tier", () => {
  const { lanes, issues } = planLanes({
    vpcCidr: "10.2.0.0/16",
    availabilityZones: [az("a"), az("b")],
    overrides: { [az("b")]: { workload: "10.2.64.0/19" } },
  });
  expect(issues).toEqual([]);
  expect(lanes[az("b")]).toEqual({ workload: "10.2.64.0/19", firewall: "10.2.128.16/28", nat: "10.2.128.144/28" });
  expect(lanes[az("a")]).toEqual(lanesFor("a")[az("a")]);
});
