/**
 * The Volta GPU's kernel model: what a TensorRT-like library runs for a layer, timed as a roofline
 * of waves of thread blocks against DRAM traffic, plus a fixed per-kernel overhead (docs/jetson.md).
 *
 *  - GEMM kernels (implicit-GEMM conv, dense, matmul): the output is cut into CTA tiles of M×N
 *    (the library's tile set); one CTA per SM at a time, so tiles run in waves of `sms`. A tile
 *    takes Mt·Nt·Kp / (SM MAC rate × efficiency) cycles, Kp the reduction dimension rounded up to
 *    the tensor core's K step. The wave count ⌈tiles / SMs⌉ is the wave quantization; the padding
 *    of M, N, K to whole tiles is the tile quantization. The library picks the fastest tactic
 *    (ties: the larger tile, which moves fewer bytes through L2). GEMMs of few rows may instead run
 *    as a split-K GEMV on the CUDA cores; FP32 3×3 stride-1 convs may run as Winograd F(2×2, 3×3):
 *    16 GEMMs of (N·⌈Ho/2⌉·⌈Wo/2⌉) × Cin × Cout, i.e. 16/36 of the direct multiplies.
 *  - Direct kernels (depthwise conv) and element-wise / pooling / normalization kernels: their
 *    operations spread over every CUDA core, against their DRAM traffic.
 *  - DRAM traffic of a kernel is compulsory: inputs, weights and outputs once (L2 and the tiles'
 *    reuse are assumed to catch re-reads; an estimate).
 * Every kernel costs a fixed number of GPU cycles on top (launch, ramp-up and tail; fitted).
 */
import type { ActionCounts } from '../types.js';
import type { GpuSpec, JetsonCalibration, Precision } from './spec.js';

/** Bytes of one element in a precision. */
export function elementBytes(p: Precision): number {
  return p === 'fp32' ? 4 : p === 'fp16' ? 2 : 1;
}

export interface GemmWork {
  readonly kind: 'gemm';
  /** Rows (output pixels × images), columns (output channels per group), reduction. */
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly groups: number;
  /** Elements read from / written to DRAM: inputs, weights, outputs. */
  readonly inElements: number;
  readonly weightElements: number;
  readonly outElements: number;
  /** Set for a 3×3, stride-1, undilated, ungrouped conv: the Winograd GEMMs' rows and Cin. */
  readonly winograd?: { readonly tiles: number; readonly cin: number };
}

export type GpuWork =
  | GemmWork
  | {
      /** Depthwise conv: each output channel reads one input channel; CUDA cores. */
      readonly kind: 'direct';
      readonly macs: number;
      readonly inElements: number;
      readonly weightElements: number;
      readonly outElements: number;
    }
  | {
      /** Element-wise, pooling, normalization, copies: `ops` simple operations on CUDA cores. */
      readonly kind: 'memory';
      readonly ops: number;
      readonly inElements: number;
      readonly outElements: number;
    };

/** The clock and bandwidth of the power mode a kernel runs in. */
export interface GpuClocks {
  readonly clockHz: number;
  /** DRAM bytes per second available (peak × mode scale × efficiency). */
  readonly dramBytesPerS: number;
}

/** MACs one SM's tensor cores complete per cycle at this precision (fp16 / int8). */
export function tensorMacsPerSmCycle(g: GpuSpec, p: Precision): number {
  const fp16 = g.tensorCoresPerSm * g.tensorFp16FmaPerCorePerCycle;
  return p === 'int8' ? fp16 * g.tensorInt8RateFactor : fp16;
}

/** MACs one SM's CUDA cores complete per cycle at this precision. */
export function cudaMacsPerSmCycle(g: GpuSpec, p: Precision): number {
  return g.cudaCoresPerSm * g.cudaLanes[p];
}

export interface TileChoice {
  readonly tileM: number;
  readonly tileN: number;
  readonly tiles: number;
  readonly waves: number;
  readonly tileCycles: number;
  readonly cycles: number;
  /** K rounded up to the tensor core's step. */
  readonly kPadded: number;
}

/**
 * Cycles of a GEMM on tile (Mt, Nt): waves × one tile's cycles, tiles = groups·⌈M/Mt⌉·⌈N/Nt⌉,
 * waves = ⌈tiles / SMs⌉, one tile = ⌈Mt·Nt·Kp / (rate × efficiency)⌉.
 */
export function tileCycles(
  m: number,
  n: number,
  kPadded: number,
  groups: number,
  tile: readonly [number, number],
  sms: number,
  macsPerSmCycle: number,
  efficiency: number,
): TileChoice {
  const [tileM, tileN] = tile;
  const tiles = groups * Math.ceil(m / tileM) * Math.ceil(n / tileN);
  const waves = Math.ceil(tiles / sms);
  const one = Math.ceil((tileM * tileN * kPadded) / (macsPerSmCycle * efficiency));
  return { tileM, tileN, tiles, waves, tileCycles: one, cycles: waves * one, kPadded };
}

/** The fastest tile for an M×N×K GEMM of `groups` groups; on a tie the larger tile. */
export function bestTile(
  m: number,
  n: number,
  k: number,
  groups: number,
  g: GpuSpec,
  p: Precision,
  cal: JetsonCalibration,
): TileChoice {
  const tensor = p !== 'fp32';
  const align = p === 'int8' ? g.tensorKAlign.int8 : p === 'fp16' ? g.tensorKAlign.fp16 : 1;
  const kPadded = tensor ? Math.ceil(k / align) * align : k;
  const rate = tensor ? tensorMacsPerSmCycle(g, p) : cudaMacsPerSmCycle(g, p);
  const eff = tensor ? cal.tensorEfficiency : cal.cudaEfficiency;
  let best: TileChoice | undefined;
  for (const t of g.gemmTiles) {
    const c = tileCycles(m, n, kPadded, groups, t, g.sms, rate, eff);
    const larger = best !== undefined && c.tileM * c.tileN > best.tileM * best.tileN;
    if (best === undefined || c.cycles < best.cycles || (c.cycles === best.cycles && larger)) best = c;
  }
  if (best === undefined) throw new Error('unreachable: the spec has at least one tile');
  return best;
}

