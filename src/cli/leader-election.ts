// `drydock serve --leader-elect`: the control-plane components each run under a Lease, so that several
// `drydock serve` processes on one etcd run each of them once. The flags are kube-controller-manager's and
// kube-scheduler's (component-base config/options leaderelectionconfig.go): --leader-elect,
// --leader-elect-lease-duration, --leader-elect-renew-deadline, --leader-elect-retry-period.
//
// Three component groups, three Leases in kube-system: kube-controller-manager (its controllers),
// kube-scheduler (the scheduler) and drydock-kubelets (the simulated kubelet of every Node). Without leader
// election they start at once on the process's shared informers, as before. With it, each group starts when
// this process acquires its Lease, on informers of its own (as kube-controller-manager and kube-scheduler
// each have their own caches), and when the Lease is lost the group stops, its informers with it, and the
// process campaigns again. kube-controller-manager and kube-scheduler instead exit (klog "leaderelection
// lost", exit 1) for their supervisor to restart them; a drydock serve process also serves the API, which
// must not go down because a controller lost its lease, so it does the equivalent in place: the next term
// builds the group afresh, with empty caches.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ApiServer } from '../apiserver/apiserver.js';
import { SharedInformerFactory } from '../apiserver/informer.js';
import { formatGoDuration, parseGoDuration } from '../controllers/autoscaler/index.js';
import { createControllerManager } from '../controllers/index.js';
import {
  DEFAULT_LEADER_ELECTION_TIMINGS,
  JITTER_FACTOR,
  KUBE_CONTROLLER_MANAGER_LEASE,
  KUBE_SCHEDULER_LEASE,
  KUBELET_FLEET_LEASE,
  LEADER_ELECTION_NAMESPACE,
  LeaderElected,
  leaderElectionTimingsProblem,
  type LeaderElectionTimings,
} from '../controllers/leaderelection.js';
import { KubeletFleet } from '../node/index.js';
import { createScheduler, type Scheduler, type SchedulerConfiguration } from '../scheduler/index.js';
import type { SchedulerMetricsSource } from '../scheduler/metrics.js';
import type { AttemptListener } from '../scheduler/scheduler.js';
import type { Clock } from '../util/clock.js';
import { seededRng } from '../util/rng.js';
import { UserInputError } from './errors.js';

export const LEADER_ELECT_OPTIONS = {
  'leader-elect': {
    type: 'boolean',
    describe:
      'Run the controllers, the scheduler and the kubelets only while this process holds their Lease in kube-system ' +
      '(kube-controller-manager, kube-scheduler, drydock-kubelets), so that several drydock serve processes on one etcd ' +
      'run each once. Default: on with --etcd-endpoints (other processes may share that etcd), off otherwise (the state is this process\'s own)',
  },
  'leader-elect-lease-duration': {
    type: 'string',
    default: formatGoDuration(DEFAULT_LEADER_ELECTION_TIMINGS.leaseDurationMs),
    describe: 'How long other processes wait, after the last renewal they saw, before taking a Lease over (whole seconds are written)',
  },
  'leader-elect-renew-deadline': {
    type: 'string',
    default: formatGoDuration(DEFAULT_LEADER_ELECTION_TIMINGS.renewDeadlineMs),
    describe: 'How long the leader keeps trying to renew before it stops its components (less than the lease duration)',
  },
  'leader-elect-retry-period': {
    type: 'string',
    default: formatGoDuration(DEFAULT_LEADER_ELECTION_TIMINGS.retryPeriodMs),
    describe: 'How often candidates try to acquire and the leader renews (candidates wait up to 2.2 times this)',
  },
} as const;

export interface LeaderElectArgs {
  readonly 'leader-elect'?: boolean;
  readonly 'leader-elect-lease-duration': string;
  readonly 'leader-elect-renew-deadline': string;
  readonly 'leader-elect-retry-period': string;
  readonly 'etcd-endpoints'?: string;
}

const FLAG = {
  leaseDuration: '--leader-elect-lease-duration',
  renewDeadline: '--leader-elect-renew-deadline',
  retryPeriod: '--leader-elect-retry-period',
} as const;

/**
 * Whether leader election is on and its timings; bad values fail with one line naming the flag. The timings
 * are checked even with leader election off (upstream skips them then), so a typo never waits for the day
 * the flag matters.
 */
