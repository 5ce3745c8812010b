/**
 * The executor against ONNX backend node tests (the reference outputs of onnx/onnx, in
 * ../shared/onnx-node-tests): QLinearConv, QLinearMatMul (2D/3D, int8/uint8, float32/float16
 * scales), ConvInteger, MatMulInteger, QuantizeLinear and DequantizeLinear. Each ONNX node is
 * written by hand as the IR the importer produces (non-first inputs bound as constants), run with
 * the default arithmetic (int32 wrap, float requantization), and compared bit for bit.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFormat } from '../../src/formats/index.js';
import { onnxElemTypeFormat, type OnnxTensor } from '../../src/graph/import/onnx-tensor.js';
import type { Graph, QuantSpec } from '../../src/graph/ir.js';
import { executeGraph } from '../../src/numerics/execute.js';
import type { ExecTensor } from '../../src/numerics/types.js';
import { onnxNodeTestsDir } from '../formats/helpers.js';
import {
  graphOf,
  intAttr,
  intsAttr,
  loadOnnxCase,
  node,
  onnxSpec,
  tensor,
  type OnnxCase,
} from './helpers.js';

const INT32: QuantSpec = { format: 'int32', scale: 1, zeroPoint: 0 };

function run(g: Graph, x: OnnxTensor): ExecTensor {
  const out = executeGraph(g, new Map([[g.inputs[0]!, { stored: Float64Array.from(x.values) }]]));
  return out.get(g.outputs[0]!)!;
}

function expectStored(got: ExecTensor, want: OnnxTensor): void {
  expect(got.shape).toEqual(want.dims);
  expect(Array.from(got.stored!)).toEqual(Array.from(want.values));
}

/** conv2d attrs of an ONNX Conv-like node (explicit pads only; these tests use no auto_pad). */
function convNodeAttrs(c: OnnxCase, w: OnnxTensor) {
  const kernel = intsAttr(c, 'kernel_shape', w.dims.slice(2));
  const pads = intsAttr(c, 'pads', [0, 0, 0, 0]);
  return {
    outChannels: w.dims[0]!,
    kernel: [kernel[0]!, kernel[1]!] as const,
    stride: intsAttr(c, 'strides', [1, 1]) as unknown as readonly [number, number],
    // ONNX pads: [top, left, bottom, right] for 2-D (x1_begin, x2_begin, x1_end, x2_end)
    pads: [pads[0]!, pads[1]!, pads[2]!, pads[3]!] as const,
    dilation: intsAttr(c, 'dilations', [1, 1]) as unknown as readonly [number, number],
    groups: intAttr(c, 'group', 1),
  };
}

function outShape(t: OnnxTensor): number[] {
  return [...t.dims];
}

/** Per-channel weight specs along axis 0 when the scale / zero point has one entry per channel. */
function weightSpec(w: OnnxTensor, scale: OnnxTensor | undefined, zp: OnnxTensor | undefined): QuantSpec {
  const perChannel = (scale?.values.length ?? 1) > 1 || (zp?.values.length ?? 1) > 1;
  const channels = w.dims[0]!;
  const spec = onnxSpec(w, scale, zp, perChannel ? { axis: 0 } : {});
  if (!perChannel) return spec;
  const widen = (v: number | readonly number[]): number[] =>
    typeof v === 'number' ? new Array<number>(channels).fill(v) : [...v];
  return { ...spec, scale: widen(spec.scale), zeroPoint: widen(spec.zeroPoint) };
}

function qlinearConvGraph(c: OnnxCase): Graph {
  const [x, xs, xz, w, ws, wz, ys, yz, b] = c.inputs;
  const y = c.output;
  const xSpec = onnxSpec(x!, xs, xz);
  const tensors = [
    tensor('x', x!.dims, { role: 'input', quant: xSpec }),
    tensor('w', w!.dims, { role: 'weight', quant: weightSpec(w!, ws, wz), stored: Array.from(w!.values) }),
    tensor('y', outShape(y), { quant: onnxSpec(y, ys, yz) }),
  ];
  const inputs = ['x', 'w'];
  if (b !== undefined) {
    tensors.push(tensor('b', b.dims, { role: 'bias', quant: INT32, stored: Array.from(b.values) }));
    inputs.push('b');
  }
  return graphOf(tensors, [node('conv', 'conv2d', inputs, ['y'], convNodeAttrs(c, w!))], ['x'], ['y']);
}

function convIntegerGraph(c: OnnxCase): Graph {
  const [x, w, xz, wz] = c.inputs;
  const y = c.output;
  const tensors = [
    tensor('x', x!.dims, { role: 'input', quant: onnxSpec(x!, undefined, xz) }),
    tensor('w', w!.dims, {
      role: 'weight',
      quant: weightSpec(w!, undefined, wz),
      stored: Array.from(w!.values),
    }),
    tensor('y', outShape(y), { quant: INT32 }),
  ];
  return graphOf(tensors, [node('conv', 'conv2d', ['x', 'w'], ['y'], convNodeAttrs(c, w!))], ['x'], ['y']);
}

