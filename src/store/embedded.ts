// The embedded store behind the async Store contract, optionally durable in a data directory.
import { MvccStore, type MvccOptions } from './mvcc.js';
import type { Store } from './types.js';
import { openDataDir } from './wal.js';

export interface EmbeddedStoreOptions extends Omit<MvccOptions, 'persistence'> {
  /** Keep a write-ahead log and snapshots here; absent = memory only. */
  dataDir?: string;
  /** Log records between snapshots (default 10000). */
  snapshotEvery?: number;
}

/** Wraps the synchronous store in the async contract; the work happens at call time, in call order. */
export function asyncStore(m: MvccStore): Store {
  const settle = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    range: (req) => settle(() => m.range(req)),
    put: (req) => settle(() => m.put(req)),
    deleteRange: (req) => settle(() => m.deleteRange(req)),
    txn: (req) => settle(() => m.txn(req)),
    compact: (rev) => settle(() => m.compact(rev)),
    watch: (req, onResponse) => m.watch(req, onResponse),
    requestProgress: () => m.requestProgress(),
    leaseGrant: (ttl, id) => settle(() => m.leaseGrant(ttl, id)),
    leaseRevoke: (id) => settle(() => m.leaseRevoke(id)),
    leaseKeepAlive: (id) => settle(() => m.leaseKeepAlive(id)),
    leaseTimeToLive: (id, keys) => settle(() => m.leaseTimeToLive(id, keys)),
    close: () => settle(() => m.close()),
  };
}

/** Opens the embedded store: in memory, or recovered from (and logging to) `dataDir`. */
export function openEmbeddedStore(options: EmbeddedStoreOptions = {}): { store: Store; mvcc: MvccStore } {
  const { dataDir, snapshotEvery, ...rest } = options;
  let mvcc: MvccStore;
  if (dataDir === undefined) {
    mvcc = new MvccStore(rest);
  } else {
    const { persistence, recovered } = openDataDir(dataDir, snapshotEvery === undefined ? {} : { snapshotEvery });
    mvcc = new MvccStore({ ...rest, persistence });
    try {
      mvcc.restore(recovered);
    } catch (err) {
      persistence.close();
      throw err;
    }
  }
  return { store: asyncStore(mvcc), mvcc };
}
