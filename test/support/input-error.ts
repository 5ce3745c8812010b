import { InputError, type InputIssue } from '../../src/units/errors.js';

/** The issues of the InputError that `fn` throws (fails the test if it throws anything else or nothing). */
export function issuesOf(fn: () => unknown): readonly InputIssue[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  throw new Error('expected an InputError');
}
