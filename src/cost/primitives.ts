/**
 * Arithmetic building blocks at 45 nm, 0.9 V, fitted on the Horowitz ISSCC 2014 table
 * (hw-configs/tech/horowitz-45nm.yaml). Each fit goes exactly through its anchor rows:
 *
 * - integer adder / multiplier: piecewise power law (linear in log width vs log figure) through the
 *   anchors, extended beyond the end anchors with the end segment's exponent. A multiplier of
 *   w × a bits is priced at the effective width √(w·a) (array area ∝ w·a).
 * - floating multiplier: exponent adder (integer-adder model) + significand array k·s_w·s_a +
 *   normalize/round c·(s_w + s_a)/2; k and c solved from the fp16 and fp32 multiply rows.
 * - floating adder: exponent compare + significand adder (integer-adder model) + one fitted part
 *   r·s^q for alignment shifter, normalizer and rounding through the fp16 and fp32 add rows.
 * - shifter: the Aladdin 32-bit shifter per mux-bit, calibrated to Horowitz by the ratio of the
 *   Horowitz and Aladdin 32-bit adders (which also absorbs the 40 → 45 nm step).
 * - 1-bit gate (XNOR / AND): the integer-multiplier power law at 1 × 1 bit.
 */

import { parseFormat } from '../formats/index.js';
import { fmt } from './scaling.js';
import { loadTechLibrary, numParam, type TechLibrary, type TechValue } from './tech-table.js';

/** A part's cost at the table's own node (45 nm, 0.9 V) before scaling. */
export interface BaseCost {
  readonly areaUm2: number;
  readonly energyPj: number;
  readonly provenance: string;
}

interface XY {
  readonly x: number;
  readonly y: number;
}

export interface PowerLawFit {
  readonly y: number;
  /** Exponent of the segment used. */
  readonly exponent: number;
  /** True when x lies outside the anchors (end segment extended). */
  readonly extrapolated: boolean;
}

/**
 * Piecewise power law through points sorted by x (at least two): the exact anchor value at an
 * anchor, log-log interpolation between anchors, the end segment's exponent outside them.
 */
export function powerLawThrough(points: readonly XY[], x: number): PowerLawFit {
  if (points.length < 2) throw new Error('powerLawThrough needs at least two points');
  const segExp = (a: XY, b: XY): number => Math.log(b.y / a.y) / Math.log(b.x / a.x);
  const last = points.length - 1;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (p.x === x) {
      const a = points[Math.max(0, i - 1)]!;
      const b = points[Math.max(1, i)]!;
      return { y: p.y, exponent: segExp(a, b), extrapolated: false };
    }
  }
  let i = points.findIndex((p) => p.x > x) - 1;
  const extrapolated = i < 0 || i >= last || x < points[0]!.x;
  if (x < points[0]!.x) i = 0;
  else if (i < 0 || i >= last) i = last - 1;
  const a = points[i]!;
  const b = points[i + 1]!;
  const p = segExp(a, b);
  return { y: a.y * (x / a.x) ** p, exponent: p, extrapolated };
}

interface AnchoredOp {
  readonly energy: readonly XY[];
  readonly area: readonly XY[];
  readonly rows: readonly string[];
}

function anchoredOp(lib: TechLibrary, ids: readonly string[]): AnchoredOp {
  const get = (id: string, unit: 'pJ' | 'um2'): TechValue => lib.get('horowitz-45nm', id, unit);
  const pts = (suffix: 'energy' | 'area'): XY[] =>
    ids
      .map((id) => {
        const v = get(`${id}.${suffix}`, suffix === 'energy' ? 'pJ' : 'um2');
        return { x: numParam(v, 'bits'), y: v.value };
      })
      .sort((a, b) => a.x - b.x);
  return { energy: pts('energy'), area: pts('area'), rows: ids };
}

function powerLawCost(op: AnchoredOp, width: number, what: string): BaseCost {
  const e = powerLawThrough(op.energy, width);
  const a = powerLawThrough(op.area, width);
  const extra = e.extrapolated ? ', extrapolated beyond the anchors' : '';
  return {
    energyPj: e.y,
    areaUm2: a.y,
    provenance:
      `${what}: power law through Horowitz 45 nm rows ${op.rows.join(', ')} ` +
      `(exponent ${fmt(e.exponent)} energy, ${fmt(a.exponent)} area${extra})`,
  };
}

const INT_ADD_ROWS = ['int8.add', 'int16.add', 'int32.add'] as const;
const INT_MULT_ROWS = ['int8.mult', 'int32.mult'] as const;

/** Integer (ripple/carry-lookahead as in the table) adder of `bits` bits at 45 nm. */
export function intAdder(bits: number, lib: TechLibrary = loadTechLibrary()): BaseCost {
  return powerLawCost(anchoredOp(lib, INT_ADD_ROWS), bits, `${bits}-bit integer adder`);
}

