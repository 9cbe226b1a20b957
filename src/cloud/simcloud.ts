// The simulated cloud: VMs for each node pool on the injected clock and seeded RNG, with the behaviour a
// capacity planner has to live with — provisioning delay, VMs that never come up, spot interruptions with a
// 2-minute notice, zone outages, kubelets that stop responding — and per-second billing. It implements the
// CloudProvider / NodeGroup contract (provider.ts, after Cluster Autoscaler's cloudprovider) and tells the
// simulator what happens through hooks, so the simulator can start and stop kubelets.
//
// Behaviour, and where each rule comes from:
// - Provisioning: a requested VM is `provisioning` for the pool's provisioningDelaySeconds (default 60 s,
//   nodepool.ts DEFAULT_PROVISIONING_DELAY_SECONDS), then `running` (hook onInstanceRunning: start a kubelet).
// - Failure: with probability failureRate (drawn from the RNG when the VM is requested) the VM never comes
//   up: at the end of the delay it stays `provisioning` with errorInfo set (CA's InstanceErrorInfo,
//   cloud_provider.go) and hook onProvisioningFailed. It keeps counting in targetSize until the autoscaler
//   removes it with decreaseTargetSize or deleteNodes, as with a real ASG/MIG. A VM asked for in a zone that
//   is down fails the same way (OutOfResourcesErrorClass).
// - Zones: a new VM goes to the least-populated zone of its pool that is up (VMs not terminated), ties broken
//   by the order of spec.zones — how ASGs and regional MIGs keep zones balanced.
// - min/max: increaseSize beyond maxSize and deleteNodes below minSize throw, with Cluster Autoscaler's
//   messages (cloudprovider/aws/auto_scaling_groups.go "size increase too large", "min size reached").
//   deleteNodes terminates at once.
// - Spot: a running spot VM is interrupted after an exponential time with rate interruptionRatePerHour (a
//   Poisson process per VM, drawn from the RNG when it starts running). The notice comes first (hook
//   onInterruptionNotice, interruptionNoticeAt set), the VM is terminated exactly 120 s later ("Spot
//   interruptions have a 2 minute notice", Karpenter disruption.md; EC2's two-minute interruption notice).
// - Replacement: a VM the cloud takes away (spot interruption, terminateInstance) is replaced by a new one,
//   keeping the group at its target size as ASGs and MIGs do; VMs the owner deletes are not.
// - Faults: stopResponding(node) — the VM runs (and bills) but its kubelet stops (hook
//   onInstanceUnresponsive); resumeResponding undoes it. zoneDown(zone) makes every running VM in the zone
//   unresponsive and every VM provisioning there fail; zoneUp brings the unresponsive ones back (hook
//   onInstanceRunning again).
// - Billing: per second from `running` until `terminated`, at least 60 s per VM ("pay for compute capacity
//   by the hour or second (minimum of 60 seconds)", AWS EKS best-practices guide, cost optimisation; GCE bills
//   per second with a 1-minute minimum too). VMs that never ran cost nothing. Spot pools bill their spot price.
import type { Node } from '../api/index.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Rng } from '../util/rng.js';
import { LABEL_NODEPOOL, nodeTemplate, type ResolvedNodePool } from './nodepool.js';
import type { CloudInstance, CloudProvider, InstanceState, NodeGroup } from './provider.js';

/** Spot interruption notice: the VM is terminated this long after it (EC2's two-minute warning). */
export const SPOT_INTERRUPTION_NOTICE_MS = 120_000;
/** Billing minimum per VM. */
export const MINIMUM_BILLED_MS = 60_000;
/** Delay before a LoadBalancer service gets its IP (see LoadBalancers). */
export const DEFAULT_LOAD_BALANCER_DELAY_MS = 30_000;
/** External IPs for load balancers: TEST-NET-3, an address block reserved for documentation (RFC 5737). */
export const DEFAULT_EXTERNAL_IP_RANGE = '203.0.113.0/24';

export const PROVIDER_ID_PREFIX = 'drydock://';

