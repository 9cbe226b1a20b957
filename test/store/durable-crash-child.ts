// The store-level crash test's child: opens the embedded store on a data directory, continues the
// deterministic workload and acknowledges each write once the store has returned from it.
// Usage: node durable-crash-child.js <dir> <snapshotEvery>
import { writeSync } from 'node:fs';
import { openEmbeddedStore } from '../../src/store/embedded.js';
import { step } from './durable-workload.js';

const [dir, snapshotEvery] = process.argv.slice(2);
if (dir === undefined || snapshotEvery === undefined) throw new Error('usage: durable-crash-child.js <dir> <snapshotEvery>');
const { mvcc } = openEmbeddedStore({ dataDir: dir, snapshotEvery: Number(snapshotEvery) });
writeSync(1, `ready ${mvcc.revision}\n`);
for (;;) {
  step(mvcc);
  writeSync(1, `ack ${mvcc.revision}\n`);
}
