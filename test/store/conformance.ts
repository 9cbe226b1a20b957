// The store's conformance suite, model-based: random sequences of put / delete / txn / range / compact / watch /
// lease grant-revoke-keepalive(-expire) over a small key space, each checked against a trivially correct model
// (a full copy of the key space per revision, a flat list of every event ever made). Every read result and
// every delivered watch event must match the model. It runs against any Store (the embedded store in
// model.test.ts, a real etcd in etcd.test.ts); a Backend says what differs between them:
// - where a run starts: the embedded store is fresh (revision 1); an etcd is shared, so each run uses its own
//   key prefix and starts at etcd's current revision, compacted there so the model knows the floor;
// - leases: the embedded store numbers them 1, 2, …, runs on a manual clock (so expiry is tested) and
//   reports remaining time exactly; etcd picks IDs and keeps its own clock (long TTLs, no expiry commands,
//   remaining time within a second);
// - watch delivery: synchronous in the embedded store; over the network, deliveries are awaited (bounded).
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { prefixEnd } from '../../src/store/mvcc.js';
import { StoreError, type KeyValue, type Store, type WatchResponse } from '../../src/store/types.js';
import type { ManualClock } from '../../src/util/clock.js';

const BASE_KEYS = ['a', 'a/1', 'a/2', 'b', 'c'] as const;
type Key = string;

/** What the suite needs from one backend. */
export interface Backend {
  /** A store for one run, the key prefix the run may use, and the revision the run starts at (compacted). */
  open(): Promise<{ store: Store; prefix: string; startRevision: number; close(): Promise<void> }>;
  /** The embedded store's manual clock and exact lease numbering; absent for a real etcd. */
  readonly clock?: (store: Store) => ManualClock;
  /** Lease TTLs to grant (seconds). */
  readonly leaseTtls: readonly number[];
  /** Waits for asynchronous watch deliveries: retries `check` until it passes or the bound passes. */
  readonly settle: (check: () => void) => Promise<void>;
  /** Extra checks the embedded store answers (its revision and lease list). */
  readonly inspect?: (store: Store) => { revision: number; leaseIds(): number[] };
}

interface MKv {
  key: string;
  value: number;
  create: number;
  mod: number;
  version: number;
  lease: number;
}
interface MEvent {
  rev: number;
  type: 'PUT' | 'DELETE';
  key: string;
  value: number | undefined;
  version: number;
  create: number;
  prev: MKv | undefined;
}
interface MWatcher {
  id: number;
  key: string;
  end: string | undefined; // undefined = single key
  start: number;
  prevKv: boolean;
  filter: 'noput' | 'nodelete' | undefined;
  cancelledAtStart: boolean;
  open: boolean;
  received: WatchResponse[];
  /** The revision current when the watcher was cancelled: later events are not expected. */
  closedAtRev: number | undefined;
  /** The oldest watchable revision when the watch was made (what a cancel response reports). */
  floor: number;
  /** The revision and the compacted revision when the watch was made: events up to the first are caught up. */
  madeAt: number;
  compactAtStart: number;
  handle: { cancel(): void };
}
interface MLease {
  id: number;
  ttl: number;
  expiry: number;
  keys: Set<string>;
}

class Model {
  rev: number;
  compactRev: number;
  /** minimum watchable revision */
  watchFloor: number;
  /** The revision before the run's first (1 less than where it starts); picks of revisions are relative to it. */
  readonly base: number;
  keys = new Map<string, MKv>();
  /** state after each revision: states[r] */
  states: Map<number, Map<string, MKv>>;
  events: MEvent[] = [];
  leases = new Map<number, MLease>();
  nextLeaseId = 1;
  now = 0;
  watchers: MWatcher[] = [];

  /** A fresh embedded store: revision 1, nothing compacted, watchable from 1. An etcd run: all at `start`. */
  constructor(start: number, fresh: boolean, readonly prefix: string) {
    this.rev = start;
    this.base = start - 1;
    this.compactRev = fresh ? 0 : start;
    this.watchFloor = start;
    this.states = new Map([[start, new Map()]]);
  }

