// The dashboard's model (src/addons/dashboard/model.ts) on an API server and a manual clock: node rows with
// requested vs allocatable, pod rows with the scheduler's reason, coalesced deltas, per-pool samples, the
// autoscaler's Events from a virtual cluster whose pool scales up, and the explain view on the live state
// (a bound pod does not compete with itself; its placement is put back afterwards). A fast-check model run
// checks the incrementally kept sums against a recount from the API server after every step.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DashboardModel, FLUSH_MS, podAmounts, startDashboard, statusSummary, type Delta } from '../../src/addons/dashboard/index.js';
import type { ConfigMap, Node, Pod } from '../../src/api/index.js';
import { ApiServer } from '../../src/apiserver/apiserver.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import { loadCatalog } from '../../src/cloud/catalog.js';
import { parseNodePools } from '../../src/cloud/nodepool.js';
import { VirtualCluster } from '../../src/sim/cluster.js';
import { asyncStore } from '../../src/store/embedded.js';
import { MvccStore } from '../../src/store/mvcc.js';
import { ManualClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';

const GI = 2 ** 30;
const MI = 2 ** 20;

async function flush(): Promise<void> {
  for (let i = 0; i < 8; i++) await new Promise((r) => setImmediate(r));
}

async function world() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const api = new ApiServer({ store: asyncStore(new MvccStore({ clock })), clock, rng: seededRng(3) });
  await api.bootstrap();
  const informers = new SharedInformerFactory(api);
  const model = new DashboardModel({ informers, clock });
  await model.start();
  return { clock, api, informers, model };
}

function node(name: string, pool: string | undefined, cpu: string, memory: string, extra: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: pool !== undefined ? { 'drydock.io/nodepool': pool } : {} },
    status: { capacity: { cpu, memory, pods: '110', ...extra }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function pod(name: string, requests: Record<string, string>, nodeName?: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { ...(nodeName !== undefined ? { nodeName } : {}), containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests } }] },
  };
}

const model = suite('dashboard model');

model('requested sums the non-terminal pods bound to a node; allocatable comes from the Node; pools from drydock.io/nodepool', async () => {
  const w = await world();
  await w.api.create('nodes', node('a-1', 'general', '4', '8Gi'));
  await w.api.create('nodes', node('gpu-1', 'gpu', '8', '32Gi', { 'nvidia.com/gpu': '4' }));
  await w.api.create('nodes', node('solo', undefined, '2', '4Gi'));
  await w.api.create('pods', pod('p1', { cpu: '1500m', memory: '1Gi' }, 'a-1'));
  await w.api.create('pods', pod('p2', { cpu: '500m', memory: '512Mi' }, 'a-1'));
  await w.api.create('pods', pod('train', { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '3' }, 'gpu-1'));
  await flush();
  // a-1: cpu 1500m + 500m = 2000m of 4000m; memory 1Gi + 512Mi = 1.5Gi of 8Gi; 2 pods of 110.
  assert.equal(w.model.nodeRow('a-1')!.requested, { cpu: 2000, memory: 1.5 * GI, gpu: 0, pods: 2 });
  assert.equal(w.model.nodeRow('a-1')!.allocatable, { cpu: 4000, memory: 8 * GI, gpu: 0, pods: 110 });
  assert.is(w.model.nodeRow('a-1')!.pool, 'general');
  // gpu-1: 3 of 4 GPUs.
  assert.equal(w.model.nodeRow('gpu-1')!.requested, { cpu: 2000, memory: 4 * GI, gpu: 3, pods: 1 });
  assert.is(w.model.nodeRow('gpu-1')!.allocatable.gpu, 4);
  assert.is(w.model.nodeRow('solo')!.pool, '', 'no label: outside any pool');

  // p1 finishes (Succeeded): a-1 keeps only p2, 500m and 512Mi.
  await w.api.patch('pods', 'default', 'p1', 'application/merge-patch+json', { status: { phase: 'Succeeded' } }, { subresource: 'status' });
  await flush();
  assert.equal(w.model.nodeRow('a-1')!.requested, { cpu: 500, memory: 512 * MI, gpu: 0, pods: 1 });
  // p2 deleted: nothing left.
  await w.api.delete('pods', 'default', 'p2', { gracePeriodSeconds: 0 });
  await flush();
  assert.equal(w.model.nodeRow('a-1')!.requested, { cpu: 0, memory: 0, gpu: 0, pods: 0 });
  w.model.stop();
});

