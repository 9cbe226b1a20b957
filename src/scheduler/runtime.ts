// The framework runtime for one profile: runs PreFilter, the node search with Filter, PostFilter, PreScore,
// Score, NormalizeScore and the weighted sum, and picks the host (pkg/scheduler/schedule_one.go,
// framework/runtime/framework.go). Node search follows kube-scheduler: an adaptive number of feasible
// nodes to find (percentageOfNodesToScore), starting where the previous cycle stopped, over a
// zone-interleaved node order; ties between equal best totals are broken with the injected RNG.
//
// Bounds invariant for `!` below: rows come from snapshot.order (< snapshot.rows <= capacity); feasible and
// score buffers are grown to snapshot.capacity before use.
import type { Rng } from '../util/rng.js';
import {
  Code,
  CycleState,
  MAX_NODE_SCORE,
  MIN_NODE_SCORE,
  codeNames,
  reason,
  reasonOf,
  type BindPlugin,
  type FilterPlugin,
  type FilterRunner,
  type Plugin,
  type PostBindPlugin,
  type PostFilterPlugin,
  type PreBindPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type PermitPlugin,
  type ReservePlugin,
  type RowScoreKey,
  type ScorePlugin,
  type Status,
} from './framework.js';
import type { PodInfo } from './podinfo.js';
import { RowScoreMemo } from './rowmemo.js';
import type { Snapshot } from './snapshot.js';

/** schedule_one.go: below this many nodes every node is searched; at least this many feasible nodes are found. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** schedule_one.go minFeasibleNodesPercentageToFind. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** How many feasible nodes to find before stopping (schedule_one.go numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage === 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125); // int32 division
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const numNodes = Math.trunc((numAllNodes * percentage) / 100);
  return numNodes < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : numNodes;
}

export interface WeightedScorePlugin {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

/** A profile's plugins per extension point, in order. */
export interface ProfilePlugins {
  readonly preFilter: readonly PreFilterPlugin[];
  readonly filter: readonly FilterPlugin[];
  readonly postFilter: readonly PostFilterPlugin[];
  readonly preScore: readonly PreScorePlugin[];
  readonly score: readonly WeightedScorePlugin[];
  readonly reserve: readonly ReservePlugin[];
  readonly permit: readonly PermitPlugin[];
  readonly preBind: readonly PreBindPlugin[];
  readonly bind: readonly BindPlugin[];
  readonly postBind: readonly PostBindPlugin[];
}

/** What `drydock explain` shows for one node. */
export interface NodeExplanation {
  name: string;
  feasible: boolean;
  /** Every failing filter's reason (explain runs all filters). */
  reasons: string[];
  /** The plugins that failed, parallel to reasons. */
  failedPlugins: string[];
  scores: Record<string, { raw: number; normalized: number; weighted: number }>;
  total: number;
}

/** Filled by schedulePod when asked (explain mode): everything about one cycle. */
export interface Explanation {
  preFilter: { plugin: string; code: string; reasons: readonly string[] }[];
  nodes: NodeExplanation[];
  selectedNode: string | null;
}

export type ScheduleResult =
  | { readonly kind: 'scheduled'; readonly row: number; readonly nodeName: string; readonly evaluatedNodes: number; readonly feasibleNodes: number }
  | { readonly kind: 'unschedulable'; readonly fitError: FitError }
  | { readonly kind: 'error'; readonly status: Status };

/** Why no node fits (framework FitError / Diagnosis). */
export class FitError {
  constructor(
    readonly numAllNodes: number,
    /** Reason id per snapshot row: set for the rows in `rows`; other rows may hold an earlier cycle's. */
    readonly reasonOfNode: Int32Array,
    /** The plugin index (into the profile's filters; -1 PreFilter) that rejected each row. */
    readonly rows: readonly number[],
    /** Set when PreFilter rejected the pod: its message replaces the per-node reasons. */
    readonly preFilterMessage: string,
    readonly unschedulablePlugins: ReadonlySet<string>,
  ) {}
  /** Filled by the scheduler after PostFilter (preemption) ran. */
  postFilterMessage = '';

