/**
 * The executor's non-MAC ops.
 *
 * Code domain (the output has the input's QuantSpec, so no rescaling is needed):
 *  - relu / relu6 / clip ("fused" activations): q ↦ min(max(q, q_lo), q_hi) with q_lo, q_hi the
 *    stored values the bounds quantize to (relu: q_lo = the zero point's value);
 *  - maxpool: the max of stored values (real = (q − zp)·s is increasing in q);
 *  - reshape / flatten (per-tensor specs), transpose (per tensor, or keeping the channel axis in
 *    place), concat (every input with the output's spec): stored values move unchanged.
 * requantize: a float input is ONNX QuantizeLinear; an integer-like input into an int / fixed
 * output is the integer change of scale of requant.ts ((q − zp_x) · M + zp_y with M = s_x / s_y);
 * any other pair dequantizes and quantizes again. dequantize: ONNX DequantizeLinear (rounded to
 * float16 when the scale is float16).
 * Everything else (and the ops above when specs differ): inputs dequantized, the op's float32
 * reference kernel (graph/ops), and QuantizeLinear when the output has a QuantSpec. add / mul with
 * quantized inputs and output are thereby QLinearAdd / QLinearMul: dequantize, float op, quantize.
 */
import { elementCount, type Node, type NodeOf, type QuantSpec, type Shape } from '../graph/ir.js';
import { effectivePerm } from '../graph/ops/layout.js';
import { nodeReference } from '../graph/ops/registry.js';
import { outputGrid, requantizer, scaler } from './requant.js';
import {
  isIntegerLike,
  isPerTensor,
  isUniformGrid,
  operandUnit,
  quantizeReal,
  quantizeScalar,
  resolveSpec,
  sameSpec,
  scaleRounder,
} from './spec.js';
import type { LayerArithmetic } from './types.js';
import { asFloatTensor, floatValue, isQuantized, quantValue, type QuantValue, type Value } from './value.js';

/** Dequantize the inputs, run the float reference kernel, quantize outputs that have a spec. */
export function runFloat(
  node: Node,
  inputs: readonly Value[],
  outSpecs: readonly (QuantSpec | undefined)[],
): Value[] {
  const outs = nodeReference(node, inputs.map(asFloatTensor));
  return outs.map((t, j) => {
    const spec = outSpecs[j];
    return spec === undefined
      ? floatValue(t.shape, t.data)
      : quantValue(t.shape, spec, quantizeReal(t.data, t.shape, spec));
  });
}

// ---- requantize / dequantize ------------------------------------------------------------------

export function runRequantize(node: NodeOf<'requantize'>, x: Value, la: LayerArithmetic): Value {
  const to = node.attrs.to;
  if (!isQuantized(x)) return quantValue(x.shape, to, quantizeReal(x.real(), x.shape, to));
  const rx = resolveSpec(x.quant, x.shape, `nodes.${node.name}.inputs[0].quant`);
  const ry = resolveSpec(to, x.shape, `nodes.${node.name}.attrs.to`);
  if (!isIntegerLike(rx.fmt) || !isUniformGrid(ry.fmt)) {
    return quantValue(x.shape, to, quantizeReal(x.real(), x.shape, to));
  }
  const rq = requantizer(la.requant, to.rounding);
  const grid = outputGrid(ry.fmt, to.narrow);
  const ux = operandUnit(rx.fmt);
  const round = scaleRounder(x.quant.scaleType);
  const scalers = new Map<number, (v: number) => number>();
  const ny = ry.scales.length;
  const scalerFor = (px: number, py: number): ((v: number) => number) => {
    const key = px * ny + py;
    let f = scalers.get(key);
    if (f === undefined) {
      const sx = rx.scales[px]!;
      const sy = ry.scales[py]!;
      const m = rq.mode === 'float' ? round(sx / sy) : sx / sy;
      f = scaler(rq, (m * ux) / grid.step, ry.zeroPoints[py]! / grid.step, grid);
      scalers.set(key, f);
    }
    return f;
  };
  const stored = new Float64Array(x.stored.length);
  for (let i = 0; i < stored.length; i++) {
    const px = rx.paramOf(i);
    const py = ry.paramOf(i);
    stored[i] = scalerFor(px, py)((x.stored[i]! - rx.zeroPoints[px]!) / ux) * grid.step;
  }
  return quantValue(x.shape, to, stored);
}