export function parseLeaderElectionFlags(args: LeaderElectArgs): { readonly enabled: boolean; readonly timings: LeaderElectionTimings } {
  const text = { leaseDuration: args['leader-elect-lease-duration'], renewDeadline: args['leader-elect-renew-deadline'], retryPeriod: args['leader-elect-retry-period'] };
  const ms = (field: keyof typeof FLAG): number => {
    const v = parseGoDuration(String(text[field]));
    if (v === undefined) throw new UserInputError(`${FLAG[field]}: ${JSON.stringify(text[field])} is not a duration (expected e.g. ${formatGoDuration(DEFAULT_LEADER_ELECTION_TIMINGS[`${field}Ms`])}, 1m, 500ms)`);
    return v;
  };
  const timings: LeaderElectionTimings = { leaseDurationMs: ms('leaseDuration'), renewDeadlineMs: ms('renewDeadline'), retryPeriodMs: ms('retryPeriod') };
  const problem = leaderElectionTimingsProblem(timings);
  if (problem !== undefined) {
    const flag = FLAG[problem.field];
    const given = JSON.stringify(text[problem.field]);
    switch (problem.kind) {
      case 'notPositive':
        throw new UserInputError(`${flag}: ${given} must be greater than zero (expected e.g. ${formatGoDuration(DEFAULT_LEADER_ELECTION_TIMINGS[`${problem.field}Ms`])})`);
      case 'underOneSecond':
        throw new UserInputError(`${flag}: ${given} is under one second (a Lease records whole seconds; expected e.g. 15s)`);
      case 'notBelowLeaseDuration':
        throw new UserInputError(`${flag}: ${given} must be less than ${FLAG.leaseDuration} ${JSON.stringify(text.leaseDuration)} (the leader must give up before others may take over; client-go: leaseDuration must be greater than renewDeadline)`);
      case 'notAboveJitteredRetryPeriod':
        throw new UserInputError(`${flag}: ${given} must be greater than ${JITTER_FACTOR} × ${FLAG.retryPeriod} ${JSON.stringify(text.retryPeriod)} = ${formatGoDuration(JITTER_FACTOR * timings.retryPeriodMs)} (client-go's JitterFactor: renewDeadline must be greater than retryPeriod*JitterFactor)`);
    }
  }
  return { enabled: args['leader-elect'] ?? args['etcd-endpoints'] !== undefined, timings };
}

/** kube's identity for a candidate: "<hostname>_<uuid>" (kube-controller-manager, kube-scheduler). */
export function newLeaderIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

export interface ControlPlaneOptions {
  readonly api: ApiServer;
  /** The process's shared informers (the API server's own users: authentication, event log, metrics, DNS). */
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly seed: number;
  readonly scheduler: boolean;
  readonly kubelets: boolean;
  readonly schedulerConfig?: SchedulerConfiguration;
  /** Absent: every component starts now, on the shared informers. */
  readonly leaderElection?: { readonly identity: string; readonly timings: LeaderElectionTimings };
  /** A line for the user (stdout). */
  readonly info: (line: string) => void;
  /** A line about something that went wrong (stderr). */
  readonly warn: (line: string) => void;
}

export interface RunningControlPlane {
  /** What the scheduler metrics read: the scheduler running in this process, if any (none while another process leads). */
  readonly schedulerMetrics: SchedulerMetricsSource | undefined;
  /** Stops every component (and, under leader election, gives up the Leases this process holds). */
  stop(): Promise<void>;
}

/** One component group: the Lease it runs under, and how to start it on a set of informers. */
interface ComponentGroup {
  readonly lease: string;
  /** source.component of its LeaderElection events (kube-controller-manager's and kube-scheduler's event sources). */
  readonly eventComponent: string;
  /** In the user's words, for log lines ("the scheduler"). */
  readonly what: string;
  start(informers: SharedInformerFactory): Promise<() => void>;
}

/**
 * The scheduler metrics' view of whichever scheduler runs here: under leader election the scheduler is built
 * anew every term, and the metrics registered once must follow it (and read zero while none runs).
 */
class SchedulerRelay implements SchedulerMetricsSource {
  private current: Scheduler | undefined;
  private readonly listeners: AttemptListener[] = [];

  queueCounts(): ReturnType<Scheduler['queueCounts']> {
    return this.current?.queueCounts() ?? { active: 0, backoff: 0, unschedulable: 0, gated: 0, inFlight: 0 };
  }

  addAttemptListener(listener: AttemptListener): void {
    this.listeners.push(listener);
    this.current?.addAttemptListener(listener);
  }

