/**
 * TensorFlow.js model files on the local disk: a `tf.io.IOHandler` that reads and writes
 * `model.json` + weight shards with `fs` (no fetch, no URLs), and the decoding of the weights,
 * including the converter's weight quantization.
 *
 * The format (tfjs-core `io/types.ts`): `model.json` holds `modelTopology` (a Keras model config for
 * a LayersModel, a GraphDef in JSON for a GraphModel), `format`, and `weightsManifest`, a list of
 * groups `{paths, weights}`. The weights of a group are stored back to back, in manifest order, in
 * the concatenation of its shard files. A weight `{name, shape, dtype, quantization?}` takes
 * elements × 4 bytes (float32, int32) or 1 byte (bool); with `quantization` it takes 1 (uint8) or
 * 2 (uint16, float16) bytes per element, and decodes to q·scale + min (uint8 / uint16, in float64
 * and then rounded once to float32, as tfjs-core's decodeWeight does) or to the half-precision value
 * (float16). The `min` of uint8 / uint16 is generally not a multiple of `scale`, so it is not an
 * integer zero point: the decoded weights are plain float32 values for the IR.
 *
 * Model files are untrusted: sizes are limited, shard paths must stay inside the model's folder,
 * and every problem with the manifest or the shards is reported at once as one InputError.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { parseFormat } from '../../formats/index.js';
import { InputError, showValue, type InputIssue } from '../../units/errors.js';

export const TFJS_LIMITS = {
  /** Largest model.json read (bytes). */
  maxModelJsonBytes: 64 * 1024 * 1024,
  /** Most bytes of weight shards in one model. */
  maxWeightBytes: 1024 * 1024 * 1024,
  /** Most elements of one weight. */
  maxWeightElements: 2 ** 28,
} as const;

export type TfjsWeightDtype = 'float32' | 'int32' | 'bool';
export type TfjsQuantDtype = 'uint8' | 'uint16' | 'float16';

/** One entry of the weights manifest, validated. */
export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: TfjsWeightDtype;
  readonly quantization?: {
    readonly dtype: TfjsQuantDtype;
    /** uint8 / uint16 only. */
    readonly scale?: number;
    /** uint8 / uint16 only. */
    readonly min?: number;
  };
}

/** A model read from disk: the parsed model.json and its weight bytes, checked against each other. */
export interface TfjsArtifacts {
  /** The model.json path as given. */
  readonly file: string;
  /** `layers-model` or `graph-model` (the `format` field; inferred from the topology when absent). */
  readonly format: 'layers-model' | 'graph-model';
  readonly modelTopology: unknown;
  readonly signature: unknown;
  readonly generatedBy: string | undefined;
  readonly convertedBy: string | undefined;
  readonly weightSpecs: readonly TfjsWeightSpec[];
  /** The weights of every group, concatenated in manifest order. */
  readonly weightData: Uint8Array;
}

/** A decoded weight: float32 values (or int32 for int32 / bool), and the codes if it was quantized. */
export interface TfjsWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: TfjsWeightDtype;
  readonly values: Float32Array | Int32Array;
  readonly quantization?: {
    readonly dtype: TfjsQuantDtype;
    readonly scale?: number;
    readonly min?: number;
    /** The stored codes, in the weight's own (TF) element order. */
    readonly codes: Uint8Array | Uint16Array;
  };
}

const BYTES: Readonly<Record<TfjsWeightDtype | TfjsQuantDtype, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes a weight takes in its shard. */
export function weightByteLength(spec: TfjsWeightSpec): number {
  return elementCount(spec.shape) * BYTES[spec.quantization?.dtype ?? spec.dtype];
}

// ---- reading -----------------------------------------------------------------------------------

function readJson(file: string): unknown {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new InputError([
      { file, path: '(file)', value: file, expected: `a readable file (${firstLine(e)})` },
    ]);
  }
  if (size > TFJS_LIMITS.maxModelJsonBytes) {
    throw new InputError([
      {
        file,
        path: '(file)',
        value: `${size} bytes`,
        expected: `a model.json of at most ${TFJS_LIMITS.maxModelJsonBytes} bytes`,
      },
    ]);
  }
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError([
      { file, path: '(file)', value: `${size} bytes`, expected: `valid JSON (${firstLine(e)})` },
    ]);
  }
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0] ?? msg;
}

function checkShape(v: unknown): v is number[] {
  return (
    Array.isArray(v) &&
    v.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) &&
    elementCount(v as number[]) <= TFJS_LIMITS.maxWeightElements
  );
}

