// Node pools from a YAML file: one or more drydock.io/v1 NodePool documents and at most one
// ClusterAutoscalerSettings document. Each pool is resolved against the instance catalog (or an explicit
// shape) into what its nodes look like: capacity, allocatable (capacity minus the kubelet's reservations, as
// a real node reports it), well-known labels and taints. Every mistake is one UserInputError with the file,
// the line of the offending field and the field path: `pools.yaml:12: NodePool "gpu": spec.minSize: ...`.
//
// Allocatable (kubelet: allocatable = capacity − kube-reserved − system-reserved − eviction-threshold) uses
// the Amazon EKS AMI's defaults, which EKS applies to every node it bootstraps
// (awslabs/amazon-eks-ami files/bootstrap.sh, read at 0158a1ea2c5de86e99048de507eaa75f9e181110):
//   kubeReserved.cpu    = 6% of the first core + 1% of the second + 0.5% of cores 3–4 + 0.25% of the rest,
//                         each range in integer millicores ((min(total, end) − start) × pct / 100 / 100,
//                         get_cpu_millicores_to_reserve; the ranges are GKE's, as the script says);
//   kubeReserved.memory = 11 Mi × maxPods + 255 Mi (get_memory_mebibytes_to_reserve);
//   kubeReserved.ephemeral-storage = 1Gi;
//   evictionHard        = memory.available 100Mi, nodefs.available 10% (subtracted from ephemeral-storage);
//   systemReserved      = none.
// EKS takes maxPods from the ENI limits (eni-max-pods.txt); drydock does not model ENIs and uses the kubelet's
// default --max-pods 110 unless the pool's shape says otherwise. A pool's spec.systemReserved, when given,
// replaces this whole default: it is the total subtracted from capacity (the field's documented meaning).
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import { cpuMilli, labelKeyProblem, labelValueProblem, memoryBytes, tryParseQuantity, type Labels, type Node, type NodePool, type ResourceList, type Taint } from '../api/index.js';
import { formatFieldError, type FieldError } from '../apiserver/errors.js';
import { CONTROL_PLANE_LABEL, isRecord, strategyFor, type Json } from '../apiserver/strategy.js';
import { UserInputError } from '../cli/errors.js';
import type { Catalog } from './catalog.js';
import type { InstanceType } from './provider.js';

// ---------------------------------------------------------------------------------------------------------
// Well-known names

export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_NODEPOOL = 'drydock.io/nodepool';
export const LABEL_GPU_MODEL = 'drydock.io/gpu-model';
/** "spot" or "on-demand" (Karpenter's karpenter.sh/capacity-type values). */
export const LABEL_CAPACITY_TYPE = 'drydock.io/capacity-type';
export const GPU_RESOURCE = 'nvidia.com/gpu';
/** The taint a kubelet started with --cloud-provider=external registers with, until the cloud-controller-manager
 * initialises the node (k8s.io/cloud-provider api/well_known_taints.go TaintExternalCloudProvider). */
export const TAINT_UNINITIALIZED = 'node.cloudprovider.kubernetes.io/uninitialized';

/** Simulation knobs a pool carries as annotations (NodePoolSpec has no fields for them). */
export const ANNOTATION_FAILURE_RATE = 'drydock.io/provisioning-failure-rate';
export const ANNOTATION_INTERRUPTION_RATE = 'drydock.io/spot-interruption-rate-per-hour';

/** Seconds from asking for a VM to it running, when a pool does not say: 60 s, a round drydock default (the CA FAQ
 * says GCE node provisioning "usually takes 3 to 4 minutes" end to end; set provisioningDelaySeconds to model that). */
export const DEFAULT_PROVISIONING_DELAY_SECONDS = 60;
/** The kubelet's default --max-pods. */
export const DEFAULT_MAX_PODS = 110;
/** kubelet's default hard eviction threshold for memory (also what the EKS AMI sets). */
export const EVICTION_HARD_MEMORY_BYTES = 100 * 1024 * 1024;

const MI = 1024 * 1024;
const GI = 1024 * MI;

// ---------------------------------------------------------------------------------------------------------
// Cluster Autoscaler settings

/**
 * Cluster Autoscaler's settings under its own names (cluster-autoscaler FAQ.md parameter table). Durations are
 * in milliseconds here and Go duration strings ("10s", "10m") in the file.
 */
