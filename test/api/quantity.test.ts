import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  QuantityError,
  compareQuantities,
  cpuMilli,
  formatQuantity,
  memoryBytes,
  milliValue,
  parseQuantity,
  tryParseQuantity,
  value,
  type Quantity,
  type QuantityFormat,
} from '../../src/api/index.js';

/** quantity_test.go's decQuantity(i, exponent, format): i × 10^exponent, here in nano-units. */
function dec(i: bigint, exponent: number, format: QuantityFormat): Quantity {
  const shift = exponent + 9;
  return { nano: shift >= 0 ? i * 10n ** BigInt(shift) : i / 10n ** BigInt(-shift), format };
}

const MAX_INT64 = (1n << 63n) - 1n;

test('parseQuantity: upstream TestQuantityParse table (value and remembered format)', () => {
  const table: [string, Quantity][] = [
    ['0', dec(0n, 0, 'DecimalSI')],
    ['0Ki', dec(0n, 0, 'BinarySI')],
    ['1Ki', dec(1024n, 0, 'BinarySI')],
    ['7Mi', dec(7n * 1024n ** 2n, 0, 'BinarySI')],
    ['3Ei', dec(3n * 1024n ** 6n, 0, 'BinarySI')],
    ['5n', dec(5n, -9, 'DecimalSI')],
    ['4u', dec(4n, -6, 'DecimalSI')],
    ['50k', dec(5n, 4, 'DecimalSI')],
    ['1E', dec(1n, 18, 'DecimalSI')], // "E" alone is exa, not an exponent
    ['1E-3', dec(1n, -3, 'DecimalExponent')],
    ['1e14', dec(1n, 14, 'DecimalExponent')],
    ['100.035k', dec(100035n, 0, 'DecimalSI')],
    ['0.0005k', dec(5n, -1, 'DecimalSI')],
    ['0.5e-2', dec(5n, -3, 'DecimalExponent')],
    ['1.3E+6', dec(13n, 5, 'DecimalExponent')],
    ['7.123456M', dec(7123456n, 0, 'DecimalSI')],
    ['1.01E', dec(101n, 16, 'DecimalSI')],
    // "Things that saturate/round": finer than a nano rounds up, away from zero.
    ['3.001n', dec(4n, -9, 'DecimalSI')],
    ['1.1E-9', dec(2n, -9, 'DecimalExponent')],
    ['0.0000000001', dec(1n, -9, 'DecimalSI')],
    ['0.00000012345', dec(124n, -9, 'DecimalSI')],
    // Binary SI is capped at 2^63-1 units; decimal SI is not ("12E" keeps 12×10^18).
    ['9Ei', { nano: MAX_INT64 * 1_000_000_000n, format: 'BinarySI' }],
    ['9223372036854775807Ki', { nano: MAX_INT64 * 1_000_000_000n, format: 'BinarySI' }],
    ['12E', dec(12n, 18, 'DecimalSI')],
    // "We'll accept fractional binary stuff, too."
    ['100.035Ki', dec(10243584n, -2, 'BinarySI')], // 100.035 × 1024 = 102435.84
    ['0.5Mi', dec(524288n, 0, 'BinarySI')],
    // "Things written by trolls": 1e-12 × 1024 rounds up to 2n, and a binary value below 1 turns decimal.
    ['0.000000000001Ki', dec(2n, -9, 'DecimalSI')],
    ['.001', dec(1n, -3, 'DecimalSI')],
    ['1.', dec(1n, 0, 'DecimalSI')],
    ['1.G', dec(1n, 9, 'DecimalSI')],
  ];
  for (const [input, want] of table) {
    const got = parseQuantity(input);
    assert.is(got.nano, want.nano, `${input}: value`);
    assert.is(got.format, want.format, `${input}: format`);
    // The upstream test also parses "-" + input and "+" + input.
    assert.is(parseQuantity(`-${input}`).nano, -want.nano, `-${input}`);
    assert.is(parseQuantity(`+${input}`).nano, want.nano, `+${input}`);
  }
});

