// One row of a run's --metrics, on its own without imports: the report's charts and the live dashboard's
// page (which runs them in the browser) read it.

/**
 * One sample of --metrics: per pool at one instant ("" = nodes outside any pool). cpu in cores, memory in
 * bytes, GPUs in devices (fractions for shared GPUs).
 */
export interface MetricsSample {
  /** Simulated seconds (in the live dashboard: seconds since it started). */
  readonly t: number;
  readonly pool: string;
  readonly nodes: number;
  readonly cpuRequested: number;
  readonly cpuAllocatable: number;
  readonly memoryRequested: number;
  readonly memoryAllocatable: number;
  readonly gpuRequested: number;
  readonly gpuAllocatable: number;
  /** Cluster-wide pending pods (the same in every pool's row of one instant). */
  readonly pendingPods: number;
}
