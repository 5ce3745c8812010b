import { InputError, type InputIssue } from '../../units/errors.js';

/** `--param NAME=VALUE` flags → a record; malformed ones are one InputError. */
export function parseParamFlags(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const issues: InputIssue[] = [];
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0 || eq === f.length - 1) {
      issues.push({ path: '--param', value: JSON.stringify(f), expected: 'NAME=VALUE, e.g. seq=256' });
      continue;
    }
    out[f.slice(0, eq).trim()] = f.slice(eq + 1).trim();
  }
  if (issues.length > 0) throw new InputError(issues);
  return out;
}

/** A positive integer flag, or undefined when absent. */
export function positiveIntFlag(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1) {
    throw new InputError([{ path: name, value: String(v), expected: 'a positive integer' }]);
  }
  return v;
}

/** Calibration samples taken from a dataset (the first ones). */
export { CALIBRATION_SAMPLES } from '../../quant/inputs.js';

const RANGE_METHODS = ['minmax', 'percentile', 'mmse'] as const;
export type RangeMethodFlag = (typeof RANGE_METHODS)[number];

/** `--method`: how quantization ranges are picked. */
export function rangeMethodFlag(v: string | undefined): RangeMethodFlag | undefined {
  if (v === undefined) return undefined;
  const m = RANGE_METHODS.find((x) => x === v);
  if (m === undefined)
    throw new InputError([
      { path: '--method', value: JSON.stringify(v), expected: RANGE_METHODS.join(', ') },
    ]);
  return m;
}

/** A choice flag: one of `choices`, or undefined when absent. */
export function choiceFlag<T extends string>(
  name: string,
  v: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (v === undefined) return undefined;
  const m = choices.find((x) => x === v);
  if (m === undefined)
    throw new InputError([
      { path: name, value: JSON.stringify(v), expected: `one of ${choices.join(', ')}` },
    ]);
  return m;
}
