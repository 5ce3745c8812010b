/**
 * The IR as an ONNX model in QDQ form (opset 21, IR version 10): float ops, with
 *
 * - quantized weights / biases as initializers of codes (`stored`) + DequantizeLinear;
 * - quantized activations as the producing op writing `<t>__f`, then QuantizeLinear → `<t>` (the
 *   quantized tensor, under its IR name) and, for float readers, DequantizeLinear → `<t>__dq`;
 * - quantized graph inputs typed with their codes' element type, followed by DequantizeLinear;
 * - `requantize` / `dequantize` nodes as QuantizeLinear / DequantizeLinear named after the node and
 *   marked `bitcycle.op` in metadata_props, so that the importer keeps them as nodes;
 * - QuantSpec fields ONNX has no attribute for in metadata_props of the Q / DQ nodes:
 *   `bitcycle.narrow`, `bitcycle.rounding`, and `bitcycle.format` for integer formats narrower than
 *   their element type (int3 in INT8) and binary (±1 in INT8).
 *
 * importOnnx(exportOnnxQdq(g)) equals g for graphs in the importer's canonical form: roles as the
 * importer assigns them (conv / dense weight `weight`, bias `bias`, batchnorm / layernorm gamma and
 * beta `weight` / `bias`, other constants `constant`), float32 scales, per-tensor specs without
 * axis, quantized weights whose `data` is the dequantized `stored`, dtype int32 exactly for int32
 * specs, no float op whose output only a requantize reads, no clip(0, 6) (it reads back as relu6),
 * matmul only on operands that are not 2-D constants (those read back as dense), add with two or
 * more and mul with two inputs. Every constant needs values (`stored` or `data`); formats ONNX
 * cannot hold (fixed point, posits, other minifloats …) are InputErrors.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AT,
  AttributeProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  StringStringEntryProtoSchema,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { parseFormat, quantizeLinear } from '../../formats/index.js';
import { InputError, showValue, type InputIssue } from '../../units/errors.js';
import { analyzeGraph } from '../analyze.js';
import type { Graph, Node, QuantSpec, Shape, TensorInfo } from '../ir.js';
import { ELEM } from '../import/onnx/elem.js';
import { onnxElemTypeBits, onnxElemTypeOfFormat } from '../import/onnx-tensor.js';

export const EXPORT_OPSET = 21;
const IR_VERSION = 10n;

// ---- element storage ---------------------------------------------------------------------------

interface Storage {
  readonly elemType: number;
  /** The format whose codes the element type holds. */
  readonly container: string;
  /** The spec's format when it is narrower than the container (written as bitcycle.format). */
  readonly override: string | undefined;
}

/** How codes of `format` are stored in ONNX, or undefined when ONNX has no room for them. */
function storageOf(format: string): Storage | undefined {
  let name: string;
  try {
    name = parseFormat(format).name;
  } catch (e) {
    if (e instanceof InputError) return undefined;
    throw e;
  }
  const fmt = parseFormat(name);
  const native = onnxElemTypeOfFormat(name);
  if (native !== undefined && name !== 'fp16' && name !== 'bf16')
    return { elemType: native, container: name, override: undefined };
  if (name === 'int32') return { elemType: ELEM.INT32, container: 'int32', override: undefined };
  if (fmt.kind === 'binary') return { elemType: ELEM.INT8, container: 'int8', override: name };
  if (fmt.kind !== 'int' || (!fmt.signed && fmt.bits >= 32)) return undefined;
  const width = fmt.bits <= 8 ? 8 : fmt.bits <= 16 ? 16 : 32;
  const sign = fmt.signed ? 'int' : 'uint';
  if (width === 32) return { elemType: ELEM.INT32, container: 'int32', override: name };
  const elemType =
    width === 8 ? (fmt.signed ? ELEM.INT8 : ELEM.UINT8) : fmt.signed ? ELEM.INT16 : ELEM.UINT16;
  return { elemType, container: `${sign}${width}`, override: name };
}

// ---- TensorProto writers -------------------------------------------------------------------------

