// The garbage collector: owner references judged solid / dangling / unknown on prepared caches, and
// background cascading deletion with the real API server, informers, workload controllers and scheduler:
// Deployment → ReplicaSets → pods, and Job → pods (whose tracking finalizers the Job controller drops).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiServer } from '../../src/apiserver/apiserver.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import { formatTime } from '../../src/apiserver/meta.js';
import type { Deployment, Pod, ReplicaSet } from '../../src/api/index.js';
import { newDeploymentController } from '../../src/controllers/deployment.js';
import { GarbageCollectorReconciler, newGarbageCollector } from '../../src/controllers/garbagecollector.js';
import { newJobController } from '../../src/controllers/job.js';
import { newReplicaSetController } from '../../src/controllers/replicaset.js';
import { settle } from '../../src/controllers/runtime.js';
import { createScheduler } from '../../src/scheduler/index.js';
import { seededRng } from '../../src/util/rng.js';
import { makeApi } from '../apiserver/fixtures.js';
import { makeNode } from '../scheduler/fixtures.js';

const container = { name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' } } };

function rsBody(name: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [container] } } },
  };
}

// ---- reconcile table ----------------------------------------------------------------------------------------

const table = suite('garbage collector reconcile (owner references → actions)');

table('dangling owners: delete when all are gone, patch when some remain, nothing for solid or unwatched owners', async () => {
  const { api } = await makeApi();
  const informers = new SharedInformerFactory(api);
  const gc = new GarbageCollectorReconciler({ informers });
  await informers.start();
  const rs = await api.create<ReplicaSet>('replicasets', rsBody('live'));
  const live = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'live', uid: rs.metadata.uid! };
  const gone = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'gone', uid: 'uid-gone' };
  const recreated = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'live', uid: 'uid-of-an-earlier-live' };
  const node = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1' }; // nodes are not watched here
  const cases: { name: string; owners: object[]; deleting?: boolean; want: string }[] = [
    { name: 'solid', owners: [live], want: '' },
    { name: 'orphaned', owners: [gone], want: 'delete' },
    { name: 'same-name-other-uid', owners: [recreated], want: 'delete' }, // the owner by that name is another object
    { name: 'half', owners: [live, gone], want: 'patch' },
    { name: 'unwatched', owners: [node], want: '' },
    { name: 'unwatched-and-gone', owners: [node, gone], want: 'patch' }, // an unknown owner is never judged absent
  ];
  for (const c of cases) {
    await api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: c.name, ownerReferences: c.owners }, spec: { containers: [container] } });
  }
  for (const c of cases) {
    const pod = await api.get<Pod>('pods', 'default', c.name);
    const { actions } = gc.reconcile(`pods/default/${c.name}`);
    assert.is(actions.map((a) => a.type).join(','), c.want, c.name);
    const a = actions[0];
    if (a?.type === 'delete') assert.equal(a.options, { preconditions: { uid: pod.metadata.uid } }, c.name);
    if (a?.type === 'patch') assert.equal(a.patch, { metadata: { ownerReferences: [{ $patch: 'delete', uid: 'uid-gone' }], uid: pod.metadata.uid } }, c.name);
  }
});

table.run();

// ---- cascading deletion -------------------------------------------------------------------------------------

const scenario = suite('garbage collection on the API server');

async function cluster() {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const controllers = [
    newReplicaSetController({ api: ctx.api, informers, clock: ctx.clock }),
    newDeploymentController({ api: ctx.api, informers, clock: ctx.clock }),
    newJobController({ api: ctx.api, informers, clock: ctx.clock }),
    newGarbageCollector({ api: ctx.api, informers, clock: ctx.clock }),
  ];
  const scheduler = createScheduler({ api: ctx.api, informers, clock: ctx.clock, rng: seededRng(11), recordEvents: false });
  await scheduler.start();
  await informers.start();
  await ctx.api.create('nodes', makeNode('node-a').capacity({ cpu: '8', memory: '16Gi' }).obj());
  const settleAll = async () => {
    for (let i = 0; i < 50; i++) if ((await settle(controllers)) + (await scheduler.runUntilIdle()) === 0) return;
    throw new Error('the control plane did not settle');
  };
  /** The kubelet's part: bound pods run and are ready; terminating pods finish. */
  const kubelet = async () => {
    for (const p of (await ctx.api.list<Pod>('pods')).items) {
      if (p.metadata.deletionTimestamp !== undefined) await ctx.api.delete('pods', 'default', p.metadata.name!, { gracePeriodSeconds: 0 });
      else if (p.spec.nodeName !== undefined && p.status?.phase === 'Pending') {
        const status = { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: formatTime(ctx.clock.now()) }] };
        await ctx.api.update('pods', { ...p, status }, { subresource: 'status' });
      }
    }
  };
  return { ...ctx, settleAll, kubelet };
}

