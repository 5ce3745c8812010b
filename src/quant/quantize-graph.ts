/**
 * Post-training quantization of a float graph: a new Graph whose MAC layers carry QuantSpecs.
 *
 * - Weights (conv2d, dense) get a QuantSpec, exact `stored` values and `data` = their
 *   dequantization. Symmetric for signed formats (narrow range by default), asymmetric for unsigned;
 *   per tensor or per output channel (conv axis 0, dense axis 1); binary → XNOR-Net, ternary → TWN.
 * - Activations: the inputs of every MAC layer (conv2d, dense, matmul) and, by default, their
 *   outputs get a per-tensor QuantSpec from calibration (asymmetric for integer formats). A tensor
 *   read by several MAC layers with different requested formats takes the one with the most bits.
 *   The format `fp32` means "leave it in float32" (no QuantSpec), for weights and activations.
 * - Bias: when the layer's input and weights are integer (int / binary / ternary) and the input has
 *   one scale, the bias is quantized to the accumulator format (int32 unless a signed integer
 *   accumulator is given) with scale s_x · s_w (per channel when the weights are), zero point 0, as
 *   ONNX QLinearConv does; otherwise it stays float32.
 * - Bias correction (optional): see ./bias-correction.ts; a layer without bias gets one
 *   (`<layer>.bias`).
 * - Shape-only parameters are given seeded values first (./materialize.ts). A weight tensor read
 *   by several layers takes the format of the first.
 */
import { parseFormat } from '../formats/index.js';
import { analyzeGraph, isParamTensor } from '../graph/analyze.js';
import type { Graph, Node, QuantDefaults, QuantSpec, Shape, TensorInfo } from '../graph/ir.js';
import { InputError, showValue, type InputIssue } from '../units/errors.js';
import {
  correctedBias,
  expectedShifts,
  isWeighted,
  outChannels,
  type WeightedNode,
} from './bias-correction.js';
import { calibrate, type Calibration } from './calibrate.js';
import { DEFAULT_SEED, materializeParameters } from './materialize.js';
import type { RangeMethod } from './range.js';
import type { InputSet } from './run.js';
import type { ScaleKind } from './scheme.js';
import {
  applySpec,
  chooseActivationSpec,
  isFloat32,
  quantizeWeights,
  type Granularity,
  type QuantizedTensor,
} from './tensor.js';

export interface LayerFormats {
  /** Weight format of this layer. */
  readonly weights?: string;
  /** Format of this layer's input activation(s). */
  readonly activations?: string;
}

export interface QuantizeOptions {
  readonly weights: string;
  readonly activations: string;
  /** Recorded in graph.quant and used for int biases. Default int32 for integer operands, else fp32. */
  readonly accumulator?: string;
  /** Weights (activations are per tensor). Default per-channel. */
  readonly granularity?: Granularity;
  /** Range method of weights (and activations unless activationMethod). Default minmax. */
  readonly method?: RangeMethod;
  readonly activationMethod?: RangeMethod;
  /** For `percentile` (default 99.99). */
  readonly percentile?: number;
  /** Real scales (default) or powers of two. */
  readonly scaleKind?: ScaleKind;
  /** Symmetric signed weights in narrow range (int8 → ±127). Default true. */
  readonly narrow?: boolean;
  /** Integer activations symmetric instead of asymmetric. Default false. */
  readonly symmetricActivations?: boolean;
  readonly biasCorrection?: boolean;
  /** Calibration input sets, or the result of calibrate() on the materialized graph. */
  readonly calibration: readonly InputSet[] | Calibration;
  /** Per-layer formats, by node name. */
  readonly perLayer?: ReadonlyMap<string, LayerFormats>;
  /** Which activations get a QuantSpec: MAC inputs only, or MAC inputs and outputs (default). */
  readonly activationScope?: 'mac-inputs' | 'mac-io';
  /** Seed of the values of shape-only parameters. */
  readonly seed?: number;
  /** Values kept per activation tensor for percentile / MMSE. */
  readonly maxSamples?: number;
}