export interface ClusterAutoscalerSettings {
  /** --scan-interval, ms. */
  readonly scanInterval: number;
  /** --scale-down-unneeded-time, ms. */
  readonly scaleDownUnneededTime: number;
  /** --scale-down-delay-after-add, ms. */
  readonly scaleDownDelayAfterAdd: number;
  /** --scale-down-utilization-threshold, a fraction. */
  readonly scaleDownUtilizationThreshold: number;
  /** --max-node-provision-time, ms. */
  readonly maxNodeProvisionTime: number;
  /** --expander: one name or a chain ("priority,least-waste"). */
  readonly expander: readonly Expander[];
  /** --max-nodes-total; 0 = no limit. */
  readonly maxNodesTotal: number;
  /** Upper bound of --cores-total, in cores. */
  readonly maxCoresTotal: number;
  /** Upper bound of --memory-total, in GiB (CA counts gigabytes of memory). */
  readonly maxMemoryTotal: number;
  /** --balance-similar-node-groups. */
  readonly balanceSimilarNodeGroups: boolean;
}

export const EXPANDERS = ['random', 'most-pods', 'least-waste', 'price', 'priority', 'grpc', 'least-nodes'] as const;
export type Expander = (typeof EXPANDERS)[number];

/** Cluster Autoscaler's defaults (FAQ.md parameter table; shared/reference/autoscaling.md). */
export const DEFAULT_AUTOSCALER_SETTINGS: ClusterAutoscalerSettings = Object.freeze({
  scanInterval: 10_000,
  scaleDownUnneededTime: 600_000,
  scaleDownDelayAfterAdd: 600_000,
  scaleDownUtilizationThreshold: 0.5,
  maxNodeProvisionTime: 900_000,
  expander: Object.freeze(['least-waste'] as Expander[]),
  maxNodesTotal: 0,
  maxCoresTotal: 320_000,
  maxMemoryTotal: 6_400_000,
  balanceSimilarNodeGroups: false,
});

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("10s", "1m30s", "500ms") in milliseconds, or undefined if it is not one. */
export function parseGoDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (m === null) return undefined;
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    i = re.lastIndex;
  }
  return s.length > 0 ? total : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Reservations (allocatable arithmetic)

/** EKS kubeReserved CPU in millicores for a node of `totalMilli` millicores (bootstrap.sh get_cpu_millicores_to_reserve). */
export function eksReservedCpuMilli(totalMilli: number): number {
  const ranges = [0, 1000, 2000, 4000, totalMilli];
  const pct = [600, 100, 50, 25]; // percent × 100
  let reserve = 0;
  for (let i = 0; i < pct.length; i++) {
    const start = ranges[i]!;
    const end = ranges[i + 1]!;
    if (totalMilli > start) reserve += Math.trunc(((Math.min(totalMilli, end) - start) * pct[i]!) / 100 / 100);
  }
  return reserve;
}

/** EKS kubeReserved memory in MiB for `maxPods` pods (bootstrap.sh get_memory_mebibytes_to_reserve). */
export function eksReservedMemoryMi(maxPods: number): number {
  return 11 * maxPods + 255;
}

/** What is subtracted from capacity, per resource, and why. */
export interface Reservation {
  readonly source: 'eks-default' | 'spec.systemReserved' | 'kubelet-default';
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  readonly ephemeralStorageBytes: number;
  /** The parts, for explanations: e.g. { "kubeReserved.memory": "1465Mi", "evictionHard.memory.available": "100Mi" }. */
  readonly parts: Readonly<Record<string, string>>;
}

export interface Shape {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  readonly ephemeralStorageBytes?: number;
  readonly pods: number;
  readonly gpus: number;
}

/** The EKS default reservation for a shape (see the header comment). */
export function eksReservation(shape: Shape): Reservation {
  const cpu = eksReservedCpuMilli(shape.cpuMilli);
  const memMi = eksReservedMemoryMi(shape.pods);
  const eph = shape.ephemeralStorageBytes;
  const evictNodefs = eph === undefined ? 0 : Math.ceil(eph * 0.1);
  return {
    source: 'eks-default',
    cpuMilli: cpu,
    memoryBytes: memMi * MI + EVICTION_HARD_MEMORY_BYTES,
    ephemeralStorageBytes: eph === undefined ? 0 : GI + evictNodefs,
    parts: {
      'kubeReserved.cpu': `${cpu}m`,
      'kubeReserved.memory': `${memMi}Mi`,
      'evictionHard.memory.available': '100Mi',
      ...(eph === undefined ? {} : { 'kubeReserved.ephemeral-storage': '1Gi', 'evictionHard.nodefs.available': '10%' }),
    },
  };
}

