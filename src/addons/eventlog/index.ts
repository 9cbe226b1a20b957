// The event log (cluster-level logging): Events kept for --event-ttl and at most --max-events of them.
export { DEFAULT_MAX_EVENTS, EventLog } from './eventlog.js';
export type { EventLogOptions } from './eventlog.js';
