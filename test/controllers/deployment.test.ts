// The Deployment controller: the rolling-update arithmetic (fenceposts, new ReplicaSet size, proportional
// scaling) as tables, reconcile on prepared caches, pod-template-hash, and scenarios with the real API
// server, informers, ReplicaSet controller and scheduler: a RollingUpdate rollout checked after every settle
// step, Recreate, and revisionHistoryLimit.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiServer } from '../../src/apiserver/apiserver.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import { formatTime } from '../../src/apiserver/meta.js';
import type { Json } from '../../src/apiserver/strategy.js';
import type { Deployment, Pod, ReplicaSet } from '../../src/api/index.js';
import { isPodActive, isPodReady, safeEncodeString } from '../../src/controllers/controller-utils.js';
import {
  computeHash,
  DeploymentReconciler,
  equalIgnoreHash,
  newDeploymentController,
  newRSNewReplicas,
  resolveFenceposts,
  REVISION_ANNOTATION,
} from '../../src/controllers/deployment.js';
import { newReplicaSetController } from '../../src/controllers/replicaset.js';
import { settle, type Action } from '../../src/controllers/runtime.js';
import { createScheduler } from '../../src/scheduler/index.js';
import type { ManualClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';
import { makeApi } from '../apiserver/fixtures.js';
import { makeNode } from '../scheduler/fixtures.js';

interface DeployOpts {
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  recreate?: boolean;
  revisionHistoryLimit?: number;
}

function deployBody(name: string, replicas: number, image: string, o: DeployOpts = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
      strategy: o.recreate
        ? { type: 'Recreate' }
        : { type: 'RollingUpdate', rollingUpdate: { maxSurge: o.maxSurge ?? '25%', maxUnavailable: o.maxUnavailable ?? '25%' } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
      },
    },
  };
}

async function setImage(api: ApiServer, name: string, image: string): Promise<void> {
  const d = await api.get<Deployment>('deployments', 'default', name);
  const t = d.spec.template;
  await api.update('deployments', { ...d, spec: { ...d.spec, template: { ...t, spec: { ...t.spec, containers: [{ ...t.spec.containers[0]!, image }] } } } });
}

async function setReplicas(api: ApiServer, name: string, replicas: number): Promise<void> {
  const d = await api.get<Deployment>('deployments', 'default', name);
  await api.update('deployments', { ...d, spec: { ...d.spec, replicas } });
}

const readyStatus = (at: number): Json => ({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: formatTime(at) }] });

async function markReady(api: ApiServer, pod: Pod, at: number): Promise<void> {
  await api.update('pods', { ...pod, status: { ...pod.status, ...readyStatus(at) } }, { subresource: 'status' });
}

/**
 * A kubelet stand-in for one step: terminating pods finish, and at most `readyPerStep` pods that are not
 * ready yet (bound ones, when `bound`) become Running and Ready.
 */
async function kubelet(api: ApiServer, clock: ManualClock, o: { readyPerStep?: number; bound?: boolean } = {}): Promise<number> {
  let changed = 0;
  let budget = o.readyPerStep ?? Infinity;
  for (const p of (await api.list<Pod>('pods')).items) {
    if (p.metadata.deletionTimestamp !== undefined) {
      await api.delete('pods', 'default', p.metadata.name!, { gracePeriodSeconds: 0 });
      changed++;
    } else if (budget > 0 && isPodActive(p) && !isPodReady(p) && (o.bound === false || p.spec.nodeName !== undefined)) {
      await markReady(api, p, clock.now());
      budget--;
      changed++;
    }
  }
  return changed;
}

