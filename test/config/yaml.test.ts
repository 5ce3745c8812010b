import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseYamlText, readYamlFile } from '../../src/config/yaml.js';
import { parseWithSchema } from '../../src/config/validate.js';
import { InputError } from '../../src/units/errors.js';

function issuesOf(f: () => unknown): InputError['issues'] {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('YAML loading', () => {
  it('reports a syntax error with file, line and column', () => {
    const issues = issuesOf(() => parseYamlText('a: 1\nb: [1, 2\nc: 3\n', 'hw.yaml'));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]?.file).toBe('hw.yaml');
    expect(issues[0]?.path).toMatch(/^line \d+, column \d+$/);
    expect(issues[0]?.expected).toBe('well-formed YAML');
  });

  it('refuses duplicate keys', () => {
    const issues = issuesOf(() => parseYamlText('a: 1\na: 2\n', 'dup.yaml'));
    expect(issues[0]?.value).toMatch(/unique/i);
  });

  it('names a missing file', () => {
    const issues = issuesOf(() => readYamlFile('/nonexistent/x.yaml'));
    expect(issues).toEqual([
      {
        file: '/nonexistent/x.yaml',
        path: '(file)',
        value: 'missing',
        expected: 'an existing, readable file',
      },
    ]);
  });

  it('reads a well-formed file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitcycle-yaml-'));
    const f = join(dir, 'ok.yaml');
    writeFileSync(f, 'array:\n  rows: 32\n  cols: 32\n');
    expect(readYamlFile(f)).toEqual({ array: { rows: 32, cols: 32 } });
  });
});

describe('schema validation', () => {
  const schema = z.strictObject({
    rows: z.number().int().positive(),
    cols: z.number().int().positive(),
    sram: z.strictObject({ kib: z.number().positive() }),
  });

  it('reports every problem at once with paths and values', () => {
    const raw = { rows: -4, cols: 'x', sram: { kib: 0, extra: 1 } };
    const issues = issuesOf(() => parseWithSchema(schema, raw, 'a.yaml'));
    const byPath = new Map(issues.map((i) => [i.path, i]));
    expect(byPath.get('rows')?.value).toBe('-4');
    expect(byPath.get('cols')?.value).toBe('"x"');
    expect(byPath.get('sram.kib')?.value).toBe('0');
    expect(byPath.get('sram')?.value).toBe('extra');
    expect(issues.every((i) => i.file === 'a.yaml')).toBe(true);
  });
});
