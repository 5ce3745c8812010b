/**
 * Building an IR graph from a TensorFlow.js model: named tensors and nodes checked as they are
 * added (with the op registry, so a malformed model gives an InputError naming the layer, never a
 * crash later), and the layout of every value.
 *
 * Layout. TensorFlow.js is NHWC and the IR is NCHW. A rank-4 TF tensor is held in the IR as NCHW
 * (layout `nchw`: the IR shape is [N, C, H, W] for the TF shape [N, H, W, C]), so a plain CNN
 * needs no transposes. Every other value (rank ≠ 4, or a rank-4 tensor made by a Reshape) keeps
 * TF's dim order (layout `tf`). Where an op needs the other layout (a Flatten or Reshape of a
 * conv output must see TF's NHWC element order; a conv on a reshaped tensor needs NCHW), a
 * transpose node is inserted.
 */
import { InputError, showValue, type InputIssue } from '../../units/errors.js';
import {
  elementCount,
  type Graph,
  type Node,
  type OpAttrMap,
  type OpType,
  type Shape,
  type TensorInfo,
  type TensorRole,
} from '../ir.js';
import { checkNode, inferNodeShapes } from '../ops/registry.js';
import type { TfjsQuantDtype, TfjsWeight } from './tfjs-io.js';

export type Layout = 'tf' | 'nchw';

/** A value flowing through the converted model. */
export interface Value {
  /** IR tensor name. */
  readonly name: string;
  /** IR shape. */
  readonly shape: Shape;
  readonly layout: Layout;
}

/** A weight that the converter stored quantized, with its codes in the IR tensor's element order. */
export interface TfjsWeightQuantization {
  /** The weight's name in the tfjs manifest. */
  readonly weight: string;
  readonly dtype: TfjsQuantDtype;
  readonly scale?: number;
  readonly min?: number;
  readonly codes: Uint8Array | Uint16Array;
}

export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;

/** The TF-order shape of a value. */
export function tfShape(v: Value): Shape {
  return v.layout === 'nchw' ? NCHW_TO_NHWC.map((p) => v.shape[p]!) : v.shape;
}

/** The IR axis of a TF axis of a value (negative TF axes count from the end). */
export function irAxis(v: Value, tfAxis: number): number {
  const rank = v.shape.length;
  const a = tfAxis < 0 ? tfAxis + rank : tfAxis;
  return v.layout === 'nchw' ? NCHW_TO_NHWC[a]! : a;
}

/** out[i] = in[map[i]] for the transpose of a row-major tensor of `shape` by `perm`. */
export function permutationMap(shape: Shape, perm: readonly number[]): Int32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * shape[i + 1]!;
  const strides = perm.map((p) => inStrides[p]!);
  const n = elementCount(shape);
  const map = new Int32Array(n);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < n; o++) {
    map[o] = src;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      src += strides[d]!;
      if (index[d]! < outShape[d]!) break;
      src -= strides[d]! * outShape[d]!;
      index[d] = 0;
    }
  }
  return map;
}

function applyMap<T extends Float32Array | Uint8Array | Uint16Array>(src: T, map: Int32Array | undefined): T {
  if (map === undefined) return src.slice() as T;
  const out = src.slice() as T;
  for (let i = 0; i < map.length; i++) out[i] = src[map[i]!]!;
  return out;
}

/** A weight's float values laid out for the IR: transposed by `perm` (TF order → IR order), reshaped. */
export interface ParamSource {
  readonly weight: TfjsWeight;
  /** Transpose of the weight's TF shape (omit to keep its order). */
  readonly perm?: readonly number[];
  /** IR shape (same element count; default: the transposed shape). */
  readonly shape?: Shape;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0] ?? msg;
}

export class TfjsGraphBuilder {
  readonly issues: InputIssue[] = [];
  readonly tensors = new Map<string, TensorInfo>();
  readonly nodes: Node[] = [];
  readonly inputs: string[] = [];
  readonly quantized = new Map<string, TfjsWeightQuantization>();
  readonly notes: string[] = [];
  private readonly used = new Set<string>();
  private readonly producer = new Map<string, number>();
  /** Parameters already added, by weight and layout: a shared layer reads one tensor. */
  private readonly params = new Map<string, string>();

  constructor(readonly file: string) {}

  issue(path: string, value: string, expected: string): void {
    this.issues.push({ file: this.file, path, value, expected });
  }

  /** `base`, or `base_1`, `base_2` … the first name no tensor or node uses yet. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  shapeOf(name: string): Shape {
    return this.tensors.get(name)!.shape;
  }

  /** A graph input with the TF shape given (rank 4 becomes NCHW). */
  addInput(base: string, tfDims: Shape): Value {
    const name = this.unique(base);
    const layout: Layout = tfDims.length === 4 ? 'nchw' : 'tf';
    const shape = layout === 'nchw' ? NHWC_TO_NCHW.map((p) => tfDims[p]!) : [...tfDims];
    this.tensors.set(name, { name, shape, role: 'input', dtype: 'float32' });
    this.inputs.push(name);
    return { name, shape, layout };
  }

  /** A parameter tensor from plain values. */
  addConstant(base: string, role: TensorRole, shape: Shape, data: Float32Array): string {
    const name = this.unique(base);
    this.tensors.set(name, { name, shape: [...shape], role, dtype: 'float32', data });
    return name;
  }

