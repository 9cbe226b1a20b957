// The binary heap under activeQ and backoffQ: order by `less`, ties by insertion sequence, keyed
// add-or-update / delete / fix (k/k pkg/scheduler/backend/heap semantics), checked against a sorted array.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Heap } from '../../src/scheduler/heap.js';

interface Item {
  key: string;
  prio: number;
}
const byPrio = (a: Item, b: Item): boolean => a.prio < b.prio;

const drain = <T>(h: Heap<T>): T[] => {
  const out: T[] = [];
  for (let x = h.pop(); x !== undefined; x = h.pop()) out.push(x);
  return out;
};

const order = suite('heap order');

order('pops in less order; equal items come out in insertion order', () => {
  const cases: { name: string; push: [string, number][]; want: string[] }[] = [
    { name: 'empty', push: [], want: [] },
    { name: 'distinct', push: [['c', 3], ['a', 1], ['b', 2]], want: ['a', 'b', 'c'] },
    // All equal: first in, first out — no dependence on the heap's internal shape.
    { name: 'all equal', push: [['x', 5], ['y', 5], ['z', 5], ['w', 5]], want: ['x', 'y', 'z', 'w'] },
    { name: 'ties inside', push: [['b1', 2], ['a1', 1], ['b2', 2], ['a2', 1], ['b3', 2]], want: ['a1', 'a2', 'b1', 'b2', 'b3'] },
  ];
  for (const c of cases) {
    const h = new Heap<Item>(byPrio);
    for (const [key, prio] of c.push) h.push({ key, prio });
    assert.is(h.size, c.push.length, c.name);
    assert.equal(drain(h).map((i) => i.key), c.want, c.name);
    assert.is(h.peek(), undefined, c.name);
  }
});

order('sorted() lists pop order without changing the heap', () => {
  const h = new Heap<Item>(byPrio);
  for (const [key, prio] of [['b', 2], ['a', 1], ['c', 2]] as const) h.push({ key, prio });
  assert.equal(h.sorted().map((i) => i.key), ['a', 'b', 'c']);
  assert.is(h.size, 3);
  assert.is(h.peek()?.key, 'a');
});

order('keyed operations on an unkeyed heap are a programming error', () => {
  const h = new Heap<Item>(byPrio);
  assert.throws(() => h.has('a'), /without keyOf/);
  assert.throws(() => h.delete('a'), /without keyOf/);
});

const keyed = suite('keyed heap');

keyed('push of an existing key replaces the item in place and keeps its insertion sequence (AddOrUpdate)', () => {
  const h = new Heap<Item>(byPrio, (i) => i.key);
  h.push({ key: 'a', prio: 1 });
  h.push({ key: 'b', prio: 1 });
  h.push({ key: 'c', prio: 1 });
  // 'a' updated to the same priority: still first among equals (sequence 0 kept).
  h.push({ key: 'a', prio: 1 });
  assert.is(h.size, 3);
  // 'c' lowered to 0: now first.
  h.push({ key: 'c', prio: 0 });
  assert.equal(drain(h).map((i) => `${i.key}${i.prio}`), ['c0', 'a1', 'b1']);
});

keyed('get / has / delete / fix by key', () => {
  const h = new Heap<Item>(byPrio, (i) => i.key);
  const items = [5, 3, 8, 1, 9, 2].map((prio, n) => ({ key: `k${n}`, prio }));
  for (const i of items) h.push(i);
  assert.ok(h.has('k2'));
  assert.is(h.get('k2')?.prio, 8);
  assert.is(h.delete('k3')?.prio, 1); // the root
  assert.is(h.delete('k3'), undefined);
  assert.not.ok(h.has('k3'));
  // Mutate k4 (9 → 0) and tell the heap.
  items[4]!.prio = 0;
  h.fix('k4');
  assert.equal(drain(h).map((i) => i.key), ['k4', 'k5', 'k1', 'k0', 'k2']);
});

keyed('model: any sequence of push / pop / delete / update pops like a stable sort (fast-check)', () => {
  type Op = { op: 'push' | 'delete'; key: number; prio: number } | { op: 'pop' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('push' as const), key: fc.integer({ min: 0, max: 15 }), prio: fc.integer({ min: 0, max: 4 }) }),
    fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 15 }), prio: fc.constant(0) }),
    fc.record({ op: fc.constant('pop' as const) }),
  );
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
      const h = new Heap<Item>(byPrio, (i) => i.key);
      // model: key → (prio, seq); seq kept on update, new on re-insert
      const model = new Map<string, { prio: number; seq: number }>();
      let seq = 0;
      const head = (): string | undefined => {
        let best: [string, { prio: number; seq: number }] | undefined;
        for (const kv of model) if (best === undefined || kv[1].prio < best[1].prio || (kv[1].prio === best[1].prio && kv[1].seq < best[1].seq)) best = kv;
        return best?.[0];
      };
      for (const o of ops) {
        if (o.op === 'push') {
          const key = `k${o.key}`;
          const prev = model.get(key);
          model.set(key, { prio: o.prio, seq: prev?.seq ?? seq++ });
          h.push({ key, prio: o.prio });
        } else if (o.op === 'delete') {
          const key = `k${o.key}`;
          assert.is(h.delete(key) !== undefined, model.delete(key));
        } else {
          const want = head();
          assert.is(h.pop()?.key, want);
          if (want !== undefined) model.delete(want);
        }
        assert.is(h.size, model.size);
      }
    }),
    { numRuns: 300 },
  );
});

order.run();
keyed.run();
