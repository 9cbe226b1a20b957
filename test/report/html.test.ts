// The HTML report: every chart present, nothing fetched from the network, deterministic bytes, and drawn by a
// real browser (Debian's chromium, headless) when one is installed (`.ci/install-chromium` installs it in CI).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { barChart, CHART_IDS, lineChart, niceTicks, renderReport } from '../../src/report/index.js';
import { buildSummary } from '../../src/report/summary.js';
import type { MetricsSample, PodRecord, SimulationResult } from '../../src/sim/types.js';
import { decodePng, findChromium, runChromium } from './browser.js';

/** Two hours of a small cluster: pools "general" and "gpu <a&b>" (a name that needs escaping), a burst of pods at 30 min. */
function sampleResult(): SimulationResult {
  const end = 7200;
  const placements: PodRecord[] = [];
  for (let i = 0; i < 200; i++) {
    const created = i < 100 ? i * 10 : 1800 + (i - 100);
    const wait = i % 10 === 0 ? 240 : (i * 7) % 30;
    const scheduled = i % 50 === 49 ? undefined : created + wait;
    placements.push({
      pod: `pod-${i}`,
      namespace: 'default',
      ...(scheduled !== undefined ? { node: `n-${i % 6}`, pool: i % 4 === 0 ? 'gpu <a&b>' : 'general', scheduled, started: scheduled + 2 } : {}),
      created,
      phase: scheduled === undefined ? 'Pending' : 'Running',
    });
  }
  const metrics: MetricsSample[] = [];
  for (let t = 0; t <= end - 60; t += 60) {
    const burst = t >= 1800 && t < 2700;
    const gen = 2 + (burst ? 4 : 0) + (t > 4000 ? 1 : 0);
    const gpu = t < 600 ? 0 : 1 + (burst ? 1 : 0);
    const pending = burst ? Math.max(0, 40 - (t - 1800) / 30) : t % 600 === 0 ? 3 : 0;
    metrics.push({ t, pool: 'general', nodes: gen, cpuRequested: gen * 1.4, cpuAllocatable: gen * 1.9, memoryRequested: gen * 3e9, memoryAllocatable: gen * 7e9, gpuRequested: 0, gpuAllocatable: 0, pendingPods: pending });
    metrics.push({ t, pool: 'gpu <a&b>', nodes: gpu, cpuRequested: gpu * 4, cpuAllocatable: gpu * 7.5, memoryRequested: gpu * 20e9, memoryAllocatable: gpu * 60e9, gpuRequested: gpu * 3, gpuAllocatable: gpu * 4, pendingPods: pending });
  }
  const summary = buildSummary({
    placements,
    metrics,
    simulatedSeconds: end,
    wallSeconds: 0.5,
    seed: 7,
    inputs: [{ file: 'workload.csv', sha256: 'ab'.repeat(32) }],
    pricePerHour: { general: 0.096, 'gpu <a&b>': 3.06 },
    autoscaler: { scaleUps: 3, scaleDowns: 2, nodesAdded: 6, nodesRemoved: 5 },
  });
  return { summary, placements, events: [], metrics };
}

const html = suite('renderReport');

html('contains every chart as an <svg> with an id, a <title> and drawn path data', () => {
  const page = renderReport(sampleResult(), { title: 'Simulation <report>' });
  for (const id of CHART_IDS) {
    const m = new RegExp(`<svg id="${id}"[^>]*>(.*?)</svg>`, 's').exec(page);
    assert.ok(m, `chart ${id} present`);
    assert.match(m[1]!, /<title id="[^"]+-title">[^<]+<\/title>/, `${id} has a title`);
    assert.ok(/class="axis-label"/.test(m[1]!), `${id} has an axis label`);
    const ds = [...m[1]!.matchAll(/<path class="(?:line|band|bar)"[^>]* d="([^"]*)"/g)].map((x) => x[1]!);
    assert.ok(ds.length > 0 && ds.every((d) => d.length > 3), `${id} has non-empty paths`);
  }
  assert.ok(page.includes('<title>Simulation &lt;report&gt;</title>'), 'title escaped');
  assert.ok(page.includes('gpu &lt;a&amp;b&gt;'), 'pool name escaped');
  assert.not.ok(page.includes('gpu <a&b>'), 'no raw pool name');
  // Axis labels carry units.
  assert.ok(page.includes('Simulated time (min)'), '7200 s spans < 3 h, so minutes');
  assert.ok(page.includes('Cost (USD)'));
  // One figure caption per chart.
  assert.is(page.match(/<figcaption>/g)?.length, CHART_IDS.length);
});

