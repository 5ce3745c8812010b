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
