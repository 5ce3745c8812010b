/**
 * Agreement with SCALE-Sim v2 itself: every golden case without stalls that is not flagged large
 * (test/golden/scalesim/cases.json, numbers produced by running SCALE-Sim) is run through bitcycle
 * exactly as the CLI does (.cfg → spec, topology CSV → graph → jobs → event engine → report row),
 * and every column is checked: equal where bitcycle's model defines the same quantity, bitcycle's
 * own value with the documented relation where it deliberately differs (docs/scalesim-compat.md).
 */
import { describe, expect, it } from 'vitest';
import type { ScaleSimRow } from '../../../src/report/scalesim.js';
import { foldOutputs, type LayerPlan } from '../../../src/targets/systolic/plan.js';
import { GOLDEN_CASES, goldenCase, runCase } from './scalesim-golden.js';

const AGREEMENT = GOLDEN_CASES.filter((c) => !c.large && c.expected.every((e) => e.stallCycles === 0));

/**
 * USER cases where SCALE-Sim has no stall but bitcycle does: SCALE-Sim fills the whole first
 * half-buffer for free before cycle 0, bitcycle only the first chunk (convention "free first fill").
 */
const BITCYCLE_USER_STALLS: Readonly<Record<string, number>> = {
  user_pw_4x4_is_bw3_1kB: 8,
  user_conv3x3_8x8_os_bw1_64kB: 580,
};

/** SCALE-Sim's DRAM OFMAP Writes minus the words written (its write-buffer line padding). */
const OFMAP_LINE_PADDING: Readonly<Record<string, number>> = {
  gemm_256_32x32_os_calc: 31,
  gemm_256_32x32_ws_calc: 31,
};

type Operand = 'Ifmap' | 'Filter' | 'Ofmap';

/**
 * Rows by which SCALE-Sim's first/last valid access of a fold comes later than bitcycle's in a
 * fold that uses ur < R array rows (convention "partial-fold placement"): os outputs, ws weight
 * loads and is input loads. R − ur of the first (start) or last (stop) fold; 0 otherwise.
 */
function placementShift(plan: LayerPlan, operand: Operand, which: 'first' | 'last'): number {
  const placed = { os: 'Ofmap', ws: 'Filter', is: 'Ifmap' }[plan.dataflow];
  if (operand !== placed) return 0;
  const fold = which === 'first' ? plan.folds[0] : plan.folds[plan.folds.length - 1];
  return plan.rows - (fold?.ur ?? plan.rows);
}

const key = <K extends 'Start' | 'Stop'>(op: Operand, k: K): `sram${Operand}${K}Cycle` =>
  `sram${op}${k}Cycle`;

/** bitcycle's residency rule (plan.ts): the whole operand fits in half its SRAM. */
const fitsHalf = (elements: number, sramBytes: number, elementBytes: number): boolean =>
  elements <= Math.floor(sramBytes / 2 / elementBytes);

