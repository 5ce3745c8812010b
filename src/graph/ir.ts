/**
 * The graph IR every importer produces and every target consumes.
 *
 * Layout is NCHW (ONNX's), batch dimension included. Tensors are named; nodes refer to tensors by
 * name and are stored in topological order. A tensor may carry a QuantSpec (its number format and
 * scale / zero point); weights may carry data (Float32Array, real values) or be shape-only, in which
 * case a seeded generator supplies values when a run needs them.
 */

import type { RoundingMode } from '../formats/types.js';

export type Shape = readonly number[];

/** Scale and zero point of a quantized tensor: per-tensor, per-channel (axis) or per-block. */
export interface QuantSpec {
  /** A format name accepted by formats/parseFormat (`int8`, `fp8-e4m3fn`, `posit<8,0>` …). */
  readonly format: string;
  /** One scale (per-tensor) or one per channel / block. */
  readonly scale: number | readonly number[];
  /** Zero point(s) in the real domain of the format's codes (integers for integer formats). */
  readonly zeroPoint: number | readonly number[];
  /** Channel axis for per-channel / per-block scales. */
  readonly axis?: number;
  /** Block size along `axis` for per-block scales. */
  readonly blockSize?: number;
  /**
   * Integer formats only: the symmetric "narrow" range (int8 → −127 … 127), as QONNX `narrow=1`
   * and most symmetric weight quantizers use.
   */
  readonly narrow?: boolean;
  /** Rounding used when a real value is quantized into this spec (default nearest-even, ONNX's). */
  readonly rounding?: RoundingMode;
  /**
   * Element type of the scale in the source model (ONNX x_scale may be float16; default float32).
   * The executor forms requantization multipliers (s_x·s_w / s_y) in this type, as the ONNX
   * reference does, and rounds DequantizeLinear's output to it.
   */
  readonly scaleType?: 'float32' | 'float16' | 'bfloat16';
}

export type TensorRole = 'input' | 'weight' | 'bias' | 'activation' | 'constant';

export interface TensorInfo {
  readonly name: string;
  readonly shape: Shape;
  readonly role: TensorRole;
  /** Element type as stored: float32 unless a quantized importer says otherwise. */
  readonly dtype: 'float32' | 'int32' | 'int64';
  readonly quant?: QuantSpec;
  /** Real values (row-major) for weights/constants when known. */
  readonly data?: Float32Array;
  /**
   * The exact stored values of a quantized tensor (requires `quant`), row-major: the format's value
   * of each code (formats/NumberFormat.decode) — plain integers for int/uint, signed or unsigned as
   * the format says; the fraction for fixed<m,n>; the decoded value for floating formats. real =
   * (stored − zeroPoint) × scale. When present it
   * is the truth; `data`, if also present, must be its dequantization. Importers of quantized
   * models set it (int32 biases are not exact in float32).
   */
  readonly stored?: Float64Array;
}

// ---- ops ---------------------------------------------------------------------------------------

/** [top, left, bottom, right] */
export type Pads4 = readonly [number, number, number, number];
export type Pair = readonly [number, number];

