// The charts of per-pool metrics samples (nodes per pool, utilisation, pending pods), shared by the
// `simulate --report` page, the comparison page and the live dashboard of `drydock serve --dashboard`,
// whose page imports this very module in the browser. It therefore imports nothing but charts.ts and types.
import { downsampleMax, formatNumber, lineChart, PALETTE, type Series } from './charts.js';
import type { MetricsSample } from '../sim/metrics-sample.js';

/** Charts keep at most this many instants per series (a bucket shows its maximum). */
export const MAX_POINTS = 1200;
/** Pools drawn one by one in the nodes chart (one per non-grey palette colour); the rest are added up as "other pools". */
const MAX_POOLS = 7;

/** How a pool is shown to people ("" is the nodes outside any pool). */
export function poolLabel(pool: string): string {
  return pool === '' ? '(no pool)' : pool;
}

/** The x axis of a chart over time: its words ("Simulated time") and the unit the seconds are shown in. */
export interface TimeAxis {
  readonly label: string;
  readonly unit: string;
  readonly divisor: number;
}

/** Metrics as aligned step functions: every instant, with each pool's last sampled row held until its next. */
export interface Aligned {
  readonly ts: number[];
  readonly pools: string[];
  /** [pool][instant] */
  readonly nodes: number[][];
  readonly cpu: [number[], number[]];
  readonly memory: [number[], number[]];
  readonly gpu: [number[], number[]];
  readonly pending: number[];
}

export function alignMetrics(metrics: readonly MetricsSample[], endSeconds: number): Aligned {
  const pools = [...new Set(metrics.map((m) => m.pool))].sort();
  const poolIndex = new Map(pools.map((p, i) => [p, i]));
  const sorted = metrics.map((m, i) => ({ m, i })).sort((a, b) => a.m.t - b.m.t || a.i - b.i);
  const ts: number[] = [];
  const nodes = pools.map(() => [] as number[]);
  const cpu: [number[], number[]] = [[], []], memory: [number[], number[]] = [[], []], gpu: [number[], number[]] = [[], []];
  const pending: number[] = [];
  const held: (MetricsSample | undefined)[] = pools.map(() => undefined);
  let heldPending = 0;
  const emit = (t: number) => {
    ts.push(t);
    let cr = 0, ca = 0, mr = 0, ma = 0, gr = 0, ga = 0;
    held.forEach((s, k) => {
      nodes[k]!.push(s?.nodes ?? 0);
      if (s === undefined) return;
      cr += s.cpuRequested; ca += s.cpuAllocatable;
      mr += s.memoryRequested; ma += s.memoryAllocatable;
      gr += s.gpuRequested; ga += s.gpuAllocatable;
    });
    cpu[0].push(cr); cpu[1].push(ca);
    memory[0].push(mr); memory[1].push(ma);
    gpu[0].push(gr); gpu[1].push(ga);
    pending.push(heldPending);
  };
  for (let i = 0; i < sorted.length; i++) {
    const { m } = sorted[i]!;
    held[poolIndex.get(m.pool)!] = m;
    heldPending = m.pendingPods;
    if (i + 1 === sorted.length || sorted[i + 1]!.m.t !== m.t) emit(m.t);
  }
  // Hold the last values to the end of the run, so the last interval is drawn too.
  if (ts.length > 0 && endSeconds > ts[ts.length - 1]!) emit(endSeconds);
  return { ts, pools, nodes, cpu, memory, gpu, pending };
}

const pct = (r: number, a: number) => (a > 0 ? (100 * r) / a : 0);

export interface PoolColors {
  /** Pools by node-seconds, biggest first. */
  readonly order: string[];
  readonly color: Map<string, string>;
}

/**
 * Pools by node-seconds, biggest first: the first MAX_POOLS get their own palette colour (in the nodes chart
 * and the cost chart alike), the rest are grey and drawn together as "other pools".
 */
export function poolOrder(a: Aligned): PoolColors {
  const weight = new Map(a.pools.map((p, k) => [p, a.nodes[k]!.reduce((s, n, i) => s + n * ((a.ts[i + 1] ?? a.ts[i]!) - a.ts[i]!), 0)]));
  const order = [...a.pools].sort((x, y) => weight.get(y)! - weight.get(x)! || (x < y ? -1 : 1));
  return { order, color: new Map(order.map((p, i) => [p, i < MAX_POOLS ? PALETTE[i]! : PALETTE[7]])) };
}

