// The scheduler's node cache and its snapshots, as struct-of-arrays typed columns (one Float64Array per
// resource, one row per node) so that filters and scores read numbers by row index without allocating.
// Every row carries the generation of its last change; Snapshot.update copies only rows newer than the
// snapshot (kube-scheduler internal/cache/cache.go UpdateSnapshot). Structured per-row data (labels,
// taints, the pods on the node) is replaced, never mutated, on change, so a snapshot may share it.
//
// Bounds invariant for the `!` in this file and in plugins: every row index passed around is < rows, and
// every typed column has length >= capacity >= rows.
import { cpuMilli, memoryBytes, tryParseQuantity, value, type Labels, type Node, type Pod, type Taint } from '../api/index.js';
import { GPU_DEVICES_ANNOTATION, GPU_MODEL_LABEL, GPU_RESOURCE, type PodInfo } from './podinfo.js';

/** Devices per node the GPU accounting tracks. */
export const MAX_GPUS_PER_NODE = 16;
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Per-row counts of the pods matching a predicate (Snapshot.podCounts), with the domain sums built on them. */
interface Counter {
  readonly matches: (p: PodInfo) => boolean;
  perRow: Int32Array;
  total: number;
  used: number;
  aggregates: DomainAggregate[];
}

/** Snapshot.domainSums for one topology key (and counter): valid while `version` is the snapshot's. */
interface DomainAggregate {
  readonly version: number;
  readonly counter: Counter | undefined;
  /** The domain column it was built on (a rebuilt column is a new array). */
  readonly ids: Int32Array;
  readonly nodes: Int32Array;
  readonly sums: Int32Array;
  /** The sum of `sums`: matching pods on nodes that have the key. */
  total: number;
}

/** One pod more (or less) on `row`: its domain's sum follows, if the row has the key. */
function addToDomain(a: DomainAggregate, row: number, sign: number): void {
  const d = a.ids[row]!;
  if (d >= 0 && d < a.sums.length) {
    a.sums[d]! += sign;
    a.total += sign;
  }
}

/** The devices of the (many) pods that hold none: one frozen array for all of them. */
const NO_DEVICES: readonly number[] = Object.freeze([]);

/** Where an assigned pod sits, and the GPU devices it holds there. */
export interface PlacedPod {
  readonly info: PodInfo;
  readonly row: number;
  readonly devices: readonly number[];
}

function parseResource(list: Readonly<Record<string, string>>, name: string): number {
  const raw = list[name];
  if (raw === undefined) return 0;
  if (name === 'cpu') return cpuMilli(raw);
  if (name === 'memory' || name === 'ephemeral-storage') return memoryBytes(raw);
  const q = tryParseQuantity(raw);
  return q === undefined ? 0 : value(q);
}

/**
 * Parsed quantities per resource list object. API objects are replaced, never changed in place, so a list
 * parses once per object version — the autoscaler rebuilds a snapshot of the same nodes every scan.
 */
const parsedLists = new WeakMap<object, Map<string, number>>();

/** A resource list's value for `name`: cpu in millicores, memory and ephemeral-storage in bytes, others as numbers. */
export function resourceQuantity(list: Readonly<Record<string, string>> | undefined, name: string): number {
  if (list === undefined) return 0;
  let parsed = parsedLists.get(list);
  if (parsed === undefined) parsedLists.set(list, (parsed = new Map()));
  let v = parsed.get(name);
  if (v === undefined) parsed.set(name, (v = parseResource(list, name)));
  return v;
}

const quantity = resourceQuantity;

/** The columns both the live cache and its snapshots have. */
class Columns {
  capacity = 0;
  rows = 0;
  present = new Uint8Array(0);
  generation = new Float64Array(0);
  allocCpu = new Float64Array(0);
  allocMemory = new Float64Array(0);
  allocEphemeral = new Float64Array(0);
  allocPods = new Int32Array(0);
  reqCpu = new Float64Array(0);
  reqMemory = new Float64Array(0);
  reqEphemeral = new Float64Array(0);
  podCount = new Int32Array(0);
  /** Non-zero requested (100m / 200Mi per container without a request), for scoring. */
  nonZeroCpu = new Float64Array(0);
  nonZeroMemory = new Float64Array(0);
  unschedulable = new Uint8Array(0);
  /** 1 where the node has taints (so taint checks skip untainted nodes without reaching their arrays). */
  tainted = new Uint8Array(0);
  gpuCount = new Int32Array(0);
  /** Milli-GPU in use per device: row * MAX_GPUS_PER_NODE + device. */
  gpuUsedMilli = new Int32Array(0);
  /** Extended resources by name: allocatable and requested per row. */
  readonly scalarAlloc = new Map<string, Float64Array>();
  readonly scalarReq = new Map<string, Float64Array>();

