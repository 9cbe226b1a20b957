// The scheduler's public surface, and the one place that assembles it from a configuration.
import type { ApiServer } from '../apiserver/apiserver.js';
import type { SharedInformerFactory } from '../apiserver/informer.js';
import type { Clock } from '../util/clock.js';
import type { Rng } from '../util/rng.js';
import { buildFrameworks } from './build.js';
import { defaultSchedulerConfiguration, type SchedulerConfiguration } from './config.js';
import type { Plugin } from './framework.js';
import { eventsToRegisterOf, preEnqueueChain, SchedulingQueue } from './queue.js';
import { inTreeRegistry } from './registry.js';
import { Scheduler } from './scheduler.js';

export interface CreateSchedulerOptions {
  readonly api: ApiServer;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly rng: Rng;
  /** Default: kube-scheduler's default profile (plus drydock's inert DataLocality and GpuDevices). */
  readonly config?: SchedulerConfiguration;
  /** Force percentageOfNodesToScore for every profile (explain: 100). */
  readonly percentageOfNodesToScore?: number;
  readonly recordEvents?: boolean;
  readonly updatePodConditions?: boolean;
}

export function createScheduler(options: CreateSchedulerOptions): Scheduler {
  const config = options.config ?? defaultSchedulerConfiguration(inTreeRegistry);
  // The scheduler's ClusterAccess is needed by the plugins, and the plugins by the scheduler: plugins get a
  // forwarding object that is connected once the scheduler exists.
  let scheduler: Scheduler | undefined;
  const cluster = {
    podDisruptionBudgets: () => scheduler!.cluster.podDisruptionBudgets(),
    nominatedPods: (n: string) => scheduler!.cluster.nominatedPods(n),
    devicesOf: (k: string) => scheduler!.cluster.devicesOf(k),
    evict: (v: Parameters<Scheduler['cluster']['evict']>[0], p: Parameters<Scheduler['cluster']['evict']>[1]) => scheduler!.cluster.evict(v, p),
    bind: (p: Parameters<Scheduler['cluster']['bind']>[0], n: string, a?: Record<string, string>) => scheduler!.cluster.bind(p, n, a),
  };
  const built = buildFrameworks(config, inTreeRegistry, {
    rng: options.rng,
    cluster,
    ...(options.percentageOfNodesToScore !== undefined ? { percentageOfNodesToScore: options.percentageOfNodesToScore } : {}),
  });
  const allPlugins: Plugin[] = [];
  for (const byName of built.instances.values()) allPlugins.push(...byName.values());
  const preEnqueue = preEnqueueChain(built.preEnqueue);
  const queue = new SchedulingQueue({
    clock: options.clock,
    less: (a, b) => built.queueSort.less(a, b),
    ...(preEnqueue !== undefined ? { preEnqueue } : {}),
    podInitialBackoffMs: config.podInitialBackoffSeconds * 1000,
    podMaxBackoffMs: config.podMaxBackoffSeconds * 1000,
    eventsToRegister: eventsToRegisterOf(allPlugins),
  });
  scheduler = new Scheduler({
    api: options.api,
    informers: options.informers,
    clock: options.clock,
    rng: options.rng,
    frameworks: built.frameworks,
    queue,
    ...(options.recordEvents !== undefined ? { recordEvents: options.recordEvents } : {}),
    ...(options.updatePodConditions !== undefined ? { updatePodConditions: options.updatePodConditions } : {}),
  });
  return scheduler;
}

export { Scheduler } from './scheduler.js';
export { parseSchedulerConfiguration, defaultSchedulerConfiguration } from './config.js';
export type { SchedulerConfiguration } from './config.js';
export { inTreeRegistry } from './registry.js';
export type { Explanation, NodeExplanation, ScheduleResult } from './runtime.js';
export { explainPod, type ExplainOutput } from './explain.js';
export { resourceQuantity } from './snapshot.js';
export { GPU_MILLI_RESOURCE, GPU_RESOURCE } from './podinfo.js';
