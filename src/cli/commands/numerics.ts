/**
 * `bitcycle quantize` and `bitcycle evaluate`: post-training quantization of a model and the
 * numerical error of a (quantized) model, layer by layer, against float32.
 */
import { join } from 'node:path';
import { resolveFormatFlags, type FormatFlags } from '../../config/format-flags.js';
import { exportOnnxQdq } from '../../graph/export/onnx-qdq.js';
import { loadDataset } from '../../graph/import/dataset.js';
import type { Graph } from '../../graph/ir.js';
import { loadGraph } from '../../graph/load.js';
import { graphToJson } from '../../graph/serialize.js';
import type { OverflowMode } from '../../formats/types.js';
import type { ExecOptions } from '../../numerics/types.js';
import { calibrate } from '../../quant/calibrate.js';
import { evaluateNumerics, isQuantized, logitsGraph, type EvaluateReport } from '../../quant/evaluate.js';
import { datasetSets, seededSets, type Samples } from '../../quant/inputs.js';
import { DEFAULT_SEED, materializeParameters } from '../../quant/materialize.js';
import {
  integerFormatForBits,
  macEnergyModel,
  mixedPrecisionSearch,
  type Assignment,
  type Budget,
} from '../../quant/mixed-precision.js';
import type { QuantizeOptions } from '../../quant/quantize-graph.js';
import { canonicalJson } from '../../report/json.js';
import { renderTable } from '../../report/table.js';
import { writeDirAtomic } from '../../report/write-dir.js';
import { parseNode } from '../../sim/compare.js';
import { InputError } from '../../units/errors.js';
import { packageRoot } from '../../units/paths.js';
import { EXIT_OK, type CliIo } from '../io.js';
import {
  CALIBRATION_SAMPLES,
  choiceFlag,
  parseParamFlags,
  positiveIntFlag,
  rangeMethodFlag,
} from './common.js';

export interface NumericsArgs extends FormatFlags {
  readonly workload: string;
  readonly params: readonly string[];
  readonly data?: string | undefined;
  readonly calib?: string | undefined;
  readonly evalCount?: number | undefined;
  readonly calibCount?: number | undefined;
  readonly method?: string | undefined;
  readonly granularity?: string | undefined;
  readonly biasCorrection?: boolean | undefined;
  readonly overflow?: string | undefined;
  readonly requant?: string | undefined;
  readonly partialSumRows?: number | undefined;
  readonly reference?: string | undefined;
  readonly seed?: number | undefined;
  readonly json: boolean;
}

export interface QuantizeArgs extends NumericsArgs {
  readonly out?: string | undefined;
  readonly mixedPrecision?: boolean | undefined;
  readonly budget?: string | undefined;
  readonly bits?: string | undefined;
  /** Technology node of an energy budget (e.g. 22nm). */
  readonly node?: string | undefined;
}

interface Prepared {
  readonly graph: Graph;
  readonly calib: Samples;
  readonly evaluation: Samples;
  readonly exec: ExecOptions;
  readonly seed: number;
  readonly reference: 'tfjs' | 'kernels';
}

function hasFormatFlags(a: FormatFlags): boolean {
  return (
    a.format !== undefined || a.weights !== undefined || a.acts !== undefined || a.accumulator !== undefined
  );
}

function prepare(args: NumericsArgs): Prepared {
  const seed = args.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0)
    throw new InputError([{ path: '--seed', value: String(seed), expected: 'a non-negative integer' }]);
  const graph = loadGraph(args.workload, parseParamFlags(args.params), { batch: 1 }).graph;
  const evalCount = positiveIntFlag('--eval-count', args.evalCount);
  const calibCount = positiveIntFlag('--calib-count', args.calibCount);
  const calib =
    args.calib !== undefined
      ? datasetSets(graph, loadDataset(args.calib), calibCount ?? CALIBRATION_SAMPLES)
      : seededSets(graph, calibCount ?? 2, seed);
  const evaluation =
    args.data !== undefined
      ? datasetSets(graph, loadDataset(args.data), evalCount)
      : seededSets(graph, evalCount ?? 1, seed + 1);
  const overflow = choiceFlag<OverflowMode>('--overflow', args.overflow, ['wrap', 'saturate']);
  const requant = choiceFlag('--requant', args.requant, ['float', 'fixed-point'] as const);
  const rows =
    args.partialSumRows === undefined
      ? undefined
      : positiveIntFlag('--partial-sum-rows', args.partialSumRows);
  const exec: ExecOptions = {
    ...(args.accumulator !== undefined ? { accumulator: resolveFormatFlags(args, INT8).accumulator } : {}),
    ...(overflow !== undefined ? { overflow } : {}),
    ...(requant !== undefined ? { requant: { mode: requant } } : {}),
    ...(rows !== undefined ? { partialSumRows: rows } : {}),
  };
  const reference = choiceFlag('--reference', args.reference, ['tfjs', 'kernels'] as const) ?? 'tfjs';
  return { graph, calib, evaluation, exec, seed, reference };
}

