/**
 * `simulate --trace <dir> --trace-format csv|vcd|perfetto` end to end:
 *  - flag checks: one clear message and exit 2 for a bad format or a format without --trace, and
 *    nothing written;
 *  - csv (the default) writes what `--trace` alone writes, byte for byte;
 *  - the hand-derived layer of run-traces.test.ts through the CLI: summary.json's cycles, stalls and
 *    their split are the trace's spans;
 *  - ResNet-18 on the default preset: the layer spans tile [0, total cycles) with summary.json's
 *    starts, every array layer's compute + stall spans add up to its cycles and its stall spans to
 *    its stall cycles (read / write / final drain as summary.json splits them), the SRAM spans carry
 *    its SRAM counts, and the VCD's busy and stall signals integrate to the same figures;
 *  - the files are the same bytes on 1 and 2 workers and across runs.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/units/paths.js';
import { cli } from '../../cli/helpers.js';
import { parsePerfetto, parseVcd, total, track, type Span, type Vcd } from './run-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'bitcycle-runtrace-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const fresh = (): string => join(root, `d${n++}`);
const DEFAULT_HW = join(packageRoot(), 'hw-configs', 'systolic', 'default.yaml');

interface SummaryLayer {
  readonly name: string;
  readonly cycles: number;
  readonly stallCycles: number;
  readonly unit?: string;
  readonly computeCycles?: number;
  readonly readStallCycles?: number;
  readonly writeStallCycles?: number;
  readonly drainCycles?: number;
  readonly counts: Readonly<Record<string, number>>;
}
interface Summary {
  readonly clockHz: number;
  readonly totals: { readonly cycles: number; readonly stallCycles: number };
  readonly layers: readonly SummaryLayer[];
}

const readSummary = (dir: string): Summary => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;

/** ∫ of a VCD variable over [from, to). */
function integral(vcd: Vcd, path: string, from: number, to: number): number {
  const list = vcd.changes.get(path)!;
  let s = 0;
  list.forEach((c, i) => {
    const a = Math.max(c.t, from);
    const b = Math.min(list[i + 1]?.t ?? Infinity, to);
    if (b > a) s += c.v * (b - a);
  });
  return s;
}

describe('--trace-format flags', () => {
  const tiny = (): string => {
    const d = fresh();
    writeFileSync(join(root, 't.csv'), 'Layer, M, N, K,\ngemm_a, 9, 5, 7,\n');
    return d;
  };

  it('rejects an unknown format with one line and exit 2, writing nothing', async () => {
    const d = tiny();
    const r = await cli('simulate', '--hw', DEFAULT_HW, '--workload', join(root, 't.csv'), '--out', join(d, 'out'), '--trace', join(d, 'tr'), '--trace-format', 'fst');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --trace-format must be one of csv, vcd, perfetto \(got 'fst'\)\n/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(d)).toBe(false);
  });

  it('rejects --trace-format without --trace', async () => {
    const d = tiny();
    const r = await cli('simulate', '--hw', DEFAULT_HW, '--workload', join(root, 't.csv'), '--out', join(d, 'out'), '--trace-format', 'vcd');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --trace-format needs --trace <dir>\n/);
    expect(existsSync(d)).toBe(false);
  });

  it('csv is the default: the same files, byte for byte, as --trace alone', async () => {
    const d = tiny();
    const args = ['simulate', '--hw', DEFAULT_HW, '--workload', join(root, 't.csv'), '--skip-reports'];
    expect((await cli(...args, '--trace', join(d, 'plain'))).code).toBe(0);
    expect((await cli(...args, '--trace', join(d, 'csv'), '--trace-format', 'csv')).code).toBe(0);
    const files = readdirSync(join(d, 'plain', 'gemm_a')).sort();
    expect(files).toHaveLength(6);
    expect(readdirSync(join(d, 'csv', 'gemm_a')).sort()).toEqual(files);
    for (const f of files) {
      expect(readFileSync(join(d, 'csv', 'gemm_a', f), 'utf8')).toBe(readFileSync(join(d, 'plain', 'gemm_a', f), 'utf8'));
    }
  });

  it('vcd and perfetto write one file for the run', async () => {
    const d = tiny();
    for (const f of ['vcd', 'perfetto']) {
      const r = await cli('simulate', '--hw', DEFAULT_HW, '--workload', join(root, 't.csv'), '--skip-reports', '--trace', join(d, f), '--trace-format', f, '--verbose');
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/wrote \d+ trace lines \(\d+ bytes\) for 1 layers/);
      expect(readdirSync(join(d, f))).toEqual([f === 'vcd' ? 'trace.vcd' : 'trace.perfetto.json']);
    }
  });
});

