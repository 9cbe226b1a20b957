// What the cluster DNS answers, as data: CoreDNS's kubernetes plugin (coredns plugin/kubernetes:
// handler.go ServeDNS, parse.go parseRequest, kubernetes.go Records/findServices/findPods/Services,
// plugin/backend_lookup.go A/SRV/SOA/NS) for one cluster domain, with `pods insecure` and the plugin's
// default `ttl 5` (kubernetes/setup.go defaultTTL). Names follow the Kubernetes DNS specification
// (kubernetes/dns docs/specification.md, schema version 1.1.0):
//
//   <service>.<ns>.svc.<zone>                     A: the ClusterIP; headless: every ready endpoint address
//   <hostname>.<service>.<ns>.svc.<zone>          A: that endpoint (hostname, else its IP with dashes)
//   _<port>._<proto>.<service>.<ns>.svc.<zone>    SRV: priority 0, weight 100/n, the port, and a target —
//                                                 <service>.<ns>.svc.<zone> for a ClusterIP service,
//                                                 <hostname>.<service>.<ns>.svc.<zone> per endpoint when headless
//   <a-b-c-d>.<ns>.pod.<zone>                     A: a.b.c.d (pods insecure: no check that such a pod exists)
//   dns-version.<zone>                            TXT "1.1.0"
//   <zone> SOA, NS; ns.dns.<zone> A               the server itself
//
// A name in the zone that matches nothing is NXDOMAIN; a name that exists but has no record of the type
// asked is NOERROR with no answer (NODATA). Both carry the zone's SOA in the authority section:
//   cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. <serial> 7200 1800 86400 5
// (backend_lookup.go SOA: ttl min(5, 300), refresh 7200, retry 1800, expire 86400, minimum = the plugin's
// ttl; serial = when the watched objects last changed, in Unix seconds). Names outside the zone are
// REFUSED: this server is authoritative for the cluster domain only, like a Corefile server block
// `cluster.local { kubernetes }` (core/dnsserver/server.go answers REFUSED when no server block's zone
// matches; a `.` block whose kubernetes plugin has no `forward` after it would answer SERVFAIL instead).
//
// Not here: reverse (in-addr.arpa PTR) zones, wildcard names, `endpoint_pod_names`, `pods verified`,
// `fallthrough`, and IPv6 service addresses (drydock allocates IPv4 only; AAAA answers NODATA).
import { isIP } from 'node:net';
import type { Answer, Question } from 'dns-packet';
import type { EndpointAddress, Endpoints, Service } from '../../api/index.js';

/** CoreDNS kubernetes plugin defaults (setup.go defaultTTL; DNSSchemaVersion in kubernetes.go). */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export const DEFAULT_TTL_SECONDS = 5;
export const DNS_SCHEMA_VERSION = '1.1.0';
/** TTL of the dns-version TXT record (kubernetes.go Services: 28800). */
export const DNS_VERSION_TTL_SECONDS = 28_800;
/** backend_lookup.go SOA: refresh, retry, expire; the SOA's own TTL is min(minimum, 300). */
export const SOA_REFRESH = 7200;
export const SOA_RETRY = 1800;
export const SOA_EXPIRE = 86_400;

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

/** What the answers are made from: the informers' caches of Services and Endpoints. */
export interface ClusterDnsSource {
  service(namespace: string, name: string): Service | undefined;
  endpoints(namespace: string, name: string): Endpoints | undefined;
  /** False until the caches hold the listed state (then a name error is SERVFAIL, handler.go). */
  readonly synced: boolean;
  /** The SOA serial: Unix seconds of the last change seen (dnsController.Modified). */
  serial(): number;
}

export interface ZoneConfig {
  /** The cluster domain, without a trailing dot ("cluster.local"). */
  readonly zone: string;
  readonly ttl: number;
  /** The addresses of ns.dns.<zone>: the server's own (CoreDNS nsAddrs falls back to its local IPs). */
  readonly nsAddresses: readonly string[];
}

export interface DnsResult {
  readonly rcode: Rcode;
  readonly authoritative: boolean;
  readonly answers: Answer[];
  readonly authorities: Answer[];
  readonly additionals: Answer[];
}

/** One thing a name stands for (CoreDNS msg.Service): an address, a CNAME target or a text. */
interface Target {
  /** An IP address, or a host name for an ExternalName service (a CNAME). */
  readonly host?: string;
  readonly text?: string;
  /** -1 when the endpoints declare no port (the plugin's sentinel: A yes, SRV no). */
  readonly port: number;
  readonly ttl: number;
  /** The name this target is known by (SRV target, address record name), without a trailing dot. */
  readonly key: string;
}

