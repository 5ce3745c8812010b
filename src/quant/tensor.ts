/**
 * Quantize whole tensors: choose a QuantSpec (per tensor or per channel) from the values, then
 * produce the exact stored values and their dequantization with formats/quantizeLinear and
 * dequantizeLinear, so that the result is what the executor and the `requantize` op compute.
 *
 * Binary and ternary weights use XNOR-Net / TWN (./binary.ts) whatever the range method.
 */
import { dequantizeLinear, parseFormat, quantizeLinear, type NumberFormat } from '../formats/index.js';
import type { QuantSpec, Shape } from '../graph/ir.js';
import { binarize, ternarize, type SignCodes } from './binary.js';
import { chooseAffine, type RangeOptions } from './range.js';
import { makeScheme, type Affine, type ScaleKind } from './scheme.js';
import { channelSlices } from './stats.js';

export type Granularity = 'per-tensor' | 'per-channel';

export interface TensorQuantOptions extends RangeOptions {
  readonly format: string;
  readonly granularity: Granularity;
  /** Channel axis for per-channel parameters. */
  readonly axis: number;
  readonly symmetric: boolean;
  readonly narrow?: boolean;
  readonly scaleKind?: ScaleKind;
}

export interface QuantizedTensor {
  readonly quant: QuantSpec;
  /** Exact stored values: decode(code) of each element (integers for intN). */
  readonly stored: Float64Array;
  /** Their real values, (stored − zeroPoint) · scale in float32. */
  readonly data: Float32Array;
}

/** A format that is kept in float32 (no QuantSpec): fp32 itself. */
export function isFloat32(format: string): boolean {
  return parseFormat(format).name === 'fp32';
}

function specOf(
  fmt: NumberFormat,
  params: readonly Affine[],
  opts: Pick<TensorQuantOptions, 'granularity' | 'axis'>,
  narrow: boolean,
): QuantSpec {
  const base = narrow ? { narrow: true } : {};
  if (opts.granularity === 'per-tensor' || params.length === 1) {
    const p = params[0] ?? { scale: 1, zeroPoint: 0 };
    return { format: fmt.name, scale: p.scale, zeroPoint: p.zeroPoint, ...base };
  }
  return {
    format: fmt.name,
    scale: params.map((p) => p.scale),
    zeroPoint: params.every((p) => p.zeroPoint === 0) ? 0 : params.map((p) => p.zeroPoint),
    axis: opts.axis,
    ...base,
  };
}

function groups(data: Float32Array, shape: Shape, opts: Pick<TensorQuantOptions, 'granularity' | 'axis'>) {
  return opts.granularity === 'per-channel' && shape.length > 0
    ? channelSlices(data, shape, opts.axis)
    : [data];
}

/** The QuantSpec the options choose for these values (binary / ternary excluded: see quantizeWeights). */
export function chooseSpec(data: Float32Array, shape: Shape, opts: TensorQuantOptions): QuantSpec {
  const fmt = parseFormat(opts.format);
  const scheme = makeScheme(fmt, {
    symmetric: opts.symmetric,
    ...(opts.narrow !== undefined ? { narrow: opts.narrow } : {}),
    ...(opts.scaleKind !== undefined ? { scaleKind: opts.scaleKind } : {}),
  });
  const params = groups(data, shape, opts).map((g) => chooseAffine(g, scheme, opts));
  return specOf(fmt, params, opts, scheme.narrow);
}

/** Stored values and real values of data under spec (formats/quantizeLinear, bit for bit). */
export function applySpec(data: Float32Array, shape: Shape, spec: QuantSpec): QuantizedTensor {
  const fmt = parseFormat(spec.format);
  const codes = quantizeLinear(data, shape, spec);
  const stored = Float64Array.from(codes, (c) => fmt.decode(c) + 0);
  return { quant: spec, stored, data: dequantizeLinear(codes, shape, spec) };
}

/** Index of the scale of flat element i: per tensor, or per index of `axis`. */
function scaleIndexer(shape: Shape, spec: QuantSpec): (i: number) => number {
  if (typeof spec.scale === 'number' || spec.scale.length === 1) return () => 0;
  const rank = shape.length;
  const axis = (spec.axis ?? 1) < 0 ? (spec.axis ?? 1) + rank : (spec.axis ?? 1);
  const dim = shape[axis] ?? 1;
  let inner = 1;
  for (let i = axis + 1; i < rank; i++) inner *= shape[i]!;
  return (i) => Math.floor(i / inner) % dim;
}

