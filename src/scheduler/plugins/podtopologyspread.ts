// PodTopologySpread: the pod's topologySpreadConstraints (or the cluster's default constraints) as a filter
// (whenUnsatisfiable: DoNotSchedule) and a score (ScheduleAnyway). Upstream: kube-scheduler
// pkg/scheduler/framework/plugins/podtopologyspread/{plugin.go, common.go, filtering.go, scoring.go};
// formulas and test vectors in shared/reference/kube-scheduler.md §2.9 and §3.7.
//
// Performance: matching pods are never found by scanning every pod. Each constraint's selector (with the
// pod's namespace) becomes a Snapshot.podCounts counter, kept per row by the snapshot and recounted only on
// rows that changed; PreFilter / PreScore add those per-row counts into per-domain typed arrays indexed by
// Snapshot.domains(topologyKey).ids, and Filter / Score read them by row.
//
// Bounds invariant for the `!` below: rows are < snapshot.rows; a row's domain id is -1 or < the length of
// the domain's name list when the per-domain arrays were sized in PreFilter / PreScore, and the snapshot does
// not change between those phases and Filter / Score / NormalizeScore of the same cycle.
import {
  SelectorError,
  compileRequiredNodeAffinity,
  compileRequirements,
  findUntoleratedTaint,
  isDoNotScheduleTaint,
  labelKeyProblem,
  labelSelectorRequirements,
  matchEveryNode,
  matchNothing,
  type LabelMatcher,
  type LabelRequirement,
  type LabelSelector,
  type Labels,
  type Node,
  type NodeMatcher,
  type Pod,
  type Service,
  type Taint,
  type Toleration,
  type TopologySpreadConstraint,
} from '../../api/index.js';
import { isRecord, type Json } from '../../apiserver/strategy.js';
import {
  filterEachWithState,
  ActionType,
  Code,
  ConfigError,
  type CycleState,
  MAX_NODE_SCORE,
  SKIP,
  SUCCESS,
  reason,
  status,
  type ClusterEventWithHint,
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
import { HOSTNAME_LABEL, ZONE_LABEL, type Snapshot } from '../snapshot.js';

export const NAME = 'PodTopologySpread';
const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

/** plugin.go ErrReasonConstraintsNotMatch / ErrReasonNodeLabelNotMatch. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;
const REASON_CONSTRAINTS_NOT_MATCH = reason(ERR_REASON_CONSTRAINTS_NOT_MATCH, Code.Unschedulable);
const REASON_NODE_LABEL_NOT_MATCH = reason(ERR_REASON_NODE_LABEL_NOT_MATCH, Code.UnschedulableAndUnresolvable);

/** plugin.go systemDefaultConstraints. */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = Object.freeze([
  { topologyKey: HOSTNAME_LABEL, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: ZONE_LABEL, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
]);

const NO_TAINTS: readonly Taint[] = Object.freeze([]);

/** filtering.go keeps MinMatchNum at math.MaxInt32 when no domain is eligible. */
const MAX_INT32 = 2147483647;

export type DefaultingType = 'System' | 'List';

/** PodTopologySpreadArgs (pkg/scheduler/apis/config/types_pluginargs.go), defaulted as v1/defaults.go does. */
export interface PodTopologySpreadArgs {
  readonly defaultConstraints: readonly TopologySpreadConstraint[];
  readonly defaultingType: DefaultingType;
}

/**
 * The selector the default constraints use for a pod (upstream helper.DefaultSelector: the Services,
 * ReplicationControllers, ReplicaSets and StatefulSets that select the pod). Undefined, or a selector with no
 * requirements, means "no default constraints for this pod".
 */
export type DefaultSelectorSource = (pod: PodInfo) => LabelSelector | undefined;

// ---- default selectors ------------------------------------------------------------------------------------

/** Controllers whose selector helper.DefaultSelector uses (it ignores every other owner kind). */
const SELECTOR_CONTROLLER_KINDS = new Set(['ReplicaSet', 'ReplicationController', 'StatefulSet']);
/** Labels a controller stamps on each pod individually, which its siblings never share. */
const PER_POD_LABELS = new Set(['statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index', 'controller-revision-hash']);

/**
 * The default DefaultSelectorSource, for a plugin that has no Service or controller lister: when the pod's
 * controller (the ownerReference with controller: true) is a ReplicaSet, ReplicationController or
 * StatefulSet, its siblings are the pods carrying the same template labels, so the selector is the pod's
 * labels minus the per-pod ones (statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index,
 * controller-revision-hash). A ReplicaSet's selector always selects its template labels (pod-template-hash
 * included), so this counts the same siblings upstream's ReplicaSet selector does unless sibling pods were
 * relabelled by hand. Services are not seen; pods without such a controller get no default constraints.
 * A scheduler with informers should install defaultSelectorFromWorkloads instead.
 */
export function ownerTemplateSelector(pod: PodInfo): LabelSelector | undefined {
  const owner = pod.pod.metadata?.ownerReferences?.find((o) => o.controller === true);
  if (owner === undefined || !SELECTOR_CONTROLLER_KINDS.has(owner.kind)) return undefined;
  const matchLabels: Record<string, string> = {};
  let any = false;
  for (const [k, v] of Object.entries(pod.labels)) {
    if (PER_POD_LABELS.has(k)) continue;
    matchLabels[k] = v;
    any = true;
  }
  return any ? { matchLabels } : undefined;
}

/** What defaultSelectorFromWorkloads needs from the cluster (listers). */
export interface WorkloadLister {
  /** The Services of a namespace. */
  services(namespace: string): readonly Service[];
  /** The selector of a ReplicaSet, ReplicationController or StatefulSet by kind and name, if it exists. */
  controllerSelector(namespace: string, kind: string, name: string): LabelSelector | undefined;
}

/**
 * helper.DefaultSelector: the selectors of the Services in the pod's namespace whose selector matches the
 * pod (merged as a label set), plus the requirements of the pod's controlling ReplicaSet,
 * ReplicationController or StatefulSet. Undefined when nothing selects the pod.
 */
export function defaultSelectorFromWorkloads(pod: PodInfo, lister: WorkloadLister): LabelSelector | undefined {
  const merged: Record<string, string> = {};
  for (const svc of lister.services(pod.namespace)) {
    const sel = svc.spec?.selector;
    // GetPodServices: "services with nil selectors match nothing, not everything".
    if (sel === undefined) continue;
    let matches = true;
    for (const [k, v] of Object.entries(sel)) if (pod.labels[k] !== v) matches = false;
    if (matches) Object.assign(merged, sel);
  }
  const expressions: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[] = [];
  const owner = pod.pod.metadata?.ownerReferences?.find((o) => o.controller === true);
  if (owner !== undefined && SELECTOR_CONTROLLER_KINDS.has(owner.kind)) {
    const sel = lister.controllerSelector(pod.namespace, owner.kind, owner.name);
    if (sel !== undefined) {
      for (const [k, v] of Object.entries(sel.matchLabels ?? {})) expressions.push({ key: k, operator: 'In', values: [v] });
      for (const e of sel.matchExpressions ?? []) expressions.push({ key: e.key, operator: e.operator, values: [...(e.values ?? [])] });
    }
  }
  if (Object.keys(merged).length === 0 && expressions.length === 0) return undefined;
  return { matchLabels: merged, matchExpressions: expressions };
}

// ---- constraints ------------------------------------------------------------------------------------------

/** common.go topologySpreadConstraint: one constraint with its selector compiled. */
interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly minDomains: number;
  readonly honorNodeAffinity: boolean;
  readonly honorNodeTaints: boolean;
  /** Selector.Matches (selfMatchNum, AddPod/RemovePod). */
  readonly selector: LabelMatcher;
  /**
   * The podCounts key, or undefined when countPodsMatchSelector counts nothing: an absent selector
   * (labels.Nothing) matches no pod, and an empty one is `selector.Empty()`, which upstream counts as 0.
   */
  readonly countKey: string | undefined;
  /** countPodsMatchSelector's test for one pod: same namespace, not terminating, selector matches. */
  readonly counts: (p: PodInfo) => boolean;
}

/** A canonical text for a requirement list: equal texts select exactly the same labels. */
function canonicalRequirements(reqs: readonly LabelRequirement[]): string {
  return reqs
    .map((r) => JSON.stringify([r.key, r.operator, [...r.values].sort()]))
    .sort()
    .join(',');
}

function compileConstraint(
  c: TopologySpreadConstraint,
  selector: LabelSelector | null | undefined,
  podLabels: Labels,
  namespace: string,
  mergeMatchLabelKeys: boolean,
): SpreadConstraint {
  let reqs = labelSelectorRequirements(selector, 'labelSelector');
  // common.go filterTopologySpreadConstraints: matchLabelKeys become `key in (pod's value)` requirements
  // (mergeLabelSetWithSelector), unless the selector is absent (labels.Nothing has no requirements to merge).
  if (reqs !== null && mergeMatchLabelKeys && (c.matchLabelKeys?.length ?? 0) > 0) {
    const added: LabelRequirement[] = [];
    for (const key of c.matchLabelKeys ?? []) {
      const v = podLabels[key];
      if (v !== undefined) added.push({ key, operator: 'In', values: [v] });
    }
    if (added.length > 0) reqs = [...added, ...reqs];
  }
  const matcher = reqs === null ? matchNothing : compileRequirements(reqs);
  const countKey = reqs === null || reqs.length === 0 ? undefined : `${NAME}|${namespace}|${canonicalRequirements(reqs)}`;
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    minDomains: c.minDomains ?? 1,
    honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
    honorNodeTaints: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
    selector: matcher,
    countKey,
    counts: (p) => p.namespace === namespace && p.pod.metadata?.deletionTimestamp === undefined && matcher(p.labels),
  };
}

