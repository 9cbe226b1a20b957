// Taints and tolerations, exactly as k8s.io/api/core/v1/toleration.go (Toleration.ToleratesTaint) and
// k8s.io/component-helpers/scheduling/corev1/helpers.go (TolerationsTolerateTaint,
// FindMatchingUntoleratedTaint) decide them. Not covered: the alpha Gt/Lt toleration operators
// (feature gate TaintTolerationComparisonOperators); like any unknown operator they tolerate nothing here.

import type { Taint, Toleration } from './types.js';

/**
 * Whether one toleration tolerates one taint (ToleratesTaint):
 * 1. an empty effect matches every effect, otherwise the effects must be equal;
 * 2. an empty key matches every key, otherwise the keys must be equal;
 * 3. operator Exists matches any value; Equal (also an empty operator) compares values, an absent value
 *    being ''. An empty key with Equal therefore matches any key whose value is equal — upstream does
 *    exactly this, though API validation only allows an empty key with Exists.
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  const effect = toleration.effect ?? '';
  if (effect !== '' && effect !== taint.effect) return false;
  const key = toleration.key ?? '';
  if (key !== '' && key !== taint.key) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** Whether any of the tolerations tolerates the taint (TolerationsTolerateTaint). */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (tolerations === undefined) return false;
  for (const toleration of tolerations) if (toleratesTaint(toleration, taint)) return true;
  return false;
}

/** The taints the TaintToleration filter considers: NoSchedule and NoExecute (taint_toleration.go Filter). */
export function isDoNotScheduleTaint(taint: Taint): boolean {
  return taint.effect === 'NoSchedule' || taint.effect === 'NoExecute';
}

/**
 * The first taint (in node order) that passes `filter` and that no toleration tolerates, or undefined if all
 * such taints are tolerated (FindMatchingUntoleratedTaint; no filter = every taint).
 */
export function findUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  filter?: (taint: Taint) => boolean,
): Taint | undefined {
  if (taints === undefined) return undefined;
  for (const taint of taints) {
    if (filter !== undefined && !filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/**
 * How many PreferNoSchedule taints the tolerations do not tolerate: the TaintToleration score before
 * normalisation (taint_toleration.go countIntolerableTaintsPreferNoSchedule). Upstream first keeps only the
 * tolerations with an empty or PreferNoSchedule effect; the others cannot tolerate these taints anyway.
 */
export function countIntolerableTaintsPreferNoSchedule(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined): number {
  let count = 0;
  for (const taint of taints ?? []) {
    if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) count++;
  }
  return count;
}
