import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/units/paths.js';
import { loadSuite } from '../../src/regress/suite.js';
import { loadHwConfig } from '../../src/targets/load.js';
import { TARGETS } from '../../src/targets/registry.js';
import { cli } from './helpers.js';

const SUITE = join(packageRoot(), 'regress', 'suites', 'systolic.yaml');
const BASELINE = join(packageRoot(), 'reports', 'baselines', 'systolic.json');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'bitcycle-regress-'));

interface Stored {
  cases: Record<string, { cycles: number; energyPj: number | null }>;
}

describe('bitcycle regress', () => {
  it('the committed baseline passes (the suite CI runs): exit 0, every testcase clean', async () => {
    const junit = join(tmp(), 'j.xml');
    const r = await cli('regress', '--suite', SUITE, '--workers', '2', '--junit', junit);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^no regressions: 4 cases, \d+ metrics\n$/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).not.toContain('<failure');
  });

  it('CI covers every target: each committed suite passes against its baseline, and every registered target has a case', async () => {
    const dir = join(packageRoot(), 'regress', 'suites');
    const covered = new Set<string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      const suite = loadSuite(join(dir, f));
      for (const c of suite.cases)
        covered.add(c.hw.endsWith('.cfg') ? 'systolic' : loadHwConfig(c.hw).target.id);
      if (f === 'systolic.yaml') continue; // run by the test above
      const r = await cli('regress', '--suite', join(dir, f), '--workers', '2');
      expect(r.stderr, f).toBe('');
      expect(r.code, f).toBe(0);
      expect(r.stdout).toMatch(/^no regressions: \d+ cases, \d+ metrics\n$/);
    }
    expect([...covered].sort()).toEqual(TARGETS.map((t) => t.id).sort());
  }, 120_000);

  it('a doctored baseline (one cycle count, one energy by 1 %) fails with exactly those metrics', async () => {
    const dir = tmp();
    const b = JSON.parse(readFileSync(BASELINE, 'utf8')) as Stored;
    b.cases['alexnet int8 default']!.cycles += 1;
    const e = b.cases['resnet18 w4a8 default']!;
    e.energyPj = e.energyPj! * 1.01;
    writeFileSync(join(dir, 'b.json'), JSON.stringify(b));
    const junit = join(dir, 'out', 'j.xml');
    const r = await cli('regress', '--suite', SUITE, '--baseline', join(dir, 'b.json'), '--junit', junit);
    expect(r.code).toBe(1);
    const rows = r.stdout.split('\n').filter((l) => /^(alexnet|resnet18|bert|gone)/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^alexnet int8 default\s+cycles\s.*exact$/);
    expect(rows[1]).toMatch(/^resnet18 w4a8 default\s+energyPj\s.*-0\.990 %\s+relative 1e-9$/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml).toContain('tests="4" failures="2"');
    const failures = [...xml.matchAll(/<failure message="([^"]*)"/g)].map((m) => m[1]);
    expect(failures).toEqual(['1 metric(s) moved: cycles', '1 metric(s) moved: energyPj']);
  });

  it('a case the baseline lacks and a case it has extra are both regressions', async () => {
    const dir = tmp();
    const b = JSON.parse(readFileSync(BASELINE, 'utf8')) as Stored;
    b.cases['removed <case>'] = b.cases['alexnet int8 default']!;
    delete b.cases['bert-base 1 layer seq 64'];
    writeFileSync(join(dir, 'b.json'), JSON.stringify(b));
    const junit = join(dir, 'j.xml');
    const r = await cli('regress', '--suite', SUITE, '--baseline', join(dir, 'b.json'), '--junit', junit);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bert-base 1 layer seq 64\s+case added/);
    expect(r.stdout).toMatch(/removed <case>\s+case removed/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('name="removed &lt;case&gt;"');
    expect(xml).toContain('tests="5" failures="2"');
  });

  it('--update writes a new baseline, reports changes against an old one, and a rerun passes', async () => {
    const dir = tmp();
    const file = join(dir, 'b.json');
    const first = await cli('regress', '--suite', SUITE, '--baseline', file, '--update');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`new baseline: ${file}\n`);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(BASELINE, 'utf8'));
    const b = JSON.parse(readFileSync(file, 'utf8')) as Stored;
    b.cases['alexnet int8 default']!.cycles = 1;
    writeFileSync(file, JSON.stringify(b));
    const second = await cli('regress', '--suite', SUITE, '--baseline', file, '--update');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/alexnet int8 default\s+cycles\s+1\s+5,685,695/);
    expect(second.stdout).toContain(`baseline updated: 1 changes, ${file}`);
    const rerun = await cli('regress', '--suite', SUITE, '--baseline', file);
    expect(rerun.code).toBe(0);
  });

  it('a missing baseline is exit 2 and says to run --update', async () => {
    const r = await cli('regress', '--suite', SUITE, '--baseline', join(tmp(), 'none.json'));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/none\.json: \(file\): got missing; expected a baseline; .*--update/);
  });

  it('a bad suite: every problem at once, file and field named, exit 2, nothing run', async () => {
    const dir = tmp();
    const suite = join(dir, 'bad.yaml');
    writeFileSync(
      suite,
      'format: bitcycle-suite/1\nname: bad\ncases:\n  - hw: missing.yaml\n    workload: alexnet\n    batch: -1\ntolerances:\n  cycles: approx\n',
    );
    const r = await cli('regress', '--suite', suite);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.startsWith(`error: ${suite}: `))).toBe(true);
    expect(r.stderr).toContain('cases[0].batch');
    expect(r.stderr).toContain('tolerances.cycles');
  });
});
