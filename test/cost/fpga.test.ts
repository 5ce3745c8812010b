import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertFits,
  bram18Count,
  FPGA_CONSTANTS,
  FPGA_RESOURCES,
  finnAccumulatorBits,
  finnLutMultiplier,
  fpgaDevice,
  fpgaRollup,
  loadFpgaDevices,
  lutramLuts,
  macResources,
  macsPerDsp,
  memoryResources,
  mvauResources,
  oversubscriptionIssues,
  parseFpgaDevices,
  uramCount,
  type FpgaModule,
} from '../../src/cost/fpga.js';
import { parseFormat } from '../../src/formats/index.js';
import { issuesOf } from '../support/input-error.js';

const f = parseFormat;
const int8 = f('int8');
const int4 = f('int4');

describe('FPGA device table (reference fpga.md §5)', () => {
  it('holds the U280 and Ultra96-V2 totals as stated, BRAM in RAMB18 units', () => {
    const u280 = fpgaDevice('alveo-u280');
    expect(u280.dspType).toBe('DSP48E2');
    expect(u280.part).toBe('xcu280-fsvh2892-2L-e');
    // §5.1, artifact impl_1_full_util_routed.rpt Available column; 2,016 BRAM36 = 4,032 RAMB18.
    expect(Object.fromEntries(FPGA_RESOURCES.map((r) => [r, u280.totals[r].value]))).toEqual({
      dsp: 9024,
      lut: 1303680,
      ff: 2607360,
      bram18: 4032,
      uram: 960,
    });
    expect(u280.lutram?.value).toBe(600960);
    const hbm = u280.offchip.find((o) => o.kind === 'hbm2');
    expect(hbm?.capacityGiB).toBe(8);
    expect(hbm?.channels).toBe(32);
    expect(hbm?.bandwidthGBPerS).toBe(460);

    const u96 = fpgaDevice('ultra96-v2');
    // §5.2: 360 DSP48E2, 70,560 LUT, 141,120 FF, 216 BRAM36 = 432 RAMB18, no URAM.
    expect(Object.fromEntries(FPGA_RESOURCES.map((r) => [r, u96.totals[r].value]))).toEqual({
      dsp: 360,
      lut: 70560,
      ff: 141120,
      bram18: 432,
      uram: 0,
    });
  });

  it('labels every figure; the ZCU104 (not in the reference) is labelled estimate', () => {
    for (const d of loadFpgaDevices()) {
      for (const r of FPGA_RESOURCES) {
        expect(d.totals[r].source.length).toBeGreaterThan(10);
        expect(['S', 'D', 'estimate']).toContain(d.totals[r].label);
      }
    }
    const z = fpgaDevice('zcu104');
    for (const r of FPGA_RESOURCES) {
      expect(z.totals[r].label).toBe('estimate');
      expect(z.totals[r].source.startsWith('estimate:')).toBe(true);
    }
    expect(z.totals.dsp.value).toBe(1728);
  });

  it('reports an unknown device with the known ids', () => {
    const [issue] = issuesOf(() => fpgaDevice('vu9p'));
    expect(issue?.value).toBe('"vu9p"');
    expect(issue?.expected).toContain('alveo-u280');
    expect(issue?.expected).toContain('ultra96-v2');
  });

  it('rejects a figure without a source and repeated ids', () => {
    const fig = { value: 1, label: 'S', source: 'reference fpga.md §5' };
    const dev = (id: string, dsp: unknown) => ({
      id,
      name: 'x',
      part: 'x',
      dsp_type: 'DSP48E2',
      part_source: 'reference fpga.md §1.5',
      resources: { dsp, lut: fig, ff: fig, bram18: fig, uram: fig },
    });
    const table = (devices: unknown[]) => ({
      kind: 'fpga-devices',
      name: 'fpga-devices',
      description: 'd',
      devices,
    });
    const missing = issuesOf(() => parseFpgaDevices(table([dev('a', { value: 1, label: 'S' })]), 't.yaml'));
    expect(missing.map((i) => i.path)).toEqual(['devices[0].resources.dsp.source']);
    expect(missing[0]?.file).toBe('t.yaml');
    const dup = issuesOf(() => parseFpgaDevices(table([dev('a', fig), dev('a', fig)]), 't.yaml'));
    expect(dup.map((i) => i.path)).toEqual(['devices[1].id']);
  });
});

