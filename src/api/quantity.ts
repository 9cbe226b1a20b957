// Kubernetes resource quantities ("500m", "2Gi", "1.5", "1e3"), parsed and printed exactly as
// k8s.io/apimachinery/pkg/api/resource does (quantity.go: ParseQuantity, CanonicalizeBytes, ScaledValue;
// suffix.go: the suffix tables). A value is kept as an integer number of nano-units in a bigint, which is
// exact: ParseQuantity itself rounds every value up (away from zero) to a whole nano-unit.
//
// Grammar (quantity.go):
//   <quantity> ::= [+|-] <number> <suffix>
//   <number>   ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//   <suffix>   ::= Ki | Mi | Gi | Ti | Pi | Ei            (binary SI, powers of 1024)
//                | n | u | m | "" | k | M | G | T | P | E  (decimal SI, powers of 1000)
//                | e <signed integer> | E <signed integer>  (decimal exponent)

/** How a quantity prints; remembered from the suffix it was parsed with (quantity.go Format). */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact quantity: `nano` × 10⁻⁹ units. */
export interface Quantity {
  readonly nano: bigint;
  readonly format: QuantityFormat;
}

const EXAMPLES = '(expected e.g. 500m, 1.5, 2Gi, 512M, 1e3)';

/** A string that is not a quantity. The message quotes it and, when given, where it came from. */
export class QuantityError extends Error {
  override readonly name = 'QuantityError';
  constructor(
    /** The rejected text. */
    readonly input: string,
    /** Why, e.g. `unknown suffix "GB"`. */
    readonly reason: string,
    /** Where the text came from, e.g. `spec.containers[0].resources.requests[cpu]`; '' if unknown. */
    readonly where = '',
  ) {
    super(`${where === '' ? '' : `${where}: `}${JSON.stringify(input)} is not a quantity${reason === '' ? '' : `: ${reason}`} ${EXAMPLES}`);
  }
}

const NANO_PER_UNIT = 1_000_000_000n;
const NANO_PER_MILLI = 1_000_000n;
/** quantity.go caps a binary-SI quantity (only those) at 2^63-1 units while parsing ("8Ei" → 2^63-1). */
const MAX_BINARY_NANO = ((1n << 63n) - 1n) * NANO_PER_UNIT;
/**
 * Exponents beyond this are refused rather than expanded into a huge bigint (upstream would accept any
 * int32). No resource amount comes near it; it only guards against "1e999999999" in input files.
 */
const MAX_EXPONENT = 10_000;

const BINARY_SUFFIXES: ReadonlyMap<string, bigint> = new Map([
  ['Ki', 10n], ['Mi', 20n], ['Gi', 30n], ['Ti', 40n], ['Pi', 50n], ['Ei', 60n],
]);
const BINARY_SUFFIX_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;
const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9], ['u', -6], ['m', -3], ['', 0], ['k', 3], ['M', 6], ['G', 9], ['T', 12], ['P', 15], ['E', 18],
]);
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map([...DECIMAL_SUFFIXES].map(([s, e]) => [e, s]));

const POW10: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) return (POW10[n] ??= 10n ** BigInt(n));
  return 10n ** BigInt(n);
}

