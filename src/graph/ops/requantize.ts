/**
 * requantize: re-express x in the QuantSpec `attrs.to`. The float reference quantizes each value
 * to that format (x / scale + zeroPoint, rounded and saturated by the format) and dequantizes it
 * back ((q − zeroPoint) · scale), so its output is the real value the quantized tensor stands for.
 * Scales are per tensor, per channel (`axis`) or per block (`axis`, `blockSize`).
 */
import type { FloatTensor, NodeOf, QuantSpec, Shape } from '../ir.js';
import { showValue } from '../../units/errors.js';
import { checkAxis, checkInputCount, isFiniteNumber, isPositiveInt, normalizeAxis, problem, type OpProblem } from './check.js';
import { defineOp, rolesFrom } from './define.js';
import { product } from './tensor.js';

/** Rounds a value (already in the format's code domain, i.e. scaled) to the format's grid. */
export type FormatQuantizer = (v: number) => number;

/** Resolves a format name to its quantizer; throws for unknown names. */
export type FormatResolver = (format: string) => FormatQuantizer;

function asList(v: number | readonly number[]): readonly number[] {
  return typeof v === 'number' ? [v] : v;
}

function checkScales(spec: QuantSpec): OpProblem[] {
  const scale: unknown = spec.scale;
  const zp: unknown = spec.zeroPoint;
  const out: OpProblem[] = [];
  const scaleOk = (isFiniteNumber(scale) && scale > 0) || (Array.isArray(scale) && scale.length > 0 && scale.every((s) => isFiniteNumber(s) && s > 0));
  if (!scaleOk) out.push(problem('attrs.to.scale', showValue(scale), 'a positive finite number or a non-empty list of them'));
  const zpOk = isFiniteNumber(zp) || (Array.isArray(zp) && zp.every(isFiniteNumber));
  if (!zpOk) out.push(problem('attrs.to.zeroPoint', showValue(zp), 'a finite number or a list of them'));
  if (out.length > 0) return out;
  const n = asList(spec.scale).length;
  const z = asList(spec.zeroPoint).length;
  if (z !== 1 && z !== n) out.push(problem('attrs.to.zeroPoint', showValue(zp), `one zero point or ${n} (one per scale)`));
  return out;
}

/** Number of scales the spec needs for a tensor of `shape` (1 when per tensor). */
function expectedScaleCount(spec: QuantSpec, shape: Shape): number {
  if (spec.axis === undefined) return 1;
  const dim = shape[normalizeAxis(spec.axis, shape.length)]!;
  return spec.blockSize === undefined ? dim : Math.ceil(dim / spec.blockSize);
}

function checkGranularity(spec: QuantSpec, shape: Shape): OpProblem[] {
  const n = asList(spec.scale).length;
  if (spec.axis === undefined) {
    return n === 1 ? [] : [problem('attrs.to.axis', '(missing)', `a channel axis, since attrs.to.scale has ${n} entries`)];
  }
  const axis = checkAxis('attrs.to.axis', spec.axis, shape.length);
  const block = spec.blockSize === undefined || isPositiveInt(spec.blockSize) ? [] : [problem('attrs.to.blockSize', showValue(spec.blockSize), 'a positive integer')];
  if (axis.length > 0 || block.length > 0) return [...axis, ...block];
  const want = expectedScaleCount(spec, shape);
  if (n === 1 || n === want) return [];
  const what = spec.blockSize === undefined ? 'one per channel along attrs.to.axis' : `one per block of ${spec.blockSize} along attrs.to.axis`;
  return [problem('attrs.to.scale', `${n} scales`, `1 or ${want} (${what})`)];
}

function checkRequantize(node: NodeOf<'requantize'>, shapes: readonly Shape[]): OpProblem[] {
  const count = checkInputCount(shapes.length, 1, 1, '[x]');
  const to: unknown = node.attrs.to;
  if (typeof to !== 'object' || to === null) return [...count, problem('attrs.to', showValue(to), 'a QuantSpec { format, scale, zeroPoint, axis?, blockSize? }')];
  const spec = node.attrs.to;
  const format: unknown = spec.format;
  const formatProblems = typeof format === 'string' && format.length > 0 ? [] : [problem('attrs.to.format', showValue(format), 'a format name such as "int8"')];
  const scales = checkScales(spec);
  if (count.length > 0 || scales.length > 0) return [...count, ...formatProblems, ...scales];
  return [...formatProblems, ...checkGranularity(spec, shapes[0]!)];
}

/** For each element of x, the index of its scale / zero point. */
function paramIndexer(spec: QuantSpec, shape: Shape): (flat: number) => number {
  if (spec.axis === undefined || asList(spec.scale).length === 1) return () => 0;
  const axis = normalizeAxis(spec.axis, shape.length);
  const inner = product(shape, axis + 1);
  const dim = shape[axis]!;
  const block = spec.blockSize ?? 1;
  return (flat) => Math.floor((Math.floor(flat / inner) % dim) / block);
}

/** Quantize-dequantize every element of x through `quantize` with the spec's scales. */
export function fakeQuantize(x: FloatTensor, spec: QuantSpec, quantize: FormatQuantizer): FloatTensor {
  const scales = asList(spec.scale);
  const zps = asList(spec.zeroPoint);
  const index = paramIndexer(spec, x.shape);
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const p = index(i);
    const s = scales[p]!;
    const z = zps.length === 1 ? zps[0]! : zps[p]!;
    out[i] = (quantize(x.data[i]! / s + z) - z) * s;
  }
  return { shape: [...x.shape], data: out };
}

let resolver: FormatResolver | undefined;

/**
 * Install how format names are resolved (graph/ops cannot know formats/ is ready at import time;
 * registry.ts installs formats/parseFormat once it exists).
 */
export function setFormatResolver(r: FormatResolver): void {
  resolver = r;
}

function requantizeReference(node: NodeOf<'requantize'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  if (resolver === undefined) throw new Error('requantize: no number-format resolver installed (formats/ not available)');
  return [fakeQuantize(inputs[0]!, node.attrs.to, resolver(node.attrs.to.format))];
}

export const requantizeOp = defineOp({
  op: 'requantize',
  inputRole: rolesFrom(['x']),
  checkOp: checkRequantize,
  inferShapes: (_node, shapes) => [[...shapes[0]!]],
  reference: requantizeReference,
});
