// Leader election on coordination.k8s.io/v1 Leases, with the semantics of client-go's
// tools/leaderelection (leaderelection.go) and its Lease lock (resourcelock/leaselock.go), so that several
// `drydock serve` processes on one etcd run each component group (kube-controller-manager's controllers, the
// scheduler, the kubelet fleet) in exactly one process at a time.
//
// How a candidate decides, as upstream does:
// - Expiry is judged on the candidate's own clock: a lease is valid until `observedTime + leaseDurationSeconds`,
//   where observedTime is when this candidate last saw the record change (not the renewTime written in it), so
//   clocks of different machines need not agree, only run at the same rate.
// - Writes are optimistic: a create fails with AlreadyExists and an update with Conflict (the resourceVersion
//   it read) when another candidate wrote first, so of several candidates that see an expired lease at the
//   same moment exactly one takes it.
// - The leader renews every RetryPeriod; when renewals have failed for RenewDeadline it stops leading. A
//   candidate takes over only after seeing the record unchanged for LeaseDuration, so with LeaseDuration >
//   RetryPeriod + RenewDeadline (the defaults: 15 s > 2 s + 10 s) the old leader has stopped before anyone
//   else starts.
// Time and randomness (the retry jitter) come in as a Clock and an Rng, so all of this runs on a ManualClock.
import type { ApiServer } from '../apiserver/apiserver.js';
import { ApiError } from '../apiserver/errors.js';
import { formatMicroTime } from '../apiserver/meta.js';
import { recordEvent } from '../apiserver/record.js';
import type { Lease } from '../api/index.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Rng } from '../util/rng.js';

/**
 * component-base config/v1alpha1 defaults.go RecommendedDefaultLeaderElectionConfiguration, which
 * kube-controller-manager and kube-scheduler use: LeaseDuration 15s, RenewDeadline 10s, RetryPeriod 2s.
 */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
/** leaderelection.go JitterFactor: a candidate waits RetryPeriod × (1 + up to 1.2) between attempts. */
export const JITTER_FACTOR = 1.2;
/** The namespace and Lease names kube-controller-manager and kube-scheduler default to (--leader-elect-resource-namespace/-name). */
export const LEADER_ELECTION_NAMESPACE = 'kube-system';
export const KUBE_CONTROLLER_MANAGER_LEASE = 'kube-controller-manager';
export const KUBE_SCHEDULER_LEASE = 'kube-scheduler';
/** drydock's own: the simulated kubelets of every Node run in one process, under this Lease. */
export const KUBELET_FLEET_LEASE = 'drydock-kubelets';

export interface LeaderElectionTimings {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export const DEFAULT_LEADER_ELECTION_TIMINGS: LeaderElectionTimings = Object.freeze({
  leaseDurationMs: DEFAULT_LEASE_DURATION_MS,
  renewDeadlineMs: DEFAULT_RENEW_DEADLINE_MS,
  retryPeriodMs: DEFAULT_RETRY_PERIOD_MS,
});

export type TimingsProblem =
  | { readonly field: 'leaseDuration' | 'renewDeadline' | 'retryPeriod'; readonly kind: 'notPositive' }
  /** A Lease records whole seconds (leaseDurationSeconds): under one second it would read as 0 and never be valid. */
  | { readonly field: 'leaseDuration'; readonly kind: 'underOneSecond' }
  | { readonly field: 'renewDeadline'; readonly kind: 'notBelowLeaseDuration' }
  | { readonly field: 'renewDeadline'; readonly kind: 'notAboveJitteredRetryPeriod' };

/**
 * The checks client-go's NewLeaderElector and component-base's ValidateLeaderElectionConfiguration make,
 * plus one drydock adds (a lease of at least one second); the first problem, or undefined.
 */
export function leaderElectionTimingsProblem(t: LeaderElectionTimings): TimingsProblem | undefined {
  if (!(t.leaseDurationMs > 0)) return { field: 'leaseDuration', kind: 'notPositive' };
  if (!(t.renewDeadlineMs > 0)) return { field: 'renewDeadline', kind: 'notPositive' };
  if (!(t.retryPeriodMs > 0)) return { field: 'retryPeriod', kind: 'notPositive' };
  if (t.leaseDurationMs < 1000) return { field: 'leaseDuration', kind: 'underOneSecond' };
  // "leaseDuration must be greater than renewDeadline"
  if (t.leaseDurationMs <= t.renewDeadlineMs) return { field: 'renewDeadline', kind: 'notBelowLeaseDuration' };
  // "renewDeadline must be greater than retryPeriod*JitterFactor"
  if (t.renewDeadlineMs <= JITTER_FACTOR * t.retryPeriodMs) return { field: 'renewDeadline', kind: 'notAboveJitteredRetryPeriod' };
  return undefined;
}

/** What the elector needs of the API server (an ApiServer, or a wrapper of one in tests). */
export type LeaseApi = Pick<ApiServer, 'get' | 'create' | 'update'>;

/** resourcelock/interface.go LeaderElectionRecord, as a Lease's spec carries it (times kept as written). */
export interface LeaderElectionRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string | undefined;
  readonly renewTime: string | undefined;
  readonly leaderTransitions: number;
}

