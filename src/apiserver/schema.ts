// Structural schemas of every kind drydock serves, with the real Kubernetes v1.32 field set (not only the fields
// src/api/types.ts declares), so the API server can implement fieldValidation=Strict|Warn|Ignore as
// kube-apiserver does, prune unknown fields, report wrongly typed fields, and publish OpenAPI v3 schemas.
//
// Sources: k8s.io/api core/v1, apps/v1, batch/v1, policy/v1, scheduling/v1, node/v1, coordination/v1 types.go;
// k8s.io/apimachinery pkg/apis/meta/v1 types.go. NodePool (drydock.io/v1) is drydock's own kind and follows
// src/api/types.ts exactly; it is validated like a CustomResource.
//
// How kube-apiserver reports unknown fields (sigs.k8s.io/json internal/golang/encoding/json kubernetes_patch.go
// and decode.go; k8s.io/apimachinery pkg/runtime/error.go; k8s.io/apiserver pkg/endpoints/handlers/create.go,
// update.go, patch.go, rest.go):
// - the strict decoder records `unknown field "<path>"` (Go strconv.Quote), where <path> joins object keys and
//   map keys with "." and writes array indexes as "[i]": `spec.containers[0].imagee`. It keeps at most 100,
//   in document order, and does not descend into an unknown field's value;
// - create/update (Strict) answer 400 BadRequest with
//   `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "a", unknown field "b"`
//   (transformDecodeError wraps runtime.NewStrictDecodingError); see cannotBeHandledMessage below;
// - json/merge/strategic-merge patches (Strict) answer 422 Invalid with the same "strict decoding error: ..."
//   text as a field.Invalid on the path "patch";
// - Warn adds one warning per unknown field, its text `unknown field "<path>"` (a `299 - "..."` Warning header);
// - Ignore decodes leniently: unknown fields are dropped silently (pruneUnknownFields).
// A wrongly typed field fails decoding before strict errors are looked at: only the first type error is
// reported (typeErrors returns all of them, first one first).
//
// Subtrees accepted as "any object" (object type checked, fields not): the volume sources other than hostPath,
// emptyDir, secret, configMap, persistentVolumeClaim, downwardAPI, projected, csi and image (the cloud/legacy
// ones: gcePersistentDisk, awsElasticBlockStore, gitRepo, nfs, iscsi, glusterfs, rbd, flexVolume, cinder, cephfs,
// flocker, fc, azureFile, vsphereVolume, quobyte, azureDisk, photonPersistentDisk, portworxVolume, scaleIO,
// storageos) and `ephemeral`; Node spec.configSource and status.config (deprecated dynamic kubelet config).
// managedFields[].fieldsV1 accepts any JSON value, as FieldsV1 does.
//
// Known differences from the Go decoder, all because we see the parsed JSON, not its text: duplicate keys are
// already merged (kube reports `duplicate field "x"`); integer-like keys ("0") enumerate first in a JS object;
// a number written 3.0 or 1e3 is accepted as an integer; "number 1e+21"-style literals print as JS prints them.
// Named string types (enums such as v1.RestartPolicy) print as "string" in type errors; time and base64 strings
// are not parsed.

import { kinds, tryParseQuantity } from '../api/index.js';
import type { Kind } from '../api/index.js';

// ---------------------------------------------------------------------------------------------------------
// The schema type

export interface ObjectSchema {
  readonly type: 'object';
  /** The Go type, as reflect prints it in decode errors: "v1.Container". */
  readonly go: string;
  readonly properties: Readonly<Record<string, Schema>>;
  /** "Any object": the object type is checked, its fields are not (x-kubernetes-preserve-unknown-fields). */
  readonly preserveUnknownFields?: true;
}

/** An object with arbitrary keys: labels, annotations, nodeSelector, resource lists. */
export interface MapSchema {
  readonly type: 'map';
  readonly values: Schema;
  /** A named map type such as "v1.ResourceList"; absent: map[string]<values>. */
  readonly go?: string;
}

export interface ArraySchema {
  readonly type: 'array';
  readonly items: Schema;
}

export interface IntegerSchema {
  readonly type: 'integer';
  readonly format: 'int32' | 'int64';
}

export interface ScalarSchema {
  /**
   * - number: float64;
   * - quantity: resource.Quantity ("500m", or a JSON number);
   * - int-or-string: intstr.IntOrString (an int32 or a string such as "25%");
   * - time / micro-time: metav1.Time / MicroTime (RFC 3339 strings);
   * - bytes: []byte, a base64 string (Secret data, ConfigMap binaryData);
   * - any: any JSON value.
   */
  readonly type: 'string' | 'boolean' | 'number' | 'quantity' | 'int-or-string' | 'time' | 'micro-time' | 'bytes' | 'any';
}

export type Schema = ObjectSchema | MapSchema | ArraySchema | IntegerSchema | ScalarSchema;

// ---------------------------------------------------------------------------------------------------------
// Builders

const str: ScalarSchema = { type: 'string' };
const bool: ScalarSchema = { type: 'boolean' };
const num: ScalarSchema = { type: 'number' };
const i32: IntegerSchema = { type: 'integer', format: 'int32' };
const i64: IntegerSchema = { type: 'integer', format: 'int64' };
const qty: ScalarSchema = { type: 'quantity' };
const ios: ScalarSchema = { type: 'int-or-string' };
const time: ScalarSchema = { type: 'time' };
const microTime: ScalarSchema = { type: 'micro-time' };
const bytes: ScalarSchema = { type: 'bytes' };
const anyValue: ScalarSchema = { type: 'any' };

function obj(go: string, properties: Record<string, Schema>): ObjectSchema {
  return { type: 'object', go, properties };
}

/** An "any object" subtree (see the header for the list). */
function anyObj(go: string): ObjectSchema {
  return { type: 'object', go, properties: {}, preserveUnknownFields: true };
}

function arr(items: Schema): ArraySchema {
  return { type: 'array', items };
}

function map(values: Schema, go?: string): MapSchema {
  return go === undefined ? { type: 'map', values } : { type: 'map', values, go };
}

const strs = arr(str);
const strMap = map(str);
const resourceList = map(qty, 'v1.ResourceList');

// ---------------------------------------------------------------------------------------------------------
// meta/v1

const ownerReference = obj('v1.OwnerReference', {
  apiVersion: str,
  kind: str,
  name: str,
  uid: str,
  controller: bool,
  blockOwnerDeletion: bool,
});

const managedFieldsEntry = obj('v1.ManagedFieldsEntry', {
  manager: str,
  operation: str,
  apiVersion: str,
  time,
  fieldsType: str,
  fieldsV1: anyValue,
  subresource: str,
});

