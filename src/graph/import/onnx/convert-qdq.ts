/**
 * QDQ form: QuantizeLinear / DequantizeLinear (per tensor, per axis, blocked; every element type of
 * the node tests).
 *
 * - DequantizeLinear of a constant (weight codes, int32 bias) → a quantized constant: the IR tensor
 *   is named after the initializer, carries the spec, the exact stored values and their
 *   dequantization as `data`.
 * - DequantizeLinear of a quantized tensor → an alias of it (readers see its real values), checked
 *   against the tensor's spec; a `dequantize` node when its output is a graph output.
 * - QuantizeLinear of a float activation read only there → the producing node's output becomes the
 *   quantized tensor (named after the QuantizeLinear output); of a constant → codes, folded; else a
 *   `requantize` node.
 *
 * bitcycle's own exporter marks its Q/DQ nodes with metadata: `bitcycle.op` = requantize /
 * dequantize (always a node), `bitcycle.format` (an integer format narrower than the element type,
 * e.g. int3 in INT8), `bitcycle.narrow` and `bitcycle.rounding` (QuantSpec fields ONNX has no
 * attribute for).
 */
import { ELEM } from './elem.js';
import { parseFormat, quantizeLinear, ROUNDING_MODES, type RoundingMode } from '../../../formats/index.js';
import { showValue } from '../../../units/errors.js';
import type { QuantSpec, Shape } from '../../ir.js';
import { onnxElemTypeName, type OnnxTensor } from '../onnx-tensor.js';
import type { Attrs } from './attrs.js';
import { quantFormatOfElem, type ImportContext, type OnnxNode, type Value } from './context.js';
import type { Converter } from './convert-float.js';
import { makeConst } from './fold.js';
import { capture } from './issues.js';
import { canonicalFormat, fitsContainer, makeSpec, paramFromStored } from './quant-spec.js';

const FLOAT8 = new Set<number>([
  ELEM.FLOAT8E4M3FN,
  ELEM.FLOAT8E4M3FNUZ,
  ELEM.FLOAT8E5M2,
  ELEM.FLOAT8E5M2FNUZ,
]);

/** The spec's scale type from the scale tensor's element type (undefined: not a float scale). */
export function scaleTypeOf(t: OnnxTensor): 'float32' | 'float16' | 'bfloat16' | undefined {
  if (t.elemType === ELEM.FLOAT) return 'float32';
  if (t.elemType === ELEM.FLOAT16) return 'float16';
  if (t.elemType === ELEM.BFLOAT16) return 'bfloat16';
  return undefined;
}

/** The format of a value's elements when they are quantization codes. */
export function valueFormat(ctx: ImportContext, v: Value): string | undefined {
  switch (v.kind) {
    case 'const':
      return quantFormatOfElem(v.tensor.elemType);
    case 'param':
      return v.param.quant.format;
    case 'tensor': {
      const q = ctx.quantOf(v.name);
      if (q !== undefined) return q.format;
      const elem = ctx.inputElem.get(v.name);
      return elem !== undefined ? quantFormatOfElem(elem) : undefined;
    }
    case 'proto':
      return undefined;
  }
}

/**
 * Granularity of an ONNX scale tensor for data of `shape`: per tensor (one element), per axis (1-D,
 * one per index of `axis`) or blocked (same rank as the data). `axis` is the attribute (undefined:
 * absent, default 1); it is kept in the spec only when given.
 */
export function granularity(
  scaleDims: readonly number[],
  count: number,
  shape: Shape,
  axis: number | undefined,
  blockSize: number,
): { axis?: number | undefined; blockSize?: number | undefined } | string {
  if (count === 1) return {};
  const rank = shape.length;
  const a = axis ?? 1;
  if (!Number.isInteger(a) || a < -rank || a >= rank) return `an axis in [-${rank}, ${rank - 1}] (axis ${a})`;
  const ax = a < 0 ? a + rank : a;
  if (blockSize > 0) {
    const ok =
      scaleDims.length === rank &&
      scaleDims.every((d, i) => (i === ax ? d === Math.ceil(shape[i]! / blockSize) : d === shape[i]));
    const want = shape.map((d, i) => (i === ax ? Math.ceil(d / blockSize) : d));
    return ok ? { axis, blockSize } : `a blocked scale of shape [${want.join(',')}]`;
  }
  return scaleDims.length === 1 && scaleDims[0] === shape[ax]
    ? { axis }
    : `one scale, or ${shape[ax]} (one per index of axis ${ax} of [${shape.join(',')}])`;
}

