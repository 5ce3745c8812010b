/**
 * The ISA table, its decoder and its encoder: every row round-trips (encode → decode gives the same
 * row and operands) for random operands; SIMD rows are generated for the widths and modes that
 * exist; encodings agree with the published bit patterns (RISC-V spec; RI5CY / GVSoC
 * `isa_riscv_gen.py` for XpulpV2 and XpulpNN); compressed rows expand to their base instruction.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../src/targets/riscv-cluster/asm/assembler.js';
import { Decoder, defaultDecoder } from '../../../src/targets/riscv-cluster/isa/decode.js';
import { encode, operandProblem } from '../../../src/targets/riscv-cluster/isa/encode.js';
import { immRange, type RegSpec } from '../../../src/targets/riscv-cluster/isa/fields.js';
import { ISA, type InsnDef, type Operands } from '../../../src/targets/riscv-cluster/isa/table.js';

const dec = defaultDecoder();

function regArb(spec: RegSpec | undefined): fc.Arbitrary<number> {
  if (spec === undefined) return fc.constant(0);
  if (spec.kind === 'fixed') return fc.constant(spec.reg);
  if (spec.kind === 'compressed') return fc.integer({ min: 8, max: 15 });
  return fc.integer({ min: 0, max: 31 });
}

function immArb(def: InsnDef, slot: 'imm' | 'imm2' | 'imm3'): fc.Arbitrary<number> {
  const spec = def.format.imms[slot];
  if (spec === undefined) return fc.constant(0);
  const r = immRange(spec);
  return fc.integer({ min: r.min / r.align, max: r.max / r.align }).map((k) => k * r.align);
}

/** Random operands that the row can encode (ties and reserved combinations respected). */
function operandsArb(def: InsnDef): fc.Arbitrary<Operands> {
  const f = def.format;
  return fc
    .record({
      rd: regArb(f.regs.rd),
      rs1: regArb(f.regs.rs1),
      rs2: regArb(f.regs.rs2),
      rs3: regArb(f.regs.rs3),
      imm: immArb(def, 'imm'),
      imm2: immArb(def, 'imm2'),
      imm3: immArb(def, 'imm3'),
    })
    .map((o) => {
      const t = { ...o };
      for (const [slot, from] of f.ties) t[slot] = t[from];
      return t;
    })
    .filter((o) => operandProblem(def, o) === null);
}

describe('ISA table', () => {
  it('has one row per encoding and decodes every row from its own match bits', () => {
    expect(() => new Decoder()).not.toThrow();
    const seen = new Set<string>();
    for (const d of ISA) {
      const key = `${d.size}:${d.match}:${d.mask}`;
      expect(seen.has(key), d.mnemonic).toBe(false);
      seen.add(key);
      expect((d.match & ~d.mask) >>> 0, d.mnemonic).toBe(0);
    }
  });

  it('every row round-trips: encode(random operands) decodes to the same row and operands', () => {
    for (const def of ISA) {
      fc.assert(
        fc.property(operandsArb(def), (ops) => {
          const word = encode(def, ops);
          const d = dec.decode(word);
          expect(d?.def, `${def.mnemonic} 0x${word.toString(16)}`).toBe(def);
          const got = d!.operands();
          for (const slot of ['rd', 'rs1', 'rs2', 'rs3'] as const)
            if (def.format.regs[slot] !== undefined)
              expect(got[slot], `${def.mnemonic} ${slot}`).toBe(ops[slot]);
          for (const slot of ['imm', 'imm2', 'imm3'] as const)
            if (def.format.imms[slot] !== undefined)
              expect(got[slot], `${def.mnemonic} ${slot}`).toBe(ops[slot]);
        }),
        { numRuns: 40 },
      );
    }
  });

  it('generates SIMD rows per width and mode from one definition per operation', () => {
    const names = new Set(ISA.map((d) => d.mnemonic));
    // pv.add exists at h/b in vv, sc, sci and at n/c in vv, sc (no sci: XpulpNN has no immediate forms)
    for (const w of ['h', 'b'])
      for (const m of ['', '.sc', '.sci']) expect(names.has(`pv.add${m}.${w}`)).toBe(true);
    for (const w of ['n', 'c']) {
      expect(names.has(`pv.add.${w}`)).toBe(true);
      expect(names.has(`pv.add.sc.${w}`)).toBe(true);
      expect(names.has(`pv.add.sci.${w}`)).toBe(false);
    }
    for (const op of ['dotup', 'dotusp', 'dotsp', 'sdotup', 'sdotusp', 'sdotsp'])
      for (const w of ['h', 'b', 'n', 'c']) expect(names.has(`pv.${op}.${w}`), `pv.${op}.${w}`).toBe(true);
    for (const op of ['mlsdotup', 'mlsdotusp', 'mlsdotsup', 'mlsdotsp'])
      for (const w of ['h', 'b', 'n', 'c']) expect(names.has(`pv.${op}.${w}`)).toBe(true);
    // dot products report their MAC lanes and widths
    const sdot = (w: string) => ISA.find((d) => d.mnemonic === `pv.sdotsp.${w}`)!;
    expect([sdot('h').macs, sdot('b').macs, sdot('n').macs, sdot('c').macs]).toEqual([2, 4, 8, 16]);
    expect([sdot('h').macBits, sdot('b').macBits, sdot('n').macBits, sdot('c').macBits]).toEqual([
      16, 8, 4, 2,
    ]);
  });

  it('marks every encoding as published (no bitcycle-own binary forms yet)', () => {
    expect(ISA.filter((d) => d.encoding !== 'published')).toEqual([]);
  });
});

