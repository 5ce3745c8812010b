/**
 * Area and energy of one MAC (multiply + accumulate) for a weight, activation and accumulator
 * format, built from parts chosen by the formats' hardware descriptors (never by their names):
 *
 * - array multiplier (int, fixed): integer multiplier, √(w·a) effective width;
 * - floating operands (minifloat, posit, or an int operand against a float): exponent adder,
 *   significand array, normalize + round; posits add a regime decoder per posit operand;
 * - binary × binary: one XNOR, a share of the popcount tree, and 1/N of the wide accumulator add;
 * - binary or ternary against a wider operand: a conditional negate (one gate per bit);
 * - pow2 against an integer: a shifter instead of the multiplier (against a float: an exponent add);
 * - accumulate: an integer adder (int / fixed accumulators; a floating product first goes through an
 *   alignment shifter into fixed point), or a floating adder (minifloat / posit accumulators; posit
 *   adds an encoder); fixed point records its binary-point alignment, a constant shift (wiring).
 *
 * Every part is computed at the Horowitz table's node (45 nm, 0.9 V) and scaled to the requested
 * node and supply (./scaling.ts). See docs/cost-model.md.
 */

import type { HardwareDescriptor, NumberFormat } from '../formats/index.js';
import { InputError } from '../units/errors.js';
import {
  adderBit,
  fpAdderParts,
  fpMultiplierParts,
  gate,
  intAdder,
  intMultiplier,
  shifter,
  type BaseCost,
  type PartCost,
} from './primitives.js';
import { fmt, scaling, type OperatingPoint } from './scaling.js';
import { loadTechLibrary, type TechLibrary } from './tech-table.js';

export type MacStage = 'decode' | 'multiply' | 'accumulate';

export interface MacPart {
  readonly part: string;
  readonly stage: MacStage;
  readonly areaUm2: number;
  readonly energyPj: number;
  readonly provenance: string;
}

export interface MacCost {
  readonly areaUm2: number;
  /** Dynamic energy of one multiply-accumulate. */
  readonly energyPj: number;
  readonly parts: readonly MacPart[];
  readonly provenance: string;
}

export interface MacOptions extends OperatingPoint {
  /** Tech tables to use (default: hw-configs/tech/). */
  readonly lib?: TechLibrary;
}

interface StagedPart extends PartCost {
  readonly stage: MacStage;
}

type Hw = HardwareDescriptor;

function isFloating(hw: Hw): boolean {
  return hw.kind === 'minifloat' || hw.kind === 'posit';
}

function ceilLog2(n: number): number {
  return Math.max(1, Math.ceil(Math.log2(n)));
}

function staged(stage: MacStage, part: string, c: BaseCost): StagedPart {
  return { stage, part, areaUm2: c.areaUm2, energyPj: c.energyPj, provenance: c.provenance };
}

function times(n: number, c: BaseCost, what: string): BaseCost {
  return { areaUm2: n * c.areaUm2, energyPj: n * c.energyPj, provenance: `${n} × ${what} (${c.provenance})` };
}

/** A posit regime decoder (leading-run count + shift) priced as a log-depth barrel shifter. */
function positCodec(hw: Hw, lib: TechLibrary): BaseCost {
  const s = shifter(hw.totalBits, ceilLog2(hw.totalBits), lib);
  return { ...s, provenance: `regime decode/encode as a barrel shifter (estimate): ${s.provenance}` };
}

/** One operand is binary/ternary (sign-select) and the other is wider: a conditional negate. */
function signSelect(other: Hw, lib: TechLibrary): BaseCost {
  const bits = isFloating(other) ? 1 : other.totalBits;
  const what = isFloating(other) ? 'gate on the sign bit' : `gates, one per bit of the ${other.kind} operand`;
  return times(bits, gate(lib), what);
}

