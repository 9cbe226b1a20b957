// Kubernetes-shaped object types with Kubernetes' own JSON field names, so manifests, kubectl output and
// client-library objects read and write unchanged. Only the fields drydock uses (or may soon use) are typed;
// a few deep structures stay loose (`Loose`) on purpose. Sources: k8s.io/api core/v1, apps/v1, batch/v1,
// coordination/v1, scheduling/v1, node/v1, policy/v1 types.go; k8s.io/apimachinery meta/v1 types.go.
//
// Objects in the store are immutable and shared by reference with every watcher, hence `readonly`
// throughout: change an object by building a new one.

/** A quantity as on the wire: "500m", "2Gi", "1.5". Parse it with parseQuantity (quantity.ts). */
export type QuantityString = string;
/** resource name → quantity, e.g. { cpu: "500m", memory: "1Gi", "nvidia.com/gpu": "1" } (core/v1 ResourceList). */
export type ResourceList = Readonly<Record<string, QuantityString>>;
/** RFC 3339 timestamp with second precision, "2024-05-01T12:00:00Z" (meta/v1 Time). */
export type Time = string;
/** RFC 3339 timestamp with microsecond precision, "2024-05-01T12:00:00.000000Z" (meta/v1 MicroTime). */
export type MicroTime = string;
/** Either an integer or a string such as "25%" (util/intstr IntOrString). */
export type IntOrString = number | string;
export type Labels = Readonly<Record<string, string>>;
export type ConditionStatus = 'True' | 'False' | 'Unknown';
/** A structure drydock does not interpret: only its name is typed. */
export type Loose = { readonly name: string; readonly [field: string]: unknown };

// ---------------------------------------------------------------------------------------------------------
// meta/v1

export interface TypeMeta {
  readonly apiVersion: string;
  readonly kind: string;
}

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  readonly name?: string;
  readonly generateName?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly labels?: Labels;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly creationTimestamp?: Time;
  readonly deletionTimestamp?: Time;
  readonly deletionGracePeriodSeconds?: number;
  readonly ownerReferences?: readonly OwnerReference[];
  readonly finalizers?: readonly string[];
}

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: LabelSelectorOperator;
  readonly values?: readonly string[];
}

/** meta/v1 LabelSelector. `{}` selects everything; an absent selector selects nothing (see labels.ts). */
export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** meta/v1 Condition, used by the newer APIs (policy/v1 PodDisruptionBudget). */
export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly observedGeneration?: number;
  readonly lastTransitionTime: Time;
  readonly reason: string;
  readonly message: string;
}

export interface ObjectReference {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly fieldPath?: string;
}

/** The part every object shares; `KubeObject` is the union of the concrete kinds below. */
export interface KubeObjectBase extends TypeMeta {
  readonly metadata: ObjectMeta;
}

// ---------------------------------------------------------------------------------------------------------
// core/v1: Namespace

export interface Namespace extends KubeObjectBase {
  readonly apiVersion: 'v1';
  readonly kind: 'Namespace';
  readonly spec?: { readonly finalizers?: readonly string[] };
  readonly status?: { readonly phase?: 'Active' | 'Terminating' };
}

// ---------------------------------------------------------------------------------------------------------
// core/v1: Node

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: TaintEffect;
  readonly timeAdded?: Time;
}

/** An empty or absent operator means Equal (core/v1 toleration.go). */
export type TolerationOperator = 'Equal' | 'Exists';

export interface Toleration {
  /** Empty or absent: every key (only meaningful with operator Exists). */
  readonly key?: string;
  readonly operator?: TolerationOperator | '';
  readonly value?: string;
  /** Empty or absent: every effect. */
  readonly effect?: TaintEffect | '';
  readonly tolerationSeconds?: number;
}

export interface NodeSpec {
  readonly podCIDR?: string;
  readonly podCIDRs?: readonly string[];
  readonly providerID?: string;
  readonly unschedulable?: boolean;
  readonly taints?: readonly Taint[];
}

