/**
 * The movidius target's hardware description, parsed from YAML (hw-configs/movidius/*.yaml; every
 * field is described in docs/movidius.md). Facts are written by hand with their sources; the
 * `calibration` section is written by `npm run calibrate:edge` (scripts/calibrate-edge.ts). All
 * problems of a document are reported at once (one InputError).
 */
import { z } from 'zod';
import { parseWithSchema } from '../../config/validate.js';

const positiveInt = (what: string) =>
  z.number().int(`${what}: an integer`).positive(`${what}: a positive integer`);
const positive = (what: string) => z.number().positive(what);
const fraction = (what: string) => z.number().positive(what).max(1, `${what} (at most 1)`);

const SpecSchema = z.strictObject({
  target: z.literal('movidius'),
  name: z.string().min(1),
  description: z.string().optional(),
  source: z.string().optional(),
  device: z.enum(['myriad2', 'myriad-x'], { error: 'myriad2 or myriad-x' }),
  shaves: z.strictObject({
    count: positiveInt('SHAVE processors'),
    clock_mhz: positive('a SHAVE clock in MHz'),
    /** Width of a SHAVE's vector unit; FP16 lanes = vector_bits / 16. */
    vector_bits: positiveInt('bits'),
  }),
  /** The Neural Compute Engine (Myriad X): conv and dense layers run on it. */
  nce: z.strictObject({ ops_per_s: positive('operations per second (a MAC is 2)') }).optional(),
  cmx_kib: positive('a CMX size in KiB'),
  dram: z.strictObject({ bytes_per_s: positive('a DRAM bandwidth in bytes per second') }),
  usb: z.strictObject({ bytes_per_s: positive('a USB bandwidth in bytes per second') }),
  technology: z.strictObject({
    node_nm: positive('a technology node in nm of hw-configs/tech/scaling.yaml'),
    /** Prefix of this device's rows in hw-configs/tech/blocks.yaml. */
    energy_rows: z.string().min(1, 'a blocks.yaml row prefix'),
    source: z.string().optional(),
  }),
  formats: z
    .strictObject({ weights: z.string(), activations: z.string(), accumulator: z.string() })
    .optional(),
  calibration: z.strictObject({
    source: z.string().min(1),
    shave_efficiency: fraction('a fraction of the SHAVE vector issue rate'),
    nce_efficiency: fraction('a fraction of the NCE peak').optional(),
    dram_efficiency: fraction('a fraction of the DRAM bandwidth'),
    layer_overhead_us: z.number().nonnegative('microseconds'),
    /** Max |model / measured − 1| over the calibration points; absent: no measurement. */
    error_band: z
      .strictObject({
        inferences_per_s_pct: z.number().nonnegative('a percentage'),
        inferences_per_s_per_w_pct: z.number().nonnegative('a percentage'),
        points: positiveInt('calibration points'),
      })
      .optional(),
  }),
});

export interface MovidiusSpec {
  readonly name: string;
  readonly description: string;
  readonly device: 'myriad2' | 'myriad-x';
  readonly shaves: number;
  readonly clockHz: number;
  /** FP16 lanes of one SHAVE's vector unit. */
  readonly lanes: number;
  /** NCE MACs per SHAVE-clock cycle, when the device has one. */
  readonly nceMacsPerCycle: number | undefined;
  readonly cmxBytes: number;
  readonly dramBytesPerS: number;
  readonly usbBytesPerS: number;
  readonly nodeNm: number;
  readonly energyRows: string;
  readonly formats:
    { readonly weights: string; readonly activations: string; readonly accumulator: string } | undefined;
  readonly calibration: {
    readonly shaveEfficiency: number;
    readonly nceEfficiency: number;
    readonly dramEfficiency: number;
    readonly layerOverheadS: number;
    readonly errorBand:
      | {
          readonly inferencesPerSPct: number;
          readonly inferencesPerSPerWPct: number;
          readonly points: number;
        }
      | undefined;
  };
}

export function parseMovidiusSpec(raw: unknown, file: string): MovidiusSpec {
  const y = parseWithSchema(SpecSchema, raw, file);
  const clockHz = y.shaves.clock_mhz * 1e6;
  const c = y.calibration;
  const b = c.error_band;
  return {
    name: y.name,
    description: y.description ?? '',
    device: y.device,
    shaves: y.shaves.count,
    clockHz,
    lanes: Math.max(1, Math.floor(y.shaves.vector_bits / 16)),
    nceMacsPerCycle: y.nce === undefined ? undefined : y.nce.ops_per_s / 2 / clockHz,
    cmxBytes: Math.floor(y.cmx_kib * 1024),
    dramBytesPerS: y.dram.bytes_per_s,
    usbBytesPerS: y.usb.bytes_per_s,
    nodeNm: y.technology.node_nm,
    energyRows: y.technology.energy_rows,
    formats: y.formats,
    calibration: {
      shaveEfficiency: c.shave_efficiency,
      nceEfficiency: c.nce_efficiency ?? c.shave_efficiency,
      dramEfficiency: c.dram_efficiency,
      layerOverheadS: c.layer_overhead_us * 1e-6,
      errorBand:
        b === undefined
          ? undefined
          : {
              inferencesPerSPct: b.inferences_per_s_pct,
              inferencesPerSPerWPct: b.inferences_per_s_per_w_pct,
              points: b.points,
            },
    },
  };
}
