// Property tests of the whole scheduler (API server, informers, cache, framework, default plugins) over
// random small clusters and pods. Every placement is checked at the moment it is made, by a brute-force
// reading of the cluster written plainly here: no node is taken past allocatable in any resource (GPU
// devices included), and required node affinity, NoSchedule/NoExecute taints, required pod anti-affinity
// (both ways) and DoNotSchedule topology spread are never violated. With every node searched, the chosen
// node has the highest total score.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { cpuMilli, memoryBytes, type Node, type Pod, type Taint, type Toleration } from '../../src/api/index.js';
import { createScheduler } from '../../src/scheduler/index.js';
import type { PodInfo } from '../../src/scheduler/podinfo.js';
import { MAX_GPUS_PER_NODE } from '../../src/scheduler/snapshot.js';
import { seededRng } from '../../src/util/rng.js';
import { makeApi } from '../apiserver/fixtures.js';

const ZONE = 'topology.kubernetes.io/zone';

interface NodeSpec {
  cpu: number;
  memGi: number;
  pods: number;
  zone: 'a' | 'b' | 'c';
  disk: 'ssd' | 'hdd';
  taint: 'none' | 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule';
  gpus: 0 | 2;
}

interface PodSpecGen {
  cpuMilli: number;
  memMi: number;
  app: 'a' | 'b';
  selector: boolean;
  zoneAffinity: boolean;
  tolerate: boolean;
  antiAffinity: boolean;
  spread: boolean;
  gpu: 'none' | 'share' | 'whole';
  gpuMilli: number;
}

const nodeArb: fc.Arbitrary<NodeSpec> = fc.record({
  cpu: fc.integer({ min: 1, max: 8 }),
  memGi: fc.integer({ min: 1, max: 16 }),
  pods: fc.integer({ min: 2, max: 8 }),
  zone: fc.constantFrom('a' as const, 'b' as const, 'c' as const),
  disk: fc.constantFrom('ssd' as const, 'hdd' as const),
  taint: fc.constantFrom('none' as const, 'none' as const, 'NoSchedule' as const, 'NoExecute' as const, 'PreferNoSchedule' as const),
  gpus: fc.constantFrom(0 as const, 0 as const, 2 as const),
});

const podArb: fc.Arbitrary<PodSpecGen> = fc.record({
  cpuMilli: fc.integer({ min: 100, max: 3000 }),
  memMi: fc.integer({ min: 64, max: 4096 }),
  app: fc.constantFrom('a' as const, 'b' as const),
  selector: fc.boolean(),
  zoneAffinity: fc.boolean(),
  tolerate: fc.boolean(),
  antiAffinity: fc.boolean(),
  spread: fc.boolean(),
  gpu: fc.constantFrom('none' as const, 'none' as const, 'share' as const, 'whole' as const),
  gpuMilli: fc.integer({ min: 100, max: 900 }),
});

function nodeObject(i: number, s: NodeSpec): Json {
  const alloc: Record<string, string> = { cpu: String(s.cpu), memory: `${s.memGi}Gi`, pods: String(s.pods) };
  if (s.gpus > 0) alloc['nvidia.com/gpu'] = String(s.gpus);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `n${i}`, labels: { 'kubernetes.io/hostname': `n${i}`, [ZONE]: s.zone, disk: s.disk } },
    spec: s.taint === 'none' ? {} : { taints: [{ key: 'dedicated', value: 'x', effect: s.taint }] },
    status: { capacity: alloc, allocatable: alloc },
  };
}

function podObject(i: number, s: PodSpecGen): Json {
  const requests: Record<string, string> = { cpu: `${s.cpuMilli}m`, memory: `${s.memMi}Mi` };
  if (s.gpu === 'share') requests['drydock.io/gpu-milli'] = String(s.gpuMilli);
  if (s.gpu === 'whole') requests['nvidia.com/gpu'] = '1';
  const spec: Json = { containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests } }] };
  if (s.selector) spec['nodeSelector'] = { disk: 'ssd' };
  if (s.zoneAffinity) {
    spec['affinity'] = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['a', 'b'] }] }] } } };
  }
  if (s.antiAffinity) {
    spec['affinity'] = {
      ...(spec['affinity'] as Json | undefined),
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: s.app } }, topologyKey: 'kubernetes.io/hostname' }] },
    };
  }
  if (s.tolerate) spec['tolerations'] = [{ key: 'dedicated', operator: 'Equal', value: 'x' }];
  if (s.spread) spec['topologySpreadConstraints'] = [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: s.app } } }];
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, labels: { app: s.app } }, spec };
}

