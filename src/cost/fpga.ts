/**
 * FPGA resource model: DSP / LUT / FF / BRAM18 / URAM per module from number formats, parallelism
 * and folding, with the DSP-packing rule per bit width, memory mapping by FINN's estimate formulas,
 * and a roll-up against a device's totals that reports over-subscription with the numbers.
 *
 * Every figure comes from ../shared/reference/fpga.md (the section is named next to it, in
 * FPGA_CONSTANTS and in each rule's provenance) or is labelled `estimate` with its reasoning.
 * Device totals live in hw-configs/tech/fpga-devices.yaml, one source per figure.
 * See docs/fpga-resources.md for the rules and worked examples.
 */

import { join } from 'node:path';
import { z } from 'zod';
import { readYamlFile } from '../config/yaml.js';
import { parseWithSchema } from '../config/validate.js';
import type { HardwareDescriptor, NumberFormat } from '../formats/types.js';
import { InputError, type InputIssue } from '../units/errors.js';
import { packageRoot } from '../units/paths.js';

// ---------------------------------------------------------------------------------------------------
// Constants, each with its source

/** S stated in the source (as transcribed in reference fpga.md), D derived there or here, estimate. */
export type FpgaLabel = 'S' | 'D' | 'estimate';

export interface FpgaProvenance {
  readonly source: string;
  readonly label: FpgaLabel;
}

export interface FpgaConstant extends FpgaProvenance {
  readonly value: number;
}

const REF = 'reference fpga.md';

/** Every number the model uses, with where it comes from. */
export const FPGA_CONSTANTS = {
  /** MACs per DSP48E2/E1 when weights and activations are both ≤ 4 bits (4 PE lanes share B). */
  dsp48MacsUpTo4Bits: {
    value: 4,
    label: 'S',
    source: `${REF} §3: FINN finn-rtllib/mvu/mvu_vvu_axi.sv header ("4-bit MVU on DSP48 achieving 4 MACs/DSP"), mvu_4sx4u.sv`,
  },
  /** Operand width limit of the 4-MAC DSP48 core (4s×4u). */
  dsp48Pack4MaxBits: { value: 4, label: 'S', source: `${REF} §3: FINN mvu_4sx4u.sv (4s×4u)` },
  /** MACs per DSP48E2 for (4,8]-bit operands sharing one operand (2 weights in A/D × 1 activation in B). */
  dsp48MacsUpTo8Bits: {
    value: 2,
    label: 'S',
    source: `${REF} §3: Xilinx WP486 (two INT8 MACCs sharing an operand); FINN mvu_8sx8u_dsp48.sv PIPE_COUNT=(PE+1)/2`,
  },
  dsp48Pack2MaxBits: {
    value: 8,
    label: 'S',
    source: `${REF} §3: FINN mvu_8sx8u_dsp48.sv (8s×8u); WP486 INT8`,
  },
  /** MACs per DSP58 (Versal) for [4,9]-bit operands: a 3-way dot product per DSP along SIMD. */
  dsp58MacsUpTo9Bits: {
    value: 3,
    label: 'S',
    source: `${REF} §3: FINN mvu_vvu_8sx9_dsp58.sv CHAINLEN=⌈SIMD/3⌉; estimate P·⌈Q/3⌉`,
  },
  dsp58PackMaxBits: { value: 9, label: 'S', source: `${REF} §3: FINN mvu_vvu_8sx9_dsp58.sv ([4,9]-bit)` },
  /** DSP48E2 multiplier: 27-bit (A/AD pre-adder path) × 18-bit (B), two's complement. */
  dsp48MultWideBits: {
    value: 27,
    label: 'S',
    source: `${REF} §3: DSP48 port widths (AD 27-bit); HiKonv 27×18`,
  },
  dsp48MultNarrowBits: { value: 18, label: 'S', source: `${REF} §3: DSP48 port widths (B 18-bit)` },
  dsp58MultWideBits: {
    value: 27,
    label: 'S',
    source: `${REF} §3: DSP58 ports in mvu_vvu_8sx9_dsp58.sv (A 27)`,
  },
  dsp58MultNarrowBits: {
    value: 24,
    label: 'S',
    source: `${REF} §3: DSP58 ports in mvu_vvu_8sx9_dsp58.sv (B 24)`,
  },
  /**
   * Below this operand-width sum (W + A ≤ 6) a multiplier is LUT-only in the finn-rtl flow: FINN's
   * LUT multiplier formula then needs one LUT level, ⌈(W+A)/6⌉ = 1 (a 2×2 product costs 4 LUTs
   * against a quarter DSP). The reference names no threshold for FINN; this is a modelling choice.
   */
  lutOnlyMaxOperandSum: {
    value: 6,
    label: 'estimate',
    source: `estimate: ${REF} §1.3 gives FINN's LUT multiplier Q·(2⌈(W+A)/6⌉−1)·(W+A); W+A ≤ 6 is the one-LUT-level case`,
  },
  /** hls flow: "Vivado doesn't use DSP when precision < 9" (weight width). */
  hlsDspMinWeightBits: {
    value: 9,
    label: 'S',
    source: `${REF} §2: hls4ml optimization/dsp_aware_pruning/objectives (weight precision < 9 → 0 DSP)`,
  },
  /** hls flow: DSPs per multiplier = ⌈(W+A)/48⌉. */
  hlsDspWidthDivisor: {
    value: 48,
    label: 'S',
    source: `${REF} §1.3: FINN hls/matrixvectoractivation_hls.py dsp_estimation P·Q·⌈(W+A)/48⌉ ("TODO: more accurate modelling")`,
  },
  /** FINN-R LUT model LUT = c0 + c1·P·(mult + addertree + acc + thr + comp) + c2. */
  finnLutC0: {
    value: 300,
    label: 'S',
    source: `${REF} §1.3: FINN hls/matrixvectoractivation_hls.py lut_estimation c0`,
  },
  finnLutC1: {
    value: 1.1,
    label: 'S',
    source: `${REF} §1.3: FINN hls/matrixvectoractivation_hls.py lut_estimation c1`,
  },
  /** LUT multiplier: one LUT level per 6 operand bits. */
  finnLutMultDivisor: {
    value: 6,
    label: 'S',
    source: `${REF} §1.3: FINN lut_estimation mult = Q·(2⌈(W+A)/6⌉−1)·(W+A)`,
  },
  /** LUTRAM: c2 = width · ⌈depth/64⌉ (one 64-deep LUTRAM per bit of width). */
  lutramDepth: { value: 64, label: 'S', source: `${REF} §1.3: FINN lut_estimation c2 = P·Q·W·⌈WMEM/64⌉` },
  /** internal_embedded weights with WMEM ≤ 128 go to LUTs (0 BRAM). */
  embeddedLutMaxDepth: {
    value: 128,
    label: 'S',
    source: `${REF} §1.3: FINN matrixvectoractivation.py bram_estimation`,
  },
  /** RAMB18 capacity used by FINN's efficiency (36 × 512 bits). */
  bram18Bits: {
    value: 36 * 512,
    label: 'D',
    source: `${REF} §1.3: bram_efficiency = W·MW·MH/(count·36·512)`,
  },
  uramWidth: { value: 72, label: 'S', source: `${REF} §1.3: FINN uram_estimation ⌈w/72⌉·⌈ω/4096⌉` },
  uramDepth: { value: 4096, label: 'S', source: `${REF} §1.3: FINN uram_estimation ⌈w/72⌉·⌈ω/4096⌉` },
  /**
   * Shifter LUTs per output bit per 2 select bits: a LUT6 is a 4:1 mux, so a barrel shifter with s
   * select bits is ⌈s/2⌉ mux levels per output bit.
   */
  shifterSelectBitsPerLut: {
    value: 2,
    label: 'estimate',
    source: 'estimate: LUT6 = 4:1 mux, one level per 2 shift-select bits (no figure in reference fpga.md)',
  },
} as const satisfies Record<string, FpgaConstant>;

