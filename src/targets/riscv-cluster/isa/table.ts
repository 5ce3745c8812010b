/**
 * The one declarative ISA table of the riscv-cluster cores: RV32IMC + Zicsr, the XpulpV2 subset
 * that PULP kernels use, and XpulpNN. Every row gives the mnemonic, the encoding (constant fields →
 * match/mask), the format (operand fields and assembler syntax), the latency class and the
 * semantics. The decoder (./decode.ts), the encoder (./encode.ts), the assembler
 * (../asm/assembler.ts), the core (../core/core.ts) and docs/riscv-cluster.md all read this table.
 *
 * Encodings:
 *  - RV32I/M/C and Zicsr: the RISC-V unprivileged spec (opcode maps and format figures);
 *  - XpulpV2 (p.*, pv.*.h/.b, lp.*): the RI5CY encodings, as listed in GVSoC
 *    `models/cpu/iss/isa_gen/isa_riscv_gen.py` (lists `pulp_common_insns`, `pulp_v2_insns`) and
 *    decoded by RI5CY's `rtl/riscv_decoder.sv` (CV32E40P repo, tag marsellus_v1.1.0);
 *  - XpulpNN (.n/.c SIMD, pv.qnt.n, pv.mlsdot*): GVSoC `isa_riscv_gen.py` list `pulp_nn_insns`
 *    (reference/pulp.md §3.1).
 *  Every row is marked `published`; the only bitcycle-specific binary choice is the assembler's
 *  `pv.mlinitspr` (MacLoadInit) pseudo-instruction, whose real encoding is not public: it
 *  assembles to `pv.mlsdotsp.b x0, rs1, ctrl` (see ../asm/assembler.ts).
 *
 * SIMD rows are generated: one definition per operation (./simd.ts) × widths {h, b, n, c} × modes
 * {vv, sc, sci} where the encodings exist (sci only at h/b; n/c only vv and sc).
 *
 * Semantics are pure functions of operand values for everything computed (ALU, SIMD, dot
 * products); loads, stores, branches, jumps, hardware loops, CSRs and MAC&LOAD are declarative
 * descriptors that the core interprets (their effects touch memory, the PC or special registers
 * and have timing of their own).
 */
import {
  cregField,
  fixedReg,
  immField,
  matchMask,
  regField,
  slice,
  type FixedField,
  type ImmSpec,
  type RegSpec,
} from './fields.js';
import * as S from './scalar.js';
import {
  DOT_OPS,
  LANE_ALU_OPS,
  LANE_BITS,
  dot,
  dotFn,
  laneAluFn,
  zext,
  type DotOp,
  type SimdMode,
  type Width,
} from './simd.js';

/** Register operand slots of a decoded instruction. rs3 is a third source (a store's offset register). */
export type RegSlot = 'rd' | 'rs1' | 'rs2' | 'rs3';
/** Immediate operand slots. */
export type ImmSlot = 'imm' | 'imm2' | 'imm3';

/** Operand values of one instruction (unused slots are 0). */
export interface Operands {
  rd: number;
  rs1: number;
  rs2: number;
  rs3: number;
  imm: number;
  imm2: number;
  imm3: number;
}

/** An operand as written in assembly. */
export type SyntaxItem =
  | { readonly t: 'reg'; readonly slot: RegSlot }
  /** A number or expression; `shift`: the written value is the slot value >> shift (lui's 20 bits). */
  | { readonly t: 'imm'; readonly slot: ImmSlot; readonly shift?: number }
  /** A code address (label); the slot holds target − pc. */
  | { readonly t: 'label'; readonly slot: ImmSlot }
  /** A CSR number or name. */
  | { readonly t: 'csr'; readonly slot: ImmSlot }
  /** `off(base)` or `off(base!)` (post-increment); the offset is an immediate or a register. */
  | {
      readonly t: 'mem';
      readonly base: RegSlot;
      readonly off: { readonly imm: ImmSlot } | { readonly reg: RegSlot };
      readonly post: boolean;
    };

/** Where each operand sits in the instruction word and how it is written in assembly. */
export interface Format {
  readonly name: string;
  readonly size: 2 | 4;
  readonly regs: Readonly<Partial<Record<RegSlot, RegSpec>>>;
  readonly imms: Readonly<Partial<Record<ImmSlot, ImmSpec>>>;
  readonly syntax: readonly SyntaxItem[];
  /** Slots that must equal another slot (a compressed `rd/rs1` field): [slot, copied from]. */
  readonly ties: readonly (readonly [RegSlot, RegSlot])[];
}

/** The extension a row belongs to. */
export type Extension = 'RV32I' | 'RV32M' | 'RV32C' | 'Zicsr' | 'XpulpV2' | 'XpulpNN';

/**
 * Latency classes. The timing of each is in ../core/timing.ts; instruction counters are kept per
 * class.
 */
export const LATENCY_CLASSES = [
  'alu',
  'mul',
  'mulh',
  'div',
  'mac',
  'simd',
  'dotp',
  'load',
  'store',
  'branch',
  'jump',
  'hwloop',
  'csr',
  'system',
  'macload',
  'qnt',
] as const;
export type LatencyClass = (typeof LATENCY_CLASSES)[number];

/** rd = fn(rs1, op2, rd, imm2, pc); op2 is rs2 or the immediate. */
export type AluFn = (a: number, b: number, c: number, e: number, pc: number) => number;

/** What an instruction does. */
export type Semantics =
  | { readonly kind: 'alu'; readonly fn: AluFn; readonly op2: 'rs2' | 'imm' }
  | {
      readonly kind: 'load';
      readonly bytes: 1 | 2 | 4;
      readonly signed: boolean;
      /** Offset from the immediate or from rs2. */
      readonly offset: 'imm' | 'rs2';
      /** Post-increment: access at rs1, then rs1 += offset. */
      readonly post: boolean;
      /** p.elw: an event-unit load that may wait at a barrier. */
      readonly event: boolean;
    }
  | {
      readonly kind: 'store';
      readonly bytes: 1 | 2 | 4;
      readonly offset: 'imm' | 'rs3';
      readonly post: boolean;
    }
  | {
      readonly kind: 'branch';
      readonly cond: (a: number, b: number) => boolean;
      /** Compare with rs2 or with the 5-bit immediate (p.beqimm/p.bneimm). */
      readonly op2: 'rs2' | 'imm2';
    }
  | { readonly kind: 'jal' }
  | { readonly kind: 'jalr' }
  | {
      readonly kind: 'hwloop';
      readonly op: 'starti' | 'endi' | 'count' | 'counti' | 'setup' | 'setupi';
    }
  | { readonly kind: 'csr'; readonly op: 'rw' | 'rs' | 'rc'; readonly src: 'rs1' | 'imm2' }
  | { readonly kind: 'system'; readonly op: 'ecall' | 'ebreak' | 'wfi' | 'fence' }
  /** rd += dot(SPR_A, SPR_W) at `width`; optionally loads an SPR from [rs1] and rs1 += 4. */
  | {
      readonly kind: 'mlsdot';
      readonly width: Width;
      readonly dot: (acc: number, a: number, w: number) => number;
    }
  | { readonly kind: 'qnt' };

/** One row of the table. */
export interface InsnDef {
  /** Lower-case assembler mnemonic. */
  readonly mnemonic: string;
  readonly ext: Extension;
  readonly format: Format;
  readonly size: 2 | 4;
  readonly match: number;
  readonly mask: number;
  /** Whose encoding: a published one, or bitcycle's own (none at present, see the header). */
  readonly encoding: 'published' | 'bitcycle';
  readonly latency: LatencyClass;
  readonly sem: Semantics;
  /** rd is also a source (accumulators, inserts). */
  readonly readsRd: boolean;
  /** MAC lanes per execution and their operand width in bits (0 when not a multiply). */
  readonly macs: number;
  readonly macBits: number;
  /** For RV32C rows: the base instruction it expands to. */
  readonly expands: string | null;
  /** Operand combinations that are not this instruction (reserved / another row's encoding). */
  readonly reject: ((o: Operands) => string | null) | null;
  /** One line of semantics for the docs. */
  readonly summary: string;
}

// ---------------------------------------------------------------------------------------------
// Formats

