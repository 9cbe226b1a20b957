// The scheduling queue against kube-scheduler's PriorityQueue (k/k pkg/scheduler/backend/queue/
// scheduling_queue_test.go, backoff_queue_test.go; reference §1.4), PrioritySort and SchedulingGates, on a
// ManualClock; then a fast-check model of the three queues.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ActionType, Code, ConfigError, type ClusterEvent, type ClusterEventWithHint, type QueuedPodInfo } from '../../src/scheduler/framework.js';
import type { PodInfo } from '../../src/scheduler/podinfo.js';
import { NAME as PRIORITY_SORT, PrioritySort, newPrioritySort, prioritySortLess } from '../../src/scheduler/plugins/queuesort.js';
import { NAME as SCHEDULING_GATES, SchedulingGates, newSchedulingGates } from '../../src/scheduler/plugins/schedulinggates.js';
import {
  SchedulingQueue,
  WILDCARD_EVENT,
  eventsToRegisterOf,
  preEnqueueChain,
  type SchedulingQueueOptions,
  type Where,
} from '../../src/scheduler/queue.js';
import { ManualClock } from '../../src/util/clock.js';
import { makePod } from './fixtures.js';

const START = 1_000_000;
const gates = new SchedulingGates();

/** Test plugins' EnqueueExtensions, shaped like the real ones. */
const taintHint: NonNullable<ClusterEventWithHint['hint']> = (_pod, _old, node) => ((node?.['taints'] as unknown[] | undefined)?.length ?? 0) === 0 ? 'Queue' : 'QueueSkip';
const REGISTRY: ReadonlyMap<string, readonly ClusterEventWithHint[]> = new Map([
  // NodeResourcesFit-like: more room on a node or a pod gone. No hint: always Queue.
  ['NodeResourcesFit', [
    { event: { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeAllocatable } },
    { event: { resource: 'Pod', actions: ActionType.Delete } },
  ]],
  // TaintToleration-like: a node without taints makes the pod schedulable; a toleration added to the pod too.
  ['TaintToleration', [
    { event: { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeTaint }, hint: taintHint },
    { event: { resource: 'Pod', actions: ActionType.UpdatePodToleration } },
  ]],
  // A plugin that implements EnqueueExtensions and registers nothing.
  ['NoEvents', []],
  [SCHEDULING_GATES, gates.eventsToRegister()],
]);

function newQueue(opts: Partial<SchedulingQueueOptions> = {}): { q: SchedulingQueue; clock: ManualClock } {
  const clock = (opts.clock as ManualClock | undefined) ?? new ManualClock(START);
  const q = new SchedulingQueue({ clock, less: prioritySortLess, preEnqueue: preEnqueueChain([gates]), eventsToRegister: REGISTRY, ...opts });
  return { q, clock };
}

const pod = (name: string, priority = 0): PodInfo => makePod(name).priority(priority).info();
const gated = (name: string, ...gateNames: string[]): PodInfo => makePod(name).spec({ schedulingGates: gateNames.map((n) => ({ name: n })) }).info();
const key = (name: string): string => `default/${name}`;
const nodeEvent = (actions: number): ClusterEvent => ({ resource: 'Node', actions });

/** Adds `p`, pops it and fails it with `plugins`; returns the QueuedPodInfo. */
function addPopFail(q: SchedulingQueue, p: PodInfo, plugins: string[]): QueuedPodInfo {
  q.add(p);
  const qpi = q.pop();
  assert.is(qpi?.pod.key, p.key);
  q.addUnschedulableIfNotPresent(qpi!, { unschedulablePlugins: plugins });
  return qpi!;
}

function popAll(q: SchedulingQueue): string[] {
  const out: string[] = [];
  for (let p = q.pop(); p !== undefined; p = q.pop()) {
    out.push(p.pod.name);
    q.done(p.pod.key);
  }
  return out;
}

// ---- backoff ----------------------------------------------------------------------------------------------

const backoff = suite('backoff');

backoff('backoffDuration doubles per attempt from 1 s and caps at 10 s (backoff_queue.go calculateBackoffDuration)', () => {
  const { q } = newQueue();
  const cases: [attempts: number, ms: number, why: string][] = [
    [0, 0, 'never tried: no backoff penalty'],
    [1, 1000, 'initial'],
    [2, 2000, '1000 > 10000 - 1000? no → 1000 + 1000'],
    [3, 4000, '2000 > 8000? no → 2000 + 2000'],
    [4, 8000, '4000 > 6000? no → 4000 + 4000'],
    [5, 10000, '8000 > 2000? yes → max'],
    [6, 10000, 'capped'],
    [100, 10000, 'capped, and the loop stops at the cap'],
  ];
  for (const [attempts, ms, why] of cases) assert.is(q.backoffDuration(attempts), ms, `${attempts} attempts: ${why}`);
});

backoff('backoffDuration with other bounds (TestBackoffQueue_calculateBackoffDuration, in ms instead of ns)', () => {
  const cases: [initial: number, max: number, attempts: number, want: number][] = [
    [1, 32, 16, 32], // "normal": 1, 2, 4 ... 32 reached at attempt 6, then capped
    [1, 2 ** 31 - 1, 32, 2 ** 31 - 1], // "overflow_32bit": 2^30 > (2^31-1) - 2^30? yes → max
    [3000, 10000, 2, 6000], // 3000 > 7000? no → 6000
    [3000, 10000, 3, 10000], // 6000 > 4000? yes → max (not 12000)
    [5000, 10000, 2, 10000], // 5000 > 5000? no → 10000, exactly the max
  ];
  for (const [initial, max, attempts, want] of cases) {
    const { q } = newQueue({ podInitialBackoffMs: initial, podMaxBackoffMs: max });
    assert.is(q.backoffDuration(attempts), want, `${initial}/${max} at ${attempts}`);
  }
});

backoff('TestBackOffFlow: each failed attempt backs off 1, 2, 4, 8, 10, 10, 10 s on the virtual clock', () => {
  const { q, clock } = newQueue();
  q.add(pod('test-pod'));
  const wantBackoff = [1000, 2000, 4000, 8000, 10000, 10000, 10000];
  for (const [i, want] of wantBackoff.entries()) {
    const timestamp = clock.now();
    const qpi = q.pop()!;
    assert.is(qpi.attempts, i + 1);
    assert.is(q.addUnschedulableIfNotPresent(qpi, { unschedulablePlugins: ['NodeResourcesFit'] }), 'unschedulable');
    // "An event happens": a node is added, which NodeResourcesFit registered.
    q.moveAllToActiveOrBackoffQueue(nodeEvent(ActionType.Add));
    assert.is(q.where(qpi.pod.key), 'backoff');
    assert.is(q.nextWakeup()! - timestamp, want, `step ${i}: expiry = timestamp + ${want} ms`);
    clock.advance(1);
    q.flushBackoffQCompleted();
    assert.is(q.where(qpi.pod.key), 'backoff', `step ${i}: still backing off after an early flush`);
    clock.advance(want - 1); // now = timestamp + want: the backoff completes at its expiry
    q.flushBackoffQCompleted();
    assert.is(q.where(qpi.pod.key), 'active', `step ${i}: moved out at timestamp + ${want}`);
  }
});

