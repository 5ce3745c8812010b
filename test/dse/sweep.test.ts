/**
 * Whole sweeps on the tiny fixture (MNIST on small arrays, some points refused): failures recorded,
 * resume from a torn file, shards merged equal to one run byte for byte, 1 worker ≡ 2 workers.
 */
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeSweeps } from '../../src/dse/merge.js';
import { parseShard, runSweep } from '../../src/dse/run.js';
import { loadSweepSpec, parseSweepSpec } from '../../src/dse/spec.js';
import { readYamlFile } from '../../src/config/yaml.js';
import { InputError } from '../../src/units/errors.js';
import { packageRoot } from '../../src/units/paths.js';
import { writeSweepReports } from '../../src/cli/commands/sweep.js';

const SPEC = join(packageRoot(), 'test', 'fixtures', 'sweep', 'tiny.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'bitcycle-sweep-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const FILES = [
  'sweep.json',
  'points.jsonl',
  'results.jsonl',
  'pareto.csv',
  'pareto.json',
  'summary.json',
  'sweep.html',
];
const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8');
const lines = (dir: string): string[] =>
  read(dir, 'results.jsonl')
    .split('\n')
    .filter((l) => l !== '');

describe('sweep runs', () => {
  const spec = loadSweepSpec(SPEC);
  const reference = join(tmp, 'reference');

  it('runs every feasible point, recording refused ones with their reason', async () => {
    const o = await runSweep(spec, { outDir: reference, workers: 0 });
    writeSweepReports(reference);
    // rows·cols ≤ 128 keeps 8 of 9 (rows, cols) pairs; × 2 ofmap sizes × 2 formats
    expect(o).toMatchObject({ total: 32, ran: 32, resumed: 0, dropped: 0 });
    expect(o.ok + o.failed).toBe(32);
    const results = lines(reference).map(
      (l) =>
        JSON.parse(l) as { status: string; point: Record<string, unknown>; reason?: string; index: number },
    );
    expect(results.length).toBe(32);
    // an 8-byte ofmap buffer holds 4 B per half: 4 int8 outputs or 8 packed int4 ones, so only
    // arrays that narrow can run
    for (const r of results) {
      const words = r.point.format === 'int4' ? 8 : 4;
      const tooSmall = r.point.ofmap_kib === 0.0078125 && (r.point.cols as number) > words;
      expect(r.status).toBe(tooSmall ? 'failed' : 'ok');
      if (tooSmall) expect(r.reason).toMatch(/sram\.ofmap_kib/);
    }
    expect(results.map((r) => r.index)).toEqual([...results.map((r) => r.index)].sort((a, b) => a - b));
    const summary = JSON.parse(read(reference, 'summary.json')) as Record<string, unknown>;
    expect(summary).toMatchObject({ points: 32, results: 32, missing: 0, failed: o.failed });
    expect(read(reference, 'pareto.csv').split('\n')[0]).toBe(
      'workload,index,rows,cols,ofmap_kib,format,weights,activations,accumulator,energy (minimize),area (minimize),cycles (minimize),cycles,latency_s,energy_pj,area_um2,edp_pj_s,tops_per_w,utilization,key',
    );
  });

  it('resumes: keeps every finished line, cuts a torn one, reruns only what is missing', async () => {
    const dir = join(tmp, 'resume');
    await runSweep(spec, { outDir: dir, workers: 0 });
    // simulate a kill: keep 11 complete lines and half of the 12th
    const all = lines(dir);
    writeFileSync(join(dir, 'results.jsonl'), all.slice(0, 11).join('\n') + '\n' + all[11]!.slice(0, 40));
    const o = await runSweep(spec, { outDir: dir, workers: 0 });
    expect(o).toMatchObject({ total: 32, resumed: 11, ran: 21 });
    writeSweepReports(dir);
    for (const f of FILES) expect(read(dir, f), f).toBe(read(reference, f));
    // a complete folder reruns nothing
    const again = await runSweep(spec, { outDir: dir, workers: 0 });
    expect(again).toMatchObject({ resumed: 32, ran: 0 });
  });

  it('refuses a folder holding another sweep, and a damaged results line', async () => {
    const dir = join(tmp, 'other');
    await runSweep(spec, { outDir: dir, workers: 0, shard: { index: 0, count: 4 } });
    await expect(runSweep(spec, { outDir: dir, workers: 0 })).rejects.toThrow(/holds another sweep or shard/);
    const damaged = join(tmp, 'damaged');
    await runSweep(spec, { outDir: damaged, workers: 0, shard: { index: 1, count: 4 } });
    appendFileSync(join(damaged, 'results.jsonl'), '{"not":"a result"}\n');
    await expect(
      runSweep(spec, { outDir: damaged, workers: 0, shard: { index: 1, count: 4 } }),
    ).rejects.toThrow(InputError);
  });

  it('N shards merged equal one unsharded run, byte for byte', async () => {
    const shards = [0, 1, 2].map((i) => join(tmp, `shard-${i}`));
    const counts = [];
    for (const [i, dir] of shards.entries())
      counts.push((await runSweep(spec, { outDir: dir, workers: 0, shard: { index: i, count: 3 } })).total);
    expect(counts).toEqual([11, 11, 10]);
    const merged = join(tmp, 'merged');
    const m = mergeSweeps(shards, merged);
    expect(m).toMatchObject({
      shards: 3,
      missingShards: [],
      points: 32,
      results: 32,
      missing: [],
      duplicates: [],
    });
    writeSweepReports(merged);
    for (const f of FILES) expect(read(merged, f), f).toBe(read(reference, f));
  });

  it('merge reports missing shards, missing points and duplicates', () => {
    const shards = [0, 1].map((i) => join(tmp, `shard-${i}`));
    const out = join(tmp, 'partial');
    const m = mergeSweeps([shards[0]!, shards[0]!, shards[1]!], out);
    expect(m.missingShards).toEqual([2]);
    expect(m.duplicates.length).toBe(11);
    expect(m.duplicates.every((d) => d.identical)).toBe(true);
    // drop the last result of shard 1: one point of it is missing
    const dir = join(tmp, 'shard-1-cut');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(shards[1]!)) writeFileSync(join(dir, f), readFileSync(join(shards[1]!, f)));
    const bytes = readFileSync(join(dir, 'results.jsonl'));
    truncateSync(join(dir, 'results.jsonl'), bytes.lastIndexOf(10, bytes.length - 2) + 1);
    const m2 = mergeSweeps([shards[0]!, dir], join(tmp, 'partial2'));
    expect(m2.missing.length, JSON.stringify(m2.missing)).toBe(1);
    expect(() => mergeSweeps([shards[0]!, join(tmp, 'reference')], join(tmp, 'x'))).toThrow(/shard\.count/);
  });

  it('1 worker and 2 worker threads give the same bytes', async () => {
    const one = join(tmp, 'w1');
    const two = join(tmp, 'w2');
    await runSweep(spec, { outDir: one, workers: 1 });
    await runSweep(spec, { outDir: two, workers: 2 });
    writeSweepReports(one);
    writeSweepReports(two);
    for (const f of FILES) {
      expect(read(one, f), f).toBe(read(two, f));
      expect(read(one, f), f).toBe(read(reference, f));
    }
  }, 60_000);

  it('an evolutionary search is deterministic, resumable, and refuses --shard', async () => {
    const evo = parseSweepSpec(
      {
        ...(readYamlFile(SPEC) as Record<string, unknown>),
        name: 'evo',
        strategy: { kind: 'evolutionary', population: 4, generations: 2, seed: 5 },
      },
      SPEC,
    );
    const a = join(tmp, 'evo-a');
    const b = join(tmp, 'evo-b');
    const first = await runSweep(evo, { outDir: a, workers: 0 });
    // at most population × (generations + 1) distinct points, all of them distinct
    expect(first.total).toBeGreaterThan(4);
    expect(first.total).toBeLessThanOrEqual(12);
    expect(first.ran).toBe(first.total);
    const points = read(a, 'points.jsonl').trim().split('\n');
    expect(points.length).toBe(first.total);
    expect(new Set(points).size).toBe(points.length);
    await runSweep(evo, { outDir: b, workers: 2 });
    writeSweepReports(a);
    writeSweepReports(b);
    for (const f of FILES) expect(read(a, f), f).toBe(read(b, f));
    const again = await runSweep(evo, { outDir: a, workers: 0 });
    expect(again).toMatchObject({ total: first.total, ran: 0, resumed: first.total });
    await expect(
      runSweep(evo, { outDir: join(tmp, 'evo-shard'), workers: 0, shard: { index: 0, count: 2 } }),
    ).rejects.toThrow(/evolutionary search needs each generation/);
  }, 60_000);

  it('parses --shard i/N', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    for (const bad of ['5/5', '-1/3', '1', 'a/b', '0/0']) expect(() => parseShard(bad)).toThrow(/0 ≤ i < N/);
  });
});
