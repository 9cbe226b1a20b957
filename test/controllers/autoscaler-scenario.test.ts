// The autoscaler end to end: the real API server, informers and scheduler, the autoscaler's loop, and a
// fake cloud whose machines register as Nodes one minute after they are asked for.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node, Pod } from '../../src/api/index.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { makeApi } from '../apiserver/fixtures.js';
import { makePod } from '../scheduler/fixtures.js';
import { autoscalerWorld, MIN, S, type FakeNodeGroup } from './autoscaler-fixtures.js';

async function world(expander: string, smallMax: number) {
  let small: FakeNodeGroup | undefined;
  let big: FakeNodeGroup | undefined;
  const w = await autoscalerWorld(expander, (cloud) => {
    // small: 2 cpu / 4 GiB at $0.10; big: 8 cpu / 32 GiB at $0.50. Machines register after 60 s.
    small = cloud.add('small', { min: 0, max: smallMax, cpu: '2', memory: '4Gi', price: 0.1 });
    big = cloud.add('big', { min: 0, max: 5, cpu: '8', memory: '32Gi', price: 0.5 });
  }, true);
  const nodes = async () => (await w.api.list<Node>('nodes')).items.map((n) => n.metadata!.name!).sort();
  const placement = async () => (await w.api.list<Pod>('pods')).items.map((p) => `${p.metadata!.name}@${p.spec.nodeName ?? '-'}`).sort();
  return { ...w, small: small!, big: big!, nodes, placement };
}