const C = FPGA_CONSTANTS;

/** BRAM18 aspect ladder (SDP RAMB18, UG573), as used by FINN's bram_estimation. */
export const BRAM18_LADDER: readonly {
  readonly maxWidth: number;
  readonly depth: number;
  readonly width: number;
}[] = [
  { maxWidth: 1, depth: 16384, width: 1 },
  { maxWidth: 2, depth: 8192, width: 2 },
  { maxWidth: 4, depth: 4096, width: 4 },
  { maxWidth: 9, depth: 2048, width: 9 },
  { maxWidth: 18, depth: 1024, width: 18 },
];
const BRAM18_LADDER_SOURCE = `${REF} §1.3: FINN matrixvectoractivation.py bram_estimation (after FINN-R), SDP RAMB18 aspect ratios`;

/**
 * FINN's usable-fraction limits per SLR for timing closure: LUT 0.7, FF 0.5, BRAM 0.8, URAM 0.8,
 * DSP 0.8 (§1.3 "Device-level budgets", FINN util/platforms.py DEFAULT_RES_LIMITS).
 */
export const FINN_PLANNING_LIMITS: Readonly<Record<FpgaResource, number>> = {
  dsp: 0.8,
  lut: 0.7,
  ff: 0.5,
  bram18: 0.8,
  uram: 0.8,
};
export const FINN_PLANNING_LIMITS_SOURCE = `${REF} §1.3: FINN util/platforms.py DEFAULT_RES_LIMITS`;

// ---------------------------------------------------------------------------------------------------
// Devices

export const FPGA_RESOURCES = ['dsp', 'lut', 'ff', 'bram18', 'uram'] as const;
export type FpgaResource = (typeof FPGA_RESOURCES)[number];

export const DSP_TYPES = ['DSP48E2', 'DSP58'] as const;
export type DspType = (typeof DSP_TYPES)[number];

const LABELS = ['S', 'D', 'estimate'] as const;
const SOURCE_EXPECTED = 'a source: reference section + document, or "estimate: <reasoning>"';

const FigureSchema = z.strictObject({
  value: z.number({ error: 'a non-negative count' }).int('a whole count').nonnegative('a non-negative count'),
  label: z.enum(LABELS, { error: `one of ${LABELS.join(', ')}` }),
  source: z.string({ error: SOURCE_EXPECTED }).min(3, SOURCE_EXPECTED),
});

const OffchipSchema = z.strictObject({
  kind: z.enum(['hbm2', 'ddr4', 'lpddr4'], { error: 'hbm2, ddr4 or lpddr4' }),
  capacity_gib: z.number().positive(),
  channels: z.number().int().positive(),
  bandwidth_gb_per_s: z.number().positive(),
  label: z.enum(LABELS, { error: `one of ${LABELS.join(', ')}` }),
  source: z.string({ error: SOURCE_EXPECTED }).min(3, SOURCE_EXPECTED),
});