export interface NodeCondition {
  /** Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable. */
  readonly type: string;
  readonly status: ConditionStatus;
  readonly lastHeartbeatTime?: Time;
  readonly lastTransitionTime?: Time;
  readonly reason?: string;
  readonly message?: string;
}

export interface NodeAddress {
  readonly type: 'Hostname' | 'InternalIP' | 'ExternalIP' | 'InternalDNS' | 'ExternalDNS';
  readonly address: string;
}

export interface ContainerImage {
  readonly names?: readonly string[];
  readonly sizeBytes?: number;
}

export interface NodeSystemInfo {
  readonly machineID?: string;
  readonly systemUUID?: string;
  readonly bootID?: string;
  readonly kernelVersion: string;
  readonly osImage: string;
  readonly containerRuntimeVersion: string;
  readonly kubeletVersion: string;
  readonly kubeProxyVersion?: string;
  readonly operatingSystem: string;
  readonly architecture: string;
}

export interface NodeStatus {
  readonly capacity?: ResourceList;
  readonly allocatable?: ResourceList;
  readonly conditions?: readonly NodeCondition[];
  readonly addresses?: readonly NodeAddress[];
  readonly images?: readonly ContainerImage[];
  readonly nodeInfo?: NodeSystemInfo;
}

export interface Node extends KubeObjectBase {
  readonly apiVersion: 'v1';
  readonly kind: 'Node';
  readonly spec?: NodeSpec;
  readonly status?: NodeStatus;
}

// ---------------------------------------------------------------------------------------------------------
// core/v1: Pod

export interface ResourceRequirements {
  readonly requests?: ResourceList;
  readonly limits?: ResourceList;
}

export interface ContainerPort {
  readonly containerPort: number;
  readonly hostPort?: number;
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  readonly hostIP?: string;
  readonly name?: string;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: Readonly<Record<string, unknown>>;
}

export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly ContainerPort[];
  readonly resources?: ResourceRequirements;
  /** Only on init containers: "Always" makes it a sidecar (KEP-753), which changes the pod's request. */
  readonly restartPolicy?: 'Always';
}

export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: NodeSelectorOperator;
  readonly values?: readonly string[];
}

/** matchExpressions (node labels) and matchFields (node fields) are ANDed; an empty term matches nothing. */
export interface NodeSelectorTerm {
  readonly matchExpressions?: readonly NodeSelectorRequirement[];
  readonly matchFields?: readonly NodeSelectorRequirement[];
}

/** Terms are ORed. */
export interface NodeSelector {
  readonly nodeSelectorTerms: readonly NodeSelectorTerm[];
}

export interface PreferredSchedulingTerm {
  /** 1-100. */
  readonly weight: number;
  readonly preference: NodeSelectorTerm;
}

export interface NodeAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly PreferredSchedulingTerm[];
}

export interface PodAffinityTerm {
  readonly labelSelector?: LabelSelector;
  readonly namespaces?: readonly string[];
  readonly topologyKey: string;
  readonly namespaceSelector?: LabelSelector;
  readonly matchLabelKeys?: readonly string[];
  readonly mismatchLabelKeys?: readonly string[];
}

export interface WeightedPodAffinityTerm {
  /** 1-100. */
  readonly weight: number;
  readonly podAffinityTerm: PodAffinityTerm;
}

export interface PodAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly PodAffinityTerm[];
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly WeightedPodAffinityTerm[];
}

export type PodAntiAffinity = PodAffinity;

export interface Affinity {
  readonly nodeAffinity?: NodeAffinity;
  readonly podAffinity?: PodAffinity;
  readonly podAntiAffinity?: PodAntiAffinity;
}