/** Integer multiplier of w × a bits at 45 nm, priced at the effective width √(w·a). */
export function intMultiplier(wBits: number, aBits: number, lib: TechLibrary = loadTechLibrary()): BaseCost {
  const width = wBits === aBits ? wBits : Math.sqrt(wBits * aBits);
  return powerLawCost(anchoredOp(lib, INT_MULT_ROWS), width, `${wBits}×${aBits}-bit integer multiplier`);
}

/** Global exponents of the 8 → 32-bit fits (the numbers quoted in the reference, §1.2). */
export function fittedExponents(lib: TechLibrary = loadTechLibrary()): {
  intMult: { energy: number; area: number };
  intAdd: { energy: number; area: number };
} {
  const end = (pts: readonly XY[]): number => {
    const a = pts[0]!;
    const b = pts[pts.length - 1]!;
    return Math.log(b.y / a.y) / Math.log(b.x / a.x);
  };
  const m = anchoredOp(lib, INT_MULT_ROWS);
  const s = anchoredOp(lib, INT_ADD_ROWS);
  return {
    intMult: { energy: end(m.energy), area: end(m.area) },
    intAdd: { energy: end(s.energy), area: end(s.area) },
  };
}

interface AnchorShape {
  readonly id: 'fp16' | 'fp32';
  readonly s: number;
  readonly eAdd: number;
}

/** Significand and exponent-adder widths of the fp16 / fp32 anchors, from their descriptors. */
function ieeeAnchorShapes(): [AnchorShape, AnchorShape] {
  const shape = (id: 'fp16' | 'fp32'): AnchorShape => {
    const hw = parseFormat(id).hardware;
    return { id, s: hw.multiplierInputBits, eAdd: hw.exponentAdderBits };
  };
  return [shape('fp16'), shape('fp32')];
}

/** Solve [s1² s1; s2² s2]·[k; c] = [y1; y2]. */
function solveQuadLinear(s1: number, y1: number, s2: number, y2: number): { k: number; c: number } {
  const det = s1 * s1 * s2 - s2 * s2 * s1;
  return { k: (y1 * s2 - y2 * s1) / det, c: (s1 * s1 * y2 - s2 * s2 * y1) / det };
}

export interface FpMultiplierFit {
  readonly energy: { readonly k: number; readonly c: number };
  readonly area: { readonly k: number; readonly c: number };
}

/** k (per significand bit²) and c (per significand bit) of the FP multiplier, from fp16 / fp32. */
const fpMultFits = new WeakMap<TechLibrary, FpMultiplierFit>();
const fpAddFits = new WeakMap<TechLibrary, FpAdderFit>();

export function fpMultiplierFit(lib: TechLibrary = loadTechLibrary()): FpMultiplierFit {
  const hit = fpMultFits.get(lib);
  if (hit !== undefined) return hit;
  const [a, b] = ieeeAnchorShapes();
  const residual = (shape: AnchorShape, metric: 'energy' | 'area'): number => {
    const row = lib.get('horowitz-45nm', `${shape.id}.mult.${metric}`, metric === 'energy' ? 'pJ' : 'um2');
    const adder = intAdder(shape.eAdd, lib);
    return row.value - (metric === 'energy' ? adder.energyPj : adder.areaUm2);
  };
  const fit = {
    energy: solveQuadLinear(a.s, residual(a, 'energy'), b.s, residual(b, 'energy')),
    area: solveQuadLinear(a.s, residual(a, 'area'), b.s, residual(b, 'area')),
  };
  fpMultFits.set(lib, fit);
  return fit;
}

export interface PartCost extends BaseCost {
  readonly part: string;
}

/** Parts of a floating multiplier: exponent adder, significand array, normalize + round. */
export function fpMultiplierParts(
  sw: number,
  sa: number,
  exponentAdderBits: number,
  lib: TechLibrary = loadTechLibrary(),
): PartCost[] {
  const fit = fpMultiplierFit(lib);
  const rows = 'Horowitz 45 nm rows fp16.mult, fp32.mult';
  const exp = intAdder(exponentAdderBits, lib);
  const sMean = (sw + sa) / 2;
  return [
    { part: 'exponent adder', ...exp },
    {
      part: 'significand multiplier',
      energyPj: fit.energy.k * sw * sa,
      areaUm2: fit.area.k * sw * sa,
      provenance:
        `${sw}×${sa}-bit significand array: k·s_w·s_a with k = ${fmt(fit.energy.k)} pJ, ` +
        `${fmt(fit.area.k)} µm² per bit², solved with normalize/round from ${rows} after the exponent adder`,
    },
    {
      part: 'normalize + round',
      energyPj: fit.energy.c * sMean,
      areaUm2: fit.area.c * sMean,
      provenance:
        `product normalizer and rounding: c·(s_w+s_a)/2 with c = ${fmt(fit.energy.c)} pJ, ` +
        `${fmt(fit.area.c)} µm² per bit, solved from ${rows}`,
    },
  ];
}

