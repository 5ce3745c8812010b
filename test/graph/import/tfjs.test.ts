/**
 * TensorFlow.js import: models built and run with tfjs itself, saved through the local-file
 * handler, imported, and run with the float32 reference kernels. The reference must reproduce
 * model.predict / execute within float32 accumulation error: max |ref − tfjs| ≤ 1e-5 × max |tfjs|
 * per output (the kernels accumulate in float64, tfjs in float32).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { analyzeGraph, runReference } from '../../../src/graph/analyze.js';
import { importTfjsModel, readTfjsModel } from '../../../src/graph/import/tfjs.js';
import { readTfjsArtifacts, tfjsFileHandler } from '../../../src/graph/import/tfjs-io.js';
import type { FloatTensor, Graph } from '../../../src/graph/ir.js';
import { InputError, type InputIssue } from '../../../src/units/errors.js';
import {
  getTf,
  nchwToNhwc,
  nhwcToNchw,
  quantizedCopy,
  randomData,
  randomizeWeights,
  relativeError,
  saveModel,
  tempDir,
  type Tf,
} from '../../fixtures/tfjs/helpers.js';

const TOLERANCE = 1e-5;

function noWeights(): FloatTensor {
  throw new Error('every weight has data');
}

/** Run the graph on one input given in TF's layout; returns the first output in TF's layout. */
function runGraph(graph: Graph, tfInput: Float32Array, tfShape: readonly number[]): Float32Array {
  const name = graph.inputs[0]!;
  const shape = graph.tensors.get(name)!.shape;
  const data = tfShape.length === 4 ? nhwcToNchw(tfInput, tfShape) : tfInput;
  const out = runReference(graph, new Map([[name, { shape, data }]]), noWeights);
  const y = out.get(graph.outputs[0]!)!;
  return y.shape.length === 4 ? nchwToNhwc(y.data, y.shape) : y.data;
}

function predict(tf: Tf, model: TF.LayersModel, input: Float32Array, shape: readonly number[]): Float32Array {
  const x = tf.tensor(input, shape as number[]);
  const y = model.predict(x) as TF.Tensor;
  const data = y.dataSync() as Float32Array;
  tf.dispose([x, y]);
  return Float32Array.from(data);
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

/** conv (same, stride 2) → BN → relu6 → depthwise ×2 → avgpool same → dilated conv → maxpool → flatten → dense. */
function buildCnn(tf: Tf): TF.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [11, 10, 3],
      filters: 6,
      kernelSize: [3, 2],
      strides: 2,
      padding: 'same',
    }),
  );
  m.add(tf.layers.batchNormalization({ epsilon: 1e-3 }));
  m.add(tf.layers.activation({ activation: 'relu6' }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }));
  m.add(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
  m.add(
    tf.layers.conv2d({
      filters: 5,
      kernelSize: 3,
      dilationRate: 2,
      padding: 'same',
      useBias: false,
      activation: 'relu',
    }),
  );
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }));
  m.add(tf.layers.dropout({ rate: 0.5 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 7, activation: 'sigmoid' }));
  m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  return m;
}

const CNN_INPUT = [3, 11, 10, 3];

