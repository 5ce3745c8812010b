/**
 * The QDQ form: DequantizeLinear of initializers becomes weights with QuantSpecs and stored codes,
 * QuantizeLinear → DequantizeLinear pairs on activations fold into the producing node's output, and
 * Q / DQ that cannot be folded become requantize / dequantize nodes. Expected specs and codes are
 * written by hand from the initializers each test builds.
 */
import { describe, expect, it } from 'vitest';
import { dequantizeLinear } from '../../../src/formats/index.js';
import { importOnnx, importOnnxModel } from '../../../src/graph/import/onnx/index.js';
import type { QuantSpec } from '../../../src/graph/ir.js';
import { issuesOf } from '../../support/input-error.js';
import {
  DT,
  f32,
  floatTensor,
  intTensor,
  modelBytes,
  node,
  scalar,
  tensorInfo,
  type ModelSpec,
} from './onnx-builder.js';

const f = Math.fround;

/** x → Q → DQ → Conv(DQ(w), DQ(b)) → Q → DQ → Relu → Q → y, as onnxruntime's quantizer writes it. */
function qdqConv(): ModelSpec {
  const wScales = [0.01, 0.02];
  return {
    nodes: [
      node('QuantizeLinear', ['x', 'x_s', 'x_zp'], ['x_q'], { name: 'q_x' }),
      node('DequantizeLinear', ['x_q', 'x_s', 'x_zp'], ['x_dq'], { name: 'dq_x' }),
      node('DequantizeLinear', ['w_q', 'w_s', 'w_zp'], ['w_dq'], { name: 'dq_w', attrs: { axis: 0 } }),
      node('DequantizeLinear', ['b_q', 'b_s'], ['b_dq'], { name: 'dq_b', attrs: { axis: 0 } }),
      node('Conv', ['x_dq', 'w_dq', 'b_dq'], ['c'], { name: 'conv', attrs: { pads: [1, 1, 1, 1] } }),
      node('QuantizeLinear', ['c', 'c_s', 'c_zp'], ['c_q'], { name: 'q_c' }),
      node('DequantizeLinear', ['c_q', 'c_s', 'c_zp'], ['c_dq'], { name: 'dq_c' }),
      node('Relu', ['c_dq'], ['r'], { name: 'relu' }),
      node('QuantizeLinear', ['r', 'r_s', 'r_zp'], ['y'], { name: 'q_r' }),
    ],
    initializers: [
      scalar('x_s', 0.5),
      intTensor('x_zp', [], DT.UINT8, [128]),
      intTensor(
        'w_q',
        [2, 1, 3, 3],
        DT.INT8,
        [1, -2, 3, -4, 5, -6, 7, -8, 127, -128, 0, 1, 2, 3, 4, 5, 6, 7],
      ),
      floatTensor('w_s', [2], wScales),
      intTensor('w_zp', [2], DT.INT8, [0, 0]),
      intTensor('b_q', [2], DT.INT32, [1000, -70000]),
      floatTensor(
        'b_s',
        [2],
        wScales.map((s) => f(0.5 * f(s))),
      ),
      scalar('c_s', 0.25),
      intTensor('c_zp', [], DT.INT8, [-3]),
      scalar('r_s', 0.125),
      intTensor('r_zp', [], DT.UINT8, [0]),
    ],
    inputs: [f32('x', [1, 1, 4, 4])],
    outputs: [tensorInfo('y', DT.UINT8, [1, 2, 4, 4])],
  };
}

