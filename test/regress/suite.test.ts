import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOLERANCES, loadSuite, parseSuite } from '../../src/regress/suite.js';
import { packageRoot } from '../../src/units/paths.js';
import { issuesOf } from '../support/input-error.js';

const file = join(packageRoot(), 'regress', 'suites', 'x.yaml');

describe('suite files', () => {
  it('the shipped suite loads: 4 cases, paths resolved, explicit tolerances = defaults', () => {
    const s = loadSuite(join(packageRoot(), 'regress', 'suites', 'systolic.yaml'));
    expect(s.name).toBe('systolic');
    expect(s.cases.map((c) => c.name)).toHaveLength(4);
    expect(s.cases[0]!.hw).toBe(join(packageRoot(), 'hw-configs', 'systolic', 'default.yaml'));
    expect(s.cases[3]!.params).toEqual({ layers: '1', seq: '64' });
    expect(s.tolerances).toEqual(DEFAULT_TOLERANCES);
  });

  it('defaults: tolerances, case names from hw/workload/format/params', () => {
    const s = parseSuite(
      {
        format: 'bitcycle-suite/1',
        name: 'n',
        cases: [
          { hw: 'hw-configs/systolic/default.yaml', workload: 'alexnet', format: 'w4a8', params: { seq: 8 } },
        ],
        tolerances: { energyPj: { relative: 0.01 } },
      },
      file,
    );
    expect(s.cases[0]!.name).toBe('default alexnet w4a8 seq=8');
    expect(s.tolerances).toEqual({ ...DEFAULT_TOLERANCES, energyPj: { relative: 0.01 } });
  });

  it('a case may set the preset flags --op-point and --rbe; a bad --rbe value is refused', () => {
    const s = parseSuite(
      {
        format: 'bitcycle-suite/1',
        name: 'n',
        cases: [
          {
            hw: 'hw-configs/riscv-cluster/marsellus.yaml',
            workload: 'alexnet',
            'op-point': 'low-0.5v',
            rbe: 'off',
          },
          { hw: 'hw-configs/riscv-cluster/marsellus.yaml', workload: 'alexnet' },
        ],
      },
      file,
    );
    expect(s.cases[0]!.presetFlags).toEqual({ 'op-point': 'low-0.5v', rbe: false });
    expect(s.cases[0]!.name).toBe('marsellus alexnet preset-format op-point=low-0.5v rbe=off');
    expect(s.cases[1]!.presetFlags).toEqual({});
    const issues = issuesOf(() =>
      parseSuite(
        {
          format: 'bitcycle-suite/1',
          name: 'n',
          cases: [{ hw: 'hw-configs/riscv-cluster/marsellus.yaml', workload: 'alexnet', rbe: true }],
        },
        file,
      ),
    );
    expect(issues.map((i) => i.path)).toEqual(['cases[0].rbe']);
  });

  it('every schema problem at once, each with the file and the field', () => {
    const issues = issuesOf(() =>
      parseSuite(
        {
          format: 'bitcycle-suite/2',
          name: 'bad name/',
          cases: [{ hw: 'x.yaml', workload: 3, batch: 0, colour: 'red' }],
          tolerances: { cycles: 'loose', energyPj: { relative: -1 } },
        },
        file,
      ),
    );
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'format',
        'name',
        'cases[0]',
        'cases[0].workload',
        'cases[0].batch',
        'tolerances.cycles',
        'tolerances.energyPj.relative',
      ].sort(),
    );
    expect(issues.every((i) => i.file === file)).toBe(true);
    expect(issues.find((i) => i.path === 'cases[0]')!.value).toBe('colour');
  });

  it('missing hardware files and duplicate case names, all at once', () => {
    const issues = issuesOf(() =>
      parseSuite(
        {
          format: 'bitcycle-suite/1',
          name: 'n',
          cases: [
            { name: 'a', hw: 'nope.yaml', workload: 'alexnet' },
            { name: 'a', hw: 'hw-configs/systolic/default.yaml', workload: 'alexnet' },
            { name: 'b', hw: 'also-nope.cfg', workload: 'alexnet' },
          ],
        },
        file,
      ),
    );
    expect(issues.map((i) => i.path)).toEqual(['cases[0].hw', 'cases[2].hw', 'cases[1].name']);
  });
});