  names: (string | undefined)[] = [];
  nodes: (Node | undefined)[] = [];
  labels: Labels[] = [];
  taints: (readonly Taint[])[] = [];
  /** Pods assigned to the node (immutable arrays, replaced on change). */
  pods: (readonly PodInfo[])[] = [];
  /** Images on the node: normalised name → size in bytes. */
  images: ReadonlyMap<string, number>[] = [];
  gpuModel: string[] = [];

  protected grow(min: number): void {
    if (min <= this.capacity) return;
    // Small first: the autoscaler builds short-lived snapshots of a few nodes every scan.
    const cap = Math.max(min, this.capacity * 2, 8);
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array, width = 1) => {
      const b = new Int32Array(cap * width);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array) => {
      const b = new Uint8Array(cap);
      b.set(a);
      return b;
    };
    this.present = u8(this.present);
    this.generation = f64(this.generation);
    this.allocCpu = f64(this.allocCpu);
    this.allocMemory = f64(this.allocMemory);
    this.allocEphemeral = f64(this.allocEphemeral);
    this.allocPods = i32(this.allocPods);
    this.reqCpu = f64(this.reqCpu);
    this.reqMemory = f64(this.reqMemory);
    this.reqEphemeral = f64(this.reqEphemeral);
    this.podCount = i32(this.podCount);
    this.nonZeroCpu = f64(this.nonZeroCpu);
    this.nonZeroMemory = f64(this.nonZeroMemory);
    this.unschedulable = u8(this.unschedulable);
    this.tainted = u8(this.tainted);
    this.gpuCount = i32(this.gpuCount);
    this.gpuUsedMilli = i32(this.gpuUsedMilli, MAX_GPUS_PER_NODE);
    for (const [k, a] of this.scalarAlloc) this.scalarAlloc.set(k, f64(a));
    for (const [k, a] of this.scalarReq) this.scalarReq.set(k, f64(a));
    this.capacity = cap;
  }

  protected scalarColumn(map: Map<string, Float64Array>, name: string): Float64Array {
    let col = map.get(name);
    if (col === undefined) {
      col = new Float64Array(this.capacity);
      map.set(name, col);
    }
    return col;
  }

  /** Copies one row from `src` (columns of the same layout). */
  protected copyRow(src: Columns, r: number): void {
    this.present[r] = src.present[r]!;
    this.generation[r] = src.generation[r]!;
    this.allocCpu[r] = src.allocCpu[r]!;
    this.allocMemory[r] = src.allocMemory[r]!;
    this.allocEphemeral[r] = src.allocEphemeral[r]!;
    this.allocPods[r] = src.allocPods[r]!;
    this.reqCpu[r] = src.reqCpu[r]!;
    this.reqMemory[r] = src.reqMemory[r]!;
    this.reqEphemeral[r] = src.reqEphemeral[r]!;
    this.podCount[r] = src.podCount[r]!;
    this.nonZeroCpu[r] = src.nonZeroCpu[r]!;
    this.nonZeroMemory[r] = src.nonZeroMemory[r]!;
    this.unschedulable[r] = src.unschedulable[r]!;
    this.tainted[r] = src.tainted[r]!;
    this.gpuCount[r] = src.gpuCount[r]!;
    const g = r * MAX_GPUS_PER_NODE;
    // Element by element and no Map iteration when there are no extended resources: a row copy per changed
    // row per cycle should not allocate (a subarray is a new view object, a for-of an iterator).
    for (let d = 0; d < MAX_GPUS_PER_NODE; d++) this.gpuUsedMilli[g + d] = src.gpuUsedMilli[g + d]!;
    if (src.scalarAlloc.size > 0) for (const [k, a] of src.scalarAlloc) this.scalarColumn(this.scalarAlloc, k)[r] = a[r]!;
    if (src.scalarReq.size > 0) for (const [k, a] of src.scalarReq) this.scalarColumn(this.scalarReq, k)[r] = a[r]!;
    this.names[r] = src.names[r];
    this.nodes[r] = src.nodes[r];
    this.labels[r] = src.labels[r]!;
    this.taints[r] = src.taints[r]!;
    this.pods[r] = src.pods[r]!;
    this.images[r] = src.images[r]!;
    this.gpuModel[r] = src.gpuModel[r]!;
  }
}

/** The live cache: the scheduler's informers feed it; assumed pods count until their binding is seen. */
/**
 * Row generations come from one counter for every NodeCache of the process, so a generation names one
 * row content: memos keyed by it (RowScoreMemo) cannot mistake one cache's row for another's.
 */
