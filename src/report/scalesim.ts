/**
 * SCALE-Sim v2's three per-layer reports (COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv,
 * DETAILED_ACCESS_REPORT.csv) from bitcycle's systolic results: one row per GEMM layer, the column
 * meanings of reference/scalesim.md §1.5, the header text and value formatting of SCALE-Sim's own
 * files (Python `str()` of ints and floats, `", "` separators, a trailing comma on every line).
 *
 * Every value is bitcycle's: SRAM counts and utilizations follow SCALE-Sim's definitions (they are
 * closed forms of the fold structure both tools share); start/stop cycles are read off bitcycle's
 * timeline with SCALE-Sim's stamping (a read is stamped one cycle after its row, a write in its
 * row); DRAM counts and cycles are bitcycle's memory model. Where bitcycle's model differs from
 * SCALE-Sim's, the column says what bitcycle did: see docs/scalesim-compat.md for every difference.
 */
import { ifmapAddress, type GemmSegment, type GemmView } from '../mapping/gemm.js';
import { scalesimUtilizations } from '../targets/systolic/counts.js';
import { newTimeline, rowCycle, type Timeline } from '../targets/systolic/event.js';
import { simulateGemm, type GemmLayerDetail, type SystolicJob } from '../targets/systolic/index.js';
import { foldOutputs, type Fold, type LayerPlan } from '../targets/systolic/plan.js';
import type { SystolicSpec } from '../targets/systolic/spec.js';

/** One layer of the three reports; keys as in test/golden/scalesim/columns.json. */
export interface ScaleSimRow {
  readonly layerId: number;
  readonly totalCycles: number;
  readonly stallCycles: number;
  readonly overallUtilPct: number;
  readonly mappingEfficiencyPct: number;
  readonly computeUtilPct: number;
  readonly avgIfmapSramBw: number;
  readonly avgFilterSramBw: number;
  readonly avgOfmapSramBw: number;
  readonly avgIfmapDramBw: number;
  readonly avgFilterDramBw: number;
  readonly avgOfmapDramBw: number;
  readonly sramIfmapStartCycle: number;
  readonly sramIfmapStopCycle: number;
  readonly sramIfmapReads: number;
  readonly sramFilterStartCycle: number;
  readonly sramFilterStopCycle: number;
  readonly sramFilterReads: number;
  readonly sramOfmapStartCycle: number;
  readonly sramOfmapStopCycle: number;
  readonly sramOfmapWrites: number;
  readonly dramIfmapStartCycle: number;
  readonly dramIfmapStopCycle: number;
  readonly dramIfmapReads: number;
  readonly dramFilterStartCycle: number;
  readonly dramFilterStopCycle: number;
  readonly dramFilterReads: number;
  readonly dramOfmapStartCycle: number;
  readonly dramOfmapStopCycle: number;
  readonly dramOfmapWrites: number;
}

export type ScaleSimColumn = Exclude<keyof ScaleSimRow, 'layerId'>;

/** How SCALE-Sim prints a column: Python int or Python float (`1.0`, `43.63636363636363`). */
type Kind = 'int' | 'float';

interface ColumnDef {
  readonly key: ScaleSimColumn;
  readonly header: string;
  readonly kind: Kind;
}

const col = (key: ScaleSimColumn, header: string, kind: Kind): ColumnDef => ({ key, header, kind });

export const COMPUTE_COLUMNS: readonly ColumnDef[] = [
  col('totalCycles', 'Total Cycles', 'int'),
  col('stallCycles', 'Stall Cycles', 'int'),
  col('overallUtilPct', 'Overall Util %', 'float'),
  col('mappingEfficiencyPct', 'Mapping Efficiency %', 'float'),
  col('computeUtilPct', 'Compute Util %', 'float'),
];

export const BANDWIDTH_COLUMNS: readonly ColumnDef[] = [
  col('avgIfmapSramBw', 'Avg IFMAP SRAM BW', 'float'),
  col('avgFilterSramBw', 'Avg FILTER SRAM BW', 'float'),
  col('avgOfmapSramBw', 'Avg OFMAP SRAM BW', 'float'),
  col('avgIfmapDramBw', 'Avg IFMAP DRAM BW', 'float'),
  col('avgFilterDramBw', 'Avg FILTER DRAM BW', 'float'),
  col('avgOfmapDramBw', 'Avg OFMAP DRAM BW', 'float'),
];

