// The store's contract, shaped after etcd v3 (api/etcdserverpb/rpc.proto, api/mvccpb/kv.proto) but in
// JavaScript terms: keys are strings, values are immutable JS objects shared by reference in memory.
// Reference: shared/reference/etcd-and-apiserver.md §1.

/** One key at one revision (mvccpb.KeyValue). */
export interface KeyValue<V = unknown> {
  readonly key: string;
  /** Revision of the key's last creation. */
  readonly createRevision: number;
  /** Revision of the key's last modification. */
  readonly modRevision: number;
  /** 1 on creation, +1 per put, reset by a delete. */
  readonly version: number;
  readonly value: V;
  /** 0 when the key has no lease. */
  readonly lease: number;
}

export interface ResponseHeader {
  /** The store's current revision when the response was made (also for historical reads, as etcd does). */
  readonly revision: number;
}

export interface RangeRequest {
  readonly key: string;
  /** Exclusive end of [key, rangeEnd); absent = only `key`; "\0" = every key >= key. See prefixEnd(). */
  readonly rangeEnd?: string;
  /** 0 or absent = no limit. */
  readonly limit?: number;
  /** <= 0 or absent = the current revision. */
  readonly revision?: number;
  readonly keysOnly?: boolean;
  readonly countOnly?: boolean;
}

export interface RangeResponse<V = unknown> {
  readonly header: ResponseHeader;
  readonly kvs: KeyValue<V>[];
  /** Whether the range held more keys than `limit` let through. */
  readonly more: boolean;
  /** Number of keys in the range, unaffected by `limit`. */
  readonly count: number;
}

export interface PutRequest<V = unknown> {
  readonly key: string;
  readonly value: V;
  readonly lease?: number;
  readonly prevKv?: boolean;
}

export interface PutResponse<V = unknown> {
  readonly header: ResponseHeader;
  readonly prevKv?: KeyValue<V>;
}

export interface DeleteRangeRequest {
  readonly key: string;
  readonly rangeEnd?: string;
  readonly prevKv?: boolean;
}

export interface DeleteRangeResponse<V = unknown> {
  readonly header: ResponseHeader;
  readonly deleted: number;
  readonly prevKvs: KeyValue<V>[];
}

export type CompareTarget = 'version' | 'create' | 'mod' | 'value' | 'lease';
export type CompareResult = 'equal' | 'greater' | 'less' | 'not_equal';

export interface Compare {
  readonly key: string;
  readonly rangeEnd?: string;
  readonly target: CompareTarget;
  readonly result: CompareResult;
  /**
   * A number for version/create/mod/lease; for 'value', the value to compare with. Values compare as etcd
   * compares bytes: strings directly, anything else by its JSON text (so the number 2 is greater than 10).
   */
  readonly operand: unknown;
}

export type RequestOp =
  | { readonly range: RangeRequest }
  | { readonly put: PutRequest }
  | { readonly deleteRange: DeleteRangeRequest }
  | { readonly txn: TxnRequest };

export type ResponseOp =
  | { readonly range: RangeResponse }
  | { readonly put: PutResponse }
  | { readonly deleteRange: DeleteRangeResponse }
  | { readonly txn: TxnResponse };

export interface TxnRequest {
  readonly compare: readonly Compare[];
  readonly success: readonly RequestOp[];
  readonly failure: readonly RequestOp[];
}

export interface TxnResponse {
  readonly header: ResponseHeader;
  readonly succeeded: boolean;
  readonly responses: ResponseOp[];
}

export type EventType = 'PUT' | 'DELETE';

export interface WatchEvent<V = unknown> {
  readonly type: EventType;
  /** For DELETE: the key, with modRevision = the deletion's revision and everything else zero/undefined. */
  readonly kv: KeyValue<V>;
  /** The key's value before this event, when the watch asked for prevKv and it is still in history. */
  readonly prevKv?: KeyValue<V>;
}

export interface WatchRequest {
  readonly key: string;
  readonly rangeEnd?: string;
  /** Inclusive; absent or 0 = "now" (events after the current revision). */
  readonly startRevision?: number;
  readonly prevKv?: boolean;
  readonly filters?: readonly ('noput' | 'nodelete')[];
  /** Send an empty response with the current revision when asked through requestProgress(). */
  readonly progressNotify?: boolean;
}

/** One delivery to a watcher: every event of one or more whole revisions, never a part of a revision. */
export interface WatchResponse<V = unknown> {
  readonly watchId: number;
  readonly header: ResponseHeader;
  readonly events: WatchEvent<V>[];
  /** Set with `canceled` when the start revision was compacted: the oldest revision still readable. */
  readonly compactRevision?: number;
  readonly canceled?: boolean;
  readonly cancelReason?: string;
}

export interface Watcher {
  readonly id: number;
  cancel(): void;
}

export interface LeaseGrantResponse {
  readonly header: ResponseHeader;
  readonly id: number;
  readonly ttl: number;
}

export interface LeaseTimeToLiveResponse {
  readonly header: ResponseHeader;
  readonly id: number;
  /** Remaining seconds (expires in under ttl+1 s), or -1 for an unknown or expired lease. */
  readonly ttl: number;
  readonly grantedTtl: number;
  readonly keys: string[];
}

