// InterPodAffinity: required pod affinity / anti-affinity as a filter, preferred terms (and existing pods'
// terms) as a score. Upstream: kube-scheduler pkg/scheduler/framework/plugins/interpodaffinity/
// {plugin.go, filtering.go, scoring.go}; reference shared/reference/kube-scheduler.md §2.8.
//
// Performance: no cycle scans every pod.
// - The incoming pod's terms become Snapshot.podCounts counters ("pods matching this term"), which the
//   snapshot keeps per row. PreFilter reads their per-domain sums (Snapshot.domainSums, also kept between
//   cycles) for each term's topology key; PreScore adds the per-row counts into per-domain arrays.
// - Existing pods' terms (their required anti-affinity for Filter; required affinity, preferred affinity and
//   anti-affinity for Score) live in a per-snapshot registry of distinct terms. The registry learns about pods
//   through a podCounts counter whose predicate records the terms of every pod it is shown: the snapshot
//   shows it every pod once when the counter is created and then the pods of each row that changes, so new
//   terms are seen without a scan. Each distinct term has its own counter ("pods holding this term"); a cycle
//   tests the incoming pod against each distinct term once and aggregates only the counters of those that
//   match. Terms no pod holds any more are dropped by a sweep that checks one term per cycle.
//
// Bounds invariant for the `!` below: rows are < snapshot.rows; a row's domain id is -1 or < the length of
// the domain's name list when the per-domain arrays were sized in PreFilter / PreScore, and the snapshot's
// domains do not change between those phases and Filter / Score / NormalizeScore of the same cycle.
import {
  SelectorError,
  compileRequirements,
  labelSelectorRequirements,
  type LabelMatcher,
  type LabelRequirement,
  type Labels,
  type Node,
  type Pod,
  type PodAffinityTerm,
  type WeightedPodAffinityTerm,
} from '../../api/index.js';
import type { Json } from '../../apiserver/strategy.js';
import {
  filterEachWithState,
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

export const NAME = 'InterPodAffinity';
const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

/** filtering.go reasons. */
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";
const REASON_AFFINITY = reason(ERR_REASON_AFFINITY_RULES_NOT_MATCH, Code.UnschedulableAndUnresolvable);
const REASON_ANTI_AFFINITY = reason(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH, Code.Unschedulable);
const REASON_EXISTING_ANTI_AFFINITY = reason(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH, Code.Unschedulable);

/** InterPodAffinityArgs (types_pluginargs.go), defaulted as v1/defaults.go does. */
export interface InterPodAffinityArgs {
  /** Weight of an existing pod's required affinity term that the incoming pod matches (0-100, default 1). */
  readonly hardPodAffinityWeight: number;
  /** Skip scoring existing pods' terms when the incoming pod has no preferred terms (default false). */
  readonly ignorePreferredTermsOfExistingPods: boolean;
}

/**
 * The labels of a namespace, for namespaceSelector; undefined when the namespace is not known. Upstream
 * reads them from the Namespace lister.
 */
export type NamespaceLabels = (namespace: string) => Labels | undefined;

/**
 * The default NamespaceLabels: every namespace exists and carries only the label the API server puts on
 * every namespace, kubernetes.io/metadata.name (so `namespaceSelector: {matchLabels:
 * {kubernetes.io/metadata.name: x}}` works); namespaces have no other labels. Install the real labels with
 * setNamespaceLabels when the scheduler has a Namespace informer.
 */
export const metadataNameOnly: NamespaceLabels = (namespace) => ({ 'kubernetes.io/metadata.name': namespace });

// ---- affinity terms ---------------------------------------------------------------------------------------

/** framework AffinityTerm: a PodAffinityTerm compiled for the pod that holds it. */
interface AffinityTerm {
  readonly topologyKey: string;
  /** Namespaces named by the term, or the holder's namespace when it names none and has no selector. */
  readonly namespaces: ReadonlySet<string>;
  /** namespaceSelector; undefined when absent (labels.Nothing). */
  readonly namespaceSelector: LabelMatcher | undefined;
  /** namespaceSelector is `{}`: every namespace, whatever its labels. */
  readonly allNamespaces: boolean;
  readonly selector: LabelMatcher;
  /** Canonical text: two terms with the same text select exactly the same pods in the same topology. */
  readonly canon: string;
}

interface WeightedTerm {
  readonly term: AffinityTerm;
  readonly weight: number;
}

/**
 * AffinityTerm.Matches: the pod is in one of the term's namespaces (or its namespace's labels match the
 * namespaceSelector) and its labels match the selector. `nsLabels` undefined: the namespace is unknown, so
 * a non-empty namespaceSelector does not match it.
 */
function termMatches(t: AffinityTerm, namespace: string, labels: Labels, nsLabels: Labels | undefined): boolean {
  const inNamespace = t.namespaces.has(namespace) || t.allNamespaces || (t.namespaceSelector !== undefined && nsLabels !== undefined && t.namespaceSelector(nsLabels));
  return inNamespace && t.selector(labels);
}

function canonicalRequirements(reqs: readonly LabelRequirement[] | null): string | null {
  if (reqs === null) return null;
  return reqs
    .map((r) => JSON.stringify([r.key, r.operator, [...r.values].sort()]))
    .sort()
    .join(',');
}

/** framework.newAffinityTerm, with matchLabelKeys / mismatchLabelKeys merged into the selector. */
function compileTerm(holder: Pod, term: PodAffinityTerm, path: string): AffinityTerm {
  const holderLabels = holder.metadata?.labels ?? {};
  const holderNamespace = holder.metadata?.namespace ?? '';
  let reqs = labelSelectorRequirements(term.labelSelector, `${path}.labelSelector`);
  if (reqs !== null) {
    const added: LabelRequirement[] = [];
    for (const key of term.matchLabelKeys ?? []) {
      const v = holderLabels[key];
      if (v !== undefined) added.push({ key, operator: 'In', values: [v] });
    }
    for (const key of term.mismatchLabelKeys ?? []) {
      const v = holderLabels[key];
      if (v !== undefined) added.push({ key, operator: 'NotIn', values: [v] });
    }
    if (added.length > 0) reqs = [...reqs, ...added];
  }
  const nsReqs = labelSelectorRequirements(term.namespaceSelector, `${path}.namespaceSelector`);
  const named = term.namespaces ?? [];
  // getNamespacesFromPodAffinityTerm: no namespaces and no namespaceSelector mean the holder's namespace.
  const namespaces = new Set(named.length === 0 && nsReqs === null ? [holderNamespace] : named);
  const selector = reqs === null ? () => false : compileRequirements(reqs);
  return {
    topologyKey: term.topologyKey,
    namespaces,
    namespaceSelector: nsReqs === null ? undefined : compileRequirements(nsReqs),
    allNamespaces: nsReqs !== null && nsReqs.length === 0,
    selector,
    canon: JSON.stringify([term.topologyKey, [...namespaces].sort(), canonicalRequirements(nsReqs), canonicalRequirements(reqs)]),
  };
}

/** The kinds of terms an existing pod can hold; the registry keeps one map per kind. */
const Kind = { RequiredAntiAffinity: 0, RequiredAffinity: 1, PreferredAffinity: 2, PreferredAntiAffinity: 3 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** framework.PodInfo's affinity part, compiled once per PodInfo. */
interface AffinityInfo {
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedTerm[];
  readonly preferredAntiAffinity: readonly WeightedTerm[];
  /**
   * Registry ids of the terms this pod holds, as `kind|weight|canon#n` where n numbers repeats of the same
   * term within the pod (upstream counts a repeated term twice).
   */
  readonly termIds: readonly string[];
  readonly termIdSet: ReadonlySet<string>;
  /** Why the pod's terms could not be compiled (framework.NewPodInfo's parse error). */
  readonly error: string | undefined;
}

const NO_AFFINITY: AffinityInfo = Object.freeze({
  requiredAffinity: [],
  requiredAntiAffinity: [],
  preferredAffinity: [],
  preferredAntiAffinity: [],
  termIds: [],
  termIdSet: new Set<string>(),
  error: undefined,
});

const affinityCache = new WeakMap<PodInfo, AffinityInfo>();
/**
 * Compiled terms by the affinity object they came from, for the pod's other versions (queued, assumed,
 * bound: three PodInfos sharing one spec.affinity), valid while the holder's labels and namespace are the
 * same objects (matchLabelKeys and the default namespace read them). Recent pods only.
 */
const affinityBySpec = new RecentCache<object, { labels: unknown; namespace: unknown; info: AffinityInfo }>(8192);

function affinityOf(pod: PodInfo): AffinityInfo {
  // Most pods have no pod (anti-)affinity: answer without an entry in the cache for each of them.
  const affinity = pod.pod.spec?.affinity;
  if (affinity?.podAffinity === undefined && affinity?.podAntiAffinity === undefined) return NO_AFFINITY;
  let info = affinityCache.get(pod);
  if (info === undefined) {
    const labels = pod.pod.metadata?.labels;
    const namespace = pod.pod.metadata?.namespace;
    const known = affinityBySpec.get(affinity);
    if (known !== undefined && known.labels === labels && known.namespace === namespace) info = known.info;
    else {
      info = compileAffinity(pod.pod);
      affinityBySpec.set(affinity, { labels, namespace, info });
    }
    affinityCache.set(pod, info);
  }
  return info;
}

function compileAffinity(pod: Pod): AffinityInfo {
  const affinity = pod.spec?.affinity;
  if (affinity?.podAffinity === undefined && affinity?.podAntiAffinity === undefined) return NO_AFFINITY;
  try {
    const base = 'spec.affinity';
    const required = (terms: readonly PodAffinityTerm[] | undefined, path: string) => (terms ?? []).map((t, i) => compileTerm(pod, t, `${path}[${i}]`));
    const preferred = (terms: readonly WeightedPodAffinityTerm[] | undefined, path: string) =>
      (terms ?? []).map((t, i) => ({ term: compileTerm(pod, t.podAffinityTerm, `${path}[${i}].podAffinityTerm`), weight: t.weight }));
    const info = {
      requiredAffinity: required(affinity.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution, `${base}.podAffinity.requiredDuringSchedulingIgnoredDuringExecution`),
      requiredAntiAffinity: required(affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, `${base}.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution`),
      preferredAffinity: preferred(affinity.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution, `${base}.podAffinity.preferredDuringSchedulingIgnoredDuringExecution`),
      preferredAntiAffinity: preferred(affinity.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution, `${base}.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution`),
    };
    const ids: string[] = [];
    const seen = new Map<string, number>();
    const add = (kind: Kind, weight: number, t: AffinityTerm) => {
      const key = `${kind}|${weight}|${t.canon}`;
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      ids.push(`${key}#${n}`);
    };
    for (const t of info.requiredAntiAffinity) add(Kind.RequiredAntiAffinity, 0, t);
    for (const t of info.requiredAffinity) add(Kind.RequiredAffinity, 0, t);
    for (const w of info.preferredAffinity) add(Kind.PreferredAffinity, w.weight, w.term);
    for (const w of info.preferredAntiAffinity) add(Kind.PreferredAntiAffinity, w.weight, w.term);
    return { ...info, termIds: ids, termIdSet: new Set(ids), error: undefined };
  } catch (err) {
    if (!(err instanceof SelectorError)) throw err;
    return { ...NO_AFFINITY, error: err.message };
  }
}

// ---- the registry of existing pods' terms -----------------------------------------------------------------

/** One distinct term held by existing pods, with the counter of the pods (per row) that hold it. */
interface ExistingTerm {
  readonly id: string;
  readonly kind: Kind;
  readonly weight: number;
  readonly term: AffinityTerm;
  readonly counterKey: string;
  readonly holds: (p: PodInfo) => boolean;
}

const REGISTRY_COUNTER_KEY = `${NAME}|pods with affinity terms`;

class TermRegistry {
  readonly byKind: Map<string, ExistingTerm>[] = [new Map(), new Map(), new Map(), new Map()];
  private sweepQueue: ExistingTerm[] = [];

  /** The registry counter's predicate: records the pod's terms; counts the pods that have any. */
  readonly observe = (p: PodInfo): boolean => {
    const info = affinityOf(p);
    if (info.termIds.length === 0) return false;
    const terms = [info.requiredAntiAffinity, info.requiredAffinity, info.preferredAffinity.map((w) => w.term), info.preferredAntiAffinity.map((w) => w.term)];
    const weights = [undefined, undefined, info.preferredAffinity, info.preferredAntiAffinity];
    let k = 0;
    for (let kind = 0; kind < 4; kind++) {
      const list = terms[kind]!;
      for (let j = 0; j < list.length; j++) {
        const id = info.termIds[k++]!;
        const map = this.byKind[kind]!;
        if (map.has(id)) continue;
        map.set(id, {
          id,
          kind: kind as Kind,
          weight: weights[kind]?.[j]?.weight ?? 0,
          term: list[j]!,
          counterKey: `${NAME}|holds|${id}`,
          holds: (q) => affinityOf(q).termIdSet.has(id),
        });
      }
    }
    return true;
  };

  /** Drops one term (round robin) that no pod holds any more. */
  sweep(snapshot: Snapshot): void {
    if (this.sweepQueue.length === 0) {
      for (const map of this.byKind) for (const e of map.values()) this.sweepQueue.push(e);
      if (this.sweepQueue.length === 0) return;
    }
    const e = this.sweepQueue.pop()!;
    const map = this.byKind[e.kind]!;
    if (map.get(e.id) !== e) return;
    const counts = snapshot.podCounts(e.counterKey, e.holds);
    for (let k = 0; k < snapshot.numNodes; k++) if (counts[snapshot.order[k]!]! > 0) return;
    map.delete(e.id);
  }
}

const registries = new WeakMap<Snapshot, TermRegistry>();

/** The snapshot's registry, brought up to date (the counter's creation or the rows that changed). */
function registryOf(snapshot: Snapshot): TermRegistry {
  let reg = registries.get(snapshot);
  if (reg === undefined) {
    reg = new TermRegistry();
    registries.set(snapshot, reg);
  }
  snapshot.podCounts(REGISTRY_COUNTER_KEY, reg.observe);
  return reg;
}

// ---- per-domain counts ------------------------------------------------------------------------------------

/**
 * Counts per topology pair (topologyToMatchedTermCount), as one domain-indexed array per topology key.
 * Terms with the same key share an array: Filter only asks whether a pair's count is positive.
 *
 * A key counted from one counter borrows the snapshot's live per-domain sums instead of copying them
 * (`owned` false): they are what a copy would hold as long as the snapshot is unchanged, which holds from
 * PreFilter to Filter. Whoever changes the snapshot within a cycle (preemption's dry runs, nominated pods in
 * Filter) works on a clone(), which copies; AddPod / RemovePod copy a borrowed array before changing it.
 */
class DomainCounts {
  constructor(
    readonly keys: string[] = [],
    readonly ids: Int32Array[] = [],
    readonly counts: Int32Array[] = [],
    readonly owned: boolean[] = [],
  ) {}

  /** The index of `key`, adding it (zeros, sized to the snapshot's domains) if new. */
  index(key: string, snapshot: Snapshot): number {
    const i = this.keys.indexOf(key);
    if (i >= 0) return i;
    const dom = snapshot.domains(key);
    this.keys.push(key);
    this.ids.push(dom.ids);
    this.counts.push(new Int32Array(dom.names.length));
    this.owned.push(true);
    return this.keys.length - 1;
  }

  /**
   * Adds a counter's per-domain sums (Snapshot.domainSums, kept between cycles) into `key`'s domains;
   * returns the total added, i.e. the matching pods on nodes that have the key. O(1) for a new key (it
   * borrows the sums), O(domains) for a key already present; never O(nodes).
   */
  addDomainSums(key: string, countKey: string, matches: (p: PodInfo) => boolean, snapshot: Snapshot): number {
    const agg = snapshot.domainSums(key, countKey, matches);
    const i = this.keys.indexOf(key);
    if (i < 0) {
      this.keys.push(key);
      this.ids.push(agg.ids);
      this.counts.push(agg.sums);
      this.owned.push(false);
      return agg.total;
    }
    const out = this.own(i);
    const sums = agg.sums;
    for (let d = 0; d < sums.length; d++) out[d]! += sums[d]!;
    return agg.total;
  }

  /** Key i's array, copied first if it is borrowed. */
  own(i: number): Int32Array {
    if (!this.owned[i]) {
      this.counts[i] = this.counts[i]!.slice();
      this.owned[i] = true;
    }
    return this.counts[i]!;
  }

  /** Whether `row`'s domain for some key has a positive count. */
  anyPositiveAt(row: number): boolean {
    for (let i = 0; i < this.keys.length; i++) {
      const d = this.ids[i]![row]!;
      if (d >= 0 && this.counts[i]![d]! > 0) return true;
    }
    return false;
  }

  clone(): DomainCounts {
    return new DomainCounts(
      [...this.keys],
      [...this.ids],
      this.counts.map((c) => c.slice()),
      this.keys.map(() => true),
    );
  }
}

/** filtering.go preFilterState. */
class PreFilterState {
  constructor(
    readonly info: AffinityInfo,
    /** The incoming pod's namespace labels (for existing pods' namespaceSelectors). */
    readonly nsLabels: Labels,
    /** existingAntiAffinityCounts. */
    readonly existingAntiAffinity: DomainCounts,
    /** affinityCounts: existing pods matching ALL the incoming pod's required affinity terms, per term key. */
    readonly affinity: DomainCounts,
    /** antiAffinityCounts: existing pods matching each of the incoming pod's required anti-affinity terms. */
    readonly antiAffinity: DomainCounts,
    /** Sum of affinity counts: 0 when no existing pod matches (len(affinityCounts) == 0). */
    public affinityTotal: number,
    /** The incoming pod matches all its own required affinity terms. */
    readonly selfMatchesAll: boolean,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(this.info, this.nsLabels, this.existingAntiAffinity.clone(), this.affinity.clone(), this.antiAffinity.clone(), this.affinityTotal, this.selfMatchesAll);
  }
}

/** scoring.go preScoreState: topologyScore as one domain-indexed array per topology key. */
class PreScoreState {
  constructor(
    readonly ids: readonly Int32Array[],
    readonly scores: readonly Float64Array[],
    /** Terms over one-to-one topologies: per-row counts (the snapshot's live counters) and weights. */
    readonly directCounts: readonly Int32Array[],
    readonly directWeights: Float64Array,
  ) {}

  clone(): PreScoreState {
    return this;
  }
}

// ---- the plugin -------------------------------------------------------------------------------------------

let instances = 0;

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private nsLabelsOf: NamespaceLabels = metadataNameOnly;
  /** Part of counter keys whose predicate reads namespace labels: a new labels source means new counters. */
  private nsGeneration = `${++instances}.0`;
  private nsChanges = 0;

  constructor(readonly args: InterPodAffinityArgs) {}

  /** Where namespaceSelector reads namespace labels from (see metadataNameOnly for the default). */
  setNamespaceLabels(fn: NamespaceLabels): void {
    this.nsLabelsOf = fn;
    this.nsGeneration = `${this.nsGeneration.split('.')[0]}.${++this.nsChanges}`;
  }

  /** The counter key and predicate of "existing pods matching the incoming pod's term t". */
  private termCounter(t: AffinityTerm): { key: string; matches: (p: PodInfo) => boolean } {
    const nsLabelsOf = this.nsLabelsOf;
    const readsLabels = t.namespaceSelector !== undefined && !t.allNamespaces;
    return {
      key: `${NAME}|matches|${t.canon}${readsLabels ? `|ns ${this.nsGeneration}` : ''}`,
      matches: (p) => termMatches(t, p.namespace, p.labels, nsLabelsOf(p.namespace)),
    };
  }

  /** Existing pods matching ALL the terms (podMatchesAllAffinityTerms). */
  private allTermsCounter(terms: readonly AffinityTerm[]): { key: string; matches: (p: PodInfo) => boolean } {
    const nsLabelsOf = this.nsLabelsOf;
    const readsLabels = terms.some((t) => t.namespaceSelector !== undefined && !t.allNamespaces);
    return {
      key: `${NAME}|matches all|${terms.map((t) => t.canon).join(';')}${readsLabels ? `|ns ${this.nsGeneration}` : ''}`,
      matches: (p) => {
        const nsLabels = nsLabelsOf(p.namespace);
        for (const t of terms) if (!termMatches(t, p.namespace, p.labels, nsLabels)) return false;
        return true;
      },
    };
  }

  private matchesAll(terms: readonly AffinityTerm[], namespace: string, labels: Labels): boolean {
    if (terms.length === 0) return false;
    const nsLabels = this.nsLabelsOf(namespace);
    for (const t of terms) if (!termMatches(t, namespace, labels, nsLabels)) return false;
    return true;
  }

  // ---- PreFilter / Filter ---------------------------------------------------------------------------------

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): { status: Status; result?: PreFilterResult } {
    const info = affinityOf(pod);
    if (info.error !== undefined) return { status: status(Code.UnschedulableAndUnresolvable, `parsing pod: ${info.error}`) };
    const registry = registryOf(snapshot);
    registry.sweep(snapshot);
    // GetNamespaceLabelsSnapshot: an unknown namespace has an empty label set.
    const nsLabels = this.nsLabelsOf(pod.namespace) ?? {};

    // Existing pods' required anti-affinity terms that the incoming pod matches.
    const existing = new DomainCounts();
    let existingTotal = 0;
    for (const e of registry.byKind[Kind.RequiredAntiAffinity]!.values()) {
      if (!termMatches(e.term, pod.namespace, pod.labels, nsLabels)) continue;
      existingTotal += existing.addDomainSums(e.term.topologyKey, e.counterKey, e.holds, snapshot);
    }

    // The incoming pod's required affinity: pods matching all terms, counted under each term's key.
    const affinity = new DomainCounts();
    let affinityTotal = 0;
    if (info.requiredAffinity.length > 0) {
      const c = this.allTermsCounter(info.requiredAffinity);
      for (const t of info.requiredAffinity) {
        // Terms sharing a key test the same pair, so one array per key decides the same (see Filter).
        if (!affinity.keys.includes(t.topologyKey)) affinityTotal += affinity.addDomainSums(t.topologyKey, c.key, c.matches, snapshot);
      }
    }

    // The incoming pod's required anti-affinity: pods matching each term.
    const anti = new DomainCounts();
    for (const t of info.requiredAntiAffinity) {
      const c = this.termCounter(t);
      anti.addDomainSums(t.topologyKey, c.key, c.matches, snapshot);
    }

    if (existingTotal === 0 && info.requiredAffinity.length === 0 && info.requiredAntiAffinity.length === 0) return { status: SKIP };
    const selfMatchesAll = this.matchesAll(info.requiredAffinity, pod.namespace, pod.labels);
    state.write(PRE_FILTER_KEY, new PreFilterState(info, nsLabels, existing, affinity, anti, affinityTotal, selfMatchesAll));
    return { status: SUCCESS };
  }

  filter(state: CycleState, _pod: PodInfo, node: number): number {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (s === undefined) return 0; // PreFilter skipped: nothing to check.
    return filterNode(s, node);
  }

  filterNodes(state: CycleState, _pod: PodInfo, rows: Int32Array, count: number, _snapshot: Snapshot, out: Int32Array): number {
    return filterEachWithState(state, PRE_FILTER_KEY, rows, count, out, filterNode);
  }

  addPod(state: CycleState, pod: PodInfo, added: PodInfo, node: number, snapshot: Snapshot): void {
    this.updateWithPod(state, pod, added, node, snapshot, 1);
  }

  removePod(state: CycleState, pod: PodInfo, removed: PodInfo, node: number, snapshot: Snapshot): void {
    this.updateWithPod(state, pod, removed, node, snapshot, -1);
  }

  /** filtering.go preFilterState.updateWithPod (preemption's dry runs). */
  private updateWithPod(state: CycleState, pod: PodInfo, updated: PodInfo, node: number, snapshot: Snapshot, delta: 1 | -1): void {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (s === undefined) return;
    const incoming = s.info;
    const bump = (counts: DomainCounts, key: string): void => {
      const i = counts.index(key, snapshot);
      const d = counts.ids[i]![node]!;
      if (d >= 0) counts.own(i)[d]! += delta;
    };
    // The updated pod's required anti-affinity against the incoming pod.
    for (const t of affinityOf(updated).requiredAntiAffinity) {
      if (termMatches(t, pod.namespace, pod.labels, s.nsLabels)) bump(s.existingAntiAffinity, t.topologyKey);
    }
    // The incoming pod's terms against the updated pod.
    if (this.matchesAll(incoming.requiredAffinity, updated.namespace, updated.labels)) {
      for (let i = 0; i < s.affinity.keys.length; i++) {
        const d = s.affinity.ids[i]![node]!;
        if (d < 0) continue;
        s.affinity.own(i)[d]! += delta;
        s.affinityTotal += delta;
      }
    }
    const nsLabels = this.nsLabelsOf(updated.namespace);
    for (const t of incoming.requiredAntiAffinity) {
      if (termMatches(t, updated.namespace, updated.labels, nsLabels)) bump(s.antiAffinity, t.topologyKey);
    }
  }

  // ---- PreScore / Score / NormalizeScore --------------------------------------------------------------------

  preScore(state: CycleState, pod: PodInfo, _nodes: Int32Array, _count: number, snapshot: Snapshot): Status {
    const info = affinityOf(pod);
    if (info.error !== undefined) return status(Code.Error, `failed to parse pod: ${info.error}`);
    const hasConstraints = info.preferredAffinity.length > 0 || info.preferredAntiAffinity.length > 0;
    if (this.args.ignorePreferredTermsOfExistingPods && !hasConstraints) return SKIP;

    const keys: string[] = [];
    const ids: Int32Array[] = [];
    const scores: Float64Array[] = [];
    const directCounts: Int32Array[] = [];
    const directWeights: number[] = [];
    let any = false;
    const { order, numNodes } = snapshot;
    // topoScore[term.topologyKey][value of the pod's node] += weight · (pods of that node), for pods on
    // nodes that have the key (processTerm).
    const add = (topologyKey: string, counterKey: string, matches: (p: PodInfo) => boolean, weight: number): void => {
      const perRow = snapshot.podCounts(counterKey, matches);
      if (snapshot.domainsOneToOne(topologyKey)) {
        // One domain per node (hostname): the domain's score is weight × its node's count, read at Score
        // time for the nodes scored instead of summed here over every node. Integers: the same sums.
        directCounts.push(perRow);
        directWeights.push(weight);
        if (snapshot.podCountTotal(counterKey, matches) > 0) any = true;
        return;
      }
      let i = keys.indexOf(topologyKey);
      if (i < 0) {
        const dom = snapshot.domains(topologyKey);
        keys.push(topologyKey);
        ids.push(dom.ids);
        scores.push(new Float64Array(dom.names.length));
        i = keys.length - 1;
      }
      const domIds = ids[i]!;
      const out = scores[i]!;
      for (let k = 0; k < numNodes; k++) {
        const r = order[k]!;
        const c = perRow[r]!;
        if (c === 0) continue;
        const d = domIds[r]!;
        if (d < 0) continue;
        out[d]! += weight * c;
        any = true;
      }
    };

    // The incoming pod's preferred terms, against existing pods.
    for (const w of info.preferredAffinity) {
      const c = this.termCounter(w.term);
      add(w.term.topologyKey, c.key, c.matches, w.weight);
    }
    for (const w of info.preferredAntiAffinity) {
      const c = this.termCounter(w.term);
      add(w.term.topologyKey, c.key, c.matches, -w.weight);
    }

    // Existing pods' terms, against the incoming pod.
    const registry = registryOf(snapshot);
    const nsLabels = this.nsLabelsOf(pod.namespace) ?? {};
    const byExisting = (kind: Kind, weightOf: (e: ExistingTerm) => number): void => {
      for (const e of registry.byKind[kind]!.values()) {
        if (!termMatches(e.term, pod.namespace, pod.labels, nsLabels)) continue;
        add(e.term.topologyKey, e.counterKey, e.holds, weightOf(e));
      }
    };
    const hard = this.args.hardPodAffinityWeight;
    if (hard > 0) byExisting(Kind.RequiredAffinity, () => hard);
    byExisting(Kind.PreferredAffinity, (e) => e.weight);
    byExisting(Kind.PreferredAntiAffinity, (e) => -e.weight);

    if (!any) return SKIP;
    state.write(PRE_SCORE_KEY, new PreScoreState(ids, scores, directCounts, Float64Array.from(directWeights)));
    return SUCCESS;
  }

  /** scoring.go Score: the sum, over topology keys the node has, of its domain's score. */
  score(state: CycleState, _pod: PodInfo, node: number): number {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    return s === undefined ? 0 : affinityScore(s, node);
  }

  scoreNodes(state: CycleState, _pod: PodInfo, nodes: Int32Array, count: number, _snapshot: Snapshot, out: Float64Array): void {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (s === undefined) out.fill(0, 0, count);
    else for (let i = 0; i < count; i++) out[i] = affinityScore(s, nodes[i]!);
  }

  /** scoring.go NormalizeScore: int64(100 · (s − min) / (max − min)) in float64, 0 when all are equal. */
  normalizeScore(state: CycleState, _pod: PodInfo, scores: Float64Array, _nodes: Int32Array, count: number): void {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (s === undefined) return;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < count; i++) {
      const v = scores[i]!;
      if (v > max) max = v;
      if (v < min) min = v;
    }
    const diff = max - min;
    for (let i = 0; i < count; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i]! - min) / diff)) : 0;
  }

  // ---- queueing hints ---------------------------------------------------------------------------------------

  /** plugin.go EventsToRegister (with queueing hints). */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Pod', actions: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete },
        hint: (pod, oldObj, newObj) => this.isSchedulableAfterPodChange(pod, oldObj as Pod | undefined, newObj as Pod | undefined),
      },
      {
        event: { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint },
        hint: (pod, _oldObj, newObj) => this.isSchedulableAfterNodeChange(pod, newObj as Node | undefined),
      },
    ];
  }

  /**
   * plugin.go isSchedulableAfterPodChange, plus one case upstream does not retry: a deleted pod whose own
   * required anti-affinity matched the waiting pod (it may have been what blocked it).
   */
  private isSchedulableAfterPodChange(pod: PodInfo, oldPod: Pod | undefined, newPod: Pod | undefined): QueueingHint {
    if ((newPod !== undefined && (newPod.spec?.nodeName ?? '') === '') || (oldPod !== undefined && (oldPod.spec?.nodeName ?? '') === '')) return 'QueueSkip';
    const info = affinityOf(pod);
    if (info.error !== undefined) return 'Queue';
    const ns = (p: Pod) => p.metadata?.namespace ?? '';
    const labels = (p: Pod): Labels => p.metadata?.labels ?? {};
    const matchesAffinity = (p: Pod) => this.matchesAll(info.requiredAffinity, ns(p), labels(p));
    const matchesAnti = (p: Pod) => this.matchesAll(info.requiredAntiAffinity, ns(p), labels(p));
    if (newPod !== undefined && oldPod !== undefined) {
      if (!matchesAffinity(oldPod) && matchesAffinity(newPod)) return 'Queue';
      if (matchesAnti(oldPod) && !matchesAnti(newPod)) return 'Queue';
      return 'QueueSkip';
    }
    if (newPod !== undefined) return matchesAffinity(newPod) ? 'Queue' : 'QueueSkip';
    if (oldPod === undefined) return 'Queue';
    if (matchesAnti(oldPod)) return 'Queue';
    const nsLabels = this.nsLabelsOf(pod.namespace) ?? {};
    const deleted = compileAffinity(oldPod);
    return deleted.requiredAntiAffinity.some((t) => termMatches(t, pod.namespace, pod.labels, nsLabels)) ? 'Queue' : 'QueueSkip';
  }

  /** plugin.go isSchedulableAfterNodeChange: the node has a topology key of one of the pod's required terms. */
  private isSchedulableAfterNodeChange(pod: PodInfo, newNode: Node | undefined): QueueingHint {
    if (newNode === undefined) return 'Queue';
    const info = affinityOf(pod);
    if (info.error !== undefined) return 'Queue';
    const nodeLabels = newNode.metadata?.labels ?? {};
    for (const t of [...info.requiredAffinity, ...info.requiredAntiAffinity]) if (nodeLabels[t.topologyKey] !== undefined) return 'Queue';
    return 'QueueSkip';
  }
}