export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  readonly labelSelector?: LabelSelector;
  readonly minDomains?: number;
  readonly nodeAffinityPolicy?: 'Honor' | 'Ignore';
  readonly nodeTaintsPolicy?: 'Honor' | 'Ignore';
  readonly matchLabelKeys?: readonly string[];
}

export type PreemptionPolicy = 'PreemptLowerPriority' | 'Never';

export interface PodSpec {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  /** Added to the pod's request (RuntimeClass overhead, set by admission). */
  readonly overhead?: ResourceList;
  /** Pod-level resources (PodLevelResources feature): cpu/memory here override the containers' sum. */
  readonly resources?: ResourceRequirements;
  readonly nodeSelector?: Labels;
  readonly affinity?: Affinity;
  readonly tolerations?: readonly Toleration[];
  readonly topologySpreadConstraints?: readonly TopologySpreadConstraint[];
  readonly priority?: number;
  readonly priorityClassName?: string;
  readonly preemptionPolicy?: PreemptionPolicy;
  readonly runtimeClassName?: string;
  readonly schedulerName?: string;
  readonly nodeName?: string;
  readonly serviceAccountName?: string;
  readonly terminationGracePeriodSeconds?: number;
  readonly restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  readonly hostNetwork?: boolean;
  readonly schedulingGates?: readonly { readonly name: string }[];
  readonly volumes?: readonly Loose[];
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodCondition {
  /** PodScheduled, Initialized, ContainersReady, Ready, DisruptionTarget, … */
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: Time;
  readonly lastProbeTime?: Time;
}

export interface PodStatus {
  readonly phase?: PodPhase;
  readonly conditions?: readonly PodCondition[];
  readonly message?: string;
  readonly reason?: string;
  readonly nominatedNodeName?: string;
  readonly startTime?: Time;
  readonly hostIP?: string;
  readonly podIP?: string;
  readonly containerStatuses?: readonly Loose[];
  readonly qosClass?: 'Guaranteed' | 'Burstable' | 'BestEffort';
}

export interface Pod extends KubeObjectBase {
  readonly apiVersion: 'v1';
  readonly kind: 'Pod';
  readonly spec: PodSpec;
  readonly status?: PodStatus;
}

export interface PodTemplateSpec {
  readonly metadata?: ObjectMeta;
  readonly spec: PodSpec;
}

// ---------------------------------------------------------------------------------------------------------
// apps/v1, batch/v1

/** The condition shape of apps/v1 and batch/v1 status (older than meta/v1 Condition). */
export interface WorkloadCondition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly lastUpdateTime?: Time;
  readonly lastProbeTime?: Time;
  readonly lastTransitionTime?: Time;
  readonly reason?: string;
  readonly message?: string;
}

export interface ReplicaSet extends KubeObjectBase {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'ReplicaSet';
  readonly spec: {
    readonly replicas?: number;
    readonly minReadySeconds?: number;
    readonly selector: LabelSelector;
    readonly template?: PodTemplateSpec;
  };
  readonly status?: {
    readonly replicas: number;
    readonly fullyLabeledReplicas?: number;
    readonly readyReplicas?: number;
    readonly availableReplicas?: number;
    readonly observedGeneration?: number;
    readonly conditions?: readonly WorkloadCondition[];
  };
}

export interface Deployment extends KubeObjectBase {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'Deployment';
  readonly spec: {
    readonly replicas?: number;
    readonly selector: LabelSelector;
    readonly template: PodTemplateSpec;
    readonly strategy?: {
      readonly type?: 'Recreate' | 'RollingUpdate';
      readonly rollingUpdate?: { readonly maxUnavailable?: IntOrString; readonly maxSurge?: IntOrString };
    };
    readonly minReadySeconds?: number;
    readonly revisionHistoryLimit?: number;
    readonly paused?: boolean;
    readonly progressDeadlineSeconds?: number;
  };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly replicas?: number;
    readonly updatedReplicas?: number;
    readonly readyReplicas?: number;
    readonly availableReplicas?: number;
    readonly unavailableReplicas?: number;
    readonly conditions?: readonly WorkloadCondition[];
  };
}

