/**
 * A conv layer on the whole cluster (kernels/cluster-run.ts): bit-exact against the integer
 * reference and the single-core kernel on 1, 2, 4, 8 and 16 cores; cycles falling with more cores;
 * stall counters that add up; TCDM conflicts per bank rising when the banks are reduced. The
 * figures are in docs/riscv-cluster-kernels.md.
 */
import { describe, expect, it } from 'vitest';
import { MARSELLUS_CLUSTER } from '../../../../src/targets/riscv-cluster/cluster/params.js';
import { STALL_CAUSES } from '../../../../src/targets/riscv-cluster/core/memory.js';
import {
  runConvOnCluster,
  splitRows,
  type ClusterConvRun,
} from '../../../../src/targets/riscv-cluster/kernels/cluster-run.js';
import { outSize } from '../../../../src/targets/riscv-cluster/kernels/layout.js';
import { runConv } from '../../../../src/targets/riscv-cluster/kernels/run.js';
import { randomLayer, referenceConv, type LayerCase } from './helpers.js';

const CASES: LayerCase[] = [
  { h: 6, w: 5, cin: 8, cout: 8, k: 3, stride: 1, pad: 1, xBits: 8, wBits: 8, yBits: 8 },
  { h: 7, w: 6, cin: 16, cout: 6, k: 3, stride: 2, pad: 1, xBits: 4, wBits: 4, yBits: 4, ySigned: true },
  { h: 5, w: 6, cin: 16, cout: 8, k: 1, stride: 1, pad: 0, xBits: 2, wBits: 2, yBits: 2 },
  { h: 6, w: 5, cin: 8, cout: 6, k: 3, stride: 1, pad: 1, xBits: 8, wBits: 4, yBits: 8, xSigned: true },
  { h: 5, w: 5, cin: 16, cout: 8, k: 3, stride: 1, pad: 0, xBits: 4, wBits: 2, yBits: 2 },
];

const label = (c: LayerCase): string =>
  `a${c.xBits}w${c.wBits}→${c.yBits} ${c.k}×${c.k}/s${c.stride}/p${c.pad} ${c.h}×${c.w}×${c.cin}→${c.cout}`;

/** Per-core and cluster-wide counters are consistent with each other and with the cycle count. */
function checkCounters(r: ClusterConvRun, cores: number): void {
  expect(r.cores.length).toBe(cores);
  for (const c of r.cores) {
    expect(c.cycles).toBe(c.instructions + c.stalls.total);
    expect(c.cycles + c.idle).toBe(r.cycles);
    const raw = STALL_CAUSES.reduce((a, k) => a + c.stallsRaw[k], 0);
    expect(raw).toBe(c.stalls.total);
    const s = c.stalls;
    expect(s.loadUse + s.tcdm + s.icache + s.dmaWait + s.barrier + s.other).toBe(s.total);
    expect(s.barrier).toBeGreaterThan(0);
  }
  // only core 0 waits for the DMA
  expect(r.cores[0]!.stalls.dmaWait).toBeGreaterThan(0);
  for (const c of r.cores.slice(1)) expect(c.stalls.dmaWait).toBe(0);
  expect(r.tcdmConflictsPerBank.reduce((a, b) => a + b, 0)).toBe(r.tcdmConflicts);
  expect(r.stalls.total).toBe(r.cores.reduce((a, c) => a + c.stalls.total, 0));
}

describe('splitRows', () => {
  it('splits rows as evenly as possible, the first cores taking one more', () => {
    expect(splitRows(6, 4)).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
      [5, 6],
    ]);
    expect(splitRows(2, 3)).toEqual([
      [0, 1],
      [1, 2],
      [2, 2],
    ]);
  });
});

