// DefaultPreemption, kube-scheduler's PostFilter plugin (pkg/scheduler/framework/plugins/defaultpreemption/
// default_preemption.go and pkg/scheduler/framework/preemption/preemption.go @98be7df; reference §2.10).
// When no node fits a pod, it looks for nodes where evicting lower-priority pods makes room, picks one in
// kube's lexicographic order, evicts the victims and nominates the node for the pod.
//
// The decision (`findPreemption`) has no side effects apart from one RNG draw: each dry run takes pods off
// one snapshot row with Snapshot.dryRunRemovePod / dryRunAddPod, on a clone of the CycleState, and puts
// every pod back (the row's pods array is restored by reference), so the snapshot is unchanged afterwards.
// `postFilter` then acts through ClusterAccess. `explainPreemption` turns a decision into JSON for
// `drydock explain`.
//
// Deliberate differences from upstream:
// - Dry runs are sequential (upstream: parallel goroutines), so the early stop is deterministic: nodes are
//   checked in circular order from the random offset until >= 1 non-violating candidate and n candidates.
// - Ties after the five criteria go to the first candidate in dry-run order (non-PDB-violating candidates
//   first); upstream iterates a Go map there, i.e. picks at random.
// - A filter answers one reason id per node; a composite reason (texts joined with "\n", the runtime's
//   convention) counts once per text in the "0/N nodes are available" message, as Status.Reasons() does.
// - Start times are milliseconds (PodInfo.startTime, the creation time when a pod has not started), where
//   upstream compares nanoseconds and uses "now" for pods that have not started.
import type { Json } from '../../apiserver/strategy.js';
import { compileRequirements, labelSelectorRequirements, type LabelMatcher, type PodDisruptionBudget } from '../../api/index.js';
import {
  Code,
  ConfigError,
  SUCCESS,
  reasonOf,
  status,
  type CycleState,
  type FilterFailures,
  type FilterRunner,
  type PluginFactory,
  type PluginHandle,
  type PostFilterPlugin,
  type PostFilterResult,
  type Status,
} from '../framework.js';
import type { PodInfo } from '../podinfo.js';
import type { Snapshot } from '../snapshot.js';
import type { Rng } from '../../util/rng.js';

export const NAME = 'DefaultPreemption';

// ---- messages (upstream's exact texts; the scheduler prefixes "preemption: ") --------------------------

/** default_preemption.go PodEligibleToPreemptOthers. */
export const MSG_PREEMPTION_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const MSG_TERMINATING_ON_NOMINATED_NODE = 'not eligible due to a terminating pod on the nominated node.';
/** default_preemption.go SelectVictimsOnNode, a node without lower-priority pods (UnschedulableAndUnresolvable). */
export const MSG_NO_VICTIMS = 'No preemption victims found for incoming pod';
/** preemption.go Preempt: the status of every node that was not dry-run. */
export const MSG_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
/** preemption.go findCandidates with an empty snapshot. */
export const MSG_NO_NODES = 'no nodes available';

/** core/v1 DisruptionTarget condition and the reason the scheduler gives it (podTerminatingByPreemption). */
const DISRUPTION_TARGET = 'DisruptionTarget';
const PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';

// ---- args -----------------------------------------------------------------------------------------------

/** config.DefaultPreemptionArgs. */
export interface DefaultPreemptionArgs {
  readonly minCandidateNodesPercentage: number;
  readonly minCandidateNodesAbsolute: number;
}

/** apis/config/v1 SetDefaults_DefaultPreemptionArgs. */
export const DEFAULT_PREEMPTION_ARGS: DefaultPreemptionArgs = Object.freeze({ minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 });

const ARG_FIELDS = new Set(['minCandidateNodesPercentage', 'minCandidateNodesAbsolute']);
const TYPE_META_KEYS = new Set(['apiVersion', 'kind']);

function int32Arg(args: Json, key: string, fallback: number): number {
  const v = args[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
    throw new ConfigError(`${key}: Invalid value: ${JSON.stringify(v)}: must be a 32-bit integer`);
  }
  return v;
}

/**
 * Defaults and validates DefaultPreemptionArgs (validation_pluginargs.go ValidateDefaultPreemptionArgs, with
 * upstream's field.Invalid wording). Throws ConfigError naming the field; several problems are joined by "; ".
 */
