// The store contract over a real etcd v3 server: the same semantics as the embedded store, with etcd doing the
// work. Requests go through the generated gRPC clients of the `etcd3` package (kv, lease and watch services,
// api/etcdserverpb/rpc.proto) rather than its fluent builders, so every field of etcd's requests and responses
// (limit/count/more, nested txn, prev_kv, compact_revision, progress requests) is reachable as is.
//
// Values are stored as JSON text, as kube-apiserver does with --storage-media-type=application/json, so
// `etcdctl get --prefix /registry/` prints drydock's objects readably.
//
// Two things the embedded store gives for free need work here:
// - Ordering. The embedded store does a request's work at call time, so revisions follow call order. With
//   `serial`, requests are sent one at a time in call order and the next one starts only after the previous
//   one's answer, so a run that is deterministic on the embedded store makes the same revisions on etcd.
// - Read-your-watch. The embedded store delivers watch events before a write's promise settles; components
//   rely on it (an informer has seen its own write once the write returns). Here a write settles only after
//   every open watcher whose range holds a written key has received the write's revision.
//
// Failures: a request etcd cannot answer (unreachable, no leader, deadline passed) fails with ErrUnavailable;
// nothing is retried behind the caller's back, since a retried write whose first attempt did commit would be
// applied twice (or, for a compare-and-swap, reported as a conflict although it succeeded). A lost watch stream
// cancels every watcher with ErrUnavailable's text as the reason; the caller resumes from its last revision.
import { randomInt } from 'node:crypto';
import { noop, type IPolicy } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import type {
  ICompare,
  IDeleteRangeResponse,
  IDuplexStream,
  IKeyValue,
  ILeaseKeepAliveRequest,
  ILeaseKeepAliveResponse,
  IPutResponse,
  IRangeResponse,
  IRequestOp,
  IResponseOp,
  ITxnResponse,
  IWatchRequest,
  IWatchResponse,
} from 'etcd3';
import type { Rng } from '../util/rng.js';
import {
  StoreError,
  type Compare,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type KeyValue,
  type LeaseGrantResponse,
  type LeaseTimeToLiveResponse,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseHeader,
  type ResponseOp,
  type Store,
  type StoreErrorCode,
  type TxnRequest,
  type TxnResponse,
  type WatchEvent,
  type WatchRequest,
  type WatchResponse,
  type Watcher,
} from './types.js';

export interface EtcdStoreOptions {
  /** Client URLs, e.g. http://127.0.0.1:2379. */
  readonly endpoints: readonly string[];
  /** How long one request may take before it fails with ErrUnavailable (default 5000 ms). */
  readonly requestTimeoutMs?: number;
  /** How long opening may wait for etcd to answer (default 5000 ms). */
  readonly dialTimeoutMs?: number;
  /** One request at a time, in call order (see the header). Default false. */
  readonly serial?: boolean;
  /** Picks lease IDs when the caller names none (default: crypto random). */
  readonly rng?: Rng;
}

export const DEFAULT_ETCD_REQUEST_TIMEOUT_MS = 5000;

/**
 * Lease IDs drydock picks stay below 2^53 so they survive a JavaScript number; etcd's own are 64-bit, and
 * those (made by other clients) read back rounded.
 */
const MAX_PICKED_LEASE_ID = 2 ** 52;

// etcd's error texts (api/v3rpc/rpctypes/error.go) and the sentinels they stand for.
const ETCD_ERRORS: readonly (readonly [string, StoreErrorCode])[] = [
  ['required revision has been compacted', 'ErrCompacted'],
  ['required revision is a future revision', 'ErrFutureRev'],
  ['too many operations in txn request', 'ErrTooManyOps'],
  ['duplicate key given in txn request', 'ErrDuplicateKey'],
  ['requested lease not found', 'ErrLeaseNotFound'],
  ['lease already exists', 'ErrLeaseExists'],
  ['too large lease TTL', 'ErrLeaseTTLTooLarge'],
  ['key is not provided', 'ErrEmptyKey'],
];