export interface Conv2dAttrs {
  readonly outChannels: number;
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly pads: Pads4;
  readonly dilation: Pair;
  /** groups === input channels === outChannels is a depthwise convolution. */
  readonly groups: number;
}
/** y = x · W + b; x [..., K], W [K, units]. */
export interface DenseAttrs {
  readonly units: number;
}
/** Batched matmul of two activations: [..., M, K] × [..., K, N] with broadcasting of batch dims. */
export interface MatMulAttrs {
  /** Transpose the last two dims of the second operand first (Q·Kᵀ). */
  readonly transB: boolean;
}
export interface PoolAttrs {
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly pads: Pads4;
  /** Output size uses ceil instead of floor (Caffe-era nets: GoogLeNet, SqueezeNet). */
  readonly ceilMode: boolean;
  /** avgpool only: count padded cells in the divisor. */
  readonly countIncludePad: boolean;
}
export type EmptyAttrs = Readonly<Record<string, never>>;
export interface ConcatAttrs {
  readonly axis: number;
}
export interface ClipAttrs {
  readonly min: number;
  readonly max: number;
}
export interface SoftmaxAttrs {
  readonly axis: number;
}
export interface BatchNormAttrs {
  readonly epsilon: number;
}
export interface LayerNormAttrs {
  readonly axis: number;
  readonly epsilon: number;
}
export interface LrnAttrs {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly bias: number;
}
export interface ReshapeAttrs {
  /** Target shape; one entry may be -1 (inferred), 0 copies the input dim (ONNX semantics). */
  readonly shape: readonly number[];
}
export interface FlattenAttrs {
  readonly axis: number;
}
export interface TransposeAttrs {
  readonly perm: readonly number[];
}
/**
 * requantize: re-express x in `to`. x may be a float tensor (then this is ONNX QuantizeLinear) or
 * a quantized one (a change of scale/format). The output tensor carries `to` as its QuantSpec.
 * dequantize (EmptyAttrs): a quantized x back to real float32 values (ONNX DequantizeLinear).
 */
export interface RequantizeAttrs {
  /** The output QuantSpec (the input's comes from its tensor). */
  readonly to: QuantSpec;
}

/** Op name → attribute type. Adding an op means adding it here and to graph/ops. */
export interface OpAttrMap {
  conv2d: Conv2dAttrs;
  dense: DenseAttrs;
  matmul: MatMulAttrs;
  maxpool: PoolAttrs;
  avgpool: PoolAttrs;
  globalavgpool: EmptyAttrs;
  add: EmptyAttrs;
  mul: EmptyAttrs;
  concat: ConcatAttrs;
  relu: EmptyAttrs;
  relu6: EmptyAttrs;
  clip: ClipAttrs;
  gelu: EmptyAttrs;
  sigmoid: EmptyAttrs;
  softmax: SoftmaxAttrs;
  batchnorm: BatchNormAttrs;
  layernorm: LayerNormAttrs;
  lrn: LrnAttrs;
  reshape: ReshapeAttrs;
  flatten: FlattenAttrs;
  transpose: TransposeAttrs;
  requantize: RequantizeAttrs;
  dequantize: EmptyAttrs;
}

export type OpType = keyof OpAttrMap;

export const OP_TYPES: readonly OpType[] = [
  'conv2d',
  'dense',
  'matmul',
  'maxpool',
  'avgpool',
  'globalavgpool',
  'add',
  'mul',
  'concat',
  'relu',
  'relu6',
  'clip',
  'gelu',
  'sigmoid',
  'softmax',
  'batchnorm',
  'layernorm',
  'lrn',
  'reshape',
  'flatten',
  'transpose',
  'requantize',
  'dequantize',
];

export type NodeOf<K extends OpType> = {
  readonly name: string;
  readonly op: K;
  /**
   * Input tensor names, in the op's order:
   * conv2d [x, weight, bias?]; dense [x, weight, bias?]; matmul [a, b]; batchnorm [x, gamma, beta,
   * mean, var]; layernorm [x, gamma, beta]; add/mul/concat [a, b, …]; others [x].
   */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: OpAttrMap[K];
};

/** A node: a discriminated union over op, so `node.op === 'conv2d'` narrows `node.attrs`. */
export type Node = { [K in OpType]: NodeOf<K> }[OpType];

/** Default quantization of a workload: what formats its layers run in unless told otherwise. */
export interface QuantDefaults {
  readonly weights: string;
  readonly activations: string;
  readonly accumulator: string;
  readonly granularity: 'per-tensor' | 'per-channel';
}

export interface Graph {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Topologically ordered. */
  readonly nodes: readonly Node[];
  readonly quant?: QuantDefaults;
  /** Free-form provenance (paper, source table) of a built-in workload. */
  readonly source?: string;
}

/** A dense float tensor (row-major) for reference kernels. */
export interface FloatTensor {
  readonly shape: Shape;
  readonly data: Float32Array;
}

export function elementCount(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
