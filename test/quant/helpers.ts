/** Test helpers for quant/: small graphs built by hand and seeded samples independent of src/. */
import type { Conv2dAttrs, Graph, Node, TensorInfo } from '../../src/graph/ir.js';

/** A small LCG (independent of src/units Rng): uniform [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function gaussianSample(n: number, seed: number): Float32Array {
  const u = lcg(seed);
  return Float32Array.from({ length: n }, () => {
    const a = 1 - u();
    const b = u();
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
  });
}

/** Laplace(0, 1): heavy-tailed. */
export function laplaceSample(n: number, seed: number): Float32Array {
  const u = lcg(seed);
  return Float32Array.from({ length: n }, () => {
    const v = u() - 0.5;
    return -Math.sign(v) * Math.log(1 - 2 * Math.abs(v) + 1e-12);
  });
}

export function weight(name: string, shape: readonly number[], data?: Float32Array): TensorInfo {
  return data === undefined
    ? { name, shape, role: 'weight', dtype: 'float32' }
    : { name, shape, role: 'weight', dtype: 'float32', data };
}

export function bias(name: string, shape: readonly number[], data?: Float32Array): TensorInfo {
  return data === undefined
    ? { name, shape, role: 'bias', dtype: 'float32' }
    : { name, shape, role: 'bias', dtype: 'float32', data };
}

export function convAttrs(outChannels: number, stride = 1): Conv2dAttrs {
  return {
    outChannels,
    kernel: [3, 3],
    stride: [stride, stride],
    pads: [1, 1, 1, 1],
    dilation: [1, 1],
    groups: 1,
  };
}

export function graphOf(
  inputs: readonly TensorInfo[],
  params: readonly TensorInfo[],
  nodes: readonly Node[],
  outputs: readonly string[],
): Graph {
  return {
    name: 'test',
    inputs: inputs.map((t) => t.name),
    outputs,
    tensors: new Map([...inputs, ...params].map((t) => [t.name, t])),
    nodes,
  };
}

/**
 * conv1 3→8 (3×3, pad 1) → relu → conv2 8→16 (3×3, stride 2) → relu → gap → flatten → fc 16→10.
 * Parameters are shape-only (seeded by quant/materialize) unless `data` gives some.
 */
export function smallCnn(data: ReadonlyMap<string, Float32Array> = new Map()): Graph {
  const d = (n: string): Float32Array | undefined => data.get(n);
  return graphOf(
    [{ name: 'x', shape: [1, 3, 12, 12], role: 'input', dtype: 'float32' }],
    [
      weight('w1', [8, 3, 3, 3], d('w1')),
      bias('b1', [8], d('b1')),
      weight('w2', [16, 8, 3, 3], d('w2')),
      bias('b2', [16], d('b2')),
      weight('w3', [16, 10], d('w3')),
      bias('b3', [10], d('b3')),
    ],
    [
      { name: 'conv1', op: 'conv2d', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: convAttrs(8) },
      { name: 'relu1', op: 'relu', inputs: ['c1'], outputs: ['r1'], attrs: {} },
      { name: 'conv2', op: 'conv2d', inputs: ['r1', 'w2', 'b2'], outputs: ['c2'], attrs: convAttrs(16, 2) },
      { name: 'relu2', op: 'relu', inputs: ['c2'], outputs: ['r2'], attrs: {} },
      { name: 'gap', op: 'globalavgpool', inputs: ['r2'], outputs: ['g'], attrs: {} },
      { name: 'flat', op: 'flatten', inputs: ['g'], outputs: ['f'], attrs: { axis: 1 } },
      { name: 'fc', op: 'dense', inputs: ['f', 'w3', 'b3'], outputs: ['y'], attrs: { units: 10 } },
    ],
    ['y'],
  );
}
