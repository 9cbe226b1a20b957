// Cluster DNS: the answers of CoreDNS's kubernetes plugin for the cluster domain, table-driven on a fixed
// source (expected records from coredns plugin/kubernetes and plugin/backend_lookup.go), the wire handling
// (FORMERR/NOTIMP, truncation, EDNS) on raw messages, a fuzz property that no message crashes the server,
// and end to end: an API server, its informers, the UDP+TCP server, and real resolvers — Node's
// dns.promises.Resolver (c-ares), a TCP client framing with dns-packet's streamEncode, and `dig` when present.
import { spawnSync } from 'node:child_process';
import { promises as dnsPromises } from 'node:dns';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ClusterDnsZone, respond, startClusterDns, type ClusterDnsSource, type DnsResult } from '../../src/addons/dns/index.js';
import type { Endpoints, Service } from '../../src/api/index.js';
import { ApiServer } from '../../src/apiserver/apiserver.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import { openEmbeddedStore } from '../../src/store/embedded.js';
import { systemClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';
import { e2e, run, waitFor, type Scope } from '../apiserver/e2e-harness.js';

const digFound = (spawnSync('dig', ['-v'], { stdio: 'ignore', timeout: 10_000 }).error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT';
if (!digFound) console.log('SKIP dig parts of the cluster DNS tests: dig not found on PATH (Debian package dnsutils; .ci/run installs it)');

// ---- fixtures -------------------------------------------------------------------------------------------

function service(name: string, spec: NonNullable<Service['spec']>, namespace = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec };
}

function endpoints(name: string, subsets: Endpoints['subsets'], namespace = 'default'): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace }, ...(subsets !== undefined ? { subsets } : {}) };
}

const SERIAL = 1_764_288_000; // 2025-11-28T00:00:00Z in Unix seconds

function source(objects: { services?: Service[]; endpoints?: Endpoints[]; synced?: boolean }): ClusterDnsSource {
  const key = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;
  const svcs = new Map((objects.services ?? []).map((s) => [key(s), s]));
  const eps = new Map((objects.endpoints ?? []).map((e) => [key(e), e]));
  return {
    service: (ns, name) => svcs.get(`${ns}/${name}`),
    endpoints: (ns, name) => eps.get(`${ns}/${name}`),
    synced: objects.synced ?? true,
    serial: () => SERIAL,
  };
}

