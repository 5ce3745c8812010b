/**
 * Affine quantization of whole tensors, as ONNX QuantizeLinear / DequantizeLinear (opsets 21–25)
 * define it, bit for bit:
 *
 *   quantize    q = saturate(round(fp32(x / scale)) + zero_point)          integers, fixed point
 *               q = convert_rne(fp32(x / scale))                            ONNX float8 (zero point 0)
 *               q = convert_rne(fp32(fp32(x / scale) + zero_point))         other float formats (FP4 …)
 *   dequantize  y = fp32(fp32(decode(q) − zero_point) · scale), then rounded to the output type.
 *
 * Scales are float32 (rounded with Math.fround, as an ONNX float tensor stores them). Granularity:
 * one scale (per tensor), one per index of `axis` (per axis), or one per block of `blockSize`
 * consecutive indices along `axis` (blocked; the scale tensor has the input's shape with
 * dim[axis] → ceil(dim[axis] / blockSize)). `axis` defaults to 1 as in ONNX; a scale with a single
 * element is per tensor whatever the axis.
 *
 * The zero point is added after rounding (round-half-even of 1.5 + 32767 is not 32769). The ONNX
 * float8 formats ignore the zero point (it must be 0); FLOAT4E2M1 adds it in float32, so x = −0
 * quantizes to +0 there (the ONNX reference does the same). binary, ternary and pow2 take no zero
 * point (it must be 0).
 *
 * QuantParams mirrors graph/ir.ts QuantSpec (formats cannot import graph); keep them in step.
 */

import { InputError, type InputIssue } from '../units/errors.js';
import type { EncodeOptions, NumberFormat, RoundingMode } from './types.js';
import { namedFormat } from './build.js';
import { parseFormat } from './registry.js';
import { resolveOptions, roundToInteger } from './rounding.js';

export interface QuantParams {
  /** A format name accepted by parseFormat. */
  readonly format: string;
  /** One scale (per tensor) or one per channel / block. */
  readonly scale: number | readonly number[];
  /** Zero point(s) in the real domain of the format's codes (integers for integer formats). */
  readonly zeroPoint: number | readonly number[];
  /** Channel axis for per-channel / per-block scales (default 1, as ONNX). */
  readonly axis?: number;
  /** Block size along `axis` for per-block scales (0 or absent: not blocked). */
  readonly blockSize?: number;
  /** Signed integer formats: drop the most negative code (int8 → −127 … 127), as QONNX narrow=1. */
  readonly narrow?: boolean;
  /** Default rounding of quantizeLinear for this tensor (an explicit option wins). */
  readonly rounding?: RoundingMode;
  /**
   * Element type of the scale in the source model (default float32). Not read here: scales of
   * every type are exact in float32; a float16 DequantizeLinear passes `output: 'float16'`.
   */
  readonly scaleType?: 'float32' | 'float16' | 'bfloat16';
}

export interface DequantizeOptions {
  /** Element type of the result (ONNX: the scale's type or `output_dtype`); default float32. */
  readonly output?: 'float32' | 'float16' | 'bfloat16';
}

/** Formats ONNX treats as float8: the zero point must be 0 and is not added. */
const ONNX_FLOAT8 = new Set([
  'fp8-e4m3fn',
  'fp8-e5m2',
  'minifloat<4,3,fnuz,bias=8>',
  'minifloat<5,2,fnuz,bias=16>',
]);

type Granularity =
  | { readonly mode: 'tensor' }
  | { readonly mode: 'axis'; readonly dim: number; readonly inner: number }
  | {
      readonly mode: 'block';
      readonly dim: number;
      readonly inner: number;
      readonly block: number;
      readonly blocks: number;
    };

interface Prepared {
  readonly fmt: NumberFormat;
  readonly scales: Float64Array;
  readonly zeroPoints: Float64Array;
  readonly granularity: Granularity;
}

