// Writing core/v1 Events, as client-go's event recorder does (k8s.io/client-go tools/record/event.go
// makeEvent): the event is named "<involved object's name>.<the time in Unix nanoseconds, hex>", lives in the
// object's namespace ("default" for cluster-scoped objects such as Nodes), with firstTimestamp =
// lastTimestamp = the time and count 1. Every component that reports events (scheduler, kubelets,
// controllers) writes them through this one function.
//
// drydock's clocks count milliseconds, so two events about one object in the same millisecond would get
// the same name; the second then takes the next nanosecond (and so on), which keeps names unique and, for
// one object, in the order the events were recorded.
import { ApiError } from './errors.js';
import { formatTime } from './meta.js';
import type { ApiServer } from './apiserver.js';

export interface InvolvedObject {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly fieldPath?: string;
}

export interface EventToRecord {
  readonly involved: InvolvedObject;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  /** When it happened, in ms since the epoch. */
  readonly at: number;
  /** source.component (and reportingComponent), e.g. "kubelet", "default-scheduler", "replicaset-controller". */
  readonly component: string;
  /** source.host and reportingInstance (the kubelet's node name). */
  readonly host?: string;
}

/** "<name>.<hex nanoseconds>" (tools/record/event.go: fmt.Sprintf("%v.%x", ref.Name, t.UnixNano())). */
export function eventName(objectName: string, unixNanos: bigint): string {
  return `${objectName}.${unixNanos.toString(16)}`;
}

/** source by component and host: every event of one component shares one object (events are never changed in place). */
const sources = new Map<string, Readonly<{ component: string; host?: string }>>();

function sourceOf(component: string, host: string | undefined): Readonly<{ component: string; host?: string }> {
  const key = host === undefined ? component : `${component}\u0000${host}`;
  let source = sources.get(key);
  if (source === undefined) sources.set(key, (source = Object.freeze({ component, ...(host !== undefined ? { host } : {}) })));
  return source;
}

/** Creates the Event; resolves to its name. */
export async function recordEvent(api: Pick<ApiServer, 'create'>, ev: EventToRecord): Promise<string> {
  const time = formatTime(ev.at);
  const namespace = ev.involved.namespace !== undefined && ev.involved.namespace !== '' ? ev.involved.namespace : 'default';
  const nanos = BigInt(Math.floor(ev.at)) * 1_000_000n;
  for (let bump = 0n; ; bump++) {
    const name = eventName(ev.involved.name, nanos + bump);
    try {
      await api.create('events', {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: ev.involved,
        reason: ev.reason,
        message: ev.message,
        type: ev.type,
        source: sourceOf(ev.component, ev.host),
        reportingComponent: ev.component,
        ...(ev.host !== undefined ? { reportingInstance: ev.host } : {}),
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      });
      return name;
    } catch (err) {
      // Taken by an event recorded in the same millisecond: the next nanosecond (bounded: a million per ms).
      if (err instanceof ApiError && err.reason === 'AlreadyExists' && bump < 999_999n) continue;
      throw err;
    }
  }
}