let lastRowGeneration = 0;

/** A placed pod as the cache keeps it: also its index in its row's pods array, which it follows. */
interface Placement extends PlacedPod {
  info: PodInfo;
  at: number;
}

export class NodeCache extends Columns {
  private readonly rowOf = new Map<string, number>();
  private readonly freeRows: number[] = [];
  /** Assigned pods by key; pods whose node is not (yet) known wait in `orphans`. */
  private readonly placed = new Map<string, Placement>();
  private readonly orphans = new Map<string, PodInfo>();
  /** Bumped whenever the set of nodes (or a node's zone) changes, so snapshots rebuild their node order. */
  nodeSetGeneration = 0;
  /**
   * Each row's placements, in the order of its pods array: rows are edited in place (O(1) add and remove),
   * and a pod moved within its row finds its placement here rather than by key.
   */
  private readonly slots: Placement[][] = [];
  /**
   * Pods added to (+1) or removed from (-1) rows since the snapshot last looked, so it can update its
   * counters by these deltas instead of recounting whole rows. One snapshot consumes it.
   */
  private podChanges: { row: number; info: PodInfo; sign: 1 | -1 }[] = [];
  private podChangesOverflowed = false;
  private static readonly MAX_POD_CHANGES = 1 << 20;
  /**
   * Rows by recency of change, newest first: a doubly linked list through these columns (-1 ends it), so
   * a snapshot finds the rows changed since its last update without scanning every row (cache.go keeps its
   * nodeInfoList ordered by generation for the same reason: moveNodeInfoToHead).
   */
  private recentNext = new Int32Array(0);
  private recentPrev = new Int32Array(0);
  private recentHead = -1;

  protected override grow(min: number): void {
    const before = this.capacity;
    super.grow(min);
    if (this.capacity === before) return;
    const next = new Int32Array(this.capacity).fill(-2);
    next.set(this.recentNext);
    const prev = new Int32Array(this.capacity).fill(-2);
    prev.set(this.recentPrev);
    this.recentNext = next; // -2: not in the list yet
    this.recentPrev = prev;
  }

  /**
   * Appends to `out` every row changed after generation `since` (newest first) and returns how many: the
   * head of the recency list up to the first row that is not newer.
   */
  rowsChangedSince(since: number, out: number[]): number {
    let n = 0;
    for (let r = this.recentHead; r >= 0 && this.generation[r]! > since; r = this.recentNext[r]!) {
      out.push(r);
      n++;
    }
    return n;
  }

  /** Takes the pod changes recorded since the last call; undefined if too many piled up to keep. */
  drainPodChanges(): { row: number; info: PodInfo; sign: 1 | -1 }[] | undefined {
    const out = this.podChangesOverflowed ? undefined : this.podChanges;
    this.podChanges = [];
    this.podChangesOverflowed = false;
    return out;
  }

  private logPodChange(row: number, info: PodInfo, sign: 1 | -1): void {
    if (this.podChangesOverflowed) return;
    if (this.podChanges.length >= NodeCache.MAX_POD_CHANGES) {
      this.podChangesOverflowed = true;
      this.podChanges = [];
      return;
    }
    this.podChanges.push({ row, info, sign });
  }

  get generationNow(): number {
    return lastRowGeneration;
  }

  rowOfNode(name: string): number | undefined {
    return this.rowOf.get(name);
  }

  /** Every assigned pod the cache knows, keyed namespace/name. */
  placedPods(): ReadonlyMap<string, PlacedPod> {
    return this.placed;
  }

  private touch(r: number): void {
    this.generation[r] = ++lastRowGeneration;
    if (this.recentHead === r) return;
    const next = this.recentNext;
    const prev = this.recentPrev;
    if (next[r] !== -2) {
      // Unlink: r is in the list and not its head, so it has a predecessor.
      const p = prev[r]!;
      const n = next[r]!;
      next[p] = n;
      if (n >= 0) prev[n] = p;
    }
    next[r] = this.recentHead;
    prev[r] = -1;
    if (this.recentHead >= 0) prev[this.recentHead] = r;
    this.recentHead = r;
  }

