import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FloatTensor } from '../../../src/graph/ir.js';
import { ft, macsOf, node, problemsOf, randomTensor, run, shapesOf } from './helpers.js';
import { closeness, tfDense, tfMatMul } from './tf-oracle.js';

describe('dense', () => {
  it('shapes and MACs of a BERT-base FFN up-projection', () => {
    const n = node('dense', { units: 3072 }, ['x', 'w', 'b']);
    const s = [[4, 10, 768], [768, 3072], [3072]];
    expect(shapesOf(n, s)).toEqual([[4, 10, 3072]]);
    // (4·10·768 / 768) · 768 · 3072 = 40 · 2 359 296 = 94 371 840
    expect(macsOf(n, s)).toBe(94_371_840);
  });

  it('validation names the weight and bias problems', () => {
    const n = node('dense', { units: 10 }, ['x', 'w', 'b']);
    expect(problemsOf(n, [[1, 512], [256, 10], [9]])).toEqual([
      'inputs[1] (weight): got shape [256,10]; expected [512,10] ([K, units] with K = 512 from x [1,512] and units = 10)',
      'inputs[2] (bias): got shape [9]; expected [10] (one per unit)',
    ]);
    expect(
      problemsOf(node('dense', { units: -1 }, ['x', 'w']), [
        [1, 4],
        [4, 1],
      ]),
    ).toEqual(['attrs.units: got -1; expected a positive integer']);
    expect(problemsOf(n, [[1, 4]])).toEqual([
      'inputs: got 1 input; expected 2 to 3 inputs [x, weight, bias?]',
    ]);
  });

  it('hand-computed 2×3 · 3×2 + b', () => {
    // [1,2,3]·W = [1+3, 2+3] = [4, 5] → +[10,20] = [14, 25]; [4,5,6]·W = [10, 11] → [20, 31]
    const y = run(node('dense', { units: 2 }, ['x', 'w', 'b']), [
      ft([2, 3], [1, 2, 3, 4, 5, 6]),
      ft([3, 2], [1, 0, 0, 1, 1, 1]),
      ft([2], [10, 20]),
    ]);
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.data)).toEqual([14, 25, 20, 31]);
  });

  it('matches tfjs on a rank-3 input', async () => {
    const x = randomTensor([2, 5, 33], 1);
    const w = randomTensor([33, 17], 2);
    const b = randomTensor([17], 3);
    const ours = run(node('dense', { units: 17 }, ['x', 'w', 'b']), [x, w, b]);
    expect(closeness(ours, await tfDense(x, w, b), 1e-5, 1e-5)).toBeLessThan(1);
  });
});

