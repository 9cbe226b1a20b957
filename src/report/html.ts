// The --report HTML: one self-contained file (inline CSS, inline SVG drawn here; no script, no network) with
// the summary and five charts. Same result in ⇒ same bytes out (wallSeconds is the only run-dependent number).
import type { SimulationResult } from '../sim/types.js';
import { barChart, escapeXml, formatNumber, lineChart, PALETTE, timeUnit } from './charts.js';
import { alignMetrics, MAX_POINTS, nodesChart, pendingPodsChart, poolLabel, poolOrder, utilizationChart } from './metric-charts.js';
import { formatDuration, pendingSecondsOf } from './summary.js';

export interface ReportOptions {
  readonly title: string;
}

/** The ids of the charts, in page order (tests and a live dashboard refer to them). */
export const CHART_IDS = ['chart-nodes', 'chart-utilization', 'chart-pending-pods', 'chart-pending-time', 'chart-cost'] as const;

function pendingTimeChart(result: SimulationResult): string {
  const s = result.summary;
  const values = pendingSecondsOf(result.placements, s.simulatedSeconds).sort((x, y) => x - y);
  const n = values.length;
  const unit = timeUnit(n > 0 ? values[n - 1]! : 0);
  // Empirical CDF: at each distinct value, the share of pods pending at most that long.
  const steps: [number, number][] = [];
  for (let i = 0; i < n; i++) if (i + 1 === n || values[i + 1]! !== values[i]!) steps.push([values[i]!, (100 * (i + 1)) / n]);
  let kept = steps;
  if (steps.length > MAX_POINTS) {
    const every = Math.ceil(steps.length / MAX_POINTS);
    kept = steps.filter((_, i) => i % every === every - 1 || i === steps.length - 1);
  }
  const points: [number, number][] = n > 0 ? [[Math.min(0, values[0]!) / unit.divisor, 0], ...kept.map(([v, p]) => [v / unit.divisor, p] as [number, number])] : [];
  const p = s.pendingSeconds;
  return lineChart({
    id: 'chart-pending-time',
    title: 'Pending time distribution (cumulative)',
    description: `Share of ${n} pods that waited at most the given time to be scheduled (never-scheduled pods count until the end). p50 ${p.p50} s, p95 ${p.p95} s, p99 ${p.p99} s.`,
    x: { label: `Pending time (${unit.unit})`, min: 0 },
    y: { label: 'Pods pending at most this long (%)', min: 0, max: 100, format: (v) => `${formatNumber(v)}%` },
    series: [{ name: 'Pods', points, color: PALETTE[0] }],
    step: true,
    markers: n > 0 ? [{ x: p.p50 / unit.divisor, label: 'p50' }, { x: p.p95 / unit.divisor, label: 'p95' }, { x: p.p99 / unit.divisor, label: 'p99' }] : [],
  });
}

function costChart(result: SimulationResult, color: ReadonlyMap<string, string>): string {
  const cost = result.summary.cost;
  const pools = Object.keys(cost.byPool).sort((x, y) => (cost.byPool[y] ?? 0) - (cost.byPool[x] ?? 0) || (x < y ? -1 : 1));
  return barChart({
    id: 'chart-cost',
    title: `Cost per pool (${cost.currency})`,
    description: `Node-hours times the hourly price of each pool; ${pools.length} pool(s), ${formatNumber(cost.total, 0.01)} ${cost.currency} in total.`,
    x: { label: `Cost (${cost.currency})` },
    bars: pools.map((p) => ({ label: poolLabel(p), value: cost.byPool[p] ?? 0, valueLabel: `${formatNumber(cost.byPool[p] ?? 0, 0.01)} ${cost.currency}`, color: color.get(p) ?? PALETTE[7] })),
  });
}

