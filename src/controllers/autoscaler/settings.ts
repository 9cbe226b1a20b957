// The node-pool autoscaler's settings, with Cluster Autoscaler's names and defaults
// (cluster-autoscaler/config/autoscaling_options.go and the flag table in cluster-autoscaler/FAQ.md
// "What are the parameters to CA?"). Input is user-facing (a YAML mapping): durations are Go durations
// ("10s", "15m", "1h30m") or numbers of seconds; once resolved, every duration is in milliseconds.
// Bad input fails at start-up with one line: `<source>: <field path>: <what is wrong>`.
import { ConfigError } from '../../scheduler/framework.js';

/** The expanders Cluster Autoscaler offers that drydock implements (expander/expander.go names). */
export const EXPANDER_NAMES = ['random', 'most-pods', 'least-waste', 'least-nodes', 'price', 'priority'] as const;
export type ExpanderName = (typeof EXPANDER_NAMES)[number];

export interface AutoscalerSettings {
  /** --scan-interval: how often unschedulable pods and unneeded nodes are looked at. */
  readonly scanInterval: number;
  /** --expander, a chain: each filters the options, the first to leave one wins, random breaks what ties remain. */
  readonly expander: readonly ExpanderName[];
  /**
   * The priority expander's ConfigMap data `priorities` (expander/priority/priority.go): priority → node
   * group id regexes. Required when the chain names `priority`.
   */
  readonly expanderPriorities: ReadonlyMap<number, readonly RegExp[]>;
  /** --max-nodes-total; 0 = unlimited. */
  readonly maxNodesTotal: number;
  /** Upper bound of --cores-total, in cores; 0 = unlimited. */
  readonly maxCoresTotal: number;
  /** Upper bound of --memory-total, in GiB (the flag's unit); 0 = unlimited. */
  readonly maxMemoryTotal: number;
  /** --scale-down-enabled. */
  readonly scaleDownEnabled: boolean;
  readonly scaleDownUnneededTime: number;
  readonly scaleDownUnreadyTime: number;
  readonly scaleDownUnreadyEnabled: boolean;
  readonly scaleDownDelayAfterAdd: number;
  readonly scaleDownDelayAfterDelete: number;
  readonly scaleDownDelayAfterFailure: number;
  readonly scaleDownUtilizationThreshold: number;
  readonly scaleDownGpuUtilizationThreshold: number;
  /** --ignore-daemonsets-utilization / --ignore-mirror-pods-utilization (both false upstream). */
  readonly ignoreDaemonSetsUtilization: boolean;
  readonly ignoreMirrorPodsUtilization: boolean;
  readonly maxNodeProvisionTime: number;
  /** Seconds (the flag's unit), the cap on an evicted pod's grace period. */
  readonly maxGracefulTerminationSec: number;
  readonly skipNodesWithLocalStorage: boolean;
  readonly skipNodesWithSystemPods: boolean;
  readonly balanceSimilarNodeGroups: boolean;
  readonly newPodScaleUpDelay: number;
  /** Pods below this priority neither trigger scale-up nor block scale-down. */
  readonly expendablePodsPriorityCutoff: number;
  readonly maxNodesPerScaleUp: number;
  /** --max-scale-down-parallelism (empty nodes deleted at once; replaced --max-empty-bulk-delete, also 10). */
  readonly maxScaleDownParallelism: number;
  /** --max-drain-parallelism: non-empty nodes drained at once. */
  readonly maxDrainParallelism: number;
  readonly initialNodeGroupBackoffDuration: number;
  readonly maxNodeGroupBackoffDuration: number;
  readonly nodeGroupBackoffResetTimeout: number;
  /** drydock: the seed of the random expander (and of ties the other expanders leave). */
  readonly randomSeed: number;
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** Upstream defaults (autoscaling_options.go / FAQ parameter table), except the three cluster-wide totals (0 = unlimited). */
export const DEFAULT_AUTOSCALER_SETTINGS: AutoscalerSettings = Object.freeze({
  scanInterval: 10 * S,
  expander: Object.freeze(['least-waste'] as ExpanderName[]),
  expanderPriorities: new Map(),
  maxNodesTotal: 0,
  maxCoresTotal: 0,
  maxMemoryTotal: 0,
  scaleDownEnabled: true,
  scaleDownUnneededTime: 10 * M,
  scaleDownUnreadyTime: 20 * M,
  scaleDownUnreadyEnabled: true,
  scaleDownDelayAfterAdd: 10 * M,
  scaleDownDelayAfterDelete: 0,
  scaleDownDelayAfterFailure: 3 * M,
  scaleDownUtilizationThreshold: 0.5,
  scaleDownGpuUtilizationThreshold: 0.5,
  ignoreDaemonSetsUtilization: false,
  ignoreMirrorPodsUtilization: false,
  maxNodeProvisionTime: 15 * M,
  maxGracefulTerminationSec: 600,
  skipNodesWithLocalStorage: true,
  skipNodesWithSystemPods: true,
  balanceSimilarNodeGroups: false,
  newPodScaleUpDelay: 0,
  expendablePodsPriorityCutoff: -10,
  maxNodesPerScaleUp: 1000,
  maxScaleDownParallelism: 10,
  maxDrainParallelism: 1,
  // utils/backoff: --initial-node-group-backoff-duration 5m, --max-node-group-backoff-duration 30m,
  // --node-group-backoff-reset-timeout 3h.
  initialNodeGroupBackoffDuration: 5 * M,
  maxNodeGroupBackoffDuration: 30 * M,
  nodeGroupBackoffResetTimeout: 3 * H,
  randomSeed: 1,
});

type Kind = 'duration' | 'fraction' | 'count' | 'number' | 'bool';
const FIELDS: Record<Exclude<keyof AutoscalerSettings, 'expander' | 'expanderPriorities'>, Kind> = {
  scanInterval: 'duration',
  maxNodesTotal: 'count',
  maxCoresTotal: 'number',
  maxMemoryTotal: 'number',
  scaleDownEnabled: 'bool',
  scaleDownUnneededTime: 'duration',
  scaleDownUnreadyTime: 'duration',
  scaleDownUnreadyEnabled: 'bool',
  scaleDownDelayAfterAdd: 'duration',
  scaleDownDelayAfterDelete: 'duration',
  scaleDownDelayAfterFailure: 'duration',
  scaleDownUtilizationThreshold: 'fraction',
  scaleDownGpuUtilizationThreshold: 'fraction',
  ignoreDaemonSetsUtilization: 'bool',
  ignoreMirrorPodsUtilization: 'bool',
  maxNodeProvisionTime: 'duration',
  maxGracefulTerminationSec: 'count',
  skipNodesWithLocalStorage: 'bool',
  skipNodesWithSystemPods: 'bool',
  balanceSimilarNodeGroups: 'bool',
  newPodScaleUpDelay: 'duration',
  expendablePodsPriorityCutoff: 'number',
  maxNodesPerScaleUp: 'count',
  maxScaleDownParallelism: 'count',
  maxDrainParallelism: 'count',
  initialNodeGroupBackoffDuration: 'duration',
  maxNodeGroupBackoffDuration: 'duration',
  nodeGroupBackoffResetTimeout: 'duration',
  randomSeed: 'count',
};

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: S, m: M, h: H };