type Action = 'DoNotSchedule' | 'ScheduleAnyway';

/** The pod's own constraints compiled once per PodInfo (they depend only on its spec and labels). */
interface OwnConstraints {
  readonly hard: readonly SpreadConstraint[];
  readonly soft: readonly SpreadConstraint[];
}
const ownConstraintsCache = new WeakMap<PodInfo, OwnConstraints | SelectorError>();

function ownConstraints(pod: PodInfo): OwnConstraints {
  let cached = ownConstraintsCache.get(pod);
  if (cached === undefined) {
    try {
      const list = pod.pod.spec.topologySpreadConstraints ?? [];
      const compile = (action: Action) =>
        list.filter((c) => c.whenUnsatisfiable === action).map((c) => compileConstraint(c, c.labelSelector, pod.labels, pod.namespace, true));
      cached = { hard: compile('DoNotSchedule'), soft: compile('ScheduleAnyway') };
    } catch (err) {
      if (!(err instanceof SelectorError)) throw err;
      cached = err;
    }
    ownConstraintsCache.set(pod, cached);
  }
  if (cached instanceof SelectorError) throw cached;
  return cached;
}

/** Required node affinity (nodeSelector + required terms), compiled once per PodInfo. */
const nodeAffinityCache = new WeakMap<PodInfo, NodeMatcher>();
function requiredNodeAffinity(pod: PodInfo): NodeMatcher {
  let m = nodeAffinityCache.get(pod);
  if (m === undefined) {
    try {
      m = compileRequiredNodeAffinity(pod.pod.spec);
    } catch (err) {
      if (!(err instanceof SelectorError)) throw err;
      // NodeAffinity's filter rejects such a pod everywhere; here no node is eligible for counting.
      m = () => false;
    }
    nodeAffinityCache.set(pod, m);
  }
  return m;
}

