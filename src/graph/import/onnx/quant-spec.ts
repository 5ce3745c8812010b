/**
 * QuantSpecs from ONNX scale / zero-point tensors, their validation against a tensor's shape, and
 * quantized constants (stored values + their dequantization) built from codes.
 */
import { parseFormat, type RoundingMode } from '../../../formats/index.js';
import { InputError } from '../../../units/errors.js';
import { elementCount, type QuantSpec, type Shape, type TensorInfo } from '../../ir.js';

export function asList(v: number | readonly number[]): readonly number[] {
  return typeof v === 'number' ? [v] : v;
}

/** The canonical name of a format, or undefined when it does not parse. */
export function canonicalFormat(format: string): string | undefined {
  try {
    return parseFormat(format).name;
  } catch (e) {
    if (e instanceof InputError) return undefined;
    throw e;
  }
}

/**
 * Whether codes of `format` can be held by elements of `container` (its own format, a narrower
 * integer format of the same signedness, or binary ±1 in int8).
 */
export function fitsContainer(format: string, container: string): boolean {
  const f = canonicalFormat(format);
  const c = canonicalFormat(container);
  if (f === undefined || c === undefined) return false;
  if (f === c) return true;
  const ff = parseFormat(f);
  const cf = parseFormat(c);
  if (ff.kind === 'binary') return cf.name === 'int8';
  return ff.kind === 'int' && cf.kind === 'int' && ff.signed === cf.signed && ff.bits <= cf.bits;
}

export interface SpecParts {
  readonly format: string;
  readonly scales: readonly number[];
  readonly zeroPoints: readonly number[];
  readonly axis?: number | undefined;
  readonly blockSize?: number | undefined;
  readonly narrow?: boolean | undefined;
  readonly rounding?: RoundingMode | undefined;
  /** Element type of the scale tensor in the model (float32 is the default and is not written). */
  readonly scaleType?: 'float32' | 'float16' | 'bfloat16' | undefined;
}

/**
 * A QuantSpec. One scale is per tensor (a number; axis and blockSize dropped); zero points collapse
 * to a number when they are all equal; narrow only when true, rounding only when not nearest-even,
 * scaleType only when not float32.
 */
export function makeSpec(p: SpecParts): QuantSpec {
  const perTensor = p.scales.length === 1;
  const zps = p.zeroPoints.length === 0 ? [0] : p.zeroPoints;
  const uniform = zps.every((z) => Object.is(z, zps[0]));
  return {
    format: p.format,
    scale: perTensor ? p.scales[0]! : [...p.scales],
    zeroPoint: perTensor || uniform ? zps[0]! : [...zps],
    ...(!perTensor && p.axis !== undefined ? { axis: p.axis } : {}),
    ...(!perTensor && p.blockSize !== undefined && p.blockSize > 0 ? { blockSize: p.blockSize } : {}),
    ...(p.narrow === true ? { narrow: true } : {}),
    ...(p.rounding !== undefined && p.rounding !== 'nearest-even' ? { rounding: p.rounding } : {}),
    ...(p.scaleType !== undefined && p.scaleType !== 'float32' ? { scaleType: p.scaleType } : {}),
  };
}

/** ONNX's float8 types: the zero point must be 0 (formats/quantize.ts does not add it). */
const ONNX_FLOAT8 = new Set([
  'fp8-e4m3fn',
  'fp8-e5m2',
  'minifloat<4,3,fnuz,bias=8>',
  'minifloat<5,2,fnuz,bias=16>',
]);

/** Formats whose zero point must be 0 (ONNX float8, binary, ternary, pow2). */
function zeroOnly(name: string, kind: string): boolean {
  return ONNX_FLOAT8.has(name) || kind === 'binary' || kind === 'ternary' || kind === 'pow2';
}