  /** A parameter tensor from a tfjs weight, permuted into IR order; quantized codes are kept aside. */
  addParam(base: string, role: TensorRole, src: ParamSource): string {
    const w = src.weight;
    const key = `${w.name}|${String(src.perm)}|${String(src.shape)}|${role}`;
    const known = this.params.get(key);
    if (known !== undefined) return known;
    const map = src.perm !== undefined ? permutationMap(w.shape, src.perm) : undefined;
    const permuted = src.perm !== undefined ? src.perm.map((p) => w.shape[p]!) : w.shape;
    const shape = src.shape ?? permuted;
    const values = w.values instanceof Float32Array ? w.values : Float32Array.from(w.values);
    const name = this.addConstant(base, role, shape, applyMap(values, map));
    this.params.set(key, name);
    const q = w.quantization;
    if (q !== undefined) {
      this.quantized.set(name, {
        weight: w.name,
        dtype: q.dtype,
        ...(q.scale !== undefined ? { scale: q.scale } : {}),
        ...(q.min !== undefined ? { min: q.min } : {}),
        codes: applyMap(q.codes, map),
      });
    }
    return name;
  }

  /**
   * Add a node with one output (named after the node) and check it. Problems become issues under
   * `where` (the layer / node of the model) and give undefined.
   */
  emit<K extends OpType>(
    op: K,
    base: string,
    inputs: readonly string[],
    attrs: OpAttrMap[K],
    layout: Layout,
    where: string,
  ): Value | undefined {
    const name = this.unique(base);
    const node = { name, op, inputs: [...inputs], outputs: [name], attrs } as unknown as Node;
    const shapes = inputs.map((i) => this.shapeOf(i));
    let out: Shape;
    try {
      const problems = checkNode(node, shapes);
      if (problems.length > 0) {
        for (const p of problems) this.issue(where, p.value, `${p.expected} (${op} ${p.path})`);
        return undefined;
      }
      out = inferNodeShapes(node, shapes)[0]!;
    } catch (e) {
      this.issue(where, op, `a node the IR accepts (${firstLine(e)})`);
      return undefined;
    }
    this.producer.set(name, this.nodes.length);
    this.nodes.push(node);
    this.tensors.set(name, { name, shape: out, role: 'activation', dtype: 'float32' });
    return { name, shape: out, layout };
  }

  /** The node that produced a tensor, if it was emitted here. */
  producerOf(tensor: string): Node | undefined {
    const i = this.producer.get(tensor);
    return i === undefined ? undefined : this.nodes[i];
  }

  /** Give a conv2d / dense node (that has none) a bias input. */
  attachBias(tensor: string, bias: string): void {
    const i = this.producer.get(tensor)!;
    const node = this.nodes[i]!;
    this.nodes[i] = { ...node, inputs: [...node.inputs, bias] };
  }

  transpose(v: Value, perm: readonly number[], layout: Layout, where: string): Value | undefined {
    const suffix = layout === 'nchw' ? 'to_nchw' : 'to_nhwc';
    return this.emit('transpose', `${v.name}/${suffix}`, [v.name], { perm: [...perm] }, layout, where);
  }

  /** The value in NCHW (a rank-4 TF-layout value is transposed). */
  toNchw(v: Value, where: string): Value | undefined {
    if (v.layout === 'nchw') return v;
    if (v.shape.length !== 4) {
      this.issue(where, `a rank-${v.shape.length} input ${showValue(tfShape(v))}`, 'a rank-4 NHWC tensor');
      return undefined;
    }
    return this.transpose(v, NHWC_TO_NCHW, 'nchw', where);
  }

  /** The value in TF's own dim order (an NCHW value is transposed back to NHWC). */
  toTf(v: Value, where: string): Value | undefined {
    return v.layout === 'tf' ? v : this.transpose(v, NCHW_TO_NHWC, 'tf', where);
  }

  /**
   * Append an activation by its Keras / TF name (`linear` and undefined add nothing). The node is
   * named `<base>/<act>`, or `base` itself when `exact` (an Activation layer of its own).
   */
  activation(
    v: Value,
    act: string | undefined,
    base: string,
    where: string,
    exact = false,
  ): Value | undefined {
    const name = exact ? base : `${base}/${String(act)}`;
    switch (act) {
      case undefined:
      case 'linear':
        return v;
      case 'relu':
      case 'relu6':
      case 'sigmoid':
      case 'gelu':
        return this.emit(act, name, [v.name], {}, v.layout, where);
      case 'softmax':
        return this.emit('softmax', name, [v.name], { axis: irAxis(v, -1) }, v.layout, where);
      default:
        this.issue(where, showValue(act), `an activation the IR has (${SUPPORTED_ACTIVATIONS.join(', ')})`);
        return undefined;
    }
  }

  /** The finished graph (analyzed by the caller). Throws the collected issues, if any. */
  finish(name: string, outputs: readonly Value[], source: string): Graph {
    if (this.issues.length > 0) throw new InputError(this.issues);
    return {
      name,
      inputs: [...this.inputs],
      outputs: outputs.map((o) => o.name),
      tensors: new Map(this.tensors),
      nodes: [...this.nodes],
      source,
    };
  }
}

export const SUPPORTED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'softmax', 'gelu'] as const;

/** TF "SAME" padding along one axis: [begin, end] (the extra cell goes at the end). */
export function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const extent = (kernel - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + extent - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}
