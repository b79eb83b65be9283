/**
 * Runs a laid-out firewall policy (layout.ts) through a real Suricata on packets, and decides each
 * flow's fate the way Network Firewall's strict order does.
 *
 * Stock Suricata cannot evaluate rules in strict order: it sorts signatures by action (pass, drop,
 * reject, alert) before anything else, and Network Firewall's order interleaves them (alert, reject,
 * pass, reject, then the default drop). So Suricata runs every rule of the policy as an `alert`
 * (same header and options, a new sid = its position), in IPS simulation (`--simulate-ips`, inline
 * stream handling as on a firewall), and reports every rule that matched on every packet. The
 * decision is then taken as Network Firewall documents it: per flow, packet by packet, the rules
 * that matched are walked in policy order; an alert rule logs and evaluation goes on; the first
 * pass, drop or reject decides the flow ("For all actions, Network Firewall performs the specified
 * action and discontinues stateful inspection of the traffic flow"): a pass lets the rest of the
 * flow through uninspected, a drop or reject blocks it from that packet on (reject: with a TCP
 * reset). What each rule matches on (protocol detection, TLS and HTTP parsing, stream reassembly,
 * content matching) is Suricata's own.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LaidOutPolicy, LaidOutRule } from "./layout";

export const SURICATA_INSTALL_HINT =
  "Suricata is needed for the firewall engine layer: on Debian 12, add the bookworm-backports suite to apt's sources and `apt-get install -t bookworm-backports suricata` (docs/testing.md; .ci/run does this)";

/** The Suricata binary (SURICATA, else `suricata` on PATH) and its version; throws with how to install it when missing. */
export function suricataBinary(): { path: string; version: string } {
  const path = process.env.SURICATA ?? "suricata";
  const run = spawnSync(path, ["-V"], { encoding: "utf8" });
  if (run.error || run.status !== 0) throw new Error(`${path} not found or not runnable (${run.error?.message ?? run.stderr}). ${SURICATA_INSTALL_HINT}`);
  const version = /version (\d+\.\d+\.\d+)/.exec(run.stdout)?.[1];
  if (!version) throw new Error(`cannot read Suricata's version from "${run.stdout.trim()}"`);
  return { path, version };
}

/**
 * Suricata's configuration for the emulation: the app-layer parsers the rules use, detection ports
 * as Suricata ships them (TLS detected on any port by its pattern), inline streams, every alert
 * with its app-layer metadata (SNI, Host), and Suricata's largest per-packet alert count (every
 * matching rule must be seen to take the strict-order decision; the policies have fewer rules).
 */
function suricataYaml(variables: Readonly<Record<string, string>>): string {
  const vars = Object.entries(variables)
    .map(([k, v]) => `    ${k}: "${v}"`)
    .join("\n");
  return `%YAML 1.1
---
vars:
  address-groups:
${vars}
  port-groups:
    HTTP_PORTS: "80"
default-log-dir: .
outputs:
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      types:
        - alert:
            metadata: yes
        - flow
logging:
  default-log-level: warning
  outputs:
    - console:
        enabled: yes
app-layer:
  protocols:
    tls:
      enabled: yes
      detection-ports:
        dp: 443
    http:
      enabled: yes
    ssh:
      enabled: yes
    dns:
      tcp:
        enabled: yes
        detection-ports:
          dp: 53
      udp:
        enabled: yes
        detection-ports:
          dp: 53
    quic:
      enabled: yes
    ntp:
      enabled: yes
    smtp:
      enabled: yes
stream:
  inline: auto
packet-alert-max: 255
stats:
  enabled: no
# What Suricata does on its own errors (a parser that cannot read a packet, a memcap reached) is left
# to the rules: every packet is decided by the policy. The catalogue's packets are well-formed.
exception-policy: ignore
detect:
  profile: low
`;
}

