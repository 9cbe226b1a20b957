// The Deployment controller (kube-controller-manager pkg/controller/deployment/: deployment_controller.go,
// sync.go, rolling.go, recreate.go, progress.go, util/deployment_util.go). Per key "namespace/name" it claims
// the namespace's ReplicaSets by selector, finds or creates the new ReplicaSet "<name>-<pod-template-hash>"
// for the current template, and moves replicas from the old ReplicaSets to it: RollingUpdate within
// maxSurge / maxUnavailable, Recreate by scaling the old ones to zero and waiting for their pods to go. It
// keeps the revision annotations, scales proportionally when spec.replicas changes mid-rollout, deletes old
// ReplicaSets beyond revisionHistoryLimit, and reports status (replicas, updatedReplicas, readyReplicas,
// availableReplicas, unavailableReplicas, conditions Available and Progressing) through the status
// subresource. Events: ScalingReplicaSet "Scaled up replica set X to N" (on creation) and "Scaled up|down
// replica set X to N from M" (current upstream wording).
//
// pod-template-hash: upstream hashes the template with FNV-32a over a go-spew dump of the Go struct; drydock
// hashes the template's canonical JSON (keys sorted) with FNV-32a (plus collisionCount as 8 little-endian
// bytes, as upstream), rendered as the decimal number through rand.SafeEncodeString's alphabet, as upstream.
// Same shape and stability, different values.
//
// One sync is pure: it reads the caches and returns actions. Each ReplicaSet is written at most once per sync
// (later changes in the same sync amend that write), and the Deployment once, through /status, carrying the
// revision annotation as upstream's UpdateStatus does.
import type { ApiServer } from '../apiserver/apiserver.js';
import { formatTime, jsonEqual } from '../apiserver/meta.js';
import type { Informer, SharedInformerFactory } from '../apiserver/informer.js';
import type { Json } from '../apiserver/strategy.js';
import type { Deployment, LabelSelector, Pod, PodTemplateSpec, ReplicaSet, WorkloadCondition } from '../api/index.js';
import type { Clock } from '../util/clock.js';
import {
  allSynced,
  canonicalJson,
  claimCandidates,
  claimObjects,
  controllerRefOf,
  findCondition,
  fnv32a,
  involvedObject,
  keyOf,
  newControllerRef,
  NOT_SYNCED_RETRY_MS,
  omitEmpty,
  safeEncodeString,
  scaledValue,
  selectorMatcher,
  timeMs,
} from './controller-utils.js';
import { Controller, NOTHING, type Action, type ReconcileResult, type Reconciler } from './runtime.js';

export const DEPLOYMENT_CONTROLLER_NAME = 'deployment-controller';

// util/deployment_util.go annotation keys and condition reasons.
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);
/** sync.go maxRevHistoryLengthInChars. */
const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

export const Reasons = {
  NewRSAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  NewReplicaSetCreated: 'NewReplicaSetCreated',
  FoundNewRS: 'FoundNewReplicaSet',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  Paused: 'DeploymentPaused',
  Resumed: 'DeploymentResumed',
} as const;

type DeploymentStatus = NonNullable<Deployment['status']> & { readonly collisionCount?: number };
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const replicasOf = (rs: ReplicaSet | undefined): number => rs?.spec.replicas ?? 0;
const desiredOf = (d: Deployment): number => d.spec.replicas ?? 1;

// ---- the arithmetic (util/deployment_util.go) ------------------------------------------------------------

function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/**
 * ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down (both of `desired`); if both come out 0,
 * maxUnavailable is 1 "on the theory that surge might not work due to quota".
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** MaxUnavailable: 0 for Recreate or 0 replicas; never more than spec.replicas. */
export function maxUnavailable(d: Deployment): number {
  const desired = desiredOf(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return Math.min(resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desired).unavailable, desired);
}

/** MaxSurge: 0 for Recreate. */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desiredOf(d)).surge;
}

const sumReplicas = (rss: readonly (ReplicaSet | undefined)[]) => rss.reduce((n, rs) => n + replicasOf(rs), 0);
const sumStatus = (rss: readonly (ReplicaSet | undefined)[], f: 'replicas' | 'readyReplicas' | 'availableReplicas') =>
  rss.reduce((n, rs) => n + (rs?.status?.[f] ?? 0), 0);

/**
 * NewRSNewReplicas: how big the new ReplicaSet may be now. RollingUpdate: up to spec.replicas + maxSurge pods
 * in all ReplicaSets together (by spec.replicas), never above spec.replicas; Recreate: spec.replicas.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return desiredOf(d);
  const surge = scaledValue(d.spec.strategy?.rollingUpdate?.maxSurge ?? 0, desiredOf(d), true);
  const current = sumReplicas(allRSs);
  const maxTotal = desiredOf(d) + surge;
  if (current >= maxTotal) return replicasOf(newRS);
  return replicasOf(newRS) + Math.min(maxTotal - current, desiredOf(d) - replicasOf(newRS));
}

/** controller.ComputeHash, drydock's way (see the file header). */
export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  let extra: Uint8Array | undefined;
  if (collisionCount !== undefined) {
    extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
  }
  return safeEncodeString(String(fnv32a(canonicalJson(template), extra)));
}

