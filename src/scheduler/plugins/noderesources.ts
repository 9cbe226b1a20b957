// NodeResourcesFit: does the node have room for the pod's requests (Filter), and how full would it be
// (Score, by one of three strategies). kube-scheduler pkg/scheduler/framework/plugins/noderesources/
// fit.go, resource_allocation.go, least_allocated.go, most_allocated.go, requested_to_capacity_ratio.go
// and plugins/helper/shape_score.go; formulas and test vectors in shared/reference/kube-scheduler.md
// §2.2–2.3 and §3.1–3.3.
//
// COMPOSITE REASONS. Upstream's Filter returns one status carrying EVERY insufficient resource of the
// node ("Too many pods", "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage",
// "Insufficient <scalar>"), in that order, and FailedScheduling counts each separately
// ("0/3 nodes are available: 2 Insufficient cpu, 1 Insufficient memory."). A filter here returns one
// reason id, so a node that fails several resources gets a composite reason whose text is the individual
// texts joined by "\n" (COMPOSITE_REASON_SEPARATOR): the framework recovers them with
// `reasonOf(id).text.split('\n')`. A single failure is just its own text ("Insufficient cpu"). The code is
// UnschedulableAndUnresolvable when any failing resource is requested beyond the node's whole
// allocatable (fit.go InsufficientResource.Unresolvable, PR #131345: preemption cannot help), else
// Unschedulable. Composite reasons are registered lazily on the failure path and cached by bitmask:
// bit 0 = unresolvable, bits 1–4 = pods, cpu, memory, ephemeral-storage, then one bit per extended
// resource the pod requests (cached per set of requested scalar names).
//
// Scalar (extended) resources are resolved to their snapshot columns once per pod in PreFilter/PreScore;
// drydock.io/gpu-milli is not one of them (PodInfo leaves it out; the GPU plugin owns it).
//
// Bounds invariant for the `!` below: node rows passed to filter/score are < snapshot.rows, and every
// snapshot column (including those returned by snapshot.scalar()) has length >= capacity >= rows.
import {
  cpuMilli,
  labelKeyProblem,
  memoryBytes,
  podRequests,
  tryParseQuantity,
  value,
  type Node,
  type Pod,
  type ResourceList,
} from '../../api/index.js';
import type { Json } from '../../apiserver/strategy.js';
import {
  ActionType,
  Code,
  ConfigError,
  MAX_NODE_SCORE,
  SUCCESS,
  reason,
  status,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreScorePlugin,
  type QueueingHint,
  type RowScoreKey,
  type ScorePlugin,
  type Status,
} from '../framework.js';
import type { PodInfo } from '../podinfo.js';
import type { Snapshot } from '../snapshot.js';

export const NAME = 'NodeResourcesFit';
const PRE_FILTER_KEY = 'PreFilter' + NAME;
const PRE_SCORE_KEY = 'PreScore' + NAME;

/** Separator of the individual reason texts inside a composite reason (see the file header). */
export const COMPOSITE_REASON_SEPARATOR = '\n';

// ---- resource names (k8s.io/kubernetes pkg/apis/core/v1/helper) -------------------------------------------

/** IsExtendedResourceName: a domain-prefixed name outside kubernetes.io that is not a quota "requests." name. */
export function isExtendedResourceName(name: string): boolean {
  if (!name.includes('/') || name.includes('kubernetes.io/')) return false; // IsNativeResource
  if (name.startsWith('requests.')) return false;
  return labelKeyProblem(`requests.${name}`) === undefined; // IsQualifiedName("requests." + name)
}

/** IsScalarResourceName: extended, hugepages-*, kubernetes.io/-prefixed or attachable-volumes-*. */
export function isScalarResourceName(name: string): boolean {
  return (
    isExtendedResourceName(name) ||
    name.startsWith('hugepages-') ||
    name.includes('kubernetes.io/') ||
    name.startsWith('attachable-volumes-')
  );
}

// ---- args ------------------------------------------------------------------------------------------

/** config.ResourceSpec: a resource the scorer looks at, and its weight. */
export interface ResourceSpec {
  readonly name: string;
  readonly weight: number;
}

/** config.UtilizationShapePoint: utilization 0..100 → score 0..MAX_CUSTOM_PRIORITY_SCORE. */
export interface UtilizationShapePoint {
  readonly utilization: number;
  readonly score: number;
}

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';

/** NodeResourcesFitArgs after defaulting and validation. */
export interface NodeResourcesFitArgs {
  readonly ignoredResources: readonly string[];
  readonly ignoredResourceGroups: readonly string[];
  readonly scoringStrategy: {
    readonly type: ScoringStrategyType;
    readonly resources: readonly ResourceSpec[];
    readonly requestedToCapacityRatio?: { readonly shape: readonly UtilizationShapePoint[] };
  };
}

