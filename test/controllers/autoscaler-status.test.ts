// The cluster-autoscaler-status ConfigMap: the document (clusterstate/api/types.go) built from the
// autoscaler's state, its YAML as CA 1.30+ writes it (clusterstate/utils/status.go, gopkg.in/yaml.v2), and
// the ConfigMap written once per scan through the API server.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import type { ConfigMap, Node } from '../../src/api/index.js';
import {
  buildStatus,
  decide,
  EMPTY_HISTORY,
  formatStatusTime,
  LAST_UPDATED_ANNOTATION,
  statusYaml,
  TO_BE_DELETED_TAINT,
  type AutoscalerStatus,
  type GroupState,
} from '../../src/controllers/autoscaler/index.js';
import { apiError } from '../apiserver/fixtures.js';
import { makePod } from '../scheduler/fixtures.js';
import { autoscalerWorld, group, groupNode, MIN, observed, pendingPod, S, T0 } from './autoscaler-fixtures.js';

const KEY = '/registry/configmaps/kube-system/cluster-autoscaler-status';

function node(name: string, g: GroupState, how: { ready?: boolean; createdAgoMs?: number; deleting?: boolean } = {}): Node {
  const n = groupNode(name, g);
  return {
    ...n,
    metadata: { ...n.metadata, creationTimestamp: new Date(T0 - (how.createdAgoMs ?? 60 * MIN)).toISOString() },
    spec: { ...n.spec, ...(how.deleting === true ? { taints: [{ key: TO_BE_DELETED_TAINT, value: '1', effect: 'NoSchedule' as const }] } : {}) },
    status: { ...n.status, conditions: [{ type: 'Ready', status: how.ready === false ? 'False' : 'True' }] },
  };
}

const st = suite('cluster-autoscaler-status');

st('the time: Go time.String() in UTC, the fraction without trailing zeros', () => {
  assert.is(formatStatusTime(Date.UTC(2026, 0, 1, 0, 0, 10)), '2026-01-01 00:00:10 +0000 UTC');
  assert.is(formatStatusTime(Date.UTC(2026, 0, 1, 0, 0, 10, 250)), '2026-01-01 00:00:10.25 +0000 UTC');
  assert.is(formatStatusTime(Date.UTC(2026, 0, 1, 0, 0, 10, 7)), '2026-01-01 00:00:10.007 +0000 UTC');
});

st('readiness: ready, not started (< 15 min old), unready, being deleted; unregistered = target - registered', () => {
  const g = group('pool', { min: 1, max: 10, target: 6 });
  const nodes = [
    node('ready-1', g),
    node('ready-2', g),
    node('young', g, { ready: false, createdAgoMs: 14 * MIN }), // 14 min < MaxNodeStartupTime 15 min: notStarted
    node('old', g, { ready: false, createdAgoMs: 16 * MIN }), // 16 min: unready
    node('going', g, { deleting: true }), // the taint wins over readiness
  ];
  // The sixth machine is a scale-up of 1 still in flight.
  const history = { ...EMPTY_HISTORY, scaleUpRequests: new Map([['pool', { increase: 1, time: T0 - MIN, expectedAddTime: T0 + 14 * MIN }]]) };
  const s = buildStatus(observed({ groups: [g], nodes }), history, T0, new Map([['pool', 2]]));
  const counts = { registered: { total: 5, ready: 2, notStarted: 1, beingDeleted: 1, unready: { total: 1, resourceUnready: 0 } }, longUnregistered: 0, unregistered: 1 };
  // 6 asked for - 5 registered = 1 unregistered.
  assert.equal(s.nodeGroups[0]!.health.nodeCounts, counts);
  assert.equal(s.clusterWide.health.nodeCounts, counts);
  // Group: acceptable minimum 6 - 1 in flight = 5, 2 ready: 3 missing, not more than 3: healthy.
  // Cluster: 1 unready of 5, not more than 3: healthy. Scale-up in progress.
  assert.equal([s.nodeGroups[0]!.health.status, s.clusterWide.health.status, s.clusterWide.scaleUp.status], ['Healthy', 'Healthy', 'InProgress']);
  // Without the scale-up in flight the 6th machine is missing too: 4 > 3 and 4 > 0.45 * (2 + 1 + 1) = 1.8: unhealthy.
  assert.is(buildStatus(observed({ groups: [g], nodes }), EMPTY_HISTORY, T0, new Map()).nodeGroups[0]!.health.status, 'Unhealthy');
  assert.equal([s.nodeGroups[0]!.health.cloudProviderTarget, s.nodeGroups[0]!.health.minSize, s.nodeGroups[0]!.health.maxSize], [6, 1, 10]);
  assert.equal([s.nodeGroups[0]!.scaleDown.status, s.nodeGroups[0]!.scaleDown.candidates, s.clusterWide.scaleDown.candidates], ['CandidatesPresent', 2, 2]);
  assert.is(s.time, '2026-11-28 00:00:00 +0000 UTC');
});