/** Go's time.ParseDuration (unsigned): "1h30m", "10s", "500ms"; undefined if malformed. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (;;) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) break;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = re.lastIndex;
  }
  return at === text.length && at > 0 ? total : undefined;
}

/** Go's Duration.String() for whole milliseconds: 900000 → "15m0s", 10500 → "10.5s", 250 → "250ms". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(Math.round(ms));
  if (rest < S) return `${neg ? '-' : ''}${rest}ms`;
  const h = Math.floor(rest / H);
  rest -= h * H;
  const m = Math.floor(rest / M);
  rest -= m * M;
  const secs = (rest / S).toFixed(3).replace(/\.?0+$/, '');
  const out = h > 0 ? `${h}h${m}m${secs}s` : m > 0 ? `${m}m${secs}s` : `${secs}s`;
  return neg ? `-${out}` : out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : String(v);
}

/**
 * Validates user input (a mapping with Cluster Autoscaler's option names, camelCase) and fills in the
 * defaults. Throws ConfigError `<source>: <path>: <problem>` for the first problem found.
 */
export function resolveAutoscalerSettings(input: unknown, source = 'autoscaler'): AutoscalerSettings {
  const fail = (path: string, msg: string): never => {
    throw new ConfigError(`${source}: ${path}: ${msg}`);
  };
  if (input === undefined || input === null) return DEFAULT_AUTOSCALER_SETTINGS;
  if (typeof input !== 'object' || Array.isArray(input)) throw new ConfigError(`${source}: expected a mapping of autoscaler settings, got ${describe(input)}`);
  const raw = input as Record<string, unknown>;
  const out: Record<string, unknown> = { ...DEFAULT_AUTOSCALER_SETTINGS };
  const known = new Set<string>([...Object.keys(FIELDS), 'expander', 'expanderPriorities']);
  for (const key of Object.keys(raw).sort()) {
    if (!known.has(key)) fail(key, `unknown field (known: ${[...known].sort().join(', ')})`);
  }
  for (const [key, kind] of Object.entries(FIELDS) as [keyof typeof FIELDS, Kind][]) {
    const v = raw[key];
    if (v === undefined) continue;
    switch (kind) {
      case 'duration': {
        const ms = typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v * S : typeof v === 'string' ? parseGoDuration(v) : undefined;
        if (ms === undefined) fail(key, `expected a duration such as "10s", "10m" or "1h30m" (or seconds as a number), got ${describe(v)}`);
        out[key] = ms;
        break;
      }
      case 'fraction':
        if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(key, `expected a number between 0 and 1, got ${describe(v)}`);
        out[key] = v;
        break;
      case 'count':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(key, `expected a whole number >= 0, got ${describe(v)}`);
        out[key] = v;
        break;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(key, `expected a number, got ${describe(v)}`);
        if (key !== 'expendablePodsPriorityCutoff' && (v as number) < 0) fail(key, `expected a number >= 0 (0 = unlimited), got ${describe(v)}`);
        out[key] = v;
        break;
      case 'bool':
        if (typeof v !== 'boolean') fail(key, `expected true or false, got ${describe(v)}`);
        out[key] = v;
        break;
    }
  }
  if (raw['expander'] !== undefined) out['expander'] = parseExpanderChain(raw['expander'], (msg) => fail('expander', msg));
  if (raw['expanderPriorities'] !== undefined) out['expanderPriorities'] = parsePriorities(raw['expanderPriorities'], (p, msg) => fail(`expanderPriorities${p}`, msg));
  const settings = out as unknown as AutoscalerSettings;
  if (settings.scanInterval <= 0) fail('scanInterval', 'must be greater than 0s');
  if (settings.expander.includes('priority') && settings.expanderPriorities.size === 0) {
    fail('expanderPriorities', 'the priority expander needs priorities (priority → list of node group regexes), as in the cluster-autoscaler-priority-expander ConfigMap');
  }
  if (settings.maxNodeGroupBackoffDuration < settings.initialNodeGroupBackoffDuration) {
    fail('maxNodeGroupBackoffDuration', `must not be shorter than initialNodeGroupBackoffDuration (${formatGoDuration(settings.initialNodeGroupBackoffDuration)})`);
  }
  return Object.freeze(settings);
}