  /** Adds or updates a node. */
  setNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    let r = this.rowOf.get(name);
    const isNew = r === undefined;
    if (r === undefined) {
      r = this.freeRows.pop() ?? this.rows++;
      this.grow(this.rows);
      this.rowOf.set(name, r);
      this.pods[r] = [];
      this.slots[r] = [];
      this.podCount[r] = 0;
      this.reqCpu[r] = 0;
      this.reqMemory[r] = 0;
      this.reqEphemeral[r] = 0;
      this.nonZeroCpu[r] = 0;
      this.nonZeroMemory[r] = 0;
      this.gpuUsedMilli.fill(0, r * MAX_GPUS_PER_NODE, (r + 1) * MAX_GPUS_PER_NODE);
      for (const col of this.scalarReq.values()) col[r] = 0;
    }
    const oldZone = isNew ? undefined : this.labels[r]?.[ZONE_LABEL];
    const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
    this.present[r] = 1;
    this.names[r] = name;
    this.nodes[r] = node;
    this.labels[r] = node.metadata?.labels ?? {};
    this.taints[r] = node.spec?.taints ?? [];
    this.tainted[r] = this.taints[r]!.length > 0 ? 1 : 0;
    this.unschedulable[r] = node.spec?.unschedulable === true ? 1 : 0;
    this.allocCpu[r] = quantity(alloc, 'cpu');
    this.allocMemory[r] = quantity(alloc, 'memory');
    this.allocEphemeral[r] = quantity(alloc, 'ephemeral-storage');
    this.allocPods[r] = quantity(alloc, 'pods');
    for (const col of this.scalarAlloc.values()) col[r] = 0;
    for (const name of Object.keys(alloc)) {
      if (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name === 'pods') continue;
      this.scalarColumn(this.scalarAlloc, name)[r] = quantity(alloc, name);
    }
    this.gpuCount[r] = Math.min(MAX_GPUS_PER_NODE, quantity(alloc, GPU_RESOURCE));
    this.gpuModel[r] = this.labels[r]![GPU_MODEL_LABEL] ?? '';
    const images = new Map<string, number>();
    for (const img of node.status?.images ?? []) for (const n of img.names ?? []) images.set(n, img.sizeBytes ?? 0);
    this.images[r] = images;
    this.touch(r);
    if (isNew || oldZone !== this.labels[r]![ZONE_LABEL]) this.nodeSetGeneration++;
    if (isNew) {
      for (const [key, info] of [...this.orphans]) {
        if (info.nodeName === name) {
          this.orphans.delete(key);
          this.addPod(info);
        }
      }
    }
  }

  removeNode(name: string): void {
    const r = this.rowOf.get(name);
    if (r === undefined) return;
    for (const p of this.pods[r]!) {
      this.placed.delete(p.key);
      this.orphans.set(p.key, p);
    }
    this.rowOf.delete(name);
    this.present[r] = 0;
    this.names[r] = undefined;
    this.nodes[r] = undefined;
    this.pods[r] = [];
    this.slots[r] = [];
    this.freeRows.push(r);
    this.touch(r);
    this.nodeSetGeneration++;
  }

  /** GPU devices a pod holds: from its annotation, or those given when it is assumed. */
  private devicesOf(info: PodInfo, given?: readonly number[]): readonly number[] {
    if (given !== undefined) return given.length === 0 ? NO_DEVICES : [...given];
    const text = info.pod.metadata?.annotations?.[GPU_DEVICES_ANNOTATION];
    if (text === undefined || text === '') return NO_DEVICES;
    return text.split(',').map((d) => Number(d.trim())).filter((d) => Number.isInteger(d) && d >= 0 && d < MAX_GPUS_PER_NODE);
  }

  /**
   * Takes a newer version of a placed pod (its bound object after the assumed one, a status update) in
   * place, when nothing the columns, the counters or a plugin reads can differ: the same spec but for
   * nodeName (which must name the same node), the same metadata but for resourceVersion (compared field by
   * field, by identity: versions the API server derives from one another share their fields), the same
   * start time, and no GPU devices held. The pod's PodInfo is then the old one with the new object, put in
   * its row where a remove and an add would leave it, and the row is marked changed as they would mark it;
   * but no columns are subtracted and added back, and no counter deltas are logged (they would cancel).
   * False, changing nothing, otherwise: the caller adds the pod anew (cache.go updatePod).
   */
  refresh(key: string, pod: Pod): boolean {
    const p = this.placed.get(key);
    // GPU devices given when the pod was assumed are read from the bound pod's annotation when it is added
    // anew; those pods take that path.
    if (p === undefined || p.devices.length > 0) return false;
    const before = p.info.pod;
    const nodeName = pod.spec.nodeName === '' ? undefined : pod.spec.nodeName;
    if (nodeName !== p.info.nodeName) return false;
    if (!sameFieldsBut(before.spec, pod.spec, 'nodeName') || !sameFieldsBut(before.metadata ?? {}, pod.metadata ?? {}, 'resourceVersion')) return false;
    if ((before.status?.startTime ?? before.metadata?.creationTimestamp) !== (pod.status?.startTime ?? pod.metadata?.creationTimestamp)) return false;
    const info: PodInfo = { ...p.info, pod };
    // Where removePod and addPod would leave it: the row's last pod takes its place, it goes last (so the
    // order of a row's pods, which breaks ties among preemption victims, is the same either way).
    const list = this.pods[p.row] as PodInfo[];
    const slots = this.slots[p.row]!;
    const last = list.length - 1;
    if (p.at !== last) {
      const moved = slots[last]!;
      list[p.at] = list[last]!;
      slots[p.at] = moved;
      moved.at = p.at;
      slots[last] = p;
      p.at = last;
    }
    list[last] = info;
    p.info = info;
    this.touch(p.row);
    return true;
  }

  /** Adds an assigned pod (bound, or assumed by the scheduler with its chosen GPU devices). */
  addPod(info: PodInfo, devices?: readonly number[]): void {
    if (info.nodeName === undefined) return;
    const had = this.placed.get(info.key);
    if (had !== undefined) this.unplace(info.key, had);
    else if (this.orphans.size > 0) this.orphans.delete(info.key);
    const r = this.rowOf.get(info.nodeName);
    if (r === undefined) {
      this.orphans.set(info.key, info);
      return;
    }
    const held = this.devicesOf(info, devices);
    this.account(r, info, held, 1);
    const list = this.pods[r] as PodInfo[];
    const placement: Placement = { info, row: r, devices: held, at: list.length };
    list.push(info);
    this.slots[r]!.push(placement);
    this.placed.set(info.key, placement);
    this.logPodChange(r, info, 1);
    this.touch(r);
  }

  removePod(key: string): PlacedPod | undefined {
    if (this.orphans.delete(key)) return undefined;
    const p = this.placed.get(key);
    if (p === undefined) return undefined;
    this.unplace(key, p);
    return p;
  }

  private unplace(key: string, p: Placement): void {
    this.placed.delete(key);
    this.account(p.row, p.info, p.devices, -1);
    // Swap-remove: the last pod of the row takes the removed one's place.
    const list = this.pods[p.row] as PodInfo[];
    const slots = this.slots[p.row]!;
    const last = list.pop()!;
    const lastSlot = slots.pop()!;
    if (p.at < list.length) {
      list[p.at] = last;
      slots[p.at] = lastSlot;
      lastSlot.at = p.at;
    }
    this.logPodChange(p.row, p.info, -1);
    this.touch(p.row);
  }

  placement(key: string): PlacedPod | undefined {
    return this.placed.get(key);
  }

  private account(r: number, info: PodInfo, devices: readonly number[], sign: 1 | -1): void {
    this.reqCpu[r]! += sign * info.cpu;
    this.reqMemory[r]! += sign * info.memory;
    this.reqEphemeral[r]! += sign * info.ephemeralStorage;
    this.nonZeroCpu[r]! += sign * info.nonZeroCpu;
    this.nonZeroMemory[r]! += sign * info.nonZeroMemory;
    this.podCount[r]! += sign;
    if (info.scalars.size > 0) for (const [name, amount] of info.scalars) this.scalarColumn(this.scalarReq, name)[r]! += sign * amount;
    const base = r * MAX_GPUS_PER_NODE;
    const perDevice = info.gpuMilli > 0 ? info.gpuMilli : 1000;
    for (const d of devices) this.gpuUsedMilli[base + d]! += sign * perDevice;
  }
}