describe('DSP packing rule per bit width (reference fpga.md §3)', () => {
  it('packs 2 int8 MACs per DSP48E2 and 4 when both operands are ≤ 4 bits', () => {
    // §3: WP486 / FINN mvu_8sx8u_dsp48.sv: 2 per DSP48 for (4,8]-bit, sharing the activation.
    const p8 = macsPerDsp(int8, int8, 'DSP48E2');
    expect([p8.macsPerDsp, p8.rule, p8.label]).toEqual([2, 'dsp48-pack2', 'S']);
    expect(macsPerDsp(int8, f('uint8'), 'DSP48E2').macsPerDsp).toBe(2);
    // §3: FINN mvu_vvu_axi.sv / mvu_4sx4u.sv: 4 per DSP48 when weights and activations ≤ 4 bits.
    const p4 = macsPerDsp(int4, f('uint4'), 'DSP48E2');
    expect([p4.macsPerDsp, p4.rule]).toEqual([4, 'dsp48-pack4']);
    // One 8-bit operand drops to the 8-bit core.
    expect(macsPerDsp(int4, int8, 'DSP48E2').macsPerDsp).toBe(2);
    expect(macsPerDsp(int8, int4, 'DSP48E2').macsPerDsp).toBe(2);
  });

  it('packs a 3-way dot product per DSP58 for ≤ 9-bit operands', () => {
    const p = macsPerDsp(int8, int8, 'DSP58');
    expect([p.macsPerDsp, p.rule, p.label]).toEqual([3, 'dsp58-dot3', 'S']);
    expect(macsPerDsp(f('int9'), f('int9'), 'DSP58').macsPerDsp).toBe(3);
    expect(macsPerDsp(f('int10'), f('int9'), 'DSP58').rule).toBe('dsp-tiled');
  });

  it('tiles wide operands over the 27×18 multiplier, one MAC per DSP', () => {
    // int16×int16 fits 27×18: 1 DSP. int24×int24: ⌈24/27⌉·⌈24/18⌉ = 2. int32×int32: ⌈32/27⌉·⌈32/18⌉ = 4.
    const d = (w: string, a: string) => macsPerDsp(f(w), f(a), 'DSP48E2');
    expect([d('int16', 'int16').macsPerDsp, d('int16', 'int16').dspsPerMac]).toEqual([1, 1]);
    expect(d('int24', 'int24').dspsPerMac).toBe(2);
    expect(d('int32', 'int32').dspsPerMac).toBe(4);
    // DSP58 27×24: int24×int24 = ⌈24/27⌉·⌈24/24⌉ = 1.
    expect(macsPerDsp(f('int24'), f('int24'), 'DSP58').dspsPerMac).toBe(1);
  });

  it('maps tiny multipliers (W + A ≤ 6) to LUTs, labelled as an estimate threshold', () => {
    const p = macsPerDsp(f('int2'), f('int2'), 'DSP48E2');
    expect([p.macsPerDsp, p.rule, p.label]).toEqual([0, 'lut-multiplier', 'estimate']);
    expect(macsPerDsp(f('int2'), int4, 'DSP48E2').macsPerDsp).toBe(0); // 2 + 4 = 6
    expect(macsPerDsp(f('int3'), int4, 'DSP48E2').macsPerDsp).toBe(4); // 3 + 4 = 7
    expect(FPGA_CONSTANTS.lutOnlyMaxOperandSum.label).toBe('estimate');
  });

  it('follows hls4ml/FINN-HLS in the hls flow: no DSP below 9-bit weights, ⌈(W+A)/48⌉ above', () => {
    // §2: "Vivado doesn't use DSP when precision < 9"; §1.3 HLS dsp_estimation P·Q·⌈(W+A)/48⌉.
    expect(macsPerDsp(int8, int8, 'DSP48E2', { flow: 'hls' }).macsPerDsp).toBe(0);
    const p16 = macsPerDsp(f('int16'), f('int16'), 'DSP48E2', { flow: 'hls' });
    expect([p16.rule, p16.macsPerDsp, p16.dspsPerMac]).toEqual(['hls-dsp', 1, 1]); // ⌈32/48⌉ = 1
    expect(macsPerDsp(f('int32'), f('int32'), 'DSP48E2', { flow: 'hls' }).dspsPerMac).toBe(2); // ⌈64/48⌉
    expect(macsPerDsp(int8, int8, 'DSP48E2', { flow: 'hls', resType: 'dsp' }).dspsPerMac).toBe(1);
  });

  it('never uses a DSP for binary (XNOR-popcount) or pow2 (shift) weights', () => {
    expect(macsPerDsp(f('binary'), f('binary'), 'DSP48E2').rule).toBe('xnor-popcount');
    const s = macsPerDsp(f('pow2<4>'), int8, 'DSP48E2', { resType: 'dsp' });
    expect([s.rule, s.macsPerDsp]).toEqual(['shift-add', 0]);
  });

  it('prices floating formats as an unpacked significand multiplier, labelled estimate', () => {
    const bf = macsPerDsp(f('bf16'), f('bf16'), 'DSP48E2');
    // bf16 significand 8 bits: 8 + 8 > 6 → DSP, 1 MAC per DSP (no packing for floats).
    expect([bf.rule, bf.macsPerDsp, bf.dspsPerMac, bf.label]).toEqual([
      'float-significand',
      1,
      1,
      'estimate',
    ]);
    const fp4 = macsPerDsp(f('fp4-e2m1'), f('fp4-e2m1'), 'DSP48E2'); // significand 2 + 2 ≤ 6
    expect(fp4.macsPerDsp).toBe(0);
  });
});

