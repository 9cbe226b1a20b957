// Property tests of the API server: for random sequences of create / update / delete, informer caches equal a
// fresh list at the same resourceVersion; an update with a stale resourceVersion always gets 409; an informer
// whose watch falls behind compaction relists and catches up. The first three run on both backends: the
// embedded store and a real etcd (each etcd run under a key prefix of its own; skipped visibly without etcd).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ApiServer } from '../../src/apiserver/apiserver.js';
import { ApiError } from '../../src/apiserver/errors.js';
import { Informer } from '../../src/apiserver/informer.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { asyncStore } from '../../src/store/embedded.js';
import { MvccStore } from '../../src/store/mvcc.js';
import { ManualClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';
import { openEtcdStore } from '../../src/store/etcd.js';
import type { Store } from '../../src/store/types.js';
import { ETCD_SKIP, sharedEtcdEndpoint } from '../store/etcd-harness.js';
import { makeApi, pod } from './fixtures.js';

interface Backend {
  readonly name: string;
  /** Runs per property (an etcd run makes real round trips). */
  readonly runs: (embedded: number) => number;
  /** A bootstrapped API server on a fresh key space, a way to compact its store to now, and cleanup. */
  open(): Promise<{ api: ApiServer; compactNow(): Promise<void>; close(): Promise<void> }>;
}

const embedded: Backend = {
  name: 'embedded',
  runs: (n) => n,
  async open() {
    const clock = new ManualClock(0);
    const mvcc = new MvccStore({ clock });
    const api = new ApiServer({ store: asyncStore(mvcc), clock, rng: seededRng(3) });
    await api.bootstrap();
    return { api, compactNow: async () => void mvcc.compact(mvcc.revision), close: async () => api.close() };
  },
};

const etcdEndpoint = await sharedEtcdEndpoint();
if (etcdEndpoint === undefined) console.log(`API server properties: ${ETCD_SKIP}`);
let etcdRun = 0;
const onEtcd = (endpoint: string): Backend => ({
  name: 'etcd',
  runs: (n) => Math.max(10, Math.round(n / 4)),
  async open() {
    const store: Store = await openEtcdStore({ endpoints: [endpoint], serial: true });
    const clock = new ManualClock(0);
    const api = new ApiServer({ store, storagePrefix: `/properties/${process.pid}/${etcdRun++}`, clock, rng: seededRng(3) });
    await api.bootstrap();
    return {
      api,
      compactNow: async () => void (await store.compact((await store.range({ key: '/', rangeEnd: '\0', countOnly: true })).header.revision)),
      close: async () => {
        api.close();
        await store.close();
      },
    };
  },
});
const backends: Backend[] = [embedded, ...(etcdEndpoint !== undefined ? [onEtcd(etcdEndpoint)] : [])];

type Obj = Json & { metadata: Json & { name: string; resourceVersion: string; labels?: Record<string, string> } };

type Op =
  | { op: 'create'; name: number; app: 'a' | 'b' }
  | { op: 'relabel'; name: number; app: 'a' | 'b' }
  | { op: 'delete'; name: number }
  | { op: 'bind'; name: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), name: fc.nat(5), app: fc.constantFrom('a' as const, 'b' as const) }),
  fc.record({ op: fc.constant('relabel' as const), name: fc.nat(5), app: fc.constantFrom('a' as const, 'b' as const) }),
  fc.record({ op: fc.constant('delete' as const), name: fc.nat(5) }),
  fc.record({ op: fc.constant('bind' as const), name: fc.nat(5) }),
);

async function run(api: ApiServer, o: Op): Promise<void> {
  const name = `p${o.name}`;
  try {
    if (o.op === 'create') await api.create('pods', pod(name, { labels: { app: o.app } }));
    else if (o.op === 'delete') await api.delete('pods', 'default', name);
    else if (o.op === 'bind') await api.bind('default', name, { target: { name: `n${o.name % 2}` } });
    else {
      const cur = await api.get<Obj>('pods', 'default', name);
      await api.update('pods', { ...cur, metadata: { ...cur.metadata, labels: { app: o.app } } });
    }
  } catch (err) {
    // Expected outcomes of random ops: 404 (not there), 409 (already exists / already bound).
    if (!(err instanceof ApiError) || (err.code !== 404 && err.code !== 409)) throw err;
  }
}