const web = service('web', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }] });
const webEndpoints = endpoints('web', [{ addresses: [{ ip: '10.244.1.5' }, { ip: '10.244.2.7' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }]);
const db = service('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] });
const dbEndpoints = endpoints('db', [
  {
    addresses: [{ ip: '10.244.1.9', hostname: 'db-0' }, { ip: '10.244.2.3', hostname: 'db-1' }, { ip: '10.244.3.4' }],
    notReadyAddresses: [{ ip: '10.244.3.8', hostname: 'db-2' }],
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  },
]);
const portless = service('portless', { clusterIP: 'None' });
const portlessEndpoints = endpoints('portless', [{ addresses: [{ ip: '10.244.5.5' }] }]);
const external = service('search', { type: 'ExternalName', externalName: 'search.example.com' });
const alias = service('alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' });

const zone = new ClusterDnsZone(source({ services: [web, db, portless, external, alias], endpoints: [webEndpoints, dbEndpoints, portlessEndpoints] }), { zone: 'cluster.local', ttl: 5, nsAddresses: ['127.0.0.1'] });

/** Records as dig prints them: name ttl type data. */
function text(records: readonly Answer[]): string[] {
  return records.map((answer) => {
    const r = answer as { name: string; type: string; ttl?: number };
    const data = (answer as { data: unknown }).data;
    if (r.type === 'SRV') {
      const d = data as { priority: number; weight: number; port: number; target: string };
      return `${r.name}. ${r.ttl} SRV ${d.priority} ${d.weight} ${d.port} ${d.target}.`;
    }
    if (r.type === 'SOA') {
      const d = data as { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };
      return `${r.name}. ${r.ttl} SOA ${d.mname}. ${d.rname}. ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    }
    if (r.type === 'CNAME' || r.type === 'NS') return `${r.name}. ${r.ttl} ${r.type} ${String(data)}.`;
    return `${r.name}. ${r.ttl} ${r.type} ${String(data)}`;
  });
}

function ask(name: string, type: string, z = zone): DnsResult {
  return z.answer({ name, type: type as 'A' });
}

// The SOA every negative answer carries (backend_lookup.go SOA: ttl min(5, 300) = 5, refresh 7200,
// retry 1800, expire 86400, minimum = the plugin's ttl 5).
const SOA = `cluster.local. 5 SOA ns.dns.cluster.local. hostmaster.cluster.local. ${SERIAL} 7200 1800 86400 5`;

const records = suite('cluster DNS: records (CoreDNS kubernetes plugin)');

const cases: { name: string; type: string; rcode: string; answers?: string[]; authority?: string[]; extra?: string[]; why: string }[] = [
  { name: 'web.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['web.default.svc.cluster.local. 5 A 10.96.0.10'], why: 'a ClusterIP service: its cluster IP, once although it has two ports' },
  { name: 'WEB.Default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['WEB.Default.svc.cluster.local. 5 A 10.96.0.10'], why: 'names match case-insensitively; the answer keeps the query spelling' },
  { name: 'db.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['db.default.svc.cluster.local. 5 A 10.244.1.9', 'db.default.svc.cluster.local. 5 A 10.244.2.3', 'db.default.svc.cluster.local. 5 A 10.244.3.4'], why: 'headless: the three ready addresses, not the not-ready db-2' },
  { name: 'portless.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['portless.default.svc.cluster.local. 5 A 10.244.5.5'], why: 'headless without ports: the sentinel port -1 still gives the address' },
  { name: 'db-1.db.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['db-1.db.default.svc.cluster.local. 5 A 10.244.2.3'], why: 'an endpoint by its hostname' },
  { name: '10-244-3-4.db.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10-244-3-4.db.default.svc.cluster.local. 5 A 10.244.3.4'], why: 'an endpoint without hostname is named by its IP with dashes' },
  { name: '10-244-2-7.web.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10-244-2-7.web.default.svc.cluster.local. 5 A 10.244.2.7'], why: 'endpoint names work for ClusterIP services too (findServices: r.endpoint != "")' },
  { name: 'db-2.db.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: [SOA], why: 'not-ready addresses have no name' },
  {
    name: '_http._tcp.web.default.svc.cluster.local',
    type: 'SRV',
    rcode: 'NOERROR',
    // One target: weight floor(100 / 1) = 100; the target is the service name, its address in extra.
    answers: ['_http._tcp.web.default.svc.cluster.local. 5 SRV 0 100 80 web.default.svc.cluster.local.'],
    extra: ['web.default.svc.cluster.local. 5 A 10.96.0.10'],
    why: 'SRV of a named port of a ClusterIP service',
  },
  {
    name: 'web.default.svc.cluster.local',
    type: 'SRV',
    rcode: 'NOERROR',
    // Two ports, two targets: weight floor(100 / 2) = 50 each; one address record for the shared target.
    answers: ['web.default.svc.cluster.local. 5 SRV 0 50 80 web.default.svc.cluster.local.', 'web.default.svc.cluster.local. 5 SRV 0 50 9090 web.default.svc.cluster.local.'],
    extra: ['web.default.svc.cluster.local. 5 A 10.96.0.10'],
    why: 'SRV without port labels lists every port',
  },
  {
    name: '_pg._tcp.db.default.svc.cluster.local',
    type: 'SRV',
    rcode: 'NOERROR',
    // Three ready endpoints: weight floor(100 / 3) = 33.
    answers: [
      '_pg._tcp.db.default.svc.cluster.local. 5 SRV 0 33 5432 db-0.db.default.svc.cluster.local.',
      '_pg._tcp.db.default.svc.cluster.local. 5 SRV 0 33 5432 db-1.db.default.svc.cluster.local.',
      '_pg._tcp.db.default.svc.cluster.local. 5 SRV 0 33 5432 10-244-3-4.db.default.svc.cluster.local.',
    ],
    extra: ['db-0.db.default.svc.cluster.local. 5 A 10.244.1.9', 'db-1.db.default.svc.cluster.local. 5 A 10.244.2.3', '10-244-3-4.db.default.svc.cluster.local. 5 A 10.244.3.4'],
    why: 'headless SRV: one record per endpoint, named by hostname',
  },
  { name: '_PG._TCP.db.default.svc.cluster.local', type: 'SRV', rcode: 'NOERROR', answers: ['_PG._TCP.db.default.svc.cluster.local. 5 SRV 0 33 5432 db-0.db.default.svc.cluster.local.', '_PG._TCP.db.default.svc.cluster.local. 5 SRV 0 33 5432 db-1.db.default.svc.cluster.local.', '_PG._TCP.db.default.svc.cluster.local. 5 SRV 0 33 5432 10-244-3-4.db.default.svc.cluster.local.'], extra: ['db-0.db.default.svc.cluster.local. 5 A 10.244.1.9', 'db-1.db.default.svc.cluster.local. 5 A 10.244.2.3', '10-244-3-4.db.default.svc.cluster.local. 5 A 10.244.3.4'], why: 'port and protocol match case-insensitively' },
  { name: '_http._udp.web.default.svc.cluster.local', type: 'SRV', rcode: 'NXDOMAIN', authority: [SOA], why: 'no UDP port named http' },
  { name: '_grpc._tcp.web.default.svc.cluster.local', type: 'SRV', rcode: 'NXDOMAIN', authority: [SOA], why: 'no port named grpc' },
  { name: 'portless.default.svc.cluster.local', type: 'SRV', rcode: 'NOERROR', authority: [SOA], why: 'port -1 makes no SRV record: NODATA' },
  { name: 'nothere.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: [SOA], why: 'no such service' },
  { name: 'web.other.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: [SOA], why: 'services are per namespace' },
  { name: 'default.svc.cluster.local', type: 'A', rcode: 'NOERROR', authority: [SOA], why: 'a namespace alone exists but has no address: NODATA' },
  { name: 'svc.cluster.local', type: 'A', rcode: 'NOERROR', authority: [SOA], why: 'svc alone: NODATA' },
  { name: 'cluster.local', type: 'A', rcode: 'NOERROR', authority: [SOA], why: 'the apex: NODATA' },
  { name: 'foo.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: [SOA], why: 'neither svc nor pod: errInvalidRequest' },
  { name: 'a.b.c.web.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: [SOA], why: 'three labels before the service: too long' },
  { name: 'web.default.svc.cluster.local', type: 'AAAA', rcode: 'NOERROR', authority: [SOA], why: 'IPv4 only: the name exists, no AAAA (NODATA)' },
  { name: 'nothere.default.svc.cluster.local', type: 'AAAA', rcode: 'NXDOMAIN', authority: [SOA], why: 'AAAA of a missing name: NXDOMAIN' },
  { name: 'web.default.svc.cluster.local', type: 'MX', rcode: 'NOERROR', authority: [SOA], why: 'another type: the fake A lookup says the name exists (NODATA)' },
  { name: '10-244-1-5.default.pod.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10-244-1-5.default.pod.cluster.local. 5 A 10.244.1.5'], why: 'pods insecure: the name is the address' },
  { name: '10-244-1.default.pod.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: [SOA], why: 'not an address' },
  { name: 'default.pod.cluster.local', type: 'A', rcode: 'NOERROR', authority: [SOA], why: 'pod namespace alone: NODATA' },
  { name: 'search.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['search.default.svc.cluster.local. 5 CNAME search.example.com.'], why: 'ExternalName outside the zone: the CNAME alone (no upstream here)' },
  { name: 'alias.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['alias.default.svc.cluster.local. 5 CNAME web.default.svc.cluster.local.', 'web.default.svc.cluster.local. 5 A 10.96.0.10'], why: 'ExternalName inside the zone: the CNAME, then its target' },
  { name: 'search.default.svc.cluster.local', type: 'CNAME', rcode: 'NOERROR', answers: ['search.default.svc.cluster.local. 5 CNAME search.example.com.'], why: 'CNAME query' },
  { name: 'dns-version.cluster.local', type: 'TXT', rcode: 'NOERROR', answers: ['dns-version.cluster.local. 28800 TXT 1.1.0'], why: 'the schema version record (TTL 28800)' },
  { name: 'web.default.svc.cluster.local', type: 'TXT', rcode: 'NOERROR', authority: [SOA], why: 'TXT of an existing name: NODATA' },
  { name: 'cluster.local', type: 'SOA', rcode: 'NOERROR', answers: [SOA], why: 'the SOA itself' },
  { name: 'cluster.local', type: 'NS', rcode: 'NOERROR', answers: ['cluster.local. 5 NS ns.dns.cluster.local.'], extra: ['ns.dns.cluster.local. 5 A 127.0.0.1'], why: 'NS: ns.dns.<zone>, at the server address' },
  { name: 'ns.dns.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['ns.dns.cluster.local. 5 A 127.0.0.1'], why: 'the name server' },
  { name: 'example.com', type: 'A', rcode: 'REFUSED', why: 'outside the zone: REFUSED, no authority' },
  { name: 'cluster.local.example.com', type: 'A', rcode: 'REFUSED', why: 'a suffix match must be on a label boundary' },
  { name: 'mycluster.local', type: 'A', rcode: 'REFUSED', why: 'nor a prefix of a label' },
  { name: 'cluster.local', type: 'AXFR', rcode: 'REFUSED', why: 'zone transfers are refused' },
];

for (const c of cases) {
  records(`${c.name} ${c.type} → ${c.rcode}: ${c.why}`, () => {
    const r = ask(c.name, c.type);
    assert.is(r.rcode, c.rcode);
    assert.equal(text(r.answers), c.answers ?? []);
    assert.equal(text(r.authorities), c.authority ?? []);
    assert.equal(text(r.additionals), c.extra ?? []);
    assert.is(r.authoritative, c.rcode !== 'REFUSED', 'answers from the zone are authoritative; refusals are not');
  });
}

records('before the caches are synced, a name error is SERVFAIL (with the SOA), and found names still answer', () => {
  const unsynced = new ClusterDnsZone(source({ services: [web], synced: false }), { zone: 'cluster.local', ttl: 5, nsAddresses: [] });
  assert.is(ask('nothere.default.svc.cluster.local', 'A', unsynced).rcode, 'SERVFAIL');
  assert.equal(text(ask('nothere.default.svc.cluster.local', 'A', unsynced).authorities), [SOA]);
  assert.equal(text(ask('web.default.svc.cluster.local', 'A', unsynced).answers), ['web.default.svc.cluster.local. 5 A 10.96.0.10']);
});

records('--cluster-domain and ttl: another zone, its own SOA names and TTLs', () => {
  const z = new ClusterDnsZone(source({ services: [web] }), { zone: 'corp.example', ttl: 30, nsAddresses: [] });
  assert.equal(text(ask('web.default.svc.corp.example', 'A', z).answers), ['web.default.svc.corp.example. 30 A 10.96.0.10']);
  // The SOA's own TTL is min(30, 300) = 30 and its minimum is the ttl, 30.
  assert.equal(text(ask('x.default.svc.corp.example', 'A', z).authorities), [`corp.example. 30 SOA ns.dns.corp.example. hostmaster.corp.example. ${SERIAL} 7200 1800 86400 30`]);
  assert.is(ask('web.default.svc.cluster.local', 'A', z).rcode, 'REFUSED');
});

// ---- the wire ---------------------------------------------------------------------------------------------

const wire = suite('cluster DNS: messages on the wire');

function query(name: string, type: string, extra: Partial<Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }], ...extra });
}

wire('an A query: id, question and RD come back; AA set, RA clear; the answer decodes', () => {
  const reply = dnsPacket.decode(respond(query('web.default.svc.cluster.local', 'A'), zone, 'udp')!);
  assert.is(reply.id, 4242);
  assert.ok(reply.flag_qr && reply.flag_aa && reply.flag_rd && !reply.flag_ra && !reply.flag_tc);
  assert.is((reply as unknown as { rcode: string }).rcode, 'NOERROR');
  assert.equal(reply.questions, [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN' }]);
  assert.equal(text(reply.answers ?? []), ['web.default.svc.cluster.local. 5 A 10.96.0.10']);
});

wire('EDNS: the OPT record comes back with the query\'s UDP size and no options', () => {
  const q = query('web.default.svc.cluster.local', 'A', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [{ code: 10, data: Buffer.alloc(8, 1) } as never] }] });
  const reply = dnsPacket.decode(respond(q, zone, 'udp')!);
  const opt = reply.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize: number; options: unknown[] } | undefined;
  assert.is(opt?.udpPayloadSize, 1232);
  assert.equal(opt?.options, []);
});

wire('malformed messages: short or a response → no reply; garbage, two questions → FORMERR; opcode STATUS → NOTIMP', () => {
  assert.is(respond(Buffer.from([1, 2, 3]), zone, 'udp'), undefined, 'under 12 bytes: no header to answer');
  const asResponse = query('web.default.svc.cluster.local', 'A');
  asResponse[2]! |= 0x80; // QR
  assert.is(respond(asResponse, zone, 'udp'), undefined, 'a response is never answered');

  // A header that promises one question, then 3 bytes that are not a name: FORMERR, same id, no question.
  const garbage = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f, 0x61, 0x62]);
  const formerr = dnsPacket.decode(respond(garbage, zone, 'udp')!);
  assert.is(formerr.id, 0x1234);
  assert.is((formerr as unknown as { rcode: string }).rcode, 'FORMERR');
  assert.equal(formerr.questions, []);

  const two = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: 'a.default.svc.cluster.local', type: 'A' }, { name: 'b.default.svc.cluster.local', type: 'A' }] });
  assert.is((dnsPacket.decode(respond(two, zone, 'udp')!) as unknown as { rcode: string }).rcode, 'FORMERR');

  const status = query('web.default.svc.cluster.local', 'A');
  status[2]! |= 2 << 3; // opcode 2 (STATUS) in bits 11-14 of the flags
  assert.is((dnsPacket.decode(respond(status, zone, 'udp')!) as unknown as { rcode: string }).rcode, 'NOTIMP');
});

/** A headless service with `n` ready endpoints 10.0.<i/256>.<i%256>. */
function bigZone(n: number): ClusterDnsZone {
  const addresses = Array.from({ length: n }, (_, i) => ({ ip: `10.0.${Math.floor(i / 256)}.${i % 256}` }));
  return new ClusterDnsZone(source({ services: [service('big', { clusterIP: 'None', ports: [{ name: 'p', port: 1, protocol: 'TCP' }] })], endpoints: [endpoints('big', [{ addresses, ports: [{ name: 'p', port: 1, protocol: 'TCP' }] }])] }), { zone: 'cluster.local', ttl: 5, nsAddresses: [] });
}

wire('truncation: 60 A records do not fit 512 bytes over UDP (TC set, cut to fit); over TCP all 60 come', () => {
  const big = bigZone(60);
  const q = query('big.default.svc.cluster.local', 'A');
  // dns-packet does not compress names. "big.default.svc.cluster.local" (29 characters) is 31 bytes on the
  // wire; an A record is name 31 + type, class, ttl, length 10 + address 4 = 45 bytes, so 60 need 2700.
  // Header 12 + question (31 + 4) = 47 bytes leave room for floor((512 − 47) / 45) = 10 records.
  const udp = respond(q, big, 'udp')!;
  assert.ok(udp.length <= 512, `UDP reply is ${udp.length} bytes`);
  const cut = dnsPacket.decode(udp);
  assert.ok(cut.flag_tc, 'TC tells the client to retry over TCP');
  assert.is(cut.answers?.length, 10);
  const tcp = dnsPacket.decode(respond(q, big, 'tcp')!);
  assert.ok(!tcp.flag_tc);
  assert.is(tcp.answers?.length, 60);
  // With EDNS the client's size is the limit: 4096 bytes hold 47 + 60 × 45 + the OPT record (11) = 2758.
  const opt = { type: 'OPT' as const, name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
  const edns = dnsPacket.decode(respond(query('big.default.svc.cluster.local', 'A', { additionals: [opt] }), big, 'udp')!);
  assert.ok(!edns.flag_tc);
  assert.is(edns.answers?.length, 60);
});

wire('property: any bytes at all get no reply or a reply that decodes, with the query id; never a throw', () => {
  const valid = query('web.default.svc.cluster.local', 'A');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 600 }),
        // A valid query with some bytes flipped: reaches the decoder more often than random bytes do.
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
          const b = Buffer.from(valid);
          for (const [i, v] of flips) b[i] = v;
          return new Uint8Array(b);
        }),
      ),
      (bytes) => {
        const buf = Buffer.from(bytes);
        const reply = respond(buf, zone, 'udp');
        if (reply === undefined) return buf.length < 12 || (buf[2]! & 0x80) !== 0;
        const decoded = dnsPacket.decode(reply);
        return decoded.id === buf.readUInt16BE(0) && decoded.flag_qr && reply.length <= 65_535;
      },
    ),
    { numRuns: 2000, seed: 11 },
  );
});

// ---- end to end: informers, the server, real resolvers -----------------------------------------------------

const live = suite('cluster DNS: served from the API server');

async function cluster(scope: Scope) {
  const { store } = openEmbeddedStore({ clock: systemClock });
  const api = new ApiServer({ store, clock: systemClock, rng: seededRng(3) });
  scope.defer(() => store.close());
  scope.defer(() => api.close());
  await api.bootstrap();
  const informers = new SharedInformerFactory(api);
  scope.defer(() => informers.stop());
  const dns = await startClusterDns({ informers, clock: systemClock, port: 0 });
  scope.defer(() => dns.close());
  const resolver = new dnsPromises.Resolver({ timeout: 1000, tries: 2 });
  resolver.setServers([`127.0.0.1:${dns.port}`]);
  return { api, dns, resolver };
}

/** One query over TCP: dns-packet's streamEncode (two-byte length prefix), read back the same way. */
async function tcpQuery(port: number, name: string, type: string): Promise<dnsPacket.DecodedPacket> {
  const socket = connect(port, '127.0.0.1');
  try {
    socket.write(dnsPacket.streamEncode({ type: 'query', id: 99, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }] }));
    let got = Buffer.alloc(0);
    for await (const chunk of socket) {
      got = Buffer.concat([got, chunk as Buffer]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) break;
    }
    return dnsPacket.decode(got.subarray(2, 2 + got.readUInt16BE(0)));
  } finally {
    socket.destroy();
  }
}

async function enotfound(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

e2e(live, 'Node\'s resolver: A and SRV follow a Service created, its Endpoints changed, and the Service deleted', async (scope) => {
  const { api, dns, resolver } = await cluster(scope);
  const name = 'web.default.svc.cluster.local';
  assert.is(await enotfound(resolver.resolve4(name)), 'ENOTFOUND', 'NXDOMAIN before the Service exists');

  const created = await api.create<Service>('services', service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }));
  const ip = created.spec!.clusterIP!;
  assert.match(ip, /^10\.96\./, 'allocated from the default service range 10.96.0.0/12');
  await waitFor('the A record', async () => (await resolver.resolve4(name).catch(() => [])).join() === ip);
  assert.equal(await resolver.resolveSrv(`_http._tcp.${name}`), [{ name, port: 80, priority: 0, weight: 100 }]);

  // A headless service: its answer is the Endpoints' ready addresses, and follows them.
  await api.create('services', service('db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] }));
  await api.create('endpoints', endpoints('db', [{ addresses: [{ ip: '10.244.1.9', hostname: 'db-0' }], notReadyAddresses: [{ ip: '10.244.2.3', hostname: 'db-1' }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }]));
  const headless = 'db.default.svc.cluster.local';
  await waitFor('one ready address', async () => (await resolver.resolve4(headless).catch(() => [])).join() === '10.244.1.9');
  await api.update('endpoints', endpoints('db', [{ addresses: [{ ip: '10.244.1.9', hostname: 'db-0' }, { ip: '10.244.2.3', hostname: 'db-1' }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }]));
  await waitFor('db-1 turned ready', async () => (await resolver.resolve4(headless).catch(() => [])).sort().join() === '10.244.1.9,10.244.2.3');
  // Two endpoints: weight floor(100 / 2) = 50 each, targets named by hostname.
  const srv = (await resolver.resolveSrv(`_pg._tcp.${headless}`)).sort((a, b) => (a.name < b.name ? -1 : 1));
  assert.equal(srv, [
    { name: 'db-0.db.default.svc.cluster.local', port: 5432, priority: 0, weight: 50 },
    { name: 'db-1.db.default.svc.cluster.local', port: 5432, priority: 0, weight: 50 },
  ]);
  assert.equal(await resolver.resolve4('db-1.db.default.svc.cluster.local'), ['10.244.2.3']);

  await api.delete('services', 'default', 'web');
  await waitFor('NXDOMAIN after the delete', async () => (await enotfound(resolver.resolve4(name))) === 'ENOTFOUND');
  assert.equal(await resolver.resolve4('10-1-2-3.default.pod.cluster.local'), ['10.1.2.3']);
  assert.is(await enotfound(resolver.resolve4('example.com')), 'EREFUSED', 'outside the zone: REFUSED');
  assert.ok(dns.port > 0);
});

e2e(live, 'TCP: a length-prefixed query gets a length-prefixed answer; many endpoints come whole over TCP', async (scope) => {
  const { api, dns, resolver } = await cluster(scope);
  await api.create('services', service('big', { clusterIP: 'None', ports: [{ name: 'p', port: 1 }] }));
  const addresses = Array.from({ length: 100 }, (_, i) => ({ ip: `10.244.${Math.floor(i / 200)}.${i + 1}` }));
  await api.create('endpoints', endpoints('big', [{ addresses, ports: [{ name: 'p', port: 1, protocol: 'TCP' }] }]));
  await waitFor('the endpoints in the cache', async () => ((await tcpQuery(dns.port, 'big.default.svc.cluster.local', 'A')).answers ?? []).length > 0);
  const reply = await tcpQuery(dns.port, 'big.default.svc.cluster.local', 'A');
  assert.is(reply.id, 99);
  assert.is(reply.answers?.length, 100, 'all 100 addresses over TCP (no 512-byte limit)');
  assert.ok(!reply.flag_tc);
  // c-ares gets a truncated UDP reply, retries over TCP, and so also sees all 100.
  assert.is((await resolver.resolve4('big.default.svc.cluster.local')).length, 100);
  const nx = await tcpQuery(dns.port, 'gone.default.svc.cluster.local', 'A');
  assert.is((nx as unknown as { rcode: string }).rcode, 'NXDOMAIN');
  assert.is(nx.authorities?.[0]?.type, 'SOA');
});

e2e(live, 'a malformed datagram gets FORMERR and the server keeps answering', async (scope) => {
  const { dns, resolver, api } = await cluster(scope);
  const sock = createSocket('udp4');
  scope.defer(() => sock.close());
  const got = new Promise<Buffer>((resolve) => sock.once('message', (m) => resolve(m)));
  sock.send(Buffer.from([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xff]), dns.port, '127.0.0.1');
  const formerr = dnsPacket.decode(await got);
  assert.is(formerr.id, 0xabcd);
  assert.is((formerr as unknown as { rcode: string }).rcode, 'FORMERR');
  await api.create('services', service('ok', { ports: [{ port: 80 }] }));
  await waitFor('an answer after the bad packet', async () => (await resolver.resolve4('ok.default.svc.cluster.local').catch(() => [])).length === 1);
});

e2e(live, 'dig @127.0.0.1 -p PORT: A, SRV over TCP, NXDOMAIN with the SOA', async (scope) => {
  if (!digFound) {
    console.log('SKIP dig @127.0.0.1: dig not found');
    return;
  }
  const { api, dns } = await cluster(scope);
  const created = await api.create<Service>('services', service('web', { ports: [{ name: 'http', port: 80 }] }));
  const dig = (...args: string[]) => run(scope, 'dig', ['@127.0.0.1', '-p', String(dns.port), '+time=2', '+tries=2', ...args]);
  await waitFor('the service in the cache', async () => (await dig('+short', 'web.default.svc.cluster.local')).stdout.trim() !== '');
  const a = await dig('+noall', '+answer', 'web.default.svc.cluster.local');
  assert.equal(a.stdout.trim().split(/\s+/), ['web.default.svc.cluster.local.', '5', 'IN', 'A', created.spec!.clusterIP!]);
  const srv = await dig('+tcp', '+noall', '+answer', '+additional', '_http._tcp.web.default.svc.cluster.local', 'SRV');
  assert.equal(srv.stdout.trim().split('\n').map((l) => l.split(/\s+/).join(' ')), [
    '_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.',
    `web.default.svc.cluster.local. 5 IN A ${created.spec!.clusterIP!}`,
  ]);
  const nx = await dig('nothere.default.svc.cluster.local');
  assert.match(nx.stdout, /status: NXDOMAIN/);
  assert.match(nx.stdout, /flags: qr aa rd;/);
  assert.match(nx.stdout, /cluster\.local\.\s+5\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 5/);
  const out = await dig('example.com');
  assert.match(out.stdout, /status: REFUSED/);
});

records.run();
wire.run();
live.run();