/** Why a name gives nothing: every CoreDNS name error becomes NXDOMAIN (kubernetes.go IsNameError). */
const NO_ITEMS = Symbol('errNoItems');
type Lookup = Target[] | typeof NO_ITEMS;

/** parse.go recordRequest: the labels of a name below the zone. */
interface RecordRequest {
  readonly port: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly service: string;
  readonly namespace: string;
  /** "svc", "pod", or "" for the apex, "svc" or "pod" alone. */
  readonly podOrSvc: string;
}

const stripUnderscore = (s: string) => (s.startsWith('_') ? s.slice(1) : s);

/** parse.go parseRequest: undefined is errInvalidRequest (a name error). */
function parseRequest(base: string): RecordRequest | undefined {
  const empty = { port: '', protocol: '', endpoint: '', service: '', namespace: '', podOrSvc: '' };
  if (base === '' || base === 'svc' || base === 'pod') return empty;
  const segs = base.split('.');
  let last = segs.length - 1;
  const podOrSvc = segs[last]!;
  if (podOrSvc !== 'pod' && podOrSvc !== 'svc') return undefined;
  const namespace = segs[--last];
  if (namespace === undefined) return { ...empty, podOrSvc };
  const service = segs[--last];
  if (service === undefined) return { ...empty, podOrSvc, namespace };
  last--;
  if (last < 0) return { ...empty, podOrSvc, namespace, service };
  // One more label is an endpoint; two are _port._protocol; more is too long (a name error).
  if (last === 0) return { ...empty, podOrSvc, namespace, service, endpoint: segs[0]! };
  if (last === 1) return { ...empty, podOrSvc, namespace, service, port: stripUnderscore(segs[0]!), protocol: stripUnderscore(segs[1]!) };
  return undefined;
}

/** kubernetes.go match: an empty request label matches anything; names compare case-insensitively. */
const match = (a: string, b: string) => a === '' || a.toLowerCase() === b.toLowerCase();

function isHeadless(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return ip === undefined || ip === '' || ip === 'None';
}

/** kubernetes.go endpointHostname: the address's hostname, else its IP with dashes for dots (or colons). */
export function endpointHostname(addr: EndpointAddress): string {
  if (addr.hostname !== undefined && addr.hostname !== '') return addr.hostname;
  if (addr.ip.includes('.')) return addr.ip.replaceAll('.', '-');
  if (addr.ip.includes(':')) return addr.ip.replaceAll(':', '-');
  return '';
}

/** The resolver for one zone over one source of Services and Endpoints. */
export class ClusterDnsZone {
  readonly zone: string;

  constructor(
    private readonly source: ClusterDnsSource,
    private readonly config: ZoneConfig,
  ) {
    this.zone = config.zone.toLowerCase().replace(/\.$/, '');
  }

  /** The zone part of `qname` (in the query's case), or undefined when the name is outside the zone. */
  private zoneOf(qname: string): string | undefined {
    const lower = qname.toLowerCase();
    if (lower === this.zone) return qname;
    if (lower.endsWith(`.${this.zone}`)) return qname.slice(qname.length - this.zone.length);
    return undefined;
  }

