/**
 * Exact cycle counts of small programs, derived by hand from the timing table (core/timing.ts:
 * RI5CY as modelled by GVSoC, reference/pulp.md): one instruction per cycle; load-use +1; mul
 * result +1 when used next; mulh 5 cycles; div 3 + leading zeros of the divisor; taken branch +2;
 * jump +1; hardware loops add nothing per iteration; I-cache refills; data-port refusals (TCDM
 * conflicts, barriers); wfi. Every cycle is a retire or exactly one stall cause.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstructionCache, SetAssocCache } from '../../../src/targets/riscv-cluster/core/icache.js';
import { RiscvCore } from '../../../src/targets/riscv-cluster/core/core.js';
import { StallingPort, Stall, FlatMemory } from '../../../src/targets/riscv-cluster/core/memory.js';
import { PULP_ICACHE, RI5CY_TIMING as T } from '../../../src/targets/riscv-cluster/core/timing.js';
import { CycleLimitError } from '../../../src/engine/runner.js';
import { assemble } from '../../../src/targets/riscv-cluster/asm/assembler.js';
import { prepare, run } from './helpers.js';

/** Cycles, stall counts and the invariant cycles = retired + stalls. */
function timed(src: string, opts: Parameters<typeof run>[1] = {}) {
  const { core } = run(src, opts);
  expect(core.cycle).toBe(core.instret + core.stallCycles + core.idleCycles);
  const c = core.counts();
  return { cycles: core.cycle, insns: core.instret, c, core };
}

