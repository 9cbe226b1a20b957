// The fragmentation measure F(n) (reference §5.6: NodeGpuShareFragAmount, FragAmountSumExceptQ3) against the Go
// simulator's own unit-test values (hkust-adsl/kubernetes-scheduler-simulator pkg/utils/frag_test.go, quoted
// in the reference: 2566.62, 3802.40, 7604.80, 251.91; 887.20, 554.4), and the GpuCluster columns against the
// free-standing function after binds.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ANY_MODEL, GpuCluster, MAX_GPUS, modelMaskOf, nodeFragAmount, targetWorkload, type TargetWorkload } from '../../src/gpufrag/index.js';

const MODELS = ['1080', '2080', 'P100', 'T4', 'V100M16'];
const bit = (model: string): number => 1 << MODELS.indexOf(model);

/** [cpu, gpu milli, GPUs, gpu type, percent] as in the Go test's TargetPod lists. */
type Row = readonly [number, number, number, string, number];
const workload = (rows: readonly Row[]): TargetWorkload =>
  targetWorkload(rows.map(([cpu, gpuMilli, gpus, type, pct]) => ({ cpu, gpuMilli, gpus, modelMask: modelMaskOf(type, MODELS), p: pct / 100 })));

// TestingGenerateGetTypicalPods (the shares do not sum to 100 % there; the Go test uses them as they are).
const typical = workload([
  [6000, 465, 1, '', 9.33], [8000, 440, 1, '2080', 9.15], [8000, 475, 1, 'T4', 8.76], [8000, 440, 1, 'P100', 8.72],
  [2000, 465, 1, '', 8.68], [12000, 900, 1, '', 8.65], [4000, 900, 1, '', 8.43], [16000, 678, 1, 'T4', 8.36],
  [8000, 500, 1, '', 8.29], [6000, 511, 1, '', 8.11], [14000, 1000, 2, '2080', 0.54], [4000, 1000, 1, '2080', 0.43],
  [32000, 1000, 2, 'T4', 0.43], [16000, 1000, 1, 'V100M16', 0.4], [64000, 1000, 2, '', 0.4], [10000, 1000, 2, '', 0.4],
  [11400, 1000, 1, 'T4', 0.36], [16000, 1000, 1, 'T4', 0.36], [4000, 1000, 2, '', 0.36], [14000, 1000, 2, 'V100M16', 0.36],
  [8000, 1000, 4, '', 0.36], [16000, 1000, 2, '', 0.32], [2000, 1000, 1, 'T4', 0.32], [6000, 1000, 1, '', 0.32],
  [4000, 1000, 1, '', 0.32], [5000, 1000, 1, '', 0.32], [32000, 1000, 4, 'V100M16', 0.32], [32000, 1000, 2, '', 0.32],
  [24000, 1000, 8, '2080', 0.32], [40000, 1000, 4, '', 0.29], [32000, 1000, 8, '', 0.29], [32000, 1000, 1, 'T4', 0.29],
  [16000, 1000, 1, '', 0.25], [7000, 1000, 1, 'V100M16', 0.25], [24000, 1000, 1, 'T4', 0.25],
]);

// TestingGenerateGetTypicalPodsWithNonGpu: CPU-only shapes included.
const withCpu = workload([
  [15700, 1000, 1, '', 28.69], [11900, 1000, 1, '', 18.93], [11400, 1000, 1, '', 12.27], [1000, 0, 0, '', 7.36],
  [18710, 1000, 1, '', 4.85], [8200, 1000, 1, '', 3.79], [16400, 1000, 1, '', 3.31], [9810, 1000, 1, '', 1.97],
  [15200, 1000, 1, '', 1.87], [11200, 1000, 1, '', 1.81], [14200, 1000, 1, '', 1.76], [12000, 0, 0, '', 1.65],
  [14900, 1000, 1, '', 1.39], [60200, 1000, 4, '', 1.23], [64200, 1000, 8, '', 1.07], [32200, 1000, 4, '', 1.01],
  [17400, 1000, 2, '', 0.91], [30200, 1000, 2, '', 0.69], [16000, 1000, 1, '', 0.64], [15000, 1000, 1, '', 0.59],
  [64000, 1000, 8, '', 0.53], [15000, 0, 0, '', 0.53], [11910, 1000, 1, '', 0.53], [120200, 1000, 8, '', 0.48],
  [11300, 1000, 1, '', 0.37], [30000, 1000, 2, '', 0.32], [9800, 1000, 1, '', 0.32], [8000, 1000, 1, '', 0.32],
  [2000, 1000, 1, '', 0.27], [2000, 80, 1, '', 0.27], [1000, 1000, 1, '', 0.27],
]);