/** The page style of the reports (this one and the comparison's). */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1f1f1f; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 860px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.2em; margin: 32px 0 8px; }
p.meta { margin: 0; color: #404040; }
table { border-collapse: collapse; background: #fff; margin: 8px 0; }
th, td { padding: 4px 12px; border-bottom: 1px solid #d9d9d9; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { background: #fff; border: 1px solid #d9d9d9; border-radius: 6px; margin: 16px 0; padding: 12px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { margin-top: 8px; color: #333; font-size: 0.92em; }
code { font-size: 0.92em; }
`;

function row(cells: readonly string[], numeric: readonly boolean[], tag = 'td'): string {
  return `<tr>${cells.map((x, i) => `<${tag}${numeric[i] === true ? ' class="num"' : ''}>${escapeXml(x)}</${tag}>`).join('')}</tr>`;
}

/** The whole report page. */
export function renderReport(result: SimulationResult, options: ReportOptions): string {
  const s = result.summary;
  const end = s.simulatedSeconds;
  const time = { label: 'Simulated time', ...timeUnit(end) };
  const a = alignMetrics(result.metrics, end);
  const pools = poolOrder(a);
  const nodes = nodesChart(a, time, pools);
  const util = utilizationChart(a, time);
  const pct1 = (x: number) => `${(x * 100).toFixed(1)}%`;
  const f3 = (x: number) => formatNumber(x, 0.001);

  const pods = s.pods;
  const summaryRows = [
    ['Pods', `${pods.total} total, ${pods.scheduled} scheduled, ${pods.unschedulable} never scheduled`],
    ['Outcomes', `${pods.succeeded} succeeded, ${pods.failed} failed, ${pods.evicted} evicted, ${pods.preempted} preempted`],
    ['Pending time (s)', `p50 ${f3(s.pendingSeconds.p50)}, p95 ${f3(s.pendingSeconds.p95)}, p99 ${f3(s.pendingSeconds.p99)}, max ${f3(s.pendingSeconds.max)}`],
    ['Startup time (s)', `p50 ${f3(s.startupSeconds.p50)}, p95 ${f3(s.startupSeconds.p95)}, p99 ${f3(s.startupSeconds.p99)}`],
    ['Utilisation (time-weighted)', `CPU ${pct1(s.utilization.cpu)}, memory ${pct1(s.utilization.memory)}, GPU ${pct1(s.utilization.gpu)}; GPU allocation ratio ${pct1(s.gpuAllocationRatio)}`],
    ['Autoscaler', `${s.autoscaler.scaleUps} scale-ups (+${s.autoscaler.nodesAdded} nodes), ${s.autoscaler.scaleDowns} scale-downs (−${s.autoscaler.nodesRemoved} nodes)`],
    ['Cost', `${formatNumber(s.cost.total, 0.01)} ${s.cost.currency} for ${formatNumber(s.nodeHours.total, 0.01)} node-hours`],
    ['Time', `${formatDuration(s.simulatedSeconds)} simulated in ${s.wallSeconds.toFixed(2)} s wall clock`],
    ['Seed', String(s.seed)],
  ];
  const poolNames = Object.keys(s.nodeHours.byPool).sort();
  const poolRows = poolNames.map((p) => row([poolLabel(p), formatNumber(s.nodeHours.byPool[p] ?? 0, 0.01), formatNumber(s.cost.byPool[p] ?? 0, 0.01)], [false, true, true]));

  const figure = (svg: string, caption: string) => `<figure>${svg}<figcaption>${caption}</figcaption></figure>`;
  const body = [
    `<main>`,
    `<h1>${escapeXml(options.title)}</h1>`,
    `<p class="meta">${escapeXml(`Simulated ${formatDuration(end)} · seed ${s.seed} · ${s.inputs.length} input file(s)`)}</p>`,
    `<h2>Summary</h2>`,
    `<table class="summary"><tbody>${summaryRows.map(([k, v]) => `<tr><th scope="row">${escapeXml(k!)}</th><td>${escapeXml(v!)}</td></tr>`).join('')}</tbody></table>`,
    poolNames.length > 0
      ? `<table class="pools"><thead>${row(['Pool', 'Node-hours', `Cost (${s.cost.currency})`], [false, true, true], 'th')}</thead><tbody>${poolRows.join('')}</tbody></table>`
      : '',
    `<h2>Charts</h2>`,
    figure(nodes.svg, `Figure 1. Nodes in each pool over simulated time, stacked.${escapeXml(nodes.note)}`),
    figure(util.svg, `Figure 2. Requested resources as a share of allocatable, across all pools.${util.hasGpu ? '' : ' No pool had GPUs, so there is no GPU line.'}`),
    figure(pendingPodsChart(a, time), 'Figure 3. Pods waiting to be scheduled, cluster-wide.'),
    figure(pendingTimeChart(result), 'Figure 4. Cumulative distribution of pending time (created to first scheduled; pods never scheduled count until they went away or the run ended). Dashed lines: nearest-rank percentiles.'),
    figure(costChart(result, pools.color), `Figure 5. Cost per pool: node-hours times the pool's hourly price, in ${escapeXml(s.cost.currency)}.`),
    s.inputs.length > 0
      ? `<h2>Inputs</h2><table class="inputs"><thead>${row(['File', 'SHA-256'], [false, false], 'th')}</thead><tbody>${s.inputs.map((i) => `<tr><td>${escapeXml(i.file)}</td><td><code>${escapeXml(i.sha256)}</code></td></tr>`).join('')}</tbody></table>`
      : '',
    `</main>`,
  ].join('\n');

  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<title>${escapeXml(options.title)}</title>\n<style>${REPORT_CSS}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}
