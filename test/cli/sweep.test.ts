/**
 * `bitcycle sweep` and `bitcycle merge` as users run them: a real sweep process killed with
 * SIGKILL and resumed, bad specs and flags (exit 2, nothing written), the SLURM and Kubernetes job
 * files run shard by shard and merged equal to one run, the progress line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/commands/sweep.js';
import { packageRoot } from '../../src/units/paths.js';
import { cli, cliProcess, fixture } from './helpers.js';

const root = packageRoot();
const tmp = mkdtempSync(join(tmpdir(), 'bitcycle-sweep-cli-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});
const MAIN = join(root, 'dist', 'src', 'cli', 'main.js');
const TINY = fixture('sweep/tiny.yaml');
const SWEEP_FILES = [
  'sweep.json',
  'points.jsonl',
  'results.jsonl',
  'pareto.csv',
  'pareto.json',
  'summary.json',
  'sweep.html',
];
const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8');
const completeLines = (file: string): string[] => {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l !== '');
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('bitcycle sweep (process)', () => {
  it('a sweep killed with SIGKILL resumes: nothing finished is redone, nothing is lost', async () => {
    const spec = fixture('sweep/slow.yaml');
    const dir = join(tmp, 'killed');
    const child = spawn(process.execPath, [MAIN, 'sweep', spec, '--out', dir, '--workers', '1', '--json'], {
      cwd: root,
      stdio: 'ignore',
    });
    const exited = new Promise<void>((r) => {
      child.on('exit', () => {
        r();
      });
    });
    const results = join(dir, 'results.jsonl');
    const deadline = Date.now() + 60_000;
    while (completeLines(results).length < 3 && Date.now() < deadline) await sleep(10);
    child.kill('SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
    const before = completeLines(results);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(12);

    const resumed = cliProcess('sweep', spec, '--out', dir, '--workers', '1', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout) as { total: number; resumed: number; ran: number };
    expect(report).toMatchObject({ total: 12, resumed: before.length, ran: 12 - before.length });
    const after = completeLines(results);
    for (const line of before) expect(after).toContain(line);

    const clean = join(tmp, 'clean');
    expect(cliProcess('sweep', spec, '--out', clean, '--workers', '2', '--json').code).toBe(0);
    for (const f of SWEEP_FILES) expect(read(dir, f), f).toBe(read(clean, f));
  }, 180_000);

  it('prints the Pareto front and writes the folder; reruns resume', async () => {
    const dir = join(tmp, 'table');
    const r = await cli('sweep', TINY, '--out', dir, '--workers', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^tiny: 32 results \(25 ok, 7 failed\)/);
    expect(r.stdout).toMatch(/Pareto front of mnist \(\d+ points\):/);
    expect(r.stdout).toMatch(/32 points run, 0 resumed/);
    for (const f of SWEEP_FILES) expect(existsSync(join(dir, f)), f).toBe(true);
    const again = await cli('sweep', TINY, '--out', dir, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ total: 32, ran: 0, resumed: 32 });
  });
});

describe('bad sweep input', () => {
  it('a bad spec: one line per problem, exit 2, no folder written', () => {
    const spec = join(tmp, 'bad.yaml');
    writeFileSync(
      spec,
      [
        'format: bitcycle-sweep/1',
        'name: bad',
        `hw: ${join(root, 'hw-configs', 'systolic', 'default.yaml')}`,
        'workloads: [resnet18]',
        'axes:',
        '  - { name: rows, field: array.rows, values: [8, -4] }',
        '  - { name: fmt, field: format, values: [int8, int99] }',
        'constraints: ["rows >"]',
        'objectives: [energy, speed]',
      ].join('\n'),
    );
    const out = join(tmp, 'bad-out');
    const r = cliProcess('sweep', spec, '--out', out);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBe(4);
    for (const l of lines)
      expect(l).toMatch(new RegExp(`^error: ${spec.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(r.stderr).toMatch(/axes\[0\]\.values\[1\]: got -4/);
    expect(r.stderr).toMatch(/axes\[1\]\.values\[1\]: got "int99"/);
    expect(r.stderr).toMatch(/constraints\[0\]: got "rows >"/);
    expect(r.stderr).toMatch(/objectives\[1\]: got "speed"/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(out)).toBe(false);
  });

  it('bad flags and folders: exit 2 with one message', async () => {
    for (const [args, msg] of [
      [['--shard', '4/4'], /--shard: got "4\/4"; expected i\/N with 0 ≤ i < N/],
      [['--workers', '0'], /--workers/],
    ] as const) {
      const r = await cli('sweep', TINY, '--out', join(tmp, 'flags'), ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect(existsSync(join(tmp, 'flags'))).toBe(false);
    const r = await cli('sweep', join(tmp, 'missing.yaml'));
    expect(r.code).toBe(2);
    const m = await cli('merge', join(tmp, 'nowhere'), '--out', join(tmp, 'm'));
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/sweep\.json: \(file\): got missing; expected a sweep folder/);
  });
});

describe('bad folders', () => {
  it('--out that is a file, and a damaged points.jsonl in merge: exit 2, one message', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const r = await cli('sweep', TINY, '--out', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out: got ".*a-file"; expected a folder \(this is a file\)/);
    const m0 = await cli('merge', join(tmp, 'table'), '--out', file);
    expect(m0.code).toBe(2);
    expect(m0.stderr).toMatch(/--out: got ".*a-file"; expected a folder/);
    const dir = join(tmp, 'damaged-points');
    expect((await cli('sweep', TINY, '--out', dir, '--json')).code).toBe(0);
    writeFileSync(join(dir, 'points.jsonl'), readFileSync(join(dir, 'points.jsonl'), 'utf8') + 'garbage\n');
    const m = await cli('merge', dir, '--out', join(tmp, 'damaged-merged'));
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/points\.jsonl: line 33: got "garbage"; expected a sweep point line/);
    expect(m.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });
});

describe('cluster job files', () => {
  it('deploy/slurm/sweep.sbatch run as a 3-task job array, merged, equals one run', async () => {
    const outRoot = join(tmp, 'slurm');
    for (let i = 0; i < 3; i++) {
      const r = spawnSync('bash', [join(root, 'deploy', 'slurm', 'sweep.sbatch'), TINY, outRoot], {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          SLURM_ARRAY_TASK_ID: String(i),
          SLURM_ARRAY_TASK_COUNT: '3',
          SLURM_CPUS_PER_TASK: '1',
          SLURM_SUBMIT_DIR: root,
        },
      });
      expect(r.status, r.stderr).toBe(0);
    }
    const merged = join(tmp, 'slurm-merged');
    const m = await cli('merge', ...[0, 1, 2].map((i) => join(outRoot, `shard-${i}-of-3`)), '--out', merged);
    expect(m.code, m.stdout + m.stderr).toBe(0);
    expect(m.stdout).toMatch(/^merged 3 folder\(s\): 32 of 32 points have results/);
    const single = join(tmp, 'single');
    expect((await cli('sweep', TINY, '--out', single, '--workers', '2')).code).toBe(0);
    for (const f of SWEEP_FILES) expect(read(merged, f), f).toBe(read(single, f));
  }, 120_000);

  it('deploy/k8s/sweep-job.yaml is an Indexed Job whose command, run per index, shards the sweep', async () => {
    const job = parse(readFileSync(join(root, 'deploy', 'k8s', 'sweep-job.yaml'), 'utf8')) as {
      kind: string;
      spec: {
        completionMode: string;
        completions: number;
        template: {
          spec: {
            containers: { env: { name: string; value: string }[]; command: string[]; args: string[] }[];
          };
        };
      };
    };
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    const c = job.spec.template.spec.containers[0]!;
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
    expect(Number(env.SHARDS)).toBe(job.spec.completions);
    expect(c.args.join(' ')).toContain('$JOB_COMPLETION_INDEX/$SHARDS');
    const outRoot = join(tmp, 'k8s');
    for (let i = 0; i < 2; i++) {
      const r = spawnSync(c.command[0]!, [...c.command.slice(1), ...c.args], {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          ...env,
          SHARDS: '2',
          SPEC: TINY,
          OUT_ROOT: outRoot,
          JOB_COMPLETION_INDEX: String(i),
        },
      });
      expect(r.status, r.stderr).toBe(0);
    }
    const merged = join(tmp, 'k8s-merged');
    const m = await cli(
      'merge',
      join(outRoot, 'shard-0-of-2'),
      join(outRoot, 'shard-1-of-2'),
      '--out',
      merged,
    );
    expect(m.code).toBe(0);
    const single = join(tmp, 'single');
    for (const f of SWEEP_FILES) expect(read(merged, f), f).toBe(read(single, f));
    // a missing shard: the merge is written, and says so with exit 1
    const part = await cli('merge', join(outRoot, 'shard-0-of-2'), '--out', join(tmp, 'k8s-part'));
    expect(part.code).toBe(1);
    expect(part.stdout).toMatch(/missing shards: 1/);
  }, 120_000);
});

describe('progress line', () => {
  it('shows done/total, share, rate over the points run now, and ETA', () => {
    expect(progressLine({ done: 30, total: 120, resumed: 10 }, 4, 20)).toBe(
      '[=====               ] 30/120 25.0 % (10 resumed)  5.0 pts/s  ETA 0:18',
    );
    expect(progressLine({ done: 0, total: 10, resumed: 0 }, 0, 10)).toBe(
      '[          ] 0/10 0.0 %  0.0 pts/s  ETA ?',
    );
    expect(progressLine({ done: 3600, total: 10000, resumed: 0 }, 3600, 10)).toMatch(
      / 1\.0 pts\/s {2}ETA 1:46:40$/,
    );
  });

  it('is drawn only through io.progress (absent off a terminal and in CI)', async () => {
    const drawn: (string | null)[] = [];
    const { runCli } = await import('../../src/cli/cli.js');
    const code = await runCli(['sweep', TINY, '--out', join(tmp, 'progress'), '--workers', '1'], {
      out: () => undefined,
      err: () => undefined,
      progress: (l) => drawn.push(l),
    });
    expect(code).toBe(0);
    expect(drawn.at(-1)).toBeNull();
    expect(drawn.some((l) => l !== null && l.includes('32/32 100.0 %'))).toBe(true);
    const quiet: (string | null)[] = [];
    await runCli(['sweep', TINY, '--out', join(tmp, 'progress'), '--json'], {
      out: () => undefined,
      err: () => undefined,
      progress: (l) => quiet.push(l),
    });
    expect(quiet).toEqual([]);
  });
});