export function parseDefaultPreemptionArgs(args: Json | undefined): DefaultPreemptionArgs {
  if (args === undefined || args === null) return DEFAULT_PREEMPTION_ARGS;
  if (typeof args !== 'object' || Array.isArray(args)) throw new ConfigError(`args: must be an object, got ${JSON.stringify(args)}`);
  for (const key of Object.keys(args)) {
    if (!ARG_FIELDS.has(key) && !TYPE_META_KEYS.has(key)) {
      throw new ConfigError(`${key}: unknown field (DefaultPreemptionArgs has minCandidateNodesPercentage and minCandidateNodesAbsolute)`);
    }
  }
  const pct = int32Arg(args, 'minCandidateNodesPercentage', DEFAULT_PREEMPTION_ARGS.minCandidateNodesPercentage);
  const abs = int32Arg(args, 'minCandidateNodesAbsolute', DEFAULT_PREEMPTION_ARGS.minCandidateNodesAbsolute);
  const problems: string[] = [];
  if (pct < 0 || pct > 100) problems.push(`minCandidateNodesPercentage: Invalid value: ${pct}: not in valid range [0, 100]`);
  if (abs < 0) problems.push(`minCandidateNodesAbsolute: Invalid value: ${abs}: not in valid range [0, inf)`);
  if (pct === 0 && abs === 0) {
    problems.push('minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute');
    problems.push('minCandidateNodesAbsolute: Invalid value: 0: cannot be zero at the same time as minCandidateNodesPercentage');
  }
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return { minCandidateNodesPercentage: pct, minCandidateNodesAbsolute: abs };
}

/**
 * How many candidates the dry run must find (default_preemption.go calculateNumCandidates), where `numNodes`
 * is the number of potential nodes (those whose filter status is Unschedulable):
 * max(numNodes * percentage / 100, absolute), never more than numNodes. int32 arithmetic, division truncates.
 */
export function calculateNumCandidates(numNodes: number, args: DefaultPreemptionArgs): number {
  let n = Math.trunc((numNodes * args.minCandidateNodesPercentage) / 100);
  if (n < args.minCandidateNodesAbsolute) n = args.minCandidateNodesAbsolute;
  if (n > numNodes) n = numNodes;
  return n;
}

// ---- PodDisruptionBudgets -------------------------------------------------------------------------------

/** A PodDisruptionBudget as preemption reads it. */
export interface PdbView {
  readonly name: string;
  readonly namespace: string;
  readonly matches: LabelMatcher;
  readonly disruptionsAllowed: number;
  /** status.disruptedPods: evictions the API server already processed; they do not count again. */
  readonly disruptedPods: ReadonlySet<string>;
}

/**
 * Compiles PDBs once per preemption. PDBs whose selector is absent, empty or invalid match nothing
 * (filterPodsWithPDBViolation: LabelSelectorAsSelector error or selector.Empty()), so they are left out.
 */
export function compilePodDisruptionBudgets(pdbs: readonly Json[]): PdbView[] {
  const out: PdbView[] = [];
  for (const raw of pdbs) {
    const pdb = raw as unknown as PodDisruptionBudget;
    let reqs;
    try {
      reqs = labelSelectorRequirements(pdb.spec?.selector);
    } catch {
      continue;
    }
    if (reqs === null || reqs.length === 0) continue;
    out.push({
      name: pdb.metadata?.name ?? '',
      namespace: pdb.metadata?.namespace ?? '',
      matches: compileRequirements(reqs),
      disruptionsAllowed: pdb.status?.disruptionsAllowed ?? 0,
      disruptedPods: new Set(Object.keys(pdb.status?.disruptedPods ?? {})),
    });
  }
  return out;
}

/**
 * Splits pods into those whose eviction would violate a PDB and the rest, keeping their order
 * (default_preemption.go filterPodsWithPDBViolation): each matching PDB's budget is decremented per pod
 * on a copy; a pod that takes a budget below 0 violates it.
 */
