// Runs one benchmark case in its own process (so its peak RSS is its own) and prints the result as JSON.
// Usage: node worker.js '{"case":"SchedulingBasic","nodes":5000,"pods":10000,"schedulerOnly":false,"seed":1}'
import { findCase, REPLAY_CASE, scaled } from './cases.js';
import { runCase } from './runner.js';

interface Job {
  case: string;
  nodes?: number;
  pods?: number;
  schedulerOnly?: boolean;
  seed?: number;
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
const result = await runCase(shaped, { seed: job.seed ?? 1, schedulerOnly: job.schedulerOnly ?? false });
process.stdout.write(JSON.stringify(result) + '\n');
