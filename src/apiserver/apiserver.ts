// The API server: the only door to the store. Every component (scheduler, controllers, kubelets, the
// simulator, the HTTP front end) reads and writes cluster state through these methods, which implement
// kube-apiserver's registry semantics on etcd (k8s.io/apiserver pkg/registry/generic/registry/store.go,
// pkg/storage/etcd3/store.go): keys /registry/<resource>/<namespace>/<name>, resourceVersion = the key's
// mod revision, create as a transaction on mod_revision == 0, update as compare-and-swap, watch from a
// resourceVersion with 410 Expired when it is compacted. Reference: shared/reference/etcd-and-apiserver.md §3.
import type { KindInfo } from '../api/types.js';
import { compileLabelSelectorString, matchesFieldSelector, objectField, parseFieldSelector, SelectorError, type FieldRequirement, type LabelMatcher } from '../api/index.js';
import { prefixEnd } from '../store/mvcc.js';
import { StoreError, type KeyValue, type Store, type Watcher, type WatchResponse } from '../store/types.js';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { withFields, without } from '../util/objects.js';
import { RecentCache } from '../util/recent.js';
import { seededRng, type Rng } from '../util/rng.js';
import { admitNamespace, admitPod, admitPriorityClass, globalDefaultClass, type PodAdmissionInputs } from './admission.js';
import { ApiError, errors, successStatus, type Status } from './errors.js';
import { Informer } from './informer.js';
import { LeaseManager } from './leasemanager.js';
import { formatTime, generateName, jsonEqual, newUid } from './meta.js';
import { applyPatch, PatchError } from './patch.js';
import { cannotBeHandledMessage, decodeProblems, pruneUnknownFields, strictDecodingErrorMessage, unknownFieldMessage } from './schema.js';
import { isRecord, strategyFor, SYSTEM_PRIORITY_CLASSES, type Json, type Strategy } from './strategy.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  /** Validate and default but do not persist (dryRun=All). */
  readonly dryRun?: boolean;
  /** What to do with fields the kind's schema does not know (default Ignore in-process, as Kubernetes' default for non-kubectl clients is Warn). */
  readonly fieldValidation?: FieldValidation;
  readonly fieldManager?: string;
  /** Warnings for the client (the HTTP layer sends them as Warning headers). */
  readonly warnings?: string[];
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Events after this version; unset or "0": first the current objects as ADDED events. */
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly sendInitialEvents?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

export interface ObjectList<T = Json> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  readonly items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface ApiWatchEvent<T = Json> {
  readonly type: WatchEventType;
  readonly object: T;
}

export interface ApiWatch {
  stop(): void;
}

export interface Binding {
  readonly metadata?: { readonly name?: string; readonly annotations?: Record<string, string> };
  readonly target: { readonly kind?: string; readonly name: string };
}

export interface ApiServerOptions {
  readonly store: Store;
  readonly clock?: Clock;
  readonly rng?: Rng;
  /** How often watches that allow bookmarks get one (kube-apiserver: 1 minute). */
  readonly bookmarkIntervalMs?: number;
  /** Compact the store every interval to the revision of the previous tick (kube-apiserver: 5 min; 0 = never). */
  readonly compactionIntervalMs?: number;
  /**
   * 'controller' (as kube-apiserver): deleting a namespace marks it Terminating and a namespace controller
   * empties it and removes its `kubernetes` finalizer. 'immediate' (default): the API server deletes the
   * namespace's objects at once, for uses that run no namespace controller (explain, benchmarks).
   */
  readonly namespaceDeletion?: 'controller' | 'immediate';
  /**
   * Events are written with a store lease of this many seconds and go when it runs out (kube-apiserver
   * --event-ttl, default 1 h: DEFAULT_EVENT_TTL_SECONDS). Unset or 0: events stay. In-process users (simulate,
   * explain, bench) leave it unset: on a virtual clock the lease timers would outlast the workload and
   * events of a long run would vanish before the report reads them; `drydock serve` sets it.
   */
  readonly eventTtlSeconds?: number;
  /** The key prefix everything lives under (kube-apiserver --etcd-prefix, default "/registry"). */
  readonly storagePrefix?: string;
}

export const DEFAULT_STORAGE_PREFIX = '/registry';

/** kube-apiserver --event-ttl default (cmd/kube-apiserver/app/options: EventTTL 1 * time.Hour). */
export const DEFAULT_EVENT_TTL_SECONDS = 3600;

/** kube-apiserver's defaults (cacher defaultBookmarkFrequency; storagebackend DefaultCompactInterval). */
export const DEFAULT_BOOKMARK_INTERVAL_MS = 60_000;
export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60_000;
/** The most items one list page may read from the store while filtering (etcd3 store.go maxLimit). */
const MAX_PAGE_READ = 10_000;

/**
 * Where kube-apiserver keeps a resource in etcd, below its --etcd-prefix: <resource>/, except the few its
 * storage factory renames (k8s.io/apiserver pkg/server/storage/storage_factory.go, specialDefaultResourcePrefixes)
 * and resources of API groups served like CustomResourceDefinitions, which go under <group>/<resource>/
 * (apiextensions-apiserver customresource_handler.go). So `etcdctl get --prefix /registry/minions/` lists
 * drydock's Nodes as it would a real cluster's.
 */
const SPECIAL_PREFIXES: Readonly<Record<string, string>> = { nodes: 'minions', services: 'services/specs', endpoints: 'services/endpoints' };
export function resourcePath(info: KindInfo): string {
  if (info.group === '') return SPECIAL_PREFIXES[info.resource] ?? info.resource;
  return info.group.endsWith('drydock.io') ? `${info.group}/${info.resource}` : info.resource;
}

function rec(v: unknown): Json {
  return isRecord(v) ? v : {};
}

function meta(obj: Json): Json {
  return rec(obj['metadata']);
}

/** The store holds objects without resourceVersion; reads put the key's mod revision in. */
function withVersion(obj: Json, revision: number): Json {
  return withFields(obj, { metadata: withFields(meta(obj), { resourceVersion: String(revision) }) });
}

function withoutVersion(obj: Json): Json {
  return withFields(obj, { metadata: without(meta(obj), 'resourceVersion', 'selfLink') });
}

/**
 * withoutVersion for an object the API server built itself in this request (create, binding): the object
 * itself when its metadata has neither field, so the store keeps it without another copy.
 */
function ownObjectStored(obj: Json): Json {
  const m = meta(obj);
  return Object.hasOwn(m, 'resourceVersion') || Object.hasOwn(m, 'selfLink') ? withoutVersion(obj) : obj;
}

