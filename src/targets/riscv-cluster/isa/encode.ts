/**
 * The encoder: the inverse of the decoder, from the same table. A row's constant fields give the
 * base word (its `match`); each operand is placed with its format's field description.
 * `operandProblem` says why operands do not fit a row (register class, immediate range or
 * alignment, a tied field, a reserved combination) — the assembler turns it into an input error.
 */
import { immRange, regFits, writeImm, writeReg } from './fields.js';
import type { ImmSlot, InsnDef, Operands, RegSlot } from './table.js';

const REG_SLOTS: readonly RegSlot[] = ['rd', 'rs1', 'rs2', 'rs3'];
const IMM_SLOTS: readonly ImmSlot[] = ['imm', 'imm2', 'imm3'];

/** Why `ops` cannot be encoded as `def`, or null when they can. */
export function operandProblem(def: InsnDef, ops: Operands): string | null {
  for (const s of REG_SLOTS) {
    const spec = def.format.regs[s];
    if (spec === undefined) continue;
    if (!regFits(ops[s], spec)) {
      if (spec.kind === 'fixed') return `${s} must be x${spec.reg}`;
      if (spec.kind === 'compressed') return `${s} must be one of x8–x15 (s0–s1, a0–a5)`;
      return `${s} must be x0–x31`;
    }
  }
  for (const [slot, from] of def.format.ties) {
    if (ops[slot] !== ops[from]) return `${slot} must equal ${from}`;
  }
  for (const s of IMM_SLOTS) {
    const spec = def.format.imms[s];
    if (spec === undefined) continue;
    const v = ops[s];
    const r = immRange(spec);
    if (!Number.isInteger(v) || v < r.min || v > r.max)
      return `${describeSlot(def, s)} must be in [${r.min}, ${r.max}], got ${v}`;
    if (v % r.align !== 0) return `${describeSlot(def, s)} must be a multiple of ${r.align}, got ${v}`;
  }
  return def.reject?.(ops) ?? null;
}

function describeSlot(def: InsnDef, s: ImmSlot): string {
  const isLabel = def.format.syntax.some((x) => x.t === 'label' && x.slot === s);
  return isLabel ? 'the branch/loop offset' : 'the immediate';
}

/** An encoding request that the row cannot hold. */
export class EncodeError extends Error {
  constructor(
    readonly mnemonic: string,
    readonly problem: string,
  ) {
    super(`${mnemonic}: ${problem}`);
    this.name = 'EncodeError';
  }
}

/** The instruction word of `def` with operands `ops` (16-bit rows in the low half). */
export function encode(def: InsnDef, ops: Operands): number {
  const problem = operandProblem(def, ops);
  if (problem !== null) throw new EncodeError(def.mnemonic, problem);
  let w = def.match;
  for (const s of REG_SLOTS) {
    const spec = def.format.regs[s];
    if (spec !== undefined) w |= writeReg(ops[s], spec);
  }
  for (const s of IMM_SLOTS) {
    const spec = def.format.imms[s];
    if (spec !== undefined) w |= writeImm(ops[s], spec);
  }
  return w >>> 0;
}