const _check = InterPodAffinity.prototype satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;
void _check;

// ---- args -------------------------------------------------------------------------------------------------

const ARG_FIELDS = new Set(['apiVersion', 'kind', 'hardPodAffinityWeight', 'ignorePreferredTermsOfExistingPods']);

/**
 * Validates InterPodAffinityArgs (validation.ValidateInterPodAffinityArgs: hardPodAffinityWeight in
 * [0, 100]) and applies the v1 defaults (hardPodAffinityWeight 1).
 */
export function parseInterPodAffinityArgs(raw: Json | undefined): InterPodAffinityArgs {
  const args = raw ?? {};
  const problems: string[] = [];
  for (const k of Object.keys(args)) if (!ARG_FIELDS.has(k)) problems.push(`${k}: unknown field (expected hardPodAffinityWeight or ignorePreferredTermsOfExistingPods)`);
  const weight = args['hardPodAffinityWeight'] ?? 1;
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
    problems.push(`hardPodAffinityWeight: must be an integer in the range 0-100, got ${JSON.stringify(weight)}`);
  }
  const ignore = args['ignorePreferredTermsOfExistingPods'] ?? false;
  if (typeof ignore !== 'boolean') problems.push(`ignorePreferredTermsOfExistingPods: must be true or false, got ${JSON.stringify(ignore)}`);
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return { hardPodAffinityWeight: weight as number, ignorePreferredTermsOfExistingPods: ignore as boolean };
}

