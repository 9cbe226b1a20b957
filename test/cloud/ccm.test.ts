// The cloud-controller-manager: each reconciler as a table of observed state → actions, then one scenario
// with the real API server, informers and Controllers on a ManualClock: a node registered with the
// uninitialized taint is initialised and gets a podCIDR; a LoadBalancer service gets its IP after 30 s and
// gives it back when deleted; an unresponsive VM that is terminated loses its Node; dataset volumes label nodes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node, Service } from '../../src/api/index.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import type { Json } from '../../src/apiserver/strategy.js';
import {
  CloudNodeLifecycleReconciler,
  CloudNodeReconciler,
  createCloudControllerManager,
  LOAD_BALANCER_CLEANUP_FINALIZER,
  RouteReconciler,
  ServiceLoadBalancerReconciler,
  VolumeLabelReconciler,
} from '../../src/cloud/ccm.js';
import { parseCatalog } from '../../src/cloud/catalog.js';
import { nodeTemplate, parseNodePools, TAINT_UNINITIALIZED, type ResolvedNodePool } from '../../src/cloud/nodepool.js';
import { SimCloud } from '../../src/cloud/simcloud.js';
import { seededRng } from '../../src/util/rng.js';
import { makeApi } from '../apiserver/fixtures.js';

const catalog = parseCatalog(
  ['name,cloud,region,family,vcpu,memory_gib,gpus,gpu_model,arch,price_per_hour,spot_price_per_hour', 'm5.large,aws,us-east-1,m5,2,8,0,,amd64,0.096,'].join('\n'),
  'catalog.csv',
);
const POOL: ResolvedNodePool = parseNodePools(
  'apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: web}\nspec:\n  instanceType: m5.large\n  zones: [us-east-1a, us-east-1b]\n  minSize: 0\n  maxSize: 5\n',
  'pools.yaml',
  catalog,
).pools[0]!;

/** Lets in-process watch events reach the informers. */
const tick = () => new Promise<void>((r) => setImmediate(r));

async function world() {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const nodes = informers.informer<Node>('nodes');
  const services = informers.informer<Service>('services');
  await informers.start();
  const cloud = new SimCloud({ clock: ctx.clock, rng: seededRng(1), pools: [POOL] });
  return { ...ctx, informers, nodes, services, cloud };
}

/** The Node a kubelet of the pool registers for a VM: uninitialized taint, Ready=True. */
function kubeletNode(name: string, zone: string, ready: 'True' | 'Unknown' = 'True', extra: { providerID?: string; podCIDR?: string } = {}): Json {
  const n = nodeTemplate(POOL, { nodeName: name, zone, uninitialized: true, ...(extra.providerID !== undefined ? { providerID: extra.providerID } : {}) });
  return {
    ...n,
    spec: { ...n.spec, ...(extra.podCIDR !== undefined ? { podCIDR: extra.podCIDR, podCIDRs: [extra.podCIDR] } : {}) },
    status: { ...n.status, conditions: [{ type: 'Ready', status: ready }] },
  } as unknown as Json;
}

// ---------------------------------------------------------------------------------------------------------
// Tables

test('cloud-node-controller: initialises a tainted node from its VM, leaves others alone, waits for unknown VMs', async () => {
  const w = await world();
  w.cloud.nodeGroup('web')!.increaseSize(1);
  w.clock.advance(60_000); // web-0001 running in us-east-1a
  await w.api.create('nodes', kubeletNode('web-0001', 'us-east-1a'));
  await w.api.create('nodes', kubeletNode('stranger', ''));
  const plain = nodeTemplate(POOL, { nodeName: 'plain', zone: 'us-east-1a' });
  await w.api.create('nodes', plain);
  await tick();
  const r = new CloudNodeReconciler(w.nodes, w.cloud);
  assert.equal(r.reconcile('plain'), { actions: [] }, 'no uninitialized taint: nothing to do');
  assert.equal(r.reconcile('gone'), { actions: [] });
  assert.equal(r.reconcile('stranger'), { actions: [], requeueAfterMs: 5_000 }, 'no VM by that name yet: ask again');
  const { actions } = r.reconcile('web-0001');
  assert.equal(actions[0], {
    type: 'patch',
    resource: 'nodes',
    name: 'web-0001',
    patchType: 'application/merge-patch+json',
    patch: {
      metadata: { labels: { 'node.kubernetes.io/instance-type': 'm5.large', 'topology.kubernetes.io/zone': 'us-east-1a', 'topology.kubernetes.io/region': 'us-east-1' } },
      spec: { providerID: 'drydock://web/us-east-1a/i-0001', taints: [] },
    },
  });
  assert.equal(actions[1], { type: 'event', involved: { apiVersion: 'v1', kind: 'Node', name: 'web-0001', uid: w.nodes.getByKey('web-0001')!.metadata.uid! }, eventType: 'Normal', reason: 'Synced', message: 'Node synced successfully' });
});

