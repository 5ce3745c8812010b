import { join } from 'node:path';
import { z } from 'zod';
import { readYamlFile } from '../config/yaml.js';
import { parseWithSchema } from '../config/validate.js';
import { InputError, type InputIssue } from '../units/errors.js';
import { packageRoot } from '../units/paths.js';

/**
 * A technology table under hw-configs/tech/: energy or area figures per action or component, each
 * row with its source, node, supply voltage, label and a note on how it was obtained, so every
 * figure in a report traces to a row. Units are part of each row; cost/ reads rows by id.
 */

export const TECH_UNITS = [
  'pJ',
  'fJ',
  'pJ/bit',
  'pJ/byte',
  'um2',
  'um2/bit',
  'mm2',
  'mm2/MB',
  'nW/um2',
  'uW',
  'mW',
  'W',
  'V',
  'ratio',
  'coefficient',
  'count',
] as const;
export type TechUnit = (typeof TECH_UNITS)[number];

/**
 * How a figure was obtained, as in ../shared/reference/energy-area.md: S stated in the named
 * source, S2 stated in a secondary source quoting the original, D derived (the note gives the
 * method), estimate: an engineering judgement with no published figure behind it.
 */
export const TECH_LABELS = ['S', 'S2', 'D', 'estimate'] as const;
export type TechLabel = (typeof TECH_LABELS)[number];

const SOURCE_EXPECTED = 'a source: paper and table/figure, datasheet, or "estimate: <reasoning>"';

const RowSchema = z
  .strictObject({
    id: z.string({ error: 'a non-empty row id' }).min(1, 'a non-empty row id'),
    value: z.number({ error: 'a finite number' }),
    unit: z.enum(TECH_UNITS, { error: `one of ${TECH_UNITS.join(', ')}` }),
    source: z.string({ error: SOURCE_EXPECTED }).min(3, SOURCE_EXPECTED),
    node_nm: z.number({ error: 'a technology node in nm' }).positive('a technology node in nm'),
    voltage_v: z.union([z.number().positive(), z.literal('unstated')], {
      error: 'a supply voltage in volts, or "unstated" when the source gives none',
    }),
    label: z.enum(TECH_LABELS, { error: `one of ${TECH_LABELS.join(', ')}` }),
    note: z.string({ error: 'a note on how the figure was obtained' }).min(1, 'a non-empty note'),
    params: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  })
  .refine((r) => r.value >= 0 || r.unit === 'coefficient', {
    message: 'a non-negative number (only unit "coefficient" may be negative)',
    path: ['value'],
  });

export const TechTableSchema = z.strictObject({
  kind: z.literal('tech-table'),
  name: z.string().min(1),
  description: z.string().min(1),
  rows: z.array(RowSchema),
});

export type TechTable = z.output<typeof TechTableSchema>;
export type TechRow = TechTable['rows'][number];