const names = (xs: readonly Obj[]) => xs.map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`);

for (const b of backends) test(`[${b.name}] informer caches equal a fresh list after every write (all pods, and a label-selected informer)`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.nat(40), async (ops, firstNamespaceRead) => {
      const { api, close } = await b.open();
      const all = new Informer<Obj>(api, 'pods');
      const selected = new Informer<Obj>(api, 'pods', { labelSelector: 'app=a' });
      let handlerCalls = 0;
      all.addEventHandler({ onAdd: () => handlerCalls++, onUpdate: () => handlerCalls++, onDelete: () => handlerCalls++ });
      await all.start();
      await selected.start();
      for (const [step, o] of ops.entries()) {
        await run(api, o);
        const list = await api.list<Obj>('pods');
        assert.equal(names(all.list()), names(list.items));
        const listA = await api.list<Obj>('pods', { labelSelector: 'app=a' });
        assert.equal(names(selected.list()), names(listA.items));
        // Unscheduled pods by index: the nodeName index holds exactly the bound ones.
        const bound = list.items.filter((p) => (p['spec'] as Json)['nodeName'] !== undefined);
        assert.equal(names([...all.byIndex('nodeName', 'n0'), ...all.byIndex('nodeName', 'n1')].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))), names(bound));
        // The namespace index is first read at a random step: built from the cache then, kept up to date after.
        if (step >= firstNamespaceRead) assert.equal(names(all.byIndex('namespace', 'default')), names(list.items));
      }
      all.stop();
      selected.stop();
      await close();
      assert.ok(handlerCalls >= 0);
    }),
    { numRuns: b.runs(60) },
  );
});

for (const b of backends) test(`[${b.name}] an update carrying a stale resourceVersion always gets 409, a current one always succeeds`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(2), fc.nat(10)), { minLength: 1, maxLength: 30 }), async (steps) => {
      const { api, close } = await b.open();
      const seen: string[][] = [[], [], []];
      for (let i = 0; i < 3; i++) seen[i]!.push((await api.create<Obj>('pods', pod(`p${i}`))).metadata.resourceVersion);
      let n = 0;
      for (const [which, pick] of steps) {
        const name = `p${which}`;
        const versions = seen[which]!;
        const current = versions[versions.length - 1]!;
        const rv = versions[pick % versions.length]!; // sometimes the current version, often an old one
        const cur = await api.get<Obj>('pods', 'default', name);
        const body = { ...cur, metadata: { ...cur.metadata, resourceVersion: rv, labels: { n: String(n++) } } };
        try {
          const updated = await api.update<Obj>('pods', body);
          assert.is(rv, current, `update with ${rv} succeeded although ${current} is current`);
          versions.push(updated.metadata.resourceVersion);
        } catch (err) {
          assert.instance(err, ApiError);
          assert.is((err as ApiError).code, 409);
          assert.is.not(rv, current, 'the current version was refused');
        }
      }
      await close();
    }),
    { numRuns: b.runs(80) },
  );
});

/** An informer whose watch starts late: between its list and its watch, writes happen and are compacted away. */
class LateInformer extends Informer<Obj> {
  constructor(
    api: ApiServer,
    private readonly meanwhile: () => Promise<void>,
  ) {
    super(api, 'pods');
  }
  private once = true;
  protected override async startWatch(): Promise<void> {
    if (this.once) {
      this.once = false;
      await this.meanwhile();
    }
    return super.startWatch();
  }
}

for (const b of backends) test(`[${b.name}] an informer whose resourceVersion was compacted gets 410, lists again and ends equal to the store`, async () => {
  const { api, compactNow, close } = await b.open();
  await api.create('pods', pod('old'));
  const events: string[] = [];
  const inf = new LateInformer(api, async () => {
    await api.delete('pods', 'default', 'old');
    await api.create('pods', pod('new'));
    await compactNow();
  });
  inf.addEventHandler({ onAdd: (p) => events.push(`add ${p.metadata.name}`), onDelete: (p) => events.push(`delete ${p.metadata.name}`) });
  await inf.start();
  // The relist runs asynchronously after the ERROR event; let it finish (over the network for etcd).
  const caughtUp = () => inf.relists > 0 && inf.list().map((p) => p.metadata.name).join() === 'new';
  for (let i = 0; i < 2000 && !caughtUp(); i++) await new Promise((r) => setTimeout(r, 1));
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  assert.is(inf.relists, 1);
  assert.equal(events, ['add old', 'delete old', 'add new']);
  assert.equal(names(inf.list()), names((await api.list<Obj>('pods')).items));
  // And it keeps watching after the relist.
  await api.create('pods', pod('later'));
  assert.equal(inf.list().map((p) => p.metadata.name), ['later', 'new']); // key order
  inf.stop();
  await close();
});

test('the same writes give the same sequence of handler calls (deterministic delivery)', async () => {
  const trace = async () => {
    const { api } = await makeApi();
    const calls: string[] = [];
    const a = new Informer<Obj>(api, 'pods');
    const b = new Informer<Obj>(api, 'pods', { labelSelector: 'app=a' });
    a.addEventHandler({ onAdd: (p) => calls.push(`A+${p.metadata.name}`), onUpdate: (_o, p) => calls.push(`A~${p.metadata.name}`), onDelete: (p) => calls.push(`A-${p.metadata.name}`) });
    b.addEventHandler({ onAdd: (p) => calls.push(`B+${p.metadata.name}`), onUpdate: (_o, p) => calls.push(`B~${p.metadata.name}`), onDelete: (p) => calls.push(`B-${p.metadata.name}`) });
    await a.start();
    await b.start();
    // Two clients, each writing in sequence, running concurrently: their writes interleave.
    const clientA: Op[] = [{ op: 'create', name: 1, app: 'a' }, { op: 'bind', name: 1 }, { op: 'relabel', name: 1, app: 'b' }];
    const clientB: Op[] = [{ op: 'create', name: 2, app: 'b' }, { op: 'relabel', name: 2, app: 'a' }, { op: 'delete', name: 2 }];
    const sequentially = async (ops: Op[]) => {
      for (const o of ops) await run(api, o);
    };
    await Promise.all([sequentially(clientA), sequentially(clientB)]);
    return calls;
  };
  const first = await trace();
  assert.equal(await trace(), first);
  // p1: A+ B+ (app=a), bound: A~ B~, relabelled to b: A~ B- (it leaves B's selection).
  // p2: A+ (app=b), relabelled to a: A~ B+, deleted: A- B-.  6 + 5 = 11 calls.
  assert.is(first.length, 11);
  assert.equal(first.filter((c) => c.endsWith('p1')), ['A+p1', 'B+p1', 'A~p1', 'B~p1', 'A~p1', 'B-p1']);
  assert.equal(first.filter((c) => c.endsWith('p2')), ['A+p2', 'A~p2', 'B+p2', 'A-p2', 'B-p2']);
});

test.run();
