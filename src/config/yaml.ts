import { readFileSync, statSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { InputError, type InputIssue } from '../units/errors.js';

/** Config and spec files larger than this are refused (they are hand-written YAML). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Read a file as text, turning a missing/unreadable/oversized file into an InputError. */
export function readTextFile(file: string, maxBytes = MAX_CONFIG_BYTES): string {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) {
      throw new InputError([{ file, path: '(file)', value: 'a directory', expected: 'a regular file' }]);
    }
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError([
      { file, path: '(file)', value: 'missing', expected: 'an existing, readable file' },
    ]);
  }
  if (size > maxBytes) {
    throw new InputError([
      { file, path: '(file)', value: `${size} bytes`, expected: `at most ${maxBytes} bytes` },
    ]);
  }
  return readFileSync(file, 'utf8');
}

/**
 * Parse YAML (or JSON, which YAML 1.2 contains) text. Every syntax error is reported at once with
 * its line and column.
 */
export function parseYamlText(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    const issues: InputIssue[] = doc.errors.map((err) => {
      const pos = lineCounter.linePos(err.pos[0]);
      const where = `line ${pos.line}, column ${pos.col}`;
      return { file, path: where, value: firstLine(err.message), expected: 'well-formed YAML' };
    });
    throw new InputError(issues);
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

export function readYamlFile(file: string): unknown {
  return parseYamlText(readTextFile(file), file);
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? s;
  return line.trim();
}
