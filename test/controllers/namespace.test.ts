// The namespace controller's reconcile as tables: a namespace with a deletionTimestamp is marked
// Terminating with the deletion conditions, emptied object by object, waited on by estimate, and finalized
// (the "kubernetes" finalizer removed from spec.finalizers) once nothing is left.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Namespace } from '../../src/api/index.js';
import type { Json } from '../../src/apiserver/strategy.js';
import type { ObjectCache } from '../../src/controllers/endpoints.js';
import { NAMESPACED_RESOURCES, NamespaceReconciler, type NamespaceCondition } from '../../src/controllers/namespace.js';
import type { Action } from '../../src/controllers/runtime.js';
import { ManualClock } from '../../src/util/clock.js';
import { T0 } from '../apiserver/fixtures.js';

const NOW = '2026-11-28T00:00:00Z'; // T0

function cacheOf<T extends object>(objs: readonly T[]): ObjectCache<T> {
  const meta = (o: T) => (o as { metadata: { namespace?: string; name?: string } }).metadata;
  return {
    get: (ns, name) => objs.find((o) => (meta(o).namespace ?? '') === (ns ?? '') && meta(o).name === name),
    byIndex: (_index, value) => objs.filter((o) => meta(o).namespace === value),
    list: () => [...objs],
  };
}

function namespace(o: { deleting?: boolean; phase?: 'Active' | 'Terminating'; finalizers?: string[]; conditions?: NamespaceCondition[] } = {}): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'team-a', uid: 'ns-uid', ...(o.deleting !== false ? { deletionTimestamp: NOW } : {}) },
    spec: { finalizers: o.finalizers ?? ['kubernetes'] },
    status: { phase: o.phase ?? 'Active', ...(o.conditions ? { conditions: o.conditions } : {}) },
  } as Namespace;
}

function obj(kind: string, name: string, extra: { deletionTimestamp?: string; finalizers?: string[]; spec?: Json; status?: Json; namespace?: string } = {}): Json {
  return {
    kind,
    metadata: {
      name,
      namespace: extra.namespace ?? 'team-a',
      ...(extra.deletionTimestamp ? { deletionTimestamp: extra.deletionTimestamp } : {}),
      ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
    },
    ...(extra.spec ? { spec: extra.spec } : {}),
    ...(extra.status ? { status: extra.status } : {}),
  };
}

function reconcile(ns: Namespace | undefined, content: Record<string, Json[]>, key = 'team-a') {
  const caches = new Map<string, ObjectCache<Json>>();
  for (const r of NAMESPACED_RESOURCES) caches.set(r, cacheOf(content[r] ?? []));
  return new NamespaceReconciler({ namespaces: cacheOf(ns ? [ns] : []), content: caches }, new ManualClock(T0)).reconcile(key);
}

