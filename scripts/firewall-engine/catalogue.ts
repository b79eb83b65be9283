/**
 * The flows the firewall engine layer replays: what a workload's traffic looks like on the wire at
 * the firewall (source: the NAT gateway's address in the VPC), one flow per kind of traffic the
 * README makes a promise about. Each flow has its own client port (ICMP: its own server address),
 * so verdicts are read back per flow. The catalogue says what each flow is, never what should
 * happen to it: the tests state that, and the README's table shows what did.
 */
import { Packet, icmpEcho, pcapFile, tcpConversation, TcpStep, udpDatagram } from "./packets";
import { dnsQuery, httpRequest, httpResponse, ntpRequest, quicInitial, tlsApplicationData, tlsClientHello, tlsServerHello } from "./protocols";

export interface CatalogueSubject {
  /** The source address (inside HOME_NET: the NAT gateway's). */
  readonly client: string;
  /** An exact name on the allowlist. */
  readonly allowed: string;
  /** A ".example.com" entry on the allowlist, if the policy has one. */
  readonly allowedDomain?: string;
  /** A name on no list. */
  readonly denied: string;
}

export interface CatalogueFlow {
  readonly id: string;
  /** The flow's source address (the client). */
  readonly client: string;
  /** What the flow is, as the README's table says it. */
  readonly title: string;
  readonly proto: "tcp" | "udp" | "icmp";
  readonly server: string;
  readonly serverPort?: number;
  readonly clientPort?: number;
  /** The flow's packets: 1-based index in the pcap, direction, payload bytes. */
  readonly packets: ReadonlyArray<{ readonly index: number; readonly from: "client" | "server"; readonly payload: number; readonly label?: string }>;
}

export interface Catalogue {
  readonly flows: ReadonlyArray<CatalogueFlow>;
  readonly pcap: Buffer;
  /** Whether an address is the client side (the flow key's orientation). */
  readonly isClient: (ip: string) => boolean;
}

const SERVER = "203.0.113.10";

interface FlowSpec {
  readonly id: string;
  readonly title: string;
  readonly build: (clientPort: number, server: string) => { proto: CatalogueFlow["proto"]; serverPort?: number; packets: Packet[]; labels: string[] };
}

/** A flow to build: `client` is the source its packets were built from, when not the catalogue's one client (a hub's several spokes). */
export type CatalogueSpec = { id: string; title: string; client?: string; build: (clientPort: number, server: string) => ReturnType<FlowSpec["build"]> };

/** TCP steps with labels (the label of each data step, for tests that ask "was the second segment let through?"). */
function tcp(port: number, steps: ReadonlyArray<TcpStep & { label?: string }>) {
  return (clientPort: number, server: string, client: string) => {
    const packets = tcpConversation(client, clientPort, server, port, steps);
    // tcpConversation: 3 handshake packets, then per step the data (or keepalive probe) and its ACK, then 3 closing packets.
    const labels = ["syn", "syn-ack", "ack", ...steps.flatMap((s, i) => [s.label ?? `step${i + 1}`, `ack${i + 1}`]), "fin", "fin-ack", "last-ack"];
    return { proto: "tcp" as const, serverPort: port, packets, labels };
  };
}

/** Splits a payload in two segments at `at`. */
function split(data: Buffer, at: number, labels: [string, string]): Array<TcpStep & { label: string }> {
  return [
    { from: "client", data: data.subarray(0, at), label: labels[0] },
    { from: "client", data: data.subarray(at), label: labels[1] },
  ];
}

function tlsExchange(hello: Buffer): Array<TcpStep & { label?: string }> {
  return [
    { from: "client", data: hello, label: "client-hello" },
    { from: "server", data: tlsServerHello(), label: "server-hello" },
    { from: "client", data: tlsApplicationData(200, "request"), label: "client-data" },
    { from: "server", data: tlsApplicationData(1200, "response"), label: "server-data" },
  ];
}

function httpExchange(request: Buffer): Array<TcpStep & { label?: string }> {
  return [
    { from: "client", data: request, label: "request" },
    { from: "server", data: httpResponse("200 OK", ["Content-Type: text/plain"], "ok"), label: "response" },
  ];
}