function withoutHash(t: PodTemplateSpec | undefined): unknown {
  if (t === undefined) return undefined;
  const labels = { ...(t.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  const metadata = { ...(t.metadata ?? {}) } as Mutable<NonNullable<PodTemplateSpec['metadata']>>;
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  else delete metadata.labels;
  return { ...t, metadata };
}

/** EqualIgnoreHash: the templates are equal once the pod-template-hash label is taken out of both. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return jsonEqual(withoutHash(a), withoutHash(b));
}

const creationOrder = (a: ReplicaSet, b: ReplicaSet): number => {
  const ta = timeMs(a.metadata.creationTimestamp) ?? 0;
  const tb = timeMs(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
};

function revisionOf(rs: ReplicaSet): number | undefined {
  const v = rs.metadata.annotations?.[REVISION_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

// ---- conditions (util/deployment_util.go) -----------------------------------------------------------------

function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, nowMs: number): WorkloadCondition {
  const t = formatTime(nowMs);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** SetDeploymentCondition: same status and reason → no change; same status → keep lastTransitionTime. */
function setCondition(status: Mutable<DeploymentStatus>, condition: WorkloadCondition): void {
  const current = findCondition(status.conditions, condition.type);
  if (current !== undefined && current.status === condition.status && current.reason === condition.reason) return;
  const c = current !== undefined && current.status === condition.status ? { ...condition, lastTransitionTime: current.lastTransitionTime } : condition;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== condition.type), c as WorkloadCondition];
}

function removeCondition(status: Mutable<DeploymentStatus>, type: string): void {
  if (status.conditions === undefined) return;
  const left = status.conditions.filter((c) => c.type !== type);
  if (left.length > 0) status.conditions = left;
  else delete status.conditions;
}

const hasProgressDeadline = (d: Deployment): boolean => d.spec.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== 2147483647;

/** DeploymentComplete: every replica updated and available, and this generation observed. */
function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const n = desiredOf(d);
  return (s.updatedReplicas ?? 0) === n && (s.replicas ?? 0) === n && (s.availableReplicas ?? 0) === n && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated, fewer old, more ready or more available replicas than before. */
function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** DeploymentTimedOut: the Progressing condition was last updated more than progressDeadlineSeconds ago. */
function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = findCondition(s.conditions, 'Progressing');
  if (c === undefined || c.reason === Reasons.NewRSAvailable) return false;
  if (c.reason === Reasons.TimedOut) return true;
  const from = timeMs(c.lastUpdateTime) ?? 0;
  return from + (d.spec.progressDeadlineSeconds ?? 0) * 1000 < nowMs;
}

// ---- the reconciler -----------------------------------------------------------------------------------

export interface DeploymentReconcilerOptions {
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
}

export interface DeploymentControllerOptions extends DeploymentReconcilerOptions {
  readonly api: ApiServer;
  readonly onError?: (key: string, err: unknown) => void;
}

export class DeploymentReconciler implements Reconciler {
  readonly name = DEPLOYMENT_CONTROLLER_NAME;
  readonly deployments: Informer<Deployment>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly pods: Informer<Pod>;
  private readonly clock: Clock;

  constructor(options: DeploymentReconcilerOptions) {
    this.deployments = options.informers.informer<Deployment>('deployments');
    this.replicaSets = options.informers.informer<ReplicaSet>('replicasets');
    this.pods = options.informers.informer<Pod>('pods');
    this.clock = options.clock;
  }

  /** deployment_controller.go's handlers: deployments, their ReplicaSets, and pod deletions (for Recreate). */
  watch(enqueue: (key: string) => void): void {
    this.deployments.addEventHandler({
      onAdd: (d) => enqueue(keyOf(d)),
      onUpdate: (_o, d) => enqueue(keyOf(d)),
      onDelete: (d) => enqueue(keyOf(d)),
    });
    const ownerOf = (rs: ReplicaSet): Deployment | undefined => {
      const ref = controllerRefOf(rs);
      if (ref === undefined || ref.kind !== 'Deployment') return undefined;
      const d = this.deployments.get(rs.metadata.namespace, ref.name);
      return d !== undefined && d.metadata.uid === ref.uid ? d : undefined;
    };
    const selecting = (rs: ReplicaSet) => {
      for (const d of this.deployments.byIndex('namespace', rs.metadata.namespace ?? '')) {
        if (selectorMatcher(d.spec.selector)?.(rs.metadata.labels) === true) enqueue(keyOf(d));
      }
    };
    const forRS = (rs: ReplicaSet) => {
      if (controllerRefOf(rs) !== undefined) {
        const d = ownerOf(rs);
        if (d !== undefined) enqueue(keyOf(d));
      } else selecting(rs);
    };
    this.replicaSets.addEventHandler({
      onAdd: forRS,
      onUpdate: (old, rs) => {
        const before = controllerRefOf(old);
        const after = controllerRefOf(rs);
        const refChanged = !jsonEqual(before, after);
        if (refChanged && before !== undefined) forRS(old);
        if (after !== undefined) return forRS(rs);
        if (refChanged || !jsonEqual(old.metadata.labels, rs.metadata.labels)) selecting(rs);
      },
      onDelete: forRS,
    });
    this.pods.addEventHandler({
      onDelete: (pod) => {
        const ref = controllerRefOf(pod);
        if (ref === undefined || ref.kind !== 'ReplicaSet') return;
        const rs = this.replicaSets.get(pod.metadata.namespace, ref.name);
        const d = rs !== undefined && rs.metadata.uid === ref.uid ? ownerOf(rs) : undefined;
        if (d !== undefined && d.spec.strategy?.type === 'Recreate') enqueue(keyOf(d));
      },
    });
  }

