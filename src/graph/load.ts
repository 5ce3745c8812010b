/**
 * One entry point for every kind of workload `--workload` accepts:
 *  - a zoo id (`resnet18`), a layer table (`.json` / `.yaml` `bitcycle-workload/1`), a SCALE-Sim
 *    topology (`.csv`): graph/workload.ts;
 *  - an ONNX model (`.onnx`: float, QDQ, QOperator or QONNX): graph/import/onnx;
 *  - a TensorFlow.js model (`model.json` with `modelTopology`): graph/import/tfjs.ts;
 *  - a bitcycle graph (`.json` with `"format": "bitcycle-graph/1"`): graph/serialize.ts.
 * `batch` sets the batch dimension of imported models (their own batch dim must be 1 or unknown).
 */
import { existsSync, openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError } from '../units/errors.js';
import { importOnnxFileModel } from './import/onnx/index.js';
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

/** Set the batch dim (dim 0) of every graph input of an imported ONNX model. */
function onnxInputShapes(
  bytesFile: string,
  batch: number | undefined,
): ReadonlyMap<string, number[]> | undefined {
  if (batch === undefined) return undefined;
  const probe = importOnnxFileModel(bytesFile).graph;
  return new Map(
    probe.inputs.map((name) => {
      const shape = probe.tensors.get(name)?.shape ?? [];
      return [name, [batch, ...shape.slice(1)]];
    }),
  );
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
      const shapes = onnxInputShapes(idOrPath, opts.batch);
      const r = importOnnxFileModel(idOrPath, shapes === undefined ? {} : { inputShapes: shapes });
      return { graph: r.graph, kind, notes: r.notes };
    }
    case 'tfjs': {
      noParams(idOrPath, overrides);
      const r = readTfjsModelSync(idOrPath, opts.batch === undefined ? {} : { batch: opts.batch });
      return { graph: r.graph, kind, notes: r.notes };
    }
    case 'bitcycle-graph':
      noParams(idOrPath, overrides);
      return { graph: graphFromJson(readFileSync(idOrPath, 'utf8'), idOrPath), kind, notes: [] };
    case 'zoo-or-table':
      return { graph: loadWorkload(idOrPath, overrides, opts), kind, notes: [] };
  }
}
