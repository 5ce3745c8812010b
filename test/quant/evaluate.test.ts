/**
 * evaluateNumerics (src/quant/evaluate.ts) on graphs small enough to check by hand:
 * - the two float32 references (reference kernels, TF.js) give the same numbers within float32
 *   accumulation error, also on a graph with a requantize node (an imported QDQ model's input);
 * - a float graph run unquantized has no error (SQNR Infinity, zero abs error with the kernels);
 * - a quantized graph without `quantize` runs as it is: its errors are those of executeGraph
 *   against runReference, summed here independently; rows come in node order;
 * - a graph whose weights have only `stored` values is evaluated with those weights;
 * - classifier metrics on two samples worked out by hand, with labels.
 */
import { describe, expect, it } from 'vitest';
import { runReference } from '../../src/graph/analyze.js';
import type { Graph, QuantSpec, TensorInfo } from '../../src/graph/ir.js';
import { executeGraph } from '../../src/numerics/execute.js';
import { calibrate, quantizeGraph, seededInputs, type InputSet } from '../../src/quant/index.js';
import { evaluateNumerics, logitsGraph, logitsOf, type EvaluateReport } from '../../src/quant/evaluate.js';
import { loadGraph } from '../../src/graph/load.js';
import { packageRoot } from '../../src/units/paths.js';
import { join } from 'node:path';
import { InputError } from '../../src/units/errors.js';
import { quantResNet } from '../graph/export/graphs.js';
import { bias, graphOf, lcg, weight } from './helpers.js';

function values(n: number, seed: number, scale = 1): Float32Array {
  const u = lcg(seed);
  return Float32Array.from({ length: n }, () => scale * (2 * u() - 1));
}

/** x [1,2,5,5] → conv 2→3 (3×3, pad 1) → relu → global average pool → flatten → dense 3→4. */
function tinyCnn(): Graph {
  const conv = {
    outChannels: 3,
    kernel: [3, 3] as const,
    stride: [1, 1] as const,
    pads: [1, 1, 1, 1] as const,
    dilation: [1, 1] as const,
    groups: 1,
  };
  return graphOf(
    [{ name: 'x', shape: [1, 2, 5, 5], role: 'input', dtype: 'float32' }],
    [
      weight('w1', [3, 2, 3, 3], values(54, 1, 0.5)),
      bias('b1', [3], values(3, 2, 0.1)),
      weight('w2', [3, 4], values(12, 3)),
      bias('b2', [4], values(4, 4, 0.1)),
    ],
    [
      { name: 'conv', op: 'conv2d', inputs: ['x', 'w1', 'b1'], outputs: ['c'], attrs: conv },
      { name: 'relu', op: 'relu', inputs: ['c'], outputs: ['r'], attrs: {} },
      { name: 'gap', op: 'globalavgpool', inputs: ['r'], outputs: ['g'], attrs: {} },
      { name: 'flat', op: 'flatten', inputs: ['g'], outputs: ['f'], attrs: { axis: 1 } },
      { name: 'fc', op: 'dense', inputs: ['f', 'w2', 'b2'], outputs: ['y'], attrs: { units: 4 } },
    ],
    ['y'],
  );
}

const float = tinyCnn();
const calibration = seededInputs(float, 16, 11);
const evaluation = seededInputs(float, 2, 12);
const int8 = { weights: 'int8', activations: 'uint8' } as const;

/** The two reports agree up to float32 accumulation error in the reference. */
function expectSameNumbers(a: EvaluateReport, b: EvaluateReport): void {
  expect(a.layers.map((l) => [l.node, l.op, l.tensor])).toEqual(
    b.layers.map((l) => [l.node, l.op, l.tensor]),
  );
  [...a.layers, a.output].forEach((l, i) => {
    const m = [...b.layers, b.output][i]!;
    if (Number.isFinite(l.sqnrDb) || Number.isFinite(m.sqnrDb)) expect(l.sqnrDb).toBeCloseTo(m.sqnrDb, 3);
    expect(Math.abs(l.maxAbsError - m.maxAbsError)).toBeLessThan(1e-5);
    expect(Math.abs(l.meanAbsError - m.meanAbsError)).toBeLessThan(1e-6);
  });
  expect(a.classifier).toEqual(b.classifier);
  expect(a.samples).toBe(b.samples);
}