describe('SCALE-Sim agreement: the golden cases without stalls', () => {
  it('covers 29 cases: 26 CALC and 3 USER (2 large CALC cases excluded)', () => {
    expect(AGREEMENT).toHaveLength(29);
    expect(AGREEMENT.filter((c) => c.config.interfaceBandwidth === 'CALC')).toHaveLength(26);
  });

  describe.each(AGREEMENT.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const run = runCase(c);
    const e = c.expected[0]!;
    const r = run.rows[0]!;
    const detail = run.details[0]!;
    const plan = detail.plan;
    const job = run.jobs.find((j) => j.kind === 'gemm');
    const bitcycleStalls = BITCYCLE_USER_STALLS[c.id] ?? 0;

    it('one report row per topology row', () => {
      expect(run.rows).toHaveLength(c.expected.length);
      expect(r.layerId).toBe(e.layerId);
    });

    it('mapping efficiency, compute util and SRAM access counts: exact', () => {
      for (const k of [
        'mappingEfficiencyPct',
        'computeUtilPct',
        'sramIfmapReads',
        'sramFilterReads',
        'sramOfmapWrites',
      ] as const)
        expect(r[k], k).toBe(e[k]);
    });

    it('total and stall cycles, overall util, SRAM bandwidths: exact (bitcycle own stalls where documented)', () => {
      expect(r.stallCycles).toBe(bitcycleStalls);
      expect(r.totalCycles).toBe(e.totalCycles + bitcycleStalls);
      if (bitcycleStalls !== 0) return;
      for (const k of [
        'totalCycles',
        'overallUtilPct',
        'avgIfmapSramBw',
        'avgFilterSramBw',
        'avgOfmapSramBw',
      ] as const)
        expect(r[k], k).toBe(e[k]);
    });

    it('SRAM start/stop cycles: exact up to partial-fold placement (and bitcycle stalls)', () => {
      for (const op of ['Ifmap', 'Filter', 'Ofmap'] as const) {
        expect(r[key(op, 'Start')] + placementShift(plan, op, 'first'), `${op} start`).toBe(
          e[key(op, 'Start')],
        );
        expect(r[key(op, 'Stop')] + placementShift(plan, op, 'last') - bitcycleStalls, `${op} stop`).toBe(
          e[key(op, 'Stop')],
        );
      }
    });

    it('DRAM reads: exact for CALC operands that fit in half their SRAM', () => {
      if (job?.kind !== 'gemm') throw new Error('no GEMM job');
      const calc = c.config.interfaceBandwidth === 'CALC';
      if (calc && fitsHalf(job.view.aElements, run.spec.ifmapSramBytes, job.bytes.ifmap))
        expect(r.dramIfmapReads).toBe(e.dramIfmapReads);
      if (calc && fitsHalf(job.view.bElements, run.spec.filterSramBytes, job.bytes.filter))
        expect(r.dramFilterReads).toBe(e.dramFilterReads);
      // always: bitcycle's count is what its chunks fetched (distinct elements, no padding)
      expect(r.dramIfmapReads).toBe(plan.ifmapChunks.reduce((s, ch) => s + ch.elements, 0));
      expect(r.dramFilterReads).toBe(plan.filterChunks.reduce((s, ch) => s + ch.elements, 0));
    });

    it('DRAM OFMAP writes: the words written; SCALE-Sim adds its line padding', () => {
      const words = plan.folds.reduce((s, f) => s + foldOutputs(f), 0);
      expect(r.dramOfmapWrites).toBe(words);
      expect(e.dramOfmapWrites - r.dramOfmapWrites).toBe(OFMAP_LINE_PADDING[c.id] ?? 0);
    });

    it('DRAM OFMAP start/stop: a mid-run drain starts in the same cycle; the final drain one cycle later', () => {
      if (bitcycleStalls !== 0) return;
      const finalOnly = detail.timing.ofmapDrains === 1;
      expect(r.dramOfmapStartCycle - e.dramOfmapStartCycle).toBe(finalOnly ? 1 : 0);
      expect(r.dramOfmapStopCycle - e.dramOfmapStopCycle).toBe(finalOnly ? 1 : 0);
      if ((OFMAP_LINE_PADDING[c.id] ?? 0) === 0) expect(r.avgOfmapDramBw).toBe(e.avgOfmapDramBw);
    });

    it('DRAM bandwidth columns are the counts over the start–stop windows', () => {
      const per = (n: number, start: number, stop: number): number => n / (stop - start + 1);
      expect(r.avgIfmapDramBw).toBe(per(r.dramIfmapReads, r.dramIfmapStartCycle, r.dramIfmapStopCycle));
      expect(r.avgFilterDramBw).toBe(per(r.dramFilterReads, r.dramFilterStartCycle, r.dramFilterStopCycle));
      expect(r.avgOfmapDramBw).toBe(per(r.dramOfmapWrites, r.dramOfmapStartCycle, r.dramOfmapStopCycle));
    });
  });
});

