/**
 * Bad input is reported, never thrown as a crash: every boundary (config, model file, layer table,
 * CLI flag) collects InputIssues and throws one InputError holding all of them. The CLI prints each
 * issue on one line and exits with code 2.
 */

export interface InputIssue {
  /** File the value came from, when there is one. */
  readonly file?: string;
  /** Field path inside the file or flag name, e.g. `layers[3].attrs.kernel` or `--format`. */
  readonly path: string;
  /** The offending value, as text. */
  readonly value: string;
  /** What was expected instead. */
  readonly expected: string;
}

export class InputError extends Error {
  readonly issues: readonly InputIssue[];

  constructor(issues: readonly InputIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'InputError';
    this.issues = issues;
  }
}

export function formatIssue(issue: InputIssue): string {
  const where = issue.file !== undefined ? `${issue.file}: ` : '';
  return `${where}${issue.path}: got ${issue.value}; expected ${issue.expected}`;
}

/** Render any value compactly for an issue's `value` field. */
export function showValue(v: unknown): string {
  if (v === undefined) return '(missing)';
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return '(a value that cannot be printed)';
  }
}
