/** Graph builders and ONNX node-test loading for the executor tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type AttributeProto } from 'onnx-buf';
import type {
  Conv2dAttrs,
  Graph,
  Node,
  OpAttrMap,
  OpType,
  QuantSpec,
  Shape,
  TensorInfo,
  TensorRole,
} from '../../src/graph/ir.js';
import { readTensorFile, type OnnxTensor } from '../../src/graph/import/onnx-tensor.js';
import { Rng } from '../../src/units/index.js';
import { onnxNodeTestsDir } from '../formats/helpers.js';

export interface TensorOpts {
  readonly role?: TensorRole;
  readonly quant?: QuantSpec;
  readonly stored?: readonly number[];
  readonly data?: readonly number[];
}

export function tensor(name: string, shape: Shape, opts: TensorOpts = {}): TensorInfo {
  return {
    name,
    shape,
    role: opts.role ?? 'activation',
    dtype: 'float32',
    ...(opts.quant !== undefined ? { quant: opts.quant } : {}),
    ...(opts.stored !== undefined ? { stored: Float64Array.from(opts.stored) } : {}),
    ...(opts.data !== undefined ? { data: Float32Array.from(opts.data) } : {}),
  };
}

export function node<K extends OpType>(
  name: string,
  op: K,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: OpAttrMap[K],
): Node {
  return { name, op, inputs, outputs, attrs } as unknown as Node;
}

export function graphOf(
  tensors: readonly TensorInfo[],
  nodes: readonly Node[],
  inputs: readonly string[],
  outputs: readonly string[],
): Graph {
  return { name: 'test', inputs, outputs, tensors: new Map(tensors.map((t) => [t.name, t])), nodes };
}

export function convAttrs(
  a: Partial<Conv2dAttrs> & { outChannels: number; kernel: [number, number] },
): Conv2dAttrs {
  return { stride: [1, 1], pads: [0, 0, 0, 0], dilation: [1, 1], groups: 1, ...a };
}

/** A per-tensor spec. */
export function q(format: string, scale: number, zeroPoint = 0, extra: Partial<QuantSpec> = {}): QuantSpec {
  return { format, scale, zeroPoint, ...extra };
}

// ---- ONNX node tests ---------------------------------------------------------------------------

export interface OnnxCase {
  readonly op: string;
  readonly attrs: ReadonlyMap<string, AttributeProto>;
  /** The node's inputs in order (absent optional inputs are undefined). */
  readonly inputs: readonly (OnnxTensor | undefined)[];
  readonly output: OnnxTensor;
}

export function loadOnnxCase(name: string): OnnxCase {
  const dir = path.join(onnxNodeTestsDir(), name);
  const model = fromBinary(ModelProtoSchema, readFileSync(path.join(dir, 'model.onnx')));
  const graph = model.graph!;
  const node = graph.node[0]!;
  const byName = new Map<string, OnnxTensor>();
  graph.input.forEach((input, k) => {
    byName.set(input.name, readTensorFile(path.join(dir, 'test_data_set_0', `input_${k}.pb`)));
  });
  return {
    op: node.opType,
    attrs: new Map(node.attribute.map((a) => [a.name, a])),
    inputs: node.input.map((n) => (n === '' ? undefined : byName.get(n))),
    output: readTensorFile(path.join(dir, 'test_data_set_0', 'output_0.pb')),
  };
}

export function intAttr(c: OnnxCase, name: string, fallback: number): number {
  const a = c.attrs.get(name);
  return a === undefined ? fallback : Number(a.i);
}

export function intsAttr(c: OnnxCase, name: string, fallback: readonly number[]): number[] {
  const a = c.attrs.get(name);
  return a === undefined ? [...fallback] : a.ints.map(Number);
}

export function scaleTypeOf(t: OnnxTensor): NonNullable<QuantSpec['scaleType']> {
  return t.elemTypeName === 'FLOAT16' ? 'float16' : t.elemTypeName === 'BFLOAT16' ? 'bfloat16' : 'float32';
}

