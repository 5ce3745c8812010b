/**
 * The piscina worker of a sweep: one task = one design point on one workload. Plain data in, plain
 * data out; a point the hardware or the workload refuses comes back as `failed` with its reason, so
 * the sweep goes on. Graphs and numerical errors are cached per worker thread (many points share a
 * workload, and the numerical error depends only on the workload and the formats).
 */
import type { FormatAssignment } from '../config/format-flags.js';
import type { Graph } from '../graph/ir.js';
import { loadGraph } from '../graph/load.js';
import type { NumericalError } from '../numerics/types.js';
import { formatErrors } from '../quant/format-error.js';
import { numericsSamples } from '../quant/inputs.js';
import { prepareRun } from '../sim/prepare.js';
import { runPrepared } from '../sim/run.js';
import { formatIssue, InputError } from '../units/errors.js';
import { pointMetrics, type PointMetrics } from './metrics.js';
import type { NumericsSettings, SweepWorkload } from './spec.js';

export interface PointTask {
  /** Names the hardware in messages (the spec's `hw` as written). */
  readonly hwLabel: string;
  readonly hwDocument: Readonly<Record<string, unknown>>;
  readonly format?: string;
  readonly workload: SweepWorkload;
  readonly numerics?: NumericsSettings;
}

export type PointOutcome =
  | { readonly status: 'ok'; readonly formats: FormatAssignment; readonly metrics: PointMetrics }
  | { readonly status: 'failed'; readonly reason: string };

const graphs = new Map<string, Graph>();
const errors = new Map<string, NumericalError>();

function workloadKey(w: SweepWorkload, batch?: number): string {
  return JSON.stringify([w.workload, w.params, batch ?? w.batch ?? null]);
}

function graphOf(w: SweepWorkload, batch?: number): Graph {
  const key = workloadKey(w, batch);
  let g = graphs.get(key);
  if (g === undefined) {
    const b = batch ?? w.batch;
    g = loadGraph(w.workload, w.params, b !== undefined ? { batch: b } : {}).graph;
    graphs.set(key, g);
  }
  return g;
}

async function numericalError(
  w: SweepWorkload,
  formats: FormatAssignment,
  n: NumericsSettings,
): Promise<NumericalError> {
  const key = JSON.stringify([workloadKey(w, 1), formats]);
  const cached = errors.get(key);
  if (cached !== undefined) return cached;
  const graph = graphOf(w, 1);
  const { calibration: calib, evaluation } = numericsSamples(graph, n);
  const [e] = await formatErrors({
    graph,
    formats: [formats],
    calibration: calib.sets,
    evaluation: evaluation.sets,
    ...(evaluation.labels !== undefined ? { labels: evaluation.labels } : {}),
    data: evaluation.description,
    method: n.method,
  });
  errors.set(key, e!);
  return e!;
}

export async function evaluatePoint(task: PointTask): Promise<PointOutcome> {
  try {
    const run = prepareRun({
      hw: task.hwLabel,
      hwDocument: task.hwDocument,
      workload: task.workload.workload,
      graph: graphOf(task.workload),
      params: task.workload.params,
      batch: task.workload.batch,
      formats: task.format !== undefined ? { format: task.format } : {},
      engine: 'event',
    });
    const result = await runPrepared(run, { hw: task.hwLabel, workers: 0 });
    const numerical =
      task.numerics === undefined
        ? undefined
        : await numericalError(task.workload, run.formats, task.numerics);
    return { status: 'ok', formats: run.formats, metrics: pointMetrics(result, numerical) };
  } catch (e) {
    if (e instanceof InputError) return { status: 'failed', reason: e.issues.map(formatIssue).join('; ') };
    return { status: 'failed', reason: `internal error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export default evaluatePoint;
