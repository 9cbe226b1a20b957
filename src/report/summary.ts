// Pure arithmetic that turns a run's placements and metrics into the SimulationSummary fields, and the short
// human table printed on stdout. Nothing here reads a clock: wallSeconds is handed in like everything else.
//
// Definitions (the README and the --json consumers rely on these; change them together):
// - Percentiles are nearest-rank: for n values sorted ascending, pP = v[ceil(P/100 · n) − 1] (p0 = v[0]);
//   an empty set gives 0. Nearest-rank always returns an observed value, so p99 of 10 pods is the slowest one.
// - Pending seconds of a pod = (first scheduled − created). A pod never scheduled counts as pending until it
//   went away (`finished`, e.g. deleted while pending) or else until the end of the simulation — a censored
//   lower bound. Leaving such pods out would make a starved cluster look fast.
// - Startup seconds = started − scheduled, over pods that have both.
// - Metrics samples are step functions per pool: a sample holds from its `t` until the pool's next sample,
//   and the last one until the end of the simulation (Δt ≥ 0; samples at or past the end weigh nothing).
// - utilization.R = Σ requested_R · Δt / Σ allocatable_R · Δt over every pool's samples (0 when nothing was
//   allocatable). gpuAllocationRatio is, as the issue defines it, time-weighted GPU requested / GPU
//   allocatable — today the same number as utilization.gpu.
// - nodeHours.byPool[p] = Σ nodes · Δt / 3600 over pool p's samples; total = Σ byPool.
// - cost.byPool[p] = nodeHours.byPool[p] · pricePerHour[p] (a pool without a price costs 0).
// - Seconds are rounded to milliseconds (the simulation's resolution), hours, ratios and money to 6 decimals,
//   so the JSON does not carry floating-point noise such as 0.30000000000000004.
import type { InputFile, MetricsSample, PodRecord, SimulationSummary } from '../sim/types.js';
import { poolLabel } from './metric-charts.js';

/** Rounds to `digits` decimals (and turns −0 into 0). */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r;
}

/** Nearest-rank percentile of values sorted ascending (0 for none). `p` in [0, 100]. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(rank, n) - 1]!;
}

/** p50/p95/p99/max of the values (nearest-rank; all 0 for none), rounded to milliseconds. */
export function percentiles(values: readonly number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: round(percentileSorted(sorted, 50), 3),
    p95: round(percentileSorted(sorted, 95), 3),
    p99: round(percentileSorted(sorted, 99), 3),
    max: round(sorted.length === 0 ? 0 : sorted[sorted.length - 1]!, 3),
  };
}

/** Pending seconds per pod, in placement order (see the definition at the top). */
export function pendingSecondsOf(placements: readonly PodRecord[], endSeconds: number): number[] {
  return placements.map((p) => Math.max(0, (p.scheduled ?? p.finished ?? endSeconds) - p.created));
}

/** Startup seconds (started − scheduled) of the pods that have both, in placement order. */
export function startupSecondsOf(placements: readonly PodRecord[]): number[] {
  const out: number[] = [];
  for (const p of placements) if (p.scheduled !== undefined && p.started !== undefined) out.push(Math.max(0, p.started - p.scheduled));
  return out;
}

/** The `pods` counts. scheduled = ever bound to a node; unschedulable = never bound by the end; failed = Failed on its own. */
export function podCounts(placements: readonly PodRecord[]): SimulationSummary['pods'] {
  const c = { total: placements.length, scheduled: 0, unschedulable: 0, succeeded: 0, failed: 0, evicted: 0, preempted: 0 };
  for (const p of placements) {
    if (p.scheduled !== undefined) c.scheduled++;
    else c.unschedulable++;
    if (p.phase === 'Succeeded') c.succeeded++;
    // A pod the kubelet failed because it was evicted or preempted counts there, not as failed.
    if (p.phase === 'Failed' && p.evicted !== true && p.preempted !== true) c.failed++;
    if (p.evicted === true) c.evicted++;
    if (p.preempted === true) c.preempted++;
  }
  return c;
}

