// GpuDevices: per-device GPU feasibility, device choice and scoring. drydock's own plugin; device choice
// follows the FGD simulator's open_gpu_share.go (shared/reference/fgd-experiment.md §3.3–3.4):
// whole GPUs take the lowest-indexed idle devices (AllocateExclusiveGpuId), a share the best-fit device
// (allocateGpuIdBasedOnBestFit). Device use is written [d0, d1, ...] in milli-GPU.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Code, ConfigError, CycleState, reasonOf, type PluginHandle } from '../../src/scheduler/framework.js';
import { GPU_MILLI_RESOURCE, GPU_RESOURCE, type PodInfo } from '../../src/scheduler/podinfo.js';
import { MAX_GPUS_PER_NODE, NodeCache, Snapshot } from '../../src/scheduler/snapshot.js';
import type { Node, Pod } from '../../src/api/index.js';
import { BINDING_ANNOTATIONS_KEY, addBindingAnnotation } from '../../src/scheduler/plugins/defaultbinder.js';
import {
  CHOSEN_DEVICES_KEY,
  ERR_BOTH_GPU_ASKS,
  GPU_DEVICES_ANNOTATION,
  GpuDevices,
  NAME,
  REASON_INSUFFICIENT_GPUS,
  REASON_INSUFFICIENT_GPU_SHARE,
  REASON_TOO_FEW_GPUS,
  chosenDevices,
  gpuDevicesAnnotationValue,
  newGpuDevices,
  type GpuScoring,
} from '../../src/scheduler/plugins/gpudevices.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

const handle = (args?: unknown): PluginHandle => (args === undefined ? { args: undefined, profileName: 'test' } : { args: args as never, profileName: 'test' });
const plugin = (scoring: GpuScoring = 'packing') => newGpuDevices(handle({ scoring })) as GpuDevices;

/** A node with `count` GPUs and `used[d]` milli in use on device d, each held by one assigned pod. */
function gpuNode(name: string, count: number, used: readonly number[] = []): { node: Node; pods: Pod[] } {
  const node = makeNode(name).capacity({ cpu: '32', memory: '128Gi', [GPU_RESOURCE]: String(count) }).label('drydock.io/gpu-model', 'A100').obj();
  const pods: Pod[] = [];
  used.forEach((milli, d) => {
    if (milli === 0) return;
    const p = makePod(`${name}-d${d}`).node(name).annotation(GPU_DEVICES_ANNOTATION, String(d));
    pods.push((milli === 1000 ? p.req({ [GPU_RESOURCE]: '1' }) : p.req({ [GPU_MILLI_RESOURCE]: String(milli) })).obj());
  });
  return { node, pods };
}

function cluster(...specs: { node: Node; pods: Pod[] }[]) {
  return clusterOf(
    specs.map((s) => s.node),
    specs.flatMap((s) => s.pods),
  );
}

const whole = (k: number) => makePod('p').req({ cpu: '1', [GPU_RESOURCE]: String(k) }).info();
const share = (milli: number) => makePod('p').req({ cpu: '1', [GPU_MILLI_RESOURCE]: String(milli) }).info();

function used(snapshot: Snapshot, row: number, count: number): number[] {
  return [...snapshot.gpuUsedMilli.subarray(row * MAX_GPUS_PER_NODE, row * MAX_GPUS_PER_NODE + count)];
}

// ---------------------------------------------------------------------------------------------------------

const prefilter = suite('GpuDevices PreFilter');

prefilter('a pod that asks for no GPU is skipped, and Filter then admits every node', () => {
  const { snapshot } = cluster(gpuNode('n1', 0));
  const p = plugin();
  const state = new CycleState();
  const pod = makePod('cpu-only').req({ cpu: '1' }).info();
  assert.is(p.preFilter(state, pod, snapshot).status.code, Code.Skip);
  assert.is(p.filter(state, pod, rows(snapshot, 'n1')[0]!, snapshot), 0);
  assert.is(p.preScore(state, pod, new Int32Array(0), 0, snapshot).code, Code.Skip);
});

