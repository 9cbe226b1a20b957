// The embedded etcd-like store: one global revision, per-key history (MVCC), ranges at any revision not yet
// compacted, transactions with compares, watches from a revision, leases on an injected clock, and optional
// durability through a write-ahead log. Semantics follow etcd v3 (server/storage/mvcc/kvstore_txn.go,
// watchable_store.go, server/lease/lessor.go); see shared/reference/etcd-and-apiserver.md §1.
//
// Layers, bottom up: a per-key history of KeyValues (a tombstone is a KeyValue with version 0), an ordered
// key index, a write transaction that stages changes and commits them as one revision (log first, then
// memory), a revision log that feeds watchers, and a dispatcher that delivers watch responses in order
// without re-entrancy. The methods are synchronous; `asyncStore` wraps them in the async Store contract.

import type { Clock, Timer } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { SortedKeys } from './sortedkeys.js';
import {
  StoreError,
  type Compare,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type KeyValue,
  type LeaseGrantResponse,
  type LeaseTimeToLiveResponse,
  type Persistence,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type Recovered,
  type RequestOp,
  type ResponseHeader,
  type ResponseOp,
  type StoreSnapshot,
  type TxnRequest,
  type TxnResponse,
  type WalChange,
  type WatchEvent,
  type WatchRequest,
  type WatchResponse,
  type Watcher,
} from './types.js';

/** etcd's --max-txn-ops default (server/embed/config.go DefaultMaxTxnOps). */
export const DEFAULT_MAX_TXN_OPS = 128;
/** etcd's MaxLeaseTTL (server/lease/lessor.go). */
export const MAX_LEASE_TTL = 9_000_000_000;
/** etcd raises shorter TTLs to ceil(1.5 * election timeout) = 2 s with default flags (etcdserver/server.go minTTL). */
export const DEFAULT_MIN_LEASE_TTL = 2;
/** Catch-up responses carry at most this many events (whole revisions are never split). */
const CATCH_UP_BATCH = 1000;

export interface MvccOptions {
  clock?: Clock;
  maxTxnOps?: number;
  minLeaseTtl?: number;
  /** Durability: records are appended (and fsynced) before a write is applied or acknowledged. */
  persistence?: Persistence;
  /** Called when a watcher's callback throws; the watcher is cancelled. Default: a process warning. */
  onWatchError?: (err: unknown, watchId: number) => void;
}

/** The key that ends the range of every key with this prefix (etcd's GetPrefixRangeEnd). */
export function prefixEnd(prefix: string): string {
  let end = prefix;
  while (end.length > 0) {
    const last = end.charCodeAt(end.length - 1);
    if (last < 0xffff) return end.slice(0, -1) + String.fromCharCode(last + 1);
    end = end.slice(0, -1);
  }
  return '\0'; // every key
}

const EMPTY_KV: KeyValue = { key: '', createRevision: 0, modRevision: 0, version: 0, value: undefined, lease: 0 };

function tombstone(key: string, revision: number): KeyValue {
  return { key, createRevision: 0, modRevision: revision, version: 0, value: undefined, lease: 0 };
}

/** A committed change: the key's new state (a tombstone for a delete) and its state before. */
interface Change {
  readonly kv: KeyValue;
  readonly prev: KeyValue | undefined;
}

interface WatcherState {
  readonly id: number;
  readonly key: string;
  /** undefined: exactly `key`; null: no upper bound; else the exclusive end. */
  readonly end: string | null | undefined;
  readonly prevKv: boolean;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly progressNotify: boolean;
  /** Events below this revision are not for this watcher. */
  readonly startRevision: number;
  readonly onResponse: (res: WatchResponse) => void;
  cancelled: boolean;
}

interface LeaseState {
  readonly id: number;
  readonly ttl: number;
  expiry: number;
  readonly keys: Set<string>;
}

function inRange(key: string, start: string, end: string | null | undefined): boolean {
  if (end === undefined) return key === start;
  return key >= start && (end === null || key < end);
}

