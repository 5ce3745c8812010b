/** Test helpers: build nodes, graphs and tensors by hand. */
import type {
  FloatTensor,
  Graph,
  Node,
  NodeOf,
  OpAttrMap,
  OpType,
  Shape,
  TensorInfo,
  TensorRole,
} from '../../../src/graph/ir.js';
import { getOpDefinition } from '../../../src/graph/ops/registry.js';

export function node<K extends OpType>(
  op: K,
  attrs: OpAttrMap[K],
  inputs: readonly string[] = ['x'],
  name = `${op}0`,
): NodeOf<K> {
  return { name, op, inputs, outputs: [`${name}_out`], attrs };
}

/** A node typed as the union, for graphs. */
export function gnode<K extends OpType>(
  op: K,
  name: string,
  inputs: readonly string[],
  output: string,
  attrs: OpAttrMap[K],
): Node {
  return { name, op, inputs, outputs: [output], attrs } as Node;
}

export function tensorInfo(name: string, shape: Shape, role: TensorRole, data?: Float32Array): TensorInfo {
  return data === undefined
    ? { name, shape, role, dtype: 'float32' }
    : { name, shape, role, dtype: 'float32', data };
}

export function graphOf(parts: {
  inputs: readonly string[];
  outputs: readonly string[];
  tensors: readonly TensorInfo[];
  nodes: readonly Node[];
}): Graph {
  return {
    name: 'test',
    inputs: parts.inputs,
    outputs: parts.outputs,
    tensors: new Map(parts.tensors.map((t) => [t.name, t])),
    nodes: parts.nodes,
  };
}

export function ft(shape: Shape, values: readonly number[] | Float32Array): FloatTensor {
  return { shape, data: Float32Array.from(values) };
}

/** Deterministic pseudo-random values in [-1, 1) (a tiny LCG, independent of src/). */
export function randomData(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

export function randomTensor(shape: Shape, seed: number): FloatTensor {
  return {
    shape,
    data: randomData(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
  };
}

/** validate() of an op on given shapes. */
export function problemsOf<K extends OpType>(n: NodeOf<K>, shapes: readonly Shape[]): string[] {
  return getOpDefinition(n.op).validate(n, shapes);
}

export function shapesOf<K extends OpType>(n: NodeOf<K>, shapes: readonly Shape[]): Shape[] {
  const def = getOpDefinition(n.op);
  const problems = def.validate(n, shapes);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return def.inferShapes(n, shapes);
}

export function macsOf<K extends OpType>(n: NodeOf<K>, shapes: readonly Shape[]): number {
  const def = getOpDefinition(n.op);
  return def.macs(n, shapes, shapesOf(n, shapes));
}

export function run<K extends OpType>(n: NodeOf<K>, inputs: readonly FloatTensor[]): FloatTensor {
  const def = getOpDefinition(n.op);
  const problems = def.validate(
    n,
    inputs.map((t) => t.shape),
  );
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return def.reference(n, inputs)[0]!;
}

export const conv = (
  over: Partial<OpAttrMap['conv2d']> & { outChannels: number; kernel: readonly [number, number] },
): OpAttrMap['conv2d'] => ({ stride: [1, 1], pads: [0, 0, 0, 0], dilation: [1, 1], groups: 1, ...over });

export const pool = (
  over: Partial<OpAttrMap['maxpool']> & { kernel: readonly [number, number] },
): OpAttrMap['maxpool'] => ({
  stride: [1, 1],
  pads: [0, 0, 0, 0],
  ceilMode: false,
  countIncludePad: false,
  ...over,
});
