/**
 * Layers larger than the TCDM, tiled through L1 (docs/riscv-cluster-kernels.md, "Tiling through
 * L1"). A tile is a sub-layer: a band of output rows with the input rows its windows read (the
 * halo rows again for every band), for a slice of output channels when the weights do not fit.
 * Each tile runs on the cluster model exactly as a whole layer does (kernels/cluster-run.ts: core 0
 * DMAs the tile's input, weights and parameters from L2, all cores compute, core 0 DMAs the output
 * back), so its outputs, instructions, stalls and TCDM conflicts are simulated. Tiles are sized to
 * half the TCDM, leaving the other half for the next tile: with double buffering the DMA of tile
 * t+1's input and of tile t−1's output overlaps tile t's compute. That overlap is composed from the
 * simulated tiles, not simulated itself:
 *
 *     cycles = in₀ + Σ_t max(compute_t, in_{t+1} + out_{t−1}) + out_last
 *
 * where a tile's DMA time is the cycles core 0 waited for its DMA in the tile's own run (split
 * into in and out by bytes) and compute_t is the rest of its cycles. A channel slice's weights and
 * requantization records come in with its first band and stay resident for its other bands (the
 * later bands' runs start with them in the TCDM). Mixed-precision weights are unpacked again in
 * every band (counted).
 */
import { InputError } from '../../../units/errors.js';
import type { ActionCounts } from '../../../engine/component.js';
import {
  runConvOnCluster,
  type ClusterConvOptions,
  type ClusterConvRun,
  type StallsByCause,
} from './cluster-run.js';
import { CORE_RECORD_BYTES } from './conv.js';
import { outSize, paddedInput, planMemory, unsupported, type QuantConv } from './layout.js';
import { MARSELLUS_CLUSTER } from '../cluster/params.js';

const align = (v: number, a: number): number => Math.ceil(v / a) * a;

/** TCDM bytes a layer needs on `cores` cores (records, memory plan, per-core buffers; cluster-run.ts). */
export function clusterFootprintBytes(q: QuantConv, cores: number): number {
  const table = align(cores * CORE_RECORD_BYTES, 16);
  const plan = planMemory(q, table);
  const perCore = 2 * align(plan.rowBytes + 4, 16) + 32;
  return plan.end + cores * perCore;
}

export interface Tile {
  /** Output rows [rowStart, rowEnd) and output channels [coutStart, coutEnd) of the layer. */
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly coutStart: number;
  readonly coutEnd: number;
}

export interface TilePlan {
  readonly tiles: readonly Tile[];
  readonly rowsPerTile: number;
  readonly channelsPerSlice: number;
  /** Whether the layer fits the TCDM whole (one tile, no double buffering). */
  readonly whole: boolean;
}

/**
 * The sub-layer of output rows [r0, r1) and channels [c0, c1): its input is the band of the padded
 * input those windows read, with no padding of its own (the border codes are in the band).
 */
export function tileLayer(q: QuantConv, padded: Int32Array, t: Tile): QuantConv {
  const [pt, pl, pb, pr] = q.pads;
  const wp = q.w + pl + pr;
  const hp = q.h + pt + pb;
  const inStart = t.rowStart * q.stride;
  const inEnd = Math.min(hp, (t.rowEnd - 1) * q.stride + q.kh);
  const k = q.kh * q.kw * q.cin;
  return {
    ...q,
    h: inEnd - inStart,
    w: wp,
    cout: t.coutEnd - t.coutStart,
    pads: [0, 0, 0, 0],
    x: padded.subarray(inStart * wp * q.cin, inEnd * wp * q.cin),
    weights: q.weights.subarray(t.coutStart * k, t.coutEnd * k),
    bias: q.bias.subarray(t.coutStart, t.coutEnd),
    multiplier: q.multiplier.subarray(t.coutStart, t.coutEnd),
  };
}

/** Channel slice sizes that keep output bytes whole: multiples of the kernel's 4-channel block. */
function sliceSizes(cout: number): number[] {
  const out: number[] = [];
  for (let c = Math.ceil(cout / 4) * 4; c >= 4; c -= 4) out.push(Math.min(c, cout));
  return [...new Set(out)];
}

/**
 * Tiles for `q` on `cores` cores: the whole layer when it fits the TCDM; otherwise the widest
 * channel slice, then the most output rows, whose tile fits half the TCDM.
 */
export function planTiles(q: QuantConv, cores: number, tcdmBytes: number): TilePlan {
  const { ho } = outSize(q);
  const padded = paddedInput(q);
  const fits = (t: Tile, budget: number): boolean =>
    clusterFootprintBytes(tileLayer(q, padded, t), cores) <= budget;
  const whole: Tile = { rowStart: 0, rowEnd: ho, coutStart: 0, coutEnd: q.cout };
  if (clusterFootprintBytes(q, cores) <= tcdmBytes) {
    return { tiles: [whole], rowsPerTile: ho, channelsPerSlice: q.cout, whole: true };
  }
  const budget = Math.floor(tcdmBytes / 2);
  const slice = sliceSizes(q.cout).find((c) =>
    fits({ rowStart: 0, rowEnd: 1, coutStart: 0, coutEnd: c }, budget),
  );
  if (slice === undefined) {
    const one = clusterFootprintBytes(
      tileLayer(q, padded, { rowStart: 0, rowEnd: 1, coutStart: 0, coutEnd: 4 }),
      cores,
    );
    throw new InputError([
      {
        path: 'conv',
        value: `${one} bytes of TCDM for one output row of 4 channels`,
        expected: `a tile within half the TCDM (${budget} bytes) for double buffering`,
      },
    ]);
  }
  // the most rows that fit (footprint grows with rows; binary search)
  let lo = 1;
  let hi = ho;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits({ rowStart: 0, rowEnd: mid, coutStart: 0, coutEnd: slice }, budget)) lo = mid;
    else hi = mid - 1;
  }
  const tiles: Tile[] = [];
  for (let c0 = 0; c0 < q.cout; c0 += slice)
    for (let r0 = 0; r0 < ho; r0 += lo)
      tiles.push({
        rowStart: r0,
        rowEnd: Math.min(ho, r0 + lo),
        coutStart: c0,
        coutEnd: Math.min(q.cout, c0 + slice),
      });
  return { tiles, rowsPerTile: lo, channelsPerSlice: slice, whole: false };
}

