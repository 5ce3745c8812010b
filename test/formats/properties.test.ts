/**
 * Property tests. The reference for every property is built here from decode() alone (which the
 * known-value tests pin down), by brute force over all codes: neighbours, distances, parities.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/units/index.js';
import { parseFormat, type NumberFormat, type RoundingMode } from '../../src/formats/index.js';

interface Entry {
  readonly value: number;
  readonly code: number;
}

interface Reference {
  /** Finite values ascending, one zero (its +0 code). */
  readonly entries: readonly Entry[];
  readonly negZero: number | undefined;
}

const refCache = new Map<string, Reference>();

function reference(fmt: NumberFormat): Reference {
  const hit = refCache.get(fmt.name);
  if (hit !== undefined) return hit;
  const entries: Entry[] = [];
  let negZero: number | undefined;
  for (let c = 0; c < 2 ** fmt.bits; c++) {
    const v = fmt.decode(c);
    if (!Number.isFinite(v)) continue;
    if (Object.is(v, -0)) negZero = c;
    else entries.push({ value: v, code: c });
  }
  entries.sort((a, b) => a.value - b.value);
  const ref = { entries, negZero };
  refCache.set(fmt.name, ref);
  return ref;
}

/** Largest entry ≤ x and smallest entry ≥ x (x within range). */
function neighbours(ref: Reference, x: number): [Entry, Entry] {
  const { entries } = ref;
  let lo = 0;
  let hi = entries.length - 1;
  while (hi - lo > 1) {
    const m = (lo + hi) >> 1;
    if (entries[m]!.value <= x) lo = m;
    else hi = m;
  }
  const a = entries[lo]!;
  const b = entries[hi]!;
  if (a.value === x) return [a, a];
  if (b.value === x) return [b, b];
  return [a, b];
}

function withZeroSign(ref: Reference, e: Entry, x: number): number {
  return e.value === 0 && (x < 0 || Object.is(x, -0)) && ref.negZero !== undefined ? ref.negZero : e.code;
}

/** The code the rounding rules ask for (x within [min, max]). */
function expectedCode(fmt: NumberFormat, x: number, mode: Exclude<RoundingMode, 'stochastic'>): number {
  const ref = reference(fmt);
  const [lo, hi] = neighbours(ref, x);
  if (lo === hi) return withZeroSign(ref, lo, x);
  const even = (lo.code & 1) === 0 ? lo : (hi.code & 1) === 0 ? hi : lo;
  const dLo = x - lo.value;
  const dHi = hi.value - x;
  let pick: Entry;
  switch (mode) {
    case 'nearest-even':
      pick = dLo < dHi ? lo : dHi < dLo ? hi : even;
      break;
    case 'nearest-away': {
      const away =
        Math.abs(lo.value) > Math.abs(hi.value) ? lo : Math.abs(hi.value) > Math.abs(lo.value) ? hi : even;
      pick = dLo < dHi ? lo : dHi < dLo ? hi : away;
      break;
    }
    case 'toward-zero':
      pick =
        Math.abs(lo.value) < Math.abs(hi.value)
          ? lo
          : Math.abs(hi.value) < Math.abs(lo.value)
            ? hi
            : dLo < dHi
              ? lo
              : dHi < dLo
                ? hi
                : even;
      break;
    case 'away-from-zero':
      pick =
        Math.abs(lo.value) > Math.abs(hi.value)
          ? lo
          : Math.abs(hi.value) > Math.abs(lo.value)
            ? hi
            : dLo < dHi
              ? lo
              : dHi < dLo
                ? hi
                : even;
      break;
    case 'nearest-toward-zero': {
      const toward =
        Math.abs(lo.value) < Math.abs(hi.value) ? lo : Math.abs(hi.value) < Math.abs(lo.value) ? hi : even;
      pick = dLo < dHi ? lo : dHi < dLo ? hi : toward;
      break;
    }
    case 'floor':
      pick = lo;
      break;
    case 'ceil':
      pick = hi;
      break;
  }
  return withZeroSign(ref, pick, x);
}

