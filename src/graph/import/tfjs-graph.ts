/**
 * TensorFlow.js GraphModel (a TF GraphDef in JSON, as tensorflowjs_converter writes it) → IR nodes.
 *
 * Ops: Placeholder, Const, Identity / StopGradient / Snapshot, NoOp; Conv2D and
 * DepthwiseConv2dNative (SAME / VALID / EXPLICIT padding, strides, dilations, NHWC); _FusedConv2D,
 * FusedDepthwiseConv2dNative and _FusedMatMul with BiasAdd (+ Relu / Relu6 / Sigmoid); MatMul
 * (a constant right operand is a dense layer, otherwise a matmul); BiasAdd, Add, AddV2, Mul (a bias
 * right after a conv / dense that has none, and is read by nothing else, becomes that layer's
 * bias); Relu, Relu6, Sigmoid, Softmax; MaxPool, AvgPool; Mean over H and W (a global average
 * pool); Reshape, Squeeze, Transpose, ConcatV2 with constant shape / axes; FusedBatchNorm(V3).
 *
 * Attribute values follow the protobuf JSON mapping: strings are base64, integers are decimal
 * strings, lists are `{list: {i: […]}}`. The weights of a Const node are the manifest entry with the
 * node's name.
 */
import { showValue } from '../../units/errors.js';
import type { Pads4, Pair } from '../ir.js';
import {
  irAxis,
  NHWC_TO_NCHW,
  samePads,
  tfShape,
  type TfjsGraphBuilder,
  type Value,
} from './tfjs-builder.js';
import type { TfjsWeight } from './tfjs-io.js';

export const TFJS_GRAPH_OPS = [
  'Placeholder',
  'Const',
  'Identity',
  'StopGradient',
  'Snapshot',
  'NoOp',
  'Conv2D',
  'DepthwiseConv2dNative',
  '_FusedConv2D',
  'FusedDepthwiseConv2dNative',
  'MatMul',
  '_FusedMatMul',
  'BiasAdd',
  'Add',
  'AddV2',
  'Mul',
  'Relu',
  'Relu6',
  'Sigmoid',
  'Softmax',
  'MaxPool',
  'AvgPool',
  'Mean',
  'Reshape',
  'Squeeze',
  'Transpose',
  'ConcatV2',
  'FusedBatchNorm',
  'FusedBatchNormV3',
] as const;

const FUSED_ACTIVATIONS: Readonly<Record<string, 'relu' | 'relu6' | 'sigmoid'>> = {
  Relu: 'relu',
  Relu6: 'relu6',
  Sigmoid: 'sigmoid',
};

export interface GraphOptions {
  readonly batch: number;
  readonly inputShapes: Readonly<Record<string, readonly number[]>>;
  readonly outputs: readonly string[] | undefined;
}

type Attrs = Record<string, unknown>;

interface GNode {
  readonly index: number;
  readonly name: string;
  readonly op: string;
  /** Data inputs as `node:k` refs (control inputs dropped). */
  readonly inputs: readonly string[];
  readonly attr: Attrs;
}

type Item =
  | { readonly kind: 'value'; readonly v: Value }
  | { readonly kind: 'const'; readonly w: TfjsWeight }
  | { readonly kind: 'none' };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ref(input: string): string {
  return /:\d+$/.test(input) ? input : `${input}:0`;
}

function where(n: GNode): string {
  return `modelTopology.node[${n.index}] (${n.name}, ${n.op})`;
}

// ---- attributes --------------------------------------------------------------------------------

function attrValue(n: GNode, key: string): Attrs | undefined {
  const v = n.attr[key];
  return isRecord(v) ? v : undefined;
}

function decodeString(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  return Buffer.from(v, 'base64').toString('utf8');
}

function attrString(n: GNode, key: string): string | undefined {
  return decodeString(attrValue(n, key)?.s);
}

function toInt(v: unknown): number | undefined {
  const x = typeof v === 'string' ? Number(v) : v;
  return typeof x === 'number' && Number.isSafeInteger(x) ? x : undefined;
}