/** Cluster Autoscaler's InstanceErrorInfo (cloud_provider.go). */
export interface InstanceErrorInfo {
  readonly errorClass: 'OutOfResourcesErrorClass' | 'OtherErrorClass';
  readonly errorCode: string;
  readonly errorMessage: string;
}

export type TerminationReason = 'deleted' | 'decreased' | 'spot-interruption' | 'instance-failure';

/** A VM of the simulated cloud, with what the contract's CloudInstance leaves out. */
export interface SimInstance extends CloudInstance {
  readonly instanceType: string;
  readonly pricePerHour: number;
  /** Set when the VM will never come up (failed provisioning). */
  readonly errorInfo?: InstanceErrorInfo;
  readonly terminatedAt?: number;
  readonly terminationReason?: TerminationReason;
}

/** What happens to VMs; every hook gets a snapshot of the VM at that moment. */
export interface CloudHooks {
  /** The VM is up and its kubelet should run (also after resumeResponding / zoneUp). */
  onInstanceRunning?(instance: SimInstance): void;
  /** The VM is gone; its kubelet (if any) stops for good. */
  onInstanceTerminated?(instance: SimInstance): void;
  /** The VM runs but its kubelet stops reporting (stopResponding, zoneDown). */
  onInstanceUnresponsive?(instance: SimInstance): void;
  /** Spot interruption notice, 120 s before termination. */
  onInterruptionNotice?(instance: SimInstance): void;
  /** The VM will never come up. */
  onProvisioningFailed?(instance: SimInstance): void;
}

export interface PoolCost {
  readonly pool: string;
  readonly pricePerHour: number;
  /** Billed VM time (per second, 60 s minimum per VM) up to now, in hours. */
  readonly nodeHours: number;
  /** nodeHours × pricePerHour, USD. */
  readonly cost: number;
  /** VMs that ever ran. */
  readonly instancesBilled: number;
}

export interface SimCloudOptions {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly pools: readonly ResolvedNodePool[];
  /** CloudProvider.name and the providerID scheme; default "drydock". */
  readonly name?: string;
  /** Delay before a load balancer has its IP; default 30 s. */
  readonly loadBalancerDelayMs?: number;
  /** CIDR the load balancers' external IPs come from; default 203.0.113.0/24. */
  readonly externalIPRange?: string;
  /** Hooks to subscribe from the start (more can be added with subscribe()). */
  readonly hooks?: CloudHooks;
}

interface Vm {
  id: string;
  pool: string;
  zone: string;
  nodeName: string;
  spot: boolean;
  state: InstanceState;
  requestedAt: number;
  runningAt?: number;
  interruptionNoticeAt?: number;
  instanceType: string;
  pricePerHour: number;
  errorInfo?: InstanceErrorInfo;
  terminatedAt?: number;
  terminationReason?: TerminationReason;
  /** Decided at request time: this VM will not come up. */
  willFail: boolean;
  /** Unresponsive because its zone is down (zoneUp brings it back). */
  zoneOutage: boolean;
  timer?: Timer;
}

function snapshot(vm: Vm): SimInstance {
  return Object.freeze({
    id: vm.id,
    pool: vm.pool,
    zone: vm.zone,
    nodeName: vm.nodeName,
    spot: vm.spot,
    state: vm.state,
    requestedAt: vm.requestedAt,
    instanceType: vm.instanceType,
    pricePerHour: vm.pricePerHour,
    ...(vm.runningAt !== undefined ? { runningAt: vm.runningAt } : {}),
    ...(vm.interruptionNoticeAt !== undefined ? { interruptionNoticeAt: vm.interruptionNoticeAt } : {}),
    ...(vm.errorInfo !== undefined ? { errorInfo: vm.errorInfo } : {}),
    ...(vm.terminatedAt !== undefined ? { terminatedAt: vm.terminatedAt } : {}),
    ...(vm.terminationReason !== undefined ? { terminationReason: vm.terminationReason } : {}),
  });
}

