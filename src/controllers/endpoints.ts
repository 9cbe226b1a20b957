// The endpoints controller (kube-controller-manager's "endpoint-controller", pkg/controller/endpoint/
// endpoints_controller.go syncService): for every Service with a selector, an Endpoints object of the same
// name listing the IPs of the pods it selects, ready ones in `addresses` and the others in
// `notReadyAddresses`, per resolved target port, in the canonical packed layout of
// pkg/api/v1/endpoints/util.go RepackSubsets. It writes only when the result differs from what is stored,
// and deletes the Endpoints itself when its Service goes (upstream does the same in syncService; Endpoints
// carry no ownerReference, so the garbage collector is not involved).
import type { Container, ContainerPort, EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Labels, Pod, Service, ServicePort } from '../api/index.js';
import { compileLabelSet } from '../api/index.js';
import type { ApiServer } from '../apiserver/apiserver.js';
import type { Informer, SharedInformerFactory } from '../apiserver/informer.js';
import { jsonEqual } from '../apiserver/meta.js';
import type { Json } from '../apiserver/strategy.js';
import type { Clock } from '../util/clock.js';
import { Controller, NOTHING, type Action, type ReconcileResult, type Reconciler } from './runtime.js';

/**
 * What a reconciler reads: an informer's cache (Informer satisfies it). Table tests hand in plain arrays
 * wrapped in the same three methods.
 */
export interface ObjectCache<T> {
  get(namespace: string | undefined, name: string): T | undefined;
  byIndex(index: string, value: string): T[];
  list(): T[];
}

export const ENDPOINTS_CONTROLLER_NAME = 'endpoint-controller';
/** Endpoints hold at most this many addresses; the rest are cut (endpoints_controller.go maxCapacity). */
export const MAX_ENDPOINTS_CAPACITY = 1000;
/** v1.EndpointsOverCapacity and its value ("truncated"). */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
/** v1.IsHeadlessService: set on the Endpoints of a service without a cluster IP. */
export const HEADLESS_SERVICE_LABEL = 'service.kubernetes.io/headless';

export function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return slash < 0 ? ['', key] : [key.slice(0, slash), key.slice(slash + 1)];
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * endpointsliceutil.ShouldPodBeInEndpoints: not terminal (Succeeded/Failed), has an IP, and is not being
 * deleted unless the service publishes not-ready addresses.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (podIP(pod) === undefined) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp !== undefined) return false;
  return true;
}

function podIP(pod: Pod): string | undefined {
  const status = pod.status as (Pod['status'] & { readonly podIPs?: readonly { readonly ip: string }[] }) | undefined;
  const first = status?.podIPs?.[0]?.ip;
  if (first !== undefined && first !== '') return first;
  const ip = status?.podIP;
  return ip !== undefined && ip !== '' ? ip : undefined;
}

/**
 * podutil.FindPort: a numeric targetPort is the port; a named one is the container port of that name and
 * the service port's protocol, looked up in the containers and then the restartable (sidecar) init
 * containers. Undefined when a named port is not found (the pod is then left out of that port).
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = servicePort.protocol ?? 'TCP';
  const spec = pod.spec as Pod['spec'] & { readonly initContainers?: readonly (Container & { readonly restartPolicy?: string })[] };
  const search = (containers: readonly Container[] | undefined): number | undefined => {
    for (const c of containers ?? []) {
      for (const p of (c.ports ?? []) as readonly ContainerPort[]) {
        if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
      }
    }
    return undefined;
  };
  return search(spec.containers) ?? search((spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'));
}

function isHeadless(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return ip === undefined || ip === '' || ip === 'None';
}

function addressFor(svc: Service, pod: Pod, ip: string): EndpointAddress {
  const spec = pod.spec as Pod['spec'] & { readonly hostname?: string; readonly subdomain?: string };
  // endpointsliceutil.ShouldSetHostname: the pod names this service as its subdomain.
  const hostname = spec.hostname !== undefined && spec.hostname !== '' && spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace ? spec.hostname : undefined;
  return {
    ip,
    ...(hostname !== undefined ? { hostname } : {}),
    nodeName: spec.nodeName ?? '',
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
  };
}

/** LessEndpointAddress: by IP (bytes), then by targetRef uid. */
function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? '';
  const ub = b.targetRef?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function portKey(p: EndpointPort): string {
  return JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? '']);
}