describe('MAC resources (FINN §1.3 formulas, worked by hand)', () => {
  it('1000 int8×int8 MACs → 500 DSP48E2', () => {
    // DSP: ⌈1000/2⌉ = 500.
    // LUT: c1·PE·(SIMD·0 + (W+A)(2·SIMD−1) + acc) = 1.1·1000·(16·1 + 24) = 44,000.
    // FF (estimate): PE·acc = 1000·24 = 24,000.
    const r = macResources(int8, int8, 24, 1000);
    expect([r.dsp, r.lut, r.ff, r.rule]).toEqual([500, 44000, 24000, 'dsp48-pack2']);
  });

  it('1000 int4×int4 MACs → 250 DSP48E2; folding decides the DSP count', () => {
    expect(macResources(int4, int4, 16, 1000).dsp).toBe(250); // ⌈1000/4⌉
    // DSP48 packs across PE: ⌈P/k⌉·Q. P=8, Q=16: int8 ⌈8/2⌉·16 = 64; int4 ⌈8/4⌉·16 = 32; P=5, Q=3: ⌈5/2⌉·3 = 9.
    expect(macResources(int8, int8, 24, 128, { fold: { pe: 8, simd: 16 } }).dsp).toBe(64);
    expect(macResources(int4, int4, 16, 128, { fold: { pe: 8, simd: 16 } }).dsp).toBe(32);
    expect(macResources(int8, int8, 24, 15, { fold: { pe: 5, simd: 3 } }).dsp).toBe(9);
    // DSP58 packs along SIMD: P·⌈Q/3⌉ = 8·⌈16/3⌉ = 48.
    expect(macResources(int8, int8, 24, 128, { fold: { pe: 8, simd: 16 }, dsp: 'DSP58' }).dsp).toBe(48);
  });

  it('int2×int2 is LUT-only: 4 LUTs per multiplier, 17,600 LUT for 1000 MACs', () => {
    // mult = (2⌈(2+2)/6⌉ − 1)·(2+2) = 1·4 = 4 LUT.
    // per PE (SIMD=1): 4 + 4·(2·1−1) + acc 8 = 16; LUT = 1.1·1000·16 = 17,600.
    // FF (estimate): 1000·8 accumulators + 1000·4 product registers = 12,000.
    expect(finnLutMultiplier(2, 2)).toBe(4);
    const r = macResources(f('int2'), f('int2'), 8, 1000);
    expect([r.dsp, r.lut, r.ff, r.rule]).toEqual([0, 17600, 12000, 'lut-multiplier']);
    expect(r.lutTerms).toEqual({ multiplierPerMac: 4, adderTreePerPe: 4, accumulatorPerPe: 8 });
  });

  it('pow2<4> weights × int8: 0 DSP, shifter + adder-tree LUTs (estimate)', () => {
    // pow2<4>: 3 exponent bits → shift range 2^3 − 1 = 7; product width 8 + 7 = 15.
    // shifter 15·⌈3/2⌉ = 30 + negate 15 = 45 LUT per MAC.
    // PE=1, SIMD=64, acc 20: 64·45 + 15·(2·64−1) + 20 = 2880 + 1905 + 20 = 4805; ·1.1 = 5285.5 → 5286.
    // FF: 20 + 64·15 = 980.
    const r = macResources(f('pow2<4>'), int8, 20, 64, { fold: { pe: 1, simd: 64 } });
    expect([r.dsp, r.lut, r.ff, r.rule]).toEqual([0, 5286, 980, 'shift-add']);
    expect(r.lutProvenance.label).toBe('estimate');
    // 2-hot (QFX K-hot, §3): 2 shifters + 1 adder of 15 bits = 105 LUT per MAC.
    expect(macResources(f('pow2<4>'), int8, 20, 64, { kHot: 2 }).lutTerms.multiplierPerMac).toBe(105);
  });

  it('binary × binary is XNOR + popcount in LUTs', () => {
    // FINN formula at W = A = 1: mult = (2⌈2/6⌉−1)·2 = 2; tree 2·(2·64−1) = 254; acc ⌈log2 65⌉ = 7.
    // PE=1, SIMD=64: 64·2 + 254 + 7 = 389; ·1.1 = 427.9 → 428. FF: 7 + 64·2 = 135.
    const r = macResources(f('binary'), f('binary'), 7, 64, { fold: { pe: 1, simd: 64 } });
    expect([r.dsp, r.lut, r.ff, r.rule]).toEqual([0, 428, 135, 'xnor-popcount']);
  });

  it('rejects a fold that does not multiply to the MAC count', () => {
    const issues = issuesOf(() => macResources(int8, int8, 24, 100, { fold: { pe: 3, simd: 3 } }));
    expect(issues[0]?.path).toBe('fold');
    expect(issuesOf(() => macResources(int8, int8, 24, 0))[0]?.path).toBe('parallelMacs');
  });
});

