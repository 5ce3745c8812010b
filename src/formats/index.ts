/**
 * Number formats: parse a name, get a bit-exact NumberFormat (encode / decode / quantize and a
 * hardware descriptor), list and summarize formats, and quantize whole tensors (quantize.ts).
 * See docs/formats.md for every format's layout, specials, rounding rules and sources.
 */

import { formatListings, type FormatListing } from './catalog.js';

export type {
  EncodeOptions,
  FormatKind,
  HardwareDescriptor,
  NumberFormat,
  OverflowMode,
  RoundingMode,
} from './types.js';
export type { FormatListing } from './catalog.js';
export { parseFormat } from './registry.js';
export { formatSummary, sortedFiniteValues, valueGrid, type FormatSummary } from './values.js';
export { ROUNDING_MODES } from './rounding.js';
export { dequantizeLinear, quantizeLinear, type DequantizeOptions, type QuantParams } from './quantize.js';

/** Every accepted form with an example and a one-line description (`bitcycle list formats`). */
export function listFormats(): readonly FormatListing[] {
  return formatListings();
}
