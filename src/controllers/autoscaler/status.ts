// The cluster-autoscaler-status document and the ConfigMap that carries it.
//
// Cluster Autoscaler keeps a ClusterStateRegistry (clusterstate/clusterstate.go) and, at the end of every
// RunOnce, writes GetStatus() into kube-system/cluster-autoscaler-status (clusterstate/utils/status.go
// WriteStatusConfigMap): data key "status" holds the document as YAML (clusterstate/api/types.go; since
// CA 1.30, before that a text block), annotation cluster-autoscaler.kubernetes.io/last-updated the time.
// Here the same document is built from the autoscaler's observed state and history:
// - readiness per node (clusterstate.go updateReadinessStats): being deleted (ToBeDeletedByClusterAutoscaler
//   taint), ready, not started (not ready and created less than MaxNodeStartupTime = 15 min ago), or
//   unready; resourceUnready is always 0: drydock's nodes publish their extended resources when they register;
// - unregistered: machines the group's target asks for that have no Node yet; longUnregistered: those of a
//   scale-up older than --max-node-provision-time (drydock forgets them at that moment, so it stays 0 after
//   a loop's decisions);
// - health (IsClusterHealthy / IsNodeGroupHealthy) with the flags' defaults --ok-total-unready-count 3 and
//   --max-total-unready-percentage 45;
// - scale-up InProgress while a scale-up request waits for nodes, Backoff with the failure's code and message;
// - scale-down CandidatesPresent with the number of unneeded nodes;
// - lastProbeTime is this loop, lastTransitionTime when the condition's status last changed.
import { formatTime } from '../../apiserver/meta.js';
import { hasToBeDeletedTaint, isNodeReady } from './scaledown.js';
import type { AutoscalerHistory, AutoscalerStatus, Condition, NodeCounts, NodeGroupStatus, Observed } from './types.js';

/** clusterstate/utils/status.go StatusConfigMapName, and the namespace CA runs in (--namespace, default kube-system). */
export const STATUS_CONFIGMAP_NAME = 'cluster-autoscaler-status';
export const STATUS_CONFIGMAP_NAMESPACE = 'kube-system';
/** clusterstate/utils/status.go ConfigMapLastUpdatedKey. */
export const LAST_UPDATED_ANNOTATION = 'cluster-autoscaler.kubernetes.io/last-updated';
/** clusterstate.go MaxNodeStartupTime. */
export const MAX_NODE_STARTUP_TIME_MS = 15 * 60_000;
/** Defaults of --ok-total-unready-count and --max-total-unready-percentage (main.go). */
export const OK_TOTAL_UNREADY_COUNT = 3;
export const MAX_TOTAL_UNREADY_PERCENTAGE = 45;

/**
 * Go's time.Time formatted with status.go ConfigMapLastUpdateFormat "2006-01-02 15:04:05.999999999 -0700 MST"
 * in UTC: "2026-01-01 00:00:10 +0000 UTC", the fraction without trailing zeros ("…:10.25 +0000 UTC").
 */
export function formatStatusTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:10.250Z
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}

