/** Loading the shared ONNX backend node tests (../shared/onnx-node-tests) for the importer tests. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto } from 'onnx-buf';
import { readTensorFile, type OnnxTensor } from '../../../src/graph/import/onnx-tensor.js';
import { onnxNodeTestsDir } from '../../formats/helpers.js';

export interface NodeTest {
  readonly name: string;
  readonly modelPath: string;
  readonly bytes: Uint8Array;
  /** The model, parsed independently of the importer. */
  readonly model: ModelProto;
  /** input_k.pb, in graph input order. */
  readonly inputs: readonly OnnxTensor[];
  readonly output: OnnxTensor;
  /** Every graph input after the first, to bind as constants. */
  readonly bind: ReadonlyMap<string, OnnxTensor>;
}

export function nodeTestNames(): string[] {
  return readdirSync(onnxNodeTestsDir())
    .filter((d) => d.startsWith('test_'))
    .sort();
}

export function loadNodeTest(name: string): NodeTest {
  const dir = path.join(onnxNodeTestsDir(), name);
  const modelPath = path.join(dir, 'model.onnx');
  const bytes = readFileSync(modelPath);
  const model = fromBinary(ModelProtoSchema, bytes);
  const inputs = model.graph!.input.map((_, k) =>
    readTensorFile(path.join(dir, 'test_data_set_0', `input_${k}.pb`)),
  );
  const bind = new Map(model.graph!.input.slice(1).map((vi, k) => [vi.name, inputs[k + 1]!] as const));
  const output = readTensorFile(path.join(dir, 'test_data_set_0', 'output_0.pb'));
  return { name, modelPath, bytes, model, inputs, output, bind };
}