describe('conv on the cluster: bit-exact', () => {
  CASES.forEach((c, i) => {
    it(label(c), () => {
      const { q } = randomLayer(c, 100 + i);
      const ref = Array.from(referenceConv(q));
      expect(Array.from(runConv(q).y)).toEqual(ref);
      const { ho } = outSize(q);
      for (const cores of [1, 2, 4, 8, 16]) {
        const r = runConvOnCluster(q, { cores, icache: false });
        expect(Array.from(r.y), `${cores} cores`).toEqual(ref);
        checkCounters(r, cores);
        // cores beyond the rows get none and only meet the barriers
        expect(r.cores.filter((k) => k.rows[1] > k.rows[0]).length).toBe(Math.min(cores, ho));
      }
    });
  });

  it('the output can stay in the TCDM (no DMA back to L2)', () => {
    const { q } = randomLayer(CASES[0]!, 100);
    const r = runConvOnCluster(q, { cores: 4, dmaOut: false });
    expect(Array.from(r.y)).toEqual(Array.from(referenceConv(q)));
    expect(r.dmaBytes.toL2).toBe(0);
  });

  it('refuses a layer that does not fit the TCDM, with a reason', () => {
    const { q } = randomLayer(
      { h: 64, w: 64, cin: 32, cout: 32, k: 3, stride: 1, pad: 1, xBits: 8, wBits: 8, yBits: 8 },
      1,
    );
    expect(() => runConvOnCluster(q, { cores: 16 })).toThrow(/TCDM/);
  });
});

// One 8-bit layer with 16 output rows, so that 16 cores get one row each.
const SPEED: LayerCase = {
  h: 16,
  w: 8,
  cin: 16,
  cout: 16,
  k: 3,
  stride: 1,
  pad: 1,
  xBits: 8,
  wBits: 8,
  yBits: 8,
};

describe('conv on the cluster: scaling, stalls, conflicts', () => {
  it('cycles fall as cores are added (a8w8 3×3, 16×8×16 → 16, Marsellus I-cache)', () => {
    const { q } = randomLayer(SPEED, 5);
    const ref = Array.from(referenceConv(q));
    const runs = [1, 2, 4, 8, 16].map((cores) => ({ cores, r: runConvOnCluster(q, { cores }) }));
    const one = runs[0]!.r.cycles;
    for (const { cores, r } of runs) {
      expect(Array.from(r.y)).toEqual(ref);
      checkCounters(r, cores);
      const s = r.stalls;
      console.log(
        `${cores} cores: ${r.cycles} cycles, speedup ${(one / r.cycles).toFixed(2)}, ${r.macPerCycle.toFixed(2)} MAC/cycle, ` +
          `stalls loadUse ${s.loadUse} tcdm ${s.tcdm} icache ${s.icache} dmaWait ${s.dmaWait} barrier ${s.barrier} other ${s.other}, ` +
          `conflicts ${r.tcdmConflicts}, DMA ${r.dmaBytes.toTcdm}/${r.dmaBytes.toL2} B`,
      );
    }
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.r.cycles).toBeLessThan(runs[i - 1]!.r.cycles);
    expect(one / runs[4]!.r.cycles).toBeGreaterThan(8);
    // the DMA moved the input (padded), the weights, the parameters and the output
    const r = runs[0]!.r;
    const p = r.plan;
    expect(r.dmaBytes.toTcdm).toBe(p.hp * p.wp * p.pixelBytes + 16 * 144 + 16 * 24);
    expect(r.dmaBytes.toL2).toBe(16 * 8 * 16);
  });

  it('TCDM conflicts are reported per bank and rise when the banks go from 32 to 4', () => {
    const { q } = randomLayer(SPEED, 5);
    const ref = Array.from(referenceConv(q));
    const by = [32, 8, 4].map((banks) => ({
      banks,
      r: runConvOnCluster(q, { cores: 8, banks, icache: false }),
    }));
    for (const { banks, r } of by) {
      expect(Array.from(r.y)).toEqual(ref);
      expect(r.tcdmConflictsPerBank.length).toBe(banks);
      expect(r.tcdmAccessesPerBank.length).toBe(banks);
      checkCounters(r, 8);
      console.log(
        `${banks} banks, 8 cores: ${r.tcdmConflicts} conflicts, ${r.stalls.tcdm} tcdm stall cycles, ${r.cycles} cycles; ` +
          `per bank ${r.tcdmConflictsPerBank.join(' ')}`,
      );
    }
    const [b32, b8, b4] = by.map((x) => x.r);
    expect(b4!.tcdmConflicts).toBeGreaterThan(b8!.tcdmConflicts);
    expect(b8!.tcdmConflicts).toBeGreaterThan(b32!.tcdmConflicts);
    expect(b4!.cycles).toBeGreaterThan(b32!.cycles);
    expect(MARSELLUS_CLUSTER.tcdmBanks).toBe(32);
  });
});
