/**
 * The contract of the bit-accurate executor (numerics/execute.ts) and of the comparisons built on
 * it. Importers fill QuantSpecs and stored values into the Graph; the executor runs that Graph with
 * the arithmetic of a target; quant/ and the CLI read its results.
 */
import type { OverflowMode, RoundingMode } from '../formats/types.js';
import type { QuantSpec, Shape } from '../graph/ir.js';

/** How an accumulator is turned into an output of another scale / format. */
export interface RequantOptions {
  /**
   * `float`: y = round(acc · M) + zp with M = s_x·s_w / s_y in float64 (ONNX reference semantics,
   * float32 scales). `fixed-point`: M is represented as an integer multiplier of `multiplierBits`
   * bits and a right shift (gemmlowp / TFLite style), and the product is rounded with `rounding`.
   */
  readonly mode: 'float' | 'fixed-point';
  /** Width of the integer multiplier in fixed-point mode (default 32, i.e. a Q0.31 multiplier). */
  readonly multiplierBits?: number;
  /** Rounding of the requantized value (default nearest-even, as ONNX). */
  readonly rounding?: RoundingMode;
}

/** The arithmetic of one MAC layer (conv2d, dense, matmul). */
export interface LayerArithmetic {
  /**
   * Accumulator format (see formats/arith.ts macArithmetic). Default: int32 when both operands are
   * integer-like (int, uint, fixed, binary, ternary, pow2), otherwise fp32.
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
