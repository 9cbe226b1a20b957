// Snapshot.domainSums (what PodTopologySpread's PreFilter adds up over every node) against a count made
// afresh over the present nodes, through pods placed and removed, node labels changed, nodes removed and
// preemption-style dry runs on the snapshot — the sums are kept between calls and only rebuilt sometimes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { makePodInfo, type PodInfo } from '../../src/scheduler/podinfo.js';
import { NodeCache, Snapshot } from '../../src/scheduler/snapshot.js';
import { makeNode, makePod } from './fixtures.js';

type Op =
  | { kind: 'place'; node: number; app: 'a' | 'b' }
  | { kind: 'remove'; pick: number }
  | { kind: 'relabel'; node: number; zone: number | null }
  | { kind: 'dropNode'; node: number }
  | { kind: 'dryRun'; node: number; app: 'a' | 'b'; undo: boolean };

const app = fc.constantFrom('a' as const, 'b' as const);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('place' as const), node: fc.nat(11), app }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('relabel' as const), node: fc.nat(11), zone: fc.option(fc.nat(3), { nil: null }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('dropNode' as const), node: fc.nat(11) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('dryRun' as const), node: fc.nat(11), app, undo: fc.boolean() }), weight: 2 },
);

const matches = (p: PodInfo) => p.labels['app'] === 'a';

function node(i: number, zone: number | null) {
  const b = makeNode(`n${i}`).capacity({ cpu: '64', memory: '64Gi', pods: '200' });
  return (zone === null ? b : b.label('zone', `z${zone}`)).obj();
}

test('domainSums equals a fresh count over the present nodes after every change', () => {
  let placements = 0;
  fc.assert(
    fc.property(fc.array(fc.option(fc.nat(3), { nil: null }), { minLength: 1, maxLength: 12 }), fc.array(op, { maxLength: 60 }), (zones, ops) => {
      const cache = new NodeCache();
      zones.forEach((z, i) => cache.setNode(node(i, z)));
      const snapshot = new Snapshot();
      snapshot.update(cache);
      const placed: string[] = [];
      const dry: { info: PodInfo; row: number }[] = [];
      const check = (label: string) => {
        const got = snapshot.domainSums('zone', 'app=a', matches);
        const dom = snapshot.domains('zone');
        const nodes = new Array<number>(dom.names.length).fill(0);
        const sums = new Array<number>(dom.names.length).fill(0);
        for (let k = 0; k < snapshot.numNodes; k++) {
          const r = snapshot.order[k]!;
          const d = dom.ids[r]!;
          if (d < 0) continue;
          nodes[d]!++;
          sums[d]! += snapshot.pods[r]!.filter(matches).length;
        }
        assert.equal([Array.from(got.nodes), Array.from(got.sums)], [nodes, sums], label);
      };
      check('start');
      ops.forEach((o, i) => {
        if (o.kind === 'dryRun') {
          if (o.undo && dry.length > 0) {
            const d = dry.pop()!;
            snapshot.dryRunRemovePod(d.info, d.row, []);
          } else if (snapshot.numNodes > 0) {
            const row = snapshot.order[o.node % snapshot.numNodes]!;
            const info = makePodInfo(makePod(`dry-${i}`).label('app', o.app).spec({ nodeName: snapshot.names[row] }).obj());
            snapshot.dryRunAddPod(info, row, []);
            dry.push({ info, row });
          }
          check(`op ${i} (dry run)`);
          return;
        }
        // The cache changes only between dry runs, as in a scheduling cycle.
        while (dry.length > 0) {
          const d = dry.pop()!;
          snapshot.dryRunRemovePod(d.info, d.row, []);
        }
        if (o.kind === 'place') {
          const name = `p${i}`;
          cache.addPod(makePodInfo(makePod(name).label('app', o.app).spec({ nodeName: `n${o.node % zones.length}` }).obj()));
          placed.push(name);
          placements++;
        } else if (o.kind === 'remove' && placed.length > 0) {
          const [name] = placed.splice(o.pick % placed.length, 1);
          cache.removePod(`default/${name}`);
        } else if (o.kind === 'relabel') cache.setNode(node(o.node % zones.length, o.zone));
        else if (o.kind === 'dropNode') cache.removeNode(`n${o.node % zones.length}`);
        snapshot.update(cache);
        check(`op ${i} (${o.kind})`);
      });
    }),
    { numRuns: 300, seed: 20261128 },
  );
  assert.ok(placements > 500, `${placements} placements, followed by the sums pod by pod`);
});