prefilter('invalid asks are UnschedulableAndUnresolvable with a clear reason', () => {
  const { snapshot } = cluster(gpuNode('n1', 4));
  const cases: { name: string; pod: PodInfo; reason: string | undefined }[] = [
    { name: 'both asks', pod: makePod('p').req({ [GPU_RESOURCE]: '1', [GPU_MILLI_RESOURCE]: '500' }).info(), reason: ERR_BOTH_GPU_ASKS },
    { name: 'share above one GPU', pod: share(1001), reason: `${GPU_MILLI_RESOURCE} must be from 1 to 1000, got 1001` },
    { name: 'share far above', pod: share(1200), reason: `${GPU_MILLI_RESOURCE} must be from 1 to 1000, got 1200` },
    // The bounds themselves are valid asks.
    { name: 'share of 1', pod: share(1), reason: undefined },
    { name: 'share of 1000', pod: share(1000), reason: undefined },
    { name: 'whole GPUs', pod: whole(2), reason: undefined },
  ];
  for (const c of cases) {
    const s = plugin().preFilter(new CycleState(), c.pod, snapshot).status;
    if (c.reason === undefined) assert.is(s.code, Code.Success, c.name);
    else {
      assert.is(s.code, Code.UnschedulableAndUnresolvable, c.name);
      assert.equal(s.reasons, [c.reason], c.name);
    }
  }
  assert.is(ERR_BOTH_GPU_ASKS, 'pod requests both nvidia.com/gpu and drydock.io/gpu-milli');
});

// ---------------------------------------------------------------------------------------------------------

const filter = suite('GpuDevices Filter');

filter('whole GPUs need idle devices; a share needs one device with enough free (table)', () => {
  const cases: { name: string; node: { node: Node; pods: Pod[] }; count: number; pod: PodInfo; want: number }[] = [
    // [1000, 300, 0, 0]: devices 2 and 3 are idle → 2 ≥ 2 fits.
    { name: 'whole 2, two idle', node: gpuNode('n', 4, [1000, 300, 0, 0]), count: 4, pod: whole(2), want: 0 },
    // same node: 2 idle < 3; device 1 has 700 free but a whole GPU needs a device with 0 used.
    { name: 'whole 3, two idle', node: gpuNode('n', 4, [1000, 300, 0, 0]), count: 4, pod: whole(3), want: REASON_INSUFFICIENT_GPUS },
    // 1 GPU on the node < 2 asked: no amount of preemption helps.
    { name: 'whole 2 on a 1-GPU node', node: gpuNode('n', 1), count: 1, pod: whole(2), want: REASON_TOO_FEW_GPUS },
    { name: 'whole 1 on a CPU node', node: gpuNode('n', 0), count: 0, pod: whole(1), want: REASON_TOO_FEW_GPUS },
    // [600, 500]: free 400 and 500; 500 ≥ 460 on device 1.
    { name: 'share 460 fits device 1', node: gpuNode('n', 2, [600, 500]), count: 2, pod: share(460), want: 0 },
    // [600]: 600 + 400 = 1000 ≤ 1000, an exact fit.
    { name: 'share 400 exact fit', node: gpuNode('n', 1, [600]), count: 1, pod: share(400), want: 0 },
    // [600]: 600 + 401 = 1001 > 1000.
    { name: 'share 401 one over', node: gpuNode('n', 1, [600]), count: 1, pod: share(401), want: REASON_INSUFFICIENT_GPU_SHARE },
    // [1, 0]: device 1 is idle, 0 + 1000 ≤ 1000.
    { name: 'share 1000 on an idle device', node: gpuNode('n', 2, [1, 0]), count: 2, pod: share(1000), want: 0 },
    // [1, 1]: 999 free on each, < 1000.
    { name: 'share 1000, no idle device', node: gpuNode('n', 2, [1, 1]), count: 2, pod: share(1000), want: REASON_INSUFFICIENT_GPU_SHARE },
    { name: 'share on a CPU node', node: gpuNode('n', 0), count: 0, pod: share(100), want: REASON_TOO_FEW_GPUS },
  ];
  for (const c of cases) {
    const { snapshot } = cluster(c.node);
    const p = plugin();
    const state = new CycleState();
    assert.is(p.preFilter(state, c.pod, snapshot).status.code, Code.Success, c.name);
    const got = p.filter(state, c.pod, rows(snapshot, 'n')[0]!, snapshot);
    assert.is(reasonOf(got).text, reasonOf(c.want).text, c.name);
  }
  assert.is(reasonOf(REASON_TOO_FEW_GPUS).code, Code.UnschedulableAndUnresolvable);
  assert.is(reasonOf(REASON_INSUFFICIENT_GPUS).code, Code.Unschedulable);
  assert.is(reasonOf(REASON_INSUFFICIENT_GPU_SHARE).code, Code.Unschedulable);
});

