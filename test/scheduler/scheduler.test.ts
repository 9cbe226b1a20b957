// The scheduler end to end: pods created through the API server, watched by the scheduler's informers,
// scheduled, and bound through pods/binding; failures leave kube-scheduler's condition and event.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import type { Json } from '../../src/apiserver/strategy.js';
import type { Pod } from '../../src/api/index.js';
import { createScheduler } from '../../src/scheduler/index.js';
import { seededRng } from '../../src/util/rng.js';
import { makeApi } from '../apiserver/fixtures.js';
import { makeNode, makePod } from './fixtures.js';

async function cluster(seed = 1) {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const scheduler = createScheduler({ api: ctx.api, informers, clock: ctx.clock, rng: seededRng(seed) });
  await scheduler.start();
  return { ...ctx, scheduler };
}

/** A pod body for the API (no uid/namespace fixtures; the API server fills them). */
function podBody(b: ReturnType<typeof makePod>): Json {
  const p = b.obj() as unknown as Json & { metadata: Json };
  const m = { ...p.metadata };
  delete m['uid'];
  delete m['creationTimestamp'];
  return { ...p, metadata: m, status: {} };
}

async function nodeOf(api: Awaited<ReturnType<typeof makeApi>>['api'], name: string): Promise<string | undefined> {
  return (await api.get<Pod>('pods', 'default', name)).spec.nodeName;
}

const e2e = suite('scheduling through the API server');

e2e('pods land on the node LeastAllocated prefers and are bound through pods/binding', async () => {
  const { api, scheduler } = await cluster();
  await api.create('nodes', makeNode('small').capacity({ cpu: '2', memory: '4Gi' }).obj());
  await api.create('nodes', makeNode('big').capacity({ cpu: '8', memory: '16Gi' }).obj());
  await api.create('pods', podBody(makePod('web').req({ cpu: '1', memory: '1Gi' })));
  await scheduler.runUntilIdle();
  // LeastAllocated: small (2-1)/2 cpu = 50, (4-1)/4 mem = 75 → 62; big (8-1)/8 = 87, (16-1)/16 = 93 → 90.
  assert.is(await nodeOf(api, 'web'), 'big');
  const pod = await api.get<Pod>('pods', 'default', 'web');
  assert.equal(pod.status?.conditions?.map((c) => [c.type, c.status]), [['PodScheduled', 'True']]);
  const events = (await api.list<Json>('events')).items.map((e) => [e['reason'], e['message']]);
  assert.equal(events, [['Scheduled', 'Successfully assigned default/web to big']]);
  assert.is(scheduler.metrics.scheduled, 1);
});

e2e('a pod that fits nowhere gets PodScheduled=False and a FailedScheduling event with kube-scheduler\'s message', async () => {
  const { api, scheduler } = await cluster();
  await api.create('nodes', makeNode('a').capacity({ cpu: '1', memory: '4Gi' }).obj());
  await api.create('nodes', makeNode('b').capacity({ cpu: '8', memory: '4Gi' }).taint({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }).obj());
  await api.create('pods', podBody(makePod('big').req({ cpu: '2', memory: '1Gi' })));
  await scheduler.runUntilIdle();
  const pod = await api.get<Pod>('pods', 'default', 'big');
  const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  // One node too small, one tainted; the histogram is sorted as strings (FitError.Error, sort.Strings).
  // Neither node can be helped by preemption: 2 cpu > 1 cpu allocatable is UnschedulableAndUnresolvable
  // (fit.go, PR #131345), and so is an untolerated taint. Preemption's own message is a FitError ending in
  // "."; the outer FitError appends it as " %v" (older releases added another ".", hence ".." in old events).
  const expected =
    '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.';
  assert.equal([cond?.status, cond?.reason, cond?.message], ['False', 'Unschedulable', expected]);
  const events = (await api.list<Json>('events')).items.filter((e) => e['reason'] === 'FailedScheduling');
  assert.is(events.length, 1);
  assert.is(events[0]!['message'], expected);
  assert.is(events[0]!['type'], 'Warning');
});

