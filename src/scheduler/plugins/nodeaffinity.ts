// NodeAffinity (plugins/nodeaffinity/node_affinity.go; reference §2.7):
// - PreFilter compiles pod.spec.nodeSelector + required node affinity once (Skip when the pod has neither and
//   the profile adds no affinity) and, when every required term names nodes with matchFields metadata.name In,
//   returns those names as PreFilterResult.nodeNames (DaemonSet pods);
// - Filter: args.addedAffinity's required selector first ("node(s) didn't match scheduler-enforced node
//   affinity"), then the pod's ("node(s) didn't match Pod's node affinity/selector"), both
//   UnschedulableAndUnresolvable;
// - Score: sum of the weights of the preferred terms (pod's + args.addedAffinity's) the node matches;
//   NormalizeScore = DefaultNormalizeScore(100, reverse=false).
//
// Selectors are compiled by src/api (compileRequiredNodeAffinity, compilePreferredSchedulingTerms) and
// memoised per PodInfo, so a pod retried many times, or checked by queueing hints, compiles once; required
// selectors also by their text, and Filter keeps each one's answer per node row until nodes change.
import type { Json } from '../../apiserver/strategy.js';
import {
  SelectorError,
  compileNodeSelector,
  compilePreferredSchedulingTerms,
  compileRequiredNodeAffinity,
  matchesNode,
  type Node,
  type NodeMatcher,
  type NodeScorer,
  type NodeSelector,
  type NodeSelectorTerm,
  type PreferredSchedulingTerm,
} from '../../api/index.js';
import {
  filterEach,
  ActionType,
  Code,
  ConfigError,
  MAX_NODE_SCORE,
  SKIP,
  SUCCESS,
  reason,
  status,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type QueueingHint,
  type ScorePlugin,
  type Status,
} from '../framework.js';
import type { PodInfo } from '../podinfo.js';
import type { Snapshot } from '../snapshot.js';
import { RecentCache } from '../../util/recent.js';
import { defaultNormalizeScore } from './helper.js';

export const NAME = 'NodeAffinity';
const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';
const REASON_POD = reason(ERR_REASON_POD, Code.UnschedulableAndUnresolvable);
const REASON_ENFORCED = reason(ERR_REASON_ENFORCED, Code.UnschedulableAndUnresolvable);

const OBJECT_NAME_FIELD = 'metadata.name';

// ---- per-pod compilation, memoised ----------------------------------------------------------------------

const requiredByPod = new WeakMap<PodInfo, NodeMatcher | SelectorError>();
/**
 * The same compilation by the text of what it reads (nodeSelector and required node affinity), so pods made
 * from one template share one matcher, and with it Filter's per-node answers (see NodeAffinity.answersFor).
 */
const requiredByText = new RecentCache<string, NodeMatcher | SelectorError>(1024);
/** The matchers requiredByText made: only these keep per-row answers (a pod's own matcher would not pay). */
const sharedMatchers = new WeakSet<NodeMatcher>();
const preferredByPod = new WeakMap<PodInfo, NodeScorer | SelectorError | null>();

/** A compilation's result, or the SelectorError it threw (any other error is thrown on). */
function orSelectorError<T>(compile: () => T): T | SelectorError {
  try {
    return compile();
  } catch (err) {
    if (!(err instanceof SelectorError)) throw err;
    return err;
  }
}

/**
 * nodeSelector AND required affinity (nodeaffinity.GetRequiredNodeAffinity). An invalid selector is a
 * SelectorError: upstream's lazy selector then matches no node, and so does drydock (see Filter).
 */
