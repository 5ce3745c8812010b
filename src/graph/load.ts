/**
 * One entry point for every kind of workload `--workload` accepts:
 *  - a zoo id (`resnet18`), a layer table (`.json` / `.yaml` `bitcycle-workload/1`), a SCALE-Sim
 *    topology (`.csv`): graph/workload.ts;
 *  - an ONNX model (`.onnx`: float, QDQ, QOperator or QONNX): graph/import/onnx;
 *  - a TensorFlow.js model (`model.json` with `modelTopology`): graph/import/tfjs.ts;
 *  - a bitcycle graph (`.json` with `"format": "bitcycle-graph/1"`): graph/serialize.ts.
 * `batch` sets the batch dimension of ONNX and TF.js models (their own batch dim must be 1 or unknown);
 * a bitcycle graph has fixed shapes, so there it may only restate the graph's batch.
 */
import { existsSync, openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { InputError } from '../units/errors.js';
import { importOnnxFileModel, importOnnxModel } from './import/onnx/index.js';
import { readTfjsModelSync } from './import/tfjs.js';
import type { Graph } from './ir.js';
import { GRAPH_FORMAT, graphFromJson } from './serialize.js';
import { loadWorkload, type LoadWorkloadOptions } from './workload.js';

export type WorkloadKind = 'zoo-or-table' | 'onnx' | 'tfjs' | 'bitcycle-graph';

export interface LoadedGraph {
  readonly graph: Graph;
  readonly kind: WorkloadKind;
  /** What an importer read with a caveat. */
  readonly notes: readonly string[];
}

/** The first bytes of a file, to tell a TF.js model.json or a bitcycle graph from a layer table. */
function head(file: string, bytes = 4096): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export function workloadKind(idOrPath: string): WorkloadKind {
  const ext = extname(idOrPath).toLowerCase();
  if (ext === '.onnx') return 'onnx';
  if (ext !== '.json' || !existsSync(idOrPath) || !statSync(idOrPath).isFile()) return 'zoo-or-table';
  const start = head(idOrPath);
  if (start.includes(`"${GRAPH_FORMAT}"`)) return 'bitcycle-graph';
  if (start.includes('"modelTopology"') || start.includes('"weightsManifest"')) return 'tfjs';
  return 'zoo-or-table';
}

function noParams(file: string, overrides: Readonly<Record<string, string>>): void {
  const keys = Object.keys(overrides);
  if (keys.length > 0)
    throw new InputError(
      keys.map((k) => ({
        file,
        path: `params.${k} (override)`,
        value: JSON.stringify(k),
        expected: 'nothing: model files have no params (only layer tables and zoo networks do)',
      })),
    );
}

function batchIssue(file: string, batch: number, own: number, what: string): InputError {
  return new InputError([
    { file, path: 'batch (option)', value: String(batch), expected: `${own}, the batch ${what}` },
  ]);
}

/**
 * Import an ONNX model with the batch dim (dim 0) of every graph input set to `batch`. The model's
 * own batch must be 1 or symbolic (read as 1). Declared output shapes keep the model's batch, so
 * their dim 0 is made symbolic before the import checks them against the computed shapes.
 */
function importOnnxBatch(file: string, batch: number): LoadedGraph {
  const probe = importOnnxFileModel(file).graph;
  const shapes = new Map<string, number[]>();
  for (const name of probe.inputs) {
    const shape = probe.tensors.get(name)?.shape ?? [];
    const own = shape[0] ?? 1;
    if (own !== 1 && own !== batch)
      throw batchIssue(file, batch, own, 'of the model (1 or symbolic to set it)');
    shapes.set(name, [batch, ...shape.slice(1)]);
  }
  const model = fromBinary(ModelProtoSchema, readFileSync(file));
  for (const out of model.graph?.output ?? []) {
    const dim = out.type?.value.case === 'tensorType' ? out.type.value.value.shape?.dim[0] : undefined;
    if (dim !== undefined) dim.value = { case: 'dimParam', value: 'batch' };
  }
  const r = importOnnxModel(toBinary(ModelProtoSchema, model), { modelPath: file, inputShapes: shapes });
  return { graph: r.graph, kind: 'onnx', notes: r.notes };
}

/** A bitcycle graph has fixed shapes: `batch` may only restate its own batch. */
function checkGraphBatch(file: string, graph: Graph, batch: number | undefined): void {
  if (batch === undefined) return;
  for (const name of graph.inputs) {
    const own = graph.tensors.get(name)?.shape[0] ?? 1;
    if (own !== batch) throw batchIssue(file, batch, own, 'of the graph (a bitcycle graph has fixed shapes)');
  }
}

/** Load any workload; see the module comment. Bad input throws one InputError. */
export function loadGraph(
  idOrPath: string,
  overrides: Readonly<Record<string, string>> = {},
  opts: LoadWorkloadOptions = {},
): LoadedGraph {
  const kind = workloadKind(idOrPath);
  switch (kind) {
    case 'onnx': {
      noParams(idOrPath, overrides);
      if (!existsSync(idOrPath))
        throw new InputError([
          { path: 'workload', value: JSON.stringify(idOrPath), expected: 'an existing .onnx file' },
        ]);
      if (opts.batch !== undefined) return importOnnxBatch(idOrPath, opts.batch);
      const r = importOnnxFileModel(idOrPath);
      return { graph: r.graph, kind, notes: r.notes };
    }
    case 'tfjs': {
      noParams(idOrPath, overrides);
      const r = readTfjsModelSync(idOrPath, opts.batch === undefined ? {} : { batch: opts.batch });
      return { graph: r.graph, kind, notes: r.notes };
    }
    case 'bitcycle-graph': {
      noParams(idOrPath, overrides);
      const graph = graphFromJson(readFileSync(idOrPath, 'utf8'), idOrPath);
      checkGraphBatch(idOrPath, graph, opts.batch);
      return { graph, kind, notes: [] };
    }
    case 'zoo-or-table':
      return { graph: loadWorkload(idOrPath, overrides, opts), kind, notes: [] };
  }
}