/**
 * Memo of quantized weights and activation specs across calls with the same options but for the
 * per-layer formats (mixed-precision search). Keys are tensor name + format.
 */
export interface QuantCache {
  readonly weights: Map<string, QuantizedTensor>;
  readonly activations: Map<string, QuantSpec | undefined>;
}

export function newQuantCache(): QuantCache {
  return { weights: new Map(), activations: new Map() };
}

const MAC_OPS = new Set(['conv2d', 'dense', 'matmul']);
const INTEGER_KINDS = new Set(['int', 'binary', 'ternary']);
const INTEGER_LIKE = new Set(['int', 'fixed', 'binary', 'ternary', 'pow2']);

export function isMacNode(node: Node): boolean {
  return MAC_OPS.has(node.op);
}

export function defaultAccumulator(weights: string, activations: string): string {
  const w = parseFormat(weights).kind;
  const a = parseFormat(activations).kind;
  return INTEGER_LIKE.has(w) && INTEGER_LIKE.has(a) ? 'int32' : 'fp32';
}

function checkOptions(graph: Graph, opts: QuantizeOptions): InputIssue[] {
  const issues: InputIssue[] = [];
  const format = (name: string, path: string): void => {
    try {
      parseFormat(name, path);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      issues.push(...e.issues);
    }
  };
  format(opts.weights, 'weights');
  format(opts.activations, 'activations');
  if (opts.accumulator !== undefined) format(opts.accumulator, 'accumulator');
  const p = opts.percentile;
  if (p !== undefined && !(p > 0 && p <= 100))
    issues.push({ path: 'percentile', value: showValue(p), expected: 'a number in (0, 100]' });
  const macs = new Set(graph.nodes.filter(isMacNode).map((n) => n.name));
  for (const [layer, f] of opts.perLayer ?? []) {
    if (!macs.has(layer))
      issues.push({
        path: `perLayer.${layer}`,
        value: showValue(layer),
        expected: 'the name of a MAC layer',
      });
    if (f.weights !== undefined) format(f.weights, `perLayer.${layer}.weights`);
    if (f.activations !== undefined) format(f.activations, `perLayer.${layer}.activations`);
  }
  return issues;
}

function weightAxis(node: WeightedNode): number {
  return node.op === 'conv2d' ? 0 : 1;
}

/** Quantize the weights of every conv2d / dense layer not left in fp32. Node name → result. */
function quantizeAllWeights(
  graph: Graph,
  opts: QuantizeOptions,
  cache: QuantCache,
): Map<string, QuantizedTensor> {
  const out = new Map<string, QuantizedTensor>();
  const done = new Set<string>();
  for (const node of graph.nodes) {
    if (!isWeighted(node)) continue;
    const wName = node.inputs[1]!;
    const format = opts.perLayer?.get(node.name)?.weights ?? opts.weights;
    if (done.has(wName) || isFloat32(format)) continue;
    done.add(wName);
    const key = `${wName}|${format}`;
    let q = cache.weights.get(key);
    if (q === undefined) {
      const info = graph.tensors.get(wName)!;
      q = quantizeWeights(info.data!, info.shape, {
        format,
        granularity: opts.granularity ?? 'per-channel',
        axis: weightAxis(node),
        symmetric: parseFormat(format).signed,
        narrow: opts.narrow ?? true,
        method: opts.method ?? 'minmax',
        ...(opts.percentile !== undefined ? { percentile: opts.percentile } : {}),
        ...(opts.scaleKind !== undefined ? { scaleKind: opts.scaleKind } : {}),
      });
      cache.weights.set(key, q);
    }
    out.set(node.name, q);
  }
  return out;
}

/** Activation operands of a MAC node (not parameters). */
function activationInputs(graph: Graph, node: Node): string[] {
  const operands = node.op === 'matmul' ? node.inputs.slice(0, 2) : node.inputs.slice(0, 1);
  return operands.filter((n) => !isParamTensor(graph.tensors.get(n)) || graph.inputs.includes(n));
}

