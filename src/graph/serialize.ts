/**
 * bitcycle's own graph file, `bitcycle-graph/1`: the IR as JSON, lossless — every tensor's shape,
 * role, QuantSpec, real data (float32) and exact stored values. It is what `bitcycle quantize`
 * writes beside the ONNX QDQ export, and what `--workload` reads back.
 *
 * Binary payloads are little-endian base64: `data` as float32; `stored` as int32 when every value
 * is an integer in int32 range, else as float64. Keys are written in a fixed order so that the same
 * graph always gives the same bytes.
 */
import { InputError, showValue, type InputIssue } from '../units/errors.js';
import { analyzeGraph } from './analyze.js';
import { isOpType } from './ops/registry.js';
import {
  OP_TYPES,
  type Graph,
  type Node,
  type QuantDefaults,
  type QuantSpec,
  type TensorInfo,
  type TensorRole,
} from './ir.js';

export const GRAPH_FORMAT = 'bitcycle-graph/1';

/** Limits on a graph file (a hostile file must not exhaust memory). */
const MAX_TENSORS = 100_000;
const MAX_NODES = 100_000;

type Payload = { readonly encoding: 'float32' | 'int32' | 'float64'; readonly base64: string };

function encodeFloat32(data: Float32Array): Payload {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  return { encoding: 'float32', base64: Buffer.from(bytes).toString('base64') };
}

function encodeStored(stored: Float64Array): Payload {
  const ints = stored.every(
    (v) => Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff && !Object.is(v, -0),
  );
  const width = ints ? 4 : 8;
  const bytes = new Uint8Array(stored.length * width);
  const view = new DataView(bytes.buffer);
  stored.forEach((v, i) => {
    if (ints) view.setInt32(i * 4, v, true);
    else view.setFloat64(i * 8, v, true);
  });
  return { encoding: ints ? 'int32' : 'float64', base64: Buffer.from(bytes).toString('base64') };
}

function quantJson(q: QuantSpec): Record<string, unknown> {
  return {
    format: q.format,
    scale: q.scale,
    zeroPoint: q.zeroPoint,
    ...(q.axis !== undefined ? { axis: q.axis } : {}),
    ...(q.blockSize !== undefined ? { blockSize: q.blockSize } : {}),
    ...(q.narrow !== undefined ? { narrow: q.narrow } : {}),
    ...(q.rounding !== undefined ? { rounding: q.rounding } : {}),
    ...(q.scaleType !== undefined ? { scaleType: q.scaleType } : {}),
  };
}

function tensorJson(t: TensorInfo): Record<string, unknown> {
  return {
    name: t.name,
    shape: t.shape,
    role: t.role,
    dtype: t.dtype,
    ...(t.quant !== undefined ? { quant: quantJson(t.quant) } : {}),
    ...(t.data !== undefined ? { data: encodeFloat32(t.data) } : {}),
    ...(t.stored !== undefined ? { stored: encodeStored(t.stored) } : {}),
  };
}

/** The graph as `bitcycle-graph/1` JSON text (deterministic). */
export function graphToJson(graph: Graph): string {
  const doc = {
    format: GRAPH_FORMAT,
    name: graph.name,
    ...(graph.source !== undefined ? { source: graph.source } : {}),
    inputs: graph.inputs,
    outputs: graph.outputs,
    ...(graph.quant !== undefined ? { quant: graph.quant } : {}),
    tensors: [...graph.tensors.values()].map(tensorJson),
    nodes: graph.nodes.map((n) => ({
      name: n.name,
      op: n.op,
      inputs: n.inputs,
      outputs: n.outputs,
      attrs: n.attrs,
    })),
  };
  return `${JSON.stringify(doc, null, 1)}\n`;
}

