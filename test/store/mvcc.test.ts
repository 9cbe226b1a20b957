// Table tests of the embedded store's etcd semantics; each case says where the rule comes from.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { MvccStore, prefixEnd } from '../../src/store/mvcc.js';
import { SortedKeys } from '../../src/store/sortedkeys.js';
import { asyncStore } from '../../src/store/embedded.js';
import { StoreError, type WatchResponse } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof StoreError) return err.code;
    throw err;
  }
  return undefined;
}

const revisions = suite('revisions and versions');

revisions('an empty store is at revision 1; each write makes exactly one revision (data_model.md)', () => {
  const s = new MvccStore();
  assert.is(s.revision, 1);
  assert.is(s.put({ key: 'foo', value: 'a' }).header.revision, 2);
  assert.is(s.put({ key: 'foo', value: 'b' }).header.revision, 3);
  // A delete of nothing and a read-only txn make no revision (kvstore_txn.go End: only when changes != 0).
  assert.is(s.deleteRange({ key: 'nope' }).header.revision, 3);
  assert.is(s.txn({ compare: [], success: [{ range: { key: 'foo' } }], failure: [] }).header.revision, 3);
  // A txn with three puts is one revision: 3 + 1 = 4.
  s.txn({ compare: [], success: [{ put: { key: 'x', value: 1 } }, { put: { key: 'y', value: 2 } }, { put: { key: 'z', value: 3 } }], failure: [] });
  assert.is(s.revision, 4);
  const kvs = s.range({ key: 'x', rangeEnd: '{' }).kvs;
  assert.equal(kvs.map((kv) => [kv.key, kv.modRevision]), [['x', 4], ['y', 4], ['z', 4]]);
});

revisions('version counts puts in the key\'s generation; create_revision survives updates, not deletes', () => {
  const s = new MvccStore();
  s.put({ key: 'k', value: 1 }); // rev 2: create 2, mod 2, version 1
  s.put({ key: 'k', value: 2 }); // rev 3: create 2, mod 3, version 2
  let kv = s.range({ key: 'k' }).kvs[0]!;
  assert.equal([kv.createRevision, kv.modRevision, kv.version], [2, 3, 2]);
  s.deleteRange({ key: 'k' }); // rev 4: tombstone, version reset
  s.put({ key: 'k', value: 3 }); // rev 5: a new generation: create 5, version 1
  kv = s.range({ key: 'k' }).kvs[0]!;
  assert.equal([kv.createRevision, kv.modRevision, kv.version], [5, 5, 1]);
  // Time travel: at revision 3 the key had value 2; at 4 it did not exist.
  assert.is(s.range({ key: 'k', revision: 3 }).kvs[0]!.value, 2);
  assert.is(s.range({ key: 'k', revision: 4 }).count, 0);
});

revisions('reads past the current revision are ErrFutureRev; the header is the current revision', () => {
  const s = new MvccStore();
  s.put({ key: 'a', value: 1 });
  assert.is(code(() => s.range({ key: 'a', revision: 3 })), 'ErrFutureRev');
  assert.is(s.range({ key: 'a', revision: 1 }).header.revision, 2);
  assert.is(code(() => s.put({ key: '', value: 1 })), 'ErrEmptyKey');
});

const ranges = suite('ranges');

ranges('prefixEnd follows etcd\'s GetPrefixRangeEnd ("aa"+1 = "ab", "a\\uffff"+1 = "b")', () => {
  assert.is(prefixEnd('aa'), 'ab');
  assert.is(prefixEnd('/registry/pods/'), '/registry/pods0'); // '/' + 1 = '0'
  assert.is(prefixEnd('a\uffff'), 'b');
  assert.is(prefixEnd('\uffff'), '\0'); // no key follows every such key: the whole key space
});

