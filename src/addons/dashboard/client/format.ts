// How the page writes amounts: cpu in cores, memory in GiB, GPUs in devices, each with at most a few
// decimals and no trailing zeros ("1.5", "4", "0.25"), so requested and allocatable read side by side.

/** `v` with at most `decimals` decimals, trailing zeros dropped. */
export function trimmed(v: number, decimals: number): string {
  const s = v.toFixed(decimals);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Millicores as cores: 1500 → "1.5". */
export function cores(milli: number): string {
  return trimmed(milli / 1000, 3);
}

/** Bytes as GiB: 1610612736 (1.5Gi) → "1.5". */
export function gib(bytes: number): string {
  return trimmed(bytes / 2 ** 30, 2);
}

export function gpus(n: number): string {
  return trimmed(n, 3);
}

/** "2 / 4" */
export function ratio(requested: string, allocatable: string): string {
  return `${requested} / ${allocatable}`;
}

/** The clock time of an RFC 3339 timestamp, "14:03:07" (UTC, as the API server writes them). */
export function clockTime(rfc3339: string): string {
  const m = /T(\d\d:\d\d:\d\d)/.exec(rfc3339);
  return m !== null ? m[1]! : rfc3339;
}