function parseVersion(rv: string | undefined, what: string): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version ${JSON.stringify(rv)} for ${what}`);
  return Number(rv);
}

interface ContinueToken {
  readonly rv: number;
  readonly start: string;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string, prefix: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; rv?: unknown; start?: unknown };
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw new Error('bad shape');
    if (parsed.start.includes('..') || parsed.start.startsWith('/')) throw new Error('bad start');
    return { rv: parsed.rv, start: prefix + parsed.start };
  } catch {
    throw errors.badRequest(`invalid continue token: ${JSON.stringify(token)}`);
  }
}

/** Selectors compiled once per request. */
export interface Filter {
  readonly labels: LabelMatcher | undefined;
  readonly fields: readonly FieldRequirement[];
  /** A field's value for the selector: the kind's own mapping where it has one (e.g. an Event's "source"). */
  readonly value: (obj: unknown, field: string) => string;
}

/**
 * A request's labelSelector and fieldSelector, compiled; 400 BadRequest for one that does not parse or names
 * a field outside metadata.name, metadata.namespace and `selectableFields`.
 */
export function compileSelectors(
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
  selectableFields: readonly string[] = [],
  own?: (obj: Json, field: string) => string | undefined,
): Filter {
  let labels: LabelMatcher | undefined;
  let fields: FieldRequirement[] = [];
  try {
    if (labelSelector !== undefined && labelSelector !== '') labels = compileLabelSelectorString(labelSelector);
    if (fieldSelector !== undefined && fieldSelector !== '') fields = parseFieldSelector(fieldSelector);
  } catch (err) {
    if (err instanceof SelectorError) throw errors.badRequest(err.message);
    throw err;
  }
  for (const f of fields) {
    if (f.field !== 'metadata.name' && f.field !== 'metadata.namespace' && !selectableFields.includes(f.field)) {
      throw errors.badRequest(`field label not supported: ${f.field}`);
    }
  }
  const value = own === undefined ? selectableField : (obj: unknown, field: string) => own(obj as Json, field) ?? selectableField(obj, field);
  return { labels, fields, value };
}

function compileFilter(s: Strategy, labelSelector: string | undefined, fieldSelector: string | undefined): Filter {
  return compileSelectors(labelSelector, fieldSelector, s.selectableFields, s.selectableFieldValue);
}

/** Whether an object passes compiled selectors. */
export function matches(f: Filter, obj: Json): boolean {
  if (f.labels !== undefined && !f.labels(meta(obj)['labels'] as Record<string, string> | undefined)) return false;
  return f.fields.length === 0 || matchesFieldSelector(f.fields, obj, f.value);
}

/** Field values as field selectors see them: booleans and numbers as their text, missing as "". */
function selectableField(obj: unknown, field: string): string {
  return objectField(obj, field) ?? '';
}

/** Writes of every kind but events (with an event TTL) carry no lease. */
const NO_LEASE: { lease?: number } = Object.freeze({});

export class ApiServer {
  readonly store: Store;
  readonly clock: Clock;
  private readonly rng: Rng;
  /**
   * Decoded objects by stored version, so one write reaches every watcher as one object. Recent versions
   * only: a cache keyed weakly by the stored version would keep a decoded copy of every old version the
   * store's history still holds.
   */
  private readonly decoded = new RecentCache<KeyValue, Json>(4096);
  /** The last KeyValue decode() made an object of, and that object (see written()). */
  private lastKv: KeyValue | undefined;
  private lastDecoded: Json | undefined;
  /** The lease field of the last event written under a reused lease (one object per lease, not per event). */
  private lastLease: { lease: number } | undefined;
  private readonly bookmarkIntervalMs: number;
  private bookmarkWatchers = 0;
  private bookmarkTimer: Timer | undefined;
  private compactionTimer: Timer | undefined;
  private readonly admissionListers = new Map<string, Informer>();
  private readonly namespaceDeletion: 'controller' | 'immediate';
  private readonly eventTtlSeconds: number;
  /** Shares leases between the events written within a minute of each other (lease_manager.go). */
  readonly leases: LeaseManager;
  private closed = false;
  /** The storage prefix with its trailing slash ("/registry/"). */
  readonly root: string;
  /** Each kind's key prefix under `root`, made once. */
  private readonly prefixes = new Map<KindInfo, string>();

  constructor(options: ApiServerOptions) {
    this.store = options.store;
    this.root = `${(options.storagePrefix ?? DEFAULT_STORAGE_PREFIX).replace(/\/+$/, '')}/`;
    this.clock = options.clock ?? systemClock;
    this.rng = options.rng ?? seededRng(1);
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_INTERVAL_MS;
    this.namespaceDeletion = options.namespaceDeletion ?? 'immediate';
    this.eventTtlSeconds = options.eventTtlSeconds ?? 0;
    this.leases = new LeaseManager(this.store, this.clock);
    const interval = options.compactionIntervalMs ?? 0;
    if (interval > 0) this.startCompaction(interval);
  }

  /** Creates the namespaces every cluster has, and their default service accounts (idempotent). */
  async bootstrap(): Promise<void> {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      // Another API server on the same etcd may create them at the same moment: its 409 is as good.
      const exists = (err: unknown) => {
        if (!(err instanceof ApiError && err.code === 409)) throw err;
      };
      if ((await this.read('namespaces', undefined, ns)) === undefined) {
        await this.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(exists);
      }
      if ((await this.read('serviceaccounts', ns, 'default')) === undefined) {
        await this.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } }).catch(exists);
      }
    }
  }

  /** Stops timers; watches end. The store is closed by whoever opened it. */
  close(): void {
    this.closed = true;
    this.bookmarkTimer?.cancel();
    this.compactionTimer?.cancel();
    for (const informer of this.admissionListers.values()) informer.stop();
  }

  /**
   * The informer admission reads `resource` from (kube-apiserver's admission plugins read shared informers
   * over its loopback client), started (listed and watching) on first use. Once synced it is returned
   * without waiting, so the usual create awaits nothing here.
   */
  private admissionLister(resource: string): Informer | Promise<Informer> {
    let informer = this.admissionListers.get(resource);
    if (informer?.hasSynced === true) return informer;
    if (informer === undefined) {
      informer = new Informer(this, resource);
      this.admissionListers.set(resource, informer);
    }
    const started = informer;
    return started.start().then(() => started);
  }

  /** What pod admission needs, from the admission informers (and storage for a name they lack). */
  private podAdmissionInputs(pod: Json): PodAdmissionInputs | Promise<PodAdmissionInputs> {
    const spec = isRecord(pod['spec']) ? pod['spec'] : {};
    const className = spec['priorityClassName'];
    const rcName = spec['runtimeClassName'];
    const named = typeof className === 'string' && className !== '' && !SYSTEM_PRIORITY_CLASSES.has(className);
    const lister = this.admissionLister('priorityclasses');
    if (!named && (typeof rcName !== 'string' || rcName === '') && !(lister instanceof Promise)) {
      // The usual pod: no class named, no RuntimeClass, the cache synced: nothing to wait for.
      return { priorityClass: undefined, globalDefault: globalDefaultClass(lister.list()), runtimeClass: undefined };
    }
    return (async () => {
      const classes = await lister;
      return {
        priorityClass: named ? (classes.get(undefined, className) ?? (await this.read('priorityclasses', undefined, className))) : undefined,
        globalDefault: named ? undefined : globalDefaultClass(classes.list()),
        runtimeClass: typeof rcName === 'string' && rcName !== '' ? await this.read('runtimeclasses', undefined, rcName) : undefined,
      };
    })();
  }

  // ---- helpers --------------------------------------------------------------------------------------

  strategy(resource: string): Strategy {
    const s = strategyFor(resource);
    if (s === undefined) throw errors.noResource();
    return s;
  }

  private kindPrefix(info: KindInfo): string {
    let p = this.prefixes.get(info);
    if (p === undefined) {
      p = `${this.root}${resourcePath(info)}/`;
      this.prefixes.set(info, p);
    }
    return p;
  }

  private key(s: Strategy, namespace: string | undefined, name: string): string {
    const root = this.kindPrefix(s.info);
    return s.info.namespaced ? `${root}${namespace ?? ''}/${name}` : `${root}${name}`;
  }

  private prefix(s: Strategy, namespace: string | undefined): string {
    const root = this.kindPrefix(s.info);
    return s.info.namespaced && namespace !== undefined && namespace !== '' ? `${root}${namespace}/` : root;
  }

  /**
   * The object at this key-value with its resourceVersion, made once per stored version. `fresh`: a version
   * a watch delivers as it is written, which no one can have asked for yet (the cache is not searched; with
   * a remote store a read may have been quicker, and then its object is replaced by an equal one).
   */
  private decode(kv: KeyValue, fresh = false): Json {
    if (kv === this.lastKv) return this.lastDecoded!;
    let obj = fresh ? undefined : this.decoded.get(kv);
    if (obj === undefined) {
      obj = withVersion(kv.value as Json, kv.modRevision);
      this.decoded.set(kv, obj);
      this.lastKv = kv;
      this.lastDecoded = obj;
    }
    return obj;
  }

  /**
   * What a write returns: the value it stored, with the revision it was stored at. The embedded store
   * delivers the write to its watchers before the write returns, so decode() has usually just made that
   * object for them: the writer gets the same one rather than another copy (objects are never changed in
   * place, so sharing is safe, as it is between watchers).
   */
  private written(stored: Json, revision: number): Json {
    const kv = this.lastKv;
    if (kv !== undefined && kv.value === stored && kv.modRevision === revision) return this.lastDecoded!;
    return withVersion(stored, revision);
  }

  private namespaceOf(s: Strategy, namespace: string | undefined): string | undefined {
    if (!s.info.namespaced) return undefined;
    if (namespace === undefined || namespace === '') throw errors.badRequest('the namespace of the object must be set');
    return namespace;
  }

  private storeError(err: unknown): never {
    if (err instanceof StoreError) {
      if (err.code === 'ErrCompacted') throw errors.expired('The resourceVersion for the provided list is too old.');
      if (err.code === 'ErrFutureRev') throw errors.timeout('Too large resource version', 1);
      if (err.code === 'ErrClosed') throw errors.unavailable('the storage backend is closed');
      // etcd unreachable or without a leader: kube-apiserver's storage errors are 5xx too; 503 tells the client
      // to retry (the write was not acknowledged).
      if (err.code === 'ErrUnavailable') throw errors.unavailable(err.message);
      throw errors.internal(err.message);
    }
    throw err;
  }

  /** Reads one object, or undefined. */
  private async read(resource: string, namespace: string | undefined, name: string): Promise<Json | undefined> {
    const s = this.strategy(resource);
    const res = await this.store.range({ key: this.key(s, namespace, name) }).catch((e: unknown) => this.storeError(e));
    const kv = res.kvs[0];
    return kv === undefined ? undefined : this.decode(kv);
  }

  /**
   * Decoding checks, as kube-apiserver's strict JSON decoder makes them: a field of the wrong JSON type is a
   * 400 (the first one, "Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal ..."), and
   * unknown fields are refused (Strict), reported as warnings (Warn) or dropped (Ignore). Within a patch the
   * same texts are a 422 on the field "patch" (apiserver handlers/patch.go). Malformed quantities are left to
   * validation, which names the field ("spec.containers[0].resources.requests.cpu: Invalid value: ...").
   */
  private checkFields(s: Strategy, obj: Json, opts: WriteOptions, inPatch = false): Json {
    const name = String(meta(obj)['name'] ?? '');
    const fail = (message: string): never => {
      if (inPatch) throw errors.invalid(s.kind, name, s.info.group, [{ type: 'FieldValueInvalid', field: 'patch', value: '', detail: message }]);
      throw errors.badRequest(cannotBeHandledMessage(s.kind, s.info.apiVersion, message));
    };
    const problems = decodeProblems(s.kind, obj);
    const typeErrs = problems.typeErrors.filter((e) => !e.message.startsWith('quantities must match'));
    if (typeErrs.length > 0) {
      if (typeErrs[0]!.reason === 'BadRequest') fail(typeErrs[0]!.message);
      throw errors.invalidMessages(s.kind, name, s.info.group, typeErrs.map((e) => ({ field: e.path, message: e.message })));
    }
    const mode = opts.fieldValidation ?? 'Ignore';
    const unknown = problems.unknown;
    if (unknown.length === 0) return obj;
    if (mode === 'Strict') fail(strictDecodingErrorMessage(unknown));
    if (mode === 'Warn') opts.warnings?.push(...unknown.map(unknownFieldMessage));
    return pruneUnknownFields(s.kind, obj) as Json;
  }

  private checkKind(s: Strategy, obj: unknown): Json {
    if (!isRecord(obj)) throw errors.badRequest(`the body of the request must be a JSON object of kind ${s.kind}`);
    const kind = obj['kind'];
    const apiVersion = obj['apiVersion'];
    if (kind !== undefined && kind !== s.kind) {
      throw errors.badRequest(`the kind in the data (${JSON.stringify(kind)}) does not match the expected kind (${JSON.stringify(s.kind)})`);
    }
    if (apiVersion !== undefined && apiVersion !== s.info.apiVersion) {
      throw errors.badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${s.info.apiVersion})`);
    }
    if (obj['metadata'] !== undefined && !isRecord(obj['metadata'])) throw errors.badRequest('metadata must be an object');
    return withFields(obj, { apiVersion: s.info.apiVersion, kind: s.kind });
  }

  // ---- create ---------------------------------------------------------------------------------------

  async create<T = Json>(resource: string, body: unknown, opts: WriteOptions & { namespace?: string } = {}): Promise<T> {
    const s = this.strategy(resource);
    let obj = this.checkFields(s, this.checkKind(s, body), opts);
    const m = meta(obj);
    const namespace = s.info.namespaced ? ((m['namespace'] as string | undefined) || opts.namespace || 'default') : undefined;
    if (s.info.namespaced && opts.namespace !== undefined && m['namespace'] !== undefined && m['namespace'] !== '' && m['namespace'] !== opts.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    let name = m['name'];
    if ((name === undefined || name === '') && typeof m['generateName'] === 'string' && m['generateName'] !== '') {
      name = generateName(m['generateName'], this.rng);
    }
    const set: Json = {};
    if (name !== undefined) set['name'] = name;
    set['uid'] = newUid(this.rng);
    set['creationTimestamp'] = formatTime(this.clock.now());
    if (namespace !== undefined) set['namespace'] = namespace;
    if (s.hasGeneration) set['generation'] = 1;
    const newMeta = withFields(without(m, 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', ...(s.hasGeneration ? [] : ['generation'])), set);
    obj = s.defaults(withFields(obj, { metadata: newMeta }));
    if (s.kind === 'Job') obj = defaultJobSelector(obj);

    if (namespace !== undefined) {
      // From the informer's cache; from storage when the cache lacks it (NamespaceLifecycle reads live then).
      const pending = this.admissionLister('namespaces');
      const lister = pending instanceof Promise ? await pending : pending;
      const ns = lister.get(undefined, namespace) ?? (await this.read('namespaces', undefined, namespace));
      admitNamespace(s.info.resource, s.info.group, namespace, typeof m['name'] === 'string' ? m['name'] : '', ns);
    }
    if (s.kind === 'Pod') {
      const inputs = this.podAdmissionInputs(obj);
      obj = admitPod(obj, inputs instanceof Promise ? await inputs : inputs);
    }
    if (s.kind === 'PriorityClass') admitPriorityClass(obj, (await this.list('priorityclasses')).items);
    if (s.kind === 'Service') obj = await this.allocateClusterIp(obj);

    const errs = s.validate(obj);
    if (errs.length > 0) throw errors.invalid(s.kind, String(name ?? ''), s.info.group, errs);
    if (opts.dryRun) return obj as T;

    const key = this.key(s, namespace, String(name));
    const leased = this.leaseFor(s);
    const lease = leased instanceof Promise ? await leased : leased;
    const stored = ownObjectStored(obj);
    const res = await this.store
      .txn({
        compare: [{ key, target: 'mod', result: 'equal', operand: 0 }],
        success: [{ put: { key, value: stored, ...lease } }],
        failure: [],
      })
      .catch((e: unknown) => this.storeError(e));
    if (!res.succeeded) throw errors.alreadyExists(s.info.resource, s.info.group, String(name));
    return this.written(stored, res.header.revision) as T;
  }

  /** The lease an object of this kind is written with: events live eventTtlSeconds (store.go ttlForUpdate / TTLFunc). */
  private leaseFor(s: Strategy): { lease?: number } | Promise<{ lease?: number }> {
    if (!s.isEventLog || this.eventTtlSeconds <= 0) return NO_LEASE;
    const reused = this.leases.reuseLease(this.eventTtlSeconds);
    if (reused !== undefined) {
      if (this.lastLease?.lease !== reused) this.lastLease = { lease: reused };
      return this.lastLease;
    }
    return this.leases.getLease(this.eventTtlSeconds).then(
      (lease) => ({ lease }),
      (e: unknown) => this.storeError(e),
    );
  }

  /** ClusterIP from the service CIDR 10.96.0.0/12 (kube-apiserver's default --service-cluster-ip-range). */
  private async allocateClusterIp(svc: Json): Promise<Json> {
    const spec = rec(svc['spec']);
    if (spec['type'] === 'ExternalName' || (spec['clusterIP'] !== undefined && spec['clusterIP'] !== '')) return svc;
    const used = new Set((await this.list('services')).items.map((o) => rec(o['spec'])['clusterIP']));
    // .1 goes to the "kubernetes" service; others take the lowest free address.
    for (let n = 1; n < 1 << 20; n++) {
      const ip = `10.${96 + (n >>> 16)}.${(n >>> 8) & 255}.${n & 255}`;
      if ((n & 255) !== 0 && !used.has(ip)) return { ...svc, spec: { ...spec, clusterIP: ip, clusterIPs: [ip] } };
    }
    throw errors.internal('the service IP range is full');
  }

  // ---- get and list ---------------------------------------------------------------------------------

  async get<T = Json>(resource: string, namespace: string | undefined, name: string): Promise<T> {
    const s = this.strategy(resource);
    const obj = await this.read(resource, this.namespaceOf(s, namespace), name);
    if (obj === undefined) throw errors.notFound(s.info.resource, s.info.group, name);
    return obj as T;
  }

  async list<T = Json>(resource: string, opts: ListOptions & { namespace?: string } = {}): Promise<ObjectList<T>> {
    const s = this.strategy(resource);
    const filter = compileFilter(s, opts.labelSelector, opts.fieldSelector);
    const prefix = this.prefix(s, opts.namespace);
    const end = prefixEnd(prefix);
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : 0;
    let revision: number | undefined;
    let start = prefix;
    if (opts.continue !== undefined && opts.continue !== '') {
      if (opts.resourceVersion !== undefined && opts.resourceVersion !== '' && opts.resourceVersion !== '0') {
        throw errors.badRequest('specifying resource version is not allowed when using continue');
      }
      const token = decodeContinue(opts.continue, prefix);
      revision = token.rv > 0 ? token.rv : undefined;
      start = token.start;
    } else {
      const rv = parseVersion(opts.resourceVersion, 'list');
      // api-concepts.md: with a limit (or resourceVersionMatch=Exact) a non-zero version is read exactly;
      // otherwise any state not older than it will do, and the newest is as good as any.
      if (rv !== undefined && rv > 0 && (opts.resourceVersionMatch === 'Exact' || (limit > 0 && opts.resourceVersionMatch !== 'NotOlderThan'))) {
        revision = rv;
      }
      if (rv !== undefined && rv > 0 && revision === undefined) {
        const current = (await this.store.range({ key: prefix, rangeEnd: end, countOnly: true }).catch((e: unknown) => this.storeError(e))).header.revision;
        if (rv > current) throw errors.timeout(`Too large resource version: ${rv}, current: ${current}`, 1);
      }
    }
    const continuing = opts.continue !== undefined && opts.continue !== '';
    if (s.isEventLog) return (await this.listByLastWrite(s, filter, prefix, limit, revision, start === prefix ? undefined : start.slice(prefix.length), continuing)) as ObjectList<T>;
    const items: Json[] = [];
    const keys: string[] = [];
    const filtering = filter.labels !== undefined || filter.fields.length > 0;
    let readAt = revision;
    let more = false;
    let remaining = 0;
    let pageSize = limit;
    for (;;) {
      const res = await this.store
        .range({ key: start, rangeEnd: end, ...(pageSize > 0 ? { limit: pageSize } : {}), ...(readAt !== undefined ? { revision: readAt } : {}) })
        .catch((e: unknown) => this.listError(e, continuing));
      readAt ??= res.header.revision;
      for (const kv of res.kvs) {
        const obj = this.decode(kv);
        if (!matches(filter, obj)) continue;
        items.push(obj);
        keys.push(kv.key);
      }
      if (!res.more) break;
      if (items.length >= limit) {
        // The page is full and keys remain. Without selectors every key is an item, so the count says how many.
        more = true;
        if (!filtering) remaining = res.count - res.kvs.length;
        break;
      }
      // Selectors dropped items: read on from where this page ended, in bigger pages (etcd3 store.go GetList).
      start = res.kvs[res.kvs.length - 1]!.key + '\0';
      pageSize = Math.min(Math.max(pageSize * 2, limit - items.length), MAX_PAGE_READ);
    }
    if (limit > 0 && items.length > limit) {
      items.length = limit;
      keys.length = limit;
      more = true;
    }
    const lastIncluded = keys[keys.length - 1];
    const metadata: ObjectList['metadata'] = { resourceVersion: String(readAt) };
    if (more && lastIncluded !== undefined) {
      metadata.continue = encodeContinue(readAt!, lastIncluded.slice(prefix.length) + '\0');
      if (remaining > 0) metadata.remainingItemCount = remaining;
    }
    return { apiVersion: s.info.apiVersion, kind: `${s.kind}List`, metadata, items: items as T[] };
  }

  private listError(e: unknown, continuing: boolean): never {
    if (e instanceof StoreError && e.code === 'ErrCompacted' && continuing) {
      throw errors.expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
    }
    return this.storeError(e);
  }

  /**
   * A list in the order of the objects' last writes (modRevision, then key), for the event log. It reads
   * the whole range at one revision and pages by position in that order; the continue token carries the
   * revision and the last item's (modRevision, key), so pages are consistent as for key-ordered lists.
   */
  private async listByLastWrite(s: Strategy, filter: Filter, prefix: string, limit: number, revision: number | undefined, after: string | undefined, continuing: boolean): Promise<ObjectList> {
    let from: { rev: number; key: string } | undefined;
    if (after !== undefined) {
      const m = /^(\d+)\/(.+)$/s.exec(after);
      if (m === null) throw errors.badRequest('invalid continue token: it was not made by a list of this resource');
      from = { rev: Number(m[1]), key: prefix + m[2]! };
    }
    const res = await this.store
      .range({ key: prefix, rangeEnd: prefixEnd(prefix), ...(revision !== undefined ? { revision } : {}) })
      .catch((e: unknown) => this.listError(e, continuing));
    const readAt = revision ?? res.header.revision;
    const byWrite = (a: KeyValue, b: KeyValue) => a.modRevision - b.modRevision || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    const rest = res.kvs
      .filter((kv) => matches(filter, this.decode(kv)) && (from === undefined || kv.modRevision > from.rev || (kv.modRevision === from.rev && kv.key > from.key)))
      .sort(byWrite);
    const page = limit > 0 ? rest.slice(0, limit) : rest;
    const metadata: ObjectList['metadata'] = { resourceVersion: String(readAt) };
    const last = page[page.length - 1];
    if (page.length < rest.length && last !== undefined) {
      metadata.continue = encodeContinue(readAt, `${last.modRevision}/${last.key.slice(prefix.length)}`);
      metadata.remainingItemCount = rest.length - page.length;
    }
    return { apiVersion: s.info.apiVersion, kind: `${s.kind}List`, metadata, items: page.map((kv) => this.decode(kv)) };
  }

  // ---- update and patch -----------------------------------------------------------------------------

  async update<T = Json>(resource: string, body: unknown, opts: WriteOptions & { namespace?: string; subresource?: 'status' } = {}): Promise<T> {
    const s = this.strategy(resource);
    let obj = this.checkFields(s, this.checkKind(s, body), opts);
    const m = meta(obj);
    const name = m['name'];
    if (typeof name !== 'string' || name === '') throw errors.badRequest('name is required for an update');
    const namespace = s.info.namespaced ? ((m['namespace'] as string | undefined) || opts.namespace) : undefined;
    if (s.info.namespaced && opts.namespace !== undefined && m['namespace'] !== undefined && m['namespace'] !== opts.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const expected = parseVersion(m['resourceVersion'] as string | undefined, 'update');
    if (expected === undefined && !s.unconditionalUpdate) {
      throw errors.invalid(s.kind, name, s.info.group, [{ type: 'FieldValueInvalid', field: 'metadata.resourceVersion', value: '0x0', detail: 'must be specified for an update' }]);
    }
    obj = { ...obj, metadata: { ...m, ...(namespace !== undefined ? { namespace } : {}) } };
    return (await this.guaranteedUpdate(s, namespace, name, expected, opts, () => obj, opts.subresource)) as T;
  }

  async patch<T = Json>(
    resource: string,
    namespace: string | undefined,
    name: string,
    contentType: string,
    patchBody: unknown,
    opts: WriteOptions & { subresource?: 'status'; force?: boolean } = {},
  ): Promise<T> {
    const s = this.strategy(resource);
    const ns = this.namespaceOf(s, namespace);
    const isApply = contentType.startsWith('application/apply-patch');
    const current = await this.read(resource, ns, name);
    if (current === undefined) {
      if (!isApply) throw errors.notFound(s.info.resource, s.info.group, name);
      // Server-side apply creates what does not exist (apiserver patch.go forceAllowCreate).
      const created = this.patchBody(s, {}, contentType, patchBody);
      return this.create<T>(resource, { ...created, metadata: { ...meta(created), name, ...(ns !== undefined ? { namespace: ns } : {}) } }, { ...opts, ...(ns !== undefined ? { namespace: ns } : {}) });
    }
    // A resourceVersion in the patch is a precondition; without one the patch applies to the latest version.
    const rvInPatch = isRecord(patchBody) ? (meta(patchBody)['resourceVersion'] as string | undefined) : undefined;
    const expected = parseVersion(rvInPatch, 'patch');
    return (await this.guaranteedUpdate(
      s,
      ns,
      name,
      expected,
      opts,
      (latest) => {
        const patched = this.checkFields(s, this.checkKind(s, this.patchBody(s, latest, contentType, patchBody)), opts, true);
        return { ...patched, metadata: { ...meta(patched), resourceVersion: meta(latest)['resourceVersion'] } };
      },
      opts.subresource,
    )) as T;
  }

  private patchBody(s: Strategy, current: Json, contentType: string, body: unknown): Json {
    try {
      const out = applyPatch(current, contentType, body, s.kind);
      if (!isRecord(out)) throw errors.badRequest('the patch did not produce an object');
      return out;
    } catch (err) {
      if (err instanceof PatchError) {
        if (err.status === 415) throw errors.unsupportedMediaType(contentType);
        if (err.status === 422) throw errors.invalid(s.kind, String(meta(current)['name'] ?? ''), s.info.group, [{ type: 'FieldValueInvalid', field: 'patch', value: '', detail: err.message }]);
        throw errors.badRequest(err.message);
      }
      throw err;
    }
  }

  /**
   * The read-modify-write loop of store.go GuaranteedUpdate: read the latest, compute the new object, write
   * it with a compare on the revision that was read; on a lost race, read again and retry, unless the
   * client named the version it expected, which is then a 409 Conflict.
   */
  private async guaranteedUpdate(
    s: Strategy,
    namespace: string | undefined,
    name: string,
    expected: number | undefined,
    opts: WriteOptions,
    tryUpdate: (latest: Json) => Json,
    subresource: 'status' | undefined,
  ): Promise<Json> {
    const key = this.key(s, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const res = await this.store.range({ key }).catch((e: unknown) => this.storeError(e));
      const kv = res.kvs[0];
      if (kv === undefined) throw errors.notFound(s.info.resource, s.info.group, name);
      const old = this.decode(kv);
      if (expected !== undefined && expected !== kv.modRevision) {
        throw errors.conflict(s.info.resource, s.info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      let obj = tryUpdate(old);
      obj = this.prepareUpdate(s, obj, old, subresource);
      if (s.kind === 'PriorityClass') admitPriorityClass(obj, (await this.list('priorityclasses')).items);
      const errs = s.validateUpdate(obj, old);
      if (errs.length > 0) throw errors.invalid(s.kind, name, s.info.group, errs);
      // An update that changes nothing writes nothing and keeps the version (store.go: bytes equal).
      if (jsonEqual(withoutVersion(obj), withoutVersion(old))) return old;
      if (opts.dryRun) return obj;
      const m = meta(obj);
      // A namespace also waits for its spec.finalizers (the namespace controller's "kubernetes").
      const finished =
        m['deletionTimestamp'] !== undefined &&
        ((m['finalizers'] as unknown[] | undefined) ?? []).length === 0 &&
        (m['deletionGracePeriodSeconds'] ?? 0) === 0 &&
        (s.kind !== 'Namespace' || specFinalizers(obj).length === 0);
      const leased = finished ? NO_LEASE : this.leaseFor(s);
      const lease = leased instanceof Promise ? await leased : leased;
      const stored = finished ? obj : withoutVersion(obj);
      const txn = await this.store
        .txn({
          compare: [{ key, target: 'mod', result: 'equal', operand: kv.modRevision }],
          success: finished ? [{ deleteRange: { key } }] : [{ put: { key, value: stored, ...lease } }],
          failure: [],
        })
        .catch((e: unknown) => this.storeError(e));
      if (txn.succeeded) return finished ? withVersion(obj, txn.header.revision) : this.written(stored, txn.header.revision);
      if (expected !== undefined || attempt > 100) {
        throw errors.conflict(s.info.resource, s.info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
    }
  }

  /** What an update keeps from the stored object (rest.BeforeUpdate and the strategies' PrepareForUpdate). */
  private prepareUpdate(s: Strategy, obj: Json, old: Json, subresource: 'status' | undefined): Json {
    const m = meta(obj);
    const o = meta(old);
    let next: Json;
    if (subresource === 'status') {
      // A status update changes status (and labels/annotations); spec and the rest stay.
      next = { ...old, status: obj['status'], metadata: { ...o, labels: m['labels'], annotations: m['annotations'] } };
    } else if (s.hasStatus) {
      next = { ...obj, status: old['status'] };
    } else {
      next = obj;
    }
    const nm: Json = {
      ...meta(next),
      name: o['name'],
      uid: o['uid'],
      creationTimestamp: o['creationTimestamp'],
      ...(o['namespace'] !== undefined ? { namespace: o['namespace'] } : {}),
      ...(o['deletionTimestamp'] !== undefined ? { deletionTimestamp: o['deletionTimestamp'], deletionGracePeriodSeconds: o['deletionGracePeriodSeconds'] } : {}),
    };
    if (m['uid'] !== undefined && m['uid'] !== '' && m['uid'] !== o['uid']) nm['uid'] = m['uid']; // validation reports it
    if (nm['labels'] === undefined) delete nm['labels'];
    if (nm['annotations'] === undefined) delete nm['annotations'];
    if (s.hasGeneration) {
      const changed = !jsonEqual(next['spec'], old['spec']);
      nm['generation'] = Number(o['generation'] ?? 1) + (changed ? 1 : 0);
    }
    return { ...next, metadata: nm };
  }

  // ---- delete ---------------------------------------------------------------------------------------

  async delete<T = Json>(resource: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T> {
    const s = this.strategy(resource);
    const ns = this.namespaceOf(s, namespace);
    const key = this.key(s, ns, name);
    for (let attempt = 0; ; attempt++) {
      const res = await this.store.range({ key }).catch((e: unknown) => this.storeError(e));
      const kv = res.kvs[0];
      if (kv === undefined) throw errors.notFound(s.info.resource, s.info.group, name);
      const obj = this.decode(kv);
      const m = meta(obj);
      const pre = opts.preconditions;
      if (pre?.uid !== undefined && pre.uid !== m['uid']) {
        throw errors.conflict(s.info.resource, s.info.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(m['uid'])}`);
      }
      if (pre?.resourceVersion !== undefined && pre.resourceVersion !== m['resourceVersion']) {
        throw errors.conflict(
          s.info.resource,
          s.info.group,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(m['resourceVersion'])}`,
        );
      }
      const grace = this.gracePeriod(s, obj, opts);
      const finalizers = (m['finalizers'] as unknown[] | undefined) ?? [];
      if (s.kind === 'Namespace' && this.namespaceDeletion === 'controller' && specFinalizers(obj).length > 0) {
        // namespace storage Delete: Terminating, with the spec.finalizers the namespace controller removes.
        if (m['deletionTimestamp'] !== undefined) return obj as T;
        const terminating = {
          ...obj,
          metadata: { ...m, deletionTimestamp: formatTime(this.clock.now()), deletionGracePeriodSeconds: 0 },
          status: { ...rec(obj['status']), phase: 'Terminating' },
        };
        if (opts.dryRun) return terminating as T;
        const txn = await this.store
          .txn({ compare: [{ key, target: 'mod', result: 'equal', operand: kv.modRevision }], success: [{ put: { key, value: withoutVersion(terminating) } }], failure: [] })
          .catch((e: unknown) => this.storeError(e));
        if (txn.succeeded) return withVersion(terminating, txn.header.revision) as T;
        continue;
      }
      if (grace > 0 || finalizers.length > 0) {
        // Graceful: mark for deletion; the kubelet (or whoever owns the finalizers) finishes it.
        const existing = m['deletionTimestamp'];
        const currentGrace = Number(m['deletionGracePeriodSeconds'] ?? Infinity);
        if (existing !== undefined && currentGrace <= grace) return obj as T;
        const marked = { ...obj, metadata: { ...m, deletionTimestamp: formatTime(this.clock.now() + grace * 1000), deletionGracePeriodSeconds: grace } };
        if (opts.dryRun) return marked as T;
        const txn = await this.store
          .txn({ compare: [{ key, target: 'mod', result: 'equal', operand: kv.modRevision }], success: [{ put: { key, value: withoutVersion(marked) } }], failure: [] })
          .catch((e: unknown) => this.storeError(e));
        if (txn.succeeded) return withVersion(marked, txn.header.revision) as T;
      } else {
        if (opts.dryRun) return obj as T;
        if (s.kind === 'Namespace') await this.deleteNamespaceContents(name);
        const txn = await this.store
          .txn({ compare: [{ key, target: 'mod', result: 'equal', operand: kv.modRevision }], success: [{ deleteRange: { key } }], failure: [] })
          .catch((e: unknown) => this.storeError(e));
        if (txn.succeeded) return obj as T;
      }
      if (attempt > 100) throw errors.conflict(s.info.resource, s.info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
  }

  /**
   * Seconds of grace before an object really goes. Pods that are bound and still running get
   * terminationGracePeriodSeconds (30 by default) so their kubelet can stop them; unbound or finished
   * pods go at once (pod strategy CheckGracefulDelete).
   */
  private gracePeriod(s: Strategy, obj: Json, opts: DeleteOptions): number {
    if (s.kind !== 'Pod') return 0;
    const spec = rec(obj['spec']);
    const phase = rec(obj['status'])['phase'];
    if (spec['nodeName'] === undefined || spec['nodeName'] === '' || phase === 'Succeeded' || phase === 'Failed') return 0;
    const requested = opts.gracePeriodSeconds ?? Number(spec['terminationGracePeriodSeconds'] ?? 30);
    return Math.max(0, requested);
  }

  /**
   * A namespace's objects go with it. (kube-apiserver marks the namespace Terminating and the namespace
   * controller empties it; here the API server empties it at once, in one revision per resource.)
   */
  private async deleteNamespaceContents(namespace: string): Promise<void> {
    for (const resource of ['pods', 'replicasets', 'deployments', 'jobs', 'services', 'endpoints', 'serviceaccounts', 'secrets', 'configmaps', 'leases', 'events', 'poddisruptionbudgets']) {
      const prefix = this.prefix(this.strategy(resource), namespace);
      await this.store.deleteRange({ key: prefix, rangeEnd: prefixEnd(prefix) }).catch((e: unknown) => this.storeError(e));
    }
  }

  // ---- binding --------------------------------------------------------------------------------------

  /** POST pods/{name}/binding: sets spec.nodeName once and marks the pod scheduled (pod storage.go BindingREST). */
  async bind(namespace: string, name: string, binding: Binding, opts: WriteOptions = {}): Promise<Status> {
    const s = this.strategy('pods');
    const target = binding.target?.name;
    if (typeof target !== 'string' || target === '') {
      throw errors.invalid('Binding', name, '', [{ type: 'FieldValueRequired', field: 'target.name', detail: '' }]);
    }
    if (binding.metadata?.name !== undefined && binding.metadata.name !== name) {
      throw errors.badRequest(`name in URL does not match name in Binding object`);
    }
    const key = this.key(s, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const res = await this.store.range({ key }).catch((e: unknown) => this.storeError(e));
      const kv = res.kvs[0];
      if (kv === undefined) throw errors.notFound('pods', '', name);
      const pod = this.decode(kv);
      const m = meta(pod);
      if (m['deletionTimestamp'] !== undefined) throw errors.conflict('pods/binding', '', name, `pod ${name} is being deleted, cannot be assigned to a host`);
      const spec = rec(pod['spec']);
      if (spec['nodeName'] !== undefined && spec['nodeName'] !== '') {
        throw errors.conflict('pods/binding', '', name, `pod ${name} is already assigned to node ${JSON.stringify(spec['nodeName'])}`);
      }
      const status = rec(pod['status']);
      const conditions = (Array.isArray(status['conditions']) ? (status['conditions'] as Json[]) : []).filter((c) => c['type'] !== 'PodScheduled');
      const now = formatTime(this.clock.now());
      const annotations = binding.metadata?.annotations;
      // The stored metadata (without resourceVersion) serves the bound version as it is, shared with the one before.
      const storedMeta = meta(kv.value as Json);
      const bound = withFields(pod, {
        metadata: annotations !== undefined ? withFields(storedMeta, { annotations: withFields(rec(storedMeta['annotations']), annotations) }) : storedMeta,
        spec: withFields(spec, { nodeName: target }),
        status: withFields(status, { conditions: [...conditions, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now }] }),
      });
      if (opts.dryRun) return successStatus(201);
      const txn = await this.store
        .txn({ compare: [{ key, target: 'mod', result: 'equal', operand: kv.modRevision }], success: [{ put: { key, value: ownObjectStored(bound) } }], failure: [] })
        .catch((e: unknown) => this.storeError(e));
      if (txn.succeeded) return successStatus(201);
      if (attempt > 100) throw errors.conflict('pods/binding', '', name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
  }

  // ---- watch ----------------------------------------------------------------------------------------

  /**
   * Watches a resource. Events arrive through `onEvent` in revision order (synchronously from the store's
   * delivery loop, so the same writes always give the same sequence of calls). A version that is too old
   * gives one ERROR event carrying a 410 Expired Status, after which the watch has ended; so does a closed
   * store. `onEnd` is called once when the watch ends for any reason but stop().
   */
  async watch<T = Json>(
    resource: string,
    opts: WatchOptions & { namespace?: string },
    onEvent: (ev: ApiWatchEvent<T>) => void,
    onEnd?: () => void,
  ): Promise<ApiWatch> {
    const s = this.strategy(resource);
    const filter = compileFilter(s, opts.labelSelector, opts.fieldSelector);
    const selects = filter.labels !== undefined || filter.fields.length > 0;
    const prefix = this.prefix(s, opts.namespace);
    const end = prefixEnd(prefix);
    const emit = onEvent as (ev: ApiWatchEvent) => void;
    const rv = parseVersion(opts.resourceVersion, 'watch');
    let from: number;
    if (rv === undefined || rv === 0) {
      // "Get State and Start at Most Recent": the current objects as ADDED, then changes after them.
      const res = await this.store.range({ key: prefix, rangeEnd: end }).catch((e: unknown) => this.storeError(e));
      for (const kv of res.kvs) {
        const obj = this.decode(kv);
        if (matches(filter, obj)) emit({ type: 'ADDED', object: obj });
      }
      from = res.header.revision + 1;
      if (opts.sendInitialEvents && opts.allowWatchBookmarks) {
        emit({ type: 'BOOKMARK', object: this.bookmark(s, res.header.revision, true) });
      }
    } else {
      from = rv + 1;
    }
    let ended = false;
    let watcher: Watcher | undefined;
    const finish = () => {
      if (ended) return;
      ended = true;
      watcher?.cancel();
      if (opts.allowWatchBookmarks) this.releaseBookmarks();
      onEnd?.();
    };
    const handle = (res: WatchResponse) => {
      if (ended) return;
      if (res.canceled) {
        const oldest = res.compactRevision ?? 0;
        // Compacted: 410, the client lists again. Otherwise the store went away (etcd lost): a 503 the client
        // resumes after by watching again from the last resourceVersion it saw.
        const status =
          oldest === 0
            ? errors.unavailable(`the watch ended: ${res.cancelReason ?? 'the storage backend ended it'}`)
            : rv !== undefined && rv > 0
              ? errors.expired(`too old resource version: ${rv} (${oldest - 1})`)
              : errors.expired('The resourceVersion for the provided watch is too old.');
        emit({ type: 'ERROR', object: status.status as unknown as Json });
        finish();
        return;
      }
      if (res.events.length === 0) {
        if (opts.allowWatchBookmarks) emit({ type: 'BOOKMARK', object: this.bookmark(s, res.header.revision, false) });
        return;
      }
      for (const ev of res.events) {
        if (ev.prevKv === undefined && (ev.type === 'DELETE' || ev.kv.version > 1)) {
          // A change whose previous version was compacted away (an event at the compacted revision: etcd
          // reads prevKv at rev - 1). Without it a deletion could not be told apart from nothing, so the
          // watch ends as compacted (410) and the client lists again, rather than miss it (kube-apiserver's
          // etcd3 watcher refuses such an event too).
          emit({ type: 'ERROR', object: errors.expired(`too old resource version: ${ev.kv.modRevision - 1} (${ev.kv.modRevision})`).status as unknown as Json });
          finish();
          return;
        }
        const cur = ev.type === 'PUT' ? this.decode(ev.kv, true) : undefined;
        // Without selectors the previous version is needed only for a deletion (the object it reports);
        // with them it decides between ADDED, MODIFIED and DELETED.
        const prev = ev.prevKv !== undefined && (selects || cur === undefined) ? this.decode(ev.prevKv) : undefined;
        const curOk = cur !== undefined && (!selects || matches(filter, cur));
        const prevOk = prev !== undefined ? matches(filter, prev) : ev.prevKv !== undefined;
        if (curOk) emit({ type: prevOk ? 'MODIFIED' : 'ADDED', object: cur });
        else if (prevOk && prev !== undefined) {
          // Deleted, or no longer selected: the last state, at the event's version (cacher convertToWatchEvent).
          emit({ type: 'DELETED', object: withVersion(prev, ev.kv.modRevision) });
        }
      }
    };
    try {
      watcher = this.store.watch({ key: prefix, rangeEnd: end, startRevision: from, prevKv: true, progressNotify: opts.allowWatchBookmarks ?? false }, handle);
    } catch (err) {
      this.storeError(err);
    }
    if (opts.allowWatchBookmarks && !ended) this.holdBookmarks();
    return { stop: () => { if (!ended) { ended = true; watcher?.cancel(); if (opts.allowWatchBookmarks) this.releaseBookmarks(); } } };
  }

  private bookmark(s: Strategy, revision: number, initialEventsEnd: boolean): Json {
    return {
      kind: s.kind,
      apiVersion: s.info.apiVersion,
      metadata: { resourceVersion: String(revision), ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) },
    };
  }

  private holdBookmarks(): void {
    this.bookmarkWatchers++;
    if (this.bookmarkTimer === undefined && !this.closed) this.scheduleBookmarks();
  }

  private releaseBookmarks(): void {
    this.bookmarkWatchers--;
    if (this.bookmarkWatchers === 0) {
      this.bookmarkTimer?.cancel();
      this.bookmarkTimer = undefined;
    }
  }

  private scheduleBookmarks(): void {
    this.bookmarkTimer = this.clock.setTimer(this.bookmarkIntervalMs, () => {
      this.bookmarkTimer = undefined;
      if (this.bookmarkWatchers === 0 || this.closed) return;
      this.store.requestProgress();
      this.scheduleBookmarks();
    });
  }

  /** Sends a bookmark to every watch that allows them, now (used by tests and the watch deadline). */
  requestBookmarks(): void {
    this.store.requestProgress();
  }

  // ---- compaction -----------------------------------------------------------------------------------

  private startCompaction(intervalMs: number): void {
    let last = 0;
    const tick = async () => {
      if (this.closed) return;
      try {
        if (last > 0) await this.store.compact(last).catch(() => undefined);
        last = (await this.store.range({ key: this.root, rangeEnd: prefixEnd(this.root), countOnly: true })).header.revision;
      } catch {
        // A closed or unavailable store: try again next interval.
      }
      this.compactionTimer = this.clock.setTimer(intervalMs, () => void tick());
    };
    this.compactionTimer = this.clock.setTimer(intervalMs, () => void tick());
  }
}

function specFinalizers(obj: Json): unknown[] {
  const f = rec(obj['spec'])['finalizers'];
  return Array.isArray(f) ? f : [];
}

/** Jobs select their own pods by the job's uid unless told otherwise (batch job strategy PrepareForCreate). */
function defaultJobSelector(job: Json): Json {
  const spec = rec(job['spec']);
  if (spec['manualSelector'] === true) return job;
  const m = meta(job);
  const uid = String(m['uid']);
  const name = String(m['name'] ?? '');
  const template = rec(spec['template']);
  const tm = rec(template['metadata']);
  const labels = { ...rec(tm['labels']), 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
  return {
    ...job,
    spec: {
      ...spec,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
      template: { ...template, metadata: { ...tm, labels } },
    },
  };
}

export { ApiError };
