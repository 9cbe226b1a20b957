// The comparison page of `drydock compare --report`: every chart present, one scatter point per configuration
// at the right place, nothing fetched from the network, deterministic bytes, and drawn by headless Chromium
// when one is installed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COMPARE_CHART_IDS, renderCompareReport, scatterChart, type CompareReportConfiguration } from '../../src/report/index.js';
import type { MetricsSample } from '../../src/sim/types.js';
import { makeSummary, sample } from '../compare/fixtures.js';
import { findChromium, runChromium } from './browser.js';

/** An hour of samples every 10 min: `base` nodes, one more in the middle 20 minutes; a GPU pool for "gpu <a&b>". */
function metrics(base: number, gpu: boolean): MetricsSample[] {
  const out: MetricsSample[] = [];
  for (let t = 0; t < 3600; t += 600) {
    out.push(sample(t, 'general', base + (t >= 1200 && t < 2400 ? 1 : 0), t === 1200 ? 4 : 0));
    if (gpu) out.push({ ...sample(t, 'gpu', 1), gpuRequested: t < 1800 ? 1 : 0, gpuAllocatable: 1 });
  }
  return out;
}

/** Three configurations: cheap-slow (30 USD, p99 400 s), mid (50 USD, p99 90 s), pricey-fast (80 USD, p99 20 s). */
function configurations(): CompareReportConfiguration[] {
  const c = (name: string, cost: number, p99: number, base: number, meetsSlo: boolean): CompareReportConfiguration => ({
    name,
    poolsFile: `pools/${name}.yaml`,
    summary: makeSummary({ cost, p99 }),
    metrics: metrics(base, name !== 'cheap-slow'),
    peakNodes: { general: base + 1 },
    meetsSlo,
  });
  return [c('cheap-slow', 30, 400, 2, false), c('mid <a&b>', 50, 90, 3, true), c('pricey-fast', 80, 20, 5, true)];
}

const verdict = { cheapest: 1, line: 'cheapest that meets the SLO (p99 pending ≤ 120s): mid <a&b> at 50.00 USD; missing it: cheap-slow p99 pending 400.0s > 120s' };

const page = suite('renderCompareReport');

page('has every chart as an <svg> with a title and drawn data, and the table with the chosen row', () => {
  const html = renderCompareReport(configurations(), verdict, { title: 'Compare <3>', p99PendingLimit: 120 });
  for (const id of COMPARE_CHART_IDS) {
    const m = new RegExp(`<svg id="${id}"[^>]*>(.*?)</svg>`, 's').exec(html);
    assert.ok(m, `chart ${id} present`);
    assert.match(m[1]!, /<title id="[^"]+-title">[^<]+<\/title>/, `${id} has a title`);
    if (id !== 'chart-cost-p99') {
      const ds = [...m[1]!.matchAll(/<path class="line" data-series="([^"]+)"[^>]* d="([^"]*)"/g)];
      assert.equal(ds.map((d) => d[1]), ['cheap-slow', 'mid &lt;a&amp;b&gt;', 'pricey-fast'], `${id}: one line per configuration, in order`);
      assert.ok(ds.every((d) => d[2]!.length > 10), `${id}: lines have points`);
    }
  }
  assert.ok(html.includes('<title>Compare &lt;3&gt;</title>'));
  assert.not.ok(html.includes('mid <a&b>'), 'names escaped everywhere');
  assert.is(html.match(/<tr class="chosen">/g)?.length, 1);
  assert.match(html, /<tr class="chosen"><td>\*<\/td><td>mid &lt;a&amp;b&gt;<\/td>/);
  assert.ok(html.includes('<p class="verdict">* cheapest that meets the SLO'), 'the verdict sentence');
});

page('the scatter has one point per configuration, placed by cost across and p99 pending up', () => {
  const html = renderCompareReport(configurations(), verdict, { title: 't', p99PendingLimit: 120 });
  const svg = /<svg id="chart-cost-p99".*?<\/svg>/s.exec(html)![0];
  const points = [...svg.matchAll(/<circle class="point" data-series="([^"]+)" cx="([\d.]+)" cy="([\d.]+)" r="(\d+)" fill="([^"]+)"/g)].map((m) => ({
    name: m[1]!, cx: Number(m[2]), cy: Number(m[3]), r: Number(m[4]), fill: m[5]!,
  }));
  assert.is(points.length, 3);
  // Cost 30 < 50 < 80: left to right. p99 400 > 90 > 20: SVG y grows downward, so top to bottom.
  assert.ok(points[0]!.cx < points[1]!.cx && points[1]!.cx < points[2]!.cx, 'x by cost');
  assert.ok(points[0]!.cy < points[1]!.cy && points[1]!.cy < points[2]!.cy, 'y by p99');
  // x is linear in cost from the axis origin 0: (50 − 30) / (80 − 30) of the way from the first to the last.
  const share = (points[1]!.cx - points[0]!.cx) / (points[2]!.cx - points[0]!.cx);
  assert.ok(Math.abs(share - 20 / 50) < 0.01, `share ${share}`);
  assert.equal(points.map((p) => p.r), [6, 8, 6], 'the chosen configuration is drawn larger');
  assert.is(points[0]!.fill, '#ffffff', 'cheap-slow misses the SLO: hollow');
  assert.match(svg, /<line class="guide"[^>]*\/><text[^>]*>SLO: p99 pending ≤ 120 s<\/text>/);
});

