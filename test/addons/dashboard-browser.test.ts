// `drydock serve --dashboard` end to end in headless Chromium (Debian's chromium, driven with playwright-core;
// `.ci/install-chromium` installs it in CI, and without it these tests print one SKIP line): nodes grouped
// by pool with requested/allocatable, a pod that fits nowhere shown Pending with the scheduler's message, the
// same pod shown Running on a node added later without a reload, the explain view's filter results and
// scores, and 3000 nodes with only a screenful of rows in the DOM. The first test writes the screenshot the
// README shows (docs/dashboard.png, with DRYDOCK_UPDATE_SCREENSHOT=1).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2e, startChild, waitFor, type Scope } from '../apiserver/e2e-harness.js';
import { decodePng, findChromium } from '../report/browser.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
// The committed picture is rewritten only when asked (DRYDOCK_UPDATE_SCREENSHOT=1), so a test run leaves the
// checkout as it was; otherwise the screenshot goes to the temp dir and is checked there.
const SCREENSHOT = process.env['DRYDOCK_UPDATE_SCREENSHOT'] === '1'
  ? fileURLToPath(new URL('../../../docs/dashboard.png', import.meta.url))
  : join(tmpdir(), `drydock-dashboard-${process.pid}.png`);
const DASHBOARD_LINE = /^drydock dashboard at (http:\/\/127\.0\.0\.1:\d+\/dashboard\/)$/m;

/** Starts `drydock serve --dashboard --port 0 ...args` and returns the API server's URL and the page's. */
async function serve(scope: Scope, args: readonly string[]): Promise<{ url: string; page: string }> {
  const child = startChild(scope, process.execPath, [MAIN, 'serve', '--dashboard', '--port', '0', '--seed', '1', ...args]);
  let exited = false;
  void child.exited.then(() => (exited = true), () => (exited = true));
  await waitFor('the dashboard line', () => exited || DASHBOARD_LINE.test(child.stdout), 8_000);
  const m = DASHBOARD_LINE.exec(child.stdout);
  if (m === null) throw new Error(`drydock serve --dashboard did not start: stdout ${JSON.stringify(child.stdout)}, stderr ${JSON.stringify(child.stderr)}`);
  return { url: m[1]!.replace(/\/dashboard\/$/, ''), page: m[1]! };
}

async function post(url: string, path: string, body: object): Promise<void> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
}

function node(name: string, pool: string | undefined, capacity: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: pool !== undefined ? { 'drydock.io/nodepool': pool } : {} },
    status: { capacity: { pods: '110', ...capacity }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function pod(name: string, requests: Record<string, string>, nodeName?: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { ...(nodeName !== undefined ? { nodeName } : {}), containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests } }] },
  };
}

async function openBrowser(scope: Scope, executablePath: string): Promise<Browser> {
  // launch() runs Chromium with a fresh temporary profile of its own and removes it on close.
  const browser = await playwright.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
  });
  scope.defer(() => browser.close());
  return browser;
}

const text = (page: Page, selector: string) => page.locator(selector).first().textContent({ timeout: 5_000 });

