// Resource monitoring: the simulated usage model (src/addons/metrics/usage.ts), metrics-server's
// metrics.k8s.io API over HTTP (what kubectl top reads), and the requested/allocatable gauges, on a manual
// clock so that every number below follows from the arithmetic in the comments.
import { Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpuMilli, memoryBytes, parseQuantity } from '../../src/api/index.js';
import { MetricsServer, registerResourceMetrics, exposition, containerUsage, scrapeAt, type NodeMetrics, type PodMetrics } from '../../src/addons/metrics/index.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import { startHttpServer } from '../../src/apiserver/http.js';
import { makeApi, T0 } from '../apiserver/fixtures.js';
import { parseExposition, total, value } from './prom.js';

const R = 15_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** nanocores or bytes of a metrics-server quantity ("123456n", "1234Ki"). */
const nano = (q: string) => Number(parseQuantity(q).nano);
const bytes = (q: string) => Number(parseQuantity(q).nano / 1_000_000_000n);

async function world(seed = 42) {
  const { api, clock } = await makeApi();
  const informers = new SharedInformerFactory(api);
  const ms = new MetricsServer({ informers, clock, seed, resolutionMs: R });
  await ms.start();
  const ready = [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }];
  // n1 reserves 200m cpu and 1Gi memory (capacity − allocatable); n2 reserves nothing; n3 is not Ready.
  await api.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { pool: 'a' } }, status: { capacity: { cpu: '4', memory: '16Gi', pods: '110' }, allocatable: { cpu: '3800m', memory: '15Gi', pods: '110' }, conditions: ready } });
  await api.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2', labels: { pool: 'b' } }, status: { capacity: { cpu: '2', memory: '4Gi', pods: '110' }, allocatable: { cpu: '2', memory: '4Gi', pods: '110' }, conditions: ready } });
  await api.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n3' }, status: { capacity: { cpu: '2', memory: '4Gi' }, allocatable: { cpu: '2', memory: '4Gi' }, conditions: [{ type: 'Ready', status: 'False' }] } });
  const running = async (name: string, nodeName: string, containers: { name: string; requests?: Record<string, string> }[], startedAt: number, labels: Record<string, string> = {}) => {
    await api.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels },
      spec: { nodeName, containers: containers.map((c) => ({ name: c.name, image: 'nginx', ...(c.requests !== undefined ? { resources: { requests: c.requests } } : {}) })) },
    });
    await api.patch('pods', 'default', name, 'application/merge-patch+json', {
      status: { phase: 'Running', containerStatuses: containers.map((c) => ({ name: c.name, ready: true, restartCount: 0, image: 'nginx', imageID: '', state: { running: { startedAt: iso(startedAt) } } })) },
    }, { subresource: 'status' });
  };
  await running('web', 'n1', [{ name: 'app', requests: { cpu: '500m', memory: '256Mi' } }, { name: 'side', requests: { cpu: '100m', memory: '64Mi' } }], T0, { app: 'web' });
  await running('besteffort', 'n1', [{ name: 'c' }], T0, { app: 'batch' });
  // Started at T0 + 20 s: visible only from the scrape whose window starts at or after that (T − R ≥ T0 + 20 s).
  await running('late', 'n2', [{ name: 'c', requests: { cpu: '1', memory: '1Gi' } }], T0 + 20_000, { app: 'web' });
  await api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '3' } } }] } });
  await new Promise((r) => setImmediate(r));
  return { api, clock, informers, ms };
}

const usage = suite('simulated usage');