export const DETAILED_COLUMNS: readonly ColumnDef[] = [
  col('sramIfmapStartCycle', 'SRAM IFMAP Start Cycle', 'float'),
  col('sramIfmapStopCycle', 'SRAM IFMAP Stop Cycle', 'float'),
  col('sramIfmapReads', 'SRAM IFMAP Reads', 'int'),
  col('sramFilterStartCycle', 'SRAM Filter Start Cycle', 'float'),
  col('sramFilterStopCycle', 'SRAM Filter Stop Cycle', 'float'),
  col('sramFilterReads', 'SRAM Filter Reads', 'int'),
  col('sramOfmapStartCycle', 'SRAM OFMAP Start Cycle', 'float'),
  col('sramOfmapStopCycle', 'SRAM OFMAP Stop Cycle', 'float'),
  col('sramOfmapWrites', 'SRAM OFMAP Writes', 'int'),
  col('dramIfmapStartCycle', 'DRAM IFMAP Start Cycle', 'float'),
  col('dramIfmapStopCycle', 'DRAM IFMAP Stop Cycle', 'float'),
  col('dramIfmapReads', 'DRAM IFMAP Reads', 'int'),
  col('dramFilterStartCycle', 'DRAM Filter Start Cycle', 'float'),
  col('dramFilterStopCycle', 'DRAM Filter Stop Cycle', 'float'),
  col('dramFilterReads', 'DRAM Filter Reads', 'int'),
  col('dramOfmapStartCycle', 'DRAM OFMAP Start Cycle', 'float'),
  col('dramOfmapStopCycle', 'DRAM OFMAP Stop Cycle', 'float'),
  col('dramOfmapWrites', 'DRAM OFMAP Writes', 'int'),
];

// ---- start/stop cycles of the SRAM demand streams ----------------------------------------------

/** First and last fold row with a valid (non-padding) address in one operand's demand stream. */
interface RowSpan {
  readonly first: number;
  readonly last: number;
}

type SpanOf = (fold: Fold) => RowSpan | undefined;

function widen(span: RowSpan | undefined, first: number, last: number): RowSpan {
  return span === undefined
    ? { first, last }
    : { first: Math.min(span.first, first), last: Math.max(span.last, last) };
}

/** Smallest and largest i in [0, n) with valid(i), or undefined. */
function validRange(n: number, valid: (i: number) => boolean): RowSpan | undefined {
  let first = 0;
  while (first < n && !valid(first)) first++;
  if (first === n) return undefined;
  let last = n - 1;
  while (!valid(last)) last--;
  return { first, last };
}

/**
 * IFMAP demand rows of a fold in bitcycle's model (plan.ts header):
 *  os: PE row p reads A(m0 + p, k) at row p + k;
 *  ws: PE row p reads A(m, k0 + p) at row R + p + m;
 *  is: the stationary tile loads in rows 0 … ur−1, row t carrying K index k0 + ur − 1 − t
 *      (bottom row first) for every used column; a row is valid when any of its entries is.
 */
function ifmapSpan(view: GemmView, plan: LayerPlan, seg: GemmSegment, f: Fold): RowSpan | undefined {
  const R = plan.rows;
  const C = plan.cols;
  const valid = (m: number, k: number): boolean => ifmapAddress(view, seg, m, k) >= 0;
  let span: RowSpan | undefined;
  switch (plan.dataflow) {
    case 'os':
      for (let p = 0; p < f.ur; p++) {
        const r = validRange(f.t, (k) => valid(f.fr * R + p, k));
        if (r !== undefined) span = widen(span, p + r.first, p + r.last);
      }
      return span;
    case 'ws':
      for (let p = 0; p < f.ur; p++) {
        const r = validRange(f.t, (m) => valid(m, f.fr * R + p));
        if (r !== undefined) span = widen(span, R + p + r.first, R + p + r.last);
      }
      return span;
    case 'is': {
      const rowValid = (t: number): boolean => {
        const k = f.fr * R + f.ur - 1 - t;
        for (let j = 0; j < f.uc; j++) if (valid(f.fc * C + j, k)) return true;
        return false;
      };
      return validRange(f.ur, rowValid);
    }
  }
}

/** Filter demand rows (every filter address is valid): os k + q; ws load rows; is R + p + n. */
function filterSpan(plan: LayerPlan, f: Fold): RowSpan {
  switch (plan.dataflow) {
    case 'os':
      return { first: 0, last: f.uc - 1 + f.t - 1 };
    case 'ws':
      return { first: 0, last: f.ur - 1 };
    case 'is':
      return { first: plan.rows, last: plan.rows + f.ur - 1 + f.t - 1 };
  }
}

/** Output rows: output a of column j leaves at outBase + a + j (plan.ts). */
function ofmapSpan(f: Fold): RowSpan {
  return { first: f.outBase, last: f.outBase + f.outPerColumn - 1 + f.uc - 1 };
}

