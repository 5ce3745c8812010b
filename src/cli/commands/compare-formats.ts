import { join } from 'node:path';
import { loadGraph } from '../../graph/load.js';
import { compareFormats, parseNode, splitFormatList, type FormatComparison } from '../../sim/compare.js';
import { formatErrors } from '../../quant/format-error.js';
import { numericsSamples } from '../../quant/inputs.js';
import { defaultWorkers } from '../../sim/pool.js';
import { compareCsv, compareHtml, compareJson, renderCompare } from '../../report/compare.js';
import { writeDirAtomic } from '../../report/write-dir.js';
import { packageRoot } from '../../units/paths.js';
import { EXIT_OK, type CliIo } from '../io.js';
import { parseParamFlags, positiveIntFlag, rangeMethodFlag } from './common.js';

export const DEFAULT_COMPARE_FORMATS =
  'int8,int4,fp8-e4m3,fp8-e5m2,shortfloat8,posit<8,0>,bf16,fixed<4,4>,binary';

export interface CompareArgs {
  readonly hw: string;
  readonly workload: string;
  readonly formats: string;
  readonly node?: string | undefined;
  readonly params: readonly string[];
  readonly batch?: number | undefined;
  readonly workers?: number | undefined;
  readonly out?: string | undefined;
  readonly json: boolean;
  /** Compute the numerical-error column (default true). */
  readonly numerics?: boolean | undefined;
  /** Evaluation data (dataset manifest or .pb); default seeded N(0,1) inputs. */
  readonly data?: string | undefined;
  /** Calibration data; default seeded N(0,1) inputs. */
  readonly calib?: string | undefined;
  /** Evaluation samples (default: all of --data, or 1 seeded input). */
  readonly evalCount?: number | undefined;
  readonly method?: string | undefined;
}

/** The numerical-error column: every format quantized, executed bit-accurately, compared to fp32. */
async function numericsColumn(
  args: CompareArgs,
  rows: readonly FormatComparison[],
): Promise<FormatComparison[]> {
  const params = parseParamFlags(args.params);
  const graph = loadGraph(args.workload, params, { batch: 1 }).graph;
  const evalCount = positiveIntFlag('--eval-count', args.evalCount);
  const method = rangeMethodFlag(args.method);
  const { calibration: calib, evaluation } = numericsSamples(graph, {
    data: args.data,
    calib: args.calib,
    evalCount,
  });
  const errors = await formatErrors({
    graph,
    formats: rows.map((r) => ({
      weights: r.weights,
      activations: r.activations,
      accumulator: r.accumulator,
    })),
    calibration: calib.sets,
    evaluation: evaluation.sets,
    ...(evaluation.labels !== undefined ? { labels: evaluation.labels } : {}),
    data: evaluation.description,
    ...(method !== undefined ? { method } : {}),
  });
  return rows.map((r, i) => ({ ...r, numericalError: errors[i] ?? null }));
}

export async function compareFormatsCommand(args: CompareArgs, io: CliIo): Promise<number> {
  const formats = splitFormatList(args.formats);
  const costRows = await compareFormats({
    hw: args.hw,
    workload: args.workload,
    formats,
    params: parseParamFlags(args.params),
    batch: positiveIntFlag('--batch', args.batch),
    nodeNm: args.node === undefined ? undefined : parseNode(args.node),
    workers:
      args.workers === undefined ? defaultWorkers() : (positiveIntFlag('--workers', args.workers) ?? 1),
  });
  const rows = args.numerics === false ? costRows : await numericsColumn(args, costRows);
  const title = `compare-formats: ${args.workload} on ${args.hw}${args.node !== undefined ? ` at ${args.node}` : ''}`;
  const dir = args.out ?? join(packageRoot(), 'reports', 'compare-formats');
  writeDirAtomic(
    dir,
    new Map([
      ['compare.json', compareJson(rows)],
      ['compare.csv', compareCsv(rows)],
      ['compare.html', compareHtml(rows, title)],
    ]),
  );
  io.out(
    args.json
      ? compareJson(rows)
      : `${renderCompare(rows, title)}\n\nwrote compare.json, compare.csv, compare.html to ${dir}`,
  );
  return EXIT_OK;
}
