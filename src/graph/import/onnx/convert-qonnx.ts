/**
 * QONNX custom ops (domain qonnx.custom_op.general, or finn.custom_op.general in older files):
 * Quant / IntQuant, BipolarQuant and Trunc, read as QuantSpecs. Scale, zero point and bit widths
 * must be constants; a scale is per tensor or per channel along one axis (its shape broadcast to X
 * with a single dim > 1).
 *
 * Quant(X, scale, zeropt, bitwidth; signed, narrow, rounding_mode) is y = (clamp(round(x/scale +
 * zeropt)) − zeropt)·scale: format int<b> / uint<b> (signed 1-bit: binary, as QONNX executes it),
 * narrow → QuantSpec.narrow, rounding_mode → QuantSpec.rounding (ROUND = HALF_EVEN → nearest-even,
 * CEIL, FLOOR, UP → away-from-zero, DOWN → toward-zero, HALF_UP → nearest-away, HALF_DOWN →
 * nearest-toward-zero). A constant X (a weight) becomes stored codes computed with QONNX's formula;
 * an activation folds into its producer's output or becomes a `requantize` node.
 *
 * The IR rounds x/scale and then adds the zero point, QONNX rounds x/scale + zeropt: the two agree
 * whenever the zero point is 0, or rounding is FLOOR / CEIL; otherwise they can differ on exact ties
 * (a note says so).
 */
import { parseFormat, type RoundingMode } from '../../../formats/index.js';
import { showValue } from '../../../units/errors.js';
import { elementCount, type QuantSpec, type Shape } from '../../ir.js';
import type { OnnxTensor } from '../onnx-tensor.js';
import type { ImportContext, OnnxNode, Value } from './context.js';
import type { Converter } from './convert-float.js';
import { capture } from './issues.js';
import { canonicalFormat, makeSpec, paramFromStored } from './quant-spec.js';

const ROUNDING: Readonly<Record<string, RoundingMode>> = {
  ROUND: 'nearest-even',
  HALF_EVEN: 'nearest-even',
  CEIL: 'ceil',
  FLOOR: 'floor',
  UP: 'away-from-zero',
  DOWN: 'toward-zero',
  HALF_UP: 'nearest-away',
  HALF_DOWN: 'nearest-toward-zero',
};

/** QONNX's rounding functions (numpy semantics) on one value. */
export function roundQonnx(v: number, mode: RoundingMode): number {
  const s = Math.sign(v);
  const m = Math.abs(v);
  switch (mode) {
    case 'nearest-even': {
      const f = Math.floor(v);
      const d = v - f;
      return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
    }
    case 'ceil':
      return Math.ceil(v);
    case 'floor':
      return Math.floor(v);
    case 'away-from-zero':
      return s * Math.ceil(m);
    case 'toward-zero':
      return Math.trunc(v);
    case 'nearest-away':
      return s * Math.floor(m + 0.5);
    case 'nearest-toward-zero':
      return s * Math.ceil(m - 0.5);
    case 'stochastic':
      return NaN;
  }
}

/** Per tensor (undefined axis) or the one axis of X along which a broadcast scale varies. */
function broadcastAxis(dims: readonly number[], shape: Shape): { axis: number | undefined } | string {
  if (elementCount(dims) === 1) return { axis: undefined };
  const offset = shape.length - dims.length;
  const varying = dims.flatMap((d, i) => (d !== 1 ? [i] : []));
  if (offset < 0 || varying.length !== 1 || dims[varying[0]!] !== shape[offset + varying[0]!]) {
    return `one value, or one per index of a single axis of X [${shape.join(',')}] (broadcast shape)`;
  }
  return { axis: offset + varying[0]! };
}

/** Index into the per-axis list of flat element i of a tensor of `shape` (0 when per tensor). */
function paramIndexer(shape: Shape, axis: number | undefined): (i: number) => number {
  if (axis === undefined) return () => 0;
  const inner = elementCount(shape.slice(axis + 1));
  const dim = shape[axis]!;
  return (i) => Math.floor(i / inner) % dim;
}

