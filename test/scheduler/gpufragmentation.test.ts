// The FGD experiment's placement policies as scheduler plugins (src/scheduler/plugins/gpufragmentation.ts):
// a KubeSchedulerConfiguration profile enabling one policy (and no other scorer, as the reference experiment
// does, shared/reference/fgd-experiment.md §4) places each pod on the node, and a GPU-sharing pod on the device,
// that the experiment engine's policy (src/gpufrag/policies.ts) chooses on the same cluster state.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node, Pod } from '../../src/api/index.js';
import { ANY_MODEL, GpuCluster, MAX_GPUS, fits, targetWorkload, type NodeShape, type PodRequest } from '../../src/gpufrag/cluster.js';
import { wholeGpuDevices, bestFitPolicy, fgdShareChoice, dotProdPolicy, fgdPolicy, gpuClusteringPolicy, gpuPackingPolicy, randomPolicy, type GpuFragPolicy } from '../../src/gpufrag/policies.js';
import { buildFrameworks } from '../../src/scheduler/build.js';
import { parseSchedulerConfiguration } from '../../src/scheduler/config.js';
import { ConfigError, CycleState } from '../../src/scheduler/framework.js';
import { GPU_DEVICES_ANNOTATION, GPU_MILLI_RESOURCE, GPU_RESOURCE, makePodInfo } from '../../src/scheduler/podinfo.js';
import { BINDING_ANNOTATIONS_KEY } from '../../src/scheduler/plugins/defaultbinder.js';
import { chosenDevices } from '../../src/scheduler/plugins/gpudevices.js';
import { GpuFragmentation, parseFgdArgs, toPodRequest } from '../../src/scheduler/plugins/gpufragmentation.js';
import { inTreeRegistry } from '../../src/scheduler/registry.js';
import type { Snapshot } from '../../src/scheduler/snapshot.js';
import { seededRng } from '../../src/util/rng.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

// ---- the cluster ----------------------------------------------------------------------------------------

/** A node: cores, GPUs, and the GPU pods on it as [device, thousandths, cores]. */
interface NodeSpec {
  readonly name: string;
  readonly cores: number;
  readonly gpus: number;
  readonly pods: readonly (readonly [number, number, number])[];
}

/**
 * Devices' thousandths left and cores left (capacity − the pods' requests):
 *   n0: 32 cores, 8 GPUs, a 500 share on d0           → left [500, 1000 ×7], Gl 7500, 30 cores left
 *   n1: 16 cores, 4 GPUs, a whole GPU on d0, 700 on d1 → left [0, 300, 1000, 1000], Gl 2300, 10 cores left
 *   n2:  8 cores, 2 GPUs, empty                        → left [1000, 1000], Gl 2000, 8 cores left
 *   n3: 64 cores, 1 GPU, a 250 share on d0             → left [750], Gl 750, 63 cores left
 */
const NODES: readonly NodeSpec[] = [
  { name: 'n0', cores: 32, gpus: 8, pods: [[0, 500, 2]] },
  { name: 'n1', cores: 16, gpus: 4, pods: [[0, 1000, 4], [1, 700, 2]] },
  { name: 'n2', cores: 8, gpus: 2, pods: [] },
  { name: 'n3', cores: 64, gpus: 1, pods: [[0, 250, 1]] },
];

function apiObjects(specs: readonly NodeSpec[] = NODES): { nodes: Node[]; pods: Pod[] } {
  const nodes: Node[] = [];
  const pods: Pod[] = [];
  for (const n of specs) {
    nodes.push(makeNode(n.name).capacity({ cpu: String(n.cores), memory: '256Gi', [GPU_RESOURCE]: String(n.gpus) }).label('drydock.io/gpu-model', 'A100').obj());
    n.pods.forEach(([d, milli, cores], i) => {
      const p = makePod(`${n.name}-p${i}`).node(n.name).annotation(GPU_DEVICES_ANNOTATION, String(d));
      pods.push(p.req({ cpu: String(cores), memory: '1Gi', ...(milli === 1000 ? { [GPU_RESOURCE]: '1' } : { [GPU_MILLI_RESOURCE]: String(milli) }) }).obj());
    });
  }
  return { nodes, pods };
}

