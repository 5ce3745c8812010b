/**
 * ONNX and QONNX import to the Graph IR.
 *
 * - `importOnnx(bytes, opts)` / `importOnnxFile(path, opts)` → Graph; `importOnnxModel` /
 *   `importOnnxFileModel` also return the notes (what was read with a caveat).
 * - Opsets 13–21 (22–25 with a note; older only when every op used is unchanged since, as for the
 *   QOperator node tests at opset 10).
 * - Float ops, the QDQ form (QuantizeLinear / DequantizeLinear folded into QuantSpecs and stored
 *   codes), the QOperator form (QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger, com.microsoft
 *   QLinearAdd / QLinearMul / QLinearGlobalAveragePool) and QONNX (Quant / IntQuant, BipolarQuant,
 *   Trunc).
 * - Every problem is an InputError issue, all at once: unsupported ops, bad attributes, external
 *   data outside the model's folder, limits.
 */
export {
  importOnnx,
  importOnnxFile,
  importOnnxFileModel,
  importOnnxModel,
  type OnnxImport,
  type OnnxImportOptions,
} from './import.js';
export { DEFAULT_ONNX_LIMITS, type OnnxLimits } from './limits.js';
export type { OnnxTensor as DecodedTensor } from '../onnx-tensor.js';
export { readTensorFile } from '../onnx-tensor.js';
