/**
 * Rules on the address ranges a config names: the VPC's own range (vpcCidr), the networks people
 * may open Studio from (studio.allowedSourceCidrs), and the ranges two environments must keep
 * apart. Each rule returns a message that says what the range does and what to write instead; the
 * caller attaches it to the field (schema.ts, load.ts).
 *
 * Sources:
 * - Amazon VPC User Guide, "VPC CIDR blocks": RFC 1918 ranges are recommended; a publicly routable
 *   range is allowed; "Some AWS services use the 172.17.0.0/16 CIDR range ... services like AWS
 *   Cloud9 or Amazon SageMaker can experience IP address conflicts" (Docker's default bridge).
 * - RFC 6598: 100.64.0.0/10, shared address space, used by many organisations as a second private
 *   range (and by AWS as a VPC range alongside RFC 1918).
 * - RFC 6890 (special-purpose registry): 0.0.0.0/8 "this network", 127.0.0.0/8 loopback,
 *   169.254.0.0/16 link-local (where EC2's instance metadata service and the Amazon DNS server's
 *   169.254.169.253 live), 224.0.0.0/4 multicast, 240.0.0.0/4 reserved.
 * - IAM User Guide, global condition keys, aws:SourceIp: the requester's public address; a request
 *   through a VPC endpoint has no aws:SourceIp (it has aws:VpcSourceIp instead).
 */
import { IPv4, IPv4CidrRange } from "ip-num";
import { Cidr, overlaps, parseCidr, prefixOf } from "../network/cidr";

/** A named block of the address space. */
interface Block {
  readonly cidr: string;
  readonly what: string;
}

/** Private address space: what a VPC should use, and what never appears as aws:SourceIp. */
export const PRIVATE_RANGES: ReadonlyArray<Block> = [
  { cidr: "10.0.0.0/8", what: "RFC 1918 private" },
  { cidr: "172.16.0.0/12", what: "RFC 1918 private" },
  { cidr: "192.168.0.0/16", what: "RFC 1918 private" },
  { cidr: "100.64.0.0/10", what: "RFC 6598 shared address space" },
];

/** Ranges that are no network at all: a VPC there cannot work, a source address there never occurs. */
export const UNUSABLE_RANGES: ReadonlyArray<Block> = [
  { cidr: "0.0.0.0/8", what: '"this network" (RFC 6890), not a routable network' },
  { cidr: "127.0.0.0/8", what: "loopback (RFC 6890): every host answers these addresses itself" },
  {
    cidr: "169.254.0.0/16",
    what: "link-local (RFC 3927): EC2's instance metadata service (169.254.169.254) and the Amazon DNS server (169.254.169.253) live there",
  },
  { cidr: "224.0.0.0/4", what: "multicast (RFC 5771), not a unicast network" },
  { cidr: "240.0.0.0/4", what: "reserved (RFC 1112), not routable" },
];

/** Docker's default bridge network, which SageMaker's containers use (Amazon VPC User Guide, "VPC CIDR blocks"). */
export const DOCKER_BRIDGE = "172.17.0.0/16";

const range = (cidr: string) => IPv4CidrRange.fromCidr(cidr);
const within = (outer: string, inner: Cidr) => range(outer).contains(inner);
const touching = (blocks: ReadonlyArray<Block>, c: Cidr) => blocks.find((b) => overlaps(range(b.cidr), c));

/** How many addresses a block holds, written for people ("65,536", "16,777,216"). */
export function addressCount(c: Cidr): string {
  return (2 ** (32 - prefixOf(c))).toLocaleString("en-US");
}

export interface RangeFinding {
  readonly severity: "error" | "warning";
  readonly message: string;
}

/**
 * What a VPC range means. Private space (RFC 1918, RFC 6598) passes. Unusable space and Docker's
 * bridge range are errors: nothing the user could mean works there. A public range is accepted
 * with a warning: an organisation may own one and route it internally, and AWS allows it, but it
 * takes those addresses off the internet for everything in the VPC.
 */
export function vpcCidrFinding(text: string): RangeFinding | undefined {
  const c = parseCidr(text);
  if (typeof c === "string") return undefined; // the subnet plan reports malformed CIDRs
  const unusable = touching(UNUSABLE_RANGES, c);
  if (unusable) {
    return { severity: "error", message: `${text} overlaps ${unusable.cidr}, ${unusable.what}; use a private range, e.g. "10.2.0.0/16"` };
  }
  if (overlaps(range(DOCKER_BRIDGE), c)) {
    return {
      severity: "error",
      message:
        `${text} overlaps ${DOCKER_BRIDGE}, Docker's default bridge network, which SageMaker's containers use: AWS documents IP address conflicts for SageMaker ` +
        `in a VPC that uses it (Amazon VPC User Guide, "VPC CIDR blocks"); use another private range, e.g. "172.18.0.0/16" or "10.2.0.0/16"`,
    };
  }
  if (PRIVATE_RANGES.some((b) => within(b.cidr, c))) return undefined;
  return {
    severity: "warning",
    message:
      `${text} is not private address space (RFC 1918: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16; RFC 6598: 100.64.0.0/10): ` +
      `the VPC's local route wins over the route to the firewall, so the ${addressCount(c)} internet addresses of ${text} become unreachable from the VPC ` +
      `(an allowed name that resolves there fails), and the range collides with any network that uses it. ` +
      `Keep it only if your organisation owns ${text} and routes it internally; otherwise use a private range, e.g. "10.2.0.0/16"`,
  };
}

