// Model-based test of the embedded store: random sequences of put / delete / txn / range / compact / watch /
// lease grant-revoke-keepalive-expire over a small key space, each checked against a trivially correct model
// (a full copy of the key space per revision, a flat list of every event ever made). Every read result and
// every delivered watch event must match the model.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { MvccStore, prefixEnd } from '../../src/store/mvcc.js';
import { StoreError, type KeyValue, type WatchResponse } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';

const KEYS = ['a', 'a/1', 'a/2', 'b', 'c'] as const;
type Key = (typeof KEYS)[number];

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
  handle: { cancel(): void };
}
interface MLease {
  id: number;
  ttl: number;
  expiry: number;
  keys: Set<string>;
}

class Model {
  rev = 1;
  compactRev = 0;
  /** minimum watchable revision */
  watchFloor = 1;
  keys = new Map<string, MKv>();
  /** state after each revision: states[r] */
  states: Map<number, Map<string, MKv>> = new Map([[1, new Map()]]);
  events: MEvent[] = [];
  leases = new Map<number, MLease>();
  nextLeaseId = 1;
  now = 0;
  watchers: MWatcher[] = [];

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
  store: MvccStore;
  clock: ManualClock;
}

function errCode(fn: () => unknown): string | undefined {
  try {
    fn();
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

/** Checks every open watcher's deliveries against the model's event list. */
function checkWatchers(m: Model): void {
  for (const w of m.watchers) {
    if (w.cancelledAtStart) {
      assert.is(w.received.length, 1, `watcher ${w.id} below the floor gets one cancel response`);
      assert.is(w.received[0]!.canceled, true);
      assert.is(w.received[0]!.compactRevision, w.floor);
      continue;
    }
    const upTo = w.closedAtRev ?? m.rev;
    const expected = m.events.filter(
      (e) =>
        e.rev >= w.start && e.rev <= upTo && inRange(e.key, w.key, w.end) &&
        !(w.filter === 'noput' && e.type === 'PUT') && !(w.filter === 'nodelete' && e.type === 'DELETE'),
    );
    const got = w.received.flatMap((r) => r.events);
    assert.is(got.length, expected.length, `watcher ${w.id} on ${w.key}..${w.end ?? ''} from ${w.start}: event count`);
    got.forEach((ev, i) => {
      const e = expected[i]!;
      assert.equal(
        { type: ev.type, key: ev.kv.key, rev: ev.kv.modRevision, value: ev.kv.value, version: ev.kv.version, create: ev.kv.createRevision },
        { type: e.type, key: e.key, rev: e.rev, value: e.value, version: e.version, create: e.create },
      );
      if (w.prevKv && e.prev !== undefined) sameKv(ev.prevKv!, e.prev);
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

type Cmd = fc.Command<Model, Real>;
const keyArb = fc.constantFrom<Key>(...KEYS);
const scopeArb = fc.record({ key: keyArb, prefix: fc.boolean() });

function scope(s: { key: string; prefix: boolean }): { key: string; end: string | undefined } {
  return { key: s.key, end: s.prefix ? prefixEnd(s.key) : undefined };
}

class PutCmd implements Cmd {
  constructor(readonly key: Key, readonly value: number, readonly leasePick: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const ids = [...m.leases.keys()];
    const lease = this.leasePick === 0 || ids.length === 0 ? (this.leasePick === 99 ? 12345 : 0) : ids[this.leasePick % ids.length]!;
    const prev = m.keys.get(this.key);
    let res: ReturnType<MvccStore['put']> | undefined;
    const code = errCode(() => (res = r.store.put({ key: this.key, value: this.value, lease, prevKv: true })));
    if (lease !== 0 && !m.leases.has(lease)) {
      assert.is(code, 'ErrLeaseNotFound');
    } else {
      assert.is(code, undefined);
      m.commit([{ key: this.key, value: this.value, lease }]);
      assert.is(res!.header.revision, m.rev);
      if (prev === undefined) assert.is(res!.prevKv, undefined);
      else sameKv(res!.prevKv!, prev);
    }
    checkWatchers(m);
  }
  toString = () => `put(${this.key}=${this.value}, lease#${this.leasePick})`;
}

class DeleteCmd implements Cmd {
  constructor(readonly s: { key: Key; prefix: boolean }) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const { key, end } = scope(this.s);
    const victims = m.rangeAt(key, end, m.rev);
    const res = r.store.deleteRange({ key, ...(end !== undefined ? { rangeEnd: end } : {}), prevKv: true });
    m.commit(victims.map((v) => ({ key: v.key, value: undefined, lease: 0 })));
    assert.is(res.deleted, victims.length);
    assert.is(res.header.revision, m.rev, 'a delete of nothing makes no revision');
    res.prevKvs.forEach((kv, i) => sameKv(kv, victims[i]!));
    checkWatchers(m);
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
  run(m: Model, r: Real): void {
    const cur = m.keys.get(this.cmpKey);
    const actual =
      cur === undefined
        ? 0
        : this.target === 'mod' ? cur.mod : this.target === 'version' ? cur.version : this.target === 'create' ? cur.create : this.target === 'lease' ? cur.lease : cur.value;
    const operand = this.useActual ? actual : this.operand;
    let holds: boolean;
    if (cur === undefined && this.target === 'value') holds = false;
    else {
      // etcd compares values as bytes; the embedded store compares the JSON text, so 2 > 10 here.
      const [x, y] = this.target === 'value' ? [JSON.stringify(actual), JSON.stringify(operand)] : [actual, operand];
      const c = x < y ? -1 : x > y ? 1 : 0;
      holds = this.result === 'equal' ? c === 0 : this.result === 'not_equal' ? c !== 0 : this.result === 'greater' ? c > 0 : c < 0;
    }
    const { key: dk, end: de } = scope(this.delScope);
    const res = r.store.txn({
      compare: [{ key: this.cmpKey, target: this.target, result: this.result, operand }],
      success: [{ put: { key: this.putKey, value: this.putValue } }, { range: { key: this.putKey } }],
      failure: [{ deleteRange: { key: dk, ...(de !== undefined ? { rangeEnd: de } : {}) } }, { range: { key: dk, ...(de !== undefined ? { rangeEnd: de } : {}) } }],
    });
    assert.is(res.succeeded, holds, 'compare outcome');
    if (holds) {
      m.commit([{ key: this.putKey, value: this.putValue, lease: 0 }]);
      // The range after the put, inside the same transaction, sees the put.
      const inner = res.responses[1] as { range: { kvs: KeyValue[] } };
      sameKv(inner.range.kvs[0]!, m.keys.get(this.putKey)!);
    } else {
      const victims = m.rangeAt(dk, de, m.rev);
      m.commit(victims.map((v) => ({ key: v.key, value: undefined, lease: 0 })));
      const inner = res.responses[1] as { range: { kvs: KeyValue[]; count: number } };
      assert.is(inner.range.count, 0, 'the range after the delete, in the same transaction, sees nothing');
    }
    assert.is(res.header.revision, m.rev);
    checkWatchers(m);
  }
  toString = () =>
    `txn(${this.target}(${this.cmpKey}) ${this.result} ${this.useActual ? 'actual' : this.operand} ? put ${this.putKey}=${this.putValue} : del ${this.delScope.key}${this.delScope.prefix ? '*' : ''})`;
}

class RangeCmd implements Cmd {
  constructor(readonly s: { key: Key; prefix: boolean }, readonly revPick: number, readonly limit: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const { key, end } = scope(this.s);
    // revPick 0 = current; otherwise anywhere from 1 to rev + 1 (one past the end is a future revision).
    const rev = this.revPick === 0 ? 0 : 1 + (this.revPick % (m.rev + 1));
    let res: ReturnType<MvccStore['range']> | undefined;
    const code = errCode(() => (res = r.store.range({ key, ...(end !== undefined ? { rangeEnd: end } : {}), revision: rev, limit: this.limit })));
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
  run(m: Model, r: Real): void {
    const rev = 1 + (this.pick % (m.rev + 1));
    const code = errCode(() => r.store.compact(rev));
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
  run(m: Model, r: Real): void {
    const { key, end } = scope(this.s);
    const start = this.startPick === 0 ? 0 : 1 + (this.startPick % (m.rev + 3)); // includes future revisions
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
      handle: w,
    };
    m.watchers.push(mw);
    checkWatchers(m);
  }
  toString = () => `watch(${this.s.key}${this.s.prefix ? '*' : ''}, start#${this.startPick}, prevKv=${this.prevKv}, ${this.filter ?? 'all'})`;
}

class CancelWatchCmd implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.watchers.some((w) => w.open);
  run(m: Model): void {
    const open = m.watchers.filter((w) => w.open);
    const w = open[this.pick % open.length]!;
    w.handle.cancel();
    w.open = false;
    w.closedAtRev = m.rev;
  }
  toString = () => `cancelWatch(#${this.pick})`;
}

class GrantCmd implements Cmd {
  constructor(readonly ttl: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const res = r.store.leaseGrant(this.ttl);
    assert.is(res.id, m.nextLeaseId);
    assert.is(res.ttl, this.ttl);
    m.leases.set(res.id, { id: res.id, ttl: this.ttl, expiry: m.now + this.ttl * 1000, keys: new Set() });
    m.nextLeaseId++;
  }
  toString = () => `grant(${this.ttl}s)`;
}

class RevokeCmd implements Cmd {
  constructor(readonly pick: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const ids = [...m.leases.keys()];
    const id = ids.length === 0 || this.pick === 7 ? 999 : ids[this.pick % ids.length]!;
    const code = errCode(() => r.store.leaseRevoke(id));
    if (!m.leases.has(id)) return assert.is(code, 'ErrLeaseNotFound');
    assert.is(code, undefined);
    m.revoke(id);
    checkWatchers(m);
  }
  toString = () => `revoke(#${this.pick})`;
}

class KeepAliveCmd implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.leases.size > 0;
  run(m: Model, r: Real): void {
    const ids = [...m.leases.keys()];
    const l = m.leases.get(ids[this.pick % ids.length]!)!;
    assert.is(r.store.leaseKeepAlive(l.id), l.ttl);
    l.expiry = m.now + l.ttl * 1000;
    const ttl = r.store.leaseTimeToLive(l.id, true);
    assert.is(ttl.ttl, l.ttl);
    assert.equal(ttl.keys, [...l.keys].sort());
  }
  toString = () => `keepAlive(#${this.pick})`;
}

class AdvanceCmd implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.clock.advance(this.ms);
    m.now += this.ms;
    m.expire();
    assert.is(r.store.revision, m.rev, 'expired leases delete their keys, one revision per lease');
    assert.equal(r.store.leaseIds(), [...m.leases.keys()].sort((a, b) => a - b));
    for (const l of m.leases.values()) {
      // Remaining time truncated to whole seconds: expires in under ttl + 1 seconds.
      assert.is(r.store.leaseTimeToLive(l.id).ttl, Math.floor((l.expiry - m.now) / 1000));
    }
    assert.is(r.store.leaseTimeToLive(4242).ttl, -1);
    checkWatchers(m);
  }
  toString = () => `advance(${this.ms}ms)`;
}

const commands = [
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
  fc.integer({ min: 1, max: 4 }).map((t) => new GrantCmd(t)),
  fc.nat(8).map((p) => new RevokeCmd(p)),
  fc.nat(8).map((p) => new KeepAliveCmd(p)),
  fc.integer({ min: 0, max: 2500 }).map((ms) => new AdvanceCmd(ms)),
];

test('store matches the model over random command sequences', () => {
  fc.assert(
    fc.property(fc.commands(commands, { maxCommands: 80, size: "medium" }), (cmds) => {
      const setup = () => {
        const clock = new ManualClock(0);
        return { model: new Model(), real: { clock, store: new MvccStore({ clock, minLeaseTtl: 1 }) } };
      };
      fc.modelRun(setup, cmds);
    }),
    { numRuns: 1000, seed: 20261128 },
  );
});

test('store matches the model with an unseeded run too (new sequences each CI run)', () => {
  fc.assert(
    fc.property(fc.commands(commands, { maxCommands: 60, size: "medium" }), (cmds) => {
      const clock = new ManualClock(0);
      fc.modelRun(() => ({ model: new Model(), real: { clock, store: new MvccStore({ clock, minLeaseTtl: 1 }) } }), cmds);
    }),
    { numRuns: 400 },
  );
});

test.run();