function attrInts(n: GNode, key: string): number[] | undefined {
  const list = attrValue(n, key)?.list;
  if (!isRecord(list)) return undefined;
  const i = list.i ?? [];
  if (!Array.isArray(i)) return undefined;
  const out = i.map(toInt);
  return out.every((x) => x !== undefined) ? out : undefined;
}

function attrStrings(n: GNode, key: string): string[] {
  const list = attrValue(n, key)?.list;
  const s = isRecord(list) ? list.s : undefined;
  return Array.isArray(s) ? s.map((x) => decodeString(x) ?? '') : [];
}

function attrBool(n: GNode, key: string): boolean {
  return attrValue(n, key)?.b === true;
}

function attrFloat(n: GNode, key: string, fallback: number): number {
  const f = attrValue(n, key)?.f;
  return typeof f === 'number' ? f : fallback;
}

/** NHWC four-element list attr → its H and W entries. */
function hw(n: GNode, key: string): Pair | undefined {
  const v = attrInts(n, key);
  if (v === undefined) return [1, 1];
  return v.length === 4 && v[0] === 1 && v[3] === 1 && v[1]! > 0 && v[2]! > 0 ? [v[1]!, v[2]!] : undefined;
}

// ---- reading the GraphDef ----------------------------------------------------------------------

function parseNodes(b: TfjsGraphBuilder, topology: unknown): GNode[] {
  const list = isRecord(topology) ? topology.node : undefined;
  if (!Array.isArray(list)) {
    b.issue('modelTopology.node', showValue(list), 'a list of GraphDef nodes');
    return [];
  }
  const out: GNode[] = [];
  const names = new Set<string>();
  list.forEach((raw, index) => {
    const at = `modelTopology.node[${index}]`;
    if (!isRecord(raw) || typeof raw.name !== 'string' || typeof raw.op !== 'string') {
      b.issue(at, showValue(raw), 'a node {name, op, input?, attr?}');
      return;
    }
    if (names.has(raw.name)) {
      b.issue(`${at}.name`, showValue(raw.name), 'a node name used once');
      return;
    }
    names.add(raw.name);
    const inputs = raw.input ?? [];
    if (!Array.isArray(inputs) || !inputs.every((i) => typeof i === 'string')) {
      b.issue(`${at}.input`, showValue(inputs), 'a list of tensor names');
      return;
    }
    out.push({
      index,
      name: raw.name,
      op: raw.op,
      inputs: inputs.filter((i) => !i.startsWith('^')).map(ref),
      attr: isRecord(raw.attr) ? raw.attr : {},
    });
  });
  return out;
}

function staticProblems(b: TfjsGraphBuilder, n: GNode): void {
  const at = where(n);
  if (!(TFJS_GRAPH_OPS as readonly string[]).includes(n.op)) {
    b.issue(at, showValue(n.op), `a supported op (${TFJS_GRAPH_OPS.join(', ')})`);
    return;
  }
  const df = attrString(n, 'data_format');
  if (df !== undefined && df !== 'NHWC') b.issue(`${at}.attr.data_format`, showValue(df), 'NHWC');
  const pad = attrString(n, 'padding');
  if (pad !== undefined && !['SAME', 'VALID', 'EXPLICIT'].includes(pad))
    b.issue(`${at}.attr.padding`, showValue(pad), 'SAME, VALID or EXPLICIT');
  for (const key of ['strides', 'dilations', 'ksize']) {
    if (n.attr[key] !== undefined && hw(n, key) === undefined)
      b.issue(`${at}.attr.${key}`, showValue(n.attr[key]), 'a list [1, h, w, 1] of positive integers');
  }
  if (n.op.startsWith('_Fused') || n.op.startsWith('FusedDepthwise')) {
    const ops = attrStrings(n, 'fused_ops');
    const ok =
      (ops.length === 0 || ops[0] === 'BiasAdd') &&
      ops.length <= 2 &&
      (ops[1] === undefined || ops[1] in FUSED_ACTIVATIONS);
    if (!ok)
      b.issue(
        `${at}.attr.fused_ops`,
        showValue(ops),
        `[BiasAdd] or [BiasAdd, ${Object.keys(FUSED_ACTIVATIONS).join(' | ')}]`,
      );
  }
  if (attrBool(n, 'transpose_a')) b.issue(`${at}.attr.transpose_a`, 'true', 'false');
}