/** Validate one manifest entry; issues go to `out`. */
function parseWeightSpec(v: unknown, path: string, out: InputIssue[]): TfjsWeightSpec | undefined {
  if (!isRecord(v)) {
    out.push({ path, value: showValue(v), expected: 'an object {name, shape, dtype, quantization?}' });
    return undefined;
  }
  const before = out.length;
  const { name, shape, dtype, quantization } = v;
  if (typeof name !== 'string' || name === '')
    out.push({ path: `${path}.name`, value: showValue(name), expected: 'a non-empty string' });
  if (!checkShape(shape)) {
    out.push({
      path: `${path}.shape`,
      value: showValue(shape),
      expected: `a list of non-negative integers with at most ${TFJS_LIMITS.maxWeightElements} elements in all`,
    });
  }
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    out.push({
      path: `${path}.dtype`,
      value: showValue(dtype),
      expected: 'float32, int32 or bool (string and complex64 weights are not supported)',
    });
  }
  let quant: TfjsWeightSpec['quantization'];
  if (quantization !== undefined) {
    quant = parseQuantization(quantization, dtype, `${path}.quantization`, out);
  }
  if (out.length > before) return undefined;
  return {
    name: name as string,
    shape: shape as number[],
    dtype: dtype as TfjsWeightDtype,
    ...(quant !== undefined ? { quantization: quant } : {}),
  };
}

function parseQuantization(
  q: unknown,
  dtype: unknown,
  path: string,
  out: InputIssue[],
): TfjsWeightSpec['quantization'] {
  if (!isRecord(q)) {
    out.push({ path, value: showValue(q), expected: 'an object {dtype, scale?, min?}' });
    return undefined;
  }
  const qd = q.dtype;
  if (qd === 'float16') {
    if (dtype !== 'float32')
      out.push({ path: `${path}.dtype`, value: '"float16"', expected: 'float16 only for float32 weights' });
    return { dtype: 'float16' };
  }
  if (qd !== 'uint8' && qd !== 'uint16') {
    out.push({ path: `${path}.dtype`, value: showValue(qd), expected: 'uint8, uint16 or float16' });
    return undefined;
  }
  const { scale, min } = q;
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (!ok(scale)) out.push({ path: `${path}.scale`, value: showValue(scale), expected: 'a finite number' });
  if (!ok(min)) out.push({ path: `${path}.min`, value: showValue(min), expected: 'a finite number' });
  if (dtype === 'bool')
    out.push({ path: `${path}.dtype`, value: showValue(qd), expected: 'no quantization on a bool weight' });
  if (!ok(scale) || !ok(min)) return undefined;
  return { dtype: qd, scale, min };
}