/** bitcycle.* metadata of an exported Q/DQ node: format override, narrow, rounding. */
function metadataParts(
  ctx: ImportContext,
  node: OnnxNode,
  container: string,
): { format: string; narrow: boolean; rounding: RoundingMode | undefined } | undefined {
  const m = node.metadata;
  let format = container;
  const override = m.get('bitcycle.format');
  if (override !== undefined) {
    const name = canonicalFormat(override);
    if (name === undefined || !fitsContainer(name, container)) {
      ctx.fail(
        node,
        'metadata_props.bitcycle.format',
        showValue(override),
        `an integer format that fits in ${container}`,
      );
      return undefined;
    }
    format = name;
  }
  const narrow = m.get('bitcycle.narrow');
  const rounding = m.get('bitcycle.rounding');
  if (narrow !== undefined && narrow !== 'true' && narrow !== 'false') {
    ctx.fail(node, 'metadata_props.bitcycle.narrow', showValue(narrow), 'true or false');
    return undefined;
  }
  if (rounding !== undefined && !(ROUNDING_MODES as readonly string[]).includes(rounding)) {
    ctx.fail(
      node,
      'metadata_props.bitcycle.rounding',
      showValue(rounding),
      `one of ${ROUNDING_MODES.join(', ')}`,
    );
    return undefined;
  }
  return { format, narrow: narrow === 'true', rounding: rounding as RoundingMode | undefined };
}

interface QdqArgs {
  readonly container: string;
  readonly scale: OnnxTensor;
  readonly zeroPoint: OnnxTensor | undefined;
  readonly shape: Shape;
  readonly a: Attrs;
}

/** The QuantSpec of a Q / DQ node (scale and zero point constant; issues otherwise). */
function qdqSpec(ctx: ImportContext, node: OnnxNode, args: QdqArgs): QuantSpec | undefined {
  const { scale, zeroPoint, shape, a } = args;
  const scaleType = scaleTypeOf(scale);
  if (scaleType === undefined) {
    ctx.fail(node, 'inputs[1] (scale)', scale.elemTypeName, 'a FLOAT, FLOAT16 or BFLOAT16 scale');
    return undefined;
  }
  const sameDims = (x: OnnxTensor, y: OnnxTensor): boolean =>
    (x.values.length === 1 && y.values.length === 1) ||
    (x.dims.length === y.dims.length && x.dims.every((d, i) => d === y.dims[i]));
  if (zeroPoint !== undefined && !sameDims(zeroPoint, scale)) {
    ctx.fail(
      node,
      'inputs[2] (zero_point)',
      `dims [${zeroPoint.dims.join(',')}]`,
      `the scale's dims [${scale.dims.join(',')}]`,
    );
    return undefined;
  }
  const axis = a.has('axis') ? a.int('axis', 1) : undefined;
  const blockSize = a.int('block_size', 0);
  const g = granularity(scale.dims, scale.values.length, shape, axis, blockSize);
  if (typeof g === 'string') {
    ctx.fail(node, 'inputs[1] (scale)', `dims [${scale.dims.join(',')}]`, g);
    return undefined;
  }
  const meta = metadataParts(ctx, node, args.container);
  if (meta === undefined) return undefined;
  const spec = makeSpec({
    format: meta.format,
    scales: Array.from(scale.values),
    zeroPoints: zeroPoint !== undefined ? Array.from(zeroPoint.values) : [0],
    axis: g.axis,
    blockSize: g.blockSize,
    narrow: meta.narrow,
    rounding: meta.rounding,
    scaleType,
  });
  return ctx.checkSpec(node, 'quant', spec, shape) ? spec : undefined;
}

function precisionOk(a: Attrs): boolean {
  const p = a.int('precision', 0);
  if (p === 0 || p === ELEM.FLOAT) return true;
  a.fail('precision', onnxElemTypeName(p), 'FLOAT or absent (division in float32)');
  return false;
}

/** The element type a QuantizeLinear produces: the zero point's, else output_dtype, else UINT8. */
function quantizeOutputType(a: Attrs, zp: OnnxTensor | undefined): number | undefined {
  const dtype = a.int('output_dtype', 0);
  if (zp !== undefined && dtype !== 0 && dtype !== zp.elemType) {
    a.fail('output_dtype', onnxElemTypeName(dtype), `the zero point's type ${zp.elemTypeName}`);
    return undefined;
  }
  return zp?.elemType ?? (dtype !== 0 ? dtype : ELEM.UINT8);
}