const RD = regField(7);
const RS1 = regField(15);
const RS2 = regField(20);
const R: Readonly<Record<RegSlot, SyntaxItem>> = {
  rd: { t: 'reg', slot: 'rd' },
  rs1: { t: 'reg', slot: 'rs1' },
  rs2: { t: 'reg', slot: 'rs2' },
  rs3: { t: 'reg', slot: 'rs3' },
};
const IMM: SyntaxItem = { t: 'imm', slot: 'imm' };
const IMM2: SyntaxItem = { t: 'imm', slot: 'imm2' };
const IMM3: SyntaxItem = { t: 'imm', slot: 'imm3' };

function fmt(
  name: string,
  size: 2 | 4,
  regs: Format['regs'],
  imms: Format['imms'],
  syntax: readonly SyntaxItem[],
  ties: Format['ties'] = [],
): Format {
  return { name, size, regs, imms, syntax, ties };
}

const I12 = immField(20, 12, true);
const S12: ImmSpec = { slices: [slice(7, 5, 0), slice(25, 7, 5)], signed: true };
const B13: ImmSpec = {
  slices: [slice(8, 4, 1), slice(25, 6, 5), slice(7, 1, 11), slice(31, 1, 12)],
  signed: true,
};
const J21: ImmSpec = {
  slices: [slice(21, 10, 1), slice(20, 1, 11), slice(12, 8, 12), slice(31, 1, 20)],
  signed: true,
};
const U20: ImmSpec = { slices: [slice(12, 20, 12)], signed: true };
const SCI6 = (signed: boolean): ImmSpec => ({ slices: [slice(25, 1, 0), slice(20, 5, 1)], signed });
/** Hardware-loop offsets are unsigned halfword counts (RI5CY `imm_iz_type << 1`, `imm_z_type << 1`). */
const HL12: ImmSpec = { slices: [slice(20, 12, 1)], signed: false };
const HL5: ImmSpec = { slices: [slice(15, 5, 1)], signed: false };
const LOOP_L = immField(7, 1, false);
/** RV32C immediates shared by several formats. */
const CJ12: ImmSpec = {
  slices: [
    slice(3, 3, 1),
    slice(11, 1, 4),
    slice(2, 1, 5),
    slice(7, 1, 6),
    slice(6, 1, 7),
    slice(9, 2, 8),
    slice(8, 1, 10),
    slice(12, 1, 11),
  ],
  signed: true,
};
const CLW7: ImmSpec = { slices: [slice(6, 1, 2), slice(10, 3, 3), slice(5, 1, 6)], signed: false };
const CI6 = (signed: boolean): ImmSpec => ({ slices: [slice(2, 5, 0), slice(12, 1, 5)], signed });

const memImm = (post: boolean): SyntaxItem => ({ t: 'mem', base: 'rs1', off: { imm: 'imm' }, post });
const memReg = (reg: RegSlot, post: boolean): SyntaxItem => ({ t: 'mem', base: 'rs1', off: { reg }, post });

export const FORMATS = {
  R: fmt('R', 4, { rd: RD, rs1: RS1, rs2: RS2 }, {}, [R.rd, R.rs1, R.rs2]),
  R1: fmt('R1', 4, { rd: RD, rs1: RS1 }, {}, [R.rd, R.rs1]),
  I: fmt('I', 4, { rd: RD, rs1: RS1 }, { imm: I12 }, [R.rd, R.rs1, IMM]),
  /** 5-bit unsigned immediate in rs2's place (shifts, p.clip). */
  IU5: fmt('IU5', 4, { rd: RD, rs1: RS1 }, { imm: immField(20, 5, false) }, [R.rd, R.rs1, IMM]),
  /** Bit-field immediates: Is3 (width − 1) in [29:25], Is2 (position) in [24:20]. */
  IBF: fmt('IBF', 4, { rd: RD, rs1: RS1 }, { imm: immField(25, 5, false), imm2: immField(20, 5, false) }, [
    R.rd,
    R.rs1,
    IMM,
    IMM2,
  ]),
  SCIs: fmt('SCIs', 4, { rd: RD, rs1: RS1 }, { imm: SCI6(true) }, [R.rd, R.rs1, IMM]),
  SCIu: fmt('SCIu', 4, { rd: RD, rs1: RS1 }, { imm: SCI6(false) }, [R.rd, R.rs1, IMM]),
  /** R with a 5-bit shift in [29:25] (p.addN family), in imm2 (the ALU's fourth operand). */
  RN: fmt('RN', 4, { rd: RD, rs1: RS1, rs2: RS2 }, { imm2: immField(25, 5, false) }, [
    R.rd,
    R.rs1,
    R.rs2,
    IMM2,
  ]),
  U: fmt('U', 4, { rd: RD }, { imm: U20 }, [R.rd, { t: 'imm', slot: 'imm', shift: 12 }]),
  J: fmt('J', 4, { rd: RD }, { imm: J21 }, [R.rd, { t: 'label', slot: 'imm' }]),
  B: fmt('B', 4, { rs1: RS1, rs2: RS2 }, { imm: B13 }, [R.rs1, R.rs2, { t: 'label', slot: 'imm' }]),
  /** p.beqimm / p.bneimm: signed 5-bit compare value in rs2's place. */
  BI: fmt('BI', 4, { rs1: RS1 }, { imm: B13, imm2: immField(20, 5, true) }, [
    R.rs1,
    IMM2,
    { t: 'label', slot: 'imm' },
  ]),
  L: fmt('L', 4, { rd: RD, rs1: RS1 }, { imm: I12 }, [R.rd, memImm(false)]),
  LPOST: fmt('LPOST', 4, { rd: RD, rs1: RS1 }, { imm: I12 }, [R.rd, memImm(true)]),
  LR: fmt('LR', 4, { rd: RD, rs1: RS1, rs2: RS2 }, {}, [R.rd, memReg('rs2', false)]),
  LRPOST: fmt('LRPOST', 4, { rd: RD, rs1: RS1, rs2: RS2 }, {}, [R.rd, memReg('rs2', true)]),
  S: fmt('S', 4, { rs1: RS1, rs2: RS2 }, { imm: S12 }, [R.rs2, memImm(false)]),
  SPOST: fmt('SPOST', 4, { rs1: RS1, rs2: RS2 }, { imm: S12 }, [R.rs2, memImm(true)]),
  /** Register-offset stores: the offset register sits in rd's place (RI5CY "SR"). */
  SR: fmt('SR', 4, { rs1: RS1, rs2: RS2, rs3: RD }, {}, [R.rs2, memReg('rs3', false)]),
  SRPOST: fmt('SRPOST', 4, { rs1: RS1, rs2: RS2, rs3: RD }, {}, [R.rs2, memReg('rs3', true)]),
  JALR: fmt('JALR', 4, { rd: RD, rs1: RS1 }, { imm: I12 }, [R.rd, memImm(false)]),
  CSR: fmt('CSR', 4, { rd: RD, rs1: RS1 }, { imm: immField(20, 12, false) }, [
    R.rd,
    { t: 'csr', slot: 'imm' },
    R.rs1,
  ]),
  CSRI: fmt('CSRI', 4, { rd: RD }, { imm: immField(20, 12, false), imm2: immField(15, 5, false) }, [
    R.rd,
    { t: 'csr', slot: 'imm' },
    IMM2,
  ]),
  NONE: fmt('NONE', 4, {}, {}, []),
  /** lp.starti / lp.endi L, label. */
  HLI: fmt('HLI', 4, {}, { imm3: LOOP_L, imm: HL12 }, [IMM3, { t: 'label', slot: 'imm' }]),
  /** lp.count L, rs1. */
  HLC: fmt('HLC', 4, { rs1: RS1 }, { imm3: LOOP_L }, [IMM3, R.rs1]),
  /** lp.counti L, count. */
  HLCI: fmt('HLCI', 4, {}, { imm3: LOOP_L, imm: immField(20, 12, false) }, [IMM3, IMM]),
  /** lp.setup L, rs1, end-label. */
  HLS: fmt('HLS', 4, { rs1: RS1 }, { imm3: LOOP_L, imm: HL12 }, [IMM3, R.rs1, { t: 'label', slot: 'imm' }]),
  /** lp.setupi L, count, end-label (the end offset is 5 bits in rs1's place). */
  HLSI: fmt('HLSI', 4, {}, { imm3: LOOP_L, imm: immField(20, 12, false), imm2: HL5 }, [
    IMM3,
    IMM,
    { t: 'label', slot: 'imm2' },
  ]),
  /** MAC&LOAD: rd (accumulator), rs1 (pointer), 5-bit control in rs2's place (GVSoC "RRRU3"). */
  ML: fmt('ML', 4, { rd: RD, rs1: RS1 }, { imm: immField(20, 5, false) }, [R.rd, R.rs1, IMM]),

  // RV32C (unprivileged spec, "C" chapter, Table 16.5/16.6 formats)
  CIW: fmt(
    'CIW',
    2,
    { rd: cregField(2), rs1: fixedReg(2) },
    {
      imm: { slices: [slice(6, 1, 2), slice(5, 1, 3), slice(11, 2, 4), slice(7, 4, 6)], signed: false },
    },
    [R.rd, R.rs1, IMM],
  ),
  CL: fmt(
    'CL',
    2,
    { rd: cregField(2), rs1: cregField(7) },
    {
      imm: CLW7,
    },
    [R.rd, memImm(false)],
  ),
  CS: fmt(
    'CS',
    2,
    { rs2: cregField(2), rs1: cregField(7) },
    {
      imm: CLW7,
    },
    [R.rs2, memImm(false)],
  ),
  CNOP: fmt('CNOP', 2, { rd: fixedReg(0), rs1: fixedReg(0) }, {}, []),
  CI: fmt(
    'CI',
    2,
    { rd: regField(7), rs1: regField(7) },
    {
      imm: CI6(true),
    },
    [R.rd, IMM],
    [['rs1', 'rd']],
  ),
  CLI: fmt(
    'CLI',
    2,
    { rd: regField(7), rs1: fixedReg(0) },
    {
      imm: CI6(true),
    },
    [R.rd, IMM],
  ),
  CSLLI: fmt(
    'CSLLI',
    2,
    { rd: regField(7), rs1: regField(7) },
    {
      imm: CI6(false),
    },
    [R.rd, IMM],
    [['rs1', 'rd']],
  ),
  CLUI: fmt(
    'CLUI',
    2,
    { rd: regField(7) },
    {
      imm: { slices: [slice(2, 5, 12), slice(12, 1, 17)], signed: true },
    },
    [R.rd, { t: 'imm', slot: 'imm', shift: 12 }],
  ),
  CSP16: fmt(
    'CSP16',
    2,
    { rd: fixedReg(2), rs1: fixedReg(2) },
    {
      imm: {
        slices: [slice(6, 1, 4), slice(2, 1, 5), slice(5, 1, 6), slice(3, 2, 7), slice(12, 1, 9)],
        signed: true,
      },
    },
    [R.rd, IMM],
  ),
  CB2: fmt(
    'CB2',
    2,
    { rd: cregField(7), rs1: cregField(7) },
    {
      imm: CI6(false),
    },
    [R.rd, IMM],
    [['rs1', 'rd']],
  ),
  CB2S: fmt(
    'CB2S',
    2,
    { rd: cregField(7), rs1: cregField(7) },
    {
      imm: CI6(true),
    },
    [R.rd, IMM],
    [['rs1', 'rd']],
  ),
  CA: fmt(
    'CA',
    2,
    { rd: cregField(7), rs1: cregField(7), rs2: cregField(2) },
    {},
    [R.rd, R.rs2],
    [['rs1', 'rd']],
  ),
  CJ: fmt(
    'CJ',
    2,
    { rd: fixedReg(0) },
    {
      imm: CJ12,
    },
    [{ t: 'label', slot: 'imm' }],
  ),
  CJAL: fmt(
    'CJAL',
    2,
    { rd: fixedReg(1) },
    {
      imm: CJ12,
    },
    [{ t: 'label', slot: 'imm' }],
  ),
  CB: fmt(
    'CB',
    2,
    { rs1: cregField(7), rs2: fixedReg(0) },
    {
      imm: {
        slices: [slice(3, 2, 1), slice(10, 2, 3), slice(2, 1, 5), slice(5, 2, 6), slice(12, 1, 8)],
        signed: true,
      },
    },
    [R.rs1, { t: 'label', slot: 'imm' }],
  ),
  CLWSP: fmt(
    'CLWSP',
    2,
    { rd: regField(7), rs1: fixedReg(2) },
    {
      imm: { slices: [slice(4, 3, 2), slice(12, 1, 5), slice(2, 2, 6)], signed: false },
    },
    [R.rd, memImm(false)],
  ),
  CSWSP: fmt(
    'CSWSP',
    2,
    { rs2: regField(2), rs1: fixedReg(2) },
    {
      imm: { slices: [slice(9, 4, 2), slice(7, 2, 6)], signed: false },
    },
    [R.rs2, memImm(false)],
  ),
  CJR: fmt('CJR', 2, { rd: fixedReg(0), rs1: regField(7) }, {}, [R.rs1]),
  CJALR: fmt('CJALR', 2, { rd: fixedReg(1), rs1: regField(7) }, {}, [R.rs1]),
  CMV: fmt('CMV', 2, { rd: regField(7), rs1: fixedReg(0), rs2: regField(2) }, {}, [R.rd, R.rs2]),
  CADD: fmt(
    'CADD',
    2,
    { rd: regField(7), rs1: regField(7), rs2: regField(2) },
    {},
    [R.rd, R.rs2],
    [['rs1', 'rd']],
  ),
  CNONE: fmt('CNONE', 2, {}, {}, []),
} as const satisfies Record<string, Format>;

