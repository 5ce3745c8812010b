/**
 * A quantized zoo network for the executor benchmark: seeded float weights (He-normal convs,
 * near-identity batchnorms), batchnorm folded into the preceding conv, min-max calibration on one
 * seeded input, then int8 everywhere (per-channel symmetric weights, int32 biases at s_x·s_w,
 * symmetric per-tensor activations; relu / maxpool / flatten keep their input's spec so they run on
 * codes). Not a quantizer (quant/ is): just enough to give the executor a realistic int8 graph.
 */
import { analyzeGraph } from '../src/graph/analyze.js';
import { elementCount, type Graph, type Node, type QuantSpec, type TensorInfo } from '../src/graph/ir.js';
import { loadWorkload } from '../src/graph/workload.js';
import { executeGraph } from '../src/numerics/execute.js';
import { Rng } from '../src/units/index.js';

export interface QuantizedNet {
  /** The int8 graph; its outputs include the classifier's logits. */
  readonly graph: Graph;
  readonly input: Float32Array;
  readonly macs: number;
  /** Name of the logits tensor (the dense layer before softmax) and its fp32 values. */
  readonly logits: string;
  readonly referenceLogits: Float32Array;
}

function seededParam(info: TensorInfo, fanIn: number, rng: Rng): Float32Array {
  const n = elementCount(info.shape);
  const draw = (f: () => number): Float32Array => Float32Array.from({ length: n }, f);
  const name = info.name;
  if (name.endsWith('.gamma')) return draw(() => 1 + 0.1 * rng.normal());
  if (name.endsWith('.var')) return draw(() => 0.5 + rng.next());
  if (name.endsWith('.beta') || name.endsWith('.mean') || name.endsWith('.bias'))
    return draw(() => 0.1 * rng.normal());
  const std = Math.sqrt(2 / fanIn);
  return draw(() => std * rng.normal());
}

/** Every parameter tensor with seeded data; fan-in from the consuming node. */
function withSeededParams(g: Graph, seed: number): Map<string, TensorInfo> {
  const rng = new Rng(seed);
  const tensors = new Map(g.tensors);
  for (const n of g.nodes) {
    for (const name of n.inputs.slice(1)) {
      const info = tensors.get(name)!;
      if (info.data !== undefined || info.role === 'activation' || info.role === 'input') continue;
      const fanIn = n.op === 'conv2d' ? elementCount(info.shape.slice(1)) : (info.shape[0] ?? 1);
      tensors.set(name, { ...info, data: seededParam(info, fanIn, rng) });
    }
  }
  return tensors;
}

/** Fold every batchnorm that directly follows a conv into that conv (weights and a bias). */
function foldBatchnorms(nodes: readonly Node[], tensors: Map<string, TensorInfo>): Node[] {
  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.outputs) producer.set(o, n);
  const folded = new Map<string, Node>(); // conv name → folded conv
  const drop = new Set<string>();
  for (const bn of nodes) {
    if (bn.op !== 'batchnorm') continue;
    const conv = producer.get(bn.inputs[0]!);
    if (conv?.op !== 'conv2d') continue;
    const [gamma, beta, mean, variance] = bn.inputs.slice(1).map((t) => tensors.get(t)!.data!);
    const wInfo = tensors.get(conv.inputs[1]!)!;
    const w = Float32Array.from(wInfo.data!);
    const cout = wInfo.shape[0]!;
    const per = w.length / cout;
    const oldBias = conv.inputs[2] !== undefined ? tensors.get(conv.inputs[2])!.data! : undefined;
    const bias = new Float32Array(cout);
    for (let c = 0; c < cout; c++) {
      const f = gamma![c]! / Math.sqrt(variance![c]! + bn.attrs.epsilon);
      for (let i = 0; i < per; i++) w[c * per + i]! *= f;
      bias[c] = ((oldBias?.[c] ?? 0) - mean![c]!) * f + beta![c]!;
    }
    const bName = `${conv.name}.folded_bias`;
    tensors.set(wInfo.name, { ...wInfo, data: w });
    tensors.set(bName, { name: bName, shape: [cout], role: 'bias', dtype: 'float32', data: bias });
    tensors.delete(conv.outputs[0]!);
    folded.set(conv.name, {
      ...conv,
      inputs: [conv.inputs[0]!, conv.inputs[1]!, bName],
      outputs: bn.outputs,
    });
    drop.add(bn.name);
  }
  return nodes.filter((n) => !drop.has(n.name)).map((n) => folded.get(n.name) ?? n);
}

