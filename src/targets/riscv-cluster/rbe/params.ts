/**
 * The Reconfigurable Binary Engine (RBE) of Marsellus: its structural and timing parameters, as
 * data. Every figure names where it comes from: a section of the project's PULP reference note
 * (pulp.md §4, which cites the `pulp-platform/rbe` repository at commit 13dd027), or it is marked
 * `estimate` with the reason. The models (./reference.ts, ./event.ts) take these as an argument and
 * hold no constants of their own.
 */

/** Where a parameter comes from. */
export interface Provenance {
  readonly source: string;
  /** true when the value is not stated or derived in the reference and was chosen by us. */
  readonly estimate: boolean;
  readonly note?: string;
}

export interface RbeParams {
  /** Columns of blocks (one output pixel of a 3×3 output tile each). */
  readonly columns: number;
  /** Blocks per column (the 9 filter taps in 3×3 mode; the weight bits in 1×1 mode). */
  readonly blocksPerColumn: number;
  /** BinConvs per block: one per activation bit of a 4-bit activation tile. */
  readonly binconvsPerBlock: number;
  /** AND gates (and popcount inputs) per BinConv: the channel tile. */
  readonly binconvWidth: number;
  /** Accumulators per column (one per output channel of a K_out tile) and their width in bits. */
  readonly accumulatorsPerColumn: number;
  readonly accumulatorBits: number;
  /** Input buffer edge in pixels (5×5 pixels × 32 channels × 4 bit-planes). */
  readonly inputBufferEdge: number;
  /** Width of the streamer's L1 port in bits and in 32-bit bank words. */
  readonly portBits: number;
  readonly portWords: number;
  /** Normalization/quantization units per column. */
  readonly normquantPerColumn: number;
  /** Multiplier width (unsigned scale), adder width (signed bias) and the shift range. */
  readonly normMultBits: number;
  readonly normAddBits: number;
  readonly minShift: number;
  readonly maxShift: number;
  /** Feature-load beats per x-patch: 5 rows × 4 bit-planes (3×3), 3 × 4 (1×1). */
  readonly featureBeats3x3: number;
  readonly featureBeats1x1: number;
  /** Pixels per feature beat (one buffer row). */
  readonly featureWords3x3: number;
  readonly featureWords1x1: number;
  /** Extra all-ones weight words per weight stream that compute the signed-weight offset. */
  readonly offsetWords: number;
  /** Norm-parameter beats per K_out tile and the 32-bit words in each. */
  readonly normBeats: number;
  readonly normWordsPerBeat: number;
  /** Normquant cycles per K_out tile: 32 accumulators / 4 units per column. */
  readonly normquantCycles: number;
  /** Output beats per 4-bit output tile (3 rows × 4 bit-planes) and 32-bit words per beat. */
  readonly outputBeatsPerQaoTile: number;
  readonly outputWordsPerBeat: number;
  /** FSM overhead per x-patch (START/UPDATEIDX), cycles. */
  readonly updateIdxCycles: number;
  /** Limits of the job registers. */
  readonly minBits: number;
  readonly maxBits: number;
  readonly maxChannels: number;
  readonly maxImageSize: number;
  /** Where each field comes from. */
  readonly provenance: Readonly<Record<string, Provenance>>;
}

const RBE_REPO = 'pulp.md §4 (pulp-platform/rbe @13dd027)';