/** Cycle stamps of the first and last valid demand row; reads are stamped one cycle late (hit latency). */
function streamCycles(
  plan: LayerPlan,
  tl: Timeline,
  spanOf: SpanOf,
  stampDelay: number,
): { start: number; stop: number } {
  const folds = plan.folds;
  let start = 0;
  let stop = 0;
  for (let i = 0; i < folds.length; i++) {
    const s = spanOf(folds[i]!);
    if (s !== undefined) {
      start = rowCycle(tl, i, s.first) + stampDelay;
      break;
    }
  }
  for (let i = folds.length - 1; i >= 0; i--) {
    const s = spanOf(folds[i]!);
    if (s !== undefined) {
      stop = rowCycle(tl, i, s.last) + stampDelay;
      break;
    }
  }
  return { start, stop };
}

// ---- DRAM windows ------------------------------------------------------------------------------

interface Window {
  readonly start: number;
  readonly stop: number;
}

/** Last cycle a transfer occupying [start, end) is active; a zero-length one counts in its start cycle. */
const lastCycle = (start: number, end: number): number => Math.max(start, end - 1);

function cover(w: Window | undefined, start: number, stop: number): Window {
  return w === undefined
    ? { start, stop }
    : { start: Math.min(w.start, start), stop: Math.max(w.stop, stop) };
}

/**
 * Cycles of one read stream's DRAM transfers. Under scalesim conventions the first chunk is on chip
 * at cycle 0 without a transfer (SCALE-Sim's free first fill); it is stamped in the cycles just
 * before 0 that it would take at the read bandwidth (at least one: cycle −1).
 */
function readWindow(plan: LayerPlan, spec: SystolicSpec, tl: Timeline, stream: 0 | 1): Window {
  const chunks = stream === 0 ? plan.ifmapChunks : plan.filterChunks;
  let w: Window | undefined;
  const first = chunks[0];
  if (spec.conventions === 'scalesim' && first !== undefined && first.bytes > 0) {
    const cycles = Math.max(1, Math.ceil(first.bytes / spec.readBandwidthBytesPerCycle));
    w = { start: -cycles, stop: -1 };
  }
  tl.readStream.forEach((s, i) => {
    if (s === stream) {
      const start = tl.readStart[i]!;
      w = cover(w, start, lastCycle(start, tl.readEnd[i]!));
    }
  });
  return w ?? { start: 0, stop: 0 };
}

function drainWindow(tl: Timeline): Window {
  let w: Window | undefined;
  tl.drainStart.forEach((start, i) => {
    w = cover(w, start, lastCycle(start, tl.drainEnd[i]!));
  });
  return w ?? { start: 0, stop: 0 };
}

const perCycle = (words: number, w: Window): number => words / (w.stop - w.start + 1);

// ---- rows --------------------------------------------------------------------------------------

export type GemmJob = Extract<SystolicJob, { kind: 'gemm' }>;

function sum(xs: readonly { readonly elements: number }[]): number {
  let s = 0;
  for (const x of xs) s += x.elements;
  return s;
}

/**
 * One report row from a simulated GEMM layer and the timeline recorded while simulating it
 * (`simulateGemm(job, spec, timeline)`).
 */