backoff('TestBackoffQueue_popEachBackoffCompleted: only pods whose backoff is over move, in expiry order', () => {
  const { q, clock } = newQueue();
  // pod0 and pod2 failed 2 s ago (expiry now - 1 s); pod1 and pod3 fail now (expiry now + 1 s).
  for (const name of ['pod0', 'pod2']) addPopFail(q, pod(name), name === 'pod0' ? ['plugin'] : []);
  clock.advance(2000);
  for (const name of ['pod1', 'pod3']) addPopFail(q, pod(name), name === 'pod1' ? ['plugin'] : []);
  // Failures without rejectors (pod2, pod3) went to backoffQ directly; move pod0 and pod1 there with a wildcard.
  q.moveAllToActiveOrBackoffQueue(WILDCARD_EVENT);
  // pod0: failed at START, backoff over at START + 1000 < now → straight to activeQ; pod1 backs off.
  assert.equal([q.where(key('pod0')), q.where(key('pod1')), q.where(key('pod2')), q.where(key('pod3'))], ['active', 'backoff', 'backoff', 'backoff']);
  q.flushBackoffQCompleted();
  assert.equal(q.pendingPods().active.map((p) => p.name), ['pod0', 'pod2']);
  assert.equal(q.pendingPods().backoff.map((p) => p.name), ['pod3', 'pod1']); // both expire at now + 1000: insertion order
  assert.is(q.nextWakeup(), clock.now() + 1000);
});

backoff('nextWakeup is the earliest expiry; a timer set there always moves a pod', () => {
  const { q, clock } = newQueue();
  assert.is(q.nextWakeup(), undefined);
  addPopFail(q, pod('a'), []); // no rejectors: backoffQ, expiry START + 1000
  clock.advance(300);
  addPopFail(q, pod('b'), []); // expiry START + 1300
  assert.is(q.nextWakeup(), START + 1000);
  const moved: string[] = [];
  const wake = (): void => {
    q.flushBackoffQCompleted();
    moved.push(`${q.pendingPods().active.map((p) => p.name).join('+')}@${clock.now() - START}`);
    const next = q.nextWakeup();
    // (A flush at nextWakeup() that moved nothing would re-arm forever; the cap turns that into a failure.)
    if (next !== undefined && moved.length < 10) clock.setTimer(next - clock.now(), wake);
  };
  clock.setTimer(q.nextWakeup()! - clock.now(), wake);
  clock.advance(5000);
  assert.equal(moved, ['a@1000', 'a+b@1300']);
});

// ---- PrioritySort -------------------------------------------------------------------------------------------

const sort = suite('PrioritySort');

sort('TestLess: higher priority first, then earlier timestamp', () => {
  const t1 = START;
  const t2 = t1 + 1000;
  const qpi = (priority: number, timestamp: number): QueuedPodInfo => ({
    pod: pod('p', priority),
    timestamp,
    attempts: 0,
    initialAttemptTimestamp: timestamp,
    unschedulablePlugins: new Set(),
  });
  const cases: [name: string, p1: QueuedPodInfo, p2: QueuedPodInfo, want: boolean][] = [
    ['p1.priority less than p2.priority', qpi(10, t1), qpi(100, t1), false],
    ['p1.priority greater than p2.priority', qpi(100, t1), qpi(10, t1), true],
    ['equal priority. p1 is added to schedulingQ earlier than p2', qpi(100, t1), qpi(100, t2), true],
    ['equal priority. p2 is added to schedulingQ earlier than p1', qpi(100, t2), qpi(100, t1), false],
    ['equal priority and timestamp: neither is less (the heap keeps insertion order)', qpi(100, t1), qpi(100, t1), false],
  ];
  const plugin = new PrioritySort();
  assert.is(plugin.name, PRIORITY_SORT);
  for (const [name, p1, p2, want] of cases) assert.is(plugin.less(p1, p2), want, name);
});

sort('activeQ pops by priority, then queue timestamp, then insertion order', () => {
  const { q, clock } = newQueue();
  q.add(pod('low-early', 1));
  clock.advance(10);
  q.add(pod('high', 100));
  q.add(pod('mid-a', 50));
  q.add(pod('mid-b', 50)); // same priority and timestamp as mid-a: added later, pops later
  clock.advance(10);
  q.add(pod('low-late', 1));
  q.add(pod('neg', -5));
  assert.equal(q.pendingPods().active.map((p) => p.name), ['high', 'mid-a', 'mid-b', 'low-early', 'low-late', 'neg']);
  assert.equal(popAll(q), ['high', 'mid-a', 'mid-b', 'low-early', 'low-late', 'neg']);
});

sort('a failed pod re-queues with a fresh timestamp, behind pods of its priority that waited', () => {
  const { q, clock } = newQueue();
  q.add(pod('a', 5));
  q.add(pod('b', 5));
  clock.advance(100);
  const a = q.pop()!;
  q.addUnschedulableIfNotPresent(a, { unschedulablePlugins: [] }); // error → backoffQ, timestamp = START + 100
  clock.advance(1000);
  q.flushBackoffQCompleted();
  q.add(pod('c', 5)); // timestamp START + 1100
  // b (START) before a (START + 100) before c (START + 1100).
  assert.equal(popAll(q), ['b', 'a', 'c']);
});

sort('pods moved by one event enter activeQ in the order they entered unschedulablePods', () => {
  const { q, clock } = newQueue();
  for (const name of ['u1', 'u2', 'u3']) addPopFail(q, pod(name), ['NodeResourcesFit']);
  clock.advance(2000); // backoffs over
  q.moveAllToActiveOrBackoffQueue(nodeEvent(ActionType.Add));
  // Same priority and timestamp (all failed at START): insertion order decides.
  assert.equal(popAll(q), ['u1', 'u2', 'u3']);
});