/** config.MaxCustomPriorityScore: the scale of RequestedToCapacityRatio shape scores. */
export const MAX_CUSTOM_PRIORITY_SCORE = 10;
/** v1 defaults.go defaultResourceSpec, shared with NodeResourcesBalancedAllocation. */
export const DEFAULT_RESOURCES: readonly ResourceSpec[] = Object.freeze([
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
]);
const STRATEGY_TYPES: readonly ScoringStrategyType[] = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'];

function fail(path: string, message: string): never {
  throw new ConfigError(`${path}: ${message}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectAt(v: unknown, path: string): Json {
  if (!isObject(v)) fail(path, `must be an object, got ${JSON.stringify(v)}`);
  return v;
}

function arrayAt(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, `must be a list, got ${JSON.stringify(v)}`);
  return v;
}

function integerAt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, `must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

function stringAt(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') fail(path, `must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

/** Rejects fields the args type does not have (kube-scheduler decodes args strictly). */
export function checkKnownFields(obj: Json, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) fail(`${prefix}${key}`, `unknown field (expected one of ${known.join(', ')})`);
  }
}

/** Weights 1..100 (validation.go validateResources); an omitted or 0 weight is 1 (v1 defaults). */
function parseResources(v: unknown, path: string): ResourceSpec[] {
  if (v === undefined || v === null) return [...DEFAULT_RESOURCES];
  const list = arrayAt(v, path);
  if (list.length === 0) return [...DEFAULT_RESOURCES]; // v1 defaults: no resources → cpu=1, memory=1
  return list.map((item, i) => {
    const p = `${path}[${i}]`;
    const o = objectAt(item, p);
    checkKnownFields(o, ['name', 'weight'], `${p}.`);
    const name = stringAt(o['name'], `${p}.name`);
    // SetDefaults_NodeResourcesFitArgs (config/v1/defaults.go): a weight of 0, or none, becomes 1.
    const given = o['weight'] === undefined ? 0 : integerAt(o['weight'], `${p}.weight`);
    const weight = given === 0 ? 1 : given;
    if (weight < 1 || weight > MAX_NODE_SCORE) fail(`${p}.weight`, `must be in the range 1-${MAX_NODE_SCORE}, got ${weight}`);
    return { name, weight };
  });
}

/** validation.go validateFunctionShape: at least one point, utilization strictly increasing in 0..100, score 0..10. */
function parseShape(v: unknown, path: string): UtilizationShapePoint[] {
  if (v === undefined || v === null) fail(path, 'at least one point must be specified');
  const list = arrayAt(v, path);
  if (list.length === 0) fail(path, 'at least one point must be specified');
  const points = list.map((item, i) => {
    const p = `${path}[${i}]`;
    const o = objectAt(item, p);
    checkKnownFields(o, ['utilization', 'score'], `${p}.`);
    const utilization = integerAt(o['utilization'], `${p}.utilization`);
    const score = integerAt(o['score'], `${p}.score`);
    return { utilization, score };
  });
  for (let i = 1; i < points.length; i++) {
    const prev = points[i - 1]!.utilization;
    const cur = points[i]!.utilization;
    if (prev >= cur) fail(`${path}[${i}].utilization`, `values must be sorted in increasing order, got ${cur} after ${prev}`);
  }
  points.forEach((pt, i) => {
    if (pt.utilization < 0 || pt.utilization > 100) fail(`${path}[${i}].utilization`, `must be in the range 0-100, got ${pt.utilization}`);
    if (pt.score < 0 || pt.score > MAX_CUSTOM_PRIORITY_SCORE) {
      fail(`${path}[${i}].score`, `must be in the range 0-${MAX_CUSTOM_PRIORITY_SCORE}, got ${pt.score}`);
    }
  });
  return points;
}

function parseNameList(v: unknown, path: string, isGroup: boolean): string[] {
  if (v === undefined || v === null) return [];
  return arrayAt(v, path).map((item, i) => {
    const p = `${path}[${i}]`;
    const name = stringAt(item, p);
    if (isGroup && name.includes('/')) fail(p, `resource group name can't contain '/', got ${JSON.stringify(name)}`);
    const problem = labelKeyProblem(name); // metav1validation.ValidateLabelName
    if (problem !== undefined) fail(p, problem);
    return name;
  });
}

/** Validates and defaults NodeResourcesFitArgs (validation.go ValidateNodeResourcesFitArgs, v1 defaults.go). */
export function parseNodeResourcesFitArgs(raw: Json | undefined): NodeResourcesFitArgs {
  const args = raw ?? {};
  checkKnownFields(args, ['apiVersion', 'kind', 'ignoredResources', 'ignoredResourceGroups', 'scoringStrategy'], '');
  if (args['kind'] !== undefined && args['kind'] !== 'NodeResourcesFitArgs') {
    fail('kind', `must be NodeResourcesFitArgs, got ${JSON.stringify(args['kind'])}`);
  }
  const ignoredResources = parseNameList(args['ignoredResources'], 'ignoredResources', false);
  const ignoredResourceGroups = parseNameList(args['ignoredResourceGroups'], 'ignoredResourceGroups', true);
  const rawStrategy = args['scoringStrategy'] === undefined || args['scoringStrategy'] === null ? {} : objectAt(args['scoringStrategy'], 'scoringStrategy');
  checkKnownFields(rawStrategy, ['type', 'resources', 'requestedToCapacityRatio'], 'scoringStrategy.');
  const rawType = rawStrategy['type'] ?? 'LeastAllocated';
  if (typeof rawType !== 'string' || !(STRATEGY_TYPES as readonly string[]).includes(rawType)) {
    fail('scoringStrategy.type', `unsupported value ${JSON.stringify(rawType)} (expected one of ${STRATEGY_TYPES.join(', ')})`);
  }
  const type = rawType as ScoringStrategyType;
  const resources = parseResources(rawStrategy['resources'], 'scoringStrategy.resources');
  const rawRatio = rawStrategy['requestedToCapacityRatio'];
  let requestedToCapacityRatio: { shape: UtilizationShapePoint[] } | undefined;
  if (rawRatio !== undefined && rawRatio !== null) {
    const r = objectAt(rawRatio, 'scoringStrategy.requestedToCapacityRatio');
    checkKnownFields(r, ['shape'], 'scoringStrategy.requestedToCapacityRatio.');
    requestedToCapacityRatio = { shape: parseShape(r['shape'], 'scoringStrategy.requestedToCapacityRatio.shape') };
  } else if (type === 'RequestedToCapacityRatio') {
    // Upstream dereferences the missing shape and panics; here it is a start-up error.
    fail('scoringStrategy.requestedToCapacityRatio', 'required when type is RequestedToCapacityRatio (a shape of {utilization, score} points)');
  }
  return {
    ignoredResources,
    ignoredResourceGroups,
    scoringStrategy: requestedToCapacityRatio === undefined ? { type, resources } : { type, resources, requestedToCapacityRatio },
  };
}

// ---- integer arithmetic ------------------------------------------------------------------------------

/**
 * floor(a * 100 / b) for integers 0 <= a, 0 < b, exactly as Go's int64 arithmetic: when a * 100 is a safe
 * integer the float quotient floors to the exact one (its rounding error is below 1/b); beyond 2^53
 * (allocatable over ~90 TB) BigInt takes over.
 */
function mulDiv100(a: number, b: number): number {
  const x = a * 100;
  if (x <= Number.MAX_SAFE_INTEGER) return Math.floor(x / b);
  return Number((BigInt(Math.trunc(a)) * 100n) / BigInt(Math.trunc(b)));
}

/** least_allocated.go leastRequestedScore. */
function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return mulDiv100(capacity - requested, capacity);
}