// ---- the brute-force checks, independent of the plugins ---------------------------------------------------

function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some(
    (t) =>
      (t.effect === undefined || t.effect === '' || t.effect === taint.effect) &&
      ((t.operator === 'Exists' && (t.key === undefined || t.key === '' || t.key === taint.key)) ||
        ((t.operator ?? 'Equal') === 'Equal' && t.key === taint.key && (t.value ?? '') === (taint.value ?? ''))),
  );
}

function nodeMatchesRequired(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms === undefined) return true;
  return terms.some((t) => (t.matchExpressions ?? []).every((e) => (e.operator === 'In' ? (e.values ?? []).includes(labels[e.key] ?? '\u0000') : true)));
}

interface Placed {
  readonly pod: Pod;
  readonly node: string;
  readonly devices: readonly number[];
}

function checkPlacement(pod: Pod, nodeName: string, nodes: Map<string, Node>, others: readonly Placed[], devices: readonly number[]): void {
  const node = nodes.get(nodeName)!;
  const alloc = node.status!.allocatable!;
  const here = others.filter((o) => o.node === nodeName);
  const req = (p: Pod, r: 'cpu' | 'memory') => p.spec.containers.reduce((s, c) => s + (r === 'cpu' ? cpuMilli(c.resources?.requests?.cpu ?? '0') : memoryBytes(c.resources?.requests?.memory ?? '0')), 0);
  const cpu = here.reduce((s, o) => s + req(o.pod, 'cpu'), 0) + req(pod, 'cpu');
  const mem = here.reduce((s, o) => s + req(o.pod, 'memory'), 0) + req(pod, 'memory');
  assert.ok(cpu <= cpuMilli(alloc['cpu']!), `${nodeName}: cpu ${cpu}m over ${alloc['cpu']}`);
  assert.ok(mem <= memoryBytes(alloc['memory']!), `${nodeName}: memory over allocatable`);
  assert.ok(here.length + 1 <= Number(alloc['pods']), `${nodeName}: too many pods`);
  // GPU devices: per device, whole GPUs take 1000 milli, shares their milli.
  const used = new Array<number>(MAX_GPUS_PER_NODE).fill(0);
  const milliOf = (p: Pod) => Number(p.spec.containers[0]!.resources?.requests?.['drydock.io/gpu-milli'] ?? 1000);
  for (const o of [...here, { pod, node: nodeName, devices }]) for (const d of o.devices) used[d]! += milliOf(o.pod);
  assert.ok(used.every((u) => u <= 1000), `${nodeName}: a GPU device over 1000 milli: ${used.join(',')}`);
  const wantsGpu = pod.spec.containers[0]!.resources?.requests?.['nvidia.com/gpu'] !== undefined || pod.spec.containers[0]!.resources?.requests?.['drydock.io/gpu-milli'] !== undefined;
  assert.is(devices.length > 0, wantsGpu, 'a GPU pod holds devices, others none');
  // Taints with NoSchedule / NoExecute must be tolerated.
  for (const t of node.spec?.taints ?? []) {
    if (t.effect !== 'PreferNoSchedule') assert.ok(tolerates(pod.spec.tolerations ?? [], t), `${nodeName}: untolerated taint`);
  }
  assert.ok(nodeMatchesRequired(pod, node), `${nodeName}: required node affinity or selector violated`);
  // Required anti-affinity on hostname, both ways.
  const app = pod.metadata!.labels!['app'];
  for (const o of here) {
    const otherApp = o.pod.metadata!.labels!['app'];
    if (pod.spec.affinity?.podAntiAffinity !== undefined) assert.is.not(otherApp, app, `${nodeName}: anti-affinity of the new pod violated`);
    if (o.pod.spec.affinity?.podAntiAffinity !== undefined) assert.is.not(otherApp, app, `${nodeName}: anti-affinity of an existing pod violated`);
  }
  // DoNotSchedule spread over zones among nodes the pod's node affinity allows (nodeAffinityPolicy Honor).
  const spread = pod.spec.topologySpreadConstraints?.[0];
  if (spread !== undefined) {
    const eligible = [...nodes.values()].filter((n) => nodeMatchesRequired(pod, n));
    const zones = new Map<string, number>();
    for (const n of eligible) zones.set(n.metadata!.labels![ZONE]!, 0);
    for (const o of others) {
      const z = nodes.get(o.node)!.metadata!.labels![ZONE]!;
      if (zones.has(z) && o.pod.metadata!.labels!['app'] === app && eligible.some((n) => n.metadata!.name === o.node)) zones.set(z, zones.get(z)! + 1);
    }
    const min = Math.min(...zones.values());
    const zone = node.metadata!.labels![ZONE]!;
    assert.ok(zones.get(zone)! + 1 - min <= spread.maxSkew, `${nodeName}: spread skew ${zones.get(zone)! + 1 - min} > ${spread.maxSkew}`);
  }
}

