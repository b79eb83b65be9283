/**
 * Layer 6, the firewall engine: each environment's synthesized rule groups and firewall policy,
 * laid out as Network Firewall runs them (scripts/firewall-engine/layout.ts), loaded into a real
 * Suricata and run on packets the project generates (catalogue.ts), with Network Firewall's strict
 * order applied to what Suricata matched (engine.ts). The expected outcome of every flow is written
 * here, from what the README promises, never read from the code under test.
 *
 * Suricata is a prerequisite like terraform: when it is missing, every test here fails with how to
 * install it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Evaluation, FlowResult, clientAddressIn, evaluate } from "../scripts/firewall-engine/evaluate";
import { nameSpecs } from "../scripts/firewall-engine/catalogue";
import { tcpConversation } from "../scripts/firewall-engine/packets";
import { http2Request, http2Response, http2Settings } from "../scripts/firewall-engine/protocols";
import { loadProblems, suricataBinary } from "../scripts/firewall-engine/engine";
import { layOutPolicy } from "../scripts/firewall-engine/layout";
import { readmeTable, TABLE_DOC, TABLE_END, TABLE_START } from "../scripts/firewall-engine/table";
import { azs, Json, networkStack, synthJson } from "./support/synth";
import { ALLOWLIST_PRESETS } from "../modules/network/allowlist-presets";

const ROOT = join(__dirname, "..");
const FIXTURES = join(__dirname, "fixtures");
/** The subject environment: exact names, a ".domain" entry, and a user rules file (outbound SSH dropped). */
const SUBJECT_CONFIG = {
  firewall: { allowedDomains: ["pypi.org", "files.pythonhosted.org", ".anaconda.org"], suricataRulesFile: "rules.suricata" },
};
const SUBJECT = { allowed: "pypi.org", allowedDomain: ".anaconda.org", denied: "example.net" };

let version: string;
let subjectStack: Json;
let subject: Evaluation;
/** The subject policy without its refusals group: what the default action alone does. */
let withoutRefusals: Evaluation;

/** A deep copy of the subject stack, edited. */
function edited(edit: (stack: Json) => void): Json {
  const copy = JSON.parse(JSON.stringify(subjectStack));
  edit(copy);
  return copy;
}
const policyOf = (s: Json) => Object.values<Json>(s.resource.aws_networkfirewall_firewall_policy)[0].firewall_policy;

beforeAll(() => {
  ({ version } = suricataBinary());
  subjectStack = synthJson(networkStack(SUBJECT_CONFIG, FIXTURES));
  subject = evaluate(subjectStack, SUBJECT);
  withoutRefusals = evaluate(
    edited((s) => {
      const fp = policyOf(s);
      fp.stateful_rule_group_reference = fp.stateful_rule_group_reference.filter((ref: Json) => ref.priority !== 300);
    }),
    SUBJECT,
  );
});

function result(e: Evaluation, id: string): FlowResult {
  const r = e.results.get(id);
  if (!r) throw new Error(`no flow ${id} in the catalogue`);
  return r;
}

/** The sids (or "default") the flow's alert log lines came from, with the name each carried. */
function logged(r: FlowResult): string[] {
  return r.logs.map((l) => `${l.rule.source === "default action" ? "default" : l.rule.sid}:${l.name ?? ""}`);
}

test("without Suricata the layer fails, saying how to install it (it never skips)", () => {
  const saved = process.env.SURICATA;
  process.env.SURICATA = "/nonexistent/suricata";
  try {
    expect(() => suricataBinary()).toThrow(/not found or not runnable.*bookworm-backports.*suricata/s);
  } finally {
    if (saved === undefined) delete process.env.SURICATA;
    else process.env.SURICATA = saved;
  }
});

test("the engine is the Suricata major version the layer was written for (7.0 from Debian; AWS runs 8.0)", () => {
  expect(version).toMatch(/^(7|8)\.0\.\d+$/);
});

