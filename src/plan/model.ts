// The capacity planner's mixed-integer program.
//
// Decision variables: n[t][w] ≥ 0 integer, the nodes of instance type t held during window w; and, when
// fewer pools are allowed than there are candidate types, y[t] ∈ {0,1}, "type t is one of the pools".
// Cost: Σ price[t] · hours(w) · n[t][w].
//
// Coverage. Every pod can run only on some types (its request must fit the type's allocatable, its whole
// GPUs must be on one node, its required node affinity must match the type's labels): that set is the pod's
// fit class F. For every distinct F, the pods that can run *only* inside F must be covered by the capacity
// of the types in F — in every window, for cpu, memory, pods and GPUs:
//     Σ_{t ∈ F} α · alloc[t][r] · n[t][w]  ≥  peak over window w of Σ_{pods p with fit(p) ⊆ F} request[p][r]
// (for pod slots, α = 1: a slot is a slot). This is Hall's condition for the fractional assignment of pods
// to capacity, so with α = 1 no placement of the pods on fewer nodes exists: the LP relaxation at α = 1 is
// a lower bound no plan holding nodes for whole windows can beat. α < 1 is the packing allowance — the
// share of capacity that real bin packing (indivisible pods, spread and anti-affinity) actually fills —
// learned from simulating the plan (src/plan/plan.ts).
//
// Linking: n[t][w] ≤ M[t][w] · y[t] with M[t][w] the most nodes of t window w could ever need (its largest
// row divided by t's capacity there, rounded up), and Σ y[t] ≤ K.
import type { Node } from '../api/index.js';
import type { Catalog, CatalogEntry } from '../cloud/catalog.js';
import { formatBytes, formatCpu, nodeTemplate, regionOfZone, resolveNodePool, type ResolvedNodePool } from '../cloud/nodepool.js';
import { UserInputError } from '../cli/errors.js';
import type { PodDemand } from './demand.js';
import type { Column, LinearModel, Row } from './solver.js';

export const RESOURCES = ['cpu', 'memory', 'pods', 'gpu'] as const;
export type Resource = (typeof RESOURCES)[number];
const R = RESOURCES.length;
const GIB = 1024 ** 3;

/** A catalog type the plan may use, with what one node of it offers to pods. */
export interface Candidate {
  readonly index: number;
  readonly entry: CatalogEntry;
  /** The pool the plan would create for it (resolved against the catalog: zones, spot price, allocatable). */
  readonly pool: ResolvedNodePool;
  readonly pricePerHour: number;
  readonly spot: boolean;
  /** Allocatable per node in planning units: cores, GiB, pod slots, GPUs. */
  readonly capacity: Readonly<Record<Resource, number>>;
}

export interface Window {
  readonly startMs: number;
  readonly endMs: number;
  readonly hours: number;
}

/** A set of pods that fit exactly the same types. */
export interface FitClass {
  readonly types: readonly number[];
  /** One pod of the class, for messages. */
  readonly example: PodDemand;
}

/** One coverage group: the types of one fit class, and the pods that fit nowhere else. */
export interface Group {
  readonly types: readonly number[];
  readonly classes: readonly number[];
  /** peak[w * R + r]: peak concurrent request of the group's pods in window w, planning units. */
  readonly peak: Float64Array;
}

export interface PlanningProblem {
  readonly candidates: readonly Candidate[];
  readonly windows: readonly Window[];
  readonly windowMs: number;
  readonly horizonMs: number;
  readonly classes: readonly FitClass[];
  readonly groups: readonly Group[];
  readonly zones: readonly string[];
  readonly region: string;
  /** Pods counted (replicas expanded). */
  readonly pods: number;
}

export interface ProblemOptions {
  /** Zones for every pool; default: the first three zones of the catalog's first region. */
  readonly zones?: readonly string[];
  readonly spot?: boolean;
  /** Window length; default: the horizon split into at most 24 windows of a whole number of minutes. */
  readonly windowMs?: number;
  /** Stop the horizon here (the planner looks at pods running before it). */
  readonly horizonMs?: number;
}

export const DEFAULT_WINDOWS = 24;

function defaultZones(catalog: Catalog): { region: string; zones: string[] } {
  const first = catalog.entries[0];
  if (first === undefined) throw new UserInputError(`${catalog.source}: the instance catalog is empty (expected at least one instance type)`);
  const region = first.region;
  const letters = ['a', 'b', 'c'];
  return { region, zones: letters.map((l) => (first.cloud === 'gcp' ? `${region}-${l}` : `${region}${l}`)) };
}

