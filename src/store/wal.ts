// A data directory: a checksummed write-ahead log cut into segments, plus snapshots that let old segments go.
// Shaped after etcd's server/storage/wal (CRC-framed records, segment files named by position, torn-tail
// repair) and server/etcdserver/api/snap (snapshot files written whole, then the log behind them released).
//
// Layout of the directory:
//   LOCK                            pid of the process that has the directory open
//   wal-<16-digit seq>.log          log segment; seq = position in the whole log (0-based) of its first record
//   snap-<16-digit revision>.snap   snapshot of the store at that revision, covering log records [0, its seq)
// Records are counted by position rather than revision because 'lease', 'revoke' and 'compact' records have
// none, and a snapshot must say exactly which of them it already contains.
//
// File format: a magic line with the format version ("drydock-wal 1\n" / "drydock-snap 1\n"), then frames
//   [u32 LE payload length][u32 LE crc32 of payload][payload: UTF-8 JSON]
// A segment holds one WalRecord per frame; a snapshot holds exactly one frame, {"seq": n, "state": StoreSnapshot}.
// Values must be JSON data (undefined, NaN or a Date do not come back as they went in).
// Every file is created whole (written to *.tmp, fsynced, renamed, directory fsynced), a new segment holding
// just its magic line, so after a crash the one thing that can be damaged is the end of the newest segment,
// where an append was in flight.
//
// Torn versus corrupt. Each append is written with one write() and fsynced before the next begins, so a crash
// damages at most the final frame of the newest segment: cut short, or with the file grown before its data
// landed (zeros, or stale bytes on some filesystems). In the newest segment a bad frame is therefore a torn
// tail when it runs into the end of the file: its header is cut off, its declared payload is cut off, its
// payload ends exactly at the end of the file but fails its checksum, or every byte from it to the end of the
// file is zero. A torn tail is dropped and the file truncated to the last good frame. Everything else is
// ErrCorrupt naming the file and offset, never a silent truncation: a bad frame with bytes after it, a length
// of 0 or over 64 MiB (no append writes those, and it claims nothing about where the frame ends), any bad frame
// in an older segment, a valid checksum over a payload that is not a record, a gap in revisions or positions.
// A complete final frame with a flipped bit looks exactly like a torn one and is dropped too; nothing can tell
// them apart.
//
// A corrupt newest snapshot is ErrCorrupt even when an older one is intact: the segments between the two were
// deleted when the newer one was written, so falling back would silently lose those records.

import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { StoreError } from './types.js';
import type { Persistence, Recovered, StoreSnapshot, WalChange, WalRecord } from './types.js';

export interface DataDirOptions {
  /** Records in the log since the last snapshot (recovered ones included) before snapshotDue() says yes. */
  readonly snapshotEvery?: number;
  /** Sync every append, file and directory change; false survives a process crash but not a power loss. */
  readonly fsync?: boolean;
}

/** etcd's --snapshot-count default (DefaultSnapshotCount). */
export const defaultDataDirOptions = { snapshotEvery: 10_000, fsync: true } as const;

const SEGMENT_MAGIC = Buffer.from('drydock-wal 1\n');
const SNAPSHOT_MAGIC = Buffer.from('drydock-snap 1\n');
const FRAME_HEADER_BYTES = 8;
/** No record comes near this; a larger length field is damage, not data. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** An empty store is at revision 1 (etcd), so the first revision in a log without a snapshot is 2. */
const INITIAL_REVISION = 1;

const LOCK_FILE = 'LOCK';
const SEGMENT_NAME = /^wal-(\d{16})\.log$/;
const SNAPSHOT_NAME = /^snap-(\d{16})\.snap$/;
const LEFTOVER_TMP = /^(wal|snap)-\d{16}\.(log|snap)\.tmp$/;
const segmentName = (seq: number): string => `wal-${String(seq).padStart(16, '0')}.log`;
const snapshotName = (revision: number): string => `snap-${String(revision).padStart(16, '0')}.snap`;

