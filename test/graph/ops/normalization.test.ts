import { describe, expect, it } from 'vitest';
import type { LrnAttrs } from '../../../src/graph/ir.js';
import { ft, macsOf, node, problemsOf, randomTensor, run, shapesOf } from './helpers.js';
import { closeness, tfBatchNorm, tfLayerNorm, tfLrn, tfSoftmax } from './tf-oracle.js';

const close = (actual: Float32Array, expected: readonly number[], digits = 6): void => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    expect(actual[i]).toBeCloseTo(e, digits);
  });
};

describe('softmax', () => {
  it('hand-computed: softmax([1, 2, 3]) = e^i / (e + e² + e³)', () => {
    const y = run(node('softmax', { axis: -1 }), [ft([1, 3], [1, 2, 3])]);
    close(y.data, [0.09003057317038046, 0.24472847105479767, 0.6652409557748219], 7);
  });

  it('is shift-invariant and stable for large inputs', () => {
    const y = run(node('softmax', { axis: 0 }), [ft([2], [1000, 1000])]);
    expect(Array.from(y.data)).toEqual([0.5, 0.5]);
  });

  it('matches tfjs along inner and outer axes', async () => {
    const x = randomTensor([2, 5, 3, 4], 3);
    for (const axis of [-1, 1, 0, 2]) {
      const ours = run(node('softmax', { axis }), [x]);
      expect(closeness(ours, await tfSoftmax(x, axis), 1e-7, 1e-6)).toBeLessThan(1);
    }
  });

  it('validation: axis out of range; shapes; no MACs', () => {
    expect(problemsOf(node('softmax', { axis: 2 }), [[4, 10]])).toEqual([
      'attrs.axis: got 2; expected an integer axis in [-2, 1] for a rank-2 input',
    ]);
    expect(problemsOf(node('softmax', { axis: 0.5 }), [[4, 10]])).toEqual([
      'attrs.axis: got 0.5; expected an integer axis in [-2, 1] for a rank-2 input',
    ]);
    expect(shapesOf(node('softmax', { axis: -1 }), [[1, 12, 128, 128]])).toEqual([[1, 12, 128, 128]]);
    expect(macsOf(node('softmax', { axis: -1 }), [[1, 12, 128, 128]])).toBe(0);
  });
});

const BN_IN = ['x', 'g', 'b', 'm', 'v'];

describe('batchnorm', () => {
  it('hand-computed per channel', () => {
    // ch0: gamma 2, beta 0, mean 1, var 4 → (x − 1)/2·2 → 1 → 0, 2 → 1
    // ch1: gamma 1, beta 1, mean 3, var 0.25 → (x − 3)/0.5 + 1 → 3 → 1, 4 → 3
    const y = run(node('batchnorm', { epsilon: 0 }, BN_IN), [
      ft([1, 2, 1, 2], [1, 2, 3, 4]),
      ft([2], [2, 1]),
      ft([2], [0, 1]),
      ft([2], [1, 3]),
      ft([2], [4, 0.25]),
    ]);
    expect(Array.from(y.data)).toEqual([0, 1, 1, 3]);
  });

  it('matches tfjs batchNorm', async () => {
    const x = randomTensor([2, 6, 4, 5], 1);
    const v = randomTensor([6], 5);
    const variance = ft(
      [6],
      Array.from(v.data, (e) => e * e + 0.1),
    );
    const [g, b, m] = [randomTensor([6], 2), randomTensor([6], 3), randomTensor([6], 4)];
    const ours = run(node('batchnorm', { epsilon: 1e-5 }, BN_IN), [x, g, b, m, variance]);
    expect(closeness(ours, await tfBatchNorm(x, g, b, m, variance, 1e-5), 1e-6, 1e-5)).toBeLessThan(1);
  });

  it('validation: parameter shapes, epsilon, input count', () => {
    const n = node('batchnorm', { epsilon: -1 }, BN_IN);
    expect(problemsOf(n, [[1, 4, 2, 2], [4], [3], [4], [4]])).toEqual([
      'attrs.epsilon: got -1; expected a finite number ≥ 0',
      'inputs[2] (beta): got shape [3]; expected [4] (one per channel of x [1,4,2,2])',
    ]);
    expect(problemsOf(node('batchnorm', { epsilon: 1e-5 }, ['x']), [[1, 4]])).toEqual([
      'inputs: got 1 input; expected 5 inputs [x, gamma, beta, mean, var]',
    ]);
  });
});