/** Data-flow order of the nodes (issues for cycles and unknown inputs). */
function topoOrder(b: TfjsGraphBuilder, nodes: readonly GNode[]): GNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'active' | 'done'>();
  const order: GNode[] = [];
  const visit = (n: GNode): void => {
    const stack: { node: GNode; next: number }[] = [{ node: n, next: 0 }];
    state.set(n.name, 'active');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.node.inputs.length) {
        const input = top.node.inputs[top.next++]!;
        const dep = byName.get(input.replace(/:\d+$/, ''));
        if (dep === undefined) {
          b.issue(where(top.node), showValue(input), 'the output of a node of the graph');
          continue;
        }
        const s = state.get(dep.name);
        if (s === 'active') b.issue(where(top.node), showValue(input), 'an input that does not form a cycle');
        else if (s === undefined) {
          state.set(dep.name, 'active');
          stack.push({ node: dep, next: 0 });
        }
      } else {
        state.set(top.node.name, 'done');
        order.push(top.node);
        stack.pop();
      }
    }
  };
  for (const n of nodes) if (!state.has(n.name)) visit(n);
  return order;
}

// ---- conversion --------------------------------------------------------------------------------

class Converter {
  readonly items = new Map<string, Item>();
  /** Identity chains resolved: ref → the ref it forwards. */
  readonly alias = new Map<string, string>();
  readonly uses = new Map<string, number>();

  constructor(
    readonly b: TfjsGraphBuilder,
    readonly weights: ReadonlyMap<string, TfjsWeight>,
    readonly opts: GraphOptions,
    readonly outputRefs: ReadonlySet<string>,
  ) {}

  resolve(r: string): string {
    let cur = r;
    for (let i = 0; i < 1000; i++) {
      const next = this.alias.get(cur);
      if (next === undefined) return cur;
      cur = next;
    }
    return cur;
  }

  item(n: GNode, i: number): Item | undefined {
    const r = n.inputs[i];
    if (r === undefined) {
      this.b.issue(where(n), `${n.inputs.length} inputs`, `at least ${i + 1} inputs`);
      return undefined;
    }
    return this.items.get(r);
  }

  /** Input i as a value (a constant becomes a parameter tensor in TF order). */
  value(n: GNode, i: number): Value | undefined {
    const it = this.item(n, i);
    if (it === undefined) return undefined;
    if (it.kind === 'value') return it.v;
    if (it.kind === 'const') {
      const name = this.b.addParam(it.w.name, 'constant', { weight: it.w });
      const v: Value = { name, shape: it.w.shape, layout: 'tf' };
      this.items.set(n.inputs[i]!, { kind: 'value', v });
      return v;
    }
    this.b.issue(where(n), showValue(n.inputs[i]), 'a tensor input');
    return undefined;
  }

  constant(n: GNode, i: number, rank?: number): TfjsWeight | undefined {
    const it = this.item(n, i);
    if (it === undefined) return undefined;
    if (it.kind !== 'const' || (rank !== undefined && it.w.shape.length !== rank)) {
      const what = rank !== undefined ? `a rank-${rank} Const` : 'a Const';
      this.b.issue(
        where(n),
        `input ${i} ${showValue(n.inputs[i])}`,
        `${what} (only constant weights and shapes are supported)`,
      );
      return undefined;
    }
    return it.w;
  }

  ints(n: GNode, i: number): number[] | undefined {
    const w = this.constant(n, i);
    return w && Array.from(w.values, (x) => Math.round(x));
  }