export function filterPodsWithPDBViolation<T>(items: readonly T[], podOf: (item: T) => PodInfo, pdbs: readonly PdbView[]): { violating: T[]; nonViolating: T[] } {
  const allowed = pdbs.map((p) => p.disruptionsAllowed);
  const violating: T[] = [];
  const nonViolating: T[] = [];
  for (const item of items) {
    const pod = podOf(item);
    let violated = false;
    // A pod with no labels matches no PDB.
    if (Object.keys(pod.labels).length !== 0) {
      for (let i = 0; i < pdbs.length; i++) {
        const pdb = pdbs[i]!;
        if (pdb.namespace !== pod.namespace || !pdb.matches(pod.labels)) continue;
        if (pdb.disruptedPods.has(pod.name)) continue;
        allowed[i]!--;
        if (allowed[i]! < 0) violated = true;
      }
    }
    (violated ? violating : nonViolating).push(item);
  }
  return { violating, nonViolating };
}

// ---- victims on one node --------------------------------------------------------------------------------

/** util.MoreImportantPod: higher priority, then the earlier start time. */
export function moreImportantPod(a: PodInfo, b: PodInfo): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return startOf(a) < startOf(b);
}

function startOf(p: PodInfo): number {
  return Number.isFinite(p.startTime) ? p.startTime : 0;
}

/** GPU devices an assigned pod holds (ClusterAccess.devicesOf), so dry runs free the right devices. */
export type DevicesOf = (podKey: string) => readonly number[];

export interface VictimSelection {
  /** Success, or why the node cannot become a candidate (its filter reason, or MSG_NO_VICTIMS). */
  readonly status: Status;
  /** Most important first (MoreImportantPod). */
  readonly victims: readonly PodInfo[];
  readonly numPDBViolations: number;
}

interface Entry {
  readonly info: PodInfo;
  readonly devices: readonly number[];
  /** Taken off the row by the dry run (and not put back yet). */
  off: boolean;
}

const byImportance = (a: Entry, b: Entry): number => (moreImportantPod(a.info, b.info) ? -1 : moreImportantPod(b.info, a.info) ? 1 : 0);

function statusOfReason(id: number): Status {
  const r = reasonOf(id);
  return { code: r.code, reasons: r.text.split('\n') };
}

/**
 * default_preemption.go SelectVictimsOnNode: the fewest pods to evict from `row` so that `pod` fits.
 * `state` must be a clone the caller throws away. All lower-priority pods are taken off; if the pod still
 * does not fit, the node is no candidate. Otherwise they are put back one by one, most important first,
 * PDB-violating ones before the others, and each stays if the pod still fits. The row is restored exactly.
 */
export function selectVictimsOnNode(
  state: CycleState,
  pod: PodInfo,
  row: number,
  snapshot: Snapshot,
  pdbs: readonly PdbView[],
  runner: FilterRunner,
  devicesOf: DevicesOf,
): VictimSelection {
  const original = snapshot.pods[row]!;
  let potential: Entry[] | undefined;
  // isPreemptionAllowed: strictly lower priority (IsEligiblePod is the default, always true).
  for (const p of original) if (p.priority < pod.priority) (potential ??= []).push({ info: p, devices: devicesOf(p.key), off: false });
  if (potential === undefined) return { status: status(Code.UnschedulableAndUnresolvable, MSG_NO_VICTIMS), victims: [], numPDBViolations: 0 };

  try {
    for (const e of potential) takeOff(e, state, pod, row, snapshot, runner);
    const failed = runner.runFilterPluginsWithNominatedPods(state, pod, row, snapshot);
    if (failed !== 0) return { status: statusOfReason(failed), victims: [], numPDBViolations: 0 };

    potential.sort(byImportance);
    const { violating, nonViolating } = filterPodsWithPDBViolation(potential, entryInfo, pdbs);
    const victims: Entry[] = [];
    let numPDBViolations = 0;
    for (const e of violating) if (!reprieve(e, victims, state, pod, row, snapshot, runner)) numPDBViolations++;
    for (const e of nonViolating) reprieve(e, victims, state, pod, row, snapshot, runner);
    // Victims from the two groups interleave in importance; upstream re-sorts only in this case.
    if (violating.length !== 0 && nonViolating.length !== 0) victims.sort(byImportance);
    return { status: SUCCESS, victims: victims.map(entryInfo), numPDBViolations };
  } finally {
    for (const e of potential) if (e.off) snapshot.dryRunAddPod(e.info, row, e.devices);
    snapshot.pods[row] = original;
  }
}

