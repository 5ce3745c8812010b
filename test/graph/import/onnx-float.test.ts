/**
 * importOnnx on float models built with onnx-buf: each ONNX op becomes the IR node it stands for,
 * with the attributes worked out by hand here (auto_pad, Gemm's transB folded into the weight,
 * MatMul + Add fused into dense, Transpose → transB, Clip(0, 6) → relu6, the erf GELU pattern, shape
 * subgraphs folded into a reshape's target, Identity / Dropout removed).
 */
import { describe, expect, it } from 'vitest';
import { importOnnx, importOnnxModel } from '../../../src/graph/import/onnx/index.js';
import type { Node } from '../../../src/graph/ir.js';
import { issuesOf } from '../../support/input-error.js';
import {
  DT,
  f32,
  floatTensor,
  int64,
  intTensor,
  modelBytes,
  node,
  scalar,
  type Attr,
  type ModelSpec,
} from './onnx-builder.js';

function nodesOf(spec: ModelSpec): Node[] {
  return [...importOnnx(modelBytes(spec)).nodes];
}

function iota(n: number, scale = 0.1): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround((i - n / 2) * scale));
}

/** One-node model: x of `dims` → op → y. */
function single(
  op: string,
  dims: number[],
  outDims: number[],
  attrs: Readonly<Record<string, Attr>> = {},
  extra: Partial<ModelSpec> = {},
) {
  return nodesOf({
    nodes: [node(op, ['x', ...(extra.initializers ?? []).map((t) => t.name)], ['y'], { name: 'n', attrs })],
    inputs: [f32('x', dims)],
    outputs: [f32('y', outDims)],
    ...extra,
  });
}

describe('convolutions and pools', () => {
  it('reads a depthwise, strided conv with SAME_UPPER / SAME_LOWER / VALID padding', () => {
    const w = floatTensor('w', [4, 1, 2, 2], iota(16));
    const base = { outChannels: 4, kernel: [2, 2], stride: [2, 2], dilation: [1, 1], groups: 4 };
    const run = (autoPad: string) =>
      single(
        'Conv',
        [1, 4, 7, 7],
        [],
        { auto_pad: autoPad, group: 4, strides: [2, 2] },
        { initializers: [w] },
      )[0]!.attrs;
    // out = ceil(7 / 2) = 4, total padding = (4 − 1)·2 + 2 − 7 = 1
    expect(run('SAME_UPPER')).toEqual({ ...base, pads: [0, 0, 1, 1] });
    expect(run('SAME_LOWER')).toEqual({ ...base, pads: [1, 1, 0, 0] });
    expect(run('VALID')).toEqual({ ...base, pads: [0, 0, 0, 0] });
  });

  it('reads explicit pads, dilations and a bias; the weight and bias get their roles and data', () => {
    const w = floatTensor('w', [3, 2, 3, 3], iota(54));
    const b = floatTensor('b', [3], [0.5, -1, 2]);
    const g = importOnnx(
      modelBytes({
        nodes: [
          node('Conv', ['x', 'w', 'b'], ['y'], {
            name: 'conv',
            attrs: { pads: [1, 2, 0, 1], dilations: [2, 1], kernel_shape: [3, 3] },
          }),
        ],
        initializers: [w, b],
        inputs: [f32('x', [1, 2, 9, 9])],
        outputs: [f32('y', [1, 3, 6, 10])],
      }),
    );
    expect(g.nodes[0]).toEqual({
      name: 'conv',
      op: 'conv2d',
      inputs: ['x', 'w', 'b'],
      outputs: ['y'],
      attrs: {
        outChannels: 3,
        kernel: [3, 3],
        stride: [1, 1],
        pads: [1, 2, 0, 1],
        dilation: [2, 1],
        groups: 1,
      },
    });
    expect(g.tensors.get('w')).toEqual({
      name: 'w',
      shape: [3, 2, 3, 3],
      role: 'weight',
      dtype: 'float32',
      data: Float32Array.from(iota(54)),
    });
    expect(g.tensors.get('b')?.role).toBe('bias');
    expect(g.tensors.get('y')?.shape).toEqual([1, 3, 6, 10]);
  });

  it('reads MaxPool / AveragePool attributes and refuses dilated pools', () => {
    const attrs = { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 };
    expect(single('MaxPool', [1, 1, 8, 8], [], attrs)[0]!).toMatchObject({
      op: 'maxpool',
      attrs: { kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: false },
    });
    expect(
      single('AveragePool', [1, 1, 8, 8], [], { ...attrs, count_include_pad: 1 })[0]!.attrs,
    ).toMatchObject({ countIncludePad: true });
    const issues = issuesOf(() =>
      single('MaxPool', [1, 1, 8, 8], [], { kernel_shape: [2, 2], dilations: [2, 2] }),
    );
    expect(issues).toEqual([expect.objectContaining({ path: 'nodes[0] (n, MaxPool).attributes.dilations' })]);
    expect(single('GlobalAveragePool', [1, 3, 4, 4], [1, 3, 1, 1])[0]!.op).toBe('globalavgpool');
  });
});

