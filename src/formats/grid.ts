/**
 * Table-driven codec for formats of at most 16 bits: decode is a lookup in the table of all codes,
 * encode a binary search over the sorted finite values followed by a rounding decision between the
 * two neighbours.
 */

import { InputError } from '../units/errors.js';
import type { EncodeOptions } from './types.js';
import { encodeBeyond, pickHigh, resolveOptions, type OverflowSide } from './rounding.js';

export const MAX_TABLE_BITS = 16;

export interface GridSource {
  readonly name: string;
  readonly bits: number;
  /** The value of a code (NaN for NaN codes, ±Infinity for infinities, −0 allowed). */
  readonly decode: (code: number) => number;
  /** Code produced for a NaN input; undefined if the format has none (encode(NaN) then throws). */
  readonly nanCode: number | undefined;
  /** Code produced for ±Infinity inputs regardless of overflow mode (posit NaR); else overflow rules. */
  readonly infinityInputCode?: number;
  /** Nearest-mode threshold between neighbours; default the arithmetic mean. */
  readonly midpoint?: (loCode: number, hiCode: number, lo: number, hi: number) => number;
  /** A direct round-to-nearest-even encoder (−1: not handled, use the grid). */
  readonly nearestEven?: (x: number) => number;
  /** Non-saturating overflow (overflow: 'wrap') targets; undefined → always saturate. */
  readonly upper?: OverflowSide;
  readonly lower?: OverflowSide;
}

export interface Grid {
  /** decode of every code 0 … 2^bits − 1. */
  readonly table: Float64Array;
  /** Distinct finite values, ascending (one zero). */
  readonly values: Float64Array;
  /** Code of each entry of `values` (the +0 code for zero). */
  readonly codes: Uint32Array;
  /** Nearest-mode threshold between values[i] and values[i+1]. */
  readonly mids: Float64Array;
  readonly negZeroCode: number | undefined;
}

export interface Codec {
  readonly encode: (x: number, opts?: EncodeOptions) => number;
  readonly decode: (code: number) => number;
}

export function buildTable(source: Pick<GridSource, 'bits' | 'decode'>): Float64Array {
  const size = 2 ** source.bits;
  const table = new Float64Array(size);
  for (let c = 0; c < size; c++) table[c] = source.decode(c);
  return table;
}

export function buildGrid(source: GridSource, table: Float64Array): Grid {
  const order: number[] = [];
  let negZeroCode: number | undefined;
  for (let c = 0; c < table.length; c++) {
    const v = table[c]!;
    if (!Number.isFinite(v)) continue;
    if (Object.is(v, -0)) negZeroCode = c;
    else order.push(c);
  }
  // A format whose only zero is −0 (never the case here) would lose zero; keep it honest.
  if (negZeroCode !== undefined && !order.some((c) => table[c] === 0)) {
    order.push(negZeroCode);
    negZeroCode = undefined;
  }
  order.sort((a, b) => table[a]! - table[b]!);
  const values = new Float64Array(order.length);
  const codes = new Uint32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const code = order[i]!;
    values[i] = table[code]!;
    codes[i] = code;
    if (i > 0 && values[i]! <= values[i - 1]!) {
      throw new Error(`format ${source.name}: codes ${codes[i - 1]} and ${code} have the same value`);
    }
  }
  const mids = new Float64Array(Math.max(values.length - 1, 0));
  const midpoint = source.midpoint ?? ((_a: number, _b: number, lo: number, hi: number) => (lo + hi) / 2);
  for (let i = 0; i + 1 < values.length; i++) {
    mids[i] = midpoint(codes[i]!, codes[i + 1]!, values[i]!, values[i + 1]!);
  }
  return { table, values, codes, mids, negZeroCode };
}

/**
 * Index of the last value ≤ x (values ascending, values[0] ≤ x). Branch-free halving: random inputs
 * would mispredict the branches of a textbook binary search.
 */
function floorIndex(values: Float64Array, x: number): number {
  let base = 0;
  let n = values.length;
  while (n > 1) {
    const half = n >>> 1;
    base = values[base + half]! <= x ? base + half : base;
    n -= half;
  }
  return base;
}

export function codeError(name: string, bits: number, code: number): InputError {
  return new InputError([
    { path: 'code', value: String(code), expected: `an integer code of ${name} in 0 … ${2 ** bits - 1}` },
  ]);
}

export function nanError(name: string): InputError {
  return new InputError([
    { path: 'value', value: 'NaN', expected: `a number (format ${name} has no NaN code)` },
  ]);
}

export interface GridCodec {
  readonly codec: Codec;
  /** The decode table, built on first use. */
  readonly table: () => Float64Array;
  /** The sorted grid, built on first use. */
  readonly grid: () => Grid;
}

/** A codec over a lazily built table and grid. */
export function gridCodec(source: GridSource): GridCodec {
  let table: Float64Array | undefined;
  let cached: Grid | undefined;
  const getTable = (): Float64Array => (table ??= buildTable(source));
  const grid = (): Grid => (cached ??= buildGrid(source, getTable()));

  const decode = (code: number): number => {
    const v = (table ??= buildTable(source))[code];
    if (v === undefined) throw codeError(source.name, source.bits, code);
    return v;
  };

  const fast = source.nearestEven;
  const encode = (x: number, opts?: EncodeOptions): number => {
    const r = resolveOptions(opts);
    if (fast !== undefined && r.mode === 'nearest-even') {
      const code = fast(x);
      if (code >= 0) return code;
    }
    const g = grid();
    if (Number.isNaN(x)) {
      if (source.nanCode === undefined) throw nanError(source.name);
      return source.nanCode;
    }
    if (source.infinityInputCode !== undefined && !Number.isFinite(x)) return source.infinityInputCode;
    const { values, codes, mids } = g;
    const last = values.length - 1;
    if (x > values[last]!) return encodeBeyond(x, false, source.upper, codes[last]!, r);
    if (x < values[0]!) return encodeBeyond(-x, true, source.lower, codes[0]!, r);
    const i = floorIndex(values, x);
    let idx = i;
    if (values[i] !== x) {
      idx = pickHigh(x, values[i]!, values[i + 1]!, mids[i]!, codes[i]!, codes[i + 1]!, r) ? i + 1 : i;
    }
    if (values[idx] === 0 && g.negZeroCode !== undefined && (x < 0 || Object.is(x, -0))) {
      return g.negZeroCode;
    }
    return codes[idx]!;
  };

  return { codec: { encode, decode }, table: getTable, grid };
}
