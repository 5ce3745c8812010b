/**
 * Decode an ONNX TensorProto (onnx-buf, ONNX 1.20 element types) into dims, element type and either
 * format codes (quantized and narrow float types, which have a bitcycle format) or plain numbers.
 *
 * Storage rules (onnx.proto, TensorProto):
 * - raw_data: fixed-width little-endian elements; 4-bit types packed two per byte (first element in
 *   the low nibble), 2-bit types four per byte (first element in bits 0–1).
 * - typed fields: float_data (FLOAT), double_data (DOUBLE), int64_data (INT64), uint64_data (UINT32,
 *   UINT64), int32_data for everything else: one element per entry for 8/16-bit types (float16 /
 *   bfloat16 / float8 as their bit patterns), one packed byte per entry for 4- and 2-bit types.
 * Signed integer codes are two's complement bit patterns; `values` holds them sign-extended.
 */

import { readFileSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import {
  TensorProto_DataLocation,
  TensorProto_DataType,
  TensorProtoSchema,
  type TensorProto,
} from 'onnx-buf';
import { InputError } from '../../units/errors.js';
import { parseFormat } from '../../formats/index.js';

export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  /** TensorProto.DataType value. */
  readonly elemType: number;
  /** TensorProto.DataType name (`FLOAT`, `INT4`, `FLOAT8E4M3FN` …). */
  readonly elemTypeName: string;
  /** bitcycle format of the elements when they are codes (`int4`, `fp8-e4m3fn`, `fp16` …). */
  readonly format: string | undefined;
  /** Bit patterns 0 … 2^bits − 1, for element types that have a format. */
  readonly codes: Uint32Array | undefined;
  /** Real values, row-major (decoded codes, or the stored numbers). */
  readonly values: Float64Array;
}

type NumberStorage = 'float32' | 'float64' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'bool';

type ElemInfo =
  | {
      readonly storage: 'codes';
      /** Bits per element in raw_data. */
      readonly bits: number;
      readonly format: string;
    }
  | { readonly storage: NumberStorage; readonly bits: number };

const DT = TensorProto_DataType;

const ELEM_TYPES: ReadonlyMap<number, ElemInfo> = new Map<number, ElemInfo>([
  [DT.FLOAT, { storage: 'float32', bits: 32 }],
  [DT.DOUBLE, { storage: 'float64', bits: 64 }],
  [DT.INT32, { storage: 'int32', bits: 32 }],
  [DT.INT64, { storage: 'int64', bits: 64 }],
  [DT.UINT32, { storage: 'uint32', bits: 32 }],
  [DT.UINT64, { storage: 'uint64', bits: 64 }],
  [DT.BOOL, { storage: 'bool', bits: 8 }],
  [DT.UINT8, { storage: 'codes', bits: 8, format: 'uint8' }],
  [DT.INT8, { storage: 'codes', bits: 8, format: 'int8' }],
  [DT.UINT16, { storage: 'codes', bits: 16, format: 'uint16' }],
  [DT.INT16, { storage: 'codes', bits: 16, format: 'int16' }],
  [DT.FLOAT16, { storage: 'codes', bits: 16, format: 'fp16' }],
  [DT.BFLOAT16, { storage: 'codes', bits: 16, format: 'bf16' }],
  [DT.FLOAT8E4M3FN, { storage: 'codes', bits: 8, format: 'fp8-e4m3fn' }],
  [DT.FLOAT8E4M3FNUZ, { storage: 'codes', bits: 8, format: 'minifloat<4,3,fnuz,bias=8>' }],
  [DT.FLOAT8E5M2, { storage: 'codes', bits: 8, format: 'fp8-e5m2' }],
  [DT.FLOAT8E5M2FNUZ, { storage: 'codes', bits: 8, format: 'minifloat<5,2,fnuz,bias=16>' }],
  [DT.UINT4, { storage: 'codes', bits: 4, format: 'uint4' }],
  [DT.INT4, { storage: 'codes', bits: 4, format: 'int4' }],
  [DT.FLOAT4E2M1, { storage: 'codes', bits: 4, format: 'fp4-e2m1' }],
  [DT.UINT2, { storage: 'codes', bits: 2, format: 'uint2' }],
  [DT.INT2, { storage: 'codes', bits: 2, format: 'int2' }],
]);

