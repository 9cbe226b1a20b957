// etcd in lockstep with the caller, for deterministic simulation on a real etcd: every request is answered before
// the call returns, and the watch events it causes are delivered during the call, as the embedded store does.
// So a simulation makes the same calls in the same order on etcd as in memory, and gets the same results.
//
// How: gRPC needs an event loop, so the EtcdStore lives in a worker thread. The main thread posts a request and
// blocks in Atomics.wait until the worker has answered (receiveMessageOnPort reads the answer without the event
// loop). The worker's answer to a write comes after etcd has sent the write's events to every watcher whose
// range holds a written key (EtcdStore's read-your-watch), and carries every watch response received so far;
// the main thread delivers them before returning, in order, re-entrancy safe like the embedded store.
// The cost is a blocked thread per request: use it where determinism matters more than throughput
// (`drydock simulate --etcd-endpoints`); `drydock serve` uses EtcdStore directly.
//
// Limits: responses etcd sends on its own (lease expiry, progress notifications) reach the watchers with the
// next request's answer rather than at once; a watch that starts at an old revision with nothing to replay
// waits a bounded time for etcd to catch it up (EtcdStore.watchReady).
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import {
  StoreError,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type LeaseGrantResponse,
  type LeaseTimeToLiveResponse,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type ResponseHeader,
  type Store,
  type StoreErrorCode,
  type TxnRequest,
  type TxnResponse,
  type WatchRequest,
  type WatchResponse,
  type Watcher,
} from './types.js';

/** One request to the worker. */
export type LockstepRequest =
  | { readonly op: 'open' }
  | { readonly op: 'range'; readonly arg: RangeRequest }
  | { readonly op: 'put'; readonly arg: PutRequest }
  | { readonly op: 'deleteRange'; readonly arg: DeleteRangeRequest }
  | { readonly op: 'txn'; readonly arg: TxnRequest }
  | { readonly op: 'compact'; readonly arg: number }
  | { readonly op: 'leaseGrant'; readonly arg: { ttl: number; id?: number } }
  | { readonly op: 'leaseRevoke'; readonly arg: number }
  | { readonly op: 'leaseKeepAlive'; readonly arg: number }
  | { readonly op: 'leaseTimeToLive'; readonly arg: { id: number; keys?: boolean } }
  | { readonly op: 'watch'; readonly arg: { watchId: number; watch: WatchRequest } }
  | { readonly op: 'cancel'; readonly arg: number }
  | { readonly op: 'progress' }
  | { readonly op: 'close' };

/** The worker's answer, with the watch responses that arrived since the previous answer. */
export type LockstepReply = { readonly watch: { watchId: number; res: WatchResponse }[] } & (
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: { code: StoreErrorCode; message: string } }
);

/** How long one request may block before the store gives up on the worker (etcd's own deadlines come first). */
const REPLY_TIMEOUT_MS = 60_000;

export class LockstepEtcdStore implements Store {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private seen = 0;
  private closed = false;
  private nextWatchId = 1;
  private readonly callbacks = new Map<number, (res: WatchResponse) => void>();
  private readonly queue: { watchId: number; res: WatchResponse }[] = [];
  private delivering = false;

  /** Starts the worker and connects to etcd (throws ErrUnavailable, as openEtcdStore does, when it does not answer). */
  constructor(endpoints: readonly string[]) {
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.flag = new Int32Array(signal);
    this.port = port1;
    this.worker = new Worker(new URL('./etcd-worker.js', import.meta.url), { workerData: { endpoints: [...endpoints], port: port2, signal }, transferList: [port2] });
    this.worker.unref();
    try {
      this.call({ op: 'open' });
    } catch (err) {
      void this.worker.terminate();
      throw err;
    }
  }

  /** Sends one request and blocks until its answer; delivers the watch responses that came with it. */
  private call(req: LockstepRequest): unknown {
    if (this.closed) throw new StoreError('ErrClosed');
    this.port.postMessage(req);
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    let msg: { message: LockstepReply } | undefined;
    while ((msg = receiveMessageOnPort(this.port) as { message: LockstepReply } | undefined) === undefined) {
      const left = deadline - Date.now();
      if (left <= 0) throw new StoreError('ErrUnavailable', `no answer from the etcd worker in ${REPLY_TIMEOUT_MS} ms`);
      Atomics.wait(this.flag, 0, this.seen, Math.min(left, 1000));
      this.seen = Atomics.load(this.flag, 0);
    }
    const reply = msg.message;
    this.queue.push(...reply.watch);
    this.deliver();
    if (!reply.ok) {
      const err = new StoreError(reply.error.code);
      err.message = reply.error.message;
      throw err;
    }
    return reply.result;
  }

  /** Delivers queued watch responses in order; a callback that writes adds to the queue this loop drains. */
  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      let next: { watchId: number; res: WatchResponse } | undefined;
      while ((next = this.queue.shift()) !== undefined) this.callbacks.get(next.watchId)?.(next.res);
    } finally {
      this.delivering = false;
    }
  }

  private settle<T>(req: LockstepRequest): Promise<T> {
    try {
      return Promise.resolve(this.call(req) as T);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  range<V = unknown>(req: RangeRequest): Promise<RangeResponse<V>> {
    return this.settle({ op: 'range', arg: req });
  }
  put<V = unknown>(req: PutRequest<V>): Promise<PutResponse<V>> {
    return this.settle({ op: 'put', arg: req });
  }
  deleteRange<V = unknown>(req: DeleteRangeRequest): Promise<DeleteRangeResponse<V>> {
    return this.settle({ op: 'deleteRange', arg: req });
  }
  txn(req: TxnRequest): Promise<TxnResponse> {
    return this.settle({ op: 'txn', arg: req });
  }
  compact(revision: number): Promise<ResponseHeader> {
    return this.settle({ op: 'compact', arg: revision });
  }

  watch<V = unknown>(req: WatchRequest, onResponse: (res: WatchResponse<V>) => void): Watcher {
    const watchId = this.nextWatchId++;
    this.callbacks.set(watchId, onResponse as (res: WatchResponse) => void);
    this.call({ op: 'watch', arg: { watchId, watch: req } });
    return {
      id: watchId,
      cancel: () => {
        if (!this.callbacks.delete(watchId) || this.closed) return;
        this.call({ op: 'cancel', arg: watchId });
      },
    };
  }

  requestProgress(): void {
    if (!this.closed) this.call({ op: 'progress' });
  }
  leaseGrant(ttlSeconds: number, id?: number): Promise<LeaseGrantResponse> {
    return this.settle({ op: 'leaseGrant', arg: { ttl: ttlSeconds, ...(id !== undefined ? { id } : {}) } });
  }
  leaseRevoke(id: number): Promise<ResponseHeader> {
    return this.settle({ op: 'leaseRevoke', arg: id });
  }
  leaseKeepAlive(id: number): Promise<number> {
    return this.settle({ op: 'leaseKeepAlive', arg: id });
  }
  leaseTimeToLive(id: number, keys?: boolean): Promise<LeaseTimeToLiveResponse> {
    return this.settle({ op: 'leaseTimeToLive', arg: { id, ...(keys !== undefined ? { keys } : {}) } });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.call({ op: 'close' });
    } finally {
      this.closed = true;
      this.callbacks.clear();
      this.port.close();
      await this.worker.terminate();
    }
  }
}
