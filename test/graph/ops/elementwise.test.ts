import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClipAttrs } from '../../../src/graph/ir.js';
import { erf, erfc } from '../../../src/graph/ops/math.js';
import { ft, macsOf, node, problemsOf, randomTensor, run, shapesOf } from './helpers.js';
import { closeness, tfBroadcast, tfGelu, tfSigmoid } from './tf-oracle.js';

describe('add / mul', () => {
  it('broadcast shapes numpy-style, no MACs', () => {
    const add = node('add', {}, ['a', 'b']);
    expect(
      shapesOf(add, [
        [1, 64, 56, 56],
        [1, 64, 56, 56],
      ]),
    ).toEqual([[1, 64, 56, 56]]);
    expect(
      shapesOf(add, [
        [2, 1, 5],
        [4, 1],
      ]),
    ).toEqual([[2, 4, 5]]);
    expect(shapesOf(node('mul', {}, ['a', 'b', 'c']), [[3, 1], [1, 4], [4]])).toEqual([[3, 4]]);
    expect(macsOf(add, [[8], [8]])).toBe(0);
  });

  it('validation: non-broadcastable shapes and a single input', () => {
    const add = node('add', {}, ['a', 'b', 'c']);
    expect(
      problemsOf(add, [
        [2, 3],
        [1, 3],
        [2, 4],
      ]),
    ).toEqual([
      'inputs[2] (input 2): got shape [2,4]; expected a shape that broadcasts with [2,3] (numpy rules: trailing dims equal or 1)',
    ]);
    expect(problemsOf(node('mul', {}, ['a']), [[2]])).toEqual([
      'inputs: got 1 input; expected at least 2 inputs [a, b, …]',
    ]);
  });

  it('hand-computed broadcast add and mul', () => {
    const a = ft([2, 1], [1, 2]);
    const b = ft([3], [10, 20, 30]);
    // [[1+10, 1+20, 1+30], [2+10, 2+20, 2+30]]
    expect(Array.from(run(node('add', {}, ['a', 'b']), [a, b]).data)).toEqual([11, 21, 31, 12, 22, 32]);
    expect(Array.from(run(node('mul', {}, ['a', 'b']), [a, b]).data)).toEqual([10, 20, 30, 20, 40, 60]);
    // three inputs: + [100] broadcast everywhere
    expect(Array.from(run(node('add', {}, ['a', 'b', 'c']), [a, b, ft([1], [100])]).data)).toEqual([
      111, 121, 131, 112, 122, 132,
    ]);
  });

  it('two-input add/mul are exactly float32 arithmetic (vs tfjs, random broadcast shapes)', async () => {
    const cases: [number[], number[]][] = [
      [
        [2, 3, 4, 5],
        [3, 1, 5],
      ],
      [
        [1, 8, 1, 1],
        [2, 8, 3, 3],
      ],
      [[7], [4, 1]],
    ];
    for (const [i, [as, bs]] of cases.entries()) {
      const a = randomTensor(as, i);
      const b = randomTensor(bs, i + 50);
      for (const op of ['add', 'mul'] as const) {
        const ours = run(node(op, {}, ['a', 'b']), [a, b]);
        const theirs = await tfBroadcast(op, a, b);
        expect(ours.shape).toEqual(theirs.shape);
        expect(Array.from(ours.data)).toEqual(Array.from(theirs.data));
      }
    }
  });
});