/**
 * The store behind the API server. Asynchronous so that a remote etcd can implement it; the embedded store
 * does its work at call time (revisions are assigned in call order) and returns settled promises.
 */
export interface Store {
  range<V = unknown>(req: RangeRequest): Promise<RangeResponse<V>>;
  put<V = unknown>(req: PutRequest<V>): Promise<PutResponse<V>>;
  deleteRange<V = unknown>(req: DeleteRangeRequest): Promise<DeleteRangeResponse<V>>;
  txn(req: TxnRequest): Promise<TxnResponse>;
  compact(revision: number): Promise<ResponseHeader>;
  /** Events arrive through `onResponse` in revision order; it may be called before watch() returns. */
  watch<V = unknown>(req: WatchRequest, onResponse: (res: WatchResponse<V>) => void): Watcher;
  /** Asks every watcher that set progressNotify for an empty response carrying the current revision. */
  requestProgress(): void;
  leaseGrant(ttlSeconds: number, id?: number): Promise<LeaseGrantResponse>;
  leaseRevoke(id: number): Promise<ResponseHeader>;
  /** Renews the lease; resolves to its TTL in seconds. */
  leaseKeepAlive(id: number): Promise<number>;
  leaseTimeToLive(id: number, keys?: boolean): Promise<LeaseTimeToLiveResponse>;
  close(): Promise<void>;
  /**
   * Requests made but not yet answered (a remote store; the embedded store answers at call time and has none).
   * A caller that must know when everything it started has landed (the simulation's settle) waits for 0.
   */
  pending?(): number;
}

/** Sentinel errors with etcd's words (api/v3rpc/rpctypes/error.go, server/storage/mvcc/kvstore.go). */
export type StoreErrorCode =
  | 'ErrEmptyKey'
  | 'ErrCompacted'
  | 'ErrFutureRev'
  | 'ErrTooManyOps'
  | 'ErrDuplicateKey'
  | 'ErrLeaseNotFound'
  | 'ErrLeaseExists'
  | 'ErrLeaseTTLTooLarge'
  | 'ErrClosed'
  | 'ErrCorrupt'
  /** A remote store (etcd) did not answer: unreachable, no leader, or past the request deadline. */
  | 'ErrUnavailable';

const messages: Record<StoreErrorCode, string> = {
  ErrEmptyKey: 'etcdserver: key is not provided',
  ErrCompacted: 'mvcc: required revision has been compacted',
  ErrFutureRev: 'mvcc: required revision is a future revision',
  ErrTooManyOps: 'etcdserver: too many operations in txn request',
  ErrDuplicateKey: 'etcdserver: duplicate key given in txn request',
  ErrLeaseNotFound: 'etcdserver: requested lease not found',
  ErrLeaseExists: 'etcdserver: lease already exists',
  ErrLeaseTTLTooLarge: 'etcdserver: too large lease TTL',
  ErrClosed: 'store: closed',
  ErrCorrupt: 'store: data directory is corrupt',
  ErrUnavailable: 'store: etcd is unavailable',
};

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(readonly code: StoreErrorCode, detail?: string) {
    super(detail === undefined ? messages[code] : `${messages[code]}: ${detail}`);
  }
}

// ---- durability -------------------------------------------------------------------------------------------

/** One change inside a committed revision, as the write-ahead log records it. */
export type WalChange =
  | { readonly op: 'put'; readonly key: string; readonly value: unknown; readonly lease: number }
  | { readonly op: 'del'; readonly key: string };

/** What the write-ahead log holds: everything needed to rebuild the store's state after a restart. */
export type WalRecord =
  /** One revision: every change of one put / deleteRange / txn / lease revocation, in order. */
  | { readonly type: 'rev'; readonly revision: number; readonly changes: readonly WalChange[]; readonly revokedLeases?: readonly number[] }
  | { readonly type: 'lease'; readonly id: number; readonly ttl: number }
  /** A lease revoked while no key was attached to it (with keys, the 'rev' record's revokedLeases says it). */
  | { readonly type: 'revoke'; readonly id: number }
  | { readonly type: 'compact'; readonly revision: number };

/** The whole state at one revision; what a snapshot file holds. */
export interface StoreSnapshot {
  readonly revision: number;
  readonly compactRevision: number;
  readonly kvs: readonly KeyValue[];
  readonly leases: readonly { readonly id: number; readonly ttl: number }[];
  /** The next lease id the store will hand out when none is asked for. */
  readonly nextLeaseId: number;
}

/** A data directory: an append-only, checksummed log plus snapshots. */
export interface Persistence {
  /** Appends one record; returns only once the record is durable (fsync). */
  append(record: WalRecord): void;
  /** True when enough records have been appended since the last snapshot that a new one is due. */
  snapshotDue(): boolean;
  /** Writes a snapshot durably, then drops log segments and snapshots it makes redundant. */
  snapshot(state: StoreSnapshot): void;
  close(): void;
}

/** What a data directory held when it was opened. */
export interface Recovered {
  /** The newest valid snapshot, or null for an empty or snapshot-less directory. */
  readonly snapshot: StoreSnapshot | null;
  /** Log records after that snapshot, in order; a torn final record has been dropped. */
  readonly records: readonly WalRecord[];
}
