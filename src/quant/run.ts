/**
 * Running a graph for calibration and error measurement.
 *
 * `runFakeQuant` is the float32 reference run (graph/ops kernels) in which every tensor that carries
 * a QuantSpec is replaced, as soon as it exists, by its round trip through that spec
 * (formats/quantizeLinear then dequantizeLinear, exactly the `requantize` op). Parameters are read
 * from their `data` (for quantized weights: the dequantized values). With int32 accumulators this is
 * what the integer pipeline computes up to float32 rounding of the sums. `executorEvaluator` runs
 * the bit-accurate executor (numerics/execute.ts) instead: integer / format arithmetic.
 */
import { analyzeGraph } from '../graph/analyze.js';
import type { FloatTensor, Graph } from '../graph/ir.js';
import { nodeReference } from '../graph/ops/registry.js';
import { executeGraph } from '../numerics/execute.js';
import type { ExecOptions } from '../numerics/types.js';
import { fakeQuantize } from './tensor.js';

/** One value per graph input. */
export type InputSet = ReadonlyMap<string, FloatTensor>;

/** Runs a (quantized) graph on one input set; returns the real values of the graph outputs. */
export type Evaluator = (graph: Graph, input: InputSet) => Map<string, Float32Array>;

function lastUses(graph: Graph): Map<string, number> {
  const last = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    for (const name of node.inputs) last.set(name, i);
  });
  return last;
}

/**
 * Run with fake quantization. `keep: 'all'` returns every graph input and node output (by name);
 * 'outputs' only the graph outputs, dropping intermediates as soon as they are dead.
 */
export function runFakeQuant(
  graph: Graph,
  input: InputSet,
  keep: 'outputs' | 'all' = 'outputs',
): Map<string, FloatTensor> {
  analyzeGraph(graph);
  const values = new Map<string, FloatTensor>();
  const quantized = (name: string, t: FloatTensor): FloatTensor => {
    const spec = graph.tensors.get(name)?.quant;
    return spec === undefined ? t : { shape: t.shape, data: fakeQuantize(t.data, t.shape, spec) };
  };
  for (const name of graph.inputs) {
    const t = input.get(name);
    if (t === undefined) throw new RangeError(`no value for graph input ${name}`);
    values.set(name, quantized(name, t));
  }
  const fetch = (name: string): FloatTensor => {
    const have = values.get(name);
    if (have !== undefined) return have;
    const info = graph.tensors.get(name);
    if (info?.data === undefined) {
      throw new RangeError(`tensor ${name} has no data (materializeParameters gives parameters values)`);
    }
    return { shape: info.shape, data: info.data };
  };
  const last = keep === 'outputs' ? lastUses(graph) : undefined;
  const outputs = new Set(graph.outputs);
  graph.nodes.forEach((node, i) => {
    const outs = nodeReference(node, node.inputs.map(fetch));
    node.outputs.forEach((name, j) => values.set(name, quantized(name, outs[j]!)));
    if (last === undefined) return;
    for (const name of node.inputs) if (last.get(name) === i && !outputs.has(name)) values.delete(name);
  });
  if (keep === 'all') return values;
  return new Map(graph.outputs.map((name) => [name, values.get(name)!]));
}

/** The default evaluator: fake quantization over the float32 reference kernels. */
export const fakeQuantEvaluator: Evaluator = (graph, input) =>
  new Map([...runFakeQuant(graph, input)].map(([name, t]) => [name, t.data]));

/**
 * The bit-accurate executor (numerics/execute.ts) as an Evaluator: integer / format arithmetic in
 * the MAC layers with the given accumulator, overflow and requantization options.
 */
export function executorEvaluator(options: ExecOptions = {}): Evaluator {
  return (graph, input) => {
    const inputs = new Map([...input].map(([name, t]) => [name, { real: t.data }]));
    const out = executeGraph(graph, inputs, { ...options, keep: 'outputs' });
    return new Map([...out].map(([name, t]) => [name, t.real]));
  };
}
