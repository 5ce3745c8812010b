/**
 * IR graphs for the ONNX QDQ writer's round-trip tests, in the importer's canonical form (see
 * src/graph/export/onnx-qdq.ts): a small quantized ResNet-like net and a float net that uses every
 * other op.
 */
import { dequantizeLinear, parseFormat } from '../../../src/formats/index.js';
import type {
  Graph,
  Node,
  NodeOf,
  OpAttrMap,
  OpType,
  QuantSpec,
  Shape,
  TensorInfo,
  TensorRole,
} from '../../../src/graph/ir.js';
import { elementCount } from '../../../src/graph/ir.js';
import { Rng } from '../../../src/units/index.js';

export function n<K extends OpType>(
  op: K,
  name: string,
  inputs: readonly string[],
  output: string,
  attrs: OpAttrMap[K],
): Node {
  const node: NodeOf<K> = { name, op, inputs, outputs: [output], attrs };
  return node as Node;
}

/** A quantized constant: random stored codes of the spec's format, data their dequantization. */
export function qconst(
  rng: Rng,
  name: string,
  shape: Shape,
  role: TensorRole,
  quant: QuantSpec,
  range?: readonly [number, number],
): TensorInfo {
  const fmt = parseFormat(quant.format);
  const [lo, hi] = range ?? [Math.max(fmt.minValue, -100), Math.min(fmt.maxValue, 100)];
  const stored = Float64Array.from(
    { length: elementCount(shape) },
    () => lo + Math.floor(rng.next() * (hi - lo + 1)),
  );
  const codes = Uint32Array.from(stored, (v) => fmt.encode(v));
  return {
    name,
    shape,
    role,
    dtype: fmt.name === 'int32' ? 'int32' : 'float32',
    quant,
    stored,
    data: dequantizeLinear(codes, shape, quant),
  };
}

export function fconst(rng: Rng, name: string, shape: Shape, role: TensorRole, lo = -1, hi = 1): TensorInfo {
  const data = Float32Array.from({ length: elementCount(shape) }, () => lo + rng.next() * (hi - lo));
  return { name, shape, role, dtype: 'float32', data };
}

export function act(name: string, shape: Shape, quant?: QuantSpec): TensorInfo {
  return quant === undefined
    ? { name, shape, role: 'activation', dtype: 'float32' }
    : { name, shape, role: 'activation', dtype: 'float32', quant };
}

const f = Math.fround;

function perChannel(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => f(0.002 + rng.next() * 0.01));
}

function graphOf(
  name: string,
  inputs: string[],
  outputs: string[],
  tensors: TensorInfo[],
  nodes: Node[],
): Graph {
  return { name, inputs, outputs, tensors: new Map(tensors.map((t) => [t.name, t])), nodes };
}

/** conv → relu → depthwise conv → residual add → relu → global average pool → flatten → dense. */
export function quantResNet(): Graph {
  const rng = new Rng(7);
  const u8 = (scale: number, zp: number): QuantSpec => ({ format: 'uint8', scale: f(scale), zeroPoint: zp });
  const i8 = (scale: number, zp: number): QuantSpec => ({ format: 'int8', scale: f(scale), zeroPoint: zp });
  const xq = u8(0.02, 128);
  const w1s = perChannel(rng, 8);
  const w1: QuantSpec = { format: 'int8', scale: w1s, zeroPoint: 0, axis: 0 };
  const b1: QuantSpec = { format: 'int32', scale: w1s.map((s) => f(f(0.02) * s)), zeroPoint: 0, axis: 0 };
  const c1 = i8(0.05, -3);
  const r1 = u8(0.04, 0);
  const w2s = perChannel(rng, 8);
  const w2: QuantSpec = { format: 'int8', scale: w2s, zeroPoint: 0, axis: 0, narrow: true };
  const c2 = i8(0.03, 2);
  const a1 = u8(0.06, 5);
  const r2 = u8(0.05, 0);
  const g = u8(0.05, 0);
  const wfs = perChannel(rng, 10);
  const wfc: QuantSpec = { format: 'int8', scale: wfs, zeroPoint: 0, axis: 1 };
  const bfc: QuantSpec = { format: 'int32', scale: wfs.map((s) => f(f(0.05) * s)), zeroPoint: 0, axis: 0 };
  const conv = (k: number, groups: number, out: number) => ({
    outChannels: out,
    kernel: [k, k] as const,
    stride: [1, 1] as const,
    pads: [1, 1, 1, 1] as const,
    dilation: [1, 1] as const,
    groups,
  });
  const tensors = [
    { name: 'x', shape: [1, 3, 8, 8], role: 'input' as const, dtype: 'float32' as const },
    act('xq', [1, 3, 8, 8], xq),
    qconst(rng, 'conv1.weight', [8, 3, 3, 3], 'weight', w1),
    qconst(rng, 'conv1.bias', [8], 'bias', b1, [-2000, 2000]),
    act('c1', [1, 8, 8, 8], c1),
    act('r1', [1, 8, 8, 8], r1),
    qconst(rng, 'conv2.weight', [8, 1, 3, 3], 'weight', w2, [-127, 127]),
    act('c2', [1, 8, 8, 8], c2),
    act('a1', [1, 8, 8, 8], a1),
    act('r2', [1, 8, 8, 8], r2),
    act('g', [1, 8, 1, 1], g),
    act('flat', [1, 8], g),
    qconst(rng, 'fc.weight', [8, 10], 'weight', wfc),
    qconst(rng, 'fc.bias', [10], 'bias', bfc, [-500, 500]),
    act('logits', [1, 10]),
    act('r2_real', [1, 8, 8, 8]),
  ];
  const nodes = [
    n('requantize', 'quant_in', ['x'], 'xq', { to: xq }),
    n('conv2d', 'conv1', ['xq', 'conv1.weight', 'conv1.bias'], 'c1', conv(3, 1, 8)),
    n('relu', 'relu1', ['c1'], 'r1', {}),
    n('conv2d', 'conv2', ['r1', 'conv2.weight'], 'c2', conv(3, 8, 8)),
    n('add', 'residual', ['r1', 'c2'], 'a1', {}),
    n('relu', 'relu2', ['a1'], 'r2', {}),
    n('globalavgpool', 'pool', ['r2'], 'g', {}),
    n('flatten', 'flatten', ['g'], 'flat', { axis: 1 }),
    n('dense', 'fc', ['flat', 'fc.weight', 'fc.bias'], 'logits', { units: 10 }),
    n('dequantize', 'r2_out', ['r2'], 'r2_real', {}),
  ];
  return graphOf('resnet-tiny-q', ['x'], ['logits', 'r2_real'], tensors, nodes);
}