const EMPTY_RECORD: LeaderElectionRecord = Object.freeze({ holderIdentity: '', leaseDurationSeconds: 0, acquireTime: undefined, renewTime: undefined, leaderTransitions: 0 });

/** leaselock.go LeaseSpecToLeaderElectionRecord. */
export function leaseToRecord(lease: Lease): LeaderElectionRecord {
  const s = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime,
    renewTime: s.renewTime,
    leaderTransitions: s.leaseTransitions ?? 0,
  };
}

/** leaselock.go LeaderElectionRecordToLeaseSpec: every field is written, the holder even when empty (a release). */
function recordToSpec(r: LeaderElectionRecord): NonNullable<Lease['spec']> {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    ...(r.acquireTime !== undefined ? { acquireTime: r.acquireTime } : {}),
    ...(r.renewTime !== undefined ? { renewTime: r.renewTime } : {}),
    leaseTransitions: r.leaderTransitions,
  };
}

/**
 * resourcelock/leaselock.go: the Lease as a lock. It keeps the Lease it last read or wrote, so that an update
 * carries that resourceVersion and fails with 409 Conflict when someone wrote in between.
 */
export class LeaseLock {
  private lease: Lease | undefined;

  constructor(
    private readonly api: LeaseApi,
    readonly namespace: string,
    readonly name: string,
    readonly identity: string,
    /** The event source (e.g. "kube-controller-manager"); undefined: no events (upstream's nil EventRecorder). */
    private readonly eventComponent: string | undefined,
    private readonly clock: Clock,
  ) {}

  /** Get: the record and its raw form (compared byte for byte to notice any change). */
  async get(): Promise<{ record: LeaderElectionRecord; raw: string }> {
    this.lease = await this.api.get<Lease>('leases', this.namespace, this.name);
    const record = leaseToRecord(this.lease);
    return { record, raw: JSON.stringify(record) };
  }

  async create(r: LeaderElectionRecord): Promise<void> {
    this.lease = await this.api.create<Lease>('leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace },
      spec: recordToSpec(r),
    });
  }

  /** Update: the Lease last seen, with the new spec; its resourceVersion makes the write conditional. */
  async update(r: LeaderElectionRecord): Promise<void> {
    if (this.lease === undefined) throw new Error('lease not initialized, call get or create first');
    this.lease = await this.api.update<Lease>('leases', { ...this.lease, spec: recordToSpec(r) });
  }

  /** "<namespace>/<name>" (Describe). */
  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** RecordEvent: a Normal "LeaderElection" event about the Lease, "<identity> <what>"; failures are dropped as a recorder drops them. */
  recordEvent(what: string): void {
    if (this.eventComponent === undefined) return;
    const uid = this.lease?.metadata.uid;
    void recordEvent(this.api, {
      involved: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: this.name, namespace: this.namespace, ...(uid !== undefined ? { uid } : {}) },
      type: 'Normal',
      reason: 'LeaderElection',
      message: `${this.identity} ${what}`,
      at: this.clock.now(),
      component: this.eventComponent,
    }).catch(() => undefined);
  }
}