e2e('a new node that fits moves the unschedulable pod back, and it is bound', async () => {
  const { api, scheduler, clock } = await cluster();
  await api.create('nodes', makeNode('a').capacity({ cpu: '1', memory: '4Gi' }).obj());
  await api.create('pods', podBody(makePod('big').req({ cpu: '2' })));
  await scheduler.runUntilIdle();
  assert.is(await nodeOf(api, 'big'), undefined);
  await api.create('nodes', makeNode('b').capacity({ cpu: '4', memory: '4Gi' }).obj());
  // The node event moved the pod to the backoff queue (1 s after one failed attempt); time passes, it is retried.
  clock.advance(1000);
  scheduler.flushQueues();
  await scheduler.runUntilIdle();
  assert.is(await nodeOf(api, 'big'), 'b');
});

e2e('preemption: a high-priority pod evicts the low-priority one and takes its place', async () => {
  const { api, scheduler, clock } = await cluster();
  await api.create('priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 });
  await api.create('nodes', makeNode('n1').capacity({ cpu: '2', memory: '4Gi' }).obj());
  await api.create('pods', podBody(makePod('low').req({ cpu: '1500m' })));
  await scheduler.runUntilIdle();
  assert.is(await nodeOf(api, 'low'), 'n1');
  await api.create('pods', podBody(makePod('high').req({ cpu: '1500m' }).spec({ priorityClassName: 'high' })));
  await scheduler.runUntilIdle();
  const high = await api.get<Pod>('pods', 'default', 'high');
  assert.is(high.status?.nominatedNodeName, 'n1', 'nominated to the node where it preempted');
  // The victim is terminating (bound pods get their grace period); its kubelet would finish the deletion.
  const low = await api.get<Pod>('pods', 'default', 'low');
  assert.ok(low.metadata?.deletionTimestamp !== undefined);
  assert.ok(low.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.reason === 'PreemptionByScheduler'));
  await api.delete('pods', 'default', 'low', { gracePeriodSeconds: 0 });
  clock.advance(2000);
  scheduler.flushQueues();
  await scheduler.runUntilIdle();
  assert.is(await nodeOf(api, 'high'), 'n1');
  assert.is(scheduler.metrics.preemptions, 1);
});

