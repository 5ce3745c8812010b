/**
 * The MNIST model that ships in workloads/mnist/ (made by scripts/gen-mnist.ts): it imports, its
 * files have the documented shapes, and its float32 top-1 on the committed test set, computed with
 * the reference kernels and with TF.js itself, is exactly the count its README states.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { runReference } from '../../../src/graph/analyze.js';
import { readTensorFile } from '../../../src/graph/import/onnx-tensor.js';
import { importTfjsModel } from '../../../src/graph/import/tfjs.js';
import { tfjsFileHandler } from '../../../src/graph/import/tfjs-io.js';
import { packageRoot } from '../../../src/units/paths.js';
import { getTf } from '../../fixtures/tfjs/helpers.js';

const dir = join(packageRoot(), 'workloads', 'mnist');

/** The count of correct test predictions the README states (`**976 / 1000 = …**`). */
function readmeCount(): { correct: number; total: number } {
  const m = /\*\*(\d+) \/ (\d+) = [\d.]+ %\*\*/.exec(readFileSync(join(dir, 'README.md'), 'utf8'));
  if (m === null) throw new Error('README.md states no top-1 count');
  return { correct: Number(m[1]), total: Number(m[2]) };
}

function top1(probs: ArrayLike<number>, labels: Float64Array): number {
  let correct = 0;
  labels.forEach((label, n) => {
    let best = 0;
    for (let k = 1; k < 10; k++) if (probs[n * 10 + k]! > probs[n * 10 + best]!) best = k;
    if (best === label) correct++;
  });
  return correct;
}

describe('workloads/mnist', () => {
  it('ships a small float32 model and uint8 NCHW test / calibration sets', () => {
    expect(statSync(join(dir, 'weights.bin')).size).toBeLessThanOrEqual(2 * 1024 * 1024);
    const images = readTensorFile(join(dir, 'test-images.pb'));
    expect(images.dims).toEqual([1000, 1, 28, 28]);
    expect(images.elemTypeName).toBe('UINT8');
    const labels = readTensorFile(join(dir, 'test-labels.pb'));
    expect(labels.dims).toEqual([1000]);
    // balanced and interleaved: image j is digit j mod 10
    expect(Array.from(labels.values.slice(0, 20))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    const calib = readTensorFile(join(dir, 'calib-images.pb'));
    expect(calib.dims).toEqual([64, 1, 28, 28]);
    expect(images.values.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
  });

  it('has the float32 top-1 its README states, with the reference kernels and with TF.js', async () => {
    const stated = readmeCount();
    const images = readTensorFile(join(dir, 'test-images.pb'));
    const labels = readTensorFile(join(dir, 'test-labels.pb')).values;
    expect(stated.total).toBe(labels.length);
    const x = Float32Array.from(images.values, (v) => v / 255);
    const graph = await importTfjsModel(join(dir, 'model.json'), { batch: labels.length });
    expect(graph.nodes.map((n) => n.op)).toEqual([
      'conv2d',
      'relu',
      'maxpool',
      'conv2d',
      'relu',
      'maxpool',
      'transpose',
      'flatten',
      'dense',
      'relu',
      'dense',
      'softmax',
    ]);
    const out = runReference(
      graph,
      new Map([[graph.inputs[0]!, { shape: [labels.length, 1, 28, 28], data: x }]]),
      () => {
        throw new Error('the model has all its weights');
      },
    );
    const correct = top1(out.get(graph.outputs[0]!)!.data, labels);
    expect(correct).toBe(stated.correct);
    expect(correct / labels.length).toBeGreaterThanOrEqual(0.97);
    // TF.js on the model files, NHWC (a 1-channel image has the same bytes in both layouts)
    const tf = await getTf();
    const model = await tf.loadLayersModel(tfjsFileHandler(join(dir, 'model.json')));
    const xt = tf.tensor4d(x, [labels.length, 28, 28, 1]);
    const yt = model.predict(xt) as TF.Tensor;
    expect(top1(yt.dataSync(), labels)).toBe(stated.correct);
    tf.dispose([xt, yt]);
    model.dispose();
  });
});