const objectMeta = obj('v1.ObjectMeta', {
  name: str,
  generateName: str,
  namespace: str,
  selfLink: str,
  uid: str,
  resourceVersion: str,
  generation: i64,
  creationTimestamp: time,
  deletionTimestamp: time,
  deletionGracePeriodSeconds: i64,
  labels: strMap,
  annotations: strMap,
  ownerReferences: arr(ownerReference),
  finalizers: strs,
  managedFields: arr(managedFieldsEntry),
});

const labelSelector = obj('v1.LabelSelector', {
  matchLabels: strMap,
  matchExpressions: arr(obj('v1.LabelSelectorRequirement', { key: str, operator: str, values: strs })),
});

const condition = obj('v1.Condition', {
  type: str,
  status: str,
  observedGeneration: i64,
  lastTransitionTime: time,
  reason: str,
  message: str,
});

// ---------------------------------------------------------------------------------------------------------
// core/v1: shared pieces

const objectReference = obj('v1.ObjectReference', {
  kind: str,
  namespace: str,
  name: str,
  uid: str,
  apiVersion: str,
  resourceVersion: str,
  fieldPath: str,
});

const localObjectReference = obj('v1.LocalObjectReference', { name: str });

const resourceRequirements = obj('v1.ResourceRequirements', {
  limits: resourceList,
  requests: resourceList,
  claims: arr(obj('v1.ResourceClaim', { name: str, request: str })),
});

const toleration = obj('v1.Toleration', { key: str, operator: str, value: str, effect: str, tolerationSeconds: i64 });

const taint = obj('v1.Taint', { key: str, value: str, effect: str, timeAdded: time });

const objectFieldSelector = obj('v1.ObjectFieldSelector', { apiVersion: str, fieldPath: str });

const resourceFieldSelector = obj('v1.ResourceFieldSelector', { containerName: str, resource: str, divisor: qty });

const keyToPath = obj('v1.KeyToPath', { key: str, path: str, mode: i32 });

// ---------------------------------------------------------------------------------------------------------
// core/v1: Container

const envVar = obj('v1.EnvVar', {
  name: str,
  value: str,
  valueFrom: obj('v1.EnvVarSource', {
    fieldRef: objectFieldSelector,
    resourceFieldRef: resourceFieldSelector,
    configMapKeyRef: obj('v1.ConfigMapKeySelector', { name: str, key: str, optional: bool }),
    secretKeyRef: obj('v1.SecretKeySelector', { name: str, key: str, optional: bool }),
  }),
});

const envFromSource = obj('v1.EnvFromSource', {
  prefix: str,
  configMapRef: obj('v1.ConfigMapEnvSource', { name: str, optional: bool }),
  secretRef: obj('v1.SecretEnvSource', { name: str, optional: bool }),
});

const execAction = obj('v1.ExecAction', { command: strs });

const httpGetAction = obj('v1.HTTPGetAction', {
  path: str,
  port: ios,
  host: str,
  scheme: str,
  httpHeaders: arr(obj('v1.HTTPHeader', { name: str, value: str })),
});

const tcpSocketAction = obj('v1.TCPSocketAction', { port: ios, host: str });

// ProbeHandler is inlined into Probe.
const probe = obj('v1.Probe', {
  exec: execAction,
  httpGet: httpGetAction,
  tcpSocket: tcpSocketAction,
  grpc: obj('v1.GRPCAction', { port: i32, service: str }),
  initialDelaySeconds: i32,
  timeoutSeconds: i32,
  periodSeconds: i32,
  successThreshold: i32,
  failureThreshold: i32,
  terminationGracePeriodSeconds: i64,
});

const lifecycleHandler = obj('v1.LifecycleHandler', {
  exec: execAction,
  httpGet: httpGetAction,
  tcpSocket: tcpSocketAction,
  sleep: obj('v1.SleepAction', { seconds: i64 }),
});

const seLinuxOptions = obj('v1.SELinuxOptions', { user: str, role: str, type: str, level: str });

const windowsOptions = obj('v1.WindowsSecurityContextOptions', {
  gmsaCredentialSpecName: str,
  gmsaCredentialSpec: str,
  runAsUserName: str,
  hostProcess: bool,
});

const seccompProfile = obj('v1.SeccompProfile', { type: str, localhostProfile: str });

const appArmorProfile = obj('v1.AppArmorProfile', { type: str, localhostProfile: str });

const securityContext = obj('v1.SecurityContext', {
  capabilities: obj('v1.Capabilities', { add: strs, drop: strs }),
  privileged: bool,
  seLinuxOptions,
  windowsOptions,
  runAsUser: i64,
  runAsGroup: i64,
  runAsNonRoot: bool,
  readOnlyRootFilesystem: bool,
  allowPrivilegeEscalation: bool,
  procMount: str,
  seccompProfile,
  appArmorProfile,
});

const containerFields: Record<string, Schema> = {
  name: str,
  image: str,
  command: strs,
  args: strs,
  workingDir: str,
  ports: arr(obj('v1.ContainerPort', { name: str, hostPort: i32, containerPort: i32, protocol: str, hostIP: str })),
  envFrom: arr(envFromSource),
  env: arr(envVar),
  resources: resourceRequirements,
  resizePolicy: arr(obj('v1.ContainerResizePolicy', { resourceName: str, restartPolicy: str })),
  restartPolicy: str,
  volumeMounts: arr(
    obj('v1.VolumeMount', {
      name: str,
      readOnly: bool,
      recursiveReadOnly: str,
      mountPath: str,
      subPath: str,
      mountPropagation: str,
      subPathExpr: str,
    }),
  ),
  volumeDevices: arr(obj('v1.VolumeDevice', { name: str, devicePath: str })),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  lifecycle: obj('v1.Lifecycle', { postStart: lifecycleHandler, preStop: lifecycleHandler }),
  terminationMessagePath: str,
  terminationMessagePolicy: str,
  imagePullPolicy: str,
  securityContext,
  stdin: bool,
  stdinOnce: bool,
  tty: bool,
};

const container = obj('v1.Container', containerFields);

// EphemeralContainerCommon (the Container fields) is inlined into EphemeralContainer.
const ephemeralContainer = obj('v1.EphemeralContainer', { ...containerFields, targetContainerName: str });

// ---------------------------------------------------------------------------------------------------------
// core/v1: Volume (VolumeSource is inlined into Volume)

const downwardAPIVolumeFile = obj('v1.DownwardAPIVolumeFile', {
  path: str,
  fieldRef: objectFieldSelector,
  resourceFieldRef: resourceFieldSelector,
  mode: i32,
});

