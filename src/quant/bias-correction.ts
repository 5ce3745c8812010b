/**
 * Empirical bias correction (Nagel et al., "Data-Free Quantization Through Weight Equalization and
 * Bias Correction", ICCV 2019, §4.2, the empirical variant): quantizing W to W_q shifts the expected
 * output of a layer by E[W_q x] − E[W x] = E[(W_q − W) x] per output channel. It is measured on the
 * calibration inputs, with x the layer's input in the float network, and subtracted from the bias.
 */
import { runReference } from '../graph/analyze.js';
import type { FloatTensor, Graph, Node, NodeOf, TensorInfo } from '../graph/ir.js';
import { nodeReference } from '../graph/ops/registry.js';
import type { InputSet } from './run.js';

export type WeightedNode = NodeOf<'conv2d'> | NodeOf<'dense'>;

export function isWeighted(node: Node): node is WeightedNode {
  return node.op === 'conv2d' || node.op === 'dense';
}

export function outChannels(node: WeightedNode): number {
  return node.op === 'conv2d' ? node.attrs.outChannels : node.attrs.units;
}

/** The channel axis of a weighted layer's output (NCHW conv: 1; dense: the last). */
function outputChannelAxis(node: WeightedNode, rank: number): number {
  return node.op === 'conv2d' ? 1 : rank - 1;
}

function withoutBias(node: WeightedNode): Node {
  return node.op === 'conv2d'
    ? { ...node, inputs: node.inputs.slice(0, 2) }
    : { ...node, inputs: node.inputs.slice(0, 2) };
}

/** Add the per-channel sums of y (channel axis `axis`) into sums; returns the count per channel. */
function addChannelSums(y: FloatTensor, axis: number, sums: Float64Array): number {
  const dim = y.shape[axis]!;
  let inner = 1;
  for (let i = axis + 1; i < y.shape.length; i++) inner *= y.shape[i]!;
  for (let i = 0; i < y.data.length; i++) sums[Math.floor(i / inner) % dim]! += y.data[i]!;
  return y.data.length / dim;
}

function noParameterData(info: TensorInfo): FloatTensor {
  throw new RangeError(`tensor ${info.name} has no data (materializeParameters gives parameters values)`);
}

/**
 * E[(W_q − W) x] per output channel for each layer of `deltas` (node name → W_q − W, the weight's
 * shape), over the float graph's runs on `inputs`.
 */
export function expectedShifts(
  graph: Graph,
  deltas: ReadonlyMap<string, Float32Array>,
  inputs: readonly InputSet[],
): Map<string, Float64Array> {
  const layers = graph.nodes.filter((n): n is WeightedNode => isWeighted(n) && deltas.has(n.name));
  const sums = new Map(layers.map((n) => [n.name, new Float64Array(outChannels(n))]));
  const counts = new Map(layers.map((n) => [n.name, 0]));
  for (const input of inputs) {
    const values = runReference(graph, input, noParameterData);
    for (const node of layers) {
      const x = values.get(node.inputs[0]!)!;
      const w = graph.tensors.get(node.inputs[1]!)!;
      const dw = { shape: w.shape, data: deltas.get(node.name)! };
      const y = nodeReference(withoutBias(node), [x, dw])[0]!;
      const n = addChannelSums(y, outputChannelAxis(node, y.shape.length), sums.get(node.name)!);
      counts.set(node.name, counts.get(node.name)! + n);
    }
  }
  const out = new Map<string, Float64Array>();
  for (const [name, s] of sums) {
    const n = counts.get(name)!;
    out.set(
      name,
      s.map((v) => (n === 0 ? 0 : v / n)),
    );
  }
  return out;
}

/** bias − shift, in float32 (bias absent: zero). */
export function correctedBias(bias: Float32Array | undefined, shift: Float64Array): Float32Array {
  return Float32Array.from(shift, (s, c) => (bias?.[c] ?? 0) - s);
}