/** Problems Suricata reports while loading `rules` (its error and warning lines); empty when they load cleanly. */
export function loadProblems(rules: ReadonlyArray<string>, variables: Readonly<Record<string, string>>): string[] {
  const { path } = suricataBinary();
  const dir = mkdtempSync(join(tmpdir(), "fw-engine-load-"));
  try {
    writeFileSync(join(dir, "suricata.yaml"), suricataYaml(withExternalNet(variables)));
    writeFileSync(join(dir, "group.rules"), `${rules.join("\n")}\n`);
    const run = spawnSync(path, ["-T", "-c", join(dir, "suricata.yaml"), "-S", join(dir, "group.rules"), "-l", dir], { encoding: "utf8" });
    const lines = `${run.stdout}\n${run.stderr}`.split("\n").filter((l) => /^(E|W|Error|Warning)\b|<Error>|<Warning>/.test(l.trim()));
    if (run.status !== 0 && lines.length === 0) lines.push(`suricata -T exited ${run.status}: ${run.stderr.trim()}`);
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function withExternalNet(variables: Readonly<Record<string, string>>): Record<string, string> {
  const v: Record<string, string> = { ...variables };
  if (v.HOME_NET === undefined) v.HOME_NET = "any";
  if (v.EXTERNAL_NET === undefined) v.EXTERNAL_NET = v.HOME_NET === "any" ? "any" : "!$HOME_NET";
  return v;
}

/** One alert Suricata wrote: which rule (position in the policy), on which packet, with the flow's name. */
export interface Match {
  readonly packet: number;
  readonly rule: number;
  readonly flowKey: string;
  /** Whether the packet came from the client (the flow's HOME_NET side). */
  readonly fromClient: boolean;
  readonly sni?: string;
  readonly host?: string;
}

/** "proto client:port > server:port", the same for both directions of a flow. */
export function flowKey(proto: string, a: string, aport: number | undefined, b: string, bport: number | undefined, clientNet: (ip: string) => boolean): string {
  const [client, cport, server, sport] = clientNet(a) ? [a, aport, b, bport] : [b, bport, a, aport];
  return `${proto.toLowerCase()} ${client}:${cport ?? 0} > ${server}:${sport ?? 0}`;
}

/** The rule as the emulation loads it: action `alert`, sid = position + 1, `noalert` removed (logging is decided from the rule's own flag). */
export function asEmulationRule(rule: LaidOutRule, position: number): string {
  return rule.text
    .replace(/^\s*(pass|drop|reject|alert)\s/, "alert ")
    .replace(/([(;]\s*)sid\s*:\s*\d+\s*;/, `$1sid:${position + 1};`)
    .replace(/([(;]\s*)noalert\s*;/, "$1");
}

/**
 * Writes Suricata's configuration, the emulation's rules and the pcap into `dir`; returns the
 * command line that runs them (EVE output in `dir`). The benchmark times this same command.
 */
export function prepareRun(policy: LaidOutPolicy, pcap: Buffer, dir: string): string[] {
  writeFileSync(join(dir, "suricata.yaml"), suricataYaml({ HOME_NET: "any", EXTERNAL_NET: "any" }));
  writeFileSync(join(dir, "policy.rules"), `${policy.rules.map(asEmulationRule).join("\n")}\n`);
  writeFileSync(join(dir, "packets.pcap"), pcap);
  return ["-c", join(dir, "suricata.yaml"), "-S", join(dir, "policy.rules"), "-r", join(dir, "packets.pcap"), "-l", dir, "-k", "all", "--simulate-ips", "--runmode", "single"];
}

/** Every rule match in the EVE log a prepared run wrote to `dir`. */
export function readMatches(dir: string, clientNet: (ip: string) => boolean): Match[] {
  const matches: Match[] = [];
  for (const line of readFileSync(join(dir, "eve.json"), "utf8").split("\n")) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.event_type !== "alert") continue;
    matches.push({
      packet: e.pcap_cnt,
      rule: e.alert.signature_id - 1,
      flowKey: flowKey(e.proto, e.src_ip, e.src_port, e.dest_ip, e.dest_port, clientNet),
      fromClient: clientNet(e.src_ip),
      sni: e.tls?.sni,
      host: e.http?.hostname,
    });
  }
  const perPacket = new Map<number, number>();
  for (const m of matches) perPacket.set(m.packet, (perPacket.get(m.packet) ?? 0) + 1);
  const full = [...perPacket].find(([, n]) => n >= 255);
  if (full) throw new Error(`packet ${full[0]} matched ${full[1]} rules, Suricata's per-packet limit: some matches may be missing, so no decision is taken`);
  return matches;
}

/** Runs every rule of the policy on the pcap; returns every match. */
export function runOnPackets(policy: LaidOutPolicy, pcap: Buffer, clientNet: (ip: string) => boolean): Match[] {
  const { path } = suricataBinary();
  const dir = mkdtempSync(join(tmpdir(), "fw-engine-run-"));
  try {
    execFileSync(path, prepareRun(policy, pcap, dir), { stdio: ["ignore", "pipe", "pipe"] });
    return readMatches(dir, clientNet);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * "reset": the workload's client got a TCP reset (a reject of its own packet); "dropped": the
 * packet was dropped, or a server's packet rejected (AWS sends the reset "back to sender of the
 * packet": the server; the client sees nothing).
 */
export type Outcome = "passed" | "reset" | "dropped" | "not decided";

export interface FlowVerdict {
  readonly outcome: Outcome;
  /** The packet (1-based, in the pcap) the decision was taken on. */
  readonly packet?: number;
  /** The rule that decided. */
  readonly rule?: LaidOutRule;
  /** Alert log lines the flow wrote up to and including its decision: which rule, and the name it carried. */
  readonly logs: ReadonlyArray<{ readonly rule: LaidOutRule; readonly name?: string }>;
}

/** Network Firewall's strict-order decision for each flow, from Suricata's matches (see the file comment). */
export function decide(policy: LaidOutPolicy, matches: ReadonlyArray<Match>): Map<string, FlowVerdict> {
  const byFlow = new Map<string, Match[]>();
  for (const m of matches) byFlow.set(m.flowKey, [...(byFlow.get(m.flowKey) ?? []), m]);
  const verdicts = new Map<string, FlowVerdict>();
  for (const [key, flowMatches] of byFlow) {
    const sorted = [...flowMatches].sort((a, b) => a.packet - b.packet || a.rule - b.rule);
    const logs: Array<{ rule: LaidOutRule; name?: string }> = [];
    let verdict: FlowVerdict | undefined;
    for (const m of sorted) {
      const rule = policy.rules[m.rule];
      if (!rule) throw new Error(`Suricata reported sid ${m.rule + 1}, which is no rule of the policy`);
      const name = m.sni ?? m.host;
      if (rule.logged && rule.action !== "pass") logs.push({ rule, name });
      if (rule.action === "alert") continue;
      const outcome: Outcome = rule.action === "pass" ? "passed" : rule.action === "reject" && key.startsWith("tcp ") && m.fromClient ? "reset" : "dropped";
      verdict = { outcome, packet: m.packet, rule, logs };
      break;
    }
    verdicts.set(key, verdict ?? { outcome: "not decided", logs });
  }
  return verdicts;
}
