import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crowdingDistance,
  dominates,
  nonDominatedSort,
  orient,
  ParetoArchive,
} from '../../src/dse/pareto.js';

const bruteFront = (pts: readonly number[][]): number[] =>
  pts.map((_, i) => i).filter((i) => !pts.some((q) => dominates(q, pts[i]!)));

const pointsArb = fc.array(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 2, maxLength: 2 }), {
  minLength: 1,
  maxLength: 40,
});

describe('Pareto dominance', () => {
  it('dominates: no worse everywhere, better somewhere', () => {
    expect(dominates([1, 2], [1, 3])).toBe(true);
    expect(dominates([1, 3], [1, 3])).toBe(false);
    expect(dominates([0, 4], [1, 3])).toBe(false);
    expect(orient([5, 0.9], ['minimize', 'maximize'])).toEqual([5, -0.9]);
  });

  it('the archive keeps exactly the non-dominated points, whatever the order they arrive in', () => {
    fc.assert(
      fc.property(pointsArb, fc.integer(), (pts, seed) => {
        const order = pts
          .map((_, i) => i)
          .sort((a, b) => ((a * 7919 + seed) % 97) - ((b * 7919 + seed) % 97));
        const archive = new ParetoArchive<number>();
        for (const i of order) archive.offer(pts[i]!, i);
        expect(archive.items().sort((a, b) => a - b)).toEqual(bruteFront(pts));
      }),
    );
  });

  it('non-dominated sorting peels fronts one after another', () => {
    fc.assert(
      fc.property(pointsArb, (pts) => {
        const fronts = nonDominatedSort(pts);
        expect(fronts.flat().sort((a, b) => a - b)).toEqual(pts.map((_, i) => i));
        let rest = pts.map((_, i) => i);
        for (const f of fronts) {
          const sub = rest.map((i) => pts[i]!);
          expect([...f].sort((a, b) => a - b)).toEqual(bruteFront(sub).map((k) => rest[k]!));
          rest = rest.filter((i) => !f.includes(i));
        }
      }),
    );
  });

  it('crowding distance: ends infinite, inner points by normalised gaps', () => {
    const pts = [
      [0, 4],
      [1, 2],
      [2, 1],
      [4, 0],
    ];
    const d = crowdingDistance(pts, [0, 1, 2, 3]);
    expect(d.get(0)).toBe(Infinity);
    expect(d.get(3)).toBe(Infinity);
    // point 1: (2 − 0)/4 + (4 − 1)/4 = 1.25; point 2: (4 − 1)/4 + (2 − 0)/4 = 1.25
    expect(d.get(1)).toBeCloseTo(1.25, 12);
    expect(d.get(2)).toBeCloseTo(1.25, 12);
  });
});