/** A pow2 operand against `other`: shift (integer) or exponent add (floating). */
function pow2Multiply(p: Hw, other: Hw, lib: TechLibrary): StagedPart[] {
  if (other.kind === 'pow2') {
    return [
      staged('multiply', 'exponent adder', intAdder(Math.max(p.exponentBits, other.exponentBits) + 1, lib)),
    ];
  }
  if (isFloating(other)) {
    return [
      staged(
        'multiply',
        'exponent adder',
        intAdder(Math.max(p.exponentBits + 1, other.exponentAdderBits), lib),
      ),
    ];
  }
  return [
    staged('multiply', 'shifter (replaces the multiplier)', shifter(other.totalBits, p.exponentBits, lib)),
  ];
}

function multiplyParts(w: Hw, a: Hw, lib: TechLibrary): StagedPart[] {
  const kw = w.multiplierKind;
  const ka = a.multiplierKind;
  if (kw === 'xnor-popcount' && ka === 'xnor-popcount') {
    return [staged('multiply', 'xnor', gate(lib))];
  }
  const narrow = (k: Hw['multiplierKind']): boolean => k === 'xnor-popcount' || k === 'sign-select';
  if (narrow(kw) && narrow(ka)) {
    return [staged('multiply', 'sign select', times(2, gate(lib), 'gates (sign XOR, non-zero AND)'))];
  }
  if (narrow(kw)) return [staged('multiply', 'sign select (conditional negate)', signSelect(a, lib))];
  if (narrow(ka)) return [staged('multiply', 'sign select (conditional negate)', signSelect(w, lib))];
  if (kw === 'shifter') return pow2Multiply(w, a, lib);
  if (ka === 'shifter') return pow2Multiply(a, w, lib);
  if (isFloating(w) || isFloating(a)) {
    const eAdd = Math.max(w.exponentAdderBits, a.exponentAdderBits);
    const sw = isFloating(w) ? w.multiplierInputBits : w.totalBits;
    const sa = isFloating(a) ? a.multiplierInputBits : a.totalBits;
    return fpMultiplierParts(sw, sa, eAdd, lib).map((p) => ({ ...p, stage: 'multiply' as const }));
  }
  return [
    staged(
      'multiply',
      'integer multiplier',
      intMultiplier(w.multiplierInputBits, a.multiplierInputBits, lib),
    ),
  ];
}

function decodeParts(w: Hw, a: Hw, lib: TechLibrary): StagedPart[] {
  const out: StagedPart[] = [];
  if (w.decoder === 'posit-regime')
    out.push(staged('decode', 'posit regime decoder (weights)', positCodec(w, lib)));
  if (a.decoder === 'posit-regime') {
    out.push(staged('decode', 'posit regime decoder (activations)', positCodec(a, lib)));
  }
  return out;
}

function popcountParts(acc: Hw, lib: TechLibrary): StagedPart[] {
  const inputs = lib.get('components', 'popcount.inputs', 'count').value;
  const bitsPerInput = lib.get('components', 'popcount.adder_bits_per_input', 'count').value;
  const tree = times(
    bitsPerInput,
    adderBit(lib),
    'full-adder bits per popcount input (components row, estimate)',
  );
  const wide = intAdder(acc.totalBits, lib);
  return [
    staged('accumulate', 'popcount tree (per input)', tree),
    staged('accumulate', `accumulator adder (1/${inputs} share)`, {
      areaUm2: wide.areaUm2 / inputs,
      energyPj: wide.energyPj / inputs,
      provenance: `${wide.provenance}, shared by ${inputs} popcount inputs (components row popcount.inputs)`,
    }),
  ];
}

function binaryPointPart(w: Hw, a: Hw, acc: Hw): StagedPart[] {
  if (w.kind !== 'fixed' && a.kind !== 'fixed' && acc.kind !== 'fixed') return [];
  const productFrac = w.fractionBits + a.fractionBits;
  return [
    {
      stage: 'accumulate',
      part: 'binary-point alignment',
      areaUm2: 0,
      energyPj: 0,
      provenance:
        `product has ${productFrac} fraction bits, accumulator ${acc.fractionBits}: a constant shift, ` +
        'i.e. wiring, no cells (estimate)',
    },
  ];
}