sort('newPrioritySort takes no args', () => {
  assert.instance(newPrioritySort({ args: undefined, profileName: 'default-scheduler' }), PrioritySort);
  assert.instance(newPrioritySort({ args: {}, profileName: 'default-scheduler' }), PrioritySort);
  assert.throws(
    () => newPrioritySort({ args: { foo: 1 }, profileName: 'default-scheduler' }),
    (e: unknown) => e instanceof ConfigError && e.message === 'foo: unknown field (PrioritySort takes no args)',
  );
});

// ---- SchedulingGates ----------------------------------------------------------------------------------------

const gating = suite('SchedulingGates');

gating('TestPreEnqueue: no gates → Success; gates → UnschedulableAndUnresolvable "waiting for scheduling gates: [foo bar]"', () => {
  assert.is(gates.preEnqueue(pod('p')).code, Code.Success);
  const s = gates.preEnqueue(gated('p', 'foo', 'bar'));
  assert.is(s.code, Code.UnschedulableAndUnresolvable);
  assert.equal(s.reasons, ['waiting for scheduling gates: [foo bar]']);
  // TestIsSchedulableAfterUpdateTargetPodSchedulingGatesEliminated: the hint always says Queue.
  const [reg] = gates.eventsToRegister();
  assert.equal(reg!.event, { resource: 'Pod', actions: ActionType.UpdatePodSchedulingGatesEliminated });
  assert.is(reg!.hint!(gated('p', 'foo'), undefined, undefined), 'Queue');
  assert.instance(newSchedulingGates({ args: undefined, profileName: 'p' }), SchedulingGates);
  assert.throws(() => newSchedulingGates({ args: { x: 1 }, profileName: 'p' }), /^x: unknown field/);
});

gating('preEnqueueChain names the rejecting plugin', () => {
  const chain = preEnqueueChain([gates])!;
  assert.is(chain(gated('p', 'g')).plugin, SCHEDULING_GATES);
  assert.is(chain(pod('p')).code, Code.Success);
  assert.is(preEnqueueChain([]), undefined);
});

gating('a gated pod stays out of activeQ — through events, activation and the leftover flush — until its last gate goes', () => {
  const { q, clock } = newQueue();
  q.add(gated('g', 'example.com/a', 'example.com/b'));
  q.add(pod('free'));
  assert.is(q.where(key('g')), 'unschedulable');
  assert.equal(q.counts(), { active: 1, backoff: 0, unschedulable: 1, gated: 1, inFlight: 0 });
  assert.equal([...q.getPod(key('g'))!.unschedulablePlugins], [SCHEDULING_GATES]);

  assert.equal(popAll(q), ['free']);
  q.moveAllToActiveOrBackoffQueue(nodeEvent(ActionType.All));
  q.moveAllToActiveOrBackoffQueue(WILDCARD_EVENT);
  q.activate([gated('g', 'example.com/a', 'example.com/b')]);
  clock.advance(10 * 60_000);
  q.flushUnschedulablePodsLeftover();
  assert.is(q.where(key('g')), 'unschedulable');
  assert.is(q.pop(), undefined);

  // Removing one gate of two: a general Pod/Update (matches SchedulingGates' registration), PreEnqueue still says no.
  q.update(gated('g', 'example.com/a', 'example.com/b'), gated('g', 'example.com/b'));
  assert.is(q.where(key('g')), 'unschedulable');
  assert.ok(q.getPod(key('g'))!.gated);

  // Removing the last gate: UpdatePodSchedulingGatesEliminated → Queue → never attempted, so no backoff → activeQ.
  const ungatedAt = clock.now();
  q.update(gated('g', 'example.com/b'), pod('g'));
  assert.is(q.where(key('g')), 'active');
  const qpi = q.pop()!;
  assert.is(qpi.pod.name, 'g');
  assert.is(qpi.attempts, 1);
  // initialAttemptTimestamp counts from when the pod became schedulable, not from its creation.
  assert.is(qpi.initialAttemptTimestamp, ungatedAt);
  assert.is(qpi.timestamp, START);
});

gating('queueingHints: false — an update that changes the pod requeues it; the gate still holds', () => {
  const { q } = newQueue({ queueingHints: false });
  q.add(gated('g', 'a'));
  q.update(gated('g', 'a'), makePod('g').label('x', 'y').spec({ schedulingGates: [{ name: 'a' }] }).info());
  assert.is(q.where(key('g')), 'unschedulable');
  q.update(gated('g', 'a'), pod('g'));
  assert.is(q.where(key('g')), 'active');
});

// ---- queueing hints -------------------------------------------------------------------------------------------

const hints = suite('queueing hints');

hints('a pod rejected by plugin X moves only on events X registered and whose hint says Queue', () => {
  const noTaints = { spec: {} };
  const tainted = { taints: [{ key: 'k', effect: 'NoSchedule' }] };
  const cases: { name: string; plugins: string[]; event: ClusterEvent; newObj?: Record<string, unknown>; waitMs: number; want: Where }[] = [
    { name: 'Fit + node added', plugins: ['NodeResourcesFit'], event: nodeEvent(ActionType.Add), waitMs: 2000, want: 'active' },
    { name: 'Fit + allocatable grew', plugins: ['NodeResourcesFit'], event: nodeEvent(ActionType.UpdateNodeAllocatable), waitMs: 2000, want: 'active' },
    { name: 'Fit + assigned pod deleted ("Pod" covers assigned pods)', plugins: ['NodeResourcesFit'], event: { resource: 'AssignedPod', actions: ActionType.Delete }, waitMs: 2000, want: 'active' },
    { name: 'Fit + node label changed: not registered', plugins: ['NodeResourcesFit'], event: nodeEvent(ActionType.UpdateNodeLabel), waitMs: 2000, want: 'unschedulable' },
    { name: 'Fit + pod added: not registered', plugins: ['NodeResourcesFit'], event: { resource: 'Pod', actions: ActionType.Add }, waitMs: 2000, want: 'unschedulable' },
    { name: 'Taint + node added without taints: hint Queue', plugins: ['TaintToleration'], event: nodeEvent(ActionType.Add), newObj: noTaints, waitMs: 2000, want: 'active' },
    { name: 'Taint + node added with a taint: hint QueueSkip', plugins: ['TaintToleration'], event: nodeEvent(ActionType.Add), newObj: tainted, waitMs: 2000, want: 'unschedulable' },
    { name: 'Taint + allocatable: not registered', plugins: ['TaintToleration'], event: nodeEvent(ActionType.UpdateNodeAllocatable), newObj: noTaints, waitMs: 2000, want: 'unschedulable' },
    { name: 'Fit and Taint: one Queue is enough', plugins: ['TaintToleration', 'NodeResourcesFit'], event: nodeEvent(ActionType.Add), newObj: tainted, waitMs: 2000, want: 'active' },
    { name: 'registered no events: never moved by events', plugins: ['NoEvents'], event: nodeEvent(ActionType.All), waitMs: 2000, want: 'unschedulable' },
    { name: 'not in eventsToRegister: never moved by events', plugins: ['Unknown'], event: nodeEvent(ActionType.All), waitMs: 2000, want: 'unschedulable' },
    { name: 'wildcard event moves any rejected pod', plugins: ['NoEvents'], event: WILDCARD_EVENT, waitMs: 2000, want: 'active' },
    { name: 'Queue while still backing off (1 s after 1 attempt) → backoffQ', plugins: ['NodeResourcesFit'], event: nodeEvent(ActionType.Add), waitMs: 999, want: 'backoff' },
    { name: 'Queue at the backoff expiry → activeQ', plugins: ['NodeResourcesFit'], event: nodeEvent(ActionType.Add), waitMs: 1000, want: 'active' },
  ];
  for (const c of cases) {
    const { q, clock } = newQueue();
    addPopFail(q, pod('p'), c.plugins);
    assert.is(q.where(key('p')), 'unschedulable', c.name);
    clock.advance(c.waitMs);
    q.moveAllToActiveOrBackoffQueue(c.event, undefined, c.newObj);
    assert.is(q.where(key('p')), c.want, c.name);
  }
});