  reconcile(key: string): ReconcileResult {
    if (!allSynced(this.deployments, this.replicaSets, this.pods)) return { actions: [], requeueAfterMs: NOT_SYNCED_RETRY_MS };
    const d = this.deployments.getByKey(key);
    if (d === undefined) return NOTHING;
    const now = this.clock.now();
    const sel = d.spec.selector;
    const match = selectorMatcher(sel);
    if (match === undefined || (Object.keys(sel?.matchLabels ?? {}).length === 0 && (sel?.matchExpressions ?? []).length === 0)) {
      // syncDeployment: a selector that selects everything is refused; only observedGeneration moves.
      const actions: Action[] = [
        { type: 'event', involved: involvedObject(d), eventType: 'Warning', reason: 'SelectingAll', message: 'This deployment is selecting all pods. A non-empty selector is required.' },
      ];
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        actions.push({ type: 'update', resource: 'deployments', object: { ...d, status: { ...d.status, observedGeneration: d.metadata.generation } } as unknown as Json, subresource: 'status' });
      }
      return { actions };
    }
    const namespace = d.metadata.namespace ?? 'default';
    const claim = claimObjects(d, 'replicasets', (rs) => match(rs.metadata.labels), claimCandidates(this.replicaSets, d));
    // Adoption and release change the ReplicaSets; their events bring this key back with fresh objects.
    if (claim.actions.length > 0) return { actions: claim.actions };
    const sync = new DeploymentSync(d, claim.claimed, now, {
      podMap: (rsList) => this.podMap(d, match, rsList),
      nameTaken: (name) => this.replicaSets.get(namespace, name) !== undefined,
    });
    return sync.run();
  }

  /** getPodMapForDeployment: the deployment's pods by the uid of the ReplicaSet that controls them. */
  private podMap(d: Deployment, match: (labels: Pod['metadata']['labels']) => boolean, rsList: readonly ReplicaSet[]): Map<string, Pod[]> {
    const map = new Map<string, Pod[]>();
    for (const rs of rsList) if (rs.metadata.uid !== undefined) map.set(rs.metadata.uid, []);
    for (const pod of this.pods.byIndex('namespace', d.metadata.namespace ?? 'default')) {
      if (!match(pod.metadata.labels)) continue;
      const ref = controllerRefOf(pod);
      if (ref === undefined) continue;
      map.get(ref.uid)?.push(pod);
    }
    return map;
  }
}

/** One sync of one Deployment: working copies of its ReplicaSets and status, and the actions so far. */
class DeploymentSync {
  private readonly actions: Action[] = [];
  /** Index in `actions` of each ReplicaSet's one write (create or update), by name. */
  private readonly writeAt = new Map<string, number>();
  private readonly rs = new Map<string, ReplicaSet>();
  /** The working Deployment: annotations and status change during the sync. */
  private d: Deployment;
  private requeueAfterMs: number | undefined;

  constructor(
    private readonly cached: Deployment,
    rsList: readonly ReplicaSet[],
    private readonly now: number,
    private readonly lookups: { podMap(rsList: readonly ReplicaSet[]): Map<string, Pod[]>; nameTaken(name: string): boolean },
  ) {
    this.d = cached;
    for (const rs of [...rsList].sort(creationOrder)) this.rs.set(rs.metadata.name ?? '', rs);
  }

  run(): ReconcileResult {
    const d = this.d;
    if (d.metadata.deletionTimestamp !== undefined) {
      this.syncStatusOnly();
    } else {
      this.checkPausedConditions();
      if (d.spec.paused === true || this.isScalingEvent()) this.sync();
      else if (d.spec.strategy?.type === 'Recreate') this.rolloutRecreate();
      else this.rolloutRolling();
    }
    const c = this.cached;
    if (!jsonEqual(this.d.status ?? {}, c.status ?? {}) || !jsonEqual(this.d.metadata.annotations, c.metadata.annotations)) {
      this.actions.push({ type: 'update', resource: 'deployments', object: this.d as unknown as Json, subresource: 'status' });
    }
    return this.requeueAfterMs !== undefined ? { actions: this.actions, requeueAfterMs: this.requeueAfterMs } : { actions: this.actions };
  }

