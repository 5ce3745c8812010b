import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fittedExponents, macCost, scaling, stageCost, type MacCost } from '../../src/cost/index.js';
import { parseFormat } from '../../src/formats/index.js';
import { InputError } from '../../src/units/errors.js';

const at45 = { nodeNm: 45 } as const;

function mac(w: string, a: string, acc: string, op: { nodeNm: number; voltageV?: number } = at45): MacCost {
  return macCost(parseFormat(w), parseFormat(a), parseFormat(acc), op);
}

function partNames(c: MacCost): string[] {
  return c.parts.map((p) => p.part);
}

describe('MAC model: anchors at 45 nm (Horowitz ISSCC 2014)', () => {
  it('reproduces the integer multiplier anchors exactly', () => {
    expect(stageCost(mac('int8', 'int8', 'int32'), 'multiply')).toEqual({ energyPj: 0.2, areaUm2: 282 });
    expect(stageCost(mac('int32', 'int32', 'int32'), 'multiply')).toEqual({ energyPj: 3.1, areaUm2: 3495 });
  });

  it('reproduces the integer adder anchors exactly (as accumulators)', () => {
    expect(stageCost(mac('int4', 'int4', 'int8'), 'accumulate')).toEqual({ energyPj: 0.03, areaUm2: 36 });
    expect(stageCost(mac('int4', 'int4', 'int16'), 'accumulate')).toEqual({ energyPj: 0.05, areaUm2: 67 });
    expect(stageCost(mac('int8', 'int8', 'int32'), 'accumulate')).toEqual({ energyPj: 0.1, areaUm2: 137 });
  });

  it('reproduces the floating multiply and add anchors (to rounding)', () => {
    const cases: [string, number, number, number, number][] = [
      ['fp16', 1.1, 1640, 0.4, 1360],
      ['fp32', 3.7, 7700, 0.9, 4184],
    ];
    for (const [f, me, ma, ae, aa] of cases) {
      const c = mac(f, f, f);
      const m = stageCost(c, 'multiply');
      const a = stageCost(c, 'accumulate');
      expect(m.energyPj).toBeCloseTo(me, 12);
      expect(m.areaUm2).toBeCloseTo(ma, 9);
      expect(a.energyPj).toBeCloseTo(ae, 12);
      expect(a.areaUm2).toBeCloseTo(aa, 9);
    }
  });

  it('reproduces the MAC rows of the reference §1.3 built on the same anchors', () => {
    const rows: [string, string, number, number][] = [
      ['int8', 'int32', 0.3, 419],
      ['fp16', 'fp16', 1.5, 3000],
      ['fp16', 'fp32', 2.0, 5824],
      ['fp32', 'fp32', 4.6, 11884],
    ];
    for (const [f, acc, e, a] of rows) {
      const c = mac(f, f, acc);
      expect(c.energyPj).toBeCloseTo(e, 12);
      expect(c.areaUm2).toBeCloseTo(a, 9);
    }
    // multipliers below the anchors, §1.3: INT2 0.013 pJ / 23 µm², INT4 0.051 / 80, INT16 0.79 / 993
    const m = (b: number) => stageCost(mac(`int${b}`, `int${b}`, 'int32'), 'multiply');
    expect(m(2).energyPj).toBeCloseTo(0.013, 3);
    expect(m(2).areaUm2).toBeCloseTo(23, 0);
    expect(m(4).energyPj).toBeCloseTo(0.051, 3);
    expect(m(4).areaUm2).toBeCloseTo(80, 0);
    expect(m(16).energyPj).toBeCloseTo(0.79, 2);
    expect(m(16).areaUm2).toBeCloseTo(993, 0);
  });

  it('reports the fitted exponents of the reference (§1.2)', () => {
    const e = fittedExponents();
    expect(e.intMult.energy).toBeCloseTo(1.98, 2);
    expect(e.intMult.area).toBeCloseTo(1.82, 2);
    expect(e.intAdd.energy).toBeCloseTo(0.87, 2);
    expect(e.intAdd.area).toBeCloseTo(0.96, 2);
  });
});

