/**
 * The seven QONNX IntQuant rounding modes (fastmachinelearning/qonnx,
 * docs/qonnx-custom-ops/intquant_v1.md, "Rounding modes" table) and the RoundingMode each maps to.
 * Every row of that table is checked through int8 encoding, so the two modes added for QONNX
 * (away-from-zero = UP, nearest-toward-zero = HALF_DOWN) are pinned to published values.
 */
import { describe, expect, it } from 'vitest';
import { parseFormat, type RoundingMode } from '../../src/formats/index.js';

const INPUTS = [5.5, 2.5, 1.6, 1.1, 1.0, -1.0, -1.1, -1.6, -2.5, -5.5];

const TABLE: readonly [string, RoundingMode, readonly number[]][] = [
  ['ROUND=HALF_EVEN', 'nearest-even', [6, 2, 2, 1, 1, -1, -1, -2, -2, -6]],
  ['CEIL', 'ceil', [6, 3, 2, 2, 1, -1, -1, -1, -2, -5]],
  ['FLOOR', 'floor', [5, 2, 1, 1, 1, -1, -2, -2, -3, -6]],
  ['UP', 'away-from-zero', [6, 3, 2, 2, 1, -1, -2, -2, -3, -6]],
  ['DOWN', 'toward-zero', [5, 2, 1, 1, 1, -1, -1, -1, -2, -5]],
  ['HALF_UP', 'nearest-away', [6, 3, 2, 1, 1, -1, -1, -2, -3, -6]],
  ['HALF_DOWN', 'nearest-toward-zero', [5, 2, 2, 1, 1, -1, -1, -2, -2, -5]],
];

describe('QONNX rounding modes', () => {
  const int8 = parseFormat('int8');
  for (const [qonnx, mode, expected] of TABLE) {
    it(`${qonnx} is ${mode}`, () => {
      expect(INPUTS.map((x) => int8.quantize(x, { rounding: mode }))).toEqual(expected);
    });
  }

  it('the new modes also hold on a float grid (fp8-e4m3fn, between 1 and 1.125)', () => {
    const f = parseFormat('fp8-e4m3fn');
    expect(f.quantize(1.01, { rounding: 'away-from-zero' })).toBe(1.125);
    expect(f.quantize(-1.01, { rounding: 'away-from-zero' })).toBe(-1.125);
    expect(f.quantize(1.0625, { rounding: 'nearest-toward-zero' })).toBe(1);
    expect(f.quantize(-1.0625, { rounding: 'nearest-toward-zero' })).toBe(-1);
    expect(f.quantize(1.07, { rounding: 'nearest-toward-zero' })).toBe(1.125);
  });
});
