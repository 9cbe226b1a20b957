// The ReplicaSet controller: reconcile tables on caches filled through the API server (observed state in,
// actions out), the scale-down victim order of ActivePodsWithRanks, status with minReadySeconds, FailedCreate,
// a scenario with the real scheduler, and a fast-check model of scale / delete / relabel / ready / fail.
import * as fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiServer } from '../../src/apiserver/apiserver.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import { formatTime } from '../../src/apiserver/meta.js';
import type { Json } from '../../src/apiserver/strategy.js';
import type { Pod, PodPhase, ReplicaSet } from '../../src/api/index.js';
import { isPodActive } from '../../src/controllers/controller-utils.js';
import { newReplicaSetController, ReplicaSetReconciler } from '../../src/controllers/replicaset.js';
import { settle, type Action, type Controller } from '../../src/controllers/runtime.js';
import { createScheduler } from '../../src/scheduler/index.js';
import type { ManualClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';
import { makeApi, T0 } from '../apiserver/fixtures.js';
import { makeNode } from '../scheduler/fixtures.js';

function rsBody(name: string, replicas: number, o: { labels?: Record<string, string>; selector?: Record<string, string>; minReadySeconds?: number; priorityClassName?: string } = {}) {
  const labels = o.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      ...(o.minReadySeconds !== undefined ? { minReadySeconds: o.minReadySeconds } : {}),
      selector: { matchLabels: o.selector ?? labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
          ...(o.priorityClassName !== undefined ? { priorityClassName: o.priorityClassName } : {}),
        },
      },
    },
  };
}

async function setPodStatus(api: ApiServer, name: string, status: Json): Promise<void> {
  const p = await api.get<Pod>('pods', 'default', name);
  await api.update('pods', { ...p, status: { ...p.status, ...status } }, { subresource: 'status' });
}

/** What a kubelet would report: Running and Ready since `at`. */
function readyStatus(at: number): Json {
  return { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: formatTime(at) }] };
}

async function scaleRS(api: ApiServer, name: string, replicas: number): Promise<void> {
  const rs = await api.get<ReplicaSet>('replicasets', 'default', name);
  await api.update('replicasets', { ...rs, spec: { ...rs.spec, replicas } });
}

const creates = (a: readonly Action[]) => a.filter((x) => x.type === 'create');
const deletes = (a: readonly Action[]) => a.flatMap((x) => (x.type === 'delete' ? [x.name] : []));
const events = (a: readonly Action[]) => a.flatMap((x) => (x.type === 'event' ? [`${x.reason}: ${x.message}`] : []));

async function reconcilerOnApi() {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const reconciler = new ReplicaSetReconciler({ informers, clock: ctx.clock });
  await informers.start();
  return { ...ctx, informers, reconciler };
}

// ---- reconcile tables ---------------------------------------------------------------------------------------

const table = suite('ReplicaSet reconcile (observed state → actions)');

table('3 replicas, no pods: 3 pods from the template with generateName "<rs>-", labels and a controller reference', async () => {
  const { api, reconciler } = await reconcilerOnApi();
  const rs = await api.create<ReplicaSet>('replicasets', rsBody('web', 3));
  const { actions } = reconciler.reconcile('default/web');
  const made = creates(actions).map((a) => (a as unknown as { object: Pod }).object);
  assert.is(made.length, 3); // diff = 3 desired − 0 active
  for (const p of made) {
    assert.is(p.metadata.generateName, 'web-');
    assert.ok(p.metadata.name!.startsWith('web-') && p.metadata.name!.length === 'web-'.length + 5, p.metadata.name);
    assert.equal(p.metadata.labels, { app: 'web' });
    assert.equal(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
    assert.is(p.spec.containers[0]!.image, 'nginx:1.27');
  }
  assert.equal(events(actions), made.map((p) => `SuccessfulCreate: Created pod: ${p.metadata.name}`));
  // Status is computed from the pods before the creates: replicas 0 (upstream does the same; the creates bring the key back).
  const status = actions.find((a) => a.type === 'update') as unknown as { object: ReplicaSet; subresource?: string };
  assert.is(status.subresource, 'status');
  assert.equal(status.object.status, { replicas: 0, observedGeneration: 1 });
});

table('creates and deletes are capped at BurstReplicas = 500 per sync', async () => {
  const { api, reconciler } = await reconcilerOnApi();
  await api.create('replicasets', rsBody('big', 1200));
  // min(1200 − 0, 500) = 500
  assert.is(creates(reconciler.reconcile('default/big').actions).length, 500);
});

table('adopts matching orphans, releases owned pods that stopped matching, ignores pods of other controllers', async () => {
  const { api, reconciler } = await reconcilerOnApi();
  const rs = await api.create<ReplicaSet>('replicasets', rsBody('web', 2));
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid!, controller: true };
  const other = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'other', uid: 'uid-other', controller: true };
  const mk = (name: string, labels: Record<string, string>, owner?: object) =>
    api.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels, ...(owner ? { ownerReferences: [owner] } : {}) }, spec: { containers: [{ name: 'c', image: 'x:1' }] } });
  const orphan = await mk('orphan', { app: 'web' });
  const strayed = await mk('strayed', { app: 'api' }, ref);
  await mk('theirs', { app: 'web' }, other);
  await mk('unrelated', { app: 'db' });
  const { actions } = reconciler.reconcile('default/web');
  const patches = actions.filter((a) => a.type === 'patch') as Extract<Action, { type: 'patch' }>[];
  assert.equal(
    patches.map((p) => [p.name, p.patch]),
    [
      ['orphan', { metadata: { ownerReferences: [{ ...ref, blockOwnerDeletion: true }], uid: orphan.metadata.uid } }],
      ['strayed', { metadata: { ownerReferences: [{ $patch: 'delete', uid: rs.metadata.uid }], uid: strayed.metadata.uid } }],
    ],
  );
  // 2 desired − 1 claimed (the adopted orphan) = 1 to create; "theirs" is not counted.
  assert.is(creates(actions).length, 1);
});

