// Node lifecycle and taint-based eviction: table tests of the two reconcilers on prepared informer caches,
// then a scenario with real kubelets, the scheduler and both controllers on a ManualClock (T0 = 2026-11-28T00:00Z).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import type { Json } from '../../src/apiserver/strategy.js';
import type { Node, Pod } from '../../src/api/index.js';
import { NodeLifecycleReconciler, TaintEvictionReconciler, createNodeLifecycleControllers } from '../../src/controllers/nodelifecycle.js';
import type { Action } from '../../src/controllers/runtime.js';
import { Kubelet } from '../../src/node/index.js';
import { createScheduler } from '../../src/scheduler/index.js';
import { seededRng } from '../../src/util/rng.js';
import { T0, makeApi } from '../apiserver/fixtures.js';

const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString().replace('.000Z', 'Z');
const micro = (seconds: number) => new Date(T0 + seconds * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

async function flush(): Promise<void> {
  for (let i = 0; i < 8; i++) await new Promise((r) => setImmediate(r));
}

function nodeBody(name: string, o: { ready?: 'True' | 'False'; heartbeat?: number; taints?: Json[] } = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: o.taints ? { taints: o.taints } : {},
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready, reason: 'KubeletReady', lastHeartbeatTime: at(o.heartbeat ?? 0), lastTransitionTime: at(0) }],
    },
  };
}

function lease(name: string, renew: number): Json {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro(renew) } };
}

async function tableSetup() {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const lifecycle = new NodeLifecycleReconciler({ informers, clock: ctx.clock });
  const eviction = new TaintEvictionReconciler({ informers, clock: ctx.clock });
  const start = () => informers.start();
  return { ...ctx, informers, lifecycle, eviction, start };
}

/** The informers follow the store's watch asynchronously: a few turns of the event loop. */
async function waitForCacheMiss(gone: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !gone(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(gone(), 'the informer saw the delete');
}

function summary(actions: readonly Action[]): string[] {
  return actions.map((a) => {
    if (a.type === 'patch') return `patch ${a.resource}/${a.name}${a.subresource ? '/status' : ''} ${JSON.stringify(a.patch)}`;
    if (a.type === 'event') return `event ${a.reason}: ${a.message}`;
    if (a.type === 'delete') return `delete ${a.resource}/${a.namespace}/${a.name}`;
    return a.type;
  });
}

const table = suite('node lifecycle reconcilers');

table('a node renewed within the grace period is left alone and looked at again at the first tick after it runs out', async () => {
  const { api, clock, lifecycle, start } = await tableSetup();
  await api.create('nodes', nodeBody('n1', { ready: 'True', heartbeat: 0 }));
  await api.create('leases', lease('n1', 20));
  await start();
  clock.advance(30_000);
  // The first look registers the node (knownNodeSet), with the event `kubectl get events` shows for every node.
  assert.equal(summary(lifecycle.reconcile('n1').actions), ['event RegisteredNode: Node n1 event: Registered Node n1 in Controller']);
  const r = lifecycle.reconcile('n1');
  assert.equal(r.actions, [], 'registered once');
  // renewed at 20 s; grace 40 s ends at 60 s; the check is strict (After), so the first 5 s tick after it is 65 s: 65 - 30 = 35 s.
  assert.is(r.requeueAfterMs, 35_000);
});

table('silent past the grace period: Ready and pressures Unknown, NodeNotReady event, unreachable taints', async () => {
  const { api, clock, lifecycle, start } = await tableSetup();
  await api.create('nodes', nodeBody('n1', { ready: 'True', heartbeat: 0, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }));
  await api.create('leases', lease('n1', 20));
  await start();
  clock.advance(60_000);
  assert.equal(summary(lifecycle.reconcile('n1').actions), ['event RegisteredNode: Node n1 event: Registered Node n1 in Controller'], 'at exactly 20 + 40 s it is not yet late (strict After)');
  clock.advance(5_000);
  const r = lifecycle.reconcile('n1');
  const conditions = ((r.actions[0] as { patch: Json }).patch['status'] as Json)['conditions'] as Json[];
  assert.equal(
    conditions.map((c) => `${c['type']}=${c['status']} ${c['reason']}: ${c['message']}`),
    [
      'Ready=Unknown NodeStatusUnknown: Kubelet stopped posting node status.',
      'MemoryPressure=Unknown NodeStatusNeverUpdated: Kubelet never posted node status.',
      'DiskPressure=Unknown NodeStatusNeverUpdated: Kubelet never posted node status.',
      'PIDPressure=Unknown NodeStatusNeverUpdated: Kubelet never posted node status.',
    ],
  );
  assert.is(conditions[0]!['lastTransitionTime'], at(65));
  assert.equal(summary(r.actions).slice(1), [
    'event NodeNotReady: Node n1 status is now: NodeNotReady',
    `patch nodes/n1 {"spec":{"taints":[{"key":"dedicated","value":"db","effect":"NoSchedule"},{"key":"node.kubernetes.io/unreachable","effect":"NoSchedule"},{"key":"node.kubernetes.io/unreachable","effect":"NoExecute","timeAdded":"${at(65)}"}]}}`,
  ]);
  assert.is(r.requeueAfterMs, undefined);
});

table('Ready=False from the kubelet gives not-ready taints; Ready=True removes stale ones', async () => {
  const { api, clock, lifecycle, start } = await tableSetup();
  await api.create('nodes', nodeBody('sick', { ready: 'False', heartbeat: 0 }));
  await api.create('nodes', nodeBody('well', { ready: 'True', heartbeat: 0, taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at(0) }, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }] }));
  await start();
  clock.advance(1_000);
  assert.equal(summary(lifecycle.reconcile('sick').actions), [
    'event RegisteredNode: Node sick event: Registered Node sick in Controller',
    `patch nodes/sick {"spec":{"taints":[{"key":"node.kubernetes.io/not-ready","effect":"NoSchedule"},{"key":"node.kubernetes.io/not-ready","effect":"NoExecute","timeAdded":"${at(1)}"}]}}`,
  ]);
  assert.equal(summary(lifecycle.reconcile('well').actions), ['event RegisteredNode: Node well event: Registered Node well in Controller', 'patch nodes/well {"spec":{"taints":[]}}']);
});