/** time.Time's MarshalText (RFC 3339 with the fraction trimmed), as a condition's metav1.Time is written. */
function rfc3339Nano(ms: number): string {
  return ms % 1000 === 0 ? formatTime(ms) : new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

function creationMs(n: { readonly metadata?: { readonly creationTimestamp?: string } }): number {
  const t = n.metadata?.creationTimestamp;
  return t === undefined ? -Infinity : Date.parse(t);
}

interface Readiness {
  readonly counts: NodeCounts;
  readonly ready: number;
  readonly unready: number;
  readonly notStarted: number;
}

/** Too many unready nodes: more than OK_TOTAL_UNREADY_COUNT and more than 45 % of `of`. */
function tooManyUnready(unready: number, of: number): boolean {
  return unready > OK_TOTAL_UNREADY_COUNT && unready > (MAX_TOTAL_UNREADY_PERCENTAGE / 100) * of;
}

export function buildStatus(observed: Observed, history: AutoscalerHistory, now: number, candidates: ReadonlyMap<string, number>): AutoscalerStatus {
  const probe = rfc3339Nano(now);
  const readinessOf = (names: Iterable<string>, unregistered: number, longUnregistered: number): Readiness => {
    let total = 0;
    let ready = 0;
    let notStarted = 0;
    let beingDeleted = 0;
    let unready = 0;
    for (const name of names) {
      const n = nodeByName.get(name);
      if (n === undefined) continue;
      total++;
      if (hasToBeDeletedTaint(n)) beingDeleted++;
      else if (isNodeReady(n)) ready++;
      else if (creationMs(n) + MAX_NODE_STARTUP_TIME_MS > now) notStarted++;
      else unready++;
    }
    return {
      counts: { registered: { total, ready, notStarted, beingDeleted, unready: { total: unready, resourceUnready: 0 } }, longUnregistered, unregistered },
      ready,
      unready,
      notStarted,
    };
  };
  const nodeByName = new Map(observed.nodes.map((n) => [n.metadata?.name ?? '', n]));
  const namesByGroup = new Map<string, string[]>();
  for (const [node, group] of observed.groupOfNode) {
    const list = namesByGroup.get(group);
    if (list === undefined) namesByGroup.set(group, [node]);
    else list.push(node);
  }
  const last = history.lastStatus;
  const lastGroups = new Map((last?.nodeGroups ?? []).map((g) => [g.name, g]));
  const condition = <S extends string>(status: S, before: Condition<string> | undefined): Condition<S> => ({
    status,
    lastProbeTime: probe,
    lastTransitionTime: before !== undefined && before.status === status ? before.lastTransitionTime : probe,
  });

  let unregisteredTotal = 0;
  let longUnregisteredTotal = 0;
  const nodeGroups: NodeGroupStatus[] = observed.groups.map((g) => {
    const names = namesByGroup.get(g.id) ?? [];
    const registered = names.filter((n) => nodeByName.has(n)).length;
    const unregistered = Math.max(0, g.targetSize - registered);
    const request = history.scaleUpRequests.get(g.id);
    const longUnregistered = request !== undefined && request.expectedAddTime < now ? unregistered : 0;
    unregisteredTotal += unregistered;
    longUnregisteredTotal += longUnregistered;
    const r = readinessOf(names, unregistered, longUnregistered);
    // IsNodeGroupHealthy: the acceptable minimum is the target less what is still coming up.
    const minNodes = g.targetSize - (request?.increase ?? 0);
    const healthy = registered === 0 ? g.targetSize === 0 || minNodes <= 0 : !tooManyUnready(Math.max(0, minNodes - r.ready), r.ready + r.unready + r.notStarted);
    const before = lastGroups.get(g.id);
    const b = history.backoff.get(g.id);
    const scaleUp: NodeGroupStatus['scaleUp'] =
      request !== undefined && unregistered > 0
        ? condition('InProgress', before?.scaleUp)
        : b !== undefined && b.backoffUntil > now
          ? { ...condition('Backoff', before?.scaleUp), backoffInfo: { errorCode: b.reason, errorMessage: b.message ?? b.reason } }
          : condition('NoActivity', before?.scaleUp);
    const c = candidates.get(g.id) ?? 0;
    return {
      name: g.id,
      health: { ...condition(healthy ? 'Healthy' : 'Unhealthy', before?.health), nodeCounts: r.counts, cloudProviderTarget: g.targetSize, minSize: g.minSize, maxSize: g.maxSize },
      scaleUp,
      scaleDown: { ...condition(c > 0 ? 'CandidatesPresent' : 'NoCandidates', before?.scaleDown), candidates: c },
    };
  });

  const cluster = readinessOf(nodeByName.keys(), unregisteredTotal, longUnregisteredTotal);
  const totalCandidates = [...candidates.values()].reduce((a, b) => a + b, 0);
  const lastWide = last?.clusterWide;
  return {
    time: formatStatusTime(now),
    autoscalerStatus: 'Running',
    clusterWide: {
      health: { ...condition(tooManyUnready(cluster.unready, observed.nodes.length) ? 'Unhealthy' : 'Healthy', lastWide?.health), nodeCounts: cluster.counts },
      scaleUp: condition(nodeGroups.some((g) => g.scaleUp.status === 'InProgress') ? 'InProgress' : 'NoActivity', lastWide?.scaleUp),
      scaleDown: { ...condition(totalCandidates > 0 ? 'CandidatesPresent' : 'NoCandidates', lastWide?.scaleDown), candidates: totalCandidates },
    },
    nodeGroups,
  };
}

// ---- YAML, as gopkg.in/yaml.v2 marshals the Go structs ------------------------------------------------------
//
// Fields in the structs' order; `omitempty` fields (nodeCounts, registered, beingDeleted, unready,
// candidates, backoffInfo, nodeGroups) left out when zero, a struct being zero when all its fields are;
// block sequences not indented under their key; strings plain where YAML 1.1 would read them back as the
// same string, RFC 3339 times double-quoted (they would read back as timestamps), anything else single-quoted.

type Yaml = string | number | YamlMap | readonly YamlMap[];
/** An ordered map; a value of undefined is an omitted (omitempty) field. */
type YamlMap = readonly (readonly [string, Yaml | undefined])[];

const YAML11_SPECIAL = /^(?:~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][-+]?\d+)?|[-+]?0x[\da-fA-F_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:[Tt ]\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?(?:Z|[-+]\d{1,2}(?::\d{2})?)?)?$/;