  /** A revision picked from [start, rev + 1 + extra]: one past the end is a future revision. */
  pickRevision(pick: number, extra = 0): number {
    return this.base + 1 + (pick % (this.rev - this.base + 1 + extra));
  }

  /** Applies a list of changes as one revision; none = no revision. */
  commit(changes: { key: string; value: number | undefined; lease: number }[]): void {
    if (changes.length === 0) return;
    const rev = this.rev + 1;
    for (const c of changes) {
      const prev = this.keys.get(c.key);
      if (prev !== undefined && prev.lease !== 0) this.leases.get(prev.lease)?.keys.delete(c.key);
      if (c.value === undefined) {
        this.keys.delete(c.key);
        this.events.push({ rev, type: 'DELETE', key: c.key, value: undefined, version: 0, create: 0, prev });
      } else {
        const kv: MKv = { key: c.key, value: c.value, create: prev?.create ?? rev, mod: rev, version: (prev?.version ?? 0) + 1, lease: c.lease };
        this.keys.set(c.key, kv);
        if (c.lease !== 0) this.leases.get(c.lease)!.keys.add(c.key);
        this.events.push({ rev, type: 'PUT', key: c.key, value: c.value, version: kv.version, create: kv.create, prev });
      }
    }
    this.rev = rev;
    this.states.set(rev, new Map(this.keys));
  }

  rangeAt(key: string, end: string | undefined, rev: number): MKv[] {
    const state = this.states.get(rev)!;
    return [...state.values()].filter((kv) => inRange(kv.key, key, end)).sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  expire(): void {
    const due = [...this.leases.values()].filter((l) => l.expiry <= this.now).sort((a, b) => a.expiry - b.expiry || a.id - b.id);
    for (const l of due) this.revoke(l.id);
  }

  revoke(id: number): void {
    const l = this.leases.get(id)!;
    const keys = [...l.keys].sort();
    this.commit(keys.map((key) => ({ key, value: undefined, lease: 0 })));
    this.leases.delete(id);
  }
}

function inRange(k: string, key: string, end: string | undefined): boolean {
  return end === undefined ? k === key : k >= key && k < end;
}

interface Real {
  store: Store;
  backend: Backend;
}

async function errCode(p: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await p();
    return undefined;
  } catch (err) {
    if (err instanceof StoreError) return err.code;
    throw err;
  }
}

function sameKv(real: KeyValue, m: MKv): void {
  assert.equal(
    { key: real.key, value: real.value, create: real.createRevision, mod: real.modRevision, version: real.version, lease: real.lease },
    { key: m.key, value: m.value, create: m.create, mod: m.mod, version: m.version, lease: m.lease },
  );
}

const settled = (m: Model, r: Real): Promise<void> => r.backend.settle(() => checkWatchers(m, r.backend.clock === undefined));