/** common.go matchNodeInclusionPolicies. */
function nodeIncluded(c: SpreadConstraint, affinityOk: boolean, taints: readonly Taint[], tolerations: readonly Toleration[]): boolean {
  if (c.honorNodeAffinity && !affinityOk) return false;
  if (c.honorNodeTaints && findUntoleratedTaint(taints, tolerations, isDoNotScheduleTaint) !== undefined) return false;
  return true;
}

// ---- cycle state ------------------------------------------------------------------------------------------

/**
 * filtering.go preFilterState: per constraint, the matching pods per domain (TpValueToMatchNum), which
 * domains are eligible (have a node that has every constraint's key and passes the inclusion policies),
 * their number, and the global minimum.
 */
class PreFilterState {
  constructor(
    readonly constraints: readonly SpreadConstraint[],
    /** Per constraint: the snapshot's domain id of each row for its topology key (-1: label missing). */
    readonly domainIds: readonly Int32Array[],
    readonly matchNum: readonly Int32Array[],
    readonly eligible: readonly Uint8Array[],
    readonly domainCount: Int32Array,
    readonly minMatchNum: Int32Array,
    /** selfMatchNum per constraint: 1 if the incoming pod matches the selector. */
    readonly selfMatch: Uint8Array,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.constraints,
      this.domainIds,
      this.matchNum.map((a) => a.slice()),
      this.eligible.map((a) => a.slice()),
      this.domainCount.slice(),
      this.minMatchNum.slice(),
      this.selfMatch,
    );
  }

  /** The global minimum for constraint i, 0 while fewer domains than minDomains are eligible. */
  minFor(i: number): number {
    return this.domainCount[i]! < this.constraints[i]!.minDomains ? 0 : this.minMatchNum[i]!;
  }

  recomputeMin(i: number): void {
    const counts = this.matchNum[i]!;
    const eligible = this.eligible[i]!;
    let min = MAX_INT32;
    for (let d = 0; d < counts.length; d++) if (eligible[d] && counts[d]! < min) min = counts[d]!;
    this.minMatchNum[i] = min;
  }
}

/** scoring.go preScoreState. */
class PreScoreState {
  constructor(
    readonly constraints: readonly SpreadConstraint[],
    readonly domainIds: readonly Int32Array[],
    /** Hostname constraints count per node at Score (per-row counters); others per domain. */
    readonly isHostname: Uint8Array,
    /** Per constraint: the per-row counter (hostname constraints), or undefined when it counts nothing. */
    readonly rowCounts: readonly (Int32Array | undefined)[],
    /** Per constraint: matching pods per domain id; the last slot is the domain of nodes without the label. */
    readonly domainCounts: readonly Float64Array[],
    readonly weights: Float64Array,
    /** Rows missing a required topology key (IgnoredNodes): scored 0. */
    /** Rows of feasible nodes left out (lacking a topology key); null when there are none. */
    readonly ignored: Uint8Array | null,
  ) {}

  /** Read-only after PreScore (scoring.go Clone returns the same state). */
  clone(): PreScoreState {
    return this;
  }
}

/** scoring.go topologyNormalizingWeight: ln(size + 2). */
export function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