describe('matmul', () => {
  it('broadcasts batch dims: [2,1,3,4] × [3,4,5] → [2,3,3,5]', () => {
    const n = node('matmul', { transB: false }, ['a', 'b']);
    expect(
      shapesOf(n, [
        [2, 1, 3, 4],
        [3, 4, 5],
      ]),
    ).toEqual([[2, 3, 3, 5]]);
    // batch 2·3 = 6; 6·M 3·N 5·K 4 = 360
    expect(
      macsOf(n, [
        [2, 1, 3, 4],
        [3, 4, 5],
      ]),
    ).toBe(360);
  });

  it('attention scores Q·Kᵀ with transB', () => {
    const n = node('matmul', { transB: true }, ['q', 'k']);
    // [1,12,128,64] × [1,12,128,64]ᵀ → [1,12,128,128]; MACs 12·128·128·64 = 12 582 912
    expect(
      shapesOf(n, [
        [1, 12, 128, 64],
        [1, 12, 128, 64],
      ]),
    ).toEqual([[1, 12, 128, 128]]);
    expect(
      macsOf(n, [
        [1, 12, 128, 64],
        [1, 12, 128, 64],
      ]),
    ).toBe(12_582_912);
  });

  it('validation: K mismatch, batch mismatch, rank, transB type', () => {
    const n = node('matmul', { transB: false }, ['a', 'b']);
    expect(
      problemsOf(n, [
        [2, 3, 4],
        [2, 5, 6],
      ]),
    ).toEqual([
      'inputs[1] (b): got shape [2,5,6]; expected its second-to-last dim to equal K = 4, the last dim of a [2,3,4]',
    ]);
    expect(
      problemsOf(node('matmul', { transB: true }, ['a', 'b']), [
        [3, 3, 4],
        [2, 5, 4],
      ]),
    ).toEqual([
      "inputs[1] (b): got shape [2,5,4]; expected batch dims [2] that broadcast with a's batch dims [3]",
    ]);
    expect(problemsOf(n, [[4], [4, 2]])).toEqual([
      'inputs[0] (a): got shape [4] (rank 1); expected rank 2 or more',
    ]);
    expect(
      problemsOf(node('matmul', { transB: 'yes' as unknown as boolean }, ['a', 'b']), [
        [2, 2],
        [2, 2],
      ]),
    ).toEqual(['attrs.transB: got "yes"; expected true or false']);
  });

  it('hand-computed 2×2 products, with and without transB', () => {
    const a = ft([2, 2], [1, 2, 3, 4]);
    const b = ft([2, 2], [5, 6, 7, 8]);
    // [[1·5+2·7, 1·6+2·8], [3·5+4·7, 3·6+4·8]] = [[19, 22], [43, 50]]
    expect(Array.from(run(node('matmul', { transB: false }, ['a', 'b']), [a, b]).data)).toEqual([
      19, 22, 43, 50,
    ]);
    // a·bᵀ = [[1·5+2·6, 1·7+2·8], [3·5+4·6, 3·7+4·8]] = [[17, 23], [39, 53]]
    expect(Array.from(run(node('matmul', { transB: true }, ['a', 'b']), [a, b]).data)).toEqual([
      17, 23, 39, 53,
    ]);
  });

  it('matches tfjs with broadcast batch dims', async () => {
    const cases: [number[], number[], boolean][] = [
      [[2, 1, 3, 4], [3, 4, 5], false],
      [[3, 4], [2, 4, 6], false],
      [[2, 3, 7, 8], [1, 3, 5, 8], true],
      [[5, 6], [6, 2], false],
    ];
    for (const [i, [as, bs, transB]] of cases.entries()) {
      const a = randomTensor(as, 10 + i);
      const b = randomTensor(bs, 20 + i);
      const ours = run(node('matmul', { transB }, ['a', 'b']), [a, b]);
      expect(closeness(ours, await tfMatMul(a, b, transB), 1e-5, 1e-5)).toBeLessThan(1);
    }
  });

  it('transB equals multiplying by the explicitly transposed operand (bit for bit)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        (batch, m, k, n, seed) => {
          const a = randomTensor([...batch, m, k], seed);
          const bT = randomTensor([...batch, n, k], seed + 1);
          const viaFlag = run(node('matmul', { transB: true }, ['a', 'b']), [a, bT]);
          const explicit = run(node('matmul', { transB: false }, ['a', 'b']), [a, swapLastTwo(bT)]);
          expect(viaFlag.shape).toEqual([...batch, m, n]);
          expect(Array.from(viaFlag.data)).toEqual(Array.from(explicit.data));
        },
      ),
      { numRuns: 80 },
    );
  });
});

/** Transpose the last two dims (test-local, independent of the transpose op). */
function swapLastTwo(t: FloatTensor): FloatTensor {
  const r = t.shape.length;
  const rows = t.shape[r - 2]!;
  const cols = t.shape[r - 1]!;
  const out = new Float32Array(t.data.length);
  for (let base = 0; base < t.data.length; base += rows * cols) {
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) out[base + j * rows + i] = t.data[base + i * cols + j]!;
  }
  return { shape: [...t.shape.slice(0, -2), cols, rows], data: out };
}
