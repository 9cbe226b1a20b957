// A fast-check property: whatever pods come and go and however time passes (including machines that never
// register, so scale-ups time out and groups back off), every node group stays within [min, max] and the
// cluster-wide node and core limits hold. The fake cloud throws on any call that would break min/max.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Node, Pod } from '../../src/api/index.js';
import { cpuMilli } from '../../src/api/index.js';
import { decide, EMPTY_HISTORY, resolveAutoscalerSettings, type AutoscalerHistory } from '../../src/controllers/autoscaler/index.js';
import { FakeCloud, GROUP_LABEL, MIN, observed, pendingPod, S, T0 } from './autoscaler-fixtures.js';

type Op = { kind: 'create'; count: number; cpu: string } | { kind: 'delete'; count: number } | { kind: 'advance'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), count: fc.integer({ min: 1, max: 6 }), cpu: fc.constantFrom('250m', '500m', '1', '1500m', '3') }),
  fc.record({ kind: fc.constant('delete' as const), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(10 * S, MIN, 5 * MIN, 11 * MIN, 16 * MIN) }),
);

const settings = resolveAutoscalerSettings({ maxNodesTotal: 6, maxCoresTotal: 14, expander: 'random' });
const CORES = { a: 2, b: 4 };

const seen = { scaleUps: 0, deletions: 0, drains: 0, timeouts: 0, capped: 0 };

function run(ops: readonly Op[], seed: number, stuck: boolean): void {
  let now = T0;
  const cloud = new FakeCloud(() => now);
  const a = cloud.add('a', { min: 1, max: 4, cpu: '2', memory: '8Gi' }, 30 * S);
  const b = cloud.add('b', { min: 0, max: 3, cpu: '4', memory: '16Gi' }, stuck ? Infinity : 2 * MIN);
  a.increaseSize(1); // start at min
  let nodes: Node[] = [];
  let pods: Pod[] = [];
  let history: AutoscalerHistory = { ...EMPTY_HISTORY };
  let serial = 0;
  const s = { ...settings, randomSeed: seed };
  const scan = () => {
    // The cloud registers machines; Nodes of deleted machines go, their pods become pending again.
    const { create } = cloud.registerDue(new Set(nodes.map((n) => n.metadata!.name!)));
    const alive = new Set(cloud.groups.flatMap((g) => g.instancesList.map((x) => x.nodeName)));
    nodes = [...nodes.filter((n) => alive.has(n.metadata!.name!)), ...create];
    const names = new Set(nodes.map((n) => n.metadata!.name!));
    pods = pods.map((p) => (p.spec.nodeName !== undefined && !names.has(p.spec.nodeName) ? pendingPod(p.metadata!.name!, { cpu: String(p.spec.containers[0]!.resources!.requests!['cpu']) }, T0) : p));
    // A first-fit "scheduler" on cpu.
    const free = new Map(nodes.filter((n) => !(n.spec?.taints ?? []).length).map((n) => [n.metadata!.name!, cpuMilli(n.status!.allocatable!['cpu']!)]));
    for (const p of pods) if (p.spec.nodeName !== undefined && free.has(p.spec.nodeName)) free.set(p.spec.nodeName, free.get(p.spec.nodeName)! - cpuMilli(String(p.spec.containers[0]!.resources!.requests!['cpu'])));
    pods = pods.map((p) => {
      if (p.spec.nodeName !== undefined) return p;
      const need = cpuMilli(String(p.spec.containers[0]!.resources!.requests!['cpu']));
      for (const [n, f] of free) {
        if (f >= need) {
          free.set(n, f - need);
          return { ...p, spec: { ...p.spec, nodeName: n }, status: { phase: 'Running' as const } };
        }
      }
      return p;
    });
    const groups = cloud.groups.map((g) => ({ id: g.id, minSize: g.minSize(), maxSize: g.maxSize(), targetSize: g.targetSize(), template: g.templateNode(), pricePerHour: g.pricePerHour() }));
    const d = decide(observed({ groups, nodes, pods }), now, s, history);
    history = d.history;
    seen.scaleUps += d.scaleUps.length;
    seen.timeouts += d.targetSizeFixes.length;
    seen.deletions += d.scaleDowns.filter((x) => x.kind === 'deleteEmpty' || x.kind === 'deleteDrained').length;
    seen.drains += d.scaleDowns.filter((x) => x.kind === 'drain').length;
    seen.capped += d.refusals.filter((r) => /max (total nodes|cluster cpu|node group size)/.test(r.message)).length;
    for (const f of d.targetSizeFixes) cloud.groups.find((g) => g.id === f.group)!.decreaseTargetSize(f.delta);
    for (const u of d.scaleUps) cloud.groups.find((g) => g.id === u.group)!.increaseSize(u.newSize - u.currentSize);
    for (const sd of d.scaleDowns) {
      const g = cloud.groups.find((x) => x.id === sd.group)!;
      if (sd.kind === 'deleteEmpty') g.deleteNodes(sd.nodes);
      else if (sd.kind === 'deleteDrained') g.deleteNodes([sd.node]);
      else if (sd.kind === 'drain') {
        const evicted = new Set(sd.evictions.map((e) => e.name));
        pods = pods.filter((p) => !evicted.has(p.metadata!.name!));
      }
    }
    // The invariants.
    for (const g of cloud.groups) {
      assert.ok(g.targetSize() >= g.minSize() && g.targetSize() <= g.maxSize(), `${g.id}: ${g.targetSize()} outside [${g.minSize()}, ${g.maxSize()}]`);
    }
    const total = a.targetSize() + b.targetSize();
    assert.ok(total <= s.maxNodesTotal, `${total} nodes > maxNodesTotal ${s.maxNodesTotal}`);
    const cores = a.targetSize() * CORES.a + b.targetSize() * CORES.b;
    assert.ok(cores <= s.maxCoresTotal, `${cores} cores > maxCoresTotal ${s.maxCoresTotal}`);
    for (const n of nodes) assert.is(n.metadata!.labels![GROUP_LABEL] !== undefined, true);
  };
  for (const op of ops) {
    if (op.kind === 'create') {
      for (let i = 0; i < op.count; i++) pods.push(pendingPod(`p${serial++}`, { cpu: op.cpu }, now));
    } else if (op.kind === 'delete') pods = pods.slice(op.count);
    else now += op.ms;
    now += 10 * S;
    scan();
  }
}

test('groups stay within [min, max] and the cluster limits hold, for any pods-and-time sequence', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 1000 }), fc.boolean(), (ops, seed, stuck) => {
      run(ops, seed, stuck);
    }),
    { numRuns: 100, seed: 20261128 },
  );
  // The runs did exercise what the property is about (so it could fail): scale-ups, limits, timeouts, removals.
  for (const [k, v] of Object.entries(seen)) assert.ok(v > 0, `no ${k} in any run: ${JSON.stringify(seen)}`);
});

test.run();
