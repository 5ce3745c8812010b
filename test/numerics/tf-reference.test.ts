/**
 * The fp32 reference through TensorFlow.js against the float32 reference kernels (graph/analyze
 * runReference), on hand-built IR graphs that together use every op of OP_TYPES, and on the
 * committed MNIST model.
 *
 * Tolerance: per tensor, max |tfjs − kernels| ≤ 1e-5 × max |kernels| (the kernels accumulate in
 * float64 and round once; tfjs works in float32 throughout).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runReference } from '../../src/graph/analyze.js';
import { readTensorFile } from '../../src/graph/import/onnx-tensor.js';
import { importTfjsModel } from '../../src/graph/import/tfjs.js';
import {
  OP_TYPES,
  type FloatTensor,
  type Graph,
  type Node,
  type OpAttrMap,
  type OpType,
  type QuantSpec,
  type Shape,
  type TensorInfo,
  type TensorRole,
} from '../../src/graph/ir.js';
import { loadTf } from '../../src/numerics/tf-backend.js';
import { runTfReference } from '../../src/numerics/tf-reference.js';
import { InputError, type InputIssue } from '../../src/units/errors.js';
import { Rng } from '../../src/units/index.js';
import { packageRoot } from '../../src/units/paths.js';
import { relativeError } from '../fixtures/tfjs/helpers.js';

const TOLERANCE = 1e-5;

/** A small IR graph builder with seeded parameters. */
class G {
  readonly tensors = new Map<string, TensorInfo>();
  readonly nodes: Node[] = [];
  readonly inputs: string[] = [];
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  input(name: string, shape: Shape): string {
    this.tensors.set(name, { name, shape, role: 'input', dtype: 'float32' });
    this.inputs.push(name);
    return name;
  }

  param(name: string, shape: Shape, opts: { role?: TensorRole; lo?: number; hi?: number } = {}): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const lo = opts.lo ?? -0.5;
    const hi = opts.hi ?? 0.5;
    const data = Float32Array.from({ length: n }, () => lo + (hi - lo) * this.rng.next());
    this.tensors.set(name, { name, shape, role: opts.role ?? 'weight', dtype: 'float32', data });
    return name;
  }

  op<K extends OpType>(op: K, name: string, inputs: string[], attrs: OpAttrMap[K]): string {
    this.nodes.push({ name, op, inputs, outputs: [name], attrs } as unknown as Node);
    return name;
  }

  conv(
    name: string,
    x: string,
    cin: number,
    cout: number,
    a: Partial<OpAttrMap['conv2d']> = {},
    bias = true,
  ): string {
    const kernel = a.kernel ?? [3, 3];
    const groups = a.groups ?? 1;
    const w = this.param(`${name}.w`, [cout, cin / groups, kernel[0], kernel[1]]);
    const inputs = [x, w];
    if (bias) inputs.push(this.param(`${name}.b`, [cout], { role: 'bias' }));
    return this.op('conv2d', name, inputs, {
      outChannels: cout,
      kernel,
      stride: a.stride ?? [1, 1],
      pads: a.pads ?? [1, 1, 1, 1],
      dilation: a.dilation ?? [1, 1],
      groups,
    });
  }

  bn(name: string, x: string, c: number): string {
    return this.op(
      'batchnorm',
      name,
      [
        x,
        this.param(`${name}.gamma`, [c], { lo: 0.5, hi: 1.5 }),
        this.param(`${name}.beta`, [c], { role: 'bias' }),
        this.param(`${name}.mean`, [c], { role: 'constant' }),
        this.param(`${name}.var`, [c], { role: 'constant', lo: 0.5, hi: 1.5 }),
      ],
      { epsilon: 1e-5 },
    );
  }

  graph(name: string, outputs: string[]): Graph {
    return {
      name,
      inputs: [...this.inputs],
      outputs,
      tensors: new Map(this.tensors),
      nodes: [...this.nodes],
    };
  }
}

const pool = (
  k: number,
  s: number,
  pads: readonly [number, number, number, number],
  ceil = false,
  incl = false,
) => ({
  kernel: [k, k] as const,
  stride: [s, s] as const,
  pads,
  ceilMode: ceil,
  countIncludePad: incl,
});

