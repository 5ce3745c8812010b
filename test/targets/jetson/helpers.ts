/** In-process runs of the edge targets: the simulate pipeline without the worker pool. */
import { join } from 'node:path';
import { priceRun } from '../../../src/cost/rollup.js';
import { prepareRun, type SimulateRequest } from '../../../src/sim/prepare.js';
import { assembleResult, type SimResult } from '../../../src/sim/result.js';
import { loadHwConfig } from '../../../src/targets/load.js';
import type { JetsonSpec } from '../../../src/targets/jetson/spec.js';
import type { MovidiusSpec } from '../../../src/targets/movidius/spec.js';
import { packageRoot } from '../../../src/units/paths.js';

export const preset = (rel: string): string => join(packageRoot(), 'hw-configs', rel);

/** `simulate` in process: prepare, run every job, price, assemble. */
export function simulate(req: SimulateRequest): SimResult {
  const run = prepareRun(req);
  const layers = run.jobs.map((j) => run.target.runJob(j, run.spec));
  const tech = run.target.technology(run.spec);
  const priced =
    tech === undefined
      ? undefined
      : priceRun(run.target.inventory(run.spec, run.formats), layers, tech, run.target.clockHz(run.spec));
  return assembleResult(run, layers, priced);
}

export function jetsonSpec(rel = 'jetson/agx-xavier-maxn.yaml'): JetsonSpec {
  return loadHwConfig(preset(rel)).spec as JetsonSpec;
}

export function movidiusSpec(rel = 'movidius/ncs.yaml'): MovidiusSpec {
  return loadHwConfig(preset(rel)).spec as MovidiusSpec;
}