/** The RBE as described in the reference (pulp.md §4). */
export const MARSELLUS_RBE: RbeParams = {
  columns: 9,
  blocksPerColumn: 9,
  binconvsPerBlock: 4,
  binconvWidth: 32,
  accumulatorsPerColumn: 32,
  accumulatorBits: 32,
  inputBufferEdge: 5,
  portBits: 288,
  portWords: 9,
  normquantPerColumn: 4,
  normMultBits: 16,
  normAddBits: 32,
  minShift: 1,
  maxShift: 16,
  featureBeats3x3: 20,
  featureBeats1x1: 12,
  featureWords3x3: 5,
  featureWords1x1: 3,
  offsetWords: 2,
  normBeats: 8,
  normWordsPerBeat: 6,
  normquantCycles: 8,
  outputBeatsPerQaoTile: 12,
  outputWordsPerBeat: 3,
  updateIdxCycles: 3,
  minBits: 2,
  maxBits: 8,
  maxChannels: 4096,
  maxImageSize: 512,
  provenance: {
    columns: { source: `${RBE_REPO} §4.3: BINCONV_NR_COLUMN=9`, estimate: false },
    blocksPerColumn: { source: `${RBE_REPO} §4.3: BINCONV_COLUMN_SIZE=9`, estimate: false },
    binconvsPerBlock: { source: `${RBE_REPO} §4.3: BINCONV_BLOCK_SIZE=4`, estimate: false },
    binconvWidth: { source: `${RBE_REPO} §4.3: BINCONV_TP=32`, estimate: false },
    accumulatorsPerColumn: {
      source: `${RBE_REPO} §4.3: 9 columns × 32 accumulators × 32 bit`,
      estimate: false,
    },
    accumulatorBits: { source: `${RBE_REPO} §4.3: rbe_accumulators_scm.sv`, estimate: false },
    inputBufferEdge: { source: `${RBE_REPO} §4.3: BINCONV_FEAT_BUFFER_SIZE=5`, estimate: false },
    portBits: { source: `${RBE_REPO} §4.3: a single 288-bit TCDM port (9×32 b)`, estimate: false },
    portWords: { source: `${RBE_REPO} §4.3: 9×32 b`, estimate: false },
    normquantPerColumn: { source: `${RBE_REPO} §4.3: 4 normquant units per column`, estimate: false },
    normMultBits: { source: `${RBE_REPO} §4.3: NORM_MULT_SIZE=16 (unsigned)`, estimate: false },
    normAddBits: { source: `${RBE_REPO} §4.3: NORM_ADD_SIZE=32 (signed)`, estimate: false },
    minShift: {
      source: 'rbe_ctrl.sv: shift = SHIFT[15:0] + 1 (the field is stored minus 1, pulp.md §4.6)',
      estimate: false,
      note: 'so a shift of 0 cannot be programmed; fold it into the scale instead',
    },
    maxShift: { source: `${RBE_REPO} §4.3: MAX_SHIFT=16`, estimate: false },
    featureBeats3x3: { source: `${RBE_REPO} §4.4: feature stream tot_len = 20`, estimate: false },
    featureBeats1x1: { source: `${RBE_REPO} §4.4: feature stream tot_len = 12`, estimate: false },
    featureWords3x3: {
      source: `${RBE_REPO} §4.4: 5 rows × 4 bit-planes of 5 px`,
      estimate: false,
    },
    featureWords1x1: { source: `${RBE_REPO} §4.4: 3 × 4 words of 3 px`, estimate: false },
    offsetWords: {
      source: `${RBE_REPO} §4.2: 2 extra weight words of all ones per weight stream`,
      estimate: false,
    },
    normBeats: { source: `${RBE_REPO} §4.3: norm_source tot_len=8`, estimate: false },
    normWordsPerBeat: {
      source: 'derived: 32 channels × (16-bit scale + 32-bit bias) = 1536 bits = 8 beats × 6 words',
      estimate: false,
    },
    normquantCycles: { source: `${RBE_REPO} §4.3: TP/4 = 8 cycles`, estimate: false },
    outputBeatsPerQaoTile: {
      source: `${RBE_REPO} §4.4: conv sink tot_len = 12 per 4-bit output tile`,
      estimate: false,
    },
    outputWordsPerBeat: {
      source: 'derived: 9 px × 32 ch × 4 bits = 1152 bits = 12 beats × 3 words (one per pixel)',
      estimate: false,
    },
    updateIdxCycles: {
      source: 'pulp.md §4.5: t_o ≈ 3',
      estimate: true,
      note: 'the reference marks the FSM overhead per x-patch as an uncalibrated estimate [?]',
    },
    minBits: { source: `${RBE_REPO} §4.1: 2–8 bits`, estimate: false },
    maxBits: { source: `${RBE_REPO} §4.1: 2–8 bits`, estimate: false },
    maxChannels: { source: `${RBE_REPO} §4.1: 1–4096 channels (FEAT_CNT_SIZE=12)`, estimate: false },
    maxImageSize: { source: `${RBE_REPO} §4.1: 1–512 px image sizes`, estimate: false },
  },
};

/** The two filter modes. */
export type RbeMode = '3x3' | '1x1';

export function filterSize(mode: RbeMode): number {
  return mode === '3x3' ? 3 : 1;
}
