// The cloud-controller-manager for the simulated cloud (k8s.io/cloud-provider controllers/), as reconcilers
// that read informer caches and the cloud and return actions (controllers/runtime.ts):
// - cloud-node-controller (controllers/node/node_controller.go): a node registered with the
//   node.cloudprovider.kubernetes.io/uninitialized taint gets spec.providerID and the instance-type, zone and
//   region labels from its VM, then loses the taint; event Normal "Synced" "Node synced successfully".
// - cloud-node-lifecycle-controller (controllers/nodelifecycle/node_lifecycle_controller.go): a node whose
//   Ready condition is not True (node lifecycle set it Unknown when the kubelet stopped) is deleted when the
//   cloud says its VM no longer exists; event Normal "DeletingNode" "Deleting node X because it does not exist
//   in the cloud provider". Nodes labelled node.kubernetes.io/exclude-from-lifecycle-management are skipped.
//   Checked every nodeMonitorPeriod (default 5 s, the --node-monitor-period default) while NotReady.
//   Deviation: upstream asks the cloud about every NotReady node and deletes the ones it does not know; here
//   nodes that are not VMs of this cloud (no drydock:// providerID and no VM by that name — e.g. static
//   nodes a test created) are left alone.
// - route-controller: gives each node a spec.podCIDR (and podCIDRs) from the cluster CIDR, the lowest free
//   /24 of 10.244.0.0/16 by default — kube-controller-manager's range allocator
//   (pkg/controller/nodeipam/ipam/range_allocator.go; --node-cidr-mask-size 24 for IPv4; 10.244.0.0/16 is the
//   conventional pod network of kubeadm/flannel setups). When the range is full the node gets the event
//   "CIDRNotAvailable" ("Node X status is now: CIDRNotAvailable") as the allocator records it. Routes
//   themselves are not modelled (the simulated network is flat).
// - service-controller (controllers/service/controller.go): a type LoadBalancer service gets the finalizer
//   service.kubernetes.io/load-balancer-cleanup and, once the cloud's balancer is ready (30 s by default,
//   simcloud.ts LoadBalancers), status.loadBalancer.ingress[0].ip; events EnsuringLoadBalancer /
//   EnsuredLoadBalancer. On deletion or a type change away from LoadBalancer the balancer is deleted, its IP
//   freed, the status cleared and the finalizer removed; events DeletingLoadBalancer / DeletedLoadBalancer.
//   Pool exhausted: Warning "SyncLoadBalancerFailed" "Error syncing load balancer: failed to ensure load
//   balancer: ...".
// - volume-controller (drydock's): keeps node labels drydock.io/dataset-cache.<dataset>: "true" equal to
//   the dataset volumes attached to the node (the label DataLocality reads, datalocality.ts).
// The cloud calls these reconcilers make (LoadBalancers.ensure/release) are idempotent requests to the
// simulated cloud, as CloudProvider.EnsureLoadBalancer is upstream; API writes are returned as actions.
import type { Node, NodeCondition, Service, Taint } from '../api/index.js';
import type { ApiServer } from '../apiserver/apiserver.js';
import type { Informer, SharedInformerFactory } from '../apiserver/informer.js';
import { Controller, NOTHING, settle, type Action, type InvolvedObject, type ReconcileResult, type Reconciler } from '../controllers/runtime.js';
import { DATASET_CACHE_LABEL_PREFIX, DATASET_CACHED_VALUE, datasetCacheLabel } from '../scheduler/plugins/datalocality.js';
import type { Clock } from '../util/clock.js';
import { LABEL_INSTANCE_TYPE, LABEL_REGION, LABEL_ZONE, TAINT_UNINITIALIZED } from './nodepool.js';
import { formatIPv4, parseCidr, PROVIDER_ID_PREFIX, type SimCloud, type SimInstance } from './simcloud.js';

