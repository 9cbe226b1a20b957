// Scenarios on one assembled virtual cluster (cloud → Nodes with kubelets, controllers, scheduler, autoscaler)
// on the manual clock, with the real instance catalog.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node, Pod } from '../../src/api/index.js';
import { loadCatalog } from '../../src/cloud/catalog.js';
import { parseNodePools } from '../../src/cloud/nodepool.js';
import { VirtualCluster } from '../../src/sim/cluster.js';

const catalog = loadCatalog();

function pools(yaml: string) {
  return parseNodePools(yaml, 'pools.yaml', catalog);
}

function deployment(name: string, replicas: number, cpu: string, extra: object = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu, memory: '256Mi' } } }], ...extra } },
    },
  };
}

async function pods(c: VirtualCluster, app: string): Promise<Pod[]> {
  return (await c.api.list<Pod>('pods', { labelSelector: `app=${app}` })).items;
}

const running = (ps: Pod[]) => ps.filter((p) => p.status?.phase === 'Running' && p.metadata?.deletionTimestamp === undefined);

async function nodes(c: VirtualCluster): Promise<Node[]> {
  return (await c.api.list<Node>('nodes')).items;
}

const poolOf = (n: Node) => n.metadata?.labels?.['drydock.io/nodepool'];

const scenarios = suite('the assembled virtual cluster');

scenarios('pending pods make the cheapest fitting pool scale up under least-waste; the pods then run there', async () => {
  const c = await VirtualCluster.create({
    pools: pools(
      `apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: small}\nspec: {instanceType: m5.large, zones: [us-east-1a], minSize: 0, maxSize: 5}\n---\n` +
        `apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: big}\nspec: {instanceType: m5.2xlarge, zones: [us-east-1a], minSize: 0, maxSize: 5}\n`,
    ).pools,
  });
  try {
    // 3 × 400m: one m5.large (2 vCPU, ~1.9 CPU allocatable) holds them with less waste than an m5.2xlarge (8 vCPU).
    await c.api.create('deployments', deployment('web', 3, '400m'));
    await c.advance(3 * 60_000, 5000);
    const ns = await nodes(c);
    assert.equal(ns.map(poolOf), ['small'], 'one small node, no big one');
    const ps = running(await pods(c, 'web'));
    assert.is(ps.length, 3);
    assert.ok(ps.every((p) => p.spec.nodeName === ns[0]!.metadata!.name));
    const events = (await c.api.list<{ reason: string; message: string }>('events')).items.map((e) => e.reason);
    assert.ok(events.includes('TriggeredScaleUp'));
  } finally {
    c.stop();
  }
});

scenarios('under most-pods the pool that takes the most pending pods scales instead', async () => {
  const file = pools(
    `apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: small}\nspec: {instanceType: m5.large, zones: [us-east-1a], minSize: 0, maxSize: 1}\n---\n` +
      `apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: big}\nspec: {instanceType: m5.2xlarge, zones: [us-east-1a], minSize: 0, maxSize: 1}\n---\n` +
      `apiVersion: drydock.io/v1\nkind: ClusterAutoscalerSettings\nexpander: most-pods\n`,
  );
  const c = await VirtualCluster.create({ pools: file.pools, autoscaler: file.autoscaler });
  try {
    // 10 × 500m: one small node takes 3, one big node takes all 10 → most-pods picks big.
    await c.api.create('deployments', deployment('web', 10, '500m'));
    await c.advance(3 * 60_000, 5000);
    assert.ok((await nodes(c)).some((n) => poolOf(n) === 'big'));
    assert.is(running(await pods(c, 'web')).filter((p) => p.spec.nodeName?.startsWith('big')).length, 10);
  } finally {
    c.stop();
  }
});

scenarios('idle nodes disappear 10 minutes after they become unneeded, and not before', async () => {
  const c = await VirtualCluster.create({
    pools: pools(`apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: small}\nspec: {instanceType: m5.large, zones: [us-east-1a], minSize: 0, maxSize: 5}\n`).pools,
  });
  try {
    await c.api.create('deployments', deployment('web', 2, '500m'));
    await c.advance(3 * 60_000, 5000);
    assert.is((await nodes(c)).length, 1);
    // Past scaleDownDelayAfterAdd (10 min after the scale-up), the workload goes away.
    await c.advance(10 * 60_000, 10_000);
    const d = await c.api.get<{ spec: { replicas: number } } & Record<string, unknown>>('deployments', 'default', 'web');
    await c.api.update('deployments', { ...d, spec: { ...d.spec, replicas: 0 } });
    await c.advance(30_000, 5000); // the pods stop and go
    const idleFrom = c.clock.now();
    await c.advance(9 * 60_000, 10_000);
    assert.is((await nodes(c)).length, 1, 'still there after 9 min unneeded');
    await c.advance(3 * 60_000, 10_000);
    assert.is((await nodes(c)).length, 0, `removed by ${(c.clock.now() - idleFrom) / 60_000} min after going idle`);
    assert.is(c.cloud.nodeGroups()[0]!.targetSize(), 0);
  } finally {
    c.stop();
  }
});

