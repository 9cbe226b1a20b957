// One virtual cluster on a manual clock: the API server and its store, the scheduler, kube-controller-manager,
// the cloud-controller-manager, a simulated cloud whose VMs become Nodes with a kubelet each, and the
// node-pool autoscaler. Everything talks through the API server and reads through one informer factory;
// time moves only when the caller advances it. This is the world `drydock simulate` runs workloads in.
import { ApiServer } from '../apiserver/apiserver.js';
import { SharedInformerFactory } from '../apiserver/informer.js';
import type { Node, Pod } from '../api/index.js';
import { createCloudControllerManager, type CloudControllerManager } from '../cloud/ccm.js';
import { nodeTemplate, type ClusterAutoscalerSettings, type ResolvedNodePool } from '../cloud/nodepool.js';
import { SimCloud, type SimInstance } from '../cloud/simcloud.js';
import { Autoscaler, DEFAULT_AUTOSCALER_SETTINGS, type AutoscalerSettings } from '../controllers/autoscaler/index.js';
import { createControllerManager, type ControllerManager } from '../controllers/index.js';
import { createKubelet, type Kubelet } from '../node/index.js';
import { createScheduler, type Scheduler, type SchedulerConfiguration } from '../scheduler/index.js';
import { asyncStore } from '../store/embedded.js';
import type { Store } from '../store/types.js';
import { MvccStore } from '../store/mvcc.js';
import { ManualClock } from '../util/clock.js';
import { seededRng } from '../util/rng.js';
import type { Registry } from 'prom-client';

export interface VirtualClusterOptions {
  readonly pools: readonly ResolvedNodePool[];
  readonly seed?: number;
  /** Start of virtual time (ms since the epoch); default 2026-01-01T00:00:00Z. */
  readonly startMs?: number;
  /** Run the node-pool autoscaler (default true). */
  readonly autoscale?: boolean;
  /** Cluster Autoscaler settings from a pools file (ms durations), or resolved autoscaler settings. */
  readonly autoscaler?: ClusterAutoscalerSettings | AutoscalerSettings;
  readonly schedulerConfig?: SchedulerConfiguration;
  /** Errors inside components (they carry on, as their real counterparts retry). Default: collected in `errors`. */
  readonly onError?: (component: string, err: unknown) => void;
  /**
   * Kubelet leases and node status heartbeats, and the node lifecycle controller that watches them (default
   * true). Off for long trace replays: without node faults they change nothing but cost a write every 10 s
   * per node of simulated time.
   */
  readonly heartbeats?: boolean;
  /**
   * Where the cluster's state lives: by default an embedded store on the cluster's clock; or a remote one
   * (etcd, opened serial so revisions follow call order) under `storagePrefix`.
   */
  readonly store?: Store;
  readonly storagePrefix?: string;
}

/** The pools file's settings on top of Cluster Autoscaler's defaults. */
export function autoscalerSettingsFrom(s: ClusterAutoscalerSettings | AutoscalerSettings | undefined): AutoscalerSettings {
  if (s === undefined) return DEFAULT_AUTOSCALER_SETTINGS;
  if ('expanderPriorities' in s) return s;
  return {
    ...DEFAULT_AUTOSCALER_SETTINGS,
    scanInterval: s.scanInterval,
    scaleDownUnneededTime: s.scaleDownUnneededTime,
    scaleDownDelayAfterAdd: s.scaleDownDelayAfterAdd,
    scaleDownUtilizationThreshold: s.scaleDownUtilizationThreshold,
    maxNodeProvisionTime: s.maxNodeProvisionTime,
    expander: s.expander.filter((e) => e !== 'grpc') as AutoscalerSettings['expander'],
    maxNodesTotal: s.maxNodesTotal,
    maxCoresTotal: s.maxCoresTotal,
    maxMemoryTotal: s.maxMemoryTotal,
    balanceSimilarNodeGroups: s.balanceSimilarNodeGroups,
  };
}