/**
 * A consistent view of the cache for one scheduling cycle. `order` lists the present rows with zones
 * interleaved (node_tree.go: zone 1 node 1, zone 2 node 1, zone 1 node 2 ...); `numNodes` counts them.
 */
export class Snapshot extends Columns {
  /** Dry-run changes made so far: they change columns without a new row generation (see RowScoreMemo). */
  dryRuns = 0;
  /** How many nodes have taints, and how many are marked unschedulable (none: those filters pass all). */
  taintedRows = 0;
  unschedulableRows = 0;
  private lastGeneration = 0;
  private lastNodeSet = -1;
  order = new Int32Array(0);
  numNodes = 0;
  /** How many nodes hold each image (ImageLocality's spread factor). */
  readonly imageNodeCounts = new Map<string, number>();
  private readonly domainCols = new Map<string, { ids: Int32Array; names: string[]; byName: Map<string, number> }>();
  private readonly rowByName = new Map<string, number>();
  /** update()'s rows to recount, kept between calls. */
  private readonly recountScratch = new Set<number>();
  /** Per-row counts of pods matching a predicate, by the caller's key; see podCounts(). */
  private readonly counters = new Map<string, Counter>();
  /** Per-domain sums of counters (domainSums), by counter key and topology key; see aggregatesVersion. */
  private readonly domainAggregates = new Map<string, DomainAggregate>();
  /** Bumped when domains or whole rows were recounted: every DomainAggregate is rebuilt on its next use. */
  private aggregatesVersion = 0;
  /**
   * Bumped when a row's node labels or name change (a node came, went, was replaced or relabelled): what
   * depends on nothing else of a node, such as whether a node selector matches it, holds until it moves.
   */
  selectorVersion = 0;
  /** Bumped when a node comes, goes or changes its labels (the one-to-one topology answers depend on it). */
  private labelsVersion = 0;
  private readonly oneToOne = new Map<string, { version: number; answer: boolean }>();
  private cycle = 0;
  private readonly changedScratch: number[] = [];
  /** Counters unused for this many updates are dropped (they are rebuilt on demand). */
  static readonly COUNTER_IDLE_LIMIT = 1000;

