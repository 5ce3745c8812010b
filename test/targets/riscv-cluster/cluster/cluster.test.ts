/**
 * The cluster: cores, TCDM arbitration, barrier, DMA. Cycle counts are derived by hand from the
 * core timing (one instruction per cycle, taken branch +2; core/timing.ts) and the cluster
 * parameters (params.ts); the I-cache is ideal in these tests unless stated.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../../src/targets/riscv-cluster/asm/assembler.js';
import { Cluster } from '../../../../src/targets/riscv-cluster/cluster/cluster.js';
import { MARSELLUS_CLUSTER } from '../../../../src/targets/riscv-cluster/cluster/params.js';
import { CycleLimitError } from '../../../../src/engine/runner.js';
import { cluster, L2, params, PRELUDE, TCDM } from './helpers.js';

/** Each core: 4 setup instructions, then L independent loads from TCDM + id × `strideBytes`, then ecall. */
function loads(L: number, shift: number): string {
  return [
    'csrr t0, mhartid',
    `slli t0, t0, ${shift}`,
    'li t1, TCDM', // one lui
    'add t1, t1, t0',
    ...Array.from({ length: L }, (_, i) => `lw a${1 + (i % 6)}, 0(t1)`),
    'ecall',
  ].join('\n');
}

describe('fork-join start', () => {
  it('every core starts at the same entry and reads its own id', () => {
    const c = cluster('csrr a0, mhartid\nslli t0, a0, 2\nli t1, TCDM\nadd t1, t1, t0\nsw a0, 0(t1)\necall', {
      cores: 16,
    });
    c.runUntilAllHalt(1000);
    for (let i = 0; i < 16; i++) expect(c.word(TCDM + 4 * i)).toBe(i);
    expect(c.cores.map((k) => k.hartId)).toEqual([...Array(16).keys()]);
  });
});

describe('TCDM contention, hand-derived', () => {
  // N cores, L loads each to bank 0 (id × 128 B = id × 32 words: the same bank of 32), after s = 4
  // setup instructions executed in lockstep. One grant per cycle, round robin: core k's loads are
  // granted on cycles s + k + N·i (i = 0..L−1), so core k is refused k times before its first
  // load and N − 1 times before each later one: k + (L−1)(N−1) conflicts. The last core's ecall is
  // on cycle s + N·L: total s + N·L + 1 cycles, conflicts N(N−1)/2 + N(L−1)(N−1), all at bank 0.
  it('4 cores × 4 loads to one bank: 21 cycles, 42 conflicts; to 4 banks: 9 cycles, none', () => {
    const N = 4;
    const L = 4;
    const s = 4;
    const c = cluster(loads(L, 7), { cores: N });
    const cycles = c.runUntilAllHalt(1000);
    expect(cycles).toBe(s + N * L + 1);
    expect(cycles).toBe(21);
    expect(c.tcdm.conflicts).toBe((N * (N - 1)) / 2 + N * (L - 1) * (N - 1));
    expect(c.tcdm.bankConflicts[0]).toBe(42);
    expect(c.tcdm.bankAccesses[0]).toBe(N * L);
    c.cores.forEach((core, k) => {
      expect(core.counts()['stall.tcdm']).toBe(k + (L - 1) * (N - 1));
      expect(core.instret).toBe(s + L + 1);
    });
    // id × 4 B: four different banks, no conflict: s + L + 1 cycles
    const d = cluster(loads(L, 2), { cores: N });
    expect(d.runUntilAllHalt(1000)).toBe(s + L + 1);
    expect(d.tcdm.conflicts).toBe(0);
  });

  it('two cores hammering one bank alternate cycle by cycle', () => {
    const c = cluster(loads(8, 7), { cores: 2 });
    const seen: string[][] = [[], []];
    for (let i = 0; i < 4 + 16; i++) {
      c.step();
      c.cores.forEach((k, j) =>
        seen[j]!.push(k.lastCycle === 'retire' ? 'R' : k.lastCycle === 'tcdm' ? 't' : '?'),
      );
    }
    // after the 4 setup cycles: core 0 is granted on even cycles, core 1 on odd ones
    // (core 0's last 'R' on cycle 19 is its ecall; core 1's is its last load)
    expect(seen[0]!.slice(4).join('')).toBe('RtRtRtRtRtRtRtRR');
    expect(seen[1]!.slice(4).join('')).toBe('tRtRtRtRtRtRtRtR');
  });

  it('runUntilAllHalt (which jumps steady stretches) gives the same cycles and counts as stepping', () => {
    const src = 'csrr t0, mhartid\nli t2, 3\nmulh t3, t0, t2\ndiv t4, t2, t0\n' + loads(5, 7);
    const a = cluster(src, { cores: 4 });
    const b = cluster(src, { cores: 4 });
    a.runUntilAllHalt(10_000);
    while (!b.allHalted) b.step();
    expect(a.cycle).toBe(b.cycle);
    expect(a.counts()).toEqual(b.counts());
  });
});