const DeviceSchema = z.strictObject({
  id: z.string().min(1, 'a non-empty device id'),
  name: z.string().min(1),
  part: z.string().min(1),
  dsp_type: z.enum(DSP_TYPES, { error: `one of ${DSP_TYPES.join(', ')}` }),
  part_source: z.string({ error: SOURCE_EXPECTED }).min(3, SOURCE_EXPECTED),
  resources: z.strictObject({
    dsp: FigureSchema,
    lut: FigureSchema,
    ff: FigureSchema,
    bram18: FigureSchema,
    uram: FigureSchema,
    lutram: FigureSchema.optional(),
  }),
  offchip: z.array(OffchipSchema).optional(),
});

export const FpgaDeviceTableSchema = z.strictObject({
  kind: z.literal('fpga-devices'),
  name: z.string().min(1),
  description: z.string().min(1),
  devices: z.array(DeviceSchema).min(1, 'at least one device'),
});

export type FpgaDeviceTable = z.output<typeof FpgaDeviceTableSchema>;
type DeviceRow = FpgaDeviceTable['devices'][number];

export interface FpgaFigure extends FpgaProvenance {
  readonly value: number;
}

export interface FpgaOffchipMemory extends FpgaProvenance {
  readonly kind: 'hbm2' | 'ddr4' | 'lpddr4';
  readonly capacityGiB: number;
  readonly channels: number;
  readonly bandwidthGBPerS: number;
}

export interface FpgaDevice {
  readonly id: string;
  readonly name: string;
  readonly part: string;
  readonly dspType: DspType;
  /** Totals by resource; BRAM in RAMB18 units. */
  readonly totals: Readonly<Record<FpgaResource, FpgaFigure>>;
  /** LUTs usable as distributed RAM, when the source gives it. */
  readonly lutram?: FpgaFigure;
  readonly offchip: readonly FpgaOffchipMemory[];
  /** The file the device came from. */
  readonly file: string;
}

export function defaultFpgaDeviceFile(): string {
  return join(packageRoot(), 'hw-configs', 'tech', 'fpga-devices.yaml');
}

function toDevice(row: DeviceRow, file: string): FpgaDevice {
  const r = row.resources;
  const base = {
    id: row.id,
    name: row.name,
    part: row.part,
    dspType: row.dsp_type,
    totals: { dsp: r.dsp, lut: r.lut, ff: r.ff, bram18: r.bram18, uram: r.uram },
    offchip: (row.offchip ?? []).map((o) => ({
      kind: o.kind,
      capacityGiB: o.capacity_gib,
      channels: o.channels,
      bandwidthGBPerS: o.bandwidth_gb_per_s,
      label: o.label,
      source: o.source,
    })),
    file,
  };
  return r.lutram !== undefined ? { ...base, lutram: r.lutram } : base;
}

/** Validate a parsed device table: schema problems and repeated ids in one InputError. */
export function parseFpgaDevices(raw: unknown, file: string): readonly FpgaDevice[] {
  const table = parseWithSchema(FpgaDeviceTableSchema, raw, file);
  const issues: InputIssue[] = [];
  const seen = new Set<string>();
  table.devices.forEach((d, i) => {
    if (seen.has(d.id)) {
      issues.push({
        file,
        path: `devices[${i}].id`,
        value: JSON.stringify(d.id),
        expected: 'a device id not used before',
      });
    }
    seen.add(d.id);
  });
  if (issues.length > 0) throw new InputError(issues);
  return table.devices.map((d) => toDevice(d, file));
}

const deviceCache = new Map<string, readonly FpgaDevice[]>();

/** All devices of a table (default hw-configs/tech/fpga-devices.yaml), loaded once per file. */
export function loadFpgaDevices(file: string = defaultFpgaDeviceFile()): readonly FpgaDevice[] {
  const hit = deviceCache.get(file);
  if (hit !== undefined) return hit;
  const devices = parseFpgaDevices(readYamlFile(file), file);
  deviceCache.set(file, devices);
  return devices;
}

/** One device by id; an unknown id is an InputError listing the known ids. */
export function fpgaDevice(id: string, file: string = defaultFpgaDeviceFile()): FpgaDevice {
  const devices = loadFpgaDevices(file);
  const d = devices.find((x) => x.id === id);
  if (d === undefined) {
    throw new InputError([
      {
        file,
        path: 'device',
        value: JSON.stringify(id),
        expected: `one of ${devices.map((x) => x.id).join(', ')}`,
      },
    ]);
  }
  return d;
}

// ---------------------------------------------------------------------------------------------------
// MAC mapping: DSP packing and LUT multipliers

/**
 * Implementation flow:
 * - `finn-rtl`: FINN's RTL MVU cores pack low-bit MACs into DSPs (§3); tiny multipliers go to LUTs.
 * - `hls`: Vivado/Vitis HLS as modelled by hls4ml and FINN's HLS backend: no packing, weights
 *   narrower than 9 bits never use a DSP (§1.3, §2).
 */
export type FpgaFlow = 'finn-rtl' | 'hls';

/** Force the multiplier to LUTs or DSPs (FINN's resType), or let the flow's rule decide. */
export type MultiplierResource = 'auto' | 'dsp' | 'lut';