describe('evaluateNumerics: the float32 references', () => {
  it('kernels and TF.js give the same errors for a quantized tiny CNN', async () => {
    const kernels = await evaluateNumerics({
      graph: float,
      quantize: int8,
      calibration,
      evaluation,
      reference: 'kernels',
    });
    const tfjs = await evaluateNumerics({
      graph: float,
      quantize: int8,
      calibration,
      evaluation,
      reference: 'tfjs',
    });
    expect(kernels.reference).toBe('kernels');
    expect(tfjs.reference).toBe('tfjs');
    expect(kernels.quantized).toEqual(tfjs.quantized);
    expectSameNumbers(kernels, tfjs);
    // quantized to 8 bits: finite, well above 20 dB, nonzero error
    for (const l of kernels.layers) {
      expect(l.sqnrDb).toBeGreaterThan(20);
      expect(l.sqnrDb).toBeLessThan(80);
      expect(l.maxAbsError).toBeGreaterThan(0);
    }
  });

  it('kernels and TF.js agree on a quantized graph with a requantize node (both skip it)', async () => {
    const q = quantResNet();
    const sets = seededInputs(q, 2, 5);
    const kernels = await evaluateNumerics({ graph: q, evaluation: sets, reference: 'kernels' });
    const tfjs = await evaluateNumerics({ graph: q, evaluation: sets, reference: 'tfjs' });
    expectSameNumbers(kernels, tfjs);
    // the float32 network does not quantize its input: quant_in has an error of its own
    const quantIn = kernels.layers.find((l) => l.node === 'quant_in')!;
    expect(quantIn.sqnrDb).toBeLessThan(60);
    expect(quantIn.maxAbsError).toBeGreaterThan(0);
  });

  it('an unquantized float graph has no error: SQNR Infinity with the kernels, ≥ 100 dB with TF.js', async () => {
    const kernels = await evaluateNumerics({ graph: float, evaluation, reference: 'kernels' });
    expect(kernels.quantized).toBe(float);
    expect(kernels.layers.map((l) => l.node)).toEqual(['conv', 'relu', 'gap', 'flat', 'fc']);
    for (const l of [...kernels.layers, kernels.output]) {
      expect(l.sqnrDb).toBe(Infinity);
      expect(l.maxAbsError).toBe(0);
      expect(l.meanAbsError).toBe(0);
    }
    const tfjs = await evaluateNumerics({ graph: float, evaluation });
    expect(tfjs.reference).toBe('tfjs');
    for (const l of [...tfjs.layers, tfjs.output]) {
      expect(l.sqnrDb).toBeGreaterThanOrEqual(100);
      expect(l.maxAbsError).toBeLessThan(1e-5);
    }
  });

  it('with `quantize`, the graph is quantizeGraph of the float graph (calibration sets or a Calibration)', async () => {
    const expected = quantizeGraph(float, { ...int8, calibration });
    const fromSets = await evaluateNumerics({
      graph: float,
      quantize: int8,
      calibration,
      evaluation,
      reference: 'kernels',
    });
    expect(fromSets.quantized).toEqual(expected);
    const fromCal = await evaluateNumerics({
      graph: float,
      quantize: int8,
      calibration: calibrate(float, calibration),
      evaluation,
      reference: 'kernels',
    });
    expect(fromCal.quantized).toEqual(expected);
    expect(fromCal.layers).toEqual(fromSets.layers);
  });
});

interface Sums {
  signal: number;
  noise: number;
  abs: number;
  max: number;
  count: number;
}

