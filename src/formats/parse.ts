/**
 * Format names → FormatSpec. Names are case-insensitive and whitespace is ignored. The grammar is
 * listed in catalog.ts (VALID_FORMS) and docs/formats.md.
 */

import { InputError, showValue } from '../units/errors.js';
import { NAMED_FORMATS, VALID_FORMS } from './catalog.js';
import { defaultBias, MINIFLOAT_SPECIALS, type FormatSpec, type MinifloatSpecials } from './spec.js';

const MAX_BITS = 16;
/** Integers and fixed point go to 32 bits (accumulators); everything else is table-driven, ≤ 16. */
const MAX_INT_BITS = 32;

export class FormatSyntaxError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function fail(reason: string): never {
  throw new FormatSyntaxError(reason);
}

function int(text: string, what: string, min: number, max: number): number {
  if (!/^[+-]?\d+$/.test(text)) fail(`${what} must be an integer`);
  const v = Number(text);
  if (v < min || v > max) fail(`${what} must be in ${min}..${max}`);
  return v;
}

function parseMinifloat(args: readonly string[]): FormatSpec {
  const [eText, mText, ...options] = args;
  if (eText === undefined || mText === undefined) fail('minifloat needs <e,m>');
  const exp = int(eText, 'minifloat exponent bits e', 1, 8);
  const man = int(mText, 'minifloat mantissa bits m', 0, MAX_BITS - 1 - exp);
  let specials: MinifloatSpecials | undefined;
  let bias: number | undefined;
  for (const option of options) {
    if ((MINIFLOAT_SPECIALS as readonly string[]).includes(option)) {
      if (specials !== undefined) fail('minifloat special-value rule given twice');
      specials = option as MinifloatSpecials;
    } else if (option.startsWith('bias=')) {
      if (bias !== undefined) fail('minifloat bias given twice');
      bias = int(option.slice(5), 'minifloat bias', -256, 256);
    } else {
      fail(`unknown minifloat option "${option}" (expected ieee, fn, fnuz, finite or bias=B)`);
    }
  }
  specials ??= 'ieee';
  if (specials === 'ieee' && exp < 2) fail('an ieee minifloat needs e >= 2');
  return { kind: 'minifloat', exp, man, bias: bias ?? defaultBias(exp), specials };
}

function parseGeneric(head: string, args: readonly string[]): FormatSpec {
  const want = (count: number): void => {
    if (args.length !== count) fail(`${head}<…> takes ${count} parameter${count > 1 ? 's' : ''}`);
  };
  switch (head) {
    case 'fixed':
    case 'ufixed': {
      want(2);
      const signed = head === 'fixed';
      const intBits = int(args[0]!, `${head} integer bits m`, signed ? 1 : 0, MAX_INT_BITS);
      const fracBits = int(args[1]!, `${head} fraction bits n`, 0, MAX_INT_BITS);
      if (intBits + fracBits < 1 || intBits + fracBits > MAX_INT_BITS) fail(`${head} needs 1 <= m+n <= 32`);
      return { kind: 'fixed', intBits, fracBits, signed };
    }
    case 'minifloat':
      return parseMinifloat(args);
    case 'posit':
      want(2);
      return {
        kind: 'posit',
        bits: int(args[0]!, 'posit n', 2, MAX_BITS),
        es: int(args[1]!, 'posit es', 0, 4),
      };
    case 'pow2':
      want(1);
      return { kind: 'pow2', bits: int(args[0]!, 'pow2 bits b', 2, 8) };
    default:
      return fail(`unknown format "${head}<…>"`);
  }
}

/** Parse a normalized (lower-case, whitespace-free) name. Throws FormatSyntaxError. */
export function parseSpec(normalized: string): FormatSpec {
  const named = NAMED_FORMATS.find((f) => f.name === normalized);
  if (named !== undefined) return named.spec;
  if (normalized === 'binary') return { kind: 'binary' };
  if (normalized === 'ternary') return { kind: 'ternary' };
  const intMatch = /^(u?)int(\d+)$/.exec(normalized);
  if (intMatch !== null) {
    const unsigned = intMatch[1] === 'u';
    const bits = int(intMatch[2]!, `${unsigned ? 'uint' : 'int'}N bits N`, 1, MAX_INT_BITS);
    return { kind: 'int', bits, signed: !unsigned };
  }
  const generic = /^([a-z0-9]+)<([^<>]*)>$/.exec(normalized);
  if (generic !== null) return parseGeneric(generic[1]!, generic[2]!.split(','));
  return fail('unknown format name');
}

export function normalizeName(text: string): string {
  return text.toLowerCase().replace(/\s+/g, '');
}

export function syntaxToInputError(text: unknown, reason: string, path: string): InputError {
  return new InputError([
    { path, value: showValue(text), expected: `${reason}; valid forms: ${VALID_FORMS}` },
  ]);
}
