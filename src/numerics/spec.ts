/**
 * QuantSpec helpers for the executor: a spec resolved against a tensor shape (format, scales rounded
 * to their element type, zero points, which scale each element uses), conversions between stored
 * values, codes and real values, and the "integer unit" of integer-like formats.
 *
 * Stored values (TensorInfo.stored, ExecTensor.stored) are fmt.decode(code) for every format:
 * the integer itself for int/uint, the fraction for fixed<m,n>, the decoded value for floating
 * formats, so that real = (stored − zeroPoint) × scale always holds.
 */
import { dequantizeLinear, parseFormat, quantizeLinear } from '../formats/index.js';
import type { DequantizeOptions } from '../formats/index.js';
import type { NumberFormat } from '../formats/types.js';
import { elementCount, type QuantSpec, type Shape } from '../graph/ir.js';
import { InputError } from '../units/errors.js';

/** Formats whose values are integer multiples of their smallest positive value (fmt.minPositive). */
export function isIntegerLike(fmt: NumberFormat): boolean {
  return (
    fmt.kind === 'int' ||
    fmt.kind === 'fixed' ||
    fmt.kind === 'binary' ||
    fmt.kind === 'ternary' ||
    fmt.kind === 'pow2'
  );
}

/** Formats whose values form one uniform grid (int, uint, fixed): requantization rounds onto it. */
export function isUniformGrid(fmt: NumberFormat): boolean {
  return fmt.kind === 'int' || fmt.kind === 'fixed';
}

/**
 * The step an integer-like operand is counted in: a MAC unit multiplies integers, so an operand of
 * value v enters the array as v / unit (fixed<4,4> 1.5 → 24). 1 for int/uint/binary/ternary,
 * 2^−frac for fixed point, the smallest power for pow2; 1 for floating formats (used as is).
 */
export function operandUnit(fmt: NumberFormat): number {
  return isIntegerLike(fmt) ? fmt.minPositive : 1;
}

export type ScaleType = NonNullable<QuantSpec['scaleType']>;

/** Rounding of a scale-typed value (the arithmetic ONNX does on scale tensors of that type). */
export function scaleRounder(type: ScaleType | undefined): (x: number) => number {
  if (type === undefined || type === 'float32') return Math.fround;
  const f = parseFormat(type === 'float16' ? 'fp16' : 'bf16');
  // numpy's float16 / bfloat16 arithmetic: round to nearest even, overflow to ±inf
  return (x) => f.quantize(x, { overflow: 'wrap' });
}

/** DequantizeLinear's output type for a spec (ONNX: the scale's type). */
export function dequantizeOutput(spec: QuantSpec): NonNullable<DequantizeOptions['output']> {
  return spec.scaleType === 'bfloat16' ? 'bfloat16' : spec.scaleType === 'float16' ? 'float16' : 'float32';
}

function asList(v: number | readonly number[]): readonly number[] {
  return typeof v === 'number' ? [v] : v;
}

/** A spec resolved against one tensor shape. */
export interface ResolvedSpec {
  readonly spec: QuantSpec;
  readonly fmt: NumberFormat;
  /** Scales rounded to their element type (float32 unless scaleType says otherwise). */
  readonly scales: Float64Array;
  /** One zero point per scale. */
  readonly zeroPoints: Float64Array;
  /** The normalized channel axis when there is more than one scale; undefined per tensor. */
  readonly axis: number | undefined;
  readonly blocked: boolean;
  /** Index into scales / zeroPoints of flat element i. */
  readonly paramOf: (i: number) => number;
}

/** Resolve a spec for a tensor of `shape` (granularity as formats/quantize.ts, i.e. ONNX). */
export function resolveSpec(spec: QuantSpec, shape: Shape, path = 'quant'): ResolvedSpec {
  const fmt = parseFormat(spec.format, `${path}.format`);
  const round = scaleRounder(spec.scaleType);
  const scaleList = asList(spec.scale);
  const scales = Float64Array.from(scaleList, (s) => round(s));
  const zpList = asList(spec.zeroPoint);
  const zeroPoints =
    zpList.length === scales.length
      ? Float64Array.from(zpList)
      : new Float64Array(scales.length).fill(zpList[0] ?? 0);
  if (scales.length === 1) {
    return { spec, fmt, scales, zeroPoints, axis: undefined, blocked: false, paramOf: () => 0 };
  }
  const rank = shape.length;
  const rawAxis = spec.axis ?? 1;
  const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
    throw new InputError([
      { path: `${path}.axis`, value: String(rawAxis), expected: `an axis of rank ${rank}` },
    ]);
  }
  const dim = shape[axis]!;
  const inner = elementCount(shape.slice(axis + 1));
  const block = spec.blockSize ?? 0;
  if (block === 0) {
    if (scales.length !== dim) {
      throw new InputError([
        { path: `${path}.scale`, value: `${scales.length} scales`, expected: `1 or ${dim} (axis ${axis})` },
      ]);
    }
    const paramOf = (i: number): number => Math.floor(i / inner) % dim;
    return { spec, fmt, scales, zeroPoints, axis, blocked: false, paramOf };
  }
  const blocks = Math.ceil(dim / block);
  const paramOf = (i: number): number => {
    const r = i % inner;
    const t = (i - r) / inner;
    const a = t % dim;
    const o = (t - a) / dim;
    return (o * blocks + Math.floor(a / block)) * inner + r;
  };
  return { spec, fmt, scales, zeroPoints, axis, blocked: true, paramOf };
}