const volumeProjection = obj('v1.VolumeProjection', {
  secret: obj('v1.SecretProjection', { name: str, items: arr(keyToPath), optional: bool }),
  downwardAPI: obj('v1.DownwardAPIProjection', { items: arr(downwardAPIVolumeFile) }),
  configMap: obj('v1.ConfigMapProjection', { name: str, items: arr(keyToPath), optional: bool }),
  serviceAccountToken: obj('v1.ServiceAccountTokenProjection', { audience: str, expirationSeconds: i64, path: str }),
  clusterTrustBundle: obj('v1.ClusterTrustBundleProjection', {
    name: str,
    signerName: str,
    labelSelector,
    optional: bool,
    path: str,
  }),
});

const volume = obj('v1.Volume', {
  name: str,
  hostPath: obj('v1.HostPathVolumeSource', { path: str, type: str }),
  emptyDir: obj('v1.EmptyDirVolumeSource', { medium: str, sizeLimit: qty }),
  gcePersistentDisk: anyObj('v1.GCEPersistentDiskVolumeSource'),
  awsElasticBlockStore: anyObj('v1.AWSElasticBlockStoreVolumeSource'),
  gitRepo: anyObj('v1.GitRepoVolumeSource'),
  secret: obj('v1.SecretVolumeSource', { secretName: str, items: arr(keyToPath), defaultMode: i32, optional: bool }),
  nfs: anyObj('v1.NFSVolumeSource'),
  iscsi: anyObj('v1.ISCSIVolumeSource'),
  glusterfs: anyObj('v1.GlusterfsVolumeSource'),
  persistentVolumeClaim: obj('v1.PersistentVolumeClaimVolumeSource', { claimName: str, readOnly: bool }),
  rbd: anyObj('v1.RBDVolumeSource'),
  flexVolume: anyObj('v1.FlexVolumeSource'),
  cinder: anyObj('v1.CinderVolumeSource'),
  cephfs: anyObj('v1.CephFSVolumeSource'),
  flocker: anyObj('v1.FlockerVolumeSource'),
  downwardAPI: obj('v1.DownwardAPIVolumeSource', { items: arr(downwardAPIVolumeFile), defaultMode: i32 }),
  fc: anyObj('v1.FCVolumeSource'),
  azureFile: anyObj('v1.AzureFileVolumeSource'),
  configMap: obj('v1.ConfigMapVolumeSource', { name: str, items: arr(keyToPath), defaultMode: i32, optional: bool }),
  vsphereVolume: anyObj('v1.VsphereVirtualDiskVolumeSource'),
  quobyte: anyObj('v1.QuobyteVolumeSource'),
  azureDisk: anyObj('v1.AzureDiskVolumeSource'),
  photonPersistentDisk: anyObj('v1.PhotonPersistentDiskVolumeSource'),
  projected: obj('v1.ProjectedVolumeSource', { sources: arr(volumeProjection), defaultMode: i32 }),
  portworxVolume: anyObj('v1.PortworxVolumeSource'),
  scaleIO: anyObj('v1.ScaleIOVolumeSource'),
  storageos: anyObj('v1.StorageOSVolumeSource'),
  csi: obj('v1.CSIVolumeSource', {
    driver: str,
    readOnly: bool,
    fsType: str,
    volumeAttributes: strMap,
    nodePublishSecretRef: localObjectReference,
  }),
  ephemeral: anyObj('v1.EphemeralVolumeSource'),
  image: obj('v1.ImageVolumeSource', { reference: str, pullPolicy: str }),
});

// ---------------------------------------------------------------------------------------------------------
// core/v1: PodSpec

const nodeSelectorRequirement = obj('v1.NodeSelectorRequirement', { key: str, operator: str, values: strs });

const nodeSelectorTerm = obj('v1.NodeSelectorTerm', {
  matchExpressions: arr(nodeSelectorRequirement),
  matchFields: arr(nodeSelectorRequirement),
});

const podAffinityTerm = obj('v1.PodAffinityTerm', {
  labelSelector,
  namespaces: strs,
  topologyKey: str,
  namespaceSelector: labelSelector,
  matchLabelKeys: strs,
  mismatchLabelKeys: strs,
});

const weightedPodAffinityTerm = obj('v1.WeightedPodAffinityTerm', { weight: i32, podAffinityTerm });

function podAffinityOf(go: string): ObjectSchema {
  return obj(go, {
    requiredDuringSchedulingIgnoredDuringExecution: arr(podAffinityTerm),
    preferredDuringSchedulingIgnoredDuringExecution: arr(weightedPodAffinityTerm),
  });
}

const affinity = obj('v1.Affinity', {
  nodeAffinity: obj('v1.NodeAffinity', {
    requiredDuringSchedulingIgnoredDuringExecution: obj('v1.NodeSelector', { nodeSelectorTerms: arr(nodeSelectorTerm) }),
    preferredDuringSchedulingIgnoredDuringExecution: arr(
      obj('v1.PreferredSchedulingTerm', { weight: i32, preference: nodeSelectorTerm }),
    ),
  }),
  podAffinity: podAffinityOf('v1.PodAffinity'),
  podAntiAffinity: podAffinityOf('v1.PodAntiAffinity'),
});

const podSecurityContext = obj('v1.PodSecurityContext', {
  seLinuxOptions,
  windowsOptions,
  runAsUser: i64,
  runAsGroup: i64,
  runAsNonRoot: bool,
  supplementalGroups: arr(i64),
  supplementalGroupsPolicy: str,
  fsGroup: i64,
  sysctls: arr(obj('v1.Sysctl', { name: str, value: str })),
  fsGroupChangePolicy: str,
  seccompProfile,
  appArmorProfile,
  seLinuxChangePolicy: str,
});

const topologySpreadConstraint = obj('v1.TopologySpreadConstraint', {
  maxSkew: i32,
  topologyKey: str,
  whenUnsatisfiable: str,
  labelSelector,
  minDomains: i32,
  nodeAffinityPolicy: str,
  nodeTaintsPolicy: str,
  matchLabelKeys: strs,
});

const podSpec = obj('v1.PodSpec', {
  volumes: arr(volume),
  initContainers: arr(container),
  containers: arr(container),
  ephemeralContainers: arr(ephemeralContainer),
  restartPolicy: str,
  terminationGracePeriodSeconds: i64,
  activeDeadlineSeconds: i64,
  dnsPolicy: str,
  nodeSelector: strMap,
  serviceAccountName: str,
  serviceAccount: str,
  automountServiceAccountToken: bool,
  nodeName: str,
  hostNetwork: bool,
  hostPID: bool,
  hostIPC: bool,
  shareProcessNamespace: bool,
  securityContext: podSecurityContext,
  imagePullSecrets: arr(localObjectReference),
  hostname: str,
  subdomain: str,
  affinity,
  schedulerName: str,
  tolerations: arr(toleration),
  hostAliases: arr(obj('v1.HostAlias', { ip: str, hostnames: strs })),
  priorityClassName: str,
  priority: i32,
  dnsConfig: obj('v1.PodDNSConfig', {
    nameservers: strs,
    searches: strs,
    options: arr(obj('v1.PodDNSConfigOption', { name: str, value: str })),
  }),
  readinessGates: arr(obj('v1.PodReadinessGate', { conditionType: str })),
  runtimeClassName: str,
  enableServiceLinks: bool,
  preemptionPolicy: str,
  overhead: resourceList,
  topologySpreadConstraints: arr(topologySpreadConstraint),
  setHostnameAsFQDN: bool,
  os: obj('v1.PodOS', { name: str }),
  hostUsers: bool,
  schedulingGates: arr(obj('v1.PodSchedulingGate', { name: str })),
  resourceClaims: arr(
    obj('v1.PodResourceClaim', { name: str, resourceClaimName: str, resourceClaimTemplateName: str }),
  ),
  resources: resourceRequirements,
});