/** rangeEnd as the request spells it → undefined (one key), null (unbounded) or an exclusive end. */
function normaliseEnd(rangeEnd: string | undefined): string | null | undefined {
  if (rangeEnd === undefined || rangeEnd === '') return undefined;
  if (rangeEnd === '\0') return null;
  return rangeEnd;
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const sa = JSON.stringify(a) ?? '';
  const sb = JSON.stringify(b) ?? '';
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export class MvccStore {
  private rev = 1;
  private compactRev = 0;
  /** key → its KeyValues in modRevision order, oldest first; the last is a tombstone when deleted. */
  private readonly history = new Map<string, KeyValue[]>();
  /**
   * The last key history() found, and its array: one write looks its key up several times in a row (the
   * transaction's compare, the put, apply, the watchers' prevKv), and a lookup in a map of every key costs
   * far more than comparing one string. Set on every lookup (an absent key too); apply() sets it when it
   * adds a key, and it is cleared when keys are deleted or restored.
   */
  private lastKey: string | undefined;
  private lastHistory: KeyValue[] | undefined;
  private readonly index = new SortedKeys();
  /**
   * The KeyValues each revision wrote, for revisions logBase .. rev (revision 1, the empty store, has none);
   * trimmed by compaction. logBase is the oldest revision a watch can start from. A revision of one change
   * (most of them) holds the KeyValue itself rather than an array of one. A change's previous version is
   * the entry before it in the key's history (prevOf), which compaction keeps for every logged revision.
   */
  private log: (KeyValue | KeyValue[])[] = [[]];
  private logBase = 1;

  private readonly watchers = new Map<number, WatcherState>();
  private nextWatchId = 1;
  private readonly pending: { w: WatcherState; res: WatchResponse }[] = [];
  private delivering = false;

  private readonly leases = new Map<number, LeaseState>();
  private nextLeaseId = 1;
  private leaseTimer: Timer | undefined;
  private leaseTimerAt = Infinity;

  private readonly clock: Clock;
  private readonly maxTxnOps: number;
  private readonly minLeaseTtl: number;
  private readonly persistence: Persistence | undefined;
  private readonly onWatchError: (err: unknown, watchId: number) => void;
  private closed = false;

  constructor(options: MvccOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxTxnOps = options.maxTxnOps ?? DEFAULT_MAX_TXN_OPS;
    this.minLeaseTtl = options.minLeaseTtl ?? DEFAULT_MIN_LEASE_TTL;
    this.persistence = options.persistence;
    this.onWatchError =
      options.onWatchError ??
      ((err, id) => process.emitWarning(`store: watcher ${id} failed and was cancelled: ${String(err)}`));
  }

  /** The current revision: the last one written (1 for an empty store). */
  get revision(): number {
    return this.rev;
  }

  /** Revisions below this one can no longer be read (0: nothing compacted yet). */
  get compactRevision(): number {
    return this.compactRev;
  }

  private header(): ResponseHeader {
    return { revision: this.rev };
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreError('ErrClosed');
  }

  // ---- reads ------------------------------------------------------------------------------------------

  /** The key's versions, oldest first (including tombstones), or undefined if it has none. */
  private historyOf(key: string): KeyValue[] | undefined {
    if (key === this.lastKey) return this.lastHistory;
    const h = this.history.get(key);
    this.lastKey = key;
    this.lastHistory = h;
    return h;
  }

  /** The key's KeyValue at `revision` (a tombstone or nothing means absent). */
  private at(key: string, revision: number): KeyValue | undefined {
    const h = this.historyOf(key);
    if (h === undefined) return undefined;
    let i = h.length - 1;
    if (h[i]!.modRevision > revision) {
      // Binary search for the last entry at or below `revision`.
      let lo = 0;
      let hi = h.length; // first entry above revision
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (h[mid]!.modRevision <= revision) lo = mid + 1;
        else hi = mid;
      }
      i = lo - 1;
      if (i < 0) return undefined;
    }
    const kv = h[i]!;
    return kv.version === 0 ? undefined : kv;
  }

  private checkReadRevision(revision: number | undefined): number {
    if (revision === undefined || revision <= 0) return this.rev;
    if (revision > this.rev) throw new StoreError('ErrFutureRev');
    if (revision < this.compactRev) throw new StoreError('ErrCompacted');
    return revision;
  }

  /**
   * Live keys of [key, end) at `revision`, with staged (uncommitted) changes of a transaction laid over.
   * Only the first `max` are collected; all are counted.
   */
  private collect(key: string, end: string | null | undefined, revision: number, staged?: Map<string, KeyValue>, max = Infinity): { kvs: KeyValue[]; count: number } {
    const kvs: KeyValue[] = [];
    let count = 0;
    if (end === undefined) {
      const kv = staged?.get(key) ?? this.at(key, revision);
      if (kv !== undefined && kv.version > 0) {
        count = 1;
        if (max > 0) kvs.push(kv);
      }
      return { kvs, count };
    }
    const start = key === '\0' ? '' : key;
    const hasStaged = staged !== undefined && staged.size > 0;
    for (const k of this.index.range(start, end ?? undefined)) {
      const kv = staged?.get(k) ?? this.at(k, revision);
      if (kv === undefined || kv.version === 0) continue;
      count++;
      // With staged keys the order is only known after sorting: collect everything then.
      if (kvs.length < max || hasStaged) kvs.push(kv);
    }
    if (hasStaged) {
      let added = false;
      for (const [k, kv] of staged!) {
        if (kv.version > 0 && !this.history.has(k) && inRange(k, start, end)) {
          kvs.push(kv);
          count++;
          added = true;
        }
      }
      if (added) kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      if (kvs.length > max) kvs.length = max;
    }
    return { kvs, count };
  }

  private rangeWith(req: RangeRequest, staged?: Map<string, KeyValue>, stagedRev?: number): RangeResponse {
    if (req.key === '') throw new StoreError('ErrEmptyKey');
    const revision = staged !== undefined && (req.revision ?? 0) <= 0 ? stagedRev! : this.checkReadRevision(req.revision);
    const limit = req.limit !== undefined && req.limit > 0 ? req.limit : Infinity;
    const { kvs: found, count } = this.collect(req.key, normaliseEnd(req.rangeEnd), revision, staged, req.countOnly ? 0 : limit);
    if (req.countOnly) return { header: this.header(), kvs: [], more: false, count };
    const kvs = req.keysOnly ? found.map((kv) => ({ ...kv, value: undefined })) : found;
    return { header: this.header(), kvs, more: count > kvs.length, count };
  }

  range<V = unknown>(req: RangeRequest): RangeResponse<V> {
    this.checkOpen();
    return this.rangeWith(req) as RangeResponse<V>;
  }

  // ---- writes -----------------------------------------------------------------------------------------

  put<V = unknown>(req: PutRequest<V>): PutResponse<V> {
    this.checkOpen();
    const res = this.txn({ compare: [], success: [{ put: req }], failure: [] });
    const inner = res.responses[0] as { put: PutResponse };
    return { header: res.header, ...(inner.put.prevKv !== undefined ? { prevKv: inner.put.prevKv as KeyValue<V> } : {}) };
  }

  deleteRange<V = unknown>(req: DeleteRangeRequest): DeleteRangeResponse<V> {
    this.checkOpen();
    const res = this.txn({ compare: [], success: [{ deleteRange: req }], failure: [] });
    const inner = res.responses[0] as { deleteRange: DeleteRangeResponse<V> };
    return { header: res.header, deleted: inner.deleteRange.deleted, prevKvs: inner.deleteRange.prevKvs };
  }

  private compareHolds(c: Compare): boolean {
    const end = normaliseEnd(c.rangeEnd);
    const { kvs } = this.collect(c.key, end, this.rev);
    if (kvs.length === 0) {
      // etcd (etcdserver/txn/txn.go applyCompare): a value compare on a missing key always fails; other
      // targets compare against an all-zero KeyValue, so mod == 0 means "does not exist".
      if (c.target === 'value') return false;
      return this.compareOne(EMPTY_KV, c);
    }
    return kvs.every((kv) => this.compareOne(kv, c));
  }

  private compareOne(kv: KeyValue, c: Compare): boolean {
    let cmp: number;
    if (c.target === 'value') {
      cmp = compareValues(kv.value, c.operand);
    } else {
      const actual =
        c.target === 'version' ? kv.version : c.target === 'create' ? kv.createRevision : c.target === 'mod' ? kv.modRevision : kv.lease;
      const want = Number(c.operand);
      cmp = actual < want ? -1 : actual > want ? 1 : 0;
    }
    switch (c.result) {
      case 'equal':
        return cmp === 0;
      case 'not_equal':
        return cmp !== 0;
      case 'greater':
        return cmp > 0;
      case 'less':
        return cmp < 0;
    }
  }

  /** Chooses every branch up front against the committed state, as etcd does (txn.go compareToPath). */
  private choosePath(req: TxnRequest, path: boolean[]): void {
    const ok = req.compare.every((c) => this.compareHolds(c));
    path.push(ok);
    for (const op of ok ? req.success : req.failure) if ('txn' in op) this.choosePath(op.txn, path);
  }

  private validateTxn(req: TxnRequest): void {
    if (req.compare.length > this.maxTxnOps || req.success.length > this.maxTxnOps || req.failure.length > this.maxTxnOps) {
      throw new StoreError('ErrTooManyOps');
    }
    for (const c of req.compare) if (c.key === '') throw new StoreError('ErrEmptyKey');
    this.validateBranch(req.success);
    this.validateBranch(req.failure);
  }

  private validateBranch(branch: readonly RequestOp[]): void {
    for (const op of branch) {
      if ('txn' in op) this.validateTxn(op.txn);
      else if ('put' in op && op.put.key === '') throw new StoreError('ErrEmptyKey');
      else if ('deleteRange' in op && op.deleteRange.key === '') throw new StoreError('ErrEmptyKey');
    }
    // One op cannot touch a key twice (a nested transaction's own branches were checked just above).
    if (branch.length > 1) checkIntervals(branch);
  }

  txn(req: TxnRequest): TxnResponse {
    this.checkOpen();
    this.validateTxn(req);
    const path: boolean[] = [];
    this.choosePath(req, path);
    const w = new WriteTxn(this);
    let step = 0;
    const run = (r: TxnRequest): TxnResponse => {
      const succeeded = path[step++]!;
      const responses: ResponseOp[] = [];
      for (const op of succeeded ? r.success : r.failure) responses.push(this.applyOp(w, op, run));
      return { header: this.header(), succeeded, responses };
    };
    const res = run(req);
    if (w.changes.length === 0) return res;
    this.commit(w.changes);
    return withHeader(res, this.rev);
  }

  private applyOp(w: WriteTxn, op: RequestOp, run: (r: TxnRequest) => TxnResponse): ResponseOp {
    if ('range' in op) return { range: this.rangeWith(op.range, w.staged, this.rev + (w.changes.length > 0 ? 1 : 0)) };
    if ('put' in op) return { put: w.put(op.put) };
    if ('deleteRange' in op) return { deleteRange: w.deleteRange(op.deleteRange) };
    return { txn: run(op.txn) };
  }

  /** Makes `changes` revision rev+1: durable first, then visible, then delivered to watchers. */
  private commit(changes: Change[], revokedLeases?: number[]): void {
    const revision = this.rev + 1;
    if (this.persistence !== undefined) {
      const wal: WalChange[] = changes.map((c) =>
        c.kv.version === 0 ? { op: 'del', key: c.kv.key } : { op: 'put', key: c.kv.key, value: c.kv.value, lease: c.kv.lease },
      );
      this.persistence.append({ type: 'rev', revision, changes: wal, ...(revokedLeases ? { revokedLeases } : {}) });
    }
    this.apply(changes, revision);
    if (revokedLeases !== undefined) for (const id of revokedLeases) this.leases.delete(id);
    this.notify(changes, revision);
    this.maybeSnapshot();
  }

  private apply(changes: Change[], revision: number): void {
    for (const { kv, prev } of changes) {
      let h = this.historyOf(kv.key);
      if (h === undefined) {
        h = [];
        this.history.set(kv.key, h);
        this.index.insert(kv.key);
        this.lastKey = kv.key;
        this.lastHistory = h;
      }
      h.push(kv);
      if (prev !== undefined && prev.lease !== 0 && prev.lease !== kv.lease) this.leases.get(prev.lease)?.keys.delete(kv.key);
      if (kv.lease !== 0) this.leases.get(kv.lease)?.keys.add(kv.key);
    }
    this.rev = revision;
    this.log.push(changes.length === 1 ? changes[0]!.kv : changes.map((c) => c.kv));
  }

  /**
   * The live version `kv` replaced (undefined if the key did not exist): the entry before it in the key's
   * history, unless that is a tombstone. Compaction keeps the newest entry at or below the compacted
   * revision, so a logged revision's predecessor is still there.
   */
  private prevOf(kv: KeyValue): KeyValue | undefined {
    const h = this.historyOf(kv.key);
    if (h === undefined) return undefined;
    let i = h.length - 1;
    while (i >= 0 && h[i] !== kv) i--;
    const prev = i > 0 ? h[i - 1]! : undefined;
    return prev !== undefined && prev.version > 0 ? prev : undefined;
  }

  // ---- compaction -------------------------------------------------------------------------------------

  /**
   * Drops history below `revision`: reads at older revisions fail with ErrCompacted afterwards, reads at
   * `revision` itself still work (etcd keeps the newest version at or below it, unless it is a tombstone).
   */
  compact(revision: number): ResponseHeader {
    this.checkOpen();
    if (revision <= this.compactRev) throw new StoreError('ErrCompacted');
    if (revision > this.rev) throw new StoreError('ErrFutureRev');
    this.persistence?.append({ type: 'compact', revision });
    this.applyCompact(revision);
    this.maybeSnapshot();
    return this.header();
  }

  private applyCompact(revision: number): void {
    this.lastKey = undefined;
    this.lastHistory = undefined;
    for (const [key, h] of this.history) {
      // Keep entries above `revision` and the newest one at or below it, unless that one is a tombstone.
      let keepFrom = 0;
      while (keepFrom + 1 < h.length && h[keepFrom + 1]!.modRevision <= revision) keepFrom++;
      if (h[keepFrom]!.modRevision <= revision && h[keepFrom]!.version === 0) keepFrom++;
      if (keepFrom === 0) continue;
      if (keepFrom >= h.length) {
        this.history.delete(key);
        this.index.delete(key);
      } else {
        h.splice(0, keepFrom);
      }
    }
    // The revision log keeps revisions >= `revision` + 1 (a watch may start at `revision` itself, which
    // needs the events of `revision`: keep those too).
    const drop = Math.min(this.log.length, Math.max(0, revision - this.logBase));
    if (drop > 0) {
      this.log = this.log.slice(drop);
      this.logBase += drop;
    }
    this.compactRev = revision;
  }

  // ---- watch ------------------------------------------------------------------------------------------

  watch<V = unknown>(req: WatchRequest, onResponse: (res: WatchResponse<V>) => void): Watcher {
    this.checkOpen();
    const id = this.nextWatchId++;
    const start = req.startRevision !== undefined && req.startRevision > 0 ? req.startRevision : this.rev + 1;
    const w: WatcherState = {
      id,
      key: req.key,
      end: normaliseEnd(req.rangeEnd),
      prevKv: req.prevKv ?? false,
      noPut: req.filters?.includes('noput') ?? false,
      noDelete: req.filters?.includes('nodelete') ?? false,
      progressNotify: req.progressNotify ?? false,
      startRevision: start,
      onResponse: onResponse as (res: WatchResponse) => void,
      cancelled: false,
    };
    const handle: Watcher = { id, cancel: () => this.cancelWatch(w) };
    if (start < this.logBase) {
      // watcher_group.go chooseAll: a watcher below the compacted revision is told the compact revision
      // and cancelled; watching exactly at the compact revision is fine. (After a restart from a snapshot
      // the oldest watchable revision is the one after the snapshot, whose own events are not kept.)
      w.cancelled = true;
      this.enqueue(w, {
        watchId: id,
        header: this.header(),
        events: [],
        compactRevision: this.logBase,
        canceled: true,
        cancelReason: new StoreError('ErrCompacted').message,
      });
      this.drain();
      return handle;
    }
    this.watchers.set(id, w);
    // Catch up from history, in batches that never split a revision.
    let batch: WatchEvent[] = [];
    for (let r = start; r <= this.rev; r++) {
      const logged = this.log[r - this.logBase]!;
      for (const kv of Array.isArray(logged) ? logged : [logged]) {
        const ev = this.eventFor(w, kv, w.prevKv ? this.prevOf(kv) : undefined);
        if (ev !== undefined) batch.push(ev);
      }
      if (batch.length >= CATCH_UP_BATCH) {
        this.enqueue(w, { watchId: id, header: { revision: r }, events: batch });
        batch = [];
      }
    }
    if (batch.length > 0) this.enqueue(w, { watchId: id, header: this.header(), events: batch });
    this.drain();
    return handle;
  }

  private cancelWatch(w: WatcherState): void {
    w.cancelled = true;
    this.watchers.delete(w.id);
  }

  requestProgress(): void {
    this.checkOpen();
    for (const w of this.watchers.values()) {
      if (w.progressNotify) this.enqueue(w, { watchId: w.id, header: this.header(), events: [] });
    }
    this.drain();
  }

  private eventFor(w: WatcherState, kv: KeyValue, prev: KeyValue | undefined): WatchEvent | undefined {
    if (!inRange(kv.key, w.key, w.end)) return undefined;
    const isDelete = kv.version === 0;
    if (isDelete ? w.noDelete : w.noPut) return undefined;
    if (w.prevKv && prev !== undefined) return { type: isDelete ? 'DELETE' : 'PUT', kv, prevKv: prev };
    return { type: isDelete ? 'DELETE' : 'PUT', kv };
  }

  private notify(changes: Change[], revision: number): void {
    if (this.watchers.size === 0) return;
    for (const w of this.watchers.values()) {
      if (revision < w.startRevision) continue;
      let events: WatchEvent[] | undefined;
      for (const c of changes) {
        const ev = this.eventFor(w, c.kv, c.prev);
        if (ev !== undefined) (events ??= []).push(ev);
      }
      if (events !== undefined) this.enqueue(w, { watchId: w.id, header: { revision }, events });
    }
    this.drain();
  }

  private enqueue(w: WatcherState, res: WatchResponse): void {
    this.pending.push({ w, res });
  }

  /**
   * Delivers queued responses in order. A callback that writes to the store only queues more responses,
   * which this same loop delivers afterwards, so every watcher sees revisions in order.
   */
  private drain(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.pending.length; i++) {
        const { w, res } = this.pending[i]!;
        if (w.cancelled && res.canceled !== true) continue;
        try {
          w.onResponse(res);
        } catch (err) {
          this.cancelWatch(w);
          this.onWatchError(err, w.id);
        }
      }
    } finally {
      this.pending.length = 0;
      this.delivering = false;
    }
  }

  // ---- leases -----------------------------------------------------------------------------------------

  leaseGrant(ttlSeconds: number, id?: number): LeaseGrantResponse {
    this.checkOpen();
    if (ttlSeconds > MAX_LEASE_TTL) throw new StoreError('ErrLeaseTTLTooLarge');
    if (id !== undefined && id !== 0 && this.leases.has(id)) throw new StoreError('ErrLeaseExists');
    let leaseId = id !== undefined && id !== 0 ? id : this.nextLeaseId;
    while (this.leases.has(leaseId)) leaseId++;
    if (leaseId >= this.nextLeaseId) this.nextLeaseId = leaseId + 1;
    const ttl = Math.max(this.minLeaseTtl, Math.ceil(ttlSeconds));
    this.persistence?.append({ type: 'lease', id: leaseId, ttl });
    this.addLease(leaseId, ttl);
    this.maybeSnapshot();
    return { header: this.header(), id: leaseId, ttl };
  }

  private addLease(id: number, ttl: number): void {
    this.leases.set(id, { id, ttl, expiry: this.clock.now() + ttl * 1000, keys: new Set() });
    this.scheduleLeaseExpiry();
  }

  leaseRevoke(id: number): ResponseHeader {
    this.checkOpen();
    const lease = this.leases.get(id);
    if (lease === undefined) throw new StoreError('ErrLeaseNotFound');
    this.revoke(lease);
    this.scheduleLeaseExpiry();
    return this.header();
  }

  /** Deletes the lease's keys in one revision (lessor.go Revoke: one txn, one delete event per key). */
  private revoke(lease: LeaseState): void {
    if (lease.keys.size === 0) {
      this.persistence?.append({ type: 'revoke', id: lease.id });
      this.leases.delete(lease.id);
      this.maybeSnapshot();
      return;
    }
    const revision = this.rev + 1;
    const changes: Change[] = [...lease.keys].sort().map((key) => ({ kv: tombstone(key, revision), prev: this.at(key, this.rev) }));
    this.commit(changes, [lease.id]);
  }

  leaseKeepAlive(id: number): number {
    this.checkOpen();
    const lease = this.leases.get(id);
    if (lease === undefined || lease.expiry <= this.clock.now()) throw new StoreError('ErrLeaseNotFound');
    lease.expiry = this.clock.now() + lease.ttl * 1000;
    this.scheduleLeaseExpiry();
    return lease.ttl;
  }

  leaseTimeToLive(id: number, keys = false): LeaseTimeToLiveResponse {
    this.checkOpen();
    const lease = this.leases.get(id);
    const now = this.clock.now();
    if (lease === undefined || lease.expiry <= now) return { header: this.header(), id, ttl: -1, grantedTtl: 0, keys: [] };
    return {
      header: this.header(),
      id,
      ttl: Math.floor((lease.expiry - now) / 1000),
      grantedTtl: lease.ttl,
      keys: keys ? [...lease.keys].sort() : [],
    };
  }

  /** Sizes of the in-memory structures: keys indexed (live or awaiting compaction), versions kept, log revisions. */
  stats(): { keys: number; versions: number; logRevisions: number; watchers: number; leases: number } {
    let versions = 0;
    for (const h of this.history.values()) versions += h.length;
    return { keys: this.index.size, versions, logRevisions: this.log.length, watchers: this.watchers.size, leases: this.leases.size };
  }

  /** Lease ids that are granted and not yet revoked, ascending. */
  leaseIds(): number[] {
    return [...this.leases.keys()].sort((a, b) => a - b);
  }

  private scheduleLeaseExpiry(): void {
    let earliest = Infinity;
    for (const l of this.leases.values()) if (l.expiry < earliest) earliest = l.expiry;
    if (earliest === this.leaseTimerAt) return;
    this.leaseTimer?.cancel();
    this.leaseTimer = undefined;
    this.leaseTimerAt = earliest;
    if (earliest === Infinity || this.closed) return;
    this.leaseTimer = this.clock.setTimer(earliest - this.clock.now(), () => {
      this.leaseTimer = undefined;
      this.leaseTimerAt = Infinity;
      this.expireLeases();
    });
  }

  /** Revokes every lease whose time is up, earliest first (ties by id), each in its own revision. */
  expireLeases(): void {
    if (this.closed) return;
    const now = this.clock.now();
    const due = [...this.leases.values()].filter((l) => l.expiry <= now).sort((a, b) => a.expiry - b.expiry || a.id - b.id);
    for (const lease of due) this.revoke(lease);
    this.scheduleLeaseExpiry();
  }

  // ---- durability -------------------------------------------------------------------------------------

  private maybeSnapshot(): void {
    if (this.persistence?.snapshotDue()) this.persistence.snapshot(this.snapshot());
  }

  /** The whole current state (live keys, leases), as a snapshot file holds it. */
  snapshot(): StoreSnapshot {
    const kvs: KeyValue[] = [];
    for (const key of this.index.range('', undefined)) {
      const kv = this.at(key, this.rev);
      if (kv !== undefined) kvs.push(kv);
    }
    return {
      revision: this.rev,
      compactRevision: this.compactRev,
      kvs,
      leases: [...this.leases.values()].map((l) => ({ id: l.id, ttl: l.ttl })),
      nextLeaseId: this.nextLeaseId,
    };
  }

  /**
   * Rebuilds state from what a data directory held. History older than the snapshot is gone, so the
   * snapshot's revision becomes the compacted revision. Leases get their full TTL again from now, as
   * etcd's lessor does when it is promoted.
   */
  restore(recovered: Recovered): void {
    if (this.rev !== 1 || this.history.size > 0) throw new Error('MvccStore.restore: the store is not empty');
    this.lastKey = undefined;
    this.lastHistory = undefined;
    const snap = recovered.snapshot;
    if (snap !== null) {
      for (const kv of snap.kvs) {
        this.history.set(kv.key, [kv]);
        this.index.insert(kv.key);
      }
      for (const l of snap.leases) this.leases.set(l.id, { id: l.id, ttl: l.ttl, expiry: 0, keys: new Set() });
      for (const kv of snap.kvs) if (kv.lease !== 0) this.leases.get(kv.lease)?.keys.add(kv.key);
      this.rev = snap.revision;
      this.compactRev = snap.revision;
      this.log = [];
      this.logBase = snap.revision + 1;
      this.nextLeaseId = snap.nextLeaseId;
    }
    for (const rec of recovered.records) {
      if (rec.type === 'lease') {
        this.leases.set(rec.id, { id: rec.id, ttl: rec.ttl, expiry: 0, keys: new Set() });
        if (rec.id >= this.nextLeaseId) this.nextLeaseId = rec.id + 1;
      } else if (rec.type === 'revoke') {
        this.leases.delete(rec.id);
      } else if (rec.type === 'compact') {
        this.applyCompact(rec.revision);
      } else {
        const changes: Change[] = rec.changes.map((c) => {
          const prev = this.at(c.key, this.rev);
          if (c.op === 'del') return { kv: tombstone(c.key, rec.revision), prev };
          return {
            kv: {
              key: c.key,
              createRevision: prev?.createRevision ?? rec.revision,
              modRevision: rec.revision,
              version: (prev?.version ?? 0) + 1,
              value: c.value,
              lease: c.lease,
            },
            prev,
          };
        });
        this.apply(changes, rec.revision);
        for (const id of rec.revokedLeases ?? []) this.leases.delete(id);
      }
    }
    const now = this.clock.now();
    for (const l of this.leases.values()) l.expiry = now + l.ttl * 1000;
    this.scheduleLeaseExpiry();
  }

  /** Cancels the watchers and the lease timer and closes the data directory; later calls fail with ErrClosed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.leaseTimer?.cancel();
    this.leaseTimer = undefined;
    for (const w of this.watchers.values()) w.cancelled = true;
    this.watchers.clear();
    this.persistence?.close();
  }

  // ---- for WriteTxn -------------------------------------------------------------------------------------

  /** @internal */ currentAt(key: string): KeyValue | undefined {
    return this.at(key, this.rev);
  }
  /** @internal */ liveKeys(key: string, end: string | null | undefined, staged: Map<string, KeyValue>): KeyValue[] {
    return this.collect(key, end, this.rev, staged).kvs;
  }
  /** @internal */ hasLease(id: number): boolean {
    return this.leases.has(id);
  }
}

