// kube-proxy in iptables mode (pkg/proxy/iptables/proxier.go syncProxyRules), as data: each node's
// KubeProxy turns the Services and Endpoints it watches into the filter and nat rules kube-proxy would
// restore, as iptables-save lines, and can say which backend a packet would reach. Syncs are rate limited
// as kube-proxy's BoundedFrequencyRunner does (pkg/util/async/bounded_frequency_runner.go): a change asks
// for a sync, which runs at once if the token bucket (one token per minSyncPeriod, burst 2 — proxier.go
// burstSyncs) has a token and otherwise when the next one is due; a periodic sync runs every syncPeriod.
// Defaults (pkg/proxy/apis/config/v1alpha1/defaults.go): iptables syncPeriod 30 s, minSyncPeriod 1 s.
//
// ProxyFleet runs one KubeProxy per Node and measures how long a Service/Endpoints change takes to be
// applied on every node: propagation latency = max over nodes (sync time − change time), the change time
// being when the change reached the watch (the API server write, in process). Upstream's closest metric is
// network_programming_duration_seconds, which starts from the pod change (the endpoints' last-change
// trigger time) instead.
//
// Scope: drydock has no EndpointSlices, so the ready addresses of core/v1 Endpoints are the endpoints (the
// pre-1.19 source); no topology hints, no terminating-endpoint fallback, no loadBalancerSourceRanges
// (KUBE-FW), no health-check node ports, IPv4 only, nodePortAddresses = all local addresses.
import { createHash } from 'node:crypto';
import type { Endpoints, Node, Service, ServicePort } from '../api/index.js';
import type { SharedInformerFactory } from '../apiserver/informer.js';
import type { ObjectCache } from '../controllers/endpoints.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Rng } from '../util/rng.js';

/** KubeProxyConfiguration defaults (v1alpha1 defaults.go; proxier.go burstSyncs). */
export const DEFAULT_SYNC_PERIOD_MS = 30_000;
export const DEFAULT_MIN_SYNC_PERIOD_MS = 1_000;
export const DEFAULT_BURST_SYNCS = 2;
/** masqueradeBit 14 → mark 0x4000, as iptables-save prints it. */
export const DEFAULT_MASQUERADE_MARK = '0x4000';
/** Session affinity timeout when a service sets none (core/v1 DefaultClientIPServiceAffinitySeconds). */
export const DEFAULT_STICKY_MAX_AGE_SECONDS = 10_800;

export interface KubeProxyConfig {
  readonly syncPeriodMs?: number;
  readonly minSyncPeriodMs?: number;
  readonly burstSyncs?: number;
  /** --cluster-cidr: traffic to a cluster IP from outside it is masqueraded; unset: no such rule. */
  readonly clusterCIDR?: string;
  /** --masquerade-all: masquerade all traffic to cluster IPs. */
  readonly masqueradeAll?: boolean;
}

// ---- rules as data ---------------------------------------------------------------------------------

/** One `-A CHAIN ...` line with the fields lookup() needs read back out of it. */
export interface Rule {
  readonly table: 'filter' | 'nat';
  readonly chain: string;
  /** The iptables-save line. */
  readonly text: string;
  readonly target: string;
  readonly destination?: string;
  readonly dport?: number;
  readonly protocol?: string;
  readonly probability?: number;
  readonly toDestination?: string;
  /** Matches on the packet's source (-s, --src-type, recent --rcheck): not taken by lookup(). */
  readonly sourceMatch: boolean;
}

export interface ProxyRules {
  readonly filterChains: readonly string[];
  readonly natChains: readonly string[];
  readonly rules: readonly Rule[];
}

function quote(s: string): string {
  return /\s/.test(s) ? `"${s}"` : s;
}

