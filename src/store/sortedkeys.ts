// An ordered set of string keys for range scans: a list of sorted chunks (the "sorted list" layout), so an
// insert moves at most one chunk's worth of entries instead of the whole key space, and a range scan is
// two binary searches and a walk. Keys compare by UTF-16 code unit, which is byte order for ASCII keys
// such as Kubernetes' /registry/... paths.

const CHUNK = 512; // a chunk splits in two when it grows past 2 * CHUNK keys

function lowerBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedKeys {
  private chunks: string[][] = [];
  /** maxes[i] is the last (largest) key of chunks[i]. */
  private maxes: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Index of the chunk that holds, or would hold, `key`. */
  private chunkFor(key: string): number {
    const i = lowerBound(this.maxes, key);
    return i < this.chunks.length ? i : this.chunks.length - 1;
  }

  has(key: string): boolean {
    if (this.count === 0) return false;
    const chunk = this.chunks[this.chunkFor(key)]!;
    const j = lowerBound(chunk, key);
    return chunk[j] === key;
  }

  /** Adds `key`; false if it was already there. */
  insert(key: string): boolean {
    if (this.count === 0) {
      this.chunks.push([key]);
      this.maxes.push(key);
      this.count = 1;
      return true;
    }
    const i = this.chunkFor(key);
    const chunk = this.chunks[i]!;
    const j = lowerBound(chunk, key);
    if (chunk[j] === key) return false;
    chunk.splice(j, 0, key);
    this.count++;
    if (j === chunk.length - 1) this.maxes[i] = key;
    if (chunk.length > 2 * CHUNK) {
      const tail = chunk.splice(CHUNK);
      this.chunks.splice(i + 1, 0, tail);
      this.maxes.splice(i, 1, chunk[chunk.length - 1]!, tail[tail.length - 1]!);
    }
    return true;
  }

  /** Removes `key`; false if it was not there. */
  delete(key: string): boolean {
    if (this.count === 0) return false;
    const i = this.chunkFor(key);
    const chunk = this.chunks[i]!;
    const j = lowerBound(chunk, key);
    if (chunk[j] !== key) return false;
    chunk.splice(j, 1);
    this.count--;
    if (chunk.length === 0) {
      this.chunks.splice(i, 1);
      this.maxes.splice(i, 1);
    } else if (j === chunk.length) {
      this.maxes[i] = chunk[j - 1]!;
    }
    return true;
  }

  /** Keys in [start, end) in order; `end` undefined means no upper bound. */
  *range(start: string, end: string | undefined): Generator<string> {
    if (this.count === 0) return;
    let i = lowerBound(this.maxes, start);
    if (i >= this.chunks.length) return;
    let j = lowerBound(this.chunks[i]!, start);
    for (; i < this.chunks.length; i++, j = 0) {
      const chunk = this.chunks[i]!;
      for (; j < chunk.length; j++) {
        const key = chunk[j]!;
        if (end !== undefined && key >= end) return;
        yield key;
      }
    }
  }
}