model('a pod the scheduler could not place carries its PodScheduled=False reason and message, else the newest FailedScheduling event', async () => {
  const w = await world();
  await w.api.create('pods', pod('big', { cpu: '64' }));
  await w.api.create('pods', pod('other', { cpu: '1' }));
  await flush();
  assert.is(w.model.pendingCount, 2);
  assert.is(w.model.podRow('default/big')!.reason, '', 'nothing said yet');
  const message = '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
  await w.api.patch('pods', 'default', 'big', 'application/strategic-merge-patch+json', { status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] } }, { subresource: 'status' });
  const other = await w.api.get<Pod>('pods', 'default', 'other');
  await w.api.create('events', {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'other.1', namespace: 'default' },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'other', uid: other.metadata!.uid },
    reason: 'FailedScheduling', message: '0/0 nodes are available.', type: 'Warning', source: { component: 'default-scheduler' },
  });
  await flush();
  assert.equal([w.model.podRow('default/big')!.reason, w.model.podRow('default/big')!.message], ['Unschedulable', message]);
  assert.equal([w.model.podRow('default/other')!.reason, w.model.podRow('default/other')!.message], ['FailedScheduling', '0/0 nodes are available.']);
  w.model.stop();
});

model('changes within FLUSH_MS reach a subscriber as one delta; samples are per pool and at most one per second', async () => {
  const w = await world();
  const deltas: Delta[] = [];
  w.model.subscribe((d) => deltas.push(d));
  // The sample at start (no nodes): one "" row with nothing. Then 3 nodes at once.
  for (const n of ['a-1', 'a-2']) await w.api.create('nodes', node(n, 'general', '4', '8Gi'));
  await w.api.create('nodes', node('b-1', 'batch', '16', '64Gi'));
  await w.api.create('pods', pod('p', { cpu: '3', memory: '2Gi' }, 'a-2'));
  await w.api.create('pods', pod('waiting', { cpu: '100m' }));
  await flush();
  assert.is(deltas.length, 0, 'nothing before FLUSH_MS');
  w.clock.advance(FLUSH_MS);
  await flush();
  assert.is(deltas.length, 1, 'one delta for the burst');
  assert.equal(deltas[0]!.nodes.map((n) => n.name), ['a-1', 'a-2', 'b-1']);
  assert.equal(deltas[0]!.pods.map((p) => p.key), ['default/p', 'default/waiting']);
  // The start sample was at t=0; the next may come 1000 ms after it.
  w.clock.advance(1000 - FLUSH_MS);
  w.clock.advance(FLUSH_MS);
  await flush();
  const samples = deltas.flatMap((d) => d.samples);
  const at1 = samples.filter((s) => s.t === 1);
  // general: 2 nodes, cpu 4 + 4 = 8 cores allocatable, 3 requested; batch: 1 node, 16 cores, 0 requested; 1 pod pending.
  assert.equal(at1.map((s) => [s.pool, s.nodes, s.cpuAllocatable, s.cpuRequested, s.memoryRequested / GI, s.pendingPods]), [
    ['batch', 1, 16, 0, 0, 1],
    ['general', 2, 8, 3, 2, 1],
  ]);
  const snapshot = w.model.snapshot();
  assert.equal([...new Set(snapshot.samples.map((s) => s.t))], [0, 1]);
  w.model.stop();
});

model('podAmounts counts init containers and overhead as the scheduler does (podRequests), GPU shares as fractions', () => {
  const p = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' },
    spec: {
      initContainers: [{ name: 'init', image: 'i', resources: { requests: { cpu: '2' } } }],
      containers: [{ name: 'a', image: 'a', resources: { requests: { cpu: '500m', memory: '1Gi', 'drydock.io/gpu-milli': '250' } } }, { name: 'b', image: 'b', resources: { requests: { cpu: '700m' } } }],
      overhead: { cpu: '100m' },
    },
  } as unknown as Pod;
  // cpu: max(500m + 700m, init 2000m) + 100m overhead = 2100m; GPU: 250 thousandths = 0.25.
  assert.equal(podAmounts(p), { cpu: 2100, memory: GI, gpu: 0.25, pods: 1 });
});