/** Checks every open watcher's deliveries against the model's event list. */
function checkWatchers(m: Model, lagging: boolean): void {
  for (const w of m.watchers) {
    if (w.cancelledAtStart) {
      assert.is(w.received.length, 1, `watcher ${w.id} below the floor gets one cancel response`);
      assert.is(w.received[0]!.canceled, true);
      assert.is(w.received[0]!.compactRevision, w.floor);
      continue;
    }
    const upTo = w.closedAtRev ?? m.rev;
    let expected = m.events.filter(
      (e) =>
        e.rev >= w.start && e.rev <= upTo && inRange(e.key, w.key, w.end) &&
        !(w.filter === 'noput' && e.type === 'PUT') && !(w.filter === 'nodelete' && e.type === 'DELETE'),
    );
    const got = w.received.flatMap((r) => r.events);
    const cancel = w.received.findIndex((r) => r.canceled === true);
    if (cancel >= 0) {
      // Only a remote store's watcher that was still catching up on history may be cancelled by a later
      // compaction (etcd's unsynced watchers, watchable_store.go); then it saw a prefix of its events and the
      // cancel, naming a compaction that really happened, is the last thing it got.
      assert.ok(lagging, `watcher ${w.id} was cancelled although its start was watchable`);
      assert.is(cancel, w.received.length - 1, 'nothing after the cancel');
      const c = w.received[cancel]!.compactRevision ?? 0;
      assert.ok(c > w.start && c <= m.compactRev, `cancelled at compaction ${c}: after its start ${w.start}, not after the last compaction ${m.compactRev}`);
      expected = expected.slice(0, got.length);
      w.open = false;
    }
    assert.is(got.length, expected.length, `watcher ${w.id} on ${w.key}..${w.end ?? ''} from ${w.start}: event count`);
    got.forEach((ev, i) => {
      const e = expected[i]!;
      assert.equal(
        { type: ev.type, key: ev.kv.key, rev: ev.kv.modRevision, value: ev.kv.value, version: ev.kv.version, create: ev.kv.createRevision },
        { type: e.type, key: e.key, rev: e.rev, value: e.value, version: e.version, create: e.create },
      );
      // etcd reads a caught-up event's prevKv at its revision - 1 (v3rpc/watch.go sendLoop), which fails once
      // compacted: an event at the compacted revision comes without it. A remote store may catch up after a
      // later compaction, so there an event at or below the current compacted revision may lack it too.
      const compactedAway =
        (e.rev <= w.madeAt && e.rev === w.compactAtStart) || (lagging && e.rev <= m.compactRev && ev.prevKv === undefined);
      if (w.prevKv && e.prev !== undefined && !compactedAway) sameKv(ev.prevKv!, e.prev);
      else assert.is(ev.prevKv, undefined);
    });
    // Atomic: one revision's events never span two responses.
    const seen = new Set<number>();
    for (const r of w.received) {
      const revs = new Set(r.events.map((e) => e.kv.modRevision));
      for (const rev of revs) {
        assert.not.ok(seen.has(rev), `revision ${rev} split across responses`);
        seen.add(rev);
      }
    }
  }
}

type Cmd = fc.AsyncCommand<Model, Real>;
const keyArb = fc.constantFrom<Key>(...BASE_KEYS);
const scopeArb = fc.record({ key: keyArb, prefix: fc.boolean() });

/** The run's own key for a base key. */
const at = (m: Model, key: Key): string => m.prefix + key;

function scope(m: Model, s: { key: string; prefix: boolean }): { key: string; end: string | undefined } {
  const key = at(m, s.key);
  return { key, end: s.prefix ? prefixEnd(key) : undefined };
}

class PutCmd implements Cmd {
  constructor(readonly key: Key, readonly value: number, readonly leasePick: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const ids = [...m.leases.keys()];
    const lease = this.leasePick === 0 || ids.length === 0 ? (this.leasePick === 99 ? 12345 : 0) : ids[this.leasePick % ids.length]!;
    const key = at(m, this.key);
    const prev = m.keys.get(key);
    let res: Awaited<ReturnType<Store['put']>> | undefined;
    const code = await errCode(async () => (res = await r.store.put({ key, value: this.value, lease, prevKv: true })));
    if (lease !== 0 && !m.leases.has(lease)) {
      assert.is(code, 'ErrLeaseNotFound');
    } else {
      assert.is(code, undefined);
      m.commit([{ key, value: this.value, lease }]);
      assert.is(res!.header.revision, m.rev);
      if (prev === undefined) assert.is(res!.prevKv, undefined);
      else sameKv(res!.prevKv!, prev);
    }
    await settled(m, r);
  }
  toString = () => `put(${this.key}=${this.value}, lease#${this.leasePick})`;
}

class DeleteCmd implements Cmd {
  constructor(readonly s: { key: Key; prefix: boolean }) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const { key, end } = scope(m, this.s);
    const victims = m.rangeAt(key, end, m.rev);
    const res = await r.store.deleteRange({ key, ...(end !== undefined ? { rangeEnd: end } : {}), prevKv: true });
    m.commit(victims.map((v) => ({ key: v.key, value: undefined, lease: 0 })));
    assert.is(res.deleted, victims.length);
    assert.is(res.header.revision, m.rev, 'a delete of nothing makes no revision');
    res.prevKvs.forEach((kv, i) => sameKv(kv, victims[i]!));
    await settled(m, r);
  }
  toString = () => `delete(${this.s.key}${this.s.prefix ? '*' : ''})`;
}

