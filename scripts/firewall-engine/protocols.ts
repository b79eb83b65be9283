/**
 * Application-layer payloads for the firewall engine layer, byte for byte as clients send them:
 * TLS ClientHellos (TLS 1.2 and 1.3, with or without SNI, with today's post-quantum key share),
 * server answers, HTTP/1.1 requests, DNS, QUIC and NTP. Enough of each protocol for Suricata's
 * parsers to read what the rules match on (SNI, Host, method), nothing more.
 */
import { createHash } from "node:crypto";

/** Deterministic filler, so the pcaps are byte-identical from run to run. */
function filler(length: number, seed: string): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < length; i++) out.push(createHash("sha256").update(`${seed}/${i}`).digest());
  return Buffer.concat(out).subarray(0, length);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), u16(body.length), body]);
}

/** X25519MLKEM768 (0x11ec): a 1184-byte ML-KEM-768 key plus a 32-byte X25519 key (draft-ietf-tls-ecdhe-mlkem). */
const X25519MLKEM768 = 0x11ec;
const X25519 = 0x001d;

export interface ClientHelloOptions {
  /** The server name (SNI extension); undefined sends none. */
  readonly sni?: string;
  /** "1.3" (default) offers TLS 1.3 with supported_versions; "1.2" a plain TLS 1.2 hello. */
  readonly version?: "1.2" | "1.3";
  /** Offer OpenSSL 3.5's default X25519MLKEM768 key share (about 1.2 KB): the hello no longer fits one segment. */
  readonly postQuantum?: boolean;
}

/** One TLS record holding a ClientHello, as OpenSSL 3.x writes it. */
export function tlsClientHello(options: ClientHelloOptions): Buffer {
  const version13 = (options.version ?? "1.3") === "1.3";
  const extensions: Buffer[] = [];
  if (options.sni !== undefined) {
    const name = Buffer.from(options.sni, "latin1");
    const entry = Buffer.concat([Buffer.from([0]), u16(name.length), name]);
    extensions.push(extension(0x0000, Buffer.concat([u16(entry.length), entry])));
  }
  const groups = options.postQuantum ? [X25519MLKEM768, X25519, 0x0017] : [X25519, 0x0017, 0x0018];
  extensions.push(extension(0x000a, Buffer.concat([u16(groups.length * 2), ...groups.map(u16)])));
  extensions.push(extension(0x000b, Buffer.from([1, 0]))); // ec_point_formats: uncompressed
  extensions.push(extension(0x000d, Buffer.concat([u16(8), u16(0x0403), u16(0x0804), u16(0x0401), u16(0x0805)]))); // signature_algorithms
  extensions.push(extension(0x0010, Buffer.concat([u16(9), Buffer.from([8]), Buffer.from("http/1.1")]))); // ALPN
  if (version13) {
    extensions.push(extension(0x002b, Buffer.concat([Buffer.from([4]), u16(0x0304), u16(0x0303)]))); // supported_versions
    extensions.push(extension(0x002d, Buffer.from([1, 1]))); // psk_key_exchange_modes
    const shares = options.postQuantum
      ? [Buffer.concat([u16(X25519MLKEM768), u16(1216), filler(1216, "mlkem")]), Buffer.concat([u16(X25519), u16(32), filler(32, "x25519")])]
      : [Buffer.concat([u16(X25519), u16(32), filler(32, "x25519")])];
    const all = Buffer.concat(shares);
    extensions.push(extension(0x0033, Buffer.concat([u16(all.length), all]))); // key_share
  }
  const extBytes = Buffer.concat(extensions);
  const suites = version13 ? [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f] : [0xc02b, 0xc02f, 0xc02c, 0xc030];
  const body = Buffer.concat([
    u16(0x0303),
    filler(32, `random/${options.sni}`),
    Buffer.from([32]),
    filler(32, `session/${options.sni}`),
    u16(suites.length * 2),
    ...suites.map(u16),
    Buffer.from([1, 0]), // compression: null
    u16(extBytes.length),
    extBytes,
  ]);
  const handshake = Buffer.concat([Buffer.from([0x01]), u24(body.length), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), u16(handshake.length), handshake]);
}

