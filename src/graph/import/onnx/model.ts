/** Parse the bytes of an .onnx file into a ModelProto, with one clear InputError when they are not one. */
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type GraphProto, type ModelProto } from 'onnx-buf';
import { InputError, type InputIssue } from '../../../units/errors.js';
import type { OnnxLimits } from './limits.js';

function fileIssue(file: string | undefined, value: string, expected: string): InputIssue {
  const issue = { path: '(file)', value, expected };
  return file !== undefined ? { file, ...issue } : issue;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A ModelProto with a graph. Not protobuf, truncated, or protobuf of something else: one InputError. */
export function parseModel(
  bytes: Uint8Array,
  file: string | undefined,
  limits: OnnxLimits,
): { model: ModelProto; graph: GraphProto } {
  if (bytes.length > limits.maxFileBytes) {
    throw new InputError([
      fileIssue(file, `${bytes.length} bytes`, `at most ${limits.maxFileBytes} bytes (limits.maxFileBytes)`),
    ]);
  }
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes);
  } catch (e) {
    throw new InputError([
      fileIssue(file, `${bytes.length} bytes`, `a serialized ONNX model (onnx.ModelProto): ${errorText(e)}`),
    ]);
  }
  const graph = model.graph;
  if (graph === undefined || model.irVersion <= 0n || model.opsetImport.length === 0) {
    const missing = [
      graph === undefined ? 'graph' : undefined,
      model.irVersion <= 0n ? 'ir_version' : undefined,
      model.opsetImport.length === 0 ? 'opset_import' : undefined,
    ].filter((m) => m !== undefined);
    throw new InputError([
      fileIssue(
        file,
        `${bytes.length} bytes without ${missing.join(', ')}`,
        'an ONNX model (onnx.ModelProto with ir_version, opset_import and a graph)',
      ),
    ]);
  }
  return { model, graph };
}

/** Domains of custom ops, normalized: '' is ai.onnx. */
export const QONNX_DOMAINS: readonly string[] = ['qonnx.custom_op.general', 'finn.custom_op.general'];
export const MS_DOMAIN = 'com.microsoft';

export function normalizeDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

/** Opset version per (normalized) domain. */
export function opsetVersions(model: ModelProto): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of model.opsetImport) out.set(normalizeDomain(o.domain), Number(o.version));
  return out;
}