  /** Brings the snapshot up to date with the cache, copying only rows changed since the last update. */
  update(cache: NodeCache): void {
    const labelsBefore = this.labelsVersion;
    const capacityBefore = this.capacity;
    this.grow(cache.capacity);
    this.rows = cache.rows;
    for (const [key, col] of this.domainCols) if (col.ids.length < this.capacity) this.buildDomains(key, col);
    this.cycle++;
    for (const [key, c] of this.counters) {
      if (this.cycle - c.used > Snapshot.COUNTER_IDLE_LIMIT) this.counters.delete(key);
      else if (c.perRow.length < this.capacity) {
        const grown = new Int32Array(this.capacity);
        grown.set(c.perRow);
        c.perRow = grown;
      }
    }
    const changed = this.changedScratch;
    changed.length = 0;
    // Ascending rows, as a full scan would visit them (new topology domains get their ids in that order).
    if (cache.rowsChangedSince(this.lastGeneration, changed) > 1) changed.sort((a, b) => a - b);
    const changes = cache.drainPodChanges();
    // Rows whose node came, went or was replaced are recounted; elsewhere counters follow the pod deltas.
    const recount = this.recountScratch;
    recount.clear();
    for (const r of changed) {
      const oldImages = this.present[r] ? this.images[r] : undefined;
      const oldName = this.present[r] ? this.names[r] : undefined;
      const oldLabels = this.present[r] ? this.labels[r] : undefined;
      if (this.present[r]) {
        this.taintedRows -= this.tainted[r]!;
        this.unschedulableRows -= this.unschedulable[r]!;
      }
      this.copyRow(cache, r);
      if (this.present[r]) {
        this.taintedRows += this.tainted[r]!;
        this.unschedulableRows += this.unschedulable[r]!;
      }
      const newLabels = this.present[r] ? this.labels[r] : undefined;
      const newName = this.present[r] ? this.names[r] : undefined;
      if (oldLabels !== newLabels) this.labelsVersion++;
      if (oldLabels !== newLabels || oldName !== newName) this.selectorVersion++;
      if (oldName !== newName || changes === undefined) recount.add(r);
      if (oldName !== newName) {
        if (oldName !== undefined && this.rowByName.get(oldName) === r) this.rowByName.delete(oldName);
        if (newName !== undefined) this.rowByName.set(newName, r);
      }
      const newImages = this.present[r] ? this.images[r] : undefined;
      if (oldImages !== newImages) {
        for (const img of oldImages?.keys() ?? []) this.imageNodeCounts.set(img, (this.imageNodeCounts.get(img) ?? 1) - 1);
        for (const img of newImages?.keys() ?? []) this.imageNodeCounts.set(img, (this.imageNodeCounts.get(img) ?? 0) + 1);
      }
      if (this.domainCols.size > 0) for (const [key, col] of this.domainCols) col.ids[r] = this.present[r] ? this.domainId(col, this.labels[r]![key]) : -1;
    }
    for (const r of recount) {
      for (const c of this.counters.values()) {
        const n = this.present[r] ? countMatching(this.pods[r]!, c.matches) : 0;
        c.total += n - c.perRow[r]!;
        c.perRow[r] = n;
      }
    }
    // Domains may have moved (labels, nodes) or rows been recounted: per-domain sums are rebuilt when next
    // asked. Otherwise they follow the same pod deltas as the per-row counts.
    if (this.labelsVersion !== labelsBefore || recount.size > 0 || this.capacity !== capacityBefore) this.aggregatesVersion++;
    if (changes !== undefined && this.counters.size > 0) {
      for (const { row, info, sign } of changes) {
        if (recount.has(row)) continue;
        for (const c of this.counters.values()) {
          if (!c.matches(info)) continue;
          c.perRow[row]! += sign;
          c.total += sign;
          for (const a of c.aggregates) addToDomain(a, row, sign);
        }
      }
    }
    this.lastGeneration = cache.generationNow;
    if (cache.nodeSetGeneration !== this.lastNodeSet) {
      this.rebuildOrder();
      this.lastNodeSet = cache.nodeSetGeneration;
    }
  }