function makeRule(table: 'filter' | 'nat', chain: string, args: readonly string[]): Rule {
  let target = '';
  let destination: string | undefined;
  let dport: number | undefined;
  let protocol: string | undefined;
  let probability: number | undefined;
  let toDestination: string | undefined;
  let sourceMatch = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (a === '-j') target = next ?? '';
    else if (a === '-d') destination = next;
    else if (a === '--dport') dport = Number(next);
    else if (a === '-p') protocol = next;
    else if (a === '--probability') probability = Number(next);
    else if (a === '--to-destination') toDestination = next;
    else if (a === '-s' || a === '--src-type' || a === '--rcheck') sourceMatch = true;
  }
  const text = ['-A', chain, ...args.map(quote)].join(' ');
  return {
    table,
    chain,
    text,
    target,
    ...(destination !== undefined ? { destination } : {}),
    ...(dport !== undefined ? { dport } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(probability !== undefined ? { probability } : {}),
    ...(toDestination !== undefined ? { toDestination } : {}),
    sourceMatch,
  };
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding), without padding. */
function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** portProtoHash: base32(sha256(servicePortName + protocol))[:16] — chain names must fit 28 characters. */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return base32(createHash('sha256').update(servicePortName + protocol).digest()).slice(0, 16);
}

/** servicePortEndpointChainName: KUBE-SEP- + base32(sha256(servicePortName + protocol + "ip:port"))[:16]. */
export function endpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return 'KUBE-SEP-' + base32(createHash('sha256').update(servicePortName + protocol + endpoint).digest()).slice(0, 16);
}

/** computeProbability: 1/n with ten decimals. */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

interface ProxyEndpoint {
  readonly ip: string;
  readonly port: number;
  readonly nodeName: string | undefined;
  readonly str: string;
}

