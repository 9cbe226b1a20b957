// The event log: events written with a shared store lease of the event TTL (kube-apiserver lease_manager.go
// arithmetic), listed in write order with consistent paging, selected by involvedObject fields, and capped
// by count by the EventLog addon — with a fast-check property over random writes, updates and time steps.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EventLog } from '../../src/addons/eventlog/index.js';
import type { Event } from '../../src/api/index.js';
import { ApiServer, DEFAULT_EVENT_TTL_SECONDS } from '../../src/apiserver/apiserver.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import { LEASE_MAX_OBJECT_COUNT, LeaseManager } from '../../src/apiserver/leasemanager.js';
import { recordEvent } from '../../src/apiserver/record.js';
import { asyncStore } from '../../src/store/embedded.js';
import { MvccStore } from '../../src/store/mvcc.js';
import { ManualClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';
import { T0 } from '../apiserver/fixtures.js';

const S = 1000;

async function setup(eventTtlSeconds = DEFAULT_EVENT_TTL_SECONDS) {
  const clock = new ManualClock(T0);
  const mvcc = new MvccStore({ clock });
  const api = new ApiServer({ store: asyncStore(mvcc), clock, rng: seededRng(5), eventTtlSeconds });
  await api.bootstrap();
  return { api, mvcc, clock };
}

/** An event about pod `object`, recorded now. */
function record(api: ApiServer, clock: ManualClock, object: string, reason = 'Pulled', message = `about ${object}`): Promise<string> {
  return recordEvent(api, { involved: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: object }, type: 'Normal', reason, message, at: clock.now(), component: 'kubelet', host: 'node-a' });
}

async function names(api: ApiServer, opts: { fieldSelector?: string; namespace?: string } = {}): Promise<string[]> {
  return (await api.list<Event>('events', opts)).items.map((e) => e.metadata.name!);
}