/** A shard path that stays inside the model's folder. */
function shardPath(dir: string, p: unknown): string | undefined {
  if (typeof p !== 'string' || p === '' || isAbsolute(p) || /^[a-z][a-z0-9+.-]*:/i.test(p)) return undefined;
  const full = resolve(dir, p);
  const rel = relative(dir, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..'))
    return undefined;
  return full;
}

interface Group {
  readonly files: string[];
  readonly specs: TfjsWeightSpec[];
}

function parseManifest(manifest: unknown, dir: string, out: InputIssue[]): Group[] {
  if (!Array.isArray(manifest)) {
    out.push({
      path: 'weightsManifest',
      value: showValue(manifest),
      expected: 'a list of {paths, weights} groups',
    });
    return [];
  }
  const groups: Group[] = [];
  manifest.forEach((g: unknown, gi) => {
    const path = `weightsManifest[${gi}]`;
    if (!isRecord(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      out.push({ path, value: showValue(g), expected: 'an object {paths: [file…], weights: [spec…]}' });
      return;
    }
    const files: string[] = [];
    (g.paths as unknown[]).forEach((p, pi) => {
      const full = shardPath(dir, p);
      if (full === undefined) {
        out.push({
          path: `${path}.paths[${pi}]`,
          value: showValue(p),
          expected: "a relative file name inside the model's folder",
        });
      } else files.push(full);
    });
    const specs: TfjsWeightSpec[] = [];
    (g.weights as unknown[]).forEach((w, wi) => {
      const spec = parseWeightSpec(w, `${path}.weights[${wi}]`, out);
      if (spec !== undefined) specs.push(spec);
    });
    groups.push({ files, specs });
  });
  return groups;
}

/** Read every shard of a group; issues for missing files and for a byte count that does not match. */
function readGroup(group: Group, gi: number, file: string, dir: string, out: InputIssue[]): Uint8Array[] {
  const want = group.specs.reduce((n, s) => n + weightByteLength(s), 0);
  const sizes: number[] = [];
  group.files.forEach((f, pi) => {
    try {
      const st = statSync(f);
      if (!st.isFile()) throw new Error('not a regular file');
      sizes.push(st.size);
    } catch (e) {
      out.push({
        file,
        path: `weightsManifest[${gi}].paths[${pi}]`,
        value: showValue(relative(dir, f)),
        expected: `a weight shard next to model.json (${firstLine(e)})`,
      });
    }
  });
  if (sizes.length !== group.files.length) return [];
  const got = sizes.reduce((a, b) => a + b, 0);
  if (got !== want) {
    const names = group.files.map((f) => relative(dir, f)).join(', ');
    out.push({
      file,
      path: `weightsManifest[${gi}].paths`,
      value: `${got} bytes in ${names}`,
      expected: `${want} bytes, the size of the ${group.specs.length} weights the group lists${got < want ? ' (a shard is short or missing data)' : ''}`,
    });
    return [];
  }
  if (got > TFJS_LIMITS.maxWeightBytes) return [];
  return group.files.map((f) => readFileSync(f));
}

function topologyFormat(topology: unknown): 'layers-model' | 'graph-model' | undefined {
  if (!isRecord(topology)) return undefined;
  if (Array.isArray(topology.node)) return 'graph-model';
  if ('class_name' in topology || 'model_config' in topology) return 'layers-model';
  return undefined;
}

/**
 * Read model.json and its weight shards. Throws one InputError listing every problem (bad JSON,
 * bad manifest entries, shard paths escaping the folder, missing or short shards).
 */
export function readTfjsArtifacts(modelJsonPath: string): TfjsArtifacts {
  const file = modelJsonPath;
  const json = readJson(file);
  const issues: InputIssue[] = [];
  if (!isRecord(json)) {
    throw new InputError([
      {
        file,
        path: '(file)',
        value: showValue(json),
        expected: 'a JSON object (a TensorFlow.js model.json)',
      },
    ]);
  }
  const topology = json.modelTopology;
  const declared = json.format;
  let format = topologyFormat(topology);
  if (declared === 'layers-model' || declared === 'graph-model') format = declared;
  else if (declared !== undefined) {
    issues.push({ path: 'format', value: showValue(declared), expected: 'layers-model or graph-model' });
  }
  if (format === undefined) {
    issues.push({
      path: 'modelTopology',
      value: showValue(topology),
      expected: 'a Keras model config (layers-model) or a GraphDef with a node list (graph-model)',
    });
  }
  const dir = dirname(resolve(file));
  const groups = parseManifest(json.weightsManifest ?? [], dir, issues);
  const total = groups.reduce((n, g) => n + g.specs.reduce((m, s) => m + weightByteLength(s), 0), 0);
  if (total > TFJS_LIMITS.maxWeightBytes) {
    issues.push({
      path: 'weightsManifest',
      value: `${total} bytes of weights`,
      expected: `at most ${TFJS_LIMITS.maxWeightBytes} bytes`,
    });
  }
  const parts: Uint8Array[] = [];
  if (issues.length === 0) groups.forEach((g, gi) => parts.push(...readGroup(g, gi, file, dir, issues)));
  if (issues.length > 0) throw new InputError(issues.map((i) => ({ file, ...i })));
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    weightData.set(p, offset);
    offset += p.length;
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    file,
    format: format!,
    modelTopology: topology,
    signature: json.signature,
    generatedBy: str(json.generatedBy),
    convertedBy: str(json.convertedBy),
    weightSpecs: groups.flatMap((g) => g.specs),
    weightData,
  };
}

// ---- decoding ----------------------------------------------------------------------------------

/**
 * Decode every weight. uint8 / uint16: value = q·scale + min, computed in float64 and rounded once
 * to float32 (tfjs-core's decodeWeight; int32 weights are rounded to integers); float16: the exact
 * half-precision value.
 */
export function decodeTfjsWeights(
  specs: readonly TfjsWeightSpec[],
  data: Uint8Array,
): Map<string, TfjsWeight> {
  const need = specs.reduce((n, s) => n + weightByteLength(s), 0);
  if (data.length !== need) throw new Error(`decodeTfjsWeights: ${data.length} bytes for specs of ${need}`);
  const out = new Map<string, TfjsWeight>();
  const fp16 = parseFormat('fp16');
  let offset = 0;
  for (const spec of specs) {
    const n = elementCount(spec.shape);
    const bytes = data.slice(offset, offset + weightByteLength(spec));
    offset += bytes.length;
    const view = new DataView(bytes.buffer);
    const q = spec.quantization;
    if (q === undefined) {
      const values = spec.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++) {
        values[i] =
          spec.dtype === 'float32'
            ? view.getFloat32(i * 4, true)
            : spec.dtype === 'int32'
              ? view.getInt32(i * 4, true)
              : view.getUint8(i);
      }
      out.set(spec.name, { name: spec.name, shape: spec.shape, dtype: spec.dtype, values });
      continue;
    }
    const codes = q.dtype === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
    for (let i = 0; i < n; i++)
      codes[i] = q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true);
    let values: Float32Array | Int32Array;
    if (q.dtype === 'float16') values = Float32Array.from(codes, (c) => fp16.decode(c));
    else {
      const scale = q.scale!;
      const min = q.min!;
      values =
        spec.dtype === 'int32'
          ? Int32Array.from(codes, (c) => Math.round(c * scale + min))
          : Float32Array.from(codes, (c) => c * scale + min);
    }
    out.set(spec.name, {
      name: spec.name,
      shape: spec.shape,
      dtype: spec.dtype,
      values,
      quantization: { ...q, codes },
    });
  }
  return out;
}

