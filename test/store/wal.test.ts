import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import fs, { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { openDataDir } from '../../src/store/wal.js';
import { StoreError } from '../../src/store/types.js';
import type { Recovered, StoreSnapshot, WalRecord } from '../../src/store/types.js';
import { seededRng } from '../../src/util/rng.js';
import { CrashModel, crashRecord } from './wal-workload.js';
import type { RevRecord } from './wal-workload.js';

// ---- fixtures ---------------------------------------------------------------------------------------------

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-wal-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const putRev = (revision: number, key: string, value: unknown): RevRecord =>
  ({ type: 'rev', revision, changes: [{ op: 'put', key, value, lease: 0 }] });

const stateAt = (revision: number, kvs: StoreSnapshot['kvs'] = []): StoreSnapshot =>
  ({ revision, compactRevision: 0, kvs, leases: [], nextLeaseId: 1 });

/** The bytes the log writes for one payload, built independently of wal.ts from the documented format. */
function frame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32LE(body.length, 0);
  header.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

const frameBytes = (record: WalRecord): number => 8 + Buffer.byteLength(JSON.stringify(record));

/** Opens, appends, closes. */
function write(dir: string, records: readonly WalRecord[]): void {
  const { persistence } = openDataDir(dir);
  for (const r of records) persistence.append(r);
  persistence.close();
}

/** Opens, closes and returns what was recovered. */
function reopen(dir: string): Recovered {
  const { persistence, recovered } = openDataDir(dir);
  persistence.close();
  return recovered;
}

function corruptError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StoreError && err.code === 'ErrCorrupt') return err;
    throw err;
  }
  throw new Error('expected ErrCorrupt, but the data directory opened');
}

const CORRUPT = 'store: data directory is corrupt: ';
const SEG0 = 'wal-0000000000000000.log';
const r2 = putRev(2, 'a', 1);
const r3 = putRev(3, 'b', 2);
const r4 = putRev(4, 'c', 3);

// ---- round trip -------------------------------------------------------------------------------------------

test('round trip: records come back as appended; after a snapshot only later ones, and old files are gone', () =>
  withDir((dir) => {
    const before: WalRecord[] = [
      r2,
      { type: 'lease', id: 7, ttl: 60 },
      { type: 'rev', revision: 3, changes: [{ op: 'put', key: 'b', value: { s: 'ü' }, lease: 7 }, { op: 'del', key: 'a' }] },
      { type: 'compact', revision: 2 },
    ];
    let { persistence, recovered } = openDataDir(dir);
    assert.equal(recovered, { snapshot: null, records: [] });
    for (const r of before) persistence.append(r);
    persistence.close();

    ({ persistence, recovered } = openDataDir(dir));
    assert.equal(recovered.records, before);
    const state = stateAt(3, [{ key: 'b', createRevision: 3, modRevision: 3, version: 1, value: { s: 'ü' }, lease: 7 }]);
    persistence.snapshot(state);
    const after: WalRecord[] = [{ type: 'revoke', id: 7 }, r4];
    for (const r of after) persistence.append(r);
    persistence.close();

    assert.equal(reopen(dir), { snapshot: state, records: after });
    // The snapshot covers the 4 records before it, so the new segment starts at record 4; LOCK went with close().
    assert.equal(readdirSync(dir).sort(), ['snap-0000000000000003.snap', 'wal-0000000000000004.log']);
  }));

test('snapshotDue counts log records since the last snapshot, recovered ones included', () =>
  withDir((dir) => {
    let { persistence } = openDataDir(dir, { snapshotEvery: 3 });
    persistence.append(r2);
    persistence.append(r3);
    assert.not.ok(persistence.snapshotDue()); // 2 < 3
    persistence.close();
    ({ persistence } = openDataDir(dir, { snapshotEvery: 3 }));
    assert.not.ok(persistence.snapshotDue()); // 2 recovered
    persistence.append(r4);
    assert.ok(persistence.snapshotDue()); // 2 + 1 = 3
    persistence.snapshot(stateAt(4));
    assert.not.ok(persistence.snapshotDue());
    persistence.close();
  }));