st('health: unhealthy past --ok-total-unready-count 3 and --max-total-unready-percentage 45', () => {
  const g = group('pool', { target: 5 });
  const unready = (k: number) => Array.from({ length: 5 }, (_, i) => node(`n${i}`, g, { ready: i >= k }));
  // 3 unready of 5: 3 > 3 is false: healthy.
  assert.is(buildStatus(observed({ groups: [g], nodes: unready(3) }), EMPTY_HISTORY, T0, new Map()).clusterWide.health.status, 'Healthy');
  // 4 unready of 5: 4 > 3 and 4 > 0.45 * 5 = 2.25: unhealthy.
  assert.is(buildStatus(observed({ groups: [g], nodes: unready(4) }), EMPTY_HISTORY, T0, new Map()).clusterWide.health.status, 'Unhealthy');
  // A group: min nodes = target 5 (no scale-up in flight); 1 ready: 4 missing > 3 and > 0.45 * 5: unhealthy.
  assert.is(buildStatus(observed({ groups: [g], nodes: unready(4) }), EMPTY_HISTORY, T0, new Map()).nodeGroups[0]!.health.status, 'Unhealthy');
  // The same group while 4 of its 5 nodes are a scale-up in flight: min nodes 5 - 4 = 1, 1 ready: healthy.
  const history = { ...EMPTY_HISTORY, scaleUpRequests: new Map([['pool', { increase: 4, time: T0 - MIN, expectedAddTime: T0 + 14 * MIN }]]) };
  assert.is(buildStatus(observed({ groups: [g], nodes: unready(4) }), history, T0, new Map()).nodeGroups[0]!.health.status, 'Healthy');
});

st('lastTransitionTime holds while a condition keeps its status; lastProbeTime is every loop', () => {
  const g = group('pool', { max: 3 });
  const pod = pendingPod('p', { cpu: '1' });
  const d1 = decide(observed({ groups: [g], pods: [pod] }), T0 + 10 * S);
  assert.is(d1.status.clusterWide.scaleUp.status, 'InProgress', 'the pod is 10 s old: scale-up 0->1 asked for');
  const d2 = decide(observed({ groups: [{ ...g, targetSize: 1 }], pods: [pod] }), T0 + 20 * S, undefined, d1.history);
  assert.equal([d2.status.clusterWide.scaleUp.status, d2.status.clusterWide.scaleUp.lastProbeTime, d2.status.clusterWide.scaleUp.lastTransitionTime], ['InProgress', '2026-11-28T00:00:20Z', '2026-11-28T00:00:10Z']);
  // The node registers: NoActivity from this loop on.
  const n = node('pool-0', g);
  const d3 = decide(observed({ groups: [{ ...g, targetSize: 1 }], nodes: [n], pods: [] }), T0 + 30 * S, undefined, d2.history);
  assert.equal([d3.status.clusterWide.scaleUp.status, d3.status.clusterWide.scaleUp.lastTransitionTime], ['NoActivity', '2026-11-28T00:00:30Z']);
  assert.is(d3.status.nodeGroups[0]!.health.lastTransitionTime, '2026-11-28T00:00:10Z', 'healthy all along');
});

