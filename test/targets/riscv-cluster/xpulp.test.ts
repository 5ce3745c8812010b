/**
 * XpulpV2 and XpulpNN behaviour on the ISS: post-increment and register-offset loads/stores,
 * hardware loops (nested), the scalar DSP ops (p.mac, p.clip, p.extract …), every SIMD ALU and dot
 * product at .h/.b/.n/.c against a plain reference written here (lanes unpacked with BigInt),
 * pv.qnt.n, and MAC&LOAD (the NN register file and the loaded value, reference/pulp.md §3.2).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mlCtrl } from '../../../src/targets/riscv-cluster/asm/builder.js';
import { run, u32 } from './helpers.js';

const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

describe('post-increment and register-offset loads/stores', () => {
  it('p.lw/p.lbu/p.lh post-increment by an immediate or a register; reg-reg forms do not', () => {
    const { core, program } = run(`
      la s0, d
      mv s1, s0
      p.lw a0, 4(s0!)
      p.lw a1, 4(s0!)
      li t0, 2
      p.lhu a2, t0(s1!)
      p.lb a3, t0(s1)
      p.lbu a4, t0(s1)
      p.lh a5, -2(s1!)
      ecall
      .align 2
d:    .word 0x11223344, 0x8899aabb`);
    const d = program.symbols.get('d')!;
    expect(u32(core.x[10]!)).toBe(0x11223344);
    expect(u32(core.x[11]!)).toBe(0x8899aabb);
    expect(core.x[8]).toBe(d + 8);
    expect(core.x[12]).toBe(0x3344);
    // s1 moved to d+2 by the first p.lhu; the reg-reg forms read d+4 without moving it
    expect(core.x[13]).toBe(-0x45); // 0xbb sign-extended
    expect(core.x[14]).toBe(0xbb);
    expect(core.x[15]).toBe(0x1122); // p.lh at d+2, then s1 -= 2
    expect(core.x[9]).toBe(d);
  });

  it('when rd = rs1 the loaded data wins over the incremented address', () => {
    const { core } = run(`la a0, d\np.lw a0, 4(a0!)\necall\n.align 2\nd: .word 77`);
    expect(core.x[10]).toBe(77);
  });

  it('p.sw/p.sh/p.sb post-increment; register-offset stores use rd’s field as the offset register', () => {
    const { mem, core, program } = run(`
      la s0, d
      li a0, 0x01020304
      p.sw a0, 4(s0!)
      li t0, 2
      p.sh a0, t0(s0!)
      p.sb a0, t0(s0)
      li t1, 1
      p.sb a0, t1(s0!)
      ecall
      .align 2
d:    .word 0, 0, 0`);
    const d = program.symbols.get('d')!;
    expect(u32(mem.word(d))).toBe(0x01020304);
    expect(u32(mem.word(d + 4))).toBe(0x00040304);
    expect(core.x[8]).toBe(d + 7);
  });
});

describe('hardware loops', () => {
  it('lp.setup / lp.setupi run the body count times; two levels nest (loop 0 inner)', () => {
    const { core } = run(`
      li a0, 0
      li a1, 0
      li t0, 7
      lp.setup 1, t0, outer_end
      lp.setupi 0, 5, inner_end
      addi a0, a0, 1
inner_end: addi a0, a0, 2
      addi a1, a1, 1
outer_end: nop
      ecall`);
    expect(core.x[10]).toBe(7 * 5 * 3);
    expect(core.x[11]).toBe(7);
  });

  it('lp.starti / lp.endi / lp.count set the registers separately; x0/x1 name the loop', () => {
    const { core } = run(`
      li t0, 4
      lp.starti x1, body
      lp.endi x1, last
      lp.count x1, t0
body: addi a0, a0, 1
      addi a0, a0, 1
last: addi a1, a1, 1
      csrr a2, lpcount1
      ecall`);
    expect(core.x[10]).toBe(8);
    expect(core.x[11]).toBe(4);
    expect(core.x[12]).toBe(0);
  });

  it('a count of 1 runs the body once; lp.counti sets a count', () => {
    const { core } = run(`
      lp.starti 0, b
      lp.endi 0, b
      lp.counti 0, 1
b:    addi a0, a0, 1
      ecall`);
    expect(core.x[10]).toBe(1);
  });
});

describe('XpulpV2 scalar ops', () => {
  const one = (src: string): number => run(`${src}\necall`).core.x[12]!;

  it('p.mac / p.msu accumulate into rd', () => {
    expect(one('li a0, 6\nli a1, -7\nli a2, 100\np.mac a2, a0, a1')).toBe(58);
    expect(one('li a0, 6\nli a1, -7\nli a2, 100\np.msu a2, a0, a1')).toBe(142);
    expect(one('li a0, 0x10000\nli a1, 0x10000\nli a2, 5\np.mac a2, a0, a1')).toBe(5);
  });

  it('p.clip/p.clipu with an immediate, p.clipr/p.clipur with a register', () => {
    expect(one('li a0, 300\np.clip a2, a0, 8')).toBe(127);
    expect(one('li a0, -300\np.clip a2, a0, 8')).toBe(-128);
    expect(one('li a0, 100\np.clip a2, a0, 8')).toBe(100);
    expect(one('li a0, 300\np.clipu a2, a0, 9')).toBe(255);
    expect(one('li a0, -3\np.clipu a2, a0, 9')).toBe(0);
    expect(one('li a0, 5\np.clip a2, a0, 0')).toBe(0);
    expect(one('li a0, -5\np.clip a2, a0, 0')).toBe(-1);
    expect(one('li a0, 20\nli a1, 15\np.clipr a2, a0, a1')).toBe(15);
    expect(one('li a0, -20\nli a1, 15\np.clipr a2, a0, a1')).toBe(-16);
    expect(one('li a0, -20\nli a1, 15\np.clipur a2, a0, a1')).toBe(0);
    fc.assert(
      fc.property(i32, fc.integer({ min: 1, max: 31 }), (a, n) => {
        const hi = 2 ** (n - 1) - 1;
        const lo = -(2 ** (n - 1));
        expect(one(`li a0, ${a}\np.clip a2, a0, ${n}`)).toBe(Math.min(hi, Math.max(lo, a)));
        expect(one(`li a0, ${a}\np.clipu a2, a0, ${n}`)).toBe(Math.min(hi, Math.max(0, a)));
      }),
      { numRuns: 30 },
    );
  });

  it('p.extract / p.extractu / p.insert / p.bclr / p.bset and their register forms', () => {
    const v = '0x12f4a5c6';
    expect(u32(one(`li a0, ${v}\np.extract a2, a0, 7, 4`))).toBe(u32((0x12f4a5c6 << 20) >> 24));
    expect(one(`li a0, ${v}\np.extractu a2, a0, 7, 4`)).toBe(0x5c);
    expect(one(`li a0, ${v}\np.extract a2, a0, 3, 28`)).toBe(1);
    expect(one(`li a0, ${v}\np.extract a2, a0, 7, 28`)).toBe(1); // cut at bit 31
    expect(u32(one(`li a0, 0xab\nli a2, ${v}\np.insert a2, a0, 7, 8`))).toBe(0x12f4abc6);
    expect(u32(one(`li a0, ${v}\np.bclr a2, a0, 7, 8`))).toBe(0x12f400c6);
    expect(u32(one(`li a0, 0\np.bset a2, a0, 3, 4`))).toBe(0xf0);
    expect(one(`li a0, ${v}\nli a1, ${(7 << 5) | 4}\np.extractur a2, a0, a1`)).toBe(0x5c);
    expect(u32(one(`li a0, 0xab\nli a1, ${(7 << 5) | 8}\nli a2, ${v}\np.insertr a2, a0, a1`))).toBe(
      0x12f4abc6,
    );
    fc.assert(
      fc.property(i32, fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 31 }), (a, len1, pos) => {
        const bits = Math.min(len1 + 1, 32 - pos);
        const field = Number((BigInt(a >>> 0) >> BigInt(pos)) & ((1n << BigInt(bits)) - 1n));
        const sfield = field >= 2 ** (bits - 1) ? field - 2 ** bits : field;
        expect(one(`li a0, ${a}\np.extract a2, a0, ${len1}, ${pos}`)).toBe(sfield | 0);
        expect(u32(one(`li a0, ${a}\np.extractu a2, a0, ${len1}, ${pos}`))).toBe(field);
      }),
      { numRuns: 30 },
    );
  });

  it('min/max/abs/slet, bit counts, extensions, rotate', () => {
    expect(one('li a0, -5\nli a1, 3\np.min a2, a0, a1')).toBe(-5);
    expect(one('li a0, -5\nli a1, 3\np.minu a2, a0, a1')).toBe(3);
    expect(one('li a0, -5\nli a1, 3\np.max a2, a0, a1')).toBe(3);
    expect(one('li a0, -5\nli a1, 3\np.maxu a2, a0, a1')).toBe(-5);
    expect(one('li a0, -5\np.abs a2, a0')).toBe(5);
    expect(one('li a0, 3\nli a1, 3\np.slet a2, a0, a1')).toBe(1);
    expect(one('li a0, -1\nli a1, 3\np.sletu a2, a0, a1')).toBe(0);
    expect(one('li a0, 0x50\np.ff1 a2, a0')).toBe(4);
    expect(one('li a0, 0\np.ff1 a2, a0')).toBe(32);
    expect(one('li a0, 0x50\np.fl1 a2, a0')).toBe(6);
    expect(one('li a0, 0\np.fl1 a2, a0')).toBe(32);
    expect(one('li a0, 1\np.clb a2, a0')).toBe(30);
    expect(one('li a0, -1\np.clb a2, a0')).toBe(31);
    expect(one('li a0, 0\np.clb a2, a0')).toBe(0);
    expect(one('li a0, 0xf0f0\np.cnt a2, a0')).toBe(8);
    expect(one('li a0, 0x18000\np.exths a2, a0')).toBe(-0x8000);
    expect(one('li a0, 0x18000\np.exthz a2, a0')).toBe(0x8000);
    expect(one('li a0, 0x1ff\np.extbs a2, a0')).toBe(-1);
    expect(one('li a0, 0x1ff\np.extbz a2, a0')).toBe(0xff);
    expect(u32(one('li a0, 0x12345678\nli a1, 36\np.ror a2, a0, a1'))).toBe(0x81234567);
  });

  it('p.addN family: add or subtract, then shift (with rounding for the R forms)', () => {
    expect(one('li a0, 10\nli a1, 5\np.addn a2, a0, a1, 1')).toBe(7);
    expect(one('li a0, -10\nli a1, -5\np.addn a2, a0, a1, 1')).toBe(-8);
    expect(one('li a0, -10\nli a1, -5\np.addun a2, a0, a1, 28')).toBe(15);
    expect(one('li a0, 10\nli a1, 5\np.addrn a2, a0, a1, 1')).toBe(8);
    expect(one('li a0, 10\nli a1, 5\np.subn a2, a0, a1, 1')).toBe(2);
    expect(one('li a0, 10\nli a1, 5\np.subrn a2, a0, a1, 1')).toBe(3);
  });

  it('p.beqimm / p.bneimm compare with a 5-bit signed immediate', () => {
    const src = (op: string, v: number) => `li a0, ${v}\nli a2, 1\n${op} a0, -3, t\nli a2, 2\nt: ecall`;
    expect(run(src('p.beqimm', -3)).core.x[12]).toBe(1);
    expect(run(src('p.beqimm', 3)).core.x[12]).toBe(2);
    expect(run(src('p.bneimm', 3)).core.x[12]).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// SIMD reference, written independently of src/: lanes unpacked with BigInt

const BITS = { h: 16, b: 8, n: 4, c: 2 } as const;
type W = keyof typeof BITS;

function lanes(x: number, bits: number, signed: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < 32 / bits; i++) {
    const v = Number((BigInt(x >>> 0) >> BigInt(i * bits)) & ((1n << BigInt(bits)) - 1n));
    out.push(signed && v >= 2 ** (bits - 1) ? v - 2 ** bits : v);
  }
  return out;
}

function pack(vals: readonly number[], bits: number): number {
  let r = 0n;
  vals.forEach((v, i) => (r |= (BigInt(v) & ((1n << BigInt(bits)) - 1n)) << BigInt(i * bits)));
  return Number(BigInt.asIntN(32, r));
}

/** Wrap v to a `bits`-bit two's complement value. */
const wrapS = (v: number, bits: number): number => {
  const m = ((v % 2 ** bits) + 2 ** bits) % 2 ** bits;
  return m >= 2 ** (bits - 1) ? m - 2 ** bits : m;
};
const wrapU = (v: number, bits: number): number => ((v % 2 ** bits) + 2 ** bits) % 2 ** bits;