/** "priority,least-waste" or ["priority", "least-waste"]; each name once (expander/factory). */
export function parseExpanderChain(v: unknown, fail: (msg: string) => never): ExpanderName[] {
  const names = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : Array.isArray(v) ? v : fail(`expected a comma-separated list of expanders, got ${describe(v)}`);
  if (names.length === 0 || names.some((n) => n === '')) fail(`expected at least one expander name, got ${describe(v)}`);
  const seen = new Set<string>();
  for (const n of names) {
    if (typeof n !== 'string' || !(EXPANDER_NAMES as readonly string[]).includes(n)) {
      fail(`unknown expander ${describe(n)} (available: ${EXPANDER_NAMES.join(', ')}; grpc is not supported)`);
    }
    if (seen.has(n)) fail(`expander ${JSON.stringify(n)} is listed twice`);
    seen.add(n);
  }
  return names as ExpanderName[];
}

/** The priority ConfigMap's `priorities` data: a mapping from an integer priority to a list of regexes. */
function parsePriorities(v: unknown, fail: (path: string, msg: string) => never): Map<number, RegExp[]> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('', `expected a mapping from priority to a list of node group regexes, got ${describe(v)}`);
  const out = new Map<number, RegExp[]>();
  for (const [key, list] of Object.entries(v as Record<string, unknown>)) {
    const prio = Number(key);
    if (!Number.isInteger(prio)) fail(`.${key}`, 'the priority must be an integer');
    if (!Array.isArray(list) || list.length === 0) fail(`.${key}`, `expected a non-empty list of regexes, got ${describe(list)}`);
    const res: RegExp[] = [];
    (list as unknown[]).forEach((re, i) => {
      if (typeof re !== 'string') fail(`.${key}[${i}]`, `expected a regex string, got ${describe(re)}`);
      try {
        res.push(new RegExp(re as string));
      } catch (err) {
        fail(`.${key}[${i}]`, `can't compile regexp rule for priority ${prio} and rule ${re as string}: ${(err as Error).message}`);
      }
    });
    out.set(prio, res);
  }
  return out;
}
