// Informers (client-go tools/cache, in process): list + watch a resource into a local cache with indexes,
// call add/update/delete handlers, and relist when the watch's version has been compacted (410). One
// shared factory gives every component the same informer, and so the same cache, per resource.
// Handler calls happen in the order of the API server's watch events, which is the store's revision order,
// so the same writes always give the same sequence of calls.
import type { ApiServer, ApiWatch, ApiWatchEvent, ObjectList } from './apiserver.js';
import { isRecord, type Json } from './strategy.js';

export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

/** Index functions return the index values an object is filed under (client-go IndexFunc). */
export type IndexFunc<T> = (obj: T) => readonly string[];

export interface InformerOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

function metaOf(obj: unknown): Json {
  return isRecord(obj) && isRecord(obj['metadata']) ? obj['metadata'] : {};
}

/** "namespace/name", or "name" for cluster-scoped objects (cache.MetaNamespaceKeyFunc). */
export function objectKey(obj: unknown): string {
  const m = metaOf(obj);
  const ns = m['namespace'];
  return typeof ns === 'string' && ns !== '' ? `${ns}/${String(m['name'])}` : String(m['name']);
}

export const byNamespace: IndexFunc<Json> = (obj) => {
  const ns = metaOf(obj)['namespace'];
  return typeof ns === 'string' ? [ns] : [];
};

export const byNodeName: IndexFunc<Json> = (obj) => {
  const spec = isRecord(obj['spec']) ? obj['spec'] : {};
  const node = spec['nodeName'];
  return typeof node === 'string' && node !== '' ? [node] : [];
};

export const byOwner: IndexFunc<Json> = (obj) => {
  const refs = metaOf(obj)['ownerReferences'];
  return Array.isArray(refs) ? refs.filter(isRecord).map((r) => String(r['uid'])) : [];
};

