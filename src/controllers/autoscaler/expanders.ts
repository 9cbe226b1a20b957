// Expanders: which node group to grow when several could take the pending pods (cluster-autoscaler/expander).
// Each expander is a filter that keeps the best options; a chain ("priority,least-waste") applies them in
// order and stops as soon as one option is left (expander/factory/chain.go); what ties remain are broken by
// the random expander with the injected RNG.
import { cpuMilli, memoryBytes, type Node, type Pod } from '../../api/index.js';
import type { Rng } from '../../util/rng.js';
import { GPU_RESOURCE } from '../../scheduler/podinfo.js';
import type { AutoscalerSettings, ExpanderName } from './settings.js';
import type { GroupState } from './types.js';

/** One way to help the pending pods (expander.Option): grow `group` by `nodeCount` for these pods. */
export interface ExpansionOption {
  readonly group: GroupState;
  readonly nodeCount: number;
  readonly pods: readonly Pod[];
}

export interface ExpanderContext {
  readonly settings: AutoscalerSettings;
  readonly rng: Rng;
  /** Registered nodes in the cluster (the price expander's preferred node size depends on it). */
  readonly clusterSize: number;
}

/** A filter keeps the best options, possibly several (expander.Filter). */
export type ExpanderFilter = (options: readonly ExpansionOption[], ctx: ExpanderContext) => ExpansionOption[];

function quantity(list: Readonly<Record<string, string>> | undefined, name: 'cpu' | 'memory'): number {
  const v = list?.[name];
  if (v === undefined) return 0;
  return name === 'cpu' ? cpuMilli(v) : memoryBytes(v);
}

/** Sum of the containers' cpu (milli) and memory (bytes) requests, as waste.go resourcesForPods reads them. */
export function containerRequests(pods: readonly Pod[]): { cpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  for (const p of pods) {
    for (const c of p.spec.containers ?? []) {
      cpu += quantity(c.resources?.requests, 'cpu');
      memory += quantity(c.resources?.requests, 'memory');
    }
  }
  return { cpu, memory };
}

/** The node's capacity (waste.go resourcesForNode reads Status.Capacity, not Allocatable). */
export function nodeCapacity(node: Node): { cpu: number; memory: number } {
  const cap = node.status?.capacity ?? node.status?.allocatable;
  return { cpu: quantity(cap, 'cpu'), memory: quantity(cap, 'memory') };
}

/** Keeps the options with the lowest score (exact ties kept). */
function keepLowest(options: readonly ExpansionOption[], score: (o: ExpansionOption) => number | undefined): ExpansionOption[] {
  let best = Infinity;
  let kept: ExpansionOption[] = [];
  for (const o of options) {
    const s = score(o);
    if (s === undefined || Number.isNaN(s)) continue;
    if (s < best) {
      best = s;
      kept = [o];
    } else if (s === best) kept.push(o);
  }
  return kept;
}

/**
 * least-waste (expander/waste/waste.go): wasted fraction of cpu plus wasted fraction of memory over the
 * NodeCount new nodes: (avail - requested)/avail for each, summed; lowest wins.
 */
export function wasteScore(o: ExpansionOption): number {
  const req = containerRequests(o.pods);
  const cap = nodeCapacity(o.group.template);
  const availCpu = cap.cpu * o.nodeCount;
  const availMem = cap.memory * o.nodeCount;
  return (availCpu - req.cpu) / availCpu + (availMem - req.memory) / availMem;
}

const leastWaste: ExpanderFilter = (options) => keepLowest(options, wasteScore);

/** most-pods (expander/mostpods): the options that schedule the most pods. */
const mostPods: ExpanderFilter = (options) => keepLowest(options, (o) => -o.pods.length);

/** least-nodes (expander/leastnodes): the options that need the fewest new nodes (0-node options ignored). */
const leastNodes: ExpanderFilter = (options) => keepLowest(options, (o) => (o.nodeCount === 0 ? undefined : o.nodeCount));

// ---- price (expander/price/price.go, preferred.go; design: proposals/pricing.md) ----------------------

const MIB = 1024 * 1024;
/**
 * Pod price basis. Upstream asks the cloud's PricingModel.PodPrice; drydock's cloud has no per-resource
 * prices, so a pod is priced at GCE's n1 on-demand rates per vCPU-hour and per GB-hour (the basis of
 * CA's GCE price model for custom machine types). Only ratios between options matter.
 */