describe('the hand-derived layer through the CLI', () => {
  it('summary.json and the traces agree on every figure', async () => {
    const d = fresh();
    const hw = join(root, 'tiny.yaml');
    writeFileSync(
      hw,
      [
        'target: systolic',
        'name: tiny-4x4',
        'clock_mhz: 1000',
        'array: { rows: 4, cols: 4, dataflow: os }',
        'sram: { ifmap_kib: 64, filter_kib: 64, ofmap_kib: 0.015625 }',
        'dram: { read_bandwidth_bytes_per_cycle: 4, write_bandwidth_bytes_per_cycle: 0.5, latency_cycles: 0 }',
        'word_bytes: 1',
        '',
      ].join('\n'),
    );
    const topo = join(root, 'hand.csv');
    writeFileSync(topo, 'Layer, M, N, K,\ngemm, 8, 4, 6,\n');
    const base = ['simulate', '--hw', hw, '--workload', topo, '--out', join(d, 'out')];
    expect((await cli(...base, '--trace', join(d, 'v'), '--trace-format', 'vcd')).code).toBe(0);
    expect((await cli(...base, '--trace', join(d, 'p'), '--trace-format', 'perfetto')).code).toBe(0);
    const s = readSummary(join(d, 'out'));
    const l = s.layers[0]!;
    expect([l.cycles, l.stallCycles, l.computeCycles, l.readStallCycles, l.writeStallCycles, l.drainCycles]).toEqual([84, 60, 24, 12, 20, 28]);
    const p = parsePerfetto(readFileSync(join(d, 'p', 'trace.perfetto.json'), 'utf8'), s.clockHz);
    const stalls = track(p, 'array: stalls');
    expect(total(track(p, 'array: compute'))).toBe(24);
    expect(total(stalls.filter((x) => x.name === 'read stall'))).toBe(12);
    expect(total(stalls.filter((x) => x.name === 'write stall'))).toBe(20);
    expect(total(stalls.filter((x) => x.name === 'ofmap drain'))).toBe(28);
    const vcd = parseVcd(readFileSync(join(d, 'v', 'trace.vcd'), 'utf8'));
    expect(integral(vcd, 'bitcycle.array.busy', 0, 84)).toBe(24);
    expect(integral(vcd, 'bitcycle.array.stall_read', 0, 84)).toBe(12);
    expect(integral(vcd, 'bitcycle.array.stall_write', 0, 84)).toBe(20);
    expect(integral(vcd, 'bitcycle.array.drain', 0, 84)).toBe(28);
    expect(integral(vcd, 'bitcycle.sram.ifmap.reads', 0, 84)).toBe(l.counts['sram.ifmap.read']);
    expect(vcd.times[vcd.times.length - 1]).toBe(84);
  });
});

