/**
 * Run a sweep inline (no worker threads) and print the live heap after a full GC every 2,000
 * points, as JSON lines: what a sweep retains per point. Run by bench/run.ts as
 * `node --expose-gc dist/bench/sweep-heap.js <spec> <out>`.
 */
import { runSweep } from '../src/dse/run.js';
import { loadSweepSpec } from '../src/dse/spec.js';

const [spec, out] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (spec === undefined || out === undefined || gc === undefined)
  throw new Error('usage: node --expose-gc sweep-heap.js <spec> <out>');
await runSweep(loadSweepSpec(spec), {
  outDir: out,
  workers: 0,
  onProgress: (p) => {
    if (p.done > 0 && p.done % 2000 === 0) {
      gc();
      console.log(JSON.stringify({ points: p.done, heapMib: process.memoryUsage().heapUsed / 2 ** 20 }));
    }
  },
});