/** Nodes in each pool over time, stacked; `note` says when the smallest pools were added up. */
export function nodesChart(a: Aligned, time: TimeAxis, pools: PoolColors): { svg: string; note: string } {
  const index = new Map(a.pools.map((p, k) => [p, k]));
  const shown = pools.order.filter((p) => pools.color.get(p) !== PALETTE[7]);
  const rest = pools.order.slice(shown.length);
  const columns = shown.map((p) => a.nodes[index.get(p)!]!);
  const names = shown.map(poolLabel);
  const colors = shown.map((p) => pools.color.get(p)!);
  if (rest.length > 0) {
    columns.push(a.ts.map((_, i) => rest.reduce((s, p) => s + a.nodes[index.get(p)!]![i]!, 0)));
    names.push(`other pools (${rest.length})`);
    colors.push(PALETTE[7]);
  }
  const d = downsampleMax(a.ts, columns, MAX_POINTS);
  const series: Series[] = names.map((name, k) => ({
    name,
    points: d.xs.map((t, i) => [t / time.divisor, d.columns[k]![i]!] as const),
    color: colors[k]!,
  }));
  const svg = lineChart({
    id: 'chart-nodes',
    title: 'Nodes per pool over time',
    description: `Stacked areas: the number of nodes in each of ${a.pools.length} pool(s) over ${time.label.toLowerCase()}.`,
    x: { label: `${time.label} (${time.unit})`, min: 0 },
    y: { label: 'Nodes' },
    series,
    stacked: true,
    step: true,
  });
  const note = rest.length > 0 ? ` The ${rest.length} smallest pools are added up as "other pools".` : '';
  return { svg, note };
}

/** Requested / allocatable across all pools, in percent, for cpu and memory (and GPUs when any pool has them). */
export function utilizationChart(a: Aligned, time: TimeAxis, size: { width?: number; height?: number } = {}): { svg: string; hasGpu: boolean } {
  const hasGpu = a.gpu[1].some((v) => v > 0);
  const cols = [a.ts.map((_, i) => pct(a.cpu[0][i]!, a.cpu[1][i]!)), a.ts.map((_, i) => pct(a.memory[0][i]!, a.memory[1][i]!))];
  const names = ['CPU', 'Memory'];
  if (hasGpu) {
    cols.push(a.ts.map((_, i) => pct(a.gpu[0][i]!, a.gpu[1][i]!)));
    names.push('GPU');
  }
  const d = downsampleMax(a.ts, cols, MAX_POINTS);
  const svg = lineChart({
    id: 'chart-utilization',
    title: 'Utilisation over time (requested / allocatable)',
    description: `Requested divided by allocatable, across all pools, in percent, for ${names.join(', ')}.`,
    x: { label: `${time.label} (${time.unit})`, min: 0 },
    y: { label: 'Requested / allocatable (%)', min: 0, max: 100, format: (v) => `${formatNumber(v)}%` },
    series: names.map((name, k) => ({ name, points: d.xs.map((t, i) => [t / time.divisor, d.columns[k]![i]!] as const) })),
    step: true,
    ...(size.width !== undefined ? { width: size.width } : {}),
    ...(size.height !== undefined ? { height: size.height } : {}),
  });
  return { svg, hasGpu };
}

/** Pods waiting to be scheduled, cluster-wide, over time. */
export function pendingPodsChart(a: Aligned, time: TimeAxis): string {
  const d = downsampleMax(a.ts, [a.pending], MAX_POINTS);
  return lineChart({
    id: 'chart-pending-pods',
    title: 'Pending pods over time',
    description: `The number of pods waiting to be scheduled, cluster-wide, over ${time.label.toLowerCase()}.`,
    x: { label: `${time.label} (${time.unit})`, min: 0 },
    y: { label: 'Pending pods' },
    series: [{ name: 'Pending pods', points: d.xs.map((t, i) => [t / time.divisor, d.columns[0]![i]!] as const), color: PALETTE[4] }],
    step: true,
  });
}
