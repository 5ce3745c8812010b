/**
 * Post-training quantization of float graphs and mixed-precision search.
 *
 * - range pickers (min-max, percentile, MMSE) over integer, fixed-point and floating formats,
 *   symmetric / asymmetric, per tensor / per channel, real or power-of-two scales: ./range.ts,
 *   ./scheme.ts, ./tensor.ts; XNOR-Net binary and TWN ternary weights: ./binary.ts;
 * - calibration on a small input set: ./calibrate.ts; seeded parameters and inputs: ./materialize.ts;
 * - quantizeGraph (QuantSpecs, stored weights, int32 biases, bias correction): ./quantize-graph.ts;
 * - layer sensitivity and the mixed-precision Pareto search: ./mixed-precision.ts, ./pareto.ts;
 * - error measurement: the bit-accurate executor (numerics/execute.ts) or fake quantization over
 *   the reference kernels (./run.ts); SQNR from numerics/compare.ts (./metrics.ts).
 */
export { binarize, ternarize, TWN_THRESHOLD, type SignCodes } from './binary.js';
export { expectedShifts } from './bias-correction.js';
export {
  calibrate,
  DEFAULT_MAX_SAMPLES,
  floatOutputs,
  type CalibrateOptions,
  type Calibration,
  type TensorStats,
} from './calibrate.js';
export { DEFAULT_SEED, materializeParameters, seededInputs, seededParameter } from './materialize.js';
export { combinedError, sqnrDb, type OutputError, type RefTest } from './metrics.js';
export {
  DEFAULT_BITS,
  integerFormatForBits,
  layerSensitivity,
  macEnergyModel,
  mixedPrecisionSearch,
  rankBySensitivity,
  type Assignment,
  type Budget,
  type LayerBits,
  type LayerSensitivity,
  type MixedPrecisionOptions,
  type MixedPrecisionResult,
  type SensitivityOptions,
} from './mixed-precision.js';
export { dominates, paretoFront, type CostQuality } from './pareto.js';
export {
  defaultAccumulator,
  isMacNode,
  newQuantCache,
  quantizeGraph,
  quantizeGraphCached,
  type LayerFormats,
  type QuantCache,
  type QuantizeOptions,
} from './quantize-graph.js';
export {
  chooseAffine,
  DEFAULT_PERCENTILE,
  histogramOf,
  MMSE_EXACT_MAX,
  minimizeFraction,
  minMaxClip,
  mmseClip,
  percentileClip,
  type Histogram,
  type RangeMethod,
  type RangeOptions,
} from './range.js';
export { executorEvaluator, fakeQuantEvaluator, runFakeQuant, type Evaluator, type InputSet } from './run.js';
export {
  isUniform,
  makeScheme,
  roundingThresholds,
  schemeMse,
  type Affine,
  type Clip,
  type ScaleKind,
  type Scheme,
} from './scheme.js';
export { absPercentile, channelSlices, extent, meanAbs, percentile } from './stats.js';
export {
  applySpec,
  chooseActivationSpec,
  chooseSpec,
  fakeQuantize,
  isFloat32,
  quantizeWeights,
  type ActivationQuantOptions,
  type Granularity,
  type QuantizedTensor,
  type TensorQuantOptions,
} from './tensor.js';
