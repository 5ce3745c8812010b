/**
 * The fit behind `npm run calibrate:edge`: the free parameters of the jetson and movidius models,
 * fitted to edge.md §4's measurements only (./measurements.ts), in stages, each on the data that
 * determines it (docs/jetson.md and docs/movidius.md, "Calibration"):
 *
 *  1. Xavier GPU globals (tensor- and CUDA-core efficiency, DRAM efficiency, kernel overhead) on
 *     the GPU MAXN points (the only mode whose clock the reference states);
 *  2. per other power mode: the GPU clock and a DRAM bandwidth factor on that mode's GPU points;
 *  3. Xavier DLA globals (array efficiency, DLA DRAM efficiency, per-layer overhead) on every DLA
 *     point, each mode at its DRAM factor (the DLA clock stays MAXN's: the DLA points do not
 *     determine one per mode);
 *  4. power: per mode a static power and a dynamic scale, across modes the CUDA-core and DLA
 *     energy relative to the tensor cores' and a memory factor (× the cost model's energy of each
 *     action), by non-negative weighted least squares on energy per inference;
 *  5. NCS: SHAVE and DRAM efficiency, then static power and one dynamic factor.
 *
 * Timing fits minimise Σ (ln model − ln measured)² with a deterministic Nelder-Mead from a fixed
 * set of starts. Every fitted value is rounded to 4 significant digits before the next stage uses
 * it, so the presets hold exactly what the later stages and the error bands were computed with.
 */
import { join } from 'node:path';
import { parseFormat } from '../../src/formats/index.js';
import { macCost, stageCost } from '../../src/cost/mac.js';
import { dramAccessEnergy, sramCost } from '../../src/cost/sram.js';
import { prepareRun } from '../../src/sim/prepare.js';
import {
  engineClockHz,
  jetsonJobCycles,
  runJetsonJob,
  type JetsonJob,
} from '../../src/targets/jetson/index.js';
import type { JetsonCalibration, JetsonSpec, PowerMode } from '../../src/targets/jetson/spec.js';
import { runMovidiusJob, type MovidiusJob } from '../../src/targets/movidius/index.js';
import type { MovidiusSpec } from '../../src/targets/movidius/spec.js';
import type { ActionCounts } from '../../src/targets/types.js';
import { packageRoot } from '../../src/units/paths.js';
import { CALIBRATION, VALIDATION, type Measurement, type Workload } from './measurements.js';

// ---- numerics --------------------------------------------------------------------------------

/** 4 significant digits: what the presets hold. */
export function sig4(x: number): number {
  return Number(x.toPrecision(4));
}

const sigmoid = (t: number): number => 1 / (1 + Math.exp(-t));
const logit = (p: number): number => Math.log(p / (1 - p));

/** Deterministic Nelder-Mead minimisation (reflection 1, expansion 2, contraction ½, shrink ½). */
export function nelderMead(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  step = 0.5,
  maxIter = 400,
): { x: number[]; fx: number } {
  const n = x0.length;
  let simplex: { x: number[]; fx: number }[] = [{ x: [...x0], fx: f(x0) }];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i] = x[i]! + step;
    simplex.push({ x, fx: f(x) });
  }
  const at = (a: readonly number[], b: readonly number[], t: number): number[] =>
    a.map((v, i) => v + t * (b[i]! - v));
  for (let iter = 0; iter < maxIter; iter++) {
    simplex.sort((p, q) => p.fx - q.fx);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    if (Math.abs(worst.fx - best.fx) < 1e-14) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]!.x[j]! / n;
    const xr = at(centroid, worst.x, -1);
    const fr = f(xr);
    if (fr < best.fx) {
      const xe = at(centroid, worst.x, -2);
      const fe = f(xe);
      simplex[n] = fe < fr ? { x: xe, fx: fe } : { x: xr, fx: fr };
    } else if (fr < simplex[n - 1]!.fx) {
      simplex[n] = { x: xr, fx: fr };
    } else {
      const xc = fr < worst.fx ? at(centroid, xr, 0.5) : at(centroid, worst.x, 0.5);
      const fc = f(xc);
      if (fc < Math.min(fr, worst.fx)) simplex[n] = { x: xc, fx: fc };
      else {
        simplex = simplex.map((p, i) => {
          if (i === 0) return p;
          const x = at(best.x, p.x, 0.5);
          return { x, fx: f(x) };
        });
      }
    }
  }
  simplex.sort((p, q) => p.fx - q.fx);
  return simplex[0]!;
}

