// Helpers the workload controllers share, after kube-controller-manager's pkg/controller/controller_utils.go,
// controller_ref_manager.go and pkg/api/v1/pod/util.go: controller references, pod phase / readiness /
// availability, the order in which surplus pods are deleted, pods made from templates, adoption and release by
// selector, and the small arithmetic (int-or-percent, FNV-32a, names) the controllers need.
//
// Everything here is a pure function of its arguments: reconcilers pass the clock's time in.
import {
  compileLabelSelector,
  SelectorError,
  type IntOrString,
  type LabelMatcher,
  type LabelSelector,
  type ObjectMeta,
  type OwnerReference,
  type Pod,
  type PodTemplateSpec,
  type WorkloadCondition,
} from '../api/index.js';
import type { Informer } from '../apiserver/informer.js';
import { jsonEqual, parseTime } from '../apiserver/meta.js';
import { isRecord, type Json } from '../apiserver/strategy.js';
import type { Action, InvolvedObject } from './runtime.js';

/** How many pods one sync of a ReplicaSet (or Job) creates or deletes at most (replica_set.go BurstReplicas; job_controller.go MaxPodCreateDeletePerSync). */
export const BURST_REPLICAS = 500;

/** How long a reconciler waits before looking again when its informers have not synced yet. */
export const NOT_SYNCED_RETRY_MS = 1000;

/** Annotation that ranks pods for scale-down (core/v1 annotation_key_constants.go PodDeletionCost). */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

/** Anything with apiVersion, kind and metadata: an owner, a dependent, an event's subject. */
export interface KubeObjectLike {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
}

// ---- metadata ---------------------------------------------------------------------------------------------

/** The owner reference with controller=true, if any (metav1.GetControllerOf). */
export function controllerRefOf(obj: { readonly metadata?: ObjectMeta }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** A controller reference to `owner` that blocks its foreground deletion (metav1.NewControllerRef). */
export function newControllerRef(owner: KubeObjectLike): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The event's subject (core/v1 ObjectReference). */
export function involvedObject(obj: KubeObjectLike): InvolvedObject {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name ?? '',
    ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
    ...(obj.metadata.uid !== undefined ? { uid: obj.metadata.uid } : {}),
  };
}

/** "namespace/name" (cache.MetaNamespaceKeyFunc). */
export function keyOf(obj: { readonly metadata?: ObjectMeta }): string {
  const ns = obj.metadata?.namespace;
  return ns !== undefined && ns !== '' ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Milliseconds of a metav1.Time, or undefined when absent or unparsable. */
export function timeMs(t: string | undefined | null): number | undefined {
  if (t === undefined || t === null || t === '') return undefined;
  const ms = parseTime(t);
  return Number.isNaN(ms) ? undefined : ms;
}

// Objects in the informer caches are immutable and shared, so a selector object compiles once.
const compiledSelectors = new WeakMap<LabelSelector, LabelMatcher | null>();

/** Compiles a selector, or undefined when it is invalid (validation keeps those out; a controller then does nothing). */
export function selectorMatcher(selector: LabelSelector | undefined): LabelMatcher | undefined {
  if (selector === undefined) return compileLabelSelector(selector);
  const cached = compiledSelectors.get(selector);
  if (cached !== undefined) return cached ?? undefined;
  let m: LabelMatcher | null;
  try {
    m = compileLabelSelector(selector);
  } catch (err) {
    if (!(err instanceof SelectorError)) throw err;
    m = null;
  }
  compiledSelectors.set(selector, m);
  return m ?? undefined;
}

/** The informer index of objects without a controller, by namespace. */
export const ORPHANS_INDEX = 'orphansByNamespace';
const withOrphansIndex = new WeakSet<object>();

/**
 * What an owner may claim: the objects that reference it, and the orphans of its namespace. Equivalent to
 * upstream's "every object of the namespace" (objects controlled by someone else are ignored by the claim)
 * without a scan of the namespace per sync. In key order.
 */
export function claimCandidates<T extends { readonly metadata?: ObjectMeta }>(informer: Informer<T>, owner: KubeObjectLike): T[] {
  if (!withOrphansIndex.has(informer)) {
    informer.addIndexer(ORPHANS_INDEX, (o) => (controllerRefOf(o) === undefined ? [o.metadata?.namespace ?? ''] : []));
    withOrphansIndex.add(informer);
  }
  const owned = informer.byIndex('owner', owner.metadata.uid ?? '').filter((o) => (o.metadata?.namespace ?? '') === (owner.metadata.namespace ?? ''));
  const orphans = informer.byIndex(ORPHANS_INDEX, owner.metadata.namespace ?? '');
  if (owned.length === 0) return orphans;
  if (orphans.length === 0) return owned;
  const seen = new Set<T>(owned);
  return [...owned, ...orphans.filter((o) => !seen.has(o))].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

/** True when every informer has listed once; reconcilers decide nothing from a half-filled cache. */
export function allSynced(...informers: readonly Pick<Informer, 'hasSynced'>[]): boolean {
  return informers.every((i) => i.hasSynced);
}

// ---- pods ---------------------------------------------------------------------------------------------------

/** Not finished and not being deleted (controller_utils.go IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata.deletionTimestamp === undefined;
}

/** Being deleted but not finished (controller_utils.go IsPodTerminating / CountTerminatingPods). */
export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

/** The pod's Ready condition is True (pod/util.go IsPodReady). The kubelet sets it. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** When the pod last became Ready, or undefined when it is not ready or the time is unknown. */
export function podReadyTimeMs(pod: Pod): number | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'True');
  return c === undefined ? undefined : timeMs(c.lastTransitionTime);
}

