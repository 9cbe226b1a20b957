// The ReplicaSet controller (kube-controller-manager pkg/controller/replicaset/replica_set.go): keeps
// spec.replicas active pods for every ReplicaSet. Per key "namespace/name" it claims the active pods of the
// namespace (adopting matching orphans, releasing owned pods that no longer match), creates the missing pods
// from the template or deletes the surplus in ActivePodsWithRanks order, at most BurstReplicas (500) per sync,
// and writes status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration)
// through the status subresource. Events: SuccessfulCreate "Created pod: <name>", SuccessfulDelete "Deleted
// pod: <name>", FailedCreate "Error creating: <error>".
//
// Differences from upstream, both consequences of "reconcilers are pure functions of their caches": there are
// no ControllerExpectations (the in-process informers see every write before the write returns, so the cache
// is never behind our own writes), and new pods get their name from the reconciler (generateNames) while
// still carrying generateName "<rs>-", so the SuccessfulCreate event can name them.
import type { ApiServer } from '../apiserver/apiserver.js';
import { ApiError } from '../apiserver/errors.js';
import { formatTime, jsonEqual } from '../apiserver/meta.js';
import type { Informer, SharedInformerFactory } from '../apiserver/informer.js';
import type { Json } from '../apiserver/strategy.js';
import { compileLabelSet, type Pod, type ReplicaSet, type WorkloadCondition } from '../api/index.js';
import type { Clock } from '../util/clock.js';
import {
  allSynced,
  BURST_REPLICAS,
  claimCandidates,
  claimObjects,
  controllerRefOf,
  findCondition,
  generateNames,
  involvedObject,
  isPodActive,
  isPodAvailable,
  isPodReady,
  keyOf,
  nextAvailableInMs,
  NOT_SYNCED_RETRY_MS,
  omitEmpty,
  podFromTemplate,
  podsToDelete,
  selectorMatcher,
} from './controller-utils.js';
import { Controller, NOTHING, type Action, type ReconcileResult, type Reconciler } from './runtime.js';

export const REPLICASET_CONTROLLER_NAME = 'replicaset-controller';

export interface ReplicaSetReconcilerOptions {
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  /** Pods created or deleted per sync at most (default BurstReplicas = 500). */
  readonly burstReplicas?: number;
}

export interface ReplicaSetControllerOptions extends ReplicaSetReconcilerOptions {
  readonly api: ApiServer;
  readonly onError?: (key: string, err: unknown) => void;
}

type RsStatus = NonNullable<ReplicaSet['status']>;

export class ReplicaSetReconciler implements Reconciler {
  readonly name = REPLICASET_CONTROLLER_NAME;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly pods: Informer<Pod>;
  private readonly clock: Clock;
  private readonly burstReplicas: number;
  /** Keys whose last sync wanted to create pods, and the error that stopped it (FailedCreate). */
  private readonly creating = new Set<string>();
  private readonly createErrors = new Map<string, string>();

  constructor(options: ReplicaSetReconcilerOptions) {
    this.replicaSets = options.informers.informer<ReplicaSet>('replicasets');
    this.pods = options.informers.informer<Pod>('pods');
    this.clock = options.clock;
    this.burstReplicas = options.burstReplicas ?? BURST_REPLICAS;
  }

  /** Wires informer events to keys (replica_set.go addPod/updatePod/deletePod, addRS/updateRS/deleteRS). */
  watch(enqueue: (key: string) => void): void {
    this.replicaSets.addEventHandler({
      onAdd: (rs) => enqueue(keyOf(rs)),
      onUpdate: (_old, rs) => enqueue(keyOf(rs)),
      onDelete: (rs) => enqueue(keyOf(rs)),
    });
    const enqueueOwner = (pod: Pod, ref: NonNullable<ReturnType<typeof controllerRefOf>>) => {
      const rs = ref.kind === 'ReplicaSet' ? this.replicaSets.get(pod.metadata.namespace, ref.name) : undefined;
      if (rs !== undefined && rs.metadata.uid === ref.uid) enqueue(keyOf(rs));
    };
    // An orphan: every ReplicaSet that selects it may adopt it (getPodReplicaSets).
    const enqueueSelecting = (pod: Pod) => {
      for (const rs of this.replicaSets.byIndex('namespace', pod.metadata.namespace ?? '')) {
        if (selectorMatcher(rs.spec.selector)?.(pod.metadata.labels) === true) enqueue(keyOf(rs));
      }
    };
    const forPod = (pod: Pod) => {
      const ref = controllerRefOf(pod);
      if (ref !== undefined) enqueueOwner(pod, ref);
      else enqueueSelecting(pod);
    };
    this.pods.addEventHandler({
      onAdd: forPod,
      onUpdate: (old, pod) => {
        const before = controllerRefOf(old);
        const after = controllerRefOf(pod);
        const refChanged = !jsonEqual(before, after);
        if (refChanged && before !== undefined) enqueueOwner(old, before);
        if (after !== undefined) return enqueueOwner(pod, after);
        if (refChanged || !jsonEqual(old.metadata.labels, pod.metadata.labels)) enqueueSelecting(pod);
      },
      onDelete: forPod,
    });
  }

  /** Remembers why applying the last sync's actions failed, for the FailedCreate event and condition. */
  observeError(key: string, err: unknown): void {
    if (!this.creating.has(key)) return;
    if (err instanceof ApiError && err.code === 409) return; // a stale status write, not a failed create
    this.createErrors.set(key, err instanceof Error ? err.message : String(err));
  }