async function cluster(o: { scheduler?: boolean } = {}) {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const rsController = newReplicaSetController({ api: ctx.api, informers, clock: ctx.clock });
  const dController = newDeploymentController({ api: ctx.api, informers, clock: ctx.clock });
  const scheduler = o.scheduler === false ? undefined : createScheduler({ api: ctx.api, informers, clock: ctx.clock, rng: seededRng(5), recordEvents: false });
  await scheduler?.start();
  await informers.start();
  for (const n of ['node-a', 'node-b', 'node-c']) await ctx.api.create('nodes', makeNode(n).capacity({ cpu: '4', memory: '8Gi' }).obj());
  const settleAll = async () => {
    for (let i = 0; i < 100; i++) {
      const n = (await settle([rsController, dController])) + ((await scheduler?.runUntilIdle()) ?? 0);
      if (n === 0) return;
    }
    throw new Error('the control plane did not settle');
  };
  return { ...ctx, informers, settleAll };
}

const replicaSets = async (api: ApiServer) => (await api.list<ReplicaSet>('replicasets')).items;
const rsByImage = async (api: ApiServer, image: string) => (await replicaSets(api)).find((rs) => rs.spec.template?.spec.containers[0]!.image === image)!;
/** Events in the order they were recorded (names are generated; resourceVersions are not). */
const eventsInOrder = async (api: ApiServer) =>
  (await api.list<Json & { metadata: { resourceVersion: string } }>('events')).items.sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion));
const scalingEvents = (actions: readonly Action[]) => actions.flatMap((a) => (a.type === 'event' && a.reason === 'ScalingReplicaSet' ? [a.message] : []));

// ---- arithmetic ---------------------------------------------------------------------------------------------

const arithmetic = suite('rolling-update arithmetic (util/deployment_util.go)');

arithmetic('ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, both 0 → maxUnavailable 1', () => {
  const cases: [replicas: number, surge: number | string, unavailable: number | string, want: { surge: number; unavailable: number }][] = [
    [10, '25%', '25%', { surge: 3, unavailable: 2 }], // 2.5 → ⌈2.5⌉ = 3; 2.5 → ⌊2.5⌋ = 2
    [4, '25%', '25%', { surge: 1, unavailable: 1 }], // 1.0 both ways
    [1, '25%', '25%', { surge: 1, unavailable: 0 }], // ⌈0.25⌉ = 1; ⌊0.25⌋ = 0
    [3, '0%', '10%', { surge: 0, unavailable: 1 }], // 0 and ⌊0.3⌋ = 0: both zero → unavailable 1
    [10, 0, 0, { surge: 0, unavailable: 1 }],
    [10, 2, '50%', { surge: 2, unavailable: 5 }], // integers as they are
    [7, '100%', '0%', { surge: 7, unavailable: 0 }],
  ];
  for (const [replicas, surge, unavailable, want] of cases) assert.equal(resolveFenceposts(surge, unavailable, replicas), want, `${replicas} ${surge}/${unavailable}`);
});

arithmetic('NewRSNewReplicas: fill up to replicas + maxSurge across all ReplicaSets, never past replicas', () => {
  const d = deployBody('web', 10, 'v2') as unknown as Deployment; // maxSurge 25% of 10 → 3, so at most 13 pods
  const rs = (replicas: number) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: {}, spec: { replicas, selector: {} } }) as ReplicaSet;
  const cases: [oldReplicas: number, newReplicas: number, want: number][] = [
    [10, 0, 3], // 13 − 10 = 3 room; min(3, 10 − 0)
    [8, 3, 5], // 13 − 11 = 2 room → 3 + 2
    [10, 3, 3], // 13 pods already: no room
    [2, 7, 10], // 13 − 9 = 4 room, but min(4, 10 − 7) = 3 → 10
  ];
  for (const [o, n, want] of cases) {
    const newRS = rs(n);
    assert.is(newRSNewReplicas(d, [rs(o), newRS], newRS), want, `old ${o} new ${n}`);
  }
  const recreate = deployBody('web', 10, 'v2', { recreate: true }) as unknown as Deployment;
  assert.is(newRSNewReplicas(recreate, [rs(10), rs(0)], rs(0)), 10); // Recreate: all at once
});

