// Cluster-level logging for `drydock serve`: the Events every component writes, kept as a bounded log.
// Two limits, as a cluster's event store has them:
// - age: the API server writes events with a store lease of --event-ttl (kube-apiserver's default 1 h,
//   ApiServerOptions.eventTtlSeconds), so the store deletes each one that long after its last write;
// - count: this addon watches events through an informer and, when there are more than maxEvents, deletes
//   the oldest (by last write, the API server's list order for events) through the API server. Upstream has
//   no such cap (etcd's quota is the only bound); drydock adds it so a long-running serve stays small.
// The log is queried through the API server: `kubectl get events` (oldest first), field selectors such as
// involvedObject.name=web-1 (as `kubectl describe pod` uses), and watches.
import type { Event } from '../../api/index.js';
import type { ApiServer } from '../../apiserver/apiserver.js';
import { ApiError } from '../../apiserver/errors.js';
import { objectKey, type Informer, type SharedInformerFactory } from '../../apiserver/informer.js';

/** About 10 MB of events at ~1 KB each; a busy 100-node cluster writes that many in well under an hour. */
export const DEFAULT_MAX_EVENTS = 10_000;

export interface EventLogOptions {
  readonly api: ApiServer;
  readonly informers: SharedInformerFactory;
  /** At most this many events are kept (0: no cap; the TTL alone bounds the log). */
  readonly maxEvents?: number;
  /** Errors from deletes other than 404 (default: ignored; the next write tries again). */
  readonly onError?: (err: unknown) => void;
}

function resourceVersion(e: Event): number {
  return Number(e.metadata.resourceVersion ?? 0);
}

export class EventLog {
  readonly maxEvents: number;
  private readonly api: ApiServer;
  private readonly events: Informer<Event>;
  /** Keys in the order of their last write: a Map keeps insertion order, and an update re-inserts. */
  private readonly order = new Map<string, number>();
  /** Keys being deleted, so that a burst of writes does not delete one event twice. */
  private readonly deleting = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Events this addon has deleted to keep the cap. */
  trimmed = 0;

  constructor(private readonly options: EventLogOptions) {
    this.api = options.api;
    this.maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.events = options.informers.informer<Event>('events');
  }

  /** Fills the cache, orders it by resourceVersion, trims it, and follows every write after. */
  async start(): Promise<void> {
    this.events.addEventHandler({
      onAdd: (e) => this.written(e),
      onUpdate: (_, e) => this.written(e),
      onDelete: (e) => {
        const key = objectKey(e);
        this.order.delete(key);
        this.deleting.delete(key);
      },
    });
    await this.events.start();
    // The initial list arrives in key order; the log's order is the write order.
    const listed = [...this.order.entries()].sort((a, b) => a[1] - b[1]);
    this.order.clear();
    for (const [key, rv] of listed) this.order.set(key, rv);
    this.trim();
  }

  /** How many events the log holds now. */
  get size(): number {
    return this.order.size;
  }

  /** Resolves when the deletes started so far have finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private written(e: Event): void {
    const key = objectKey(e);
    this.order.delete(key);
    this.order.set(key, resourceVersion(e));
    if (this.events.hasSynced) this.trim();
  }

  /** Deletes the oldest events beyond the cap (those not already being deleted). */
  private trim(): void {
    if (this.maxEvents <= 0) return;
    let excess = this.order.size - this.deleting.size - this.maxEvents;
    for (const key of this.order.keys()) {
      if (excess <= 0) break;
      if (this.deleting.has(key)) continue;
      this.deleting.add(key);
      excess--;
      const slash = key.indexOf('/');
      const p = this.api
        .delete('events', key.slice(0, slash), key.slice(slash + 1))
        .then(
          () => {
            this.trimmed++;
          },
          (err: unknown) => {
            this.deleting.delete(key);
            if (!(err instanceof ApiError && err.code === 404)) this.options.onError?.(err);
          },
        )
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }
}
