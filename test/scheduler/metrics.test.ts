// kube-scheduler's Prometheus metrics (src/scheduler/metrics.ts) on a manual clock: attempts by result,
// the attempt-duration histogram measured on the injected clock from the pop to the end of binding, and
// pending pods by queue. The exposition is parsed back with an npm Prometheus text parser.
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { createScheduler, inTreeRegistry, parseSchedulerConfiguration, type SchedulerConfiguration } from '../../src/scheduler/index.js';
import { registerSchedulerMetrics, SCHEDULING_ATTEMPT_DURATION_BUCKETS } from '../../src/scheduler/metrics.js';
import { seededRng } from '../../src/util/rng.js';
import { histogram, parseExposition, samples, total, value } from '../addons/prom.js';
import { makeApi } from '../apiserver/fixtures.js';
import { makeNode, makePod } from './fixtures.js';

const PROFILE = { profile: 'default-scheduler' };

async function cluster(config?: SchedulerConfiguration) {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const scheduler = createScheduler({ api: ctx.api, informers, clock: ctx.clock, rng: seededRng(1), recordEvents: false, ...(config !== undefined ? { config } : {}) });
  await scheduler.start();
  const registry = new Registry();
  registerSchedulerMetrics(registry, scheduler);
  return { ...ctx, scheduler, scrape: async () => parseExposition(await registry.metrics()) };
}

function podBody(b: ReturnType<typeof makePod>): Json {
  const p = b.obj() as unknown as Json & { metadata: Json };
  const m = { ...p.metadata };
  delete m['uid'];
  delete m['creationTimestamp'];
  return { ...p, metadata: m, status: {} };
}

const tick = () => new Promise((r) => setImmediate(r));

type Cluster = Awaited<ReturnType<typeof cluster>>;

/**
 * Creates the pod, lets the informer queue it, runs one scheduling cycle, then moves the clock by `bindMs`
 * before the binding (already started, awaiting the API server) completes.
 */
async function scheduleWithBindTime(c: Cluster, b: ReturnType<typeof makePod>, bindMs: number): Promise<void> {
  await c.api.create('pods', podBody(b));
  await tick();
  assert.ok(c.scheduler.scheduleOne(), 'a pod was popped');
  c.clock.advance(bindMs);
  await c.scheduler.waitForIdle();
}

const t = suite('scheduler metrics');

t('3 pods that fit and 1 that cannot: attempts, attempt durations on the injected clock, pending pods', async () => {
  const c = await cluster();
  await c.api.create('nodes', makeNode('a').capacity({ cpu: '4', memory: '8Gi' }).obj());
  await tick();
  await scheduleWithBindTime(c, makePod('p1').req({ cpu: '1' }), 5);
  await scheduleWithBindTime(c, makePod('p2').req({ cpu: '1' }), 20);
  await scheduleWithBindTime(c, makePod('p3').req({ cpu: '1' }), 3000);
  // 8 cpu > 4 allocatable: unschedulable, decided without waiting on anything, so 0 s on a clock that did not move.
  await scheduleWithBindTime(c, makePod('huge').req({ cpu: '8' }), 0);
  // A gated pod is never attempted: pending under "gated" only.
  await c.api.create('pods', podBody(makePod('gated').req({ cpu: '1' }).spec({ schedulingGates: [{ name: 'example.com/wait' }] })));
  await tick();

  const m = await c.scrape();
  assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'scheduled', ...PROFILE }), 3);
  assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'unschedulable', ...PROFILE }), 1);
  assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'error', ...PROFILE }), 0);

  const scheduled = histogram(m, 'scheduler_scheduling_attempt_duration_seconds', { result: 'scheduled', ...PROFILE });
  assert.is(scheduled.count, 3);
  // 0.005 + 0.020 + 3.000 = 3.025 s
  assert.ok(Math.abs(scheduled.sum! - 3.025) < 1e-9, `sum ${scheduled.sum}`);
  // Buckets 0.001·2^k: 5 ms ≤ 0.008; 20 ms ≤ 0.032 (not ≤ 0.016); 3 s ≤ 4.096 (not ≤ 2.048).
  assert.is(scheduled.buckets['0.004'], 0);
  assert.is(scheduled.buckets['0.008'], 1);
  assert.is(scheduled.buckets['0.016'], 1);
  assert.is(scheduled.buckets['0.032'], 2);
  assert.is(scheduled.buckets['2.048'], 2);
  assert.is(scheduled.buckets['4.096'], 3);
  assert.is(scheduled.buckets['+Inf'], 3);
  const unschedulable = histogram(m, 'scheduler_scheduling_attempt_duration_seconds', { result: 'unschedulable', ...PROFILE });
  assert.equal([unschedulable.count, unschedulable.sum, unschedulable.buckets['0.001']], [1, 0, 1]);
  // kube-scheduler's buckets: ExponentialBuckets(0.001, 2, 15) + Inf = 16 boundaries, the last finite one 0.001·2^14.
  assert.is(Object.keys(scheduled.buckets).length, 16);
  assert.is(SCHEDULING_ATTEMPT_DURATION_BUCKETS[14], 16.384);

  // huge waits in unschedulablePods (the scheduler's own PodScheduled=False status patch is an updatePodOther
  // event, which NodeResourcesFit does not register, so it stays there); gated sits there too but is counted
  // as gated, not unschedulable.
  assert.is(value(m, 'scheduler_pending_pods', { queue: 'unschedulable' }), 1);
  assert.is(value(m, 'scheduler_pending_pods', { queue: 'gated' }), 1);
  assert.is(value(m, 'scheduler_pending_pods', { queue: 'active' }), 0);
  assert.is(value(m, 'scheduler_pending_pods', { queue: 'backoff' }), 0);
  c.scheduler.stop();
});