// ---- the plugin -------------------------------------------------------------------------------------------

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly defaultConstraints: readonly TopologySpreadConstraint[];
  /** plugin.go systemDefaulted: nodes then need not have every topology key to be scored. */
  private readonly systemDefaulted: boolean;
  private selectorSource: DefaultSelectorSource = ownerTemplateSelector;

  constructor(readonly args: PodTopologySpreadArgs) {
    this.systemDefaulted = args.defaultingType === 'System';
    this.defaultConstraints = this.systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : args.defaultConstraints;
  }

  /** Where default constraints get a pod's selector (see ownerTemplateSelector for the default). */
  setDefaultSelectorSource(fn: DefaultSelectorSource): void {
    this.selectorSource = fn;
  }

  /** getConstraints: the pod's own constraints for `action`, or the default ones when it has none. */
  private constraintsFor(pod: PodInfo, action: Action): readonly SpreadConstraint[] {
    if ((pod.pod.spec.topologySpreadConstraints?.length ?? 0) > 0) {
      const own = ownConstraints(pod);
      return action === 'DoNotSchedule' ? own.hard : own.soft;
    }
    return this.buildDefaultConstraints(pod, action);
  }

  /** common.go buildDefaultConstraints. */
  private buildDefaultConstraints(pod: PodInfo, action: Action): readonly SpreadConstraint[] {
    const defaults = this.defaultConstraints.filter((c) => c.whenUnsatisfiable === action);
    if (defaults.length === 0) return [];
    const selector = this.selectorSource(pod);
    if (selector === undefined) return [];
    const reqs = labelSelectorRequirements(selector, 'default selector');
    if (reqs === null || reqs.length === 0) return []; // selector.Empty()
    return defaults.map((c) => compileConstraint(c, selector, pod.labels, pod.namespace, false));
  }

  // ---- PreFilter / Filter ---------------------------------------------------------------------------------

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): { status: Status; result?: PreFilterResult } {
    let constraints: readonly SpreadConstraint[];
    try {
      constraints = this.constraintsFor(pod, 'DoNotSchedule');
    } catch (err) {
      if (err instanceof SelectorError) return { status: status(Code.Error, `get constraints from pod: ${err.message}`) };
      throw err;
    }
    if (constraints.length === 0) return { status: SKIP };

    const n = constraints.length;
    const domainIds: Int32Array[] = [];
    const matchNum: Int32Array[] = [];
    const eligible: Uint8Array[] = [];
    const rowCounts: (Int32Array | undefined)[] = [];
    const selfMatch = new Uint8Array(n);
    let anyAffinityPolicy = false;
    let anyTaintPolicy = false;
    for (let i = 0; i < n; i++) {
      const c = constraints[i]!;
      const dom = snapshot.domains(c.topologyKey);
      domainIds.push(dom.ids);
      matchNum.push(new Int32Array(dom.names.length));
      eligible.push(new Uint8Array(dom.names.length));
      rowCounts.push(c.countKey === undefined ? undefined : snapshot.podCounts(c.countKey, c.counts));
      selfMatch[i] = c.selector(pod.labels) ? 1 : 0;
      anyAffinityPolicy ||= c.honorNodeAffinity;
      anyTaintPolicy ||= c.honorNodeTaints;
    }
    const affinity = anyAffinityPolicy ? requiredNodeAffinity(pod) : undefined;

    // calPreFilterState: every node that has all the topology keys counts, per constraint, if it passes that
    // constraint's inclusion policies.
    const { order, numNodes, labels, names, taints } = snapshot;
    if (n === 1 && (affinity === undefined || affinity === matchEveryNode) && !anyTaintPolicy) {
      // One constraint and nothing that can exclude a node: every node with the key counts, so the sums
      // are the snapshot's per-domain sums, which it keeps between cycles (the same numbers as the general
      // loop below, without a pass over every node per pod).
      const c = constraints[0]!;
      const { nodes, sums } = snapshot.domainSums(c.topologyKey, c.countKey, c.counts);
      const elig = eligible[0]!;
      for (let d = 0; d < nodes.length; d++) elig[d] = nodes[d]! > 0 ? 1 : 0;
      matchNum[0]!.set(sums);
    } else {
      for (let k = 0; k < numNodes; k++) {
        const r = order[k]!;
        let hasAllKeys = true;
        for (let i = 0; i < n; i++) if (domainIds[i]![r]! < 0) hasAllKeys = false;
        if (!hasAllKeys) continue;
        const affinityOk = affinity === undefined || affinity(labels[r], names[r] ?? '');
        const nodeTaints = anyTaintPolicy ? taints[r]! : NO_TAINTS;
        for (let i = 0; i < n; i++) {
          const c = constraints[i]!;
          if (!nodeIncluded(c, affinityOk, nodeTaints, pod.tolerations)) continue;
          const d = domainIds[i]![r]!;
          eligible[i]![d] = 1;
          const counts = rowCounts[i];
          if (counts !== undefined) matchNum[i]![d]! += counts[r]!;
        }
      }
    }

    const domainCount = new Int32Array(n);
    const minMatchNum = new Int32Array(n);
    const s = new PreFilterState(constraints, domainIds, matchNum, eligible, domainCount, minMatchNum, selfMatch);
    for (let i = 0; i < n; i++) {
      let count = 0;
      for (const e of eligible[i]!) count += e;
      domainCount[i] = count;
      s.recomputeMin(i);
    }
    state.write(PRE_FILTER_KEY, s);
    return { status: SUCCESS };
  }

  filter(state: CycleState, _pod: PodInfo, node: number): number {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (s === undefined) return 0; // PreFilter skipped: the pod has no DoNotSchedule constraint.
    return spreadFilter(s, node);
  }

  filterNodes(state: CycleState, _pod: PodInfo, rows: Int32Array, count: number, _snapshot: Snapshot, out: Int32Array): number {
    return filterEachWithState(state, PRE_FILTER_KEY, rows, count, out, spreadFilter);
  }

  addPod(state: CycleState, pod: PodInfo, added: PodInfo, node: number, snapshot: Snapshot): void {
    this.updateWithPod(state, pod, added, node, snapshot, 1);
  }

  removePod(state: CycleState, pod: PodInfo, removed: PodInfo, node: number, snapshot: Snapshot): void {
    this.updateWithPod(state, pod, removed, node, snapshot, -1);
  }

  /** filtering.go updateWithPod (preemption's dry runs). */
  private updateWithPod(state: CycleState, preemptor: PodInfo, updated: PodInfo, node: number, snapshot: Snapshot, delta: 1 | -1): void {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (s === undefined || updated.namespace !== preemptor.namespace) return;
    for (const ids of s.domainIds) if (ids[node]! < 0) return;
    const affinityOk = requiredNodeAffinity(preemptor)(snapshot.labels[node], snapshot.names[node] ?? '');
    const nodeTaints = snapshot.taints[node]!;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      // Upstream quirk kept: here an empty selector matches (Selector.Matches), though PreFilter counted 0.
      if (!c.selector(updated.labels)) continue;
      if (!nodeIncluded(c, affinityOk, nodeTaints, preemptor.tolerations)) continue;
      const d = s.domainIds[i]![node]!;
      const counts = s.matchNum[i]!;
      const old = counts[d]!;
      const cur = old + delta;
      counts[d] = cur;
      if (!s.eligible[i]![d]) {
        s.eligible[i]![d] = 1;
        s.domainCount[i]!++;
      }
      if (cur < s.minMatchNum[i]!) s.minMatchNum[i] = cur;
      else if (old === s.minMatchNum[i]) s.recomputeMin(i);
    }
  }

  // ---- PreScore / Score / NormalizeScore --------------------------------------------------------------------

  preScore(state: CycleState, pod: PodInfo, nodes: Int32Array, count: number, snapshot: Snapshot): Status {
    if (snapshot.numNodes === 0) return SKIP;
    let constraints: readonly SpreadConstraint[];
    try {
      constraints = this.constraintsFor(pod, 'ScheduleAnyway');
    } catch (err) {
      if (err instanceof SelectorError) return status(Code.Error, `calculating preScoreState: ${err.message}`);
      throw err;
    }
    if (constraints.length === 0) return SKIP;

    // Only non-system-default constraints need every topology key on a node (a node without a zone still
    // gets hostname spreading under the system defaults; such nodes form the zone "" then).
    const requireAllTopologies = (pod.pod.spec.topologySpreadConstraints?.length ?? 0) > 0 || !this.systemDefaulted;
    const n = constraints.length;
    const domainIds: Int32Array[] = [];
    const isHostname = new Uint8Array(n);
    const rowCounts: (Int32Array | undefined)[] = [];
    const domainCounts: Float64Array[] = [];
    const present: Uint8Array[] = [];
    const sizes = new Int32Array(n);
    let anyAffinityPolicy = false;
    let anyTaintPolicy = false;
    for (let i = 0; i < n; i++) {
      const c = constraints[i]!;
      const dom = snapshot.domains(c.topologyKey);
      domainIds.push(dom.ids);
      isHostname[i] = c.topologyKey === HOSTNAME_LABEL ? 1 : 0;
      rowCounts.push(c.countKey === undefined ? undefined : snapshot.podCounts(c.countKey, c.counts));
      // One slot more than there are domain names: nodes without the label share the value "".
      domainCounts.push(new Float64Array(dom.names.length + 1));
      present.push(new Uint8Array(dom.names.length + 1));
      anyAffinityPolicy ||= c.honorNodeAffinity;
      anyTaintPolicy ||= c.honorNodeTaints;
    }
    const missing = (i: number): number => domainCounts[i]!.length - 1;
    const hasAllKeys = (r: number): boolean => {
      for (let i = 0; i < n; i++) if (domainIds[i]![r]! < 0) return false;
      return true;
    };

    // initPreScoreState: the domains of the feasible nodes, and the nodes to ignore.
    // Made at the first node to ignore: usually there is none, and a row-sized array per pod costs.
    let ignored: Uint8Array | null = null;
    let ignoredCount = 0;
    for (let k = 0; k < count; k++) {
      const r = nodes[k]!;
      if (requireAllTopologies && !hasAllKeys(r)) {
        (ignored ??= new Uint8Array(snapshot.capacity))[r] = 1;
        ignoredCount++;
        continue;
      }
      for (let i = 0; i < n; i++) {
        if (isHostname[i]) continue; // counted per node in Score
        const d = domainIds[i]![r]!;
        const slot = d < 0 ? missing(i) : d;
        if (!present[i]![slot]) {
          present[i]![slot] = 1;
          sizes[i]!++;
        }
      }
    }
    const weights = new Float64Array(n);
    for (let i = 0; i < n; i++) weights[i] = topologyNormalizingWeight(isHostname[i] ? count - ignoredCount : sizes[i]!);

    // PreScore processAllNode: every node of the cluster adds its matching pods to its domain, if that
    // domain holds a feasible node and the node passes the constraint's inclusion policies.
    const affinity = anyAffinityPolicy ? requiredNodeAffinity(pod) : undefined;
    const { order, numNodes, labels, names, taints } = snapshot;
    let anyDomainConstraint = false;
    for (let i = 0; i < n; i++) if (!isHostname[i] && rowCounts[i] !== undefined) anyDomainConstraint = true;
    if (anyDomainConstraint && n === 1 && (affinity === undefined || affinity === matchEveryNode) && !anyTaintPolicy) {
      // One (domain) constraint and nothing that can exclude a node: the general loop's sums, from the
      // snapshot's per-domain sums (kept between cycles) instead of a pass over every node. Nodes without
      // the key (the domain "", counted only under system defaults) hold what the domains do not.
      const c = constraints[0]!;
      const { sums } = snapshot.domainSums(c.topologyKey, c.countKey, c.counts);
      const seen = present[0]!;
      const out = domainCounts[0]!;
      const none = missing(0);
      let inDomains = 0;
      for (let d = 0; d < sums.length; d++) {
        inDomains += sums[d]!;
        if (seen[d]) out[d] = sums[d]!;
      }
      if (!requireAllTopologies && seen[none]) out[none] = snapshot.podCountTotal(c.countKey!, c.counts) - inDomains;
    } else if (anyDomainConstraint) {
      for (let k = 0; k < numNodes; k++) {
        const r = order[k]!;
        if (requireAllTopologies && !hasAllKeys(r)) continue;
        const affinityOk = affinity === undefined || affinity(labels[r], names[r] ?? '');
        const nodeTaints = anyTaintPolicy ? taints[r]! : NO_TAINTS;
        for (let i = 0; i < n; i++) {
          const counts = rowCounts[i];
          if (isHostname[i] || counts === undefined) continue;
          if (!nodeIncluded(constraints[i]!, affinityOk, nodeTaints, pod.tolerations)) continue;
          const d = domainIds[i]![r]!;
          const slot = d < 0 ? missing(i) : d;
          if (present[i]![slot]) domainCounts[i]![slot]! += counts[r]!;
        }
      }
    }
    state.write(PRE_SCORE_KEY, new PreScoreState(constraints, domainIds, isHostname, rowCounts, domainCounts, weights, ignored));
    return SUCCESS;
  }

  /** scoring.go Score: round(Σ cnt·ln(size+2) + (maxSkew − 1)) over the constraints whose key the node has. */
  score(state: CycleState, _pod: PodInfo, node: number): number {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    return s === undefined ? 0 : spreadScore(s, node);
  }

  scoreNodes(state: CycleState, _pod: PodInfo, nodes: Int32Array, count: number, _snapshot: Snapshot, out: Float64Array): void {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (s === undefined) out.fill(0, 0, count);
    else for (let i = 0; i < count; i++) out[i] = spreadScore(s, nodes[i]!);
  }

  /** scoring.go NormalizeScore: ignored nodes 0; max 0 → 100; else 100·(max + min − s) / max (int64). */
  normalizeScore(state: CycleState, _pod: PodInfo, scores: Float64Array, nodes: Int32Array, count: number): void {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (s === undefined) return;
    let min = Number.MAX_SAFE_INTEGER;
    let max = 0;
    const ignored = s.ignored;
    for (let i = 0; i < count; i++) {
      if (ignored !== null && ignored[nodes[i]!]) continue;
      const v = scores[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    for (let i = 0; i < count; i++) {
      if (ignored !== null && ignored[nodes[i]!]) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.floor((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
    }
  }

  // ---- queueing hints ---------------------------------------------------------------------------------------

  /** plugin.go EventsToRegister (with queueing hints). */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Pod', actions: ActionType.Add | ActionType.UpdatePodLabel | ActionType.UpdatePodToleration | ActionType.Delete },
        hint: (pod, oldObj, newObj) => this.isSchedulableAfterPodChange(pod, oldObj as Pod | undefined, newObj as Pod | undefined),
      },
      {
        event: { resource: 'Node', actions: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint },
        hint: (pod, oldObj, newObj) => this.isSchedulableAfterNodeChange(pod, oldObj as Node | undefined, newObj as Node | undefined),
      },
    ];
  }

  private hardConstraintsOrUndefined(pod: PodInfo): readonly SpreadConstraint[] | undefined {
    try {
      return this.constraintsFor(pod, 'DoNotSchedule');
    } catch (err) {
      if (err instanceof SelectorError) return undefined;
      throw err;
    }
  }

  private isSchedulableAfterPodChange(pod: PodInfo, oldPod: Pod | undefined, newPod: Pod | undefined): QueueingHint {
    // involvedInTopologySpreading: the pod itself, or an assigned pod of its namespace.
    const involved = (p: Pod) => p.metadata?.uid === pod.uid || ((p.spec?.nodeName ?? '') !== '' && (p.metadata?.namespace ?? '') === pod.namespace);
    if ((newPod !== undefined && !involved(newPod)) || (oldPod !== undefined && !involved(oldPod))) return 'QueueSkip';
    const constraints = this.hardConstraintsOrUndefined(pod);
    if (constraints === undefined) return 'Queue';
    const labelsOf = (p: Pod): Labels => p.metadata?.labels ?? {};
    if (newPod !== undefined && oldPod !== undefined) {
      if (newPod.metadata?.uid === pod.uid && JSON.stringify(newPod.spec?.tolerations ?? []) !== JSON.stringify(oldPod.spec?.tolerations ?? [])) {
        if (constraints.some((c) => c.honorNodeTaints)) return 'Queue';
      }
      if (sameLabels(labelsOf(newPod), labelsOf(oldPod))) return 'QueueSkip';
      return constraints.some((c) => c.selector(labelsOf(oldPod)) !== c.selector(labelsOf(newPod))) ? 'Queue' : 'QueueSkip';
    }
    const changed = newPod ?? oldPod;
    if (changed === undefined) return 'Queue';
    return constraints.some((c) => c.selector(labelsOf(changed))) ? 'Queue' : 'QueueSkip';
  }

  private isSchedulableAfterNodeChange(pod: PodInfo, oldNode: Node | undefined, newNode: Node | undefined): QueueingHint {
    const constraints = this.hardConstraintsOrUndefined(pod);
    if (constraints === undefined) return 'Queue';
    const hasKeys = (n: Node | undefined) => n !== undefined && constraints.every((c) => n.metadata?.labels?.[c.topologyKey] !== undefined);
    const oldMatching = hasKeys(oldNode);
    const newMatching = hasKeys(newNode);
    if (oldNode !== undefined && newNode !== undefined) {
      if (oldMatching !== newMatching) return 'Queue';
      if (!newMatching) return 'QueueSkip';
      const keyChanged = constraints.some((c) => oldNode.metadata?.labels?.[c.topologyKey] !== newNode.metadata?.labels?.[c.topologyKey]);
      const taintsChanged = JSON.stringify(oldNode.spec?.taints ?? []) !== JSON.stringify(newNode.spec?.taints ?? []);
      return keyChanged || taintsChanged ? 'Queue' : 'QueueSkip';
    }
    if (newNode !== undefined) return newMatching ? 'Queue' : 'QueueSkip';
    return oldMatching ? 'Queue' : 'QueueSkip';
  }
}

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