const entryInfo = (e: Entry): PodInfo => e.info;

/** SelectVictimsOnNode's removePod: off the row, then the PreFilter extensions. */
function takeOff(e: Entry, state: CycleState, pod: PodInfo, row: number, snapshot: Snapshot, runner: FilterRunner): void {
  snapshot.dryRunRemovePod(e.info, row, e.devices);
  e.off = true;
  runner.runPreFilterExtensionRemovePod(state, pod, e.info, row, snapshot);
}

/** SelectVictimsOnNode's reprievePod: puts `e` back; if the pod no longer fits, takes it off again as a victim. */
function reprieve(e: Entry, victims: Entry[], state: CycleState, pod: PodInfo, row: number, snapshot: Snapshot, runner: FilterRunner): boolean {
  snapshot.dryRunAddPod(e.info, row, e.devices);
  e.off = false;
  runner.runPreFilterExtensionAddPod(state, pod, e.info, row, snapshot);
  const fits = runner.runFilterPluginsWithNominatedPods(state, pod, row, snapshot) === 0;
  if (!fits) {
    takeOff(e, state, pod, row, snapshot, runner);
    victims.push(e);
  }
  return fits;
}

// ---- choosing among candidates --------------------------------------------------------------------------

/** A node where evicting `victims` lets the pod fit. */
export interface Candidate {
  readonly nodeName: string;
  readonly row: number;
  /** Most important first. */
  readonly victims: readonly PodInfo[];
  readonly numPDBViolations: number;
}

/** The numbers pickOneNodeForPreemption compares, per candidate. */
export interface CandidateScores {
  readonly pdbViolations: number;
  /** Priority of victims[0], the most important victim. */
  readonly highestPriority: number;
  /**
   * Σ (priority + MaxInt32 + 1) over the victims: each term is in [0, 2^32), so the sum is exact in a
   * double for fewer than 2^21 victims on one node, far above any node's pod capacity.
   */
  readonly sumPriorities: number;
  readonly victims: number;
  /** util.GetEarliestPodStartTime: the earliest start (ms) among the victims of the highest priority. */
  readonly earliestStartOfHighest: number;
}

const MAX_INT32_PLUS_1 = 2147483648;

export function candidateScores(c: Candidate): CandidateScores {
  const first = c.victims[0];
  let sum = 0;
  let maxPriority = first?.priority ?? 0;
  let earliest = first === undefined ? Number.NEGATIVE_INFINITY : startOf(first);
  for (const v of c.victims) {
    sum += v.priority + MAX_INT32_PLUS_1;
    if (v.priority === maxPriority) {
      if (startOf(v) < earliest) earliest = startOf(v);
    } else if (v.priority > maxPriority) {
      maxPriority = v.priority;
      earliest = startOf(v);
    }
  }
  return { pdbViolations: c.numPDBViolations, highestPriority: first?.priority ?? 0, sumPriorities: sum, victims: c.victims.length, earliestStartOfHighest: earliest };
}

/** pickOneNodeForPreemption's criteria, in order; each keeps the candidates with the best value. */
export const PICK_CRITERIA: readonly { readonly name: string; readonly score: (s: CandidateScores) => number }[] = [
  { name: 'fewest PDB violations', score: (s) => -s.pdbViolations },
  { name: 'lowest highest-victim priority', score: (s) => -s.highestPriority },
  { name: 'smallest sum of victim priorities', score: (s) => -s.sumPriorities },
  { name: 'fewest victims', score: (s) => -s.victims },
  { name: 'latest start time of the highest-priority victims', score: (s) => s.earliestStartOfHighest },
];
export const ONLY_CANDIDATE = 'only candidate';
export const FIRST_CANDIDATE = 'first candidate';

export interface NodeChoice {
  /** Index into the candidates. */
  readonly index: number;
  /** The criterion that left a single candidate, ONLY_CANDIDATE, or FIRST_CANDIDATE when all tied. */
  readonly decidedBy: string;
  /** The candidates (indexes) each criterion kept, in order, until one was left. */
  readonly rounds: readonly { readonly criterion: string; readonly kept: readonly number[] }[];
}