/** The bitcycle format of an ONNX element type whose elements are codes, if any. */
export function onnxElemTypeFormat(elemType: number): string | undefined {
  const info = ELEM_TYPES.get(elemType);
  return info?.storage === 'codes' ? info.format : undefined;
}

/** Bits per element of an ONNX element type this module decodes (undefined for the others). */
export function onnxElemTypeBits(elemType: number): number | undefined {
  return ELEM_TYPES.get(elemType)?.bits;
}

/** The ONNX element type whose elements are codes of `format` (a canonical format name), if any. */
export function onnxElemTypeOfFormat(format: string): number | undefined {
  for (const [type, info] of ELEM_TYPES) if (info.storage === 'codes' && info.format === format) return type;
  return undefined;
}

export function onnxElemTypeName(elemType: number): string {
  const name = (TensorProto_DataType as unknown as Record<number, string | undefined>)[elemType];
  return name ?? `data type ${elemType}`;
}

interface Where {
  readonly file: string | undefined;
  readonly path: string;
}

function fail(where: Where, field: string, value: string, expected: string): never {
  const issue = { path: `${where.path}.${field}`, value, expected };
  throw new InputError([where.file !== undefined ? { file: where.file, ...issue } : issue]);
}

function dimsOf(t: TensorProto, where: Where): number[] {
  return t.dims.map((d, i) => {
    const n = Number(d);
    if (d < 0n || !Number.isSafeInteger(n)) fail(where, `dims[${i}]`, String(d), 'a non-negative integer');
    return n;
  });
}

/** Bytes of raw_data or entries of int32_data for `count` elements of `bits` bits (packed below 8). */
function packedLength(count: number, bits: number): number {
  return bits < 8 ? Math.ceil((count * bits) / 8) : count;
}

function checkLength(where: Where, field: string, got: number, want: number, unit: string): void {
  if (got !== want) fail(where, field, `${got} ${unit}`, `${want} ${unit} for the tensor's dims`);
}

/** Unpack little-endian codes of `bits` bits from bytes (packed LSB-first below 8 bits). */
function unpackCodes(bytes: Uint8Array, count: number, bits: number): Uint32Array {
  const codes = new Uint32Array(count);
  if (bits < 8) {
    const perByte = 8 / bits;
    const mask = 2 ** bits - 1;
    for (let i = 0; i < count; i++) {
      codes[i] = (bytes[Math.floor(i / perByte)]! >>> ((i % perByte) * bits)) & mask;
    }
  } else {
    const width = bits / 8;
    for (let i = 0; i < count; i++) {
      let code = 0;
      for (let b = width - 1; b >= 0; b--) code = code * 256 + bytes[i * width + b]!;
      codes[i] = code;
    }
  }
  return codes;
}

/** int32_data entries as unsigned values of `width` bits (two's complement accepted). */
function int32Field(data: readonly number[], width: number, where: Where): Uint8Array | Uint32Array {
  const out = width === 8 ? new Uint8Array(data.length) : new Uint32Array(data.length);
  data.forEach((v, i) => {
    if (!Number.isInteger(v) || v < -(2 ** (width - 1)) || v >= 2 ** width) {
      fail(where, `int32_data[${i}]`, String(v), `a ${width}-bit value`);
    }
    out[i] = v < 0 ? v + 2 ** width : v;
  });
  return out;
}

function readCodes(
  t: TensorProto,
  count: number,
  info: { readonly bits: number },
  where: Where,
): Uint32Array {
  const want = packedLength(count, info.bits);
  if (t.rawData.length > 0) {
    const byteCount = info.bits < 8 ? want : want * (info.bits / 8);
    checkLength(where, 'raw_data', t.rawData.length, byteCount, 'bytes');
    return unpackCodes(t.rawData, count, info.bits);
  }
  checkLength(where, 'int32_data', t.int32Data.length, want, 'entries');
  if (info.bits < 8) return unpackCodes(int32Field(t.int32Data, 8, where) as Uint8Array, count, info.bits);
  return int32Field(t.int32Data, info.bits, where) as Uint32Array;
}

function rawView(t: TensorProto, count: number, bytesPer: number, where: Where): DataView {
  checkLength(where, 'raw_data', t.rawData.length, count * bytesPer, 'bytes');
  return new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
}

function bigToNumber(v: bigint, where: Where, i: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n))
    fail(where, `data[${i}]`, String(v), 'an integer within ±2^53 (exact in fp64)');
  return n;
}