  attach(s: Scheduler): void {
    this.current = s;
    for (const l of this.listeners) s.addAttemptListener(l);
  }

  detach(s: Scheduler): void {
    if (this.current === s) this.current = undefined;
  }
}

/** Starts kube-controller-manager's controllers, the kubelet fleet and the scheduler: now, or each under its Lease. */
export async function startControlPlane(o: ControlPlaneOptions): Promise<RunningControlPlane> {
  const { api, clock, seed } = o;
  const relay = new SchedulerRelay();
  const groups: ComponentGroup[] = [
    {
      lease: KUBE_CONTROLLER_MANAGER_LEASE,
      eventComponent: 'kube-controller-manager',
      what: "kube-controller-manager's controllers",
      async start(informers) {
        const manager = createControllerManager({ api, informers, clock, nodeLifecycle: o.kubelets });
        await manager.start();
        manager.runForever();
        return () => manager.stop();
      },
    },
  ];
  if (o.kubelets) {
    groups.push({
      lease: KUBELET_FLEET_LEASE,
      eventComponent: 'drydock-kubelets',
      what: 'the kubelets',
      async start(informers) {
        const fleet = new KubeletFleet({ api, informers, clock });
        await informers.start();
        return () => fleet.stop();
      },
    });
  }
  if (o.scheduler) {
    groups.push({
      lease: KUBE_SCHEDULER_LEASE,
      // kube-scheduler records leader election under its first profile's schedulerName (default-scheduler).
      eventComponent: o.schedulerConfig?.profiles[0]?.schedulerName ?? 'default-scheduler',
      what: 'the scheduler',
      async start(informers) {
        const scheduler = createScheduler({ api, informers, clock, rng: seededRng(seed + 1), ...(o.schedulerConfig !== undefined ? { config: o.schedulerConfig } : {}) });
        await scheduler.start();
        scheduler.runForever();
        relay.attach(scheduler);
        return () => {
          relay.detach(scheduler);
          scheduler.stop();
        };
      },
    });
  }

  // The shared informers asked for before now (the authenticator's service accounts) start here either way.
  await o.informers.start();
  const election = o.leaderElection;
  if (election === undefined) {
    const stops: (() => void)[] = [];
    for (const g of groups) stops.push(await g.start(o.informers));
    return {
      schedulerMetrics: o.scheduler ? relay : undefined,
      stop: async () => {
        for (const stop of stops.reverse()) stop();
      },
    };
  }

  const t = election.timings;
  o.info(
    `leader election: identity ${election.identity}; leases ${groups.map((g) => `${LEADER_ELECTION_NAMESPACE}/${g.lease}`).join(', ')} ` +
      `(lease duration ${formatGoDuration(t.leaseDurationMs)}, renew deadline ${formatGoDuration(t.renewDeadlineMs)}, retry period ${formatGoDuration(t.retryPeriodMs)})`,
  );
  const runners = groups.map((g, i) => {
    const desc = `${LEADER_ELECTION_NAMESPACE}/${g.lease}`;
    const runner = new LeaderElected({
      api,
      namespace: LEADER_ELECTION_NAMESPACE,
      name: g.lease,
      identity: election.identity,
      clock,
      rng: seededRng(seed + 10 + i),
      timings: t,
      // As kube-scheduler (ReleaseOnCancel: true): a clean stop hands over at once instead of after the lease duration.
      releaseOnCancel: true,
      eventComponent: g.eventComponent,
      log: (line, level) => (level === 'error' ? o.warn(line) : o.info(line)),
      start: async () => {
        // Informers of the group's own, gone with it at the end of the term.
        const informers = new SharedInformerFactory(api);
        try {
          const stop = await g.start(informers);
          return () => {
            stop();
            informers.stop();
          };
        } catch (err) {
          informers.stop();
          throw err;
        }
      },
      onNewLeader: (who) => {
        if (who !== '' && who !== election.identity) o.info(`${desc} is held by ${who}; this process stands by to take over ${g.what}`);
      },
      onLost: () => o.warn(`leaderelection lost for ${desc}: ${g.what} stopped in this process; campaigning again`),
      onStartError: (err) => o.warn(`${desc}: ${g.what} did not start (${err instanceof Error ? err.message : String(err)}); giving the lease up and campaigning again`),
    });
    runner.start();
    return runner;
  });
  return {
    schedulerMetrics: o.scheduler ? relay : undefined,
    stop: async () => {
      await Promise.all(runners.map((r) => r.stop()));
    },
  };
}