/**
 * Opens (creating if needed) and locks a data directory, and recovers what it holds. The caller rebuilds its
 * state from `recovered` and then appends through `persistence`.
 */
export function openDataDir(
  dir: string,
  options: DataDirOptions = {},
): { persistence: Persistence; recovered: Recovered } {
  const snapshotEvery = options.snapshotEvery ?? defaultDataDirOptions.snapshotEvery;
  if (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 1) {
    throw new Error(`openDataDir: snapshotEvery must be a positive integer, got ${snapshotEvery}`);
  }
  const fsync = options.fsync ?? defaultDataDirOptions.fsync;
  mkdirSync(dir, { recursive: true });
  lockDir(dir);
  try {
    const log = recover(dir, fsync);
    const persistence = new DataDirPersistence(dir, fsync, snapshotEvery, log);
    return { persistence, recovered: { snapshot: log.snapshot, records: log.records } };
  } catch (err) {
    unlockDir(dir);
    throw err;
  }
}

interface RecoveredLog {
  readonly snapshot: StoreSnapshot | null;
  readonly records: WalRecord[];
  /** The newest segment, where appends continue. */
  readonly segmentPath: string;
  readonly segmentFirstSeq: number;
  readonly nextSeq: number;
  readonly revision: number;
}

function recover(dir: string, fsync: boolean): RecoveredLog {
  const names = readdirSync(dir).sort();
  // Leftovers of a snapshot or segment creation cut short by a crash; the rename never happened.
  for (const name of names) if (LEFTOVER_TMP.test(name)) unlinkSync(join(dir, name));
  const segments = names.flatMap((name) => {
    const m = SEGMENT_NAME.exec(name);
    return m ? [{ path: join(dir, name), firstSeq: Number(m[1]) }] : [];
  });
  const snapshots = names.flatMap((name) => {
    const m = SNAPSHOT_NAME.exec(name);
    return m ? [{ path: join(dir, name), revision: Number(m[1]) }] : [];
  });

  const newest = snapshots.at(-1);
  const snapshotPath = newest?.path ?? null;
  const snap = newest === undefined ? null : readSnapshot(newest.path, newest.revision);
  const baseSeq = snap?.seq ?? 0;
  const baseRevision = snap?.state.revision ?? INITIAL_REVISION;

  if (segments.length === 0 && snap === null) {
    const segmentPath = createFileDurably(dir, segmentName(0), SEGMENT_MAGIC, fsync);
    return { snapshot: null, records: [], segmentPath, segmentFirstSeq: 0, nextSeq: 0, revision: INITIAL_REVISION };
  }
  // Replay starts in the newest segment that begins at or before the snapshot's position: normally the one
  // created right after it, or an older one when a crash came between writing the snapshot and rotating.
  const first = segments.findLastIndex((s) => s.firstSeq <= baseSeq);
  if (first === -1) {
    const oldest = segments[0]?.path ?? 'none';
    throw new StoreError('ErrCorrupt', `${dir}: no log segment holds record ${baseSeq}, the first after ` +
      `${snapshotPath ?? 'the start of the log'} (oldest segment: ${oldest})`);
  }

  const records: WalRecord[] = [];
  let seq = segments[first]!.firstSeq;
  let revision = baseRevision;
  let lastPath = '';
  let lastEnd = 0;
  let lastSize = 0;
  for (let i = first; i < segments.length; i++) {
    const { path, firstSeq } = segments[i]!;
    if (firstSeq !== seq) {
      throw new StoreError('ErrCorrupt', `${path}: the segment starts at record ${firstSeq}, but record ${seq} ` +
        `comes next after the segments before it`);
    }
    const segment = readSegment(path, i === segments.length - 1);
    for (const { record, offset } of segment.frames) {
      if (seq >= baseSeq) {
        if (record.type === 'rev') {
          if (record.revision !== revision + 1) {
            throw new StoreError('ErrCorrupt', `${path}: bad record at offset ${offset} ` +
              `(revision ${record.revision} where ${revision + 1} was expected)`);
          }
          revision = record.revision;
        }
        records.push(record);
      }
      seq++;
    }
    lastPath = path;
    lastEnd = segment.end;
    lastSize = segment.size;
  }
  if (seq < baseSeq) {
    throw new StoreError('ErrCorrupt', `${lastPath}: the log has only ${seq} of the ${baseSeq} records ` +
      `that ${snapshotPath} covers`);
  }
  if (lastEnd < lastSize) truncateTornTail(lastPath, lastEnd, fsync);

  // Finish what an interrupted snapshot() left: segments and snapshots behind the newest snapshot.
  for (const s of segments.slice(0, first)) unlinkSync(s.path);
  for (const s of snapshots.slice(0, -1)) unlinkSync(s.path);

  return {
    snapshot: snap?.state ?? null,
    records,
    segmentPath: lastPath,
    segmentFirstSeq: segments.at(-1)!.firstSeq,
    nextSeq: seq,
    revision,
  };
}