/** Problems of `spec` on a tensor of `shape`, as [field, value, expected]; empty when valid. */
export function specProblems(spec: QuantSpec, shape: Shape): [string, string, string][] {
  const name = canonicalFormat(spec.format);
  if (name === undefined) return [['format', JSON.stringify(spec.format), 'a format name bitcycle knows']];
  const fmt = parseFormat(name);
  const out: [string, string, string][] = [];
  const scales = asList(spec.scale);
  scales.forEach((s, i) => {
    const f = Math.fround(s);
    if (!(Number.isFinite(f) && f > 0)) out.push([`scale[${i}]`, String(s), 'a positive finite float32']);
  });
  const zps = asList(spec.zeroPoint);
  if (zps.length !== 1 && zps.length !== scales.length) {
    out.push(['zeroPoint', `${zps.length} zero points`, `1 or ${scales.length} (one per scale)`]);
  }
  const onlyZero = zeroOnly(fmt.name, fmt.kind);
  zps.forEach((z, i) => {
    const ok = onlyZero ? z === 0 : Number.isFinite(z) && fmt.quantize(z) === z;
    if (!ok)
      out.push([`zeroPoint[${i}]`, String(z), onlyZero ? `0 (${fmt.name})` : `a value of ${fmt.name}`]);
  });
  if (spec.narrow === true && !(fmt.kind === 'int' && fmt.signed)) {
    out.push(['narrow', 'true', 'narrow range only on a signed integer format']);
  }
  if (scales.length > 1) out.push(...granularityProblems(scales.length, spec, shape));
  return out;
}

function granularityProblems(count: number, spec: QuantSpec, shape: Shape): [string, string, string][] {
  const rank = shape.length;
  const axisRaw = spec.axis ?? 1;
  if (!Number.isInteger(axisRaw) || axisRaw < -rank || axisRaw >= rank) {
    return [['axis', String(axisRaw), `an axis of a rank-${rank} tensor`]];
  }
  const axis = axisRaw < 0 ? axisRaw + rank : axisRaw;
  const dim = shape[axis]!;
  const block = spec.blockSize ?? 0;
  const want = block > 0 ? (elementCount(shape) / dim) * Math.ceil(dim / block) : dim;
  if (count === want) return [];
  const why =
    block > 0 ? `the shape with dim ${axis} = ceil(${dim} / ${block})` : `one per index of axis ${axis}`;
  return [['scale', `${count} scales`, `1 or ${want} (${why})`]];
}

/** Same format, scales, zero points and granularity (narrow and rounding are not compared). */
export function sameSpec(a: QuantSpec, b: QuantSpec, rank: number): boolean {
  const norm = (q: QuantSpec): string => {
    const scales = asList(q.scale).map((s) => Math.fround(s));
    const zps = asList(q.zeroPoint);
    const zpList = zps.length === 1 ? new Array<number>(scales.length).fill(zps[0]!) : zps;
    const axis = scales.length === 1 ? 0 : (q.axis ?? 1) < 0 ? (q.axis ?? 1) + rank : (q.axis ?? 1);
    const block = scales.length === 1 ? 0 : (q.blockSize ?? 0);
    return JSON.stringify([canonicalFormat(q.format), scales, zpList, axis, block]);
  };
  return norm(a) === norm(b);
}

/** Human-readable summary of a spec for messages. */
export function showSpec(q: QuantSpec): string {
  const s = (v: number | readonly number[]): string =>
    typeof v === 'number' ? String(v) : `[${v.join(',')}]`;
  const axis = q.axis !== undefined ? `, axis ${q.axis}` : '';
  const block = q.blockSize !== undefined ? `, block ${q.blockSize}` : '';
  return `${q.format} scale ${s(q.scale)} zero point ${s(q.zeroPoint)}${axis}${block}`;
}

/** A quantized constant: exact stored values, its spec and its real values. */
export interface Param {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: TensorInfo['dtype'];
  readonly quant: QuantSpec;
  readonly stored: Float64Array;
  readonly data: Float32Array;
}

function representable(q: number, v: number): boolean {
  return q === v || (Number.isNaN(q) && Number.isNaN(v));
}

/**
 * A Param from stored values (integers for integer formats, decoded values for float formats).
 * Throws InputError (field `values` or the spec's fields) when a value is not one of the format or
 * the spec does not fit the shape.
 */
