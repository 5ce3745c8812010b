/**
 * The numerical-error column of compare-formats: one graph, many formats. The float graph is
 * materialized, calibrated and run in float32 once; each format is then quantized (same method,
 * same calibration) and executed bit-accurately with its accumulator.
 */
import type { Graph } from '../graph/ir.js';
import type { NumericalError } from '../numerics/types.js';
import { calibrate } from './calibrate.js';
import { evaluateNumerics, type ReferenceEngine } from './evaluate.js';
import { DEFAULT_SEED, materializeParameters } from './materialize.js';
import type { RangeMethod } from './range.js';
import type { InputSet } from './run.js';

export interface FormatTriple {
  readonly weights: string;
  readonly activations: string;
  readonly accumulator: string;
}

export interface FormatErrorRequest {
  readonly graph: Graph;
  readonly formats: readonly FormatTriple[];
  readonly calibration: readonly InputSet[];
  readonly evaluation: readonly InputSet[];
  readonly labels?: Int32Array;
  /** Describes the evaluation data in the result. */
  readonly data: string;
  readonly method?: RangeMethod;
  readonly reference?: ReferenceEngine;
  readonly seed?: number;
}

export async function formatErrors(req: FormatErrorRequest): Promise<NumericalError[]> {
  const seed = req.seed ?? DEFAULT_SEED;
  const graph = materializeParameters(req.graph, seed);
  const calibration = calibrate(graph, req.calibration);
  const referenceCache = new Map<InputSet, ReadonlyMap<string, Float32Array>>();
  const out: NumericalError[] = [];
  for (const f of req.formats) {
    const r = await evaluateNumerics({
      graph,
      quantize: {
        weights: f.weights,
        activations: f.activations,
        accumulator: f.accumulator,
        ...(req.method !== undefined ? { method: req.method } : {}),
      },
      calibration,
      evaluation: req.evaluation,
      ...(req.labels !== undefined ? { labels: req.labels } : {}),
      exec: { accumulator: f.accumulator },
      ...(req.reference !== undefined ? { reference: req.reference } : {}),
      seed,
      referenceCache,
    });
    let worst = r.layers[0];
    for (const l of r.layers) if (worst === undefined || l.sqnrDb < worst.sqnrDb) worst = l;
    out.push({
      outputSqnrDb: r.output.sqnrDb,
      outputMaxAbsError: r.output.maxAbsError,
      worstLayer: worst?.node ?? '',
      worstLayerSqnrDb: worst?.sqnrDb ?? Infinity,
      samples: r.samples,
      data: req.data,
      top1Agreement: r.classifier?.top1Agreement ?? null,
      top1Accuracy: r.classifier?.top1Accuracy ?? null,
      fp32Top1Accuracy: r.classifier?.fp32Top1Accuracy ?? null,
    });
  }
  return out;
}