/** Parses "a.b.c.d/p" into a 32-bit network number and prefix length; throws on anything else. */
export function parseCidr(cidr: string): { base: number; prefix: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const parts = m?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(m?.[5]);
  if (m === null || parts.some((p) => p > 255) || prefix > 32) throw new Error(`${JSON.stringify(cidr)} is not an IPv4 CIDR (expected e.g. 10.244.0.0/16)`);
  const addr = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (addr & mask) >>> 0, prefix };
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * The cloud's load balancers: one per LoadBalancer service, ready `delayMs` after first asked for, with an
 * external IP from a fixed range (lowest free address, skipping the network and broadcast addresses).
 * Idempotent like CloudProvider.EnsureLoadBalancer: asking again returns the same balancer.
 */
export class LoadBalancers {
  private readonly byKey = new Map<string, { ip: string; readyAt: number }>();
  private readonly used = new Set<number>();
  private readonly first: number;
  private readonly last: number;

  constructor(
    private readonly clock: Clock,
    readonly delayMs = DEFAULT_LOAD_BALANCER_DELAY_MS,
    readonly range = DEFAULT_EXTERNAL_IP_RANGE,
  ) {
    const { base, prefix } = parseCidr(range);
    const size = 2 ** (32 - prefix);
    this.first = size > 2 ? base + 1 : base;
    this.last = size > 2 ? base + size - 2 : base + size - 1;
  }

  /** The balancer for a service key ("namespace/name"), created on first call; an error when no IP is free. */
  ensure(key: string): { readonly ip: string; readonly readyAt: number } | { readonly error: string } {
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    for (let n = this.first; n <= this.last; n++) {
      if (this.used.has(n)) continue;
      this.used.add(n);
      const lb = { ip: formatIPv4(n), readyAt: this.clock.now() + this.delayMs };
      this.byKey.set(key, lb);
      return lb;
    }
    return { error: `no external IP left in ${this.range}` };
  }

  get(key: string): { readonly ip: string; readonly readyAt: number } | undefined {
    return this.byKey.get(key);
  }

  /** Deletes the balancer and frees its IP; false if there was none. */
  release(key: string): boolean {
    const lb = this.byKey.get(key);
    if (lb === undefined) return false;
    this.byKey.delete(key);
    const { base } = parseCidr(`${lb.ip}/32`);
    this.used.delete(base);
    return true;
  }

  get size(): number {
    return this.byKey.size;
  }
}

export interface Volume {
  readonly name: string;
  readonly zone: string;
  /** The dataset this volume holds, if any (DataLocality's dataset name). */
  readonly dataset?: string;
  readonly attachedTo?: string;
}

/**
 * Zonal block volumes (EBS / PD semantics): a volume lives in one zone, attaches to one node at a time, and
 * only to a node in its zone. Volumes holding datasets tell the DataLocality plugin where each dataset is
 * (datasetZones) and, through the cloud-controller-manager, which nodes cache it.
 */
export class Volumes {
  private readonly volumes = new Map<string, Volume>();
  private readonly listeners: ((nodeName: string) => void)[] = [];

  constructor(private readonly zoneOfNode: (nodeName: string) => string | undefined) {}

