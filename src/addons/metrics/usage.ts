// Simulated resource usage: what metrics-server would read from each kubelet's /metrics/resource.
// drydock's kubelets run no processes, so usage is a documented, deterministic function of the pod's spec,
// its containers' start times, the seed and the clock — never Math.random or the wall clock:
//
//   scrape grid     metrics-server scrapes every --metric-resolution (default 15 s). The scrape at or before
//                   `now` is T = floor(now / R)·R; it reports the window (T − R, T], so `window` is R.
//   demand          per container and resource: its request, else its limit, else kube-scheduler's
//                   non-zero default for a container that requests nothing (100m cpu, 200Mi memory;
//                   pkg/scheduler/util/pod_resources.go).
//   cpu             demand × (0.20 + 0.60·u), u uniform in [0, 1) from hash(seed, pod uid, container,
//                   "cpu", T / R): between 20 % and 80 % of demand, a new value every window. Reported in
//                   nanocores, as metrics-server does.
//   memory          demand × (0.40 + 0.40·v), v from hash(seed, pod uid, container, "memory"): a steady
//                   working set between 40 % and 80 % of demand, rounded down to whole KiB.
//   visible         a container has metrics once it has run a whole window (state.running.startedAt ≤
//                   T − R: metrics-server needs two scrapes to turn cumulative CPU into a rate); a pod has
//                   metrics when every one of its containers has.
//   node            Σ usage of the pods on the node that have metrics + a system share of half the node's
//                   reservation (capacity − allocatable) for cpu and memory: kubelet, runtime and OS use part
//                   of what kube-reserved and system-reserved set aside.
//
// Below 20 % no simulated container idles and above 80 % none runs hot: the bounds are drydock's assumption,
// chosen so that `kubectl top` shows plausible numbers that never exceed a container's request (so never
// its limit).
import { cpuMilli, DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, memoryBytes, type Container, type Node, type Pod } from '../../api/index.js';
import { fnv32a } from '../../controllers/controller-utils.js';
import { seededRng } from '../../util/rng.js';

/** metrics-server's --metric-resolution default (metrics-server cmd/metrics-server/app/options: 15 s since v0.6). */
export const DEFAULT_METRIC_RESOLUTION_MS = 15_000;

export const CPU_FRACTION = { min: 0.2, span: 0.6 } as const;
export const MEMORY_FRACTION = { min: 0.4, span: 0.4 } as const;
/** The share of (capacity − allocatable) the node's own daemons use. */
export const SYSTEM_SHARE = 0.5;

export interface UsageModelOptions {
  readonly seed: number;
  /** The scrape period and window, ms (metrics-server --metric-resolution). */
  readonly resolutionMs: number;
}

/** cpu in nanocores, memory in bytes. */
export interface Usage {
  readonly cpuNanoCores: number;
  readonly memoryBytes: number;
}

export interface ContainerUsage extends Usage {
  readonly name: string;
}

/** A number in [0, 1) fixed by the seed and the parts (FNV-1a of the parts, then one mulberry32 step). */
export function unitHash(seed: number, ...parts: readonly (string | number)[]): number {
  return seededRng((fnv32a(parts.join('\u0000')) ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0).next();
}

/** The scrape that `now` falls in: its time T (ms) and index T / R. */
export function scrapeAt(now: number, resolutionMs: number): { readonly timestamp: number; readonly index: number } {
  const index = Math.floor(now / resolutionMs);
  return { timestamp: index * resolutionMs, index };
}

function demand(c: Container, resource: 'cpu' | 'memory'): number {
  const text = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
  if (resource === 'cpu') return text === undefined ? DEFAULT_MILLI_CPU_REQUEST : cpuMilli(text);
  return text === undefined ? DEFAULT_MEMORY_REQUEST : memoryBytes(text);
}

/** One container's usage over the window of scrape `index`. */
export function containerUsage(options: UsageModelOptions, podUid: string, c: Container, index: number): ContainerUsage {
  const u = unitHash(options.seed, podUid, c.name, 'cpu', index);
  const v = unitHash(options.seed, podUid, c.name, 'memory');
  const cpuNanoCores = Math.round(demand(c, 'cpu') * 1e6 * (CPU_FRACTION.min + CPU_FRACTION.span * u));
  const memory = Math.floor((demand(c, 'memory') * (MEMORY_FRACTION.min + MEMORY_FRACTION.span * v)) / 1024) * 1024;
  return { name: c.name, cpuNanoCores, memoryBytes: memory };
}

/** When each running container started (ms), from status.containerStatuses[].state.running.startedAt. */
function runningSince(pod: Pod): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of (pod.status?.containerStatuses ?? []) as { name?: string; state?: { running?: { startedAt?: string } } }[]) {
    const at = s.state?.running?.startedAt;
    if (s.name !== undefined && at !== undefined) out.set(s.name, Date.parse(at));
  }
  return out;
}

/**
 * The pod's containers' usage at the scrape `now` falls in, or undefined when the pod has no metrics yet
 * (not Running, not on a node, or a container that has not run a whole window).
 */
export function podUsage(options: UsageModelOptions, pod: Pod, now: number): ContainerUsage[] | undefined {
  if (pod.status?.phase !== 'Running' || (pod.spec.nodeName ?? '') === '') return undefined;
  const { timestamp, index } = scrapeAt(now, options.resolutionMs);
  const since = runningSince(pod);
  const out: ContainerUsage[] = [];
  for (const c of pod.spec.containers) {
    const started = since.get(c.name);
    if (started === undefined || !(started <= timestamp - options.resolutionMs)) return undefined;
    out.push(containerUsage(options, pod.metadata?.uid ?? '', c, index));
  }
  return out;
}

export function sumUsage(usages: readonly Usage[]): Usage {
  let cpu = 0;
  let memory = 0;
  for (const u of usages) {
    cpu += u.cpuNanoCores;
    memory += u.memoryBytes;
  }
  return { cpuNanoCores: cpu, memoryBytes: memory };
}

/** The node's own daemons: SYSTEM_SHARE of what capacity reserves beyond allocatable. */
export function systemUsage(node: Node): Usage {
  const cap = node.status?.capacity ?? {};
  const alloc = node.status?.allocatable ?? cap;
  const reserved = (r: 'cpu' | 'memory', parse: (s: string) => number) => {
    const c = cap[r];
    const a = alloc[r];
    return c === undefined || a === undefined ? 0 : Math.max(0, parse(c) - parse(a));
  };
  return {
    cpuNanoCores: Math.round(reserved('cpu', cpuMilli) * 1e6 * SYSTEM_SHARE),
    memoryBytes: Math.floor((reserved('memory', memoryBytes) * SYSTEM_SHARE) / 1024) * 1024,
  };
}