// FGD's target workload: t0 = (4000 m CPU, 500 thousandths, 1 GPU), t1 = (8000, 1000, 1), equal weights.
const TYPICAL_PODS_YAML = `
      typicalPods:
      - {cpuMilli: 4000, gpuMilli: 500, gpus: 1, weight: 1}
      - {cpuMilli: 8000, gpuMilli: 1000, gpus: 1, weight: 1}`;
const TARGET = targetWorkload([
  { cpu: 4000, gpuMilli: 500, gpus: 1, modelMask: ANY_MODEL, p: 0.5 },
  { cpu: 8000, gpuMilli: 1000, gpus: 1, modelMask: ANY_MODEL, p: 0.5 },
]);

/** The same state in the experiment engine: node i has rank i; each pod bound on its device. */
function engineCluster(specs: readonly NodeSpec[] = NODES): GpuCluster {
  const shapes: NodeShape[] = specs.map((n) => ({ cpu: n.cores * 1000, memory: 1 << 30, gpus: n.gpus, model: 0 }));
  const c = new GpuCluster(shapes, TARGET);
  specs.forEach((n, i) => {
    for (const [d, milli, cores] of n.pods) c.bind(i, { cpu: cores * 1000, memory: 1024, gpus: 1, gpuMilli: milli, modelMask: ANY_MODEL }, [d]);
  });
  return c;
}

/** The profile the reference experiment runs: the policy alone at Score, every default filter, GpuDevices' Reserve. */
function profileYaml(plugin: string): string {
  return `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: gpu-frag
  percentageOfNodesToScore: 100
  plugins:
    multiPoint:
      enabled:
      - name: ${plugin}
    score:
      disabled:
      - name: '*'
      enabled:
      - name: ${plugin}
${plugin === 'FGD' ? `  pluginConfig:\n  - name: FGD\n    args:${TYPICAL_PODS_YAML}\n` : ''}`;
}

function schedule(plugin: string, pod: Pod, seed = 1, specs: readonly NodeSpec[] = NODES): { node: string | null; devices: readonly number[] | undefined; annotation: string | undefined } {
  const config = parseSchedulerConfiguration(profileYaml(plugin), `${plugin}.yaml`, inTreeRegistry);
  const fw = buildFrameworks(config, inTreeRegistry, { rng: seededRng(seed) }).frameworks.get('gpu-frag')!;
  const { nodes, pods } = apiObjects(specs);
  const { snapshot } = clusterOf(nodes, pods);
  const state = new CycleState();
  const info = makePodInfo(pod);
  const result = fw.schedulePod(state, info, snapshot);
  if (result.kind !== 'scheduled') return { node: null, devices: undefined, annotation: undefined };
  assert.is(fw.runReservePlugins(state, info, result.nodeName), undefined);
  return { node: result.nodeName, devices: chosenDevices(state), annotation: state.read<Record<string, string>>(BINDING_ANNOTATIONS_KEY)?.[GPU_DEVICES_ANNOTATION] };
}

/** The engine: each feasible node's score, the best nodes, and the devices the pod takes on node n. */
function engine(policy: GpuFragPolicy, req: PodRequest): { scores: (number | null)[]; best: number[]; devicesOn: (n: number) => number[] } {
  const c = engineCluster();
  const scores = NODES.map((_, n) => (fits(c, n, req) ? policy.score(c, n, req) : null));
  const top = Math.max(...scores.map((s) => s ?? -1));
  const best = scores.flatMap((s, n) => (s === top ? [n] : []));
  const devicesOn = (n: number): number[] => {
    if (req.gpus === 0) return [];
    if (req.gpuMilli < 1000) return [policy.shareDevice(c, n, req)];
    const out = new Int32Array(MAX_GPUS);
    wholeGpuDevices(c, n, req.gpus, out);
    return Array.from(out.subarray(0, req.gpus));
  };
  return { scores, best, devicesOn };
}

