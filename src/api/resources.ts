// A pod's effective resource request, computed as the scheduler does: k8s.io/component-helpers/resource/
// helpers.go PodRequests (AggregateContainerRequests with the sidecar rules of KEP-753, pod-level
// resources, then overhead), turned into numbers as pkg/scheduler/framework Resource.Add does (cpu by
// MilliValue, everything else by Value). Quantities are summed exactly (bigint nano-units) and rounded up
// only at the end, as Kubernetes adds Quantities before calling MilliValue.
// Not modelled: in-place resize (status resources) and DRA node-allocatable claims.

import type { PodSpec, ResourceList } from './types.js';
import { milliValue, parseQuantity, value } from './quantity.js';

/**
 * A pod's request: cpu in millicores, memory and ephemeral-storage in bytes (always present, 0 if not
 * requested), and any other resource the pod names (e.g. "nvidia.com/gpu", "hugepages-2Mi") by its value.
 */
export interface PodResourceRequests {
  cpu: number;
  memory: number;
  'ephemeral-storage': number;
  [resource: string]: number;
}

/** The fields of a PodSpec that decide its request. */
export type PodResourceSpec = Pick<PodSpec, 'containers' | 'initContainers' | 'overhead' | 'resources'>;

// pkg/scheduler/util/pod_resources.go: "DefaultMilliCPURequest = 100 // 0.1 core" and
// "DefaultMemoryRequest = 200 * 1024 * 1024 // 200 MB". Scoring counts a container that requests no cpu
// (or no memory) as requesting these, so that best-effort pods do not all pile onto the emptiest node.
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const NANO_PER_MILLI = 1_000_000n;
const NANO_PER_UNIT = 1_000_000_000n;

type Totals = Map<string, bigint>;

function parseList(list: ResourceList | undefined, where: string): Totals {
  const out: Totals = new Map();
  if (list === undefined) return out;
  for (const [name, text] of Object.entries(list)) out.set(name, parseQuantity(text, `${where}[${name}]`).nano);
  return out;
}

function addInto(into: Totals, add: Totals): void {
  for (const [name, nano] of add) into.set(name, (into.get(name) ?? 0n) + nano);
}

function maxInto(into: Totals, other: Totals): void {
  for (const [name, nano] of other) {
    const current = into.get(name);
    if (current === undefined || nano > current) into.set(name, nano);
  }
}

/** helpers.go applyNonMissing: a resource the container does not name at all gets the default; an explicit 0 stays 0. */
function withDefaults(reqs: Totals, defaults: Totals | undefined): Totals {
  if (defaults === undefined) return reqs;
  const out = new Map(reqs);
  for (const [name, nano] of defaults) if (!reqs.has(name)) out.set(name, nano);
  return out;
}

/** Pod-level requests override only these (helpers.go IsSupportedPodLevelResource). */
function isPodLevelResource(name: string): boolean {
  return name === 'cpu' || name === 'memory' || name.startsWith('hugepages-');
}

function aggregate(spec: PodResourceSpec, defaults: Totals | undefined, path: string): Totals {
  const total: Totals = new Map();
  spec.containers.forEach((c, i) => {
    addInto(total, withDefaults(parseList(c.resources?.requests, `${path}.containers[${i}].resources.requests`), defaults));
  });

  // Init containers run one at a time before the regular ones, so the pod needs the largest of them —
  // except sidecars (restartPolicy: Always), which keep running: they add to the total, and every init
  // container that starts after a sidecar runs next to it (KEP-753, helpers.go aggregateContainerResourcesByFn).
  const sidecars: Totals = new Map();
  const initPeak: Totals = new Map();
  (spec.initContainers ?? []).forEach((c, i) => {
    const reqs = withDefaults(parseList(c.resources?.requests, `${path}.initContainers[${i}].resources.requests`), defaults);
    if (c.restartPolicy === 'Always') {
      addInto(total, reqs);
      addInto(sidecars, reqs);
      // Never above `total` for non-negative requests; kept so the steps mirror upstream's.
      maxInto(initPeak, sidecars);
    } else {
      const running = new Map(reqs);
      addInto(running, sidecars);
      maxInto(initPeak, running);
    }
  });
  maxInto(total, initPeak);

  // Pod-level resources (PodLevelResources feature) replace the containers' cpu/memory/hugepages when set.
  const podLevel = parseList(spec.resources?.requests, `${path}.resources.requests`);
  for (const [name, nano] of podLevel) if (isPodLevelResource(name)) total.set(name, nano);

  addInto(total, parseList(spec.overhead, `${path}.overhead`));
  return total;
}

function toNumbers(totals: Totals): PodResourceRequests {
  const out: PodResourceRequests = { cpu: 0, memory: 0, 'ephemeral-storage': 0 };
  for (const [name, nano] of totals) {
    out[name] = name === 'cpu' ? milliValue({ nano, format: 'DecimalSI' }) : value({ nano, format: 'DecimalSI' });
  }
  return out;
}

/**
 * The pod's request as the scheduler's filters see it (NodeResourcesFit): for each resource,
 * max(sum over containers and sidecars, peak of the init sequence) + overhead, per PodRequests.
 * Throws QuantityError naming the field (`spec.containers[0].resources.requests[cpu]`) for a bad quantity.
 */
export function podRequests(spec: PodResourceSpec, path = 'spec'): PodResourceRequests {
  return toNumbers(aggregate(spec, undefined, path));
}

const NON_ZERO_DEFAULTS: Totals = new Map([
  ['cpu', BigInt(DEFAULT_MILLI_CPU_REQUEST) * NANO_PER_MILLI],
  ['memory', BigInt(DEFAULT_MEMORY_REQUEST) * NANO_PER_UNIT],
]);

/**
 * The request used only for scoring (the NonZeroRequested of NodeInfo and the scorers' pod side): as
 * podRequests, but every container that names no cpu request counts DEFAULT_MILLI_CPU_REQUEST and every
 * one that names no memory request counts DEFAULT_MEMORY_REQUEST (PodResourcesOptions.NonMissingContainerRequests).
 */
export function podRequestsNonZero(spec: PodResourceSpec, path = 'spec'): PodResourceRequests {
  return toNumbers(aggregate(spec, NON_ZERO_DEFAULTS, path));
}