export const POD_CPU_PRICE_PER_CORE_HOUR = 0.033174;
export const POD_MEMORY_PRICE_PER_GB_HOUR = 0.004446;
/** price.go priceStabilizationPod: 0.5 cpu, 500 MiB. */
const STABILIZATION_POD = { cpu: 500, memory: 500 * MIB };
/** price.go gpuUnfitnessOverride. */
const GPU_UNFITNESS = 1000;

export function podPrice(cpuMilli: number, memBytes: number): number {
  return (cpuMilli / 1000) * POD_CPU_PRICE_PER_CORE_HOUR + (memBytes / 1e9) * POD_MEMORY_PRICE_PER_GB_HOUR;
}

/** preferred.go SimplePreferredNodeProvider: the node size doubles each time the cluster grows 3x (cpu milli). */
export function preferredNodeCpu(clusterSize: number): number {
  if (clusterSize <= 2) return 1000;
  if (clusterSize <= 6) return 2000;
  if (clusterSize <= 20) return 4000;
  if (clusterSize <= 60) return 8000;
  if (clusterSize <= 200) return 16000;
  return 32000;
}

/** The price expander's score (lower is better), with its parts for explanations. */
export function priceScore(o: ExpansionOption, clusterSize: number): { priceSubScore: number; unfitness: number; suppressed: number; score: number } {
  const totalNodePrice = o.group.pricePerHour * o.nodeCount;
  let totalPodPrice = 0;
  for (const p of o.pods) {
    const r = containerRequests([p]);
    totalPodPrice += podPrice(r.cpu, r.memory);
  }
  const stabilization = podPrice(STABILIZATION_POD.cpu, STABILIZATION_POD.memory);
  const priceSubScore = (totalNodePrice + stabilization) / (totalPodPrice + stabilization);
  // SimpleNodeUnfitness: max(preferred/evaluated, evaluated/preferred) on cpu capacity.
  const preferred = preferredNodeCpu(clusterSize);
  const cpu = nodeCapacity(o.group.template).cpu;
  const unfitness = Math.max(preferred / cpu, cpu / preferred);
  let suppressed = (unfitness - 1) * (1 - Math.tanh((o.nodeCount - 1) / 15)) + 1;
  const gpus = o.group.template.status?.capacity?.[GPU_RESOURCE];
  if (gpus !== undefined && Number(gpus) > 0) suppressed = GPU_UNFITNESS;
  return { priceSubScore, unfitness, suppressed, score: suppressed * priceSubScore };
}

const price: ExpanderFilter = (options, ctx) => keepLowest(options, (o) => priceScore(o, ctx.clusterSize).score);

/**
 * priority (expander/priority/priority.go): each group gets the highest priority whose regex matches its
 * id; groups that match none are not used; if no group matches at all, every option stays.
 */
export function groupPriority(id: string, priorities: ReadonlyMap<number, readonly RegExp[]>): number | undefined {
  let best: number | undefined;
  for (const [prio, res] of priorities) {
    if ((best === undefined || prio > best) && res.some((re) => re.test(id))) best = prio;
  }
  return best;
}

const priority: ExpanderFilter = (options, ctx) => {
  const kept = keepLowest(options, (o) => {
    const p = groupPriority(o.group.id, ctx.settings.expanderPriorities);
    return p === undefined ? undefined : -p;
  });
  return kept.length === 0 ? [...options] : kept;
};

/** random (expander/random): one option, uniformly. */
const random: ExpanderFilter = (options, ctx) => (options.length === 0 ? [] : [options[ctx.rng.int(options.length)]!]);

export const EXPANDERS: Readonly<Record<ExpanderName, ExpanderFilter>> = {
  random,
  'most-pods': mostPods,
  'least-waste': leastWaste,
  'least-nodes': leastNodes,
  price,
  priority,
};

/** The chain: filters in order, stop at one option, random among what remains (chain.go). */
export function bestOption(options: readonly ExpansionOption[], ctx: ExpanderContext): ExpansionOption | undefined {
  let remaining: readonly ExpansionOption[] = options;
  for (const name of ctx.settings.expander) {
    remaining = EXPANDERS[name](remaining, ctx);
    if (remaining.length <= 1) return remaining[0];
  }
  return random(remaining, ctx)[0];
}
