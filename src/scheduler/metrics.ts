// kube-scheduler's Prometheus metrics (kubernetes pkg/scheduler/metrics/metrics.go), on a prom-client
// registry: the attempt counter and latency histogram by result and profile, and the pending-pods gauge by
// queue. Durations come from the scheduler's injected clock (Scheduler.addAttemptListener), never from
// prom-client's own timers, so a simulation's histogram is in virtual seconds and is reproducible.
// Kept out of scheduler.ts so that commands which never expose metrics do not load prom-client.
import { Counter, Gauge, Histogram, exponentialBuckets, type Registry } from 'prom-client';
import type { AttemptResult, Scheduler } from './scheduler.js';

/** metrics.go: SchedulerSubsystem = "scheduler". */
const SUBSYSTEM = 'scheduler';

/** metrics.go SchedulingAttemptDuration: Buckets: metrics.ExponentialBuckets(0.001, 2, 15) — 1 ms to 16.384 s. */
export const SCHEDULING_ATTEMPT_DURATION_BUCKETS: readonly number[] = Object.freeze(exponentialBuckets(0.001, 2, 15));

/** The four queues scheduler_pending_pods reports (metrics.go pendingPods help text). */
export const PENDING_QUEUES = ['active', 'backoff', 'unschedulable', 'gated'] as const;

/** What the metrics read from a scheduler (under leader election, whichever scheduler currently runs). */
export type SchedulerMetricsSource = Pick<Scheduler, 'queueCounts' | 'addAttemptListener'>;

export function registerSchedulerMetrics(registry: Registry, scheduler: SchedulerMetricsSource): void {
  const attempts = new Counter({
    name: `${SUBSYSTEM}_schedule_attempts_total`,
    help: 'Number of attempts to schedule pods, by the result. \'unschedulable\' means a pod could not be scheduled, while \'error\' means an internal scheduler problem.',
    labelNames: ['result', 'profile'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${SUBSYSTEM}_scheduling_attempt_duration_seconds`,
    help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
    labelNames: ['result', 'profile'] as const,
    buckets: [...SCHEDULING_ATTEMPT_DURATION_BUCKETS],
    registers: [registry],
  });
  // Gated pods sit in unschedulablePods too; upstream counts them under "gated" only (GatedPods vs UnschedulablePods).
  new Gauge({
    name: `${SUBSYSTEM}_pending_pods`,
    help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
    labelNames: ['queue'] as const,
    registers: [registry],
    collect() {
      const c = scheduler.queueCounts();
      this.set({ queue: 'active' }, c.active);
      this.set({ queue: 'backoff' }, c.backoff);
      this.set({ queue: 'unschedulable' }, c.unschedulable - c.gated);
      this.set({ queue: 'gated' }, c.gated);
    },
  });
  // The label children are looked up once per (result, profile): the listener runs once per attempt.
  const children = new Map<string, { attempts: Counter.Internal; duration: Histogram.Internal<'result' | 'profile'> }>();
  scheduler.addAttemptListener((result: AttemptResult, profile: string, durationMs: number) => {
    const key = `${result}\u0000${profile}`;
    let c = children.get(key);
    if (c === undefined) {
      c = { attempts: attempts.labels({ result, profile }), duration: duration.labels({ result, profile }) };
      children.set(key, c);
    }
    c.attempts.inc();
    c.duration.observe(durationMs / 1000);
  });
}