class DataDirPersistence implements Persistence {
  private fd: number;
  private segmentFirstSeq: number;
  private nextSeq: number;
  private revision: number;
  private sinceSnapshot: number;
  private closed = false;
  /** Set when a write failed in a way that makes further appends unsafe; only reopening recovers. */
  private failure: string | null = null;

  constructor(
    private readonly dir: string,
    private readonly fsync: boolean,
    private readonly snapshotEvery: number,
    log: RecoveredLog,
  ) {
    this.fd = openSync(log.segmentPath, 'a');
    this.segmentFirstSeq = log.segmentFirstSeq;
    this.nextSeq = log.nextSeq;
    this.revision = log.revision;
    this.sinceSnapshot = log.records.length;
  }

  append(record: WalRecord): void {
    this.checkWritable();
    if (record.type === 'rev' && record.revision !== this.revision + 1) {
      throw new Error(`write-ahead log: revision ${record.revision} appended after revision ${this.revision}`);
    }
    const frame = encodeFrame(JSON.stringify(record));
    if (frame.length - FRAME_HEADER_BYTES > MAX_RECORD_BYTES) {
      throw new Error(`write-ahead log: a record of ${frame.length} bytes exceeds the ${MAX_RECORD_BYTES}-byte limit`);
    }
    try {
      const written = writeSync(this.fd, frame);
      if (written !== frame.length) throw new Error(`short write (${written} of ${frame.length} bytes)`);
      if (this.fsync) fdatasyncSync(this.fd);
    } catch (err) {
      // The file now ends in an unknown state and a failed fsync cannot be retried; another frame after it
      // would turn a torn tail into corruption mid-log. Reopening repairs the tail.
      throw this.fail('append', err);
    }
    this.nextSeq++;
    if (record.type === 'rev') this.revision = record.revision;
    this.sinceSnapshot++;
  }

  snapshotDue(): boolean {
    return this.sinceSnapshot >= this.snapshotEvery;
  }

  snapshot(state: StoreSnapshot): void {
    this.checkWritable();
    if (state.revision !== this.revision) {
      throw new Error(`write-ahead log: snapshot at revision ${state.revision}, but the log is at ${this.revision}`);
    }
    const seq = this.nextSeq;
    const body = Buffer.concat([SNAPSHOT_MAGIC, encodeFrame(JSON.stringify({ seq, state }))]);
    createFileDurably(this.dir, snapshotName(state.revision), body, this.fsync);
    // A crash anywhere below leaves a directory that recovers to the same state: open() replays from the
    // segment holding `seq` and deletes what this would have deleted.
    if (this.segmentFirstSeq !== seq) {
      try {
        const path = createFileDurably(this.dir, segmentName(seq), SEGMENT_MAGIC, this.fsync);
        const old = this.fd;
        this.fd = openSync(path, 'a');
        closeSync(old);
      } catch (err) {
        // The new segment may exist by now, and records appended to the old one behind it would be out of order.
        throw this.fail('log segment rotation', err);
      }
      this.segmentFirstSeq = seq;
    }
    // Deletions are not synced: a file that comes back after a crash is redundant and open() removes it again.
    for (const name of readdirSync(this.dir)) {
      const segment = SEGMENT_NAME.exec(name);
      const snapshot = SNAPSHOT_NAME.exec(name);
      if ((segment && Number(segment[1]) < seq) || (snapshot && Number(snapshot[1]) < state.revision)) {
        unlinkSync(join(this.dir, name));
      }
    }
    this.sinceSnapshot = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    unlockDir(this.dir);
  }

