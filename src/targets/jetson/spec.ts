/**
 * The jetson target's hardware description, parsed from YAML (hw-configs/jetson/*.yaml; every field
 * is described in docs/jetson.md). The facts (units, array sizes, memory bandwidth) are written by
 * hand with their sources; the `power_modes` and `calibration` sections are written by
 * `npm run calibrate:edge` (scripts/calibrate-edge.ts) and never edited by hand. All problems of a
 * document are reported at once (one InputError).
 */
import { z } from 'zod';
import { parseWithSchema } from '../../config/validate.js';

const positiveInt = (what: string) =>
  z.number().int(`${what}: an integer`).positive(`${what}: a positive integer`);
const positive = (what: string) => z.number().positive(what);
const fraction = (what: string) => z.number().positive(what).max(1, `${what} (at most 1)`);

const ErrorBandSchema = z.strictObject({
  inferences_per_s_pct: z.number().nonnegative('a percentage'),
  inferences_per_s_per_w_pct: z.number().nonnegative('a percentage'),
  points: positiveInt('calibration points'),
});

const ModeSchema = z.strictObject({
  name: z.string().min(1, 'a power-mode name'),
  gpu_clock_mhz: positive('a GPU clock in MHz'),
  dla_clock_mhz: positive('a DLA clock in MHz'),
  /** DRAM bandwidth of this mode relative to the preset's `dram.bytes_per_s` (EMC clock). */
  dram_scale: fraction('a DRAM bandwidth factor in (0, 1]'),
  source: z.string().min(1, 'where the figures come from'),
  /** Max |model / measured − 1| over this mode's calibration points, per unit. */
  error_band: z.strictObject({ gpu: ErrorBandSchema.optional(), dla: ErrorBandSchema.optional() }).optional(),
});

const TileSchema = z.tuple([positiveInt('tile rows (M)'), positiveInt('tile columns (N)')]);

const SpecSchema = z
  .strictObject({
    target: z.literal('jetson'),
    name: z.string().min(1),
    description: z.string().optional(),
    source: z.string().optional(),
    /** The unit layers run on: the Volta GPU, or one DLA engine with fallbacks to the GPU. */
    engine: z.enum(['gpu', 'dla'], { error: 'gpu or dla' }).default('gpu'),
    power_mode: z.string().min(1, 'the name of one of power_modes'),
    gpu: z.strictObject({
      sms: positiveInt('streaming multiprocessors'),
      tensor_cores_per_sm: positiveInt('tensor cores per SM'),
      tensor_fp16_fma_per_core_per_cycle: positiveInt('FP16 FMAs per tensor core per cycle'),
      tensor_int8_rate_factor: positive('INT8 MACs per FP16 MAC of a tensor core'),
      cuda_cores_per_sm: positiveInt('CUDA cores per SM'),
      /** MACs per CUDA core per cycle by precision (FP32 FMA, packed half2, dp4a). */
      cuda_lanes: z.strictObject({
        fp32: positiveInt('FP32 FMAs per CUDA core per cycle'),
        fp16: positiveInt('FP16 FMAs per CUDA core per cycle'),
        int8: positiveInt('INT8 MACs per CUDA core per cycle'),
      }),
      l2_kib: positive('an L2 size in KiB'),
      /** CTA tiles (M × N) the GEMM library may pick from; one CTA per SM at a time. */
      gemm_tiles: z.array(TileSchema).min(1, 'at least one tile'),
      /** GEMM reduction dimension rounded up to this many elements on the tensor cores. */
      tensor_k_align: z.strictObject({ fp16: positiveInt('elements'), int8: positiveInt('elements') }),
      /** GEMMs with at most this many rows may run as a split-K GEMV on the CUDA cores. */
      gemv_max_rows: positiveInt('rows'),
    }),
    dla: z.strictObject({
      engines: positiveInt('DLA engines'),
      atomic_c: positiveInt('INT8 input channels per MAC-array cycle (atomic-C)'),
      atomic_k: positiveInt('output channels per MAC-array cycle (atomic-K)'),
      fp16_rate_factor: fraction('FP16 MACs per INT8 MAC of the array'),
      cbuf_kib: positive('a convolution-buffer size in KiB'),
      /** Elements per cycle of the SDP/PDP/CDP post-processing units when run as their own pass. */
      pass_elements_per_cycle: positive('elements per cycle'),
    }),
    dram: z.strictObject({ bytes_per_s: positive('a DRAM bandwidth in bytes per second') }),
    technology: z.strictObject({
      node_nm: positive('a technology node in nm of hw-configs/tech/scaling.yaml'),
      /** Prefix of this device's rows in hw-configs/tech/blocks.yaml (energy per action, area). */
      energy_rows: z.string().min(1, 'a blocks.yaml row prefix'),
      source: z.string().optional(),
    }),
    formats: z
      .strictObject({ weights: z.string(), activations: z.string(), accumulator: z.string() })
      .optional(),
    power_modes: z.array(ModeSchema).min(1, 'at least one power mode'),
    calibration: z.strictObject({
      source: z.string().min(1),
      gpu: z.strictObject({
        tensor_efficiency: fraction('a fraction of the tensor-core issue rate'),
        cuda_efficiency: fraction('a fraction of the CUDA-core issue rate'),
        dram_efficiency: fraction('a fraction of the DRAM bandwidth'),
        kernel_overhead_cycles: z.number().int().nonnegative('GPU cycles per kernel'),
      }),
      dla: z.strictObject({
        efficiency: fraction('a fraction of the MAC-array rate'),
        dram_efficiency: fraction('a fraction of the DRAM bandwidth'),
        layer_overhead_cycles: z.number().int().nonnegative('DLA cycles per layer'),
      }),
    }),
  })
  .superRefine((y, ctx) => {
    const names = y.power_modes.map((p) => p.name);
    if (!names.includes(y.power_mode)) {
      ctx.addIssue({
        code: 'custom',
        path: ['power_mode'],
        message: `one of the power_modes names: ${names.join(', ')}`,
      });
    }
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.addIssue({ code: 'custom', path: ['power_modes', i, 'name'], message: 'a unique name' });
    });
  });