describe("every rule group loads into Suricata with no error or warning", () => {
  test("the subject policy's groups, each as written with its rule variables (user rules, hygiene, generated allowlist, refusals)", () => {
    const policy = layOutPolicy(subjectStack);
    expect(policy.groups.map((g) => g.priority)).toEqual([100, 150, 200, 300]);
    for (const g of policy.groups) expect({ group: g.name, problems: loadProblems(g.rules, g.variables) }).toEqual({ group: g.name, problems: [] });
  });

  test("the layer can fail: a broken rule is reported", () => {
    const problems = loadProblems(['alert tls $HOME_NET any -> any any (msg:"broken"; tls.sni; content:"x"; nosuchkeyword; sid:1;)'], { HOME_NET: "[10.2.0.0/16]" });
    expect(problems.join("\n")).toMatch(/nosuchkeyword|error parsing signature/);
  });
});

describe("allowed names pass, with their server's answers", () => {
  test.each(["tls13-allowed", "tls12-allowed", "tls-uppercase", "tls-domain-subdomain", "tls-domain-apex"])("%s: passed at the ClientHello, the server's answer forwarded", (id) => {
    const r = result(subject, id);
    expect([r.outcome, r.decidedOn]).toEqual(["passed", "client-hello"]);
    expect(r.serverBytesForwarded).toBeGreaterThan(1000);
  });

  test("a post-quantum ClientHello split over two segments: the first segment goes through, the name is judged on the second", () => {
    const r = result(subject, "tls-pq-split-allowed");
    expect([r.outcome, r.decidedOn]).toEqual(["passed", "hello-part-2"]);
    expect(logged(r)).toEqual(["9100001:pypi.org"]);
  });

  test.each([
    ["tls-tiny-first-segment", "hello-part-2"],
    ["http-tiny-first-segment", "request-part-2"],
  ])("%s: a first segment too short to judge is not refused by the first-bytes checks; passed at %s", (id, at) => {
    const r = result(subject, id);
    expect([r.outcome, r.decidedOn]).toEqual(["passed", at]);
  });

  test("a long TLS session to an allowed name is not cut (64 KB each way after the handshake)", () => {
    const r = result(subject, "tls-allowed-long");
    expect(r.outcome).toBe("passed");
    expect(r.clientBytesForwarded).toBeGreaterThan(64000);
    expect(r.serverBytesForwarded).toBeGreaterThan(64000);
  });

  test.each(["http-allowed", "http-allowed-port"])("%s: HTTP passed at the request", (id) => {
    expect([result(subject, id).outcome, result(subject, id).decidedOn]).toEqual(["passed", "request"]);
  });

  test("a WebSocket upgrade to an allowed Host passes with its request; the frames both ways are forwarded", () => {
    const r = result(subject, "websocket-allowed");
    expect([r.outcome, r.decidedOn]).toEqual(["passed", "upgrade"]);
    const frames = r.flow.packets.filter((p) => p.label === "client-frame" || p.label === "server-frame");
    expect(frames).toHaveLength(2);
  });
});

describe("refused TLS and HTTP get a TCP reset as soon as the name is read, logged with the name", () => {
  test.each([
    ["tls-denied", "9100050:example.net"],
    ["tls-lookalike-suffix", "9100050:pypi.org.example.net"],
    ["tls-lookalike-prefix", "9100050:evilpypi.org"],
    ["tls-domain-lookalike", "9100050:evilanaconda.org"],
    ["tls-no-dot", "9100050:intranet"],
  ])("%s: reset at the ClientHello by the refusals, nothing forwarded", (id, log) => {
    const r = result(subject, id);
    expect([r.outcome, r.decidedOn, r.rule?.sid]).toEqual(["reset", "client-hello", 9100050]);
    expect(r.clientBytesForwarded).toBe(0);
    expect(logged(r)).toContain(log);
  });

  test("a split post-quantum ClientHello to a name not allowed: reset when the second segment completes it", () => {
    const r = result(subject, "tls-pq-split-denied");
    expect([r.outcome, r.decidedOn, r.rule?.sid]).toEqual(["reset", "hello-part-2", 9100050]);
    expect(logged(r)).toEqual(["9100001:example.net", "9100050:example.net"]);
  });

  test.each([
    ["http-denied", 9100051, "example.net"],
    ["websocket-denied", 9100051, "example.net"],
    ["http-no-host", 9100051, ""],
  ])("%s: reset at the request by the refusals", (id, sid, name) => {
    const r = result(subject, id);
    expect([r.outcome, r.rule?.sid]).toEqual(["reset", sid]);
    expect(logged(r)).toContain(`${sid}:${name}`);
  });
});

