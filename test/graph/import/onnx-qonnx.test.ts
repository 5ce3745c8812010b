/**
 * QONNX (qonnx.custom_op.general / finn.custom_op.general): Quant / IntQuant, BipolarQuant and
 * Trunc as QuantSpecs. Stored codes of quantized weights are worked out by hand with QONNX's
 * formula clamp(round(x / scale + zeropt)).
 */
import { describe, expect, it } from 'vitest';
import { importOnnx, importOnnxModel } from '../../../src/graph/import/onnx/index.js';
import { issuesOf } from '../../support/input-error.js';
import { f32, floatTensor, modelBytes, node, scalar, type Attr } from './onnx-builder.js';

const QONNX = 'qonnx.custom_op.general';
const f = Math.fround;

function quantModel(
  attrs: Readonly<Record<string, Attr>>,
  w: readonly number[],
  scale: readonly number[],
  bits: number,
  domain = QONNX,
) {
  return modelBytes({
    nodes: [
      node('Quant', ['w', 's', 'z', 'bw'], ['wq'], { name: 'quant_w', domain, attrs }),
      node('Conv', ['x', 'wq'], ['y'], { name: 'conv' }),
    ],
    initializers: [
      floatTensor('w', [scale.length, 1, 1, 2], w),
      floatTensor('s', [scale.length, 1, 1, 1], scale),
      scalar('z', 0),
      scalar('bw', bits),
    ],
    inputs: [f32('x', [1, 1, 3, 3])],
    outputs: [f32('y', [1, scale.length, 3, 2])],
    domains: { [domain]: 1 },
  });
}

describe('QONNX Quant', () => {
  it('quantizes a weight into stored codes: per channel, signed, narrow, with the rounding mode', () => {
    const w = [0.25, -0.75, 5, -5];
    const g = importOnnx(quantModel({ signed: 1, narrow: 1, rounding_mode: 'ROUND' }, w, [0.5, 1], 3));
    // x / s: 0.5, −1.5 | 5, −5 → half-even 0, −2 | clamp to int3 narrow [−3, 3]: 3, −3
    const t = g.tensors.get('wq')!;
    expect(t.quant).toEqual({ format: 'int3', scale: [0.5, 1], zeroPoint: 0, axis: 0, narrow: true });
    expect(Array.from(t.stored!)).toEqual([0, -2, 3, -3]);
    expect(Array.from(t.data!)).toEqual([0, -1, 3, -3]);
    expect(t.role).toBe('weight');
    expect(g.nodes).toEqual([expect.objectContaining({ op: 'conv2d', inputs: ['x', 'wq'] })]);
  });

  it.each([
    ['CEIL', 'ceil', [1, -1, 5, -5]],
    ['floor', 'floor', [0, -2, 5, -5]],
    ['UP', 'away-from-zero', [1, -2, 5, -5]],
    ['DOWN', 'toward-zero', [0, -1, 5, -5]],
    ['HALF_UP', 'nearest-away', [1, -2, 5, -5]],
    ['HALF_DOWN', 'nearest-toward-zero', [0, -1, 5, -5]],
  ])('rounding_mode %s is %s (unsigned 8-bit codes clamp at 0)', (mode, rounding, want) => {
    const g = importOnnx(
      quantModel(
        { signed: 1, narrow: 0, rounding_mode: mode },
        [0.25, -0.75, 5, -5],
        [0.5, 1],
        8,
        'finn.custom_op.general',
      ),
    );
    const t = g.tensors.get('wq')!;
    expect(t.quant?.rounding).toBe(rounding);
    expect(Array.from(t.stored!)).toEqual(want);
  });

  it('an activation Quant folds into the producing node; on a graph input it is a requantize node', () => {
    const g = importOnnx(
      modelBytes({
        nodes: [
          node('Quant', ['x', 's', 'z', 'bw'], ['xq'], {
            name: 'qin',
            domain: QONNX,
            attrs: { signed: 1, narrow: 0 },
          }),
          node('Relu', ['xq'], ['r'], { name: 'relu' }),
          node('Quant', ['r', 's', 'z8', 'bw4'], ['y'], {
            name: 'qr',
            domain: QONNX,
            attrs: { signed: 0, narrow: 0 },
          }),
        ],
        initializers: [
          scalar('s', 0.125),
          scalar('z', 0),
          scalar('z8', 8),
          scalar('bw', 5),
          scalar('bw4', 4),
        ],
        inputs: [f32('x', [1, 4])],
        outputs: [f32('y', [1, 4])],
        domains: { [QONNX]: 1 },
      }),
    );
    expect(g.nodes.map((n) => [n.name, n.op, n.inputs, n.outputs])).toEqual([
      ['qin', 'requantize', ['x'], ['xq']],
      ['relu', 'relu', ['xq'], ['y']],
    ]);
    expect(g.tensors.get('xq')?.quant).toEqual({ format: 'int5', scale: 0.125, zeroPoint: 0 });
    expect(g.tensors.get('y')?.quant).toEqual({ format: 'uint4', scale: 0.125, zeroPoint: 8 });
  });

  it('notes that a non-zero zero point rounds differently on ties; refuses unsigned narrow and fractional bit widths', () => {
    const { notes } = importOnnxModel(
      modelBytes({
        nodes: [node('Quant', ['x', 's', 'z', 'bw'], ['y'], { domain: QONNX, attrs: { signed: 0 } })],
        initializers: [scalar('s', 1), scalar('z', 3), scalar('bw', 8)],
        inputs: [f32('x', [2])],
        outputs: [f32('y', [2])],
        domains: { [QONNX]: 1 },
      }),
    );
    expect(notes.some((n) => n.includes('non-zero zero point'))).toBe(true);
    const issues = issuesOf(() =>
      importOnnx(
        modelBytes({
          nodes: [
            node('Quant', ['x', 's', 'z', 'bw'], ['a'], {
              name: 'un',
              domain: QONNX,
              attrs: { signed: 0, narrow: 1 },
            }),
            node('Quant', ['x', 's', 'z', 'half'], ['b'], { name: 'frac', domain: QONNX }),
          ],
          initializers: [scalar('s', 1), scalar('z', 0), scalar('bw', 8), scalar('half', 2.5)],
          inputs: [f32('x', [2])],
          outputs: [f32('a', [2]), f32('b', [2])],
          domains: { [QONNX]: 1 },
        }),
      ),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'nodes[0] (un, Quant).attributes.narrow',
      'nodes[1] (frac, Quant).inputs[3] (bitwidth)',
    ]);
  });
});

