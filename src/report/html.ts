// The --report HTML: one self-contained file (inline CSS, inline SVG drawn here; no script, no network) with
// the summary and five charts. Same result in ⇒ same bytes out (wallSeconds is the only run-dependent number).
import type { MetricsSample, SimulationResult } from '../sim/types.js';
import { barChart, downsampleMax, escapeXml, formatNumber, lineChart, PALETTE, timeUnit, type Series } from './charts.js';
import { formatDuration, pendingSecondsOf, poolLabel } from './summary.js';

export interface ReportOptions {
  readonly title: string;
}

/** The ids of the charts, in page order (tests and a live dashboard refer to them). */
export const CHART_IDS = ['chart-nodes', 'chart-utilization', 'chart-pending-pods', 'chart-pending-time', 'chart-cost'] as const;

/** Charts keep at most this many instants per series (a bucket shows its maximum). */
const MAX_POINTS = 1200;
/** Pools drawn one by one in the nodes chart (one per non-grey palette colour); the rest are added up as "other pools". */
const MAX_POOLS = 7;

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

/**
 * Pools by node-seconds, biggest first: the first MAX_POOLS get their own palette colour (in the nodes chart
 * and the cost chart alike), the rest are grey and drawn together as "other pools".
 */
function poolOrder(a: Aligned): { order: string[]; color: Map<string, string> } {
  const weight = new Map(a.pools.map((p, k) => [p, a.nodes[k]!.reduce((s, n, i) => s + n * ((a.ts[i + 1] ?? a.ts[i]!) - a.ts[i]!), 0)]));
  const order = [...a.pools].sort((x, y) => weight.get(y)! - weight.get(x)! || (x < y ? -1 : 1));
  return { order, color: new Map(order.map((p, i) => [p, i < MAX_POOLS ? PALETTE[i]! : PALETTE[7]])) };
}

function nodesChart(a: Aligned, unit: { unit: string; divisor: number }, pools: { order: string[]; color: Map<string, string> }): { svg: string; note: string } {
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
    points: d.xs.map((t, i) => [t / unit.divisor, d.columns[k]![i]!] as const),
    color: colors[k]!,
  }));
  const svg = lineChart({
    id: 'chart-nodes',
    title: 'Nodes per pool over time',
    description: `Stacked areas: the number of nodes in each of ${a.pools.length} pool(s) over simulated time.`,
    x: { label: `Simulated time (${unit.unit})`, min: 0 },
    y: { label: 'Nodes' },
    series,
    stacked: true,
    step: true,
  });
  const note = rest.length > 0 ? ` The ${rest.length} smallest pools are added up as "other pools".` : '';
  return { svg, note };
}

function utilizationChart(a: Aligned, unit: { unit: string; divisor: number }): { svg: string; hasGpu: boolean } {
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
    x: { label: `Simulated time (${unit.unit})`, min: 0 },
    y: { label: 'Requested / allocatable (%)', min: 0, max: 100, format: (v) => `${formatNumber(v)}%` },
    series: names.map((name, k) => ({ name, points: d.xs.map((t, i) => [t / unit.divisor, d.columns[k]![i]!] as const) })),
    step: true,
  });
  return { svg, hasGpu };
}

function pendingPodsChart(a: Aligned, unit: { unit: string; divisor: number }): string {
  const d = downsampleMax(a.ts, [a.pending], MAX_POINTS);
  return lineChart({
    id: 'chart-pending-pods',
    title: 'Pending pods over time',
    description: 'The number of pods waiting to be scheduled, cluster-wide, over simulated time.',
    x: { label: `Simulated time (${unit.unit})`, min: 0 },
    y: { label: 'Pending pods' },
    series: [{ name: 'Pending pods', points: d.xs.map((t, i) => [t / unit.divisor, d.columns[0]![i]!] as const), color: PALETTE[4] }],
    step: true,
  });
}

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
  const unit = timeUnit(end);
  const a = alignMetrics(result.metrics, end);
  const pools = poolOrder(a);
  const nodes = nodesChart(a, unit, pools);
  const util = utilizationChart(a, unit);
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
    figure(pendingPodsChart(a, unit), 'Figure 3. Pods waiting to be scheduled, cluster-wide.'),
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