/** Pool names: DNS labels from the type name ("m5.xlarge" → "m5-xlarge", "-spot" for spot pools). */
export function poolNameFor(entry: CatalogEntry, spot: boolean): string {
  return entry.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') + (spot ? '-spot' : '');
}

function candidatesFor(catalog: Catalog, region: string, zones: readonly string[], spot: boolean): Candidate[] {
  const out: Candidate[] = [];
  for (const entry of catalog.entries) {
    if (entry.region !== region) continue;
    const useSpot = spot && entry.spotPricePerHour !== undefined;
    const pool = resolveNodePool(
      { apiVersion: 'drydock.io/v1', kind: 'NodePool', metadata: { name: poolNameFor(entry, useSpot) }, spec: { instanceType: entry.name, zones: [...zones], minSize: 0, maxSize: 1, ...(useSpot ? { spot: true } : {}) } },
      catalog,
      {
        where: `${catalog.source}:${entry.line}`,
        fail: (_field, message) => {
          throw new UserInputError(`${catalog.source}:${entry.line}: ${entry.name}: ${message}`);
        },
      },
    );
    out.push({
      index: out.length,
      entry,
      pool,
      pricePerHour: pool.pricePerHour,
      spot: useSpot,
      capacity: {
        cpu: (pool.shape.cpuMilli - pool.reservation.cpuMilli) / 1000,
        memory: (pool.shape.memoryBytes - pool.reservation.memoryBytes) / GIB,
        pods: pool.shape.pods,
        gpu: pool.shape.gpus,
      },
    });
  }
  return out;
}

/** "cpu 120, memory 720Gi, 8 GPUs". */
function describeRequest(p: PodDemand): string {
  const parts = [`cpu ${formatCpu(p.cpuMilli)}`, `memory ${formatBytes(p.memoryBytes)}`];
  if (p.gpusOnNode > 0) parts.push(p.gpus < 1 ? `a ${Math.round(p.gpus * 1000)}/1000 share of a GPU` : `${p.gpusOnNode} GPU${p.gpusOnNode > 1 ? 's' : ''}`);
  return parts.join(', ');
}

function describeCapacity(c: Candidate): string {
  const parts = [`cpu ${formatCpu(Math.round(c.capacity.cpu * 1000))}`, `memory ${formatBytes(Math.round(c.capacity.memory * GIB))}`];
  if (c.capacity.gpu > 0) parts.push(`${c.capacity.gpu} ${c.entry.gpuModel} GPU${c.capacity.gpu > 1 ? 's' : ''}`);
  return `${c.entry.name} (allocatable ${parts.join(', ')})`;
}

/** Whole minutes, rounded up to a "nice" length (1, 2, 5, 10, 15, 30 min, 1, 2, 3, 4, 6, 8, 12 h, days). */
export function defaultWindowMs(horizonMs: number, windows = DEFAULT_WINDOWS): number {
  const raw = Math.max(1, horizonMs / windows);
  const nice = [1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 480, 720, 1440].map((m) => m * 60_000);
  for (const n of nice) if (n >= raw) return n;
  return Math.ceil(raw / 86_400_000) * 86_400_000;
}

/**
 * Everything the model needs from a workload and a catalog: candidate types, fit classes, windows and each
 * group's peak demand. Throws UserInputError naming the first pod that no type can hold, before any solving.
 */
