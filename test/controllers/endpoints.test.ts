// The endpoints controller: reconcile tables on prepared caches (ready / not ready, named ports, no
// selector, writes only on change), then a scenario with the real API server on a ManualClock.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EndpointSubset, Endpoints, Pod, Service } from '../../src/api/index.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { EndpointsReconciler, newEndpointsController, truncateSubsets, type ObjectCache } from '../../src/controllers/endpoints.js';
import { settle, type Action } from '../../src/controllers/runtime.js';
import { makeApi } from '../apiserver/fixtures.js';

type Obj = { metadata: { namespace?: string; name?: string } };

/** A cache over fixed objects, with the informer's namespace index. */
function cacheOf<T extends Obj>(objs: readonly T[]): ObjectCache<T> {
  return {
    get: (ns, name) => objs.find((o) => (o.metadata.namespace ?? '') === (ns ?? '') && o.metadata.name === name),
    byIndex: (index, value) => {
      if (index !== 'namespace') throw new Error(`no index ${index}`);
      return objs.filter((o) => o.metadata.namespace === value);
    },
    list: () => [...objs],
  };
}

function svc(name: string, spec: Partial<NonNullable<Service['spec']>> & { publishNotReadyAddresses?: boolean }, labels?: Record<string, string>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(labels ? { labels } : {}) },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ...spec } as NonNullable<Service['spec']>,
  };
}

interface PodOpts {
  labels?: Record<string, string>;
  ip?: string;
  ready?: boolean;
  node?: string;
  ports?: { name: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[];
  phase?: 'Running' | 'Succeeded' | 'Failed';
  deleting?: boolean;
}

function pod(name: string, o: PodOpts = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2026-11-28T00:00:30Z' } : {}) },
    spec: { nodeName: o.node ?? 'n1', containers: [{ name: 'c', image: 'nginx', ...(o.ports ? { ports: o.ports } : {}) }] },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip !== undefined ? { podIP: o.ip } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  } as Pod;
}

