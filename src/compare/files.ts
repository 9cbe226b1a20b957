// Output files of `drydock compare`, written whole at the end through the report's writeFileAtomic:
// --json is an array with one object per configuration (simulate's --json fields plus name, meetsSlo and
// peakNodes), --csv one row per configuration, --report the HTML page (src/report/compare-html.ts).
import { csvRow, poolLabel, renderCompareReport, summaryObject, writeFileAtomic, type CompareReportOptions } from '../report/index.js';
import type { ComparedConfiguration } from './compare.js';
import type { Verdict } from './slo.js';

/** One configuration's --json object: name and meetsSlo first, then simulate's summary fields, then peakNodes. */
export function configurationObject(c: ComparedConfiguration, meetsSlo: boolean): Record<string, unknown> {
  return { name: c.name, meetsSlo, ...summaryObject(c.summary), peakNodes: { ...c.peakNodes } };
}

/** The --json text: an array in configuration order. */
export function compareJson(configs: readonly ComparedConfiguration[], verdict: Verdict): string {
  return JSON.stringify(configs.map((c, i) => configurationObject(c, verdict.checks[i]!.meets)), null, 2) + '\n';
}

export const COMPARE_CSV_COLUMNS = [
  'name', 'meets_slo', 'cost_usd', 'node_hours',
  'pods_total', 'pods_scheduled', 'pods_unschedulable', 'pods_succeeded', 'pods_failed', 'pods_evicted', 'pods_preempted',
  'pending_p50', 'pending_p95', 'pending_p99', 'pending_max', 'startup_p50', 'startup_p95', 'startup_p99',
  'utilization_cpu', 'utilization_memory', 'utilization_gpu', 'gpu_allocation_ratio',
  'scale_ups', 'scale_downs', 'nodes_added', 'nodes_removed',
  'simulated_seconds', 'wall_seconds', 'seed',
  'peak_nodes', 'node_hours_by_pool', 'cost_by_pool',
] as const;

/** A per-pool map as one cell, the workload CSV's list syntax: "general=22;memory=8" (pools sorted). */
function poolMap(m: Readonly<Record<string, number>>): string {
  return Object.keys(m)
    .sort()
    .map((p) => `${poolLabel(p)}=${m[p]}`)
    .join(';');
}

/** The --csv text: a header and one row per configuration (numbers as in the JSON: seconds, ratios, USD). */
export function compareCsv(configs: readonly ComparedConfiguration[], verdict: Verdict): string {
  const rows = [csvRow(COMPARE_CSV_COLUMNS)];
  configs.forEach((c, i) => {
    const s = c.summary;
    rows.push(
      csvRow([
        c.name, String(verdict.checks[i]!.meets), s.cost.total, s.nodeHours.total,
        s.pods.total, s.pods.scheduled, s.pods.unschedulable, s.pods.succeeded, s.pods.failed, s.pods.evicted, s.pods.preempted,
        s.pendingSeconds.p50, s.pendingSeconds.p95, s.pendingSeconds.p99, s.pendingSeconds.max, s.startupSeconds.p50, s.startupSeconds.p95, s.startupSeconds.p99,
        s.utilization.cpu, s.utilization.memory, s.utilization.gpu, s.gpuAllocationRatio,
        s.autoscaler.scaleUps, s.autoscaler.scaleDowns, s.autoscaler.nodesAdded, s.autoscaler.nodesRemoved,
        s.simulatedSeconds, s.wallSeconds, s.seed,
        poolMap(c.peakNodes), poolMap(s.nodeHours.byPool), poolMap(s.cost.byPool),
      ].map(String)),
    );
  });
  return rows.join('');
}

export async function writeCompareJson(file: string, configs: readonly ComparedConfiguration[], verdict: Verdict): Promise<void> {
  await writeFileAtomic(file, [compareJson(configs, verdict)]);
}

export async function writeCompareCsv(file: string, configs: readonly ComparedConfiguration[], verdict: Verdict): Promise<void> {
  await writeFileAtomic(file, [compareCsv(configs, verdict)]);
}

export async function writeCompareReport(file: string, configs: readonly ComparedConfiguration[], verdict: Verdict, options: CompareReportOptions): Promise<void> {
  await writeFileAtomic(file, [renderCompareReport(configs.map((c, i) => ({ ...c, meetsSlo: verdict.checks[i]!.meets })), verdict, options)]);
}