// ---------------------------------------------------------------------------------------------
// Encoding helpers: constant fields of the 32-bit and 16-bit layouts

const opc = (v: number): FixedField => ({ at: 0, width: 7, value: v });
const f3 = (v: number): FixedField => ({ at: 12, width: 3, value: v });
const f7 = (v: number): FixedField => ({ at: 25, width: 7, value: v });
const bits = (at: number, width: number, value: number): FixedField => ({ at, width, value });
const cop = (v: number): FixedField => ({ at: 0, width: 2, value: v });
const cf3 = (v: number): FixedField => ({ at: 13, width: 3, value: v });

const OP = 0b0110011;
const OP_IMM = 0b0010011;
const LOAD = 0b0000011;
const STORE = 0b0100011;
const BRANCH = 0b1100011;
const SYSTEM = 0b1110011;
/** RI5CY custom opcodes (riscv_defines.sv, marsellus_v1.1.0). */
const LOAD_POST = 0b0001011;
const STORE_POST = 0b0101011;
const PULP_OP = 0b1011011;
const VECOP = 0b1010111;
const HWLOOP = 0b1111011;
/** XpulpNN MAC&LOAD opcode (GVSoC pulp_nn_insns). */
const NN_ML = 0b1110111;

interface RowOpts {
  readonly latency?: LatencyClass;
  readonly readsRd?: boolean;
  readonly macs?: number;
  readonly macBits?: number;
  readonly reject?: (o: Operands) => string | null;
  readonly encoding?: 'published' | 'bitcycle';
}

function row(
  mnemonic: string,
  ext: Extension,
  format: Format,
  fixed: readonly FixedField[],
  sem: Semantics,
  summary: string,
  o: RowOpts = {},
): InsnDef {
  const { match, mask } = matchMask(fixed);
  return {
    mnemonic,
    ext,
    format,
    size: format.size,
    match,
    mask,
    encoding: o.encoding ?? 'published',
    latency: o.latency ?? 'alu',
    sem,
    readsRd: o.readsRd ?? false,
    macs: o.macs ?? 0,
    macBits: o.macBits ?? 0,
    expands: null,
    reject: o.reject ?? null,
    summary,
  };
}

const alu = (fn: AluFn): Semantics => ({ kind: 'alu', fn, op2: 'rs2' });
const alui = (fn: AluFn): Semantics => ({ kind: 'alu', fn, op2: 'imm' });

// ---------------------------------------------------------------------------------------------
// RV32I, RV32M, Zicsr

