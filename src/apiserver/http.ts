// REST over HTTP: Kubernetes' paths and wire shapes on node:http, enough for the real kubectl v1.32 and
// @kubernetes/client-node (shared/reference/etcd-and-apiserver.md §4–5). Every request goes to the
// in-process ApiServer; this layer only routes, decodes, negotiates Table output, streams watches and
// turns errors into metav1 Status bodies.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { kinds, type Kind } from '../api/index.js';
import type { ApiServer, ApiWatchEvent, DeleteOptions, FieldValidation, WatchOptions } from './apiserver.js';
import { apiGroupList, apiResourceList, apiVersions, openApiV3GroupVersion, openApiV3Root, version } from './discovery.js';
import { ApiError, errors, type Status } from './errors.js';
import { toTable } from './tables.js';
import { isRecord, type Json } from './strategy.js';
import type { Authenticator, UserInfo } from './auth.js';
import { apiServiceGroups, routeApiService, serveApiService, type ApiService } from './aggregator.js';
import { healthCheckAttributes, resourceRequestAttributes, type RequestAttributes, type RequestMetrics } from './metrics.js';

/** kube-apiserver's MaxRequestBodyBytes (k8s.io/apiserver pkg/server/config.go). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export interface HttpServerOptions {
  readonly api: ApiServer;
  readonly host?: string;
  readonly port?: number;
  /** Absent: every request is allowed (only sensible on loopback). */
  readonly authenticator?: Authenticator;
  /** Serve HTTPS with this PEM certificate and key (needed for bearer tokens: kubectl sends none over http). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Counts and times requests (apiserver_request_total, apiserver_request_duration_seconds). */
  readonly requestMetrics?: RequestMetrics;
  /** Group versions another component serves (kube-aggregator's APIServices), e.g. metrics.k8s.io. */
  readonly apiServices?: readonly ApiService[];
  /** GET /metrics: the Prometheus text exposition. */
  readonly metrics?: () => Promise<{ readonly contentType: string; readonly text: string }>;
  /** Handlers for paths outside the Kubernetes API (the dashboard), tried before the API's own routes. */
  readonly mounts?: readonly HttpMount[];
}

/**
 * Serves a path prefix outside the Kubernetes API ("/dashboard" and everything under it). Requests reach it
 * after authentication: with an authenticator, only authenticated ones, unless `isPublic` says the path
 * carries no cluster data (a page shell, its script), so that a browser can load it and then send a token.
 */