table('scale-down victims follow ActivePodsWithRanks: unassigned, Pending, Unknown, not ready, deletion cost, co-location, ready time, restarts, age', async () => {
  const { api, clock, reconciler } = await reconcilerOnApi();
  const rs = await api.create<ReplicaSet>('replicasets', rsBody('web', 10));
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid!, controller: true };
  const make = async (name: string, node: string | undefined, status: Json, annotations?: Record<string, string>) => {
    await api.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'web' }, ownerReferences: [ref], ...(annotations ? { annotations } : {}) },
      spec: { containers: [{ name: 'c', image: 'x:1' }], ...(node ? { nodeName: node } : {}) },
    });
    await setPodStatus(api, name, status);
  };
  const longAgo = T0 + 9000_000; // ready 1000 s before "now": ⌊log2(1000 s in ns)⌋ = ⌊39.86⌋ = 39
  const recently = T0 + 9990_000; // ready 10 s before now: ⌊log2(1e10)⌋ = 33 → deleted before the long-ready ones
  const ready = (at: number) => readyStatus(at);
  await make('u', undefined, { phase: 'Pending' }); // 1. unassigned
  await make('p', 'n1', { phase: 'Pending' }); // 2. Pending < Unknown < Running
  await make('k', 'n1', { phase: 'Unknown' });
  await make('r', 'n1', { phase: 'Running' }); // 3. not ready < ready
  await make('cost', 'n2', ready(longAgo), { 'controller.kubernetes.io/pod-deletion-cost': '-5' }); // 4. lower cost first
  await make('crowd', 'n1', ready(longAgo)); // 5. n1 holds 4 active pods (p, k, r, crowd): rank 4 > 1
  await make('fresh', 'n3', ready(recently)); // 6. ready more recently
  await make('restarts', 'n5', { ...ready(longAgo), containerStatuses: [{ name: 'c', ready: true, restartCount: 3, image: 'x:1', imageID: '' }] }); // 7.
  await make('old', 'n4', ready(longAgo));
  clock.advance(9000_000);
  await make('newer', 'n6', ready(longAgo)); // 8. created 9000 s later: age 1000 s (⌊39.86⌋) vs 10000 s (⌊43.18⌋)
  clock.advance(1000_000); // now = T0 + 10000 s
  const expected = ['u', 'p', 'k', 'r', 'cost', 'crowd', 'fresh', 'restarts', 'newer', 'old'];
  for (let replicas = 9; replicas >= 1; replicas--) {
    await scaleRS(api, 'web', replicas);
    const { actions } = reconciler.reconcile('default/web');
    // 10 active − `replicas` desired = the first 10 − replicas of the order
    assert.equal(new Set(deletes(actions)), new Set(expected.slice(0, 10 - replicas)), `replicas ${replicas}`);
    assert.equal(events(actions).filter((e) => e.startsWith('SuccessfulDelete')).length, 10 - replicas);
  }
  // Deleting all of them needs no order.
  await scaleRS(api, 'web', 0);
  assert.is(deletes(reconciler.reconcile('default/web').actions).length, 10);
});