ranges('limit cuts kvs but not count; more says so; keysOnly and countOnly (rpc.proto RangeResponse)', () => {
  const s = new MvccStore();
  for (const k of ['p/c', 'p/a', 'q', 'p/b']) s.put({ key: k, value: k.toUpperCase() });
  const end = prefixEnd('p/');
  const r = s.range({ key: 'p/', rangeEnd: end, limit: 2 });
  assert.equal(r.kvs.map((kv) => kv.key), ['p/a', 'p/b']); // sorted by key, not by write order
  assert.is(r.count, 3);
  assert.is(r.more, true);
  const keysOnly = s.range({ key: 'p/', rangeEnd: end, keysOnly: true });
  assert.equal(keysOnly.kvs.map((kv) => [kv.key, kv.value]), [['p/a', undefined], ['p/b', undefined], ['p/c', undefined]]);
  const countOnly = s.range({ key: 'p/', rangeEnd: end, countOnly: true });
  assert.equal([countOnly.kvs.length, countOnly.count], [0, 3]);
  // rangeEnd "\0" means every key >= key; key "\0" with it means all keys (api.md "Key ranges").
  assert.equal(s.range({ key: 'p/b', rangeEnd: '\0' }).kvs.map((kv) => kv.key), ['p/b', 'p/c', 'q']);
  assert.is(s.range({ key: '\0', rangeEnd: '\0' }).count, 4);
});

const txns = suite('transactions');

txns('create-if-absent with mod_revision == 0, as kube-apiserver creates objects (store.go Create)', () => {
  const s = new MvccStore();
  const create = (v: number) =>
    s.txn({ compare: [{ key: '/registry/pods/default/p', target: 'mod', result: 'equal', operand: 0 }], success: [{ put: { key: '/registry/pods/default/p', value: v } }], failure: [{ range: { key: '/registry/pods/default/p' } }] });
  assert.is(create(1).succeeded, true);
  const second = create(2);
  assert.is(second.succeeded, false); // AlreadyExists: the failure branch returns the object
  const got = second.responses[0] as { range: { kvs: { value: unknown }[] } };
  assert.is(got.range.kvs[0]!.value, 1);
  assert.is(s.revision, 2, 'the failed create made no revision');
});

txns('a value compare on a missing key always fails (txn.go applyCompare)', () => {
  const s = new MvccStore();
  const r = s.txn({ compare: [{ key: 'missing', target: 'value', result: 'not_equal', operand: 'x' }], success: [], failure: [] });
  assert.is(r.succeeded, false);
});

txns('one key modified twice in a branch is ErrDuplicateKey; more than 128 ops is ErrTooManyOps', () => {
  const s = new MvccStore();
  assert.is(code(() => s.txn({ compare: [], success: [{ put: { key: 'a', value: 1 } }, { put: { key: 'a', value: 2 } }], failure: [] })), 'ErrDuplicateKey');
  assert.is(code(() => s.txn({ compare: [], success: [{ deleteRange: { key: 'a', rangeEnd: 'c' } }, { put: { key: 'b', value: 2 } }], failure: [] })), 'ErrDuplicateKey');
  // The same key in a nested txn's success and failure is fine: only one of them runs.
  const nested = { compare: [], success: [{ put: { key: 'n', value: 1 } }], failure: [{ put: { key: 'n', value: 2 } }] };
  assert.is(code(() => s.txn({ compare: [], success: [{ txn: nested }], failure: [] })), undefined);
  // ...but not the same key as the enclosing branch.
  assert.is(code(() => s.txn({ compare: [], success: [{ put: { key: 'n', value: 3 } }, { txn: nested }], failure: [] })), 'ErrDuplicateKey');
  const ops = Array.from({ length: 129 }, (_, i) => ({ put: { key: `k${i}`, value: i } }));
  assert.is(code(() => s.txn({ compare: [], success: ops, failure: [] })), 'ErrTooManyOps');
  assert.is(code(() => s.txn({ compare: [], success: ops.slice(0, 128), failure: [] })), undefined);
});

