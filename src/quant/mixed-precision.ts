/**
 * Mixed precision: per-layer sensitivity and a search for bits per layer under a size or energy
 * budget.
 *
 * Sensitivity of layer L at b bits: quantize L's weights (and, with `activationsFollowBits`, its
 * input activations) to b bits and leave every other tensor in float32; measure the graph outputs'
 * SQNR and noise power against the float32 run on the evaluation inputs. Quantized graphs are run by
 * the bit-accurate executor (numerics/execute.ts) unless another Evaluator is given.
 *
 * Search: a greedy path from all layers at the largest choice downward. At each step every layer
 * that can still go one choice lower is scored by the predicted noise increase (from the
 * sensitivity table, treating per-layer noise as additive) per unit of cost saved; the lowest score
 * is taken, the whole network is quantized with that assignment and measured (a real quantized
 * run), and the point is recorded. The Pareto front (cost vs SQNR, non-dominated, within budget) of
 * all measured points is returned with the best point under the budget.
 *
 * Costs: `model-bits` = Σ weight elements × bits over the searched layers; `energy` = Σ MACs ×
 * energyPerMacPj(bits) over the searched layers (the caller's per-MAC model, e.g. macEnergyModel
 * over cost/macCost). The searched layers are the conv2d / dense layers (matmul has no weights).
 */
import { macCost, type MacOptions } from '../cost/index.js';
import { parseFormat } from '../formats/index.js';
import { analyzeGraph } from '../graph/analyze.js';
import { elementCount, type Graph } from '../graph/ir.js';
import { InputError, showValue } from '../units/errors.js';
import { isWeighted } from './bias-correction.js';
import { calibrate, floatOutputs, type Calibration } from './calibrate.js';
import { DEFAULT_SEED, materializeParameters } from './materialize.js';
import { combinedError, type OutputError, type RefTest } from './metrics.js';
import { paretoFront } from './pareto.js';
import {
  newQuantCache,
  quantizeGraphCached,
  type LayerFormats,
  type QuantCache,
  type QuantizeOptions,
} from './quantize-graph.js';
import { executorEvaluator, type Evaluator, type InputSet } from './run.js';

export const DEFAULT_BITS: readonly number[] = [2, 4, 8];

/** intN for N ≥ 2, binary for 1. */
export function integerFormatForBits(bits: number): string {
  return bits === 1 ? 'binary' : `int${bits}`;
}

export interface SensitivityOptions extends Omit<
  QuantizeOptions,
  'weights' | 'activations' | 'calibration' | 'perLayer'
> {
  /** Format of b bits (default integerFormatForBits). */
  readonly formatForBits?: (bits: number) => string;
  /** Also quantize the layer's input activations to b bits. Default false (weights only). */
  readonly activationsFollowBits?: boolean;
  /** Measures quantized graphs (default the bit-accurate executor with its default arithmetic). */
  readonly evaluate?: Evaluator;
  /** Inputs the error is measured on (default the calibration inputs). */
  readonly evaluation?: readonly InputSet[];
  /** Layers to consider (default every conv2d / dense). */
  readonly layers?: readonly string[];
}

export interface LayerSensitivity {
  readonly layer: string;
  readonly bits: number;
  /** Output SQNR with only this layer quantized (dB). */
  readonly sqnrDb: number;
  /** Output mean squared error with only this layer quantized. */
  readonly noisePower: number;
}

interface Context {
  readonly graph: Graph;
  readonly calibration: Calibration;
  readonly inputs: readonly InputSet[];
  readonly reference: readonly ReadonlyMap<string, Float32Array>[];
  readonly evaluate: Evaluator;
  readonly cache: QuantCache;
  readonly layers: readonly string[];
}

function prepare(
  graph: Graph,
  calibration: readonly InputSet[] | Calibration,
  opts: SensitivityOptions,
): Context {
  const g = materializeParameters(graph, opts.seed ?? DEFAULT_SEED);
  const cal =
    'kind' in calibration
      ? calibration
      : calibrate(g, calibration, opts.maxSamples !== undefined ? { maxSamples: opts.maxSamples } : {});
  const inputs = opts.evaluation ?? cal.inputs;
  const reference = opts.evaluation === undefined ? cal.reference : inputs.map((i) => floatOutputs(g, i));
  const weighted = g.nodes.filter(isWeighted).map((n) => n.name);
  const layers = opts.layers ?? weighted;
  const unknown = layers.filter((l) => !weighted.includes(l));
  if (unknown.length > 0) {
    throw new InputError(
      unknown.map((l) => ({
        path: 'layers',
        value: showValue(l),
        expected: 'the name of a conv2d or dense layer',
      })),
    );
  }
  return {
    graph: g,
    calibration: cal,
    inputs,
    reference,
    evaluate: opts.evaluate ?? executorEvaluator(),
    cache: newQuantCache(),
    layers,
  };
}