/** The changes of one transaction, staged until commit; reads inside the transaction see them. */
class WriteTxn {
  readonly changes: Change[] = [];
  readonly staged = new Map<string, KeyValue>();

  constructor(private readonly store: MvccStore) {}

  private get revision(): number {
    return this.store.revision + 1;
  }

  private current(key: string): KeyValue | undefined {
    const kv = this.staged.get(key) ?? this.store.currentAt(key);
    return kv !== undefined && kv.version > 0 ? kv : undefined;
  }

  put(req: PutRequest): PutResponse {
    const lease = req.lease ?? 0;
    if (lease !== 0 && !this.store.hasLease(lease)) throw new StoreError('ErrLeaseNotFound');
    const prev = this.current(req.key);
    const kv: KeyValue = {
      // The key's earlier versions already hold this text: share their string rather than keep another.
      key: prev?.key ?? req.key,
      createRevision: prev?.createRevision ?? this.revision,
      modRevision: this.revision,
      version: (prev?.version ?? 0) + 1,
      value: req.value,
      lease,
    };
    this.stage(kv, prev);
    return { header: { revision: this.revision }, ...(req.prevKv && prev !== undefined ? { prevKv: prev } : {}) };
  }

  deleteRange(req: DeleteRangeRequest): DeleteRangeResponse {
    const victims = this.store.liveKeys(req.key, normaliseEnd(req.rangeEnd), this.staged);
    for (const prev of victims) this.stage(tombstone(prev.key, this.revision), prev);
    return { header: { revision: this.revision }, deleted: victims.length, prevKvs: req.prevKv ? victims : [] };
  }

