// The worker thread behind LockstepEtcdStore (etcd-lockstep.ts): it holds the EtcdStore (gRPC needs an event
// loop, which the blocked main thread does not run), answers one request at a time, and hands back with each
// answer every watch response that arrived for the main thread's watchers, then wakes the main thread.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openEtcdStore, type EtcdStore } from './etcd.js';
import { StoreError, type Watcher, type WatchResponse } from './types.js';
import type { LockstepReply, LockstepRequest } from './etcd-lockstep.js';

interface Init {
  readonly endpoints: string[];
  readonly port: MessagePort;
  readonly signal: SharedArrayBuffer;
}

const { endpoints, port, signal } = workerData as Init;
const flag = new Int32Array(signal);
const watchers = new Map<number, Watcher>();
let buffered: { watchId: number; res: WatchResponse }[] = [];
let store: EtcdStore | undefined;

function reply(r: LockstepReply): void {
  port.postMessage(r);
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function take(): { watchId: number; res: WatchResponse }[] {
  const out = buffered;
  buffered = [];
  return out;
}

async function handle(req: LockstepRequest): Promise<unknown> {
  if (req.op === 'open') {
    store = await openEtcdStore({ endpoints, serial: true });
    return null;
  }
  const s = store!;
  switch (req.op) {
    case 'range':
      return s.range(req.arg);
    case 'put':
      return s.put(req.arg);
    case 'deleteRange':
      return s.deleteRange(req.arg);
    case 'txn':
      return s.txn(req.arg);
    case 'compact':
      return s.compact(req.arg);
    case 'leaseGrant':
      return s.leaseGrant(req.arg.ttl, req.arg.id);
    case 'leaseRevoke':
      return s.leaseRevoke(req.arg);
    case 'leaseKeepAlive':
      return s.leaseKeepAlive(req.arg);
    case 'leaseTimeToLive':
      return s.leaseTimeToLive(req.arg.id, req.arg.keys);
    case 'watch': {
      const { watchId, watch } = req.arg;
      const w = s.watch(watch, (res) => buffered.push({ watchId, res }));
      watchers.set(watchId, w);
      await s.watchReady(w);
      return null;
    }
    case 'cancel':
      watchers.get(req.arg)?.cancel();
      watchers.delete(req.arg);
      return null;
    case 'progress':
      s.requestProgress();
      return null;
    case 'close':
      await s.close();
      return null;
  }
}

port.on('message', (req: LockstepRequest) => {
  handle(req).then(
    (result) => reply({ ok: true, result, watch: take() }),
    (err: unknown) =>
      reply({
        ok: false,
        error: err instanceof StoreError ? { code: err.code, message: err.message } : { code: 'ErrUnavailable', message: err instanceof Error ? err.message : String(err) },
        watch: take(),
      }),
  );
  if (req.op === 'close') port.once('close', () => parentPort?.close());
});