function requiredOf(pod: PodInfo): NodeMatcher | SelectorError {
  let m = requiredByPod.get(pod);
  if (m === undefined) {
    const spec = pod.pod.spec;
    const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null;
    // A selector naming nodes (matchFields, a DaemonSet pod's node) is its pod's own: no text to share.
    const terms: unknown = required?.nodeSelectorTerms;
    const namesNodes = Array.isArray(terms) && terms.some((t: NodeSelectorTerm | null) => (t?.matchFields?.length ?? 0) > 0);
    const text = namesNodes ? undefined : JSON.stringify([spec.nodeSelector ?? null, required]);
    m = text === undefined ? undefined : requiredByText.get(text);
    if (m === undefined) {
      m = orSelectorError(() => compileRequiredNodeAffinity(spec, 'spec'));
      if (text !== undefined) {
        requiredByText.set(text, m);
        if (!(m instanceof SelectorError)) sharedMatchers.add(m);
      }
    }
    requiredByPod.set(pod, m);
  }
  return m;
}

/** The pod's preferred terms compiled (getPodPreferredNodeAffinity), null when it has none. */
function preferredOf(pod: PodInfo): NodeScorer | SelectorError | null {
  let s = preferredByPod.get(pod);
  if (s === undefined) {
    const terms = pod.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    s = terms === undefined || terms === null ? null : orSelectorError(() => compilePreferredSchedulingTerms(terms, 'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution'));
    preferredByPod.set(pod, s);
  }
  return s;
}

/**
 * PreFilter's node-name shortcut: each term's matchFields `metadata.name In` sets are intersected; the terms
 * (ORed) are united; a term without such a requirement makes every node eligible (undefined). An empty
 * result means the terms conflict.
 */
export function requiredNodeNames(required: NodeSelector): Set<string> | undefined {
  let nodeNames: Set<string> | undefined;
  for (const term of required.nodeSelectorTerms) {
    let termNodeNames: Set<string> | undefined;
    for (const r of term.matchFields ?? []) {
      if (r.key !== OBJECT_NAME_FIELD || r.operator !== 'In') continue;
      const s = new Set(r.values ?? []);
      termNodeNames = termNodeNames === undefined ? s : new Set([...termNodeNames].filter((n) => s.has(n)));
    }
    if (termNodeNames === undefined) return undefined;
    nodeNames = nodeNames === undefined ? termNodeNames : new Set([...nodeNames, ...termNodeNames]);
  }
  return nodeNames;
}

// ---- the plugin -----------------------------------------------------------------------------------------

interface PreFilterState {
  readonly required: NodeMatcher;
}

interface PreScoreState {
  readonly preferred: NodeScorer | null;
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly answers = new WeakMap<NodeMatcher, { readonly snapshot: Snapshot; readonly version: number; readonly known: Int32Array | undefined }>();

  constructor(
    /** args.addedAffinity.requiredDuringSchedulingIgnoredDuringExecution, compiled. */
    private readonly addedNodeSelector: NodeMatcher | undefined,
    /** args.addedAffinity.preferredDuringSchedulingIgnoredDuringExecution, compiled (only if non-empty). */
    private readonly addedPrefSchedTerms: NodeScorer | undefined,
  ) {}

  preFilter(state: CycleState, pod: PodInfo, _snapshot: Snapshot): { status: Status; result?: PreFilterResult } {
    const spec = pod.pod.spec;
    const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? undefined;
    // Go tests `pod.Spec.NodeSelector == nil`: an empty but present nodeSelector does not skip.
    if (required === undefined && this.addedNodeSelector === undefined && (spec.nodeSelector ?? undefined) === undefined) {
      return { status: SKIP };
    }
    const matcher = requiredOf(pod);
    if (matcher instanceof SelectorError) {
      // Upstream ignores the parse error and the selector matches no node: every node fails with ErrReasonPod.
      return { status: status(Code.UnschedulableAndUnresolvable, ERR_REASON_POD) };
    }
    state.write(PRE_FILTER_STATE_KEY, { required: matcher } satisfies PreFilterState);
    if (required === undefined || required.nodeSelectorTerms.length === 0) return { status: SUCCESS };
    const nodeNames = requiredNodeNames(required);
    if (nodeNames === undefined) return { status: SUCCESS };
    if (nodeNames.size === 0) return { status: status(Code.UnschedulableAndUnresolvable, ERR_REASON_CONFLICT) };
    return { status: SUCCESS, result: { nodeNames } };
  }