/** The best of several Nelder-Mead runs (fixed starts), restarted once from its result. */
function minimise(f: (x: readonly number[]) => number, starts: readonly number[][]): number[] {
  let best: { x: number[]; fx: number } | undefined;
  for (const s of starts) {
    const r = nelderMead(f, s);
    const again = nelderMead(f, r.x, 0.1);
    if (best === undefined || again.fx < best.fx) best = again;
  }
  return best!.x;
}

/** All combinations of the given values per coordinate (the fit's start points). */
function grid(axes: readonly (readonly number[])[]): number[][] {
  return axes.reduce<number[][]>((acc, axis) => acc.flatMap((p) => axis.map((v) => [...p, v])), [[]]);
}

/**
 * Non-negative least squares of a small system by trying every subset of active variables (the
 * systems here have 2–3 unknowns): minimise ‖A x − b‖², x ≥ 0.
 */
export function nnls(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = a[0]?.length ?? 0;
  let best: { x: number[]; r: number } | undefined;
  for (let mask = 1; mask < 1 << n; mask++) {
    const idx = [...Array(n).keys()].filter((i) => (mask >> i) & 1);
    const ata = idx.map((i) => idx.map((j) => a.reduce((s, row) => s + row[i]! * row[j]!, 0)));
    const atb = idx.map((i) => a.reduce((s, row, k) => s + row[i]! * b[k]!, 0));
    const sol = solve(ata, atb);
    if (sol === undefined || sol.some((v) => v < 0)) continue;
    const x = new Array<number>(n).fill(0);
    idx.forEach((i, k) => (x[i] = sol[k]!));
    const r = a.reduce((s, row, k) => s + (row.reduce((t, v, i) => t + v * x[i]!, 0) - b[k]!) ** 2, 0);
    if (best === undefined || r < best.r) best = { x, r };
  }
  return best?.x ?? new Array<number>(n).fill(0);
}