export interface LeaderCallbacks {
  /** This candidate now leads: start the work. */
  onStartedLeading(): void;
  /** Called once when run() ends, whether or not this candidate led (as upstream's deferred call): stop the work. */
  onStoppedLeading(): void;
  /** The holder changed as this candidate saw it (its own identity included); '' once a leader released. */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions {
  readonly api: LeaseApi;
  readonly namespace: string;
  readonly name: string;
  /** Unique per candidate; kube's components use "<hostname>_<uuid>". */
  readonly identity: string;
  readonly clock: Clock;
  /** For the retry jitter. */
  readonly rng: Rng;
  readonly timings?: LeaderElectionTimings;
  /** On stop(), and after losing, give the lease up at once (holder "", 1 s) instead of letting it run out. */
  readonly releaseOnCancel?: boolean;
  readonly callbacks: LeaderCallbacks;
  /** source.component of the LeaderElection events; undefined: none are written. */
  readonly eventComponent?: string;
  /** client-go's log lines ("successfully acquired lease kube-system/kube-scheduler") at klog's level (Infof or Errorf); default: none. */
  readonly log?: (line: string, level: 'info' | 'error') => void;
}

/** An attempt the caller may abandon (upstream cancels its context): once abandoned, results are not used. */
interface Attempt {
  abandoned: boolean;
}

/**
 * One candidate (leaderelection.go LeaderElector). run() campaigns until this candidate leads, calls
 * onStartedLeading, renews until that fails for RenewDeadline or stop() is called, then calls
 * onStoppedLeading and resolves. A LeaderElector runs once; campaign again with a new one.
 */
export class LeaderElector {
  readonly lock: LeaseLock;
  private readonly clock: Clock;
  private readonly timings: LeaderElectionTimings;
  private observedRecord: LeaderElectionRecord = EMPTY_RECORD;
  private observedRaw = '';
  private observedTime = 0;
  private reportedLeader = '';
  private cancelled = false;
  private leadingNow = false;
  /** Wakes whatever run() is waiting for when stop() is called. */
  private readonly wakers = new Set<() => void>();
  private running: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.clock = options.clock;
    this.timings = options.timings ?? DEFAULT_LEADER_ELECTION_TIMINGS;
    const problem = leaderElectionTimingsProblem(this.timings);
    if (problem !== undefined) throw new Error(`leader election for ${options.namespace}/${options.name}: ${describeTimingsProblem(problem, this.timings)}`);
    if (options.identity === '') throw new Error('Lock identity is empty');
    this.lock = new LeaseLock(options.api, options.namespace, options.name, options.identity, options.eventComponent, options.clock);
  }

  /** IsLeader: the record last observed names this candidate. */
  isLeader(): boolean {
    return this.observedRecord.holderIdentity === this.options.identity;
  }

  /** Between onStartedLeading and onStoppedLeading. */
  get leading(): boolean {
    return this.leadingNow;
  }

  /** GetLeader: the holder last observed ('' before any). */
  getLeader(): string {
    return this.observedRecord.holderIdentity;
  }

  /** Run: resolves when this candidate stopped leading, or was stopped before it led. */
  run(): Promise<void> {
    this.running ??= this.campaign();
    return this.running;
  }

  /** Cancels run(): stops campaigning or leading (releasing the lease if releaseOnCancel); resolves when run() has ended. */
  async stop(): Promise<void> {
    this.cancelled = true;
    for (const wake of [...this.wakers]) wake();
    await this.running;
  }

  private log(line: string, level: 'info' | 'error' = 'info'): void {
    this.options.log?.(line, level);
  }

  private async campaign(): Promise<void> {
    let led = false;
    try {
      if (!(await this.acquire())) return;
      led = true;
      this.leadingNow = true;
      this.options.callbacks.onStartedLeading();
      await this.renew();
    } finally {
      this.leadingNow = false;
      // Upstream stops the work by cancelling its context before OnStoppedLeading and releases the lease
      // inside renew(); here the work stops first, so that nobody else can start while it still runs.
      this.options.callbacks.onStoppedLeading();
      if (led) {
        if (this.options.releaseOnCancel) await this.release();
        this.lock.recordEvent('stopped leading');
      }
    }
  }