export const newInterPodAffinity: PluginFactory = (handle) => new InterPodAffinity(parseInterPodAffinityArgs(handle.args));

/** scoring.go Score: the sum, over topology keys the node has, of its domain's score. */
function affinityScore(s: PreScoreState, node: number): number {
  let score = 0;
  for (let i = 0; i < s.ids.length; i++) {
    const d = s.ids[i]![node]!;
    if (d >= 0) score += s.scores[i]![d]!;
  }
  for (let j = 0; j < s.directCounts.length; j++) score += s.directWeights[j]! * s.directCounts[j]![node]!;
  return score;
}

/** filtering.go Filter on one node, from PreFilter's state. */
function filterNode(s: PreFilterState, node: number): number {
  // satisfyPodAffinity: every term's key on the node, and a matching pod in each of its domains — or no
  // matching pod anywhere and the pod matches its own terms (the first pod of a self-affine group).
  const aff = s.affinity;
  if (aff.keys.length > 0) {
    let podsExist = true;
    for (let i = 0; i < aff.keys.length; i++) {
      const d = aff.ids[i]![node]!;
      if (d < 0) return REASON_AFFINITY;
      if (aff.counts[i]![d]! <= 0) podsExist = false;
    }
    if (!podsExist && !(s.affinityTotal === 0 && s.selfMatchesAll)) return REASON_AFFINITY;
  }
  if (s.antiAffinity.anyPositiveAt(node)) return REASON_ANTI_AFFINITY;
  if (s.existingAntiAffinity.anyPositiveAt(node)) return REASON_EXISTING_ANTI_AFFINITY;
  return 0;
}
