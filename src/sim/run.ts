/**
 * Run a prepared simulation: every layer's job on the worker pool, refusals turned into one
 * InputError naming the hardware file's field, then priced (when the preset gives a technology) and
 * assembled into the result object. Shared by `simulate` and `regress`.
 */
import { priceRun } from '../cost/rollup.js';
import { scaleSimCfgIssue } from '../targets/systolic/scalesim-cfg.js';
import type { LayerResult } from '../targets/types.js';
import { InputError, type InputIssue } from '../units/errors.js';
import { runTasks } from './pool.js';
import type { PreparedRun } from './prepare.js';
import { assembleResult, type SimResult } from './result.js';

export interface RunOptions {
  /** The hardware file (`--hw` or a SCALE-Sim .cfg), named in refusal messages. */
  readonly hw: string;
  readonly workers: number;
  /** How a refused layer is named in messages (default `layer <name>`). */
  readonly layerLabel?: (layer: string) => string;
}

/** One message per distinct problem (many layers usually hit the same limit). */
export function dedupeIssues(issues: readonly InputIssue[]): InputIssue[] {
  return [...new Map(issues.map((i) => [`${i.path}|${i.value}`, i] as const)).values()];
}

export async function runPrepared(run: PreparedRun, opts: RunOptions): Promise<SimResult> {
  const results = await runTasks(
    run.jobs.map((job) => ({ targetId: run.target.id, spec: run.spec, job })),
    opts.workers,
  );
  const label = opts.layerLabel ?? ((layer: string) => `layer ${layer}`);
  const refused: InputIssue[] = [];
  const layers: LayerResult[] = [];
  results.forEach((r, i) => {
    if ('refused' in r) {
      const name = run.graph.nodes[i]?.name ?? `#${i}`;
      // a SCALE-Sim .cfg names its fields its own way
      const issue = opts.hw.toLowerCase().endsWith('.cfg')
        ? scaleSimCfgIssue(r, opts.hw)
        : { file: opts.hw, path: r.field, value: r.value, expected: r.expected };
      refused.push({ ...issue, expected: `${issue.expected} (to run ${label(name)})` });
    } else layers.push(r);
  });
  if (refused.length > 0) throw new InputError(dedupeIssues(refused));
  const tech = run.target.technology(run.spec);
  const priced =
    tech === undefined
      ? undefined
      : priceRun(run.target.inventory(run.spec, run.formats), layers, tech, run.target.clockHz(run.spec));
  return assembleResult(run, layers, priced);
}
