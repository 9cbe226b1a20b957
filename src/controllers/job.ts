// The Job controller (kube-controller-manager pkg/controller/job/job_controller.go), NonIndexed completion
// mode. Per key "namespace/name" it claims the pods the Job selects, keeps
// min(parallelism, completions − succeeded) of them active, and tracks finished pods with the
// batch.kubernetes.io/job-tracking finalizer as upstream does since 1.26: a finished pod's uid goes to
// status.uncountedTerminatedPods, its finalizer is removed, then it is counted in status.succeeded/failed.
// The Job fails when failed > backoffLimit (BackoffLimitExceeded) or it has been active for
// activeDeadlineSeconds (DeadlineExceeded): its active pods are deleted, FailureTarget is set, and Failed
// once no pod is terminating. It completes when succeeded ≥ completions: SuccessCriteriaMet, then Complete
// with completionTime (the delayed terminal conditions of Kubernetes 1.31+). suspend deletes the active pods.
// Events: SuccessfulCreate "Created pod: <name>", SuccessfulDelete "Deleted pod: <name>", Completed "Job
// completed", and a Warning with the failure reason.
//
// Not modelled: Indexed completion mode, podFailurePolicy, successPolicy, backoffLimitPerIndex, and the
// exponential pod backoff between retries (10 s doubling to 6 min): a failed pod is replaced at once.
import type { ApiServer } from '../apiserver/apiserver.js';
import { formatTime, jsonEqual } from '../apiserver/meta.js';
import type { Informer, SharedInformerFactory } from '../apiserver/informer.js';
import type { Json } from '../apiserver/strategy.js';
import type { Job, Pod, WorkloadCondition } from '../api/index.js';
import type { Clock } from '../util/clock.js';
import {
  allSynced,
  BURST_REPLICAS,
  claimCandidates,
  claimObjects,
  controllerRefOf,
  findCondition,
  generateNames,
  involvedObject,
  isPodActive,
  isPodReady,
  isPodTerminating,
  keyOf,
  mergePatchFor,
  NOT_SYNCED_RETRY_MS,
  podFromTemplate,
  selectorMatcher,
  sortForDeletion,
  splitKey,
  timeMs,
} from './controller-utils.js';
import { Controller, NOTHING, type Action, type ReconcileResult, type Reconciler } from './runtime.js';

export const JOB_CONTROLLER_NAME = 'job-controller';
/** batch/v1 JobTrackingFinalizer. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** job_controller.go MaxUncountedPods: uids held in status.uncountedTerminatedPods at most. */
export const MAX_UNCOUNTED_PODS = 500;
const ORPHAN_PREFIX = 'orphan-pod:';

export const JobReasons = {
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  CompletionsReached: 'CompletionsReached',
} as const;

interface UncountedTerminatedPods {
  readonly succeeded?: readonly string[];
  readonly failed?: readonly string[];
}

type JobStatus = NonNullable<Job['status']> & {
  readonly uncountedTerminatedPods?: UncountedTerminatedPods;
  readonly terminating?: number;
};
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const hasTrackingFinalizer = (p: Pod): boolean => p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;

/** IsJobFinished: a Complete or Failed condition is True. */
export function isJobFinished(job: Job): boolean {
  return job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') ?? false;
}

function newCondition(type: string, status: 'True' | 'False', reason: string, message: string, nowMs: number): WorkloadCondition {
  const t = formatTime(nowMs);
  return { type, status, lastProbeTime: t, lastTransitionTime: t, reason, message };
}

/** ensureJobConditionStatus: replace a condition whose status, reason or message differ; add a missing one unless False. */
function ensureCondition(list: readonly WorkloadCondition[], c: WorkloadCondition): { list: WorkloadCondition[]; changed: boolean } {
  const i = list.findIndex((x) => x.type === c.type);
  if (i >= 0) {
    const old = list[i]!;
    if (old.status === c.status && old.reason === c.reason && old.message === c.message) return { list: [...list], changed: false };
    const out = [...list];
    out[i] = c;
    return { list: out, changed: true };
  }
  if (c.status === 'False') return { list: [...list], changed: false };
  return { list: [...list, c], changed: true };
}