/** Formats millicores as a quantity: whole cores when exact ("4"), else millicores ("3920m"). */
export function formatCpu(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Formats bytes as a kubelet reports memory: Ki when exact ("8029428Ki"), else bytes. */
export function formatBytes(bytes: number): string {
  if (bytes % GI === 0 && bytes !== 0) return `${bytes / GI}Gi`;
  if (bytes % MI === 0 && bytes !== 0) return `${bytes / MI}Mi`;
  return bytes % 1024 === 0 && bytes !== 0 ? `${bytes / 1024}Ki` : String(bytes);
}

function capacityList(shape: Shape): ResourceList {
  return {
    cpu: formatCpu(shape.cpuMilli),
    memory: formatBytes(shape.memoryBytes),
    pods: String(shape.pods),
    ...(shape.ephemeralStorageBytes !== undefined ? { 'ephemeral-storage': formatBytes(shape.ephemeralStorageBytes) } : {}),
    ...(shape.gpus > 0 ? { [GPU_RESOURCE]: String(shape.gpus) } : {}),
  };
}

function allocatableList(shape: Shape, r: Reservation): ResourceList {
  return {
    cpu: formatCpu(shape.cpuMilli - r.cpuMilli),
    memory: formatBytes(shape.memoryBytes - r.memoryBytes),
    pods: String(shape.pods),
    ...(shape.ephemeralStorageBytes !== undefined ? { 'ephemeral-storage': formatBytes(shape.ephemeralStorageBytes - r.ephemeralStorageBytes) } : {}),
    ...(shape.gpus > 0 ? { [GPU_RESOURCE]: String(shape.gpus) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Resolved pools

/** A NodePool resolved against the catalog: everything the simulated cloud and the autoscaler need. */
export interface ResolvedNodePool {
  readonly name: string;
  /** The NodePool object as given (apiVersion/kind/metadata/spec), for creating it in the API server. */
  readonly object: NodePool;
  readonly instanceType: InstanceType;
  readonly region: string;
  /** Zones nodes are spread over; empty for a zone-less pool (the single-node preset). */
  readonly zones: readonly string[];
  readonly spot: boolean;
  /** USD per hour per machine: the spot price for spot pools. */
  readonly pricePerHour: number;
  readonly minSize: number;
  readonly maxSize: number;
  readonly initialSize: number;
  readonly provisioningDelayMs: number;
  /** Probability a requested VM never comes up (annotation drydock.io/provisioning-failure-rate). */
  readonly failureRate: number;
  /** Spot interruptions per VM-hour (annotation drydock.io/spot-interruption-rate-per-hour). */
  readonly interruptionRatePerHour: number;
  readonly shape: Shape;
  readonly reservation: Reservation;
  readonly capacity: ResourceList;
  readonly allocatable: ResourceList;
  /** Labels every node of the pool carries, except per-node ones (hostname, zone). */
  readonly labels: Labels;
  readonly taints: readonly Taint[];
  /** When set, the pool's only node has this name (the single-node preset). */
  readonly fixedNodeName?: string;
  /** "file:line" of the pool's document, or a description for presets. */
  readonly where: string;
}

export interface NodeTemplateOptions {
  readonly nodeName: string;
  /** '' or absent: no zone label (zone-less pools). */
  readonly zone?: string;
  readonly providerID?: string;
  /** Register with node.cloudprovider.kubernetes.io/uninitialized:NoSchedule, as a kubelet run with
   * --cloud-provider=external does until the cloud-controller-manager initialises the node. */
  readonly uninitialized?: boolean;
}

/** The Node object a kubelet of this pool registers (status with capacity and allocatable; conditions left to the kubelet). */
export function nodeTemplate(pool: ResolvedNodePool, opts: NodeTemplateOptions): Node {
  const zone = opts.zone ?? '';
  const labels: Record<string, string> = { ...pool.labels, [LABEL_HOSTNAME]: opts.nodeName };
  if (zone !== '') {
    labels[LABEL_ZONE] = zone;
    labels[LABEL_REGION] = pool.region;
  }
  const taints = opts.uninitialized === true ? [...pool.taints, { key: TAINT_UNINITIALIZED, value: 'true', effect: 'NoSchedule' as const }] : [...pool.taints];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: opts.nodeName, labels },
    // An explicit (possibly empty) taint list: the API server adds the control-plane taint only to nodes that list none.
    spec: { taints, ...(opts.providerID !== undefined ? { providerID: opts.providerID } : {}) },
    status: { capacity: pool.capacity, allocatable: pool.allocatable },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The single-node preset

export interface SingleNodeOptions {
  readonly name?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: number;
  readonly arch?: 'amd64' | 'arm64';
}

/**
 * A Docker-Desktop-like cluster: one node named "docker-desktop" that is also the control plane. It carries
 * node-role.kubernetes.io/control-plane but no NoSchedule taint, because on a one-node cluster the control
 * plane is the only place workloads can run — Docker Desktop's node is labelled and not tainted for the same
 * reason (kubeadm's own clusters taint it, and `kubectl taint ... control-plane-` is the documented step for
 * single-node kubeadm clusters). Its allocatable follows the kubelet's defaults (no kube/system reservation,
 * eviction-hard memory.available 100Mi), not the EKS formula, and it costs nothing.
 */
export function singleNode(opts: SingleNodeOptions = {}): ResolvedNodePool {
  const name = opts.name ?? 'docker-desktop';
  const shape: Shape = { cpuMilli: cpuMilli(opts.cpu ?? '8'), memoryBytes: memoryBytes(opts.memory ?? '16Gi'), pods: opts.pods ?? DEFAULT_MAX_PODS, gpus: 0 };
  const reservation: Reservation = {
    source: 'kubelet-default',
    cpuMilli: 0,
    memoryBytes: EVICTION_HARD_MEMORY_BYTES,
    ephemeralStorageBytes: 0,
    parts: { 'evictionHard.memory.available': '100Mi' },
  };
  const arch = opts.arch ?? 'amd64';
  const instanceType: InstanceType = {
    name: 'docker-desktop',
    cloud: 'local',
    family: 'local',
    cpu: shape.cpuMilli / 1000,
    memoryBytes: shape.memoryBytes,
    gpus: 0,
    gpuModel: '',
    arch,
    pricePerHour: 0,
  };
  const object: NodePool = {
    apiVersion: 'drydock.io/v1',
    kind: 'NodePool',
    metadata: { name },
    spec: { shape: { cpu: formatCpu(shape.cpuMilli), memory: formatBytes(shape.memoryBytes), pods: shape.pods }, pricePerHour: 0, minSize: 1, maxSize: 1, initialSize: 1, provisioningDelaySeconds: 0 },
  };
  return {
    name,
    object,
    instanceType,
    region: '',
    zones: [],
    spot: false,
    pricePerHour: 0,
    minSize: 1,
    maxSize: 1,
    initialSize: 1,
    provisioningDelayMs: 0,
    failureRate: 0,
    interruptionRatePerHour: 0,
    shape,
    reservation,
    capacity: capacityList(shape),
    allocatable: allocatableList(shape, reservation),
    labels: { [LABEL_ARCH]: arch, [LABEL_OS]: 'linux', [CONTROL_PLANE_LABEL]: '', [LABEL_NODEPOOL]: name },
    taints: [],
    fixedNodeName: name,
    where: 'singleNode() preset',
  };
}

// ---------------------------------------------------------------------------------------------------------
// Parsing the pools file

export interface NodePoolsFile {
  readonly pools: readonly ResolvedNodePool[];
  readonly autoscaler: ClusterAutoscalerSettings;
}

/** Reads a pools YAML file; throws UserInputError (exit 2) naming file:line and field on the first problem. */
export function loadNodePools(path: string, catalog: Catalog): NodePoolsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserInputError(`${path}: cannot read the node pools file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseNodePools(text, path, catalog);
}

const SPEC_FIELDS = [
  'instanceType',
  'shape',
  'pricePerHour',
  'spotPricePerHour',
  'spot',
  'labels',
  'taints',
  'zones',
  'minSize',
  'maxSize',
  'initialSize',
  'provisioningDelaySeconds',
  'systemReserved',
];
const SHAPE_FIELDS = ['cpu', 'memory', 'pods', 'ephemeralStorage', 'gpu', 'gpuModel'];
const SETTINGS_FIELDS = [
  'scanInterval',
  'scaleDownUnneededTime',
  'scaleDownDelayAfterAdd',
  'scaleDownUtilizationThreshold',
  'maxNodeProvisionTime',
  'expander',
  'maxNodesTotal',
  'maxCoresTotal',
  'maxMemoryTotal',
  'balanceSimilarNodeGroups',
];

/** Finds the YAML node a field path ("spec.taints[0].effect", "spec.labels.example.com/team") points at. */
function nodeAt(doc: Document, path: string): YamlNode | undefined {
  let node = doc.contents as YamlNode | null;
  let best: YamlNode | undefined = node ?? undefined;
  let rest = path;
  while (node !== null && rest !== '') {
    if (isSeq(node)) {
      const m = /^\[(\d+)\]\.?/.exec(rest);
      if (m === null) break;
      const item = node.items[Number(m[1])] as YamlNode | undefined;
      if (item === undefined) break;
      node = item;
      best = item;
      rest = rest.slice(m[0].length);
    } else if (isMap(node)) {
      // The longest key that is a prefix of the rest (label keys contain dots).
      let found: { key: YamlNode; value: YamlNode | null; len: number } | undefined;
      for (const pair of node.items) {
        const key = pair.key as YamlNode;
        const k = isScalar(key) ? String(key.value) : undefined;
        if (k === undefined || !rest.startsWith(k)) continue;
        const next = rest.charAt(k.length);
        if (next !== '' && next !== '.' && next !== '[') continue;
        if (found === undefined || k.length > found.len) found = { key, value: pair.value as YamlNode | null, len: k.length };
      }
      if (found === undefined) break;
      best = found.value ?? found.key;
      node = found.value;
      rest = rest.slice(found.len);
      if (rest.startsWith('.')) rest = rest.slice(1);
    } else break;
  }
  return best;
}

/**
 * Parses pool documents. `file` names the source in messages. NodePool documents become resolved pools; one
 * optional `kind: ClusterAutoscalerSettings` document gives the autoscaler settings (defaults otherwise).
 */
export function parseNodePools(text: string, file: string, catalog: Catalog): NodePoolsFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(docs)) throw new UserInputError(`${file}: not a YAML stream`);
  const pools: ResolvedNodePool[] = [];
  const names = new Map<string, string>();
  let autoscaler: ClusterAutoscalerSettings | undefined;
  let autoscalerAt = '';
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err !== undefined) {
      const pos = err.linePos?.[0];
      throw new UserInputError(`${file}:${pos ? pos.line : '?'}: ${(err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    const obj = doc.toJS() as unknown;
    if (obj === null || obj === undefined) continue;
    const lineOfPath = (path: string): number => {
      const n = path === '' ? (doc.contents as YamlNode | null) : nodeAt(doc, path);
      const offset = n?.range?.[0] ?? doc.range[0];
      return lineCounter.linePos(offset).line;
    };
    const docLine = lineOfPath('');
    if (!isRecord(obj)) throw new UserInputError(`${file}:${docLine}: a document is not an object (expected kind: NodePool or kind: ClusterAutoscalerSettings)`);
    const kind = obj['kind'];
    if (kind === 'ClusterAutoscalerSettings') {
      const at = (path: string) => `${file}:${lineOfPath(path)}: ClusterAutoscalerSettings: ${path}`;
      if (autoscaler !== undefined) throw new UserInputError(`${file}:${docLine}: a second ClusterAutoscalerSettings document (the first is at ${autoscalerAt}); give one`);
      autoscaler = parseSettings(obj, at);
      autoscalerAt = `${file}:${docLine}`;
      continue;
    }
    if (kind !== 'NodePool') {
      throw new UserInputError(`${file}:${lineOfPath('kind')}: kind ${JSON.stringify(kind ?? null)} is not something a pools file holds (expected NodePool or ClusterAutoscalerSettings)`);
    }
    const name = isRecord(obj['metadata']) && typeof obj['metadata']['name'] === 'string' ? obj['metadata']['name'] : '';
    const fail = (path: string, message: string): never => {
      throw new UserInputError(`${file}:${lineOfPath(path)}: NodePool ${JSON.stringify(name)}: ${message}`);
    };
    if (obj['apiVersion'] !== 'drydock.io/v1') fail('apiVersion', `apiVersion: Unsupported value: ${JSON.stringify(obj['apiVersion'] ?? null)}: supported values: "drydock.io/v1"`);
    const spec = isRecord(obj['spec']) ? obj['spec'] : {};
    for (const k of Object.keys(spec)) if (!SPEC_FIELDS.includes(k)) fail(`spec.${k}`, `spec.${k}: unknown field (a NodePool spec has ${SPEC_FIELDS.join(', ')})`);
    if (isRecord(spec['shape'])) {
      for (const k of Object.keys(spec['shape'])) if (!SHAPE_FIELDS.includes(k)) fail(`spec.shape.${k}`, `spec.shape.${k}: unknown field (a shape has ${SHAPE_FIELDS.join(', ')})`);
    }
    const strategy = strategyFor('nodepools')!;
    const fieldErrors: FieldError[] = strategy.validate(strategy.defaults(obj));
    const first = fieldErrors[0];
    if (first !== undefined) fail(first.field, formatFieldError(first));
    const prior = names.get(name);
    if (prior !== undefined) fail('metadata.name', `metadata.name: Duplicate value: ${JSON.stringify(name)} (also at ${prior})`);
    names.set(name, `${file}:${docLine}`);
    pools.push(resolveNodePool(obj as unknown as NodePool, catalog, { where: `${file}:${docLine}`, fail }));
  }
  if (pools.length === 0) throw new UserInputError(`${file}: no NodePool documents (expected at least one kind: NodePool with apiVersion: drydock.io/v1)`);
  return { pools, autoscaler: autoscaler ?? DEFAULT_AUTOSCALER_SETTINGS };
}

function parseSettings(obj: Json, at: (path: string) => string): ClusterAutoscalerSettings {
  const out: Record<string, unknown> = { ...DEFAULT_AUTOSCALER_SETTINGS };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    if (!SETTINGS_FIELDS.includes(k)) throw new UserInputError(`${at(k)}: unknown field (settings are ${SETTINGS_FIELDS.join(', ')})`);
    switch (k) {
      case 'scanInterval':
      case 'scaleDownUnneededTime':
      case 'scaleDownDelayAfterAdd':
      case 'maxNodeProvisionTime': {
        const ms = typeof v === 'string' ? parseGoDuration(v) : undefined;
        if (ms === undefined || ms < 0) throw new UserInputError(`${at(k)}: ${JSON.stringify(v)} is not a duration (expected e.g. 10s, 10m, 1h30m)`);
        if (k === 'scanInterval' && ms <= 0) throw new UserInputError(`${at(k)}: must be greater than 0`);
        out[k] = ms;
        break;
      }
      case 'scaleDownUtilizationThreshold':
        if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new UserInputError(`${at(k)}: ${JSON.stringify(v)} is not a fraction between 0 and 1 (expected e.g. 0.5)`);
        out[k] = v;
        break;
      case 'expander': {
        const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : [];
        const bad = list.find((e) => !(EXPANDERS as readonly string[]).includes(e));
        if (list.length === 0 || bad !== undefined) throw new UserInputError(`${at(k)}: ${JSON.stringify(bad ?? v)} is not an expander (expected one or a comma list of ${EXPANDERS.join(', ')})`);
        out[k] = Object.freeze(list as Expander[]);
        break;
      }
      case 'maxNodesTotal':
      case 'maxCoresTotal':
      case 'maxMemoryTotal':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new UserInputError(`${at(k)}: ${JSON.stringify(v)} is not a whole number ≥ 0 (expected e.g. 100)`);
        out[k] = v;
        break;
      case 'balanceSimilarNodeGroups':
        if (typeof v !== 'boolean') throw new UserInputError(`${at(k)}: ${JSON.stringify(v)} is not true or false`);
        out[k] = v;
        break;
    }
  }
  return Object.freeze(out) as unknown as ClusterAutoscalerSettings;
}

/** The region of a zone name, AWS style ("us-east-1a" → "us-east-1") or GCP style ("us-central1-a" → "us-central1"). */
export function regionOfZone(zone: string): string | undefined {
  const aws = /^([a-z]+(?:-[a-z]+)+-\d+)[a-z]$/.exec(zone);
  if (aws !== null) return aws[1];
  const gcp = /^([a-z]+(?:-[a-z]+)*\d+)-[a-z]$/.exec(zone);
  return gcp === null ? undefined : gcp[1];
}

function defaultZone(cloud: string, region: string): string {
  return cloud === 'gcp' ? `${region}-a` : `${region}a`;
}

export interface ResolveContext {
  readonly where: string;
  /** Throws a positioned error for a field path. */
  readonly fail: (path: string, message: string) => never;
}

/**
 * Resolves one (already schema-validated) NodePool: its machine from the catalog or its shape, its price,
 * zones, reservation, labels and taints.
 */
export function resolveNodePool(pool: NodePool, catalog: Catalog, ctx: ResolveContext = defaultContext(pool)): ResolvedNodePool {
  const { fail } = ctx;
  const spec = pool.spec;
  const name = pool.metadata.name ?? '';
  const entry = spec.instanceType !== undefined ? catalog.get(spec.instanceType) : undefined;
  const shapeSpec = spec.shape;
  if (entry !== undefined && shapeSpec !== undefined) {
    fail('spec.shape', `spec.shape: Forbidden: ${JSON.stringify(spec.instanceType)} is in the instance catalog (${catalog.source}:${entry.line}); give spec.instanceType or spec.shape, not both`);
  }
  if (spec.instanceType !== undefined && entry === undefined && shapeSpec === undefined) {
    const family = spec.instanceType.split(/[.-]/)[0] ?? '';
    const near = catalog.entries.filter((e) => e.name.startsWith(family)).map((e) => e.name).slice(0, 4);
    fail('spec.instanceType', `spec.instanceType: Invalid value: ${JSON.stringify(spec.instanceType)}: not in the instance catalog ${catalog.source} (${near.length > 0 ? `did you mean ${near.join(', ')}?` : `expected e.g. ${catalog.entries[0]?.name ?? 'm5.large'};`} or describe the machine with spec.shape)`);
  }

  let instanceType: InstanceType;
  let region: string;
  let shape: Shape;
  if (entry !== undefined) {
    instanceType = entry;
    region = entry.region;
    shape = { cpuMilli: Math.round(entry.cpu * 1000), memoryBytes: entry.memoryBytes, pods: DEFAULT_MAX_PODS, gpus: entry.gpus };
  } else {
    const s = shapeSpec!;
    const cpu = cpuMilli(String(s.cpu));
    const mem = memoryBytes(String(s.memory));
    if (cpu <= 0) fail('spec.shape.cpu', `spec.shape.cpu: Invalid value: ${JSON.stringify(s.cpu)}: must be greater than 0`);
    if (mem <= 0) fail('spec.shape.memory', `spec.shape.memory: Invalid value: ${JSON.stringify(s.memory)}: must be greater than 0`);
    if (s.pods !== undefined && (!Number.isInteger(s.pods) || s.pods <= 0)) fail('spec.shape.pods', `spec.shape.pods: Invalid value: ${JSON.stringify(s.pods)}: must be a whole number greater than 0`);
    if (s.gpu !== undefined && (!Number.isInteger(s.gpu) || s.gpu < 0)) fail('spec.shape.gpu', `spec.shape.gpu: Invalid value: ${JSON.stringify(s.gpu)}: must be a whole number greater than or equal to 0`);
    const eph = s.ephemeralStorage !== undefined ? memoryBytes(String(s.ephemeralStorage)) : undefined;
    shape = { cpuMilli: cpu, memoryBytes: mem, pods: s.pods ?? DEFAULT_MAX_PODS, gpus: s.gpu ?? 0, ...(eph !== undefined ? { ephemeralStorageBytes: eph } : {}) };
    if (spec.pricePerHour === undefined) fail('spec.shape', 'spec.pricePerHour: Required value: a pool with an explicit shape needs its price in USD per hour (e.g. 0.096)');
    instanceType = {
      name: spec.instanceType ?? `custom-${cpu % 1000 === 0 ? cpu / 1000 : `${cpu}m`}-${Math.round(mem / MI)}`,
      cloud: 'custom',
      family: 'custom',
      cpu: cpu / 1000,
      memoryBytes: mem,
      gpus: shape.gpus,
      gpuModel: s.gpuModel ?? '',
      arch: 'amd64',
      pricePerHour: spec.pricePerHour!,
      ...(spec.spotPricePerHour !== undefined ? { spotPricePerHour: spec.spotPricePerHour } : {}),
    };
    region = '';
  }
  if (shapeSpec?.pods !== undefined) shape = { ...shape, pods: shapeSpec.pods };

  // Prices: the pool's own override the catalog's.
  for (const f of ['pricePerHour', 'spotPricePerHour'] as const) {
    const v = spec[f];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0))) fail(`spec.${f}`, `spec.${f}: Invalid value: ${JSON.stringify(v)}: must be a number of USD per hour ≥ 0`);
  }
  const onDemand = spec.pricePerHour ?? instanceType.pricePerHour;
  const spot = spec.spot === true;
  const spotPrice = spec.spotPricePerHour ?? instanceType.spotPricePerHour;
  if (spot && spotPrice === undefined) {
    fail('spec.spot', `spec.spotPricePerHour: Required value: spot is true but the catalog has no spot price for ${JSON.stringify(instanceType.name)}; give spec.spotPricePerHour`);
  }
  const pricePerHour = spot ? spotPrice! : onDemand;

  // Zones and region.
  const zones = spec.zones !== undefined ? [...spec.zones] : [];
  const seen = new Set<string>();
  zones.forEach((z, i) => {
    if (typeof z !== 'string' || z === '') fail(`spec.zones[${i}]`, `spec.zones[${i}]: Invalid value: ${JSON.stringify(z)}: must be a zone name (e.g. us-east-1a)`);
    const vp = labelValueProblem(z);
    if (vp !== undefined) fail(`spec.zones[${i}]`, `spec.zones[${i}]: Invalid value: ${vp}`);
    if (seen.has(z)) fail(`spec.zones[${i}]`, `spec.zones[${i}]: Duplicate value: ${JSON.stringify(z)}`);
    seen.add(z);
    const r = regionOfZone(z);
    if (entry !== undefined && r !== undefined && r !== region) {
      fail(`spec.zones[${i}]`, `spec.zones[${i}]: Invalid value: ${JSON.stringify(z)}: not in region ${region}, where the catalog's price for ${entry.name} applies`);
    }
  });
  if (zones.length === 0) zones.push(entry !== undefined ? defaultZone(entry.cloud, region) : 'local-a');
  if (region === '') region = regionOfZone(zones[0]!) ?? 'local';

  // Sizes (the schema checked min ≤ initial ≤ max and non-negativity).
  const minSize = spec.minSize;
  const maxSize = spec.maxSize;
  const initialSize = spec.initialSize ?? minSize;
  const delay = spec.provisioningDelaySeconds ?? DEFAULT_PROVISIONING_DELAY_SECONDS;
  if (typeof delay !== 'number' || !(delay >= 0)) fail('spec.provisioningDelaySeconds', `spec.provisioningDelaySeconds: Invalid value: ${JSON.stringify(delay)}: must be a number of seconds ≥ 0`);

  // Simulation knobs (annotations).
  const ann = pool.metadata.annotations ?? {};
  const rate = (key: string, max: number): number => {
    const raw = ann[key];
    if (raw === undefined) return 0;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || v < 0 || v > max) {
      fail(`metadata.annotations.${key}`, `metadata.annotations.${key}: Invalid value: ${JSON.stringify(raw)}: must be a number between 0 and ${max === Infinity ? '∞' : max}`);
    }
    return v;
  };
  const failureRate = rate(ANNOTATION_FAILURE_RATE, 1);
  const interruptionRatePerHour = rate(ANNOTATION_INTERRUPTION_RATE, Infinity);
  if (interruptionRatePerHour > 0 && !spot) {
    fail(`metadata.annotations.${ANNOTATION_INTERRUPTION_RATE}`, `metadata.annotations.${ANNOTATION_INTERRUPTION_RATE}: Forbidden: only spot pools are interrupted; set spec.spot: true or remove the annotation`);
  }

  // Reservation → allocatable.
  let reservation: Reservation;
  if (spec.systemReserved !== undefined) {
    const sr = spec.systemReserved;
    for (const k of Object.keys(sr)) {
      if (k !== 'cpu' && k !== 'memory' && k !== 'ephemeral-storage') fail(`spec.systemReserved.${k}`, `spec.systemReserved.${k}: Unsupported value: ${JSON.stringify(k)}: supported values: "cpu", "memory", "ephemeral-storage"`);
    }
    reservation = {
      source: 'spec.systemReserved',
      cpuMilli: sr['cpu'] !== undefined ? cpuMilli(sr['cpu']) : 0,
      memoryBytes: sr['memory'] !== undefined ? memoryBytes(sr['memory']) : 0,
      ephemeralStorageBytes: sr['ephemeral-storage'] !== undefined ? memoryBytes(sr['ephemeral-storage']) : 0,
      parts: Object.fromEntries(Object.entries(sr).map(([k, v]) => [`systemReserved.${k}`, v])),
    };
  } else {
    reservation = eksReservation(shape);
  }
  const leftover: [string, number, number][] = [
    ['cpu', shape.cpuMilli, reservation.cpuMilli],
    ['memory', shape.memoryBytes, reservation.memoryBytes],
    ['ephemeral-storage', shape.ephemeralStorageBytes ?? Infinity, reservation.ephemeralStorageBytes],
  ];
  for (const [res, cap, reserved] of leftover) {
    if (reserved >= cap) {
      const path = spec.systemReserved !== undefined ? `spec.systemReserved.${res}` : entry !== undefined ? 'spec.instanceType' : `spec.shape`;
      fail(path, `${path}: Invalid value: reserving ${res === 'cpu' ? formatCpu(reserved) : formatBytes(reserved)} of ${res} leaves nothing allocatable on ${instanceType.name} (capacity ${res === 'cpu' ? formatCpu(cap) : formatBytes(cap)})`);
    }
  }

  // Labels: drydock's well-known ones, then the pool's (which may not contradict them).
  const computed: Record<string, string> = {
    [LABEL_INSTANCE_TYPE]: instanceType.name,
    [LABEL_ARCH]: instanceType.arch,
    [LABEL_OS]: 'linux',
    [LABEL_NODEPOOL]: name,
    [LABEL_CAPACITY_TYPE]: spot ? 'spot' : 'on-demand',
  };
  if (shape.gpus > 0 && instanceType.gpuModel !== '') computed[LABEL_GPU_MODEL] = instanceType.gpuModel;
  const labels: Record<string, string> = { ...computed };
  for (const [k, v] of Object.entries(spec.labels ?? {})) {
    if (k === LABEL_ZONE || k === LABEL_REGION || k === LABEL_HOSTNAME) fail(`spec.labels.${k}`, `spec.labels.${k}: Forbidden: set per node by drydock (use spec.zones for zones)`);
    if (computed[k] !== undefined && computed[k] !== v) {
      fail(`spec.labels.${k}`, `spec.labels.${k}: Invalid value: ${JSON.stringify(v)}: drydock sets this label to ${JSON.stringify(computed[k])} for this pool; remove it`);
    }
    const kp = labelKeyProblem(k);
    if (kp !== undefined) fail(`spec.labels.${k}`, `spec.labels: Invalid value: ${JSON.stringify(k)}: ${kp}`);
    labels[k] = v;
  }

  const capacity = capacityList(shape);
  const allocatable = allocatableList(shape, reservation);
  for (const q of Object.values(allocatable)) if (tryParseQuantity(q) === undefined) throw new Error(`nodepool: computed a bad quantity ${q}`);
  return {
    name,
    object: pool,
    instanceType,
    region,
    zones,
    spot,
    pricePerHour,
    minSize,
    maxSize,
    initialSize,
    provisioningDelayMs: delay * 1000,
    failureRate,
    interruptionRatePerHour,
    shape,
    reservation,
    capacity,
    allocatable,
    labels,
    taints: [...(spec.taints ?? [])],
    where: ctx.where,
  };
}

function defaultContext(pool: NodePool): ResolveContext {
  const name = pool.metadata.name ?? '';
  return {
    where: `NodePool ${JSON.stringify(name)}`,
    fail: (_path, message) => {
      throw new UserInputError(`NodePool ${JSON.stringify(name)}: ${message}`);
    },
  };
}