export function runDequantize(x: Value, outSpec: QuantSpec | undefined): Value {
  const real = x.real();
  if (outSpec === undefined) return floatValue(x.shape, real);
  return quantValue(x.shape, outSpec, quantizeReal(real, x.shape, outSpec));
}

// ---- code-domain ops ---------------------------------------------------------------------------

type ClampNode = NodeOf<'relu'> | NodeOf<'relu6'> | NodeOf<'clip'>;

function bounds(node: ClampNode): [number, number] {
  if (node.op === 'relu') return [0, Infinity];
  if (node.op === 'relu6') return [0, 6];
  return [node.attrs.min, node.attrs.max];
}

/** relu / relu6 / clip on stored values (the output has the input's spec). */
export function clampCodes(node: ClampNode, x: QuantValue): Value {
  const r = resolveSpec(x.quant, x.shape);
  const [lo, hi] = bounds(node);
  const qlo = Float64Array.from(r.scales, (_, p) => quantizeScalar(lo, r, p));
  const qhi = Float64Array.from(r.scales, (_, p) => quantizeScalar(hi, r, p));
  const out = new Float64Array(x.stored.length);
  for (let i = 0; i < out.length; i++) {
    const p = r.paramOf(i);
    const v = x.stored[i]!;
    out[i] = v < qlo[p]! ? qlo[p]! : v > qhi[p]! ? qhi[p]! : v;
  }
  return quantValue(x.shape, x.quant, out);
}

/** Stored values as float32 when every one is exact there, else undefined. */
function exactFloat32(stored: Float64Array): Float32Array | undefined {
  const f = Float32Array.from(stored);
  for (let i = 0; i < f.length; i++) if (f[i] !== stored[i] && !Number.isNaN(stored[i]!)) return undefined;
  return f;
}

/** maxpool of stored values, or undefined when they do not fit float32 exactly. */
export function maxpoolCodes(node: NodeOf<'maxpool'>, x: QuantValue): Value | undefined {
  const f = exactFloat32(x.stored);
  if (f === undefined) return undefined;
  const [out] = nodeReference(node, [{ shape: x.shape, data: f }]);
  return quantValue(out!.shape, x.quant, Float64Array.from(out!.data));
}

type LayoutNode = NodeOf<'reshape'> | NodeOf<'flatten'> | NodeOf<'transpose'> | NodeOf<'concat'>;

export function isLayoutNode(node: Node): node is LayoutNode {
  return node.op === 'reshape' || node.op === 'flatten' || node.op === 'transpose' || node.op === 'concat';
}

/** Can stored values move unchanged from the inputs to an output of spec `out`? */
export function layoutKeepsCodes(node: LayoutNode, inputs: readonly Value[], out: QuantSpec): boolean {
  if (!inputs.every((v) => isQuantized(v) && sameSpec(v.quant, out, v.shape.length))) return false;
  if (isPerTensor(out)) return true;
  if (node.op === 'concat') return true; // equal specs: the channel scales cover the output's axis
  if (node.op !== 'transpose') return false;
  const rank = inputs[0]!.shape.length;
  const axis = out.axis ?? 1;
  const a = axis < 0 ? axis + rank : axis;
  return effectivePerm(node.attrs.perm, rank)[a] === a;
}

const INDEX_LIMIT = 2 ** 24;

/**
 * Move stored values as the op moves elements: the float kernel run on element indices (exact in
 * float32 below 2^24 elements) gives the source of each output element.
 */
export function moveCodes(
  node: LayoutNode,
  inputs: readonly QuantValue[],
  outShape: Shape,
  spec: QuantSpec,
): Value | undefined {
  if (node.op === 'reshape' || node.op === 'flatten') return quantValue(outShape, spec, inputs[0]!.stored);
  const total = inputs.reduce((s, v) => s + v.stored.length, 0);
  if (total >= INDEX_LIMIT) return undefined;
  const all = new Float64Array(total);
  let base = 0;
  const tensors = inputs.map((v) => {
    all.set(v.stored, base);
    const idx = new Float32Array(v.stored.length);
    for (let i = 0; i < idx.length; i++) idx[i] = base + i;
    base += idx.length;
    return { shape: v.shape, data: idx };
  });
  const [out] = nodeReference(node, tensors);
  const src = out!.data;
  const stored = new Float64Array(elementCount(outShape));
  for (let i = 0; i < stored.length; i++) stored[i] = all[src[i]!]!;
  return quantValue(outShape, spec, stored);
}