describe('MAC model: structure and provenance', () => {
  it('parts add up to the total, every part with provenance', () => {
    for (const [w, a, acc] of [
      ['int8', 'int8', 'int32'],
      ['fp8-e4m3fn', 'fp8-e4m3fn', 'fp16'],
      ['posit<8,1>', 'posit<8,1>', 'posit<16,1>'],
      ['binary', 'binary', 'int16'],
    ] as const) {
      const c = mac(w, a, acc, { nodeNm: 22 });
      expect(c.parts.reduce((s, p) => s + p.energyPj, 0)).toBeCloseTo(c.energyPj, 12);
      expect(c.parts.reduce((s, p) => s + p.areaUm2, 0)).toBeCloseTo(c.areaUm2, 9);
      for (const p of c.parts) expect(p.provenance.length).toBeGreaterThan(20);
    }
  });

  it('chooses parts from the hardware descriptor', () => {
    expect(partNames(mac('int8', 'int8', 'int32'))).toEqual(['integer multiplier', 'accumulator adder']);
    expect(partNames(mac('fp8-e4m3', 'fp8-e4m3', 'fp16'))).toEqual([
      'exponent adder',
      'significand multiplier',
      'normalize + round',
      'exponent compare',
      'significand adder',
      'align + normalize + round',
    ]);
    expect(partNames(mac('posit<8,1>', 'posit<8,1>', 'posit<16,1>'))).toEqual(
      expect.arrayContaining([
        'posit regime decoder (weights)',
        'posit regime decoder (activations)',
        'posit encoder',
      ]),
    );
    expect(partNames(mac('binary', 'binary', 'int16'))).toEqual([
      'xnor',
      'popcount tree (per input)',
      'accumulator adder (1/32 share)',
    ]);
    expect(partNames(mac('pow2<4>', 'int8', 'int32'))).toEqual([
      'shifter (replaces the multiplier)',
      'accumulator adder',
    ]);
    expect(partNames(mac('ternary', 'int8', 'int32'))).toEqual([
      'sign select (conditional negate)',
      'accumulator adder',
    ]);
    expect(partNames(mac('fixed<4,4>', 'fixed<4,4>', 'fixed<16,16>'))).toContain('binary-point alignment');
    expect(partNames(mac('fp8-e4m3', 'fp8-e4m3', 'int32'))).toContain(
      'alignment shifter (product to fixed point)',
    );
  });

  it('says where it was fitted and where it was scaled to', () => {
    const c = mac('int8', 'int8', 'int32', { nodeNm: 22, voltageV: 0.8 });
    expect(c.provenance).toContain('fitted on Horowitz 45 nm');
    expect(c.provenance).toContain('scaled 45→22 nm');
    expect(c.parts[0]!.provenance).toBe(
      '8×8-bit integer multiplier: power law through Horowitz 45 nm rows int8.mult, int32.mult ' +
        '(exponent 1.98 energy, 1.82 area); scaled 45→22 nm (area ×0.252, energy ×0.294; ' +
        'Stillmaker & Baas 2017), V 0.9→0.8 (energy ×0.79, V² rule)',
    );
  });

  it('scales every part by the node and voltage factors', () => {
    const base = mac('fp8-e5m2', 'int8', 'fp32');
    const s = scaling({ nodeNm: 45, voltageV: 0.9 }, { nodeNm: 7, voltageV: 0.7 });
    const c = mac('fp8-e5m2', 'int8', 'fp32', { nodeNm: 7, voltageV: 0.7 });
    expect(c.energyPj).toBeCloseTo(base.energyPj * s.energyFactor, 12);
    expect(c.areaUm2).toBeCloseTo(base.areaUm2 * s.areaFactor, 9);
  });

  it('is monotone in operand and accumulator width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 8, max: 31 }), (n, acc) => {
        const a = mac(`int${n}`, `int${n}`, `int${acc}`);
        const b = mac(`int${n + 1}`, `int${n}`, `int${acc}`);
        const c = mac(`int${n}`, `int${n}`, `int${acc + 1}`);
        expect(b.energyPj).toBeGreaterThan(a.energyPj);
        expect(b.areaUm2).toBeGreaterThan(a.areaUm2);
        expect(c.energyPj).toBeGreaterThan(a.energyPj);
        expect(c.areaUm2).toBeGreaterThan(a.areaUm2);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 8 }), (e, m) => {
        const f = (mm: number) => mac(`minifloat<${e},${mm}>`, `minifloat<${e},${mm}>`, 'fp32');
        expect(f(m + 1).energyPj).toBeGreaterThan(f(m).energyPj);
        expect(f(m + 1).areaUm2).toBeGreaterThan(f(m).areaUm2);
      }),
    );
  });

  it('every format family gives a finite positive cost', () => {
    const fmts = [
      'int4',
      'uint8',
      'fixed<4,4>',
      'fp8-e4m3fn',
      'fp6-e2m3',
      'fp4-e2m1',
      'bf16',
      'posit<8,0>',
      'pow2<3>',
      'ternary',
      'binary',
    ];
    for (const w of fmts) {
      for (const a of fmts) {
        const c = mac(w, a, 'int32', { nodeNm: 16 });
        expect(Number.isFinite(c.energyPj) && c.energyPj > 0).toBe(true);
        expect(Number.isFinite(c.areaUm2) && c.areaUm2 > 0).toBe(true);
      }
    }
  });

  it('refuses an accumulator format that cannot accumulate', () => {
    expect(() => mac('int8', 'int8', 'binary')).toThrow(InputError);
    expect(() => mac('int8', 'int8', 'int32', { nodeNm: 13 })).toThrow(InputError);
  });
});