test('refuses a revision out of order before writing it, and every write after close()', () =>
  withDir((dir) => {
    const { persistence } = openDataDir(dir);
    persistence.append(r2);
    assert.throws(() => persistence.append(r4), /revision 4 appended after revision 2/);
    assert.throws(() => persistence.snapshot(stateAt(3)), /snapshot at revision 3, but the log is at 2/);
    persistence.close();
    persistence.close(); // idempotent
    for (const attempt of [() => persistence.append(r3), () => persistence.snapshot(stateAt(2))]) {
      assert.throws(attempt, (err: unknown) => err instanceof StoreError && err.code === 'ErrClosed');
    }
    assert.equal(reopen(dir).records, [r2]);
  }));

test('bad options fail at start-up', () =>
  withDir((dir) => {
    assert.throws(() => openDataDir(dir, { snapshotEvery: 0 }), /snapshotEvery must be a positive integer, got 0/);
  }));

test('a failed fsync stops the log: later writes fail with ErrClosed until the directory is reopened', () =>
  withDir((dir) => {
    const { persistence } = openDataDir(dir);
    persistence.append(r2);
    const realFdatasync = fs.fdatasyncSync;
    fs.fdatasyncSync = () => {
      throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    };
    syncBuiltinESMExports(); // so wal.ts's named import sees the replacement
    try {
      assert.throws(() => persistence.append(r3), /EIO/);
    } finally {
      fs.fdatasyncSync = realFdatasync;
      syncBuiltinESMExports();
    }
    assert.throws(() => persistence.append(r3), (err: unknown) =>
      err instanceof StoreError && err.code === 'ErrClosed' && /after a failed append \(Error: EIO/.test(err.message));
    persistence.close();
    // The failed append reached the file before its fsync failed, so here it survives: unacknowledged, like an
    // append cut off by a crash, it may or may not.
    assert.equal(reopen(dir).records, [r2, r3]);
  }));

// ---- torn tails and corruption ----------------------------------------------------------------------------

test('torn tail: every cut inside the final frame drops that record, and the repaired log takes appends', () =>
  withDir((dir) => {
    write(dir, [r2, r3, r4]);
    const seg = join(dir, SEG0);
    const whole = readFileSync(seg);
    const lastStart = whole.length - frameBytes(r4);
    for (let cut = lastStart + 1; cut < whole.length; cut++) {
      writeFileSync(seg, whole.subarray(0, cut));
      const { persistence, recovered } = openDataDir(dir);
      assert.equal(recovered.records, [r2, r3], `cut at ${cut}`);
      assert.is(statSync(seg).size, lastStart, `cut at ${cut}: truncated to the last good frame`);
      const replacement = putRev(4, 'c', `written after a cut at ${cut}`);
      persistence.append(replacement);
      persistence.close();
      assert.equal(reopen(dir).records, [r2, r3, replacement], `cut at ${cut}: append after repair`);
    }
  }));

// The rule (see wal.ts): in the newest segment, a bad frame that runs into the end of the file is what an
// interrupted append leaves, and is dropped; anything else is ErrCorrupt. So garbage after the last frame is
// dropped only when it reads as a cut-off frame or zeros; garbage whose length field is impossible (as random
// bytes' will be 63 times in 64: only lengths 1..64 MiB are plausible) stops the open.
test('bytes after the last frame: dropped when they can be an interrupted append, ErrCorrupt otherwise', () =>
  withDir((dir) => {
    write(dir, [r2, r3]);
    const seg = join(dir, SEG0);
    const whole = readFileSync(seg);
    const header = (length: number, crc: number): Buffer => {
      const b = Buffer.alloc(8);
      b.writeUInt32LE(length, 0);
      b.writeUInt32LE(crc, 4);
      return b;
    };
    const badChecksum = frame(JSON.stringify(r4));
    badChecksum[20]! ^= 0x01;
    const at = whole.length; // every case's bad frame starts right after r3's frame
    const cases: { name: string; tail: Buffer; corrupt?: string }[] = [
      { name: 'five bytes: a header cut short', tail: Buffer.from([0x13, 0x37, 0xca, 0xfe, 0x42]) },
      { name: 'a header declaring 1000 bytes, 20 present', tail: Buffer.concat([header(1000, 0xdeadbeef), Buffer.alloc(20, 0xab)]) },
      { name: 'zeros: the file grew before the data landed', tail: Buffer.alloc(4096) },
      { name: 'a whole frame failing its checksum, at the very end', tail: badChecksum },
      { name: '16 bytes of 0xff', tail: Buffer.alloc(16, 0xff), corrupt: 'implausible length 4294967295' },
      { name: 'zeros, then a non-zero byte', tail: Buffer.concat([Buffer.alloc(64), Buffer.from([1])]), corrupt: 'implausible length 0' },
      { name: 'a frame failing its checksum, then more bytes', tail: Buffer.concat([badChecksum, Buffer.from('xyz')]), corrupt: 'checksum mismatch' },
      { name: 'a valid checksum over text that is not JSON', tail: frame('not json'), corrupt: 'checksum matches, but the payload is not a log record' },
      { name: 'a valid checksum over JSON that is not a record', tail: frame('{"type":"put"}'), corrupt: 'checksum matches, but the payload is not a log record' },
    ];
    for (const c of cases) {
      writeFileSync(seg, Buffer.concat([whole, c.tail]));
      if (c.corrupt === undefined) {
        assert.equal(reopen(dir).records, [r2, r3], c.name);
        assert.is(statSync(seg).size, whole.length, `${c.name}: truncated`);
      } else {
        const err = corruptError(() => openDataDir(dir));
        assert.is(err.message, `${CORRUPT}${seg}: bad record at offset ${at} (${c.corrupt})`, c.name);
        assert.not.ok(existsSync(join(dir, 'LOCK')), `${c.name}: a failed open releases the lock`);
      }
    }
  }));

test('corruption in the middle of the log: ErrCorrupt naming the file and the bad frame\'s offset', () =>
  withDir((dir) => {
    write(dir, [r2, r3, r4]);
    const seg = join(dir, SEG0);
    const bytes = readFileSync(seg);
    // r3's frame starts after the magic line and r2's frame:
    // 14 ("drydock-wal 1\n") + 8 (length, crc) + 82 (r2's JSON) = 104
    assert.is(JSON.stringify(r2).length, 82);
    const r3At = 104;
    bytes[r3At + 8 + 30]! ^= 0x20; // a byte inside r3's payload
    writeFileSync(seg, bytes);
    const err = corruptError(() => openDataDir(dir));
    assert.is(err.message, `${CORRUPT}${seg}: bad record at offset 104 (checksum mismatch)`);
  }));

test('a revision gap, a cut frame in an older segment and a missing segment are corruption', () =>
  withDir((dir) => {
    const magic = Buffer.from('drydock-wal 1\n');
    const seg0 = join(dir, SEG0);
    // Revisions 2 then 4: the second frame starts at 14 + 90 = 104.
    writeFileSync(seg0, Buffer.concat([magic, frame(JSON.stringify(r2)), frame(JSON.stringify(r4))]));
    assert.is(corruptError(() => openDataDir(dir)).message,
      `${CORRUPT}${seg0}: bad record at offset 104 (revision 4 where 3 was expected)`);

    // Records 0-1 in segment 0, record 2 in segment 2; then segment 0 loses its last byte. Only the newest
    // segment can have a torn tail, so this is corruption at r3's frame (offset 104).
    writeFileSync(seg0, Buffer.concat([magic, frame(JSON.stringify(r2)), frame(JSON.stringify(r3))]));
    const seg2 = join(dir, 'wal-0000000000000002.log');
    writeFileSync(seg2, Buffer.concat([magic, frame(JSON.stringify(r4))]));
    assert.equal(reopen(dir).records, [r2, r3, r4]);
    writeFileSync(seg0, readFileSync(seg0).subarray(0, -1));
    assert.is(corruptError(() => openDataDir(dir)).message,
      `${CORRUPT}${seg0}: bad record at offset 104 (payload cut short: 82 bytes declared)`);

    // Segment 0 repaired, but segment 2 renamed to 3: record 2 is missing.
    writeFileSync(seg0, Buffer.concat([magic, frame(JSON.stringify(r2)), frame(JSON.stringify(r3))]));
    const seg3 = join(dir, 'wal-0000000000000003.log');
    renameSync(seg2, seg3);
    assert.is(corruptError(() => openDataDir(dir)).message,
      `${CORRUPT}${seg3}: the segment starts at record 3, but record 2 comes next after the segments before it`);
  }));

test('a crash inside snapshot(), before or after rotating the log, recovers to the snapshot without replaying it', () =>
  withDir((dir) => {
    const lease: WalRecord = { type: 'lease', id: 1, ttl: 30 };
    write(dir, [r2, lease, r3]);
    const oldSegment = readFileSync(join(dir, SEG0));
    let { persistence } = openDataDir(dir);
    const state: StoreSnapshot = { ...stateAt(3), leases: [{ id: 1, ttl: 30 }], nextLeaseId: 2 };
    persistence.snapshot(state);
    persistence.close();
    // Put the directory back as it was just after the snapshot's rename: old segment, no new one, and a
    // new segment's temp file half made.
    unlinkSync(join(dir, 'wal-0000000000000003.log'));
    writeFileSync(join(dir, SEG0), oldSegment);
    writeFileSync(join(dir, 'wal-0000000000000003.log.tmp'), 'drydock-w');

    let recovered: Recovered;
    ({ persistence, recovered } = openDataDir(dir));
    assert.equal(recovered, { snapshot: state, records: [] }, 'the lease record is inside the snapshot');
    assert.not.ok(existsSync(join(dir, 'wal-0000000000000003.log.tmp')), 'the temp file is cleaned up');
    persistence.append(r4); // continues in segment 0, after the covered records
    persistence.close();
    assert.equal(reopen(dir), { snapshot: state, records: [r4] });

    ({ persistence } = openDataDir(dir));
    const beforeRotation = readFileSync(join(dir, SEG0));
    persistence.snapshot(stateAt(4));
    persistence.close();
    // 3 records + r4 = 4 records before the new snapshot.
    const after = ['snap-0000000000000004.snap', 'wal-0000000000000004.log'];
    assert.equal(readdirSync(dir).sort(), after);
    // A crash after the rotation but before the deletions leaves the old segment, which the next open removes.
    writeFileSync(join(dir, SEG0), beforeRotation);
    assert.equal(reopen(dir), { snapshot: stateAt(4), records: [] });
    assert.equal(readdirSync(dir).sort(), after);
  }));

test('a corrupt newest snapshot is ErrCorrupt naming it, even with an intact older one', () =>
  withDir((dir) => {
    let { persistence } = openDataDir(dir);
    persistence.append(r2);
    persistence.snapshot(stateAt(2));
    persistence.close();
    const older = readFileSync(join(dir, 'snap-0000000000000002.snap'));
    ({ persistence } = openDataDir(dir));
    persistence.append(r3);
    persistence.snapshot(stateAt(3));
    persistence.close();

    const newest = join(dir, 'snap-0000000000000003.snap');
    writeFileSync(join(dir, 'snap-0000000000000002.snap'), older);
    assert.equal(reopen(dir).snapshot, stateAt(3), 'an older leftover snapshot is ignored...');
    assert.not.ok(existsSync(join(dir, 'snap-0000000000000002.snap')), '...and removed');

    const bytes = readFileSync(newest);
    bytes[bytes.length - 3]! ^= 0x01;
    writeFileSync(newest, bytes);
    writeFileSync(join(dir, 'snap-0000000000000002.snap'), older);
    // The frame follows the 15-byte magic line "drydock-snap 1\n".
    assert.is(corruptError(() => openDataDir(dir)).message, `${CORRUPT}${newest}: bad snapshot at offset 15 (checksum mismatch)`);
  }));

test('a snapshot whose log is missing or cut short is corruption, never a silently shorter log', () =>
  withDir((dir) => {
    write(dir, [r2, r3]);
    const oldSegment = readFileSync(join(dir, SEG0));
    const { persistence } = openDataDir(dir);
    persistence.snapshot(stateAt(3));
    persistence.close();
    const snap = join(dir, 'snap-0000000000000003.snap');
    const seg2 = join(dir, 'wal-0000000000000002.log');

    unlinkSync(seg2);
    assert.is(corruptError(() => openDataDir(dir)).message,
      `${CORRUPT}${dir}: no log segment holds record 2, the first after ${snap} (oldest segment: none)`);

    // The pre-rotation segment with its last frame cut: as the newest segment its tail reads as torn, but the
    // snapshot needs both records.
    writeFileSync(join(dir, SEG0), oldSegment.subarray(0, -1));
    assert.is(corruptError(() => openDataDir(dir)).message,
      `${CORRUPT}${join(dir, SEG0)}: the log has only 1 of the 2 records that ${snap} covers`);
  }));

// ---- the lock ---------------------------------------------------------------------------------------------

test('lock: a second open fails while the first is open, works after close, and takes over a dead holder\'s lock', () =>
  withDir((dir) => {
    const first = openDataDir(dir);
    assert.throws(() => openDataDir(dir), new RegExp(`is in use by process ${process.pid} `));
    first.persistence.close();
    assert.not.ok(existsSync(join(dir, 'LOCK')));
    openDataDir(dir).persistence.close();

    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, 'LOCK'), `${dead}\n`);
    const again = openDataDir(dir);
    assert.is(readFileSync(join(dir, 'LOCK'), 'utf8'), `${process.pid}\n`);
    again.persistence.close();
  }));

