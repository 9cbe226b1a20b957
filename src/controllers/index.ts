// kube-controller-manager: every controller drydock has, assembled on one informer factory.
import type { ApiServer } from '../apiserver/apiserver.js';
import type { SharedInformerFactory } from '../apiserver/informer.js';
import type { Clock } from '../util/clock.js';
import { newDeploymentController } from './deployment.js';
import { newEndpointsController } from './endpoints.js';
import { newGarbageCollector } from './garbagecollector.js';
import { newJobController } from './job.js';
import { newNamespaceController } from './namespace.js';
import { createNodeLifecycleControllers } from './nodelifecycle.js';
import { newReplicaSetController } from './replicaset.js';
import { settle, type Controller } from './runtime.js';
import { newServiceAccountsController } from './serviceaccount.js';

export interface ControllerManagerOptions {
  readonly api: ApiServer;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  /** Include the node lifecycle and taint eviction controllers (nodes need kubelets renewing leases). */
  readonly nodeLifecycle?: boolean;
  readonly onError?: (controller: string, key: string, err: unknown) => void;
}

export interface ControllerManager {
  readonly controllers: readonly Controller[];
  /** Starts the informers the controllers read; resolves when they have synced. */
  start(): Promise<void>;
  /** Real time: every controller processes keys as they become ready. */
  runForever(): void;
  /** Simulation: runs every controller until none has ready work. */
  settle(): Promise<number>;
  stop(): void;
}

export function createControllerManager(options: ControllerManagerOptions): ControllerManager {
  const { api, informers, clock } = options;
  const onError = (name: string) => (key: string, err: unknown) => options.onError?.(name, key, err);
  const controllers: Controller[] = [
    newReplicaSetController({ api, informers, clock, onError: onError('replicaset-controller') }),
    newDeploymentController({ api, informers, clock, onError: onError('deployment-controller') }),
    newJobController({ api, informers, clock, onError: onError('job-controller') }),
    newGarbageCollector({ api, informers, clock, onError: onError('garbage-collector') }),
    newEndpointsController({ api, informers, clock, onError: onError('endpoints-controller') }).controller,
    newServiceAccountsController({ api, informers, clock, onError: onError('serviceaccount-controller') }).controller,
    newNamespaceController({ api, informers, clock, onError: onError('namespace-controller') }).controller,
  ];
  const lifecycle = options.nodeLifecycle ? createNodeLifecycleControllers({ api, informers, clock, onError: onError('node-lifecycle-controller') }) : undefined;
  if (lifecycle) controllers.push(...lifecycle.controllers);
  return {
    controllers,
    async start() {
      await informers.start();
      await lifecycle?.start();
    },
    runForever() {
      for (const c of controllers) c.runForever();
    },
    settle: () => settle(controllers),
    stop() {
      for (const c of controllers) c.stop();
    },
  };
}

export { Controller, executeActions, settle, NOTHING } from './runtime.js';
export type { Action, Reconciler, ReconcileResult } from './runtime.js';
export { RateLimitingQueue } from './workqueue.js';