/** Codes (bit patterns) of stored values; throws when a value is not exactly on the format's grid. */
export function codesOf(stored: Float64Array, fmt: NumberFormat, path: string): Uint32Array {
  const codes = new Uint32Array(stored.length);
  if (fmt.kind === 'int') return integerCodes(stored, fmt, path, codes);
  for (let i = 0; i < stored.length; i++) {
    const v = stored[i]!;
    const c = fmt.encode(v);
    const back = fmt.decode(c);
    if (!(back === v || (Number.isNaN(v) && Number.isNaN(back)))) {
      throw new InputError([{ path: `${path}[${i}]`, value: String(v), expected: `a value of ${fmt.name}` }]);
    }
    codes[i] = c;
  }
  return codes;
}

/** Integer formats: the code is the two's complement (or unsigned) bit pattern of the value. */
function integerCodes(
  stored: Float64Array,
  fmt: NumberFormat,
  path: string,
  codes: Uint32Array,
): Uint32Array {
  const { minValue: lo, maxValue: hi } = fmt;
  const modulus = 2 ** fmt.bits;
  for (let i = 0; i < stored.length; i++) {
    const v = stored[i]!;
    if (!(Number.isInteger(v) && v >= lo && v <= hi)) {
      throw new InputError([{ path: `${path}[${i}]`, value: String(v), expected: `a value of ${fmt.name}` }]);
    }
    codes[i] = v < 0 ? v + modulus : v;
  }
  return codes;
}

/** Stored values of codes. */
export function storedOf(codes: Uint32Array, fmt: NumberFormat): Float64Array {
  const out = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = fmt.decode(codes[i]!);
  return out;
}

/** ONNX DequantizeLinear of stored values (rounded to the scale's type, held in float32). */
export function realOf(stored: Float64Array, shape: Shape, spec: QuantSpec): Float32Array {
  const fmt = parseFormat(spec.format);
  return dequantizeLinear(codesOf(stored, fmt, 'stored'), shape, spec, { output: dequantizeOutput(spec) });
}

/** ONNX QuantizeLinear of real values to stored values. */
export function quantizeReal(real: Float32Array, shape: Shape, spec: QuantSpec): Float64Array {
  return storedOf(quantizeLinear(real, shape, spec), parseFormat(spec.format));
}

/** The stored value one real number quantizes to under scale / zero point number p of a spec. */
export function quantizeScalar(value: number, r: ResolvedSpec, p: number): number {
  const { spec } = r;
  const params = {
    format: spec.format,
    scale: r.scales[p]!,
    zeroPoint: r.zeroPoints[p]!,
    ...(spec.narrow !== undefined ? { narrow: spec.narrow } : {}),
    ...(spec.rounding !== undefined ? { rounding: spec.rounding } : {}),
  };
  const code = quantizeLinear(Float32Array.of(value), [1], params)[0]!;
  return r.fmt.decode(code);
}

function sameList(a: number | readonly number[], b: number | readonly number[], f: (x: number) => number) {
  const x = asList(a);
  const y = asList(b);
  if (x.length !== y.length) return false;
  return x.every((v, i) => f(v) === f(y[i]!));
}

/**
 * Two specs describe the same quantization of tensors of one shape (so stored values can move
 * between them unchanged): same format, scales (as rounded), zero points, axis, blocks, narrow.
 */
export function sameSpec(a: QuantSpec, b: QuantSpec, rank: number): boolean {
  if (parseFormat(a.format).name !== parseFormat(b.format).name) return false;
  if ((a.scaleType ?? 'float32') !== (b.scaleType ?? 'float32')) return false;
  const round = scaleRounder(a.scaleType);
  if (!sameList(a.scale, b.scale, round) || !sameList(a.zeroPoint, b.zeroPoint, (v) => v)) return false;
  if ((a.narrow ?? false) !== (b.narrow ?? false) || (a.blockSize ?? 0) !== (b.blockSize ?? 0)) return false;
  if (asList(a.scale).length === 1) return true;
  const norm = (x: number | undefined): number => {
    const v = x ?? 1;
    return v < 0 ? v + rank : v;
  };
  return norm(a.axis) === norm(b.axis);
}

/** A spec with a single scale and zero point. */
export function isPerTensor(spec: QuantSpec): boolean {
  return asList(spec.scale).length === 1;
}
