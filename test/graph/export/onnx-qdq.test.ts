/**
 * The ONNX QDQ writer: exported models parse back with onnx-buf in the documented layout, and
 * importOnnx(exportOnnxQdq(g)) gives g back (same node names, ops, attrs, tensor names, shapes,
 * roles, QuantSpecs, stored values and data) for a quantized ResNet-like graph, a float graph, a
 * graph of formats ONNX has no element type for, and the node-test models.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataType as DT } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { exportOnnxQdq } from '../../../src/graph/export/onnx-qdq.js';
import { importOnnx } from '../../../src/graph/import/onnx/index.js';
import type { Graph, QuantSpec } from '../../../src/graph/ir.js';
import { Rng } from '../../../src/units/index.js';
import { issuesOf } from '../../support/input-error.js';
import { loadNodeTest, nodeTestNames } from '../import/node-tests.js';
import { act, floatNet, n, qconst, quantResNet } from './graphs.js';
import { structure } from './structure.js';

describe('exportOnnxQdq round trip', () => {
  it.each([
    ['quantized ResNet-like', quantResNet],
    ['float', floatNet],
  ])('%s graph', (_, make) => {
    const g = make();
    const back = importOnnx(exportOnnxQdq(g));
    expect(structure(back)).toEqual(structure(g));
  });
});

describe('exported models read back with onnx-buf', () => {
  it('opset 21, IR 10; codes initializers, float32 scales, Q / DQ around every quantized tensor', () => {
    const model = fromBinary(ModelProtoSchema, exportOnnxQdq(quantResNet()));
    expect(model.irVersion).toBe(10n);
    expect(model.opsetImport.map((o) => [o.domain, o.version])).toEqual([['', 21n]]);
    const g = model.graph!;
    const types = new Map(g.initializer.map((t) => [t.name, t.dataType]));
    expect(types.get('conv1.weight')).toBe(DT.INT8);
    expect(types.get('conv1.bias')).toBe(DT.INT32);
    expect(types.get('conv1.weight__scale')).toBe(DT.FLOAT);
    expect(g.initializer.find((t) => t.name === 'conv1.weight__scale')!.dims).toEqual([8n]);
    const count = (op: string) => g.node.filter((n) => n.opType === op).length;
    // Q: 7 quantized node outputs + the requantize node; DQ: 5 weights / biases, 8 views of quantized
    // activations for float readers, the dequantize node
    expect(count('QuantizeLinear')).toBe(8);
    expect(count('DequantizeLinear')).toBe(14);
    expect(g.node.find((n) => n.name === 'r2_out')!.metadataProps.map((m) => [m.key, m.value])).toEqual([
      ['bitcycle.op', 'dequantize'],
    ]);
    expect(
      g.node.find((n) => n.name === 'conv2.weight__dequantize')!.metadataProps.map((m) => [m.key, m.value]),
    ).toEqual([['bitcycle.narrow', 'true']]);
    expect(
      g.output.map((o) => [o.name, o.type?.value.case === 'tensorType' ? o.type.value.value.elemType : 0]),
    ).toEqual([
      ['logits', DT.FLOAT],
      ['r2_real', DT.FLOAT],
    ]);
  });

  it('packs int4 codes two per byte and keeps formats ONNX has no type for (int3, binary) in metadata', () => {
    const rng = new Rng(5);
    const w4: QuantSpec = {
      format: 'int4',
      scale: [0.5, 0.25, 0.125, 1],
      zeroPoint: 0,
      axis: 1,
      blockSize: 2,
    };
    const g: Graph = {
      name: 'small',
      inputs: ['x'],
      outputs: ['y'],
      tensors: new Map(
        [
          {
            name: 'x',
            shape: [1, 4],
            role: 'input' as const,
            dtype: 'float32' as const,
            quant: { format: 'int3', scale: 0.5, zeroPoint: 1, rounding: 'floor' as const },
          },
          {
            name: 'w',
            shape: [4, 2],
            role: 'weight' as const,
            dtype: 'float32' as const,
            quant: { format: 'binary', scale: 0.125, zeroPoint: 0 },
            stored: Float64Array.from([1, -1, -1, 1, 1, 1, -1, -1]),
            data: Float32Array.from([1, -1, -1, 1, 1, 1, -1, -1].map((v) => v * 0.125)),
          },
          qconst(rng, 'w4', [2, 3], 'weight', w4, [-8, 7]),
          act('h', [1, 2], { format: 'uint5', scale: 0.5, zeroPoint: 3, scaleType: 'float16' }),
          act('y', [1, 3]),
        ].map((t) => [t.name, t]),
      ),
      nodes: [
        n('dense', 'fc1', ['x', 'w'], 'h', { units: 2 }),
        n('dense', 'fc2', ['h', 'w4'], 'y', { units: 3 }),
      ],
    };
    const fixed = g;
    const bytes = exportOnnxQdq(fixed);
    const model = fromBinary(ModelProtoSchema, bytes);
    const w4t = model.graph!.initializer.find((t) => t.name === 'w4')!;
    expect(w4t.dataType).toBe(DT.INT4);
    const stored = fixed.tensors.get('w4')!.stored!;
    expect(Array.from(w4t.rawData)).toEqual(
      [0, 1, 2].map((k) => ((stored[2 * k]! & 15) | ((stored[2 * k + 1]! & 15) << 4)) & 255),
    );
    expect(model.graph!.input[0]!.type?.value.value).toMatchObject({ elemType: DT.INT8 });
    expect(structure(importOnnx(bytes))).toEqual(structure(fixed));
  });

  it('refuses what ONNX QDQ cannot hold, all at once', () => {
    const g: Graph = {
      name: 'bad',
      inputs: ['x'],
      outputs: ['y'],
      tensors: new Map(
        [
          {
            name: 'x',
            shape: [1, 2],
            role: 'input' as const,
            dtype: 'float32' as const,
            quant: { format: 'posit<8,0>', scale: 1, zeroPoint: 0 },
          },
          { name: 'w', shape: [2, 2], role: 'weight' as const, dtype: 'float32' as const },
          act('h', [1, 2], { format: 'int32', scale: 1, zeroPoint: 0 }),
          act('y', [1, 2]),
        ].map((t) => [t.name, t]),
      ),
      nodes: [n('dense', 'fc', ['x', 'w'], 'h', { units: 2 }), n('relu', 'relu', ['h'], 'y', {})],
    };
    expect(issuesOf(() => exportOnnxQdq(g)).map((i) => i.path)).toEqual([
      'tensors.w.data',
      'inputs.x.quant.format',
      'tensors.x.quant.format',
      'tensors.h.quant.format',
    ]);
  });
});

describe('ONNX node-test models through import → export → import', () => {
  it.each(nodeTestNames())('%s', (name) => {
    const t = loadNodeTest(name);
    const g = importOnnx(t.bytes, { modelPath: t.modelPath, bindInputs: t.bind });
    const op = t.model.graph!.node[0]!.opType;
    if (op === 'ConvInteger' || op === 'MatMulInteger') {
      expect(issuesOf(() => exportOnnxQdq(g))[0]!.expected).toContain('int32 activations have no QDQ form');
      return;
    }
    expect(structure(importOnnx(exportOnnxQdq(g)))).toEqual(structure(g));
  });
});