const _check = PodTopologySpread.prototype satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;
void _check;

// ---- args -------------------------------------------------------------------------------------------------

const ARG_FIELDS = new Set(['apiVersion', 'kind', 'defaultConstraints', 'defaultingType']);
const CONSTRAINT_FIELDS = new Set(['maxSkew', 'topologyKey', 'whenUnsatisfiable', 'labelSelector', 'minDomains', 'nodeAffinityPolicy', 'nodeTaintsPolicy', 'matchLabelKeys']);

/**
 * Validates PodTopologySpreadArgs as validation.ValidatePodTopologySpreadArgs does and applies the v1
 * defaults (defaultingType System). Throws ConfigError listing every problem, each starting with its field.
 */
export function parsePodTopologySpreadArgs(raw: Json | undefined): PodTopologySpreadArgs {
  const args = raw ?? {};
  const problems: string[] = [];
  for (const k of Object.keys(args)) if (!ARG_FIELDS.has(k)) problems.push(`${k}: unknown field (expected defaultConstraints or defaultingType)`);
  const defaultingType = args['defaultingType'] ?? 'System';
  const rawList = args['defaultConstraints'] ?? [];
  const constraints: TopologySpreadConstraint[] = [];
  if (!Array.isArray(rawList)) {
    problems.push(`defaultConstraints: must be a list of constraints, got ${JSON.stringify(rawList)}`);
  } else {
    rawList.forEach((item: unknown, i) => {
      const at = `defaultConstraints[${i}]`;
      if (!isRecord(item)) {
        problems.push(`${at}: must be an object, got ${JSON.stringify(item)}`);
        return;
      }
      for (const k of Object.keys(item)) if (!CONSTRAINT_FIELDS.has(k)) problems.push(`${at}.${k}: unknown field`);
      const maxSkew = item['maxSkew'];
      if (typeof maxSkew !== 'number' || !Number.isInteger(maxSkew) || maxSkew <= 0) {
        problems.push(`${at}.maxSkew: must be an integer greater than 0, got ${JSON.stringify(maxSkew)}`);
      }
      const key = item['topologyKey'];
      if (key === undefined || key === '') problems.push(`${at}.topologyKey: required (can not be empty)`);
      else if (typeof key !== 'string') problems.push(`${at}.topologyKey: must be a label key, got ${JSON.stringify(key)}`);
      else {
        const keyProblem = labelKeyProblem(key);
        if (keyProblem !== undefined) problems.push(`${at}.topologyKey: ${keyProblem}`);
      }
      const when = item['whenUnsatisfiable'];
      if (when === undefined || when === '') problems.push(`${at}.whenUnsatisfiable: required (can not be empty)`);
      else if (when !== 'DoNotSchedule' && when !== 'ScheduleAnyway') {
        problems.push(`${at}.whenUnsatisfiable: supported values: "DoNotSchedule", "ScheduleAnyway", got ${JSON.stringify(when)}`);
      }
      if (item['labelSelector'] !== undefined && item['labelSelector'] !== null) {
        problems.push(`${at}.labelSelector: forbidden: constraint must not define a selector, as they deduced for each pod`);
      }
      const minDomains = item['minDomains'];
      if (minDomains !== undefined && (typeof minDomains !== 'number' || !Number.isInteger(minDomains) || minDomains <= 0)) {
        problems.push(`${at}.minDomains: must be an integer greater than 0, got ${JSON.stringify(minDomains)}`);
      }
      for (const policy of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
        const v = item[policy];
        if (v !== undefined && v !== 'Honor' && v !== 'Ignore') problems.push(`${at}.${policy}: supported values: "Honor", "Ignore", got ${JSON.stringify(v)}`);
      }
      // validateConstraintNotRepeat: one constraint per (topologyKey, whenUnsatisfiable).
      for (let j = 0; j < i; j++) {
        const other = rawList[j] as Record<string, unknown> | undefined;
        if (isRecord(other) && other['topologyKey'] === key && other['whenUnsatisfiable'] === when) {
          problems.push(`${at}: duplicate value {${String(key)}, ${String(when)}}`);
          break;
        }
      }
      constraints.push(item as unknown as TopologySpreadConstraint);
    });
  }
  if (defaultingType !== 'System' && defaultingType !== 'List') {
    problems.push(`defaultingType: supported values: "System", "List", got ${JSON.stringify(defaultingType)}`);
  } else if (defaultingType === 'System' && constraints.length > 0) {
    problems.push('defaultingType: must be "List" when defaultConstraints are given (got "System")');
  }
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return { defaultConstraints: constraints, defaultingType: defaultingType as DefaultingType };
}

