// decide() for scale-down: the unneeded timer, every refusal (with Cluster Autoscaler's reason names and
// drain-rule texts), bulk deletion of empty nodes, one drain at a time, and a drain's completion.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod, PodDisruptionBudget } from '../../src/api/index.js';
import { decide, DEFAULT_AUTOSCALER_SETTINGS, EMPTY_HISTORY, resolveAutoscalerSettings, type AutoscalerHistory, type Decision } from '../../src/controllers/autoscaler/index.js';
import { boundPod, group, groupNode, MIN, observed, S, T0 } from './autoscaler-fixtures.js';

const NOW = T0 + 60 * MIN;
const refusalsOf = (d: Decision, node: string) => d.refusals.filter((r) => r.involved.name === node).map((r) => `${r.reason}: ${r.message}`);
const unneededFor = (ms: number, ...nodes: string[]): AutoscalerHistory => ({ ...EMPTY_HISTORY, unneededSince: new Map(nodes.map((n) => [n, NOW - ms])) });
const LONG = 10 * MIN + 1; // strictly longer than scaleDownUnneededTime

// pool: 2 cpu / 4 GiB nodes. pool-0 runs web-0 (200m: 10 % cpu) — underutilized; pool-1 runs 1200m (60 %) and
// has room for web-0. Moving web-0 to pool-1 makes pool-0 removable.
const pool = group('pool', { cpu: '2', memory: '4Gi', target: 2, min: 0, max: 10 });
const n0 = groupNode('pool-0', pool);
const n1 = groupNode('pool-1', pool);
const busy = boundPod('busy', 'pool-1', { cpu: '1200m', memory: '1Gi' });
const web = (extra: Parameters<typeof boundPod>[3] = (b) => b) => boundPod('web-0', 'pool-0', { cpu: '200m', memory: '256Mi' }, extra);
const cluster = (pods: Pod[], over: { pdbs?: PodDisruptionBudget[]; nodes?: typeof n0[]; groups?: (typeof pool)[] } = {}) =>
  observed({ groups: over.groups ?? [pool], nodes: over.nodes ?? [n0, n1], pods: [busy, ...pods], ...(over.pdbs ? { pdbs: over.pdbs } : {}) });

const timer = suite('the unneeded timer');

timer('pool-0 becomes unneeded at t; refused at t + 9:59 and at exactly t + 10:00; drained at the first scan after', () => {
  const o = cluster([web()]);
  const d0 = decide(o, NOW);
  assert.is(d0.history.unneededSince.get('pool-0'), NOW);
  assert.equal(refusalsOf(d0, 'pool-1'), ['NotUnderutilized: node can\'t be removed: cpu requested (60% of allocatable) is above the scale-down utilization threshold (50%)']);
  const at = (ms: number, h: AutoscalerHistory) => decide(o, NOW + ms, DEFAULT_AUTOSCALER_SETTINGS, h);
  const d959 = at(9 * MIN + 59 * S, d0.history);
  assert.equal(d959.scaleDowns, []);
  assert.equal(refusalsOf(d959, 'pool-0').map((r) => r.split(':')[0]), ['NotUnneededLongEnough']);
  // unneeded/nodes.go: `!since.Add(unneededTime).Before(now)` — at exactly 10 min the node is not yet removable.
  const d10 = at(10 * MIN, d959.history);
  assert.equal(d10.scaleDowns, []);
  const d1010 = at(10 * MIN + 10 * S, d10.history);
  assert.equal(d1010.scaleDowns, [
    { kind: 'drain', group: 'pool', node: 'pool-0', evictions: [{ namespace: 'default', name: 'web-0', gracePeriodSeconds: 30 }], utilization: 0.1 },
  ]);
  const ev = d1010.events.flatMap((e) => (e.type === 'event' ? [`${e.involved.kind}/${e.involved.name}: ${e.reason}: ${e.message}`] : []));
  assert.ok(ev.includes('Node/pool-0: ScaleDown: marked the node as toBeDeleted/unschedulable'), ev.join('\n'));
  assert.ok(ev.includes('Pod/web-0: ScaleDown: deleting pod for node scale down'));
  assert.ok(ev.includes('ConfigMap/cluster-autoscaler-status: ScaleDown: Scale-down: removing node pool-0, utilization: 10% cpu, pods to reschedule: web-0'));
});