export function scaleSimRowFromDetail(
  layerId: number,
  view: GemmView,
  spec: SystolicSpec,
  detail: GemmLayerDetail,
  timeline: Timeline,
): ScaleSimRow {
  const { plan, timing, counts } = detail;
  const total = timing.cycles;
  const macUnits = spec.rows * spec.cols;
  const util = scalesimUtilizations(plan);
  const segs = new Map(view.segments.map((s) => [s.index, s]));
  const sramIfmap = streamCycles(plan, timeline, (f) => ifmapSpan(view, plan, segs.get(f.segment)!, f), 1);
  const sramFilter = streamCycles(plan, timeline, (f) => filterSpan(plan, f), 1);
  const sramOfmap = streamCycles(plan, timeline, ofmapSpan, 0);
  const sramIfmapReads = counts['sram.ifmap.read'] ?? 0;
  const sramFilterReads = counts['sram.filter.read'] ?? 0;
  const sramOfmapWrites = counts['sram.ofmap.write'] ?? 0;
  const dramIfmap = readWindow(plan, spec, timeline, 0);
  const dramFilter = readWindow(plan, spec, timeline, 1);
  const dramOfmap = drainWindow(timeline);
  const dramIfmapReads = sum(plan.ifmapChunks);
  const dramFilterReads = sum(plan.filterChunks);
  let dramOfmapWrites = 0;
  for (const f of plan.folds) dramOfmapWrites += foldOutputs(f);
  const perTotal = (n: number): number => (total > 0 ? n / total : 0);
  return {
    layerId,
    totalCycles: total,
    stallCycles: timing.stallCycles,
    // SCALE-Sim's operation order, so that the doubles are bit-identical (check-formulas.md)
    overallUtilPct: total > 0 ? (view.macs * 100) / (total * macUnits) : 0,
    mappingEfficiencyPct: util.mappingEfficiency * 100,
    computeUtilPct: util.computeUtil * 100,
    avgIfmapSramBw: perTotal(sramIfmapReads),
    avgFilterSramBw: perTotal(sramFilterReads),
    avgOfmapSramBw: perTotal(sramOfmapWrites),
    avgIfmapDramBw: perCycle(dramIfmapReads, dramIfmap),
    avgFilterDramBw: perCycle(dramFilterReads, dramFilter),
    avgOfmapDramBw: perCycle(dramOfmapWrites, dramOfmap),
    sramIfmapStartCycle: sramIfmap.start,
    sramIfmapStopCycle: sramIfmap.stop,
    sramIfmapReads,
    sramFilterStartCycle: sramFilter.start,
    sramFilterStopCycle: sramFilter.stop,
    sramFilterReads,
    sramOfmapStartCycle: sramOfmap.start,
    sramOfmapStopCycle: sramOfmap.stop,
    sramOfmapWrites,
    dramIfmapStartCycle: dramIfmap.start,
    dramIfmapStopCycle: dramIfmap.stop,
    dramIfmapReads,
    dramFilterStartCycle: dramFilter.start,
    dramFilterStopCycle: dramFilter.stop,
    dramFilterReads,
    dramOfmapStartCycle: dramOfmap.start,
    dramOfmapStopCycle: dramOfmap.stop,
    dramOfmapWrites,
  };
}

/** Simulate one GEMM job with a timeline and build its report row. */
export function scaleSimRow(layerId: number, job: GemmJob, spec: SystolicSpec): ScaleSimRow {
  const timeline = newTimeline();
  const detail = simulateGemm(job, spec, timeline);
  return scaleSimRowFromDetail(layerId, job.view, spec, detail, timeline);
}

/**
 * Rows for every GEMM job (conv, dense, matmul) in order, LayerID 0, 1, … as SCALE-Sim numbers its
 * topology rows; vector and layout jobs have no SCALE-Sim counterpart and get no row.
 */
export function scaleSimRows(jobs: readonly SystolicJob[], spec: SystolicSpec): ScaleSimRow[] {
  const rows: ScaleSimRow[] = [];
  for (const job of jobs) if (job.kind === 'gemm') rows.push(scaleSimRow(rows.length, job, spec));
  return rows;
}

// ---- rendering ---------------------------------------------------------------------------------

/**
 * Python's `repr`/`str` of a float: shortest round-trip digits, fixed notation for 1e−4 ≤ |x| < 1e16
 * with at least one fractional digit (`4.0`), else `d.ddde±XX`.
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa = '0', exponent = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(exponent);
  const point = exp + 1; // digits before the decimal point
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const m = digits.length > 1 ? `${digits.slice(0, 1)}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Python's `str` of an int (a whole number printed without a fraction). */
function pythonInt(x: number): string {
  return Number.isInteger(x) ? String(x) : pythonFloat(x);
}

function renderOne(rows: readonly ScaleSimRow[], columns: readonly ColumnDef[]): string {
  const header = `LayerID, ${columns.map((c) => c.header).join(', ')},\n`;
  const lines = rows.map((r) => {
    const cells = columns.map((c) => (c.kind === 'int' ? pythonInt(r[c.key]) : pythonFloat(r[c.key])));
    return `${r.layerId}, ${cells.join(', ')},\n`;
  });
  return header + lines.join('');
}

/** The text of SCALE-Sim's three report files for these rows. */
export function renderScaleSimReports(rows: readonly ScaleSimRow[]): {
  compute: string;
  bandwidth: string;
  detailed: string;
} {
  return {
    compute: renderOne(rows, COMPUTE_COLUMNS),
    bandwidth: renderOne(rows, BANDWIDTH_COLUMNS),
    detailed: renderOne(rows, DETAILED_COLUMNS),
  };
}

/** File names SCALE-Sim gives the three reports (in `<out>/<run_name>/`). */
export const SCALESIM_REPORT_FILES = {
  compute: 'COMPUTE_REPORT.csv',
  bandwidth: 'BANDWIDTH_REPORT.csv',
  detailed: 'DETAILED_ACCESS_REPORT.csv',
} as const;
