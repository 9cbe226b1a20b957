// A cache of recent entries: two generations of up to `size` entries each; when the current one fills,
// it becomes the previous one and the previous one is dropped. Lookups hit anything set within the last
// `size` to 2·`size` insertions, and nothing older stays reachable (unlike a WeakMap keyed by objects that
// live on, such as the versions a store's history keeps).
export class RecentCache<K, V> {
  private now = new Map<K, V>();
  private before = new Map<K, V>();

  constructor(private readonly size: number) {}

  get(key: K): V | undefined {
    return this.now.get(key) ?? this.before.get(key);
  }

  set(key: K, value: V): void {
    if (this.now.size >= this.size) {
      this.before = this.now;
      this.now = new Map();
    }
    this.now.set(key, value);
  }
}
