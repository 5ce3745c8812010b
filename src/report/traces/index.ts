/**
 * Traces of systolic runs, streamed to disk in bounded memory (docs/traces.md). `--trace-format`:
 *  - csv (this file): per-cycle SRAM and DRAM address traces of each layer, in SCALE-Sim's file
 *    layout (reference/scalesim.md §1.7);
 *  - vcd (./vcd.ts): one value change dump of the whole run (array, SRAM, DRAM, vector unit);
 *  - perfetto (./perfetto.ts): one Chrome trace-event JSON of the whole run (spans and counters).
 *
 * The CSV traces:
 *
 *   IFMAP_SRAM_TRACE.csv  FILTER_SRAM_TRACE.csv  OFMAP_SRAM_TRACE.csv
 *       `cycle,addr_port0,addr_port1,…` — one line per cycle in which the stream has at least one
 *       access; −1 for an idle port (or a padded im2col position, which costs no access).
 *   IFMAP_DRAM_TRACE.csv  FILTER_DRAM_TRACE.csv  OFMAP_DRAM_TRACE.csv
 *       `cycle,addr,…` — the addresses each DRAM transfer moves in that cycle.
 *
 * Stamps: `bitcycle` conventions stamp every access with the cycle its fold row runs (E's timeline,
 * stalls included); `scalesim` conventions stamp SRAM reads one cycle later (SCALE-Sim's read hit
 * latency: row + stalls + 1) and OFMAP writes at row + stalls, as SCALE-Sim does.
 * Addresses are the spec's offsets plus mapping/gemm.ts's addresses (SCALE-Sim's layout).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GemmView } from '../../mapping/gemm.js';
import { newTimeline, runEventTiming, type Timeline, type Timing } from '../../targets/systolic/event.js';
import { buildPlan, type LayerPlan, type OperandBytes } from '../../targets/systolic/plan.js';
import type { SystolicSpec } from '../../targets/systolic/spec.js';
import { RowClock } from './clock.js';
import { writeOfmapDram, writeReadDram, type DramContext } from './dram.js';
import { MAX_INT_CHARS, TraceFile } from './sink.js';
import { sramLines, sramPorts, type SramStream } from './sram.js';
import { writeRunPerfetto } from './perfetto.js';
import type { RunTraceInput, RunTraceOptions, RunTraceStats } from './run.js';
import { writeRunVcd } from './vcd.js';

export { sramLines, sramPorts, type SramLine, type SramStream } from './sram.js';
export {
  RUN_TRACE_FILES,
  TRACE_FORMATS,
  type RunTraceInput,
  type RunTraceLayer,
  type RunTraceOptions,
  type RunTraceStats,
  type TraceFormat,
} from './run.js';
export { writeRunVcd } from './vcd.js';
export { writeRunPerfetto } from './perfetto.js';

export const TRACE_FILES = [
  'IFMAP_SRAM_TRACE.csv',
  'FILTER_SRAM_TRACE.csv',
  'OFMAP_SRAM_TRACE.csv',
  'IFMAP_DRAM_TRACE.csv',
  'FILTER_DRAM_TRACE.csv',
  'OFMAP_DRAM_TRACE.csv',
] as const;
export type TraceFileName = (typeof TRACE_FILES)[number];

/** Everything a layer's traces are made from: the plan, the spec, the GEMM view and E's timeline. */
export interface TraceLayer {
  readonly view: GemmView;
  readonly plan: LayerPlan;
  readonly spec: SystolicSpec;
  /** Recorded by `runEventTiming(plan, spec, timeline)` on this very plan. */
  readonly timeline: Timeline;
  /** Bytes per element of each operand (the job's `bytes`), to spread DRAM transfers over their cycles. */
  readonly bytes: OperandBytes;
}

export interface TraceOptions {
  /** Which files to write (default: all six). */
  readonly files?: readonly TraceFileName[];
  /** Size of each of the two write buffers per file (default 1 MiB). */
  readonly bufferBytes?: number;
}

export interface TraceFileStats {
  readonly file: TraceFileName;
  readonly lines: number;
  readonly bytes: number;
}

export interface TraceStats {
  readonly lines: number;
  readonly bytes: number;
  readonly files: readonly TraceFileStats[];
}

const DEFAULT_BUFFER_BYTES = 1 << 20;

