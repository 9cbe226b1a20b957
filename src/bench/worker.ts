// Runs one benchmark case in its own process (so its peak RSS is its own) and prints the result as JSON.
// Usage: node worker.js '{"case":"SchedulingBasic","nodes":5000,"pods":10000,"schedulerOnly":false,"seed":1}'
// With "profile": FILE, it also writes a V8 CPU profile (.cpuprofile JSON) of the measured phase alone.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { findCase, REPLAY_CASE, scaled } from './cases.js';
import { runCase } from './runner.js';

interface Job {
  case: string;
  nodes?: number;
  pods?: number;
  schedulerOnly?: boolean;
  seed?: number;
  /** Where to write the measured phase's CPU profile. */
  profile?: string;
  /** Its sampling interval in µs (V8's default is 1000). */
  profileIntervalUs?: number;
}

/**
 * V8's sampling profiler (through the in-process inspector, whose calls complete synchronously), started as
 * the measured phase starts and stopped when it ends; `written()` settles once the profile is in `file`.
 */
function measuredPhaseProfiler(file: string, intervalUs: number): { onMeasure: (phase: 'start' | 'end') => void; written: () => Promise<void> } {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  let written: Promise<void> = Promise.reject(new Error('the measured phase never ended'));
  written.catch(() => {});
  return {
    written: () => written,
    onMeasure: (phase) => {
      if (phase === 'start') {
        session.post('Profiler.start');
        return;
      }
      written = new Promise((resolve, reject) =>
        session.post('Profiler.stop', (err, res) => {
          if (err) return reject(err);
          writeFileSync(file, JSON.stringify(res.profile));
          resolve();
        }),
      );
    },
  };
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
if (job.case === REPLAY_CASE) {
  // Loaded only for this case: it brings the whole simulate command (and its etcd client) with it.
  const { runAlibabaReplay } = await import('./replay.js');
  process.stdout.write(JSON.stringify(await runAlibabaReplay()) + '\n');
  process.exit(0);
}
const c = findCase(job.case);
if (c === undefined) {
  process.stderr.write(`unknown case ${job.case}\n`);
  process.exit(2);
}
const shaped = job.nodes !== undefined || job.pods !== undefined ? scaled(c, job.nodes ?? c.nodes, job.pods ?? c.measured.count) : c;
const profiler = job.profile !== undefined ? measuredPhaseProfiler(job.profile, job.profileIntervalUs ?? 1000) : undefined;
const result = await runCase(shaped, {
  seed: job.seed ?? 1,
  schedulerOnly: job.schedulerOnly ?? false,
  ...(profiler !== undefined ? { onMeasure: profiler.onMeasure } : {}),
});
await profiler?.written();
process.stdout.write(JSON.stringify(result) + '\n');
