import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateFile } from '../../src/cli/commands/validate.js';
import {
  REQUIRED_TABLES,
  defaultTechDir,
  describeRow,
  loadTechLibrary,
  loadTechTable,
  parseTechTable,
} from '../../src/cost/index.js';
import { issuesOf } from '../support/input-error.js';

const goodRow = {
  id: 'x.energy',
  value: 1,
  unit: 'pJ',
  source: 'Somebody 2020, Table 1',
  node_nm: 45,
  voltage_v: 0.9,
  label: 'S',
  note: 'copied',
};

function table(rows: unknown[]): unknown {
  return { kind: 'tech-table', name: 't', description: 'd', rows };
}

const tmpDirs: string[] = [];
afterEach(() => {
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('tech tables', () => {
  it('every required table loads and validates, every row with source, label and note', () => {
    for (const name of REQUIRED_TABLES) {
      const file = join(defaultTechDir(), `${name}.yaml`);
      const t = loadTechTable(file);
      expect(t.name).toBe(name);
      expect(t.rows.length).toBeGreaterThan(0);
      for (const r of t.rows) {
        expect(r.source.length).toBeGreaterThan(3);
        expect(r.note.length).toBeGreaterThan(0);
        if (r.label === 'estimate') expect(r.source.startsWith('estimate')).toBe(true);
      }
      expect(validateFile(file).kind).toBe('tech-table');
    }
  });

  it('a lookup returns the value with its provenance', () => {
    const lib = loadTechLibrary();
    const v = lib.get('horowitz-45nm', 'int8.mult.energy', 'pJ');
    expect(v.value).toBe(0.2);
    expect(v.params.bits).toBe(8);
    expect(v.provenance.source).toContain('Horowitz');
    expect(v.provenance.nodeNm).toBe(45);
    expect(v.provenance.voltageV).toBe(0.9);
    expect(v.provenance.label).toBe('S2');
    expect(describeRow(v.provenance)).toBe('horowitz-45nm row int8.mult.energy [S2] (45 nm, 0.9 V)');
  });

  it('holds every Horowitz anchor of the issue', () => {
    const lib = loadTechLibrary();
    const expected: [string, number, number][] = [
      ['int8.add', 0.03, 36],
      ['int16.add', 0.05, 67],
      ['int32.add', 0.1, 137],
      ['fp16.add', 0.4, 1360],
      ['fp32.add', 0.9, 4184],
      ['int8.mult', 0.2, 282],
      ['int32.mult', 3.1, 3495],
      ['fp16.mult', 1.1, 1640],
      ['fp32.mult', 3.7, 7700],
    ];
    for (const [id, e, a] of expected) {
      expect(lib.get('horowitz-45nm', `${id}.energy`, 'pJ').value).toBe(e);
      expect(lib.get('horowitz-45nm', `${id}.area`, 'um2').value).toBe(a);
    }
    expect(lib.get('horowitz-45nm', 'sram1MB.read64.energy', 'pJ').value).toBe(100);
    expect(lib.get('horowitz-45nm', 'dram.read32.energy', 'pJ').value).toBe(640);
  });

  it('an unknown row id or a wrong unit is an InputError naming the table file', () => {
    const lib = loadTechLibrary();
    const a = issuesOf(() => lib.get('horowitz-45nm', 'int64.mult.energy'));
    expect(a[0]!.file).toContain('horowitz-45nm.yaml');
    expect(a[0]!.path).toContain('int64.mult.energy');
    const b = issuesOf(() => lib.get('horowitz-45nm', 'int8.mult.energy', 'um2'));
    expect(b[0]!.value).toBe('pJ');
  });

  it('a row without a source is a clear error at its path', () => {
    const { source: _drop, ...noSource } = goodRow;
    const issues = issuesOf(() => parseTechTable(table([goodRow, { ...noSource, id: 'y' }]), 'bad.yaml'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'bad.yaml', path: 'rows[1].source', value: '(missing)' });
    expect(issues[0]!.expected).toContain('a source');
  });

  it('reports every problem at once: unit, label, note, negative value, duplicate id', () => {
    const rows = [
      goodRow,
      { ...goodRow, id: 'y', unit: 'furlongs' },
      { ...goodRow, id: 'z', label: 'maybe' },
      { ...goodRow, id: 'w', note: undefined },
      { ...goodRow, id: 'v', value: -1 },
      { ...goodRow, id: 'u', value: -1, unit: 'coefficient' },
      { ...goodRow },
    ];
    const issues = issuesOf(() => parseTechTable(table(rows), 'bad.yaml'));
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'rows[1].unit',
        'rows[2].label',
        'rows[3].note',
        'rows[4].value',
        'rows[6].id',
      ]),
    );
    expect(paths).not.toContain('rows[5].value');
  });

  it('a missing table file is an InputError naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitcycle-tech-'));
    tmpDirs.push(dir);
    cpSync(defaultTechDir(), dir, { recursive: true });
    rmSync(join(dir, 'sram.yaml'));
    const issues = issuesOf(() => loadTechLibrary(dir));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.file).toBe(join(dir, 'sram.yaml'));
    expect(issues[0]!.value).toBe('missing');
  });
});