/** |a| / b rounded up, with a's sign: the "round away from zero" of quantity.go (b > 0). */
function divAwayFromZero(a: bigint, b: bigint): bigint {
  const q = a / b; // truncates toward zero
  if (q * b === a) return q;
  return a < 0n ? q - 1n : q + 1n;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Parsed quantities by text. A cluster names the same few quantities ("100m", "500Mi") in every pod and node,
 * and a Quantity is immutable, so each text is parsed once; the map is emptied when it reaches its bound.
 */
const PARSED_BOUND = 16_384;
const parsed = new Map<string, Quantity | string>();
function parse(s: string): Quantity | string {
  let r = parsed.get(s);
  if (r === undefined) {
    if (parsed.size >= PARSED_BOUND) parsed.clear();
    r = parseText(s);
    parsed.set(s, r);
  }
  return r;
}

/** The parsed quantity, or why the text is not one. */
function parseText(s: string): Quantity | string {
  if (s === '') return 'the text is empty';
  if (s.trim() !== s) return 'it has surrounding whitespace';
  let i = 0;
  const negative = s[0] === '-';
  if (negative || s[0] === '+') i++;
  const intStart = i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  const intDigits = s.slice(intStart, i);
  let fracDigits = '';
  if (s[i] === '.') {
    const fracStart = ++i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    fracDigits = s.slice(fracStart, i);
  }
  // quantity.go's scanner treats a missing number as 0 ("Gi", ".", "+" parse as zero); its documented
  // grammar does not allow that, and a unit without a number is always a typo, so it is refused here.
  if (intDigits === '' && fracDigits === '') return 'there is no number';
  const suffix = s.slice(i);
  const mantissa = BigInt(intDigits + fracDigits);

  let format: QuantityFormat;
  // Exactly: nano = scaled × 10^shift10, where scaled is the digits without the point (× 2^power if binary).
  let scaled: bigint;
  let shift10 = 9 - fracDigits.length;
  const binaryPower = BINARY_SUFFIXES.get(suffix);
  const decimalExponent = DECIMAL_SUFFIXES.get(suffix);
  if (binaryPower !== undefined) {
    format = 'BinarySI';
    scaled = mantissa << binaryPower;
  } else if (decimalExponent !== undefined) {
    format = 'DecimalSI';
    scaled = mantissa;
    shift10 += decimalExponent;
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    const exponent = Number(suffix.slice(1));
    if (!(Math.abs(exponent) <= MAX_EXPONENT)) return `the exponent ${suffix.slice(1)} is out of range (at most ±${MAX_EXPONENT})`;
    format = 'DecimalExponent';
    scaled = mantissa;
    shift10 += exponent;
  } else {
    return `unknown suffix ${JSON.stringify(suffix)}`;
  }

  let nano: bigint;
  if (shift10 >= 0) nano = scaled * pow10(shift10);
  else if (scaled === 0n) nano = 0n;
  // Finer than a nano-unit: quantity.go rounds a non-zero value up to the next nano ("0.9n" → "1n").
  else if (-shift10 > scaled.toString().length) nano = 1n;
  else nano = divAwayFromZero(scaled, pow10(-shift10));

  if (format === 'BinarySI') {
    if (nano > MAX_BINARY_NANO) nano = MAX_BINARY_NANO;
    // quantity.go: a binary quantity strictly between 0 and 1 becomes decimal "to avoid confusion".
    if (nano > 0n && nano < NANO_PER_UNIT) format = 'DecimalSI';
  }
  return { nano: negative ? -nano : nano, format };
}

/**
 * Parses a quantity exactly as Kubernetes does (no surrounding whitespace allowed, as in ParseQuantity).
 * `where` names the source of the text for the error message, e.g. `workload.csv:17: column "memory"`.
 */
export function parseQuantity(s: string, where = ''): Quantity {
  const result = parse(s);
  if (typeof result === 'string') throw new QuantityError(s, result, where);
  return result;
}

/** parseQuantity without the exception. */
export function tryParseQuantity(s: string): Quantity | undefined {
  const result = parse(s);
  return typeof result === 'string' ? undefined : result;
}

/**
 * The canonical string, as Quantity.String() prints it (quantity.go CanonicalizeBytes):
 * - zero is "0";
 * - BinarySI stays binary, with the largest power of 1024 that keeps an integer, when the value is a whole
 *   number of magnitude at least 1024; otherwise it prints as DecimalSI ("0.5Ki" → "512");
 * - DecimalSI and DecimalExponent use the largest power of 1000 that keeps an integer mantissa
 *   ("1.5" → "1500m", "1.2e3" → "1200"); DecimalSI writes it as a suffix (falling back to "e21" beyond "E"),
 *   DecimalExponent as "e3" ("1e3" stays "1e3", as upstream's TestQuantityString expects).
 */
export function formatQuantity(q: Quantity): string {
  const { nano } = q;
  if (nano === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const magnitude = nano < 0n ? -nano : nano;
    if (magnitude < 1024n * NANO_PER_UNIT || nano % NANO_PER_UNIT !== 0n) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let units = nano / NANO_PER_UNIT;
    let power = 0;
    while (power < 6 && units % 1024n === 0n) {
      units /= 1024n;
      power++;
    }
    return `${units}${BINARY_SUFFIX_BY_POWER[power]}`;
  }
  // Move every factor of ten into the exponent, then back off to a multiple of three.
  let mantissa = nano;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const extra = ((exponent % 3) + 3) % 3;
  mantissa *= pow10(extra);
  exponent -= extra;
  if (format === 'DecimalSI') {
    const suffix = DECIMAL_SUFFIX_BY_EXPONENT.get(exponent);
    if (suffix !== undefined) return `${mantissa}${suffix}`;
  } else if (exponent === 0) {
    return `${mantissa}`;
  }
  return `${mantissa}e${exponent}`;
}

/**
 * ceil(q × 1000), rounding away from zero, as Quantity.MilliValue(): "0.1m" → 1, "1.5" → 1500.
 * Exact up to 2^53; Kubernetes' int64 would overflow long before a real request gets there.
 */
export function milliValue(q: Quantity): number {
  return Number(divAwayFromZero(q.nano, NANO_PER_MILLI));
}

/** q rounded up (away from zero) to a whole unit, as Quantity.Value(): "1500m" → 2, "1Ki" → 1024. */
export function value(q: Quantity): number {
  return Number(divAwayFromZero(q.nano, NANO_PER_UNIT));
}

/** -1, 0 or 1, as Quantity.Cmp(); the format plays no part. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0;
}

/** CPU in millicores, as the scheduler counts it: "500m" → 500, "2" → 2000, "0.1m" → 1. */
export function cpuMilli(s: string, where = ''): number {
  return milliValue(parseQuantity(s, where));
}

/** Memory (or storage) in bytes, rounded up: "1Gi" → 1073741824, "512M" → 512000000. */
export function memoryBytes(s: string, where = ''): number {
  return value(parseQuantity(s, where));
}
