/**
 * Exhaustive round trips for every format of at most 8 bits: every finite code's value encodes back
 * to the same code (so decode(encode(decode(c))) == decode(c), sign of zero included) under every
 * rounding mode and both overflow modes; infinities come back with overflow 'wrap'; NaN codes give
 * a NaN code back.
 */

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/units/index.js';
import { parseFormat, ROUNDING_MODES, valueGrid } from '../../src/formats/index.js';

function smallFormats(): string[] {
  const names: string[] = ['binary', 'ternary'];
  for (let n = 1; n <= 8; n++) names.push(`int${n}`, `uint${n}`);
  names.push(
    'fixed<1,7>',
    'fixed<4,4>',
    'fixed<8,0>',
    'fixed<3,2>',
    'ufixed<0,8>',
    'ufixed<3,5>',
    'ufixed<1,0>',
  );
  names.push(
    'fp8-e4m3',
    'fp8-e4m3fn',
    'fp8-e5m2',
    'hfp8-fwd',
    'hfp8-bwd',
    'fp6-e3m2',
    'fp6-e2m3',
    'fp4-e2m1',
  );
  names.push('shortfloat8');
  for (let e = 1; e <= 6; e++) {
    for (let m = 0; 1 + e + m <= 8; m++) {
      for (const specials of ['ieee', 'fn', 'fnuz', 'finite']) {
        if (specials === 'ieee' && e < 2) continue;
        names.push(`minifloat<${e},${m},${specials}>`);
      }
    }
  }
  names.push('minifloat<4,3,finite,bias=0>', 'minifloat<3,2,fn,bias=-2>', 'minifloat<5,2,fnuz,bias=16>');
  for (let n = 2; n <= 8; n++) for (let es = 0; es <= 4; es++) names.push(`posit<${n},${es}>`);
  for (let b = 2; b <= 8; b++) names.push(`pow2<${b}>`);
  return names;
}

describe('exhaustive round trips (≤ 8 bits)', () => {
  it.each(smallFormats())('%s', (name) => {
    const fmt = parseFormat(name);
    expect(fmt.bits).toBeLessThanOrEqual(8);
    const grid = valueGrid(fmt);
    expect(grid.length).toBe(2 ** fmt.bits);
    const options = [
      ...ROUNDING_MODES.map((rounding) => ({ rounding, rng: () => new Rng(1).next() })),
      { overflow: 'wrap' as const },
    ];
    let finite = 0;
    for (let c = 0; c < 2 ** fmt.bits; c++) {
      const v = fmt.decode(c);
      expect(Object.is(grid[c], v)).toBe(true);
      if (Number.isNaN(v)) {
        expect(fmt.decode(fmt.encode(v))).toBeNaN();
        continue;
      }
      if (!Number.isFinite(v)) {
        // Infinities survive only without saturation; saturation gives ±max.
        expect(fmt.encode(v, { overflow: 'wrap' })).toBe(c);
        expect(fmt.quantize(v)).toBe(v > 0 ? fmt.maxValue : fmt.minValue);
        continue;
      }
      finite++;
      for (const opts of options) {
        const back = fmt.encode(v, opts);
        expect(back, `${name}: code ${c} (${v}) with ${JSON.stringify(opts)}`).toBe(c);
      }
      expect(Object.is(fmt.quantize(v), v)).toBe(true);
    }
    expect(finite).toBeGreaterThan(0);
  });
});
