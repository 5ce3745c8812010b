import { describe, expect, it } from 'vitest';
import { parseFormat } from '../../src/formats/index.js';
import { analyzeGraph } from '../../src/graph/analyze.js';
import type { FloatTensor, Graph, QuantSpec } from '../../src/graph/ir.js';
import { parseWorkload } from '../../src/graph/workload.js';
import {
  calibrate,
  executorEvaluator,
  expectedShifts,
  fakeQuantEvaluator,
  floatOutputs,
  materializeParameters,
  quantizeGraph,
  runFakeQuant,
  seededInputs,
  sqnrDb,
  type Evaluator,
  type InputSet,
} from '../../src/quant/index.js';
import { InputError } from '../../src/units/errors.js';
import { bias, graphOf, lcg, smallCnn, weight } from './helpers.js';

const float = materializeParameters(smallCnn(), 7);
const calibration = seededInputs(float, 4, 3);
const heldOut = seededInputs(float, 3, 99);

/** Output SQNR of a quantized graph against float32, run by the bit-accurate executor by default. */
function outputSqnr(
  q: Graph,
  inputs: readonly InputSet[],
  evaluate: Evaluator = executorEvaluator(),
): number {
  let signal = 0;
  let noise = 0;
  for (const input of inputs) {
    const ref = floatOutputs(float, input).get('y')!;
    const got = evaluate(q, input).get('y')!;
    ref.forEach((r, i) => {
      signal += r * r;
      noise += (r - got[i]!) ** 2;
    });
  }
  return 10 * Math.log10(signal / noise);
}

function scales(spec: QuantSpec): readonly number[] {
  return typeof spec.scale === 'number' ? [spec.scale] : spec.scale;
}