/** most_allocated.go mostRequestedScore: requested is clamped to capacity (non-zero defaults can exceed it). */
function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return mulDiv100(requested > capacity ? capacity : requested, capacity);
}

/** shape_score.go BuildBrokenLinearFunction over parallel arrays (integer, truncating division as in Go). */
function brokenLinear(utilization: Int32Array, score: Int32Array, p: number): number {
  const n = utilization.length;
  for (let i = 0; i < n; i++) {
    if (p <= utilization[i]!) {
      if (i === 0) return score[0]!;
      const s0 = score[i - 1]!;
      const u0 = utilization[i - 1]!;
      return s0 + Math.trunc(((score[i]! - s0) * (p - u0)) / (utilization[i]! - u0));
    }
  }
  return score[n - 1]!;
}

/**
 * helper.BuildBrokenLinearFunction: linear segments through the points; shape[0].score below the first
 * point, the last score above the last one. Scores are used as given (the plugin scales its shape ×10
 * first, as requestedToCapacityRatioScorer does).
 */
export function buildBrokenLinearFunction(shape: readonly UtilizationShapePoint[]): (p: number) => number {
  const u = Int32Array.from(shape, (pt) => pt.utilization);
  const s = Int32Array.from(shape, (pt) => pt.score);
  return (p) => brokenLinear(u, s, p);
}

// ---- the scorers' inputs (resource_allocation.go) --------------------------------------------------------

/**
 * The pod's request for one resource as resource_allocation.go calculatePodResourceRequest sees it: with
 * useRequested=false (NodeResourcesFit scoring) cpu and memory count 100m / 200Mi for each container that
 * names no request (PodInfo.nonZeroCpu/nonZeroMemory); with useRequested=true (BalancedAllocation) actual
 * requests. Other resources are always actual requests; drydock.io/gpu-milli is never one (0).
 */
export function podResourceRequest(pod: PodInfo, name: string, useRequested: boolean): number {
  switch (name) {
    case 'cpu':
      return useRequested ? pod.cpu : pod.nonZeroCpu;
    case 'memory':
      return useRequested ? pod.memory : pod.nonZeroMemory;
    case 'ephemeral-storage':
      return pod.ephemeralStorage;
    default:
      return pod.scalars.get(name) ?? 0;
  }
}

