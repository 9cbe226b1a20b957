// kube-apiserver's request metrics (k8s.io/apiserver pkg/endpoints/metrics/metrics.go): every resource
// request is counted by verb, dry run, group, version, resource, subresource, scope, component and HTTP code
// (apiserver_request_total) and timed (apiserver_request_duration_seconds). The labels are cleaned the
// way upstream cleans them (MonitorRequest → CanonicalVerb, cleanVerb, CleanScope, cleanDryRun), so the
// usual queries work unchanged, e.g. sum by (verb) (rate(apiserver_request_total{code=~"5.."}[5m])).
// Durations come from an injected `now` (ms), not from prom-client's own timers.
import { Counter, Histogram, type Registry } from 'prom-client';

/** The label values of one request (metrics.go requestCounter's labels, minus the code). */
export interface RequestAttributes {
  /** GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE (upper case, as upstream reports them). */
  readonly verb: string;
  /** "All" for ?dryRun=All, else "". */
  readonly dryRun: string;
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  /** The subresource ("status", "binding"), or for a health check its path ("/healthz"). */
  readonly subresource: string;
  /** resource | namespace | cluster, or "" for a non-resource request. */
  readonly scope: string;
  /** "apiserver" for resource requests (metrics.APIServerComponent), "" for health checks. */
  readonly component: string;
}

/** What the HTTP layer reports to: start() when a request arrives, the returned function when its response has ended. */
export interface RequestMetrics {
  start(): (attributes: RequestAttributes | undefined, code: number) => void;
}

/** metrics.go requestLatencies: "we customize buckets significantly, to empower both usecases" (the SLO and regressions). */
export const REQUEST_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
]);

/** The part of a resource request the labels are made from. */
export interface ResourceRequest {
  readonly method: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  /** A GET with ?watch=true (or 1). */
  readonly watch: boolean;
  readonly contentType: string | undefined;
  readonly dryRun: string | null;
}

/**
 * The labels kube-apiserver reports for a resource request. Scope (request.go CleanScope): "resource" when the
 * request names an object or creates one, "namespace" within a namespace, "cluster" otherwise. Verb
 * (CanonicalVerb, cleanVerb): a GET of a collection is LIST, a watch is WATCH, a PATCH with the apply
 * content type is APPLY; everything else is the HTTP method (so a delete of a collection is DELETE).
 */
export function resourceRequestAttributes(r: ResourceRequest): RequestAttributes {
  const method = r.method.toUpperCase();
  const scope = r.name !== undefined || method === 'POST' ? 'resource' : r.namespace !== undefined ? 'namespace' : 'cluster';
  let verb = method === 'HEAD' ? 'GET' : method;
  if (verb === 'GET' && scope !== 'resource') verb = 'LIST';
  if (r.watch) verb = 'WATCH';
  if (verb === 'PATCH' && (r.contentType ?? '').split(';')[0]!.trim() === 'application/apply-patch+yaml') verb = 'APPLY';
  return {
    verb,
    dryRun: r.dryRun === 'All' ? 'All' : '',
    group: r.group,
    version: r.version,
    resource: r.resource,
    subresource: r.subresource ?? '',
    scope,
    component: 'apiserver',
  };
}

/** A health check (/healthz, /livez, /readyz): upstream instruments these handlers with the path as the subresource. */
export function healthCheckAttributes(path: string): RequestAttributes {
  return { verb: 'GET', dryRun: '', group: '', version: '', resource: '', subresource: path, scope: '', component: '' };
}

const LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

export class ApiServerRequestMetrics implements RequestMetrics {
  private readonly total: Counter<(typeof LABELS)[number] | 'code'>;
  private readonly duration: Histogram<(typeof LABELS)[number]>;

  /** `now` reads a clock in milliseconds (fractions welcome: `drydock serve` passes performance.now). */
  constructor(registry: Registry, private readonly now: () => number) {
    this.total = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [...LABELS, 'code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: [...LABELS],
      buckets: [...REQUEST_DURATION_BUCKETS],
      registers: [registry],
    });
  }

  start(): (attributes: RequestAttributes | undefined, code: number) => void {
    const began = this.now();
    return (a, code) => {
      // A request that matched no route (404 from the router) is not instrumented upstream either.
      if (a === undefined) return;
      const labels = { verb: a.verb, dry_run: a.dryRun, group: a.group, version: a.version, resource: a.resource, subresource: a.subresource, scope: a.scope, component: a.component };
      this.total.inc({ ...labels, code: String(code) });
      // A WATCH is observed too, for as long as it stayed open, as upstream does (SLO queries exclude verb="WATCH").
      this.duration.observe(labels, (this.now() - began) / 1000);
    };
  }
}