txns('a failing op rolls back the whole transaction', () => {
  const s = new MvccStore();
  assert.is(code(() => s.txn({ compare: [], success: [{ put: { key: 'a', value: 1 } }, { put: { key: 'b', value: 1, lease: 77 } }], failure: [] })), 'ErrLeaseNotFound');
  assert.is(s.range({ key: 'a' }).count, 0);
  assert.is(s.revision, 1);
});

const compaction = suite('compaction');

compaction('reads at the compact revision work, below it fail; compacting again is ErrCompacted (kvstore.go)', () => {
  const s = new MvccStore();
  s.put({ key: 'a', value: 1 }); // 2
  s.put({ key: 'a', value: 2 }); // 3
  s.put({ key: 'a', value: 3 }); // 4
  s.compact(3);
  assert.is(s.range({ key: 'a', revision: 3 }).kvs[0]!.value, 2);
  assert.is(code(() => s.range({ key: 'a', revision: 2 })), 'ErrCompacted');
  assert.is(code(() => s.compact(3)), 'ErrCompacted');
  assert.is(code(() => s.compact(5)), 'ErrFutureRev');
});

compaction('frees the history of deleted keys and of superseded versions', () => {
  const s = new MvccStore();
  for (let i = 0; i < 10; i++) s.put({ key: 'churn', value: i }); // revisions 2..11
  s.put({ key: 'gone', value: 0 }); // 12
  s.deleteRange({ key: 'gone' }); // 13: tombstone
  assert.equal(s.stats().versions, 10 + 2);
  s.compact(13);
  // 'churn' keeps only its newest version (rev 11); 'gone' ends in a tombstone at or below 13: dropped.
  assert.equal([s.stats().keys, s.stats().versions], [1, 1]);
  // The revision log keeps revision 13 onwards, so a watch can still start at exactly 13.
  assert.is(s.stats().logRevisions, 1);
});

const watches = suite('watch');

watches('a watch at exactly the compact revision gets its events; one below is cancelled with it', () => {
  const s = new MvccStore();
  s.put({ key: 'a', value: 1 }); // 2
  s.put({ key: 'a', value: 2 }); // 3
  s.compact(3);
  const at: WatchResponse[] = [];
  s.watch({ key: 'a', startRevision: 3 }, (r) => at.push(r));
  assert.equal(at.flatMap((r) => r.events.map((e) => e.kv.modRevision)), [3]);
  const below: WatchResponse[] = [];
  s.watch({ key: 'a', startRevision: 2 }, (r) => below.push(r));
  assert.equal(below.map((r) => [r.canceled, r.compactRevision, r.events.length]), [[true, 3, 0]]);
  assert.is(below[0]!.cancelReason, 'mvcc: required revision has been compacted');
});

watches('prevKv on caught-up events: from the log and history, except at the compacted revision (etcd reads it at rev - 1)', () => {
  const s = new MvccStore();
  s.put({ key: 'a', value: 1 }); // 2
  s.put({ key: 'a', value: 2 }); // 3
  s.put({ key: 'b', value: 1 }); // 4
  s.deleteRange({ key: 'a' }); // 5: a's tombstone
  s.put({ key: 'a', value: 3 }); // 6: a again, with no live version before it
  const live: WatchResponse[] = [];
  s.watch({ key: 'a', rangeEnd: 'c', startRevision: 2, prevKv: true }, (r) => live.push(r));
  const prevs = (rs: WatchResponse[]) => rs.flatMap((r) => r.events.map((e) => [e.kv.modRevision, e.type, e.prevKv?.modRevision ?? null]));
  // Each event's previous live version: none for a creation (2, 4) or for a put after a delete (6).
  assert.equal(prevs(live), [[2, 'PUT', null], [3, 'PUT', 2], [4, 'PUT', null], [5, 'DELETE', 3], [6, 'PUT', null]]);
  s.compact(3);
  const after: WatchResponse[] = [];
  s.watch({ key: 'a', rangeEnd: 'c', startRevision: 3, prevKv: true }, (r) => after.push(r));
  // Revision 3 is the compacted one: its previous version (2) is gone, as in etcd. 5's (3) is kept.
  assert.equal(prevs(after), [[3, 'PUT', null], [4, 'PUT', null], [5, 'DELETE', 3], [6, 'PUT', null]]);
});

