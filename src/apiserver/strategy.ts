// Per-kind rules the registry applies: defaults (k8s pkg/apis/*/v1/defaults.go), validation
// (pkg/apis/*/validation), what an update may change, which fields a field selector may name, and
// whether the kind has a status subresource. Objects are treated as plain JSON; defaults return copies.
import { kinds, type Kind, type KindInfo } from '../api/index.js';
import type { FieldError } from './errors.js';
import { jsonEqual } from './meta.js';
import {
  base64ByteLength,
  checkAnnotations,
  checkConfigKeys,
  checkEnum,
  checkIntOrPercent,
  checkLabelSelector,
  checkLabels,
  checkName,
  checkNodeSelector,
  checkNodeSelectorTerm,
  checkNonNegative,
  checkResourceList,
  checkTaints,
  checkTolerations,
  duplicate,
  forbidden,
  invalid,
  isBase64,
  isDns1123Label,
  notSupported,
  required,
  type Errs,
  type NameRule,
} from './validation.js';
import { withFields } from '../util/objects.js';

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rec(v: unknown): Json {
  return isRecord(v) ? v : {};
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export interface Strategy {
  readonly kind: Kind;
  readonly info: KindInfo;
  readonly nameRule: NameRule;
  /** The kind has a /status subresource: the main resource ignores status changes, /status ignores the rest. */
  readonly hasStatus: boolean;
  /** Spec changes bump metadata.generation. */
  readonly hasGeneration: boolean;
  /** An update without resourceVersion is allowed and applies to the latest (AllowUnconditionalUpdate). */
  readonly unconditionalUpdate: boolean;
  /** Fields a field selector may name besides metadata.name and metadata.namespace. */
  readonly selectableFields: readonly string[];
  /** The value of a selectable field that is not the object's field of that path (undefined: the path's value). */
  readonly selectableFieldValue?: (obj: Json, field: string) => string | undefined;
  /**
   * Objects are written with a lease of the API server's event TTL and go when it runs out (kube-apiserver's
   * event registry TTLFunc, --event-ttl), and lists come in the order of their last write (oldest first)
   * rather than in key order, so that `kubectl get events`, which prints the server's order, reads as a log.
   */
  readonly isEventLog: boolean;
  /** Fills defaults into a copy of a new object. */
  defaults(obj: Json): Json;
  validate(obj: Json): Errs;
  validateUpdate(obj: Json, old: Json): Errs;
}

/** core.MaxSecretSize (pkg/apis/core/types.go), the limit ValidateConfigMap applies too: 1 MiB. */
export const MAX_CONFIGMAP_SIZE = 1024 * 1024;

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

// ---- Pod ------------------------------------------------------------------------------------------------

function defaultContainer(c: unknown): unknown {
  if (!isRecord(c)) return c;
  const image = typeof c['image'] === 'string' ? c['image'] : '';
  // core/v1 defaults.go SetDefaults_Container: Always for :latest or no tag, else IfNotPresent.
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes('@') ? 'digest' : lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : 'latest';
  return withFields(c, {
    imagePullPolicy: c['imagePullPolicy'] ?? (tag === 'latest' ? 'Always' : 'IfNotPresent'),
    terminationMessagePath: c['terminationMessagePath'] ?? '/dev/termination-log',
    terminationMessagePolicy: c['terminationMessagePolicy'] ?? 'File',
    ...(Array.isArray(c['ports']) ? { ports: c['ports'].map((p: unknown) => (isRecord(p) ? withFields(p, { protocol: p['protocol'] ?? 'TCP' }) : p)) } : {}),
    resources: isRecord(c['resources']) ? defaultResources(c['resources']) : {},
  });
}

/** Limits without requests: requests default to the limits (SetDefaults_ResourceRequirements behaviour). */
function defaultResources(r: Json): Json {
  const limits = r['limits'];
  if (!isRecord(limits)) return r;
  return withFields(r, { requests: withFields(limits, rec(r['requests'])) });
}

export function defaultPodSpec(spec: Json): Json {
  return withFields(spec, {
    containers: arr(spec['containers']).map(defaultContainer),
    ...(Array.isArray(spec['initContainers']) ? { initContainers: spec['initContainers'].map(defaultContainer) } : {}),
    restartPolicy: spec['restartPolicy'] ?? 'Always',
    terminationGracePeriodSeconds: spec['terminationGracePeriodSeconds'] ?? 30,
    dnsPolicy: spec['dnsPolicy'] ?? 'ClusterFirst',
    securityContext: spec['securityContext'] ?? {},
    schedulerName: spec['schedulerName'] ?? 'default-scheduler',
    enableServiceLinks: spec['enableServiceLinks'] ?? true,
    // Priority admission fills priority and preemptionPolicy.
  });
}

/** QoS class (pkg/apis/core/v1/helper/qos GetPodQOS): Guaranteed, Burstable or BestEffort. */
export function podQosClass(spec: Json): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...arr(spec['containers']), ...arr(spec['initContainers'])].filter(isRecord);
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const r = rec(c['resources']);
    const req = rec(r['requests']);
    const lim = rec(r['limits']);
    for (const name of ['cpu', 'memory']) {
      if (req[name] !== undefined || lim[name] !== undefined) any = true;
      if (lim[name] === undefined || (req[name] !== undefined && req[name] !== lim[name])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function validateContainers(field: string, list: unknown, names: Set<string>, errs: Errs, requireOne: boolean): void {
  if (list === undefined && !requireOne) return;
  if (!Array.isArray(list) || (requireOne && list.length === 0)) return void errs.push(required(field));
  list.forEach((c: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(c)) return void errs.push(invalid(at, c, 'must be an object'));
    const name = c['name'];
    if (typeof name !== 'string' || name === '') errs.push(required(`${at}.name`));
    else {
      checkName(`${at}.name`, name, 'label', errs);
      if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
      names.add(name);
    }
    if (typeof c['image'] !== 'string' || c['image'].trim() === '') errs.push(required(`${at}.image`));
    const resources = rec(c['resources']);
    const requests = checkResourceList(`${at}.resources.requests`, resources['requests'], errs);
    const limits = checkResourceList(`${at}.resources.limits`, resources['limits'], errs);
    for (const [res, req] of requests) {
      const lim = limits.get(res);
      if (lim !== undefined && req > lim) {
        errs.push(invalid(`${at}.resources.requests`, rec(resources['requests'])[res], `must be less than or equal to ${res} limit of ${String(rec(resources['limits'])[res])}`));
      }
    }
    arr(c['ports']).forEach((p: unknown, j) => {
      const pat = `${at}.ports[${j}]`;
      if (!isRecord(p)) return;
      const port = p['containerPort'];
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        errs.push(invalid(`${pat}.containerPort`, port, 'must be between 1 and 65535, inclusive'));
      }
      if (p['hostPort'] !== undefined && (typeof p['hostPort'] !== 'number' || p['hostPort'] < 0 || p['hostPort'] > 65535)) {
        errs.push(invalid(`${pat}.hostPort`, p['hostPort'], 'must be between 1 and 65535, inclusive'));
      }
      checkEnum(`${pat}.protocol`, p['protocol'], PROTOCOLS, errs);
    });
  });
}

