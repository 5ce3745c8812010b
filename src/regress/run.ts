/**
 * Run every case of a suite the way `simulate` does (prepare, layers on the worker pool, price,
 * assemble), cases one after another in suite order.
 */
import { prepareRun } from '../sim/prepare.js';
import type { SimResult } from '../sim/result.js';
import { runPrepared } from '../sim/run.js';
import { storedMetrics, type StoredMetrics } from './metrics.js';
import type { Suite, SuiteCase } from './suite.js';

export async function runCase(c: SuiteCase, workers: number): Promise<SimResult> {
  const run = prepareRun({
    hw: c.hw,
    workload: c.workload,
    params: c.params,
    batch: c.batch,
    formats: c.format === undefined ? {} : { format: c.format },
    engine: 'event',
    presetFlags: c.presetFlags,
  });
  return runPrepared(run, { hw: c.hw, workers, layerLabel: (layer) => `layer ${layer} of case "${c.name}"` });
}

/** Metrics of every case, in suite order. */
export async function runSuite(
  suite: Suite,
  workers: number,
  onCase?: (c: SuiteCase, i: number) => void,
): Promise<Map<string, StoredMetrics>> {
  const out = new Map<string, StoredMetrics>();
  for (const [i, c] of suite.cases.entries()) {
    onCase?.(c, i);
    out.set(c.name, storedMetrics(await runCase(c, workers)));
  }
  return out;
}
