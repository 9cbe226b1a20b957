// drydock bench around the cases: the scale case's counts (ten times Kubernetes' documented limits) and a
// small run of it, the trace replay's visible skip without the trace, and the table's arithmetic.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SCALE_CASE, scaled } from '../../src/bench/cases.js';
import { runAlibabaReplay } from '../../src/bench/replay.js';
import { runCase, type CaseResult } from '../../src/bench/runner.js';
import { bench, CASE_NAMES, DEFAULT_RUNS, formatTable, heapLimitMb, runsFor, workerFailure, type CaseRunner } from '../../src/cli/commands/bench.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const t = suite('drydock bench: scale case, trace replay, table');

t('the scale case is 10 × 5,000 nodes and 10 × 150,000 pods, and npm run bench runs it and the replay', () => {
  assert.is(SCALE_CASE.nodes, 10 * 5000);
  assert.is(SCALE_CASE.measured.count + SCALE_CASE.init.reduce((s, g) => s + g.count, 0), 10 * 150_000);
  assert.ok(CASE_NAMES.includes('Scale50kNodes1500kPods'));
  assert.is(CASE_NAMES[CASE_NAMES.length - 1], 'AlibabaReplay');
});

t('the scale case, shrunk to 20 nodes and 600 pods, binds every pod within the nodes\' 4 CPUs', async () => {
  // 600 pods × 100m = 60 CPUs over 20 nodes × 4 CPUs = 80: all fit, at most 40 per node.
  let perNode = new Map<string, number>();
  const r = await runCase(scaled(SCALE_CASE, 20, 600), {
    keep: async (api) => {
      const pods = (await api.list<{ spec: { nodeName?: string } }>('pods')).items;
      perNode = new Map();
      for (const p of pods) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    },
  });
  assert.is([...perNode.values()].reduce((a, b) => a + b, 0), 600);
  assert.ok(Math.max(...perNode.values()) <= 40);
  assert.ok(r.wallSeconds >= r.seconds, 'the whole case includes the measured part');
});

t('runs per case: the short cases three times by default (their median), the scale case and the replay once', () => {
  assert.is(DEFAULT_RUNS, 3);
  assert.is(runsFor('SchedulingBasic', undefined), 3);
  assert.is(runsFor('Scale50kNodes1500kPods', undefined), 1);
  assert.is(runsFor('AlibabaReplay', undefined), 1);
  // --runs applies to every case but the replay, which is one long simulation.
  assert.is(runsFor('SchedulingBasic', 5), 5);
  assert.is(runsFor('Scale50kNodes1500kPods', 2), 2);
  assert.is(runsFor('AlibabaReplay', 5), 1);
});

t('heap limits: 7 GiB for the scale case at its own size (its peak RSS target is 8 GiB), 16 GiB otherwise', () => {
  assert.is(heapLimitMb({ case: 'Scale50kNodes1500kPods' }), 7168);
  assert.is(heapLimitMb({ case: 'scale50knodes1500kpods', pods: 100_000 }), 7168, 'smaller is fine');
  assert.is(heapLimitMb({ case: 'Scale50kNodes1500kPods', pods: 3_000_000 }), 16384, 'twice the pods would not fit in 7 GiB');
  assert.is(heapLimitMb({ case: 'Scale50kNodes1500kPods', nodes: 100_000 }), 16384);
  assert.is(heapLimitMb({ case: 'SchedulingBasic' }), 16384);
});

t('without the trace, the replay case is skipped with a line that says where it looked', async () => {
  const outcome = await runAlibabaReplay('/nonexistent/alibaba');
  assert.equal(outcome, { skipped: '/nonexistent/alibaba/openb_pod_list_default.csv not found (the trace lives outside the repository, in ../shared/datasets)' });
});

t('the table: ratio = pods/s ÷ threshold; cases without a threshold show "-"', () => {
  const row = (over: Partial<CaseResult>): CaseResult => ({ case: 'X', nodes: 10, initPods: 0, measuredPods: 100, seconds: 1, wallSeconds: 2, podsPerSecond: 5400, threshold: 270, ratio: 20, peakRssBytes: 256 * 2 ** 20, schedulerOnly: false, ...over });
  const text = formatTable([row({ case: 'SchedulingBasic' }), row({ case: 'AlibabaReplay', threshold: 0, ratio: 0, wallSeconds: 25.6 })]);
  const lines = text.trimEnd().split('\n');
  // 5400 / 270 = 20.0x
  assert.match(lines[1]!, /^SchedulingBasic\s+10\s+100\s+5400\s+270\s+20\.0x\s+2\.0s\s+256 MiB$/);
  assert.match(lines[2]!, /^AlibabaReplay\s+10\s+100\s+5400\s+-\s+-\s+25\.6s\s+256 MiB$/);
});

