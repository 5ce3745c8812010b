/**
 * Import a TensorFlow.js model (model.json + weight shards on the local disk) into the IR.
 *
 * - LayersModel (`format: layers-model`, a Keras config): tfjs-layers.ts lists the layers.
 * - GraphModel (`format: graph-model`, a GraphDef from tensorflowjs_converter): tfjs-graph.ts lists
 *   the ops.
 *
 * Layout: 4-D tensors are NCHW in the graph, inputs and outputs included (a TF input [N, H, W, C]
 * becomes a graph input [N, C, H, W]); weights are converted (HWIO → OIHW, depthwise H W C M →
 * (C·M) 1 H W), and a transpose back to NHWC is inserted only where TF's element order matters
 * (Flatten / Reshape of a conv output), so dense weights line up. See tfjs-builder.ts.
 *
 * Weights stored quantized by the converter (uint8 / uint16 `{scale, min}`, float16) are decoded to
 * float32 `data` (min + q·scale rounded once to float32, as tfjs does). The IR tensors carry no
 * QuantSpec for them: tfjs' `min` is not an integer zero point and inference in TF.js is float32.
 * `readTfjsModel` returns the codes, by IR tensor (in the IR's element order), with a note.
 *
 * Every problem (bad JSON, a missing or short shard, unsupported layers or ops, settings, shapes)
 * is reported at once in one InputError naming the file and the layer / node.
 */
import { InputError, type InputIssue } from '../../units/errors.js';
import { analyzeGraph } from '../analyze.js';
import type { Graph } from '../ir.js';
import { TfjsGraphBuilder, type TfjsWeightQuantization } from './tfjs-builder.js';
import { convertGraphModel } from './tfjs-graph.js';
import { decodeTfjsWeights, modelBaseName, readTfjsArtifacts } from './tfjs-io.js';
import { convertLayersModel } from './tfjs-layers.js';

export interface TfjsImportOptions {
  /** Graph name (default: the model's name, else the file's or folder's name). */
  readonly name?: string;
  /** Size of an unknown (null / −1) batch dimension. Default 1. */
  readonly batch?: number;
  /** Full TF-order input shapes (batch included) by input name, for inputs with other unknown dims. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** GraphModel only: output node names (default: the signature's, else nodes nothing reads). */
  readonly outputs?: readonly string[];
}

export interface TfjsImport {
  readonly graph: Graph;
  readonly format: 'layers-model' | 'graph-model';
  /** Weights that the converter stored quantized, by IR tensor name. */
  readonly quantizedWeights: ReadonlyMap<string, TfjsWeightQuantization>;
  /** What the importer did that a reader of the graph should know. */
  readonly notes: readonly string[];
}

export type { TfjsWeightQuantization } from './tfjs-builder.js';

function withFile(file: string, issues: readonly InputIssue[]): InputIssue[] {
  return issues.map((i) => ({ ...i, file: i.file ?? file }));
}

/** Import a model with everything the importer knows about it. */
export function readTfjsModel(modelJsonPath: string, opts: TfjsImportOptions = {}): Promise<TfjsImport> {
  try {
    return Promise.resolve(readSync(modelJsonPath, opts));
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

/** Import a TensorFlow.js model.json (LayersModel or GraphModel) as an IR graph. */
export async function importTfjsModel(modelJsonPath: string, opts: TfjsImportOptions = {}): Promise<Graph> {
  return (await readTfjsModel(modelJsonPath, opts)).graph;
}

/** The same, synchronously (reading the files and converting need no TF.js runtime). */
export function readTfjsModelSync(file: string, opts: TfjsImportOptions = {}): TfjsImport {
  return readSync(file, opts);
}

function readSync(file: string, opts: TfjsImportOptions): TfjsImport {
  const batch = opts.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new InputError([
      { file, path: 'options.batch', value: String(batch), expected: 'a positive integer' },
    ]);
  }
  const artifacts = readTfjsArtifacts(file);
  const weights = decodeTfjsWeights(artifacts.weightSpecs, artifacts.weightData);
  const b = new TfjsGraphBuilder(file);
  const inputShapes = opts.inputShapes ?? {};
  let modelName: string | undefined;
  let outputs;
  if (artifacts.format === 'layers-model') {
    const r = convertLayersModel(b, artifacts.modelTopology, weights, { batch, inputShapes });
    modelName = r.name;
    outputs = r.outputs;
  } else {
    outputs = convertGraphModel(b, artifacts.modelTopology, artifacts.signature, weights, {
      batch,
      inputShapes,
      outputs: opts.outputs,
    });
  }
  if (b.issues.length === 0 && outputs.length === 0)
    b.issue('modelTopology', '(no outputs)', 'a model with at least one output');
  const name = opts.name ?? modelName ?? modelBaseName(file);
  const by = [artifacts.generatedBy, artifacts.convertedBy].filter((s) => s !== undefined).join(', ');
  const graph = b.finish(
    name,
    outputs,
    `TensorFlow.js ${artifacts.format} ${file}${by !== '' ? ` (${by})` : ''}`,
  );
  try {
    analyzeGraph(graph);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(withFile(file, e.issues));
    throw e;
  }
  const notes = [...b.notes];
  const byDtype = new Map<string, number>();
  for (const q of b.quantized.values()) byDtype.set(q.dtype, (byDtype.get(q.dtype) ?? 0) + 1);
  for (const [dtype, n] of byDtype) {
    notes.push(
      `${n} weight tensor(s) were stored ${dtype}-quantized by the tfjs converter and decoded to float32` +
        (dtype === 'float16' ? '' : ' (min + q·scale)'),
    );
  }
  return { graph, format: artifacts.format, quantizedWeights: new Map(b.quantized), notes };
}