export interface Job extends KubeObjectBase {
  readonly apiVersion: 'batch/v1';
  readonly kind: 'Job';
  readonly spec: {
    readonly parallelism?: number;
    readonly completions?: number;
    readonly activeDeadlineSeconds?: number;
    readonly backoffLimit?: number;
    readonly selector?: LabelSelector;
    readonly manualSelector?: boolean;
    readonly template: PodTemplateSpec;
    readonly ttlSecondsAfterFinished?: number;
    readonly completionMode?: 'NonIndexed' | 'Indexed';
    readonly suspend?: boolean;
  };
  readonly status?: {
    readonly conditions?: readonly WorkloadCondition[];
    readonly startTime?: Time;
    readonly completionTime?: Time;
    readonly active?: number;
    readonly succeeded?: number;
    readonly failed?: number;
    readonly ready?: number;
  };
}

// ---------------------------------------------------------------------------------------------------------
// core/v1: Service, Endpoints, ServiceAccount, Secret, ConfigMap, Event

export interface ServicePort {
  readonly name?: string;
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  readonly appProtocol?: string;
  readonly port: number;
  readonly targetPort?: IntOrString;
  readonly nodePort?: number;
}

export interface Service extends KubeObjectBase {
  readonly apiVersion: 'v1';
  readonly kind: 'Service';
  readonly spec?: {
    readonly type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
    readonly selector?: Labels;
    readonly ports?: readonly ServicePort[];
    readonly clusterIP?: string;
    readonly clusterIPs?: readonly string[];
    readonly externalIPs?: readonly string[];
    readonly externalName?: string;
    readonly sessionAffinity?: 'ClientIP' | 'None';
    readonly externalTrafficPolicy?: 'Cluster' | 'Local';
    readonly internalTrafficPolicy?: 'Cluster' | 'Local';
  };
  readonly status?: {
    readonly loadBalancer?: { readonly ingress?: readonly { readonly ip?: string; readonly hostname?: string }[] };
  };
}

export interface EndpointAddress {
  readonly ip: string;
  readonly hostname?: string;
  readonly nodeName?: string;
  readonly targetRef?: ObjectReference;
}

export interface EndpointPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  readonly appProtocol?: string;
}

export interface EndpointSubset {
  readonly addresses?: readonly EndpointAddress[];
  readonly notReadyAddresses?: readonly EndpointAddress[];
  readonly ports?: readonly EndpointPort[];
}

/** core/v1 Endpoints has no spec: subsets sit at the top level. */
export interface Endpoints extends KubeObjectBase {
  readonly apiVersion: 'v1';
  readonly kind: 'Endpoints';
  readonly subsets?: readonly EndpointSubset[];
}

export interface ServiceAccount extends KubeObjectBase {
  readonly apiVersion: 'v1';
  readonly kind: 'ServiceAccount';
  readonly secrets?: readonly ObjectReference[];
  readonly imagePullSecrets?: readonly { readonly name?: string }[];
  readonly automountServiceAccountToken?: boolean;
}

export interface Secret extends KubeObjectBase {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  /** Values are base64 on the wire. */
  readonly data?: Readonly<Record<string, string>>;
  readonly stringData?: Readonly<Record<string, string>>;
  /** e.g. "Opaque", "kubernetes.io/service-account-token". */
  readonly type?: string;
  readonly immutable?: boolean;
}

/** core/v1 ConfigMap: text under `data`, bytes (base64 on the wire) under `binaryData`; no spec. */
export interface ConfigMap extends KubeObjectBase {
  readonly apiVersion: 'v1';
  readonly kind: 'ConfigMap';
  readonly data?: Readonly<Record<string, string>>;
  readonly binaryData?: Readonly<Record<string, string>>;
  readonly immutable?: boolean;
}