export const LOAD_BALANCER_CLEANUP_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
export const LABEL_EXCLUDE_FROM_LIFECYCLE = 'node.kubernetes.io/exclude-from-lifecycle-management';
export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;
export const DEFAULT_NODE_MONITOR_PERIOD_MS = 5_000;
/** How long the node controller waits before asking the cloud again about a node it cannot find yet. */
export const NODE_INIT_RETRY_MS = 5_000;
/** Retry after a failed load-balancer sync. */
export const LOAD_BALANCER_RETRY_MS = 30_000;

const MERGE = 'application/merge-patch+json' as const;

function nodeRef(node: Node): InvolvedObject {
  return { apiVersion: 'v1', kind: 'Node', name: node.metadata.name ?? '', ...(node.metadata.uid !== undefined ? { uid: node.metadata.uid } : {}) };
}

function serviceRef(svc: Service): InvolvedObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    name: svc.metadata.name ?? '',
    ...(svc.metadata.namespace !== undefined ? { namespace: svc.metadata.namespace } : {}),
    ...(svc.metadata.uid !== undefined ? { uid: svc.metadata.uid } : {}),
  };
}

/** The VM behind a node: by providerID, else by node name. */
function vmOf(cloud: SimCloud, node: Node): SimInstance | undefined {
  const pid = node.spec?.providerID;
  if (pid !== undefined && pid !== '') return cloud.instance(pid);
  return cloud.instanceByNodeName(node.metadata.name ?? '');
}

function readyStatus(node: Node): NodeCondition['status'] {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
}

// ---------------------------------------------------------------------------------------------------------

/** cloud-node-controller: initialises nodes that carry the uninitialized taint. */
export class CloudNodeReconciler implements Reconciler {
  readonly name = 'cloud-node-controller';
  constructor(
    private readonly nodes: Informer<Node>,
    private readonly cloud: SimCloud,
  ) {}

  reconcile(key: string): ReconcileResult {
    const node = this.nodes.getByKey(key);
    if (node === undefined) return NOTHING;
    const taints = node.spec?.taints ?? [];
    if (!taints.some((t) => t.key === TAINT_UNINITIALIZED)) return NOTHING;
    const vm = vmOf(this.cloud, node);
    if (vm === undefined || vm.state === 'terminated') return { actions: [], requeueAfterMs: NODE_INIT_RETRY_MS };
    const labels: Record<string, string> = { [LABEL_INSTANCE_TYPE]: vm.instanceType };
    if (vm.zone !== '') {
      labels[LABEL_ZONE] = vm.zone;
      const region = this.cloud.nodeGroup(vm.pool)?.pool.region;
      if (region !== undefined && region !== '') labels[LABEL_REGION] = region;
    }
    const remaining: Taint[] = taints.filter((t) => t.key !== TAINT_UNINITIALIZED);
    const patch = {
      metadata: { labels },
      spec: { ...(node.spec?.providerID ? {} : { providerID: vm.id }), taints: remaining },
    };
    return {
      actions: [
        { type: 'patch', resource: 'nodes', name: key, patchType: MERGE, patch },
        { type: 'event', involved: nodeRef(node), eventType: 'Normal', reason: 'Synced', message: 'Node synced successfully' },
      ],
    };
  }
}

/** cloud-node-lifecycle-controller: deletes NotReady nodes whose VM is gone. */
export class CloudNodeLifecycleReconciler implements Reconciler {
  readonly name = 'cloud-node-lifecycle-controller';
  constructor(
    private readonly nodes: Informer<Node>,
    private readonly cloud: SimCloud,
    private readonly nodeMonitorPeriodMs = DEFAULT_NODE_MONITOR_PERIOD_MS,
  ) {}

  reconcile(key: string): ReconcileResult {
    const node = this.nodes.getByKey(key);
    if (node === undefined) return NOTHING;
    if (node.metadata.labels?.[LABEL_EXCLUDE_FROM_LIFECYCLE] !== undefined) return NOTHING;
    if (readyStatus(node) === 'True') return NOTHING;
    const pid = node.spec?.providerID;
    const ours = pid !== undefined && pid !== '' ? pid.startsWith(PROVIDER_ID_PREFIX) : this.cloud.instanceByNodeName(key) !== undefined;
    if (!ours) return NOTHING;
    const vm = vmOf(this.cloud, node);
    if (vm !== undefined && vm.state !== 'terminated') return { actions: [], requeueAfterMs: this.nodeMonitorPeriodMs };
    return {
      actions: [
        { type: 'event', involved: nodeRef(node), eventType: 'Normal', reason: 'DeletingNode', message: `Deleting node ${key} because it does not exist in the cloud provider` },
        { type: 'delete', resource: 'nodes', name: key },
      ],
    };
  }
}