/** The shortest prefix that an allowedSourceCidrs entry may have: a /8 is the largest block ever assigned to one holder. */
export const SOURCE_CIDR_MIN_PREFIX = 8;
/** Shorter than this (but at least SOURCE_CIDR_MIN_PREFIX) is accepted with a warning: far larger than an office's egress. */
export const SOURCE_CIDR_WARN_PREFIX = 16;

/**
 * What a studio.allowedSourceCidrs entry means to aws:SourceIp, which holds the public address AWS
 * sees. Private or unusable space never matches (the people there are refused: the entry looks
 * like a rule and does nothing); a block larger than a /8 restricts next to nothing.
 */
export function sourceCidrFinding(text: string): RangeFinding | undefined {
  const c = parseCidr(text);
  if (typeof c === "string") return undefined; // reported by the field's own rule
  const prefix = prefixOf(c);
  if (prefix < SOURCE_CIDR_MIN_PREFIX) {
    const all = prefix === 0 ? "every IPv4 address" : `${addressCount(c)} addresses (1/${2 ** prefix} of the internet)`;
    return {
      severity: "error",
      message:
        `${text} admits ${all}, so the policy restricts nothing: anyone holding a user's credentials can open Studio from anywhere. ` +
        `List the public ranges your people's traffic leaves from (your offices' or VPN's egress, e.g. "203.0.113.0/24"), or remove the entry`,
    };
  }
  const special = touching([...PRIVATE_RANGES, ...UNUSABLE_RANGES], c);
  if (special) {
    return {
      severity: "error",
      message:
        `${text} is ${special.what.split(":")[0]} address space (${special.cidr}); aws:SourceIp holds the public address AWS sees (and none for calls through a VPC endpoint), ` +
        `so it never matches and people there are refused. List the public addresses their traffic leaves from (your NAT or proxy egress, e.g. "203.0.113.0/24"); ` +
        `people who reach Studio through this VPC use studio.uiEndpoint and need no entry here`,
    };
  }
  if (prefix < SOURCE_CIDR_WARN_PREFIX) {
    return {
      severity: "warning",
      message:
        `${text} admits ${addressCount(c)} addresses: anyone in that range who holds a user's credentials can open Studio. ` +
        `Keep it only if the whole block is your organisation's egress; otherwise list the ranges your people's traffic leaves from`,
    };
  }
  return undefined;
}

/** Entries of a CIDR list that a larger entry already covers: [index, index of the covering entry]. (Equal entries are duplicates, reported as such.) */
export function coveredEntries(list: ReadonlyArray<string>): Array<[number, number]> {
  const parsed = list.map((t) => parseCidr(t));
  const out: Array<[number, number]> = [];
  parsed.forEach((c, i) => {
    if (typeof c === "string") return;
    const j = parsed.findIndex((o, k) => k !== i && typeof o !== "string" && o.contains(c) && !c.contains(o));
    if (j >= 0) out.push([i, j]);
  });
  return out;
}

/** What an environment's ranges are checked with against another's. */
export interface RangedEnvironment {
  readonly sourceFile: string;
  readonly accountId: string;
  readonly region: string;
  readonly vpcCidr: string;
}

/**
 * The first block of `c`'s size in the same private range that overlaps none of `taken`, for the
 * message's fix; undefined when there is none or `c` is not in private space.
 */
export function freeBlockLike(c: Cidr, taken: ReadonlyArray<Cidr>): string | undefined {
  const home = PRIVATE_RANGES.map((b) => range(b.cidr)).find((b) => b.contains(c));
  if (!home) return undefined;
  const size = 2n ** BigInt(32 - prefixOf(c));
  const last = home.getLast().getValue();
  for (let first = home.getFirst().getValue(); first + size - 1n <= last; first += size) {
    const candidate = IPv4CidrRange.fromCidr(`${IPv4.fromNumber(first)}/${prefixOf(c)}`);
    if (!overlaps(candidate, range(DOCKER_BRIDGE)) && !taken.some((t) => overlaps(t, candidate))) return candidate.toCidrString();
  }
  return undefined;
}

/**
 * Two environments of one account and region must not have overlapping VPC ranges: the day they
 * are peered, attached to one transit gateway or reached from one on-premises network, one of them
 * has to be rebuilt (a VPC's primary range cannot change). Reported on the later file's vpcCidr,
 * with a free range of the same size as the fix.
 */
export function vpcCidrOverlaps(envs: ReadonlyArray<RangedEnvironment>): string[] {
  const problems: string[] = [];
  const parsed = envs.map((env) => ({ env, cidr: parseCidr(env.vpcCidr) }));
  const all = parsed.flatMap((p) => (typeof p.cidr === "string" ? [] : [p.cidr]));
  for (let j = 0; j < parsed.length; j++) {
    const later = parsed[j];
    if (typeof later.cidr === "string") continue;
    for (let i = 0; i < j; i++) {
      const earlier = parsed[i];
      if (typeof earlier.cidr === "string") continue;
      if (earlier.env.accountId !== later.env.accountId || earlier.env.region !== later.env.region) continue;
      if (!overlaps(earlier.cidr, later.cidr)) continue;
      const free = freeBlockLike(later.cidr, all);
      problems.push(
        `${later.env.sourceFile}: vpcCidr: ${later.env.vpcCidr} overlaps ${earlier.env.sourceFile}'s vpcCidr ${earlier.env.vpcCidr} (both in account ${later.env.accountId}, ` +
          `region ${later.env.region}): the two VPCs could never be peered, share a transit gateway or be reached from one network, and a VPC's range cannot change later; ` +
          `give one of them a range no other environment uses${free ? `, e.g. "${free}"` : ""}`,
      );
      break;
    }
  }
  return problems;
}