html('needs no network: no http:, https: or protocol-relative reference besides the SVG namespace, no script', () => {
  const page = renderReport(sampleResult(), { title: 'r' }).replaceAll('xmlns="http://www.w3.org/2000/svg"', '');
  assert.not.match(page, /https?:/i);
  assert.not.match(page, /(?:src|href|url\()\s*=?\s*["']?\/\//i);
  assert.not.match(page, /["'(]\/\//);
  assert.not.match(page, /<script|<link|<img|<iframe|@import/i);
});

html('is deterministic: the same result renders to the same bytes', () => {
  assert.is(renderReport(sampleResult(), { title: 't' }), renderReport(sampleResult(), { title: 't' }));
});

html('renders an empty run (no pods, no metrics) with "No data" instead of failing', () => {
  const r = sampleResult();
  const empty: SimulationResult = { summary: { ...r.summary, nodeHours: { total: 0, byPool: {} }, cost: { total: 0, byPool: {}, currency: 'USD' } }, placements: [], events: [], metrics: [] };
  const page = renderReport(empty, { title: 'empty' });
  for (const id of CHART_IDS) assert.ok(page.includes(`<svg id="${id}"`), id);
  assert.ok((page.match(/No data/g)?.length ?? 0) >= 4);
});

html('more than 7 pools: the 7 biggest keep their colours, the rest are one grey "other pools" band', () => {
  const r = sampleResult();
  // Pool pK has K + 1 nodes for the whole run, so p9..p3 are the biggest seven and p0, p1, p2 are "other".
  const metrics: MetricsSample[] = Array.from({ length: 10 }, (_, k) => ({
    t: 0, pool: `p${k}`, nodes: k + 1, cpuRequested: 1, cpuAllocatable: 2, memoryRequested: 1, memoryAllocatable: 2, gpuRequested: 0, gpuAllocatable: 0, pendingPods: 0,
  }));
  const page = renderReport({ ...r, metrics }, { title: 'pools' });
  const nodesSvg = /<svg id="chart-nodes".*?<\/svg>/s.exec(page)![0];
  const bands = [...nodesSvg.matchAll(/class="band" data-series="([^"]+)"[^>]* fill="(#[0-9A-F]+)"/g)].map((m) => [m[1], m[2]]);
  assert.equal(bands.map((b) => b[0]), ['p9', 'p8', 'p7', 'p6', 'p5', 'p4', 'p3', 'other pools (3)']);
  assert.is(bands[7]![1], '#999999');
  assert.is(new Set(bands.map((b) => b[1])).size, 8, 'eight distinct colours');
});

const charts = suite('chart builders');

charts('niceTicks picks 1/2/5 steps that cover the range', () => {
  assert.equal(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]); // raw step 10/5 = 2
  assert.equal(niceTicks(0, 7), [0, 2, 4, 6, 8]); // raw 1.4 → 2; 8 covers 7
  assert.equal(niceTicks(0, 100), [0, 20, 40, 60, 80, 100]);
  assert.equal(niceTicks(0, 0.3), [0, 0.1, 0.2, 0.3]); // raw 0.06 → 0.1
  assert.equal(niceTicks(0, 0), [0, 0.2, 0.4, 0.6, 0.8, 1]); // empty range widened to [0, 1]
});

charts('a stacked step chart puts each band on top of the one below', () => {
  // Two series of one point each at x=0..1: a = 1, b = 2 ⇒ b's band spans 1..3 on a 0..3 (ticks to 3) axis.
  const svg = lineChart({
    id: 'c', title: 't', x: { label: 'x', min: 0, max: 1 }, y: { label: 'y', max: 3 }, stacked: true, step: true,
    series: [{ name: 'a', points: [[0, 1], [1, 1]] }, { name: 'b', points: [[0, 2], [1, 2]] }],
    width: 264, height: 300,
  });
  // With no legend offset the plot is x 64..244, y 16+legend..; just check b's top is above a's top.
  const tops = [...svg.matchAll(/class="band" data-series="(\w)" d="M([\d.]+),([\d.]+)/g)].map((m) => [m[1], Number(m[3])] as const);
  assert.is(tops.length, 2);
  assert.ok(tops[1]![1] < tops[0]![1], 'b (stacked to 3) is drawn higher than a (1)');
  assert.ok(barChart({ id: 'b', title: 't', x: { label: 'v' }, bars: [{ label: 'p', value: 2 }] }).includes('class="bar"'));
});

// ---- a real browser -------------------------------------------------------------------------------------

const chromium = findChromium();
const browser = suite('the report in headless Chromium');

if (chromium === undefined) {
  console.log('SKIP test/report/html.test.ts: chromium not found (/usr/bin/chromium or on PATH); run .ci/install-chromium to render the report in a browser');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-report-'));
  const page = renderReport(sampleResult(), { title: 'Browser check' });
  browser.after(() => rmSync(dir, { recursive: true, force: true }));

  browser('lays out every chart with drawn geometry (measured in the page by a probe script added to a copy)', () => {
    // The report has no script; the test appends one to a copy that measures what the browser drew.
    const probe = `<script>
      const out = {};
      for (const svg of document.querySelectorAll('svg.chart')) {
        const box = svg.getBoundingClientRect();
        const paths = [...svg.querySelectorAll('path.line, path.band, path.bar')];
        out[svg.id] = { w: box.width, h: box.height, ns: svg.namespaceURI, paths: paths.length,
          drawn: paths.filter((p) => { const b = p.getBBox(); return p.getTotalLength() > 0 && (b.width > 0 || b.height > 0); }).length };
      }
      const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out); document.body.append(pre);
    </script>`;
    const file = join(dir, 'probe.html');
    writeFileSync(file, page.replace('</body>', `${probe}</body>`));
    const r = runChromium(chromium, ['--dump-dom', pathToFileURL(file).href]);
    assert.is(r.status, 0, `chromium exited ${r.status}: ${r.stderr.slice(-500)}`);
    const m = /<pre id="probe">(.*?)<\/pre>/s.exec(r.stdout);
    assert.ok(m, 'probe output in the dumped DOM');
    const measured = JSON.parse(m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Record<string, { w: number; h: number; ns: string; paths: number; drawn: number }>;
    for (const id of CHART_IDS) {
      const c = measured[id];
      assert.ok(c, `${id} in the DOM`);
      assert.is(c.ns, 'http://www.w3.org/2000/svg', `${id} parsed as SVG`);
      assert.ok(c.w > 300 && c.h > 100, `${id} laid out (${c.w}×${c.h})`);
      assert.ok(c.paths > 0 && c.drawn === c.paths, `${id}: ${c.drawn} of ${c.paths} data paths have geometry`);
    }
  });

  browser('a screenshot of the report is not blank and shows the series colours', () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, page);
    const shot = join(dir, 'shot.png');
    const r = runChromium(chromium, [`--screenshot=${shot}`, '--window-size=900,2400', pathToFileURL(file).href]);
    assert.ok(existsSync(shot), `screenshot written (exit ${r.status}: ${r.stderr.slice(-300)})`);
    const { width, height, rgba } = decodePng(readFileSync(shot));
    assert.is(width, 900);
    let nonBackground = 0, blue = 0, orange = 0;
    for (let i = 0; i < width * height * 4; i += 4) {
      const [r8, g8, b8] = [rgba[i]!, rgba[i + 1]!, rgba[i + 2]!];
      if (!(r8 > 240 && g8 > 240 && b8 > 240)) nonBackground++;
      // PALETTE[0] #0072B2 and PALETTE[1] #E69F00, allowing for antialiasing and the bands' 0.85 opacity.
      if (r8 < 60 && Math.abs(g8 - 0x72) < 40 && Math.abs(b8 - 0xb2) < 40) blue++;
      if (r8 > 200 && Math.abs(g8 - 0x9f) < 40 && b8 < 70) orange++;
    }
    // A blank page has no non-background pixels; text alone is well under 1 %, the charts fill far more.
    assert.ok(nonBackground / (width * height) > 0.02, `non-background share ${(nonBackground / (width * height)).toFixed(3)}`);
    assert.ok(blue > 500, `blue pixels: ${blue}`);
    assert.ok(orange > 500, `orange pixels: ${orange}`);
  });
}

html.run();
charts.run();
browser.run();
