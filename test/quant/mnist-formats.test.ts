/**
 * Accuracy of the committed MNIST CNN (workloads/mnist) per number format, on its 1000 committed
 * test images (workloads/mnist/test.json), calibrated on its 64 calibration images (calib.json),
 * both read with loadDataset and the model with loadGraph — the paths the CLI takes:
 * - float32 (executed unquantized, and the float32 reference, kernels and TF.js) gets exactly the
 *   top-1 count the README states (976 / 1000);
 * - int8 weights with uint8 activations stay within 1 point of float32;
 * - int2 weights with uint2 activations, and binary weights, lose at least 5 points.
 * The numbers are printed so that they show in CI logs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, type Dataset } from '../../src/graph/import/dataset.js';
import type { Graph } from '../../src/graph/ir.js';
import { loadGraph } from '../../src/graph/load.js';
import { evaluateNumerics, type EvaluateReport, type ReferenceEngine } from '../../src/quant/evaluate.js';
import { calibrate, type InputSet } from '../../src/quant/index.js';
import { packageRoot } from '../../src/units/paths.js';

const dir = join(packageRoot(), 'workloads', 'mnist');
/** Images per input set: divides both the 1000 test and the 64 calibration images. */
const BATCH = 8;

/** The README's float32 count (`**976 / 1000 = 97.6 %**`). */
function readmeCount(): { correct: number; total: number } {
  const m = /\*\*(\d+) \/ (\d+) = [\d.]+ %\*\*/.exec(readFileSync(join(dir, 'README.md'), 'utf8'));
  if (m === null) throw new Error('README.md states no top-1 count');
  return { correct: Number(m[1]), total: Number(m[2]) };
}

function sets(graph: Graph, data: Dataset): InputSet[] {
  const input = graph.inputs[0]!;
  const shape = graph.tensors.get(input)!.shape;
  const per = data.samples[0]!.length;
  const out: InputSet[] = [];
  for (let s = 0; s < data.samples.length; s += BATCH) {
    const x = new Float32Array(BATCH * per);
    for (let b = 0; b < BATCH; b++) x.set(data.samples[s + b]!, b * per);
    out.push(new Map([[input, { shape, data: x }]]));
  }
  return out;
}

const graph = loadGraph(join(dir, 'model.json'), {}, { batch: BATCH }).graph;
const test = loadDataset(join(dir, 'test.json'));
const evaluation = sets(graph, test);
const calibration = calibrate(graph, sets(graph, loadDataset(join(dir, 'calib.json'))));
const referenceCache = new Map<InputSet, ReadonlyMap<string, Float32Array>>();
const stated = readmeCount();

/** Correct top-1 answers out of the 1000 (accuracies are counts / 1000, exact in float64). */
const count = (share: number | null | undefined): number => Math.round((share ?? NaN) * test.samples.length);

async function evaluate(
  label: string,
  quantize?: { weights: string; activations: string },
  reference: ReferenceEngine = 'kernels',
): Promise<EvaluateReport> {
  const started = performance.now();
  const r = await evaluateNumerics({
    graph,
    ...(quantize !== undefined ? { quantize } : {}),
    calibration,
    evaluation,
    labels: test.labels!,
    reference,
    ...(reference === 'kernels' ? { referenceCache } : {}),
  });
  const c = r.classifier!;
  console.log(
    `mnist ${label} (${reference} reference): top-1 ${count(c.top1Accuracy)}/${r.samples} (fp32 ${count(c.fp32Top1Accuracy)}), ` +
      `agreement top-1 ${(100 * c.top1Agreement).toFixed(1)} % top-5 ${(100 * c.top5Agreement).toFixed(1)} %, ` +
      `output SQNR ${r.output.sqnrDb.toFixed(2)} dB, ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return r;
}

describe('MNIST accuracy per format (1000 test images)', () => {
  it('float32: exactly the README count, executed and as the reference', async () => {
    expect(stated.total).toBe(test.samples.length);
    const r = await evaluate('fp32');
    expect(r.samples).toBe(1000);
    expect(count(r.classifier!.fp32Top1Accuracy)).toBe(stated.correct);
    expect(count(r.classifier!.top1Accuracy)).toBe(stated.correct);
    expect(r.classifier!.top1Agreement).toBe(1);
    const tfjs = await evaluate('fp32', undefined, 'tfjs');
    expect(count(tfjs.classifier!.fp32Top1Accuracy)).toBe(stated.correct);
    expect(count(tfjs.classifier!.top1Accuracy)).toBe(stated.correct);
  });

  it('int8 weights, uint8 activations: within 1 point of float32', async () => {
    const r = await evaluate('w int8 / a uint8', { weights: 'int8', activations: 'uint8' });
    expect(count(r.classifier!.fp32Top1Accuracy)).toBe(stated.correct);
    expect(count(r.classifier!.top1Accuracy)).toBeGreaterThanOrEqual(stated.correct - 10);
    expect(count(r.classifier!.top1Accuracy)).toBeLessThanOrEqual(stated.correct + 10);
    expect(r.output.sqnrDb).toBeGreaterThan(20);
  });

  it.each([
    ['int2', 'uint2'],
    ['binary', 'uint8'],
  ])('%s weights, %s activations: at least 5 points below float32', async (weights, activations) => {
    const r = await evaluate(`w ${weights} / a ${activations}`, { weights, activations });
    expect(count(r.classifier!.top1Accuracy)).toBeLessThanOrEqual(stated.correct - 50);
  });
});