  // ---- working state ----

  private list(): ReplicaSet[] {
    return [...this.rs.values()];
  }

  private get status(): DeploymentStatus {
    return this.d.status ?? {};
  }

  private setStatus(status: DeploymentStatus): void {
    this.d = { ...this.d, status };
  }

  private mutateStatus(fn: (s: Mutable<DeploymentStatus>) => void): void {
    const s = { ...this.status } as Mutable<DeploymentStatus>;
    fn(s);
    this.setStatus(s);
  }

  private event(reason: string, message: string): void {
    this.actions.push({ type: 'event', involved: involvedObject(this.d), eventType: 'Normal', reason, message });
  }

  /** Records the new state of a ReplicaSet: the sync's one write of it is created or amended. */
  private write(rs: ReplicaSet, create = false): ReplicaSet {
    const name = rs.metadata.name ?? '';
    this.rs.set(name, rs);
    const at = this.writeAt.get(name);
    if (at !== undefined) {
      const a = this.actions[at]!;
      this.actions[at] = a.type === 'create' ? { ...a, object: rs as unknown as Json } : { type: 'update', resource: 'replicasets', object: rs as unknown as Json };
    } else {
      this.writeAt.set(name, this.actions.length);
      this.actions.push(create ? { type: 'create', resource: 'replicasets', object: rs as unknown as Json } : { type: 'update', resource: 'replicasets', object: rs as unknown as Json });
    }
    return rs;
  }

  private current(rs: ReplicaSet): ReplicaSet {
    return this.rs.get(rs.metadata.name ?? '') ?? rs;
  }

  // ---- sync.go ----

