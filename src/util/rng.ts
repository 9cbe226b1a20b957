// Randomness is injected as a seeded generator, so a run with the same inputs and seed is byte-identical.

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n), for n >= 1. */
  int(n: number): number;
}

/**
 * mulberry32: a small, fast 32-bit generator with a full 2^32 period; good enough for tie-breaking and
 * workload sampling, and trivially reproducible from its seed.
 */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
  };
}