  private rebuildOrder(): void {
    const zones = new Map<string, number[]>();
    for (let r = 0; r < this.rows; r++) {
      if (!this.present[r]) continue;
      const zone = this.labels[r]![ZONE_LABEL] ?? '';
      let list = zones.get(zone);
      if (list === undefined) zones.set(zone, (list = []));
      list.push(r);
    }
    const lists = [...zones.values()];
    let present = 0;
    for (const list of lists) present += list.length;
    const order = new Int32Array(present);
    let k = 0;
    for (let i = 0; k < present; i++) {
      for (const list of lists) if (i < list.length) order[k++] = list[i]!;
    }
    this.order = order;
    this.numNodes = present;
  }

  private domainId(col: { names: string[]; byName: Map<string, number> }, value: string | undefined): number {
    if (value === undefined) return -1;
    let id = col.byName.get(value);
    if (id === undefined) {
      id = col.names.length;
      col.names.push(value);
      col.byName.set(value, id);
    }
    return id;
  }

  /**
   * Per-row domain ids for a topology key (-1 where the node lacks the label), kept up to date by update().
   * Built on first use; call it in PreFilter/PreScore, never in the node loop.
   */
  domains(topologyKey: string): { readonly ids: Int32Array; readonly names: readonly string[] } {
    let col = this.domainCols.get(topologyKey);
    if (col === undefined) {
      col = { ids: new Int32Array(0), names: [], byName: new Map() };
      this.buildDomains(topologyKey, col);
      this.domainCols.set(topologyKey, col);
    }
    return col;
  }

  private buildDomains(key: string, col: { ids: Int32Array; names: string[]; byName: Map<string, number> }): void {
    col.ids = new Int32Array(this.capacity).fill(-1);
    for (let r = 0; r < this.rows; r++) if (this.present[r]) col.ids[r] = this.domainId(col, this.labels[r]![key]);
  }

  /**
   * How many of each node's pods match `matches`, per row. The first call for a `key` counts every pod once;
   * after that update() recounts only the rows that changed, so topology spread and inter-pod affinity
   * never scan all pods per cycle. The key must identify the predicate (e.g. namespace + selector text).
   */
  podCounts(key: string, matches: (p: PodInfo) => boolean): Int32Array {
    return this.counter(key, matches).perRow;
  }

  /** The sum of podCounts(key, matches) over the present nodes: how many matching pods are placed at all. */
  podCountTotal(key: string, matches: (p: PodInfo) => boolean): number {
    return this.counter(key, matches).total;
  }

  private counter(key: string, matches: (p: PodInfo) => boolean): Counter {
    let c = this.counters.get(key);
    if (c === undefined) {
      const perRow = new Int32Array(this.capacity);
      let total = 0;
      for (let r = 0; r < this.rows; r++) if (this.present[r]) total += perRow[r] = countMatching(this.pods[r]!, matches);
      c = { matches, perRow, total, used: this.cycle, aggregates: [] };
      this.counters.set(key, c);
    }
    c.used = this.cycle;
    return c;
  }

  /**
   * Per domain of `topologyKey`: how many present nodes it has, and the sum of podCounts(countKey, matches)
   * over them (zeros without a countKey). What PodTopologySpread's PreFilter adds up over every node, kept
   * between cycles: pod deltas (and dry runs) move the sums as they move the per-row counts, and a change
   * of domains or a recount rebuilds them on the next call. `total` is the sum of `sums`; `ids` is the
   * domain column they are indexed by (domains(topologyKey).ids). The arrays belong to the snapshot: copy
   * them, or read them only while the snapshot is unchanged (a dry run moves them).
   */
  domainSums(topologyKey: string, countKey: string | undefined, matches: (p: PodInfo) => boolean): { readonly ids: Int32Array; readonly nodes: Int32Array; readonly sums: Int32Array; readonly total: number } {
    const col = this.domains(topologyKey);
    const counter = countKey === undefined ? undefined : this.counter(countKey, matches);
    const key = `${countKey ?? ''}\u0000${topologyKey}`;
    const known = this.domainAggregates.get(key);
    if (known !== undefined && known.version === this.aggregatesVersion && known.counter === counter && known.ids === col.ids && known.sums.length === col.names.length) {
      return known;
    }
    const nodes = new Int32Array(col.names.length);
    const sums = new Int32Array(col.names.length);
    let total = 0;
    for (let k = 0; k < this.numNodes; k++) {
      const r = this.order[k]!;
      const d = col.ids[r]!;
      if (d < 0) continue;
      nodes[d]!++;
      if (counter !== undefined) {
        sums[d]! += counter.perRow[r]!;
        total += counter.perRow[r]!;
      }
    }
    const aggregate: DomainAggregate = { version: this.aggregatesVersion, counter, ids: col.ids, nodes, sums, total };
    this.domainAggregates.set(key, aggregate);
    if (counter !== undefined) {
      counter.aggregates = counter.aggregates.filter((a) => a !== known);
      counter.aggregates.push(aggregate);
    }
    return aggregate;
  }

