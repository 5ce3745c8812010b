import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Shape } from '../../../src/graph/ir.js';
import { ft, macsOf, node, problemsOf, randomTensor, run, shapesOf } from './helpers.js';
import { tfConcat, tfTranspose } from './tf-oracle.js';

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 });

describe('concat', () => {
  it('shapes: GoogLeNet inception branches along channels', () => {
    const n = node('concat', { axis: 1 }, ['a', 'b', 'c', 'd']);
    // 64 + 128 + 32 + 32 = 256
    expect(
      shapesOf(n, [
        [1, 64, 28, 28],
        [1, 128, 28, 28],
        [1, 32, 28, 28],
        [1, 32, 28, 28],
      ]),
    ).toEqual([[1, 256, 28, 28]]);
    expect(
      macsOf(n, [
        [1, 64, 28, 28],
        [1, 128, 28, 28],
        [1, 32, 28, 28],
        [1, 32, 28, 28],
      ]),
    ).toBe(0);
  });

  it('hand-computed along the last axis (also as −1) and the first', () => {
    const a = ft([2, 2], [1, 2, 3, 4]);
    const b = ft([2, 1], [5, 6]);
    for (const axis of [1, -1])
      expect(Array.from(run(node('concat', { axis }, ['a', 'b']), [a, b]).data)).toEqual([1, 2, 5, 3, 4, 6]);
    const y = run(node('concat', { axis: 0 }, ['a', 'a']), [a, a]);
    expect(y.shape).toEqual([4, 2]);
    expect(Array.from(y.data)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
  });

  it('validation: mismatched dims, rank and axis', () => {
    const n = node('concat', { axis: 1 }, ['a', 'b', 'c']);
    expect(
      problemsOf(n, [
        [1, 2, 4],
        [1, 3, 5],
        [2, 3],
      ]),
    ).toEqual([
      "inputs[1] (input 1): got shape [1,3,5]; expected [1,*,4] (input 0's dims except along axis 1)",
      "inputs[2] (input 2): got shape [2,3]; expected [1,*,4] (input 0's dims except along axis 1)",
    ]);
    expect(
      problemsOf(node('concat', { axis: -4 }, ['a', 'b']), [
        [1, 2, 4],
        [1, 2, 4],
      ]),
    ).toEqual(['attrs.axis: got -4; expected an integer axis in [-3, 2] for a rank-3 input']);
    expect(problemsOf(node('concat', { axis: 0 }, []), [])).toEqual([
      'inputs: got 0 inputs; expected at least 1 inputs [a, b, …]',
    ]);
  });

  it('matches tfjs concat on random shapes and axes', async () => {
    await fc.assert(
      fc.asyncProperty(
        shapeArb,
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
        async (shape, seed, sizes) => {
          const axis = seed % shape.length;
          const parts = sizes.map((s, i) => {
            const sh = [...shape];
            sh[axis] = s;
            return randomTensor(sh, seed + i);
          });
          const ours = run(
            node(
              'concat',
              { axis },
              parts.map((_, i) => `t${i}`),
            ),
            parts,
          );
          const theirs = await tfConcat(parts, axis);
          expect(ours.shape).toEqual(theirs.shape);
          expect(Array.from(ours.data)).toEqual(Array.from(theirs.data));
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('reshape', () => {
  it('ONNX 0 and −1', () => {
    const r = (shape: number[], x: Shape): Shape[] => shapesOf(node('reshape', { shape }), [x]);
    expect(r([0, -1], [1, 512, 1, 1])).toEqual([[1, 512]]);
    // 24 elements / 4 = 6
    expect(r([4, -1], [2, 3, 4])).toEqual([[4, 6]]);
    expect(r([0, 0, -1], [2, 3, 4])).toEqual([[2, 3, 4]]);
    expect(r([-1], [2, 3, 4])).toEqual([[24]]);
    expect(r([1, 12, 128, 64], [1, 128, 768])).toEqual([[1, 12, 128, 64]]);
  });

  it('validation: element count, two −1, 0 beyond the input rank, non-integers', () => {
    const p = (shape: number[], x: Shape): string[] => problemsOf(node('reshape', { shape }), [x]);
    expect(p([5, -1], [2, 3, 4])).toEqual([
      'attrs.shape: got [5,-1]; expected a shape with 24 elements, the element count of x [2,3,4]',
    ]);
    expect(p([5, 5], [2, 3, 4])).toEqual([
      'attrs.shape: got [5,5]; expected a shape with 24 elements, the element count of x [2,3,4]',
    ]);
    const entries =
      'expected integers ≥ 1, at most one −1 (inferred) and 0 only at positions < 3 (copies the input dim)';
    expect(p([-1, -1], [2, 3, 4])).toEqual([`attrs.shape: got [-1,-1]; ${entries}`]);
    expect(p([1, 1, 1, 0], [2, 3, 4])).toEqual([`attrs.shape: got [1,1,1,0]; ${entries}`]);
    expect(p([2.5, -1], [2, 3, 4])).toEqual([`attrs.shape: got [2.5,-1]; ${entries}`]);
    expect(p([-2, 12], [2, 3, 4])).toEqual([`attrs.shape: got [-2,12]; ${entries}`]);
  });

  it('preserves data (property)', () => {
    fc.assert(
      fc.property(shapeArb, fc.nat(), (shape, seed) => {
        const x = randomTensor(shape, seed);
        const total = x.data.length;
        const y = run(node('reshape', { shape: [-1] }), [x]);
        expect(y.shape).toEqual([total]);
        expect(Array.from(y.data)).toEqual(Array.from(x.data));
        const back = run(node('reshape', { shape: [...shape] }), [y]);
        expect(back.shape).toEqual(shape);
        expect(Array.from(back.data)).toEqual(Array.from(x.data));
      }),
      { numRuns: 50 },
    );
  });
});

describe('flatten', () => {
  it('ONNX axis semantics', () => {
    const f = (axis: number): Shape[] => shapesOf(node('flatten', { axis }), [[2, 3, 4, 5]]);
    expect(f(1)).toEqual([[2, 60]]);
    expect(f(0)).toEqual([[1, 120]]);
    expect(f(4)).toEqual([[120, 1]]);
    expect(f(-1)).toEqual([[24, 5]]);
    expect(problemsOf(node('flatten', { axis: 5 }), [[2, 3, 4, 5]])).toEqual([
      'attrs.axis: got 5; expected an integer axis in [-4, 4] for a rank-4 input',
    ]);
  });

  it('preserves data (property)', () => {
    fc.assert(
      fc.property(shapeArb, fc.nat(), (shape, seed) => {
        const x = randomTensor(shape, seed);
        const axis = seed % (shape.length + 1);
        const y = run(node('flatten', { axis }), [x]);
        const left = shape.slice(0, axis).reduce((a, b) => a * b, 1);
        expect(y.shape).toEqual([left, x.data.length / left]);
        expect(Array.from(y.data)).toEqual(Array.from(x.data));
      }),
      { numRuns: 50 },
    );
  });
});

describe('transpose', () => {
  it('shapes and a hand-computed 2×3 transpose', () => {
    expect(shapesOf(node('transpose', { perm: [2, 0, 1] }), [[2, 3, 4]])).toEqual([[4, 2, 3]]);
    expect(shapesOf(node('transpose', { perm: [] }), [[2, 3, 4]])).toEqual([[4, 3, 2]]);
    const y = run(node('transpose', { perm: [1, 0] }), [ft([2, 3], [1, 2, 3, 4, 5, 6])]);
    expect(y.shape).toEqual([3, 2]);
    expect(Array.from(y.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('validation: not a permutation', () => {
    const msg = (got: string): string =>
      `attrs.perm: got ${got}; expected a permutation of 0…2 (x has rank 3), or [] to reverse the dims`;
    expect(problemsOf(node('transpose', { perm: [0, 0, 1] }), [[2, 3, 4]])).toEqual([msg('[0,0,1]')]);
    expect(problemsOf(node('transpose', { perm: [0, 1] }), [[2, 3, 4]])).toEqual([msg('[0,1]')]);
    expect(problemsOf(node('transpose', { perm: [0, 1, 3] }), [[2, 3, 4]])).toEqual([msg('[0,1,3]')]);
  });

  it('matches tfjs on random permutations', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.nat(), async (shape, seed) => {
        const perm = shape.map((_, i) => i);
        for (let i = perm.length - 1; i > 0; i--) {
          const j = (seed >> i) % (i + 1);
          [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        }
        const x = randomTensor(shape, seed);
        const ours = run(node('transpose', { perm }), [x]);
        const theirs = await tfTranspose(x, perm);
        expect(ours.shape).toEqual(theirs.shape);
        expect(Array.from(ours.data)).toEqual(Array.from(theirs.data));
      }),
      { numRuns: 40 },
    );
  });
});