/** Every condition in its "ok" state (status_condition_utils.go okReasons / okMessages). */
const ALL_OK: NamespaceCondition[] = [
  { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', lastTransitionTime: NOW, reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', lastTransitionTime: NOW, reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  { type: 'NamespaceDeletionContentFailure', status: 'False', lastTransitionTime: NOW, reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  { type: 'NamespaceContentRemaining', status: 'False', lastTransitionTime: NOW, reason: 'ContentRemoved', message: 'All content successfully removed' },
  { type: 'NamespaceFinalizersRemaining', status: 'False', lastTransitionTime: NOW, reason: 'ContentRemoved', message: 'All content successfully removed' },
];

const statusPatch = (status: Json): Action => ({ type: 'patch', resource: 'namespaces', name: 'team-a', patchType: 'application/merge-patch+json', patch: { status }, subresource: 'status' });
const finalize = (finalizers: string[]): Action => ({ type: 'patch', resource: 'namespaces', name: 'team-a', patchType: 'application/merge-patch+json', patch: { spec: { finalizers } } });
const del = (resource: string, name: string): Action => ({ type: 'delete', resource, namespace: 'team-a', name });

test('not being deleted, or gone: nothing', () => {
  assert.equal(reconcile(namespace({ deleting: false }), { pods: [obj('Pod', 'a')] }).actions, []);
  assert.equal(reconcile(undefined, {}).actions, []);
});

test('being deleted with content: Terminating + conditions, a delete per object not already going, and a wait of estimate/2 + 1 s', () => {
  const content = {
    pods: [
      obj('Pod', 'running', { spec: { terminationGracePeriodSeconds: 30 }, status: { phase: 'Running' } }),
      // Already being deleted, 10 s of grace left: no second delete.
      obj('Pod', 'stopping', { deletionTimestamp: '2026-11-28T00:00:10Z', status: { phase: 'Running' } }),
    ],
    services: [obj('Service', 'web')],
    secrets: [obj('Secret', 'held', { deletionTimestamp: NOW, finalizers: ['example.com/hold'] })],
    endpoints: [obj('Endpoints', 'web', { namespace: 'other' })], // another namespace: untouched
  };
  const r = reconcile(namespace(), content);
  const conditions = ALL_OK.map((c) => {
    // "%s.%s has %d resource instances" with the core group empty, sorted as strings.
    if (c.type === 'NamespaceContentRemaining') return { ...c, status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: pods. has 2 resource instances, secrets. has 1 resource instances, services. has 1 resource instances' };
    if (c.type === 'NamespaceFinalizersRemaining') return { ...c, status: 'True', reason: 'SomeFinalizerRemain', message: 'Some finalizers are remaining: example.com/hold in 1 resource instances' };
    return c;
  });
  assert.equal(r.actions, [statusPatch({ phase: 'Terminating', conditions }), del('pods', 'running'), del('services', 'web')]);
  // estimate = max(30 s grace of "running", 10 s left for "stopping", 15 s for a finalizer) = 30 → 30/2 + 1 = 16 s.
  assert.is(r.requeueAfterMs, 16_000);
});

test('only objects held by finalizers left: no deletes, wait 15/2 + 1 = 8 s (integer division)', () => {
  const ns = namespace({ phase: 'Terminating' });
  const r = reconcile(ns, { secrets: [obj('Secret', 'held', { deletionTimestamp: NOW, finalizers: ['example.com/hold'] })] });
  assert.equal(r.actions.filter((a) => a.type === 'delete'), []);
  assert.is(r.requeueAfterMs, 8_000);
});

test('status already right: no status write; a changed message keeps the condition\'s lastTransitionTime', () => {
  const earlier = '2026-11-27T23:59:00Z';
  const remaining = (n: number): NamespaceCondition => ({ type: 'NamespaceContentRemaining', status: 'True', lastTransitionTime: earlier, reason: 'SomeResourcesRemain', message: `Some resources are remaining: pods. has ${n} resource instances` });
  const conds = (n: number) => ALL_OK.map((c) => (c.type === 'NamespaceContentRemaining' ? remaining(n) : c));
  const going = obj('Pod', 'a', { deletionTimestamp: NOW, status: { phase: 'Running' } });
  // One pod left, already being deleted, grace over: status says exactly that → no actions, wait 0/2 + 1 = 1 s.
  const same = reconcile(namespace({ phase: 'Terminating', conditions: conds(1) }), { pods: [going] });
  assert.equal(same.actions, []);
  assert.is(same.requeueAfterMs, 1_000);
  // The status said 2 pods: the message changes, the status (True) does not, so lastTransitionTime stays.
  const changed = reconcile(namespace({ phase: 'Terminating', conditions: conds(2) }), { pods: [going] });
  assert.equal(changed.actions, [statusPatch({ phase: 'Terminating', conditions: conds(1) })]);
});

test('empty: the conditions turn ok and the "kubernetes" finalizer is removed; other finalizers stay, sorted', () => {
  const done = reconcile(namespace({ phase: 'Terminating', conditions: ALL_OK }), {});
  assert.equal(done.actions, [finalize([])]);
  assert.is(done.requeueAfterMs, undefined);
  const first = reconcile(namespace({ finalizers: ['kubernetes', 'b.example.com/x', 'a.example.com/y'] }), {});
  assert.equal(first.actions, [statusPatch({ phase: 'Terminating', conditions: ALL_OK }), finalize(['a.example.com/y', 'b.example.com/x'])]);
});

test('empty and already finalized by us: nothing (other finalizers are their owners\' business)', () => {
  assert.equal(reconcile(namespace({ phase: 'Terminating', conditions: ALL_OK, finalizers: ['example.com/other'] }), {}).actions, []);
});

test.run();