  /** Answers one question (handler.go ServeDNS). `qname` has no trailing dot. */
  answer(question: Question): DnsResult {
    const qname = question.name.replace(/\.$/, '');
    const zone = this.zoneOf(qname);
    if (zone === undefined || (question.class !== undefined && question.class !== 'IN')) {
      return { rcode: 'REFUSED', authoritative: false, answers: [], authorities: [], additionals: [] };
    }
    const name = qname.toLowerCase();
    const base = name === this.zone ? '' : name.slice(0, name.length - this.zone.length - 1);
    let records: Answer[] = [];
    let extra: Answer[] = [];
    let error = false;
    const lookupA = () => this.addressRecords(qname, base, 'A');
    switch (question.type) {
      case 'AXFR':
      case 'IXFR':
        return { rcode: 'REFUSED', authoritative: false, answers: [], authorities: [], additionals: [] };
      case 'A':
      case 'AAAA': {
        const r = this.addressRecords(qname, base, question.type);
        if (r === NO_ITEMS) error = true;
        else records = r;
        break;
      }
      case 'SRV': {
        const r = this.srvRecords(qname, base);
        if (r === NO_ITEMS) error = true;
        else [records, extra] = r;
        break;
      }
      case 'TXT': {
        // Services (TXT): only dns-version.<zone>; a name with records of another type is NODATA.
        if (base === 'dns-version') records = [{ type: 'TXT', name: qname, ttl: DNS_VERSION_TTL_SECONDS, class: 'IN', data: DNS_SCHEMA_VERSION }];
        else {
          const r = this.lookup(base);
          if (r === NO_ITEMS || r.length === 0) error = true;
        }
        break;
      }
      case 'CNAME': {
        const r = this.lookup(base);
        if (r === NO_ITEMS) error = true;
        else records = r.filter((t) => t.host !== undefined && isIP(t.host) === 0).map((t) => this.cname(qname, t));
        break;
      }
      case 'SOA':
        if (base === '') records = [this.soa(zone)];
        break;
      case 'NS':
        if (base === '') {
          const ns = `ns.dns.${zone}`;
          records = [{ type: 'NS', name: qname, ttl: this.config.ttl, class: 'IN', data: ns }];
          extra = this.config.nsAddresses.filter((ip) => isIP(ip) === 4).map((ip) => ({ type: 'A' as const, name: ns, ttl: this.config.ttl, class: 'IN' as const, data: ip }));
          break;
        }
        if (lookupA() === NO_ITEMS) error = true;
        break;
      default:
        // A fake A lookup tells NODATA from NXDOMAIN.
        if (lookupA() === NO_ITEMS) error = true;
    }
    if (error) {
      // Until the caches are synced a name error may be wrong: SERVFAIL (handler.go).
      return { rcode: this.source.synced ? 'NXDOMAIN' : 'SERVFAIL', authoritative: true, answers: [], authorities: [this.soa(zone)], additionals: [] };
    }
    if (records.length === 0) return { rcode: 'NOERROR', authoritative: true, answers: [], authorities: [this.soa(zone)], additionals: [] };
    return { rcode: 'NOERROR', authoritative: true, answers: records, authorities: [], additionals: extra };
  }