export interface FpAdderFit {
  readonly energy: { readonly r: number; readonly q: number; readonly s0: number };
  readonly area: { readonly r: number; readonly q: number; readonly s0: number };
}

/** Fit of the align/normalize/round part of the FP adder, r·(s/s0)^q, from fp16 / fp32 add. */
export function fpAdderFit(lib: TechLibrary = loadTechLibrary()): FpAdderFit {
  const hit = fpAddFits.get(lib);
  if (hit !== undefined) return hit;
  const shapes = ieeeAnchorShapes();
  const fit = (metric: 'energy' | 'area'): { r: number; q: number; s0: number } => {
    const pts = shapes.map((sh) => {
      const row = lib.get('horowitz-45nm', `${sh.id}.add.${metric}`, metric === 'energy' ? 'pJ' : 'um2');
      const known = [intAdder(sh.eAdd, lib), intAdder(sh.s, lib)];
      const knownSum = known.reduce((acc, k) => acc + (metric === 'energy' ? k.energyPj : k.areaUm2), 0);
      return { x: sh.s, y: row.value - knownSum };
    });
    const [p0, p1] = pts as [XY, XY];
    return { r: p0.y, s0: p0.x, q: Math.log(p1.y / p0.y) / Math.log(p1.x / p0.x) };
  };
  const out = { energy: fit('energy'), area: fit('area') };
  fpAddFits.set(lib, out);
  return out;
}

/** Parts of a floating adder of significand width s and exponent-adder width e. */
export function fpAdderParts(
  s: number,
  exponentAdderBits: number,
  lib: TechLibrary = loadTechLibrary(),
): PartCost[] {
  const fit = fpAdderFit(lib);
  const at = (f: { r: number; q: number; s0: number }): number =>
    s === f.s0 ? f.r : f.r * (s / f.s0) ** f.q;
  return [
    { part: 'exponent compare', ...intAdder(exponentAdderBits, lib) },
    { part: 'significand adder', ...intAdder(s, lib) },
    {
      part: 'align + normalize + round',
      energyPj: at(fit.energy),
      areaUm2: at(fit.area),
      provenance:
        `alignment shifter, normalizer and rounding of an s = ${s} adder: power law in s through the rest of ` +
        `Horowitz 45 nm rows fp16.add, fp32.add after exponent compare and significand adder ` +
        `(exponent ${fmt(fit.energy.q)} energy, ${fmt(fit.area.q)} area)`,
    },
  ];
}

/** Barrel shifter of `widthBits` × `stages` mux-bits at 45 nm (calibrated Aladdin shifter). */
export function shifter(widthBits: number, stages: number, lib: TechLibrary = loadTechLibrary()): BaseCost {
  const alERow = lib.get('components', 'aladdin.shifter32.energy', 'pJ');
  const alE = alERow.value;
  const alA = lib.get('components', 'aladdin.shifter32.area', 'um2').value;
  const stages32 = lib.get('components', 'shifter32.stages', 'count').value;
  const calE =
    lib.get('horowitz-45nm', 'int32.add.energy', 'pJ').value /
    lib.get('components', 'aladdin.adder32.energy', 'pJ').value;
  const calA =
    lib.get('horowitz-45nm', 'int32.add.area', 'um2').value /
    lib.get('components', 'aladdin.adder32.area', 'um2').value;
  const aladdinWidth = numParam(alERow, 'bits');
  const muxBits32 = aladdinWidth * stages32;
  const muxBits = widthBits * stages;
  return {
    energyPj: ((alE * calE) / muxBits32) * muxBits,
    areaUm2: ((alA * calA) / muxBits32) * muxBits,
    provenance:
      `${widthBits}-bit × ${stages}-stage shifter: components rows aladdin.shifter32.* per mux-bit ` +
      `(32 × ${stages32} stages, estimate), calibrated by Horowitz int32.add / aladdin.adder32 ` +
      `(energy ×${fmt(calE)}, area ×${fmt(calA)})`,
  };
}

/** One 1-bit gate (XNOR / AND / conditional-negate bit): the integer multiplier at 1 × 1 bit. */
export function gate(lib: TechLibrary = loadTechLibrary()): BaseCost {
  const m = intMultiplier(1, 1, lib);
  return { ...m, provenance: `1-bit gate as a 1×1 multiplier: ${m.provenance}` };
}

/** One full-adder bit: the Horowitz 8-bit adder divided by its width. */
export function adderBit(lib: TechLibrary = loadTechLibrary()): BaseCost {
  const e = lib.get('horowitz-45nm', 'int8.add.energy', 'pJ');
  const a = lib.get('horowitz-45nm', 'int8.add.area', 'um2');
  const bits = numParam(e, 'bits');
  return {
    energyPj: e.value / bits,
    areaUm2: a.value / bits,
    provenance: `one full-adder bit: Horowitz 45 nm row int8.add / ${bits}`,
  };
}
