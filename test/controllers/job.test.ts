// The Job controller: manageJob's arithmetic (active = min(parallelism, completions − succeeded)) as a table on
// prepared caches, pods made from the template with the tracking finalizer, and scenarios with the real API
// server, informers and scheduler: completions 5 / parallelism 2 with a failure, backoffLimit, and
// activeDeadlineSeconds on the manual clock.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiServer } from '../../src/apiserver/apiserver.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import { formatTime } from '../../src/apiserver/meta.js';
import type { Json } from '../../src/apiserver/strategy.js';
import type { Job, Pod } from '../../src/api/index.js';
import { isPodActive } from '../../src/controllers/controller-utils.js';
import { JOB_TRACKING_FINALIZER, JobReconciler, newJobController } from '../../src/controllers/job.js';
import { settle, type Action } from '../../src/controllers/runtime.js';
import { createScheduler } from '../../src/scheduler/index.js';
import { seededRng } from '../../src/util/rng.js';
import { makeApi, T0 } from '../apiserver/fixtures.js';
import { makeNode } from '../scheduler/fixtures.js';

function jobBody(name: string, o: { completions?: number; parallelism?: number; backoffLimit?: number; activeDeadlineSeconds?: number; restartPolicy?: 'Never' | 'OnFailure' } = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      ...(o.completions !== undefined ? { completions: o.completions } : {}),
      ...(o.parallelism !== undefined ? { parallelism: o.parallelism } : {}),
      ...(o.backoffLimit !== undefined ? { backoffLimit: o.backoffLimit } : {}),
      ...(o.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: o.activeDeadlineSeconds } : {}),
      template: { spec: { restartPolicy: o.restartPolicy ?? 'Never', containers: [{ name: 'work', image: 'busybox:1.36', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } },
    },
  };
}

async function setPhase(api: ApiServer, pod: Pod, phase: 'Succeeded' | 'Failed' | 'Running'): Promise<void> {
  const latest = await api.get<Pod>('pods', 'default', pod.metadata.name!);
  await api.update('pods', { ...latest, status: { ...latest.status, phase } }, { subresource: 'status' });
}

const creates = (a: readonly Action[]) => a.flatMap((x) => (x.type === 'create' ? [(x.object as unknown as Pod)] : []));
const deletes = (a: readonly Action[]) => a.flatMap((x) => (x.type === 'delete' ? [x.name] : []));
const condition = (job: Job, type: string) => job.status?.conditions?.find((c) => c.type === type);

// ---- reconcile tables ---------------------------------------------------------------------------------------

const table = suite('Job reconcile (observed state → actions)');

async function reconcilerOnApi() {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const reconciler = new JobReconciler({ informers, clock: ctx.clock });
  await informers.start();
  return { ...ctx, reconciler };
}