const removeFinalizerPatch = { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } };

export interface JobReconcilerOptions {
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
}

export interface JobControllerOptions extends JobReconcilerOptions {
  readonly api: ApiServer;
  readonly onError?: (key: string, err: unknown) => void;
}

export class JobReconciler implements Reconciler {
  readonly name = JOB_CONTROLLER_NAME;
  readonly jobs: Informer<Job>;
  readonly pods: Informer<Pod>;
  private readonly clock: Clock;

  constructor(options: JobReconcilerOptions) {
    this.jobs = options.informers.informer<Job>('jobs');
    this.pods = options.informers.informer<Pod>('pods');
    this.clock = options.clock;
  }

  /** job_controller.go's handlers; pods whose Job is gone (or finished) and still hold the finalizer get "orphan-pod:<key>". */
  watch(enqueue: (key: string) => void): void {
    this.jobs.addEventHandler({
      onAdd: (j) => enqueue(keyOf(j)),
      onUpdate: (_o, j) => enqueue(keyOf(j)),
      onDelete: (j) => {
        enqueue(keyOf(j));
        for (const p of this.pods.byIndex('owner', j.metadata.uid ?? '')) if (hasTrackingFinalizer(p)) enqueue(ORPHAN_PREFIX + keyOf(p));
      },
    });
    const forPod = (pod: Pod) => {
      const ref = controllerRefOf(pod);
      const job = ref?.kind === 'Job' ? this.jobs.get(pod.metadata.namespace, ref.name) : undefined;
      if (ref !== undefined) {
        if (job !== undefined && job.metadata.uid === ref.uid) {
          enqueue(keyOf(job));
          if (isJobFinished(job) && hasTrackingFinalizer(pod)) enqueue(ORPHAN_PREFIX + keyOf(pod));
        } else if (hasTrackingFinalizer(pod)) enqueue(ORPHAN_PREFIX + keyOf(pod));
        return;
      }
      if (hasTrackingFinalizer(pod)) enqueue(ORPHAN_PREFIX + keyOf(pod));
      for (const j of this.jobs.byIndex('namespace', pod.metadata.namespace ?? '')) {
        if (selectorMatcher(j.spec.selector)?.(pod.metadata.labels) === true) enqueue(keyOf(j));
      }
    };
    this.pods.addEventHandler({
      onAdd: forPod,
      onUpdate: (old, pod) => {
        const before = controllerRefOf(old);
        if (before !== undefined && !jsonEqual(before, controllerRefOf(pod))) forPod(old);
        forPod(pod);
      },
      onDelete: forPod,
    });
  }

  reconcile(key: string): ReconcileResult {
    if (!allSynced(this.jobs, this.pods)) return { actions: [], requeueAfterMs: NOT_SYNCED_RETRY_MS };
    if (key.startsWith(ORPHAN_PREFIX)) return this.handleOrphanPod(key.slice(ORPHAN_PREFIX.length));
    const job = this.jobs.getByKey(key);
    if (job === undefined || isJobFinished(job)) return NOTHING;
    const match = selectorMatcher(job.spec.selector);
    if (match === undefined) return NOTHING;
    return new JobSync(job, this.clock.now(), match, this.pods).run();
  }

  /** handleOrphanPod: drop the tracking finalizer of a pod whose Job is gone, not a Job, or finished. */
  private handleOrphanPod(podKey: string): ReconcileResult {
    const pod = this.pods.getByKey(podKey);
    if (pod === undefined || !hasTrackingFinalizer(pod)) return NOTHING;
    const ref = controllerRefOf(pod);
    if (ref !== undefined) {
      if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return NOTHING;
      const job = this.jobs.get(pod.metadata.namespace, ref.name);
      if (job !== undefined && job.metadata.uid === ref.uid && !isJobFinished(job)) return NOTHING;
    }
    const { namespace, name } = splitKey(podKey);
    return { actions: [{ type: 'patch', resource: 'pods', namespace, name, patchType: 'application/strategic-merge-patch+json', patch: removeFinalizerPatch }] };
  }
}