/** The rows of a virtual list in display order (by their `top`), as "class-kind: first cell". */
async function rowsInOrder(page: Page, list: string): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('${list} .vrow')]
    .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    .map((r) => (r.classList.contains('pool-row') ? 'pool: ' : 'node: ') + r.children[0].textContent)`);
}

const chromiumPath = findChromium();
const browserSuite = suite('drydock serve --dashboard in headless Chromium');

if (chromiumPath === undefined) {
  console.log('SKIP test/addons/dashboard-browser.test.ts: chromium not found (/usr/bin/chromium or on PATH); run .ci/install-chromium to test the dashboard in a browser');
} else {
  e2e(browserSuite, 'nodes by pool with requested/allocatable; a pending pod with the scheduler\'s reason becomes Running on a new node without a reload; explain', async (scope) => {
    const s = await serve(scope, []);
    await post(s.url, '/api/v1/nodes', node('general-1', 'general', { cpu: '4', memory: '8Gi' }));
    await post(s.url, '/api/v1/nodes', node('general-2', 'general', { cpu: '4', memory: '8Gi' }));
    await post(s.url, '/api/v1/nodes', node('gpu-1', 'gpu', { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '2' }));
    await post(s.url, '/api/v1/nodes', node('edge-1', undefined, { cpu: '2', memory: '4Gi' }));
    await post(s.url, '/api/v1/namespaces/default/pods', pod('web-1', { cpu: '1500m', memory: '1Gi' }, 'general-1'));
    await post(s.url, '/api/v1/namespaces/default/pods', pod('web-2', { cpu: '500m', memory: '512Mi' }, 'general-1'));
    await post(s.url, '/api/v1/namespaces/default/pods', pod('train', { cpu: '2', memory: '8Gi', 'nvidia.com/gpu': '1' }, 'gpu-1'));

    const browser = await openBrowser(scope, chromiumPath);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const requests: string[] = [];
    const errors: string[] = [];
    let navigations = 0;
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    await page.goto(s.page);

    // general-1: cpu 1500m + 500m = 2 of 4 cores; memory 1Gi + 512Mi = 1.5 of 8 GiB; 2 of 110 pods.
    const g1 = '#nodes .node-row[data-node="general-1"]';
    await page.waitForSelector(`${g1} .c-cpu >> text="2 / 4"`, { timeout: 10_000 });
    assert.is(await text(page, `${g1} .c-mem`), '1.5 / 8');
    assert.is(await text(page, `${g1} .c-pods`), '2 / 110');
    // The general pool's header adds its two nodes: cpu 2 + 0 of 4 + 4 = 8; memory 1.5 of 16 GiB; 2 of 220 pods.
    const general = '#nodes .pool-row[data-pool="general"]';
    assert.is(await text(page, `${general} .c-cpu`), '2 / 8');
    assert.is(await text(page, `${general} .c-mem`), '1.5 / 16');
    assert.is(await text(page, `${general} .c-pods`), '2 / 220');
    // gpu-1: 1 of 2 GPUs, 2 of 8 cores, 8 of 32 GiB.
    assert.is(await text(page, '#nodes .node-row[data-node="gpu-1"] .c-gpu'), '1 / 2');
    assert.is(await text(page, '#nodes .node-row[data-node="gpu-1"] .c-mem'), '8 / 32');
    // Grouped: each pool's header, then its nodes by name; the node without a pool in its own group, last.
    assert.equal(await rowsInOrder(page, '#nodes'), [
      'pool: ▾ general · 2 nodes', 'node: general-1', 'node: general-2',
      'pool: ▾ gpu · 1 node', 'node: gpu-1',
      'pool: ▾ (no pool) · 1 node', 'node: edge-1',
    ]);
    await page.evaluate('window.__notReloaded = true');

    // 6 cores and 40Gi fit no node (general 4 cores / 8Gi, gpu 8 cores / 32Gi, edge 2 cores / 4Gi).
    await post(s.url, '/api/v1/namespaces/default/pods', pod('big', { cpu: '6', memory: '40Gi' }));
    const pending = '#pending .pending-row[data-pod="default/big"]';
    await page.waitForSelector(`${pending} .c-reason >> text=/^0\\/4 nodes are available: /`, { timeout: 10_000 });
    const reason = (await text(page, `${pending} .c-reason`)) ?? '';
    // kube-scheduler's FitError message: general-1/2 and edge-1 lack cpu, all four lack memory.
    assert.match(reason, /^0\/4 nodes are available: 3 Insufficient cpu, 4 Insufficient memory\./);
    assert.is(await text(page, '#pods .pod-row[data-pod="default/big"] .c-phase'), 'Pending');
    assert.is(await text(page, '#pods .pod-row[data-pod="default/big"] .c-node'), '—');

    // What a cluster autoscaler would record on the pod; drydock serve runs none, so the test records it.
    await post(s.url, '/api/v1/namespaces/default/events', {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'big.scaleup' },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'big' },
      reason: 'TriggeredScaleUp', message: 'pod triggered scale-up: [{highmem 0->1 (max: 3)}]', type: 'Normal',
      source: { component: 'cluster-autoscaler' }, count: 1, firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    await page.waitForSelector('#autoscaler .as-row .c-as-reason >> text="TriggeredScaleUp"', { timeout: 10_000 });
    assert.is(await text(page, '#autoscaler .as-row .c-obj'), 'Pod default/big');
    // The README's picture: the pending pod with its reason and the autoscaler's decision about it, once the
    // bound pods run and the chart has a sample with the nodes in it (the GPU line needs gpu-1's GPUs).
    await page.waitForSelector('#pods .pod-row[data-pod="default/web-1"] .c-phase >> text="Running"', { timeout: 10_000 });
    await page.waitForSelector('#chart path.line[data-series="GPU"]', { timeout: 10_000 });
    const png = await page.screenshot({ path: SCREENSHOT });
    const shot = decodePng(Buffer.from(png));
    assert.equal([shot.width, shot.height], [1280, 800]);

    // The status ConfigMap an autoscaler writes (serve runs none, so the test writes a short one): hidden until
    // it exists, then folded to one line read from its YAML, the document itself under it.
    assert.is(await page.evaluate('document.getElementById("autoscaler-status").hidden'), true);
    const statusText = 'time: 2026-01-01 00:00:10 +0000 UTC\nautoscalerStatus: Running\nclusterWide:\n  health:\n    status: Healthy\n  scaleUp:\n    status: InProgress\n  scaleDown:\n    status: NoCandidates\nnodeGroups:\n- name: highmem\n';
    await post(s.url, '/api/v1/namespaces/kube-system/configmaps', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-autoscaler-status', annotations: { 'cluster-autoscaler.kubernetes.io/last-updated': '2026-01-01 00:00:10 +0000 UTC' } }, data: { status: statusText },
    });
    await page.waitForSelector('#autoscaler-status:not([hidden])', { timeout: 10_000 });
    assert.is(await text(page, '#autoscaler-status-summary'), 'cluster-autoscaler-status: health Healthy · scale-up InProgress · scale-down NoCandidates · 1 node group · updated 2026-01-01 00:00:10 +0000 UTC');
    assert.is(await page.evaluate('document.getElementById("autoscaler-status-text").textContent'), statusText);

    // A node that fits: the scheduler binds the pod, the kubelet starts it, and the page follows its stream.
    await post(s.url, '/api/v1/nodes', node('highmem-1', 'highmem', { cpu: '16', memory: '64Gi' }));
    const bigRow = '#pods .pod-row[data-pod="default/big"]';
    await page.waitForSelector(`${bigRow} .c-phase >> text="Running"`, { timeout: 10_000 });
    assert.is(await text(page, `${bigRow} .c-node`), 'highmem-1');
    assert.is(await page.locator(pending).count(), 0, 'no longer pending');
    // highmem-1: 6 of 16 cores, 40 of 64 GiB.
    assert.is(await text(page, '#nodes .node-row[data-node="highmem-1"] .c-cpu'), '6 / 16');
    assert.is(await text(page, '#nodes .node-row[data-node="highmem-1"] .c-mem'), '40 / 64');
    assert.is(await page.evaluate('window.__notReloaded === true'), true, 'the same page, updated in place');
    assert.is(navigations, 1);
    // The utilisation chart, drawn by the report's chart code in the page: CPU, memory and (gpu-1 has GPUs) GPU.
    assert.equal(await page.evaluate('[...document.querySelectorAll("#chart svg#chart-utilization path.line")].map((p) => p.getAttribute("data-series"))'), ['CPU', 'Memory', 'GPU']);

    // Explain "big" (bound to highmem-1): as if pending now, without its own 6 cores and 40Gi.
    await page.click(`${bigRow} button.explain`);
    await page.waitForSelector('#explain.open .ex-row[data-node="highmem-1"]', { timeout: 10_000 });
    assert.match((await text(page, '#explain-summary')) ?? '', /^selected node: highmem-1\n1 of 5 nodes feasible\n\(the pod is bound to highmem-1;/);
    assert.is(await text(page, '#explain .ex-row[data-node="general-1"] .c-result'), 'Insufficient cpu; Insufficient memory');
    assert.is(await text(page, '#explain .ex-row[data-node="gpu-1"] .c-result'), 'Insufficient memory');
    // NodeResourcesFit (LeastAllocated, weight 1) on highmem-1: cpu (16000 − 6000) · 100 / 16000 = 62,
    // memory (64Gi − 40Gi) · 100 / 64Gi = 37 (integer division); (62 + 37) / 2 = 49.
    assert.is(await text(page, '#explain .ex-row[data-node="highmem-1"] .c-score[title^="NodeResourcesFit:"]'), '49');
    assert.is(await page.locator('#explain .ex-row[data-node="highmem-1"] .c-score[title^="NodeResourcesFit:"]').getAttribute('title'), 'NodeResourcesFit: raw 49, normalized 49, weighted 49');

    assert.equal(errors, [], 'no script errors');
    const foreign = requests.filter((u) => !u.startsWith(`${s.url}/`) && !u.startsWith('data:'));
    assert.equal(foreign, [], 'every request went to drydock');
  }, 60_000);

  e2e(browserSuite, '3000 nodes: only a bounded number of rows exist in the DOM, at the top and scrolled to the end; a change to the last node shows', async (scope) => {
    const s = await serve(scope, ['--no-kubelets']);
    const names = Array.from({ length: 3000 }, (_, i) => `n-${String(i).padStart(4, '0')}`);
    // Three pools of 1000; eight creations in flight at a time.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < names.length) {
          const i = next++;
          await post(s.url, '/api/v1/nodes', node(names[i]!, ['alpha', 'beta', 'gamma'][Math.floor(i / 1000)], { cpu: '4', memory: '16Gi' }));
        }
      }),
    );
    const browser = await openBrowser(scope, chromiumPath);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(s.page);
    await page.waitForSelector('#summary >> text=/^3000 nodes/', { timeout: 20_000 });
    await page.waitForSelector('#nodes .node-row[data-node="n-0000"]');
    // 3000 node rows + 3 pool headers, 24 px each: the spacer is 3003 · 24 = 72072 px tall.
    assert.is(await page.evaluate('document.querySelector("#nodes .vspacer").style.height'), '72072px');
    const rows = (): Promise<number> => page.evaluate('document.querySelectorAll("#nodes .vrow").length') as Promise<number>;
    const height = (await page.evaluate('document.getElementById("nodes").clientHeight')) as number;
    // In view: ceil(height / 24) rows, plus 8 of overscan below (none above at the top).
    const atTop = await rows();
    assert.is(atTop, Math.ceil(height / 24) + 8);
    assert.ok(atTop < 100, `${atTop} rows in the DOM for 3003 items`);

    await page.evaluate('document.getElementById("nodes").scrollTop = 1e9');
    await page.waitForSelector('#nodes .node-row[data-node="n-2999"]', { timeout: 5_000 });
    const atEnd = await rows();
    assert.ok(atEnd <= Math.ceil(height / 24) + 2 * 8 + 1 && atEnd > 8, `${atEnd} rows at the end`);
    assert.is(await page.locator('#nodes .node-row[data-node="n-0000"]').count(), 0, 'the first rows are gone from the DOM');

    await post(s.url, '/api/v1/namespaces/default/pods', pod('last', { cpu: '1', memory: '2Gi' }, 'n-2999'));
    await page.waitForSelector('#nodes .node-row[data-node="n-2999"] .c-cpu >> text="1 / 4"', { timeout: 10_000 });
    assert.is(await text(page, '#summary'), '3000 nodes · 1 pod · 0 pending');
  }, 90_000);
}

browserSuite.run();