export class VirtualCluster {
  readonly clock: ManualClock;
  readonly api: ApiServer;
  readonly informers: SharedInformerFactory;
  readonly scheduler: Scheduler;
  readonly controllers: ControllerManager;
  readonly cloud: SimCloud;
  readonly ccm: CloudControllerManager;
  readonly autoscaler: Autoscaler | undefined;
  readonly kubelets = new Map<string, Kubelet>();
  /** Errors components reported (kept for the report; they do not stop the simulation). */
  readonly errors: { component: string; message: string }[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly onError: (component: string, err: unknown) => void;
  private readonly heartbeats: boolean;

  private constructor(options: VirtualClusterOptions) {
    const seed = options.seed ?? 1;
    this.clock = new ManualClock(options.startMs ?? Date.UTC(2026, 0, 1));
    this.onError = options.onError ?? ((component, err) => this.errors.push({ component, message: err instanceof Error ? err.message : String(err) }));
    this.heartbeats = options.heartbeats ?? true;
    this.api = new ApiServer({
      store: options.store ?? asyncStore(new MvccStore({ clock: this.clock })),
      ...(options.storagePrefix !== undefined ? { storagePrefix: options.storagePrefix } : {}),
      clock: this.clock,
      rng: seededRng(seed),
      namespaceDeletion: 'controller',
    });
    this.informers = new SharedInformerFactory(this.api);
    this.scheduler = createScheduler({
      api: this.api,
      informers: this.informers,
      clock: this.clock,
      rng: seededRng(seed + 1),
      ...(options.schedulerConfig !== undefined ? { config: options.schedulerConfig } : {}),
    });
    this.controllers = createControllerManager({
      api: this.api,
      informers: this.informers,
      clock: this.clock,
      nodeLifecycle: options.heartbeats ?? true,
      onError: (c, _key, err) => this.onError(c, err),
    });
    this.cloud = new SimCloud({
      clock: this.clock,
      rng: seededRng(seed + 2),
      pools: options.pools,
      hooks: {
        onInstanceRunning: (vm) => this.track(this.instanceRunning(vm, options.pools)),
        onInstanceUnresponsive: (vm) => this.kubelets.get(vm.nodeName)?.stop(),
        onInstanceTerminated: (vm) => {
          this.kubelets.get(vm.nodeName)?.stop();
          this.kubelets.delete(vm.nodeName);
        },
        onInterruptionNotice: (vm) => this.track(this.drainForInterruption(vm)),
      },
    });
    this.ccm = createCloudControllerManager({
      api: this.api,
      informers: this.informers,
      clock: this.clock,
      cloud: this.cloud,
      onError: (c, _key, err) => this.onError(c, err),
    });
    this.autoscaler =
      options.autoscale === false
        ? undefined
        : new Autoscaler({ api: this.api, informers: this.informers, clock: this.clock, cloud: this.cloud, settings: autoscalerSettingsFrom(options.autoscaler), onError: (err) => this.onError('cluster-autoscaler', err) });
  }

  /** Builds the cluster, starts every component and the pools' initial machines, and lets it settle. */
  static async create(options: VirtualClusterOptions): Promise<VirtualCluster> {
    const c = new VirtualCluster(options);
    await c.api.bootstrap();
    for (const pool of options.pools) await c.api.create('nodepools', pool.object).catch((err: unknown) => c.onError('nodepools', err));
    await c.controllers.start();
    await c.ccm.start();
    await c.scheduler.start();
    await c.autoscaler?.start();
    c.controllers.runForever();
    c.ccm.runForever();
    c.scheduler.runForever();
    c.autoscaler?.runForever();
    c.cloud.start();
    await c.settle();
    return c;
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** A VM came up: its Node is registered (uninitialised, for the cloud node controller) and its kubelet starts. */
  private async instanceRunning(vm: SimInstance, pools: readonly ResolvedNodePool[]): Promise<void> {
    const pool = pools.find((p) => p.name === vm.pool);
    if (pool === undefined) return;
    const existing = await this.api.get<Node>('nodes', undefined, vm.nodeName).catch(() => undefined);
    if (existing === undefined) {
      await this.api
        .create('nodes', nodeTemplate(pool, { nodeName: vm.nodeName, zone: vm.zone, providerID: vm.id, uninitialized: true }))
        .catch((err: unknown) => this.onError('cloud', err));
    }
    let kubelet = this.kubelets.get(vm.nodeName);
    if (kubelet === undefined) {
      kubelet = this.newKubelet(vm.nodeName);
      this.kubelets.set(vm.nodeName, kubelet);
    }
    await kubelet.start().catch((err: unknown) => this.onError(`kubelet/${vm.nodeName}`, err));
  }

  private newKubelet(nodeName: string): Kubelet {
    return createKubelet({
      api: this.api,
      informers: this.informers,
      clock: this.clock,
      nodeName,
      heartbeats: this.heartbeats,
      onError: (err) => this.onError(`kubelet/${nodeName}`, err),
    });
  }

  /** A node that exists from the start, outside any pool (a static node list): registered, with its kubelet. */
  async addStaticNode(node: Node): Promise<void> {
    const name = node.metadata?.name ?? '';
    await this.api.create('nodes', node);
    const kubelet = this.newKubelet(name);
    this.kubelets.set(name, kubelet);
    await kubelet.start();
  }

  /**
   * A spot VM got its 2-minute notice: the node is cordoned and its pods are evicted, as the AWS node
   * termination handler (or GKE's graceful node shutdown) does, so their controllers recreate them elsewhere.
   */
  private async drainForInterruption(vm: SimInstance): Promise<void> {
    try {
      await this.api.patch('nodes', undefined, vm.nodeName, 'application/merge-patch+json', { spec: { unschedulable: true } });
      const pods = (await this.api.list<Pod>('pods', { fieldSelector: `spec.nodeName=${vm.nodeName}` })).items;
      for (const p of pods) {
        if (p.metadata?.deletionTimestamp !== undefined) continue;
        await this.api.delete('pods', p.metadata?.namespace, p.metadata?.name ?? '', { gracePeriodSeconds: Math.min(p.spec.terminationGracePeriodSeconds ?? 30, 120) }).catch(() => undefined);
      }
    } catch (err) {
      this.onError('node-termination-handler', err);
    }
  }

  /** Lets every component finish what the current moment started (no virtual time passes). */
  async settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      // Timers due now (zero-delay kicks) run, then the promises they started.
      this.clock.advance(0);
      await this.controllers.settle();
      await this.ccm.runUntilIdle();
      const scheduled = await this.scheduler.runUntilIdle();
      while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
      await new Promise((r) => setImmediate(r));
      // A remote store: requests still on the wire are work in progress (their answers start more).
      if (this.storePending() > 0) {
        await this.storeIdle();
        continue;
      }
      if (scheduled === 0 && this.clock.pendingTimersDueNow() === 0 && this.inFlight.size === 0 && this.readyWork() === 0) return;
    }
    throw new Error('the virtual cluster did not settle within 1000 rounds');
  }