class TxnCmd implements Cmd {
  constructor(
    readonly cmpKey: Key,
    readonly target: 'mod' | 'version' | 'create' | 'value' | 'lease',
    readonly result: 'equal' | 'not_equal' | 'greater' | 'less',
    readonly useActual: boolean,
    readonly operand: number,
    readonly putKey: Key,
    readonly putValue: number,
    readonly delScope: { key: Key; prefix: boolean },
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const cmpKey = at(m, this.cmpKey);
    const putKey = at(m, this.putKey);
    const cur = m.keys.get(cmpKey);
    const actual =
      cur === undefined
        ? 0
        : this.target === 'mod' ? cur.mod : this.target === 'version' ? cur.version : this.target === 'create' ? cur.create : this.target === 'lease' ? cur.lease : cur.value;
    const operand = this.useActual ? actual : this.operand;
    let holds: boolean;
    if (cur === undefined && this.target === 'value') holds = false;
    else {
      // etcd compares values as bytes; values are stored as JSON text, so 2 > 10 here.
      const [x, y] = this.target === 'value' ? [JSON.stringify(actual), JSON.stringify(operand)] : [actual, operand];
      const c = x < y ? -1 : x > y ? 1 : 0;
      holds = this.result === 'equal' ? c === 0 : this.result === 'not_equal' ? c !== 0 : this.result === 'greater' ? c > 0 : c < 0;
    }
    const { key: dk, end: de } = scope(m, this.delScope);
    const res = await r.store.txn({
      compare: [{ key: cmpKey, target: this.target, result: this.result, operand }],
      success: [{ put: { key: putKey, value: this.putValue } }, { range: { key: putKey } }],
      failure: [{ deleteRange: { key: dk, ...(de !== undefined ? { rangeEnd: de } : {}) } }, { range: { key: dk, ...(de !== undefined ? { rangeEnd: de } : {}) } }],
    });
    assert.is(res.succeeded, holds, 'compare outcome');
    if (holds) {
      m.commit([{ key: putKey, value: this.putValue, lease: 0 }]);
      // The range after the put, inside the same transaction, sees the put.
      const inner = res.responses[1] as { range: { kvs: KeyValue[] } };
      sameKv(inner.range.kvs[0]!, m.keys.get(putKey)!);
    } else {
      const victims = m.rangeAt(dk, de, m.rev);
      m.commit(victims.map((v) => ({ key: v.key, value: undefined, lease: 0 })));
      const inner = res.responses[1] as { range: { kvs: KeyValue[]; count: number } };
      assert.is(inner.range.count, 0, 'the range after the delete, in the same transaction, sees nothing');
    }
    assert.is(res.header.revision, m.rev);
    await settled(m, r);
  }
  toString = () =>
    `txn(${this.target}(${this.cmpKey}) ${this.result} ${this.useActual ? 'actual' : this.operand} ? put ${this.putKey}=${this.putValue} : del ${this.delScope.key}${this.delScope.prefix ? '*' : ''})`;
}

class RangeCmd implements Cmd {
  constructor(readonly s: { key: Key; prefix: boolean }, readonly revPick: number, readonly limit: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const { key, end } = scope(m, this.s);
    // revPick 0 = current; otherwise anywhere from the run's start to rev + 1 (one past the end is a future revision).
    const rev = this.revPick === 0 ? 0 : m.pickRevision(this.revPick);
    let res: Awaited<ReturnType<Store['range']>> | undefined;
    const code = await errCode(async () => (res = await r.store.range({ key, ...(end !== undefined ? { rangeEnd: end } : {}), revision: rev, limit: this.limit })));
    if (rev > m.rev) return assert.is(code, 'ErrFutureRev');
    if (rev !== 0 && rev < m.compactRev) return assert.is(code, 'ErrCompacted');
    assert.is(code, undefined);
    const want = m.rangeAt(key, end, rev === 0 ? m.rev : rev);
    assert.is(res!.count, want.length);
    const shown = this.limit > 0 ? want.slice(0, this.limit) : want;
    assert.is(res!.kvs.length, shown.length);
    assert.is(res!.more, shown.length < want.length);
    res!.kvs.forEach((kv, i) => sameKv(kv, shown[i]!));
    assert.is(res!.header.revision, m.rev, 'the header carries the current revision, also for old reads');
  }
  toString = () => `range(${this.s.key}${this.s.prefix ? '*' : ''}, rev#${this.revPick}, limit ${this.limit})`;
}