/** ResNet-like: stem, a residual block with a strided shortcut, depthwise / grouped / dilated convs, pools, LRN. */
function resnetLike(): Graph {
  const g = new G(21);
  const x = g.input('x', [2, 3, 16, 16]);
  let t = g.op('relu', 'stem.relu', [g.bn('stem.bn', g.conv('stem', x, 3, 8), 8)], {});
  const a = g.op(
    'relu',
    'b1.relu1',
    [g.bn('b1.bn1', g.conv('b1.conv1', t, 8, 8, { stride: [2, 2] }, false), 8)],
    {},
  );
  const b = g.conv('b1.conv2', a, 8, 8);
  const sc = g.conv('b1.short', t, 8, 8, { kernel: [1, 1], stride: [2, 2], pads: [0, 0, 0, 0] });
  t = g.op('relu', 'b1.out', [g.op('add', 'b1.add', [b, sc], {})], {}); // [2,8,8,8]
  const dw = g.conv('dw', t, 8, 16, { groups: 8, pads: [1, 2, 2, 1], stride: [2, 1] }); // depthwise ×2
  const dwd = g.conv('dwd', t, 8, 8, { groups: 8, dilation: [2, 2], pads: [2, 2, 2, 2] });
  const grouped = g.conv('grouped', dw, 16, 8, { kernel: [1, 1], groups: 4, pads: [0, 0, 0, 0] }); // [2,8,4,9]
  const dil = g.conv('dilated', dwd, 8, 8, { dilation: [2, 2], stride: [2, 2], pads: [2, 1, 2, 1] }); // [2,8,4,4]
  const r6 = g.op(
    'relu6',
    'r6',
    [g.op('mul', 'scale', [dil, g.param('k', [1, 8, 1, 1], { lo: 2, hi: 8 })], {})],
    {},
  );
  const mp = g.op('maxpool', 'maxpool', [grouped], pool(3, 2, [1, 1, 1, 1], true)); // [2,8,3,5]
  const ap1 = g.op('avgpool', 'avg.incl', [r6], pool(3, 2, [1, 1, 1, 1], true, true)); // [2,8,3,3]
  const ap2 = g.op('avgpool', 'avg.excl', [r6], pool(3, 2, [1, 1, 1, 1], true, false));
  const lrn5 = g.op('lrn', 'lrn5', [ap1], { size: 5, alpha: 1e-2, beta: 0.75, bias: 1 });
  const lrn4 = g.op('lrn', 'lrn4', [ap2], { size: 4, alpha: 2e-2, beta: 0.5, bias: 2 });
  const mpc = g.op('clip', 'mp.clip', [mp], { min: -0.25, max: 0.75 });
  const tr = g.op('transpose', 'tr', [mpc], { perm: [0, 1, 3, 2] }); // [2,8,5,3]
  const sq = g.op('reshape', 'sq', [tr], { shape: [0, 8, 3, 5] });
  const cat = g.op('concat', 'cat', [lrn5, lrn4, g.op('sigmoid', 'sig', [sq], {})], { axis: -1 }); // [2,8,3,11]
  const gap = g.op('globalavgpool', 'gap', [cat], {});
  const flat = g.op('flatten', 'flat', [gap], { axis: 1 });
  const fc = g.op('dense', 'fc', [flat, g.param('fc.w', [8, 10]), g.param('fc.b', [10], { role: 'bias' })], {
    units: 10,
  });
  g.op('softmax', 'prob', [fc], { axis: 1 });
  return g.graph('resnet-like', ['prob', 'fc']);
}

/** A transformer encoder block: layernorm, attention with heads (matmul, transB, softmax), GELU MLP. */
function transformerBlock(): Graph {
  const g = new G(22);
  const [B, T, D, H] = [2, 6, 16, 2];
  const hd = D / H;
  const x = g.input('x', [B, T, D]);
  const ln1 = g.op(
    'layernorm',
    'ln1',
    [x, g.param('ln1.g', [D], { lo: 0.5, hi: 1.5 }), g.param('ln1.b', [D])],
    {
      axis: -1,
      epsilon: 1e-5,
    },
  );
  const heads = (n: string): string => {
    const y = g.op('dense', n, [ln1, g.param(`${n}.w`, [D, D]), g.param(`${n}.b`, [D], { role: 'bias' })], {
      units: D,
    });
    return g.op('transpose', `${n}.t`, [g.op('reshape', `${n}.r`, [y], { shape: [B, T, H, hd] })], {
      perm: [0, 2, 1, 3],
    });
  };
  const q = heads('q');
  const k = heads('k');
  const v = heads('v');
  const s = g.op('matmul', 'qk', [q, k], { transB: true });
  const scaled = g.op(
    'mul',
    'qk.scale',
    [s, g.param('inv_sqrt_d', [1], { role: 'constant', lo: 0.35, hi: 0.36 })],
    {},
  );
  const p = g.op('softmax', 'attn', [scaled], { axis: -1 });
  const o = g.op('matmul', 'pv', [p, v], { transB: false });
  const merged = g.op('reshape', 'merge', [g.op('transpose', 'o.t', [o], { perm: [0, 2, 1, 3] })], {
    shape: [B, T, -1],
  });
  const proj = g.op('dense', 'proj', [merged, g.param('proj.w', [D, D])], { units: D });
  const r1 = g.op('add', 'res1', [x, proj], {});
  const ln2 = g.op('layernorm', 'ln2', [r1, g.param('ln2.g', [1, D], { lo: 0.5, hi: 1.5 })], {
    axis: 2,
    epsilon: 1e-6,
  });
  const h = g.op(
    'gelu',
    'gelu',
    [g.op('dense', 'fc1', [ln2, g.param('fc1.w', [D, 4 * D])], { units: 4 * D })],
    {},
  );
  const f = g.op('dense', 'fc2', [h, g.param('fc2.w', [4 * D, D]), g.param('fc2.b', [D], { role: 'bias' })], {
    units: D,
  });
  const out = g.op('add', 'out', [r1, f], {});
  // a head-wise projection with a rank-2 right operand (batch dims broadcast)
  g.op('matmul', 'o.proj', [o, g.param('o.proj.w', [hd, 3])], { transB: false });
  return g.graph('transformer-block', [out, 'o.proj']);
}

