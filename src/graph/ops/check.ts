/**
 * Building blocks for op validation. A problem names where it is (`attrs.kernel`, `inputs[1]
 * (weight)`), the value found and what was expected; `formatProblem` turns it into the sentence an
 * OpDefinition's `validate` returns, and graph/analyze turns it into an InputIssue.
 *
 * Attrs arrive from untrusted files (model importers, layer tables), so every checker takes
 * `unknown` and never assumes the static attr type holds at run time.
 */
import type { Shape } from '../ir.js';
import { showValue } from '../../units/errors.js';

export interface OpProblem {
  /** `attrs.<name>`, `inputs`, or `inputs[i] (<role>)`. */
  readonly path: string;
  /** The offending value, as text. */
  readonly value: string;
  /** What was expected instead. */
  readonly expected: string;
}

export function problem(path: string, value: string, expected: string): OpProblem {
  return { path, value, expected };
}

export function formatProblem(p: OpProblem): string {
  return `${p.path}: got ${p.value}; expected ${p.expected}`;
}

/** An attr value as text: like units/showValue, but NaN and ±Infinity stay readable (JSON makes them null). */
export function showAttr(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v) && v.length <= 16) return `[${v.map(showAttr).join(',')}]`;
  return showValue(v);
}

export function showShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function inputPath(index: number, role: string): string {
  return `inputs[${index}] (${role})`;
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

export function isPositiveInt(v: unknown): v is number {
  return isInt(v) && v > 0;
}

export function isNonNegativeInt(v: unknown): v is number {
  return isInt(v) && v >= 0;
}

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function isBoolean(v: unknown): v is boolean {
  return typeof v === 'boolean';
}

/** An attr that must be a positive integer. */
export function checkPositiveInt(path: string, v: unknown): OpProblem[] {
  return isPositiveInt(v) ? [] : [problem(path, showAttr(v), 'a positive integer')];
}

/** An attr that must be an integer. */
export function checkInt(path: string, v: unknown): OpProblem[] {
  return isInt(v) ? [] : [problem(path, showAttr(v), 'an integer')];
}

export function checkFinite(path: string, v: unknown, expected = 'a finite number'): OpProblem[] {
  return isFiniteNumber(v) ? [] : [problem(path, showAttr(v), expected)];
}

export function checkBoolean(path: string, v: unknown): OpProblem[] {
  return isBoolean(v) ? [] : [problem(path, showAttr(v), 'true or false')];
}

function isArrayOf(v: unknown, length: number, pred: (e: unknown) => boolean): boolean {
  return Array.isArray(v) && v.length === length && v.every(pred);
}

/** [h, w] of positive integers (kernel, stride, dilation). */
export function checkPositivePair(path: string, v: unknown): OpProblem[] {
  return isArrayOf(v, 2, isPositiveInt) ? [] : [problem(path, showAttr(v), 'two positive integers [h, w]')];
}

/** [top, left, bottom, right] of non-negative integers. */
export function checkPads(path: string, v: unknown): OpProblem[] {
  return isArrayOf(v, 4, isNonNegativeInt)
    ? []
    : [problem(path, showAttr(v), 'four non-negative integers [top, left, bottom, right]')];
}

/** An attrs object must be present (it is typed, but files are untrusted). */
export function checkAttrsObject(v: unknown): OpProblem[] {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? []
    : [problem('attrs', showAttr(v), 'an object')];
}

/**
 * Input count between min and max (inclusive; max may be Infinity). `signature` lists the inputs
 * for the message, e.g. `[x, weight, bias?]`.
 */
export function checkInputCount(count: number, min: number, max: number, signature: string): OpProblem[] {
  if (count >= min && count <= max) return [];
  const range = max === Infinity ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
  return [problem('inputs', `${count} input${count === 1 ? '' : 's'}`, `${range} inputs ${signature}`)];
}

/** Every dim a positive integer. */
export function isValidShape(shape: unknown): shape is Shape {
  return Array.isArray(shape) && shape.every(isPositiveInt);
}

/** Input shapes must be arrays of positive integers before an op looks at them. */
export function checkInputShapes(shapes: readonly Shape[], roles: (i: number) => string): OpProblem[] {
  const out: OpProblem[] = [];
  shapes.forEach((s, i) => {
    if (!isValidShape(s))
      out.push(problem(inputPath(i, roles(i)), `shape ${showAttr(s)}`, 'a shape of positive integer dims'));
  });
  return out;
}

export function checkRank(index: number, role: string, shape: Shape, rank: number): OpProblem[] {
  return shape.length === rank
    ? []
    : [problem(inputPath(index, role), `shape ${showShape(shape)} (rank ${shape.length})`, `rank ${rank}`)];
}

export function checkMinRank(index: number, role: string, shape: Shape, minRank: number): OpProblem[] {
  return shape.length >= minRank
    ? []
    : [
        problem(
          inputPath(index, role),
          `shape ${showShape(shape)} (rank ${shape.length})`,
          `rank ${minRank} or more`,
        ),
      ];
}

/** Exact shape match for a parameter input. */
export function checkShapeEquals(
  index: number,
  role: string,
  shape: Shape,
  expected: Shape,
  why: string,
): OpProblem[] {
  return sameShape(shape, expected)
    ? []
    : [problem(inputPath(index, role), `shape ${showShape(shape)}`, `${showShape(expected)} (${why})`)];
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** An axis attr in [-rank, rank) (or [-rank, rank] when `inclusive`, for flatten). */
export function checkAxis(path: string, axis: unknown, rank: number, inclusive = false): OpProblem[] {
  const hi = inclusive ? rank : rank - 1;
  if (isInt(axis) && axis >= -rank && axis <= hi) return [];
  return [problem(path, showAttr(axis), `an integer axis in [${-rank}, ${hi}] for a rank-${rank} input`)];
}

/** Normalize a (validated) possibly-negative axis. */
export function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
