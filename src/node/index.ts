// The simulated nodes' public surface: the kubelet and the container runtimes it runs pods with.
export {
  ANNOTATION_DURATION,
  ANNOTATION_FAIL,
  ANNOTATION_IMAGE_SIZE,
  ANNOTATION_STOP_SECONDS,
  CRASH_LOOP_INITIAL_BACKOFF_MS,
  CRASH_LOOP_MAX_BACKOFF_MS,
  DEFAULT_IMAGE_PULL_BANDWIDTH,
  DEFAULT_IMAGE_SIZE_BYTES,
  Kubelet,
  NODE_LEASE_DURATION_SECONDS,
  NODE_LEASE_NAMESPACE,
  NODE_LEASE_RENEW_INTERVAL_MS,
  NODE_STATUS_MAX_IMAGES,
  NODE_STATUS_REPORT_FREQUENCY_MS,
  createKubelet,
  goDuration,
  normalizedImageName,
  readinessDelayMs,
} from './kubelet.js';
export type { KubeletOptions, NodeRegistration } from './kubelet.js';
export {
  CONTAINERD,
  CRIO,
  DEFAULT_RUNTIME_HANDLER,
  DOCKER,
  GVISOR,
  KATA,
  REFUSED,
  RUNTIMES,
  VIRTLET,
  resolveRuntime,
} from './runtime.js';
export type { ContainerRuntime, Isolation, RuntimeRefusal, RuntimeResolution } from './runtime.js';
export { KubeProxy, ProxyFleet, computeProxyRules, iptablesSave, lookupRules } from './kubeproxy.js';
export type { KubeProxyConfig, ProxyRules, Rule } from './kubeproxy.js';
export { KubeletFleet } from './fleet.js';
export type { KubeletFleetOptions } from './fleet.js';
export { ANNOTATION_LIVENESS_FAIL_AFTER, MINIMUM_GRACE_PERIOD_SECONDS, firstCountedProbeMs, probeTiming } from './kubelet.js';
export type { ProbeTiming } from './kubelet.js';