/** The worked examples of docs/scalesim-compat.md, so that the document stays true. */
describe('SCALE-Sim agreement: documented differences (worked examples)', () => {
  const pick = (id: string): { r: ScaleSimRow; e: ScaleSimRow } => {
    const c = goldenCase(id);
    return { r: runCase(c).rows[0]!, e: c.expected[0]! };
  };

  it('free first fill: USER operands that fit the first half-buffer stall in bitcycle', () => {
    const { r, e } = pick('user_conv3x3_8x8_os_bw1_64kB');
    expect([e.stallCycles, r.stallCycles]).toEqual([0, 580]);
    expect([e.totalCycles, r.totalCycles]).toEqual([4299, 4879]);
    const pw = pick('user_pw_4x4_is_bw3_1kB');
    expect([pw.e.stallCycles, pw.r.stallCycles]).toEqual([0, 8]);
  });

  it('USER DRAM reads: SCALE-Sim counts streamed lines, bitcycle distinct elements', () => {
    const { r, e } = pick('user_conv3x3_8x8_os_bw1_64kB');
    expect([e.dramIfmapReads, r.dramIfmapReads]).toEqual([14400, 2048]);
    expect([e.dramFilterReads, r.dramFilterReads]).toEqual([1152, 1152]);
  });

  it('CALC re-fetch window: an operand larger than half its SRAM', () => {
    const { r, e } = pick('gemm_256_32x32_os_calc');
    expect([e.dramIfmapReads, r.dramIfmapReads]).toEqual([524288, 524288]);
    expect([e.dramFilterReads, r.dramFilterReads]).toEqual([81884, 65536]);
  });

  it('DRAM read timing: SCALE-Sim prefetches before cycle 0, bitcycle fetches chunk by chunk', () => {
    const { r, e } = pick('tiny_4x4_os_calc_traced');
    expect([e.dramIfmapStartCycle, e.dramIfmapStopCycle, e.dramIfmapReads]).toEqual([-66, -1, 50]);
    expect([r.dramIfmapStartCycle, r.dramIfmapStopCycle, r.dramIfmapReads]).toEqual([-1, 28, 50]);
    expect([
      e.dramFilterStartCycle,
      e.dramFilterStopCycle,
      r.dramFilterStartCycle,
      r.dramFilterStopCycle,
    ]).toEqual([-66, -1, -1, -1]);
  });

  it('OFMAP line padding and final drain', () => {
    const g = pick('gemm_256_32x32_os_calc');
    expect([g.e.dramOfmapWrites, g.r.dramOfmapWrites]).toEqual([65567, 65536]);
    const t = pick('tiny_4x4_os_calc_traced');
    expect([t.e.dramOfmapStartCycle, t.e.dramOfmapStopCycle]).toEqual([55, 66]);
    expect([t.r.dramOfmapStartCycle, t.r.dramOfmapStopCycle]).toEqual([56, 67]);
  });

  it('partial-fold placement', () => {
    const os = pick('gemm_small_20x12x10_32x32_os_calc');
    expect([
      os.e.sramOfmapStartCycle,
      os.e.sramOfmapStopCycle,
      os.r.sramOfmapStartCycle,
      os.r.sramOfmapStopCycle,
    ]).toEqual([21, 51, 9, 39]);
    const ws = pick('pw_small_32x32_ws_calc');
    expect([
      ws.e.sramFilterStartCycle,
      ws.e.sramFilterStopCycle,
      ws.r.sramFilterStartCycle,
      ws.r.sramFilterStopCycle,
    ]).toEqual([17, 32, 1, 16]);
  });
});

/** The 9 USER cases with stalls: bitcycle's own stall cycles (the table in docs/scalesim-compat.md). */
describe('SCALE-Sim USER cases with stalls (informational: bitcycle’s values, not SCALE-Sim’s)', () => {
  const TABLE: readonly (readonly [string, number, number])[] = [
    ['user_conv3x3_8x8_os_bw2_1kB', 51786, 17430],
    ['user_conv3x3_8x8_ws_bw4_1kB', 6592, 4366],
    ['user_conv3x3_8x8_is_bw1_1kB', 230071, 34200],
    ['user_gemm_64x32x48_8x8_os_bw1_1kB', 31404, 11134],
    ['user_gemm_64x32x48_8x8_ws_bw2_2kB', 16048, 4638],
    ['user_conv_4x8_ws_bw2_1kB', 2400, 1824],
    ['user_conv3x3_8x8_ws_bw1_ofmap1kB', 23269, 23818],
    ['user_conv3x3_8x8_is_bw4_2kB', 48293, 2160],
    ['small_4x4_os_user_bw1_1kB_traced', 2671, 546],
  ];

  it('lists every stalled golden case', () => {
    const stalled = GOLDEN_CASES.filter((c) => c.expected.some((e) => e.stallCycles > 0)).map((c) => c.id);
    expect(TABLE.map(([id]) => id).sort()).toEqual([...stalled].sort());
  });

  it.each(TABLE)('%s: SCALE-Sim %i, bitcycle %i', (id, scalesim, bitcycle) => {
    const c = goldenCase(id);
    const { rows } = runCase(c);
    const r = rows[0]!;
    expect(c.expected[0]!.stallCycles).toBe(scalesim);
    expect(r.stallCycles).toBe(bitcycle);
    // what does agree regardless of stalls: the stall-free part of the run and the SRAM counts
    expect(r.totalCycles - r.stallCycles).toBe(c.expected[0]!.totalCycles - scalesim);
    for (const k of [
      'mappingEfficiencyPct',
      'computeUtilPct',
      'sramIfmapReads',
      'sramFilterReads',
      'sramOfmapWrites',
    ] as const)
      expect(r[k], k).toBe(c.expected[0]![k]);
  });
});
