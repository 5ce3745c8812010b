/**
 * Layers larger than the TCDM (kernels/band-tiling.ts): tiles of output rows and channel slices,
 * each run on the cluster model; outputs bit-exact against the integer reference; the tile plan
 * within half the TCDM; the double-buffered composition worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { MARSELLUS_CLUSTER, withParams } from '../../../../src/targets/riscv-cluster/cluster/params.js';
import {
  clusterFootprintBytes,
  overlappedCycles,
  planTiles,
  runTiledOnCluster,
  tileLayer,
} from '../../../../src/targets/riscv-cluster/kernels/band-tiling.js';
import { runConvOnCluster } from '../../../../src/targets/riscv-cluster/kernels/cluster-run.js';
import {
  outSize,
  paddedInput,
  planMemory,
  type QuantConv,
} from '../../../../src/targets/riscv-cluster/kernels/layout.js';
import { randomLayer, referenceConv, type LayerCase } from './helpers.js';

const CASES: { c: LayerCase; slices: boolean }[] = [
  // bands of rows only
  {
    c: { h: 40, w: 8, cin: 16, cout: 8, k: 3, stride: 1, pad: 1, xBits: 8, wBits: 8, yBits: 8 },
    slices: false,
  },
  // stride 2, 4-bit, signed outputs: halo rows shared between bands
  {
    c: {
      h: 45,
      w: 9,
      cin: 32,
      cout: 12,
      k: 3,
      stride: 2,
      pad: 1,
      xBits: 4,
      wBits: 4,
      yBits: 4,
      ySigned: true,
    },
    slices: false,
  },
  // weights too big for half the TCDM: channel slices as well as bands
  {
    c: { h: 6, w: 6, cin: 64, cout: 40, k: 3, stride: 1, pad: 1, xBits: 8, wBits: 8, yBits: 8 },
    slices: true,
  },
  // mixed precision with 2-bit outputs
  {
    c: { h: 90, w: 6, cin: 16, cout: 8, k: 3, stride: 1, pad: 0, xBits: 4, wBits: 2, yBits: 2 },
    slices: false,
  },
];

const align = (v: number, a: number): number => Math.ceil(v / a) * a;

/**
 * A TCDM size (whole words in 32 banks) that the layer exceeds but whose half holds one output row
 * (of every channel, or of 4 channels when `slices`), so that the layer must be tiled.
 */
function tcdmFor(q: QuantConv, cores: number, slices: boolean): number {
  const padded = paddedInput(q);
  const row = (c: number): number =>
    clusterFootprintBytes(tileLayer(q, padded, { rowStart: 0, rowEnd: 1, coutStart: 0, coutEnd: c }), cores);
  const tcdm = align(2 * row(slices ? 4 : q.cout) + 256, 128);
  expect(tcdm).toBeLessThan(clusterFootprintBytes(q, cores));
  if (slices) expect(2 * row(q.cout)).toBeGreaterThan(tcdm);
  return tcdm;
}

describe('tiling through L1', () => {
  for (const [i, { c, slices }] of CASES.entries()) {
    it(`case ${i}: tiles fit half of a reduced TCDM and the outputs are bit-exact`, () => {
      const { q } = randomLayer(c, 100 + i);
      const cores = 4;
      const tcdm = tcdmFor(q, cores, slices);
      const params = withParams(MARSELLUS_CLUSTER, { tcdmBytes: tcdm });
      const plan = planTiles(q, cores, tcdm);
      expect(plan.whole).toBe(false);
      expect(plan.tiles.length).toBeGreaterThan(1);
      const padded = paddedInput(q);
      for (const t of plan.tiles)
        expect(clusterFootprintBytes(tileLayer(q, padded, t), cores)).toBeLessThanOrEqual(tcdm / 2);
      // every output (row, channel) is in exactly one tile
      const { ho } = outSize(q);
      expect(plan.tiles.reduce((s, t) => s + (t.rowEnd - t.rowStart) * (t.coutEnd - t.coutStart), 0)).toBe(
        ho * q.cout,
      );
      const r = runTiledOnCluster(q, { cores, params, icache: false });
      expect([...r.y]).toEqual([...referenceConv(q)]);
      // the overlapped layer is no slower than its tiles one after another, and no faster than their compute
      expect(r.cycles).toBeLessThanOrEqual(
        plan.tiles.reduce(
          (s, t) => s + runConvOnCluster(tileLayer(q, padded, t), { cores, params, icache: false }).cycles,
          0,
        ),
      );
      expect(r.exposedDmaCycles).toBeGreaterThanOrEqual(0);
      // a slice's weights and records come in once, with its first band
      let slice = -1;
      let expectedIn = 0;
      for (const t of plan.tiles) {
        const sub = tileLayer(q, padded, t);
        const alone = runConvOnCluster(sub, { cores, params, icache: false }).dmaBytes.toTcdm;
        const p = planMemory(sub, 0);
        const weightsAndRecords =
          align((p.coutPadded * sub.kh * sub.kw * sub.cin * sub.wBits) / 8, 4) + p.coutPadded * 24;
        expectedIn += t.coutStart === slice ? alone - weightsAndRecords : alone;
        slice = t.coutStart;
      }
      expect(r.dmaBytes.toTcdm).toBe(expectedIn);
      expect(r.counts['tcdm.access']).toBeGreaterThan(0);
    });
  }

  it('case 2 needs channel slices', () => {
    const { q } = randomLayer(CASES[2]!.c, 102);
    const plan = planTiles(q, 4, tcdmFor(q, 4, true));
    expect(plan.channelsPerSlice).toBeLessThan(q.cout);
    expect(plan.channelsPerSlice % 4).toBe(0);
  });

  it('a layer that fits runs whole, exactly as runConvOnCluster', () => {
    const { q } = randomLayer(
      { h: 6, w: 5, cin: 8, cout: 8, k: 3, stride: 1, pad: 1, xBits: 8, wBits: 8, yBits: 8 },
      7,
    );
    const r = runTiledOnCluster(q, { cores: 4, icache: false });
    const whole = runConvOnCluster(q, { cores: 4, icache: false });
    expect(r.plan.whole).toBe(true);
    expect(r.cycles).toBe(whole.cycles);
    expect([...r.y]).toEqual([...whole.y]);
  });

  it('refuses a layer whose single row of 4 channels does not fit half the TCDM, with the sizes', () => {
    const { q } = randomLayer(
      { h: 4, w: 64, cin: 64, cout: 8, k: 3, stride: 1, pad: 1, xBits: 8, wBits: 8, yBits: 8 },
      3,
    );
    expect(() => planTiles(q, 4, 4096)).toThrow(/bytes of TCDM for one output row of 4 channels/);
  });

  it('double buffering by hand: compute-bound and DMA-bound tiles', () => {
    // in₀ = 10; max(100, 10 + 0), max(100, 10 + 5), max(100, 0 + 5); out_last = 5
    const t = { compute: 100, dmaIn: 10, dmaOut: 5 };
    expect(overlappedCycles([t, t, t])).toBe(10 + 300 + 5);
    // DMA-bound: in₀ = 40; max(10, 40), max(10, 40 + 30), max(10, 30); 30
    const d = { compute: 10, dmaIn: 40, dmaOut: 30 };
    expect(overlappedCycles([d, d, d])).toBe(40 + 40 + 70 + 30 + 30);
    expect(overlappedCycles([])).toBe(0);
  });
});
