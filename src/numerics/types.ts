/**
 * The contract of the bit-accurate executor (numerics/execute.ts) and of the comparisons built on
 * it. Importers fill QuantSpecs and stored values into the Graph; the executor runs that Graph with
 * the arithmetic of a target; quant/ and the CLI read its results.
 */
import type { OverflowMode, RoundingMode } from '../formats/types.js';
import type { QuantSpec, Shape, TensorInfo } from '../graph/ir.js';

/** How an accumulator is turned into an output of another scale / format. */
export interface RequantOptions {
  /**
   * `float` (the ONNX reference's QLinearConv / QLinearMatMul): M = (s_x·s_w) / s_y with each
   * operation rounded to the scales' type (float32, or float16 for QuantSpec.scaleType float16),
   * then y = saturate(round(acc · M + zp)) in float64 — the zero point is added before rounding.
   * `fixed-point`: M (formed in float64) is an integer multiplier of `multiplierBits` bits and a
   * right shift (gemmlowp / TFLite style); y = saturate(round(acc · m0 / 2^shift) + zp), computed
   * exactly with one rounding. See numerics/requant.ts.
   */
  readonly mode: 'float' | 'fixed-point';
  /** Width of the integer multiplier in fixed-point mode (default 32, i.e. a Q0.31 multiplier). */
  readonly multiplierBits?: number;
  /**
   * Rounding of the requantized value (default: the output QuantSpec's `rounding`, else
   * nearest-even as ONNX). Stochastic rounding is refused (the executor is deterministic).
   */
  readonly rounding?: RoundingMode;
}

/** The arithmetic of one MAC layer (conv2d, dense, matmul). */
export interface LayerArithmetic {
  /**
   * Accumulator format (see formats/arith.ts macArithmetic). Default: int32 when both operands are
   * integer-like (int, uint, fixed, binary, ternary, pow2), otherwise fp32. Integer-like operands
   * enter the MAC as integers of their format's step ((stored − zp) / step: fixed<4,4> 1.5 → 24).
   */
  readonly accumulator?: string;
  /** Integer accumulators: wrap (two's complement) or saturate at every add. Default wrap. */
  readonly overflow?: OverflowMode;
  readonly requant?: RequantOptions;
  /**
   * Order of accumulation: absent or 0 = one accumulator, k = 0 … K−1 in the GEMM view's k order
   * (mapping/gemm.ts; an output-stationary array). A positive number r = partial sums over r
   * consecutive k each, started from 0 and added in order (a weight- or input-stationary array with
   * r rows). Integer accumulators with wrap give the same result either way.
   */
  readonly partialSumRows?: number;
}

export interface ExecOptions extends LayerArithmetic {
  /** Overrides for single nodes, by node name. */
  readonly perNode?: ReadonlyMap<string, LayerArithmetic>;
  /** Keep every tensor (for per-layer comparison) or only the graph outputs. Default 'outputs'. */
  readonly keep?: 'outputs' | 'all';
  /**
   * Values of parameter tensors (weights, biases, constants) that carry neither `stored` nor
   * `data` (shape-only zoo weights). Called once per such tensor; without it they are an error.
   * `real` values of a tensor with a QuantSpec are quantized with it (ONNX QuantizeLinear).
   */
  readonly params?: (tensor: TensorInfo) => ExecInput;
}

/** An input value: real numbers (quantized by the tensor's QuantSpec if it has one) or stored values. */
export type ExecInput = { readonly real: Float32Array } | { readonly stored: Float64Array };

/** A tensor after execution. */
export interface ExecTensor {
  readonly shape: Shape;
  /** Present when the tensor is quantized; `stored` then holds its exact stored values. */
  readonly quant?: QuantSpec;
  /** Exact stored values (integer codes as integers, decoded values of float formats). */
  readonly stored?: Float64Array;
  /** The real values: (stored − zp) · scale for quantized tensors, else the computed floats. */
  readonly real: Float32Array;
}

/** Numerical error of one tensor against a reference. */
export interface TensorError {
  readonly tensor: string;
  /** 10·log10(Σ ref² / Σ (ref − test)²); Infinity when identical, −Infinity when the reference is 0. */
  readonly sqnrDb: number;
  readonly maxAbsError: number;
  readonly meanAbsError: number;
}

/** The numerical-error column of a format comparison: the quantized graph's outputs vs float32. */
export interface NumericalError {
  /** SQNR of the graph outputs (logits before a final softmax) over all evaluation samples (dB; Infinity = identical). */
  readonly outputSqnrDb: number;
  readonly outputMaxAbsError: number;
  /** The layer (node output) with the lowest SQNR, and that SQNR. */
  readonly worstLayer: string;
  readonly worstLayerSqnrDb: number;
  /** Evaluation samples (batch rows). */
  readonly samples: number;
  /** Where the samples came from: a dataset file, or `seeded N(0,1)`. */
  readonly data: string;
  /** Classifiers only: share of samples whose top-1 class matches float32. */
  readonly top1Agreement: number | null;
  /** With labels: top-1 accuracy of the quantized graph, and of float32. */
  readonly top1Accuracy: number | null;
  readonly fp32Top1Accuracy: number | null;
}
