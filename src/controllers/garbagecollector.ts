// The garbage collector (kube-controller-manager pkg/controller/garbagecollector/garbagecollector.go,
// attemptToDeleteItem), background propagation only. A dependent is any watched object with
// ownerReferences. An owner reference is dangling when no object of that kind and name with that uid exists;
// it is solid when it does, and unknown when its kind is not watched (such references are never judged
// dangling). A dependent whose every reference is dangling is deleted, with its uid as a precondition; one
// with solid (or unknown) owners and some dangling references has the dangling ones removed by a strategic
// merge patch. Keys are "<resource>/<namespace>/<name>".
//
// Not modelled: foreground deletion (the foregroundDeletion finalizer, blockOwnerDeletion), the orphan
// policy, and the uncached owner lookup upstream makes before deciding (in-process informers see every write
// before it returns, so the caches are as fresh as a lookup).
import type { ApiServer } from '../apiserver/apiserver.js';
import type { Informer, SharedInformerFactory } from '../apiserver/informer.js';
import { kinds, lookupKind, type ObjectMeta, type OwnerReference } from '../api/index.js';
import type { Clock } from '../util/clock.js';
import { allSynced, NOT_SYNCED_RETRY_MS } from './controller-utils.js';
import { Controller, NOTHING, type Action, type ReconcileResult, type Reconciler } from './runtime.js';

export const GARBAGE_COLLECTOR_NAME = 'garbage-collector-controller';

/** The resources the collector watches by default: the workload chain Deployment → ReplicaSet → Pod, and Job → Pod. */
export const DEFAULT_GC_RESOURCES: readonly string[] = ['deployments', 'replicasets', 'jobs', 'pods'];

interface Obj {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
}

export interface GarbageCollectorOptions {
  readonly informers: SharedInformerFactory;
  /** Resources whose objects can be owners and dependents (default DEFAULT_GC_RESOURCES). */
  readonly resources?: readonly string[];
}

export interface GarbageCollectorControllerOptions extends GarbageCollectorOptions {
  readonly api: ApiServer;
  readonly clock: Clock;
  readonly onError?: (key: string, err: unknown) => void;
}

export type OwnerState = 'solid' | 'dangling' | 'unknown';

export class GarbageCollectorReconciler implements Reconciler {
  readonly name = GARBAGE_COLLECTOR_NAME;
  private readonly informers = new Map<string, Informer<Obj>>();
  /** Kind → resource, for the watched resources. */
  private readonly resourceOfKind = new Map<string, string>();

  constructor(options: GarbageCollectorOptions) {
    for (const resource of options.resources ?? DEFAULT_GC_RESOURCES) {
      this.informers.set(resource, options.informers.informer<Obj>(resource));
      const kind = lookupKind(resource);
      if (kind !== undefined) this.resourceOfKind.set(kind, kinds[kind].resource);
    }
  }

  /** Dependents are looked at when they change, and again when any of their owners goes away. */
  watch(enqueue: (key: string) => void): void {
    for (const [resource, informer] of this.informers) {
      const self = (o: Obj) => {
        if ((o.metadata?.ownerReferences?.length ?? 0) > 0) enqueue(gcKey(resource, o));
      };
      informer.addEventHandler({
        onAdd: self,
        onUpdate: (_old, o) => self(o),
        onDelete: (owner) => {
          const uid = owner.metadata?.uid;
          if (uid === undefined) return;
          for (const [r, inf] of this.informers) for (const dep of inf.byIndex('owner', uid)) enqueue(gcKey(r, dep));
        },
      });
    }
  }

  /** solid: the owner exists with that uid; dangling: it does not; unknown: its kind is not watched. */
  ownerState(namespace: string | undefined, ref: OwnerReference): OwnerState {
    const resource = this.resourceOfKind.get(ref.kind);
    const informer = resource === undefined ? undefined : this.informers.get(resource);
    if (resource === undefined || informer === undefined) return 'unknown';
    const kind = lookupKind(ref.kind);
    const owner = informer.get(kind !== undefined && kinds[kind].namespaced ? namespace : undefined, ref.name);
    return owner !== undefined && owner.metadata?.uid === ref.uid ? 'solid' : 'dangling';
  }

  reconcile(key: string): ReconcileResult {
    if (!allSynced(...this.informers.values())) return { actions: [], requeueAfterMs: NOT_SYNCED_RETRY_MS };
    const [resource, ...rest] = key.split('/');
    const informer = this.informers.get(resource ?? '');
    if (informer === undefined) return NOTHING;
    const obj = informer.getByKey(rest.join('/'));
    const refs = obj?.metadata?.ownerReferences ?? [];
    // Gone, ownerless, or already being deleted: nothing to do.
    if (obj === undefined || refs.length === 0 || obj.metadata?.deletionTimestamp !== undefined) return NOTHING;
    const namespace = obj.metadata?.namespace;
    const dangling = refs.filter((r) => this.ownerState(namespace, r) === 'dangling');
    if (dangling.length === 0) return NOTHING;
    const name = obj.metadata?.name ?? '';
    const at = namespace !== undefined ? { namespace } : {};
    if (dangling.length === refs.length) {
      const uid = obj.metadata?.uid;
      const action: Action = { type: 'delete', resource: resource!, ...at, name, options: uid !== undefined ? { preconditions: { uid } } : {} };
      return { actions: [action] };
    }
    // Some owners remain: drop only the references to the ones that are gone.
    const patch = { metadata: { ownerReferences: dangling.map((r) => ({ $patch: 'delete', uid: r.uid })), uid: obj.metadata?.uid } };
    return { actions: [{ type: 'patch', resource: resource!, ...at, name, patchType: 'application/strategic-merge-patch+json', patch }] };
  }
}

export function gcKey(resource: string, o: Obj): string {
  const ns = o.metadata?.namespace;
  return `${resource}/${ns !== undefined && ns !== '' ? `${ns}/` : ''}${o.metadata?.name ?? ''}`;
}

/** The garbage collector on the API server, fed by the shared informers. */
export function newGarbageCollector(options: GarbageCollectorControllerOptions): Controller {
  const reconciler = new GarbageCollectorReconciler(options);
  const controller = new Controller({ api: options.api, clock: options.clock, reconciler, ...(options.onError !== undefined ? { onError: options.onError } : {}) });
  reconciler.watch((key) => controller.enqueue(key));
  return controller;
}