test('cloud-node-lifecycle-controller: deletes a NotReady node only when its VM is gone', async () => {
  const w = await world();
  const g = w.cloud.nodeGroup('web')!;
  g.increaseSize(2);
  w.clock.advance(60_000);
  g.deleteNodes(['web-0002']); // terminated
  await w.api.create('nodes', kubeletNode('web-0001', 'us-east-1a', 'Unknown', { providerID: 'drydock://web/us-east-1a/i-0001' }));
  await w.api.create('nodes', kubeletNode('web-0002', 'us-east-1b', 'Unknown', { providerID: 'drydock://web/us-east-1b/i-0002' }));
  await w.api.create('nodes', kubeletNode('ready-gone', 'us-east-1b', 'True', { providerID: 'drydock://web/us-east-1b/i-0002' }));
  await w.api.create('nodes', kubeletNode('aws-node', 'us-east-1a', 'Unknown', { providerID: 'aws:///us-east-1a/i-0abc' }));
  const excluded = kubeletNode('excluded', 'us-east-1b', 'Unknown', { providerID: 'drydock://web/us-east-1b/i-0002' });
  await w.api.create('nodes', { ...excluded, metadata: { ...(excluded['metadata'] as Json), labels: { 'node.kubernetes.io/exclude-from-lifecycle-management': '' } } });
  await tick();
  const r = new CloudNodeLifecycleReconciler(w.nodes, w.cloud);
  const table: [string, unknown][] = [
    ['web-0001', { actions: [], requeueAfterMs: 5_000 }], // Unknown, VM running: look again in nodeMonitorPeriod
    ['ready-gone', { actions: [] }], // VM gone but still Ready: upstream waits until node lifecycle says NotReady
    ['aws-node', { actions: [] }], // not a VM of this cloud: left alone (documented deviation)
    ['excluded', { actions: [] }], // exclude-from-lifecycle-management
    [
      'web-0002',
      {
        actions: [
          { type: 'event', involved: { apiVersion: 'v1', kind: 'Node', name: 'web-0002', uid: w.nodes.getByKey('web-0002')!.metadata.uid! }, eventType: 'Normal', reason: 'DeletingNode', message: 'Deleting node web-0002 because it does not exist in the cloud provider' },
          { type: 'delete', resource: 'nodes', name: 'web-0002' },
        ],
      },
    ],
  ];
  for (const [key, want] of table) assert.equal(r.reconcile(key), want, key);
});

test('route-controller: lowest free /24 of 10.244.0.0/16, remembered before the cache catches up; CIDRNotAvailable when full', async () => {
  const w = await world();
  await w.api.create('nodes', kubeletNode('a', 'us-east-1a'));
  await w.api.create('nodes', kubeletNode('b', 'us-east-1a'));
  await w.api.create('nodes', kubeletNode('c', 'us-east-1a', 'True', { podCIDR: '10.244.0.0/24' }));
  await tick();
  const r = new RouteReconciler(w.nodes);
  assert.equal(r.reconcile('c'), { actions: [] });
  const patchOf = (key: string) => (r.reconcile(key).actions[0] as { patch: unknown } | undefined)?.patch;
  // c holds index 0; a gets index 1 = 10.244.1.0/24; b, reconciled before a's patch is applied, gets index 2.
  assert.equal(patchOf('a'), { spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } });
  assert.equal(patchOf('b'), { spec: { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] } });
  assert.equal(patchOf('a'), { spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } }, 'a keeps its CIDR on retry');
  assert.equal([r.cidr(0), r.cidr(255)], ['10.244.0.0/24', '10.244.255.0/24']);
  // A /23 cut into /24s holds two nodes: a gets 10.0.0.0/24, b 10.0.1.0/24, and a third finds it full.
  const small = new RouteReconciler(w.nodes, '10.0.0.0/23', 24);
  assert.equal((small.reconcile('a').actions[0] as { patch: unknown }).patch, { spec: { podCIDR: '10.0.0.0/24', podCIDRs: ['10.0.0.0/24'] } });
  assert.equal((small.reconcile('b').actions[0] as { patch: unknown }).patch, { spec: { podCIDR: '10.0.1.0/24', podCIDRs: ['10.0.1.0/24'] } });
  await w.api.create('nodes', kubeletNode('d', 'us-east-1a'));
  await tick();
  const none = small.reconcile('d');
  assert.is((none.actions[0] as { reason?: string }).reason, 'CIDRNotAvailable');
  assert.is((none.actions[0] as { message?: string }).message, 'Node d status is now: CIDRNotAvailable');
});