describe('Gemm and MatMul', () => {
  it('Gemm with transB: the constant B [N, K] becomes a dense weight [K, N], C its bias', () => {
    const b = floatTensor('fc.w', [3, 2], [1, 2, 3, 4, 5, 6]);
    const c = floatTensor('fc.b', [3], [7, 8, 9]);
    const g = importOnnx(
      modelBytes({
        nodes: [node('Gemm', ['x', 'fc.w', 'fc.b'], ['y'], { name: 'fc', attrs: { transB: 1 } })],
        initializers: [b, c],
        inputs: [f32('x', [4, 2])],
        outputs: [f32('y', [4, 3])],
      }),
    );
    expect(g.nodes).toEqual([
      { name: 'fc', op: 'dense', inputs: ['x', 'fc.w', 'fc.b'], outputs: ['y'], attrs: { units: 3 } },
    ]);
    expect(g.tensors.get('fc.w')).toMatchObject({
      shape: [2, 3],
      role: 'weight',
      data: Float32Array.from([1, 3, 5, 2, 4, 6]),
    });
    expect(g.tensors.get('fc.b')).toMatchObject({ shape: [3], role: 'bias' });
  });

  it('Gemm with a [M, N] C adds it after the dense; with a non-constant B it is a matmul', () => {
    const b = floatTensor('w', [2, 3], iota(6));
    const c = floatTensor('c', [4, 3], iota(12));
    const ops = nodesOf({
      nodes: [node('Gemm', ['x', 'w', 'c'], ['y'], { name: 'g' })],
      initializers: [b, c],
      inputs: [f32('x', [4, 2])],
      outputs: [f32('y', [4, 3])],
    });
    expect(ops.map((n) => [n.name, n.op, n.inputs, n.outputs])).toEqual([
      ['g', 'dense', ['x', 'w'], ['y__gemm']],
      ['g/bias', 'add', ['y__gemm', 'c'], ['y']],
    ]);
    const mm = nodesOf({
      nodes: [node('Gemm', ['x', 'b'], ['y'], { name: 'g', attrs: { transB: 1 } })],
      inputs: [f32('x', [4, 2]), f32('b', [3, 2])],
      outputs: [f32('y', [4, 3])],
    });
    expect(mm).toEqual([
      { name: 'g', op: 'matmul', inputs: ['x', 'b'], outputs: ['y'], attrs: { transB: true } },
    ]);
  });

  it('Gemm with alpha ≠ 1 or transA is refused, naming the attribute', () => {
    const issues = issuesOf(() =>
      nodesOf({
        nodes: [node('Gemm', ['x', 'w'], ['y'], { name: 'g', attrs: { alpha: { f: 2 }, transA: 1 } })],
        initializers: [floatTensor('w', [2, 3], iota(6))],
        inputs: [f32('x', [2, 4])],
        outputs: [f32('y', [4, 3])],
      }),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'nodes[0] (g, Gemm).attributes.alpha',
      'nodes[0] (g, Gemm).attributes.transA',
    ]);
  });

  it('MatMul with a constant B followed by an Add of a bias vector is one dense with bias', () => {
    const ops = nodesOf({
      nodes: [
        node('MatMul', ['x', 'w'], ['m'], { name: 'proj' }),
        node('Add', ['m', 'b'], ['y'], { name: 'proj_add' }),
      ],
      initializers: [floatTensor('w', [6, 3], iota(18)), floatTensor('b', [3], [1, 2, 3])],
      inputs: [f32('x', [2, 5, 6])],
      outputs: [f32('y', [2, 5, 3])],
    });
    expect(ops).toEqual([
      { name: 'proj', op: 'dense', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { units: 3 } },
    ]);
  });

  it('Transpose of the last two dims read only by a MatMul becomes transB', () => {
    const ops = nodesOf({
      nodes: [
        node('Transpose', ['k'], ['kt'], { name: 't', attrs: { perm: [0, 2, 1] } }),
        node('MatMul', ['q', 'kt'], ['s'], { name: 'qk' }),
      ],
      inputs: [f32('q', [2, 5, 4]), f32('k', [2, 7, 4])],
      outputs: [f32('s', [2, 5, 7])],
    });
    expect(ops).toEqual([
      { name: 'qk', op: 'matmul', inputs: ['q', 'k'], outputs: ['s'], attrs: { transB: true } },
    ]);
  });
});

