/**
 * The `jetson` target: NVIDIA Jetson AGX Xavier, its Volta GPU (8 SMs with tensor cores) and its
 * NVDLA engines, in the power modes of the presets (hw-configs/jetson/; docs/jetson.md).
 *
 * A calibrated model: each layer is timed by the kernel the library would run (./gpu.ts) or by the
 * DLA's atomic array (./dla.ts), with efficiencies, overheads and per-mode clocks fitted to the
 * measurements of ../shared/reference/edge.md §4 by scripts/calibrate-edge.ts. Every layer carries
 * `fidelity: calibrated` and the mode's error band on the calibration set.
 *
 * Energy: the counts are priced by hw-configs/tech/blocks.yaml rows for this device and mode
 * (`<energy_rows>.<mode>.*`): per-action energies of the GPU and DLA, the mode's static power per
 * nanosecond of run time, L2 / CBUF / DRAM bytes. The static rows carry the module's whole static
 * power, so the cost model's area-based leakage is switched off (leakage factor 0).
 */
import type { FormatAssignment } from '../../config/format-flags.js';
import type { Graph } from '../../graph/ir.js';
import type { ActionCounts, InventoryItem, LayerResult, ShapedNode, TargetDefinition } from '../types.js';
import { checkFormats, compileJetson, type JetsonJob } from './compile.js';
import { dlaCounts, dlaExtra, planDlaLayer } from './dla.js';
import {
  elementBytes,
  gpuCounts,
  gpuExtra,
  planGpuKernel,
  tensorMacsPerSmCycle,
  type GpuClocks,
} from './gpu.js';
import { parseJetsonSpec, type JetsonSpec } from './spec.js';

export type { JetsonJob } from './compile.js';
export type { JetsonSpec } from './spec.js';

/** Clock of the engine's unit in the chosen power mode. */
export function engineClockHz(spec: JetsonSpec): number {
  return spec.engine === 'gpu' ? spec.mode.gpuClockHz : spec.mode.dlaClockHz;
}

/** DRAM bytes per second a kernel gets in the chosen mode (peak × mode scale × efficiency). */
export function effectiveDramBytesPerS(spec: JetsonSpec): number {
  return spec.dramBytesPerS * spec.mode.dramScale * spec.calibration.dramEfficiency;
}

/** MACs per cycle at best: the GPU's INT8 tensor rate, or one DLA's INT8 atomic array. */
export function jetsonPeakMacsPerCycle(spec: JetsonSpec): number {
  return spec.engine === 'gpu'
    ? spec.gpu.sms * tensorMacsPerSmCycle(spec.gpu, 'int8')
    : spec.dla.atomicC * spec.dla.atomicK;
}

/** The calibration band that every layer of a run in this mode and engine reports. */
export function errorBandText(spec: JetsonSpec): string {
  const b = spec.mode.errorBand[spec.engine];
  if (b === undefined)
    return `no measurement of the ${spec.engine.toUpperCase()} in mode ${spec.mode.name}: uncalibrated (docs/jetson.md)`;
  return `inferences/s within ±${b.inferencesPerSPct} %, inferences/s/W within ±${b.inferencesPerSPerWPct} % over the ${b.points} calibration points of the ${spec.engine.toUpperCase()} in mode ${spec.mode.name} (edge.md §4; docs/jetson.md)`;
}

function addCounts(into: ActionCounts, from: ActionCounts): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function sorted<T>(c: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(c).sort(([x], [y]) => x.localeCompare(y)));
}

/** Cycles at `toHz` of `cycles` at `fromHz` (a GPU fallback timed on the DLA engine's clock). */
function rescale(cycles: number, fromHz: number, toHz: number): number {
  return fromHz === toHz ? cycles : Math.ceil((cycles / fromHz) * toHz);
}

/**
 * Cycles (engine clock) of a change of unit on the DLA engine: the crossing tensor is copied (read
 * and written once, a reformat between the units' layouts) by one GPU kernel.
 */
function switchCycles(elements: number, spec: JetsonSpec, precision: JetsonJob['precision']): number {
  if (elements === 0) return 0;
  const bytes = 2 * elements * elementBytes(precision);
  const copy = Math.ceil((bytes / effectiveDramBytesPerS(spec)) * engineClockHz(spec));
  return copy + rescale(spec.calibration.kernelOverheadCycles, spec.mode.gpuClockHz, engineClockHz(spec));
}