// ---- the IOHandler -----------------------------------------------------------------------------

/** Name of the weights file `save` writes next to model.json. */
export const TFJS_WEIGHTS_FILE = 'weights.bin';

function toArtifacts(a: TfjsArtifacts): io.ModelArtifacts {
  const buffer = a.weightData.buffer.slice(
    a.weightData.byteOffset,
    a.weightData.byteOffset + a.weightData.byteLength,
  ) as ArrayBuffer;
  return {
    modelTopology: a.modelTopology as object,
    format: a.format,
    ...(a.generatedBy !== undefined ? { generatedBy: a.generatedBy } : {}),
    ...(a.convertedBy !== undefined ? { convertedBy: a.convertedBy } : {}),
    ...(isRecord(a.signature) ? { signature: a.signature } : {}),
    weightSpecs: a.weightSpecs.map((s) => ({
      name: s.name,
      shape: [...s.shape],
      dtype: s.dtype,
      ...(s.quantization !== undefined ? { quantization: { ...s.quantization } } : {}),
    })),
    weightData: buffer,
  };
}

function weightBytes(data: io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

/**
 * A `tf.io.IOHandler` on local files: `load` reads `modelJsonPath` and its shards (through
 * readTfjsArtifacts, so bad files give an InputError), `save` writes `modelJsonPath` and one shard
 * `weights.bin` beside it (creating the folder), as tfjs-node's file handler does.
 */
export function tfjsFileHandler(modelJsonPath: string): io.IOHandler {
  return {
    load: () => Promise.resolve(toArtifacts(readTfjsArtifacts(modelJsonPath))),
    save: (artifacts: io.ModelArtifacts) => {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        return Promise.reject(
          new Error('tfjsFileHandler saves JSON topologies only (not a binary GraphDef)'),
        );
      }
      const dir = dirname(modelJsonPath);
      mkdirSync(dir, { recursive: true });
      const data = weightBytes(artifacts.weightData);
      const modelJson: io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        ...(artifacts.format !== undefined ? { format: artifacts.format } : {}),
        ...(artifacts.generatedBy !== undefined ? { generatedBy: artifacts.generatedBy } : {}),
        ...(artifacts.convertedBy !== undefined ? { convertedBy: artifacts.convertedBy } : {}),
        ...(artifacts.signature !== undefined ? { signature: artifacts.signature } : {}),
        ...(artifacts.userDefinedMetadata !== undefined
          ? { userDefinedMetadata: artifacts.userDefinedMetadata }
          : {}),
        weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      const text = JSON.stringify(modelJson);
      writeFileSync(join(dir, TFJS_WEIGHTS_FILE), data);
      writeFileSync(modelJsonPath, text);
      return Promise.resolve({
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: Buffer.byteLength(JSON.stringify(modelJson.modelTopology)),
          weightSpecsBytes: Buffer.byteLength(JSON.stringify(modelJson.weightsManifest)),
          weightDataBytes: data.byteLength,
        },
      });
    },
  };
}

/** The file's base name without `.json` (a default graph name). */
export function modelBaseName(modelJsonPath: string): string {
  const b = basename(modelJsonPath).replace(/\.json$/i, '');
  return b === 'model' ? basename(dirname(resolve(modelJsonPath))) : b;
}