/** The ready endpoints of one service port: Endpoints subsets whose port has the service port's name and protocol. */
function endpointsFor(ep: Endpoints | undefined, sp: ServicePort): ProxyEndpoint[] {
  const out = new Map<string, ProxyEndpoint>();
  const name = sp.name ?? '';
  const protocol = sp.protocol ?? 'TCP';
  for (const subset of ep?.subsets ?? []) {
    for (const p of subset.ports ?? []) {
      if ((p.name ?? '') !== name || (p.protocol ?? 'TCP') !== protocol) continue;
      for (const a of subset.addresses ?? []) {
        const str = `${a.ip}:${p.port}`;
        out.set(str, { ip: a.ip, port: p.port, nodeName: a.nodeName, str });
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.str < b.str ? -1 : a.str > b.str ? 1 : 0));
}

/**
 * The rules one node's kube-proxy writes for these services and endpoints (syncProxyRules, full sync),
 * in the order it writes them. Services are taken in order of their service-port name (upstream walks a Go
 * map, so its order varies; the rules' meaning does not).
 */
export function computeProxyRules(nodeName: string, services: readonly Service[], endpoints: ObjectCache<Endpoints>, config: KubeProxyConfig = {}): ProxyRules {
  const filterChains = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-FIREWALL'];
  const natChains = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];
  const filter: Rule[] = [];
  const nat: Rule[] = [];
  const f = (chain: string, ...args: string[]) => filter.push(makeRule('filter', chain, args));
  const n = (chain: string, ...args: string[]) => nat.push(makeRule('nat', chain, args));
  const mark = DEFAULT_MASQUERADE_MARK;

  n('KUBE-POSTROUTING', '-m', 'mark', '!', '--mark', `${mark}/${mark}`, '-j', 'RETURN');
  n('KUBE-POSTROUTING', '-j', 'MARK', '--xor-mark', mark);
  n('KUBE-POSTROUTING', '-m', 'comment', '--comment', 'kubernetes service traffic requiring SNAT', '-j', 'MASQUERADE', '--random-fully');
  n('KUBE-MARK-MASQ', '-j', 'MARK', '--or-mark', mark);
  // localhostNodePorts (default true, IPv4): block incoming localnet connections (issue 90259).
  f('KUBE-FIREWALL', '-m', 'comment', '--comment', 'block incoming localnet connections', '-d', '127.0.0.0/8', '!', '-s', '127.0.0.0/8', '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'DROP');

  type Port = { svc: Service; sp: ServicePort; name: string };
  const ports: Port[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    // ShouldSkipService: headless and ExternalName services get no rules.
    if (spec === undefined || spec.type === 'ExternalName' || spec.clusterIP === undefined || spec.clusterIP === '' || spec.clusterIP === 'None') continue;
    for (const sp of spec.ports ?? []) {
      const base = `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
      ports.push({ svc, sp, name: sp.name !== undefined && sp.name !== '' ? `${base}:${sp.name}` : base });
    }
  }
  ports.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : (a.sp.protocol ?? 'TCP') < (b.sp.protocol ?? 'TCP') ? -1 : 1));

  for (const { svc, sp, name } of ports) {
    const spec = svc.spec!;
    const protocol = (sp.protocol ?? 'TCP').toLowerCase();
    const hash = portProtoHash(name, protocol);
    const clusterPolicyChain = `KUBE-SVC-${hash}`;
    const localPolicyChain = `KUBE-SVL-${hash}`;
    const externalChain = `KUBE-EXT-${hash}`;
    const clusterIP = spec.clusterIP!;
    const port = String(sp.port);
    const nodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? (sp.nodePort ?? 0) : 0;
    const lbIPs = spec.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => ip !== undefined && ip !== '') : [];
    const externalIPs = spec.externalIPs ?? [];
    const externallyAccessible = nodePort !== 0 || lbIPs.length > 0 || externalIPs.length > 0;
    const internalLocal = spec.internalTrafficPolicy === 'Local';
    const externalLocal = externallyAccessible && spec.externalTrafficPolicy === 'Local';
    const usesClusterEndpoints = !internalLocal || externallyAccessible;
    const usesLocalEndpoints = internalLocal || externalLocal;

    const all = endpointsFor(endpoints.get(svc.metadata.namespace, svc.metadata.name ?? ''), sp);
    const clusterEndpoints = usesClusterEndpoints ? all : [];
    const localEndpoints = usesLocalEndpoints ? all.filter((e) => e.nodeName === nodeName) : [];
    const hasEndpoints = all.length > 0;
    const reachable = !usesLocalEndpoints ? clusterEndpoints : !usesClusterEndpoints ? localEndpoints : all;
    const usesClusterPolicyChain = clusterEndpoints.length > 0;
    const usesLocalPolicyChain = localEndpoints.length > 0;
    const internalChain = internalLocal ? localPolicyChain : clusterPolicyChain;
    const hasInternalEndpoints = hasEndpoints && (!internalLocal || localEndpoints.length > 0);
    const externalPolicyChain = externalLocal ? localPolicyChain : clusterPolicyChain;
    const hasExternalEndpoints = hasEndpoints && (!externalLocal || localEndpoints.length > 0);
    const usesExternalChain = hasEndpoints && externallyAccessible;

    let internalTarget = '';
    let internalComment = '';
    let externalTarget = '';
    let externalComment = '';
    if (!hasEndpoints) {
      internalTarget = externalTarget = 'REJECT';
      internalComment = externalComment = `${name} has no endpoints`;
    } else {
      if (!hasInternalEndpoints) {
        internalTarget = 'DROP';
        internalComment = `${name} has no local endpoints`;
      }
      if (!hasExternalEndpoints) {
        externalTarget = 'DROP';
        externalComment = `${name} has no local endpoints`;
      }
    }
    const proto = ['-m', protocol, '-p', protocol];

    // Capture the cluster IP.
    if (hasInternalEndpoints) n('KUBE-SERVICES', '-m', 'comment', '--comment', `${name} cluster IP`, ...proto, '-d', clusterIP, '--dport', port, '-j', internalChain);
    else f('KUBE-SERVICES', '-m', 'comment', '--comment', internalComment, ...proto, '-d', clusterIP, '--dport', port, '-j', internalTarget);
    // External IPs.
    for (const ip of externalIPs) {
      if (hasEndpoints) n('KUBE-SERVICES', '-m', 'comment', '--comment', `${name} external IP`, ...proto, '-d', ip, '--dport', port, '-j', externalChain);
      if (!hasExternalEndpoints) f('KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', externalComment, ...proto, '-d', ip, '--dport', port, '-j', externalTarget);
    }
    // Load-balancer ingress.
    for (const ip of lbIPs) {
      if (hasEndpoints) n('KUBE-SERVICES', '-m', 'comment', '--comment', `${name} loadbalancer IP`, ...proto, '-d', ip, '--dport', port, '-j', externalChain);
    }
    if (!hasExternalEndpoints) {
      for (const ip of lbIPs) f('KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', externalComment, ...proto, '-d', ip, '--dport', port, '-j', externalTarget);
    }
    // Node ports.
    if (nodePort !== 0) {
      if (hasEndpoints) n('KUBE-NODEPORTS', '-m', 'comment', '--comment', name, ...proto, '--dport', String(nodePort), '-j', externalChain);
      if (!hasExternalEndpoints) f('KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', externalComment, '-m', 'addrtype', '--dst-type', 'LOCAL', ...proto, '--dport', String(nodePort), '-j', externalTarget);
    }
    // Masquerade off-cluster traffic to the cluster IP (it may bounce off-node).
    if (hasInternalEndpoints) {
      const args = ['-m', 'comment', '--comment', `${name} cluster IP`, ...proto, '-d', clusterIP, '--dport', port];
      if (config.masqueradeAll) n(internalChain, ...args, '-j', 'KUBE-MARK-MASQ');
      else if (config.clusterCIDR !== undefined) n(internalChain, ...args, '!', '-s', config.clusterCIDR, '-j', 'KUBE-MARK-MASQ');
    }
    // The "external destinations" chain.
    if (usesExternalChain) {
      natChains.push(externalChain);
      if (!externalLocal) {
        n(externalChain, '-m', 'comment', '--comment', `masquerade traffic for ${name} external destinations`, '-j', 'KUBE-MARK-MASQ');
      } else {
        if (config.clusterCIDR !== undefined) n(externalChain, '-m', 'comment', '--comment', `pod traffic for ${name} external destinations`, '-s', config.clusterCIDR, '-j', clusterPolicyChain);
        n(externalChain, '-m', 'comment', '--comment', `masquerade LOCAL traffic for ${name} external destinations`, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', 'KUBE-MARK-MASQ');
        n(externalChain, '-m', 'comment', '--comment', `route LOCAL traffic for ${name} external destinations`, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', clusterPolicyChain);
      }
      if (hasExternalEndpoints) n(externalChain, '-j', externalPolicyChain);
    }
    const affinity = spec.sessionAffinity === 'ClientIP';
    const sticky = String(
      (spec as { readonly sessionAffinityConfig?: { readonly clientIP?: { readonly timeoutSeconds?: number } } }).sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_STICKY_MAX_AGE_SECONDS,
    );
    const toEndpoints = (chain: string, eps: readonly ProxyEndpoint[]) => {
      natChains.push(chain);
      if (affinity) {
        for (const ep of eps) {
          const sep = endpointChainName(name, protocol, ep.str);
          n(chain, '-m', 'comment', '--comment', `${name} -> ${ep.str}`, '-m', 'recent', '--name', sep, '--rcheck', '--seconds', sticky, '--reap', '-j', sep);
        }
      }
      eps.forEach((ep, i) => {
        const sep = endpointChainName(name, protocol, ep.str);
        // Each rule but the last matches with probability 1/(endpoints left): 1/n, 1/(n−1), …, and the last always.
        const stat = i < eps.length - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(eps.length - i)] : [];
        n(chain, '-m', 'comment', '--comment', `${name} -> ${ep.str}`, ...stat, '-j', sep);
      });
    };
    if (usesClusterPolicyChain) toEndpoints(clusterPolicyChain, clusterEndpoints);
    if (usesLocalPolicyChain) toEndpoints(localPolicyChain, localEndpoints);
    for (const ep of reachable) {
      const sep = endpointChainName(name, protocol, ep.str);
      natChains.push(sep);
      // Hairpin: traffic that loops back to its own pod is masqueraded.
      n(sep, '-m', 'comment', '--comment', name, '-s', ep.ip, '-j', 'KUBE-MARK-MASQ');
      n(sep, '-m', 'comment', '--comment', name, ...(affinity ? ['-m', 'recent', '--name', sep, '--set'] : []), ...proto, '-j', 'DNAT', '--to-destination', ep.str);
    }
  }

  // The node-port catch-all must be the last rule of KUBE-SERVICES.
  n('KUBE-SERVICES', '-m', 'comment', '--comment', 'kubernetes service nodeports; NOTE: this must be the last rule in this chain', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'KUBE-NODEPORTS');
  f('KUBE-FORWARD', '-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP');
  f('KUBE-FORWARD', '-m', 'comment', '--comment', 'kubernetes forwarding rules', '-m', 'mark', '--mark', `${mark}/${mark}`, '-j', 'ACCEPT');
  f('KUBE-FORWARD', '-m', 'comment', '--comment', 'kubernetes forwarding conntrack rule', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');
  return { filterChains, natChains: [...new Set(natChains)], rules: [...filter, ...nat] };
}

/** The rules as iptables-restore input / iptables-save output: *filter … COMMIT *nat … COMMIT. */
export function iptablesSave(rules: ProxyRules): string {
  const lines: string[] = ['*filter'];
  for (const c of rules.filterChains) lines.push(`:${c} - [0:0]`);
  for (const r of rules.rules) if (r.table === 'filter') lines.push(r.text);
  lines.push('COMMIT', '*nat');
  for (const c of rules.natChains) lines.push(`:${c} - [0:0]`);
  for (const r of rules.rules) if (r.table === 'nat') lines.push(r.text);
  lines.push('COMMIT');
  return lines.join('\n') + '\n';
}

// ---- lookup -----------------------------------------------------------------------------------------

/**
 * A random draw for the statistic matches: one number in [0, 1) (split across the rules by conditional
 * probability, so equal bands of [0, 1) map to the endpoints in order), a list with one number per
 * statistic rule evaluated (as the kernel draws afresh per rule), or a seeded generator.
 */
export type Draw = number | readonly number[] | Rng;

export interface LookupResult {
  /** DNAT: the backend "ip:port"; REJECT/DROP: no usable endpoint; NONE: no rule for that address. */
  readonly verdict: 'DNAT' | 'REJECT' | 'DROP' | 'NONE';
  readonly backend?: string;
  /** The nat chains walked, in order. */
  readonly chains: readonly string[];
}

/**
 * Follows the rules for a packet from outside the node and outside the cluster CIDR to ip:port: from
 * KUBE-SERVICES through the service chain's statistic rules to a KUBE-SEP DNAT. Marking rules
 * (KUBE-MARK-MASQ) do not end the walk; rules that match on the source do not match.
 */
export function lookupRules(rules: ProxyRules, ip: string, port: number, draw: Draw, protocol = 'tcp'): LookupResult {
  const byChain = new Map<string, Rule[]>();
  for (const r of rules.rules) {
    const key = `${r.table}/${r.chain}`;
    let list = byChain.get(key);
    if (list === undefined) byChain.set(key, (list = []));
    list.push(r);
  }
  const entry = (byChain.get('nat/KUBE-SERVICES') ?? []).find((r) => r.destination === ip && r.dport === port && r.protocol === protocol);
  if (entry === undefined) {
    const blocked = (byChain.get('filter/KUBE-SERVICES') ?? []).find((r) => r.destination === ip && r.dport === port && r.protocol === protocol);
    return blocked !== undefined ? { verdict: blocked.target as 'REJECT' | 'DROP', chains: [] } : { verdict: 'NONE', chains: [] };
  }
  let u = typeof draw === 'number' ? draw : 0;
  let drawIndex = 0;
  const next = (p: number): boolean => {
    if (typeof draw === 'number') {
      if (u < p) return true;
      u = (u - p) / (1 - p);
      return false;
    }
    if (Array.isArray(draw)) {
      const list = draw as readonly number[];
      const x = list[drawIndex++];
      if (x === undefined) throw new RangeError(`lookup: ${list.length} draws were given, more statistic rules were reached`);
      return x < p;
    }
    return (draw as Rng).next() < p;
  };
  const chains: string[] = [];
  let chain = entry.target;
  for (let depth = 0; depth < 16; depth++) {
    chains.push(chain);
    let jumped = false;
    for (const r of byChain.get(`nat/${chain}`) ?? []) {
      if (r.sourceMatch || r.target === 'KUBE-MARK-MASQ') continue;
      if (r.probability !== undefined && !next(r.probability)) continue;
      if (r.target === 'DNAT') return { verdict: 'DNAT', backend: r.toDestination!, chains };
      chain = r.target;
      jumped = true;
      break;
    }
    if (!jumped) return { verdict: 'NONE', chains };
  }
  throw new Error(`lookup ${ip}:${port}: the chains loop (${chains.join(' → ')})`);
}

// ---- the runner ---------------------------------------------------------------------------------------

/**
 * BoundedFrequencyRunner: run() asks for a sync; it happens now if the limiter has a token, else at
 * lastRun + minInterval; and at least every maxInterval. Tokens refill at one per minInterval up to burst.
 */
class BoundedFrequencyRunner {
  private tokens: number;
  private tokensAt: number;
  private lastRun = -Infinity;
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly fn: () => void,
    private readonly minIntervalMs: number,
    private readonly maxIntervalMs: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.tokensAt = clock.now();
  }

  /** Records a run made outside the limiter (the initial sync) and arms the periodic one. */
  ranNow(): void {
    this.lastRun = this.clock.now();
    this.reset(this.maxIntervalMs);
  }

  /** Asks for a run. Asynchronous, as in kube-proxy (a signal to the runner's loop): requests at one instant coalesce. */
  run(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** The token bucket (flowcontrol token bucket: qps = 1/minInterval, burst). */
  private tryAccept(now: number): boolean {
    if (this.minIntervalMs <= 0) return true;
    this.tokens = Math.min(this.burst, this.tokens + (now - this.tokensAt) / this.minIntervalMs);
    this.tokensAt = now;
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  private tryRun(): void {
    const now = this.clock.now();
    if (this.tryAccept(now)) {
      this.lastRun = now;
      this.fn();
      this.reset(this.maxIntervalMs);
      return;
    }
    // It can't run right now: figure out when it can (lastRun + minInterval), unless a run is due sooner.
    this.schedule(Math.max(0, this.minIntervalMs - (now - this.lastRun)));
  }

  /** Sets the timer to fire after delayMs unless it already fires no later. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined && this.timerAt <= this.clock.now() + delayMs) return;
    this.reset(delayMs);
  }

  private reset(delayMs: number): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
    if (!Number.isFinite(delayMs) || delayMs <= 0 && delayMs !== 0) return;
    this.timerAt = this.clock.now() + delayMs;
    this.timer = this.clock.setTimer(delayMs, () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tryRun();
    });
  }
}

// ---- one node -----------------------------------------------------------------------------------------

export interface KubeProxyOptions {
  readonly nodeName: string;
  readonly clock: Clock;
  readonly services: ObjectCache<Service>;
  readonly endpoints: ObjectCache<Endpoints>;
  readonly config?: KubeProxyConfig;
  /** Called after every sync with the sync's time. */
  readonly onSync?: (proxy: KubeProxy, at: number) => void;
}

export class KubeProxy {
  readonly nodeName: string;
  private current: ProxyRules;
  private readonly runner: BoundedFrequencyRunner;
  /** Syncs done and when the last one ran. */
  readonly stats = { syncs: 0, lastSyncAt: NaN };

  constructor(private readonly options: KubeProxyOptions) {
    this.nodeName = options.nodeName;
    const c = options.config ?? {};
    this.runner = new BoundedFrequencyRunner(
      options.clock,
      () => this.sync(),
      c.minSyncPeriodMs ?? DEFAULT_MIN_SYNC_PERIOD_MS,
      (c.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS) > 0 ? (c.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS) : Infinity,
      c.burstSyncs ?? DEFAULT_BURST_SYNCS,
    );
    // The first sync runs directly once services and endpoints are known (OnEndpointSlicesSynced).
    this.current = { filterChains: [], natChains: [], rules: [] };
    this.sync();
    this.runner.ranNow();
  }

  /** Something the rules depend on changed (OnServiceUpdate / OnEndpointsUpdate → syncRunner.Run). */
  requestSync(): void {
    this.runner.run();
  }

  stop(): void {
    this.runner.stop();
  }

  private sync(): void {
    const c = this.options.config ?? {};
    this.current = computeProxyRules(this.nodeName, this.options.services.list(), this.options.endpoints, c);
    this.stats.syncs++;
    this.stats.lastSyncAt = this.options.clock.now();
    this.options.onSync?.(this, this.stats.lastSyncAt);
  }

  get rules(): ProxyRules {
    return this.current;
  }

  /** sync_proxy_rules_iptables_total summed over tables: the `-A` lines last restored (chain lines not counted). */
  get ruleCount(): number {
    return this.current.rules.length;
  }

  iptablesSave(): string {
    return iptablesSave(this.current);
  }

  lookup(serviceIP: string, port: number, draw: Draw, protocol = 'tcp'): LookupResult {
    return lookupRules(this.current, serviceIP, port, draw, protocol);
  }
}

// ---- every node ---------------------------------------------------------------------------------------

export interface Propagation {
  /** Sequence number of the change (Service/Endpoints watch event). */
  readonly seq: number;
  readonly changedAt: number;
  /** max over the nodes that existed at the change of (first sync after it − changedAt). */
  readonly latencyMs: number;
}

interface PendingChange {
  readonly seq: number;
  readonly at: number;
  readonly waiting: Set<string>;
  latest: number;
}

export interface ProxyFleetOptions {
  readonly clock: Clock;
  readonly informers: SharedInformerFactory;
  readonly config?: KubeProxyConfig;
}

/** One KubeProxy per Node, fed by shared services/endpoints informers (in process, every node sees a change at once). */
export class ProxyFleet {
  private readonly proxiesByNode = new Map<string, KubeProxy>();
  private readonly pending: PendingChange[] = [];
  private readonly done: Propagation[] = [];
  private readonly appliedSeq = new Map<string, number>();
  private seq = 0;
  private started = false;
  private readonly services;
  private readonly endpoints;
  private readonly nodes;

  constructor(private readonly options: ProxyFleetOptions) {
    this.services = options.informers.informer<Service>('services');
    this.endpoints = options.informers.informer<Endpoints>('endpoints');
    this.nodes = options.informers.informer<Node>('nodes');
    const changed = () => this.changed();
    this.services.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    this.endpoints.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    this.nodes.addEventHandler({
      onAdd: (n) => this.addNode(n.metadata.name ?? ''),
      onDelete: (n) => this.removeNode(n.metadata.name ?? ''),
    });
  }

  /** Starts the informers and a proxy for every node. */
  async start(): Promise<void> {
    await this.options.informers.start();
    this.started = true;
    for (const n of this.nodes.list()) this.addNode(n.metadata.name ?? '');
  }

  stop(): void {
    for (const p of this.proxiesByNode.values()) p.stop();
    this.started = false;
  }

  proxy(nodeName: string): KubeProxy | undefined {
    return this.proxiesByNode.get(nodeName);
  }

  get proxies(): KubeProxy[] {
    return [...this.proxiesByNode.values()];
  }

  /** Rule count per node (sync_proxy_rules_iptables_total, both tables). */
  ruleCounts(): Map<string, number> {
    return new Map([...this.proxiesByNode].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, p]) => [name, p.ruleCount]));
  }

  /** Changes applied on every node so far, oldest first. */
  get propagations(): readonly Propagation[] {
    return this.done;
  }

  /** Changes some node has not applied yet. */
  get pendingChanges(): number {
    return this.pending.length;
  }

  get maxPropagationLatencyMs(): number {
    return this.done.reduce((m, p) => Math.max(m, p.latencyMs), 0);
  }

  private addNode(name: string): void {
    if (!this.started || this.proxiesByNode.has(name)) return;
    this.appliedSeq.set(name, this.seq);
    const proxy = new KubeProxy({
      nodeName: name,
      clock: this.options.clock,
      services: this.services,
      endpoints: this.endpoints,
      ...(this.options.config !== undefined ? { config: this.options.config } : {}),
      onSync: (p, at) => this.synced(p.nodeName, at),
    });
    this.proxiesByNode.set(name, proxy);
  }

  private removeNode(name: string): void {
    this.proxiesByNode.get(name)?.stop();
    this.proxiesByNode.delete(name);
    this.appliedSeq.delete(name);
    for (const c of this.pending) c.waiting.delete(name);
    this.settle();
  }

  private changed(): void {
    if (!this.started) return;
    this.seq++;
    const nodes = [...this.proxiesByNode.keys()];
    if (nodes.length > 0) this.pending.push({ seq: this.seq, at: this.options.clock.now(), waiting: new Set(nodes), latest: this.options.clock.now() });
    for (const p of this.proxiesByNode.values()) p.requestSync();
  }

  private synced(node: string, at: number): void {
    if (!this.appliedSeq.has(node)) return;
    this.appliedSeq.set(node, this.seq);
    for (const c of this.pending) {
      if (c.waiting.delete(node)) c.latest = Math.max(c.latest, at);
    }
    this.settle();
  }

  private settle(): void {
    while (this.pending.length > 0 && this.pending[0]!.waiting.size === 0) {
      const c = this.pending.shift()!;
      this.done.push({ seq: c.seq, changedAt: c.at, latencyMs: c.latest - c.at });
    }
    // Later changes can finish before an earlier one (a node may have synced past both); keep order by seq.
    for (let i = 0; i < this.pending.length; i++) {
      const c = this.pending[i]!;
      if (c.waiting.size === 0) {
        this.pending.splice(i--, 1);
        this.done.push({ seq: c.seq, changedAt: c.at, latencyMs: c.latest - c.at });
      }
    }
  }
}
