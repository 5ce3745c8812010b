/**
 * Bit fields of RISC-V instruction words, as data.
 *
 * Every operand of every format is described by where its bits sit in the instruction word (as in
 * the RISC-V unprivileged spec's format figures and the RI5CY / CV32E40P manuals' encoding tables):
 * a register field is one slice, an immediate is a list of slices, each mapping `width` instruction
 * bits starting at bit `at` to value bits starting at bit `to`. Decoding, encoding and the
 * assembler's range checks are all derived from these descriptions, so no format's bit shuffling is
 * written twice.
 */

/** `width` instruction bits starting at bit `at` hold value bits starting at bit `to`. */
export interface BitSlice {
  readonly at: number;
  readonly width: number;
  readonly to: number;
}

/** An immediate operand: its slices and whether the value is sign-extended from its top bit. */
export interface ImmSpec {
  readonly slices: readonly BitSlice[];
  readonly signed: boolean;
}

/** A register operand: a 5-bit field, a 3-bit compressed field (x8–x15), or a register fixed by the format. */
export type RegSpec =
  | { readonly kind: 'field'; readonly at: number; readonly width: 5 }
  | { readonly kind: 'compressed'; readonly at: number }
  | { readonly kind: 'fixed'; readonly reg: number };

/** A constant field of an encoding: `width` bits starting at `at` must equal `value`. */
export interface FixedField {
  readonly at: number;
  readonly width: number;
  readonly value: number;
}

/** The value range an immediate can hold, derived from its slices. */
export interface ImmRange {
  readonly min: number;
  readonly max: number;
  /** Values must be multiples of this (2^lowest value bit). */
  readonly align: number;
}

/** Shorthand: value bits [to, to+width) sit at instruction bits [at, at+width). */
export const slice = (at: number, width: number, to: number): BitSlice => ({ at, width, to });

/** A plain 5-bit register field at bit `at`. */
export const regField = (at: number): RegSpec => ({ kind: 'field', at, width: 5 });

/** A 3-bit compressed register field (x8 + value) at bit `at`. */
export const cregField = (at: number): RegSpec => ({ kind: 'compressed', at });

/** A register the format fixes (x0, ra, sp …). */
export const fixedReg = (reg: number): RegSpec => ({ kind: 'fixed', reg });

/** A contiguous immediate of `width` bits at `at` (value bits from 0). */
export const immField = (at: number, width: number, signed: boolean): ImmSpec => ({
  slices: [slice(at, width, 0)],
  signed,
});

function mask(width: number): number {
  return width >= 32 ? 0xffffffff : (1 << width) - 1;
}

/** Read an immediate out of an instruction word (sign-extended when the spec is signed). */
export function readImm(word: number, spec: ImmSpec): number {
  let v = 0;
  let top = 0;
  for (const s of spec.slices) {
    v |= ((word >>> s.at) & mask(s.width)) << s.to;
    if (s.to + s.width > top) top = s.to + s.width;
  }
  if (spec.signed && top < 32) return (v << (32 - top)) >> (32 - top);
  return top >= 32 ? v | 0 : v >>> 0;
}

/** Place an immediate's bits into an instruction word (the value must already be in range). */
export function writeImm(value: number, spec: ImmSpec): number {
  let w = 0;
  for (const s of spec.slices) w |= ((value >>> s.to) & mask(s.width)) << s.at;
  return w >>> 0;
}

/** Read a register number (x0–x31) from an instruction word. */
export function readReg(word: number, spec: RegSpec): number {
  switch (spec.kind) {
    case 'field':
      return (word >>> spec.at) & 31;
    case 'compressed':
      return 8 + ((word >>> spec.at) & 7);
    case 'fixed':
      return spec.reg;
  }
}

/** Whether register `reg` can be expressed in this field. */
export function regFits(reg: number, spec: RegSpec): boolean {
  switch (spec.kind) {
    case 'field':
      return reg >= 0 && reg < 32;
    case 'compressed':
      return reg >= 8 && reg < 16;
    case 'fixed':
      return reg === spec.reg;
  }
}

/** Place a register number into an instruction word. */
export function writeReg(reg: number, spec: RegSpec): number {
  switch (spec.kind) {
    case 'field':
      return ((reg & 31) << spec.at) >>> 0;
    case 'compressed':
      return (((reg - 8) & 7) << spec.at) >>> 0;
    case 'fixed':
      return 0;
  }
}

/** The range of values an immediate spec can represent. */
export function immRange(spec: ImmSpec): ImmRange {
  let lo = 32;
  let top = 0;
  for (const s of spec.slices) {
    if (s.to < lo) lo = s.to;
    if (s.to + s.width > top) top = s.to + s.width;
  }
  const align = 2 ** lo;
  if (spec.signed) return { min: -(2 ** (top - 1)), max: 2 ** (top - 1) - align, align };
  return { min: 0, max: 2 ** top - align, align };
}

/** Whether `value` fits the immediate spec exactly (range and alignment). */
export function immFits(value: number, spec: ImmSpec): boolean {
  const r = immRange(spec);
  return Number.isInteger(value) && value >= r.min && value <= r.max && value % r.align === 0;
}

/** Mask and match of an encoding given by its constant fields. */
export function matchMask(fixed: readonly FixedField[]): { readonly match: number; readonly mask: number } {
  let match = 0;
  let m = 0;
  for (const f of fixed) {
    const fm = mask(f.width) << f.at;
    if ((m & fm) !== 0) throw new Error(`overlapping fixed fields at bit ${f.at}`);
    m |= fm;
    match |= (f.value & mask(f.width)) << f.at;
  }
  return { match: match >>> 0, mask: m >>> 0 };
}
