/**
 * TensorFlow.js LayersModel (a Keras model config: `Sequential`, or `Model` / `Functional` with
 * inbound nodes) → IR nodes. Layers supported: InputLayer, Conv2D, DepthwiseConv2D, Dense,
 * MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization,
 * Activation, ReLU, Softmax, Flatten, Reshape, Add, Multiply, Concatenate; Dropout and
 * SpatialDropout2D are the identity at inference and are skipped. Activations: linear, relu,
 * relu6, sigmoid, softmax, gelu. Data format channels_last only.
 *
 * Every unsupported layer class, activation or setting is reported in one InputError before any
 * conversion (file, `layers[i] (name, Class)`, what is supported); problems found while converting
 * (a missing weight, a shape the op cannot take) are likewise collected and reported together.
 */
import { showValue } from '../../units/errors.js';
import type { Pads4, Pair } from '../ir.js';
import {
  irAxis,
  samePads,
  SUPPORTED_ACTIVATIONS,
  type TfjsGraphBuilder,
  type Value,
} from './tfjs-builder.js';
import type { TfjsWeight } from './tfjs-io.js';

export const TFJS_LAYERS = [
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'Dense',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'Softmax',
  'Flatten',
  'Reshape',
  'Add',
  'Multiply',
  'Concatenate',
  'Dropout',
  'SpatialDropout2D',
] as const;

/** Keras aliases of the same classes. */
const ALIASES: Readonly<Record<string, string>> = {
  Convolution2D: 'Conv2D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
};

type Config = Record<string, unknown>;

interface LayerDoc {
  readonly index: number;
  readonly className: string;
  /** Name of this call's nodes (the layer name, `<name>_<k>` for a shared layer's k-th call). */
  readonly name: string;
  /** The layer's own name: its weights are `<layer>/<weight>`. */
  readonly layer: string;
  readonly config: Config;
  /** Functional models: each call's inputs as [layer, node, tensor]. */
  readonly calls: (readonly InboundRef[])[];
}

