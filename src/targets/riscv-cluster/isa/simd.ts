/**
 * Packed-SIMD semantics, defined once per operation and instantiated for every lane width.
 *
 * A 32-bit register holds 2 × 16-bit (`.h`), 4 × 8-bit (`.b`), 8 × 4-bit (`.n`, nibble) or
 * 16 × 2-bit (`.c`, crumb) lanes, lane 0 in the least significant bits. `.h`/`.b` are XpulpV2
 * (RI5CY manual; CV32E40P user manual "SIMD" tables give the same semantics under `cv.` names),
 * `.n`/`.c` are XpulpNN (GVSoC `isa_riscv_gen.py` list `pulp_nn_insns`, semantics in
 * `pulp_nn.hpp` / `isa_lib/int.h`; reference/pulp.md §3.1). Operand 2 comes in three modes:
 * vector (`vv`), scalar replicated from rs2's lane 0 (`sc`), or a replicated 6-bit immediate
 * (`sci`, `.h`/`.b` only). Each operation below is one lane function; the per-width, per-mode
 * register functions are generated from it.
 *
 * Average: the lane sum is wrapped to the lane width, then shifted right by one (arithmetic for
 * `avg`, logical for `avgu`), as the CV32E40P manual states for `.h`/`.b`. GVSoC's C model of the
 * `.n`/`.c` averages does not wrap first; bitcycle uses the one definition for every width.
 * Shifts use the low log2(lane bits) bits of the shift amount (CV32E40P manual for `.h`/`.b`, GVSoC
 * `VEC_EXPR_NN_SHIFT` for `.n`/`.c`).
 */

/** Lane width suffix. */
export type Width = 'h' | 'b' | 'n' | 'c';

/** Operand-2 mode: vector, scalar (rs2 lane 0), immediate scalar. */
export type SimdMode = 'vv' | 'sc' | 'sci';

/** Bits per lane for each width. */
export const LANE_BITS: Readonly<Record<Width, number>> = { h: 16, b: 8, n: 4, c: 2 };

/** Sign-extend the low `w` bits of `v`. */
export function sext(v: number, w: number): number {
  return (v << (32 - w)) >> (32 - w);
}

/** The low `w` bits of `v`, as a non-negative number. */
export function zext(v: number, w: number): number {
  return w >= 32 ? v >>> 0 : v & ((1 << w) - 1);
}

/** Lane `i` of `x` at width `w`, sign- or zero-extended. */
export function lane(x: number, i: number, w: number, signed: boolean): number {
  const v = (x >>> (i * w)) & ((1 << w) - 1);
  return signed ? sext(v, w) : v;
}

/** A lane-wise ALU operation, defined once for every width. */
export interface LaneAluOp {
  readonly name: string;
  /** instr[31:27] (RI5CY / XpulpNN OP-V encodings). */
  readonly funct5: number;
  /** instr[26]: 1 for the comparisons. */
  readonly bit26: 0 | 1;
  /** Whether lane operands are sign-extended before `fn`. */
  readonly signed: boolean;
  /** Whether the `.sci` immediate is sign-extended (RI5CY "RRS" vs "RRU" forms). */
  readonly immSigned: boolean;
  /** Unary (operand 2 unused). */
  readonly unary: boolean;
  /** Widths it exists at. */
  readonly widths: readonly Width[];
  /** Lane result (masked to the lane afterwards); `a`, `b` extended per `signed`; `w` lane bits. */
  readonly fn: (a: number, b: number, w: number) => number;
}

const ALL: readonly Width[] = ['h', 'b', 'n', 'c'];
const HB: readonly Width[] = ['h', 'b'];

function op(
  name: string,
  funct5: number,
  signed: boolean,
  fn: (a: number, b: number, w: number) => number,
  widths: readonly Width[] = ALL,
  extra: { readonly bit26?: 0 | 1; readonly unary?: boolean; readonly immSigned?: boolean } = {},
): LaneAluOp {
  return {
    name,
    funct5,
    bit26: extra.bit26 ?? 0,
    signed,
    immSigned: extra.immSigned ?? signed,
    unary: extra.unary ?? false,
    widths,
    fn,
  };
}

const avg = (a: number, b: number, w: number): number => sext((a + b) & ((1 << w) - 1), w) >> 1;
const avgu = (a: number, b: number, w: number): number => ((a + b) & ((1 << w) - 1)) >>> 1;
const cmp = (t: boolean): number => (t ? -1 : 0);