hints('preCheck narrows the candidates (TestMoveAllToActiveOrBackoffQueue_PreEnqueueChecks)', () => {
  const { q, clock } = newQueue();
  for (let i = 0; i < 5; i++) addPopFail(q, pod(`p${i}`, i), ['NodeResourcesFit']);
  clock.advance(2000);
  q.moveAllToActiveOrBackoffQueue(nodeEvent(ActionType.Add), undefined, undefined, (p) => p.priority % 2 === 0 && p.priority >= 2);
  assert.equal(q.pendingPods().active.map((p) => p.name), ['p4', 'p2']);
  assert.equal(q.pendingPods().unschedulable.map((p) => p.name), ['p0', 'p1', 'p3']);
});

hints('an update of an unschedulable pod is judged by its rejectors (toleration added → TaintToleration says Queue)', () => {
  const { q, clock } = newQueue();
  addPopFail(q, pod('p'), ['TaintToleration']);
  // A label change: Pod/UpdatePodLabel, which TaintToleration did not register.
  q.update(pod('p'), makePod('p').label('a', 'b').info());
  assert.is(q.where(key('p')), 'unschedulable');
  // A toleration added: Pod/UpdatePodToleration → Queue, still backing off → backoffQ.
  q.update(makePod('p').label('a', 'b').info(), makePod('p').label('a', 'b').toleration({ key: 'k', operator: 'Exists' }).info());
  assert.is(q.where(key('p')), 'backoff');
  clock.advance(1000);
  q.flushBackoffQCompleted();
  assert.is(q.where(key('p')), 'active');
});

hints('updates in activeQ and backoffQ change the pod in place (TestPriorityQueue_Update)', () => {
  const { q } = newQueue();
  addPopFail(q, pod('c'), []);
  q.update(pod('c'), pod('c', 7));
  assert.is(q.where(key('c')), 'backoff');
  assert.is(q.getPod(key('c'))!.pod.priority, 7);
  q.add(pod('a', 1));
  q.add(pod('b', 2));
  q.update(pod('a', 1), pod('a', 3)); // a now outranks b
  assert.equal(q.pendingPods().active.map((p) => `${p.name}${p.priority}`), ['a3', 'b2']);
  q.update(undefined, pod('new')); // unknown pod: added as new
  assert.is(q.where(key('new')), 'active');
  q.delete(pod('a'));
  q.delete(key('c'));
  assert.is(q.where(key('a')), undefined);
  assert.equal(q.pendingPods().summary, 'activeQ:2; backoffQ:0; unschedulablePods:0');
});

hints('activate moves unschedulable and backoff pods to activeQ (TestPriorityQueue_Activate)', () => {
  const { q } = newQueue();
  addPopFail(q, pod('u'), ['NoEvents']);
  addPopFail(q, pod('b'), []);
  q.activate([pod('u'), pod('b'), pod('unknown')]);
  assert.equal(q.pendingPods().active.map((p) => p.name), ['u', 'b']);
  assert.is(q.where(key('unknown')), undefined);
});

hints('eventsToRegisterOf: a plugin without EnqueueExtensions hears every event', () => {
  const m = eventsToRegisterOf([gates, new PrioritySort()]);
  assert.equal(m.get(SCHEDULING_GATES)!.map((r) => r.event), [{ resource: 'Pod', actions: ActionType.UpdatePodSchedulingGatesEliminated }]);
  assert.equal(m.get(PRIORITY_SORT)!.map((r) => r.event), [WILDCARD_EVENT]);
});

// ---- in-flight pods ---------------------------------------------------------------------------------------------

const flight = suite('in flight');

flight('with queueing hints, events seen during the attempt decide where a failed pod goes', () => {
  const cases: { name: string; during: (q: SchedulingQueue) => void; plugins: string[]; pending?: string[]; want: Where }[] = [
    { name: 'no event: unschedulablePods', during: () => {}, plugins: ['NodeResourcesFit'], want: 'unschedulable' },
    { name: 'no rejectors (an error): backoffQ', during: () => {}, plugins: [], want: 'backoff' },
    { name: 'matching event, hint Queue: backoffQ', during: (q) => q.moveAllToActiveOrBackoffQueue(nodeEvent(ActionType.Add)), plugins: ['NodeResourcesFit'], want: 'backoff' },
    { name: 'matching event, hint QueueSkip', during: (q) => q.moveAllToActiveOrBackoffQueue(nodeEvent(ActionType.Add), undefined, { taints: [1] }), plugins: ['TaintToleration'], want: 'unschedulable' },
    { name: 'event another plugin registered', during: (q) => q.moveAllToActiveOrBackoffQueue(nodeEvent(ActionType.UpdateNodeAllocatable)), plugins: ['TaintToleration'], want: 'unschedulable' },
    { name: 'event of interest to nobody is not even recorded', during: (q) => q.moveAllToActiveOrBackoffQueue({ resource: 'PodDisruptionBudget', actions: ActionType.Add }), plugins: ['NodeResourcesFit'], want: 'unschedulable' },
    { name: 'Queue from a Pending plugin skips backoff', during: (q) => q.moveAllToActiveOrBackoffQueue(nodeEvent(ActionType.Add)), plugins: [], pending: ['NodeResourcesFit'], want: 'active' },
    { name: 'the pod itself got a toleration', during: (q) => q.update(pod('p'), makePod('p').toleration({ key: 'k', operator: 'Exists' }).info()), plugins: ['TaintToleration'], want: 'backoff' },
    { name: 'activated while in flight (ForceActivate)', during: (q) => q.activate([pod('p')]), plugins: ['NoEvents'], want: 'backoff' },
    { name: 'another pod activated', during: (q) => q.activate([pod('other')]), plugins: ['NoEvents'], want: 'unschedulable' },
  ];
  for (const c of cases) {
    const { q } = newQueue();
    q.add(pod('p'));
    const qpi = q.pop()!;
    assert.is(q.where(key('p')), 'inFlight', c.name);
    c.during(q);
    const got = q.addUnschedulableIfNotPresent(qpi, { unschedulablePlugins: c.plugins, pendingPlugins: c.pending ?? [] });
    assert.is(got, c.want, c.name);
    assert.is(q.where(key('p')), c.want, c.name);
    assert.is(q.counts().inFlight, 0, c.name);
  }
});

