import type { z } from 'zod';
import { InputError, showValue, type InputIssue } from '../units/errors.js';

/** Render a zod path as `a.b[3].c`. */
export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(root)' : out;
}

/** The value at a path in a raw parsed document, or undefined. */
export function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = doc;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** zod issue → our issue: field path, the raw value there, and what was expected. */
export function zodIssues(
  error: z.ZodError,
  raw: unknown,
  file: string | undefined,
  root = '',
): InputIssue[] {
  return error.issues.map((issue) => {
    const value =
      issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : showValue(valueAt(raw, issue.path));
    const expected = issue.code === 'unrecognized_keys' ? 'no such key (check spelling)' : issue.message;
    const path = formatPath(issue.path, root);
    return file !== undefined ? { file, path, value, expected } : { path, value, expected };
  });
}

/** Validate a raw document against a schema; all problems at once as one InputError. */
export function parseWithSchema<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  file: string | undefined,
  root = '',
): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new InputError(zodIssues(result.error, raw, file, root));
  return result.data;
}