export type MacRule =
  | 'dsp48-pack4' // ≤ 4-bit: 4 MACs per DSP48
  | 'dsp48-pack2' // ≤ 8-bit: 2 MACs per DSP48 sharing an operand
  | 'dsp58-dot3' // ≤ 9-bit: 3-way dot product per DSP58
  | 'dsp-tiled' // wider: ⌈a/27⌉·⌈b/18 (24)⌉ DSPs per MAC
  | 'hls-dsp' // hls flow: ⌈(W+A)/48⌉ DSPs per MAC
  | 'lut-multiplier' // FINN's LUT multiplier formula
  | 'xnor-popcount' // binary × binary
  | 'shift-add' // pow2 (or K-hot) weights: shifter (+ adders), no multiplier
  | 'float-significand'; // minifloat / posit: significand product + exponent logic (estimate)

export interface MacPacking extends FpgaProvenance {
  /** MACs one DSP performs per cycle; 0 when the MAC uses no DSP. */
  readonly macsPerDsp: number;
  /** DSPs one MAC needs when it is wider than one DSP multiplier (1 otherwise). */
  readonly dspsPerMac: number;
  readonly rule: MacRule;
}

export interface MacMappingOptions {
  readonly flow?: FpgaFlow;
  readonly resType?: MultiplierResource;
}

function opBits(h: HardwareDescriptor): number {
  return Math.max(1, h.multiplierInputBits);
}

/** Two's-complement width an operand needs inside a signed DSP multiplier. */
function signedWidth(h: HardwareDescriptor): number {
  return opBits(h) + (h.signed ? 0 : 1);
}

function tiledDsps(w: HardwareDescriptor, a: HardwareDescriptor, dsp: DspType): number {
  const wide = dsp === 'DSP58' ? C.dsp58MultWideBits.value : C.dsp48MultWideBits.value;
  const narrow = dsp === 'DSP58' ? C.dsp58MultNarrowBits.value : C.dsp48MultNarrowBits.value;
  const big = Math.max(signedWidth(w), signedWidth(a));
  const small = Math.min(signedWidth(w), signedWidth(a));
  // Best of the two orientations of the rectangular multiplier.
  return Math.min(
    Math.ceil(big / wide) * Math.ceil(small / narrow),
    Math.ceil(big / narrow) * Math.ceil(small / wide),
  );
}

const LUT_ONLY: Omit<MacPacking, 'rule' | 'source' | 'label'> = { macsPerDsp: 0, dspsPerMac: 0 };

function integerPacking(
  w: HardwareDescriptor,
  a: HardwareDescriptor,
  dsp: DspType,
  flow: FpgaFlow,
  resType: MultiplierResource,
): MacPacking {
  const W = opBits(w);
  const A = opBits(a);
  const lutRule: MacPacking = {
    ...LUT_ONLY,
    rule: 'lut-multiplier',
    label: 'S',
    source: C.finnLutMultDivisor.source,
  };
  if (resType === 'lut') return lutRule;
  if (flow === 'hls') {
    if (resType === 'auto' && W < C.hlsDspMinWeightBits.value) {
      return {
        ...lutRule,
        source: `${C.hlsDspMinWeightBits.source}; LUTs by ${C.finnLutMultDivisor.source}`,
      };
    }
    return {
      macsPerDsp: 1,
      dspsPerMac: Math.ceil((W + A) / C.hlsDspWidthDivisor.value),
      rule: 'hls-dsp',
      label: 'S',
      source: C.hlsDspWidthDivisor.source,
    };
  }
  if (resType === 'auto' && W + A <= C.lutOnlyMaxOperandSum.value) {
    return {
      ...lutRule,
      label: 'estimate',
      source: `${C.lutOnlyMaxOperandSum.source}; LUTs by the same formula`,
    };
  }
  const widest = Math.max(W, A);
  if (dsp === 'DSP58') {
    if (widest <= C.dsp58PackMaxBits.value) {
      // The reference states [4,9]-bit; narrower operands fit the same lanes (derived).
      return {
        macsPerDsp: C.dsp58MacsUpTo9Bits.value,
        dspsPerMac: 1,
        rule: 'dsp58-dot3',
        label: widest >= 4 ? 'S' : 'D',
        source: C.dsp58MacsUpTo9Bits.source,
      };
    }
  } else {
    if (widest <= C.dsp48Pack4MaxBits.value) {
      return {
        macsPerDsp: C.dsp48MacsUpTo4Bits.value,
        dspsPerMac: 1,
        rule: 'dsp48-pack4',
        label: 'S',
        source: C.dsp48MacsUpTo4Bits.source,
      };
    }
    if (widest <= C.dsp48Pack2MaxBits.value) {
      return {
        macsPerDsp: C.dsp48MacsUpTo8Bits.value,
        dspsPerMac: 1,
        rule: 'dsp48-pack2',
        label: 'S',
        source: C.dsp48MacsUpTo8Bits.source,
      };
    }
  }
  return {
    macsPerDsp: 1,
    dspsPerMac: tiledDsps(w, a, dsp),
    rule: 'dsp-tiled',
    label: 'D',
    source: `${REF} §3: DSP port widths (${dsp === 'DSP58' ? '27×24' : '27×18'} two's complement); tiling derived`,
  };
}