/** Activation tensor → the format it is quantized to (fp32 ones left out). */
function activationFormats(graph: Graph, opts: QuantizeOptions): Map<string, string> {
  const explicit = new Map<string, string>();
  const defaults = new Set<string>();
  const bits = (f: string): number => parseFormat(f).bits;
  for (const node of graph.nodes) {
    if (!isMacNode(node)) continue;
    const asked = opts.perLayer?.get(node.name)?.activations;
    for (const t of activationInputs(graph, node)) {
      if (asked === undefined) defaults.add(t);
      else {
        const have = explicit.get(t);
        if (have === undefined || bits(asked) > bits(have)) explicit.set(t, asked);
      }
    }
    if ((opts.activationScope ?? 'mac-io') === 'mac-io') defaults.add(node.outputs[0]!);
  }
  const out = new Map<string, string>();
  const consider = (t: string): void => {
    const f = explicit.get(t) ?? opts.activations;
    if (!isFloat32(f)) out.set(t, f);
  };
  for (const t of [...explicit.keys(), ...defaults]) if (!out.has(t)) consider(t);
  return out;
}

function activationSpecs(
  formats: ReadonlyMap<string, string>,
  cal: Calibration,
  opts: QuantizeOptions,
  cache: QuantCache,
): Map<string, QuantSpec> {
  const out = new Map<string, QuantSpec>();
  for (const [t, format] of formats) {
    const key = `${t}|${format}`;
    if (!cache.activations.has(key)) {
      const stats = cal.stats.get(t);
      cache.activations.set(
        key,
        stats === undefined
          ? undefined
          : chooseActivationSpec(stats.sample, stats, {
              format,
              symmetric: opts.symmetricActivations ?? false,
              method: opts.activationMethod ?? opts.method ?? 'minmax',
              ...(opts.percentile !== undefined ? { percentile: opts.percentile } : {}),
              ...(opts.scaleKind !== undefined ? { scaleKind: opts.scaleKind } : {}),
            }),
      );
    }
    const spec = cache.activations.get(key);
    if (spec !== undefined) out.set(t, spec);
  }
  return out;
}

function listOf(v: number | readonly number[]): readonly number[] {
  return typeof v === 'number' ? [v] : v;
}

/** The bias's QuantSpec when input and weights are integer with one input scale, else undefined. */
function biasSpec(x: QuantSpec | undefined, w: QuantSpec, accumulator: string): QuantSpec | undefined {
  if (x === undefined || typeof x.scale !== 'number') return undefined;
  if (!INTEGER_KINDS.has(parseFormat(x.format).kind) || !INTEGER_KINDS.has(parseFormat(w.format).kind))
    return undefined;
  const acc = parseFormat(accumulator);
  const format = acc.kind === 'int' && acc.signed ? acc.name : 'int32';
  const sx = x.scale;
  const scales = listOf(w.scale).map((s) => {
    const p = Math.fround(sx * s);
    return p > 0 && Number.isFinite(p) ? p : Math.fround(Number.MIN_VALUE);
  });
  return scales.length === 1
    ? { format, scale: scales[0]!, zeroPoint: 0 }
    : { format, scale: scales, zeroPoint: 0, axis: 0 };
}

function uniqueName(graph: Graph, base: string): string {
  let name = base;
  for (let i = 1; graph.tensors.has(name); i++) name = `${base}.${i}`;
  return name;
}

interface Biases {
  readonly nodes: Node[];
  /** Bias tensor name → corrected float values (new tensors included). */
  readonly values: Map<string, Float32Array>;
  readonly created: Set<string>;
}