/** One syncJob. */
class JobSync {
  private readonly actions: Action[] = [];
  private readonly pods: Pod[];
  private readonly activePods: Pod[];
  private status: Mutable<JobStatus>;
  private requeueAfterMs: number | undefined;

  constructor(
    private readonly job: Job,
    private readonly now: number,
    match: (labels: Pod['metadata']['labels']) => boolean,
    private readonly podInformer: Informer<Pod>,
  ) {
    const claim = claimObjects(job, 'pods', (p) => match(p.metadata.labels), claimCandidates(podInformer, job), [JOB_TRACKING_FINALIZER]);
    this.actions.push(...claim.actions);
    this.pods = claim.claimed;
    this.activePods = this.pods.filter(isPodActive);
    this.status = { ...(job.status ?? {}) };
  }

  private get spec() {
    return this.job.spec;
  }

  private event(eventType: 'Normal' | 'Warning', reason: string, message: string): void {
    this.actions.push({ type: 'event', involved: involvedObject(this.job), eventType, reason, message });
  }

  /** isPodFailed: Failed, or (default podReplacementPolicy TerminatingOrFailed) being deleted without having succeeded. */
  private isPodFailed(p: Pod): boolean {
    if (p.status?.phase === 'Failed') return true;
    const spec = this.spec as Job['spec'] & { podReplacementPolicy?: string; podFailurePolicy?: unknown };
    if (spec.podReplacementPolicy === 'Failed' || spec.podFailurePolicy !== undefined) return false;
    return p.metadata.deletionTimestamp !== undefined && p.status?.phase !== 'Succeeded';
  }