/** The QuantSpec of an ONNX quantized operand from its scale and zero point tensors. */
export function onnxSpec(
  data: OnnxTensor,
  scale: OnnxTensor | undefined,
  zeroPoint: OnnxTensor | undefined,
  extra: Partial<QuantSpec> = {},
): QuantSpec {
  const scales = scale === undefined ? [1] : Array.from(scale.values);
  const zps = zeroPoint === undefined ? [0] : Array.from(zeroPoint.values);
  return {
    format: data.format!,
    scale: scales.length === 1 ? scales[0]! : scales,
    zeroPoint: zps.length === 1 ? zps[0]! : zps,
    ...(scale !== undefined ? { scaleType: scaleTypeOf(scale) } : {}),
    ...extra,
  };
}

// ---- a small float network ---------------------------------------------------------------------

export function floatData(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

function param(rng: Rng, name: string, shape: Shape, positive = false): TensorInfo {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = positive ? Float32Array.from({ length: n }, () => 0.5 + rng.next()) : floatData(rng, n);
  return { name, shape, role: 'weight', dtype: 'float32', data };
}

/** A small unquantized network touching most ops. */
export function floatNet(): Graph {
  const rng = new Rng(7);
  const a = (name: string, shape: Shape): TensorInfo => tensor(name, shape);
  const tensors = [
    tensor('x', [1, 3, 8, 8], { role: 'input' }),
    param(rng, 'w1', [4, 3, 3, 3]),
    param(rng, 'b1', [4]),
    param(rng, 'g', [4], true),
    param(rng, 'beta', [4]),
    param(rng, 'mean', [4]),
    param(rng, 'var', [4], true),
    param(rng, 'w2', [4, 1, 3, 3]),
    param(rng, 'wd', [16, 5]),
    param(rng, 'bd', [5]),
    a('c1', [1, 4, 8, 8]),
    a('bn', [1, 4, 8, 8]),
    a('r', [1, 4, 8, 8]),
    a('dw', [1, 4, 8, 8]),
    a('s', [1, 4, 8, 8]),
    a('mp', [1, 4, 4, 4]),
    a('ap', [1, 4, 2, 2]),
    a('fl', [1, 16]),
    a('fc', [1, 5]),
    a('sg', [1, 5]),
    a('y', [1, 5]),
  ];
  const pool = (k: number, s: number) =>
    ({
      kernel: [k, k],
      stride: [s, s],
      pads: [0, 0, 0, 0],
      ceilMode: false,
      countIncludePad: false,
    }) as const;
  const nodes = [
    node(
      'conv',
      'conv2d',
      ['x', 'w1', 'b1'],
      ['c1'],
      convAttrs({ outChannels: 4, kernel: [3, 3], pads: [1, 1, 1, 1] }),
    ),
    node('bn', 'batchnorm', ['c1', 'g', 'beta', 'mean', 'var'], ['bn'], { epsilon: 1e-5 }),
    node('relu', 'relu', ['bn'], ['r'], {}),
    node(
      'dw',
      'conv2d',
      ['r', 'w2'],
      ['dw'],
      convAttrs({ outChannels: 4, kernel: [3, 3], pads: [2, 2, 2, 2], dilation: [2, 2], groups: 4 }),
    ),
    node('add', 'add', ['dw', 'r'], ['s'], {}),
    node('mp', 'maxpool', ['s'], ['mp'], pool(2, 2)),
    node('ap', 'avgpool', ['mp'], ['ap'], pool(2, 2)),
    node('fl', 'flatten', ['ap'], ['fl'], { axis: 1 }),
    node('fc', 'dense', ['fl', 'wd', 'bd'], ['fc'], { units: 5 }),
    node('sg', 'sigmoid', ['fc'], ['sg'], {}),
    node('sm', 'softmax', ['sg'], ['y'], { axis: -1 }),
  ];
  return graphOf(tensors, nodes, ['x'], ['y']);
}