function maxAbs(x: Float32Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

/** Per-channel symmetric int8 codes (narrow range) of a weight along axis 0 (conv) or 1 (dense). */
function quantizeWeight(
  w: Float32Array,
  shape: readonly number[],
  axis: 0 | 1,
): { spec: QuantSpec; stored: Float64Array } {
  const channels = shape[axis]!;
  const inner = axis === 0 ? w.length / channels : 1;
  const outer = axis === 0 ? 1 : channels;
  const channelOf = (i: number): number => (axis === 0 ? Math.floor(i / inner) : i % outer);
  const peak = new Float64Array(channels);
  w.forEach((v, i) => (peak[channelOf(i)] = Math.max(peak[channelOf(i)]!, Math.abs(v))));
  const scale = Array.from(peak, (p) => Math.fround(p > 0 ? p / 127 : 1));
  const stored = Float64Array.from(w, (v, i) =>
    Math.max(-127, Math.min(127, Math.round(v / scale[channelOf(i)]!))),
  );
  return { spec: { format: 'int8', scale, zeroPoint: 0, axis, narrow: true }, stored };
}

/** Symmetric int8 activation spec from a calibration peak. */
function actSpec(peak: number): QuantSpec {
  return { format: 'int8', scale: Math.fround(peak > 0 ? peak / 127 : 1), zeroPoint: 0 };
}

const SAME_SPEC_OPS = new Set(['relu', 'relu6', 'maxpool', 'flatten', 'reshape']);

/** An int8 version of a zoo network (see the file comment). */
export function int8Network(id: string, seed = 1): QuantizedNet {
  return int8Version(loadWorkload(id), seed);
}

/** An int8 version of a float graph; parameters without data get seeded values. */
export function int8Version(zoo: Graph, seed = 1): QuantizedNet {
  const tensors = withSeededParams(zoo, seed);
  const nodes = foldBatchnorms(zoo.nodes, tensors);
  const floatGraph: Graph = { ...zoo, tensors, nodes };
  const rng = new Rng(seed + 1);
  const inputName = zoo.inputs[0]!;
  const input = Float32Array.from({ length: elementCount(tensors.get(inputName)!.shape) }, () =>
    rng.normal(),
  );
  const calib = executeGraph(floatGraph, new Map([[inputName, { real: input }]]), { keep: 'all' });
  const shapes = analyzeGraph(floatGraph).shapes;
  const spec = new Map<string, QuantSpec>([[inputName, actSpec(maxAbs(input))]]);
  const out = new Map(tensors);
  const setSpec = (name: string, s: QuantSpec): void => {
    spec.set(name, s);
    const info = out.get(name) ?? {
      name,
      shape: shapes.get(name)!,
      role: 'activation' as const,
      dtype: 'float32' as const,
    };
    out.set(name, { ...info, quant: s });
  };
  setSpec(inputName, spec.get(inputName)!);
  for (const n of nodes) {
    const y = n.outputs[0]!;
    if (zoo.outputs.includes(y) || n.op === 'softmax') continue;
    if (n.op === 'dense' && nodes.some((m) => m.op === 'softmax' && m.inputs[0] === y)) continue; // logits stay real
    const inSpec = spec.get(n.inputs[0]!);
    if (SAME_SPEC_OPS.has(n.op) && inSpec !== undefined) setSpec(y, inSpec);
    else setSpec(y, actSpec(maxAbs(calib.get(y)!.real)));
    if (n.op === 'conv2d' || n.op === 'dense') quantizeLayerParams(n, out, spec.get(n.inputs[0]!)!);
  }
  const logits = nodes.find((n) => n.op === 'dense')!.outputs[0]!;
  const graph: Graph = { ...floatGraph, tensors: out, outputs: [...zoo.outputs, logits] };
  return {
    graph,
    input,
    macs: analyzeGraph(graph).totals.macs,
    logits,
    referenceLogits: calib.get(logits)!.real,
  };
}

function quantizeLayerParams(n: Node, tensors: Map<string, TensorInfo>, xSpec: QuantSpec): void {
  const wInfo = tensors.get(n.inputs[1]!)!;
  const { spec, stored } = quantizeWeight(wInfo.data!, wInfo.shape, n.op === 'conv2d' ? 0 : 1);
  tensors.set(wInfo.name, {
    name: wInfo.name,
    shape: wInfo.shape,
    role: wInfo.role,
    dtype: wInfo.dtype,
    quant: spec,
    stored,
  });
  const bName = n.inputs[2];
  if (bName === undefined) return;
  const bInfo = tensors.get(bName)!;
  const sx = xSpec.scale as number;
  const sw = spec.scale as number[];
  const bScale = sw.map((s) => Math.fround(sx * s));
  const bStored = Float64Array.from(bInfo.data!, (v, c) => Math.round(v / bScale[c]!));
  const quant: QuantSpec = { format: 'int32', scale: bScale, zeroPoint: 0, axis: 0 };
  tensors.set(bName, {
    name: bName,
    shape: bInfo.shape,
    role: bInfo.role,
    dtype: 'int32',
    quant,
    stored: bStored,
  });
}
