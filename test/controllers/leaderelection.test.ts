// Leader election (src/controllers/leaderelection.ts) on one in-process API server and a ManualClock
// (T0 = 2026-11-28T00:00Z): scenarios whose times are derived in the comments, then a fast-check property
// over random interleavings of time, crashes, network partitions, clean stops and restarts.
//
// Timings unless a test says otherwise: client-go's defaults LeaseDuration (LD) 15 s, RenewDeadline (RD)
// 10 s, RetryPeriod (RP) 2 s, and an Rng whose next() is 0, so the acquire loop's jittered wait
// RP × (1 + 0 × 1.2) is exactly 2 s.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Event, Lease } from '../../src/api/index.js';
import type { ApiServer } from '../../src/apiserver/apiserver.js';
import { errors } from '../../src/apiserver/errors.js';
import {
  DEFAULT_LEADER_ELECTION_TIMINGS,
  LeaderElected,
  LeaderElector,
  leaderElectionTimingsProblem,
  type LeaderElectionTimings,
  type LeaseApi,
} from '../../src/controllers/leaderelection.js';
import type { ManualClock } from '../../src/util/clock.js';
import { seededRng, type Rng } from '../../src/util/rng.js';
import { T0, makeApi } from '../apiserver/fixtures.js';

const S = 1000;
const NS = 'kube-system';
const LEASE = 'kube-scheduler';
const noJitter: Rng = { next: () => 0, int: () => 0 };
const micro = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** Lets every promise continuation run (the store and API server settle in microtasks). */
async function flush(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Moves the clock to `until`, one timer at a time, letting continuations run after each and calling
 * `check` at every instant something happened (so an invariant is checked between any two steps).
 */
async function runUntil(clock: ManualClock, until: number, check: () => Promise<void> | void = () => undefined): Promise<void> {
  for (;;) {
    await flush();
    await check();
    const next = clock.nextTimerAt();
    if (next === undefined || next > until) break;
    clock.advance(next - clock.now());
  }
  clock.advance(until - clock.now());
  await flush();
  await check();
}

/**
 * One candidate's connection to the API server: up; failing (every call rejected at once, as when the
 * API server is unreachable); hanging (calls held and delivered late, when the partition heals); or dead
 * (the process crashed: held calls are dropped, nothing is ever sent again).
 */
class Link {
  mode: 'up' | 'fail' | 'hang' | 'dead' = 'up';
  private held: (() => void)[] = [];
  readonly api: LeaseApi;

  constructor(real: ApiServer) {
    this.api = {
      get: (resource, namespace, name) => this.call(() => real.get(resource, namespace, name)),
      create: (resource, body, opts) => this.call(() => real.create(resource, body, opts)),
      update: (resource, body, opts) => this.call(() => real.update(resource, body, opts)),
    };
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.mode === 'up') return fn();
    if (this.mode === 'fail') return Promise.reject(errors.unavailable('connection refused'));
    if (this.mode === 'dead') return new Promise<T>(() => undefined);
    return new Promise<T>((resolve, reject) => this.held.push(() => void fn().then(resolve, reject)));
  }

  heal(): void {
    if (this.mode === 'dead') return;
    this.mode = 'up';
    for (const deliver of this.held.splice(0)) deliver();
  }

  crash(): void {
    this.mode = 'dead';
    this.held = [];
  }
}

/** A candidate process: its link, its LeaderElected, and whether its work (the component group) runs. */
interface Candidate {
  readonly id: string;
  readonly link: Link;
  runner: LeaderElected;
  working: boolean;
  starts: number;
  stops: number;
  lost: number;
  stopped: boolean;
  readonly leaders: string[];
  readonly log: string[];
}

function candidate(api: ApiServer, clock: ManualClock, id: string, o: { rng?: Rng; timings?: LeaderElectionTimings; release?: boolean } = {}): Candidate {
  const link = new Link(api);
  const c = { id, link, working: false, starts: 0, stops: 0, lost: 0, stopped: false, leaders: [], log: [] } as Omit<Candidate, 'runner'> as Candidate;
  c.runner = new LeaderElected({
    api: link.api,
    namespace: NS,
    name: LEASE,
    identity: id,
    clock,
    rng: o.rng ?? noJitter,
    ...(o.timings !== undefined ? { timings: o.timings } : {}),
    releaseOnCancel: o.release ?? false,
    eventComponent: 'default-scheduler',
    log: (line) => c.log.push(`${clock.now() - T0} ${line}`),
    start: () => {
      c.working = true;
      c.starts++;
      return Promise.resolve(() => {
        c.working = false;
        c.stops++;
      });
    },
    onNewLeader: (who) => c.leaders.push(who),
    onLost: () => c.lost++,
  });
  c.runner.start();
  return c;
}