const podA = () => makePod('a').req({ cpu: '2', memory: '1Gi', [GPU_MILLI_RESOURCE]: '300' }).obj(); // share 300, 2 cores
const podB = () => makePod('b').req({ cpu: '2', memory: '1Gi', [GPU_MILLI_RESOURCE]: '600' }).obj(); // share 600, 2 cores
const podC = () => makePod('c').req({ cpu: '4', memory: '1Gi', [GPU_RESOURCE]: '1' }).obj(); // 1 whole GPU, 4 cores
const podD = () => makePod('d').req({ cpu: '4', memory: '1Gi', [GPU_RESOURCE]: '2' }).obj(); // 2 whole GPUs, 4 cores
const podE = () => makePod('e').req({ cpu: '6', memory: '1Gi' }).obj(); // CPU-only, 6 cores
const PODS = { a: podA, b: podB, c: podC, d: podD, e: podE };

const POLICIES: readonly [string, GpuFragPolicy][] = [
  ['DotProd', dotProdPolicy],
  ['GpuClustering', gpuClusteringPolicy],
  ['GpuPacking', gpuPackingPolicy],
  ['BestFit', bestFitPolicy],
  ['FGD', fgdPolicy],
];

const toRequest = (pod: Pod): PodRequest => toPodRequest(makePodInfo(pod), { cpu: 0, memory: 0, gpus: 0, gpuMilli: 0, modelMask: ANY_MODEL });

// ---------------------------------------------------------------------------------------------------------

const same = suite('GPU-fragmentation plugins: the engine policy\'s node and device');

for (const [name, policy] of POLICIES) {
  for (const [podName, make] of Object.entries(PODS)) {
    same(`${name}, pod ${podName}: node among the engine's best, device as the engine chooses, in the binding annotation`, () => {
      const pod = make();
      const e = engine(policy, toRequest(pod));
      // Several seeds: with tied best scores the scheduler's random tie-break may pick any of them.
      for (const seed of [1, 2, 3]) {
        const got = schedule(name, pod, seed);
        assert.ok(got.node !== null, 'scheduled');
        const n = NODES.findIndex((x) => x.name === got.node);
        assert.ok(e.best.includes(n), `${name} put pod ${podName} on ${got.node}; the engine's scores are ${JSON.stringify(e.scores)}`);
        const devices = e.devicesOn(n);
        if (devices.length === 0) {
          assert.is(got.devices, undefined);
        } else {
          assert.equal(got.devices, devices);
          assert.is(got.annotation, devices.join(','));
        }
      }
    });
  }
}

