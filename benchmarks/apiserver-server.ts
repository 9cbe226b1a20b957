// The server half of the loopback benchmark (benchmarks/apiserver.ts): an in-memory store, an ApiServer
// and the HTTP front end on 127.0.0.1 at a free port. Loaded as a worker thread it gets its own event loop
// and heap, so the load generator's JSON and socket work does not take turns from the server; imported,
// it runs in the caller's thread (--server inline, for comparison).
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort } from 'node:worker_threads';
import { ApiServer } from '../src/apiserver/apiserver.js';
import { startHttpServer } from '../src/apiserver/http.js';
import { openEmbeddedStore } from '../src/store/embedded.js';
import { systemClock } from '../src/util/clock.js';

export interface LoopbackServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Parent → worker. `mark` starts an event-loop-utilisation interval; `measure` answers with it. */
export type ServerRequest = { readonly type: 'mark' } | { readonly type: 'measure' } | { readonly type: 'stop' };
/** Worker → parent. */
export type ServerReply = { readonly type: 'ready'; readonly url: string } | { readonly type: 'utilization'; readonly value: number } | { readonly type: 'stopped' };

export async function startLoopbackServer(): Promise<LoopbackServer> {
  // The wall clock, as under `drydock serve`; compaction off so the run's history stays watchable.
  const { store, mvcc } = openEmbeddedStore({ clock: systemClock });
  const api = new ApiServer({ store, clock: systemClock });
  await api.bootstrap();
  const http = await startHttpServer({ api, host: '127.0.0.1', port: 0 });
  return {
    url: http.url,
    close: async () => {
      await http.close();
      api.close();
      mvcc.close();
    },
  };
}

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  const reply = (r: ServerReply) => port.postMessage(r);
  const server = await startLoopbackServer();
  let mark = performance.eventLoopUtilization();
  port.on('message', (msg: ServerRequest) => {
    switch (msg.type) {
      case 'mark':
        mark = performance.eventLoopUtilization();
        return;
      case 'measure':
        return reply({ type: 'utilization', value: performance.eventLoopUtilization(mark).utilization });
      case 'stop':
        void server.close().then(() => {
          reply({ type: 'stopped' });
          port.close();
        });
        return;
    }
  });
  reply({ type: 'ready', url: server.url });
}
