/**
 * Constant tensors of a model (initializers, Constant nodes, bound inputs), decoded on first use and
 * checked against the limits before anything is allocated.
 */
import { create } from '@bufbuild/protobuf';
import { TensorProto_DataLocation, TensorProtoSchema, type TensorProto } from 'onnx-buf';
import { showValue } from '../../../units/errors.js';
import { decodeTensorProto, type OnnxTensor } from '../onnx-tensor.js';
import { readExternalData, type ExternalEnv } from './external.js';
import { capture } from './issues.js';

export interface ConstantEnv extends ExternalEnv {
  readonly file: string | undefined;
  /** Running totals over the whole model. */
  readonly totals: { tensors: number; elements: number };
}

/**
 * Dims as numbers when each is a non-negative integer, the rank and element count are within the
 * limits; otherwise undefined with the issue recorded under `path`.
 */
export function checkDims(
  dims: readonly (bigint | number)[],
  path: string,
  env: ConstantEnv,
): { dims: number[]; count: number } | undefined {
  const { limits, issues } = env;
  if (dims.length > limits.maxRank) {
    issues.add(path, `rank ${dims.length}`, `a rank of at most ${limits.maxRank} (limits.maxRank)`);
    return undefined;
  }
  const out: number[] = [];
  let count = 1;
  for (const [i, d] of dims.entries()) {
    const n = Number(d);
    if (!Number.isSafeInteger(n) || n < 0) {
      issues.add(`${path}[${i}]`, String(d), 'a non-negative integer');
      return undefined;
    }
    out.push(n);
    count *= n;
    if (count > limits.maxTensorElements) {
      issues.add(
        path,
        showValue(dims.map(Number)),
        `at most ${limits.maxTensorElements} elements (limits.maxTensorElements)`,
      );
      return undefined;
    }
  }
  return { dims: out, count };
}

/** Count one more constant of `count` elements against maxTensors / maxTotalElements. */
export function countConstant(count: number, path: string, env: ConstantEnv): boolean {
  const { limits, issues, totals } = env;
  totals.tensors += 1;
  totals.elements += count;
  if (totals.tensors > limits.maxTensors) {
    if (totals.tensors === limits.maxTensors + 1) {
      issues.add(
        path,
        `constant tensor number ${totals.tensors}`,
        `at most ${limits.maxTensors} (limits.maxTensors)`,
      );
    }
    return false;
  }
  if (totals.elements > limits.maxTotalElements) {
    issues.add(
      path,
      `${totals.elements} constant elements in all`,
      `at most ${limits.maxTotalElements} (limits.maxTotalElements)`,
    );
    totals.elements -= count;
    return false;
  }
  return true;
}

/** Decode a TensorProto (external data included), or undefined with the issues recorded. */
export function decodeConstant(t: TensorProto, path: string, env: ConstantEnv): OnnxTensor | undefined {
  const checked = checkDims(t.dims, `${path}.dims`, env);
  if (checked === undefined || !countConstant(checked.count, path, env)) return undefined;
  let proto = t;
  if (t.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    const bytes = readExternalData(t, path, checked.count, env);
    if (bytes === undefined) return undefined;
    proto = create(TensorProtoSchema, { name: t.name, dims: t.dims, dataType: t.dataType, rawData: bytes });
  }
  const at = env.file !== undefined ? { file: env.file, path } : { path };
  return capture(env.issues, '', () => decodeTensorProto(proto, at));
}