/**
 * Ready for at least minReadySeconds (pod/util.go IsPodAvailable: minReadySeconds == 0, or the Ready
 * condition's lastTransitionTime + minReadySeconds is strictly before now).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds === 0) return true;
  const t = podReadyTimeMs(pod);
  return t !== undefined && t + minReadySeconds * 1000 < nowMs;
}

/** How long until the first ready-but-not-yet-available pod becomes available (+1 ms: the check is strict), or undefined. */
export function nextAvailableInMs(pods: readonly Pod[], minReadySeconds: number, nowMs: number): number | undefined {
  if (minReadySeconds <= 0) return undefined;
  let next: number | undefined;
  for (const p of pods) {
    const t = podReadyTimeMs(p);
    if (t === undefined || isPodAvailable(p, minReadySeconds, nowMs)) continue;
    const wait = t + minReadySeconds * 1000 + 1 - nowMs;
    if (next === undefined || wait < next) next = wait;
  }
  return next;
}

function maxContainerRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) {
    const n = c['restartCount'];
    if (typeof n === 'number' && n > max) max = n;
  }
  return max;
}

/** The pod-deletion-cost annotation as an int32; absent or invalid is 0 (helper.GetDeletionCostFromPodAnnotations). */
export function podDeletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v.trim())) return 0;
  const n = Number(v.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/** t1 is zero (unknown), or both are known and t1 is after t2 (controller_utils.go afterOrZero). */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  return t1 > t2;
}

/** ⌊log2(now − t)⌋ in nanoseconds, −1 when t is not in the past (controller_utils.go logarithmicRankDiff). */
function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

export interface DeletionOrder {
  /** Ranks: co-located active related pods (ActivePodsWithRanks.Rank); absent = plain ActivePods order. */
  readonly rank?: (pod: Pod) => number;
  /** LogarithmicScaleDown (GA): compare ready and creation times on a log2 scale from now, ties by UID. */
  readonly nowMs?: number;
}

/**
 * True when `a` should be deleted before `b`: controller_utils.go ActivePodsWithRanks.Less (with `rank`) or
 * ActivePods.Less (without). 1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
 * 4. lower pod-deletion-cost first (ranked order only); 5. more co-located related pods first (ranked only);
 * 6. ready more recently first; 7. more container restarts first; 8. created more recently first.
 */
export function deleteBefore(a: Pod, b: Pod, order: DeletionOrder = {}): boolean {
  const na = a.spec.nodeName ?? '';
  const nb = b.spec.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  const pa = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa < pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  const ranked = order.rank !== undefined;
  if (ranked) {
    const ca = podDeletionCost(a);
    const cb = podDeletionCost(b);
    if (ca !== cb) return ca < cb;
    const ka = order.rank!(a);
    const kb = order.rank!(b);
    if (ka !== kb) return ka > kb;
  }
  const now = ranked ? order.nowMs : undefined;
  const compareTimes = (t1: number | undefined, t2: number | undefined): boolean | undefined => {
    if (t1 === t2) return undefined;
    if (now === undefined || t1 === undefined || t2 === undefined) return afterOrZero(t1, t2);
    const diff = logRank(t1, now) - logRank(t2, now);
    if (diff === 0) return (a.metadata.uid ?? '') < (b.metadata.uid ?? '');
    return diff < 0;
  };
  if (ra && rb) {
    const r = compareTimes(podReadyTimeMs(a), podReadyTimeMs(b));
    if (r !== undefined) return r;
  }
  const xa = maxContainerRestarts(a);
  const xb = maxContainerRestarts(b);
  if (xa !== xb) return xa > xb;
  const r = compareTimes(timeMs(a.metadata.creationTimestamp), timeMs(b.metadata.creationTimestamp));
  return r ?? false;
}