describe('memory and a FINN MVAU (§1.3)', () => {
  it('follows the BRAM18 ladder', () => {
    expect(bram18Count(20000, 1)).toBe(2); // ⌈20000/16384⌉
    expect(bram18Count(8192, 2)).toBe(1); // ⌈8192/8192⌉
    expect(bram18Count(5000, 4)).toBe(2); // ⌈5000/4096⌉·⌈4/4⌉
    expect(bram18Count(3000, 9)).toBe(2); // ⌈3000/2048⌉·⌈9/9⌉
    expect(bram18Count(2048, 16)).toBe(2); // ⌈2048/1024⌉·⌈16/18⌉
    expect(bram18Count(100, 36)).toBe(1); // ⌈100/512⌉·⌈36/36⌉
    expect(bram18Count(512, 128)).toBe(4); // ⌈512/512⌉·⌈128/36⌉
    expect(bram18Count(1024, 512)).toBe(29); // ω > 512: ⌈1024/1024⌉·⌈512/18⌉
    expect(uramCount(512, 128)).toBe(2); // ⌈128/72⌉·⌈512/4096⌉
    expect(lutramLuts(512, 128)).toBe(1024); // 128·⌈512/64⌉
    expect(memoryResources(100, 32).style).toBe('distributed'); // auto, depth ≤ 128
    expect(memoryResources(512, 128).bram18).toBe(4);
  });

  it('FINN accumulator bound: MW=256, 4-bit × 4-bit → 17 bits (16 with signed activations)', () => {
    // α = log2 256 + 4 + 4 − 1 − 0 = 15; ⌈15 + log2(1 + 2^−15) + 1⌉ = ⌈16.00004⌉ = 17.
    expect(finnAccumulatorBits(256, 4, 4, false)).toBe(17);
    expect(finnAccumulatorBits(256, 4, 4, true)).toBe(16); // α = 14
  });

  it('MVAU MW=256 MH=64 PE=4 SIMD=8, W4A4: 4 BRAM18, 1,748 LUT (LUT multipliers)', () => {
    // ω = 256·64/(4·8) = 512, w = 8·4·4 = 128 bits → w > 18 and ω ≤ 512: ⌈512/512⌉·⌈128/36⌉ = 4.
    // efficiency = 4·256·64 / (4·36·512) = 65,536/73,728 = 0.889.
    // LUT: mult 8·(2⌈8/6⌉−1)·8 = 192, tree 8·(2·8−1) = 120, acc 17 → 329 per PE;
    //      300 + ⌈1.1·4·329⌉ = 300 + ⌈1447.6⌉ = 1,748.
    const spec = { mw: 256, mh: 64, pe: 4, simd: 8, weights: int4, activations: f('uint4') } as const;
    const lut = mvauResources({ ...spec, resType: 'lut' });
    expect([lut.memDepth, lut.memWidth, lut.accumulatorBits]).toEqual([512, 128, 17]);
    expect([lut.bram18, lut.dsp, lut.lut]).toEqual([4, 0, 1748]);
    expect(lut.weightMemory.efficiency).toBeCloseTo(65536 / 73728, 12);
    // Same MVAU on DSPs (4 MACs/DSP48, packed across PE): ⌈4/4⌉·8 = 8 DSP;
    // LUT = 300 + ⌈1.1·4·(120 + 17)⌉ = 300 + ⌈602.8⌉ = 903.
    const dsp = mvauResources(spec);
    expect([dsp.dsp, dsp.lut, dsp.bram18]).toEqual([8, 903, 4]);
    // Distributed 2-bit thresholds: 3 steps, TMEM = 16: thr = 3·17·⌈16/64⌉ = 51, comp = 51;
    // LUT = 300 + ⌈1448 + 1.1·4·102⌉ = 300 + ⌈1896.8⌉ = 2,197.
    expect(mvauResources({ ...spec, resType: 'lut', thresholdOutputBits: 2 }).lut).toBe(2197);
    // Ultra RAM and LUTRAM alternatives: 2 URAM; 1024 LUTs (300 + 1448 + 1024 = 2,772).
    expect(mvauResources({ ...spec, resType: 'lut', weightMemory: 'ultra' }).uram).toBe(2);
    expect(mvauResources({ ...spec, resType: 'lut', weightMemory: 'distributed' }).lut).toBe(2772);
  });

  it('checks FINN folding legality (MH % PE, MW % SIMD)', () => {
    const issues = issuesOf(() =>
      mvauResources({ mw: 256, mh: 64, pe: 3, simd: 5, weights: int4, activations: int4 }),
    );
    expect(issues.map((i) => i.path)).toEqual(['pe', 'simd']);
  });
});