/**
 * What resource_allocation.go score() reads per node, resolved once per pod: for each configured
 * resource that can count, the allocatable column, the node's requested column (NonZeroRequested for cpu
 * and memory unless useRequested; Requested otherwise) and the pod's request. Scalar resources the pod
 * does not request, and names that are neither native nor scalar, are left out (upstream returns (0, 0)
 * for them, which the scorers skip); a node whose allocatable is 0 is skipped per node in the kernels.
 */
export class AllocationInputs implements RowScoreKey {
  count = 0;
  readonly alloc: Float64Array[] = [];
  readonly requested: Float64Array[] = [];
  readonly podRequest: number[] = [];
  readonly weight: number[] = [];

  private add(alloc: Float64Array, requested: Float64Array, podRequest: number, weight: number): void {
    this.alloc.push(alloc);
    this.requested.push(requested);
    this.podRequest.push(podRequest);
    this.weight.push(weight);
    this.count++;
  }

  /** PreScore's inputs; without PreScore (Score called alone) they are built on the spot and kept, as fit.go and balanced_allocation.go do. */
  static fromState(state: CycleState, key: string, resources: readonly ResourceSpec[], pod: PodInfo, snapshot: Snapshot, useRequested: boolean): AllocationInputs {
    let inputs = state.read<AllocationInputs>(key);
    if (inputs === undefined) {
      inputs = AllocationInputs.build(resources, pod, snapshot, useRequested);
      state.write(key, inputs);
    }
    return inputs;
  }

  /** Whether `other` reads the same columns with the same pod requests and weights (a RowScoreKey). */
  sameAs(other: RowScoreKey): boolean {
    if (!(other instanceof AllocationInputs) || other.count !== this.count) return false;
    for (let i = 0; i < this.count; i++) {
      if (other.alloc[i] !== this.alloc[i] || other.requested[i] !== this.requested[i]) return false;
      if (other.podRequest[i] !== this.podRequest[i] || other.weight[i] !== this.weight[i]) return false;
    }
    return true;
  }

  /** The first two resources' columns, request and weight, unpacked for the two-resource kernels. */
  firstTwo(): { alloc0: Float64Array; alloc1: Float64Array; req0: Float64Array; req1: Float64Array; pod0: number; pod1: number; w0: number; w1: number } {
    return {
      alloc0: this.alloc[0]!,
      alloc1: this.alloc[1]!,
      req0: this.requested[0]!,
      req1: this.requested[1]!,
      pod0: this.podRequest[0]!,
      pod1: this.podRequest[1]!,
      w0: this.weight[0]!,
      w1: this.weight[1]!,
    };
  }

  static build(resources: readonly ResourceSpec[], pod: PodInfo, snapshot: Snapshot, useRequested: boolean): AllocationInputs {
    const inputs = new AllocationInputs();
    for (const { name, weight } of resources) {
      const request = podResourceRequest(pod, name, useRequested);
      if (name === 'cpu') inputs.add(snapshot.allocCpu, useRequested ? snapshot.reqCpu : snapshot.nonZeroCpu, request, weight);
      else if (name === 'memory') inputs.add(snapshot.allocMemory, useRequested ? snapshot.reqMemory : snapshot.nonZeroMemory, request, weight);
      else if (name === 'ephemeral-storage') inputs.add(snapshot.allocEphemeral, snapshot.reqEphemeral, request, weight);
      else if (request !== 0 && isScalarResourceName(name)) {
        const col = snapshot.scalar(name);
        inputs.add(col.alloc, col.req, request, weight);
      }
    }
    return inputs;
  }
}

/** least_allocated.go leastResourceScorer: Σ score·w / Σ w, integer division. */
export function leastAllocatedScore(inputs: AllocationInputs, node: number): number {
  const { alloc, requested, podRequest, weight } = inputs;
  let nodeScore = 0;
  let weightSum = 0;
  for (let i = 0; i < inputs.count; i++) {
    const capacity = alloc[i]![node]!;
    if (capacity === 0) continue;
    const w = weight[i]!;
    nodeScore += leastRequestedScore(requested[i]![node]! + podRequest[i]!, capacity) * w;
    weightSum += w;
  }
  return weightSum === 0 ? 0 : Math.floor(nodeScore / weightSum);
}

/** leastAllocatedScore over many nodes for the usual two resources (cpu and memory): the same sums, unrolled. */
function leastAllocatedTwo(inputs: AllocationInputs, nodes: Int32Array, count: number, out: Float64Array): void {
  const { alloc0, alloc1, req0, req1, pod0, pod1, w0, w1 } = inputs.firstTwo();
  for (let i = 0; i < count; i++) {
    const node = nodes[i]!;
    let nodeScore = 0;
    let weightSum = 0;
    const c0 = alloc0[node]!;
    if (c0 !== 0) {
      nodeScore += leastRequestedScore(req0[node]! + pod0, c0) * w0;
      weightSum += w0;
    }
    const c1 = alloc1[node]!;
    if (c1 !== 0) {
      nodeScore += leastRequestedScore(req1[node]! + pod1, c1) * w1;
      weightSum += w1;
    }
    out[i] = weightSum === 0 ? 0 : Math.floor(nodeScore / weightSum);
  }
}