function scalarInt(
  ctx: ImportContext,
  node: OnnxNode,
  slot: number,
  role: string,
  lo: number,
  hi: number,
): number | undefined {
  const t = ctx.constant(node, slot, role);
  if (t === undefined) return undefined;
  const v = t.values.length === 1 ? t.values[0]! : NaN;
  if (!Number.isInteger(v) || v < lo || v > hi) {
    ctx.fail(
      node,
      `inputs[${slot}] (${role})`,
      t.values.length === 1 ? String(v) : `${t.values.length} values`,
      `one integer from ${lo} to ${hi}`,
    );
    return undefined;
  }
  return v;
}

interface Scaled {
  readonly axis: number | undefined;
  readonly scales: number[];
  readonly zeroPoints: number[];
}

/** Scale and zero point (same granularity, or a scalar zero point) of X. */
function scaled(
  ctx: ImportContext,
  node: OnnxNode,
  shape: Shape,
  scale: OnnxTensor,
  zeropt: OnnxTensor | undefined,
  slots: readonly [number, number],
): Scaled | undefined {
  const g = broadcastAxis(scale.dims, shape);
  if (typeof g === 'string') {
    ctx.fail(node, `inputs[${slots[0]}] (scale)`, `dims [${scale.dims.join(',')}]`, g);
    return undefined;
  }
  const zps = zeropt !== undefined ? Array.from(zeropt.values) : [0];
  if (zps.length !== 1 && zps.length !== scale.values.length) {
    ctx.fail(
      node,
      `inputs[${slots[1]}] (zeropt)`,
      `${zps.length} values`,
      `1 or ${scale.values.length} (one per scale)`,
    );
    return undefined;
  }
  if (zps.some((z) => !Number.isInteger(z))) {
    ctx.fail(node, `inputs[${slots[1]}] (zeropt)`, showValue(zps.slice(0, 4)), 'integer zero points');
    return undefined;
  }
  return { axis: g.axis, scales: Array.from(scale.values, Math.fround), zeroPoints: zps };
}

function roundingOf(ctx: ImportContext, node: OnnxNode, fallback: string): RoundingMode | undefined {
  const a = ctx.attrs(node);
  const text = a.string('rounding_mode', fallback).toUpperCase();
  const mode = ROUNDING[text];
  if (mode === undefined)
    a.fail('rounding_mode', JSON.stringify(text), `one of ${Object.keys(ROUNDING).join(', ')}`);
  return mode;
}

function formatOf(
  ctx: ImportContext,
  node: OnnxNode,
  signed: boolean,
  bits: number,
  narrow: boolean,
): string | undefined {
  if (narrow && !signed) {
    ctx
      .attrs(node)
      .fail(
        'narrow',
        '1 with signed 0',
        'narrow only on signed formats (unsigned narrow, 0 … 2^b − 2, is not a QuantSpec)',
      );
    return undefined;
  }
  if (signed && bits === 1) return 'binary';
  return canonicalFormat(`${signed ? 'int' : 'uint'}${bits}`);
}

function noteZeroPoint(ctx: ImportContext, spec: QuantSpec, rounding: RoundingMode): void {
  const zps = typeof spec.zeroPoint === 'number' ? [spec.zeroPoint] : spec.zeroPoint;
  if (zps.some((z) => z !== 0) && rounding !== 'floor' && rounding !== 'ceil') {
    ctx.note(
      'QONNX quantizers with a non-zero zero point: QONNX rounds x/scale + zeropt, the IR rounds x/scale and adds the zero point; results can differ on exact ties',
    );
  }
}

