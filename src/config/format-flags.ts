import { parseFormat } from '../formats/index.js';
import type { NumberFormat } from '../formats/types.js';
import { InputError, type InputIssue } from '../units/errors.js';

/** The number formats one run uses: weights, activations and the accumulator. */
export interface FormatAssignment {
  readonly weights: string;
  readonly activations: string;
  readonly accumulator: string;
}

export interface FormatFlags {
  readonly format?: string | undefined;
  readonly weights?: string | undefined;
  readonly acts?: string | undefined;
  readonly accumulator?: string | undefined;
}

const SHORTHAND = /^w(\d{1,2})a(\d{1,2})$/i;

/**
 * The default accumulator for a pair of operand formats: a 32-bit integer for integer-like formats
 * (int, fixed, binary, ternary, pow2 — wide enough for K up to 2^(32 − wBits − aBits) products), and
 * fp32 for floating formats (minifloat, posit, bf16/fp16), the usual choice of FP8 hardware.
 */
export function defaultAccumulator(weights: NumberFormat, activations: NumberFormat): string {
  const floating = (f: NumberFormat): boolean => f.kind === 'minifloat' || f.kind === 'posit';
  return floating(weights) || floating(activations) ? 'fp32' : 'int32';
}

/**
 * Resolve `--format <fmt|wXaY>` or `--weights <fmt> --acts <fmt>` (+ optional `--accumulator`)
 * into canonical format names. `fallback` applies when no flag is given (the workload's defaults).
 */
export function resolveFormatFlags(flags: FormatFlags, fallback: FormatAssignment): FormatAssignment {
  const issues: InputIssue[] = [];
  const parse = (text: string, flag: string): NumberFormat | undefined => {
    try {
      return parseFormat(text);
    } catch (e) {
      if (e instanceof InputError) {
        for (const issue of e.issues) issues.push({ ...issue, path: flag });
        return undefined;
      }
      throw e;
    }
  };

  if (flags.format !== undefined && (flags.weights !== undefined || flags.acts !== undefined)) {
    issues.push({
      path: '--format',
      value: flags.format,
      expected: 'either --format or --weights/--acts, not both',
    });
  }

  let wText = flags.weights ?? fallback.weights;
  let aText = flags.acts ?? fallback.activations;
  if (flags.format !== undefined) {
    const m = SHORTHAND.exec(flags.format.trim());
    if (m !== null) {
      wText = `int${m[1] ?? ''}`;
      aText = `int${m[2] ?? ''}`;
    } else {
      wText = flags.format;
      aText = flags.format;
    }
  }
  const w = parse(wText, flags.format !== undefined ? '--format' : '--weights');
  // one format for both operands is parsed (and, if wrong, reported) once
  const a = aText === wText ? w : parse(aText, flags.format !== undefined ? '--format' : '--acts');
  let accName: string | undefined;
  if (flags.accumulator !== undefined) accName = parse(flags.accumulator, '--accumulator')?.name;
  if (issues.length > 0 || w === undefined || a === undefined) throw new InputError(issues);
  const noFlags = flags.format === undefined && flags.weights === undefined && flags.acts === undefined;
  const accumulator = accName ?? (noFlags ? fallback.accumulator : defaultAccumulator(w, a));
  return { weights: w.name, activations: a.name, accumulator };
}
