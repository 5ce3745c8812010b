/**
 * Input sets for calibration and evaluation: from a dataset (graph/import/dataset.ts), grouped by
 * the graph's batch size, or seeded N(0, 1) tensors when there is no data.
 */
import { loadDataset, type Dataset } from '../graph/import/dataset.js';
import { elementCount, type Graph } from '../graph/ir.js';
import { InputError } from '../units/errors.js';
import { DEFAULT_SEED, seededInputs } from './materialize.js';
import type { InputSet } from './run.js';

export interface Samples {
  readonly sets: InputSet[];
  /** Labels of the samples used, in order, when the dataset has them. */
  readonly labels?: Int32Array;
  /** What the data is, for reports. */
  readonly description: string;
}

/**
 * Up to `count` samples of the dataset (default all) as input sets of the graph's single input,
 * `batch` samples per set (the graph's batch dim); a trailing partial batch is dropped.
 */
export function datasetSets(graph: Graph, data: Dataset, count?: number): Samples {
  const input = graph.inputs[0];
  const shape = input === undefined ? undefined : graph.tensors.get(input)?.shape;
  if (graph.inputs.length !== 1 || shape === undefined || shape.length === 0) {
    throw new InputError([
      {
        file: data.file,
        path: '(dataset)',
        value: `${graph.inputs.length} graph inputs`,
        expected: 'a graph with one input (datasets feed one tensor)',
      },
    ]);
  }
  const per = elementCount(shape.slice(1));
  const want = elementCount(data.sampleShape);
  if (per !== want) {
    throw new InputError([
      {
        file: data.file,
        path: 'inputs',
        value: `samples of shape [${data.sampleShape.join(', ')}]`,
        expected: `samples of the model input's shape [${shape.slice(1).join(', ')}] (${per} values)`,
      },
    ]);
  }
  const batch = shape[0]!;
  const n = Math.min(count ?? data.samples.length, data.samples.length);
  const sets: InputSet[] = [];
  for (let s = 0; s + batch <= n; s += batch) {
    const x = new Float32Array(batch * per);
    for (let b = 0; b < batch; b++) x.set(data.samples[s + b]!, b * per);
    sets.push(new Map([[input!, { shape, data: x }]]));
  }
  const used = sets.length * batch;
  return {
    sets,
    ...(data.labels !== undefined ? { labels: data.labels.slice(0, used) } : {}),
    description: `${data.file} (${used} samples)`,
  };
}

/** Calibration samples taken from a calibration dataset (compare-formats, sweeps). */
export const CALIBRATION_SAMPLES = 64;

/**
 * Calibration and evaluation sets of a numerical-error measurement: from dataset manifests when
 * given, else seeded N(0, 1) inputs (2 for calibration, `evalCount` or 1 for evaluation).
 */
export function numericsSamples(
  graph: Graph,
  opts: {
    readonly data?: string | undefined;
    readonly calib?: string | undefined;
    readonly evalCount?: number | undefined;
  },
): { readonly calibration: Samples; readonly evaluation: Samples } {
  return {
    calibration:
      opts.calib !== undefined
        ? datasetSets(graph, loadDataset(opts.calib), CALIBRATION_SAMPLES)
        : seededSets(graph, 2, DEFAULT_SEED),
    evaluation:
      opts.data !== undefined
        ? datasetSets(graph, loadDataset(opts.data), opts.evalCount)
        : seededSets(graph, opts.evalCount ?? 1, DEFAULT_SEED + 1),
  };
}

/** `count` seeded N(0, 1) input sets. */
export function seededSets(graph: Graph, count: number, seed: number): Samples {
  return {
    sets: seededInputs(graph, count, seed),
    description: `seeded N(0,1), ${count} input sets, seed ${seed}`,
  };
}
