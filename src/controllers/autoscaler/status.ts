// The cluster-autoscaler-status view (clusterstate/api types; CA writes it as YAML into the ConfigMap
// kube-system/cluster-autoscaler-status). drydock keeps it in memory; `Autoscaler.status` holds the latest.
// Health is always "Healthy": drydock does not model CA's unready-node health thresholds.
import { formatTime } from '../../apiserver/meta.js';
import { isNodeReady, hasToBeDeletedTaint } from './scaledown.js';
import type { AutoscalerHistory, AutoscalerStatus, NodeCounts, Observed } from './types.js';

export function buildStatus(observed: Observed, history: AutoscalerHistory, now: number, candidates: ReadonlyMap<string, number>): AutoscalerStatus {
  const counts = (names: readonly string[], target: number | undefined): NodeCounts => {
    const nodes = observed.nodes.filter((n) => names.includes(n.metadata?.name ?? ''));
    const ready = nodes.filter(isNodeReady).length;
    return {
      registered: { total: nodes.length, ready, notReady: nodes.length - ready, beingDeleted: nodes.filter(hasToBeDeletedTaint).length },
      upcoming: target === undefined ? 0 : Math.max(0, target - nodes.length),
    };
  };
  const all = observed.nodes.map((n) => n.metadata?.name ?? '');
  const clusterCounts = counts(all, undefined);
  const upcoming = observed.groups.reduce((s, g) => s + Math.max(0, g.targetSize - [...observed.groupOfNode.values()].filter((x) => x === g.id).length), 0);
  const totalCandidates = [...candidates.values()].reduce((a, b) => a + b, 0);
  return {
    time: formatTime(now),
    autoscalerStatus: 'Running',
    clusterWide: {
      health: { status: 'Healthy', nodeCounts: { ...clusterCounts, upcoming } },
      scaleUp: {
        status: history.scaleUpRequests.size > 0 ? 'InProgress' : 'NoActivity',
        ...(Number.isFinite(history.lastScaleUpTime) ? { lastScaleUpTime: formatTime(history.lastScaleUpTime) } : {}),
      },
      scaleDown: {
        status: totalCandidates > 0 ? 'CandidatesPresent' : 'NoCandidates',
        candidates: totalCandidates,
        ...(Number.isFinite(history.lastScaleDownDeleteTime) ? { lastScaleDownTime: formatTime(history.lastScaleDownDeleteTime) } : {}),
      },
    },
    nodeGroups: observed.groups.map((g) => {
      const names = [...observed.groupOfNode].filter(([, id]) => id === g.id).map(([n]) => n);
      const b = history.backoff.get(g.id);
      const backedOff = b !== undefined && b.backoffUntil > now;
      const c = candidates.get(g.id) ?? 0;
      return {
        name: g.id,
        health: { status: 'Healthy' as const, nodeCounts: counts(names, g.targetSize), cloudProviderTarget: g.targetSize, minSize: g.minSize, maxSize: g.maxSize },
        scaleUp: backedOff
          ? { status: 'Backoff' as const, backoffInfo: { errorCode: b.reason, errorMessage: `in backoff after failed scale-up (${b.reason})`, until: formatTime(b.backoffUntil) } }
          : { status: history.scaleUpRequests.has(g.id) ? ('InProgress' as const) : ('NoActivity' as const) },
        scaleDown: { status: c > 0 ? ('CandidatesPresent' as const) : ('NoCandidates' as const), candidates: c },
      };
    }),
  };
}
