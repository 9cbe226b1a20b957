// kube-apiserver's request metrics (src/apiserver/metrics.ts): the labels upstream's MonitorRequest gives a
// request (verb cleaning, scope, dry run), the latency histogram's buckets on an injected clock, and the
// counts seen through GET /metrics after real HTTP requests, parsed back with an npm Prometheus parser.
import { Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startHttpServer } from '../../src/apiserver/http.js';
import { ApiServerRequestMetrics, REQUEST_DURATION_BUCKETS, resourceRequestAttributes, type ResourceRequest } from '../../src/apiserver/metrics.js';
import { exposition } from '../../src/addons/metrics/index.js';
import { histogram, parseExposition, total, value } from '../addons/prom.js';
import { makeApi, pod } from './fixtures.js';

const labels = suite('apiserver request labels (MonitorRequest: CanonicalVerb, cleanVerb, CleanScope, cleanDryRun)');

const base: ResourceRequest = { method: 'GET', group: '', version: 'v1', resource: 'pods', subresource: undefined, namespace: undefined, name: undefined, watch: false, contentType: undefined, dryRun: null };

const cases: [string, Partial<ResourceRequest>, { verb: string; scope: string; dryRun?: string; subresource?: string }][] = [
  ['GET of one object', { namespace: 'default', name: 'web' }, { verb: 'GET', scope: 'resource' }],
  ['GET of a namespaced collection is LIST', { namespace: 'default' }, { verb: 'LIST', scope: 'namespace' }],
  ['GET across namespaces is LIST at cluster scope', {}, { verb: 'LIST', scope: 'cluster' }],
  ['a watch is WATCH', { namespace: 'default', watch: true }, { verb: 'WATCH', scope: 'namespace' }],
  ['POST to a collection creates one object: scope resource', { method: 'POST', namespace: 'default' }, { verb: 'POST', scope: 'resource' }],
  ['PATCH with the apply content type is APPLY', { method: 'PATCH', namespace: 'default', name: 'web', contentType: 'application/apply-patch+yaml' }, { verb: 'APPLY', scope: 'resource' }],
  ['a merge patch stays PATCH', { method: 'PATCH', namespace: 'default', name: 'web', contentType: 'application/merge-patch+json' }, { verb: 'PATCH', scope: 'resource' }],
  ['DELETE of a collection stays DELETE, namespace scope', { method: 'DELETE', namespace: 'default' }, { verb: 'DELETE', scope: 'namespace' }],
  ['PUT of the status subresource', { method: 'PUT', namespace: 'default', name: 'web', subresource: 'status' }, { verb: 'PUT', scope: 'resource', subresource: 'status' }],
  ['?dryRun=All', { method: 'POST', namespace: 'default', dryRun: 'All' }, { verb: 'POST', scope: 'resource', dryRun: 'All' }],
  ['an unknown dryRun value is reported as none', { method: 'POST', namespace: 'default', dryRun: 'Everything' }, { verb: 'POST', scope: 'resource', dryRun: '' }],
];

for (const [name, req, want] of cases) {
  labels(name, () => {
    const a = resourceRequestAttributes({ ...base, ...req });
    assert.equal([a.verb, a.scope, a.dryRun, a.subresource, a.component], [want.verb, want.scope, want.dryRun ?? '', want.subresource ?? '', 'apiserver']);
  });
}

const latency = suite('apiserver_request_duration_seconds on an injected clock');

latency('durations fall in upstream buckets: 3 ms, 30 ms, 700 ms, 61 s', async () => {
  let now = 1_000;
  const registry = new Registry();
  const metrics = new ApiServerRequestMetrics(registry, () => now);
  const attrs = resourceRequestAttributes({ ...base, namespace: 'default' });
  for (const ms of [3, 30, 700, 61_000]) {
    const done = metrics.start();
    now += ms;
    done(attrs, 200);
  }
  const m = await parseExposition(await registry.metrics());
  const h = histogram(m, 'apiserver_request_duration_seconds', { verb: 'LIST', resource: 'pods', scope: 'namespace' });
  // 3 ms ≤ 0.005; 30 ms ≤ 0.05 (not ≤ 0.025); 700 ms ≤ 0.8 (not ≤ 0.6); 61 s > 60, only in +Inf.
  assert.equal(
    [h.buckets['0.005'], h.buckets['0.025'], h.buckets['0.05'], h.buckets['0.6'], h.buckets['0.8'], h.buckets['60'], h.buckets['+Inf']],
    [1, 1, 2, 2, 3, 3, 4],
  );
  // 0.003 + 0.030 + 0.700 + 61 = 61.733 s
  assert.ok(Math.abs(h.sum! - 61.733) < 1e-9, `sum ${h.sum}`);
  assert.is(h.count, 4);
  // 23 finite boundaries from 5 ms to 60 s, as k8s.io/apiserver pkg/endpoints/metrics lists them, + Inf.
  assert.is(REQUEST_DURATION_BUCKETS.length, 23);
  assert.is(Object.keys(h.buckets).length, 24);
  assert.is(value(m, 'apiserver_request_total', { verb: 'LIST', code: '200' }), 4);
});

