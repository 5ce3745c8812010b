/**
 * requantize: re-express x in the QuantSpec `attrs.to`. The float reference is ONNX
 * QuantizeLinear followed by DequantizeLinear with that spec (formats/quantizeLinear and
 * dequantizeLinear, bit for bit), so its output is the real value the quantized tensor stands for.
 *
 * Granularity follows formats/quantize.ts (ONNX): one scale is per tensor; otherwise one per index
 * of `axis` (default 1), or with `blockSize` one per block, the scale tensor having x's shape with
 * dim[axis] → ceil(dim[axis] / blockSize).
 */
import { dequantizeLinear, parseFormat, quantizeLinear } from '../../formats/index.js';
import { InputError } from '../../units/errors.js';
import { elementCount, type FloatTensor, type NodeOf, type QuantSpec, type Shape } from '../ir.js';
import {
  checkAxis,
  checkInputCount,
  isFiniteNumber,
  isNonNegativeInt,
  normalizeAxis,
  problem,
  showAttr,
  type OpProblem,
} from './check.js';
import { defineOp, rolesFrom } from './define.js';

function asList(v: number | readonly number[]): readonly number[] {
  return typeof v === 'number' ? [v] : v;
}

function checkFormatName(format: unknown): OpProblem[] {
  if (typeof format !== 'string' || format.length === 0) {
    return [problem('attrs.to.format', showAttr(format), 'a format name such as "int8"')];
  }
  try {
    parseFormat(format);
    return [];
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.issues.map((i) => problem('attrs.to.format', showAttr(format), i.expected));
  }
}

function checkScales(spec: QuantSpec): OpProblem[] {
  const scale: unknown = spec.scale;
  const zp: unknown = spec.zeroPoint;
  const out: OpProblem[] = [];
  const positive = (s: unknown): boolean => isFiniteNumber(s) && s > 0;
  const scaleOk = positive(scale) || (Array.isArray(scale) && scale.length > 0 && scale.every(positive));
  if (!scaleOk)
    out.push(
      problem('attrs.to.scale', showAttr(scale), 'a positive finite number or a non-empty list of them'),
    );
  const zpOk = isFiniteNumber(zp) || (Array.isArray(zp) && zp.every(isFiniteNumber));
  if (!zpOk) out.push(problem('attrs.to.zeroPoint', showAttr(zp), 'a finite number or a list of them'));
  if (out.length > 0) return out;
  const n = asList(spec.scale).length;
  const z = asList(spec.zeroPoint).length;
  return z === 1 || z === n
    ? []
    : [problem('attrs.to.zeroPoint', `${z} zero points`, `1 or ${n} (one per scale)`)];
}

/** Every zero point must be a value of the format (ONNX: the zero point has the output type). */
function checkZeroPoints(spec: QuantSpec): OpProblem[] {
  const fmt = parseFormat(spec.format);
  const out: OpProblem[] = [];
  asList(spec.zeroPoint).forEach((zp, i) => {
    // binary has no 0 value, yet 0 is its (only) zero point, as for ternary and pow2.
    const zeroOnly = fmt.kind === 'binary' || fmt.kind === 'ternary' || fmt.kind === 'pow2';
    const exact = fmt.quantize(zp, { rounding: 'nearest-even', overflow: 'saturate' });
    if (zeroOnly ? zp !== 0 : !Number.isFinite(zp) || exact !== zp) {
      const path = typeof spec.zeroPoint === 'number' ? 'attrs.to.zeroPoint' : `attrs.to.zeroPoint[${i}]`;
      out.push(
        problem(
          path,
          String(zp),
          `a value of ${fmt.name} (${fmt.minValue} … ${fmt.maxValue}, exactly representable)`,
        ),
      );
    }
  });
  return out;
}

function checkGranularity(spec: QuantSpec, shape: Shape): OpProblem[] {
  const n = asList(spec.scale).length;
  if (n === 1) return [];
  const axisValue = spec.axis ?? 1;
  const axis = checkAxis('attrs.to.axis', axisValue, shape.length);
  const blockSize: unknown = spec.blockSize ?? 0;
  const block = isNonNegativeInt(blockSize)
    ? []
    : [problem('attrs.to.blockSize', showAttr(blockSize), 'a positive integer (or 0: no blocks)')];
  if (axis.length > 0 || block.length > 0) return [...axis, ...block];
  const ax = normalizeAxis(axisValue, shape.length);
  const dim = shape[ax]!;
  const b = spec.blockSize ?? 0;
  const want = b === 0 ? dim : (elementCount(shape) / dim) * Math.ceil(dim / b);
  if (n === want) return [];
  const what = b === 0 ? `one per index of axis ${ax}` : `x's shape with dim ${ax} = ceil(${dim} / ${b})`;
  return [problem('attrs.to.scale', `${n} scales`, `1 or ${want} (${what})`)];
}

function checkRequantize(node: NodeOf<'requantize'>, shapes: readonly Shape[]): OpProblem[] {
  const count = checkInputCount(shapes.length, 1, 1, '[x]');
  const to: unknown = node.attrs.to;
  if (typeof to !== 'object' || to === null) {
    return [
      ...count,
      problem('attrs.to', showAttr(to), 'a QuantSpec { format, scale, zeroPoint, axis?, blockSize? }'),
    ];
  }
  const spec = node.attrs.to;
  const format = checkFormatName(spec.format);
  const scales = checkScales(spec);
  if (count.length > 0 || scales.length > 0) return [...count, ...format, ...scales];
  const zeroPoints = format.length === 0 ? checkZeroPoints(spec) : [];
  return [...format, ...zeroPoints, ...checkGranularity(spec, shapes[0]!)];
}

function requantizeReference(node: NodeOf<'requantize'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const x = inputs[0]!;
  const spec = node.attrs.to;
  const codes = quantizeLinear(x.data, x.shape, spec);
  return [{ shape: [...x.shape], data: dequantizeLinear(codes, x.shape, spec) }];
}

export const requantizeOp = defineOp({
  op: 'requantize',
  inputRole: rolesFrom(['x']),
  checkOp: checkRequantize,
  inferShapes: (_node, shapes) => [[...shapes[0]!]],
  reference: requantizeReference,
});

/**
 * dequantize: a quantized tensor back to the real values it stands for. The float reference
 * carries real values already, so its kernel is the identity; the bit-accurate executor computes
 * (stored − zeroPoint) × scale.
 */
export const dequantizeOp = defineOp({
  op: 'dequantize',
  inputRole: rolesFrom(['x']),
  checkOp: (_node, shapes) => checkInputCount(shapes.length, 1, 1, '[x]'),
  inferShapes: (_node, shapes) => [[...shapes[0]!]],
  reference: (_node, inputs) => [{ shape: [...inputs[0]!.shape], data: new Float32Array(inputs[0]!.data) }],
});