table('a new Job of completions 5, parallelism 2 starts min(2, 5 − 0) = 2 pods made from its template', async () => {
  const { api, reconciler } = await reconcilerOnApi();
  const job = await api.create<Job>('jobs', jobBody('pi', { completions: 5, parallelism: 2 }));
  const { actions } = reconciler.reconcile('default/pi');
  const pods = creates(actions);
  assert.is(pods.length, 2);
  for (const p of pods) {
    assert.is(p.metadata.generateName, 'pi-');
    assert.is(p.spec.restartPolicy, 'Never');
    assert.equal(p.metadata.finalizers, [JOB_TRACKING_FINALIZER]);
    assert.is(p.metadata.labels?.['batch.kubernetes.io/job-name'], 'pi');
    assert.equal(p.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['Job', 'pi', job.metadata.uid, true]]);
  }
  const status = (actions.find((a) => a.type === 'update') as unknown as { object: Job }).object.status as Json;
  assert.equal(status, { startTime: formatTime(T0), active: 2, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
});

table('manageJob: wantActive = clamp(completions − succeeded, 0, parallelism); parallelism alone waits for the first success', async () => {
  const cases: { name: string; completions?: number; parallelism: number; succeeded: number; active: number; want: { create: number; delete: number } }[] = [
    { name: 'c5p2s4', completions: 5, parallelism: 2, succeeded: 4, active: 0, want: { create: 1, delete: 0 } }, // min(2, 5 − 4) = 1
    { name: 'c5p3s3', completions: 5, parallelism: 3, succeeded: 3, active: 3, want: { create: 0, delete: 1 } }, // min(3, 2) = 2 < 3 active
    { name: 'c5p2s0', completions: 5, parallelism: 2, succeeded: 0, active: 1, want: { create: 1, delete: 0 } }, // min(2, 5) = 2
    { name: 'p2s1', parallelism: 2, succeeded: 1, active: 1, want: { create: 0, delete: 0 } }, // no completions, a success: keep what runs
    { name: 'p3s0', parallelism: 3, succeeded: 0, active: 1, want: { create: 2, delete: 0 } }, // no completions, no success: parallelism
  ];
  for (const c of cases) {
    const { api, reconciler } = await reconcilerOnApi();
    const job = await api.create<Job>('jobs', jobBody(c.name, { ...(c.completions !== undefined ? { completions: c.completions } : {}), parallelism: c.parallelism }));
    const ref = { apiVersion: 'batch/v1', kind: 'Job', name: c.name, uid: job.metadata.uid!, controller: true };
    let i = 0;
    const make = async (phase: 'Succeeded' | 'Running') => {
      const p = await api.create<Pod>('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${c.name}-${i++}`, labels: job.spec.template.metadata?.labels, ownerReferences: [ref], finalizers: [JOB_TRACKING_FINALIZER] },
        spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36' }] },
      });
      await setPhase(api, p, phase);
    };
    for (let k = 0; k < c.succeeded; k++) await make('Succeeded');
    for (let k = 0; k < c.active; k++) await make('Running');
    const { actions } = reconciler.reconcile(`default/${c.name}`);
    assert.equal({ create: creates(actions).length, delete: deletes(actions).length }, c.want, c.name);
  }
});

table.run();

// ---- scenarios --------------------------------------------------------------------------------------------

const scenario = suite('Jobs on the API server with the scheduler');

async function cluster() {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const controller = newJobController({ api: ctx.api, informers, clock: ctx.clock });
  const scheduler = createScheduler({ api: ctx.api, informers, clock: ctx.clock, rng: seededRng(9), recordEvents: false });
  await scheduler.start();
  await informers.start();
  await ctx.api.create('nodes', makeNode('node-a').capacity({ cpu: '4', memory: '8Gi' }).obj());
  const settleAll = async () => {
    for (let i = 0; i < 50; i++) if ((await settle([controller])) + (await scheduler.runUntilIdle()) === 0) return;
    throw new Error('the control plane did not settle');
  };
  return { ...ctx, settleAll };
}

const podsOf = async (api: ApiServer) => (await api.list<Pod>('pods')).items;
const jobOf = (api: ApiServer, name: string) => api.get<Job>('jobs', 'default', name);
const reasons = async (api: ApiServer) => (await api.list<Json>('events')).items.map((e) => `${String(e['type'])} ${String(e['reason'])}: ${String(e['message'])}`);

/** Terminating pods finish (what the kubelet does after the grace period). */
async function finishTerminating(api: ApiServer): Promise<void> {
  for (const p of await podsOf(api)) if (p.metadata.deletionTimestamp !== undefined) await api.delete('pods', 'default', p.metadata.name!, { gracePeriodSeconds: 0 });
}

