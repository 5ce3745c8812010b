/**
 * Posits: hand-derived values for posit<8,0>, posit<8,1>, posit<16,1>, and the 2022 Posit Standard
 * rounding rule checked against a separate, string-based reference written here.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFormat } from '../../src/formats/index.js';

/**
 * Reference decoder working on the bit string: sign, regime run, es exponent bits (missing bits 0),
 * fraction. Written independently of src/formats/posit.ts.
 */
function refDecode(n: number, es: number, code: number): number {
  if (code === 0) return 0;
  if (code === 2 ** (n - 1)) return NaN;
  const negative = code >= 2 ** (n - 1);
  const magnitude = negative ? 2 ** n - code : code;
  const body = magnitude.toString(2).padStart(n, '0').slice(1);
  const first = body[0]!;
  let run = 0;
  while (run < body.length && body[run] === first) run++;
  const k = first === '1' ? run - 1 : -run;
  const rest = body.slice(run + 1);
  const expBits = rest.slice(0, es).padEnd(es, '0');
  const e = es === 0 ? 0 : parseInt(expBits, 2);
  const fracBits = rest.slice(es);
  const f = fracBits.length === 0 ? 0 : parseInt(fracBits, 2) / 2 ** fracBits.length;
  const value = 2 ** (k * 2 ** es + e) * (1 + f);
  return negative ? -value : value;
}

/** The standard's rounding of x (finite, nonzero) to an n-bit posit code, by exhaustive search. */
function refEncode(n: number, es: number, x: number): number {
  const codes = Array.from({ length: 2 ** n }, (_, c) => c).filter((c) => c !== 2 ** (n - 1));
  const signedOf = (c: number): number => (c >= 2 ** (n - 1) ? c - 2 ** n : c);
  const sorted = codes.sort((a, b) => signedOf(a) - signedOf(b));
  const values = sorted.map((c) => refDecode(n, es, c));
  const maxpos = values[values.length - 1]!;
  const minpos = refDecode(n, es, 1);
  if (x >= maxpos) return sorted[sorted.length - 1]!;
  if (x <= -maxpos) return sorted[0]!;
  if (x > 0 && x < minpos) return 1;
  if (x < 0 && x > -minpos) return 2 ** n - 1;
  const exact = values.indexOf(x);
  if (exact >= 0) return sorted[exact]!;
  let i = 0;
  while (values[i + 1]! < x) i++;
  const u = sorted[i]!;
  // The (n+1)-bit posit with pattern U followed by a 1 bit.
  const v = refDecode(n + 1, es, (u * 2 + 1) % 2 ** (n + 1));
  if (x < v || (x === v && u % 2 === 0)) return u;
  return sorted[i + 1]!;
}

describe('posit<8,0> (useed 2)', () => {
  const p = parseFormat('posit<8,0>');
  it('decodes hand-derived codes', () => {
    expect(p.decode(0x00)).toBe(0);
    expect(p.decode(0x80)).toBeNaN(); // NaR
    expect(p.decode(0x40)).toBe(1); // 0|10|00000: k = 0
    expect(p.decode(0xc0)).toBe(-1); // two's complement of 0x40
    expect(p.decode(0x7f)).toBe(64); // 0|1111111: run of 7 ones, k = 6: maxpos 2^6
    expect(p.decode(0x01)).toBe(1 / 64); // 0|0000001: run of 6 zeros, k = −6: minpos
    expect(p.decode(0xff)).toBe(-1 / 64);
    expect(p.decode(0x50)).toBe(1.5); // 0|10|10000: 1 + 16/32
    expect(p.decode(0x41)).toBe(1 + 1 / 32); // 0|10|00001
    expect(p.decode(0x60)).toBe(2); // 0|110|0000: k = 1
    expect(p.decode(0x20)).toBe(0.5); // 0|01|00000: k = −1
    expect(p.decode(0x7e)).toBe(32); // 0|111111|0: k = 5, no fraction bits
    expect(p.maxValue).toBe(64);
    expect(p.minPositive).toBe(1 / 64);
  });
  it('rounds on the bit pattern as the standard says', () => {
    expect(p.encode(1 + 1 / 64)).toBe(0x40); // tie between 0x40 (even) and 0x41
    expect(p.encode(1 + 3 / 64)).toBe(0x42); // tie between 0x41 (odd) and 0x42
    // Between 32 (0x7e) and 64 (0x7f) the 9-bit posit 0|111111|0|1 is 32 · 1.5 = 48: a tie → 0x7e.
    expect(p.encode(48)).toBe(0x7e);
    expect(p.encode(49)).toBe(0x7f);
    expect(p.encode(100)).toBe(0x7f); // saturate at maxpos
    expect(p.encode(1e-9)).toBe(0x01); // never round to zero
    expect(p.encode(-1e-9)).toBe(0xff);
    expect(p.encode(NaN)).toBe(0x80);
    expect(p.encode(Infinity)).toBe(0x80); // ±∞ converts to NaR
    expect(p.encode(-0)).toBe(0x00);
    expect(p.encode(1e9, { overflow: 'wrap' })).toBe(0x7f); // posits never overflow
  });
});