// ---- reading -----------------------------------------------------------------------------------

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Reader {
  readonly issues: InputIssue[] = [];
  constructor(readonly file: string) {}
  add(path: string, value: unknown, expected: string): void {
    this.issues.push({ file: this.file, path, value: showValue(value), expected });
  }
  str(o: Obj, key: string, path: string): string | undefined {
    const v = o[key];
    if (typeof v === 'string' && v.length > 0) return v;
    this.add(`${path}.${key}`, v, 'a non-empty string');
    return undefined;
  }
  strings(o: Obj, key: string, path: string): string[] | undefined {
    const v = o[key];
    if (Array.isArray(v) && v.every((s): s is string => typeof s === 'string')) return v;
    this.add(`${path}.${key}`, v, 'a list of tensor names');
    return undefined;
  }
}

const ROLES: readonly TensorRole[] = ['input', 'weight', 'bias', 'activation', 'constant'];
const DTYPES = ['float32', 'int32', 'int64'] as const;

function decodePayload(r: Reader, v: unknown, path: string, count: number, kinds: readonly string[]) {
  if (
    !isObj(v) ||
    typeof v.base64 !== 'string' ||
    typeof v.encoding !== 'string' ||
    !kinds.includes(v.encoding)
  ) {
    r.add(path, v, `{ encoding: ${kinds.map((k) => `"${k}"`).join(' | ')}, base64 }`);
    return undefined;
  }
  const width = v.encoding === 'float64' ? 8 : 4;
  const bytes = Buffer.from(v.base64, 'base64');
  if (bytes.length !== count * width) {
    r.add(
      `${path}.base64`,
      `${bytes.length} bytes`,
      `${count * width} bytes (${count} ${v.encoding} values)`,
    );
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    out[i] =
      v.encoding === 'float32'
        ? view.getFloat32(i * 4, true)
        : v.encoding === 'int32'
          ? view.getInt32(i * 4, true)
          : view.getFloat64(i * 8, true);
  }
  return out;
}

function readQuant(r: Reader, v: unknown, path: string): QuantSpec | undefined {
  if (!isObj(v)) {
    r.add(path, v, 'a QuantSpec { format, scale, zeroPoint, axis?, blockSize?, narrow?, rounding? }');
    return undefined;
  }
  // The values are checked by the op registry and formats when the graph is analysed and run; here
  // only the shape of the record.
  const numOrList = (x: unknown): x is number | number[] =>
    typeof x === 'number' || (Array.isArray(x) && x.every((e) => typeof e === 'number'));
  if (typeof v.format !== 'string') r.add(`${path}.format`, v.format, 'a format name such as "int8"');
  if (!numOrList(v.scale)) r.add(`${path}.scale`, v.scale, 'a number or a list of numbers');
  if (!numOrList(v.zeroPoint)) r.add(`${path}.zeroPoint`, v.zeroPoint, 'a number or a list of numbers');
  return v as unknown as QuantSpec;
}

function readTensor(r: Reader, v: unknown, i: number): TensorInfo | undefined {
  const path = `tensors[${i}]`;
  if (!isObj(v)) {
    r.add(path, v, 'a tensor { name, shape, role, dtype, quant?, data?, stored? }');
    return undefined;
  }
  const name = r.str(v, 'name', path);
  const shape = v.shape;
  const shapeOk = Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && (d as number) >= 0);
  if (!shapeOk) r.add(`${path}.shape`, shape, 'a list of non-negative integer dims');
  const role = v.role;
  if (!ROLES.includes(role as TensorRole)) r.add(`${path}.role`, role, `one of ${ROLES.join(', ')}`);
  const dtype = v.dtype;
  if (!(DTYPES as readonly unknown[]).includes(dtype))
    r.add(`${path}.dtype`, dtype, `one of ${DTYPES.join(', ')}`);
  const quant = v.quant === undefined ? undefined : readQuant(r, v.quant, `${path}.quant`);
  if (name === undefined || !shapeOk) return undefined;
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const data =
    v.data === undefined ? undefined : decodePayload(r, v.data, `${path}.data`, count, ['float32']);
  const stored =
    v.stored === undefined
      ? undefined
      : decodePayload(r, v.stored, `${path}.stored`, count, ['int32', 'float64']);
  if (v.stored !== undefined && quant === undefined)
    r.add(`${path}.stored`, '(present)', 'only with a quant spec');
  return {
    name,
    shape: shape as number[],
    role: role as TensorRole,
    dtype: dtype as TensorInfo['dtype'],
    ...(quant !== undefined ? { quant } : {}),
    ...(data !== undefined ? { data: Float32Array.from(data) } : {}),
    ...(stored !== undefined ? { stored } : {}),
  };
}