  reconcile(key: string): ReconcileResult {
    if (!allSynced(this.replicaSets, this.pods)) return { actions: [], requeueAfterMs: NOT_SYNCED_RETRY_MS };
    const rs = this.replicaSets.getByKey(key);
    this.creating.delete(key);
    const createError = this.createErrors.get(key);
    this.createErrors.delete(key);
    if (rs === undefined) return NOTHING;
    const match = selectorMatcher(rs.spec.selector);
    if (match === undefined) return NOTHING;
    const now = this.clock.now();

    // Only active pods are claimed (syncReplicaSet: FilterActivePods, then claimPods).
    const active = claimCandidates(this.pods, rs).filter(isPodActive);
    const { claimed, actions } = claimObjects(rs, 'pods', (p) => match(p.metadata.labels), active);

    const replicas = rs.spec.replicas ?? 1;
    const diff = claimed.length - replicas;
    const events: Action[] = [];
    if (createError !== undefined && diff < 0) {
      events.push({ type: 'event', involved: involvedObject(rs), eventType: 'Warning', reason: 'FailedCreate', message: `Error creating: ${createError}` });
    }
    actions.push(...events);
    // Status is computed from the pods as observed, before this sync's creates and deletes (as upstream's
    // calculateStatus(rs, filteredPods, ...)); it is written first so that failing creates cannot hold it back.
    const status = calculateStatus(rs, claimed, now, diff < 0 ? createError : undefined);
    if (!jsonEqual(status, rs.status ?? {})) {
      actions.push({ type: 'update', resource: 'replicasets', object: { ...rs, status } as unknown as Json, subresource: 'status' });
    }
    if (rs.metadata.deletionTimestamp === undefined) actions.push(...this.manageReplicas(rs, claimed, diff, now, key));
    const wait = nextAvailableInMs(claimed, rs.spec.minReadySeconds ?? 0, now);
    return wait !== undefined ? { actions, requeueAfterMs: wait } : { actions };
  }

  /** manageReplicas: create or delete pods to close the gap, at most burstReplicas of them. */
  private manageReplicas(rs: ReplicaSet, pods: readonly Pod[], diff: number, now: number, key: string): Action[] {
    const actions: Action[] = [];
    const involved = involvedObject(rs);
    if (diff < 0) {
      const n = Math.min(-diff, this.burstReplicas);
      const ns = rs.metadata.namespace;
      const names = generateNames(`${rs.metadata.name ?? ''}-`, rs.metadata.uid ?? '', now, n, (name) => this.pods.get(ns, name) !== undefined);
      this.creating.add(key);
      for (const name of names) {
        actions.push({ type: 'create', resource: 'pods', object: podFromTemplate(rs.spec.template, rs, name) });
        actions.push({ type: 'event', involved, eventType: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${name}` });
      }
    } else if (diff > 0) {
      const n = Math.min(diff, this.burstReplicas);
      for (const pod of podsToDelete(pods, this.relatedPods(rs), n, now)) {
        actions.push({ type: 'delete', resource: 'pods', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '' });
        actions.push({ type: 'event', involved, eventType: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${pod.metadata.name ?? ''}` });
      }
    }
    return actions;
  }

  /**
   * getIndirectlyRelatedPods: the pods of every ReplicaSet with the same controller as `rs` (its Deployment's
   * other revisions), or of `rs` alone, used to rank pods by how crowded their node is.
   */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const owner = controllerRefOf(rs);
    const siblings =
      owner === undefined ? [rs] : this.replicaSets.byIndex('namespace', rs.metadata.namespace ?? '').filter((x) => controllerRefOf(x)?.uid === owner.uid);
    const out: Pod[] = [];
    for (const s of siblings) for (const p of this.pods.byIndex('owner', s.metadata.uid ?? '')) if (controllerRefOf(p)?.uid === s.metadata.uid) out.push(p);
    return out;
  }
}

/**
 * replica_set_utils.go calculateStatus: counts over the claimed active pods; a ReplicaFailure condition while
 * creating fails. Zero counts are omitted as Go's omitempty does (replicas is always written).
 */
export function calculateStatus(rs: ReplicaSet, pods: readonly Pod[], nowMs: number, failure: string | undefined): RsStatus {
  const templateLabels = compileLabelSet(rs.spec.template?.metadata?.labels);
  const minReady = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    if (templateLabels(p.metadata.labels)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, nowMs)) available++;
    }
  }
  let conditions: WorkloadCondition[] = [...(rs.status?.conditions ?? [])];
  const failureCond = findCondition(conditions, 'ReplicaFailure');
  if (failure !== undefined && failureCond === undefined) {
    conditions.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: formatTime(nowMs), reason: 'FailedCreate', message: failure });
  } else if (failure === undefined && failureCond !== undefined) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  return omitEmpty(
    {
      replicas: pods.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation ?? 0,
      conditions,
    },
    ['replicas'],
  ) as RsStatus;
}

/** A ReplicaSet controller on the API server, fed by the shared informers. */
export function newReplicaSetController(options: ReplicaSetControllerOptions): Controller {
  const reconciler = new ReplicaSetReconciler(options);
  const controller = new Controller({
    api: options.api,
    clock: options.clock,
    reconciler,
    onError: (key, err) => {
      reconciler.observeError(key, err);
      options.onError?.(key, err);
    },
  });
  reconciler.watch((key) => controller.enqueue(key));
  return controller;
}