/** route-controller: assigns spec.podCIDR from the cluster CIDR. */
export class RouteReconciler implements Reconciler {
  readonly name = 'route-controller';
  private readonly base: number;
  private readonly count: number;
  private readonly step: number;
  /** CIDRs handed out but maybe not yet seen in the cache (range_allocator keeps the same bitmap). */
  private readonly assigned = new Map<string, string>();

  constructor(
    private readonly nodes: Informer<Node>,
    readonly clusterCIDR = DEFAULT_CLUSTER_CIDR,
    readonly nodeCIDRMaskSize = DEFAULT_NODE_CIDR_MASK_SIZE,
  ) {
    const { base, prefix } = parseCidr(clusterCIDR);
    if (!Number.isInteger(nodeCIDRMaskSize) || nodeCIDRMaskSize < prefix || nodeCIDRMaskSize > 32) {
      throw new Error(`route-controller: node CIDR mask size ${nodeCIDRMaskSize} does not fit in cluster CIDR ${clusterCIDR}`);
    }
    this.base = base;
    this.count = 2 ** (nodeCIDRMaskSize - prefix);
    this.step = 2 ** (32 - nodeCIDRMaskSize);
  }

  /** The i-th node CIDR of the range: 0 → 10.244.0.0/24, 1 → 10.244.1.0/24, … */
  cidr(i: number): string {
    return `${formatIPv4(this.base + i * this.step)}/${this.nodeCIDRMaskSize}`;
  }

  reconcile(key: string): ReconcileResult {
    const node = this.nodes.getByKey(key);
    if (node === undefined) {
      this.assigned.delete(key);
      return NOTHING;
    }
    const have = node.spec?.podCIDR;
    if (have !== undefined && have !== '') {
      this.assigned.set(key, have);
      return NOTHING;
    }
    const mine = this.assigned.get(key);
    const used = new Set<string>();
    for (const n of this.nodes.list()) if (n.spec?.podCIDR) used.add(n.spec.podCIDR);
    for (const [k, c] of this.assigned) if (k !== key) used.add(c);
    let cidr = mine !== undefined && !used.has(mine) ? mine : undefined;
    for (let i = 0; cidr === undefined && i < this.count; i++) {
      const c = this.cidr(i);
      if (!used.has(c)) cidr = c;
    }
    if (cidr === undefined) {
      return { actions: [{ type: 'event', involved: nodeRef(node), eventType: 'Normal', reason: 'CIDRNotAvailable', message: `Node ${key} status is now: CIDRNotAvailable` }] };
    }
    this.assigned.set(key, cidr);
    return { actions: [{ type: 'patch', resource: 'nodes', name: key, patchType: MERGE, patch: { spec: { podCIDR: cidr, podCIDRs: [cidr] } } }] };
  }

  /** Nodes still waiting for a CIDR (to retry when one is freed). */
  waiting(): string[] {
    return this.nodes.list().filter((n) => !n.spec?.podCIDR).map((n) => n.metadata.name ?? '');
  }
}

/** service-controller: load balancers for type LoadBalancer services. */
export class ServiceLoadBalancerReconciler implements Reconciler {
  readonly name = 'service-controller';
  constructor(
    private readonly services: Informer<Service>,
    private readonly cloud: SimCloud,
    private readonly clock: Clock,
  ) {}