arithmetic('pod-template-hash: FNV-32a of the canonical template, decimal, through SafeEncodeString', () => {
  // SafeEncodeString maps each character by code point mod 27: '1' = 49 → 22 → '5', '2' → '6', '3' → '7', '0' = 48 → 21 → '4'.
  assert.is(safeEncodeString('1230'), '5674');
  const t = deployBody('web', 1, 'v1').spec.template as unknown as Deployment['spec']['template'];
  const h = computeHash(t);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.is(computeHash(structuredClone(t)), h, 'stable');
  assert.is(computeHash({ metadata: { labels: { app: 'web' } }, spec: t.spec }), h, 'key order does not matter');
  assert.is.not(computeHash(t, 1), h, 'collisionCount changes it');
  assert.is.not(computeHash(deployBody('web', 1, 'v2').spec.template as never), h, 'the image changes it');
  const labelled = { ...t, metadata: { labels: { app: 'web', 'pod-template-hash': h } } };
  assert.ok(equalIgnoreHash(labelled, t));
});

arithmetic.run();

// ---- reconcile on prepared caches ---------------------------------------------------------------------------

const table = suite('Deployment reconcile (observed state → actions)');

/** A deployment of 10 rolled out to v1 with every pod ready, and a bare reconciler on the same caches. */
async function rolledOut() {
  const c = await cluster({ scheduler: false });
  await c.api.create('deployments', deployBody('web', 10, 'v1'));
  await c.settleAll();
  await kubelet(c.api, c.clock, { bound: false });
  await c.settleAll();
  const reconciler = new DeploymentReconciler({ informers: c.informers, clock: c.clock });
  return { ...c, reconciler };
}

table('a new template: the first sync creates the new ReplicaSet at maxSurge and scales the old one down by maxUnavailable', async () => {
  const { api, reconciler } = await rolledOut();
  const v1 = await rsByImage(api, 'v1');
  assert.equal([v1.spec.replicas, v1.status?.availableReplicas], [10, 10]);
  await setImage(api, 'web', 'v2');
  const { actions } = reconciler.reconcile('default/web');
  const created = actions.find((a) => a.type === 'create') as unknown as { object: ReplicaSet };
  const v2 = created.object;
  const hash = v2.metadata.labels!['pod-template-hash']!;
  assert.is(v2.metadata.name, `web-${hash}`);
  assert.equal(v2.spec.selector.matchLabels, { app: 'web', 'pod-template-hash': hash });
  assert.equal(v2.spec.template?.metadata?.labels, { app: 'web', 'pod-template-hash': hash });
  assert.equal(v2.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller, r.blockOwnerDeletion]), [['Deployment', 'web', true, true]]);
  // replicas 10, maxSurge 25% → ⌈2.5⌉ = 3, maxUnavailable 25% → ⌊2.5⌋ = 2:
  //   new ReplicaSet: min(10 + 3 − 10, 10 − 0) = 3
  //   old: maxScaledDown = 13 pods − (10 − 2) minAvailable − 3 unavailable new = 2; available 10 − 8 = 2 → 10 − 2 = 8
  assert.is(v2.spec.replicas, 3);
  assert.equal(v2.metadata.annotations, {
    'deployment.kubernetes.io/revision': '2',
    'deployment.kubernetes.io/desired-replicas': '10',
    'deployment.kubernetes.io/max-replicas': '13',
  });
  assert.equal(scalingEvents(actions), [`Scaled up replica set ${v2.metadata.name} to 3`, `Scaled down replica set ${v1.metadata.name} to 8 from 10`]);
  const old = actions.find((a) => a.type === 'update' && a.resource === 'replicasets') as unknown as { object: ReplicaSet };
  assert.is(old.object.spec.replicas, 8);
  const status = actions.find((a) => a.type === 'update' && a.resource === 'deployments') as unknown as { object: Deployment; subresource: string };
  assert.is(status.subresource, 'status');
  assert.is(status.object.metadata.annotations?.[REVISION_ANNOTATION], '2');
  const progressing = status.object.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.equal([progressing?.status, progressing?.reason, progressing?.message], ['True', 'NewReplicaSetCreated', `Created new replica set "${v2.metadata.name}"`]);
});