table('status counts ready and available pods; minReadySeconds delays availability and requeues the key', async () => {
  const { api, clock, reconciler } = await reconcilerOnApi();
  const rs = await api.create<ReplicaSet>('replicasets', rsBody('web', 3, { minReadySeconds: 10 }));
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid!, controller: true };
  for (const [name, labels] of [['a', { app: 'web' }], ['b', { app: 'web' }], ['c', { app: 'web', extra: 'x' }]] as const) {
    await api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels, ownerReferences: [ref] }, spec: { containers: [{ name: 'c', image: 'x:1' }] } });
  }
  await setPodStatus(api, 'a', readyStatus(T0));
  await setPodStatus(api, 'b', readyStatus(T0));
  clock.advance(4000);
  let result = reconciler.reconcile('default/web');
  let status = (result.actions.find((a) => a.type === 'update') as unknown as { object: ReplicaSet }).object.status;
  // 3 pods, all labelled as the template says (c has an extra label but every template label), 2 ready,
  // none available: ready at T0, 4 s ago < 10 s.
  assert.equal(status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, observedGeneration: 1 });
  // Available once T0 + 10 s is strictly in the past: 10 000 + 1 − 4 000 = 6 001 ms from now.
  assert.is(result.requeueAfterMs, 6001);
  clock.advance(6001);
  result = reconciler.reconcile('default/web');
  status = (result.actions.find((a) => a.type === 'update') as unknown as { object: ReplicaSet }).object.status;
  assert.is(status?.availableReplicas, 2);
  assert.is(result.requeueAfterMs, undefined);
});

table('a pod that cannot be created gives FailedCreate "Error creating: ..." and a ReplicaFailure condition', async () => {
  const { api, clock } = await makeApi();
  const informers = new SharedInformerFactory(api);
  const controller = newReplicaSetController({ api, informers, clock });
  await informers.start();
  await api.create('replicasets', rsBody('web', 2, { priorityClassName: 'missing' }));
  await settle([controller]); // priority admission refuses the pod; the key backs off 5 ms
  clock.advance(5);
  await settle([controller]);
  const evs = (await api.list<Json>('events')).items.filter((e) => e['reason'] === 'FailedCreate');
  assert.is(evs.length >= 1, true);
  assert.is(evs[0]!['type'], 'Warning');
  assert.match(String(evs[0]!['message']), /^Error creating: pods "web-\w{5}" is forbidden: no PriorityClass with name missing was found$/);
  const rs = await api.get<ReplicaSet>('replicasets', 'default', 'web');
  const cond = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  assert.equal([cond?.status, cond?.reason], ['True', 'FailedCreate']);
});

table.run();

// ---- scenario: real API server, informers, controller and scheduler ----------------------------------------

const scenario = suite('ReplicaSet on the API server with the scheduler');

async function cluster() {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const controller = newReplicaSetController({ api: ctx.api, informers, clock: ctx.clock });
  const scheduler = createScheduler({ api: ctx.api, informers, clock: ctx.clock, rng: seededRng(3), recordEvents: false });
  await scheduler.start();
  await informers.start();
  for (const n of ['node-a', 'node-b']) await ctx.api.create('nodes', makeNode(n).capacity({ cpu: '4', memory: '8Gi' }).obj());
  const settleAll = async () => {
    for (let i = 0; i < 50; i++) if ((await settle([controller])) + (await scheduler.runUntilIdle()) === 0) return;
    throw new Error('the control plane did not settle');
  };
  return { ...ctx, controller, scheduler, settleAll };
}

/** A kubelet stand-in: bound pods become Running and Ready; terminating pods finish. */
async function kubelet(api: ApiServer, clock: ManualClock): Promise<void> {
  for (const p of (await api.list<Pod>('pods')).items) {
    if (p.metadata.deletionTimestamp !== undefined) await api.delete('pods', 'default', p.metadata.name!, { gracePeriodSeconds: 0 });
    else if (p.spec.nodeName !== undefined && p.status?.phase === 'Pending') await setPodStatus(api, p.metadata.name!, readyStatus(clock.now()));
  }
}

scenario('a ReplicaSet keeps 3 pods when pods are deleted', async () => {
  const { api, clock, settleAll } = await cluster();
  await api.create('replicasets', rsBody('web', 3));
  await settleAll();
  await kubelet(api, clock);
  await settleAll();
  let pods = (await api.list<Pod>('pods')).items;
  assert.is(pods.length, 3);
  assert.ok(pods.every((p) => p.spec.nodeName !== undefined), 'all scheduled');
  let rs = await api.get<ReplicaSet>('replicasets', 'default', 'web');
  assert.equal(rs.status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });

  // Delete two running pods: they terminate (30 s grace), are no longer active, and are replaced at once.
  for (const p of pods.slice(0, 2)) await api.delete('pods', 'default', p.metadata.name!);
  await settleAll();
  pods = (await api.list<Pod>('pods')).items;
  assert.is(pods.filter(isPodActive).length, 3); // 1 survivor + 2 replacements
  assert.is(pods.filter((p) => p.metadata.deletionTimestamp !== undefined).length, 2);
  rs = await api.get<ReplicaSet>('replicasets', 'default', 'web');
  assert.equal([rs.status?.replicas, rs.status?.readyReplicas], [3, 1]); // the replacements are not ready yet

  await kubelet(api, clock); // the terminating pods finish; the replacements become ready
  await settleAll();
  pods = (await api.list<Pod>('pods')).items;
  assert.is(pods.length, 3);
  rs = await api.get<ReplicaSet>('replicasets', 'default', 'web');
  assert.equal([rs.status?.replicas, rs.status?.readyReplicas, rs.status?.availableReplicas], [3, 3, 3]);
  const reasons = (await api.list<Json>('events')).items.map((e) => e['reason']);
  assert.is(reasons.filter((r) => r === 'SuccessfulCreate').length, 5); // 3 + 2 replacements
});

