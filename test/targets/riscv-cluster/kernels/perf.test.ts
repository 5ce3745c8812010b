/**
 * MAC/cycle of whole generated conv kernels (one core, ideal I-cache and data port), next to the
 * inner-loop ceilings of reference/pulp.md §3.4 (4×2 MAC&LOAD: 3.56 / 7.1 / 14.2 MAC/cycle at
 * 8 / 4 / 2 bit). The figures are in docs/riscv-cluster-kernels.md.
 */
import { describe, expect, it } from 'vitest';
import { runConv } from '../../../../src/targets/riscv-cluster/kernels/run.js';
import { randomLayer, referenceConv, type LayerCase } from './helpers.js';

const LAYERS: { readonly c: LayerCase; readonly ceiling: number; readonly atLeast: number }[] = [
  {
    c: { h: 10, w: 10, cin: 32, cout: 32, k: 3, stride: 1, pad: 0, xBits: 8, wBits: 8, yBits: 8 },
    ceiling: 3.56,
    atLeast: 2.4,
  },
  {
    c: { h: 10, w: 10, cin: 64, cout: 32, k: 3, stride: 1, pad: 0, xBits: 4, wBits: 4, yBits: 4 },
    ceiling: 7.1,
    atLeast: 4.5,
  },
  {
    c: { h: 10, w: 10, cin: 128, cout: 32, k: 3, stride: 1, pad: 0, xBits: 2, wBits: 2, yBits: 2 },
    ceiling: 14.2,
    atLeast: 8,
  },
  {
    c: { h: 8, w: 8, cin: 64, cout: 32, k: 1, stride: 1, pad: 0, xBits: 8, wBits: 8, yBits: 8 },
    ceiling: 3.56,
    atLeast: 1.3,
  },
  {
    c: { h: 10, w: 10, cin: 32, cout: 32, k: 3, stride: 1, pad: 0, xBits: 8, wBits: 4, yBits: 8 },
    ceiling: 3.56,
    atLeast: 2.2,
  },
];

describe('conv kernel MAC/cycle', () => {
  for (const { c, ceiling, atLeast } of LAYERS) {
    it(`a${c.xBits}w${c.wBits} ${c.k}×${c.k} ${c.h}×${c.w}×${c.cin}→${c.cout}`, () => {
      const { q } = randomLayer(c, 7);
      const r = runConv(q);
      expect(Array.from(r.y)).toEqual(Array.from(referenceConv(q)));
      const n = r.counts;
      console.log(
        `a${c.xBits}w${c.wBits} ${c.k}x${c.k} ${c.h}x${c.w}x${c.cin}->${c.cout}: ${r.macPerCycle.toFixed(3)} MAC/cycle ` +
          `(ceiling ${ceiling}), cycles ${r.cycles}, macload ${n['insn.macload']}, load ${n['insn.load']}, ` +
          `store ${n['insn.store']}, mulh ${n['insn.mulh']}, stalls ${n['stall.total']} ` +
          `(mulLatency ${n['stall.mulLatency']}, loadUse ${n['stall.loadUse']}, branch ${n['stall.branch']})`,
      );
      expect(r.macPerCycle).toBeLessThan(ceiling);
      expect(r.macPerCycle).toBeGreaterThan(atLeast);
    });
  }
});
