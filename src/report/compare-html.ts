// The HTML page of `drydock compare --report`: one self-contained file (inline CSS and SVG, no script, no
// network) with the side-by-side table, cost against p99 pending time as a scatter (one point per
// configuration), and utilisation and nodes over time with one line per configuration. Same results in ⇒
// same bytes out, except the wallSeconds in each summary, which the page does not show.
import type { MetricsSample, SimulationSummary } from '../sim/types.js';
import { downsampleMax, escapeXml, formatNumber, lineChart, PALETTE, scatterChart, timeUnit, type Guide, type Series } from './charts.js';
import { REPORT_CSS } from './html.js';
import { alignMetrics } from './metric-charts.js';
import { formatDuration, peakNodesText } from './summary.js';

/** What the page shows of one configuration. */
export interface CompareReportConfiguration {
  readonly name: string;
  readonly poolsFile: string;
  readonly summary: SimulationSummary;
  readonly metrics: readonly MetricsSample[];
  readonly peakNodes: Readonly<Record<string, number>>;
  readonly meetsSlo: boolean;
}

export interface CompareReportOptions {
  readonly title: string;
  /** --slo-p99-pending in seconds: drawn as a dashed line in the scatter. */
  readonly p99PendingLimit?: number;
}

/** The ids of the charts, in page order. */
export const COMPARE_CHART_IDS = ['chart-cost-p99', 'chart-cpu', 'chart-memory', 'chart-gpu', 'chart-nodes-total'] as const;

/** Instants kept per line (a bucket shows its maximum). */
const MAX_POINTS = 600;

/** Configuration i's colour, the same in every chart. */
const colorOf = (i: number) => PALETTE[i % PALETTE.length]!;

interface Timeline {
  readonly ts: readonly number[];
  readonly cpu: readonly number[];
  readonly memory: readonly number[];
  readonly gpu: readonly number[];
  readonly nodes: readonly number[];
  readonly hasGpu: boolean;
}

/** Cluster-wide utilisation (%) and node count per instant, from the per-pool samples held as step functions. */
function timeline(c: CompareReportConfiguration): Timeline {
  const a = alignMetrics(c.metrics, c.summary.simulatedSeconds);
  const pct = (r: number, al: number) => (al > 0 ? (100 * r) / al : 0);
  return {
    ts: a.ts,
    cpu: a.ts.map((_, i) => pct(a.cpu[0][i]!, a.cpu[1][i]!)),
    memory: a.ts.map((_, i) => pct(a.memory[0][i]!, a.memory[1][i]!)),
    gpu: a.ts.map((_, i) => pct(a.gpu[0][i]!, a.gpu[1][i]!)),
    nodes: a.ts.map((_, i) => a.nodes.reduce((s, col) => s + col[i]!, 0)),
    hasGpu: a.gpu[1].some((v) => v > 0),
  };
}

function overTime(
  id: string,
  title: string,
  description: string,
  y: { label: string; percent: boolean },
  configs: readonly CompareReportConfiguration[],
  lines: readonly Timeline[],
  pick: (t: Timeline) => readonly number[],
  unit: { unit: string; divisor: number },
): string {
  const series: Series[] = configs.map((c, k) => {
    const d = downsampleMax(lines[k]!.ts, [pick(lines[k]!)], MAX_POINTS);
    return { name: c.name, points: d.xs.map((t, i) => [t / unit.divisor, d.columns[0]![i]!] as const), color: colorOf(k) };
  });
  return lineChart({
    id,
    title,
    description,
    x: { label: `Simulated time (${unit.unit})`, min: 0 },
    y: y.percent ? { label: y.label, min: 0, max: 100, format: (v) => `${formatNumber(v)}%` } : { label: y.label },
    series,
    step: true,
  });
}

function costP99Chart(configs: readonly CompareReportConfiguration[], chosen: number | undefined, limit: number | undefined): string {
  const guides: Guide[] = limit !== undefined ? [{ axis: 'y', value: limit, label: `SLO: p99 pending ≤ ${Number(limit.toFixed(3))} s` }] : [];
  return scatterChart({
    id: 'chart-cost-p99',
    title: 'Cost against p99 pending time',
    description: `One point per configuration (${configs.length}): total cost in USD across, p99 pending time in seconds up; lower left is better.`,
    x: { label: 'Cost (USD)' },
    y: { label: 'p99 pending time (s)' },
    points: configs.map((c, i) => ({
      name: c.name,
      x: c.summary.cost.total,
      y: c.summary.pendingSeconds.p99,
      color: colorOf(i),
      emphasis: i === chosen,
      hollow: !c.meetsSlo,
      valueLabel: `${formatNumber(c.summary.cost.total, 0.01)} USD, p99 pending ${formatNumber(c.summary.pendingSeconds.p99, 0.1)} s`,
    })),
    guides,
  });
}

function cells(values: readonly string[], numeric: readonly boolean[], tag = 'td'): string {
  return values.map((v, i) => `<${tag}${numeric[i] === true ? ' class="num"' : ''}>${escapeXml(v)}</${tag}>`).join('');
}

const EXTRA_CSS = `
main { max-width: 1180px; }
tr.chosen td { font-weight: 600; background: #eef5fb; }
p.verdict { font-size: 1.05em; background: #fff; border-left: 4px solid #0072B2; padding: 8px 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; }
`;

