// Summary arithmetic on a small hand-made run; every expected number is derived in a comment.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildSummary,
  formatSummaryTable,
  nodeHours,
  pendingSecondsOf,
  percentiles,
  percentileSorted,
  podCounts,
  sampleDurations,
  startupSecondsOf,
  timeWeightedUtilization,
} from '../../src/report/summary.js';
import type { MetricsSample, PodRecord } from '../../src/sim/types.js';

const END = 7200; // two simulated hours

// a: waited 2 s, started 3 s later, succeeded.        pending 2,    startup 3
// b: bound at once, started 1 s later, running.        pending 0,    startup 1
// c: never scheduled, still pending at the end.        pending 7200 − 20 = 7180 (censored at the end)
// d: waited 4 s, started 6 s later, then evicted.      pending 4,    startup 6
// e: preempted... while pending, deleted at 50.        pending 50 − 40 = 10 (until it went away)
const placements: PodRecord[] = [
  { pod: 'a', namespace: 'default', node: 'n1', pool: 'small', created: 0, scheduled: 2, started: 5, finished: 65, phase: 'Succeeded' },
  { pod: 'b', namespace: 'default', node: 'n2', pool: 'big', created: 10, scheduled: 10, started: 11, phase: 'Running', gpuDevices: '0,1' },
  { pod: 'c', namespace: 'default', created: 20, phase: 'Pending' },
  { pod: 'd', namespace: 'team', node: 'n1', pool: 'small', created: 30, scheduled: 34, started: 40, finished: 90, phase: 'Deleted', evicted: true },
  { pod: 'e', namespace: 'team', created: 40, finished: 50, phase: 'Deleted', preempted: true },
];

const s = (t: number, pool: string, nodes: number, cpu: [number, number], mem: [number, number], gpu: [number, number], pendingPods = 0): MetricsSample => ({
  t, pool, nodes, cpuRequested: cpu[0], cpuAllocatable: cpu[1], memoryRequested: mem[0], memoryAllocatable: mem[1], gpuRequested: gpu[0], gpuAllocatable: gpu[1], pendingPods,
});

// small: 1 node for the first hour, 2 for the second.   big: 1 node for 30 min, then none.
// Δt: small@0 → 3600, small@3600 → 3600 (to the end); big@0 → 1800, big@1800 → 5400.
const metrics: MetricsSample[] = [
  s(0, 'small', 1, [1, 2], [1, 4], [0, 0], 1),
  s(0, 'big', 1, [4, 8], [8, 32], [2, 4], 1),
  s(1800, 'big', 0, [0, 0], [0, 0], [0, 0]),
  s(3600, 'small', 2, [3, 4], [2, 8], [0, 0]),
];

const t = suite('summary arithmetic');

t('nearest-rank percentiles', () => {
  // n = 5: p50 → rank ceil(2.5) = 3, p95 → ceil(4.75) = 5, p99 → ceil(4.95) = 5, p0 → rank 1.
  const v = [0, 2, 4, 10, 7180];
  assert.is(percentileSorted(v, 50), 4);
  assert.is(percentileSorted(v, 95), 7180);
  assert.is(percentileSorted(v, 0), 0);
  // n = 100 of 1..100: p95 is the 95th value, p99 the 99th.
  const h = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.is(percentileSorted(h, 95), 95);
  assert.is(percentileSorted(h, 99), 99);
  assert.equal(percentiles([]), { p50: 0, p95: 0, p99: 0, max: 0 });
  assert.equal(percentiles([3, 1, 2]), { p50: 2, p95: 3, p99: 3, max: 3 }); // sorted [1,2,3]: rank ceil(1.5) = 2
});

t('pending and startup seconds per pod', () => {
  assert.equal(pendingSecondsOf(placements, END), [2, 0, 7180, 4, 10]);
  assert.equal(startupSecondsOf(placements), [3, 1, 6]); // c and e never started
});

t('pod counts', () => {
  assert.equal(podCounts(placements), { total: 5, scheduled: 3, unschedulable: 2, succeeded: 1, failed: 0, evicted: 1, preempted: 1 });
});