describe('quantizeGraph on a small CNN', () => {
  const int8 = quantizeGraph(float, { weights: 'int8', activations: 'uint8', calibration });

  it('int8 keeps the output above 30 dB SQNR; 2 bits is far lower', () => {
    const s8 = outputSqnr(int8, heldOut);
    expect(s8).toBeGreaterThan(30);
    expect(
      sqnrDb(
        runFakeQuant(float, calibration[0]!).get('y')!.data,
        runFakeQuant(int8, calibration[0]!).get('y')!.data,
      ),
    ).toBeGreaterThan(30);
    const q2 = quantizeGraph(float, { weights: 'int2', activations: 'uint2', calibration });
    const s2 = outputSqnr(q2, heldOut);
    expect(s2).toBeLessThan(s8 - 20);
    const q4 = quantizeGraph(float, { weights: 'int4', activations: 'uint4', calibration, method: 'mmse' });
    const s4 = outputSqnr(q4, heldOut);
    expect(s4).toBeLessThan(s8);
    expect(s4).toBeGreaterThan(s2);
  });

  it('runs the same in the bit-accurate executor as in fake quantization', () => {
    for (const [weights, activations] of [
      ['int8', 'uint8'],
      ['int4', 'int8'],
      ['ternary', 'uint8'],
      ['fp8-e4m3', 'fp8-e4m3'],
    ] as const) {
      const q = quantizeGraph(float, { weights, activations, calibration, biasCorrection: true });
      for (const input of heldOut) {
        const a = executorEvaluator()(q, input).get('y')!;
        const b = fakeQuantEvaluator(q, input).get('y')!;
        expect(sqnrDb(b, a), `${weights}/${activations}`).toBeGreaterThan(60);
      }
    }
  });

  it('gives weights a QuantSpec, exact stored values and their dequantization', () => {
    for (const [name, axis, channels] of [
      ['w1', 0, 8],
      ['w2', 0, 16],
      ['w3', 1, 10],
    ] as const) {
      const t = int8.tensors.get(name)!;
      expect(t.quant?.format).toBe('int8');
      expect(t.quant?.axis).toBe(axis);
      expect(t.quant?.narrow).toBe(true);
      const s = scales(t.quant!);
      expect(s).toHaveLength(channels);
      const w = float.tensors.get(name)!;
      const inner = axis === 0 ? w.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
      t.stored!.forEach((k, i) => {
        const c = axis === 0 ? Math.floor(i / inner) : i % channels;
        expect(Number.isInteger(k) && Math.abs(k) <= 127).toBe(true);
        expect(t.data![i]).toBe(Math.fround(k * s[c]!));
        expect(Math.abs(t.data![i]! - w.data![i]!)).toBeLessThanOrEqual(s[c]! / 2 + 1e-7);
      });
    }
  });

  it('quantizes biases to int32 at scale s_x · s_w', () => {
    for (const [layer, x, w, b] of [
      ['conv1', 'x', 'w1', 'b1'],
      ['conv2', 'r1', 'w2', 'b2'],
      ['fc', 'f', 'w3', 'b3'],
    ] as const) {
      const sx = int8.tensors.get(x)!.quant!.scale as number;
      const sw = scales(int8.tensors.get(w)!.quant!);
      const t = int8.tensors.get(b)!;
      expect(t.quant, layer).toEqual({
        format: 'int32',
        scale: sw.map((s) => Math.fround(sx * s)),
        zeroPoint: 0,
        axis: 0,
      });
      expect(t.dtype).toBe('int32');
      const real = float.tensors.get(b)!.data!;
      t.stored!.forEach((k, c) => {
        const s = Math.fround(sx * sw[c]!);
        expect(k).toBe(Math.round(real[c]! / s));
        expect(t.data![c]).toBe(Math.fround(k * s));
      });
    }
  });

  it('gives MAC inputs and outputs per-tensor activation specs, and nothing else', () => {
    for (const name of ['x', 'r1', 'f', 'c1', 'c2', 'y']) {
      const q = int8.tensors.get(name)?.quant;
      expect(q?.format, name).toBe('uint8');
      expect(typeof q?.scale).toBe('number');
    }
    expect(int8.tensors.get('x')!.role).toBe('input');
    expect(int8.tensors.get('c1')!.shape).toEqual([1, 8, 12, 12]);
    for (const name of ['r2', 'g']) expect(int8.tensors.get(name)?.quant).toBeUndefined();
    // relu output: zero point 0 (the range starts at 0)
    expect(int8.tensors.get('r1')!.quant!.zeroPoint).toBe(0);
    expect(int8.quant).toEqual({
      weights: 'int8',
      activations: 'uint8',
      accumulator: 'int32',
      granularity: 'per-channel',
    });
    // still a valid graph; the input graph is untouched
    expect(() => analyzeGraph(int8)).not.toThrow();
    expect(float.tensors.get('w1')!.quant).toBeUndefined();
    const inputsOnly = quantizeGraph(float, {
      weights: 'int8',
      activations: 'uint8',
      calibration,
      activationScope: 'mac-inputs',
    });
    expect(inputsOnly.tensors.get('c1')?.quant).toBeUndefined();
    expect(inputsOnly.tensors.get('r1')?.quant).toBeDefined();
  });

  it('is deterministic and seeds shape-only parameters itself', () => {
    const a = quantizeGraph(smallCnn(), {
      weights: 'int4',
      activations: 'uint8',
      calibration,
      method: 'mmse',
      seed: 7,
    });
    const b = quantizeGraph(smallCnn(), {
      weights: 'int4',
      activations: 'uint8',
      calibration,
      method: 'mmse',
      seed: 7,
    });
    for (const [name, t] of a.tensors) {
      expect(t.quant, name).toEqual(b.tensors.get(name)!.quant);
      expect(t.stored, name).toEqual(b.tensors.get(name)!.stored);
    }
    // seed 7 is the seed `float` was materialized with: same weights
    expect(a.tensors.get('w2')!.quant).toEqual(
      quantizeGraph(float, {
        weights: 'int4',
        activations: 'uint8',
        calibration,
        method: 'mmse',
      }).tensors.get('w2')!.quant,
    );
  });

  it('takes per-layer formats, fp32 meaning "not quantized", floating and per-tensor weights', () => {
    const q = quantizeGraph(float, {
      weights: 'fp8-e4m3',
      activations: 'fp8-e4m3',
      granularity: 'per-tensor',
      calibration,
      perLayer: new Map([
        ['fc', { weights: 'int4', activations: 'int8' }],
        ['conv2', { weights: 'fp32' }],
      ]),
    });
    expect(q.tensors.get('w1')!.quant).toMatchObject({ format: 'fp8-e4m3', zeroPoint: 0 });
    expect(typeof q.tensors.get('w1')!.quant!.scale).toBe('number');
    expect(q.tensors.get('w2')!.quant).toBeUndefined();
    expect(q.tensors.get('w3')!.quant!.format).toBe('int4');
    expect(q.tensors.get('f')!.quant!.format).toBe('int8');
    expect(q.quant?.accumulator).toBe('fp32');
    // floating operands: the bias stays float
    expect(q.tensors.get('b1')!.quant).toBeUndefined();
    // float formats store decoded values: every stored value is a value of fp8-e4m3
    const w1 = q.tensors.get('w1')!;
    const s = w1.quant!.scale as number;
    const fp8 = parseFormat('fp8-e4m3');
    w1.stored!.forEach((v, i) => {
      expect(fp8.quantize(v)).toBe(v);
      expect(w1.data![i]).toBe(Math.fround(v * s));
    });
    const none = quantizeGraph(float, { weights: 'fp32', activations: 'fp32', calibration });
    for (const [, t] of none.tensors) expect(t.quant).toBeUndefined();
    expect(outputSqnr(none, heldOut)).toBe(Infinity);
  });

  it('reports bad options all at once', () => {
    try {
      quantizeGraph(float, {
        weights: 'int99',
        activations: 'uint8',
        calibration,
        percentile: 120,
        perLayer: new Map([['relu1', { weights: 'int4' }]]),
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).issues.map((i) => i.path)).toEqual([
        'weights',
        'percentile',
        'perLayer.relu1',
      ]);
    }
  });

  it('quantizes a layer-table network with batchnorm, residual add and concat', () => {
    const doc = {
      format: 'bitcycle-workload/1',
      id: 'mini',
      inputs: [{ name: 'image', shape: [1, 3, 16, 16] }],
      layers: [
        {
          name: 'c1',
          op: 'conv2d',
          inputs: ['image'],
          attrs: { outChannels: 8, kernel: [3, 3], pads: [1, 1, 1, 1] },
          bias: false,
        },
        { name: 'bn1', op: 'batchnorm', inputs: ['c1'] },
        { name: 'r1', op: 'relu', inputs: ['bn1'] },
        {
          name: 'c2',
          op: 'conv2d',
          inputs: ['r1'],
          attrs: { outChannels: 8, kernel: [3, 3], pads: [1, 1, 1, 1] },
        },
        { name: 'add', op: 'add', inputs: ['c2', 'r1'] },
        { name: 'cat', op: 'concat', inputs: ['add', 'r1'], attrs: { axis: 1 } },
        { name: 'gap', op: 'globalavgpool', inputs: ['cat'] },
        { name: 'flat', op: 'flatten', inputs: ['gap'] },
        { name: 'fc', op: 'dense', inputs: ['flat'], attrs: { units: 5 } },
      ],
    };
    const g = parseWorkload(JSON.stringify(doc), 'mini.json');
    const m = materializeParameters(g, 3);
    const cal = seededInputs(m, 2, 5);
    const q = quantizeGraph(g, {
      weights: 'int8',
      activations: 'int8',
      calibration: cal,
      seed: 3,
      biasCorrection: true,
    });
    let signal = 0;
    let noise = 0;
    for (const input of cal) {
      const ref = floatOutputs(m, input).get('fc')!;
      const got = executorEvaluator()(q, input).get('fc')!;
      ref.forEach((r, i) => {
        signal += r * r;
        noise += (r - got[i]!) ** 2;
      });
    }
    expect(10 * Math.log10(signal / noise)).toBeGreaterThan(30);
    // batchnorm variances are positive; c1 had no bias and got one from bias correction
    expect(Math.min(...m.tensors.get('bn1.var')!.data!)).toBeGreaterThan(0);
    const c1 = q.nodes.find((n) => n.name === 'c1')!;
    expect(c1.inputs).toHaveLength(3);
    expect(q.tensors.get(c1.inputs[2]!)!.quant?.format).toBe('int32');
  });
});

