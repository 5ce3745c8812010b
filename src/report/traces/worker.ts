/**
 * Piscina worker for `--trace`: writes one layer's six trace files (streaming, bounded memory).
 * Layers are independent, so their traces are written in parallel, one layer per thread.
 */
import { writeSystolicJobTraces } from './index.js';
import type { SystolicJob } from '../../targets/systolic/index.js';
import type { SystolicSpec } from '../../targets/systolic/spec.js';

export interface TraceTask {
  readonly dir: string;
  readonly job: Extract<SystolicJob, { kind: 'gemm' }>;
  readonly spec: SystolicSpec;
}

export async function writeTraceTask(task: TraceTask): Promise<{ lines: number; bytes: number }> {
  const s = await writeSystolicJobTraces(task.dir, task.job, task.spec);
  return { lines: s.lines, bytes: s.bytes };
}

export default writeTraceTask;