model('fast-check: after any sequence of node and pod changes, every node row equals a recount from the API server', async () => {
  type Cmd =
    | { op: 'node'; name: string; cpu: number }
    | { op: 'deleteNode'; name: string }
    | { op: 'pod'; name: string; cpu: number; node: string | null }
    | { op: 'finish'; name: string }
    | { op: 'deletePod'; name: string };
  const nodeName = fc.constantFrom('n1', 'n2', 'n3');
  const podName = fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5');
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    fc.record({ op: fc.constant('node' as const), name: nodeName, cpu: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ op: fc.constant('deleteNode' as const), name: nodeName }),
    fc.record({ op: fc.constant('pod' as const), name: podName, cpu: fc.integer({ min: 1, max: 4000 }), node: fc.option(nodeName, { nil: null }) }),
    fc.record({ op: fc.constant('finish' as const), name: podName }),
    fc.record({ op: fc.constant('deletePod' as const), name: podName }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(cmd, { maxLength: 25 }), async (cmds) => {
      const w = await world();
      try {
        for (const c of cmds) {
          const ignore = () => undefined;
          if (c.op === 'node') await w.api.create('nodes', node(c.name, c.cpu % 2 === 0 ? 'even' : 'odd', String(c.cpu), '8Gi')).catch(ignore);
          else if (c.op === 'deleteNode') await w.api.delete('nodes', undefined, c.name, {}).catch(ignore);
          else if (c.op === 'pod') await w.api.create('pods', pod(c.name, { cpu: `${c.cpu}m`, memory: `${c.cpu}Mi` }, c.node ?? undefined)).catch(ignore);
          else if (c.op === 'finish') await w.api.patch('pods', 'default', c.name, 'application/merge-patch+json', { status: { phase: 'Failed' } }, { subresource: 'status' }).catch(ignore);
          else await w.api.delete('pods', 'default', c.name, { gracePeriodSeconds: 0 }).catch(ignore);
          await flush();
          const nodes = (await w.api.list<Node>('nodes')).items;
          const pods = (await w.api.list<Pod>('pods')).items;
          for (const n of nodes) {
            const name = n.metadata!.name!;
            const mine = pods.filter((p) => p.spec.nodeName === name && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
            const expected = { cpu: mine.reduce((s, p) => s + podAmounts(p).cpu, 0), memory: mine.reduce((s, p) => s + podAmounts(p).memory, 0), gpu: 0, pods: mine.length };
            assert.equal(w.model.nodeRow(name)?.requested, expected, `node ${name} after ${JSON.stringify(c)}`);
          }
          const unbound = pods.filter((p) => (p.spec.nodeName ?? '') === '' && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
          assert.is(w.model.pendingCount, unbound.length, `pending after ${JSON.stringify(c)}`);
          assert.equal(w.model.snapshot().nodes.map((n) => n.name), nodes.map((n) => n.metadata!.name!).sort());
        }
      } finally {
        w.model.stop();
      }
    }),
    { numRuns: 40, seed: 11 },
  );
});

model('the autoscaler\'s TriggeredScaleUp for a pending pod appears among its decisions (a virtual cluster with a pool at 0 nodes)', async () => {
  const pools = parseNodePools(
    'apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: small}\nspec: {instanceType: m5.large, zones: [us-east-1a], minSize: 0, maxSize: 3}\n',
    'pools.yaml',
    loadCatalog(),
  ).pools;
  const c = await VirtualCluster.create({ pools });
  const m = new DashboardModel({ informers: c.informers, clock: c.clock });
  await m.start();
  try {
    await c.api.create('pods', pod('web', { cpu: '500m', memory: '256Mi' }));
    await c.advance(3 * 60_000, 5000);
    const decisions = m.snapshot().autoscaler;
    const up = decisions.find((e) => e.reason === 'TriggeredScaleUp');
    assert.ok(up !== undefined, `a TriggeredScaleUp among ${JSON.stringify(decisions.map((e) => e.reason))}`);
    assert.is(up.object, 'Pod default/web');
    // CA's wording (scale_up.go): "pod triggered scale-up: [{small 0->1 (max: 3)}]".
    assert.match(up.message, /^pod triggered scale-up: \[\{small 0->1 \(max: 3\)\}\]$/);
    // The new node is shown in its pool with the pod on it.
    const rows = m.snapshot().nodes;
    assert.is(rows.length, 1);
    assert.is(rows[0]!.pool, 'small');
    assert.equal(rows[0]!.requested, { cpu: 500, memory: 256 * MI, gpu: 0, pods: 1 });
    assert.is(m.podRow('default/web')!.phase, 'Running');
    // The autoscaler's status ConfigMap, as it wrote it at its last scan.
    const cm = await c.api.get<ConfigMap>('configmaps', 'kube-system', 'cluster-autoscaler-status');
    const view = m.snapshot().autoscalerStatus!;
    assert.is(view.text, cm.data!['status']);
    assert.is(view.lastUpdated, cm.metadata!.annotations!['cluster-autoscaler.kubernetes.io/last-updated']);
    // The node registered and the pod runs: nothing in flight, nothing to remove yet (the node is busy), one group.
    assert.is(view.summary, 'health Healthy · scale-up NoActivity · scale-down NoCandidates · 1 node group');
    // Deltas carry it when it changes (every scan: the document's times move), and null when it is deleted.
    const deltas: Delta[] = [];
    m.subscribe((d) => deltas.push(d));
    // One scan interval (10 s), and FLUSH_MS for the model to send what that scan wrote.
    await c.advance(10_000, 5000);
    await c.advance(FLUSH_MS);
    assert.ok(deltas.some((d) => d.autoscalerStatus !== undefined && d.autoscalerStatus !== null && d.autoscalerStatus.text !== view.text), 'a newer status was sent');
    c.autoscaler!.stop();
    await c.api.delete('configmaps', 'kube-system', 'cluster-autoscaler-status');
    await c.advance(FLUSH_MS);
    assert.is(deltas.at(-1)!.autoscalerStatus, null);
    assert.is(m.snapshot().autoscalerStatus, null);
  } finally {
    m.stop();
  }
});

model('statusSummary: one line from the YAML document; "" for a text that is not one', () => {
  assert.is(statusSummary('clusterWide:\n  health: {status: Unhealthy}\n  scaleUp: {status: Backoff}\n  scaleDown: {status: CandidatesPresent, candidates: 2}\nnodeGroups: [{name: a}, {name: b}]\n'), 'health Unhealthy · scale-up Backoff · scale-down CandidatesPresent (2) · 2 node groups');
  // The text block of Cluster Autoscaler before 1.30.
  assert.is(statusSummary('Cluster-autoscaler status at 2023-01-01 00:00:00 +0000 UTC:\nCluster-wide:\n  Health:      Healthy (ready=3)\n'), '');
  assert.is(statusSummary('a: [unclosed'), '');
});

model('explain on the live state: a bound pod is explained without its own placement, which is put back afterwards', async () => {
  const w = await world();
  await w.api.create('nodes', node('n1', 'general', '4', '8Gi'));
  await w.api.create('nodes', node('n2', 'general', '2', '8Gi'));
  await w.api.create('pods', pod('held', { cpu: '3' }, 'n1'));
  await w.api.create('pods', pod('next', { cpu: '2' }));
  await flush();
  const dashboard = await startDashboard({ api: w.api, informers: w.informers, clock: w.clock, rng: seededRng(5) });
  try {
    // "held" (3 cpu) on n1 (4 cpu): without its own 3 cpu, n1 has 4 free and fits it; n2 has 2 < 3: Insufficient cpu.
    const held = await dashboard.explain('default', 'held');
    assert.is(held.bound, 'n1');
    assert.equal(held.nodes.map((n) => [n.name, n.feasible, n.reasons]), [['n1', true, []], ['n2', false, ['Insufficient cpu']]]);
    assert.is(held.selectedNode, 'n1');
    assert.ok(held.nodes[0]!.scores['NodeResourcesFit'] !== undefined, 'per-plugin scores for the feasible node');
    // "next" (2 cpu): n1 has 4 − 3 = 1 free (held is back in the cache), so only n2 (2 free) fits.
    const next = await dashboard.explain('default', 'next');
    assert.is(next.bound, null);
    assert.equal(next.nodes.map((n) => [n.name, n.feasible]), [['n1', false], ['n2', true]]);
    assert.equal(next.nodes[0]!.reasons, ['Insufficient cpu']);
    assert.is(next.selectedNode, 'n2');
    // NodeResourcesFit (LeastAllocated, weight 1) on n2, with the scoring defaults for what the pod does not name
    // (100m cpu, 200Mi memory; noderesources/least_allocated.go): cpu (2000 − 2000) · 100 / 2000 = 0,
    // memory (8192Mi − 200Mi) · 100 / 8192Mi = 97 (integer division); (0 + 97) / 2 = 48.
    assert.equal(next.nodes[1]!.scores['NodeResourcesFit'], { raw: 48, normalized: 48, weighted: 48 });
  } finally {
    dashboard.stop();
    w.model.stop();
  }
});

model.run();