describe('roll-up against a device', () => {
  const macs = macResources(int8, int8, 24, 1000); // 500 DSP, 44,000 LUT, 24,000 FF
  const modules: FpgaModule[] = [
    { name: 'mac-array', dsp: macs.dsp, lut: macs.lut, ff: macs.ff, bram18: 0, uram: 0 },
    { name: 'weights', dsp: 0, lut: 0, ff: 0, bram18: 450, uram: 2 },
  ];

  it('reports over-subscription on the Ultra96-V2 with the numbers', () => {
    const u96 = fpgaDevice('ultra96-v2');
    const r = fpgaRollup(modules, u96);
    expect(r.totals).toEqual({ dsp: 500, lut: 44000, ff: 24000, bram18: 450, uram: 2 });
    expect(r.utilization.dsp).toBeCloseTo(500 / 360, 12);
    expect(r.utilization.lut).toBeCloseTo(44000 / 70560, 12);
    expect(r.utilization.uram).toBe(Infinity);
    expect(r.oversubscribed).toEqual([
      { resource: 'dsp', needed: 500, available: 360 },
      { resource: 'bram18', needed: 450, available: 432 },
      { resource: 'uram', needed: 2, available: 0 },
    ]);
    const issues = issuesOf(() => assertFits(modules, u96));
    expect(issues).toEqual(oversubscriptionIssues(r, u96));
    expect(issues[0]?.path).toBe('ultra96-v2.dsp');
    expect(issues[0]?.value).toBe('500 DSP (DSP48E2) needed (138.9% of the device)');
    expect(issues[0]?.expected).toBe(
      'at most 360 DSP (DSP48E2) on Avnet Ultra96-V2 (Zynq UltraScale+ ZU3EG) (xczu3eg-sbva484-1-i), 140 over',
    );
    expect(issues[1]?.value).toBe('450 BRAM18 needed (104.2% of the device)');
    expect(issues[2]?.value).toBe('2 URAM needed (none available of the device)');
  });

  it('fits on the U280 and flags FINN planning limits separately', () => {
    const u280 = fpgaDevice('alveo-u280');
    const r = assertFits(modules, u280);
    expect(r.oversubscribed).toEqual([]);
    expect(r.utilization.dsp).toBeCloseTo(500 / 9024, 12);
    const u96 = fpgaDevice('ultra96-v2');
    // 60,000 / 70,560 = 85% > FINN's 70% LUT limit, but fits.
    const busy = fpgaRollup([{ name: 'm', dsp: 0, lut: 60000, ff: 0, bram18: 0, uram: 0 }], u96);
    expect(busy.oversubscribed).toEqual([]);
    expect(busy.overPlanningLimit).toEqual([
      { resource: 'lut', needed: 60000, available: 70560, limit: 0.7 },
    ]);
  });

  it('rejects negative counts', () => {
    const issues = issuesOf(() =>
      fpgaRollup([{ name: 'm', dsp: -1, lut: 0, ff: 0, bram18: 0, uram: 0 }], fpgaDevice('ultra96-v2')),
    );
    expect(issues[0]?.path).toBe('modules[0].dsp');
  });
});

