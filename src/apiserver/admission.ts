// Admission as kube-apiserver runs it for pods and priority classes: NamespaceLifecycle, ServiceAccount
// (default account name), Priority (plugin/pkg/admission/priority), RuntimeClass (overhead and scheduling),
// DefaultTolerationSeconds. Each step takes the object and returns a new one, or throws an ApiError.
import { withFields } from '../util/objects.js';
import { errors } from './errors.js';
import { SYSTEM_PRIORITY_CLASSES, isRecord, type Json } from './strategy.js';

/**
 * What pod admission reads from the cluster, looked up by the API server beforehand. kube-apiserver's
 * admission plugins read shared informers' caches (over its loopback client); the API server does the same
 * and falls back to storage for a name its cache lacks (as NamespaceLifecycle does).
 */
export interface PodAdmissionInputs {
  /** The PriorityClass the pod names (not a system class); undefined if there is none by that name. */
  readonly priorityClass: Json | undefined;
  /** The global default PriorityClass, if any (the lowest value if several claim it). */
  readonly globalDefault: Json | undefined;
  /** The RuntimeClass the pod names; undefined if there is none by that name. */
  readonly runtimeClass: Json | undefined;
}

/** The class with globalDefault set and the lowest value, as the Priority plugin picks it. */
export function globalDefaultClass(classes: readonly Json[]): Json | undefined {
  let best: Json | undefined;
  for (const c of classes) if (c['globalDefault'] === true && (best === undefined || Number(c['value']) < Number(best['value']))) best = c;
  return best;
}

/** plugin/pkg/admission/defaulttolerationseconds: 300 s for not-ready and unreachable. */
export const DEFAULT_NOT_READY_TOLERATION_SECONDS = 300;
export const DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300;

// The tolerations DefaultTolerationSeconds adds, one object each for every pod that gets them (API objects
// are never changed in place; frozen, so a write into one would fail loudly rather than reach every pod).
const NOT_READY_TOLERATION: Json = Object.freeze({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_NOT_READY_TOLERATION_SECONDS });
const UNREACHABLE_TOLERATION: Json = Object.freeze({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_UNREACHABLE_TOLERATION_SECONDS });

function rec(v: unknown): Json {
  return isRecord(v) ? v : {};
}

/**
 * NamespaceLifecycle on create. Its Forbidden names the object as the request gave it (empty for one that
 * only has a generateName: the name is generated after admission), e.g. `pods "web" is forbidden: ...`.
 */
export function admitNamespace(resource: string, group: string, namespace: string, name: string, ns: Json | undefined): void {
  if (ns === undefined) throw errors.notFound('namespaces', '', namespace);
  if (rec(ns['status'])['phase'] === 'Terminating' || rec(ns['metadata'])['deletionTimestamp'] !== undefined) {
    throw errors.forbidden(resource, group, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
  }
}

export function admitPod(pod: Json, inputs: PodAdmissionInputs): Json {
  const name = String(rec(pod['metadata'])['name'] ?? '');
  let spec = rec(pod['spec']);

  // ServiceAccount: the account defaults to "default".
  const sa = spec['serviceAccountName'] ?? spec['serviceAccount'] ?? 'default';
  spec = withFields(spec, { serviceAccountName: sa });

  // Priority: resolved from the class; a pod may not set the number itself.
  const className = spec['priorityClassName'];
  let priority = 0;
  let preemptionPolicy: unknown = 'PreemptLowerPriority';
  if (typeof className === 'string' && className !== '') {
    const system = SYSTEM_PRIORITY_CLASSES.get(className);
    if (system !== undefined) {
      priority = system;
    } else {
      const pc = inputs.priorityClass;
      if (pc === undefined) throw errors.forbidden('pods', '', name, `no PriorityClass with name ${className} was found`);
      priority = Number(pc['value']);
      preemptionPolicy = pc['preemptionPolicy'] ?? 'PreemptLowerPriority';
    }
  } else {
    const global = inputs.globalDefault;
    if (global !== undefined) {
      priority = Number(global['value']);
      preemptionPolicy = global['preemptionPolicy'] ?? 'PreemptLowerPriority';
      spec = withFields(spec, { priorityClassName: rec(global['metadata'])['name'] });
    }
  }
  if (spec['priority'] !== undefined && spec['priority'] !== priority) {
    throw errors.forbidden(
      'pods',
      '',
      name,
      `the integer value of priority (${String(spec['priority'])}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
    );
  }
  spec = withFields(spec, { priority, preemptionPolicy: spec['preemptionPolicy'] ?? preemptionPolicy });

  // RuntimeClass: the class's pod overhead and scheduling constraints.
  const rcName = spec['runtimeClassName'];
  if (typeof rcName === 'string' && rcName !== '') {
    const rc = inputs.runtimeClass;
    if (rc === undefined) throw errors.forbidden('pods', '', name, `pod rejected: RuntimeClass "${rcName}" not found`);
    const overhead = rec(rc['overhead'])['podFixed'];
    if (isRecord(overhead)) {
      if (spec['overhead'] !== undefined && JSON.stringify(spec['overhead']) !== JSON.stringify(overhead)) {
        throw errors.forbidden('pods', '', name, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
      }
      spec = { ...spec, overhead };
    }
    const scheduling = rec(rc['scheduling']);
    if (isRecord(scheduling['nodeSelector'])) {
      const mine = rec(spec['nodeSelector']);
      for (const [k, v] of Object.entries(scheduling['nodeSelector'])) {
        if (mine[k] !== undefined && mine[k] !== v) {
          throw errors.forbidden('pods', '', name, `pod rejected: conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${String(v)}; pod.spec.nodeSelector[${k}] = ${String(mine[k])}`);
        }
      }
      spec = { ...spec, nodeSelector: { ...mine, ...scheduling['nodeSelector'] } };
    }
    if (Array.isArray(scheduling['tolerations'])) {
      const have = Array.isArray(spec['tolerations']) ? spec['tolerations'] : [];
      const extra = scheduling['tolerations'].filter((t) => !have.some((h) => JSON.stringify(h) === JSON.stringify(t)));
      spec = { ...spec, tolerations: [...have, ...extra] };
    }
  }

  // DefaultTolerationSeconds: tolerate not-ready and unreachable nodes for 5 minutes unless the pod says otherwise.
  const tolerations = Array.isArray(spec['tolerations']) ? (spec['tolerations'] as Json[]) : [];
  const has = (key: string) => tolerations.some((t) => (t['key'] === key || ((t['key'] ?? '') === '' && t['operator'] === 'Exists')) && (t['effect'] === 'NoExecute' || (t['effect'] ?? '') === ''));
  const added: Json[] = [];
  if (!has('node.kubernetes.io/not-ready')) added.push(NOT_READY_TOLERATION);
  if (!has('node.kubernetes.io/unreachable')) added.push(UNREACHABLE_TOLERATION);
  if (added.length > 0) spec = withFields(spec, { tolerations: [...tolerations, ...added] });

  return withFields(pod, { spec });
}

/** Only one PriorityClass may be the global default (plugin/pkg/admission/priority admitPriorityClass). */
export function admitPriorityClass(pc: Json, existing: readonly Json[]): void {
  if (pc['globalDefault'] !== true) return;
  const name = rec(pc['metadata'])['name'];
  const other = existing.find((c) => c['globalDefault'] === true && rec(c['metadata'])['name'] !== name);
  if (other !== undefined) {
    throw errors.forbidden('priorityclasses', 'scheduling.k8s.io', String(name), `PriorityClass ${String(rec(other['metadata'])['name'])} is already marked as default. Only one default can exist`);
  }
}
