// The store conformance suite (conformance.ts) against a real etcd, through EtcdStore: the same model, the
// same commands (minus lease expiry, which runs on etcd's own clock). Each run uses its own key prefix and
// starts at etcd's current revision, compacted there, so runs do not see each other. Skipped, visibly, when
// there is no etcd binary and no DRYDOCK_ETCD_ENDPOINTS.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { etcdError, openEtcdStore } from '../../src/store/etcd.js';
import { StoreError } from '../../src/store/types.js';
import { runConformance, eventually, type Backend } from './conformance.js';
import { ETCD_SKIP, sharedEtcdEndpoint } from './etcd-harness.js';

const endpoint = await sharedEtcdEndpoint();
if (endpoint === undefined) console.log(ETCD_SKIP);

let run = 0;
function etcdBackend(url: string): Backend {
  return {
    async open() {
      const store = await openEtcdStore({ endpoints: [url], serial: true });
      const prefix = `/conformance/${process.pid}/${run++}/`;
      const rev = (await store.range({ key: prefix, countOnly: true })).header.revision;
      // The floor the model starts from: compacted at the current revision (already there after a
      // previous run that made no revision: etcd says ErrCompacted, and the floor is the same).
      await store.compact(rev).catch((err: unknown) => {
        if (!(err instanceof StoreError && err.code === 'ErrCompacted')) throw err;
      });
      return { store, prefix, startRevision: rev, close: () => store.close() };
    },
    // Long enough that none expires during a run; expiry itself is the embedded store's (manual clock) test.
    leaseTtls: [60, 120, 300, 600],
    settle: (check) => eventually(check),
  };
}

test('etcd and gRPC errors become the store\'s sentinels, in etcd\'s words or one readable line', () => {
  const ep = ['http://127.0.0.1:2379'];
  const cases: [string, string, string][] = [
    // etcd's own errors (api/v3rpc/rpctypes/error.go) map to the embedded store's codes and words.
    ['etcdserver: mvcc: required revision has been compacted', 'ErrCompacted', 'mvcc: required revision has been compacted'],
    ['etcdserver: mvcc: required revision is a future revision', 'ErrFutureRev', 'mvcc: required revision is a future revision'],
    ['etcdserver: too many operations in txn request', 'ErrTooManyOps', 'etcdserver: too many operations in txn request'],
    ['etcdserver: duplicate key given in txn request', 'ErrDuplicateKey', 'etcdserver: duplicate key given in txn request'],
    ['etcdserver: requested lease not found', 'ErrLeaseNotFound', 'etcdserver: requested lease not found'],
    // gRPC's transport texts lose their noise: the status name and what went wrong stay.
    [
      '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:2379. Resolution note: ',
      'ErrUnavailable',
      'store: etcd is unavailable: http://127.0.0.1:2379 (gRPC UNAVAILABLE: No connection established: connect ECONNREFUSED 127.0.0.1:2379)',
    ],
    ['14 UNAVAILABLE: No connection established. Last error: null. Resolution note: ', 'ErrUnavailable', 'store: etcd is unavailable: http://127.0.0.1:2379 (gRPC UNAVAILABLE: No connection established)'],
    ['4 DEADLINE_EXCEEDED: Deadline exceeded after 5.001s', 'ErrUnavailable', 'store: etcd is unavailable: http://127.0.0.1:2379 (gRPC DEADLINE_EXCEEDED: Deadline exceeded after 5.001s)'],
  ];
  for (const [text, code, message] of cases) {
    const e = etcdError(new Error(text), ep);
    assert.is(e.code, code, text);
    assert.is(e.message, message);
  }
});

if (endpoint !== undefined) {
  test('etcd matches the store model over random command sequences (seeded)', async () => {
    await runConformance(etcdBackend(endpoint), { numRuns: 60, maxCommands: 40, seed: 20261128 });
  });

  test('etcd matches the store model with an unseeded run too', async () => {
    await runConformance(etcdBackend(endpoint), { numRuns: 20, maxCommands: 40 });
  });

  test('an unreachable etcd fails opening with ErrUnavailable naming the endpoint', async () => {
    // Port 1 on loopback: nothing listens there.
    const err = await openEtcdStore({ endpoints: ['http://127.0.0.1:1'], dialTimeoutMs: 500, requestTimeoutMs: 500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(err, StoreError);
    assert.is((err as StoreError).code, 'ErrUnavailable');
    assert.match((err as StoreError).message, 'http://127.0.0.1:1');
  });
} else {
  test(`etcd backend: ${ETCD_SKIP}`, () => {});
}

test.run();