describe('MAC model: calibration figures quoted in docs/cost-model.md', () => {
  const ratio = (x: MacCost, y: MacCost) => ({
    energy: x.energyPj / y.energyPj,
    area: x.areaUm2 / y.areaUm2,
  });

  it('FP8 vs INT8 (van Baalen et al.: 1.5–2.8×)', () => {
    const int8 = mac('int8', 'int8', 'int32');
    const r16 = ratio(mac('fp8-e4m3fn', 'fp8-e4m3fn', 'fp16'), int8);
    expect(r16.energy).toBeCloseTo(2.31, 2);
    expect(r16.area).toBeCloseTo(3.81, 2);
    const r32 = ratio(mac('fp8-e4m3fn', 'fp8-e4m3fn', 'fp32'), int8);
    expect(r32.energy).toBeCloseTo(3.98, 2);
    expect(r32.area).toBeCloseTo(10.55, 2);
  });

  it('posit vs IEEE at equal width (Chaurasiya et al.: "comparable")', () => {
    const r16 = ratio(mac('posit<16,1>', 'posit<16,1>', 'posit<16,1>'), mac('fp16', 'fp16', 'fp16'));
    expect(r16.energy).toBeCloseTo(1.41, 2);
    expect(r16.area).toBeCloseTo(1.39, 2);
    const r8 = ratio(mac('posit<8,0>', 'posit<8,0>', 'posit<16,1>'), mac('fp8-e4m3', 'fp8-e4m3', 'fp16'));
    expect(r8.energy).toBeCloseTo(1.58, 2);
    expect(r8.area).toBeCloseTo(1.45, 2);
  });

  it('IBM 7 nm chip: INT4 4.7× more efficient than HFP8 (same die)', () => {
    const r = ratio(
      mac('hfp8-fwd', 'hfp8-fwd', 'fp16', { nodeNm: 7 }),
      mac('int4', 'int4', 'int32', { nodeNm: 7 }),
    );
    expect(r.energy).toBeCloseTo(4.6, 1);
  });
});