  convert(n: GNode): Item | undefined {
    const at = where(n);
    switch (n.op) {
      case 'Placeholder':
        return this.placeholder(n);
      case 'Const': {
        const w = this.weights.get(n.name);
        if (w === undefined) {
          this.b.issue(at, `no weight ${showValue(n.name)}`, 'a weightsManifest entry named after the Const');
          return undefined;
        }
        return { kind: 'const', w };
      }
      case 'Identity':
      case 'StopGradient':
      case 'Snapshot':
        return this.item(n, 0);
      case 'NoOp':
        return { kind: 'none' };
      case 'Conv2D':
      case '_FusedConv2D':
        return this.conv(n, false);
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        return this.conv(n, true);
      case 'MatMul':
      case '_FusedMatMul':
        return this.matmul(n);
      case 'BiasAdd':
      case 'Add':
      case 'AddV2':
      case 'Mul':
        return this.binary(n);
      case 'Relu':
      case 'Relu6':
      case 'Sigmoid': {
        const x = this.value(n, 0);
        const op = FUSED_ACTIVATIONS[n.op]!;
        return wrap(x && this.b.emit(op, n.name, [x.name], {}, x.layout, at));
      }
      case 'Softmax': {
        const x = this.value(n, 0);
        return wrap(x && this.b.emit('softmax', n.name, [x.name], { axis: irAxis(x, -1) }, x.layout, at));
      }
      case 'MaxPool':
      case 'AvgPool':
        return this.pool(n);
      case 'Mean':
        return this.mean(n);
      case 'Reshape':
        return this.reshape(n);
      case 'Squeeze':
        return this.squeeze(n);
      case 'Transpose': {
        const x = this.value(n, 0);
        const perm = this.ints(n, 1);
        const y = x && perm && this.b.toTf(x, at);
        return wrap(y && this.b.emit('transpose', n.name, [y.name], { perm }, 'tf', at));
      }
      case 'ConcatV2':
        return this.concat(n);
      case 'FusedBatchNorm':
      case 'FusedBatchNormV3':
        return this.batchNorm(n);
      default:
        this.b.issue(at, showValue(n.op), 'a supported op');
        return undefined;
    }
  }

  placeholder(n: GNode): Item | undefined {
    const at = where(n);
    const shapeAttr = attrValue(n, 'shape')?.shape;
    const dims = isRecord(shapeAttr) && Array.isArray(shapeAttr.dim) ? shapeAttr.dim : undefined;
    const given = this.opts.inputShapes[n.name];
    let tf: number[] | undefined;
    if (given !== undefined) tf = [...given];
    else if (dims !== undefined) {
      tf = dims.map((d, i) => {
        const size = isRecord(d) ? toInt(d.size ?? 0) : undefined;
        return size === -1 && i === 0 ? this.opts.batch : (size ?? 0);
      });
    }
    if (tf === undefined || tf.length === 0 || !tf.every((d) => Number.isInteger(d) && d > 0)) {
      this.b.issue(
        `${at}.attr.shape`,
        showValue(dims?.map((d: unknown) => (isRecord(d) ? d.size : d))),
        `known dims after the batch (give options.inputShapes["${n.name}"])`,
      );
      return undefined;
    }
    return { kind: 'value', v: this.b.addInput(n.name, tf) };
  }

  pads(n: GNode, x: Value, kernel: Pair, stride: Pair, dilation: Pair): Pads4 | undefined {
    const padding = attrString(n, 'padding') ?? 'VALID';
    if (padding === 'VALID') return [0, 0, 0, 0];
    if (padding === 'SAME') {
      const [t, bt] = samePads(x.shape[2]!, kernel[0], stride[0], dilation[0]);
      const [l, r] = samePads(x.shape[3]!, kernel[1], stride[1], dilation[1]);
      return [t, l, bt, r];
    }
    const e = attrInts(n, 'explicit_paddings');
    if (e?.length !== 8 || e[0] !== 0 || e[1] !== 0 || e[6] !== 0 || e[7] !== 0 || e.some((p) => p < 0)) {
      this.b.issue(
        `${where(n)}.attr.explicit_paddings`,
        showValue(e),
        '[0, 0, top, bottom, left, right, 0, 0]',
      );
      return undefined;
    }
    return [e[2]!, e[4]!, e[3]!, e[5]!];
  }