const INT8 = { weights: 'int8', activations: 'int8', accumulator: 'int32' };

function quantizeOptions(args: NumericsArgs): Omit<QuantizeOptions, 'calibration'> {
  const f = resolveFormatFlags(args, INT8);
  const method = rangeMethodFlag(args.method);
  const granularity = choiceFlag('--granularity', args.granularity, ['per-channel', 'per-tensor'] as const);
  return {
    weights: f.weights,
    activations: f.activations,
    accumulator: f.accumulator,
    ...(method !== undefined ? { method } : {}),
    ...(granularity !== undefined ? { granularity } : {}),
    ...(args.biasCorrection === true ? { biasCorrection: true } : {}),
  };
}

function db(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : String(x);
}

function pct(x: number | null): string {
  return x === null ? '' : `${(100 * x).toFixed(1)}%`;
}

function reportJson(r: EvaluateReport, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    ...extra,
    samples: r.samples,
    reference: r.reference,
    output: r.output,
    classifier: r.classifier,
    layers: r.layers,
  };
}

function renderReport(title: string, r: EvaluateReport, data: string): string {
  const table = renderTable(
    [
      { header: 'layer' },
      { header: 'op' },
      { header: 'SQNR dB' },
      { header: 'max |err|' },
      { header: 'mean |err|' },
    ],
    r.layers.map((l) => [
      l.node,
      l.op,
      db(l.sqnrDb),
      l.maxAbsError.toPrecision(4),
      l.meanAbsError.toPrecision(4),
    ]),
  );
  const c = r.classifier;
  const cls =
    c === null
      ? ''
      : `\ntop-1 agreement with fp32 ${pct(c.top1Agreement)}, top-5 ${pct(c.top5Agreement)}` +
        (c.top1Accuracy !== null
          ? `; top-1 accuracy ${pct(c.top1Accuracy)} (fp32 ${pct(c.fp32Top1Accuracy)})`
          : '');
  return (
    `${title}\n\n${table}\n\n` +
    `output SQNR ${db(r.output.sqnrDb)} dB, max |err| ${r.output.maxAbsError.toPrecision(4)} over ${r.samples} samples of ${data}; fp32 reference: ${r.reference}${cls}`
  );
}

/** `bitcycle evaluate`: the numerical error of a model (quantized here unless it already is). */
export async function evaluateCommand(args: NumericsArgs, io: CliIo): Promise<number> {
  const p = prepare(args);
  const asIs = isQuantized(p.graph) && !hasFormatFlags(args);
  const quantize = asIs ? undefined : quantizeOptions(args);
  const r = await evaluateNumerics({
    graph: p.graph,
    ...(quantize !== undefined ? { quantize } : {}),
    calibration: p.calib.sets,
    evaluation: p.evaluation.sets,
    ...(p.evaluation.labels !== undefined ? { labels: p.evaluation.labels } : {}),
    exec: { ...(quantize !== undefined ? { accumulator: quantize.accumulator } : {}), ...p.exec },
    reference: p.reference,
    seed: p.seed,
  });
  const what =
    quantize === undefined ? 'its own quantization' : `${quantize.weights} / ${quantize.activations}`;
  io.out(
    args.json
      ? canonicalJson(
          reportJson(r, {
            workload: args.workload,
            quantization: quantize ?? 'as imported',
            data: p.evaluation.description,
          }),
        )
      : renderReport(`evaluate: ${args.workload} with ${what}`, r, p.evaluation.description),
  );
  return EXIT_OK;
}

function parseBudget(text: string | undefined): { kind: 'model-bits' | 'energy'; max: number } {
  const m = text === undefined ? null : /^(model-bits|energy):([0-9.eE+]+)$/.exec(text.trim());
  const max = m === null ? NaN : Number(m[2]);
  if (m === null || !Number.isFinite(max) || max <= 0)
    throw new InputError([
      {
        path: '--budget',
        value: JSON.stringify(text ?? '(missing)'),
        expected:
          'model-bits:<bits> or energy:<pJ per inference of the searched layers>, e.g. model-bits:100000',
      },
    ]);
  return { kind: m[1] as 'model-bits' | 'energy', max };
}

/** The node an energy budget is priced at: required, since MAC energy depends on it. */
function energyNode(text: string | undefined): number {
  if (text === undefined)
    throw new InputError([
      {
        path: '--node',
        value: '(missing)',
        expected: 'a technology node such as 22nm, to price an energy budget',
      },
    ]);
  return parseNode(text);
}