describe('QDQ models', () => {
  it('folds weights, the int32 bias and activation Q→DQ pairs into QuantSpecs', () => {
    const g = importOnnx(modelBytes(qdqConv()));
    const xq: QuantSpec = { format: 'uint8', scale: 0.5, zeroPoint: 128 };
    const wq: QuantSpec = { format: 'int8', scale: [f(0.01), f(0.02)], zeroPoint: 0, axis: 0 };
    const bq: QuantSpec = {
      format: 'int32',
      scale: [f(0.5 * f(0.01)), f(0.5 * f(0.02))],
      zeroPoint: 0,
      axis: 0,
    };
    const cq: QuantSpec = { format: 'int8', scale: 0.25, zeroPoint: -3 };
    const rq: QuantSpec = { format: 'uint8', scale: 0.125, zeroPoint: 0 };
    expect(g.inputs).toEqual(['x']);
    expect(g.outputs).toEqual(['y']);
    expect(g.nodes.map((n) => [n.name, n.op, n.inputs, n.outputs])).toEqual([
      ['q_x', 'requantize', ['x'], ['x_q']],
      ['conv', 'conv2d', ['x_q', 'w_q', 'b_q'], ['c_q']],
      ['relu', 'relu', ['c_q'], ['y']],
    ]);
    expect(g.nodes[0]!.attrs).toEqual({ to: xq });
    expect(g.tensors.get('x_q')?.quant).toEqual(xq);
    const w = g.tensors.get('w_q')!;
    expect(w).toMatchObject({ role: 'weight', shape: [2, 1, 3, 3], dtype: 'float32', quant: wq });
    expect(Array.from(w.stored!)).toEqual([1, -2, 3, -4, 5, -6, 7, -8, 127, -128, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect(w.data![0]).toBe(f(f(0.01) * 1));
    expect(w.data![9]).toBe(f(f(0.02) * -128));
    const b = g.tensors.get('b_q')!;
    expect(b).toMatchObject({ role: 'bias', shape: [2], dtype: 'int32', quant: bq });
    expect(Array.from(b.stored!)).toEqual([1000, -70000]);
    expect(g.tensors.get('c_q')).toEqual({
      name: 'c_q',
      shape: [1, 2, 4, 4],
      role: 'activation',
      dtype: 'float32',
      quant: cq,
    });
    expect(g.tensors.get('y')?.quant).toEqual(rq);
    expect([...g.tensors.keys()].sort()).toEqual(['b_q', 'c_q', 'w_q', 'x', 'x_q', 'y']);
  });

  it('a DequantizeLinear into a graph output is a dequantize node; a Q after a fan-out is a requantize node', () => {
    const g = importOnnx(
      modelBytes({
        nodes: [
          node('Relu', ['x'], ['r'], { name: 'relu' }),
          node('QuantizeLinear', ['r', 's', 'zp'], ['rq'], { name: 'q' }),
          node('Sigmoid', ['r'], ['side'], { name: 'sig' }),
          node('DequantizeLinear', ['rq', 's', 'zp'], ['y'], { name: 'dq' }),
        ],
        initializers: [scalar('s', 0.1), intTensor('zp', [], DT.INT8, [0])],
        inputs: [f32('x', [3])],
        outputs: [f32('y', [3]), f32('side', [3])],
      }),
    );
    expect(g.nodes.map((n) => [n.name, n.op, n.inputs, n.outputs])).toEqual([
      ['relu', 'relu', ['x'], ['r']],
      ['q', 'requantize', ['r'], ['rq']],
      ['sig', 'sigmoid', ['r'], ['side']],
      ['dq', 'dequantize', ['rq'], ['y']],
    ]);
    expect(g.tensors.get('y')?.quant).toBeUndefined();
  });

  it('reads blocked int4 weights (packed two per byte) and transposes a per-channel Gemm weight', () => {
    const codes = [-8, 7, 1, -1, 2, -2, 3, -3, 0, 5, -5, 4];
    const g = importOnnx(
      modelBytes({
        nodes: [
          node('DequantizeLinear', ['w', 'ws', 'wz'], ['wd'], { attrs: { axis: 1, block_size: 2 } }),
          node('Gemm', ['x', 'wd'], ['y'], { name: 'fc', attrs: { transB: 1 } }),
        ],
        initializers: [
          intTensor('w', [3, 4], DT.INT4, codes),
          floatTensor('ws', [3, 2], [1, 2, 3, 4, 5, 6]),
          intTensor('wz', [3, 2], DT.INT4, [0, 0, 0, 1, 0, 0]),
        ],
        inputs: [f32('x', [2, 4])],
        outputs: [f32('y', [2, 3])],
      }),
    );
    // [N=3, K=4] blocked along K → [K=4, N=3], blocked along axis 0; the scale grid transposes too.
    const w = g.tensors.get('w')!;
    expect(w.quant).toEqual({
      format: 'int4',
      scale: [1, 3, 5, 2, 4, 6],
      zeroPoint: [0, 0, 0, 0, 1, 0],
      axis: 0,
      blockSize: 2,
    });
    expect(w.shape).toEqual([4, 3]);
    expect(Array.from(w.stored!)).toEqual([-8, 2, 0, 7, -2, 5, 1, 3, -5, -1, -3, 4]);
    const direct = dequantizeLinear(
      Uint32Array.from(codes, (c) => c & 15),
      [3, 4],
      { format: 'int4', scale: [1, 2, 3, 4, 5, 6], zeroPoint: [0, 0, 0, 1, 0, 0], axis: 1, blockSize: 2 },
    );
    expect(Array.from(w.data!)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11].map((i) => direct[i]));
    expect(g.nodes[0]!.op).toBe('dense');
  });

  it('fake-quantized float weights (Q then DQ of an initializer) become stored codes', () => {
    const g = importOnnx(
      modelBytes({
        nodes: [
          node('QuantizeLinear', ['w', 's', 'zp'], ['wq']),
          node('DequantizeLinear', ['wq', 's', 'zp'], ['wd']),
          node('MatMul', ['x', 'wd'], ['y'], { name: 'mm' }),
        ],
        initializers: [
          floatTensor('w', [2, 2], [0.26, -0.74, 1.2, 100]),
          scalar('s', 0.5),
          intTensor('zp', [], DT.INT8, [1]),
        ],
        inputs: [f32('x', [1, 2])],
        outputs: [f32('y', [1, 2])],
      }),
    );
    // round-half-even(w / 0.5) + 1, saturated: 0.52 → 1+1, −1.48 → −1+1, 2.4 → 2+1, 200 → 127
    expect(Array.from(g.tensors.get('wq')!.stored!)).toEqual([2, 0, 3, 127]);
    expect(g.nodes[0]).toMatchObject({ op: 'dense', inputs: ['x', 'wq'] });
  });

  it('reads float8 weights as their decoded values, and bitcycle metadata (int3 in INT8, narrow, rounding)', () => {
    const g = importOnnx(
      modelBytes({
        nodes: [
          node('DequantizeLinear', ['w8', 's'], ['w8d']),
          node('MatMul', ['x', 'w8d'], ['m'], { name: 'mm' }),
          node('QuantizeLinear', ['m', 's', 'z3'], ['y'], {
            metadata: { 'bitcycle.format': 'int3', 'bitcycle.narrow': 'true', 'bitcycle.rounding': 'floor' },
          }),
        ],
        initializers: [
          intTensor('w8', [2, 1], DT.FLOAT8E4M3FN, [0x38, 0xc4]),
          scalar('s', 2),
          intTensor('z3', [], DT.INT8, [0]),
        ],
        inputs: [f32('x', [1, 2])],
        outputs: [tensorInfo('y', DT.INT8, [1, 1])],
      }),
    );
    // e4m3fn 0x38 = 1, 0xc4 = −3
    expect(g.tensors.get('w8')).toMatchObject({
      quant: { format: 'fp8-e4m3fn', scale: 2, zeroPoint: 0 },
      stored: Float64Array.from([1, -3]),
      data: Float32Array.from([2, -6]),
    });
    expect(g.nodes[0]).toMatchObject({ op: 'dense', outputs: ['y'] });
    expect(g.tensors.get('y')?.quant).toEqual({
      format: 'int3',
      scale: 2,
      zeroPoint: 0,
      narrow: true,
      rounding: 'floor',
    });
  });

  it('refuses what a QuantSpec cannot say, all at once: saturate=0 to float8, a float16 precision, a DQ that disagrees with its Q', () => {
    const issues = issuesOf(() =>
      importOnnx(
        modelBytes({
          nodes: [
            node('QuantizeLinear', ['x', 's', 'z8'], ['a'], { name: 'sat', attrs: { saturate: 0 } }),
            node('QuantizeLinear', ['x', 's'], ['b'], { name: 'prec', attrs: { precision: DT.FLOAT16 } }),
            node('Relu', ['x'], ['r'], { name: 'relu' }),
            node('QuantizeLinear', ['r', 's'], ['rq'], { name: 'q' }),
            node('DequantizeLinear', ['rq', 's2'], ['y'], { name: 'dq' }),
            node('Sigmoid', ['y'], ['z'], { name: 'sig' }),
          ],
          initializers: [scalar('s', 1), scalar('s2', 2), intTensor('z8', [], DT.FLOAT8E4M3FN, [0])],
          inputs: [f32('x', [2])],
          outputs: [f32('z', [2])],
        }),
      ),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'nodes[0] (sat, QuantizeLinear).attributes.saturate',
      'nodes[1] (prec, QuantizeLinear).attributes.precision',
      'nodes[4] (dq, DequantizeLinear).inputs[0]',
    ]);
  });

  it('a quantized graph input takes its spec from the DequantizeLinear reading it; notes float16 scales', () => {
    const { graph, notes } = importOnnxModel(
      modelBytes({
        nodes: [
          node('DequantizeLinear', ['x', 's', 'zp'], ['xd']),
          node('Relu', ['xd'], ['y'], { name: 'relu' }),
        ],
        initializers: [
          {
            ...floatTensor('s', [], [0]),
            dataType: DT.FLOAT16,
            floatData: [],
            rawData: new Uint8Array([0x00, 0x3c]),
          },
          intTensor('zp', [], DT.UINT8, [3]),
        ],
        inputs: [tensorInfo('x', DT.UINT8, [2, 2])],
        outputs: [f32('y', [2, 2])],
      }),
    );
    expect(graph.tensors.get('x')).toEqual({
      name: 'x',
      shape: [2, 2],
      role: 'input',
      dtype: 'float32',
      quant: { format: 'uint8', scale: 1, zeroPoint: 3, scaleType: 'float16' },
    });
    expect(graph.nodes).toEqual([{ name: 'relu', op: 'relu', inputs: ['x'], outputs: ['y'], attrs: {} }]);
    expect(notes.some((n) => n.includes('FLOAT16'))).toBe(true);
  });
});