/**
 * How MACs of these formats map onto a DSP block: MACs per DSP (0 = LUT-only), DSPs per MAC for
 * wide operands, and the rule with its source. The weight operand is `weights`.
 */
export function macsPerDsp(
  weights: NumberFormat,
  activations: NumberFormat,
  dsp: DspType,
  opts: MacMappingOptions = {},
): MacPacking {
  const flow = opts.flow ?? 'finn-rtl';
  const resType = opts.resType ?? 'auto';
  const w = weights.hardware;
  const a = activations.hardware;
  if (w.multiplierKind === 'xnor-popcount' && a.multiplierKind === 'xnor-popcount') {
    return {
      ...LUT_ONLY,
      rule: 'xnor-popcount',
      label: 'D',
      source: `${REF} §1.3: FINN's LUT formula at W = A = 1 (the reference gives no separate XNOR estimate)`,
    };
  }
  if (w.multiplierKind === 'shifter') {
    return {
      ...LUT_ONLY,
      rule: 'shift-add',
      label: 'D',
      source: `${REF} §3: QFX multiplier-free (K-hot) quantization, 0 DSP; shifter/adder LUTs are an estimate`,
    };
  }
  if (w.kind === 'minifloat' || w.kind === 'posit' || a.kind === 'minifloat' || a.kind === 'posit') {
    const inner = integerPacking(w, a, dsp, flow, resType);
    const useDsp = inner.macsPerDsp > 0;
    return {
      macsPerDsp: useDsp ? 1 : 0,
      dspsPerMac: useDsp ? tiledDsps(w, a, dsp) : 0,
      rule: 'float-significand',
      label: 'estimate',
      source:
        'estimate: reference fpga.md gives no FPGA resource figure for floating MACs (only HLS fmul/fadd latencies, §2); ' +
        'the significand product is priced as an unpacked integer multiplier plus exponent adder, alignment shifter and normalizer in LUTs',
    };
  }
  return integerPacking(w, a, dsp, flow, resType);
}

export interface MacFold {
  /** Output lanes (FINN PE): MACs sharing one activation, one accumulator each. */
  readonly pe: number;
  /** Reduction lanes per PE (FINN SIMD): products summed by an adder tree. */
  readonly simd: number;
}

export interface MacResourceOptions extends MacMappingOptions {
  readonly dsp?: DspType;
  /**
   * How the parallel MACs are arranged. Default: every MAC its own output lane (pe = parallelMacs,
   * simd = 1), i.e. all MACs may share an activation, the best case for DSP48 packing.
   */
  readonly fold?: MacFold;
  /** Ones per K-hot (shift-add) weight; pow2 weights are 1-hot. Default 1. */
  readonly kHot?: number;
}

export interface ResourceCounts {
  readonly dsp: number;
  readonly lut: number;
  readonly ff: number;
  readonly bram18: number;
  readonly uram: number;
}

export interface MacResources extends ResourceCounts {
  readonly rule: MacRule;
  readonly packing: MacPacking;
  /** LUT breakdown before the c1 factor: per-PE terms of FINN's formula. */
  readonly lutTerms: {
    readonly multiplierPerMac: number;
    readonly adderTreePerPe: number;
    readonly accumulatorPerPe: number;
  };
  /** How the LUT and FF figures were obtained. */
  readonly lutProvenance: FpgaProvenance;
  readonly ffProvenance: FpgaProvenance;
}

function positiveInt(x: number, path: string): void {
  if (!Number.isInteger(x) || x < 1) {
    throw new InputError([{ path, value: String(x), expected: 'a positive whole number' }]);
  }
}

/** ⌈x⌉ without spurious +1 from binary floating point (1.1 · 1600 = 1760.0000000000002). */
function ceilCount(x: number): number {
  return Math.ceil(x - 1e-9);
}

/** FINN's LUT multiplier: (2⌈(W+A)/6⌉ − 1)·(W+A) LUTs per product (§1.3). */
export function finnLutMultiplier(wBits: number, aBits: number): number {
  const s = wBits + aBits;
  return (2 * Math.ceil(s / C.finnLutMultDivisor.value) - 1) * s;
}

/** Barrel shifter in LUT6s: output bits × ⌈select bits / 2⌉ 4:1 mux levels (estimate). */
function shifterLuts(outBits: number, selectBits: number): number {
  return outBits * Math.ceil(selectBits / C.shifterSelectBitsPerLut.value);
}

interface Datapath {
  readonly multiplierLuts: number;
  /** Width of one product as it enters the adder tree. */
  readonly productBits: number;
  readonly lutSource: FpgaProvenance;
}

