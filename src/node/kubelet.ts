// The kubelet of one simulated node: registers (or adopts) its Node, posts node status and renews its Lease,
// admits the pods bound to it, pulls their images, starts them through a container runtime, reports pod
// status through the API server, restarts crashing containers with CrashLoopBackOff, and finishes graceful
// deletions. Everything runs on the injected clock. Decisions and the timestamps they report are made
// synchronously when a timer fires (so they are exact on a ManualClock however the caller steps time); the
// API writes that follow are queued and applied in order.
//
// Upstream behaviour followed (k8s.io/kubernetes pkg/kubelet): lifecycle/predicate.go (admission: OutOf<res>,
// "Node didn't have enough resource: ..."), kubelet.go rejectPod ("Pod was rejected: "), nodestatus/setters.go
// (condition reasons and messages), nodelease (renew every 0.25 x 40 s), images/image_manager.go (events,
// serialized pulls), prober/worker.go + prober.go (probe timing, thresholds, the Unhealthy event),
// kuberuntime_manager.go computePodActions ("Container <name> failed liveness probe, will be restarted") and
// doBackOff + client-go flowcontrol.Backoff (CrashLoopBackOff), kuberuntime_container.go killContainer and
// setTerminationGracePeriod (grace for a liveness kill), status/generate.go (pod conditions).
//
// Simulation conventions (drydock's own, documented):
// - pod annotation drydock.io/duration-seconds: how long the containers run; absent = until deleted.
// - drydock.io/fail: "true": the containers exit 1 instead of 0.
// - drydock.io/image-size: the size of the pod's images (a quantity, e.g. "250Mi", or bytes); absent =
//   defaultImageSizeBytes. Pull time = size / imagePullBandwidthBytesPerSecond, pulls serialized per node.
// - drydock.io/stop-seconds: how long the containers take to exit after SIGTERM; absent = they do not
//   (a PID 1 without a SIGTERM handler ignores it) and are killed when the grace period ends.
// - drydock.io/liveness-fail-after-seconds: "N": the containers' liveness probes fail from N seconds after
//   each (re)start of the container on; absent = they always pass. Readiness and startup probes always pass.
//
// Probes. Each probe ticks every periodSeconds from the container's start (upstream's worker ticks from when
// it was created, with a random phase after a kubelet restart: drydock fixes the phase at the container start,
// the same for every run). A tick counts when floor(seconds since start) >= initialDelaySeconds and, for
// liveness and readiness, after the startup probe has succeeded (the other workers learn of it through the
// sync loop, so a tick at the same instant does not count yet). A simulated probe answers at once, so
// timeoutSeconds does not move any time. failureThreshold consecutive liveness failures kill the container
// (SIGTERM, then SIGKILL after the probe's terminationGracePeriodSeconds, else the pod's, at least 2 s;
// drydock.io/stop-seconds applies as for a deletion); it then restarts unless restartPolicy is Never, through
// the same CrashLoopBackOff as a crash.
// Not modelled: failing startup or readiness probes, per-container restarts (a pod's containers run, exit
// and restart together, so a liveness kill restarts a pod's other containers too), init containers' own
// statuses (they are pulled and started, and complete at once), PodReadyToStartContainers, eviction under
// node pressure, volumes.
import type { ApiServer } from '../apiserver/apiserver.js';
import { ApiError } from '../apiserver/errors.js';
import type { Informer, SharedInformerFactory } from '../apiserver/informer.js';
import { formatMicroTime, formatTime } from '../apiserver/meta.js';
import { recordEvent } from '../apiserver/record.js';
import type { Json } from '../apiserver/strategy.js';
import {
  milliValue,
  parseQuantity,
  podRequests,
  tryParseQuantity,
  value,
  type Container,
  type Labels,
  type Node,
  type NodeCondition,
  type Pod,
  type PodResourceRequests,
  type ResourceList,
  type RuntimeClass,
  type Taint,
} from '../api/index.js';
import type { Clock, Timer } from '../util/clock.js';
import { DEFAULT_RUNTIME_HANDLER, RUNTIMES, resolveRuntime, type ContainerRuntime, type RuntimeRefusal } from './runtime.js';

// ---- defaults ---------------------------------------------------------------------------------------------

/** Assumption: ~100 MiB/s from the registry (a 1 Gbit/s NIC is ~119 MiB/s). */
export const DEFAULT_IMAGE_PULL_BANDWIDTH = 100 * 1024 * 1024;
/** Assumption: a typical application image of 100 MiB when the pod does not say. */
export const DEFAULT_IMAGE_SIZE_BYTES = 100 * 1024 * 1024;
/** kubelet nodeLeaseDurationSeconds default. */
export const NODE_LEASE_DURATION_SECONDS = 40;
/** nodelease controller: renewInterval = 0.25 x leaseDuration = 10 s. */
export const NODE_LEASE_RENEW_INTERVAL_MS = 10_000;
/** kubelet nodeStatusReportFrequency default: status is posted on change, else every 5 minutes. */
export const NODE_STATUS_REPORT_FREQUENCY_MS = 5 * 60_000;
/** kubelet.go: backOffPeriod 10 s, MaxContainerBackOff 300 s. */
export const CRASH_LOOP_INITIAL_BACKOFF_MS = 10_000;
export const CRASH_LOOP_MAX_BACKOFF_MS = 300_000;
/** kubelet nodeStatusMaxImages default. */
export const NODE_STATUS_MAX_IMAGES = 50;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export const ANNOTATION_DURATION = 'drydock.io/duration-seconds';
export const ANNOTATION_FAIL = 'drydock.io/fail';
export const ANNOTATION_IMAGE_SIZE = 'drydock.io/image-size';
export const ANNOTATION_STOP_SECONDS = 'drydock.io/stop-seconds';
export const ANNOTATION_LIVENESS_FAIL_AFTER = 'drydock.io/liveness-fail-after-seconds';
/** kuberuntime_container.go minimumGracePeriodInSeconds: a killed container always gets this long after SIGTERM. */
export const MINIMUM_GRACE_PERIOD_SECONDS = 2;

const KUBELET_POD_CONDITIONS = new Set(['Initialized', 'ContainersReady', 'Ready']);
const KUBELET_NODE_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;
/**
 * The event each kubelet condition's status change records (nodestatus/setters.go; pkg/kubelet/events):
 * `yes` when the status becomes `when`, `no` otherwise.
 */