function randomInputs(graph: Graph, seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed);
  return new Map(
    graph.inputs.map((name) => {
      const n = graph.tensors.get(name)!.shape.reduce((a, b) => a * b, 1);
      return [name, Float32Array.from({ length: n }, () => 2 * rng.next() - 1)];
    }),
  );
}

function kernels(graph: Graph, inputs: Map<string, Float32Array>): Map<string, FloatTensor> {
  const feed = new Map(
    [...inputs].map(([name, data]) => [name, { shape: graph.tensors.get(name)!.shape, data }] as const),
  );
  return runReference(graph, feed, () => {
    throw new Error('every weight has data');
  });
}

/** Compare every tensor both produced; returns the worst relative error. */
function compareAll(ours: Map<string, Float32Array>, ref: Map<string, FloatTensor>): number {
  let worst = 0;
  for (const [name, t] of ref) {
    const mine = ours.get(name);
    if (mine === undefined) throw new Error(`tfjs reference lacks ${name}`);
    const e = relativeError(mine, t.data);
    if (!(e.rel <= TOLERANCE)) throw new Error(`${name}: max |Δ| ${e.maxAbs} of max |x| ${e.scale}`);
    worst = Math.max(worst, e.rel);
  }
  return worst;
}

async function rejection(p: Promise<unknown>): Promise<readonly InputIssue[]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  throw new Error('expected an InputError');
}

const opsUsed = new Set<OpType>();

