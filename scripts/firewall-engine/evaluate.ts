/**
 * One call for the tests and `npm run firewall-engine`: a synthesized network stack's policy laid
 * out (layout.ts), the catalogue's packets run through Suricata (engine.ts), and each flow's
 * verdict with what it let through before the decision.
 */
import { Catalogue, CatalogueFlow, CatalogueSpec, buildCatalogue, catalogueSpecs } from "./catalogue";
import { FlowVerdict, decide, flowKey, runOnPackets } from "./engine";
import { LaidOutPolicy, LayoutOptions, layOutPolicy } from "./layout";

type Json = Record<string, any>;

export interface FlowResult extends FlowVerdict {
  readonly flow: CatalogueFlow;
  /** The label of the packet the decision was taken on (e.g. "client-hello", "hello-part-2"). */
  readonly decidedOn?: string;
  /** Client payload bytes the firewall forwarded to the server (before a drop or reset; all of them when passed or not decided). */
  readonly clientBytesForwarded: number;
  /** Server payload bytes the firewall forwarded to the client. */
  readonly serverBytesForwarded: number;
}

export interface Evaluation {
  readonly policy: LaidOutPolicy;
  readonly catalogue: Catalogue;
  readonly results: ReadonlyMap<string, FlowResult>;
}

/** The first address of HOME_NET's first CIDR plus 133: an address in the VPC (the NAT gateway's side). */
export function clientAddressIn(policy: LaidOutPolicy): string {
  const home = policy.groups.map((g) => g.variables.HOME_NET).find((v) => v !== undefined);
  const cidr = /\[?([\d.]+\/\d+)/.exec(home ?? "");
  if (!cidr) throw new Error("no HOME_NET CIDR in the policy's rule groups");
  return addressIn(cidr[1]);
}

/** The network address of an IPv4 CIDR plus `offset` (default 133), refused when it falls outside the CIDR. */
export function addressIn(cidr: string, offset = 133): string {
  const m = /^([\d.]+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`${cidr} is not an IPv4 CIDR`);
  const size = 2 ** (32 - Number(m[2]));
  if (offset >= size) throw new Error(`${cidr} has no address at offset ${offset}`);
  const n = m[1].split(".").map(Number).reduce((a, b) => a * 256 + b, 0) + offset;
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) & 255).join(".");
}

/** Runs `specs` (default: the whole catalogue for the allowlist's names) against the stack's policy. */
export function evaluate(stack: Json, subject: { allowed: string; allowedDomain?: string; denied: string }, extra: ReturnType<typeof catalogueSpecs> = []): Evaluation {
  const policy = layOutPolicy(stack);
  const client = clientAddressIn(policy);
  return evaluateSpecs(policy, [...catalogueSpecs({ client, ...subject }), ...extra], client);
}

/**
 * Runs flows from several sources through one Suricata run: each source's specs (built from its
 * `client` address) get ids `<source>/<id>`. What a hub's policy does to each spoke's traffic (and to
 * an address in no spoke) is read from one evaluation.
 */
export function evaluateSources(
  stack: Json,
  sources: ReadonlyArray<{ readonly source: string; readonly client: string; readonly specs: ReadonlyArray<CatalogueSpec> }>,
  layout: LayoutOptions = {},
): Evaluation {
  if (sources.length === 0) throw new Error("no sources to evaluate");
  const specs = sources.flatMap((s) => s.specs.map((spec) => ({ ...spec, id: `${s.source}/${spec.id}`, client: s.client })));
  return evaluateSpecs(layOutPolicy(stack, layout), specs, sources[0].client);
}

function evaluateSpecs(policy: LaidOutPolicy, specs: ReadonlyArray<CatalogueSpec>, client: string): Evaluation {
  const catalogue = buildCatalogue(specs, client);
  const verdicts = decide(policy, runOnPackets(policy, catalogue.pcap, catalogue.isClient));
  const results = new Map<string, FlowResult>();
  for (const flow of catalogue.flows) {
    const key = flowKey(flow.proto, flow.client, flow.clientPort, flow.server, flow.serverPort, catalogue.isClient);
    const v = verdicts.get(key) ?? { outcome: "not decided" as const, logs: [] };
    // A pass forwards the rest; a drop or reset forwards nothing from the deciding packet on.
    const forwarded = (from: "client" | "server") =>
      flow.packets.filter((p) => p.from === from && (v.outcome === "passed" || v.outcome === "not decided" || p.index < (v.packet ?? Infinity))).reduce((sum, p) => sum + p.payload, 0);
    results.set(flow.id, { ...v, flow, decidedOn: flow.packets.find((p) => p.index === v.packet)?.label, clientBytesForwarded: forwarded("client"), serverBytesForwarded: forwarded("server") });
  }
  return { policy, catalogue, results };
}
