// The GPU fragmentation experiment of the ATC'23 FGD paper, reproduced on drydock's own fast engine.
export { ANY_MODEL, GPU_MILLI, GpuCluster, MAX_GPUS, fits, isSharing, nodeFragAmount, targetWorkload } from './cluster.js';
export type { NodeShape, PodRequest, TargetWorkload } from './cluster.js';
export { buildWorkload, modelMaskOf, nodeRanks, prepareTrace, runExperiment, schedulePod, typicalPods } from './experiment.js';
export type { PreparedTrace, RunOptions, RunResult } from './experiment.js';
export { bestFitDevice, bestFitPolicy, dotProdPolicy, fgdPolicy, fgdScoreOf, fgdShareChoice, gpuClusteringPolicy, gpuPackingPolicy, randomPolicy, sigmoid, wholeGpuDevices } from './policies.js';
export type { GpuFragPolicy } from './policies.js';
export { LOOKAHEAD_ARRIVALS, LOOKAHEAD_SEQUENCES, TerminalWaste, drydockPolicy } from './own.js';
export { POLICY_NAMES, PUBLISHED_POLICIES, isPolicyName, makePolicy } from './registry.js';
export type { PolicyName } from './registry.js';
export { readTraceNodes, readTracePods } from './trace.js';
export type { TraceNode, TracePod } from './trace.js';
export { DEFAULT_WORKER_URL, runJobs } from './pool.js';