/**
 * Real values of binary stored values (±1): fp32(stored · scale), as dequantizeLinear computes
 * them. formats/quantizeLinear refuses binary specs (it requires the zero point 0 to be a value of
 * the format, and binary has no 0), so binary goes through here.
 */
function dequantizeSigns(stored: Float64Array, shape: Shape, spec: QuantSpec): Float32Array {
  const scales = typeof spec.scale === 'number' ? [spec.scale] : spec.scale;
  const at = scaleIndexer(shape, spec);
  return Float32Array.from(stored, (v, i) => Math.fround(v * Math.fround(scales[at(i)]!)));
}

function isBinary(spec: QuantSpec): boolean {
  return parseFormat(spec.format).kind === 'binary';
}

/** Round-trip of data through spec: what the tensor's consumers see. */
export function fakeQuantize(data: Float32Array, shape: Shape, spec: QuantSpec): Float32Array {
  if (isBinary(spec)) {
    return dequantizeSigns(
      Float64Array.from(data, (v) => (v < 0 ? -1 : 1)),
      shape,
      spec,
    );
  }
  return dequantizeLinear(quantizeLinear(data, shape, spec), shape, spec);
}

function signQuantize(
  data: Float32Array,
  shape: Shape,
  opts: Pick<TensorQuantOptions, 'granularity' | 'axis' | 'format'>,
  rule: (w: Float32Array) => SignCodes,
): QuantizedTensor {
  const fmt = parseFormat(opts.format);
  const parts = groups(data, shape, opts).map(rule);
  const spec = specOf(
    fmt,
    parts.map((p) => ({ scale: p.scale, zeroPoint: 0 })),
    opts,
    false,
  );
  // Scatter the per-channel stored values back to row-major order.
  const stored = new Float64Array(data.length);
  if (parts.length === 1) stored.set(parts[0]!.stored);
  else {
    let inner = 1;
    for (let i = opts.axis + 1; i < shape.length; i++) inner *= shape[i]!;
    const dim = parts.length;
    parts.forEach((p, c) => {
      for (let j = 0; j < p.stored.length; j++) {
        const o = Math.floor(j / inner);
        stored[(o * dim + c) * inner + (j % inner)] = p.stored[j]!;
      }
    });
  }
  if (fmt.kind === 'binary') return { quant: spec, stored, data: dequantizeSigns(stored, shape, spec) };
  const codes = Uint32Array.from(stored, (v) => fmt.encode(v));
  return { quant: spec, stored, data: dequantizeLinear(codes, shape, spec) };
}

/** Quantize a weight tensor: binary → XNOR-Net, ternary → TWN, otherwise the range method. */
export function quantizeWeights(data: Float32Array, shape: Shape, opts: TensorQuantOptions): QuantizedTensor {
  const kind = parseFormat(opts.format).kind;
  if (kind === 'binary') return signQuantize(data, shape, opts, binarize);
  if (kind === 'ternary') return signQuantize(data, shape, opts, ternarize);
  return applySpec(data, shape, chooseSpec(data, shape, opts));
}

export interface ActivationQuantOptions extends RangeOptions {
  readonly format: string;
  /** Integer formats: symmetric (zero point 0) instead of asymmetric. */
  readonly symmetric: boolean;
  readonly scaleKind?: ScaleKind;
}

/**
 * Per-tensor QuantSpec of an activation from calibration values (`sample`) and the exact range seen.
 * Integer formats are asymmetric unless asked otherwise (unsigned ones always); floating formats are
 * symmetric; binary takes α = mean |x| (XNOR-Net).
 */
export function chooseActivationSpec(
  sample: Float32Array,
  range: { readonly min: number; readonly max: number },
  opts: ActivationQuantOptions,
): QuantSpec {
  const fmt = parseFormat(opts.format);
  if (fmt.kind === 'binary') return { format: fmt.name, scale: binarize(sample).scale, zeroPoint: 0 };
  const scheme = makeScheme(fmt, {
    symmetric: opts.symmetric,
    ...(opts.scaleKind !== undefined ? { scaleKind: opts.scaleKind } : {}),
  });
  const p = chooseAffine(sample, scheme, opts, { lo: range.min, hi: range.max });
  return { format: fmt.name, scale: p.scale, zeroPoint: p.zeroPoint };
}
