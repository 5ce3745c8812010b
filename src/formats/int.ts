/**
 * Integers and fixed point: a code is the two's complement (or unsigned) integer k of `bits` bits,
 * the value is k · 2^−fracBits, bits ≤ 32. Encode is computed directly: scale by 2^fracBits (exact),
 * round to an integer, then saturate or wrap modulo 2^bits. Decode is a table lookup up to 16 bits,
 * computed above (accumulator widths).
 */

import type { EncodeOptions } from './types.js';
import { codeError, nanError, type Codec } from './grid.js';
import { resolveOptions, roundToInteger } from './rounding.js';

export interface IntLayout {
  readonly name: string;
  readonly bits: number;
  readonly signed: boolean;
  readonly fracBits: number;
}

export function intRange(layout: IntLayout): { kMin: number; kMax: number } {
  return layout.signed
    ? { kMin: -(2 ** (layout.bits - 1)), kMax: 2 ** (layout.bits - 1) - 1 }
    : { kMin: 0, kMax: 2 ** layout.bits - 1 };
}

export function decodeInt(layout: IntLayout, code: number): number {
  const half = 2 ** (layout.bits - 1);
  const k = layout.signed && code >= half ? code - 2 ** layout.bits : code;
  return k * 2 ** -layout.fracBits;
}

/** `table`: the decode table (formats ≤ 16 bits); undefined above 16 bits, where decode is computed. */
export function intCodec(layout: IntLayout, table: (() => Float64Array) | undefined): Codec {
  const { kMin, kMax } = intRange(layout);
  const modulus = 2 ** layout.bits;
  const up = 2 ** layout.fracBits;
  const unit = 2 ** -layout.fracBits;

  const decode =
    table !== undefined
      ? (code: number): number => {
          const v = table()[code];
          if (v === undefined) throw codeError(layout.name, layout.bits, code);
          return v;
        }
      : (code: number): number => {
          if (!Number.isInteger(code) || code < 0 || code >= modulus) {
            throw codeError(layout.name, layout.bits, code);
          }
          return (layout.signed && code > kMax ? code - modulus : code) * unit;
        };

  const encode = (x: number, opts?: EncodeOptions): number => {
    if (Number.isNaN(x)) throw nanError(layout.name);
    const r = resolveOptions(opts);
    let k = roundToInteger(x * up, r);
    if (k > kMax || k < kMin) {
      // ±Infinity cannot wrap: it saturates in both modes.
      if (r.saturate || !Number.isFinite(k)) k = k > kMax ? kMax : kMin;
      else k = kMin + ((((k - kMin) % modulus) + modulus) % modulus);
    }
    return (k < 0 ? k + modulus : k) + 0;
  };

  return { encode, decode };
}