function accumulateParts(w: Hw, a: Hw, acc: Hw, lib: TechLibrary): StagedPart[] {
  if (w.kind === 'binary' && a.kind === 'binary') return popcountParts(acc, lib);
  if (isFloating(acc)) {
    const parts: StagedPart[] = fpAdderParts(acc.multiplierInputBits, acc.exponentAdderBits, lib).map(
      (p) => ({
        ...p,
        stage: 'accumulate',
      }),
    );
    if (acc.decoder === 'posit-regime')
      parts.push(staged('accumulate', 'posit encoder', positCodec(acc, lib)));
    return parts;
  }
  const out: StagedPart[] = [];
  if (isFloating(w) || isFloating(a)) {
    const s = shifter(acc.totalBits, ceilLog2(acc.totalBits), lib);
    out.push(staged('accumulate', 'alignment shifter (product to fixed point)', s));
  }
  out.push(staged('accumulate', 'accumulator adder', intAdder(acc.totalBits, lib)));
  return [...out, ...binaryPointPart(w, a, acc)];
}

function checkAccumulator(acc: NumberFormat): void {
  const ok = ['int', 'fixed', 'minifloat', 'posit'];
  if (!ok.includes(acc.hardware.kind)) {
    throw new InputError([
      {
        path: 'accumulator',
        value: acc.name,
        expected: 'an int, fixed, minifloat or posit accumulator format',
      },
    ]);
  }
}

/**
 * Area (µm²) and dynamic energy (pJ) of one MAC at `opts.nodeNm` and `opts.voltageV` (default: the
 * node's nominal supply), with every part and its provenance.
 */
export function macCost(
  weights: NumberFormat,
  activations: NumberFormat,
  accumulator: NumberFormat,
  opts: MacOptions,
): MacCost {
  const lib = opts.lib ?? loadTechLibrary();
  checkAccumulator(accumulator);
  const w = weights.hardware;
  const a = activations.hardware;
  const acc = accumulator.hardware;
  const base = lib.get('horowitz-45nm', 'int8.mult.energy', 'pJ').provenance;
  const sc = scaling({ nodeNm: base.nodeNm, voltageV: base.voltageV }, opts, lib);
  const raw = [...decodeParts(w, a, lib), ...multiplyParts(w, a, lib), ...accumulateParts(w, a, acc, lib)];
  const parts: MacPart[] = raw.map((p) => ({
    part: p.part,
    stage: p.stage,
    areaUm2: p.areaUm2 * sc.areaFactor,
    energyPj: p.energyPj * sc.energyFactor,
    provenance: `${p.provenance}; ${sc.description}`,
  }));
  const areaUm2 = parts.reduce((s, p) => s + p.areaUm2, 0);
  const energyPj = parts.reduce((s, p) => s + p.energyPj, 0);
  return {
    areaUm2,
    energyPj,
    parts,
    provenance:
      `MAC ${weights.name} × ${activations.name} → ${accumulator.name}: fitted on Horowitz 45 nm ` +
      `(ISSCC 2014, table via Kim et al. arXiv 2302.14017 Fig. 15), ${sc.description}; ` +
      `${fmt(energyPj)} pJ, ${fmt(areaUm2)} µm²`,
  };
}

/** Sum of the parts of one stage (e.g. the multiplier alone, for checks against the table). */
export function stageCost(cost: MacCost, stage: MacStage): { areaUm2: number; energyPj: number } {
  const ps = cost.parts.filter((p) => p.stage === stage);
  return {
    areaUm2: ps.reduce((s, p) => s + p.areaUm2, 0),
    energyPj: ps.reduce((s, p) => s + p.energyPj, 0),
  };
}