const rv32i: InsnDef[] = [
  row(
    'lui',
    'RV32I',
    FORMATS.U,
    [opc(0b0110111)],
    alui((_a, b) => b),
    'rd = imm << 12',
  ),
  row(
    'auipc',
    'RV32I',
    FORMATS.U,
    [opc(0b0010111)],
    alui((_a, b, _c, _e, pc) => (pc + b) | 0),
    'rd = pc + (imm << 12)',
  ),
  row('jal', 'RV32I', FORMATS.J, [opc(0b1101111)], { kind: 'jal' }, 'rd = pc + 4; pc += imm', {
    latency: 'jump',
  }),
  row(
    'jalr',
    'RV32I',
    FORMATS.JALR,
    [opc(0b1100111), f3(0)],
    { kind: 'jalr' },
    'rd = pc + 4; pc = (rs1 + imm) & ~1',
    {
      latency: 'jump',
    },
  ),
  ...(
    [
      ['beq', 0, (a: number, b: number) => a === b],
      ['bne', 1, (a: number, b: number) => a !== b],
      ['blt', 4, (a: number, b: number) => a < b],
      ['bge', 5, (a: number, b: number) => a >= b],
      ['bltu', 6, (a: number, b: number) => a >>> 0 < b >>> 0],
      ['bgeu', 7, (a: number, b: number) => a >>> 0 >= b >>> 0],
    ] as const
  ).map(([m, f, cond]) =>
    row(
      m,
      'RV32I',
      FORMATS.B,
      [opc(BRANCH), f3(f)],
      { kind: 'branch', cond, op2: 'rs2' },
      `if (rs1 ${m} rs2) pc += imm`,
      {
        latency: 'branch',
      },
    ),
  ),
  ...(
    [
      ['lb', 0, 1, true],
      ['lh', 1, 2, true],
      ['lw', 2, 4, true],
      ['lbu', 4, 1, false],
      ['lhu', 5, 2, false],
    ] as const
  ).map(([m, f, n, signed]) =>
    row(
      m,
      'RV32I',
      FORMATS.L,
      [opc(LOAD), f3(f)],
      { kind: 'load', bytes: n, signed, offset: 'imm', post: false, event: false },
      `rd = ${signed ? 'sext' : 'zext'}(mem${n * 8}[rs1 + imm])`,
      { latency: 'load' },
    ),
  ),
  ...(
    [
      ['sb', 0, 1],
      ['sh', 1, 2],
      ['sw', 2, 4],
    ] as const
  ).map(([m, f, n]) =>
    row(
      m,
      'RV32I',
      FORMATS.S,
      [opc(STORE), f3(f)],
      { kind: 'store', bytes: n, offset: 'imm', post: false },
      `mem${n * 8}[rs1 + imm] = rs2`,
      {
        latency: 'store',
      },
    ),
  ),
  row(
    'addi',
    'RV32I',
    FORMATS.I,
    [opc(OP_IMM), f3(0)],
    alui((a, b) => (a + b) | 0),
    'rd = rs1 + imm',
  ),
  row(
    'slti',
    'RV32I',
    FORMATS.I,
    [opc(OP_IMM), f3(2)],
    alui((a, b) => (a < b ? 1 : 0)),
    'rd = rs1 < imm',
  ),
  row(
    'sltiu',
    'RV32I',
    FORMATS.I,
    [opc(OP_IMM), f3(3)],
    alui((a, b) => (a >>> 0 < b >>> 0 ? 1 : 0)),
    'rd = rs1 <u imm',
  ),
  row(
    'xori',
    'RV32I',
    FORMATS.I,
    [opc(OP_IMM), f3(4)],
    alui((a, b) => a ^ b),
    'rd = rs1 ^ imm',
  ),
  row(
    'ori',
    'RV32I',
    FORMATS.I,
    [opc(OP_IMM), f3(6)],
    alui((a, b) => a | b),
    'rd = rs1 | imm',
  ),
  row(
    'andi',
    'RV32I',
    FORMATS.I,
    [opc(OP_IMM), f3(7)],
    alui((a, b) => a & b),
    'rd = rs1 & imm',
  ),
  row(
    'slli',
    'RV32I',
    FORMATS.IU5,
    [opc(OP_IMM), f3(1), f7(0)],
    alui((a, b) => a << b),
    'rd = rs1 << imm',
  ),
  row(
    'srli',
    'RV32I',
    FORMATS.IU5,
    [opc(OP_IMM), f3(5), f7(0)],
    alui((a, b) => (a >>> b) | 0),
    'rd = rs1 >>u imm',
  ),
  row(
    'srai',
    'RV32I',
    FORMATS.IU5,
    [opc(OP_IMM), f3(5), f7(0b0100000)],
    alui((a, b) => a >> b),
    'rd = rs1 >>s imm',
  ),
  row(
    'add',
    'RV32I',
    FORMATS.R,
    [opc(OP), f3(0), f7(0)],
    alu((a, b) => (a + b) | 0),
    'rd = rs1 + rs2',
  ),
  row(
    'sub',
    'RV32I',
    FORMATS.R,
    [opc(OP), f3(0), f7(0b0100000)],
    alu((a, b) => (a - b) | 0),
    'rd = rs1 - rs2',
  ),
  row(
    'sll',
    'RV32I',
    FORMATS.R,
    [opc(OP), f3(1), f7(0)],
    alu((a, b) => a << (b & 31)),
    'rd = rs1 << rs2[4:0]',
  ),
  row(
    'slt',
    'RV32I',
    FORMATS.R,
    [opc(OP), f3(2), f7(0)],
    alu((a, b) => (a < b ? 1 : 0)),
    'rd = rs1 < rs2',
  ),
  row(
    'sltu',
    'RV32I',
    FORMATS.R,
    [opc(OP), f3(3), f7(0)],
    alu((a, b) => (a >>> 0 < b >>> 0 ? 1 : 0)),
    'rd = rs1 <u rs2',
  ),
  row(
    'xor',
    'RV32I',
    FORMATS.R,
    [opc(OP), f3(4), f7(0)],
    alu((a, b) => a ^ b),
    'rd = rs1 ^ rs2',
  ),
  row(
    'srl',
    'RV32I',
    FORMATS.R,
    [opc(OP), f3(5), f7(0)],
    alu((a, b) => (a >>> (b & 31)) | 0),
    'rd = rs1 >>u rs2[4:0]',
  ),
  row(
    'sra',
    'RV32I',
    FORMATS.R,
    [opc(OP), f3(5), f7(0b0100000)],
    alu((a, b) => a >> (b & 31)),
    'rd = rs1 >>s rs2[4:0]',
  ),
  row(
    'or',
    'RV32I',
    FORMATS.R,
    [opc(OP), f3(6), f7(0)],
    alu((a, b) => a | b),
    'rd = rs1 | rs2',
  ),
  row(
    'and',
    'RV32I',
    FORMATS.R,
    [opc(OP), f3(7), f7(0)],
    alu((a, b) => a & b),
    'rd = rs1 & rs2',
  ),
  row(
    'fence',
    'RV32I',
    FORMATS.NONE,
    [opc(0b0001111), f3(0), bits(7, 5, 0), bits(15, 5, 0), bits(28, 4, 0)],
    {
      kind: 'system',
      op: 'fence',
    },
    'no effect (single hart, in-order memory)',
    { latency: 'system' },
  ),
  row(
    'fence.i',
    'RV32I',
    FORMATS.NONE,
    [opc(0b0001111), f3(1), bits(7, 5, 0), bits(15, 5, 0), bits(20, 12, 0)],
    {
      kind: 'system',
      op: 'fence',
    },
    'no effect (the decode cache assumes code is not modified)',
    { latency: 'system' },
  ),
  row(
    'ecall',
    'RV32I',
    FORMATS.NONE,
    [opc(SYSTEM), bits(7, 25, 0)],
    { kind: 'system', op: 'ecall' },
    'halt the core',
    {
      latency: 'system',
    },
  ),
  row(
    'ebreak',
    'RV32I',
    FORMATS.NONE,
    [opc(SYSTEM), bits(7, 25, 0b0000000000010000000000000)],
    {
      kind: 'system',
      op: 'ebreak',
    },
    'halt the core',
    { latency: 'system' },
  ),
  row(
    'wfi',
    'RV32I',
    FORMATS.NONE,
    [opc(SYSTEM), bits(7, 25, 0b0001000001010000000000000)],
    {
      kind: 'system',
      op: 'wfi',
    },
    'sleep until woken (cluster event)',
    { latency: 'system' },
  ),
];

