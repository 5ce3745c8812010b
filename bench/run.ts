/**
 * `npm run bench`: performance figures for the README (not timed tests). Each figure is the median
 * of a few runs on this machine, one thread unless stated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { macArithmetic } from '../src/formats/arith.js';
import { analyzeGraph } from '../src/graph/analyze.js';
import { loadWorkload } from '../src/graph/workload.js';
import { gemmView } from '../src/mapping/gemm.js';
import { prepareRun } from '../src/sim/prepare.js';
import { runTasks } from '../src/sim/pool.js';
import { buildPlan } from '../src/targets/systolic/plan.js';
import { runReference } from '../src/targets/systolic/reference.js';
import { fromYaml, type SystolicSpec } from '../src/targets/systolic/spec.js';
import type { LayerResult } from '../src/targets/types.js';
import type { SystolicJob } from '../src/targets/systolic/index.js';
import { writeSystolicJobTraces } from '../src/report/traces/index.js';
import { packageRoot } from '../src/units/paths.js';
import { Rng } from '../src/units/index.js';
import { tensorError, topKAgreement } from '../src/numerics/compare.js';
import { executeGraph } from '../src/numerics/execute.js';
import { int8Network } from './numerics-fixture.js';
import { gridSpec, liveHeap, sweepProcess } from './sweep.js';
import { clusterIssThroughput, clusterNetwork } from './riscv-cluster.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Median of `runs` timings, and the first (cold: JIT not yet warm) run on its own. */
async function timeIt<T>(
  runs: number,
  f: () => Promise<T> | T,
): Promise<{ ms: number; firstMs: number; value: T }> {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = await f();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), firstMs: times[0] ?? NaN, value };
}

function systolicYaml(rows: number, cols: number): string {
  return join(packageRoot(), 'bench', 'configs', `systolic-${rows}x${cols}.yaml`);
}

async function eventEngine(
  workload: string,
  hw: string,
  workers: number,
): Promise<{ ms: number; firstMs: number; cycles: number; layers: number }> {
  const run = prepareRun({ hw, workload });
  const tasks = run.jobs.map((job) => ({ targetId: run.target.id, spec: run.spec, job }));
  const r = await timeIt(5, () => runTasks(tasks, workers));
  const cycles = (r.value as LayerResult[]).reduce((s, l) => s + l.cycles, 0);
  return { ms: r.ms, firstMs: r.firstMs, cycles, layers: tasks.length };
}

function stepperThroughput(): { peCyclesPerS: number; cycles: number; pes: number } {
  // a ResNet-18 layer3 3×3 conv slice: 14×14×64 → 64 on a 16×16 weight-stationary array, int8 values
  const spec: SystolicSpec = fromYaml({
    target: 'systolic',
    name: 'bench',
    clock_mhz: 1000,
    array: { rows: 16, cols: 16, dataflow: 'ws' },
    sram: { ifmap_kib: 64, filter_kib: 64, ofmap_kib: 64 },
    dram: { read_bandwidth_bytes_per_cycle: 16, write_bandwidth_bytes_per_cycle: 16, latency_cycles: 20 },
    conventions: 'bitcycle',
    offsets: { ifmap: 0, filter: 10_000_000, ofmap: 20_000_000 },
  });
  const node = {
    name: 'conv',
    op: 'conv2d' as const,
    inputs: ['x', 'w'],
    outputs: ['y'],
    attrs: {
      outChannels: 64,
      kernel: [3, 3] as const,
      stride: [1, 1] as const,
      pads: [1, 1, 1, 1] as const,
      dilation: [1, 1] as const,
      groups: 1,
    },
  };
  const view = gemmView(
    node,
    [
      [1, 64, 14, 14],
      [64, 64, 3, 3],
    ],
    [[1, 64, 14, 14]],
  )!;
  const plan = buildPlan(view, spec, { ifmap: 1, filter: 1, ofmap: 1, psum: 4 });
  const rng = new Rng(1);
  const a = Float64Array.from({ length: 14 * 14 * 576 }, () => rng.int(-128, 127));
  const b = Float64Array.from({ length: 576 * 64 }, () => rng.int(-128, 127));
  const operands = {
    a: (_s: number, m: number, k: number) => a[m * 576 + k]!,
    b: (_s: number, k: number, n: number) => b[n * 576 + k]!,
  };
  const shapes = new Map([[0, { m: 196, n: 64 }]]);
  const times: number[] = [];
  let cycles = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = runReference(plan, spec, {
      operands,
      arithmetic: macArithmetic('int32'),
      outputShapes: shapes,
    });
    times.push(performance.now() - t0);
    cycles = r.cycles;
  }
  const pes = spec.rows * spec.cols;
  return { peCyclesPerS: (pes * cycles) / (median(times) / 1000), cycles, pes };
}