t('repeated runs go round by round, each case\'s median reported with its largest peak RSS', async () => {
  const calls: string[] = [];
  // Throughput by call: the second round is slow for every case (a slow spell of the machine).
  const speeds: Record<string, number[]> = { SchedulingBasic: [100, 40, 90], TopologySpreading: [300, 120, 280] };
  const run: CaseRunner = async (job) => {
    const i = calls.filter((c) => c.startsWith(job.case)).length;
    calls.push(`${job.case}#${i}`);
    if (job.case === 'AlibabaReplay') return { skipped: 'no trace here' };
    const pps = speeds[job.case]![i]!;
    return { case: job.case, nodes: 1, initPods: 0, measuredPods: 10, seconds: 10 / pps, wallSeconds: 1, podsPerSecond: pps, threshold: 10, ratio: pps / 10, peakRssBytes: (i + 1) * 2 ** 20, schedulerOnly: false };
  };
  const out = await bench({ case: ['SchedulingBasic', 'TopologySpreading', 'AlibabaReplay'], 'scheduler-only': false, seed: 1 }, run);
  // Round 1: every case (the replay is skipped, once); rounds 2 and 3: the two short cases again.
  assert.equal(calls, ['SchedulingBasic#0', 'TopologySpreading#0', 'AlibabaReplay#0', 'SchedulingBasic#1', 'TopologySpreading#1', 'SchedulingBasic#2', 'TopologySpreading#2']);
  // Medians: 90 of {100, 40, 90} and 280 of {300, 120, 280}; peak RSS the largest of three (3 MiB).
  assert.equal(out.map((r) => [r.case, r.podsPerSecond, r.peakRssBytes / 2 ** 20]), [['SchedulingBasic', 90, 3], ['TopologySpreading', 280, 3]]);
});

t('bad flags: one line naming the flag, exit 2, before any case runs', () => {
  // A folder that cannot be made: its parent is a file.
  const file = join(mkdtempSync(join(tmpdir(), 'drydock-bench-')), 'a-file');
  writeFileSync(file, '');
  const cases: [string[], string][] = [
    [['--nodes', '0'], 'drydock: --nodes 0: not a node count (expected a whole number ≥ 1)'],
    [['--pods', '-5'], 'drydock: --pods -5: not a pod count (expected a whole number ≥ 1)'],
    [['--pods', '2.5'], 'drydock: --pods 2.5: not a pod count (expected a whole number ≥ 1)'],
    [['--nodes', 'many'], 'drydock: --nodes: not a node count (expected a whole number ≥ 1)'],
    [['--seed', '-1'], 'drydock: --seed -1: not a seed (expected a whole number ≥ 0)'],
    [['--runs', '0'], 'drydock: --runs: 0 is not a positive integer'],
    [['--case', 'Nope'], `drydock: --case Nope: unknown case (expected one of ${CASE_NAMES.join(', ')})`],
    [['--case', 'SchedulingBasic', '--json', `${file}/out.json`], `drydock: --json ${file}/out.json: cannot create its folder: EEXIST (expected a writable path)`],
    // --json last on the line (yargs gives it an empty string): it used to run every case, then fail to write.
    [['--case', 'SchedulingBasic', '--json'], 'drydock: --json: no value given (expected --json VALUE)'],
    [['--case', 'SchedulingBasic', '--json', ''], 'drydock: --json: no file named (expected --json FILE)'],
    [['--case', 'SchedulingBasic', '--json', dirname(file)], `drydock: --json ${dirname(file)}: is a folder (expected a file path)`],
    // A folder that exists but takes no files (Linux's /proc): found before the run, not after it.
    [['--case', 'SchedulingBasic', '--json', '/proc/drydock-bench.json'], 'drydock: --json /proc/drydock-bench.json: cannot write it: ENOENT (expected a writable path)'],
  ];
  for (const [args, line] of cases) {
    const r = spawnSync(process.execPath, [MAIN, 'bench', ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim(), line);
    assert.is(r.stdout, '', 'no case ran');
  }
});

t('a failed worker is reported by its error line, not by Node\'s version banner', () => {
  const stderr = 'file:///x/worker.js:27\nconst result = await runCase(...);\n\nError: stuck at 10 of 50 bound pods (queue: {})\n    at driveUntilBound (file:///x/runner.js:40:13)\n\nNode.js v20.20.2\n';
  assert.is(workerFailure(stderr), 'Error: stuck at 10 of 50 bound pods (queue: {})');
  assert.is(workerFailure('unknown case X\n'), 'unknown case X');
  assert.is(workerFailure(''), undefined);
});

t.run();