const rv32m: InsnDef[] = [
  row(
    'mul',
    'RV32M',
    FORMATS.R,
    [opc(OP), f3(0), f7(1)],
    alu((a, b) => Math.imul(a, b)),
    'rd = (rs1 × rs2)[31:0]',
    {
      latency: 'mul',
      macs: 1,
      macBits: 32,
    },
  ),
  row('mulh', 'RV32M', FORMATS.R, [opc(OP), f3(1), f7(1)], alu(S.mulh), 'rd = (rs1 ×ss rs2)[63:32]', {
    latency: 'mulh',
  }),
  row('mulhsu', 'RV32M', FORMATS.R, [opc(OP), f3(2), f7(1)], alu(S.mulhsu), 'rd = (rs1 ×su rs2)[63:32]', {
    latency: 'mulh',
  }),
  row('mulhu', 'RV32M', FORMATS.R, [opc(OP), f3(3), f7(1)], alu(S.mulhu), 'rd = (rs1 ×uu rs2)[63:32]', {
    latency: 'mulh',
  }),
  row('div', 'RV32M', FORMATS.R, [opc(OP), f3(4), f7(1)], alu(S.div), 'rd = rs1 / rs2 (÷0 → −1)', {
    latency: 'div',
  }),
  row('divu', 'RV32M', FORMATS.R, [opc(OP), f3(5), f7(1)], alu(S.divu), 'rd = rs1 /u rs2 (÷0 → 2^32−1)', {
    latency: 'div',
  }),
  row('rem', 'RV32M', FORMATS.R, [opc(OP), f3(6), f7(1)], alu(S.rem), 'rd = rs1 % rs2 (÷0 → rs1)', {
    latency: 'div',
  }),
  row('remu', 'RV32M', FORMATS.R, [opc(OP), f3(7), f7(1)], alu(S.remu), 'rd = rs1 %u rs2 (÷0 → rs1)', {
    latency: 'div',
  }),
];

const zicsr: InsnDef[] = (
  [
    ['csrrw', 1, 'rw'],
    ['csrrs', 2, 'rs'],
    ['csrrc', 3, 'rc'],
  ] as const
).flatMap(([m, f, o]) => [
  row(
    m,
    'Zicsr',
    FORMATS.CSR,
    [opc(SYSTEM), f3(f)],
    { kind: 'csr', op: o, src: 'rs1' },
    `rd = csr; csr ${o} rs1`,
    {
      latency: 'csr',
    },
  ),
  row(
    `${m}i`,
    'Zicsr',
    FORMATS.CSRI,
    [opc(SYSTEM), f3(f + 4)],
    { kind: 'csr', op: o, src: 'imm2' },
    `rd = csr; csr ${o} uimm5`,
    {
      latency: 'csr',
    },
  ),
]);

// ---------------------------------------------------------------------------------------------
// XpulpV2 scalar subset (RI5CY)

const pLoads: InsnDef[] = (
  [
    ['p.lb', 0, 0b0000000, 1, true],
    ['p.lh', 1, 0b0001000, 2, true],
    ['p.lw', 2, 0b0010000, 4, true],
    ['p.lbu', 4, 0b0100000, 1, false],
    ['p.lhu', 5, 0b0101000, 2, false],
  ] as const
).flatMap(([m, f, rrF7, n, signed]) => {
  const ext = signed ? 'sext' : 'zext';
  const mk = (offset: 'imm' | 'rs2', post: boolean): Semantics => ({
    kind: 'load',
    bytes: n,
    signed,
    offset,
    post,
    event: false,
  });
  return [
    row(
      m,
      'XpulpV2',
      FORMATS.LPOST,
      [opc(LOAD_POST), f3(f)],
      mk('imm', true),
      `rd = ${ext}(mem${n * 8}[rs1]); rs1 += imm`,
      {
        latency: 'load',
      },
    ),
    row(
      m,
      'XpulpV2',
      FORMATS.LR,
      [opc(LOAD), f3(7), f7(rrF7)],
      mk('rs2', false),
      `rd = ${ext}(mem${n * 8}[rs1 + rs2])`,
      {
        latency: 'load',
      },
    ),
    row(
      m,
      'XpulpV2',
      FORMATS.LRPOST,
      [opc(LOAD_POST), f3(7), f7(rrF7)],
      mk('rs2', true),
      `rd = ${ext}(mem${n * 8}[rs1]); rs1 += rs2`,
      {
        latency: 'load',
      },
    ),
  ];
});

const pStores: InsnDef[] = (
  [
    ['p.sb', 0, 4, 1],
    ['p.sh', 1, 5, 2],
    ['p.sw', 2, 6, 4],
  ] as const
).flatMap(([m, f, rrF3, n]) => [
  row(
    m,
    'XpulpV2',
    FORMATS.SPOST,
    [opc(STORE_POST), f3(f)],
    { kind: 'store', bytes: n, offset: 'imm', post: true },
    `mem${n * 8}[rs1] = rs2; rs1 += imm`,
    {
      latency: 'store',
    },
  ),
  row(
    m,
    'XpulpV2',
    FORMATS.SR,
    [opc(STORE), f3(rrF3), f7(0)],
    { kind: 'store', bytes: n, offset: 'rs3', post: false },
    `mem${n * 8}[rs1 + rs3] = rs2`,
    {
      latency: 'store',
    },
  ),
  row(
    m,
    'XpulpV2',
    FORMATS.SRPOST,
    [opc(STORE_POST), f3(rrF3), f7(0)],
    { kind: 'store', bytes: n, offset: 'rs3', post: true },
    `mem${n * 8}[rs1] = rs2; rs1 += rs3`,
    {
      latency: 'store',
    },
  ),
]);

const unary =
  (fn: (a: number) => number): AluFn =>
  (a) =>
    fn(a);
const bf =
  (fn: (a: number, len1: number, pos: number) => number): AluFn =>
  (a, b, _c, e) =>
    fn(a, b, e);
const bfr =
  (fn: (a: number, len1: number, pos: number) => number): AluFn =>
  (a, b) =>
    fn(a, (b >>> 5) & 31, b & 31);

