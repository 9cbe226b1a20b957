// The experiment loop and `drydock gpu-frag` on a small synthetic trace: workload construction (top-up and
// cut-down to the demand), determinism per seed, worker threads = this thread, the --json shape, and bad input
// as one UserInputError line.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSeeds, runGpuFragCommand, type GpuFragArgs } from '../../src/cli/commands/gpu-frag.js';
import { UserInputError } from '../../src/cli/errors.js';
import { buildWorkload, nodeRanks, prepareTrace, readTraceNodes, readTracePods, runExperiment } from '../../src/gpufrag/index.js';
import { seededRng } from '../../src/util/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'drydock-gpufrag-'));
const NODES = join(dir, 'nodes.csv');
const PODS = join(dir, 'pods.csv');
// 6 nodes, 2 + 8 + 8 + 4 + 1 + 0 = 23 GPUs; a CPU-only node too.
writeFileSync(
  NODES,
  'sn,cpu_milli,memory_mib,gpu,model\n' +
    'node-a,32000,131072,2,T4\nnode-b,96000,393216,8,G2\nnode-c,96000,393216,8,G2\nnode-d,48000,196608,4,V100M32\nnode-e,8000,65536,1,P100\nnode-f,64000,262144,0,\n',
);
// 40 pods: sharing (various milli), whole 1/2/4/8-GPU pods, CPU-only pods, one with a gpu_spec.
const podRows: string[] = [];
const shapes: [number, number, number, number, string][] = [
  [3152, 8192, 1, 810, ''], [11300, 30720, 1, 1000, ''], [8000, 16384, 1, 470, ''], [12500, 30720, 0, 0, ''], [6000, 12288, 1, 460, ''],
  [4000, 8192, 1, 250, 'T4|P100'], [16000, 65536, 2, 1000, ''], [32000, 131072, 8, 1000, ''], [24000, 98304, 4, 1000, ''], [2000, 4096, 1, 150, ''],
];
for (let i = 0; i < 40; i++) {
  const [cpu, mem, gpus, milli, spec] = shapes[i % shapes.length]!;
  podRows.push(`pod-${String(i).padStart(3, '0')},${cpu},${mem},${gpus},${milli},${spec},LS,Running,0,1,0`);
}
writeFileSync(PODS, 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n' + podRows.join('\n') + '\n');

const trace = prepareTrace(readTraceNodes(NODES), readTracePods(PODS));
const args = (extra: Partial<GpuFragArgs>): GpuFragArgs => ({ workload: PODS, nodes: NODES, demand: 1.3, checkpoints: '0.9,1.0,1.3', seeds: '1-4', jobs: 1, ...extra });

const t = suite('gpufrag experiment');
t.after(() => rmSync(dir, { recursive: true, force: true }));

t('top-up: the originals (shuffled) first, then samples until the next draw would pass demand × capacity', () => {
  // Capacity 23 GPUs = 23000; the 40 pods ask 4·(810 + 1000 + 470 + 460 + 250 + 2000 + 8000 + 4000 + 150) = 4·17140 = 68560
  // → above 1.3 × 23000 = 29900: cut down at random positions until the total ≤ 29900.
  const seq = buildWorkload(trace, 23000, 1.3, seededRng(3));
  const total = Array.from(seq).reduce((s, p) => s + trace.podGpus[p]! * trace.podGpuMilli[p]!, 0);
  assert.ok(total <= 29900, `cut down to ${total}`);
  assert.ok(seq.length < 40 && new Set(seq).size === seq.length, 'a subset, each pod once');
  // Demand 4 × 23000 = 92000 > 68560: all 40 originals, each once, then appended samples; the total stays within one
  // per-GPU draw of the target (the stop test adds the per-GPU milli: the simulator's quirk).
  const up = buildWorkload(trace, 23000, 4, seededRng(3));
  assert.equal([...up.subarray(0, 40)].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
  const upTotal = Array.from(up).reduce((s, p) => s + trace.podGpus[p]! * trace.podGpuMilli[p]!, 0);
  assert.ok(upTotal <= 92000 + 7000 && upTotal > 92000 - 1000, `topped up to ${upTotal}`);
});

t('node ranks are a permutation', () => {
  const r = Array.from(nodeRanks(50, seededRng(9))).sort((a, b) => a - b);
  assert.equal(r, Array.from({ length: 50 }, (_, i) => i));
});

t('the same seed gives the same run, for every policy; another seed another workload', () => {
  for (const policy of ['Random', 'DotProd', 'GpuClustering', 'GpuPacking', 'BestFit', 'FGD', 'Drydock'] as const) {
    const a = runExperiment(trace, { policy, seed: 5, demand: 1.3, checkpoints: [1.0, 1.3] });
    const b = runExperiment(trace, { policy, seed: 5, demand: 1.3, checkpoints: [1.0, 1.3] });
    assert.equal({ ...a, seconds: 0 }, { ...b, seconds: 0 }, policy);
    assert.ok(a.usedGpuMilli <= a.totalGpuMilli);
  }
  const x = runExperiment(trace, { policy: 'FGD', seed: 5, demand: 4, checkpoints: [4] });
  const y = runExperiment(trace, { policy: 'FGD', seed: 6, demand: 4, checkpoints: [4] });
  assert.ok(x.pods !== y.pods || x.usedGpuMilli !== y.usedGpuMilli || x.fragAmount !== y.fragAmount, 'seeds 5 and 6 differ');
});

t('drydock gpu-frag: --jobs 2 (worker threads) equals --jobs 1, and --json has the issue\'s shape', async () => {
  const one = await runGpuFragCommand(args({ jobs: 1, json: join(dir, 'one.json') }));
  await runGpuFragCommand(args({ jobs: 2, json: join(dir, 'two.json') }));
  const strip = (file: string) => {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { policies: Record<string, unknown>[] };
    for (const p of j.policies) delete p['wallSeconds'];
    return j;
  };
  assert.equal(strip(join(dir, 'two.json')), strip(join(dir, 'one.json')));
  const j = JSON.parse(readFileSync(join(dir, 'one.json'), 'utf8')) as { policies: { policy: string; checkpoints: { demand: number; allocation: { mean: number; min: number; max: number } }[]; unallocatedGpus: number; wallSeconds: number }[] };
  assert.equal(Object.keys(j), ['policies']);
  assert.equal(j.policies.map((p) => p.policy), ['Random', 'DotProd', 'GpuClustering', 'GpuPacking', 'BestFit', 'FGD', 'Drydock']);
  for (const p of j.policies) {
    assert.equal(Object.keys(p), ['policy', 'checkpoints', 'unallocatedGpus', 'wallSeconds']);
    assert.equal(p.checkpoints.map((c) => c.demand), [0.9, 1.0, 1.3]);
    for (const c of p.checkpoints) assert.ok(c.allocation.min <= c.allocation.mean && c.allocation.mean <= c.allocation.max && c.allocation.max <= 100);
  }
  assert.match(one.text, /FGD/);
  assert.is(one.runs.length, 7 * 4);
});

t('bad input is one UserInputError line', async () => {
  const bad = async (extra: Partial<GpuFragArgs>, pattern: RegExp) => {
    try {
      await runGpuFragCommand(args(extra));
    } catch (err) {
      assert.instance(err, UserInputError);
      assert.match((err as Error).message, pattern);
      assert.not.match((err as Error).message, /\n/);
      return;
    }
    assert.unreachable(`expected an error for ${JSON.stringify(extra)}`);
  };
  await bad({ demand: 0 }, /--demand 0: not a demand/);
  await bad({ demand: -1 }, /--demand -1/);
  await bad({ seeds: '51-42' }, /--seeds 51-42: not a range/);
  await bad({ seeds: 'x' }, /--seeds x: not seeds/);
  await bad({ checkpoints: '1.4' }, /1\.4 is above --demand 1\.3/);
  await bad({ policy: ['Tetris'] }, /--policy Tetris: no such policy/);
  writeFileSync(join(dir, 'nogpu.csv'), 'sn,cpu_milli,memory_mib,gpu,model\nn1,32000,1024,0,\n');
  await bad({ nodes: join(dir, 'nogpu.csv') }, /the node list has no GPU/);
  writeFileSync(join(dir, 'negcpu.csv'), 'sn,cpu_milli,memory_mib,gpu,model\nn1,-5,1024,2,V100M16\n');
  await bad({ nodes: join(dir, 'negcpu.csv') }, /negcpu\.csv:2: column "cpu_milli": -5 is negative/);
  writeFileSync(join(dir, 'nocol.csv'), 'name,cpu_milli,memory_mib,num_gpu\np1,1000,1024,1\n');
  await bad({ workload: join(dir, 'nocol.csv') }, /nocol\.csv:1: no column "gpu_milli"/);
  writeFileSync(join(dir, 'badnum.csv'), 'name,cpu_milli,memory_mib,num_gpu,gpu_milli\np1,1000,1024,1,500\np2,12x,1024,1,500\n');
  await bad({ workload: join(dir, 'badnum.csv') }, /badnum\.csv:3: column "cpu_milli": "12x" is not a whole number/);
  // A "#" comment line and a blank line before the bad row: the message names the file's own line 5.
  writeFileSync(join(dir, 'commented.csv'), '# made by hand\nname,cpu_milli,memory_mib,num_gpu,gpu_milli\np1,1000,1024,1,500\n\np2,12x,1024,1,500\n');
  await bad({ workload: join(dir, 'commented.csv') }, /commented\.csv:5: column "cpu_milli": "12x" is not a whole number/);
  await bad({ workload: join(dir, 'missing.csv') }, /missing\.csv: cannot read the pod list: ENOENT/);
});

t('--seeds: a range or a list', () => {
  assert.equal(parseSeeds('42-51'), [42, 43, 44, 45, 46, 47, 48, 49, 50, 51]);
  assert.equal(parseSeeds('7'), [7]);
  assert.equal(parseSeeds('1, 3'), [1, 3]);
});

t.run();
