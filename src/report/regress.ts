/**
 * What `bitcycle regress` prints and writes: the diff table of moved metrics, the JUnit XML (one
 * testcase per case), and the baseline file as canonical JSON.
 */
import type { Baseline } from '../regress/baseline.js';
import type { Comparison, Finding } from '../regress/compare.js';
import type { MetricValue } from '../regress/metrics.js';
import type { Tolerance } from '../regress/suite.js';
import { canonicalJson } from './json.js';
import { formatNumber, renderTable } from './table.js';

export function baselineJson(b: Baseline): string {
  return canonicalJson(b);
}

export function formatTolerance(t: Tolerance | null): string {
  if (t === null) return '';
  return t === 'exact' ? 'exact' : `relative ${t.relative}`;
}

/** Full precision for floats (a 1e-9 move must be visible), grouped digits for integers. */
function formatValue(v: MetricValue): string {
  if (v === null) return 'null';
  return Number.isInteger(v) ? formatNumber(v) : String(v);
}

function formatChange(f: Finding): string {
  if (f.changePct === null) return f.kind === 'moved' ? 'n/a' : f.kind;
  const s = Math.abs(f.changePct) < 1e-3 ? f.changePct.toExponential(2) : f.changePct.toFixed(3);
  return `${f.changePct > 0 ? '+' : ''}${s} %`;
}

function rowOf(f: Finding): string[] {
  if (f.kind === 'case added' || f.kind === 'case removed') return [f.case, '', '', '', f.kind, ''];
  return [
    f.case,
    f.metric,
    formatValue(f.baseline),
    formatValue(f.now),
    formatChange(f),
    formatTolerance(f.tolerance),
  ];
}

export function renderFindings(findings: readonly Finding[]): string {
  return renderTable(
    [
      { header: 'case' },
      { header: 'metric' },
      { header: 'baseline', align: 'right' },
      { header: 'now', align: 'right' },
      { header: 'change', align: 'right' },
      { header: 'tolerance' },
    ],
    findings.map(rowOf),
  );
}

/** The text `regress` prints after a comparison. */
export function renderComparison(c: Comparison): string {
  if (c.findings.length === 0) return `no regressions: ${c.cases} cases, ${c.metrics} metrics`;
  const cases = new Set(c.findings.map((f) => f.case)).size;
  return `${renderFindings(c.findings)}\n\nregressions: ${c.findings.length} in ${cases} cases (${c.cases} cases run, ${c.metrics} metrics compared)`;
}

/** The text `regress --update` prints: every change versus the old baseline. */
export function renderUpdate(file: string, old: Comparison | undefined): string {
  if (old === undefined) return `new baseline: ${file}`;
  if (old.findings.length === 0) return `baseline unchanged: ${file}`;
  return `${renderFindings(old.findings)}\n\nbaseline updated: ${old.findings.length} changes, ${file}`;
}

export function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function findingLine(f: Finding): string {
  if (f.kind === 'case added' || f.kind === 'case removed') return f.kind;
  const r = rowOf(f);
  return `${f.metric}: baseline ${r[2]}, now ${r[3]}, change ${r[4]}, tolerance ${r[5]}`;
}

/** JUnit XML: one testsuite (the suite), one testcase per case, a failure listing what moved. */
export function junitXml(suite: string, caseNames: readonly string[], findings: readonly Finding[]): string {
  const names = [...caseNames, ...findings.filter((f) => f.kind === 'case removed').map((f) => f.case)];
  const failures = names.filter((n) => findings.some((f) => f.case === n)).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="bitcycle regress" tests="${names.length}" failures="${failures}">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${names.length}" failures="${failures}" errors="0">`,
  ];
  for (const name of names) {
    const mine = findings.filter((f) => f.case === name);
    const open = `    <testcase classname="${xmlEscape(suite)}" name="${xmlEscape(name)}"`;
    if (mine.length === 0) {
      lines.push(`${open}/>`);
      continue;
    }
    const whole = mine.find((f) => f.metric === '');
    const msg = whole?.kind ?? `${mine.length} metric(s) moved: ${mine.map((f) => f.metric).join(', ')}`;
    lines.push(`${open}>`);
    lines.push(`      <failure message="${xmlEscape(msg)}" type="regression">`);
    for (const f of mine) lines.push(xmlEscape(findingLine(f)));
    lines.push('      </failure>', '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
