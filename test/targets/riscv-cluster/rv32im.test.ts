/**
 * RV32IM behaviour in the style of the riscv-tests / riscv-arch-test suites: wrap-around
 * arithmetic, comparisons, shift amounts masked to 5 bits, load sign/zero extension, branches both
 * ways, jal/jalr links and target alignment, lui/auipc, and the M extension against a BigInt
 * reference including division by zero and −2^31 / −1 (RISC-V unprivileged spec, "M" chapter,
 * table "Semantics for division by zero and division overflow").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { run, u32 } from './helpers.js';

const A0 = 10;
const A1 = 11;
const A2 = 12;

/** rd = a op b on the ISS. */
function binop(op: string, a: number, b: number): number {
  const { core } = run(`li a0, ${a}\nli a1, ${b}\n${op} a2, a0, a1\necall`);
  return core.x[A2]!;
}

/** rd = a op imm on the ISS. */
function immop(op: string, a: number, imm: number): number {
  const { core } = run(`li a0, ${a}\n${op} a2, a0, ${imm}\necall`);
  return core.x[A2]!;
}

const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const edge = fc.constantFrom(0, 1, -1, 2, -2, 0x7fffffff, -0x80000000, 0x55555555, -0x55555556);
const val = fc.oneof(i32, edge);

describe('RV32I arithmetic', () => {
  it('add/sub wrap around at 32 bits', () => {
    expect(u32(binop('add', 0x7fffffff, 1))).toBe(0x80000000);
    expect(binop('sub', -0x80000000, 1)).toBe(0x7fffffff);
    expect(binop('add', -1, -1)).toBe(-2);
    expect(immop('addi', 0x7fffffff, 1)).toBe(-0x80000000);
    fc.assert(
      fc.property(val, val, (a, b) => {
        expect(binop('add', a, b)).toBe((a + b) | 0);
        expect(binop('sub', a, b)).toBe((a - b) | 0);
      }),
      { numRuns: 30 },
    );
  });

  it('slt/sltu/slti/sltiu compare signed and unsigned', () => {
    expect(binop('slt', -1, 1)).toBe(1);
    expect(binop('sltu', -1, 1)).toBe(0);
    expect(binop('slt', -0x80000000, 0x7fffffff)).toBe(1);
    expect(binop('sltu', 0x7fffffff, -0x80000000)).toBe(1);
    expect(binop('slt', 5, 5)).toBe(0);
    expect(immop('slti', -5, -4)).toBe(1);
    // sltiu compares with the sign-extended immediate as an unsigned number
    expect(immop('sltiu', 5, -1)).toBe(1);
    expect(immop('sltiu', -1, -1)).toBe(0);
    expect(immop('sltiu', 0, 1)).toBe(1);
  });

  it('logic ops and immediates are sign-extended', () => {
    expect(immop('xori', 0x0f0f, -1)).toBe(~0x0f0f);
    expect(u32(immop('ori', 0, -2048))).toBe(0xfffff800);
    expect(immop('andi', -1, 0x7ff)).toBe(0x7ff);
    expect(binop('and', 0x12345678, 0x0ff00ff0)).toBe(0x02300670);
    expect(binop('or', 0x12340000, 0x5678)).toBe(0x12345678);
    expect(binop('xor', -1, 0x12345678)).toBe(~0x12345678);
  });

  it('register shift amounts use rs2[4:0]; sra keeps the sign', () => {
    expect(binop('sll', 1, 33)).toBe(2);
    expect(binop('sll', 1, 32)).toBe(1);
    expect(binop('srl', -0x80000000, 63)).toBe(1);
    expect(binop('sra', -0x80000000, 31)).toBe(-1);
    expect(binop('sra', -16, 2)).toBe(-4);
    expect(binop('srl', -16, 2)).toBe(0x3ffffffc);
    expect(immop('srai', -0x80000000, 4)).toBe(-0x08000000);
    expect(immop('srli', -1, 31)).toBe(1);
    expect(immop('slli', 3, 31)).toBe(-0x80000000);
    fc.assert(
      fc.property(val, fc.integer({ min: 0, max: 255 }), (a, s) => {
        expect(binop('sll', a, s)).toBe(a << (s & 31));
        expect(binop('srl', a, s)).toBe((a >>> (s & 31)) | 0);
        expect(binop('sra', a, s)).toBe(a >> (s & 31));
      }),
      { numRuns: 30 },
    );
  });

  it('lui and auipc', () => {
    const { core } = run(`nop\nlui a0, 0x80000\nauipc a1, 1\nlui a2, 0xfffff\necall`);
    expect(u32(core.x[A0]!)).toBe(0x80000000);
    expect(core.x[A1]).toBe(8 + 0x1000); // auipc sits at address 8
    expect(core.x[A2]).toBe(-4096);
  });
});

describe('RV32I loads and stores', () => {
  const prog = (load: string) => `
    la a0, data
    ${load} a1, 0(a0)
    ${load} a2, 2(a0)
    ecall
    .align 2
data: .word 0x80ff7f01
`;
  it.each([
    ['lb', 1, -1],
    ['lbu', 1, 0xff],
    ['lh', 0x7f01, -32768 + 0xff],
    ['lhu', 0x7f01, 0x80ff],
    ['lw', -0x7f0080ff, 0],
  ])('%s extends as specified', (op, first, second) => {
    const { core } = run(prog(op));
    expect(core.x[A1]).toBe(first);
    if (op !== 'lw') expect(core.x[A2]).toBe(second);
  });

  it('lb sign-extends 0xff and lbu zero-extends it', () => {
    const { core } = run(
      `la a0, d\nlb a1, 2(a0)\nlbu a2, 2(a0)\nlb a3, 3(a0)\necall\n.align 2\nd: .word 0x80ff7f01`,
    );
    expect(core.x[A1]).toBe(-1);
    expect(core.x[A2]).toBe(0xff);
    expect(core.x[13]).toBe(-128);
  });

  it('sb/sh/sw write only their bytes (little-endian)', () => {
    const { mem, program } = run(`
      la a0, d
      li a1, 0x11223344
      sw a1, 0(a0)
      li a2, -1
      sb a2, 1(a0)
      sh a2, 6(a0)
      ecall
      .align 2
d:    .word 0, 0`);
    const d = program.symbols.get('d')!;
    expect(u32(mem.word(d))).toBe(0x1122ff44);
    expect(u32(mem.word(d + 4))).toBe(0xffff0000);
  });
});