interface RefOp {
  readonly name: string;
  readonly signed: boolean;
  readonly f: (a: number, b: number, bits: number) => number;
  readonly unary?: boolean;
  readonly hbOnly?: boolean;
}

const REF_OPS: readonly RefOp[] = [
  { name: 'add', signed: true, f: (a, b) => a + b },
  { name: 'sub', signed: true, f: (a, b) => a - b },
  { name: 'avg', signed: true, f: (a, b, n) => Math.floor(wrapS(a + b, n) / 2) },
  { name: 'avgu', signed: false, f: (a, b, n) => Math.floor(wrapU(a + b, n) / 2) },
  { name: 'min', signed: true, f: (a, b) => (a < b ? a : b) },
  { name: 'minu', signed: false, f: (a, b) => (a < b ? a : b) },
  { name: 'max', signed: true, f: (a, b) => (a > b ? a : b) },
  { name: 'maxu', signed: false, f: (a, b) => (a > b ? a : b) },
  { name: 'srl', signed: false, f: (a, b, n) => Math.floor(a / 2 ** (b % n)) },
  { name: 'sra', signed: true, f: (a, b, n) => Math.floor(a / 2 ** (wrapU(b, n) % n)) },
  { name: 'sll', signed: false, f: (a, b, n) => a * 2 ** (b % n) },
  { name: 'or', signed: false, f: (a, b) => Number(BigInt(a) | BigInt(b)) },
  { name: 'xor', signed: false, f: (a, b) => Number(BigInt(a) ^ BigInt(b)) },
  { name: 'and', signed: false, f: (a, b) => Number(BigInt(a) & BigInt(b)) },
  { name: 'abs', signed: true, f: (a) => Math.abs(a), unary: true },
  { name: 'cmpeq', signed: true, f: (a, b) => (a === b ? -1 : 0), hbOnly: true },
  { name: 'cmpgt', signed: true, f: (a, b) => (a > b ? -1 : 0), hbOnly: true },
  { name: 'cmpleu', signed: false, f: (a, b) => (a <= b ? -1 : 0), hbOnly: true },
];

