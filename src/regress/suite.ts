/**
 * A regression suite (`format: bitcycle-suite/1`): named cases (hardware + workload + format +
 * params + batch) and a tolerance per metric. Read with zod; every problem reported at once.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { readYamlFile } from '../config/yaml.js';
import { parseWithSchema } from '../config/validate.js';
import { InputError, type InputIssue } from '../units/errors.js';
import { packageRoot } from '../units/paths.js';
import type { PresetFlagValues } from '../targets/load.js';

export const SUITE_FORMAT = 'bitcycle-suite/1';

/** `exact`: the value must not move at all; `{relative: r}`: |now − base| ≤ r·|base|. */
export type Tolerance = 'exact' | { readonly relative: number };

/** The metric groups a suite can set a tolerance for (`counts` covers every action count). */
export const TOLERANCE_KEYS = ['cycles', 'stallCycles', 'macs', 'counts', 'energyPj', 'areaUm2'] as const;
export type ToleranceKey = (typeof TOLERANCE_KEYS)[number];
export type Tolerances = Readonly<Record<ToleranceKey, Tolerance>>;

/** Integer metrics of a cycle-accurate target must not move; energy and area are float sums. */
export const DEFAULT_TOLERANCES: Tolerances = {
  cycles: 'exact',
  stallCycles: 'exact',
  macs: 'exact',
  counts: 'exact',
  energyPj: { relative: 1e-9 },
  areaUm2: { relative: 1e-9 },
};

export interface SuiteCase {
  readonly name: string;
  /** Resolved path of the YAML preset or SCALE-Sim .cfg. */
  readonly hw: string;
  /** A zoo id, or a resolved path when the file exists. */
  readonly workload: string;
  readonly format?: string | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly batch?: number | undefined;
  /** Preset fields set as the command line's `--op-point` / `--rbe` would. */
  readonly presetFlags: PresetFlagValues;
}

export interface Suite {
  readonly file: string;
  readonly name: string;
  readonly cases: readonly SuiteCase[];
  readonly tolerances: Tolerances;
}

const toleranceSchema = z.union([z.literal('exact'), z.strictObject({ relative: z.number().nonnegative() })]);

const caseSchema = z.strictObject({
  name: z.string().min(1).optional(),
  hw: z.string().min(1),
  workload: z.string().min(1),
  format: z.string().min(1).optional(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  batch: z.number().int().positive().optional(),
  'op-point': z.string().min(1).optional(),
  rbe: z.enum(['on', 'off']).optional(),
});

const suiteSchema = z.strictObject({
  format: z.literal(SUITE_FORMAT),
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      'a name of letters, digits, ".", "_" or "-" (it names the baseline file)',
    ),
  cases: z.array(caseSchema).min(1),
  tolerances: z
    .strictObject(Object.fromEntries(TOLERANCE_KEYS.map((k) => [k, toleranceSchema.optional()])))
    .optional(),
});

type RawCase = z.output<typeof caseSchema>;

/** A path as written relative to the suite file, else to the repository; undefined when neither exists. */
export function resolveSuitePath(p: string, suiteFile: string): string | undefined {
  if (isAbsolute(p)) return existsSync(p) ? p : undefined;
  return [resolve(dirname(suiteFile), p), resolve(packageRoot(), p)].find((c) => existsSync(c));
}

function defaultCaseName(c: RawCase): string {
  const params = Object.entries(c.params ?? {}).map(([k, v]) => `${k}=${String(v)}`);
  const parts = [basename(c.hw).replace(/\.(ya?ml|cfg)$/i, ''), c.workload, c.format ?? 'preset-format'];
  if (c.batch !== undefined) parts.push(`batch=${c.batch}`);
  if (c['op-point'] !== undefined) parts.push(`op-point=${c['op-point']}`);
  if (c.rbe !== undefined) parts.push(`rbe=${c.rbe}`);
  return [...parts, ...params].join(' ');
}

function resolveCase(c: RawCase, i: number, file: string, issues: InputIssue[]): SuiteCase {
  const hw = resolveSuitePath(c.hw, file);
  if (hw === undefined)
    issues.push({
      file,
      path: `cases[${i}].hw`,
      value: JSON.stringify(c.hw),
      expected: 'an existing preset (.yaml) or SCALE-Sim .cfg, relative to the suite file or the repository',
    });
  const params = Object.fromEntries(Object.entries(c.params ?? {}).map(([k, v]) => [k, String(v)]));
  return {
    name: c.name ?? defaultCaseName(c),
    hw: hw ?? c.hw,
    workload: resolveSuitePath(c.workload, file) ?? c.workload,
    format: c.format,
    params,
    batch: c.batch,
    presetFlags: {
      ...(c['op-point'] !== undefined ? { 'op-point': c['op-point'] } : {}),
      ...(c.rbe !== undefined ? { rbe: c.rbe === 'on' } : {}),
    },
  };
}

/** Validate a parsed suite document (all problems at once). */
export function parseSuite(raw: unknown, file: string): Suite {
  const doc = parseWithSchema(suiteSchema, raw, file);
  const issues: InputIssue[] = [];
  const cases = doc.cases.map((c, i) => resolveCase(c, i, file, issues));
  const seen = new Set<string>();
  cases.forEach((c, i) => {
    if (seen.has(c.name))
      issues.push({
        file,
        path: `cases[${i}].name`,
        value: JSON.stringify(c.name),
        expected: 'a case name not used by an earlier case',
      });
    seen.add(c.name);
  });
  if (issues.length > 0) throw new InputError(issues);
  const given = (doc.tolerances ?? {}) as Partial<Record<ToleranceKey, Tolerance>>;
  const tolerances = Object.fromEntries(
    TOLERANCE_KEYS.map((k) => [k, given[k] ?? DEFAULT_TOLERANCES[k]]),
  ) as Record<ToleranceKey, Tolerance>;
  return { file, name: doc.name, cases, tolerances };
}

export function loadSuite(file: string): Suite {
  return parseSuite(readYamlFile(file), file);
}
