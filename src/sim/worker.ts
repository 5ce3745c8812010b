/**
 * The piscina worker: one task = one job of one target. Pure: the same task always gives the same
 * result, so layers can run on any worker in any order.
 */
import { findTarget } from '../targets/registry.js';
import type { LayerResult } from '../targets/types.js';
import { TargetConfigError } from '../targets/errors.js';

export interface SimTask {
  readonly targetId: string;
  readonly spec: unknown;
  readonly job: unknown;
}

/** A job that the configuration cannot run (e.g. an SRAM too small for one fold). */
export interface TaskRefusal {
  readonly refused: true;
  readonly field: string;
  readonly value: string;
  readonly expected: string;
}

export function runTask(task: SimTask): LayerResult | TaskRefusal {
  const target = findTarget(task.targetId);
  if (target === undefined) throw new Error(`unknown target ${task.targetId}`);
  try {
    return target.runJob(task.job, task.spec);
  } catch (e) {
    if (e instanceof TargetConfigError)
      return { refused: true, field: e.field, value: e.value, expected: e.expected };
    throw e;
  }
}

export default runTask;
