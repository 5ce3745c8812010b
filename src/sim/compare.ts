/**
 * compare-formats: the same workload on the same array, once per number format; area from the
 * inventory, energy from the action counts, both from hw-configs/tech/ at the preset's (or the
 * given) node. The numerical-error column is computed by quant/format-error.ts (bit-accurate
 * executor vs float32) and merged in by the CLI; here it is null.
 */
import { resolveFormatFlags } from '../config/format-flags.js';
import { inventoryArea, priceRun, type Technology } from '../cost/rollup.js';
import { macCost } from '../cost/mac.js';
import { parseFormat } from '../formats/index.js';
import type { NumericalError } from '../numerics/types.js';
import type { InventoryItem, LayerResult } from '../targets/types.js';
import { InputError } from '../units/errors.js';
import { prepareRun } from './prepare.js';
import { runTasks } from './pool.js';

/** One format's row of compare-formats (stable JSON field names, documented in the README). */
export interface FormatComparison {
  readonly format: string;
  readonly weights: string;
  readonly activations: string;
  readonly accumulator: string;
  readonly macAreaUm2: number;
  readonly peArrayAreaUm2: number;
  readonly sramAreaUm2: number;
  readonly totalAreaUm2: number;
  readonly energyPjPerInference: number;
  readonly energyBreakdownPj: Readonly<Record<string, number>>;
  readonly cycles: number;
  readonly opsPerJ: number;
  readonly areaRatioVsInt8: number | null;
  /**
   * The format's numerical error on this workload (quant/format-error.ts, filled by the CLI);
   * null = not computed (`--numerics off`), never a made-up value.
   */
  readonly numericalError: NumericalError | null;
}

export interface CompareRequest {
  readonly hw: string;
  readonly workload: string;
  readonly formats: readonly string[];
  readonly params?: Readonly<Record<string, string>>;
  readonly batch?: number | undefined;
  /** Override the preset's technology node (nm). */
  readonly nodeNm?: number | undefined;
  readonly workers: number;
}

/** Split `int8,posit<8,0>,fixed<4,4>` on the commas that are not inside <…>. */
export function splitFormatList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '<') depth++;
    if (ch === '>') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  const list = out.filter((s) => s !== '');
  if (list.length === 0)
    throw new InputError([
      {
        path: '--formats',
        value: JSON.stringify(text),
        expected: 'a comma-separated list of formats, e.g. int8,int4,fp8-e4m3',
      },
    ]);
  return list;
}

/** `22`, `22nm`, `22 nm` → 22. */
export function parseNode(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(nm)?\s*$/i.exec(text);
  const v = m === null ? NaN : Number(m[1]);
  if (!Number.isFinite(v) || v <= 0)
    throw new InputError([
      { path: '--node', value: JSON.stringify(text), expected: 'a technology node such as 22nm' },
    ]);
  return v;
}

/**
 * Area by kind of component: the compute (a MAC array and its PE registers, or processor and engine
 * blocks), the SRAMs, and the total (which also holds vector units and anything else).
 */
function areaSplit(
  inv: readonly InventoryItem[],
  byComponent: Readonly<Record<string, number>>,
): { pe: number; sram: number; total: number } {
  const kindOf = new Map(inv.map((i) => [i.id, i.kind]));
  let pe = 0;
  let sram = 0;
  let total = 0;
  for (const [id, a] of Object.entries(byComponent)) {
    total += a;
    const kind = kindOf.get(id);
    if (kind === 'sram') sram += a;
    else if (kind === 'mac-array' || kind === 'block' || (kind === 'registers' && id.startsWith('pe')))
      pe += a;
  }
  return { pe, sram, total };
}

export async function compareFormats(req: CompareRequest): Promise<FormatComparison[]> {
  const rows: Omit<FormatComparison, 'areaRatioVsInt8'>[] = [];
  let int8Area: number | undefined;
  for (const f of req.formats) {
    const run = prepareRun({
      hw: req.hw,
      workload: req.workload,
      params: req.params ?? {},
      batch: req.batch,
      formats: { format: f },
    });
    const preset = run.target.technology(run.spec);
    if (preset === undefined) {
      throw new InputError([
        {
          file: req.hw,
          path: 'technology',
          value: '(missing)',
          expected: 'node_nm and dram, so that area and energy can be priced',
        },
      ]);
    }
    const tech: Technology =
      req.nodeNm === undefined
        ? preset
        : { nodeNm: req.nodeNm, ...(preset.dram !== undefined ? { dram: preset.dram } : {}) };
    const results = (await runTasks(
      run.jobs.map((job) => ({ targetId: run.target.id, spec: run.spec, job })),
      req.workers,
    )) as LayerResult[];
    if (results.some((r) => 'refused' in r))
      throw new InputError([
        {
          file: req.hw,
          path: 'sram',
          value: f,
          expected: 'SRAMs large enough to run every layer in this format',
        },
      ]);
    const inv = run.target.inventory(run.spec, run.formats);
    const priced = priceRun(inv, results, tech, run.target.clockHz(run.spec));
    const area = areaSplit(inv, priced.areaByComponentUm2);
    const energy = priced.layers.reduce((s, l) => s + l.energyPj, 0);
    const breakdown: Record<string, number> = {};
    for (const l of priced.layers)
      for (const [k, v] of Object.entries(l.energyByComponentPj)) breakdown[k] = (breakdown[k] ?? 0) + v;
    const macs = results.reduce((s, l) => s + l.macs, 0);
    const op = { nodeNm: tech.nodeNm, ...(tech.voltageV !== undefined ? { voltageV: tech.voltageV } : {}) };
    const macArea = macCost(
      parseFormat(run.formats.weights),
      parseFormat(run.formats.activations),
      parseFormat(run.formats.accumulator),
      op,
    ).areaUm2;
    if (int8Area === undefined) {
      const int8 = resolveFormatFlags({ format: 'int8' }, run.formats);
      const inv8 = run.target.inventory(run.spec, int8);
      int8Area = areaSplit(inv8, inventoryArea(inv8, tech).byComponentUm2).total;
    }
    rows.push({
      format: f,
      weights: run.formats.weights,
      activations: run.formats.activations,
      accumulator: run.formats.accumulator,
      macAreaUm2: macArea,
      peArrayAreaUm2: area.pe,
      sramAreaUm2: area.sram,
      totalAreaUm2: area.total,
      energyPjPerInference: energy / run.batch,
      energyBreakdownPj: Object.fromEntries(
        Object.entries(breakdown)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, v / run.batch]),
      ),
      cycles: results.reduce((s, l) => s + l.cycles, 0),
      opsPerJ: energy > 0 ? (2 * macs) / (energy / 1e12) : 0,
      numericalError: null,
    });
  }
  return rows.map((r) => ({
    ...r,
    areaRatioVsInt8: int8Area === undefined || int8Area <= 0 ? null : r.totalAreaUm2 / int8Area,
  }));
}