/**
 * preemption.go SelectCandidate + pickOneNodeForPreemption: one candidate is taken as is; otherwise each
 * criterion keeps the candidates with the highest score until one is left, else the first remaining.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[]): NodeChoice {
  if (candidates.length === 0) throw new Error('pickOneNodeForPreemption: no candidates');
  if (candidates.length === 1) return { index: 0, decidedBy: ONLY_CANDIDATE, rounds: [] };
  const scores = candidates.map(candidateScores);
  let remaining = candidates.map((_, i) => i);
  const rounds: { criterion: string; kept: number[] }[] = [];
  for (const criterion of PICK_CRITERIA) {
    let best = Number.NEGATIVE_INFINITY;
    let kept: number[] = [];
    for (const i of remaining) {
      const s = criterion.score(scores[i]!);
      if (s > best) {
        best = s;
        kept = [];
      }
      if (s === best) kept.push(i);
    }
    rounds.push({ criterion: criterion.name, kept });
    if (kept.length === 1) return { index: kept[0]!, decidedBy: criterion.name, rounds };
    remaining = kept;
  }
  return { index: remaining[0]!, decidedBy: FIRST_CANDIDATE, rounds };
}

// ---- the whole decision ---------------------------------------------------------------------------------

/** What the dry run found on one node, in the order nodes were checked. */
export interface DryRunResult {
  readonly nodeName: string;
  readonly row: number;
  /**
   * candidate: kept; rejected: no victims would help (see status); over-limit: a candidate beyond the list's
   * capacity of n, dropped as upstream's candidateList.add drops it.
   */
  readonly outcome: 'candidate' | 'rejected' | 'over-limit';
  readonly status: Status;
  readonly victims: readonly PodInfo[];
  readonly numPDBViolations: number;
}

export interface PreemptionDecision {
  readonly preemptor: PodInfo;
  /** Success (nominate), Unschedulable (not eligible, or no candidate) or Error. */
  readonly status: Status;
  readonly numAllNodes: number;
  /** Nodes whose filter status was Unschedulable. */
  readonly potentialNodes: number;
  readonly offset: number;
  /** n: candidates wanted before the dry run may stop. */
  readonly candidatesWanted: number;
  readonly dryRuns: readonly DryRunResult[];
  /** Non-PDB-violating candidates first, each group in dry-run order. */
  readonly candidates: readonly Candidate[];
  readonly choice: NodeChoice | undefined;
  readonly chosen: Candidate | undefined;
  /**
   * undefined: leave the preemptor's nominatedNodeName as it is (upstream returns a nil result);
   * '': clear it (no candidate); a node name: nominate that node.
   */
  readonly nominatedNodeName: string | undefined;
}

export interface PreemptionDeps {
  readonly args: DefaultPreemptionArgs;
  readonly runner: FilterRunner;
  /** Read only when a dry run is needed. */
  readonly pdbs: () => readonly Json[];
  readonly devicesOf: DevicesOf;
  /** The random start offset (getOffsetRand); without it the walk starts at the first potential node. */
  readonly rng?: Rng | undefined;
}

/** podTerminatingByPreemption: being deleted, with DisruptionTarget=True for PreemptionByScheduler. */
function terminatingByPreemption(p: PodInfo): boolean {
  if (p.pod.metadata?.deletionTimestamp === undefined) return false;
  for (const c of p.pod.status?.conditions ?? []) {
    if (c.type === DISRUPTION_TARGET) return c.status === 'True' && c.reason === PREEMPTION_BY_SCHEDULER;
  }
  return false;
}

/** default_preemption.go PodEligibleToPreemptOthers: undefined if eligible, else upstream's message. */
export function podEligibleToPreemptOthers(pod: PodInfo, snapshot: Snapshot, failures: FilterFailures): string | undefined {
  if (pod.preemptionPolicy === 'Never') return MSG_PREEMPTION_POLICY_NEVER;
  const nominated = pod.pod.status?.nominatedNodeName;
  if (nominated === undefined || nominated === '') return undefined;
  const row = snapshot.rowOf(nominated);
  if (row < 0) return undefined;
  // A node the filters rejected as UnschedulableAndUnresolvable is worth preempting elsewhere again. A row
  // without a reason is absent from upstream's NodeToStatus, whose default is UnschedulableAndUnresolvable.
  const id = failures.reasonOfNode[row] ?? 0;
  if (id === 0 || reasonOf(id).code === Code.UnschedulableAndUnresolvable) return undefined;
  for (const p of snapshot.pods[row]!) {
    if (p.priority < pod.priority && terminatingByPreemption(p)) return MSG_TERMINATING_ON_NOMINATED_NODE;
  }
  return undefined;
}