same('worked values: each policy on pod A (a 300 share, 2 cores)', () => {
  const req = toRequest(podA());
  // DotProd: 100·(1 − ([Cl/128000, Gl/8000]·[2000/128000, 300/8000])/2), truncated:
  //   n0: (30000·2000)/128000² + (7500·300)/8000² = 0.003662 + 0.035156 = 0.038818 → int(98.06) = 98
  //   n1: (10000·2000)/128000² + (2300·300)/8000² = 0.001221 + 0.010781 = 0.012002 → int(99.40) = 99
  //   n2: (8000·2000)/128000² + (2000·300)/8000²  = 0.000977 + 0.009375 = 0.010352 → int(99.48) = 99
  //   n3: (63000·2000)/128000² + (750·300)/8000²  = 0.007690 + 0.003516 = 0.011206 → int(99.44) = 99
  assert.equal(engine(dotProdPolicy, req).scores, [98, 99, 99, 99]);
  // GpuClustering: base ⌊25·(8000 − Gl)/8000⌋ + offset (share tag alone 75, with others 50, none 25):
  //   n0: ⌊25·500/8000⌋ = 1, {share} → 76;  n1: ⌊25·5700/8000⌋ = 17, {1-gpu, share} → 67;
  //   n2: ⌊25·6000/8000⌋ = 18, {} → 43;      n3: ⌊25·7250/8000⌋ = 22, {share} → 97
  assert.equal(engine(gpuClusteringPolicy, req).scores, [76, 67, 43, 97]);
  // GpuPacking: best-fit device left l ≥ 300 → max(100 − ⌊⌊l·100/1000⌋/10⌋, 50); all-free node: 33 − G:
  //   n0: l 500 → 100 − 5 = 95;  n1: l 300 → 100 − 3 = 97;  n2: all free → 33 − 2 = 31;  n3: l 750 → 100 − 7 = 93
  assert.equal(engine(gpuPackingPolicy, req).scores, [95, 97, 31, 93]);
  // BestFit: int(100·(1 − [0.5·(Cl − 2000)/128000 + 0.5·(Gl − 300)/8000])):
  //   n0: 0.109375 + 0.45     = 0.559375 → 44;  n1: 0.03125 + 0.125   = 0.15625 → 84
  //   n2: 0.0234375 + 0.10625 = 0.129688 → 87;  n3: 0.238281 + 0.028125 = 0.266406 → 73
  assert.equal(engine(bestFitPolicy, req).scores, [44, 84, 87, 73]);
  // …min–max normalised by the plugin: (s − 44)·100/(87 − 44): 0, 93, 100, 67 — the same order.
  // FGD: F(n) = Σ_t p_t·frag_t with t0 (4000 m, 500) and t1 (8000 m, 1000), p .5 each; frag_t = the devices
  // too small for t when t fits (enough CPU and a device with room), else all of Gl.
  //   n0 now: t0 fits, small = 0; t1 fits, small = 500 → F = 250. A 300 share on d0 (→ 200): t0 small 200,
  //     t1 small 200 → F' = 200, ΔF = 50; on a free device (→ 700): t0 0, t1 500 + 700 → F' = 600, ΔF = −350.
  //     int(100·σ(0.05)) = 51 on d0.
  //   n1 now: t0 small 300, t1 small 300 → F = 300. On d1 (300 → 0): t0 0, t1 0 → F' = 0, ΔF = 300 → 57.
  //   n2 now: F = 0. On a device (→ 700) 6 cores are left: t0 fits, small 0; t1 (8 cores) no longer fits → Gl 1700
  //     → F' = 850, ΔF = −850 → int(100·σ(−0.85)) = 29.
  //   n3 now: t0 0, t1: 63 cores but no device with 1000 → Gl 750 → F = 375. On d0 (→ 450): t0 450, t1 450
  //     → F' = 450, ΔF = −75 → int(100·σ(−0.075)) = 48.
  assert.equal(engine(fgdPolicy, req).scores, [51, 57, 29, 48]);
  // So: DotProd ties n1, n2, n3 (the scheduler picks one at random, the engine by rank); GpuClustering n3 d0;
  // GpuPacking n1 d1; BestFit n2 d0; FGD n1 d1.
  assert.equal(schedule('GpuClustering', podA()), { node: 'n3', devices: [0], annotation: '0' });
  assert.equal(schedule('GpuPacking', podA()), { node: 'n1', devices: [1], annotation: '1' });
  assert.equal(schedule('BestFit', podA()), { node: 'n2', devices: [0], annotation: '0' });
  assert.equal(schedule('FGD', podA()), { node: 'n1', devices: [1], annotation: '1' });
});

same("FGD's device, not GpuDevices' best fit, on the only feasible node (no Score phase runs)", () => {
  // m: 16 cores, 2 GPUs with 400 and 300 in use (1 core each) → left [600, 700], 14 cores left.
  // F now: t0 (500) fits on both, small 0; t1 (1000) fits on none → Gl 1300. F = 0.5·0 + 0.5·1300 = 650.
  // A 150 share (2 cores; 12 left, both typical pods still have CPU):
  //   on d0 (600 → 450, best fit): t0 fits on d1, small 450; t1 Gl 1150 → F' = 800, ΔF = −150 → int(100·σ(−0.15)) = 46
  //   on d1 (700 → 550):           t0 fits on both, small 0; t1 Gl 1150 → F' = 575, ΔF = 75 → int(100·σ(0.075)) = 51
  // FGD takes d1 where GpuDevices' best fit would take d0. With one feasible node the framework skips
  // PreScore and Score, so the device comes from the chooser FGD's PreFilter left for GpuDevices' Reserve.
  const m: NodeSpec[] = [{ name: 'm', cores: 16, gpus: 2, pods: [[0, 400, 1], [1, 300, 1]] }];
  const pod = makePod('s').req({ cpu: '2', memory: '1Gi', [GPU_MILLI_RESOURCE]: '150' }).obj();
  const c = engineCluster(m);
  const req = toRequest(pod);
  assert.is(fgdShareChoice(c, 0, req), 51 * 16 + 1); // score 51, device 1
  assert.equal(schedule('FGD', pod, 1, m), { node: 'm', devices: [1], annotation: '1' });
  // The other policies keep best fit here: d0.
  assert.equal(schedule('BestFit', pod, 1, m), { node: 'm', devices: [0], annotation: '0' });
});

