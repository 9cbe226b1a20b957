// Metadata the API server fills in, from the injected clock and RNG (never Date.now or Math.random).
import type { Rng } from '../util/rng.js';

/** The last second formatted, and its text: the clock often reads the same second many times in a row. */
let lastSecond = Number.NaN;
let lastSecondText = '';

/** metav1.Time: RFC 3339 in UTC with whole seconds, e.g. 2026-11-28T06:45:24Z. */
export function formatTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecondText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastSecondText;
}

/** metav1.MicroTime: RFC 3339 with microseconds, e.g. 2026-11-28T06:45:24.123000Z. */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function parseTime(s: string): number {
  return Date.parse(s);
}

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const DASH = 45;
const FOUR = 52;
const uuidCodes: number[] = new Array<number>(36).fill(0);

/**
 * A random (version 4) UUID from the seeded RNG: 8-4-4-4-12 hex digits, the version nibble 4 and the variant
 * nibble 8-b. Built as character codes in one buffer and made a string in one call, so it is one flat
 * string (adding characters one by one would leave a rope of 36 pieces behind every uid the store keeps),
 * about three times faster than joining one-character strings.
 */
export function newUid(rng: Rng): string {
  const c = uuidCodes;
  let at = 0;
  for (let i = 0; i < 8; i++) c[at++] = HEX_CODES[rng.int(16)]!;
  c[at++] = DASH;
  for (let i = 0; i < 4; i++) c[at++] = HEX_CODES[rng.int(16)]!;
  c[at++] = DASH;
  c[at++] = FOUR;
  for (let i = 0; i < 3; i++) c[at++] = HEX_CODES[rng.int(16)]!;
  c[at++] = DASH;
  c[at++] = HEX_CODES[8 + rng.int(4)]!;
  for (let i = 0; i < 3; i++) c[at++] = HEX_CODES[rng.int(16)]!;
  c[at++] = DASH;
  for (let i = 0; i < 12; i++) c[at++] = HEX_CODES[rng.int(16)]!;
  return String.fromCharCode.apply(null, c);
}

// The alphabet and length of generateName suffixes (k8s.io/apiserver pkg/storage/names/generate.go:
// utilrand.String(5) over "bcdfghjklmnpqrstvwxz2456789", chosen to avoid words).
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_LENGTH = 5;
const MAX_GENERATED_NAME_LENGTH = 63 - SUFFIX_LENGTH;

export function generateName(base: string, rng: Rng): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += SUFFIX_ALPHABET[rng.int(SUFFIX_ALPHABET.length)];
  return base.slice(0, MAX_GENERATED_NAME_LENGTH) + suffix;
}

/** Structural equality of JSON values, ignoring key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}