function addr(name: string, ip: string, node = 'n1') {
  return { ip, nodeName: node, targetRef: { kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` } };
}

function reconcile(services: Service[], pods: Pod[], endpoints: Endpoints[] = [], key = 'default/web') {
  return new EndpointsReconciler({ services: cacheOf(services), pods: cacheOf(pods), endpoints: cacheOf(endpoints) }).reconcile(key);
}

function written(actions: readonly Action[]): Endpoints {
  assert.is(actions.length, 1);
  const a = actions[0]!;
  if (a.type !== 'create' && a.type !== 'update') throw new Error(`expected a create or update, got ${a.type}`);
  return a.object as unknown as Endpoints;
}

const web = svc('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }, { tier: 'front' });

const table = suite('endpoints reconcile');

table('ready pods go to addresses (sorted by IP), not-ready to notReadyAddresses; no IP, terminal, terminating or unselected pods are left out', () => {
  const pods = [
    pod('p1', { ip: '10.244.0.3' }),
    pod('p2', { ip: '10.244.0.2', node: 'n2' }),
    pod('p3', { ip: '10.244.1.5', ready: false }),
    pod('p4'), // no IP yet
    pod('p5', { ip: '10.244.0.9', phase: 'Succeeded' }),
    pod('p6', { ip: '10.244.0.8', deleting: true }),
    pod('p7', { ip: '10.244.0.7', labels: { app: 'db' } }),
  ];
  const ep = written(reconcile([web], pods).actions);
  assert.equal(ep.metadata, { name: 'web', namespace: 'default', labels: { tier: 'front' } });
  assert.equal(ep.subsets, [
    {
      // "10.244.0.2" < "10.244.0.3": LessEndpointAddress compares the IP bytes.
      addresses: [addr('p2', '10.244.0.2', 'n2'), addr('p1', '10.244.0.3')],
      notReadyAddresses: [addr('p3', '10.244.1.5')],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ]);
});

table('publishNotReadyAddresses puts not-ready pods with the ready ones', () => {
  const s = svc('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }], publishNotReadyAddresses: true });
  const ep = written(reconcile([s], [pod('a', { ip: '10.0.0.1', ready: false })]).actions);
  assert.equal(ep.subsets, [{ addresses: [addr('a', '10.0.0.1')], ports: [{ port: 8080, protocol: 'TCP' }] }]);
});

table('a named targetPort resolves per pod; pods without it are left out of that port; ports with the same pods share a subset', () => {
  const s = svc('web', {
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' },
      { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' },
    ],
  });
  const pods = [
    pod('a', { ip: '10.0.0.1', ports: [{ name: 'web', containerPort: 8080 }, { name: 'metrics', containerPort: 9100 }] }),
    pod('b', { ip: '10.0.0.2', ports: [{ name: 'web', containerPort: 8080 }, { name: 'metrics', containerPort: 9100 }] }),
    pod('c', { ip: '10.0.0.3', ports: [{ name: 'web', containerPort: 9090 }] }), // web on another port, no metrics
    pod('d', { ip: '10.0.0.4', ports: [{ name: 'web', containerPort: 8080, protocol: 'UDP' }] }), // protocol must match too
  ];
  const ep = written(reconcile([s], pods).actions);
  // (http 8080) and (metrics 9100) both have {a, b} → one subset with two ports; (http 9090) has {c}.
  // Subsets are ordered by their JSON text: '{"addresses":[{"ip":"10.0.0.1"...' < '{"addresses":[{"ip":"10.0.0.3"...'.
  assert.equal(ep.subsets, [
    { addresses: [addr('a', '10.0.0.1'), addr('b', '10.0.0.2')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }] },
    { addresses: [addr('c', '10.0.0.3')], ports: [{ name: 'http', port: 9090, protocol: 'TCP' }] },
  ]);
});

table('no selector (or ExternalName): the endpoints are someone else\'s and stay untouched', () => {
  const manual: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 5432 }] }] };
  const pods = [pod('a', { ip: '10.0.0.1' })];
  assert.equal(reconcile([svc('web', { ports: [{ port: 5432 }] })], pods, [manual]).actions, []);
  assert.equal(reconcile([svc('web', { selector: {}, ports: [{ port: 5432 }] })], pods, [manual]).actions, [], 'an empty selector is no selector');
  assert.equal(reconcile([svc('web', { type: 'ExternalName', externalName: 'db.example.com', selector: { app: 'web' } })], pods, [manual]).actions, []);
});

table('writes only when something changed: same subsets and labels → nothing; a pod turning not ready → update that keeps the resourceVersion', () => {
  const pods = [pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2' })];
  const first = written(reconcile([web], pods).actions);
  const stored = { ...first, metadata: { ...first.metadata, uid: 'ep-uid', resourceVersion: '42' } } as Endpoints;
  assert.equal(reconcile([web], pods, [stored]).actions, [], 'nothing to do');
  // A pod's resourceVersion in targetRef does not count as a change (endpointSubsetsEqualIgnoreResourceVersion).
  const withRv = { ...stored, subsets: stored.subsets!.map((s) => ({ ...s, addresses: s.addresses!.map((a) => ({ ...a, targetRef: { ...a.targetRef!, resourceVersion: '7' } })) })) } as Endpoints;
  assert.equal(reconcile([web], pods, [withRv]).actions, []);
  const after = reconcile([web], [pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2', ready: false })], [stored]);
  assert.is(after.actions[0]!.type, 'update');
  const ep = written(after.actions);
  assert.is(ep.metadata.resourceVersion, '42');
  assert.equal(ep.subsets, [{ addresses: [addr('a', '10.0.0.1')], notReadyAddresses: [addr('b', '10.0.0.2')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }]);
  // A label change on the service is a change too.
  const relabelled = svc('web', web.spec!, { tier: 'back' });
  assert.equal(written(reconcile([relabelled], pods, [stored]).actions).metadata.labels, { tier: 'back' });
});

table('no pods: an Endpoints with no subsets is still created; a headless service gets the headless label', () => {
  const ep = written(reconcile([svc('web', { selector: { app: 'web' }, clusterIP: 'None', ports: [{ port: 80 }] })], []).actions);
  assert.equal(ep, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default', labels: { 'service.kubernetes.io/headless': '' } } } as unknown as Endpoints);
});

table('the service is gone: its endpoints are deleted (by this controller, not the garbage collector); nothing if none exist', () => {
  const stored: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default', resourceVersion: '3' } };
  assert.equal(reconcile([], [], [stored]).actions, [{ type: 'delete', resource: 'endpoints', namespace: 'default', name: 'web' }]);
  assert.equal(reconcile([], [], []).actions, []);
});

table('truncation keeps ready addresses first, spread in proportion over the subsets (ceil), the last subset taking what is left', () => {
  const a = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ ip: `${prefix}.${i}` }));
  const subsets: EndpointSubset[] = [
    { addresses: a(4, '10.0.0'), notReadyAddresses: a(1, '10.9.0'), ports: [{ port: 1 }] },
    { addresses: a(2, '10.0.1'), ports: [{ port: 2 }] },
  ];
  // 6 ready > max 3 → ready ones are cut, not-ready dropped: ceil(4/6·3) = 2, then min(3 − 2, ceil(2/6·3) = 1) = 1.
  assert.ok(truncateSubsets(subsets, 3));
  assert.equal(subsets.map((s) => [s.addresses?.length ?? 0, s.notReadyAddresses?.length ?? 0]), [[2, 0], [1, 0]]);
  assert.not.ok(truncateSubsets([{ addresses: a(3, '10.0.0') }], 3), '3 ≤ 3: untouched');
});

const scenario = suite('endpoints through the API server');

scenario('a service and pods whose Ready condition is set: the Endpoints follow, and go with the service', async () => {
  const { api } = await makeApi();
  const informers = new SharedInformerFactory(api);
  const { controller } = newEndpointsController({ api, clock: api.clock, informers });
  await informers.start();
  await api.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  for (const [name, ip] of [['web-a', '10.244.1.2'], ['web-b', '10.244.2.2']] as const) {
    await api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] } });
    await api.patch('pods', 'default', name, 'application/merge-patch+json', { status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'False' }] } }, { subresource: 'status' });
  }
  await settle([controller]);
  const ips = async () => {
    const ep = await api.get<Endpoints>('endpoints', 'default', 'web');
    return { ready: (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)), notReady: (ep.subsets ?? []).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)), rv: ep.metadata.resourceVersion };
  };
  const before = await ips();
  assert.equal([before.ready, before.notReady], [[], ['10.244.1.2', '10.244.2.2']]);

  await api.patch('pods', 'default', 'web-a', 'application/merge-patch+json', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
  await settle([controller]);
  const ready = await ips();
  assert.equal([ready.ready, ready.notReady], [['10.244.1.2'], ['10.244.2.2']]);

  // A pod change that does not matter (an annotation) reconciles but writes nothing: the version stays.
  await api.patch('pods', 'default', 'web-b', 'application/merge-patch+json', { metadata: { annotations: { note: 'x' } } });
  await settle([controller]);
  assert.is((await ips()).rv, ready.rv);

  await api.delete('services', 'default', 'web');
  await settle([controller]);
  const gone = await api.list<Json>('endpoints', { namespace: 'default' });
  assert.equal(gone.items.map((e) => (e['metadata'] as Json)['name']), []);
  informers.stop();
});

for (const s of [table, scenario]) s.run();