/** most_allocated.go mostResourceScorer: Σ score·w / Σ w, integer division. */
export function mostAllocatedScore(inputs: AllocationInputs, node: number): number {
  const { alloc, requested, podRequest, weight } = inputs;
  let nodeScore = 0;
  let weightSum = 0;
  for (let i = 0; i < inputs.count; i++) {
    const capacity = alloc[i]![node]!;
    if (capacity === 0) continue;
    const w = weight[i]!;
    nodeScore += mostRequestedScore(requested[i]![node]! + podRequest[i]!, capacity) * w;
    weightSum += w;
  }
  return weightSum === 0 ? 0 : Math.floor(nodeScore / weightSum);
}

/**
 * requested_to_capacity_ratio.go: per resource f(utilization) with utilization = requested·100/capacity
 * (100 when over capacity); only resources scoring > 0 enter the weighted mean, which is math.Round-ed.
 */
export function requestedToCapacityRatioScore(inputs: AllocationInputs, node: number, utilization: Int32Array, score: Int32Array): number {
  const { alloc, requested, podRequest, weight } = inputs;
  let nodeScore = 0;
  let weightSum = 0;
  for (let i = 0; i < inputs.count; i++) {
    const capacity = alloc[i]![node]!;
    if (capacity === 0) continue;
    const req = requested[i]![node]! + podRequest[i]!;
    const resourceScore = brokenLinear(utilization, score, req > capacity ? 100 : mulDiv100(req, capacity));
    if (resourceScore > 0) {
      const w = weight[i]!;
      nodeScore += resourceScore * w;
      weightSum += w;
    }
  }
  // Go's math.Round rounds halves away from zero; the quotient is non-negative, where Math.round agrees.
  return weightSum === 0 ? 0 : Math.round(nodeScore / weightSum);
}

// ---- composite filter reasons -------------------------------------------------------------------------

const UNRESOLVABLE = 1;
const TOO_MANY_PODS = 2;
const INSUFFICIENT_CPU = 4;
const INSUFFICIENT_MEMORY = 8;
const INSUFFICIENT_EPHEMERAL = 16;
/** Scalar i's bit is SCALAR_UNIT · 2^i; keys stay exact integers below 2^53 for up to MAX_SCALARS. */
const SCALAR_UNIT = 32;
const MAX_SCALARS = 48;
const SCALAR_BIT = Float64Array.from({ length: MAX_SCALARS }, (_, i) => 2 ** i);

/** Reason ids for failures without scalar resources, by the 5-bit mask (0 = not registered yet). */
const fixedReasons = new Int32Array(32);

const missingStateReason = reason(`error reading "${PRE_FILTER_KEY}" from cycleState: not found`, Code.Error);

function registerComposite(fixed: number, scalarMask: number, scalarNames: readonly string[]): number {
  const texts: string[] = [];
  if (fixed & TOO_MANY_PODS) texts.push('Too many pods');
  if (fixed & INSUFFICIENT_CPU) texts.push('Insufficient cpu');
  if (fixed & INSUFFICIENT_MEMORY) texts.push('Insufficient memory');
  if (fixed & INSUFFICIENT_EPHEMERAL) texts.push('Insufficient ephemeral-storage');
  for (let i = 0; i < scalarNames.length; i++) {
    if (Math.floor(scalarMask / SCALAR_BIT[i]!) % 2 === 1) texts.push(`Insufficient ${scalarNames[i]!}`);
  }
  return reason(texts.join(COMPOSITE_REASON_SEPARATOR), fixed & UNRESOLVABLE ? Code.UnschedulableAndUnresolvable : Code.Unschedulable);
}

function fixedReason(fixed: number): number {
  let id = fixedReasons[fixed]!;
  if (id === 0) fixedReasons[fixed] = id = registerComposite(fixed, 0, []);
  return id;
}

// ---- the plugin ----------------------------------------------------------------------------------------

/** fit.go preFilterState: the pod's filter-side request vector with its scalar columns resolved. */
class FitPreFilterState {
  constructor(
    readonly cpu: number,
    readonly memory: number,
    readonly ephemeralStorage: number,
    /** Whether the pod requests anything at all (else only the pod count is checked). */
    readonly anyRequest: boolean,
    /** The scalar resources checked (requested, scalar names, not ignored), in the pod's order. */
    readonly scalarNames: readonly string[],
    readonly scalarRequest: Float64Array,
    readonly scalarAlloc: readonly Float64Array[],
    readonly scalarUsed: readonly Float64Array[],
    /** Composite reason ids by mask, shared by pods that check the same scalar names. */
    readonly composite: Map<number, number>,
  ) {}
}