export const newPodTopologySpread: PluginFactory = (handle) => new PodTopologySpread(parsePodTopologySpreadArgs(handle.args));

/** scoring.go Score: round(Σ cnt·ln(size+2) + (maxSkew − 1)) over the constraints whose key the node has. */
function spreadScore(s: PreScoreState, node: number): number {
  if (s.ignored !== null && s.ignored[node]) return 0;
  let score = 0;
  const constraints = s.constraints;
  for (let i = 0; i < constraints.length; i++) {
    const d = s.domainIds[i]![node]!;
    if (d < 0) continue;
    let cnt: number;
    if (s.isHostname[i]) {
      const counts = s.rowCounts[i];
      cnt = counts === undefined ? 0 : counts[node]!;
    } else {
      cnt = s.domainCounts[i]![d]!;
    }
    score += cnt * s.weights[i]! + (constraints[i]!.maxSkew - 1);
  }
  // math.Round; scores are never negative, where JS rounds halves the same way.
  return Math.round(score);
}

/** filtering.go Filter on one node: the node has every key, and no constraint's skew goes above maxSkew. */
function spreadFilter(s: PreFilterState, node: number): number {
  const constraints = s.constraints;
  for (let i = 0; i < constraints.length; i++) {
    const d = s.domainIds[i]![node]!;
    if (d < 0) return REASON_NODE_LABEL_NOT_MATCH;
    // 'existing matching num' + 'if self-match (1 or 0)' - 'global minimum' <= 'maxSkew'
    const skew = s.matchNum[i]![d]! + s.selfMatch[i]! - s.minFor(i);
    if (skew > constraints[i]!.maxSkew) return REASON_CONSTRAINTS_NOT_MATCH;
  }
  return 0;
}