  reconcile(key: string): ReconcileResult {
    const lbs = this.cloud.loadBalancers;
    const svc = this.services.getByKey(key);
    if (svc === undefined) {
      // Gone without our finalizer (e.g. deleted before we first saw it): just free the cloud side.
      lbs.release(key);
      return NOTHING;
    }
    const name = svc.metadata.name ?? '';
    const namespace = svc.metadata.namespace ?? 'default';
    const finalizers = svc.metadata.finalizers ?? [];
    const hasFinalizer = finalizers.includes(LOAD_BALANCER_CLEANUP_FINALIZER);
    const deleting = svc.metadata.deletionTimestamp !== undefined;
    const wants = svc.spec?.type === 'LoadBalancer' && !deleting;
    const ingress = svc.status?.loadBalancer?.ingress ?? [];
    const ref = serviceRef(svc);

    if (!wants) {
      if (!hasFinalizer && ingress.length === 0 && lbs.get(key) === undefined) return NOTHING;
      const actions: Action[] = [{ type: 'event', involved: ref, eventType: 'Normal', reason: 'DeletingLoadBalancer', message: 'Deleting load balancer' }];
      lbs.release(key);
      if (!deleting && ingress.length > 0) {
        actions.push({ type: 'patch', resource: 'services', namespace, name, patchType: MERGE, patch: { status: { loadBalancer: { ingress: null } } }, subresource: 'status' });
      }
      actions.push({ type: 'event', involved: ref, eventType: 'Normal', reason: 'DeletedLoadBalancer', message: 'Deleted load balancer' });
      if (hasFinalizer) {
        actions.push({ type: 'patch', resource: 'services', namespace, name, patchType: MERGE, patch: { metadata: { finalizers: finalizers.filter((f) => f !== LOAD_BALANCER_CLEANUP_FINALIZER) } } });
      }
      return { actions };
    }

    const actions: Action[] = [];
    if (!hasFinalizer) {
      actions.push({ type: 'event', involved: ref, eventType: 'Normal', reason: 'EnsuringLoadBalancer', message: 'Ensuring load balancer' });
      actions.push({ type: 'patch', resource: 'services', namespace, name, patchType: MERGE, patch: { metadata: { finalizers: [...finalizers, LOAD_BALANCER_CLEANUP_FINALIZER] } } });
    }
    const lb = lbs.ensure(key);
    if ('error' in lb) {
      actions.push({
        type: 'event',
        involved: ref,
        eventType: 'Warning',
        reason: 'SyncLoadBalancerFailed',
        message: `Error syncing load balancer: failed to ensure load balancer: ${lb.error}`,
      });
      return { actions, requeueAfterMs: LOAD_BALANCER_RETRY_MS };
    }
    const now = this.clock.now();
    if (now < lb.readyAt) return { actions, requeueAfterMs: lb.readyAt - now };
    if (ingress.length !== 1 || ingress[0]?.ip !== lb.ip) {
      actions.push({ type: 'patch', resource: 'services', namespace, name, patchType: MERGE, patch: { status: { loadBalancer: { ingress: [{ ip: lb.ip }] } } }, subresource: 'status' });
      actions.push({ type: 'event', involved: ref, eventType: 'Normal', reason: 'EnsuredLoadBalancer', message: 'Ensured load balancer' });
    }
    return { actions };
  }
}

/** volume-controller: dataset-cache labels on nodes that have dataset volumes attached. */
export class VolumeLabelReconciler implements Reconciler {
  readonly name = 'volume-controller';
  constructor(
    private readonly nodes: Informer<Node>,
    private readonly cloud: SimCloud,
  ) {}

  reconcile(key: string): ReconcileResult {
    const node = this.nodes.getByKey(key);
    if (node === undefined) return NOTHING;
    const want = new Set(this.cloud.volumes.datasetsOn(key).map(datasetCacheLabel));
    const labels = node.metadata.labels ?? {};
    const patch: Record<string, string | null> = {};
    for (const k of want) if (labels[k] !== DATASET_CACHED_VALUE) patch[k] = DATASET_CACHED_VALUE;
    for (const k of Object.keys(labels)) if (k.startsWith(DATASET_CACHE_LABEL_PREFIX) && !want.has(k)) patch[k] = null;
    if (Object.keys(patch).length === 0) return NOTHING;
    return { actions: [{ type: 'patch', resource: 'nodes', name: key, patchType: MERGE, patch: { metadata: { labels: patch } } }] };
  }
}