  /** Called with a node name whenever a volume attaches to or detaches from it. */
  onChange(fn: (nodeName: string) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  create(v: { name: string; zone: string; dataset?: string }): Volume {
    if (v.name === '') throw new Error('volume: a volume needs a name');
    if (this.volumes.has(v.name)) throw new Error(`volume ${JSON.stringify(v.name)} already exists`);
    if (v.zone === '') throw new Error(`volume ${JSON.stringify(v.name)}: a zonal volume needs a zone`);
    const vol: Volume = Object.freeze({ name: v.name, zone: v.zone, ...(v.dataset !== undefined ? { dataset: v.dataset } : {}) });
    this.volumes.set(v.name, vol);
    return vol;
  }

  get(name: string): Volume | undefined {
    return this.volumes.get(name);
  }

  list(): Volume[] {
    return [...this.volumes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  attach(volumeName: string, nodeName: string): Volume {
    const vol = this.volumes.get(volumeName);
    if (vol === undefined) throw new Error(`volume ${JSON.stringify(volumeName)} does not exist`);
    if (vol.attachedTo === nodeName) return vol;
    if (vol.attachedTo !== undefined) throw new Error(`volume ${JSON.stringify(volumeName)} is already attached to node ${JSON.stringify(vol.attachedTo)}; detach it first`);
    const zone = this.zoneOfNode(nodeName);
    if (zone === undefined) throw new Error(`node ${JSON.stringify(nodeName)} is not a running VM of this cloud`);
    if (zone !== vol.zone) throw new Error(`volume ${JSON.stringify(volumeName)} is in zone ${vol.zone} and node ${JSON.stringify(nodeName)} in zone ${zone}; a zonal volume attaches only in its zone`);
    const next = Object.freeze({ ...vol, attachedTo: nodeName });
    this.volumes.set(volumeName, next);
    this.emit(nodeName);
    return next;
  }

  detach(volumeName: string): Volume {
    const vol = this.volumes.get(volumeName);
    if (vol === undefined) throw new Error(`volume ${JSON.stringify(volumeName)} does not exist`);
    if (vol.attachedTo === undefined) return vol;
    const node = vol.attachedTo;
    const { attachedTo: _gone, ...rest } = vol;
    const next = Object.freeze(rest);
    this.volumes.set(volumeName, next);
    this.emit(node);
    return next;
  }

  /** Detaches everything from a node (its VM is gone). */
  detachAll(nodeName: string): void {
    for (const v of this.list()) if (v.attachedTo === nodeName) this.detach(v.name);
  }

  /** Datasets attached to a node, sorted. */
  datasetsOn(nodeName: string): string[] {
    return [...new Set(this.list().filter((v) => v.attachedTo === nodeName && v.dataset !== undefined).map((v) => v.dataset!))].sort();
  }

  /** Where each dataset lives, for DataLocality's args (`datasets: [{name, zone}]`); the first volume of a dataset wins. */
  datasetZones(): { name: string; zone: string }[] {
    const out = new Map<string, string>();
    for (const v of this.list()) if (v.dataset !== undefined && !out.has(v.dataset)) out.set(v.dataset, v.zone);
    return [...out].map(([name, zone]) => ({ name, zone })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private emit(nodeName: string): void {
    for (const fn of [...this.listeners]) fn(nodeName);
  }
}

/** One pool as a Cluster Autoscaler NodeGroup. */
export class SimNodeGroup implements NodeGroup {
  readonly id: string;
  /** @internal Every VM ever asked for, in request order (terminated ones too, for billing); owned by SimCloud. */
  readonly vms: Vm[] = [];
  private seq = 0;
  private template: Node | undefined;

  constructor(
    readonly pool: ResolvedNodePool,
    private readonly cloud: SimCloud,
  ) {
    this.id = pool.name;
  }

  minSize(): number {
    return this.pool.minSize;
  }

  maxSize(): number {
    return this.pool.maxSize;
  }

  targetSize(): number {
    let n = 0;
    for (const vm of this.vms) if (vm.state !== 'terminated') n++;
    return n;
  }

  increaseSize(delta: number): void {
    if (!Number.isInteger(delta) || delta <= 0) throw new Error(`size increase must be positive, got ${delta}`);
    const target = this.targetSize();
    if (target + delta > this.pool.maxSize) throw new Error(`size increase too large - desired:${target + delta} max:${this.pool.maxSize}`);
    for (let i = 0; i < delta; i++) this.cloud.launch(this);
  }

  deleteNodes(nodeNames: readonly string[]): void {
    const vms = nodeNames.map((name) => {
      const vm = this.vms.find((v) => v.nodeName === name && v.state !== 'terminated');
      if (vm === undefined) throw new Error(`node ${JSON.stringify(name)} does not belong to node group ${this.id}`);
      return vm;
    });
    if (this.targetSize() - vms.length < this.pool.minSize) throw new Error(`min size reached, nodes will not be deleted (node group ${this.id}: size ${this.targetSize()}, min ${this.pool.minSize}, deleting ${vms.length})`);
    for (const vm of vms) this.cloud.terminate(vm, 'deleted');
  }

  decreaseTargetSize(delta: number): void {
    if (!Number.isInteger(delta) || delta >= 0) throw new Error(`size decrease must be negative, got ${delta}`);
    const pending = this.vms.filter((v) => v.state === 'provisioning');
    if (-delta > pending.length) {
      throw new Error(`attempt to delete existing nodes targetSize:${this.targetSize()} delta:${delta} existingNodes: ${this.targetSize() - pending.length}`);
    }
    // Newest requests first.
    for (const vm of pending.slice(pending.length + delta).reverse()) this.cloud.terminate(vm, 'decreased');
  }

  /** Built once: the pool never changes, and callers copy it (templateCopy) before changing anything. */
  templateNode(): Node {
    this.template ??= nodeTemplate(this.pool, { nodeName: `${this.id}-template`, zone: this.pool.zones[0] ?? '' });
    return this.template;
  }

  instances(): readonly SimInstance[] {
    return this.vms.filter((v) => v.state !== 'terminated').map(snapshot);
  }

  pricePerHour(): number {
    return this.pool.pricePerHour;
  }

  /** The next node name and sequence number for a new VM. */
  nextName(): { nodeName: string; seq: number } {
    this.seq++;
    return { nodeName: this.pool.fixedNodeName ?? `${this.id}-${String(this.seq).padStart(4, '0')}`, seq: this.seq };
  }
}

/** The simulated cloud provider. Call start() after subscribing hooks to create each pool's initial VMs. */
export class SimCloud implements CloudProvider {
  readonly name: string;
  readonly loadBalancers: LoadBalancers;
  readonly volumes: Volumes;
  private readonly groups: SimNodeGroup[];
  private readonly byId = new Map<string, Vm>();
  private readonly byNodeName = new Map<string, Vm>();
  private readonly downZones = new Set<string>();
  private readonly hooks: CloudHooks[] = [];
  private readonly clock: Clock;
  private readonly rng: Rng;
  private started = false;

  constructor(options: SimCloudOptions) {
    this.clock = options.clock;
    this.rng = options.rng;
    this.name = options.name ?? 'drydock';
    const names = new Set<string>();
    this.groups = options.pools.map((p) => {
      if (names.has(p.name)) throw new Error(`simcloud: two pools named ${JSON.stringify(p.name)}`);
      names.add(p.name);
      return new SimNodeGroup(p, this);
    });
    this.loadBalancers = new LoadBalancers(this.clock, options.loadBalancerDelayMs ?? DEFAULT_LOAD_BALANCER_DELAY_MS, options.externalIPRange ?? DEFAULT_EXTERNAL_IP_RANGE);
    if (options.hooks !== undefined) this.hooks.push(options.hooks);
    this.volumes = new Volumes((nodeName) => {
      const vm = this.byNodeName.get(nodeName);
      return vm !== undefined && vm.state !== 'terminated' && vm.state !== 'provisioning' ? vm.zone : undefined;
    });
  }

  /** Adds hooks; returns a function that removes them. */
  subscribe(hooks: CloudHooks): () => void {
    this.hooks.push(hooks);
    return () => {
      const i = this.hooks.indexOf(hooks);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** Asks for every pool's initialSize VMs (once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const g of this.groups) if (g.pool.initialSize > 0) g.increaseSize(g.pool.initialSize);
  }

  // --- CloudProvider ---------------------------------------------------------------------------------------

  nodeGroups(): readonly SimNodeGroup[] {
    return this.groups;
  }

  nodeGroup(id: string): SimNodeGroup | undefined {
    return this.groups.find((g) => g.id === id);
  }

  nodeGroupForNode(node: Node): SimNodeGroup | undefined {
    const pid = node.spec?.providerID;
    const vm = (pid !== undefined ? this.byId.get(pid) : undefined) ?? this.byNodeName.get(node.metadata.name ?? '');
    if (vm !== undefined) return this.nodeGroup(vm.pool);
    const label = node.metadata.labels?.[LABEL_NODEPOOL];
    return label !== undefined ? this.nodeGroup(label) : undefined;
  }

  instance(providerId: string): SimInstance | undefined {
    const vm = this.byId.get(providerId);
    return vm === undefined ? undefined : snapshot(vm);
  }

  /** The newest VM that carries this node name (node names of terminated VMs are not reused, except fixed ones). */
  instanceByNodeName(nodeName: string): SimInstance | undefined {
    const vm = this.byNodeName.get(nodeName);
    return vm === undefined ? undefined : snapshot(vm);
  }

  /** Every VM ever asked for, terminated ones included, in request order across pools. */
  allInstances(): SimInstance[] {
    return [...this.byId.values()].map(snapshot);
  }

  // --- Faults ------------------------------------------------------------------------------------------------

  /** The VM keeps running (and billing) but its kubelet stops. */
  stopResponding(nodeName: string): void {
    const vm = this.liveVm(nodeName);
    if (vm.state !== 'running') throw new Error(`node ${JSON.stringify(nodeName)} is ${vm.state}, not running`);
    vm.state = 'unresponsive';
    this.emit('onInstanceUnresponsive', vm);
  }

  /** Undoes stopResponding: the kubelet comes back. */
  resumeResponding(nodeName: string): void {
    const vm = this.liveVm(nodeName);
    if (vm.state !== 'unresponsive') throw new Error(`node ${JSON.stringify(nodeName)} is ${vm.state}, not unresponsive`);
    if (this.downZones.has(vm.zone)) throw new Error(`node ${JSON.stringify(nodeName)} is in zone ${vm.zone}, which is down`);
    vm.state = 'running';
    vm.zoneOutage = false;
    this.emit('onInstanceRunning', vm);
  }

  /** The VM dies (hardware failure, console deletion); the cloud replaces it to keep the group's size. */
  terminateInstance(nodeName: string): void {
    const vm = this.liveVm(nodeName);
    this.terminate(vm, 'instance-failure');
    this.replace(vm);
  }

  zoneDown(zone: string): void {
    if (this.downZones.has(zone)) return;
    this.downZones.add(zone);
    for (const vm of this.byId.values()) {
      if (vm.zone !== zone || vm.state !== 'running') continue;
      vm.state = 'unresponsive';
      vm.zoneOutage = true;
      this.emit('onInstanceUnresponsive', vm);
    }
  }

  zoneUp(zone: string): void {
    if (!this.downZones.delete(zone)) return;
    for (const vm of this.byId.values()) {
      if (vm.zone !== zone || vm.state !== 'unresponsive' || !vm.zoneOutage) continue;
      vm.state = 'running';
      vm.zoneOutage = false;
      this.emit('onInstanceRunning', vm);
    }
  }

  isZoneDown(zone: string): boolean {
    return this.downZones.has(zone);
  }

  // --- Cost ----------------------------------------------------------------------------------------------

  /** Billed time and cost per pool up to now (per second, 60 s minimum per VM that ran). */
  costs(): PoolCost[] {
    const now = this.clock.now();
    return this.groups.map((g) => {
      let ms = 0;
      let billed = 0;
      for (const vm of g.vms) {
        if (vm.runningAt === undefined) continue;
        billed++;
        ms += Math.max(MINIMUM_BILLED_MS, (vm.terminatedAt ?? now) - vm.runningAt);
      }
      const nodeHours = ms / 3_600_000;
      return { pool: g.id, pricePerHour: g.pool.pricePerHour, nodeHours, cost: nodeHours * g.pool.pricePerHour, instancesBilled: billed };
    });
  }

  totalCost(): number {
    return this.costs().reduce((sum, c) => sum + c.cost, 0);
  }

  // --- VM lifecycle (used by SimNodeGroup) ------------------------------------------------------------------

  /** Asks for one VM in the group (no max check: callers do it). */
  launch(group: SimNodeGroup): Vm {
    const pool = group.pool;
    const zone = this.pickZone(group);
    const { nodeName, seq } = group.nextName();
    const existing = this.byNodeName.get(nodeName);
    if (existing !== undefined && existing.state !== 'terminated') throw new Error(`node group ${group.id}: node ${nodeName} still exists (a fixed-name pool has one node)`);
    const now = this.clock.now();
    // Draw the failure now, so the outcome does not depend on what else happens during the delay.
    const willFail = pool.failureRate > 0 && this.rng.next() < pool.failureRate;
    const vm: Vm = {
      id: `${PROVIDER_ID_PREFIX}${pool.name}/${zone === '' ? 'local' : zone}/i-${String(seq).padStart(4, '0')}`,
      pool: pool.name,
      zone,
      nodeName,
      spot: pool.spot,
      state: 'provisioning',
      requestedAt: now,
      instanceType: pool.instanceType.name,
      pricePerHour: pool.pricePerHour,
      willFail,
      zoneOutage: false,
    };
    group.vms.push(vm);
    this.byId.set(vm.id, vm);
    this.byNodeName.set(nodeName, vm);
    vm.timer = this.clock.setTimer(pool.provisioningDelayMs, () => this.provisioned(vm));
    return vm;
  }

  terminate(vm: Vm, reason: TerminationReason): void {
    if (vm.state === 'terminated') return;
    vm.timer?.cancel();
    delete vm.timer;
    vm.state = 'terminated';
    vm.terminatedAt = this.clock.now();
    vm.terminationReason = reason;
    this.volumes.detachAll(vm.nodeName);
    this.emit('onInstanceTerminated', vm);
  }

  private provisioned(vm: Vm): void {
    delete vm.timer;
    if (vm.state !== 'provisioning') return;
    if (this.downZones.has(vm.zone)) {
      vm.errorInfo = { errorClass: 'OutOfResourcesErrorClass', errorCode: 'ZONE_UNAVAILABLE', errorMessage: `zone ${vm.zone} is down` };
      this.emit('onProvisioningFailed', vm);
      return;
    }
    if (vm.willFail) {
      vm.errorInfo = { errorClass: 'OtherErrorClass', errorCode: 'VM_FAILED_TO_START', errorMessage: 'the VM did not come up (simulated provisioning failure)' };
      this.emit('onProvisioningFailed', vm);
      return;
    }
    const now = this.clock.now();
    vm.state = 'running';
    vm.runningAt = now;
    const group = this.nodeGroup(vm.pool)!;
    const rate = group.pool.interruptionRatePerHour;
    if (vm.spot && rate > 0) {
      // Exponential inter-arrival time of a Poisson process with `rate` events per hour.
      const hours = -Math.log(1 - this.rng.next()) / rate;
      vm.timer = this.clock.setTimer(Math.round(hours * 3_600_000), () => this.interruptionNotice(vm));
    }
    this.emit('onInstanceRunning', vm);
  }

  private interruptionNotice(vm: Vm): void {
    delete vm.timer;
    if (vm.state === 'terminated') return;
    vm.interruptionNoticeAt = this.clock.now();
    vm.timer = this.clock.setTimer(SPOT_INTERRUPTION_NOTICE_MS, () => {
      delete vm.timer;
      this.terminate(vm, 'spot-interruption');
      this.replace(vm);
    });
    this.emit('onInterruptionNotice', vm);
  }

  /** A VM the cloud took away is replaced, keeping the group at its target size. */
  private replace(vm: Vm): void {
    const group = this.nodeGroup(vm.pool)!;
    if (group.targetSize() < group.pool.maxSize) this.launch(group);
  }

  private pickZone(group: SimNodeGroup): string {
    const zones = group.pool.zones;
    if (zones.length === 0) return '';
    const count = new Map<string, number>(zones.map((z) => [z, 0]));
    for (const vm of group.vms) if (vm.state !== 'terminated') count.set(vm.zone, (count.get(vm.zone) ?? 0) + 1);
    const up = zones.filter((z) => !this.downZones.has(z));
    const candidates = up.length > 0 ? up : zones;
    let best = candidates[0]!;
    for (const z of candidates) if (count.get(z)! < count.get(best)!) best = z;
    return best;
  }

  private liveVm(nodeName: string): Vm {
    const vm = this.byNodeName.get(nodeName);
    if (vm === undefined || vm.state === 'terminated') throw new Error(`node ${JSON.stringify(nodeName)} is not a VM of this cloud`);
    return vm;
  }

  private emit(hook: keyof CloudHooks, vm: Vm): void {
    const snap = snapshot(vm);
    for (const h of [...this.hooks]) h[hook]?.(snap);
  }
}