describe('evaluateNumerics: a quantized graph as it is', () => {
  const q = quantizeGraph(float, { weights: 'int4', activations: 'uint4', calibration });

  it('equals executeGraph against runReference, error by error, in node order', async () => {
    const r = await evaluateNumerics({ graph: q, evaluation, reference: 'kernels' });
    expect(r.quantized).toBe(q);
    const sums = new Map<string, Sums>();
    const out: Sums = { signal: 0, noise: 0, abs: 0, max: 0, count: 0 };
    const add = (s: Sums, ref: Float32Array, test: Float32Array): void => {
      ref.forEach((v, i) => {
        const d = v - test[i]!;
        s.signal += v * v;
        s.noise += d * d;
        s.abs += Math.abs(d);
        s.max = Math.max(s.max, Math.abs(d));
        s.count++;
      });
    };
    for (const input of evaluation) {
      const ref = runReference(q, input, () => {
        throw new Error('every parameter has data');
      });
      const exec = executeGraph(q, new Map([...input].map(([k, t]) => [k, { real: t.data }])), {
        keep: 'all',
      });
      for (const node of q.nodes) {
        const name = node.outputs[0]!;
        const s = sums.get(name) ?? { signal: 0, noise: 0, abs: 0, max: 0, count: 0 };
        add(s, ref.get(name)!.data, exec.get(name)!.real);
        sums.set(name, s);
      }
      add(out, ref.get('y')!.data, exec.get('y')!.real);
    }
    const row = (s: Sums) => ({
      sqnrDb: 10 * Math.log10(s.signal / s.noise),
      maxAbsError: s.max,
      meanAbsError: s.abs / s.count,
    });
    expect(r.layers).toEqual(
      q.nodes.map((n) => ({
        node: n.name,
        op: n.op,
        tensor: n.outputs[0]!,
        ...row(sums.get(n.outputs[0]!)!),
      })),
    );
    expect(r.output).toEqual({ tensor: 'y', ...row(out) });
    expect(r.samples).toBe(2);
    // classifier: one output [1, 4]
    expect(r.classifier?.classes).toBe(4);
    expect(r.classifier?.top1Accuracy).toBeNull();
  });

  it('weights with only `stored` values are evaluated with those values', async () => {
    const g = quantResNet();
    const storedOnly: Graph = {
      ...g,
      tensors: new Map(
        [...g.tensors].map(([name, t]): [string, TensorInfo] => {
          if (t.stored === undefined) return [name, t];
          const { data: _data, ...rest } = t;
          return [name, rest];
        }),
      ),
    };
    expect(
      [...storedOnly.tensors.values()].filter((t) => t.stored !== undefined && t.data === undefined),
    ).toHaveLength(5);
    const sets = seededInputs(g, 2, 6);
    for (const reference of ['kernels', 'tfjs'] as const) {
      const withData = await evaluateNumerics({ graph: g, evaluation: sets, reference });
      const without = await evaluateNumerics({ graph: storedOnly, evaluation: sets, reference });
      expect(without.layers).toEqual(withData.layers);
    }
  });
});