describe('activations', () => {
  const x = ft([1, 7], [-7, -1, -0, 0.5, 5.5, 6, 9]);

  it('relu, relu6, clip by hand', () => {
    expect(Array.from(run(node('relu', {}), [x]).data)).toEqual([0, 0, -0, 0.5, 5.5, 6, 9]);
    expect(Array.from(run(node('relu6', {}), [x]).data)).toEqual([0, 0, -0, 0.5, 5.5, 6, 6]);
    expect(Array.from(run(node('clip', { min: -1, max: 1 }), [x]).data)).toEqual([-1, -1, -0, 0.5, 1, 1, 1]);
    expect(Array.from(run(node('clip', { min: 0, max: Infinity }), [x]).data)).toEqual([
      0, 0, -0, 0.5, 5.5, 6, 9,
    ]);
    expect(run(node('relu', {}), [ft([1], [NaN])]).data[0]).toBeNaN();
  });

  it('shapes pass through; clip validation', () => {
    expect(shapesOf(node('gelu', {}), [[2, 128, 768]])).toEqual([[2, 128, 768]]);
    expect(problemsOf(node('clip', { min: 3, max: 2 }), [[4]])).toEqual([
      'attrs.min: got 3; expected a value not above attrs.max (2)',
    ]);
    expect(problemsOf(node('clip', { min: NaN, max: '6' } as unknown as ClipAttrs), [[4]])).toEqual([
      'attrs.min: got NaN; expected a number (±Infinity allowed), not NaN',
      'attrs.max: got "6"; expected a number (±Infinity allowed), not NaN',
    ]);
    expect(problemsOf(node('relu', {}, ['a', 'b']), [[4], [4]])).toEqual([
      'inputs: got 2 inputs; expected 1 inputs [x]',
    ]);
  });

  it('erf / erfc match reference values (Python math.erf / math.erfc) to ~1e-15 relative', () => {
    const erfs: [number, number][] = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [1.5, 0.9661051464753108],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
    ];
    for (const [v, e] of erfs) {
      expect(erf(v)).toBeCloseTo(e, 15);
      expect(erf(-v)).toBeCloseTo(-e, 15);
    }
    const erfcs: [number, number][] = [
      [0.5, 0.4795001221869535],
      [2, 0.004677734981047265],
      [2.5, 0.0004069520174449589],
      [3, 2.2090496998585438e-5],
      [5, 1.5374597944280351e-12],
      [10, 2.088487583762545e-45],
    ];
    for (const [v, e] of erfcs) expect(Math.abs(erfc(v) - e) / e).toBeLessThan(1e-13);
    expect(erf(0)).toBe(0);
    expect(erf(40)).toBe(1);
    expect(erfc(-40)).toBe(2);
  });

  it('gelu matches exact values, including the far negative tail', () => {
    // 0.5·x·erfc(−x/√2) from Python's math.erfc
    const expected: [number, number][] = [
      [-1, -0.15865525393145707],
      [1, 0.8413447460685429],
      [-3, -0.004049694094890287],
      [-5, -1.4332578593959731e-6],
      [-8, -4.9767684594174555e-15],
      [0.5, 0.34573123063700656],
      [3, 2.99595030590511],
    ];
    const y = run(node('gelu', {}), [
      ft(
        [expected.length],
        expected.map(([v]) => v),
      ),
    ]);
    expected.forEach(([, e], i) => {
      expect(y.data[i]).toBe(Math.fround(e));
    });
  });

  it('gelu and sigmoid vs tfjs', async () => {
    const x = ft(
      [3, 100],
      Array.from({ length: 300 }, (_, i) => (i - 150) / 20),
    );
    // tf.erf is accurate to 1.5e-7 absolute, so GELU agrees within ~|x|·1e-7
    expect(closeness(run(node('gelu', {}), [x]), await tfGelu(x), 1e-6, 1e-6)).toBeLessThan(1);
    expect(closeness(run(node('sigmoid', {}), [x]), await tfSigmoid(x), 1e-7, 1e-6)).toBeLessThan(1);
    // sigmoid(0) = 1/2, sigmoid(ln 3) = 1/(1 + 1/3) = 3/4
    expect(Array.from(run(node('sigmoid', {}), [ft([2], [0, Math.log(3)])]).data)).toEqual([0.5, 0.75]);
  });

  it('unary ops preserve shape and are elementwise (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (shape, seed) => {
          const t = randomTensor(shape, seed);
          for (const op of ['relu', 'relu6', 'gelu', 'sigmoid'] as const) {
            const y = run(node(op, {}), [t]);
            expect(y.shape).toEqual(shape);
            const single = run(node(op, {}), [ft([1], [t.data[0]!])]);
            expect(y.data[0]).toBe(single.data[0]);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
