/**
 * Packets for the firewall engine layer, written here so the catalogue needs no packet tool: IPv4
 * over Ethernet, TCP conversations (handshake, segments both ways, close), UDP and ICMP, in a
 * classic pcap file Suricata reads with `-r`. Checksums are computed, so Suricata can keep its
 * checksum validation on.
 *
 * A flow is one 5-tuple; each flow gets its own client port, so per-flow verdicts can be read back
 * from Suricata's EVE log by port.
 */

export interface Packet {
  readonly bytes: Buffer;
}

const ETH_HEADER = Buffer.from([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]);

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split(".").map(Number));
}

/** The Internet checksum (RFC 1071) of the buffers, concatenated. */
function checksum(...parts: Buffer[]): number {
  const data = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) sum += (data[i] << 8) + (i + 1 < data.length ? data[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

let ipId = 1;
function ipv4(protocol: number, src: string, dst: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header.writeUInt16BE(20 + payload.length, 2);
  header.writeUInt16BE(ipId++ & 0xffff, 4);
  header.writeUInt16BE(0x4000, 6); // don't fragment
  header[8] = 64;
  header[9] = protocol;
  ipv4Bytes(src).copy(header, 12);
  ipv4Bytes(dst).copy(header, 16);
  header.writeUInt16BE(checksum(header), 10);
  return Buffer.concat([ETH_HEADER, header, payload]);
}

/** TCP/UDP checksum pseudo-header. */
function pseudo(src: string, dst: string, protocol: number, length: number): Buffer {
  const p = Buffer.alloc(12);
  ipv4Bytes(src).copy(p, 0);
  ipv4Bytes(dst).copy(p, 4);
  p[9] = protocol;
  p.writeUInt16BE(length, 10);
  return p;
}

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

function tcpSegment(src: string, sport: number, dst: string, dport: number, seq: number, ack: number, flags: number, payload: Buffer<ArrayBufferLike>): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h[12] = 5 << 4;
  h[13] = flags;
  h.writeUInt16BE(64240, 14);
  const segment = Buffer.concat([h, payload]);
  segment.writeUInt16BE(checksum(pseudo(src, dst, 6, segment.length), segment), 16);
  return ipv4(6, src, dst, segment);
}

export function udpDatagram(src: string, sport: number, dst: string, dport: number, payload: Buffer): Packet {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  const datagram = Buffer.concat([h, payload]);
  datagram.writeUInt16BE(checksum(pseudo(src, dst, 17, datagram.length), datagram) || 0xffff, 6);
  return { bytes: ipv4(17, src, dst, datagram) };
}

/** An ICMP echo request (type 8) or reply (type 0). */
export function icmpEcho(src: string, dst: string, type: 8 | 0, id: number): Packet {
  const m = Buffer.alloc(16);
  m[0] = type;
  m.writeUInt16BE(id, 4);
  m.writeUInt16BE(1, 6);
  m.write("firewall-engine", 8, "latin1");
  m.writeUInt16BE(checksum(m), 2);
  return { bytes: ipv4(1, src, dst, m) };
}

/** One step of a TCP conversation: bytes from the client or the server (each its own segment). */
export interface TcpStep {
  readonly from: "client" | "server";
  readonly data: Buffer<ArrayBufferLike>;
  /**
   * A TCP keepalive probe (RFC 1122 4.2.3.6): one byte of data already acknowledged, sent at the
   * sequence number before the next, as BSD and Windows stacks do; it does not advance the stream.
   */
  readonly keepalive?: boolean;
}

/**
 * A whole TCP conversation: three-way handshake, every step as one segment acknowledged by the
 * other side, then FIN from the client. What the firewall does to it is read from the EVE log.
 */
export function tcpConversation(client: string, sport: number, server: string, dport: number, steps: ReadonlyArray<TcpStep>): Packet[] {
  let cseq = 1000;
  let sseq = 5000;
  const c = (flags: number, data: Buffer<ArrayBufferLike> = Buffer.alloc(0)) => ({ bytes: tcpSegment(client, sport, server, dport, cseq, sseq, flags, data) });
  const s = (flags: number, data: Buffer<ArrayBufferLike> = Buffer.alloc(0)) => ({ bytes: tcpSegment(server, dport, client, sport, sseq, cseq, flags, data) });
  const out: Packet[] = [{ bytes: tcpSegment(client, sport, server, dport, cseq, 0, TCP_FLAGS.SYN, Buffer.alloc(0)) }];
  cseq += 1;
  out.push({ bytes: tcpSegment(server, dport, client, sport, sseq, cseq, TCP_FLAGS.SYN | TCP_FLAGS.ACK, Buffer.alloc(0)) });
  sseq += 1;
  out.push(c(TCP_FLAGS.ACK));
  for (const step of steps) {
    if (step.keepalive) {
      const probe = Buffer.alloc(1);
      out.push(step.from === "client" ? { bytes: tcpSegment(client, sport, server, dport, cseq - 1, sseq, TCP_FLAGS.ACK, probe) } : { bytes: tcpSegment(server, dport, client, sport, sseq - 1, cseq, TCP_FLAGS.ACK, probe) });
      out.push(step.from === "client" ? s(TCP_FLAGS.ACK) : c(TCP_FLAGS.ACK));
      continue;
    }
    if (step.from === "client") {
      out.push(c(TCP_FLAGS.PSH | TCP_FLAGS.ACK, step.data));
      cseq += step.data.length;
      out.push(s(TCP_FLAGS.ACK));
    } else {
      out.push(s(TCP_FLAGS.PSH | TCP_FLAGS.ACK, step.data));
      sseq += step.data.length;
      out.push(c(TCP_FLAGS.ACK));
    }
  }
  out.push(c(TCP_FLAGS.FIN | TCP_FLAGS.ACK));
  cseq += 1;
  out.push(s(TCP_FLAGS.FIN | TCP_FLAGS.ACK));
  sseq += 1;
  out.push(c(TCP_FLAGS.ACK));
  return out;
}

/** A classic pcap file (microsecond timestamps, Ethernet), one packet per millisecond. */
export function pcapFile(packets: ReadonlyArray<Packet>): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const records = packets.map((p, i) => {
    const r = Buffer.alloc(16);
    const t = 1_800_000_000_000 + i; // ms since the epoch: 2027-01-15
    r.writeUInt32LE(Math.floor(t / 1000), 0);
    r.writeUInt32LE((t % 1000) * 1000, 4);
    r.writeUInt32LE(p.bytes.length, 8);
    r.writeUInt32LE(p.bytes.length, 12);
    return Buffer.concat([r, p.bytes]);
  });
  return Buffer.concat([header, ...records]);
}