scenarios('a node that stops responding is tainted; its pods go after 300 s and their ReplicaSet recreates them elsewhere', async () => {
  const c = await VirtualCluster.create({
    pools: pools(`apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: fixed}\nspec: {instanceType: m5.xlarge, zones: [us-east-1a], minSize: 3, maxSize: 3}\n`).pools,
    autoscale: false,
  });
  try {
    await c.advance(90_000, 5000); // the pool's three VMs come up
    assert.is((await nodes(c)).length, 3);
    // Two pods that may not share a node (a hostname spread would not do: the dead node would still count as a
    // domain holding 0 pods and keep the replacement pending, in Kubernetes as here).
    const antiAffinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    await c.api.create('deployments', deployment('web', 2, '500m', { affinity: antiAffinity }));
    await c.advance(30_000, 5000);
    const before = running(await pods(c, 'web'));
    assert.is(new Set(before.map((p) => p.spec.nodeName)).size, 2, 'one pod on each node');
    const victim = before[0]!;
    const lost = victim.spec.nodeName!;
    c.cloud.stopResponding(lost);
    await c.advance(60_000, 5000);
    const node = await c.api.get<Node>('nodes', undefined, lost);
    assert.ok(node.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'));
    assert.is(node.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'Unknown');
    // The pod tolerates unreachable for 300 s (admission's default): still there a little before that.
    await c.advance(200_000, 5000);
    assert.ok((await pods(c, 'web')).some((p) => p.metadata?.name === victim.metadata?.name), 'not evicted before 300 s');
    await c.advance(180_000, 5000);
    const after = running(await pods(c, 'web'));
    assert.is(after.length, 2, 'the ReplicaSet made a replacement');
    assert.ok(after.every((p) => p.spec.nodeName !== lost));
  } finally {
    c.stop();
  }
});

scenarios('a spot interruption drains the node and the pods and the machine are replaced', async () => {
  const c = await VirtualCluster.create({
    pools: pools(
      `apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: spot, annotations: {"drydock.io/spot-interruption-rate-per-hour": "6"}}\nspec: {instanceType: m5.xlarge, zones: [us-east-1a], spot: true, spotPricePerHour: 0.08, minSize: 2, maxSize: 2}\n`,
    ).pools,
    autoscale: false,
    seed: 3,
  });
  try {
    await c.advance(90_000, 5000);
    await c.api.create('deployments', deployment('web', 2, '500m'));
    await c.advance(30_000, 5000);
    const first = new Set((await nodes(c)).map((n) => n.metadata!.name));
    let notices = 0;
    c.cloud.subscribe({ onInterruptionNotice: () => notices++ });
    // At 6 interruptions per hour per VM, an hour sees some; every time, pods move and the VM is replaced.
    await c.advance(60 * 60_000, 15_000);
    assert.ok(notices > 0, 'some interruption happened with this seed');
    assert.is(running(await pods(c, 'web')).length, 2, 'the workload is whole');
    const now = (await nodes(c)).filter((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
    assert.is(now.length, 2, 'the pool is back to two ready nodes');
    assert.ok([...now].some((n) => !first.has(n.metadata!.name!)), 'a replacement machine joined');
  } finally {
    c.stop();
  }
});

scenarios('a zone outage moves what can move to the other zone', async () => {
  const c = await VirtualCluster.create({
    pools: pools(`apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: multi}\nspec: {instanceType: m5.xlarge, zones: [us-east-1a, us-east-1b], minSize: 2, maxSize: 2}\n`).pools,
    autoscale: false,
  });
  try {
    await c.advance(90_000, 5000);
    await c.api.create('deployments', deployment('web', 4, '500m'));
    await c.advance(30_000, 5000);
    c.cloud.zoneDown('us-east-1a');
    await c.advance(7 * 60_000, 10_000); // 40 s to Unknown, then 300 s of toleration, then rescheduling
    const zoneOf = async (name: string) => (await c.api.get<Node>('nodes', undefined, name)).metadata?.labels?.['topology.kubernetes.io/zone'];
    const live = running(await pods(c, 'web'));
    assert.is(live.length, 4);
    for (const p of live) assert.is(await zoneOf(p.spec.nodeName!), 'us-east-1b');
  } finally {
    c.stop();
  }
});

scenarios.run();
