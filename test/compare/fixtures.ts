// Small inputs for the compare tests: a hand-written workload of 17 pods over a few simulated minutes, three
// pool configurations that differ in node size, and hand-made summaries and metrics samples.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricsSample, SimulationSummary } from '../../src/sim/types.js';

const gpuPool = `---
apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: t4}
spec: {instanceType: g4dn.xlarge, zones: [us-east-1a], minSize: 0, maxSize: 2}
`;

/**
 * Pools files by name, differing in the general pool's machine: "small" m5.large (2 vCPU), "medium" m5.xlarge
 * (4 vCPU), "large" m5.2xlarge (8 vCPU); each also has a T4 pool for the GPU pod.
 */
export const POOLS: Readonly<Record<string, string>> = {
  small: `apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: general}
spec: {instanceType: m5.large, zones: [us-east-1a, us-east-1b], minSize: 1, initialSize: 1, maxSize: 20}
${gpuPool}`,
  medium: `apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: general}
spec: {instanceType: m5.xlarge, zones: [us-east-1a, us-east-1b], minSize: 1, initialSize: 2, maxSize: 10}
${gpuPool}`,
  large: `apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: general}
spec: {instanceType: m5.2xlarge, zones: [us-east-1a, us-east-1b], minSize: 1, initialSize: 1, maxSize: 5}
${gpuPool}`,
};

/**
 * 17 pods over 10 simulated minutes: a web ReplicaSet of 3 with hostname anti-affinity, 12 one-core batch pods,
 * one T4 pod, and one 6-core pod that only the m5.2xlarge of "large" can hold (m5.xlarge allocates 3920m), so
 * "small" and "medium" end with 1 pod never scheduled.
 */
export const WORKLOAD_CSV = [
  'name,cpu,memory,arrival,duration,replicas,gpu,gpu_model,anti_affinity,labels',
  'web,500m,1Gi,0,,3,,,kubernetes.io/hostname,app=web',
  ...Array.from({ length: 12 }, (_, i) => `batch-${String(i + 1).padStart(2, '0')},1,2Gi,${20 * i},${300 + 30 * i},,,,,app=batch`),
  't4-job,1,2Gi,30,300,,1,T4,,app=t4',
  'big,6,8Gi,60,300,,,,,app=big',
].join('\n') + '\n';

/** Writes w.csv and small.yaml, medium.yaml, large.yaml into `dir`; returns their paths. */
export function writeFixtures(dir: string): { workload: string; pools: Record<string, string> } {
  const workload = join(dir, 'w.csv');
  writeFileSync(workload, WORKLOAD_CSV);
  const pools: Record<string, string> = {};
  for (const [name, text] of Object.entries(POOLS)) {
    pools[name] = join(dir, `${name}.yaml`);
    writeFileSync(pools[name], text);
  }
  return { workload, pools };
}

/** A summary with the numbers a test cares about and zeros elsewhere. */
export function makeSummary(x: { cost: number; p95?: number; p99: number; unschedulable?: number; nodeHours?: number }): SimulationSummary {
  return {
    pods: { total: 10, scheduled: 10 - (x.unschedulable ?? 0), unschedulable: x.unschedulable ?? 0, succeeded: 10 - (x.unschedulable ?? 0), failed: 0, evicted: 0, preempted: 0 },
    pendingSeconds: { p50: 0, p95: x.p95 ?? x.p99, p99: x.p99, max: x.p99 },
    startupSeconds: { p50: 1, p95: 2, p99: 3 },
    nodeHours: { total: x.nodeHours ?? 10, byPool: { general: x.nodeHours ?? 10 } },
    cost: { total: x.cost, byPool: { general: x.cost }, currency: 'USD' },
    utilization: { cpu: 0.5, memory: 0.25, gpu: 0 },
    gpuAllocationRatio: 0,
    autoscaler: { scaleUps: 2, scaleDowns: 1, nodesAdded: 3, nodesRemoved: 1 },
    simulatedSeconds: 3600,
    wallSeconds: 0.5,
    seed: 1,
    inputs: [{ file: 'w.csv', sha256: 'ab'.repeat(32) }],
  };
}

/** One metrics sample of `pool` at `t` with `nodes` nodes, each 2 cores / 8 GB allocatable, half requested. */
export function sample(t: number, pool: string, nodes: number, pendingPods = 0): MetricsSample {
  return { t, pool, nodes, cpuRequested: nodes, cpuAllocatable: 2 * nodes, memoryRequested: 4e9 * nodes, memoryAllocatable: 8e9 * nodes, gpuRequested: 0, gpuAllocatable: 0, pendingPods };
}