describe('QONNX BipolarQuant and Trunc', () => {
  it('BipolarQuant weights are binary codes ±1 (0 → +1), signed 1-bit Quant likewise', () => {
    const g = importOnnx(
      modelBytes({
        nodes: [
          node('BipolarQuant', ['w', 's'], ['wb'], { domain: QONNX }),
          node('Quant', ['w', 's', 'z', 'one'], ['w1'], { domain: QONNX, attrs: { signed: 1 } }),
          node('MatMul', ['x', 'wb'], ['a'], { name: 'mm' }),
          node('MatMul', ['a', 'w1'], ['y'], { name: 'mm1' }),
        ],
        initializers: [
          floatTensor('w', [2, 2], [0.3, 0, -0.1, -2]),
          scalar('s', 0.5),
          scalar('z', 0),
          scalar('one', 1),
        ],
        inputs: [f32('x', [1, 2])],
        outputs: [f32('y', [1, 2])],
        domains: { [QONNX]: 1 },
      }),
    );
    for (const name of ['wb', 'w1']) {
      expect(g.tensors.get(name)).toMatchObject({
        quant: { format: 'binary', scale: 0.5, zeroPoint: 0 },
        stored: Float64Array.from([1, 1, -1, -1]),
        data: Float32Array.from([0.5, 0.5, -0.5, -0.5]),
      });
    }
  });

  it('Trunc (v1: X, scale, zeropt, in_bitwidth, out_bitwidth) is a requantization to out_bitwidth at scale·2^(in−out)', () => {
    const g = importOnnx(
      modelBytes({
        nodes: [
          node('Quant', ['x', 's', 'z', 'b8'], ['xq'], { domain: QONNX, attrs: { signed: 1 } }),
          node('AveragePool', ['xq'], ['p'], { name: 'pool', attrs: { kernel_shape: [2, 2] } }),
          node('Trunc', ['p', 's', 'z', 'b8', 'b4'], ['y'], { name: 'trunc', domain: QONNX }),
        ],
        initializers: [scalar('s', 0.25), scalar('z', 0), scalar('b8', 8), scalar('b4', 4)],
        inputs: [f32('x', [1, 1, 2, 2])],
        outputs: [f32('y', [1, 1, 1, 1])],
        domains: { [QONNX]: 1 },
      }),
    );
    expect(g.nodes.map((n) => n.op)).toEqual(['requantize', 'avgpool']);
    expect(g.tensors.get('y')?.quant).toEqual({
      format: 'int4',
      scale: f(0.25 * 16),
      zeroPoint: 0,
      rounding: 'floor',
    });
  });
});
