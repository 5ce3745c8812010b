/**
 * Calibration: run the float32 graph on a small input set and keep, for every activation tensor
 * (graph inputs and node outputs), its exact min / max and its values — all of them, or a
 * deterministic stride sample of at most `maxSamples` over all inputs — for the percentile and MMSE
 * range pickers. The float outputs are kept as the reference of later error measurements.
 */
import { runReference } from '../graph/analyze.js';
import type { FloatTensor, Graph, TensorInfo } from '../graph/ir.js';
import type { InputSet } from './run.js';
import { concat, everyKth, extent } from './stats.js';

export interface TensorStats {
  readonly min: number;
  readonly max: number;
  readonly absMax: number;
  /** Elements seen over all inputs. */
  readonly count: number;
  /** The values (all, or every k-th of each input's tensor). */
  readonly sample: Float32Array;
}

export interface Calibration {
  readonly kind: 'calibration';
  readonly inputs: readonly InputSet[];
  readonly stats: ReadonlyMap<string, TensorStats>;
  /** Float32 outputs of the graph, one map per input set. */
  readonly reference: readonly ReadonlyMap<string, Float32Array>[];
}

export interface CalibrateOptions {
  /** Most values kept per tensor (default 2^18). */
  readonly maxSamples?: number;
}

export const DEFAULT_MAX_SAMPLES = 1 << 18;

function noParameterData(info: TensorInfo): FloatTensor {
  throw new RangeError(`tensor ${info.name} has no data (materializeParameters gives parameters values)`);
}

/** The graph outputs of the float32 reference run (QuantSpecs ignored). */
export function floatOutputs(graph: Graph, input: InputSet): Map<string, Float32Array> {
  const values = runReference(graph, input, noParameterData);
  return new Map(graph.outputs.map((name) => [name, values.get(name)!.data]));
}

/** Float runs of a graph whose parameters all have data. */
export function calibrate(
  graph: Graph,
  inputs: readonly InputSet[],
  opts: CalibrateOptions = {},
): Calibration {
  if (inputs.length === 0) throw new RangeError('calibration needs at least one input set');
  const maxSamples = opts.maxSamples ?? DEFAULT_MAX_SAMPLES;
  const parts = new Map<string, Float32Array[]>();
  const extents = new Map<string, { min: number; max: number; count: number }>();
  const reference: Map<string, Float32Array>[] = [];
  for (const input of inputs) {
    const values = runReference(graph, input, noParameterData);
    for (const [name, t] of values) {
      const k = Math.ceil((t.data.length * inputs.length) / maxSamples);
      const list = parts.get(name) ?? [];
      list.push(k <= 1 ? t.data : everyKth(t.data, k));
      parts.set(name, list);
      const e = extent(t.data);
      const prev = extents.get(name);
      extents.set(
        name,
        prev === undefined
          ? { min: e.min, max: e.max, count: t.data.length }
          : {
              min: Math.min(prev.min, e.min),
              max: Math.max(prev.max, e.max),
              count: prev.count + t.data.length,
            },
      );
    }
    reference.push(new Map(graph.outputs.map((name) => [name, values.get(name)!.data])));
  }
  const stats = new Map<string, TensorStats>();
  for (const [name, list] of parts) {
    const e = extents.get(name)!;
    stats.set(name, {
      min: e.min,
      max: e.max,
      absMax: Math.max(Math.abs(e.min), Math.abs(e.max)),
      count: e.count,
      sample: concat(list),
    });
  }
  return { kind: 'calibration', inputs, stats, reference };
}