// ---------------------------------------------------------------------------------------------------------

export interface CloudControllerManagerOptions {
  readonly api: ApiServer;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly cloud: SimCloud;
  readonly clusterCIDR?: string;
  readonly nodeCIDRMaskSize?: number;
  readonly nodeMonitorPeriodMs?: number;
  readonly onError?: (controller: string, key: string, err: unknown) => void;
}

export interface CloudControllerManager {
  readonly controllers: readonly Controller[];
  readonly nodeController: Controller;
  readonly nodeLifecycleController: Controller;
  readonly routeController: Controller;
  readonly serviceController: Controller;
  readonly volumeController: Controller;
  /** Registers event handlers and starts the informers it uses; resolves when their caches are filled. */
  start(): Promise<void>;
  /** Runs the controllers until none has ready work (simulation). */
  runUntilIdle(): Promise<number>;
  /** Real time: process keys as they become ready. */
  runForever(): void;
  stop(): void;
  /** Where each dataset's volume is, for DataLocality's args. */
  datasetZones(): { name: string; zone: string }[];
}

export function createCloudControllerManager(options: CloudControllerManagerOptions): CloudControllerManager {
  const { api, informers, clock, cloud } = options;
  const nodes = informers.informer<Node>('nodes');
  const services = informers.informer<Service>('services');
  const route = new RouteReconciler(nodes, options.clusterCIDR, options.nodeCIDRMaskSize);
  const make = (reconciler: Reconciler) =>
    new Controller({ api, clock, reconciler, ...(options.onError ? { onError: (key: string, err: unknown) => options.onError!(reconciler.name, key, err) } : {}) });
  const nodeController = make(new CloudNodeReconciler(nodes, cloud));
  const nodeLifecycleController = make(new CloudNodeLifecycleReconciler(nodes, cloud, options.nodeMonitorPeriodMs));
  const routeController = make(route);
  const serviceController = make(new ServiceLoadBalancerReconciler(services, cloud, clock));
  const volumeController = make(new VolumeLabelReconciler(nodes, cloud));
  const controllers = [nodeController, nodeLifecycleController, routeController, serviceController, volumeController];
  const unsubscribe: (() => void)[] = [];
  const nameOf = (o: { metadata?: { name?: string } }) => o.metadata?.name ?? '';
  const serviceKey = (s: Service) => `${s.metadata.namespace ?? 'default'}/${nameOf(s)}`;

  return {
    controllers,
    nodeController,
    nodeLifecycleController,
    routeController,
    serviceController,
    volumeController,
    async start() {
      const onNode = (n: Node) => {
        const k = nameOf(n);
        for (const c of [nodeController, nodeLifecycleController, routeController, volumeController]) c.enqueue(k);
      };
      nodes.addEventHandler({
        onAdd: onNode,
        onUpdate: (_old, n) => onNode(n),
        onDelete: (n) => {
          routeController.enqueue(nameOf(n));
          // A freed CIDR may let a waiting node have one.
          for (const w of route.waiting()) routeController.enqueue(w);
        },
      });
      services.addEventHandler({
        onAdd: (s) => serviceController.enqueue(serviceKey(s)),
        onUpdate: (_old, s) => serviceController.enqueue(serviceKey(s)),
        onDelete: (s) => serviceController.enqueue(serviceKey(s)),
      });
      unsubscribe.push(
        cloud.subscribe({
          onInstanceTerminated: (vm) => nodeLifecycleController.enqueue(vm.nodeName),
          onInstanceRunning: (vm) => nodeController.enqueue(vm.nodeName),
        }),
        cloud.volumes.onChange((nodeName) => volumeController.enqueue(nodeName)),
      );
      await nodes.start();
      await services.start();
    },
    runUntilIdle: () => settle(controllers),
    runForever() {
      for (const c of controllers) c.runForever();
    },
    stop() {
      for (const u of unsubscribe.splice(0)) u();
      for (const c of controllers) c.stop();
    },
    datasetZones: () => cloud.volumes.datasetZones(),
  };
}