/**
 * FitError.Error() for the preemption failure: dry-run nodes count their reasons, every other node counts
 * as MSG_NOT_HELPFUL; "n reason" strings sorted as strings (sort.Strings), joined by ", ", then ".".
 */
export function noCandidateMessage(numAllNodes: number, failed: readonly DryRunResult[]): string {
  const counts = new Map<string, number>();
  for (const d of failed) for (const text of d.status.reasons) counts.set(text, (counts.get(text) ?? 0) + 1);
  const absent = numAllNodes - failed.length;
  if (absent > 0) counts.set(MSG_NOT_HELPFUL, (counts.get(MSG_NOT_HELPFUL) ?? 0) + absent);
  const parts = [...counts].map(([text, n]) => `${n} ${text}`).sort();
  let msg = `0/${numAllNodes} nodes are available:`;
  if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  return msg;
}

/** utilerrors.NewAggregate(errs).Error(): one message as is, several deduplicated in "[a, b]". */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

/**
 * preemption.go Preempt up to the choice of node: eligibility, potential nodes, the dry run
 * (DryRunPreemption), and SelectCandidate. Evicts nothing; the snapshot and `state` are left unchanged.
 */
export function findPreemption(state: CycleState, pod: PodInfo, snapshot: Snapshot, failures: FilterFailures, deps: PreemptionDeps): PreemptionDecision {
  const numAllNodes = snapshot.numNodes;
  const base = { preemptor: pod, numAllNodes, potentialNodes: 0, offset: 0, candidatesWanted: 0, dryRuns: [], candidates: [], choice: undefined, chosen: undefined };

  const ineligible = podEligibleToPreemptOthers(pod, snapshot, failures);
  if (ineligible !== undefined) return { ...base, status: status(Code.Unschedulable, ineligible), nominatedNodeName: undefined };
  if (numAllNodes === 0) return { ...base, status: status(Code.Error, MSG_NO_NODES), nominatedNodeName: undefined };

  // Nodes that failed with Unschedulable (not ...AndUnresolvable) may fit once pods are removed, in the
  // snapshot's node order (NodesForStatusCode over the node list).
  const potential: number[] = [];
  for (let i = 0; i < numAllNodes; i++) {
    const r = snapshot.order[i]!;
    const id = failures.reasonOfNode[r] ?? 0;
    if (id !== 0 && reasonOf(id).code === Code.Unschedulable) potential.push(r);
  }
  if (potential.length === 0) {
    return { ...base, status: status(Code.Unschedulable, noCandidateMessage(numAllNodes, [])), nominatedNodeName: '' };
  }

  const pdbs = compilePodDisruptionBudgets(deps.pdbs());
  const offset = deps.rng === undefined ? 0 : deps.rng.int(potential.length);
  const wanted = calculateNumCandidates(potential.length, deps.args);
  const nonViolating: Candidate[] = [];
  const violating: Candidate[] = [];
  const dryRuns: DryRunResult[] = [];
  const errors: string[] = [];
  for (let i = 0; i < potential.length; i++) {
    const row = potential[(offset + i) % potential.length]!;
    const nodeName = snapshot.names[row]!;
    const stateCopy = state.clone();
    // CycleState.clone() leaves out skipFilterPlugins; upstream's Clone keeps SkipFilterPlugins.
    stateCopy.skipFilterPlugins = state.skipFilterPlugins;
    const sel = selectVictimsOnNode(stateCopy, pod, row, snapshot, pdbs, deps.runner, deps.devicesOf);
    if (sel.status.code === Code.Success && sel.victims.length > 0) {
      const c: Candidate = { nodeName, row, victims: sel.victims, numPDBViolations: sel.numPDBViolations };
      const list = sel.numPDBViolations === 0 ? nonViolating : violating;
      const kept = list.length < wanted;
      if (kept) list.push(c);
      dryRuns.push({ nodeName, row, outcome: kept ? 'candidate' : 'over-limit', status: SUCCESS, victims: sel.victims, numPDBViolations: sel.numPDBViolations });
      if (nonViolating.length > 0 && nonViolating.length + violating.length >= wanted) break;
      continue;
    }
    let st = sel.status;
    if (st.code === Code.Success) st = status(Code.Error, `expected at least one victim pod on node ${JSON.stringify(nodeName)}`);
    if (st.code === Code.Error) errors.push(st.reasons.join(', '));
    dryRuns.push({ nodeName, row, outcome: 'rejected', status: st, victims: [], numPDBViolations: 0 });
  }
  const candidates = [...nonViolating, ...violating];
  const dryRunBase = { ...base, potentialNodes: potential.length, offset, candidatesWanted: wanted, dryRuns };

  if (candidates.length === 0) {
    if (errors.length > 0) return { ...dryRunBase, status: status(Code.Error, aggregate(errors)), nominatedNodeName: undefined };
    const failed = dryRuns.filter((d) => d.outcome === 'rejected');
    return { ...dryRunBase, status: status(Code.Unschedulable, noCandidateMessage(numAllNodes, failed)), nominatedNodeName: '' };
  }
  const choice = pickOneNodeForPreemption(candidates);
  const chosen = candidates[choice.index]!;
  return { ...dryRunBase, candidates, choice, chosen, status: SUCCESS, nominatedNodeName: chosen.nodeName };
}

