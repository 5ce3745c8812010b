/**
 * Evaluation and calibration data from files: an ONNX TensorProto (`.pb`, samples along dim 0, as
 * the ONNX node tests store tensors) or a `bitcycle-dataset/1` manifest that names one and says how
 * to turn its stored numbers into model inputs, with optional labels:
 *
 *   { "format": "bitcycle-dataset/1", "inputs": "test-images.pb", "scale": 0.00392156862745098,
 *     "offset": 0, "labels": "test-labels.pb" }
 *
 * input = stored · scale + offset, in float32. Paths are relative to the manifest and must stay in
 * its folder.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError, showValue, type InputIssue } from '../../units/errors.js';
import { readTensorFile } from './onnx-tensor.js';

export const DATASET_FORMAT = 'bitcycle-dataset/1';

const KEYS = ['format', 'inputs', 'scale', 'offset', 'labels'];

export interface Dataset {
  readonly file: string;
  /** Shape of one sample (the tensor's dims without dim 0). */
  readonly sampleShape: readonly number[];
  readonly samples: readonly Float32Array[];
  /** One class index per sample, when the dataset has labels. */
  readonly labels?: Int32Array;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError([{ file, path: '(file)', value: file, expected: `a readable file (${String(e)})` }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError([{ file, path: '(file)', value: (e as Error).message, expected: 'valid JSON' }]);
  }
}

/** A path named by the manifest, inside the manifest's folder (no escape by `..` or symlinks). */
function inside(manifest: string, field: string, value: unknown, issues: InputIssue[]): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || isAbsolute(value)) {
    issues.push({ file: manifest, path: field, value: showValue(value), expected: 'a relative file name' });
    return undefined;
  }
  const dir = dirname(resolve(manifest));
  const full = resolve(dir, value);
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    issues.push({ file: manifest, path: field, value: showValue(value), expected: 'an existing file' });
    return undefined;
  }
  const rel = relative(realpathSync(dir), real);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    issues.push({
      file: manifest,
      path: field,
      value: showValue(value),
      expected: "a file inside the manifest's folder",
    });
    return undefined;
  }
  return full;
}

function split(values: Float64Array, dims: readonly number[], scale: number, offset: number): Float32Array[] {
  const n = dims[0] ?? 1;
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  const out: Float32Array[] = [];
  for (let s = 0; s < n; s++) {
    const x = new Float32Array(per);
    for (let i = 0; i < per; i++) x[i] = values[s * per + i]! * scale + offset;
    out.push(x);
  }
  return out;
}

/** Read a `.pb` tensor or a dataset manifest; every problem at once as an InputError. */
export function loadDataset(file: string): Dataset {
  if (extname(file).toLowerCase() === '.pb') {
    const t = readTensorFile(file);
    return { file, sampleShape: t.dims.slice(1), samples: split(t.values, t.dims, 1, 0) };
  }
  const doc = readJson(file);
  const issues: InputIssue[] = [];
  const obj =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  if (obj.format !== DATASET_FORMAT) {
    throw new InputError([
      {
        file,
        path: 'format',
        value: showValue(obj.format),
        expected: `"${DATASET_FORMAT}" (or give a .pb tensor file)`,
      },
    ]);
  }
  for (const key of Object.keys(obj)) {
    if (!KEYS.includes(key))
      issues.push({
        file,
        path: key,
        value: showValue(obj[key]),
        expected: `only the keys ${KEYS.join(', ')}`,
      });
  }
  const num = (key: string, dflt: number): number => {
    const v = obj[key] === undefined ? dflt : obj[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    issues.push({ file, path: key, value: showValue(v), expected: 'a finite number' });
    return dflt;
  };
  const scale = num('scale', 1);
  const offset = num('offset', 0);
  const inputsFile = inside(file, 'inputs', obj.inputs, issues);
  const labelsFile = obj.labels === undefined ? undefined : inside(file, 'labels', obj.labels, issues);
  if (issues.length > 0 || inputsFile === undefined) throw new InputError(issues);
  const t = readTensorFile(inputsFile);
  const samples = split(t.values, t.dims, scale, offset);
  if (labelsFile === undefined) return { file, sampleShape: t.dims.slice(1), samples };
  const l = readTensorFile(labelsFile);
  const ok = l.values.length === samples.length && l.values.every((v) => Number.isInteger(v) && v >= 0);
  if (!ok) {
    throw new InputError([
      {
        file,
        path: 'labels',
        value: `${l.values.length} values`,
        expected: `${samples.length} non-negative integer class indices (one per sample)`,
      },
    ]);
  }
  return { file, sampleShape: t.dims.slice(1), samples, labels: Int32Array.from(l.values) };
}
