// The node-pool autoscaler's public surface (Cluster Autoscaler's semantics; see autoscaler.ts).
export { Autoscaler, AUTOSCALER_COMPONENT, decide, registerFailedScaleUp } from './autoscaler.js';
export type { AutoscalerOptions } from './autoscaler.js';
export { DEFAULT_AUTOSCALER_SETTINGS, EXPANDER_NAMES, formatGoDuration, parseGoDuration, resolveAutoscalerSettings } from './settings.js';
export type { AutoscalerSettings, ExpanderName } from './settings.js';
export { bestOption, EXPANDERS, groupPriority, priceScore, wasteScore } from './expanders.js';
export type { ExpanderContext, ExpansionOption } from './expanders.js';
export { estimate, quotaFor, reasonsMessage, BACKOFF_REASON, MAX_LIMIT_REACHED_REASON, MAX_TOTAL_NODES_REASON } from './scaleup.js';
export { nodeUtilization, podsToMove, PdbTracker, SCALE_DOWN_DISABLED_ANNOTATION, TO_BE_DELETED_TAINT } from './scaledown.js';
export type { BlockingPod, BlockingPodReason, UnremovableReason, Utilization } from './scaledown.js';
export { ClusterSimulator, defaultProfileFramework, SAFE_TO_EVICT_ANNOTATION, SAFE_TO_EVICT_LOCAL_VOLUMES_ANNOTATION } from './simulator.js';
export { buildStatus, formatStatusTime, LAST_UPDATED_ANNOTATION, statusConfigMap, statusYaml, STATUS_CONFIGMAP_NAME, STATUS_CONFIGMAP_NAMESPACE } from './status.js';
export { EMPTY_HISTORY, scaleUpInfoString, STATUS_CONFIGMAP } from './types.js';
export type {
  AutoscalerHistory,
  AutoscalerStatus,
  NodeCounts,
  NodeGroupStatus,
  BackoffInfo,
  Decision,
  DrainState,
  Eviction,
  GroupState,
  Observed,
  Refusal,
  ScaleDownDecision,
  ScaleUpDecision,
  ScaleUpRequest,
  TargetSizeFix,
} from './types.js';