table('a node that goes is forgotten with RemovingNode; a ready pod on a not-ready node gets NodeNotReady (Warning)', async () => {
  const { api, clock, lifecycle, start, informers } = await tableSetup();
  await api.create('nodes', nodeBody('sick', { ready: 'False', heartbeat: 0 }));
  await api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: 'sick', containers: [{ name: 'c', image: 'nginx' }] } });
  const uid = (await api.get<Json>('pods', 'default', 'web'))['metadata'] as Json;
  await api.patch('pods', 'default', 'web', 'application/merge-patch+json', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
  await start();
  clock.advance(1_000);
  const r = lifecycle.reconcile('sick');
  // MarkPodsNotReady: the status patch, then the pod's event (controller_utils.go).
  assert.equal(summary(r.actions).slice(-2), [
    `patch pods/web/status {"status":{"conditions":[{"type":"Ready","status":"False","lastTransitionTime":"${at(1)}"}]}}`,
    'event NodeNotReady: Node is not ready',
  ]);
  const podEvent = r.actions[r.actions.length - 1] as Extract<Action, { type: 'event' }>;
  assert.equal([podEvent.eventType, podEvent.involved.kind, podEvent.involved.name, podEvent.involved.uid], ['Warning', 'Pod', 'web', uid['uid']]);
  await api.delete('pods', 'default', 'web', { gracePeriodSeconds: 0 });
  await api.delete('nodes', undefined, 'sick');
  await waitForCacheMiss(() => informers.informer('nodes').get(undefined, 'sick') === undefined);
  assert.equal(summary(lifecycle.reconcile('sick').actions), ['event RemovingNode: Node sick event: Removing Node sick from Controller']);
  assert.equal(lifecycle.reconcile('sick').actions, [], 'forgotten: no second event');
});

table('taint eviction: untolerated now; tolerated for N seconds after the taint; forever never', async () => {
  const { api, clock, eviction, start } = await tableSetup();
  await api.create('nodes', nodeBody('n1', { ready: 'True', taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at(0) }, { key: 'maintenance', effect: 'NoExecute', timeAdded: at(5) }] }));
  const maintenance = { key: 'maintenance', operator: 'Exists', effect: 'NoExecute' };
  const pod = (name: string, tolerations: Json[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }], tolerations } });
  // Admission adds 300 s not-ready/unreachable tolerations unless the pod has its own for those keys.
  await api.create('pods', pod('defaults', [maintenance]));
  await api.create('pods', pod('sixty', [maintenance, { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]));
  await api.create('pods', pod('forever', [maintenance, { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]));
  // Admission gives this one the 300 s unreachable toleration too, but nothing tolerates "maintenance".
  await api.create('pods', pod('intolerant', [{ key: 'other', operator: 'Exists' }]));
  await start();
  clock.advance(10_000);
  let r = eviction.reconcile('n1');
  // Every NoExecute taint must be tolerated: "intolerant" does not tolerate maintenance, so it goes at once.
  assert.equal(summary(r.actions), [
    'event TaintManagerEviction: Marking for deletion Pod default/intolerant',
    `patch pods/intolerant/status {"status":{"conditions":[{"type":"DisruptionTarget","status":"True","reason":"DeletionByTaintManager","message":"Taint manager: deleting due to NoExecute taint","lastTransitionTime":"${at(10)}"}]}}`,
    'delete pods/default/intolerant',
  ]);
  // sixty: the node is NoExecute-tainted since 0 s (earliest timeAdded), + min(60, forever) = 60 s; now 10 s -> 50 s
  assert.is(r.requeueAfterMs, 50_000);
  clock.advance(50_000);
  r = eviction.reconcile('n1');
  assert.equal(summary(r.actions).filter((a) => a.startsWith('delete')), ['delete pods/default/intolerant', 'delete pods/default/sixty']);
  // defaults: 0 + 300 s; now 60 s -> 240 s
  assert.is(r.requeueAfterMs, 240_000);
});

