/**
 * External tensor data (TensorProto.data_location = EXTERNAL): bytes in a file beside the model,
 * named by the `location`, `offset` and `length` entries of `external_data`.
 *
 * Only files inside the model's folder are read: the location must be relative, without `..`
 * segments, and its real path (symlinks resolved) must lie inside the folder's real path. Offset
 * and length are checked against the file's size and against the byte count the tensor's dims and
 * element type call for, before anything is read.
 */
import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TensorProto } from 'onnx-buf';
import { showValue } from '../../../units/errors.js';
import { onnxElemTypeBits } from '../onnx-tensor.js';
import type { IssueList } from './issues.js';
import type { OnnxLimits } from './limits.js';

export interface ExternalEnv {
  /** Folder of the model file; undefined when the model came as bytes without a path. */
  readonly modelDir: string | undefined;
  readonly limits: OnnxLimits;
  readonly issues: IssueList;
}

/** Bytes of `count` elements of `elemType` in raw_data (sub-byte types packed). */
export function rawByteLength(elemType: number, count: number): number | undefined {
  const bits = onnxElemTypeBits(elemType);
  if (bits === undefined) return undefined;
  return bits < 8 ? Math.ceil((count * bits) / 8) : (count * bits) / 8;
}

function entries(t: TensorProto): Map<string, string> {
  return new Map(t.externalData.map((e) => [e.key, e.value]));
}

/** Why a location is not a plain relative path inside the folder (undefined when it is). */
function locationProblem(location: string): string | undefined {
  if (location === '') return 'a file name';
  if (location.includes('\0')) return 'a path without NUL characters';
  if (path.isAbsolute(location) || /^[a-zA-Z]:/.test(location) || location.startsWith('\\')) {
    return "a path relative to the model's folder (absolute paths are not read)";
  }
  if (location.split(/[\\/]/).includes('..')) return "a path inside the model's folder (no '..' segments)";
  return undefined;
}

function parseCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) return NaN;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : NaN;
}

interface Located {
  readonly file: string;
  readonly size: number;
}

function locate(location: string, env: ExternalEnv, at: string): Located | undefined {
  const dir = env.modelDir!;
  let realDir: string;
  let realFile: string;
  try {
    realDir = realpathSync(dir);
    realFile = realpathSync(path.resolve(dir, location));
  } catch {
    env.issues.add(at, showValue(location), "an existing file inside the model's folder");
    return undefined;
  }
  if (!realFile.startsWith(realDir + path.sep)) {
    env.issues.add(at, showValue(location), "a file inside the model's folder (it resolves outside it)");
    return undefined;
  }
  const stat = statSync(realFile);
  if (!stat.isFile()) {
    env.issues.add(at, showValue(location), 'a regular file');
    return undefined;
  }
  if (stat.size > env.limits.maxFileBytes) {
    env.issues.add(
      at,
      `${showValue(location)} (${stat.size} bytes)`,
      `a file of at most ${env.limits.maxFileBytes} bytes (limits.maxFileBytes)`,
    );
    return undefined;
  }
  return { file: realFile, size: stat.size };
}

function readSlice(file: string, offset: number, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/**
 * The raw bytes of an external tensor, or undefined (issues recorded). `path` names the tensor,
 * `count` is its element count (already checked against the limits).
 */
export function readExternalData(
  t: TensorProto,
  tensorPath: string,
  count: number,
  env: ExternalEnv,
): Uint8Array<ArrayBuffer> | undefined {
  const at = `${tensorPath}.external_data`;
  const kv = entries(t);
  const location = kv.get('location');
  if (env.modelDir === undefined) {
    env.issues.add(
      `${at}.location`,
      showValue(location),
      'a model read from a file (importOnnxFile, or opts.modelPath), so that its external data can be found',
    );
    return undefined;
  }
  const problem = location === undefined ? 'a location entry' : locationProblem(location);
  if (problem !== undefined) {
    env.issues.add(`${at}.location`, showValue(location), problem);
    return undefined;
  }
  const want = rawByteLength(t.dataType, count);
  if (want === undefined) {
    env.issues.add(`${tensorPath}.data_type`, String(t.dataType), 'a numeric element type');
    return undefined;
  }
  const found = locate(location!, env, `${at}.location`);
  if (found === undefined) return undefined;
  const offset = parseCount(kv.get('offset')) ?? 0;
  const length = parseCount(kv.get('length')) ?? want;
  if (Number.isNaN(offset) || offset > found.size) {
    env.issues.add(
      `${at}.offset`,
      showValue(kv.get('offset')),
      `an integer from 0 to the file size ${found.size}`,
    );
    return undefined;
  }
  if (Number.isNaN(length) || length !== want) {
    env.issues.add(
      `${at}.length`,
      showValue(kv.get('length')),
      `${want} (the bytes of the tensor's dims and type)`,
    );
    return undefined;
  }
  if (offset + length > found.size) {
    env.issues.add(
      `${at}.offset`,
      `${offset} + length ${length}`,
      `a range inside ${showValue(location)} (${found.size} bytes)`,
    );
    return undefined;
  }
  return readSlice(found.file, offset, length);
}