scenario('completions 5, parallelism 2: pods succeed (and one fails) two at a time until the Job is Complete', async () => {
  const { api, clock, settleAll } = await cluster();
  await api.create('jobs', jobBody('pi', { completions: 5, parallelism: 2 }));
  await settleAll();
  let failedOne = false;
  for (let step = 0; step < 20; step++) {
    const active = (await podsOf(api)).filter(isPodActive);
    // active = min(parallelism 2, completions 5 − succeeded)
    const job = await jobOf(api, 'pi');
    assert.is(active.length, Math.min(2, 5 - (job.status?.succeeded ?? 0)), `step ${step}`);
    if (active.length === 0) break;
    assert.ok(active.every((p) => p.spec.nodeName !== undefined), 'scheduled');
    // The first pod of step 1 fails, every other one succeeds.
    for (const p of active) {
      await setPhase(api, p, step === 1 && !failedOne ? 'Failed' : 'Succeeded');
      if (step === 1) failedOne = true;
    }
    clock.advance(1000);
    await settleAll();
  }
  const job = await jobOf(api, 'pi');
  // 5 successes, 1 failure (≤ backoffLimit 6): 6 pods in all.
  assert.equal([job.status?.succeeded, job.status?.failed, job.status?.active, job.status?.ready], [5, 1, undefined, 0]);
  assert.equal(job.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [
    ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
    ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
  ]);
  assert.is(job.status?.completionTime, condition(job, 'Complete')?.lastTransitionTime);
  assert.ok(job.status?.startTime !== undefined && job.status.startTime <= job.status.completionTime!);
  assert.equal((job.status as Json)['uncountedTerminatedPods'], {});
  const pods = await podsOf(api);
  assert.is(pods.length, 6);
  assert.ok(pods.every((p) => (p.metadata.finalizers ?? []).length === 0), 'tracking finalizers removed');
  const evs = await reasons(api);
  assert.is(evs.filter((e) => e.startsWith('Normal SuccessfulCreate: Created pod: pi-')).length, 6);
  assert.ok(evs.includes('Normal Completed: Job completed'));
});

scenario('backoffLimit 1: the second failure fails the Job; its active pod is deleted, then Failed with BackoffLimitExceeded', async () => {
  const { api, settleAll } = await cluster();
  await api.create('jobs', jobBody('flaky', { completions: 4, parallelism: 2, backoffLimit: 1 }));
  await settleAll();
  let [a, b] = (await podsOf(api)).filter(isPodActive);
  await setPhase(api, a!, 'Failed'); // failed 1 ≤ 1: replaced
  await settleAll();
  let job = await jobOf(api, 'flaky');
  assert.equal([job.status?.failed, job.status?.active], [1, 2]);
  await setPhase(api, b!, 'Failed'); // failed 2 > 1
  await settleAll();
  job = await jobOf(api, 'flaky');
  // The replacement still running was deleted (terminating for its grace period) and counts as failed: 3.
  assert.equal([job.status?.failed, job.status?.active, (job.status as Json)['terminating']], [3, undefined, 1]);
  assert.equal(job.status?.conditions?.map((c) => [c.type, c.reason]), [['FailureTarget', 'BackoffLimitExceeded']]);
  await finishTerminating(api);
  await settleAll();
  job = await jobOf(api, 'flaky');
  const failed = condition(job, 'Failed');
  assert.equal([failed?.status, failed?.reason, failed?.message], ['True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit']);
  assert.is(job.status?.completionTime, undefined);
  assert.ok((await reasons(api)).includes('Warning BackoffLimitExceeded: Job has reached the specified backoff limit'));
  [a, b] = (await podsOf(api)).filter(isPodActive);
  assert.is(a, undefined, 'no pod runs any more');
});

scenario('activeDeadlineSeconds 30: the Job is requeued for its deadline and fails with DeadlineExceeded', async () => {
  const { api, clock, settleAll } = await cluster();
  await api.create('jobs', jobBody('slow', { completions: 1, activeDeadlineSeconds: 30 }));
  await settleAll();
  assert.is((await podsOf(api)).filter(isPodActive).length, 1);
  clock.advance(29_999);
  await settleAll();
  assert.is(condition(await jobOf(api, 'slow'), 'FailureTarget'), undefined, 'not yet');
  clock.advance(1); // 30 s after startTime: the requeue fires
  await settleAll();
  assert.is(condition(await jobOf(api, 'slow'), 'FailureTarget')?.reason, 'DeadlineExceeded');
  await finishTerminating(api);
  await settleAll();
  const job = await jobOf(api, 'slow');
  assert.equal([condition(job, 'Failed')?.reason, condition(job, 'Failed')?.message, job.status?.failed], ['DeadlineExceeded', 'Job was active longer than specified deadline', 1]);
});

scenario.run();