  /** acquire: tries at once, then every RetryPeriod × (1 + rand × JitterFactor) (wait.JitterUntil, sliding); false when stopped. */
  private async acquire(): Promise<boolean> {
    const desc = this.lock.describe();
    this.log(`attempting to acquire leader lease ${desc}...`);
    for (;;) {
      if (this.cancelled) return false;
      // wait.Jitter(duration, maxFactor) = duration + rand.Float64() × maxFactor × duration.
      const period = this.timings.retryPeriodMs * (1 + this.options.rng.next() * JITTER_FACTOR);
      const attempt: Attempt = { abandoned: false };
      const succeeded = await this.raceStop(this.tryAcquireOrRenew(attempt), attempt);
      this.maybeReportTransition();
      if (succeeded) {
        this.lock.recordEvent('became leader');
        this.log(`successfully acquired lease ${desc}`);
        return true;
      }
      await this.sleep(period);
    }
  }

  /**
   * renew: every RetryPeriod, a round of attempts (wait.PollUntilContextTimeout: one at once, then one per
   * RetryPeriod from the round's start) until one succeeds; a round that reaches RenewDeadline without
   * success ends the leadership. An attempt still in flight at the deadline is abandoned (upstream's context
   * cancels its request). Where a retry would fall on the deadline itself, the deadline wins.
   */
  private async renew(): Promise<void> {
    const desc = this.lock.describe();
    for (;;) {
      if (this.cancelled) return;
      const deadline = this.clock.now() + this.timings.renewDeadlineMs;
      let renewed = false;
      for (;;) {
        const tick = this.clock.now();
        const attempt: Attempt = { abandoned: false };
        renewed = await this.raceDeadline(this.tryAcquireOrRenew(attempt), attempt, deadline);
        if (renewed || this.cancelled || this.clock.now() >= deadline) break;
        // The next attempt one RetryPeriod after this one began, or the deadline if that comes first.
        await this.sleep(Math.min(tick + this.timings.retryPeriodMs, deadline) - this.clock.now());
        if (this.cancelled || this.clock.now() >= deadline) break;
      }
      this.maybeReportTransition();
      if (this.cancelled) return;
      if (!renewed) {
        this.log(`failed to renew lease ${desc}: context deadline exceeded`);
        return;
      }
      await this.sleep(this.timings.retryPeriodMs);
    }
  }

