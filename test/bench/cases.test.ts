// A small version of every benchmark case, run through the same runner, with its placements checked, so the
// benchmark never measures a broken scheduler: anti-affinity honoured, affinity satisfied, spread within
// maxSkew, preemption victims as expected, pinned pods on their node, unschedulable pods left pending.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node, Pod } from '../../src/api/index.js';
import type { ApiServer } from '../../src/apiserver/apiserver.js';
import { CASES, findCase, scaled } from '../../src/bench/cases.js';
import { runCase } from '../../src/bench/runner.js';
import { asyncStore } from '../../src/store/embedded.js';
import { MvccStore, prefixEnd } from '../../src/store/mvcc.js';
import { ManualClock } from '../../src/util/clock.js';

const ZONE = 'topology.kubernetes.io/zone';

interface Cluster {
  pods: Pod[];
  nodes: Map<string, Node>;
}

async function inspect(api: ApiServer): Promise<Cluster> {
  const pods = (await api.list<Pod>('pods')).items;
  const nodes = new Map((await api.list<Node>('nodes')).items.map((n) => [n.metadata!.name!, n]));
  return { pods, nodes };
}

async function small(name: string, nodes: number, pods: number, check: (c: Cluster) => void): Promise<void> {
  const c = findCase(name)!;
  let seen: Cluster | undefined;
  const r = await runCase(scaled(c, nodes, pods), { keep: async (api) => void (seen = await inspect(api)) });
  assert.is(r.measuredPods, pods);
  assert.ok(r.podsPerSecond > 0);
  check(seen!);
}

const bound = (c: Cluster, prefix: string) => c.pods.filter((p) => p.metadata!.name!.startsWith(prefix) && p.spec.nodeName !== undefined);

const cases = suite('benchmark cases, small, with their placements checked');

cases('every case of the issue is defined, with scheduler_perf\'s counts and thresholds', () => {
  const byName = Object.fromEntries(CASES.map((c) => [c.name, [c.nodes, c.init.reduce((s, g) => s + g.count, 0), c.measured.count, c.threshold]]));
  assert.equal(byName['SchedulingBasic'], [5000, 1000, 10000, 270]);
  assert.equal(byName['SchedulingPodAntiAffinity'], [5000, 1000, 2000, 60]);
  assert.equal(byName['SchedulingPodAffinity'], [5000, 5000, 5000, 35]);
  assert.equal(byName['SchedulingNodeAffinity'], [5000, 5000, 10000, 220]);
  assert.equal(byName['TopologySpreading'], [5000, 5000, 5000, 85]);
  assert.equal(byName['PreemptionBasic'], [500, 2000, 500, 18]);
  assert.equal(byName['SchedulingDaemonset'], [15000, 0, 30000, 390]);
  for (const n of ['SchedulingPreferredPodAffinity', 'SchedulingPreferredPodAntiAffinity', 'PreferredTopologySpreading', 'Unschedulable', 'MixedSchedulingBasePod']) assert.ok(byName[n], n);
});

cases('SchedulingBasic: every pod bound, no node past 4 CPU (100m each: at most 40 per node)', () =>
  small('SchedulingBasic', 20, 300, (c) => {
    assert.is(bound(c, 'measured-').length, 300);
    const perNode = new Map<string, number>();
    for (const p of c.pods) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    assert.ok(Math.max(...perNode.values()) <= 40);
  }));

cases('SchedulingPodAntiAffinity: no two green pods share a node (required anti-affinity on hostname)', () =>
  small('SchedulingPodAntiAffinity', 50, 30, (c) => {
    const green = c.pods.filter((p) => p.metadata!.labels!['color'] === 'green');
    assert.is(green.filter((p) => p.spec.nodeName !== undefined).length, green.length, 'all scheduled: 10 init + 30 measured ≤ 50 nodes');
    assert.is(new Set(green.map((p) => p.spec.nodeName)).size, green.length);
  }));

cases('SchedulingPodAffinity: every blue pod shares its zone with another blue pod', () =>
  small('SchedulingPodAffinity', 30, 40, (c) => {
    const blue = c.pods.filter((p) => p.metadata!.labels!['color'] === 'blue' && p.spec.nodeName !== undefined);
    assert.is(blue.length, 30 + 40);
    const zoneOf = (p: Pod) => c.nodes.get(p.spec.nodeName!)!.metadata!.labels![ZONE];
    for (const p of blue) assert.ok(blue.some((q) => q !== p && zoneOf(q) === zoneOf(p)));
  }));

cases('SchedulingNodeAffinity: every pod on a zone1 or zone2 node', () =>
  small('SchedulingNodeAffinity', 30, 60, (c) => {
    for (const p of bound(c, 'measured-')) assert.ok(['zone1', 'zone2'].includes(c.nodes.get(p.spec.nodeName!)!.metadata!.labels![ZONE]!));
    assert.is(bound(c, 'measured-').length, 60);
  }));