/** Each sample with the seconds it holds for (until its pool's next sample, the last until `endSeconds`). */
export function sampleDurations(metrics: readonly MetricsSample[], endSeconds: number): { sample: MetricsSample; dt: number }[] {
  const byPool = new Map<string, MetricsSample[]>();
  for (const m of metrics) {
    let list = byPool.get(m.pool);
    if (list === undefined) byPool.set(m.pool, (list = []));
    list.push(m);
  }
  const out: { sample: MetricsSample; dt: number }[] = [];
  for (const pool of [...byPool.keys()].sort()) {
    // A stable sort keeps the producer's order for samples of the same instant; only the last of those holds.
    const list = byPool.get(pool)!.slice().sort((a, b) => a.t - b.t);
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const next = i + 1 < list.length ? list[i + 1]!.t : Math.max(endSeconds, s.t);
      out.push({ sample: s, dt: Math.max(0, Math.min(next, Math.max(endSeconds, s.t)) - s.t) });
    }
  }
  return out;
}

/** Time-weighted requested / allocatable per resource across pools (0 where nothing was allocatable). */
export function timeWeightedUtilization(metrics: readonly MetricsSample[], endSeconds: number): SimulationSummary['utilization'] {
  let cr = 0, ca = 0, mr = 0, ma = 0, gr = 0, ga = 0;
  for (const { sample: s, dt } of sampleDurations(metrics, endSeconds)) {
    cr += s.cpuRequested * dt;
    ca += s.cpuAllocatable * dt;
    mr += s.memoryRequested * dt;
    ma += s.memoryAllocatable * dt;
    gr += s.gpuRequested * dt;
    ga += s.gpuAllocatable * dt;
  }
  const ratio = (r: number, a: number) => (a > 0 ? round(r / a, 6) : 0);
  return { cpu: ratio(cr, ca), memory: ratio(mr, ma), gpu: ratio(gr, ga) };
}

/** Time-weighted GPU requested / GPU allocatable (the gpuAllocationRatio). */
export function gpuAllocationRatio(metrics: readonly MetricsSample[], endSeconds: number): number {
  return timeWeightedUtilization(metrics, endSeconds).gpu;
}

/** Node-hours per pool (keys sorted) and their total. */
export function nodeHours(metrics: readonly MetricsSample[], endSeconds: number): SimulationSummary['nodeHours'] {
  const acc = new Map<string, number>();
  for (const { sample: s, dt } of sampleDurations(metrics, endSeconds)) acc.set(s.pool, (acc.get(s.pool) ?? 0) + s.nodes * dt);
  const byPool: Record<string, number> = {};
  let total = 0;
  for (const pool of [...acc.keys()].sort()) {
    const seconds = acc.get(pool)!;
    byPool[pool] = round(seconds / 3600, 6);
    total += seconds;
  }
  return { total: round(total / 3600, 6), byPool };
}

/** Cost per pool from node-hours and hourly prices in USD (keys as in byPool). */
export function costOf(hours: SimulationSummary['nodeHours'], pricePerHour: Readonly<Record<string, number>>): SimulationSummary['cost'] {
  const byPool: Record<string, number> = {};
  let total = 0;
  for (const pool of Object.keys(hours.byPool).sort()) {
    const c = (hours.byPool[pool] ?? 0) * (pricePerHour[pool] ?? 0);
    byPool[pool] = round(c, 6);
    total += c;
  }
  return { total: round(total, 6), byPool, currency: 'USD' };
}

export interface SummaryInput {
  readonly placements: readonly PodRecord[];
  readonly metrics: readonly MetricsSample[];
  /** The simulated end, in seconds from the start. */
  readonly simulatedSeconds: number;
  readonly wallSeconds: number;
  readonly seed: number;
  readonly inputs: readonly InputFile[];
  /** USD per node-hour by pool name ("" for nodes outside any pool). */
  readonly pricePerHour: Readonly<Record<string, number>>;
  readonly autoscaler: SimulationSummary['autoscaler'];
}