same('FGD on pod B (a 600 share, 2 cores)', () => {
  // n0: F 250. d0 (500) is too small; a free device → 400: t0 fits (small 400), t1 fits (small 500 + 400)
  //     → F' = 0.5·400 + 0.5·900 = 650, ΔF = −400 → int(100·σ(−0.4)) = 40.
  // n1: F 300 (t0 and t1: small 0 + 300). A free device → 400, 8 cores left: t0 small 700, t1 small 700
  //     → F' = 700, ΔF = −400 → 40.
  // n2: F 0. A device → 400, 6 cores left: t0 small 400; t1 lacks CPU → Gl 1400 → F' = 900, ΔF = −900 → 28.
  // n3: F 375. d0 750 → 150: t0 no device ≥ 500 → Gl 150; t1 Gl 150 → F' = 150, ΔF = 225 → int(100·σ(0.225)) = 55.
  const e = engine(fgdPolicy, toRequest(podB()));
  assert.equal(e.scores, [40, 40, 28, 55]);
  assert.equal(schedule('FGD', podB()), { node: 'n3', devices: [0], annotation: '0' });
});

// ---------------------------------------------------------------------------------------------------------

const random = suite('GPU-fragmentation plugins: RandomScore');

random('PreScore draws the node as the engine does from the same generator; Score gives it 100, others 0', () => {
  const { nodes, pods } = apiObjects();
  const { snapshot } = clusterOf(nodes, pods);
  const feasible = Int32Array.from(rows(snapshot, 'n0', 'n1', 'n2', 'n3'));
  const plugin = new GpuFragmentation('RandomScore', randomPolicy(seededRng(7)));
  const expected = randomPolicy(seededRng(7));
  for (let i = 0; i < 20; i++) {
    const state = new CycleState();
    const info = makePodInfo(podA());
    plugin.preFilter(state, info, snapshot);
    plugin.preScore(state, info, feasible, 4, snapshot);
    const drawn = expected.selectNode!(feasible, 4);
    assert.equal([...feasible].map((r) => plugin.score(state, info, r, snapshot)), [...feasible].map((r) => (r === drawn ? 100 : 0)));
  }
});

random('through a profile: every feasible node and every device with room is chosen for some seed', () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 200; seed++) {
    const got = schedule('RandomScore', podA(), seed);
    const n = NODES.findIndex((x) => x.name === got.node);
    const d = got.devices![0]!;
    // The device has room for 300: n0 any, n1 d1..d3, n2 any, n3 d0.
    assert.ok(engineCluster().gpuLeft[n * MAX_GPUS + d]! >= 300, `${got.node} d${d}`);
    seen.add(`${got.node}/${d}`);
  }
  // 8 + 3 + 2 + 1 = 14 (node, device) pairs.
  assert.is(seen.size, 14);
  // Same seed, same choice.
  assert.equal(schedule('RandomScore', podA(), 5), schedule('RandomScore', podA(), 5));
});

// ---------------------------------------------------------------------------------------------------------

const config = suite('GPU-fragmentation plugins: configuration');

config('the reference profile resolves to the policy alone at Score, with GpuDevices at Reserve', () => {
  const cfg = parseSchedulerConfiguration(profileYaml('FGD'), 'fgd.yaml', inTreeRegistry);
  const p = cfg.profiles[0]!;
  assert.equal(p.plugins.score, [{ name: 'FGD', weight: 1 }]);
  assert.ok(p.plugins.preFilter.some((e) => e.name === 'FGD'));
  assert.equal(p.plugins.reserve.map((e) => e.name), ['GpuDevices']);
});

