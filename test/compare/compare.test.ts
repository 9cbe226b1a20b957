// drydock compare's engine on a small workload: a parallel run equals a sequential one, each configuration's
// summary equals what `drydock simulate` gives for its pools file and seed, results keep configuration order,
// and a run that breaks inside a worker thread is one line naming its configuration.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCompareCommand, type CompareOutcome } from '../../src/cli/commands/compare.js';
import { runSimulateCommand } from '../../src/cli/commands/simulate.js';
import { UserInputError } from '../../src/cli/errors.js';
import { ConfigurationRunError, runConfigurations } from '../../src/compare/index.js';
import { writeFixtures } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'drydock-compare-'));
const fx = writeFixtures(dir);
const configPaths = [fx.pools['small']!, fx.pools['medium']!, fx.pools['large']!];

/** compare's --json as parsed objects, without the one number that depends on the machine. */
function jsonWithoutWall(file: string): Record<string, unknown>[] {
  const objects = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
  for (const o of objects) delete o['wallSeconds'];
  return objects;
}

const args = (extra: object) => ({ workload: [fx.workload], pools: configPaths, seed: 4, jobs: 1, ...extra });

const engine = suite('compare engine');
engine.after(() => rmSync(dir, { recursive: true, force: true }));

// Both runs with the same SLO flag, so meetsSlo is compared too; the parallel outcome serves the tests below.
let parallel: CompareOutcome;

engine('--jobs 2 (worker threads) and --jobs 1 (one after another here) give identical --json, wallSeconds aside', async () => {
  await runCompareCommand(args({ jobs: 1, 'max-unschedulable': 0, json: join(dir, 'seq.json') }));
  parallel = await runCompareCommand(args({ jobs: 2, 'max-unschedulable': 0, json: join(dir, 'par.json') }));
  const seq = jsonWithoutWall(join(dir, 'seq.json'));
  const par = jsonWithoutWall(join(dir, 'par.json'));
  assert.equal(par, seq);
  assert.equal(seq.map((o) => o['name']), ['small', 'medium', 'large'], 'configuration order');
});

engine('each configuration is exactly the simulate run of its pools file and seed; peak nodes are the max of its samples', async () => {
  for (const [i, pools] of configPaths.entries()) {
    const sim = await runSimulateCommand({ workload: [fx.workload], pools, 'pools-from-nodes': false, seed: 4, 'sample-every': '60s', quiet: true });
    const c = parallel.configurations[i]!;
    assert.equal({ ...c.summary, wallSeconds: 0 }, { ...sim.summary, wallSeconds: 0 }, c.name);
    assert.equal(c.metrics, sim.metrics, `${c.name}: the same samples`);
    // Independently of peakNodes(): for each pool, the largest `nodes` among its rows.
    const want: Record<string, number> = {};
    for (const m of sim.metrics) want[m.pool] = Math.max(want[m.pool] ?? 0, m.nodes);
    assert.equal(c.peakNodes, want, c.name);
  }
});

engine('--max-unschedulable 0 marks the only configuration that scheduled every pod; the others are listed with their count', () => {
  // The fixture's 6-core pod fits only the m5.2xlarge of "large": small and medium never schedule it.
  assert.equal(parallel.configurations.map((c) => c.summary.pods.unschedulable), [1, 1, 0]);
  assert.equal(parallel.verdict.checks.map((c) => c.meets), [false, false, true]);
  assert.is(parallel.verdict.cheapest, 2);
  assert.match(parallel.verdict.line, /^cheapest that meets the SLO \(unschedulable ≤ 0\): large at \d+\.\d\d USD; missing it: small 1 unschedulable > 0; medium 1 unschedulable > 0$/);
  assert.match(parallel.text, /^\* +large /m);
  assert.match(parallel.text, /^3 configurations, seed 4, simulated in [\d.]+s wall \(2 worker threads\)$/m);
});

const workers = suite('worker threads');
const failing = new URL('./fixtures/failing-worker.js', import.meta.url);
const configs = (...names: string[]) => names.map((name) => ({ name, poolsFile: `${name}.yaml` }));

workers('results come back in configuration order, not completion order', async () => {
  const completed: number[] = [];
  const runs = await runConfigurations(configs('c0', 'c1', 'c2', 'c3'), { seed: 1, jobs: 4, workerUrl: failing, onDone: (i) => completed.push(i) });
  assert.equal(completed, [3, 2, 1, 0], 'the fixture answers the last configuration first');
  assert.equal(runs.map((r) => [r.name, r.summary.cost.total]), [['c0', 0], ['c1', 1], ['c2', 2], ['c3', 3]]);
});

workers('a failure inside a worker is one line naming the configuration and its file', async () => {
  const cases: [string, string][] = [
    ['throws-x', 'configuration throws-x (throws-x.yaml): the simulation failed: boom: the engine broke'],
    ['exits-x', 'configuration exits-x (exits-x.yaml): the simulation failed: its worker thread exited with code 3 before reporting a result'],
    ['fails-x', 'configuration fails-x (fails-x.yaml): the simulation failed: Cannot read properties of undefined'],
  ];
  for (const [name, want] of cases) {
    const err = await runConfigurations(configs('ok', name), { seed: 1, jobs: 2, workerUrl: failing }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(err, ConfigurationRunError, name);
    assert.is((err as Error).message, want);
  }
  const bad = await runConfigurations(configs('bad-input-x'), { seed: 1, jobs: 2, workerUrl: failing }).catch((e: unknown) => e);
  assert.instance(bad, UserInputError, 'bad input found inside a worker stays bad input (exit 2)');
  assert.is((bad as Error).message, 'bad-input-x.yaml:3: NodePool "p": spec.minSize: Invalid value (expected a whole number)');
});

engine.run();
workers.run();