/** Every flow of the catalogue for a subject (allowed and denied names of the policy under test). */
export function catalogueSpecs(subject: CatalogueSubject): Array<{ id: string; title: string; build: (clientPort: number, server: string) => ReturnType<FlowSpec["build"]> }> {
  const { allowed, denied, allowedDomain, client } = subject;
  const c = <T extends (clientPort: number, server: string, client: string) => ReturnType<FlowSpec["build"]>>(f: T) => (p: number, s: string) => f(p, s, client);
  const bare = allowedDomain?.slice(1);
  const pqHello = tlsClientHello({ sni: allowed, postQuantum: true });
  const pqDenied = tlsClientHello({ sni: denied, postQuantum: true });
  const bigRecord = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00]), Buffer.alloc(16384 - 5, 0x41)]);
  const specs: Array<{ id: string; title: string; build: (clientPort: number, server: string) => ReturnType<FlowSpec["build"]> }> = [
    { id: "tls13-allowed", title: `TLS 1.3 to an allowed name (${allowed})`, build: c(tcp(443, tlsExchange(tlsClientHello({ sni: allowed })))) },
    { id: "tls12-allowed", title: `TLS 1.2 to an allowed name (${allowed})`, build: c(tcp(443, tlsExchange(tlsClientHello({ sni: allowed, version: "1.2" })))) },
    { id: "tls-pq-split-allowed", title: `TLS 1.3, post-quantum ClientHello split over two segments, allowed name`, build: c(tcp(443, [...split(pqHello, 1000, ["hello-part-1", "hello-part-2"]), ...tlsExchange(Buffer.alloc(0)).slice(1)])) },
    { id: "tls-pq-split-denied", title: `TLS 1.3, post-quantum ClientHello split over two segments, name not allowed`, build: c(tcp(443, [...split(pqDenied, 1000, ["hello-part-1", "hello-part-2"]), ...tlsExchange(Buffer.alloc(0)).slice(1)])) },
    { id: "tls-tiny-first-segment", title: "TLS to an allowed name, the ClientHello's first segment one byte long", build: c(tcp(443, [...split(tlsClientHello({ sni: allowed }), 1, ["hello-part-1", "hello-part-2"]), ...tlsExchange(Buffer.alloc(0)).slice(1)])) },
    {
      id: "tls-server-keepalive",
      title: "TLS to an allowed name, a server keepalive probe between the two segments of a split ClientHello",
      build: c(tcp(443, [{ ...split(pqHello, 1000, ["hello-part-1", "hello-part-2"])[0] }, { from: "server", data: Buffer.alloc(0), keepalive: true, label: "server-keepalive" }, split(pqHello, 1000, ["hello-part-1", "hello-part-2"])[1], ...tlsExchange(Buffer.alloc(0)).slice(1)])),
    },
    {
      id: "tls-pq-split-reordered",
      title: "TLS to an allowed name, split ClientHello whose second segment arrives first (the first lost and re-sent)",
      build: (p, s) => {
        const built = tcp(443, [...split(pqHello, 1000, ["hello-part-1", "hello-part-2"]), ...tlsExchange(Buffer.alloc(0)).slice(1)])(p, s, client);
        // [syn, syn-ack, ack, part-1, ack1, part-2, ack2, ...] -> [syn, syn-ack, ack, part-2, part-1, ack2, ...]
        const order = [0, 1, 2, 5, 3, ...built.packets.map((_, i) => i).slice(6)];
        return { ...built, packets: order.map((i) => built.packets[i]), labels: order.map((i) => built.labels[i]) };
      },
    },
    { id: "tls-uppercase", title: `TLS, allowed name in upper case (${allowed.toUpperCase()})`, build: c(tcp(443, tlsExchange(tlsClientHello({ sni: allowed.toUpperCase() })))) },
    { id: "tls-denied", title: `TLS to a name not allowed (${denied})`, build: c(tcp(443, tlsExchange(tlsClientHello({ sni: denied })))) },
    { id: "tls-lookalike-suffix", title: `TLS, allowed name as a prefix (${allowed}.${denied})`, build: c(tcp(443, tlsExchange(tlsClientHello({ sni: `${allowed}.${denied}` })))) },
    { id: "tls-lookalike-prefix", title: `TLS, allowed name with a prefix (evil${allowed})`, build: c(tcp(443, tlsExchange(tlsClientHello({ sni: `evil${allowed}` })))) },
    { id: "tls-ip-literal", title: "TLS with an IP address as SNI", build: c(tcp(443, tlsExchange(tlsClientHello({ sni: SERVER })))) },
    { id: "tls-no-sni", title: "TLS without SNI", build: c(tcp(443, tlsExchange(tlsClientHello({})))) },
    { id: "tls-no-dot", title: "TLS, SNI without a dot (intranet)", build: c(tcp(443, tlsExchange(tlsClientHello({ sni: "intranet" })))) },
    { id: "tls-allowed-8443", title: `TLS to an allowed name on port 8443`, build: c(tcp(8443, tlsExchange(tlsClientHello({ sni: allowed })))) },
    { id: "tls-allowed-80", title: `TLS to an allowed name on port 80`, build: c(tcp(80, tlsExchange(tlsClientHello({ sni: allowed })))) },
    {
      id: "tls-allowed-long",
      title: `TLS to an allowed name, 64 KB each way after the handshake`,
      build: c(
        tcp(443, [
          { from: "client", data: tlsClientHello({ sni: allowed }), label: "client-hello" },
          { from: "server", data: tlsServerHello(), label: "server-hello" },
          ...Array.from({ length: 8 }, (_, i) => [
            { from: "client" as const, data: tlsApplicationData(8000, `up${i}`) },
            { from: "server" as const, data: tlsApplicationData(8000, `down${i}`) },
          ]).flat(),
        ]),
      ),
    },
    {
      id: "tls-record-window",
      title: "a TLS record header announcing 16 KB, then 16 KB of anything, never a ClientHello",
      build: c(tcp(443, Array.from({ length: 17 }, (_, i) => ({ from: "client" as const, data: bigRecord.subarray(i * 1000, (i + 1) * 1000), label: `chunk${i + 1}` })).filter((s) => s.data.length > 0))),
    },
    { id: "http-allowed", title: `HTTP to an allowed Host (${allowed})`, build: c(tcp(80, httpExchange(httpRequest("GET", "/simple/", allowed)))) },
    { id: "http-tiny-first-segment", title: "HTTP to an allowed Host, the request's first segment two bytes long", build: c(tcp(80, [...split(httpRequest("GET", "/simple/", allowed), 2, ["request-part-1", "request-part-2"]), { from: "server", data: httpResponse("200 OK"), label: "response" }])) },
    { id: "http-allowed-port", title: `HTTP, allowed Host with a port (${allowed}:80)`, build: c(tcp(80, httpExchange(httpRequest("GET", "/simple/", `${allowed}:80`)))) },
    { id: "http-denied", title: `HTTP to a Host not allowed (${denied})`, build: c(tcp(80, httpExchange(httpRequest("GET", "/", denied)))) },
    { id: "http-ip-literal", title: "HTTP with an IP address as Host", build: c(tcp(80, httpExchange(httpRequest("GET", "/", SERVER)))) },
    { id: "http-no-host", title: "HTTP without a Host header", build: c(tcp(80, httpExchange(httpRequest("GET", "/", undefined)))) },
    { id: "http-connect", title: `HTTP CONNECT through an allowed Host (${allowed}:443)`, build: c(tcp(80, httpExchange(httpRequest("CONNECT", `${allowed}:443`, `${allowed}:443`)))) },
    { id: "http-10-allowed", title: `HTTP/1.0 to an allowed Host`, build: c(tcp(80, httpExchange(Buffer.from(`GET /simple/ HTTP/1.0\r\nHost: ${allowed}\r\n\r\n`, "latin1")))) },
    { id: "http-10-no-headers", title: "HTTP/1.0 request without any header line", build: c(tcp(80, httpExchange(Buffer.from("GET /data-in-the-uri HTTP/1.0\r\n\r\n", "latin1")))) },
    { id: "http11-no-headers", title: "HTTP/1.1 requests without any header line (three, pipelined)", build: c(tcp(80, [1, 2, 3].map((i) => ({ from: "client" as const, data: Buffer.from(`GET /data-in-the-uri-${i} HTTP/1.1\r\n\r\n`, "latin1"), label: `request${i}` })))) },
    { id: "http-09", title: "HTTP/0.9 request (a request line, no version, no headers)", build: c(tcp(80, httpExchange(Buffer.from("GET /data-in-the-uri\r\n", "latin1")))) },
    { id: "http-allowed-8080", title: `HTTP to an allowed Host on port 8080`, build: c(tcp(8080, httpExchange(httpRequest("GET", "/", allowed)))) },
    { id: "http-on-443", title: `HTTP to an allowed Host on port 443`, build: c(tcp(443, httpExchange(httpRequest("GET", "/", allowed)))) },
    {
      id: "http-headers-never-end",
      title: "HTTP request headers that never end (17 KB)",
      build: c(tcp(80, [{ from: "client", data: Buffer.from("GET / HTTP/1.1\r\n"), label: "request-line" }, ...Array.from({ length: 17 }, (_, i) => ({ from: "client" as const, data: Buffer.from(`X-Pad-${i}: ${"a".repeat(990)}\r\n`), label: `header${i + 1}` }))])),
    },
    {
      id: "websocket-allowed",
      title: `WebSocket upgrade to an allowed Host, frames both ways`,
      build: c(
        tcp(80, [
          { from: "client", data: httpRequest("GET", "/ws", allowed, ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]), label: "upgrade" },
          { from: "server", data: httpResponse("101 Switching Protocols", ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="]), label: "switching" },
          { from: "client", data: Buffer.from([0x81, 0x85, 1, 2, 3, 4, 0x69, 0x67, 0x6f, 0x68, 0x6e]), label: "client-frame" },
          { from: "server", data: Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]), label: "server-frame" },
        ]),
      ),
    },
    { id: "websocket-denied", title: `WebSocket upgrade to a Host not allowed`, build: c(tcp(80, [{ from: "client", data: httpRequest("GET", "/ws", denied, ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]), label: "upgrade" }])) },
    {
      id: "server-push",
      title: "one byte of a TLS record from the client, then 20 KB from the server (a download while the firewall waits)",
      build: c(tcp(443, [{ from: "client", data: Buffer.from([0x16]), label: "one-byte" }, ...Array.from({ length: 20 }, (_, i) => ({ from: "server" as const, data: Buffer.alloc(1000, 0x42), label: `push${i + 1}` }))])),
    },
    {
      id: "not-tls-jumbo-first-segment",
      title: "bytes that are not TLS on port 443, first segment over 1,460 bytes, 17 KB in all",
      build: c(tcp(443, Array.from({ length: 12 }, (_, i) => ({ from: "client" as const, data: Buffer.alloc(1500, 0x5a), label: `chunk${i + 1}` })))),
    },
    { id: "not-tls-on-443", title: "bytes that are not TLS on port 443", build: c(tcp(443, [{ from: "client", data: Buffer.from("hello, this is not a TLS record\r\n"), label: "first-bytes" }, { from: "client", data: Buffer.alloc(600, 0x5a), label: "more-bytes" }])) },
    { id: "ssh-on-443", title: "SSH on port 443", build: c(tcp(443, [{ from: "client", data: Buffer.from("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), label: "client-banner" }, { from: "server", data: Buffer.from("SSH-2.0-OpenSSH_9.6\r\n"), label: "server-banner" }])) },
    { id: "not-http-on-80", title: "bytes that are not HTTP on port 80", build: c(tcp(80, [{ from: "client", data: Buffer.from("\x00\x01binary tunnel frame\r\n", "latin1"), label: "first-bytes" }, { from: "client", data: Buffer.alloc(600, 0x5a), label: "more-bytes" }])) },
    { id: "server-first-banner", title: "a server-first protocol (SMTP on port 25: the server's greeting, then the client's EHLO)", build: c(tcp(25, [{ from: "server", data: Buffer.from("220 mail.example.net ESMTP\r\n"), label: "server-banner" }, { from: "client", data: Buffer.from("EHLO workload\r\n"), label: "client-banner" }])) },
    { id: "ssh-22", title: "SSH on port 22", build: c(tcp(22, [{ from: "client", data: Buffer.from("SSH-2.0-OpenSSH_9.2p1\r\n"), label: "client-banner" }, { from: "server", data: Buffer.from("SSH-2.0-OpenSSH_9.6\r\n"), label: "server-banner" }])) },
    { id: "dns-tcp", title: "DNS over TCP to a public resolver", build: c(tcp(53, [{ from: "client", data: dnsQuery(denied, 0x1234, true), label: "query" }])) },
    {
      id: "dns-udp",
      title: "DNS over UDP to a public resolver",
      build: (p, s) => ({ proto: "udp", serverPort: 53, packets: [udpDatagram(client, p, s, 53, dnsQuery(denied, 0x4321))], labels: ["query"] }),
    },
    { id: "quic", title: "QUIC (UDP/443)", build: (p, s) => ({ proto: "udp", serverPort: 443, packets: [udpDatagram(client, p, s, 443, quicInitial())], labels: ["initial"] }) },
    { id: "ntp", title: "NTP (UDP/123)", build: (p, s) => ({ proto: "udp", serverPort: 123, packets: [udpDatagram(client, p, s, 123, ntpRequest())], labels: ["request"] }) },
    { id: "icmp", title: "ICMP echo (ping)", build: (_p, s) => ({ proto: "icmp", packets: [icmpEcho(client, s, 8, 7), icmpEcho(s, client, 0, 7)], labels: ["request", "reply"] }) },
  ];
  if (allowedDomain && bare) {
    specs.splice(
      2,
      0,
      { id: "tls-domain-subdomain", title: `TLS to a subdomain of a "${allowedDomain}" entry (files${allowedDomain})`, build: c(tcp(443, tlsExchange(tlsClientHello({ sni: `files${allowedDomain}` })))) },
      { id: "tls-domain-apex", title: `TLS to the domain of a "${allowedDomain}" entry itself (${bare})`, build: c(tcp(443, tlsExchange(tlsClientHello({ sni: bare })))) },
      { id: "tls-domain-lookalike", title: `TLS to a name that ends like a "${allowedDomain}" entry (evil${bare})`, build: c(tcp(443, tlsExchange(tlsClientHello({ sni: `evil${bare}` })))) },
    );
  }
  return specs;
}

/** Extra flows: one TLS and one HTTP flow per name (e.g. a preset's names), ids `tls:<name>` and `http:<name>`. */
export function nameSpecs(names: ReadonlyArray<string>, client: string): Array<{ id: string; title: string; build: (clientPort: number, server: string) => ReturnType<FlowSpec["build"]> }> {
  return names.flatMap((name) => [
    { id: `tls:${name}`, title: `TLS to ${name}`, build: (p: number, s: string) => tcp(443, tlsExchange(tlsClientHello({ sni: name, postQuantum: true })))(p, s, client) },
    { id: `http:${name}`, title: `HTTP to ${name}`, build: (p: number, s: string) => tcp(80, httpExchange(httpRequest("GET", "/", name)))(p, s, client) },
  ]);
}

/**
 * The pcap of the specs, one flow after the other, each with its own client port (and, for ICMP, server
 * address). A spec's `client` (default `client`) is its source: flows from several sources (a hub's
 * spokes) share one pcap and one Suricata run.
 */
export function buildCatalogue(specs: ReadonlyArray<CatalogueSpec>, client: string): Catalogue {
  const flows: CatalogueFlow[] = [];
  const packets: Packet[] = [];
  const clients = new Set([client, ...specs.map((s) => s.client ?? client)]);
  if (specs.length > 20000) throw new Error(`${specs.length} flows: client ports 40000 + i would run past 60000`);
  specs.forEach((spec, i) => {
    const source = spec.client ?? client;
    const clientPort = 40000 + i;
    const server = `203.0.113.${(i % 200) + 20}`;
    const built = spec.build(clientPort, server);
    const first = packets.length + 1;
    packets.push(...built.packets);
    flows.push({
      id: spec.id,
      client: source,
      title: spec.title,
      proto: built.proto,
      server,
      serverPort: built.serverPort,
      clientPort: built.proto === "icmp" ? undefined : clientPort,
      packets: built.packets.map((p, j) => ({ index: first + j, from: fromOf(p, source), payload: payloadLength(p), label: built.labels[j] })),
    });
  });
  if (new Set(flows.map((f) => f.id)).size !== flows.length) throw new Error("two flows of the catalogue share an id: their verdicts could not be told apart");
  return { flows, pcap: pcapFile(packets), isClient: (ip) => clients.has(ip) };
}

function fromOf(p: Packet, client: string): "client" | "server" {
  return p.bytes.subarray(14 + 12, 14 + 16).join(".") === client ? "client" : "server";
}

function payloadLength(p: Packet): number {
  const ip = p.bytes.subarray(14);
  const ihl = (ip[0] & 0x0f) * 4;
  const total = ip.readUInt16BE(2);
  if (ip[9] === 6) return total - ihl - (ip[ihl + 12] >> 4) * 4;
  if (ip[9] === 17) return total - ihl - 8;
  return total - ihl;
}