function datapath(w: HardwareDescriptor, a: HardwareDescriptor, packing: MacPacking, kHot: number): Datapath {
  const W = opBits(w);
  const A = opBits(a);
  switch (packing.rule) {
    case 'shift-add': {
      // pow2<b>: (b−1) exponent bits select one of 2^(b−1) − 1 shifts; K-hot: K shifters, K−1 adders.
      const shiftRange = Math.max(1, 2 ** w.exponentBits - 1);
      const out = A + shiftRange;
      const perShifter = shifterLuts(out, Math.max(1, w.exponentBits)) + out; // + conditional negate
      return {
        multiplierLuts: kHot * perShifter + (kHot - 1) * out,
        productBits: out,
        lutSource: {
          label: 'estimate',
          source: `estimate: barrel shifter (A + shift range) × ⌈exponent bits/2⌉ LUT6 + negate, ${REF} §3 QFX rule: (K−1) adders of width ≈ A + shift range`,
        },
      };
    }
    case 'float-significand': {
      const sig = finnLutMultiplier(W, A);
      const expAdd = Math.max(w.exponentAdderBits, a.exponentAdderBits);
      const align = Math.max(w.alignmentShifterBits, a.alignmentShifterBits);
      const alignLuts = align > 0 ? shifterLuts(align, Math.ceil(Math.log2(align + 1))) : 0;
      const normLuts = w.normalizer || a.normalizer ? alignLuts : 0;
      return {
        multiplierLuts: (packing.macsPerDsp > 0 ? 0 : sig) + expAdd + alignLuts + normLuts,
        productBits: Math.max(align, W + A),
        lutSource: {
          label: 'estimate',
          source:
            'estimate: significand by FINN LUT formula (or DSP), exponent adder 1 LUT/bit, alignment shifter and normalizer as LUT6 barrel shifters',
        },
      };
    }
    default:
      return {
        multiplierLuts: packing.macsPerDsp > 0 ? 0 : finnLutMultiplier(W, A),
        productBits: W + A,
        lutSource: {
          label: packing.rule === 'xnor-popcount' ? 'D' : 'S',
          source: `${REF} §1.3: FINN hls lut_estimation c1·P·(Q·mult + (W+A)(2Q−1) + acc)`,
        },
      };
  }
}

/**
 * DSP / LUT / FF of `parallelMacs` MAC units (no weight memory, no control overhead c0: see
 * `mvauResources` for a whole FINN MVAU).
 *
 * - DSP: DSP48 packs across PE lanes sharing an activation, ⌈PE/k⌉·SIMD; DSP58 packs along the
 *   SIMD reduction, PE·⌈SIMD/3⌉; wide MACs need `dspsPerMac` each (§3).
 * - LUT: FINN-R, c1·PE·(SIMD·mult + (W+A)(2·SIMD−1) + acc), mult = 0 on DSPs (§1.3).
 * - FF (estimate; the reference has no FF model): one accumulator register per PE, plus one
 *   product register per LUT-mapped MAC.
 */
export function macResources(
  weights: NumberFormat,
  activations: NumberFormat,
  accumulatorBits: number,
  parallelMacs: number,
  opts: MacResourceOptions = {},
): MacResources {
  positiveInt(parallelMacs, 'parallelMacs');
  positiveInt(accumulatorBits, 'accumulatorBits');
  const fold = opts.fold ?? { pe: parallelMacs, simd: 1 };
  positiveInt(fold.pe, 'fold.pe');
  positiveInt(fold.simd, 'fold.simd');
  if (fold.pe * fold.simd !== parallelMacs) {
    throw new InputError([
      {
        path: 'fold',
        value: `pe ${fold.pe} × simd ${fold.simd} = ${fold.pe * fold.simd}`,
        expected: `pe × simd = parallelMacs (${parallelMacs})`,
      },
    ]);
  }
  const kHot = opts.kHot ?? 1;
  positiveInt(kHot, 'kHot');
  const dspType = opts.dsp ?? 'DSP48E2';
  const packing = macsPerDsp(weights, activations, dspType, opts);
  const { pe, simd } = fold;

  let dsp = 0;
  if (packing.macsPerDsp > 0) {
    const k = packing.macsPerDsp;
    const blocks =
      k === 1 ? pe * simd : dspType === 'DSP58' ? pe * Math.ceil(simd / k) : Math.ceil(pe / k) * simd;
    dsp = blocks * packing.dspsPerMac;
  }

  const dp = datapath(weights.hardware, activations.hardware, packing, kHot);
  const adderTreePerPe = dp.productBits * (2 * simd - 1);
  const perPe = simd * dp.multiplierLuts + adderTreePerPe + accumulatorBits;
  const lut = ceilCount(C.finnLutC1.value * pe * perPe);
  const lutMappedMacs = packing.macsPerDsp > 0 ? 0 : parallelMacs;
  const ff = pe * accumulatorBits + lutMappedMacs * dp.productBits;

  return {
    dsp,
    lut,
    ff,
    bram18: 0,
    uram: 0,
    rule: packing.rule,
    packing,
    lutTerms: {
      multiplierPerMac: dp.multiplierLuts,
      adderTreePerPe,
      accumulatorPerPe: accumulatorBits,
    },
    lutProvenance: dp.lutSource,
    ffProvenance: {
      label: 'estimate',
      source:
        'estimate: reference fpga.md has no FF model; PE·accumulator bits + one product register per LUT-mapped MAC',
    },
  };
}

/**
 * FINN's accumulator width bound (§1.3, arXiv 2301.13376): α = log2(MW) + W + A − 1 − signed(A),
 * bits = ⌈α + log2(1 + 2^−α) + 1⌉.
 */
export function finnAccumulatorBits(mw: number, wBits: number, aBits: number, aSigned: boolean): number {
  positiveInt(mw, 'mw');
  const alpha = Math.log2(mw) + wBits + aBits - 1 - (aSigned ? 1 : 0);
  return Math.ceil(alpha + Math.log2(1 + 2 ** -alpha) + 1);
}

// ---------------------------------------------------------------------------------------------------
// Memory

/** Where a memory goes: FINN ram_style block / ultra / distributed, or auto (LUTRAM if depth ≤ 128). */
export type MemoryStyle = 'block' | 'ultra' | 'distributed' | 'auto';

