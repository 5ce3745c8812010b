/**
 * Sweep figures for `npm run bench`: design points per minute of the documented ResNet-18 sweep on
 * 1 and 2 worker threads, and the peak RSS of sweeps of 1,000 and 10,000 points (to show it does
 * not grow with the number of points). Each sweep runs as a child process, the way users run it;
 * peak RSS is the kernel's high-water mark (VmHWM) of that process, read from /proc while it runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/units/paths.js';

const MAIN = (): string => join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

function highWaterKib(pid: number): number | undefined {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** Run `bitcycle sweep` in a child process: wall time and the peak RSS seen (MiB; NaN off Linux). */
export async function sweepProcess(
  spec: string,
  workers: number,
): Promise<{ seconds: number; peakRssMib: number; total: number }> {
  const out = mkdtempSync(join(tmpdir(), 'bitcycle-bench-sweep-'));
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [MAIN(), 'sweep', spec, '--out', out, '--workers', String(workers), '--json'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  let peak = NaN;
  const poll = setInterval(() => {
    const kib = child.pid === undefined ? undefined : highWaterKib(child.pid);
    if (kib !== undefined) peak = Number.isNaN(peak) ? kib : Math.max(peak, kib);
  }, 50);
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => {
      resolve(c);
    });
  });
  clearInterval(poll);
  const seconds = (performance.now() - t0) / 1000;
  rmSync(out, { recursive: true, force: true });
  if (code !== 0) throw new Error(`bench sweep of ${spec} exited with ${String(code)}`);
  const total = (JSON.parse(stdout) as { total: number }).total;
  return { seconds, peakRssMib: peak / 1024, total };
}

/** A spec of `side`² points: array rows × cols on one 3×3 conv layer (a SCALE-Sim topology). */
export function gridSpec(dir: string, side: number): string {
  const file = join(dir, `grid-${side}.yaml`);
  const root = packageRoot();
  writeFileSync(
    file,
    [
      'format: bitcycle-sweep/1',
      `name: rss-${side * side}`,
      `hw: ${JSON.stringify(join(root, 'hw-configs', 'systolic', 'default.yaml'))}`,
      `workloads: [${JSON.stringify(join(root, 'test', 'fixtures', 'scalesim', 'conv3x3.csv'))}]`,
      'axes:',
      `  - { name: rows, field: array.rows, range: { from: 2, to: ${side + 1}, step: 1 } }`,
      `  - { name: cols, field: array.cols, range: { from: 2, to: ${side + 1}, step: 1 } }`,
      'objectives: [energy, area, cycles]',
    ].join('\n'),
  );
  return file;
}

/** Live heap after a full GC every 2,000 points of an inline sweep (MiB, by points done). */
export function liveHeap(spec: string): { points: number; heapMib: number }[] {
  const out = mkdtempSync(join(tmpdir(), 'bitcycle-bench-heap-'));
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', join(packageRoot(), 'dist', 'bench', 'sweep-heap.js'), spec, out],
    { encoding: 'utf8' },
  );
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`sweep-heap failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { points: number; heapMib: number });
}