describe('element-wise and normalization ops', () => {
  it('Clip(0, 6) is relu6, other bounds a clip (absent bound: infinity)', () => {
    const bounds = [scalar('lo', 0), scalar('hi', 6), scalar('m', -0.5)];
    const ops = nodesOf({
      nodes: [
        node('Clip', ['x', 'lo', 'hi'], ['a'], { name: 'r6' }),
        node('Clip', ['a', 'm'], ['y'], { name: 'c' }),
      ],
      initializers: bounds,
      inputs: [f32('x', [4])],
      outputs: [f32('y', [4])],
    });
    expect(ops.map((n) => [n.op, n.attrs])).toEqual([
      ['relu6', {}],
      ['clip', { min: -0.5, max: Infinity }],
    ]);
  });

  it('BatchNormalization / LayerNormalization / LRN keep their float attributes as written (1e-5, not its float32)', () => {
    const c = (name: string) => floatTensor(name, [3], [1, 2, 3]);
    const ops = nodesOf({
      nodes: [
        node('BatchNormalization', ['x', 'g', 'b', 'm', 'v'], ['bn'], {
          name: 'bn',
          attrs: { epsilon: { f: 1e-5 } },
        }),
        node('LRN', ['bn'], ['l'], { name: 'lrn', attrs: { size: 3, alpha: { f: 1e-4 } } }),
        node('LayerNormalization', ['l', 'lg'], ['y'], { name: 'ln', attrs: { epsilon: { f: 1e-6 } } }),
      ],
      initializers: [c('g'), c('b'), c('m'), c('v'), floatTensor('lg', [4], [1, 1, 1, 1])],
      inputs: [f32('x', [1, 3, 2, 4])],
      outputs: [f32('y', [1, 3, 2, 4])],
    });
    expect(ops.map((n) => n.attrs)).toEqual([
      { epsilon: 1e-5 },
      { size: 3, alpha: 1e-4, beta: 0.75, bias: 1 },
      { axis: -1, epsilon: 1e-6 },
    ]);
  });

  it('x − c is x + (−c), x / c with powers of two is x · (1/c); other divisors are refused', () => {
    const g = importOnnx(
      modelBytes({
        nodes: [node('Sub', ['x', 'c'], ['a'], { name: 's' }), node('Div', ['a', 'd'], ['y'], { name: 'd' })],
        initializers: [floatTensor('c', [2], [1, -2]), floatTensor('d', [2], [4, 0.5])],
        inputs: [f32('x', [3, 2])],
        outputs: [f32('y', [3, 2])],
      }),
    );
    expect(g.nodes.map((n) => [n.op, n.inputs])).toEqual([
      ['add', ['x', 'c__neg']],
      ['mul', ['a', 'd__reciprocal']],
    ]);
    expect(g.tensors.get('c__neg')?.data).toEqual(Float32Array.from([-1, 2]));
    expect(g.tensors.get('d__reciprocal')?.data).toEqual(Float32Array.from([0.25, 2]));
    const issues = issuesOf(() =>
      importOnnx(
        modelBytes({
          nodes: [node('Div', ['x', 'd'], ['y'], { name: 'd' })],
          initializers: [floatTensor('d', [1], [3])],
          inputs: [f32('x', [2])],
          outputs: [f32('y', [2])],
        }),
      ),
    );
    expect(issues).toEqual([expect.objectContaining({ path: 'nodes[0] (d, Div).inputs[1] (B)' })]);
  });

  it('Sum is an n-ary add, Softmax defaults to the last axis, Sigmoid and Relu map one to one', () => {
    const ops = nodesOf({
      nodes: [
        node('Sum', ['x', 'x', 'x'], ['s'], { name: 'sum' }),
        node('Relu', ['s'], ['r'], { name: 'relu' }),
        node('Sigmoid', ['r'], ['g'], { name: 'sig' }),
        node('Softmax', ['g'], ['y'], { name: 'sm' }),
      ],
      inputs: [f32('x', [2, 3])],
      outputs: [f32('y', [2, 3])],
    });
    expect(ops.map((n) => [n.op, n.inputs.length, n.attrs])).toEqual([
      ['add', 3, {}],
      ['relu', 1, {}],
      ['sigmoid', 1, {}],
      ['softmax', 1, { axis: -1 }],
    ]);
  });
});

