/**
 * The design space of a sweep: every combination of axis values, numbered in mixed radix (the last
 * axis varies fastest), so a point is one integer and the space never has to be listed. A point
 * becomes a hardware document (the base preset with the axis values written into their fields) and
 * format flags; constraints are evaluated on the axis values, derived quantities and preset fields.
 */
import { ExprError, type Value } from './expr.js';
import { FORMAT_FIELD, fieldValue, withField, type SweepSpec } from './spec.js';

/** Axis name → value, in axis order. */
export type Point = Readonly<Record<string, Value>>;

export function spaceSize(spec: SweepSpec): number {
  return spec.axes.reduce((n, a) => n * a.values.length, 1);
}

/** The digits (value indices per axis) of point `index`. */
export function digitsOf(spec: SweepSpec, index: number): number[] {
  const digits = new Array<number>(spec.axes.length).fill(0);
  let rest = index;
  for (let i = spec.axes.length - 1; i >= 0; i--) {
    const n = spec.axes[i]!.values.length;
    digits[i] = rest % n;
    rest = Math.floor(rest / n);
  }
  return digits;
}

export function indexOf(spec: SweepSpec, digits: readonly number[]): number {
  let index = 0;
  spec.axes.forEach((a, i) => {
    index = index * a.values.length + (digits[i] ?? 0);
  });
  return index;
}

export function pointAt(spec: SweepSpec, index: number): Point {
  const digits = digitsOf(spec, index);
  return Object.fromEntries(spec.axes.map((a, i) => [a.name, a.values[digits[i]!]!]));
}

/** What one design point runs: the hardware document and the format flag (when an axis sets it). */
export interface PointConfig {
  readonly hwDocument: Readonly<Record<string, unknown>>;
  readonly format?: string;
}

export function pointConfig(spec: SweepSpec, point: Point): PointConfig {
  let doc: Record<string, unknown> = { ...spec.hwDocument };
  let format: string | undefined;
  for (const axis of spec.axes) {
    const v = point[axis.name]!;
    for (const f of axis.fields) {
      if (f === FORMAT_FIELD) format = String(v);
      else doc = withField(doc, f, v);
    }
  }
  return { hwDocument: doc, ...(format !== undefined ? { format } : {}) };
}

/** A constraint that cannot be evaluated on a point (a type error, an unknown name). */
export class ConstraintError extends Error {
  constructor(
    readonly constraint: string,
    message: string,
  ) {
    super(`constraint "${constraint}": ${message}`);
    this.name = 'ConstraintError';
  }
}

/** Whether the point satisfies every constraint; throws ConstraintError when one is not a boolean. */
export function feasible(spec: SweepSpec, point: Point): boolean {
  if (spec.constraints.length === 0) return true;
  const doc = pointConfig(spec, point).hwDocument;
  const derived = new Map<string, Value>();
  const lookup = (name: string): Value | undefined => {
    const a = point[name];
    if (a !== undefined) return a;
    const d = derived.get(name);
    if (d !== undefined) return d;
    const f = fieldValue(doc, name);
    return typeof f === 'number' || typeof f === 'string' || typeof f === 'boolean' ? f : undefined;
  };
  for (const d of spec.derived)
    derived.set(
      d.name,
      evaluate(d.expr.text, () => d.expr.evaluate(lookup)),
    );
  for (const c of spec.constraints) {
    const v = evaluate(c.text, () => c.evaluate(lookup));
    if (typeof v !== 'boolean')
      throw new ConstraintError(c.text, `gives ${JSON.stringify(v)}, not true/false`);
    if (!v) return false;
  }
  return true;
}

function evaluate(text: string, f: () => Value): Value {
  try {
    return f();
  } catch (e) {
    if (e instanceof ExprError) throw new ConstraintError(text, e.message);
    throw e;
  }
}

/** Feasible point indices in order, lazily (the space is never listed). */
export function* feasibleIndices(spec: SweepSpec): Generator<number> {
  const n = spaceSize(spec);
  for (let i = 0; i < n; i++) if (feasible(spec, pointAt(spec, i))) yield i;
}