const count = async (api: ApiServer, resource: string) => (await api.list(resource)).items.length;

scenario('deleting a Deployment deletes its ReplicaSets, then their pods', async () => {
  const { api, settleAll, kubelet } = await cluster();
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } };
  await api.create('deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template } });
  await settleAll();
  await kubelet();
  await settleAll();
  // A second revision, so that two ReplicaSets hang off the Deployment.
  const d = await api.get<Deployment>('deployments', 'default', 'web');
  const t = d.spec.template;
  await api.update('deployments', { ...d, spec: { ...d.spec, template: { ...t, spec: { ...t.spec, containers: [{ ...t.spec.containers[0]!, image: 'nginx:1.28' }] } } } });
  await settleAll();
  await kubelet();
  await settleAll();
  assert.equal([await count(api, 'replicasets'), (await api.list<Pod>('pods')).items.filter((p) => p.metadata.deletionTimestamp === undefined).length], [2, 4]);

  await api.delete('deployments', 'default', 'web');
  await settleAll();
  // The ReplicaSets are gone; their running pods got a graceful deletion and terminate.
  assert.is(await count(api, 'replicasets'), 0);
  const pods = (await api.list<Pod>('pods')).items;
  assert.ok(pods.length > 0 && pods.every((p) => p.metadata.deletionTimestamp !== undefined), 'every pod is terminating');
  await kubelet();
  await settleAll();
  assert.equal([await count(api, 'deployments'), await count(api, 'replicasets'), await count(api, 'pods')], [0, 0, 0]);
});

scenario('deleting a ReplicaSet deletes its pods; an unowned pod with the same labels stays', async () => {
  const { api, settleAll, kubelet } = await cluster();
  await api.create('replicasets', { ...rsBody('web'), spec: { ...rsBody('web').spec, replicas: 2 } });
  await settleAll();
  await api.delete('replicasets', 'default', 'web');
  await api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bystander', labels: { app: 'web' } }, spec: { containers: [container] } });
  await settleAll();
  await kubelet();
  await settleAll();
  assert.equal((await api.list<Pod>('pods')).items.map((p) => p.metadata.name), ['bystander']);
});

scenario('deleting a Job deletes its pods, and the Job controller drops their tracking finalizers so they can go', async () => {
  const { api, settleAll, kubelet } = await cluster();
  await api.create('jobs', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'batch' },
    spec: { completions: 4, parallelism: 2, template: { spec: { restartPolicy: 'Never', containers: [container] } } },
  });
  await settleAll();
  await kubelet();
  await settleAll();
  const running = (await api.list<Pod>('pods')).items;
  assert.equal(running.map((p) => p.metadata.finalizers), [['batch.kubernetes.io/job-tracking'], ['batch.kubernetes.io/job-tracking']]);
  await api.delete('jobs', 'default', 'batch');
  await settleAll();
  // GC deleted the pods (graceful: they run); the orphaned pods lost their finalizer.
  const terminating = (await api.list<Pod>('pods')).items;
  assert.equal(terminating.map((p) => [p.metadata.deletionTimestamp !== undefined, p.metadata.finalizers ?? []]), [
    [true, []],
    [true, []],
  ]);
  await kubelet();
  await settleAll();
  assert.is(await count(api, 'pods'), 0);
});

scenario.run();
