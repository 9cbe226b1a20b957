// What the scheduler knows about a pod, computed once when the pod enters the scheduler (framework
// PodInfo): its requests as numbers, the non-zero variant used in scoring, images, host ports, GPU and
// dataset asks. Plugins compile selectors and affinity terms in PreFilter from `pod`.
import { podRequests, podRequestsNonZero, type Labels, type Pod, type PodResourceRequests, type Toleration } from '../api/index.js';
import { RecentCache } from '../util/recent.js';

/** drydock's GPU and data-locality annotations (shared with the workload loader and the kubelet). */
export const GPU_MILLI_RESOURCE = 'drydock.io/gpu-milli';
export const GPU_RESOURCE = 'nvidia.com/gpu';
export const GPU_MODEL_LABEL = 'drydock.io/gpu-model';
export const GPU_DEVICES_ANNOTATION = 'drydock.io/gpu-devices';
export const DATASETS_ANNOTATION = 'drydock.io/datasets';

export interface HostPort {
  readonly protocol: string;
  readonly hostIP: string;
  readonly port: number;
}

export interface PodInfo {
  readonly pod: Pod;
  /** namespace/name */
  readonly key: string;
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly priority: number;
  readonly preemptionPolicy: string;
  readonly schedulerName: string;
  readonly nodeName: string | undefined;
  readonly tolerations: readonly Toleration[];
  /** Filter-side requests: cpu in milli-cores, memory and ephemeral-storage in bytes, scalars by name. */
  readonly cpu: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  /** Extended resources the pod asks for (nvidia.com/gpu, example.com/foo ...), excluding drydock.io/gpu-milli. */
  readonly scalars: ReadonlyMap<string, number>;
  /** Scoring-side requests with the 100m / 200Mi defaults for containers that name none. */
  readonly nonZeroCpu: number;
  readonly nonZeroMemory: number;
  /** Container images, normalised as ImageLocality sees them (":latest" added when untagged). */
  readonly images: readonly string[];
  readonly containerCount: number;
  readonly hostPorts: readonly HostPort[];
  /** Whole GPUs asked for (nvidia.com/gpu). */
  readonly gpus: number;
  /** A share of one GPU in thousandths (drydock.io/gpu-milli), 0 if none. */
  readonly gpuMilli: number;
  /** Datasets the pod reads (annotation drydock.io/datasets). */
  readonly datasets: readonly string[];
  /** When the pod started (status.startTime) in ms, for preemption's victim order; creation time if not started. */
  readonly startTime: number;
}

/** ImageLocality's normalisation (image_locality.go normalizedImageName): untagged images mean ":latest". */
export function normalizedImageName(name: string): string {
  const lastSlash = name.lastIndexOf('/');
  const tail = name.slice(lastSlash + 1);
  if (tail.includes(':') || tail.includes('@')) return name;
  return `${name}:latest`;
}

/**
 * What a PodInfo takes from the pod's containers (requests, images, host ports), shared by its versions,
 * with the other spec fields the requests depend on (compared by identity).
 */
type ContainerFacts = Pick<
  PodInfo,
  'cpu' | 'memory' | 'ephemeralStorage' | 'scalars' | 'nonZeroCpu' | 'nonZeroMemory' | 'images' | 'containerCount' | 'hostPorts' | 'gpus' | 'gpuMilli'
> & { readonly init: unknown; readonly resources: unknown; readonly overhead: unknown };

/**
 * Container facts by the containers array they came from. API objects are replaced, never changed in
 * place, and a pod's versions (created, assumed, bound) share their containers array and come within a
 * short while of each other, so the quantities are parsed about once per pod; the other inputs are checked
 * by identity. Recent pods only, so that the facts of every pod ever seen are not kept.
 */
const factsByContainers = new RecentCache<object, ContainerFacts>(8192);
const NO_SCALARS: ReadonlyMap<string, number> = new Map();
const NO_HOST_PORTS: readonly HostPort[] = Object.freeze([]);
const NO_DATASETS: readonly string[] = Object.freeze([]);

/**
 * Both requests of pods whose request is the sum of their containers' (no init containers, pod-level
 * resources or overhead), by the text of those containers' requests: pods made from one template share
 * them, so the quantities are added up once per shape rather than once per pod.
 */
const requestsByText = new RecentCache<string, { readonly req: PodResourceRequests; readonly nz: PodResourceRequests }>(1024);

function requestsOf(spec: Pod['spec']): { readonly req: PodResourceRequests; readonly nz: PodResourceRequests } {
  const text = containerRequestsText(spec);
  const known = text === undefined ? undefined : requestsByText.get(text);
  if (known !== undefined) return known;
  const both = { req: podRequests(spec), nz: podRequestsNonZero(spec) };
  if (text !== undefined) requestsByText.set(text, both);
  return both;
}