  /**
   * FitError.Error(): "0/5 nodes are available: 2 node(s) had untolerated taint {k: v}, 3 Insufficient cpu.
   * preemption: ..." — the per-reason histogram sorted as strings, as upstream's sort.Strings does.
   */
  message(): string {
    let msg = `0/${this.numAllNodes} nodes are available:`;
    if (this.preFilterMessage !== '') {
      msg += ` ${this.preFilterMessage}.`;
    } else {
      // Nodes per reason id first (one number per node), then each id's texts counted that many times.
      const byId = new Map<number, number>();
      for (const r of this.rows) {
        const id = this.reasonOfNode[r]!;
        byId.set(id, (byId.get(id) ?? 0) + 1);
      }
      const counts = new Map<string, number>();
      for (const [id, n] of byId) {
        for (const text of reasonTexts(id)) counts.set(text, (counts.get(text) ?? 0) + n);
      }
      const parts = [...counts].map(([text, n]) => `${n} ${text}`).sort();
      if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
    }
    // Newer FitError.Error appends the PostFilter message as " %v": it ends with its own ".".
    if (this.postFilterMessage !== '') msg += ` ${this.postFilterMessage}`;
    return msg;
  }
}

/**
 * The texts a reason id stands for. A plugin that reports several problems on one node registers a
 * composite reason whose text joins the individual texts with "\n" (NodeResourcesFit: "Insufficient cpu"
 * and "Insufficient memory"); each counts separately in FailedScheduling messages, as upstream's
 * Status.Reasons() does.
 */
export function reasonTexts(id: number): string[] {
  if (id === 0) return [];
  return reasonOf(id).text.split('\n');
}

const PREFILTER_REJECTED_NODES = new Map<string, number>();
function nodesExcludedByPreFilter(plugins: readonly string[]): number {
  const text = `node(s) didn't satisfy plugin(s) [${plugins.join(' ')}]`;
  let id = PREFILTER_REJECTED_NODES.get(text);
  if (id === undefined) PREFILTER_REJECTED_NODES.set(text, (id = reason(text, Code.UnschedulableAndUnresolvable)));
  return id;
}

export interface FrameworkOptions {
  readonly percentageOfNodesToScore: number;
  readonly rng: Rng;
}

/** Pods nominated to nodes after preemption (the queue's nominator). */
export interface Nominator {
  /** True when some pod is nominated anywhere (lets the node loop skip the per-node lookup). */
  hasNominatedPods(): boolean;
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
}

export class Framework implements FilterRunner {
  /** Set by the scheduler: nominated pods count on their node while others are filtered. */
  nominator: Nominator | undefined;

  /** Where the next cycle's node search starts (schedule_one.go nextStartNodeIndex). */
  nextStartNodeIndex = 0;
  /** Row-pure score sums read from the memo, and computed, so far (see addRowPureScores). */
  rowMemoHits = 0;
  rowMemoMisses = 0;
  private feasible = new Int32Array(0);
  private reasonOfNode = new Int32Array(0);
  private totals = new Float64Array(0);
  private scoreBuf: Float64Array[] = [];
  /** One chunk of the node search: its rows, the rows still passing, and one filter's answers. */
  private chunkLive = new Int32Array(0);
  private chunkOut = new Int32Array(0);
  /** The rows PreFilterResult allows, when it narrows the search. */
  private allowedRows = new Int32Array(0);
  private readonly skipFilter = new Set<string>();
  private readonly skipScore = new Set<string>();
  /** The weighted sum of the row-pure score plugins (rowScoreKey) by row, for the group of the last pod. */
  private readonly rowMemo = new RowScoreMemo();
  private memoGroup: RowPureScore[] = [];
  /** This cycle's row-pure plugins, and the rows (and their places in `feasible`) the memo had no sum for. */
  private pureGroup: RowPureScore[] = [];
  private missedRows = new Int32Array(0);
  private missedAt = new Int32Array(0);
  /** selectHost's positions of the best total. */
  private tiedAt = new Int32Array(0);
  /** The filters skipFilter leaves, once this cycle asked for them (filtersWithout); reset with skipFilter. */
  private cycleFilters: readonly FilterPlugin[] | undefined;
  private missedSums = new Float64Array(0);