  filter(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    return this.filterWith(this.requiredFor(state, pod), node, snapshot);
  }

  filterNodes(state: CycleState, pod: PodInfo, rows: Int32Array, count: number, snapshot: Snapshot, out: Int32Array): number {
    const required = this.requiredFor(state, pod);
    const known = required instanceof SelectorError ? undefined : this.answersFor(required, snapshot);
    if (known === undefined) return filterEach(rows, count, out, (row) => this.filterWith(required, row, snapshot));
    let rejected = 0;
    for (let i = 0; i < count; i++) {
      const row = rows[i]!;
      let id = known[row]!;
      if (id < 0) id = known[row] = this.filterWith(required, row, snapshot);
      out[i] = id;
      if (id !== 0) rejected++;
    }
    return rejected;
  }

  /**
   * Filter's answer per row for one matcher (-1: not asked yet). An answer depends on the node's labels and
   * name only (and this profile's addedAffinity), so it holds while the snapshot's selectorVersion does; a
   * template's pods share their matcher, so after the first few pods a node costs one array read. Only
   * shared matchers keep answers, and only from their second use on.
   */
  private answersFor(required: NodeMatcher, snapshot: Snapshot): Int32Array | undefined {
    if (!sharedMatchers.has(required)) return undefined;
    const a = this.answers.get(required);
    const valid = a !== undefined && a.snapshot === snapshot && a.version === snapshot.selectorVersion;
    if (valid && a.known !== undefined && a.known.length >= snapshot.capacity) return a.known;
    const known = valid ? new Int32Array(snapshot.capacity).fill(-1) : undefined;
    this.answers.set(required, { snapshot, version: snapshot.selectorVersion, known });
    return known;
  }

  /** PreFilter's matcher; without PreFilter (it is optional upstream) the memoised compilation. */
  private requiredFor(state: CycleState, pod: PodInfo): NodeMatcher | SelectorError {
    return state.read<PreFilterState>(PRE_FILTER_STATE_KEY)?.required ?? requiredOf(pod);
  }

  private filterWith(required: NodeMatcher | SelectorError, node: number, snapshot: Snapshot): number {
    const labels = snapshot.labels[node];
    const nodeName = snapshot.names[node] ?? '';
    if (this.addedNodeSelector !== undefined && !this.addedNodeSelector(labels, nodeName)) return REASON_ENFORCED;
    if (required instanceof SelectorError) return REASON_POD;
    return required(labels, nodeName) ? 0 : REASON_POD;
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: Int32Array, _count: number, _snapshot: Snapshot): Status {
    const preferred = preferredOf(pod);
    if (preferred instanceof SelectorError) return status(Code.Error, preferred.message);
    if (preferred === null && this.addedPrefSchedTerms === undefined) return SKIP;
    state.write(PRE_SCORE_STATE_KEY, { preferred } satisfies PreScoreState);
    return SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    const labels = snapshot.labels[node];
    const nodeName = snapshot.names[node] ?? '';
    let count = 0;
    if (this.addedPrefSchedTerms !== undefined) count += this.addedPrefSchedTerms(labels, nodeName);
    const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
    const preferred = s !== undefined ? s.preferred : preferredOf(pod);
    if (preferred !== null && !(preferred instanceof SelectorError)) count += preferred(labels, nodeName);
    return count;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array, _nodes: Int32Array, count: number, _snapshot: Snapshot): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores, count);
  }

  /** With queueing hints: Node Add|UpdateNodeLabel. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeLabel },
        hint: (pod, oldObj, newObj) => this.isSchedulableAfterNodeChange(pod, oldObj, newObj),
      },
    ];
  }

  /** Queue when an added node matches, or an updated node went from not matching to matching. */
  isSchedulableAfterNodeChange(pod: PodInfo, oldObj: Json | undefined, newObj: Json | undefined): QueueingHint {
    const original = oldObj as unknown as Node | undefined;
    const modified = newObj as unknown as Node | undefined;
    if (modified === undefined) return 'Queue';
    if (this.addedNodeSelector !== undefined && !matchesNode(this.addedNodeSelector, modified)) return 'QueueSkip';
    const required = requiredOf(pod);
    if (required instanceof SelectorError) return 'Queue';
    if (!matchesNode(required, modified)) return 'QueueSkip';
    if (original === undefined) return 'Queue';
    return matchesNode(required, original) ? 'QueueSkip' : 'Queue';
  }
}

