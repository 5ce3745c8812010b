/**
 * Speed of the riscv-cluster target's instruction-set simulator: a 16-core conv layer on the cluster
 * model (cores, I-caches, TCDM banks, DMA, barriers) at 8, 4 and 2 bits, in simulated instructions
 * and cluster cycles per second on one thread; and whole networks through `simulate` on one worker.
 */
import { runConvOnCluster } from '../src/targets/riscv-cluster/kernels/cluster-run.js';
import { seededLayer } from '../src/targets/riscv-cluster/index.js';
import type { Bits, ConvShape } from '../src/targets/riscv-cluster/kernels/layout.js';
import { prepareRun } from '../src/sim/prepare.js';
import { runPrepared } from '../src/sim/run.js';

export interface IssThroughput {
  readonly bits: Bits;
  readonly instructions: number;
  readonly cycles: number;
  readonly seconds: number;
}

/** A 3×3 conv, 16×16 output, 64 → 64 channels, on 16 cores; the second of two runs (warm JIT). */
export function clusterIssThroughput(bits: Bits): IssThroughput {
  const c: ConvShape = {
    h: 18,
    w: 18,
    cin: 64,
    cout: 64,
    kh: 3,
    kw: 3,
    stride: 1,
    pads: [1, 1, 1, 1],
    xBits: bits,
    xSigned: false,
    wBits: bits,
    yBits: bits,
    ySigned: false,
  };
  const q = seededLayer(c, 1);
  let last: IssThroughput | undefined;
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const r = runConvOnCluster(q, { cores: 16 });
    const seconds = (performance.now() - t0) / 1000;
    last = {
      bits,
      instructions: r.cores.reduce((s, k) => s + k.instructions, 0),
      cycles: r.cycles,
      seconds,
    };
  }
  return last!;
}

/** One whole network through simulate on one worker thread (inline), wall time included. */
export async function clusterNetwork(
  hw: string,
  workload: string,
  format: string,
): Promise<{
  seconds: number;
  cycles: number;
  issInstructions: number;
  coreLayers: number;
  rbeLayers: number;
}> {
  const t0 = performance.now();
  const run = prepareRun({ hw, workload, formats: { format } });
  const r = await runPrepared(run, { hw, workers: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const engines = r.layers.map((l) => l.engine);
  return {
    seconds,
    cycles: r.totals.cycles,
    issInstructions: r.layers.reduce(
      (s, l) => s + (typeof l.issInstructions === 'number' ? l.issInstructions : 0),
      0,
    ),
    coreLayers: engines.filter((e) => e === 'cores').length,
    rbeLayers: engines.filter((e) => e === 'rbe').length,
  };
}
