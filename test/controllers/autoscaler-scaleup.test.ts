// decide() for scale-up: each expander's choice on a crafted situation, the refusals with Cluster
// Autoscaler's words, the cluster-wide caps, and the backoff after maxNodeProvisionTime.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decide,
  DEFAULT_AUTOSCALER_SETTINGS,
  EMPTY_HISTORY,
  priceScore,
  registerFailedScaleUp,
  resolveAutoscalerSettings,
  wasteScore,
  type AutoscalerSettings,
  type Decision,
} from '../../src/controllers/autoscaler/index.js';
import { boundPod, group, groupNode, MIN, observed, pendingPod, S, T0 } from './autoscaler-fixtures.js';

const NOW = T0 + MIN; // pods were created at T0: older than the 2 s "very new" buffer.
const settings = (over: Record<string, unknown> = {}): AutoscalerSettings => resolveAutoscalerSettings(over, 'test');
const events = (d: Decision, reason?: string) =>
  d.events.flatMap((e) => (e.type === 'event' && (reason === undefined || e.reason === reason) ? [`${e.involved.name}: ${e.reason}: ${e.message}`] : []));

// The crafted situation: four pending pods of 1 cpu / 1 GiB.
//   small: 2 cpu / 4 GiB, $0.10/h → two pods per node → 2 nodes.
//   big:   8 cpu / 32 GiB, $0.50/h → all four on 1 node.
const pods4 = [0, 1, 2, 3].map((i) => pendingPod(`p${i}`, { cpu: '1', memory: '1Gi' }));
const small = group('small', { cpu: '2', memory: '4Gi', price: 0.1 });
const big = group('big', { cpu: '8', memory: '32Gi', price: 0.5 });

const expanders = suite('expanders choose');

expanders('least-waste (default): small wastes 0 cpu + 0.5 memory, big 0.5 + 0.875', () => {
  const d = decide(observed({ groups: [small, big], pods: pods4 }), NOW, DEFAULT_AUTOSCALER_SETTINGS);
  // small ×2: cpu (4 − 4)/4 = 0, memory (8 − 4)/8 = 0.5 → 0.5; big ×1: (8 − 4)/8 = 0.5, (32 − 4)/32 = 0.875 → 1.375.
  assert.is(wasteScore({ group: small, nodeCount: 2, pods: pods4 }), 0.5);
  assert.is(wasteScore({ group: big, nodeCount: 1, pods: pods4 }), 1.375);
  assert.equal(d.scaleUps.map((s) => [s.group, s.currentSize, s.newSize]), [['small', 0, 2]]);
  assert.equal(events(d, 'TriggeredScaleUp'), pods4.map((p) => `${p.metadata!.name}: TriggeredScaleUp: pod triggered scale-up: [{small 0->2 (max: 10)}]`));
  assert.equal(events(d, 'ScaledUpGroup'), ['cluster-autoscaler-status: ScaledUpGroup: Scale-up: setting group small size to 2 instead of 0 (max: 10)']);
});

expanders('least-nodes: big needs 1 node, small 2', () => {
  const d = decide(observed({ groups: [small, big], pods: pods4 }), NOW, settings({ expander: 'least-nodes' }));
  assert.equal(d.scaleUps.map((s) => [s.group, s.newSize]), [['big', 1]]);
});

expanders('most-pods: small capped at max 1 takes 2 pods, big takes 4 (least-waste would still pick small)', () => {
  const smallMax1 = group('small', { cpu: '2', memory: '4Gi', max: 1 });
  const o = observed({ groups: [smallMax1, big], pods: pods4 });
  assert.equal(decide(o, NOW, settings({ expander: 'most-pods' })).scaleUps.map((s) => [s.group, s.newSize]), [['big', 1]]);
  // small ×1 holds 2 pods: cpu (2 − 2)/2 = 0, memory (4 − 2)/4 = 0.5 → 0.5 < 1.375.
  assert.equal(decide(o, NOW, settings({ expander: 'least-waste' })).scaleUps.map((s) => [s.group, s.newSize]), [['small', 1]]);
});