const xpulpScalar: InsnDef[] = [
  row(
    'p.elw',
    'XpulpV2',
    FORMATS.L,
    [opc(LOAD), f3(6)],
    { kind: 'load', bytes: 4, signed: true, offset: 'imm', post: false, event: true },
    'rd = mem32[rs1 + imm], waiting at the event unit',
    {
      latency: 'load',
    },
  ),
  row(
    'p.abs',
    'XpulpV2',
    FORMATS.R1,
    [opc(OP), f3(0), f7(0b0000010), bits(20, 5, 0)],
    alu(unary((a) => Math.abs(a) | 0)),
    'rd = |rs1|',
  ),
  row(
    'p.slet',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(2), f7(0b0000010)],
    alu((a, b) => (a <= b ? 1 : 0)),
    'rd = rs1 <= rs2',
  ),
  row(
    'p.sletu',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(3), f7(0b0000010)],
    alu((a, b) => (a >>> 0 <= b >>> 0 ? 1 : 0)),
    'rd = rs1 <=u rs2',
  ),
  row(
    'p.min',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(4), f7(0b0000010)],
    alu((a, b) => Math.min(a, b)),
    'rd = min(rs1, rs2)',
  ),
  row(
    'p.minu',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(5), f7(0b0000010)],
    alu((a, b) => (a >>> 0 < b >>> 0 ? a : b)),
    'rd = minu(rs1, rs2)',
  ),
  row(
    'p.max',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(6), f7(0b0000010)],
    alu((a, b) => Math.max(a, b)),
    'rd = max(rs1, rs2)',
  ),
  row(
    'p.maxu',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(7), f7(0b0000010)],
    alu((a, b) => (a >>> 0 > b >>> 0 ? a : b)),
    'rd = maxu(rs1, rs2)',
  ),
  row(
    'p.ror',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(5), f7(0b0000100)],
    alu(S.ror),
    'rd = rs1 rotated right by rs2[4:0]',
  ),
  ...(
    [
      ['p.ff1', 0, S.ff1, 'index of the lowest set bit (32 if none)'],
      ['p.fl1', 1, S.fl1, 'index of the highest set bit (32 if none)'],
      ['p.clb', 2, S.clb, 'redundant sign bits (0 for 0)'],
      ['p.cnt', 3, S.popcount, 'population count'],
      ['p.exths', 4, (a: number) => (a << 16) >> 16, 'sext(rs1[15:0])'],
      ['p.exthz', 5, (a: number) => a & 0xffff, 'zext(rs1[15:0])'],
      ['p.extbs', 6, (a: number) => (a << 24) >> 24, 'sext(rs1[7:0])'],
      ['p.extbz', 7, (a: number) => a & 0xff, 'zext(rs1[7:0])'],
    ] as const
  ).map(([m, f, fn, s]) =>
    row(
      m,
      'XpulpV2',
      FORMATS.R1,
      [opc(OP), f3(f), f7(0b0001000), bits(20, 5, 0)],
      alu(unary(fn)),
      `rd = ${s}`,
    ),
  ),
  row(
    'p.clip',
    'XpulpV2',
    FORMATS.IU5,
    [opc(OP), f3(1), f7(0b0001010)],
    alui(S.clipImm),
    'rd = clip(rs1, −2^(Is2−1), 2^(Is2−1)−1)',
  ),
  row(
    'p.clipu',
    'XpulpV2',
    FORMATS.IU5,
    [opc(OP), f3(2), f7(0b0001010)],
    alui(S.clipuImm),
    'rd = clip(rs1, 0, 2^(Is2−1)−1)',
  ),
  row(
    'p.clipr',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(5), f7(0b0001010)],
    alu(S.clipReg),
    'rd = clip(rs1, −(rs2+1), rs2)',
  ),
  row(
    'p.clipur',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(6), f7(0b0001010)],
    alu(S.clipuReg),
    'rd = clip(rs1, 0, rs2)',
  ),
  row(
    'p.extract',
    'XpulpV2',
    FORMATS.IBF,
    [opc(OP), f3(0), bits(30, 2, 3)],
    alui(bf(S.extractBits)),
    'rd = sext(rs1[Is3+Is2:Is2])',
  ),
  row(
    'p.extractu',
    'XpulpV2',
    FORMATS.IBF,
    [opc(OP), f3(1), bits(30, 2, 3)],
    alui(bf(S.extractBitsU)),
    'rd = zext(rs1[Is3+Is2:Is2])',
  ),
  row(
    'p.insert',
    'XpulpV2',
    FORMATS.IBF,
    [opc(OP), f3(2), bits(30, 2, 3)],
    alui((a, b, c, e) => S.insertBits(a, c, b, e)),
    'rd[Is3+Is2:Is2] = rs1',
    {
      readsRd: true,
    },
  ),
  row(
    'p.bclr',
    'XpulpV2',
    FORMATS.IBF,
    [opc(OP), f3(3), bits(30, 2, 3)],
    alui((a, b, _c, e) => a & ~S.fieldMask(b, e)),
    'rd = rs1 with bits [Is3+Is2:Is2] cleared',
  ),
  row(
    'p.bset',
    'XpulpV2',
    FORMATS.IBF,
    [opc(OP), f3(4), bits(30, 2, 3)],
    alui((a, b, _c, e) => a | S.fieldMask(b, e)),
    'rd = rs1 with bits [Is3+Is2:Is2] set',
  ),
  row(
    'p.extractr',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(0), f7(0b1000000)],
    alu(bfr(S.extractBits)),
    'rd = sext(rs1[rs2[9:5]+rs2[4:0]:rs2[4:0]])',
  ),
  row(
    'p.extractur',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(1), f7(0b1000000)],
    alu(bfr(S.extractBitsU)),
    'rd = zext(rs1[rs2[9:5]+rs2[4:0]:rs2[4:0]])',
  ),
  row(
    'p.insertr',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(2), f7(0b1000000)],
    alu((a, b, c) => S.insertBits(a, c, (b >>> 5) & 31, b & 31)),
    'rd[rs2[9:5]+rs2[4:0]:rs2[4:0]] = rs1',
    {
      readsRd: true,
    },
  ),
  row(
    'p.bclrr',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(3), f7(0b1000000)],
    alu((a, b) => a & ~S.fieldMask((b >>> 5) & 31, b & 31)),
    'rd = rs1 with the rs2 field cleared',
  ),
  row(
    'p.bsetr',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(4), f7(0b1000000)],
    alu((a, b) => a | S.fieldMask((b >>> 5) & 31, b & 31)),
    'rd = rs1 with the rs2 field set',
  ),
  row(
    'p.mac',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(0), f7(0b0100001)],
    alu((a, b, c) => (c + Math.imul(a, b)) | 0),
    'rd += rs1 × rs2',
    {
      latency: 'mac',
      readsRd: true,
      macs: 1,
      macBits: 32,
    },
  ),
  row(
    'p.msu',
    'XpulpV2',
    FORMATS.R,
    [opc(OP), f3(1), f7(0b0100001)],
    alu((a, b, c) => (c - Math.imul(a, b)) | 0),
    'rd −= rs1 × rs2',
    {
      latency: 'mac',
      readsRd: true,
      macs: 1,
      macBits: 32,
    },
  ),
  ...(
    [
      ['p.addn', 2, 0, false, false, 1],
      ['p.addun', 2, 2, false, true, 1],
      ['p.addrn', 6, 0, true, false, 1],
      ['p.addurn', 6, 2, true, true, 1],
      ['p.subn', 3, 0, false, false, -1],
      ['p.subun', 3, 2, false, true, -1],
      ['p.subrn', 7, 0, true, false, -1],
      ['p.suburn', 7, 2, true, true, -1],
    ] as const
  ).map(([m, f, hi, round, unsigned, sign]) =>
    row(
      m,
      'XpulpV2',
      FORMATS.RN,
      [opc(PULP_OP), f3(f), bits(30, 2, hi)],
      { kind: 'alu', op2: 'rs2', fn: (a, b, _c, e) => S.addNorm(a + sign * b, e, round, unsigned) },
      `rd = (rs1 ${sign > 0 ? '+' : '−'} rs2${round ? ' + 2^(Is3−1)' : ''}) >>${unsigned ? 'u' : 's'} Is3`,
    ),
  ),
  ...(
    [
      ['p.beqimm', 2, (a: number, b: number) => a === b],
      ['p.bneimm', 3, (a: number, b: number) => a !== b],
    ] as const
  ).map(([m, f, cond]) =>
    row(
      m,
      'XpulpV2',
      FORMATS.BI,
      [opc(BRANCH), f3(f)],
      { kind: 'branch', cond, op2: 'imm2' },
      `if (rs1 ${m === 'p.beqimm' ? '==' : '!='} simm5) pc += imm`,
      {
        latency: 'branch',
      },
    ),
  ),
];

const hwloops: InsnDef[] = (
  [
    ['starti', 0, FORMATS.HLI, [bits(15, 5, 0)], 'lpstart[L] = pc + imm'],
    ['endi', 1, FORMATS.HLI, [bits(15, 5, 0)], 'lpend[L] = pc + imm (the last instruction of the body)'],
    ['count', 2, FORMATS.HLC, [bits(20, 12, 0)], 'lpcount[L] = rs1'],
    ['counti', 3, FORMATS.HLCI, [bits(15, 5, 0)], 'lpcount[L] = imm'],
    ['setup', 4, FORMATS.HLS, [], 'lpstart[L] = pc + 4; lpend[L] = pc + imm; lpcount[L] = rs1'],
    ['setupi', 5, FORMATS.HLSI, [], 'lpstart[L] = pc + 4; lpend[L] = pc + imm2; lpcount[L] = imm'],
  ] as const
).map(([op, f, format, extra, summary]) =>
  row(
    `lp.${op}`,
    'XpulpV2',
    format,
    [opc(HWLOOP), f3(f), bits(8, 4, 0), ...extra],
    { kind: 'hwloop', op },
    summary,
    {
      latency: 'hwloop',
    },
  ),
);

// ---------------------------------------------------------------------------------------------
// SIMD: generated from one definition per operation

/** funct3 of the OP-V encodings per width and mode (RI5CY .h/.b; XpulpNN .n/.c share 010/011). */
const SIMD_F3: Readonly<Record<Width, Partial<Record<SimdMode, number>>>> = {
  h: { vv: 0b000, sc: 0b100, sci: 0b110 },
  b: { vv: 0b001, sc: 0b101, sci: 0b111 },
  n: { vv: 0b010, sc: 0b011 },
  c: { vv: 0b010, sc: 0b011 },
};

/** The constant fields of an OP-V row: funct5 | bit26 | bit25 | funct3 | opcode. */
function simdFixed(funct5: number, b26: 0 | 1, width: Width, mode: SimdMode): FixedField[] {
  const f = SIMD_F3[width][mode];
  if (f === undefined) throw new Error(`no ${mode} encoding at .${width}`);
  const fixed: FixedField[] = [opc(VECOP), f3(f), bits(27, 5, funct5), bits(26, 1, b26)];
  // bit 25 is imm[0] in the sci forms; in the others it selects .c (1) over .n (0), else 0
  if (mode !== 'sci') fixed.push(bits(25, 1, width === 'c' ? 1 : 0));
  return fixed;
}

const simdName = (op: string, mode: SimdMode, width: Width): string =>
  `pv.${op}${mode === 'vv' ? '' : `.${mode}`}.${width}`;