// 8 cores each sum a row of a row-major matrix whose rows are 64 words padded to a pitch of 68
// words. In lockstep, core k reads word 68k + j at step j: bank (68k + j) mod B = (4k + j) mod B for
// every B dividing 32 here (68 ≡ 4 mod 32). With 32 banks the 8 rows start in 8 different banks
// (0, 4, …, 28) and the cores never meet; with 16 banks only 4 distinct starts (pairs of cores
// share a bank), with 8 banks 2, with 4 banks all 8 cores start in the same bank. So conflicts
// must be non-decreasing as banks go 32 → 16 → 8 → 4, and zero at 32.
const ROW_SUM = `
  csrr t0, mhartid
  li t2, 272
  mul t0, t0, t2
  li t1, TCDM
  add t1, t1, t0
  li a0, 0
  lp.setupi 0, 16, end
  p.lw a1, 4(t1!)
  p.lw a2, 4(t1!)
  p.lw a3, 4(t1!)
  p.lw a4, 4(t1!)
  add a0, a0, a1
  add a0, a0, a2
  add a0, a0, a3
end: add a0, a0, a4
  li t1, TCDM + 0x8000
  csrr t2, mhartid
  slli t2, t2, 2
  add t1, t1, t2
  sw a0, 0(t1)
  ecall`;

describe('bank conflicts rise when banks are reduced', () => {
  it('row sums over 8 cores: conflicts non-decreasing 32 → 16 → 8 → 4, none at 32', () => {
    const results: { banks: number; conflicts: number; cycles: number }[] = [];
    for (const banks of [32, 16, 8, 4]) {
      const c = cluster(ROW_SUM, { cores: 8, tcdmBanks: banks });
      const words = Array.from({ length: 8 * 68 }, (_, i) => i % 1000);
      c.loadWords(TCDM, words);
      const cycles = c.runUntilAllHalt(100_000);
      for (let k = 0; k < 8; k++) {
        let sum = 0;
        for (let j = 0; j < 64; j++) sum += words[68 * k + j]!;
        expect(c.word(TCDM + 0x8000 + 4 * k)).toBe(sum);
      }
      results.push({ banks, conflicts: c.tcdm.conflicts, cycles });
    }
    const conflicts = results.map((r) => r.conflicts);
    expect(conflicts[0]).toBe(0);
    for (let i = 1; i < conflicts.length; i++)
      expect(conflicts[i]!).toBeGreaterThanOrEqual(conflicts[i - 1]!);
    expect(conflicts[3]!).toBeGreaterThan(conflicts[0]!);
    expect(results.map((r) => r.cycles)).toMatchSnapshot();
    expect(conflicts).toMatchSnapshot();
  });
});