  /**
   * release: with the lease still ours, writes holder "" with a 1 s duration (acquireTime = renewTime = now,
   * leaseTransitions kept), so that the next candidate takes it at its next attempt.
   */
  private async release(): Promise<boolean> {
    let current: LeaderElectionRecord;
    try {
      current = (await this.withTimeout(this.lock.get(), this.timings.renewDeadlineMs)).record;
    } catch (err) {
      this.log(`error retrieving resource lock ${this.lock.describe()}: ${errorText(err)}`, 'error');
      return false;
    }
    // Upstream asks IsLeader(), i.e. the record observed last. After a partition that record can be stale:
    // the read above (delivered late) may show that another candidate has taken over since, and writing
    // over that would unseat a live leader. So the record just read decides (the property test found this).
    if (!this.isLeader() || current.holderIdentity !== this.options.identity) return true;
    const now = formatMicroTime(this.clock.now());
    const record: LeaderElectionRecord = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaderTransitions: this.observedRecord.leaderTransitions };
    try {
      await this.withTimeout(this.lock.update(record), this.timings.renewDeadlineMs);
    } catch (err) {
      this.log(`Failed to release lock: ${errorText(err)}`, 'error');
      return false;
    }
    this.setObservedRecord(record);
    return true;
  }

  /** tryAcquireOrRenew: one attempt to take or keep the lease; true when this candidate holds it after. */
  private async tryAcquireOrRenew(attempt: Attempt): Promise<boolean> {
    const nowMs = this.clock.now();
    const now = formatMicroTime(nowMs);
    let record: LeaderElectionRecord = {
      holderIdentity: this.options.identity,
      // int(LeaseDuration / time.Second): whole seconds.
      leaseDurationSeconds: Math.floor(this.timings.leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaderTransitions: 0,
    };

    // 1. The fast path: the leader updates the record it wrote last, assuming nobody wrote since.
    if (this.isLeader() && this.isLeaseValid(nowMs)) {
      const fast = { ...record, acquireTime: this.observedRecord.acquireTime, leaderTransitions: this.observedRecord.leaderTransitions };
      try {
        await this.lock.update(fast);
        if (attempt.abandoned) return false;
        this.setObservedRecord(fast);
        return true;
      } catch (err) {
        if (attempt.abandoned) return false;
        this.log(`Failed to update lock optimistically: ${errorText(err)}, falling back to slow path`, 'error');
      }
    }

    // 2. Read the record, or create it.
    let got: { record: LeaderElectionRecord; raw: string };
    try {
      got = await this.lock.get();
    } catch (err) {
      if (attempt.abandoned) return false;
      if (!(err instanceof ApiError && err.code === 404)) {
        this.log(`error retrieving resource lock ${this.lock.describe()}: ${errorText(err)}`, 'error');
        return false;
      }
      try {
        await this.lock.create(record);
      } catch (createErr) {
        if (!attempt.abandoned) this.log(`error initially creating leader election record: ${errorText(createErr)}`, 'error');
        return false;
      }
      if (attempt.abandoned) return false;
      this.setObservedRecord(record);
      return true;
    }
    if (attempt.abandoned) return false;

    // 3. A changed record restarts this candidate's clock on it; someone else's valid lease means wait.
    if (got.raw !== this.observedRaw) {
      this.setObservedRecord(got.record);
      this.observedRaw = got.raw;
    }
    if (got.record.holderIdentity !== '' && this.isLeaseValid(nowMs) && !this.isLeader()) return false;

    // 4. Take it (one more transition) or keep it (same acquireTime and transitions).
    record = this.isLeader()
      ? { ...record, acquireTime: got.record.acquireTime, leaderTransitions: got.record.leaderTransitions }
      : { ...record, leaderTransitions: got.record.leaderTransitions + 1 };
    try {
      await this.lock.update(record);
    } catch (err) {
      if (!attempt.abandoned) this.log(`Failed to update lock: ${errorText(err)}`, 'error');
      return false;
    }
    if (attempt.abandoned) return false;
    this.setObservedRecord(record);
    return true;
  }

  /** isLeaseValid: observedTime + leaseDurationSeconds is after now. */
  private isLeaseValid(nowMs: number): boolean {
    return this.observedTime + this.observedRecord.leaseDurationSeconds * 1000 > nowMs;
  }

  private setObservedRecord(r: LeaderElectionRecord): void {
    this.observedRecord = r;
    this.observedTime = this.clock.now();
  }

  /** maybeReportTransition: onNewLeader when the observed holder differs from the one last reported. */
  private maybeReportTransition(): void {
    const holder = this.observedRecord.holderIdentity;
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    this.options.callbacks.onNewLeader?.(holder);
  }

  /** Waits `ms` on the clock, or until stop(). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.cancelled) return resolve();
      let timer: Timer | undefined;
      const done = () => {
        timer?.cancel();
        this.wakers.delete(done);
        resolve();
      };
      this.wakers.add(done);
      timer = this.clock.setTimer(ms, done);
    });
  }

  /** The attempt's result, or false (the attempt abandoned) when stop() comes first. */
  private raceStop(p: Promise<boolean>, attempt: Attempt): Promise<boolean> {
    return this.raceDeadline(p, attempt, Infinity);
  }

  /** The attempt's result, or false (the attempt abandoned) at the deadline or on stop(), whichever is first. */
  private raceDeadline(p: Promise<boolean>, attempt: Attempt, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: Timer | undefined;
      const finish = (ok: boolean) => {
        if (attempt.abandoned) return;
        timer?.cancel();
        this.wakers.delete(abandon);
        // Once decided (a result, the deadline or stop()), a late result of the same attempt is ignored.
        attempt.abandoned = true;
        resolve(ok);
      };
      const abandon = () => finish(false);
      if (this.cancelled) return abandon();
      this.wakers.add(abandon);
      if (deadline !== Infinity) timer = this.clock.setTimer(deadline - this.clock.now(), abandon);
      p.then(finish, () => finish(false));
    });
  }

  /** A call bounded by `ms` on the clock (release's context.WithTimeout(RenewDeadline)). */
  private withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(ms, () => reject(new Error('context deadline exceeded')));
      p.then(
        (v) => {
          timer.cancel();
          resolve(v);
        },
        (err: unknown) => {
          timer.cancel();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The problem in words, with upstream's field names (for errors raised outside the CLI). */
export function describeTimingsProblem(p: TimingsProblem, t: LeaderElectionTimings): string {
  switch (p.kind) {
    case 'notPositive':
      return `${p.field} must be greater than zero`;
    case 'underOneSecond':
      return `leaseDuration must be at least 1s (a Lease records whole seconds), got ${t.leaseDurationMs}ms`;
    case 'notBelowLeaseDuration':
      return 'leaseDuration must be greater than renewDeadline';
    case 'notAboveJitteredRetryPeriod':
      return 'renewDeadline must be greater than retryPeriod*JitterFactor';
  }
}

export interface LeaderElectedOptions extends Omit<LeaderElectorOptions, 'callbacks'> {
  /** Starts the work once this candidate leads; resolves (when it runs) to the function that stops it. */
  readonly start: () => Promise<() => void>;
  readonly onNewLeader?: (identity: string) => void;
  /** Leading ended without stop() being called (upstream: "leaderelection lost"); the candidate campaigns again. */
  readonly onLost?: () => void;
  /** start() failed: the work does not run, the lease is given up (releaseOnCancel) and the candidate campaigns again after RetryPeriod. */
  readonly onStartError?: (err: unknown) => void;
}

/**
 * Work that runs only while this candidate holds a Lease. kube-controller-manager and kube-scheduler exit
 * when they lose their lease (klog "leaderelection lost", exit 1) and their supervisor starts them again,
 * with empty caches and a new campaign. drydock keeps the process (it also serves the API), so here losing
 * stops the work (the stop function from start()) and a new LeaderElector campaigns; the next term calls
 * start() again, which builds the work afresh.
 */
export class LeaderElected {
  private elector: LeaderElector | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private stopWork: (() => void) | undefined;
  /** Counts terms and ends; a start() that resolves after its term ended stops at once. */
  private generation = 0;
  private wake: (() => void) | undefined;
  /** How many terms this candidate has led (start() calls). */
  terms = 0;

  constructor(private readonly options: LeaderElectedOptions) {}

  /** Begins campaigning (idempotent). */
  start(): void {
    this.loop ??= this.campaign();
  }

  /** Between onStartedLeading and onStoppedLeading of the current term. */
  get leading(): boolean {
    return this.elector?.leading ?? false;
  }

  /** The work started by start() runs (leading, and start() has resolved). */
  get working(): boolean {
    return this.stopWork !== undefined;
  }

  /** Stops campaigning and the work, giving up the lease if releaseOnCancel; resolves when all has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.elector?.stop();
    await this.loop;
  }

  private async campaign(): Promise<void> {
    const { start: startWork, onNewLeader, onLost, onStartError, ...electorOptions } = this.options;
    while (!this.stopping) {
      let startFailed = false;
      const elector: LeaderElector = new LeaderElector({
        ...electorOptions,
        callbacks: {
          onStartedLeading: () => {
            const term = ++this.generation;
            this.terms++;
            startWork().then(
              (stop) => {
                if (term === this.generation) this.stopWork = stop;
                else stop();
              },
              (err: unknown) => {
                if (term !== this.generation) return;
                startFailed = true;
                onStartError?.(err);
                void elector.stop();
              },
            );
          },
          onStoppedLeading: () => {
            this.generation++;
            const stop = this.stopWork;
            this.stopWork = undefined;
            stop?.();
          },
          ...(onNewLeader !== undefined ? { onNewLeader } : {}),
        },
      });
      this.elector = elector;
      await elector.run();
      if (this.stopping) return;
      if (startFailed) await this.pause((electorOptions.timings ?? DEFAULT_LEADER_ELECTION_TIMINGS).retryPeriodMs);
      else onLost?.();
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.options.clock.setTimer(ms, () => {
        this.wake = undefined;
        resolve();
      });
      this.wake = () => {
        timer.cancel();
        this.wake = undefined;
        resolve();
      };
    });
  }
}
