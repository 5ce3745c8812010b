/** src/graph/import/onnx-tensor.ts: TensorProto decoding, packing, sign extension, bad input. */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { TensorProto_DataLocation, TensorProto_DataType as DT, TensorProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/units/errors.js';
import { decodeTensorProto, onnxElemTypeFormat, readTensorFile } from '../../src/graph/import/onnx-tensor.js';
import { onnxNodeTestsDir } from './helpers.js';

type Init = Parameters<typeof create<typeof TensorProtoSchema>>[1];

function tensor(init: Init) {
  return create(TensorProtoSchema, init);
}

function issues(fn: () => unknown): { path: string; file: string | undefined }[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => ({ path: i.path, file: i.file }));
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('decodeTensorProto', () => {
  it('unpacks int4 raw data low nibble first and sign-extends the values', () => {
    // bytes 0x21 0x0f → elements 1, 2, 15 (the high nibble of the last byte is padding)
    const t = decodeTensorProto(
      tensor({ name: 'w', dims: [3n], dataType: DT.INT4, rawData: Uint8Array.from([0x21, 0x0f]) }),
    );
    expect(t.format).toBe('int4');
    expect(Array.from(t.codes!)).toEqual([1, 2, 15]);
    expect(Array.from(t.values)).toEqual([1, 2, -1]);
    expect(t.dims).toEqual([3]);
    expect(t.elemTypeName).toBe('INT4');
  });

  it('unpacks 2-bit data four per byte, bits 0–1 first', () => {
    // 0b11_10_01_00 = 228 → 0, 1, 2, 3
    const u = decodeTensorProto(tensor({ dims: [4n], dataType: DT.UINT2, int32Data: [228] }));
    expect(Array.from(u.codes!)).toEqual([0, 1, 2, 3]);
    const s = decodeTensorProto(tensor({ dims: [4n], dataType: DT.INT2, rawData: Uint8Array.from([228]) }));
    expect(Array.from(s.values)).toEqual([0, 1, -2, -1]);
  });

  it('reads int32_data for 8/16-bit types, signed or as bit patterns', () => {
    const i8 = decodeTensorProto(tensor({ dims: [2n], dataType: DT.INT8, int32Data: [-5, 127] }));
    expect(Array.from(i8.codes!)).toEqual([251, 127]);
    expect(Array.from(i8.values)).toEqual([-5, 127]);
    const i16 = decodeTensorProto(tensor({ dims: [2n], dataType: DT.INT16, int32Data: [-2, 40000] }));
    expect(Array.from(i16.values)).toEqual([-2, 40000 - 65536]);
    // fp16 bit patterns: 0x3c00 = 1, 0xc000 = −2
    const h = decodeTensorProto(tensor({ dims: [2n], dataType: DT.FLOAT16, int32Data: [0x3c00, 0xc000] }));
    expect(h.format).toBe('fp16');
    expect(Array.from(h.values)).toEqual([1, -2]);
    // e4m3fn 0x7e = 448, 0xed = −104 (1.1101.101: −1.625 · 2^6)
    const e = decodeTensorProto(tensor({ dims: [2n], dataType: DT.FLOAT8E4M3FN, int32Data: [0x7e, 0xed] }));
    expect(Array.from(e.values)).toEqual([448, -104]);
  });

  it('reads little-endian raw data of wider types', () => {
    const f = decodeTensorProto(
      tensor({ dims: [2n], dataType: DT.FLOAT, rawData: Uint8Array.from([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]) }),
    );
    expect(Array.from(f.values)).toEqual([1, -2]);
    expect(f.codes).toBeUndefined();
    const h = decodeTensorProto(
      tensor({ dims: [1n], dataType: DT.FLOAT16, rawData: Uint8Array.from([0x00, 0x3c]) }),
    );
    expect(Array.from(h.codes!)).toEqual([0x3c00]);
    const i64 = decodeTensorProto(tensor({ dims: [2n], dataType: DT.INT64, int64Data: [-3n, 1n << 40n] }));
    expect(Array.from(i64.values)).toEqual([-3, 2 ** 40]);
    const d = decodeTensorProto(tensor({ dims: [], dataType: DT.DOUBLE, doubleData: [0.1] }));
    expect(Array.from(d.values)).toEqual([0.1]);
    expect(d.dims).toEqual([]);
    const b = decodeTensorProto(
      tensor({ dims: [3n], dataType: DT.BOOL, rawData: Uint8Array.from([1, 0, 1]) }),
    );
    expect(Array.from(b.values)).toEqual([1, 0, 1]);
  });

  it('rejects malformed tensors with an InputError', () => {
    // 5 int4 elements need 3 bytes
    expect(
      issues(() =>
        decodeTensorProto(
          tensor({ name: 'w', dims: [5n], dataType: DT.INT4, rawData: Uint8Array.from([1, 2]) }),
        ),
      ),
    ).toEqual([{ path: 'w.raw_data', file: undefined }]);
    expect(
      issues(() => decodeTensorProto(tensor({ dims: [3n], dataType: DT.FLOAT, floatData: [1, 2] }))),
    ).toEqual([{ path: 'tensor.float_data', file: undefined }]);
    expect(
      issues(() => decodeTensorProto(tensor({ dims: [1n], dataType: DT.INT8, int32Data: [300] }))),
    ).toEqual([{ path: 'tensor.int32_data[0]', file: undefined }]);
    expect(issues(() => decodeTensorProto(tensor({ dims: [1n], dataType: DT.STRING })))).toEqual([
      { path: 'tensor.data_type', file: undefined },
    ]);
    expect(
      issues(() =>
        decodeTensorProto(
          tensor({ dims: [1n], dataType: DT.FLOAT, dataLocation: TensorProto_DataLocation.EXTERNAL }),
        ),
      ),
    ).toEqual([{ path: 'tensor.data_location', file: undefined }]);
    expect(issues(() => decodeTensorProto(tensor({ dims: [-1n], dataType: DT.FLOAT })))).toEqual([
      { path: 'tensor.dims[0]', file: undefined },
    ]);
    expect(
      issues(() => decodeTensorProto(tensor({ dims: [1n], dataType: DT.INT64, int64Data: [1n << 60n] }))),
    ).toEqual([{ path: 'tensor.data[0]', file: undefined }]);
  });

  it('maps element types to formats', () => {
    expect(onnxElemTypeFormat(DT.UINT4)).toBe('uint4');
    expect(onnxElemTypeFormat(DT.FLOAT4E2M1)).toBe('fp4-e2m1');
    expect(onnxElemTypeFormat(DT.FLOAT8E5M2)).toBe('fp8-e5m2');
    expect(onnxElemTypeFormat(DT.BFLOAT16)).toBe('bf16');
    expect(onnxElemTypeFormat(DT.FLOAT)).toBeUndefined();
  });
});

describe('readTensorFile', () => {
  it('reads an ONNX test input (int4 in int32_data, packed)', () => {
    const file = path.join(onnxNodeTestsDir(), 'test_dequantizelinear_int4', 'test_data_set_0', 'input_0.pb');
    const t = readTensorFile(file);
    // int32_data [16, 199, 8]: 0x10 → 0, 1; 0xc7 → 7, 12 (−4); 0x08 → 8 (−8)
    expect(t.dims).toEqual([5]);
    expect(Array.from(t.codes!)).toEqual([0, 1, 7, 12, 8]);
    expect(Array.from(t.values)).toEqual([0, 1, 7, -4, -8]);
  });

  it('names the file for truncated or unreadable input', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bitcycle-onnx-tensor-'));
    const good = toBinary(
      TensorProtoSchema,
      tensor({ name: 'x', dims: [4n], dataType: DT.FLOAT, rawData: new Uint8Array(16) }),
    );
    const cut = path.join(dir, 'cut.pb');
    writeFileSync(cut, good.slice(0, good.length - 5)); // inside raw_data: protobuf decoding fails
    expect(issues(() => readTensorFile(cut))).toEqual([{ path: '(file)', file: cut }]);
    const short = path.join(dir, 'short.pb');
    writeFileSync(
      short,
      toBinary(
        TensorProtoSchema,
        tensor({ name: 'x', dims: [4n], dataType: DT.FLOAT, rawData: new Uint8Array(12) }),
      ),
    );
    expect(issues(() => readTensorFile(short))).toEqual([{ path: 'x.raw_data', file: short }]);
    const missing = path.join(dir, 'missing.pb');
    expect(issues(() => readTensorFile(missing))).toEqual([{ path: '(file)', file: missing }]);
  });
});