function validateAffinityTerms(field: string, terms: unknown, errs: Errs, weighted: boolean): void {
  arr(terms).forEach((t: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(t)) return void errs.push(invalid(at, t, 'must be an object'));
    let term: Json = t;
    if (weighted) {
      const w = t['weight'];
      if (typeof w !== 'number' || w < 1 || w > 100) errs.push(invalid(`${at}.weight`, w, 'must be in the range 1-100'));
      term = rec(t['podAffinityTerm']);
    }
    const tat = weighted ? `${at}.podAffinityTerm` : at;
    if (typeof term['topologyKey'] !== 'string' || term['topologyKey'] === '') errs.push(required(`${tat}.topologyKey`, 'can not be empty'));
    checkLabelSelector(`${tat}.labelSelector`, term['labelSelector'], errs);
    checkLabelSelector(`${tat}.namespaceSelector`, term['namespaceSelector'], errs);
  });
}

export function validatePodSpec(field: string, spec: unknown, errs: Errs): void {
  if (!isRecord(spec)) return void errs.push(required(field));
  const names = new Set<string>();
  validateContainers(`${field}.containers`, spec['containers'], names, errs, true);
  validateContainers(`${field}.initContainers`, spec['initContainers'], names, errs, false);
  checkEnum(`${field}.restartPolicy`, spec['restartPolicy'], RESTART_POLICIES, errs);
  checkLabels(`${field}.nodeSelector`, spec['nodeSelector'], errs);
  checkTolerations(`${field}.tolerations`, spec['tolerations'], errs);
  checkResourceList(`${field}.overhead`, spec['overhead'], errs);
  checkNonNegative(`${field}.terminationGracePeriodSeconds`, spec['terminationGracePeriodSeconds'], errs);
  if (spec['preemptionPolicy'] !== undefined) checkEnum(`${field}.preemptionPolicy`, spec['preemptionPolicy'], ['Never', 'PreemptLowerPriority'], errs);
  const affinity = rec(spec['affinity']);
  const nodeAffinity = rec(affinity['nodeAffinity']);
  const requiredNA = nodeAffinity['requiredDuringSchedulingIgnoredDuringExecution'];
  if (requiredNA !== undefined && requiredNA !== null) {
    checkNodeSelector(`${field}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`, requiredNA, errs);
  }
  arr(nodeAffinity['preferredDuringSchedulingIgnoredDuringExecution']).forEach((p: unknown, i) => {
    const at = `${field}.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    const w = rec(p)['weight'];
    if (typeof w !== 'number' || w < 1 || w > 100) errs.push(invalid(`${at}.weight`, w, 'must be in the range 1-100'));
    checkNodeSelectorTerm(`${at}.preference`, rec(p)['preference'], errs);
  });
  for (const which of ['podAffinity', 'podAntiAffinity']) {
    const a = rec(affinity[which]);
    validateAffinityTerms(`${field}.affinity.${which}.requiredDuringSchedulingIgnoredDuringExecution`, a['requiredDuringSchedulingIgnoredDuringExecution'], errs, false);
    validateAffinityTerms(`${field}.affinity.${which}.preferredDuringSchedulingIgnoredDuringExecution`, a['preferredDuringSchedulingIgnoredDuringExecution'], errs, true);
  }
  const seen = new Set<string>();
  arr(spec['topologySpreadConstraints']).forEach((c: unknown, i) => {
    const at = `${field}.topologySpreadConstraints[${i}]`;
    if (!isRecord(c)) return void errs.push(invalid(at, c, 'must be an object'));
    const skew = c['maxSkew'];
    if (typeof skew !== 'number' || !Number.isInteger(skew) || skew <= 0) errs.push(invalid(`${at}.maxSkew`, skew, 'must be greater than zero'));
    if (typeof c['topologyKey'] !== 'string' || c['topologyKey'] === '') errs.push(required(`${at}.topologyKey`, 'can not be empty'));
    const when = c['whenUnsatisfiable'];
    if (when === undefined || when === '') errs.push(required(`${at}.whenUnsatisfiable`));
    else checkEnum(`${at}.whenUnsatisfiable`, when, ['DoNotSchedule', 'ScheduleAnyway'], errs);
    const min = c['minDomains'];
    if (min !== undefined && min !== null) {
      if (typeof min !== 'number' || min <= 0) errs.push(invalid(`${at}.minDomains`, min, 'must be greater than zero'));
      else if (when !== 'DoNotSchedule') errs.push(invalid(`${at}.minDomains`, min, 'can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway'));
    }
    checkEnum(`${at}.nodeAffinityPolicy`, c['nodeAffinityPolicy'], ['Honor', 'Ignore'], errs);
    checkEnum(`${at}.nodeTaintsPolicy`, c['nodeTaintsPolicy'], ['Honor', 'Ignore'], errs);
    checkLabelSelector(`${at}.labelSelector`, c['labelSelector'], errs);
    const id = `${String(c['topologyKey'])}/${String(when)}`;
    if (seen.has(id)) errs.push(duplicate(at, `{${String(c['topologyKey'])}, ${String(when)}}`));
    seen.add(id);
  });
}

/** Fields of a pod spec an update may change (ValidatePodUpdate). */
function mutablePodSpecView(spec: Json): Json {
  const strip = (list: unknown) => arr(list).map((c) => (isRecord(c) ? { ...c, image: undefined } : c));
  return {
    ...spec,
    containers: strip(spec['containers']),
    initContainers: strip(spec['initContainers']),
    activeDeadlineSeconds: undefined,
    tolerations: undefined,
    terminationGracePeriodSeconds: undefined,
  };
}

const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

// ---- strategies ---------------------------------------------------------------------------------------

interface Rules {
  nameRule?: NameRule;
  hasStatus?: boolean;
  hasGeneration?: boolean;
  unconditionalUpdate?: boolean;
  selectableFields?: readonly string[];
  selectableFieldValue?: (obj: Json, field: string) => string | undefined;
  isEventLog?: boolean;
  defaults?: (obj: Json) => Json;
  validate?: (obj: Json, errs: Errs) => void;
  validateUpdate?: (obj: Json, old: Json, errs: Errs) => void;
}

function workloadTemplate(obj: Json, errs: Errs, restartPolicies: readonly string[] | undefined): void {
  const spec = rec(obj['spec']);
  const template = rec(spec['template']);
  const labels = rec(rec(template['metadata'])['labels']);
  checkLabels('spec.template.metadata.labels', labels, errs);
  validatePodSpec('spec.template.spec', template['spec'], errs);
  const rp = rec(template['spec'])['restartPolicy'];
  if (restartPolicies !== undefined && !restartPolicies.includes(String(rp))) {
    errs.push(notSupported('spec.template.spec.restartPolicy', rp, restartPolicies));
  }
}

function selectorMatchesTemplate(obj: Json, errs: Errs): void {
  const spec = rec(obj['spec']);
  const selector = spec['selector'];
  if (!isRecord(selector)) return void errs.push(required('spec.selector'));
  checkLabelSelector('spec.selector', selector, errs);
  const matchLabels = rec(selector['matchLabels']);
  const exprs = arr(selector['matchExpressions']);
  if (Object.keys(matchLabels).length === 0 && exprs.length === 0) {
    errs.push(invalid('spec.selector', selector, 'empty selector is invalid for deployment'));
  }
  const labels = rec(rec(rec(spec['template'])['metadata'])['labels']);
  const mismatch = Object.entries(matchLabels).some(([k, v]) => labels[k] !== v);
  if (mismatch) errs.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
}

function immutable(field: string, now: unknown, before: unknown, errs: Errs): void {
  if (!jsonEqual(now, before)) errs.push(invalid(field, now, 'field is immutable'));
}

const rules: Record<Kind, Rules> = {
  Namespace: {
    nameRule: 'label',
    hasStatus: true,
    hasGeneration: false,
    selectableFields: ['status.phase'],
    // The API server labels every namespace with its name (NamespaceDefaultLabelName, GA in 1.22), so
    // namespaceSelector can pick namespaces by name.
    defaults: (o) => {
      const m = rec(o['metadata']);
      return {
        ...o,
        metadata: { ...m, labels: { ...rec(m['labels']), 'kubernetes.io/metadata.name': m['name'] } },
        spec: { finalizers: ['kubernetes'], ...rec(o['spec']) },
        status: { phase: 'Active', ...rec(o['status']) },
      };
    },
  },
  Node: {
    hasStatus: true,
    hasGeneration: false,
    selectableFields: ['spec.unschedulable'],
    defaults: (o) => {
      const status = rec(o['status']);
      // An allocatable left out means the whole capacity is allocatable.
      let node = isRecord(status['capacity']) && !isRecord(status['allocatable']) ? { ...o, status: { ...status, allocatable: status['capacity'] } } : o;
      // Control-plane nodes keep workloads off unless they tolerate it, as kubeadm taints them
      // (node-role.kubernetes.io/control-plane:NoSchedule); a node that lists its taints keeps its own list.
      const labels = rec(rec(node['metadata'])['labels']);
      const spec = rec(node['spec']);
      if (labels[CONTROL_PLANE_LABEL] !== undefined && spec['taints'] === undefined) {
        node = { ...node, spec: { ...spec, taints: [{ key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' }] } };
      }
      return node;
    },
    validate: (o, errs) => {
      const spec = rec(o['spec']);
      checkTaints('spec.taints', spec['taints'], errs);
      const status = rec(o['status']);
      checkResourceList('status.capacity', status['capacity'], errs);
      checkResourceList('status.allocatable', status['allocatable'], errs);
    },
  },
  Pod: {
    hasStatus: true,
    hasGeneration: false,
    selectableFields: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
    defaults: (o) => {
      const spec = defaultPodSpec(rec(o['spec']));
      return withFields(o, { spec, status: withFields({ phase: 'Pending', qosClass: podQosClass(spec) }, rec(o['status'])) });
    },
    validate: (o, errs) => validatePodSpec('spec', o['spec'], errs),
    validateUpdate: (o, old, errs) => {
      const spec = rec(o['spec']);
      const oldSpec = rec(old['spec']);
      if (!jsonEqual(mutablePodSpecView(spec), mutablePodSpecView(oldSpec))) errs.push(forbidden('spec', POD_UPDATE_FORBIDDEN));
      // Tolerations may only be added to.
      const before = arr(oldSpec['tolerations']);
      const after = arr(spec['tolerations']);
      if (!before.every((t) => after.some((u) => jsonEqual(t, u)))) errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
    },
  },
  ReplicaSet: {
    hasStatus: true,
    hasGeneration: true,
    selectableFields: ['status.replicas'],
    defaults: (o) => ({ ...o, spec: { replicas: 1, ...rec(o['spec']), template: defaultTemplate(rec(rec(o['spec'])['template'])) } }),
    validate: (o, errs) => {
      checkNonNegative('spec.replicas', rec(o['spec'])['replicas'], errs);
      selectorMatchesTemplate(o, errs);
      workloadTemplate(o, errs, ['Always']);
    },
    validateUpdate: (o, old, errs) => immutable('spec.selector', rec(o['spec'])['selector'], rec(old['spec'])['selector'], errs),
  },
  Deployment: {
    hasStatus: true,
    hasGeneration: true,
    defaults: (o) => {
      const spec = rec(o['spec']);
      const strategy = rec(spec['strategy']);
      const type = strategy['type'] ?? 'RollingUpdate';
      return {
        ...o,
        spec: {
          replicas: 1,
          revisionHistoryLimit: 10,
          progressDeadlineSeconds: 600,
          ...spec,
          strategy:
            type === 'RollingUpdate'
              ? { type, rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%', ...rec(strategy['rollingUpdate']) } }
              : { ...strategy, type },
          template: defaultTemplate(rec(spec['template'])),
        },
      };
    },
    validate: (o, errs) => {
      const spec = rec(o['spec']);
      checkNonNegative('spec.replicas', spec['replicas'], errs);
      selectorMatchesTemplate(o, errs);
      workloadTemplate(o, errs, ['Always']);
      const ru = rec(rec(spec['strategy'])['rollingUpdate']);
      checkIntOrPercent('spec.strategy.rollingUpdate.maxUnavailable', ru['maxUnavailable'], errs);
      checkIntOrPercent('spec.strategy.rollingUpdate.maxSurge', ru['maxSurge'], errs);
      checkEnum('spec.strategy.type', rec(spec['strategy'])['type'], ['Recreate', 'RollingUpdate'], errs);
    },
    validateUpdate: (o, old, errs) => immutable('spec.selector', rec(o['spec'])['selector'], rec(old['spec'])['selector'], errs),
  },
  Job: {
    hasStatus: true,
    hasGeneration: true,
    defaults: (o) => {
      const spec = rec(o['spec']);
      return {
        ...o,
        spec: {
          parallelism: 1,
          completions: spec['parallelism'] !== undefined && spec['completions'] === undefined ? undefined : 1,
          backoffLimit: 6,
          completionMode: 'NonIndexed',
          suspend: false,
          ...spec,
          template: defaultTemplate(rec(spec['template'])),
        },
      };
    },
    validate: (o, errs) => {
      const spec = rec(o['spec']);
      for (const f of ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished']) checkNonNegative(`spec.${f}`, spec[f], errs);
      workloadTemplate(o, errs, ['OnFailure', 'Never']);
      checkLabelSelector('spec.selector', spec['selector'], errs);
    },
    validateUpdate: (o, old, errs) => {
      immutable('spec.selector', rec(o['spec'])['selector'], rec(old['spec'])['selector'], errs);
      immutable('spec.completions', rec(o['spec'])['completions'], rec(old['spec'])['completions'], errs);
    },
  },
  Service: {
    nameRule: 'dns1035',
    hasStatus: true,
    hasGeneration: false,
    defaults: (o) => {
      const spec = rec(o['spec']);
      return {
        ...o,
        spec: {
          type: 'ClusterIP',
          sessionAffinity: 'None',
          ...spec,
          ports: arr(spec['ports']).map((p) => (isRecord(p) ? { protocol: 'TCP', targetPort: p['port'], ...p } : p)),
        },
      };
    },
    validate: (o, errs) => {
      const spec = rec(o['spec']);
      checkEnum('spec.type', spec['type'], ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'], errs);
      const ports = arr(spec['ports']);
      if (ports.length === 0 && spec['type'] !== 'ExternalName' && spec['clusterIP'] !== 'None') errs.push(required('spec.ports'));
      const names = new Set<string>();
      ports.forEach((p: unknown, i) => {
        const at = `spec.ports[${i}]`;
        const port = rec(p)['port'];
        if (typeof port !== 'number' || port < 1 || port > 65535) errs.push(invalid(`${at}.port`, port, 'must be between 1 and 65535, inclusive'));
        checkEnum(`${at}.protocol`, rec(p)['protocol'], PROTOCOLS, errs);
        const name = rec(p)['name'];
        if (ports.length > 1 && (typeof name !== 'string' || name === '')) errs.push(required(`${at}.name`));
        if (typeof name === 'string' && name !== '') {
          if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
          names.add(name);
        }
      });
      checkLabels('spec.selector', spec['selector'], errs);
    },
    validateUpdate: (o, old, errs) => {
      const ip = rec(o['spec'])['clusterIP'];
      if (ip !== undefined && ip !== '') immutable('spec.clusterIP', ip, rec(old['spec'])['clusterIP'], errs);
    },
  },
  Endpoints: { hasGeneration: false, unconditionalUpdate: true },
  ServiceAccount: { hasGeneration: false },
  Secret: {
    hasGeneration: false,
    selectableFields: ['type'],
    defaults: (o) => ({ type: 'Opaque', ...o }),
    validate: (o, errs) => {
      checkConfigKeys('data', o['data'], errs);
      for (const [k, v] of Object.entries(rec(o['data']))) {
        if (!isBase64(v)) errs.push(invalid(`data[${k}]`, '<secret contents redacted>', 'must be base64 encoded'));
      }
    },
  },
  ConfigMap: {
    hasGeneration: false,
    // core/validation ValidateConfigMap: keys of both maps are config keys, no key in both, and the values
    // together at most MaxSecretSize (1 MiB, pkg/apis/core/types.go: ConfigMaps share the Secret limit),
    // counted as Go's len(): UTF-8 bytes of a data value, decoded bytes of a binaryData value.
    validate: (o, errs) => {
      const data = rec(o['data']);
      const binary = rec(o['binaryData']);
      checkConfigKeys('data', o['data'], errs);
      checkConfigKeys('binaryData', o['binaryData'], errs);
      let total = 0;
      for (const [k, v] of Object.entries(data)) {
        if (Object.hasOwn(binary, k)) errs.push(invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
        if (typeof v === 'string') total += Buffer.byteLength(v, 'utf8');
      }
      for (const [k, v] of Object.entries(binary)) {
        if (isBase64(v)) total += base64ByteLength(v);
        else errs.push(invalid(`binaryData[${k}]`, v, 'must be base64 encoded'));
      }
      // The error names the whole object: field.NewPath("") prints as "[]".
      if (total > MAX_CONFIGMAP_SIZE) errs.push({ type: 'FieldValueTooLong', field: '[]', detail: `must have at most ${MAX_CONFIGMAP_SIZE} bytes` });
    },
    // ValidateConfigMapUpdate: once immutable, it stays so and its data and binaryData do not change.
    validateUpdate: (o, old, errs) => {
      if (old['immutable'] !== true) return;
      const why = 'field is immutable when `immutable` is set';
      if (o['immutable'] !== true) errs.push(forbidden('immutable', why));
      if (!jsonEqual(o['data'], old['data'])) errs.push(forbidden('data', why));
      if (!jsonEqual(o['binaryData'], old['binaryData'])) errs.push(forbidden('binaryData', why));
    },
  },
  Lease: { hasGeneration: false, unconditionalUpdate: true },
  Event: {
    hasGeneration: false,
    isEventLog: true,
    selectableFields: [
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
    ],
    // event/strategy.go ToSelectableFields: "source" is source.component, else reportingController (the
    // core/v1 field reportingComponent), which is also what "reportingComponent" selects.
    selectableFieldValue: (o, field) => {
      if (field === 'source') return String(rec(o['source'])['component'] ?? '') || String(o['reportingComponent'] ?? '');
      return undefined;
    },
    validate: (o, errs) => {
      if (!isRecord(o['involvedObject'])) errs.push(required('involvedObject'));
      checkEnum('type', o['type'], ['Normal', 'Warning'], errs);
    },
  },
  PriorityClass: {
    hasGeneration: false,
    defaults: (o) => ({ preemptionPolicy: 'PreemptLowerPriority', ...o }),
    validate: (o, errs) => {
      const name = String(rec(o['metadata'])['name'] ?? '');
      const value = o['value'];
      if (typeof value !== 'number' || !Number.isInteger(value)) errs.push(required('value'));
      // scheduling/validation: user classes up to HighestUserDefinablePriority = 1e9; "system-" is reserved.
      else if (!name.startsWith('system-') && value > 1_000_000_000) errs.push(forbidden('value', 'maximum allowed value of a user defined priority is 1000000000'));
      if (name.startsWith('system-') && !SYSTEM_PRIORITY_CLASSES.has(name)) errs.push(forbidden('metadata.name', "priority class names with 'system-' prefix are reserved"));
      checkEnum('preemptionPolicy', o['preemptionPolicy'], ['Never', 'PreemptLowerPriority'], errs);
    },
    validateUpdate: (o, old, errs) => {
      if (o['value'] !== old['value']) errs.push(forbidden('value', 'may not be changed in an update.'));
      if (o['preemptionPolicy'] !== old['preemptionPolicy']) errs.push(invalid('preemptionPolicy', o['preemptionPolicy'], 'field is immutable'));
    },
  },
  RuntimeClass: {
    hasGeneration: false,
    validate: (o, errs) => {
      const handler = o['handler'];
      if (typeof handler !== 'string' || handler === '') errs.push(required('handler'));
      else if (!isDns1123Label(handler)) checkName('handler', handler, 'label', errs);
      checkResourceList('overhead.podFixed', rec(o['overhead'])['podFixed'], errs);
      const scheduling = rec(o['scheduling']);
      checkLabels('scheduling.nodeSelector', scheduling['nodeSelector'], errs);
      checkTolerations('scheduling.tolerations', scheduling['tolerations'], errs);
    },
    validateUpdate: (o, old, errs) => immutable('handler', o['handler'], old['handler'], errs),
  },
  PodDisruptionBudget: {
    hasStatus: true,
    hasGeneration: true,
    validate: (o, errs) => {
      const spec = rec(o['spec']);
      if (spec['minAvailable'] !== undefined && spec['maxUnavailable'] !== undefined) {
        errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
      }
      checkIntOrPercent('spec.minAvailable', spec['minAvailable'], errs);
      checkIntOrPercent('spec.maxUnavailable', spec['maxUnavailable'], errs);
      checkLabelSelector('spec.selector', spec['selector'], errs);
    },
  },
  NodePool: {
    hasStatus: true,
    hasGeneration: true,
    validate: (o, errs) => {
      const spec = rec(o['spec']);
      const min = spec['minSize'];
      const max = spec['maxSize'];
      if (min === undefined) errs.push(required('spec.minSize'));
      if (max === undefined) errs.push(required('spec.maxSize'));
      checkNonNegative('spec.minSize', min, errs);
      checkNonNegative('spec.maxSize', max, errs);
      checkNonNegative('spec.initialSize', spec['initialSize'], errs);
      if (typeof min === 'number' && typeof max === 'number' && min > max) errs.push(invalid('spec.minSize', min, `must be less than or equal to spec.maxSize (${max})`));
      const initial = spec['initialSize'];
      if (typeof initial === 'number' && ((typeof min === 'number' && initial < min) || (typeof max === 'number' && initial > max))) {
        errs.push(invalid('spec.initialSize', initial, 'must be between spec.minSize and spec.maxSize'));
      }
      if (spec['instanceType'] === undefined && !isRecord(spec['shape'])) errs.push(required('spec.shape', 'one of spec.instanceType or spec.shape is required'));
      const shape = rec(spec['shape']);
      const list: Json = {};
      for (const f of ['cpu', 'memory', 'ephemeralStorage']) if (shape[f] !== undefined) list[f] = shape[f];
      checkResourceList('spec.shape', list, errs);
      checkLabels('spec.labels', spec['labels'], errs);
      checkTaints('spec.taints', spec['taints'], errs);
      checkResourceList('spec.systemReserved', spec['systemReserved'], errs);
    },
  },
};

/** The built-in priority classes (pkg/apis/scheduling/types.go SystemClusterCritical / SystemNodeCritical). */
export const SYSTEM_PRIORITY_CLASSES = new Map<string, number>([
  ['system-cluster-critical', 2_000_000_000],
  ['system-node-critical', 2_000_001_000],
]);

function defaultTemplate(template: Json): Json {
  return { ...template, spec: defaultPodSpec(rec(template['spec'])) };
}

function metadataErrors(obj: Json, info: KindInfo, nameRule: NameRule, errs: Errs): void {
  const meta = rec(obj['metadata']);
  const name = meta['name'];
  if (typeof name !== 'string' || name === '') errs.push(required('metadata.name', 'name or generateName is required'));
  else checkName('metadata.name', name, nameRule, errs);
  if (info.namespaced) {
    if (typeof meta['namespace'] !== 'string' || meta['namespace'] === '') errs.push(required('metadata.namespace'));
  } else if (meta['namespace'] !== undefined && meta['namespace'] !== '') {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  checkLabels('metadata.labels', meta['labels'], errs);
  checkAnnotations('metadata.annotations', meta['annotations'], errs);
  arr(meta['ownerReferences']).forEach((r: unknown, i) => {
    for (const f of ['apiVersion', 'kind', 'name', 'uid']) {
      if (typeof rec(r)[f] !== 'string' || rec(r)[f] === '') errs.push(required(`metadata.ownerReferences[${i}].${f}`));
    }
  });
}

function metadataUpdateErrors(obj: Json, old: Json, errs: Errs): void {
  const meta = rec(obj['metadata']);
  const before = rec(old['metadata']);
  if (meta['uid'] !== undefined && meta['uid'] !== before['uid']) errs.push(invalid('metadata.uid', meta['uid'], 'field is immutable'));
  if (meta['creationTimestamp'] !== undefined && meta['creationTimestamp'] !== before['creationTimestamp']) {
    errs.push(invalid('metadata.creationTimestamp', meta['creationTimestamp'], 'field is immutable'));
  }
}

const strategies = new Map<string, Strategy>();
for (const kind of Object.keys(kinds) as Kind[]) {
  const r = rules[kind];
  const info = kinds[kind];
  const nameRule = r.nameRule ?? 'subdomain';
  strategies.set(info.resource, {
    kind,
    info,
    nameRule,
    hasStatus: r.hasStatus ?? false,
    hasGeneration: r.hasGeneration ?? true,
    unconditionalUpdate: r.unconditionalUpdate ?? true,
    selectableFields: r.selectableFields ?? [],
    isEventLog: r.isEventLog ?? false,
    ...(r.selectableFieldValue !== undefined ? { selectableFieldValue: r.selectableFieldValue } : {}),
    defaults: r.defaults ?? ((o) => o),
    validate(obj) {
      const errs: FieldError[] = [];
      metadataErrors(obj, info, nameRule, errs);
      r.validate?.(obj, errs);
      return errs;
    },
    validateUpdate(obj, old) {
      const errs: FieldError[] = [];
      metadataErrors(obj, info, nameRule, errs);
      metadataUpdateErrors(obj, old, errs);
      r.validate?.(obj, errs);
      r.validateUpdate?.(obj, old, errs);
      return errs;
    },
  });
}

/** The strategy for a resource (plural, e.g. "pods"), or undefined when the server does not serve it. */
export function strategyFor(resource: string): Strategy | undefined {
  return strategies.get(resource);
}

export function allStrategies(): Strategy[] {
  return [...strategies.values()];
}