flight('events before the pop and events seen only by an earlier in-flight pod do not count', () => {
  const { q } = newQueue();
  q.add(pod('a', 2));
  q.add(pod('b', 1));
  q.moveAllToActiveOrBackoffQueue(nodeEvent(ActionType.Add)); // nobody in flight: not recorded
  const a = q.pop()!;
  q.moveAllToActiveOrBackoffQueue(nodeEvent(ActionType.Add)); // seen by a only
  const b = q.pop()!;
  assert.is(q.addUnschedulableIfNotPresent(a, { unschedulablePlugins: ['NodeResourcesFit'] }), 'backoff');
  assert.is(q.addUnschedulableIfNotPresent(b, { unschedulablePlugins: ['NodeResourcesFit'] }), 'unschedulable');
});

flight('done ends the flight; a pod deleted in flight is not requeued; a second report is ignored', () => {
  const { q } = newQueue();
  q.add(pod('a'));
  q.add(pod('b'));
  const a = q.pop()!;
  const b = q.pop()!;
  assert.equal(q.inFlightPods().map((p) => p.name), ['a', 'b']);
  q.done(a.pod.key);
  assert.is(q.where(key('a')), undefined);
  q.delete(pod('b'));
  assert.is(q.addUnschedulableIfNotPresent(b, { unschedulablePlugins: ['NodeResourcesFit'] }), undefined);
  assert.is(q.where(key('b')), undefined);
  q.add(pod('c'));
  const c = q.pop()!;
  assert.is(q.addUnschedulableIfNotPresent(c, { unschedulablePlugins: ['NoEvents'] }), 'unschedulable');
  assert.is(q.addUnschedulableIfNotPresent(c, { unschedulablePlugins: ['NoEvents'] }), undefined, 'already present');
  assert.equal(q.counts(), { active: 0, backoff: 0, unschedulable: 1, gated: 0, inFlight: 0 });
});

flight('queueingHints: false — a move request during the pod\'s cycle sends it to backoffQ (moveRequestCycle)', () => {
  const { q } = newQueue({ queueingHints: false });
  for (const n of ['a', 'b', 'c', 'd']) q.add(pod(n));
  const a = q.pop()!; // cycle 1
  assert.is(q.schedulingCycle, 1);
  // A node event that TaintToleration's hint would skip: without hints any event of interest counts.
  q.moveAllToActiveOrBackoffQueue(nodeEvent(ActionType.Add), undefined, { taints: [1] }); // moveRequestCycle = 1
  assert.is(q.addUnschedulableIfNotPresent(a, { unschedulablePlugins: ['TaintToleration'] }), 'backoff', '1 >= 1');
  const b = q.pop()!; // cycle 2 > moveRequestCycle 1
  assert.is(q.addUnschedulableIfNotPresent(b, { unschedulablePlugins: ['TaintToleration'] }), 'unschedulable', '1 < 2');
  const c = q.pop()!; // cycle 3
  q.moveAllToActiveOrBackoffQueue({ resource: 'PodDisruptionBudget', actions: ActionType.Add }); // of interest to nobody
  assert.is(q.addUnschedulableIfNotPresent(c, { unschedulablePlugins: ['TaintToleration'] }), 'unschedulable');
  const d = q.pop()!;
  assert.is(q.addUnschedulableIfNotPresent(d, { unschedulablePlugins: [] }), 'backoff', 'no rejectors');
});

// ---- unschedulable leftovers and timers ----------------------------------------------------------------------------

const leftover = suite('leftover flush and timers');

leftover('pods older than 5 min in unschedulablePods move on; gated pods stay (flushUnschedulablePodsLeftover)', () => {
  const { q, clock } = newQueue();
  addPopFail(q, pod('old'), ['NoEvents']); // timestamp START
  q.add(gated('g', 'x'));
  clock.advance(60_000);
  addPopFail(q, pod('young'), ['NoEvents']); // timestamp START + 60 s
  clock.advance(240_000); // now - START = 300 000: not more than 5 min
  q.flushUnschedulablePodsLeftover();
  assert.equal(q.pendingPods().unschedulable.map((p) => p.name), ['old', 'g', 'young']);
  clock.advance(1); // 300 001 > 300 000
  q.flushUnschedulablePodsLeftover();
  assert.equal(q.pendingPods().active.map((p) => p.name), ['old']);
  assert.equal(q.pendingPods().unschedulable.map((p) => p.name), ['g', 'young']);
  clock.advance(60_000);
  q.flushUnschedulablePodsLeftover();
  assert.equal(q.pendingPods().active.map((p) => p.name), ['old', 'young']);
  assert.equal(q.pendingPods().unschedulable.map((p) => p.name), ['g']);
});

leftover('run(): 1 s backoff ticks and 30 s leftover ticks on the injected clock, onActivated after each move', () => {
  let woke = 0;
  const { q, clock } = newQueue({ onActivated: () => woke++ });
  const timer = q.run(); // ticks at START + 1000 k and START + 30 000 k
  clock.advance(300);
  addPopFail(q, pod('b'), []); // backoffQ, expiry START + 1300 → moved by the tick at START + 2000
  assert.is(woke, 1, 'the add');
  clock.advance(1699); // START + 1999
  assert.is(q.where(key('b')), 'backoff');
  clock.advance(1); // START + 2000
  assert.is(q.where(key('b')), 'active');
  assert.is(woke, 2);
  assert.equal(popAll(q), ['b']);
  addPopFail(q, pod('u'), ['NoEvents']); // at START + 2000
  // Leftover ticks at START + 300 000 (298 000 old: no), START + 330 000 (328 000 > 300 000: yes).
  clock.advance(298_000 - 1); // START + 299 999
  clock.advance(1);
  assert.is(q.where(key('u')), 'unschedulable');
  clock.advance(29_999);
  assert.is(q.where(key('u')), 'unschedulable');
  clock.advance(1); // START + 330 000
  assert.is(q.where(key('u')), 'active');
  timer.cancel();
  assert.is(clock.pendingTimers, 0);
});