t('time-weighted utilisation and node-hours from step samples', () => {
  // cpu: requested 1·3600 + 3·3600 + 4·1800 + 0·5400 = 21600; allocatable 2·3600 + 4·3600 + 8·1800 = 36000 ⇒ 0.6
  // memory: 1·3600 + 2·3600 + 8·1800 = 25200 / (4·3600 + 8·3600 + 32·1800 = 100800) ⇒ 0.25
  // gpu: 2·1800 / 4·1800 ⇒ 0.5
  assert.equal(timeWeightedUtilization(metrics, END), { cpu: 0.6, memory: 0.25, gpu: 0.5 });
  // small: (1·3600 + 2·3600) / 3600 = 3 h; big: 1·1800 / 3600 = 0.5 h; total 3.5 h
  assert.equal(nodeHours(metrics, END), { total: 3.5, byPool: { big: 0.5, small: 3 } });
});

t('a sample at or after the end weighs nothing; of two samples at one instant the later one holds', () => {
  const ms = [s(0, 'p', 1, [1, 1], [1, 1], [0, 0]), s(0, 'p', 5, [1, 1], [1, 1], [0, 0]), s(100, 'p', 9, [1, 1], [1, 1], [0, 0])];
  assert.equal(sampleDurations(ms, 100).map((x) => [x.sample.nodes, x.dt]), [[1, 0], [5, 100], [9, 0]]);
  // 5 nodes · 100 s = 500 node-seconds = 0.138889 h (rounded to 6 decimals)
  assert.is(nodeHours(ms, 100).total, 0.138889);
  // Nothing allocatable ⇒ 0, not NaN.
  assert.equal(timeWeightedUtilization([], 100), { cpu: 0, memory: 0, gpu: 0 });
});

t('buildSummary: every field, in the issue order', () => {
  const summary = buildSummary({
    placements,
    metrics,
    simulatedSeconds: END,
    wallSeconds: 0.25,
    seed: 42,
    inputs: [{ file: 'w.csv', sha256: '00' }],
    pricePerHour: { small: 0.1, big: 3 },
    autoscaler: { scaleUps: 1, scaleDowns: 1, nodesAdded: 1, nodesRemoved: 1 },
  });
  assert.equal(Object.keys(summary), ['pods', 'pendingSeconds', 'startupSeconds', 'nodeHours', 'cost', 'utilization', 'gpuAllocationRatio', 'autoscaler', 'simulatedSeconds', 'wallSeconds', 'seed', 'inputs']);
  // pending sorted [0, 2, 4, 10, 7180]: p50 = 4 (rank 3), p95 = p99 = max = 7180
  assert.equal(summary.pendingSeconds, { p50: 4, p95: 7180, p99: 7180, max: 7180 });
  // startup sorted [1, 3, 6]: p50 rank ceil(1.5) = 2 → 3; p95 rank ceil(2.85) = 3 → 6
  assert.equal(summary.startupSeconds, { p50: 3, p95: 6, p99: 6 });
  // cost: small 3 h · 0.1 = 0.3 (not 0.30000000000000004); big 0.5 h · 3 = 1.5; total 1.8
  assert.equal(summary.cost, { total: 1.8, byPool: { big: 1.5, small: 0.3 }, currency: 'USD' });
  assert.is(summary.gpuAllocationRatio, 0.5);
  assert.is(summary.simulatedSeconds, 7200);

  const table = formatSummaryTable(summary);
  assert.match(table, /^pods +5 total, 3 scheduled, 2 never scheduled, 1 succeeded, 0 failed, 1 evicted, 1 preempted$/m);
  assert.match(table, /^pending \(s\) +p50 4\.0 {2}p95 7180\.0 {2}p99 7180\.0 {2}max 7180\.0$/m);
  assert.match(table, /^utilization +cpu 60\.0% {2}memory 25\.0% {2}gpu 50\.0%/m);
  assert.match(table, /^time +2h 00m 00s simulated in 0\.25s wall \(28800x real time\)$/m); // 7200 / 0.25
  assert.match(table, /small +3\.00 +0\.30$/m);
  assert.match(table, /total +3\.50 +1\.80$/m);
});

t.run();