latency('a request that matched no route is not counted', async () => {
  const registry = new Registry();
  const metrics = new ApiServerRequestMetrics(registry, () => 0);
  metrics.start()(undefined, 404);
  const m = await parseExposition(await registry.metrics());
  assert.is(total(m, 'apiserver_request_total'), 0);
});

const http = suite('apiserver_request_total through GET /metrics');

http('real requests, counted by verb, resource, scope, dry run and code', async () => {
  const { api } = await makeApi();
  const registry = new Registry();
  const server = await startHttpServer({ api, port: 0, requestMetrics: new ApiServerRequestMetrics(registry, () => performance.now()), metrics: () => exposition(registry) });
  try {
    const u = server.url;
    const json = { 'Content-Type': 'application/json' };
    const send = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${u}${path}`, init);
      await res.arrayBuffer();
      return res.status;
    };
    const podsPath = '/api/v1/namespaces/default/pods';
    assert.is(await send(podsPath, { method: 'POST', headers: json, body: JSON.stringify(pod('a')) }), 201);
    assert.is(await send(podsPath, { method: 'POST', headers: json, body: JSON.stringify(pod('b')) }), 201);
    assert.is(await send(podsPath, { method: 'POST', headers: json, body: JSON.stringify(pod('a')) }), 409);
    assert.is(await send(`${podsPath}?dryRun=All`, { method: 'POST', headers: json, body: JSON.stringify(pod('c')) }), 201);
    assert.is(await send(`${podsPath}/a`), 200);
    assert.is(await send(`${podsPath}/nope`), 404);
    assert.is(await send(podsPath), 200);
    assert.is(await send('/api/v1/pods'), 200);
    assert.is(await send(`${podsPath}/a`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: '{"metadata":{"labels":{"x":"y"}}}' }), 200);
    assert.is(await send(`${podsPath}/b`, { method: 'DELETE' }), 200);
    assert.is(await send('/healthz'), 200);
    // Not counted: a path no route serves, and discovery.
    assert.is(await send('/apis/nothing.example.com/v1/things'), 404);
    assert.is(await send('/api'), 200);
    // A watch is counted when it ends: the client hangs up after the headers.
    const ac = new AbortController();
    const watch = await fetch(`${u}${podsPath}?watch=true`, { signal: ac.signal });
    assert.is(watch.status, 200);
    ac.abort();

    let m = await parseExposition(await (await fetch(`${u}/metrics`)).text());
    for (let i = 0; i < 50 && value(m, 'apiserver_request_total', { verb: 'WATCH' }) === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      m = await parseExposition(await (await fetch(`${u}/metrics`)).text());
    }
    const pods = { group: '', version: 'v1', resource: 'pods', component: 'apiserver' };
    assert.is(value(m, 'apiserver_request_total', { ...pods, verb: 'POST', scope: 'resource', dry_run: '', code: '201' }), 2);
    assert.is(value(m, 'apiserver_request_total', { ...pods, verb: 'POST', scope: 'resource', dry_run: '', code: '409' }), 1);
    assert.is(value(m, 'apiserver_request_total', { ...pods, verb: 'POST', scope: 'resource', dry_run: 'All', code: '201' }), 1);
    assert.is(value(m, 'apiserver_request_total', { ...pods, verb: 'GET', scope: 'resource', code: '200' }), 1);
    assert.is(value(m, 'apiserver_request_total', { ...pods, verb: 'GET', scope: 'resource', code: '404' }), 1);
    assert.is(value(m, 'apiserver_request_total', { ...pods, verb: 'LIST', scope: 'namespace', code: '200' }), 1);
    assert.is(value(m, 'apiserver_request_total', { ...pods, verb: 'LIST', scope: 'cluster', code: '200' }), 1);
    assert.is(value(m, 'apiserver_request_total', { ...pods, verb: 'PATCH', scope: 'resource', code: '200' }), 1);
    assert.is(value(m, 'apiserver_request_total', { ...pods, verb: 'DELETE', scope: 'resource', code: '200' }), 1);
    assert.is(value(m, 'apiserver_request_total', { ...pods, verb: 'WATCH', scope: 'namespace', code: '200' }), 1);
    assert.is(value(m, 'apiserver_request_total', { verb: 'GET', resource: '', subresource: '/healthz', scope: '', component: '', code: '200' }), 1);
    // 4 POSTs + 2 GETs + 2 LISTs + 1 PATCH + 1 DELETE + 1 WATCH + 1 health check = 12; the 404 route, /api
    // and the /metrics scrapes are not counted.
    assert.is(total(m, 'apiserver_request_total'), 12);
    // Every counted request was timed too (the histogram has no code label: 12 observations over fewer series).
    const counts = m['apiserver_request_duration_seconds']!.data as { count: number }[];
    assert.is(counts.reduce((s, d) => s + d.count, 0), 12);

    const res = await fetch(`${u}/metrics`);
    assert.is(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    await res.arrayBuffer();
  } finally {
    await server.close();
    api.close();
  }
});

labels.run();
latency.run();
http.run();