/**
 * RepackSubsets: expand to (port, address, ready) triples, let "not ready" win for an address seen both
 * ways on one port, group ports that have the same set of (address, ready), and sort. Upstream orders
 * subsets and ports by an md5 of Go's spew dump; drydock orders them by their JSON text instead, which is
 * just as deterministic (the order carries no meaning).
 */
export function repackSubsets(entries: readonly { readonly address: EndpointAddress; readonly port: EndpointPort | undefined; readonly ready: boolean }[]): EndpointSubset[] {
  const addressKey = (a: EndpointAddress) => `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
  const ports = new Map<string, { port: EndpointPort | undefined; addrs: Map<string, { address: EndpointAddress; ready: boolean }> }>();
  for (const e of entries) {
    const pk = e.port === undefined ? '' : portKey(e.port);
    let slot = ports.get(pk);
    if (slot === undefined) ports.set(pk, (slot = { port: e.port, addrs: new Map() }));
    const ak = addressKey(e.address);
    const prev = slot.addrs.get(ak);
    if (prev === undefined || prev.ready) slot.addrs.set(ak, { address: prev?.address ?? e.address, ready: e.ready });
  }
  const groups = new Map<string, { addrs: { address: EndpointAddress; ready: boolean }[]; ports: EndpointPort[] }>();
  for (const slot of ports.values()) {
    const addrs = [...slot.addrs.values()].sort((a, b) => compareAddresses(a.address, b.address));
    const key = JSON.stringify(addrs.map((a) => [addressKey(a.address), a.ready]));
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { addrs, ports: [] }));
    if (slot.port !== undefined) g.ports.push(slot.port);
  }
  const subsets: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready = g.addrs.filter((a) => a.ready).map((a) => a.address);
    const notReady = g.addrs.filter((a) => !a.ready).map((a) => a.address);
    const sortedPorts = [...g.ports].sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0));
    subsets.push({
      ...(ready.length > 0 ? { addresses: ready } : {}),
      ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}),
      ...(sortedPorts.length > 0 ? { ports: sortedPorts } : {}),
    });
  }
  const text = subsets.map((s) => JSON.stringify(s));
  return subsets.map((s, i) => ({ s, t: text[i]! })).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0)).map((x) => x.s);
}

/**
 * truncateEndpoints: keep at most MAX_ENDPOINTS_CAPACITY addresses, ready ones first, spread over the
 * subsets in proportion to their size (rounded up, the last subset taking what is left). True if cut.
 */
export function truncateSubsets(subsets: EndpointSubset[], max = MAX_ENDPOINTS_CAPACITY): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= max) return false;
  const truncateReady = totalReady > max;
  const room = truncateReady ? max : max - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = room;
  for (let i = 0; i < subsets.length; i++) {
    const s = subsets[i]!;
    const inSubset = truncateReady ? (s.addresses?.length ?? 0) : (s.notReadyAddresses?.length ?? 0);
    const toBeAdded = Math.min(canBeAdded, Math.ceil((inSubset / numTotal) * room));
    if (truncateReady) {
      const addresses = (s.addresses ?? []).slice(0, toBeAdded);
      subsets[i] = { ...(addresses.length > 0 ? { addresses } : {}), ...(s.ports !== undefined ? { ports: s.ports } : {}) };
      canBeAdded -= addresses.length;
    } else {
      const notReadyAddresses = (s.notReadyAddresses ?? []).slice(0, toBeAdded);
      const { notReadyAddresses: _drop, ...rest } = s;
      subsets[i] = { ...rest, ...(notReadyAddresses.length > 0 ? { notReadyAddresses } : {}) };
      canBeAdded -= notReadyAddresses.length;
    }
  }
  return true;
}

/** The subsets the service should have, from the pods in the cache. */
export function desiredSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const selector = compileLabelSet(svc.spec?.selector);
  const publishNotReady = (svc.spec as { readonly publishNotReadyAddresses?: boolean } | undefined)?.publishNotReadyAddresses === true;
  const ports = svc.spec?.ports ?? [];
  const entries: { address: EndpointAddress; port: EndpointPort | undefined; ready: boolean }[] = [];
  for (const pod of pods) {
    if (!selector(pod.metadata.labels)) continue;
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = addressFor(svc, pod, podIP(pod)!);
    const ready = publishNotReady || isPodReady(pod);
    if (ports.length === 0) {
      // A headless service may have no ports: its addresses alone (DNS needs nothing else).
      if (svc.spec?.clusterIP === 'None') entries.push({ address, port: undefined, ready });
      continue;
    }
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue; // "Failed to find port for service"
      const ep: EndpointPort = {
        ...(sp.name !== undefined && sp.name !== '' ? { name: sp.name } : {}),
        port,
        protocol: sp.protocol ?? 'TCP',
        ...(sp.appProtocol !== undefined ? { appProtocol: sp.appProtocol } : {}),
      };
      entries.push({ address, port: ep, ready });
    }
  }
  return repackSubsets(entries);
}

/** Subsets compared without targetRef.resourceVersion (endpointSubsetsEqualIgnoreResourceVersion). */
function subsetsEqual(a: readonly EndpointSubset[] | undefined, b: readonly EndpointSubset[]): boolean {
  const strip = (subsets: readonly EndpointSubset[] | undefined) =>
    (subsets ?? []).map((s) => {
      const clean = (list: readonly EndpointAddress[] | undefined) =>
        list?.map((x) => (x.targetRef?.resourceVersion !== undefined ? { ...x, targetRef: { ...x.targetRef, resourceVersion: undefined } } : x));
      return { addresses: clean(s.addresses) ?? [], notReadyAddresses: clean(s.notReadyAddresses) ?? [], ports: s.ports ?? [] };
    });
  return jsonEqual(strip(a), strip(b));
}

function withoutKey(labels: Labels | undefined, key: string): Labels {
  const out: Record<string, string> = { ...(labels ?? {}) };
  delete out[key];
  return out;
}

export interface EndpointsCaches {
  readonly services: ObjectCache<Service>;
  readonly pods: ObjectCache<Pod>;
  readonly endpoints: ObjectCache<Endpoints>;
}

/** syncService as a pure function of the caches: key "namespace/name" of a Service. */
export class EndpointsReconciler implements Reconciler {
  readonly name = ENDPOINTS_CONTROLLER_NAME;

  constructor(private readonly caches: EndpointsCaches) {}

  reconcile(key: string): ReconcileResult {
    const [namespace, name] = splitKey(key);
    const svc = this.caches.services.get(namespace, name);
    const current = this.caches.endpoints.get(namespace, name);
    if (svc === undefined) {
      // The service is gone: so are its endpoints (upstream deletes even without looking; a 404 is fine).
      if (current === undefined) return NOTHING;
      return { actions: [{ type: 'delete', resource: 'endpoints', namespace, name }] };
    }
    // ExternalName services get no endpoints (issues.k8s.io/105986); services without a selector keep the
    // endpoints someone else writes. An empty selector counts as none: Go's omitempty drops `selector: {}`
    // on the way through storage, so upstream sees nil too.
    if (svc.spec?.type === 'ExternalName') return NOTHING;
    const selector = svc.spec?.selector;
    if (selector === undefined || Object.keys(selector).length === 0) return NOTHING;

    const subsets = desiredSubsets(svc, this.caches.pods.byIndex('namespace', namespace));
    const svcLabels = svc.metadata.labels ?? {};
    if (current !== undefined) {
      const overCapacity = (current.metadata.annotations ?? {})[OVER_CAPACITY_ANNOTATION] !== undefined;
      let count = 0;
      for (const s of current.subsets ?? []) count += (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0);
      const capacityOk = count <= MAX_ENDPOINTS_CAPACITY && !overCapacity;
      if (subsetsEqual(current.subsets, subsets) && jsonEqual(withoutKey(current.metadata.labels, HEADLESS_SERVICE_LABEL), svcLabels) && capacityOk) return NOTHING;
    }
    const truncated = truncateSubsets(subsets);
    const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
    if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    const labels: Record<string, string> = { ...svcLabels };
    if (isHeadless(svc)) labels[HEADLESS_SERVICE_LABEL] = '';
    const metadata = {
      ...(current?.metadata ?? {}),
      name,
      namespace,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    };
    if (Object.keys(labels).length === 0) delete (metadata as { labels?: unknown }).labels;
    if (Object.keys(annotations).length === 0) delete (metadata as { annotations?: unknown }).annotations;
    const object = { apiVersion: 'v1', kind: 'Endpoints', metadata, ...(subsets.length > 0 ? { subsets } : {}) } as unknown as Json;
    const action: Action = current === undefined ? { type: 'create', resource: 'endpoints', object } : { type: 'update', resource: 'endpoints', object };
    return { actions: [action] };
  }
}

export interface EndpointsControllerOptions {
  readonly api: ApiServer;
  readonly clock: Clock;
  readonly informers: SharedInformerFactory;
  readonly onError?: (key: string, err: unknown) => void;
}

/**
 * The controller with its informer wiring (NewEndpointController): services enqueue themselves; a pod
 * enqueues every service in its namespace that selects it before or after the change; a deleted
 * Endpoints enqueues its key (so it is recreated). Endpoints present at start are enqueued once, which
 * deletes those whose service is gone (checkLeftoverEndpoints).
 */
export function newEndpointsController(options: EndpointsControllerOptions): { controller: Controller; reconciler: EndpointsReconciler } {
  const services = options.informers.informer<Service>('services');
  const pods = options.informers.informer<Pod>('pods');
  const endpoints = options.informers.informer<Endpoints>('endpoints');
  const reconciler = new EndpointsReconciler({ services, pods, endpoints });
  const controller = new Controller({ api: options.api, clock: options.clock, reconciler, ...(options.onError ? { onError: options.onError } : {}) });
  const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
  services.addEventHandler({
    onAdd: (s) => controller.enqueue(keyOf(s)),
    onUpdate: (_, s) => controller.enqueue(keyOf(s)),
    onDelete: (s) => controller.enqueue(keyOf(s)),
  });
  const enqueueServicesOf = (...podsChanged: Pod[]) => {
    const ns = podsChanged[0]?.metadata.namespace ?? '';
    for (const svc of services.byIndex('namespace', ns)) {
      const selector = svc.spec?.selector;
      if (selector === undefined || Object.keys(selector).length === 0) continue;
      const matches = compileLabelSet(selector);
      if (podsChanged.some((p) => matches(p.metadata.labels))) controller.enqueue(keyOf(svc));
    }
  };
  pods.addEventHandler({
    onAdd: (p) => enqueueServicesOf(p),
    onUpdate: (oldPod, newPod) => enqueueServicesOf(oldPod, newPod),
    onDelete: (p) => enqueueServicesOf(p),
  });
  const leftovers = (informer: Informer<Endpoints>) => {
    for (const ep of informer.list()) controller.enqueue(keyOf(ep));
  };
  endpoints.addEventHandler({
    // Only the initial list (before the informer has synced) counts as leftovers.
    onAdd: (ep) => {
      if (!endpoints.hasSynced) controller.enqueue(keyOf(ep));
    },
    onDelete: (ep) => controller.enqueue(keyOf(ep)),
  });
  if (endpoints.hasSynced) leftovers(endpoints);
  return { controller, reconciler };
}