  private storePending(): number {
    return this.api.store.pending?.() ?? 0;
  }

  /** Waits (in short real-time steps: the answers come over the network) until the store has answered everything. */
  private async storeIdle(): Promise<void> {
    while (this.storePending() > 0) await new Promise((r) => setTimeout(r, 0));
  }

  private readyWork(): number {
    let n = 0;
    for (const c of [...this.controllers.controllers, ...this.ccm.controllers]) n += c.queue.length;
    return n + this.scheduler.pendingCounts().active;
  }

  /** Moves virtual time forward by `ms` in steps, settling after each (default step 1 s). */
  async advance(ms: number, stepMs = 1000): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(stepMs, left);
      this.clock.advance(step);
      left -= step;
      this.scheduler.flushQueues();
      await this.settle();
    }
  }

  /**
   * Registers the components' Prometheus metrics on `registry`: kube-scheduler's, Cluster Autoscaler's (when
   * it runs) and the requested/allocatable gauges. Imported on demand, so that runs which expose no metrics
   * never load prom-client.
   */
  async registerMetrics(registry: Registry): Promise<void> {
    const [scheduler, autoscaler, resources] = await Promise.all([
      import('../scheduler/metrics.js'),
      import('../controllers/autoscaler/metrics.js'),
      import('../addons/metrics/resources.js'),
    ]);
    scheduler.registerSchedulerMetrics(registry, this.scheduler);
    if (this.autoscaler !== undefined) autoscaler.registerAutoscalerMetrics(registry, this.autoscaler, this.clock);
    resources.registerResourceMetrics(registry, this.informers);
  }

  /** Stops every component's timers (the store and API server stay readable). */
  stop(): void {
    this.autoscaler?.stop();
    this.scheduler.stop();
    this.controllers.stop();
    this.ccm.stop();
    for (const k of this.kubelets.values()) k.stop();
    this.informers.stop();
    this.api.close();
  }
}