export function buildProblem(demands: readonly PodDemand[], catalog: Catalog, options: ProblemOptions = {}): PlanningProblem {
  let region: string;
  let zones: string[];
  if (options.zones !== undefined && options.zones.length > 0) {
    zones = [...options.zones];
    const regions = new Set(zones.map((z) => regionOfZone(z) ?? ''));
    if (regions.has('') || regions.size !== 1) {
      throw new UserInputError(`--zones ${zones.join(',')}: ${regions.has('') ? `"${zones.find((z) => regionOfZone(z) === undefined)}" is not a zone name` : 'the zones are in different regions'} (expected zones of one region, e.g. us-east-1a,us-east-1b)`);
    }
    region = [...regions][0]!;
  } else {
    ({ region, zones } = defaultZones(catalog));
  }
  const candidates = candidatesFor(catalog, region, zones, options.spot === true);
  if (candidates.length === 0) {
    const regions = [...new Set(catalog.entries.map((e) => e.region))].join(', ');
    throw new UserInputError(`--zones ${zones.join(',')}: the catalog ${catalog.source} has no instance type in region ${region} (it has ${regions})`);
  }

  // The labels a node of each type carries, one node per zone (a pod may select a zone).
  const nodes: Node[][] = candidates.map((c) => zones.map((zone) => nodeTemplate(c.pool, { nodeName: '', zone })));
  const fitsSize = (p: PodDemand, c: Candidate) =>
    p.cpuMilli <= Math.round(c.capacity.cpu * 1000) && p.memoryBytes <= Math.round(c.capacity.memory * GIB) && p.gpusOnNode <= c.capacity.gpu;
  const classIndex = new Map<string, number>();
  const classes: { types: number[]; example: PodDemand }[] = [];
  const podClass = new Int32Array(demands.length);
  let pods = 0;
  demands.forEach((p, i) => {
    pods += p.count;
    const types: number[] = [];
    let sized = 0;
    for (const c of candidates) {
      if (!fitsSize(p, c)) continue;
      sized++;
      if (nodes[c.index]!.some((n) => p.matches(n.metadata?.labels, ''))) types.push(c.index);
    }
    if (types.length === 0) {
      if (sized === 0) {
        const largest = [...candidates].sort((a, b) => b.capacity.cpu - a.capacity.cpu || b.capacity.memory - a.capacity.memory || b.capacity.gpu - a.capacity.gpu)[0]!;
        throw new UserInputError(`${p.source}: pod ${p.name} requests ${describeRequest(p)}, more than any instance type in ${catalog.source} (region ${region}) can hold; the largest is ${describeCapacity(largest)}`);
      }
      throw new UserInputError(`${p.source}: pod ${p.name}: its nodeSelector / required node affinity matches none of the ${sized} instance types large enough for it (region ${region}, zones ${zones.join(',')}; expected labels a catalog type's nodes carry, such as node.kubernetes.io/instance-type or drydock.io/gpu-model)`);
    }
    const key = types.join(',');
    let k = classIndex.get(key);
    if (k === undefined) {
      k = classes.length;
      classIndex.set(key, k);
      classes.push({ types, example: p });
    }
    podClass[i] = k;
  });

  // Horizon and windows.
  let horizon = 0;
  for (const p of demands) horizon = Math.max(horizon, p.startMs, Number.isFinite(p.endMs) ? p.endMs : 0);
  if (options.horizonMs !== undefined) horizon = options.horizonMs;
  // At least an hour: a workload of services without durations is planned (and priced) per hour.
  horizon = Math.max(horizon, 3_600_000);
  const windowMs = options.windowMs ?? defaultWindowMs(horizon);
  const windows: Window[] = [];
  for (let s = 0; s < horizon; s += windowMs) {
    const e = Math.min(horizon, s + windowMs);
    windows.push({ startMs: s, endMs: e, hours: (e - s) / 3_600_000 });
  }
  const W = windows.length;

  // Groups: one per distinct fit set, holding every class whose set lies inside it; plus all types.
  const groupTypes: number[][] = classes.map((c) => c.types);
  const fitting = new Set(classes.flatMap((c) => c.types));
  const all = candidates.map((c) => c.index).filter((t) => fitting.has(t));
  if (!classIndex.has(all.join(','))) groupTypes.push(all);
  const groupsOfClass: number[][] = classes.map(() => []);
  const groupClasses: number[][] = groupTypes.map(() => []);
  groupTypes.forEach((types, g) => {
    const inGroup = new Set(types);
    classes.forEach((c, k) => {
      if (c.types.every((t) => inGroup.has(t))) {
        groupsOfClass[k]!.push(g);
        groupClasses[g]!.push(k);
      }
    });
  });

  // Peak concurrent demand per group, window and resource: a sweep over starts and ends (an end frees room
  // before a start at the same instant).
  const G = groupTypes.length;
  const peaks = groupTypes.map(() => new Float64Array(W * R));
  const running = new Float64Array(G * R);
  type Ev = { t: number; sign: 1 | -1; i: number };
  const events: Ev[] = [];
  demands.forEach((p, i) => {
    if (p.startMs >= horizon) return;
    events.push({ t: p.startMs, sign: 1, i });
    if (p.endMs < horizon) events.push({ t: p.endMs, sign: -1, i });
  });
  events.sort((a, b) => a.t - b.t || a.sign - b.sign || a.i - b.i);
  const vec = (p: PodDemand): number[] => [(p.cpuMilli / 1000) * p.count, (p.memoryBytes / GIB) * p.count, p.count, p.gpus * p.count];
  let e = 0;
  for (let w = 0; w < W; w++) {
    const win = windows[w]!;
    // What runs at the window's start counts toward its peak.
    const startPeak = () => {
      for (let g = 0; g < G; g++) for (let r = 0; r < R; r++) peaks[g]![w * R + r] = Math.max(peaks[g]![w * R + r]!, running[g * R + r]!);
    };
    while (e < events.length && events[e]!.t <= win.startMs) apply(events[e++]!);
    startPeak();
    while (e < events.length && events[e]!.t < win.endMs) {
      const ev = events[e++]!;
      apply(ev);
      if (ev.sign > 0) for (const g of groupsOfClass[podClass[ev.i]!]!) for (let r = 0; r < R; r++) peaks[g]![w * R + r] = Math.max(peaks[g]![w * R + r]!, running[g * R + r]!);
    }
  }
  function apply(ev: Ev): void {
    const v = vec(demands[ev.i]!);
    for (const g of groupsOfClass[podClass[ev.i]!]!) for (let r = 0; r < R; r++) running[g * R + r]! += ev.sign * v[r]!;
  }
  // Rounding noise from adding and removing fractions must not leave 1e-15 cores of phantom demand.
  for (const pk of peaks) for (let i = 0; i < pk.length; i++) pk[i] = Math.round(pk[i]! * 1e9) / 1e9;

  // Drop a group whose demand equals that of a group on a subset of its types: the subset's rows imply it.
  const keep = groupTypes.map(() => true);
  for (let g = 0; g < G; g++) {
    const mine = new Set(groupTypes[g]);
    for (let h = 0; h < G && keep[g]; h++) {
      if (h === g || !keep[h] || groupTypes[h]!.length >= mine.size || !groupTypes[h]!.every((t) => mine.has(t))) continue;
      if (peaks[g]!.every((v, i) => v <= peaks[h]![i]! + 1e-9)) keep[g] = false;
    }
  }
  const groups: Group[] = [];
  for (let g = 0; g < G; g++) if (keep[g]) groups.push({ types: groupTypes[g]!, classes: groupClasses[g]!, peak: peaks[g]! });

  return { candidates, windows, windowMs, horizonMs: horizon, classes, groups, zones, region, pods };
}