describe('bias correction (Nagel et al. 2019, empirical)', () => {
  // dense 6 → 2 whose int2 per-channel quantization drops every small weight to 0: a systematic
  // output shift −0.3 · Σ x on positive inputs.
  const K = 6;
  const w = new Float32Array(K * 2);
  for (let k = 0; k < K; k++) {
    w[k * 2] = k === 0 ? 1 : 0.3;
    w[k * 2 + 1] = k === 0 ? -1 : 0.2 + 0.01 * k;
  }
  const net = graphOf(
    [{ name: 'x', shape: [4, K], role: 'input', dtype: 'float32' }],
    [weight('w', [K, 2], w), bias('b', [2], Float32Array.from([0.5, -0.5]))],
    [{ name: 'fc', op: 'dense', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { units: 2 } }],
    ['y'],
  );
  const rand = lcg(8);
  const inputs: InputSet[] = [0, 1, 2].map(() => {
    const t: FloatTensor = { shape: [4, K], data: Float32Array.from({ length: 4 * K }, () => 1 + rand()) };
    return new Map([['x', t]]);
  });

  function meanError(q: Graph, evaluate: Evaluator = fakeQuantEvaluator): number[] {
    const sums = [0, 0];
    let n = 0;
    for (const input of inputs) {
      const ref = floatOutputs(net, input).get('y')!;
      const got = evaluate(q, input).get('y')!;
      ref.forEach((r, i) => (sums[i % 2]! += got[i]! - r));
      n += ref.length / 2;
    }
    return sums.map((s) => s / n);
  }

  it('measures E[(W_q − W) x] per channel', () => {
    const delta = Float32Array.from(w, (v, i) => (i % 2 === 0 ? (v === 1 ? 0 : -v) : 0));
    const shift = expectedShifts(net, new Map([['fc', delta]]), inputs).get('fc')!;
    // by hand: −0.3 · E[Σ_{k≥1} x_k] for channel 0, 0 for channel 1
    let sum = 0;
    let rows = 0;
    for (const input of inputs) {
      const x = input.get('x')!.data;
      for (let r = 0; r < 4; r++, rows++) for (let k = 1; k < K; k++) sum += x[r * K + k]!;
    }
    expect(shift[0]).toBeCloseTo((-0.3 * sum) / rows, 5);
    expect(shift[1]).toBe(0);
  });

  it('removes the constructed shift of the output mean', () => {
    const opts = { weights: 'int2', activations: 'fp32', calibration: inputs } as const;
    const plain = meanError(quantizeGraph(net, opts));
    expect(plain[0]).toBeLessThan(-2); // −0.3 · 5 · E[x] ≈ −2.25
    const corrected = meanError(quantizeGraph(net, { ...opts, biasCorrection: true }));
    expect(Math.abs(corrected[0]!)).toBeLessThan(1e-5);
    expect(Math.abs(corrected[1]!)).toBeLessThan(1e-5);
  });

  it('still removes most of it with int8 activations and an int32 bias', () => {
    const opts = { weights: 'int2', activations: 'uint8', calibration: inputs } as const;
    const plain = meanError(quantizeGraph(net, opts), executorEvaluator());
    const q = quantizeGraph(net, { ...opts, biasCorrection: true });
    expect(q.tensors.get('b')!.quant!.format).toBe('int32');
    const corrected = meanError(q, executorEvaluator());
    expect(Math.abs(corrected[0]!)).toBeLessThan(Math.abs(plain[0]!) / 50);
  });

  it('uses a calibration computed once', () => {
    const cal = calibrate(net, inputs);
    const a = quantizeGraph(net, {
      weights: 'int2',
      activations: 'uint8',
      calibration: cal,
      biasCorrection: true,
    });
    const b = quantizeGraph(net, {
      weights: 'int2',
      activations: 'uint8',
      calibration: inputs,
      biasCorrection: true,
    });
    expect(a.tensors.get('b')!.stored).toEqual(b.tensors.get('b')!.stored);
    expect(a.tensors.get('x')!.quant).toEqual(b.tensors.get('x')!.quant);
  });
});
