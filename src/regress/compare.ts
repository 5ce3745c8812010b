/**
 * Compare a run with its baseline: a pure function of two case → metrics maps and the tolerances.
 * Anything that moved beyond its tolerance, any case or metric present on one side only, is a
 * regression.
 */
import { toleranceKeyOf, type MetricValue, type Metrics } from './metrics.js';
import type { Tolerance, Tolerances } from './suite.js';

export type CaseMetrics = ReadonlyMap<string, Metrics>;

export type FindingKind = 'moved' | 'case added' | 'case removed' | 'metric added' | 'metric removed';

export interface Finding {
  readonly case: string;
  readonly kind: FindingKind;
  /** Flat metric name; '' for a whole case added or removed. */
  readonly metric: string;
  readonly baseline: MetricValue;
  readonly now: MetricValue;
  /** (now − baseline) / |baseline| × 100; null when either is null or the baseline is 0. */
  readonly changePct: number | null;
  readonly tolerance: Tolerance | null;
}

export interface Comparison {
  readonly findings: readonly Finding[];
  readonly cases: number;
  readonly metrics: number;
}

/** Does `now` stay within `tol` of `base`? null equals only null. */
export function withinTolerance(base: MetricValue, now: MetricValue, tol: Tolerance): boolean {
  if (base === null || now === null) return base === now;
  if (tol === 'exact') return base === now;
  return Math.abs(now - base) <= tol.relative * Math.abs(base);
}

export function changePct(base: MetricValue, now: MetricValue): number | null {
  if (base === null || now === null || base === 0) return null;
  return ((now - base) / Math.abs(base)) * 100;
}

function compareCase(name: string, base: Metrics, now: Metrics, tol: Tolerances): Finding[] {
  const out: Finding[] = [];
  const keys = [...Object.keys(base), ...Object.keys(now).filter((k) => !(k in base))];
  for (const metric of keys) {
    const b = metric in base ? (base[metric] ?? null) : undefined;
    const n = metric in now ? (now[metric] ?? null) : undefined;
    const t = tol[toleranceKeyOf(metric)];
    if (b === undefined || n === undefined) {
      const kind = b === undefined ? 'metric added' : 'metric removed';
      out.push({
        case: name,
        kind,
        metric,
        baseline: b ?? null,
        now: n ?? null,
        changePct: null,
        tolerance: t,
      });
    } else if (!withinTolerance(b, n, t)) {
      out.push({
        case: name,
        kind: 'moved',
        metric,
        baseline: b,
        now: n,
        changePct: changePct(b, n),
        tolerance: t,
      });
    }
  }
  return out;
}

function wholeCase(name: string, kind: 'case added' | 'case removed'): Finding {
  return { case: name, kind, metric: '', baseline: null, now: null, changePct: null, tolerance: null };
}

/** Cases in run order, then the baseline's cases the run no longer has. */
export function compareRuns(baseline: CaseMetrics, now: CaseMetrics, tol: Tolerances): Comparison {
  const findings: Finding[] = [];
  let metrics = 0;
  for (const [name, m] of now) {
    const b = baseline.get(name);
    if (b === undefined) findings.push(wholeCase(name, 'case added'));
    else {
      findings.push(...compareCase(name, b, m, tol));
      metrics += Object.keys(m).length;
    }
  }
  for (const name of baseline.keys()) if (!now.has(name)) findings.push(wholeCase(name, 'case removed'));
  return { findings, cases: now.size, metrics };
}