function parseBits(text: string | undefined): number[] {
  const list = (text ?? '2,4,8').split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || !list.every((b) => Number.isInteger(b) && b >= 1 && b <= 16))
    throw new InputError([
      { path: '--bits', value: JSON.stringify(text), expected: 'a comma list of integers 1..16, e.g. 2,4,8' },
    ]);
  return list;
}

function paretoCsv(front: readonly Assignment[]): string {
  const layers = front[0]?.bits.map((b) => b.layer) ?? [];
  const head = ['modelBits', 'energyPj', 'sqnrDb', ...layers.map((l) => `bits.${l}`)].join(',');
  const rows = front.map((a) =>
    [a.modelBits, a.energyPj ?? '', a.sqnrDb, ...a.bits.map((b) => b.bits)].map(String).join(','),
  );
  return `${[head, ...rows].join('\n')}\n`;
}

/** `bitcycle quantize`: quantize a float model, report its error, write it as ONNX QDQ and JSON. */
export async function quantizeCommand(args: QuantizeArgs, io: CliIo): Promise<number> {
  const p = prepare(args);
  let opts = quantizeOptions(args);
  const files = new Map<string, string | Uint8Array>();
  let chosen: Assignment | undefined;
  if (args.mixedPrecision === true) {
    const budgetFlag = parseBudget(args.budget);
    const bits = parseBits(args.bits);
    // scored on the logits, as the report below (a final softmax would saturate the measure)
    const graph = logitsGraph(materializeParameters(p.graph, p.seed));
    const calibration = calibrate(graph, p.calib.sets);
    const budget: Budget =
      budgetFlag.kind === 'model-bits'
        ? { kind: 'model-bits', max: budgetFlag.max }
        : {
            kind: 'energy',
            max: budgetFlag.max,
            energyPerMacPj: macEnergyModel(opts.activations, opts.accumulator ?? 'int32', {
              nodeNm: energyNode(args.node),
            }),
          };
    const result = mixedPrecisionSearch(graph, calibration, {
      budget,
      bitsChoices: bits,
      activations: opts.activations,
      evaluation: p.evaluation.sets,
      seed: p.seed,
    });
    chosen = result.best;
    if (chosen === undefined)
      throw new InputError([
        {
          path: '--budget',
          value: args.budget ?? '',
          expected: `a budget some assignment of ${bits.join('/')} bits meets`,
        },
      ]);
    opts = {
      ...opts,
      perLayer: new Map(chosen.bits.map((b) => [b.layer, { weights: integerFormatForBits(b.bits) }])),
    };
    files.set('pareto.csv', paretoCsv(result.front));
    files.set(
      'pareto.json',
      canonicalJson({
        budget: budgetFlag,
        front: result.front,
        path: result.path,
        sensitivity: result.sensitivity,
      }),
    );
  }
  const r = await evaluateNumerics({
    graph: p.graph,
    quantize: opts,
    calibration: p.calib.sets,
    evaluation: p.evaluation.sets,
    ...(p.evaluation.labels !== undefined ? { labels: p.evaluation.labels } : {}),
    exec: { ...(opts.accumulator !== undefined ? { accumulator: opts.accumulator } : {}), ...p.exec },
    reference: p.reference,
    seed: p.seed,
  });
  const notes: string[] = [];
  files.set('model.bitcycle.json', graphToJson(r.quantized));
  try {
    files.set('model.qdq.onnx', exportOnnxQdq(r.quantized));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    notes.push(`no ONNX QDQ export: ${e.issues.map((i) => `${i.path}: ${i.expected}`).join('; ')}`);
  }
  const summary = reportJson(r, {
    workload: args.workload,
    quantization: { ...opts, perLayer: chosen?.bits ?? null },
    calibration: p.calib.description,
    data: p.evaluation.description,
    notes,
  });
  files.set('quantize.json', canonicalJson(summary));
  const dir = args.out ?? join(packageRoot(), 'reports', 'quantize');
  writeDirAtomic(dir, files);
  const text = renderReport(
    `quantize: ${args.workload} to ${opts.weights} weights / ${opts.activations} activations`,
    r,
    p.evaluation.description,
  );
  const mixed =
    chosen === undefined
      ? ''
      : `\nmixed precision: ${chosen.bits.map((b) => `${b.layer}=${b.bits}`).join(' ')} (${chosen.modelBits} weight bits, SQNR ${db(chosen.sqnrDb)} dB); Pareto front in pareto.csv`;
  io.out(
    args.json
      ? canonicalJson(summary)
      : `${text}${mixed}${notes.map((n) => `\nnote: ${n}`).join('')}\n\nwrote ${[...files.keys()].join(', ')} to ${dir}`,
  );
  return EXIT_OK;
}