// ---- the plugin ---------------------------------------------------------------------------------------

/**
 * What postFilter returns besides nominatedNodeName. The scheduler clears the nomination of
 * `lowerPriorityNominatedPods` (prepareCandidate: getLowerPriorityNominatedPods + clearNominatedNodeName)
 * and may await `evictions` (already started; it rejects with the first failed eviction).
 */
export interface PreemptionResult extends PostFilterResult {
  readonly decision: PreemptionDecision;
  /** The pods evicted (those already being deleted are skipped, as upstream skips them). */
  readonly victims: readonly PodInfo[];
  /** Pods nominated to the chosen node with a lower priority than the preemptor; they lose the nomination. */
  readonly lowerPriorityNominatedPods: readonly PodInfo[];
  readonly evictions: Promise<void>;
}

export function isPreemptionResult(r: PostFilterResult | undefined): r is PreemptionResult {
  return r !== undefined && 'decision' in r && 'evictions' in r;
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = NAME;

  constructor(
    readonly args: DefaultPreemptionArgs,
    private readonly handle: PluginHandle,
  ) {}

  /** The decision without acting on it (for `drydock explain`); draws the RNG once when it dry-runs. */
  findPreemption(state: CycleState, pod: PodInfo, snapshot: Snapshot, failures: FilterFailures): PreemptionDecision {
    const runner = this.handle.filterRunner?.();
    if (runner === undefined) throw new Error(`${NAME}: the profile gave no filter runner (PluginHandle.filterRunner)`);
    const cluster = this.handle.cluster;
    return findPreemption(state, pod, snapshot, failures, {
      args: this.args,
      runner,
      pdbs: () => cluster?.podDisruptionBudgets() ?? [],
      devicesOf: (key) => cluster?.devicesOf(key) ?? [],
      rng: this.handle.rng,
    });
  }

  /**
   * Preempt: decides, then evicts the chosen node's victims through ClusterAccess and reports the
   * lower-priority pods nominated to that node. The result is always a PreemptionResult; its
   * nominatedNodeName is absent when the nomination must stay as it is, '' to clear it, else the node.
   */
  postFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot, failures: FilterFailures): { status: Status; result: PreemptionResult } {
    const decision = this.findPreemption(state, pod, snapshot, failures);
    const chosen = decision.chosen;
    const base = { decision, victims: [] as PodInfo[], lowerPriorityNominatedPods: [] as PodInfo[], evictions: Promise.resolve() };
    if (chosen === undefined) {
      const result: PreemptionResult = decision.nominatedNodeName === undefined ? base : { ...base, nominatedNodeName: decision.nominatedNodeName };
      return { status: decision.status, result };
    }
    const cluster = this.handle.cluster;
    if (cluster === undefined) return { status: status(Code.Error, `${NAME} has no API access to evict victims`), result: base };
    const victims = chosen.victims.filter((v) => v.pod.metadata?.deletionTimestamp === undefined);
    const calls = victims.map((v) => {
      try {
        return cluster.evict(v, pod);
      } catch (err) {
        return Promise.reject(err);
      }
    });
    const evictions = Promise.all(calls).then(() => undefined);
    evictions.catch(() => undefined); // a caller that does not await must not see an unhandled rejection
    const lowerPriorityNominatedPods = cluster.nominatedPods(chosen.nodeName).filter((p) => p.priority < pod.priority);
    return { status: decision.status, result: { decision, nominatedNodeName: chosen.nodeName, victims, lowerPriorityNominatedPods, evictions } };
  }
}

