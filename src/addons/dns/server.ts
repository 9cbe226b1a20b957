// The cluster DNS server: DNS over UDP and TCP (RFC 1035 §4.2; TCP messages carry a two-byte length
// prefix, RFC 7766) on one port, wire format by the `dns-packet` package, answers from ClusterDnsZone.
//
// Message handling follows what CoreDNS gets from miekg/dns (server.go serveDNS, msg_helpers.go
// DefaultMsgAcceptFunc) and its own server (core/dnsserver/server.go, request.Request SizeAndDo/Scrub):
// - fewer than 12 bytes, or a response (QR set): no reply (nothing to answer, and answering could loop);
// - an opcode other than QUERY: NOTIMP; not exactly one question, more than one answer or authority record,
//   more than two additional records, or a message that does not decode: FORMERR (no question section);
// - a reply copies the id, the question, RD and CD; answers from the zone are authoritative (AA); there is
//   no recursion (RA clear), so dig warns "recursion requested but not available", as it does with CoreDNS;
// - EDNS(0): a query's OPT record is answered with one of the same UDP size, without options;
// - a UDP reply longer than 512 bytes (or the query's EDNS size) is cut to fit with TC set, so the client
//   asks again over TCP; a TCP reply may be up to 65535 bytes.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { once } from 'node:events';
import { createServer, isIP, type Socket } from 'node:net';
import dnsPacket, { type Answer, type OptAnswer, type Packet } from 'dns-packet';
import type { ClusterDnsZone, Rcode } from './records.js';

/** RFC 1035 §2.3.4: the largest UDP message without EDNS; RFC 6891: EDNS sizes below it count as 512. */
export const MAX_UDP_SIZE = 512;
export const MAX_TCP_SIZE = 65_535;
/** The largest UDP payload over IPv4 (65535 − 8-byte UDP header − 20-byte IP header): an EDNS size above it is cut to it. */
export const MAX_UDP_PAYLOAD = 65_507;
/** miekg/dns server.go: a TCP connection idle this long is closed (dnsserver default idle timeout 8 s). */
export const TCP_IDLE_TIMEOUT_MS = 8_000;

const RCODES: Readonly<Record<Rcode, number>> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const QR = 0x8000;
const OPCODE_MASK = 0x7800;

function header(flags: number, id: number, rcode: Rcode): Packet {
  return { type: 'response', id, flags: flags | RCODES[rcode], questions: [], answers: [], authorities: [], additionals: [] };
}

/** FORMERR or NOTIMP for a message that cannot be answered (miekg SetRcodeFormatError: no question, opcode QUERY). */
function reject(id: number, rcode: Rcode): Buffer {
  return dnsPacket.encode(header(0, id, rcode));
}

/**
 * Cuts a reply to `max` bytes (miekg Msg.Truncate): additional records go first (the OPT record stays),
 * then authority and answer records from the end; TC is set when an answer or authority record was dropped.
 */
function fit(packet: Packet, max: number): Buffer {
  let out = dnsPacket.encode(packet);
  if (out.length <= max) return out;
  const answers = [...(packet.answers ?? [])];
  const authorities = [...(packet.authorities ?? [])];
  const opt = (packet.additionals ?? []).filter((a) => a.type === 'OPT');
  const additionals = (packet.additionals ?? []).filter((a) => a.type !== 'OPT');
  let cut = false;
  const build = (): Packet => ({ ...packet, flags: (packet.flags ?? 0) | (cut ? dnsPacket.TRUNCATED_RESPONSE : 0), answers, authorities, additionals: [...additionals, ...opt] });
  while (out.length > max) {
    if (additionals.length > 0) additionals.pop();
    else if (authorities.length > 0) (authorities.pop(), (cut = true));
    else if (answers.length > 0) (answers.pop(), (cut = true));
    else break;
    out = dnsPacket.encode(build());
  }
  return out;
}

/**
 * The reply to one DNS message as received (without the TCP length prefix), or undefined when there is
 * nothing to send back.
 */