/** Sorts a copy so that the pods to delete first come first. */
export function sortForDeletion(pods: readonly Pod[], order: DeletionOrder = {}): Pod[] {
  return [...pods].sort((x, y) => (deleteBefore(x, y, order) ? -1 : deleteBefore(y, x, order) ? 1 : 0));
}

/**
 * The `diff` pods a ReplicaSet deletes (replica_set.go getPodsToDelete): ranked by how many active related
 * pods (the pods of every ReplicaSet with the same controller) share their node, then ActivePodsWithRanks.
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], diff: number, nowMs: number): Pod[] {
  if (diff >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(p.spec.nodeName ?? '', (onNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
  const rank = (p: Pod) => onNode.get(p.spec.nodeName ?? '') ?? 0;
  return sortForDeletion(pods, { rank, nowMs }).slice(0, diff);
}

// ---- pods from templates ----------------------------------------------------------------------------------

/** FNV-1a, 32 bits, over the UTF-8 bytes of `s` and then `extra` (hash/fnv New32a). */
export function fnv32a(s: string, extra?: Uint8Array): number {
  let h = 0x811c9dc5;
  const bytes = new TextEncoder().encode(s);
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  if (extra !== undefined) for (const b of extra) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

// The alphabet of generated names and of pod-template-hash values (apimachinery util/rand: no vowels, no
// 0/1/3, so no words and no look-alikes).
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: every character mapped through the alphabet by its code point. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += ALPHANUMS[ch.codePointAt(0)! % ALPHANUMS.length];
  return out;
}

/** JSON with object keys sorted at every level: equal objects give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Names for `count` new objects `prefix` + 5 characters. kube-apiserver draws generateName suffixes at random;
 * a reconciler must be a pure function of its caches and clock, so the suffix is FNV-32a of
 * (owner uid, now, n) in the same alphabet, skipping names in use. The objects still carry generateName.
 */
export function generateNames(prefix: string, ownerUid: string, nowMs: number, count: number, taken: (name: string) => boolean): string[] {
  const out: string[] = [];
  const mine = new Set<string>();
  const base = prefix.slice(0, 58);
  for (let n = 0; out.length < count; n++) {
    let h = fnv32a(`${ownerUid}/${nowMs}/${n}`);
    let suffix = '';
    for (let i = 0; i < 5; i++) {
      suffix += ALPHANUMS[h % ALPHANUMS.length];
      h = Math.floor(h / ALPHANUMS.length);
    }
    const name = base + suffix;
    if (mine.has(name) || taken(name)) continue;
    mine.add(name);
    out.push(name);
  }
  return out;
}

/**
 * A pod made from a template (controller_utils.go GetPodFromTemplate): the template's labels, annotations
 * and finalizers, generateName "<owner>-", the controller reference, the template's spec.
 */
export function podFromTemplate(template: PodTemplateSpec | undefined, owner: KubeObjectLike, name: string, extraFinalizers: readonly string[] = []): Json {
  const tm = template?.metadata ?? {};
  const finalizers = [...(tm.finalizers ?? []), ...extraFinalizers];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: `${owner.metadata.name ?? ''}-`,
      namespace: owner.metadata.namespace ?? 'default',
      ...(tm.labels !== undefined ? { labels: { ...tm.labels } } : {}),
      ...(tm.annotations !== undefined ? { annotations: { ...tm.annotations } } : {}),
      ...(finalizers.length > 0 ? { finalizers } : {}),
      ownerReferences: [newControllerRef(owner)],
    },
    spec: structuredClone(template?.spec ?? { containers: [] }),
  };
}

// ---- adoption and release ---------------------------------------------------------------------------------

export interface ClaimResult<T> {
  /** The objects the owner controls after this sync (already controlled and matching, plus adopted orphans). */
  readonly claimed: T[];
  /** Patches that adopt orphans and release objects that no longer match. */
  readonly actions: Action[];
}