  constructor(
    readonly profileName: string,
    readonly plugins: ProfilePlugins,
    private readonly options: FrameworkOptions,
  ) {
    for (const s of plugins.score) {
      if (!Number.isInteger(s.weight) || s.weight < 1) throw new Error(`profile ${profileName}: score plugin ${s.plugin.name} has weight ${s.weight}`);
    }
  }

  private grow(capacity: number): void {
    if (this.feasible.length >= capacity) return;
    this.feasible = new Int32Array(capacity);
    this.reasonOfNode = new Int32Array(capacity);
    this.totals = new Float64Array(capacity);
    this.scoreBuf = this.plugins.score.map(() => new Float64Array(capacity));
    this.chunkLive = new Int32Array(capacity);
    this.chunkOut = new Int32Array(capacity);
    this.allowedRows = new Int32Array(capacity);
    this.missedRows = new Int32Array(capacity);
    this.missedAt = new Int32Array(capacity);
    this.tiedAt = new Int32Array(capacity);
    this.missedSums = new Float64Array(capacity);
  }

  /** The filters on one node, in order, until one fails: its reason id (the plugin is noted), or 0. */
  private filterOne(filters: readonly FilterPlugin[], state: CycleState, pod: PodInfo, r: number, snapshot: Snapshot, rejected: Set<string> | undefined): number {
    for (let f = 0; f < filters.length; f++) {
      const plugin = filters[f]!;
      const id = plugin.filter(state, pod, r, snapshot);
      if (id !== 0) {
        rejected?.add(plugin.name);
        return id;
      }
    }
    return 0;
  }

  /**
   * Filters `n` nodes of `nodes` from position `from` (wrapping at `numNodes`): each filter over the rows
   * all earlier filters passed, as a one-by-one search would. Appends the feasible rows in node order to
   * this.feasible from `feasibleCount` and returns the new count; failed rows go to `failedRows` (by filter,
   * then node order: FitError only counts them) with their reason in reasonOfNode. A row that passes keeps
   * whatever reason an earlier cycle left there: reasons are read only after a cycle that found no feasible
   * node, and such a cycle has written the reason of every row it searched.
   */
  private filterChunk(
    filters: readonly FilterPlugin[],
    state: CycleState,
    pod: PodInfo,
    snapshot: Snapshot,
    nodes: Int32Array,
    numNodes: number,
    from: number,
    n: number,
    feasibleCount: number,
    failedRows: number[],
    rejected: Set<string>,
  ): number {
    const live = this.chunkLive;
    const out = this.chunkOut;
    const reasonOfNode = this.reasonOfNode;
    for (let k = 0, at = from; k < n; k++) {
      live[k] = nodes[at]!;
      if (++at === numNodes) at = 0;
    }
    let alive = n;
    for (let f = 0; f < filters.length && alive > 0; f++) {
      const plugin = filters[f]!;
      let failed = 0;
      if (plugin.filterNodes !== undefined) failed = plugin.filterNodes(state, pod, live, alive, snapshot, out);
      else {
        for (let k = 0; k < alive; k++) {
          const id = plugin.filter(state, pod, live[k]!, snapshot);
          out[k] = id;
          if (id !== 0) failed++;
        }
      }
      if (failed === 0) continue;
      rejected.add(plugin.name);
      let kept = 0;
      for (let k = 0; k < alive; k++) {
        const id = out[k]!;
        const r = live[k]!;
        if (id === 0) live[kept++] = r;
        else {
          reasonOfNode[r] = id;
          failedRows.push(r);
        }
      }
      alive = kept;
    }
    // The survivors, still in node order.
    const feasible = this.feasible;
    for (let k = 0; k < alive; k++) feasible[feasibleCount++] = live[k]!;
    return feasibleCount;
  }

  // ---- FilterRunner (for preemption) ------------------------------------------------------------------

