// The crash test's child (see wal.test.ts): opens the data directory, continues the workload from the
// recovered revision and reports each append once it has returned, until the parent SIGKILLs it.
// Usage: node wal-crash-child.js <dir> <snapshotEvery>

import { writeSync } from 'node:fs';
import { openDataDir } from '../../src/store/wal.js';
import { CrashModel, crashRecord } from './wal-workload.js';

const [dir, snapshotEvery] = process.argv.slice(2);
if (dir === undefined || snapshotEvery === undefined) throw new Error('usage: wal-crash-child.js <dir> <snapshotEvery>');

const { persistence, recovered } = openDataDir(dir, { snapshotEvery: Number(snapshotEvery) });
const model = CrashModel.restore(recovered);
// writeSync on fd 1 returns once the line is in the pipe: no acknowledgement is ever buffered in this process.
writeSync(1, `ready ${model.revision}\n`);
for (;;) {
  // Checked before appending, so a snapshot a crash interrupted is taken again first thing after recovery.
  if (persistence.snapshotDue()) persistence.snapshot(model.snapshot());
  const record = crashRecord(model.revision + 1);
  persistence.append(record);
  writeSync(1, `ack ${record.revision}\n`);
  model.apply(record);
}
