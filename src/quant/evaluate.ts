/**
 * The numerical error of a quantized graph: run it with the bit-accurate executor and the same
 * graph in float32 (TensorFlow.js, or the reference kernels), input by input, and compare every
 * tensor both produce. Per layer: SQNR, max and mean absolute error over all evaluation inputs; for
 * a classifier (one output [batch, classes]) also top-1 / top-5 agreement with float32 and, with
 * labels, top-1 accuracy of both.
 *
 * A float graph is quantized first (quantizeGraph with the given options and calibration); a graph
 * that already carries QuantSpecs (an imported QDQ / QOperator model) runs as it is. The float32
 * reference quantizes nothing, with either engine: QuantSpecs are ignored, requantize nodes are the
 * identity, and weights that have only `stored` values use their dequantization.
 */
import { runReference } from '../graph/analyze.js';
import type { FloatTensor, Graph, Node, TensorInfo } from '../graph/ir.js';
import { accuracy, topKAgreement } from '../numerics/compare.js';
import { executeGraph } from '../numerics/execute.js';
import { dequantizeStored, runTfReference } from '../numerics/tf-reference.js';
import type { ExecOptions, TensorError } from '../numerics/types.js';
import { InputError } from '../units/errors.js';
import { calibrate, type Calibration } from './calibrate.js';
import { DEFAULT_SEED, materializeParameters } from './materialize.js';
import { quantizeGraph, type QuantizeOptions } from './quantize-graph.js';
import type { InputSet } from './run.js';

export type ReferenceEngine = 'tfjs' | 'kernels';

export interface EvaluateRequest {
  /** A float graph (parameters may be shape-only: seeded values are used) or a quantized one. */
  readonly graph: Graph;
  /** Quantize with these options first; absent = run the graph's own QuantSpecs. */
  readonly quantize?: Omit<QuantizeOptions, 'calibration'>;
  /** Calibration inputs, or a calibration already made on the materialized graph. */
  readonly calibration?: readonly InputSet[] | Calibration;
  readonly evaluation: readonly InputSet[];
  /** Class labels, one per evaluation sample (batch rows of the sets in order). */
  readonly labels?: Int32Array;
  readonly exec?: ExecOptions;
  /** float32 reference engine (default tfjs). */
  readonly reference?: ReferenceEngine;
  readonly seed?: number;
  /**
   * float32 runs by evaluation set, shared between calls on the same graph (compare-formats
   * evaluates one graph in many formats): filled on first use, read after.
   */
  readonly referenceCache?: Map<InputSet, ReadonlyMap<string, Float32Array>>;
}

export interface LayerError extends TensorError {
  readonly node: string;
  readonly op: string;
}

export interface ClassifierMetrics {
  readonly classes: number;
  /** Share of samples whose float32 top-1 class is the quantized top-1. */
  readonly top1Agreement: number;
  /** Share of samples whose float32 top-1 class is in the quantized top-5. */
  readonly top5Agreement: number;
  readonly top1Accuracy: number | null;
  readonly fp32Top1Accuracy: number | null;
}

export interface EvaluateReport {
  readonly quantized: Graph;
  /** One row per node output compared, in node order. */
  readonly layers: readonly LayerError[];
  /** The graph outputs together (the logits, for an output a softmax produces: see logitsOf). */
  readonly output: TensorError;
  readonly classifier: ClassifierMetrics | null;
  /** Samples evaluated (batch rows over all sets). */
  readonly samples: number;
  readonly reference: ReferenceEngine;
}

/** Running error sums of one tensor. */
interface Sums {
  signal: number;
  noise: number;
  absSum: number;
  maxAbs: number;
  count: number;
}

function addInto(s: Sums, ref: ArrayLike<number>, test: ArrayLike<number>): void {
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const d = r - test[i]!;
    s.signal += r * r;
    s.noise += d * d;
    const a = Math.abs(d);
    s.absSum += a;
    if (a > s.maxAbs || Number.isNaN(a)) s.maxAbs = a;
  }
  s.count += ref.length;
}