function refAlu(op: RefOp, w: W, mode: 'vv' | 'sc', a: number, b: number): number {
  const n = BITS[w];
  const la = lanes(a, n, op.signed);
  const lb = lanes(b, n, op.signed);
  return pack(
    la.map((x, i) => op.f(x, mode === 'vv' ? lb[i]! : lb[0]!, n)),
    n,
  );
}

const DOTS = [
  { name: 'dotup', sa: false, sb: false, acc: false },
  { name: 'dotusp', sa: false, sb: true, acc: false },
  { name: 'dotsp', sa: true, sb: true, acc: false },
  { name: 'sdotup', sa: false, sb: false, acc: true },
  { name: 'sdotusp', sa: false, sb: true, acc: true },
  { name: 'sdotsp', sa: true, sb: true, acc: true },
] as const;

function refDot(d: (typeof DOTS)[number], w: W, mode: 'vv' | 'sc', a: number, b: number, c: number): number {
  const n = BITS[w];
  const la = lanes(a, n, d.sa);
  const lb = lanes(b, n, d.sb);
  let s = d.acc ? BigInt(c) : 0n;
  la.forEach((x, i) => (s += BigInt(x) * BigInt(mode === 'vv' ? lb[i]! : lb[0]!)));
  return Number(BigInt.asIntN(32, s));
}