filter('2 GPUs free in total but no single device with 600 free: the count says yes, the devices say no', () => {
  // [500, 500, 500, 500]: free 4 × 500 = 2000 milli = 2 GPUs in total, but every device has 500 < 600.
  const { snapshot } = cluster(gpuNode('n', 4, [500, 500, 500, 500]));
  const [n] = rows(snapshot, 'n');
  assert.equal(used(snapshot, n!, 4), [500, 500, 500, 500]);
  // NodeResourcesFit's view: allocatable nvidia.com/gpu 4, requested 0 (shares are not counted as GPUs).
  const gpu = snapshot.scalar(GPU_RESOURCE);
  assert.is(gpu.alloc[n!]! - gpu.req[n!]!, 4);
  const p = plugin();
  for (const [pod, want] of [
    [share(600), REASON_INSUFFICIENT_GPU_SHARE],
    [share(500), 0], // 500 + 500 = 1000 fits device 0
    [whole(1), REASON_INSUFFICIENT_GPUS], // no device has 0 used
  ] as const) {
    const state = new CycleState();
    p.preFilter(state, pod, snapshot);
    assert.is(p.filter(state, pod, n!, snapshot), want);
  }
});

// ---------------------------------------------------------------------------------------------------------

const reserve = suite('GpuDevices Reserve');

function reserveOn(p: GpuDevices, pod: PodInfo, snapshot: Snapshot, node = 'n'): { state: CycleState; devices: readonly number[] | undefined; code: Code } {
  const state = new CycleState();
  p.preFilter(state, pod, snapshot);
  const s = p.reserve(state, pod, node);
  return { state, devices: chosenDevices(state), code: s.code };
}

reserve('device choice: lowest-indexed idle devices, best fit for a share, ties to the lowest index (table)', () => {
  const cases: { name: string; used: number[]; pod: PodInfo; scoring?: GpuScoring; want: number[] }[] = [
    // idle: 1, 3, 4 → the two lowest are 1 and 3.
    { name: 'whole 2', used: [1000, 0, 300, 0, 0], pod: whole(2), want: [1, 3] },
    { name: 'whole 1 on an empty node', used: [0, 0], pod: whole(1), want: [0] },
    // free [1000, 400, 300, 400]: least free ≥ 300 is device 2 (300, an exact fit).
    { name: 'share best fit', used: [0, 600, 700, 600], pod: share(300), want: [2] },
    // free [400, 1000, 400]: devices 0 and 2 tie at 400 → the lowest index, 0.
    { name: 'share tie', used: [600, 0, 600], pod: share(300), want: [0] },
    // free [200, 1000, 400]: device 0 is too small (200 < 300), device 2 fits best.
    { name: 'share skips too small', used: [800, 0, 600], pod: share(300), want: [2] },
    // spread: the most free, 1000 on device 1.
    { name: 'share spread', used: [600, 0, 600, 0], pod: share(300), scoring: 'spread', want: [1] },
    // whole GPUs ignore the scoring mode: lowest idle devices.
    { name: 'whole spread', used: [0, 500, 0], pod: whole(2), scoring: 'spread', want: [0, 2] },
  ];
  for (const c of cases) {
    const { snapshot } = cluster(gpuNode('n', c.used.length, c.used));
    const r = reserveOn(plugin(c.scoring ?? 'packing'), c.pod, snapshot);
    assert.is(r.code, Code.Success, c.name);
    assert.equal(r.devices, c.want, c.name);
  }
});