async function lease(api: ApiServer): Promise<Lease> {
  return api.get<Lease>('leases', NS, LEASE);
}

async function leaderEvents(api: ApiServer): Promise<string[]> {
  const list = await api.list<Event>('events', { namespace: NS });
  return list.items.filter((e) => e.reason === 'LeaderElection').map((e) => `${e.source?.component}: ${e.message} (Lease ${e.involvedObject.namespace}/${e.involvedObject.name})`);
}

const scenarios = suite('leader election on a ManualClock');

scenarios('the first candidate creates the Lease and leads; the leader renews every RetryPeriod, keeping acquireTime', async () => {
  const { api, clock } = await makeApi();
  const a = candidate(api, clock, 'host-a_1');
  await runUntil(clock, T0);
  assert.ok(a.working, 'a leads at T0: its Get found no Lease, its create succeeded');
  let l = await lease(api);
  assert.equal(l.spec, { holderIdentity: 'host-a_1', leaseDurationSeconds: 15, acquireTime: micro(T0), renewTime: micro(T0), leaseTransitions: 0 });
  const b = candidate(api, clock, 'host-b_1');
  // a renews at T0+2 s, +4 s, +6 s (RP after each success); b, which found the Lease held and valid, waits.
  await runUntil(clock, T0 + 7 * S, () => assert.ok(!b.working, 'b never leads while a renews'));
  l = await lease(api);
  assert.is(l.spec?.renewTime, micro(T0 + 6 * S));
  assert.is(l.spec?.acquireTime, micro(T0), 'a renewal keeps acquireTime');
  assert.is(l.spec?.leaseTransitions, 0);
  assert.equal(b.leaders, ['host-a_1'], 'b was told who leads');
  assert.equal(await leaderEvents(api), ['default-scheduler: host-a_1 became leader (Lease kube-system/kube-scheduler)']);
});

scenarios('a crashed leader: the next candidate takes over LeaseDuration after it last saw the record change, with leaseTransitions + 1', async () => {
  const { api, clock } = await makeApi();
  const a = candidate(api, clock, 'a');
  await runUntil(clock, T0 + 1 * S);
  const b = candidate(api, clock, 'b'); // tries at T0+1 s, 3 s, 5 s, … (every RP, no jitter)
  await runUntil(clock, T0 + 3.2 * S);
  a.link.crash(); // after a's renewal at T0+2 s; its T0+4 s renewal never arrives
  // b saw renewTime T0+2 s first at its T0+3 s attempt (its T0+1 s read showed T0), so the lease is valid
  // for b until 3 + 15 = T0+18 s. b's attempts after that fall at odd seconds: the first is T0+19 s.
  await runUntil(clock, T0 + 19 * S - 1, () => assert.ok(!b.working, 'b does not lead before T0+19 s'));
  await runUntil(clock, T0 + 19 * S);
  assert.ok(b.working, 'b leads at T0+19 s');
  const l = await lease(api);
  assert.equal(l.spec, { holderIdentity: 'b', leaseDurationSeconds: 15, acquireTime: micro(T0 + 19 * S), renewTime: micro(T0 + 19 * S), leaseTransitions: 1 });
  assert.equal(b.leaders, ['a', 'b']);
  assert.equal(await leaderEvents(api), ['default-scheduler: a became leader (Lease kube-system/kube-scheduler)', 'default-scheduler: b became leader (Lease kube-system/kube-scheduler)']);
});