const NODE_CONDITION_EVENTS: Readonly<Record<string, { readonly when: string; readonly yes: string; readonly no: string }>> = {
  MemoryPressure: { when: 'True', yes: 'NodeHasInsufficientMemory', no: 'NodeHasSufficientMemory' },
  DiskPressure: { when: 'True', yes: 'NodeHasDiskPressure', no: 'NodeHasNoDiskPressure' },
  PIDPressure: { when: 'True', yes: 'NodeHasInsufficientPID', no: 'NodeHasSufficientPID' },
  Ready: { when: 'True', yes: 'NodeReady', no: 'NodeNotReady' },
};

// ---- options ----------------------------------------------------------------------------------------------

export interface NodeRegistration {
  readonly capacity: ResourceList;
  /** Default: the capacity. */
  readonly allocatable?: ResourceList;
  readonly labels?: Labels;
  /** --register-with-taints. */
  readonly taints?: readonly Taint[];
}

export interface KubeletOptions {
  readonly api: ApiServer;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly nodeName: string;
  /** Create the Node when it does not exist (else an existing Node is adopted, and a missing one is an error). */
  readonly register?: NodeRegistration;
  /** The node's default runtime (pods without runtimeClassName). Default "runc" (containerd). */
  readonly runtimeHandler?: string;
  /** The handlers this node offers. Default: every runtime drydock knows. */
  readonly runtimeHandlers?: readonly string[];
  readonly imagePullBandwidthBytesPerSecond?: number;
  readonly defaultImageSizeBytes?: number;
  /** Default 10.244.N.0/24, N = FNV-1a(node name) mod 256, unless the Node has spec.podCIDR. */
  readonly podCIDR?: string;
  /** Default: the Node's InternalIP, else 10.0.X.Y from the same hash. */
  readonly internalIP?: string;
  readonly kubeletVersion?: string;
  readonly osImage?: string;
  readonly kernelVersion?: string;
  /** Failed API writes (the kubelet carries on, as a kubelet retrying in the background would). */
  readonly onError?: (err: unknown) => void;
  /**
   * Renew the Lease every 10 s and post node status periodically (default true). Long trace replays turn
   * this off: months of simulated time would be billions of lease writes, and without node faults they
   * change nothing (the node lifecycle controller must then be off too, or nodes would go Unknown).
   */
  readonly heartbeats?: boolean;
}

// ---- small helpers ----------------------------------------------------------------------------------------

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`${JSON.stringify(ip)} is not an IPv4 address`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function intToIp(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (ip === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`podCIDR ${JSON.stringify(cidr)} is not an IPv4 CIDR between /8 and /30`);
  const size = 2 ** (32 - prefix);
  return { base: ipToInt(ip) - (ipToInt(ip) % size), size };
}

/** ImageLocality's normalisation: an untagged, undigested image means ":latest". */
export function normalizedImageName(name: string): string {
  const slash = name.lastIndexOf('/');
  const last = name.slice(slash + 1);
  return last.includes(':') || last.includes('@') ? name : `${name}:latest`;
}

/** Go's time.Duration String for whole or fractional milliseconds ("500ms", "1.049s", "2m5s"). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const trim = (x: number) => String(Number(x.toFixed(9)));
  if (ms < 1000) return `${trim(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms - h * 3_600_000) / 60_000);
  const s = (ms - h * 3_600_000 - m * 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${trim(s)}s`;
}

/** A container probe's settings with the API defaults applied (core/v1 Probe). */
export interface ProbeTiming {
  readonly initialDelaySeconds: number;
  readonly periodMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
  /** Probe-level terminationGracePeriodSeconds: the grace of a liveness or startup kill, over the pod's. */
  readonly terminationGracePeriodSeconds: number | undefined;
}

export function probeTiming(probe: Json | undefined): ProbeTiming | undefined {
  if (probe === undefined) return undefined;
  const grace = probe['terminationGracePeriodSeconds'];
  return {
    initialDelaySeconds: Number(probe['initialDelaySeconds'] ?? 0) || 0,
    periodMs: (Number(probe['periodSeconds'] ?? 10) || 10) * 1000,
    successThreshold: Number(probe['successThreshold'] ?? 1) || 1,
    failureThreshold: Number(probe['failureThreshold'] ?? 3) || 3,
    terminationGracePeriodSeconds: grace === undefined || grace === null ? undefined : Number(grace),
  };
}

/**
 * The first tick, in ms after the container started, whose result counts (prober/worker.go doProbe): ticks
 * are at 0, period, 2 x period...; one counts when floor(seconds since start) >= initialDelaySeconds and it
 * comes strictly after `startedMs` (when the startup probe succeeded; -1 without a startup probe).
 */
export function firstCountedProbeMs(t: ProbeTiming, startedMs = -1): number {
  let k = Math.ceil((t.initialDelaySeconds * 1000) / t.periodMs);
  if (k * t.periodMs <= startedMs) k = Math.floor(startedMs / t.periodMs) + 1;
  return k * t.periodMs;
}

/** When a probe that always passes first reports success: its first counted tick plus successThreshold - 1 periods. */
function successMs(t: ProbeTiming, startedMs = -1): number {
  return firstCountedProbeMs(t, startedMs) + (t.successThreshold - 1) * t.periodMs;
}

/** When readiness first passes: probes run at start and every period, results before initialDelay are ignored (prober/worker.go). */
export function readinessDelayMs(probe: Json | undefined): number | undefined {
  const t = probeTiming(probe);
  return t === undefined ? undefined : successMs(t);
}

/** prober.go: the output after "Liveness probe failed: " for a probe of this kind that fails at once. */
function probeFailureOutput(probe: Json, podIp: string | undefined): string {
  const port = (action: unknown) => String((action as Json | undefined)?.['port'] ?? '');
  if (probe['httpGet'] !== undefined) return 'HTTP probe failed with statuscode: 500';
  if (probe['tcpSocket'] !== undefined) return `dial tcp ${podIp ?? ''}:${port(probe['tcpSocket'])}: connect: connection refused`;
  if (probe['grpc'] !== undefined) return 'service unhealthy (responded with "NOT_SERVING")';
  return ''; // exec: the command's (empty) output
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof ApiError && err.code === code;
}

function annotation(pod: Pod, key: string): string | undefined {
  return pod.metadata.annotations?.[key];
}

// ---- per-pod state ----------------------------------------------------------------------------------------

interface Termination {
  readonly exitCode: number;
  readonly reason: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly containerID: string;
}

