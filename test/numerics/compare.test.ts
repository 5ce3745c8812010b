/** Error metrics on hand-computed values. */
import { describe, expect, it } from 'vitest';
import { accuracy, tensorError, topK, topKAgreement } from '../../src/numerics/compare.js';
import { InputError } from '../../src/units/errors.js';

describe('tensorError', () => {
  it('SQNR, max and mean absolute error', () => {
    // ref [3, 4] → signal 25; test [3, 3] → noise 1 → 10·log10(25) = 13.979…; |d| = [0, 1]
    const e = tensorError('t', [3, 4], [3, 3]);
    expect(e.tensor).toBe('t');
    expect(e.sqnrDb).toBeCloseTo(13.9794, 4);
    expect(e.maxAbsError).toBe(1);
    expect(e.meanAbsError).toBe(0.5);
    // noise 100× smaller in power → +20 dB
    expect(tensorError('t', [3, 4], [3, 3.9]).sqnrDb).toBeCloseTo(33.9794, 3);
  });

  it('identical → Infinity; zero reference → −Infinity; lengths must match', () => {
    expect(tensorError('t', [0, 1], [0, 1]).sqnrDb).toBe(Infinity);
    expect(tensorError('t', [0, 0], [0, 0]).sqnrDb).toBe(Infinity);
    expect(tensorError('t', [0, 0], [1, 0]).sqnrDb).toBe(-Infinity);
    expect(() => tensorError('t', [1], [1, 2])).toThrow(InputError);
  });
});

describe('classifier metrics', () => {
  // two rows of four classes
  const ref = [0.1, 0.7, 0.2, 0.0, 5, 1, 4, 3];
  const test = [0.1, 0.3, 0.6, 0.0, 4, 1, 4, 3];

  it('topK orders by value, ties to the lower index, NaN last', () => {
    expect(topK(test, 1, 4, 3)).toEqual([0, 2, 3]);
    expect(topK([NaN, 1, 2], 0, 3, 3)).toEqual([2, 1, 0]);
  });

  it('top-1 and top-2 agreement', () => {
    // row 0: ref picks 1, test ranks [2, 1, …] → agree at k = 2 only; row 1: ref 0, test 0 (tie
    // with 2, lower index first) → agree
    expect(topKAgreement(ref, test, 2, 4, 1)).toBe(0.5);
    expect(topKAgreement(ref, test, 2, 4, 2)).toBe(1);
  });

  it('accuracy against labels', () => {
    expect(accuracy(ref, [1, 2], 2, 4)).toBe(0.5);
    expect(accuracy(ref, [1, 2], 2, 4, 2)).toBe(1);
    expect(() => accuracy(ref, [1], 2, 4)).toThrow(InputError);
  });
});