interface Case {
  readonly mnemonic: string;
  readonly expected: number;
}

/** Run every case on (a, b, c) in one program; results stored with p.sw and compared. */
function runCases(cases: readonly Case[], a: number, b: number, c: number): void {
  const body = cases.map((k) => `mv t0, a2\n${k.mnemonic}\np.sw t0, 4(s0!)`).join('\n');
  const { mem, program } = run(
    `li a0, ${a}\nli a1, ${b}\nli a2, ${c}\nla s0, out\n${body}\necall\n.align 2\nout: .space ${4 * cases.length}`,
  );
  const out = program.symbols.get('out')!;
  cases.forEach((k, i) => {
    expect(mem.word(out + 4 * i), `${k.mnemonic} a=${a} b=${b} c=${c}`).toBe(k.expected);
  });
}

describe('SIMD against a plain reference', () => {
  it('lane ALU ops at .h/.b/.n/.c, vector and scalar-replicated', () => {
    fc.assert(
      fc.property(i32, i32, (a, b) => {
        const cases: Case[] = [];
        for (const op of REF_OPS)
          for (const w of ['h', 'b', 'n', 'c'] as const) {
            if (op.hbOnly === true && (w === 'n' || w === 'c')) continue;
            for (const mode of op.unary === true ? (['vv'] as const) : (['vv', 'sc'] as const)) {
              const name = `pv.${op.name}${mode === 'sc' ? '.sc' : ''}.${w}`;
              cases.push({
                mnemonic: op.unary === true ? `${name} t0, a0` : `${name} t0, a0, a1`,
                expected: refAlu(op, w, mode, a, b),
              });
            }
          }
        runCases(cases, a, b, 0);
      }),
      { numRuns: 40 },
    );
  });

  it('.sci immediates at .h/.b (sign- or zero-extended per operation)', () => {
    fc.assert(
      fc.property(
        i32,
        fc.integer({ min: -32, max: 31 }),
        fc.integer({ min: 0, max: 63 }),
        (a, simm, uimm) => {
          const cases: Case[] = [];
          for (const w of ['h', 'b'] as const) {
            const add = REF_OPS.find((o) => o.name === 'add')!;
            const maxu = REF_OPS.find((o) => o.name === 'maxu')!;
            cases.push({
              mnemonic: `pv.add.sci.${w} t0, a0, ${simm}`,
              expected: refAlu(add, w, 'sc', a, simm),
            });
            cases.push({
              mnemonic: `pv.maxu.sci.${w} t0, a0, ${uimm}`,
              expected: refAlu(maxu, w, 'sc', a, uimm),
            });
            const dsp = DOTS.find((d) => d.name === 'sdotsp')!;
            cases.push({
              mnemonic: `pv.sdotsp.sci.${w} t0, a0, ${simm}`,
              expected: refDot(dsp, w, 'sc', a, simm, 1000),
            });
          }
          runCases(cases, a, 0, 1000);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('dot products (dotup/dotusp/dotsp and the accumulating sdot*) at every width', () => {
    fc.assert(
      fc.property(i32, i32, i32, (a, b, c) => {
        const cases: Case[] = [];
        for (const d of DOTS)
          for (const w of ['h', 'b', 'n', 'c'] as const)
            for (const mode of ['vv', 'sc'] as const)
              cases.push({
                mnemonic: `pv.${d.name}${mode === 'sc' ? '.sc' : ''}.${w} t0, a0, a1`,
                expected: refDot(d, w, mode, a, b, c),
              });
        runCases(cases, a, b, c);
      }),
      { numRuns: 40 },
    );
  });

  it('extract/insert/shuffle2/pack at .h/.b', () => {
    const v = 0x80ff7f01 | 0;
    const { core } = run(`
      li a0, ${v}
      li a1, 0x11223344
      pv.extract.b t0, a0, 2
      pv.extractu.b t1, a0, 2
      pv.extract.h t2, a0, 1
      mv t3, a1
      pv.insert.b t3, a0, 3
      pv.pack.h t4, a0, a1
      mv t5, a1
      pv.packhi.b t5, a0, a1
      li t6, 0x00040003      # lanes: rd[1] <- rs1[0]? selector bit 1 picks rs1, bit 0 the half
      mv s1, a1
      pv.shuffle2.h s1, a0, t6
      ecall`);
    expect(core.x[5]).toBe(-1);
    expect(core.x[6]).toBe(0xff);
    expect(core.x[7]).toBe(-0x7f01);
    expect(u32(core.x[28]!)).toBe(0x01223344);
    expect(u32(core.x[29]!)).toBe(0x7f013344);
    expect(u32(core.x[30]!)).toBe(0x01443344);
    // lane 0 control 3: rs1 half 1 (0x80ff); lane 1 control 4 → bit1=0 (rd), half 0 (0x3344)
    expect(u32(core.x[9]!)).toBe(0x334480ff);
  });
});

describe('pv.qnt.n', () => {
  it('returns (number of thresholds below the input) − 8 for sorted thresholds around [rs2]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 15, maxLength: 15 }),
        fc.integer({ min: -40000, max: 40000 }),
        (raw, input) => {
          const t = [...raw].sort((x, y) => x - y);
          const { core } = run(`
            li a0, ${input}
            la a1, thr
            addi a1, a1, 14        # the middle threshold t[7]
            pv.qnt.n a2, a0, a1
            ecall
            .align 2
thr:        .half ${t.join(', ')}`);
          const below = t.filter((x) => x < input).length;
          expect(core.x[12]).toBe(below - 8);
        },
      ),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// MAC&LOAD

const ML_VARIANTS = ['mlsdotup', 'mlsdotusp', 'mlsdotsup', 'mlsdotsp'] as const;

/** Reference of one pv.mlsdot*: returns the new accumulator; updates spr and ptr in place. */
function refMl(
  variant: (typeof ML_VARIANTS)[number],
  w: W,
  ctrl: number,
  acc: number,
  spr: number[],
  state: { ptr: number },
  memWord: (addr: number) => number,
): number {
  const a = ctrl & 1;
  const wi = 2 + ((ctrl >> 1) & 3);
  const n = BITS[w];
  // signedness of the activation and weight operands per variant (pulp.md §3.2 / GVSoC pulp_nn.hpp)
  const signs: Record<(typeof ML_VARIANTS)[number], readonly [boolean, boolean]> = {
    mlsdotup: [false, false],
    mlsdotusp: [true, false],
    mlsdotsup: [false, true],
    mlsdotsp: [true, true],
  };
  const [sa, sw] = signs[variant];
  const la = lanes(spr[a]!, n, sa);
  const lw = lanes(spr[wi]!, n, sw);
  let s = BigInt(acc);
  la.forEach((x, i) => (s += BigInt(x) * BigInt(lw[i]!)));
  if ((ctrl & 8) !== 0) {
    spr[a] = memWord(state.ptr);
    state.ptr += 4;
  } else if ((ctrl & 16) !== 0) {
    spr[wi] = memWord(state.ptr);
    state.ptr += 4;
  }
  return Number(BigInt.asIntN(32, s));
}

describe('MAC&LOAD (pv.mlsdot*)', () => {
  it('pv.mlinitspr loads SPRs; pv.mlsdot* accumulates the dot of the selected SPRs and reloads one', () => {
    const { core, program } = run(`
      la a1, acts
      pv.mlinitspr a1, ${mlCtrl({ a: 0, w: 0, load: 'a' })}
      pv.mlinitspr a1, ${mlCtrl({ a: 1, w: 0, load: 'a' })}
      la a2, wts
      pv.mlinitspr a2, ${mlCtrl({ a: 0, w: 0, load: 'w' })}
      pv.mlinitspr a2, ${mlCtrl({ a: 0, w: 3, load: 'w' })}
      li a0, 10
      pv.mlsdotsup.b a0, a1, ${mlCtrl({ a: 1, w: 3, load: 'a' })}
      ecall
      .align 2
acts: .word 0x01020304, 0x80ff0102, 0x55555555
wts:  .word 0x01010101, 0xfe030102`);
    const acts = program.symbols.get('acts')!;
    // A1 = 0x80ff0102 unsigned lanes [2,1,255,128]; W3 = 0xfe030102 signed lanes [2,1,3,-2]
    expect(core.x[10]).toBe(10 + 2 * 2 + 1 * 1 + 255 * 3 + 128 * -2);
    expect(core.nnSpr[1]).toBe(0x55555555); // reloaded after the dot used the old value
    expect(core.nnSpr[0]).toBe(0x01020304);
    expect(core.nnSpr[2]).toBe(0x01010101);
    expect(core.nnSpr[5]).toBe(0xfe030102 | 0);
    expect(core.x[11]).toBe(acts + 12);
  });

  it('random sequences match the reference at every width and signedness', () => {
    const step = fc.record({
      v: fc.constantFrom(...ML_VARIANTS),
      w: fc.constantFrom<W>('h', 'b', 'n', 'c'),
      ctrl: fc.integer({ min: 0, max: 31 }),
    });
    fc.assert(
      fc.property(
        fc.array(i32, { minLength: 24, maxLength: 24 }),
        fc.array(step, { minLength: 1, maxLength: 10 }),
        i32,
        (data, steps, acc0) => {
          const body = steps.map((s) => `pv.${s.v}.${s.w} a0, a1, ${s.ctrl}`).join('\n');
          const inits = [0, 1, 2, 3, 4, 5]
            .map(
              (i) =>
                `pv.mlinitspr a1, ${i < 2 ? mlCtrl({ a: i as 0 | 1, w: 0, load: 'a' }) : mlCtrl({ a: 0, w: (i - 2) as 0 | 1 | 2 | 3, load: 'w' })}`,
            )
            .join('\n');
          const { core, program } = run(
            `la a1, d\n${inits}\nli a0, ${acc0}\n${body}\necall\n.align 2\nd: .word ${data.join(', ')}`,
          );
          const d = program.symbols.get('d')!;
          const word = (addr: number): number => data[(addr - d) / 4]! | 0;
          const spr = data.slice(0, 6).map((x) => x | 0);
          const state = { ptr: d + 24 };
          let acc = acc0;
          for (const s of steps) acc = refMl(s.v, s.w, s.ctrl, acc, spr, state, word);
          expect(core.x[10]).toBe(acc);
          expect(core.x[11]).toBe(state.ptr);
          expect(Array.from(core.nnSpr)).toEqual(spr);
        },
      ),
      { numRuns: 50 },
    );
  });
});