// ---- args -----------------------------------------------------------------------------------------------

const ARGS_KEYS = new Set(['apiVersion', 'kind', 'addedAffinity']);
const ADDED_AFFINITY_KEYS = new Set(['requiredDuringSchedulingIgnoredDuringExecution', 'preferredDuringSchedulingIgnoredDuringExecution']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** NodeAffinityArgs {addedAffinity} → compiled selectors (New + ValidateNodeAffinityArgs). */
function parseArgs(args: Json | undefined): { added: NodeMatcher | undefined; addedPref: NodeScorer | undefined } {
  if (args === undefined || args === null) return { added: undefined, addedPref: undefined };
  if (!isObject(args)) throw new ConfigError(`args: must be an object (NodeAffinityArgs), got ${JSON.stringify(args)}`);
  for (const key of Object.keys(args)) {
    if (!ARGS_KEYS.has(key)) throw new ConfigError(`${key}: unknown field (NodeAffinityArgs has addedAffinity)`);
  }
  const affinity = args['addedAffinity'];
  if (affinity === undefined || affinity === null) return { added: undefined, addedPref: undefined };
  if (!isObject(affinity)) throw new ConfigError(`addedAffinity: must be a NodeAffinity object, got ${JSON.stringify(affinity)}`);
  for (const key of Object.keys(affinity)) {
    if (!ADDED_AFFINITY_KEYS.has(key)) {
      throw new ConfigError(`addedAffinity.${key}: unknown field (expected requiredDuringSchedulingIgnoredDuringExecution or preferredDuringSchedulingIgnoredDuringExecution)`);
    }
  }
  let added: NodeMatcher | undefined;
  const required = affinity['requiredDuringSchedulingIgnoredDuringExecution'];
  const requiredPath = 'addedAffinity.requiredDuringSchedulingIgnoredDuringExecution';
  if (required !== undefined && required !== null) {
    if (!isObject(required) || !Array.isArray(required['nodeSelectorTerms'])) {
      throw new ConfigError(`${requiredPath}.nodeSelectorTerms: must be a list of node selector terms`);
    }
    added = compileOrConfigError(() => compileNodeSelector(required as unknown as NodeSelector, requiredPath));
  }
  let addedPref: NodeScorer | undefined;
  const preferred = affinity['preferredDuringSchedulingIgnoredDuringExecution'];
  const preferredPath = 'addedAffinity.preferredDuringSchedulingIgnoredDuringExecution';
  if (preferred !== undefined && preferred !== null) {
    if (!Array.isArray(preferred)) throw new ConfigError(`${preferredPath}: must be a list of preferred scheduling terms`);
    preferred.forEach((term: unknown, i) => {
      if (!isObject(term) || typeof term['weight'] !== 'number' || !isObject(term['preference'])) {
        throw new ConfigError(`${preferredPath}[${i}]: must have a numeric weight and a preference node selector term`);
      }
    });
    // "if terms := ...; len(terms) != 0": an empty list adds nothing (and does not stop PreScore's Skip).
    if (preferred.length > 0) {
      addedPref = compileOrConfigError(() => compilePreferredSchedulingTerms(preferred as PreferredSchedulingTerm[], preferredPath));
    }
  }
  return { added, addedPref };
}

function compileOrConfigError<T>(compile: () => T): T {
  try {
    return compile();
  } catch (err) {
    if (err instanceof SelectorError) throw new ConfigError(err.message);
    throw err;
  }
}

export const newNodeAffinity: PluginFactory = (handle) => {
  const { added, addedPref } = parseArgs(handle.args);
  return new NodeAffinity(added, addedPref);
};