table('cleanupUnhealthyReplicas: unavailable old replicas go first, but only as far as maxScaledDown allows', async () => {
  const c = await cluster({ scheduler: false });
  await c.api.create('deployments', deployBody('web', 10, 'v1'));
  await c.settleAll();
  await kubelet(c.api, c.clock, { bound: false, readyPerStep: 7 }); // 7 of 10 old pods ready, 3 unhealthy
  await c.settleAll();
  const reconciler = new DeploymentReconciler({ informers: c.informers, clock: c.clock });
  const v1 = await rsByImage(c.api, 'v1');
  assert.equal([v1.spec.replicas, v1.status?.availableReplicas], [10, 7]);
  await setImage(c.api, 'web', 'v2');
  const { actions } = reconciler.reconcile('default/web');
  const v2 = (actions.find((a) => a.type === 'create') as unknown as { object: ReplicaSet }).object;
  // new: 3 (as before). maxScaledDown = 13 − (10 − 2) − 3 unavailable new = 2, so of the 3 unhealthy old
  // replicas only min(2, 10 − 7) = 2 are cleaned up: old 10 → 8. Then available 7 ≤ minAvailable 8: no more.
  assert.equal(scalingEvents(actions), [`Scaled up replica set ${v2.metadata.name} to 3`, `Scaled down replica set ${v1.metadata.name} to 8 from 10`]);
});

table('scaling mid-rollout is proportional: each ReplicaSet gets its share of replicas + maxSurge', async () => {
  const { api, reconciler, settleAll } = await rolledOut();
  await setImage(api, 'web', 'v2');
  // Sync 1: new 3, old 8 (as above). Sync 2: 8 + 3 = 11 < 13, so new → 3 + 2 = 5. Sync 3: maxScaledDown =
  // 13 − 8 − 5 unavailable = 0. No pod becomes ready, so the rollout rests at old 8, new 5.
  await settleAll();
  const v1 = await rsByImage(api, 'v1');
  const v2 = await rsByImage(api, 'v2');
  assert.equal([v1.spec.replicas, v2.spec.replicas], [8, 5]);
  await setReplicas(api, 'web', 20);
  const { actions } = reconciler.reconcile('default/web');
  // allowed = 20 + ⌈25% · 20⌉ = 25; now 8 + 5 = 13 → 12 to add, largest first (old 8, then new 5); each was
  // sized for max-replicas 13: old round(8 · 25 / 13) − 8 = round(15.38) − 8 = 7 (≤ 12 left),
  // new round(5 · 25 / 13) − 5 = round(9.62) − 5 = 5 (≤ 12 − 7 = 5 left); no leftover. Old 15, new 10: 25.
  assert.equal(scalingEvents(actions), [`Scaled up replica set ${v1.metadata.name} to 15 from 8`, `Scaled up replica set ${v2.metadata.name} to 10 from 5`]);
  const updates = actions.filter((a) => a.type === 'update' && a.resource === 'replicasets') as unknown as { object: ReplicaSet }[];
  assert.equal(
    updates.map((u) => [u.object.spec.replicas, u.object.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], u.object.metadata.annotations?.['deployment.kubernetes.io/max-replicas']]),
    [
      [15, '20', '25'],
      [10, '20', '25'],
    ],
  );
});

