/**
 * Value grids of formats of at most 16 bits, and the summary shown by `bitcycle formats show`.
 * The arrays returned are cached and shared: callers must not modify them.
 */

import { InputError } from '../units/errors.js';
import type { HardwareDescriptor, NumberFormat } from './types.js';
import { internalsOf } from './build.js';
import { MAX_TABLE_BITS } from './grid.js';
import { FLOAT32_MAX } from './fp32.js';
import { NAMED_FORMATS } from './catalog.js';
import { genericName } from './spec.js';

const gridCache = new WeakMap<NumberFormat, Float64Array>();
const sortedCache = new WeakMap<NumberFormat, Float64Array>();

function requireSmall(fmt: NumberFormat): void {
  if (fmt.bits > MAX_TABLE_BITS) {
    throw new InputError([
      {
        path: 'format',
        value: fmt.name,
        expected: `a format of at most ${MAX_TABLE_BITS} bits for a value grid`,
      },
    ]);
  }
}

/** decode(code) for every code 0 … 2^bits − 1 (NaN and ±Infinity included). Shared; do not modify. */
export function valueGrid(fmt: NumberFormat): Float64Array {
  const hit = gridCache.get(fmt);
  if (hit !== undefined) return hit;
  requireSmall(fmt);
  const own = internalsOf(fmt)?.table;
  let table: Float64Array;
  if (own !== undefined) {
    table = own();
  } else {
    table = new Float64Array(2 ** fmt.bits);
    for (let c = 0; c < table.length; c++) table[c] = fmt.decode(c);
  }
  gridCache.set(fmt, table);
  return table;
}

/** The distinct finite values of a format, ascending, with one zero. Shared; do not modify. */
export function sortedFiniteValues(fmt: NumberFormat): Float64Array {
  const hit = sortedCache.get(fmt);
  if (hit !== undefined) return hit;
  const grid = internalsOf(fmt)?.grid;
  let values: Float64Array;
  if (grid !== undefined) {
    values = grid().values;
  } else {
    const finite = Array.from(valueGrid(fmt)).filter((v) => Number.isFinite(v));
    values = Float64Array.from(new Set(finite.map((v) => v + 0))).sort();
  }
  sortedCache.set(fmt, values);
  return values;
}

export interface FormatSummary {
  readonly name: string;
  readonly description: string;
  readonly kind: NumberFormat['kind'];
  readonly bits: number;
  readonly signed: boolean;
  readonly minValue: number;
  readonly maxValue: number;
  readonly minPositive: number;
  /** Distinct finite values (+0 and −0 counted once). */
  readonly distinctValues: number;
  readonly hasInfinity: boolean;
  readonly hasNaN: boolean;
  readonly hardware: HardwareDescriptor;
}

/** Distinct finite binary32 values: 2^32 codes minus 2^24 inf/NaN codes, minus one for −0. */
const FLOAT32_DISTINCT = 2 ** 32 - 2 ** 24 - 1;

/** Distinct values of a format above 16 bits: every code of an integer, binary32 by formula. */
function wideDistinct(fmt: NumberFormat): number {
  if (fmt.kind === 'int' || fmt.kind === 'fixed') return 2 ** fmt.bits;
  if (fmt.name === 'fp32' && fmt.maxValue === FLOAT32_MAX) return FLOAT32_DISTINCT;
  return NaN;
}

function describe(fmt: NumberFormat): string {
  const named = NAMED_FORMATS.find((f) => f.name === fmt.name);
  if (named !== undefined) return named.description;
  const spec = internalsOf(fmt)?.spec;
  return spec !== undefined ? `${spec.kind} format ${genericName(spec)}` : fmt.name;
}

export function formatSummary(fmt: NumberFormat): FormatSummary {
  const distinctValues = fmt.bits <= MAX_TABLE_BITS ? sortedFiniteValues(fmt).length : wideDistinct(fmt);
  return {
    name: fmt.name,
    description: describe(fmt),
    kind: fmt.kind,
    bits: fmt.bits,
    signed: fmt.signed,
    minValue: fmt.minValue,
    maxValue: fmt.maxValue,
    minPositive: fmt.minPositive,
    distinctValues,
    hasInfinity: fmt.hardware.hasInfinity,
    hasNaN: fmt.hardware.hasNaN,
    hardware: fmt.hardware,
  };
}