// ---- crashes ----------------------------------------------------------------------------------------------

const childPath = fileURLToPath(new URL('./wal-crash-child.js', import.meta.url));

/** Starts the child, SIGKILLs it `delayMs` after it has recovered, and returns what it reported. */
function crashRound(dir: string, snapshotEvery: number, delayMs: number): Promise<{ ready: number; acks: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childPath, dir, String(snapshotEvery)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let ready: number | null = null;
    const kill = (): boolean => child.kill('SIGKILL');
    const timers = [setTimeout(kill, 5000)]; // never hang the suite on a child that does not start
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const m = ready === null ? /^ready (\d+)\n/.exec(stdout) : null;
      if (m) {
        ready = Number(m[1]);
        timers.push(setTimeout(kill, delayMs));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      timers.forEach(clearTimeout);
      if (ready === null || signal !== 'SIGKILL') {
        reject(new Error(`the crash child ended before it was killed mid-run (code ${code}, signal ${signal}):\n${stderr}`));
        return;
      }
      resolve({ ready, acks: [...stdout.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1])) });
    });
  });
}

async function crashTest(snapshotEvery: number, seed: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-wal-crash-'));
  const rng = seededRng(seed);
  try {
    let revision = 1; // what the last recovery found; the child must resume there
    for (let round = 0; round < 8; round++) {
      const { ready, acks } = await crashRound(dir, snapshotEvery, 5 + rng.int(76)); // 5..80 ms
      assert.is(ready, revision, `round ${round}: the child resumed from the recovered revision`);
      assert.equal(acks, acks.map((_, i) => ready + 1 + i), `round ${round}: acks are consecutive`);
      const lastAck = acks.at(-1) ?? ready;

      const recovered = reopen(dir);
      const base = recovered.snapshot?.revision ?? 1;
      revision = base + recovered.records.length; // the workload writes only 'rev' records, one revision each
      // Every acknowledged append survived; beyond them at most the one in flight when the kill came.
      assert.ok(lastAck <= revision && revision <= lastAck + 1, `round ${round}: recovered ${revision}, last ack ${lastAck}`);
      // ...and each holds what the workload wrote, on top of a snapshot that matches a replay from scratch.
      if (recovered.snapshot !== null) assert.equal(recovered.snapshot, CrashModel.at(base).snapshot(), `round ${round}: snapshot`);
      assert.equal(recovered.records, recovered.records.map((_, i) => crashRecord(base + 1 + i)), `round ${round}: records`);
      // The child snapshots as soon as one is due, even right after recovering from a crash inside one.
      assert.ok(recovered.records.length <= snapshotEvery, `round ${round}: ${recovered.records.length} records since the snapshot`);
    }
    assert.ok(revision > 1, 'the child got some appends done');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('crash: SIGKILL at random moments loses no acknowledged append and invents nothing (no snapshots)', () =>
  crashTest(10_000, 1));

test('crash: SIGKILL at random moments, snapshots and segment rotation included (snapshotEvery 20)', () =>
  crashTest(20, 2));

test.run();
