/** Layer traces written in parallel: one layer per worker thread (layers are independent). */
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { packageRoot } from '../../units/paths.js';
import { writeTraceTask, type TraceTask } from './worker.js';

/** Write layer traces on `workers` threads (inline for one worker or one layer). */
export async function runTraceTasks(
  tasks: readonly TraceTask[],
  workers: number,
): Promise<{ lines: number; bytes: number }[]> {
  if (workers <= 1 || tasks.length <= 1) {
    const out: { lines: number; bytes: number }[] = [];
    for (const t of tasks) out.push(await writeTraceTask(t));
    return out;
  }
  const pool = new Piscina({
    filename: join(packageRoot(), 'dist', 'src', 'report', 'traces', 'worker.js'),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 100,
  });
  try {
    return await Promise.all(tasks.map((t) => pool.run(t) as Promise<{ lines: number; bytes: number }>));
  } finally {
    await pool.destroy();
  }
}