function matmulGraph(
  a: OnnxTensor,
  aSpec: QuantSpec,
  b: OnnxTensor,
  bSpec: QuantSpec,
  y: OnnxTensor,
  ySpec: QuantSpec,
) {
  const tensors = [
    tensor('a', a.dims, { role: 'input', quant: aSpec }),
    tensor('b', b.dims, { role: 'constant', quant: bSpec, stored: Array.from(b.values) }),
    tensor('y', outShape(y), { quant: ySpec }),
  ];
  return graphOf(tensors, [node('mm', 'matmul', ['a', 'b'], ['y'], { transB: false })], ['a'], ['y']);
}

const QLINEAR_MATMUL = [
  'test_qlinearmatmul_2D_int8_float16',
  'test_qlinearmatmul_2D_int8_float32',
  'test_qlinearmatmul_2D_uint8_float16',
  'test_qlinearmatmul_2D_uint8_float32',
  'test_qlinearmatmul_3D_int8_float16',
  'test_qlinearmatmul_3D_int8_float32',
  'test_qlinearmatmul_3D_uint8_float16',
  'test_qlinearmatmul_3D_uint8_float32',
];

describe('ONNX quantized MAC node tests, bit for bit', () => {
  it('test_qlinearconv', () => {
    const c = loadOnnxCase('test_qlinearconv');
    expect(c.op).toBe('QLinearConv');
    expectStored(run(qlinearConvGraph(c), c.inputs[0]!), c.output);
  });

  it.each(['test_convinteger_with_padding', 'test_convinteger_without_padding'])('%s', (name) => {
    const c = loadOnnxCase(name);
    expect(c.op).toBe('ConvInteger');
    expectStored(run(convIntegerGraph(c), c.inputs[0]!), c.output);
  });

  it('test_matmulinteger', () => {
    const c = loadOnnxCase('test_matmulinteger');
    expect(c.op).toBe('MatMulInteger');
    const [a, b, az, bz] = c.inputs;
    const g = matmulGraph(a!, onnxSpec(a!, undefined, az), b!, onnxSpec(b!, undefined, bz), c.output, INT32);
    expectStored(run(g, a!), c.output);
  });

  it.each(QLINEAR_MATMUL)('%s', (name) => {
    const c = loadOnnxCase(name);
    expect(c.op).toBe('QLinearMatMul');
    const [a, as, az, b, bs, bz, ys, yz] = c.inputs;
    const g = matmulGraph(
      a!,
      onnxSpec(a!, as, az),
      b!,
      onnxSpec(b!, bs, bz),
      c.output,
      onnxSpec(c.output, ys, yz),
    );
    expectStored(run(g, a!), c.output);
  });
});

// ---- QuantizeLinear / DequantizeLinear ---------------------------------------------------------

const QDQ = readdirSync(onnxNodeTestsDir())
  .filter((d) => /^test_(de)?quantizelinear/.test(d))
  .sort();

function quantizeGraph(c: OnnxCase): { g: Graph; x: OnnxTensor } {
  const [x, scale, zp] = c.inputs;
  const outType = zp?.elemType ?? intAttr(c, 'output_dtype', 2 /* UINT8 */);
  const format = onnxElemTypeFormat(outType)!;
  const scales = Array.from(scale!.values);
  const zps = zp === undefined ? [0] : Array.from(zp.values);
  const to: QuantSpec = {
    format,
    scale: scales.length === 1 ? scales[0]! : scales,
    zeroPoint: zps.length === 1 ? zps[0]! : zps,
    axis: intAttr(c, 'axis', 1),
    blockSize: intAttr(c, 'block_size', 0),
  };
  const tensors = [tensor('x', x!.dims, { role: 'input' }), tensor('y', x!.dims, { quant: to })];
  const g = graphOf(tensors, [node('q', 'requantize', ['x'], ['y'], { to })], ['x'], ['y']);
  return { g, x: x! };
}

function dequantizeGraph(c: OnnxCase): Graph {
  const [x, scale, zp] = c.inputs;
  const spec = onnxSpec(x!, scale, zp, {
    axis: intAttr(c, 'axis', 1),
    blockSize: intAttr(c, 'block_size', 0),
  });
  const tensors = [tensor('x', x!.dims, { role: 'input', quant: spec }), tensor('y', x!.dims)];
  return graphOf(tensors, [node('dq', 'dequantize', ['x'], ['y'], {})], ['x'], ['y']);
}

describe('ONNX QuantizeLinear / DequantizeLinear node tests through the executor', () => {
  it('finds the 27 directories', () => {
    expect(QDQ).toHaveLength(27);
  });

  it.each(QDQ)('%s', (name) => {
    const c = loadOnnxCase(name);
    if (c.op === 'QuantizeLinear') {
      const { g, x } = quantizeGraph(c);
      const y = executeGraph(g, new Map([['x', { real: Float32Array.from(x.values) }]])).get('y')!;
      const fmt = parseFormat(y.quant!.format);
      expect(Array.from(y.stored!, (v) => fmt.encode(v))).toEqual(Array.from(c.output.codes!));
    } else {
      expect(c.op).toBe('DequantizeLinear');
      const y = run(dequantizeGraph(c), c.inputs[0]!);
      expect(y.stored).toBeUndefined();
      if (c.output.elemTypeName === 'FLOAT16') {
        const fp16 = parseFormat('fp16');
        expect(Array.from(y.real, (v) => fp16.encode(v))).toEqual(Array.from(c.output.codes!));
      } else {
        expect(c.output.elemTypeName).toBe('FLOAT');
        expect(Array.from(y.real)).toEqual(Array.from(c.output.values));
      }
    }
  });
});
