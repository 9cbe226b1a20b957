// The public surface of src/cloud: the instance catalog, node pools, the simulated cloud and its
// cloud-controller-manager. Import from here, not from the files behind it.

export type { CloudInstance, CloudProvider, InstanceState, InstanceType, NodeGroup } from './provider.js';

export type { Catalog, CatalogEntry } from './catalog.js';
export { CATALOG_COLUMNS, defaultCatalogPath, loadCatalog, parseCatalog } from './catalog.js';

export type {
  ClusterAutoscalerSettings,
  Expander,
  NodePoolsFile,
  NodeTemplateOptions,
  Reservation,
  ResolveContext,
  ResolvedNodePool,
  Shape,
  SingleNodeOptions,
} from './nodepool.js';
export {
  ANNOTATION_FAILURE_RATE,
  ANNOTATION_INTERRUPTION_RATE,
  DEFAULT_AUTOSCALER_SETTINGS,
  DEFAULT_MAX_PODS,
  DEFAULT_PROVISIONING_DELAY_SECONDS,
  EVICTION_HARD_MEMORY_BYTES,
  EXPANDERS,
  GPU_RESOURCE,
  LABEL_ARCH,
  LABEL_CAPACITY_TYPE,
  LABEL_GPU_MODEL,
  LABEL_HOSTNAME,
  LABEL_INSTANCE_TYPE,
  LABEL_NODEPOOL,
  LABEL_OS,
  LABEL_REGION,
  LABEL_ZONE,
  TAINT_UNINITIALIZED,
  eksReservation,
  eksReservedCpuMilli,
  eksReservedMemoryMi,
  formatBytes,
  formatCpu,
  loadNodePools,
  nodeTemplate,
  parseGoDuration,
  parseNodePools,
  regionOfZone,
  resolveNodePool,
  singleNode,
} from './nodepool.js';

export type { CloudHooks, InstanceErrorInfo, PoolCost, SimCloudOptions, SimInstance, TerminationReason, Volume } from './simcloud.js';
export {
  DEFAULT_EXTERNAL_IP_RANGE,
  DEFAULT_LOAD_BALANCER_DELAY_MS,
  LoadBalancers,
  MINIMUM_BILLED_MS,
  PROVIDER_ID_PREFIX,
  SPOT_INTERRUPTION_NOTICE_MS,
  SimCloud,
  SimNodeGroup,
  Volumes,
  formatIPv4,
  parseCidr,
} from './simcloud.js';

export type { CloudControllerManager, CloudControllerManagerOptions } from './ccm.js';
export {
  CloudNodeLifecycleReconciler,
  CloudNodeReconciler,
  DEFAULT_CLUSTER_CIDR,
  DEFAULT_NODE_CIDR_MASK_SIZE,
  DEFAULT_NODE_MONITOR_PERIOD_MS,
  LABEL_EXCLUDE_FROM_LIFECYCLE,
  LOAD_BALANCER_CLEANUP_FINALIZER,
  RouteReconciler,
  ServiceLoadBalancerReconciler,
  VolumeLabelReconciler,
  createCloudControllerManager,
} from './ccm.js';
