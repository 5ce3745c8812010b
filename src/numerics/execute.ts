/**
 * The bit-accurate executor: runs a Graph with the arithmetic of a target.
 *
 * - MAC ops (conv2d, dense, matmul) whose two operands are quantized run in the integer /
 *   accumulator domain (mac.ts): operands (stored − zp), the accumulator format with its overflow
 *   rule, k in mapping/gemm.ts order, optional partial sums, int32 bias first, then requantization
 *   (requant.ts) or real output. A MAC op with an unquantized operand (quantized activations ×
 *   float weights, or the reverse) runs in float: operands dequantized, the float32 reference
 *   kernel, and QuantizeLinear if its output is quantized.
 * - requantize, dequantize, fused relu/clip, maxpool and layout ops on quantized tensors: ops.ts.
 * - Everything else: dequantize, float32 reference kernel (graph/ops), quantize the output.
 *
 * Inputs, parameters and outputs: see types.ts. The graph is validated first (graph/analyze.ts), so
 * every shape here is known good. Pure and synchronous: the same graph, inputs and options give the
 * same bits.
 */
import { parseFormat } from '../formats/index.js';
import { analyzeGraph, isParamTensor } from '../graph/analyze.js';
import {
  elementCount,
  type Graph,
  type Node,
  type QuantSpec,
  type Shape,
  type TensorInfo,
} from '../graph/ir.js';
import { InputError } from '../units/errors.js';
import { isMacNode, runQuantizedMac, runsQuantized } from './mac.js';
import {
  clampCodes,
  isLayoutNode,
  layoutKeepsCodes,
  maxpoolCodes,
  moveCodes,
  runDequantize,
  runFloat,
  runRequantize,
} from './ops.js';
import { codesOf, quantizeReal, resolveSpec, sameSpec } from './spec.js';
import type { ExecInput, ExecOptions, ExecTensor, LayerArithmetic } from './types.js';
import { floatValue, isQuantized, quantValue, toExecTensor, type QuantValue, type Value } from './value.js';

function issue(path: string, value: string, expected: string): InputError {
  return new InputError([{ path, value, expected }]);
}

/** Stored arrays already checked, per format (stored values are never mutated in place). */
const checked = new WeakMap<Float64Array, Set<string>>();

/** Every stored value is a value of the format (throws InputError naming the first that is not). */
function checkOnGrid(stored: Float64Array, format: string, path: string): void {
  let formats = checked.get(stored);
  if (formats?.has(format) === true) return;
  codesOf(stored, parseFormat(format), path);
  formats ??= new Set();
  formats.add(format);
  checked.set(stored, formats);
}

/** An ExecInput as a Value of a tensor with this shape and (optional) spec. */
function valueOf(input: ExecInput, shape: Shape, quant: QuantSpec | undefined, path: string): Value {
  const n = elementCount(shape);
  if ('stored' in input) {
    if (quant === undefined)
      throw issue(`${path}.stored`, 'stored values', 'a tensor with a QuantSpec (else give real values)');
    if (input.stored.length !== n)
      throw issue(`${path}.stored`, `${input.stored.length} values`, `${n} values`);
    checkOnGrid(input.stored, resolveSpec(quant, shape, `${path}.quant`).fmt.name, `${path}.stored`);
    return quantValue(shape, quant, input.stored);
  }
  if (input.real.length !== n) throw issue(`${path}.real`, `${input.real.length} values`, `${n} values`);
  if (quant === undefined) return floatValue(shape, input.real);
  return quantValue(shape, quant, quantizeReal(input.real, shape, quant));
}

function paramValue(info: TensorInfo, options: ExecOptions): Value {
  const path = `tensors.${info.name}`;
  if (info.stored !== undefined) return valueOf({ stored: info.stored }, info.shape, info.quant, path);
  if (info.data !== undefined) return valueOf({ real: info.data }, info.shape, info.quant, path);
  if (options.params === undefined) {
    throw issue(path, 'a shape-only tensor', 'stored values or data, or options.params to supply them');
  }
  return valueOf(options.params(info), info.shape, info.quant, `params(${info.name})`);
}

