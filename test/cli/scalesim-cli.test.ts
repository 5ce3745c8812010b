import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/units/paths.js';
import { cli } from './helpers.js';

const cfg = join(packageRoot(), 'hw-configs', 'systolic', 'scalesim-32x32-os.cfg');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'bitcycle-sscli-'));

function write(dir: string, name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('simulate --scalesim-cfg --topology', () => {
  it('reads SCALE-Sim inputs unchanged and writes its three reports', async () => {
    const d = tmp();
    // 58×58×64 → 64, 3×3 ("same" by an enlarged IFMAP): SCALE-Sim v2 measured 125,047 cycles (test/golden/scalesim)
    const topo = write(
      d,
      'topo.csv',
      'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nconv, 58, 58, 3, 3, 64, 64, 1,\n',
    );
    const out = join(d, 'out');
    const r = await cli('simulate', '--scalesim-cfg', cfg, '--topology', topo, '--out', out);
    expect(r.code).toBe(0);
    const compute = readFileSync(join(out, 'COMPUTE_REPORT.csv'), 'utf8').trim().split('\n');
    expect(compute[0]).toBe(
      'LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,',
    );
    expect(compute[1]?.startsWith('0, 125047, 0, ')).toBe(true);
    for (const f of ['BANDWIDTH_REPORT.csv', 'DETAILED_ACCESS_REPORT.csv', 'summary.json', 'layers.csv']) {
      expect(existsSync(join(out, f))).toBe(true);
    }
  });

  it('a .cfg with a missing key, and one with a zero array size: clear errors, exit 2', async () => {
    const d = tmp();
    const topo = write(d, 't.csv', 'Layer, M, N, K,\ng, 64, 32, 48,\n');
    const text = readFileSync(cfg, 'utf8');
    const missing = write(d, 'missing.cfg', text.replace(/^ArrayWidth:.*$/m, ''));
    const zero = write(d, 'zero.cfg', text.replace(/^ArrayHeight:.*$/m, 'ArrayHeight: 0'));
    const a = await cli('simulate', '--scalesim-cfg', missing, '--topology', topo, '--skip-reports');
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('ArrayWidth');
    expect(a.stderr).toContain(missing);
    const b = await cli('simulate', '--scalesim-cfg', zero, '--topology', topo, '--skip-reports');
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('ArrayHeight');
    expect(b.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('a .cfg whose SRAM cannot hold one fold: exit 2, names the SRAM', async () => {
    const d = tmp();
    const topo = write(d, 't.csv', 'Layer, M, N, K,\ng, 4096, 32, 48,\n');
    // a 2048-row array needs 2048 ifmap words per fold step; half of 1 kB holds 512
    const small = write(
      d,
      'small.cfg',
      readFileSync(cfg, 'utf8')
        .replace(/^ArrayHeight:.*$/m, 'ArrayHeight: 2048')
        .replace(/^IfmapSramSzkB:.*$/m, 'IfmapSramSzkB: 1'),
    );
    const out = join(d, 'out');
    const r = await cli('simulate', '--scalesim-cfg', small, '--topology', topo, '--out', out);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('[architecture_presets] IfmapSramSzkB');
    expect(lines[0]).toContain(small);
    expect(existsSync(out)).toBe(false);
  });
});

describe('simulate --trace', () => {
  it('streams the six SCALE-Sim-layout trace files per array layer', async () => {
    const d = tmp();
    const topo = write(d, 't.csv', 'Layer, M, N, K,\ngemm_a, 37, 19, 23,\n');
    const traces = join(d, 'traces');
    const r = await cli(
      'simulate',
      '--scalesim-cfg',
      cfg,
      '--topology',
      topo,
      '--skip-reports',
      '--trace',
      traces,
    );
    expect(r.code).toBe(0);
    for (const f of [
      'IFMAP_SRAM_TRACE.csv',
      'FILTER_SRAM_TRACE.csv',
      'OFMAP_SRAM_TRACE.csv',
      'IFMAP_DRAM_TRACE.csv',
      'FILTER_DRAM_TRACE.csv',
      'OFMAP_DRAM_TRACE.csv',
    ]) {
      expect(existsSync(join(traces, 'gemm_a', f)), f).toBe(true);
    }
    // 37×19 outputs leave the array: every OFMAP address appears once in the SRAM trace
    const ofmap = readFileSync(join(traces, 'gemm_a', 'OFMAP_SRAM_TRACE.csv'), 'utf8')
      .trim()
      .split('\n')
      .flatMap((l) => l.split(',').slice(1).map(Number))
      .filter((a) => a >= 0);
    expect(new Set(ofmap).size).toBe(37 * 19);
  });

  it('gives identical trace files on 1 and 2 worker threads', async () => {
    const d = tmp();
    const topo = write(d, 't.csv', 'Layer, M, N, K,\na, 37, 19, 23,\nb, 64, 40, 33,\nc, 20, 70, 12,\n');
    const one = join(d, 'one');
    const two = join(d, 'two');
    expect(
      (
        await cli(
          'simulate',
          '--scalesim-cfg',
          cfg,
          '--topology',
          topo,
          '--skip-reports',
          '--trace',
          one,
          '--workers',
          '1',
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await cli(
          'simulate',
          '--scalesim-cfg',
          cfg,
          '--topology',
          topo,
          '--skip-reports',
          '--trace',
          two,
          '--workers',
          '2',
        )
      ).code,
    ).toBe(0);
    for (const layer of ['a', 'b', 'c']) {
      for (const f of ['IFMAP_SRAM_TRACE.csv', 'OFMAP_DRAM_TRACE.csv']) {
        expect(readFileSync(join(two, layer, f), 'utf8')).toBe(readFileSync(join(one, layer, f), 'utf8'));
      }
    }
  });
});