describe('evaluateNumerics: classifier metrics by hand', () => {
  /**
   * y = x · I (7 classes): x int8 (scale 1), identity int8 weights (scale 1), y int8 with scale 4,
   * so the executor gives y = 4 · round_half_even(x / 4) while the float32 reference gives y = x.
   */
  function identityClassifier(batch: number): Graph {
    const spec = (scale: number): QuantSpec => ({ format: 'int8', scale, zeroPoint: 0 });
    const eye = Float64Array.from({ length: 49 }, (_, i) => (i % 8 === 0 ? 1 : 0));
    return graphOf(
      [{ name: 'x', shape: [batch, 7], role: 'input', dtype: 'float32', quant: spec(1) }],
      [
        {
          name: 'w',
          shape: [7, 7],
          role: 'weight',
          dtype: 'float32',
          quant: spec(1),
          stored: eye,
          data: Float32Array.from(eye),
        },
        { name: 'y', shape: [batch, 7], role: 'activation', dtype: 'float32', quant: spec(4) },
      ],
      [{ name: 'fc', op: 'dense', inputs: ['x', 'w'], outputs: ['y'], attrs: { units: 7 } }],
      ['y'],
    );
  }
  const set = (batch: number, rows: readonly (readonly number[])[]): InputSet =>
    new Map([['x', { shape: [batch, 7], data: Float32Array.from(rows.flat()) }]]);

  // A: float top-1 6; quantized 21 → 20 keeps it.  B: float top-1 1 (10 > 9); quantized 9 → 8 and
  // 10 → 8 tie, the lower index 0 wins, 1 is still in the top 5.  C: float top-1 6 (9); quantized
  // all 8, top 5 = 0…4 leaves 6 out.
  const A = [0, 0, 0, 0, 0, 0, 21];
  const B = [9, 10, 0, 0, 0, 0, 0];
  const C = [8, 8, 8, 8, 8, 8, 9];

  it('two samples in two sets: top-1 agreement ½, top-5 1; accuracy fp32 ½, quantized 1', async () => {
    for (const reference of ['kernels', 'tfjs'] as const) {
      const r = await evaluateNumerics({
        graph: identityClassifier(1),
        evaluation: [set(1, [A]), set(1, [B])],
        labels: Int32Array.from([6, 0]),
        reference,
      });
      expect(r.samples).toBe(2);
      expect(r.classifier).toEqual({
        classes: 7,
        top1Agreement: 0.5,
        top5Agreement: 1,
        top1Accuracy: 1,
        fp32Top1Accuracy: 0.5,
      });
    }
  });

  it('two samples in one set of batch 2: top-1 and top-5 agreement ½; accuracy fp32 ½, quantized 0', async () => {
    const r = await evaluateNumerics({
      graph: identityClassifier(2),
      evaluation: [set(2, [C, A])],
      labels: Int32Array.from([6, 2]),
      reference: 'kernels',
    });
    expect(r.samples).toBe(2);
    expect(r.classifier).toEqual({
      classes: 7,
      top1Agreement: 0.5,
      top5Agreement: 0.5,
      top1Accuracy: 0,
      fp32Top1Accuracy: 0.5,
    });
    // without labels: no accuracies
    const unlabelled = await evaluateNumerics({
      graph: identityClassifier(2),
      evaluation: [set(2, [C, A])],
      reference: 'kernels',
    });
    expect(unlabelled.classifier?.top1Accuracy).toBeNull();
    expect(unlabelled.classifier?.fp32Top1Accuracy).toBeNull();
  });

  it('labels of the wrong count are an InputError, not silently dropped', async () => {
    await expect(
      evaluateNumerics({
        graph: identityClassifier(1),
        evaluation: [set(1, [A]), set(1, [B])],
        labels: Int32Array.from([6]),
        reference: 'kernels',
      }),
    ).rejects.toBeInstanceOf(InputError);
  });
});

describe('the output error is measured on logits, not on softmax probabilities', () => {
  it('names the softmax input for the MNIST CNN, and the output itself otherwise', () => {
    const g = loadGraph(join(packageRoot(), 'workloads', 'mnist', 'model.json')).graph;
    expect(g.nodes.at(-1)?.op).toBe('softmax');
    expect(logitsOf(g, g.outputs[0]!)).toBe(g.nodes.at(-1)!.inputs[0]);
    const noSoftmax = { ...g, nodes: g.nodes.slice(0, -1), outputs: [g.nodes.at(-1)!.inputs[0]!] };
    expect(logitsOf(noSoftmax, noSoftmax.outputs[0]!)).toBe(noSoftmax.outputs[0]);
  });
});

describe('logitsGraph (what the mixed-precision search scores)', () => {
  it('drops the final softmax and makes its input the output; leaves other graphs alone', () => {
    const g = loadGraph(join(packageRoot(), 'workloads', 'mnist', 'model.json')).graph;
    const l = logitsGraph(g);
    expect(l.nodes.length).toBe(g.nodes.length - 1);
    expect(l.outputs).toEqual([g.nodes.at(-1)!.inputs[0]]);
    expect(logitsGraph(l)).toBe(l);
  });
});