/** A float net using the other ops of the IR. */
export function floatNet(): Graph {
  const rng = new Rng(11);
  const conv = {
    outChannels: 4,
    kernel: [3, 3] as const,
    stride: [2, 2] as const,
    pads: [1, 0, 1, 0] as const,
    dilation: [1, 2] as const,
    groups: 2,
  };
  const pool = {
    kernel: [2, 2] as const,
    stride: [1, 1] as const,
    pads: [0, 0, 1, 1] as const,
    ceilMode: true,
    countIncludePad: true,
  };
  const tensors = [
    { name: 'x', shape: [1, 2, 9, 9], role: 'input' as const, dtype: 'float32' as const },
    { name: 'seq', shape: [2, 5, 6], role: 'input' as const, dtype: 'float32' as const },
    fconst(rng, 'w', [4, 1, 3, 3], 'weight'),
    fconst(rng, 'b', [4], 'bias'),
    act('c', [1, 4, 5, 3]),
    fconst(rng, 'gamma', [4], 'weight'),
    fconst(rng, 'beta', [4], 'bias'),
    fconst(rng, 'mean', [4], 'constant'),
    fconst(rng, 'var', [4], 'constant', 0.5, 2),
    act('bn', [1, 4, 5, 3]),
    act('cl', [1, 4, 5, 3]),
    act('r6', [1, 4, 5, 3]),
    act('mp', [1, 4, 5, 3]),
    act('ap', [1, 4, 5, 3]),
    act('lrn', [1, 4, 5, 3]),
    act('cat', [1, 8, 5, 3]),
    act('sig', [1, 8, 5, 3]),
    fconst(rng, 'k', [1, 8, 1, 1], 'constant'),
    act('scaled', [1, 8, 5, 3]),
    act('rs', [8, 15]),
    act('tr', [15, 8]),
    act('sm', [15, 8]),
    fconst(rng, 'ln.g', [6], 'weight'),
    fconst(rng, 'ln.b', [6], 'bias'),
    act('ln', [2, 5, 6]),
    act('ge', [2, 5, 6]),
    act('att', [2, 5, 5]),
    act('sum3', [2, 5, 5]),
    fconst(rng, 'proj.w', [5, 3], 'weight'),
    fconst(rng, 'proj.b', [3], 'bias'),
    act('proj', [2, 5, 3]),
    act('fl', [2, 15]),
    fconst(rng, 'bias3', [5], 'constant'),
  ];
  const nodes = [
    n('conv2d', 'conv', ['x', 'w', 'b'], 'c', conv),
    n('batchnorm', 'bn', ['c', 'gamma', 'beta', 'mean', 'var'], 'bn', { epsilon: 1e-5 }),
    n('clip', 'clip', ['bn'], 'cl', { min: -0.5, max: Infinity }),
    n('relu6', 'relu6', ['cl'], 'r6', {}),
    n('maxpool', 'mp', ['r6'], 'mp', { ...pool, countIncludePad: false }),
    n('avgpool', 'ap', ['r6'], 'ap', pool),
    n('lrn', 'lrn', ['mp'], 'lrn', { size: 3, alpha: 1e-4, beta: 0.75, bias: 1 }),
    n('concat', 'cat', ['lrn', 'ap'], 'cat', { axis: 1 }),
    n('sigmoid', 'sig', ['cat'], 'sig', {}),
    n('mul', 'scale', ['sig', 'k'], 'scaled', {}),
    n('reshape', 'rs', ['scaled'], 'rs', { shape: [8, -1] }),
    n('transpose', 'tr', ['rs'], 'tr', { perm: [1, 0] }),
    n('softmax', 'sm', ['tr'], 'sm', { axis: -1 }),
    n('layernorm', 'ln', ['seq', 'ln.g', 'ln.b'], 'ln', { axis: -1, epsilon: 1e-5 }),
    n('gelu', 'ge', ['ln'], 'ge', {}),
    n('matmul', 'att', ['ge', 'seq'], 'att', { transB: true }),
    n('add', 'sum3', ['att', 'att', 'bias3'], 'sum3', {}),
    n('dense', 'proj', ['sum3', 'proj.w', 'proj.b'], 'proj', { units: 3 }),
    n('flatten', 'fl', ['proj'], 'fl', { axis: 1 }),
  ];
  return graphOf('float-net', ['x', 'seq'], ['sm', 'fl'], tensors, nodes);
}