test('no placement ever breaks a resource limit, a taint, required affinity, anti-affinity or DoNotSchedule spread', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(nodeArb, { minLength: 1, maxLength: 6, size: 'medium' }), fc.array(podArb, { minLength: 1, maxLength: 14, size: 'medium' }), fc.integer({ min: 1, max: 1000 }), async (nodeSpecs, podSpecs, seed) => {
      const { api, clock } = await makeApi();
      const informers = new SharedInformerFactory(api);
      const scheduler = createScheduler({ api, informers, clock, rng: seededRng(seed), recordEvents: false });
      await scheduler.start();
      const nodes = new Map<string, Node>();
      for (let i = 0; i < nodeSpecs.length; i++) {
        const n = await api.create<Node>('nodes', nodeObject(i, nodeSpecs[i]!));
        nodes.set(n.metadata!.name!, n);
      }
      const placed: Placed[] = [];
      let checked = 0;
      scheduler.onCycle = (info: PodInfo, result) => {
        if (result.kind !== 'scheduled') return;
        // Called right after the pod was assumed: everything else placed so far is the cluster it joined.
        const devices = scheduler.cache.placement(info.key)?.devices ?? [];
        checkPlacement(info.pod, result.nodeName, nodes, placed, devices);
        placed.push({ pod: info.pod, node: result.nodeName, devices });
        checked++;
      };
      for (let i = 0; i < podSpecs.length; i++) {
        await api.create('pods', podObject(i, podSpecs[i]!));
        await scheduler.runUntilIdle(); // one at a time, so the order of placements is the order of creation
      }
      const bound = (await api.list<Pod>('pods')).items.filter((p) => p.spec.nodeName !== undefined);
      assert.is(bound.length, checked, 'every bound pod was checked when it was placed');
      scheduler.stop();
    }),
    { numRuns: 100 },
  );
});

test('with every node searched, the chosen node has the highest total score (ties broken at random)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(nodeArb, { minLength: 2, maxLength: 6, size: 'medium' }), podArb, fc.integer({ min: 1, max: 1000 }), async (nodeSpecs, podSpec, seed) => {
      const { api, clock } = await makeApi();
      const informers = new SharedInformerFactory(api);
      const scheduler = createScheduler({ api, informers, clock, rng: seededRng(seed), recordEvents: false, percentageOfNodesToScore: 100 });
      await scheduler.start();
      for (let i = 0; i < nodeSpecs.length; i++) await api.create('nodes', nodeObject(i, nodeSpecs[i]!));
      const pod = await api.create<Pod>('pods', { ...podObject(0, podSpec), spec: { ...(podObject(0, podSpec)['spec'] as Json), schedulerName: 'nobody' } }, { dryRun: true });
      const { explanation } = scheduler.explain({ ...pod, spec: { ...pod.spec, schedulerName: 'default-scheduler' } });
      const feasible = explanation.nodes.filter((n) => n.feasible);
      if (feasible.length === 0) return assert.is(explanation.selectedNode, null);
      const best = Math.max(...feasible.map((n) => n.total));
      const chosen = feasible.find((n) => n.name === explanation.selectedNode)!;
      assert.is(chosen.total, best);
      // Each total is the sum of weighted scores, each weighted score normalised × weight in [0, 100 × weight].
      for (const n of feasible) {
        const sum = Object.values(n.scores).reduce((s, x) => s + x.weighted, 0);
        assert.is(n.total, sum);
        for (const x of Object.values(n.scores)) assert.ok(x.normalized >= 0 && x.normalized <= 100);
      }
      scheduler.stop();
    }),
    { numRuns: 60 },
  );
});

test.run();