  /** Fused BiasAdd + activation of a _Fused op: the bias const (if any) and the activation. */
  fused(
    n: GNode,
  ): { bias: TfjsWeight | undefined; act: 'relu' | 'relu6' | 'sigmoid' | undefined } | undefined {
    if (!n.op.startsWith('_Fused') && !n.op.startsWith('FusedDepthwise'))
      return { bias: undefined, act: undefined };
    const ops = attrStrings(n, 'fused_ops');
    let bias: TfjsWeight | undefined;
    if (ops[0] === 'BiasAdd') {
      bias = this.constant(n, 2, 1);
      if (bias === undefined) return undefined;
    }
    return { bias, act: ops[1] !== undefined ? FUSED_ACTIVATIONS[ops[1]] : undefined };
  }

  finishFused(
    n: GNode,
    y: Value | undefined,
    act: 'relu' | 'relu6' | 'sigmoid' | undefined,
  ): Item | undefined {
    if (y === undefined) return undefined;
    if (act === undefined) return wrap(y);
    return wrap(this.b.emit(act, n.name, [y.name], {}, y.layout, where(n)));
  }

  conv(n: GNode, depthwise: boolean): Item | undefined {
    const at = where(n);
    const input = this.value(n, 0);
    const f = this.constant(n, 1, 4);
    const fused = this.fused(n);
    if (input === undefined || f === undefined || fused === undefined) return undefined;
    const x = this.b.toNchw(input, at);
    if (x === undefined) return undefined;
    const [kh, kw, ci, co] = f.shape as [number, number, number, number];
    const kernel: Pair = [kh, kw];
    const stride = hw(n, 'strides')!;
    const dilation = hw(n, 'dilations')!;
    const pads = this.pads(n, x, kernel, stride, dilation);
    if (pads === undefined) return undefined;
    const cin = x.shape[1]!;
    const weight = depthwise
      ? this.b.addParam(f.name, 'weight', { weight: f, perm: [2, 3, 0, 1], shape: [ci * co, 1, kh, kw] })
      : this.b.addParam(f.name, 'weight', { weight: f, perm: [3, 2, 0, 1] });
    const inputs = [x.name, weight];
    if (fused.bias !== undefined)
      inputs.push(this.b.addParam(fused.bias.name, 'bias', { weight: fused.bias }));
    const outChannels = depthwise ? ci * co : co;
    const groups = depthwise ? ci : ci > 0 && cin % ci === 0 ? cin / ci : 1;
    const base = fused.act !== undefined ? `${n.name}/conv` : n.name;
    const y = this.b.emit(
      'conv2d',
      base,
      inputs,
      { outChannels, kernel, stride, pads, dilation, groups },
      'nchw',
      at,
    );
    return this.finishFused(n, y, fused.act);
  }