describe("protocol hygiene refuses what name filtering cannot judge", () => {
  test.each([
    ["tls-ip-literal", 9100004],
    ["tls-allowed-8443", 9100006],
    ["tls-allowed-80", 9100006],
    ["http-ip-literal", 9100005],
    ["http-connect", 9100003],
    ["http-allowed-8080", 9100008],
    ["http-on-443", 9100007],
    ["ssh-on-443", 9100007],
  ])("%s: reset by hygiene rule %s", (id, sid) => {
    const r = result(subject, id);
    expect([r.outcome, r.rule?.sid]).toEqual(["reset", sid]);
    expect(r.clientBytesForwarded).toBe(0);
  });

  test("bytes that are not TLS on 443 and not HTTP on 80 are reset on their first segment", () => {
    for (const [id, sid] of [
      ["not-tls-on-443", 9100012],
      ["not-http-on-80", 9100013],
    ] as const) {
      const r = result(subject, id);
      expect([id, r.outcome, r.decidedOn, r.rule?.sid]).toEqual([id, "reset", "first-bytes", sid]);
      expect(r.clientBytesForwarded).toBe(0);
    }
  });

  test("a TLS record header announcing 16 KB (no ClientHello ever) is reset on its first segment", () => {
    const r = result(subject, "tls-record-window");
    expect([r.outcome, r.decidedOn, r.rule?.sid]).toEqual(["reset", "chunk1", 9100014]);
  });

  test.each(["http-10-allowed", "http-10-no-headers", "http-09"])("%s: only HTTP/1.1 is spoken (a request without headers has no Host to judge)", (id) => {
    const r = result(subject, id);
    expect([r.outcome, r.decidedOn, r.rule?.sid, r.clientBytesForwarded]).toEqual(["reset", "request", 9100017, 0]);
  });

  test("a server sending data on a flow nothing passed is stopped at its first byte (the server is reset; the client sees a drop)", () => {
    const r = result(subject, "server-push");
    expect([r.outcome, r.decidedOn, r.rule?.sid, r.serverBytesForwarded]).toEqual(["dropped", "push1", 9100053, 0]);
  });

  test("a server keepalive probe (one old byte) before the ClientHello completes is not server data", () => {
    const r = result(subject, "tls-server-keepalive");
    expect([r.outcome, r.decidedOn]).toEqual(["passed", "hello-part-2"]);
  });

  test("HTTP/1.1 requests without any header line: reset at the first one's end by the refusals", () => {
    const r = result(subject, "http11-no-headers");
    expect([r.outcome, r.decidedOn, r.rule?.sid, r.clientBytesForwarded]).toEqual(["reset", "request1", 9100054, 0]);
  });

  test("known trade-off: a split ClientHello whose second segment arrives first (the first lost and re-sent) is reset by the first-bytes check; the client's retry is a new connection", () => {
    const r = result(subject, "tls-pq-split-reordered");
    expect([r.outcome, r.decidedOn, r.rule?.sid]).toEqual(["reset", "hello-part-2", 9100012]);
  });

  test("the first-bytes checks' limit: a first segment over 1,460 bytes of non-TLS on 443 is reset by the 16 KB bound", () => {
    const r = result(subject, "not-tls-jumbo-first-segment");
    expect([r.outcome, r.rule?.sid]).toEqual(["reset", 9100052]);
    expect(r.clientBytesForwarded).toBeLessThanOrEqual(16384);
  });

  test("HTTP headers that never end: reset after at most 16 KB (the application-layer default would wait forever)", () => {
    const r = result(subject, "http-headers-never-end");
    expect([r.outcome, r.rule?.sid]).toEqual(["reset", 9100052]);
    expect(r.clientBytesForwarded).toBeLessThanOrEqual(16384);
    expect(r.clientBytesForwarded).toBeGreaterThan(8000);
  });

  test("a server-first protocol (SMTP): stopped at the server's greeting, before anything reaches the workload", () => {
    const r = result(subject, "server-first-banner");
    expect([r.outcome, r.decidedOn, r.rule?.sid, r.serverBytesForwarded]).toEqual(["dropped", "server-banner", 9100053, 0]);
  });

  test.each([
    ["dns-udp", 9100010],
    ["quic", 9100010],
    ["ntp", 9100010],
    ["icmp", 9100011],
  ])("%s: dropped (not reset: no TCP) by %s", (id, sid) => {
    const r = result(subject, id);
    expect([r.outcome, r.rule?.sid, r.clientBytesForwarded]).toEqual(["dropped", sid, 0]);
  });
});