const podTemplateSpec = obj('v1.PodTemplateSpec', { metadata: objectMeta, spec: podSpec });

// ---------------------------------------------------------------------------------------------------------
// core/v1: PodStatus

const containerState = obj('v1.ContainerState', {
  waiting: obj('v1.ContainerStateWaiting', { reason: str, message: str }),
  running: obj('v1.ContainerStateRunning', { startedAt: time }),
  terminated: obj('v1.ContainerStateTerminated', {
    exitCode: i32,
    signal: i32,
    reason: str,
    message: str,
    startedAt: time,
    finishedAt: time,
    containerID: str,
  }),
});

const containerStatus = obj('v1.ContainerStatus', {
  name: str,
  state: containerState,
  lastState: containerState,
  ready: bool,
  restartCount: i32,
  image: str,
  imageID: str,
  containerID: str,
  started: bool,
  allocatedResources: resourceList,
  resources: resourceRequirements,
  volumeMounts: arr(
    obj('v1.VolumeMountStatus', { name: str, mountPath: str, readOnly: bool, recursiveReadOnly: str }),
  ),
  user: obj('v1.ContainerUser', {
    linux: obj('v1.LinuxContainerUser', { uid: i64, gid: i64, supplementalGroups: arr(i64) }),
  }),
  allocatedResourcesStatus: arr(
    obj('v1.ResourceStatus', {
      name: str,
      resources: arr(obj('v1.ResourceHealth', { resourceID: str, health: str })),
    }),
  ),
});

const podStatus = obj('v1.PodStatus', {
  phase: str,
  conditions: arr(
    obj('v1.PodCondition', {
      type: str,
      status: str,
      lastProbeTime: time,
      lastTransitionTime: time,
      reason: str,
      message: str,
    }),
  ),
  message: str,
  reason: str,
  nominatedNodeName: str,
  hostIP: str,
  hostIPs: arr(obj('v1.HostIP', { ip: str })),
  podIP: str,
  podIPs: arr(obj('v1.PodIP', { ip: str })),
  startTime: time,
  initContainerStatuses: arr(containerStatus),
  containerStatuses: arr(containerStatus),
  qosClass: str,
  ephemeralContainerStatuses: arr(containerStatus),
  resize: str,
  resourceClaimStatuses: arr(obj('v1.PodResourceClaimStatus', { name: str, resourceClaimName: str })),
});

// ---------------------------------------------------------------------------------------------------------
// The kinds

/** A top-level kind: TypeMeta (inlined) and ObjectMeta, then its own fields. */
function kindSchema(go: string, fields: Record<string, Schema>): ObjectSchema {
  return obj(go, { apiVersion: str, kind: str, metadata: objectMeta, ...fields });
}

const namespaceSchema = kindSchema('v1.Namespace', {
  spec: obj('v1.NamespaceSpec', { finalizers: strs }),
  status: obj('v1.NamespaceStatus', {
    phase: str,
    conditions: arr(
      obj('v1.NamespaceCondition', { type: str, status: str, lastTransitionTime: time, reason: str, message: str }),
    ),
  }),
});

const nodeSchema = kindSchema('v1.Node', {
  spec: obj('v1.NodeSpec', {
    podCIDR: str,
    podCIDRs: strs,
    providerID: str,
    unschedulable: bool,
    taints: arr(taint),
    configSource: anyObj('v1.NodeConfigSource'),
    externalID: str,
  }),
  status: obj('v1.NodeStatus', {
    capacity: resourceList,
    allocatable: resourceList,
    phase: str,
    conditions: arr(
      obj('v1.NodeCondition', {
        type: str,
        status: str,
        lastHeartbeatTime: time,
        lastTransitionTime: time,
        reason: str,
        message: str,
      }),
    ),
    addresses: arr(obj('v1.NodeAddress', { type: str, address: str })),
    daemonEndpoints: obj('v1.NodeDaemonEndpoints', { kubeletEndpoint: obj('v1.DaemonEndpoint', { Port: i32 }) }),
    nodeInfo: obj('v1.NodeSystemInfo', {
      machineID: str,
      systemUUID: str,
      bootID: str,
      kernelVersion: str,
      osImage: str,
      containerRuntimeVersion: str,
      kubeletVersion: str,
      kubeProxyVersion: str,
      operatingSystem: str,
      architecture: str,
    }),
    images: arr(obj('v1.ContainerImage', { names: strs, sizeBytes: i64 })),
    volumesInUse: strs,
    volumesAttached: arr(obj('v1.AttachedVolume', { name: str, devicePath: str })),
    config: anyObj('v1.NodeConfigStatus'),
    runtimeHandlers: arr(
      obj('v1.NodeRuntimeHandler', {
        name: str,
        features: obj('v1.NodeRuntimeHandlerFeatures', { recursiveReadOnlyMounts: bool, userNamespaces: bool }),
      }),
    ),
    features: obj('v1.NodeFeatures', { supplementalGroupsPolicy: bool }),
  }),
});

const podSchema = kindSchema('v1.Pod', { spec: podSpec, status: podStatus });

const replicaSetSchema = kindSchema('v1.ReplicaSet', {
  spec: obj('v1.ReplicaSetSpec', { replicas: i32, minReadySeconds: i32, selector: labelSelector, template: podTemplateSpec }),
  status: obj('v1.ReplicaSetStatus', {
    replicas: i32,
    fullyLabeledReplicas: i32,
    readyReplicas: i32,
    availableReplicas: i32,
    observedGeneration: i64,
    conditions: arr(
      obj('v1.ReplicaSetCondition', { type: str, status: str, lastTransitionTime: time, reason: str, message: str }),
    ),
  }),
});

