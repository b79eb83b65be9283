/**
 * Thin wrappers over ip-num for the three things the subnet plan needs: parse a CIDR strictly,
 * carve a sub-block out of it (Terraform's `cidrsubnet` semantics), and test overlap.
 * The arithmetic itself is ip-num's; this file only fixes the API shape we use everywhere.
 */
import { IPv4, IPv4CidrRange, Validator } from "ip-num";

export type Cidr = IPv4CidrRange;

/**
 * Parses "a.b.c.d/n". Returns a reason string instead of throwing so that config validation can
 * attach it to the field that held the bad value.
 */
export function parseCidr(text: string): Cidr | string {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text)) {
    return `"${text}" is not an IPv4 CIDR block like 10.0.0.0/16`;
  }
  const [notation, notationErrors] = Validator.isValidIPv4CidrNotation(text);
  if (!notation) {
    return `"${text}" is not a valid IPv4 CIDR block (${notationErrors.join("; ")})`;
  }
  const [aligned] = Validator.isValidIPv4CidrRange(text);
  if (!aligned) {
    // AWS rejects host bits in a VPC/subnet CIDR; say what the user probably meant.
    const range = IPv4CidrRange.fromCidr(text);
    return `"${text}" has host bits set; the network address of that block is ${range.getFirst()}/${prefixOf(range)}`;
  }
  return IPv4CidrRange.fromCidr(text);
}

export function prefixOf(cidr: Cidr): number {
  return Number(cidr.cidrPrefix.getValue());
}

/** Same contract as Terraform's cidrsubnet(prefix, newbits, netnum). */
export function cidrSubnet(base: Cidr, newbits: number, netnum: number): Cidr {
  const prefix = prefixOf(base) + newbits;
  if (prefix > 32) throw new RangeError(`cannot add ${newbits} bits to ${base.toCidrString()}`);
  if (netnum < 0 || netnum >= 2 ** newbits) {
    throw new RangeError(`netnum ${netnum} does not fit in ${newbits} bits`);
  }
  const size = 2n ** BigInt(32 - prefix);
  const first = base.getFirst().getValue() + BigInt(netnum) * size;
  return IPv4CidrRange.fromCidr(`${IPv4.fromNumber(first)}/${prefix}`);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.isOverlapping(b);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.contains(inner);
}