describe('pipeline timing', () => {
  it('straight-line ALU code runs one instruction per cycle', () => {
    const r = timed('addi a0, a0, 1\nadd a1, a0, a0\nxor a2, a1, a0\nslli a3, a2, 2\necall');
    expect(r.cycles).toBe(5);
    expect(r.c['stall.total']).toBe(0);
  });

  it(`load-use adds loadResultLatency − 1 = ${T.loadResultLatencyCycles - 1} cycle; an independent instruction hides it`, () => {
    const dep = timed('la a0, d\nlw a1, 0(a0)\naddi a2, a1, 1\necall\n.align 2\nd: .word 5');
    expect(dep.cycles).toBe(2 + 1 + 1 + (T.loadResultLatencyCycles - 1) + 1);
    expect(dep.c['stall.loadUse']).toBe(1);
    expect(dep.core.x[12]).toBe(6);
    const hidden = timed(
      'la a0, d\nlw a1, 0(a0)\naddi a3, a0, 1\naddi a2, a1, 1\necall\n.align 2\nd: .word 5',
    );
    expect(hidden.cycles).toBe(6);
    expect(hidden.c['stall.loadUse']).toBe(0);
    // the post-incremented base is an ALU result: no stall on it
    const post = timed('la a0, d\np.lw a1, 4(a0!)\naddi a2, a0, 1\necall\n.align 2\nd: .word 5');
    expect(post.c['stall.loadUse']).toBe(0);
  });

  it('step() advances one cycle and says what the cycle was', () => {
    const { core } = prepare(
      'la a0, d\nlw a1, 0(a0)\naddi a2, a1, 1\nj e\ne: ecall\nnop\n.align 2\nd: .word 5',
    );
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) {
      core.step();
      seen.push(core.lastCycle);
    }
    expect(seen).toEqual([
      'retire',
      'retire',
      'retire',
      'loadUse',
      'retire',
      'retire',
      'jump',
      'retire',
      'idle',
    ]);
  });

  it('mul result +1 when used next; p.mac and dot products have no result latency', () => {
    const mul = timed('li a0, 3\nli a1, 4\nmul a2, a0, a1\naddi a3, a2, 1\necall');
    expect(mul.cycles).toBe(5 + (T.mulResultLatencyCycles - 1));
    expect(mul.c['stall.mulLatency']).toBe(1);
    const mac = timed('li a0, 3\nli a1, 4\np.mac a2, a0, a1\naddi a3, a2, 1\necall');
    expect(mac.cycles).toBe(5);
    const dot = timed('li a0, 3\nli a1, 4\npv.sdotsp.b a2, a0, a1\naddi a3, a2, 1\necall');
    expect(dot.cycles).toBe(5);
  });

  it(`mulh/mulhsu/mulhu take ${T.mulhCycles} cycles`, () => {
    for (const op of ['mulh', 'mulhsu', 'mulhu']) {
      const r = timed(`${op} a2, a0, a1\necall`);
      expect(r.cycles).toBe(T.mulhCycles + 1);
      expect(r.c['stall.mulLatency']).toBe(T.mulhCycles - 1);
    }
  });

  it('div/rem take 3 + leading zeros of the divisor (3..35 cycles)', () => {
    const div = (op: string, b: number) => timed(`li a1, ${b}\n${op} a2, a0, a1\necall`).cycles - 2;
    expect(div('divu', 0)).toBe(35);
    expect(div('divu', 1)).toBe(34);
    expect(div('divu', -0x80000000)).toBe(3);
    expect(div('div', -1)).toBe(34);
    expect(div('rem', 256)).toBe(3 + 23);
    expect(div('remu', 0x7ff)).toBe(3 + 21);
  });

  it(`a taken branch adds ${T.takenBranchPenaltyCycles}, a not-taken one nothing`, () => {
    const taken = timed('li a0, 1\nbeq a0, a0, l\nnop\nl: ecall');
    expect(taken.cycles).toBe(3 + T.takenBranchPenaltyCycles);
    expect(taken.c['stall.branch']).toBe(T.takenBranchPenaltyCycles);
    const not = timed('li a0, 1\nbne a0, a0, l\nnop\nl: ecall');
    expect(not.cycles).toBe(4);
  });

  it(`jal and jalr add ${T.jumpPenaltyCycles}`, () => {
    const jal = timed('j l\nnop\nl: ecall');
    expect(jal.cycles).toBe(2 + T.jumpPenaltyCycles);
    const jalr = timed('la t0, l\njr t0\nnop\nl: ecall');
    expect(jalr.cycles).toBe(4 + T.jumpPenaltyCycles);
    expect(jalr.c['stall.jump']).toBe(1);
  });

  it('a hardware loop of K iterations × M instructions takes exactly K·M cycles plus its setup', () => {
    for (const [k, m] of [
      [1, 3],
      [10, 3],
      [100, 5],
      [4095, 1],
    ] as const) {
      const body = Array.from({ length: m }, (_, i) => `${i === m - 1 ? 'end: ' : ''}addi a0, a0, 1`).join(
        '\n',
      );
      const r = timed(`lp.setupi 0, ${k}, end\n${body}\necall`);
      expect(r.cycles).toBe(1 + k * m + 1);
      expect(r.c['stall.total']).toBe(0);
      expect(r.core.x[10]).toBe(k * m);
    }
  });

  it('the same loop with a counter and a branch pays 2 instructions and the branch penalty per iteration', () => {
    const k = 50;
    const r = timed(
      `li t0, ${k}\nl: addi a0, a0, 1\naddi a0, a0, 1\naddi a0, a0, 1\naddi t0, t0, -1\nbnez t0, l\necall`,
    );
    expect(r.cycles).toBe(1 + k * 5 + (k - 1) * T.takenBranchPenaltyCycles + 1);
  });

  it('nested hardware loops: K1 × (inner setup + K2·M2 + M1) + outer setup, no per-iteration cost', () => {
    const [k1, k2, m2, m1] = [6, 9, 4, 2];
    const inner = Array.from({ length: m2 }, (_, i) => `${i === m2 - 1 ? 'iend: ' : ''}addi a0, a0, 1`).join(
      '\n',
    );
    const outer = Array.from({ length: m1 }, (_, i) => `${i === m1 - 1 ? 'oend: ' : ''}addi a1, a1, 1`).join(
      '\n',
    );
    const r = timed(
      `li t0, ${k2}\nlp.setupi 1, ${k1}, oend\nlp.setup 0, t0, iend\n${inner}\n${outer}\necall`,
    );
    expect(r.cycles).toBe(1 + 1 + k1 * (1 + k2 * m2 + m1) + 1);
    expect(r.core.x[10]).toBe(k1 * k2 * m2);
    expect(r.core.x[11]).toBe(k1 * m1);
  });

  it('a misaligned word access costs one more cycle', () => {
    const r = timed('la a0, d\nlw a1, 2(a0)\necall\n.align 2\nd: .word 0x11223344, 0x55667788');
    expect(r.cycles).toBe(4 + T.misalignedAccessExtraCycles);
    expect(r.c['stall.misaligned']).toBe(1);
    expect(r.core.x[11]).toBe(0x77881122);
  });

  it('pv.qnt.n takes setup + 4 threshold loads + finish cycles', () => {
    const r = timed(
      'la a1, t\naddi a1, a1, 14\npv.qnt.n a2, a0, a1\necall\n.align 2\nt: .half 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15',
    );
    expect(r.cycles).toBe(2 + 1 + (T.qntSetupCycles + 4 + T.qntFinishCycles) + 1);
    expect(r.c['stall.multiCycle']).toBe(T.qntSetupCycles + 4 + T.qntFinishCycles - 1);
  });
});