watches('no start revision means events after now; a future start waits for its revision', () => {
  const s = new MvccStore();
  s.put({ key: 'a', value: 1 }); // 2
  const now: number[] = [];
  const future: number[] = [];
  s.watch({ key: 'a' }, (r) => now.push(...r.events.map((e) => e.kv.modRevision)));
  s.watch({ key: 'a', startRevision: 4 }, (r) => future.push(...r.events.map((e) => e.kv.modRevision)));
  s.put({ key: 'a', value: 2 }); // 3
  s.put({ key: 'a', value: 3 }); // 4
  assert.equal(now, [3, 4]);
  assert.equal(future, [4]);
});

watches('a write made inside a watch callback reaches every watcher after the revision that caused it', () => {
  const s = new MvccStore();
  const first: number[] = [];
  const second: number[] = [];
  s.watch({ key: 'k', rangeEnd: 'l' }, (r) => {
    for (const e of r.events) {
      first.push(e.kv.modRevision);
      if (e.kv.key === 'k1') s.put({ key: 'k2', value: 'echo' }); // nested write: revision 3
    }
  });
  s.watch({ key: 'k', rangeEnd: 'l' }, (r) => second.push(...r.events.map((e) => e.kv.modRevision)));
  s.put({ key: 'k1', value: 'x' }); // revision 2
  assert.equal(first, [2, 3]);
  assert.equal(second, [2, 3], 'the second watcher sees 2 before 3, although 3 was written while 2 was delivered');
});

watches('a throwing callback cancels only that watcher; the write still commits', () => {
  const errors: number[] = [];
  const s = new MvccStore({ onWatchError: (_err, id) => errors.push(id) });
  const bad = s.watch({ key: 'a' }, () => {
    throw new Error('boom');
  });
  const good: number[] = [];
  s.watch({ key: 'a' }, (r) => good.push(r.header.revision));
  assert.is(s.put({ key: 'a', value: 1 }).header.revision, 2);
  s.put({ key: 'a', value: 2 });
  assert.equal(errors, [bad.id]);
  assert.equal(good, [2, 3]);
  assert.is(s.stats().watchers, 1);
});

watches('requestProgress sends an empty response at the current revision to progressNotify watchers', () => {
  const s = new MvccStore();
  s.put({ key: 'z', value: 1 });
  const got: WatchResponse[] = [];
  s.watch({ key: 'a', progressNotify: true }, (r) => got.push(r));
  s.watch({ key: 'a' }, () => assert.unreachable('no progress for watchers that did not ask'));
  s.requestProgress();
  assert.equal(got.map((r) => [r.header.revision, r.events.length]), [[2, 0]]);
});

const leases = suite('leases');

leases('revoking a lease deletes its keys in one revision, one DELETE event each (lessor.go Revoke)', () => {
  const s = new MvccStore({ clock: new ManualClock() });
  const { id } = s.leaseGrant(10);
  s.put({ key: 'l/a', value: 1, lease: id }); // 2
  s.put({ key: 'l/b', value: 1, lease: id }); // 3
  s.put({ key: 'l/c', value: 1 }); // 4, no lease
  const events: [string, string, number][] = [];
  s.watch({ key: 'l/', rangeEnd: prefixEnd('l/') }, (r) => events.push(...r.events.map((e) => [e.type, e.kv.key, e.kv.modRevision] as [string, string, number])));
  s.leaseRevoke(id);
  assert.equal(events, [['DELETE', 'l/a', 5], ['DELETE', 'l/b', 5]]);
  assert.is(s.leaseTimeToLive(id).ttl, -1);
  assert.is(code(() => s.leaseRevoke(id)), 'ErrLeaseNotFound');
});