function packCodes(codes: readonly number[], elemType: number): Uint8Array<ArrayBuffer> {
  const bits = onnxElemTypeBits(elemType)!;
  if (bits < 8) {
    const per = 8 / bits;
    const out = new Uint8Array(Math.ceil(codes.length / per));
    codes.forEach((c, i) => {
      out[Math.floor(i / per)]! |= c << ((i % per) * bits);
    });
    return out;
  }
  const width = bits / 8;
  const out = new Uint8Array(codes.length * width);
  codes.forEach((code, i) => {
    let c = code;
    for (let b = 0; b < width; b++) {
      out[i * width + b] = c % 256;
      c = Math.floor(c / 256);
    }
  });
  return out;
}

function tensorProto(
  name: string,
  dims: readonly number[],
  dataType: number,
  rawData: Uint8Array<ArrayBuffer>,
): TensorProto {
  return create(TensorProtoSchema, { name, dims: dims.map((d) => BigInt(d)), dataType, rawData });
}

/** `values` (each exactly a value of `format`) as codes of element type `elemType`. */
function codesTensor(
  name: string,
  dims: readonly number[],
  elemType: number,
  format: string,
  values: ArrayLike<number>,
): TensorProto {
  const fmt = parseFormat(format);
  return tensorProto(
    name,
    dims,
    elemType,
    packCodes(
      Array.from(values, (v) => fmt.encode(v)),
      elemType,
    ),
  );
}

function floatTensor(
  name: string,
  dims: readonly number[],
  values: ArrayLike<number>,
  elemType: number = ELEM.FLOAT,
): TensorProto {
  if (elemType === ELEM.FLOAT16) return codesTensor(name, dims, elemType, 'fp16', values);
  if (elemType === ELEM.BFLOAT16) return codesTensor(name, dims, elemType, 'bf16', values);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return tensorProto(name, dims, ELEM.FLOAT, bytes);
}

function intTensor(
  name: string,
  dims: readonly number[],
  values: ArrayLike<number>,
  elemType: number,
): TensorProto {
  const wide = elemType === ELEM.INT64;
  const bytes = new Uint8Array(values.length * (wide ? 8 : 4));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (wide) view.setBigInt64(i * 8, BigInt(Math.trunc(values[i]!)), true);
    else view.setInt32(i * 4, values[i]!, true);
  }
  return tensorProto(name, dims, elemType, bytes);
}

// ---- attributes and nodes ------------------------------------------------------------------------

type AttrValue = number | string | readonly number[] | { readonly float: number };

function attr(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') return create(AttributeProtoSchema, { name, type: AT.INT, i: BigInt(v) });
  if (typeof v === 'string')
    return create(AttributeProtoSchema, { name, type: AT.STRING, s: new TextEncoder().encode(v) });
  if ('float' in v) return create(AttributeProtoSchema, { name, type: AT.FLOAT, f: v.float });
  return create(AttributeProtoSchema, { name, type: AT.INTS, ints: v.map((x) => BigInt(x)) });
}

function valueInfo(name: string, elemType: number, shape: Shape): ValueInfoProto {
  const dims = shape.map((d) =>
    create(TensorShapeProto_DimensionSchema, { value: { case: 'dimValue', value: BigInt(d) } }),
  );
  const tensorType = create(TypeProto_TensorSchema, {
    elemType,
    shape: create(TensorShapeProtoSchema, { dim: dims }),
  });
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }),
  });
}

function scaleElemType(q: QuantSpec): number {
  return q.scaleType === 'float16' ? ELEM.FLOAT16 : q.scaleType === 'bfloat16' ? ELEM.BFLOAT16 : ELEM.FLOAT;
}

function asList(v: number | readonly number[]): readonly number[] {
  return typeof v === 'number' ? [v] : v;
}

/** Dims of the scale / zero-point tensors of `q` on a tensor of `shape`. */
function scaleDims(q: QuantSpec, shape: Shape): number[] {
  const n = asList(q.scale).length;
  if (n === 1) return [];
  const rank = shape.length;
  const axis = (q.axis ?? 1) < 0 ? (q.axis ?? 1) + rank : (q.axis ?? 1);
  const block = q.blockSize ?? 0;
  if (block === 0) return [n];
  return shape.map((d, i) => (i === axis ? Math.ceil(d / block) : d));
}

// ---- the writer ----------------------------------------------------------------------------------

class Writer {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly issues: InputIssue[] = [];
  private readonly used = new Set<string>();
  private readonly views = new Map<string, string>();
  private readonly params = new Map<string, { scale: string; zeroPoint: string }>();