function arithmeticFor(node: Node, options: ExecOptions): LayerArithmetic {
  const own = options.perNode?.get(node.name);
  const pick = <K extends keyof LayerArithmetic>(k: K): LayerArithmetic[K] => own?.[k] ?? options[k];
  const accumulator = pick('accumulator');
  const overflow = pick('overflow');
  const requant = pick('requant');
  const partialSumRows = pick('partialSumRows');
  return {
    ...(accumulator !== undefined ? { accumulator } : {}),
    ...(overflow !== undefined ? { overflow } : {}),
    ...(requant !== undefined ? { requant } : {}),
    ...(partialSumRows !== undefined ? { partialSumRows } : {}),
  };
}

/** The QuantSpec a node gives output j. */
function outputSpec(graph: Graph, node: Node, j: number): QuantSpec | undefined {
  if (node.op === 'requantize') return node.attrs.to;
  return graph.tensors.get(node.outputs[j]!)?.quant;
}

/** One node's outputs. */
function runNode(
  node: Node,
  inputs: readonly Value[],
  outShapes: readonly Shape[],
  outSpecs: readonly (QuantSpec | undefined)[],
  la: LayerArithmetic,
): Value[] {
  const x = inputs[0]!;
  const spec = outSpecs[0];
  const sameAsInput = (v: Value): v is QuantValue =>
    isQuantized(v) && spec !== undefined && sameSpec(v.quant, spec, v.shape.length);
  if (isMacNode(node) && runsQuantized(inputs)) {
    return [runQuantizedMac(node, inputs, outShapes[0]!, spec, la)];
  }
  switch (node.op) {
    case 'requantize':
      return [runRequantize(node, x, la)];
    case 'dequantize':
      return [runDequantize(x, spec)];
    case 'relu':
    case 'relu6':
    case 'clip':
      if (sameAsInput(x)) return [clampCodes(node, x)];
      break;
    case 'maxpool':
      if (sameAsInput(x)) {
        const v = maxpoolCodes(node, x);
        if (v !== undefined) return [v];
      }
      break;
    default:
      if (isLayoutNode(node) && spec !== undefined && layoutKeepsCodes(node, inputs, spec)) {
        const v = moveCodes(node, inputs as QuantValue[], outShapes[0]!, spec);
        if (v !== undefined) return [v];
      }
  }
  return runFloat(node, inputs, outSpecs);
}

/**
 * Execute `graph` on `inputs` (one per graph input) with the given arithmetic. Returns the graph
 * outputs (options.keep 'outputs', the default) or every graph input and node output ('all').
 */
export function executeGraph(
  graph: Graph,
  inputs: ReadonlyMap<string, ExecInput>,
  options: ExecOptions = {},
): Map<string, ExecTensor> {
  const analysis = analyzeGraph(graph);
  const values = new Map<string, Value>();
  const missing = graph.inputs.filter((name) => !inputs.has(name));
  if (missing.length > 0) {
    throw new InputError(
      missing.map((name) => ({ path: `inputs.${name}`, value: '(missing)', expected: 'a value' })),
    );
  }
  for (const name of graph.inputs) {
    const shape = analysis.shapes.get(name)!;
    values.set(name, valueOf(inputs.get(name)!, shape, graph.tensors.get(name)?.quant, `inputs.${name}`));
  }
  const fetch = (name: string): Value => {
    const have = values.get(name);
    if (have !== undefined) return have;
    const v = paramValue(graph.tensors.get(name)!, options);
    values.set(name, v);
    return v;
  };
  for (const node of graph.nodes) {
    const args = node.inputs.map(fetch);
    const outShapes = node.outputs.map((o) => analysis.shapes.get(o)!);
    const outSpecs = node.outputs.map((_, j) => outputSpec(graph, node, j));
    const outs = runNode(node, args, outShapes, outSpecs, arithmeticFor(node, options));
    node.outputs.forEach((name, j) => values.set(name, outs[j]!));
  }
  const result = new Map<string, ExecTensor>();
  if (options.keep === 'all') {
    for (const [name, v] of values) {
      if (!isParamTensor(graph.tensors.get(name)) || graph.inputs.includes(name))
        result.set(name, toExecTensor(v));
    }
  } else {
    for (const name of graph.outputs) result.set(name, toExecTensor(values.get(name)!));
  }
  return result;
}