interface InboundRef {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

export interface LayersOptions {
  readonly batch: number;
  readonly inputShapes: Readonly<Record<string, readonly number[]>>;
}

export interface LayersResult {
  readonly name: string | undefined;
  readonly outputs: Value[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function where(l: LayerDoc): string {
  return `modelTopology.layers[${l.index}] (${l.name}, ${l.className})`;
}

// ---- reading the config ------------------------------------------------------------------------

function parseInbound(v: unknown): InboundRef | undefined {
  if (Array.isArray(v) && typeof v[0] === 'string') {
    const node = typeof v[1] === 'number' ? v[1] : 0;
    const tensor = typeof v[2] === 'number' ? v[2] : 0;
    return { layer: v[0], node, tensor };
  }
  return undefined;
}

function parseLayers(b: TfjsGraphBuilder, list: unknown[], functional: boolean): LayerDoc[] {
  const out: LayerDoc[] = [];
  list.forEach((raw, index) => {
    const at = `modelTopology.layers[${index}]`;
    if (!isRecord(raw) || typeof raw.class_name !== 'string' || !isRecord(raw.config)) {
      b.issue(at, showValue(raw), 'a layer {class_name, config}');
      return;
    }
    const config = raw.config;
    const name = typeof raw.name === 'string' ? raw.name : typeof config.name === 'string' ? config.name : '';
    if (name === '') {
      b.issue(`${at}.config.name`, showValue(config.name), 'a layer name');
      return;
    }
    const calls: InboundRef[][] = [];
    if (functional) {
      const inbound = raw.inbound_nodes;
      if (!Array.isArray(inbound)) {
        b.issue(
          `${at}.inbound_nodes`,
          showValue(inbound),
          'a list of calls [[layer, node, tensor, kwargs]…]',
        );
        return;
      }
      for (const [ci, call] of inbound.entries()) {
        const refs = Array.isArray(call) ? call.map(parseInbound) : [undefined];
        if (refs.some((r) => r === undefined)) {
          b.issue(
            `${at}.inbound_nodes[${ci}]`,
            showValue(call),
            'a list of [layer name, node index, tensor index, kwargs] (the tfjs / Keras 2 format)',
          );
          return;
        }
        calls.push(refs as InboundRef[]);
      }
    }
    out.push({
      index,
      className: ALIASES[raw.class_name] ?? raw.class_name,
      name,
      layer: name,
      config,
      calls,
    });
  });
  return out;
}

function num(c: Config, key: string, fallback: number): number {
  const v = c[key];
  return typeof v === 'number' ? v : fallback;
}

function pair(c: Config, key: string, fallback: Pair): Pair {
  const v = c[key];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number')) {
    const [a, b] = v as [number, number];
    return [a, b];
  }
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return [v[0], v[0]];
  return fallback;
}

function isPair(v: unknown): boolean {
  const ok = (d: unknown): boolean => typeof d === 'number' && Number.isInteger(d) && d > 0;
  return ok(v) || (Array.isArray(v) && (v.length === 1 || v.length === 2) && v.every(ok));
}

/** Settings that the converter does not handle, for one layer (found before any conversion). */
function staticProblems(b: TfjsGraphBuilder, l: LayerDoc): void {
  const at = where(l);
  const c = l.config;
  if (!(TFJS_LAYERS as readonly string[]).includes(l.className)) {
    b.issue(at, showValue(l.className), `a supported layer class (${TFJS_LAYERS.join(', ')})`);
    return;
  }
  const df = c.data_format;
  if (df !== undefined && df !== null && df !== 'channels_last')
    b.issue(`${at}.config.data_format`, showValue(df), 'channels_last');
  const act = c.activation;
  if (act !== undefined && act !== null && !(SUPPORTED_ACTIVATIONS as readonly unknown[]).includes(act)) {
    b.issue(`${at}.config.activation`, showValue(act), `one of ${SUPPORTED_ACTIVATIONS.join(', ')}`);
  }
  const pad = c.padding;
  if (pad !== undefined && pad !== 'valid' && pad !== 'same')
    b.issue(`${at}.config.padding`, showValue(pad), 'valid or same');
  for (const key of ['kernel_size', 'pool_size', 'strides', 'dilation_rate']) {
    const v = c[key];
    if (v !== undefined && v !== null && !isPair(v))
      b.issue(`${at}.config.${key}`, showValue(v), 'a positive integer or a pair of them');
  }
  if (l.className === 'ReLU') {
    const slope = c.negative_slope ?? c.alpha ?? 0;
    const threshold = c.threshold ?? 0;
    if (slope !== 0)
      b.issue(`${at}.config.negative_slope`, showValue(slope), '0 (leaky ReLU is not an IR op)');
    if (threshold !== 0) b.issue(`${at}.config.threshold`, showValue(threshold), '0');
  }
  if (l.className === 'Conv2D' && typeof c.filters !== 'number')
    b.issue(`${at}.config.filters`, showValue(c.filters), 'a positive integer');
  if (l.className === 'Dense' && typeof c.units !== 'number')
    b.issue(`${at}.config.units`, showValue(c.units), 'a positive integer');
}

// ---- weights -----------------------------------------------------------------------------------

interface Ctx {
  readonly b: TfjsGraphBuilder;
  readonly weights: ReadonlyMap<string, TfjsWeight>;
  readonly opts: LayersOptions;
}

/** The layer's weight `<layer>/<w>` (or a unique weight whose name ends with it, for nested scopes). */
function weight(ctx: Ctx, l: LayerDoc, w: string, rank: number): TfjsWeight | undefined {
  const key = `${l.layer}/${w}`;
  let found = ctx.weights.get(key);
  if (found === undefined) {
    const matches = [...ctx.weights.values()].filter((x) => x.name.endsWith(`/${key}`));
    if (matches.length === 1) found = matches[0];
  }
  if (found === undefined) {
    ctx.b.issue(where(l), `no weight ${showValue(key)}`, 'the weight in weightsManifest');
    return undefined;
  }
  if (found.shape.length !== rank || found.dtype !== 'float32') {
    ctx.b.issue(
      where(l),
      `weight ${showValue(found.name)} ${found.dtype} ${showValue(found.shape)}`,
      `a float32 weight of rank ${rank}`,
    );
    return undefined;
  }
  return found;
}

// ---- layers ------------------------------------------------------------------------------------

function convPads(l: LayerDoc, x: Value, kernel: Pair, stride: Pair, dilation: Pair): Pads4 {
  if (l.config.padding !== 'same') return [0, 0, 0, 0];
  const [t, bt] = samePads(x.shape[2]!, kernel[0], stride[0], dilation[0]);
  const [left, r] = samePads(x.shape[3]!, kernel[1], stride[1], dilation[1]);
  return [t, left, bt, r];
}

function conv(ctx: Ctx, l: LayerDoc, input: Value, depthwise: boolean): Value | undefined {
  const { b } = ctx;
  const c = l.config;
  const at = where(l);
  const x = b.toNchw(input, at);
  if (x === undefined) return undefined;
  const kernel = pair(c, 'kernel_size', [1, 1]);
  const stride = pair(c, 'strides', [1, 1]);
  const dilation = pair(c, 'dilation_rate', [1, 1]);
  const pads = convPads(l, x, kernel, stride, dilation);
  const cin = x.shape[1]!;
  const k = weight(ctx, l, depthwise ? 'depthwise_kernel' : 'kernel', 4);
  if (k === undefined) return undefined;
  let wName: string;
  let outChannels: number;
  let groups: number;
  if (depthwise) {
    // [kh, kw, C, M] → [C·M, 1, kh, kw]: output channel c·M + m, as TF orders them.
    const [kh, kw, ch, m] = k.shape as [number, number, number, number];
    outChannels = ch * m;
    groups = ch;
    wName = b.addParam(k.name, 'weight', { weight: k, perm: [2, 3, 0, 1], shape: [ch * m, 1, kh, kw] });
  } else {
    // HWIO → OIHW
    outChannels = num(c, 'filters', k.shape[3]!);
    groups = num(c, 'groups', 1);
    wName = b.addParam(k.name, 'weight', { weight: k, perm: [3, 2, 0, 1] });
  }
  const inputs = [x.name, wName];
  if (c.use_bias !== false) {
    const bias = weight(ctx, l, 'bias', 1);
    if (bias === undefined) return undefined;
    inputs.push(b.addParam(bias.name, 'bias', { weight: bias }));
  }
  if (depthwise && (dilation[0] > 1 || dilation[1] > 1)) {
    b.notes.push(
      `${at}: dilation_rate ${showValue(dilation)} is applied as Keras does; TF.js itself ignores it in DepthwiseConv2D`,
    );
  }
  if (depthwise && groups !== cin) {
    b.issue(at, `depthwise kernel for ${groups} channels`, `one for each of the input's ${cin} channels`);
    return undefined;
  }
  const y = b.emit(
    'conv2d',
    l.name,
    inputs,
    { outChannels, kernel, stride, pads, dilation, groups },
    'nchw',
    at,
  );
  return y && b.activation(y, c.activation as string | undefined, l.name, at);
}

function dense(ctx: Ctx, l: LayerDoc, input: Value): Value | undefined {
  const { b } = ctx;
  const c = l.config;
  const at = where(l);
  const x = b.toTf(input, at);
  if (x === undefined) return undefined;
  const k = weight(ctx, l, 'kernel', 2);
  if (k === undefined) return undefined;
  const inputs = [x.name, b.addParam(k.name, 'weight', { weight: k })];
  if (c.use_bias !== false) {
    const bias = weight(ctx, l, 'bias', 1);
    if (bias === undefined) return undefined;
    inputs.push(b.addParam(bias.name, 'bias', { weight: bias }));
  }
  const y = b.emit('dense', l.name, inputs, { units: num(c, 'units', k.shape[1]!) }, 'tf', at);
  return y && b.activation(y, c.activation as string | undefined, l.name, at);
}

function pool(ctx: Ctx, l: LayerDoc, input: Value, op: 'maxpool' | 'avgpool'): Value | undefined {
  const { b } = ctx;
  const c = l.config;
  const at = where(l);
  const x = b.toNchw(input, at);
  if (x === undefined) return undefined;
  const kernel = pair(c, 'pool_size', [2, 2]);
  const stride = pair(c, 'strides', kernel);
  const pads = convPads(l, x, kernel, stride, [1, 1]);
  // TF's average pool with SAME padding divides by the cells inside the input.
  return b.emit(
    op,
    l.name,
    [x.name],
    { kernel, stride, pads, ceilMode: false, countIncludePad: false },
    'nchw',
    at,
  );
}

function globalPool(ctx: Ctx, l: LayerDoc, input: Value, max: boolean): Value | undefined {
  const { b } = ctx;
  const at = where(l);
  const x = b.toNchw(input, at);
  if (x === undefined) return undefined;
  const keep = l.config.keepdims === true;
  const base = keep ? l.name : `${l.name}/pool`;
  const pooled = max
    ? b.emit(
        'maxpool',
        base,
        [x.name],
        {
          kernel: [x.shape[2]!, x.shape[3]!],
          stride: [1, 1],
          pads: [0, 0, 0, 0],
          ceilMode: false,
          countIncludePad: false,
        },
        'nchw',
        at,
      )
    : b.emit('globalavgpool', base, [x.name], {}, 'nchw', at);
  if (pooled === undefined || keep) return pooled;
  return b.emit('flatten', l.name, [pooled.name], { axis: 1 }, 'tf', at);
}

function batchNorm(ctx: Ctx, l: LayerDoc, input: Value): Value | undefined {
  const { b } = ctx;
  const c = l.config;
  const at = where(l);
  const rank = input.shape.length;
  const axisRaw = Array.isArray(c.axis) && c.axis.length === 1 ? (c.axis[0] as unknown) : (c.axis ?? -1);
  const axis = typeof axisRaw === 'number' ? (axisRaw < 0 ? axisRaw + rank : axisRaw) : -1;
  if (axis !== rank - 1 || (rank !== 2 && rank !== 4)) {
    b.issue(
      `${at}.config.axis`,
      `${showValue(c.axis)} on a rank-${rank} input`,
      'the last (channel) axis of a rank-2 or rank-4 input',
    );
    return undefined;
  }
  const x = rank === 4 ? b.toNchw(input, at) : input;
  if (x === undefined) return undefined;
  const channels = x.shape[1]!;
  const param = (
    w: string,
    enabled: boolean,
    fill: number,
    role: 'weight' | 'bias' | 'constant',
  ): string | undefined => {
    if (!enabled)
      return b.addConstant(`${l.name}/${w}`, role, [channels], new Float32Array(channels).fill(fill));
    const t = weight(ctx, l, w, 1);
    return t && b.addParam(t.name, role, { weight: t });
  };
  const names = [
    param('gamma', c.scale !== false, 1, 'weight'),
    param('beta', c.center !== false, 0, 'bias'),
    param('moving_mean', true, 0, 'constant'),
    param('moving_variance', true, 1, 'constant'),
  ];
  if (names.some((n) => n === undefined)) return undefined;
  return b.emit(
    'batchnorm',
    l.name,
    [x.name, ...(names as string[])],
    { epsilon: num(c, 'epsilon', 1e-3) },
    x.layout,
    at,
  );
}

function flatten(ctx: Ctx, l: LayerDoc, input: Value): Value | undefined {
  const at = where(l);
  // TF flattens NHWC: the element order the next Dense's weights expect.
  const x = ctx.b.toTf(input, at);
  return x && ctx.b.emit('flatten', l.name, [x.name], { axis: 1 }, 'tf', at);
}

function reshape(ctx: Ctx, l: LayerDoc, input: Value): Value | undefined {
  const at = where(l);
  const target = l.config.target_shape;
  if (
    !Array.isArray(target) ||
    !target.every((d) => Number.isInteger(d) && (d === -1 || (d as number) > 0))
  ) {
    ctx.b.issue(
      `${at}.config.target_shape`,
      showValue(target),
      'a list of positive integers (one may be -1)',
    );
    return undefined;
  }
  const x = ctx.b.toTf(input, at);
  return (
    x && ctx.b.emit('reshape', l.name, [x.name], { shape: [x.shape[0]!, ...(target as number[])] }, 'tf', at)
  );
}

/** The inputs of a merge layer in one layout: NCHW when all are rank 4 and one is NCHW already. */
function sameLayout(ctx: Ctx, l: LayerDoc, inputs: readonly Value[]): Value[] | undefined {
  const at = where(l);
  const nchw = inputs.every((v) => v.shape.length === 4) && inputs.some((v) => v.layout === 'nchw');
  const out = inputs.map((v) => (nchw ? ctx.b.toNchw(v, at) : ctx.b.toTf(v, at)));
  return out.every((v) => v !== undefined) ? out : undefined;
}

function merge(ctx: Ctx, l: LayerDoc, inputs: readonly Value[]): Value | undefined {
  const at = where(l);
  if (inputs.length < 2) {
    ctx.b.issue(at, `${inputs.length} input(s)`, 'at least 2 inputs');
    return undefined;
  }
  const xs = sameLayout(ctx, l, inputs);
  if (xs === undefined) return undefined;
  const names = xs.map((v) => v.name);
  const layout = xs[0]!.layout;
  switch (l.className) {
    case 'Add':
      return ctx.b.emit('add', l.name, names, {}, layout, at);
    case 'Multiply':
      return ctx.b.emit('mul', l.name, names, {}, layout, at);
    default: {
      const axis = irAxis(xs[0]!, num(l.config, 'axis', -1));
      return ctx.b.emit('concat', l.name, names, { axis }, layout, at);
    }
  }
}

function relu(ctx: Ctx, l: LayerDoc, x: Value): Value | undefined {
  const at = where(l);
  const max = l.config.max_value;
  if (max === undefined || max === null) return ctx.b.emit('relu', l.name, [x.name], {}, x.layout, at);
  if (max === 6) return ctx.b.emit('relu6', l.name, [x.name], {}, x.layout, at);
  if (typeof max !== 'number') {
    ctx.b.issue(`${at}.config.max_value`, showValue(max), 'a number or null');
    return undefined;
  }
  return ctx.b.emit('clip', l.name, [x.name], { min: 0, max }, x.layout, at);
}

/** Convert one call of a layer. */
function convertLayer(ctx: Ctx, l: LayerDoc, inputs: readonly Value[]): Value | undefined {
  const at = where(l);
  const x = inputs[0]!;
  const single = (): boolean => {
    if (inputs.length === 1) return true;
    ctx.b.issue(at, `${inputs.length} inputs`, 'one input');
    return false;
  };
  if (!['Add', 'Multiply', 'Concatenate'].includes(l.className) && !single()) return undefined;
  switch (l.className) {
    case 'Conv2D':
      return conv(ctx, l, x, false);
    case 'DepthwiseConv2D':
      return conv(ctx, l, x, true);
    case 'Dense':
      return dense(ctx, l, x);
    case 'MaxPooling2D':
      return pool(ctx, l, x, 'maxpool');
    case 'AveragePooling2D':
      return pool(ctx, l, x, 'avgpool');
    case 'GlobalAveragePooling2D':
      return globalPool(ctx, l, x, false);
    case 'GlobalMaxPooling2D':
      return globalPool(ctx, l, x, true);
    case 'BatchNormalization':
      return batchNorm(ctx, l, x);
    case 'Activation':
      return ctx.b.activation(x, l.config.activation as string | undefined, l.name, at, true);
    case 'ReLU':
      return relu(ctx, l, x);
    case 'Softmax': {
      const axis = irAxis(x, num(l.config, 'axis', -1));
      return ctx.b.emit('softmax', l.name, [x.name], { axis }, x.layout, at);
    }
    case 'Flatten':
      return flatten(ctx, l, x);
    case 'Reshape':
      return reshape(ctx, l, x);
    case 'Add':
    case 'Multiply':
    case 'Concatenate':
      return merge(ctx, l, inputs);
    case 'Dropout':
    case 'SpatialDropout2D':
      return x;
    default:
      ctx.b.issue(at, showValue(l.className), `a supported layer class (${TFJS_LAYERS.join(', ')})`);
      return undefined;
  }
}

// ---- inputs ------------------------------------------------------------------------------------

/** The TF shape of an input layer, batch and unknown dims filled in (issues when a dim stays unknown). */
function inputShape(ctx: Ctx, l: LayerDoc, inputName: string): number[] | undefined {
  const c = l.config;
  const raw = c.batch_input_shape ?? c.batch_shape;
  const at = where(l);
  if (!Array.isArray(raw) || raw.length === 0) {
    ctx.b.issue(`${at}.config.batch_input_shape`, showValue(raw), 'the input shape [null, …]');
    return undefined;
  }
  const given = ctx.opts.inputShapes[inputName] ?? ctx.opts.inputShapes[l.name];
  if (given !== undefined) {
    if (given.length !== raw.length || !given.every((d, i) => raw[i] === null || raw[i] === d || i === 0)) {
      ctx.b.issue(`options.inputShapes.${inputName}`, showValue(given), `a shape matching ${showValue(raw)}`);
      return undefined;
    }
    return [...given];
  }
  const dims = raw.map((d: unknown, i) => (i === 0 && d === null ? ctx.opts.batch : d));
  if (!dims.every((d) => Number.isInteger(d) && (d as number) > 0)) {
    ctx.b.issue(
      `${at}.config.batch_input_shape`,
      showValue(raw),
      `known dims after the batch (give options.inputShapes["${inputName}"])`,
    );
    return undefined;
  }
  return dims as number[];
}

// ---- the two model kinds -----------------------------------------------------------------------

function sequential(ctx: Ctx, layers: readonly LayerDoc[]): Value[] {
  const first = layers[0];
  if (first === undefined) {
    ctx.b.issue('modelTopology.config.layers', '[]', 'at least one layer');
    return [];
  }
  const inputName = first.className === 'InputLayer' ? first.name : `${first.name}_input`;
  const shape = inputShape(ctx, first, inputName);
  if (shape === undefined) return [];
  let cur: Value | undefined = ctx.b.addInput(inputName, shape);
  for (const l of layers) {
    if (l.className === 'InputLayer') continue;
    cur = convertLayer(ctx, l, [cur]);
    if (cur === undefined) return [];
  }
  return [cur];
}

function refKey(r: InboundRef): string {
  return `${r.layer}:${r.node}:${r.tensor}`;
}

function refsOf(v: unknown): InboundRef[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const refs = v.map(parseInbound);
  return refs.every((r) => r !== undefined) ? refs : undefined;
}

function functional(ctx: Ctx, layers: readonly LayerDoc[], config: Config): Value[] {
  const values = new Map<string, Value>();
  const failed = new Set<string>();
  const inputRefs = refsOf(config.input_layers);
  const outputRefs = refsOf(config.output_layers);
  if (inputRefs === undefined || outputRefs === undefined) {
    ctx.b.issue(
      'modelTopology.config',
      showValue(Object.keys(config)),
      'input_layers and output_layers lists',
    );
    return [];
  }
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const r of inputRefs) {
    const l = byName.get(r.layer);
    if (l?.className !== 'InputLayer') {
      ctx.b.issue('modelTopology.config.input_layers', showValue(r.layer), 'the name of an InputLayer');
      continue;
    }
    const shape = inputShape(ctx, l, l.name);
    if (shape === undefined) failed.add(refKey(r));
    else values.set(refKey(r), ctx.b.addInput(l.name, shape));
  }
  interface Call {
    readonly layer: LayerDoc;
    readonly node: number;
    readonly inputs: readonly InboundRef[];
  }
  let pending: Call[] = layers.flatMap((l) =>
    l.className === 'InputLayer' ? [] : l.calls.map((inputs, node) => ({ layer: l, node, inputs })),
  );
  while (pending.length > 0) {
    const next: Call[] = [];
    for (const call of pending) {
      const keys = call.inputs.map(refKey);
      const key = `${call.layer.name}:${call.node}:0`;
      if (keys.some((k) => failed.has(k))) failed.add(key);
      else if (keys.every((k) => values.has(k))) {
        const renamed =
          call.node === 0 ? call.layer : { ...call.layer, name: `${call.layer.name}_${call.node}` };
        const y = convertLayer(
          ctx,
          renamed,
          keys.map((k) => values.get(k)!),
        );
        if (y === undefined) failed.add(key);
        else values.set(key, y);
      } else next.push(call);
    }
    if (next.length === pending.length) {
      for (const call of next) {
        ctx.b.issue(
          where(call.layer),
          showValue(call.inputs.map(refKey)),
          'inputs produced by other layers of the model (the model has a cycle or a dangling reference)',
        );
      }
      break;
    }
    pending = next;
  }
  const outputs: Value[] = [];
  for (const r of outputRefs) {
    const v = values.get(refKey(r));
    if (v !== undefined) outputs.push(v);
    else if (!failed.has(refKey(r)))
      ctx.b.issue(
        'modelTopology.config.output_layers',
        showValue(r.layer),
        'an output of a layer of the model',
      );
  }
  return outputs;
}

/** Convert a Keras model config into the builder. Issues are left in the builder. */
export function convertLayersModel(
  b: TfjsGraphBuilder,
  topology: unknown,
  weights: ReadonlyMap<string, TfjsWeight>,
  opts: LayersOptions,
): LayersResult {
  let top = topology;
  if (isRecord(top) && isRecord(top.model_config)) top = top.model_config;
  if (!isRecord(top) || typeof top.class_name !== 'string') {
    b.issue('modelTopology', showValue(top), 'a Keras model config {class_name, config}');
    return { name: undefined, outputs: [] };
  }
  const cls = top.class_name;
  const config = top.config;
  const isSequential = cls === 'Sequential';
  if (!isSequential && cls !== 'Model' && cls !== 'Functional') {
    b.issue('modelTopology.class_name', showValue(cls), 'Sequential, Model or Functional');
    return { name: undefined, outputs: [] };
  }
  const list = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(list)) {
    b.issue('modelTopology.config.layers', showValue(list), 'a list of layers');
    return { name: undefined, outputs: [] };
  }
  const name = isRecord(config) && typeof config.name === 'string' ? config.name : undefined;
  const layers = parseLayers(b, list, !isSequential);
  for (const l of layers) staticProblems(b, l);
  if (b.issues.length > 0) return { name, outputs: [] };
  const ctx: Ctx = { b, weights, opts };
  const outputs = isSequential ? sequential(ctx, layers) : functional(ctx, layers, config as Config);
  return { name, outputs };
}