st('backoff: the failure\'s code and message, as clusterstate registers a timed-out scale-up', () => {
  const g = group('pool', { max: 10 });
  const pod = pendingPod('p', { cpu: '1' });
  const d1 = decide(observed({ groups: [g], pods: [pod] }), T0 + 10 * S);
  // The machine never registers: 15 min 10 s later (expectedAddTime 15 min after the request) it times out.
  const late = decide(observed({ groups: [{ ...g, targetSize: 1 }], pods: [pod] }), T0 + 10 * S + 15 * MIN + 10 * S, undefined, d1.history);
  assert.equal(late.status.nodeGroups[0]!.scaleUp.status, 'Backoff');
  assert.equal(late.status.nodeGroups[0]!.scaleUp.backoffInfo, { errorCode: 'timeout', errorMessage: 'Scale-up timed out for node group pool after 15m10s' });
  assert.match(statusYaml(late.status), "    backoffInfo:\n      errorCode: timeout\n      errorMessage: Scale-up timed out for node group pool after 15m10s\n");
});

st('YAML: yaml.v2\'s shape — struct order, omitempty, unindented sequences, quoted timestamps — and it parses back', () => {
  const t = '2026-01-01T00:10:00Z';
  const c = <S extends string>(status: S) => ({ status, lastProbeTime: t, lastTransitionTime: '2026-01-01T00:00:10Z' });
  const empty = { registered: { total: 0, ready: 0, notStarted: 0, beingDeleted: 0, unready: { total: 0, resourceUnready: 0 } }, longUnregistered: 0, unregistered: 0 };
  const s: AutoscalerStatus = {
    time: '2026-01-01 00:10:00 +0000 UTC',
    autoscalerStatus: 'Running',
    clusterWide: {
      health: { ...c('Healthy'), nodeCounts: { ...empty, registered: { ...empty.registered, total: 2, ready: 2 } } },
      scaleUp: c('NoActivity'),
      scaleDown: { ...c('NoCandidates'), candidates: 0 },
    },
    nodeGroups: [
      {
        name: 'general',
        health: { ...c('Healthy'), nodeCounts: { ...empty, registered: { ...empty.registered, total: 2, ready: 2 } }, cloudProviderTarget: 2, minSize: 1, maxSize: 10 },
        scaleUp: c('NoActivity'),
        scaleDown: { ...c('CandidatesPresent'), candidates: 1 },
      },
      {
        // No nodes at all: nodeCounts is all zeros and left out; the error message has ": " and is quoted.
        name: 'gpu',
        health: { ...c('Healthy'), nodeCounts: empty, cloudProviderTarget: 0, minSize: 0, maxSize: 4 },
        scaleUp: { ...c('Backoff'), backoffInfo: { errorCode: 'cloudProviderError', errorMessage: "failed to increase node group size: quota 'gpus' exceeded" } },
        scaleDown: { ...c('NoCandidates'), candidates: 0 },
      },
    ],
  };
  const expected = `time: 2026-01-01 00:10:00 +0000 UTC
autoscalerStatus: Running
clusterWide:
  health:
    status: Healthy
    nodeCounts:
      registered:
        total: 2
        ready: 2
        notStarted: 0
      longUnregistered: 0
      unregistered: 0
    lastProbeTime: "2026-01-01T00:10:00Z"
    lastTransitionTime: "2026-01-01T00:00:10Z"
  scaleUp:
    status: NoActivity
    lastProbeTime: "2026-01-01T00:10:00Z"
    lastTransitionTime: "2026-01-01T00:00:10Z"
  scaleDown:
    status: NoCandidates
    lastProbeTime: "2026-01-01T00:10:00Z"
    lastTransitionTime: "2026-01-01T00:00:10Z"
nodeGroups:
- name: general
  health:
    status: Healthy
    nodeCounts:
      registered:
        total: 2
        ready: 2
        notStarted: 0
      longUnregistered: 0
      unregistered: 0
    cloudProviderTarget: 2
    minSize: 1
    maxSize: 10
    lastProbeTime: "2026-01-01T00:10:00Z"
    lastTransitionTime: "2026-01-01T00:00:10Z"
  scaleUp:
    status: NoActivity
    lastProbeTime: "2026-01-01T00:10:00Z"
    lastTransitionTime: "2026-01-01T00:00:10Z"
  scaleDown:
    status: CandidatesPresent
    candidates: 1
    lastProbeTime: "2026-01-01T00:10:00Z"
    lastTransitionTime: "2026-01-01T00:00:10Z"
- name: gpu
  health:
    status: Healthy
    cloudProviderTarget: 0
    minSize: 0
    maxSize: 4
    lastProbeTime: "2026-01-01T00:10:00Z"
    lastTransitionTime: "2026-01-01T00:00:10Z"
  scaleUp:
    status: Backoff
    backoffInfo:
      errorCode: cloudProviderError
      errorMessage: 'failed to increase node group size: quota ''gpus'' exceeded'
    lastProbeTime: "2026-01-01T00:10:00Z"
    lastTransitionTime: "2026-01-01T00:00:10Z"
  scaleDown:
    status: NoCandidates
    lastProbeTime: "2026-01-01T00:10:00Z"
    lastTransitionTime: "2026-01-01T00:00:10Z"
`;
  assert.fixture(statusYaml(s), expected);
  const back = parse(statusYaml(s)) as { nodeGroups: { scaleUp: { backoffInfo?: { errorMessage: string } } }[]; clusterWide: { health: { lastProbeTime: string } } };
  assert.is(back.nodeGroups[1]!.scaleUp.backoffInfo!.errorMessage, "failed to increase node group size: quota 'gpus' exceeded");
  assert.is(back.clusterWide.health.lastProbeTime, t);
});