const deploymentSchema = kindSchema('v1.Deployment', {
  spec: obj('v1.DeploymentSpec', {
    replicas: i32,
    selector: labelSelector,
    template: podTemplateSpec,
    strategy: obj('v1.DeploymentStrategy', {
      type: str,
      rollingUpdate: obj('v1.RollingUpdateDeployment', { maxUnavailable: ios, maxSurge: ios }),
    }),
    minReadySeconds: i32,
    revisionHistoryLimit: i32,
    paused: bool,
    progressDeadlineSeconds: i32,
  }),
  status: obj('v1.DeploymentStatus', {
    observedGeneration: i64,
    replicas: i32,
    updatedReplicas: i32,
    readyReplicas: i32,
    availableReplicas: i32,
    unavailableReplicas: i32,
    conditions: arr(
      obj('v1.DeploymentCondition', {
        type: str,
        status: str,
        lastUpdateTime: time,
        lastTransitionTime: time,
        reason: str,
        message: str,
      }),
    ),
    collisionCount: i32,
  }),
});

const jobSchema = kindSchema('v1.Job', {
  spec: obj('v1.JobSpec', {
    parallelism: i32,
    completions: i32,
    activeDeadlineSeconds: i64,
    podFailurePolicy: obj('v1.PodFailurePolicy', {
      rules: arr(
        obj('v1.PodFailurePolicyRule', {
          action: str,
          onExitCodes: obj('v1.PodFailurePolicyOnExitCodesRequirement', {
            containerName: str,
            operator: str,
            values: arr(i32),
          }),
          onPodConditions: arr(obj('v1.PodFailurePolicyOnPodConditionsPattern', { type: str, status: str })),
        }),
      ),
    }),
    successPolicy: obj('v1.SuccessPolicy', {
      rules: arr(obj('v1.SuccessPolicyRule', { succeededIndexes: str, succeededCount: i32 })),
    }),
    backoffLimit: i32,
    backoffLimitPerIndex: i32,
    maxFailedIndexes: i32,
    selector: labelSelector,
    manualSelector: bool,
    template: podTemplateSpec,
    ttlSecondsAfterFinished: i32,
    completionMode: str,
    suspend: bool,
    podReplacementPolicy: str,
    managedBy: str,
  }),
  status: obj('v1.JobStatus', {
    conditions: arr(
      obj('v1.JobCondition', {
        type: str,
        status: str,
        lastProbeTime: time,
        lastTransitionTime: time,
        reason: str,
        message: str,
      }),
    ),
    startTime: time,
    completionTime: time,
    active: i32,
    succeeded: i32,
    failed: i32,
    terminating: i32,
    completedIndexes: str,
    failedIndexes: str,
    uncountedTerminatedPods: obj('v1.UncountedTerminatedPods', { succeeded: strs, failed: strs }),
    ready: i32,
  }),
});

const serviceSchema = kindSchema('v1.Service', {
  spec: obj('v1.ServiceSpec', {
    ports: arr(
      obj('v1.ServicePort', { name: str, protocol: str, appProtocol: str, port: i32, targetPort: ios, nodePort: i32 }),
    ),
    selector: strMap,
    clusterIP: str,
    clusterIPs: strs,
    type: str,
    externalIPs: strs,
    sessionAffinity: str,
    loadBalancerIP: str,
    loadBalancerSourceRanges: strs,
    externalName: str,
    externalTrafficPolicy: str,
    healthCheckNodePort: i32,
    publishNotReadyAddresses: bool,
    sessionAffinityConfig: obj('v1.SessionAffinityConfig', {
      clientIP: obj('v1.ClientIPConfig', { timeoutSeconds: i32 }),
    }),
    ipFamilies: strs,
    ipFamilyPolicy: str,
    allocateLoadBalancerNodePorts: bool,
    loadBalancerClass: str,
    internalTrafficPolicy: str,
    trafficDistribution: str,
  }),
  status: obj('v1.ServiceStatus', {
    loadBalancer: obj('v1.LoadBalancerStatus', {
      ingress: arr(
        obj('v1.LoadBalancerIngress', {
          ip: str,
          hostname: str,
          ipMode: str,
          ports: arr(obj('v1.PortStatus', { port: i32, protocol: str, error: str })),
        }),
      ),
    }),
    conditions: arr(condition),
  }),
});

const endpointAddress = obj('v1.EndpointAddress', { ip: str, hostname: str, nodeName: str, targetRef: objectReference });

const endpointsSchema = kindSchema('v1.Endpoints', {
  subsets: arr(
    obj('v1.EndpointSubset', {
      addresses: arr(endpointAddress),
      notReadyAddresses: arr(endpointAddress),
      ports: arr(obj('v1.EndpointPort', { name: str, port: i32, protocol: str, appProtocol: str })),
    }),
  ),
});

const serviceAccountSchema = kindSchema('v1.ServiceAccount', {
  secrets: arr(objectReference),
  imagePullSecrets: arr(localObjectReference),
  automountServiceAccountToken: bool,
});

const secretSchema = kindSchema('v1.Secret', {
  immutable: bool,
  data: map(bytes),
  stringData: strMap,
  type: str,
});

const configMapSchema = kindSchema('v1.ConfigMap', {
  immutable: bool,
  data: strMap,
  binaryData: map(bytes),
});

const leaseSchema = kindSchema('v1.Lease', {
  spec: obj('v1.LeaseSpec', {
    holderIdentity: str,
    leaseDurationSeconds: i32,
    acquireTime: microTime,
    renewTime: microTime,
    leaseTransitions: i32,
    strategy: str,
    preferredHolder: str,
  }),
});

const eventSchema = kindSchema('v1.Event', {
  involvedObject: objectReference,
  reason: str,
  message: str,
  source: obj('v1.EventSource', { component: str, host: str }),
  firstTimestamp: time,
  lastTimestamp: time,
  count: i32,
  type: str,
  eventTime: microTime,
  series: obj('v1.EventSeries', { count: i32, lastObservedTime: microTime }),
  action: str,
  related: objectReference,
  reportingComponent: str,
  reportingInstance: str,
});

const priorityClassSchema = kindSchema('v1.PriorityClass', {
  value: i32,
  globalDefault: bool,
  description: str,
  preemptionPolicy: str,
});

const runtimeClassSchema = kindSchema('v1.RuntimeClass', {
  handler: str,
  overhead: obj('v1.Overhead', { podFixed: resourceList }),
  scheduling: obj('v1.Scheduling', { nodeSelector: strMap, tolerations: arr(toleration) }),
});

const podDisruptionBudgetSchema = kindSchema('v1.PodDisruptionBudget', {
  spec: obj('v1.PodDisruptionBudgetSpec', {
    minAvailable: ios,
    selector: labelSelector,
    maxUnavailable: ios,
    unhealthyPodEvictionPolicy: str,
  }),
  status: obj('v1.PodDisruptionBudgetStatus', {
    observedGeneration: i64,
    disruptedPods: map(time),
    disruptionsAllowed: i32,
    currentHealthy: i32,
    desiredHealthy: i32,
    expectedPods: i32,
    conditions: arr(condition),
  }),
});

