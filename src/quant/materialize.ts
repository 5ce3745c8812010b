/**
 * Concrete values for shape-only parameters (the zoo's weights), from a seeded generator, and
 * seeded calibration inputs.
 *
 * Each tensor gets its own stream (seed mixed with the FNV-1a hash of its name), so a value does
 * not depend on the order tensors are visited. Distributions by the role the first reading node
 * gives the tensor: conv / dense weights He-normal (std √(2 / fan-in)); biases N(0, 0.1²);
 * batchnorm gamma 1 + N(0, 0.1²), beta and mean N(0, 0.1²), var U[0.5, 1.5); layernorm gamma
 * 1 + N(0, 0.1²), beta N(0, 0.1²); anything else N(0, 1).
 */
import { elementCount, type FloatTensor, type Graph, type Node, type TensorInfo } from '../graph/ir.js';
import { isParamTensor } from '../graph/analyze.js';
import { inputRoleOf } from '../graph/ops/registry.js';
import { Rng } from '../units/index.js';

export const DEFAULT_SEED = 1;

/** FNV-1a of a string. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function tensorRng(name: string, seed: number): Rng {
  return new Rng((hashName(name) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0);
}

type Draw = (rng: Rng) => number;

const normal =
  (mean: number, std: number): Draw =>
  (rng) =>
    mean + std * rng.normal();

function weightFanIn(node: Node, shape: readonly number[]): number {
  if (node.op === 'conv2d') return (shape[1] ?? 1) * (shape[2] ?? 1) * (shape[3] ?? 1);
  if (node.op === 'dense') return shape[0] ?? 1;
  return Math.max(1, elementCount(shape) / (shape[0] ?? 1));
}

function drawFor(role: string, node: Node | undefined, info: TensorInfo): Draw {
  const op = node?.op;
  if (role === 'weight' && node !== undefined) return normal(0, Math.sqrt(2 / weightFanIn(node, info.shape)));
  if (role === 'bias') return normal(0, 0.1);
  if (op === 'batchnorm' || op === 'layernorm') {
    if (role === 'gamma') return normal(1, 0.1);
    if (role === 'var') return (rng) => 0.5 + rng.next();
    return normal(0, 0.1);
  }
  return normal(0, 1);
}

/** Seeded values for one parameter tensor read by `node` as input `index`. */
export function seededParameter(
  info: TensorInfo,
  node: Node | undefined,
  index: number,
  seed: number,
): Float32Array {
  const role = node === undefined ? info.role : inputRoleOf(node, index);
  const draw = drawFor(role, node, info);
  const rng = tensorRng(info.name, seed);
  const out = new Float32Array(elementCount(info.shape));
  for (let i = 0; i < out.length; i++) out[i] = draw(rng);
  return out;
}

/** The graph with data on every parameter tensor (existing data kept). */
export function materializeParameters(graph: Graph, seed: number = DEFAULT_SEED): Graph {
  const firstUse = new Map<string, { node: Node; index: number }>();
  for (const node of graph.nodes) {
    node.inputs.forEach((name, index) => {
      if (!firstUse.has(name)) firstUse.set(name, { node, index });
    });
  }
  let changed = false;
  const tensors = new Map<string, TensorInfo>();
  for (const [name, info] of graph.tensors) {
    if (info.data === undefined && isParamTensor(info) && !graph.inputs.includes(name)) {
      const use = firstUse.get(name);
      tensors.set(name, { ...info, data: seededParameter(info, use?.node, use?.index ?? 0, seed) });
      changed = true;
    } else tensors.set(name, info);
  }
  return changed ? { ...graph, tensors } : graph;
}

/** Seeded N(0, 1) inputs: `count` sets, one tensor per graph input. */
export function seededInputs(
  graph: Graph,
  count: number,
  seed: number = DEFAULT_SEED,
): Map<string, FloatTensor>[] {
  const sets: Map<string, FloatTensor>[] = [];
  for (let s = 0; s < count; s++) {
    const set = new Map<string, FloatTensor>();
    for (const name of graph.inputs) {
      const info = graph.tensors.get(name);
      if (info === undefined) throw new RangeError(`graph input ${name} is not declared`);
      const rng = tensorRng(`${name}#${s}`, seed);
      const data = new Float32Array(elementCount(info.shape));
      for (let i = 0; i < data.length; i++) data[i] = rng.normal();
      set.set(name, { shape: info.shape, data });
    }
    sets.push(set);
  }
  return sets;
}
