/**
 * A small typed builder over the assembler, for kernels generated in TypeScript: lines are built
 * with `insn`, `label` and `directive` calls (or the `asm` template tag) and assembled at the end,
 * so generated code reads like the assembly it produces and errors point at real lines.
 */
import type { Program } from '../program.js';
import { assemble, type AssembleOptions } from './assembler.js';

/** An operand: a register or symbol name, an expression, or a number. */
export type AsmOperand = string | number;

/** `off(base)` or, with `post`, the post-increment form `off(base!)`. */
export function mem(offset: AsmOperand, base: string, post = false): string {
  return `${offset}(${base}${post ? '!' : ''})`;
}

/** The 5-bit control of a MAC&LOAD (pv.mlsdot*): which SPRs the dot product uses, and which one it reloads. */
export interface MlControl {
  /** Activation SPR read by the dot product (0–1). */
  readonly a: 0 | 1;
  /** Weight SPR read by the dot product (0–3). */
  readonly w: 0 | 1 | 2 | 3;
  /** Reload the activation SPR `a` or the weight SPR `w` from [rs1] (rs1 += 4); the activation wins if both. */
  readonly load?: 'a' | 'w';
}

/** imm[0] = A SPR, imm[2:1] = W SPR, imm[3] = load A, imm[4] = load W (GVSoC pulp_nn.hpp). */
export function mlCtrl(c: MlControl): number {
  return (c.load === 'w' ? 16 : 0) | (c.load === 'a' ? 8 : 0) | (c.w << 1) | c.a;
}

/** Join template pieces into source text (numbers interpolated in decimal). */
export function asm(strings: TemplateStringsArray, ...values: readonly AsmOperand[]): string {
  return strings.reduce((acc, s, i) => acc + s + (i < values.length ? `${values[i]!}` : ''), '');
}

export class AsmBuilder {
  private readonly lines: string[] = [];

  /** An instruction or pseudo-instruction. */
  insn(mnemonic: string, ...operands: readonly AsmOperand[]): this {
    this.lines.push(`  ${mnemonic}${operands.length > 0 ? ` ${operands.join(', ')}` : ''}`);
    return this;
  }

  label(name: string): this {
    this.lines.push(`${name}:`);
    return this;
  }

  directive(name: string, ...args: readonly AsmOperand[]): this {
    this.lines.push(`  ${name}${args.length > 0 ? ` ${args.join(', ')}` : ''}`);
    return this;
  }

  /** Raw source lines. */
  raw(text: string): this {
    this.lines.push(...text.split('\n'));
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }

  build(options: AssembleOptions = {}): Program {
    return assemble(this.text(), options);
  }
}