  private stage(kv: KeyValue, prev: KeyValue | undefined): void {
    // checkIntervals rules out touching one key twice, so each key appears once per transaction.
    this.staged.set(kv.key, kv);
    this.changes.push({ kv, prev });
  }
}

/** Responses made inside a write transaction report the revision it committed as. */
function withHeader(res: TxnResponse, revision: number): TxnResponse {
  return { ...res, header: { revision } };
}

interface Intervals {
  puts: Set<string>;
  dels: { key: string; end: string | null | undefined }[];
}

/**
 * Rejects a branch that modifies one key twice (etcd's checkIntervals in etcdserver/api/v3rpc/key.go): two
 * puts of a key, or a put inside a deleted range, at one level or against an enclosing level. A nested
 * transaction's success and failure branches may touch the same key, since only one of them runs.
 */
function checkIntervals(ops: readonly RequestOp[]): Intervals {
  const mine: Intervals = { puts: new Set(), dels: [] };
  for (const op of ops) {
    if ('deleteRange' in op) mine.dels.push({ key: op.deleteRange.key, end: normaliseEnd(op.deleteRange.rangeEnd) });
  }
  for (const op of ops) {
    if (!('put' in op)) continue;
    const key = op.put.key;
    if (mine.puts.has(key) || mine.dels.some((d) => inRange(key, d.key, d.end))) throw new StoreError('ErrDuplicateKey');
    mine.puts.add(key);
  }
  for (const op of ops) {
    if (!('txn' in op)) continue;
    const nested = [checkIntervals(op.txn.success), checkIntervals(op.txn.failure)];
    for (const inner of nested) {
      for (const key of inner.puts) {
        if (mine.puts.has(key) || mine.dels.some((d) => inRange(key, d.key, d.end))) throw new StoreError('ErrDuplicateKey');
      }
      for (const d of inner.dels) {
        for (const key of mine.puts) if (inRange(key, d.key, d.end)) throw new StoreError('ErrDuplicateKey');
      }
    }
    for (const inner of nested) {
      for (const key of inner.puts) mine.puts.add(key);
      mine.dels.push(...inner.dels);
    }
  }
  return mine;
}