  runFilterPlugins(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    const skip = state.skipFilterPlugins;
    for (const f of this.plugins.filter) {
      if (skip?.has(f.name)) continue;
      const id = f.filter(state, pod, node, snapshot);
      if (id !== 0) return id;
    }
    return 0;
  }

  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    if (this.nominator?.hasNominatedPods() !== true) return this.runFilterPlugins(state, pod, node, snapshot);
    return this.filterWithNominatedPods(this.filtersWithout(state.skipFilterPlugins), state, pod, node, snapshot, undefined);
  }

  /**
   * The filter plugins minus those PreFilter skipped. For this framework's own skip set (the cycle's, which
   * preemption's dry runs carry on their state clones) the list is made once per cycle.
   */
  private filtersWithout(skip: ReadonlySet<string> | undefined): readonly FilterPlugin[] {
    if (skip === undefined || skip.size === 0) return this.plugins.filter;
    if (skip !== this.skipFilter) return this.plugins.filter.filter((f) => !skip.has(f.name));
    return (this.cycleFilters ??= this.plugins.filter.filter((f) => !skip.has(f.name)));
  }

  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, other: PodInfo, node: number, snapshot: Snapshot): void {
    for (const p of this.plugins.preFilter) if (!state.skipFilterPlugins?.has(p.name)) p.addPod?.(state, pod, other, node, snapshot);
  }

  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, other: PodInfo, node: number, snapshot: Snapshot): void {
    for (const p of this.plugins.preFilter) if (!state.skipFilterPlugins?.has(p.name)) p.removePod?.(state, pod, other, node, snapshot);
  }

  /**
   * RunFilterPluginsWithNominatedPods (framework.go): with pods nominated to this node at the same or a
   * higher priority, the node must fit the pod both with them (as if their preemption had completed) and,
   * if any were added, without them (affinity to them must not be what makes it fit).
   */
  private filterWithNominatedPods(filters: readonly FilterPlugin[], state: CycleState, pod: PodInfo, r: number, snapshot: Snapshot, rejected: Set<string> | undefined): number {
    let nominated: PodInfo[] | undefined;
    for (const p of this.nominator!.nominatedPodsForNode(snapshot.names[r]!)) {
      if (p.key !== pod.key && p.priority >= pod.priority && snapshot.pods[r]!.every((q) => q.key !== p.key)) (nominated ??= []).push(p);
    }
    const run = (s: CycleState): number => this.filterOne(filters, s, pod, r, snapshot, rejected);
    if (nominated === undefined) return this.filterOne(filters, state, pod, r, snapshot, rejected);
    const withThem = state.clone();
    const podsBefore = snapshot.pods[r]!;
    for (const p of nominated) {
      snapshot.dryRunAddPod(p, r, []);
      this.runPreFilterExtensionAddPod(withThem, pod, p, r, snapshot);
    }
    const first = run(withThem);
    for (const p of [...nominated].reverse()) snapshot.dryRunRemovePod(p, r, []);
    snapshot.pods[r] = podsBefore;
    return first !== 0 ? first : run(state);
  }

  // ---- one cycle --------------------------------------------------------------------------------------

  /**
   * Finds the node for `pod` (schedule_one.go schedulePod). With `explain`, every node is evaluated by every
   * filter and scored, and the details are recorded; the choice is the same as without.
   */
  schedulePod(state: CycleState, pod: PodInfo, snapshot: Snapshot, explain?: Explanation): ScheduleResult {
    const numAll = snapshot.numNodes;
    this.grow(snapshot.capacity);
    if (numAll === 0) {
      const fe = new FitError(0, this.reasonOfNode, [], 'no nodes available to schedule pods', new Set());
      return { kind: 'unschedulable', fitError: fe };
    }
    const unschedulablePlugins = new Set<string>();

    // PreFilter.
    this.skipFilter.clear();
    this.cycleFilters = undefined;
    let allowed: Set<string> | undefined;
    const narrowing: string[] = [];
    for (const p of this.plugins.preFilter) {
      const { status, result } = p.preFilter(state, pod, snapshot);
      explain?.preFilter.push({ plugin: p.name, code: codeNames[status.code], reasons: status.reasons });
      if (status.code === Code.Skip) {
        this.skipFilter.add(p.name);
        continue;
      }
      if (status.code === Code.Error) return { kind: 'error', status: { ...status, plugin: p.name } };
      if (status.code !== Code.Success) {
        unschedulablePlugins.add(p.name);
        const msg = status.reasons.join(', ');
        const id = reason(msg, status.code);
        const all: number[] = [];
        for (let i = 0; i < numAll; i++) {
          const r = snapshot.order[i]!;
          this.reasonOfNode[r] = id;
          all.push(r);
          if (explain) explain.nodes.push(this.explainNode(snapshot, r, [id], [p.name]));
        }
        if (explain) explain.selectedNode = null;
        return { kind: 'unschedulable', fitError: new FitError(numAll, this.reasonOfNode, all, msg, unschedulablePlugins) };
      }
      if (result?.nodeNames !== undefined) {
        narrowing.push(p.name);
        allowed = allowed === undefined ? new Set(result.nodeNames) : new Set([...allowed].filter((n) => result.nodeNames!.has(n)));
      }
    }
    state.skipFilterPlugins = this.skipFilter;

    // Filter: from nextStartNodeIndex, until enough feasible nodes are found.
    const hasScoring = this.plugins.score.length > 0;
    const excludedId = allowed !== undefined ? nodesExcludedByPreFilter(narrowing) : 0;
    const failedRows: number[] = [];
    let feasibleCount = 0;
    let processed = 0;
    // A pod nominated to a node (after preemption) tries that node first (evaluateNominatedNode).
    const nominated = pod.pod.status?.nominatedNodeName;
    if (nominated !== undefined && nominated !== '' && !explain) {
      const r = snapshot.rowOf(nominated);
      if (r >= 0 && (allowed === undefined || allowed.has(nominated)) && this.runFilterPluginsWithNominatedPods(state, pod, r, snapshot) === 0) {
        return { kind: 'scheduled', row: r, nodeName: nominated, evaluatedNodes: 1, feasibleNodes: 1 };
      }
    }
    // The filters this cycle runs (PreFilter may have skipped some), resolved once, not per node.
    const filters = this.filtersWithout(this.skipFilter);
    const nominations = this.nominator?.hasNominatedPods() === true;
    if (explain) {
      for (let i = 0; i < numAll; i++) {
        const r = snapshot.order[i]!;
        processed++;
        const failed =
          allowed !== undefined && !allowed.has(snapshot.names[r]!)
            ? excludedId
            : nominations
              ? this.filterWithNominatedPods(filters, state, pod, r, snapshot, unschedulablePlugins)
              : this.filterOne(filters, state, pod, r, snapshot, unschedulablePlugins);
        this.reasonOfNode[r] = failed;
        if (failed === 0) this.feasible[feasibleCount++] = r;
        else failedRows.push(r);
      }
    } else {
      // The nodes searched: all of them in the snapshot's order, or only PreFilterResult's (findNodesThatFitPod
      // restricts the list to them; the rest count as UnschedulableAndUnresolvable). Go ranges over a set
      // there, in no fixed order; drydock takes the names in the order PreFilter gave them.
      let nodes = snapshot.order;
      let numNodes = numAll;
      if (allowed !== undefined) {
        nodes = this.allowedRows;
        numNodes = 0;
        for (const name of allowed) {
          const r = snapshot.rowOf(name);
          if (r >= 0) nodes[numNodes++] = r;
        }
      }
      const toSearch = hasScoring ? numFeasibleNodesToFind(this.options.percentageOfNodesToScore, numNodes) : 1;
      const start = numNodes === 0 ? 0 : this.nextStartNodeIndex % numNodes;
      if (nominations) {
        for (let i = 0; i < numNodes && feasibleCount < toSearch; i++) {
          const r = nodes[(start + i) % numNodes]!;
          processed++;
          const failed = this.filterWithNominatedPods(filters, state, pod, r, snapshot, unschedulablePlugins);
          this.reasonOfNode[r] = failed;
          if (failed === 0) this.feasible[feasibleCount++] = r;
          else failedRows.push(r);
        }
      } else {
        // In chunks of as many nodes as are still needed: a chunk can never hold more feasible nodes than
        // that, so exactly the nodes a one-by-one search would visit are visited, and each filter runs over
        // a chunk's survivors in one call.
        while (processed < numNodes && feasibleCount < toSearch) {
          const n = Math.min(toSearch - feasibleCount, numNodes - processed);
          feasibleCount = this.filterChunk(filters, state, pod, snapshot, nodes, numNodes, (start + processed) % numNodes, n, feasibleCount, failedRows, unschedulablePlugins);
          processed += n;
        }
      }
      this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % numAll;
      if (allowed !== undefined && feasibleCount === 0) {
        for (let i = 0; i < numAll; i++) {
          const r = snapshot.order[i]!;
          if (allowed.has(snapshot.names[r]!)) continue;
          this.reasonOfNode[r] = excludedId;
          failedRows.push(r);
        }
      }
    }
    const explainedRows = explain ? this.explainFilters(state, pod, snapshot, allowed, excludedId, explain) : undefined;

    if (feasibleCount === 0) {
      if (explain) explain.selectedNode = null;
      return { kind: 'unschedulable', fitError: new FitError(numAll, this.reasonOfNode, failedRows, '', unschedulablePlugins) };
    }
    if (feasibleCount === 1 && !explain) {
      const r = this.feasible[0]!;
      return { kind: 'scheduled', row: r, nodeName: snapshot.names[r]!, evaluatedNodes: processed, feasibleNodes: 1 };
    }

    // PreScore, Score, NormalizeScore, weights.
    const status = this.prioritize(state, pod, snapshot, feasibleCount, explainedRows);
    if (status !== undefined) return { kind: 'error', status };
    const best = this.selectHost(feasibleCount);
    const name = snapshot.names[best]!;
    if (explain) explain.selectedNode = name;
    return { kind: 'scheduled', row: best, nodeName: name, evaluatedNodes: processed, feasibleNodes: feasibleCount };
  }

  private prioritize(state: CycleState, pod: PodInfo, snapshot: Snapshot, count: number, explained?: Map<number, NodeExplanation>): Status | undefined {
    const nodes = this.feasible;
    this.skipScore.clear();
    for (const p of this.plugins.preScore) {
      const s = p.preScore(state, pod, nodes, count, snapshot);
      if (s.code === Code.Skip) this.skipScore.add(p.name);
      else if (s.code !== Code.Success) return { ...s, plugin: p.name };
    }
    const totals = this.totals;
    totals.fill(0, 0, count);
    const pure = this.pureGroup;
    pure.length = 0;
    for (let k = 0; k < this.plugins.score.length; k++) {
      const { plugin, weight } = this.plugins.score[k]!;
      if (this.skipScore.has(plugin.name)) continue;
      if (!explained && plugin.uniformScore !== undefined) {
        // One score for every node shifts all totals alike: selectHost sees the same order and the same ties.
        const s = plugin.uniformScore(state, pod, nodes, count, snapshot);
        if (s !== undefined) {
          if (s > MAX_NODE_SCORE || s < MIN_NODE_SCORE) return invalidScore(plugin.name, s);
          continue;
        }
      }
      if (!explained && plugin.rowScoreKey !== undefined && plugin.normalizeScore === undefined) {
        // Scored with the other row-pure plugins below (totals are integer sums: the order does not matter).
        const key = plugin.rowScoreKey(state, pod, snapshot);
        if (key !== undefined) {
          pure.push({ plugin, weight, key });
          continue;
        }
      }
      const scores = this.scoreBuf[k]!;
      if (plugin.scoreNodes !== undefined) plugin.scoreNodes(state, pod, nodes, count, snapshot, scores);
      else for (let i = 0; i < count; i++) scores[i] = plugin.score(state, pod, nodes[i]!, snapshot);
      const raw = explained ? Array.from(scores.subarray(0, count)) : undefined;
      plugin.normalizeScore?.(state, pod, scores, nodes, count, snapshot);
      for (let i = 0; i < count; i++) {
        const s = scores[i]!;
        if (s > MAX_NODE_SCORE || s < MIN_NODE_SCORE) return invalidScore(plugin.name, s);
        totals[i]! += s * weight;
      }
      if (explained) {
        for (let i = 0; i < count; i++) {
          const ne = explained.get(nodes[i]!);
          if (ne) ne.scores[plugin.name] = { raw: raw![i]!, normalized: scores[i]!, weighted: scores[i]! * weight };
        }
      }
    }
    if (pure.length > 0) {
      const status = this.addRowPureScores(state, pod, snapshot, count, pure);
      if (status !== undefined) return status;
    }
    if (explained) {
      for (let i = 0; i < count; i++) {
        const ne = explained.get(nodes[i]!);
        if (ne) ne.total = totals[i]!;
      }
    }
    return undefined;
  }

  /**
   * Adds the weighted scores of the row-pure plugins (rowScoreKey) to the totals: a row's sum from the memo
   * when neither the row (its generation) nor the group's inputs changed since it was computed, else from
   * the plugins' batch scoring over just the rows the memo lacked. In a large cluster the node search comes
   * back to a row every few pods and at most the rows that got a pod have changed, so most sums are read.
   */
  private addRowPureScores(state: CycleState, pod: PodInfo, snapshot: Snapshot, count: number, pure: readonly RowPureScore[]): Status | undefined {
    const memo = this.rowMemo;
    memo.begin(snapshot, sameGroup(pure, this.memoGroup));
    this.memoGroup = [...pure];
    const { epochOf, generationOf, value, epoch } = memo;
    const generation = snapshot.generation;
    const nodes = this.feasible;
    const totals = this.totals;
    const missed = this.missedRows;
    const missedAt = this.missedAt;
    let m = 0;
    for (let i = 0; i < count; i++) {
      const r = nodes[i]!;
      if (epochOf[r] === epoch && generationOf[r] === generation[r]) totals[i]! += value[r]!;
      else {
        missed[m] = r;
        missedAt[m++] = i;
      }
    }
    this.rowMemoHits += count - m;
    this.rowMemoMisses += m;
    if (m === 0) return undefined;
    const sums = this.missedSums;
    sums.fill(0, 0, m);
    const scores = this.scoreBuf[0]!;
    for (const { plugin, weight } of pure) {
      if (plugin.scoreNodes !== undefined) plugin.scoreNodes(state, pod, missed, m, snapshot, scores);
      else for (let j = 0; j < m; j++) scores[j] = plugin.score(state, pod, missed[j]!, snapshot);
      for (let j = 0; j < m; j++) {
        const s = scores[j]!;
        if (s > MAX_NODE_SCORE || s < MIN_NODE_SCORE) return invalidScore(plugin.name, s);
        sums[j]! += s * weight;
      }
    }
    for (let j = 0; j < m; j++) {
      const r = missed[j]!;
      value[r] = sums[j]!;
      generationOf[r] = generation[r]!;
      epochOf[r] = epoch;
      totals[missedAt[j]!]! += sums[j]!;
    }
    return undefined;
  }

  /**
   * The highest total; equal totals broken uniformly at random, as selectHost does. Upstream samples a
   * reservoir (one draw per tie, replacing the pick with probability 1/ties); drydock counts the ties and
   * makes one draw among them: the same uniform choice, for one draw instead of thousands when a large,
   * evenly filled cluster ties on most nodes. Go's generator is unseeded, so no particular draw is upstream's.
   */
  private selectHost(count: number): number {
    const totals = this.totals;
    // One pass: the positions holding the best total so far, in order (restarted when a better one comes).
    const tied = this.tiedAt;
    let bestScore = totals[0]!;
    let ties = 1;
    tied[0] = 0;
    for (let i = 1; i < count; i++) {
      const s = totals[i]!;
      if (s > bestScore) {
        bestScore = s;
        tied[0] = i;
        ties = 1;
      } else if (s === bestScore) tied[ties++] = i;
    }
    const pick = ties === 1 ? 0 : this.options.rng.int(ties);
    return this.feasible[tied[pick]!]!;
  }

  /** Explain mode: every filter on every node, so each node lists all its reasons; returns them by row. */
  private explainFilters(state: CycleState, pod: PodInfo, snapshot: Snapshot, allowed: Set<string> | undefined, excludedId: number, explain: Explanation): Map<number, NodeExplanation> {
    const byRow = new Map<number, NodeExplanation>();
    for (let i = 0; i < snapshot.numNodes; i++) {
      const r = snapshot.order[i]!;
      const ids: number[] = [];
      const names: string[] = [];
      if (allowed !== undefined && !allowed.has(snapshot.names[r]!)) {
        ids.push(excludedId);
        names.push('PreFilter');
      }
      for (const f of this.plugins.filter) {
        if (this.skipFilter.has(f.name)) continue;
        const id = f.filter(state, pod, r, snapshot);
        if (id !== 0) {
          ids.push(id);
          names.push(f.name);
        }
      }
      const ne = this.explainNode(snapshot, r, ids, names);
      explain.nodes.push(ne);
      byRow.set(r, ne);
    }
    return byRow;
  }

  private explainNode(snapshot: Snapshot, r: number, ids: number[], plugins: string[]): NodeExplanation {
    const reasons: string[] = [];
    const failedPlugins: string[] = [];
    ids.forEach((id, i) => {
      for (const t of reasonTexts(id)) {
        reasons.push(t);
        failedPlugins.push(plugins[i]!);
      }
    });
    return { name: snapshot.names[r]!, feasible: ids.length === 0, reasons, failedPlugins, scores: {}, total: 0 };
  }

  // ---- after a node is chosen -------------------------------------------------------------------------

  runReservePlugins(state: CycleState, pod: PodInfo, nodeName: string): Status | undefined {
    for (const p of this.plugins.reserve) {
      const s = p.reserve(state, pod, nodeName);
      if (s.code !== Code.Success) {
        this.runUnreservePlugins(state, pod, nodeName);
        return { ...s, plugin: p.name };
      }
    }
    return undefined;
  }

  runUnreservePlugins(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const p of [...this.plugins.reserve].reverse()) p.unreserve(state, pod, nodeName);
  }

  runPermitPlugins(state: CycleState, pod: PodInfo, nodeName: string): Status | undefined {
    for (const p of this.plugins.permit) {
      const { status } = p.permit(state, pod, nodeName);
      if (status.code === Code.Wait) return { code: Code.Error, reasons: [`plugin ${p.name} asked to wait, which drydock does not support`], plugin: p.name };
      if (status.code !== Code.Success && status.code !== Code.Skip) return { ...status, plugin: p.name };
    }
    return undefined;
  }

  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | undefined> {
    for (const p of this.plugins.preBind) {
      const s = await p.preBind(state, pod, nodeName);
      if (s.code !== Code.Success && s.code !== Code.Skip) return { ...s, plugin: p.name };
    }
    return undefined;
  }

  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | undefined> {
    for (const p of this.plugins.bind) {
      const s = await p.bind(state, pod, nodeName);
      if (s.code === Code.Skip) continue;
      return s.code === Code.Success ? undefined : { ...s, plugin: p.name };
    }
    return { code: Code.Error, reasons: ['no bind plugin bound the pod'] };
  }

  runPostBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const p of this.plugins.postBind) p.postBind(state, pod, nodeName);
  }

  /** Every plugin of this profile by name (for registries and explain). */
  allPlugins(): Plugin[] {
    const seen = new Map<string, Plugin>();
    const p = this.plugins;
    for (const list of [p.preFilter, p.filter, p.postFilter, p.preScore, p.score.map((s) => s.plugin), p.reserve, p.permit, p.preBind, p.bind, p.postBind]) {
      for (const x of list) seen.set(x.name, x);
    }
    return [...seen.values()];
  }
}

export { CycleState };

/** A row-pure score plugin of this cycle (ScorePlugin.rowScoreKey), with its weight and the pod's inputs. */
interface RowPureScore {
  readonly plugin: ScorePlugin;
  readonly weight: number;
  readonly key: RowScoreKey;
}

/** The same plugins, in the same order, with the same weights and inputs: the memoised sums still hold. */
function sameGroup(a: readonly RowPureScore[], b: readonly RowPureScore[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.plugin !== y.plugin || x.weight !== y.weight || !x.key.sameAs(y.key)) return false;
  }
  return true;
}

/** framework.go RunScorePlugins' error for a score outside [MinNodeScore, MaxNodeScore] after normalizing. */
function invalidScore(plugin: string, s: number): Status {
  return { code: Code.Error, reasons: [`plugin "${plugin}" returns an invalid score ${s}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`], plugin };
}
