/**
 * The riscv-cluster target's hardware description, parsed from YAML
 * (hw-configs/riscv-cluster/*.yaml). Every field is described in docs/riscv-cluster-target.md.
 * All problems of a document are reported at once (one InputError), as for the systolic spec.
 */
import { z } from 'zod';
import { parseWithSchema } from '../../config/validate.js';

const positiveInt = (what: string) =>
  z.number().int(`${what}: an integer`).positive(`${what}: a positive integer`);
const source = z.string().min(1, 'where the figure comes from, or "estimate: …"');

const OperatingPointSchema = z.strictObject({
  name: z.string().min(1, 'a name for the operating point'),
  voltage_v: z.number().positive('a supply voltage in volts'),
  frequency_mhz: z.number().positive('a cluster clock frequency in MHz'),
  body_bias_boost: z.boolean(),
  /**
   * Leakage at this point relative to the cost model's area-based leakage at this voltage (forward
   * body bias raises it); 1 without body bias.
   */
  leakage_factor: z.number().positive('a leakage factor (1 without body bias)').default(1),
  source,
});

const SpecSchema = z
  .strictObject({
    target: z.literal('riscv-cluster'),
    name: z.string().min(1),
    description: z.string().optional(),
    source: z.string().optional(),
    cluster: z.strictObject({
      cores: positiveInt('cores').max(32, 'at most 32 cores'),
      tcdm_kib: z.number().positive('a TCDM size in KiB'),
      tcdm_banks: positiveInt('TCDM banks'),
      l2_kib: z.number().positive('an L2 size in KiB'),
      dma_bytes_per_cycle: z.number().positive('a DMA bandwidth in bytes per cycle'),
      icache: z.strictObject({
        private_bytes: positiveInt('private I-cache bytes'),
        shared_kib: z.number().positive('a shared I-cache size in KiB'),
      }),
    }),
    rbe: z.boolean(),
    operating_points: z.array(OperatingPointSchema).min(1, 'at least one operating point'),
    operating_point: z.string().min(1, 'the name of one of operating_points'),
    technology: z.strictObject({
      node_nm: z.number().positive('a technology node in nm of hw-configs/tech/scaling.yaml'),
      source: z.string().optional(),
    }),
    formats: z
      .strictObject({
        weights: z.string(),
        activations: z.string(),
        accumulator: z.string(),
      })
      .optional(),
    simulation: z
      .strictObject({
        /** Core layers above this many MACs are refused (the ISS runs every instruction). */
        iss_max_macs_per_layer: positiveInt('a MAC count').default(20_000_000),
        seed: z.number().int().nonnegative().default(1),
      })
      .default({ iss_max_macs_per_layer: 20_000_000, seed: 1 }),
  })
  .superRefine((y, ctx) => {
    const names = y.operating_points.map((p) => p.name);
    if (!names.includes(y.operating_point)) {
      ctx.addIssue({
        code: 'custom',
        path: ['operating_point'],
        message: `one of the operating_points names: ${names.join(', ')}`,
      });
    }
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) {
        ctx.addIssue({
          code: 'custom',
          path: ['operating_points', i, 'name'],
          message: 'a name no other operating point has',
        });
      }
    });
    if (y.cluster.tcdm_banks > 0 && (y.cluster.tcdm_kib * 1024) % (4 * y.cluster.tcdm_banks) !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['cluster', 'tcdm_banks'],
        message: 'a bank count that divides the TCDM into whole 32-bit words per bank',
      });
    }
  });

export interface OperatingPoint {
  readonly name: string;
  readonly voltageV: number;
  readonly clockHz: number;
  readonly bodyBiasBoost: boolean;
  readonly leakageFactor: number;
  readonly source: string;
}

/** The validated spec, units in names. Plain data (sent to worker threads). */
export interface RiscvClusterSpec {
  readonly name: string;
  readonly description: string;
  readonly cores: number;
  readonly tcdmBytes: number;
  readonly tcdmBanks: number;
  readonly l2Bytes: number;
  readonly dmaBytesPerCycle: number;
  readonly icachePrivateBytes: number;
  readonly icacheSharedBytes: number;
  readonly rbe: boolean;
  readonly operatingPoints: readonly OperatingPoint[];
  /** The chosen operating point (one of operatingPoints). */
  readonly operatingPoint: OperatingPoint;
  readonly nodeNm: number;
  readonly formats:
    { readonly weights: string; readonly activations: string; readonly accumulator: string } | undefined;
  readonly issMaxMacsPerLayer: number;
  readonly seed: number;
}

export function parseRiscvClusterSpec(raw: unknown, file: string): RiscvClusterSpec {
  const y = parseWithSchema(SpecSchema, raw, file);
  const ops: OperatingPoint[] = y.operating_points.map((p) => ({
    name: p.name,
    voltageV: p.voltage_v,
    clockHz: p.frequency_mhz * 1e6,
    bodyBiasBoost: p.body_bias_boost,
    leakageFactor: p.leakage_factor,
    source: p.source,
  }));
  const chosen = ops.find((p) => p.name === y.operating_point);
  if (chosen === undefined) throw new Error('unreachable: operating_point checked by the schema');
  return {
    name: y.name,
    description: y.description ?? '',
    cores: y.cluster.cores,
    tcdmBytes: Math.floor(y.cluster.tcdm_kib * 1024),
    tcdmBanks: y.cluster.tcdm_banks,
    l2Bytes: Math.floor(y.cluster.l2_kib * 1024),
    dmaBytesPerCycle: y.cluster.dma_bytes_per_cycle,
    icachePrivateBytes: y.cluster.icache.private_bytes,
    icacheSharedBytes: Math.floor(y.cluster.icache.shared_kib * 1024),
    rbe: y.rbe,
    operatingPoints: ops,
    operatingPoint: chosen,
    nodeNm: y.technology.node_nm,
    formats: y.formats,
    issMaxMacsPerLayer: y.simulation.iss_max_macs_per_layer,
    seed: y.simulation.seed,
  };
}

/** The spec with another operating point chosen (for `--op-point`-style use and tests). */
export function withOperatingPoint(spec: RiscvClusterSpec, name: string): RiscvClusterSpec | undefined {
  const p = spec.operatingPoints.find((o) => o.name === name);
  return p === undefined ? undefined : { ...spec, operatingPoint: p };
}