/** core/v1 Event (the older events API that `kubectl get events` shows); fields at the top level. */
export interface Event extends KubeObjectBase {
  readonly apiVersion: 'v1';
  readonly kind: 'Event';
  readonly involvedObject: ObjectReference;
  readonly reason?: string;
  readonly message?: string;
  readonly type?: 'Normal' | 'Warning';
  readonly source?: { readonly component?: string; readonly host?: string };
  readonly count?: number;
  readonly firstTimestamp?: Time;
  readonly lastTimestamp?: Time;
  readonly eventTime?: MicroTime;
  readonly action?: string;
  readonly related?: ObjectReference;
  readonly reportingComponent?: string;
  readonly reportingInstance?: string;
}

// ---------------------------------------------------------------------------------------------------------
// coordination.k8s.io/v1, scheduling.k8s.io/v1, node.k8s.io/v1, policy/v1

export interface Lease extends KubeObjectBase {
  readonly apiVersion: 'coordination.k8s.io/v1';
  readonly kind: 'Lease';
  readonly spec?: {
    readonly holderIdentity?: string;
    readonly leaseDurationSeconds?: number;
    readonly acquireTime?: MicroTime;
    readonly renewTime?: MicroTime;
    readonly leaseTransitions?: number;
  };
}

/** Fields at the top level, as in scheduling/v1. */
export interface PriorityClass extends KubeObjectBase {
  readonly apiVersion: 'scheduling.k8s.io/v1';
  readonly kind: 'PriorityClass';
  readonly value: number;
  readonly globalDefault?: boolean;
  readonly description?: string;
  readonly preemptionPolicy?: PreemptionPolicy;
}

/** Fields at the top level, as in node/v1. */
export interface RuntimeClass extends KubeObjectBase {
  readonly apiVersion: 'node.k8s.io/v1';
  readonly kind: 'RuntimeClass';
  readonly handler: string;
  readonly overhead?: { readonly podFixed?: ResourceList };
  readonly scheduling?: { readonly nodeSelector?: Labels; readonly tolerations?: readonly Toleration[] };
}

export interface PodDisruptionBudget extends KubeObjectBase {
  readonly apiVersion: 'policy/v1';
  readonly kind: 'PodDisruptionBudget';
  readonly spec?: {
    readonly minAvailable?: IntOrString;
    readonly maxUnavailable?: IntOrString;
    readonly selector?: LabelSelector;
    readonly unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
  };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly disruptedPods?: Readonly<Record<string, Time>>;
    readonly disruptionsAllowed: number;
    readonly currentHealthy: number;
    readonly desiredHealthy: number;
    readonly expectedPods: number;
    readonly conditions?: readonly Condition[];
  };
}

// ---------------------------------------------------------------------------------------------------------
// drydock.io/v1: NodePool (drydock's own kind; the autoscaler and the simulated cloud act on it)

/** The machine each node of a pool gets, when not taken from the instance catalog by `instanceType`. */
export interface NodeShape {
  readonly cpu: QuantityString;
  readonly memory: QuantityString;
  /** Maximum pods per node (the node's "pods" capacity); a count, not a quantity string. */
  readonly pods?: number;
  readonly ephemeralStorage?: QuantityString;
  /** Number of GPUs per node (exposed as nvidia.com/gpu). */
  readonly gpu?: number;
  readonly gpuModel?: string;
}

export interface NodePoolSpec {
  /** Name in the instance catalog; either this or `shape`. */
  readonly instanceType?: string;
  readonly shape?: NodeShape;
  readonly pricePerHour?: number;
  readonly spotPricePerHour?: number;
  readonly spot?: boolean;
  /** Labels every node of the pool carries. */
  readonly labels?: Labels;
  readonly taints?: readonly Taint[];
  /** Values for topology.kubernetes.io/zone; nodes are spread over them. */
  readonly zones?: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
  readonly initialSize?: number;
  readonly provisioningDelaySeconds?: number;
  /** Subtracted from capacity to give allocatable. */
  readonly systemReserved?: ResourceList;
}