describe('data-port stalls', () => {
  it('cycles refused by the port (TCDM conflicts) stall the access and are counted as tcdm', () => {
    const src = 'la a0, d\nlw a1, 0(a0)\nsw a0, 4(a0)\necall\n.align 2\nd: .word 9, 0';
    const free = timed(src);
    expect(free.cycles).toBe(5);
    const stalls = new Set([2, 3, 5]);
    const r = timed(src, { port: (mem, clock) => new StallingPort(mem.port(), (c) => stalls.has(c), clock) });
    expect(r.cycles).toBe(5 + 3);
    expect(r.c['stall.tcdm']).toBe(3);
    expect(r.core.x[11]).toBe(9);
  });

  it('a MAC&LOAD stalls only when it loads; a p.elw waiting at a barrier counts as barrier', () => {
    const src = `la a1, d\npv.mlsdotsp.b a0, a1, 0\npv.mlsdotsp.b a0, a1, 8\necall\n.align 2\nd: .word 1`;
    const r = timed(src, {
      port: (mem, clock) => new StallingPort(mem.port(), (c) => c === 2 || c === 3, clock),
    });
    // the first mlsdot (no load) issues at cycle 2 regardless; the second is refused at 3
    expect(r.cycles).toBe(5 + 1);
    expect(r.c['stall.tcdm']).toBe(1);
    const elw = timed('la a0, d\np.elw a1, 0(a0)\necall\n.align 2\nd: .word 3', {
      port: (mem, clock) => new StallingPort(mem.port(), (c) => c >= 2 && c < 12, clock, Stall.barrier),
    });
    expect(elw.cycles).toBe(4 + 10);
    expect(elw.c['stall.barrier']).toBe(10);
    expect(elw.core.x[11]).toBe(3);
  });

  it('pv.qnt.n threshold loads can be refused too', () => {
    const src =
      'la a1, t\naddi a1, a1, 14\npv.qnt.n a2, a0, a1\necall\n.align 2\nt: .half 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15';
    const free = timed(src).cycles;
    const r = timed(src, { port: (mem, clock) => new StallingPort(mem.port(), (c) => c === 5, clock) });
    expect(r.cycles).toBe(free + 1);
    expect(r.c['stall.tcdm']).toBe(1);
  });
});

