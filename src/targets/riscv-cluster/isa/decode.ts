/**
 * The table-driven decoder. Built once from the ISA table (./table.ts): rows are bucketed by the
 * bits every row of a bucket fixes (the 7-bit major opcode of 32-bit instructions; quadrant and
 * funct3 of 16-bit ones), and each bucket is ordered most-specific first (more constant bits), so
 * the first row whose match/mask fits — and whose `reject` does not refuse the operands — is the
 * instruction. Operand fields are read with the format's field descriptions (./fields.ts).
 *
 * The core decodes each PC once and caches the result (../core/core.ts), so this path is not hot.
 */
import { readImm, readReg } from './fields.js';
import { ISA, type ImmSlot, type InsnDef, type Operands, type RegSlot } from './table.js';

/** A decoded instruction: its row and operand values. */
export class DecodedInsn implements Operands {
  rd = 0;
  rs1 = 0;
  rs2 = 0;
  rs3 = 0;
  imm = 0;
  imm2 = 0;
  imm3 = 0;

  constructor(
    readonly def: InsnDef,
    /** The instruction word (16-bit instructions in the low half). */
    readonly raw: number,
  ) {}

  get size(): 2 | 4 {
    return this.def.size;
  }

  /** Operands as a plain object. */
  operands(): Operands {
    return {
      rd: this.rd,
      rs1: this.rs1,
      rs2: this.rs2,
      rs3: this.rs3,
      imm: this.imm,
      imm2: this.imm2,
      imm3: this.imm3,
    };
  }
}

const REG_SLOTS: readonly RegSlot[] = ['rd', 'rs1', 'rs2', 'rs3'];
const IMM_SLOTS: readonly ImmSlot[] = ['imm', 'imm2', 'imm3'];

/** Read every operand of `def` out of `word`. */
export function readOperands(def: InsnDef, word: number): DecodedInsn {
  const d = new DecodedInsn(def, def.size === 2 ? word & 0xffff : word >>> 0);
  for (const s of REG_SLOTS) {
    const spec = def.format.regs[s];
    if (spec !== undefined) d[s] = readReg(word, spec);
  }
  for (const s of IMM_SLOTS) {
    const spec = def.format.imms[s];
    if (spec !== undefined) d[s] = readImm(word, spec);
  }
  return d;
}

/** Length in bytes of the instruction whose low halfword is `lo` (RV32C: low bits ≠ 11 → 2). */
export const insnLength = (lo: number): 2 | 4 => ((lo & 3) === 3 ? 4 : 2);

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v >>>= 1) n += v & 1;
  return n;
}

function specificFirst(a: InsnDef, b: InsnDef): number {
  return popcount(b.mask) - popcount(a.mask);
}

/** Bucket key of a 16-bit instruction: quadrant (bits 1:0) and funct3 (bits 15:13). */
const key16 = (h: number): number => (h & 3) | (((h >>> 13) & 7) << 2);

export class Decoder {
  private readonly by32: InsnDef[][] = Array.from({ length: 128 }, () => []);
  private readonly by16: InsnDef[][] = Array.from({ length: 32 }, () => []);

  constructor(readonly rows: readonly InsnDef[] = ISA) {
    for (const d of rows) {
      if (d.size === 4) {
        if ((d.mask & 0x7f) !== 0x7f) throw new Error(`${d.mnemonic}: the opcode must be fixed`);
        this.by32[d.match & 0x7f]!.push(d);
      } else {
        if ((d.mask & 0xe003) !== 0xe003) throw new Error(`${d.mnemonic}: quadrant and funct3 must be fixed`);
        this.by16[key16(d.match)]!.push(d);
      }
    }
    for (const b of [...this.by32, ...this.by16]) {
      b.sort(specificFirst);
      for (let i = 0; i < b.length; i++)
        for (let j = i + 1; j < b.length; j++)
          if (b[i]!.match === b[j]!.match && b[i]!.mask === b[j]!.mask)
            throw new Error(`${b[i]!.mnemonic} and ${b[j]!.mnemonic} have the same encoding`);
    }
  }

  /**
   * Decode the instruction at the start of `word` (a 16-bit one in the low half; the high half is
   * then ignored). Returns null for an illegal instruction.
   */
  decode(word: number): DecodedInsn | null {
    if ((word & 3) === 3) {
      const w = word >>> 0;
      for (const d of this.by32[w & 0x7f]!) {
        if ((w & d.mask) >>> 0 !== d.match) continue;
        const ops = readOperands(d, w);
        if (d.reject === null || d.reject(ops) === null) return ops;
      }
      return null;
    }
    const h = word & 0xffff;
    for (const d of this.by16[key16(h)]!) {
      if ((h & d.mask) !== d.match) continue;
      const ops = readOperands(d, h);
      if (d.reject === null || d.reject(ops) === null) return ops;
    }
    return null;
  }
}

let shared: Decoder | null = null;

/** The decoder of the full table, built on first use. */
export function defaultDecoder(): Decoder {
  shared ??= new Decoder();
  return shared;
}