/** Which model columns mean what. */
export interface ModelLayout {
  readonly model: LinearModel;
  /** Types that appear in the model (dominated ones removed), candidate indices. */
  readonly types: readonly number[];
  /** column of n[types[i]][w] = nColumn[i * W + w]. */
  readonly nColumn: Int32Array;
  /** column of y[types[i]], or -1 when there is no pool limit in the model. */
  readonly yColumn: Int32Array;
  /** Row indices of the pool limit (−1 if none). */
  readonly poolLimitRow: number;
}

export interface ModelOptions {
  /** Packing allowance α ∈ (0, 1]. */
  readonly allowance: number;
  /** At most this many pools (types); Infinity = no limit. */
  readonly maxPools: number;
}

function capacityFor(c: Candidate, r: Resource, alpha: number): number {
  return r === 'pods' ? c.capacity.pods : c.capacity[r] * alpha;
}

/**
 * Types another type makes pointless: u dominates t when u fits every class t fits, offers at least as much
 * of every resource, and costs no more (ties broken by catalog order). Swapping t's nodes for u's keeps
 * every row covered, the pool count and the cost no higher, so the optimum never needs t.
 */
export function undominatedTypes(problem: PlanningProblem): number[] {
  const inClass = problem.candidates.map((c) => problem.classes.map((k) => k.types.includes(c.index)));
  const used = problem.candidates.filter((c) => inClass[c.index]!.some(Boolean));
  const dominates = (u: Candidate, t: Candidate): boolean => {
    if (u.pricePerHour > t.pricePerHour) return false;
    for (const r of RESOURCES) if (u.capacity[r] < t.capacity[r]) return false;
    for (let k = 0; k < problem.classes.length; k++) if (inClass[t.index]![k] && !inClass[u.index]![k]) return false;
    const same = u.pricePerHour === t.pricePerHour && RESOURCES.every((r) => u.capacity[r] === t.capacity[r]) && inClass[u.index]!.every((v, k) => v === inClass[t.index]![k]);
    return !same || u.index < t.index;
  };
  return used.filter((t) => !used.some((u) => u !== t && dominates(u, t))).map((c) => c.index);
}