function finish(tensor: string, s: Sums): TensorError {
  const sqnrDb = s.noise === 0 ? Infinity : s.signal === 0 ? -Infinity : 10 * Math.log10(s.signal / s.noise);
  return { tensor, sqnrDb, maxAbsError: s.maxAbs, meanAbsError: s.count === 0 ? 0 : s.absSum / s.count };
}

function emptySums(): Sums {
  return { signal: 0, noise: 0, absSum: 0, maxAbs: 0, count: 0 };
}

/**
 * The tensor the output error is measured on: a graph output, or the input of the softmax that
 * produces it — probabilities saturate (a confident one-hot hides any error in the logits, a
 * flipped one turns into 0 dB), logits do not.
 */
export function logitsOf(graph: Graph, output: string): string {
  const producer = graph.nodes.find((n) => n.outputs.includes(output));
  return producer?.op === 'softmax' && producer.inputs[0] !== undefined ? producer.inputs[0] : output;
}

/**
 * The graph without the softmax nodes that produce its outputs, its outputs being their inputs
 * (the logits): what the mixed-precision search scores, so that it ranks assignments by the same
 * measure as `evaluate` and `compare-formats`.
 */
export function logitsGraph(graph: Graph): Graph {
  const outputs = graph.outputs.map((o) => logitsOf(graph, o));
  const dropped = new Set(graph.outputs.filter((o, i) => outputs[i] !== o));
  if (dropped.size === 0) return graph;
  return { ...graph, outputs, nodes: graph.nodes.filter((n) => !n.outputs.some((t) => dropped.has(t))) };
}

/** Whether the graph already carries quantization of its own (any QuantSpec). */
export function isQuantized(graph: Graph): boolean {
  for (const t of graph.tensors.values()) if (t.quant !== undefined) return true;
  return false;
}

/** The classifier shape of a graph: one output [batch, classes ≥ 2]. */
function classifierShape(
  graph: Graph,
  outputs: ReadonlyMap<string, Float32Array>,
  sets: number,
): number | null {
  if (graph.outputs.length !== 1) return null;
  const shape = graph.tensors.get(graph.outputs[0]!)?.shape;
  if (shape?.length !== 2 || shape[1]! < 2) return null;
  const data = outputs.get(graph.outputs[0]!);
  return data !== undefined && sets > 0 ? shape[1]! : null;
}

function noWeights(info: TensorInfo): FloatTensor {
  throw new RangeError(`tensor ${info.name} has no values`);
}

/**
 * requantize nodes as the identity (the float kernel of dequantize), as the TF.js reference runs
 * them: the float32 network quantizes nothing.
 */
function requantizeAsIdentity(graph: Graph): Graph {
  if (!graph.nodes.some((n) => n.op === 'requantize')) return graph;
  const nodes = graph.nodes.map((n): Node =>
    n.op === 'requantize'
      ? { name: n.name, op: 'dequantize', inputs: n.inputs, outputs: n.outputs, attrs: {} }
      : n,
  );
  return { ...graph, nodes };
}

/** Parameters with only `stored` values get their dequantization as `data` (not seeded values). */
function storedAsData(graph: Graph): Graph {
  if (![...graph.tensors.values()].some((t) => t.data === undefined && t.stored !== undefined)) return graph;
  const tensors = new Map<string, TensorInfo>();
  for (const [name, t] of graph.tensors)
    tensors.set(
      name,
      t.data === undefined && t.stored !== undefined ? { ...t, data: dequantizeStored(t) } : t,
    );
  return { ...graph, tensors };
}