// drydock.io/v1 NodePool: exactly src/api/types.ts (NodePoolSpec, NodeShape). Counts are integers; prices and
// provisioningDelaySeconds are plain numbers there, so they stay numbers here.
const nodePoolSchema = kindSchema('v1.NodePool', {
  spec: obj('v1.NodePoolSpec', {
    instanceType: str,
    shape: obj('v1.NodeShape', {
      cpu: qty,
      memory: qty,
      pods: i32,
      ephemeralStorage: qty,
      gpu: i32,
      gpuModel: str,
    }),
    pricePerHour: num,
    spotPricePerHour: num,
    spot: bool,
    labels: strMap,
    taints: arr(taint),
    zones: strs,
    minSize: i32,
    maxSize: i32,
    initialSize: i32,
    provisioningDelaySeconds: num,
    systemReserved: resourceList,
  }),
  status: obj('v1.NodePoolStatus', { size: i32, readyNodes: i32 }),
});

/** The schema of every kind in src/api/types.ts `kinds`. */
export const kindSchemas: Readonly<Record<Kind, ObjectSchema>> = Object.freeze({
  Namespace: namespaceSchema,
  Node: nodeSchema,
  Pod: podSchema,
  ReplicaSet: replicaSetSchema,
  Deployment: deploymentSchema,
  Job: jobSchema,
  Service: serviceSchema,
  Endpoints: endpointsSchema,
  ServiceAccount: serviceAccountSchema,
  Secret: secretSchema,
  ConfigMap: configMapSchema,
  Lease: leaseSchema,
  Event: eventSchema,
  PriorityClass: priorityClassSchema,
  RuntimeClass: runtimeClassSchema,
  PodDisruptionBudget: podDisruptionBudgetSchema,
  NodePool: nodePoolSchema,
});

/** Kinds validated like CustomResources (structural schema) rather than decoded into Go structs. */
const customResourceKinds: ReadonlySet<string> = new Set<Kind>(['NodePool']);

function schemaOf(kind: string): ObjectSchema {
  if (!Object.hasOwn(kindSchemas, kind)) {
    throw new Error(`schema: no schema for kind ${JSON.stringify(kind)} (known: ${Object.keys(kindSchemas).join(', ')})`);
  }
  return kindSchemas[kind as Kind];
}

// ---------------------------------------------------------------------------------------------------------
// Unknown fields and pruning

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The schema of an object's field, or undefined for a field it does not know (never an Object.prototype key). */
function propertyOf(schema: ObjectSchema, key: string): Schema | undefined {
  return Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
}

function child(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function collectUnknown(value: unknown, schema: Schema, path: string, out: string[]): void {
  switch (schema.type) {
    case 'object': {
      if (!isObject(value) || schema.preserveUnknownFields === true) return;
      for (const key of Object.keys(value)) {
        const field = propertyOf(schema, key);
        if (field === undefined) out.push(child(path, key)); // the decoder does not look inside an unknown field
        else collectUnknown(value[key], field, child(path, key), out);
      }
      return;
    }
    case 'map': {
      if (!isObject(value)) return;
      for (const key of Object.keys(value)) collectUnknown(value[key], schema.values, child(path, key), out);
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) return;
      for (let i = 0; i < value.length; i++) collectUnknown(value[i], schema.items, `${path}[${i}]`, out);
      return;
    }
    default:
      return;
  }
}

/**
 * The paths of the fields `kind`'s schema does not know, in document order, as kube-apiserver's strict decoder
 * prints them: `metadata.lables`, `spec.containers[0].imagee`. Fields inside an unknown field are not listed.
 * Throws for a kind drydock does not serve.
 */
export function unknownFields(kind: string, obj: unknown): string[] {
  const out: string[] = [];
  collectUnknown(obj, schemaOf(kind), '', out);
  return out;
}

function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) out[key] = deepCopy(value[key]);
    return out;
  }
  return value;
}

function prune(value: unknown, schema: Schema): unknown {
  switch (schema.type) {
    case 'object': {
      if (!isObject(value) || schema.preserveUnknownFields === true) return deepCopy(value);
      const out: JsonObject = {};
      for (const key of Object.keys(value)) {
        const field = propertyOf(schema, key);
        if (field !== undefined) out[key] = prune(value[key], field);
      }
      return out;
    }
    case 'map': {
      if (!isObject(value)) return deepCopy(value);
      const out: JsonObject = {};
      for (const key of Object.keys(value)) out[key] = prune(value[key], schema.values);
      return out;
    }
    case 'array':
      return Array.isArray(value) ? value.map((item) => prune(item, schema.items)) : deepCopy(value);
    default:
      return deepCopy(value);
  }
}

/**
 * A deep copy of `obj` without the fields unknownFields lists: what a lenient decode (fieldValidation=Ignore,
 * or Warn after warning) keeps. The input is never modified.
 */
export function pruneUnknownFields(kind: string, obj: unknown): unknown {
  return prune(obj, schemaOf(kind));
}

// ---------------------------------------------------------------------------------------------------------
// Messages

/** Go's strconv.Quote, which the strict decoder uses for the path: printable characters stay, others escape. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd'; // a lone surrogate decodes to U+FFFD in Go
    else if (ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += ch;
    else if (GO_ESCAPES[cp] !== undefined) out += GO_ESCAPES[cp];
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

const GO_ESCAPES: Readonly<Record<number, string>> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/** `unknown field "spec.containers[0].imagee"`: one strict error, and the text of its Warning under Warn. */
export function unknownFieldMessage(path: string): string {
  return `unknown field ${goQuote(path)}`;
}

/** sigs.k8s.io/json keeps at most this many strict errors per decode. */
export const MAX_STRICT_ERRORS = 100;

/**
 * `strict decoding error: unknown field "a", unknown field "b"` (runtime.NewStrictDecodingError), with at most
 * MAX_STRICT_ERRORS fields as the decoder keeps. Patches (422 Invalid, field "patch") carry this text as is.
 */
export function strictDecodingErrorMessage(paths: readonly string[]): string {
  return `strict decoding error: ${paths.slice(0, MAX_STRICT_ERRORS).map(unknownFieldMessage).join(', ')}`;
}

/**
 * How create and update wrap a decode error in their 400 BadRequest (handlers/rest.go transformDecodeError):
 * `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"`.
 * `version` is the version alone ("v1" for apps/v1).
 */
export function cannotBeHandledMessage(kind: string, version: string, cause: string): string {
  return `${kind} in version ${goQuote(version)} cannot be handled as a ${kind}: ${cause}`;
}