  private syncStatusOnly(): void {
    const { newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(false);
    this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  /** sync: scaling events and paused deployments. */
  private sync(): void {
    const { newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(false);
    this.scale(newRS, oldRSs);
    if (this.d.spec.paused === true) this.cleanupDeployment(oldRSs.map((r) => this.current(r)));
    const all = [...oldRSs, newRS].map((r) => (r === undefined ? undefined : this.current(r)));
    this.syncDeploymentStatus(all, newRS === undefined ? undefined : this.current(newRS));
  }

  /** checkPausedConditions: Progressing=Unknown DeploymentPaused / DeploymentResumed. */
  private checkPausedConditions(): void {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const cond = findCondition(this.status.conditions, 'Progressing');
    if (cond?.reason === Reasons.TimedOut) return;
    const pausedCondExists = cond?.reason === Reasons.Paused;
    if (d.spec.paused === true && !pausedCondExists) {
      this.mutateStatus((s) => setCondition(s, newCondition('Progressing', 'Unknown', Reasons.Paused, 'Deployment is paused', this.now)));
    } else if (d.spec.paused !== true && pausedCondExists) {
      this.mutateStatus((s) => setCondition(s, newCondition('Progressing', 'Unknown', Reasons.Resumed, 'Deployment is resumed', this.now)));
    }
  }

  /** isScalingEvent: an active ReplicaSet's desired-replicas annotation differs from spec.replicas. */
  private isScalingEvent(): boolean {
    const { newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(false);
    for (const rs of [...oldRSs, newRS]) {
      if (rs === undefined || replicasOf(rs) <= 0) continue;
      const v = this.current(rs).metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
      if (v === undefined || !/^\d+$/.test(v)) continue;
      if (Number(v) !== desiredOf(this.d)) return true;
    }
    return false;
  }

  /** getAllReplicaSetsAndSyncRevision: the new ReplicaSet (found or created) and all the others. */
  private getAllReplicaSetsAndSyncRevision(createIfNotExisted: boolean): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    const rsList = this.list();
    const found = rsList.find((rs) => equalIgnoreHash(rs.spec.template, this.d.spec.template));
    const oldRSs = rsList.filter((rs) => rs !== found);
    const newRS = this.getNewReplicaSet(found, oldRSs, createIfNotExisted);
    return { newRS, oldRSs };
  }

  private getNewReplicaSet(existing: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], createIfNotExisted: boolean): ReplicaSet | undefined {
    const d = this.d;
    let maxOld = 0;
    for (const rs of oldRSs) maxOld = Math.max(maxOld, revisionOf(rs) ?? 0);
    const newRevision = maxOld + 1;

    if (existing !== undefined) {
      const { rs: copy, changed } = setNewReplicaSetAnnotations(d, existing, newRevision, true);
      const minReady = d.spec.minReadySeconds ?? 0;
      if (changed || (copy.spec.minReadySeconds ?? 0) !== minReady) {
        return this.write({ ...copy, spec: { ...copy.spec, minReadySeconds: minReady } });
      }
      this.setDeploymentRevision(copy.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && findCondition(this.status.conditions, 'Progressing') === undefined) {
        const msg = `Found new replica set ${JSON.stringify(copy.metadata.name ?? '')}`;
        this.mutateStatus((s) => setCondition(s, newCondition('Progressing', 'True', Reasons.FoundNewRS, msg, this.now)));
      }
      return copy;
    }
    if (!createIfNotExisted) return undefined;

    const collisionCount = (this.status as DeploymentStatus).collisionCount;
    const hash = computeHash(d.spec.template, collisionCount);
    const labels = { ...(d.spec.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const template: PodTemplateSpec = { ...d.spec.template, metadata: { ...(d.spec.template.metadata ?? {}), labels } };
    const selector: LabelSelector = { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const name = `${d.metadata.name ?? ''}-${hash}`;
    let newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: d.metadata.namespace ?? 'default', ownerReferences: [newControllerRef(d)], labels },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    const count = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS = setNewReplicaSetAnnotations(d, { ...newRS, spec: { ...newRS.spec, replicas: count } }, newRevision, false).rs;

    if (this.rs.has(name) || this.lookups.nameTaken(name)) {
      // The name is taken by a ReplicaSet whose template differs (it would have been found otherwise): a
      // hash collision. Bump collisionCount and come back (sync.go getNewReplicaSet, IsAlreadyExists).
      this.mutateStatus((s) => {
        s.collisionCount = (collisionCount ?? 0) + 1;
      });
      this.requeueAfterMs = 0;
      return undefined;
    }
    this.write(newRS, true);
    if (count > 0) this.event('ScalingReplicaSet', `Scaled up replica set ${name} to ${count}`);
    this.setDeploymentRevision(String(newRevision));
    if (hasProgressDeadline(d)) {
      const msg = `Created new replica set ${JSON.stringify(name)}`;
      this.mutateStatus((s) => setCondition(s, newCondition('Progressing', 'True', Reasons.NewReplicaSetCreated, msg, this.now)));
    }
    return newRS;
  }

  private setDeploymentRevision(revision: string): void {
    const annotations = this.d.metadata.annotations ?? {};
    if (annotations[REVISION_ANNOTATION] === revision) return;
    this.d = { ...this.d, metadata: { ...this.d.metadata, annotations: { ...annotations, [REVISION_ANNOTATION]: revision } } };
  }

  /** scale: proportional scaling of all active ReplicaSets when spec.replicas changes. */
  private scale(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): void {
    const d = this.d;
    const desired = desiredOf(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest !== undefined) {
      if (replicasOf(activeOrLatest) !== desired) this.scaleReplicaSetAndRecordEvent(activeOrLatest, desired);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of oldRSs.filter((r) => replicasOf(r) > 0)) this.scaleReplicaSetAndRecordEvent(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = [...oldRSs, ...(newRS !== undefined ? [newRS] : [])].filter((r) => replicasOf(r) > 0);
    const allowedSize = desired > 0 ? desired + maxSurge(d) : 0;
    const toAdd = allowedSize - sumReplicas(all);
    let operation = '';
    if (toAdd > 0) {
      all.sort((a, b) => replicasOf(b) - replicasOf(a) || -creationOrder(a, b)); // ReplicaSetsBySizeNewer
      operation = 'up';
    } else if (toAdd < 0) {
      all.sort((a, b) => replicasOf(b) - replicasOf(a) || creationOrder(a, b)); // ReplicaSetsBySizeOlder
      operation = 'down';
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of all) {
      if (toAdd !== 0) {
        const p = getProportion(rs, d, toAdd, added);
        sizes.set(rs.metadata.name ?? '', replicasOf(rs) + p);
        added += p;
      } else {
        sizes.set(rs.metadata.name ?? '', replicasOf(rs));
      }
    }
    all.forEach((rs, i) => {
      const name = rs.metadata.name ?? '';
      if (i === 0 && toAdd !== 0) sizes.set(name, Math.max(0, sizes.get(name)! + toAdd - added));
      this.scaleReplicaSet(rs, sizes.get(name)!, operation);
    });
  }

  private scaleReplicaSetAndRecordEvent(rs: ReplicaSet, newScale: number): { scaled: boolean; rs: ReplicaSet } {
    rs = this.current(rs);
    if (replicasOf(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, replicasOf(rs) < newScale ? 'up' : 'down');
  }

  private scaleReplicaSet(rs: ReplicaSet, newScale: number, operation: string): { scaled: boolean; rs: ReplicaSet } {
    rs = this.current(rs);
    const d = this.d;
    const desired = desiredOf(d);
    const max = desired + maxSurge(d);
    const oldScale = replicasOf(rs);
    const sizeNeedsUpdate = oldScale !== newScale;
    const annotations = rs.metadata.annotations ?? {};
    const annotationsNeedUpdate = annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || annotations[MAX_REPLICAS_ANNOTATION] !== String(max);
    if (!sizeNeedsUpdate && !annotationsNeedUpdate) return { scaled: false, rs };
    const updated = this.write({
      ...rs,
      metadata: { ...rs.metadata, annotations: { ...annotations, [DESIRED_REPLICAS_ANNOTATION]: String(desired), [MAX_REPLICAS_ANNOTATION]: String(max) } },
      spec: { ...rs.spec, replicas: newScale },
    });
    if (sizeNeedsUpdate) this.event('ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata.name ?? ''} to ${newScale} from ${oldScale}`);
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /** cleanupDeployment: delete the oldest old ReplicaSets beyond revisionHistoryLimit that are fully scaled down. */
  private cleanupDeployment(oldRSs: readonly ReplicaSet[]): void {
    const limit = this.d.spec.revisionHistoryLimit;
    if (limit === undefined || limit === 2147483647) return;
    const cleanable = oldRSs.filter((rs) => rs.metadata.deletionTimestamp === undefined);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    // ReplicaSetsByRevision: by revision, then by creation.
    cleanable.sort((a, b) => (revisionOf(a) ?? 0) - (revisionOf(b) ?? 0) || creationOrder(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      this.actions.push({ type: 'delete', resource: 'replicasets', namespace: rs.metadata.namespace ?? 'default', name: rs.metadata.name ?? '' });
    }
  }

  /** syncDeploymentStatus: recompute status from the ReplicaSets. */
  private syncDeploymentStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): void {
    this.setStatus(calculateStatus(allRSs, newRS, this.d, this.now));
  }

  // ---- rolling.go ----

  private rolloutRolling(): void {
    const { newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(true);
    if (newRS === undefined) return; // a hash collision: collisionCount was bumped, try again
    const all = [...oldRSs, newRS];
    if (this.reconcileNewReplicaSet(all, newRS)) return this.syncRolloutStatus(all, newRS);
    if (this.reconcileOldReplicaSets(all, oldRSs.filter((r) => replicasOf(r) > 0), newRS)) return this.syncRolloutStatus(all, newRS);
    if (deploymentComplete(this.d, this.status)) this.cleanupDeployment(oldRSs);
    this.syncRolloutStatus(all, newRS);
  }

  /** reconcileNewReplicaSet: scale the new ReplicaSet down to spec.replicas, or up as far as maxSurge allows. */
  private reconcileNewReplicaSet(allRSs: readonly ReplicaSet[], newRS: ReplicaSet): boolean {
    const desired = desiredOf(this.d);
    newRS = this.current(newRS);
    if (replicasOf(newRS) === desired) return false;
    if (replicasOf(newRS) > desired) return this.scaleReplicaSetAndRecordEvent(newRS, desired).scaled;
    const count = newRSNewReplicas(this.d, allRSs.map((r) => this.current(r)), newRS);
    return this.scaleReplicaSetAndRecordEvent(newRS, count).scaled;
  }

  /**
   * reconcileOldReplicaSets: maxScaledDown = allPods − minAvailable − newRS unavailable pods; first clean up
   * unhealthy replicas of old ReplicaSets, then scale old ReplicaSets down while availability allows.
   */
  private reconcileOldReplicaSets(allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[], newRS: ReplicaSet): boolean {
    const d = this.d;
    allRSs = allRSs.map((r) => this.current(r));
    oldRSs = oldRSs.map((r) => this.current(r));
    newRS = this.current(newRS);
    const oldPodsCount = sumReplicas(oldRSs);
    if (oldPodsCount === 0) return false;
    const allPodsCount = sumReplicas(allRSs);
    const minAvailable = desiredOf(d) - maxUnavailable(d);
    const newRSUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPodsCount - minAvailable - newRSUnavailable;
    if (maxScaledDown <= 0) return false;
    const { oldRSs: cleaned, cleanupCount } = this.cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
    const scaledDownCount = this.scaleDownOldReplicaSetsForRollingUpdate([...cleaned, newRS], cleaned);
    return cleanupCount + scaledDownCount > 0;
  }

  /** cleanupUnhealthyReplicas: scale old ReplicaSets down by their unavailable replicas, oldest first. */
  private cleanupUnhealthyReplicas(oldRSs: readonly ReplicaSet[], maxCleanupCount: number): { oldRSs: ReplicaSet[]; cleanupCount: number } {
    const sorted = [...oldRSs].sort(creationOrder);
    let total = 0;
    for (let i = 0; i < sorted.length; i++) {
      if (total >= maxCleanupCount) break;
      const rs = sorted[i]!;
      const replicas = replicasOf(rs);
      const available = rs.status?.availableReplicas ?? 0;
      if (replicas === 0 || replicas === available) continue;
      const scaledDown = Math.min(maxCleanupCount - total, replicas - available);
      sorted[i] = this.scaleReplicaSetAndRecordEvent(rs, replicas - scaledDown).rs;
      total += scaledDown;
    }
    return { oldRSs: sorted, cleanupCount: total };
  }

  /** scaleDownOldReplicaSetsForRollingUpdate: scale old ReplicaSets down by available − minAvailable, oldest first. */
  private scaleDownOldReplicaSetsForRollingUpdate(allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[]): number {
    const d = this.d;
    const minAvailable = desiredOf(d) - maxUnavailable(d);
    const available = sumStatus(allRSs, 'availableReplicas');
    if (available <= minAvailable) return 0;
    const totalToScaleDown = available - minAvailable;
    let total = 0;
    for (const rs of [...oldRSs].sort(creationOrder)) {
      if (total >= totalToScaleDown) break;
      const replicas = replicasOf(rs);
      if (replicas === 0) continue;
      const n = Math.min(replicas, totalToScaleDown - total);
      this.scaleReplicaSetAndRecordEvent(rs, replicas - n);
      total += n;
    }
    return total;
  }

  // ---- recreate.go ----

  private rolloutRecreate(): void {
    let { newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(false);
    let all = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of oldRSs.filter((r) => replicasOf(r) > 0)) if (this.scaleReplicaSetAndRecordEvent(rs, 0).scaled) scaledDown = true;
    if (scaledDown) return this.syncRolloutStatus(all, newRS);
    if (this.oldPodsRunning(newRS, oldRSs)) return this.syncRolloutStatus(all, newRS);
    if (newRS === undefined) {
      ({ newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(true));
      all = [...oldRSs, newRS];
    }
    if (newRS !== undefined) this.scaleReplicaSetAndRecordEvent(newRS, desiredOf(this.d));
    if (deploymentComplete(this.d, this.status)) this.cleanupDeployment(oldRSs);
    this.syncRolloutStatus(all, newRS);
  }

  /** oldPodsRunning: old ReplicaSets still report pods, or a pod of theirs is not finished. */
  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
    if (sumStatus(oldRSs, 'replicas') > 0) return true;
    for (const [uid, pods] of this.lookups.podMap(this.list())) {
      if (newRS !== undefined && newRS.metadata.uid === uid) continue;
      for (const p of pods) if (p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded') return true;
    }
    return false;
  }

  // ---- progress.go ----

  /** syncRolloutStatus: status plus the Progressing condition, and a requeue to check the progress deadline. */
  private syncRolloutStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): void {
    const d = this.d;
    const current = (r: ReplicaSet | undefined) => (r === undefined ? undefined : this.current(r));
    const newStatus = calculateStatus(allRSs.map(current), current(newRS), d, this.now) as Mutable<DeploymentStatus>;
    if (!hasProgressDeadline(d)) removeCondition(newStatus, 'Progressing');
    const currentCond = findCondition(this.status.conditions, 'Progressing');
    const isCompleteDeployment = newStatus.replicas === newStatus.updatedReplicas && currentCond?.reason === Reasons.NewRSAvailable;
    if (hasProgressDeadline(d) && !isCompleteDeployment) {
      const rsName = newRS?.metadata.name;
      if (deploymentComplete(d, newStatus)) {
        const msg = rsName !== undefined ? `ReplicaSet ${JSON.stringify(rsName)} has successfully progressed.` : `Deployment ${JSON.stringify(d.metadata.name)} has successfully progressed.`;
        setCondition(newStatus, newCondition('Progressing', 'True', Reasons.NewRSAvailable, msg, this.now));
      } else if (deploymentProgressing(d, newStatus)) {
        const msg = rsName !== undefined ? `ReplicaSet ${JSON.stringify(rsName)} is progressing.` : `Deployment ${JSON.stringify(d.metadata.name)} is progressing.`;
        let condition = newCondition('Progressing', 'True', Reasons.ReplicaSetUpdated, msg, this.now);
        // Progress refreshes lastUpdateTime even when the reason stays; lastTransitionTime stays while True.
        if (currentCond !== undefined) {
          if (currentCond.status === 'True') condition = { ...condition, ...(currentCond.lastTransitionTime !== undefined ? { lastTransitionTime: currentCond.lastTransitionTime } : {}) };
          removeCondition(newStatus, 'Progressing');
        }
        setCondition(newStatus, condition);
      } else if (deploymentTimedOut(d, newStatus, this.now)) {
        const msg = rsName !== undefined ? `ReplicaSet ${JSON.stringify(rsName)} has timed out progressing.` : `Deployment ${JSON.stringify(d.metadata.name)} has timed out progressing.`;
        setCondition(newStatus, newCondition('Progressing', 'False', Reasons.TimedOut, msg, this.now));
      }
    }
    // ReplicaFailure conditions of the ReplicaSets move to the Deployment (getReplicaFailures).
    const failure = [current(newRS), ...allRSs.map(current)].map((r) => findCondition(r?.status?.conditions, 'ReplicaFailure')).find((c) => c !== undefined);
    if (failure !== undefined) setCondition(newStatus, newCondition('ReplicaFailure', failure.status, failure.reason ?? '', failure.message ?? '', this.now));
    else removeCondition(newStatus, 'ReplicaFailure');

    if (jsonEqual(newStatus, this.status)) this.requeueStuckDeployment(newStatus);
    this.setStatus(newStatus);
  }

  /** requeueStuckDeployment: look again when the progress deadline would pass. */
  private requeueStuckDeployment(newStatus: DeploymentStatus): void {
    const d = this.d;
    const cond = findCondition(this.status.conditions, 'Progressing');
    if (!hasProgressDeadline(d) || cond === undefined) return;
    if (deploymentComplete(d, newStatus) || cond.reason === Reasons.TimedOut) return;
    const after = (timeMs(cond.lastUpdateTime) ?? this.now) + (d.spec.progressDeadlineSeconds ?? 0) * 1000 - this.now;
    // "Add a second to avoid milliseconds skew in AddAfter"; under a second: rate-limited, i.e. soon.
    this.requeueAfterMs = after < 1000 ? 1000 : after + 1000;
  }
}

// ---- helpers of the sync that need no state ---------------------------------------------------------------

/** SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision, keep the revision history. */
function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): { rs: ReplicaSet; changed: boolean } {
  const annotations: Record<string, string> = { ...(rs.metadata.annotations ?? {}) };
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const oldRevision = annotations[REVISION_ANNOTATION];
  let oldInt = 0;
  if (oldRevision !== undefined && oldRevision !== '') {
    if (!/^\d+$/.test(oldRevision)) return { rs, changed: false };
    oldInt = Number(oldRevision);
  }
  if (oldInt < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    // Rolling back to this ReplicaSet: remember the revisions it had.
    if (oldRevision !== undefined) {
      const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
      let old = history.split(',');
      if (old[0] === '') {
        annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
      } else {
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > MAX_REV_HISTORY_LENGTH_IN_CHARS && start < old.length) total -= old[start++]!.length + 1;
        if (total <= MAX_REV_HISTORY_LENGTH_IN_CHARS) {
          old = [...old.slice(start), oldRevision];
          annotations[REVISION_HISTORY_ANNOTATION] = old.join(',');
        }
      }
    }
  }
  if (!exists) {
    const desired = String(desiredOf(d));
    const max = String(desiredOf(d) + maxSurge(d));
    if (annotations[DESIRED_REPLICAS_ANNOTATION] !== desired || annotations[MAX_REPLICAS_ANNOTATION] !== max) {
      annotations[DESIRED_REPLICAS_ANNOTATION] = desired;
      annotations[MAX_REPLICAS_ANNOTATION] = max;
      changed = true;
    }
  }
  return { rs: changed ? { ...rs, metadata: { ...rs.metadata, annotations } } : rs, changed };
}

/** FindActiveOrLatest: the only ReplicaSet with replicas, or the newest when none has any. */
function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => -creationOrder(a, b));
  const active = [...newestFirst, ...(newRS !== undefined ? [newRS] : [])].filter((r) => replicasOf(r) > 0);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** IsSaturated: the new ReplicaSet has spec.replicas desired, annotated and available. */
function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const desired = Number(rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] ?? 'NaN');
  const n = desiredOf(d);
  return replicasOf(rs) === n && desired === n && (rs.status?.availableReplicas ?? 0) === n;
}

/** integer.RoundToInt32: half away from zero. */
function roundToInt(a: number): number {
  return a < 0 ? Math.trunc(a - 0.5) : Math.trunc(a + 0.5);
}

/** GetProportion: this ReplicaSet's share of the replicas to add (or remove), bounded by what is left. */
function getProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = getReplicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** getReplicaSetFraction: the size this ReplicaSet should have at the new scale, minus its size now. */
function getReplicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (desiredOf(d) === 0) return -replicasOf(rs);
  const maxReplicas = desiredOf(d) + maxSurge(d);
  const annotated = rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION];
  let before = annotated !== undefined && /^\d+$/.test(annotated) ? Number(annotated) : 0;
  if (before === 0) {
    before = d.status?.replicas ?? 0;
    if (before === 0) return 0;
  }
  return roundToInt((replicasOf(rs) * maxReplicas) / before) - replicasOf(rs);
}

/**
 * calculateStatus (sync.go): replicas/ready/available from the ReplicaSets' status, updated from the new one,
 * unavailable = Σspec.replicas − available (not below 0); Available when available ≥ replicas − maxUnavailable.
 */
export function calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, nowMs: number): DeploymentStatus {
  const available = sumStatus(allRSs, 'availableReplicas');
  const total = sumReplicas(allRSs);
  const status: Mutable<DeploymentStatus> = omitEmpty({
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sumStatus(allRSs, 'replicas'),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sumStatus(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    ...((d.status as DeploymentStatus | undefined)?.collisionCount !== undefined ? { collisionCount: (d.status as DeploymentStatus).collisionCount } : {}),
  });
  if (d.status?.conditions !== undefined && d.status.conditions.length > 0) status.conditions = [...d.status.conditions];
  if (available >= desiredOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', Reasons.MinimumReplicasAvailable, 'Deployment has minimum availability.', nowMs));
  } else {
    setCondition(status, newCondition('Available', 'False', Reasons.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', nowMs));
  }
  return status;
}

/** A Deployment controller on the API server, fed by the shared informers. */
export function newDeploymentController(options: DeploymentControllerOptions): Controller {
  const reconciler = new DeploymentReconciler(options);
  const controller = new Controller({ api: options.api, clock: options.clock, reconciler, ...(options.onError !== undefined ? { onError: options.onError } : {}) });
  reconciler.watch((key) => controller.enqueue(key));
  return controller;
}