/** A gRPC or etcd error as the store's sentinel: etcd's own words where it has one, ErrUnavailable otherwise. */
export function etcdError(err: unknown, endpoints: readonly string[]): StoreError {
  if (err instanceof StoreError) return err;
  const text = err instanceof Error ? err.message : String(err);
  for (const [needle, code] of ETCD_ERRORS) if (text.includes(needle)) return new StoreError(code);
  // gRPC's text, e.g. "14 UNAVAILABLE: No connection established. Last error: null. Resolution note: ",
  // without the parts that say nothing.
  const reason = text
    .replace(/Resolution note:.*$/s, '')
    .replace(/\.?\s*Last error: null\.?/, '')
    .replace(/\.?\s*Last error: (?:Error: )?(.*?)\.?\s*$/s, ': $1')
    .replace(/^(\d+) ([A-Z_]+): /, 'gRPC $2: ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.$/, '');
  return new StoreError('ErrUnavailable', `${endpoints.join(',')} (${reason})`);
}

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
const num = (s: string | number | undefined): number => (s === undefined ? 0 : Number(s));

function encodeValue(v: unknown): Buffer {
  return enc(typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? 'null'));
}

/** JSON written by drydock; anything else (another tool's bytes) reads back as text rather than failing. */
function decodeValue(b: Buffer): unknown {
  const text = b.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function fromKv(kv: IKeyValue, withValue = true): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    createRevision: num(kv.create_revision),
    modRevision: num(kv.mod_revision),
    version: num(kv.version),
    value: withValue ? decodeValue(kv.value) : undefined,
    lease: num(kv.lease),
  };
}

function inRange(key: string, start: string, end: string | undefined): boolean {
  if (end === undefined) return key === start;
  if (end === '\0') return key >= start;
  return key >= start && key < end;
}

const COMPARE_TARGET = { version: 'Version', create: 'Create', mod: 'Mod', value: 'Value', lease: 'Lease' } as const;
const COMPARE_RESULT = { equal: 'Equal', greater: 'Greater', less: 'Less', not_equal: 'NotEqual' } as const;

function toCompare(c: Compare): ICompare {
  const base = {
    key: enc(c.key),
    ...(c.rangeEnd !== undefined ? { range_end: enc(c.rangeEnd) } : {}),
    target: COMPARE_TARGET[c.target],
    result: COMPARE_RESULT[c.result],
  };
  switch (c.target) {
    case 'version':
      return { ...base, version: String(c.operand) };
    case 'create':
      return { ...base, create_revision: String(c.operand) };
    case 'mod':
      return { ...base, mod_revision: String(c.operand) };
    case 'lease':
      return { ...base, lease: String(c.operand) };
    case 'value':
      return { ...base, value: encodeValue(c.operand) };
  }
}

function toRangeRequest(req: RangeRequest) {
  return {
    key: enc(req.key),
    ...(req.rangeEnd !== undefined ? { range_end: enc(req.rangeEnd) } : {}),
    limit: String(req.limit ?? 0),
    revision: String(req.revision !== undefined && req.revision > 0 ? req.revision : 0),
    keys_only: req.keysOnly ?? false,
    count_only: req.countOnly ?? false,
  };
}

/** Writes always ask for the previous values: the keys a delete removed are what read-your-watch waits on. */
function toRequestOp(op: RequestOp): IRequestOp {
  if ('range' in op) return { request_range: toRangeRequest(op.range) };
  if ('put' in op) return { request_put: { key: enc(op.put.key), value: encodeValue(op.put.value), lease: String(op.put.lease ?? 0), prev_kv: op.put.prevKv ?? false } };
  if ('deleteRange' in op) {
    const d = op.deleteRange;
    return { request_delete_range: { key: enc(d.key), ...(d.rangeEnd !== undefined ? { range_end: enc(d.rangeEnd) } : {}), prev_kv: true } };
  }
  return { request_txn: toTxnRequest(op.txn) };
}