const t = suite('gpufrag fragmentation measure');

t('TestNodeGpuShareFragAmountScore: 4×1080 used, 4×1080 free, 8×1080 free', () => {
  // Typed shapes do not accept a 1080 (NA: p·Gl); the untyped ones all ask ≥ 2000 m CPU, and 1000 m is left (Q1/Q4:
  // p·Gl). So F = Σp · Gl with Σp = 0.9506: 2700 → 2566.62, 4000 → 3802.40, 8000 → 7604.80.
  assert.ok(Math.abs(nodeFragAmount(1000, [200, 1000, 1000, 500], bit('1080'), typical) - 2566.62) < 0.01);
  assert.ok(Math.abs(nodeFragAmount(1000, [1000, 1000, 1000, 1000], bit('1080'), typical) - 3802.4) < 0.01);
  assert.ok(Math.abs(nodeFragAmount(1000, [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000], bit('1080'), typical) - 7604.8) < 0.01);
});

t('one typical pod lacking CPU (Q4): all idle GPU is fragment — 2700 × 0.0933 = 251.91', () => {
  const one = workload([[6000, 465, 1, '', 9.33]]);
  assert.ok(Math.abs(nodeFragAmount(1000, [200, 1000, 1000, 500], bit('1080'), one) - 251.91) < 0.01);
});

t('TestNodeGpuShareFragAmountWithNonGpu: 8×P100 empty 887.20, halved 554.4', () => {
  // CPU-only shapes (7.36 + 1.65 + 0.53 = 9.54 %) count all idle GPU: 8000 · 0.0954 = 763.2 of the 887.20; the rest
  // is the 8-GPU shapes that lack CPU on 64 cores (64200 m: 1.07 %, 120200 m: 0.48 %): 8000 · 0.0155 = 124.0.
  assert.ok(Math.abs(nodeFragAmount(64000, [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000], bit('P100'), withCpu) - 887.2) < 0.01);
  assert.ok(Math.abs(nodeFragAmount(32000, [1000, 1000, 1000, 1000, 0, 0, 0, 0], bit('P100'), withCpu) - 554.4) < 0.01);
});

t("GpuCluster's cached columns give the same F as the direct measure, after every bind", () => {
  const c = new GpuCluster([{ cpu: 64000, memory: 1 << 20, gpus: 8, model: MODELS.indexOf('P100') }], withCpu);
  const pods = [
    { cpu: 12000, memory: 1, gpus: 1, gpuMilli: 300, modelMask: ANY_MODEL, devices: [3] },
    { cpu: 4000, memory: 1, gpus: 2, gpuMilli: 1000, modelMask: ANY_MODEL, devices: [0, 1] },
    { cpu: 20000, memory: 1, gpus: 0, gpuMilli: 0, modelMask: ANY_MODEL, devices: [] },
    { cpu: 1000, memory: 1, gpus: 1, gpuMilli: 650, modelMask: ANY_MODEL, devices: [3] },
  ];
  for (const p of pods) {
    // Before binding, fragAfter predicts F of the node the bind produces (share pod: k = 1 on its device).
    const predicted = p.gpus === 0 ? c.fragAfter(0, p.cpu, 0, -1, 0) : p.gpus === 1 && p.gpuMilli < 1000 ? c.fragAfter(0, p.cpu, 1, p.devices[0]!, p.gpuMilli) : c.fragAfter(0, p.cpu, p.gpus, -1, 1000);
    c.bind(0, p, p.devices);
    const left = Array.from(c.gpuLeft.subarray(0, MAX_GPUS));
    const direct = nodeFragAmount(c.cpuLeft[0]!, left, bit('P100'), withCpu);
    assert.ok(Math.abs(c.frag[0]! - direct) < 1e-6, `cached ${c.frag[0]} vs direct ${direct}`);
    assert.ok(Math.abs(predicted - direct) < 1e-6, `predicted ${predicted} vs direct ${direct}`);
  }
  assert.is(c.usedGpuMilli, 300 + 2000 + 650);
  assert.equal(Array.from(c.gpuLeft.subarray(0, 8)), [0, 0, 1000, 50, 1000, 1000, 1000, 1000]);
});

t.run();
