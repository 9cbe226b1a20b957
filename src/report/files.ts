// Output files of `drydock simulate`. Each writer streams into FILE.tmp-<pid> beside the target and renames it
// into place only when everything was written, so a reader never sees half a file and a failed run leaves
// nothing behind (the temporary file is removed on any error).
import { open, rename, rm } from 'node:fs/promises';
import type { Json } from '../apiserver/strategy.js';
import type { MetricsSample, PodRecord, SimulationResult, SimulationSummary } from '../sim/types.js';
import { renderReport, type ReportOptions } from './html.js';

/** Flush to the file descriptor past this many characters, so a million-row CSV is not one string. */
const CHUNK = 1 << 20;

/**
 * Writes the chunks to `file` atomically (temp file + rename); removes the temp file on error. `mode`: the
 * new file's permissions (e.g. 0o600 for a kubeconfig holding a token).
 */
export async function writeFileAtomic(file: string, chunks: Iterable<string>, options: { mode?: number } = {}): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  let created = false;
  try {
    const fh = await open(tmp, 'w', options.mode);
    created = true;
    try {
      let buf = '';
      for (const c of chunks) {
        buf += c;
        if (buf.length >= CHUNK) {
          await fh.write(buf);
          buf = '';
        }
      }
      if (buf !== '') await fh.write(buf);
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    if (created) await rm(tmp, { force: true });
    throw err;
  }
}

/** One CSV field per RFC 4180: quoted when it holds a comma, a double quote, CR or LF; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * One CSV record. Quoting follows RFC 4180, but records end in LF rather than its CRLF: line tools (cut, awk)
 * then see no stray CR in the last column, and csv-parse and spreadsheets read either.
 */
export function csvRow(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + '\n';
}

/** Simulated seconds with 3 decimals; "" when it never happened. */
function seconds(t: number | undefined): string {
  return t === undefined ? '' : t.toFixed(3);
}

/** A number without floating-point noise: integers as they are, others to at most 6 decimals. */
function num(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const r = Math.round(x * 1e6) / 1e6;
  return String(r === 0 ? 0 : r);
}

/** The summary as a plain object with exactly the top-level fields, in the order, map keys sorted. */
export function summaryObject(s: SimulationSummary): Record<string, unknown> {
  const sorted = (r: Record<string, number>) => Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
  const ordered = {
    pods: {
      total: s.pods.total,
      scheduled: s.pods.scheduled,
      unschedulable: s.pods.unschedulable,
      succeeded: s.pods.succeeded,
      failed: s.pods.failed,
      evicted: s.pods.evicted,
      preempted: s.pods.preempted,
    },
    pendingSeconds: { p50: s.pendingSeconds.p50, p95: s.pendingSeconds.p95, p99: s.pendingSeconds.p99, max: s.pendingSeconds.max },
    startupSeconds: { p50: s.startupSeconds.p50, p95: s.startupSeconds.p95, p99: s.startupSeconds.p99 },
    nodeHours: { total: s.nodeHours.total, byPool: sorted(s.nodeHours.byPool) },
    cost: { total: s.cost.total, byPool: sorted(s.cost.byPool), currency: s.cost.currency },
    utilization: { cpu: s.utilization.cpu, memory: s.utilization.memory, gpu: s.utilization.gpu },
    gpuAllocationRatio: s.gpuAllocationRatio,
    autoscaler: { scaleUps: s.autoscaler.scaleUps, scaleDowns: s.autoscaler.scaleDowns, nodesAdded: s.autoscaler.nodesAdded, nodesRemoved: s.autoscaler.nodesRemoved },
    simulatedSeconds: s.simulatedSeconds,
    wallSeconds: s.wallSeconds,
    seed: s.seed,
    inputs: s.inputs.map((i) => ({ file: i.file, sha256: i.sha256 })),
  };
  return ordered;
}

/** The --json text of a summary: summaryObject, two-space indented, one trailing newline. */
export function summaryJson(s: SimulationSummary): string {
  return JSON.stringify(summaryObject(s), null, 2) + '\n';
}

/** --json FILE. */
export async function writeJson(file: string, summary: SimulationSummary): Promise<void> {
  await writeFileAtomic(file, [summaryJson(summary)]);
}

export const PLACEMENTS_COLUMNS = ['pod', 'namespace', 'node', 'pool', 'created', 'scheduled', 'started', 'finished', 'phase', 'gpu_devices'] as const;

function* placementsCsv(placements: readonly PodRecord[]): Generator<string> {
  yield csvRow(PLACEMENTS_COLUMNS);
  for (const p of placements) {
    yield csvRow([p.pod, p.namespace, p.node ?? '', p.pool ?? '', seconds(p.created), seconds(p.scheduled), seconds(p.started), seconds(p.finished), p.phase, p.gpuDevices ?? '']);
  }
}

/** --placements FILE: one row per pod. */
export async function writePlacementsCsv(file: string, placements: readonly PodRecord[]): Promise<void> {
  await writeFileAtomic(file, placementsCsv(placements));
}

function* eventsJsonl(events: readonly Json[]): Generator<string> {
  for (const e of events) yield JSON.stringify(e) + '\n';
}

/** --events FILE: one Event object per line, in creation order. */
export async function writeEventsJsonl(file: string, events: readonly Json[]): Promise<void> {
  await writeFileAtomic(file, eventsJsonl(events));
}

export const METRICS_COLUMNS = [
  't', 'pool', 'nodes',
  'cpu_requested', 'cpu_allocatable', 'memory_requested', 'memory_allocatable', 'gpu_requested', 'gpu_allocatable',
  'pending_pods',
] as const;

function* metricsCsv(metrics: readonly MetricsSample[]): Generator<string> {
  yield csvRow(METRICS_COLUMNS);
  for (const m of metrics) {
    yield csvRow([
      m.t.toFixed(3), m.pool, num(m.nodes),
      num(m.cpuRequested), num(m.cpuAllocatable), num(m.memoryRequested), num(m.memoryAllocatable), num(m.gpuRequested), num(m.gpuAllocatable),
      num(m.pendingPods),
    ]);
  }
}

/** --metrics FILE: one row per pool per sampled instant, in the order sampled. */
export async function writeMetricsCsv(file: string, metrics: readonly MetricsSample[]): Promise<void> {
  await writeFileAtomic(file, metricsCsv(metrics));
}

/** --report FILE: the self-contained HTML report. */
export async function writeHtmlReport(file: string, result: SimulationResult, options: ReportOptions): Promise<void> {
  await writeFileAtomic(file, [renderReport(result, options)]);
}