table('a deployment whose ReplicaSet is all there reports Available and Progressing with upstream reasons', async () => {
  const { api } = await rolledOut();
  const d = await api.get<Deployment>('deployments', 'default', 'web');
  assert.equal(
    { ...d.status, conditions: d.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]) },
    {
      observedGeneration: 1,
      replicas: 10,
      updatedReplicas: 10,
      readyReplicas: 10,
      availableReplicas: 10,
      // SetDeploymentCondition appends a changed condition: Progressing moved behind Available when its reason
      // went from NewReplicaSetCreated to NewReplicaSetAvailable (the order kubectl shows for real clusters).
      conditions: [
        ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
        ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${(await rsByImage(api, 'v1')).metadata.name}" has successfully progressed.`],
      ],
    },
  );
  assert.is(d.metadata.annotations?.[REVISION_ANNOTATION], '1');
});

table.run();

// ---- scenarios with the scheduler ---------------------------------------------------------------------------

const scenario = suite('Deployment rollouts on the API server with the scheduler');

scenario('RollingUpdate v1 → v2 of 10 replicas never has fewer than 10 − 2 ready or more than 10 + 3 pods, checked after every settle', async () => {
  const { api, clock, settleAll } = await cluster();
  await api.create('deployments', deployBody('web', 10, 'v1'));
  await settleAll();
  // No pod is ready yet: 0 available < 10 − 2. The ReplicaSet's 10 pods showing up in its status was progress
  // (updatedReplicas 0 → 10), so Progressing went from NewReplicaSetCreated to ReplicaSetUpdated.
  const fresh = await api.get<Deployment>('deployments', 'default', 'web');
  assert.equal(fresh.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [
    ['Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'],
    ['Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${(await rsByImage(api, 'v1')).metadata.name}" is progressing.`],
  ]);
  assert.equal([fresh.status?.replicas, fresh.status?.updatedReplicas, fresh.status?.unavailableReplicas], [10, 10, 10]);
  await kubelet(api, clock);
  await settleAll();
  await setImage(api, 'web', 'v2');
  const progressingReasons = new Set<string>();
  // maxSurge ⌈2.5⌉ = 3, maxUnavailable ⌊2.5⌋ = 2. Pods are counted when active: terminating pods are on
  // their way out (the kubelet stand-in finishes them next step), as kube-controller-manager counts them.
  let minReady = Infinity;
  let maxActive = 0;
  let steps = 0;
  for (; steps < 60; steps++) {
    await settleAll();
    const pods = (await api.list<Pod>('pods')).items.filter(isPodActive);
    const ready = pods.filter(isPodReady).length;
    minReady = Math.min(minReady, ready);
    maxActive = Math.max(maxActive, pods.length);
    assert.ok(ready >= 8, `step ${steps}: ${ready} ready pods < 10 − 2`);
    assert.ok(pods.length <= 13, `step ${steps}: ${pods.length} pods > 10 + 3`);
    const d = await api.get<Deployment>('deployments', 'default', 'web');
    progressingReasons.add(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason ?? '');
    if (d.status?.updatedReplicas === 10 && d.status.availableReplicas === 10 && d.status.replicas === 10) break;
    await kubelet(api, clock, { readyPerStep: 1 }); // one new pod becomes ready per step
    clock.advance(1000);
  }
  assert.ok(steps < 60, 'the rollout finished');
  assert.is(minReady, 8, 'the rollout used its whole unavailability budget');
  assert.equal([...progressingReasons].sort(), ['NewReplicaSetAvailable', 'ReplicaSetUpdated']);
  assert.ok(maxActive > 10, 'the rollout surged');
  const v1 = await rsByImage(api, 'v1');
  const v2 = await rsByImage(api, 'v2');
  assert.equal([v1.spec.replicas, v2.spec.replicas, v2.status?.readyReplicas], [0, 10, 10]);
  assert.equal([v1.metadata.annotations?.[REVISION_ANNOTATION], v2.metadata.annotations?.[REVISION_ANNOTATION]], ['1', '2']);
  const d = await api.get<Deployment>('deployments', 'default', 'web');
  assert.is(d.metadata.annotations?.[REVISION_ANNOTATION], '2');
  assert.equal(d.status?.conditions?.map((c) => [c.type, c.status, c.reason]), [
    ['Available', 'True', 'MinimumReplicasAvailable'],
    ['Progressing', 'True', 'NewReplicaSetAvailable'],
  ]);
  const pods = (await api.list<Pod>('pods')).items;
  assert.ok(pods.every((p) => p.spec.containers[0]!.image === 'v2' && p.spec.nodeName !== undefined));
});

scenario('Recreate scales the old ReplicaSet to 0, waits for its pods to go, then creates the new one at full size', async () => {
  const { api, clock, settleAll } = await cluster();
  await api.create('deployments', deployBody('job', 3, 'v1', { recreate: true }));
  await settleAll();
  await kubelet(api, clock);
  await settleAll();
  await setImage(api, 'job', 'v2');
  await settleAll();
  // Old pods are terminating: no new ReplicaSet yet.
  assert.is((await replicaSets(api)).length, 1);
  assert.is((await rsByImage(api, 'v1')).spec.replicas, 0);
  await kubelet(api, clock); // the old pods finish
  await settleAll();
  const v2 = await rsByImage(api, 'v2');
  assert.is(v2.spec.replicas, 3);
  const msgs = (await eventsInOrder(api)).filter((e) => e['reason'] === 'ScalingReplicaSet').map((e) => e['message']);
  const v1name = (await rsByImage(api, 'v1')).metadata.name;
  assert.equal(msgs, [`Scaled up replica set ${v1name} to 3`, `Scaled down replica set ${v1name} to 0 from 3`, `Scaled up replica set ${v2.metadata.name} to 3`]);
  await kubelet(api, clock);
  await settleAll();
  const pods = (await api.list<Pod>('pods')).items;
  assert.equal(pods.map((p) => p.spec.containers[0]!.image), ['v2', 'v2', 'v2']);
});

scenario('revisionHistoryLimit 1: after v1 → v2 → v3 only v3 and v2 remain, with revisions 3 and 2', async () => {
  const { api, clock, settleAll } = await cluster();
  await api.create('deployments', deployBody('web', 2, 'v1', { revisionHistoryLimit: 1, maxSurge: 1, maxUnavailable: 0 }));
  const rollOut = async () => {
    for (let i = 0; i < 20; i++) {
      await settleAll();
      if ((await kubelet(api, clock)) === 0) break;
    }
  };
  await rollOut();
  await setImage(api, 'web', 'v2');
  await rollOut();
  await setImage(api, 'web', 'v3');
  await rollOut();
  const left = (await replicaSets(api)).map((rs) => [rs.spec.template?.spec.containers[0]!.image, rs.metadata.annotations?.[REVISION_ANNOTATION], rs.spec.replicas]);
  assert.equal(left.sort(), [
    ['v2', '2', 0],
    ['v3', '3', 2],
  ]);
  assert.is((await api.get<Deployment>('deployments', 'default', 'web')).metadata.annotations?.[REVISION_ANNOTATION], '3');
});

scenario('rolling back to the v1 template reuses the v1 ReplicaSet with revision 3 and history "1"', async () => {
  const { api, clock, settleAll } = await cluster();
  await api.create('deployments', deployBody('web', 2, 'v1', { maxSurge: 1, maxUnavailable: 0 }));
  const rollOut = async () => {
    for (let i = 0; i < 20; i++) {
      await settleAll();
      if ((await kubelet(api, clock)) === 0) break;
    }
  };
  await rollOut();
  const v1name = (await rsByImage(api, 'v1')).metadata.name;
  await setImage(api, 'web', 'v2');
  await rollOut();
  await setImage(api, 'web', 'v1');
  await rollOut();
  const v1 = await rsByImage(api, 'v1');
  assert.is(v1.metadata.name, v1name);
  assert.equal([v1.spec.replicas, v1.metadata.annotations?.[REVISION_ANNOTATION], v1.metadata.annotations?.['deployment.kubernetes.io/revision-history']], [2, '3', '1']);
  assert.is((await replicaSets(api)).length, 2);
});

scenario.run();