test('service-controller: finalizer first, IP after the cloud\'s 30 s, cleanup on type change', async () => {
  const w = await world();
  const r = new ServiceLoadBalancerReconciler(w.services, w.cloud, w.clock);
  const svc = (name: string, type: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type, ports: [{ port: 80 }] } });
  await w.api.create('services', svc('internal', 'ClusterIP'));
  await w.api.create('services', svc('web', 'LoadBalancer'));
  await tick();
  assert.equal(r.reconcile('default/internal'), { actions: [] });
  const ref = { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'default', uid: w.services.getByKey('default/web')!.metadata.uid! };
  assert.equal(r.reconcile('default/web'), {
    actions: [
      { type: 'event', involved: ref, eventType: 'Normal', reason: 'EnsuringLoadBalancer', message: 'Ensuring load balancer' },
      { type: 'patch', resource: 'services', namespace: 'default', name: 'web', patchType: 'application/merge-patch+json', patch: { metadata: { finalizers: [LOAD_BALANCER_CLEANUP_FINALIZER] } } },
    ],
    requeueAfterMs: 30_000,
  });
  await w.api.patch('services', 'default', 'web', 'application/merge-patch+json', { metadata: { finalizers: [LOAD_BALANCER_CLEANUP_FINALIZER] } });
  await tick();
  w.clock.advance(10_000);
  assert.equal(r.reconcile('default/web'), { actions: [], requeueAfterMs: 20_000 }, '30 s − 10 s left');
  w.clock.advance(20_000);
  assert.equal(r.reconcile('default/web').actions, [
    { type: 'patch', resource: 'services', namespace: 'default', name: 'web', patchType: 'application/merge-patch+json', patch: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.1' }] } } }, subresource: 'status' },
    { type: 'event', involved: ref, eventType: 'Normal', reason: 'EnsuredLoadBalancer', message: 'Ensured load balancer' },
  ]);
  await w.api.patch('services', 'default', 'web', 'application/merge-patch+json', { status: { loadBalancer: { ingress: [{ ip: '203.0.113.1' }] } } }, { subresource: 'status' });
  await tick();
  assert.equal(r.reconcile('default/web'), { actions: [] }, 'in sync');
  // Type change: the balancer goes, its IP is freed, status cleared, finalizer removed.
  await w.api.patch('services', 'default', 'web', 'application/merge-patch+json', { spec: { type: 'ClusterIP' } });
  await tick();
  assert.equal(r.reconcile('default/web').actions.map((a) => (a.type === 'event' ? a.reason : `${a.type}${'subresource' in a && a.subresource ? '/status' : ''}`)), [
    'DeletingLoadBalancer',
    'patch/status',
    'DeletedLoadBalancer',
    'patch',
  ]);
  assert.is(w.cloud.loadBalancers.size, 0);
});

test('volume-controller: dataset-cache labels follow attached dataset volumes', async () => {
  const w = await world();
  w.cloud.nodeGroup('web')!.increaseSize(1);
  w.clock.advance(60_000);
  await w.api.create('nodes', { ...kubeletNode('web-0001', 'us-east-1a'), metadata: { name: 'web-0001', labels: { 'drydock.io/dataset-cache.old': 'true' } } });
  await tick();
  const r = new VolumeLabelReconciler(w.nodes, w.cloud);
  w.cloud.volumes.create({ name: 'vol-imagenet', zone: 'us-east-1a', dataset: 'imagenet' });
  w.cloud.volumes.attach('vol-imagenet', 'web-0001');
  assert.equal(r.reconcile('web-0001').actions, [
    { type: 'patch', resource: 'nodes', name: 'web-0001', patchType: 'application/merge-patch+json', patch: { metadata: { labels: { 'drydock.io/dataset-cache.imagenet': 'true', 'drydock.io/dataset-cache.old': null } } } },
  ]);
});

// ---------------------------------------------------------------------------------------------------------
// Scenario

