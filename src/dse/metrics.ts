/**
 * What a design point measures, and which of those a sweep can optimise. Every point stores the
 * same record (null where the target or the hardware description does not give the figure), so a
 * results file can be re-ranked on other objectives without rerunning.
 */
import type { NumericalError } from '../numerics/types.js';
import type { SimResult } from '../sim/result.js';

export interface PointMetrics {
  readonly cycles: number;
  readonly stallCycles: number;
  readonly macs: number;
  readonly latencyS: number;
  readonly utilization: number;
  readonly inferencesPerS: number;
  readonly energyPj: number | null;
  readonly areaUm2: number | null;
  readonly powerW: number | null;
  /** Energy × latency of one run (pJ·s). */
  readonly edpPjS: number | null;
  /** Tera-operations per joule (= TOPS/W); a MAC is two operations. */
  readonly topsPerW: number | null;
  /** FPGA targets: DSP slices, LUTs and BRAM18 used. */
  readonly dsp: number | null;
  readonly lut: number | null;
  readonly bram18: number | null;
  /** Present when the sweep has a numerical-error objective. */
  readonly sqnrDb?: number | null;
  readonly top1Agreement?: number | null;
  readonly top1Accuracy?: number | null;
}

export type Goal = 'minimize' | 'maximize';

export interface MetricDef {
  /** The name used in a sweep spec's objectives. */
  readonly name: string;
  /** The field of PointMetrics it reads. */
  readonly field: keyof PointMetrics;
  readonly unit: string;
  readonly goal: Goal;
  /** Needs energy/area pricing: the preset must name a technology. */
  readonly priced?: boolean;
  /** Needs the bit-accurate executor run on the point's formats. */
  readonly numerics?: boolean;
  /** Reported by FPGA targets only. */
  readonly fpga?: boolean;
  readonly describe: string;
}

export const METRICS: readonly MetricDef[] = [
  { name: 'cycles', field: 'cycles', unit: 'cycles', goal: 'minimize', describe: 'total cycles of one run' },
  { name: 'latency', field: 'latencyS', unit: 's', goal: 'minimize', describe: 'cycles / clock' },
  {
    name: 'throughput',
    field: 'inferencesPerS',
    unit: 'inferences/s',
    goal: 'maximize',
    describe: 'batch / latency',
  },
  {
    name: 'utilization',
    field: 'utilization',
    unit: '',
    goal: 'maximize',
    describe: 'MACs / (cycles × MAC units)',
  },
  {
    name: 'energy',
    field: 'energyPj',
    unit: 'pJ',
    goal: 'minimize',
    priced: true,
    describe: 'energy of one run',
  },
  { name: 'area', field: 'areaUm2', unit: 'µm²', goal: 'minimize', priced: true, describe: 'silicon area' },
  { name: 'power', field: 'powerW', unit: 'W', goal: 'minimize', priced: true, describe: 'energy / latency' },
  {
    name: 'edp',
    field: 'edpPjS',
    unit: 'pJ·s',
    goal: 'minimize',
    priced: true,
    describe: 'energy × latency',
  },
  {
    name: 'tops-per-w',
    field: 'topsPerW',
    unit: 'TOPS/W',
    goal: 'maximize',
    priced: true,
    describe: 'tera-operations per joule',
  },
  { name: 'dsp', field: 'dsp', unit: 'DSP', goal: 'minimize', fpga: true, describe: 'DSP slices used' },
  { name: 'lut', field: 'lut', unit: 'LUT', goal: 'minimize', fpga: true, describe: 'LUTs used' },
  { name: 'bram', field: 'bram18', unit: 'BRAM18', goal: 'minimize', fpga: true, describe: 'BRAM18 used' },
  {
    name: 'sqnr',
    field: 'sqnrDb',
    unit: 'dB',
    goal: 'maximize',
    numerics: true,
    describe: 'SQNR of the outputs against float32 (numerical error)',
  },
  {
    name: 'top1-agreement',
    field: 'top1Agreement',
    unit: '',
    goal: 'maximize',
    numerics: true,
    describe: 'share of samples whose top-1 class matches float32',
  },
  {
    name: 'accuracy',
    field: 'top1Accuracy',
    unit: '',
    goal: 'maximize',
    numerics: true,
    describe: 'top-1 accuracy on labelled data',
  },
];

export function findMetric(name: string): MetricDef | undefined {
  return METRICS.find((m) => m.name === name);
}

interface FpgaResources {
  readonly dsp?: number;
  readonly lut?: number;
  readonly bram18?: number;
}

function resourcesOf(result: SimResult): FpgaResources | undefined {
  const r = (result as unknown as { resources?: unknown }).resources;
  return r !== null && typeof r === 'object' ? r : undefined;
}

/** The metrics record of one simulated point (plus its numerical error when computed). */
export function pointMetrics(result: SimResult, numerical?: NumericalError): PointMetrics {
  const t = result.totals;
  const res = resourcesOf(result);
  return {
    cycles: t.cycles,
    stallCycles: t.stallCycles,
    macs: t.macs,
    latencyS: t.latencyS,
    utilization: t.utilization,
    inferencesPerS: t.inferencesPerS,
    energyPj: t.energyPj,
    areaUm2: t.areaUm2,
    powerW: t.powerW,
    edpPjS: t.energyPj === null ? null : t.energyPj * t.latencyS,
    topsPerW: t.opsPerJ === null ? null : t.opsPerJ / 1e12,
    dsp: res?.dsp ?? null,
    lut: res?.lut ?? null,
    bram18: res?.bram18 ?? null,
    ...(numerical === undefined
      ? {}
      : {
          sqnrDb: numerical.outputSqnrDb,
          top1Agreement: numerical.top1Agreement,
          top1Accuracy: numerical.top1Accuracy,
        }),
  };
}

/** The value of a metric in a record; null when the point does not report it. */
export function metricValue(m: PointMetrics, def: MetricDef): number | null {
  const v = m[def.field];
  return typeof v === 'number' ? v : null;
}