  constructor(
    readonly graph: Graph,
    readonly shapes: ReadonlyMap<string, Shape>,
  ) {
    for (const name of graph.tensors.keys()) this.used.add(name);
    for (const n of graph.nodes) this.used.add(n.name);
  }

  fail(path: string, value: string, expected: string): void {
    this.issues.push({ path, value, expected });
  }

  fresh(base: string): string {
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** A tensor's info; a node output the graph does not declare is a float activation. */
  info(name: string): TensorInfo {
    return (
      this.graph.tensors.get(name) ?? {
        name,
        shape: this.shapes.get(name) ?? [],
        role: 'activation',
        dtype: 'float32',
      }
    );
  }

  shape(name: string): Shape {
    return this.shapes.get(name) ?? this.info(name).shape;
  }

  node(
    opType: string,
    name: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: [string, AttrValue][] = [],
    meta: [string, string][] = [],
  ): void {
    this.nodes.push(
      create(NodeProtoSchema, {
        name,
        opType,
        input: [...inputs],
        output: [...outputs],
        attribute: attrs.map(([k, v]) => attr(k, v)),
        metadataProps: meta.map(([key, value]) => create(StringStringEntryProtoSchema, { key, value })),
      }),
    );
  }

  storage(q: QuantSpec, path: string): Storage | undefined {
    const s = storageOf(q.format);
    if (s === undefined)
      this.fail(
        `${path}.quant.format`,
        showValue(q.format),
        'a format ONNX can hold (int/uint 1–16, int32, binary, fp8-e4m3fn, fp8-e5m2, fp4-e2m1 …)',
      );
    return s;
  }

  /** Scale and zero-point initializers of a tensor's spec (one pair per tensor). */
  quantParams(tensor: string, q: QuantSpec, storage: Storage): { scale: string; zeroPoint: string } {
    const known = this.params.get(tensor);
    if (known !== undefined) return known;
    const dims = scaleDims(q, this.shape(tensor));
    const scale = this.fresh(`${tensor}__scale`);
    const zeroPoint = this.fresh(`${tensor}__zero_point`);
    const n = asList(q.scale).length;
    const zps = asList(q.zeroPoint);
    this.initializers.push(floatTensor(scale, dims, asList(q.scale), scaleElemType(q)));
    const zpValues = zps.length === n ? zps : new Array<number>(n).fill(zps[0]!);
    this.initializers.push(codesTensor(zeroPoint, dims, storage.elemType, storage.container, zpValues));
    const pair = { scale, zeroPoint };
    this.params.set(tensor, pair);
    return pair;
  }

  /** Attributes and metadata of a Q / DQ node for `q`. */
  qdqExtras(
    q: QuantSpec,
    storage: Storage,
    op?: string,
  ): { attrs: [string, AttrValue][]; meta: [string, string][] } {
    const attrs: [string, AttrValue][] = [];
    if (asList(q.scale).length > 1) {
      if (q.axis !== undefined) attrs.push(['axis', q.axis]);
      if (q.blockSize !== undefined && q.blockSize > 0) attrs.push(['block_size', q.blockSize]);
    }
    const meta: [string, string][] = [];
    if (op !== undefined) meta.push(['bitcycle.op', op]);
    if (storage.override !== undefined) meta.push(['bitcycle.format', storage.override]);
    if (q.narrow === true) meta.push(['bitcycle.narrow', 'true']);
    if (q.rounding !== undefined && q.rounding !== 'nearest-even')
      meta.push(['bitcycle.rounding', q.rounding]);
    return { attrs, meta };
  }

  /** The ONNX name float readers of IR tensor `name` use (a DequantizeLinear view of a quantized one). */
  view(name: string): string {
    const q = this.info(name).quant;
    if (q === undefined) return name;
    const known = this.views.get(name);
    if (known !== undefined) return known;
    const storage = this.storage(q, `tensors.${name}`);
    if (storage === undefined) return name;
    const { scale, zeroPoint } = this.quantParams(name, q, storage);
    const out = this.fresh(`${name}__dq`);
    const { attrs, meta } = this.qdqExtras(q, storage);
    this.node(
      'DequantizeLinear',
      this.fresh(`${name}__dequantize`),
      [name, scale, zeroPoint],
      [out],
      attrs,
      meta,
    );
    this.views.set(name, out);
    return out;
  }

  /** The initializer(s) of a constant tensor (codes for quantized ones). */
  constant(t: TensorInfo): void {
    const path = `tensors.${t.name}`;
    const shape = this.shape(t.name);
    if (t.quant === undefined) {
      if (t.data === undefined) {
        this.fail(`${path}.data`, '(missing)', 'values to write (a shape-only weight cannot be exported)');
        return;
      }
      const type = t.dtype === 'int32' ? ELEM.INT32 : t.dtype === 'int64' ? ELEM.INT64 : ELEM.FLOAT;
      this.initializers.push(
        type === ELEM.FLOAT ? floatTensor(t.name, shape, t.data) : intTensor(t.name, shape, t.data, type),
      );
      return;
    }
    const storage = this.storage(t.quant, path);
    if (storage === undefined) return;
    const stored = t.stored ?? this.storedFromData(t, shape);
    if (stored === undefined) return;
    this.initializers.push(codesTensor(t.name, shape, storage.elemType, storage.container, stored));
  }

  private storedFromData(t: TensorInfo, shape: Shape): Float64Array | undefined {
    if (t.data === undefined) {
      this.fail(`tensors.${t.name}.stored`, '(missing)', 'stored values or data to write');
      return undefined;
    }
    const fmt = parseFormat(t.quant!.format);
    const codes = quantizeLinear(t.data, shape, t.quant!);
    return Float64Array.from(codes, (c) => fmt.decode(c));
  }

  /** The IR tensor `name` as a graph input. */
  input(name: string): ValueInfoProto {
    const t = this.info(name);
    if (t.quant === undefined)
      return valueInfo(
        name,
        t.dtype === 'int32' ? ELEM.INT32 : t.dtype === 'int64' ? ELEM.INT64 : ELEM.FLOAT,
        this.shape(name),
      );
    const storage = this.storage(t.quant, `inputs.${name}`);
    return valueInfo(name, storage?.elemType ?? ELEM.FLOAT, this.shape(name));
  }

  output(name: string): ValueInfoProto {
    return this.input(name);
  }

  /**
   * The ONNX name an op writes for IR output `name`: the name itself for a float tensor; for a
   * quantized one `<name>__f`, quantized into `name` by a QuantizeLinear.
   */
  opOutput(name: string): { onnx: string; finish: () => void } {
    const q = this.info(name).quant;
    if (q === undefined) return { onnx: name, finish: () => undefined };
    const storage = this.storage(q, `tensors.${name}`);
    if (storage === undefined) return { onnx: name, finish: () => undefined };
    if (storage.elemType === ELEM.INT32) {
      this.fail(
        `tensors.${name}.quant.format`,
        showValue(q.format),
        'a format QuantizeLinear can produce (not int32: int32 activations have no QDQ form)',
      );
      return { onnx: name, finish: () => undefined };
    }
    const float = this.fresh(`${name}__f`);
    return {
      onnx: float,
      finish: () => {
        const { scale, zeroPoint } = this.quantParams(name, q, storage);
        const { attrs, meta } = this.qdqExtras(q, storage);
        this.node(
          'QuantizeLinear',
          this.fresh(`${name}__quantize`),
          [float, scale, zeroPoint],
          [name],
          attrs,
          meta,
        );
      },
    };
  }
}

// ---- ops -----------------------------------------------------------------------------------------

function pair(v: readonly [number, number]): number[] {
  return [v[0], v[1]];
}

/** The ONNX op and attributes of a float IR node (inputs already mapped to float views). */
function writeOp(w: Writer, node: Node, inputs: readonly string[], output: string): void {
  const name = node.name;
  switch (node.op) {
    case 'conv2d': {
      const a = node.attrs;
      w.node(
        'Conv',
        name,
        inputs,
        [output],
        [
          ['kernel_shape', pair(a.kernel)],
          ['strides', pair(a.stride)],
          ['pads', [...a.pads]],
          ['dilations', pair(a.dilation)],
          ['group', a.groups],
        ],
      );
      return;
    }
    case 'dense': {
      if (w.shape(node.inputs[0]!).length === 2) {
        w.node('Gemm', name, inputs, [output]);
        return;
      }
      if (inputs.length === 2) {
        w.node('MatMul', name, inputs, [output]);
        return;
      }
      const mid = w.fresh(`${output}__matmul`);
      w.node('MatMul', name, inputs.slice(0, 2), [mid]);
      w.node('Add', w.fresh(`${name}__bias`), [mid, inputs[2]!], [output]);
      return;
    }
    case 'matmul': {
      if (!node.attrs.transB) {
        w.node('MatMul', name, inputs, [output]);
        return;
      }
      const rank = w.shape(node.inputs[1]!).length;
      const perm = Array.from({ length: rank }, (_, i) =>
        i < rank - 2 ? i : i === rank - 2 ? rank - 1 : rank - 2,
      );
      const t = w.fresh(`${inputs[1]!}__transposed`);
      w.node('Transpose', w.fresh(`${name}__transB`), [inputs[1]!], [t], [['perm', perm]]);
      w.node('MatMul', name, [inputs[0]!, t], [output]);
      return;
    }
    case 'maxpool':
    case 'avgpool': {
      const a = node.attrs;
      const attrs: [string, AttrValue][] = [
        ['kernel_shape', pair(a.kernel)],
        ['strides', pair(a.stride)],
        ['pads', [...a.pads]],
      ];
      if (a.ceilMode) attrs.push(['ceil_mode', 1]);
      if (node.op === 'avgpool' && a.countIncludePad) attrs.push(['count_include_pad', 1]);
      w.node(node.op === 'maxpool' ? 'MaxPool' : 'AveragePool', name, inputs, [output], attrs);
      return;
    }
    case 'globalavgpool':
      w.node('GlobalAveragePool', name, inputs, [output]);
      return;
    case 'add':
      w.node(inputs.length === 2 ? 'Add' : 'Sum', name, inputs, [output]);
      return;
    case 'mul': {
      let acc = inputs[0]!;
      for (let i = 1; i < inputs.length; i++) {
        const out = i === inputs.length - 1 ? output : w.fresh(`${output}__product${i}`);
        w.node('Mul', i === 1 ? name : w.fresh(`${name}__${i}`), [acc, inputs[i]!], [out]);
        acc = out;
      }
      return;
    }
    case 'concat':
      w.node('Concat', name, inputs, [output], [['axis', node.attrs.axis]]);
      return;
    case 'relu':
      w.node('Relu', name, inputs, [output]);
      return;
    case 'relu6':
    case 'clip': {
      const [min, max] = node.op === 'relu6' ? [0, 6] : [node.attrs.min, node.attrs.max];
      const bound = (v: number, which: string): string => {
        if (!Number.isFinite(v)) return '';
        const n = w.fresh(`${name}__${which}`);
        w.initializers.push(floatTensor(n, [], [v]));
        return n;
      };
      const ins = [inputs[0]!, bound(min, 'min'), bound(max, 'max')];
      while (ins[ins.length - 1] === '') ins.pop();
      w.node('Clip', name, ins, [output]);
      return;
    }
    case 'gelu':
      w.node('Gelu', name, inputs, [output]);
      return;
    case 'sigmoid':
      w.node('Sigmoid', name, inputs, [output]);
      return;
    case 'softmax':
      w.node('Softmax', name, inputs, [output], [['axis', node.attrs.axis]]);
      return;
    case 'batchnorm':
      w.node('BatchNormalization', name, inputs, [output], [['epsilon', { float: node.attrs.epsilon }]]);
      return;
    case 'layernorm':
      w.node(
        'LayerNormalization',
        name,
        inputs,
        [output],
        [
          ['axis', node.attrs.axis],
          ['epsilon', { float: node.attrs.epsilon }],
        ],
      );
      return;
    case 'lrn': {
      const a = node.attrs;
      w.node(
        'LRN',
        name,
        inputs,
        [output],
        [
          ['size', a.size],
          ['alpha', { float: a.alpha }],
          ['beta', { float: a.beta }],
          ['bias', { float: a.bias }],
        ],
      );
      return;
    }
    case 'reshape': {
      const shape = w.fresh(`${name}__shape`);
      w.initializers.push(intTensor(shape, [node.attrs.shape.length], node.attrs.shape, ELEM.INT64));
      w.node('Reshape', name, [inputs[0]!, shape], [output]);
      return;
    }
    case 'flatten':
      w.node('Flatten', name, inputs, [output], [['axis', node.attrs.axis]]);
      return;
    case 'transpose':
      w.node(
        'Transpose',
        name,
        inputs,
        [output],
        node.attrs.perm.length > 0 ? [['perm', [...node.attrs.perm]]] : [],
      );
      return;
    case 'requantize':
    case 'dequantize':
      throw new Error('unreachable: requantize / dequantize are written by writeQdqNode');
  }
}

/** requantize / dequantize nodes as QuantizeLinear / DequantizeLinear marked bitcycle.op. */
function writeQdqNode(w: Writer, node: Node): void {
  const x = node.inputs[0]!;
  const y = node.outputs[0]!;
  if (node.op === 'requantize') {
    const q = node.attrs.to;
    const storage = w.storage(q, `nodes.${node.name}.attrs.to`);
    if (storage === undefined) return;
    if (storage.elemType === ELEM.INT32) {
      w.fail(
        `nodes.${node.name}.attrs.to.format`,
        showValue(q.format),
        'a format QuantizeLinear can produce (not int32)',
      );
      return;
    }
    const input = w.view(x);
    const { scale, zeroPoint } = w.quantParams(y, q, storage);
    const { attrs, meta } = w.qdqExtras(q, storage, 'requantize');
    w.node('QuantizeLinear', node.name, [input, scale, zeroPoint], [y], attrs, meta);
    return;
  }
  const q = w.info(x).quant;
  if (q === undefined) {
    w.fail(`nodes.${node.name}.inputs[0]`, showValue(x), 'a quantized tensor');
    return;
  }
  const storage = w.storage(q, `tensors.${x}`);
  if (storage === undefined) return;
  const { scale, zeroPoint } = w.quantParams(x, q, storage);
  const { attrs, meta } = w.qdqExtras(q, storage, 'dequantize');
  w.node('DequantizeLinear', node.name, [x, scale, zeroPoint], [y], attrs, meta);
}

function writeNode(w: Writer, node: Node): void {
  if (node.op === 'requantize' || node.op === 'dequantize') {
    writeQdqNode(w, node);
    return;
  }
  const inputs = node.inputs.map((i) => w.view(i));
  const out = w.opOutput(node.outputs[0]!);
  writeOp(w, node, inputs, out.onnx);
  out.finish();
}

const PARAM_ROLES = new Set(['weight', 'bias', 'constant']);

/**
 * The graph as a serialized ONNX ModelProto in QDQ form. Throws InputError for graphs it cannot
 * write (every problem at once): invalid graphs, constants without values, formats ONNX cannot hold,
 * int32 activations.
 */
/** Model metadata keys for the graph's default formats and provenance. */
export const MODEL_QUANT_KEY = 'bitcycle.quant';
export const MODEL_SOURCE_KEY = 'bitcycle.source';

export function exportOnnxQdq(graph: Graph): Uint8Array {
  const { shapes } = analyzeGraph(graph);
  const w = new Writer(graph, shapes);
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  for (const t of graph.tensors.values()) {
    if (PARAM_ROLES.has(t.role) && !produced.has(t.name) && !graph.inputs.includes(t.name)) w.constant(t);
  }
  const inputs = graph.inputs.map((n) => w.input(n));
  for (const node of graph.nodes) writeNode(w, node);
  const outputs = graph.outputs.map((n) => w.output(n));
  if (w.issues.length > 0) throw new InputError(w.issues);
  const model = create(ModelProtoSchema, {
    irVersion: IR_VERSION,
    producerName: 'bitcycle',
    opsetImport: [{ domain: '', version: BigInt(EXPORT_OPSET) }],
    // What ONNX has no field for, so that the import gives back the same Graph.
    metadataProps: [
      ...(graph.quant !== undefined ? [{ key: MODEL_QUANT_KEY, value: JSON.stringify(graph.quant) }] : []),
      // always written: an empty value records that the graph had no source
      { key: MODEL_SOURCE_KEY, value: graph.source ?? '' },
    ].map((e) => create(StringStringEntryProtoSchema, e)),
    graph: {
      name: graph.name,
      node: w.nodes,
      initializer: w.initializers,
      input: inputs,
      output: outputs,
    },
  });
  return toBinary(ModelProtoSchema, model);
}
