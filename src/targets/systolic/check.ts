/**
 * `--engine reference`: run a layer on the reference stepper (R: every PE, every cycle, real
 * operand values) with seeded operands drawn from the layer's number formats, and check it against
 * the event engine (E): cycles, stall cycles, every PE/SRAM count and every output bit. A
 * disagreement is a simulator bug and fails the run.
 */
import type { FormatAssignment } from '../../config/format-flags.js';
import { macArithmetic } from '../../formats/arith.js';
import { parseFormat, sortedFiniteValues } from '../../formats/index.js';
import { filterAddress, ifmapAddress, type GemmView } from '../../mapping/gemm.js';
import { Rng } from '../../units/index.js';
import { arrayCounts } from './counts.js';
import type { SystolicJob, GemmLayerDetail } from './index.js';
import { runReference, type OperandSource } from './reference.js';
import type { SystolicSpec } from './spec.js';
import { gemmOutputs } from './values.js';

/** FNV-1a of a string: a stable seed per layer name. */
function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Operand values drawn uniformly from each format's finite values, addressed as the array sees them. */
export function seededOperands(view: GemmView, formats: FormatAssignment, seed: number): OperandSource {
  const rng = new Rng(seed);
  const draw = (grid: Float64Array) => (): number => grid[rng.int(0, grid.length - 1)] ?? 0;
  const acts = draw(sortedFiniteValues(parseFormat(formats.activations)));
  const weights = draw(sortedFiniteValues(parseFormat(formats.weights)));
  const ifmap = Float64Array.from({ length: view.aElements }, acts);
  const filter = Float64Array.from({ length: view.bElements }, weights);
  const segs = new Map(view.segments.map((s) => [s.index, s]));
  return {
    a: (seg, m, k) => {
      const addr = ifmapAddress(view, segs.get(seg)!, m, k);
      return addr < 0 ? 0 : (ifmap[addr] ?? 0);
    },
    b: (seg, k, n) => filter[filterAddress(view, segs.get(seg)!, k, n)] ?? 0,
  };
}

export function checkWithReference(
  job: Extract<SystolicJob, { kind: 'gemm' }>,
  formats: FormatAssignment,
  spec: SystolicSpec,
  e: GemmLayerDetail,
): number {
  const operands = seededOperands(job.view, formats, seedOf(job.name));
  const arithmetic = macArithmetic(formats.accumulator);
  const shapes = new Map(job.view.segments.map((s) => [s.index, { m: s.m, n: s.n }]));
  const r = runReference(e.plan, spec, { operands, arithmetic, outputShapes: shapes });
  const fail = (what: string, ref: unknown, ev: unknown): never => {
    throw new Error(
      `layer ${job.name}: reference stepper and event engine disagree on ${what}: R ${String(ref)}, E ${String(ev)}`,
    );
  };
  if (r.cycles !== e.timing.cycles) fail('cycles', r.cycles, e.timing.cycles);
  if (r.stallCycles !== e.timing.stallCycles) fail('stall cycles', r.stallCycles, e.timing.stallCycles);
  for (const [k, v] of Object.entries(arrayCounts(e.plan))) {
    if (r.counts[k] !== v) fail(k, r.counts[k], v);
  }
  const expected = gemmOutputs(job.view.segments, spec.dataflow, spec.rows, operands, arithmetic);
  let checked = 0;
  for (const [seg, want] of expected) {
    const got = r.outputs.get(seg);
    if (got === undefined) return fail(`segment ${seg} outputs`, 'missing', want.length);
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(got[i], want[i])) fail(`output ${i} of segment ${seg}`, got[i], want[i]);
      checked++;
    }
  }
  return checked;
}
