/**
 * Rounding decisions shared by every codec: given x strictly between two neighbouring representable
 * values lo < x < hi, pick one. "Even" means an even code (bit pattern), which is the IEEE 754 and
 * Posit Standard meaning (the last stored bit is 0), and for two's complement integers the usual
 * meaning.
 */

import { InputError } from '../units/errors.js';
import type { EncodeOptions, RoundingMode } from './types.js';

export const ROUNDING_MODES: readonly RoundingMode[] = [
  'nearest-even',
  'nearest-away',
  'toward-zero',
  'away-from-zero',
  'nearest-toward-zero',
  'floor',
  'ceil',
  'stochastic',
];

/** Rounding mode and rng of an EncodeOptions, checked. */
export interface ResolvedRounding {
  readonly mode: RoundingMode;
  readonly rng: (() => number) | undefined;
  readonly saturate: boolean;
}

const DEFAULT_ROUNDING: ResolvedRounding = { mode: 'nearest-even', rng: undefined, saturate: true };

function isRoundingMode(v: string): v is RoundingMode {
  return (ROUNDING_MODES as readonly string[]).includes(v);
}

/** Check the options (they may come from untyped configuration) and fill in the defaults. */
export function resolveOptions(opts: EncodeOptions | undefined): ResolvedRounding {
  if (opts === undefined) return DEFAULT_ROUNDING;
  const mode: string = opts.rounding ?? 'nearest-even';
  if (!isRoundingMode(mode)) {
    throw new InputError([
      { path: 'rounding', value: mode, expected: `one of ${ROUNDING_MODES.join(', ')}` },
    ]);
  }
  const overflow: string = opts.overflow ?? 'saturate';
  if (overflow !== 'saturate' && overflow !== 'wrap') {
    throw new InputError([{ path: 'overflow', value: overflow, expected: 'saturate or wrap' }]);
  }
  if (mode === 'stochastic' && opts.rng === undefined) {
    throw new InputError([
      {
        path: 'rounding',
        value: 'stochastic',
        expected: 'an rng in the encode options (e.g. () => new Rng(seed).next())',
      },
    ]);
  }
  return { mode, rng: opts.rng, saturate: overflow === 'saturate' };
}

/**
 * true → round to hi, false → round to lo, for lo < x < hi. `mid` is the nearest-mode threshold
 * (the arithmetic mean for uniform formats, the (n+1)-bit posit for posits).
 */
export function pickHigh(
  x: number,
  lo: number,
  hi: number,
  mid: number,
  loCode: number,
  hiCode: number,
  r: ResolvedRounding,
): boolean {
  switch (r.mode) {
    case 'nearest-even':
      if (x !== mid) return x > mid;
      return tieToEven(loCode, hiCode);
    case 'nearest-away':
      if (x !== mid) return x > mid;
      return magnitudeOrder(lo, hi) ?? tieToEven(loCode, hiCode);
    case 'toward-zero':
    case 'away-from-zero': {
      const larger = magnitudeOrder(lo, hi);
      if (larger === undefined) return x !== mid ? x > mid : tieToEven(loCode, hiCode);
      return r.mode === 'toward-zero' ? !larger : larger;
    }
    case 'nearest-toward-zero': {
      if (x !== mid) return x > mid;
      const larger = magnitudeOrder(lo, hi);
      return larger === undefined ? tieToEven(loCode, hiCode) : !larger;
    }
    case 'floor':
      return false;
    case 'ceil':
      return true;
    case 'stochastic':
      return r.rng!() * (hi - lo) < x - lo;
  }
}

/** true if |hi| > |lo|, false if |lo| > |hi|, undefined if equal. */
function magnitudeOrder(lo: number, hi: number): boolean | undefined {
  const a = Math.abs(lo);
  const b = Math.abs(hi);
  return a === b ? undefined : b > a;
}

/** Pick the neighbour with the even code; lo when both have the same parity. */
function tieToEven(loCode: number, hiCode: number): boolean {
  return (loCode & 1) === 1 && (hiCode & 1) === 0;
}

/** Round a real number to an integer (no range limit). Infinities pass through. */
export function roundToInteger(k: number, r: ResolvedRounding): number {
  if (!Number.isFinite(k)) return k;
  const f = Math.floor(k);
  if (f === k) return k;
  const hi = f + 1;
  // For integers the "code" parity is the integer parity; mid is the exact half.
  return pickHigh(k, f, hi, f + 0.5, f, hi, r) ? hi : f;
}

/**
 * The non-saturating overflow behaviour of a floating format on one side (positive or negative):
 * beyond the largest finite magnitude `extremeValue` (code `extremeCode`) lies the virtual next
 * value `virtualValue` = extreme + one ulp with code extremeCode + 1 (for the tie-to-even parity).
 * Rounding to it (or beyond it) gives `overflowCode` (±infinity, or NaN when there is no infinity).
 */
export interface OverflowSide {
  readonly extremeCode: number;
  readonly extremeValue: number;
  readonly virtualValue: number;
  readonly overflowCode: number;
}

/**
 * Encode |x| > extreme magnitude on one side. `absX` is |x|; `negative` mirrors floor/ceil.
 * Saturation (or a side with no overflow code) gives the extreme code.
 */
export function encodeBeyond(
  absX: number,
  negative: boolean,
  side: OverflowSide | undefined,
  extremeCode: number,
  r: ResolvedRounding,
): number {
  if (r.saturate || side === undefined) return extremeCode;
  if (absX === Infinity || absX >= side.virtualValue) {
    const towardExtreme = r.mode === 'toward-zero' || r.mode === (negative ? 'ceil' : 'floor');
    return towardExtreme ? side.extremeCode : side.overflowCode;
  }
  const mode: RoundingMode =
    r.mode === 'floor' && negative ? 'ceil' : r.mode === 'ceil' && negative ? 'floor' : r.mode;
  const up = pickHigh(
    absX,
    side.extremeValue,
    side.virtualValue,
    (side.extremeValue + side.virtualValue) / 2,
    side.extremeCode,
    side.extremeCode + 1,
    mode === r.mode ? r : { ...r, mode },
  );
  return up ? side.overflowCode : side.extremeCode;
}