  /**
   * Whether the topology key names one domain per node: every node has the label, no two share a value.
   * Then a domain's count is its node's count (hostname topologies). Rescanned only after nodes or their
   * labels changed.
   */
  domainsOneToOne(topologyKey: string): boolean {
    const known = this.oneToOne.get(topologyKey);
    if (known !== undefined && known.version === this.labelsVersion) return known.answer;
    const seen = new Set<string>();
    let answer = true;
    for (let k = 0; k < this.numNodes && answer; k++) {
      const value = this.labels[this.order[k]!]![topologyKey];
      if (value === undefined || seen.has(value)) answer = false;
      else seen.add(value);
    }
    this.oneToOne.set(topologyKey, { version: this.labelsVersion, answer });
    return answer;
  }

  /** Allocatable and requested columns for an extended resource (zeros if no node has it). */
  scalar(name: string): { readonly alloc: Float64Array; readonly req: Float64Array } {
    return { alloc: this.scalarColumn(this.scalarAlloc, name), req: this.scalarColumn(this.scalarReq, name) };
  }

  /**
   * Preemption's dry runs: take a pod off (or put it on) a row of this snapshot only, so filters can be
   * asked "would the preemptor fit without these victims?". Counters keyed by podCounts() are adjusted
   * too. Undo every change with the opposite call before the cycle ends.
   */
  dryRunRemovePod(info: PodInfo, row: number, devices: readonly number[]): void {
    this.dryRunAccount(info, row, devices, -1);
    this.pods[row] = this.pods[row]!.filter((p) => p.key !== info.key);
  }

  dryRunAddPod(info: PodInfo, row: number, devices: readonly number[]): void {
    this.dryRunAccount(info, row, devices, 1);
    this.pods[row] = [...this.pods[row]!, info];
  }

  private dryRunAccount(info: PodInfo, r: number, devices: readonly number[], sign: 1 | -1): void {
    this.dryRuns++;
    this.reqCpu[r]! += sign * info.cpu;
    this.reqMemory[r]! += sign * info.memory;
    this.reqEphemeral[r]! += sign * info.ephemeralStorage;
    this.nonZeroCpu[r]! += sign * info.nonZeroCpu;
    this.nonZeroMemory[r]! += sign * info.nonZeroMemory;
    this.podCount[r]! += sign;
    if (info.scalars.size > 0) for (const [name, amount] of info.scalars) this.scalarColumn(this.scalarReq, name)[r]! += sign * amount;
    const perDevice = info.gpuMilli > 0 ? info.gpuMilli : 1000;
    for (const d of devices) this.gpuUsedMilli[r * MAX_GPUS_PER_NODE + d]! += sign * perDevice;
    for (const c of this.counters.values()) {
      if (!c.matches(info)) continue;
      c.perRow[r]! += sign;
      c.total += sign;
      for (const a of c.aggregates) addToDomain(a, r, sign);
    }
  }

  /** The row of a node by name, or -1. */
  rowOf(name: string): number {
    return this.rowByName.get(name) ?? -1;
  }
}

/** Whether two objects have the same own keys with identical values, the key `but` aside (either may lack it). */
function sameFieldsBut(a: object, b: object, but: string): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k) || k === but) continue;
    keys++;
    if (x[k] !== y[k] || !Object.hasOwn(y, k)) return false;
  }
  for (const k in y) if (Object.hasOwn(y, k) && k !== but) keys--;
  return keys === 0;
}

function countMatching(pods: readonly PodInfo[], matches: (p: PodInfo) => boolean): number {
  let n = 0;
  for (const p of pods) if (matches(p)) n++;
  return n;
}
