// The store conformance suite (conformance.ts) against the embedded store: a fresh store per run, on a manual
// clock so lease expiry is part of the model, watch deliveries synchronous (checked at once, no waiting).
import { test } from 'uvu';
import { asyncStore } from '../../src/store/embedded.js';
import { MvccStore } from '../../src/store/mvcc.js';
import type { Store } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { runConformance, type Backend } from './conformance.js';

function embeddedBackend(): Backend {
  const real = new WeakMap<Store, { mvcc: MvccStore; clock: ManualClock }>();
  return {
    async open() {
      const clock = new ManualClock(0);
      const mvcc = new MvccStore({ clock, minLeaseTtl: 1 });
      const store = asyncStore(mvcc);
      real.set(store, { mvcc, clock });
      return { store, prefix: '', startRevision: 1, close: () => store.close() };
    },
    clock: (s) => real.get(s)!.clock,
    inspect: (s) => {
      const m = real.get(s)!.mvcc;
      return { revision: m.revision, leaseIds: () => m.leaseIds() };
    },
    leaseTtls: [1, 2, 3, 4],
    // Deliveries are synchronous: the check must hold at once.
    settle: async (check) => check(),
  };
}

test('embedded store matches the model over random command sequences', async () => {
  await runConformance(embeddedBackend(), { numRuns: 1000, maxCommands: 80, seed: 20261128 });
});

test('embedded store matches the model with an unseeded run too (new sequences each CI run)', async () => {
  await runConformance(embeddedBackend(), { numRuns: 400, maxCommands: 60 });
});

test.run();