  matmul(n: GNode): Item | undefined {
    const at = where(n);
    const a = this.value(n, 0);
    const fused = this.fused(n);
    const bItem = this.item(n, 1);
    if (a === undefined || fused === undefined || bItem === undefined) return undefined;
    const x = this.b.toTf(a, at);
    if (x === undefined) return undefined;
    const transB = attrBool(n, 'transpose_b');
    const base = fused.act !== undefined ? `${n.name}/matmul` : n.name;
    let y: Value | undefined;
    if (bItem.kind === 'const' && bItem.w.shape.length === 2) {
      const w = bItem.w;
      const weight = this.b.addParam(w.name, 'weight', transB ? { weight: w, perm: [1, 0] } : { weight: w });
      const units = transB ? w.shape[0]! : w.shape[1]!;
      const inputs = [x.name, weight];
      if (fused.bias !== undefined)
        inputs.push(this.b.addParam(fused.bias.name, 'bias', { weight: fused.bias }));
      y = this.b.emit('dense', base, inputs, { units }, 'tf', at);
    } else {
      const bv = this.value(n, 1);
      const bt = bv && this.b.toTf(bv, at);
      if (bt === undefined) return undefined;
      y = this.b.emit(
        'matmul',
        fused.bias !== undefined ? `${n.name}/matmul` : base,
        [x.name, bt.name],
        { transB },
        'tf',
        at,
      );
      if (y !== undefined && fused.bias !== undefined) {
        const bias = this.b.addParam(fused.bias.name, 'bias', { weight: fused.bias });
        y = this.b.emit(
          'add',
          fused.act !== undefined ? `${n.name}/bias` : n.name,
          [y.name, bias],
          {},
          'tf',
          at,
        );
      }
    }
    return this.finishFused(n, y, fused.act);
  }

  /** A constant brought to broadcast against `v` in the IR layout. */
  broadcastConstant(w: TfjsWeight, v: Value): string {
    if (v.layout !== 'nchw' || w.shape.length > 4) return this.b.addParam(w.name, 'constant', { weight: w });
    const padded = [...new Array<number>(4 - w.shape.length).fill(1), ...w.shape];
    return this.b.addParam(w.name, 'constant', {
      weight: { ...w, shape: padded },
      perm: [...NHWC_TO_NCHW],
    });
  }

  binary(n: GNode): Item | undefined {
    const at = where(n);
    const p = this.item(n, 0);
    const q = this.item(n, 1);
    if (p === undefined || q === undefined) return undefined;
    const op = n.op === 'Mul' ? 'mul' : 'add';
    if (p.kind === 'const' && q.kind === 'const') {
      this.b.issue(at, 'two Const inputs', 'at least one computed input (constant folding is not done)');
      return undefined;
    }
    if (p.kind === 'const' || q.kind === 'const') {
      const [vi, c] = p.kind === 'const' ? [1, p.w] : [0, (q as { w: TfjsWeight }).w];
      const v = this.value(n, vi);
      if (v === undefined) return undefined;
      if (op === 'add' && this.foldable(n.inputs[vi]!, v, c)) {
        this.b.attachBias(v.name, this.b.addParam(c.name, 'bias', { weight: c }));
        return wrap(v);
      }
      const cname = this.broadcastConstant(c, v);
      return wrap(this.b.emit(op, n.name, vi === 0 ? [v.name, cname] : [cname, v.name], {}, v.layout, at));
    }
    const a = this.value(n, 0);
    const bb = this.value(n, 1);
    if (a === undefined || bb === undefined) return undefined;
    const nchw =
      a.shape.length === 4 && bb.shape.length === 4 && (a.layout === 'nchw' || bb.layout === 'nchw');
    const xs = [a, bb].map((v) => (nchw ? this.b.toNchw(v, at) : this.b.toTf(v, at)));
    if (xs[0] === undefined || xs[1] === undefined) return undefined;
    return wrap(this.b.emit(op, n.name, [xs[0].name, xs[1].name], {}, xs[0].layout, at));
  }

  /** A [C] constant added to the output of a bias-less conv / dense that nothing else reads. */
  foldable(inputRef: string, v: Value, c: TfjsWeight): boolean {
    const producer = this.b.producerOf(v.name);
    const resolved = this.resolve(inputRef);
    const channels = tfShape(v)[tfShape(v).length - 1];
    return (
      producer !== undefined &&
      (producer.op === 'conv2d' || producer.op === 'dense') &&
      producer.inputs.length === 2 &&
      producer.outputs[0] === v.name &&
      c.shape.length === 1 &&
      c.shape[0] === channels &&
      this.uses.get(resolved) === 1 &&
      !this.outputRefs.has(resolved)
    );
  }