/**
 * BaseControllerRefManager.ClaimObject for each candidate: controlled by someone else → ignore; controlled by
 * `owner` → keep if the selector matches, else release (unless the owner is being deleted); an orphan that
 * matches, in the owner's namespace and not being deleted → adopt (unless the owner is being deleted).
 * Adoption and release are strategic merge patches with the object's uid as a precondition
 * (controller_ref_manager.go ownerRefControllerPatch / GenerateDeleteOwnerRefStrategicMergeBytes); with
 * `finalizers` (the Job controller's tracking finalizer) adoption adds them and release removes them.
 */
export function claimObjects<T extends { readonly metadata: ObjectMeta }>(
  owner: KubeObjectLike,
  resource: string,
  match: (obj: T) => boolean,
  candidates: readonly T[],
  finalizers: readonly string[] = [],
): ClaimResult<T> {
  const claimed: T[] = [];
  const actions: Action[] = [];
  const ownerUid = owner.metadata.uid ?? '';
  const ownerDeleting = owner.metadata.deletionTimestamp !== undefined;
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    const name = obj.metadata.name ?? '';
    const namespace = obj.metadata.namespace;
    if (ref !== undefined) {
      if (ref.uid !== ownerUid) continue;
      if (match(obj)) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      actions.push({
        type: 'patch',
        resource,
        ...(namespace !== undefined ? { namespace } : {}),
        name,
        patchType: 'application/strategic-merge-patch+json',
        patch: {
          metadata: {
            ownerReferences: [{ $patch: 'delete', uid: ownerUid }],
            uid: obj.metadata.uid,
            ...(finalizers.length > 0 ? { '$deleteFromPrimitiveList/finalizers': [...finalizers] } : {}),
          },
        },
      });
      continue;
    }
    if (ownerDeleting || !match(obj) || obj.metadata.deletionTimestamp !== undefined) continue;
    if ((owner.metadata.namespace ?? '') !== (obj.metadata.namespace ?? '')) continue;
    actions.push({
      type: 'patch',
      resource,
      ...(namespace !== undefined ? { namespace } : {}),
      name,
      patchType: 'application/strategic-merge-patch+json',
      patch: { metadata: { ownerReferences: [newControllerRef(owner)], uid: obj.metadata.uid, ...(finalizers.length > 0 ? { finalizers: [...finalizers] } : {}) } },
    });
    // The rest of the sync sees the adopted object as it will be (job_controller.go getPodsForJob).
    const missing = finalizers.filter((f) => !(obj.metadata.finalizers ?? []).includes(f));
    claimed.push(missing.length > 0 ? { ...obj, metadata: { ...obj.metadata, finalizers: [...(obj.metadata.finalizers ?? []), ...missing] } } : obj);
  }
  return { claimed, actions };
}

// ---- arithmetic and status --------------------------------------------------------------------------------

/**
 * intstr.GetScaledValueFromIntOrPercent: an integer as is; "p%" as p·total/100, rounded up or down. Anything
 * else is a broken invariant (validation accepts only these two shapes).
 */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m === null) {
    if (/^\d+$/.test(v)) return Number(v);
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage: ${JSON.stringify(v)}`);
  }
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** The condition of this type, if any. */
export function findCondition<C extends WorkloadCondition>(conditions: readonly C[] | undefined, type: string): C | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * A JSON merge patch (RFC 7386) that turns `from` into `to`: changed values as in `to`, removed keys as null,
 * nested objects diffed, arrays replaced whole. Empty when they are equal.
 */
export function mergePatchFor(from: Json, to: Json): Json {
  const patch: Json = {};
  for (const [k, v] of Object.entries(to)) {
    if (v === undefined) continue;
    const old = from[k];
    if (isRecord(v) && isRecord(old)) {
      const inner = mergePatchFor(old, v);
      if (Object.keys(inner).length > 0) patch[k] = inner;
    } else if (!jsonEqual(old, v)) {
      patch[k] = v;
    }
  }
  for (const k of Object.keys(from)) if (from[k] !== undefined && to[k] === undefined) patch[k] = null;
  return patch;
}

/** Drops zero numbers, empty arrays and undefined (Go's `omitempty` on the status fields that have it). */
export function omitEmpty<T extends Json>(obj: T, keep: readonly string[] = []): T {
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (!keep.includes(k) && (v === 0 || (Array.isArray(v) && v.length === 0))) continue;
    out[k] = v;
  }
  return out as T;
}
