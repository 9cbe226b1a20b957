// Small helpers shared by score plugins, after kube-scheduler's pkg/scheduler/framework/plugins/helper.
import type { Json } from '../../apiserver/strategy.js';
import { ConfigError } from '../framework.js';

/**
 * DefaultNormalizeScore (plugins/helper/normalize_score.go): rescales raw scores from [0, max(scores)] to
 * [0, maxPriority] in place, reversed (maxPriority - score) when `reverse`. A maximum of 0 leaves the scores
 * alone, or sets every score to maxPriority when reversed. Scores are non-negative integers, so Go's int64
 * division is Math.trunc; maxPriority * score stays far below 2^53.
 *
 * `scores[i]` belongs to the i-th feasible node, for i < count (the framework's NormalizeScore layout).
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: Float64Array, count: number): void {
  let maxCount = 0;
  for (let i = 0; i < count; i++) {
    const s = scores[i]!;
    if (s > maxCount) maxCount = s;
  }
  if (maxCount === 0) {
    if (reverse) scores.fill(maxPriority, 0, count);
    return;
  }
  for (let i = 0; i < count; i++) {
    const score = Math.trunc((maxPriority * scores[i]!) / maxCount);
    scores[i] = reverse ? maxPriority - score : score;
  }
}

/** Keys a plugin's args may always carry: the config loader may pass the typed object's TypeMeta through. */
const TYPE_META_KEYS = new Set(['apiVersion', 'kind']);

/**
 * Checks the args of a plugin that takes none (upstream passes them to New and ignores them; drydock fails
 * at start-up instead, so a typo in pluginConfig is not silently dropped).
 */
export function expectNoArgs(plugin: string, args: Json | undefined): void {
  if (args === undefined || args === null) return;
  if (typeof args !== 'object' || Array.isArray(args)) throw new ConfigError(`args: must be an object, got ${JSON.stringify(args)} (${plugin} takes no args)`);
  for (const key of Object.keys(args)) {
    if (!TYPE_META_KEYS.has(key)) throw new ConfigError(`${key}: unknown field (${plugin} takes no args)`);
  }
}