usage('bounds: cpu in [20 %, 80 %) of demand, memory in [40 %, 80 %) rounded down to KiB; no request → the scheduler\'s 100m / 200Mi', () => {
  const container = { name: 'app', image: 'nginx', resources: { requests: { cpu: '500m', memory: '256Mi' } } };
  for (let k = 0; k < 200; k++) {
    const u = containerUsage({ seed: 1, resolutionMs: R }, 'uid-1', container, k);
    // 500m = 5e8 nanocores: 0.2 × 5e8 = 1e8 ≤ cpu < 0.8 × 5e8 = 4e8
    assert.ok(u.cpuNanoCores >= 1e8 && u.cpuNanoCores <= 4e8, `cpu ${u.cpuNanoCores}`);
    // 256Mi = 268435456 B: 0.4 × = 107374182.4 → ≥ 107373568 (whole KiB below it); < 0.8 × = 214748364.8
    assert.ok(u.memoryBytes >= 107_373_568 && u.memoryBytes < 214_748_365 && u.memoryBytes % 1024 === 0, `memory ${u.memoryBytes}`);
  }
  const idle = containerUsage({ seed: 1, resolutionMs: R }, 'uid-2', { name: 'c', image: 'x' }, 0);
  // 100m = 1e8 nanocores → [2e7, 8e7]; 200Mi = 209715200 B → [83886080, 167772160)
  assert.ok(idle.cpuNanoCores >= 2e7 && idle.cpuNanoCores <= 8e7);
  assert.ok(idle.memoryBytes >= 83_886_080 - 1024 && idle.memoryBytes < 167_772_160);
});

usage('deterministic: the same seed, pod and window give the same usage; cpu moves with the window, memory does not', () => {
  const c = { name: 'app', image: 'nginx', resources: { requests: { cpu: '2', memory: '1Gi' } } };
  const o = { seed: 7, resolutionMs: R };
  assert.equal(containerUsage(o, 'u', c, 5), containerUsage(o, 'u', c, 5));
  const cpus = new Set<number>();
  const mems = new Set<number>();
  for (let k = 0; k < 20; k++) {
    const u = containerUsage(o, 'u', c, k);
    cpus.add(u.cpuNanoCores);
    mems.add(u.memoryBytes);
  }
  assert.ok(cpus.size > 15, `cpu varies between windows (${cpus.size} distinct of 20)`);
  assert.is(mems.size, 1, 'the working set is steady');
  assert.not.equal(containerUsage({ seed: 8, resolutionMs: R }, 'u', c, 5), containerUsage(o, 'u', c, 5), 'another seed, other numbers');
});

usage('the scrape grid: T = floor(now / R)·R', () => {
  // T0 is midnight, a multiple of 15 s; T0 + 40 s falls in the scrape at T0 + 30 s.
  assert.equal(scrapeAt(T0 + 40_000, R), { timestamp: T0 + 30_000, index: (T0 + 30_000) / R });
  assert.equal(scrapeAt(T0 + 45_000, R).timestamp, T0 + 45_000);
});

const api = suite('metrics.k8s.io over HTTP (metrics-server)');