reserve('Reserve leaves the devices and the binding annotation in the state; Unreserve forgets both', () => {
  const { snapshot } = cluster(gpuNode('n', 4, [1000, 0, 0, 0]));
  const p = plugin();
  const r = reserveOn(p, whole(2), snapshot);
  assert.equal(r.devices, [1, 2]);
  assert.is(CHOSEN_DEVICES_KEY, 'GpuDevices/devices');
  assert.is(gpuDevicesAnnotationValue(r.devices!), '1,2');
  assert.is(gpuDevicesAnnotationValue([3]), '3');
  assert.is(GPU_DEVICES_ANNOTATION, 'drydock.io/gpu-devices');
  // DefaultBinder sends these annotations with the binding; another plugin's annotation survives Unreserve.
  addBindingAnnotation(r.state, 'example.com/other', 'x');
  assert.equal(r.state.read(BINDING_ANNOTATIONS_KEY), { 'drydock.io/gpu-devices': '1,2', 'example.com/other': 'x' });
  p.unreserve(r.state, whole(2), 'n');
  assert.is(chosenDevices(r.state), undefined);
  assert.equal(r.state.read(BINDING_ANNOTATIONS_KEY), { 'example.com/other': 'x' });
});

reserve('devices are chosen on the named node\'s row; no GPU ask reserves nothing; unknown or full nodes fail', () => {
  const { snapshot } = cluster(gpuNode('a', 2, [1000, 0]), gpuNode('b', 2, [0, 0]));
  const p = plugin();
  assert.equal(reserveOn(p, whole(1), snapshot, 'a').devices, [1]);
  assert.equal(reserveOn(p, whole(1), snapshot, 'b').devices, [0]);
  const cpu = reserveOn(p, makePod('c').req({ cpu: '1' }).info(), snapshot, 'a');
  assert.is(cpu.code, Code.Success);
  assert.is(cpu.devices, undefined);
  assert.is(cpu.state.read(BINDING_ANNOTATIONS_KEY), undefined);
  assert.is(reserveOn(p, whole(1), snapshot, 'missing').code, Code.Error);
  const full = reserveOn(p, whole(2), snapshot, 'a'); // one idle device < 2
  assert.is(full.code, Code.Unschedulable);
  assert.is(full.devices, undefined);
});

reserve('an assumed pod holds its chosen devices in the cache and the next snapshot', () => {
  const { cache, snapshot } = cluster(gpuNode('n', 2, [300, 0]));
  const pod = share(700);
  const r = reserveOn(plugin(), pod, snapshot);
  // free [700, 1000]: best fit 700 is device 0, exactly filled: 300 + 700 = 1000.
  assert.equal(r.devices, [0]);
  cache.addPod({ ...pod, nodeName: 'n' }, r.devices!);
  snapshot.update(cache);
  assert.equal(used(snapshot, rows(snapshot, 'n')[0]!, 2), [1000, 0]);
});

// ---------------------------------------------------------------------------------------------------------

const score = suite('GpuDevices Score');

function scores(p: GpuDevices, pod: PodInfo, snapshot: Snapshot, ...names: string[]): number[] {
  const state = new CycleState();
  p.preFilter(state, pod, snapshot);
  const rs = rows(snapshot, ...names);
  assert.is(p.preScore(state, pod, Int32Array.from(rs), rs.length, snapshot).code, Code.Success);
  return rs.map((r) => p.score(state, pod, r, snapshot));
}