function asList(v: number | readonly number[]): readonly number[] {
  return typeof v === 'number' ? [v] : v;
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function checkShape(shape: readonly number[], length: number, issues: InputIssue[]): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    issues.push({ path: 'shape', value: JSON.stringify(shape), expected: 'non-negative integer dimensions' });
  } else if (product(shape) !== length) {
    issues.push({
      path: 'shape',
      value: JSON.stringify(shape),
      expected: `dimensions whose product is the tensor length ${length}`,
    });
  }
}

function granularityOf(
  shape: readonly number[],
  params: QuantParams,
  count: number,
  issues: InputIssue[],
): Granularity {
  if (count === 1) return { mode: 'tensor' };
  const rank = shape.length;
  const axisRaw = params.axis ?? 1;
  if (!Number.isInteger(axisRaw) || axisRaw < -rank || axisRaw >= rank) {
    issues.push({
      path: 'quant.axis',
      value: String(axisRaw),
      expected: `an integer in ${-rank}..${rank - 1}`,
    });
    return { mode: 'tensor' };
  }
  const axis = axisRaw < 0 ? axisRaw + rank : axisRaw;
  const dim = shape[axis]!;
  const inner = product(shape.slice(axis + 1));
  const block = params.blockSize ?? 0;
  if (!Number.isInteger(block) || block < 0) {
    issues.push({
      path: 'quant.blockSize',
      value: String(block),
      expected: 'a positive integer (or 0: no blocks)',
    });
    return { mode: 'tensor' };
  }
  if (block === 0) {
    if (count !== dim) {
      issues.push({
        path: 'quant.scale',
        value: `${count} scales`,
        expected: `1 or ${dim} (one per index of axis ${axis})`,
      });
    }
    return { mode: 'axis', dim, inner };
  }
  const blocks = Math.ceil(dim / block);
  const want = product(shape.slice(0, axis)) * blocks * inner;
  if (count !== want) {
    issues.push({
      path: 'quant.scale',
      value: `${count} scales`,
      expected: `${want} (input shape with dim ${axis} = ceil(${dim} / ${block}) = ${blocks})`,
    });
  }
  return { mode: 'block', dim, inner, block, blocks };
}

function prepare(shape: readonly number[], length: number, params: QuantParams): Prepared {
  const issues: InputIssue[] = [];
  checkShape(shape, length, issues);
  const fmt = parseFormat(params.format, 'quant.format');
  const scaleList = asList(params.scale);
  const scales = Float64Array.from(scaleList, (s) => Math.fround(s));
  scales.forEach((s, i) => {
    if (!(Number.isFinite(s) && s > 0)) {
      issues.push({
        path: `quant.scale[${i}]`,
        value: String(scaleList[i]),
        expected: 'a positive finite float32',
      });
    }
  });
  const zpList = asList(params.zeroPoint);
  if (zpList.length !== 1 && zpList.length !== scales.length) {
    issues.push({
      path: 'quant.zeroPoint',
      value: `${zpList.length} zero points`,
      expected: `1 or ${scales.length} (one per scale)`,
    });
  }
  const zeroOnly =
    ONNX_FLOAT8.has(fmt.name) || fmt.kind === 'binary' || fmt.kind === 'ternary' || fmt.kind === 'pow2';
  zpList.forEach((z, i) => {
    const representable = Number.isFinite(z) && fmt.quantize(z) === z;
    if (zeroOnly ? z !== 0 : !representable) {
      issues.push({
        path: `quant.zeroPoint[${i}]`,
        value: String(z),
        expected: zeroOnly ? `0 (${fmt.name} has no zero point)` : `a value of ${fmt.name}`,
      });
    }
  });
  const granularity =
    issues.length === 0 ? granularityOf(shape, params, scales.length, issues) : { mode: 'tensor' as const };
  if (issues.length > 0) throw new InputError(issues);
  const zeroPoints =
    zpList.length === scales.length
      ? Float64Array.from(zpList)
      : new Float64Array(scales.length).fill(zpList[0]!);
  return { fmt, scales, zeroPoints, granularity };
}

