// The worker_threads entry of `drydock gpu-frag`: runs the (policy, seed) jobs the main thread sends it, one at
// a time, answering each with one WorkerReply carrying the request's index. It never throws past here.
import { parentPort } from 'node:worker_threads';
import { runExperiment, type PreparedTrace, type RunOptions, type RunResult } from './experiment.js';

export interface WorkerRequest {
  readonly index: number;
  readonly trace: PreparedTrace;
  readonly options: RunOptions;
}

export type WorkerReply =
  | { readonly index: number; readonly ok: true; readonly result: RunResult }
  | { readonly index: number; readonly ok: false; readonly message: string };

if (parentPort === null) throw new Error('src/gpufrag/worker.ts runs only as a worker thread (see runJobs)');
const port = parentPort;
port.on('message', (request: WorkerRequest) => {
  try {
    port.postMessage({ index: request.index, ok: true, result: runExperiment(request.trace, request.options) } satisfies WorkerReply);
  } catch (err) {
    port.postMessage({ index: request.index, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
  }
});