function typedField(
  t: TensorProto,
  storage: NumberStorage,
): { field: string; data: readonly (number | bigint)[] } {
  switch (storage) {
    case 'float32':
      return { field: 'float_data', data: t.floatData };
    case 'float64':
      return { field: 'double_data', data: t.doubleData };
    case 'int64':
      return { field: 'int64_data', data: t.int64Data };
    case 'uint32':
    case 'uint64':
      return { field: 'uint64_data', data: t.uint64Data };
    case 'int32':
    case 'bool':
      return { field: 'int32_data', data: t.int32Data };
  }
}

function readRaw(t: TensorProto, count: number, storage: NumberStorage, where: Where): Float64Array {
  const bytesPer = storage === 'bool' ? 1 : storage.endsWith('64') ? 8 : 4;
  const view = rawView(t, count, bytesPer, where); // checks the length before anything is allocated
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * bytesPer;
    switch (storage) {
      case 'float32':
        out[i] = view.getFloat32(at, true);
        break;
      case 'float64':
        out[i] = view.getFloat64(at, true);
        break;
      case 'int32':
        out[i] = view.getInt32(at, true);
        break;
      case 'uint32':
        out[i] = view.getUint32(at, true);
        break;
      case 'int64':
        out[i] = bigToNumber(view.getBigInt64(at, true), where, i);
        break;
      case 'uint64':
        out[i] = bigToNumber(view.getBigUint64(at, true), where, i);
        break;
      case 'bool':
        out[i] = view.getUint8(at) !== 0 ? 1 : 0;
        break;
    }
  }
  return out;
}

function readNumbers(t: TensorProto, count: number, storage: NumberStorage, where: Where): Float64Array {
  if (t.rawData.length > 0) return readRaw(t, count, storage, where);
  const { field, data } = typedField(t, storage);
  checkLength(where, field, data.length, count, 'entries');
  return Float64Array.from(data, (v, i) => {
    const n = typeof v === 'bigint' ? bigToNumber(v, where, i) : v;
    return storage === 'bool' ? (n !== 0 ? 1 : 0) : n;
  });
}

/**
 * Decode a TensorProto. `file` and `path` name it in errors (path default: its name or `tensor`).
 * Throws InputError for unsupported element types, external or segmented data, and data whose
 * length does not match the dims.
 */
export function decodeTensorProto(t: TensorProto, at: { file?: string; path?: string } = {}): OnnxTensor {
  const where: Where = { file: at.file, path: at.path ?? (t.name !== '' ? t.name : 'tensor') };
  const elemTypeName = onnxElemTypeName(t.dataType);
  const info = ELEM_TYPES.get(t.dataType);
  if (info === undefined) {
    fail(
      where,
      'data_type',
      elemTypeName,
      `a numeric type (${[...ELEM_TYPES.keys()].map(onnxElemTypeName).join(', ')})`,
    );
  }
  if (t.dataLocation === TensorProto_DataLocation.EXTERNAL || t.externalData.length > 0) {
    fail(where, 'data_location', 'EXTERNAL', 'data inside the protobuf (external data is not supported)');
  }
  if (t.segment !== undefined) fail(where, 'segment', 'present', 'an unsegmented tensor');
  const dims = dimsOf(t, where);
  const count = dims.reduce((a, b) => a * b, 1);
  const base = { name: t.name, dims, elemType: t.dataType, elemTypeName };
  if (info.storage !== 'codes') {
    return {
      ...base,
      format: undefined,
      codes: undefined,
      values: readNumbers(t, count, info.storage, where),
    };
  }
  const fmt = parseFormat(info.format);
  const codes = readCodes(t, count, info, where);
  return { ...base, format: fmt.name, codes, values: Float64Array.from(codes, (c) => fmt.decode(c)) };
}

/** Read a serialized TensorProto (.pb) file. Malformed or truncated files give an InputError naming it. */
export function readTensorFile(file: string): OnnxTensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError([{ file, path: '(file)', value: file, expected: `a readable file (${String(e)})` }]);
  }
  let proto: TensorProto;
  try {
    proto = fromBinary(TensorProtoSchema, bytes);
  } catch (e) {
    throw new InputError([
      {
        file,
        path: '(file)',
        value: `${bytes.length} bytes`,
        expected: `a serialized onnx.TensorProto (${String(e)})`,
      },
    ]);
  }
  return decodeTensorProto(proto, { file });
}