  /** backend_lookup.go SOA, for the zone as the query spelled it. */
  soa(zone: string): Answer {
    const ttl = this.config.ttl;
    return {
      type: 'SOA',
      name: zone,
      ttl: Math.min(ttl, 300),
      class: 'IN',
      data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: this.source.serial() >>> 0, refresh: SOA_REFRESH, retry: SOA_RETRY, expire: SOA_EXPIRE, minimum: ttl },
    };
  }

  private cname(qname: string, t: Target): Answer {
    return { type: 'CNAME', name: qname, ttl: t.ttl, class: 'IN', data: t.host! };
  }

  /** backend_lookup.go A/AAAA: one record per distinct address; an ExternalName is a CNAME, followed inside the zone. */
  private addressRecords(qname: string, base: string, type: 'A' | 'AAAA', depth = 0): Answer[] | typeof NO_ITEMS {
    const targets = this.lookup(base);
    if (targets === NO_ITEMS) return NO_ITEMS;
    const family = type === 'A' ? 4 : 6;
    const seen = new Set<string>();
    const out: Answer[] = [];
    for (const t of targets) {
      if (t.host === undefined || seen.has(t.host)) continue;
      seen.add(t.host);
      const kind = isIP(t.host);
      if (kind === family) out.push({ type, name: qname, ttl: t.ttl, class: 'IN', data: t.host });
      else if (kind === 0 && depth < 8) {
        // A CNAME (ExternalName). Inside the zone it is chased here; outside it, this server has no
        // upstream to ask, so the CNAME alone is the answer and the client resolves the target.
        const cname = this.cname(qname, t);
        const target = t.host.toLowerCase().replace(/\.$/, '');
        if (target === this.zone || target.endsWith(`.${this.zone}`)) {
          const next = this.addressRecords(t.host.replace(/\.$/, ''), target === this.zone ? '' : target.slice(0, target.length - this.zone.length - 1), type, depth + 1);
          if (next !== NO_ITEMS && next.length > 0) out.push(cname, ...next);
        } else {
          out.push(cname);
        }
      }
    }
    return out;
  }

  /**
   * backend_lookup.go SRV: every target has priority 0 and weight 0 (counted as 100), so each record's weight
   * is floor(100 / (100 × n) × 100) = floor(100 / n), at least 1; the targets' addresses go in the additional section.
   */
  private srvRecords(qname: string, base: string): [Answer[], Answer[]] | typeof NO_ITEMS {
    const targets = this.lookup(base);
    if (targets === NO_ITEMS) return NO_ITEMS;
    const weight = Math.max(1, Math.floor((100 / (100 * targets.length)) * 100));
    const records: Answer[] = [];
    const extra: Answer[] = [];
    const dup = new Set<string>();
    for (const t of targets) {
      if (t.port === -1 || t.host === undefined) continue;
      if (isIP(t.host) === 0) {
        records.push({ type: 'SRV', name: qname, ttl: t.ttl, class: 'IN', data: { priority: 0, weight, port: t.port, target: t.host } });
        continue;
      }
      const srvKey = `${t.key}\0${t.port}`;
      if (!dup.has(srvKey)) {
        dup.add(srvKey);
        records.push({ type: 'SRV', name: qname, ttl: t.ttl, class: 'IN', data: { priority: 0, weight, port: t.port, target: t.key } });
      }
      const addrKey = `${t.key}\0${t.host}`;
      if (!dup.has(addrKey)) {
        dup.add(addrKey);
        extra.push({ type: isIP(t.host) === 6 ? 'AAAA' : 'A', name: t.key, ttl: t.ttl, class: 'IN', data: t.host });
      }
    }
    return [records, extra];
  }

  /** kubernetes.go Services + Records: what the labels below the zone stand for. */
  private lookup(base: string): Lookup {
    const ttl = this.config.ttl;
    if (base === 'ns.dns') {
      return this.config.nsAddresses.map((ip) => ({ host: ip, port: -1, ttl, key: `ns.dns.${this.zone}` }));
    }
    if (base === 'dns-version') return [{ text: DNS_SCHEMA_VERSION, port: -1, ttl: DNS_VERSION_TTL_SECONDS, key: `dns-version.${this.zone}` }];
    const r = parseRequest(base);
    if (r === undefined) return NO_ITEMS;
    if (r.podOrSvc === '') return [];
    if (r.podOrSvc === 'pod') return this.findPod(r);
    return this.findServices(r);
  }

  /** kubernetes.go findPods, pods insecure: the name is the address, with dashes. */
  private findPod(r: RecordRequest): Lookup {
    if (r.service === '') return []; // <ns>.pod.<zone>: NODATA
    const name = r.service;
    const ip = (name.split('-').length === 4 && !name.includes('--')) ? name.replaceAll('-', '.') : name.replaceAll('-', ':');
    if (isIP(ip) === 0) return NO_ITEMS;
    return [{ host: ip, port: -1, ttl: this.config.ttl, key: `${name}.${r.namespace}.pod.${this.zone}` }];
  }

  /** kubernetes.go findServices. */
  private findServices(r: RecordRequest): Lookup {
    if (r.service === '') return []; // <ns>.svc.<zone>: NODATA
    const svc = this.source.service(r.namespace, r.service);
    if (svc === undefined) return NO_ITEMS;
    const ttl = this.config.ttl;
    const svcName = `${svc.metadata.name ?? r.service}.${svc.metadata.namespace ?? r.namespace}.svc.${this.zone}`;
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') {
      // No endpoints, and no port/protocol or endpoint labels (they would be meaningless for a CNAME).
      // An externalName that is an IP address is not a CNAME target and answers nothing (msg.Service HostType).
      if (r.endpoint !== '' || r.port !== '' || r.protocol !== '' || spec.externalName === undefined || spec.externalName === '' || isIP(spec.externalName) !== 0) return NO_ITEMS;
      return [{ host: spec.externalName, port: -1, ttl, key: svcName }];
    }
    if (isHeadless(svc) || r.endpoint !== '') {
      const out: Target[] = [];
      for (const subset of this.source.endpoints(r.namespace, r.service)?.subsets ?? []) {
        // object/endpoint.go: a subset without ports gets the sentinel port -1.
        const ports = subset.ports !== undefined && subset.ports.length > 0 ? subset.ports : [{ name: '', port: -1, protocol: '' }];
        for (const addr of subset.addresses ?? []) {
          const hostname = endpointHostname(addr);
          if (r.endpoint !== '' && !match(r.endpoint, hostname)) continue;
          for (const p of ports) {
            if (!match(r.port, p.name ?? '') || !match(r.protocol, p.protocol ?? '')) continue;
            out.push({ host: addr.ip, port: p.port, ttl, key: `${hostname}.${svcName}` });
          }
        }
      }
      return out.length > 0 ? out : NO_ITEMS;
    }
    const out: Target[] = [];
    let matched = false;
    const ips = spec.clusterIPs !== undefined && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP !== undefined ? [spec.clusterIP] : [];
    for (const p of spec.ports ?? []) {
      if (!match(r.port, p.name ?? '') || !match(r.protocol, p.protocol ?? 'TCP')) continue;
      matched = true;
      for (const ip of ips) out.push({ host: ip, port: p.port, ttl, key: svcName });
    }
    return matched ? out : NO_ITEMS;
  }
}