interface ContainerState {
  readonly name: string;
  readonly image: string;
  readonly readiness: ProbeTiming | undefined;
  readonly liveness: ProbeTiming | undefined;
  readonly livenessProbe: Json | undefined;
  readonly startup: ProbeTiming | undefined;
  state: 'waiting' | 'running' | 'terminated';
  /** containerStatuses[].started: running and past its startup probe. */
  started: boolean;
  waitingReason: string;
  waitingMessage: string | undefined;
  startedAt: number;
  ready: boolean;
  restartCount: number;
  terminated: Termination | undefined;
  lastTerminated: Termination | undefined;
  /** flowcontrol.Backoff entry: current backoff (0 = none) and when it was last advanced. */
  backoffMs: number;
  backoffUpdatedAt: number;
}

interface Step {
  readonly at: number;
  readonly fn: () => void;
  readonly worker: PodWorker | undefined;
  timer: Timer | undefined;
}

type Stage = 'starting' | 'running' | 'backoff' | 'terminating' | 'done';

interface Condition {
  status: 'True' | 'False';
  reason: string | undefined;
  message: string | undefined;
  time: number;
}

interface PodWorker {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  pod: Pod;
  readonly runtime: ContainerRuntime;
  readonly requests: PodResourceRequests;
  readonly containers: ContainerState[];
  readonly initImages: string[];
  stage: Stage;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  startTime: number;
  ipOffset: number | undefined;
  /** Bumped at every (re)start, so timers of an earlier run of the containers do nothing. */
  generation: number;
  readonly steps: Set<Step>;
  readonly conditions: Map<string, Condition>;
}

interface ImageRecord {
  readonly sizeBytes: number;
  readonly readyAt: number;
  present: boolean;
}

// ---- the kubelet ------------------------------------------------------------------------------------------

export class Kubelet {
  readonly nodeName: string;
  readonly defaultRuntime: ContainerRuntime;
  private readonly api: ApiServer;
  private readonly clock: Clock;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly runtimeClasses: Informer<RuntimeClass>;
  private readonly handlers: ReadonlySet<string>;
  private readonly bandwidth: number;
  private readonly defaultImageSize: number;
  private readonly hash: number;

  private running = false;
  private handlersAdded = false;
  private readonly workers = new Map<string, PodWorker>();
  private readonly steps = new Set<Step>();
  private readonly images = new Map<string, ImageRecord>();
  private pullFreeAt = 0;
  private readonly usedIps = new Set<number>();
  private leaseTimer: Timer | undefined;
  private statusTimer: Timer | undefined;
  private chain: Promise<void> = Promise.resolve();
  private podCidr: { base: number; size: number } | undefined;
  private hostIp = '';
  private nodeUid = '';
  /** API writes made and failed, for tests and metrics. */
  readonly stats = { writes: 0, errors: 0 };

