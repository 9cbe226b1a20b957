// drydock plan end to end: the pools file it writes is one `drydock simulate` accepts unchanged, the
// validating simulation is exactly `drydock simulate` on that file, rounds tighten the allowance when the
// SLO is missed, and every kind of bad input ends with one line and exit code 2 and writes nothing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPlanCommand } from '../../src/cli/commands/plan.js';
import { runSimulateCommand } from '../../src/cli/commands/simulate.js';
import { loadCatalog } from '../../src/cloud/catalog.js';
import { loadNodePools } from '../../src/cloud/nodepool.js';
import { DEFAULT_SOLVER } from '../../src/plan/index.js';
import { generateWorkloadCsv, DEFAULT_GENERATE_OPTIONS } from '../../src/workload/generate.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, 'plan', ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'drydock-plan-'));
}

const base = {
  'max-pools': 3,
  spot: false,
  'slo-p99-pending': '5m',
  'max-unschedulable': 0,
  rounds: 3,
  solver: DEFAULT_SOLVER,
  'time-limit': '10s',
  gap: 0.005,
  simulate: true,
  seed: 1,
  'sample-every': '60s',
};

function smallWorkload(dir: string): string {
  const file = join(dir, 'w.csv');
  writeFileSync(file, generateWorkloadCsv({ ...DEFAULT_GENERATE_OPTIONS, seed: 4, services: 3, batch: 20, gpu: 3, hours: 0.5, maxGpus: 1, gpuModels: ['T4'] }, 'w.csv'));
  return file;
}

const t = suite('drydock plan');