/** Error of the graph outputs of `graph` against the reference, over the evaluation inputs. */
function measure(ctx: Context, graph: Graph): OutputError {
  const pairs: RefTest[] = [];
  ctx.inputs.forEach((input, i) => {
    const got = ctx.evaluate(graph, input);
    for (const [name, ref] of ctx.reference[i]!) {
      const test = got.get(name);
      if (test === undefined) throw new RangeError(`evaluator gave no value for output ${name}`);
      pairs.push({ ref, test });
    }
  });
  return combinedError(pairs);
}

function layerFormats(bits: number, opts: SensitivityOptions): LayerFormats {
  const format = (opts.formatForBits ?? integerFormatForBits)(bits);
  return opts.activationsFollowBits === true ? { weights: format, activations: format } : { weights: format };
}

function quantizeWith(
  ctx: Context,
  opts: SensitivityOptions,
  base: { readonly weights: string; readonly activations: string },
  perLayer: ReadonlyMap<string, LayerFormats>,
): Graph {
  return quantizeGraphCached(
    ctx.graph,
    { ...opts, ...base, calibration: ctx.calibration, perLayer },
    ctx.cache,
  );
}

function sensitivityIn(
  ctx: Context,
  bitsChoices: readonly number[],
  opts: SensitivityOptions,
): LayerSensitivity[] {
  const out: LayerSensitivity[] = [];
  for (const layer of ctx.layers) {
    for (const bits of bitsChoices) {
      const perLayer = new Map([[layer, layerFormats(bits, opts)]]);
      const q = quantizeWith(ctx, opts, { weights: 'fp32', activations: 'fp32' }, perLayer);
      const s = measure(ctx, q);
      out.push({ layer, bits, sqnrDb: s.sqnrDb, noisePower: s.noisePower });
    }
  }
  return out;
}

/**
 * Output SQNR and noise when each layer alone is quantized to each number of bits (others fp32),
 * in layer order then bits order.
 */
export function layerSensitivity(
  graph: Graph,
  calibration: readonly InputSet[] | Calibration,
  bitsChoices: readonly number[] = DEFAULT_BITS,
  opts: SensitivityOptions = {},
): LayerSensitivity[] {
  checkBits(bitsChoices);
  return sensitivityIn(prepare(graph, calibration, opts), bitsChoices, opts);
}

/** Layers ordered most sensitive first at `bits` (lowest SQNR; ties in layer order). */
export function rankBySensitivity(table: readonly LayerSensitivity[], bits: number): string[] {
  return table
    .filter((s) => s.bits === bits)
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.sqnrDb - b.s.sqnrDb || a.i - b.i)
    .map((e) => e.s.layer);
}

// ---- search ------------------------------------------------------------------------------------

export type Budget =
  | { readonly kind: 'model-bits'; readonly max: number }
  | { readonly kind: 'energy'; readonly energyPerMacPj: (bits: number) => number; readonly max: number };

export interface MixedPrecisionOptions extends SensitivityOptions {
  readonly budget: Budget;
  /** Bits each layer may take (default 2, 4, 8). */
  readonly bitsChoices?: readonly number[];
  /** Activations of every layer (default int8; with activationsFollowBits, the layer's bits win). */
  readonly activations?: string;
  /** A sensitivity table computed before (same graph, calibration and options). */
  readonly sensitivity?: readonly LayerSensitivity[];
}

export interface LayerBits {
  readonly layer: string;
  readonly bits: number;
}

export interface Assignment {
  /** Bits per searched layer, in layer order. */
  readonly bits: readonly LayerBits[];
  /** Σ weight elements × bits over the searched layers. */
  readonly modelBits: number;
  /** Σ MACs × energyPerMacPj(bits) over the searched layers; null without an energy budget. */
  readonly energyPj: number | null;
  /** The budgeted quantity (modelBits or energyPj). */
  readonly cost: number;
  /** Output SQNR of the whole quantized network (dB). */
  readonly sqnrDb: number;
  readonly withinBudget: boolean;
}

export interface MixedPrecisionResult {
  /** Non-dominated points within the budget, cost ascending (SQNR strictly ascending too). */
  readonly front: readonly Assignment[];
  /** Highest SQNR within the budget (the last point of the front); undefined if none fits. */
  readonly best: Assignment | undefined;
  /** Every measured point, in search order (the first is all layers at the largest choice). */
  readonly path: readonly Assignment[];
  readonly sensitivity: readonly LayerSensitivity[];
}

interface LayerCost {
  readonly params: number;
  readonly macs: number;
}

function layerCosts(graph: Graph, layers: readonly string[]): Map<string, LayerCost> {
  const analysis = analyzeGraph(graph);
  const out = new Map<string, LayerCost>();
  for (const l of analysis.layers) {
    if (!layers.includes(l.name)) continue;
    const node = graph.nodes.find((n) => n.name === l.name)!;
    const w = analysis.shapes.get(node.inputs[1]!)!;
    out.set(l.name, { params: elementCount(w), macs: l.macs });
  }
  return out;
}