function readNode(r: Reader, v: unknown, i: number): Node | undefined {
  const path = `nodes[${i}]`;
  if (!isObj(v)) {
    r.add(path, v, 'a node { name, op, inputs, outputs, attrs }');
    return undefined;
  }
  const name = r.str(v, 'name', path);
  if (!isOpType(v.op)) r.add(`${path}.op`, v.op, `an op of the IR: ${OP_TYPES.join(', ')}`);
  const inputs = r.strings(v, 'inputs', path);
  const outputs = r.strings(v, 'outputs', path);
  if (!isObj(v.attrs)) r.add(`${path}.attrs`, v.attrs, 'an object');
  if (
    name === undefined ||
    inputs === undefined ||
    outputs === undefined ||
    !isOpType(v.op) ||
    !isObj(v.attrs)
  )
    return undefined;
  return { name, op: v.op, inputs, outputs, attrs: v.attrs } as unknown as Node;
}

/** Parse and validate a `bitcycle-graph/1` document; every problem reported at once. */
export function graphFromJson(text: string, file: string): Graph {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError([{ file, path: '(file)', value: (e as Error).message, expected: 'valid JSON' }]);
  }
  const r = new Reader(file);
  if (!isObj(doc) || doc.format !== GRAPH_FORMAT) {
    r.add('format', isObj(doc) ? doc.format : doc, `"${GRAPH_FORMAT}"`);
    throw new InputError(r.issues);
  }
  const name = r.str(doc, 'name', '(graph)');
  const inputs = r.strings(doc, 'inputs', '(graph)');
  const outputs = r.strings(doc, 'outputs', '(graph)');
  const rawTensors = Array.isArray(doc.tensors) ? doc.tensors : [];
  const rawNodes = Array.isArray(doc.nodes) ? doc.nodes : [];
  if (!Array.isArray(doc.tensors) || rawTensors.length > MAX_TENSORS)
    r.add(
      'tensors',
      Array.isArray(doc.tensors) ? `${rawTensors.length} tensors` : doc.tensors,
      `a list of at most ${MAX_TENSORS} tensors`,
    );
  if (!Array.isArray(doc.nodes) || rawNodes.length > MAX_NODES)
    r.add(
      'nodes',
      Array.isArray(doc.nodes) ? `${rawNodes.length} nodes` : doc.nodes,
      `a list of at most ${MAX_NODES} nodes`,
    );
  const tensors = new Map<string, TensorInfo>();
  rawTensors.slice(0, MAX_TENSORS).forEach((t, i) => {
    const info = readTensor(r, t, i);
    if (info === undefined) return;
    if (tensors.has(info.name)) r.add(`tensors[${i}].name`, info.name, 'a name not used by another tensor');
    tensors.set(info.name, info);
  });
  const nodes = rawNodes.slice(0, MAX_NODES).flatMap((n, i) => readNode(r, n, i) ?? []);
  if (r.issues.length > 0 || name === undefined || inputs === undefined || outputs === undefined)
    throw new InputError(r.issues);
  const graph: Graph = {
    name,
    inputs,
    outputs,
    tensors,
    nodes,
    ...(isObj(doc.quant) ? { quant: doc.quant as unknown as QuantDefaults } : {}),
    ...(typeof doc.source === 'string' ? { source: doc.source } : {}),
  };
  try {
    analyzeGraph(graph);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.issues.map((i) => ({ file, ...i })));
    throw e;
  }
  return graph;
}