e2e('space freed by preemption is held for the nominated pod: a lower-priority newcomer may not take it', async () => {
  const { api, scheduler, clock } = await cluster();
  await api.create('priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 });
  await api.create('nodes', makeNode('n1').capacity({ cpu: '2', memory: '4Gi' }).obj());
  await api.create('pods', podBody(makePod('low').req({ cpu: '1500m' })));
  await scheduler.runUntilIdle();
  await api.create('pods', podBody(makePod('high').req({ cpu: '1500m' }).spec({ priorityClassName: 'high' })));
  await scheduler.runUntilIdle();
  assert.is((await api.get<Pod>('pods', 'default', 'high')).status?.nominatedNodeName, 'n1');
  await api.delete('pods', 'default', 'low', { gracePeriodSeconds: 0 });
  // The victim is gone: n1 has 2 cpu free. A priority-0 pod of 1500m arrives first. With the nominated
  // 1500m counted on n1 (RunFilterPluginsWithNominatedPods), 1500m + 1500m > 2000m: it must wait.
  await api.create('pods', podBody(makePod('newcomer').req({ cpu: '1500m' })));
  await scheduler.runUntilIdle();
  assert.is(await nodeOf(api, 'newcomer'), undefined);
  clock.advance(2000);
  scheduler.flushQueues();
  await scheduler.runUntilIdle();
  assert.is(await nodeOf(api, 'high'), 'n1');
  assert.is(await nodeOf(api, 'newcomer'), undefined);
});

e2e('a second preemptor\'s dry run counts the first one\'s nomination (SelectVictimsOnNode filters with nominated pods)', async () => {
  const { api, scheduler } = await cluster();
  await api.create('priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 });
  for (const n of ['n1', 'n2']) await api.create('nodes', makeNode(n).capacity({ cpu: '4', memory: '16Gi' }).obj());
  // 8 × 900m: four per node (a fifth would need 4500m > 4000m).
  for (let i = 0; i < 8; i++) await api.create('pods', podBody(makePod(`low${i}`).req({ cpu: '900m' })));
  await scheduler.runUntilIdle();
  const lowOn = async (node: string) => {
    const out: string[] = [];
    for (let i = 0; i < 8; i++) {
      const p = await api.get<Pod>('pods', 'default', `low${i}`).catch(() => undefined);
      if (p?.spec.nodeName === node && p.metadata?.deletionTimestamp === undefined) out.push(`low${i}`);
    }
    return out;
  };
  assert.equal([(await lowOn('n1')).length, (await lowOn('n2')).length], [4, 4]);
  // A (3000m) preempts 3 of the 4 on one node (3600m - 2700m + 3000m = 3900m <= 4000m) and is nominated.
  await api.create('pods', podBody(makePod('a').req({ cpu: '3000m' }).spec({ priorityClassName: 'high' })));
  await scheduler.runUntilIdle();
  const x = (await api.get<Pod>('pods', 'default', 'a')).status?.nominatedNodeName ?? '';
  const y = x === 'n1' ? 'n2' : 'n1';
  assert.ok(x === 'n1' || x === 'n2', `a nominated: ${x}`);
  const victims = (await api.list<Pod>('pods')).items.filter((p) => p.metadata?.deletionTimestamp !== undefined).map((p) => p.metadata!.name!);
  assert.is(victims.length, 3);
  // Their kubelet finishes the deletions; A is still in backoff (no time passed), so it holds x by nomination only.
  for (const v of victims) await api.delete('pods', 'default', v, { gracePeriodSeconds: 0 });
  assert.equal((await lowOn(x)).length, 1);
  // B (3200m, same priority) fits nowhere. Its dry run on x takes off the last low pod (900m + 3200m >
  // 4000m): without A's nomination B would fit there with that one victim and win (y needs all four:
  // 900m + 3200m > 4000m again); counting A, 3000m + 3200m > 4000m, so x is no candidate and B preempts on y.
  await api.create('pods', podBody(makePod('b').req({ cpu: '3200m' }).spec({ priorityClassName: 'high' })));
  await scheduler.runUntilIdle();
  assert.is((await api.get<Pod>('pods', 'default', 'b')).status?.nominatedNodeName, y);
  assert.is((await lowOn(x)).length, 1, 'the low pod on x is untouched');
  assert.equal(await lowOn(y), [], 'all four on y are victims');
  assert.is(scheduler.metrics.preemptions, 7, 'victims: 3 for a, 4 for b');
});

e2e('GPU shares: the chosen device is recorded on the bound pod; two 600-milli shares need two devices', async () => {
  const { api, scheduler } = await cluster();
  await api.create('nodes', makeNode('g').capacity({ cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '2' }).label('drydock.io/gpu-model', 'A100').obj());
  for (const name of ['s1', 's2', 's3']) await api.create('pods', podBody(makePod(name).req({ cpu: '1', 'drydock.io/gpu-milli': '600' })));
  await scheduler.runUntilIdle();
  const devices = [];
  for (const name of ['s1', 's2', 's3']) {
    const p = await api.get<Pod>('pods', 'default', name);
    devices.push([p.spec.nodeName, p.metadata?.annotations?.['drydock.io/gpu-devices']]);
  }
  // 600 + 600 > 1000, so the second share takes the other device; the third fits on neither (400 free each).
  assert.equal(devices, [['g', '0'], ['g', '1'], [undefined, undefined]]);
});

e2e('same inputs and seed give the same placements', async () => {
  const placements = async (seed: number) => {
    const { api, scheduler } = await cluster(seed);
    for (let i = 0; i < 6; i++) await api.create('nodes', makeNode(`n${i}`).capacity({ cpu: '4', memory: '8Gi' }).obj());
    for (let i = 0; i < 12; i++) await api.create('pods', podBody(makePod(`p${i}`).req({ cpu: '500m', memory: '512Mi' })));
    await scheduler.runUntilIdle();
    return Promise.all(Array.from({ length: 12 }, (_, i) => nodeOf(api, `p${i}`)));
  };
  const a = await placements(7);
  assert.equal(await placements(7), a);
  assert.ok(a.every((n) => n !== undefined));
});

e2e('control-plane nodes keep pods off unless they tolerate the taint', async () => {
  const { api, scheduler } = await cluster();
  await api.create('nodes', makeNode('cp').capacity({ cpu: '8', memory: '16Gi' }).label('node-role.kubernetes.io/control-plane', '').obj());
  await api.create('pods', podBody(makePod('app').req({ cpu: '1' })));
  await api.create(
    'pods',
    podBody(makePod('agent').req({ cpu: '1' }).toleration({ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' })),
  );
  await scheduler.runUntilIdle();
  assert.equal([await nodeOf(api, 'app'), await nodeOf(api, 'agent')], [undefined, 'cp']);
});

e2e.run();