function switchElementsOf(job: JetsonJob): number {
  const r = job.run;
  if (r.kind === 'dla') return r.switchElements;
  if (r.kind === 'gpu') return r.fallback?.switchElements ?? 0;
  return 0;
}

function gpuClocks(spec: JetsonSpec): GpuClocks {
  return { clockHz: spec.mode.gpuClockHz, dramBytesPerS: effectiveDramBytesPerS(spec) };
}

/** DRAM bandwidth of the mode before the DLA's own efficiency. */
function modeDramBytesPerS(spec: JetsonSpec): number {
  return spec.dramBytesPerS * spec.mode.dramScale;
}

/** A job's cycles on the engine's clock, and the cycles of its compute alone. */
function jobTiming(job: JetsonJob, spec: JetsonSpec): { cycles: number; computeCycles: number } {
  const r = job.run;
  const clockHz = engineClockHz(spec);
  const p = job.precision;
  if (r.kind === 'view') return { cycles: 0, computeCycles: 0 };
  if (r.kind === 'fused') {
    const bytes = r.extraInElements * elementBytes(p);
    return { cycles: Math.ceil((bytes / effectiveDramBytesPerS(spec)) * clockHz), computeCycles: 0 };
  }
  const sw = switchCycles(switchElementsOf(job), spec, p);
  if (r.kind === 'gpu') {
    const plan = planGpuKernel(r.work, p, spec.gpu, spec.calibration, gpuClocks(spec));
    return {
      cycles: rescale(plan.cycles, spec.mode.gpuClockHz, clockHz) + sw,
      computeCycles: rescale(plan.computeCycles, spec.mode.gpuClockHz, clockHz),
    };
  }
  const plan = planDlaLayer(
    r.work,
    p,
    spec.dla,
    spec.calibration,
    spec.mode.dlaClockHz,
    modeDramBytesPerS(spec),
  );
  return {
    cycles: rescale(plan.cycles, spec.mode.dlaClockHz, clockHz) + sw,
    computeCycles: rescale(plan.computeCycles, spec.mode.dlaClockHz, clockHz),
  };
}

/** A job's cycles on the engine's clock (the calibration's hot path: no counts, no text). */
export function jetsonJobCycles(job: JetsonJob, spec: JetsonSpec): number {
  return jobTiming(job, spec).cycles;
}

/** A job's actions and report fields. */
function jobDetails(
  job: JetsonJob,
  spec: JetsonSpec,
): { counts: ActionCounts; extra: Record<string, number | string> } {
  const r = job.run;
  const p = job.precision;
  if (r.kind === 'view') return { counts: {}, extra: { unit: 'none', kernel: r.why } };
  if (r.kind === 'fused') {
    const bytes = r.extraInElements * elementBytes(p);
    return {
      counts: bytes > 0 ? { 'dram.bytes': bytes } : {},
      extra: {
        unit: r.unit,
        kernel: `fused into ${r.into} (${r.unit === 'gpu' ? 'GEMM epilogue' : 'SDP on the fly'})`,
      },
    };
  }
  let counts: ActionCounts;
  let extra: Record<string, number | string>;
  if (r.kind === 'gpu') {
    const plan = planGpuKernel(r.work, p, spec.gpu, spec.calibration, gpuClocks(spec));
    counts = gpuCounts(r.work, p, plan);
    extra = { unit: 'gpu', ...gpuExtra(p, plan, spec.gpu.sms) };
    if (r.fallback !== undefined) extra.fallback = `GPU fallback: ${r.fallback.reason}`;
  } else {
    const plan = planDlaLayer(
      r.work,
      p,
      spec.dla,
      spec.calibration,
      spec.mode.dlaClockHz,
      modeDramBytesPerS(spec),
    );
    counts = dlaCounts(r.work, p, spec.dla, plan);
    extra = { unit: 'dla', ...dlaExtra(r.work, p, spec.dla, plan) };
  }
  const crossing = switchElementsOf(job);
  if (crossing > 0) {
    const bytes = 2 * crossing * elementBytes(p);
    addCounts(counts, { 'dram.bytes': bytes, 'gpu.l2.bytes': bytes });
    extra.switchBytes = bytes;
    extra.switchCycles = switchCycles(crossing, spec, p);
  }
  return { counts, extra };
}

