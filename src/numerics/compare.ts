/**
 * Numerical error of a run against a reference: per tensor (SQNR, max and mean absolute error) and
 * for classifier outputs (top-k agreement with the reference, accuracy against labels). Sums are
 * taken in float64.
 */
import { InputError } from '../units/errors.js';
import type { TensorError } from './types.js';

function checkLengths(what: string, a: number, b: number): void {
  if (a !== b)
    throw new InputError([{ path: what, value: `${b} values`, expected: `${a} values, as the reference` }]);
}

/**
 * SQNR = 10·log10(Σ ref² / Σ (ref − test)²) in dB: Infinity when test equals ref, −Infinity when
 * the reference is all zeros and test is not; NaN anywhere in test makes it NaN.
 */
export function tensorError(tensor: string, ref: ArrayLike<number>, test: ArrayLike<number>): TensorError {
  checkLengths(`${tensor} (test)`, ref.length, test.length);
  let signal = 0;
  let noise = 0;
  let maxAbs = 0;
  let sumAbs = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const d = r - test[i]!;
    signal += r * r;
    noise += d * d;
    const a = Math.abs(d);
    if (a > maxAbs || Number.isNaN(a)) maxAbs = a;
    sumAbs += a;
  }
  const sqnrDb = noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
  return { tensor, sqnrDb, maxAbsError: maxAbs, meanAbsError: ref.length === 0 ? 0 : sumAbs / ref.length };
}

/**
 * Indices of the k largest entries of row `row` (classes per row), largest first; ties go to the
 * lower index, NaN ranks below every number.
 */
export function topK(logits: ArrayLike<number>, row: number, classes: number, k: number): number[] {
  const base = row * classes;
  const order = Array.from({ length: classes }, (_, i) => i);
  const value = (i: number): number => {
    const v = logits[base + i]!;
    return Number.isNaN(v) ? -Infinity : v;
  };
  order.sort((a, b) => value(b) - value(a) || a - b);
  return order.slice(0, Math.max(0, Math.min(k, classes)));
}

function checkBatch(name: string, values: ArrayLike<number>, batch: number, classes: number): void {
  checkLengths(name, batch * classes, values.length);
}

/**
 * Fraction of rows whose reference top-1 class is among the test's top-k (k = 1: the two pick the
 * same class).
 */
export function topKAgreement(
  refLogits: ArrayLike<number>,
  testLogits: ArrayLike<number>,
  batch: number,
  classes: number,
  k = 1,
): number {
  checkBatch('refLogits', refLogits, batch, classes);
  checkBatch('testLogits', testLogits, batch, classes);
  if (batch === 0) return 1;
  let agree = 0;
  for (let b = 0; b < batch; b++) {
    const want = topK(refLogits, b, classes, 1)[0];
    if (want !== undefined && topK(testLogits, b, classes, k).includes(want)) agree++;
  }
  return agree / batch;
}

/** Fraction of rows whose label is among the top-k classes of the logits. */
export function accuracy(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  batch: number,
  classes: number,
  k = 1,
): number {
  checkBatch('logits', logits, batch, classes);
  checkLengths('labels', batch, labels.length);
  if (batch === 0) return 1;
  let hits = 0;
  for (let b = 0; b < batch; b++) if (topK(logits, b, classes, k).includes(labels[b]!)) hits++;
  return hits / batch;
}