// ---- nominator and configuration -------------------------------------------------------------------------------------

const nominator = suite('nominator and configuration');

nominator('nominated pods per node, in nomination order; re-nomination and deletion (nominator.go)', () => {
  const { q } = newQueue();
  const a = pod('a');
  const b = pod('b');
  q.addNominatedPod(a, 'n1');
  q.addNominatedPod(b, 'n1');
  assert.equal(q.nominatedPodsForNode('n1').map((p) => p.name), ['a', 'b']);
  q.addNominatedPod(a, 'n2'); // moves a
  assert.equal(q.nominatedPodsForNode('n1').map((p) => p.name), ['b']);
  assert.equal(q.nominatedPodsForNode('n2').map((p) => p.name), ['a']);
  q.addNominatedPod(b, ''); // '' clears
  assert.equal(q.nominatedPodsForNode('n1'), []);
  q.deleteNominatedPodIfExists(a);
  assert.equal(q.nominatedPodsForNode('n2'), []);
  // An already-bound pod is not nominated.
  q.addNominatedPod(makePod('bound').node('n3').info(), 'n3');
  assert.equal(q.nominatedPodsForNode('n3'), []);
});

nominator('a pod added with status.nominatedNodeName is nominated; an update without it keeps the nomination', () => {
  const { q } = newQueue();
  const withNnn = makePod('p').info();
  const p: PodInfo = { ...withNnn, pod: { ...withNnn.pod, status: { phase: 'Pending', nominatedNodeName: 'n1' } } };
  q.add(p);
  assert.is(q.nominatedNodeOf(p.key), 'n1');
  q.deleteNominatedPodIfExists(p);
  q.addNominatedPod(pod('p'), 'n2'); // preemption nominated in memory
  q.update(pod('p'), makePod('p').label('l', 'v').info()); // neither old nor new carry nominatedNodeName
  assert.is(q.nominatedNodeOf(p.key), 'n2');
  assert.equal(q.nominatedPodsForNode('n2').map((x) => x.labels['l']), ['v'], 'the latest PodInfo');
  q.delete(pod('p'));
  assert.is(q.nominatedNodeOf(p.key), undefined);
});

nominator('bad backoff settings are configuration errors naming the field', () => {
  const cases: [Partial<SchedulingQueueOptions>, string][] = [
    [{ podInitialBackoffMs: 0 }, 'podInitialBackoffMs: must be greater than 0, got 0'],
    [{ podMaxBackoffMs: 500 }, 'podMaxBackoffMs: must be at least podInitialBackoffMs (1000), got 500'],
    [{ podMaxInUnschedulablePodsDurationMs: -1 }, 'podMaxInUnschedulablePodsDurationMs: must be greater than 0, got -1'],
  ];
  for (const [opts, message] of cases) {
    assert.throws(() => newQueue(opts), (e: unknown) => e instanceof ConfigError && e.message === message, message);
  }
});

// ---- model-based ----------------------------------------------------------------------------------------------

// Test plugins for the model: Fit (node add / allocatable, pod delete; no hint), Taint (node add / taint, hint
// Queue only when the event's object says ok), Spread (pod add / delete / label change), Silent (no events).
const MODEL_REGISTRY: ReadonlyMap<string, readonly ClusterEventWithHint[]> = new Map([
  ['Fit', [{ event: { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeAllocatable } }, { event: { resource: 'Pod', actions: ActionType.Delete } }]],
  ['Taint', [{ event: { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeTaint }, hint: (_p, _o, n) => (n?.['ok'] === true ? 'Queue' : 'QueueSkip') }]],
  ['Spread', [{ event: { resource: 'Pod', actions: ActionType.Add | ActionType.Delete | ActionType.UpdatePodLabel } }]],
  ['Silent', []],
  [SCHEDULING_GATES, gates.eventsToRegister()],
]);
const MODEL_PLUGINS = ['Fit', 'Taint', 'Spread', 'Silent'] as const;
const MAX_IN_UNSCHEDULABLE = 300_000;

type MWhere = 'active' | 'backoff' | 'unschedulable';
interface MPod {
  name: string;
  key: string;
  priority: number;
  gates: boolean;
  version: number;
  info: PodInfo;
  where: MWhere | 'none';
  timestamp: number;
  attempts: number;
  rejectors: Set<string>;
  /** QueuedPod.gated: the last PreEnqueue run said no. */
  qpGated: boolean;
  expiry: number;
  seq: number;
}
interface MEvent {
  resource: ClusterEvent['resource'];
  actions: number;
  ok: boolean;
}

const mBackoff = (attempts: number): number => {
  if (attempts <= 0) return 0;
  let d = 1000;
  for (let i = 1; i < attempts; i++) d = Math.min(10_000, d * 2);
  return d;
};
const mIsWildcard = (e: MEvent): boolean => e.resource === '*' && e.actions === ActionType.All;
const mMatches = (reg: ClusterEvent, e: MEvent): boolean =>
  (reg.resource === '*' && reg.actions === ActionType.All) ||
  ((reg.resource === '*' || reg.resource === e.resource || (reg.resource === 'Pod' && e.resource === 'AssignedPod')) && (reg.actions & e.actions) !== 0);

class Model {
  now = START;
  seq = 0;
  pods = new Map<string, MPod>();
  /** unschedulablePods in insertion order. */
  unsched: string[] = [];
  constructor(readonly hints: boolean) {}