const quantize: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['axis', 'block_size', 'output_dtype', 'precision', 'saturate']);
  const xv = ctx.inputValue(node, 0, 'x');
  const scale = ctx.constant(node, 1, 'y_scale');
  const zp = ctx.optionalConstant(node, 2, 'y_zero_point');
  if (xv === undefined || scale === undefined || (ctx.has(node, 2) && zp === undefined) || !precisionOk(a))
    return false;
  const outType = quantizeOutputType(a, zp);
  if (outType === undefined) return false;
  const container = quantFormatOfElem(outType);
  if (container === undefined || outType === ELEM.INT32) {
    ctx.fail(
      node,
      'outputs[0] (y)',
      onnxElemTypeName(outType),
      'a quantized element type (int/uint 2–16, float8, float4)',
    );
    return false;
  }
  if (FLOAT8.has(outType) && a.int('saturate', 1) === 0) {
    a.fail('saturate', '0', '1 (a non-saturating float8 conversion cannot be expressed in a QuantSpec)');
    return false;
  }
  const spec = qdqSpec(ctx, node, { container, scale, zeroPoint: zp, shape: ctx.valueShape(xv), a });
  if (spec === undefined) return false;
  const y = node.outputs[0]!;
  const forced = node.metadata.get('bitcycle.op') === 'requantize';
  if (xv.kind === 'const' && !forced && !ctx.facts.graphOutputs.has(y)) {
    const x = xv.tensor;
    const codes = capture(ctx.issues, node.path, () =>
      quantizeLinear(Float32Array.from(x.values), x.dims, spec),
    );
    if (codes === undefined) return false;
    const fmt = parseFormat(spec.format);
    const values = Float64Array.from(codes, (c) => fmt.decode(c));
    ctx.setValue(y, {
      kind: 'const',
      tensor: makeConst(y, x.dims, outType, values, { codes, format: fmt.name }),
    });
    return true;
  }
  if (!forced && ctx.tryFold(node.inputs[0]!, y, spec)) return true;
  const x = ctx.irName(xv, node.inputs[0]!, 'constant');
  return ctx.emit(node, 'requantize', { to: spec }, [x], [{ onnx: y, quant: spec }]);
};

function dequantizeOutputOk(ctx: ImportContext, a: Attrs, scale: OnnxTensor): boolean {
  const dtype = a.int('output_dtype', 0);
  if (dtype === 0 || dtype === scale.elemType) {
    if (scale.elemType !== ELEM.FLOAT) {
      ctx.note(
        `DequantizeLinear with ${scale.elemTypeName} scales: the IR carries its output as float32 values; QuantSpec.scaleType says to round them to ${scale.elemTypeName}`,
      );
    }
    return true;
  }
  a.fail('output_dtype', onnxElemTypeName(dtype), `the scale's type ${scale.elemTypeName} (or absent)`);
  return false;
}

const dequantize: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['axis', 'block_size', 'output_dtype']);
  const xv = ctx.inputValue(node, 0, 'x');
  const scale = ctx.constant(node, 1, 'x_scale');
  const zp = ctx.optionalConstant(node, 2, 'x_zero_point');
  if (xv === undefined || scale === undefined || (ctx.has(node, 2) && zp === undefined)) return false;
  if (!dequantizeOutputOk(ctx, a, scale)) return false;
  const container = valueFormat(ctx, xv);
  if (container === undefined || xv.kind === 'param') {
    ctx.fail(
      node,
      'inputs[0] (x)',
      showValue(node.inputs[0]),
      'a tensor of quantized elements (int/uint 2–32, float8, float4)',
    );
    return false;
  }
  const zpFormat = zp !== undefined ? quantFormatOfElem(zp.elemType) : undefined;
  if (zp !== undefined && (zpFormat === undefined || !fitsContainer(container, zpFormat))) {
    ctx.fail(node, 'inputs[2] (x_zero_point)', zp.elemTypeName, `elements of x's type (${container})`);
    return false;
  }
  const shape = ctx.valueShape(xv);
  const spec = qdqSpec(ctx, node, { container, scale, zeroPoint: zp, shape, a });
  if (spec === undefined) return false;
  const y = node.outputs[0]!;
  const asNode = node.metadata.get('bitcycle.op') === 'dequantize' || ctx.facts.graphOutputs.has(y);
  if (xv.kind === 'const') {
    const param = capture(ctx.issues, `${node.path}.inputs[0] (x)`, () =>
      paramFromStored(node.inputs[0]!, shape, xv.tensor.values, spec),
    );
    if (param === undefined) return false;
    if (!asNode) {
      ctx.setValue(y, { kind: 'param', param });
      return true;
    }
    return ctx.emit(node, 'dequantize', {}, [ctx.materializeParam(param, 'constant')], [{ onnx: y }]);
  }
  const x = ctx.irName(xv, node.inputs[0]!, 'constant');
  if (!ctx.requireQuant(node, 0, x, spec)) return false;
  if (asNode) return ctx.emit(node, 'dequantize', {}, [x], [{ onnx: y }]);
  ctx.setValue(y, { kind: 'tensor', name: x });
  return true;
};

export const QDQ_CONVERTERS: ReadonlyMap<string, Converter> = new Map<string, Converter>([
  ['QuantizeLinear', quantize],
  ['DequantizeLinear', dequantize],
]);
