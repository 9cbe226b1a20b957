// The experiment's policies by name: the six published ones in the paper's order, then drydock's own.
import type { Rng } from '../util/rng.js';
import type { TargetWorkload } from './cluster.js';
import { drydockPolicy } from './own.js';
import { bestFitPolicy, dotProdPolicy, fgdPolicy, gpuClusteringPolicy, gpuPackingPolicy, randomPolicy, type GpuFragPolicy } from './policies.js';

export const POLICY_NAMES = ['Random', 'DotProd', 'GpuClustering', 'GpuPacking', 'BestFit', 'FGD', 'Drydock'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** The six policies of the paper (what `drydock gpu-frag` runs by default, with Drydock). */
export const PUBLISHED_POLICIES: readonly PolicyName[] = ['Random', 'DotProd', 'GpuClustering', 'GpuPacking', 'BestFit', 'FGD'];

export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}

/**
 * A policy by name, for one run. Random and Drydock draw from `rng` (the run's generator, after the workload and
 * the node order); Drydock samples its lookahead arrivals from `target`, the workload FGD targets.
 */
export function makePolicy(name: PolicyName, rng: Rng, target: TargetWorkload): GpuFragPolicy {
  switch (name) {
    case 'Random':
      return randomPolicy(rng);
    case 'DotProd':
      return dotProdPolicy;
    case 'GpuClustering':
      return gpuClusteringPolicy;
    case 'GpuPacking':
      return gpuPackingPolicy;
    case 'BestFit':
      return bestFitPolicy;
    case 'FGD':
      return fgdPolicy;
    case 'Drydock':
      return drydockPolicy(target, rng);
  }
}
