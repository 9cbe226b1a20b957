// The parts of drydock plan around the solver: node counts per window → pools (min, initial, max), the pools
// file simulate reads, the allowance learned from a simulation's metrics, and the SLO check.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCatalog } from '../../src/cloud/catalog.js';
import { parseNodePools, type ResolvedNodePool } from '../../src/cloud/nodepool.js';
import { buildProblem, learnedAllowance, plannedPools, poolsYaml, sloViolations, workloadDemand } from '../../src/plan/index.js';
import type { MetricsSample, SimulationSummary } from '../../src/sim/types.js';

const catalog = parseCatalog(
  [
    'name,cloud,region,family,vcpu,memory_gib,gpus,gpu_model,arch,price_per_hour,spot_price_per_hour',
    'm5.xlarge,aws,us-east-1,m5,4,16,0,,amd64,0.192,0.08',
    'g4dn.xlarge,aws,us-east-1,g4dn,4,16,1,T4,amd64,0.526,',
  ].join('\n') + '\n',
  'cat.csv',
);

const onePod = workloadDemand([
  { arrivalMs: 0, resource: 'pods', source: 'w:1', object: { kind: 'Pod', metadata: { name: 'a', namespace: 'default' }, spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1', memory: '1Gi' } } }] } } },
]);

const t = suite('plan: pools, allowance, SLO');

t('pools from counts per window: min = fewest, initial = first window, max = most; the file loads as written', () => {
  const problem = buildProblem(onePod, catalog, { windowMs: 1_200_000, zones: ['us-east-1a', 'us-east-1b'], spot: true });
  // 1 h horizon (the minimum) in 20-minute windows: 3 windows.
  assert.is(problem.windows.length, 3);
  const counts = new Map([[0, [4, 2, 7]], [1, [0, 1, 0]]]);
  const pools = plannedPools(problem, counts);
  assert.equal(pools.map((p) => [p.name, p.minSize, p.initialSize, p.maxSize, p.spot, p.pricePerHour]), [
    ['m5-xlarge-spot', 2, 4, 7, true, 0.08], // spot price where the catalog has one
    ['g4dn-xlarge', 0, 0, 1, false, 0.526], // no spot price: on demand
  ]);
  const file = parseNodePools(poolsYaml(problem, pools, ['a header', '']), 'plan.yaml', catalog);
  assert.equal(file.pools.map((p) => [p.name, p.instanceType.name, p.spot, p.minSize, p.initialSize, p.maxSize, p.zones]), [
    ['m5-xlarge-spot', 'm5.xlarge', true, 2, 4, 7, ['us-east-1a', 'us-east-1b']],
    ['g4dn-xlarge', 'g4dn.xlarge', false, 0, 0, 1, ['us-east-1a', 'us-east-1b']],
  ]);
  assert.equal(file.autoscaler.expander, ['price']);
});

function sample(t: number, pool: string, nodes: number, cpu: [number, number], mem: [number, number], pending: number): MetricsSample {
  return { t, pool, nodes, cpuRequested: cpu[0], cpuAllocatable: cpu[1], memoryRequested: mem[0], memoryAllocatable: mem[1], gpuRequested: 0, gpuAllocatable: 0, pendingPods: pending };
}

t('learned allowance: the median bottleneck fill of the pools at their maximum while pods waited', () => {
  const pools = [{ name: 'a', maxSize: 2 }, { name: 'b', maxSize: 5 }] as unknown as ResolvedNodePool[];
  const metrics = [
    // t=0: nothing pending — ignored.
    sample(0, 'a', 2, [1, 8], [1, 32], 0),
    // t=60: pending, a full (2 = max): cpu 6/8 = 0.75, memory 8/32 = 0.25 → 0.75; b below max is left out.
    sample(60, 'a', 2, [6, 8], [8, 32], 3),
    sample(60, 'b', 1, [0.1, 4], [0.1, 16], 3),
    // t=120: both full: cpu (7 + 15) / (8 + 20) = 0.7857, memory (30 + 10) / (32 + 80) = 0.357 → 0.7857.
    sample(120, 'a', 2, [7, 8], [30, 32], 1),
    sample(120, 'b', 5, [15, 20], [10, 80], 1),
    // t=180: pending but no pool at its maximum (scale-up latency) — ignored.
    sample(180, 'a', 1, [4, 4], [1, 16], 2),
    // t=240: a full, memory-bound: 31/32 = 0.96875.
    sample(240, 'a', 2, [1, 8], [31, 32], 1),
  ];
  // Fills 0.75, 0.7857, 0.96875 → median 0.7857 = 22 / 28.
  assert.ok(Math.abs(learnedAllowance(metrics, pools)! - 22 / 28) < 1e-12);
  assert.is(learnedAllowance(metrics.filter((m) => m.t !== 60 && m.t !== 120 && m.t !== 240), pools), undefined);
});

t('SLO violations are named with both numbers; none when every flag holds', () => {
  const s = { pendingSeconds: { p50: 1, p95: 50, p99: 412.04, max: 500 }, pods: { unschedulable: 3 } } as unknown as SimulationSummary;
  assert.equal(sloViolations(s, { p99PendingSeconds: 300, maxUnschedulable: 0 }), ['p99 pending 412.0s > 300s', '3 unschedulable > 0']);
  assert.equal(sloViolations(s, { p99PendingSeconds: 412.04, maxUnschedulable: 3 }), []);
  assert.equal(sloViolations(s, {}), []);
});

t.run();