/** Lets the store's watch deliveries and the informers' handlers run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

const ttl = suite('events: TTL through shared store leases');

ttl('lease reuse window: min(5 % of the TTL, 60 s) — 3600 s → 60 s, 600 s → 30 s, 10 s → 0 s', () => {
  // 0.05 × 3600 = 180 > 60 → 60; 0.05 × 600 = 30; 0.05 × 10 = 0.5 → floor 0.
  assert.equal([LeaseManager.reuseSeconds(3600), LeaseManager.reuseSeconds(600), LeaseManager.reuseSeconds(10)], [60, 30, 0]);
});

ttl('events written within the reuse window share a lease; each lives at least the TTL and at most TTL + 60 s', async () => {
  const { api, mvcc, clock } = await setup();
  await record(api, clock, 'a'); // lease 1 granted at 0 s for 3600 + 60 = 3660 s: expires at 3660 s
  clock.advance(30 * S);
  await record(api, clock, 'b'); // 30 + 3600 = 3630 < 3660 (valid) and 30 + 3660 = 3690 > 3660 (sufficient): lease 1
  clock.advance(31 * S);
  await record(api, clock, 'c'); // 61 + 3660 = 3721 > 3660 still sufficient, but 61 + 3600 = 3661 is not before 3660: a new lease, expiring at 3721 s
  assert.is(api.leases.granted, 2);
  const leaseOf = async (name: string) => (await mvcc.range({ key: `/registry/events/default/${name}` })).kvs[0]?.lease;
  const [a, b, c] = await names(api);
  assert.is(await leaseOf(a!), await leaseOf(b!));
  assert.is.not(await leaseOf(c!), await leaseOf(a!));

  clock.advance((3659 - 61) * S); // at 3659 s all three are there
  assert.is((await names(api)).length, 3);
  clock.advance(1 * S); // 3660 s: lease 1 runs out, a and b go (a lived 3660 s, b 3630 s, both >= 3600)
  assert.equal(await names(api), [c]);
  clock.advance(61 * S); // 3721 s: c goes after 3660 s
  assert.equal(await names(api), []);
});

ttl('an update re-leases the event (store.go TTLFunc on update): it lives a TTL from its last write', async () => {
  const { api, clock } = await setup();
  const name = await record(api, clock, 'a');
  clock.advance(3000 * S);
  const e = await api.get<Event>('events', 'default', name);
  await api.update('events', { ...e, count: 2 });
  clock.advance(700 * S); // 3700 s: past the first lease (3660 s), within the new one (3000 + 3660 = 6660 s)
  assert.equal(await names(api), [name]);
  clock.advance(2960 * S); // 6660 s
  assert.equal(await names(api), []);
});

ttl(`a lease holds at most ${LEASE_MAX_OBJECT_COUNT} objects (defaultLeaseMaxObjectCount)`, async () => {
  const { api, clock } = await setup();
  for (let i = 0; i <= LEASE_MAX_OBJECT_COUNT; i++) await record(api, clock, `p${i}`);
  assert.is(api.leases.granted, 2, '1000 on the first lease, the 1001st on a second');
});

ttl('reuseLease answers as getLease would, at once, and never out of turn while a getLease call waits', async () => {
  const clock = new ManualClock(T0);
  const m = new LeaseManager(asyncStore(new MvccStore({ clock })), clock);
  assert.is(m.reuseLease(3600), undefined, 'no lease yet: a grant is needed');
  const first = m.getLease(3600); // the grant, in flight
  assert.is(m.reuseLease(3600), undefined, 'a call is waiting: no answer before it');
  const id = await first;
  assert.is(m.reuseLease(3600), id, 'within the window, with the grant done: the same lease');
  // The first object, this one, and 998 more make 1000 on the lease; the next needs another lease.
  for (let i = 0; i < LEASE_MAX_OBJECT_COUNT - 2; i++) assert.is(m.reuseLease(3600), id);
  assert.is(m.reuseLease(3600), undefined, `${LEASE_MAX_OBJECT_COUNT} objects on the lease already`);
  const second = await m.getLease(3600);
  assert.is.not(second, id);
  assert.is(m.granted, 2);
  assert.is(m.reuseLease(3600), second, 'the new lease takes the next object');
});

ttl('without eventTtlSeconds (simulations) events get no lease and stay', async () => {
  const { api, mvcc, clock } = await setup(0);
  const name = await record(api, clock, 'a');
  clock.advance(100 * 3600 * S);
  assert.equal(await names(api), [name]);
  assert.is((await mvcc.range({ key: `/registry/events/default/${name}` })).kvs[0]?.lease, 0);
});

const order = suite('events: list order and selectors');

order('a list comes in write order (oldest first), not key order; an update moves an event last', async () => {
  const { api, clock } = await setup();
  const first = await record(api, clock, 'zeta');
  clock.advance(S);
  const second = await record(api, clock, 'alpha');
  clock.advance(S);
  const third = await record(api, clock, 'mid');
  // Key order would be alpha, mid, zeta; the write order is zeta, alpha, mid.
  assert.equal(await names(api), [first, second, third]);
  const e = await api.get<Event>('events', 'default', first);
  await api.update('events', { ...e, count: 2 });
  assert.equal(await names(api), [second, third, first]);
  assert.equal(await names(api, { namespace: 'default' }), [second, third, first], 'the same within one namespace');
});

order('paging: limit/continue walk the write order at one revision; later writes are not in the pages', async () => {
  const { api, clock } = await setup();
  const written: string[] = [];
  for (const o of ['e', 'd', 'c', 'b', 'a']) {
    written.push(await record(api, clock, o));
    clock.advance(S);
  }
  const page1 = await api.list<Event>('events', { limit: 2 });
  assert.equal(page1.items.map((e) => e.metadata.name), written.slice(0, 2));
  assert.is(page1.metadata.remainingItemCount, 3, '5 events, 2 on this page');
  await record(api, clock, 'late'); // after the first page: not part of this list
  const page2 = await api.list<Event>('events', { limit: 2, continue: page1.metadata.continue! });
  const page3 = await api.list<Event>('events', { limit: 2, continue: page2.metadata.continue! });
  assert.equal([...page2.items, ...page3.items].map((e) => e.metadata.name), written.slice(2));
  assert.is(page3.metadata.continue, undefined);
  assert.is(page3.metadata.resourceVersion, page1.metadata.resourceVersion, 'every page at the first page\'s revision');
});

order('field selectors kubectl uses: involvedObject.name/namespace/kind/uid (describe), reason, type, source', async () => {
  const { api, clock } = await setup();
  await record(api, clock, 'web', 'Pulled');
  await recordEvent(api, { involved: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web', uid: 'u-1' }, type: 'Warning', reason: 'BackOff', message: 'Back-off', at: clock.now(), component: 'kubelet' });
  await record(api, clock, 'db', 'Pulled');
  await recordEvent(api, { involved: { apiVersion: 'v1', kind: 'Node', name: 'web' }, type: 'Normal', reason: 'RegisteredNode', message: 'x', at: clock.now(), component: 'node-controller' });
  const reasons = async (fieldSelector: string) => (await api.list<Event>('events', { fieldSelector })).items.map((e) => e.reason);
  assert.equal(await reasons('involvedObject.name=web'), ['Pulled', 'BackOff', 'RegisteredNode']);
  // kubectl describe pod web: name, namespace, kind and uid together.
  assert.equal(await reasons('involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Pod,involvedObject.uid=u-1'), ['BackOff']);
  assert.equal(await reasons('type=Warning'), ['BackOff']);
  assert.equal(await reasons('reason=Pulled,involvedObject.name!=web'), ['Pulled']);
  assert.equal(await reasons('source=node-controller'), ['RegisteredNode']);
});

const cap = suite('events: the EventLog addon caps the count');

cap('more than maxEvents: the oldest by last write go first; an updated event counts as new', async () => {
  const { api, clock } = await setup(0);
  const informers = new SharedInformerFactory(api);
  const log = new EventLog({ api, informers, maxEvents: 3 });
  const pre = [await record(api, clock, 'p0'), await record(api, clock, 'p1'), await record(api, clock, 'p2'), await record(api, clock, 'p3')];
  await log.start(); // 4 listed, cap 3: p0 goes
  await log.idle();
  await settle();
  assert.equal(await names(api), pre.slice(1));
  const e1 = await api.get<Event>('events', 'default', pre[1]!);
  await api.update('events', { ...e1, count: 2 }); // p1 is now the newest
  const p4 = await record(api, clock, 'p4'); // 4 again: the oldest by write is p2
  await settle();
  await log.idle();
  await settle();
  assert.equal(await names(api), [pre[3], pre[1], p4]);
  assert.is(log.trimmed, 2);
  assert.is(log.size, 3);
  informers.stop();
});

cap('property: after any writes, updates and time steps the log is the newest ≤ max events written within the TTL, in write order', async () => {
  type Op = { kind: 'write'; object: number } | { kind: 'update'; pick: number } | { kind: 'advance'; seconds: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), object: fc.nat(4) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('update' as const), pick: fc.nat(50) }) },
    // Steps up to 40 min: two or three in a row carry events across the 3600 s TTL and the 3660 s lease.
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 2400 }) }) },
  );
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(op, { minLength: 1, maxLength: 40 }), async (max, ops) => {
      const ttlSeconds = 3600;
      const { api, clock } = await setup(ttlSeconds);
      const informers = new SharedInformerFactory(api);
      const log = new EventLog({ api, informers, maxEvents: max });
      await log.start();
      // The model: every event's last write time, in write order.
      const writes = new Map<string, number>();
      for (const o of ops) {
        if (o.kind === 'write') {
          const name = await record(api, clock, `pod-${o.object}`);
          writes.delete(name);
          writes.set(name, clock.now());
        } else if (o.kind === 'update') {
          const present = await names(api);
          const name = present[o.pick % Math.max(1, present.length)];
          if (name === undefined) continue;
          const e = await api.get<Event>('events', 'default', name);
          await api.update('events', { ...e, count: (e.count ?? 1) + 1 });
          writes.delete(name);
          writes.set(name, clock.now());
        } else {
          clock.advance(o.seconds * S);
        }
        await settle();
        await log.idle();
        await settle();
      }
      const now = clock.now();
      const listed = await names(api);
      informers.stop();
      // 1. Never more than max.
      if (listed.length > max) return false;
      // 2. In write order: the listed names appear in the model's order.
      const model = [...writes.keys()];
      const positions = listed.map((n) => model.indexOf(n));
      if (positions.some((p, i) => p < 0 || (i > 0 && p <= positions[i - 1]!))) return false;
      // 3. Nothing older than TTL + the 60 s reuse window survives.
      if (listed.some((n) => now - writes.get(n)! >= (ttlSeconds + 60) * S)) return false;
      // 4. The newest `max` events written less than the TTL ago are all there (none was dropped early).
      const mustStay = model.slice(-max).filter((n) => now - writes.get(n)! < ttlSeconds * S);
      return mustStay.every((n) => listed.includes(n));
    }),
    { numRuns: 100, seed: 3 },
  );
});

ttl.run();
order.run();
cap.run();