describe('ResNet-18 on the default preset', () => {
  it('layer spans tile the run; per layer, spans and signals add up to summary.json', async () => {
    const d = fresh();
    const args = ['simulate', '--hw', DEFAULT_HW, '--workload', 'resnet18', '--out', join(d, 'out')];
    expect((await cli(...args, '--trace', join(d, 'p'), '--trace-format', 'perfetto')).code).toBe(0);
    expect((await cli(...args, '--trace', join(d, 'v'), '--trace-format', 'vcd', '--workers', '1')).code).toBe(0);
    const s = readSummary(join(d, 'out'));
    const p = parsePerfetto(readFileSync(join(d, 'p', 'trace.perfetto.json'), 'utf8'), s.clockHz);
    const vcd = parseVcd(readFileSync(join(d, 'v', 'trace.vcd'), 'utf8'));
    const layers = track(p, 'layers');
    expect(layers.map((x) => x.name)).toEqual(s.layers.map((x) => x.name));
    const byLayer = (name: string): Span[][] => {
      const spans = track(p, name);
      return layers.map((x) => spans.filter((y) => y.start >= x.start && y.start < x.end));
    };
    const compute = byLayer('array: compute');
    const stalls = byLayer('array: stalls');
    const ifmap = byLayer('sram: ifmap reads');
    const ofmap = byLayer('sram: ofmap writes');
    let at = 0;
    s.layers.forEach((l, i) => {
      const span = layers[i]!;
      expect([span.start, span.end], l.name).toEqual([at, at + l.cycles]);
      expect(span.args.startCycle).toBe(at);
      if (l.unit === 'array') {
        const st = stalls[i]!;
        expect(total(compute[i]!) + total(st), l.name).toBe(l.cycles);
        expect(total(compute[i]!), l.name).toBe(l.computeCycles);
        expect(total(st), l.name).toBe(l.stallCycles);
        expect(total(st.filter((x) => x.name === 'read stall'))).toBe(l.readStallCycles);
        expect(total(st.filter((x) => x.name === 'write stall'))).toBe(l.writeStallCycles);
        expect(total(st.filter((x) => x.name === 'ofmap drain'))).toBe(l.drainCycles);
        expect(ifmap[i]!.reduce((a, x) => a + (x.args.reads as number), 0)).toBe(l.counts['sram.ifmap.read']);
        expect(ofmap[i]!.reduce((a, x) => a + (x.args.writes as number), 0)).toBe(l.counts['sram.ofmap.write']);
        const end = at + l.cycles;
        expect(integral(vcd, 'bitcycle.array.busy', at, end), l.name).toBe(l.computeCycles);
        expect(integral(vcd, 'bitcycle.array.stall', at, end) + integral(vcd, 'bitcycle.array.drain', at, end)).toBe(l.stallCycles);
        expect(integral(vcd, 'bitcycle.array.stall_read', at, end)).toBe(l.readStallCycles);
        expect(integral(vcd, 'bitcycle.sram.filter.reads', at, end)).toBe(l.counts['sram.filter.read']);
      } else {
        expect(compute[i]!).toEqual([]);
        expect(integral(vcd, 'bitcycle.vector.busy', at, at + l.cycles)).toBe(l.unit === 'vector' ? l.cycles : 0);
      }
      at += l.cycles;
    });
    expect(at).toBe(s.totals.cycles);
    expect(vcd.times[vcd.times.length - 1]).toBe(s.totals.cycles);
  });

  it('gives the same bytes on 1 and 2 workers, and on every run', async () => {
    const d = fresh();
    const topo = join(root, 'three.csv');
    writeFileSync(topo, 'Layer, M, N, K,\na, 37, 19, 23,\nb, 64, 40, 33,\nc, 20, 70, 12,\n');
    const args = ['simulate', '--hw', DEFAULT_HW, '--workload', topo, '--skip-reports'];
    for (const f of ['vcd', 'perfetto']) {
      const name = f === 'vcd' ? 'trace.vcd' : 'trace.perfetto.json';
      const outs = [];
      for (const [i, workers] of ['1', '2', '2'].entries()) {
        const r = await cli(...args, '--trace', join(d, `${f}${i}`), '--trace-format', f, '--workers', workers);
        expect(r.code).toBe(0);
        outs.push(readFileSync(join(d, `${f}${i}`, name)));
      }
      expect(outs[1]!.equals(outs[0]!)).toBe(true);
      expect(outs[2]!.equals(outs[0]!)).toBe(true);
    }
  });
});
