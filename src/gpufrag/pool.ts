// Every (policy, seed) run of an experiment on `jobs` worker threads, results in job order; jobs = 1 runs them
// in this thread. Each thread takes the next job as soon as it answers the last; the first failure ends all.
import { runPool } from '../util/workerpool.js';
import { runExperiment, type PreparedTrace, type RunOptions, type RunResult } from './experiment.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

export const DEFAULT_WORKER_URL = new URL('./worker.js', import.meta.url);

export function runJobs(trace: PreparedTrace, jobs: readonly RunOptions[], threads: number, url: URL = DEFAULT_WORKER_URL): Promise<RunResult[]> {
  if (threads <= 1 || jobs.length <= 1) return Promise.resolve(jobs.map((o) => runExperiment(trace, o)));
  const named = (index: number | undefined, message: string) => (index === undefined ? new Error(message) : new Error(`policy ${jobs[index]!.policy}, seed ${jobs[index]!.seed}: ${message}`));
  return runPool<RunOptions, RunResult, WorkerReply>(jobs, threads, url, {
    request: (index, options) => ({ index, trace, options }) satisfies WorkerRequest,
    reply: (r) => (r.ok ? { index: r.index, result: r.result } : { index: r.index, error: named(r.index, r.message) }),
    threadError: named,
  });
}