expanders('price: cost per pod times node unfitness; small wins', () => {
  // Stabilisation pod: 0.5 × 0.033174 + 0.524288 GB × 0.004446 = 0.018918; the 4 pods: 4 × (0.033174 + 1.073742 × 0.004446) = 0.151792.
  // small: (2 × 0.10 + 0.018918)/(0.151792 + 0.018918) = 1.28239; preferred node for 0 nodes is 1 cpu → unfitness 2,
  //   suppressed (2 − 1)(1 − tanh(1/15)) + 1 = 1.93342 → 2.4794.
  // big: (0.50 + 0.018918)/0.170710 = 3.03976; unfitness 8, suppressed 8 (tanh 0 = 0) → 24.318.
  const s = priceScore({ group: small, nodeCount: 2, pods: pods4 }, 0);
  const b = priceScore({ group: big, nodeCount: 1, pods: pods4 }, 0);
  assert.ok(Math.abs(s.priceSubScore - 1.28239) < 1e-4, String(s.priceSubScore));
  assert.ok(Math.abs(s.score - 2.4794) < 1e-3, String(s.score));
  assert.ok(Math.abs(b.score - 24.318) < 1e-2, String(b.score));
  const d = decide(observed({ groups: [small, big], pods: pods4 }), NOW, settings({ expander: 'price' }));
  assert.equal(d.scaleUps.map((x) => x.group), ['small']);
});

expanders('priority: the highest priority whose regex matches the group id', () => {
  const d = decide(observed({ groups: [small, big], pods: pods4 }), NOW, settings({ expander: 'priority', expanderPriorities: { 10: ['^big$'], 1: ['.*'] } }));
  assert.equal(d.scaleUps.map((x) => x.group), ['big']);
});

expanders('chain "priority,least-waste": priority ties small and big at 10, least-waste breaks the tie', () => {
  const huge = group('huge', { cpu: '64', memory: '256Gi', price: 4 });
  const s = settings({ expander: 'priority,least-waste', expanderPriorities: { 10: ['small', 'big'], 50: ['nothing-matches'], 1: ['.*'] } });
  const d = decide(observed({ groups: [huge, big, small], pods: pods4 }), NOW, s);
  assert.equal(d.scaleUps.map((x) => x.group), ['small']);
});

expanders('ties end in the seeded random expander: two identical groups, both get picked over seeds, each seed is repeatable', () => {
  const a = group('a');
  const b = group('b');
  const o = observed({ groups: [a, b], pods: pods4 });
  const picks = new Set<string>();
  for (let seed = 1; seed <= 16; seed++) {
    const s = settings({ randomSeed: seed });
    const first = decide(o, NOW, s).scaleUps[0]!.group;
    assert.is(decide(o, NOW, s).scaleUps[0]!.group, first, 'same seed, same choice');
    picks.add(first);
  }
  assert.equal([...picks].sort(), ['a', 'b']);
});

expanders('random: picks among all options', () => {
  const d = decide(observed({ groups: [small, big], pods: pods4 }), NOW, settings({ expander: 'random', randomSeed: 3 }));
  assert.is(d.scaleUps.length, 1);
  assert.ok(['small', 'big'].includes(d.scaleUps[0]!.group));
});

const refusals = suite('scale-up refusals');

expanders('balanceSimilarNodeGroups: two groups alike but for the zone share the scale-up', () => {
  const za = group('pool-a', { labels: { 'topology.kubernetes.io/zone': 'a' } });
  const zb = group('pool-b', { labels: { 'topology.kubernetes.io/zone': 'b' } });
  // 4 pods of 1 cpu on 2-cpu nodes → 2 nodes, one per group (the smaller group gets each next node).
  const d = decide(observed({ groups: [za, zb], pods: pods4 }), NOW, settings({ balanceSimilarNodeGroups: true }));
  assert.equal(d.scaleUps.map((x) => [x.group, x.newSize]).sort(), [['pool-a', 1], ['pool-b', 1]]);
  const msg = events(d, 'TriggeredScaleUp')[0]!;
  assert.ok(/\[\{pool-. 0->1 \(max: 10\)\} \{pool-. 0->1 \(max: 10\)\}\]$/.test(msg), msg);
  // Without the option, one group takes both nodes.
  assert.equal(decide(observed({ groups: [za, zb], pods: pods4 }), NOW).scaleUps.map((x) => x.newSize), [2]);
});

