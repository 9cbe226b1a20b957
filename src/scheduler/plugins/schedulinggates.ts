// SchedulingGates, the PreEnqueue plugin that keeps a pod out of activeQ while its spec.schedulingGates is
// non-empty (k/k pkg/scheduler/framework/plugins/schedulinggates/scheduling_gates.go). The queue parks a
// rejected pod in unschedulablePods as "gated"; removing the last gate is a Pod/UpdatePodSchedulingGatesEliminated
// event, whose hint always says Queue.
import {
  ActionType,
  Code,
  ConfigError,
  SUCCESS,
  status,
  type ClusterEventWithHint,
  type EnqueueExtensions,
  type PluginFactory,
  type PreEnqueuePlugin,
  type Status,
} from '../framework.js';
import type { PodInfo } from '../podinfo.js';

export const NAME = 'SchedulingGates';

const EVENTS: readonly ClusterEventWithHint[] = Object.freeze([
  // "Pods can be more schedulable once it's gates are removed" (scheduling_gates.go EventsToRegister).
  { event: { resource: 'Pod', actions: ActionType.UpdatePodSchedulingGatesEliminated }, hint: () => 'Queue' },
]);

export class SchedulingGates implements PreEnqueuePlugin, EnqueueExtensions {
  readonly name = NAME;

  preEnqueue(pod: PodInfo): Status {
    const gates = pod.pod.spec.schedulingGates;
    if (gates === undefined || gates.length === 0) return SUCCESS;
    // Go's %v of a []string: "[foo bar]".
    return status(Code.UnschedulableAndUnresolvable, `waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [...EVENTS];
  }
}

/** SchedulingGates has no args. */
export const newSchedulingGates: PluginFactory = (handle) => {
  const args = handle.args;
  if (args !== undefined) {
    const fields = Object.keys(args).sort();
    if (fields.length > 0) throw new ConfigError(`${fields[0]}: unknown field (${NAME} takes no args)`);
  }
  return new SchedulingGates();
};

const _check = new SchedulingGates() satisfies PreEnqueuePlugin & EnqueueExtensions;
void _check;
