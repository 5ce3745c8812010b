/**
 * The folders of src/ read as the data flow: a folder imports only from itself and from folders
 * listed before it (README, "Project layout"; docs/architecture.md).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/units/paths.js';

const ORDER = [
  'units',
  'formats',
  'graph',
  'config',
  'mapping',
  'engine',
  'targets',
  'cost',
  'numerics',
  'sim',
  'quant',
  'dse',
  'regress',
  'report',
  'cli',
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = join(dir, f);
    return statSync(full).isDirectory() ? files(full) : f.endsWith('.ts') ? [full] : [];
  });
}

describe('architecture', () => {
  it('every src folder imports only from itself and the folders before it', () => {
    const src = join(packageRoot(), 'src');
    const bad: string[] = [];
    for (const file of files(src)) {
      const from = relative(src, file).split('/')[0] ?? '';
      if (!ORDER.includes(from)) continue; // index.ts at the root may use everything
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = relative(src, resolve(dirname(file), m[1]!)).split('/')[0] ?? '';
        if (!ORDER.includes(target) || target === from) continue;
        if (ORDER.indexOf(target) > ORDER.indexOf(from)) bad.push(`${relative(src, file)} imports ${m[1]!}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