expanders.run();

refusals('a group at max size: NotTriggerScaleUp "1 max node group size reached"', () => {
  const full = group('full', { max: 2, target: 2 });
  const nodes = [groupNode('full-0', full), groupNode('full-1', full)];
  const blockers = nodes.map((n, i) => boundPod(`busy-${i}`, n.metadata!.name!, { cpu: '2' }));
  const d = decide(observed({ groups: [full], nodes, pods: [...blockers, pendingPod('p', { cpu: '1' })] }), NOW);
  assert.equal(d.scaleUps, []);
  assert.equal(events(d, 'NotTriggerScaleUp'), ["p: NotTriggerScaleUp: pod didn't trigger scale-up: 1 max node group size reached"]);
});

refusals('groups that cannot run the pod give the scheduler\'s reason, counted per group and aggregated with the skipped ones', () => {
  const gpuA = group('gpu-a', { labels: { accelerator: 'a100' } });
  const gpuB = group('gpu-b', { labels: { accelerator: 'a100' } });
  const full = group('cpu', { labels: { accelerator: 't4' }, max: 0 });
  const pod = pendingPod('train', { cpu: '1' }, T0, (b) => b.spec({ nodeSelector: { accelerator: 'h100' } }));
  const d = decide(observed({ groups: [gpuA, gpuB, full], pods: [pod] }), NOW);
  assert.equal(events(d, 'NotTriggerScaleUp'), ["train: NotTriggerScaleUp: pod didn't trigger scale-up: 1 max node group size reached, 2 node(s) didn't match Pod's node affinity/selector"]);
  assert.equal(d.refusals.map((r) => r.reason), ['NotTriggerScaleUp']);
});

refusals('cluster cores limit: 8 cores already (2 × 4), max 8 → "max cluster cpu limit reached"', () => {
  const g = group('pool', { cpu: '4', memory: '8Gi', target: 2 });
  const nodes = [groupNode('pool-0', g), groupNode('pool-1', g)];
  const busy = nodes.map((n, i) => boundPod(`busy-${i}`, n.metadata!.name!, { cpu: '4' }));
  const d = decide(observed({ groups: [g], nodes, pods: [...busy, pendingPod('p', { cpu: '1' })] }), NOW, settings({ maxCoresTotal: 8 }));
  assert.equal(d.scaleUps, []);
  assert.equal(events(d, 'NotTriggerScaleUp'), ["p: NotTriggerScaleUp: pod didn't trigger scale-up: 1 max cluster cpu limit reached"]);
});

refusals('cluster limits cap the count: 5 nodes needed, cores 12 → 3 nodes of 4 cores; memory 20 GiB → 2 nodes of 8 GiB', () => {
  const g = group('pool', { cpu: '4', memory: '8Gi' });
  const pods = [0, 1, 2, 3, 4].map((i) => pendingPod(`p${i}`, { cpu: '3' }));
  // One 3-cpu pod per 4-cpu node → the estimator wants 5; floor(12 / 4) = 3.
  assert.equal(decide(observed({ groups: [g], pods }), NOW, settings({ maxCoresTotal: 12 })).scaleUps.map((s) => [s.currentSize, s.newSize]), [[0, 3]]);
  // floor(20 GiB / 8 GiB) = 2.
  assert.equal(decide(observed({ groups: [g], pods }), NOW, settings({ maxMemoryTotal: 20 })).scaleUps.map((s) => [s.currentSize, s.newSize]), [[0, 2]]);
});