/** Cycle added to a fold row's cycle for each SRAM stream's stamp. */
export function sramStampOffset(spec: SystolicSpec, stream: SramStream): number {
  return spec.conventions === 'scalesim' && stream !== 'ofmap' ? 1 : 0;
}

/** Write the chosen trace files of one layer into `dir` (created if missing). */
export async function writeLayerTraces(dir: string, layer: TraceLayer, opts: TraceOptions = {}): Promise<TraceStats> {
  await mkdir(dir, { recursive: true });
  const { spec } = layer;
  const ctx: DramContext = {
    plan: layer.plan,
    view: layer.view,
    spec,
    timeline: layer.timeline,
    bytes: layer.bytes,
    ifmapOffset: spec.ifmapOffset,
    filterOffset: spec.filterOffset,
    ofmapOffset: spec.ofmapOffset,
  };
  const bufferBytes = opts.bufferBytes ?? DEFAULT_BUFFER_BYTES;
  const wanted = new Set<TraceFileName>(opts.files ?? TRACE_FILES);
  const stats: TraceFileStats[] = [];
  for (const name of TRACE_FILES) {
    if (!wanted.has(name)) continue;
    const stream = name.startsWith('IFMAP') ? 'ifmap' : name.startsWith('FILTER') ? 'filter' : 'ofmap';
    const sram = name.includes('_SRAM_');
    const ports = sramPorts(layer.plan.dataflow, stream, layer.plan.rows, layer.plan.cols);
    const reserve = sram ? (ports + 1) * MAX_INT_CHARS + 1 : 2 * MAX_INT_CHARS + 1;
    const file = await TraceFile.create(join(dir, name), bufferBytes, reserve);
    try {
      if (sram) await writeSram(file, ctx, stream);
      else if (stream === 'ofmap') await writeOfmapDram(file, ctx);
      else await writeReadDram(file, ctx, stream);
      await file.close();
    } catch (e) {
      await file.abort();
      throw e;
    }
    stats.push({ file: name, lines: file.lines, bytes: file.bytes });
  }
  return {
    lines: stats.reduce((s, f) => s + f.lines, 0),
    bytes: stats.reduce((s, f) => s + f.bytes, 0),
    files: stats,
  };
}

async function writeSram(file: TraceFile, ctx: DramContext, stream: SramStream): Promise<void> {
  const clock = new RowClock(ctx.timeline);
  const shift = sramStampOffset(ctx.spec, stream);
  for (const line of sramLines(ctx, stream)) {
    file.line(clock.cycle(line.fold, line.row) + shift, line.addr);
    if (file.full) await file.flush();
  }
}

/** A GEMM layer as the systolic target compiles it (the `gemm` kind of `SystolicJob`). */
export interface SystolicTraceJob {
  readonly name: string;
  readonly view: GemmView;
  readonly bytes: OperandBytes;
}

/** Directory name for a layer's traces: the layer name with path-unsafe characters replaced. */
export function traceDirName(layerName: string): string {
  const safe = layerName.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? `_${safe}` : safe;
}

/**
 * For `simulate --trace <dir>`: plan the layer, run E with a timeline and write its six traces into
 * `<rootDir>/<layer name>/`. Returns the file statistics, the directory and E's timing.
 */
export async function writeSystolicJobTraces(
  rootDir: string,
  job: SystolicTraceJob,
  spec: SystolicSpec,
  opts: TraceOptions = {},
): Promise<TraceStats & { readonly dir: string; readonly timing: Timing }> {
  const plan = buildPlan(job.view, spec, job.bytes);
  const timeline = newTimeline();
  const timing = runEventTiming(plan, spec, timeline);
  const dir = join(rootDir, traceDirName(job.name));
  const stats = await writeLayerTraces(dir, { view: job.view, plan, spec, timeline, bytes: job.bytes }, opts);
  return { ...stats, dir, timing };
}

/** For `simulate --trace <dir> --trace-format vcd|perfetto`: one file for the whole run, in `dir`. */
export async function writeRunTrace(
  dir: string,
  format: 'vcd' | 'perfetto',
  input: RunTraceInput,
  opts: RunTraceOptions = {},
): Promise<RunTraceStats> {
  return format === 'vcd' ? writeRunVcd(dir, input, opts) : writeRunPerfetto(dir, input, opts);
}