describe('properties', () => {
  const names = [
    'int2',
    'int3',
    'int4',
    'uint4',
    'int6',
    'int8',
    'uint8',
    'int12',
    'int16',
    'binary',
    'ternary',
    'pow2<4>',
    'bf16',
    'fp8-e4m3fn',
  ];
  const fmt = fc.constantFrom(...names).map((n) => f(n));
  const dspType = fc.constantFrom('DSP48E2' as const, 'DSP58' as const);
  const flow = fc.constantFrom('finn-rtl' as const, 'hls' as const);
  const resType = fc.constantFrom('auto' as const, 'dsp' as const, 'lut' as const);

  it('resources are monotone in parallelism', () => {
    fc.assert(
      fc.property(
        fmt,
        fmt,
        dspType,
        flow,
        resType,
        fc.integer({ min: 1, max: 4000 }),
        (w, a, dsp, fl, rt, n) => {
          const o = { dsp, flow: fl, resType: rt };
          const lo = macResources(w, a, 24, n, o);
          const hi = macResources(w, a, 24, n + 1, o);
          expect(hi.dsp).toBeGreaterThanOrEqual(lo.dsp);
          expect(hi.lut).toBeGreaterThanOrEqual(lo.lut);
          expect(hi.ff).toBeGreaterThanOrEqual(lo.ff);
        },
      ),
    );
  });

  it('DSPs grow with operand width (auto) and LUTs with width (LUT multipliers)', () => {
    const width = fc.integer({ min: 1, max: 31 });
    fc.assert(
      fc.property(width, width, dspType, fc.integer({ min: 1, max: 512 }), (wb, ab, dsp, n) => {
        const d = (x: number, y: number) => macResources(f(`int${x}`), f(`int${y}`), 40, n, { dsp }).dsp;
        const l = (x: number, y: number) =>
          macResources(f(`int${x}`), f(`int${y}`), 40, n, { dsp, resType: 'lut' }).lut;
        expect(d(wb + 1, ab)).toBeGreaterThanOrEqual(d(wb, ab));
        expect(d(wb, ab + 1)).toBeGreaterThanOrEqual(d(wb, ab));
        expect(l(wb + 1, ab)).toBeGreaterThanOrEqual(l(wb, ab));
        expect(l(wb, ab + 1)).toBeGreaterThanOrEqual(l(wb, ab));
      }),
    );
  });

  it('memory counts are monotone in depth and width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40000 }), fc.integer({ min: 1, max: 600 }), (d, w) => {
        for (const count of [bram18Count, uramCount, lutramLuts]) {
          expect(count(d + 1, w)).toBeGreaterThanOrEqual(count(d, w));
          expect(count(d, w + 1)).toBeGreaterThanOrEqual(count(d, w));
        }
        const m = memoryResources(d, w, 'block');
        expect(m.efficiency).toBeGreaterThan(0);
        expect(m.efficiency).toBeLessThanOrEqual(1);
      }),
    );
  });
});