refusals('max nodes total: 3 nodes registered, limit 3 → "max total nodes in cluster reached"; limit 4 caps the scale-up at 1', () => {
  const g = group('pool', { cpu: '1', memory: '2Gi', target: 3 });
  const nodes = [0, 1, 2].map((i) => groupNode(`pool-${i}`, g));
  const busy = nodes.map((n, i) => boundPod(`busy-${i}`, n.metadata!.name!, { cpu: '1' }));
  const pods = [...busy, pendingPod('a', { cpu: '1' }), pendingPod('b', { cpu: '1' })];
  const d3 = decide(observed({ groups: [g], nodes, pods }), NOW, settings({ maxNodesTotal: 3 }));
  assert.equal(d3.scaleUps, []);
  assert.equal(events(d3, 'NotTriggerScaleUp'), ["a: NotTriggerScaleUp: pod didn't trigger scale-up: max total nodes in cluster reached", "b: NotTriggerScaleUp: pod didn't trigger scale-up: max total nodes in cluster reached"]);
  const d4 = decide(observed({ groups: [g], nodes, pods }), NOW, settings({ maxNodesTotal: 4 }));
  assert.equal(d4.scaleUps.map((s) => [s.currentSize, s.newSize]), [[3, 4]]);
});

refusals('pods that fit a node still coming up do not trigger another scale-up', () => {
  // Target 1, no node registered yet: the upcoming template node takes the 1-cpu pod.
  const g = group('pool', { cpu: '2', target: 1 });
  const d = decide(observed({ groups: [g], pods: [pendingPod('p', { cpu: '1' })] }), NOW);
  assert.equal([d.scaleUps, d.refusals], [[], []]);
});

refusals('pods under 2 s old wait one loop (allPodsAreNew), and younger than newPodScaleUpDelay are not counted', () => {
  const g = group('pool');
  const young = pendingPod('p', { cpu: '1' }, NOW - 1000);
  assert.equal(decide(observed({ groups: [g], pods: [young] }), NOW).scaleUps, []);
  assert.is(decide(observed({ groups: [g], pods: [young] }), NOW + 1000).scaleUps.length, 1, '2 s old: scaled');
  // Created at NOW − 1 s: at NOW + 29 s it is exactly 30 s old, not older than the delay (podAge > delay).
  const delayed = settings({ newPodScaleUpDelay: '30s' });
  assert.equal(decide(observed({ groups: [g], pods: [young] }), NOW + 29 * S, delayed).scaleUps, []);
  assert.is(decide(observed({ groups: [g], pods: [young] }), NOW + 29 * S + 1, delayed).scaleUps.length, 1);
});

refusals('expendable pods (priority < -10) never trigger a scale-up', () => {
  const g = group('pool');
  const p = pendingPod('batch', { cpu: '1' }, T0, (b) => b.priority(-11));
  assert.equal(decide(observed({ groups: [g], pods: [p] }), NOW).scaleUps, []);
});

refusals('refusal events are recorded when the message changes, not every scan', () => {
  const full = group('full', { max: 0 });
  const o = observed({ groups: [full], pods: [pendingPod('p', { cpu: '1' })] });
  const d1 = decide(o, NOW);
  const d2 = decide(o, NOW + 10 * S, DEFAULT_AUTOSCALER_SETTINGS, d1.history);
  assert.is(events(d1, 'NotTriggerScaleUp').length, 1);
  assert.is(events(d2, 'NotTriggerScaleUp').length, 0);
  assert.is(d2.refusals.length, 1, 'still a refusal, as data');
});

refusals.run();

const backoff = suite('maxNodeProvisionTime and backoff');