  place(p: MPod, to: MWhere): void {
    if (p.where === to) return;
    this.detach(p);
    p.where = to;
    if (to === 'active') p.seq = this.seq++;
    if (to === 'backoff') {
      p.expiry = p.timestamp + mBackoff(p.attempts);
      p.seq = this.seq++;
    }
    if (to === 'unschedulable') this.unsched.push(p.key);
  }
  detach(p: MPod): void {
    if (p.where === 'unschedulable') this.unsched.splice(this.unsched.indexOf(p.key), 1);
    p.where = 'none';
  }
  moveToActive(p: MPod): void {
    if (p.gates) {
      p.qpGated = true;
      p.rejectors.add(SCHEDULING_GATES);
      if (p.where === 'active' || p.where === 'backoff') return;
      this.place(p, 'unschedulable');
      return;
    }
    p.qpGated = false;
    this.place(p, 'active');
  }
  backingOff(p: MPod): boolean {
    return p.attempts > 0 && this.now < p.timestamp + mBackoff(p.attempts);
  }
  /** 0 skip, 1 after backoff (no Pending plugins in the model). */
  worth(p: MPod, e: MEvent): 0 | 1 {
    if (p.rejectors.size === 0 || mIsWildcard(e)) return 1;
    for (const plugin of p.rejectors) {
      for (const r of MODEL_REGISTRY.get(plugin) ?? []) {
        if (mMatches(r.event, e) && (r.hint === undefined || r.hint(p.info, undefined, { ok: e.ok }) === 'Queue')) return 1;
      }
    }
    return 0;
  }
  requeue(p: MPod, strategy: 0 | 1): void {
    if (strategy === 0) this.place(p, 'unschedulable');
    else if (this.backingOff(p)) this.place(p, 'backoff');
    else this.moveToActive(p);
  }
  ofInterest(e: MEvent): boolean {
    if (mIsWildcard(e)) return true;
    for (const regs of MODEL_REGISTRY.values()) for (const r of regs) if (mMatches(r.event, e)) return true;
    return false;
  }
  movePods(keys: string[], e: MEvent): void {
    if (!this.ofInterest(e)) return;
    for (const k of keys) {
      const p = this.pods.get(k)!;
      if (p.qpGated && p.rejectors.has(SCHEDULING_GATES)) continue;
      const s = this.worth(p, e);
      if (s === 0) continue;
      this.detach(p);
      this.requeue(p, s);
    }
  }
  event(e: MEvent): void {
    this.movePods([...this.unsched], e);
  }
  head(): MPod | undefined {
    let best: MPod | undefined;
    for (const p of this.pods.values()) {
      if (p.where !== 'active') continue;
      const before = best === undefined || p.priority > best.priority ||
        (p.priority === best.priority && (p.timestamp < best.timestamp || (p.timestamp === best.timestamp && p.seq < best.seq)));
      if (before) best = p;
    }
    return best;
  }
  list(where: MWhere): MPod[] {
    const ps = [...this.pods.values()].filter((p) => p.where === where);
    if (where === 'active') ps.sort((a, b) => b.priority - a.priority || a.timestamp - b.timestamp || a.seq - b.seq);
    if (where === 'backoff') ps.sort((a, b) => a.expiry - b.expiry || a.seq - b.seq);
    if (where === 'unschedulable') return this.unsched.map((k) => this.pods.get(k)!);
    return ps;
  }
}

interface Real {
  q: SchedulingQueue;
  clock: ManualClock;
  /** Per pod: the backoff expiry the real queue showed while the pod sat in backoffQ. */
  backoffSeen: Map<string, number>;
}
type Cmd = fc.Command<Model, Real>;

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

function buildInfo(p: Pick<MPod, 'name' | 'priority' | 'gates' | 'version'>): PodInfo {
  const b = makePod(p.name).priority(p.priority).label('v', String(p.version));
  if (p.gates) b.spec({ schedulingGates: [{ name: 'example.com/gate' }] });
  return b.info();
}

function checkAgainstModel(m: Model, r: Real): void {
  const real = r.q.pendingPods();
  const names = (ps: { name: string }[]): string[] => ps.map((p) => p.name);
  // Exact lists: pop order among active pods, expiry order in backoffQ, insertion order in unschedulablePods.
  assert.equal(names(real.active), names(m.list('active')), 'activeQ');
  assert.equal(names(real.backoff), names(m.list('backoff')), 'backoffQ');
  assert.equal(names(real.unschedulable), names(m.list('unschedulable')), 'unschedulablePods');
  // Every pod in exactly one place; none lost, none duplicated.
  const all = [...names(real.active), ...names(real.backoff), ...names(real.unschedulable)];
  assert.is(new Set(all).size, all.length, 'no pod in two places');
  assert.is(all.length, m.pods.size, 'no pod lost');
  for (const p of m.pods.values()) {
    assert.is(r.q.where(p.key), p.where, `where(${p.name})`);
    if (p.where === 'backoff') {
      const qp = r.q.getPod(p.key)!;
      r.backoffSeen.set(p.key, qp.timestamp + r.q.backoffDuration(qp.attempts));
    }
  }
  const expiries = m.list('backoff').map((p) => p.expiry);
  assert.is(r.q.nextWakeup(), expiries.length === 0 ? undefined : Math.min(...expiries), 'nextWakeup');
  assert.is(r.q.counts().gated, m.list('unschedulable').filter((p) => p.qpGated).length, 'gated');
  assert.is(r.q.counts().inFlight, 0);
}

class AddCmd implements Cmd {
  constructor(readonly name: string, readonly priority: number, readonly gates: boolean) {}
  check = (m: Readonly<Model>): boolean => !m.pods.has(key(this.name));
  run(m: Model, r: Real): void {
    const base = { name: this.name, priority: this.priority, gates: this.gates, version: 0 };
    const p: MPod = {
      ...base, key: key(this.name), info: buildInfo(base), where: 'none',
      timestamp: m.now, attempts: 0, rejectors: new Set(), qpGated: false, expiry: 0, seq: 0,
    };
    m.pods.set(p.key, p);
    m.moveToActive(p);
    r.q.add(p.info);
    checkAgainstModel(m, r);
  }
  toString = (): string => `add(${this.name}, prio ${this.priority}${this.gates ? ', gated' : ''})`;
}

/** Pops the head; optionally a cluster event arrives while it is in flight; then it fails with `plugins`. */
class PopFailCmd implements Cmd {
  constructor(readonly plugins: string[], readonly during: MEvent | undefined) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const want = m.head();
    const qpi = r.q.pop();
    assert.is(qpi?.pod.name, want?.name, 'pop order');
    if (want === undefined || qpi === undefined) return;
    assertBackoffOver(r, want.key);
    m.detach(want);
    want.attempts++;
    want.rejectors = new Set();
    if (this.during !== undefined) {
      m.event(this.during);
      r.q.moveAllToActiveOrBackoffQueue({ resource: this.during.resource, actions: this.during.actions }, undefined, { ok: this.during.ok });
    }
    want.timestamp = m.now;
    want.rejectors = new Set(this.plugins);
    let to: MWhere;
    const interesting = this.during !== undefined && m.ofInterest(this.during);
    if (m.hints) {
      const strategy = this.plugins.length === 0 ? 1 : interesting ? m.worth(want, this.during!) : 0;
      m.requeue(want, strategy);
      to = want.where as MWhere;
    } else {
      to = interesting || this.plugins.length === 0 ? 'backoff' : 'unschedulable';
      m.place(want, to);
    }
    assert.is(r.q.addUnschedulableIfNotPresent(qpi, { unschedulablePlugins: this.plugins }), to);
    checkAgainstModel(m, r);
  }
  toString = (): string => `popAndFail([${this.plugins.join(',')}]${this.during ? `, during ${JSON.stringify(this.during)}` : ''})`;
}