class CompactCmd implements Cmd {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const rev = m.pickRevision(this.pick);
    const code = await errCode(() => r.store.compact(rev));
    if (rev <= m.compactRev) return assert.is(code, 'ErrCompacted');
    if (rev > m.rev) return assert.is(code, 'ErrFutureRev');
    assert.is(code, undefined);
    m.compactRev = rev;
    m.watchFloor = rev;
  }
  toString = () => `compact(#${this.pick})`;
}

class WatchCmd implements Cmd {
  constructor(
    readonly s: { key: Key; prefix: boolean },
    readonly startPick: number,
    readonly prevKv: boolean,
    readonly filter: 'noput' | 'nodelete' | undefined,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const { key, end } = scope(m, this.s);
    const start = this.startPick === 0 ? 0 : m.pickRevision(this.startPick, 2); // includes future revisions
    const received: WatchResponse[] = [];
    const w = r.store.watch(
      { key, ...(end !== undefined ? { rangeEnd: end } : {}), startRevision: start, prevKv: this.prevKv, ...(this.filter ? { filters: [this.filter] } : {}) },
      (res) => received.push(res),
    );
    const effStart = start === 0 ? m.rev + 1 : start;
    const mw: MWatcher = {
      id: w.id,
      key,
      end,
      start: effStart,
      prevKv: this.prevKv,
      filter: this.filter,
      cancelledAtStart: effStart < m.watchFloor,
      open: true,
      received,
      closedAtRev: undefined,
      floor: m.watchFloor,
      madeAt: m.rev,
      compactAtStart: m.compactRev,
      handle: w,
    };
    m.watchers.push(mw);
    await settled(m, r);
  }
  toString = () => `watch(${this.s.key}${this.s.prefix ? '*' : ''}, start#${this.startPick}, prevKv=${this.prevKv}, ${this.filter ?? 'all'})`;
}

class CancelWatchCmd implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.watchers.some((w) => w.open);
  async run(m: Model, r: Real): Promise<void> {
    // Everything up to now has arrived before the cancel (immediate for the embedded store).
    await settled(m, r);
    const open = m.watchers.filter((w) => w.open);
    const w = open[this.pick % open.length]!;
    w.handle.cancel();
    w.open = false;
    w.closedAtRev = m.rev;
  }
  toString = () => `cancelWatch(#${this.pick})`;
}

class GrantCmd implements Cmd {
  constructor(readonly ttlPick: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const ttl = r.backend.leaseTtls[this.ttlPick % r.backend.leaseTtls.length]!;
    const res = await r.store.leaseGrant(ttl);
    if (r.backend.clock !== undefined) assert.is(res.id, m.nextLeaseId, 'the embedded store numbers leases 1, 2, ...');
    assert.not.ok(m.leases.has(res.id), 'a new lease has a new ID');
    assert.is(res.ttl, ttl);
    m.leases.set(res.id, { id: res.id, ttl, expiry: m.now + ttl * 1000, keys: new Set() });
    m.nextLeaseId++;
  }
  toString = () => `grant(ttl#${this.ttlPick})`;
}

class RevokeCmd implements Cmd {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const ids = [...m.leases.keys()];
    const id = ids.length === 0 || this.pick === 7 ? 999 : ids[this.pick % ids.length]!;
    const code = await errCode(() => r.store.leaseRevoke(id));
    if (!m.leases.has(id)) return assert.is(code, 'ErrLeaseNotFound');
    assert.is(code, undefined);
    m.revoke(id);
    await settled(m, r);
  }
  toString = () => `revoke(#${this.pick})`;
}