describe("the default action: application-layer drop established, server-directed only", () => {
  test("the policy says so", () => {
    expect(layOutPolicy(subjectStack).defaultActions).toEqual(["aws:drop_established_app_layer_to_server", "aws:alert_established_app_layer_to_server"]);
  });

  test("server-directed only: without the refusals, a server-first banner reaches the client and the client's answer is dropped and logged", () => {
    const r = result(withoutRefusals, "server-first-banner");
    expect([r.outcome, r.decidedOn, r.rule?.source]).toEqual(["dropped", "client-banner", "default action"]);
    expect(r.serverBytesForwarded).toBeGreaterThan(0);
    expect(logged(r)).toEqual(["default:"]);
  });

  test("without the refusals, a server can send anything while the client says nothing the firewall can judge (why 9100053 exists)", () => {
    const r = result(withoutRefusals, "server-push");
    expect(r.outcome).toBe("not decided");
    expect(r.serverBytesForwarded).toBe(20000);
  });

  test("bidirectional (drop_established_app_layer): the server's banner is dropped too; a split post-quantum ClientHello and tiny first segments still pass", () => {
    const stack = edited((s) => {
      const fp = policyOf(s);
      fp.stateful_default_actions = ["aws:drop_established_app_layer", "aws:alert_established_app_layer"];
      fp.stateful_rule_group_reference = fp.stateful_rule_group_reference.filter((ref: Json) => ref.priority !== 300);
    });
    const e = evaluate(stack, SUBJECT);
    const banner = result(e, "server-first-banner");
    expect([banner.outcome, banner.decidedOn, banner.serverBytesForwarded]).toEqual(["dropped", "server-banner", 0]);
    for (const id of ["tls-pq-split-allowed", "tls-tiny-first-segment", "http-tiny-first-segment", "websocket-allowed"]) expect([id, result(e, id).outcome]).toEqual([id, "passed"]);
  });

  test("DNS over TCP to the internet is dropped by the default action", () => {
    const r = result(subject, "dns-tcp");
    expect([r.outcome, r.rule?.source]).toEqual(["dropped", "default action"]);
  });
});

describe("every TLS ClientHello and HTTP request is logged with its name, whatever its shape, and so is each refusal of one", () => {
  test.each([
    ["tls13-allowed", "9100001:pypi.org"],
    ["tls-uppercase", "9100001:PYPI.ORG"],
    ["tls-no-dot", "9100001:intranet"],
    ["tls-ip-literal", "9100001:203.0.113.10"],
    ["tls-no-sni", "9100001:"],
    ["tls-allowed-8443", "9100001:pypi.org"],
    ["http-allowed", "9100002:pypi.org"],
    ["http-allowed-port", "9100002:pypi.org"],
    ["http-ip-literal", "9100002:203.0.113.10"],
    ["http-no-host", "9100002:"],
    ["http-connect", "9100002:pypi.org"],
    ["tls-allowed-8443", "9100006:pypi.org"],
    ["http-allowed-8080", "9100008:pypi.org"],
    ["tls-denied", "9100050:example.net"],
    ["http-denied", "9100051:example.net"],
    ["http-connect", "9100003:pypi.org"],
    ["tls-ip-literal", "9100004:203.0.113.10"],
  ])("%s logs %s", (id, log) => {
    expect(logged(result(subject, id))).toContain(log);
  });
});

test("the user's own rules come first: outbound SSH is dropped by the fixture's rule 1000001 (config firewall.suricataRulesFile)", () => {
  const r = result(subject, "ssh-22");
  // The rule has no flow keyword, so it matches the SYN: the connection never opens.
  expect([r.outcome, r.decidedOn, r.rule?.sid, r.rule?.group]).toEqual(["dropped", "syn", 1000001, expect.stringContaining("suricata-rules")]);
});