export function respond(query: Buffer, zone: ClusterDnsZone, transport: 'udp' | 'tcp'): Buffer | undefined {
  if (query.length < 12) return undefined;
  // The header's fixed fields, read before decoding so that a message that does not decode still gets a FORMERR.
  const id = query.readUInt16BE(0);
  const flags = query.readUInt16BE(2);
  if ((flags & QR) !== 0) return undefined;
  if ((flags & OPCODE_MASK) !== 0) return reject(id, 'NOTIMP');
  if (query.readUInt16BE(4) !== 1 || query.readUInt16BE(6) > 1 || query.readUInt16BE(8) > 1 || query.readUInt16BE(10) > 2) return reject(id, 'FORMERR');
  let decoded: dnsPacket.DecodedPacket;
  try {
    decoded = dnsPacket.decode(query);
  } catch {
    return reject(id, 'FORMERR');
  }
  const question = decoded.questions?.[0];
  if (question === undefined || typeof question.name !== 'string') return reject(id, 'FORMERR');
  const opt = (decoded.additionals ?? []).find((a): a is OptAnswer => a.type === 'OPT');
  // SetReply: RD and CD come back as they were asked.
  const copied = flags & (dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED);
  let result: ReturnType<ClusterDnsZone['answer']>;
  try {
    result = zone.answer(question);
  } catch {
    result = { rcode: 'SERVFAIL', authoritative: false, answers: [], authorities: [], additionals: [] };
  }
  const reply: Packet = {
    ...header(copied | (result.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0), id, result.rcode),
    questions: [question],
    answers: result.answers,
    authorities: result.authorities,
    additionals: [...result.additionals, ...(opt !== undefined ? [ednsReply(opt)] : [])],
  };
  const max = transport === 'tcp' ? MAX_TCP_SIZE : Math.max(MAX_UDP_SIZE, Math.min(opt?.udpPayloadSize ?? MAX_UDP_SIZE, MAX_UDP_PAYLOAD));
  return fit(reply, max);
}

/** request.go SizeAndDo: the request's OPT back, version 0, flags cleared but DO, no options. */
function ednsReply(opt: OptAnswer): Answer {
  return { type: 'OPT', name: '.', udpPayloadSize: opt.udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: opt.flags & dnsPacket.DNSSEC_OK, flag_do: opt.flag_do, options: [] };
}

export interface DnsServerOptions {
  readonly zone: ClusterDnsZone;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0: a free port, the same one for UDP and TCP. */
  readonly port: number;
}

export interface RunningDnsServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Reads length-prefixed messages from a TCP connection and answers each in order (RFC 7766 §8). */
function serveConnection(conn: Socket, zone: ClusterDnsZone): void {
  let pending: Buffer = Buffer.alloc(0);
  conn.setTimeout(TCP_IDLE_TIMEOUT_MS, () => conn.destroy());
  conn.on('error', () => conn.destroy());
  conn.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      const message = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      const reply = respond(message, zone, 'tcp');
      if (reply === undefined) continue;
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(reply.length, 0);
      conn.write(Buffer.concat([prefix, reply]));
    }
  });
}

/** Serves the zone on UDP and TCP at host:port; with port 0 both take the same free port. */
export async function startDnsServer(options: DnsServerOptions): Promise<RunningDnsServer> {
  const host = options.host ?? '127.0.0.1';
  const family = isIP(host) === 6 ? 'udp6' : 'udp4';
  for (let attempt = 0; ; attempt++) {
    const tcp = createServer((conn) => serveConnection(conn, options.zone));
    // events.once rejects when 'error' comes first (EADDRINUSE, EACCES).
    await once(tcp.listen(options.port, host), 'listening');
    const address = tcp.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    const udp = createSocket(family);
    try {
      udp.bind(port, host);
      await once(udp, 'listening');
    } catch (err) {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      // The free TCP port may be taken for UDP by someone else: try another (only when any port will do).
      if (options.port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 10) continue;
      throw err;
    }
    udp.on('message', (msg: Buffer, from: RemoteInfo) => {
      const reply = respond(msg, options.zone, 'udp');
      if (reply !== undefined) udp.send(reply, from.port, from.address);
    });
    udp.on('error', () => undefined);
    const connections = new Set<Socket>();
    tcp.on('connection', (c) => {
      connections.add(c);
      c.on('close', () => connections.delete(c));
    });
    return {
      host,
      port,
      close: async () => {
        for (const c of connections) c.destroy();
        await Promise.all([new Promise<void>((resolve) => udp.close(() => resolve())), new Promise<void>((resolve) => tcp.close(() => resolve()))]);
      },
    };
  }
}
