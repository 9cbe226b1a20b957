// PrioritySort, the default QueueSort plugin: the activeQ pops the pod with the highest priority first, and
// among equal priorities the one queued earliest (k/k pkg/scheduler/framework/plugins/queuesort/priority_sort.go:
// `(p1 > p2) || (p1 == p2 && pInfo1.Timestamp.Before(pInfo2.Timestamp))`; reference §1.4). Pods equal on
// both come out in insertion order: the queue's heap breaks that tie (src/scheduler/heap.ts).
import { ConfigError, type PluginFactory, type QueueSortPlugin, type QueuedPodInfo } from '../framework.js';

export const NAME = 'PrioritySort';

/** PrioritySort.Less as a free function, for callers that need the order without a plugin instance. */
export function prioritySortLess(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
  const p1 = a.pod.priority;
  const p2 = b.pod.priority;
  return p1 > p2 || (p1 === p2 && a.timestamp < b.timestamp);
}

export class PrioritySort implements QueueSortPlugin {
  readonly name = NAME;
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    return prioritySortLess(a, b);
  }
}

/** PrioritySort has no args (upstream New ignores them); any field given is a configuration mistake. */
export const newPrioritySort: PluginFactory = (handle) => {
  const args = handle.args;
  if (args !== undefined) {
    const fields = Object.keys(args).sort();
    if (fields.length > 0) throw new ConfigError(`${fields[0]}: unknown field (${NAME} takes no args)`);
  }
  return new PrioritySort();
};

const _check = new PrioritySort() satisfies QueueSortPlugin;
void _check;
