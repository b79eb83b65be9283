/** Deterministic fake values for the test harnesses (the same seed always gives the same value). */
import { createHash } from "node:crypto";

/** `length` hex characters derived from `seed`. */
export function hex(seed: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${seed}#${i}`).digest("hex");
  return out.slice(0, length);
}

/** A version-4-shaped UUID derived from `seed` (KMS key IDs and the like). */
export function uuidOf(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