const FORMATS = [
  'int8',
  'uint4',
  'int3',
  'fixed<4,4>',
  'ufixed<2,3>',
  'fp8-e4m3',
  'fp8-e4m3fn',
  'fp8-e5m2',
  'hfp8-fwd',
  'fp6-e3m2',
  'fp6-e2m3',
  'fp4-e2m1',
  'shortfloat8',
  'minifloat<3,2,fnuz>',
  'minifloat<4,0,ieee>',
  'pow2<4>',
  'pow2<6>',
  'binary',
  'ternary',
  'fp16',
  'bf16',
];

const MODES: readonly Exclude<RoundingMode, 'stochastic'>[] = [
  'nearest-even',
  'nearest-away',
  'toward-zero',
  'away-from-zero',
  'nearest-toward-zero',
  'floor',
  'ceil',
];

/** A value in [min, max], biased toward grid points and midpoints (where ties live). */
function inRange(fmt: NumberFormat): fc.Arbitrary<number> {
  const ref = reference(fmt);
  const n = ref.entries.length;
  const atGrid = fc.integer({ min: 0, max: n - 1 }).map((i) => ref.entries[i]!.value);
  const atMid = fc
    .integer({ min: 0, max: n - 2 })
    .map((i) => (ref.entries[i]!.value + ref.entries[i + 1]!.value) / 2);
  const between = fc
    .tuple(fc.integer({ min: 0, max: n - 2 }), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([i, t]) => {
      const a = ref.entries[i]!.value;
      const b = ref.entries[i + 1]!.value;
      return Math.min(b, a + t * (b - a));
    });
  const mirrored = atGrid.map((v) => -v).filter((v) => v >= fmt.minValue && v <= fmt.maxValue);
  return fc.oneof(atGrid, atMid, between, mirrored);
}

/** Codes in the format's natural order (two's complement or sign-magnitude or posit order). */
function naturalOrder(fmt: NumberFormat): number[] {
  const size = 2 ** fmt.bits;
  const all = Array.from({ length: size }, (_, c) => c);
  const half = size / 2;
  switch (fmt.kind) {
    case 'int':
    case 'fixed':
      return fmt.signed ? [...all.slice(half), ...all.slice(0, half)] : all;
    case 'posit':
      return [...all.slice(half + 1), ...all.slice(0, half)];
    default:
      // sign-magnitude: −max … −0, +0 … +max
      return [...all.slice(half).reverse(), ...all.slice(0, half)];
  }
}

describe('decode is monotone over the natural code order', () => {
  it.each([...FORMATS, 'posit<8,1>', 'posit<10,2>', 'int16'])('%s', (name) => {
    const fmt = parseFormat(name);
    const values = naturalOrder(fmt)
      .map((c) => fmt.decode(c))
      .filter((v) => !Number.isNaN(v));
    for (let i = 1; i < values.length; i++) {
      const a = values[i - 1]!;
      const b = values[i]!;
      // Only −0 followed by +0 may be equal.
      if (a === 0 && b === 0) expect(Object.is(a, -0) && Object.is(b, 0)).toBe(true);
      else expect(b).toBeGreaterThan(a);
    }
    // and random pairs, fast-check style
    const order = naturalOrder(fmt).filter((c) => !Number.isNaN(fmt.decode(c)));
    fc.assert(
      fc.property(fc.nat(order.length - 1), fc.nat(order.length - 1), (i, j) => {
        const [p, q] = i <= j ? [i, j] : [j, i];
        expect(fmt.decode(order[p]!)).toBeLessThanOrEqual(fmt.decode(order[q]!));
      }),
      { numRuns: 200 },
    );
  });
});

describe('encode picks the neighbour the rounding mode asks for', () => {
  it.each(FORMATS)('%s', (name) => {
    const fmt = parseFormat(name);
    fc.assert(
      fc.property(inRange(fmt), fc.constantFrom(...MODES), (x, mode) => {
        expect(fmt.encode(x, { rounding: mode })).toBe(expectedCode(fmt, x, mode));
      }),
      { numRuns: 400 },
    );
  });
});