export class Informer<T extends object = Json> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /**
   * The indexes asked for so far: one is built from the cache on its first byIndex and kept up to date
   * from then on, so an index nobody reads (a pod informer's namespace and owner indexes in a process
   * without controllers) costs nothing per object.
   */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly handlers: EventHandlers<T>[] = [];
  private watch: ApiWatch | undefined;
  private synced = false;
  private stopped = false;
  private version = '';
  private starting: Promise<void> | undefined;
  /** How many times the informer had to list again because its watch fell behind compaction. */
  relists = 0;
  /** The current backoff before watching again after an error (0 after a good event). */
  private retryMs = 0;

  constructor(
    private readonly api: ApiServer,
    readonly resource: string,
    private readonly options: InformerOptions = {},
  ) {
    this.addIndexer('namespace', byNamespace as unknown as IndexFunc<T>);
    this.addIndexer('owner', byOwner as unknown as IndexFunc<T>);
    if (resource === 'pods') this.addIndexer('nodeName', byNodeName as unknown as IndexFunc<T>);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion of the newest event seen. */
  get resourceVersion(): string {
    return this.version;
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.indexers.set(name, fn);
    this.indexes.delete(name); // rebuilt with this function when next read
  }

  /** Adds handlers; if the cache is already filled, the new handlers get an add for every object first. */
  addEventHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced && h.onAdd) for (const obj of this.list()) h.onAdd(obj);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  /** Every cached object, in key order. */
  list(): T[] {
    return [...this.items.keys()].sort().map((k) => this.items.get(k)!);
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects filed under `value` in the named index, in key order. */
  byIndex(name: string, value: string): T[] {
    let index = this.indexes.get(name);
    if (index === undefined) {
      const fn = this.indexers.get(name);
      if (fn === undefined) throw new Error(`informer for ${this.resource} has no index ${JSON.stringify(name)}`);
      index = new Map<string, Set<string>>();
      for (const [key, obj] of this.items) this.indexAdd(index, fn, key, obj);
      this.indexes.set(name, index);
    }
    const keys = index.get(value);
    return keys === undefined ? [] : [...keys].sort().map((k) => this.items.get(k)!);
  }

  /** Lists and starts watching; resolves once the cache holds the listed state. */
  start(): Promise<void> {
    this.starting ??= this.listAndWatch();
    return this.starting;
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    this.watch = undefined;
  }

  private async listAndWatch(): Promise<void> {
    const list = await this.api.list<T>(this.resource, this.options);
    if (this.stopped) return;
    this.replace(list.items);
    this.version = list.metadata.resourceVersion;
    this.synced = true;
    await this.startWatch();
  }

  /** Starts the watch from the cached version (protected so a test can delay it past a compaction). */
  protected async startWatch(): Promise<void> {
    this.watch = await this.api.watch<T>(
      this.resource,
      { ...this.options, resourceVersion: this.version, allowWatchBookmarks: true },
      (ev) => this.onEvent(ev),
      () => {
        this.watch = undefined;
      },
    );
  }

  private onEvent(ev: ApiWatchEvent<T>): void {
    if (this.stopped) return;
    if (ev.type === 'ERROR') {
      // 410 Gone/Expired: our version was compacted away. List again and carry on from there (reflector.go).
      const code = (ev.object as unknown as Json)['code'];
      if (code === 410) {
        this.relists++;
        void this.relist();
      } else {
        // Anything else (503: the store went away) ends the watch; watch again from the version we hold, after
        // a backoff, as the reflector does (client-go reflector.go: 800 ms doubling to 30 s).
        this.retryLater(() => this.startWatch());
      }
      return;
    }
    this.retryMs = 0;
    const rv = metaOf(ev.object)['resourceVersion'];
    if (typeof rv === 'string') this.version = rv;
    if (ev.type === 'BOOKMARK') return;
    const key = objectKey(ev.object);
    if (ev.type === 'DELETED') this.remove(key);
    else this.upsert(key, ev.object);
  }

  private async relist(): Promise<void> {
    this.watch = undefined;
    let list: ObjectList<T>;
    try {
      list = await this.api.list<T>(this.resource, this.options);
    } catch {
      this.retryLater(() => this.relist());
      return;
    }
    if (this.stopped) return;
    this.replace(list.items);
    this.version = list.metadata.resourceVersion;
    await this.startWatch();
  }

  /** Runs `again` after the reflector's backoff; a failure backs off further. */
  private retryLater(again: () => Promise<void>): void {
    this.watch = undefined;
    if (this.stopped) return;
    this.retryMs = Math.min(this.retryMs === 0 ? 800 : this.retryMs * 2, 30_000);
    this.api.clock.setTimer(this.retryMs, () => {
      if (!this.stopped) void again().catch(() => this.retryLater(again));
    });
  }

  /** Makes the cache equal a fresh list, with handler calls for every difference (DeltaFIFO Replace). */
  private replace(items: readonly T[]): void {
    const fresh = new Map<string, T>();
    for (const obj of items) fresh.set(objectKey(obj), obj);
    for (const key of [...this.items.keys()].sort()) if (!fresh.has(key)) this.remove(key);
    for (const key of [...fresh.keys()].sort()) {
      const obj = fresh.get(key)!;
      const old = this.items.get(key);
      if (old === undefined || metaOf(old)['resourceVersion'] !== metaOf(obj)['resourceVersion']) this.upsert(key, obj);
    }
  }

  private upsert(key: string, obj: T): void {
    const old = this.items.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, index] of this.indexes) this.indexAdd(index, this.indexers.get(name)!, key, obj);
    for (const h of this.handlers) {
      if (old === undefined) h.onAdd?.(obj);
      else h.onUpdate?.(old, obj);
    }
  }

  private remove(key: string): void {
    const old = this.items.get(key);
    if (old === undefined) return;
    this.unindex(key, old);
    this.items.delete(key);
    for (const h of this.handlers) h.onDelete?.(old);
  }

  private indexAdd(index: Map<string, Set<string>>, fn: IndexFunc<T>, key: string, obj: T): void {
    for (const value of fn(obj)) {
      let set = index.get(value);
      if (set === undefined) index.set(value, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, index] of this.indexes) {
      for (const value of this.indexers.get(name)!(obj)) {
        const set = index.get(value);
        set?.delete(key);
        if (set?.size === 0) index.delete(value);
      }
    }
  }
}

/** One informer per resource, shared by every component that asks (client-go SharedInformerFactory). */
export class SharedInformerFactory {
  private readonly informers = new Map<string, Informer>();

  constructor(private readonly api: ApiServer) {}

  informer<T extends object = Json>(resource: string): Informer<T> {
    let inf = this.informers.get(resource);
    if (inf === undefined) {
      this.api.strategy(resource); // unknown resources fail here, at start-up
      inf = new Informer(this.api, resource);
      this.informers.set(resource, inf);
    }
    return inf as unknown as Informer<T>;
  }

  /** Starts every informer asked for so far; resolves when all have synced. */
  async start(): Promise<void> {
    for (const inf of this.informers.values()) await inf.start();
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}