// ---------------------------------------------------------------------------------------------------------
// Type errors

export interface FieldTypeError {
  /** The field, written as unknownFields writes paths: `spec.template.spec.containers[0].ports[0].containerPort`. */
  readonly path: string;
  /**
   * Kubernetes' text. Built-in kinds: the Go decoder's error, e.g.
   * `json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32`,
   * which kube-apiserver returns as 400 BadRequest wrapped by cannotBeHandledMessage (only the first one).
   * NodePool: the CustomResource schema error, e.g.
   * `spec.minSize: Invalid value: "string": spec.minSize in body must be of type integer: "string"`, returned
   * as 422 Invalid (all of them).
   */
  readonly message: string;
  readonly reason: 'BadRequest' | 'Invalid';
}

/** The Go type reflect prints for a schema (pointers are dereferenced before decode errors name a type). */
function goType(schema: Schema): string {
  switch (schema.type) {
    case 'object':
      return schema.go;
    case 'map':
      return schema.go ?? `map[string]${goType(schema.values)}`;
    case 'array':
      return `[]${goType(schema.items)}`;
    case 'integer':
      return schema.format;
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
    case 'quantity':
      return 'resource.Quantity';
    case 'int-or-string':
      return 'intstr.IntOrString';
    case 'time':
      return 'v1.Time';
    case 'micro-time':
      return 'v1.MicroTime';
    case 'bytes':
      return '[]uint8';
    case 'any':
      return 'interface {}';
  }
}

/** How encoding/json names a JSON value in UnmarshalTypeError. */
function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}

const INT_RANGE = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  // 2^63 - 1 is not a JS number: JSON.parse rounds 9223372036854775807 up to 2^63, so accept 2^63 itself.
  int64: [-(2 ** 63), 2 ** 63],
} as const;

function fitsInt(v: number, format: 'int32' | 'int64'): boolean {
  const [lo, hi] = INT_RANGE[format];
  return Number.isInteger(v) && v >= lo && v <= hi;
}

/** resource.ErrFormatWrong, what Quantity.UnmarshalJSON returns for anything that does not parse. */
const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/**
 * Where the decoder is: a struct field, a map key or an array index per step. The path and the field stack
 * are spelled out only when an error is reported, so a valid object costs no strings.
 */
interface Trail {
  readonly up: Trail | undefined;
  readonly key: string | number;
  /** A struct field (part of the decoder's field stack), not a map key or an index. */
  readonly field: boolean;
}

function trailPath(t: Trail | undefined): string {
  if (t === undefined) return '';
  const up = trailPath(t.up);
  return typeof t.key === 'number' ? `${up}[${t.key}]` : child(up, t.key);
}

function trailFields(t: Trail | undefined): string[] {
  const out: string[] = [];
  for (let s = t; s !== undefined; s = s.up) if (s.field) out.push(s.key as string);
  return out.reverse();
}

function failDecode(out: FieldTypeError[], trail: Trail | undefined, struct: ObjectSchema | undefined, schema: Schema, what: string): void {
  const fields = trailFields(trail);
  const name = struct === undefined ? '' : struct.go.slice(struct.go.lastIndexOf('.') + 1);
  const into = fields.length === 0 ? 'Go value' : `Go struct field ${name}.${fields.join('.')}`;
  out.push({ path: trailPath(trail), message: `json: cannot unmarshal ${what} into ${into} of type ${goType(schema)}`, reason: 'BadRequest' });
}

/** The error of a type's own UnmarshalJSON, which carries no struct context. */
function failCustomDecode(out: FieldTypeError[], trail: Trail | undefined, message: string): void {
  out.push({ path: trailPath(trail), message, reason: 'BadRequest' });
}

/**
 * What encoding/json (sigs.k8s.io/json) reports when decoding into the Go types. `struct` and the trail's
 * struct fields are the decoder's errorContext: the innermost struct type and the struct field names on the
 * way, without indexes or map keys.
 */
/**
 * The walk's position, kept as a stack that grows and shrinks with the recursion: the Trail (a linked list)
 * is built only when an error or unknown field needs its path, so a valid object costs no allocation.
 */
class DecodeWalk {
  readonly keys: (string | number)[] = [];
  readonly fields: boolean[] = [];
  depth = 0;

  constructor(
    readonly out: FieldTypeError[],
    readonly unknown: string[] | undefined,
  ) {}

  enter(key: string | number, field: boolean): void {
    this.keys[this.depth] = key;
    this.fields[this.depth] = field;
    this.depth++;
  }

  leave(): void {
    this.depth--;
  }

  trail(): Trail | undefined {
    let t: Trail | undefined;
    for (let i = 0; i < this.depth; i++) t = { up: t, key: this.keys[i]!, field: this.fields[i]! };
    return t;
  }
}

function checkGoDecode(value: unknown, schema: Schema, w: DecodeWalk, struct: ObjectSchema | undefined): void {
  if (value === null || value === undefined) return; // null leaves a Go value at its zero value
  const out = w.out;
  switch (schema.type) {
    case 'object': {
      if (!isObject(value)) return failDecode(out, w.trail(), struct, schema, goJsonKind(value));
      if (schema.preserveUnknownFields === true) return;
      // for-in over a decoded JSON object: its own keys in Object.keys order, without the keys array.
      for (const key in value) {
        const field = propertyOf(schema, key);
        // The decoder does not look inside an unknown field.
        if (field === undefined) {
          w.unknown?.push(trailPath({ up: w.trail(), key, field: true }));
          continue;
        }
        w.enter(key, true);
        checkGoDecode(value[key], field, w, schema);
        w.leave();
      }
      return;
    }
    case 'map': {
      if (!isObject(value)) return failDecode(out, w.trail(), struct, schema, goJsonKind(value));
      for (const key in value) {
        w.enter(key, false);
        checkGoDecode(value[key], schema.values, w, struct);
        w.leave();
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) return failDecode(out, w.trail(), struct, schema, goJsonKind(value));
      for (let i = 0; i < value.length; i++) {
        w.enter(i, false);
        checkGoDecode(value[i], schema.items, w, struct);
        w.leave();
      }
      return;
    }
    case 'integer':
      if (typeof value !== 'number') return failDecode(out, w.trail(), struct, schema, goJsonKind(value));
      if (!fitsInt(value, schema.format)) return failDecode(out, w.trail(), struct, schema, `number ${String(value)}`);
      return;
    case 'string':
    case 'bytes':
      if (typeof value !== 'string') return failDecode(out, w.trail(), struct, schema, goJsonKind(value));
      return;
    case 'boolean':
      if (typeof value !== 'boolean') return failDecode(out, w.trail(), struct, schema, goJsonKind(value));
      return;
    case 'number':
      if (typeof value !== 'number') return failDecode(out, w.trail(), struct, schema, goJsonKind(value));
      return;
    case 'quantity': {
      // Quantity.UnmarshalJSON unquotes a string, trims it and parses; any other JSON text is parsed as is.
      const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : undefined;
      if (text === undefined || tryParseQuantity(text) === undefined) failCustomDecode(out, w.trail(), QUANTITY_FORMAT_ERROR);
      return;
    }
    case 'int-or-string':
      // IntOrString.UnmarshalJSON: a string, or else json.Unmarshal into an int32.
      if (typeof value === 'string') return;
      if (typeof value !== 'number') return failCustomDecode(out, w.trail(), `json: cannot unmarshal ${goJsonKind(value)} into Go value of type int32`);
      if (!fitsInt(value, 'int32')) failCustomDecode(out, w.trail(), `json: cannot unmarshal number ${String(value)} into Go value of type int32`);
      return;
    case 'time':
    case 'micro-time':
      // Time.UnmarshalJSON: json.Unmarshal into a string, then time.Parse (the parse is not checked here).
      if (typeof value !== 'string') failCustomDecode(out, w.trail(), `json: cannot unmarshal ${goJsonKind(value)} into Go value of type string`);
      return;
    case 'any':
      return;
  }
}

