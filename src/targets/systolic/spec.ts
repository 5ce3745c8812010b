/**
 * The systolic target's hardware description, parsed from YAML (hw-configs/systolic/*.yaml).
 * See docs/systolic.md for every field and the two counting conventions.
 */
import { z } from 'zod';
import { parseWithSchema } from '../../config/validate.js';

export const DATAFLOWS = ['os', 'ws', 'is'] as const;
export type Dataflow = (typeof DATAFLOWS)[number];

export const CONVENTIONS = ['bitcycle', 'scalesim'] as const;
/**
 * `scalesim`: count exactly as SCALE-Sim v2 reports (total cycles = stamp of the last OFMAP row, i.e.
 * one less than the number of cycles; first SRAM fill before cycle 0 is free; the final OFMAP drain
 * is not counted; OS OFMAP SRAM writes include SCALE-Sim's +Fr·Fc·(R+C) double count).
 * `bitcycle`: count physical cycles (initial fill and final drain are stall cycles of the layer)
 * and physical accesses.
 */
export type Conventions = (typeof CONVENTIONS)[number];

const positiveInt = (what: string) =>
  z.number().int(`${what}: an integer`).positive(`${what}: a positive integer`);
const bandwidth = z.union([
  z.number().positive('a positive number of bytes per cycle'),
  z.literal('unlimited'),
]);

const SpecSchema = z.strictObject({
  target: z.literal('systolic'),
  name: z.string().min(1),
  description: z.string().optional(),
  source: z.string().optional(),
  clock_mhz: z.number().positive('a clock frequency in MHz'),
  array: z.strictObject({
    rows: positiveInt('array rows').max(4096, 'at most 4096 rows'),
    cols: positiveInt('array columns').max(4096, 'at most 4096 columns'),
    dataflow: z.enum(DATAFLOWS),
  }),
  sram: z.strictObject({
    ifmap_kib: z.number().positive('a size in KiB'),
    filter_kib: z.number().positive('a size in KiB'),
    ofmap_kib: z.number().positive('a size in KiB'),
  }),
  dram: z.strictObject({
    read_bandwidth_bytes_per_cycle: bandwidth,
    write_bandwidth_bytes_per_cycle: bandwidth,
    latency_cycles: z.number().int().nonnegative('a non-negative whole number of cycles').default(0),
  }),
  formats: z
    .strictObject({
      weights: z.string(),
      activations: z.string(),
      accumulator: z.string(),
    })
    .optional(),
  conventions: z.enum(CONVENTIONS).default('bitcycle'),
  /** Process node, supply and DRAM kind, for energy and area (hw-configs/tech/ tables). */
  technology: z
    .strictObject({
      node_nm: z.number().positive('a technology node in nm'),
      voltage_v: z.number().positive('a supply voltage in volts').optional(),
      dram: z.string().min(1, 'a DRAM kind of hw-configs/tech/dram.yaml (lpddr4, ddr3, hbm2 …)'),
      source: z.string().optional(),
    })
    .optional(),
  /** Lanes of the post-processing (vector) unit for pooling, element-wise and normalisation ops. */
  vector_lanes: z.number().int().positive('a positive whole number of lanes').optional(),
  /**
   * Bytes per SRAM/DRAM word. Omitted: the element width of each operand's number format (an int4
   * word is half a byte). SCALE-Sim fixes it at 1 byte for every operand.
   */
  word_bytes: z.number().positive().optional(),
  offsets: z
    .strictObject({
      ifmap: z.number().int().nonnegative(),
      filter: z.number().int().nonnegative(),
      ofmap: z.number().int().nonnegative(),
    })
    .default({ ifmap: 0, filter: 10_000_000, ofmap: 20_000_000 }),
});

export type SystolicYaml = z.output<typeof SpecSchema>;

/** The validated spec, units in names. Plain data (sent to worker threads). */
export interface SystolicSpec {
  readonly name: string;
  readonly description: string;
  readonly clockHz: number;
  readonly rows: number;
  readonly cols: number;
  readonly dataflow: Dataflow;
  readonly ifmapSramBytes: number;
  readonly filterSramBytes: number;
  readonly ofmapSramBytes: number;
  /** Infinity = unlimited (SCALE-Sim's CALC mode on the read side). */
  readonly readBandwidthBytesPerCycle: number;
  readonly writeBandwidthBytesPerCycle: number;
  readonly dramLatencyCycles: number;
  readonly conventions: Conventions;
  readonly wordBytes: number | undefined;
  readonly formats:
    { readonly weights: string; readonly activations: string; readonly accumulator: string } | undefined;
  readonly ifmapOffset: number;
  readonly filterOffset: number;
  readonly ofmapOffset: number;
  readonly vectorLanes: number;
  readonly technology:
    { readonly nodeNm: number; readonly voltageV?: number; readonly dram: string } | undefined;
}

export function parseSystolicSpec(raw: unknown, file: string): SystolicSpec {
  const y = parseWithSchema(SpecSchema, raw, file);
  return fromYaml(y);
}

export function fromYaml(y: SystolicYaml): SystolicSpec {
  const bw = (v: number | 'unlimited'): number => (v === 'unlimited' ? Infinity : v);
  return {
    name: y.name,
    description: y.description ?? '',
    clockHz: y.clock_mhz * 1e6,
    rows: y.array.rows,
    cols: y.array.cols,
    dataflow: y.array.dataflow,
    ifmapSramBytes: Math.floor(y.sram.ifmap_kib * 1024),
    filterSramBytes: Math.floor(y.sram.filter_kib * 1024),
    ofmapSramBytes: Math.floor(y.sram.ofmap_kib * 1024),
    readBandwidthBytesPerCycle: bw(y.dram.read_bandwidth_bytes_per_cycle),
    writeBandwidthBytesPerCycle: bw(y.dram.write_bandwidth_bytes_per_cycle),
    dramLatencyCycles: y.dram.latency_cycles,
    conventions: y.conventions,
    wordBytes: y.word_bytes,
    formats: y.formats,
    ifmapOffset: y.offsets.ifmap,
    filterOffset: y.offsets.filter,
    ofmapOffset: y.offsets.ofmap,
    vectorLanes: y.vector_lanes ?? y.array.cols,
    technology:
      y.technology === undefined
        ? undefined
        : {
            nodeNm: y.technology.node_nm,
            dram: y.technology.dram,
            ...(y.technology.voltage_v !== undefined ? { voltageV: y.technology.voltage_v } : {}),
          },
  };
}