function simdModes(width: Width): readonly SimdMode[] {
  return width === 'h' || width === 'b' ? ['vv', 'sc', 'sci'] : ['vv', 'sc'];
}

const simdAlu: InsnDef[] = LANE_ALU_OPS.flatMap((o) =>
  o.widths.flatMap((w) =>
    (o.unary ? (['vv'] as const) : simdModes(w)).map((mode) => {
      const fn = laneAluFn(o, w, mode !== 'vv');
      const format = o.unary
        ? FORMATS.R1
        : mode === 'sci'
          ? o.immSigned
            ? FORMATS.SCIs
            : FORMATS.SCIu
          : FORMATS.R;
      const fixed = simdFixed(o.funct5, o.bit26, w, mode);
      if (o.unary) fixed.push(bits(20, 5, 0));
      return row(
        simdName(o.name, mode, w),
        w === 'n' || w === 'c' ? 'XpulpNN' : 'XpulpV2',
        format,
        fixed,
        { kind: 'alu', fn, op2: mode === 'sci' ? 'imm' : 'rs2' },
        `rd[i] = ${o.name}(rs1[i]${o.unary ? '' : mode === 'vv' ? ', rs2[i]' : mode === 'sc' ? ', rs2[0]' : ', imm'}) over ${32 / LANE_BITS[w]} × ${LANE_BITS[w]}-bit lanes`,
        { latency: 'simd' },
      );
    }),
  ),
);

function dotRows(d: DotOp): InsnDef[] {
  return (['h', 'b', 'n', 'c'] as const).flatMap((w) =>
    simdModes(w).map((mode) => {
      const fn = dotFn(d, w, mode !== 'vv');
      const immSigned = d.signedB;
      const format = mode === 'sci' ? (immSigned ? FORMATS.SCIs : FORMATS.SCIu) : FORMATS.R;
      const lanes = 32 / LANE_BITS[w];
      return row(
        simdName(d.name, mode, w),
        w === 'n' || w === 'c' ? 'XpulpNN' : 'XpulpV2',
        format,
        simdFixed(d.funct5, 0, w, mode),
        { kind: 'alu', fn, op2: mode === 'sci' ? 'imm' : 'rs2' },
        `rd = ${d.accumulate ? 'rd + ' : ''}Σ rs1[i]·${mode === 'vv' ? 'rs2[i]' : mode === 'sc' ? 'rs2[0]' : 'imm'} over ${lanes} × ${LANE_BITS[w]}-bit lanes`,
        { latency: 'dotp', readsRd: d.accumulate, macs: lanes, macBits: LANE_BITS[w] },
      );
    }),
  );
}

const half = (x: number, i: number): number => (x >>> (16 * i)) & 0xffff;
const byte = (x: number, i: number): number => (x >>> (8 * i)) & 0xff;