/** Stored values of a constant X with QONNX's formula: clamp(round(fp32(fp32(x / s) + z))). */
function qonnxCodes(x: OnnxTensor, s: Scaled, spec: QuantSpec, rounding: RoundingMode): Float64Array {
  const fmt = parseFormat(spec.format);
  const index = paramIndexer(x.dims, s.axis);
  const lo = spec.narrow === true ? fmt.minValue + 1 : fmt.minValue;
  const out = new Float64Array(x.values.length);
  for (let i = 0; i < out.length; i++) {
    const p = index(i);
    const zp = s.zeroPoints.length === 1 ? s.zeroPoints[0]! : s.zeroPoints[p]!;
    const v = Math.fround(Math.fround(x.values[i]! / s.scales[p]!) + zp);
    if (fmt.kind === 'binary') out[i] = v >= 0 ? 1 : -1;
    else out[i] = Math.min(Math.max(roundQonnx(v, rounding), lo), fmt.maxValue);
  }
  return out;
}

/** The quantized X: stored codes of a constant, else a fold into the producer or a requantize node. */
function applyQuant(
  ctx: ImportContext,
  node: OnnxNode,
  xv: Value,
  spec: QuantSpec,
  codesOf: (x: OnnxTensor) => Float64Array,
): boolean {
  const y = node.outputs[0]!;
  if (!ctx.checkSpec(node, 'quant', spec, ctx.valueShape(xv))) return false;
  if (xv.kind === 'const' && !ctx.facts.graphOutputs.has(y)) {
    const x = xv.tensor;
    const param = capture(ctx.issues, `${node.path}.inputs[0] (X)`, () =>
      paramFromStored(y, x.dims, codesOf(x), spec),
    );
    if (param === undefined) return false;
    ctx.setValue(y, { kind: 'param', param });
    return true;
  }
  if (ctx.tryFold(node.inputs[0]!, y, spec)) return true;
  const x = ctx.irName(xv, node.inputs[0]!, 'constant');
  return ctx.emit(node, 'requantize', { to: spec }, [x], [{ onnx: y, quant: spec }]);
}

const quant: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['narrow', 'rounding_mode', 'signed']);
  const signed = a.intIn('signed', 1, [0, 1], 'a boolean') === 1;
  const narrow = a.intIn('narrow', 0, [0, 1], 'a boolean') === 1;
  const rounding = roundingOf(ctx, node, 'ROUND');
  const xv = ctx.inputValue(node, 0, 'X');
  const scale = ctx.constant(node, 1, 'scale');
  const zeropt = ctx.constant(node, 2, 'zeropt');
  const bits = scalarInt(ctx, node, 3, 'bitwidth', 1, 32);
  if (
    xv === undefined ||
    scale === undefined ||
    zeropt === undefined ||
    bits === undefined ||
    rounding === undefined
  ) {
    return false;
  }
  const format = formatOf(ctx, node, signed, bits, narrow);
  const s = scaled(ctx, node, ctx.valueShape(xv), scale, zeropt, [1, 2]);
  if (format === undefined || s === undefined) return false;
  const spec = makeSpec({
    format,
    scales: s.scales,
    zeroPoints: s.zeroPoints,
    axis: s.axis,
    narrow: narrow && format !== 'binary',
    rounding: format === 'binary' ? undefined : rounding,
  });
  noteZeroPoint(ctx, spec, rounding);
  return applyQuant(ctx, node, xv, spec, (x) => qonnxCodes(x, s, spec, rounding));
};

const bipolarQuant: Converter = (ctx, node) => {
  ctx.attrs(node).checkKnown([]);
  const xv = ctx.inputValue(node, 0, 'X');
  const scale = ctx.constant(node, 1, 'scale');
  if (xv === undefined || scale === undefined) return false;
  const s = scaled(ctx, node, ctx.valueShape(xv), scale, undefined, [1, 1]);
  if (s === undefined) return false;
  const spec = makeSpec({ format: 'binary', scales: s.scales, zeroPoints: [0], axis: s.axis });
  return applyQuant(ctx, node, xv, spec, (x) => qonnxCodes(x, s, spec, 'nearest-even'));
};