describe('barrier', () => {
  // Core 0: li (lui + addi) on cycles 0–1, csrr 2, beqz taken 3 (+2: 4–5), p.elw first posted on 6.
  // Core k ≥ 1: beqz not taken on 3, then k iterations of addi + bnez from cycle 4 (k − 1 taken,
  // +2 each): p.elw posted on 4 + 2k + 2(k − 1) = 4k + 2. Arrivals 6, 6, 10, 14: the last arrives
  // on 14 and every core's p.elw retires on 14 + 11 = 25 (barrier latency 11, params.ts).
  const SRC = `
  li t1, BARRIER
  csrr t0, mhartid
  beqz t0, bar
loop:
  addi t0, t0, -1
  bnez t0, loop
bar:
  p.elw zero, 0(t1)
  ecall`;

  it('4 cores with different work leave on the same cycle: slowest arrival + barrier latency', () => {
    const c = cluster(SRC, { cores: 4 });
    const left: number[] = [-1, -1, -1, -1];
    for (const core of c.cores)
      core.onRetire = (k, _pc, op) => {
        if (op.def.mnemonic === 'p.elw') left[k.hartId] = k.cycle;
      };
    const cycles = c.runUntilAllHalt(1000);
    const arrivals = [6, 6, 10, 14];
    const release = Math.max(...arrivals) + MARSELLUS_CLUSTER.barrierLatencyCycles;
    expect(release).toBe(25);
    expect(left).toEqual([25, 25, 25, 25]);
    expect(c.eventUnit.history[0]).toEqual({ arrivals, releasedAt: 25 });
    expect(cycles).toBe(27);
    c.cores.forEach((core, k) => {
      expect(core.counts()['stall.barrier']).toBe(release - arrivals[k]!);
    });
    expect(c.eventUnit.barriers).toBe(1);
  });

  it('with latency 0 the last core does not stall; the barrier can be used again', () => {
    const c = cluster(`${SRC.replace('ecall', '')}\np.elw zero, 0(t1)\necall`, {
      cores: 4,
      barrierLatencyCycles: 0,
    });
    c.runUntilAllHalt(1000);
    expect(c.eventUnit.history.map((h) => h.releasedAt)).toEqual([14, 15]);
    expect(c.cores[3]!.counts()['stall.barrier']).toBe(0);
  });

  it('a core that never arrives hangs the others (CycleLimitError)', () => {
    const c = cluster(`li t1, BARRIER\ncsrr t0, mhartid\nbeqz t0, done\np.elw zero, 0(t1)\ndone: ecall`, {
      cores: 2,
    });
    expect(() => c.runUntilAllHalt(500)).toThrow(CycleLimitError);
  });
});