async function createPods(api: Awaited<ReturnType<typeof makeApi>>['api'], n: number, cpu = '1') {
  for (let i = 0; i < n; i++) {
    const p = makePod(`web-${i}`).req({ cpu, memory: '1Gi' }).obj() as unknown as Json & { metadata: Json };
    const metadata = { name: `web-${i}`, namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-web', controller: true }] };
    await api.create('pods', { ...p, metadata, status: {} });
  }
}

const scenario = suite('autoscaler with the API server, the scheduler and a fake cloud');

scenario('least-waste scales the cheapest fitting group; idle nodes go 10 min after they become unneeded', async () => {
  const w = await world('least-waste', 5);
  await createPods(w.api, 4);
  await w.scheduler.runUntilIdle(); // no nodes: all four get PodScheduled=False/Unschedulable
  const first = await w.autoscaler.runOnce();
  assert.equal(first.scaleUps, [], 'pods under 2 s old: CA waits one loop for more');
  const d = await w.scan();
  // small ×2 wastes 0 cpu + 0.5 memory; big ×1 wastes 0.5 + 0.875.
  assert.equal(d.scaleUps.map((s) => `${s.group} ${s.currentSize}->${s.newSize}`), ['small 0->2']);
  assert.equal(w.small.calls, ['increaseSize(2)']);
  const triggered = (await w.api.list<Json>('events')).items.filter((e) => e['reason'] === 'TriggeredScaleUp').map((e) => e['message']);
  assert.equal(triggered, Array(4).fill('pod triggered scale-up: [{small 0->2 (max: 5)}]'));
  // The upcoming nodes absorb the pods: no second scale-up while the machines boot.
  for (let i = 0; i < 5; i++) assert.equal((await w.scan()).scaleUps, []);
  await w.scan(); // 60 s after the request: both machines are Nodes, the scheduler binds the pods
  assert.equal(await w.nodes(), ['small-0', 'small-1']);
  assert.equal((await w.placement()).map((p) => p.split('@')[1]!.replace(/-\d$/, '')), ['small', 'small', 'small', 'small']);

  // The pods go away; from the next scan both nodes are unneeded.
  for (let i = 0; i < 4; i++) await w.api.delete('pods', 'default', `web-${i}`, { gracePeriodSeconds: 0 });
  const unneededAt = w.clock.now() + 10 * S;
  let removedAt: number | undefined;
  for (let i = 0; i < 70 && removedAt === undefined; i++) {
    const dd = await w.scan();
    if (dd.scaleDowns.length > 0) {
      assert.equal(dd.scaleDowns, [{ kind: 'deleteEmpty', group: 'small', nodes: ['small-0', 'small-1'] }]);
      removedAt = w.clock.now();
    }
  }
  // Unneeded since unneededAt; strictly more than 10 min later is the scan at +10 min 10 s.
  assert.is(removedAt! - unneededAt, 10 * MIN + 10 * S);
  await w.scan();
  assert.equal(await w.nodes(), [], 'the cloud deleted the machines and their Nodes');
  const ev = (await w.api.list<Json>('events')).items.map((e) => `${(e['involvedObject'] as Json)['name']}: ${e['reason']}: ${e['message']}`);
  assert.ok(ev.includes('small-0: ScaleDown: marked the node as toBeDeleted/unschedulable'));
  assert.ok(ev.includes('cluster-autoscaler-status: ScaleDownEmpty: Scale-down: removing empty node "small-1"'));
  assert.equal(w.autoscaler.status?.clusterWide.scaleDown.status, 'NoCandidates');
});

scenario('most-pods scales the group that takes the most pods (small, capped at 1 node, takes 2 of 4)', async () => {
  const w = await world('most-pods', 1);
  await createPods(w.api, 4);
  await w.scheduler.runUntilIdle();
  await w.autoscaler.runOnce();
  const d = await w.scan();
  assert.equal(d.scaleUps.map((s) => `${s.group} ${s.currentSize}->${s.newSize}`), ['big 0->1']);
  for (let i = 0; i < 6; i++) await w.scan();
  assert.equal(await w.nodes(), ['big-0']);
  assert.equal((await w.placement()).map((p) => p.split('@')[1]), ['big-0', 'big-0', 'big-0', 'big-0']);
});

scenario('a non-empty underutilized node is tainted, drained through the API server, then deleted', async () => {
  const w = await world('least-waste', 5);
  await createPods(w.api, 4, '700m'); // two 700m pods per 2-cpu node → 2 nodes
  await w.scheduler.runUntilIdle();
  await w.autoscaler.runOnce();
  for (let i = 0; i < 8; i++) await w.scan();
  const byNode = (await w.placement()).reduce<Record<string, string[]>>((m, p) => {
    const [pod, node] = p.split('@') as [string, string];
    (m[node] ??= []).push(pod);
    return m;
  }, {});
  assert.equal(Object.keys(byNode).sort(), ['small-0', 'small-1']);
  // One pod leaves each node: both at 700m / 2000m = 35 %, and either one's pod fits on the other.
  for (const pods of Object.values(byNode)) await w.api.delete('pods', 'default', pods[0]!, { gracePeriodSeconds: 0 });
  let drained: string | undefined;
  for (let i = 0; i < 80 && drained === undefined; i++) {
    const d = await w.scan();
    const drain = d.scaleDowns.find((x) => x.kind === 'drain');
    if (drain?.kind === 'drain') drained = drain.node;
  }
  assert.is(drained, 'small-0');
  const node = await w.api.get<Node>('nodes', undefined, 'small-0');
  assert.equal(node.spec?.taints?.map((t) => [t.key, t.effect]), [['ToBeDeletedByClusterAutoscaler', 'NoSchedule']]);
  const evicted = (await w.api.list<Pod>('pods')).items.find((p) => p.spec.nodeName === 'small-0')!;
  assert.ok(evicted.metadata?.deletionTimestamp !== undefined, 'evicted: deleted with its 30 s grace period');
  // Without a kubelet the pod stays terminating; it counts as gone 30 s after its grace period (IsPodLongTerminating).
  let deleted = false;
  for (let i = 0; i < 10 && !deleted; i++) deleted = (await w.scan()).scaleDowns.some((x) => x.kind === 'deleteDrained');
  assert.ok(deleted);
  assert.equal(w.small.calls.slice(-1), ['deleteNodes(small-0)']);
  await w.scan();
  assert.equal(await w.nodes(), ['small-1']);
});

scenario('status view: a scale-up in progress, then done', async () => {
  const w = await world('least-waste', 5);
  await createPods(w.api, 1);
  await w.scheduler.runUntilIdle();
  await w.autoscaler.runOnce();
  await w.scan();
  const st = w.autoscaler.status!;
  assert.is(st.clusterWide.scaleUp.status, 'InProgress');
  const small = st.nodeGroups.find((g) => g.name === 'small')!;
  assert.equal([small.health.cloudProviderTarget, small.health.nodeCounts.unregistered, small.scaleUp.status], [1, 1, 'InProgress']);
  for (let i = 0; i < 6; i++) await w.scan();
  assert.is(w.autoscaler.status!.clusterWide.scaleUp.status, 'NoActivity');
});

scenario.run();