scenario.run();

// ---- property: convergence and single ownership ------------------------------------------------------------

const property = suite('ReplicaSet property');

type Cmd =
  | { op: 'scale'; rs: 0 | 1; replicas: number }
  | { op: 'delete' | 'ready' | 'fail' | 'bind' | 'strip' | 'tierB'; pick: number }
  | { op: 'settle' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constant('scale' as const), rs: fc.constantFrom(0 as const, 1 as const), replicas: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ op: fc.constantFrom('delete' as const, 'ready' as const, 'fail' as const, 'bind' as const, 'strip' as const, 'tierB' as const), pick: fc.nat() }),
  fc.constant({ op: 'settle' as const }),
);

property('for any sequence of scale / delete / ready / fail / bind / relabel, active owned pods converge to spec.replicas and no pod has two controllers', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(cmd, { maxLength: 25 }), async (cmds) => {
      const { api, clock } = await makeApi();
      const informers = new SharedInformerFactory(api);
      const controller: Controller = newReplicaSetController({ api, informers, clock });
      await informers.start();
      await api.create('nodes', makeNode('n1').capacity({ cpu: '4', memory: '8Gi' }).obj());
      // Overlapping selectors: b's pods also match a's selector (app=web), so both may try to claim orphans.
      await api.create('replicasets', rsBody('a', 2, { labels: { app: 'web', tier: 'a' }, selector: { app: 'web' } }));
      await api.create('replicasets', rsBody('b', 1, { labels: { app: 'web', tier: 'b' }, selector: { app: 'web', tier: 'b' } }));
      const check = async () => {
        for (const p of (await api.list<Pod>('pods')).items) {
          const controllers = (p.metadata.ownerReferences ?? []).filter((r) => r.controller === true);
          assert.ok(controllers.length <= 1, `${p.metadata.name} has ${controllers.length} controllers`);
        }
      };
      await settle([controller]);
      for (const c of cmds) {
        const pods = (await api.list<Pod>('pods')).items;
        const target = 'pick' in c && pods.length > 0 ? pods[c.pick % pods.length] : undefined;
        const name = target?.metadata.name ?? '';
        switch (c.op) {
          case 'scale':
            await scaleRS(api, c.rs === 0 ? 'a' : 'b', c.replicas);
            break;
          case 'settle':
            await settle([controller]);
            break;
          case 'delete':
            if (target) await api.delete('pods', 'default', name);
            break;
          case 'ready':
            if (target && isPodActive(target)) await setPodStatus(api, name, readyStatus(clock.now()));
            break;
          case 'fail':
            if (target && isPodActive(target)) await setPodStatus(api, name, { phase: 'Failed' as PodPhase });
            break;
          case 'bind':
            if (target && target.spec.nodeName === undefined && target.metadata.deletionTimestamp === undefined) await api.bind('default', name, { target: { name: 'n1' } });
            break;
          case 'strip':
          case 'tierB':
            if (target) {
              const labels = c.op === 'strip' ? { tier: 'x' } : { app: 'web', tier: 'b' };
              await api.update('pods', { ...target, metadata: { ...target.metadata, labels } });
            }
            break;
        }
        await check();
      }
      await settle([controller]);
      await check();
      const pods = (await api.list<Pod>('pods')).items;
      for (const rsName of ['a', 'b']) {
        const rs = await api.get<ReplicaSet>('replicasets', 'default', rsName);
        const owned = pods.filter((p) => isPodActive(p) && p.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === rs.metadata.uid));
        assert.is(owned.length, rs.spec.replicas, `${rsName}: ${owned.length} active owned pods, spec.replicas ${rs.spec.replicas}`);
        assert.is(rs.status?.replicas, rs.spec.replicas);
      }
    }),
    { numRuns: 40, seed: 20261128 },
  );
});

property.run();
