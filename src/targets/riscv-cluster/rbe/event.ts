/**
 * E — the event model of the RBE: the same job as R (./reference.ts) without stepping a cycle.
 * Cycles and counts are closed forms per phase (pulp.md §4.5), and the values come from a direct
 * integer convolution with the signed weights followed by the same normalization/quantization.
 *
 * Domain: a port that grants every beat (no TCDM contention). Under contention R's FSM waits one
 * cycle per refused beat, so R.cycles = E.cycles + R.stallCycles exactly; E does not take a stall
 * model because the refusals depend on the cluster's state cycle by cycle.
 *
 *   nX = nH·nW·nKo·nKi·nQA   (x-patches)     nT = nH·nW·nKo   (output tiles)
 *   cycles = nX·(t_ld + t_c + t_o) + nT·(t_nqload + t_nq + 12·nQAO)
 *   3×3: t_ld = 20, t_c = 32·QW + 2      1×1: t_ld = 12, t_c = 34      t_nqload = t_nq = 8, t_o = 3
 */
import type { ActionCounts } from '../../../engine/component.js';
import { assertRunnable, geometry, type RbeJob, type RbeOperands } from './job.js';
import { normQuant } from './normquant.js';
import type { RbeParams } from './params.js';
import { RBE_COUNT_KEYS, type RbeCountKey, type RbeResult } from './reference.js';

/** Cycles and counts of a job, in closed form (no operands needed). */
export function eventTiming(job: RbeJob, p: RbeParams): { cycles: number; counts: ActionCounts } {
  const g = geometry(job, p);
  const nT = g.nH * g.nW * g.nKo;
  const nX = nT * g.nKi * g.nQa;
  const is3 = job.mode === '3x3';
  const rows = is3 ? p.blocksPerColumn : job.qw;
  const binconvsPerCycle = p.columns * rows * p.binconvsPerBlock;
  const outBeats = p.outputBeatsPerQaoTile * g.nQao;
  const c: Record<RbeCountKey, number> = Object.fromEntries(RBE_COUNT_KEYS.map((k) => [k, 0])) as Record<
    RbeCountKey,
    number
  >;
  c['rbe.cycles.load'] = nX * g.featureBeats;
  c['rbe.cycles.compute'] = nX * g.weightBeats;
  c['rbe.cycles.updateidx'] = nX * p.updateIdxCycles;
  c['rbe.cycles.normload'] = nT * p.normBeats;
  c['rbe.cycles.normquant'] = nT * p.normquantCycles;
  c['rbe.cycles.streamout'] = nT * outBeats;
  c['rbe.l1.beat.feature'] = nX * g.featureBeats;
  c['rbe.l1.beat.weight'] = nX * g.weightBeats;
  c['rbe.l1.beat.norm'] = nT * p.normBeats;
  c['rbe.l1.beat.output'] = nT * outBeats;
  c['rbe.l1.word.read'] =
    nX * (g.featureBeats * g.featureWordsPerBeat + g.weightBeats * g.weightWordsPerBeat) +
    nT * p.normBeats * p.normWordsPerBeat;
  c['rbe.l1.word.write'] = nT * outBeats * p.outputWordsPerBeat;
  c['rbe.inputbuffer.write'] = nX * g.featureBeats * g.featureWordsPerBeat;
  c['rbe.binconv.active'] = nX * g.weightBeats * binconvsPerCycle;
  c['rbe.bitop'] = c['rbe.binconv.active'] * p.binconvWidth;
  // Offset beats add into all 32 accumulators of each column; weight beats into one.
  c['rbe.accumulator.update'] =
    nX * p.columns * (p.offsetWords * p.accumulatorsPerColumn + (g.weightBeats - p.offsetWords));
  c['rbe.normquant.op'] = nT * p.columns * p.accumulatorsPerColumn;
  let cycles = 0;
  for (const k of RBE_COUNT_KEYS) if (k.startsWith('rbe.cycles.')) cycles += c[k];
  const counts: ActionCounts = {};
  for (const k of RBE_COUNT_KEYS) counts[k] = c[k];
  return { cycles, counts };
}

/** Outputs y[hOut][wOut][kOut] by direct convolution and normalization/quantization. */
export function eventOutputs(job: RbeJob, ops: RbeOperands, p: RbeParams): Int32Array {
  const g = geometry(job, p);
  const { kIn, kOut, hOut, wOut } = job;
  const fs = g.fs;
  const out = new Int32Array(hOut * wOut * kOut);
  const n = job.norm;
  for (let i = 0; i < hOut; i++) {
    for (let j = 0; j < wOut; j++) {
      for (let k = 0; k < kOut; k++) {
        let acc = 0;
        for (let fi = 0; fi < fs; fi++) {
          for (let fj = 0; fj < fs; fj++) {
            const xb = ((i + fi) * g.wIn + (j + fj)) * kIn;
            const wb = ((k * fs + fi) * fs + fj) * kIn;
            for (let c = 0; c < kIn; c++) acc += (ops.x[xb + c] ?? 0) * (ops.w[wb + c] ?? 0);
          }
        }
        out[(i * wOut + j) * kOut + k] = normQuant(
          acc,
          n.scale[k] ?? 0,
          n.bias[k] ?? 0,
          n.shift,
          n.relu,
          job.qao,
        );
      }
    }
  }
  return out;
}

/** Runs E: the same result as R under a port that grants every beat. */
export function runEvent(job: RbeJob, ops: RbeOperands, p: RbeParams): RbeResult {
  assertRunnable(job, p, ops);
  const g = geometry(job, p);
  const t = eventTiming(job, p);
  return {
    cycles: t.cycles,
    stallCycles: 0,
    macs: job.hOut * job.wOut * job.kOut * job.kIn * g.fs * g.fs,
    counts: t.counts,
    outputs: eventOutputs(job, ops, p),
  };
}
