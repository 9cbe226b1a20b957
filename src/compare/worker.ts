// The worker_threads entry of `drydock compare`: runs the configurations the main thread sends it
// (WorkerRequest), one at a time, and answers each with one WorkerReply. It never throws past here: a failure
// becomes a reply the main thread turns into one line naming the configuration. The thread lives until the
// main thread terminates it, so later runs find the code already compiled.
import { parentPort } from 'node:worker_threads';
import { UserInputError } from '../cli/errors.js';
import { runConfiguration, type ConfigurationJob, type ConfigurationRun } from './run.js';

/** One configuration to run; `index` comes back in the reply. */
export interface WorkerRequest {
  readonly index: number;
  readonly job: ConfigurationJob;
}

export type WorkerReply =
  | { readonly index: number; readonly ok: true; readonly run: ConfigurationRun }
  | { readonly index: number; readonly ok: false; readonly message: string; readonly userInput: boolean };

if (parentPort === null) throw new Error('src/compare/worker.ts runs only as a worker thread (see runConfigurations)');
const port = parentPort;
port.on('message', (request: WorkerRequest) => {
  void runConfiguration(request.job).then(
    (run) => port.postMessage({ index: request.index, ok: true, run } satisfies WorkerReply),
    (err: unknown) =>
      port.postMessage({ index: request.index, ok: false, message: err instanceof Error ? err.message : String(err), userInput: err instanceof UserInputError } satisfies WorkerReply),
  );
});
