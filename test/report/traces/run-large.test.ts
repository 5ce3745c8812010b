/**
 * Bounded memory of the whole-run traces: ResNet-18 on an 8×8 os array (the default preset's SRAMs
 * and DRAM, 16× the folds of the 32×32 default), VCD then Perfetto, written after one warm-up run on
 * a small network: the process's resident memory grows by a small fixed amount (write buffers, one
 * layer's plan and timeline, JIT code, GC slack), not with the tens of MB of traces. Also prints the
 * sizes and times quoted in docs/traces.md (measured, not asserted):
 *   npx vitest run test/report/traces/run-large.test.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeRunTrace } from '../../../src/report/traces/index.js';
import { runTraceInput } from '../../../src/report/traces/run.js';
import { TraceFile } from '../../../src/report/traces/sink.js';
import { prepareRun } from '../../../src/sim/prepare.js';
import { runPrepared } from '../../../src/sim/run.js';
import { packageRoot } from '../../../src/units/paths.js';

const MB = 1024 * 1024;
const root = mkdtempSync(join(tmpdir(), 'bitcycle-runtrace-large-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

async function prepared(workload: string, rows: number) {
  const hw = join(packageRoot(), 'hw-configs', 'systolic', 'default.yaml');
  const doc = parse(readFileSync(hw, 'utf8')) as { array: { rows: number; cols: number } };
  doc.array.rows = rows;
  doc.array.cols = rows;
  const run = prepareRun({ hw, hwDocument: doc, workload, formats: { format: 'int8' } });
  const result = await runPrepared(run, { hw, workers: 1 });
  return runTraceInput(run, result);
}

describe('whole-run traces of a large run', () => {
  it('stream to disk with bounded memory', async () => {
    const warm = await prepared('squeezenet1_1', 32);
    for (const f of ['vcd', 'perfetto'] as const) await writeRunTrace(join(root, 'warm'), f, warm);
    const input = await prepared('resnet18', 8);
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 1);
    let bytes = 0;
    for (const f of ['vcd', 'perfetto'] as const) {
      const t0 = performance.now();
      const s = await writeRunTrace(join(root, f), f, input);
      const seconds = (performance.now() - t0) / 1000;
      bytes += s.bytes;
      console.log(
        `${f} of resnet18 on 8×8 os (${s.cycles} cycles, ${s.layers} layers): ${s.lines} lines, ` +
          `${(s.bytes / MB).toFixed(1)} MB in ${seconds.toFixed(2)} s (${(s.bytes / MB / seconds).toFixed(0)} MB/s)`,
      );
    }
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    const grow = peak - base;
    console.log(`${(bytes / MB).toFixed(0)} MB of traces; RSS +${(grow / MB).toFixed(1)} MB`);
    expect(bytes).toBeGreaterThan(40 * MB);
    expect(grow).toBeLessThan(48 * MB);
  });

  it('a record never outgrows the write buffer: it throws instead of being cut', async () => {
    const file = await TraceFile.create(join(root, 'small.txt'), 64, 32);
    try {
      file.ascii('x'.repeat(64));
      expect(() => {
        file.ascii('y'.repeat(200));
      }).toThrow(/does not fit the write buffer/);
    } finally {
      await file.abort();
    }
  });
});
