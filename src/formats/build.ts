/**
 * FormatSpec → NumberFormat. Formats are immutable and cached per canonical name; the internal
 * codec and value grid of each format are kept in a side table for valueGrid / sortedFiniteValues.
 */

import type { EncodeOptions, NumberFormat } from './types.js';
import { NAMED_FORMATS } from './catalog.js';
import { float32Codec, FLOAT32_MAX } from './fp32.js';
import { gridCodec, MAX_TABLE_BITS, type Codec, type Grid, type GridSource } from './grid.js';
import { hardwareOf } from './hardware.js';
import { decodeInt, intCodec, intRange } from './int.js';
import { minifloatSource } from './minifloat.js';
import { positSource } from './posit.js';
import { binarySource, pow2Source, ternarySource } from './small.js';
import { genericName, specBits, type FixedSpec, type FormatSpec, type IntSpec } from './spec.js';

export interface FormatInternals {
  readonly spec: FormatSpec;
  /** The value grid (≤ 16 bits), built on first use. */
  readonly grid: (() => Grid) | undefined;
  /** decode table (≤ 16 bits), built on first use. */
  readonly table: (() => Float64Array) | undefined;
}

const internals = new WeakMap<NumberFormat, FormatInternals>();
const byName = new Map<string, NumberFormat>();

export function internalsOf(fmt: NumberFormat): FormatInternals | undefined {
  return internals.get(fmt);
}

function specEquals(a: FormatSpec, b: FormatSpec): boolean {
  return genericName(a) === genericName(b);
}

/** The canonical name: the first named format with this spec, else the generic name. */
export function canonicalName(spec: FormatSpec): string {
  return NAMED_FORMATS.find((f) => specEquals(f.spec, spec))?.name ?? genericName(spec);
}

function isFloat32(spec: FormatSpec): boolean {
  return spec.kind === 'minifloat' && spec.exp === 8 && spec.man === 23 && spec.specials === 'ieee';
}

function gridSourceOf(name: string, spec: Exclude<FormatSpec, IntSpec | FixedSpec>): GridSource {
  switch (spec.kind) {
    case 'minifloat':
      return minifloatSource(name, spec);
    case 'posit':
      return positSource(name, spec);
    case 'binary':
      return binarySource();
    case 'ternary':
      return ternarySource();
    case 'pow2':
      return pow2Source(name, spec);
  }
}

interface Built {
  readonly codec: Codec;
  readonly internals: FormatInternals;
  readonly range: { readonly min: number; readonly max: number; readonly minPositive: number };
}

function rangeOfGrid(g: Grid): Built['range'] {
  const values = g.values;
  let minPositive = Infinity;
  for (const v of values) {
    if (v > 0) {
      minPositive = v;
      break;
    }
  }
  return { min: values[0]!, max: values[values.length - 1]!, minPositive };
}

function buildCodec(name: string, spec: FormatSpec): Built {
  if (isFloat32(spec)) {
    return {
      codec: float32Codec,
      internals: { spec, grid: undefined, table: undefined },
      range: { min: -FLOAT32_MAX, max: FLOAT32_MAX, minPositive: 2 ** -149 },
    };
  }
  if (spec.kind === 'int' || spec.kind === 'fixed') {
    const layout = {
      name,
      bits: specBits(spec),
      signed: spec.signed,
      fracBits: spec.kind === 'fixed' ? spec.fracBits : 0,
    };
    const { kMin, kMax } = intRange(layout);
    const unit = 2 ** -layout.fracBits;
    // Above 16 bits (accumulators) there is no table: decode is computed.
    const lazy =
      layout.bits <= MAX_TABLE_BITS
        ? gridCodec({ name, bits: layout.bits, decode: (c) => decodeInt(layout, c), nanCode: undefined })
        : undefined;
    return {
      codec: intCodec(layout, lazy?.table),
      internals: { spec, grid: lazy?.grid, table: lazy?.table },
      range: { min: kMin * unit, max: kMax * unit, minPositive: unit },
    };
  }
  const { codec, grid, table } = gridCodec(gridSourceOf(name, spec));
  return { codec, internals: { spec, grid, table }, range: rangeOfGrid(grid()) };
}

export function formatFromSpec(spec: FormatSpec): NumberFormat {
  const name = canonicalName(spec);
  const cached = byName.get(name);
  if (cached !== undefined) return cached;
  const built = buildCodec(name, spec);
  const { encode, decode } = built.codec;
  const hardware = hardwareOf(spec);
  const fmt: NumberFormat = Object.freeze({
    name,
    kind: hardware.kind,
    bits: hardware.totalBits,
    signed: hardware.signed,
    maxValue: built.range.max,
    minValue: built.range.min,
    minPositive: built.range.minPositive,
    encode,
    decode,
    quantize: (x: number, opts?: EncodeOptions): number => decode(encode(x, opts)),
    hardware: Object.freeze(hardware),
  });
  internals.set(fmt, built.internals);
  byName.set(name, fmt);
  return fmt;
}

/** A named format by its canonical name (internal use: the name must exist). */
export function namedFormat(name: string): NumberFormat {
  const entry = NAMED_FORMATS.find((f) => f.name === name);
  if (entry === undefined) throw new Error(`no named format ${name}`);
  return formatFromSpec(entry.spec);
}