/**
 * The containers' requests written out (names and quantity texts, container by container), which decide
 * both requests when nothing else does; undefined for a pod with init containers, pod-level resources or
 * overhead. Which resources a container names matters too (the non-zero defaults apply to the others).
 */
function containerRequestsText(spec: Pod['spec']): string | undefined {
  if ((spec.initContainers?.length ?? 0) > 0 || spec.resources !== undefined || spec.overhead !== undefined) return undefined;
  let text = '';
  for (const c of spec.containers ?? []) {
    text += '|';
    const requests = c.resources?.requests;
    if (requests !== undefined) for (const name in requests) text += `${name}=${String(requests[name])};`;
  }
  return text;
}

function containerFacts(spec: Pod['spec']): ContainerFacts {
  const containers = spec.containers ?? [];
  const cached = factsByContainers.get(containers);
  if (cached !== undefined && cached.init === spec.initContainers && cached.resources === spec.resources && cached.overhead === spec.overhead) return cached;
  const { req, nz } = requestsOf(spec);
  let scalars: Map<string, number> | undefined;
  for (const [name, amount] of Object.entries(req)) {
    if (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name === GPU_MILLI_RESOURCE) continue;
    if (typeof amount === 'number' && amount > 0) (scalars ??= new Map()).set(name, amount);
  }
  const init = spec.initContainers ?? [];
  const hostPorts: HostPort[] = [];
  // Host ports of regular containers and of sidecars (init containers with restartPolicy Always), as
  // upstream GetHostPorts counts them; ordinary init containers have finished before the pod runs.
  const sidecars = init.filter((c) => (c as { restartPolicy?: string }).restartPolicy === 'Always');
  for (const c of [...sidecars, ...containers]) {
    for (const p of c.ports ?? []) {
      if (p.hostPort !== undefined && p.hostPort > 0) hostPorts.push({ protocol: p.protocol ?? 'TCP', hostIP: p.hostIP ?? '0.0.0.0', port: p.hostPort });
    }
  }
  const facts: ContainerFacts = {
    init: spec.initContainers,
    resources: spec.resources,
    overhead: spec.overhead,
    cpu: req['cpu'] ?? 0,
    memory: req['memory'] ?? 0,
    ephemeralStorage: req['ephemeral-storage'] ?? 0,
    scalars: scalars ?? NO_SCALARS,
    nonZeroCpu: nz['cpu'] ?? 0,
    nonZeroMemory: nz['memory'] ?? 0,
    images: [...init, ...containers].map((c) => normalizedImageName(c.image ?? '')),
    containerCount: init.length + containers.length,
    hostPorts: hostPorts.length === 0 ? NO_HOST_PORTS : hostPorts,
    gpus: req[GPU_RESOURCE] ?? 0,
    gpuMilli: req[GPU_MILLI_RESOURCE] ?? 0,
  };
  factsByContainers.set(containers, facts);
  return facts;
}

export function makePodInfo(pod: Pod): PodInfo {
  const meta = pod.metadata ?? {};
  const spec = pod.spec;
  const facts = containerFacts(spec);
  const annotations = meta.annotations ?? {};
  const datasetsText = annotations[DATASETS_ANNOTATION];
  const datasets =
    datasetsText === undefined
      ? NO_DATASETS
      : datasetsText
          .split(',')
          .map((d) => d.trim())
          .filter((d) => d.length > 0);
  const started = pod.status?.startTime ?? meta.creationTimestamp;
  return {
    pod,
    key: `${meta.namespace ?? ''}/${meta.name ?? ''}`,
    uid: meta.uid ?? '',
    name: meta.name ?? '',
    namespace: meta.namespace ?? '',
    labels: meta.labels ?? {},
    priority: spec.priority ?? 0,
    preemptionPolicy: spec.preemptionPolicy ?? 'PreemptLowerPriority',
    schedulerName: spec.schedulerName ?? 'default-scheduler',
    nodeName: spec.nodeName === '' ? undefined : spec.nodeName,
    tolerations: spec.tolerations ?? [],
    cpu: facts.cpu,
    memory: facts.memory,
    ephemeralStorage: facts.ephemeralStorage,
    scalars: facts.scalars,
    nonZeroCpu: facts.nonZeroCpu,
    nonZeroMemory: facts.nonZeroMemory,
    images: facts.images,
    containerCount: facts.containerCount,
    hostPorts: facts.hostPorts,
    gpus: facts.gpus,
    gpuMilli: facts.gpuMilli,
    datasets,
    startTime: started !== undefined ? Date.parse(started) : 0,
  };
}