/** The `pattern` controller-gen gives resource.Quantity fields of a CustomResourceDefinition. */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const quantityPattern = new RegExp(QUANTITY_PATTERN);

/** How kube-openapi names a JSON value's type. */
function openApiKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v;
  return 'object';
}

/**
 * CustomResource validation (apiextensions-apiserver validation.go over kube-openapi): field.TypeInvalid with
 * `<path> in body must be of type <type>: "<actual>"`, and the pattern check of quantities. The message for a
 * value that is neither integer nor string where int-or-string is required is a simplification of kube-openapi's
 * anyOf report.
 */
function checkCustomResource(value: unknown, schema: Schema, path: string, out: FieldTypeError[]): void {
  if (value === null || value === undefined) return;
  const fail = (want: string): void => {
    const got = openApiKind(value);
    out.push({ path, message: `${path}: Invalid value: "${got}": ${path} in body must be of type ${want}: "${got}"`, reason: 'Invalid' });
  };
  switch (schema.type) {
    case 'object':
      if (!isObject(value)) return fail('object');
      if (schema.preserveUnknownFields === true) return;
      for (const key of Object.keys(value)) {
        const field = propertyOf(schema, key);
        if (field !== undefined) checkCustomResource(value[key], field, child(path, key), out);
      }
      return;
    case 'map':
      if (!isObject(value)) return fail('object');
      for (const key of Object.keys(value)) checkCustomResource(value[key], schema.values, child(path, key), out);
      return;
    case 'array':
      if (!Array.isArray(value)) return fail('array');
      value.forEach((item, i) => checkCustomResource(item, schema.items, `${path}[${i}]`, out));
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail('integer');
      return;
    case 'number':
      if (typeof value !== 'number') fail('number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail('boolean');
      return;
    case 'string':
    case 'bytes':
    case 'time':
    case 'micro-time':
      if (typeof value !== 'string') fail('string');
      return;
    case 'quantity':
    case 'int-or-string':
      if (typeof value === 'number' && Number.isInteger(value)) return;
      if (typeof value !== 'string') return fail('integer,string');
      if (schema.type === 'quantity' && !quantityPattern.test(value)) {
        out.push({ path, message: `${path}: Invalid value: ${JSON.stringify(value)}: ${path} in body should match '${QUANTITY_PATTERN}'`, reason: 'Invalid' });
      }
      return;
    case 'any':
      return;
  }
}

/**
 * Fields whose JSON type the kind's schema does not accept (a string where an integer is required, a quantity
 * that does not parse), in document order, with Kubernetes' message. Unknown fields are not looked into.
 */
export function typeErrors(kind: string, obj: unknown): FieldTypeError[] {
  const schema = schemaOf(kind);
  const out: FieldTypeError[] = [];
  if (customResourceKinds.has(kind)) checkCustomResource(obj, schema, '', out);
  else checkGoDecode(obj, schema, new DecodeWalk(out, undefined), undefined);
  return out;
}

/**
 * typeErrors and unknownFields of one object together: for the built-in kinds one walk gives both (the
 * decoder visits the same fields for each), which is what the API server's write path asks for.
 */
export function decodeProblems(kind: string, obj: unknown): { typeErrors: FieldTypeError[]; unknown: string[] } {
  if (customResourceKinds.has(kind)) return { typeErrors: typeErrors(kind, obj), unknown: unknownFields(kind, obj) };
  const typeErrs: FieldTypeError[] = [];
  const unknown: string[] = [];
  checkGoDecode(obj, schemaOf(kind), new DecodeWalk(typeErrs, unknown), undefined);
  return { typeErrors: typeErrs, unknown };
}

// ---------------------------------------------------------------------------------------------------------
// OpenAPI v3

type OpenApiSchema = Record<string, unknown>;

function toOpenApi(schema: Schema): OpenApiSchema {
  switch (schema.type) {
    case 'object': {
      if (schema.preserveUnknownFields === true) return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      const properties: Record<string, OpenApiSchema> = {};
      for (const [key, value] of Object.entries(schema.properties)) properties[key] = toOpenApi(value);
      return { type: 'object', properties };
    }
    case 'map':
      return { type: 'object', additionalProperties: toOpenApi(schema.values) };
    case 'array':
      return { type: 'array', items: toOpenApi(schema.items) };
    case 'integer':
      return { type: 'integer', format: schema.format };
    case 'number':
      return { type: 'number', format: 'double' };
    case 'string':
      return { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'time':
    case 'micro-time':
      return { type: 'string', format: 'date-time' };
    case 'bytes':
      return { type: 'string', format: 'byte' };
    case 'int-or-string':
      return { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true };
    case 'quantity':
      return { anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: QUANTITY_PATTERN, 'x-kubernetes-int-or-string': true };
    case 'any':
      return { 'x-kubernetes-preserve-unknown-fields': true };
  }
}

/**
 * The kind's schema as an OpenAPI 3.0 schema object, in the structural-schema style of CustomResourceDefinitions
 * (int-or-string and quantities as `x-kubernetes-int-or-string`, "any object" subtrees as
 * `x-kubernetes-preserve-unknown-fields`), with `x-kubernetes-group-version-kind` as /openapi/v3 publishes it.
 * A fresh object on every call.
 */
export function toOpenApiV3Schema(kind: string): object {
  const schema = schemaOf(kind);
  const info = kinds[kind as Kind];
  return {
    ...toOpenApi(schema),
    'x-kubernetes-group-version-kind': [{ group: info.group, kind, version: info.version }],
  };
}