export interface TiledRun {
  /** Output codes, HWC. */
  readonly y: Int32Array;
  /** Cycles of the layer with the tiles' DMA overlapped (whole layer: its own run's cycles). */
  readonly cycles: number;
  readonly plan: TilePlan;
  /** Summed over tiles: each core's instructions, and stalls by cause of the tiles' own runs. */
  readonly instructionsPerCore: readonly number[];
  readonly stalls: StallsByCause;
  /** DMA cycles left exposed after overlapping (core 0's view). */
  readonly exposedDmaCycles: number;
  readonly tcdmConflicts: number;
  readonly counts: ActionCounts;
  readonly dmaBytes: { readonly toTcdm: number; readonly toL2: number };
}

function addCounts(into: ActionCounts, c: ActionCounts): void {
  for (const [k, v] of Object.entries(c)) into[k] = (into[k] ?? 0) + v;
}

/** Write a tile's outputs (HWC, its channels) into the layer's output. */
function placeOutputs(y: Int32Array, q: QuantConv, t: Tile, ty: Int32Array): void {
  const { wo } = outSize(q);
  const n = t.coutEnd - t.coutStart;
  for (let r = t.rowStart; r < t.rowEnd; r++)
    for (let x = 0; x < wo; x++) {
      const src = ((r - t.rowStart) * wo + x) * n;
      y.set(ty.subarray(src, src + n), (r * wo + x) * q.cout + t.coutStart);
    }
}

/** Double-buffered composition of the tiles' runs (see the file header). */
export function overlappedCycles(
  runs: readonly { compute: number; dmaIn: number; dmaOut: number }[],
): number {
  if (runs.length === 0) return 0;
  let cycles = runs[0]!.dmaIn;
  runs.forEach((r, t) => {
    const next = runs[t + 1]?.dmaIn ?? 0;
    const prev = t > 0 ? runs[t - 1]!.dmaOut : 0;
    cycles += Math.max(r.compute, next + prev);
  });
  return cycles + runs[runs.length - 1]!.dmaOut;
}

/** Run any layer the kernels take on the cluster, tiled through the TCDM when it does not fit. */
export function runTiledOnCluster(q: QuantConv, opts: ClusterConvOptions): TiledRun {
  const why = unsupported(q);
  if (why.length > 0)
    throw new InputError(
      why.map((w) => ({ path: 'conv', value: w, expected: 'a layer the kernels support' })),
    );
  const tcdmBytes = (opts.params ?? MARSELLUS_CLUSTER).tcdmBytes;
  const plan = planTiles(q, opts.cores, tcdmBytes);
  const padded = plan.whole ? new Int32Array(0) : paddedInput(q);
  const { ho, wo } = outSize(q);
  const y = new Int32Array(ho * wo * q.cout);
  const counts: ActionCounts = {};
  const perCore = new Array<number>(opts.cores).fill(0);
  const stalls = { loadUse: 0, tcdm: 0, icache: 0, dmaWait: 0, barrier: 0, other: 0, total: 0 };
  let conflicts = 0;
  const dmaBytes = { toTcdm: 0, toL2: 0 };
  const phases: { compute: number; dmaIn: number; dmaOut: number }[] = [];
  let last: ClusterConvRun | undefined;
  let slice = -1;
  for (const t of plan.tiles) {
    const sub = plan.whole ? q : tileLayer(q, padded, t);
    // a slice's weights come in with its first tile and stay resident for its other bands
    const resident = t.coutStart === slice;
    slice = t.coutStart;
    const r = runConvOnCluster(sub, { ...opts, residentWeights: resident });
    last = r;
    placeOutputs(y, q, t, r.y);
    addCounts(counts, r.counts);
    r.cores.forEach((c, i) => (perCore[i] = (perCore[i] ?? 0) + c.instructions));
    for (const k of Object.keys(stalls) as (keyof StallsByCause)[]) stalls[k] += r.stalls[k];
    conflicts += r.tcdmConflicts;
    dmaBytes.toTcdm += r.dmaBytes.toTcdm;
    dmaBytes.toL2 += r.dmaBytes.toL2;
    const dma = r.cores[0]?.stalls.dmaWait ?? 0;
    const moved = r.dmaBytes.toTcdm + r.dmaBytes.toL2;
    const dmaIn = moved > 0 ? Math.round((dma * r.dmaBytes.toTcdm) / moved) : 0;
    phases.push({ compute: r.cycles - dma, dmaIn, dmaOut: dma - dmaIn });
  }
  const cycles = plan.whole ? last!.cycles : overlappedCycles(phases);
  const compute = phases.reduce((s, p) => s + p.compute, 0);
  return {
    y,
    cycles,
    plan,
    instructionsPerCore: perCore,
    stalls,
    exposedDmaCycles: cycles - compute,
    tcdmConflicts: conflicts,
    counts,
    dmaBytes,
  };
}