describe("the layer can fail", () => {

  test("a name missing from the allowlist is refused", () => {
    const stack = edited((s) => {
      for (const g of Object.values<Json>(s.resource.aws_networkfirewall_rule_group)) {
        const list = g.rule_group.rules_source.rules_source_list;
        if (list) list.targets = list.targets.filter((t: string) => t !== "pypi.org");
      }
    });
    const r = result(evaluate(stack, { ...SUBJECT }), "tls13-allowed");
    expect([r.outcome, r.rule?.sid]).toEqual(["reset", 9100050]);
  });

  test("the previous default action (drop established) drops a split post-quantum ClientHello on its first segment, before the SNI", () => {
    const stack = edited((s) => {
      policyOf(s).stateful_default_actions = ["aws:drop_established", "aws:alert_established"];
    });
    const r = result(evaluate(stack, SUBJECT), "tls-pq-split-allowed");
    expect([r.outcome, r.decidedOn, r.rule?.source]).toEqual(["dropped", "hello-part-1", "default action"]);
  });

  test("without the refusals group, a refused name is dropped by the default action instead of reset", () => {
    const r = result(withoutRefusals, "tls-denied");
    expect([r.outcome, r.rule?.source]).toEqual(["dropped", "default action"]);
  });
});

describe("a dev-like and a production-like environment (config/dev.json's and config/prod.json's settings, built here)", () => {
  const DOMAINS = ["pypi.org", "files.pythonhosted.org", "repo.anaconda.com", "conda.anaconda.org", "api.kaggle.com", "www.kaggle.com"];
  const environments: Array<[string, Record<string, unknown>]> = [
    ["dev", { availabilityZones: azs("us-east-1", "abc"), firewall: { allowedDomains: DOMAINS }, notebook: { enabled: true, availabilityZone: "us-east-1a" } }],
    ["prod", { availabilityZones: azs("us-east-1", "abc"), vpcCidr: "10.3.0.0/16", firewall: { allowedDomains: DOMAINS, deleteProtection: true, policyChangeProtection: true, subnetChangeProtection: true } }],
  ];

  test.each(environments)("%s: every allowed name passes, other names are reset, hygiene holds", (_name, raw) => {
    const stack = synthJson(networkStack(raw));
    const e = evaluate(stack, { allowed: "pypi.org", denied: "example.net" }, nameSpecs(DOMAINS, clientAddressIn(layOutPolicy(stack))));
    const outcomes = Object.fromEntries([...e.results].map(([id, r]) => [id, r.outcome]));
    expect(outcomes).toMatchObject({
      ...Object.fromEntries(DOMAINS.flatMap((d) => [[`tls:${d}`, "passed"], [`http:${d}`, "passed"]])),
      "tls-pq-split-allowed": "passed",
      "tls-denied": "reset",
      "tls-pq-split-denied": "reset",
      "tls-no-sni": "reset",
      "http-denied": "reset",
      "not-tls-on-443": "reset",
      "not-http-on-80": "reset",
      "server-push": "dropped",
      "http-10-no-headers": "reset",
      "http11-no-headers": "reset",
      "dns-udp": "dropped",
      quic: "dropped",
      icmp: "dropped",
    });
  });
});