  pool(n: GNode): Item | undefined {
    const at = where(n);
    const input = this.value(n, 0);
    const x = input && this.b.toNchw(input, at);
    const kernel = hw(n, 'ksize');
    if (x === undefined || kernel === undefined) return undefined;
    const stride = hw(n, 'strides')!;
    const pads = this.pads(n, x, kernel, stride, [1, 1]);
    if (pads === undefined) return undefined;
    const op = n.op === 'MaxPool' ? 'maxpool' : 'avgpool';
    return wrap(
      this.b.emit(
        op,
        n.name,
        [x.name],
        { kernel, stride, pads, ceilMode: false, countIncludePad: false },
        'nchw',
        at,
      ),
    );
  }

  mean(n: GNode): Item | undefined {
    const at = where(n);
    const input = this.value(n, 0);
    const axes = this.ints(n, 1);
    if (input === undefined || axes === undefined) return undefined;
    const rank = input.shape.length;
    const norm = [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort();
    if (rank !== 4 || norm.join(',') !== '1,2') {
      this.b.issue(
        at,
        `axes ${showValue(axes)} of a rank-${rank} tensor`,
        'a mean over H and W of an NHWC tensor (a global average pool)',
      );
      return undefined;
    }
    const x = this.b.toNchw(input, at);
    if (x === undefined) return undefined;
    const keep = attrBool(n, 'keep_dims');
    const pooled = this.b.emit('globalavgpool', keep ? n.name : `${n.name}/pool`, [x.name], {}, 'nchw', at);
    if (pooled === undefined || keep) return wrap(pooled);
    return wrap(this.b.emit('flatten', n.name, [pooled.name], { axis: 1 }, 'tf', at));
  }

  reshape(n: GNode): Item | undefined {
    const at = where(n);
    const input = this.value(n, 0);
    const shape = this.ints(n, 1);
    if (input === undefined || shape === undefined) return undefined;
    if (!shape.every((d) => d === -1 || d > 0)) {
      this.b.issue(at, `shape ${showValue(shape)}`, 'positive dims and at most one -1');
      return undefined;
    }
    const x = this.b.toTf(input, at);
    return wrap(x && this.b.emit('reshape', n.name, [x.name], { shape }, 'tf', at));
  }

  squeeze(n: GNode): Item | undefined {
    const at = where(n);
    const input = this.value(n, 0);
    const x = input && this.b.toTf(input, at);
    if (x === undefined) return undefined;
    const rank = x.shape.length;
    const dims = (attrInts(n, 'squeeze_dims') ?? attrInts(n, 'axis') ?? []).map((a) =>
      a < 0 ? a + rank : a,
    );
    const keep = x.shape.filter((d, i) => (dims.length === 0 ? d !== 1 : !dims.includes(i)));
    return wrap(this.b.emit('reshape', n.name, [x.name], { shape: keep }, 'tf', at));
  }

  concat(n: GNode): Item | undefined {
    const at = where(n);
    const count = n.inputs.length - 1;
    const axis = this.ints(n, count);
    const values = Array.from({ length: count }, (_, i) => this.value(n, i));
    if (axis === undefined || axis.length !== 1 || values.some((v) => v === undefined)) return undefined;
    const vs = values as Value[];
    const nchw = vs.every((v) => v.shape.length === 4) && vs.some((v) => v.layout === 'nchw');
    const xs = vs.map((v) => (nchw ? this.b.toNchw(v, at) : this.b.toTf(v, at)));
    if (xs.some((v) => v === undefined)) return undefined;
    const first = xs[0]!;
    return wrap(
      this.b.emit(
        'concat',
        n.name,
        xs.map((v) => v!.name),
        { axis: irAxis(first, axis[0]!) },
        first.layout,
        at,
      ),
    );
  }

  batchNorm(n: GNode): Item | undefined {
    const at = where(n);
    const input = this.value(n, 0);
    const params = [1, 2, 3, 4].map((i) => this.constant(n, i, 1));
    const x = input && this.b.toNchw(input, at);
    if (x === undefined || params.some((p) => p === undefined)) return undefined;
    const roles = ['weight', 'bias', 'constant', 'constant'] as const;
    const names = (params as TfjsWeight[]).map((p, i) => this.b.addParam(p.name, roles[i]!, { weight: p }));
    return wrap(
      this.b.emit(
        'batchnorm',
        n.name,
        [x.name, ...names],
        { epsilon: attrFloat(n, 'epsilon', 1e-3) },
        'nchw',
        at,
      ),
    );
  }
}

function wrap(v: Value | undefined): Item | undefined {
  return v === undefined ? undefined : { kind: 'value', v };
}

function signatureOutputs(signature: unknown): string[] | undefined {
  const outputs = isRecord(signature) ? signature.outputs : undefined;
  if (!isRecord(outputs)) return undefined;
  const names = Object.values(outputs).map((o) =>
    isRecord(o) && typeof o.name === 'string' ? o.name : undefined,
  );
  return names.every((x) => x !== undefined) && names.length > 0 ? names : undefined;
}

/** Convert a GraphDef into the builder. Issues are left in the builder. */
export function convertGraphModel(
  b: TfjsGraphBuilder,
  topology: unknown,
  signature: unknown,
  weights: ReadonlyMap<string, TfjsWeight>,
  opts: GraphOptions,
): Value[] {
  const nodes = parseNodes(b, topology);
  for (const n of nodes) staticProblems(b, n);
  if (b.issues.length > 0) return [];
  const order = topoOrder(b, nodes);
  if (b.issues.length > 0) return [];
  // Identity chains, uses of each (resolved) tensor, and the outputs.
  const alias = new Map<string, string>();
  for (const n of nodes) {
    if (['Identity', 'StopGradient', 'Snapshot'].includes(n.op) && n.inputs[0] !== undefined)
      alias.set(`${n.name}:0`, n.inputs[0]);
  }
  const resolve = (r: string): string => {
    let cur = r;
    for (let i = 0; i < 1000 && alias.has(cur); i++) cur = alias.get(cur)!;
    return cur;
  };
  const consumed = new Set<string>();
  const uses = new Map<string, number>();
  for (const n of nodes) {
    if (alias.has(`${n.name}:0`)) continue;
    for (const r of n.inputs) {
      const res = resolve(r);
      uses.set(res, (uses.get(res) ?? 0) + 1);
    }
  }
  for (const n of nodes) for (const r of n.inputs) consumed.add(r.replace(/:\d+$/, ''));
  const outputNames =
    opts.outputs ??
    signatureOutputs(signature) ??
    nodes
      .filter((n) => !consumed.has(n.name) && !['Const', 'NoOp', 'Placeholder'].includes(n.op))
      .map((n) => n.name);
  const outputRefs = outputNames.map(ref);
  const byName = new Set(nodes.map((n) => n.name));
  for (const r of outputRefs) {
    if (!byName.has(r.replace(/:\d+$/, '')))
      b.issue('outputs', showValue(r), 'the name of a node of the graph');
  }
  if (b.issues.length > 0) return [];
  const conv = new Converter(b, weights, opts, new Set(outputRefs.map(resolve)));
  for (const [k, v] of alias) conv.alias.set(k, v);
  for (const [k, v] of uses) conv.uses.set(k, v);
  const failed = new Set<string>();
  for (const n of order) {
    if (n.inputs.some((r) => failed.has(r))) {
      failed.add(`${n.name}:0`);
      continue;
    }
    const item = conv.convert(n);
    if (item === undefined) failed.add(`${n.name}:0`);
    else conv.items.set(`${n.name}:0`, item);
  }
  const outputs: Value[] = [];
  for (const r of outputRefs) {
    if (failed.has(r)) continue;
    const it = conv.items.get(r);
    if (it?.kind === 'value') outputs.push(it.v);
    else b.issue('outputs', showValue(r), 'a computed tensor (not a constant)');
  }
  return outputs;
}