export function runJetsonJob(job: JetsonJob, spec: JetsonSpec): LayerResult {
  const t = jobTiming(job, spec);
  const d = jobDetails(job, spec);
  const clockHz = engineClockHz(spec);
  const counts: ActionCounts = { ...d.counts };
  if (t.cycles > 0) counts['module.static.ns'] = (t.cycles / clockHz) * 1e9;
  const peak = jetsonPeakMacsPerCycle(spec);
  return {
    name: job.name,
    op: job.op,
    cycles: t.cycles,
    stallCycles: t.cycles - Math.min(t.cycles, t.computeCycles),
    macs: job.macs,
    utilization: t.cycles > 0 ? job.macs / (t.cycles * peak) : 0,
    counts: sorted(counts),
    extra: sorted({
      ...d.extra,
      engine: spec.engine,
      powerMode: spec.mode.name,
      precision: job.precision,
      fidelity: 'calibrated',
      errorBand: errorBandText(spec),
      latencyS: t.cycles / clockHz,
    }),
  };
}

/**
 * What the module is made of for the cost model: blocks priced by this device's rows in
 * hw-configs/tech/blocks.yaml (the mode's per-action energies and static power; L2, CBUF and DRAM
 * bytes). The SoC's area is one row; the other blocks' areas are included in it.
 */
export function jetsonInventory(spec: JetsonSpec): InventoryItem[] {
  const dev = spec.energyRows;
  const mode = `${dev}.${spec.mode.name}`;
  const row = (id: string): { row: string } => ({ row: id });
  return [
    {
      kind: 'block',
      id: 'module',
      count: 1,
      areaRow: `${dev}.soc.area`,
      actions: { 'module.static.ns': row(`${mode}.static`) },
    },
    {
      kind: 'block',
      id: 'gpu',
      count: 1,
      areaRow: 'edge.area.in-soc',
      actions: {
        'gpu.tensor.mac.fp16': row(`${mode}.gpu.tensor.mac.fp16`),
        'gpu.tensor.mac.int8': row(`${mode}.gpu.tensor.mac.int8`),
        'gpu.cuda.mac.fp32': row(`${mode}.gpu.cuda.mac.fp32`),
        'gpu.cuda.mac.fp16': row(`${mode}.gpu.cuda.mac.fp16`),
        'gpu.cuda.mac.int8': row(`${mode}.gpu.cuda.mac.int8`),
        'gpu.cuda.op': row(`${mode}.gpu.cuda.op`),
        'gpu.l2.bytes': row(`${mode}.gpu.l2.byte`),
      },
    },
    {
      kind: 'block',
      id: 'dla',
      count: 1,
      areaRow: 'edge.area.in-soc',
      actions: {
        'dla.mac.fp16': row(`${mode}.dla.mac.fp16`),
        'dla.mac.int8': row(`${mode}.dla.mac.int8`),
        'dla.op': row(`${mode}.dla.op`),
        'dla.cbuf.bytes': row(`${mode}.dla.cbuf.byte`),
      },
    },
    {
      kind: 'block',
      id: 'dram',
      count: 1,
      areaRow: 'edge.area.in-soc',
      actions: { 'dram.bytes': row(`${mode}.dram.byte`) },
    },
  ];
}

export const jetsonTarget: TargetDefinition<JetsonSpec, JetsonJob> = {
  id: 'jetson',
  description:
    'NVIDIA Jetson AGX Xavier: Volta GPU (GEMM tiles in waves over 8 SMs, tensor/CUDA cores, DRAM roofline) or an NVDLA engine (atomic MAC array, SDP/PDP/CDP, GPU fallbacks); power modes; calibrated to edge.md §4',
  fidelity: 'calibrated',
  parseSpec: parseJetsonSpec,
  supports: () => ({ ok: true }),
  compile: (graph: Graph, nodes: readonly ShapedNode[], spec: JetsonSpec, formats: FormatAssignment) =>
    compileJetson(graph, nodes, spec, checkFormats(spec, formats)),
  runJob: runJetsonJob,
  clockHz: engineClockHz,
  peakMacsPerCycle: jetsonPeakMacsPerCycle,
  presetFormats: (spec) => spec.formats,
  inventory: (spec) => jetsonInventory(spec),
  technology: (spec) => ({ nodeNm: spec.nodeNm, leakageFactor: 0 }),
  // no operatingPoint: the contract needs a voltage, and no power mode's voltage is in the
  // reference; the mode and engine are in every layer's `powerMode` / `engine` fields
  presetFields: { 'op-point': 'power_mode', 'device-engine': 'engine' },
};
