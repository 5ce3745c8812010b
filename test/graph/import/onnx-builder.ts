/**
 * Builds ONNX ModelProtos for the importer tests with onnx-buf's `create` / `toBinary` (no
 * hand-written protobuf bytes). Tensors are written as raw_data, little-endian; 4- and 2-bit types
 * packed low bits first, as onnx.proto specifies. Independent of src/graph/export.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AT,
  AttributeProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  TensorProto_DataType as DT,
  TensorProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';

export { DT };

const INT64: number = DT.INT64;

const BITS: Readonly<Record<number, number>> = {
  [DT.UINT8]: 8,
  [DT.INT8]: 8,
  [DT.UINT16]: 16,
  [DT.INT16]: 16,
  [DT.INT32]: 32,
  [DT.UINT4]: 4,
  [DT.INT4]: 4,
  [DT.UINT2]: 2,
  [DT.INT2]: 2,
  [DT.BOOL]: 8,
  [DT.FLOAT8E4M3FN]: 8,
  [DT.FLOAT8E5M2]: 8,
  [DT.FLOAT4E2M1]: 4,
};

/** A tensor of two's-complement integers (INT8, UINT4, INT2, INT32 …) or of raw codes (FLOAT8 …). */
export function intTensor(
  name: string,
  dims: readonly number[],
  type: number,
  values: readonly number[],
): TensorProto {
  if (type === INT64) {
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => {
      view.setBigInt64(i * 8, BigInt(v), true);
    });
    return create(TensorProtoSchema, {
      name,
      dims: dims.map((d) => BigInt(d)),
      dataType: type,
      rawData: raw,
    });
  }
  const bits = BITS[type];
  if (bits === undefined) throw new Error(`no integer layout for type ${type}`);
  const mask = 2 ** bits - 1;
  const codes = values.map((v) => (v < 0 ? v + 2 ** bits : v) & mask);
  let raw: Uint8Array<ArrayBuffer>;
  if (bits < 8) {
    const per = 8 / bits;
    raw = new Uint8Array(Math.ceil(values.length / per));
    codes.forEach((c, i) => {
      raw[Math.floor(i / per)]! |= c << ((i % per) * bits);
    });
  } else {
    const width = bits / 8;
    raw = new Uint8Array(values.length * width);
    codes.forEach((c, i) => {
      for (let b = 0; b < width; b++) raw[i * width + b] = Math.floor(c / 2 ** (8 * b)) % 256;
    });
  }
  return create(TensorProtoSchema, { name, dims: dims.map((d) => BigInt(d)), dataType: type, rawData: raw });
}

export function floatTensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dims: dims.map((d) => BigInt(d)),
    dataType: DT.FLOAT,
    floatData: values.map((v) => Math.fround(v)),
  });
}

export function int64(name: string, values: readonly number[]): TensorProto {
  return intTensor(name, [values.length], DT.INT64, values);
}

export function scalar(name: string, value: number): TensorProto {
  return floatTensor(name, [], [value]);
}

export type Attr =
  | number
  | string
  | readonly number[]
  | { readonly f: number }
  | { readonly t: TensorProto }
  | { readonly fs: readonly number[] };

function attribute(name: string, v: Attr): AttributeProto {
  if (typeof v === 'number') return create(AttributeProtoSchema, { name, type: AT.INT, i: BigInt(v) });
  if (typeof v === 'string')
    return create(AttributeProtoSchema, { name, type: AT.STRING, s: new TextEncoder().encode(v) });
  if ('f' in v) return create(AttributeProtoSchema, { name, type: AT.FLOAT, f: v.f });
  if ('t' in v) return create(AttributeProtoSchema, { name, type: AT.TENSOR, t: v.t });
  if ('fs' in v) return create(AttributeProtoSchema, { name, type: AT.FLOATS, floats: [...v.fs] });
  return create(AttributeProtoSchema, {
    name,
    type: AT.INTS,
    ints: v.map((x) => BigInt(x)),
  });
}

export interface NodeSpec {
  readonly name?: string;
  readonly domain?: string;
  readonly attrs?: Readonly<Record<string, Attr>>;
  readonly metadata?: Readonly<Record<string, string>>;
}

export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  spec: NodeSpec = {},
): NodeProto {
  return create(NodeProtoSchema, {
    opType,
    name: spec.name ?? '',
    domain: spec.domain ?? '',
    input: [...inputs],
    output: [...outputs],
    attribute: Object.entries(spec.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}

/** A tensor value info; a string dim is symbolic. */
export function tensorInfo(
  name: string,
  elemType: number,
  dims: readonly (number | string)[],
): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: {
      value: {
        case: 'tensorType',
        value: {
          elemType,
          shape: {
            dim: dims.map((d) => ({
              value:
                typeof d === 'number'
                  ? { case: 'dimValue' as const, value: BigInt(d) }
                  : { case: 'dimParam' as const, value: d },
            })),
          },
        },
      },
    },
  });
}

export interface ModelSpec {
  readonly nodes: readonly NodeProto[];
  readonly initializers?: readonly TensorProto[];
  readonly inputs: readonly ValueInfoProto[];
  readonly outputs: readonly ValueInfoProto[];
  /** ai.onnx opset (default 21). */
  readonly opset?: number;
  /** Extra opset imports: domain → version. */
  readonly domains?: Readonly<Record<string, number>>;
  readonly name?: string;
}

export function modelBytes(spec: ModelSpec): Uint8Array {
  const opsetImport = [
    { domain: '', version: BigInt(spec.opset ?? 21) },
    ...Object.entries(spec.domains ?? {}).map(([domain, version]) => ({ domain, version: BigInt(version) })),
  ];
  const model = create(ModelProtoSchema, {
    irVersion: 10n,
    producerName: 'bitcycle-test',
    opsetImport,
    graph: {
      name: spec.name ?? 'test',
      node: [...spec.nodes],
      initializer: [...(spec.initializers ?? [])],
      input: [...spec.inputs],
      output: [...spec.outputs],
    },
  });
  return toBinary(ModelProtoSchema, model);
}

/** A float32 graph input / output. */
export function f32(name: string, dims: readonly (number | string)[]): ValueInfoProto {
  return tensorInfo(name, DT.FLOAT, dims);
}