  private checkWritable(): void {
    if (this.closed) throw new StoreError('ErrClosed', `${this.dir} was closed`);
    if (this.failure !== null) throw new StoreError('ErrClosed', `${this.dir}: ${this.failure}`);
  }

  private fail(what: string, err: unknown): unknown {
    this.failure = `the log takes no more writes after a failed ${what} (${String(err)}); reopen the directory`;
    return err;
  }
}

// ---- frames -----------------------------------------------------------------------------------------------

function encodeFrame(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.write(json, FRAME_HEADER_BYTES, 'utf8');
  frame.writeUInt32LE(length, 0);
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4);
  return frame;
}

type Frame =
  | { readonly payload: Buffer; readonly end: number }
  /** `reachesEnd`: the damage runs into the end of the file, as an interrupted append's would. */
  | { readonly problem: string; readonly reachesEnd: boolean };

function readFrame(buf: Buffer, pos: number, maxLength: number): Frame {
  if (buf.length - pos < FRAME_HEADER_BYTES) return { problem: 'header cut short', reachesEnd: true };
  const length = buf.readUInt32LE(pos);
  if (length === 0 || length > maxLength) return { problem: `implausible length ${length}`, reachesEnd: false };
  const end = pos + FRAME_HEADER_BYTES + length;
  if (end > buf.length) return { problem: `payload cut short: ${length} bytes declared`, reachesEnd: true };
  const payload = buf.subarray(pos + FRAME_HEADER_BYTES, end);
  if (crc32(payload) !== buf.readUInt32LE(pos + 4)) return { problem: 'checksum mismatch', reachesEnd: end === buf.length };
  return { payload, end };
}

interface SegmentContents {
  readonly frames: { readonly record: WalRecord; readonly offset: number }[];
  /** Offset just past the last good frame. */
  readonly end: number;
  readonly size: number;
}

/** Reads a segment's frames, stopping at a torn tail when it is the newest segment; throws on corruption. */
function readSegment(path: string, isNewest: boolean): SegmentContents {
  const buf = readFileSync(path);
  if (!buf.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) {
    throw new StoreError('ErrCorrupt', `${path}: not a drydock log segment (bad header at offset 0)`);
  }
  const frames: { record: WalRecord; offset: number }[] = [];
  let pos = SEGMENT_MAGIC.length;
  while (pos < buf.length) {
    const frame = readFrame(buf, pos, MAX_RECORD_BYTES);
    if ('problem' in frame) {
      if (isNewest && (frame.reachesEnd || isZero(buf.subarray(pos)))) break;
      throw new StoreError('ErrCorrupt', `${path}: bad record at offset ${pos} (${frame.problem})`);
    }
    const record = parseJson(frame.payload);
    if (!isWalRecord(record)) {
      throw new StoreError('ErrCorrupt', `${path}: bad record at offset ${pos} (checksum matches, but the payload is not a log record)`);
    }
    frames.push({ record, offset: pos });
    pos = frame.end;
  }
  return { frames, end: pos, size: buf.length };
}

