/**
 * FIFO sizing: the smallest FIFO depths with which the pipeline runs exactly as with unbounded
 * FIFOs — every frame completes at the same cycle and the first output word arrives at the same
 * cycle, so throughput (II) and latency are both those of the unconstrained pipeline.
 *
 * Method:
 *  1. run with every FIFO unbounded; record each FIFO's peak occupancy (fpga.md §1.4: FINN's
 *     largefifo_rtlsim sizing stops here, with depth = peak occupancy). With every depth at its
 *     peak no ready check ever fails, so that run is exactly the unconstrained one;
 *  2. shrink the FIFOs one at a time, in edge order, by binary search on the depth, keeping the
 *     others as they are. Deeper FIFOs never make any cycle later (the recurrences are monotone),
 *     so "the run matches the unconstrained one" is monotone in each depth and the binary search is
 *     exact. The result is 1-minimal: no single FIFO can lose a word (shrinking the others later
 *     only makes each earlier FIFO's bound harder to meet, never easier).
 * FINN's own rounding of a depth (≤ 2 → 2, ≤ 32 → 32, fpga.md §1.4 optimize_depth) is reported too.
 */
import { runEventResolved, type EventOptions } from './pipeline-event.js';
import { runReferenceResolved } from './pipeline-ref.js';
import {
  resolvePipeline,
  type PipelineResult,
  type PipelineSpec,
  type ResolvedPipeline,
} from './pipeline.js';

export interface FifoSizingOptions extends EventOptions {
  /** Engine for the sizing runs (default the event engine). */
  readonly engine?: 'event' | 'reference';
}

export interface FifoSizingResult {
  /** Minimal depth per FIFO, in edge order. */
  readonly depthsWords: readonly number[];
  /** The spec with those depths. */
  readonly spec: PipelineSpec;
  /** Peak occupancy with unbounded FIFOs (FINN largefifo_rtlsim's depths), in edge order. */
  readonly peakDepthsWords: readonly number[];
  /** The minimal depths rounded as FINN's optimize_depth does (fpga.md §1.4). */
  readonly finnRoundedDepthsWords: readonly number[];
  readonly unconstrained: PipelineResult;
  readonly sized: PipelineResult;
  /** Simulation runs used. */
  readonly runs: number;
}

/** FINN optimize_depth (fpga.md §1.4): ≤ 2 → 2, ≤ 32 → 32 (Q_srl gains nothing below 32), else as is. */
export function finnOptimizeDepth(depthWords: number): number {
  if (depthWords <= 2) return 2;
  if (depthWords <= 32) return 32;
  return depthWords;
}

function withDepths(p: ResolvedPipeline, depths: readonly number[]): ResolvedPipeline {
  return { ...p, edges: p.edges.map((e, k) => ({ ...e, depthWords: depths[k]! })) };
}

/** Same frame completions and first output as the target run. */
function sameTiming(r: PipelineResult, target: PipelineResult): boolean {
  if (r.status !== 'done' || r.firstOutputCycles !== target.firstOutputCycles) return false;
  return r.frameDoneCycles.every((t, f) => t === target.frameDoneCycles[f]);
}

/** Minimal FIFO depths that keep the unconstrained timing (see the file comment). */
export function sizeFifos(spec: PipelineSpec, options?: FifoSizingOptions): FifoSizingResult {
  const p = resolvePipeline(spec);
  let runs = 0;
  const run = (q: ResolvedPipeline): PipelineResult => {
    runs++;
    return options?.engine === 'reference' ? runReferenceResolved(q, options) : runEventResolved(q, options);
  };
  const unconstrained = run(
    withDepths(
      p,
      p.edges.map(() => Infinity),
    ),
  );
  if (unconstrained.status !== 'done')
    throw new Error('internal: a pipeline with unbounded FIFOs deadlocked (it has no backpressure)');
  const peaks = unconstrained.fifos.map((f) => Math.max(1, f.maxOccupancyWords));
  const depths = [...peaks];
  if (!sameTiming(run(withDepths(p, depths)), unconstrained))
    throw new Error('internal: FIFOs at their unbounded peak occupancy changed the timing');
  for (let k = 0; k < depths.length; k++) {
    let lo = 1;
    let hi = depths[k]!;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      depths[k] = mid;
      if (sameTiming(run(withDepths(p, depths)), unconstrained)) hi = mid;
      else lo = mid + 1;
    }
    depths[k] = lo;
  }
  const sized = run(withDepths(p, depths));
  return {
    depthsWords: depths,
    spec: { ...spec, edges: spec.edges.map((e, k) => ({ ...e, depthWords: depths[k]! })) },
    peakDepthsWords: peaks,
    finnRoundedDepthsWords: depths.map(finnOptimizeDepth),
    unconstrained,
    sized,
    runs,
  };
}