/** Stream the traces of one ResNet-50 3×3 layer (all six files) and measure speed and memory. */
async function traceThroughput(): Promise<{
  mbPerS: number;
  lines: number;
  mb: number;
  rssGrowthMb: number;
}> {
  const run = prepareRun({ hw: systolicYaml(32, 32), workload: 'resnet50' });
  const job = (run.jobs as SystolicJob[]).find((j) => j.kind === 'gemm' && j.name === 'layer1.0.conv2');
  if (job?.kind !== 'gemm') throw new Error('layer1.0.conv2 not found');
  const dir = mkdtempSync(join(tmpdir(), 'bitcycle-bench-trace-'));
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const s = await writeSystolicJobTraces(dir, job, run.spec as SystolicSpec);
  const ms = performance.now() - t0;
  const rssGrowthMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
  rmSync(dir, { recursive: true, force: true });
  return { mbPerS: s.bytes / 2 ** 20 / (ms / 1000), lines: s.lines, mb: s.bytes / 2 ** 20, rssGrowthMb };
}

/** The bit-accurate executor on int8 ResNet-18 (seeded weights, BN folded, min-max calibrated). */
async function executorThroughput(): Promise<{
  setupMs: number;
  firstMs: number;
  ms: number;
  macs: number;
  sqnrDb: number;
  top5: number;
}> {
  const t0 = performance.now();
  const net = int8Network('resnet18');
  const setupMs = performance.now() - t0;
  const inputs = new Map([[net.graph.inputs[0]!, { real: net.input }]]);
  const r = await timeIt(3, () => executeGraph(net.graph, inputs));
  const logits = r.value.get(net.logits)!.real;
  return {
    setupMs,
    firstMs: r.firstMs,
    ms: r.ms,
    macs: net.macs,
    sqnrDb: tensorError(net.logits, net.referenceLogits, logits).sqnrDb,
    top5: topKAgreement(net.referenceLogits, logits, 1, logits.length, 5),
  };
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`bitcycle bench — node ${process.version}, ${availableParallelism()} cores (${cpu})`);
  console.log('');
  const r50 = analyzeGraph(loadWorkload('resnet50')).totals.macs;
  console.log(
    `systolic E (event engine), ResNet-50 (${(r50 / 1e9).toFixed(2)} GMACs, all layers), 64 KiB SRAMs, 16 B/cycle DRAM, 1 worker thread inline:`,
  );
  for (const [r, c] of [
    [32, 32],
    [8, 8],
  ] as const) {
    const e = await eventEngine('resnet50', systolicYaml(r, c), 0);
    console.log(
      `  ${r}×${c} os: ${e.firstMs.toFixed(0)} ms first run, ${e.ms.toFixed(0)} ms warm (median of 5), ${e.layers} layers, ${e.cycles.toLocaleString('en-US')} simulated cycles`,
    );
  }
  const r18a = await eventEngine('resnet18', systolicYaml(32, 32), 0);
  console.log(
    `  ResNet-18, 32×32 os: ${r18a.ms.toFixed(0)} ms, ${r18a.cycles.toLocaleString('en-US')} cycles (SCALE-Sim v2: 4 min 17 s, reference/scalesim.md §3)`,
  );
  const two = await eventEngine('resnet50', systolicYaml(8, 8), 2);
  console.log(
    `  ResNet-50, 8×8 os on a fresh 2-thread piscina pool (pool start-up included): ${two.ms.toFixed(0)} ms, ${two.cycles.toLocaleString('en-US')} cycles (same as 1 thread)`,
  );
  console.log('');
  const st = stepperThroughput();
  console.log(
    `systolic R (reference stepper, every PE every cycle, int8 values): ${(st.peCyclesPerS / 1e6).toFixed(1)} M PE-cycles/s (${st.pes} PEs × ${st.cycles.toLocaleString('en-US')} cycles)`,
  );
  const ex = await executorThroughput();
  console.log(
    `numerics executor, int8 ResNet-18 224×224 batch 1 (${(ex.macs / 1e9).toFixed(2)} GMACs, int32 accumulators, float requantization): ${ex.firstMs.toFixed(0)} ms first run, ${ex.ms.toFixed(0)} ms warm (median of 3), ${(ex.macs / (ex.ms / 1000) / 1e9).toFixed(2)} GMAC/s; logits vs fp32 SQNR ${ex.sqnrDb.toFixed(1)} dB, fp32 top-1 in int8 top-5: ${ex.top5 === 1 ? 'yes' : 'no'} (fixture: seeded weights, BN folded, min-max calibration, ${(ex.setupMs / 1000).toFixed(1)} s)`,
  );
  const tr = await traceThroughput();
  console.log(
    `traces (--trace), ResNet-50 layer1.0.conv2 on 32×32, six files: ${tr.lines.toLocaleString('en-US')} lines, ${tr.mb.toFixed(0)} MiB at ${tr.mbPerS.toFixed(0)} MiB/s, RSS grew ${tr.rssGrowthMb.toFixed(0)} MiB`,
  );
  console.log('');
  const example = join(packageRoot(), 'hw-configs', 'sweeps', 'systolic-format-area.yaml');
  console.log(
    'bitcycle sweep, hw-configs/sweeps/systolic-format-area.yaml (ResNet-18, 120 points), child process, start-up included:',
  );
  for (const workers of [1, 2]) {
    const s = await sweepProcess(example, workers);
    console.log(
      `  ${workers} worker thread(s): ${s.seconds.toFixed(1)} s, ${((60 * s.total) / s.seconds).toFixed(0)} design points/min, peak RSS ${s.peakRssMib.toFixed(0)} MiB`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'bitcycle-bench-specs-'));
  console.log('bitcycle sweep, rows × cols grid on one 3×3 conv layer, 2 worker threads:');
  for (const side of [32, 100]) {
    const s = await sweepProcess(gridSpec(dir, side), 2);
    console.log(
      `  ${s.total.toLocaleString('en-US')} points: ${s.seconds.toFixed(1)} s, ${((60 * s.total) / s.seconds).toFixed(0)} points/min, peak RSS ${s.peakRssMib.toFixed(0)} MiB`,
    );
  }
  const heap = liveHeap(gridSpec(dir, 100));
  console.log(
    `  the same 10,000 points inline, live heap after a full GC: ${heap.map((h) => `${h.heapMib.toFixed(1)} MiB at ${h.points.toLocaleString('en-US')}`).join(', ')}`,
  );
  rmSync(dir, { recursive: true, force: true });
  console.log('');
  console.log(
    'riscv-cluster ISS: 3×3 conv 16×16×64 → 64 on 16 cores of the cluster model (I-caches, TCDM banks, DMA, barriers), one thread, warm:',
  );
  for (const bits of [8, 4, 2] as const) {
    const t = clusterIssThroughput(bits);
    console.log(
      `  ${bits}-bit: ${(t.instructions / t.seconds / 1e6).toFixed(2)} M instructions/s, ${(t.cycles / t.seconds / 1e3).toFixed(0)} k cluster cycles/s (${t.instructions.toLocaleString('en-US')} instructions, ${t.cycles.toLocaleString('en-US')} cycles in ${t.seconds.toFixed(2)} s)`,
    );
  }
  const marsellus = join(packageRoot(), 'hw-configs', 'riscv-cluster', 'marsellus.yaml');
  const mnist = join(packageRoot(), 'workloads', 'mnist', 'model.json');
  for (const format of ['w8a8', 'w4a4', 'w2a2']) {
    const n = await clusterNetwork(marsellus, mnist, format);
    console.log(
      `  MNIST CNN ${format} through simulate, one worker: ${n.seconds.toFixed(1)} s (${n.coreLayers} core layers, ${n.rbeLayers} RBE layers, ${n.issInstructions.toLocaleString('en-US')} ISS instructions, ${n.cycles.toLocaleString('en-US')} cycles)`,
    );
  }
}

await main();