function toTxnRequest(t: TxnRequest) {
  return { compare: t.compare.map(toCompare), success: t.success.map(toRequestOp), failure: t.failure.map(toRequestOp) };
}

function fromRange(res: IRangeResponse, req: RangeRequest, header: ResponseHeader): RangeResponse {
  return { header, kvs: res.kvs.map((kv) => fromKv(kv, !(req.keysOnly ?? false))), more: res.more, count: num(res.count) };
}

function fromDelete(res: IDeleteRangeResponse, wantPrev: boolean, header: ResponseHeader, written: string[]): DeleteRangeResponse {
  const prevKvs = res.prev_kvs.map((kv) => fromKv(kv));
  for (const kv of prevKvs) written.push(kv.key);
  return { header, deleted: num(res.deleted), prevKvs: wantPrev ? prevKvs : [] };
}

function fromPut(res: IPutResponse, wantPrev: boolean, header: ResponseHeader): PutResponse {
  return { header, ...(wantPrev && res.prev_kv !== null && res.prev_kv !== undefined ? { prevKv: fromKv(res.prev_kv) } : {}) };
}

/** Maps a txn's responses back, collecting the keys the taken branch wrote. */
function fromTxn(res: ITxnResponse, req: TxnRequest, header: ResponseHeader, written: string[]): TxnResponse {
  const ops = res.succeeded ? req.success : req.failure;
  const responses: ResponseOp[] = res.responses.map((r: IResponseOp, i: number): ResponseOp => {
    const op = ops[i]!;
    if ('range' in op) return { range: fromRange(r.response_range!, op.range, header) };
    if ('put' in op) {
      written.push(op.put.key);
      return { put: fromPut(r.response_put!, op.put.prevKv ?? false, header) };
    }
    if ('deleteRange' in op) return { deleteRange: fromDelete(r.response_delete_range!, op.deleteRange.prevKv ?? false, header, written) };
    return { txn: fromTxn(r.response_txn!, op.txn, header, written) };
  });
  return { header, succeeded: res.succeeded, responses };
}

interface LocalWatcher {
  readonly id: number;
  readonly req: WatchRequest;
  /** The start revision sent to etcd (0 = etcd's "now", only before this client has seen any revision). */
  readonly start: number;
  readonly onResponse: (res: WatchResponse) => void;
  serverId: string | undefined;
  /** Every event at or below this revision has been delivered. */
  delivered: number;
  cancelled: boolean;
  /** Called once etcd has confirmed the watch (or it ended first). */
  onCreated: (() => void) | undefined;
}

interface Waiter {
  readonly revision: number;
  readonly pending: Set<LocalWatcher>;
  readonly resolve: () => void;
  /** Ends the wait after a bound, delivered or not. */
  readonly timer: NodeJS.Timeout;
}

