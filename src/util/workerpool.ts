// A pool of worker threads for independent jobs (drydock compare's configurations, drydock gpu-frag's policy
// and seed runs): `size` threads, each handed the next job as soon as it answers the last, so a thread runs
// several jobs in turn and keeps its compiled code; results in job order whatever order they finish in; the
// first failure terminates every thread.
import { Worker } from 'node:worker_threads';

export interface PoolHooks<J, R, M> {
  /** The message that hands job `index` to a thread. */
  readonly request: (index: number, job: J) => unknown;
  /** A thread's answer: the job's result, or the error that ends the pool. */
  readonly reply: (message: M) => { readonly index: number; readonly result: R } | { readonly index: number; readonly error: Error };
  /** The error for a thread that failed or exited while it held job `index` (undefined: it held none). */
  readonly threadError: (index: number | undefined, reason: string) => Error;
  readonly onDone?: (index: number, result: R) => void;
}

export function runPool<J, R, M>(jobs: readonly J[], size: number, url: URL, hooks: PoolHooks<J, R, M>): Promise<R[]> {
  return new Promise((resolve, reject) => {
    const results: (R | undefined)[] = jobs.map(() => undefined);
    const workers: Worker[] = [];
    let next = 0;
    let finished = 0;
    let over = false;
    const end = (outcome: () => void) => {
      if (over) return;
      over = true;
      for (const w of workers) void w.terminate();
      outcome();
    };
    const spawn = () => {
      const worker = new Worker(url);
      workers.push(worker);
      let current: number | undefined;
      const give = () => {
        if (next >= jobs.length) return;
        current = next++;
        worker.postMessage(hooks.request(current, jobs[current]!));
      };
      worker.on('message', (message: M) => {
        current = undefined;
        const r = hooks.reply(message);
        if ('error' in r) return end(() => reject(r.error));
        results[r.index] = r.result;
        finished++;
        hooks.onDone?.(r.index, r.result);
        if (finished === jobs.length) return end(() => resolve(results as R[]));
        give();
      });
      worker.once('error', (err) => end(() => reject(hooks.threadError(current, err.message))));
      worker.once('exit', (code) => {
        if (current !== undefined) end(() => reject(hooks.threadError(current, `its worker thread exited with code ${code} before reporting a result`)));
      });
      give();
    };
    for (let k = 0; k < Math.min(size, jobs.length); k++) spawn();
  });
}
