/**
 * firewall.allowedDomains as written and as deployed. Written, an entry is a name, a shared-hosting
 * name with its acknowledgement, or a preset (`{ "preset": "pip" }`, modules/network/
 * allowlist-presets.ts). Deployed, it is plain names: presets are expanded here, when the config
 * is loaded, so every rule and construct after it (the capacity check, the Network Firewall
 * allowlist, the DNS firewall, the shared-hosting guardrail) sees names only and needs no notion
 * of presets.
 */
import { z } from "zod";
import { ALLOWLIST_PRESET_NAMES, ALLOWLIST_PRESETS, AllowlistPresetName } from "../network/allowlist-presets";
import { distance } from "../endpoints/known-services";

/** An allowlist entry as written: a name, a shared-hosting name with its acknowledgement, or a preset. */
export type AllowlistEntry =
  | string
  | { readonly domain: string; readonly acknowledgeSharedHosting: string }
  | { readonly preset: string };

const isPresetName = (name: string): name is AllowlistPresetName => Object.prototype.hasOwnProperty.call(ALLOWLIST_PRESETS, name);

/** The problem with a preset name, or undefined when the project has that preset. */
export function unknownPresetProblem(name: string): string | undefined {
  if (isPresetName(name)) return undefined;
  // Suggest only a near miss (a typo); a name unlike every preset gets the list alone.
  const [closest] = [...ALLOWLIST_PRESET_NAMES].sort((a, b) => distance(name, a) - distance(name, b));
  const near = distance(name, closest) <= Math.max(2, Math.floor(closest.length / 3));
  return (
    `"${name}" is not a preset${near ? ` (did you mean "${closest}"?)` : ""}; the presets are ${ALLOWLIST_PRESET_NAMES.map((p) => `"${p}"`).join(", ")} ` +
    "(modules/network/allowlist-presets.ts). For other names, list them as strings"
  );
}

/** A preset entry of firewall.allowedDomains. */
export const PresetEntry = z
  .strictObject({
    preset: z
      .string()
      .superRefine((name, ctx) => {
        const problem = unknownPresetProblem(name);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      // A custom message for unknown names (zod's enum would only say "invalid option"), and
      // still completion in editors.
      .meta({ enum: [...ALLOWLIST_PRESET_NAMES] })
      .describe("A preset's name"),
  })
  .describe("A preset: named, sourced exact names the project keeps current (README, \"Egress perimeter\"); its shared-hosting names come acknowledged");

/** The preset that acknowledges `domain` as shared hosting, if any (for messages). */
export function presetAcknowledging(domain: string): AllowlistPresetName | undefined {
  return ALLOWLIST_PRESET_NAMES.find((p) => ALLOWLIST_PRESETS[p].sharedHosting?.[domain] !== undefined);
}

export interface ExpandedAllowlist {
  /** Plain names: each entry in order, a preset's names where the preset is listed; each name once. */
  readonly domains: ReadonlyArray<string>;
  /** Shared-hosting names, name => why: the entry's own acknowledgement, else its preset's reason. */
  readonly sharedHostingAcknowledged: Readonly<Record<string, string>>;
  /** The presets listed, in order, preset => its names (those also listed as names included). */
  readonly presets: Readonly<Record<string, ReadonlyArray<string>>>;
}

/** How a preset's reason reads where an acknowledgement's reason is shown (waivers, synth log). */
export const presetReason = (preset: string, reason: string) => `preset "${preset}": ${reason}`;

/**
 * The entries as deployed. A name a preset also brings, or two presets share, is kept once (the
 * first place it appears); a name's own acknowledgement wins over a preset's. Presets the project
 * does not have are skipped: they are reported by PresetEntry, and no rule that reads this runs
 * on a list that failed.
 */
export function expandAllowlist(entries: ReadonlyArray<AllowlistEntry>): ExpandedAllowlist {
  const domains: string[] = [];
  const fromPresets: Record<string, string> = {};
  const own: Record<string, string> = {};
  const presets: Record<string, ReadonlyArray<string>> = {};
  const add = (d: string) => {
    if (!domains.includes(d)) domains.push(d);
  };
  for (const e of entries) {
    if (typeof e === "string") add(e);
    else if ("domain" in e) {
      add(e.domain);
      own[e.domain] = e.acknowledgeSharedHosting;
    } else if (isPresetName(e.preset)) {
      const preset = ALLOWLIST_PRESETS[e.preset];
      presets[e.preset] = preset.names;
      preset.names.forEach(add);
      for (const [d, reason] of Object.entries(preset.sharedHosting ?? {})) fromPresets[d] ??= presetReason(e.preset, reason);
    }
  }
  return { domains, sharedHostingAcknowledged: { ...fromPresets, ...own }, presets };
}

/**
 * The list's own rule on duplicates: a name or a preset written twice is an error (one of them is
 * a slip, and removing "the" entry later would leave the other); a name that a preset also brings
 * is not, since the preset's list changes without the user's file.
 */
export function noDuplicateEntries(list: ReadonlyArray<AllowlistEntry>, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  list.forEach((e, i) => {
    const key = typeof e === "string" ? e : "domain" in e ? e.domain : `\u0000${e.preset}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else {
      const what = typeof e !== "string" && "preset" in e ? `preset "${e.preset}"` : `"${key}"`;
      ctx.addIssue({ code: "custom", path: [i], message: `${what} is listed twice (also at [${first}])` });
    }
  });
}

/**
 * What `npm run synth` logs for an environment's allowlist: the names by where they came from,
 * and the shared hosting each preset brings, with its reason. (A name's own acknowledgement is
 * logged by its guardrail waiver.)
 */
export function allowlistSummary(
  sourceFile: string,
  firewall: { readonly allowedDomains: ReadonlyArray<string>; readonly allowlistPresets: Readonly<Record<string, ReadonlyArray<string>>> },
): string {
  const fromPreset = new Set(Object.values(firewall.allowlistPresets).flat());
  const listed = firewall.allowedDomains.filter((d) => !fromPreset.has(d));
  const parts = Object.entries(firewall.allowlistPresets).map(([name, names]) => {
    const shared = Object.entries(isPresetName(name) ? (ALLOWLIST_PRESETS[name].sharedHosting ?? {}) : {});
    const sharedText = shared.map(([d, reason]) => `; shared hosting ${d} (${reason})`).join("");
    return `preset "${name}": ${names.join(", ")}${sharedText}`;
  });
  if (listed.length) parts.push(`listed: ${listed.join(", ")}`);
  return `allowlist of ${sourceFile}, ${firewall.allowedDomains.length} names: ${parts.join(" | ")}`;
}