  constructor(private readonly options: KubeletOptions) {
    this.nodeName = options.nodeName;
    this.api = options.api;
    this.clock = options.clock;
    this.pods = options.informers.informer<Pod>('pods');
    this.nodes = options.informers.informer<Node>('nodes');
    this.runtimeClasses = options.informers.informer<RuntimeClass>('runtimeclasses');
    const handler = options.runtimeHandler ?? DEFAULT_RUNTIME_HANDLER;
    const resolved = resolveRuntime(handler);
    if (!resolved.ok) throw new Error(`kubelet ${options.nodeName}: runtimeHandler: ${resolved.refusal.message}`);
    this.defaultRuntime = resolved.runtime;
    const handlers = options.runtimeHandlers ?? [...RUNTIMES.keys()];
    for (const h of handlers) {
      const r = resolveRuntime(h);
      if (!r.ok) throw new Error(`kubelet ${options.nodeName}: runtimeHandlers: ${r.refusal.message}`);
    }
    this.handlers = new Set([...handlers, handler]);
    this.bandwidth = options.imagePullBandwidthBytesPerSecond ?? DEFAULT_IMAGE_PULL_BANDWIDTH;
    if (!(this.bandwidth > 0)) throw new Error(`kubelet ${options.nodeName}: imagePullBandwidthBytesPerSecond must be positive, got ${this.bandwidth}`);
    this.defaultImageSize = options.defaultImageSizeBytes ?? DEFAULT_IMAGE_SIZE_BYTES;
    this.hash = fnv1a(options.nodeName);
    if (options.podCIDR !== undefined) this.podCidr = parseCidr(options.podCIDR);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Images present on the node, by normalised name. */
  get imageNames(): string[] {
    return [...this.images].filter(([, r]) => r.present).map(([n]) => n).sort();
  }

  /** Starts (or restarts) the kubelet: registers or adopts the Node, posts status, renews the Lease, resyncs pods. */
  async start(): Promise<void> {
    if (this.running) return;
    await Promise.all([this.pods.start(), this.nodes.start(), this.runtimeClasses.start()]);
    let node = this.nodes.get(undefined, this.nodeName) ?? (await this.api.get<Node>('nodes', undefined, this.nodeName).catch((e: unknown) => (isApiError(e, 404) ? undefined : Promise.reject(e))));
    this.hostIp = this.options.internalIP ?? node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? `10.0.${(this.hash >>> 8) & 255}.${Math.max(1, this.hash & 255)}`;
    if (node === undefined) {
      if (this.options.register === undefined) {
        throw new Error(`kubelet ${this.nodeName}: node "${this.nodeName}" does not exist and registration is off (pass register: { capacity })`);
      }
      // kubelet.go Run: "Starting kubelet." comes before the node is registered.
      this.nodeEvent('Starting', 'Starting kubelet.', this.clock.now());
      node = await this.api.create<Node>('nodes', this.registrationObject(this.options.register));
      this.conditionEvents([], node.status?.conditions ?? [], this.clock.now());
    } else {
      this.nodeEvent('Starting', 'Starting kubelet.', this.clock.now());
    }
    this.nodeUid = node.metadata.uid ?? '';
    this.podCidr ??= node.spec?.podCIDR !== undefined ? parseCidr(node.spec.podCIDR) : { base: ipToInt(`10.244.${this.hash & 255}.0`), size: 256 };

    if (!this.handlersAdded) {
      this.handlersAdded = true;
      this.pods.addEventHandler({
        onAdd: (p) => this.onPod(p),
        onUpdate: (_, p) => this.onPod(p),
        onDelete: (p) => this.onPodDeleted(p),
      });
    }
    this.running = true;
    const now = this.clock.now();
    this.postNodeStatus(now);
    this.renewLease(now);
    if (this.options.heartbeats !== false) {
      this.leaseTimer = this.every(NODE_LEASE_RENEW_INTERVAL_MS, () => this.renewLease(this.clock.now()));
      this.statusTimer = this.every(NODE_STATUS_REPORT_FREQUENCY_MS, () => this.postNodeStatus(this.clock.now()));
    }
    // Timers that were due while the kubelet was stopped run now; later ones at their time.
    for (const step of this.steps) this.arm(step);
    // The kubelet's truth replaces whatever others wrote while it was away (e.g. Ready=False from the node controller).
    for (const w of this.workers.values()) if (w.stage !== 'done') this.writePodStatus(w);
    for (const pod of this.pods.byIndex('nodeName', this.nodeName)) this.onPod(pod);
    await this.idle();
  }

  /** A node that stops responding: no more lease renewals, status updates or pod work until start() again. */
  stop(): void {
    this.running = false;
    this.leaseTimer?.cancel();
    this.statusTimer?.cancel();
    this.leaseTimer = this.statusTimer = undefined;
    for (const step of this.steps) {
      step.timer?.cancel();
      step.timer = undefined;
    }
  }

  /** Resolves when every queued API write has been applied. */
  async idle(): Promise<void> {
    for (;;) {
      const current = this.chain;
      await current;
      if (current === this.chain) return;
    }
  }

  // ---- scheduling work on the clock ---------------------------------------------------------------------

  private every(intervalMs: number, fn: () => void): Timer {
    let timer: Timer;
    const tick = () => {
      if (!this.running) return;
      fn();
      timer = this.clock.setTimer(intervalMs, tick);
    };
    timer = this.clock.setTimer(intervalMs, tick);
    return { cancel: () => timer.cancel() };
  }

  private schedule(worker: PodWorker | undefined, at: number, fn: () => void): void {
    const step: Step = { at, fn, worker, timer: undefined };
    this.steps.add(step);
    worker?.steps.add(step);
    if (this.running) this.arm(step);
  }

  private arm(step: Step): void {
    step.timer?.cancel();
    step.timer = this.clock.setTimer(step.at - this.clock.now(), () => {
      step.timer = undefined;
      this.steps.delete(step);
      step.worker?.steps.delete(step);
      step.fn();
    });
  }

  private cancelSteps(w: PodWorker): void {
    for (const step of w.steps) {
      step.timer?.cancel();
      this.steps.delete(step);
    }
    w.steps.clear();
  }

  private enqueue(write: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      this.stats.writes++;
      try {
        await write();
      } catch (err) {
        this.stats.errors++;
        this.options.onError?.(err);
      }
    });
  }

  // ---- node registration, status and lease ------------------------------------------------------------------

  private registrationObject(reg: NodeRegistration): Json {
    const labels = {
      'kubernetes.io/hostname': this.nodeName,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': 'amd64',
      ...reg.labels,
    };
    const status = this.nodeStatus(this.clock.now(), undefined);
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.nodeName, labels },
      spec: { ...(this.options.podCIDR !== undefined ? { podCIDR: this.options.podCIDR, podCIDRs: [this.options.podCIDR] } : {}), ...(reg.taints !== undefined ? { taints: reg.taints } : {}) },
      status: { ...status, capacity: reg.capacity, allocatable: reg.allocatable ?? reg.capacity },
    };
  }

  /** The status the kubelet reports (nodestatus/setters.go), merged into `current` when given. */
  private nodeStatus(now: number, current: Node | undefined): Json {
    const time = formatTime(now);
    const previous = current?.status?.conditions ?? [];
    const condition = (type: string, status: 'True' | 'False', reason: string, message: string) => {
      const old = previous.find((c) => c.type === type);
      return { type, status, lastHeartbeatTime: time, lastTransitionTime: old !== undefined && old.status === status && old.lastTransitionTime !== undefined ? old.lastTransitionTime : time, reason, message };
    };
    const ours = [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ];
    const others = previous.filter((c) => !(KUBELET_NODE_CONDITIONS as readonly string[]).includes(c.type));
    const images = [...this.images]
      .filter(([, r]) => r.present)
      .map(([name, r]) => ({ names: [name], sizeBytes: r.sizeBytes }))
      .sort((a, b) => b.sizeBytes - a.sizeBytes || (a.names[0]! < b.names[0]! ? -1 : 1))
      .slice(0, NODE_STATUS_MAX_IMAGES);
    const labels = current?.metadata.labels ?? {};
    return {
      ...(current?.status ?? {}),
      conditions: [...others, ...ours],
      addresses: [
        { type: 'InternalIP', address: this.hostIp },
        { type: 'Hostname', address: this.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: (this.hash >>> 0).toString(16).padStart(8, '0').repeat(4),
        systemUUID: (this.hash >>> 0).toString(16).padStart(8, '0').repeat(4),
        bootID: (fnv1a(`${this.nodeName}/boot`) >>> 0).toString(16).padStart(8, '0').repeat(4),
        kernelVersion: this.options.kernelVersion ?? '6.8.0-1021-aws',
        osImage: this.options.osImage ?? 'Ubuntu 24.04.1 LTS',
        containerRuntimeVersion: this.defaultRuntime.version,
        kubeletVersion: this.options.kubeletVersion ?? 'v1.32.0',
        kubeProxyVersion: '',
        operatingSystem: labels['kubernetes.io/os'] ?? 'linux',
        architecture: labels['kubernetes.io/arch'] ?? 'amd64',
      },
      images,
      runtimeHandlers: [...this.handlers].sort().map((name) => ({ name, features: { recursiveReadOnlyMounts: true, userNamespaces: false } })),
    };
  }

  private postNodeStatus(now: number): void {
    this.enqueue(async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const node = await this.api.get<Node>('nodes', undefined, this.nodeName);
        try {
          const updated = await this.api.update<Node>('nodes', { ...node, status: this.nodeStatus(now, node) }, { subresource: 'status' });
          this.conditionEvents(node.status?.conditions ?? [], updated.status?.conditions ?? [], now);
          return;
        } catch (err) {
          if (!isApiError(err, 409)) throw err;
        }
      }
    });
  }

  private renewLease(now: number): void {
    const spec = { holderIdentity: this.nodeName, leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS, renewTime: formatMicroTime(now) };
    this.enqueue(async () => {
      try {
        await this.api.patch('leases', NODE_LEASE_NAMESPACE, this.nodeName, 'application/merge-patch+json', { spec });
      } catch (err) {
        if (!isApiError(err, 404)) throw err;
        await this.api.create('leases', {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name: this.nodeName,
            namespace: NODE_LEASE_NAMESPACE,
            ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.nodeUid }],
          },
          spec,
        });
      }
    });
  }

  // ---- events -----------------------------------------------------------------------------------------------

  private event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string, at: number, fieldPath?: string): void {
    const involved = {
      apiVersion: 'v1',
      kind: 'Pod',
      name: pod.metadata.name ?? '',
      namespace: pod.metadata.namespace ?? 'default',
      ...(pod.metadata.uid !== undefined ? { uid: pod.metadata.uid } : {}),
      ...(fieldPath !== undefined ? { fieldPath } : {}),
    };
    this.enqueue(async () => {
      await recordEvent(this.api, { involved, type, reason, message, at, component: 'kubelet', host: this.nodeName });
    });
  }

  /** An event about this kubelet's node (kubelet.go nodeRef: kind Node, uid = the node's name). */
  private nodeEvent(reason: string, message: string, at: number): void {
    const involved = { kind: 'Node', name: this.nodeName, uid: this.nodeName };
    this.enqueue(async () => {
      await recordEvent(this.api, { involved, type: 'Normal', reason, message, at, component: 'kubelet', host: this.nodeName });
    });
  }

  /**
   * nodestatus/setters.go: each of the kubelet's conditions that is new or changed status gets an event,
   * "Node <name> status is now: <event>" (kubelet_node_status.go recordNodeStatusEvent).
   */
  private conditionEvents(before: readonly NodeCondition[], after: readonly NodeCondition[], at: number): void {
    for (const c of after) {
      const names = NODE_CONDITION_EVENTS[c.type];
      if (names === undefined || before.find((b) => b.type === c.type)?.status === c.status) continue;
      const reason = c.status === names.when ? names.yes : names.no;
      this.nodeEvent(reason, `Node ${this.nodeName} status is now: ${reason}`, at);
    }
  }

  // ---- pod events -------------------------------------------------------------------------------------------

  private onPod(pod: Pod): void {
    if (!this.running || pod.spec.nodeName !== this.nodeName) return;
    const uid = pod.metadata.uid ?? '';
    const w = this.workers.get(uid);
    if (w !== undefined) w.pod = pod;
    if (pod.metadata.deletionTimestamp !== undefined) {
      if (w === undefined) this.deletePod(pod);
      else if (w.stage !== 'terminating') this.terminate(w);
      return;
    }
    if (w !== undefined) return;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    this.admit(pod);
  }

  private onPodDeleted(pod: Pod): void {
    const w = this.workers.get(pod.metadata.uid ?? '');
    if (w === undefined) return;
    this.cancelSteps(w);
    this.releaseIp(w);
    this.workers.delete(w.uid);
  }

  // ---- admission --------------------------------------------------------------------------------------------

  private runtimeFor(pod: Pod): { ok: true; runtime: ContainerRuntime } | { ok: false; refusal: RuntimeRefusal } {
    const className = pod.spec.runtimeClassName;
    if (className === undefined || className === '') return { ok: true, runtime: this.defaultRuntime };
    const rc = this.runtimeClasses.get(undefined, className);
    if (rc === undefined) {
      return { ok: false, refusal: { handler: '', reason: 'FailedCreatePodSandBox', message: `Failed to create pod sandbox: RuntimeClass ${JSON.stringify(className)} not found` } };
    }
    return resolveRuntime(rc.handler, this.handlers);
  }

  /**
   * Re-checks the pod against what the node can hold (lifecycle/predicate.go, through the scheduler's
   * fitsRequest): pod count first, then cpu, memory, ephemeral-storage and other resources the node lists,
   * against allocatable minus the requests of the pods already admitted. Returns the first failure.
   */
  private admissionFailure(requests: PodResourceRequests): { reason: string; message: string } | undefined {
    const node = this.nodes.get(undefined, this.nodeName);
    const allocatable = node?.status?.allocatable ?? {};
    const active = [...this.workers.values()].filter((w) => w.stage !== 'done');
    const insufficient = (name: string, requested: number, used: number, capacity: number) => ({
      reason: `OutOf${name}`,
      message: `Node didn't have enough resource: ${name}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
    });
    const allowedPods = allocatable['pods'] !== undefined ? value(parseQuantity(allocatable['pods'])) : 110;
    if (active.length + 1 > allowedPods) return insufficient('pods', 1, active.length, allowedPods);
    const used = (name: string) => active.reduce((sum, w) => sum + (w.requests[name] ?? 0), 0);
    const names = ['cpu', 'memory', 'ephemeral-storage', ...Object.keys(requests).filter((n) => n !== 'cpu' && n !== 'memory' && n !== 'ephemeral-storage').sort()];
    for (const name of names) {
      const requested = requests[name] ?? 0;
      if (requested <= 0) continue;
      const text = allocatable[name];
      // removeMissingExtendedResources: resources the node does not list are not checked by the kubelet.
      if (text === undefined && name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage') continue;
      const q = text !== undefined ? tryParseQuantity(text) : undefined;
      const capacity = q === undefined ? 0 : name === 'cpu' ? milliValue(q) : value(q);
      const inUse = used(name);
      if (requested > capacity - inUse) return insufficient(name, requested, inUse, capacity);
    }
    return undefined;
  }

  private reject(pod: Pod, reason: string, message: string, now: number): void {
    const w = this.newWorker(pod, this.defaultRuntime, { cpu: 0, memory: 0, 'ephemeral-storage': 0 }, now);
    w.stage = 'done';
    w.phase = 'Failed';
    this.workers.set(w.uid, w);
    this.event(pod, 'Warning', reason, message.replace(/^Pod was rejected: /, ''), now);
    this.enqueuePodStatus(w, { phase: 'Failed', reason, message }, []);
  }

  private newWorker(pod: Pod, runtime: ContainerRuntime, requests: PodResourceRequests, now: number): PodWorker {
    const probe = (c: Container, key: string) => (c as unknown as Json)[key] as Json | undefined;
    const containers = pod.spec.containers.map(
      (c: Container): ContainerState => ({
        name: c.name,
        image: c.image ?? '',
        readiness: probeTiming(probe(c, 'readinessProbe')),
        liveness: probeTiming(probe(c, 'livenessProbe')),
        livenessProbe: probe(c, 'livenessProbe'),
        startup: probeTiming(probe(c, 'startupProbe')),
        state: 'waiting',
        started: false,
        waitingReason: 'ContainerCreating',
        waitingMessage: undefined,
        startedAt: 0,
        ready: false,
        restartCount: 0,
        terminated: undefined,
        lastTerminated: undefined,
        backoffMs: 0,
        backoffUpdatedAt: 0,
      }),
    );
    return {
      uid: pod.metadata.uid ?? '',
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name ?? '',
      pod,
      runtime,
      requests,
      containers,
      initImages: (pod.spec.initContainers ?? []).map((c) => c.image ?? ''),
      stage: 'starting',
      phase: 'Pending',
      startTime: now,
      ipOffset: undefined,
      generation: 0,
      steps: new Set(),
      conditions: new Map(),
    };
  }

  private admit(pod: Pod): void {
    const now = this.clock.now();
    const runtime = this.runtimeFor(pod);
    if (!runtime.ok) return this.reject(pod, runtime.refusal.reason, runtime.refusal.message, now);
    const requests = podRequests(pod.spec);
    const failure = this.admissionFailure(requests);
    if (failure !== undefined) return this.reject(pod, failure.reason, `Pod was rejected: ${failure.message}`, now);

    const w = this.newWorker(pod, runtime.runtime, requests, now);
    this.workers.set(w.uid, w);
    if (pod.spec.hostNetwork !== true) this.allocateIp(w);
    this.setCondition(w, 'Initialized', w.initImages.length === 0, now, 'ContainersNotInitialized', `containers with incomplete status: [${(pod.spec.initContainers ?? []).map((c) => c.name).join(' ')}]`);
    this.updateReadiness(w, now);
    this.writePodStatus(w);
    // RunPodSandbox, then the images (serialized per node), then the containers.
    this.schedule(w, now + runtime.runtime.sandboxStartMs, () => this.pullNext(w, 0));
  }

  // ---- IPs --------------------------------------------------------------------------------------------------

  private allocateIp(w: PodWorker): void {
    const cidr = this.podCidr!;
    // .0 is the network, .1 the bridge/gateway, the last address the broadcast: pods take the lowest free other one.
    for (let offset = 2; offset < cidr.size - 1; offset++) {
      if (!this.usedIps.has(offset)) {
        this.usedIps.add(offset);
        w.ipOffset = offset;
        return;
      }
    }
    throw new Error(`kubelet ${this.nodeName}: pod CIDR ${intToIp(cidr.base)} is out of addresses`);
  }

  private releaseIp(w: PodWorker): void {
    if (w.ipOffset !== undefined) this.usedIps.delete(w.ipOffset);
  }

  private podIp(w: PodWorker): string | undefined {
    if (w.pod.spec.hostNetwork === true) return this.hostIp;
    return w.ipOffset === undefined ? undefined : intToIp(this.podCidr!.base + w.ipOffset);
  }

  // ---- images -----------------------------------------------------------------------------------------------

  private imageSize(pod: Pod): number {
    const text = annotation(pod, ANNOTATION_IMAGE_SIZE);
    if (text === undefined) return this.defaultImageSize;
    const q = tryParseQuantity(text);
    return q === undefined ? this.defaultImageSize : Math.max(0, value(q));
  }

  private pullNext(w: PodWorker, i: number): void {
    const images = [...w.initImages, ...w.containers.map((c) => c.image)];
    const now = this.clock.now();
    if (i >= images.length) return this.startContainers(w, now);
    const raw = images[i]!;
    const name = normalizedImageName(raw);
    const record = this.images.get(name);
    if (record?.present) {
      this.event(w.pod, 'Normal', 'Pulled', `Container image ${JSON.stringify(raw)} already present on machine`, now);
      return this.pullNext(w, i + 1);
    }
    if (record !== undefined) {
      // Another pod is pulling it: wait for that pull (the image manager's serialized puller).
      this.schedule(w, record.readyAt, () => this.pullNext(w, i));
      return;
    }
    const size = this.imageSize(w.pod);
    const duration = w.runtime.pullImageMs(size, this.bandwidth);
    const start = Math.max(now, this.pullFreeAt);
    const done = start + duration;
    this.pullFreeAt = done;
    const rec: ImageRecord = { sizeBytes: size, readyAt: done, present: false };
    this.images.set(name, rec);
    const pod = w.pod;
    const pulling = () => this.event(pod, 'Normal', 'Pulling', `Pulling image ${JSON.stringify(raw)}`, start);
    if (start === now) pulling();
    else this.schedule(undefined, start, pulling);
    // The pull is the node's: it completes even if the pod goes away meanwhile.
    this.schedule(undefined, done, () => {
      rec.present = true;
      this.postNodeStatus(done);
    });
    this.schedule(w, done, () => {
      this.event(pod, 'Normal', 'Pulled', `Successfully pulled image ${JSON.stringify(raw)} in ${goDuration(duration)} (${goDuration(done - now)} including waiting). Image size: ${size} bytes.`, done);
      this.pullNext(w, i + 1);
    });
  }

  // ---- containers -------------------------------------------------------------------------------------------

  private containerId(w: PodWorker, c: ContainerState): string {
    const scheme = w.runtime.version.split('://')[0] ?? 'containerd';
    const h = (s: string) => (fnv1a(s) >>> 0).toString(16).padStart(8, '0');
    const seed = `${w.uid}/${c.name}/${c.restartCount}`;
    return `${scheme}://${h(seed)}${h(seed + '1')}${h(seed + '2')}${h(seed + '3')}${h(seed + '4')}${h(seed + '5')}${h(seed + '6')}${h(seed + '7')}`;
  }

  private startContainers(w: PodWorker, now: number): void {
    // CreateContainer + StartContainer, one container after another (init containers first, completing at once).
    const count = w.initImages.length + w.containers.length;
    this.schedule(w, now + count * w.runtime.containerStartMs, () => this.containersStarted(w, false));
  }

  private containersStarted(w: PodWorker, restarted: boolean): void {
    const now = this.clock.now();
    const generation = ++w.generation;
    w.stage = 'running';
    w.phase = 'Running';
    for (const c of w.containers) {
      if (restarted) c.restartCount++;
      c.state = 'running';
      c.startedAt = now;
      c.terminated = undefined;
      c.started = c.startup === undefined;
      c.ready = c.started && (c.readiness === undefined || successMs(c.readiness) === 0);
      this.event(w.pod, 'Normal', 'Created', `Created container: ${c.name}`, now, `spec.containers{${c.name}}`);
      this.event(w.pod, 'Normal', 'Started', `Started container ${c.name}`, now, `spec.containers{${c.name}}`);
    }
    this.setCondition(w, 'Initialized', true, now);
    this.updateReadiness(w, now);
    this.writePodStatus(w);
    const current = () => w.generation === generation;
    const failAfter = Number(annotation(w.pod, ANNOTATION_LIVENESS_FAIL_AFTER));
    const livenessFailsAfterMs = annotation(w.pod, ANNOTATION_LIVENESS_FAIL_AFTER) !== undefined && Number.isFinite(failAfter) && failAfter >= 0 ? failAfter * 1000 : undefined;
    for (const c of w.containers) {
      // The startup probe always passes: at its first counted tick (successThreshold is 1 for startup).
      const startedMs = c.startup === undefined ? -1 : successMs(c.startup);
      if (c.startup !== undefined) {
        this.schedule(w, now + startedMs, () => {
          if (!current()) return;
          c.started = true;
          c.ready = c.readiness === undefined;
          this.updateReadiness(w, this.clock.now());
          this.writePodStatus(w);
        });
      }
      if (c.readiness !== undefined && (c.startup !== undefined || successMs(c.readiness) > 0)) {
        this.schedule(w, now + successMs(c.readiness, startedMs), () => {
          if (!current()) return;
          c.ready = true;
          this.updateReadiness(w, this.clock.now());
          this.writePodStatus(w);
        });
      }
      if (c.liveness !== undefined && c.livenessProbe !== undefined && livenessFailsAfterMs !== undefined) {
        // The probe passes until livenessFailsAfterMs and fails from then on, so the failures that count are
        // the ticks from the first counted one at or after that time; the failureThreshold-th kills.
        const { periodMs, failureThreshold } = c.liveness;
        const firstFailure = Math.max(firstCountedProbeMs(c.liveness, startedMs), Math.ceil(livenessFailsAfterMs / periodMs) * periodMs);
        const livenessProbe = c.livenessProbe;
        for (let i = 1; i <= failureThreshold; i++) {
          this.schedule(w, now + firstFailure + (i - 1) * periodMs, () => {
            if (!current()) return;
            const at = this.clock.now();
            this.event(w.pod, 'Warning', 'Unhealthy', `Liveness probe failed: ${probeFailureOutput(livenessProbe, this.podIp(w))}`, at, `spec.containers{${c.name}}`);
            if (i === failureThreshold) this.killForLiveness(w, c, at);
          });
        }
      }
    }
    const duration = Number(annotation(w.pod, ANNOTATION_DURATION));
    if (annotation(w.pod, ANNOTATION_DURATION) !== undefined && Number.isFinite(duration) && duration >= 0) {
      this.schedule(w, now + duration * 1000, () => {
        if (w.generation === generation) this.containersExited(w);
      });
    }
  }

  /**
   * A container failed failureThreshold liveness probes in a row (computePodActions + killContainer): SIGTERM
   * now, and the containers stop after min(grace, drydock.io/stop-seconds), exiting 0, or 137 when SIGKILLed
   * at the end of the grace period. Unless restartPolicy is Never they then restart, whatever the exit code.
   */
  private killForLiveness(w: PodWorker, c: ContainerState, now: number): void {
    const restart = (w.pod.spec.restartPolicy ?? 'Always') !== 'Never';
    this.event(w.pod, 'Normal', 'Killing', `Container ${c.name} failed liveness probe${restart ? ', will be restarted' : ''}`, now, `spec.containers{${c.name}}`);
    // The run's other timers (readiness, the duration exit, other probes) stop: the container is being killed.
    const generation = ++w.generation;
    const grace = Math.max(MINIMUM_GRACE_PERIOD_SECONDS, c.liveness?.terminationGracePeriodSeconds ?? w.pod.spec.terminationGracePeriodSeconds ?? 30);
    const stopText = annotation(w.pod, ANNOTATION_STOP_SECONDS);
    const stopSeconds = stopText === undefined ? undefined : Number(stopText);
    const exitsInTime = stopSeconds !== undefined && Number.isFinite(stopSeconds) && stopSeconds <= grace;
    this.schedule(w, now + (exitsInTime ? stopSeconds * 1000 : grace * 1000), () => {
      if (w.generation === generation) this.containersExited(w, { exitCode: exitsInTime ? 0 : 137, restart });
    });
  }

  /** The containers finish their run (or are killed): the pod completes, or they restart after CrashLoopBackOff. */
  private containersExited(w: PodWorker, killed?: { exitCode: number; restart: boolean }): void {
    const now = this.clock.now();
    const exitCode = killed?.exitCode ?? (annotation(w.pod, ANNOTATION_FAIL) === 'true' ? 1 : 0);
    const reason = exitCode === 0 ? 'Completed' : 'Error';
    for (const c of w.containers) {
      c.terminated = { exitCode, reason, startedAt: c.startedAt, finishedAt: now, containerID: this.containerId(w, c) };
      c.state = 'terminated';
      c.ready = false;
      c.started = false;
    }
    const policy = w.pod.spec.restartPolicy ?? 'Always';
    const restart = killed?.restart ?? (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0));
    if (!restart) {
      w.stage = 'done';
      w.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
      this.releaseIp(w);
      this.updateReadiness(w, now);
      this.writePodStatus(w);
      return;
    }
    // flowcontrol.Backoff as doBackOff uses it: a container with no backoff entry (or one idle for more than
    // 2 x max) restarts at once; otherwise it waits the entry's current backoff from its finish time.
    let delay = 0;
    for (const c of w.containers) {
      const expired = c.backoffMs > 0 && now - c.backoffUpdatedAt > 2 * CRASH_LOOP_MAX_BACKOFF_MS;
      if (c.backoffMs > 0 && !expired) delay = Math.max(delay, c.backoffMs);
    }
    w.stage = 'backoff';
    for (const c of w.containers) {
      if (delay > 0) {
        c.lastTerminated = c.terminated;
        c.state = 'waiting';
        c.waitingReason = 'CrashLoopBackOff';
        c.waitingMessage = `back-off ${goDuration(delay)} restarting failed container=${c.name} pod=${w.name}_${w.namespace}(${w.uid})`;
        this.event(w.pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${w.name}_${w.namespace}(${w.uid})`, now, `spec.containers{${c.name}}`);
      }
    }
    this.updateReadiness(w, now);
    this.writePodStatus(w);
    this.schedule(w, now + delay, () => {
      const at = this.clock.now();
      for (const c of w.containers) {
        // Backoff.Next: a fresh (or expired) entry starts at the initial backoff, otherwise it doubles, capped.
        const expired = c.backoffMs > 0 && at - c.backoffUpdatedAt > 2 * CRASH_LOOP_MAX_BACKOFF_MS;
        c.backoffMs = c.backoffMs === 0 || expired ? CRASH_LOOP_INITIAL_BACKOFF_MS : Math.min(2 * c.backoffMs, CRASH_LOOP_MAX_BACKOFF_MS);
        c.backoffUpdatedAt = at;
        if (c.terminated !== undefined) c.lastTerminated = c.terminated;
        c.state = 'waiting';
        c.waitingReason = 'ContainerCreating';
        c.waitingMessage = undefined;
      }
      this.schedule(w, at + w.containers.length * w.runtime.containerStartMs, () => this.containersStarted(w, true));
    });
  }

  // ---- graceful deletion -----------------------------------------------------------------------------------

  /**
   * A pod marked for deletion: its running containers get SIGTERM and stop after min(grace, time to stop);
   * then the pod is reported terminal and deleted with gracePeriodSeconds 0 (what ends `kubectl delete pod`).
   */
  private terminate(w: PodWorker): void {
    const now = this.clock.now();
    this.cancelSteps(w);
    const running = w.containers.filter((c) => c.state === 'running');
    if (w.stage === 'done' || running.length === 0) {
      w.stage = 'terminating';
      this.releaseIp(w);
      this.deletePod(w.pod);
      return;
    }
    w.stage = 'terminating';
    const grace = w.pod.metadata.deletionGracePeriodSeconds ?? w.pod.spec.terminationGracePeriodSeconds ?? 30;
    const stopText = annotation(w.pod, ANNOTATION_STOP_SECONDS);
    const stopSeconds = stopText === undefined ? undefined : Number(stopText);
    const exitsInTime = stopSeconds !== undefined && Number.isFinite(stopSeconds) && stopSeconds <= grace;
    const stopMs = exitsInTime ? stopSeconds * 1000 : grace * 1000;
    for (const c of running) this.event(w.pod, 'Normal', 'Killing', `Stopping container ${c.name}`, now, `spec.containers{${c.name}}`);
    this.schedule(w, now + stopMs, () => {
      const at = this.clock.now();
      // Exited on SIGTERM with 0, or killed with SIGKILL when the grace period ran out (128 + 9).
      const exitCode = exitsInTime ? 0 : 137;
      for (const c of w.containers) {
        if (c.state === 'running') {
          c.terminated = { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: c.startedAt, finishedAt: at, containerID: this.containerId(w, c) };
        }
        c.state = 'terminated';
        c.ready = false;
      }
      w.phase = w.containers.every((c) => c.terminated === undefined || c.terminated.exitCode === 0) ? 'Succeeded' : 'Failed';
      this.releaseIp(w);
      this.updateReadiness(w, at);
      this.writePodStatus(w);
      this.deletePod(w.pod);
    });
  }

  private deletePod(pod: Pod): void {
    const { namespace, name, uid } = pod.metadata;
    this.enqueue(async () => {
      try {
        await this.api.delete('pods', namespace, name ?? '', { gracePeriodSeconds: 0, ...(uid !== undefined ? { preconditions: { uid } } : {}) });
      } catch (err) {
        if (!isApiError(err, 404) && !isApiError(err, 409)) throw err;
      }
    });
  }

  // ---- pod status -------------------------------------------------------------------------------------------

  private setCondition(w: PodWorker, type: string, ok: boolean, now: number, reason?: string, message?: string): void {
    const status = ok ? 'True' : 'False';
    const old = w.conditions.get(type);
    w.conditions.set(type, {
      status,
      reason: ok ? undefined : reason,
      message: ok ? undefined : message,
      time: old !== undefined && old.status === status ? old.time : now,
    });
  }

  /** ContainersReady and Ready (status/generate.go): PodCompleted for a succeeded pod, else the unready list. */
  private updateReadiness(w: PodWorker, now: number): void {
    const unready = w.containers.filter((c) => !c.ready).map((c) => c.name);
    const completed = w.phase === 'Succeeded';
    const reason = completed ? 'PodCompleted' : 'ContainersNotReady';
    const message = completed ? undefined : `containers with unready status: [${unready.join(' ')}]`;
    this.setCondition(w, 'ContainersReady', unready.length === 0 && !completed, now, reason, message);
    this.setCondition(w, 'Ready', unready.length === 0 && !completed, now, reason, message);
  }

  private containerStatus(w: PodWorker, c: ContainerState): Json {
    const terminated = (t: Termination) => ({
      terminated: { exitCode: t.exitCode, reason: t.reason, startedAt: formatTime(t.startedAt), finishedAt: formatTime(t.finishedAt), containerID: t.containerID },
    });
    let state: Json;
    if (c.state === 'running') state = { running: { startedAt: formatTime(c.startedAt) } };
    else if (c.state === 'terminated' && c.terminated !== undefined) state = terminated(c.terminated);
    else state = { waiting: { reason: c.waitingReason, ...(c.waitingMessage !== undefined ? { message: c.waitingMessage } : {}) } };
    const started = c.state === 'running' || c.terminated !== undefined || c.lastTerminated !== undefined;
    return {
      name: c.name,
      image: c.image,
      imageID: '',
      ...(started ? { containerID: this.containerId(w, c) } : {}),
      state,
      lastState: c.lastTerminated !== undefined ? terminated(c.lastTerminated) : {},
      ready: c.ready,
      restartCount: c.restartCount,
      started: c.state === 'running' && c.started,
    };
  }

  private writePodStatus(w: PodWorker): void {
    const conditions = ['Initialized', 'Ready', 'ContainersReady'].flatMap((type) => {
      const c = w.conditions.get(type);
      if (c === undefined) return [];
      return [{ type, status: c.status, lastProbeTime: null, lastTransitionTime: formatTime(c.time), ...(c.reason !== undefined ? { reason: c.reason } : {}), ...(c.message !== undefined ? { message: c.message } : {}) }];
    });
    const podIP = this.podIp(w);
    const status: Json = {
      phase: w.phase,
      hostIP: this.hostIp,
      hostIPs: [{ ip: this.hostIp }],
      ...(podIP !== undefined && w.phase !== 'Pending' ? { podIP, podIPs: [{ ip: podIP }] } : {}),
      startTime: formatTime(w.startTime),
      containerStatuses: w.containers.map((c) => this.containerStatus(w, c)),
    };
    this.enqueuePodStatus(w, status, conditions);
  }

  /** Writes the status over the latest pod, keeping conditions the kubelet does not own (PodScheduled, DisruptionTarget). */
  private enqueuePodStatus(w: PodWorker, status: Json, conditions: Json[]): void {
    const { namespace, name, uid } = w;
    this.enqueue(async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        let latest: Pod;
        try {
          latest = await this.api.get<Pod>('pods', namespace, name);
        } catch (err) {
          if (isApiError(err, 404)) return;
          throw err;
        }
        if (latest.metadata.uid !== uid) return;
        const kept = (latest.status?.conditions ?? []).filter((c) => !KUBELET_POD_CONDITIONS.has(c.type));
        try {
          await this.api.update('pods', { ...latest, status: { ...latest.status, ...status, conditions: [...kept, ...conditions] } }, { subresource: 'status' });
          return;
        } catch (err) {
          if (isApiError(err, 404)) return;
          if (!isApiError(err, 409)) throw err;
        }
      }
    });
  }
}

export function createKubelet(options: KubeletOptions): Kubelet {
  return new Kubelet(options);
}