interface ScalarNameInfo {
  readonly scalar: boolean;
  readonly ignored: boolean;
}

const EMPTY_COMPOSITE = new Map<number, number>();

function quantityOf(list: ResourceList | undefined, name: string): number {
  const raw = list?.[name];
  if (raw === undefined) return 0;
  try {
    if (name === 'cpu') return cpuMilli(raw);
    if (name === 'memory' || name === 'ephemeral-storage') return memoryBytes(raw);
  } catch {
    return 0;
  }
  const q = tryParseQuantity(raw);
  return q === undefined ? 0 : value(q);
}

function allocatableOf(node: Node): ResourceList {
  return node.status?.allocatable ?? node.status?.capacity ?? {};
}

export class Fit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly ignoredResources: ReadonlySet<string>;
  private readonly ignoredResourceGroups: ReadonlySet<string>;
  private readonly strategy: 0 | 1 | 2;
  private readonly resources: readonly ResourceSpec[];
  /** The RequestedToCapacityRatio shape, scores scaled ×(MaxNodeScore / MaxCustomPriorityScore). */
  private readonly shapeUtilization: Int32Array;
  private readonly shapeScore: Int32Array;
  private readonly scalarNameInfo = new Map<string, ScalarNameInfo>();
  private readonly compositeBySignature = new Map<string, Map<number, number>>();

  constructor(readonly args: NodeResourcesFitArgs) {
    this.ignoredResources = new Set(args.ignoredResources);
    this.ignoredResourceGroups = new Set(args.ignoredResourceGroups);
    const s = args.scoringStrategy;
    this.strategy = s.type === 'LeastAllocated' ? 0 : s.type === 'MostAllocated' ? 1 : 2;
    this.resources = s.resources;
    const shape = s.requestedToCapacityRatio?.shape ?? [];
    this.shapeUtilization = Int32Array.from(shape, (p) => p.utilization);
    this.shapeScore = Int32Array.from(shape, (p) => p.score * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE));
  }

  private nameInfo(name: string): ScalarNameInfo {
    let info = this.scalarNameInfo.get(name);
    if (info === undefined) {
      const scalar = isScalarResourceName(name);
      // fit.go fitsRequest: only extended resources can be ignored, by name or by the group before "/".
      const ignored =
        scalar &&
        isExtendedResourceName(name) &&
        (this.ignoredResources.has(name) || this.ignoredResourceGroups.has(name.slice(0, name.indexOf('/'))));
      info = { scalar, ignored };
      this.scalarNameInfo.set(name, info);
    }
    return info;
  }

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): { status: Status } {
    const names: string[] = [];
    const requests: number[] = [];
    let anyScalar = false;
    for (const [name, amount] of pod.scalars) {
      if (amount === 0) continue;
      const info = this.nameInfo(name);
      if (!info.scalar) continue; // framework.Resource keeps scalar resources only
      anyScalar = true;
      if (info.ignored) continue;
      names.push(name);
      requests.push(amount);
    }
    if (names.length > MAX_SCALARS) {
      return { status: status(Code.Error, `pod ${pod.key} requests ${names.length} extended resources; at most ${MAX_SCALARS} are supported`) };
    }
    let composite = EMPTY_COMPOSITE;
    if (names.length > 0) {
      const signature = names.join('\n');
      let table = this.compositeBySignature.get(signature);
      if (table === undefined) this.compositeBySignature.set(signature, (table = new Map()));
      composite = table;
    }
    const cols = names.map((n) => snapshot.scalar(n));
    state.write(
      PRE_FILTER_KEY,
      new FitPreFilterState(
        pod.cpu,
        pod.memory,
        pod.ephemeralStorage,
        pod.cpu !== 0 || pod.memory !== 0 || pod.ephemeralStorage !== 0 || anyScalar,
        names,
        Float64Array.from(requests),
        cols.map((c) => c.alloc),
        cols.map((c) => c.req),
        composite,
      ),
    );
    return { status: SUCCESS };
  }

  /** fit.go fitsRequest, with every insufficient resource folded into one (composite) reason. */
  filter(state: CycleState, _pod: PodInfo, node: number, snapshot: Snapshot): number {
    const s = state.read<FitPreFilterState>(PRE_FILTER_KEY);
    return s === undefined ? missingStateReason : fitsRequest(s, node, snapshot);
  }

  filterNodes(state: CycleState, _pod: PodInfo, rows: Int32Array, count: number, snapshot: Snapshot, out: Int32Array): number {
    const s = state.read<FitPreFilterState>(PRE_FILTER_KEY);
    if (s === undefined) {
      out.fill(missingStateReason, 0, count);
      return count;
    }
    if (s.scalarRequest.length === 0) return fitsWithoutScalars(s, rows, count, snapshot, out);
    let rejected = 0;
    for (let i = 0; i < count; i++) {
      const id = fitsRequest(s, rows[i]!, snapshot);
      out[i] = id;
      if (id !== 0) rejected++;
    }
    return rejected;
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: Int32Array, _count: number, snapshot: Snapshot): Status {
    state.write(PRE_SCORE_KEY, AllocationInputs.build(this.resources, pod, snapshot, false));
    return SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    const inputs = this.scoreInputs(state, pod, snapshot);
    switch (this.strategy) {
      case 0:
        return leastAllocatedScore(inputs, node);
      case 1:
        return mostAllocatedScore(inputs, node);
      default:
        return requestedToCapacityRatioScore(inputs, node, this.shapeUtilization, this.shapeScore);
    }
  }

  /** The score of a node is a function of its row and these inputs (every strategy; no NormalizeScore). */
  rowScoreKey(state: CycleState, pod: PodInfo, snapshot: Snapshot): RowScoreKey {
    return this.scoreInputs(state, pod, snapshot);
  }

  scoreNodes(state: CycleState, pod: PodInfo, nodes: Int32Array, count: number, snapshot: Snapshot, out: Float64Array): void {
    const inputs = this.scoreInputs(state, pod, snapshot);
    if (this.strategy === 0 && inputs.count === 2) leastAllocatedTwo(inputs, nodes, count, out);
    else if (this.strategy === 0) for (let i = 0; i < count; i++) out[i] = leastAllocatedScore(inputs, nodes[i]!);
    else if (this.strategy === 1) for (let i = 0; i < count; i++) out[i] = mostAllocatedScore(inputs, nodes[i]!);
    else for (let i = 0; i < count; i++) out[i] = requestedToCapacityRatioScore(inputs, nodes[i]!, this.shapeUtilization, this.shapeScore);
  }

  private scoreInputs(state: CycleState, pod: PodInfo, snapshot: Snapshot): AllocationInputs {
    return AllocationInputs.fromState(state, PRE_SCORE_KEY, this.resources, pod, snapshot, false);
  }

  /**
   * fit.go EventsToRegister with queueing hints on: an assigned pod deleted or scaled down, a node added
   * or its allocatable changed.
   */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Pod', actions: ActionType.Delete | ActionType.UpdatePodScaleDown },
        hint: (pod, oldObj, newObj) => this.isSchedulableAfterPodEvent(pod, oldObj as Pod | undefined, newObj as Pod | undefined),
      },
      {
        event: { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeAllocatable },
        hint: (pod, oldObj, newObj) => this.isSchedulableAfterNodeChange(pod, oldObj as Node | undefined, newObj as Node | undefined),
      },
    ];
  }

  private isSchedulableAfterPodEvent(pod: PodInfo, oldPod: Pod | undefined, newPod: Pod | undefined): QueueingHint {
    if (oldPod === undefined) return 'Queue';
    if (newPod === undefined) {
      // A deleted pod frees room only if it was assigned or nominated somewhere.
      return oldPod.spec.nodeName || oldPod.status?.nominatedNodeName ? 'Queue' : 'QueueSkip';
    }
    // Scale-down (isSchedulableAfterPodScaleDown).
    if (newPod.metadata?.uid !== undefined && newPod.metadata.uid === pod.uid) return 'Queue';
    if (!newPod.spec.nodeName) return 'QueueSkip';
    let before: Record<string, number>;
    let after: Record<string, number>;
    try {
      before = podRequests(oldPod.spec);
      after = podRequests(newPod.spec);
    } catch {
      return 'Queue';
    }
    const wants: [string, number][] = [
      ['cpu', pod.cpu],
      ['memory', pod.memory],
      ['ephemeral-storage', pod.ephemeralStorage],
      ...pod.scalars,
    ];
    for (const [name, amount] of wants) {
      if (amount !== 0 && (before[name] ?? 0) > (after[name] ?? 0)) return 'Queue';
    }
    return 'QueueSkip';
  }

  private isSchedulableAfterNodeChange(pod: PodInfo, oldNode: Node | undefined, newNode: Node | undefined): QueueingHint {
    if (newNode === undefined) return 'Queue';
    const alloc = allocatableOf(newNode);
    // isFit: would the pod fit the node if it were empty? (Fits with no ignored resources)
    let fits = quantityOf(alloc, 'pods') >= 1;
    if (pod.cpu > quantityOf(alloc, 'cpu') || pod.memory > quantityOf(alloc, 'memory') || pod.ephemeralStorage > quantityOf(alloc, 'ephemeral-storage')) {
      fits = false;
    }
    for (const [name, amount] of pod.scalars) {
      if (amount > 0 && isScalarResourceName(name) && amount > quantityOf(alloc, name)) fits = false;
    }
    if (!fits) return 'QueueSkip';
    if (oldNode === undefined) return 'Queue';
    // haveAnyRequestedResourcesIncreased
    const old = allocatableOf(oldNode);
    if (quantityOf(alloc, 'pods') > quantityOf(old, 'pods')) return 'Queue';
    const wants: [string, number][] = [
      ['cpu', pod.cpu],
      ['memory', pod.memory],
      ['ephemeral-storage', pod.ephemeralStorage],
      ...pod.scalars,
    ];
    for (const [name, amount] of wants) {
      if (amount > 0 && quantityOf(alloc, name) > quantityOf(old, name)) return 'Queue';
    }
    return 'QueueSkip';
  }
}