test('scenario: the CCM with the real API server on a ManualClock', async () => {
  const w = await world();
  const ccm = createCloudControllerManager({ api: w.api, informers: w.informers, clock: w.clock, cloud: w.cloud, onError: (c, k, e) => assert.unreachable(`${c} ${k}: ${String(e)}`) });
  await ccm.start();
  // The simulated kubelet: registers its Node (with the uninitialized taint) when its VM runs.
  const pending: Promise<unknown>[] = [];
  w.cloud.subscribe({ onInstanceRunning: (vm) => pending.push(w.api.create('nodes', kubeletNode(vm.nodeName, vm.zone))) });
  const settle = async () => {
    await Promise.all(pending.splice(0));
    await tick();
    await ccm.runUntilIdle();
    await tick();
    await ccm.runUntilIdle();
  };

  w.cloud.nodeGroup('web')!.increaseSize(2);
  w.clock.advance(60_000);
  await settle();
  const node = await w.api.get<Node>('nodes', undefined, 'web-0002');
  assert.is(node.spec?.providerID, 'drydock://web/us-east-1b/i-0002');
  assert.equal(node.spec?.taints ?? [], [], 'uninitialized taint removed');
  assert.is(node.metadata.labels?.['topology.kubernetes.io/zone'], 'us-east-1b');
  assert.is(node.metadata.labels?.['node.kubernetes.io/instance-type'], 'm5.large');
  assert.equal([(await w.api.get<Node>('nodes', undefined, 'web-0001')).spec?.podCIDR, node.spec?.podCIDR], ['10.244.0.0/24', '10.244.1.0/24']);
  assert.ok(!(node.spec?.taints ?? []).some((t) => t.key === TAINT_UNINITIALIZED));

  // A LoadBalancer service: finalizer now, IP exactly 30 s later.
  await w.api.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
  await settle();
  let svc = await w.api.get<Service>('services', 'default', 'web');
  assert.equal([svc.metadata.finalizers, svc.status?.loadBalancer?.ingress], [[LOAD_BALANCER_CLEANUP_FINALIZER], undefined]);
  w.clock.advance(29_999);
  await settle();
  assert.is((await w.api.get<Service>('services', 'default', 'web')).status?.loadBalancer?.ingress, undefined, 'not at 29.999 s');
  w.clock.advance(1);
  await settle();
  svc = await w.api.get<Service>('services', 'default', 'web');
  assert.equal(svc.status?.loadBalancer?.ingress, [{ ip: '203.0.113.1' }]);
  // Deleting it waits for the finalizer, which the controller removes after freeing the IP.
  await w.api.delete('services', 'default', 'web');
  await settle();
  assert.equal((await w.api.list<Service>('services', { namespace: 'default' })).items.map((s) => s.metadata.name), []);
  assert.is(w.cloud.loadBalancers.size, 0);

  // A dataset volume attached to web-0001 labels it.
  w.cloud.volumes.create({ name: 'vol-imagenet', zone: 'us-east-1a', dataset: 'imagenet' });
  w.cloud.volumes.attach('vol-imagenet', 'web-0001');
  await settle();
  assert.is((await w.api.get<Node>('nodes', undefined, 'web-0001')).metadata.labels?.['drydock.io/dataset-cache.imagenet'], 'true');
  assert.equal(ccm.datasetZones(), [{ name: 'imagenet', zone: 'us-east-1a' }]);

  // web-0002's kubelet stops; node lifecycle (not part of the CCM) marks it Ready=Unknown.
  w.cloud.stopResponding('web-0002');
  await w.api.patch('nodes', undefined, 'web-0002', 'application/merge-patch+json', { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }] } }, { subresource: 'status' });
  await settle();
  w.clock.advance(5_000); // the lifecycle controller looks again: the VM still exists
  await settle();
  assert.is((await w.api.get<Node>('nodes', undefined, 'web-0002')).metadata.name, 'web-0002');
  // Now the VM is terminated (the autoscaler deletes it): the Node goes.
  w.cloud.nodeGroup('web')!.deleteNodes(['web-0002']);
  await settle();
  assert.equal((await w.api.list<Node>('nodes')).items.map((n) => n.metadata.name), ['web-0001']);
  const reasons = (await w.api.list<Json>('events')).items.map((e) => `${(e['involvedObject'] as Json)['name']} ${e['reason']}`);
  assert.ok(reasons.includes('web-0002 DeletingNode'), reasons.join(', '));
  assert.ok(reasons.includes('web-0001 Synced') && reasons.includes('web EnsuredLoadBalancer') && reasons.includes('web DeletedLoadBalancer'), reasons.join(', '));
  ccm.stop();
});

test.run();