/** The whole summary, fields in the order. */
export function buildSummary(x: SummaryInput): SimulationSummary {
  const end = x.simulatedSeconds;
  const hours = nodeHours(x.metrics, end);
  const utilization = timeWeightedUtilization(x.metrics, end);
  const startup = percentiles(startupSecondsOf(x.placements));
  return {
    pods: podCounts(x.placements),
    pendingSeconds: percentiles(pendingSecondsOf(x.placements, end)),
    startupSeconds: { p50: startup.p50, p95: startup.p95, p99: startup.p99 },
    nodeHours: hours,
    cost: costOf(hours, x.pricePerHour),
    utilization,
    gpuAllocationRatio: utilization.gpu,
    autoscaler: { ...x.autoscaler },
    simulatedSeconds: round(end, 3),
    wallSeconds: round(x.wallSeconds, 3),
    seed: x.seed,
    inputs: x.inputs.map((i) => ({ file: i.file, sha256: i.sha256 })),
  };
}

export { poolLabel };

/** "general 22, memory 8, gpu 3" (pools sorted by name, as in the summary). */
export function peakNodesText(peak: Readonly<Record<string, number>>): string {
  return Object.keys(peak)
    .sort()
    .map((p) => `${poolLabel(p)} ${peak[p]}`)
    .join(', ');
}

/** "2h 03m 04s", "5m 00s", "12.5s". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${round(seconds, 3)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h ${pad(m)}m ${pad(r)}s` : `${m}m ${pad(r)}s`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (x: number) => x.toFixed(1);

/** The short human summary for stdout: one labelled line per topic, then cost per pool as a small table. */
export function formatSummaryTable(s: SimulationSummary): string {
  const p = s.pods;
  const rows: [string, string][] = [
    ['pods', `${p.total} total, ${p.scheduled} scheduled, ${p.unschedulable} never scheduled, ${p.succeeded} succeeded, ${p.failed} failed, ${p.evicted} evicted, ${p.preempted} preempted`],
    ['pending (s)', `p50 ${secs(s.pendingSeconds.p50)}  p95 ${secs(s.pendingSeconds.p95)}  p99 ${secs(s.pendingSeconds.p99)}  max ${secs(s.pendingSeconds.max)}`],
    ['startup (s)', `p50 ${secs(s.startupSeconds.p50)}  p95 ${secs(s.startupSeconds.p95)}  p99 ${secs(s.startupSeconds.p99)}`],
    ['utilization', `cpu ${pct(s.utilization.cpu)}  memory ${pct(s.utilization.memory)}  gpu ${pct(s.utilization.gpu)}  (requested / allocatable, time-weighted)`],
    ['autoscaler', `${s.autoscaler.scaleUps} scale-ups (+${s.autoscaler.nodesAdded} nodes), ${s.autoscaler.scaleDowns} scale-downs (-${s.autoscaler.nodesRemoved} nodes)`],
    ['time', `${formatDuration(s.simulatedSeconds)} simulated in ${s.wallSeconds.toFixed(2)}s wall` + (s.wallSeconds > 0 ? ` (${Math.round(s.simulatedSeconds / s.wallSeconds)}x real time)` : '')],
  ];
  const width = Math.max(...rows.map(([k]) => k.length), 'cost'.length);
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);

  const pools = Object.keys(s.nodeHours.byPool).sort();
  const table: string[][] = [['pool', 'node-hours', `cost (${s.cost.currency})`]];
  for (const pool of pools) table.push([poolLabel(pool), (s.nodeHours.byPool[pool] ?? 0).toFixed(2), (s.cost.byPool[pool] ?? 0).toFixed(2)]);
  table.push(['total', s.nodeHours.total.toFixed(2), s.cost.total.toFixed(2)]);
  const w = [0, 1, 2].map((c) => Math.max(...table.map((r) => r[c]!.length)));
  table.forEach((r, i) => {
    const text = `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)}  ${r[2]!.padStart(w[2]!)}`;
    lines.push(`${(i === 0 ? 'cost' : '').padEnd(width)}  ${text}`);
  });
  return lines.join('\n') + '\n';
}