export type Precision = 'fp32' | 'fp16' | 'int8';

export interface ErrorBand {
  readonly inferencesPerSPct: number;
  readonly inferencesPerSPerWPct: number;
  readonly points: number;
}

export interface PowerMode {
  readonly name: string;
  readonly gpuClockHz: number;
  readonly dlaClockHz: number;
  readonly dramScale: number;
  readonly source: string;
  readonly errorBand: { readonly gpu?: ErrorBand; readonly dla?: ErrorBand };
}

export interface GpuSpec {
  readonly sms: number;
  readonly tensorCoresPerSm: number;
  readonly tensorFp16FmaPerCorePerCycle: number;
  readonly tensorInt8RateFactor: number;
  readonly cudaCoresPerSm: number;
  readonly cudaLanes: Readonly<Record<Precision, number>>;
  readonly l2Bytes: number;
  readonly gemmTiles: readonly (readonly [number, number])[];
  readonly tensorKAlign: { readonly fp16: number; readonly int8: number };
  readonly gemvMaxRows: number;
}

export interface DlaSpec {
  readonly engines: number;
  readonly atomicC: number;
  readonly atomicK: number;
  readonly fp16RateFactor: number;
  readonly cbufBytes: number;
  readonly passElementsPerCycle: number;
}

/** The fitted parameters (scripts/calibrate-edge.ts), units in names. */
export interface JetsonCalibration {
  readonly tensorEfficiency: number;
  readonly cudaEfficiency: number;
  readonly dramEfficiency: number;
  /** GPU cycles every kernel costs on top of its work (launch, ramp-up, tail). */
  readonly kernelOverheadCycles: number;
  readonly dlaEfficiency: number;
  readonly dlaDramEfficiency: number;
  /** DLA cycles every DLA layer costs on top of its work (programming the engine). */
  readonly dlaLayerOverheadCycles: number;
}

