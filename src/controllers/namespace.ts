// The namespace controller (pkg/controller/namespace/namespace_controller.go and deletion/
// namespaced_resources_deleter.go): a namespace being deleted (metadata.deletionTimestamp set, held by the
// "kubernetes" finalizer in spec.finalizers) is marked phase Terminating, emptied of every namespaced
// object, and then finalized: the "kubernetes" finalizer is taken out of spec.finalizers, and the API
// server removes the namespace once that list is empty (namespace storage ShouldDeleteNamespaceDuringUpdate).
//
// One reconcile is one pass of NamespacedResourcesDeleter.Delete, as data:
//   1. not found, or no deletionTimestamp: nothing;
//   2. status: phase Terminating plus the deletion conditions (status_condition_utils.go), patched on
//      /status when they change;
//   3. a delete for every object in the namespace not already being deleted; while anything remains, wait
//      (estimate/2 + 1) seconds, the estimate being the longest pod grace period left or 15 s for objects
//      held by finalizers (finalizerEstimateSeconds), and look again (content deletions also requeue);
//   4. nothing left: finalize. Upstream PUTs the namespace to its /finalize subresource, which changes only
//      spec.finalizers; drydock's Action type and ApiServer.patch know only the /status subresource, so the
//      finalize is a merge patch of spec.finalizers on the namespace itself (the namespace strategy lets the
//      main resource change spec), which has the same effect on the stored object.
import type { Namespace } from '../api/index.js';
import { kinds } from '../api/index.js';
import type { ApiServer } from '../apiserver/apiserver.js';
import type { SharedInformerFactory } from '../apiserver/informer.js';
import { formatTime, jsonEqual, parseTime } from '../apiserver/meta.js';
import { isRecord, type Json } from '../apiserver/strategy.js';
import type { Clock } from '../util/clock.js';
import type { ObjectCache } from './endpoints.js';
import { Controller, NOTHING, type Action, type ReconcileResult, type Reconciler } from './runtime.js';

export const NAMESPACE_CONTROLLER_NAME = 'namespace-controller';
/** v1.FinalizerKubernetes: the finalizer this controller owns. */
export const KUBERNETES_FINALIZER = 'kubernetes';
/** deletion.finalizerEstimateSeconds: how long objects held by finalizers are assumed to take. */
export const FINALIZER_ESTIMATE_SECONDS = 15;

/** The namespaced resources drydock serves, in the kinds table's order: what a namespace can hold. */
export const NAMESPACED_RESOURCES: readonly string[] = Object.freeze(Object.values(kinds).filter((k) => k.namespaced).map((k) => k.resource));

export interface NamespaceCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly lastTransitionTime: string;
  readonly reason: string;
  readonly message: string;
}