leases('expiry on the injected clock; keepAlive renews; short TTLs are raised to 2 s (etcdserver minTTL)', () => {
  const clock = new ManualClock();
  const s = new MvccStore({ clock });
  const short = s.leaseGrant(1);
  assert.is(short.ttl, 2);
  const { id } = s.leaseGrant(5);
  s.put({ key: 'hb', value: 1, lease: id });
  clock.advance(4000);
  assert.is(s.leaseTimeToLive(id).ttl, 1); // 5 s - 4 s = 1 s left
  assert.is(s.leaseKeepAlive(id), 5);
  clock.advance(4999);
  assert.is(s.range({ key: 'hb' }).count, 1, 'renewed 4.999 s ago with a 5 s TTL: still alive');
  clock.advance(1);
  assert.is(s.range({ key: 'hb' }).count, 0, 'expired: the key is gone');
  assert.equal(s.leaseIds(), []);
  assert.is(code(() => s.leaseGrant(9_000_000_001)), 'ErrLeaseTTLTooLarge');
  const again = s.leaseGrant(10, 42);
  assert.is(again.id, 42);
  assert.is(code(() => s.leaseGrant(10, 42)), 'ErrLeaseExists');
});

leases('moving a key to another lease detaches it from the first', () => {
  const s = new MvccStore({ clock: new ManualClock() });
  const a = s.leaseGrant(10).id;
  const b = s.leaseGrant(10).id;
  s.put({ key: 'k', value: 1, lease: a });
  s.put({ key: 'k', value: 2, lease: b });
  assert.equal(s.leaseTimeToLive(a, true).keys, []);
  s.leaseRevoke(a);
  assert.is(s.range({ key: 'k' }).kvs[0]!.value, 2);
});

const adapter = suite('async contract');

adapter('the async store does the work at call time and rejects with StoreError', async () => {
  const m = new MvccStore();
  const store = asyncStore(m);
  const p1 = store.put({ key: 'a', value: 1 });
  const p2 = store.put({ key: 'a', value: 2 });
  assert.is(m.revision, 3, 'both writes happened before either promise was awaited');
  assert.equal([(await p1).header.revision, (await p2).header.revision], [2, 3]);
  try {
    await store.range({ key: 'a', revision: 9 });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, StoreError);
    assert.is((err as StoreError).code, 'ErrFutureRev');
  }
  await store.close();
  assert.is(code(() => m.put({ key: 'b', value: 1 })), 'ErrClosed');
});

const sorted = suite('sorted key index');

sorted('matches a sorted array under random inserts, deletes and range scans', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.string({ maxLength: 3, unit: fc.constantFrom('a', 'b', 'c', '/', 'z') })), { maxLength: 3000, size: 'large' }),
      fc.string({ maxLength: 2 }),
      fc.string({ maxLength: 2 }),
      (ops, lo, hi) => {
        const idx = new SortedKeys();
        const model = new Set<string>();
        for (const [add, key] of ops) {
          assert.is(add ? idx.insert(key) : idx.delete(key), add ? !model.has(key) : model.has(key));
          if (add) model.add(key);
          else model.delete(key);
        }
        const all = [...model].sort();
        assert.is(idx.size, all.length);
        assert.equal([...idx.range('', undefined)], all);
        assert.equal([...idx.range(lo, hi)], all.filter((k) => k >= lo && k < hi));
      },
    ),
    { numRuns: 200 },
  );
});

sorted('splits chunks: 5000 keys in reverse order stay sorted', () => {
  const idx = new SortedKeys();
  const keys = Array.from({ length: 5000 }, (_, i) => `/registry/pods/default/p${String(i).padStart(5, '0')}`);
  for (const k of [...keys].reverse()) idx.insert(k);
  assert.equal([...idx.range('', undefined)], keys);
  for (let i = 0; i < 5000; i += 2) idx.delete(keys[i]!);
  assert.equal([...idx.range('', undefined)], keys.filter((_, i) => i % 2 === 1));
});

for (const s of [revisions, ranges, txns, compaction, watches, leases, adapter, sorted]) s.run();
