// The dashboard mounted on the API server's HTTP listener (src/apiserver/http.ts HttpMount): which routes
// need a token, what the page may load (only drydock's own modules, the report's chart modules among them),
// the event stream's first event, and the explain endpoint's answers for good and bad queries.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadModules, startDashboard, type Snapshot } from '../../src/addons/dashboard/index.js';
import { ApiServer } from '../../src/apiserver/apiserver.js';
import { readTokenFile, tokenAuthenticator } from '../../src/apiserver/auth.js';
import { startHttpServer } from '../../src/apiserver/http.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import { openEmbeddedStore } from '../../src/store/embedded.js';
import { systemClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';
import { e2e, tempDir, type Scope } from '../apiserver/e2e-harness.js';

async function serveWithDashboard(scope: Scope, withToken: boolean) {
  const { store } = openEmbeddedStore({ clock: systemClock });
  const api = new ApiServer({ store, clock: systemClock, rng: seededRng(7) });
  scope.defer(() => store.close());
  scope.defer(() => api.close());
  await api.bootstrap();
  const informers = new SharedInformerFactory(api);
  scope.defer(() => informers.stop());
  const dashboard = await startDashboard({ api, informers, clock: systemClock, rng: seededRng(8) });
  scope.defer(() => dashboard.stop());
  let authenticator;
  if (withToken) {
    const file = join(tempDir(scope), 'tokens.csv');
    writeFileSync(file, 'secret-token,alice,1\n');
    authenticator = tokenAuthenticator(readTokenFile(file));
  }
  const running = await startHttpServer({ api, host: '127.0.0.1', port: 0, mounts: [dashboard.mount], ...(authenticator !== undefined ? { authenticator } : {}) });
  scope.defer(() => running.close());
  return { api, url: running.url };
}

const get = (url: string, token?: string) => fetch(url, { headers: token !== undefined ? { Authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(3_000), redirect: 'manual' });

/** Reads the first server-sent event of the stream, then drops the connection. */
async function firstEvent(url: string, token?: string): Promise<{ event: string; data: string }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: token !== undefined ? { Authorization: `Bearer ${token}` } : {}, signal: controller.signal });
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  while (!buf.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
  }
  controller.abort();
  const block = buf.slice(0, buf.indexOf('\n\n'));
  const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
  const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
  return { event, data };
}

const http = suite('dashboard over HTTP');

e2e(http, 'without --token-file: the page, its modules, the stream and explain; /dashboard redirects to /dashboard/', async (scope) => {
  const s = await serveWithDashboard(scope, false);
  const redirect = await get(`${s.url}/dashboard`);
  assert.is(redirect.status, 301);
  assert.is(redirect.headers.get('location'), '/dashboard/');
  const page = await get(`${s.url}/dashboard/`);
  assert.is(page.status, 200);
  // The page may reach only its own origin (and inline styles): Content-Security-Policy says so to the browser.
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self';.*connect-src 'self'/);
  const html = await page.text();
  const entry = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
  assert.is(entry, 'js/addons/dashboard/client/main.js');
  assert.not.match(html, /(?:src|href)="(?:https?:)?\/\//, 'nothing from another origin');
  const js = await get(`${s.url}/dashboard/${entry}`);
  assert.is(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
  // The report's chart modules are served next to it: the page draws with the same code as `simulate --report`.
  for (const m of ['report/charts.js', 'report/metric-charts.js']) assert.is((await get(`${s.url}/dashboard/js/${m}`)).status, 200, m);
  assert.is((await get(`${s.url}/dashboard/js/cli/main.js`)).status, 404, 'only the page\'s own modules');
  assert.is((await get(`${s.url}/dashboard/js/../../package.json`)).status, 404);

  await s.api.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'drydock.io/nodepool': 'general' } }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } });
  await new Promise((r) => setTimeout(r, 100));
  const first = await firstEvent(`${s.url}/dashboard/api/stream`);
  assert.is(first.event, 'snapshot');
  const snap = JSON.parse(first.data) as Snapshot;
  assert.equal(snap.nodes.map((n) => [n.name, n.pool, n.allocatable.cpu]), [['n1', 'general', 4000]]);

  const missing = await get(`${s.url}/dashboard/api/explain?namespace=default`);
  assert.is(missing.status, 400);
  assert.match(((await missing.json()) as { message: string }).message, /the query parameter "pod" .* is required/);
  const unknown = await get(`${s.url}/dashboard/api/explain?namespace=default&pod=nope`);
  assert.is(unknown.status, 404);
  assert.is(((await unknown.json()) as { message: string }).message, 'pods "nope" not found');
  assert.is((await get(`${s.url}/dashboard/nothing-here`)).status, 404);
  assert.is((await fetch(`${s.url}/dashboard/api/stream`, { method: 'POST', signal: AbortSignal.timeout(3_000) })).status, 405);
});

e2e(http, 'with a token file: the page and its modules load without a token; the stream and explain need one (401 without)', async (scope) => {
  const s = await serveWithDashboard(scope, true);
  assert.is((await get(`${s.url}/dashboard/`)).status, 200);
  assert.is((await get(`${s.url}/dashboard/js/addons/dashboard/client/main.js`)).status, 200);
  assert.is((await get(`${s.url}/dashboard/js/cli/main.js`)).status, 401, 'a path that is not a page module is not public');
  assert.is((await get(`${s.url}/dashboard/api/stream`)).status, 401);
  assert.is((await get(`${s.url}/dashboard/api/explain?pod=x`)).status, 401);
  assert.is((await get(`${s.url}/dashboard/api/explain?pod=x`, 'wrong')).status, 401);
  assert.is((await get(`${s.url}/dashboard/api/explain?pod=x`, 'secret-token')).status, 404, 'authenticated: the pod is looked up');
  assert.is((await firstEvent(`${s.url}/dashboard/api/stream`, 'secret-token')).event, 'snapshot');
  // The Kubernetes API behind the same port still wants the token.
  assert.is((await get(`${s.url}/api/v1/nodes`)).status, 401);
});

http('the page\'s modules are the entry and everything it imports, all inside the compiled src/ folder', () => {
  const srcRoot = fileURLToPath(new URL('../../src/', import.meta.url));
  const modules = [...loadModules(srcRoot, 'addons/dashboard/client/main.js').keys()].sort();
  assert.equal(modules, [
    'addons/dashboard/client/format.js',
    'addons/dashboard/client/main.js',
    'addons/dashboard/client/virtual-list.js',
    'report/charts.js',
    'report/metric-charts.js',
  ]);
});

http.run();