export interface MemoryResources {
  readonly bram18: number;
  readonly uram: number;
  /** LUTs used as distributed RAM. */
  readonly lut: number;
  /** Stored bits / allocated capacity of the chosen primitive (1 when nothing is allocated). */
  readonly efficiency: number;
  readonly style: Exclude<MemoryStyle, 'auto'>;
  readonly provenance: FpgaProvenance;
}

/** BRAM18 count of a depth × width memory, FINN's ladder (§1.3). */
export function bram18Count(depth: number, width: number): number {
  positiveInt(depth, 'depth');
  positiveInt(width, 'width');
  if (width <= 2) {
    const step = width === 1 ? 16384 : 8192;
    return Math.ceil(depth / step);
  }
  for (const rung of BRAM18_LADDER) {
    if (width <= rung.maxWidth) return Math.ceil(depth / rung.depth) * Math.ceil(width / rung.width);
  }
  // width > 18: 1K×18 when deep, 512×36 when shallow.
  if (depth > 512) return Math.ceil(depth / 1024) * Math.ceil(width / 18);
  return Math.ceil(depth / 512) * Math.ceil(width / 36);
}

/** URAM count: ⌈w/72⌉·⌈ω/4096⌉ (§1.3). */
export function uramCount(depth: number, width: number): number {
  positiveInt(depth, 'depth');
  positiveInt(width, 'width');
  return Math.ceil(width / C.uramWidth.value) * Math.ceil(depth / C.uramDepth.value);
}

/** LUTRAM LUTs: width·⌈depth/64⌉ (FINN c2, §1.3). */
export function lutramLuts(depth: number, width: number): number {
  positiveInt(depth, 'depth');
  positiveInt(width, 'width');
  return width * Math.ceil(depth / C.lutramDepth.value);
}

