// The crash test's workload, shared by the parent (wal.test.ts) and the child (wal-crash-child.ts) so that the
// parent knows what every recovered revision and snapshot must hold.

import type { KeyValue, Recovered, StoreSnapshot, WalChange, WalRecord } from '../../src/store/types.js';

export type RevRecord = Extract<WalRecord, { type: 'rev' }>;

/** What is written at `revision` (>= 2): a put of k<revision mod 17>, every 5th a delete, every 7th a two-put txn. */
export function crashRecord(revision: number): RevRecord {
  const key = `k${revision % 17}`;
  const put = (k: string): WalChange => ({ op: 'put', key: k, value: { n: revision }, lease: 0 });
  const changes: WalChange[] =
    revision % 7 === 0 ? [put(key), put(`k${(revision + 1) % 17}`)]
    : revision % 5 === 0 ? [{ op: 'del', key }]
    : [put(key)];
  return { type: 'rev', revision, changes };
}

/** The key space after the workload's first revisions, with etcd's create/mod/version bookkeeping. */
export class CrashModel {
  /** An empty store is at revision 1. */
  revision = 1;
  private readonly kvs = new Map<string, KeyValue>();

  /** The model after `revision`, built by replaying the workload from the start. */
  static at(revision: number): CrashModel {
    const model = new CrashModel();
    for (let r = 2; r <= revision; r++) model.apply(crashRecord(r));
    return model;
  }

  static restore(recovered: Recovered): CrashModel {
    const model = new CrashModel();
    if (recovered.snapshot !== null) {
      model.revision = recovered.snapshot.revision;
      for (const kv of recovered.snapshot.kvs) model.kvs.set(kv.key, kv);
    }
    for (const record of recovered.records) if (record.type === 'rev') model.apply(record);
    return model;
  }

  apply(record: RevRecord): void {
    for (const change of record.changes) {
      if (change.op === 'del') {
        this.kvs.delete(change.key);
        continue;
      }
      const prev = this.kvs.get(change.key);
      this.kvs.set(change.key, {
        key: change.key,
        createRevision: prev?.createRevision ?? record.revision,
        modRevision: record.revision,
        version: (prev?.version ?? 0) + 1,
        value: change.value,
        lease: change.lease,
      });
    }
    this.revision = record.revision;
  }

  snapshot(): StoreSnapshot {
    const kvs = [...this.kvs.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { revision: this.revision, compactRevision: 0, kvs, leases: [], nextLeaseId: 1 };
  }
}