/** R-type word from its fields. */
const rtype = (f7: number, rs2: number, rs1: number, f3: number, rd: number, opc: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc) >>> 0;

describe('published encodings', () => {
  // a0 = x10, a1 = x11, a2 = x12
  const cases: [string, number][] = [
    ['add x1, x2, x3', 0x003100b3],
    ['addi a0, a0, 1', 0x00150513],
    ['lw a0, 4(sp)', 0x00412503],
    ['sw a1, 8(a0)', 0x00b52423],
    ['mulhu a0, a1, a2', rtype(1, 12, 11, 3, 10, 0b0110011)],
    ['ecall', 0x00000073],
    ['ebreak', 0x00100073],
    ['wfi', 0x10500073],
    ['csrrs a0, mhartid, x0', 0xf1402573],
    // XpulpV2 (GVSoC pulp_v2_insns / RI5CY decoder)
    ['p.mac a0, a1, a2', rtype(0b0100001, 12, 11, 0, 10, 0b0110011)],
    ['p.clip a0, a1, 8', rtype(0b0001010, 8, 11, 1, 10, 0b0110011)],
    ['p.lw a0, 4(a1!)', ((4 << 20) | (11 << 15) | (2 << 12) | (10 << 7) | 0b0001011) >>> 0],
    ['p.lw a0, a2(a1)', rtype(0b0010000, 12, 11, 7, 10, 0b0000011)],
    ['p.sw a0, 4(a1!)', ((4 << 7) | (10 << 20) | (11 << 15) | (2 << 12) | 0b0101011) >>> 0],
    ['pv.add.h a0, a1, a2', rtype(0, 12, 11, 0, 10, 0b1010111)],
    ['pv.sdotsp.b a0, a1, a2', rtype(0b1011100, 12, 11, 1, 10, 0b1010111)],
    ['pv.sdotusp.sc.h a0, a1, a2', rtype(0b1010100, 12, 11, 4, 10, 0b1010111)],
    ['pv.cmpeq.b a0, a1, a2', rtype(0b0000010, 12, 11, 1, 10, 0b1010111)],
    // XpulpNN (GVSoC pulp_nn_insns)
    ['pv.add.c a0, a1, a2', rtype(0b0000001, 12, 11, 2, 10, 0b1010111)],
    ['pv.add.sc.n a0, a1, a2', rtype(0b0000000, 12, 11, 3, 10, 0b1010111)],
    ['pv.sdotusp.n a0, a1, a2', rtype(0b1010100, 12, 11, 2, 10, 0b1010111)],
    ['pv.sdotsp.c a0, a1, a2', rtype(0b1011101, 12, 11, 2, 10, 0b1010111)],
    ['pv.qnt.n a0, a1, a2', rtype(0b1110000, 12, 11, 2, 10, 0b1010111)],
    ['pv.mlsdotsup.b a0, a1, 9', rtype(0b1101100, 9, 11, 1, 10, 0b1110111)],
    ['pv.mlsdotsp.c a0, a1, 31', rtype(0b1111100, 31, 11, 3, 10, 0b1110111)],
    // compressed (RVC)
    ['c.addi a0, 1', 0x0505],
    ['c.lw a0, 0(a1)', 0x4188],
    ['c.mv a0, a1', 0x852e],
    ['c.jr ra', 0x8082],
  ];
  it.each(cases)('%s', (text, word) => {
    const p = assemble(text);
    const got =
      p.bytes.length === 2
        ? p.bytes[0]! | (p.bytes[1]! << 8)
        : new DataView(p.bytes.buffer).getUint32(0, true);
    expect(got.toString(16)).toBe(word.toString(16));
  });

  it('hardware loops: L in bit 7, halfword offsets (RI5CY riscv_decoder.sv / id_stage)', () => {
    // lp.setupi 1, 100, end with end 8 bytes ahead: count 100 in [31:20], end offset 8/2 in [19:15]
    const p = assemble('lp.setupi 1, 100, end\nnop\nend: nop');
    const w = new DataView(p.bytes.buffer).getUint32(0, true);
    expect(w.toString(16)).toBe(
      (((100 << 20) | (4 << 15) | (5 << 12) | (1 << 7) | 0b1111011) >>> 0).toString(16),
    );
  });
});