/** Resources of one depth × width memory (e.g. an MVAU weight memory ω × w). */
export function memoryResources(depth: number, width: number, style: MemoryStyle = 'auto'): MemoryResources {
  const bits = depth * width;
  const resolved: Exclude<MemoryStyle, 'auto'> =
    style === 'auto' ? (depth <= C.embeddedLutMaxDepth.value ? 'distributed' : 'block') : style;
  switch (resolved) {
    case 'block': {
      const n = bram18Count(depth, width);
      return {
        bram18: n,
        uram: 0,
        lut: 0,
        efficiency: bits / (n * C.bram18Bits.value),
        style: resolved,
        provenance: { label: 'S', source: BRAM18_LADDER_SOURCE },
      };
    }
    case 'ultra': {
      const n = uramCount(depth, width);
      return {
        bram18: 0,
        uram: n,
        lut: 0,
        efficiency: bits / (n * C.uramWidth.value * C.uramDepth.value),
        style: resolved,
        provenance: { label: 'S', source: C.uramWidth.source },
      };
    }
    case 'distributed': {
      const n = lutramLuts(depth, width);
      return {
        bram18: 0,
        uram: 0,
        lut: n,
        efficiency: bits / (n * C.lutramDepth.value),
        style: resolved,
        provenance: {
          label: 'S',
          source:
            style === 'auto'
              ? `${C.embeddedLutMaxDepth.source} (depth ≤ 128 → LUTs); ${C.lutramDepth.source}`
              : C.lutramDepth.source,
        },
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// A FINN MVAU (matrix-vector-activation unit)

export interface MvauSpec {
  /** Matrix width (input features) and height (output features). */
  readonly mw: number;
  readonly mh: number;
  readonly pe: number;
  readonly simd: number;
  readonly weights: NumberFormat;
  readonly activations: NumberFormat;
  /** Default: FINN's bound, finnAccumulatorBits. */
  readonly accumulatorBits?: number;
  /** Output bits B for distributed thresholds (2^B − 1 per channel); omit for no activation. */
  readonly thresholdOutputBits?: number;
  readonly weightMemory?: MemoryStyle;
  readonly dsp?: DspType;
  readonly flow?: FpgaFlow;
  readonly resType?: MultiplierResource;
}

export interface MvauResources extends ResourceCounts {
  readonly mac: MacResources;
  readonly weightMemory: MemoryResources;
  /** Weight memory depth ω = MW·MH/(PE·SIMD) and width w = PE·SIMD·W. */
  readonly memDepth: number;
  readonly memWidth: number;
  readonly accumulatorBits: number;
}

/**
 * One FINN MVAU: DSPs by the packing rule, LUTs by FINN-R (c0 + c1·P·(…) + c2 with thresholds when
 * given), weight memory by FINN's BRAM/URAM/LUTRAM formulas (§1.3). Checks MH % PE and MW % SIMD.
 */
export function mvauResources(spec: MvauSpec): MvauResources {
  const { mw, mh, pe, simd } = spec;
  for (const [k, v] of [
    ['mw', mw],
    ['mh', mh],
    ['pe', pe],
    ['simd', simd],
  ] as const) {
    positiveInt(v, k);
  }
  const issues: InputIssue[] = [];
  if (mh % pe !== 0) issues.push({ path: 'pe', value: String(pe), expected: `a divisor of MH = ${mh}` });
  if (mw % simd !== 0)
    issues.push({ path: 'simd', value: String(simd), expected: `a divisor of MW = ${mw}` });
  if (issues.length > 0) throw new InputError(issues);

  const W = opBits(spec.weights.hardware);
  const accBits =
    spec.accumulatorBits ??
    finnAccumulatorBits(mw, W, opBits(spec.activations.hardware), spec.activations.signed);
  const macOpts: MacResourceOptions = {
    fold: { pe, simd },
    ...(spec.dsp !== undefined ? { dsp: spec.dsp } : {}),
    ...(spec.flow !== undefined ? { flow: spec.flow } : {}),
    ...(spec.resType !== undefined ? { resType: spec.resType } : {}),
  };
  const mac = macResources(spec.weights, spec.activations, accBits, pe * simd, macOpts);

  const memDepth = (mw * mh) / (pe * simd);
  const memWidth = pe * simd * W;
  const weightMemory = memoryResources(memDepth, memWidth, spec.weightMemory ?? 'block');

  let thresholdLuts = 0;
  if (spec.thresholdOutputBits !== undefined) {
    positiveInt(spec.thresholdOutputBits, 'thresholdOutputBits');
    const steps = 2 ** spec.thresholdOutputBits - 1;
    const tmem = mh / pe;
    thresholdLuts = steps * accBits * Math.ceil(tmem / C.lutramDepth.value) + steps * accBits;
  }
  const lut =
    C.finnLutC0.value + ceilCount(mac.lut + C.finnLutC1.value * pe * thresholdLuts) + weightMemory.lut;
  return {
    dsp: mac.dsp,
    lut,
    ff: mac.ff,
    bram18: weightMemory.bram18,
    uram: weightMemory.uram,
    mac,
    weightMemory,
    memDepth,
    memWidth,
    accumulatorBits: accBits,
  };
}

// ---------------------------------------------------------------------------------------------------
// Roll-up against a device

export interface FpgaModule extends ResourceCounts {
  readonly name: string;
}

export interface Oversubscription {
  readonly resource: FpgaResource;
  readonly needed: number;
  readonly available: number;
}

export interface FpgaRollup {
  readonly device: string;
  readonly totals: Readonly<Record<FpgaResource, number>>;
  /** needed / available per resource (Infinity when the device has none and some is needed). */
  readonly utilization: Readonly<Record<FpgaResource, number>>;
  /** Resources needing more than the device has. */
  readonly oversubscribed: readonly Oversubscription[];
  /** Resources above FINN's planning limits (fits, but timing closure is unlikely). */
  readonly overPlanningLimit: readonly (Oversubscription & { readonly limit: number })[];
}

export const RESOURCE_NAMES: Readonly<Record<FpgaResource, string>> = {
  dsp: 'DSP',
  lut: 'LUT',
  ff: 'FF',
  bram18: 'BRAM18',
  uram: 'URAM',
};

/** Sum the modules and compare with the device's totals. */
export function fpgaRollup(modules: readonly FpgaModule[], device: FpgaDevice): FpgaRollup {
  const totals: Record<FpgaResource, number> = { dsp: 0, lut: 0, ff: 0, bram18: 0, uram: 0 };
  const issues: InputIssue[] = [];
  modules.forEach((m, i) => {
    for (const r of FPGA_RESOURCES) {
      const v = m[r];
      if (!Number.isFinite(v) || v < 0) {
        issues.push({ path: `modules[${i}].${r}`, value: String(v), expected: 'a non-negative count' });
      } else totals[r] += v;
    }
  });
  if (issues.length > 0) throw new InputError(issues);
  const utilization = {} as Record<FpgaResource, number>;
  const oversubscribed: Oversubscription[] = [];
  const overPlanningLimit: (Oversubscription & { limit: number })[] = [];
  for (const r of FPGA_RESOURCES) {
    const needed = totals[r];
    const available = device.totals[r].value;
    utilization[r] = available > 0 ? needed / available : needed > 0 ? Infinity : 0;
    if (needed > available) oversubscribed.push({ resource: r, needed, available });
    else if (needed > FINN_PLANNING_LIMITS[r] * available) {
      overPlanningLimit.push({ resource: r, needed, available, limit: FINN_PLANNING_LIMITS[r] });
    }
  }
  return { device: device.id, totals, utilization, oversubscribed, overPlanningLimit };
}

function percent(needed: number, available: number): string {
  return available > 0 ? `${((100 * needed) / available).toFixed(1)}%` : 'none available';
}

/** One InputIssue per over-subscribed resource, with the numbers. */
export function oversubscriptionIssues(rollup: FpgaRollup, device: FpgaDevice): InputIssue[] {
  return rollup.oversubscribed.map((o) => {
    const name =
      o.resource === 'dsp' ? `${RESOURCE_NAMES.dsp} (${device.dspType})` : RESOURCE_NAMES[o.resource];
    return {
      file: device.file,
      path: `${device.id}.${o.resource}`,
      value: `${o.needed} ${name} needed (${percent(o.needed, o.available)} of the device)`,
      expected: `at most ${o.available} ${name} on ${device.name} (${device.part}), ${o.needed - o.available} over`,
    };
  });
}

/** Throw an InputError naming every over-subscribed resource; return the roll-up when it fits. */
export function assertFits(modules: readonly FpgaModule[], device: FpgaDevice): FpgaRollup {
  const rollup = fpgaRollup(modules, device);
  const issues = oversubscriptionIssues(rollup, device);
  if (issues.length > 0) throw new InputError(issues);
  return rollup;
}