type RefreshOp =
  | { kind: 'place'; node: number; app: 'a' | 'b' }
  | { kind: 'remove'; pick: number }
  | { kind: 'newVersion'; pick: number; change: 'none' | 'labels' | 'spec' | 'startTime' };

const refreshOp: fc.Arbitrary<RefreshOp> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('place' as const), node: fc.nat(5), app }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant('newVersion' as const), pick: fc.nat(), change: fc.constantFrom('none' as const, 'labels' as const, 'spec' as const, 'startTime' as const) }),
    weight: 4,
  },
);

test('refresh leaves a cache as removePod + addPod would: same pods, same order in every row, same counts', () => {
  // Two caches get the same pods; a new version of a placed pod goes to one through refresh (falling back to
  // addPod when refused, as the scheduler does) and to the other through addPod. A version made the way the
  // API server makes them (new metadata object and resourceVersion, every other field shared) must be
  // taken in place; one with other labels, another spec field or another start time must be refused.
  let inPlace = 0;
  let refused = 0;
  fc.assert(
    fc.property(fc.array(refreshOp, { minLength: 20, maxLength: 80 }), (ops) => {
      const viaRefresh = new NodeCache();
      const viaAdd = new NodeCache();
      for (let i = 0; i < 6; i++) {
        viaRefresh.setNode(node(i, i % 2));
        viaAdd.setNode(node(i, i % 2));
      }
      const snapshot = new Snapshot();
      const placed: string[] = [];
      const nodeOf = new Map<string, string>();
      ops.forEach((o, i) => {
        if (o.kind === 'place') {
          const pod = makePod(`p${i}`).label('app', o.app).spec({ nodeName: `n${o.node}` }).obj();
          viaRefresh.addPod(makePodInfo(pod));
          viaAdd.addPod(makePodInfo(pod));
          placed.push(`default/p${i}`);
          nodeOf.set(`default/p${i}`, `n${o.node}`);
        } else if (o.kind === 'remove' && placed.length > 0) {
          const [key] = placed.splice(o.pick % placed.length, 1);
          viaRefresh.removePod(key!);
          viaAdd.removePod(key!);
        } else if (o.kind === 'newVersion' && placed.length > 0) {
          const key = placed[o.pick % placed.length]!;
          const old = viaRefresh.placement(key)!.info.pod;
          const meta = { ...old.metadata, resourceVersion: String(i) };
          const pod =
            o.change === 'labels'
              ? { ...old, metadata: { ...meta, labels: { app: old.metadata!.labels!['app'] === 'a' ? 'b' : 'a' } } }
              : o.change === 'spec'
                ? { ...old, metadata: meta, spec: { ...old.spec, priority: 100 + i } }
                : o.change === 'startTime'
                  ? { ...old, metadata: meta, status: { ...old.status, startTime: `2026-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z` } }
                  : { ...old, metadata: meta, status: { ...old.status, phase: 'Running' as const } };
          const took = viaRefresh.refresh(key, pod);
          assert.is(took, o.change === 'none', `op ${i}: ${o.change}`);
          if (took) inPlace++;
          else {
            refused++;
            viaRefresh.addPod(makePodInfo(pod));
          }
          viaAdd.addPod(makePodInfo(pod));
        }
        const rows = (c: NodeCache) => c.pods.map((list) => list.map((p) => `${p.key}:${p.pod.metadata!.resourceVersion ?? '-'}:${p.labels['app']}`).join(','));
        assert.equal(rows(viaRefresh), rows(viaAdd), `op ${i}: rows`);
        // And both hold what was placed and not removed, each pod once, on its node (a model of key → node).
        const held = viaAdd.pods.flatMap((list, r) => list.map((p) => `${p.key}@n${r}`)).sort();
        assert.equal(held, placed.map((key) => `${key}@${nodeOf.get(key)}`).sort(), `op ${i}: placed pods`);
        assert.equal(placed.map((key) => viaRefresh.placement(key)?.info.nodeName), placed.map((key) => nodeOf.get(key)), `op ${i}: nodes`);
        snapshot.update(viaRefresh);
        const got = snapshot.domainSums('zone', 'app=a', matches);
        const want = [0, 0];
        viaAdd.pods.forEach((list, r) => (want[r % 2]! += list.filter(matches).length));
        assert.equal(Array.from(got.sums), want, `op ${i}: sums`);
      });
    }),
    { numRuns: 200, seed: 20261128 },
  );
  assert.ok(inPlace > 300 && refused > 500, `${inPlace} versions taken in place, ${refused} refused`);
});

test.run();