const _check = Fit satisfies new (args: NodeResourcesFitArgs) => PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;
void _check;

/** Builds NodeResourcesFit from its args (NodeResourcesFitArgs); throws ConfigError naming the bad field. */
export const newNodeResourcesFit: PluginFactory = (handle) => new Fit(parseNodeResourcesFitArgs(handle.args));

/** fit.go fitsRequest, with every insufficient resource folded into one (composite) reason. */
/**
 * fitsRequest over many rows for a pod that asks for no extended resource (the usual case): the same
 * checks in the same order, with the columns and the request read once rather than once per row.
 */
function fitsWithoutScalars(s: FitPreFilterState, rows: Int32Array, count: number, snapshot: Snapshot, out: Int32Array): number {
  const { podCount, allocPods, allocCpu, reqCpu, allocMemory, reqMemory, allocEphemeral, reqEphemeral } = snapshot;
  const { cpu, memory, ephemeralStorage: storage, anyRequest } = s;
  let rejected = 0;
  for (let i = 0; i < count; i++) {
    const node = rows[i]!;
    let fixed = 0;
    if (podCount[node]! + 1 > allocPods[node]!) fixed |= TOO_MANY_PODS;
    if (anyRequest) {
      if (cpu > 0) {
        const allocatable = allocCpu[node]!;
        if (cpu > allocatable - reqCpu[node]!) fixed |= cpu > allocatable ? INSUFFICIENT_CPU | UNRESOLVABLE : INSUFFICIENT_CPU;
      }
      if (memory > 0) {
        const allocatable = allocMemory[node]!;
        if (memory > allocatable - reqMemory[node]!) fixed |= memory > allocatable ? INSUFFICIENT_MEMORY | UNRESOLVABLE : INSUFFICIENT_MEMORY;
      }
      if (storage > 0) {
        const allocatable = allocEphemeral[node]!;
        if (storage > allocatable - reqEphemeral[node]!) fixed |= storage > allocatable ? INSUFFICIENT_EPHEMERAL | UNRESOLVABLE : INSUFFICIENT_EPHEMERAL;
      }
    }
    if (fixed === 0) out[i] = 0;
    else {
      out[i] = fixedReason(fixed);
      rejected++;
    }
  }
  return rejected;
}