/** The whole comparison page. `verdict.cheapest` is the marked configuration's index, `verdict.line` the sentence. */
export function renderCompareReport(configs: readonly CompareReportConfiguration[], verdict: { readonly cheapest?: number; readonly line: string }, options: CompareReportOptions): string {
  const end = Math.max(0, ...configs.map((c) => c.summary.simulatedSeconds));
  const unit = timeUnit(end);
  const lines = configs.map(timeline);
  const anyGpu = lines.some((l) => l.hasGpu);
  const pct1 = (x: number) => `${(x * 100).toFixed(1)}%`;
  const f1 = (x: number) => formatNumber(x, 0.1);
  const f2 = (x: number) => formatNumber(x, 0.01);

  const head = ['', 'Configuration', 'Cost (USD)', 'Node-hours', 'p95 pending (s)', 'p99 pending (s)', 'Unschedulable', 'CPU', 'Memory', 'GPU', 'Scale-ups', 'Scale-downs', 'Meets SLO'];
  const numeric = [false, false, true, true, true, true, true, true, true, true, true, true, false];
  const rows = configs.map((c, i) => {
    const s = c.summary;
    const values = [
      i === verdict.cheapest ? '*' : '',
      c.name,
      f2(s.cost.total),
      f2(s.nodeHours.total),
      f1(s.pendingSeconds.p95),
      f1(s.pendingSeconds.p99),
      String(s.pods.unschedulable),
      pct1(s.utilization.cpu),
      pct1(s.utilization.memory),
      pct1(s.utilization.gpu),
      String(s.autoscaler.scaleUps),
      String(s.autoscaler.scaleDowns),
      c.meetsSlo ? 'yes' : 'no',
    ];
    return `<tr${i === verdict.cheapest ? ' class="chosen"' : ''}>${cells(values, numeric)}</tr>`;
  });
  const configRows = configs.map(
    (c, i) =>
      `<tr><td><span class="swatch" style="background:${colorOf(i)}"></span>${escapeXml(c.name)}</td><td><code>${escapeXml(c.poolsFile)}</code></td>` +
      `<td>${escapeXml(peakNodesText(c.peakNodes))}</td></tr>`,
  );
  const inputs = configs[0]?.summary.inputs ?? [];
  const seed = configs[0]?.summary.seed;

  const figure = (svg: string, caption: string) => `<figure>${svg}<figcaption>${escapeXml(caption)}</figcaption></figure>`;
  const body = [
    '<main>',
    `<h1>${escapeXml(options.title)}</h1>`,
    `<p class="meta">${escapeXml(`${configs.length} configuration(s) · the same workload and seed${seed !== undefined ? ` ${seed}` : ''} · up to ${formatDuration(end)} simulated`)}</p>`,
    `<p class="verdict">${escapeXml(`${verdict.cheapest !== undefined ? '* ' : ''}${verdict.line}`)}</p>`,
    '<h2>Side by side</h2>',
    `<table class="compare"><thead><tr>${cells(head, numeric, 'th')}</tr></thead><tbody>${rows.join('')}</tbody></table>`,
    '<h2>Charts</h2>',
    figure(
      costP99Chart(configs, verdict.cheapest, options.p99PendingLimit),
      'Figure 1. Total cost against p99 pending time (created to first scheduled; pods never scheduled count until the end), one point per configuration. ' +
        'The ringed point is the cheapest configuration that meets the SLO; hollow points miss it.' +
        (options.p99PendingLimit !== undefined ? ' The dashed line is the p99 pending limit.' : ''),
    ),
    figure(overTime('chart-cpu', 'CPU utilisation over time (requested / allocatable)', 'CPU requested divided by allocatable, across all pools, in percent, one line per configuration.', { label: 'CPU requested / allocatable (%)', percent: true }, configs, lines, (t) => t.cpu, unit), 'Figure 2. CPU requested as a share of allocatable, across all pools, per configuration.'),
    figure(overTime('chart-memory', 'Memory utilisation over time (requested / allocatable)', 'Memory requested divided by allocatable, across all pools, in percent, one line per configuration.', { label: 'Memory requested / allocatable (%)', percent: true }, configs, lines, (t) => t.memory, unit), 'Figure 3. Memory requested as a share of allocatable, across all pools, per configuration.'),
    figure(
      overTime('chart-gpu', 'GPU utilisation over time (requested / allocatable)', 'GPUs requested divided by allocatable, across all pools, in percent, one line per configuration.', { label: 'GPU requested / allocatable (%)', percent: true }, configs, lines, (t) => t.gpu, unit),
      `Figure 4. GPUs requested as a share of allocatable GPUs, per configuration.${anyGpu ? ' 0% while a configuration has no GPU node.' : ' No configuration had GPU nodes.'}`,
    ),
    figure(overTime('chart-nodes-total', 'Nodes over time', 'The number of nodes in all pools, one line per configuration.', { label: 'Nodes', percent: false }, configs, lines, (t) => t.nodes, unit), 'Figure 5. Nodes in all pools together, per configuration.'),
    '<h2>Configurations</h2>',
    `<table class="configurations"><thead><tr>${cells(['Configuration', 'Pools file', 'Peak nodes per pool'], [false, false, false], 'th')}</tr></thead><tbody>${configRows.join('')}</tbody></table>`,
    inputs.length > 0
      ? `<h2>Workload</h2><table class="inputs"><thead><tr>${cells(['File', 'SHA-256'], [false, false], 'th')}</tr></thead><tbody>${inputs.map((i) => `<tr><td>${escapeXml(i.file)}</td><td><code>${escapeXml(i.sha256)}</code></td></tr>`).join('')}</tbody></table>`
      : '',
    '</main>',
  ].join('\n');

  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<title>${escapeXml(options.title)}</title>\n<style>${REPORT_CSS}${EXTRA_CSS}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}
