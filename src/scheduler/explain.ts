// One explained scheduling cycle for one pod, in the shape `drydock explain --json` prints and the live
// dashboard shows: every node's filter results in kube-scheduler's words, every score plugin's raw,
// normalised and weighted score, the chosen node, and for a pod that fits nowhere the FitError message and
// what preemption would do (as a dry run: nothing is evicted or nominated).
import type { Pod } from '../api/index.js';
import { explainPreemption, isPreemptionResult, type PreemptionDecision, type PreemptionExplanation } from './plugins/defaultpreemption.js';
import type { Scheduler } from './scheduler.js';

export interface ExplainOutput {
  pod: string;
  selectedNode: string | null;
  nodes: { name: string; feasible: boolean; reasons: string[]; scores: Record<string, { raw: number; normalized: number; weighted: number }>; total: number }[];
  preemption: PreemptionExplanation | null;
  message: string | null;
}

/**
 * Explains `pod` against the scheduler's current cache. The scheduler must have been started (its caches
 * filled); it need not be running. Throws when no profile serves the pod's schedulerName.
 */
export async function explainPod(scheduler: Scheduler, pod: Pod, schedulerName = pod.spec.schedulerName ?? 'default-scheduler'): Promise<ExplainOutput> {
  const { explanation, result, state, pending } = scheduler.explain(pod, schedulerName);
  let preemption: PreemptionExplanation | null = null;
  let message: string | null = null;
  if (result.kind === 'unschedulable') {
    // Preemption as a dry run: the candidates and victims are reported, nothing is evicted.
    for (const out of scheduler.dryRunPostFilter(pending, schedulerName, state, result)) {
      if (isPreemptionResult(out.result as never)) {
        const r = out.result as { decision: PreemptionDecision; evictions: Promise<void> };
        await r.evictions.catch(() => undefined);
        preemption = explainPreemption(r.decision);
      }
      if (out.status.reasons.length > 0) result.fitError.postFilterMessage = `preemption: ${out.status.reasons.join(', ')}`;
    }
    message = result.fitError.message();
  } else if (result.kind === 'error') {
    message = result.status.reasons.join(', ');
  }
  return {
    pod: `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`,
    selectedNode: explanation.selectedNode,
    nodes: explanation.nodes.map((n) => ({ name: n.name, feasible: n.feasible, reasons: n.reasons, scores: n.scores, total: n.total })),
    preemption,
    message,
  };
}