describe('saturation and overflow', () => {
  it.each(FORMATS)('%s saturates to [min, max] and never returns NaN for numbers', (name) => {
    const fmt = parseFormat(name);
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const v = fmt.quantize(x);
        expect(v).toBeGreaterThanOrEqual(fmt.minValue);
        expect(v).toBeLessThanOrEqual(fmt.maxValue);
        if (x > fmt.maxValue) expect(v).toBe(fmt.maxValue);
        if (x < fmt.minValue) expect(v).toBe(fmt.minValue);
      }),
      { numRuns: 300 },
    );
  });

  it('floats with wrap overflow like IEEE: inf when there is one, else NaN, else saturate', () => {
    const cases: readonly [string, number, number][] = [
      // name, a value beyond max + ulp, the expected decoded result
      ['fp8-e5m2', 1e6, Infinity],
      ['fp16', 1e6, Infinity],
      ['bf16', 1e39, Infinity],
      ['fp8-e4m3', 1e4, Infinity],
      ['fp8-e4m3fn', 1e4, NaN],
      ['hfp8-fwd', 1e4, NaN],
      ['fp4-e2m1', 1e4, 6],
      ['shortfloat8', 1e4, 480],
    ];
    for (const [name, x, want] of cases) {
      const fmt = parseFormat(name);
      const got = fmt.quantize(x, { overflow: 'wrap' });
      if (Number.isNaN(want)) expect(got).toBeNaN();
      else expect(got).toBe(want);
      const neg = fmt.quantize(-x, { overflow: 'wrap' });
      if (Number.isNaN(want)) expect(neg).toBeNaN();
      else expect(neg).toBe(-want);
    }
  });

  it.each(['int8', 'uint8', 'int4', 'uint2', 'int16', 'fixed<3,5>', 'int32', 'fixed<20,4>'])(
    '%s wraps modulo 2^bits',
    (name) => {
      const fmt = parseFormat(name);
      const unit = fmt.minPositive;
      const span = 2 ** fmt.bits;
      const kMin = fmt.minValue / unit;
      fc.assert(
        fc.property(fc.integer({ min: -1e9, max: 1e9 }), (k) => {
          const got = fmt.decode(fmt.encode(k * unit, { overflow: 'wrap' })) / unit;
          const want = kMin + ((((k - kMin) % span) + span) % span);
          expect(got).toBe(want);
        }),
        { numRuns: 500 },
      );
    },
  );
});

describe('stochastic rounding', () => {
  it.each(FORMATS)('%s only picks the two neighbours and is deterministic per seed', (name) => {
    const fmt = parseFormat(name);
    fc.assert(
      fc.property(inRange(fmt), fc.integer({ min: 0, max: 2 ** 31 }), (x, seed) => {
        const floor = fmt.encode(x, { rounding: 'floor' });
        const ceil = fmt.encode(x, { rounding: 'ceil' });
        const a = new Rng(seed);
        const b = new Rng(seed);
        for (let k = 0; k < 8; k++) {
          const got = fmt.encode(x, { rounding: 'stochastic', rng: () => a.next() });
          expect([floor, ceil]).toContain(got);
          expect(fmt.encode(x, { rounding: 'stochastic', rng: () => b.next() })).toBe(got);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('rounds up with probability proportional to the distance from the lower neighbour', () => {
    const fmt = parseFormat('int8');
    const rng = new Rng(12345);
    let up = 0;
    const n = 20000;
    for (let i = 0; i < n; i++)
      if (fmt.encode(0.25, { rounding: 'stochastic', rng: () => rng.next() }) === 1) up++;
    // Binomial(20000, 0.25): standard deviation ≈ 61, so ±400 is more than 6 sigma.
    expect(Math.abs(up - n / 4)).toBeLessThan(400);
    const fp = parseFormat('fp8-e4m3fn');
    let upper = 0;
    const x = 1 + 0.125 * 0.75; // three quarters of the way from 1 to 1.125
    for (let i = 0; i < n; i++)
      if (fp.quantize(x, { rounding: 'stochastic', rng: () => rng.next() }) === 1.125) upper++;
    expect(Math.abs(upper - 0.75 * n)).toBeLessThan(400);
  });
});