async function world() {
  const w = await autoscalerWorld('least-waste', (cloud) => cloud.add('small', { min: 0, max: 3, cpu: '2', memory: '4Gi', price: 0.1 }));
  const configMap = () => w.api.get<ConfigMap>('configmaps', 'kube-system', 'cluster-autoscaler-status');
  return { ...w, configMap };
}

st('the ConfigMap: written once per scan, data.status the document, last-updated the document\'s time', async () => {
  const w = await world();
  await w.api.create('pods', { ...makePod('web').req({ cpu: '1', memory: '1Gi' }).obj(), metadata: { name: 'web', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs', controller: true }] }, status: {} });
  await w.scheduler.runUntilIdle();
  for (let i = 0; i < 3; i++) await w.scan();
  // 3 scans: 1 create + 2 updates; an etcd key's version counts its writes since creation.
  assert.is(w.mvcc.range({ key: KEY }).kvs[0]!.version, 3);
  const cm = await w.configMap();
  const now = w.clock.now(); // T0 + 30 s
  assert.is(cm.metadata!.annotations![LAST_UPDATED_ANNOTATION], '2026-11-28 00:00:30 +0000 UTC');
  assert.is(now - T0, 30 * S);
  assert.equal(Object.keys(cm.data!), ['status']);
  assert.is(cm.data!['status'], statusYaml(w.autoscaler.status!));
  const doc = parse(cm.data!['status']!) as { time: string; clusterWide: { scaleUp: { status: string } }; nodeGroups: { name: string; health: { cloudProviderTarget: number } }[] };
  assert.is(doc.time, '2026-11-28 00:00:30 +0000 UTC');
  assert.is(doc.clusterWide.scaleUp.status, 'InProgress', 'the pod asked for a node that registers after 60 s');
  assert.equal(doc.nodeGroups.map((g) => [g.name, g.health.cloudProviderTarget]), [['small', 1]]);
  assert.equal(w.errors, []);
});

st('someone else\'s write (409) or a deleted ConfigMap (404): the next scan reads, then updates or creates; other keys are kept', async () => {
  const w = await world();
  await w.scan();
  const first = await w.configMap();
  // An edit between scans: the autoscaler's copy is stale, its update conflicts, it GETs and updates as CA does.
  await w.api.update('configmaps', { ...first, data: { ...first.data, note: 'hand-written' } });
  await w.scan();
  const second = await w.configMap();
  assert.equal(Object.keys(second.data!).sort(), ['note', 'status']);
  assert.is(second.metadata!.annotations![LAST_UPDATED_ANNOTATION], '2026-11-28 00:00:20 +0000 UTC');
  await w.api.delete('configmaps', 'kube-system', 'cluster-autoscaler-status');
  assert.is((await apiError(() => w.configMap())).code, 404);
  await w.scan();
  const third = await w.configMap();
  assert.equal(Object.keys(third.data!), ['status']);
  assert.ok(third.metadata!.uid !== first.metadata!.uid, 'created anew');
  assert.equal(w.errors, []);
  assert.is(w.autoscaler.counters.errors.get('apiCallError'), undefined);
});

st.run();