describe('DMA', () => {
  const W = MARSELLUS_CLUSTER.dmaBytesPerCycle;
  const Lat = MARSELLUS_CLUSTER.dmaL2LatencyCycles;
  const idle = (changes = {}): Cluster => cluster('ecall', { cores: 1, ...changes });
  const runDma = (c: Cluster): void => {
    while (!c.dma.idleBefore(c.cycle)) c.step();
  };
  const fill = (c: Cluster, addr: number, n: number): void => {
    c.loadWords(
      addr,
      Array.from({ length: n / 4 }, (_, i) => i * 7 + 1),
    );
  };

  it(`B = 1024 bytes at W = ${W} B/cycle, latency L = ${Lat}: last write on L + B/W − 1 = 137, data copied`, () => {
    const c = idle();
    fill(c, L2 + 0x1000, 1024);
    const id = c.dmaTransfer({
      direction: 'l2-to-tcdm',
      tcdmAddr: TCDM + 0x100,
      l2Addr: L2 + 0x1000,
      bytes: 1024,
    });
    runDma(c);
    expect(Lat + 1024 / W - 1).toBe(137);
    expect(c.dma.transfer(id)!.doneAt).toBe(137);
    for (let i = 0; i < 256; i++) expect(c.word(TCDM + 0x100 + 4 * i)).toBe(i * 7 + 1);
    expect(c.dma.bursts).toBe(1024 / MARSELLUS_CLUSTER.dmaBurstBytes);
    expect(c.tcdm.conflicts).toBe(0);
  });

  it('TCDM → L2 and 2-D transfers follow the same formula', () => {
    const c = idle();
    fill(c, TCDM, 1024);
    const out = c.dmaTransfer({ direction: 'tcdm-to-l2', tcdmAddr: TCDM, l2Addr: L2 + 0x2000, bytes: 1024 });
    runDma(c);
    expect(c.dma.transfer(out)!.doneAt).toBe(1024 / W - 1 + Lat);
    expect(c.word(L2 + 0x2000 + 4 * 255)).toBe(255 * 7 + 1);
    // 4 rows of 256 B taken every 512 B in L2, packed in the TCDM
    const d = idle();
    fill(d, L2 + 0x4000, 2048);
    const id = d.dmaTransfer({
      direction: 'l2-to-tcdm',
      tcdmAddr: TCDM + 0x800,
      l2Addr: L2 + 0x4000,
      bytes: 256,
      rows: 4,
      l2StrideBytes: 512,
    });
    runDma(d);
    expect(d.dma.transfer(id)!.doneAt).toBe(Lat + 1024 / W - 1);
    expect(d.word(TCDM + 0x800 + 256)).toBe(128 * 7 + 1); // row 1 starts at L2 word 128
  });

  it('with one outstanding burst of 16 B the latency is paid per burst: (B/16)·(L + 2) − 1', () => {
    const c = idle({ dmaBurstBytes: 16, dmaMaxOutstandingBursts: 1 });
    const id = c.dmaTransfer({ direction: 'l2-to-tcdm', tcdmAddr: TCDM, l2Addr: L2 + 0x1000, bytes: 64 });
    runDma(c);
    expect(c.dma.transfer(id)!.doneAt).toBe((64 / 16) * (Lat + 16 / W) - 1);
  });

  it('a core waiting on the DMA (p.elw on the wait register) goes on the cycle after the last write', () => {
    const c = cluster(`li t1, DMA + 0x1c\np.elw zero, 0(t1)\necall`, { cores: 1 });
    c.dmaTransfer({ direction: 'l2-to-tcdm', tcdmAddr: TCDM, l2Addr: L2 + 0x1000, bytes: 1024 });
    const cycles = c.runUntilAllHalt(1000);
    // p.elw posted on 2, granted on 138 (transfer done at the end of 137), ecall on 139
    expect(cycles).toBe(140);
    expect(c.eventUnit.dmaWaitCycles[0]).toBe(136);
    expect(c.cores[0]!.counts()['stall.wfi']).toBe(136);
  });

  it('cores programming the DMA by stores: the command, the id and the wait registers', () => {
    const c = cluster(
      `li t0, DMA
       li t1, TCDM + 0x400
       sw t1, 0(t0)
       li t1, L2 + 0x1000
       sw t1, 4(t0)
       li t1, 64
       sw t1, 8(t0)
       li t1, 1
       sw t1, 24(t0)
       lw a0, 24(t0)
       p.elw zero, 0x100(t0)
       ecall`,
      { cores: 1 },
    );
    fill(c, L2 + 0x1000, 64);
    c.runUntilAllHalt(1000);
    expect(c.cores[0]!.x[10]).toBe(0);
    expect(c.word(TCDM + 0x400 + 60)).toBe(15 * 7 + 1);
    const t = c.dma.transfer(0)!;
    // command stored on cycle 10 (li = lui+addi twice, 3 stores, 2 × (li + sw)): queued from 11
    expect(t.enqueuedAt).toBe(11);
    expect(t.doneAt).toBe(11 + Lat + 64 / W - 1);
  });

  it('the DMA contending with cores at the banks adds conflicts: 16 per core, derived', () => {
    // 4 cores keep reading banks 0–3 (one word each, every cycle) while the DMA writes 2 KiB from
    // bank 0 on, 2 words per cycle on cycles 10–265: it passes over each bank 512 / 32 = 16 times.
    // Round robin: a core that was granted its bank last time has the lowest priority there, so
    // each time the DMA comes the core loses one cycle and the DMA none: 16 conflicts per core,
    // 64 in all, and every core takes 16 cycles longer than alone.
    const src = `
      csrr t0, mhartid
      slli t0, t0, 2
      li t1, TCDM
      add t1, t1, t0
      lp.setupi 0, 300, e
    e: lw a1, 0(t1)
      ecall`;
    const alone = cluster(src, { cores: 4 });
    const aloneCycles = alone.runUntilAllHalt(10_000);
    expect(alone.tcdm.conflicts).toBe(0);
    const c = cluster(src, { cores: 4 });
    const id = c.dmaTransfer({ direction: 'l2-to-tcdm', tcdmAddr: TCDM, l2Addr: L2 + 0x1000, bytes: 2048 });
    const cycles = c.runUntilAllHalt(10_000);
    runDma(c);
    expect(c.tcdm.conflicts).toBe(64);
    c.cores.forEach((k) => {
      expect(k.counts()['stall.tcdm']).toBe(16);
    });
    expect(cycles).toBe(aloneCycles + 16);
    expect(c.dma.refusedWords).toBe(0);
    expect(c.dma.transfer(id)!.doneAt).toBe(Lat + 2048 / W - 1);
  });

  it('when two cores share a bank the DMA loses some rounds too, and takes longer', () => {
    // 8 cores, cores k and k + 4 read bank k (k < 4): the bank's priority alternates between them,
    // and half of the time the one that was not served last ranks before the DMA's port
    const src = `
      csrr t0, mhartid
      andi t2, t0, 3
      slli t2, t2, 2
      srli t3, t0, 2
      slli t3, t3, 7
      li t1, TCDM
      add t1, t1, t2
      add t1, t1, t3
      lp.setupi 0, 300, e
    e: lw a1, 0(t1)
      ecall`;
    const c = cluster(src, { cores: 8 });
    const id = c.dmaTransfer({ direction: 'l2-to-tcdm', tcdmAddr: TCDM, l2Addr: L2 + 0x1000, bytes: 2048 });
    c.runUntilAllHalt(10_000);
    runDma(c);
    const dmaConflicts = c.dma.tcdmMasters.reduce((s, m) => s + c.tcdm.masterConflicts[m]!, 0);
    expect(dmaConflicts).toBeGreaterThan(0);
    expect(c.dma.refusedWords).toBe(dmaConflicts);
    expect(c.dma.transfer(id)!.doneAt).toBeGreaterThan(Lat + 2048 / W - 1);
    expect([dmaConflicts, c.dma.transfer(id)!.doneAt]).toMatchSnapshot();
  });
});

