/**
 * An RBE layer's time with its L2 ↔ TCDM traffic (docs/riscv-cluster-target.md, "RBE layers and
 * the DMA"). The RBE reads its operands from the TCDM, so a layer's inputs and weights must first
 * come from L2 and its outputs go back, through the cluster DMA at `dmaBytesPerCycle`. This is an
 * analytic double-buffering schedule around the RBE's own cycles (its event model E), not a
 * simulation of the DMA engine:
 *
 *  - the whole layer fits the TCDM: load inputs and weights, run, store outputs, one after another;
 *  - otherwise weights stay resident in a quarter of the TCDM, split into S output-channel slices
 *    when they do not fit (the inputs are then fetched once per slice), and the activations move
 *    in T tiles per slice through two halves of the rest (input tile + output tile per half). The
 *    first tile's load and the last tile's store are exposed; in between each step takes
 *    max(RBE time of a tile, DMA time of the next input tile and the previous output tile).
 *
 * Tiles are equal shares of the bytes (halo rows of a 3×3 window are not re-fetched: an estimate
 * that slightly favours the RBE).
 */

export interface RbeDmaInput {
  /** RBE cycles of the whole layer (one image). */
  readonly rbeCycles: number;
  readonly inputBytes: number;
  readonly weightBytes: number;
  readonly outputBytes: number;
  readonly tcdmBytes: number;
  readonly dmaBytesPerCycle: number;
}

export interface RbeDmaSchedule {
  readonly cycles: number;
  /** Cycles in which the RBE waited for the DMA (cycles − rbeCycles). */
  readonly dmaWaitCycles: number;
  /** Output-channel slices of the weights (1: all resident). */
  readonly weightSlices: number;
  /** Activation tiles per slice (1 with `fits`). */
  readonly tiles: number;
  /** Whether the whole layer fits the TCDM at once. */
  readonly fits: boolean;
  /** Bytes moved from L2 (inputs × slices + weights) and to L2. */
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export function rbeDmaSchedule(x: RbeDmaInput): RbeDmaSchedule {
  const bw = x.dmaBytesPerCycle;
  const t = (bytes: number): number => Math.ceil(bytes / bw);
  if (x.inputBytes + x.weightBytes + x.outputBytes <= x.tcdmBytes) {
    const cycles = t(x.inputBytes + x.weightBytes) + x.rbeCycles + t(x.outputBytes);
    return {
      cycles,
      dmaWaitCycles: cycles - x.rbeCycles,
      weightSlices: 1,
      tiles: 1,
      fits: true,
      bytesIn: x.inputBytes + x.weightBytes,
      bytesOut: x.outputBytes,
    };
  }
  const weightBudget = Math.floor(x.tcdmBytes / 4);
  const slices = Math.max(1, Math.ceil(x.weightBytes / weightBudget));
  const resident = Math.min(x.weightBytes, weightBudget);
  const half = Math.floor((x.tcdmBytes - resident) / 2);
  const outPerSlice = x.outputBytes / slices;
  const tiles = Math.max(1, Math.ceil((x.inputBytes + outPerSlice) / half));
  const rbeStep = x.rbeCycles / (slices * tiles);
  const inTile = x.inputBytes / tiles;
  const outTile = outPerSlice / tiles;
  let cycles = 0;
  for (let s = 0; s < slices; s++) {
    // first input tile and this slice's weights, exposed
    cycles += t(inTile + x.weightBytes / slices);
    for (let i = 0; i < tiles; i++) {
      const next = i + 1 < tiles ? inTile : 0;
      const prev = i > 0 ? outTile : 0;
      cycles += Math.max(Math.ceil(rbeStep), t(next + prev));
    }
    // the last output tile, exposed
    cycles += t(outTile);
  }
  return {
    cycles,
    dmaWaitCycles: Math.max(0, cycles - x.rbeCycles),
    weightSlices: slices,
    tiles,
    fits: false,
    bytesIn: x.inputBytes * slices + x.weightBytes,
    bytesOut: x.outputBytes,
  };
}
