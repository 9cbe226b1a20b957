// Resource monitoring: the metrics.k8s.io API (metrics-server, for `kubectl top`), the simulated usage it
// reports, and the requested/allocatable gauges of kube-state-metrics and kube-scheduler. The components'
// own Prometheus metrics live with them: src/apiserver/metrics.ts, src/scheduler/metrics.ts,
// src/controllers/autoscaler/metrics.ts.
import type { Registry } from 'prom-client';

export { MetricsServer, METRICS_GROUP, METRICS_VERSION, resourceUsage } from './metricsserver.js';
export type { MetricsList, MetricsServerOptions, NodeMetrics, PodMetrics, ResourceUsage } from './metricsserver.js';
export { registerResourceMetrics } from './resources.js';
export {
  containerUsage,
  CPU_FRACTION,
  DEFAULT_METRIC_RESOLUTION_MS,
  MEMORY_FRACTION,
  podUsage,
  scrapeAt,
  sumUsage,
  SYSTEM_SHARE,
  systemUsage,
  unitHash,
} from './usage.js';
export type { ContainerUsage, Usage, UsageModelOptions } from './usage.js';

/** A registry's text exposition and its content type, for GET /metrics. */
export async function exposition(registry: Registry): Promise<{ contentType: string; text: string }> {
  return { contentType: registry.contentType, text: await registry.metrics() };
}
