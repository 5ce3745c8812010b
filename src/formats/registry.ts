/** parseFormat: text → shared NumberFormat, cached per text and per canonical name. */

import type { NumberFormat } from './types.js';
import { formatFromSpec } from './build.js';
import { FormatSyntaxError, normalizeName, parseSpec, syntaxToInputError } from './parse.js';

const byText = new Map<string, NumberFormat>();

/**
 * Parse a format name (`int8`, `fp8-e4m3fn`, `posit<8,1>`, `minifloat<4,3,fn>` …), case-insensitive
 * and whitespace-tolerant. Returns one shared object per canonical name. Throws InputError (at
 * `path`, default `format`) naming the text and listing the valid forms.
 */
export function parseFormat(text: string, path = 'format'): NumberFormat {
  const hit = byText.get(text);
  if (hit !== undefined) return hit;
  let fmt: NumberFormat;
  try {
    fmt = formatFromSpec(parseSpec(normalizeName(text)));
  } catch (e) {
    if (e instanceof FormatSyntaxError) throw syntaxToInputError(text, e.reason, path);
    throw e;
  }
  byText.set(text, fmt);
  return fmt;
}
