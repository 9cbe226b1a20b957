// Group versions served by another component of this process, as kube-aggregator proxies an APIService
// (apiregistration.k8s.io/v1) to its backing server: metrics.k8s.io/v1beta1 → metrics-server. The API
// server lists the group in /apis and /apis/<group>/<version> and routes GETs under that prefix to the
// component, which reads the cluster through the API server like any other client. Read-only: an
// aggregated group here serves get and list, as metrics-server does (no watch, no writes).
import { ApiError, errors } from './errors.js';
import type { APIResource, APIResourceList } from './discovery.js';

export interface ApiServiceRequest {
  readonly resource: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly labelSelector: string | undefined;
  readonly fieldSelector: string | undefined;
}

/** One aggregated group version and the component behind it. */
export interface ApiService {
  readonly group: string;
  readonly version: string;
  /** What /apis/<group>/<version> lists. */
  readonly resources: readonly APIResource[];
  /** A get (name set) or a list; throws ApiError (404 NotFound, 400 BadRequest ...). */
  get(request: ApiServiceRequest): Promise<unknown>;
}

export interface ApiServiceRoute {
  readonly service: ApiService;
  /** undefined: the group version's discovery document. */
  readonly request: ApiServiceRequest | undefined;
}

/** /apis/<group>/<version>[/namespaces/<ns>]/<resource>[/<name>] for a served ApiService; undefined when no service owns the path. */
export function routeApiService(services: readonly ApiService[], segments: readonly string[], q: URLSearchParams): ApiServiceRoute | undefined {
  if (segments[0] !== 'apis' || segments.length < 3) return undefined;
  const service = services.find((s) => s.group === segments[1] && s.version === segments[2]);
  if (service === undefined) return undefined;
  let rest = segments.slice(3);
  if (rest.length === 0) return { service, request: undefined };
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, ...extra] = rest;
  const info = service.resources.find((r) => r.name === resource);
  if (resource === undefined || info === undefined || extra.length > 0 || (namespace !== undefined && !info.namespaced)) throw errors.noResource();
  return {
    service,
    request: {
      resource,
      namespace,
      name,
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
    },
  };
}

/** The APIResourceList of an aggregated group version (as the backing server answers it). */
export function apiServiceResourceList(service: ApiService): APIResourceList {
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${service.group}/${service.version}`, resources: service.resources };
}

/** The groups /apis lists for the aggregated services, one entry per group in the order given. */
export function apiServiceGroups(services: readonly ApiService[]): { name: string; versions: string[] }[] {
  const out: { name: string; versions: string[] }[] = [];
  for (const s of services) {
    const g = out.find((x) => x.name === s.group);
    if (g === undefined) out.push({ name: s.group, versions: [s.version] });
    else if (!g.versions.includes(s.version)) g.versions.push(s.version);
  }
  return out;
}

/** Serves one routed request: GET only (watch and writes are 405, as metrics-server answers them). */
export async function serveApiService(route: ApiServiceRoute, method: string, watching: boolean): Promise<unknown> {
  if (method !== 'GET' || watching) throw errors.methodNotAllowed();
  if (route.request === undefined) return apiServiceResourceList(route.service);
  try {
    return await route.service.get(route.request);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw errors.internal(err instanceof Error ? err.message : String(err));
  }
}
