// The side-by-side text of `drydock compare`: one row per configuration, in the order given, the cheapest
// configuration that meets the SLO marked with "*", then the verdict sentence.
import { peakNodesText } from '../report/summary.js';
import type { SimulationSummary } from '../sim/types.js';
import type { Verdict } from './slo.js';

export const TABLE_COLUMNS = [
  '',
  'configuration',
  'cost (USD)',
  'node-hours',
  'p95 pending',
  'p99 pending',
  'unschedulable',
  'cpu',
  'memory',
  'gpu',
  'scale-ups/downs',
  'peak nodes per pool',
] as const;

/** Right-aligned (numeric) columns of TABLE_COLUMNS. */
const NUMERIC = [false, false, true, true, true, true, true, true, true, true, true, false];

export interface TableRow {
  readonly name: string;
  readonly summary: SimulationSummary;
  readonly peakNodes: Readonly<Record<string, number>>;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (x: number) => `${x.toFixed(1)}s`;

/** The cells of one configuration's row, as TABLE_COLUMNS; `mark` is the first cell ("*" or ""). */
export function tableCells(row: TableRow, mark: string): string[] {
  const s = row.summary;
  return [
    mark,
    row.name,
    s.cost.total.toFixed(2),
    s.nodeHours.total.toFixed(2),
    secs(s.pendingSeconds.p95),
    secs(s.pendingSeconds.p99),
    String(s.pods.unschedulable),
    pct(s.utilization.cpu),
    pct(s.utilization.memory),
    pct(s.utilization.gpu),
    `${s.autoscaler.scaleUps}/${s.autoscaler.scaleDowns}`,
    peakNodesText(row.peakNodes),
  ];
}

/** Pads cells into columns two spaces apart; trailing spaces trimmed. */
export function alignColumns(table: readonly (readonly string[])[], numeric: readonly boolean[]): string[] {
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => [...r[c]!].length)));
  return table.map((r) =>
    r
      .map((cell, c) => {
        const pad = widths[c]! - [...cell].length;
        return numeric[c] === true ? ' '.repeat(pad) + cell : cell + ' '.repeat(pad);
      })
      .join('  ')
      .trimEnd(),
  );
}

/** The table and the verdict sentence, each line ending in a newline. */
export function formatCompareTable(rows: readonly TableRow[], verdict: Verdict): string {
  const table = [[...TABLE_COLUMNS], ...rows.map((r, i) => tableCells(r, i === verdict.cheapest ? '*' : ''))];
  const lines = alignColumns(table, NUMERIC);
  lines.push('', `${verdict.cheapest !== undefined ? '* ' : ''}${verdict.line}`);
  return lines.join('\n') + '\n';
}