describe('posit<8,1> (useed 4)', () => {
  const p = parseFormat('posit<8,1>');
  it('decodes hand-derived codes', () => {
    expect(p.decode(0x7f)).toBe(4096); // k = 6: 4^6
    expect(p.decode(0x01)).toBe(1 / 4096); // k = −6
    expect(p.decode(0x80)).toBeNaN();
    expect(p.decode(0x40)).toBe(1); // 0|10|0|0000
    expect(p.decode(0xc0)).toBe(-1);
    expect(p.decode(0x50)).toBe(2); // 0|10|1|0000: exponent bit 1
    expect(p.decode(0x48)).toBe(1.5); // 0|10|0|1000
    expect(p.decode(0x60)).toBe(4); // 0|110|0|000: k = 1
    expect(p.decode(0x70)).toBe(16); // 0|1110|0|00: k = 2
    expect(p.decode(0x7e)).toBe(1024); // 0|111111|0: k = 5, exponent bit cut off (= 0)
  });
  it('rounds by the (n+1)-bit midpoint, not by distance', () => {
    // Between 1024 (0x7e) and 4096 (0x7f) the 9-bit posit 0|111111|0|1 is 4^5 · 2 = 2048.
    expect(p.encode(2200)).toBe(0x7f); // nearer to 1024 by value, but above the midpoint 2048
    expect(p.encode(2000)).toBe(0x7e);
    expect(p.encode(2048)).toBe(0x7e); // tie: 0x7e is even
    expect(p.encode(-2200)).toBe(0x81);
  });
});

describe('posit<16,1>', () => {
  const p = parseFormat('posit<16,1>');
  it('has maxpos 4^14, minpos 4^−14 and 1.0 = 0x4000', () => {
    expect(p.decode(0x7fff)).toBe(2 ** 28);
    expect(p.decode(0x0001)).toBe(2 ** -28);
    expect(p.decode(0x4000)).toBe(1);
    expect(p.decode(0x8000)).toBeNaN();
    expect(p.encode(1)).toBe(0x4000);
  });
});

describe('posits against the reference', () => {
  const shapes: readonly [number, number][] = [
    [5, 0],
    [6, 1],
    [8, 0],
    [8, 1],
    [8, 2],
    [7, 3],
  ];
  it.each(shapes)('posit<%i,%i> decodes every code as the reference does', (n, es) => {
    const p = parseFormat(`posit<${n},${es}>`);
    for (let c = 0; c < 2 ** n; c++) {
      const want = refDecode(n, es, c);
      if (Number.isNaN(want)) expect(p.decode(c)).toBeNaN();
      else expect(p.decode(c)).toBe(want);
    }
  });
  it.each(shapes)('posit<%i,%i> rounds as the standard says', (n, es) => {
    const p = parseFormat(`posit<${n},${es}>`);
    const maxpos = p.maxValue;
    const magnitude = fc.double({ min: 2 ** -40, max: maxpos * 4, noNaN: true });
    fc.assert(
      fc.property(magnitude, fc.boolean(), (m, negative) => {
        const x = negative ? -m : m;
        expect(p.encode(x)).toBe(refEncode(n, es, x));
      }),
      { numRuns: 300 },
    );
    // Every midpoint exactly (ties), from the reference's own (n+1)-bit values.
    for (let c = 1; c < 2 ** (n - 1) - 1; c++) {
      const mid = refDecode(n + 1, es, 2 * c + 1);
      expect(p.encode(mid)).toBe(refEncode(n, es, mid));
      expect(p.encode(-mid)).toBe(refEncode(n, es, -mid));
    }
  });
});
