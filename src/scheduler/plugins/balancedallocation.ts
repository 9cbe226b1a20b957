// NodeResourcesBalancedAllocation: prefer nodes whose resources would be used evenly with the pod on
// them. kube-scheduler pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go (the classic
// standard-deviation formula of v1.23–v1.35, not PR #135573's balance-change score) and
// resource_allocation.go; reference shared/reference/kube-scheduler.md §2.4 and §3.4.
//
//   fraction_i = min(requested_i / allocatable_i, 1)   float64; actual requests, the incoming pod included
//   n == 2: std = |f1 - f2| / 2;  n > 2: std = sqrt(Σ(f_i - mean)² / n);  n < 2: std = 0
//   score = int64((1 - std) · 100)                      truncation
//
// Resources with allocatable 0 on the node, and scalar resources the pod does not request, are left out.
// PreScore returns Skip for a best-effort pod (every configured request 0), so it is not scored at all.
//
// Bounds invariant for the `!` below: node rows passed to score are < snapshot.rows, and every snapshot
// column has length >= capacity >= rows.
import type { Json } from '../../apiserver/strategy.js';
import {
  ConfigError,
  MAX_NODE_SCORE,
  SKIP,
  SUCCESS,
  type CycleState,
  type PluginFactory,
  type PreScorePlugin,
  type RowScoreKey,
  type ScorePlugin,
  type Status,
} from '../framework.js';
import type { PodInfo } from '../podinfo.js';
import type { Snapshot } from '../snapshot.js';
import { AllocationInputs, DEFAULT_RESOURCES, checkKnownFields, podResourceRequest, type ResourceSpec } from './noderesources.js';

export const NAME = 'NodeResourcesBalancedAllocation';
const PRE_SCORE_KEY = 'PreScore' + NAME;

/** NodeResourcesBalancedAllocationArgs after defaulting and validation. */
export interface NodeResourcesBalancedAllocationArgs {
  readonly resources: readonly ResourceSpec[];
}

function fail(path: string, message: string): never {
  throw new ConfigError(`${path}: ${message}`);
}

/**
 * validation.go ValidateNodeResourcesBalancedAllocationArgs: names unique, every weight 1 (an omitted
 * weight is 1); v1 defaults: no resources → cpu and memory.
 */