class PopSucceedCmd implements Cmd {
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const want = m.head();
    const qpi = r.q.pop();
    assert.is(qpi?.pod.name, want?.name, 'pop order');
    if (want === undefined || qpi === undefined) return;
    assertBackoffOver(r, want.key);
    m.detach(want);
    m.pods.delete(want.key);
    r.q.done(qpi.pod.key);
    checkAgainstModel(m, r);
  }
  toString = (): string => 'popAndSucceed()';
}

function assertBackoffOver(r: Real, k: string): void {
  const expiry = r.backoffSeen.get(k);
  if (expiry !== undefined) assert.ok(r.clock.now() >= expiry, `${k} popped at ${r.clock.now()} before its backoff expired at ${expiry}`);
  r.backoffSeen.delete(k);
}

class EventCmd implements Cmd {
  constructor(readonly e: MEvent) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    m.event(this.e);
    r.q.moveAllToActiveOrBackoffQueue({ resource: this.e.resource, actions: this.e.actions }, undefined, { ok: this.e.ok });
    checkAgainstModel(m, r);
  }
  toString = (): string => `event(${JSON.stringify(this.e)})`;
}

class AdvanceCmd implements Cmd {
  constructor(readonly ms: number, readonly flush: 'none' | 'backoff' | 'both') {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    r.clock.advance(this.ms);
    m.now += this.ms;
    if (this.flush !== 'none') {
      for (const p of m.list('backoff')) if (p.expiry <= m.now) {
        m.detach(p);
        m.moveToActive(p);
      }
      r.q.flushBackoffQCompleted();
    }
    if (this.flush === 'both') {
      m.movePods(m.unsched.filter((k) => m.now - m.pods.get(k)!.timestamp > MAX_IN_UNSCHEDULABLE), { resource: '*', actions: ActionType.All, ok: true });
      r.q.flushUnschedulablePodsLeftover();
    }
    checkAgainstModel(m, r);
  }
  toString = (): string => `advance(${this.ms}ms, flush ${this.flush})`;
}

class UpdateCmd implements Cmd {
  constructor(readonly pick: number, readonly kind: 'label' | 'ungate') {}
  check = (m: Readonly<Model>): boolean => m.pods.size > 0;
  run(m: Model, r: Real): void {
    const ps = [...m.pods.values()];
    const p = ps[this.pick % ps.length]!;
    const old = p.info;
    if (this.kind === 'label') p.version++;
    else p.gates = false;
    p.info = buildInfo(p);
    const changed = this.kind === 'label' || old.pod.spec.schedulingGates !== undefined;
    if (p.where === 'unschedulable') {
      if (m.hints) {
        // label → Pod/UpdatePodLabel; ungate → Pod/UpdatePodSchedulingGatesEliminated, or if no gate was there
        // updatePodOther, which only a plugin registering the general Pod/Update hears (events.go).
        const hadGates = old.pod.spec.schedulingGates !== undefined;
        const actions = this.kind === 'label' ? ActionType.UpdatePodLabel : hadGates ? ActionType.UpdatePodSchedulingGatesEliminated : ActionType.UpdatePodOther;
        const s = m.worth(p, { resource: 'Pod', actions, ok: false });
        if (s !== 0) {
          m.detach(p);
          m.requeue(p, s);
        }
      } else if (changed) {
        if (m.backingOff(p)) m.place(p, 'backoff');
        else m.moveToActive(p);
      }
    }
    r.q.update(old, p.info);
    checkAgainstModel(m, r);
  }
  toString = (): string => `update(#${this.pick}, ${this.kind})`;
}

class DeleteCmd implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>): boolean => m.pods.size > 0;
  run(m: Model, r: Real): void {
    const ps = [...m.pods.values()];
    const p = ps[this.pick % ps.length]!;
    m.detach(p);
    m.pods.delete(p.key);
    r.q.delete(p.info);
    r.backoffSeen.delete(p.key);
    checkAgainstModel(m, r);
  }
  toString = (): string => `delete(#${this.pick})`;
}

const eventArb: fc.Arbitrary<MEvent> = fc.record({
  resource: fc.constantFrom<ClusterEvent['resource']>('Node', 'Pod', 'AssignedPod', '*'),
  actions: fc.constantFrom(ActionType.Add, ActionType.Delete, ActionType.UpdateNodeAllocatable, ActionType.UpdateNodeTaint, ActionType.UpdatePodLabel, ActionType.All),
  ok: fc.boolean(),
});
const commands = [
  fc.tuple(fc.constantFrom(...NAMES), fc.integer({ min: 0, max: 2 }), fc.boolean()).map(([n, p, g]) => new AddCmd(n, p, g)),
  fc.tuple(fc.subarray([...MODEL_PLUGINS]), fc.option(eventArb, { freq: 3 })).map(([ps, e]) => new PopFailCmd(ps, e ?? undefined)),
  fc.constant(new PopSucceedCmd()),
  eventArb.map((e) => new EventCmd(e)),
  fc
    .tuple(
      fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(1000, 2000, 300_001), fc.integer({ min: 0, max: 400_000 })),
      fc.constantFrom('none' as const, 'backoff' as const, 'both' as const),
    )
    .map(([ms, f]) => new AdvanceCmd(ms, f)),
  fc.tuple(fc.nat(10), fc.constantFrom('label' as const, 'ungate' as const)).map(([i, k]) => new UpdateCmd(i, k)),
  fc.nat(10).map((i) => new DeleteCmd(i)),
];

const model = suite('model');

for (const hintsOn of [true, false]) {
  model(`the queue matches a three-list model over random command sequences (queueingHints: ${hintsOn})`, () => {
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 60, size: 'medium' }), (cmds) => {
        const setup = (): { model: Model; real: Real } => {
          const clock = new ManualClock(START);
          const q = new SchedulingQueue({ clock, less: prioritySortLess, preEnqueue: preEnqueueChain([gates]), eventsToRegister: MODEL_REGISTRY, queueingHints: hintsOn });
          return { model: new Model(hintsOn), real: { q, clock, backoffSeen: new Map() } };
        };
        fc.modelRun(setup, cmds);
      }),
      { numRuns: 300, seed: 20261128 },
    );
  });
}

backoff.run();
sort.run();
gating.run();
hints.run();
flight.run();
leftover.run();
nominator.run();
model.run();
