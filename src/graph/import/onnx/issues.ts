/** Collects every problem of one import as InputIssues (all reported at once, never thrown one by one). */
import { InputError, type InputIssue } from '../../../units/errors.js';

export class IssueList {
  readonly items: InputIssue[] = [];

  constructor(readonly file: string | undefined) {}

  add(path: string, value: string, expected: string): void {
    this.items.push(
      this.file !== undefined ? { file: this.file, path, value, expected } : { path, value, expected },
    );
  }

  /** Issues of an InputError raised by a helper, re-rooted under `prefix` and this file. */
  addError(e: InputError, prefix: string): void {
    for (const i of e.issues) this.add(prefix === '' ? i.path : `${prefix}.${i.path}`, i.value, i.expected);
  }

  get count(): number {
    return this.items.length;
  }

  throwIfAny(): void {
    if (this.items.length > 0) throw new InputError(this.items);
  }
}

/** Run `fn`; an InputError it throws becomes issues under `prefix` and the result is undefined. */
export function capture<T>(issues: IssueList, prefix: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError) {
      issues.addError(e, prefix);
      return undefined;
    }
    throw e;
  }
}