async function floatRun(
  graph: Graph,
  input: InputSet,
  engine: ReferenceEngine,
): Promise<ReadonlyMap<string, Float32Array>> {
  if (engine === 'kernels') {
    const all = runReference(requantizeAsIdentity(graph), input, noWeights);
    return new Map([...all].map(([name, t]) => [name, t.data]));
  }
  return runTfReference(graph, new Map([...input].map(([name, t]) => [name, t.data])), { keep: 'all' });
}

/** Quantize (if asked), execute bit-accurately, compare with float32; see the module comment. */
export async function evaluateNumerics(req: EvaluateRequest): Promise<EvaluateReport> {
  const seed = req.seed ?? DEFAULT_SEED;
  const engine = req.reference ?? 'tfjs';
  const floatGraph = materializeParameters(storedAsData(req.graph), seed);
  let quantized = floatGraph;
  if (req.quantize !== undefined) {
    const cal = req.calibration ?? req.evaluation;
    const calibration = 'kind' in cal ? cal : calibrate(floatGraph, cal);
    quantized = quantizeGraph(floatGraph, { ...req.quantize, calibration, seed });
  }
  const measured = quantized.outputs.map((name) => logitsOf(quantized, name));
  const sums = new Map<string, Sums>();
  const outSums = emptySums();
  const refLogits: Float32Array[] = [];
  const testLogits: Float32Array[] = [];
  let samples = 0;
  for (const input of req.evaluation) {
    const cached = req.referenceCache?.get(input);
    const ref = cached ?? (await floatRun(floatGraph, input, engine));
    if (cached === undefined) req.referenceCache?.set(input, ref);
    const exec = executeGraph(quantized, new Map([...input].map(([name, t]) => [name, { real: t.data }])), {
      ...req.exec,
      keep: 'all',
    });
    for (const node of quantized.nodes) {
      for (const name of node.outputs) {
        const r = ref.get(name);
        const t = exec.get(name)?.real;
        if (r === undefined || t?.length !== r.length) continue;
        const s = sums.get(name) ?? emptySums();
        addInto(s, r, t);
        sums.set(name, s);
      }
    }
    for (const name of measured) {
      const r = ref.get(name);
      const t = exec.get(name)?.real;
      if (r !== undefined && t !== undefined) addInto(outSums, r, t);
    }
    const out = quantized.outputs[0];
    if (out !== undefined) {
      refLogits.push(ref.get(out) ?? new Float32Array(0));
      testLogits.push(exec.get(out)?.real ?? new Float32Array(0));
    }
    samples += quantized.tensors.get(quantized.inputs[0] ?? '')?.shape[0] ?? 1;
  }
  const layers: LayerError[] = [];
  for (const node of quantized.nodes) {
    for (const name of node.outputs) {
      const s = sums.get(name);
      if (s !== undefined) layers.push({ node: node.name, op: node.op, ...finish(name, s) });
    }
  }
  const classes = classifierShape(
    quantized,
    new Map(quantized.outputs.map((n, i) => [n, refLogits[i] ?? new Float32Array(0)])),
    req.evaluation.length,
  );
  let classifier: ClassifierMetrics | null = null;
  if (classes !== null) {
    const ref = concat(refLogits);
    const test = concat(testLogits);
    const rows = ref.length / classes;
    if (req.labels !== undefined && req.labels.length !== rows)
      throw new InputError([
        {
          path: 'labels',
          value: `${req.labels.length} labels`,
          expected: `${rows}, one per evaluation sample`,
        },
      ]);
    const labels = req.labels;
    classifier = {
      classes,
      top1Agreement: topKAgreement(ref, test, rows, classes, 1),
      top5Agreement: topKAgreement(ref, test, rows, classes, Math.min(5, classes)),
      top1Accuracy: labels === undefined ? null : accuracy(test, labels, rows, classes, 1),
      fp32Top1Accuracy: labels === undefined ? null : accuracy(ref, labels, rows, classes, 1),
    };
  }
  return {
    quantized,
    layers,
    output: finish(measured.join(','), outSums),
    classifier,
    samples,
    reference: engine,
  };
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