describe("with TLS inspection (decrypted HTTPS is HTTP on 443)", () => {
  const TLS = { certificateAuthorityArn: "arn:aws:acm:us-east-1:111122223333:certificate/11111111-2222-3333-4444-555555555555", caCertificateFile: "inspection-ca.pem" };

  test("decrypted HTTP on 443 to an allowed Host passes (HTTP/1.1, 1.0, and HTTP/2 whose server speaks first), others are reset; HTTP/1.0 on 80 is still refused; its groups load cleanly", () => {
    const stack = synthJson(networkStack({ firewall: { allowedDomains: ["pypi.org"], tlsInspection: TLS } }, FIXTURES));
    const policy = layOutPolicy(stack);
    for (const g of policy.groups) expect({ group: g.name, problems: loadProblems(g.rules, g.variables) }).toEqual({ group: g.name, problems: [] });
    const on443 = (id: string, request: Buffer) => ({
      id,
      title: id,
      build: (p: number, s: string) => {
        const client = clientAddressIn(policy);
        return { proto: "tcp" as const, serverPort: 443, packets: tcpConversation(client, p, s, 443, [{ from: "client", data: request }]), labels: [] };
      },
    });
    const h2 = (id: string, authority: string) => ({
      id,
      title: id,
      build: (p: number, s: string) => ({
        proto: "tcp" as const,
        serverPort: 443,
        // The server speaks first (its SETTINGS), as HTTP/2 servers do right after the handshake.
        packets: tcpConversation(clientAddressIn(policy), p, s, 443, [
          { from: "server", data: http2Settings() },
          { from: "client", data: http2Request(authority) },
          { from: "server", data: http2Response() },
        ]),
        labels: [],
      }),
    });
    const e = evaluate(stack, { allowed: "pypi.org", denied: "example.net" }, [
      on443("decrypted-http11", Buffer.from("GET /simple/ HTTP/1.1\r\nHost: pypi.org\r\nUser-Agent: pip/25.1\r\n\r\n")),
      on443("decrypted-http10", Buffer.from("GET /simple/ HTTP/1.0\r\nHost: pypi.org\r\n\r\n")),
      on443("decrypted-denied", Buffer.from("GET / HTTP/1.1\r\nHost: example.net\r\n\r\n")),
      h2("decrypted-h2", "pypi.org"),
      h2("decrypted-h2-denied", "example.net"),
    ]);
    expect(Object.fromEntries(["decrypted-http11", "decrypted-http10", "decrypted-denied", "decrypted-h2", "decrypted-h2-denied", "http-10-allowed", "http-allowed", "server-push"].map((id) => [id, result(e, id).outcome]))).toEqual({
      "decrypted-http11": "passed",
      "decrypted-http10": "passed",
      "decrypted-denied": "reset",
      "decrypted-h2": "passed",
      "decrypted-h2-denied": "reset",
      "http-10-allowed": "reset",
      "http-allowed": "passed",
      // on 443, server data before a decision is bounded at 16 KB, not refused at its first byte
      "server-push": "dropped",
    });
    const push = result(e, "server-push");
    expect([push.rule?.sid, push.serverBytesForwarded > 8000 && push.serverBytesForwarded <= 16384]).toEqual([9100055, true]);
  });
});

describe("each allowlist preset lets its client's names through and nothing else", () => {
  const presets = Object.entries(ALLOWLIST_PRESETS);
  const everyName = [...new Set(presets.flatMap(([, p]) => p.names))];

  test.each(presets.map(([name]) => name))("%s", (name) => {
    const own = new Set(ALLOWLIST_PRESETS[name as keyof typeof ALLOWLIST_PRESETS].names);
    const stack = synthJson(networkStack({ firewall: { allowedDomains: [{ preset: name }] } }));
    const policy = layOutPolicy(stack);
    // Look-alikes of the preset's own names, and every other preset's names.
    const lookAlikes = [...own].map((n) => `${n}.example.net`);
    const e = evaluate(stack, { allowed: [...own][0], denied: "example.net" }, nameSpecs([...everyName, ...lookAlikes], clientAddressIn(policy)));
    const verdicts = Object.fromEntries([...everyName, ...lookAlikes].flatMap((n) => ["tls", "http"].map((p) => [`${p}:${n}`, e.results.get(`${p}:${n}`)?.outcome])));
    const expected = Object.fromEntries([...everyName, ...lookAlikes].flatMap((n) => ["tls", "http"].map((p) => [`${p}:${n}`, own.has(n) ? "passed" : "reset"])));
    expect(verdicts).toEqual(expected);
    expect([...own].length).toBeGreaterThan(0);
  });
});

test("docs/egress-perimeter.md's per-flow table is what the engine layer gives for the docs' example (npm run firewall-engine -- --docs)", () => {
  expect(TABLE_DOC).toBe("docs/egress-perimeter.md");
  const readme = readFileSync(join(ROOT, TABLE_DOC), "utf8");
  const from = readme.indexOf(TABLE_START);
  const to = readme.indexOf(TABLE_END);
  expect(from).toBeGreaterThan(0);
  expect(readme.slice(from + TABLE_START.length, to).trim()).toBe(readmeTable());
});