api('node usage = system share + Σ its pods\' containers; kubectl top\'s requests answered', async () => {
  const w = await world();
  const server = await startHttpServer({ api: w.api, port: 0, apiServices: [w.ms] });
  const get = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${path}`, init);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  try {
    w.clock.advance(40_000); // now T0 + 40 s: scrape T = T0 + 30 s, window (T0 + 15 s, T0 + 30 s]

    // Discovery, as kubectl top checks it: the group in /apis, and its two resources.
    const groups = (await get('/apis')).body['groups'] as { name: string; preferredVersion: { groupVersion: string } }[];
    assert.equal(groups.find((g) => g.name === 'metrics.k8s.io')?.preferredVersion.groupVersion, 'metrics.k8s.io/v1beta1');
    const resources = (await get('/apis/metrics.k8s.io/v1beta1')).body['resources'] as { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
    assert.equal(resources.map((r) => [r.name, r.kind, r.namespaced, r.verbs.join(',')]), [['nodes', 'NodeMetrics', false, 'get,list'], ['pods', 'PodMetrics', true, 'get,list']]);

    const nodes = (await get('/apis/metrics.k8s.io/v1beta1/nodes')).body as { kind: string; items: NodeMetrics[] };
    assert.is(nodes.kind, 'NodeMetricsList');
    // n3 is not Ready: metrics-server has no kubelet to scrape there.
    assert.equal(nodes.items.map((n) => n.metadata.name), ['n1', 'n2']);
    const n1 = nodes.items[0]!;
    assert.equal([n1.timestamp, n1.window, n1.metadata.labels], [iso(T0 + 30_000), '15s', { pool: 'a' }]);

    const pods = (await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods')).body as { kind: string; items: PodMetrics[] };
    assert.is(pods.kind, 'PodMetricsList');
    // late started at T0 + 20 s > T − R = T0 + 15 s: no metrics yet; pending is not running.
    assert.equal(pods.items.map((p) => p.metadata.name), ['besteffort', 'web']);
    const onN1 = pods.items.flatMap((p) => p.containers);
    const sumCpu = onN1.reduce((s, c) => s + nano(c.usage.cpu), 0);
    const sumMem = onN1.reduce((s, c) => s + bytes(c.usage.memory), 0);
    // system share on n1: (4000m − 3800m) / 2 = 100m = 1e8 nanocores; (16Gi − 15Gi) / 2 = 512Mi
    assert.is(nano(n1.usage.cpu), 1e8 + sumCpu);
    assert.is(bytes(n1.usage.memory), 512 * 1024 * 1024 + sumMem);
    // n2 reserves nothing and its only pod has no metrics yet: 0 and 0.
    assert.equal(nodes.items[1]!.usage, { cpu: '0', memory: '0' });

    // One node, one pod, a label selector (kubectl top pod -l app=web).
    assert.equal((await get('/apis/metrics.k8s.io/v1beta1/nodes/n1')).body['usage'], n1.usage);
    const web = (await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web')).body as unknown as PodMetrics;
    assert.equal(web.containers.map((c) => c.name), ['app', 'side']);
    const selected = (await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb')).body as { items: PodMetrics[] };
    assert.equal(selected.items.map((p) => p.metadata.name), ['web']);
    const allNs = (await get('/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.name%3Dbesteffort')).body as { items: PodMetrics[] };
    assert.equal(allNs.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ['default/besteffort']);
    const byNodeLabel = (await get('/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=pool%3Db')).body as { items: NodeMetrics[] };
    assert.equal(byNodeLabel.items.map((n) => n.metadata.name), ['n2']);

    // Errors, in metrics-server's and kube-apiserver's words.
    const pending = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/pending');
    assert.equal([pending.status, pending.body['message']], [404, 'podmetrics.metrics.k8s.io "default/pending" not found']);
    const notReady = await get('/apis/metrics.k8s.io/v1beta1/nodes/n3');
    assert.equal([notReady.status, notReady.body['message']], [404, 'nodemetrics.metrics.k8s.io "n3" not found']);
    assert.is((await get('/apis/metrics.k8s.io/v1beta1/nodes/ghost')).status, 404);
    assert.is((await get('/apis/metrics.k8s.io/v1beta1/nodes', { method: 'POST', body: '{}' })).status, 405);
    assert.is((await get('/apis/metrics.k8s.io/v1beta1/nodes?watch=true')).status, 405);
    assert.is((await get('/apis/metrics.k8s.io/v1beta1/pods?labelSelector=%3D%3D')).status, 400);
    assert.is((await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/nodes')).status, 404);

    // Ten seconds later the scrape is T0 + 45 s: late (started T0 + 20 s ≤ T0 + 30 s) now has metrics.
    w.clock.advance(10_000);
    const later = (await get('/apis/metrics.k8s.io/v1beta1/pods')).body as { items: PodMetrics[] };
    assert.equal(later.items.map((p) => p.metadata.name), ['besteffort', 'late', 'web']);
    const webLater = later.items.find((p) => p.metadata.name === 'web')!;
    // The new window brings new cpu figures; the working set stays.
    assert.not.equal(webLater.containers.map((c) => c.usage.cpu), web.containers.map((c) => c.usage.cpu));
    assert.equal(webLater.containers.map((c) => c.usage.memory), web.containers.map((c) => c.usage.memory));
    assert.is(webLater.timestamp, iso(T0 + 45_000));
  } finally {
    await server.close();
    w.informers.stop();
    w.api.close();
  }
});

api('same seed and clock, same answer; another seed, other numbers', async () => {
  const a = await world(42);
  const b = await world(42);
  const c = await world(43);
  for (const w of [a, b, c]) w.clock.advance(40_000);
  const list = async (w: Awaited<ReturnType<typeof world>>) => JSON.stringify(((await w.ms.get({ resource: 'pods', namespace: 'default', name: undefined, labelSelector: undefined, fieldSelector: undefined })) as { items: PodMetrics[] }).items.map((p) => p.containers));
  // creationTimestamps and uids differ between worlds only by their RNG streams, which are seeded alike.
  assert.is(await list(a), await list(b));
  assert.not.equal(await list(a), await list(c));
  for (const w of [a, b, c]) {
    w.informers.stop();
    w.api.close();
  }
});

const gauges = suite('requested and allocatable (kube-state-metrics, kube-scheduler /metrics/resources)');

gauges('per node and per pod, in upstream names and units', async () => {
  const w = await world();
  const registry = new Registry();
  registerResourceMetrics(registry, w.informers);
  const m = await parseExposition((await exposition(registry)).text);
  assert.is(value(m, 'kube_node_status_allocatable', { node: 'n1', resource: 'cpu', unit: 'core' }), 3.8);
  assert.is(value(m, 'kube_node_status_capacity', { node: 'n1', resource: 'memory', unit: 'byte' }), 16 * 2 ** 30);
  assert.is(value(m, 'kube_node_status_allocatable', { node: 'n2', resource: 'pods', unit: 'integer' }), 110);
  assert.is(value(m, 'kube_pod_container_resource_requests', { pod: 'web', container: 'side', node: 'n1', resource: 'memory', unit: 'byte' }), 64 * 2 ** 20);
  // What n1's pods request (sum by node of kube_pod_resource_request): web 500m + 100m = 0.6 cores, and
  // besteffort asks for nothing, so it has no series.
  assert.ok(Math.abs(total(m, 'kube_pod_resource_request', { node: 'n1', resource: 'cpu', unit: 'cores' }) - 0.6) < 1e-12);
  assert.is(total(m, 'kube_pod_resource_request', { node: 'n1', resource: 'memory', unit: 'bytes' }), (256 + 64) * 2 ** 20);
  assert.is(total(m, 'kube_pod_resource_request', { pod: 'besteffort' }), 0);
  // The unscheduled pod is counted with node="" (kube-scheduler reports pending pods too).
  assert.is(value(m, 'kube_pod_resource_request', { pod: 'pending', node: '', resource: 'cpu', scheduler: 'default-scheduler', priority: '0' }), 3);
  // Cross-check against the objects: Σ allocatable cpu = 3.8 + 2 + 2 = 7.8 cores.
  const nodes = w.informers.informer('nodes').list() as { status: { allocatable: { cpu: string; memory: string } } }[];
  assert.ok(Math.abs(total(m, 'kube_node_status_allocatable', { resource: 'cpu' }) - nodes.reduce((s, n) => s + cpuMilli(n.status.allocatable.cpu) / 1000, 0)) < 1e-12);
  assert.is(total(m, 'kube_node_status_allocatable', { resource: 'memory' }), nodes.reduce((s, n) => s + memoryBytes(n.status.allocatable.memory), 0));
  // A pod that finished leaves kube_pod_resource_request (kube-scheduler skips terminal pods) but not kube-state-metrics.
  await w.api.patch('pods', 'default', 'web', 'application/merge-patch+json', { status: { phase: 'Succeeded' } }, { subresource: 'status' });
  await new Promise((r) => setImmediate(r));
  const after = await parseExposition(await registry.metrics());
  assert.is(total(after, 'kube_pod_resource_request', { pod: 'web' }), 0);
  assert.is(total(after, 'kube_pod_container_resource_requests', { pod: 'web', resource: 'cpu' }), 0.6);
  w.informers.stop();
  w.api.close();
});

usage.run();
api.run();
gauges.run();