/** A server's ServerHello (TLS 1.2 form, which Suricata parses in both versions) and ChangeCipherSpec. */
export function tlsServerHello(): Buffer {
  const body = Buffer.concat([u16(0x0303), filler(32, "server-random"), Buffer.from([32]), filler(32, "server-session"), u16(0xc02f), Buffer.from([0]), u16(0)]);
  const handshake = Buffer.concat([Buffer.from([0x02]), u24(body.length), body]);
  const hello = Buffer.concat([Buffer.from([0x16, 0x03, 0x03]), u16(handshake.length), handshake]);
  return Buffer.concat([hello, Buffer.from([0x14, 0x03, 0x03, 0x00, 0x01, 0x01])]);
}

/** An encrypted TLS application-data record of `length` bytes. */
export function tlsApplicationData(length: number, seed: string): Buffer {
  return Buffer.concat([Buffer.from([0x17, 0x03, 0x03]), u16(length), filler(length, seed)]);
}

/** An HTTP/1.1 request, as curl writes it. */
export function httpRequest(method: string, target: string, host: string | undefined, extraHeaders: ReadonlyArray<string> = []): Buffer {
  const headers = [...(host === undefined ? [] : [`Host: ${host}`]), "User-Agent: curl/8.14.1", "Accept: */*", ...extraHeaders];
  return Buffer.from(`${method} ${target} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`, "latin1");
}

export function httpResponse(status: string, extraHeaders: ReadonlyArray<string> = [], body = ""): Buffer {
  const headers = [...extraHeaders, `Content-Length: ${Buffer.byteLength(body)}`];
  return Buffer.from(`HTTP/1.1 ${status}\r\n${headers.join("\r\n")}\r\n\r\n${body}`, "latin1");
}

/** A DNS query for an A record (UDP form; `tcp` prefixes the two-byte length). */
export function dnsQuery(name: string, id: number, tcp = false): Buffer {
  const labels = Buffer.concat([...name.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "latin1")])), Buffer.from([0])]);
  const message = Buffer.concat([u16(id), u16(0x0100), u16(1), u16(0), u16(0), u16(0), labels, u16(1), u16(1)]);
  return tcp ? Buffer.concat([u16(message.length), message]) : message;
}

/** A QUIC version 1 Initial packet's first bytes (long header), padded to 1200 bytes as clients must. */
export function quicInitial(): Buffer {
  const dcid = filler(8, "quic-dcid");
  const header = Buffer.concat([Buffer.from([0xc3, 0, 0, 0, 1, 8]), dcid, Buffer.from([0]), Buffer.from([0]), u16(0x4000 | 1180)]);
  return Buffer.concat([header, filler(1200 - header.length, "quic-payload")]);
}

/** An NTP version 4 client request. */
export function ntpRequest(): Buffer {
  const m = Buffer.alloc(48);
  m[0] = 0x23; // LI 0, version 4, mode 3 (client)
  return m;
}

/** An HTTP/2 frame (RFC 9113 4.1). */
function http2Frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

/** An empty HTTP/2 SETTINGS frame: what a server sends first on a connection. */
export function http2Settings(): Buffer {
  return http2Frame(4, 0, 0, Buffer.alloc(0));
}

/**
 * A client's HTTP/2 connection preface and one GET request (HEADERS, END_STREAM): HPACK static
 * table entries for :method GET, :scheme https and :path /, and :authority as a literal.
 */
export function http2Request(authority: string): Buffer {
  const preface = Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"), http2Settings()]);
  const block = Buffer.concat([Buffer.from([0x82, 0x87, 0x84, 0x41, authority.length]), Buffer.from(authority, "latin1")]);
  return Buffer.concat([preface, http2Frame(1, 0x05, 1, block)]);
}

/** A server's HTTP/2 response headers (:status 200, END_HEADERS) on stream 1. */
export function http2Response(): Buffer {
  return http2Frame(1, 0x04, 1, Buffer.from([0x88]));
}