test('parseQuantity: upstream invalid inputs, plus the ones drydock must refuse', () => {
  const upstreamInvalid = ['1.1.M', '1+1.0M', '0.1mi', '0.1am', 'aoeu', '.5i', '1i', '-3.01e-', ' 1', '1 ', ''];
  // quantity.go's scanner reads a missing number as 0 ("Gi", ".", "+" → 0); drydock refuses them (see parse()).
  const drydockInvalid = ['1.2.3', 'Gi', '5GB', '--1', '12Gx', '.', '-', '+', 'Ki1', '1K', '1e', '1e3.5', '1 Gi', '1e99999'];
  for (const s of [...upstreamInvalid, ...drydockInvalid]) {
    assert.throws(() => parseQuantity(s), (e: unknown) => e instanceof QuantityError && e.input === s && e.message.includes(JSON.stringify(s)), s);
    assert.is(tryParseQuantity(s), undefined, s);
  }
});

test('QuantityError: complete sentence with the location, the bad text and examples', () => {
  const err = (() => {
    try {
      parseQuantity('12Gx', 'workload.csv:17: column "memory"');
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.instance(err, QuantityError);
  assert.is(
    (err as QuantityError).message,
    'workload.csv:17: column "memory": "12Gx" is not a quantity: unknown suffix "Gx" (expected e.g. 500m, 1.5, 2Gi, 512M, 1e3)',
  );
  assert.match(String(new QuantityError('Gi', 'there is no number').message), /^"Gi" is not a quantity: there is no number \(expected e\.g\./);
});

test('formatQuantity: upstream TestQuantityString table', () => {
  const table: [Quantity, string][] = [
    [dec(1024n ** 3n, 0, 'BinarySI'), '1Gi'],
    [dec(300n * 1024n ** 2n, 0, 'BinarySI'), '300Mi'],
    [dec(1001n * 1024n ** 3n, 0, 'BinarySI'), '1001Gi'],
    [dec(5n, 0, 'BinarySI'), '5'], // binary below 1024 prints decimal
    [dec(1000n, 0, 'BinarySI'), '1k'], // … which shows for 1000: decimal "1k", where binary would print "1000"
    [dec(3n * 1024n ** 6n, 0, 'BinarySI'), '3Ei'],
    [dec(500n, -3, 'BinarySI'), '500m'],
    [dec(1n, 9, 'DecimalSI'), '1G'],
    [dec(1000n, 6, 'DecimalSI'), '1G'],
    [dec(1n, -3, 'DecimalSI'), '1m'],
    [dec(1080n, -3, 'DecimalSI'), '1080m'],
    [dec(108n, -2, 'DecimalSI'), '1080m'], // 1.08: exponent -2 backs off to -3
    [dec(1n, 18, 'DecimalSI'), '1E'],
    [dec(1n, 21, 'DecimalSI'), '1e21'], // no suffix beyond E: exponent notation instead of dropping 10^21
    [dec(1234567n, 6, 'DecimalSI'), '1234567M'],
    [dec(1234567n, -3, 'BinarySI'), '1234567m'], // not an integer: binary cannot show it
    [dec(1025n, 0, 'BinarySI'), '1025'], // 1025 is no multiple of 1024
    [dec(0n, 0, 'BinarySI'), '0'],
    [dec(1n, 9, 'DecimalExponent'), '1e9'],
    [dec(1n, -3, 'DecimalExponent'), '1e-3'],
    [dec(80n, -3, 'DecimalExponent'), '80e-3'],
    [dec(1n, 3, 'DecimalExponent'), '1e3'], // exponent format stays exponent format
    [dec(0n, 0, 'DecimalExponent'), '0'],
    [dec(108n, -8, 'DecimalSI'), '1080n'],
    [dec(1080n, -6, 'DecimalSI'), '1080u'],
  ];
  for (const [q, want] of table) {
    assert.is(formatQuantity(q), want, `${q.nano}n ${q.format}`);
    // "Don't expect it to print -0 ever"; otherwise the negative prints with a leading "-".
    if (q.nano !== 0n) assert.is(formatQuantity({ nano: -q.nano, format: q.format }), `-${want}`);
  }
});

test('formatQuantity(parseQuantity(s)): upstream TestQuantityParseEmit and the canonical examples', () => {
  const table: [string, string][] = [
    ['1Ki', '1Ki'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'], // 1.024
    ['.000001Ki', '1024u'],
    ['.000000000001Ki', '2n'], // 1.024e-12 rounds up to 2n
    ['1.5', '1500m'],
    ['1.5Gi', '1536Mi'], // 1.5 × 1024 Mi
    ['0.5Ki', '512'], // 512 < 1024: printed as decimal
    ['2Gi', '2Gi'],
    ['8Ei', '9223372036854775807'], // capped at 2^63-1, which is no multiple of 1024
    ['7Ei', '7Ei'],
    ['1e3', '1e3'],
    ['1.2e3', '1200'], // 12e2 → 1200e0, and exponent 0 has no suffix
    ['100m', '100m'],
    ['1000m', '1'],
    ['0.1', '100m'],
    ['-0', '0'],
  ];
  for (const [input, want] of table) assert.is(formatQuantity(parseQuantity(input)), want, input);
});

test('milliValue and value round up (away from zero) like MilliValue/Value', () => {
  const table: [string, number, number][] = [
    // [input, milliValue, value]
    ['500m', 500, 1], // 0.5 → value rounds up to 1
    ['2', 2000, 2],
    ['0.1m', 1, 1], // 0.0001 cores: 0.1 milli rounds up to 1 milli
    ['1n', 1, 1],
    ['1.5', 1500, 2],
    ['1Ki', 1024000, 1024],
    ['100.035Ki', 102435840, 102436], // 102435.84 → 102436
    ['-1.5', -1500, -2], // away from zero, as int64Amount's negativeScaleInt64
    ['0', 0, 0],
  ];
  for (const [input, milli, units] of table) {
    const q = parseQuantity(input);
    assert.is(milliValue(q), milli, `${input} milli`);
    assert.is(value(q), units, `${input} value`);
  }
  assert.is(cpuMilli('250m'), 250);
  assert.is(cpuMilli('1.5'), 1500);
  assert.is(memoryBytes('1Gi'), 1073741824); // 1024^3
  assert.is(memoryBytes('512M'), 512000000);
  assert.is(memoryBytes('1.5Ki'), 1536);
  assert.throws(() => memoryBytes('1GB', 'nodepools.yaml: pools[0].shape.memory'), /^nodepools\.yaml: pools\[0\]\.shape\.memory: "1GB" is not a quantity/);
});

test('compareQuantities: upstream TestQuantityCmp, across formats', () => {
  const table: [string, string, number][] = [
    ['0', '0', 0],
    ['100m', '50m', 1],
    ['50m', '100m', -1],
    ['10000T', '100Gi', 1], // 10^16 > 100 × 2^30 ≈ 1.07×10^11
    ['1Ki', '1024', 0], // same value, different formats
    ['1k', '1Ki', -1],
    ['-1', '1m', -1],
  ];
  for (const [a, b, want] of table) {
    assert.is(compareQuantities(parseQuantity(a), parseQuantity(b)), want, `${a} vs ${b}`);
    assert.is(compareQuantities(parseQuantity(b), parseQuantity(a)), -want || 0, `${b} vs ${a}`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// Properties. Quantities are generated as parts (sign, digits, fraction, suffix), written out as text, and
// checked against a rational model of their value computed from the parts, not from the text.

const DECIMAL: [string, number][] = [['n', -9], ['u', -6], ['m', -3], ['', 0], ['k', 3], ['M', 6], ['G', 9], ['T', 12], ['P', 15], ['E', 18]];
const BINARY: [string, number][] = [['Ki', 10], ['Mi', 20], ['Gi', 30], ['Ti', 40], ['Pi', 50], ['Ei', 60]];

interface Parts {
  readonly text: string;
  /** The exact value as a fraction num/den (den > 0). */
  readonly num: bigint;
  readonly den: bigint;
  readonly kind: 'dec' | 'bin' | 'exp';
}

const arbParts: fc.Arbitrary<Parts> = fc
  .record({
    sign: fc.constantFrom('', '+', '-'),
    zeros: fc.constantFrom('', '0', '00'),
    int: fc.oneof(fc.bigInt({ min: 0n, max: 2000n }), fc.bigInt({ min: 0n, max: 10n ** 15n })),
    showInt: fc.boolean(),
    frac: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 12 }),
    dot: fc.boolean(),
    kind: fc.constantFrom<'dec' | 'bin' | 'exp'>('dec', 'bin', 'exp'),
    decimal: fc.constantFrom(...DECIMAL),
    binary: fc.constantFrom(...BINARY),
    exponent: fc.integer({ min: -25, max: 25 }),
    e: fc.constantFrom('e', 'E'),
    plus: fc.boolean(),
  })
  .map((r) => {
    const showInt = r.showInt || r.frac === '';
    const intText = showInt ? `${r.zeros}${r.int}` : '';
    const number = `${intText}${r.frac !== '' || r.dot ? `.${r.frac}` : ''}`;
    let num = BigInt(`${showInt ? r.int : 0}${r.frac}`);
    let den = 10n ** BigInt(r.frac.length);
    let suffix: string;
    if (r.kind === 'dec') {
      suffix = r.decimal[0];
      const e = r.decimal[1];
      if (e >= 0) num *= 10n ** BigInt(e);
      else den *= 10n ** BigInt(-e);
    } else if (r.kind === 'bin') {
      suffix = r.binary[0];
      num *= 1n << BigInt(r.binary[1]);
    } else {
      suffix = `${r.e}${r.exponent >= 0 && r.plus ? '+' : ''}${r.exponent}`;
      if (r.exponent >= 0) num *= 10n ** BigInt(r.exponent);
      else den *= 10n ** BigInt(-r.exponent);
    }
    if (r.sign === '-') num = -num;
    return { text: `${r.sign}${number}${suffix}`, num, den, kind: r.kind };
  });

/** The value in nano-units as Kubernetes stores it: |value| rounded up to a whole nano, binary capped at 2^63-1. */
function modelNano(p: Parts): bigint {
  const negative = p.num < 0n;
  const scaled = (negative ? -p.num : p.num) * 1_000_000_000n;
  let nano = (scaled + p.den - 1n) / p.den;
  if (p.kind === 'bin' && nano > MAX_INT64 * 1_000_000_000n) nano = MAX_INT64 * 1_000_000_000n;
  return negative ? -nano : nano;
}

function modelFormat(p: Parts, nano: bigint): QuantityFormat {
  if (p.kind === 'exp') return 'DecimalExponent';
  if (p.kind === 'dec') return 'DecimalSI';
  return nano !== 0n && nano > -1_000_000_000n && nano < 1_000_000_000n ? 'DecimalSI' : 'BinarySI';
}

function ceilAway(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b === a ? q : a < 0n ? q - 1n : q + 1n;
}

const sign = (n: bigint): number => (n > 0n ? 1 : n < 0n ? -1 : 0);

const CANONICAL = /^(0|-?[1-9][0-9]*(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|e-?[1-9][0-9]*)?)$/;

test('property: parseQuantity gives the exact (nano-rounded) value and the format of the suffix', () => {
  fc.assert(
    fc.property(arbParts, (p) => {
      const q = parseQuantity(p.text);
      const nano = modelNano(p);
      assert.is(q.nano, nano, p.text);
      assert.is(q.format, modelFormat(p, nano), p.text);
      assert.is(milliValue(q), Number(ceilAway(nano, 1_000_000n)), `${p.text} milli`);
      assert.is(value(q), Number(ceilAway(nano, 1_000_000_000n)), `${p.text} value`);
    }),
    { numRuns: 400 },
  );
});

test('property: formatQuantity is canonical and parses back to exactly the same quantity', () => {
  const arbQuantity: fc.Arbitrary<Quantity> = fc.oneof(
    arbParts.map((p) => parseQuantity(p.text)),
    // Values built to exercise every binary suffix and the decimal fallback beyond "E".
    fc.record({ k: fc.bigInt({ min: -4000n, max: 4000n }), p: fc.integer({ min: 0, max: 5 }) }).map(
      ({ k, p }): Quantity => ({ nano: k * 1024n ** BigInt(p) * 1_000_000_000n, format: 'BinarySI' }),
    ),
    // Exbibytes, below the 2^63-1 cap (8Ei would be capped).
    fc.bigInt({ min: -7n, max: 7n }).map((k): Quantity => ({ nano: k * 1024n ** 6n * 1_000_000_000n, format: 'BinarySI' })),
    fc.record({ nano: fc.bigInt({ min: -(10n ** 32n), max: 10n ** 32n }), format: fc.constantFrom<QuantityFormat>('DecimalSI', 'DecimalExponent') }),
  );
  fc.assert(
    fc.property(arbQuantity, (q) => {
      const text = formatQuantity(q);
      assert.ok(CANONICAL.test(text), `${text} is not in canonical form`);
      const back = parseQuantity(text);
      assert.is(back.nano, q.nano, text);
      // A binary value printed without a binary suffix ("2000") comes back decimal and then prints as "2k",
      // as upstream; from then on the text is a fixed point. Decimal and exponent formats are one at once.
      const again = formatQuantity(back);
      assert.is(formatQuantity(parseQuantity(again)), again, `${again} is not a fixed point`);
      if (q.format !== 'BinarySI') assert.is(again, text, `${text} is not a fixed point`);
      // "The exponent (or suffix) is as large as possible": no whole 1024 (or 1000) left in the mantissa.
      const m = /^(-?[0-9]+)(.*)$/.exec(text);
      const mantissa = BigInt(m?.[1] ?? '0');
      const suffix = m?.[2] ?? '';
      if (suffix.endsWith('i')) assert.ok(mantissa % 1024n !== 0n || suffix === 'Ei', `${text}: binary mantissa still divisible by 1024`);
      else if (q.format !== 'BinarySI' && mantissa !== 0n) assert.ok(mantissa % 1000n !== 0n, `${text}: decimal mantissa still divisible by 1000`);
    }),
    { numRuns: 400 },
  );
});

test('property: order is preserved by parse, by format/parse, and agrees with the numeric model', () => {
  fc.assert(
    fc.property(arbParts, arbParts, (a, b) => {
      const qa = parseQuantity(a.text);
      const qb = parseQuantity(b.text);
      const want = sign(modelNano(a) - modelNano(b));
      assert.is(compareQuantities(qa, qb), want, `${a.text} vs ${b.text}`);
      const ra = parseQuantity(formatQuantity(qa));
      const rb = parseQuantity(formatQuantity(qb));
      assert.is(compareQuantities(ra, rb), want, `${formatQuantity(qa)} vs ${formatQuantity(qb)}`);
    }),
    { numRuns: 300 },
  );
});

// The documented grammar, written independently of the scanner in quantity.ts.
const GRAMMAR = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

test('property: exactly the grammar is accepted; everything else is a QuantityError quoting the text', () => {
  const near = fc.string({ unit: fc.constantFrom(...'0123456789.+-eEKMGTPikmnux i'), maxLength: 8 });
  fc.assert(
    fc.property(fc.oneof(near, fc.string({ maxLength: 10 })), (s) => {
      const exponent = /[eE]([+-]?[0-9]+)$/.exec(s);
      if (exponent !== null && Math.abs(Number(exponent[1])) > 10_000) return; // refused by design, tested above
      if (GRAMMAR.test(s)) {
        assert.ok(tryParseQuantity(s) !== undefined, `${JSON.stringify(s)} should parse`);
      } else {
        assert.is(tryParseQuantity(s), undefined, `${JSON.stringify(s)} should not parse`);
        assert.throws(() => parseQuantity(s), (e: unknown) => e instanceof QuantityError && e.message.includes(JSON.stringify(s)));
      }
    }),
    { numRuns: 1000 },
  );
});

test.run();