/** Gaussian elimination with partial pivoting; undefined when singular. */
function solve(m: readonly (readonly number[])[], v: readonly number[]): number[] | undefined {
  const n = v.length;
  const a = m.map((row, i) => [...row, v[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    if (Math.abs(a[p]![c]!) < 1e-300) return undefined;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

// ---- the models' runs ------------------------------------------------------------------------

const XAVIER_PRESET = join(packageRoot(), 'hw-configs', 'jetson', 'agx-xavier-maxn.yaml');
const NCS_PRESET = join(packageRoot(), 'hw-configs', 'movidius', 'ncs.yaml');
const NCS2_PRESET = join(packageRoot(), 'hw-configs', 'movidius', 'ncs2.yaml');

/** The Xavier's power modes, in the order of the presets. */
export const XAVIER_MODES = ['maxn', '30w', '15w', '10w'] as const;
/** MAXN's GPU clock: edge.md §1 and §7 [S2] (jetson_clocks pins 1377 MHz). */
export const MAXN_GPU_CLOCK_MHZ = 1377;

export interface XavierCase {
  readonly jobs: readonly JetsonJob[];
  readonly base: JetsonSpec;
  readonly batch: number;
}

/** A run's total seconds and summed actions on a spec. */
export function runXavier(c: XavierCase, spec: JetsonSpec): { latencyS: number; counts: ActionCounts } {
  let cycles = 0;
  const counts: ActionCounts = {};
  for (const job of c.jobs) {
    const r = runJetsonJob(job, spec);
    cycles += r.cycles;
    for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + v;
  }
  return { latencyS: cycles / engineClockHz(spec), counts };
}

/** Inferences per second of a case on a spec (the fit's hot path). */
export function xavierInferencesPerS(c: XavierCase, spec: JetsonSpec): number {
  let cycles = 0;
  for (const job of c.jobs) cycles += jetsonJobCycles(job, spec);
  return c.batch / (cycles / engineClockHz(spec));
}

const cases = new Map<string, XavierCase>();

/** A workload compiled for the Xavier preset on an engine and format (cached). */
export function xavierCase(workload: string, engine: 'gpu' | 'dla', format: string, batch = 1): XavierCase {
  const key = `${workload}|${engine}|${format}|${batch}`;
  const hit = cases.get(key);
  if (hit !== undefined) return hit;
  const run = prepareRun({
    hw: XAVIER_PRESET,
    workload,
    formats: { format },
    presetFlags: { 'device-engine': engine },
    batch,
  });
  const c = { jobs: run.jobs as JetsonJob[], base: run.spec as JetsonSpec, batch: run.batch };
  cases.set(key, c);
  return c;
}

export interface ModeValues {
  readonly name: string;
  readonly gpuClockMhz: number;
  readonly dlaClockMhz: number;
  readonly dramScale: number;
}

export interface XavierTiming {
  readonly tensorEfficiency: number;
  readonly cudaEfficiency: number;
  readonly dramEfficiency: number;
  readonly kernelOverheadCycles: number;
  readonly dlaEfficiency: number;
  readonly dlaDramEfficiency: number;
  readonly dlaLayerOverheadCycles: number;
  readonly modes: readonly ModeValues[];
}

/**
 * MAXN's DLA clock, derived: edge.md §1's "5 TFLOPS FP16" for the two DLAs = 2.5 TFLOPS per engine
 * = 1.25 T FP16 MAC/s over the preset's FP16 array (atomic-C × FP16 factor × atomic-K MACs/cycle).
 */
export function maxnDlaClockMhz(base: JetsonSpec): number {
  const fp16Macs = Math.floor(base.dla.atomicC * base.dla.fp16RateFactor) * base.dla.atomicK;
  return sig4(5e12 / base.dla.engines / 2 / fp16Macs / 1e6);
}

/** A spec with the given calibration, mode and engine (everything else from the preset's facts). */
export function xavierSpec(
  base: JetsonSpec,
  t: XavierTiming,
  mode: string,
  engine: 'gpu' | 'dla',
): JetsonSpec {
  const modes: PowerMode[] = t.modes.map((m) => ({
    name: m.name,
    gpuClockHz: m.gpuClockMhz * 1e6,
    dlaClockHz: m.dlaClockMhz * 1e6,
    dramScale: m.dramScale,
    source: 'calibration',
    errorBand: {},
  }));
  const chosen = modes.find((m) => m.name === mode) ?? modes[0]!;
  const calibration: JetsonCalibration = {
    tensorEfficiency: t.tensorEfficiency,
    cudaEfficiency: t.cudaEfficiency,
    dramEfficiency: t.dramEfficiency,
    kernelOverheadCycles: t.kernelOverheadCycles,
    dlaEfficiency: t.dlaEfficiency,
    dlaDramEfficiency: t.dlaDramEfficiency,
    dlaLayerOverheadCycles: t.dlaLayerOverheadCycles,
  };
  return { ...base, engine, modes, mode: chosen, calibration };
}

const sq = (x: number): number => x * x;

function logError(model: number, measured: number): number {
  return sq(Math.log(model) - Math.log(measured));
}

// ---- energy ------------------------------------------------------------------------------------

/** Energy (pJ) of each priced action before the fitted factors, from the cost model, by group. */
export interface BaseEnergies {
  /** GPU tensor-core actions. */
  readonly tensor: Readonly<Record<string, number>>;
  /** GPU CUDA-core actions. */
  readonly cuda: Readonly<Record<string, number>>;
  /** DLA (Xavier) or VPU (Myriad) actions. */
  readonly dla: Readonly<Record<string, number>>;
  /** Scaled by the mode's memory factor: SRAM and DRAM bytes. */
  readonly mem: Readonly<Record<string, number>>;
  /** Where each figure comes from. */
  readonly provenance: Readonly<Record<string, string>>;
}

function mac(w: string, a: string, acc: string, nodeNm: number): { pj: number; why: string } {
  const m = macCost(parseFormat(w), parseFormat(a), parseFormat(acc), { nodeNm });
  return {
    pj: m.energyPj,
    why: `the cost model's MAC ${w}×${a}→${acc} at ${nodeNm} nm (src/cost/mac.ts: Horowitz 45 nm, scaled)`,
  };
}

function adder(nodeNm: number): { pj: number; why: string } {
  const m = macCost(parseFormat('fp16'), parseFormat('fp16'), parseFormat('fp16'), { nodeNm });
  return {
    pj: stageCost(m, 'accumulate').energyPj,
    why: `one FP16 add: the accumulate stage of the cost model's FP16 MAC at ${nodeNm} nm (src/cost/mac.ts)`,
  };
}

function sramByte(bytes: number, nodeNm: number): { pj: number; why: string } {
  const c = sramCost({ capacityBytes: bytes, widthBits: 64, ports: 1 }, { nodeNm });
  return {
    pj: c.readEnergyPj / 8,
    why: `1/8 of a 64-bit read of a ${bytes / 1024} KiB SRAM at ${nodeNm} nm (the cost model's CACTI sweep, src/cost/sram.ts)`,
  };
}

function dramByte(): { pj: number; why: string } {
  const d = dramAccessEnergy('lpddr4', 8);
  return { pj: d.energyPj, why: `${d.provenance} (energy-area.md §2.3)` };
}

type Parts = Record<'tensor' | 'cuda' | 'dla' | 'mem', Record<string, { pj: number; why: string }>>;

function energies(parts: Parts): BaseEnergies {
  const pick = (r: Record<string, { pj: number; why: string }>): Record<string, number> =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.pj]));
  const provenance: Record<string, string> = {};
  for (const r of Object.values(parts)) for (const [k, v] of Object.entries(r)) provenance[k] = v.why;
  return {
    tensor: pick(parts.tensor),
    cuda: pick(parts.cuda),
    dla: pick(parts.dla),
    mem: pick(parts.mem),
    provenance,
  };
}

export function xavierBaseEnergies(spec: JetsonSpec): BaseEnergies {
  const n = spec.nodeNm;
  return energies({
    tensor: {
      'gpu.tensor.mac.fp16': mac('fp16', 'fp16', 'fp32', n),
      'gpu.tensor.mac.int8': mac('int8', 'int8', 'int32', n),
    },
    cuda: {
      'gpu.cuda.mac.fp32': mac('fp32', 'fp32', 'fp32', n),
      'gpu.cuda.mac.fp16': mac('fp16', 'fp16', 'fp16', n),
      'gpu.cuda.mac.int8': mac('int8', 'int8', 'int32', n),
      'gpu.cuda.op': adder(n),
    },
    dla: {
      'dla.mac.fp16': mac('fp16', 'fp16', 'fp32', n),
      'dla.mac.int8': mac('int8', 'int8', 'int32', n),
      'dla.op': adder(n),
    },
    mem: {
      'gpu.l2.bytes': sramByte(spec.gpu.l2Bytes, n),
      'dla.cbuf.bytes': sramByte(spec.dla.cbufBytes, n),
      'dram.bytes': dramByte(),
    },
  });
}

export function movidiusBaseEnergies(spec: MovidiusSpec): BaseEnergies {
  const n = spec.nodeNm;
  return energies({
    tensor: {},
    cuda: {},
    dla: {
      'shave.mac.fp16': mac('fp16', 'fp16', 'fp16', n),
      'shave.op': adder(n),
      ...(spec.nceMacsPerCycle !== undefined ? { 'nce.mac.fp16': mac('fp16', 'fp16', 'fp32', n) } : {}),
    },
    mem: { 'cmx.bytes': sramByte(spec.cmxBytes, n), 'dram.bytes': dramByte() },
  });
}

/** A mode's power model: static power and the factor on each group's cost-model energies. */
export interface PowerValues {
  readonly staticW: number;
  readonly tensorFactor: number;
  readonly cudaFactor: number;
  readonly dlaFactor: number;
  readonly memFactor: number;
}

/** The rows' prices of a mode: each base energy × its group's factor, rounded as the rows hold them. */
export function modePrices(base: BaseEnergies, pw: PowerValues): Record<string, number> {
  const p: Record<string, number> = { 'module.static.ns': sig4(pw.staticW * 1000) };
  for (const [k, v] of Object.entries(base.tensor)) p[k] = sig4(v * pw.tensorFactor);
  for (const [k, v] of Object.entries(base.cuda)) p[k] = sig4(v * pw.cudaFactor);
  for (const [k, v] of Object.entries(base.dla)) p[k] = sig4(v * pw.dlaFactor);
  for (const [k, v] of Object.entries(base.mem)) p[k] = sig4(v * pw.memFactor);
  return p;
}

/** Joules of a run's actions at the given prices (pJ). */
export function priced(counts: ActionCounts, prices: Readonly<Record<string, number>>): number {
  let pj = 0;
  for (const [k, v] of Object.entries(counts)) {
    const price = prices[k];
    if (price === undefined) throw new Error(`no price for ${k}`);
    pj += v * price;
  }
  return pj * 1e-12;
}

/** A run's energy as the power fit sees it: J per unit of each factor (static: seconds). */
interface EnergyTerms {
  readonly static: number;
  readonly tensor: number;
  readonly cuda: number;
  readonly dla: number;
  readonly mem: number;
}

/** A run's energy terms. */
function energyTerms(latencyS: number, counts: ActionCounts, base: BaseEnergies): EnergyTerms {
  const part = (r: Readonly<Record<string, number>>): number =>
    Object.entries(r).reduce((s, [k, pj]) => s + (counts[k] ?? 0) * pj * 1e-12, 0);
  return {
    static: latencyS,
    tensor: part(base.tensor),
    cuda: part(base.cuda),
    dla: part(base.dla),
    mem: part(base.mem),
  };
}

// ---- results -----------------------------------------------------------------------------------

export interface PointResult {
  readonly measurement: Measurement;
  readonly modelInferencesPerS: number;
  readonly modelInferencesPerSPerW: number;
}

export interface ErrorBandValues {
  readonly inferencesPerSPct: number;
  readonly inferencesPerSPerWPct: number;
  readonly points: number;
}

export interface XavierFit {
  readonly timing: XavierTiming;
  /** CUDA-core and DLA energy relative to the tensor cores', and the memory factor (all modes). */
  readonly ratios: { readonly cuda: number; readonly dla: number; readonly mem: number };
  readonly power: Readonly<Record<string, PowerValues>>;
  readonly bands: Readonly<Record<string, { readonly gpu: ErrorBandValues; readonly dla: ErrorBandValues }>>;
  readonly base: BaseEnergies;
  readonly points: readonly PointResult[];
}

export interface MovidiusFit {
  readonly shaveEfficiency: number;
  readonly dramEfficiency: number;
  readonly layerOverheadUs: number;
  readonly power: PowerValues;
  readonly band: ErrorBandValues;
  readonly base: BaseEnergies;
  readonly ncs2Base: BaseEnergies;
  readonly points: readonly PointResult[];
}

export interface ValidationResult {
  readonly id: string;
  readonly what: string;
  readonly measuredInferencesPerS: number;
  readonly modelInferencesPerS: number;
  readonly source: string;
}

export interface EdgeCalibration {
  readonly xavier: XavierFit;
  readonly ncs: MovidiusFit;
  readonly validation: readonly ValidationResult[];
}

/** Max |model / measured − 1| in %, rounded up to 0.1 %. */
export function bandOf(points: readonly PointResult[]): ErrorBandValues {
  const pct = (f: (p: PointResult) => number): number =>
    Math.ceil(points.reduce((m, p) => Math.max(m, Math.abs(f(p))), 0) * 1000 - 1e-9) / 10;
  return {
    inferencesPerSPct: pct((p) => p.modelInferencesPerS / p.measurement.inferencesPerS - 1),
    inferencesPerSPerWPct: pct((p) => p.modelInferencesPerSPerW / p.measurement.inferencesPerSPerW - 1),
    points: points.length,
  };
}

// ---- the stages ------------------------------------------------------------------------------

type Log = (line: string) => void;

interface XavierPoint {
  readonly m: Measurement;
  readonly c: XavierCase;
}

const engineOf = (m: Measurement): 'gpu' | 'dla' => (m.engine === 'dla' ? 'dla' : 'gpu');

function fitXavier(log: Log): XavierFit {
  const pts: XavierPoint[] = CALIBRATION.filter((m) => m.device === 'agx-xavier').map((m) => ({
    m,
    c: xavierCase(m.workload, engineOf(m), m.format),
  }));
  const base = pts[0]!.c.base;
  const dlaMaxn = maxnDlaClockMhz(base);
  const of = (engine: string, mode?: string): XavierPoint[] =>
    pts.filter((p) => p.m.engine === engine && (mode === undefined || p.m.mode === mode));
  const maxn: ModeValues = {
    name: 'maxn',
    gpuClockMhz: MAXN_GPU_CLOCK_MHZ,
    dlaClockMhz: dlaMaxn,
    dramScale: 1,
  };
  const cost = (p: readonly XavierPoint[], tt: XavierTiming): number =>
    p.reduce((s, q) => {
      const spec = xavierSpec(q.c.base, tt, q.m.mode, engineOf(q.m));
      return s + logError(xavierInferencesPerS(q.c, spec), q.m.inferencesPerS);
    }, 0);
  let t: XavierTiming = {
    tensorEfficiency: 0.5,
    cudaEfficiency: 0.5,
    dramEfficiency: 0.5,
    kernelOverheadCycles: 10000,
    dlaEfficiency: 0.5,
    dlaDramEfficiency: 0.5,
    dlaLayerOverheadCycles: 10000,
    modes: [maxn],
  };

  // 1. GPU globals on the GPU MAXN points (the one mode whose clock is stated)
  const gpuMaxn = of('gpu', 'maxn');
  const gpuGlobals = (x: readonly number[]): XavierTiming => ({
    ...t,
    tensorEfficiency: sigmoid(x[0]!),
    cudaEfficiency: sigmoid(x[1]!),
    dramEfficiency: sigmoid(x[2]!),
    kernelOverheadCycles: Math.round(Math.exp(x[3]!)),
  });
  const g = gpuGlobals(
    minimise(
      (x) => cost(gpuMaxn, gpuGlobals(x)),
      grid([
        [logit(0.2), logit(0.6)],
        [logit(0.5)],
        [logit(0.4), logit(0.8)],
        [Math.log(3000), Math.log(30000)],
      ]),
    ),
  );
  t = {
    ...t,
    tensorEfficiency: sig4(g.tensorEfficiency),
    cudaEfficiency: sig4(g.cudaEfficiency),
    dramEfficiency: sig4(g.dramEfficiency),
    kernelOverheadCycles: g.kernelOverheadCycles,
  };
  log(
    `GPU globals from the ${gpuMaxn.length} GPU MAXN points: tensor-core efficiency ${t.tensorEfficiency}, CUDA-core efficiency ${t.cudaEfficiency}, DRAM efficiency ${t.dramEfficiency}, ${t.kernelOverheadCycles} cycles per kernel`,
  );

  // 2. per mode: GPU clock and DRAM factor on that mode's GPU points
  const modes: ModeValues[] = [maxn];
  for (const name of XAVIER_MODES.slice(1)) {
    const gp = of('gpu', name);
    const mode = (x: readonly number[]): ModeValues => ({
      name,
      gpuClockMhz: MAXN_GPU_CLOCK_MHZ * sigmoid(x[0]!),
      dlaClockMhz: dlaMaxn,
      dramScale: sigmoid(x[1]!),
    });
    const m = mode(
      minimise(
        (x) => cost(gp, { ...t, modes: [mode(x)] }),
        grid([
          [logit(0.4), logit(0.8)],
          [logit(0.5), logit(0.9)],
        ]),
      ),
    );
    modes.push({ ...m, gpuClockMhz: sig4(m.gpuClockMhz), dramScale: sig4(m.dramScale) });
  }

  // 3. DLA globals and per-mode DLA clocks, jointly on every DLA point
  const dlaPts = of('dla');
  const dla = (x: readonly number[]): XavierTiming => ({
    ...t,
    dlaEfficiency: sigmoid(x[0]!),
    dlaDramEfficiency: sigmoid(x[1]!),
    dlaLayerOverheadCycles: Math.round(Math.exp(x[2]!)),
    modes,
  });
  const d = dla(
    minimise(
      (x) => cost(dlaPts, dla(x)),
      grid([
        [logit(0.3), logit(0.8)],
        [logit(0.2), logit(0.6)],
        [Math.log(3000), Math.log(30000)],
      ]),
    ),
  );
  t = {
    ...t,
    dlaEfficiency: sig4(d.dlaEfficiency),
    dlaDramEfficiency: sig4(d.dlaDramEfficiency),
    dlaLayerOverheadCycles: d.dlaLayerOverheadCycles,
    modes: d.modes.map((m) => ({ ...m, dlaClockMhz: sig4(m.dlaClockMhz) })),
  };
  log(
    `DLA globals from the ${dlaPts.length} DLA points (all modes; each mode's DRAM factor from its GPU points): array efficiency ${t.dlaEfficiency}, DRAM efficiency ${t.dlaDramEfficiency}, ${t.dlaLayerOverheadCycles} cycles per layer`,
  );
  for (const m of t.modes.slice(1)) {
    log(
      `mode ${m.name}: GPU ${m.gpuClockMhz} MHz and DRAM ×${m.dramScale} from its ${of('gpu', m.name).length} GPU points`,
    );
  }

  // 4. power: per mode a static power and a dynamic scale (its V² and activity); across modes the
  //    CUDA-core and DLA energy relative to the tensor cores, and a memory factor
  const energyBase = xavierBaseEnergies(base);
  const runs = new Map<XavierPoint, { latencyS: number; counts: ActionCounts }>();
  for (const p of pts) runs.set(p, runXavier(p.c, xavierSpec(p.c.base, t, p.m.mode, engineOf(p.m))));
  const terms = pts.map((p) => {
    const r = runs.get(p)!;
    return { p, e: energyTerms(r.latencyS, r.counts, energyBase), measured: 1 / p.m.inferencesPerSPerW };
  });
  const perMode = (x: readonly number[]): { residual: number; power: Record<string, PowerValues> } => {
    const [rCuda, rDla, kMem] = x.map(Math.exp) as [number, number, number];
    const power: Record<string, PowerValues> = {};
    let residual = 0;
    for (const name of XAVIER_MODES) {
      const mt = terms.filter((q) => q.p.m.mode === name);
      const rows = mt.map((q) => [
        q.e.static / q.measured,
        (q.e.tensor + rCuda * q.e.cuda + rDla * q.e.dla) / q.measured,
      ]);
      const rhs = mt.map((q) => 1 - (kMem * q.e.mem) / q.measured);
      const [st, sc] = nnls(rows, rhs) as [number, number];
      residual += rows.reduce((r, row, i) => r + sq(row[0]! * st + row[1]! * sc - rhs[i]!), 0);
      power[name] = {
        staticW: st,
        tensorFactor: sc,
        cudaFactor: sc * rCuda,
        dlaFactor: sc * rDla,
        memFactor: kMem,
      };
    }
    return { residual, power };
  };
  const px = minimise(
    (x) => perMode(x).residual,
    grid([
      [0, Math.log(5)],
      [Math.log(0.3), 0],
      [0, Math.log(3)],
    ]),
  );
  const ratios = { cuda: sig4(Math.exp(px[0]!)), dla: sig4(Math.exp(px[1]!)), mem: sig4(Math.exp(px[2]!)) };
  const fitted = perMode([Math.log(ratios.cuda), Math.log(ratios.dla), Math.log(ratios.mem)]).power;
  const power: Record<string, PowerValues> = {};
  log(
    `power, across the ${terms.length} inf/s/W points: CUDA-core energy ×${ratios.cuda} and DLA energy ×${ratios.dla} of the tensor cores' (relative to the cost model), memory ×${ratios.mem}`,
  );
  for (const name of XAVIER_MODES) {
    const f = fitted[name]!;
    const scale = sig4(f.tensorFactor);
    power[name] = {
      staticW: sig4(f.staticW),
      tensorFactor: scale,
      cudaFactor: sig4(scale * ratios.cuda),
      dlaFactor: sig4(scale * ratios.dla),
      memFactor: ratios.mem,
    };
    log(
      `power ${name} from its ${terms.filter((q) => q.p.m.mode === name).length} inf/s/W points: static ${power[name].staticW} W, dynamic scale ×${scale}`,
    );
  }

  const points: PointResult[] = pts.map((p) => {
    const r = runs.get(p)!;
    return {
      measurement: p.m,
      modelInferencesPerS: 1 / r.latencyS,
      modelInferencesPerSPerW: 1 / priced(r.counts, modePrices(energyBase, power[p.m.mode]!)),
    };
  });
  const bands: Record<string, { gpu: ErrorBandValues; dla: ErrorBandValues }> = {};
  for (const name of XAVIER_MODES) {
    const sel = (e: string): PointResult[] =>
      points.filter((p) => p.measurement.mode === name && p.measurement.engine === e);
    bands[name] = { gpu: bandOf(sel('gpu')), dla: bandOf(sel('dla')) };
  }
  return { timing: t, ratios, power, bands, base: energyBase, points };
}

/** The NCS spec with the fitted values (everything else from the preset). */
export function ncsSpec(
  base: MovidiusSpec,
  shaveEfficiency: number,
  dramEfficiency: number,
  layerOverheadUs: number,
): MovidiusSpec {
  return {
    ...base,
    calibration: {
      shaveEfficiency,
      nceEfficiency: shaveEfficiency,
      dramEfficiency,
      layerOverheadS: layerOverheadUs * 1e-6,
      errorBand: undefined,
    },
  };
}

function runMovidius(
  jobs: readonly MovidiusJob[],
  spec: MovidiusSpec,
): { latencyS: number; counts: ActionCounts } {
  let cycles = 0;
  const counts: ActionCounts = {};
  for (const job of jobs) {
    const r = runMovidiusJob(job, spec);
    cycles += r.cycles;
    for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + v;
  }
  return { latencyS: cycles / spec.clockHz, counts };
}

/** NCS per-layer overhead: not fitted (three points cannot carry three parameters). */
export const NCS_LAYER_OVERHEAD_US = 0;

function fitNcs(log: Log): MovidiusFit {
  const pts = CALIBRATION.filter((m) => m.device === 'ncs').map((m) => {
    const run = prepareRun({ hw: NCS_PRESET, workload: m.workload, formats: { format: m.format } });
    return { m, jobs: run.jobs as MovidiusJob[], base: run.spec as MovidiusSpec };
  });
  const base = pts[0]!.base;
  const spec = (x: readonly number[]): MovidiusSpec =>
    ncsSpec(base, sigmoid(x[0]!), sigmoid(x[1]!), NCS_LAYER_OVERHEAD_US);
  const x = minimise(
    (v) =>
      pts.reduce((s, p) => s + logError(1 / runMovidius(p.jobs, spec(v)).latencyS, p.m.inferencesPerS), 0),
    grid([
      [logit(0.2), logit(0.6)],
      [logit(0.2), logit(0.6)],
    ]),
  );
  const shaveEfficiency = sig4(sigmoid(x[0]!));
  const dramEfficiency = sig4(sigmoid(x[1]!));
  log(
    `NCS timing from its ${pts.length} points: SHAVE efficiency ${shaveEfficiency}, DRAM efficiency ${dramEfficiency}`,
  );
  const fitted = ncsSpec(base, shaveEfficiency, dramEfficiency, NCS_LAYER_OVERHEAD_US);
  const energyBase = movidiusBaseEnergies(base);
  const runs = pts.map((p) => ({ p, r: runMovidius(p.jobs, fitted) }));
  const rows: number[][] = [];
  const rhs: number[] = [];
  for (const { p, r } of runs) {
    const e = energyTerms(r.latencyS, r.counts, energyBase);
    const measured = 1 / p.m.inferencesPerSPerW;
    // one dynamic factor for the VPU and its memory: three points carry two parameters
    rows.push([e.static / measured, (e.dla + e.mem) / measured]);
    rhs.push(1);
  }
  const [s, k] = nnls(rows, rhs);
  const power: PowerValues = {
    staticW: sig4(s!),
    tensorFactor: 0,
    cudaFactor: 0,
    dlaFactor: sig4(k!),
    memFactor: sig4(k!),
  };
  log(
    `NCS power from its ${pts.length} inf/s/W points: static ${power.staticW} W; energy × cost model ×${power.dlaFactor}`,
  );
  const prices = modePrices(energyBase, power);
  const points: PointResult[] = runs.map(({ p, r }) => ({
    measurement: p.m,
    modelInferencesPerS: 1 / r.latencyS,
    modelInferencesPerSPerW: 1 / priced(r.counts, prices),
  }));
  const ncs2 = prepareRun({ hw: NCS2_PRESET, workload: 'alexnet', formats: { format: 'fp16' } })
    .spec as MovidiusSpec;
  return {
    shaveEfficiency,
    dramEfficiency,
    layerOverheadUs: NCS_LAYER_OVERHEAD_US,
    power,
    band: bandOf(points),
    base: energyBase,
    ncs2Base: movidiusBaseEnergies(ncs2),
    points,
  };
}

/** The INT8 model against MLPerf (never fitted to). */
function validate(t: XavierTiming): ValidationResult[] {
  return VALIDATION.map((v) => {
    let model: number;
    if (v.id === 'mlperf-singlestream') {
      const c = xavierCase('resnet50', 'gpu', 'int8');
      model = xavierInferencesPerS(c, xavierSpec(c.base, t, 'maxn', 'gpu'));
    } else {
      const gpu = xavierCase('resnet50', 'gpu', 'int8', 64);
      const dla = xavierCase('resnet50', 'dla', 'int8', 32);
      model =
        xavierInferencesPerS(gpu, xavierSpec(gpu.base, t, 'maxn', 'gpu')) +
        2 * xavierInferencesPerS(dla, xavierSpec(dla.base, t, 'maxn', 'dla'));
    }
    return {
      id: v.id,
      what: v.what,
      measuredInferencesPerS: v.inferencesPerS,
      modelInferencesPerS: model,
      source: v.source,
    };
  });
}

/** The whole calibration (deterministic: same inputs, same values). */
export function calibrateEdge(log: Log = () => undefined): EdgeCalibration {
  const xavier = fitXavier(log);
  const ncs = fitNcs(log);
  return { xavier, ncs, validation: validate(xavier.timing) };
}

export type { Workload };