/** Cycles of `ops` operations spread over every CUDA core (no wave quantization). */
export function cudaCycles(ops: number, g: GpuSpec, p: Precision, efficiency: number): number {
  return Math.ceil(ops / (g.sms * cudaMacsPerSmCycle(g, p) * efficiency));
}

/** What a kernel does and how long it takes: numbers only (the fit's hot path). */
export interface GpuPlan {
  readonly tactic: 'tiles' | 'winograd' | 'gemv' | 'direct' | 'memory';
  readonly computeCycles: number;
  readonly memoryCycles: number;
  readonly overheadCycles: number;
  readonly cycles: number;
  readonly dramBytes: number;
  /** MACs or operations the units execute (padding included for tiles). */
  readonly executed: number;
  readonly tile: TileChoice | undefined;
}

export function planGpuKernel(
  w: GpuWork,
  p: Precision,
  g: GpuSpec,
  cal: JetsonCalibration,
  clocks: GpuClocks,
): GpuPlan {
  const bytes = elementBytes(p);
  const dramBytes =
    w.kind === 'memory'
      ? (w.inElements + w.outElements) * bytes
      : (w.inElements + w.weightElements + w.outElements) * bytes;
  const memoryCycles = Math.ceil((dramBytes / clocks.dramBytesPerS) * clocks.clockHz);
  const overheadCycles = cal.kernelOverheadCycles;
  const done = (
    tactic: GpuPlan['tactic'],
    computeCycles: number,
    executed: number,
    tile?: TileChoice,
  ): GpuPlan => ({
    tactic,
    computeCycles,
    memoryCycles,
    overheadCycles,
    cycles: Math.max(computeCycles, memoryCycles) + overheadCycles,
    dramBytes,
    executed,
    tile,
  });
  if (w.kind === 'direct') return done('direct', cudaCycles(w.macs, g, p, cal.cudaEfficiency), w.macs);
  if (w.kind === 'memory') return done('memory', cudaCycles(w.ops, g, p, cal.cudaEfficiency), w.ops);
  const macs = w.groups * w.m * w.n * w.k;
  const t = bestTile(w.m, w.n, w.k, w.groups, g, p, cal);
  let best = done('tiles', t.cycles, t.tiles * t.tileM * t.tileN * t.kPadded, t);
  if (p === 'fp32' && w.winograd !== undefined) {
    const wt = bestTile(w.winograd.tiles, w.n, w.winograd.cin, 16, g, p, cal);
    if (wt.cycles < best.computeCycles)
      best = done('winograd', wt.cycles, wt.tiles * wt.tileM * wt.tileN * wt.kPadded, wt);
  }
  if (w.m <= g.gemvMaxRows) {
    const c = cudaCycles(macs, g, p, cal.cudaEfficiency);
    if (c < best.computeCycles) best = done('gemv', c, macs);
  }
  return best;
}

/** The actions of a planned kernel. */
export function gpuCounts(w: GpuWork, p: Precision, plan: GpuPlan): ActionCounts {
  const bytes = elementBytes(p);
  const counts: ActionCounts = { 'dram.bytes': plan.dramBytes };
  const t = plan.tile;
  if ((plan.tactic === 'tiles' || plan.tactic === 'winograd') && t !== undefined) {
    counts[p === 'fp32' ? 'gpu.cuda.mac.fp32' : `gpu.tensor.mac.${p}`] = plan.executed;
    // each tile streams its Mt×Kp and Kp×Nt operands through L2; outputs are written once
    counts['gpu.l2.bytes'] = t.tiles * (t.tileM + t.tileN) * t.kPadded * bytes + w.outElements * bytes;
  } else {
    counts[plan.tactic === 'memory' ? 'gpu.cuda.op' : `gpu.cuda.mac.${p}`] = plan.executed;
    counts['gpu.l2.bytes'] = plan.dramBytes;
  }
  return counts;
}

/** Per-layer figures of a planned kernel, for the report. */
export function gpuExtra(p: Precision, plan: GpuPlan, sms: number): Record<string, number | string> {
  const unit = p === 'fp32' ? 'CUDA' : 'tensor';
  const t = plan.tile;
  const kernel: Record<GpuPlan['tactic'], string> = {
    tiles: `implicit GEMM on the ${unit} cores, tile ${t?.tileM ?? 0}x${t?.tileN ?? 0}`,
    winograd: `Winograd F(2x2,3x3) on the CUDA cores, 16 GEMMs, tile ${t?.tileM ?? 0}x${t?.tileN ?? 0}`,
    gemv: 'split-K GEMV on the CUDA cores',
    direct: 'direct (depthwise) conv on the CUDA cores',
    memory: 'element-wise / pooling kernel on the CUDA cores',
  };
  const extra: Record<string, number | string> = {
    kernel: kernel[plan.tactic],
    bound: plan.memoryCycles > plan.computeCycles ? 'memory' : 'compute',
    computeCycles: plan.computeCycles,
    memoryCycles: plan.memoryCycles,
    overheadCycles: plan.overheadCycles,
  };
  if (t !== undefined && (plan.tactic === 'tiles' || plan.tactic === 'winograd')) {
    extra.tiles = t.tiles;
    extra.waves = t.waves;
    extra.tileCycles = t.tileCycles;
    extra.waveEfficiency = t.tiles / (t.waves * sms);
  }
  return extra;
}
