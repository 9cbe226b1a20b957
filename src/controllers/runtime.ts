// Controllers decide, executors act: a reconciler reads observed state (informer caches) for one key and
// returns the actions to take as data; the Controller applies them through the API server, in order, and
// requeues the key with backoff when applying fails. Reconcilers never write themselves, so they are
// table-testable (observed state in, actions out) and every decision can be explained.
import type { ApiServer, DeleteOptions } from '../apiserver/apiserver.js';
import { ApiError } from '../apiserver/errors.js';
import { recordEvent, type InvolvedObject as EventObjectReference } from '../apiserver/record.js';
import type { Json } from '../apiserver/strategy.js';
import type { Clock, Timer } from '../util/clock.js';
import { RateLimitingQueue } from './workqueue.js';

/** An object reference for events (core/v1 ObjectReference); controllers always name the apiVersion. */
export type InvolvedObject = EventObjectReference & { readonly apiVersion: string };

export type Action =
  | { readonly type: 'create'; readonly resource: string; readonly object: Json }
  | { readonly type: 'update'; readonly resource: string; readonly object: Json; readonly subresource?: 'status' }
  | {
      readonly type: 'patch';
      readonly resource: string;
      readonly namespace?: string;
      readonly name: string;
      readonly patchType: 'application/merge-patch+json' | 'application/strategic-merge-patch+json' | 'application/json-patch+json';
      readonly patch: unknown;
      readonly subresource?: 'status';
    }
  | { readonly type: 'delete'; readonly resource: string; readonly namespace?: string; readonly name: string; readonly options?: DeleteOptions }
  | { readonly type: 'bind'; readonly namespace: string; readonly name: string; readonly nodeName: string }
  | {
      readonly type: 'event';
      readonly involved: InvolvedObject;
      readonly eventType: 'Normal' | 'Warning';
      readonly reason: string;
      readonly message: string;
    };

export interface ReconcileResult {
  readonly actions: readonly Action[];
  /** Look at this key again after this long, even if nothing changes (e.g. a pending timeout). */
  readonly requeueAfterMs?: number;
}

export interface Reconciler {
  /** The component name events are reported under (e.g. "replicaset-controller"). */
  readonly name: string;
  reconcile(key: string): ReconcileResult;
}

export const NOTHING: ReconcileResult = Object.freeze({ actions: [] });

/**
 * Applies actions in order through the API server. A create that finds the object already there, and a
 * delete that finds it gone, have reached their goal and are not errors; anything else throws, and the
 * controller retries the whole key later (reconcilers are level-based, so a retry recomputes the actions).
 */
export async function executeActions(api: ApiServer, clock: Clock, component: string, actions: readonly Action[]): Promise<void> {
  for (const a of actions) {
    try {
      switch (a.type) {
        case 'create':
          await api.create(a.resource, a.object);
          break;
        case 'update':
          await api.update(a.resource, a.object, a.subresource !== undefined ? { subresource: a.subresource } : {});
          break;
        case 'patch':
          await api.patch(a.resource, a.namespace, a.name, a.patchType, a.patch, a.subresource !== undefined ? { subresource: a.subresource } : {});
          break;
        case 'delete':
          await api.delete(a.resource, a.namespace, a.name, a.options ?? {});
          break;
        case 'bind':
          await api.bind(a.namespace, a.name, { target: { kind: 'Node', name: a.nodeName } });
          break;
        case 'event':
          await recordEvent(api, { involved: a.involved, type: a.eventType, reason: a.reason, message: a.message, at: clock.now(), component });
          break;
      }
    } catch (err) {
      if (err instanceof ApiError && ((a.type === 'create' && err.reason === 'AlreadyExists') || (a.type === 'delete' && err.code === 404))) continue;
      throw err;
    }
  }
}

export interface ControllerOptions {
  readonly api: ApiServer;
  readonly clock: Clock;
  readonly reconciler: Reconciler;
  /** Errors from applying actions (after which the key is retried with backoff). Default: ignore. */
  readonly onError?: (key: string, err: unknown) => void;
}

/** One controller: a work queue of keys and its reconciler. Driven by runUntilIdle (simulation) or runForever. */
export class Controller {
  readonly queue: RateLimitingQueue;
  readonly name: string;
  private timer: Timer | undefined;
  private live = false;
  /** Reconciles run and actions applied, for metrics and tests. */
  readonly stats = { reconciles: 0, actions: 0, errors: 0 };

  constructor(private readonly options: ControllerOptions) {
    this.name = options.reconciler.name;
    this.queue = new RateLimitingQueue({ clock: options.clock, onReady: () => this.kick() });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  enqueueAfter(key: string, delayMs: number): void {
    this.queue.addAfter(key, delayMs);
  }

  /** Processes one ready key; false when none is ready. */
  async processNext(): Promise<boolean> {
    const key = this.queue.get();
    if (key === undefined) return false;
    this.stats.reconciles++;
    try {
      const result = this.options.reconciler.reconcile(key);
      // The deadline counts from the decision, not from when its actions finished applying.
      const requeueAt = result.requeueAfterMs !== undefined ? this.options.clock.now() + result.requeueAfterMs : undefined;
      this.stats.actions += result.actions.length;
      await executeActions(this.options.api, this.options.clock, this.name, result.actions);
      this.queue.forget(key);
      if (requeueAt !== undefined) this.queue.addAfter(key, requeueAt - this.options.clock.now());
    } catch (err) {
      this.stats.errors++;
      this.options.onError?.(key, err);
      this.queue.addRateLimited(key);
    } finally {
      this.queue.done(key);
    }
    return true;
  }

  /** Processes keys until none is ready; returns how many were processed. */
  async runUntilIdle(): Promise<number> {
    let n = 0;
    while (await this.processNext()) n++;
    return n;
  }

  /** Real time: processes keys as they become ready. */
  runForever(): void {
    this.live = true;
    this.kick();
  }

  stop(): void {
    this.live = false;
    this.timer?.cancel();
    this.queue.shutdown();
  }

  private kick(): void {
    if (!this.live || this.timer !== undefined) return;
    this.timer = this.options.clock.setTimer(0, () => {
      this.timer = undefined;
      void this.runUntilIdle();
    });
  }
}

/** Runs several controllers until none has ready work (a simulator's "let the control plane settle"). */
export async function settle(controllers: readonly Controller[], maxRounds = 10_000): Promise<number> {
  let total = 0;
  for (let round = 0; round < maxRounds; round++) {
    let n = 0;
    for (const c of controllers) n += await c.runUntilIdle();
    total += n;
    if (n === 0) return total;
  }
  throw new Error(`controllers did not settle within ${maxRounds} rounds`);
}