describe('RV32I control flow', () => {
  const branches: [string, number, number, boolean][] = [
    ['beq', 5, 5, true],
    ['beq', 5, 6, false],
    ['bne', 5, 6, true],
    ['bne', -1, -1, false],
    ['blt', -1, 0, true],
    ['blt', 0, -1, false],
    ['bge', 0, -1, true],
    ['bge', -2, -1, false],
    ['bge', 7, 7, true],
    ['bltu', 0, -1, true],
    ['bltu', -1, 0, false],
    ['bgeu', -1, 0, true],
    ['bgeu', 0, -1, false],
    ['bgeu', 3, 3, true],
  ];
  it.each(branches)('%s %d, %d taken=%s', (op, a, b, taken) => {
    const { core } = run(`
      li a0, ${a}
      li a1, ${b}
      li a2, 0
      ${op} a0, a1, yes
      li a2, 1
      ecall
yes:  li a2, 2
      ecall`);
    expect(core.x[A2]).toBe(taken ? 2 : 1);
  });

  it('backward branches loop', () => {
    const { core } = run(`li a0, 10\nli a1, 0\nloop: addi a1, a1, 3\naddi a0, a0, -1\nbnez a0, loop\necall`);
    expect(core.x[A1]).toBe(30);
  });

  it('jal links pc+4; jalr links and clears bit 0 of the target', () => {
    const { core, program } = run(`
      jal ra, f
      li a1, 7
      ecall
f:    la t0, g
      addi t0, t0, 1       # odd address: jalr clears bit 0
      jalr t1, 0(t0)
      ecall
g:    mv a2, t1
      jalr x0, 0(ra)`);
    expect(core.x[1]).toBe(4);
    expect(core.x[A1]).toBe(7);
    // t1 = address after the jalr (f: la = 2 instructions, addi, jalr)
    const jalrAt = program.symbols.get('f')! + 12;
    expect(core.x[A2]).toBe(jalrAt + 4);
  });

  it('x0 ignores writes', () => {
    const { core } = run(`li x0, 5\naddi x0, x0, 1\nlui x0, 1\nmv a0, x0\necall`);
    expect(core.x[0]).toBe(0);
    expect(core.x[A0]).toBe(0);
  });
});

const big = (v: number): bigint => BigInt(v);
const bigU = (v: number): bigint => BigInt(v >>> 0);
const toI32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

describe('RV32M', () => {
  it('mul/mulh/mulhsu/mulhu match a 64-bit reference', () => {
    fc.assert(
      fc.property(val, val, (a, b) => {
        const { core } = run(
          `li a0, ${a}\nli a1, ${b}\nmul t0, a0, a1\nmulh t1, a0, a1\nmulhsu t2, a0, a1\nmulhu t3, a0, a1\necall`,
        );
        expect(core.x[5]).toBe(toI32(big(a) * big(b)));
        expect(core.x[6]).toBe(toI32((big(a) * big(b)) >> 32n));
        expect(core.x[7]).toBe(toI32((big(a) * bigU(b)) >> 32n));
        expect(core.x[28]).toBe(toI32((bigU(a) * bigU(b)) >> 32n));
      }),
      { numRuns: 60 },
    );
  });

  it('division by zero: quotient −1 / 2^32−1, remainder the dividend', () => {
    for (const a of [0, 1, -1, 12345, -0x80000000]) {
      expect(binop('div', a, 0)).toBe(-1);
      expect(u32(binop('divu', a, 0))).toBe(0xffffffff);
      expect(binop('rem', a, 0)).toBe(a);
      expect(binop('remu', a, 0)).toBe(a);
    }
  });

  it('overflow: −2^31 / −1 = −2^31, remainder 0', () => {
    expect(binop('div', -0x80000000, -1)).toBe(-0x80000000);
    expect(binop('rem', -0x80000000, -1)).toBe(0);
    expect(u32(binop('divu', -0x80000000, -1))).toBe(0);
    expect(u32(binop('remu', -0x80000000, -1))).toBe(0x80000000);
  });

  it('signs: quotient rounds toward zero, remainder takes the dividend’s sign', () => {
    expect(binop('div', -7, 2)).toBe(-3);
    expect(binop('rem', -7, 2)).toBe(-1);
    expect(binop('div', 7, -2)).toBe(-3);
    expect(binop('rem', 7, -2)).toBe(1);
    fc.assert(
      fc.property(val, val, (a, b) => {
        const { core } = run(
          `li a0, ${a}\nli a1, ${b}\ndiv t0, a0, a1\ndivu t1, a0, a1\nrem t2, a0, a1\nremu t3, a0, a1\necall`,
        );
        if (b === 0 || (a === -0x80000000 && b === -1)) return;
        expect(core.x[5]).toBe(toI32(big(a) / big(b)));
        expect(core.x[6]).toBe(toI32(bigU(a) / bigU(b)));
        expect(core.x[7]).toBe(toI32(big(a) % big(b)));
        expect(core.x[28]).toBe(toI32(bigU(a) % bigU(b)));
      }),
      { numRuns: 60 },
    );
  });
});
