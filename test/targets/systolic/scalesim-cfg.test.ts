/** SCALE-Sim `.cfg` files: parsing (configparser rules), the spec they map to, errors, round trip. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScaleSimCsv } from '../../../src/graph/import/scalesim-csv.js';
import { simulateGemm, systolicTarget } from '../../../src/targets/systolic/index.js';
import { PlanError } from '../../../src/targets/systolic/plan.js';
import {
  SCALESIM_CFG_KEYS,
  parseIni,
  parseScaleSimCfg,
  pythonInt,
  renderScaleSimCfg,
  scaleSimCfgIssue,
} from '../../../src/targets/systolic/scalesim-cfg.js';
import { fromYaml } from '../../../src/targets/systolic/spec.js';
import { InputError, type InputIssue } from '../../../src/units/errors.js';
import { GOLDEN_CASES, shapedNodes } from './scalesim-golden.js';

const FIXTURES = 'test/fixtures/scalesim';
const fixture = (name: string): string => readFileSync(`${FIXTURES}/${name}`, 'utf8');

function issuesOf(f: () => unknown): readonly InputIssue[] {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  throw new Error('expected an InputError');
}

const byPath = (issues: readonly InputIssue[], path: string): InputIssue => {
  const hit = issues.find((i) => i.path === path);
  if (hit === undefined) throw new Error(`no issue at ${path}; got ${issues.map((i) => i.path).join(' | ')}`);
  return hit;
};

describe('parseScaleSimCfg: valid configurations', () => {
  it('reads a CALC config written like SCALE-Sim’s own (mixed key case, = and :, comments)', () => {
    const cfg = parseScaleSimCfg(fixture('valid-32x32-os.cfg'), 'valid-32x32-os.cfg');
    expect(cfg.runName).toBe('fixture_32x32_os');
    expect(cfg.topologyPath).toBe('topologies/conv_nets/alexnet.csv');
    const s = cfg.spec;
    expect(s).toMatchObject({
      name: 'fixture_32x32_os',
      rows: 32,
      cols: 32,
      dataflow: 'os',
      ifmapSramBytes: 64 * 1024,
      filterSramBytes: 128 * 1024,
      ofmapSramBytes: 32 * 1024,
      ifmapOffset: 0,
      filterOffset: 10_000_000,
      ofmapOffset: 20_000_000,
      conventions: 'scalesim',
      wordBytes: 1,
      clockHz: 1e9,
      dramLatencyCycles: 0,
      // CALC: reads never stall; the OFMAP buffer drains at ArrayWidth words (bytes) per cycle
      readBandwidthBytesPerCycle: Infinity,
      writeBandwidthBytesPerCycle: 32,
    });
  });

  it('USER mode: read and write bandwidth are the first Bandwidth value', () => {
    const { spec, topologyPath } = parseScaleSimCfg(fixture('user-8x4-ws.cfg'), 'user-8x4-ws.cfg');
    expect(topologyPath).toBeUndefined();
    expect(spec).toMatchObject({
      rows: 8,
      cols: 4,
      dataflow: 'ws',
      readBandwidthBytesPerCycle: 4,
      writeBandwidthBytesPerCycle: 4,
    });
    expect(spec.ofmapSramBytes).toBe(1024);
  });

  it('maps every golden configuration to the array, SRAMs and mode SCALE-Sim ran', () => {
    for (const c of GOLDEN_CASES) {
      const cfg = (c as unknown as { config: Record<string, number | string | boolean> }).config;
      const { runName, spec } = parseScaleSimCfg(c.cfgText, `${c.id}.cfg`);
      expect(runName).toBe(cfg['runName']);
      expect([spec.rows, spec.cols, spec.dataflow]).toEqual([
        cfg['arrayHeight'],
        cfg['arrayWidth'],
        cfg['dataflow'],
      ]);
      expect(spec.ifmapSramBytes).toBe(1024 * Number(cfg['ifmapSramSzkB']));
      expect(spec.filterSramBytes).toBe(1024 * Number(cfg['filterSramSzkB']));
      expect(spec.ofmapSramBytes).toBe(1024 * Number(cfg['ofmapSramSzkB']));
      const user = cfg['interfaceBandwidth'] === 'USER';
      expect(spec.readBandwidthBytesPerCycle).toBe(user ? cfg['bandwidth'] : Infinity);
      expect(spec.writeBandwidthBytesPerCycle).toBe(user ? cfg['bandwidth'] : spec.cols);
    }
  });

  it('follows configparser: [DEFAULT] fallback, continuation lines, CRLF, BOM, ; comments, Python int()', () => {
    const text =
      '\uFEFF[DEFAULT]\r\nIfmapOffset = 0\r\n\r\n[general]\r\nrun_name = r\r\n[architecture_presets]\r\n' +
      'ArrayHeight = 1_6\r\nARRAYWIDTH: +8\r\n  ; indented comment\r\nIfmapSramSzkB: 4\r\nFilterSramSzkB: 4\r\n' +
      'OfmapSramSzkB: 4\r\nFilterOffset: 100\r\nOfmapOffset: 200\r\nDataflow: is\r\n[run_presets]\r\nInterfaceBandwidth: USER\r\n' +
      '[architecture_presets2]\r\nnote = first line\r\n  continued\r\n';
    const doc = parseIni(text, 'x.cfg', []);
    expect(doc.sections.get('architecture_presets2')?.get('note')?.value).toBe('first line\ncontinued');
    // USER without Bandwidth is an error; with it the spec is built
    const issues = issuesOf(() => parseScaleSimCfg(text, 'x.cfg'));
    expect(issues.map((i) => i.path)).toEqual(['[architecture_presets] Bandwidth']);
    const { spec } = parseScaleSimCfg(text.replace('Dataflow: is', 'Dataflow: is\r\nBandwidth: 2'), 'x.cfg');
    expect([
      spec.rows,
      spec.cols,
      spec.ifmapOffset,
      spec.filterOffset,
      spec.readBandwidthBytesPerCycle,
    ]).toEqual([16, 8, 0, 100, 2]);
    expect([
      pythonInt(' 42 '),
      pythonInt('-3'),
      pythonInt('1_000'),
      pythonInt('1__0'),
      pythonInt('4.0'),
      pythonInt('0x10'),
    ]).toEqual([42, -3, 1000, undefined, undefined, undefined]);
  });
});

describe('parseScaleSimCfg: errors, all at once', () => {
  it('missing key and missing section', () => {
    const issues = issuesOf(() => parseScaleSimCfg(fixture('missing-keys.cfg'), 'missing-keys.cfg'));
    expect(issues).toHaveLength(2);
    const width = byPath(issues, '[architecture_presets] ArrayWidth');
    expect(width).toMatchObject({ file: 'missing-keys.cfg', value: '(missing)' });
    expect(width.expected).toContain('array columns');
    const mode = byPath(issues, '[run_presets] InterfaceBandwidth');
    expect(mode.expected).toContain('no [run_presets] section');
    expect(mode.expected).toContain('CALC, USER');
  });

  it('zero and negative array sizes, non-numeric SRAM sizes, unknown dataflow and mode, malformed line', () => {
    const issues = issuesOf(() => parseScaleSimCfg(fixture('bad-values.cfg'), 'bad-values.cfg'));
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        'line 14',
        '[run_presets] InterfaceBandwidth',
        '[architecture_presets] ArrayHeight',
        '[architecture_presets] ArrayWidth',
        '[architecture_presets] IfmapSramSzkB',
        '[architecture_presets] FilterSramSzkB',
        '[architecture_presets] Dataflow',
      ].sort(),
    );
    expect(byPath(issues, '[architecture_presets] ArrayHeight')).toMatchObject({ value: '"0"' });
    expect(byPath(issues, '[architecture_presets] ArrayHeight').expected).toContain('≥ 1');
    expect(byPath(issues, '[architecture_presets] ArrayWidth').value).toBe('"-4"');
    expect(byPath(issues, '[architecture_presets] IfmapSramSzkB').value).toBe('"64kB"');
    expect(byPath(issues, '[architecture_presets] FilterSramSzkB').value).toBe('"0.5"');
    expect(byPath(issues, '[architecture_presets] Dataflow').expected).toContain('os, ws, is');
    expect(byPath(issues, '[run_presets] InterfaceBandwidth').value).toBe('"calc"');
    expect(byPath(issues, 'line 14').value).toBe('"this line has no delimiter"');
    // one line per issue, file first
    const message = new InputError(issues).message;
    expect(message.split('\n')).toHaveLength(7);
    expect(message).toContain(
      'bad-values.cfg: [architecture_presets] ArrayHeight: got "0"; expected array rows: a whole number ≥ 1',
    );
  });

  it('unknown InterfaceBandwidth, bad Bandwidth list, duplicates, keys before any section', () => {
    const base = GOLDEN_CASES[0]!.cfgText;
    const user = base
      .replace('InterfaceBandwidth: CALC', 'InterfaceBandwidth: USER')
      .replace('Bandwidth: 10', 'Bandwidth: 10, x');
    expect(issuesOf(() => parseScaleSimCfg(user, 'u.cfg')).map((i) => i.path)).toEqual([
      '[architecture_presets] Bandwidth',
    ]);
    const estimate = base.replace('InterfaceBandwidth: CALC', 'InterfaceBandwidth: ESTIMATE');
    expect(issuesOf(() => parseScaleSimCfg(estimate, 'e.cfg'))[0]).toMatchObject({ value: '"ESTIMATE"' });
    const dup = `ArrayHeight: 4\n${base}[general]\nrun_name = again\n`.replace(
      'ArrayWidth: 4',
      'ArrayWidth: 4\narraywidth: 8',
    );
    const paths = issuesOf(() => parseScaleSimCfg(dup, 'd.cfg')).map((i) => i.path);
    expect(paths).toEqual(['line 1', 'line 8', 'line 21', 'line 22']);
  });

  it('a config too small for one fold: the plan names the field and the size it needs', () => {
    const { spec } = parseScaleSimCfg(fixture('ws-32x32-filter-1kB.cfg'), 'ws-32x32-filter-1kB.cfg');
    const graph = parseScaleSimCsv(fixture('conv3x3.csv'), 'conv3x3.csv');
    const formats = { weights: 'int8', activations: 'int8', accumulator: 'int32' };
    const [job] = systolicTarget.compile(graph, shapedNodes(graph), spec, formats, { engine: 'event' });
    if (job?.kind !== 'gemm') throw new Error('expected a GEMM job');
    let error: unknown;
    try {
      simulateGemm(job, spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlanError);
    const pe = error as PlanError;
    expect(pe.field).toBe('sram.filter_kib');
    expect(pe.message).toBe(
      "sram.filter_kib: got half = 512 elements; expected room for one fold's stationary tile of 1024 elements (2 KiB or more)",
    );
    // restated with the .cfg key for a run configured by a .cfg file
    expect(scaleSimCfgIssue(pe, 'ws-32x32-filter-1kB.cfg')).toEqual({
      file: 'ws-32x32-filter-1kB.cfg',
      path: '[architecture_presets] FilterSramSzkB',
      value: 'half = 512 elements',
      expected: "room for one fold's stationary tile of 1024 elements (2 KiB or more)",
    });
    for (const field of ['sram.ifmap_kib', 'sram.filter_kib', 'sram.ofmap_kib'])
      expect(SCALESIM_CFG_KEYS[field]).toBeDefined();
  });
});

describe('renderScaleSimCfg: round trip', () => {
  it('cfg → spec → cfg → spec is the identity (valid fixture, USER fixture, every golden config)', () => {
    const texts = [
      fixture('valid-32x32-os.cfg'),
      fixture('user-8x4-ws.cfg'),
      ...GOLDEN_CASES.map((c) => c.cfgText),
    ];
    for (const text of texts) {
      const first = parseScaleSimCfg(text, 'a.cfg');
      const written = renderScaleSimCfg(first.runName, first.spec, first.topologyPath);
      const second = parseScaleSimCfg(written, 'a.cfg');
      expect(second).toEqual(first);
      expect(renderScaleSimCfg(second.runName, second.spec, second.topologyPath)).toBe(written);
    }
  });

  it('writes the layout of SCALE-Sim’s example config', () => {
    const { runName, spec } = parseScaleSimCfg(GOLDEN_CASES[0]!.cfgText, 'a.cfg');
    expect(renderScaleSimCfg(runName, spec)).toBe(
      [
        '[general]',
        'run_name = tiny_4x4_os_calc_traced',
        '',
        '[architecture_presets]',
        'ArrayHeight:    4',
        'ArrayWidth:     4',
        'IfmapSramSzkB:  64',
        'FilterSramSzkB: 64',
        'OfmapSramSzkB:  64',
        'IfmapOffset:    0',
        'FilterOffset:   10000000',
        'OfmapOffset:    20000000',
        'Dataflow:       os',
        'Bandwidth:      10',
        'MemoryBanks:    1',
        '',
        '[run_presets]',
        'InterfaceBandwidth: CALC',
        '',
      ].join('\n'),
    );
  });

  it('refuses a spec SCALE-Sim cannot express', () => {
    const spec = fromYaml({
      target: 'systolic',
      name: 'edge',
      clock_mhz: 1000,
      array: { rows: 8, cols: 8, dataflow: 'os' },
      sram: { ifmap_kib: 1.5, filter_kib: 64, ofmap_kib: 64 },
      dram: { read_bandwidth_bytes_per_cycle: 16, write_bandwidth_bytes_per_cycle: 8, latency_cycles: 100 },
      conventions: 'bitcycle',
      offsets: { ifmap: 0, filter: 10_000_000, ofmap: 20_000_000 },
    });
    const paths = issuesOf(() => renderScaleSimCfg('edge', spec)).map((i) => i.path);
    expect(paths).toEqual(['word_bytes', 'dram.latency_cycles', 'dram', 'sram.ifmap_kib']);
  });
});
