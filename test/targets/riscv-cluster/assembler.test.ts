/**
 * The assembler: labels (named and numeric local), comments, directives, pseudo-instructions, the
 * operand forms of the table's formats, and errors that name the source, line and column with one
 * clear expectation each (all problems reported at once, as one InputError).
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../src/targets/riscv-cluster/asm/assembler.js';
import { AsmBuilder, asm, mem, mlCtrl } from '../../../src/targets/riscv-cluster/asm/builder.js';
import { defaultDecoder } from '../../../src/targets/riscv-cluster/isa/decode.js';
import { issuesOf } from '../../support/input-error.js';
import { run } from './helpers.js';

const words = (bytes: Uint8Array): number[] => {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => v.getUint32(4 * i, true));
};
const mnemonics = (src: string): string[] => {
  const p = assemble(src);
  return words(p.bytes).map((w) => defaultDecoder().decode(w)!.def.mnemonic);
};

describe('assembler', () => {
  it('places labels, resolves forward and backward references, and keeps line numbers', () => {
    const p = assemble('start: nop   # comment\n  j end // another\nmid:\nend: ecall', {
      base: 0x100,
      source: 'k.s',
    });
    expect(p.base).toBe(0x100);
    expect(p.symbols.get('start')).toBe(0x100);
    expect(p.symbols.get('mid')).toBe(0x108);
    expect(p.symbols.get('end')).toBe(0x108);
    expect(p.entry).toBe(0x100);
    expect(p.lineOfHalfword[4]).toBe(4);
  });

  it('numeric local labels: Nf is the next definition, Nb the previous one', () => {
    const { core } = run(`
      li a0, 3
1:    addi a1, a1, 1
      addi a0, a0, -1
      bnez a0, 1b
      j 1f
      li a1, 100
1:    ecall`);
    expect(core.x[11]).toBe(3);
  });

  it('expands li to addi, lui, or lui + addi (with the carry of a negative low part)', () => {
    expect(mnemonics('li a0, 5')).toEqual(['addi']);
    expect(mnemonics('li a0, 0x12345000')).toEqual(['lui']);
    expect(mnemonics('li a0, 0x12345fff')).toEqual(['lui', 'addi']);
    for (const v of [0x12345fff, -1, -2049, 0x7fffffff, 0x80000000, 0xffffffff, 2048])
      expect(run(`li a0, ${v}\necall`).core.x[10]).toBe(v | 0);
    // a symbol not yet defined: always lui + addi
    expect(mnemonics('li a0, later\n.equ later, 5')).toEqual(['lui', 'addi']);
  });

  it('pseudo-instructions', () => {
    const { core } = run(`
      li a0, 5
      mv a1, a0
      not a2, a0
      neg a3, a0
      seqz a4, x0
      snez a5, a0
      call f
      j done
f:    addi s0, s0, 1
      ret
done: csrr s1, mhartid
      rdcycle s2
      ecall`);
    expect([core.x[11], core.x[12], core.x[13], core.x[14], core.x[15], core.x[8]]).toEqual([
      5,
      ~5,
      -5,
      1,
      1,
      1,
    ]);
    expect(core.x[18]).toBeGreaterThan(0);
  });

  it('data directives, alignment, .equ and expressions', () => {
    const p = assemble(
      '.equ N, 3\nnop\n.byte 1, 2\n.align 2\nt: .word N * 4 + 1, %hi(0x12345678), %lo(0x12345fff), t\n.half -1\n.space 2',
    );
    expect(p.symbols.get('t')).toBe(8);
    const v = new DataView(p.bytes.buffer);
    expect([v.getUint8(4), v.getUint8(5), v.getUint16(6, true)]).toEqual([1, 2, 0]);
    expect([
      v.getUint32(8, true),
      v.getUint32(12, true),
      v.getInt32(16, true),
      v.getUint32(20, true),
    ]).toEqual([13, 0x12345, -1, 8]);
    expect(v.getUint16(24, true)).toBe(0xffff);
    expect(p.bytes.length).toBe(28);
  });

  it('accepts pv.<op>.<w>.sc for pv.<op>.sc.<w>, and pv.mlinitspr as a discarded MAC&LOAD', () => {
    expect(mnemonics('pv.sdotsp.b.sc a0, a1, a2')).toEqual(['pv.sdotsp.sc.b']);
    expect(mnemonics('pv.mlinitspr a1, 8')).toEqual(['pv.mlsdotsp.b']);
    expect(defaultDecoder().decode(words(assemble('pv.mlinitspr a1, 8').bytes)[0]!)!.rd).toBe(0);
  });
});

describe('assembler errors', () => {
  const one = (src: string) => {
    const issues = issuesOf(() => assemble(src, { source: 'kernel.s' }));
    return issues.map((i) => `${i.path}: got ${i.value}; expected ${i.expected}`);
  };

  it('names the line and column of an unknown mnemonic', () => {
    const msgs = one('nop\n   addx a0, a1, a2');
    expect(msgs).toEqual([
      'line 2, column 4: got "addx"; expected a known mnemonic or pseudo-instruction (see docs/riscv-cluster.md)',
    ]);
    expect(issuesOf(() => assemble('addx a0', { source: 'kernel.s' }))[0]!.file).toBe('kernel.s');
  });

  it('names the operand of a bad register, an out-of-range immediate, an unknown symbol', () => {
    expect(one('add a0, a1, x32')).toEqual([
      'line 1, column 13: got "x32"; expected a register (x0–x31 or an ABI name) (add rd, rs1, rs2)',
    ]);
    expect(one('addi a0, a1, 4096')).toEqual([
      'line 1, column 14: got "4096"; expected an integer in [-2048, 2047]',
    ]);
    expect(one('beq a0, a1, nowhere')).toEqual([
      'line 1, column 13: got "nowhere"; expected a label or address (unknown symbol nowhere)',
    ]);
    expect(one('c.lw a0, 0(a6)')[0]).toContain('column 12');
    expect(one('c.lw a0, 0(a6)')[0]).toContain('x8–x15');
  });

  it('rejects a branch too far, a misaligned target and an end label out of lp.setupi range', () => {
    expect(one(`beq a0, a1, far\n.space 5000\nfar: nop`)[0]).toMatch(
      /^line 1, column 13: got "far"; expected a target at an offset in \[-4096, 4094\]/,
    );
    expect(one(`lp.setupi 0, 10, e\n.space 64\ne: nop`)[0]).toMatch(/offset in \[0, 62\]/);
  });

  it('reports duplicate labels, bad directives and reserved compressed forms, all at once', () => {
    const msgs = one('a: nop\na: nop\n.frob 1\nc.lui sp, 1\nc.addi4spn a0, sp, 0');
    expect(msgs).toHaveLength(4);
    expect(msgs[0]).toBe('line 2, column 1: got "a"; expected a label defined once');
    expect(msgs[1]).toMatch(/^line 3, column 1: got "\.frob"/);
    expect(msgs[2]).toMatch(/^line 4, column 1: .*rd must not be x0 or sp/);
    expect(msgs[3]).toMatch(/the immediate must not be 0/);
  });

  it('wrong operand forms say which forms exist', () => {
    expect(one('p.lw a0, 4(a1)')[0]).toContain(
      'p.lw rd, imm(rs1!) or p.lw rd, rs2(rs1) or p.lw rd, rs2(rs1!)',
    );
    expect(one('li a0')[0]).toBe('line 1, column 1: got "li a0"; expected 2 operand(s): li rd, value');
  });
});

describe('builder', () => {
  it('builds the same program as the text, with helpers for memory operands and MAC&LOAD control', () => {
    const b = new AsmBuilder()
      .insn('la', 's0', 'd')
      .insn('p.lw', 'a0', mem(4, 's0', true))
      .insn('pv.mlinitspr', 's0', mlCtrl({ a: 1, w: 0, load: 'a' }))
      .insn('ecall')
      .directive('.align', 2)
      .label('d')
      .directive('.word', 7, 8);
    const p = b.build();
    expect(p.bytes).toEqual(assemble(b.text()).bytes);
    expect(mlCtrl({ a: 1, w: 3, load: 'w' })).toBe(16 | 6 | 1);
    expect(asm`addi a0, a0, ${3}`).toBe('addi a0, a0, 3');
    const { core } = run(b.text());
    expect(core.x[10]).toBe(7);
    expect(core.nnSpr[1]).toBe(8);
  });
});
