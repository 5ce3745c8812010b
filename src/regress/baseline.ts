/**
 * The baseline file of a suite: per case the stored metrics, plus the bitcycle version and the
 * suite name. Built here as plain data; written as canonical JSON by the CLI.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { parseWithSchema } from '../config/validate.js';
import { readTextFile } from '../config/yaml.js';
import { InputError } from '../units/errors.js';
import { packageRoot } from '../units/paths.js';
import { flattenMetrics, type StoredMetrics } from './metrics.js';
import type { CaseMetrics } from './compare.js';

export const BASELINE_FORMAT = 'bitcycle-baseline/1';

export interface Baseline {
  readonly format: typeof BASELINE_FORMAT;
  readonly bitcycle: string;
  readonly suite: string;
  readonly cases: Readonly<Record<string, StoredMetrics>>;
}

/** `reports/baselines/<suite>.json` in the repository (un-ignored in .gitignore, so committed). */
export function defaultBaselineFile(suiteName: string): string {
  return join(packageRoot(), 'reports', 'baselines', `${suiteName}.json`);
}

const metricsSchema = z.strictObject({
  cycles: z.number(),
  stallCycles: z.number(),
  macs: z.number(),
  energyPj: z.number().nullable(),
  areaUm2: z.number().nullable(),
  counts: z.record(z.string(), z.number()),
});

const baselineSchema = z.strictObject({
  format: z.literal(BASELINE_FORMAT),
  bitcycle: z.string(),
  suite: z.string(),
  cases: z.record(z.string(), metricsSchema),
});

export function buildBaseline(
  version: string,
  suite: string,
  cases: ReadonlyMap<string, StoredMetrics>,
): Baseline {
  return { format: BASELINE_FORMAT, bitcycle: version, suite, cases: Object.fromEntries(cases) };
}

export function parseBaseline(text: string, file: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new InputError([{ file, path: '(file)', value: msg, expected: 'a JSON baseline file' }]);
  }
  return parseWithSchema(baselineSchema, raw, file);
}

/** Read a baseline; undefined when the file does not exist (any other problem is an InputError). */
export function readBaseline(file: string): Baseline | undefined {
  let text: string;
  try {
    text = readTextFile(file);
  } catch (e) {
    if (e instanceof InputError && e.issues[0]?.value === 'missing') return undefined;
    throw e;
  }
  return parseBaseline(text, file);
}

export function baselineMetrics(b: Baseline): CaseMetrics {
  return new Map(Object.entries(b.cases).map(([name, m]) => [name, flattenMetrics(m)]));
}

export function storedToCaseMetrics(cases: ReadonlyMap<string, StoredMetrics>): CaseMetrics {
  return new Map([...cases].map(([name, m]) => [name, flattenMetrics(m)]));
}