timer('a node that stops being unneeded loses its timer', () => {
  const d0 = decide(cluster([web()]), NOW);
  const heavy = boundPod('web-0', 'pool-0', { cpu: '1500m' });
  const d1 = decide(cluster([heavy]), NOW + 10 * S, DEFAULT_AUTOSCALER_SETTINGS, d0.history);
  assert.is(d1.history.unneededSince.has('pool-0'), false);
  const d2 = decide(cluster([web()]), NOW + 20 * S, DEFAULT_AUTOSCALER_SETTINGS, d1.history);
  assert.is(d2.history.unneededSince.get('pool-0'), NOW + 20 * S, 'the timer starts again');
});

timer.run();

const refusals = suite('scale-down refusals');

const refusedFor = (pods: Pod[], over: Parameters<typeof cluster>[1] = {}, history = unneededFor(LONG, 'pool-0'), settings = DEFAULT_AUTOSCALER_SETTINGS) => {
  const d = decide(cluster(pods, over), NOW, settings, history);
  assert.equal(d.scaleDowns, [], 'nothing is removed');
  return refusalsOf(d, 'pool-0');
};

refusals('a PDB with no disruption left: BlockedByPod "not enough pod disruption budget to move"', () => {
  const pdb: PodDisruptionBudget = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } };
  // One healthy matching pod, minAvailable 1 → 1 − 1 = 0 disruptions allowed.
  assert.equal(refusedFor([web((b) => b.label('app', 'web'))], { pdbs: [pdb] }), ["BlockedByPod: node can't be removed: not enough pod disruption budget to move default/web-0"]);
  // With status written by a disruption controller, status.disruptionsAllowed decides: 1 → removable.
  const withStatus = { ...pdb, status: { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 } };
  const d = decide(cluster([web((b) => b.label('app', 'web'))], { pdbs: [withStatus] }), NOW, DEFAULT_AUTOSCALER_SETTINGS, unneededFor(LONG, 'pool-0'));
  assert.equal(d.scaleDowns.map((s) => s.kind), ['drain']);
});

refusals('safe-to-evict: "false": BlockedByPod', () => {
  assert.equal(refusedFor([web((b) => b.annotation('cluster-autoscaler.kubernetes.io/safe-to-evict', 'false'))]), ["BlockedByPod: node can't be removed: pod annotated as not safe to evict present: web-0"]);
});