const scenario = suite('node lifecycle with kubelets');

scenario('a stopped kubelet: Unknown after the grace period, unreachable:NoExecute, pods evicted on their tolerations; restart recovers', async () => {
  const { api, clock } = await makeApi();
  const informers = new SharedInformerFactory(api);
  const k1 = new Kubelet({ api, informers, clock, nodeName: 'n1', register: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } });
  const k2 = new Kubelet({ api, informers, clock, nodeName: 'n2', register: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, labels: { spare: 'true' } } });
  await k1.start();
  await k2.start();
  const nlc = createNodeLifecycleControllers({ api, informers, clock });
  await nlc.start();
  for (const c of nlc.controllers) c.runForever();
  const scheduler = createScheduler({ api, informers, clock, rng: seededRng(1) });
  await scheduler.start();
  const to = async (seconds: number) => {
    // One-second steps, letting writes and controllers run between them. advance(0) first runs the
    // controllers kicked (setTimer(0)) by the previous step's writes at that step's time: Controller applies
    // requeueAfterMs only after its actions, so a kick left for the next step would requeue from a later clock.
    while (clock.now() < T0 + seconds * 1000) {
      clock.advance(0);
      await flush();
      clock.advance(Math.min(1000, T0 + seconds * 1000 - clock.now()));
      await flush();
      await k1.idle();
      await k2.idle();
    }
  };
  const pod = (name: string, tolerations: Json[] = []) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations: { 'drydock.io/image-size': '0' } },
    spec: { nodeSelector: { 'kubernetes.io/hostname': 'n1' }, containers: [{ name: 'c', image: 'app:1', resources: { requests: { cpu: '100m' } } }], tolerations },
  });
  await api.create('pods', pod('p-default'));
  await api.create('pods', pod('p-sixty', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]));
  await api.create('pods', pod('p-forever', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]));
  await scheduler.runUntilIdle();
  await to(25);
  const get = (name: string) => api.get<Pod>('pods', 'default', name).catch(() => undefined);
  const n1 = () => api.get<Node>('nodes', undefined, 'n1');
  assert.equal([(await get('p-default'))?.status?.phase, (await get('p-default'))?.spec.nodeName], ['Running', 'n1']);

  // Lease renewed at 0, 10, 20 s; the kubelet stops at 25 s. 20 + 40 = 60 s; first 5 s monitor tick after: 65 s.
  k1.stop();
  await to(60);
  assert.is((await n1()).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'not yet at renew + 40 s (strict)');
  await to(64);
  assert.is((await n1()).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  await to(65);
  let node = await n1();
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal([ready?.status, ready?.reason, ready?.message, ready?.lastTransitionTime], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', at(65)]);
  assert.ok(node.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute' && t.timeAdded === at(65)));
  assert.is((await get('p-default'))?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False', 'MarkPodsNotReady');
  assert.is((await api.get<Node>('nodes', undefined, 'n2')).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'n2 keeps renewing');

  // p-sixty: tainted at 65 s + 60 s = 125 s.
  await to(124);
  assert.is((await get('p-sixty'))?.metadata.deletionTimestamp, undefined);
  await to(125);
  const sixty = await get('p-sixty');
  assert.is(sixty?.metadata.deletionTimestamp, at(155), 'marked for deletion at 125 s with the 30 s grace period; the kubelet is down, so it stays Terminating');
  assert.ok(sixty?.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.reason === 'DeletionByTaintManager'));
  // p-default: admission's 300 s toleration: 65 + 300 = 365 s; checked at taint + 299 s and taint + 300 s.
  await to(65 + 299);
  assert.is((await get('p-default'))?.metadata.deletionTimestamp, undefined);
  await to(65 + 300);
  assert.is((await get('p-default'))?.metadata.deletionTimestamp, at(365 + 30));
  const events = (await api.list<Json>('events')).items.filter((e) => e['reason'] === 'TaintManagerEviction').map((e) => e['message']);
  assert.equal(events.sort(), ['Marking for deletion Pod default/p-default', 'Marking for deletion Pod default/p-sixty']);
  assert.is((await get('p-forever'))?.metadata.deletionTimestamp, undefined, 'tolerates unreachable forever');

  // The kubelet comes back at 370 s: Ready again, taints gone, and it finishes the evictions it missed.
  await to(370);
  await k1.start();
  await to(371);
  node = await n1();
  assert.equal([node.status?.conditions?.find((c) => c.type === 'Ready')?.status, node.status?.conditions?.find((c) => c.type === 'Ready')?.reason], ['True', 'KubeletReady']);
  assert.equal(node.spec?.taints ?? [], []);
  assert.is((await get('p-forever'))?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'the kubelet reports its pods ready again');
  // Terminating pods are stopped by the returning kubelet: grace 30 s from when it sees them (370 s) -> 400 s.
  await to(399);
  assert.ok(await get('p-sixty'));
  await to(400);
  assert.equal([await get('p-sixty'), await get('p-default')], [undefined, undefined]);
  for (const c of nlc.controllers) c.stop();
  k1.stop();
  k2.stop();
});

table.run();
scenario.run();