export interface NodePool extends KubeObjectBase {
  readonly apiVersion: 'drydock.io/v1';
  readonly kind: 'NodePool';
  readonly spec: NodePoolSpec;
  readonly status?: { readonly size: number; readonly readyNodes: number };
}

// ---------------------------------------------------------------------------------------------------------
// The kinds table

export type KubeObject =
  | Namespace
  | Node
  | Pod
  | ReplicaSet
  | Deployment
  | Job
  | Service
  | Endpoints
  | ServiceAccount
  | Secret
  | ConfigMap
  | Lease
  | Event
  | PriorityClass
  | RuntimeClass
  | PodDisruptionBudget
  | NodePool;

export type Kind = KubeObject['kind'];

/** The object of kind K, e.g. ObjectOfKind<'Pod'> = Pod. */
export type ObjectOfKind<K extends Kind> = Extract<KubeObject, { readonly kind: K }>;

/** What the API server needs to route and list a kind (as in its discovery document, APIResource). */
export interface KindInfo {
  readonly apiVersion: string;
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural, lowercase: the path segment in /api/v1/namespaces/{ns}/pods. */
  readonly resource: string;
  readonly singularName: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
}

function kind(apiVersion: string, resource: string, singularName: string, namespaced: boolean, shortNames: readonly string[]): KindInfo {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return Object.freeze({ apiVersion, group, version, resource, singularName, namespaced, shortNames: Object.freeze([...shortNames]) });
}

/** Resource names and short names as `kubectl api-resources` lists them. */
export const kinds: Readonly<Record<Kind, KindInfo>> = Object.freeze({
  Namespace: kind('v1', 'namespaces', 'namespace', false, ['ns']),
  Node: kind('v1', 'nodes', 'node', false, ['no']),
  Pod: kind('v1', 'pods', 'pod', true, ['po']),
  ReplicaSet: kind('apps/v1', 'replicasets', 'replicaset', true, ['rs']),
  Deployment: kind('apps/v1', 'deployments', 'deployment', true, ['deploy']),
  Job: kind('batch/v1', 'jobs', 'job', true, []),
  Service: kind('v1', 'services', 'service', true, ['svc']),
  Endpoints: kind('v1', 'endpoints', 'endpoints', true, ['ep']),
  ServiceAccount: kind('v1', 'serviceaccounts', 'serviceaccount', true, ['sa']),
  Secret: kind('v1', 'secrets', 'secret', true, []),
  ConfigMap: kind('v1', 'configmaps', 'configmap', true, ['cm']),
  Lease: kind('coordination.k8s.io/v1', 'leases', 'lease', true, []),
  Event: kind('v1', 'events', 'event', true, ['ev']),
  PriorityClass: kind('scheduling.k8s.io/v1', 'priorityclasses', 'priorityclass', false, ['pc']),
  RuntimeClass: kind('node.k8s.io/v1', 'runtimeclasses', 'runtimeclass', false, []),
  PodDisruptionBudget: kind('policy/v1', 'poddisruptionbudgets', 'poddisruptionbudget', true, ['pdb']),
  // Cluster-scoped, like the Nodes it owns (and like Karpenter's NodePool).
  NodePool: kind('drydock.io/v1', 'nodepools', 'nodepool', false, ['np']),
});

const kindNames = Object.keys(kinds) as Kind[];
const kindByName = new Map<string, Kind>();
for (const k of kindNames) {
  const info = kinds[k];
  for (const name of [k, info.resource, info.singularName, ...info.shortNames]) kindByName.set(name.toLowerCase(), k);
}

/** Resolves what a user may type after `kubectl get`: kind, plural, singular or short name, any case. */
export function lookupKind(name: string): Kind | undefined {
  return kindByName.get(name.toLowerCase());
}
