/**
 * (d) Bounded memory on big layers: ResNet-50's layer1.0.conv2 (56×56×64 → 64, 3×3, pad 1) on the
 * default 32×32 os preset, then on a 16×16 os array (about twice the trace), one after the other:
 * ~200 MB of traces while the process's resident memory grows by a small fixed amount (write
 * buffers, JIT code, GC slack), not with the traces. Also prints the throughput quoted in
 * docs/traces.md (not asserted: speed is measured, not tested):
 *   npx vitest run test/report/traces/large.test.ts
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeSystolicJobTraces } from '../../../src/report/traces/index.js';
import { convView, specOf } from '../../targets/systolic/helpers.js';
import { tempDir } from './helpers.js';

const MB = 1024 * 1024;

describe('traces of large layers', () => {
  const tmp = tempDir();
  afterAll(() => {
    tmp.remove();
  });

  it('stream to disk with bounded memory', async () => {
    const view = convView({ n: 1, c: 64, h: 56, w: 56, cout: 64, kh: 3, kw: 3, stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 });
    const spec = specOf({
      array: { rows: 32, cols: 32, dataflow: 'os' },
      sram: { ifmap_kib: 64, filter_kib: 64, ofmap_kib: 64 },
      dram: { read_bandwidth_bytes_per_cycle: 16, write_bandwidth_bytes_per_cycle: 16, latency_cycles: 100 },
    });
    const job = { name: 'layer1.0.conv2', view, bytes: { ifmap: 1, filter: 1, ofmap: 1, psum: 4 } };
    // warm-up (JIT) on a small layer of the same family, then measure
    const small = convView({ n: 1, c: 16, h: 28, w: 28, cout: 64, kh: 3, kw: 3, stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 });
    await writeSystolicJobTraces(tmp.dir, { ...job, name: 'warmup', view: small }, spec);
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 1);
    let total = 0;
    for (const [label, s] of [
      ['32×32', spec],
      ['16×16', { ...spec, rows: 16, cols: 16 }],
    ] as const) {
      const t0 = performance.now();
      const r = await writeSystolicJobTraces(tmp.dir, { ...job, name: `${job.name}-${label}` }, s);
      const seconds = (performance.now() - t0) / 1000;
      total += r.bytes;
      console.log(
        `traces of ${job.name} (${label} os, ${r.timing.cycles} cycles): ${r.lines} lines, ${(r.bytes / MB).toFixed(1)} MB in ` +
          `${seconds.toFixed(2)} s = ${(r.lines / seconds / 1e6).toFixed(2)} M lines/s, ${(r.bytes / MB / seconds).toFixed(0)} MB/s`,
      );
    }
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    const grow = peak - base;
    console.log(`${(total / MB).toFixed(0)} MB of traces; RSS +${(grow / MB).toFixed(1)} MB`);
    expect(total).toBeGreaterThan(180 * MB);
    expect(grow).toBeLessThan(48 * MB);
  });
});