class KeepAliveCmd implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.leases.size > 0;
  async run(m: Model, r: Real): Promise<void> {
    const ids = [...m.leases.keys()];
    const l = m.leases.get(ids[this.pick % ids.length]!)!;
    assert.is(await r.store.leaseKeepAlive(l.id), l.ttl);
    l.expiry = m.now + l.ttl * 1000;
    const ttl = await r.store.leaseTimeToLive(l.id, true);
    // Exact on the manual clock; etcd's own clock has moved by a few milliseconds, truncated to whole seconds.
    if (r.backend.clock !== undefined) assert.is(ttl.ttl, l.ttl);
    else assert.ok(ttl.ttl === l.ttl || ttl.ttl === l.ttl - 1, `remaining ${ttl.ttl} s of ${l.ttl} s`);
    assert.is(ttl.grantedTtl, l.ttl);
    assert.equal(ttl.keys, [...l.keys].sort());
  }
  toString = () => `keepAlive(#${this.pick})`;
}

/** Embedded store only: time passes on its manual clock and leases expire. */
class AdvanceCmd implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    r.backend.clock!(r.store).advance(this.ms);
    m.now += this.ms;
    m.expire();
    const inspect = r.backend.inspect!(r.store);
    assert.is(inspect.revision, m.rev, 'expired leases delete their keys, one revision per lease');
    assert.equal(inspect.leaseIds(), [...m.leases.keys()].sort((a, b) => a - b));
    for (const l of m.leases.values()) {
      // Remaining time truncated to whole seconds: expires in under ttl + 1 seconds.
      assert.is((await r.store.leaseTimeToLive(l.id)).ttl, Math.floor((l.expiry - m.now) / 1000));
    }
    assert.is((await r.store.leaseTimeToLive(4242)).ttl, -1);
    await settled(m, r);
  }
  toString = () => `advance(${this.ms}ms)`;
}

function commands(withClock: boolean) {
  return [
    fc.tuple(keyArb, fc.integer({ min: 0, max: 9 }), fc.constantFrom(0, 0, 1, 2, 99)).map(([k, v, l]) => new PutCmd(k, v, l)),
    scopeArb.map((s) => new DeleteCmd(s)),
    fc
      .tuple(
        keyArb,
        fc.constantFrom('mod' as const, 'version' as const, 'create' as const, 'value' as const, 'lease' as const),
        fc.constantFrom('equal' as const, 'not_equal' as const, 'greater' as const, 'less' as const),
        fc.boolean(),
        fc.integer({ min: 0, max: 12 }),
        keyArb,
        fc.integer({ min: 0, max: 9 }),
        scopeArb,
      )
      .map((a) => new TxnCmd(...a)),
    fc.tuple(scopeArb, fc.nat(50), fc.constantFrom(0, 0, 1, 2)).map(([s, rev, limit]) => new RangeCmd(s, rev, limit)),
    fc.nat(50).map((p) => new CompactCmd(p)),
    fc
      .tuple(scopeArb, fc.nat(50), fc.boolean(), fc.constantFrom(undefined, undefined, 'noput' as const, 'nodelete' as const))
      .map(([s, p, prev, f]) => new WatchCmd(s, p, prev, f)),
    fc.nat(10).map((p) => new CancelWatchCmd(p)),
    fc.nat(3).map((t) => new GrantCmd(t)),
    fc.nat(8).map((p) => new RevokeCmd(p)),
    fc.nat(8).map((p) => new KeepAliveCmd(p)),
    ...(withClock ? [fc.integer({ min: 0, max: 2500 }).map((ms) => new AdvanceCmd(ms))] : []),
  ];
}

/** Runs `numRuns` random command sequences (seeded when `seed` is given) against the backend. */
export async function runConformance(backend: Backend, options: { numRuns: number; maxCommands: number; seed?: number }): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands(backend.clock !== undefined), { maxCommands: options.maxCommands, size: 'medium' }), async (cmds) => {
      const opened = await backend.open();
      const model = new Model(opened.startRevision, backend.clock !== undefined, opened.prefix);
      try {
        await fc.asyncModelRun(() => ({ model, real: { store: opened.store, backend } }), cmds);
      } finally {
        // A shared etcd outlives the run: its leases must not expire into the next run's revisions.
        for (const id of model.leases.keys()) await opened.store.leaseRevoke(id).catch(() => undefined);
        await opened.close();
      }
    }),
    { numRuns: options.numRuns, ...(options.seed !== undefined ? { seed: options.seed } : {}) },
  );
}

/** Waits for a check to pass: retried every few milliseconds until it does or `ms` have passed. */
export async function eventually(check: () => void, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}
