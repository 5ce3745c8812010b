/**
 * Runs a prepared run's jobs, inline or on a piscina pool of worker threads, and returns the
 * results in job order (so 1 worker and N workers give identical results).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { LayerResult } from '../targets/types.js';
import { packageRoot } from '../units/paths.js';
import { runTask, type SimTask, type TaskRefusal } from './worker.js';

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** The built worker (dist/); the pool needs JavaScript, so runs from a checkout need `npm run build`. */
export function workerFile(): string {
  return join(packageRoot(), 'dist', 'src', 'sim', 'worker.js');
}

/**
 * Run tasks; `workers` 0 runs inline on this thread (library use, tiny runs), ≥ 1 uses that many
 * worker threads.
 */
export async function runTasks(
  tasks: readonly SimTask[],
  workers: number,
): Promise<(LayerResult | TaskRefusal)[]> {
  if (workers === 0 || tasks.length <= 1) return tasks.map(runTask);
  const pool = new Piscina({
    filename: workerFile(),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 100,
  });
  try {
    return await Promise.all(tasks.map((t) => pool.run(t) as Promise<LayerResult | TaskRefusal>));
  } finally {
    await pool.destroy();
  }
}