scenarios('a partitioned leader stops at its last renewal + RetryPeriod + RenewDeadline, before anyone else starts; then campaigns again', async () => {
  const { api, clock } = await makeApi();
  const a = candidate(api, clock, 'a');
  await runUntil(clock, T0 + 1 * S);
  const b = candidate(api, clock, 'b');
  await runUntil(clock, T0 + 2.5 * S);
  a.link.mode = 'fail'; // after a's renewal at T0+2 s
  // a's next round starts RP later, at T0+4 s, with deadline 4 + 10 = T0+14 s; its attempts at 4, 6, 8, 10
  // and 12 s fail, and at T0+14 s (= 2 + RP 2 + RD 10) it stops leading.
  await runUntil(clock, T0 + 14 * S - 1);
  assert.ok(a.working, 'a still leads until the deadline');
  await runUntil(clock, T0 + 14 * S);
  assert.ok(!a.working, 'a stopped at T0+14 s');
  assert.is(a.lost, 1, 'a was told it lost the lease');
  assert.ok(a.log.includes('14000 failed to renew lease kube-system/kube-scheduler: context deadline exceeded'), a.log.join('\n'));
  // b: last change seen at T0+3 s → valid until T0+18 s → first odd-second attempt after: T0+19 s. Nobody
  // leads from 14 s to 19 s: the margin LD − (RP + RD) = 15 − 12 = 3 s, plus b's phase.
  await runUntil(clock, T0 + 19 * S - 1, () => assert.ok(!b.working));
  await runUntil(clock, T0 + 19 * S);
  assert.ok(b.working);
  assert.is((await lease(api)).spec?.leaseTransitions, 1);
  // a campaigns again from T0+14 s (attempts every 2 s fail while partitioned); healed at T0+20.5 s, its
  // T0+22 s attempt finds b's valid lease.
  await runUntil(clock, T0 + 20.5 * S);
  a.link.heal();
  await runUntil(clock, T0 + 40 * S, () => assert.ok(!(a.working && b.working), 'never both'));
  assert.ok(b.working && !a.working);
  assert.equal(a.leaders, ['a', 'b']);
  // b crashes at T0+40.5 s (last renewal T0+39 s: b renews at 19 + 2k). a's attempts fall at even seconds:
  // it saw renewTime T0+39 s at T0+40 s, valid until 55 s; it takes over at T0+56 s, transition 2.
  await runUntil(clock, T0 + 40.5 * S);
  b.link.crash();
  await runUntil(clock, T0 + 56 * S - 1, () => assert.ok(!a.working));
  await runUntil(clock, T0 + 56 * S);
  assert.ok(a.working);
  assert.is(a.starts, 2, 'a started its work for its second term');
  assert.equal((await lease(api)).spec, { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: micro(T0 + 56 * S), renewTime: micro(T0 + 56 * S), leaseTransitions: 2 });
});

scenarios('stop() with releaseOnCancel: the work stops, the Lease is released (holder "", 1 s) and the next candidate takes it at its next attempt', async () => {
  const { api, clock } = await makeApi();
  const a = candidate(api, clock, 'a', { release: true });
  await runUntil(clock, T0 + 1 * S);
  const b = candidate(api, clock, 'b');
  await runUntil(clock, T0 + 5.5 * S);
  await Promise.all([a.runner.stop(), flush()]);
  assert.ok(!a.working);
  assert.is(a.lost, 0, 'a clean stop is not a loss');
  assert.equal((await lease(api)).spec, { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: micro(T0 + 5.5 * S), renewTime: micro(T0 + 5.5 * S), leaseTransitions: 0 });
  // b's attempts at odd seconds: at T0+7 s the holder is empty, so b takes it without waiting for expiry.
  await runUntil(clock, T0 + 7 * S - 1, () => assert.ok(!b.working));
  await runUntil(clock, T0 + 7 * S);
  assert.ok(b.working);
  assert.equal((await lease(api)).spec, { holderIdentity: 'b', leaseDurationSeconds: 15, acquireTime: micro(T0 + 7 * S), renewTime: micro(T0 + 7 * S), leaseTransitions: 1 });
  assert.equal(b.leaders, ['a', 'b'], 'the empty holder was seen only inside the attempt that took the lease');
  assert.equal(await leaderEvents(api), [
    'default-scheduler: a became leader (Lease kube-system/kube-scheduler)',
    'default-scheduler: a stopped leading (Lease kube-system/kube-scheduler)',
    'default-scheduler: b became leader (Lease kube-system/kube-scheduler)',
  ]);
});