export interface HttpMount {
  readonly prefix: string;
  isPublic?(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL, user: UserInfo | undefined): Promise<void>;
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

interface Route {
  readonly resource: string;
  readonly kind: Kind;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

const resourceByGroupVersion = new Map<string, Map<string, Kind>>();
for (const kind of Object.keys(kinds) as Kind[]) {
  const info = kinds[kind];
  let m = resourceByGroupVersion.get(info.apiVersion);
  if (m === undefined) resourceByGroupVersion.set(info.apiVersion, (m = new Map()));
  m.set(info.resource, kind);
}

/** Splits /api/v1/namespaces/ns/pods/name/status and /apis/apps/v1/... into their parts. */
function route(segments: string[]): Route | 'discovery' | undefined {
  let gv: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') {
    gv = 'v1';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    gv = `${segments[1]}/${segments[2]}`;
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  const served = resourceByGroupVersion.get(gv);
  if (served === undefined) return undefined;
  if (rest.length === 0) return 'discovery';
  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}/... is namespaced; /namespaces[/{name}[/status]] is the Namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const namespaceSubresource = gv === 'v1' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
    if (!namespaceSubresource) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const [resource, name, subresource, ...extra] = rest;
  if (resource === undefined || extra.length > 0) return undefined;
  const kind = served.get(resource);
  if (kind === undefined) return undefined;
  const info = kinds[kind];
  if (info.namespaced === false && namespace !== undefined) return undefined;
  return { resource, kind, namespace, name, subresource };
}

function wantsTable(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io') && (params.includes('v=v1') || params.includes('v=v1beta1'));
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_REQUEST_BODY_BYTES) {
      req.resume();
      return reject(errors.tooLarge(MAX_REQUEST_BODY_BYTES));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) {
        failed = true;
        reject(errors.tooLarge(MAX_REQUEST_BODY_BYTES));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** Media types a request body may have; protobuf and CBOR are refused with 415, and clients retry as JSON. */
const BODY_MEDIA_TYPES = new Set([
  'application/json',
  'application/yaml',
  'text/yaml',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
  'application/apply-patch+yaml',
]);

function decodeBody(raw: Buffer, contentType: string): unknown {
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  if (media !== '' && !BODY_MEDIA_TYPES.has(media)) throw errors.unsupportedMediaType(contentType);
  const text = raw.toString('utf8');
  if (text.trim() === '') throw errors.badRequest('the request body is empty');
  try {
    if (media === 'application/yaml' || media === 'application/apply-patch+yaml' || media === 'text/yaml') {
      return parseYaml(text) as unknown;
    }
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw errors.badRequest(`the body of the request could not be decoded as ${media.includes('yaml') ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
}

/**
 * JSON text per stored object version, made once: the API server hands every reader the same object for a
 * version, so fifty watchers and every list share one serialisation (kube-apiserver's cachingObject idea).
 */
const jsonText = new WeakMap<object, string>();

function jsonOf(obj: unknown): string {
  if (typeof obj !== 'object' || obj === null) return JSON.stringify(obj);
  let text = jsonText.get(obj);
  if (text === undefined) {
    text = JSON.stringify(obj);
    jsonText.set(obj, text);
  }
  return text;
}

/** A list's body, reusing each item's text. */
function listJson(list: { apiVersion: string; kind: string; metadata: object; items: readonly object[] }): string {
  return `{"apiVersion":${JSON.stringify(list.apiVersion)},"kind":${JSON.stringify(list.kind)},"metadata":${JSON.stringify(list.metadata)},"items":[${list.items.map(jsonOf).join(',')}]}`;
}

function send(res: ServerResponse, code: number, body: unknown, warnings: readonly string[] = [], text = JSON.stringify(body)): void {
  const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' };
  // RFC 7234 warning headers, as kube-apiserver sends them: 299 - "text".
  if (warnings.length > 0) headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

function sendStatus(res: ServerResponse, status: Status): void {
  send(res, status.code, status);
}

const READ_VERBS = new Set(['get', 'list', 'watch']);

export function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const { api } = options;
  const host = options.host ?? '127.0.0.1';
  const watches = new Set<() => void>();
  let address = `${host}:${options.port ?? 6443}`;

  const apiServices = options.apiServices ?? [];
  /** `seen.attributes` is filled in once the request is routed, for requestMetrics. */
  const handle = async (req: IncomingMessage, res: ServerResponse, seen: { attributes?: RequestAttributes }): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://drydock.invalid');
    const q = url.searchParams;
    const segments = url.pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
    const method = (req.method ?? 'GET').toUpperCase();

    const user = options.authenticator?.authenticate(req.headers['authorization']);
    const mount = options.mounts?.find((m) => url.pathname === m.prefix || url.pathname.startsWith(`${m.prefix}/`));
    if (mount !== undefined && (options.authenticator === undefined || user !== undefined || mount.isPublic?.(url.pathname) === true)) {
      return mount.handle(req, res, url, user);
    }
    if (options.authenticator !== undefined && user === undefined) return sendStatus(res, errors.unauthorized().status);

    // Health and discovery need no authorisation beyond authentication.
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (method === 'GET') {
      if (path === '/version') return send(res, 200, version());
      if (path === '/healthz' || path === '/livez' || path === '/readyz') {
        seen.attributes = healthCheckAttributes(path);
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end('ok');
      }
      if (path === '/api') return send(res, 200, apiVersions(address));
      if (path === '/apis') return send(res, 200, apiGroupList(apiServiceGroups(apiServices)));
      if (path === '/metrics' && options.metrics !== undefined) {
        const m = await options.metrics();
        res.writeHead(200, { 'Content-Type': m.contentType });
        return void res.end(m.text);
      }
      if (path === '/openapi/v3') return send(res, 200, openApiV3Root());
      if (path.startsWith('/openapi/v3/')) {
        const doc = openApiV3GroupVersion(path.slice('/openapi/v3/'.length));
        return doc === undefined ? sendStatus(res, errors.noResource().status) : send(res, 200, doc);
      }
    }
    const watching = method === 'GET' && (q.get('watch') === 'true' || q.get('watch') === '1');
    const aggregated = routeApiService(apiServices, segments, q);
    if (aggregated !== undefined) {
      const a = aggregated.request;
      if (a !== undefined) seen.attributes = resourceRequestAttributes({ method, group: aggregated.service.group, version: aggregated.service.version, resource: a.resource, subresource: undefined, namespace: a.namespace, name: a.name, watch: watching, contentType: req.headers['content-type'], dryRun: q.get('dryRun') });
      return send(res, 200, await serveApiService(aggregated, method, watching));
    }
    const r = route(segments);
    if (r === undefined) return sendStatus(res, errors.noResource().status);
    if (r === 'discovery') {
      if (method !== 'GET') return sendStatus(res, errors.methodNotAllowed().status);
      const gv = segments[0] === 'api' ? 'v1' : `${segments[1]}/${segments[2]}`;
      const list = apiResourceList(gv);
      return list === undefined ? sendStatus(res, errors.noResource().status) : send(res, 200, list);
    }
    const served = kinds[r.kind];
    seen.attributes = resourceRequestAttributes({ method, group: served.group, version: served.version, resource: r.resource, subresource: r.subresource, namespace: r.namespace, name: r.name, watch: watching, contentType: req.headers['content-type'], dryRun: q.get('dryRun') });
    const verb = verbFor(method, r, watching);
    if (verb === undefined) return sendStatus(res, errors.methodNotAllowed().status);
    if (user !== undefined) authorize(user, verb, r);

    const warnings: string[] = [];
    const writeOpts = {
      ...(q.get('dryRun') === 'All' ? { dryRun: true } : {}),
      ...(q.has('fieldValidation') ? { fieldValidation: fieldValidation(q.get('fieldValidation')!) } : {}),
      ...(q.has('fieldManager') ? { fieldManager: q.get('fieldManager')! } : {}),
      warnings,
    };
    const ns = r.namespace;
    const table = wantsTable(req.headers['accept']);
    const kind = r.kind;

    if (method === 'GET' && r.name === undefined) {
      const listOpts = {
        ...(ns !== undefined ? { namespace: ns } : {}),
        ...(q.has('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
        ...(q.has('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
        ...(q.has('resourceVersion') ? { resourceVersion: q.get('resourceVersion')! } : {}),
      };
      if (watching) return streamWatch(req, res, r, { ...listOpts, allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true', sendInitialEvents: q.get('sendInitialEvents') === 'true' }, table, q);
      const limit = q.has('limit') ? Number(q.get('limit')) : undefined;
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw errors.badRequest(`invalid limit ${JSON.stringify(q.get('limit'))}`);
      const list = await api.list(r.resource, {
        ...listOpts,
        ...(limit !== undefined ? { limit } : {}),
        ...(q.has('continue') ? { continue: q.get('continue')! } : {}),
        ...(q.get('resourceVersionMatch') === 'Exact' || q.get('resourceVersionMatch') === 'NotOlderThan' ? { resourceVersionMatch: q.get('resourceVersionMatch') as 'Exact' | 'NotOlderThan' } : {}),
      });
      if (!table) return send(res, 200, list, [], listJson(list));
      return send(
        res,
        200,
        toTable(kind, list.items, {
          now: api.clock.now(),
          includeObject: includeObject(q),
          resourceVersion: list.metadata.resourceVersion,
          ...(list.metadata.continue !== undefined ? { continue: list.metadata.continue } : {}),
          ...(list.metadata.remainingItemCount !== undefined ? { remainingItemCount: list.metadata.remainingItemCount } : {}),
        }),
      );
    }
    const name = r.name;
    switch (method) {
      case 'GET': {
        if (r.subresource !== undefined && r.subresource !== 'status') return sendStatus(res, errors.noResource().status);
        const obj = await api.get(r.resource, ns, name!);
        return send(res, 200, table ? toTable(kind, [obj], { now: api.clock.now(), includeObject: includeObject(q) }) : obj);
      }
      case 'POST': {
        const raw = await readBody(req);
        const contentType = req.headers['content-type'] ?? 'application/json';
        // kubectl create token sends its TokenRequest as protobuf, which drydock does not decode; the request
        // only carries audiences and an expiry, so it is served with the defaults instead.
        const tokenRequest = r.resource === 'serviceaccounts' && r.subresource === 'token';
        const body = tokenRequest && contentType.startsWith('application/vnd.kubernetes.protobuf') ? {} : decodeBody(raw, contentType);
        if (name === undefined) {
          const created = await api.create(r.resource, body, { ...writeOpts, ...(ns !== undefined ? { namespace: ns } : {}) });
          return send(res, 201, created, warnings);
        }
        if (r.resource === 'serviceaccounts' && r.subresource === 'token' && options.authenticator !== undefined) {
          await api.get('serviceaccounts', ns, name); // 404 for an unknown account
          const token = options.authenticator.issueServiceAccountToken(ns!, name);
          const expiry = api.clock.now() + 3600_000;
          return send(res, 201, {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            metadata: { name, namespace: ns, creationTimestamp: null },
            spec: { audiences: [], expirationSeconds: 3600, boundObjectRef: null },
            status: { token, expirationTimestamp: new Date(expiry).toISOString().replace(/\.\d{3}Z$/, 'Z') },
          });
        }
        if (r.resource === 'pods' && r.subresource === 'binding') {
          const status = await api.bind(ns!, name, body as Parameters<ApiServer['bind']>[2], writeOpts);
          return send(res, 201, status);
        }
        return sendStatus(res, errors.methodNotAllowed().status);
      }
      case 'PUT': {
        if (name === undefined || (r.subresource !== undefined && r.subresource !== 'status')) return sendStatus(res, errors.methodNotAllowed().status);
        const body = decodeBody(await readBody(req), req.headers['content-type'] ?? 'application/json');
        if (isRecord(body) && isRecord(body['metadata']) && body['metadata']['name'] !== undefined && body['metadata']['name'] !== name) {
          throw errors.badRequest(`the name of the object (${String(body['metadata']['name'])}) does not match the name on the URL (${name})`);
        }
        const withName = isRecord(body) ? { ...body, metadata: { ...(isRecord(body['metadata']) ? body['metadata'] : {}), name } } : body;
        const updated = await api.update(r.resource, withName, { ...writeOpts, ...(ns !== undefined ? { namespace: ns } : {}), ...(r.subresource === 'status' ? { subresource: 'status' as const } : {}) });
        return send(res, 200, updated, warnings);
      }
      case 'PATCH': {
        if (name === undefined || (r.subresource !== undefined && r.subresource !== 'status')) return sendStatus(res, errors.methodNotAllowed().status);
        const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        const body = decodeBody(await readBody(req), contentType);
        const existed = contentType === 'application/apply-patch+yaml' ? await api.get(r.resource, ns, name).then(() => true, () => false) : true;
        const patched = await api.patch(r.resource, ns, name, contentType, body, {
          ...writeOpts,
          ...(r.subresource === 'status' ? { subresource: 'status' as const } : {}),
          ...(q.get('force') === 'true' ? { force: true } : {}),
        });
        return send(res, existed ? 200 : 201, patched, warnings);
      }
      case 'DELETE': {
        if (name === undefined) return deleteCollection(req, res, r, q);
        const raw = await readBody(req);
        const delOpts = deleteOptions(raw, q, writeOpts);
        const deleted = await api.delete(r.resource, ns, name, delOpts);
        return send(res, 200, deleted);
      }
      default:
        return sendStatus(res, errors.methodNotAllowed().status);
    }
  };

  const deleteCollection = async (req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): Promise<void> => {
    const delOpts = deleteOptions(await readBody(req), q, {});
    const list = await api.list(r.resource, {
      ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
      ...(q.has('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
      ...(q.has('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
    });
    const items: Json[] = [];
    for (const obj of list.items) {
      const m = isRecord(obj['metadata']) ? obj['metadata'] : {};
      try {
        items.push(await api.delete(r.resource, m['namespace'] as string | undefined, String(m['name']), delOpts));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    send(res, 200, { ...list, items });
  };

  const streamWatch = async (req: IncomingMessage, res: ServerResponse, r: Route, opts: WatchOptions & { namespace?: string }, table: boolean, q: URLSearchParams): Promise<void> => {
    let headersSent = false;
    let first = true;
    let corked = false;
    const queued: ApiWatchEvent[] = [];
    const write = (ev: ApiWatchEvent) => {
      let object: unknown = ev.object;
      if (table && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')) {
        // Each event carries a one-row Table; only the first has column definitions (apiserver watchEmbeddedEncoder).
        object = toTable(r.kind, [ev.object], { now: api.clock.now(), includeObject: includeObject(q), noHeaders: !first });
        first = false;
      }
      const objectText = object === ev.object ? jsonOf(object) : JSON.stringify(object);
      // Writes within one tick go out together (one writev instead of one per event).
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(() => {
          corked = false;
          res.uncork();
        });
      }
      res.write(`{"type":${JSON.stringify(ev.type)},"object":${objectText}}\n`);
    };
    const onEvent = (ev: ApiWatchEvent) => {
      if (!headersSent) queued.push(ev);
      else write(ev);
    };
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    const end = () => {
      if (ended) return;
      ended = true;
      if (timer !== undefined) clearTimeout(timer);
      watches.delete(end);
      watch?.stop();
      if (!res.writableEnded) res.end();
    };
    let watch: Awaited<ReturnType<ApiServer['watch']>> | undefined;
    watch = await api.watch(r.resource, opts, onEvent, () => setImmediate(end));
    watches.add(end);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    headersSent = true;
    for (const ev of queued) write(ev);
    queued.length = 0;
    if (ended) return;
    req.on('close', end);
    res.on('close', end);
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? 0);
    // kube-apiserver ends a watch after timeoutSeconds, or by default after 30–60 minutes (MinRequestTimeout 1800 s).
    const ms = timeoutSeconds > 0 ? timeoutSeconds * 1000 : 1800_000;
    timer = setTimeout(end, ms);
    timer.unref();
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const seen: { attributes?: RequestAttributes } = {};
    const finished = options.requestMetrics?.start();
    if (finished !== undefined) res.once('close', () => finished(seen.attributes, res.statusCode));
    handle(req, res, seen).catch((err: unknown) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (err instanceof ApiError) return sendStatus(res, err.status);
      const message = err instanceof Error ? err.message : String(err);
      sendStatus(res, errors.internal(message).status);
    });
  };
  const server: Server = options.tls !== undefined ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createServer(listener);
  server.keepAliveTimeout = 65_000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 6443, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      address = `${host}:${port}`;
      const hostForUrl = host.includes(':') ? `[${host}]` : host;
      resolve({
        server,
        port,
        url: `${options.tls !== undefined ? 'https' : 'http'}://${hostForUrl}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const end of [...watches]) end();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function verbFor(method: string, r: Route, watching: boolean): string | undefined {
  switch (method) {
    case 'GET':
      return r.name === undefined ? (watching ? 'watch' : 'list') : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return r.name === undefined ? 'deletecollection' : 'delete';
    default:
      return undefined;
  }
}

/** Read-only users may get, list and watch; everyone else may do anything (see auth.ts). */
function authorize(user: UserInfo, verb: string, r: Route): void {
  if (!user.readOnly || READ_VERBS.has(verb)) return;
  const info = kinds[r.kind];
  const what = r.subresource !== undefined ? `${r.resource}/${r.subresource}` : r.resource;
  const where = r.namespace !== undefined ? ` in the namespace "${r.namespace}"` : '';
  throw errors.forbidden(
    r.resource,
    info.group,
    r.name ?? '',
    `User "${user.name}" cannot ${verb} resource "${what}" in API group "${info.group}"${where}`,
  );
}

function fieldValidation(v: string): FieldValidation {
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation must be one of "Ignore", "Strict" or "Warn", not ${JSON.stringify(v)}`);
}

function includeObject(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function deleteOptions(raw: Buffer, q: URLSearchParams, base: object): DeleteOptions {
  let body: Json = {};
  if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
    const parsed = decodeBody(raw, 'application/json');
    if (!isRecord(parsed)) throw errors.badRequest('DeleteOptions must be an object');
    body = parsed;
  }
  const grace = q.has('gracePeriodSeconds') ? Number(q.get('gracePeriodSeconds')) : body['gracePeriodSeconds'];
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace))) throw errors.badRequest('gracePeriodSeconds must be an integer');
  const pre = isRecord(body['preconditions']) ? body['preconditions'] : undefined;
  return {
    ...base,
    ...(q.get('dryRun') === 'All' || (Array.isArray(body['dryRun']) && body['dryRun'].includes('All')) ? { dryRun: true } : {}),
    ...(typeof grace === 'number' ? { gracePeriodSeconds: grace } : {}),
    ...(pre !== undefined
      ? {
          preconditions: {
            ...(typeof pre['uid'] === 'string' ? { uid: pre['uid'] } : {}),
            ...(typeof pre['resourceVersion'] === 'string' ? { resourceVersion: pre['resourceVersion'] } : {}),
          },
        }
      : {}),
  };
}
