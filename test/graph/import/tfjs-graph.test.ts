/**
 * TensorFlow.js GraphModel import: a GraphDef written here in the converter's JSON form (base64
 * strings, decimal-string integers), run by tfjs-converter itself (tf.loadGraphModel through the
 * local-file handler) and by the float32 reference kernels on the imported graph. Agreement:
 * max |ref − tfjs| ≤ 1e-5 × max |tfjs|.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { runReference } from '../../../src/graph/analyze.js';
import { importTfjsModel } from '../../../src/graph/import/tfjs.js';
import { tfjsFileHandler } from '../../../src/graph/import/tfjs-io.js';
import type { FloatTensor } from '../../../src/graph/ir.js';
import { InputError, type InputIssue } from '../../../src/units/errors.js';
import { getTf, nhwcToNchw, randomData, relativeError, tempDir } from '../../fixtures/tfjs/helpers.js';
import { Rng } from '../../../src/units/index.js';

const TOLERANCE = 1e-5;

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const ints = (...v: number[]): object => ({ list: { i: v.map(String) } });
const str = (s: string): object => ({ s: b64(s) });
const strs = (...s: string[]): object => ({ list: { s: s.map(b64) } });
const FLOAT = { type: 'DT_FLOAT' };

interface ConstSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
  readonly values: number[];
}

/** A GraphDef model folder: nodes, and Const values written to weights.bin. */
class GraphFile {
  readonly nodes: object[] = [];
  readonly consts: ConstSpec[] = [];
  private readonly rng = new Rng(11);

  node(name: string, op: string, input: string[], attr: Record<string, object> = {}): string {
    this.nodes.push({ name, op, input, attr: { T: FLOAT, ...attr } });
    return name;
  }

  placeholder(name: string, dims: number[]): string {
    this.nodes.push({
      name,
      op: 'Placeholder',
      attr: { dtype: FLOAT, shape: { shape: { dim: dims.map((d) => ({ size: String(d) })) } } },
    });
    return name;
  }

  constant(name: string, shape: number[], values?: number[], dtype: 'float32' | 'int32' = 'float32'): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = values ?? Array.from({ length: n }, () => this.rng.next() - 0.5);
    this.consts.push({ name, shape, dtype, values: v });
    this.nodes.push({
      name,
      op: 'Const',
      attr: {
        dtype: { type: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' },
        value: { tensor: { dtype: 'DT_FLOAT' } },
      },
    });
    return name;
  }

  write(dir: string): string {
    const bytes = this.consts.flatMap((c) => {
      const arr = c.dtype === 'int32' ? Int32Array.from(c.values) : Float32Array.from(c.values);
      return [...new Uint8Array(arr.buffer)];
    });
    writeFileSync(join(dir, 'w.bin'), Uint8Array.from(bytes));
    const path = join(dir, 'model.json');
    writeFileSync(
      path,
      JSON.stringify({
        format: 'graph-model',
        generatedBy: 'test',
        convertedBy: 'hand-written GraphDef',
        modelTopology: { node: this.nodes, library: {}, versions: {} },
        weightsManifest: [
          {
            paths: ['w.bin'],
            weights: this.consts.map(({ name, shape, dtype }) => ({ name, shape, dtype })),
          },
        ],
      }),
    );
    return path;
  }
}