/** The lane-wise ALU operations (XpulpV2 `.h`/`.b`, XpulpNN `.n`/`.c` where listed). */
export const LANE_ALU_OPS: readonly LaneAluOp[] = [
  op('add', 0b00000, true, (a, b) => a + b),
  op('sub', 0b00001, true, (a, b) => a - b),
  op('avg', 0b00010, true, avg),
  op('avgu', 0b00011, false, avgu),
  op('min', 0b00100, true, (a, b) => Math.min(a, b)),
  op('minu', 0b00101, false, (a, b) => Math.min(a, b)),
  op('max', 0b00110, true, (a, b) => Math.max(a, b)),
  op('maxu', 0b00111, false, (a, b) => Math.max(a, b)),
  op('srl', 0b01000, false, (a, b, w) => a >>> (b & (w - 1))),
  op('sra', 0b01001, true, (a, b, w) => a >> (b & (w - 1))),
  op('sll', 0b01010, false, (a, b, w) => a << (b & (w - 1))),
  op('or', 0b01011, true, (a, b) => a | b),
  op('xor', 0b01100, true, (a, b) => a ^ b),
  op('and', 0b01101, true, (a, b) => a & b),
  op('abs', 0b01110, true, (a) => Math.abs(a), ALL, { unary: true }),
  op('cmpeq', 0b00000, true, (a, b) => cmp(a === b), HB, { bit26: 1 }),
  op('cmpne', 0b00001, true, (a, b) => cmp(a !== b), HB, { bit26: 1 }),
  op('cmpgt', 0b00010, true, (a, b) => cmp(a > b), HB, { bit26: 1 }),
  op('cmpge', 0b00011, true, (a, b) => cmp(a >= b), HB, { bit26: 1 }),
  op('cmplt', 0b00100, true, (a, b) => cmp(a < b), HB, { bit26: 1 }),
  op('cmple', 0b00101, true, (a, b) => cmp(a <= b), HB, { bit26: 1 }),
  op('cmpgtu', 0b00110, false, (a, b) => cmp(a > b), HB, { bit26: 1 }),
  op('cmpgeu', 0b00111, false, (a, b) => cmp(a >= b), HB, { bit26: 1 }),
  op('cmpltu', 0b01000, false, (a, b) => cmp(a < b), HB, { bit26: 1 }),
  op('cmpleu', 0b01001, false, (a, b) => cmp(a <= b), HB, { bit26: 1 }),
];

/** A dot-product family: `pv.dot*` (rd = Σ) or `pv.sdot*` (rd += Σ). */
export interface DotOp {
  readonly name: string;
  readonly funct5: number;
  /** rs1 lanes signed. */
  readonly signedA: boolean;
  /** operand-2 lanes signed. */
  readonly signedB: boolean;
  /** Accumulates into rd. */
  readonly accumulate: boolean;
}

/** up = unsigned × unsigned, usp = unsigned (rs1) × signed (op2), sp = signed × signed. */
export const DOT_OPS: readonly DotOp[] = [
  { name: 'dotup', funct5: 0b10000, signedA: false, signedB: false, accumulate: false },
  { name: 'dotusp', funct5: 0b10001, signedA: false, signedB: true, accumulate: false },
  { name: 'dotsp', funct5: 0b10011, signedA: true, signedB: true, accumulate: false },
  { name: 'sdotup', funct5: 0b10100, signedA: false, signedB: false, accumulate: true },
  { name: 'sdotusp', funct5: 0b10101, signedA: false, signedB: true, accumulate: true },
  { name: 'sdotsp', funct5: 0b10111, signedA: true, signedB: true, accumulate: true },
];

/** Register-level function of a lane ALU op at one width and mode: (rs1, op2) → rd. */
export function laneAluFn(o: LaneAluOp, width: Width, scalar: boolean): (a: number, b: number) => number {
  const w = LANE_BITS[width];
  const n = 32 / w;
  const m = (1 << w) - 1;
  const s = o.signed;
  const f = o.fn;
  return (a, b) => {
    const bs = s ? sext(b & m, w) : b & m;
    let r = 0;
    for (let i = 0, sh = 0; i < n; i++, sh += w) {
      const av = (a >>> sh) & m;
      const ai = s ? sext(av, w) : av;
      let bi = bs;
      if (!scalar) {
        const bv = (b >>> sh) & m;
        bi = s ? sext(bv, w) : bv;
      }
      r |= (f(ai, bi, w) & m) << sh;
    }
    return r | 0;
  };
}

/**
 * acc + Σ_i a_i · b_i over the lanes of `width` (wrapped to 32 bits). `scalar`: b is lane 0 of `b`
 * replicated. Products and the sum are exact in doubles (|Σ| < 2^34) before the wrap.
 */
export function dot(
  acc: number,
  a: number,
  b: number,
  width: Width,
  signedA: boolean,
  signedB: boolean,
  scalar: boolean,
): number {
  const w = LANE_BITS[width];
  const n = 32 / w;
  const m = (1 << w) - 1;
  const b0 = signedB ? sext(b & m, w) : b & m;
  let sum = acc;
  for (let i = 0, sh = 0; i < n; i++, sh += w) {
    const av = (a >>> sh) & m;
    let bi = b0;
    if (!scalar) {
      const bv = (b >>> sh) & m;
      bi = signedB ? sext(bv, w) : bv;
    }
    sum += (signedA ? sext(av, w) : av) * bi;
  }
  return sum | 0;
}

/** Register-level function of a dot op at one width and mode: (rs1, op2, rd) → rd. */
export function dotFn(d: DotOp, width: Width, scalar: boolean): (a: number, b: number, c: number) => number {
  const { signedA, signedB, accumulate } = d;
  return (a, b, c) => dot(accumulate ? c : 0, a, b, width, signedA, signedB, scalar);
}