function scalar(s: string): string {
  if (TIMESTAMP.test(s)) return `"${s}"`;
  const plain =
    s !== '' &&
    !YAML11_SPECIAL.test(s) &&
    !/^[-?:,[\]{}#&*!|>'"%@`\s]/.test(s) &&
    !/\s$/.test(s) &&
    !s.includes(': ') &&
    !s.includes(' #') &&
    !s.endsWith(':') &&
    !/[\n\t\\]/.test(s);
  if (plain) return s;
  return `'${s.replace(/'/g, "''").replace(/\n/g, '\n\n')}'`;
}

function isZero(v: Yaml | undefined): boolean {
  if (v === undefined || v === 0 || v === '') return true;
  if (typeof v !== 'object') return false;
  if (v.length === 0) return true;
  // A map (entries are pairs whose first element is a string) is zero when every field is.
  return (v as readonly unknown[]).every((e) => Array.isArray(e) && typeof e[0] === 'string' && isZero(e[1] as Yaml | undefined));
}

function isSequence(v: Yaml): v is readonly YamlMap[] {
  return typeof v === 'object' && v.length > 0 && Array.isArray(v[0]) && Array.isArray((v[0] as unknown[])[0]);
}

function emitMap(map: YamlMap, indent: string, out: string[], firstPrefix?: string): void {
  let first = true;
  for (const [key, value] of map) {
    if (value === undefined) continue;
    const lead = first && firstPrefix !== undefined ? firstPrefix : indent;
    first = false;
    if (typeof value !== 'object') {
      out.push(`${lead}${key}: ${typeof value === 'number' ? String(value) : scalar(value)}`);
    } else if (isSequence(value)) {
      out.push(`${lead}${key}:`);
      for (const item of value) emitMap(item, `${indent}  `, out, `${indent}- `);
    } else if (value.length === 0) {
      out.push(`${lead}${key}: ${isSequence(value) ? '[]' : '{}'}`);
    } else {
      out.push(`${lead}${key}:`);
      emitMap(value as YamlMap, `${indent}  `, out);
    }
  }
}

/** `omitempty`: the value, or undefined when it is zero. */
function omitEmpty(v: Yaml): Yaml | undefined {
  return isZero(v) ? undefined : v;
}

function countsYaml(c: NodeCounts): YamlMap {
  const r = c.registered;
  return [
    ['registered', omitEmpty([
      ['total', r.total],
      ['ready', r.ready],
      ['notStarted', r.notStarted],
      ['beingDeleted', omitEmpty(r.beingDeleted)],
      ['unready', omitEmpty([['total', r.unready.total], ['resourceUnready', r.unready.resourceUnready]])],
    ])],
    ['longUnregistered', c.longUnregistered],
    ['unregistered', c.unregistered],
  ];
}

function times(c: Condition<string>): YamlMap {
  return [
    ['lastProbeTime', c.lastProbeTime],
    ['lastTransitionTime', c.lastTransitionTime],
  ];
}

/** The "status" value of the ConfigMap: the document as CA writes it (yaml.Marshal of ClusterAutoscalerStatus). */
export function statusYaml(s: AutoscalerStatus): string {
  const w = s.clusterWide;
  const doc: YamlMap = [
    ['time', s.time],
    ['autoscalerStatus', s.autoscalerStatus],
    [
      'clusterWide',
      [
        ['health', [['status', w.health.status], ['nodeCounts', omitEmpty(countsYaml(w.health.nodeCounts))], ...times(w.health)]],
        ['scaleUp', [['status', w.scaleUp.status], ...times(w.scaleUp)]],
        ['scaleDown', [['status', w.scaleDown.status], ['candidates', omitEmpty(w.scaleDown.candidates)], ...times(w.scaleDown)]],
      ],
    ],
    [
      'nodeGroups',
      omitEmpty(
        s.nodeGroups.map((g): YamlMap => [
          ['name', g.name],
          [
            'health',
            [
              ['status', g.health.status],
              ['nodeCounts', omitEmpty(countsYaml(g.health.nodeCounts))],
              ['cloudProviderTarget', g.health.cloudProviderTarget],
              ['minSize', g.health.minSize],
              ['maxSize', g.health.maxSize],
              ...times(g.health),
            ],
          ],
          [
            'scaleUp',
            [
              ['status', g.scaleUp.status],
              ['backoffInfo', g.scaleUp.backoffInfo === undefined ? undefined : omitEmpty([['errorCode', g.scaleUp.backoffInfo.errorCode], ['errorMessage', g.scaleUp.backoffInfo.errorMessage]])],
              ...times(g.scaleUp),
            ],
          ],
          ['scaleDown', [['status', g.scaleDown.status], ['candidates', omitEmpty(g.scaleDown.candidates)], ...times(g.scaleDown)]],
        ]),
      ),
    ],
  ];
  const out: string[] = [];
  emitMap(doc, '', out);
  return `${out.join('\n')}\n`;
}

/** The ConfigMap WriteStatusConfigMap creates (or updates: the same data and annotation on the existing object). */
export function statusConfigMap(s: AutoscalerStatus): { apiVersion: 'v1'; kind: 'ConfigMap'; metadata: { name: string; namespace: string; annotations: Record<string, string> }; data: { status: string } } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: STATUS_CONFIGMAP_NAME, namespace: STATUS_CONFIGMAP_NAMESPACE, annotations: { [LAST_UPDATED_ANNOTATION]: s.time } },
    data: { status: statusYaml(s) },
  };
}