function fitsRequest(s: FitPreFilterState, node: number, snapshot: Snapshot): number {
  let fixed = 0;
  if (snapshot.podCount[node]! + 1 > snapshot.allocPods[node]!) fixed |= TOO_MANY_PODS;
  if (!s.anyRequest) return fixed === 0 ? 0 : fixedReason(fixed);

  const cpu = s.cpu;
  if (cpu > 0) {
    const allocatable = snapshot.allocCpu[node]!;
    if (cpu > allocatable - snapshot.reqCpu[node]!) fixed |= cpu > allocatable ? INSUFFICIENT_CPU | UNRESOLVABLE : INSUFFICIENT_CPU;
  }
  const memory = s.memory;
  if (memory > 0) {
    const allocatable = snapshot.allocMemory[node]!;
    if (memory > allocatable - snapshot.reqMemory[node]!) fixed |= memory > allocatable ? INSUFFICIENT_MEMORY | UNRESOLVABLE : INSUFFICIENT_MEMORY;
  }
  const storage = s.ephemeralStorage;
  if (storage > 0) {
    const allocatable = snapshot.allocEphemeral[node]!;
    if (storage > allocatable - snapshot.reqEphemeral[node]!) {
      fixed |= storage > allocatable ? INSUFFICIENT_EPHEMERAL | UNRESOLVABLE : INSUFFICIENT_EPHEMERAL;
    }
  }
  let scalarMask = 0;
  const { scalarRequest, scalarAlloc, scalarUsed } = s;
  for (let i = 0; i < scalarRequest.length; i++) {
    const q = scalarRequest[i]!;
    const allocatable = scalarAlloc[i]![node]!;
    if (q > allocatable - scalarUsed[i]![node]!) {
      scalarMask += SCALAR_BIT[i]!;
      if (q > allocatable) fixed |= UNRESOLVABLE;
    }
  }
  if (scalarMask !== 0) {
    // Failure path: at most one registration per distinct combination, then a numeric-key lookup.
    const key = fixed + SCALAR_UNIT * scalarMask;
    let id = s.composite.get(key);
    if (id === undefined) {
      id = registerComposite(fixed, scalarMask, s.scalarNames);
      s.composite.set(key, id);
    }
    return id;
  }
  return fixed === 0 ? 0 : fixedReason(fixed);
}