score('packing: whole GPUs prefer nodes whose GPUs are busy — ⌊100·(busy + k)/G⌋', () => {
  const { snapshot } = cluster(
    gpuNode('busy', 8, [1000, 1000, 1000, 1000, 1000, 500, 0, 0]), // busy 6
    gpuNode('fresh', 8),
    gpuNode('small', 4, [200]), // busy 1
  );
  // busy: ⌊100·(6 + 2)/8⌋ = 100; fresh: ⌊100·(0 + 2)/8⌋ = 25; small: ⌊100·(1 + 2)/4⌋ = 75.
  assert.equal(scores(plugin(), whole(2), snapshot, 'busy', 'fresh', 'small'), [100, 25, 75]);
  // spread: ⌊100·(idle − k)/G⌋: busy ⌊100·(2 − 2)/8⌋ = 0; fresh ⌊100·6/8⌋ = 75; small ⌊100·(3 − 2)/4⌋ = 25.
  assert.equal(scores(plugin('spread'), whole(2), snapshot, 'busy', 'fresh', 'small'), [0, 75, 25]);
});

score('packing: a share prefers the tightest device — ⌊(used + m)/10⌋ on the best-fit device', () => {
  const { snapshot } = cluster(gpuNode('exact', 2, [540, 0]), gpuNode('partial', 2, [300, 0]), gpuNode('fresh', 2), gpuNode('mixed', 3, [900, 700, 100]));
  // exact: best fit device 0 (free 460): ⌊(540 + 460)/10⌋ = 100.
  // partial: device 0 (free 700): ⌊(300 + 460)/10⌋ = 76.
  // fresh: device 0 (free 1000): ⌊(0 + 460)/10⌋ = 46.
  // mixed: device 0 too small (100 free); best fit is device 2 (900 free): ⌊(100 + 460)/10⌋ = 56.
  assert.equal(scores(plugin(), share(460), snapshot, 'exact', 'partial', 'fresh', 'mixed'), [100, 76, 46, 56]);
  // spread: the most free device, ⌊(1000 − used − m)/10⌋: exact, partial and fresh have an idle device 1:
  // ⌊(1000 − 0 − 460)/10⌋ = 54; mixed: device 2 (used 100): ⌊(1000 − 100 − 460)/10⌋ = 44.
  assert.equal(scores(plugin('spread'), share(460), snapshot, 'exact', 'partial', 'fresh', 'mixed'), [54, 54, 54, 44]);
});

score("scoring 'none' skips Score; a GPU-less pod skips it too", () => {
  const { snapshot } = cluster(gpuNode('n', 2));
  const state = new CycleState();
  const p = plugin('none');
  p.preFilter(state, whole(1), snapshot);
  assert.is(p.preScore(state, whole(1), new Int32Array([0]), 1, snapshot).code, Code.Skip);
  // Without PreFilter (a score-only profile), PreScore reads the ask itself.
  const alone = new CycleState();
  assert.is(plugin().preScore(alone, whole(1), new Int32Array([0]), 1, snapshot).code, Code.Success);
  assert.is(plugin().score(alone, whole(1), 0, snapshot), 50); // ⌊100·(0 + 1)/2⌋ = 50
});

// ---------------------------------------------------------------------------------------------------------

const args = suite('GpuDevices args');

args('defaults to packing; rejects unknown scoring, unknown fields and non-objects with the field path', () => {
  assert.is((newGpuDevices(handle()) as GpuDevices).args.scoring, 'packing');
  assert.is((newGpuDevices(handle({})) as GpuDevices).args.scoring, 'packing');
  assert.is(newGpuDevices(handle({ scoring: 'spread' })).name, NAME);
  assert.is((newGpuDevices(handle({ apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'GpuDevicesArgs', scoring: 'none' })) as GpuDevices).args.scoring, 'none');
  const bad: [unknown, string][] = [
    [{ scoring: 'binpack' }, 'scoring: must be one of "packing", "spread", "none", got "binpack"'],
    [{ scoring: 3 }, 'scoring: must be one of "packing", "spread", "none", got 3'],
    [{ scoring: 'packing', weight: 2 }, 'weight: unknown field (GpuDevices args have only "scoring")'],
    [['packing'], 'args: must be an object, got ["packing"]'],
  ];
  for (const [raw, message] of bad) {
    try {
      newGpuDevices(handle(raw));
      assert.unreachable(`accepted ${JSON.stringify(raw)}`);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.is((err as Error).message, message);
    }
  }
});