// Double buffering: 4 tiles of 1 KiB in L2 are summed by 4 cores (64 words each per tile). Core 0
// drives the DMA; all cores meet at a barrier after each tile. Serial: fetch a tile, wait,
// compute, fetch the next. Double-buffered: while the cores compute on one buffer, the DMA fills
// the other.
function tiles(doubleBuffered: boolean): string {
  const fetchNext = `
  bnez s0, nofetch
  beqz s1, nofetch
  sw s3, 0(s5)
  sw s4, 4(s5)
  li t0, TB
  sw t0, 8(s5)
  li t0, 1
  sw t0, 24(s5)
nofetch:`;
  return `
  .equ TB, 1024
  .equ TILES, 4
  csrr s0, mhartid
  li s1, TILES
  li s2, TCDM + 0x1000
  li s3, TCDM + 0x2000
  li s4, L2 + 0x10000
  li s5, DMA
  li s6, BARRIER
  li s7, 0
  slli s8, s0, 8
  bnez s0, first
  sw s2, 0(s5)
  sw s4, 4(s5)
  li t0, TB
  sw t0, 8(s5)
  li t0, 1
  sw t0, 24(s5)
  p.elw zero, 28(s5)
first:
  p.elw zero, 0(s6)
tile:
  addi s1, s1, -1
  addi s4, s4, TB
  ${doubleBuffered ? fetchNext : ''}
  add t1, s2, s8
  lp.setupi 0, 32, last
  p.lw a1, 4(t1!)
  p.lw a2, 4(t1!)
  add s7, s7, a1
last: add s7, s7, a2
  ${doubleBuffered ? '' : fetchNext}
  bnez s0, synced
  p.elw zero, 28(s5)
synced:
  p.elw zero, 0(s6)
  mv t0, s2
  mv s2, s3
  mv s3, t0
  bnez s1, tile
  li t0, TCDM
  slli t2, s0, 2
  add t0, t0, t2
  sw s7, 0(t0)
  ecall`;
}

