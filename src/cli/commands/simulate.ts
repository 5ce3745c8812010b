import { join } from 'node:path';
import { prepareRun, type PreparedRun } from '../../sim/prepare.js';
import type { FormatFlags } from '../../config/format-flags.js';
import { targetReports } from '../../report/target-reports.js';
import type { SystolicJob } from '../../targets/systolic/index.js';
import type { SystolicSpec } from '../../targets/systolic/spec.js';
import type { TraceTask } from '../../report/traces/worker.js';
import { defaultWorkers } from '../../sim/pool.js';
import { runTraceTasks } from '../../report/traces/pool.js';
import { writeRunTrace } from '../../report/traces/index.js';
import { runTraceInput, TRACE_FORMATS, type TraceFormat } from '../../report/traces/run.js';
import type { SimResult } from '../../sim/result.js';
import { runPrepared } from '../../sim/run.js';
import { layersCsv, renderRun, summaryJson } from '../../report/run-report.js';
import { runReportHtml } from '../../report/run-html.js';
import { writeDirAtomic } from '../../report/write-dir.js';
import { packageRoot } from '../../units/paths.js';
import { EXIT_OK, UsageError, type CliIo } from '../io.js';
import { parseParamFlags, positiveIntFlag } from './common.js';

export interface SimulateArgs extends FormatFlags {
  readonly hw?: string | undefined;
  readonly scalesimCfg?: string | undefined;
  readonly workload?: string | undefined;
  readonly topology?: string | undefined;
  readonly params: readonly string[];
  readonly batch?: number | undefined;
  readonly out?: string | undefined;
  readonly noOut?: boolean | undefined;
  readonly workers?: number | undefined;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly allLayers?: boolean | undefined;
  /** Folder for traces (`traceFormat`; csv: SCALE-Sim layout address traces, one sub-folder per layer). */
  readonly trace?: string | undefined;
  /** csv (default): SCALE-Sim address traces per layer; vcd or perfetto: one file for the whole run. */
  readonly traceFormat?: string | undefined;
  /** event / reference: the simulation engine; gpu / dla: the device unit (a preset field). */
  readonly engine?: 'event' | 'reference' | 'gpu' | 'dla' | undefined;
  /** `--op-point <name>`: the preset's operating point to use. */
  readonly opPoint?: string | undefined;
  /** `--rbe on|off`. */
  readonly rbe?: 'on' | 'off' | undefined;
}

export const DEFAULT_OUT = (): string => join(packageRoot(), 'reports', 'latest');

/** Run a simulation: returns the prepared run and its result (written and printed by the command). */
export async function simulate(
  args: SimulateArgs,
  io?: CliIo,
): Promise<{ run: PreparedRun; result: SimResult }> {
  if (args.hw !== undefined && args.scalesimCfg !== undefined) {
    throw new UsageError('give either --hw or --scalesim-cfg, not both');
  }
  const hw = args.hw ?? args.scalesimCfg;
  if (hw === undefined)
    throw new UsageError('name the hardware: --hw <preset.yaml> or --scalesim-cfg <file.cfg>');
  if (args.workload !== undefined && args.topology !== undefined) {
    throw new UsageError('give either --workload or --topology, not both');
  }
  const workload = args.workload ?? args.topology;
  if (workload === undefined)
    throw new UsageError('name the workload: --workload <zoo id|file> or --topology <csv>');
  const workers =
    args.workers === undefined ? defaultWorkers() : (positiveIntFlag('--workers', args.workers) ?? 1);
  const run = prepareRun({
    hw,
    workload,
    params: parseParamFlags(args.params),
    batch: positiveIntFlag('--batch', args.batch),
    formats: { format: args.format, weights: args.weights, acts: args.acts, accumulator: args.accumulator },
    engine: args.engine === 'reference' ? 'reference' : 'event',
    presetFlags: {
      ...(args.engine === 'gpu' || args.engine === 'dla' ? { 'device-engine': args.engine } : {}),
      ...(args.opPoint !== undefined ? { 'op-point': args.opPoint } : {}),
      ...(args.rbe !== undefined ? { rbe: args.rbe === 'on' } : {}),
    },
  });
  if (args.verbose && io !== undefined) {
    io.err(
      `bitcycle: ${run.graph.nodes.length} layers of ${run.graph.name} on ${run.preset} (${run.target.id}), ${workers} worker(s)`,
    );
  }
  return { run, result: await runPrepared(run, { hw, workers }) };
}

function workersOf(args: SimulateArgs): number {
  return args.workers === undefined ? defaultWorkers() : (positiveIntFlag('--workers', args.workers) ?? 1);
}

export async function simulateCommand(args: SimulateArgs, io: CliIo): Promise<number> {
  const traceFormat = traceFormatOf(args);
  const { run, result } = await simulate(args, io);
  if (args.noOut !== true) {
    const dir = args.out ?? DEFAULT_OUT();
    const files = new Map<string, string>([
      ['summary.json', summaryJson(result)],
      ['layers.csv', layersCsv(result)],
      ['report.html', runReportHtml(result)],
      ...targetReports(run),
    ]);
    writeDirAtomic(dir, files);
    if (args.verbose) io.err(`bitcycle: wrote ${[...files.keys()].join(', ')} to ${dir}`);
  }
  if (args.trace !== undefined) {
    const t = await writeTraces(run, result, args.trace, traceFormat, workersOf(args));
    if (args.verbose)
      io.err(
        `bitcycle: wrote ${t.lines} trace lines (${t.bytes} bytes) for ${t.layers} layers to ${args.trace}`,
      );
  }
  io.out(args.json ? summaryJson(result) : renderRun(result, { allLayers: args.allLayers === true }));
  return EXIT_OK;
}

/**
 * Traces streamed to disk: csv, per-cycle address traces of every array layer, layers in parallel on
 * the worker pool; vcd / perfetto, one file for the whole run.
 */
async function writeTraces(
  run: PreparedRun,
  result: SimResult,
  dir: string,
  format: TraceFormat,
  workers: number,
): Promise<{ lines: number; bytes: number; layers: number }> {
  if (run.target.id !== 'systolic') {
    throw new UsageError(`--trace is available for the systolic target (this run uses ${run.target.id})`);
  }
  if (format !== 'csv') {
    // one file for the whole run, layers end to end (written in layer order on this thread)
    const s = await writeRunTrace(dir, format, runTraceInput(run, result));
    return { lines: s.lines, bytes: s.bytes, layers: s.layers };
  }
  const tasks: TraceTask[] = [];
  for (const job of run.jobs as SystolicJob[]) {
    if (job.kind === 'gemm') tasks.push({ dir, job, spec: run.spec as SystolicSpec });
  }
  const done = await runTraceTasks(tasks, workers);
  return {
    lines: done.reduce((s, d) => s + d.lines, 0),
    bytes: done.reduce((s, d) => s + d.bytes, 0),
    layers: tasks.length,
  };
}

/** `--trace-format`: csv (default), vcd or perfetto, and only with `--trace`. */
function traceFormatOf(args: SimulateArgs): TraceFormat {
  const f = args.traceFormat;
  if (f === undefined) return 'csv';
  if (args.trace === undefined) throw new UsageError('--trace-format needs --trace <dir>');
  const format = TRACE_FORMATS.find((x) => x === f);
  if (format === undefined) {
    throw new UsageError(`--trace-format must be one of ${TRACE_FORMATS.join(', ')} (got '${f}')`);
  }
  return format;
}