/** Index into scales / zero points of flat element i (row-major). */
function paramIndex(g: Granularity, i: number): number {
  if (g.mode === 'tensor') return 0;
  const r = i % g.inner;
  const t = (i - r) / g.inner;
  const a = t % g.dim;
  if (g.mode === 'axis') return a;
  const o = (t - a) / g.dim;
  return (o * g.blocks + Math.floor(a / g.block)) * g.inner + r;
}

/** Step 2 of quantize: from v = fp32(x / scale) and the zero point to a code. */
type Encoder = (v: number, zp: number) => number;

function encoderFor(fmt: NumberFormat, opts: EncodeOptions | undefined): Encoder {
  switch (fmt.kind) {
    case 'int':
    case 'fixed': {
      // ONNX: round v first, then add the zero point (round(v + zp) differs on ties for odd zp).
      const r = resolveOptions(opts);
      const step = 2 ** -fmt.hardware.fractionBits;
      return (v, zp) => fmt.encode(roundToInteger(v / step, r) * step + zp, opts);
    }
    case 'minifloat':
    case 'posit':
      if (ONNX_FLOAT8.has(fmt.name)) return (v) => fmt.encode(v, opts);
      return (v, zp) => fmt.encode(Math.fround(v + zp), opts);
    case 'binary':
    case 'ternary':
    case 'pow2':
      // Zero point is 0 here (checked in prepare).
      return (v) => fmt.encode(v, opts);
  }
}

/**
 * Quantize a float32 tensor to codes (bit patterns 0 … 2^bits − 1) of params.format. Options as
 * encode: rounding (default nearest-even), overflow (default saturate; for float formats 'wrap'
 * is ONNX saturate=0: ±inf, or NaN without inf), rng for stochastic rounding.
 */
export function quantizeLinear(
  x: Float32Array,
  shape: readonly number[],
  params: QuantParams,
  opts?: EncodeOptions,
): Uint32Array {
  const { fmt, scales, zeroPoints, granularity } = prepare(shape, x.length, params);
  const rounding = opts?.rounding ?? params.rounding;
  const wide = encoderFor(fmt, rounding === undefined ? opts : { ...opts, rounding });
  const encode = params.narrow === true ? narrowed(fmt, wide) : wide;
  const out = new Uint32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const p = paramIndex(granularity, i);
    const v = Math.fround(x[i]! / scales[p]!);
    if (Number.isNaN(v) && !fmt.hardware.hasNaN) {
      throw new InputError([
        { path: `x[${i}]`, value: String(x[i]), expected: `a number (${fmt.name} has no NaN code)` },
      ]);
    }
    out[i] = encode(v, zeroPoints[p]!);
  }
  return out;
}

/** Signed integers in narrow range: the most negative code becomes the next one up. */
function narrowed(fmt: NumberFormat, encode: Encoder): Encoder {
  if (fmt.kind !== 'int' || !fmt.signed) return encode;
  const lowest = fmt.encode(fmt.minValue);
  const next = fmt.encode(fmt.minValue + 1);
  return (v, zp) => {
    const code = encode(v, zp);
    return code === lowest ? next : code;
  };
}

function outputRounder(output: DequantizeOptions['output']): (y: number) => number {
  if (output === undefined || output === 'float32') return (y) => y;
  const target = namedFormat(output === 'float16' ? 'fp16' : 'bf16');
  // numpy's astype: round to nearest even, overflow to ±inf.
  return (y) => target.quantize(y, { overflow: 'wrap' });
}

/** Dequantize codes of params.format to float32 (values exactly representable in opts.output). */
export function dequantizeLinear(
  codes: Uint32Array,
  shape: readonly number[],
  params: QuantParams,
  opts?: DequantizeOptions,
): Float32Array {
  const { fmt, scales, zeroPoints, granularity } = prepare(shape, codes.length, params);
  const round = outputRounder(opts?.output);
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const p = paramIndex(granularity, i);
    const centred = Math.fround(fmt.decode(codes[i]!) - zeroPoints[p]!);
    out[i] = round(Math.fround(centred * scales[p]!));
  }
  return out;
}