describe('layout ops and folding', () => {
  it('Reshape takes its target from an initializer; Flatten, Transpose, Concat keep their attributes', () => {
    const ops = nodesOf({
      nodes: [
        node('Reshape', ['x', 'shape'], ['r'], { name: 'rs' }),
        node('Transpose', ['r'], ['t'], { name: 'tr' }),
        node('Concat', ['t', 't'], ['c'], { name: 'cat', attrs: { axis: 0 } }),
        node('Flatten', ['c'], ['y'], { name: 'fl', attrs: { axis: 1 } }),
      ],
      initializers: [int64('shape', [0, -1])],
      inputs: [f32('x', [2, 3, 4])],
      outputs: [f32('y', [24, 2])],
    });
    expect(ops.map((n) => [n.op, n.attrs])).toEqual([
      ['reshape', { shape: [0, -1] }],
      ['transpose', { perm: [] }],
      ['concat', { axis: 0 }],
      ['flatten', { axis: 1 }],
    ]);
  });

  it('Squeeze / Unsqueeze of an activation are reshapes to the resulting dims', () => {
    const ops = nodesOf({
      nodes: [
        node('Unsqueeze', ['x', 'a0'], ['u'], { name: 'u' }),
        node('Squeeze', ['u'], ['y'], { name: 's' }),
      ],
      initializers: [int64('a0', [0, -1])],
      inputs: [f32('x', [3, 1, 4])],
      outputs: [f32('y', [3, 4])],
    });
    expect(ops.map((n) => [n.op, n.attrs])).toEqual([
      ['reshape', { shape: [1, 3, 1, 4, 1] }],
      ['reshape', { shape: [3, 4] }],
    ]);
  });

  it('folds Shape → Gather → Unsqueeze → Concat into the target of a Reshape (and Constant nodes)', () => {
    const ops = nodesOf({
      nodes: [
        node('Shape', ['x'], ['s'], { name: 'shape' }),
        node('Constant', [], ['zero'], {
          name: 'k0',
          attrs: { value: { t: intTensor('', [], DT.INT64, [0]) } },
        }),
        node('Gather', ['s', 'zero'], ['n'], { name: 'g', attrs: { axis: 0 } }),
        node('Unsqueeze', ['n', 'axes'], ['n1'], { name: 'u' }),
        node('Constant', [], ['rest'], { name: 'k1', attrs: { value_ints: [-1] } }),
        node('Concat', ['n1', 'rest'], ['target'], { name: 'cat', attrs: { axis: 0 } }),
        node('Reshape', ['x', 'target'], ['y'], { name: 'flatten' }),
      ],
      initializers: [int64('axes', [0])],
      inputs: [f32('x', [2, 3, 4])],
      outputs: [f32('y', [2, 12])],
    });
    expect(ops).toEqual([
      { name: 'flatten', op: 'reshape', inputs: ['x'], outputs: ['y'], attrs: { shape: [2, -1] } },
    ]);
  });

  it('Identity and Dropout are removed; an Identity into a graph output renames its input', () => {
    const ops = nodesOf({
      nodes: [
        node('Relu', ['x'], ['a'], { name: 'relu' }),
        node('Dropout', ['a'], ['b'], { name: 'drop' }),
        node('Sigmoid', ['b'], ['c'], { name: 'sig' }),
        node('Identity', ['c'], ['y'], { name: 'id' }),
      ],
      inputs: [f32('x', [4])],
      outputs: [f32('y', [4])],
    });
    expect(ops.map((n) => [n.name, n.inputs, n.outputs])).toEqual([
      ['relu', ['x'], ['a']],
      ['sig', ['a'], ['y']],
    ]);
  });

  it('reads the erf GELU patterns PyTorch exports, and Gelu (opset 20)', () => {
    const consts = [scalar('sqrt2', Math.SQRT2), scalar('one', 1), scalar('half', 0.5)];
    const forms = [
      // x · (1 + erf(x / √2)) · ½
      [
        node('Div', ['x', 'sqrt2'], ['d']),
        node('Erf', ['d'], ['e']),
        node('Add', ['e', 'one'], ['a']),
        node('Mul', ['x', 'a'], ['m']),
        node('Mul', ['m', 'half'], ['y']),
      ],
      // ((1 + erf) · ½) · x
      [
        node('Div', ['x', 'sqrt2'], ['d']),
        node('Erf', ['d'], ['e']),
        node('Add', ['one', 'e'], ['a']),
        node('Mul', ['a', 'half'], ['m']),
        node('Mul', ['x', 'm'], ['y']),
      ],
      // (x · ½) · (1 + erf)
      [
        node('Mul', ['x', 'half'], ['h']),
        node('Div', ['x', 'sqrt2'], ['d']),
        node('Erf', ['d'], ['e']),
        node('Add', ['e', 'one'], ['a']),
        node('Mul', ['h', 'a'], ['y']),
      ],
    ];
    for (const nodes of forms) {
      const { graph, notes } = importOnnxModel(
        modelBytes({ nodes, initializers: consts, inputs: [f32('x', [3])], outputs: [f32('y', [3])] }),
      );
      expect(graph.nodes.map((n) => [n.op, n.inputs, n.outputs])).toEqual([['gelu', ['x'], ['y']]]);
      expect(notes).toContain('1 erf GELU pattern(s) read as gelu');
    }
    expect(single('Gelu', [3], [3])[0]!.op).toBe('gelu');
  });

  it('symbolic input dims are taken as 1 (with a note) unless inputShapes gives them', () => {
    const bytes = modelBytes({
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [f32('x', ['N', 3])],
      outputs: [f32('y', ['N', 3])],
    });
    const { graph, notes } = importOnnxModel(bytes);
    expect(graph.tensors.get('x')?.shape).toEqual([1, 3]);
    expect(notes.some((n) => n.includes('symbolic'))).toBe(true);
    expect(importOnnx(bytes, { inputShapes: new Map([['x', [8, 3]]]) }).tensors.get('y')?.shape).toEqual([
      8, 3,
    ]);
  });
});
