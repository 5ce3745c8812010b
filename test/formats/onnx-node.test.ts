/**
 * ONNX backend node tests for QuantizeLinear / DequantizeLinear (opset 25 models, copied from
 * onnx/onnx@6be0677f into ../shared/onnx-node-tests): one case per directory. Attributes come from
 * model.onnx, inputs from input_N.pb, and the result must equal output_0.pb bit for bit. Expected
 * codes and float bit patterns are read straight from the protobuf fields here (not through
 * src/graph/import/onnx-tensor.ts), so the comparison is independent of the code under test.
 */

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import {
  ModelProtoSchema,
  TensorProto_DataType as DT,
  TensorProtoSchema,
  type AttributeProto,
  type TensorProto,
} from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { dequantizeLinear, parseFormat, quantizeLinear } from '../../src/formats/index.js';
import { onnxElemTypeFormat, readTensorFile, type OnnxTensor } from '../../src/graph/import/onnx-tensor.js';
import { onnxNodeTestsDir } from './helpers.js';

const QDQ_TESTS = [
  'test_dequantizelinear',
  'test_dequantizelinear_axis',
  'test_dequantizelinear_blocked',
  'test_dequantizelinear_e4m3fn',
  'test_dequantizelinear_e4m3fn_float16',
  'test_dequantizelinear_e4m3fn_zero_point',
  'test_dequantizelinear_e5m2',
  'test_dequantizelinear_float4e2m1',
  'test_dequantizelinear_int16',
  'test_dequantizelinear_int2',
  'test_dequantizelinear_int4',
  'test_dequantizelinear_uint16',
  'test_dequantizelinear_uint2',
  'test_dequantizelinear_uint4',
  'test_quantizelinear',
  'test_quantizelinear_axis',
  'test_quantizelinear_blocked_asymmetric',
  'test_quantizelinear_blocked_symmetric',
  'test_quantizelinear_e4m3fn',
  'test_quantizelinear_e5m2',
  'test_quantizelinear_float4e2m1',
  'test_quantizelinear_int16',
  'test_quantizelinear_int2',
  'test_quantizelinear_int4',
  'test_quantizelinear_uint16',
  'test_quantizelinear_uint2',
  'test_quantizelinear_uint4',
];

const FLOAT_TYPE: number = DT.FLOAT;
const FLOAT16_TYPE: number = DT.FLOAT16;
const FLOAT8 = new Set<number>([DT.FLOAT8E4M3FN, DT.FLOAT8E4M3FNUZ, DT.FLOAT8E5M2, DT.FLOAT8E5M2FNUZ]);

/** Bits per element of the quantized element types in these tests. */
const ELEM_BITS = new Map<number, number>([
  [DT.UINT8, 8],
  [DT.INT8, 8],
  [DT.UINT16, 16],
  [DT.INT16, 16],
  [DT.UINT4, 4],
  [DT.INT4, 4],
  [DT.UINT2, 2],
  [DT.INT2, 2],
  [DT.FLOAT4E2M1, 4],
  [DT.FLOAT8E4M3FN, 8],
  [DT.FLOAT8E5M2, 8],
  [DT.FLOAT16, 16],
]);

/** Codes of a quantized TensorProto, read directly from raw_data or int32_data (onnx.proto rules). */
function expectedCodes(t: TensorProto): number[] {
  const bits = ELEM_BITS.get(t.dataType);
  if (bits === undefined) throw new Error(`unexpected output type ${t.dataType}`);
  const count = t.dims.reduce((a, b) => a * Number(b), 1);
  const mask = 2 ** bits - 1;
  const codes: number[] = [];
  if (t.rawData.length > 0) {
    for (let i = 0; i < count; i++) {
      if (bits < 8) {
        const per = 8 / bits;
        codes.push((t.rawData[Math.floor(i / per)]! >> ((i % per) * bits)) & mask);
      } else if (bits === 8) {
        codes.push(t.rawData[i]!);
      } else {
        codes.push(t.rawData[2 * i]! | (t.rawData[2 * i + 1]! << 8));
      }
    }
  } else if (bits < 8) {
    const per = 8 / bits;
    for (let i = 0; i < count; i++)
      codes.push((t.int32Data[Math.floor(i / per)]! >> ((i % per) * bits)) & mask);
  } else {
    for (let i = 0; i < count; i++) codes.push(t.int32Data[i]! & mask);
  }
  return codes;
}