config('FGD args: exactly one target workload, each field checked, weights normalised', () => {
  const bad = (args: unknown) => {
    try {
      parseFgdArgs(args as never);
    } catch (err) {
      assert.instance(err, ConfigError);
      return (err as Error).message;
    }
    return 'no error';
  };
  assert.match(bad(undefined), /^args: FGD needs its target workload/);
  assert.is(bad({ typicalPods: [{ cpuMilli: 1, gpuMilli: 0, gpus: 0, weight: 1 }], podList: 'x.csv' }), 'args: give exactly one of typicalPods and podList');
  assert.is(bad({ typicalPods: [{ cpuMilli: 1, gpuMilli: 500, gpus: 0, weight: 1 }] }), 'typicalPods[0]: gpus and gpuMilli must both be 0 (a CPU-only pod) or both positive, got gpus 0 and gpuMilli 500');
  assert.is(bad({ typicalPods: [{ cpuMilli: 1, gpuMilli: 500, gpus: 2, weight: 1 }] }), 'typicalPods[0].gpuMilli: a 2-GPU pod takes whole GPUs (1000), got 500');
  assert.is(bad({ typicalPods: [{ cpuMilli: 1, weight: 0 }] }), 'typicalPods[0].weight: must be a positive number, got 0');
  assert.is(bad({ typicalPods: [{ cpu: 1, weight: 1 }] }), 'typicalPods[0].cpu: unknown field (a typical pod has cpuMilli, gpuMilli, gpus, gpuModels, weight)');
  assert.match(bad({ podList: '/nonexistent/pods.csv' }), /^podList: \/nonexistent\/pods\.csv: cannot read the pod list/);
  // Weights 1 and 3 → p .25 and .75; gpuModels become bits over the sorted model names (A100 bit 0, V100 bit 1).
  const t = parseFgdArgs({ typicalPods: [{ cpuMilli: 1000, gpuMilli: 500, gpus: 1, gpuModels: ['V100', 'A100'], weight: 1 }, { cpuMilli: 2000, weight: 3 }] });
  assert.equal(t.models, ['A100', 'V100']);
  assert.equal([...t.workload.p], [0.25, 0.75]);
  assert.equal([...t.workload.modelMask], [3, ANY_MODEL]);
});

config('a profile enabling FGD without args fails at start-up, naming the plugin', () => {
  const yaml = profileYaml('FGD').replace(/ {2}pluginConfig:[\s\S]*$/, '');
  assert.throws(() => parseSchedulerConfiguration(yaml, 'fgd.yaml', inTreeRegistry), (err: Error) => err instanceof ConfigError && /FGD/.test(err.message) && /target workload/.test(err.message));
});

config('FGD with podList computes the typical pods from the trace file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-fgd-'));
  const file = join(dir, 'pods.csv');
  // 3 × (4000, 500, 1), 1 × (8000, 1000, 1, V100): threshold 0.95 keeps both groups → p .75 and .25.
  writeFileSync(file, 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\np1,4000,1024,1,500,\np2,4000,1024,1,500,\np3,4000,1024,1,500,\np4,8000,1024,1,1000,V100\n');
  const t = parseFgdArgs({ podList: file });
  assert.equal(t.models, ['V100']);
  assert.equal([...t.workload.cpu], [4000, 8000]);
  assert.equal([...t.workload.p], [0.75, 0.25]);
  assert.equal([...t.workload.modelMask], [ANY_MODEL, 1]);
});

config('a node with more GPUs than the engine models scores 0 and leaves the device to GpuDevices', () => {
  const big = makeNode('big').capacity({ cpu: '32', memory: '64Gi', [GPU_RESOURCE]: '16' }).label('drydock.io/gpu-model', 'A100').obj();
  const { snapshot } = clusterOf([big]);
  const plugin = new GpuFragmentation('GpuPacking', gpuPackingPolicy);
  const state = new CycleState();
  const info = makePodInfo(podA());
  plugin.preFilter(state, info, snapshot);
  const row = rows(snapshot as Snapshot, 'big')[0]!;
  assert.is(plugin.score(state, info, row, snapshot), 0);
  assert.is(plugin.shareDeviceOn(snapshot, row, toRequest(podA())), -1);
});

same.run();
random.run();
config.run();
