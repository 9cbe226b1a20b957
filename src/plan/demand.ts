// What a workload asks of the cluster over time, for the capacity planner: one PodDemand per distinct pod
// shape that is created together (a pod, or a ReplicaSet/Deployment/Job's copies of its template), with
// the request the scheduler's NodeResourcesFit sees (podRequests: containers, init containers, sidecars,
// overhead), its required node affinity, and when it runs.
//
// Timing is the workload's own: a pod runs from its arrival for its duration (drydock.io/duration-seconds),
// or until the end of the planning horizon when it has none or is restarted forever (restartPolicy Always).
// The simulation adds pending time on top; the planner plans for the workload as submitted.
import type { PodSpec } from '../api/index.js';
import { compileRequiredNodeAffinity, type NodeMatcher } from '../api/nodeaffinity.js';
import { podRequests } from '../api/resources.js';
import type { Json } from '../apiserver/strategy.js';
import { UserInputError } from '../cli/errors.js';
import { GPU_RESOURCE } from '../cloud/nodepool.js';
import { DURATION_SECONDS_ANNOTATION, type WorkloadObject } from '../sim/types.js';
import { GPU_MILLI_RESOURCE } from '../workload/csv.js';

/** Pods of one shape that start together. */
export interface PodDemand {
  /** "namespace/name" of the pod, or of the controller whose template it is. */
  readonly name: string;
  /** "workload.csv:17". */
  readonly source: string;
  /** How many identical pods (replicas; a Job's parallelism). */
  readonly count: number;
  readonly startMs: number;
  /** Infinity: runs until the end of the horizon. */
  readonly endMs: number;
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  /** Whole GPUs plus shares (drydock.io/gpu-milli / 1000) — the GPU capacity the pod occupies. */
  readonly gpus: number;
  /** Whole GPUs the pod needs on one node (a share needs a node with at least one GPU). */
  readonly gpusOnNode: number;
  /** The pod's required node affinity and nodeSelector. */
  readonly matches: NodeMatcher;
}

function rec(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function durationMs(meta: Json, spec: Json): number | undefined {
  const restart = typeof spec['restartPolicy'] === 'string' ? spec['restartPolicy'] : 'Always';
  const seconds = rec(meta['annotations'])[DURATION_SECONDS_ANNOTATION];
  if (restart === 'Always' || seconds === undefined) return undefined;
  const s = Number(seconds);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

function demandOf(o: WorkloadObject, name: string, meta: Json, spec: Json, count: number, durationFactor = 1): PodDemand {
  let req: Record<string, number>;
  let matches: NodeMatcher;
  try {
    req = podRequests(spec as unknown as PodSpec, 'spec');
    matches = compileRequiredNodeAffinity(spec as unknown as PodSpec, 'spec');
  } catch (err) {
    throw new UserInputError(`${o.source}: ${name}: ${(err as Error).message}`);
  }
  const whole = req[GPU_RESOURCE] ?? 0;
  const milli = req[GPU_MILLI_RESOURCE] ?? 0;
  const d = durationMs(meta, spec);
  return {
    name,
    source: o.source,
    count,
    startMs: o.arrivalMs,
    endMs: d === undefined ? Infinity : o.arrivalMs + d * durationFactor,
    cpuMilli: req['cpu'] ?? 0,
    memoryBytes: req['memory'] ?? 0,
    gpus: whole + milli / 1000,
    gpusOnNode: Math.max(whole, milli > 0 ? 1 : 0),
    matches,
  };
}

/**
 * The pods a workload runs. Pods, ReplicaSets, Deployments and Jobs count; everything else (Services,
 * PriorityClasses, Namespaces...) asks for no node capacity. A Job runs min(parallelism, completions) pods
 * at a time for ceil(completions / parallelism) pod durations.
 */
export function workloadDemand(objects: readonly WorkloadObject[]): PodDemand[] {
  const out: PodDemand[] = [];
  for (const o of objects) {
    const obj = o.object;
    const kind = obj['kind'];
    const meta = rec(obj['metadata']);
    const ns = typeof meta['namespace'] === 'string' ? meta['namespace'] : 'default';
    const name = `${ns}/${String(meta['name'] ?? meta['generateName'] ?? '')}`;
    const spec = rec(obj['spec']);
    if (kind === 'Pod') {
      out.push(demandOf(o, name, meta, spec, 1));
    } else if (kind === 'ReplicaSet' || kind === 'Deployment' || kind === 'StatefulSet') {
      const replicas = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
      const template = rec(spec['template']);
      if (replicas > 0) out.push(demandOf(o, name, rec(template['metadata']), rec(template['spec']), replicas));
    } else if (kind === 'Job') {
      const parallelism = typeof spec['parallelism'] === 'number' ? spec['parallelism'] : 1;
      const completions = typeof spec['completions'] === 'number' ? spec['completions'] : parallelism;
      const template = rec(spec['template']);
      const running = Math.min(parallelism, completions);
      if (running > 0) out.push(demandOf(o, name, rec(template['metadata']), rec(template['spec']), running, Math.ceil(completions / running)));
    }
  }
  return out;
}