backoff('nodes not registered within 15 min: ScaleUpTimedOut, capacity removed, group backs off 5 min', () => {
  const g = group('pool', { cpu: '2', max: 10 });
  const pod = pendingPod('p', { cpu: '1' });
  const d1 = decide(observed({ groups: [g], pods: [pod] }), NOW);
  assert.equal(d1.scaleUps.map((s) => [s.currentSize, s.newSize]), [[0, 1]]);
  // The cloud took the request (target 1) but the node never registers.
  const asked = { ...g, targetSize: 1 };
  const o = observed({ groups: [asked], pods: [pod] });
  const atLimit = decide(o, NOW + 15 * MIN, DEFAULT_AUTOSCALER_SETTINGS, d1.history);
  assert.equal(atLimit.targetSizeFixes, [], 'expectedAddTime.Before(now) is strict: not yet at exactly 15 min');
  const late = decide(o, NOW + 15 * MIN + 10 * S, DEFAULT_AUTOSCALER_SETTINGS, atLimit.history);
  assert.equal(late.targetSizeFixes, [{ group: 'pool', delta: -1 }]);
  assert.equal(events(late, 'ScaleUpTimedOut'), ['cluster-autoscaler-status: ScaleUpTimedOut: Nodes added to group pool failed to register within 15m10s']);
  assert.equal(late.scaleUps, [], 'the group is in backoff: the pod waits');
  assert.equal(events(late, 'NotTriggerScaleUp'), ["p: NotTriggerScaleUp: pod didn't trigger scale-up: 1 in backoff after failed scale-up"]);
  const info = late.history.backoff.get('pool')!;
  assert.is(info.backoffUntil - (NOW + 15 * MIN + 10 * S), 5 * MIN);
  assert.is(late.status.nodeGroups[0]!.scaleUp.status, 'Backoff');
  // The cloud forgot the machine (target back to 0). 5 min later the backoff is over and the pod triggers a scale-up again.
  const after = decide(observed({ groups: [g], pods: [pod] }), NOW + 20 * MIN + 10 * S + 1, DEFAULT_AUTOSCALER_SETTINGS, late.history);
  assert.equal(after.scaleUps.map((s) => s.newSize), [1]);
});

backoff('exponential backoff: 5, 10, 20, 30, 30 min; back to 5 after 3 h without failures', () => {
  const s = DEFAULT_AUTOSCALER_SETTINGS;
  let b = EMPTY_HISTORY.backoff;
  let t = T0;
  const durations: number[] = [];
  for (let i = 0; i < 5; i++) {
    b = registerFailedScaleUp(b, 'g', t, 'timeout', s);
    durations.push(b.get('g')!.duration / MIN);
    t = b.get('g')!.backoffUntil + 1; // fail again just after the backoff ran out
  }
  assert.equal(durations, [5, 10, 20, 30, 30]);
  // A failure while still backed off keeps the duration (concurrent failures do not compound).
  const during = registerFailedScaleUp(b, 'g', t - 2, 'timeout', s);
  assert.is(during.get('g')!.duration / MIN, 30);
  const quiet = registerFailedScaleUp(b, 'g', b.get('g')!.lastFailedExecution + 3 * 60 * MIN + 1, 'timeout', s);
  assert.is(quiet.get('g')!.duration / MIN, 5);
});

backoff('a scale-up whose nodes all registered is done and clears the backoff', () => {
  const g = group('pool', { target: 1 });
  const history = { ...EMPTY_HISTORY, scaleUpRequests: new Map([['pool', { increase: 1, time: T0, expectedAddTime: T0 + 15 * MIN }]]), backoff: registerFailedScaleUp(new Map(), 'pool', T0 - MIN, 'timeout', DEFAULT_AUTOSCALER_SETTINGS) };
  const d = decide(observed({ groups: [g], nodes: [groupNode('pool-0', g)] }), NOW, DEFAULT_AUTOSCALER_SETTINGS, history);
  assert.equal([d.history.scaleUpRequests.size, d.history.backoff.size], [0, 0]);
});

backoff.run();

const limits = suite('limits with nodes still coming up');

limits('max nodes total filled by upcoming nodes: the pod that would need one more is told why', () => {
  // 1 registered + 1 upcoming = 2 = maxNodesTotal; the upcoming node takes one 2-cpu pod, the other needs a third node.
  const g = group('pool', { cpu: '2', target: 2 });
  const nodes = [groupNode('pool-0', g)];
  const pods = [boundPod('busy', 'pool-0', { cpu: '2' }), pendingPod('a', { cpu: '2' }), pendingPod('b', { cpu: '2' })];
  const d = decide(observed({ groups: [g], nodes, pods }), NOW, settings({ maxNodesTotal: 2 }));
  assert.equal(d.scaleUps, []);
  assert.equal(events(d, 'NotTriggerScaleUp'), ["b: NotTriggerScaleUp: pod didn't trigger scale-up: 1 max total nodes in cluster reached"]);
});

limits.run();