t('the pools it writes load in simulate unchanged, and the validating run is exactly simulate on that file', async () => {
  const dir = tempDir();
  try {
    const workload = smallWorkload(dir);
    const out = join(dir, 'pools.yaml');
    const { result } = await runPlanCommand({ ...base, workload: [workload], out, json: join(dir, 'plan.json') });
    const chosen = result.rounds[result.chosen]!;
    const file = loadNodePools(out, loadCatalog());
    assert.equal(file.pools.map((p) => [p.name, p.instanceType.name, p.minSize, p.initialSize, p.maxSize]), chosen.pools.map((p) => [p.name, p.instanceType, p.minSize, p.initialSize, p.maxSize]));
    assert.ok(chosen.pools.length >= 1 && chosen.pools.length <= 3, `${chosen.pools.length} pools for --max-pools 3`);
    const sim = await runSimulateCommand({ workload: [workload], pools: out, 'pools-from-nodes': false, seed: 1, 'sample-every': '60s', quiet: true });
    const strip = (s: object) => ({ ...s, wallSeconds: 0, inputs: [] });
    assert.equal(strip(sim.summary), strip(chosen.simulated!));
    // The JSON holds the bound, every round and the chosen one.
    const json = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { lowerBound: number; chosenRound: number; rounds: { cost: number; lpRelaxation: number; simulated: { cost: { total: number } } }[] };
    assert.is(json.chosenRound, result.chosen + 1);
    assert.ok(json.rounds.every((r) => r.cost >= r.lpRelaxation - 1e-6));
    assert.ok(json.lowerBound <= json.rounds[0]!.cost + 1e-6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('a missed SLO tightens the allowance and re-solves, a bounded number of times, and says so', async () => {
  const dir = tempDir();
  try {
    const workload = smallWorkload(dir);
    // No pod waits 0 s (nodes take 60 s to come up), so the SLO is missed every round.
    const lines: string[] = [];
    const { result } = await runPlanCommand({ ...base, workload: [workload], 'slo-p99-pending': '0.001s', rounds: 3 }, (s) => lines.push(s));
    assert.is(result.rounds.length, 3);
    assert.is(result.meetsSlo, false);
    const allowances = result.rounds.map((r) => r.plan.allowance);
    assert.is(allowances[0], 1);
    assert.ok(allowances[1]! < allowances[0]! && allowances[2]! < allowances[1]!, `allowances ${allowances.join(' → ')}`);
    // Less allowance never buys less capacity: the LP relaxation only grows.
    assert.ok(result.rounds[1]!.plan.lpRelaxation >= result.rounds[0]!.plan.lpRelaxation - 1e-6);
    const text = lines.join('');
    assert.match(text, /next: .*allowance 1\.000 → 0\.\d{3}/);
    assert.match(text, /NOT met after 3 rounds/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('bad input: one line, exit 2, no output file', () => {
  const dir = tempDir();
  try {
    const workload = smallWorkload(dir);
    const out = join(dir, 'pools.yaml');
    const big = join(dir, 'big.csv');
    writeFileSync(big, 'name,cpu,memory\nsmall,1,1Gi\nhuge,500,64Gi\n');
    const catalog = join(dir, 'catalog.csv');
    writeFileSync(catalog, 'name,cloud,region,family,vcpu,memory_gib,gpus,gpu_model,arch,price_per_hour,spot_price_per_hour\nm5.xlarge,aws,us-east-1,m5,4,16,0,,amd64,0.192,\nm5.4xlarge,aws,us-east-1,m5,16,64,0,,amd64,0.768,\n');
    const gpus = join(dir, 'gpus.csv');
    writeFileSync(gpus, 'name,cpu,memory,gpu,gpu_model\nv,1,1Gi,1,V100\nt,1,1Gi,1,T4\n');
    // m5.4xlarge: 16 vCPU − (60 + 10 + 2 × 5 + 12 × 2.5 = 110m) = 15890m; 65536Mi − 1465Mi − 100Mi = 63971Mi.
    const cases: [string[], string][] = [
      [['--workload', big, '--catalog', catalog, '--out', out], `${big}:3: pod default/huge requests cpu 500, memory 64Gi, more than any instance type in ${catalog} (region us-east-1) can hold; the largest is m5.4xlarge (allocatable cpu 15890m, memory 63971Mi)`],
      [['--workload', gpus, '--max-pools', '1', '--out', out, '--no-simulate'], ''],
      [['--workload', workload, '--max-pools', '0', '--out', out], '--max-pools 0: not a whole number ≥ 1'],
      [['--workload', workload, '--gap', '1.5', '--out', out], '--gap 1.5: not a relative gap (expected a number from 0 to below 1, e.g. 0.005)'],
      [['--workload', workload, '--window', 'soon', '--out', out], '--window soon: not a duration (expected seconds or a duration such as 90s, 30m, 6h, 2d)'],
      [['--workload', workload, '--zones', 'us-east-1a,europe-west1-b', '--out', out], '--zones us-east-1a,europe-west1-b: the zones are in different regions (expected zones of one region, e.g. us-east-1a,us-east-1b)'],
      [['--workload', workload, '--zones', 'eu-west-3a', '--out', out], ''],
      [['--workload', workload, '--out', join(dir, 'missing', 'dir', 'x', '..', 'y.yaml'), '--catalog', join(dir, 'nope.csv')], ''],
    ];
    for (const [args, expected] of cases) {
      const r = cli(dir, ...args);
      assert.is(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.is(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
      if (expected !== '') assert.is(lines[0], `drydock: ${expected}`);
      assert.not.match(r.stderr, /\n\s+at /);
      assert.not.ok(existsSync(out), `${args.join(' ')} wrote ${out}`);
    }
    const infeasible = cli(dir, '--workload', gpus, '--max-pools', '1', '--no-simulate');
    assert.is(infeasible.stdout, '', 'checked before any solving or printing');
    assert.match(infeasible.stderr, /^drydock: constraint "pools" \(--max-pools 1\) has no room: 2 groups of pods share no instance type, so the plan needs at least 2 pools: pod default\/t \(.*gpus\.csv:3\) fits only g4dn\.xlarge; pod default\/v \(.*gpus\.csv:2\) fits only p3\.2xlarge, p3\.8xlarge, p3\.16xlarge\n$/);
    const region = cli(dir, '--workload', workload, '--zones', 'eu-west-3a');
    assert.match(region.stderr, /^drydock: --zones eu-west-3a: the catalog .*instance-catalog\.csv has no instance type in region eu-west-3 \(it has us-east-1, us-central1\)\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();