describe('double buffering', () => {
  it('computing on one buffer while the DMA fills the other beats compute + transfer', () => {
    const run = (db: boolean): { cycles: number; c: Cluster } => {
      const c = cluster(tiles(db), { cores: 4 });
      c.loadWords(
        L2 + 0x10000,
        Array.from({ length: 1024 }, (_, i) => i),
      );
      return { cycles: c.runUntilAllHalt(100_000), c };
    };
    const serial = run(false);
    const db = run(true);
    for (const { c } of [serial, db]) {
      for (let k = 0; k < 4; k++) {
        let sum = 0;
        for (let t = 0; t < 4; t++) for (let j = 0; j < 64; j++) sum += 256 * t + 64 * k + j;
        expect(c.word(TCDM + 4 * k)).toBe(sum);
      }
    }
    const transfer = MARSELLUS_CLUSTER.dmaL2LatencyCycles + 1024 / MARSELLUS_CLUSTER.dmaBytesPerCycle;
    // one tile's compute on a core: 64 loads + 64 adds, no conflicts (4 cores, 4 × 64 words)
    expect(serial.cycles).toBeGreaterThan(4 * transfer + 4 * 128);
    expect(db.cycles).toBeLessThan(4 * transfer + 4 * 128);
    expect(db.cycles).toBeLessThan(serial.cycles);
    expect([serial.cycles, db.cycles]).toMatchSnapshot();
  });
});

describe('parameters and wiring', () => {
  it('the Marsellus cluster has 16 cores, 32 banks, a shared I-cache level and checks its parameters', () => {
    const program = assemble(`${PRELUDE}\ncsrr a0, mhartid\necall`, { base: L2 });
    const c = new Cluster({ code: program });
    expect(c.cores.length).toBe(16);
    expect(c.tcdm.banks).toBe(32);
    expect(c.sharedICache).not.toBeNull();
    c.runUntilAllHalt(1000);
    // the first core to fetch a line refills it from L2, the others find it in the shared level
    const refills = c.cores.map((k) => k.counts()['icache.refill.l2'] ?? 0);
    expect(refills.reduce((a, b) => a + b, 0)).toBe(1);
    expect(() => cluster('ecall', { tcdmBanks: 0 })).toThrow(/tcdmBanks/);
    expect(() => new Cluster({ code: program, params: params({ dmaBytesPerCycle: 6 }) })).toThrow(
      /multiple of 4/,
    );
  });

  it('an access outside the map faults with the address', () => {
    const c = cluster('li t0, 0x20000000\nlw a0, 0(t0)\necall', { cores: 1 });
    expect(() => c.runUntilAllHalt(100)).toThrow(/0x20000000/);
  });

  it('a core load from L2 takes the L2 latency', () => {
    const c = cluster('li t0, L2 + 0x800\nlw a0, 0(t0)\necall', { cores: 1 });
    c.loadWords(L2 + 0x800, [42]);
    const cycles = c.runUntilAllHalt(100);
    expect(c.cores[0]!.x[10]).toBe(42);
    // li = lui + addi (2), lw granted after latency (L2 10 cycles), ecall
    expect(cycles).toBe(2 + MARSELLUS_CLUSTER.l2LatencyCycles + 1);
  });
});