describe('compressed instructions', () => {
  const expands: [string, string][] = [
    ['c.addi4spn a0, sp, 16', 'addi'],
    ['c.lw a0, 4(a1)', 'lw'],
    ['c.sw a0, 4(a1)', 'sw'],
    ['c.nop', 'addi'],
    ['c.addi a0, -3', 'addi'],
    ['c.li a0, 5', 'addi'],
    ['c.addi16sp sp, 32', 'addi'],
    ['c.lui a0, 1', 'lui'],
    ['c.srli a0, 3', 'srli'],
    ['c.srai a0, 3', 'srai'],
    ['c.andi a0, -1', 'andi'],
    ['c.sub a0, a1', 'sub'],
    ['c.xor a0, a1', 'xor'],
    ['c.or a0, a1', 'or'],
    ['c.and a0, a1', 'and'],
    ['c.j 0', 'jal'],
    ['c.jal 0', 'jal'],
    ['c.beqz a0, 0', 'beq'],
    ['c.bnez a0, 0', 'bne'],
    ['c.slli a0, 4', 'slli'],
    ['c.lwsp a0, 8(sp)', 'lw'],
    ['c.swsp a0, 8(sp)', 'sw'],
    ['c.jr a0', 'jalr'],
    ['c.jalr a0', 'jalr'],
    ['c.mv a0, a1', 'add'],
    ['c.add a0, a1', 'add'],
    ['c.ebreak', 'ebreak'],
  ];
  it.each(expands)('%s expands to %s', (text, base) => {
    const p = assemble(text);
    expect(p.bytes.length).toBe(2);
    const d = dec.decode(p.bytes[0]! | (p.bytes[1]! << 8))!;
    expect(d.def.expands).toBe(base);
    expect(d.def.sem).toBe(ISA.find((x) => x.mnemonic === base && x.size === 4)!.sem);
  });

  it('decodes operands to those of the base instruction (c.addi4spn a0, sp, 16 = addi a0, sp, 16)', () => {
    const p = assemble('c.addi4spn a0, sp, 16');
    const d = dec.decode(p.bytes[0]! | (p.bytes[1]! << 8))!;
    expect([d.rd, d.rs1, d.imm]).toEqual([10, 2, 16]);
    const q = assemble('c.lwsp a3, 12(sp)');
    const e = dec.decode(q.bytes[0]! | (q.bytes[1]! << 8))!;
    expect([e.rd, e.rs1, e.imm]).toEqual([13, 2, 12]);
  });

  it('0x0000 and reserved forms are illegal', () => {
    expect(dec.decode(0x0000)).toBeNull();
    expect(dec.decode(0x8002)).toBeNull(); // c.jr x0 is reserved
  });
});