function cnnGraph(): GraphFile {
  const g = new GraphFile();
  const x = g.placeholder('x', [-1, 9, 9, 3]);
  const c1 = g.node('c1', '_FusedConv2D', [x, g.constant('w1', [3, 3, 3, 4]), g.constant('b1', [4])], {
    strides: ints(1, 2, 2, 1),
    padding: str('SAME'),
    data_format: str('NHWC'),
    dilations: ints(1, 1, 1, 1),
    fused_ops: strs('BiasAdd', 'Relu'),
    num_args: { i: '1' },
    epsilon: { f: 0 },
  });
  const dw = g.node('dw', 'DepthwiseConv2dNative', [c1, g.constant('wd', [3, 3, 4, 2])], {
    strides: ints(1, 1, 1, 1),
    padding: str('EXPLICIT'),
    explicit_paddings: ints(0, 0, 1, 2, 2, 1, 0, 0),
    dilations: ints(1, 1, 1, 1),
    data_format: str('NHWC'),
  });
  const ba = g.node('ba', 'BiasAdd', [dw, g.constant('bd', [8])], { data_format: str('NHWC') });
  const r6 = g.node('r6', 'Relu6', [ba]);
  const mp = g.node('mp', 'MaxPool', [r6], {
    ksize: ints(1, 2, 2, 1),
    strides: ints(1, 2, 2, 1),
    padding: str('SAME'),
    data_format: str('NHWC'),
  });
  const c2 = g.node('c2', 'Conv2D', [mp, g.constant('w2', [1, 1, 8, 8])], {
    strides: ints(1, 1, 1, 1),
    padding: str('VALID'),
    data_format: str('NHWC'),
    dilations: ints(1, 1, 1, 1),
  });
  const sum = g.node('sum', 'AddV2', [c2, mp]);
  const av = g.node('av', 'AvgPool', [sum], {
    ksize: ints(1, 2, 2, 1),
    strides: ints(1, 1, 1, 1),
    padding: str('VALID'),
    data_format: str('NHWC'),
  });
  const bn = g.node(
    'bn',
    'FusedBatchNormV3',
    [
      av,
      g.constant('bn_gamma', [8]),
      g.constant('bn_beta', [8]),
      g.constant('bn_mean', [8]),
      g.constant(
        'bn_var',
        [8],
        Array.from({ length: 8 }, (_, i) => 0.5 + i / 8),
      ),
    ],
    { epsilon: { f: 0.001 }, data_format: str('NHWC'), U: FLOAT, is_training: { b: false } },
  );
  const mean = g.node('mean', 'Mean', [bn, g.constant('axes', [2], [1, 2], 'int32')], {
    keep_dims: { b: true },
    Tidx: { type: 'DT_INT32' },
  });
  const sq = g.node('sq', 'Squeeze', [mean], { squeeze_dims: ints(1, 2) });
  const tr = g.node('tr', 'Transpose', [bn, g.constant('perm', [4], [0, 3, 1, 2], 'int32')], {
    Tperm: { type: 'DT_INT32' },
  });
  const rs = g.node('rs', 'Reshape', [tr, g.constant('shape', [2], [-1, 32], 'int32')], {
    Tshape: { type: 'DT_INT32' },
  });
  const sg = g.node('sg', 'Sigmoid', [rs]);
  const cat = g.node('cat', 'ConcatV2', [sq, sg, g.constant('axis', [], [1], 'int32')], {
    N: { i: '2' },
    Tidx: { type: 'DT_INT32' },
  });
  const fm = g.node('fm', '_FusedMatMul', [cat, g.constant('wm', [40, 6]), g.constant('bm', [6])], {
    transpose_a: { b: false },
    transpose_b: { b: false },
    fused_ops: strs('BiasAdd', 'Relu'),
    num_args: { i: '1' },
    epsilon: { f: 0 },
  });
  const mm = g.node('mm', 'MatMul', [fm, g.constant('wt', [10, 6])], {
    transpose_a: { b: false },
    transpose_b: { b: true },
  });
  const bias = g.node('bias', 'Add', [mm, g.constant('bt', [10])]);
  const scaled = g.node('scaled', 'Mul', [bias, g.constant('k', [10])]);
  const sm = g.node('sm', 'Softmax', [scaled]);
  g.node('out', 'Identity', [sm]);
  return g;
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

function noWeights(): FloatTensor {
  throw new Error('every weight has data');
}

describe('TensorFlow.js GraphModel import', () => {
  it('imports fused convs, depthwise, pools, batch norm, mean, reshape, concat, matmul and reproduces tfjs', async () => {
    const tf = await getTf();
    const path = cnnGraph().write(tempDir());
    const graph = await importTfjsModel(path, { batch: 2 });
    expect(graph.inputs).toEqual(['x']);
    expect(graph.outputs).toEqual(['sm']);
    // the BiasAdd after the depthwise conv and the Add after MatMul became those layers' biases
    const dw = graph.nodes.find((n) => n.name === 'dw')!;
    expect(dw.inputs).toHaveLength(3);
    expect(dw.attrs).toMatchObject({ groups: 4, outChannels: 8, pads: [1, 2, 2, 1] });
    expect(graph.nodes.find((n) => n.name === 'mm')!.inputs).toHaveLength(3);
    expect(graph.nodes.some((n) => n.name === 'ba' || n.name === 'bias')).toBe(false);
    expect(graph.nodes.map((n) => n.op)).toEqual([
      'conv2d',
      'relu',
      'conv2d',
      'relu6',
      'maxpool',
      'conv2d',
      'add',
      'avgpool',
      'batchnorm',
      'globalavgpool',
      'transpose', // Squeeze reads the [N,1,1,C] mean in NHWC
      'reshape',
      'transpose', // the model's own Transpose NHWC → NCHW, from the NHWC view of bn
      'transpose',
      'reshape',
      'sigmoid',
      'concat',
      'dense',
      'relu',
      'dense',
      'mul',
      'softmax',
    ]);
    const model = await tf.loadGraphModel(tfjsFileHandler(path));
    const x = randomData(2 * 9 * 9 * 3, 12);
    const xt = tf.tensor(x, [2, 9, 9, 3]);
    const y = model.execute(xt) as TF.Tensor;
    const want = Float32Array.from(y.dataSync() as Float32Array);
    tf.dispose([xt, y]);
    const out = runReference(
      graph,
      new Map([['x', { shape: [2, 3, 9, 9], data: nhwcToNchw(x, [2, 9, 9, 3]) }]]),
      noWeights,
    );
    expect(relativeError(out.get('sm')!.data, want).rel).toBeLessThan(TOLERANCE);
    // before the softmax as well
    const xt2 = tf.tensor(x, [2, 9, 9, 3]);
    const pre = model.execute(xt2, 'scaled') as TF.Tensor;
    const err = relativeError(out.get('scaled')!.data, Float32Array.from(pre.dataSync() as Float32Array));
    tf.dispose([xt2, pre]);
    expect(err.scale).toBeGreaterThan(0.01);
    expect(err.rel).toBeLessThan(TOLERANCE);
    model.dispose();
  });

  it('reports every unsupported op and setting at once', async () => {
    const g = new GraphFile();
    const x = g.placeholder('x', [-1, 8, 8, 3]);
    const p = g.node('pad', 'Pad', [x, g.constant('paddings', [4, 2], [0, 0, 1, 1, 1, 1, 0, 0], 'int32')]);
    const c = g.node('conv', 'Conv2D', [p, g.constant('w', [3, 3, 3, 2])], {
      strides: ints(1, 1, 1, 1),
      padding: str('VALID'),
      data_format: str('NCHW'),
    });
    const t = g.node('t', 'Tanh', [c]);
    g.node('f', '_FusedConv2D', [t, g.constant('w2', [1, 1, 2, 2]), g.constant('b2', [2])], {
      fused_ops: strs('BiasAdd', 'LeakyRelu'),
      padding: str('VALID'),
    });
    const path = g.write(tempDir());
    const issues = await rejection(importTfjsModel(path));
    expect(issues.map((i) => `${i.path}: ${i.value}`)).toEqual([
      'modelTopology.node[2] (pad, Pad): "Pad"',
      'modelTopology.node[4] (conv, Conv2D).attr.data_format: "NCHW"',
      'modelTopology.node[5] (t, Tanh): "Tanh"',
      'modelTopology.node[8] (f, _FusedConv2D).attr.fused_ops: ["BiasAdd","LeakyRelu"]',
    ]);
    expect(issues.every((i) => i.file === path)).toBe(true);
  });
});