/**
 * Trunc (QONNX v1: X, scale, zeropt, in_bitwidth, out_bitwidth; v2: … in_bitwidth, out_scale,
 * out_bitwidth; qonnx's code: … out_scale, out_zeropt, out_bitwidth) as a requantization to
 * {int<out_bitwidth>, out_scale, zeropt / (out_scale/scale), rounding_mode (default FLOOR)}.
 */
const trunc: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['narrow', 'rounding_mode', 'signed']);
  const signed = a.intIn('signed', 1, [0, 1], 'a boolean') === 1;
  const narrow = a.intIn('narrow', 0, [0, 1], 'a boolean') === 1;
  const rounding = roundingOf(ctx, node, 'FLOOR');
  const n = node.inputs.length;
  if (n < 5 || n > 7) {
    ctx.fail(
      node,
      'inputs',
      `${n} inputs`,
      '5 to 7 inputs [X, scale, zeropt, in_bitwidth, (out_scale, (out_zeropt,)) out_bitwidth]',
    );
    return false;
  }
  const xv = ctx.inputValue(node, 0, 'X');
  const scale = ctx.constant(node, 1, 'scale');
  const zeropt = ctx.constant(node, 2, 'zeropt');
  const inBits = scalarInt(ctx, node, 3, 'in_bitwidth', 1, 32);
  const outBits = scalarInt(ctx, node, n - 1, 'out_bitwidth', 1, 32);
  const outScale = n >= 6 ? ctx.constant(node, 4, 'out_scale') : scale;
  if (
    xv === undefined ||
    scale === undefined ||
    zeropt === undefined ||
    inBits === undefined ||
    outBits === undefined ||
    outScale === undefined ||
    rounding === undefined
  ) {
    return false;
  }
  if (xv.kind === 'const') {
    ctx.fail(
      node,
      'inputs[0] (X)',
      showValue(node.inputs[0]),
      'an activation (a constant Trunc is not folded)',
    );
    return false;
  }
  const format = formatOf(ctx, node, signed, outBits, narrow);
  const shape = ctx.valueShape(xv);
  const sIn = scaled(ctx, node, shape, scale, zeropt, [1, 2]);
  const sOut = scaled(ctx, node, shape, outScale, undefined, [n >= 6 ? 4 : 1, 2]);
  if (format === undefined || sIn === undefined || sOut === undefined) return false;
  const shift = n === 5 ? 2 ** (inBits - outBits) : 1;
  const scales = sOut.scales.map((v) => Math.fround(v * shift));
  const ratio = (i: number): number => scales[i]! / sIn.scales[sIn.scales.length === 1 ? 0 : i]!;
  const truncScales = scales.map((_, i) => 2 ** Math.round(Math.log2(ratio(i))));
  if (scales.some((_, i) => truncScales[i] !== ratio(i))) {
    ctx.note('QONNX Trunc with out_scale / scale not a power of two: read with out_scale as given');
  }
  const zeroPoints = (sIn.zeroPoints.length === 1 ? [sIn.zeroPoints[0]!] : sIn.zeroPoints).map(
    (z, i) => z / truncScales[truncScales.length === 1 ? 0 : i]!,
  );
  if (zeroPoints.some((z) => !Number.isInteger(z))) {
    ctx.fail(
      node,
      'inputs[2] (zeropt)',
      showValue(sIn.zeroPoints),
      'a zero point that stays an integer after truncation',
    );
    return false;
  }
  const spec = makeSpec({
    format,
    scales,
    zeroPoints,
    axis: sOut.axis ?? sIn.axis,
    narrow: narrow && format !== 'binary',
    rounding,
  });
  ctx.note(
    'QONNX Trunc is read as a requantization of its input (exact when the input lies on its scale / zeropt grid)',
  );
  noteZeroPoint(ctx, spec, rounding);
  return applyQuant(ctx, node, xv, spec, () => new Float64Array(0));
};

export const QONNX_CONVERTERS: ReadonlyMap<string, Converter> = new Map<string, Converter>([
  ['Quant', quant],
  ['IntQuant', quant],
  ['BipolarQuant', bipolarQuant],
  ['Trunc', trunc],
]);