const simdMisc: InsnDef[] = [
  ...(['h', 'b'] as const).flatMap((w) => {
    const lb = LANE_BITS[w];
    const lanes = 32 / lb;
    const m = (1 << lb) - 1;
    const sel = (imm: number): number => imm & (lanes - 1);
    return [
      row(
        `pv.extract.${w}`,
        'XpulpV2',
        FORMATS.SCIu,
        [opc(VECOP), f3(SIMD_F3[w].sci ?? 0), bits(27, 5, 0b01111), bits(26, 1, 0)],
        alui((a, b) => {
          const v = (a >>> (sel(b) * lb)) & m;
          return (v << (32 - lb)) >> (32 - lb);
        }),
        'rd = sext(rs1[imm])',
      ),
      row(
        `pv.extractu.${w}`,
        'XpulpV2',
        FORMATS.SCIu,
        [opc(VECOP), f3(SIMD_F3[w].sci ?? 0), bits(27, 5, 0b10010), bits(26, 1, 0)],
        alui((a, b) => (a >>> (sel(b) * lb)) & m),
        'rd = zext(rs1[imm])',
      ),
      row(
        `pv.insert.${w}`,
        'XpulpV2',
        FORMATS.SCIu,
        [opc(VECOP), f3(SIMD_F3[w].sci ?? 0), bits(27, 5, 0b10110), bits(26, 1, 0)],
        alui((a, b, c) => {
          const sh = sel(b) * lb;
          return (c & ~(m << sh)) | ((a & m) << sh);
        }),
        'rd[imm] = rs1[0], other lanes kept',
        { readsRd: true },
      ),
      row(
        `pv.shuffle2.${w}`,
        'XpulpV2',
        FORMATS.R,
        [opc(VECOP), f3(SIMD_F3[w].vv ?? 0), bits(27, 5, 0b11001), bits(26, 1, 0), bits(25, 1, 0)],
        alu((a, b, c) => {
          let r = 0;
          for (let i = 0; i < lanes; i++) {
            const ctl = (b >>> (i * lb)) & m;
            const src = (ctl >>> Math.log2(lanes)) & 1 ? a : c;
            r |= ((src >>> ((ctl & (lanes - 1)) * lb)) & m) << (i * lb);
          }
          return r | 0;
        }),
        'rd[i] = (rs2[i] selects rs1 or rd)[rs2[i] lane index]',
        { readsRd: true },
      ),
    ];
  }),
  row(
    'pv.pack.h',
    'XpulpV2',
    FORMATS.R,
    [opc(VECOP), f3(0), f7(0b1101000)],
    alu((a, b) => (half(a, 0) << 16) | half(b, 0) | 0),
    'rd = {rs1[15:0], rs2[15:0]}',
  ),
  row(
    'pv.packhi.b',
    'XpulpV2',
    FORMATS.R,
    [opc(VECOP), f3(1), f7(0b1101100)],
    alu((a, b, c) => (byte(a, 0) << 24) | (byte(b, 0) << 16) | (c & 0xffff) | 0),
    'rd[31:16] = {rs1[7:0], rs2[7:0]}, rd[15:0] kept',
    {
      readsRd: true,
    },
  ),
  row(
    'pv.packlo.b',
    'XpulpV2',
    FORMATS.R,
    [opc(VECOP), f3(1), f7(0b1110000)],
    alu((a, b, c) => (c & 0xffff0000) | (byte(a, 0) << 8) | byte(b, 0) | 0),
    'rd[15:0] = {rs1[7:0], rs2[7:0]}, rd[31:16] kept',
    {
      readsRd: true,
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// XpulpNN: pv.qnt.n and MAC&LOAD

/**
 * MAC&LOAD variants (GVSoC pulp_nn.hpp PV_OP_RRRU3_EXEC_NN): `up`/`sp` as usual; `usp` treats the
 * weight SPR as the unsigned operand and the activation SPR as signed, `sup` the activation SPR as
 * unsigned and the weight SPR as signed (the PULP-NN-mixed kernels use `sup`: unsigned
 * activations × signed weights).
 */
const ML_OPS = [
  { name: 'mlsdotup', funct7: 0b1110000, unsignedIs: 'both' },
  { name: 'mlsdotusp', funct7: 0b1110100, unsignedIs: 'w' },
  { name: 'mlsdotsup', funct7: 0b1101100, unsignedIs: 'a' },
  { name: 'mlsdotsp', funct7: 0b1111100, unsignedIs: 'none' },
] as const;

const ML_F3: Readonly<Record<Width, number>> = { h: 0, b: 1, n: 2, c: 3 };

const macLoad: InsnDef[] = ML_OPS.flatMap((o) =>
  (['h', 'b', 'n', 'c'] as const).map((w) => {
    const signedA = o.unsignedIs === 'w' || o.unsignedIs === 'none';
    const signedW = o.unsignedIs === 'a' || o.unsignedIs === 'none';
    // dot(acc, x, y) with x the unsigned-or-first operand, as the GVSoC model orders them
    const fn =
      o.unsignedIs === 'w'
        ? (acc: number, a: number, wv: number) => dot(acc, wv, a, w, false, true, false)
        : (acc: number, a: number, wv: number) => dot(acc, a, wv, w, signedA, signedW, false);
    const lanes = 32 / LANE_BITS[w];
    return row(
      `pv.${o.name}.${w}`,
      'XpulpNN',
      FORMATS.ML,
      [opc(NN_ML), f3(ML_F3[w]), f7(o.funct7)],
      { kind: 'mlsdot', width: w, dot: fn },
      `rd += Σ A[imm[0]][i]·W[imm[2:1]][i] over ${lanes} × ${LANE_BITS[w]}-bit lanes; imm[3]/imm[4]: load A/W SPR from [rs1], rs1 += 4`,
      { latency: 'macload', readsRd: true, macs: lanes, macBits: LANE_BITS[w] },
    );
  }),
);

const qnt: InsnDef[] = [
  row(
    'pv.qnt.n',
    'XpulpNN',
    FORMATS.R,
    [opc(VECOP), f3(2), f7(0b1110000)],
    { kind: 'qnt' },
    'rd = 4-bit level of rs1 by a binary search over the int16 thresholds around [rs2]',
    {
      latency: 'qnt',
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// RV32C: each row expands to a base row

interface CRow {
  readonly mnemonic: string;
  readonly format: Format;
  readonly fixed: readonly FixedField[];
  readonly expands: string;
  readonly reject?: (o: Operands) => string | null;
}

const nz = (slot: keyof Operands, what: string) => (o: Operands) =>
  o[slot] === 0 ? `${what} must not be 0` : null;

const RVC: readonly CRow[] = [
  {
    mnemonic: 'c.addi4spn',
    format: FORMATS.CIW,
    fixed: [cop(0), cf3(0)],
    expands: 'addi',
    reject: nz('imm', 'the immediate'),
  },
  { mnemonic: 'c.lw', format: FORMATS.CL, fixed: [cop(0), cf3(2)], expands: 'lw' },
  { mnemonic: 'c.sw', format: FORMATS.CS, fixed: [cop(0), cf3(6)], expands: 'sw' },
  { mnemonic: 'c.nop', format: FORMATS.CNOP, fixed: [cop(1), cf3(0), bits(2, 11, 0)], expands: 'addi' },
  {
    mnemonic: 'c.addi',
    format: FORMATS.CI,
    fixed: [cop(1), cf3(0)],
    expands: 'addi',
    reject: (o) => (o.rd === 0 && o.imm === 0 ? 'c.addi x0, 0 is c.nop' : null),
  },
  { mnemonic: 'c.jal', format: FORMATS.CJAL, fixed: [cop(1), cf3(1)], expands: 'jal' },
  { mnemonic: 'c.li', format: FORMATS.CLI, fixed: [cop(1), cf3(2)], expands: 'addi' },
  {
    mnemonic: 'c.addi16sp',
    format: FORMATS.CSP16,
    fixed: [cop(1), cf3(3), bits(7, 5, 2)],
    expands: 'addi',
    reject: nz('imm', 'the immediate'),
  },
  {
    mnemonic: 'c.lui',
    format: FORMATS.CLUI,
    fixed: [cop(1), cf3(3)],
    expands: 'lui',
    reject: (o) =>
      o.rd === 0 || o.rd === 2
        ? 'rd must not be x0 or sp'
        : o.imm === 0
          ? 'the immediate must not be 0'
          : null,
  },
  {
    mnemonic: 'c.srli',
    format: FORMATS.CB2,
    fixed: [cop(1), cf3(4), bits(10, 2, 0)],
    expands: 'srli',
    reject: (o) => (o.imm > 31 ? 'RV32C shifts are below 32' : null),
  },
  {
    mnemonic: 'c.srai',
    format: FORMATS.CB2,
    fixed: [cop(1), cf3(4), bits(10, 2, 1)],
    expands: 'srai',
    reject: (o) => (o.imm > 31 ? 'RV32C shifts are below 32' : null),
  },
  { mnemonic: 'c.andi', format: FORMATS.CB2S, fixed: [cop(1), cf3(4), bits(10, 2, 2)], expands: 'andi' },
  {
    mnemonic: 'c.sub',
    format: FORMATS.CA,
    fixed: [cop(1), cf3(4), bits(10, 3, 0b011), bits(5, 2, 0)],
    expands: 'sub',
  },
  {
    mnemonic: 'c.xor',
    format: FORMATS.CA,
    fixed: [cop(1), cf3(4), bits(10, 3, 0b011), bits(5, 2, 1)],
    expands: 'xor',
  },
  {
    mnemonic: 'c.or',
    format: FORMATS.CA,
    fixed: [cop(1), cf3(4), bits(10, 3, 0b011), bits(5, 2, 2)],
    expands: 'or',
  },
  {
    mnemonic: 'c.and',
    format: FORMATS.CA,
    fixed: [cop(1), cf3(4), bits(10, 3, 0b011), bits(5, 2, 3)],
    expands: 'and',
  },
  { mnemonic: 'c.j', format: FORMATS.CJ, fixed: [cop(1), cf3(5)], expands: 'jal' },
  { mnemonic: 'c.beqz', format: FORMATS.CB, fixed: [cop(1), cf3(6)], expands: 'beq' },
  { mnemonic: 'c.bnez', format: FORMATS.CB, fixed: [cop(1), cf3(7)], expands: 'bne' },
  {
    mnemonic: 'c.slli',
    format: FORMATS.CSLLI,
    fixed: [cop(2), cf3(0)],
    expands: 'slli',
    reject: (o) => (o.imm > 31 ? 'RV32C shifts are below 32' : null),
  },
  {
    mnemonic: 'c.lwsp',
    format: FORMATS.CLWSP,
    fixed: [cop(2), cf3(2)],
    expands: 'lw',
    reject: nz('rd', 'rd'),
  },
  {
    mnemonic: 'c.jr',
    format: FORMATS.CJR,
    fixed: [cop(2), cf3(4), bits(12, 1, 0), bits(2, 5, 0)],
    expands: 'jalr',
    reject: nz('rs1', 'rs1'),
  },
  {
    mnemonic: 'c.mv',
    format: FORMATS.CMV,
    fixed: [cop(2), cf3(4), bits(12, 1, 0)],
    expands: 'add',
    reject: nz('rs2', 'rs2'),
  },
  {
    mnemonic: 'c.ebreak',
    format: FORMATS.CNONE,
    fixed: [cop(2), cf3(4), bits(2, 11, 0b10000000000)],
    expands: 'ebreak',
  },
  {
    mnemonic: 'c.jalr',
    format: FORMATS.CJALR,
    fixed: [cop(2), cf3(4), bits(12, 1, 1), bits(2, 5, 0)],
    expands: 'jalr',
    reject: nz('rs1', 'rs1'),
  },
  {
    mnemonic: 'c.add',
    format: FORMATS.CADD,
    fixed: [cop(2), cf3(4), bits(12, 1, 1)],
    expands: 'add',
    reject: nz('rs2', 'rs2'),
  },
  { mnemonic: 'c.swsp', format: FORMATS.CSWSP, fixed: [cop(2), cf3(6)], expands: 'sw' },
];

// ---------------------------------------------------------------------------------------------
// The table

const BASE: readonly InsnDef[] = [
  ...rv32i,
  ...rv32m,
  ...zicsr,
  ...pLoads,
  ...pStores,
  ...xpulpScalar,
  ...hwloops,
  ...simdAlu,
  ...DOT_OPS.flatMap(dotRows),
  ...simdMisc,
  ...qnt,
  ...macLoad,
];

function expand(c: CRow): InsnDef {
  const base =
    BASE.find((d) => d.mnemonic === c.expands && d.ext === 'RV32I') ??
    BASE.find((d) => d.mnemonic === c.expands);
  if (base === undefined) throw new Error(`${c.mnemonic}: no base row ${c.expands}`);
  const { match, mask } = matchMask(c.fixed);
  return {
    ...base,
    mnemonic: c.mnemonic,
    ext: 'RV32C',
    format: c.format,
    size: 2,
    match,
    mask,
    encoding: 'published',
    expands: base.mnemonic,
    reject: c.reject ?? null,
    summary: `expands to ${base.mnemonic}`,
  };
}

/** Every instruction the cores implement, in table order. */
export const ISA: readonly InsnDef[] = [...BASE, ...RVC.map(expand)];

/** Rows by mnemonic (several rows share a mnemonic when the operand syntax picks the form: p.lw …). */
export function rowsByMnemonic(): ReadonlyMap<string, readonly InsnDef[]> {
  const m = new Map<string, InsnDef[]>();
  for (const d of ISA) {
    const list = m.get(d.mnemonic);
    if (list === undefined) m.set(d.mnemonic, [d]);
    else list.push(d);
  }
  return m;
}

/** Lane count of a width (for docs and tests). */
export const lanesOf = (w: Width): number => 32 / LANE_BITS[w];

/** The immediate of a `.sci` row as the lane value its semantics uses (for tests). */
export const sciLane = (imm: number, w: Width): number => zext(imm, LANE_BITS[w]);
