/**
 * RBE timing: two cycle counts derived by hand from the reference's cycle model (pulp.md §4.5),
 * and the L1 port hook: every refused beat costs exactly one cycle (the FSM waits on it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventTiming, runEvent } from '../../../../src/targets/riscv-cluster/rbe/event.js';
import { MARSELLUS_RBE as P } from '../../../../src/targets/riscv-cluster/rbe/params.js';
import {
  runReference,
  type RbeBeat,
  type RbePort,
} from '../../../../src/targets/riscv-cluster/rbe/reference.js';
import { jobSeedArb, makeJob, makeOperands, rng } from './helpers.js';

describe('hand-derived cycle counts (pulp.md §4.5)', () => {
  it('3×3, 3×3 output, Kin = Kout = 32, W2 A4 O4: 117 cycles', () => {
    // nH = nW = nKo = nKi = 1; nQA = ⌈4/4⌉ = 1; nQAO = 1.
    // x-patch: t_ld = 20 feature beats, t_c = 32·QW + 2 = 66 weight beats, t_o = 3  → 89
    // output tile: t_nq = 8 norm beats + 8 normquant cycles = 16, streamout 12·nQAO = 12 → 28
    // cycles = 1·1·1·(1·1·89 + 16 + 12) = 117
    const job = makeJob({
      mode: '3x3',
      hOut: 3,
      wOut: 3,
      kIn: 32,
      kOut: 32,
      qa: 4,
      qw: 2,
      qao: 4,
      relu: true,
      shiftDelta: 0,
      seed: 1,
    });
    const r = runReference(job, makeOperands(job, 1), P);
    expect(r.cycles).toBe(117);
    expect(eventTiming(job, P).cycles).toBe(117);
    expect(r.counts['rbe.cycles.compute']).toBe(66);
    expect(r.counts['rbe.l1.beat.weight']).toBe(66);
    // 66 weight beats × 81 blocks × 4 BinConvs × 32 AND gates
    expect(r.counts['rbe.bitop']).toBe(66 * 81 * 4 * 32);
  });

  it('1×1, 4×5 output, Kin = 64, Kout = 32, W8 A6 O8: 944 cycles', () => {
    // nH = ⌈4/3⌉ = 2, nW = ⌈5/3⌉ = 2, nKo = 1, nKi = 2, nQA = ⌈6/4⌉ = 2, nQAO = ⌈8/4⌉ = 2.
    // x-patch: t_ld = 12, t_c = 34 (independent of QW), t_o = 3 → 49; per tile nKi·nQA = 4 → 196
    // output tile: t_nq = 16, streamout 12·2 = 24 → 40
    // cycles = 2·2·1·(196 + 40) = 944
    const job = makeJob({
      mode: '1x1',
      hOut: 4,
      wOut: 5,
      kIn: 64,
      kOut: 32,
      qa: 6,
      qw: 8,
      qao: 8,
      relu: false,
      shiftDelta: 0,
      seed: 2,
    });
    const r = runReference(job, makeOperands(job, 2), P);
    expect(r.cycles).toBe(944);
    expect(eventTiming(job, P).cycles).toBe(944);
    expect(r.counts['rbe.l1.beat.output']).toBe(4 * 24);
  });
});

/** Refuses every other request: each beat is refused once and granted on its retry. */
function everyOtherPort(): RbePort & { refused: number } {
  let n = 0;
  const port = {
    refused: 0,
    requestBeat: (_b: RbeBeat): boolean => {
      const ok = n++ % 2 === 1;
      if (!ok) port.refused++;
      return ok;
    },
  };
  return port;
}

function beats(c: Record<string, number>): number {
  return (
    (c['rbe.l1.beat.feature'] ?? 0) +
    (c['rbe.l1.beat.weight'] ?? 0) +
    (c['rbe.l1.beat.norm'] ?? 0) +
    (c['rbe.l1.beat.output'] ?? 0)
  );
}

describe('L1 port contention', () => {
  it('a port refusing every other beat adds exactly one cycle per beat', () => {
    const job = makeJob({
      mode: '3x3',
      hOut: 3,
      wOut: 3,
      kIn: 32,
      kOut: 32,
      qa: 4,
      qw: 2,
      qao: 4,
      relu: true,
      shiftDelta: 0,
      seed: 1,
    });
    const ops = makeOperands(job, 1);
    const port = everyOtherPort();
    const r = runReference(job, ops, P, { port });
    // 20 feature + 66 weight + 8 norm + 12 output beats, each refused once.
    expect(port.refused).toBe(106);
    expect(r.stallCycles).toBe(106);
    expect(r.cycles).toBe(117 + 106);
    expect(r.counts['rbe.l1.refused']).toBe(106);
    expect(Array.from(r.outputs)).toEqual(Array.from(runEvent(job, ops, P).outputs));
  });

  it('under any port R = E + refused beats, with the same work and outputs', () => {
    fc.assert(
      fc.property(jobSeedArb({ maxHw: 4, maxK: 2 }), fc.integer({ min: 1, max: 3 }), (s, k) => {
        const job = makeJob(s);
        const ops = makeOperands(job, s.seed);
        const next = rng(s.seed * 7 + k);
        const seen: RbeBeat[] = [];
        const port: RbePort = {
          requestBeat: (b) => {
            seen.push(b);
            return next() % (k + 1) !== 0;
          },
        };
        const r = runReference(job, ops, P, { port });
        const e = runEvent(job, ops, P);
        expect(r.cycles).toBe(e.cycles + r.stallCycles);
        expect(r.cycles).toBeGreaterThanOrEqual(e.cycles);
        expect(r.counts['rbe.l1.refused']).toBe(r.stallCycles);
        expect(seen.length).toBe(beats(e.counts) + r.stallCycles);
        const { ['rbe.cycles.stall']: _s, ['rbe.l1.refused']: _r, ...work } = r.counts;
        const { ['rbe.cycles.stall']: _s2, ['rbe.l1.refused']: _r2, ...eWork } = e.counts;
        expect(work).toEqual(eWork);
        expect(Array.from(r.outputs)).toEqual(Array.from(e.outputs));
        // Beats never straddle more than the 288-bit port, and requests are one per cycle.
        for (const b of seen) expect(b.words).toBeLessThanOrEqual(P.portWords);
        for (let i = 1; i < seen.length; i++) {
          expect(seen[i]?.cycle).toBeGreaterThan(seen[i - 1]?.cycle ?? -1);
        }
      }),
      { numRuns: 25 },
    );
  });
});