cases('TopologySpreading: the blue pods per moon zone differ by at most maxSkew 5', () =>
  small('TopologySpreading', 30, 90, (c) => {
    const counts = new Map<string, number>();
    for (const p of bound(c, 'measured-')) {
      const z = c.nodes.get(p.spec.nodeName!)!.metadata!.labels![ZONE]!;
      counts.set(z, (counts.get(z) ?? 0) + 1);
    }
    assert.is([...counts.values()].reduce((a, b) => a + b, 0), 90);
    assert.ok(Math.max(...counts.values()) - Math.min(...counts.values()) <= 5, JSON.stringify([...counts]));
  }));

cases('PreemptionBasic: each high-priority pod evicts exactly three 900m pods (4 × 900m = 3.6 CPU; 3000m + 900m ≤ 4000m)', () =>
  small('PreemptionBasic', 20, 20, (c) => {
    // Init: 20 nodes × 4 low pods = 80 (init scales with nodes: 2000 × 20/500 = 80). 20 high pods each need
    // 3000m, so each node must lose 3 of its 4 low pods: 80 − 3·20 = 20 low pods remain, one per node.
    assert.is(bound(c, 'measured-').length, 20);
    const low = c.pods.filter((p) => p.metadata!.name!.startsWith('init-'));
    assert.is(low.length, 20);
    for (const node of c.nodes.keys()) {
      const here = c.pods.filter((p) => p.spec.nodeName === node);
      assert.equal(here.map((p) => p.metadata!.name!.split('-')[0]).sort(), ['init', 'measured'], node);
    }
  }));

cases('Unschedulable: the 9-CPU pods stay pending with the reason; the default pods all bind', () =>
  small('Unschedulable', 20, 100, (c) => {
    const large = c.pods.filter((p) => p.metadata!.name!.startsWith('large-'));
    assert.ok(large.length > 0);
    for (const p of large) {
      assert.is(p.spec.nodeName, undefined);
      const cond = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
      assert.match(cond?.message ?? '', /^0\/20 nodes are available: 20 Insufficient cpu\./);
    }
    assert.is(bound(c, 'measured-').length, 100);
  }));

cases('MixedSchedulingBasePod: all five kinds of init pods and the measured ones bind; anti-affinity holds', () =>
  small('MixedSchedulingBasePod', 30, 50, (c) => {
    assert.is(c.pods.filter((p) => p.spec.nodeName === undefined).length, 0);
    const anti = c.pods.filter((p) => p.metadata!.name!.startsWith('init-anti-'));
    assert.is(new Set(anti.map((p) => p.spec.nodeName)).size, anti.length);
  }));

cases('SchedulingDaemonset: every pod lands on the named node its matchFields pin it to', () =>
  small('SchedulingDaemonset', 30, 100, (c) => {
    const ds = bound(c, 'ds-');
    assert.is(ds.length, 100);
    assert.ok(ds.every((p) => p.spec.nodeName === 'scheduler-perf-node'));
  }));

cases('the preferred (anti-)affinity and preferred spreading cases schedule everything', async () => {
  for (const name of ['SchedulingPreferredPodAffinity', 'SchedulingPreferredPodAntiAffinity', 'PreferredTopologySpreading']) {
    await small(name, 20, 40, (c) => assert.is(c.pods.filter((p) => p.spec.nodeName === undefined).length, 0, name));
  }
});

cases('same seed, same placements', async () => {
  const placements = async () => {
    let out: string[] = [];
    await runCase(scaled(findCase('TopologySpreading')!, 15, 30), { seed: 9, keep: async (api) => void (out = (await api.list<Pod>('pods')).items.map((p) => `${p.metadata!.name}@${p.spec.nodeName}`)) });
    return out;
  };
  assert.equal(await placements(), await placements());
});

cases('onMeasure brackets the measured phase: the initial pods are bound at its start, every pod at its end', async () => {
  // SchedulingBasic scaled to 10 nodes: its init group scales with the nodes (1000 × 10/5000 = 2 pods), and 30
  // measured pods follow. Counted in the store as each phase is reported: 'start' sees 2 bound pods of 2,
  // 'end' sees 2 + 30 = 32 bound of 32.
  const c = scaled(findCase('SchedulingBasic')!, 10, 30);
  const mvcc = new MvccStore({ clock: new ManualClock(Date.UTC(2026, 0, 1)) });
  const pods = () => mvcc.range<Pod>({ key: '/registry/pods/', rangeEnd: prefixEnd('/registry/pods/') }).kvs.map((kv) => kv.value);
  const seen: string[] = [];
  await runCase(c, {
    store: asyncStore(mvcc),
    onMeasure: (phase) => {
      const all = pods();
      seen.push(`${phase}: ${all.filter((p) => p.spec.nodeName !== undefined).length} bound of ${all.length}`);
    },
  });
  assert.equal(seen, ['start: 2 bound of 2', 'end: 32 bound of 32']);
});

cases.run();
