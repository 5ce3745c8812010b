/**
 * The importer on each of the 39 ONNX backend node tests (../shared/onnx-node-tests): every graph
 * input after the first bound as a constant, the imported graph must be exactly the IR written out
 * here from the model's attributes and the .pb files: node names / ops / attrs, tensor names,
 * shapes, roles, dtypes, QuantSpecs, stored values and their dequantization.
 */
import type { AttributeProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { dequantizeLinear, parseFormat } from '../../../src/formats/index.js';
import { importOnnxModel } from '../../../src/graph/import/onnx/index.js';
import { onnxElemTypeFormat, type OnnxTensor } from '../../../src/graph/import/onnx-tensor.js';
import type { Graph, Node, QuantSpec, TensorInfo } from '../../../src/graph/ir.js';
import { structure } from '../export/structure.js';
import { loadNodeTest, nodeTestNames, type NodeTest } from './node-tests.js';

function attrs(t: NodeTest): Map<string, AttributeProto> {
  return new Map(t.model.graph!.node[0]!.attribute.map((a) => [a.name, a]));
}

function intAttr(t: NodeTest, name: string): number | undefined {
  const a = attrs(t).get(name);
  return a === undefined ? undefined : Number(a.i);
}

function intsAttr(t: NodeTest, name: string, fallback: number[]): number[] {
  const a = attrs(t).get(name);
  return a === undefined ? fallback : a.ints.map(Number);
}

/** One value, or the list (a list of equal values is that value). */
function one(values: ArrayLike<number>): number | number[] {
  const list = Array.from(values);
  return list.every((v) => v === list[0]) ? list[0]! : list;
}

/** The spec an ONNX scale / zero point pair stands for (per tensor when there is one scale). */
function spec(
  format: string,
  scale: OnnxTensor | undefined,
  zp: OnnxTensor | undefined,
  extra: Partial<QuantSpec> = {},
): QuantSpec {
  const s = scale === undefined ? 1 : scale.values.length === 1 ? scale.values[0]! : Array.from(scale.values);
  const perTensor = typeof s === 'number';
  return {
    format,
    scale: s,
    zeroPoint: zp === undefined ? 0 : perTensor ? zp.values[0]! : one(zp.values),
    ...(perTensor ? {} : extra),
    ...(scale?.elemTypeName === 'FLOAT16' ? { scaleType: 'float16' as const } : {}),
  };
}

function formatOf(t: OnnxTensor): string {
  return t.elemTypeName === 'INT32' ? 'int32' : onnxElemTypeFormat(t.elemType)!;
}

function input(name: string, t: OnnxTensor, quant?: QuantSpec): TensorInfo {
  return { name, shape: t.dims, role: 'input', dtype: 'float32', ...(quant !== undefined ? { quant } : {}) };
}

function output(
  name: string,
  t: OnnxTensor,
  quant?: QuantSpec,
  dtype: TensorInfo['dtype'] = 'float32',
): TensorInfo {
  return { name, shape: t.dims, role: 'activation', dtype, ...(quant !== undefined ? { quant } : {}) };
}

/** A bound constant read as a quantized weight: stored = the .pb values, data = their dequantization. */
function weight(name: string, t: OnnxTensor, quant: QuantSpec): TensorInfo {
  const fmt = parseFormat(quant.format);
  const codes = Uint32Array.from(t.values, (v) => fmt.encode(v));
  return {
    name,
    shape: t.dims,
    role: 'weight',
    dtype: 'float32',
    quant,
    stored: Float64Array.from(t.values),
    data: dequantizeLinear(codes, t.dims, quant),
  };
}

function graph(t: NodeTest, tensors: TensorInfo[], node: Omit<Node, 'name'>): ReturnType<typeof structure> {
  const g: Graph = {
    name: '',
    inputs: [t.model.graph!.input[0]!.name],
    outputs: [t.model.graph!.output[0]!.name],
    tensors: new Map(tensors.map((x) => [x.name, x])),
    nodes: [{ name: `${t.model.graph!.node[0]!.opType}_0`, ...node } as Node],
  };
  return structure(g);
}

function names(t: NodeTest): string[] {
  return t.model.graph!.input.map((v) => v.name);
}

function expected(t: NodeTest): ReturnType<typeof structure> {
  const op = t.model.graph!.node[0]!.opType;
  const [x, s1, z1, s2, z2, s3, z3, s4] = t.inputs;
  const n = names(t);
  const y = t.model.graph!.output[0]!.name;
  const axis = intAttr(t, 'axis');
  const block = intAttr(t, 'block_size');
  const extra = {
    ...(axis !== undefined ? { axis } : {}),
    ...(block !== undefined ? { blockSize: block } : {}),
  };
  switch (op) {
    case 'QuantizeLinear': {
      const outFormat = onnxElemTypeFormat(z1?.elemType ?? intAttr(t, 'output_dtype') ?? 2)!;
      const q = spec(outFormat, s1, z1, extra);
      return graph(t, [input(n[0]!, x!), output(y, t.output, q)], {
        op: 'requantize',
        inputs: [n[0]!],
        outputs: [y],
        attrs: { to: q },
      });
    }
    case 'DequantizeLinear': {
      const q = spec(formatOf(x!), s1, z1, extra);
      return graph(t, [input(n[0]!, x!, q), output(y, t.output)], {
        op: 'dequantize',
        inputs: [n[0]!],
        outputs: [y],
        attrs: {},
      });
    }
    case 'QLinearMatMul': {
      // a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp
      const aq = spec(formatOf(x!), s1, z1);
      const bq = spec(formatOf(s2!), z2, s3);
      const yq = spec(formatOf(s4!), z3, s4);
      const dense = s2!.dims.length === 2;
      const node = dense
        ? { op: 'dense' as const, inputs: [n[0]!, n[3]!], outputs: [y], attrs: { units: s2!.dims[1]! } }
        : { op: 'matmul' as const, inputs: [n[0]!, n[3]!], outputs: [y], attrs: { transB: false } };
      return graph(t, [input(n[0]!, x!, aq), weight(n[3]!, s2!, bq), output(y, t.output, yq)], node);
    }
    case 'QLinearConv': {
      const xq = spec(formatOf(x!), s1, z1);
      const wq = spec(formatOf(s2!), z2, s3);
      const yq = spec(formatOf(s4!), z3, s4);
      return graph(t, [input(n[0]!, x!, xq), weight(n[3]!, s2!, wq), output(y, t.output, yq)], {
        op: 'conv2d',
        inputs: [n[0]!, n[3]!],
        outputs: [y],
        attrs: convAttrs(t, s2!),
      });
    }
    case 'ConvInteger':
    case 'MatMulInteger': {
      const w = s1!;
      const xq = spec(formatOf(x!), undefined, z1);
      const perChannel = (s2?.values.length ?? 1) > 1;
      const channels = s2?.values.length ?? 1;
      const wq: QuantSpec = perChannel
        ? {
            format: formatOf(w),
            scale: new Array<number>(channels).fill(1),
            zeroPoint: Array.from(s2!.values),
            axis: op === 'ConvInteger' ? 0 : -1,
          }
        : spec(formatOf(w), undefined, s2);
      const int32: QuantSpec = { format: 'int32', scale: 1, zeroPoint: 0 };
      const node =
        op === 'ConvInteger'
          ? { op: 'conv2d' as const, inputs: [n[0]!, n[1]!], outputs: [y], attrs: convAttrs(t, w) }
          : { op: 'dense' as const, inputs: [n[0]!, n[1]!], outputs: [y], attrs: { units: w.dims[1]! } };
      return graph(
        t,
        [input(n[0]!, x!, xq), weight(n[1]!, w, wq), output(y, t.output, int32, 'int32')],
        node,
      );
    }
    default:
      throw new Error(`no expectation for ${op}`);
  }
}

function convAttrs(t: NodeTest, w: OnnxTensor) {
  const k = intsAttr(t, 'kernel_shape', w.dims.slice(2));
  const p = intsAttr(t, 'pads', [0, 0, 0, 0]);
  const s = intsAttr(t, 'strides', [1, 1]);
  const d = intsAttr(t, 'dilations', [1, 1]);
  return {
    outChannels: w.dims[0]!,
    kernel: [k[0]!, k[1]!] as const,
    stride: [s[0]!, s[1]!] as const,
    pads: [p[0]!, p[1]!, p[2]!, p[3]!] as const,
    dilation: [d[0]!, d[1]!] as const,
    groups: intAttr(t, 'group') ?? 1,
  };
}

describe('importOnnx on the ONNX node tests', () => {
  it('finds the 39 test directories', () => {
    expect(nodeTestNames()).toHaveLength(39);
  });

  it.each(nodeTestNames())('%s', (name) => {
    const t = loadNodeTest(name);
    const { graph: g, notes } = importOnnxModel(t.bytes, { modelPath: t.modelPath, bindInputs: t.bind });
    expect(structure(g)).toEqual(expected(t));
    const opset = Number(t.model.opsetImport[0]!.version);
    if (opset !== 21) expect(notes.some((note) => note.includes(`opset ${opset}`))).toBe(true);
  });
});