/** conditionTypes with their "ok" reason and message (status_condition_utils.go okReasons/okMessages). */
const CONDITION_TYPES: readonly (readonly [type: string, okReason: string, okMessage: string])[] = [
  ['NamespaceDeletionDiscoveryFailure', 'ResourcesDiscovered', 'All resources successfully discovered'],
  ['NamespaceDeletionGroupVersionParsingFailure', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
  ['NamespaceDeletionContentFailure', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
  ['NamespaceContentRemaining', 'ContentRemoved', 'All content successfully removed'],
  ['NamespaceFinalizersRemaining', 'ContentRemoved', 'All content successfully removed'],
];

export interface NamespaceCaches {
  readonly namespaces: ObjectCache<Namespace>;
  /** resource → its cache, for every resource in NAMESPACED_RESOURCES (or the ones a test cares about). */
  readonly content: ReadonlyMap<string, ObjectCache<Json>>;
}

function rec(v: unknown): Json {
  return isRecord(v) ? v : {};
}

/** What remains in a namespace, and how long it should take to go (deleteAllContent's totals). */
interface ContentTotals {
  readonly remaining: Map<string, number>;
  readonly finalizers: Map<string, number>;
  readonly estimateSeconds: number;
  readonly deletes: Action[];
}

export class NamespaceReconciler implements Reconciler {
  readonly name = NAMESPACE_CONTROLLER_NAME;

  constructor(
    private readonly caches: NamespaceCaches,
    private readonly clock: Clock,
  ) {}

  reconcile(name: string): ReconcileResult {
    const ns = this.caches.namespaces.get(undefined, name);
    if (ns === undefined || ns.metadata.deletionTimestamp === undefined) return NOTHING;
    const totals = this.content(name);
    const actions: Action[] = [];
    const status = this.status(ns, totals);
    if (status !== undefined) {
      actions.push({ type: 'patch', resource: 'namespaces', name, patchType: 'application/merge-patch+json', patch: { status }, subresource: 'status' });
    }
    actions.push(...totals.deletes);
    let total = 0;
    for (const n of totals.remaining.values()) total += n;
    if (total > 0) {
      // namespace_controller.go worker: ResourcesRemainingError → AddAfter(estimate/2 + 1 seconds).
      return { actions, requeueAfterMs: (Math.floor(totals.estimateSeconds / 2) + 1) * 1000 };
    }
    const finalizers = ns.spec?.finalizers ?? [];
    if (finalizers.includes(KUBERNETES_FINALIZER)) {
      // finalizeNamespace: the other finalizers stay, de-duplicated and sorted (sets.NewString(...).List()).
      const rest = [...new Set(finalizers.filter((f) => f !== KUBERNETES_FINALIZER))].sort();
      actions.push({ type: 'patch', resource: 'namespaces', name, patchType: 'application/merge-patch+json', patch: { spec: { finalizers: rest } } });
    }
    return actions.length === 0 ? NOTHING : { actions };
  }

  private content(namespace: string): ContentTotals {
    const remaining = new Map<string, number>();
    const finalizers = new Map<string, number>();
    const deletes: Action[] = [];
    let estimate = 0;
    const now = this.clock.now();
    for (const [resource, cache] of this.caches.content) {
      const items = cache.byIndex('namespace', namespace);
      if (items.length === 0) continue;
      remaining.set(resource, items.length);
      for (const item of items) {
        const m = rec(item['metadata']);
        const itemFinalizers = Array.isArray(m['finalizers']) ? (m['finalizers'] as string[]) : [];
        for (const f of itemFinalizers) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
        if (itemFinalizers.length > 0) estimate = Math.max(estimate, FINALIZER_ESTIMATE_SECONDS);
        if (resource === 'pods') estimate = Math.max(estimate, podGraceEstimate(item, now));
        if (m['deletionTimestamp'] === undefined) deletes.push({ type: 'delete', resource, namespace, name: String(m['name']) });
      }
    }
    return { remaining, finalizers, estimateSeconds: estimate, deletes };
  }

  /** The status patch (phase and conditions), or undefined when the stored status already says it. */
  private status(ns: Namespace, totals: ContentTotals): Json | undefined {
    const current = rec(ns.status);
    const old = (Array.isArray(current['conditions']) ? current['conditions'] : []) as NamespaceCondition[];
    const now = formatTime(this.clock.now());
    const wanted = new Map<string, { status: 'True'; reason: string; message: string }>();
    const remaining = [...totals.remaining].filter(([, n]) => n > 0).map(([r, n]) => `${r}.${groupOf(r)} has ${n} resource instances`).sort();
    if (remaining.length > 0) wanted.set('NamespaceContentRemaining', { status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.join(', ')}` });
    const byFinalizer = [...totals.finalizers].map(([f, n]) => `${f} in ${n} resource instances`).sort();
    if (byFinalizer.length > 0) wanted.set('NamespaceFinalizersRemaining', { status: 'True', reason: 'SomeFinalizerRemain', message: `Some finalizers are remaining: ${byFinalizer.join(', ')}` });
    // updateConditions: keep each condition's lastTransitionTime unless its status flips.
    const conditions: NamespaceCondition[] = [...old];
    for (const [type, okReason, okMessage] of CONDITION_TYPES) {
      const next = wanted.get(type) ?? { status: 'False' as const, reason: okReason, message: okMessage };
      const i = conditions.findIndex((c) => c.type === type);
      if (i < 0) conditions.push({ type, status: next.status, lastTransitionTime: now, reason: next.reason, message: next.message });
      else {
        const c = conditions[i]!;
        if (c.status !== next.status || c.reason !== next.reason || c.message !== next.message) {
          conditions[i] = { ...c, status: next.status, reason: next.reason, message: next.message, lastTransitionTime: c.status !== next.status ? now : c.lastTransitionTime };
        }
      }
    }
    const phaseOk = current['phase'] === 'Terminating';
    if (phaseOk && jsonEqual(conditions, old)) return undefined;
    return { phase: 'Terminating', conditions } as unknown as Json;
  }
}

function groupOf(resource: string): string {
  const kind = Object.values(kinds).find((k) => k.resource === resource);
  return kind?.group ?? '';
}

/**
 * estimateGracefulTerminationForPods: the longest grace period among pods not yet finished, taking a
 * pod's deletionGracePeriodSeconds when it is being deleted (counted from now: what is left of it).
 */
function podGraceEstimate(pod: Json, nowMs: number): number {
  const phase = rec(pod['status'])['phase'];
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const m = rec(pod['metadata']);
  const deadline = m['deletionTimestamp'];
  if (typeof deadline === 'string') return Math.max(0, Math.ceil((parseTime(deadline) - nowMs) / 1000));
  const grace = rec(pod['spec'])['terminationGracePeriodSeconds'];
  return typeof grace === 'number' ? grace : 30;
}

export interface NamespaceControllerOptions {
  readonly api: ApiServer;
  readonly clock: Clock;
  readonly informers: SharedInformerFactory;
  /** Default NAMESPACED_RESOURCES. */
  readonly resources?: readonly string[];
  readonly onError?: (key: string, err: unknown) => void;
}

/**
 * Namespaces enqueue themselves when they carry a deletionTimestamp; any namespaced object that changes
 * or goes enqueues its namespace if that namespace is being deleted, so the controller sees the last
 * object leave without waiting out its estimate.
 */
export function newNamespaceController(options: NamespaceControllerOptions): { controller: Controller; reconciler: NamespaceReconciler } {
  const namespaces = options.informers.informer<Namespace>('namespaces');
  const content = new Map<string, ObjectCache<Json>>();
  for (const resource of options.resources ?? NAMESPACED_RESOURCES) content.set(resource, options.informers.informer<Json>(resource));
  const reconciler = new NamespaceReconciler({ namespaces, content }, options.clock);
  const controller = new Controller({ api: options.api, clock: options.clock, reconciler, ...(options.onError ? { onError: options.onError } : {}) });
  const onNamespace = (ns: Namespace) => {
    if (ns.metadata.deletionTimestamp !== undefined) controller.enqueue(ns.metadata.name ?? '');
  };
  namespaces.addEventHandler({ onAdd: onNamespace, onUpdate: (_, ns) => onNamespace(ns) });
  const onContent = (obj: Json) => {
    const nsName = rec(obj['metadata'])['namespace'];
    if (typeof nsName !== 'string') return;
    const ns = namespaces.get(undefined, nsName);
    if (ns?.metadata.deletionTimestamp !== undefined) controller.enqueue(nsName);
  };
  for (const resource of content.keys()) {
    options.informers.informer<Json>(resource).addEventHandler({ onUpdate: (_, o) => onContent(o), onDelete: onContent });
  }
  return { controller, reconciler };
}