/** Repeated row ids, checked on the raw document so they are reported with the schema's issues. */
function duplicateIds(raw: unknown, file: string): InputIssue[] {
  const rows = raw !== null && typeof raw === 'object' ? (raw as { rows?: unknown }).rows : undefined;
  if (!Array.isArray(rows)) return [];
  const seen = new Set<string>();
  const out: InputIssue[] = [];
  rows.forEach((r: unknown, i) => {
    const id = r !== null && typeof r === 'object' ? (r as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') return;
    if (seen.has(id))
      out.push({
        file,
        path: `rows[${i}].id`,
        value: JSON.stringify(id),
        expected: 'a row id not used before',
      });
    seen.add(id);
  });
  return out;
}

/** Validate a parsed table; every problem (schema and repeated ids) in one InputError. */
export function parseTechTable(raw: unknown, file: string): TechTable {
  const dups = duplicateIds(raw, file);
  let table: TechTable | undefined;
  const issues: InputIssue[] = [];
  try {
    table = parseWithSchema(TechTableSchema, raw, file);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    issues.push(...e.issues);
  }
  issues.push(...dups);
  if (issues.length > 0 || table === undefined) throw new InputError(issues);
  return table;
}

export function loadTechTable(file: string): TechTable {
  return parseTechTable(readYamlFile(file), file);
}

/** Where a figure came from: the table row and everything the row says about itself. */
export interface RowProvenance {
  readonly table: string;
  readonly file: string;
  readonly id: string;
  readonly source: string;
  readonly nodeNm: number;
  readonly voltageV: number | 'unstated';
  readonly label: TechLabel;
  readonly note: string;
}

export interface TechValue {
  readonly value: number;
  readonly unit: TechUnit;
  /** Structured keys of the row (bits, capacity_bytes, width_bits …); empty when the row has none. */
  readonly params: Readonly<Record<string, number | string>>;
  readonly provenance: RowProvenance;
}

/** The tables cost/ needs, by table name (file `<name>.yaml` under hw-configs/tech/). */
export const REQUIRED_TABLES = ['horowitz-45nm', 'components', 'sram', 'dram', 'scaling', 'blocks'] as const;
export type TableName = (typeof REQUIRED_TABLES)[number];

/** A loaded set of tech tables with lookups that return value + provenance. */
export interface TechLibrary {
  readonly dir: string;
  /** The row `id` of `table`; an unknown id is an InputError naming the table file. */
  get(table: TableName, id: string, unit?: TechUnit): TechValue;
  /** Rows of `table` whose id starts with `prefix`, in file order. */
  rows(table: TableName, prefix?: string): readonly TechValue[];
  /** The file a table was loaded from. */
  fileOf(table: TableName): string;
}

export function defaultTechDir(): string {
  return join(packageRoot(), 'hw-configs', 'tech');
}

function provenanceOf(row: TechRow, table: string, file: string): RowProvenance {
  return {
    table,
    file,
    id: row.id,
    source: row.source,
    nodeNm: row.node_nm,
    voltageV: row.voltage_v,
    label: row.label,
    note: row.note,
  };
}

/** "horowitz-45nm row int8.mult.energy [S2] (45 nm, 0.9 V)". */
export function describeRow(p: RowProvenance): string {
  const v = p.voltageV === 'unstated' ? 'V unstated' : `${p.voltageV} V`;
  return `${p.table} row ${p.id} [${p.label}] (${p.nodeNm} nm, ${v})`;
}

function loadAll(dir: string): Map<TableName, { file: string; table: TechTable }> {
  const out = new Map<TableName, { file: string; table: TechTable }>();
  const issues: InputIssue[] = [];
  for (const name of REQUIRED_TABLES) {
    const file = join(dir, `${name}.yaml`);
    try {
      const table = loadTechTable(file);
      if (table.name !== name) {
        issues.push({ file, path: 'name', value: JSON.stringify(table.name), expected: `"${name}"` });
      }
      out.set(name, { file, table });
    } catch (e) {
      if (e instanceof InputError) issues.push(...e.issues);
      else throw e;
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return out;
}

function makeLibrary(dir: string): TechLibrary {
  const tables = loadAll(dir);
  const entry = (t: TableName): { file: string; table: TechTable } => tables.get(t)!;
  const byId = new Map<TableName, Map<string, TechRow>>();
  for (const name of REQUIRED_TABLES) {
    byId.set(name, new Map(entry(name).table.rows.map((r) => [r.id, r])));
  }
  const toValue = (t: TableName, r: TechRow): TechValue => ({
    value: r.value,
    unit: r.unit,
    params: r.params ?? {},
    provenance: provenanceOf(r, t, entry(t).file),
  });
  return {
    dir,
    fileOf: (t) => entry(t).file,
    get(t, id, unit) {
      const row = byId.get(t)?.get(id);
      const file = entry(t).file;
      if (row === undefined) {
        throw new InputError([
          { file, path: `rows[id=${id}]`, value: '(missing)', expected: `a row "${id}"` },
        ]);
      }
      if (unit !== undefined && row.unit !== unit) {
        throw new InputError([{ file, path: `rows[id=${id}].unit`, value: row.unit, expected: unit }]);
      }
      return toValue(t, row);
    },
    rows(t, prefix = '') {
      return entry(t)
        .table.rows.filter((r) => r.id.startsWith(prefix))
        .map((r) => toValue(t, r));
    },
  };
}

const cache = new Map<string, TechLibrary>();

/**
 * Load every required table from `dir` (default hw-configs/tech/), once per directory. A missing
 * file, a malformed row (no source, bad unit …) or a table whose name does not match its file is an
 * InputError listing every problem in every table at once.
 */
export function loadTechLibrary(dir: string = defaultTechDir()): TechLibrary {
  const hit = cache.get(dir);
  if (hit !== undefined) return hit;
  const lib = makeLibrary(dir);
  cache.set(dir, lib);
  return lib;
}

/** A numeric `params` key of a row; missing or non-numeric is an InputError naming the row. */
export function numParam(v: TechValue, key: string): number {
  const x = v.params[key];
  if (typeof x !== 'number') {
    throw new InputError([
      {
        file: v.provenance.file,
        path: `rows[id=${v.provenance.id}].params.${key}`,
        value: x === undefined ? '(missing)' : JSON.stringify(x),
        expected: 'a number',
      },
    ]);
  }
  return x;
}