function costOf(bits: ReadonlyMap<string, number>, costs: ReadonlyMap<string, LayerCost>, budget: Budget) {
  let modelBits = 0;
  let energy = 0;
  for (const [layer, b] of bits) {
    const c = costs.get(layer)!;
    modelBits += c.params * b;
    if (budget.kind === 'energy') energy += c.macs * budget.energyPerMacPj(b);
  }
  return budget.kind === 'energy'
    ? { modelBits, energyPj: energy, cost: energy }
    : { modelBits, energyPj: null, cost: modelBits };
}

function checkBits(choices: readonly number[]): number[] {
  const sorted = [...new Set(choices)].sort((a, b) => b - a);
  if (sorted.length === 0 || !sorted.every((b) => Number.isInteger(b) && b >= 1 && b <= 32)) {
    throw new InputError([
      { path: 'bitsChoices', value: showValue(choices), expected: 'a non-empty list of integers in 1..32' },
    ]);
  }
  return sorted;
}

/** Greedy step: the layer whose next lower choice adds the least predicted noise per cost saved. */
function nextStep(
  bits: ReadonlyMap<string, number>,
  choices: readonly number[],
  noise: ReadonlyMap<string, number>,
  costs: ReadonlyMap<string, LayerCost>,
  budget: Budget,
): { layer: string; bits: number } | undefined {
  let best: { layer: string; bits: number; score: number } | undefined;
  for (const [layer, b] of bits) {
    const lower = choices[choices.indexOf(b) + 1];
    if (lower === undefined) continue;
    const now = costOf(new Map([[layer, b]]), costs, budget).cost;
    const then = costOf(new Map([[layer, lower]]), costs, budget).cost;
    const saved = now - then;
    const added = Math.max(0, (noise.get(`${layer}|${lower}`) ?? 0) - (noise.get(`${layer}|${b}`) ?? 0));
    const score = saved > 0 ? added / saved : Infinity;
    if (best === undefined || score < best.score) best = { layer, bits: lower, score };
  }
  return best === undefined ? undefined : { layer: best.layer, bits: best.bits };
}

/** Bits per layer maximising output SQNR under a budget, with the Pareto front of the search path. */
export function mixedPrecisionSearch(
  graph: Graph,
  calibration: readonly InputSet[] | Calibration,
  opts: MixedPrecisionOptions,
): MixedPrecisionResult {
  const ctx = prepare(graph, calibration, opts);
  const choices = checkBits(opts.bitsChoices ?? DEFAULT_BITS);
  const sensitivity = opts.sensitivity ?? sensitivityIn(ctx, choices, opts);
  const noise = new Map(sensitivity.map((s) => [`${s.layer}|${s.bits}`, s.noisePower]));
  const costs = layerCosts(ctx.graph, ctx.layers);
  const activations = opts.activations ?? 'int8';
  const formatOf = opts.formatForBits ?? integerFormatForBits;
  const evaluate = (bits: ReadonlyMap<string, number>): Assignment => {
    const perLayer = new Map([...bits].map(([l, b]) => [l, layerFormats(b, opts)]));
    const q = quantizeWith(ctx, opts, { weights: formatOf(choices[0]!), activations }, perLayer);
    const c = costOf(bits, costs, opts.budget);
    return {
      bits: ctx.layers.map((layer) => ({ layer, bits: bits.get(layer)! })),
      ...c,
      sqnrDb: measure(ctx, q).sqnrDb,
      withinBudget: c.cost <= opts.budget.max,
    };
  };
  const bits = new Map(ctx.layers.map((l) => [l, choices[0]!]));
  const path = [evaluate(bits)];
  for (;;) {
    const step = nextStep(bits, choices, noise, costs, opts.budget);
    if (step === undefined) break;
    bits.set(step.layer, step.bits);
    path.push(evaluate(bits));
  }
  const front = paretoFront(path.filter((p) => p.withinBudget));
  return { front, best: front[front.length - 1], path, sensitivity };
}

/**
 * A per-MAC energy function over bitcycle's cost model: weights integerFormatForBits(bits) (or
 * `formatForBits`), the given activation and accumulator formats, at the operating point.
 */
export function macEnergyModel(
  activations: string,
  accumulator: string,
  op: MacOptions,
  formatForBits: (bits: number) => string = integerFormatForBits,
): (bits: number) => number {
  const a = parseFormat(activations);
  const acc = parseFormat(accumulator);
  const memo = new Map<number, number>();
  return (bits) => {
    let e = memo.get(bits);
    if (e === undefined) {
      e = macCost(parseFormat(formatForBits(bits)), a, acc, op).energyPj;
      memo.set(bits, e);
    }
    return e;
  };
}