/** Bias correction: new bias values, and bias inputs added to layers that had none. */
function correctBiases(
  graph: Graph,
  weights: ReadonlyMap<string, QuantizedTensor>,
  inputs: readonly InputSet[],
): Biases {
  const deltas = new Map<string, Float32Array>();
  for (const [layer, q] of weights) {
    const node = graph.nodes.find((n): n is WeightedNode => isWeighted(n) && n.name === layer)!;
    const w = graph.tensors.get(node.inputs[1]!)!.data!;
    deltas.set(
      layer,
      Float32Array.from(q.data, (v, i) => v - w[i]!),
    );
  }
  const shifts = expectedShifts(graph, deltas, inputs);
  const values = new Map<string, Float32Array>();
  const created = new Set<string>();
  const nodes = graph.nodes.map((node): Node => {
    const shift = shifts.get(node.name);
    if (shift === undefined || !isWeighted(node)) return node;
    let bias = node.inputs[2];
    if (bias === undefined) {
      bias = uniqueName(graph, `${node.name}.bias`);
      created.add(bias);
    }
    values.set(bias, correctedBias(graph.tensors.get(bias)?.data, shift));
    const inputsWithBias = [node.inputs[0]!, node.inputs[1]!, bias];
    return node.op === 'conv2d' ? { ...node, inputs: inputsWithBias } : { ...node, inputs: inputsWithBias };
  });
  return { nodes, values, created };
}

function activationInfo(graph: Graph, name: string, shape: Shape, quant: QuantSpec): TensorInfo {
  const have = graph.tensors.get(name);
  if (have !== undefined) return { ...have, shape: have.shape.length > 0 ? have.shape : shape, quant };
  return {
    name,
    shape,
    role: graph.inputs.includes(name) ? 'input' : 'activation',
    dtype: 'float32',
    quant,
  };
}

/**
 * Quantize with a memo shared across calls (see QuantCache); quantizeGraph without one. The graph's
 * parameters must have data, or are given seeded values.
 */
export function quantizeGraphCached(graph: Graph, opts: QuantizeOptions, cache: QuantCache): Graph {
  const issues = checkOptions(graph, opts);
  if (issues.length > 0) throw new InputError(issues);
  const g = materializeParameters(graph, opts.seed ?? DEFAULT_SEED);
  const analysis = analyzeGraph(g);
  const cal =
    'kind' in opts.calibration
      ? opts.calibration
      : calibrate(g, opts.calibration, opts.maxSamples !== undefined ? { maxSamples: opts.maxSamples } : {});
  const weights = quantizeAllWeights(g, opts, cache);
  const biases: Biases =
    opts.biasCorrection === true
      ? correctBiases(g, weights, cal.inputs)
      : { nodes: [...g.nodes], values: new Map(), created: new Set() };
  const acts = activationSpecs(activationFormats(g, opts), cal, opts, cache);
  const accumulator = opts.accumulator ?? defaultAccumulator(opts.weights, opts.activations);

  const tensors = new Map<string, TensorInfo>(g.tensors);
  for (const [t, quant] of acts) tensors.set(t, activationInfo(g, t, analysis.shapes.get(t)!, quant));
  for (const node of biases.nodes) {
    if (!isWeighted(node)) continue;
    const q = weights.get(node.name);
    if (q !== undefined) {
      const w = tensors.get(node.inputs[1]!)!;
      tensors.set(w.name, { ...w, quant: q.quant, stored: q.stored, data: q.data });
    }
    const b = node.inputs[2];
    if (b === undefined) continue;
    const data = biases.values.get(b) ?? g.tensors.get(b)!.data!;
    const base: TensorInfo = biases.created.has(b)
      ? { name: b, shape: [outChannels(node)], role: 'bias', dtype: 'float32' }
      : g.tensors.get(b)!;
    const spec = q === undefined ? undefined : biasSpec(acts.get(node.inputs[0]!), q.quant, accumulator);
    if (spec === undefined) tensors.set(b, { ...base, data });
    else {
      const qb = applySpec(data, base.shape, spec);
      tensors.set(b, { ...base, dtype: 'int32', quant: spec, stored: qb.stored, data: qb.data });
    }
  }
  const quant: QuantDefaults = {
    weights: parseFormat(opts.weights).name,
    activations: parseFormat(opts.activations).name,
    accumulator: parseFormat(accumulator).name,
    granularity: opts.granularity ?? 'per-channel',
  };
  return { ...g, tensors, nodes: biases.nodes, quant };
}

/** A new Graph with QuantSpecs, stored weights and quantized biases (see the file comment). */
export function quantizeGraph(graph: Graph, opts: QuantizeOptions): Graph {
  return quantizeGraphCached(graph, opts, newQuantCache());
}