function readSnapshot(path: string, revision: number): { seq: number; state: StoreSnapshot } {
  const buf = readFileSync(path);
  if (!buf.subarray(0, SNAPSHOT_MAGIC.length).equals(SNAPSHOT_MAGIC)) {
    throw new StoreError('ErrCorrupt', `${path}: not a drydock snapshot (bad header at offset 0)`);
  }
  const pos = SNAPSHOT_MAGIC.length;
  const frame = readFrame(buf, pos, Infinity);
  if ('problem' in frame || frame.end !== buf.length) {
    const problem = 'problem' in frame ? frame.problem : 'bytes after its end';
    throw new StoreError('ErrCorrupt', `${path}: bad snapshot at offset ${pos} (${problem})`);
  }
  const body = parseJson(frame.payload);
  const { seq, state } = (typeof body === 'object' && body !== null ? body : {}) as { seq?: unknown; state?: StoreSnapshot };
  if (!isCount(seq) || typeof state !== 'object' || state === null || state.revision !== revision) {
    throw new StoreError('ErrCorrupt', `${path}: bad snapshot at offset ${pos} (checksum matches, but the payload ` +
      `is not a snapshot at revision ${revision})`);
  }
  return { seq, state };
}

function truncateTornTail(path: string, end: number, fsync: boolean): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, end);
    if (fsync) fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isZero(bytes: Buffer): boolean {
  return bytes.every((b) => b === 0);
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

function isWalRecord(x: unknown): x is WalRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  switch (r['type']) {
    case 'rev':
      return isCount(r['revision']) && Array.isArray(r['changes']) && r['changes'].every(isWalChange);
    case 'lease':
      return Number.isSafeInteger(r['id']) && typeof r['ttl'] === 'number';
    case 'revoke':
      return Number.isSafeInteger(r['id']);
    case 'compact':
      return isCount(r['revision']);
    default:
      return false;
  }
}

function isWalChange(x: unknown): x is WalChange {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Record<string, unknown>;
  return typeof c['key'] === 'string' && (c['op'] === 'del' || (c['op'] === 'put' && typeof c['lease'] === 'number'));
}

// ---- files and the lock -----------------------------------------------------------------------------------

/** Creates `dir/name` holding `data` so that after a crash it either does not exist or is complete. */
function createFileDurably(dir: string, name: string, data: Buffer, fsync: boolean): string {
  const path = join(dir, name);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, data);
    if (fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (fsync) syncDir(dir);
  return path;
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes `dir/LOCK`, or throws naming the live process that holds it. A lock left by a process that died is
 * taken over. Two processes taking over the same stale lock at the same instant could both succeed; there is
 * no atomic compare-and-delete on a file without flock, which Node lacks.
 */
function lockDir(dir: string): void {
  const lockPath = join(dir, LOCK_FILE);
  // Linking a file that already holds the pid means LOCK never exists empty, even if we die mid-way.
  const mine = join(dir, `${LOCK_FILE}.${process.pid}.tmp`);
  writeFileSync(mine, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(mine, lockPath);
        return;
      } catch (err) {
        if (!hasCode(err, 'EEXIST')) throw err;
      }
      const holder = readLockHolder(dir, lockPath);
      if (holder !== null && isAlive(holder)) {
        throw new Error(`${dir} is in use by process ${holder} (lock file ${lockPath}); if that process is not ` +
          `a drydock server using this directory, remove the lock file`);
      }
      if (holder !== null) unlinkIfPresent(lockPath);
    }
    throw new Error(`${dir}: could not take ${lockPath}; other processes keep taking and releasing it`);
  } finally {
    unlinkSync(mine);
  }
}

function unlockDir(dir: string): void {
  unlinkIfPresent(join(dir, LOCK_FILE));
}

/** The pid in a lock file, or null when the file has gone meanwhile. */
function readLockHolder(dir: string, lockPath: string): number | null {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return null;
    throw err;
  }
  const pid = Number(text.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    throw new Error(`${lockPath} does not hold a process id; remove it if no process uses ${dir}`);
  }
  return pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !hasCode(err, 'ESRCH'); // EPERM: alive, but another user's
  }
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!hasCode(err, 'ENOENT')) throw err;
  }
}

function hasCode(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
