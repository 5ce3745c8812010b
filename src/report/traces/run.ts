/**
 * The input of the whole-run traces (VCD, Perfetto): every layer of the run in order, with the
 * cycles the run's result gives it, laid end to end on one cycle axis (layer i starts at the sum of
 * the cycles of layers 0…i−1, as the totals of summary.json add them up). Array layers are planned
 * and re-timed with E one at a time while their trace is written, so only one layer's plan and
 * timeline (proportional to its folds, chunks and stalls, never to its cycles) is held at a time.
 */
import type { PreparedRun } from '../../sim/prepare.js';
import type { SimResult } from '../../sim/result.js';
import { newTimeline, runEventTiming, type Timeline, type Timing } from '../../targets/systolic/event.js';
import type { SystolicJob } from '../../targets/systolic/index.js';
import { buildPlan, type LayerPlan } from '../../targets/systolic/plan.js';
import type { SystolicSpec } from '../../targets/systolic/spec.js';

/** `--trace-format`: SCALE-Sim CSV address traces per layer, one VCD waveform, or one Perfetto JSON. */
export const TRACE_FORMATS = ['csv', 'vcd', 'perfetto'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** File name of the whole-run trace of each format (in the `--trace` folder). */
export const RUN_TRACE_FILES = { vcd: 'trace.vcd', perfetto: 'trace.perfetto.json' } as const;

export interface RunTraceLayer {
  readonly name: string;
  readonly op: string;
  /** Cycles of the layer in the run's result (summary.json `layers[i].cycles`). */
  readonly cycles: number;
  readonly stallCycles: number;
  /** The compiled job: a `gemm` job runs on the array, a `vector` job on the vector unit. */
  readonly job: SystolicJob;
}

export interface RunTraceInput {
  readonly workload: string;
  readonly preset: string;
  readonly spec: SystolicSpec;
  readonly layers: readonly RunTraceLayer[];
}

export interface RunTraceOptions {
  /** Size of each of the two write buffers (default 1 MiB). */
  readonly bufferBytes?: number;
}

export interface RunTraceStats {
  readonly file: string;
  readonly bytes: number;
  readonly lines: number;
  /** VCD: timestamps written; Perfetto: trace events written. */
  readonly records: number;
  readonly layers: number;
  readonly cycles: number;
}

export const DEFAULT_RUN_BUFFER_BYTES = 1 << 20;

/** An array layer, planned and re-timed with a timeline. */
export interface GemmActivity {
  readonly plan: LayerPlan;
  readonly timeline: Timeline;
  readonly timing: Timing;
}

/** Plan and time an array layer; its cycles must be the result's (same plan, same E). */
export function gemmActivity(layer: RunTraceLayer, spec: SystolicSpec): GemmActivity | undefined {
  const job = layer.job;
  if (job.kind !== 'gemm') return undefined;
  const plan = buildPlan(job.view, spec, job.bytes);
  const timeline = newTimeline();
  const timing = runEventTiming(plan, spec, timeline);
  if (timing.cycles !== layer.cycles) {
    throw new Error(
      `trace: layer ${layer.name} takes ${timing.cycles} cycles when re-timed, ${layer.cycles} in the result`,
    );
  }
  return { plan, timeline, timing };
}

/** Where each layer starts on the run's cycle axis, and the run's total. */
export function layerStarts(layers: readonly RunTraceLayer[]): { starts: number[]; total: number } {
  const starts: number[] = [];
  let t = 0;
  for (const l of layers) {
    starts.push(t);
    t += l.cycles;
  }
  return { starts, total: t };
}

/** A JSON string literal in ASCII (non-ASCII as \uXXXX), so it can be written byte for byte. */
export function jsonAscii(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The traces' view of a finished run: its layers in order with their jobs and result cycles. */
export function runTraceInput(run: PreparedRun, result: SimResult): RunTraceInput {
  const jobs = run.jobs as readonly SystolicJob[];
  if (jobs.length !== result.layers.length) {
    throw new Error(`trace: ${jobs.length} jobs but ${result.layers.length} layers in the result`);
  }
  return {
    workload: result.workload,
    preset: result.preset,
    spec: run.spec as SystolicSpec,
    layers: result.layers.map((l, i) => ({
      name: l.name,
      op: l.op,
      cycles: l.cycles,
      stallCycles: l.stallCycles,
      job: jobs[i]!,
    })),
  };
}
