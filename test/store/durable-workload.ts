// A deterministic workload for the store-level crash test: what is written next depends only on the store's
// revision, so the parent can replay it in memory and know exactly what any recovered revision must hold.
import type { MvccStore } from '../../src/store/mvcc.js';

/** Performs the write that makes revision store.revision + 1. */
export function step(store: MvccStore): void {
  const next = store.revision + 1;
  const key = `/registry/pods/default/p${next % 13}`;
  if (next % 11 === 0 && store.range({ key }).count > 0) {
    store.deleteRange({ key });
  } else if (next % 7 === 0) {
    // A create-if-absent, as the API server does; the failure branch overwrites, so either way one revision.
    store.txn({
      compare: [{ key, target: 'mod', result: 'equal', operand: 0 }],
      success: [{ put: { key, value: { rev: next, created: true } } }, { put: { key: `${key}/status`, value: { rev: next } } }],
      failure: [{ put: { key, value: { rev: next, updated: true } } }],
    });
  } else {
    store.put({ key, value: { rev: next, spec: { nodeName: `n${next % 5}` } } });
  }
}
