/**
 * "Done means": a ResNet-like model quantized by quantizeGraph, exported as ONNX QDQ
 * (exportOnnxQdq), imports back (importOnnx) to the identical IR — node names, ops and attrs, tensor
 * names, shapes, roles, QuantSpecs, stored values and data — for int8 per-channel weights with
 * uint8 activations and for int4 weights (uint8 and uint4 activations); the bitcycle-graph JSON
 * round trip is identical too; and the re-imported graph executes to bit-identical values.
 *
 * The net: conv → batchnorm → relu → conv → residual add → relu → global average pool → flatten →
 * dense. quantizeGraph does not fold batch normalization; it stays a float op between the
 * quantized conv output and the relu, and the exporter writes it as BatchNormalization reading a
 * DequantizeLinear view. The model declares every tensor, as every loader's graphs do (the
 * importer's canonical form); a graph that leaves intermediate tensors undeclared exports too, and
 * reads back with them declared.
 */
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../src/graph/analyze.js';
import { exportOnnxQdq } from '../../src/graph/export/onnx-qdq.js';
import { importOnnx } from '../../src/graph/import/onnx/index.js';
import type { Graph, QuantSpec, TensorInfo } from '../../src/graph/ir.js';
import { graphFromJson, graphToJson } from '../../src/graph/serialize.js';
import { executeGraph } from '../../src/numerics/execute.js';
import type { ExecTensor } from '../../src/numerics/types.js';
import {
  materializeParameters,
  quantizeGraph,
  seededInputs,
  type InputSet,
  type QuantizeOptions,
} from '../../src/quant/index.js';
import { structure } from '../graph/export/structure.js';
import { bias, convAttrs, graphOf, smallCnn, weight } from './helpers.js';

const act = (name: string, shape: readonly number[]): TensorInfo => ({
  name,
  shape,
  role: 'activation',
  dtype: 'float32',
});

/** The ResNet-like float net; parameters are shape-only (seeded by quantizeGraph). */
function resnetLike(): Graph {
  const constant = (name: string): TensorInfo => ({ name, shape: [8], role: 'constant', dtype: 'float32' });
  const map = [1, 8, 8, 8];
  return graphOf(
    [{ name: 'x', shape: [1, 3, 8, 8], role: 'input', dtype: 'float32' }],
    [
      weight('conv1.weight', [8, 3, 3, 3]),
      bias('conv1.bias', [8]),
      weight('bn1.gamma', [8]),
      bias('bn1.beta', [8]),
      constant('bn1.mean'),
      constant('bn1.var'),
      weight('conv2.weight', [8, 8, 3, 3]),
      bias('conv2.bias', [8]),
      weight('fc.weight', [8, 10]),
      bias('fc.bias', [10]),
      ...['c1', 'n1', 'r1', 'c2', 'sum', 'r2'].map((n) => act(n, map)),
      act('pooled', [1, 8, 1, 1]),
      act('flat', [1, 8]),
      act('logits', [1, 10]),
    ],
    [
      {
        name: 'conv1',
        op: 'conv2d',
        inputs: ['x', 'conv1.weight', 'conv1.bias'],
        outputs: ['c1'],
        attrs: convAttrs(8),
      },
      {
        name: 'bn1',
        op: 'batchnorm',
        inputs: ['c1', 'bn1.gamma', 'bn1.beta', 'bn1.mean', 'bn1.var'],
        outputs: ['n1'],
        attrs: { epsilon: 1e-5 },
      },
      { name: 'relu1', op: 'relu', inputs: ['n1'], outputs: ['r1'], attrs: {} },
      {
        name: 'conv2',
        op: 'conv2d',
        inputs: ['r1', 'conv2.weight', 'conv2.bias'],
        outputs: ['c2'],
        attrs: convAttrs(8),
      },
      { name: 'residual', op: 'add', inputs: ['r1', 'c2'], outputs: ['sum'], attrs: {} },
      { name: 'relu2', op: 'relu', inputs: ['sum'], outputs: ['r2'], attrs: {} },
      { name: 'pool', op: 'globalavgpool', inputs: ['r2'], outputs: ['pooled'], attrs: {} },
      { name: 'flatten', op: 'flatten', inputs: ['pooled'], outputs: ['flat'], attrs: { axis: 1 } },
      {
        name: 'fc',
        op: 'dense',
        inputs: ['flat', 'fc.weight', 'fc.bias'],
        outputs: ['logits'],
        attrs: { units: 10 },
      },
    ],
    ['logits'],
  );
}