describe('TensorFlow.js LayersModel import', () => {
  it('imports a Sequential CNN with NCHW weights and reproduces model.predict', async () => {
    const tf = await getTf();
    const model = buildCnn(tf);
    randomizeWeights(tf, model, 1);
    const path = await saveModel(model, tempDir());
    const graph = await importTfjsModel(path, { batch: 3 });
    // the plain CNN path: no transposes but the one before Flatten (TF flattens NHWC)
    const transposes = graph.nodes.filter((n) => n.op === 'transpose');
    expect(transposes.map((n) => n.attrs)).toEqual([{ perm: [0, 2, 3, 1] }]);
    expect(graph.tensors.get(graph.inputs[0]!)!.shape).toEqual([3, 3, 11, 10]);
    const conv = graph.nodes.find((n) => n.op === 'conv2d')!;
    expect(conv.attrs).toMatchObject({ outChannels: 6, kernel: [3, 2], stride: [2, 2], groups: 1 });
    expect(graph.tensors.get(conv.inputs[1]!)!.shape).toEqual([6, 3, 3, 2]);
    const dw = graph.nodes.filter((n) => n.op === 'conv2d')[1]!;
    expect(dw.attrs).toMatchObject({ outChannels: 12, groups: 6, pads: [1, 1, 1, 1] });
    const dilated = graph.nodes.filter((n) => n.op === 'conv2d')[2]!;
    expect(dilated.attrs).toMatchObject({ dilation: [2, 2], pads: [2, 2, 2, 2] });
    expect(graph.nodes.map((n) => n.op)).toEqual([
      'conv2d',
      'batchnorm',
      'relu6',
      'conv2d',
      'avgpool',
      'conv2d',
      'relu',
      'maxpool',
      'transpose',
      'flatten',
      'dense',
      'sigmoid',
      'dense',
      'softmax',
    ]);
    const x = randomData(3 * 11 * 10 * 3, 2);
    const err = relativeError(runGraph(graph, x, CNN_INPUT), predict(tf, model, x, CNN_INPUT));
    expect(err.rel).toBeLessThan(TOLERANCE);
    // the logits before softmax too (softmax hides small errors)
    const cut = tf.model({ inputs: model.inputs, outputs: model.layers[model.layers.length - 2]!.output });
    const pre = { ...graph, outputs: [graph.nodes[graph.nodes.length - 3]!.outputs[0]!] };
    const err2 = relativeError(runGraph(pre, x, CNN_INPUT), predict(tf, cut, x, CNN_INPUT));
    expect(err2.scale).toBeGreaterThan(0.01);
    expect(err2.rel).toBeLessThan(TOLERANCE);
  });

  it('imports a functional model: shared layers, add, multiply, concatenate, reshape, global pools', async () => {
    const tf = await getTf();
    const input = tf.input({ shape: [6, 6, 4], name: 'image' });
    const a = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'a' })
      .apply(input) as TF.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'b' }).apply(input) as TF.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as TF.SymbolicTensor;
    const r = tf.layers.reLU({ maxValue: 6, name: 'r6' }).apply(sum) as TF.SymbolicTensor;
    const prod = tf.layers.multiply({ name: 'prod' }).apply([r, a]) as TF.SymbolicTensor;
    const cat = tf.layers.concatenate({ name: 'cat' }).apply([prod, b]) as TF.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ name: 'bn', center: false }).apply(cat) as TF.SymbolicTensor;
    const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(bn) as TF.SymbolicTensor;
    const gmp = tf.layers.globalMaxPooling2d({ name: 'gmp' }).apply(bn) as TF.SymbolicTensor;
    const shared = tf.layers.dense({ units: 8, activation: 'relu', name: 'shared' });
    const s1 = shared.apply(gap) as TF.SymbolicTensor;
    const s2 = shared.apply(gmp) as TF.SymbolicTensor;
    const both = tf.layers.add({ name: 'both' }).apply([s1, s2]) as TF.SymbolicTensor;
    const grid = tf.layers.reshape({ targetShape: [2, 2, 2], name: 'grid' }).apply(both) as TF.SymbolicTensor;
    const c2 = tf.layers
      .conv2d({ filters: 3, kernelSize: 2, name: 'c2', activation: 'relu' })
      .apply(grid) as TF.SymbolicTensor;
    const flat = tf.layers.flatten({ name: 'flat' }).apply(c2) as TF.SymbolicTensor;
    const out = tf.layers.softmax({ name: 'out' }).apply(flat) as TF.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    randomizeWeights(tf, model, 3);
    const path = await saveModel(model, tempDir());
    const graph = await importTfjsModel(path, { batch: 2 });
    expect(graph.inputs).toEqual(['image']);
    // the shared dense layer is two nodes on one weight
    const denses = graph.nodes.filter((n) => n.op === 'dense');
    expect(denses.map((n) => n.name)).toEqual(['shared', 'shared_1']);
    expect(denses[0]!.inputs[1]).toBe(denses[1]!.inputs[1]);
    // Reshape of a dense output to 4-D then a conv: a transpose to NCHW there, and back before Flatten
    expect(graph.nodes.filter((n) => n.op === 'transpose').map((n) => n.attrs)).toEqual([
      { perm: [0, 3, 1, 2] },
      { perm: [0, 2, 3, 1] },
    ]);
    const shape = [2, 6, 6, 4];
    const x = randomData(2 * 6 * 6 * 4, 4);
    const err = relativeError(runGraph(graph, x, shape), predict(tf, model, x, shape));
    expect(err.rel).toBeLessThan(TOLERANCE);
    const cut = tf.model({ inputs: input, outputs: flat });
    const pre = { ...graph, outputs: ['flat'] };
    expect(relativeError(runGraph(pre, x, shape), predict(tf, cut, x, shape)).rel).toBeLessThan(TOLERANCE);
  });

  it('decodes uint8 / uint16 quantized weights to exactly min + q·scale (in float32) and float16 exactly', async () => {
    const tf = await getTf();
    const model = buildCnn(tf);
    randomizeWeights(tf, model, 5);
    const dir = tempDir();
    const path = await saveModel(model, join(dir, 'f32'));
    const x = randomData(3 * 11 * 10 * 3, 6);
    for (const dtype of ['uint8', 'uint16', 'float16'] as const) {
      const qpath = quantizedCopy(path, join(dir, dtype), dtype);
      const imported = await readTfjsModel(qpath, { batch: 3 });
      const g = imported.graph;
      // every float weight came quantized; the codes are kept, in the IR tensor's element order
      expect(imported.quantizedWeights.size).toBe(model.weights.length);
      expect(imported.notes.join(' ')).toContain(
        `${model.weights.length} weight tensor(s) were stored ${dtype}-quantized`,
      );
      for (const [name, q] of imported.quantizedWeights) {
        const data = g.tensors.get(name)!.data!;
        expect(g.tensors.get(name)!.quant).toBeUndefined();
        for (let i = 0; i < data.length; i++) {
          const want =
            dtype === 'float16' ? decodeHalf(q.codes[i]!) : Math.fround(q.min! + q.codes[i]! * q.scale!);
          if (data[i] !== want) throw new Error(`${name}[${i}]: ${data[i]} vs ${want}`);
        }
      }
      // tfjs itself, loading the quantized files through the same handler, computes the same
      const qmodel = await tf.loadLayersModel(tfjsFileHandler(qpath));
      expect(relativeError(runGraph(g, x, CNN_INPUT), predict(tf, qmodel, x, CNN_INPUT)).rel).toBeLessThan(
        TOLERANCE,
      );
      // and tfjs' own decoder gives bit-identical weights (checked on the first conv kernel, HWIO)
      const art = readTfjsArtifacts(qpath);
      const decoded = tf.io.decodeWeights(
        art.weightData.buffer as ArrayBuffer,
        art.weightSpecs.map((s) => ({ ...s, shape: [...s.shape] })),
      );
      const k = art.weightSpecs[0]!;
      const ours = tf.transpose(tf.tensor(g.tensors.get(k.name)!.data!, [6, 3, 3, 2]), [2, 3, 1, 0]);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(decoded[k.name]!.dataSync()));
      tf.dispose([ours, ...Object.values(decoded)]);
      qmodel.dispose();
    }
  });

  it('reports every unsupported layer and setting at once, naming the file and the layer', async () => {
    const dir = tempDir();
    const path = join(dir, 'model.json');
    const layer = (name: string, cls: string, config: object, from: string | undefined): object => ({
      name,
      class_name: cls,
      config: { name, ...config },
      inbound_nodes: from === undefined ? [] : [[[from, 0, 0, {}]]],
    });
    writeFileSync(
      path,
      JSON.stringify({
        format: 'layers-model',
        modelTopology: {
          class_name: 'Model',
          config: {
            name: 'bad',
            layers: [
              layer('in', 'InputLayer', { batch_input_shape: [null, 8, 8, 3] }, undefined),
              layer('pad', 'ZeroPadding2D', { padding: [1, 1] }, 'in'),
              layer('c', 'Conv2D', { filters: 2, kernel_size: 3, data_format: 'channels_first' }, 'pad'),
              layer('t', 'Activation', { activation: 'tanh' }, 'c'),
              layer('l', 'LSTM', { units: 4 }, 't'),
            ],
            input_layers: [['in', 0, 0]],
            output_layers: [['l', 0, 0]],
          },
        },
        weightsManifest: [],
      }),
    );
    const issues = await rejection(importTfjsModel(path));
    expect(issues.every((i) => i.file === path)).toBe(true);
    expect(issues.map((i) => `${i.path}: ${i.value}`)).toEqual([
      'modelTopology.layers[1] (pad, ZeroPadding2D): "ZeroPadding2D"',
      'modelTopology.layers[2] (c, Conv2D).config.data_format: "channels_first"',
      'modelTopology.layers[3] (t, Activation).config.activation: "tanh"',
      'modelTopology.layers[4] (l, LSTM): "LSTM"',
    ]);
    expect(issues[0]!.expected).toContain('Conv2D, DepthwiseConv2D, Dense');
  });

  it('gives one clear error for bad JSON, a missing shard, a short shard and a path outside the folder', async () => {
    const tf = await getTf();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    const dir = tempDir();
    const path = await saveModel(model, dir);
    const good = readFileSync(path, 'utf8');
    const bin = readFileSync(join(dir, 'weights.bin'));
    expect((await importTfjsModel(path)).nodes.map((n) => n.op)).toEqual(['dense']);

    writeFileSync(path, good.slice(0, 40));
    let issues = await rejection(importTfjsModel(path));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: path, path: '(file)' });
    expect(issues[0]!.expected).toContain('valid JSON');

    writeFileSync(path, good.replace('weights.bin', 'gone.bin'));
    issues = await rejection(importTfjsModel(path));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: path, path: 'weightsManifest[0].paths[0]', value: '"gone.bin"' });

    writeFileSync(path, good);
    writeFileSync(join(dir, 'weights.bin'), bin.subarray(0, bin.length - 3));
    issues = await rejection(importTfjsModel(path));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.value).toBe(`${bin.length - 3} bytes in weights.bin`);
    expect(issues[0]!.expected).toContain(`${bin.length} bytes`);
    expect(issues[0]!.expected).toContain('short');

    writeFileSync(path, good.replace('weights.bin', '../weights.bin'));
    issues = await rejection(importTfjsModel(path));
    expect(issues[0]).toMatchObject({ path: 'weightsManifest[0].paths[0]', value: '"../weights.bin"' });
    await expect(importTfjsModel(join(dir, 'nope.json'))).rejects.toThrow(InputError);
  });

  it('asks for the shape of inputs with unknown dims after the batch', async () => {
    const tf = await getTf();
    const model = tf.sequential({
      layers: [tf.layers.dense({ batchInputShape: [null, null, 5], units: 2, name: 'seq_dense' })],
    });
    const path = await saveModel(model, tempDir());
    const issues = await rejection(importTfjsModel(path));
    expect(issues[0]!.expected).toContain('options.inputShapes["seq_dense_input"]');
    const g = await importTfjsModel(path, { inputShapes: { seq_dense_input: [2, 7, 5] } });
    expect(analyzeGraph(g).shapes.get(g.outputs[0]!)).toEqual([2, 7, 2]);
  });
});

/** IEEE half → number, independent of the importer's decoder. */
function decodeHalf(h: number): number {
  const s = h >> 15 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
