/**
 * Bounds on what an ONNX model may make the importer read or allocate. Model files are untrusted:
 * every size that comes from a header field (dims, external data offsets and lengths, counts) is
 * checked against these before anything is allocated.
 */
import { InputError, showValue, type InputIssue } from '../../../units/errors.js';

export interface OnnxLimits {
  /** Bytes of the .onnx file, and of each external data file. */
  readonly maxFileBytes: number;
  /** Constant tensors: initializers, Constant nodes and bound inputs together. */
  readonly maxTensors: number;
  /** Elements of any one tensor (constants, graph inputs and outputs). */
  readonly maxTensorElements: number;
  /** Elements of all constant tensors together. */
  readonly maxTotalElements: number;
  /** Rank (number of dims) of any tensor. */
  readonly maxRank: number;
  /** Nodes of the graph. */
  readonly maxNodes: number;
}

export const DEFAULT_ONNX_LIMITS: OnnxLimits = {
  maxFileBytes: 2 ** 31,
  maxTensors: 100_000,
  maxTensorElements: 2 ** 28,
  maxTotalElements: 2 ** 28,
  maxRank: 8,
  maxNodes: 100_000,
};

/** The defaults overridden by `partial`, each checked to be a positive safe integer. */
export function resolveLimits(partial: Partial<OnnxLimits> | undefined): OnnxLimits {
  const limits = { ...DEFAULT_ONNX_LIMITS, ...partial };
  const issues: InputIssue[] = [];
  for (const [key, value] of Object.entries(limits)) {
    const v: unknown = value;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      issues.push({ path: `limits.${key}`, value: showValue(v), expected: 'a positive integer' });
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return limits;
}