export function paramFromStored(name: string, shape: Shape, stored: Float64Array, spec: QuantSpec): Param {
  const problems = specProblems(spec, shape);
  if (problems.length > 0) {
    throw new InputError(problems.map(([path, value, expected]) => ({ path, value, expected })));
  }
  const fmt = parseFormat(spec.format);
  for (let i = 0; i < stored.length; i++) {
    const v = stored[i]!;
    if (!representable(fmt.quantize(v), v)) {
      throw new InputError([{ path: `values[${i}]`, value: String(v), expected: `a value of ${fmt.name}` }]);
    }
  }
  const data = dequantize(stored, shape, spec);
  return {
    name,
    shape: [...shape],
    dtype: fmt.name === 'int32' ? 'int32' : 'float32',
    quant: spec,
    stored,
    data,
  };
}

/** Index into the scale list of flat element i (per tensor, per axis or blocked, as formats/quantize.ts). */
function scaleIndexer(shape: Shape, spec: QuantSpec): (i: number) => number {
  const n = asList(spec.scale).length;
  if (n === 1) return () => 0;
  const rank = shape.length;
  const axis = (spec.axis ?? 1) < 0 ? (spec.axis ?? 1) + rank : (spec.axis ?? 1);
  const dim = shape[axis]!;
  const inner = elementCount(shape.slice(axis + 1));
  const block = spec.blockSize ?? 0;
  const blocks = block > 0 ? Math.ceil(dim / block) : dim;
  return (i) => {
    const r = i % inner;
    const t = (i - r) / inner;
    const a = t % dim;
    if (block === 0) return a;
    const o = (t - a) / dim;
    return (o * blocks + Math.floor(a / block)) * inner + r;
  };
}

/**
 * Real values of stored values: fp32(fp32(stored − zero point) · scale), ONNX DequantizeLinear's
 * float32 arithmetic (formats/dequantizeLinear computes the same from codes).
 */
export function dequantize(stored: Float64Array, shape: Shape, spec: QuantSpec): Float32Array {
  const scales = asList(spec.scale).map((s) => Math.fround(s));
  const zps = asList(spec.zeroPoint);
  const index = scaleIndexer(shape, spec);
  return Float32Array.from(stored, (v, i) => {
    const p = index(i);
    return Math.fround(Math.fround(v - (zps.length === 1 ? zps[0]! : zps[p]!)) * scales[p]!);
  });
}

/** Row-major transpose of a [rows, cols] array. */
function transpose2<T extends Float64Array | Float32Array>(
  a: T,
  rows: number,
  cols: number,
  make: (n: number) => T,
): T {
  const out = make(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

function transposeList(v: number | readonly number[], rows: number, cols: number): number | number[] {
  if (typeof v === 'number' || v.length === 1) return typeof v === 'number' ? v : [...v];
  return Array.from(transpose2(Float64Array.from(v), rows, cols, (n) => new Float64Array(n)));
}

/** The transpose of a 2-D Param (stored values, data and the granularity follow). */
export function transposeParam(p: Param, name: string): Param {
  const [rows, cols] = p.shape as [number, number];
  const q = p.quant;
  const scales = asList(q.scale);
  let quant: QuantSpec = q;
  if (scales.length > 1) {
    const axis = (q.axis ?? 1) < 0 ? (q.axis ?? 1) + 2 : (q.axis ?? 1);
    const block = q.blockSize ?? 0;
    // The scale grid: per axis it is 1-D; blocked it has the tensor's shape with dim[axis] in blocks.
    const gridRows = block > 0 ? (axis === 0 ? Math.ceil(rows / block) : rows) : 1;
    const gridCols = scales.length / gridRows;
    quant = {
      ...q,
      axis: 1 - axis,
      scale: block > 0 ? transposeList(q.scale, gridRows, gridCols) : [...scales],
      zeroPoint: block > 0 ? transposeList(q.zeroPoint, gridRows, gridCols) : q.zeroPoint,
    };
  }
  return {
    name,
    shape: [cols, rows],
    dtype: p.dtype,
    quant,
    stored: transpose2(p.stored, rows, cols, (n) => new Float64Array(n)),
    data: transpose2(p.data, rows, cols, (n) => new Float32Array(n)),
  };
}
