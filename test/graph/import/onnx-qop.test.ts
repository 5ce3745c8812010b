/**
 * The QOperator form: QLinearConv with per-channel weights and an int32 bias, com.microsoft
 * QLinearAdd / QLinearMul / QLinearGlobalAveragePool, MatMulInteger with per-column zero points;
 * and the checks that tie a tensor's spec to every node that reads it.
 */
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../../src/graph/import/onnx/index.js';
import type { QuantSpec } from '../../../src/graph/ir.js';
import { issuesOf } from '../../support/input-error.js';
import { DT, f32, floatTensor, intTensor, modelBytes, node, scalar, tensorInfo } from './onnx-builder.js';

const f = Math.fround;
const MS = { 'com.microsoft': 1 };

function qparams(prefix: string, scale: number, zp: number, type = DT.UINT8) {
  return [scalar(`${prefix}_s`, scale), intTensor(`${prefix}_zp`, [], type, [zp])];
}

describe('QOperator models', () => {
  it('QLinearConv (per-channel int8 weights, int32 bias) → QLinearAdd → QLinearGlobalAveragePool', () => {
    const g = importOnnx(
      modelBytes({
        nodes: [
          node('QLinearConv', ['x', 'x_s', 'x_zp', 'w', 'w_s', 'w_zp', 'c_s', 'c_zp', 'b'], ['c'], {
            name: 'conv',
          }),
          node('QLinearAdd', ['c', 'c_s', 'c_zp', 'x', 'x_s', 'x_zp', 'a_s', 'a_zp'], ['a'], {
            name: 'add',
            domain: 'com.microsoft',
          }),
          node('QLinearGlobalAveragePool', ['a', 'a_s', 'a_zp', 'p_s', 'p_zp'], ['y'], {
            name: 'gap',
            domain: 'com.microsoft',
          }),
        ],
        initializers: [
          ...qparams('x', 0.5, 10),
          intTensor('w', [2, 2, 1, 1], DT.INT8, [1, -1, 2, -2]),
          floatTensor('w_s', [2], [0.1, 0.2]),
          intTensor('w_zp', [2], DT.INT8, [0, 0]),
          intTensor('b', [2], DT.INT32, [5, -5]),
          ...qparams('c', 0.25, 3),
          ...qparams('a', 0.75, 4),
          ...qparams('p', 0.75, 4),
        ],
        inputs: [tensorInfo('x', DT.UINT8, [1, 2, 3, 3])],
        outputs: [tensorInfo('y', DT.UINT8, [1, 2, 1, 1])],
        domains: MS,
        opset: 13,
      }),
    );
    const xq: QuantSpec = { format: 'uint8', scale: 0.5, zeroPoint: 10 };
    expect(g.tensors.get('x')?.quant).toEqual(xq);
    expect(g.tensors.get('w')).toMatchObject({
      role: 'weight',
      quant: { format: 'int8', scale: [f(0.1), f(0.2)], zeroPoint: 0, axis: 0 },
      stored: Float64Array.from([1, -1, 2, -2]),
    });
    expect(g.tensors.get('b')).toMatchObject({
      role: 'bias',
      dtype: 'int32',
      quant: { format: 'int32', scale: [f(0.5 * f(0.1)), f(0.5 * f(0.2))], zeroPoint: 0, axis: 0 },
      stored: Float64Array.from([5, -5]),
    });
    expect(g.nodes.map((n) => [n.name, n.op, n.inputs, n.outputs])).toEqual([
      ['conv', 'conv2d', ['x', 'w', 'b'], ['c']],
      ['add', 'add', ['c', 'x'], ['a']],
      ['gap', 'globalavgpool', ['a'], ['y']],
    ]);
    expect(g.tensors.get('c')?.quant).toEqual({ format: 'uint8', scale: 0.25, zeroPoint: 3 });
    expect(g.tensors.get('y')?.quant).toEqual({ format: 'uint8', scale: 0.75, zeroPoint: 4 });
  });

  it('MatMulInteger with per-column zero points of B: a dense weight quantized along its last axis', () => {
    const g = importOnnx(
      modelBytes({
        nodes: [node('MatMulInteger', ['a', 'b', 'az', 'bz'], ['y'], { name: 'mm' })],
        initializers: [
          intTensor('b', [2, 3], DT.INT8, [1, 2, 3, 4, 5, 6]),
          intTensor('az', [], DT.INT8, [-1]),
          intTensor('bz', [3], DT.INT8, [0, 1, 2]),
        ],
        inputs: [tensorInfo('a', DT.INT8, [4, 2])],
        outputs: [tensorInfo('y', DT.INT32, [4, 3])],
      }),
    );
    expect(g.nodes).toEqual([
      { name: 'mm', op: 'dense', inputs: ['a', 'b'], outputs: ['y'], attrs: { units: 3 } },
    ]);
    expect(g.tensors.get('a')?.quant).toEqual({ format: 'int8', scale: 1, zeroPoint: -1 });
    expect(g.tensors.get('b')?.quant).toEqual({
      format: 'int8',
      scale: [1, 1, 1],
      zeroPoint: [0, 1, 2],
      axis: -1,
    });
    expect(g.tensors.get('y')).toMatchObject({
      dtype: 'int32',
      quant: { format: 'int32', scale: 1, zeroPoint: 0 },
    });
  });

  it('QLinearMul reading a tensor with another spec than its producer gave it is an issue; so is a float input', () => {
    const issues = issuesOf(() =>
      importOnnx(
        modelBytes({
          nodes: [
            node('QLinearMul', ['x', 'x_s', 'x_zp', 'x', 'o_s', 'x_zp', 'x_s', 'x_zp'], ['m'], {
              name: 'mul',
              domain: 'com.microsoft',
            }),
            node('Relu', ['f'], ['r'], { name: 'relu' }),
            node('QLinearAdd', ['r', 'x_s', 'x_zp', 'x', 'x_s', 'x_zp', 'x_s', 'x_zp'], ['y'], {
              name: 'add',
              domain: 'com.microsoft',
            }),
          ],
          initializers: [...qparams('x', 0.5, 0), scalar('o_s', 0.25)],
          inputs: [tensorInfo('x', DT.UINT8, [2]), f32('f', [2])],
          outputs: [tensorInfo('m', DT.UINT8, [2]), tensorInfo('y', DT.UINT8, [2])],
          domains: MS,
        }),
      ),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'nodes[0] (mul, QLinearMul).inputs[3]',
      'nodes[2] (add, QLinearAdd).inputs[0] (A)',
    ]);
    expect(issues[1]!.expected).toContain('quantized elements');
  });
});
