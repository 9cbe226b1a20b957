export { MvccStore, prefixEnd, DEFAULT_MAX_TXN_OPS, DEFAULT_MIN_LEASE_TTL, MAX_LEASE_TTL } from './mvcc.js';
export type { MvccOptions } from './mvcc.js';
export { asyncStore, openEmbeddedStore } from './embedded.js';
export type { EmbeddedStoreOptions } from './embedded.js';
export { openDataDir } from './wal.js';
export { StoreError } from './types.js';
export type {
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  DeleteRangeResponse,
  EventType,
  KeyValue,
  LeaseGrantResponse,
  LeaseTimeToLiveResponse,
  Persistence,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  Recovered,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  Store,
  StoreErrorCode,
  StoreSnapshot,
  TxnRequest,
  TxnResponse,
  WalChange,
  WalRecord,
  WatchEvent,
  WatchRequest,
  WatchResponse,
  Watcher,
} from './types.js';
