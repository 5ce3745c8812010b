/**
 * The op registry: one definition per op in OP_TYPES (validation, shape inference, MAC count,
 * float32 reference kernel).
 *
 * Numerics of the reference kernels: inputs and outputs are float32; conv2d, dense and matmul
 * accumulate bias + Σ products in float64 (each product of two float32s is exact in float64) and
 * round once per output to float32, so their results do not depend on loop order to within float32
 * rounding; pools, normalizations and activations likewise compute in float64 and round once.
 */
import type { FloatTensor, Node, OpType, Shape } from '../ir.js';
import { showAttr, type OpProblem } from './check.js';
import { conv2dOp } from './conv.js';
import type { OpEntry } from './define.js';
import { addOp, clipOp, geluOp, mulOp, relu6Op, reluOp, sigmoidOp } from './elementwise.js';
import { concatOp, flattenOp, reshapeOp, transposeOp } from './layout.js';
import { denseOp, matmulOp } from './linear.js';
import { batchnormOp, layernormOp, lrnOp, softmaxOp } from './normalization.js';
import { avgpoolOp, globalavgpoolOp, maxpoolOp } from './pool.js';
import { dequantizeOp, requantizeOp } from './requantize.js';

export type OpTable = { readonly [K in OpType]: OpEntry<K> };

export const OPS: OpTable = {
  conv2d: conv2dOp,
  dense: denseOp,
  matmul: matmulOp,
  maxpool: maxpoolOp,
  avgpool: avgpoolOp,
  globalavgpool: globalavgpoolOp,
  add: addOp,
  mul: mulOp,
  concat: concatOp,
  relu: reluOp,
  relu6: relu6Op,
  clip: clipOp,
  gelu: geluOp,
  sigmoid: sigmoidOp,
  softmax: softmaxOp,
  batchnorm: batchnormOp,
  layernorm: layernormOp,
  lrn: lrnOp,
  reshape: reshapeOp,
  flatten: flattenOp,
  transpose: transposeOp,
  requantize: requantizeOp,
  dequantize: dequantizeOp,
};

export function getOpDefinition<K extends OpType>(op: K): OpEntry<K> {
  return OPS[op];
}

export function isOpType(op: unknown): op is OpType {
  return typeof op === 'string' && Object.hasOwn(OPS, op);
}

/** The op's entry, typed against a node of the union (the link TypeScript cannot see). */
function entryFor(node: Node): OpEntry<OpType> {
  return OPS[node.op];
}

/** Structured problems of one node (unknown op included). */
export function checkNode(node: Node, inputShapes: readonly Shape[]): OpProblem[] {
  const op: unknown = node.op;
  if (!isOpType(op)) {
    return [{ path: 'op', value: showAttr(op), expected: `one of ${Object.keys(OPS).join(', ')}` }];
  }
  return entryFor(node).check(node, inputShapes);
}

export function inferNodeShapes(node: Node, inputShapes: readonly Shape[]): Shape[] {
  return entryFor(node).inferShapes(node, inputShapes);
}

export function nodeMacs(node: Node, inputShapes: readonly Shape[], outputShapes: readonly Shape[]): number {
  return entryFor(node).macs(node, inputShapes, outputShapes);
}

export function nodeReference(node: Node, inputs: readonly FloatTensor[]): FloatTensor[] {
  return entryFor(node).reference(node, inputs);
}

export function inputRoleOf(node: Node, index: number): string {
  return isOpType(node.op) ? entryFor(node).inputRole(index) : `input ${index}`;
}

export { type OpEntry } from './define.js';
export { type OpProblem, formatProblem } from './check.js';