describe('fp32 reference through TensorFlow.js', () => {
  it('equals the reference kernels on a ResNet-like graph, every tensor', async () => {
    const graph = resnetLike();
    graph.nodes.forEach((n) => opsUsed.add(n.op));
    const inputs = randomInputs(graph, 1);
    const { tf } = await loadTf();
    const before = tf.memory().numTensors;
    const all = await runTfReference(graph, inputs, { keep: 'all' });
    expect(tf.memory().numTensors).toBe(before); // nothing leaks
    expect(all.size).toBe(graph.nodes.length + 1);
    expect(compareAll(all, kernels(graph, inputs))).toBeLessThan(TOLERANCE);
    const outs = await runTfReference(graph, inputs);
    expect([...outs.keys()].sort()).toEqual(['fc', 'prob']);
    expect(outs.get('fc')).toEqual(all.get('fc'));
  });

  it('equals the reference kernels on a transformer block (matmul, softmax, layernorm, gelu)', async () => {
    const graph = transformerBlock();
    graph.nodes.forEach((n) => opsUsed.add(n.op));
    const inputs = randomInputs(graph, 2);
    const all = await runTfReference(graph, inputs, { keep: 'all' });
    expect(compareAll(all, kernels(graph, inputs))).toBeLessThan(TOLERANCE);
  });

  it('ignores quantization: stored weights are dequantized, requantize is the identity unless asked', async () => {
    const spec: QuantSpec = { format: 'int8', scale: [0.02, 0.05, 0.01, 0.03], zeroPoint: 0, axis: 0 };
    const rng = new Rng(5);
    const stored = Float64Array.from({ length: 4 * 2 * 3 * 3 }, () => rng.int(-127, 127));
    const biasSpec: QuantSpec = { format: 'int32', scale: 1e-4, zeroPoint: 3 };
    const biasStored = Float64Array.from([123456, -98765, 30000001, 7]);
    const build = (withData: boolean): Graph => {
      const g = new G(9);
      const x = g.input('x', [1, 2, 5, 5]);
      const wData = Float32Array.from(
        stored,
        (s, i) => s * Math.fround(asList(spec.scale)[Math.floor(i / 18)]!),
      );
      const bData = Float32Array.from(biasStored, (s) => (s - 3) * Math.fround(1e-4));
      g.tensors.set('w', {
        name: 'w',
        shape: [4, 2, 3, 3],
        role: 'weight',
        dtype: 'float32',
        quant: spec,
        ...(withData ? { data: wData } : { stored }),
      });
      g.tensors.set('b', {
        name: 'b',
        shape: [4],
        role: 'bias',
        dtype: 'int32',
        quant: biasSpec,
        ...(withData ? { data: bData } : { stored: biasStored }),
      });
      const y = g.op('conv2d', 'conv', [x, 'w', 'b'], {
        outChannels: 4,
        kernel: [3, 3],
        stride: [1, 1],
        pads: [1, 1, 1, 1],
        dilation: [1, 1],
        groups: 1,
      });
      const q = g.op('requantize', 'q', [y], { to: { format: 'int8', scale: 0.05, zeroPoint: 0 } });
      g.op('dequantize', 'dq', [q], {});
      return g.graph('quant', ['dq']);
    };
    const fromStored = build(false);
    const withData = build(true);
    fromStored.nodes.forEach((n) => opsUsed.add(n.op));
    const inputs = randomInputs(fromStored, 3);
    const ref = kernels(withData, inputs); // requantize applied by the kernels
    const skip = await runTfReference(fromStored, inputs, { keep: 'all' });
    // the conv output matches; requantize / dequantize pass it through unchanged
    expect(relativeError(skip.get('conv')!, ref.get('conv')!.data).rel).toBeLessThan(TOLERANCE);
    expect(skip.get('dq')).toEqual(skip.get('conv'));
    expect(relativeError(skip.get('dq')!, ref.get('dq')!.data).rel).toBeGreaterThan(1e-3);
    // with requantize applied, it is the kernels' quantize-dequantize (same grid; a value within
    // float32 error of a rounding boundary could land one step away, none does here)
    const apply = await runTfReference(fromStored, inputs, { requantize: 'apply' });
    expect(apply.get('dq')).toEqual(ref.get('dq')!.data);
  });

  it('equals the reference kernels on the imported MNIST model, and gives the same top-1', async () => {
    const dir = join(packageRoot(), 'workloads', 'mnist');
    const images = readTensorFile(join(dir, 'test-images.pb'));
    const labels = readTensorFile(join(dir, 'test-labels.pb')).values;
    const n = labels.length;
    const graph = await importTfjsModel(join(dir, 'model.json'), { batch: n });
    const input = new Map([[graph.inputs[0]!, Float32Array.from(images.values, (v) => v / 255)]]);
    const all = await runTfReference(graph, input, { keep: 'all' });
    const ref = kernels(graph, input);
    expect(compareAll(all, ref)).toBeLessThan(TOLERANCE);
    const probs = all.get(graph.outputs[0]!)!;
    const top1 = (p: Float32Array): number =>
      Array.from(labels).filter((label, i) => {
        const row = Array.from(p.subarray(i * 10, i * 10 + 10));
        return row.indexOf(Math.max(...row)) === label;
      }).length;
    expect(top1(probs)).toBe(top1(ref.get(graph.outputs[0]!)!.data));
  });

  it('runs every op of the IR (the graphs above use all of OP_TYPES)', () => {
    expect([...opsUsed].sort()).toEqual([...OP_TYPES].sort());
  });

  it('reports bad inputs and weights without values, all at once', async () => {
    const g = new G(1);
    const x = g.input('x', [1, 4]);
    g.tensors.set('w', { name: 'w', shape: [4, 2], role: 'weight', dtype: 'float32' });
    g.tensors.set('w2', { name: 'w2', shape: [2, 2], role: 'weight', dtype: 'float32' });
    const h = g.op('dense', 'h', [x, 'w'], { units: 2 });
    g.op('dense', 'y', [h, 'w2'], { units: 2 });
    const graph = g.graph('bad', ['y']);
    let issues = await rejection(runTfReference(graph, new Map([['x', new Float32Array(3)]])));
    expect(issues).toEqual([{ path: 'inputs.x', value: '3 values', expected: '4 values' }]);
    issues = await rejection(runTfReference(graph, new Map([['x', new Float32Array(4)]])));
    expect(issues.map((i) => i.path)).toEqual(['tensors.w', 'tensors.w2']);
    const ones = await runTfReference(graph, new Map([['x', new Float32Array([1, 2, 3, 4])]]), {
      weights: (t) => ({ shape: t.shape, data: new Float32Array(t.shape[0]! * t.shape[1]!).fill(1) }),
    });
    expect(Array.from(ones.get('y')!)).toEqual([20, 20]);
  });
});

function asList(v: number | readonly number[]): readonly number[] {
  return typeof v === 'number' ? [v] : v;
}