scenarios('three candidates see an expired Lease at the same instant: resourceVersion lets exactly one take it', async () => {
  const { api, clock } = await makeApi();
  await api.create('leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: LEASE, namespace: NS }, spec: { holderIdentity: 'gone', leaseDurationSeconds: 15, renewTime: micro(T0 - 60 * S), leaseTransitions: 4 } });
  const cs = ['a', 'b', 'c'].map((id) => candidate(api, clock, id));
  // Each read the record first at T0: expiry is judged on the reader's clock from when it saw the record, so
  // even a stale renewTime is valid until T0+15 s. All three attempt at T0+2k s; the first after 15 s is 16 s.
  await runUntil(clock, T0 + 16 * S - 1, () => assert.ok(cs.every((c) => !c.working)));
  await runUntil(clock, T0 + 16 * S);
  assert.equal(cs.filter((c) => c.working).length, 1, 'exactly one leads');
  const l = await lease(api);
  assert.is(l.spec?.leaseTransitions, 5, '4 + 1');
  const winner = cs.find((c) => c.working)!;
  assert.is(l.spec?.holderIdentity, winner.id);
  for (const c of cs.filter((x) => x !== winner)) {
    assert.ok(c.log.some((line) => line.includes('Failed to update lock: ') && line.includes('the object has been modified')), c.log.join('\n'));
  }
  await runUntil(clock, T0 + 60 * S, () => assert.equal(cs.filter((c) => c.working).length, 1));
});

scenarios('someone else writes the Lease (a label): the leader\'s optimistic update conflicts, the slow path renews, no transition', async () => {
  const { api, clock } = await makeApi();
  const a = candidate(api, clock, 'a');
  await runUntil(clock, T0 + 1 * S);
  const l = await lease(api);
  await api.update('leases', { ...l, metadata: { ...l.metadata, labels: { team: 'x' } } });
  await runUntil(clock, T0 + 2 * S);
  assert.ok(a.log.some((line) => line.startsWith('2000 Failed to update lock optimistically: ') && line.endsWith('falling back to slow path')), a.log.join('\n'));
  const after = await lease(api);
  assert.is(after.spec?.renewTime, micro(T0 + 2 * S));
  assert.is(after.spec?.leaseTransitions, 0);
  assert.equal(after.metadata.labels, { team: 'x' });
  assert.ok(a.working);
});

scenarios('timings are checked as client-go and component-base check them', () => {
  const t = (l: number, r: number, p: number) => leaderElectionTimingsProblem({ leaseDurationMs: l, renewDeadlineMs: r, retryPeriodMs: p });
  assert.is(t(15 * S, 10 * S, 2 * S), undefined, 'the defaults');
  assert.equal(t(10 * S, 10 * S, 2 * S), { field: 'renewDeadline', kind: 'notBelowLeaseDuration' }, 'leaseDuration must be greater than renewDeadline');
  // 1.2 × 2 s = 2.4 s: a renew deadline of 2.4 s is not greater.
  assert.equal(t(15 * S, 2.4 * S, 2 * S), { field: 'renewDeadline', kind: 'notAboveJitteredRetryPeriod' });
  assert.is(t(15 * S, 2.5 * S, 2 * S), undefined);
  assert.equal(t(0, 10 * S, 2 * S), { field: 'leaseDuration', kind: 'notPositive' });
  assert.equal(t(15 * S, 10 * S, 0), { field: 'retryPeriod', kind: 'notPositive' });
  assert.equal(t(900, 500, 100), { field: 'leaseDuration', kind: 'underOneSecond' });
  assert.throws(() => new LeaderElector({ api: {} as LeaseApi, namespace: NS, name: LEASE, identity: 'a', clock: {} as ManualClock, rng: noJitter, timings: { leaseDurationMs: 10 * S, renewDeadlineMs: 10 * S, retryPeriodMs: 2 * S }, callbacks: { onStartedLeading() {}, onStoppedLeading() {} } }), /leaseDuration must be greater than renewDeadline/);
  assert.throws(() => new LeaderElector({ api: {} as LeaseApi, namespace: NS, name: LEASE, identity: '', clock: {} as ManualClock, rng: noJitter, callbacks: { onStartedLeading() {}, onStoppedLeading() {} } }), /Lock identity is empty/);
});

scenarios.run();

// ---- the property ------------------------------------------------------------------------------------------

type Op =
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'crash'; readonly who: number }
  | { readonly kind: 'partition'; readonly who: number; readonly mode: 'fail' | 'hang' }
  | { readonly kind: 'heal'; readonly who: number }
  | { readonly kind: 'stop'; readonly who: number }
  | { readonly kind: 'restart'; readonly who: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 12_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('crash' as const), who: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('partition' as const), who: fc.nat(2), mode: fc.constantFrom('fail' as const, 'hang' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('heal' as const), who: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stop' as const), who: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restart' as const), who: fc.nat(2) }) },
);