describe('instruction cache', () => {
  const c = PULP_ICACHE;
  const coldLine = c.sharedHitRefillCycles + c.l2RefillCycles;

  it('a cold fetch of each 16-byte line refills from L2 through both levels', () => {
    // 9 instructions = 36 bytes → lines 0, 1, 2
    const src = `${'addi a0, a0, 1\n'.repeat(8)}ecall`;
    const r = timed(src, { icache: InstructionCache.standalone(c) });
    expect(r.cycles).toBe(9 + 3 * coldLine);
    expect(r.c['stall.icache']).toBe(3 * coldLine);
    expect(r.c['icache.refill.l2']).toBe(3);
  });

  it('a loop misses only on its first iteration', () => {
    const src = `lp.setupi 0, 20, e\n${'addi a0, a0, 1\n'.repeat(6)}e: addi a0, a0, 1\necall`;
    const r = timed(src, { icache: InstructionCache.standalone(c) });
    // 9 instructions, 36 bytes: lines 0..2, each missed once
    expect(r.cycles).toBe(1 + 20 * 7 + 1 + 3 * coldLine);
  });

  it('a second core finds the lines in the shared level and pays only the shared refill', () => {
    const p = assemble(`${'addi a0, a0, 1\n'.repeat(8)}ecall`);
    const shared = new SetAssocCache(c.shared!);
    const mem = new FlatMemory(0, 4096);
    const mk = (id: number) =>
      new RiscvCore({ hartId: id, code: p, port: mem.port(), icache: new InstructionCache(c, shared) });
    const a = mk(0);
    const b = mk(1);
    a.run();
    b.run();
    expect(a.stalls[Stall.icache]).toBe(3 * coldLine);
    expect(b.stalls[Stall.icache]).toBe(3 * c.sharedHitRefillCycles);
    expect(b.counts()['icache.refill.shared']).toBe(3);
  });
});

describe('wfi and the cycle invariant', () => {
  it('wfi sleeps until woken; the sleeping cycles are counted as wfi', () => {
    const { core } = prepare('addi a0, a0, 1\nwfi\naddi a0, a0, 1\necall');
    for (let i = 0; i < 12; i++) core.step();
    expect(core.sleeping).toBe(true);
    expect(core.nextActivity()).toBe(Infinity);
    core.wake();
    core.run();
    expect(core.x[10]).toBe(2);
    // 2 retire cycles, 10 asleep, the waking cycle, then 2 more instructions
    expect(core.stalls[Stall.wfi]).toBe(11);
    expect(core.cycle).toBe(core.instret + core.stallCycles);
    // alone, a core asleep forever is a deadlock
    expect(() => prepare('wfi\necall').core.run(1000)).toThrow(CycleLimitError);
  });

  it('mcycle / minstret read the counters; mhartid the core id', () => {
    const { core } = run(
      'nop\nnop\ncsrr a0, mcycle\ncsrr a1, minstret\ncsrr a2, mhartid\ncsrw mcycle, x0\ncsrr a3, mcycle\necall',
    );
    expect(core.x[10]).toBe(2);
    expect(core.x[11]).toBe(3);
    expect(core.x[12]).toBe(0);
    expect(core.x[13]).toBe(1);
  });

  const insn = fc.constantFrom(
    'addi a0, a0, 3',
    'lw a1, 0(s0)',
    'addi a2, a1, 1',
    'mul a3, a0, a2',
    'add a4, a3, a3',
    'mulh a5, a4, a0',
    'divu a5, a0, a4',
    'p.lw a1, 4(s1!)',
    'sw a0, 8(s0)',
    'pv.sdotsp.b a4, a1, a0',
    'beq a0, a0, 1f\n1:',
    'bne a0, a0, 1f\n1:',
    'jal x0, 1f\n1:',
  );

  it('random programs: cycles = retired + stalls, and stepping every cycle ≡ run() with bulk advances', () => {
    fc.assert(
      fc.property(fc.array(insn, { minLength: 1, maxLength: 40 }), fc.boolean(), (body, cached) => {
        const src = `la s0, d\nla s1, d\n${body.join('\n')}\necall\n.align 2\nd: .space 256`;
        const icache = () => (cached ? InstructionCache.standalone(PULP_ICACHE) : null);
        const a = prepare(src, { icache: icache() }).core;
        a.run();
        const b = prepare(src, { icache: icache() }).core;
        while (!b.halted) b.step();
        expect(a.cycle).toBe(a.instret + a.stallCycles);
        expect(b.counts()).toEqual(a.counts());
        expect(Array.from(b.x)).toEqual(Array.from(a.x));
      }),
      { numRuns: 60 },
    );
  });
});