/** The validated spec. Plain data (sent to worker threads). */
export interface JetsonSpec {
  readonly name: string;
  readonly description: string;
  readonly engine: 'gpu' | 'dla';
  readonly gpu: GpuSpec;
  readonly dla: DlaSpec;
  readonly dramBytesPerS: number;
  readonly nodeNm: number;
  readonly energyRows: string;
  readonly formats:
    { readonly weights: string; readonly activations: string; readonly accumulator: string } | undefined;
  readonly modes: readonly PowerMode[];
  /** The chosen power mode (one of modes). */
  readonly mode: PowerMode;
  readonly calibration: JetsonCalibration;
}

export function parseJetsonSpec(raw: unknown, file: string): JetsonSpec {
  const y = parseWithSchema(SpecSchema, raw, file);
  const band = (b: z.output<typeof ErrorBandSchema> | undefined): ErrorBand | undefined =>
    b === undefined
      ? undefined
      : {
          inferencesPerSPct: b.inferences_per_s_pct,
          inferencesPerSPerWPct: b.inferences_per_s_per_w_pct,
          points: b.points,
        };
  const modes: PowerMode[] = y.power_modes.map((m) => {
    const gpu = band(m.error_band?.gpu);
    const dla = band(m.error_band?.dla);
    return {
      name: m.name,
      gpuClockHz: m.gpu_clock_mhz * 1e6,
      dlaClockHz: m.dla_clock_mhz * 1e6,
      dramScale: m.dram_scale,
      source: m.source,
      errorBand: { ...(gpu !== undefined ? { gpu } : {}), ...(dla !== undefined ? { dla } : {}) },
    };
  });
  const mode = modes.find((m) => m.name === y.power_mode);
  if (mode === undefined) throw new Error('unreachable: power_mode checked by the schema');
  const g = y.gpu;
  const c = y.calibration;
  return {
    name: y.name,
    description: y.description ?? '',
    engine: y.engine,
    gpu: {
      sms: g.sms,
      tensorCoresPerSm: g.tensor_cores_per_sm,
      tensorFp16FmaPerCorePerCycle: g.tensor_fp16_fma_per_core_per_cycle,
      tensorInt8RateFactor: g.tensor_int8_rate_factor,
      cudaCoresPerSm: g.cuda_cores_per_sm,
      cudaLanes: g.cuda_lanes,
      l2Bytes: Math.floor(g.l2_kib * 1024),
      gemmTiles: g.gemm_tiles,
      tensorKAlign: g.tensor_k_align,
      gemvMaxRows: g.gemv_max_rows,
    },
    dla: {
      engines: y.dla.engines,
      atomicC: y.dla.atomic_c,
      atomicK: y.dla.atomic_k,
      fp16RateFactor: y.dla.fp16_rate_factor,
      cbufBytes: Math.floor(y.dla.cbuf_kib * 1024),
      passElementsPerCycle: y.dla.pass_elements_per_cycle,
    },
    dramBytesPerS: y.dram.bytes_per_s,
    nodeNm: y.technology.node_nm,
    energyRows: y.technology.energy_rows,
    formats: y.formats,
    modes,
    mode,
    calibration: {
      tensorEfficiency: c.gpu.tensor_efficiency,
      cudaEfficiency: c.gpu.cuda_efficiency,
      dramEfficiency: c.gpu.dram_efficiency,
      kernelOverheadCycles: c.gpu.kernel_overhead_cycles,
      dlaEfficiency: c.dla.efficiency,
      dlaDramEfficiency: c.dla.dram_efficiency,
      dlaLayerOverheadCycles: c.dla.layer_overhead_cycles,
    },
  };
}

/** The spec with another power mode and/or engine (tests, the calibration script). */
export function withMode(spec: JetsonSpec, name: string, engine?: 'gpu' | 'dla'): JetsonSpec {
  const mode = spec.modes.find((m) => m.name === name);
  if (mode === undefined) throw new Error(`no power mode ${name} in ${spec.name}`);
  return { ...spec, mode, engine: engine ?? spec.engine };
}