// ---------------------------------------------------------------------------------------------------------

const property = suite('GpuDevices property');

type Op = { kind: 'place'; gpus: number; milli: number; pick: number } | { kind: 'remove'; pick: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('place' as const), gpus: fc.integer({ min: 1, max: 5 }), milli: fc.constant(0), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('place' as const), gpus: fc.constant(0), milli: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(1, 250, 500, 1000)), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
);

property('placing pods on their chosen devices never takes a device past 1000, and Filter admits exactly the nodes with room', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 4 }),
      fc.array(arbOp, { maxLength: 60 }),
      fc.constantFrom<GpuScoring>('packing', 'spread'),
      (counts, ops, scoring) => {
        const cache = new NodeCache();
        counts.forEach((c, i) => cache.setNode(gpuNode(`n${i}`, c).node));
        const snapshot = new Snapshot();
        snapshot.update(cache);
        const p = plugin(scoring);
        // The model: used milli per node and device, and the placed pods.
        const model = counts.map((c) => new Array<number>(c).fill(0));
        const placed: { key: string; node: number; devices: readonly number[]; perDevice: number }[] = [];
        let serial = 0;
        for (const op of ops) {
          if (op.kind === 'remove') {
            if (placed.length === 0) continue;
            const [gone] = placed.splice(op.pick % placed.length, 1);
            cache.removePod(gone!.key);
            for (const d of gone!.devices) model[gone!.node]![d]! -= gone!.perDevice;
          } else {
            const name = `p${serial++}`;
            const b = makePod(name);
            const pod = (op.gpus > 0 ? b.req({ [GPU_RESOURCE]: String(op.gpus) }) : b.req({ [GPU_MILLI_RESOURCE]: String(op.milli) })).info();
            const perDevice = op.gpus > 0 ? 1000 : op.milli;
            const state = new CycleState();
            assert.is(p.preFilter(state, pod, snapshot).status.code, Code.Success);
            const admitted: number[] = [];
            counts.forEach((_, i) => {
              const devs = model[i]!;
              const fits = op.gpus > 0 ? devs.filter((u) => u === 0).length >= op.gpus : devs.some((u) => u + op.milli <= 1000);
              const row = snapshot.rowOf(`n${i}`);
              assert.is(p.filter(state, pod, row, snapshot) === 0, fits, `filter n${i} [${devs}] for ${op.gpus} GPUs / ${op.milli} milli`);
              if (fits) admitted.push(i);
            });
            if (admitted.length === 0) continue;
            const node = admitted[op.pick % admitted.length]!;
            assert.is(p.reserve(state, pod, `n${node}`).code, Code.Success);
            const devices = chosenDevices(state)!;
            assert.is(devices.length, Math.max(op.gpus, 1));
            assert.is(new Set(devices).size, devices.length);
            for (const d of devices) {
              assert.ok(d >= 0 && d < counts[node]!);
              model[node]![d]! += perDevice;
            }
            cache.addPod({ ...pod, nodeName: `n${node}` }, devices);
            placed.push({ key: pod.key, node, devices, perDevice });
          }
          snapshot.update(cache);
          counts.forEach((c, i) => {
            const got = used(snapshot, snapshot.rowOf(`n${i}`), c);
            assert.equal(got, model[i]);
            for (const u of got) assert.ok(u >= 0 && u <= 1000, `device at ${u} milli`);
          });
        }
      },
    ),
    { numRuns: 300 },
  );
});

for (const s of [prefilter, filter, reserve, score, args, property]) s.run();