export const newDefaultPreemption: PluginFactory = (handle) => new DefaultPreemption(parseDefaultPreemptionArgs(handle.args), handle);

const _check = DefaultPreemption satisfies new (args: DefaultPreemptionArgs, handle: PluginHandle) => PostFilterPlugin;
void _check;

// ---- explain --------------------------------------------------------------------------------------------

export interface VictimExplanation {
  readonly pod: string;
  readonly priority: number;
  readonly startTime: string;
}

export interface PreemptionExplanation {
  readonly preemptor: string;
  readonly priority: number;
  readonly code: 'Success' | 'Unschedulable' | 'Error';
  /** The status message without the scheduler's "preemption: " prefix. */
  readonly message: string;
  /** null: nomination unchanged; '': cleared; else the nominated node. */
  readonly nominatedNodeName: string | null;
  readonly nodes: number;
  readonly potentialNodes: number;
  readonly offset: number;
  readonly candidatesWanted: number;
  readonly dryRun: readonly {
    readonly node: string;
    readonly outcome: DryRunResult['outcome'];
    readonly reasons: readonly string[];
    readonly victims: readonly VictimExplanation[];
    readonly pdbViolations: number;
  }[];
  readonly candidates: readonly {
    readonly node: string;
    readonly victims: readonly VictimExplanation[];
    readonly pdbViolations: number;
    readonly highestPriority: number;
    readonly sumPriorities: number;
    readonly earliestStartOfHighest: string;
  }[];
  readonly choice: { readonly node: string; readonly decidedBy: string; readonly rounds: readonly { readonly criterion: string; readonly kept: readonly string[] }[] } | null;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

function explainVictims(victims: readonly PodInfo[]): VictimExplanation[] {
  return victims.map((v) => ({ pod: v.key, priority: v.priority, startTime: iso(startOf(v)) }));
}

/** A JSON-friendly account of a decision: every node dry-run, the candidates, and why the node won. */
export function explainPreemption(decision: PreemptionDecision): PreemptionExplanation {
  const code = decision.status.code === Code.Success ? 'Success' : decision.status.code === Code.Error ? 'Error' : 'Unschedulable';
  const choice = decision.choice;
  return {
    preemptor: decision.preemptor.key,
    priority: decision.preemptor.priority,
    code,
    message: decision.status.reasons.join(', '),
    nominatedNodeName: decision.nominatedNodeName ?? null,
    nodes: decision.numAllNodes,
    potentialNodes: decision.potentialNodes,
    offset: decision.offset,
    candidatesWanted: decision.candidatesWanted,
    dryRun: decision.dryRuns.map((d) => ({
      node: d.nodeName,
      outcome: d.outcome,
      reasons: d.status.reasons,
      victims: explainVictims(d.victims),
      pdbViolations: d.numPDBViolations,
    })),
    candidates: decision.candidates.map((c) => {
      const s = candidateScores(c);
      return {
        node: c.nodeName,
        victims: explainVictims(c.victims),
        pdbViolations: s.pdbViolations,
        highestPriority: s.highestPriority,
        sumPriorities: s.sumPriorities,
        earliestStartOfHighest: iso(s.earliestStartOfHighest),
      };
    }),
    choice:
      choice === undefined
        ? null
        : {
            node: decision.candidates[choice.index]!.nodeName,
            decidedBy: choice.decidedBy,
            rounds: choice.rounds.map((r) => ({ criterion: r.criterion, kept: r.kept.map((i) => decision.candidates[i]!.nodeName) })),
          },
  };
}
