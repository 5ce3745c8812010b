/**
 * Run every case of a suite the way `simulate` does (prepare, layers on the worker pool, price,
 * assemble), cases one after another in suite order.
 */
import { priceRun } from '../cost/rollup.js';
import { prepareRun, type PreparedRun } from '../sim/prepare.js';
import { runTasks } from '../sim/pool.js';
import { assembleResult, type SimResult } from '../sim/result.js';
import { scaleSimCfgIssue } from '../targets/systolic/scalesim-cfg.js';
import type { LayerResult } from '../targets/types.js';
import { InputError, type InputIssue } from '../units/errors.js';
import { storedMetrics, type StoredMetrics } from './metrics.js';
import type { Suite, SuiteCase } from './suite.js';

function refusalIssue(
  r: { readonly field: string; readonly value: string; readonly expected: string },
  c: SuiteCase,
  layer: string,
): InputIssue {
  const issue = c.hw.toLowerCase().endsWith('.cfg')
    ? scaleSimCfgIssue(r, c.hw)
    : { file: c.hw, path: r.field, value: r.value, expected: r.expected };
  return { ...issue, expected: `${issue.expected} (to run layer ${layer} of case "${c.name}")` };
}

function priced(run: PreparedRun, layers: readonly LayerResult[]): SimResult {
  const tech = run.target.technology(run.spec);
  const p =
    tech === undefined
      ? undefined
      : priceRun(run.target.inventory(run.spec, run.formats), layers, tech, run.target.clockHz(run.spec));
  return assembleResult(run, layers, p);
}

/** One message per distinct problem (many layers usually hit the same limit). */
function dedupe(issues: readonly InputIssue[]): InputIssue[] {
  return [...new Map(issues.map((i) => [`${i.path}|${i.value}`, i] as const)).values()];
}

export async function runCase(c: SuiteCase, workers: number): Promise<SimResult> {
  const run = prepareRun({
    hw: c.hw,
    workload: c.workload,
    params: c.params,
    batch: c.batch,
    formats: c.format === undefined ? {} : { format: c.format },
    engine: 'event',
  });
  const results = await runTasks(
    run.jobs.map((job) => ({ targetId: run.target.id, spec: run.spec, job })),
    workers,
  );
  const layers: LayerResult[] = [];
  const refused: InputIssue[] = [];
  results.forEach((r, i) => {
    if ('refused' in r) refused.push(refusalIssue(r, c, run.graph.nodes[i]?.name ?? `#${i}`));
    else layers.push(r);
  });
  if (refused.length > 0) throw new InputError(dedupe(refused));
  return priced(run, layers);
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