describe('layernorm', () => {
  it('hand-computed over the last axis', () => {
    // mean 2.5; var (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25; σ = 1.118033988749895
    // y = (x − 2.5)/σ · gamma + beta with gamma = [1, 1, 2, 1], beta = [0, 0, 0, 10]
    const y = run(node('layernorm', { axis: -1, epsilon: 0 }, ['x', 'g', 'b']), [
      ft([1, 4], [1, 2, 3, 4]),
      ft([4], [1, 1, 2, 1]),
      ft([4], [0, 0, 0, 10]),
    ]);
    close(y.data, [-1.3416407864998738, -0.4472135954999579, 0.8944271909999159, 10 + 1.3416407864998738]);
  });

  it('matches tfjs over one and two trailing axes', async () => {
    const x = randomTensor([2, 3, 8], 9);
    for (const axis of [2, 1]) {
      const pshape = x.shape.slice(axis);
      const g = randomTensor(pshape, 10 + axis);
      const b = randomTensor(pshape, 20 + axis);
      const ours = run(node('layernorm', { axis, epsilon: 1e-5 }, ['x', 'g', 'b']), [x, g, b]);
      expect(closeness(ours, await tfLayerNorm(x, g, b, axis, 1e-5), 1e-5, 1e-5)).toBeLessThan(1);
    }
  });

  it('beta is optional; validation of gamma shape and axis', () => {
    const y = run(node('layernorm', { axis: -1, epsilon: 0 }, ['x', 'g']), [
      ft([2], [1, 3]),
      ft([2], [1, 1]),
    ]);
    expect(Array.from(y.data)).toEqual([-1, 1]);
    const n = node('layernorm', { axis: -1, epsilon: 1e-5 }, ['x', 'g', 'b']);
    expect(problemsOf(n, [[2, 10, 768], [1, 768], [512]])).toEqual([
      'inputs[2] (beta): got shape [512]; expected [768], the dims of x from attrs.axis -1 on (leading 1s allowed)',
    ]);
    expect(problemsOf(node('layernorm', { axis: 3, epsilon: 0 }, ['x', 'g']), [[2, 4], [4]])).toEqual([
      'attrs.axis: got 3; expected an integer axis in [-2, 1] for a rank-2 input',
    ]);
  });
});

describe('lrn', () => {
  const x = ft([1, 3, 1, 1], [1, 2, 3]);

  it('hand-computed, odd size 3 (window c−1…c+1), alpha/size = 1', () => {
    // squares 1, 4, 9: ch0 1/(1 + 5) ; ch1 2/(1 + 14) ; ch2 3/(1 + 13)
    const y = run(node('lrn', { size: 3, alpha: 3, beta: 1, bias: 1 }), [x]);
    close(y.data, [1 / 6, 2 / 15, 3 / 14], 7);
  });

  it('hand-computed, even size 2 (window c…c+1, ONNX floor/ceil split)', () => {
    // ch0 sq 1+4 = 5 → 1/6 ; ch1 4+9 = 13 → 2/14 ; ch2 9 → 3/10
    const y = run(node('lrn', { size: 2, alpha: 2, beta: 1, bias: 1 }), [x]);
    close(y.data, [1 / 6, 2 / 14, 3 / 10], 7);
  });

  it('hand-computed with beta 0.75, bias 2 (AlexNet constants, size 5)', () => {
    // all channels in every window: sq = 14; denominator (2 + 1e-4/5 · 14)^0.75
    const d = Math.pow(2 + (1e-4 / 5) * 14, 0.75);
    const y = run(node('lrn', { size: 5, alpha: 1e-4, beta: 0.75, bias: 2 }), [x]);
    close(y.data, [1 / d, 2 / d, 3 / d], 6);
  });

  it('matches tfjs localResponseNormalization (alpha_tf = alpha / size)', async () => {
    const t = randomTensor([2, 11, 3, 3], 4);
    const ours = run(node('lrn', { size: 5, alpha: 0.5, beta: 0.75, bias: 1.5 }), [t]);
    expect(closeness(ours, await tfLrn(t, 5, 0.5, 0.75, 1.5), 1e-6, 1e-5)).toBeLessThan(1);
  });

  it('validation', () => {
    const bad = { size: 0, alpha: -1, beta: NaN, bias: 0 } as LrnAttrs;
    expect(problemsOf(node('lrn', bad), [[1, 3, 2, 2]])).toEqual([
      'attrs.size: got 0; expected a positive integer',
      'attrs.alpha: got -1; expected a finite number ≥ 0',
      'attrs.beta: got NaN; expected a finite number',
      'attrs.bias: got 0; expected a finite number > 0',
    ]);
  });
});