page('needs no network: no http(s) or protocol-relative reference besides the SVG namespace, no script', () => {
  const html = renderCompareReport(configurations(), verdict, { title: 't' }).replaceAll('xmlns="http://www.w3.org/2000/svg"', '');
  assert.not.match(html, /https?:/i);
  assert.not.match(html, /(?:src|href|url\()\s*=?\s*["']?\/\//i);
  assert.not.match(html, /<script|<link|<img|<iframe|@import/i);
});

page('is deterministic: the same results render to the same bytes', () => {
  assert.is(renderCompareReport(configurations(), verdict, { title: 't' }), renderCompareReport(configurations(), verdict, { title: 't' }));
});

page('scatterChart: the axes reach past a guide above every point; no points draws "No data"', () => {
  // Points up to p99 90, guide at 300: the y ticks must reach 300.
  const svg = scatterChart({ id: 's', title: 't', x: { label: 'x' }, y: { label: 'y' }, points: [{ name: 'a', x: 1, y: 90 }], guides: [{ axis: 'y', value: 300, label: 'limit' }] });
  const yTicks = [...svg.matchAll(/<text x="58" y="[\d.]+" text-anchor="end"[^>]*>([\d,.]+)<\/text>/g)].map((m) => Number(m[1]!.replace(/,/g, '')));
  assert.ok(Math.max(...yTicks) >= 300, `y ticks ${yTicks.join(' ')}`);
  assert.ok(scatterChart({ id: 'e', title: 't', x: { label: 'x' }, y: { label: 'y' }, points: [] }).includes('No data'));
});

const chromium = findChromium();
const browser = suite('the comparison page in headless Chromium');

if (chromium === undefined) {
  console.log('SKIP test/report/compare-html.test.ts: chromium not found (/usr/bin/chromium or on PATH); run .ci/install-chromium to render the page in a browser');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-compare-report-'));
  browser.after(() => rmSync(dir, { recursive: true, force: true }));

  browser('lays out every chart, each scatter point inside its plot and each line with geometry', () => {
    const probe = `<script>
      const out = {};
      for (const svg of document.querySelectorAll('svg.chart')) {
        const box = svg.getBoundingClientRect();
        const points = [...svg.querySelectorAll('circle.point')].map((c) => { const b = c.getBoundingClientRect(); return { w: b.width, x: b.left + b.width / 2, inside: b.left >= box.left && b.right <= box.right && b.top >= box.top && b.bottom <= box.bottom }; });
        const lines = [...svg.querySelectorAll('path.line')];
        out[svg.id] = { w: box.width, h: box.height, ns: svg.namespaceURI, points, lines: lines.length, drawn: lines.filter((p) => p.getTotalLength() > 0).length };
      }
      const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out); document.body.append(pre);
    </script>`;
    const file = join(dir, 'probe.html');
    writeFileSync(file, renderCompareReport(configurations(), verdict, { title: 'Browser check', p99PendingLimit: 120 }).replace('</body>', `${probe}</body>`));
    const r = runChromium(chromium, ['--dump-dom', pathToFileURL(file).href]);
    assert.is(r.status, 0, `chromium exited ${r.status}: ${r.stderr.slice(-500)}`);
    const m = /<pre id="probe">(.*?)<\/pre>/s.exec(r.stdout);
    assert.ok(m, 'probe output in the dumped DOM');
    type Chart = { w: number; h: number; ns: string; points: { w: number; x: number; inside: boolean }[]; lines: number; drawn: number };
    const measured = JSON.parse(m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Record<string, Chart>;
    for (const id of COMPARE_CHART_IDS) {
      const c = measured[id];
      assert.ok(c, `${id} in the DOM`);
      assert.is(c.ns, 'http://www.w3.org/2000/svg', `${id} parsed as SVG`);
      assert.ok(c.w > 300 && c.h > 100, `${id} laid out (${c.w}×${c.h})`);
      if (id === 'chart-cost-p99') {
        assert.is(c.points.length, 3, 'one circle per configuration');
        // Drawn (the page may scale the SVG down), inside the chart, and left to right by cost (30, 50, 80 USD).
        assert.ok(c.points.every((p) => p.w > 5 && p.inside), JSON.stringify(c.points));
        assert.ok(c.points[0]!.x < c.points[1]!.x && c.points[1]!.x < c.points[2]!.x, JSON.stringify(c.points));
      } else {
        assert.ok(c.lines === 3 && c.drawn === 3, `${id}: ${c.drawn} of ${c.lines} lines drawn`);
      }
    }
  });
}

page.run();
browser.run();