/** The MILP for a problem at a packing allowance and pool limit. */
export function buildModel(problem: PlanningProblem, options: ModelOptions): ModelLayout {
  const alpha = options.allowance;
  const types = undominatedTypes(problem);
  const W = problem.windows.length;
  const columns: Column[] = [];
  const rows: Row[] = [];
  const nColumn = new Int32Array(types.length * W).fill(-1);
  const position = new Map(types.map((t, i) => [t, i]));
  // Upper bounds first: M[t][w] = the most nodes of t any row of window w could ask for.
  const bound = new Float64Array(types.length * W);
  for (const g of problem.groups) {
    for (const t of g.types) {
      const i = position.get(t);
      if (i === undefined) continue;
      const c = problem.candidates[t]!;
      for (let w = 0; w < W; w++) {
        for (let r = 0; r < R; r++) {
          const need = g.peak[w * R + r]!;
          const cap = capacityFor(c, RESOURCES[r]!, alpha);
          if (need > 0 && cap > 0) bound[i * W + w] = Math.max(bound[i * W + w]!, Math.ceil(need / cap - 1e-9));
        }
      }
    }
  }
  types.forEach((t, i) => {
    const c = problem.candidates[t]!;
    for (let w = 0; w < W; w++) {
      if (bound[i * W + w]! <= 0) continue;
      nColumn[i * W + w] = columns.length;
      columns.push({ name: `n[${c.entry.name}][${w}]`, cost: c.pricePerHour * problem.windows[w]!.hours, integer: true, upper: bound[i * W + w]! });
    }
  });
  const limited = Number.isFinite(options.maxPools) && options.maxPools < types.length;
  const yColumn = new Int32Array(types.length).fill(-1);
  if (limited) {
    types.forEach((t, i) => {
      yColumn[i] = columns.length;
      columns.push({ name: `y[${problem.candidates[t]!.entry.name}]`, cost: 0, integer: true, upper: 1 });
    });
  }
  problem.groups.forEach((g, gi) => {
    for (let w = 0; w < W; w++) {
      for (let r = 0; r < R; r++) {
        const need = g.peak[w * R + r]!;
        if (need <= 0) continue;
        const terms: [number, number][] = [];
        for (const t of g.types) {
          const i = position.get(t);
          if (i === undefined) continue;
          const col = nColumn[i * W + w]!;
          const cap = capacityFor(problem.candidates[t]!, RESOURCES[r]!, alpha);
          if (col >= 0 && cap > 0) terms.push([col, cap]);
        }
        rows.push({ name: `cover[group ${gi}][window ${w}][${RESOURCES[r]}]`, terms, min: need });
      }
    }
  });
  let poolLimitRow = -1;
  if (limited) {
    types.forEach((t, i) => {
      for (let w = 0; w < W; w++) {
        const col = nColumn[i * W + w]!;
        if (col >= 0) rows.push({ name: `link[${problem.candidates[t]!.entry.name}][${w}]`, terms: [[col, 1], [yColumn[i]!, -bound[i * W + w]!]], max: 0 });
      }
    });
    poolLimitRow = rows.length;
    rows.push({ name: 'pools', terms: types.map((_, i) => [yColumn[i]!, 1] as const), max: options.maxPools });
  }
  return { model: { columns, rows }, types, nColumn, yColumn, poolLimitRow };
}

/** Nodes of each type per window, read from a solution (rounded; absent columns are 0). */
export function nodesPerWindow(problem: PlanningProblem, layout: ModelLayout, values: readonly number[]): Map<number, number[]> {
  const W = problem.windows.length;
  const out = new Map<number, number[]>();
  layout.types.forEach((t, i) => {
    const counts: number[] = [];
    let any = false;
    for (let w = 0; w < W; w++) {
      const col = layout.nColumn[i * W + w]!;
      const v = col >= 0 ? Math.round(values[col] ?? 0) : 0;
      counts.push(v);
      if (v > 0) any = true;
    }
    if (any) out.set(t, counts);
  });
  return out;
}

/** Cost of node counts per window: Σ price · hours · n. */
export function planCost(problem: PlanningProblem, counts: ReadonlyMap<number, readonly number[]>): number {
  let total = 0;
  for (const [t, ns] of counts) ns.forEach((n, w) => (total += problem.candidates[t]!.pricePerHour * problem.windows[w]!.hours * n));
  return total;
}

/**
 * The first coverage row (group, window, resource) that the node counts leave short at allowance α, or
 * undefined when every window's demand is covered.
 */
export function uncoveredRow(problem: PlanningProblem, counts: ReadonlyMap<number, readonly number[]>, alpha: number): { group: number; window: number; resource: Resource; need: number; have: number } | undefined {
  for (let g = 0; g < problem.groups.length; g++) {
    const grp = problem.groups[g]!;
    for (let w = 0; w < problem.windows.length; w++) {
      for (let r = 0; r < R; r++) {
        const need = grp.peak[w * R + r]!;
        let have = 0;
        for (const t of grp.types) have += capacityFor(problem.candidates[t]!, RESOURCES[r]!, alpha) * (counts.get(t)?.[w] ?? 0);
        if (have < need - 1e-6 * Math.max(1, need)) return { group: g, window: w, resource: RESOURCES[r]!, need, have };
      }
    }
  }
  return undefined;
}