export function parseBalancedAllocationArgs(raw: Json | undefined): NodeResourcesBalancedAllocationArgs {
  const args = raw ?? {};
  checkKnownFields(args, ['apiVersion', 'kind', 'resources'], '');
  if (args['kind'] !== undefined && args['kind'] !== 'NodeResourcesBalancedAllocationArgs') {
    fail('kind', `must be NodeResourcesBalancedAllocationArgs, got ${JSON.stringify(args['kind'])}`);
  }
  const list = args['resources'];
  if (list === undefined || list === null) return { resources: DEFAULT_RESOURCES };
  if (!Array.isArray(list)) fail('resources', `must be a list, got ${JSON.stringify(list)}`);
  if (list.length === 0) return { resources: DEFAULT_RESOURCES };
  const seen = new Set<string>();
  const resources = list.map((item: unknown, i): ResourceSpec => {
    const p = `resources[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) fail(p, `must be an object, got ${JSON.stringify(item)}`);
    const o = item as Json;
    checkKnownFields(o, ['name', 'weight'], `${p}.`);
    const name = o['name'];
    if (typeof name !== 'string' || name === '') fail(`${p}.name`, `must be a non-empty string, got ${JSON.stringify(name)}`);
    if (seen.has(name)) fail(`${p}.name`, `duplicate value ${JSON.stringify(name)}`);
    seen.add(name);
    const weight = o['weight'] ?? 1;
    if (weight !== 1) fail(`${p}.weight`, `must be 1, got ${JSON.stringify(weight)}`);
    return { name, weight: 1 };
  });
  return { resources };
}

/** balanced_allocation.go balancedResourceScorer over the resolved inputs; allocation-free. */
export function balancedResourceScore(inputs: AllocationInputs, node: number): number {
  const { alloc, requested, podRequest } = inputs;
  let n = 0;
  let totalFraction = 0;
  let f0 = 0;
  let f1 = 0;
  for (let i = 0; i < inputs.count; i++) {
    const capacity = alloc[i]![node]!;
    if (capacity === 0) continue;
    let fraction = (requested[i]![node]! + podRequest[i]!) / capacity;
    if (fraction > 1) fraction = 1;
    totalFraction += fraction;
    if (n === 0) f0 = fraction;
    else if (n === 1) f1 = fraction;
    n++;
  }
  let std = 0;
  if (n === 2) {
    std = Math.abs((f0 - f1) / 2);
  } else if (n > 2) {
    // Recomputing each fraction gives the same float as the first pass; same order of operations as Go.
    const mean = totalFraction / n;
    let sum = 0;
    for (let i = 0; i < inputs.count; i++) {
      const capacity = alloc[i]![node]!;
      if (capacity === 0) continue;
      let fraction = (requested[i]![node]! + podRequest[i]!) / capacity;
      if (fraction > 1) fraction = 1;
      sum = sum + (fraction - mean) * (fraction - mean);
    }
    std = Math.sqrt(sum / n);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/**
 * balancedResourceScore over many nodes for the usual two resources (cpu and memory), unrolled: with both
 * capacities non-zero std = |f0 − f1| / 2; with one, std = 0; the same float operations in the same order.
 */
function balancedTwo(inputs: AllocationInputs, nodes: Int32Array, count: number, out: Float64Array): void {
  const { alloc0, alloc1, req0, req1, pod0, pod1 } = inputs.firstTwo();
  for (let i = 0; i < count; i++) {
    const node = nodes[i]!;
    const c0 = alloc0[node]!;
    const c1 = alloc1[node]!;
    let std = 0;
    if (c0 !== 0 && c1 !== 0) {
      let f0 = (req0[node]! + pod0) / c0;
      if (f0 > 1) f0 = 1;
      let f1 = (req1[node]! + pod1) / c1;
      if (f1 > 1) f1 = 1;
      std = Math.abs((f0 - f1) / 2);
    }
    out[i] = Math.trunc((1 - std) * MAX_NODE_SCORE);
  }
}

export class BalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  private readonly resources: readonly ResourceSpec[];

  constructor(readonly args: NodeResourcesBalancedAllocationArgs) {
    this.resources = args.resources;
  }

  /** Skip for best-effort pods (issue #129138: they would all pile onto one node otherwise). */
  preScore(state: CycleState, pod: PodInfo, _nodes: Int32Array, _count: number, snapshot: Snapshot): Status {
    let bestEffort = true;
    for (const r of this.resources) if (podResourceRequest(pod, r.name, true) !== 0) bestEffort = false;
    if (bestEffort) return SKIP;
    state.write(PRE_SCORE_KEY, AllocationInputs.build(this.resources, pod, snapshot, true));
    return SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    return balancedResourceScore(this.inputs(state, pod, snapshot), node);
  }

  /** The score of a node is a function of its row and these inputs (no NormalizeScore). */
  rowScoreKey(state: CycleState, pod: PodInfo, snapshot: Snapshot): RowScoreKey {
    return this.inputs(state, pod, snapshot);
  }

  scoreNodes(state: CycleState, pod: PodInfo, nodes: Int32Array, count: number, snapshot: Snapshot, out: Float64Array): void {
    const inputs = this.inputs(state, pod, snapshot);
    if (inputs.count === 2) balancedTwo(inputs, nodes, count, out);
    else for (let i = 0; i < count; i++) out[i] = balancedResourceScore(inputs, nodes[i]!);
  }

  private inputs(state: CycleState, pod: PodInfo, snapshot: Snapshot): AllocationInputs {
    return AllocationInputs.fromState(state, PRE_SCORE_KEY, this.resources, pod, snapshot, true);
  }
}

const _check = BalancedAllocation satisfies new (args: NodeResourcesBalancedAllocationArgs) => PreScorePlugin & ScorePlugin;
void _check;

/** Builds NodeResourcesBalancedAllocation from its args; throws ConfigError naming the bad field. */
export const newNodeResourcesBalancedAllocation: PluginFactory = (handle) => new BalancedAllocation(parseBalancedAllocationArgs(handle.args));