/** Bit patterns of a FLOAT (32-bit) or FLOAT16 output tensor, from raw_data. */
function expectedFloatBits(t: TensorProto): number[] {
  const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
  const count = t.dims.reduce((a, b) => a * Number(b), 1);
  const dataType: number = t.dataType;
  if (dataType === FLOAT_TYPE) return Array.from({ length: count }, (_, i) => view.getUint32(4 * i, true));
  if (dataType === FLOAT16_TYPE) return Array.from({ length: count }, (_, i) => view.getUint16(2 * i, true));
  throw new Error(`unexpected float output type ${t.dataType}`);
}

interface Case {
  readonly op: string;
  readonly attrs: ReadonlyMap<string, AttributeProto>;
  /** The node's inputs in order (absent optional inputs are undefined). */
  readonly inputs: readonly (OnnxTensor | undefined)[];
  readonly output: TensorProto;
}

function loadCase(name: string): Case {
  const dir = path.join(onnxNodeTestsDir(), name);
  const model = fromBinary(ModelProtoSchema, readFileSync(path.join(dir, 'model.onnx')));
  const graph = model.graph!;
  expect(graph.node).toHaveLength(1);
  const node = graph.node[0]!;
  const byName = new Map<string, OnnxTensor>();
  graph.input.forEach((input, k) => {
    byName.set(input.name, readTensorFile(path.join(dir, 'test_data_set_0', `input_${k}.pb`)));
  });
  expect(graph.initializer).toHaveLength(0);
  const output = fromBinary(
    TensorProtoSchema,
    readFileSync(path.join(dir, 'test_data_set_0', 'output_0.pb')),
  );
  return {
    op: node.opType,
    attrs: new Map(node.attribute.map((a) => [a.name, a])),
    inputs: node.input.map((n) => (n === '' ? undefined : byName.get(n))),
    output,
  };
}

function intAttr(c: Case, name: string, fallback: number): number {
  const a = c.attrs.get(name);
  return a === undefined ? fallback : Number(a.i);
}

function runQuantize(c: Case): void {
  const [x, scale, zp] = c.inputs;
  if (x === undefined || scale === undefined) throw new Error('QuantizeLinear needs x and y_scale');
  const outType = zp?.elemType ?? intAttr(c, 'output_dtype', DT.UINT8);
  expect(outType).toBe(c.output.dataType);
  const format = onnxElemTypeFormat(outType);
  if (format === undefined) throw new Error(`no format for ${outType}`);
  const saturate = intAttr(c, 'saturate', 1);
  const codes = quantizeLinear(
    Float32Array.from(x.values),
    x.dims,
    {
      format,
      scale: Array.from(scale.values),
      zeroPoint: zp === undefined ? 0 : Array.from(zp.values),
      axis: intAttr(c, 'axis', 1),
      blockSize: intAttr(c, 'block_size', 0),
    },
    // ONNX saturate applies to float8 only; integers always saturate.
    { overflow: FLOAT8.has(outType) && saturate === 0 ? 'wrap' : 'saturate' },
  );
  expect(Array.from(codes)).toEqual(expectedCodes(c.output));
}

function runDequantize(c: Case): void {
  const [x, scale, zp] = c.inputs;
  if (x?.codes === undefined || x.format === undefined || scale === undefined) {
    throw new Error('DequantizeLinear needs coded x and x_scale');
  }
  const outType = intAttr(c, 'output_dtype', scale.elemType);
  expect(outType).toBe(c.output.dataType);
  const y = dequantizeLinear(
    x.codes,
    x.dims,
    {
      format: x.format,
      scale: Array.from(scale.values),
      zeroPoint: zp === undefined ? 0 : Array.from(zp.values),
      axis: intAttr(c, 'axis', 1),
      blockSize: intAttr(c, 'block_size', 0),
    },
    { output: outType === FLOAT16_TYPE ? 'float16' : 'float32' },
  );
  const fp16 = parseFormat('fp16');
  const bits =
    outType === FLOAT16_TYPE
      ? Array.from(y, (v) => fp16.encode(v))
      : Array.from(new Uint32Array(y.buffer, y.byteOffset, y.length));
  expect(bits).toEqual(expectedFloatBits(c.output));
}

describe('ONNX QuantizeLinear / DequantizeLinear node tests', () => {
  it('covers every (de)quantizelinear directory of the shared test data', () => {
    const present = readdirSync(onnxNodeTestsDir())
      .filter((d) => /^test_(de)?quantizelinear/.test(d))
      .sort();
    expect(present).toEqual([...QDQ_TESTS].sort());
  });

  it.each(QDQ_TESTS)('%s matches output_0.pb bit for bit', (name) => {
    const c = loadCase(name);
    if (c.op === 'QuantizeLinear') runQuantize(c);
    else if (c.op === 'DequantizeLinear') runDequantize(c);
    else throw new Error(`unexpected op ${c.op}`);
  });
});
