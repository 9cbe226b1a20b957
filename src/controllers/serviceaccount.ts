// The service account controller (pkg/controller/serviceaccount/serviceaccounts_controller.go): every
// active namespace has the service accounts named in the options ("default"), created when the namespace
// appears and recreated when deleted. Key: the namespace name.
//
// Tokens: kube-controller-manager's token controller once minted Secret-based tokens for every account;
// since Kubernetes 1.24 accounts get no such Secrets and pods use TokenRequest tokens, which the API server
// signs itself. drydock does the same: src/apiserver/auth.ts ServiceAccountTokenSigner signs a JWT on
// POST .../serviceaccounts/NAME/token and verifies it statelessly; `serviceAccountLookup` below is the
// existence hook it needs (kube-apiserver's --service-account-lookup), answered from the informer cache.
import type { Namespace, ServiceAccount } from '../api/index.js';
import type { ApiServer } from '../apiserver/apiserver.js';
import type { ServiceAccountLookup } from '../apiserver/auth.js';
import type { SharedInformerFactory } from '../apiserver/informer.js';
import type { Json } from '../apiserver/strategy.js';
import type { Clock } from '../util/clock.js';
import type { ObjectCache } from './endpoints.js';
import { Controller, NOTHING, type ReconcileResult, type Reconciler } from './runtime.js';

export const SERVICE_ACCOUNT_CONTROLLER_NAME = 'serviceaccount-controller';
/** ServiceAccountsControllerOptions defaults: one account, "default". */
export const DEFAULT_SERVICE_ACCOUNTS: readonly string[] = Object.freeze(['default']);

export interface ServiceAccountsCaches {
  readonly namespaces: ObjectCache<Namespace>;
  readonly serviceAccounts: ObjectCache<ServiceAccount>;
}

/** syncNamespace: create the missing accounts of an active namespace. */
export class ServiceAccountsReconciler implements Reconciler {
  readonly name = SERVICE_ACCOUNT_CONTROLLER_NAME;

  constructor(
    private readonly caches: ServiceAccountsCaches,
    private readonly accounts: readonly string[] = DEFAULT_SERVICE_ACCOUNTS,
  ) {}

  reconcile(namespace: string): ReconcileResult {
    const ns = this.caches.namespaces.get(undefined, namespace);
    if (ns === undefined) return NOTHING;
    // "If namespace is not active, we shouldn't try to create anything."
    if ((ns.status?.phase ?? 'Active') !== 'Active' || ns.metadata.deletionTimestamp !== undefined) return NOTHING;
    const actions = this.accounts
      .filter((name) => this.caches.serviceAccounts.get(namespace, name) === undefined)
      .map((name) => ({
        type: 'create' as const,
        resource: 'serviceaccounts',
        object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } } as Json,
      }));
    return actions.length === 0 ? NOTHING : { actions };
  }
}

export interface ServiceAccountsControllerOptions {
  readonly api: ApiServer;
  readonly clock: Clock;
  readonly informers: SharedInformerFactory;
  readonly accounts?: readonly string[];
  readonly onError?: (key: string, err: unknown) => void;
}

/** Namespaces enqueue themselves on add and update; a deleted account enqueues its namespace. */
export function newServiceAccountsController(options: ServiceAccountsControllerOptions): { controller: Controller; reconciler: ServiceAccountsReconciler } {
  const namespaces = options.informers.informer<Namespace>('namespaces');
  const serviceAccounts = options.informers.informer<ServiceAccount>('serviceaccounts');
  const reconciler = new ServiceAccountsReconciler({ namespaces, serviceAccounts }, options.accounts);
  const controller = new Controller({ api: options.api, clock: options.clock, reconciler, ...(options.onError ? { onError: options.onError } : {}) });
  namespaces.addEventHandler({
    onAdd: (ns) => controller.enqueue(ns.metadata.name ?? ''),
    onUpdate: (_, ns) => controller.enqueue(ns.metadata.name ?? ''),
  });
  serviceAccounts.addEventHandler({
    onDelete: (sa) => controller.enqueue(sa.metadata.namespace ?? ''),
  });
  return { controller, reconciler };
}

/**
 * The authenticator's existence check, from a ServiceAccount cache: the account's current uid, or
 * undefined once it is gone. Wire it with `authenticator.setServiceAccountLookup(serviceAccountLookup(
 * informers.informer('serviceaccounts')))` after the informer has started.
 */
export function serviceAccountLookup(cache: ObjectCache<ServiceAccount>): ServiceAccountLookup {
  return (namespace, name) => {
    const sa = cache.get(namespace, name);
    return sa === undefined ? undefined : { uid: sa.metadata.uid ?? '' };
  };
}