t('each profile is counted under its own label (pods choose one by spec.schedulerName)', async () => {
  const config = parseSchedulerConfiguration(
    ['apiVersion: kubescheduler.config.k8s.io/v1', 'kind: KubeSchedulerConfiguration', 'profiles:', '  - schedulerName: default-scheduler', '  - schedulerName: batch'].join('\n'),
    'two-profiles.yaml',
    inTreeRegistry,
  );
  const c = await cluster(config);
  await c.api.create('nodes', makeNode('a').capacity({ cpu: '4', memory: '8Gi' }).obj());
  await tick();
  await scheduleWithBindTime(c, makePod('web').req({ cpu: '1' }), 1);
  await scheduleWithBindTime(c, makePod('job1').req({ cpu: '1' }).spec({ schedulerName: 'batch' }), 1);
  await scheduleWithBindTime(c, makePod('job2').req({ cpu: '9' }).spec({ schedulerName: 'batch' }), 0);
  const m = await c.scrape();
  assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'scheduled', profile: 'default-scheduler' }), 1);
  assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'scheduled', profile: 'batch' }), 1);
  assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'unschedulable', profile: 'batch' }), 1);
  // 3 attempts in all: 1 + 1 + 1, and no unschedulable series for the default profile.
  assert.is(total(m, 'scheduler_schedule_attempts_total'), 3);
  assert.is(samples(m, 'scheduler_schedule_attempts_total', { result: 'unschedulable', profile: 'default-scheduler' }).length, 0);
  c.scheduler.stop();
});

t('property: for any sequence of pods and binding times, counts and buckets follow from the first-fit arithmetic', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.record({ cpu: fc.integer({ min: 1, max: 6 }), bindMs: fc.integer({ min: 0, max: 5000 }) }), { minLength: 1, maxLength: 8 }), async (pods) => {
      const c = await cluster();
      await c.api.create('nodes', makeNode('a').capacity({ cpu: '8', memory: '64Gi' }).obj());
      await tick();
      // Model: one node of 8 cpu, pods scheduled one at a time in order; a pod fits iff what is bound plus it ≤ 8.
      let used = 0;
      const fitDurations: number[] = [];
      let unfit = 0;
      for (const [i, p] of pods.entries()) {
        const fits = used + p.cpu <= 8;
        await scheduleWithBindTime(c, makePod(`p${i}`).req({ cpu: String(p.cpu) }), fits ? p.bindMs : 0);
        if (fits) {
          used += p.cpu;
          fitDurations.push(p.bindMs / 1000);
        } else unfit++;
      }
      const m = await c.scrape();
      c.scheduler.stop();
      assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'scheduled', ...PROFILE }), fitDurations.length);
      assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'unschedulable', ...PROFILE }), unfit);
      assert.is(value(m, 'scheduler_pending_pods', { queue: 'unschedulable' }), unfit);
      if (fitDurations.length > 0) {
        const h = histogram(m, 'scheduler_scheduling_attempt_duration_seconds', { result: 'scheduled', ...PROFILE });
        for (const le of SCHEDULING_ATTEMPT_DURATION_BUCKETS) assert.is(h.buckets[String(le)], fitDurations.filter((d) => d <= le).length, `le=${le}`);
        assert.is(h.count, fitDurations.length);
      }
    }),
    { numRuns: 25, seed: 11 },
  );
});

t.run();