  run(): ReconcileResult {
    const job = this.job;
    const uncounted = this.status.uncountedTerminatedPods ?? {};
    const uncountedSucceeded = new Set(uncounted.succeeded ?? []);
    const uncountedFailed = new Set(uncounted.failed ?? []);
    const uncountedPod = (p: Pod) => !hasTrackingFinalizer(p) || uncountedSucceeded.has(p.metadata.uid ?? '') || uncountedFailed.has(p.metadata.uid ?? '');
    const newSucceeded = this.pods.filter((p) => !uncountedPod(p) && p.status?.phase === 'Succeeded');
    const newFailed = this.pods.filter((p) => !uncountedPod(p) && this.isPodFailed(p));
    const succeeded = (this.status.succeeded ?? 0) + newSucceeded.length + uncountedSucceeded.size;
    const failed = (this.status.failed ?? 0) + newFailed.length + uncountedFailed.size;
    let active = this.activePods.length;
    let ready = this.activePods.filter(isPodReady).length;
    let terminating = this.pods.filter(isPodTerminating).length;
    const suspended = this.spec.suspend === true;

    if (this.status.startTime === undefined && !suspended) this.status.startTime = formatTime(this.now);

    const backoffLimit = this.spec.backoffLimit ?? 6;
    const conditions = this.status.conditions ?? [];
    // Evaluate the interim conditions of an earlier sync first, then failure, then success.
    let finished: WorkloadCondition | undefined = conditions.find((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True');
    if (finished === undefined) {
      const target = conditions.find((c) => c.type === 'FailureTarget' && c.status === 'True');
      if (target !== undefined) finished = newCondition('Failed', 'True', target.reason ?? '', target.message ?? '', this.now);
    }
    if (finished === undefined) {
      if (failed > backoffLimit || this.pastBackoffLimitOnFailure(backoffLimit)) {
        finished = newCondition('FailureTarget', 'True', JobReasons.BackoffLimitExceeded, 'Job has reached the specified backoff limit', this.now);
      } else if (this.pastActiveDeadline()) {
        finished = newCondition('FailureTarget', 'True', JobReasons.DeadlineExceeded, 'Job was active longer than specified deadline', this.now);
      } else if (this.spec.activeDeadlineSeconds !== undefined && !suspended) {
        const started = timeMs(this.status.startTime) ?? this.now;
        this.requeueAfterMs = Math.max(0, this.spec.activeDeadlineSeconds * 1000 - (this.now - started));
      }
    }

    let suspendCondChanged = false;
    if (finished !== undefined) {
      // deleteActivePods: DELETE keeps the finalizers; tracking below removes them.
      for (const p of this.activePods) this.actions.push({ type: 'delete', resource: 'pods', namespace: p.metadata.namespace ?? 'default', name: p.metadata.name ?? '' });
      terminating += active;
      ready = 0;
      active = 0;
    } else {
      let manageJobCalled = false;
      if (job.metadata.deletionTimestamp === undefined) {
        ({ active, ready, terminating } = this.manageJob(succeeded, active, ready, terminating));
        manageJobCalled = true;
      }
      const completions = this.spec.completions;
      const complete = completions === undefined ? succeeded > 0 && active === 0 : succeeded >= completions && active === 0;
      if (complete) {
        finished = newCondition('SuccessCriteriaMet', 'True', JobReasons.CompletionsReached, 'Reached expected number of succeeded pods', this.now);
      } else if (manageJobCalled) {
        const c = suspended
          ? newCondition('Suspended', 'True', 'JobSuspended', 'Job suspended', this.now)
          : newCondition('Suspended', 'False', 'JobResumed', 'Job resumed', this.now);
        const r = ensureCondition(this.status.conditions ?? [], c);
        if (r.changed) {
          suspendCondChanged = true;
          this.status.conditions = r.list;
          this.event('Normal', suspended ? 'Suspended' : 'Resumed', suspended ? 'Job suspended' : 'Job resumed');
          // ActiveDeadlineSeconds counts continuous activity: resuming restarts the clock.
          if (!suspended) this.status.startTime = formatTime(this.now);
        }
      }
    }

    const needsStatusUpdate = suspendCondChanged || active !== (this.status.active ?? 0) || ready !== this.status.ready || terminating !== this.status.terminating;
    this.setCounter('active', active);
    this.status.ready = ready;
    this.status.terminating = terminating;
    this.trackJobStatusAndRemoveFinalizers(finished, terminating, needsStatusUpdate);
    return this.requeueAfterMs !== undefined ? { actions: this.actions, requeueAfterMs: this.requeueAfterMs } : { actions: this.actions };
  }

  private setCounter(field: 'active' | 'succeeded' | 'failed', n: number): void {
    if (n === 0) delete this.status[field];
    else this.status[field] = n;
  }

  /** pastBackoffLimitOnFailure: restartPolicy OnFailure and the running pods' container restarts reach backoffLimit. */
  private pastBackoffLimitOnFailure(backoffLimit: number): boolean {
    if (this.spec.template.spec.restartPolicy !== 'OnFailure') return false;
    let restarts = 0;
    for (const p of this.pods) {
      if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
      const statuses = [...(p.status?.containerStatuses ?? []), ...(((p.status as Json | undefined)?.['initContainerStatuses'] as Json[] | undefined) ?? [])];
      for (const c of statuses) if (typeof c['restartCount'] === 'number') restarts += c['restartCount'];
    }
    return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit;
  }

  private pastActiveDeadline(): boolean {
    const ads = this.spec.activeDeadlineSeconds;
    const started = timeMs(this.status.startTime);
    if (ads === undefined || started === undefined || this.spec.suspend === true) return false;
    return this.now - started >= ads * 1000;
  }

  /**
   * manageJob: wantActive = completions unset ? (succeeded > 0 ? active : parallelism)
   *                                           : clamp(completions − succeeded, 0, parallelism);
   * delete the surplus in ActivePods order, or create the shortfall, at most 500 per sync.
   */
  private manageJob(succeeded: number, active: number, ready: number, terminating: number): { active: number; ready: number; terminating: number } {
    const job = this.job;
    const parallelism = this.spec.parallelism ?? 1;
    if (this.spec.suspend === true) {
      for (const p of this.activePods) this.deleteJobPod(p);
      return { active: 0, ready: 0, terminating: terminating + active };
    }
    let wantActive: number;
    if (this.spec.completions === undefined) wantActive = succeeded > 0 ? active : parallelism;
    else wantActive = Math.max(0, Math.min(this.spec.completions - succeeded, parallelism));
    const rmAtLeast = Math.max(0, active - wantActive);
    if (rmAtLeast > 0) {
      const victims = sortForDeletion(this.activePods).slice(0, Math.min(rmAtLeast, BURST_REPLICAS));
      for (const p of victims) this.deleteJobPod(p);
      return { active: active - victims.length, ready: ready - victims.filter(isPodReady).length, terminating: terminating + victims.length };
    }
    if (active < wantActive) {
      const diff = Math.min(wantActive - active, BURST_REPLICAS);
      const ns = job.metadata.namespace;
      const names = generateNames(`${job.metadata.name ?? ''}-`, job.metadata.uid ?? '', this.now, diff, (n) => this.podInformer.get(ns, n) !== undefined);
      for (const name of names) {
        this.actions.push({ type: 'create', resource: 'pods', object: podFromTemplate(this.spec.template, job, name, [JOB_TRACKING_FINALIZER]) });
        this.event('Normal', 'SuccessfulCreate', `Created pod: ${name}`);
      }
      return { active: active + diff, ready, terminating };
    }
    return { active, ready, terminating };
  }

  /** deleteJobPods: remove the tracking finalizer, then delete. */
  private deleteJobPod(p: Pod): void {
    const namespace = p.metadata.namespace ?? 'default';
    const name = p.metadata.name ?? '';
    if (hasTrackingFinalizer(p)) this.actions.push({ type: 'patch', resource: 'pods', namespace, name, patchType: 'application/strategic-merge-patch+json', patch: removeFinalizerPatch });
    this.actions.push({ type: 'delete', resource: 'pods', namespace, name });
    this.event('Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  }

  /**
   * trackJobStatusAndRemoveFinalizers: (1) finished pods' uids into uncountedTerminatedPods and the interim
   * condition, written with the Job's resourceVersion; (2) their finalizers removed; (3) the uids moved to
   * the counters and, once nothing is uncounted or terminating, the final condition — written as a merge
   * patch, so it applies after (1) whatever (1) did to the resourceVersion.
   */
  private trackJobStatusAndRemoveFinalizers(finishedIn: WorkloadCondition | undefined, terminating: number, needsFlushIn: boolean): void {
    let finished = finishedIn;
    let needsFlush = needsFlushIn;
    const withFinalizer = new Set(this.pods.filter(hasTrackingFinalizer).map((p) => p.metadata.uid ?? ''));
    if (this.cleanUncounted(withFinalizer)) needsFlush = true;
    const uncounted = this.status.uncountedTerminatedPods ?? {};
    const succeededUids = [...(uncounted.succeeded ?? [])];
    const failedUids = [...(uncounted.failed ?? [])];
    const removeFrom: Pod[] = [];
    let reachedMax = false;
    const jobFailing = finished !== undefined && finished.type !== 'SuccessCriteriaMet';
    for (const pod of this.pods) {
      if (!hasTrackingFinalizer(pod)) continue;
      const uid = pod.metadata.uid ?? '';
      const considerFailed = this.isPodFailed(pod);
      // canRemoveFinalizer
      if (!(this.job.metadata.deletionTimestamp !== undefined || finished !== undefined || pod.status?.phase === 'Succeeded' || considerFailed)) continue;
      removeFrom.push(pod);
      if (pod.status?.phase === 'Succeeded' && !failedUids.includes(uid)) {
        if (!succeededUids.includes(uid)) {
          succeededUids.push(uid);
          needsFlush = true;
        }
      } else if (considerFailed || jobFailing) {
        if (!failedUids.includes(uid)) {
          failedUids.push(uid);
          needsFlush = true;
        }
      }
      if (succeededUids.length + failedUids.length >= MAX_UNCOUNTED_PODS) {
        reachedMax = true;
        break;
      }
    }
    this.setUncounted(succeededUids, failedUids);
    let conditions = [...(this.status.conditions ?? [])];
    if (finished?.type === 'FailureTarget') {
      conditions.push(finished);
      this.status.conditions = conditions;
      needsFlush = true;
      finished = newCondition('Failed', 'True', finished.reason ?? '', finished.message ?? '', this.now);
    }
    if (finished?.type === 'SuccessCriteriaMet') {
      if (findCondition(conditions, 'SuccessCriteriaMet') === undefined) {
        conditions.push(finished);
        this.status.conditions = conditions;
        needsFlush = true;
      }
      finished = newCondition('Complete', 'True', finished.reason ?? '', finished.message ?? '', this.now);
    }

    // flushUncountedAndRemoveFinalizers
    const before = this.job.status ?? {};
    if (needsFlush) {
      this.actions.push({ type: 'update', resource: 'jobs', object: { ...this.job, status: structuredClone(this.status) } as unknown as Json, subresource: 'status' });
      needsFlush = false;
    }
    const flushed = structuredClone(this.status) as Json;
    for (const p of removeFrom) {
      this.actions.push({
        type: 'patch',
        resource: 'pods',
        namespace: p.metadata.namespace ?? 'default',
        name: p.metadata.name ?? '',
        patchType: 'application/strategic-merge-patch+json',
        patch: removeFinalizerPatch,
      });
      withFinalizer.delete(p.metadata.uid ?? '');
    }
    if (this.cleanUncounted(withFinalizer)) needsFlush = true;

    // enactJobFinished: only when nothing is uncounted or terminating any more.
    let jobFinished = false;
    const left = this.status.uncountedTerminatedPods ?? {};
    if (!reachedMax && finished !== undefined && (left.succeeded?.length ?? 0) + (left.failed?.length ?? 0) === 0 && terminating === 0) {
      conditions = ensureCondition(this.status.conditions ?? [], finished).list;
      this.status.conditions = conditions;
      if (finished.type === 'Complete') this.status.completionTime = finished.lastTransitionTime!;
      jobFinished = true;
      needsFlush = true;
    }
    if (needsFlush) {
      const base = this.actions.some((a) => a.type === 'update' && a.resource === 'jobs') ? flushed : (before as Json);
      const patch = mergePatchFor(base, this.status as Json);
      if (Object.keys(patch).length > 0) {
        this.actions.push({
          type: 'patch',
          resource: 'jobs',
          namespace: this.job.metadata.namespace ?? 'default',
          name: this.job.metadata.name ?? '',
          patchType: 'application/merge-patch+json',
          patch: { status: patch },
          subresource: 'status',
        });
      }
      if (jobFinished) {
        if (finished!.type === 'Complete') {
          const completions = this.spec.completions;
          if (completions !== undefined && (this.status.succeeded ?? 0) > completions) {
            this.event('Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
          }
          this.event('Normal', 'Completed', 'Job completed');
        } else {
          this.event('Warning', finished!.reason ?? '', finished!.message ?? '');
        }
      }
    }
  }

  private setUncounted(succeeded: readonly string[], failed: readonly string[]): void {
    this.status.uncountedTerminatedPods = { ...(succeeded.length > 0 ? { succeeded: [...succeeded] } : {}), ...(failed.length > 0 ? { failed: [...failed] } : {}) };
  }

  /** cleanUncountedPodsWithoutFinalizers: uids whose pod lost its finalizer (or is gone) move to the counters. */
  private cleanUncounted(withFinalizer: ReadonlySet<string>): boolean {
    const u = this.status.uncountedTerminatedPods ?? {};
    const s = (u.succeeded ?? []).filter((x) => withFinalizer.has(x));
    const f = (u.failed ?? []).filter((x) => withFinalizer.has(x));
    const movedS = (u.succeeded?.length ?? 0) - s.length;
    const movedF = (u.failed?.length ?? 0) - f.length;
    if (this.status.uncountedTerminatedPods === undefined) this.setUncounted([], []);
    if (movedS === 0 && movedF === 0) return false;
    this.setCounter('succeeded', (this.status.succeeded ?? 0) + movedS);
    this.setCounter('failed', (this.status.failed ?? 0) + movedF);
    this.setUncounted(s, f);
    return true;
  }
}

/** A Job controller on the API server, fed by the shared informers. */
export function newJobController(options: JobControllerOptions): Controller {
  const reconciler = new JobReconciler(options);
  const controller = new Controller({ api: options.api, clock: options.clock, reconciler, ...(options.onError !== undefined ? { onError: options.onError } : {}) });
  reconciler.watch((key) => controller.enqueue(key));
  return controller;
}
