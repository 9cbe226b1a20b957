// DataLocality: drydock's data-aware placement. No kube-scheduler plugin does this; it follows the
// shape of VolumeZone (a zonal volume pins the pod to its zone, UnschedulableAndUnresolvable elsewhere)
// and ImageLocality (prefer nodes that already hold what the pod needs).
//
// A pod names the datasets it reads in the annotation drydock.io/datasets: "a,b" (PodInfo.datasets).
// The plugin is off for every other pod: PreFilter and PreScore return Skip.
//
// Where the data is:
// - Zone: a dataset lives on a zonal volume. Its zone comes from the plugin args
//   `datasets: [{ name, zone }]` (the cluster's registry; names unique, zones non-empty), and for a dataset
//   the args do not list, from the pod's annotation drydock.io/dataset-zones: "a=us-east-1a,b=us-east-1b".
//   The args win over the annotation. A dataset with no known zone constrains nothing (it counts as "in
//   zone" below). A node's zone is its topology.kubernetes.io/zone label.
// - Cache: a node caches dataset <name> when it has the label drydock.io/dataset-cache.<name>: "true".
//   Dots are allowed in a label key's name part, so the key is a valid qualified name when <name> is
//   alphanumerics, '-', '_' and '.' (starting and ending alphanumeric) and at most 49 characters
//   (63 − len("dataset-cache.")); the args' dataset names are checked with labelKeyProblem. A dataset
//   named only by a pod whose name makes no valid key is simply cached nowhere.
//
// Filter: a node outside the zone of a dataset with a known zone fails with
//   "node(s) are not in the zone of dataset <name> (<zone>)", UnschedulableAndUnresolvable (preemption
//   cannot move a node). The reason is registered the first time a pod names that dataset and zone.
// Score, for a pod naming n datasets of which z are in the node's zone (or have no known zone) and c are
//   cached on the node:
//     score = ⌊50·(z + c) / n⌋          (= 50·z/n + 50·c/n, one integer division at the end)
//   so nodes that cache the data come first, then nodes in its zone. With Filter on, every feasible node
//   is in every known zone (z = n), and the score is 50 + ⌊50·c/n⌋; the zone half matters in profiles that
//   score DataLocality without filtering by it. The weight is the profile's (default 1).
import { labelKeyProblem } from '../../api/index.js';
import {
  ActionType,
  Code,
  ConfigError,
  SKIP,
  SUCCESS,
  reason,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from '../framework.js';
import { DATASETS_ANNOTATION, type PodInfo } from '../podinfo.js';
import { ZONE_LABEL, type Snapshot } from '../snapshot.js';

export { DATASETS_ANNOTATION };

export const NAME = 'DataLocality';

/** Pod annotation naming the zones of datasets the plugin args do not list: "a=us-east-1a,b=us-east-1b". */
export const DATASET_ZONES_ANNOTATION = 'drydock.io/dataset-zones';
/** Node label prefix: drydock.io/dataset-cache.<name>: "true" says the node caches dataset <name>. */
export const DATASET_CACHE_LABEL_PREFIX = 'drydock.io/dataset-cache.';
export const DATASET_CACHED_VALUE = 'true';

/** The node label that says a node caches `dataset`. */
export function datasetCacheLabel(dataset: string): string {
  return DATASET_CACHE_LABEL_PREFIX + dataset;
}

export interface DatasetZone {
  readonly name: string;
  readonly zone: string;
}

export interface DataLocalityArgs {
  readonly datasets: readonly DatasetZone[];
}

export const DEFAULT_DATA_LOCALITY_ARGS: DataLocalityArgs = Object.freeze({ datasets: [] });

/** The zone of each listed dataset in a pod's drydock.io/dataset-zones annotation (malformed items ignored). */
export function parseDatasetZones(text: string | undefined): Map<string, string> {
  const zones = new Map<string, string>();
  for (const item of (text ?? '').split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const name = item.slice(0, eq).trim();
    const zone = item.slice(eq + 1).trim();
    if (name !== '' && zone !== '' && !zones.has(name)) zones.set(name, zone);
  }
  return zones;
}

const PRE_FILTER_KEY = 'PreFilter' + NAME;

/** Domain id meaning "no node is in this zone" (distinct from -1, a node without a zone label). */
const NO_DOMAIN = -2;

/** Per pod: the datasets, their required zone domains, their reasons and their cache label keys. */
class PreFilterState {
  constructor(
    /** Zone domain id per snapshot row (Snapshot.domains(ZONE_LABEL).ids), read by Filter and Score. */
    readonly zoneOfRow: Int32Array,
    /** Required zone domain id per dataset with a known zone. */
    readonly zoneIds: Int32Array,
    /** The reason per entry of zoneIds. */
    readonly zoneReasons: Int32Array,
    /** Cache label key per dataset (all of them). */
    readonly cacheKeys: readonly string[],
    /** Datasets without a known zone: always "in zone" for Score. */
    readonly unzoned: number,
  ) {}
  clone(): PreFilterState {
    return this;
  }
}

export class DataLocality implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly zoneOf: ReadonlyMap<string, string>;
  /** Registered zone reasons by "dataset\u0000zone", filled the first time a pod names them. */
  private readonly reasons = new Map<string, number>();

  constructor(readonly args: DataLocalityArgs) {
    this.zoneOf = new Map(args.datasets.map((d) => [d.name, d.zone]));
  }

  private zoneReason(dataset: string, zone: string): number {
    const key = `${dataset}\u0000${zone}`;
    let id = this.reasons.get(key);
    if (id === undefined) {
      id = reason(`node(s) are not in the zone of dataset ${dataset} (${zone})`, Code.UnschedulableAndUnresolvable);
      this.reasons.set(key, id);
    }
    return id;
  }

  /** Per-pod work for Filter and Score; undefined when the pod names no datasets. */
  private compute(pod: PodInfo, snapshot: Snapshot): PreFilterState | undefined {
    const datasets = [...new Set(pod.datasets)];
    if (datasets.length === 0) return undefined;
    const fromPod = parseDatasetZones(pod.pod.metadata?.annotations?.[DATASET_ZONES_ANNOTATION]);
    const domains = snapshot.domains(ZONE_LABEL);
    const zoneIds: number[] = [];
    const zoneReasons: number[] = [];
    for (const name of datasets) {
      const zone = this.zoneOf.get(name) ?? fromPod.get(name);
      if (zone === undefined) continue;
      const id = domains.names.indexOf(zone);
      zoneIds.push(id < 0 ? NO_DOMAIN : id);
      zoneReasons.push(this.zoneReason(name, zone));
    }
    return new PreFilterState(
      domains.ids,
      Int32Array.from(zoneIds),
      Int32Array.from(zoneReasons),
      datasets.map(datasetCacheLabel),
      datasets.length - zoneIds.length,
    );
  }

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): { status: Status; result?: PreFilterResult } {
    const s = this.compute(pod, snapshot);
    if (s === undefined) return { status: SKIP };
    state.write(PRE_FILTER_KEY, s);
    return { status: SUCCESS };
  }

  filter(state: CycleState, _pod: PodInfo, node: number, _snapshot: Snapshot): number {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (s === undefined) return 0;
    const zone = s.zoneOfRow[node]!;
    const want = s.zoneIds;
    for (let i = 0; i < want.length; i++) if (want[i] !== zone) return s.zoneReasons[i]!;
    return 0;
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: Int32Array, _count: number, snapshot: Snapshot): Status {
    if (state.read<PreFilterState>(PRE_FILTER_KEY) !== undefined) return SUCCESS;
    // Scoring without this plugin's PreFilter (a score-only profile), or a pod naming no data.
    const s = this.compute(pod, snapshot);
    if (s === undefined) return SKIP;
    state.write(PRE_FILTER_KEY, s);
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: number, snapshot: Snapshot): number {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (s === undefined) return 0;
    const zone = s.zoneOfRow[node]!;
    let inZone = s.unzoned;
    const want = s.zoneIds;
    for (let i = 0; i < want.length; i++) if (want[i] === zone) inZone++;
    const labels = snapshot.labels[node]!;
    const keys = s.cacheKeys;
    let cached = 0;
    for (let i = 0; i < keys.length; i++) if (labels[keys[i]!] === DATASET_CACHED_VALUE) cached++;
    return Math.trunc((50 * (inZone + cached)) / keys.length);
  }

  /** A pod rejected for its data's zone may fit on a new node or one whose zone label changed. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [{ event: { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeLabel } }];
  }
}

function parseArgs(raw: unknown): DataLocalityArgs {
  if (raw === undefined || raw === null) return DEFAULT_DATA_LOCALITY_ARGS;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`args: must be an object, got ${JSON.stringify(raw)}`);
  const obj = raw as Record<string, unknown>;
  // apiVersion/kind: the config loader may pass the typed args' TypeMeta through (it checks them).
  for (const key of Object.keys(obj)) {
    if (key !== 'datasets' && key !== 'apiVersion' && key !== 'kind') throw new ConfigError(`${key}: unknown field (${NAME} args have only "datasets")`);
  }
  const list = obj['datasets'] ?? [];
  if (!Array.isArray(list)) throw new ConfigError(`datasets: must be a list of {name, zone}, got ${JSON.stringify(list)}`);
  const seen = new Map<string, number>();
  const datasets: DatasetZone[] = [];
  list.forEach((item: unknown, i) => {
    const at = `datasets[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new ConfigError(`${at}: must be an object {name, zone}, got ${JSON.stringify(item)}`);
    const entry = item as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (key !== 'name' && key !== 'zone') throw new ConfigError(`${at}.${key}: unknown field (a dataset has "name" and "zone")`);
    }
    const { name, zone } = entry;
    if (typeof name !== 'string' || name === '') throw new ConfigError(`${at}.name: must be a non-empty string, got ${JSON.stringify(name)}`);
    const keyProblem = labelKeyProblem(datasetCacheLabel(name));
    if (keyProblem !== undefined) throw new ConfigError(`${at}.name: dataset ${JSON.stringify(name)} cannot name a cache label: ${keyProblem}`);
    const first = seen.get(name);
    if (first !== undefined) throw new ConfigError(`${at}.name: duplicate dataset ${JSON.stringify(name)} (also datasets[${first}])`);
    seen.set(name, i);
    if (typeof zone !== 'string' || zone === '') throw new ConfigError(`${at}.zone: must be a non-empty string, got ${JSON.stringify(zone)}`);
    datasets.push({ name, zone });
  });
  return { datasets };
}

export const newDataLocality: PluginFactory = (handle) => new DataLocality(parseArgs(handle.args));

const _check = DataLocality satisfies new (args: DataLocalityArgs) => PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;
void _check;
