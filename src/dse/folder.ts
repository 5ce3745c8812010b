/**
 * What a finished sweep folder says, read from its files alone (so `sweep` and `merge` report the
 * same way): the manifest, counts, the Pareto front of each workload over the sweep's objectives,
 * and a bounded sample of all points for scatter plots.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, showValue } from '../units/errors.js';
import { findMetric, metricValue, type Goal, type MetricDef } from './metrics.js';
import { orient, ParetoArchive } from './pareto.js';
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  parseResultLine,
  RESULTS_FILE,
  scanLines,
  type ResultLine,
} from './store.js';

export interface Manifest {
  readonly format: string;
  readonly name: string;
  readonly bitcycle: string;
  readonly specHash: string;
  readonly target: string;
  readonly hw: string;
  readonly strategy: Readonly<Record<string, unknown>>;
  readonly shard: { readonly index: number; readonly count: number } | null;
  readonly workloads: readonly string[];
  readonly axes: readonly {
    readonly name: string;
    readonly fields: readonly string[];
    readonly values: readonly unknown[];
  }[];
  readonly objectives: readonly { readonly metric: string; readonly goal: Goal }[];
  readonly points: number | null;
}

export function readManifest(dir: string): { manifest: Manifest; text: string } {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file))
    throw new InputError([
      { file, path: '(file)', value: 'missing', expected: 'a sweep folder (written by bitcycle sweep)' },
    ]);
  const text = readFileSync(file, 'utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  const m = v as Partial<Manifest> | null | undefined;
  if (
    m === undefined ||
    m === null ||
    m.format !== MANIFEST_FORMAT ||
    typeof m.specHash !== 'string' ||
    !Array.isArray(m.workloads) ||
    !Array.isArray(m.objectives) ||
    !Array.isArray(m.axes)
  )
    throw new InputError([
      {
        file,
        path: '(root)',
        value: showValue(text.slice(0, 60)),
        expected: `a ${MANIFEST_FORMAT} manifest`,
      },
    ]);
  return { manifest: m as Manifest, text };
}

export interface ObjectiveDef {
  readonly metric: MetricDef;
  readonly goal: Goal;
}

export function objectivesOf(m: Manifest, file: string): ObjectiveDef[] {
  return m.objectives.map((o, i) => {
    const metric = findMetric(o.metric);
    if (metric === undefined)
      throw new InputError([
        { file, path: `objectives[${i}]`, value: JSON.stringify(o.metric), expected: 'a known metric' },
      ]);
    return { metric, goal: o.goal };
  });
}

export interface FolderSummary {
  readonly manifest: Manifest;
  readonly objectives: readonly ObjectiveDef[];
  readonly results: number;
  readonly ok: number;
  readonly failed: number;
  /** ok points missing an objective's value (not ranked). */
  readonly unranked: number;
  /** Per workload (manifest order): the Pareto front, sorted by point index. */
  readonly fronts: ReadonlyMap<string, readonly ResultLine[]>;
  /** Up to `sampleLimit` ok points per workload, evenly spaced in file order, for scatter plots. */
  readonly samples: ReadonlyMap<string, readonly ResultLine[]>;
  /** ok points per workload. */
  readonly okPerWorkload: ReadonlyMap<string, number>;
  /** The reasons points failed, with counts (most common first). */
  readonly failures: readonly { readonly reason: string; readonly count: number }[];
}

/** Objective values of a result, or undefined when one is missing. */
export function objectiveValues(r: ResultLine, objectives: readonly ObjectiveDef[]): number[] | undefined {
  if (r.status !== 'ok') return undefined;
  const out: number[] = [];
  for (const o of objectives) {
    const v = metricValue(r.metrics, o.metric);
    if (v === null || !Number.isFinite(v)) return undefined;
    out.push(v);
  }
  return out;
}

export function summarizeFolder(dir: string, sampleLimit = 4000): FolderSummary {
  const { manifest } = readManifest(dir);
  const file = join(dir, RESULTS_FILE);
  const objectives = objectivesOf(manifest, join(dir, MANIFEST_FILE));
  const goals = objectives.map((o) => o.goal);
  const archives = new Map(manifest.workloads.map((w) => [w, new ParetoArchive<ResultLine>()]));
  const okPerWorkload = new Map(manifest.workloads.map((w) => [w, 0]));
  const failures = new Map<string, number>();
  let results = 0;
  let ok = 0;
  let failed = 0;
  let unranked = 0;
  scanLines(file, (text, _o, _l, lineNo) => {
    const r = parseResultLine(text, file, lineNo);
    results++;
    if (r.status === 'failed') {
      failed++;
      failures.set(r.reason, (failures.get(r.reason) ?? 0) + 1);
      return;
    }
    ok++;
    okPerWorkload.set(r.workload, (okPerWorkload.get(r.workload) ?? 0) + 1);
    const v = objectiveValues(r, objectives);
    if (v === undefined) unranked++;
    else archives.get(r.workload)?.offer(orient(v, goals), r);
  });
  const samples = new Map<string, ResultLine[]>(manifest.workloads.map((w) => [w, []]));
  const seen = new Map<string, number>();
  scanLines(file, (text, _o, _l, lineNo) => {
    const r = parseResultLine(text, file, lineNo);
    if (r.status !== 'ok') return;
    const n = okPerWorkload.get(r.workload) ?? 0;
    const k = seen.get(r.workload) ?? 0;
    seen.set(r.workload, k + 1);
    const stride = Math.max(1, Math.ceil(n / sampleLimit));
    if (k % stride === 0) samples.get(r.workload)?.push(r);
  });
  const fronts = new Map(
    [...archives].map(([w, a]) => [w, a.items().sort((x, y) => x.index - y.index)] as const),
  );
  return {
    manifest,
    objectives,
    results,
    ok,
    failed,
    unranked,
    fronts,
    samples,
    okPerWorkload,
    failures: [...failures]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1)),
  };
}