/** A Store over etcd. Open it with openEtcdStore(), which checks that etcd answers. */
export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly endpoints: readonly string[];
  private readonly timeoutMs: number;
  private readonly serial: boolean;
  private readonly rng: Rng | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The newest revision any answer carried. */
  private revision = 0;
  /** Requests made and not yet answered (queued ones included). */
  private inFlight = 0;

  private watchStream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  private watchStreamOpening: Promise<IDuplexStream<IWatchRequest, IWatchResponse>> | undefined;
  /** Watchers whose create request is on the stream, in the order etcd will confirm them. */
  private readonly creating: LocalWatcher[] = [];
  private readonly watchers = new Map<string, LocalWatcher>();
  private readonly local = new Set<LocalWatcher>();
  private nextWatchId = 1;
  private waiters: Waiter[] = [];

  private keepAliveStream: IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse> | undefined;
  private readonly keepAlives: { resolve: (ttl: number) => void; reject: (err: unknown) => void }[] = [];

  constructor(options: EtcdStoreOptions) {
    this.endpoints = options.endpoints;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_ETCD_REQUEST_TIMEOUT_MS;
    this.serial = options.serial ?? false;
    this.rng = options.rng;
    // No retries and no circuit breaker: see the header on why writes are never retried here.
    const none: IPolicy = noop;
    this.client = new Etcd3({
      hosts: [...options.endpoints],
      dialTimeout: options.dialTimeoutMs ?? DEFAULT_ETCD_REQUEST_TIMEOUT_MS,
      faultHandling: { host: () => none, global: none },
      defaultCallOptions: () => ({ deadline: Date.now() + this.timeoutMs }),
    });
  }

  private header(h: { revision: string } | null | undefined): ResponseHeader {
    const revision = num(h?.revision);
    if (revision > this.revision) this.revision = revision;
    return { revision };
  }

  /** Runs one request: in call order when serial; etcd's failures become the store's sentinels. */
  private run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('ErrClosed'));
    this.inFlight++;
    const call = async () => {
      try {
        return await fn();
      } catch (err) {
        throw etcdError(err, this.endpoints);
      } finally {
        this.inFlight--;
      }
    };
    if (!this.serial) return call();
    const p = this.tail.then(call, call);
    this.tail = p.catch(() => undefined);
    return p;
  }

  range<V = unknown>(req: RangeRequest): Promise<RangeResponse<V>> {
    if (req.key === '') return Promise.reject(new StoreError('ErrEmptyKey'));
    return this.run(async () => {
      const res = await this.client.kv.range(toRangeRequest(req));
      return fromRange(res, req, this.header(res.header)) as RangeResponse<V>;
    });
  }

  put<V = unknown>(req: PutRequest<V>): Promise<PutResponse<V>> {
    if (req.key === '') return Promise.reject(new StoreError('ErrEmptyKey'));
    return this.run(async () => {
      const res = await this.client.kv.put({ key: enc(req.key), value: encodeValue(req.value), lease: String(req.lease ?? 0), prev_kv: req.prevKv ?? false });
      const header = this.header(res.header);
      await this.seen(header.revision, [req.key], 'PUT');
      return fromPut(res, req.prevKv ?? false, header) as PutResponse<V>;
    });
  }

  deleteRange<V = unknown>(req: DeleteRangeRequest): Promise<DeleteRangeResponse<V>> {
    if (req.key === '') return Promise.reject(new StoreError('ErrEmptyKey'));
    return this.run(async () => {
      const res = await this.client.kv.deleteRange({ key: enc(req.key), ...(req.rangeEnd !== undefined ? { range_end: enc(req.rangeEnd) } : {}), prev_kv: true });
      const header = this.header(res.header);
      const written: string[] = [];
      const out = fromDelete(res, req.prevKv ?? false, header, written);
      await this.seen(header.revision, written, 'DELETE');
      return out as DeleteRangeResponse<V>;
    });
  }

  txn(req: TxnRequest): Promise<TxnResponse> {
    return this.run(async () => {
      const res = await this.client.kv.txn(toTxnRequest(req));
      const header = this.header(res.header);
      const written: string[] = [];
      const out = fromTxn(res, req, header, written);
      await this.seen(header.revision, written, undefined);
      return out;
    });
  }

  pending(): number {
    return this.inFlight;
  }

  compact(revision: number): Promise<ResponseHeader> {
    return this.run(async () => this.header((await this.client.kv.compact({ revision: String(revision), physical: false })).header));
  }

  // ---- watch --------------------------------------------------------------------------------------------

  watch<V = unknown>(req: WatchRequest, onResponse: (res: WatchResponse<V>) => void): Watcher {
    if (this.closed) throw new StoreError('ErrClosed');
    if (req.key === '') throw new StoreError('ErrEmptyKey');
    // "Now" is the newest revision this client has seen: a write it made before the watch is not replayed,
    // one it makes after the watch call is seen, whatever the order etcd gets the two requests in.
    const start = (req.startRevision ?? 0) > 0 ? req.startRevision! : this.revision > 0 ? this.revision + 1 : 0;
    const w: LocalWatcher = {
      id: this.nextWatchId++,
      req,
      start,
      onResponse: onResponse as (res: WatchResponse) => void,
      serverId: undefined,
      delivered: start > 0 ? start - 1 : this.revision,
      cancelled: false,
      onCreated: undefined,
    };
    this.local.add(w);
    const create: IWatchRequest = {
      create_request: {
        key: enc(req.key),
        ...(req.rangeEnd !== undefined ? { range_end: enc(req.rangeEnd) } : {}),
        start_revision: String(start),
        progress_notify: req.progressNotify ?? false,
        prev_kv: req.prevKv ?? false,
        filters: (req.filters ?? []).map((f) => (f === 'noput' ? 'Noput' : 'Nodelete')),
      },
    };
    this.creating.push(w);
    void this.openWatchStream().then(
      (stream) => stream.write(create),
      (err: unknown) => this.loseWatchStream(err),
    );
    return { id: w.id, cancel: () => this.cancelWatcher(w) };
  }

  /**
   * Resolves once etcd has confirmed the watch and delivered everything up to the revision current when it was
   * made (or the watch ended). A watch starting in the future is ready once confirmed. One starting in the
   * past that has no events to replay never says so (etcd 3.4 has no per-watch "synced" signal), so that wait
   * is bounded by `replayWaitMs`.
   */
  watchReady(watcher: Watcher, replayWaitMs = 300): Promise<void> {
    const w = [...this.local].find((x) => x.id === watcher.id);
    if (w === undefined) return Promise.resolve();
    const current = this.revision;
    const created = w.serverId !== undefined ? Promise.resolve() : new Promise<void>((resolve) => (w.onCreated = resolve));
    return created.then(() => {
      if (w.cancelled || w.delivered >= current) return;
      return this.wait(current, new Set([w]), replayWaitMs);
    });
  }

  private cancelWatcher(w: LocalWatcher): void {
    if (w.cancelled) return;
    w.cancelled = true;
    w.onCreated?.();
    this.local.delete(w);
    this.releaseWaiters(w);
    if (w.serverId !== undefined) {
      this.watchers.delete(w.serverId);
      this.watchStream?.write({ cancel_request: { watch_id: w.serverId } });
    }
  }

  private openWatchStream(): Promise<IDuplexStream<IWatchRequest, IWatchResponse>> {
    if (this.watchStream !== undefined) return Promise.resolve(this.watchStream);
    this.watchStreamOpening ??= this.client.watchClient.watch({ deadline: Infinity }).then((stream) => {
      this.watchStream = stream;
      this.watchStreamOpening = undefined;
      stream.on('data', (res) => this.onWatchResponse(res));
      stream.on('error', (err) => this.loseWatchStream(err));
      stream.on('end', () => this.loseWatchStream(new Error('watch stream ended')));
      return stream;
    });
    return this.watchStreamOpening;
  }

  private onWatchResponse(res: IWatchResponse): void {
    const header = this.header(res.header);
    if (res.created) {
      const w = this.creating.shift();
      if (w === undefined) return;
      w.serverId = res.watch_id;
      w.onCreated?.();
      w.onCreated = undefined;
      if (w.cancelled) {
        this.watchStream?.write({ cancel_request: { watch_id: res.watch_id } });
        return;
      }
      this.watchers.set(res.watch_id, w);
      if (!res.canceled) return;
    }
    if (res.watch_id === '-1') {
      // A progress request's answer for the whole stream (etcd 3.4+): every watcher is synced to it.
      for (const w of this.local) this.deliver(w, { watchId: w.id, header, events: [] }, header.revision, w.req.progressNotify ?? false);
      return;
    }
    const w = this.watchers.get(res.watch_id);
    if (w === undefined) return;
    if (res.canceled) {
      if (header.revision === 0) (header as { revision: number }).revision = this.revision;
      const compactRevision = num(res.compact_revision);
      this.watchers.delete(res.watch_id);
      w.cancelled = true;
      this.local.delete(w);
      this.releaseWaiters(w);
      w.onResponse({
        watchId: w.id,
        header,
        events: [],
        canceled: true,
        ...(compactRevision > 0 ? { compactRevision } : {}),
        cancelReason: res.cancel_reason !== '' ? res.cancel_reason : compactRevision > 0 ? 'mvcc: required revision has been compacted' : 'canceled by etcd',
      });
      return;
    }
    const events: WatchEvent[] = res.events.map((e) => {
      const isDelete = e.type === 'Delete';
      const kv = fromKv(e.kv, !isDelete);
      return { type: isDelete ? 'DELETE' : 'PUT', kv, ...(e.prev_kv !== null && e.prev_kv !== undefined && (w.req.prevKv ?? false) ? { prevKv: fromKv(e.prev_kv) } : {}) };
    });
    // Events carry their revisions; a progress notification says everything up to the header is delivered.
    const upTo = events.length > 0 ? events[events.length - 1]!.kv.modRevision : header.revision;
    this.deliver(w, { watchId: w.id, header, events }, upTo, events.length > 0 || (w.req.progressNotify ?? false));
  }

  private deliver(w: LocalWatcher, res: WatchResponse, upTo: number, send: boolean): void {
    if (w.cancelled) return;
    if (upTo > w.delivered) w.delivered = upTo;
    if (send) w.onResponse(res);
    if (this.waiters.length > 0) this.checkWaiters(w);
  }

  /** The watch stream broke (etcd gone): every watcher ends with a reason the caller can resume after. */
  private loseWatchStream(err: unknown): void {
    const stream = this.watchStream;
    this.watchStream = undefined;
    this.watchStreamOpening = undefined;
    stream?.cancel();
    const reason = this.closed ? new StoreError('ErrClosed').message : etcdError(err, this.endpoints).message;
    const lost = [...this.local];
    this.local.clear();
    this.watchers.clear();
    this.creating.length = 0;
    for (const w of lost) {
      w.onCreated?.();
      if (w.cancelled) continue;
      w.cancelled = true;
      this.releaseWaiters(w);
      if (!this.closed) w.onResponse({ watchId: w.id, header: { revision: this.revision }, events: [], canceled: true, cancelReason: reason });
    }
  }

  requestProgress(): void {
    if (this.closed || this.watchStream === undefined) return;
    this.watchStream.write({ progress_request: {} });
  }

  // ---- read-your-watch ---------------------------------------------------------------------------------

  /**
   * Waits until every open watcher that will see this write has delivered its revision. A watcher still being
   * created counts when it asked to start at or before the revision (it will replay it).
   */
  private seen(revision: number, keys: readonly string[], type: 'PUT' | 'DELETE' | undefined): Promise<void> {
    if (keys.length === 0 || this.local.size === 0) return Promise.resolve();
    const pending = new Set<LocalWatcher>();
    for (const w of this.local) {
      if (w.delivered >= revision) continue;
      if (w.serverId === undefined && w.start <= 0) continue;
      if (type !== undefined && w.req.filters?.includes(type === 'PUT' ? 'noput' : 'nodelete')) continue;
      if (keys.some((k) => inRange(k, w.req.key, w.req.rangeEnd))) pending.add(w);
    }
    if (pending.size === 0) return Promise.resolve();
    // A watcher etcd is slow to feed must not hold the write forever; the write itself has committed.
    return this.wait(revision, pending, this.timeoutMs);
  }

  /** Resolves once every watcher in `pending` has delivered `revision` (or ended), or after `boundMs`. */
  private wait(revision: number, pending: Set<LocalWatcher>, boundMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.finishWaiter(waiter), boundMs);
      timer.unref();
      const waiter: Waiter = { revision, pending, resolve, timer };
      this.waiters.push(waiter);
    });
  }

  private checkWaiters(w: LocalWatcher): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.pending.has(w) && w.delivered >= waiter.revision) {
        waiter.pending.delete(w);
        if (waiter.pending.size === 0) this.finishWaiter(waiter);
      }
    }
  }

  private releaseWaiters(w: LocalWatcher): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.pending.delete(w) && waiter.pending.size === 0) this.finishWaiter(waiter);
    }
  }

  private finishWaiter(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    clearTimeout(waiter.timer);
    waiter.resolve();
  }

  // ---- leases -------------------------------------------------------------------------------------------

  leaseGrant(ttlSeconds: number, id?: number): Promise<LeaseGrantResponse> {
    return this.run(async () => {
      for (let attempt = 0; ; attempt++) {
        const pick = id ?? 1 + (this.rng !== undefined ? Math.floor(this.rng.next() * (MAX_PICKED_LEASE_ID - 1)) : randomInt(2 ** 47));
        try {
          const res = await this.client.leaseClient.leaseGrant({ TTL: String(ttlSeconds), ID: String(pick) });
          if (res.error !== '') throw new Error(res.error);
          return { header: this.header(res.header), id: num(res.ID), ttl: num(res.TTL) };
        } catch (err) {
          const e = etcdError(err, this.endpoints);
          // A picked ID that another client holds: pick again (etcd's own IDs are unique per member).
          if (id === undefined && e.code === 'ErrLeaseExists' && attempt < 10) continue;
          throw e;
        }
      }
    });
  }

  leaseRevoke(id: number): Promise<ResponseHeader> {
    return this.run(async () => {
      // The keys the revocation deletes, so the answer waits for their watchers like any delete.
      const before = await this.client.leaseClient.leaseTimeToLive({ ID: String(id), keys: true });
      const res = await this.client.leaseClient.leaseRevoke({ ID: String(id) });
      const header = this.header(res.header);
      await this.seen(header.revision, before.keys.map((k) => k.toString('utf8')), 'DELETE');
      return header;
    });
  }

  leaseKeepAlive(id: number): Promise<number> {
    return this.run(
      () =>
        new Promise<number>((resolve, reject) => {
          void this.openKeepAlive().then(
            (stream) => {
              this.keepAlives.push({ resolve, reject });
              stream.write({ ID: String(id) });
            },
            (err: unknown) => reject(err),
          );
        }),
    );
  }

  private async openKeepAlive(): Promise<IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>> {
    if (this.keepAliveStream !== undefined) return this.keepAliveStream;
    const stream = await this.client.leaseClient.leaseKeepAlive({ deadline: Infinity });
    this.keepAliveStream = stream;
    const fail = (err: unknown) => {
      if (this.keepAliveStream === stream) this.keepAliveStream = undefined;
      for (const k of this.keepAlives.splice(0)) k.reject(err);
    };
    stream.on('data', (res) => {
      this.header(res.header);
      const k = this.keepAlives.shift();
      // etcd answers a keep-alive of an unknown or expired lease with TTL 0 (v3rpc/lease.go).
      if (num(res.TTL) <= 0) k?.reject(new StoreError('ErrLeaseNotFound'));
      else k?.resolve(num(res.TTL));
    });
    stream.on('error', fail);
    stream.on('end', () => fail(new Error('lease keep-alive stream ended')));
    return stream;
  }

  leaseTimeToLive(id: number, keys = false): Promise<LeaseTimeToLiveResponse> {
    return this.run(async () => {
      const res = await this.client.leaseClient.leaseTimeToLive({ ID: String(id), keys });
      return {
        header: this.header(res.header),
        id,
        ttl: num(res.TTL),
        grantedTtl: num(res.grantedTTL),
        keys: keys ? res.keys.map((k) => k.toString('utf8')).sort() : [],
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of [...this.waiters]) this.finishWaiter(waiter);
    this.loseWatchStream(new StoreError('ErrClosed'));
    this.keepAliveStream?.cancel();
    this.keepAliveStream = undefined;
    for (const k of this.keepAlives.splice(0)) k.reject(new StoreError('ErrClosed'));
    this.client.close();
  }
}

/**
 * Connects to etcd and checks that it answers (a count-only read of /registry/). Fails with ErrUnavailable,
 * naming the endpoints and etcd's or gRPC's words, when it does not.
 */
export async function openEtcdStore(options: EtcdStoreOptions): Promise<EtcdStore> {
  const store = new EtcdStore(options);
  try {
    await store.range({ key: '/registry/', rangeEnd: '/registry0', countOnly: true });
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