refusals('a pod without a controller: BlockedByPod "is not replicated" (unless safe-to-evict: "true")', () => {
  const bare = web();
  const { ownerReferences: _drop, ...meta } = bare.metadata!;
  assert.equal(refusedFor([{ ...bare, metadata: meta }]), ["BlockedByPod: node can't be removed: default/web-0 is not replicated"]);
  const safe = { ...bare, metadata: { ...meta, annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' } } };
  assert.equal(decide(cluster([safe]), NOW, DEFAULT_AUTOSCALER_SETTINGS, unneededFor(LONG, 'pool-0')).scaleDowns.map((s) => s.kind), ['drain']);
});

refusals('local storage (emptyDir, hostPath) blocks with skipNodesWithLocalStorage; a memory emptyDir does not', () => {
  const withVolume = (v: object) => web((b) => b.spec({ volumes: [{ name: 'scratch', ...v }] }));
  assert.equal(refusedFor([withVolume({ emptyDir: {} })]), ["BlockedByPod: node can't be removed: pod with local storage present: web-0"]);
  assert.equal(refusedFor([withVolume({ hostPath: { path: '/data' } })]), ["BlockedByPod: node can't be removed: pod with local storage present: web-0"]);
  const ok = (pods: Pod[], s = DEFAULT_AUTOSCALER_SETTINGS) => decide(cluster(pods), NOW, s, unneededFor(LONG, 'pool-0')).scaleDowns.map((x) => x.kind);
  assert.equal(ok([withVolume({ emptyDir: { medium: 'Memory' } })]), ['drain']);
  assert.equal(ok([withVolume({ emptyDir: {} })], resolveAutoscalerSettings({ skipNodesWithLocalStorage: false })), ['drain']);
});

refusals('a kube-system pod without a PDB blocks with skipNodesWithSystemPods', () => {
  const sys = web((b) => b.namespace('kube-system'));
  assert.equal(refusedFor([sys]), ["BlockedByPod: node can't be removed: non-daemonset, non-mirrored, non-pdb-assigned kube-system pod present: web-0"]);
});

refusals('the scale-down-disabled annotation excludes the node', () => {
  const annotated = { ...n0, metadata: { ...n0.metadata, annotations: { 'cluster-autoscaler.kubernetes.io/scale-down-disabled': 'true' } } };
  assert.equal(refusedFor([web()], { nodes: [annotated, n1] }), ["ScaleDownDisabledAnnotation: node can't be removed: the node has the annotation cluster-autoscaler.kubernetes.io/scale-down-disabled: \"true\""]);
});

refusals('within scaleDownDelayAfterAdd of the last scale-up: ScaleDownInCooldown', () => {
  const h = { ...unneededFor(LONG, 'pool-0'), lastScaleUpTime: NOW - 5 * MIN };
  assert.equal(refusedFor([web()], {}, h), ["ScaleDownInCooldown: node can't be removed: scale-down in cooldown: last scale-up 5m0s ago, scaleDownDelayAfterAdd is 10m0s"]);
  // isScaleDownInCooldown uses After(now): at exactly 10 min after the scale-up the cooldown is over.
  const d = decide(cluster([web()]), NOW, DEFAULT_AUTOSCALER_SETTINGS, { ...h, lastScaleUpTime: NOW - 10 * MIN });
  assert.equal(d.scaleDowns.map((s) => s.kind), ['drain']);
});

refusals('the group at its min size: NodeGroupMinSizeReached', () => {
  const atMin = { ...pool, minSize: 2 };
  assert.equal(refusedFor([web()], { groups: [atMin] }), ["NodeGroupMinSizeReached: node can't be removed: node group pool min size reached (2)"]);
});

refusals('nowhere to move the pods: NoPlaceToMovePods, with the scheduler\'s reason', () => {
  const bigWeb = boundPod('web-0', 'pool-0', { cpu: '900m' }); // 45 %: underutilized, but pool-1 has only 800m free
  assert.equal(refusedFor([bigWeb]), ["NoPlaceToMovePods: node can't be removed: no place to move pod default/web-0 (Insufficient cpu)"]);
});

refusals('a node being deleted (ToBeDeleted taint): CurrentlyBeingDeleted', () => {
  const tainted = { ...n0, spec: { taints: [{ key: 'ToBeDeletedByClusterAutoscaler', value: '1', effect: 'NoSchedule' as const }] } };
  assert.equal(refusedFor([web()], { nodes: [tainted, n1] }), ["CurrentlyBeingDeleted: node can't be removed: the node is currently being deleted"]);
});

refusals.run();

const actuation = suite('scale-down actuation');

actuation('12 empty nodes: 10 deleted in one bulk call (maxScaleDownParallelism), the rest next time', () => {
  const g = group('pool', { target: 12 });
  const nodes = Array.from({ length: 12 }, (_, i) => groupNode(`pool-${String(i).padStart(2, '0')}`, g));
  const h = unneededFor(LONG, ...nodes.map((n) => n.metadata!.name!));
  const d = decide(observed({ groups: [g], nodes }), NOW, DEFAULT_AUTOSCALER_SETTINGS, h);
  assert.equal(d.scaleDowns, [{ kind: 'deleteEmpty', group: 'pool', nodes: nodes.slice(0, 10).map((n) => n.metadata!.name!) }]);
});

actuation('non-empty nodes are drained one at a time (maxDrainParallelism 1); DaemonSet pods do not make a node non-empty', () => {
  const g = group('pool', { cpu: '4', target: 4 });
  const nodes = ['a', 'b', 'c', 'd'].map((x) => groupNode(`pool-${x}`, g));
  const ds = (node: string) => boundPod(`ds-${node}`, node, { cpu: '100m' }, (b) => b);
  const dsPods = nodes.map((n) => {
    const p = ds(n.metadata!.name!);
    return { ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds', controller: true }] } };
  });
  const pods = [...dsPods, boundPod('w1', 'pool-a', { cpu: '500m' }), boundPod('w2', 'pool-b', { cpu: '500m' })];
  const h = unneededFor(LONG, 'pool-a', 'pool-b', 'pool-c', 'pool-d');
  const d = decide(observed({ groups: [g], nodes, pods }), NOW, DEFAULT_AUTOSCALER_SETTINGS, h);
  // c and d hold only DaemonSet pods: empty, simulated first (emptycandidates sorting) and deleted together.
  // a: w1 moves to b (the only destination left). b: now w2 + w1 would have to move, and a, c, d are all
  // planned for removal → NoPlaceToMovePods. So: c and d deleted, a drained.
  assert.equal(d.scaleDowns.map((s) => (s.kind === 'deleteEmpty' ? `empty ${s.nodes.join(',')}` : `${s.kind} ${'node' in s ? s.node : ''}`)), ['empty pool-c,pool-d', 'drain pool-a']);
  assert.equal(refusalsOf(d, 'pool-b'), ["NoPlaceToMovePods: node can't be removed: no place to move pod default/w2"]);
  const drain = d.scaleDowns[1]!;
  assert.ok(drain.kind === 'drain' && drain.evictions.map((e) => e.name).join() === 'w1,ds-pool-a', 'the DaemonSet pod is evicted too');
});

actuation('a drain completes when its pods are gone, or fails after maxGracefulTerminationSec + 30 s', () => {
  const d1 = decide(cluster([web()]), NOW, DEFAULT_AUTOSCALER_SETTINGS, unneededFor(LONG, 'pool-0'));
  assert.equal(d1.scaleDowns.map((s) => s.kind), ['drain']);
  const taintedN0 = { ...n0, spec: { taints: [{ key: 'ToBeDeletedByClusterAutoscaler', value: '1', effect: 'NoSchedule' as const }] } };
  // The pod is gone: delete the VM.
  const gone = decide(cluster([], { nodes: [taintedN0, n1] }), NOW + 10 * S, DEFAULT_AUTOSCALER_SETTINGS, d1.history);
  assert.equal(gone.scaleDowns, [{ kind: 'deleteDrained', group: 'pool', node: 'pool-0' }]);
  // The pod is still there after 600 s + 30 s: ScaleDownFailed, untaint, and scale-down waits 3 min (delay after failure).
  const stuck = decide(cluster([web()], { nodes: [taintedN0, n1] }), NOW + 630 * S + 1, DEFAULT_AUTOSCALER_SETTINGS, d1.history);
  assert.equal(stuck.scaleDowns, [{ kind: 'abortDrain', group: 'pool', node: 'pool-0' }]);
  assert.ok(stuck.events.some((e) => e.type === 'event' && e.reason === 'ScaleDownFailed' && e.message === 'failed to drain the node, aborting ScaleDown'));
  assert.is(stuck.history.lastScaleDownFailTime, NOW + 630 * S + 1);
  // (The node's timer restarted when it was untainted; give it an old one to see the cooldown itself.)
  const h = { ...stuck.history, unneededSince: new Map([['pool-0', NOW - LONG]]) };
  const later = decide(cluster([web()]), NOW + 630 * S + 1 + 2 * MIN, DEFAULT_AUTOSCALER_SETTINGS, h);
  assert.equal(refusalsOf(later, 'pool-0'), ["ScaleDownInCooldown: node can't be removed: scale-down in cooldown: last scale-down failure 2m0s ago, scaleDownDelayAfterFailure is 3m0s"]);
});

actuation.run();