// Safety needs LeaseDuration > RetryPeriod + RenewDeadline (the leader may believe it leads until its last
// renewal + RP + RD; others start no sooner than that renewal + LD): the defaults (15 > 2 + 10) and short ones
// as a test of serve might use (4 > 1 + 2.5).
const timingsArb = fc.constantFrom(DEFAULT_LEADER_ELECTION_TIMINGS, { leaseDurationMs: 4 * S, renewDeadlineMs: 2.5 * S, retryPeriodMs: 1 * S });

const property = suite('leader election property');

/** Runs the property; returns how many runs ended with leadership having changed hands. */
async function checkProperty(params: fc.Parameters<[Op[], LeaderElectionTimings, number]>): Promise<typeof stats> {
  const stats = { runs: 0, takeovers: 0, maxTransitions: 0 };
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), timingsArb, fc.integer({ min: 1, max: 1_000_000 }), async (ops, timings, seed) => {
      const { api, clock } = await makeApi();
      const rngFor = (i: number, generation: number) => seededRng(seed * 31 + i * 7 + generation);
      const generations = [0, 0, 0];
      const make = (i: number) => candidate(api, clock, `c${i}-${generations[i]}`, { rng: rngFor(i, generations[i]!), timings, release: true });
      const cs: Candidate[] = [0, 1, 2].map(make);
      const check = async () => {
        const live = cs.filter((c) => c.working && c.link.mode !== 'dead');
        assert.ok(live.length <= 1, `two leaders at T0+${clock.now() - T0} ms: ${live.map((c) => c.id).join(', ')}`);
        if (live.length === 1) assert.is((await lease(api)).spec?.holderIdentity, live[0]!.id, 'the leader is the holder');
      };
      for (const op of ops) {
        const c = cs[op.kind === 'advance' ? 0 : op.who]!;
        switch (op.kind) {
          case 'advance':
            await runUntil(clock, clock.now() + op.ms, check);
            break;
          case 'crash':
            c.link.crash();
            break;
          case 'partition':
            if (c.link.mode === 'up') c.link.mode = op.mode;
            break;
          case 'heal':
            c.link.heal();
            break;
          case 'stop':
            if (!c.stopped && c.link.mode !== 'dead') {
              c.stopped = true;
              // A clean stop finishes with the release, which a partition may hold: not waited for here.
              void c.runner.stop();
            }
            break;
          case 'restart':
            // A crashed or stopped process comes back as a new one: a new identity, as kube's <host>_<uuid>.
            if (c.link.mode === 'dead' || c.stopped) {
              if (c.link.mode !== 'dead') c.link.crash();
              generations[op.who]!++;
              cs[op.who] = make(op.who);
            }
            break;
        }
        await flush();
        await check();
      }
      // Liveness: heal every link; within 2 × (LD + RD + 3 × RP × 2.2) someone alive and not stopped leads.
      for (const c of cs) c.link.heal();
      const t = timings;
      await runUntil(clock, clock.now() + 2 * (t.leaseDurationMs + t.renewDeadlineMs + 3 * t.retryPeriodMs * 2.2), check);
      const candidates = cs.filter((c) => c.link.mode !== 'dead' && !c.stopped);
      if (candidates.length > 0) assert.is(candidates.filter((c) => c.working).length, 1, 'someone leads after healing');
      const transitions = (await lease(api)).spec?.leaseTransitions ?? 0;
      stats.runs++;
      if (transitions > 0) stats.takeovers++;
      stats.maxTransitions = Math.max(stats.maxTransitions, transitions);
      for (const c of cs) c.link.crash(); // ends every candidate's timers' effects before the next run
    }),
    params,
  );
  return stats;
}

property('never two live candidates leading at once, a leader is always the Lease\'s holder, and after healing someone leads (seeded)', async () => {
  const stats = await checkProperty({ numRuns: 150, seed: 20261128 });
  // The property is only worth something if leadership actually moved in many runs.
  assert.ok(stats.takeovers >= stats.runs / 3, `leadership changed hands in ${stats.takeovers} of ${stats.runs} runs`);
  console.log(`  leader election property: ${stats.runs} runs, leadership moved in ${stats.takeovers}, at most ${stats.maxTransitions} transitions in one run`);
});

property('the same property with an unseeded run (new interleavings on every CI run)', async () => {
  await checkProperty({ numRuns: 100 });
});

property.run();