const float = materializeParameters(resnetLike(), 5);
const calibration = seededInputs(float, 4, 21);
const inputs = seededInputs(float, 2, 22);

function run(g: Graph, input: InputSet): Map<string, ExecTensor> {
  return executeGraph(g, new Map([...input].map(([k, t]) => [k, { real: t.data }])), { keep: 'all' });
}

function scales(q: QuantSpec | undefined): number {
  return q === undefined ? 0 : typeof q.scale === 'number' ? 1 : q.scale.length;
}

const configs: [string, Omit<QuantizeOptions, 'calibration'>][] = [
  ['int8 per-channel weights, uint8 activations', { weights: 'int8', activations: 'uint8' }],
  ['int4 per-channel weights, uint8 activations', { weights: 'int4', activations: 'uint8' }],
  ['int4 per-channel weights, uint4 activations', { weights: 'int4', activations: 'uint4' }],
  [
    'int8 per-tensor weights, uint8 activations',
    { weights: 'int8', activations: 'uint8', granularity: 'per-tensor' },
  ],
];

describe.each(configs)('quantizeGraph → exportOnnxQdq → importOnnx: %s', (_, opts) => {
  const q = quantizeGraph(float, { ...opts, calibration });
  const perChannel = opts.granularity !== 'per-tensor';

  it('the quantized graph carries the specs the round trip must keep', () => {
    const quantized = [...q.tensors.values()].filter((t) => t.quant !== undefined).map((t) => t.name);
    expect(quantized.sort()).toEqual(
      [
        'x',
        'conv1.weight',
        'conv1.bias',
        'c1',
        'r1',
        'conv2.weight',
        'conv2.bias',
        'c2',
        'flat',
        'fc.weight',
        'fc.bias',
        'logits',
      ].sort(),
    );
    const w1 = q.tensors.get('conv1.weight')!;
    expect(w1.quant?.format).toBe(opts.weights);
    expect(scales(w1.quant)).toBe(perChannel ? 8 : 1);
    expect(scales(q.tensors.get('fc.weight')!.quant)).toBe(perChannel ? 10 : 1);
    expect(q.tensors.get('conv1.bias')!.quant?.format).toBe('int32');
    expect(q.tensors.get('r1')!.quant?.format).toBe(opts.activations);
    expect(q.tensors.get('n1')!.quant).toBeUndefined();
  });

  it('re-imports to the identical IR', () => {
    const back = importOnnx(exportOnnxQdq(q));
    expect(structure(back)).toEqual(structure(q));
    expect(back.name).toBe(q.name);
    // the default formats (QuantDefaults) and the provenance travel in the model's metadata_props
    expect(q.quant).toBeDefined();
    expect(back).toEqual(q);
  });

  it('round-trips through bitcycle-graph JSON identically', () => {
    expect(graphFromJson(graphToJson(q), 'q.json')).toEqual(q);
  });

  it('the re-imported graph executes to bit-identical values', () => {
    const back = importOnnx(exportOnnxQdq(q));
    for (const input of inputs) {
      const want = run(q, input);
      const got = run(back, input);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [name, t] of want) expect(got.get(name)).toEqual(t);
      // not vacuous: the logits are quantized, with codes of their format
      expect(want.get('logits')!.stored).toBeDefined();
    }
  });
});

describe('a quantized graph whose intermediate tensors are not declared', () => {
  const cnn = materializeParameters(smallCnn(), 3);
  const q = quantizeGraph(cnn, {
    weights: 'int8',
    activations: 'uint8',
    calibration: seededInputs(cnn, 2, 8),
  });
  const undeclared = q.nodes.flatMap((n) => n.outputs).filter((o) => !q.tensors.has(o));

  it('exports, and reads back with those tensors declared as float activations', () => {
    expect(undeclared).toEqual(['r2', 'g']);
    const back = importOnnx(exportOnnxQdq(q));
    const shapes = analyzeGraph(q).shapes;
    const declared: Graph = {
      ...q,
      tensors: new Map([
        ...q.tensors,
        ...undeclared.map((n): [string, TensorInfo] => [n, act(n, shapes.get(n)!)]),
      ]),
    };
    expect(structure(back)).toEqual(structure(declared));
    const input = seededInputs(cnn, 1, 9)[0]!;
    expect(run(back, input)).toEqual(run(q, input));
  });
});
